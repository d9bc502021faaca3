"""An event's web page (HTML) -> the plain text the page importer reads.

Pure: no I/O, no Discord. The text has the shape of a pasted page (GUIDE.md §5): the
event's title first, then one line per heading, paragraph and speaker-card part, list
items as "• " bullets, a line break for each `<br>`. The site's chrome is dropped:
navigation, headers and footers, cookie banners, share links, "related/more events"
sidebars (whose names are other events' speakers), newsletters, forms, scripts, styles,
iframes and noscript.

Parser: lxml (libxml2) with the rules below. Measured on this machine against the two
alternatives, on synthetic event pages in three shapes (headings + paragraphs, speaker
cards, bare text with <br>), each inside nav, cookie banner, share links, a "related
events" sidebar naming other people, footer, scripts and styles (tests/unit/web/):
- these rules: 0.15-0.3 ms a page, and `parse_page` gives exactly what it gives on the
  text page (people, roles, bios, takeaways, title, date, location, notes);
- trafilatura (main-content extraction): 3-16 ms a page, the same people and takeaways,
  but it lost the date and location lines and kept a "More events" section's text;
  6.1 s for a 1.5 MB page of 12,000 speaker cards (these rules: 0.27 s);
- selectolax (Lexbor, HTML5) with the same rules: as correct and about as fast, but its
  tree building is quadratic in nesting depth (32,000 nested <div>: 2.1 s, so a 2 MB
  page of them would take minutes), while libxml2 stops nesting at depth 256.
Every 2 MB input tried (deep nesting, misnested or unclosed formatting tags, 500,000
<br> or <a>, huge attributes) takes at most about 2 s; the walk is iterative (no
recursion limit) and touches each element once. Content nested deeper than 256 levels
is lost: libxml2's limit, and no real page comes near it.
"""

from __future__ import annotations

import codecs
import dataclasses
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.etree
import lxml.html

from bot.characters import shows_something
from bot.errors import InvalidValue
from bot.i18n import N_
from bot.pages import unicode_bom
from bot.pages_zh import fold
from bot.webpage_schema import SchemaEvent, schema_event

MAX_HTML_BYTES = 2_000_000
HTML_SUFFIXES = (".html", ".htm")
BULLET = "• "
MAX_TITLE = 300

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Ruby's annotations: the reading shown above a character (pinyin over 赵通), and the
# brackets round it for a browser that cannot; the page's text is the characters alone.
_RUBY_ANNOTATIONS = ("rt", "rp")
# Elements whose content is never part of the event's text.
_DROPPED_TAGS = _words(
    "head script style noscript template iframe frame frameset object embed form button "
    "input select textarea nav footer aside svg math canvas audio video dialog menu"
) | frozenset(_RUBY_ANNOTATIONS)
# A <header> is the site's banner, unless it heads the article itself.
_CONTENT_TAGS = frozenset(("main", "article"))
_BLOCK_TAGS = _words(
    "address article blockquote body center dd details div dl dt fieldset figcaption figure "
    "h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main ol p pre section summary table "
    "caption thead tbody tfoot tr td th ul")
# Words in a class or id that mark chrome ("site-footer", "related-events", "share-links").
_CHROME_WORDS = _words(
    "nav navbar navigation menu menus sidebar related share sharing social cookie cookies "
    "consent gdpr footer breadcrumb breadcrumbs newsletter subscribe subscription signup "
    "comments advert advertisement ads promo popup modal recommended similar onetrust "
    "cookiebot")
_CHROME_PAIRS = frozenset((("more", "events"), ("other", "events"), ("upcoming", "events"),
                           ("more", "event"), ("you", "may")))
# A link in one of these classes is a button: its words are an action, not the event's.
_BUTTON_WORDS = _words("button btn cta")
# ...but the event's own sidebar ("event-sidebar") holds its date, time and place.
_OWN_PAIRS = frozenset((("event", "sidebar"),))
# ...unless the element says it is the content, or names a state ("has-sidebar").
_CONTENT_WORDS = _words("content main article entry post body")
# Words that open only chrome's names, whatever content word follows them.
_ONLY_CHROME = _words("related share sharing social cookie cookies consent gdpr onetrust "
                      "cookiebot newsletter subscribe breadcrumb breadcrumbs")
