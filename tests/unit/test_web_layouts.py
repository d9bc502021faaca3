"""Event pages in the layouts organisers publish them in (tests/unit/web/): what the
importer reads from each, as a URL import reads it (HTML to text, JSON-LD, the reader),
checked for what the organiser would call right."""

from __future__ import annotations

from bot.catalog import page_facts
from bot.page_files import page_from_bytes
from bot.pages import Page
from tests.pageserver import WEB_PAGES


def read(name: str) -> Page:
    return page_from_bytes(name, (WEB_PAGES / name).read_bytes())[1]


def test_a_chinese_news_item_titled_as_held_has_its_numbered_sections_as_takeaways():
    """"……研讨会成功举办": the item reports the event held, so "一、" "二、" "三、" under
    会议综述 are its takeaways, each with its paragraphs, none left in the description."""
    page = read("zh_news_recap.html")
    assert page.kind == "recap"
    assert [t.heading for t in page.takeaways] == [
        "供应链安全已成为大国竞争的核心议题", "技术管制的外溢效应值得关注", "多边合作仍有空间"]
    assert page.takeaways[1].text.startswith("刘海燕分析了出口管制")
    assert "一、" not in page.description and "陈思远认为" not in page.description
    assert {p.name: p.role for p in page.people} == {
        "王立新": "moderator", "陈思远": "discussant", "刘海燕": "discussant", "周明": "discussant"}
    facts = page_facts([page], "Asia/Shanghai")
    assert facts.when.starts_at is not None
    assert facts.when.starts_at.isoformat() == "2026-04-18T06:00:00+00:00"
    assert facts.venue == "清华大学明理楼报告厅"


def test_a_chinese_news_items_breadcrumb_caption_and_links_to_other_articles_are_dropped():
    """"当前位置：首页 > 中心动态 > 正文" over the article, "研讨会现场" under its photo, its
    credits and "上一篇：…" "下一篇：…" under it: the site's, neither the event's description
    nor lines the preview says it skipped; the event's own paragraphs stay."""
    page = read("zh_news_recap.html")
    assert page.description.split("\n\n") == [
        "主办：清华大学战略与安全研究中心",
        "2026年4月18日下午，清华大学战略与安全研究中心举办“全球供应链安全与中美关系”研讨会。"
        "来自多所高校和研究机构的学者围绕供应链韧性、技术管制与国际合作等议题展开讨论。"]
    assert page.skipped == ()


def test_the_events_sidebar_of_labelled_details_gives_its_date_time_and_venue():
    """<div class="event-sidebar"><dl><dt>Date</dt><dd>…</dd><dt>Time</dt>…: the event's
    own details, each term labelling its value, an address's <br> lines one venue."""
    page = read("sidebar_details.html")
    facts = page_facts([page], "UTC")
    assert facts.when.starts_at is not None and facts.when.ends_at is not None
    assert facts.when.starts_at.isoformat() == "2026-05-14T14:00:00+00:00"  # 10:00 a.m. EDT
    assert facts.when.ends_at.isoformat() == "2026-05-14T15:15:00+00:00"
    assert facts.venue == ("Carnegie Endowment for International Peace, "
                           "1779 Massachusetts Avenue NW, Washington, DC")
    assert "Massachusetts" not in page.description
    assert "Register" not in page.description and not page.access_notes  # its buttons
    assert "Ingrid Solheim" not in {p.name for p in page.people}  # a related event's


def test_a_drupal_events_labelled_fields_give_its_date_time_and_venue():
    """Drupal sets each field's label and value side by side ("<div class="field__label">
    Date</div><div class="field__item">…</div>"): read apart, "Date" and the day under it
    were both skipped as paragraphs, and the event had no start and no venue."""
    page = read("drupal_event.html")
    facts = page_facts([page], "America/Halifax")
    assert facts.when.starts_at is not None and facts.when.ends_at is not None
    assert facts.when.starts_at.isoformat() == "2026-06-05T13:00:00+00:00"
    assert facts.when.ends_at.isoformat() == "2026-06-05T15:00:00+00:00"
    assert facts.venue == "Harbour Hall, 12 Quay Street, Halifax"
    assert {p.name: p.role for p in page.people} == {"Maria Lindqvist": "moderator",
                                                     "Tom Okafor": "speaker"}
    assert [str(s) for s in page.skipped] == ['skipped paragraph: "Event type: Roundtable"']


def test_a_drupal_7_fields_label_and_its_no_break_space_label_its_value():
    """Drupal 7 writes the label "Date:&nbsp;" (field-label) before the value's block."""
    html = ('<html><body><div id="content"><h1>Arctic Forum</h1>'
            '<div class="field field-label-inline"><div class="field-label">Date:&nbsp;</div>'
            '<div class="field-items"><div class="field-item even">Friday, June 5, 2026 - '
            '10:00</div></div></div><div class="field field-label-inline">'
            '<div class="field-label">Venue:&nbsp;</div><div class="field-items">'
            '<div class="field-item even">Hall A</div></div></div>'
            "<p>Jane Doe will moderate.</p></div></body></html>")
    page = page_from_bytes("event.html", html.encode())[1]
    assert (page.date_text, page.location) == ("Friday, June 5, 2026 - 10:00", "Hall A")


