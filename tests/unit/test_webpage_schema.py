"""A web page's schema.org Event (JSON-LD) completes what its visible text gives."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from bot.catalog import page_facts
from bot.errors import InvalidValue
from bot.page_files import page_from_bytes
from bot.webpage import html_to_text
from bot.webpage_schema import SchemaEvent
from bot.when import read_page_when


def page_with(data: object | str, body: str = "<p>Jane Doe will moderate.</p>") -> str:
    block = data if isinstance(data, str) else json.dumps(data)
    return (f'<html><head><script type="application/ld+json">{block}</script></head>'
            f"<body><main><h1>Grain Corridors</h1>{body}</main></body></html>")


def read(html: str):
    return page_from_bytes("event.html", html.encode())[1]


EVENT = {"@context": "https://schema.org", "@type": "Event", "name": "Grain Corridors",
         "startDate": "2031-12-01T18:00:00-05:00", "endDate": "2031-12-01T20:00:00-05:00",
         "location": {"@type": "Place", "name": "Carnegie Endowment",
                      "address": "1779 Massachusetts Ave NW, Washington, DC"}}


def test_an_exact_start_is_the_pages_date_line_and_the_place_its_venue():
    page = read(page_with(EVENT, "<p>December 1, 2031, 6:00 PM</p><p>Jane Doe will moderate.</p>"))
    assert page.date_text == "2031-12-01T18:00:00-05:00 – 2031-12-01T20:00:00-05:00"
    assert page.location == "Carnegie Endowment"


@pytest.mark.parametrize(("escaped", "read_as"), [
    ("Hall \\udc00 A", "Hall \ufffd A"),  # a lone low half
    ("Hall \\ud83d A", "Hall \ufffd A"),  # a lone high half
    ("Hall \\ud83d\\udd2c A", "Hall \U0001f52c A"),  # a whole character, in two halves
    ("Hall \\\\ud83d A", "Hall \\ud83d A"),  # an escaped backslash, then text
])
def test_a_half_character_escaped_in_structured_data_is_read_as_the_replacement_character(
        escaped, read_as):
    """JSON can escape half of a character, which Python reads as a lone surrogate that no
    store can hold: the import failed when saving the event."""
    block = json.dumps(EVENT).replace('"Carnegie Endowment"', f'"{escaped}"')
    page = read(page_with(block))
    assert page.location == read_as
    page.location.encode()  # storable


@pytest.mark.parametrize(("status", "said"), [
    ("https://schema.org/EventCancelled", "cancelled"), ("http://schema.org/EventCancelled",
                                                         "cancelled"),
    ("EventCancelled", "cancelled"), ({"@id": "schema:EventCancelled"}, "cancelled"),
    ("https://schema.org/EventPostponed", "postponed"),
    ("https://schema.org/EventScheduled", None), ("https://schema.org/EventRescheduled", None),
    ("EventMovedOnline", None), (["EventCancelled"], None), (42, None), ("", None),
    ("x" * 10_000 + "/EventCancelled", None),
])
def test_an_events_structured_status_is_read_and_a_cancelled_one_closes_registration(
        status, said):
    page = read(page_with(EVENT | {"eventStatus": status}))
    assert page.event_status == said
    assert page.registration_closed is (said == "cancelled")
    told = [str(note) for note in page_facts([page], "UTC").notes
            if "structured data says the event is" in str(note)]
    assert len(told) == (said is not None) and all(f"is {said}" in note for note in told)


def test_the_visible_text_keeps_its_date_and_venue_over_a_start_without_an_offset():
    event = EVENT | {"startDate": "2031-12-02T09:00", "endDate": None,
                     "location": "Elsewhere Hall"}
    page = read(page_with(event, "<p>December 1, 2031, 6:00 PM EST</p><p>Washington, DC</p>"
                                 "<p>Jane Doe will moderate.</p>"))
    assert page.date_text == "December 1, 2031, 6:00 PM EST"
    assert page.location == "Washington, DC"
    bare = read(page_with(event))  # no date line in the text: the structured one
    assert (bare.date_text, bare.location) == ("2031-12-02T09:00", "Elsewhere Hall")


@pytest.mark.parametrize(("data", "expected"), [
    ({"@graph": [{"@type": "Organization", "name": "Institute"},
                 {"@type": ["Thing", "BusinessEvent"], "startDate": "2031-12-01",
                  "location": [{"@type": "VirtualLocation", "url": "https://x.example"},
                               {"@type": "Place", "address": {
                                   "streetAddress": "1 Main St", "addressLocality": "Boston",
                                   "addressCountry": {"name": "US"}}}]}]},
     SchemaEvent("2031-12-01", None, "1 Main St, Boston")),
    ([{"@type": "WebSite"}, {"@type": "Event", "startDate": ["2031-12-01T10:00Z"],
                             "location": {"@type": "VirtualLocation", "name": "Zoom"}}],
     SchemaEvent("2031-12-01T10:00Z", None, None)),
    ({"@type": "Event", "startDate": 20311201, "endDate": "x" * 41,
      "location": {"name": "  Hall\n  A  "}}, SchemaEvent(None, None, "Hall A")),
    ({"@type": "Article", "about": {"@type": "Person"}}, SchemaEvent()),
    ("{not json", SchemaEvent()),
])
def test_the_first_event_is_found_in_any_shape_and_odd_values_are_left_out(data, expected):
    assert html_to_text(page_with(data)).schema == expected


def test_a_recordings_broadcast_in_an_earlier_block_is_not_the_pages_event():
    video = {"@type": "VideoObject", "publication": {"@type": "BroadcastEvent",
                                                     "startDate": "2031-12-02T01:00Z"}}
    html = page_with(video).replace("</head>", '<script type="application/ld+json">'
                                    '{"@type": "Event", "startDate": "2031-12-01T18:00-05:00"}'
                                    "</script></head>")
    assert html_to_text(html).schema == SchemaEvent("2031-12-01T18:00-05:00")
    assert html_to_text(page_with(video)).schema == SchemaEvent()


@pytest.mark.parametrize("block", [
    "[" * 190_000 + "]" * 190_000,  # nested past Python's stack
    "[" * 300_000,  # past the block's limit: not parsed
    json.dumps([[{"a": [1] * 20}] * 40] * 200),  # many values, no event
])
def test_any_structured_data_costs_bounded_time_and_gives_nothing_odd(block):
    html = page_with(block) * 5  # five such blocks
    started = time.process_time()
    web = html_to_text(html[:2_000_000])
    assert web.schema == SchemaEvent()
    assert time.process_time() - started < 10  # well under a second here, unloaded


@pytest.mark.parametrize("start", [
    "1970-01-01T00:00:00+00:00",  # a CMS's start for an event whose date field is empty
    "2031-12-01 18:00:00 -05:00",
])
def test_a_structured_start_the_date_line_cannot_read_leaves_the_texts_date(start):
    line = "December 1, 2031, 6:00 PM – 8:00 PM"
    page = read(page_with(EVENT | {"startDate": start, "endDate": None},
                          f"<p>{line}</p><p>Jane Doe will moderate.</p>"))
    assert page.date_text == line


@pytest.mark.parametrize(("start", "visible", "expected"), [
    # the text's end, as long after the structured start as after its own
    ("2031-12-01T18:00:00-05:00", "December 1, 2031, 6:00 PM – 8:00 PM", (23, 1)),
    ("2031-12-01T23:00:00+00:00", "December 1, 2031, 6:00 PM – 8:00 PM", (23, 1)),
    ("2031-12-01T18:00:00-05:00", "December 1, 2031, 6:00 PM", (23, None)),
    # another day's times are no end of this start
    ("2031-12-01T18:00:00-05:00", "December 9, 2031, 6:00 PM – 8:00 PM", (23, None)),
])
def test_a_structured_start_without_an_end_keeps_the_end_the_text_gives(start, visible,
                                                                         expected):
    page = read(page_with(EVENT | {"startDate": start, "endDate": None},
                          f"<p>{visible}</p><p>Jane Doe will moderate.</p>"))
    when = read_page_when(page.date_text, "Asia/Shanghai")
    assert when.starts_at == datetime(2031, 12, 1, expected[0], tzinfo=UTC)
    assert when.ends_at == (None if expected[1] is None
                            else datetime(2031, 12, 2, expected[1], tzinfo=UTC))


def test_a_structured_end_day_after_the_start_ends_the_event_with_that_day():
    """A JSON-LD endDate of a day alone after the startDate's ("2026-06-05T18:00+08:00" to
    "2026-06-07"): the import preview's end is the end of that day, as the visible text's
    "June 5 - 7, 2026, 6:00 PM" gives in the same zone."""
    event = EVENT | {"startDate": "2026-06-05T18:00+08:00", "endDate": "2026-06-07"}
    structured = page_facts([read(page_with(event))], "UTC")
    text = page_facts([read(page_with(EVENT | {"startDate": None, "endDate": None},
                                      "<p>June 5 - 7, 2026, 6:00 PM</p>"
                                      "<p>Jane Doe will moderate.</p>"))], "Asia/Shanghai")
    for facts in (structured, text):
        assert (facts.when.starts_at, facts.when.ends_at, facts.notes) == (
            datetime(2026, 6, 5, 10, tzinfo=UTC), datetime(2026, 6, 7, 16, tzinfo=UTC), ())


def test_a_structured_end_day_past_a_run_of_days_leaves_the_start_unset_as_the_text_does():
    """A JSON-LD endDate of a day alone 31 days or more after the startDate's is no run of
    an event's days, as "June 5 - July 6, 2026" in the visible text is not: the import
    preview leaves the start unset, with the same note, each quoting its own line; a date
    the visible text gives is the page's then."""
    event = EVENT | {"startDate": "2026-06-05T18:00+08:00", "endDate": "2026-07-06"}
    structured = page_facts([read(page_with(event))], "UTC")
    text = page_facts([read(page_with(EVENT | {"startDate": None, "endDate": None},
                                      "<p>June 5 - July 6, 2026, 6:00 PM</p>"
                                      "<p>Jane Doe will moderate.</p>"))], "Asia/Shanghai")
    for facts, written in ((structured, "2026-06-05T18:00+08:00 – 2026-07-06"),
                           (text, "June 5 - July 6, 2026")):
        assert (facts.when.starts_at, facts.when.ends_at) == (None, None)
        assert [str(note) for note in facts.notes] == [
            f"the page's dates {written!r} are not a run of days I can read (its last day "
            "must come after its first, within 30 days), so I left the start unset; set it "
            "with /manage edit"]
    within = page_facts([read(page_with(event | {"endDate": "2026-07-05"}))], "UTC")
    assert within.when.ends_at == datetime(2026, 7, 5, 16, tzinfo=UTC)
    visible = page_facts([read(page_with(event, "<p>June 5, 2026, 6:00 PM</p>"))],
                         "Asia/Shanghai")
    assert (visible.when.starts_at, visible.when.ends_at, visible.notes) == (
        datetime(2026, 6, 5, 10, tzinfo=UTC), None, ())