_STATE_WORDS = _words("has with no without show hide is")
# ...or a class that names a feature of the block and its state, beside the block's own
# class: "share-enabled" on the page's body, "social-links-enabled" on a person's card (but
# "cookie-banner-visible" is a banner)
_STATE_ENDINGS = _words("enabled disabled active inactive visible loaded ready initialized")
_FEATURES = _words("share sharing social links buttons icons comments print")
# A block headed so lists other events and their people, whatever its class, in English
# or in Chinese (read folded to simplified: 近期活動 is 近期活动). ("Upcoming Event" over an
# event's own title is a kicker, not a list; and a block that holds the page's <h1> is never
# dropped.) Its heading is its first element, an <h2> or a "<div class="tit">" alike.
_CHROME_HEADING = re.compile(
    r"(?:related|more|other|similar|recommended|upcoming|recent|past)"
    r" +(?:events|programs|content|reading)|you +may +also +like"
    r"|(?:近期|最近|最新|相关|更多|其他|其它|往期|推荐|热门|精彩)"
    r"(?:活动|讲座|会议|论坛|新闻|资讯|文章|内容|阅读|动态|预告)|猜你喜欢|延伸阅读", re.I)
_HEADING_LONGEST = 30  # characters: a heading of a block, not a line of its text
_CHROME_ROLES = _words(
    "navigation contentinfo complementary search dialog alertdialog menu menubar")
_WORD = re.compile(r"[a-z0-9]+")
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML collapses these; a non-breaking space stays
_TITLE_SUFFIX = re.compile(r"^(.+) +([|–—]|-|::|·) +([^|–—]{1,60})$")
# After a dash, a subtitle rather than a site's name: "Arms Control – Past, Present and
# Future", "Deterrence - Can It Hold?" (sites' names have no commas or questions).
_SUBTITLE = re.compile(r"[,?]")
# "标题｜网站": Chinese titles set the full-width bar without spaces, and also put it after
# a kicker ("讲座预告｜标题"), so what follows it is dropped only when it names the site:
# og:site_name, or a name ending as an institution's does.
_TITLE_SITE_ZH = re.compile(r"^(.+?) *｜ *([^｜]{1,40})$")
# "标题-北京大学国际战略研究院": a site's name after a hyphen, an en dash or an underscore
# set without spaces, ending as an institution's does (not "-香山论坛", the event's own
# name), after four or more characters ("中国-东盟研究院" is one name). An em dash opens a
# Chinese subtitle ("——从……"), not a site's name.
_TITLE_DASH_SITE_ZH = re.compile(r"^(.{3,}?[^-–—_])[-–_]([^-–—_｜| ]{4,40})$")
_SITE_ENDINGS_ZH = "研究院|研究中心|大学|学院|研究所|基金会|协会|学会|官网|网站"
_SITE_AFTER_DASH_ZH = re.compile(rf"(?:{_SITE_ENDINGS_ZH})$")
# after the full-width bar, more names end a site's (a forum's or a think tank's site)
_INSTITUTION_ZH = re.compile(rf"(?:{_SITE_ENDINGS_ZH}|中心|网|智库|论坛)$")
# Not a page's charset, though Python can decode them.
_NOT_WEB_CHARSETS = frozenset(("idna", "punycode", "raw_unicode_escape", "unicode_escape",
                               "utf_7", "mbcs", "oem", "undefined"))
# WHATWG: on the web these labels mean a larger charset that contains theirs.
_WEB_SUPERSETS = {"ascii": "cp1252", "latin_1": "cp1252", "iso8859_1": "cp1252",
                  "gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs",
                  "shift_jis": "cp932", "euc_kr": "cp949", "tis_620": "cp874",
                  "iso8859_11": "cp874", "iso8859_9": "cp1254"}
# WHATWG labels Python's codecs do not know, and the codec each means.
_WEB_LABELS = dict.fromkeys(("csgb2312", "gb_2312", "gb_2312-80", "x-gbk"), "gb18030") | (
    dict.fromkeys(("cn-big5", "x-x-big5"), "big5hkscs")) | (
    dict.fromkeys(("x-sjis", "windows-31j"), "cp932")) | (
    dict.fromkeys(("x-euc-jp", "cseucpkdfmtjapanese"), "euc_jp")) | (
    dict.fromkeys(("cseuckr", "windows-949"), "cp949")) | (
    dict.fromkeys(("x-mac-roman", "csmacintosh"), "mac_roman")) | (
    dict.fromkeys(("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"),
                  "utf-8")) | (
    dict.fromkeys(("dos-874", "windows-874"), "cp874")) | (
    dict.fromkeys(("iso-8859-8-i", "csiso88598i", "logical"), "iso8859_8")) | (
    dict.fromkeys(("ks_c_5601-1989", "csksc56011987", "iso-ir-149"), "cp949")) | (
    {f"x-cp125{n}": f"cp125{n}" for n in range(9)}) | {
    "koi8-ru": "koi8_u", "koi": "koi8_r", "iso88591": "cp1252", "x-mac-cyrillic": "mac_cyrillic"}


