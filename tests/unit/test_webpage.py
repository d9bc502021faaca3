"""Event web pages (HTML) -> the text the page importer reads, chrome and all dropped."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidValue
from bot.pages import parse_page
from bot.webpage import decode_html, html_to_text, meta_charset
from tests.pageserver import WEB_PAGES
from tests.traditional import traditional

# Names that only the site's chrome mentions: cookie banner, sidebar of other events,
# "more events", footer, noscript, scripts and styles.
CHROME_NAMES = ("Jane Cookieman", "John Whitfield", "Priya Raman", "Omar Haddad",
                "Anna Kowalski", "Helen Mirren", "Robert Paulson", "Ghost Speaker",
                "Injected Person", "Styled Name")
CHROME_WORDS = ("Accept all", "Share this event", "Related Events", "newsletter", "Privacy",
                "About Us", "Donate", "Home")


def read(name: str) -> str:
    return (WEB_PAGES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(("html", "txt"), [
    ("forum_headings.html", "forum.txt"),  # headings + paragraphs, title in <h1>
    ("forum_cards.html", "forum.txt"),  # speaker cards, title in og:title only
    ("forum_br.html", "forum.txt"),  # bare text with <br>, title in <title> with a suffix
    ("forum_recap.html", "forum_recap.txt"),  # takeaways as a list
])
def test_a_web_page_reads_as_its_text_page(html, txt):
    web = html_to_text(read(html))
    from_web, from_text = parse_page(web.text), parse_page(read(txt))
    assert from_web.title == "Arctic Shipping and Security Forum" == web.title
    assert from_web.people and from_web.people == from_text.people  # names, roles, bios
    assert from_web.takeaways == from_text.takeaways
    assert from_web == from_text  # and everything else: date, place, notes, description
    for name in CHROME_NAMES + CHROME_WORDS:
        assert name not in web.text, name


def test_lists_become_bullets_and_br_a_line_break():
    web = html_to_text("<main><h1>T</h1><p>one<br>two</p><ul><li><b>A:</b> x</li>"
                       "<li><p>B: y</p></li></ul><ol><li>third</li></ol></main>")
    assert web.text == "T\n\none\ntwo\n\n• A: x\n\n• B: y\n\n• third\n"


@pytest.mark.parametrize(("head", "body", "title"), [
    ('<meta property="og:title" content="From OG"><title>T | Site</title>', "<h1>H</h1>",
     "From OG"),
    ('<meta property="og:title" content="Talk | Polar"><meta property="og:site_name" '
     'content="Polar">', "", "Talk"),
    ("<title>From Title | Site</title>", "<h1>From H1</h1>", "From H1"),
    ("<title>U.S.-China Talks - Polar Policy Institute</title>", "<p>x</p>", "U.S.-China Talks"),
    ("<title>A - B – Site Name</title>", "<p>x</p>", "A - B"),
    ("<title>Only A Title</title>", "<p>x</p>", "Only A Title"),
    # after a dash, a subtitle is no site's name; a bar always parts one, even in og:title
    ("<title>Arms Control – Past, Present and Future</title>", "<p>x</p>",
     "Arms Control – Past, Present and Future"),
    ("<title>Deterrence - Can It Hold?</title>", "<p>x</p>", "Deterrence - Can It Hold?"),
    # og:title is the page's own: a bar there may be the title's ("Taiwan | China: ...")
    ('<meta property="og:title" content="Taiwan | China: Prospects for Talks">', "",
     "Taiwan | China: Prospects for Talks"),
    # the full-width bar: a site's name after it goes, a title after a kicker stays
    ("<title>中美安全关系研讨会｜卡内基国际和平研究院</title>", "<p>x</p>", "中美安全关系研讨会"),
    ('<meta property="og:site_name" content="Carnegie"><title>中美安全关系研讨会 ｜ Carnegie'
     "</title>", "<p>x</p>", "中美安全关系研讨会"),
    ("<title>讲座预告｜中美关系的未来</title>", "<p>x</p>", "讲座预告｜中美关系的未来"),
    # and after a dash set without spaces, a name ending as an institution's does
    ("<title>讲座预告｜人工智能与国际安全-北京大学国际战略研究院</title>", "<p>x</p>",
     "讲座预告｜人工智能与国际安全"),
    ("<title>人工智能与国际安全-北京大学国际战略研究院</title>", "<p>x</p>", "人工智能与国际安全"),
    ("<title>中美关系-回顾与展望</title>", "<p>x</p>", "中美关系-回顾与展望"),
    # a forum after the dash is the event's own name, not the site's
    ("<title>一带一路倡议十周年-成就与展望论坛</title>", "<p>x</p>",
     "一带一路倡议十周年-成就与展望论坛"),
    ("<title>亚太安全对话-香山论坛</title>", "<p>x</p>", "亚太安全对话-香山论坛"),
    # an em dash opens a subtitle, and a hyphenated name is one name
    ("<title>中美关系四十年——从哈佛到北京大学</title>", "<p>x</p>",
     "中美关系四十年——从哈佛到北京大学"),
    ("<title>中国-东盟研究院</title>", "<p>x</p>", "中国-东盟研究院"),
    ("<title>香山论坛-国防大学</title>", "<p>x</p>", "香山论坛"),
    ("<title>2026年核军控研讨会-清华大学</title>", "<p>x</p>", "2026年核军控研讨会"),
    ("<title>中美关系何去何从？-北京大学国际战略研究院</title>", "<p>x</p>", "中美关系何去何从？"),
    ("<title>2026年年会-中国国际法学会</title>", "<p>x</p>", "2026年年会"),
    ("<title>讲座预告（第3期）-复旦大学国际问题研究院</title>", "<p>x</p>", "讲座预告（第3期）"),
])
def test_the_title_comes_from_og_title_else_h1_else_title(head, body, title):
    web = html_to_text(f"<html><head>{head}</head><body>{body}<p>Jane Doe is a fellow.</p>"
                       "</body></html>")
    assert web.title == title
    assert web.text.startswith(title + "\n")
    # the page reader then drops a site's kicker before the title (test_pages_rules.py)
    assert parse_page(web.text).title == title.removeprefix("讲座预告｜")


@pytest.mark.parametrize("names", ["event-body share-enabled", "person social-links-enabled",
                                   "card comments-active", "bio sharing-initialized"])
def test_a_class_naming_a_features_state_does_not_hide_what_it_marks(names):
    web = html_to_text(f'<body><h1>Talk</h1><div class="{names}"><p>Jane Doe is a fellow.</p>'
                       '</div><div class="social-links"><p>Share on X</p></div></body>')
    assert web.text == "Talk\n\nJane Doe is a fellow.\n"


@pytest.mark.parametrize("names", ["related-events-visible", "cookie-banner-visible",
                                   "newsletter-signup-active", "sidebar-loaded",
                                   "social-share-visible", "social-links-enabled"])
def test_a_block_of_chrome_in_some_state_is_still_chrome(names):
    web = html_to_text(f'<body><main><h1>Talk</h1><p>Jane Doe is a fellow.</p><div '
                       f'class="{names}"><p>Other Event</p></div></main></body>')
    assert web.text == "Talk\n\nJane Doe is a fellow.\n"


def test_a_header_inside_the_article_is_kept_but_the_site_header_is_not():
    html = ("<body><header><a>Site</a> Menu</header><article><header><h1>Talk</h1>"
            "<p>Fri. October 28th, 2016</p></header><p>About it.</p></article>"
            "<article class='card'><p>Other</p></article></body>")
    text = html_to_text(html).text
    assert text == "Talk\n\nFri. October 28th, 2016\n\nAbout it.\n\nOther\n"


def test_state_and_content_classes_do_not_hide_the_page():
    html = ('<body class="has-sidebar cookies-not-set"><div class="with-sidebar">'
            '<div class="content sidebar-layout"><p>Jane Doe is a fellow.</p></div></div></body>')
    assert "Jane Doe is a fellow." in html_to_text(html).text


def test_speaker_cards_under_a_moderator_heading_give_the_moderator():
    html = ("<body><h1>Arms Control Talk</h1><p>A talk on arms control.</p>"
            "<h2>Moderator</h2><div class='speaker'><h4>Jane Doe</h4>"
            "<p>Jane Doe is a journalist.</p></div><h2>Speakers</h2><div class='speaker'>"
            "<h4>Ann Lee</h4><p>Ann Lee is a fellow.</p></div></body>")
    page = parse_page(html_to_text(html).text, titled=True)
    assert [(p.name, p.role) for p in page.people] == [("Jane Doe", "moderator"),
                                                      ("Ann Lee", "speaker")]


@pytest.mark.parametrize("chrome", [
    "<div class='col-md-4'><h3>Related Events</h3><div class='speaker'><h4>Mark Stone</h4>"
    "<p>Mark Stone is a fellow.</p></div></div>",
    "<div class='related-content'><h4>Mark Stone</h4><p>Mark Stone is a fellow.</p></div>",
    "<div class='col-md-4'><h3>Upcoming Events</h3><div class='speaker'><h4>Mark Stone</h4>"
    "<p>Mark Stone is a fellow.</p></div></div>",
    "<div class='cookie-notice__body'>Mark Stone and partners use cookies.</div>",
    "<div id='onetrust-banner-sdk'>Mark Stone and partners use cookies.</div>",
])
def test_chrome_named_by_its_heading_or_beside_a_content_word_is_dropped(chrome):
    """A sidebar whose heading alone says it lists other events, and class names where a
    chrome word and a content word meet ("related-content", "cookie-notice__body")."""
    html = (f"<body>{chrome}<h1>Arms Talk</h1><p>December 15, 2026</p><p>Tong Zhao will "
            f"moderate a discussion with Li Bin.</p>{chrome}</body>")
    text = html_to_text(html).text
    assert "Mark Stone" not in text
    page = parse_page(text, titled=True)
    assert page.date_text == "December 15, 2026"
    assert [p.name for p in page.people] == ["Tong Zhao", "Li Bin"]


@pytest.mark.parametrize(("rows", "when", "where", "people"), [
    ("<tr><th>Date</th><td>Friday, March 12, 2027</td></tr><tr><th>Time</th><td>2:00 PM - "
     "4:00 PM EST</td></tr><tr><th>Location</th><td>Example Institute, Washington, DC</td>"
     "</tr><tr><th>Moderator</th><td>Jane Doe</td></tr><tr><th>Speakers</th><td>Richard Roe, "
     "Wang Wei</td></tr>", "Friday, March 12, 2027 2:00 PM - 4:00 PM EST",
     "Example Institute, Washington, DC",
     [("Jane Doe", "moderator"), ("Richard Roe", "speaker"), ("Wang Wei", "speaker")]),
    ("<tbody><tr><td>时间</td><td>2027年3月12日（星期五）下午2:00-4:00</td></tr><tr><td>地点</td>"
     "<td>清华大学明理楼</td></tr><tr><td>主持人</td><td>赵通</td></tr><tr><td>主讲人</td>"
     "<td>李彬</td></tr></tbody>", "2027年3月12日（星期五）下午2:00-4:00", "清华大学明理楼",
     [("赵通", "moderator"), ("李彬", "speaker")]),
])
def test_details_in_a_table_of_label_and_value_rows_read_as_a_definition_list(
        rows, when, where, people):
    """A row of two cells is a label and its value, as a <dt> and its <dd>: each cell its
    own line made the label "Time" (or "地点") the venue, and lost the moderator."""
    html = (f"<body><article><h1>Arms Talk</h1><table class='info'>{rows}</table><p>Join us "
            "for the roundtable.</p></article></body>")
    page = parse_page(html_to_text(html).text, titled=True)
    assert (page.date_text, page.location) == (when, where)
    assert [(p.name, p.role) for p in page.people] == people
    assert page.description == "Join us for the roundtable."


def test_a_table_of_more_than_two_columns_keeps_a_line_per_cell():
    html = ("<body><h1>Arms Talk</h1><table><tr><td>14:00</td><td>Opening</td><td>Hall A</td>"
            "</tr></table></body>")
    assert html_to_text(html).text.splitlines()[2:] == ["14:00", "", "Opening", "", "Hall A"]


@pytest.mark.parametrize("heading", [
    "<div class='tit'>近期活动</div>", "<h2>近期活动</h2>", "<h3>相关活动</h3>",
    "<span>更多讲座：</span>", "<div class='tit'>Related Events</div>",
    "<strong>往期活动</strong>"])
@pytest.mark.parametrize("script", [str, traditional])
def test_a_chinese_sidebars_heading_makes_it_chrome_whatever_its_tag(heading, script):
    """A Chinese page's "近期活动" (in either script) over other events' talks, headed by an
    <h2> or by the <div class="tit"> Chinese sites use: its people are not the event's, and
    its links are no takeaways that would make the announcement a recap."""
    html = script(
        "<body><div class='article'><h1>大国竞争时代的军备控制</h1><p>时间：2027年3月12日 下午2:00"
        "</p><p>主持人：张三</p><p>主讲人：李四</p></div><div class='right'>" + heading
        + "<ul><li><a href='/a'>【讲座】周七：人工智能与国际安全</a></li><li><a href='/b'>"
        "主讲人：孙八</a></li></ul></div></body>")
    text = html_to_text(html).text
    assert script("孙八") not in text and script("人工智能") not in text
    page = parse_page(text, titled=True)
    assert [p.name for p in page.people] == [script("张三"), script("李四")]
    assert page.takeaways == ()


@pytest.mark.parametrize(("head", "branding"), [
    ("<title>Arctic Forum &#8211; Pacific Policy Forum</title>", "Pacific Policy Forum"),
    ('<meta property="og:site_name" content="PPF"><title>Arctic Forum</title>', "PPF"),
    ("<title>北极论坛｜太平洋政策研究院</title>", "太平洋政策研究院"),
])
def test_a_themes_heading_of_the_sites_name_is_not_the_events_title(head, branding):
    """Themes set the site's name over every page as its first <h1> ("<h1
    class="site-title">"), the event's own name in an <h2>: the event was titled with the
    site's name. A heading that is the site's name (og:site_name, or what the <title> gives
    after the event's) is the site's."""
    web = html_to_text(
        f'<html><head>{head}</head><body><div class="site-branding"><h1 class="site-title">'
        f'<a href="/">{branding}</a></h1></div><article><h2 class="entry-title">Arctic Forum'
        "</h2><p>June 5, 2026, 10:00 AM</p><p>Jane Doe will moderate.</p></article>"
        "</body></html>")
    assert web.title in ("Arctic Forum", "北极论坛")
    assert parse_page(web.text).title == web.title


@pytest.mark.parametrize("html", [
    # a kicker heading over the event's own title, not a list of other events
    "<body><div class='event-detail'><h3>Upcoming Event</h3><h1>Arms Talk</h1>{rest}</div>"
    "</body>",
    "<body><main><section><h2>Past Events</h2><h1>Arms Talk</h1>{rest}</section></main></body>",
    # a content word first in the class name: the content, whatever follows it
    "<body><div id='content-sidebar-wrap'><div id='content'><h1>Arms Talk</h1>{rest}</div>"
    "</div></body>",
    "<body><div class='post-content-share'><h1>Arms Talk</h1>{rest}</div></body>",
    "<body><div class='sidebar-content-wrap'><div class='content'><h1>Arms Talk</h1>{rest}"
    "</div></div><aside class='sidebar'><p>Subscribe</p></aside></body>",
    # a name only chrome opens with, around the page's title all the same
    "<body><div class='related-content-body'><h1>Arms Talk</h1>{rest}</div></body>",
])
def test_the_block_with_the_pages_title_is_never_chrome(html):
    rest = "<p>December 15, 2026</p><p>Tong Zhao will moderate a discussion with Li Bin.</p>"
    page = parse_page(html_to_text(html.format(rest=rest)).text, titled=True)
    assert (page.title, page.date_text) == ("Arms Talk", "December 15, 2026")
    assert [p.name for p in page.people] == ["Tong Zhao", "Li Bin"]


def test_a_content_class_beside_a_share_class_keeps_the_content():
    html = ("<body><h1>Arms Talk</h1><div class='social-share-enabled entry-content'>"
            "<p>December 15, 2026</p><p>Tong Zhao will moderate a discussion with Li Bin.</p>"
            "</div></body>")
    page = parse_page(html_to_text(html).text, titled=True)
    assert [p.name for p in page.people] == ["Tong Zhao", "Li Bin"]



def test_a_pages_headings_between_its_title_and_date_keep_the_date_and_venue():
    """og:title, then a kicker, a differing <h1> and an <h2> subtitle over the date."""
    html = ('<html><head><meta property="og:title" content="Arctic Shipping Forum: Security '
            'in the High North"><title>Arctic Shipping Forum - Institute</title></head><body>'
            '<main><p class="kicker">Upcoming Event</p><h1>Arctic Shipping Forum</h1>'
            "<h2>Cooperation at Sea</h2><p>December 5, 2026, 6:00 PM - 8:00 PM EST</p>"
            "<p>Washington, DC</p><p>Maria Cruz will moderate a discussion with Henrik "
            "Olsen.</p></main></body></html>")
    page = parse_page(html_to_text(html).text, titled=True)
    assert (page.title, page.date_text, page.location) == (
        "Arctic Shipping Forum: Security in the High North",
        "December 5, 2026, 6:00 PM - 8:00 PM EST", "Washington, DC")
    assert page.description == ("Cooperation at Sea\n\n"
                                "Maria Cruz will moderate a discussion with Henrik Olsen.")


@pytest.mark.parametrize(("data", "declared", "text"), [
    ('<meta charset="iso-8859-1"><p>Zoë</p>'.encode("latin-1"), None, "Zoë"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252"><p>“Zoë”</p>'
     .encode("cp1252"), None, "“Zoë”"),
    ("<p>Zoë</p>".encode("latin-1"), "ISO-8859-1", "Zoë"),  # the header wins
    ('<meta charset="utf-8"><p>Zoë</p>'.encode("latin-1"), "latin1", "Zoë"),
    ("\ufeff<p>Zoë</p>".encode(), "latin1", "Zoë"),  # a BOM wins over all
    ("<p>赵通 李彬</p>".encode("gb18030"), "gb2312", "赵通 李彬"),
    ('<meta charset="gbk"><p>赵通</p>'.encode("gbk"), None, "赵通"),
    ('<meta charset="utf-8"><p>Zo\xeb</p>'.encode("latin-1"), None, "Zo\ufffd"),  # replaced
    # no charset named, and a stray byte or two not UTF-8 ("It\x92s"): U+FFFD, as when the
    # page says UTF-8
    (("<p>" + "Arms control talks resume. " * 8).encode() + b"It\x92s on.</p>", None,
     "It\ufffds on."),
    ("<p>“Quoted” 中文, Café São. ".encode() * 5 + b"\xa0</p>", None, "Café São. \ufffd"),
    # labels browsers know and Python's codecs do not (WHATWG's Encoding Standard)
    ('<meta charset="x-gbk"><p>赵通</p>'.encode("gbk"), None, "赵通"),
    ("<p>赵通</p>".encode("gb18030"), "csgb2312", "赵通"),
    ('<meta charset="cn-big5"><p>趙通</p>'.encode("big5"), None, "趙通"),
    # Big5 on the web is Big5-HKSCS: Hong Kong's characters (㗎) are in it
    ('<meta charset="big5"><p>係咪㗎</p>'.encode("big5hkscs"), None, "係咪㗎"),
    ('<meta charset="unicode-1-1-utf-8"><p>赵通</p>'.encode(), None, "赵通"),
])
def test_the_charset_is_found_as_a_browser_finds_it(data, declared, text):
    assert text in decode_html(data, declared)


@pytest.mark.parametrize("label", ["x-no-such-charset", "base64", "rot13", "unicode_escape",
                                   "utf-7", "idna"])
def test_an_unknown_charset_is_refused(label):
    with pytest.raises(InvalidValue, match=r"charset .* which I can't read"):
        decode_html(f'<meta charset="{label}"><p>Hi</p>'.encode())
    with pytest.raises(InvalidValue, match="which I can't read"):
        decode_html(b"<p>Hi</p>", label)


@pytest.mark.parametrize(("head", "charset"), [
    ('<!-- <meta charset="gb2312"> --><meta charset="utf-8">', "utf-8"),  # a comment is not
    ('<!--<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />-->', None),
    ('<!--> <meta charset="big5">', "big5"),  # "<!-->" is a whole comment
    ('<!-- never closed <meta charset="big5">', None),
    ('<meta name="description" content="This page charset=big5 is fine"><meta charset="utf-8">',
     "utf-8"),  # a content counts only in an http-equiv="Content-Type"
    ('<meta http-equiv="refresh" content="5; charset=big5">', None),
    ('<meta http-equiv="Content-Type" content="text/html; charset=gbk">', "gbk"),
    ("<META CONTENT='text/html; charset=\"gbk\"' HTTP-EQUIV=content-type>", "gbk"),
    ('<meta/charset=big5>', "big5"),
    ('<title>charset=big5</title><metadata charset=big5><meta charset="utf-8">', "utf-8"),
    ('<p title="<meta charset=big5>"><meta charset="utf-8">', "utf-8"),  # in a value
    # anywhere in the head, as a browser decodes again on a <meta> past the first 1,024 bytes
    ("<head><style>" + "p{margin:0}\n" * 1000 + '</style><meta charset="gbk">', "gbk"),
    ('<body><meta charset="gbk">', "gbk"),  # near the top, anywhere, as in the prescan
    ('<head><title>T</title></head><body>' + "<p>Hi</p>" * 500 + '<meta charset="gbk">', None),
    ("<p>Hi</p>" * 500 + '<body><meta charset="gbk">', None),  # past the top, the body's not
])
def test_the_meta_charset_is_found_as_a_browsers_prescan_finds_it(head, charset):
    assert meta_charset(head.encode()) == charset


def test_a_commented_out_meta_does_not_garble_the_page():
    page = ('<!-- <meta charset="gb2312"> --><html><head><meta charset="utf-8"></head><body>'
            "<h1>中美气候合作前景</h1><p>北京</p></body></html>")
    assert "中美气候合作前景" in decode_html(page.encode())


def test_meta_charset_scan_is_bounded():
    assert meta_charset(b"<meta" * 100_000) is None
    assert meta_charset(b" " * 300_000 + b'<meta charset="latin1">') is None  # past the head
    for data in (b"<!--" * 100_000, b'<a b="' * 100_000, b"<a b=" * 100_000, b"<" * 100_000,
                 b"<meta a='" * 100_000, b"</" * 100_000):
        started = time.process_time()  # CPU: what the scan costs, whatever else runs
        assert meta_charset(data) is None
        assert time.process_time() - started < 0.5


@pytest.mark.parametrize("html", [
    "<div>" * 400_000,  # nesting: quadratic in HTML5 parsers; libxml2 stops at 256
    "<div><p>x" * 220_000,
    "<b><i>x</b></i>" * 130_000,
    "<a>x" * 490_000,
    "<br>" * 490_000,
    "<p>Jane Doe is a fellow.</p>" * 70_000,
    '<div class="' + "a-" * 990_000 + '">x</div>',
])
def test_any_2_mb_page_takes_bounded_time(html):
    started = time.process_time()  # CPU: what the page costs, whatever else runs
    with contextlib.suppress(InvalidValue):
        html_to_text(html)
    assert time.process_time() - started < 10  # 2.1 s at most here


def test_too_large_and_empty_pages_are_refused():
    with pytest.raises(InvalidValue, match="too large"):
        html_to_text("x" * 2_000_001)
    with pytest.raises(InvalidValue, match="too large"):
        decode_html(b"x" * 2_000_001)
    for html in ("", "   ", "<p>123</p>", "<!-- only -->"):
        with pytest.raises(InvalidValue, match="no readable text"):
            html_to_text(html)
    with pytest.raises(InvalidValue, match="fills in its text with JavaScript"):
        html_to_text("<script>alert(1)</script>")  # nothing but a script: an app's shell


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    *"<>/=\"' abp\n&;#x0",
    "<p>", "</p>", "<br>", "<li>", "<ul>", "<nav>", "<main>", "<h1>", "</h1>", "<title>",
    "<meta charset=", "<meta property=og:title content=", "<!--", "-->", "<![CDATA[",
    "<?xml encoding='latin1'?>", "\x00", "\ud800", "é", "Jane Doe"]), max_size=100)
       .map("".join))
def test_html_to_text_returns_text_or_page_error(html):
    try:
        web = html_to_text(html)
    except InvalidValue:
        return
    assert isinstance(web.text, str) and web.text.endswith("\n")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_decode_html_never_crashes(data):
    with contextlib.suppress(InvalidValue):
        assert isinstance(decode_html(data), str)


@pytest.mark.parametrize("item", ["<strong>{name}</strong>, {title}", "{name}: {title}",
                                  "{name} – {title}"])
def test_a_web_pages_list_of_speakers_gives_people_with_their_titles(item):
    people = [("Jane Doe", "Senior Fellow, Carnegie Endowment"),
              ("John Roe", "Professor, Tsinghua University")]
    items = "".join(f"<li>{item.format(name=n, title=t)}</li>" for n, t in people)
    web = html_to_text(f"<h1>Arms Talk</h1><p>December 9, 2026</p><h2>Moderator</h2><ul>"
                       f"<li>Mary Major, Director, China Program</li></ul><h2>Speakers</h2>"
                       f"<ul>{items}</ul><h2>Key Takeaways</h2><ul><li>Deterrence: Experts "
                       "agreed it holds.</li></ul>")
    page = parse_page(web.text, titled=True)
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        ("Mary Major", "moderator", "Director, China Program"),
        *((name, "speaker", title) for name, title in people)]
    assert [(t.heading, t.text) for t in page.takeaways] == [("Deterrence",
                                                             "Experts agreed it holds.")]


@pytest.mark.parametrize("text", ["<p>中美导弹防御争议</p>", "<p>2026年3月5日 第1期</p>"])
def test_a_page_in_a_double_byte_charset_that_names_none_is_refused(text):
    with pytest.raises(InvalidValue, match="does not say its character set"):
        decode_html(text.encode("gbk"))


@pytest.mark.parametrize(("text", "codec"), [
    ("<p>座談會：兩岸關係 2026年</p>", "big5"), ("<p>Переговоры о контроле</p>", "cp1251"),
    ("<p>It’s Zoë’s café, naïve résumé</p>" * 3, "cp1252"),
])
def test_a_page_naming_no_charset_with_many_bytes_not_utf_8_is_refused(text, codec):
    with pytest.raises(InvalidValue, match="does not say its character set"):
        decode_html(text.encode(codec))


def test_a_definition_lists_terms_label_their_values_on_one_line():
    html = ("<main><h1>T</h1><div class='event-sidebar'><dl><dt>Date</dt><dd>May 14, 2026</dd>"
            "<dt>Where:</dt><dd><span>Hall</span><br>1 Main St<br>Boston</dd>"
            "<dt>A term too long to be any label of a value, and a sentence</dt><dd>x</dd>"
            "</dl></div><aside class='sidebar'><p>Other events</p></aside></main>")
    assert html_to_text(html).text == (
        "T\n\nDate: May 14, 2026\n\nWhere: Hall, 1 Main St, Boston\n\n"
        "A term too long to be any label of a value, and a sentence\n\nx\n")


def test_a_definition_lists_value_in_paragraphs_stays_on_its_terms_line():
    html = ("<main><h1>T</h1><dl><dt>Date</dt><dd>\n <p>May 14, 2026</p></dd><dt>Time</dt>"
            "<dd><p>10:00 am EDT</p></dd><dt>Venue</dt><dd><p>Hall</p><p>Boston</p></dd></dl>"
            "</main>")
    assert html_to_text(html).text == (
        "T\n\nDate: May 14, 2026\n\nTime: 10:00 am EDT\n\nVenue: Hall\n\nBoston\n")


def test_a_link_styled_as_a_button_in_a_sentence_or_giving_an_address_is_text():
    html = ("<main><h1>T</h1><p>Read <a class='cta' href='/r'>our new report</a> first.</p>"
            "<p><a class='btn btn-link' href='/map'>1779 Massachusetts Avenue NW</a></p>"
            "<p><a class='button' href='/cal'>Add to Calendar</a></p></main>")
    assert html_to_text(html).text == (
        "T\n\nRead our new report first.\n\n1779 Massachusetts Avenue NW\n")


def test_links_styled_as_buttons_are_no_text_of_the_event():
    html = ("<main><h1>T</h1><p>A talk.</p><a class='button button--primary' href='/r'>Register"
            "</a> <a class='btn-rsvp btn' href='/rsvp'>RSVP</a><p><a class='cta' href='#live'>"
            "Watch</a></p><p>See <a href='/x' class='link'>the report</a>.</p></main>")
    assert html_to_text(html).text == "T\n\nA talk.\n\nSee the report.\n"


@pytest.mark.parametrize(("heading", "title"), [
    ("<ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby>讲座", "漢字讲座"),
    ("<ruby>赵<rp>(</rp><rt>zhào</rt><rp>)</rp>通</ruby> <b>on<!-- x -->line</b> talk",
     "赵通 online talk"),
    ("<span>Arms <ruby>控<rt>kòng</rt></ruby></span> <i>control</i>", "Arms 控 control"),
])
def test_ruby_annotations_are_not_read_into_the_title_or_text(heading, title):
    """Pinyin or kana over characters (<rt>, and <rp>'s brackets) is shown above them, not
    in the line: the title and the text are the characters alone."""
    page = html_to_text(f"<html><body><main><h1>{heading}</h1><p>主持人：{heading}</p>"
                        "</main></body></html>")
    assert page.title == title
    assert page.text == f"{title}\n\n主持人：{title}\n"