def test_a_place_named_with_html_entities_is_named_in_plain_text():
    # WordPress plugins write names as the site stores them: "&#038;", "&#8211;", "&amp;"
    event = EVENT | {"location": {"@type": "Place",
                                  "name": "Carnegie&#8211;Tsinghua Center &#038; Library"}}
    assert read(page_with(event)).location == "Carnegie–Tsinghua Center & Library"


def blocks_page(blocks: list[object]) -> str:
    scripts = "".join(f'<script type="application/ld+json">{json.dumps(b)}</script>'
                      for b in blocks)
    return (f"<html><head>{scripts}</head><body><main><h1>Grain Corridors</h1>"
            "<p>Jane Doe will moderate.</p></main></body></html>")


@pytest.mark.parametrize(("others", "found"), [(19, True), (20, False)])
def test_the_event_is_looked_for_in_a_pages_first_twenty_structured_blocks(others, found):
    # a site's breadcrumbs, organisation, articles and images before the event's own block
    page = read(blocks_page([{"@type": "BreadcrumbList", "position": n}
                             for n in range(others)] + [EVENT]))
    assert page.date_text == (EVENT["startDate"] + " – " + EVENT["endDate"] if found else None)


@pytest.mark.parametrize(("size", "found"), [(200_000, True), (200_001, False)])
def test_a_structured_block_is_read_up_to_200_000_characters(size, found):
    block = json.dumps(EVENT)
    page = read(page_with(block + " " * (size - len(block))))
    assert page.location == ("Carnegie Endowment" if found else None)