@dataclass(frozen=True, slots=True)
class WebPage:
    title: str | None
    text: str  # the title as its first line, then the content
    # the times and place its structured data gives
    schema: SchemaEvent = dataclasses.field(default_factory=SchemaEvent)


def is_html_name(filename: str) -> bool:
    return filename.lower().endswith(HTML_SUFFIXES)


_HTML_DOCUMENT = re.compile(rb"\s*<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE)


def is_html_document(data: bytes) -> bool:
    """Whether the bytes open as an HTML document does (<!DOCTYPE html>, <html>): a web
    page its server calls text/plain, or saved as .txt, is read as the page it is, not
    as text with its markup in it."""
    start = bytes(data[:1024])
    return _HTML_DOCUMENT.match(start.removeprefix(b"\xef\xbb\xbf")) is not None


def charset_codec(label: str) -> str:
    """A charset label (from a header or <meta>) -> a Python codec name, or InvalidValue.

    An unknown label is refused rather than guessed: the names would come out garbled.
    """
    name = label.strip().strip("\"'")
    try:
        info = codecs.lookup(_WEB_LABELS.get(name.lower(), name))
    except (LookupError, ValueError):
        info = None
    if info is None or not info._is_text_encoding or info.name.replace("-", "_") in (
            _NOT_WEB_CHARSETS):
        raise InvalidValue(N_("The page says its text is in the charset {charset!r}, which I "
                              "can't read."), charset=label[:40])
    return _WEB_SUPERSETS.get(info.name.replace("-", "_"), info.name)


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Bytes of an HTML page -> text, the charset taken as a browser takes it.

    A byte-order mark wins, then `declared` (the Content-Type header's charset), then a
    <meta charset> / <meta http-equiv> in the head, else UTF-8; but bytes that are UTF-8
    are read so whatever the page names (`utf_8_over`). Bytes that are invalid in
    a charset the page names become U+FFFD, as in a browser; an unknown charset is refused,
    and so is a page that names none and is not UTF-8 but for a stray few bytes
    (`_undeclared`): read as UTF-8 it would be saved as rows of U+FFFD (a GBK page).
    """
    data = bytes(data)
    if len(data) > MAX_HTML_BYTES:
        raise InvalidValue(N_("The page is too large ({size:,} bytes; the limit is {mb} MB)."),
                           size=len(data), mb=2)
    bom = unicode_bom(data)
    if bom is not None:
        return data[bom[1]:].decode(bom[0], "replace")
    label = declared or meta_charset(data)
    if not label:
        return decode_undeclared(data)
    codec = charset_codec(label)
    if codec.replace("-", "_").startswith("utf_16"):  # a <meta> can't be UTF-16 (WHATWG)
        codec = "utf-8" if not declared else codec
    if declared:
        codec = meta_over_server(codec, data)
    return data.decode(utf_8_over(codec, data), "replace")


# Charsets of two bytes to a character, whose rules for the second byte few bytes in
# another charset keep: bytes valid in one of them are text in it.
_MULTIBYTE = frozenset(("gb18030", "big5hkscs", "cp932", "euc_jp", "cp949"))


def meta_over_server(codec: str, data: bytes) -> str:
    """`codec`, the one a page's server names, unless the page's own <meta> names one of
    `_MULTIBYTE` whose rules its bytes keep while the server's is single-byte (every byte
    is a letter in it, so its reading shows nothing wrong) or its bytes break it: a GBK
    page under a server's default ISO-8859-1 read "Ö÷³ÖÈË" for 主持人."""
    if data.isascii():
        return codec
    label = meta_charset(data)
    try:
        page_codec = charset_codec(label) if label else None
    except InvalidValue:
        return codec
    if page_codec not in _MULTIBYTE or page_codec == codec or not _valid_in(data, page_codec):
        return codec
    if ((codec in _MULTIBYTE or codec.replace("-", "_").startswith("utf_"))
            and _valid_in(data, codec)):
        return codec  # (Big5 bytes keep GBK's rules too: the server's word stands)
    return page_codec


def _valid_in(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def utf_8_over(codec: str, data: bytes) -> str:
    """`codec`, the one a page's charset names, unless its bytes are UTF-8: a server's
    default charset (Apache's ISO-8859-1, a Chinese host's GBK) or a template's <meta>
    over a page saved in UTF-8. Bytes with letters outside ASCII that are valid UTF-8
    are UTF-8: text in a legacy charset (or a browser) would read as rows of mojibake
    ("JosÃ© GarcÃ­a"). UTF-16 and UTF-32 are left as named: their ASCII is valid UTF-8."""
    if data.isascii() or codec.replace("-", "_").startswith(("utf_8", "utf_16", "utf_32")):
        return codec
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return codec
    return "utf-8"


def decode_undeclared(data: bytes) -> str:
    """A fetched page's bytes its server names no charset for, and which have no
    byte-order mark -> text: UTF-8, but for a stray few bytes (`_undeclared`)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _undeclared(data)


def _undeclared(data: bytes) -> str:
    """A page that names no charset and is not UTF-8: read as UTF-8 still when its bytes
    invalid there are a stray few (a windows-1252 quote, "It\x92s", becomes U+FFFD);
    refused when they are many, as a page in GBK, Big5 or windows-1251 has them, since
    guessing which would save mojibake as often as text."""
    text = data.decode("utf-8", "replace")
    if not _garbled(text):
        return text
    raise InvalidValue(_UNDECLARED)


_UNDECLARED = N_("The page does not say its character set and is not UTF-8, so its text "
                 "would come out garbled; save it as UTF-8 and import that.")


def _garbled(text: str) -> bool:
    """More than a stray few of the text's characters are bytes its charset has no
    character for (U+FFFD): 1 in 100."""
    return text.count("\ufffd") * 100 > len(text)


def check_not_garbled(text: str, data: bytes, declared: str | None) -> None:
    """The text read from a page (`data`, its charset `declared` by its server, if it
    did) is not garbled, or InvalidValue. `_undeclared` judges a whole page, markup and
    scripts too, which are ASCII whatever the charset: a page in GBK naming no charset
    with kilobytes of script in its head passed it. And a page can name a charset it is
    not in (a server's default "charset=utf-8" for a page saved in GBK): a browser shows
    it garbled, and the bot would save it so."""
    if not _garbled(text):
        return
    if declared or unicode_bom(data) is not None or meta_charset(data):
        raise InvalidValue(N_("The page's text is not in the character set the page names, "
                              "so it would come out garbled; save it as UTF-8 and import "
                              "that."))
    raise InvalidValue(_UNDECLARED)


_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_TAG_START = re.compile(rb"<(/?)([A-Za-z][^\t\n\f\r />]*)")
# The most of a page read for its <meta charset>: far more than any head, inline CSS and
# scripts included.
HEAD_SCAN_BYTES = 256_000
_PRESCAN_BYTES = 4096
# One attribute of a tag, as the WHATWG prescan reads it: name, then a value quoted or not.
_ATTRIBUTE = re.compile(rb"""[\t\n\f\r /]*([^\t\n\f\r />][^\t\n\f\r /=>]*)"""
                        rb"""(?:[\t\n\f\r ]*=[\t\n\f\r ]*("[^"]*"|'[^']*'|[^\t\n\f\r >]*))?""")


def meta_charset(data: bytes) -> str | None:
    """The charset a <meta> tag in the page's head declares, if any: read as the WHATWG
    prescan reads it (a linear scan), so a <meta> in a comment or in an attribute's value
    does not count, nor a "charset=" in a <meta>'s content but for an http-equiv
    Content-Type one. The prescan stops after 1,024 bytes (here 4 KB), but a browser
    decodes the page again on a <meta> it meets later in the head (after kilobytes of
    inline CSS): so past the top the scan goes on to the <body> or </head>, within
    HEAD_SCAN_BYTES (a page of nothing but tags costs 0.2 s at most)."""
    for attributes in _head_metas(data):
        found = _charset_of(attributes)
        if found:
            return found
    return None


# "0; url=/real", "0;URL='/real'", "5, url=/real": a delay, then where to.
_REFRESH = re.compile(rb"""\s*(\d+)(?:\.[\d.]*)?\s*[;,\s]\s*(?:url\s*=\s*)?"""
                      rb"""(["']?)([^"'\s][^"']*)""", re.I)
# A refresh later than this is a page that reloads itself for news, not a moved page.
MAX_REFRESH_DELAY = 10


def meta_refresh(data: bytes, declared: str | None = None) -> str | None:
    """Where a <meta http-equiv="refresh"> in the page's head sends a browser within
    MAX_REFRESH_DELAY seconds (a moved page's "0; url=/real"), as written, else None. A
    refresh with no address ("390", a bot check's) reloads the same page: None. The
    address is read in the page's charset (`declared` by its server, else its <meta>'s),
    as the rest of it is: a GBK page's "url=/讲座.html" names 讲座, not rows of U+FFFD."""
    for attributes in _head_metas(data):
        if attributes.get(b"http-equiv", b"").strip().lower() != b"refresh":
            continue
        address = refresh_address(attributes.get(b"content", b""))
        return (address.decode(_address_codec(declared or meta_charset(data)), "replace")
                if address else None)
    return None


def refresh_address(content: bytes) -> bytes | None:
    """Where a refresh's value (a <meta>'s content, or an HTTP Refresh header: "0;
    url=/real") sends a browser within MAX_REFRESH_DELAY seconds, as written, else None."""
    found = _REFRESH.match(content)
    if found and int(found.group(1)) <= MAX_REFRESH_DELAY:
        return found.group(3).strip() or None
    return None


def _address_codec(label: str | None) -> str:
    """The codec a page's <meta> refresh address is read in: its charset's, else UTF-8 (no
    charset, one the bot can't read, or UTF-16, which no <meta> is in)."""
    try:
        codec = charset_codec(label) if label else "utf-8"
    except InvalidValue:
        return "utf-8"
    return "utf-8" if codec.replace("-", "_").startswith("utf_16") else codec


def _head_metas(data: bytes) -> Iterator[dict[bytes, bytes]]:
    """The attributes of each <meta> in the page's head, as the prescan finds them."""
    head = data[:HEAD_SCAN_BYTES]
    in_body = False
    at = head.find(b"<")
    while at != -1:
        if in_body and at >= _PRESCAN_BYTES:
            return  # past the top, a <meta> in the body is ignored
        if head.startswith(b"<!--", at):
            end = head.find(b"-->", at + 2)  # "<!-->" is a whole comment
            at = end + 3 if end != -1 else len(head)
        elif tag := _TAG_START.match(head, at):
            closing, name = tag.group(1), tag.group(2).lower()
            in_body = in_body or (name, closing) in ((b"body", b""), (b"head", b"/"))
            attributes, at = _attributes(head, tag.end())
            if not closing and name == b"meta":
                yield attributes
        elif head.startswith((b"<!", b"</", b"<?"), at):
            end = head.find(b">", at)
            at = end + 1 if end != -1 else len(head)
        else:
            at += 1
        at = head.find(b"<", at)


def _attributes(head: bytes, at: int) -> tuple[dict[bytes, bytes], int]:
    """A tag's attributes from `at` (the first of each name counts), and where it ends."""
    attributes: dict[bytes, bytes] = {}
    while (found := _ATTRIBUTE.match(head, at)) and found.end() > at:
        name, value = found.group(1).lower(), found.group(2) or b""
        if value[:1] in (b'"', b"'") and len(value) > 1 and value[-1:] == value[:1]:
            value = value[1:-1]
        attributes.setdefault(name, value)
        at = found.end()
    return attributes, at


def _charset_of(attributes: dict[bytes, bytes]) -> str | None:
    if b"charset" in attributes:
        label = attributes[b"charset"].strip()
        return label.decode("ascii", "replace")[:40] if label else None
    if attributes.get(b"http-equiv", b"").strip().lower() == b"content-type":
        found = _META_CHARSET.search(attributes.get(b"content", b""))
        return found.group(1).decode("ascii") if found else None
    return None


# The <title> of a site's bot check served in place of the page, some with HTTP 200
# (Cloudflare's challenge and block pages, DDoS-Guard's, Sucuri's), read without the
# site's name after it (`_document_title`): never an event's.
_BOT_CHECK_TITLE = re.compile(r"just a moment\.{3}|attention required!(?: \| cloudflare)?|"
                              r"checking your browser(?: before accessing)?.{0,80}|ddos-guard|"
                              r"sucuri website firewall.{0,40}", re.I)
BOT_CHECK = N_("The site showed a check for robots instead of the page, which only a "
               "browser can pass; open the page in your browser, copy its text into a .txt "
               "file and import that file.")


def html_to_text(html: str) -> WebPage:
    """HTML -> the event's title and its text for `bot.pages.parse_page`."""
    if len(html) > MAX_HTML_BYTES:
        raise InvalidValue(N_("The page is too large ({size:,} characters; the limit is {mb} MB)."),
                           size=len(html), mb=2)
    try:
        # Given as UTF-8 bytes with the encoding fixed, so a <meta charset> or an XML
        # declaration in the page cannot make libxml2 decode it a second time.
        doc = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=_PARSER)
    except (lxml.etree.ParserError, ValueError):
        raise InvalidValue(N_("The page has no readable text.")) from None
    if (shown := _document_title(doc)) and _BOT_CHECK_TITLE.fullmatch(shown):
        raise InvalidValue(BOT_CHECK)
    named = _title(doc)
    schema = schema_event(doc, named or _document_title(doc))
    if schema.listed:
        raise InvalidValue(N_("This page lists {count} events, not one; import each event's "
                              "own page (its link on this page)."), count=schema.listed)
    # the page's <title> is often the site's section ("Event"), not the event's name
    title = named or schema.name or _document_title(doc)
    lines = list(_Walker().lines(_content_root(doc)))
    if not lines and schema.starts is None and schema.place is None and _runs_scripts(doc):
        raise InvalidValue(N_("The page fills in its text with JavaScript, which I don't run, "
                              "so it shows me nothing; open the page in your browser, copy its "
                              "text into a .txt file and import that file."))
    if title:
        key = _key(title)
        for i, (line, _) in enumerate(lines):  # the page repeats its title in the body
            if _key(line) == key:
                del lines[i]
                break
        lines.insert(0, (title, True))
    text = "".join(line + ("\n\n" if block_end else "\n") for line, block_end in lines)
    if not any(ch.isalpha() for ch in text):
        raise InvalidValue(N_("The page has no readable text."))
    return WebPage(title, text.rstrip("\n") + "\n", schema)


def _runs_scripts(doc: lxml.html.HtmlElement) -> bool:
    """Whether the page has a script to run (not a block of data, as JSON-LD is): a page
    whose body is empty but for these is an app's shell, its text filled in by them."""
    return any("json" not in (script.get("type") or "").lower()
               for script in itertools.islice(doc.iter("script"), 1_000))


_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                               no_network=True)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _clean(text: str) -> str:
    return _HTML_SPACE.sub(" ", text).strip(" ")


def _shown_text(node: lxml.html.HtmlElement) -> str:
    """The element's text as the page shows it: without ruby's annotations."""
    if next(node.iter(*_RUBY_ANNOTATIONS), None) is None:
        return str(node.text_content())
    parts: list[str] = []
    # depth first, each tail after its element's content, without recursion
    stack: list[lxml.html.HtmlElement | str] = [node]
    while stack:
        top = stack.pop()
        if isinstance(top, str):
            parts.append(top)
            continue
        if top.text and isinstance(top.tag, str):  # (not a comment's)
            parts.append(top.text)
        for child in reversed(top):
            if child.tail:
                stack.append(child.tail)
            if child.tag not in _RUBY_ANNOTATIONS:
                stack.append(child)
    return "".join(parts)


def _metas(doc: lxml.html.HtmlElement) -> dict[str, str]:
    metas = {}
    for meta in doc.iter("meta"):
        kind = (meta.get("property") or meta.get("name") or "").lower()
        if kind in ("og:title", "og:site_name") and kind not in metas:
            metas[kind] = _clean(meta.get("content") or "")
    return metas


def _title_text(doc: lxml.html.HtmlElement) -> str | None:
    """The page's (first) <title> as it shows, suffix and all."""
    node = next(doc.iter("title"), None)
    return None if node is None else _clean(_shown_text(node))


def _document_title(doc: lxml.html.HtmlElement) -> str | None:
    """<title> without its " - Site Name" suffix."""
    if (whole := _title_text(doc)) is None:
        return None
    found = _without_suffix(whole, _metas(doc).get("og:site_name"))[:MAX_TITLE]
    return found if shows_something(found) else None


def _title(doc: lxml.html.HtmlElement) -> str | None:
    """og:title, else the first <h1> (else the JSON-LD Event's name, else <title>)."""
    metas = _metas(doc)
    title, site = metas.get("og:title"), metas.get("og:site_name")
    if title and shows_something(title):  # not a direction mark alone, say
        if site and title.endswith(site) and len(title) > len(site):
            title = _without_suffix(title, site)
        return title[:MAX_TITLE]
    names_the_site = _site_names(doc, site)
    for h1 in itertools.islice(doc.iter("h1"), 20):
        heading = _clean(_shown_text(h1))
        if _key(heading) in names_the_site:
            continue  # a theme's heading of the site's name over every page
        if shows_something(heading):
            return heading[:MAX_TITLE]
        break
    return None


def _site_names(doc: lxml.html.HtmlElement, site: str | None) -> set[str]:
    """The site's name as the page gives it (keys): og:site_name, and what its <title>
    gives after the event's name ("Arctic Forum – Pacific Policy Forum")."""
    names = {_key(site)} if site else set()
    if (whole := _title_text(doc)) is not None:
        whole = whole[:MAX_TITLE * 2]
        kept = _without_suffix(whole, site)
        if kept != whole and whole.startswith(kept):
            names.add(_key(whole[len(kept):].lstrip(" |–—-:·｜_")))
    return names - {""}


def _without_suffix(title: str, site: str | None = None) -> str:
    found = _TITLE_SUFFIX.match(title[:MAX_TITLE * 2])
    if found and (found.group(2) in ("|", "::", "·") or not _SUBTITLE.search(found.group(3))):
        return found.group(1)
    dashed = _TITLE_DASH_SITE_ZH.match(title[:MAX_TITLE * 2])
    if dashed and (dashed.group(2) == site or _SITE_AFTER_DASH_ZH.search(dashed.group(2))):
        title = dashed.group(1)
    zh = _TITLE_SITE_ZH.match(title[:MAX_TITLE * 2])
    if zh and (zh.group(2) == site or _INSTITUTION_ZH.search(zh.group(2))):
        return zh.group(1)
    return title


def _content_root(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """<main> (or role=main), else the only <article>, else <body>."""
    for node in doc.iter("main"):
        return node
    for node in doc.iter():
        if node.get("role") == "main":
            return node
    articles = list(doc.iter("article"))
    if len(articles) == 1:
        return articles[0]
    return doc.find("body") if doc.find("body") is not None else doc


def _is_chrome(node: lxml.html.HtmlElement, tag: str, in_content: bool) -> bool:
    if tag in _DROPPED_TAGS:
        return True
    attrs = node.attrib
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true":
        return True
    if tag == "header" and not in_content:
        return True
    role = (attrs.get("role") or "").lower()
    if role in _CHROME_ROLES or (role == "banner" and not in_content):
        return True
    if tag in ("html", "body", "main", "article"):
        return False
    if tag == "a" and _BUTTON_WORDS & set(_WORD.findall((attrs.get("class") or "").lower())):
        return "href" in attrs and _a_button(node)
    first = next(iter(node), None)
    if first is not None and isinstance(first.tag, str) and _CHROME_HEADING.fullmatch(fold(
            " ".join("".join(itertools.islice(first.itertext(), 20))[:_HEADING_LONGEST + 1]
                     .split())).strip(" :：")):
        return not _holds_title(node)
    tokens = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()[:500].split()
    # a feature's state beside the block's own name ("event-body share-enabled") says what
    # the block can do; alone ("social-share-visible") it names the share bar itself
    names = " ".join(name for name in tokens if len(tokens) == 1 or not _names_a_state(name))
    words = _WORD.findall(names)
    if any(w in _CONTENT_WORDS for w in words):
        # "content sidebar-layout", "sidebar-content-wrap": the content, in a layout; but a
        # name that opens with a word only chrome uses ("related-content",
        # "cookie-notice__body") is chrome all the same, unless it holds the page's title.
        opening = {m.group() for m in map(_WORD.match, names.split()) if m is not None}
        return (bool(opening & _ONLY_CHROME) and not opening & _CONTENT_WORDS
                and not _holds_title(node))  # "social-share entry-content": the content
    for i, word in enumerate(words):
        if word in _CHROME_WORDS and not (i and (words[i - 1] in _STATE_WORDS
                                                 or (words[i - 1], word) in _OWN_PAIRS)):
            return True
        if i and (words[i - 1], word) in _CHROME_PAIRS:
            return True
    return False


def _a_button(link: lxml.html.HtmlElement) -> bool:
    """A link styled as a button that reads as one: a few words of an action standing alone
    ("Register", "Add to Calendar"), not a link in a sentence ("Read <a class="cta">our
    report</a> first") nor an address or a date on a map's or a calendar's link."""
    text = "".join(itertools.islice(link.itertext(), 20))[:200]
    if len(text.split()) > 5 or any(ch.isdigit() for ch in text):
        return False
    before = link.getprevious()
    parent = link.getparent()
    around = (link.tail or "", before.tail or "" if before is not None
              else parent.text or "" if parent is not None else "")
    return not any(ch.isalpha() for side in around for ch in side[:200])


def _names_a_state(name: str) -> bool:
    """Whether a class or id names a feature's state ("share-enabled"), not a kind of block."""
    words = _WORD.findall(name)
    return (len(words) > 1 and words[-1] in _STATE_ENDINGS
            and all(word in _FEATURES for word in words[:-1]))


def _as_definition(node: lxml.html.HtmlElement, tag: str) -> str:
    """A table cell of a row of two read as a definition list's term ("dt") or its value
    ("dd"): event pages lay their details out so ("<tr><th>Date</th><td>May 14</td></tr>",
    "<tr><td>地点</td><td>明理楼</td></tr>"); else `tag`. A bounded look: a row's first three
    children."""
    row = node.getparent()
    if row is None or row.tag != "tr":
        return tag
    cells = [c for c in itertools.islice(row.iterchildren(), 3) if isinstance(c.tag, str)]
    if len(cells) != 2 or not all(c.tag in ("td", "th") for c in cells):
        return tag
    return "dt" if node is cells[0] else "dd"


# Drupal's field labels: "<div class="field__label">Date</div><div class="field__item">…"
# ("field-label" in Drupal 7, "views-label" in a view's row), a label and its value side
# by side as a definition list's are, whether the theme shows the label above or inline.
_FIELD_LABELS = frozenset(("field__label", "field-label", "views-label"))


def _is_field_label(node: lxml.html.HtmlElement) -> bool:
    return isinstance(node.tag, str) and not _FIELD_LABELS.isdisjoint(
        (node.get("class") or "")[:500].split())


def _as_field(node: lxml.html.HtmlElement, tag: str) -> str:
    """A field's label (a <div> or <span>) read as a definition list's term ("dt"), the
    element after it as its value ("dd"); else `tag`."""
    if _is_field_label(node):
        return "dt"
    before = node.getprevious()
    return "dd" if before is not None and _is_field_label(before) else tag


def _holds_title(node: lxml.html.HtmlElement) -> bool:
    """Whether the page's <h1> is in this block, looked for among its first 2,000 elements
    (a block of chrome is never so large around the title): a bounded walk."""
    return any(el.tag == "h1" for el in itertools.islice(node.iter(), 2_000))


class _Walker:
    """One pass over the tree, iterative: each element is entered and left once."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.bullet = False  # the next line opens a list item
        self.term = False  # a <dt> just ended: its <dd> goes on its line
        self.value = False  # in that <dd>: a <br> in it (an address's) is a comma
        self.opening = False  # that <dd> has no text yet: a <p> opening it stays on the line

    def flush(self, block_end: bool) -> Iterator[tuple[str, bool]]:
        line = _clean("".join(self.parts))
        self.parts.clear()
        self.value = self.opening = False
        if line:
            if self.bullet:
                line, self.bullet = BULLET + line, False
            yield line, block_end

    def label(self) -> None:
        """A definition list's term ("Date", "Location") labels its <dd> on one line, as
        "Date: Thursday, May 14, 2026" (a <dt> that is no label stays its own line)."""
        line = _clean("".join(self.parts)).rstrip()  # "Date:&nbsp;" (Drupal 7's) too
        if line and len(line) <= 40:
            self.parts[:] = [line, " " if line.endswith((":", "：")) else ": "]
            self.term = True

    def lines(self, root: lxml.html.HtmlElement) -> Iterator[tuple[str, bool]]:
        stack: list[tuple[lxml.html.HtmlElement, bool]] = [(root, False)]
        content_depth = 0  # how many <main>/<article> are open around the element
        while stack:
            node, leaving = stack.pop()
            tag = node.tag if isinstance(node.tag, str) else ""  # "" for comments and PIs
            if tag in ("td", "th"):
                tag = _as_definition(node, tag)
            elif tag in ("div", "span"):
                tag = _as_field(node, tag)
            tail = node.tail if node is not root else None  # text after the element
            if leaving:
                if tag in _CONTENT_TAGS:
                    content_depth -= 1
                if tag == "dt":
                    self.label()
                elif tag in _BLOCK_TAGS:
                    yield from self.flush(True)
                if tag == "li":
                    self.bullet = False
            elif not tag or (node is not root and _is_chrome(node, tag, content_depth > 0)):
                pass
            elif tag == "br" and self.value:
                self.parts.append(", ")
            elif tag == "br":
                yield from self.flush(False)
            else:
                if tag in _BLOCK_TAGS and not ((tag == "dd" and self.term) or self.opening):
                    yield from self.flush(True)
                if tag in _BLOCK_TAGS and not self.opening:
                    self.value = self.opening = tag == "dd" and self.term
                self.term = False
                if tag == "li":
                    self.bullet = True
                if tag in _CONTENT_TAGS:
                    content_depth += 1
                if node.text:
                    self.parts.append(node.text)
                    self.opening = self.opening and node.text.isspace()
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node))
                continue
            if tail:
                self.parts.append(tail)
                self.opening = self.opening and tail.isspace()
        yield from self.flush(True)
