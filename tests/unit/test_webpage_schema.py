"""A web page's schema.org Event (JSON-LD) completes what its visible text gives."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from bot.catalog import page_from_bytes
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
    started = time.perf_counter()
    web = html_to_text(html[:2_000_000])
    assert web.schema == SchemaEvent()
    assert time.perf_counter() - started < 10  # well under a second here, unloaded


@pytest.mark.parametrize("start", [
    "1970-01-01T00:00:00+00:00",  # a CMS's start for an event whose date field is empty
    "20311201T180000-0500",  # a form the date line's reading does not take
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


def test_a_place_named_with_html_entities_is_named_in_plain_text():
    # WordPress plugins write names as the site stores them: "&#038;", "&#8211;", "&amp;"
    event = EVENT | {"location": {"@type": "Place",
                                  "name": "Carnegie&#8211;Tsinghua Center &#038; Library"}}
    assert read(page_with(event)).location == "Carnegie–Tsinghua Center & Library"