@pytest.mark.parametrize(("before", "found"), [(4_998, True), (4_999, False)])
def test_the_event_is_looked_for_among_a_blocks_first_5_000_values(before, found):
    # the list itself, then what it holds in order: the event is the 5,000th value, or after
    page = read(page_with([0] * before + [EVENT]))
    assert page.location == ("Carnegie Endowment" if found else None)


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("20311201T180000-0500", "20311201T200000-0500",
     (datetime(2031, 12, 1, 23, tzinfo=UTC), datetime(2031, 12, 2, 1, tzinfo=UTC))),
    ("20311202T0700+0800", None, (datetime(2031, 12, 1, 23, tzinfo=UTC), None)),
    ("20311201t230000.5z", None, (datetime(2031, 12, 1, 23, tzinfo=UTC), None)),
])
def test_a_structured_start_in_iso_basic_form_is_read_as_the_extended_form(start, end,
                                                                           expected):
    """ISO 8601's basic form, as sites that also write iCalendar give their JSON-LD,
    sets the event's moments as the extended form does, over the text's own line."""
    page = read(page_with(EVENT | {"startDate": start, "endDate": end},
                          "<p>December 1, 2031, 6:00 PM</p><p>Jane Doe will moderate.</p>"))
    facts = page_facts([page], "Asia/Shanghai")
    assert (facts.when.starts_at, facts.when.ends_at) == expected
    assert not page.skipped