def test_a_drupal_events_date_in_its_default_format_gives_its_start_and_end():
    """Drupal's default date format, "Fri, 06/05/2026 - 10:00", month first: the weekday
    says which (June 5 is a Friday), and the range's end is the same day's 12:00."""
    html = ('<html><body><main><h1>Arctic Forum</h1>'
            '<div class="field field--name-field-date field--label-above">'
            '<div class="field__label">Date</div><div class="field__item">'
            'Fri, 06/05/2026 - 10:00 - Fri, 06/05/2026 - 12:00</div></div>'
            '<div class="field field--name-field-venue field--label-above">'
            '<div class="field__label">Venue</div><div class="field__item">Hall A</div></div>'
            "<p>Jane Doe will moderate.</p></main></body></html>")
    page = page_from_bytes("event.html", html.encode())[1]
    facts = page_facts([page], "America/Halifax")
    assert facts.when.starts_at is not None and facts.when.ends_at is not None
    assert facts.when.starts_at.isoformat() == "2026-06-05T13:00:00+00:00"
    assert facts.when.ends_at.isoformat() == "2026-06-05T15:00:00+00:00"
    assert facts.venue == "Hall A" and facts.when.note is None


def test_a_recaps_byline_day_is_not_the_events_and_its_key_takeaways_are_read():
    """"By Events Staff | October 30, 2026" under the title: the day the recap was posted,
    not the day of the event (the 27th); the bullets under "Key Takeaways" are the takeaways."""
    page = read("recap_byline.html")
    assert page.kind == "recap" and page.date_text is None
    assert "October 30" not in page.description
    assert [t.heading for t in page.takeaways] == [
        "Deterrence is about more than ships", "Gray-zone pressure is rising",
        "Allies need a shared picture"]
    assert {p.name: p.role for p in page.people} == {
        "Helen Carver": "moderator", "Robert Kessler": "speaker", "Mei-Ling Hsu": "speaker"}


def test_the_initiative_hosting_an_online_panel_is_no_person():
    """"the Africa Security Initiative will host a virtual panel with …": its speakers and
    moderator, each with the title on their card; the initiative is nobody."""
    page = read("online_panel.html")
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        ("Aminata Diallo", "speaker", "Nonresident Fellow, Africa Security Initiative"),
        ("Pierre Lemaire", "speaker", "Former Ambassador of France to Niger"),
        ("Ibrahim Sow", "speaker", "Researcher, Institute for Security Studies, Dakar"),
        ("Claire Hutchins", "moderator", "Director, Africa Security Initiative")]


def test_an_online_events_list_of_details_gives_its_date_time_and_venue():
    """<ul class="event-meta"> of the date, the time and "Online Only": the event's details,
    not bullets of its description."""
    page = read("online_panel.html")
    facts = page_facts([page], "UTC")
    assert facts.when.starts_at is not None and facts.when.ends_at is not None
    assert facts.when.starts_at.isoformat() == "2026-03-17T14:00:00+00:00"  # 10:00 am EDT
    assert facts.when.ends_at.isoformat() == "2026-03-17T15:00:00+00:00"
    assert facts.venue == "Online Only"
    assert page.description.startswith("Since 2020, military governments")
    assert "•" not in page.description


def test_the_zone_the_english_half_names_is_the_chinese_date_lines():
    """The Chinese half gives "19:00-20:30", the English one the same with "(Beijing Time)":
    the event is at 19:00 in Beijing, wherever the server is, not at 19:00 in its zone."""
    page = read("bilingual_lecture.html")
    facts = page_facts([page], "America/New_York")
    assert facts.when.starts_at is not None and facts.when.ends_at is not None
    assert facts.when.starts_at.isoformat() == "2026-06-09T11:00:00+00:00"
    assert facts.when.ends_at.isoformat() == "2026-06-09T12:30:00+00:00"
    assert facts.venue == "北京大学燕南园66号"


def test_a_cards_role_line_over_its_title_leaves_the_title_the_moderators():
    """The moderator's card gives "Moderator" between the name and the title: the title is
    hers, not the description's."""
    page = read("sidebar_details.html")
    bios = {p.name: p.bio for p in page.people}
    assert bios["Lena Whitcombe"] == "Fellow, Sustainability, Climate, and Geopolitics Program"
    assert "Fellow, Sustainability" not in page.description


def test_a_speakers_list_marking_its_moderator_keeps_everyone_on_it():
    """A think tank's "Speakers" list with "(Moderator)" beside one name, as an HTML list:
    the moderator and the speakers after her, each with their title."""
    html = ("<html><head><title>Arctic Futures</title></head><body><main>"
            "<h1>Arctic Futures</h1><p>December 9, 2026, 10:00 AM - 11:30 AM EST</p>"
            "<p>Scholars discuss shipping lanes in the High North.</p><h2>Speakers</h2><ul>"
            "<li>Jane Doe (Moderator), Senior Fellow, Polar Institute</li>"
            "<li>Richard Roe, Professor, MIT</li><li>Ann Lee, Fellow, RAND</li></ul>"
            "</main></body></html>")
    page = page_from_bytes("arctic.html", html.encode())[1]
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        ("Jane Doe", "moderator", "Senior Fellow, Polar Institute"),
        ("Richard Roe", "speaker", "Professor, MIT"), ("Ann Lee", "speaker", "Fellow, RAND")]