@pytest.mark.parametrize("start", ["TBA", "2031120", "to be announced"])
def test_a_structured_start_that_is_no_date_is_left_out_and_the_moderator_told(start):
    """A JSON-LD start that reads as no date at all (a placeholder, a digit short of a
    date) sets nothing, and the moderator hears of it: the page was imported silently
    without a date, its parse showing the placeholder as the date."""
    page = read(page_with(EVENT | {"startDate": start, "endDate": None}))
    assert page.date_text is None
    assert [line.message for line in page.skipped] == [
        "the start in the page's structured data, {written!r}, is no date I can read: "
        "set it with /manage edit"]
    assert start in str(page.skipped[0])


def test_a_start_written_out_in_words_up_to_40_characters_is_the_date_line():
    start = "Wednesday, December 10, 2031, 6:00 PM ET"  # 40 characters: no offset to trust
    page = read(page_with(EVENT | {"startDate": start, "endDate": None}))
    assert len(start) == 40 and page.date_text == start


@pytest.mark.parametrize("publication", ["BroadcastEvent", "PublicationEvent", "OnDemandEvent"])
def test_a_recordings_publication_of_any_kind_is_not_the_pages_event(publication):
    video = {"@type": "VideoObject", "publication": {"@type": publication,
                                                     "startDate": "2031-12-02T01:00Z"}}
    page = read(blocks_page([video, EVENT | {"endDate": None}]))
    assert page.date_text == EVENT["startDate"]


@pytest.mark.parametrize("spelled", ["application/LD+JSON", " application/ld+json "])
def test_a_structured_block_is_found_however_its_type_is_spelled(spelled):
    html = page_with(EVENT).replace('type="application/ld+json"', f'type="{spelled}"')
    assert read(html).location == "Carnegie Endowment"


@pytest.mark.parametrize("before", [
    '{"@type": "Organization", "name": "Carnegie",}',  # a trailing comma: not JSON
    "[" * 100_000 + "]" * 100_000,  # within the size, nested past Python's stack
    json.dumps({"@type": "WebSite", "description": "x" * 200_000}),  # past the size
])
def test_a_block_that_cannot_be_read_leaves_the_events_block_after_it(before):
    html = page_with(EVENT).replace(
        "<head>", f'<head><script type="application/ld+json">{before}</script>')
    assert read(html).location == "Carnegie Endowment"


def test_a_block_with_a_line_break_or_tab_written_into_a_string_is_read():
    """Sites fill their JSON-LD from a template that writes the description as stored, its
    line breaks and tabs as they are, which strict JSON does not allow: the block was left
    out, and with it the start's zone and the venue."""
    block = json.dumps(EVENT | {"description": "Grain corridors\n\tin wartime"})
    page = read(page_with(block.replace("\\n", "\n").replace("\\t", "\t"),
                          "<p>December 1, 2031, 6:00 PM</p><p>Jane Doe will moderate.</p>"))
    assert page.date_text == "2031-12-01T18:00:00-05:00 – 2031-12-01T20:00:00-05:00"
    assert page.location == "Carnegie Endowment"


def test_listed_starts_out_of_datetimes_range_are_told_apart_without_failing():
    """Listed Events are told apart by their starts' moments: a year 1 an hour east of UTC
    has none in range, and is compared as written."""
    events = [EVENT | {"name": "Talk", "startDate": "0001-01-01T00:00:00+01:00"},
              EVENT | {"name": "Talk", "startDate": "9999-12-31T23:00:00-05:00"}]
    with pytest.raises(InvalidValue, match="lists 2 events"):
        read(page_with(events))


def test_the_pages_own_event_comes_before_a_session_listed_further_in():
    graph = {"@graph": [EVENT, {"@type": "WebPage", "hasPart": [
        {"@type": "Event", "startDate": "2031-12-01T19:00:00-05:00",
         "location": {"@type": "Place", "name": "Room 2"}}]}]}
    page = read(page_with(graph))
    assert (page.date_text, page.location) == (
        "2031-12-01T18:00:00-05:00 – 2031-12-01T20:00:00-05:00", "Carnegie Endowment")


def test_of_the_starts_a_list_gives_the_first_is_the_events():
    page = read(page_with(EVENT | {"startDate": ["2031-12-01T18:00:00-05:00",
                                                 "2031-12-08T18:00:00-05:00"],
                                   "endDate": None}))
    assert page.date_text == "2031-12-01T18:00:00-05:00"


def test_a_place_named_at_length_is_cut_to_300_characters():
    name = "Conference Hall of the " + "Very " * 70 + "Long Institute"
    page = read(page_with(EVENT | {"location": {"@type": "Place", "name": name}}))
    assert len(name) > 300 and page.location == name[:300].rstrip()


def test_a_place_with_a_blank_name_is_named_by_its_whole_postal_address():
    place = {"@type": "Place", "name": " ", "address": {
        "@type": "PostalAddress", "streetAddress": "1779 Massachusetts Ave NW",
        "addressLocality": "Washington", "addressRegion": "DC", "addressCountry": "US"}}
    assert read(page_with(EVENT | {"location": place})).location == (
        "1779 Massachusetts Ave NW, Washington, DC, US")


@pytest.mark.parametrize(("start", "visible", "expected"), [
    # a Honolulu evening is the next day in UTC: the text's times are still its own
    ("2031-12-01T18:00:00-10:00", "December 1, 2031, 6:00 PM – 8:00 PM",
     (datetime(2031, 12, 2, 4, tzinfo=UTC), datetime(2031, 12, 2, 6, tzinfo=UTC))),
    ("2031-12-01T18:00:00+14:00", "December 1, 2031, 6:00 PM – 8:00 PM",  # Kiribati's
     (datetime(2031, 12, 1, 4, tzinfo=UTC), datetime(2031, 12, 1, 6, tzinfo=UTC))),
    # a day alone gives no end to a start on it
    ("2031-12-01T09:00:00+08:00", "December 1, 2031", (datetime(2031, 12, 1, 1, tzinfo=UTC),
                                                       None)),
])
def test_a_structured_start_takes_the_texts_end_only_from_its_own_times(start, visible,
                                                                        expected):
    page = read(page_with(EVENT | {"startDate": start, "endDate": None},
                          f"<p>{visible}</p><p>Jane Doe will moderate.</p>"))
    when = read_page_when(page.date_text, "Europe/London")
    assert (when.starts_at, when.ends_at) == expected
