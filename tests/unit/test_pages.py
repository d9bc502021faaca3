"""Tests for the page importer (bot/pages.py): the two seed pages and the variations of
GUIDE.md §5, each with a synthetic page, plus robustness properties."""

from __future__ import annotations

import codecs
import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content import EventContent
from bot.errors import InvalidValue
from bot.pages import (
    MAX_PAGE_BYTES,
    ROLES,
    Page,
    Person,
    Takeaway,
    decode_page,
    parse_page,
)
from bot.pages_reader import MAX_LINES

PAGES = Path(__file__).parent / "pages"
ANNOUNCEMENT = (PAGES / "seed_announcement.txt").read_text(encoding="utf-8")
RECAP = (PAGES / "seed_recap.txt").read_text(encoding="utf-8")
SEED_NAMES = ["Tong Zhao", "Li Bin", "Fan Jishe", "Duan Zhanyuan", "Zhang Hongyu"]
SEED_ROLES = ["moderator", "speaker", "discussant", "discussant", "discussant"]


def paragraphs(text: str) -> list[str]:
    """The page's paragraphs exactly as written, but for their outer whitespace (the seeds
    have non-breaking spaces, e.g. "Fan Jishe\u00a0is", "Asia-Pacific,\u00a0 but")."""
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def roles(page: Page) -> dict[str, str]:
    return {p.name: p.role for p in page.people}


def bios(page: Page) -> dict[str, str]:
    return {p.name: p.bio for p in page.people}


# --- the seed pages ----------------------------------------------------------------------


def test_seed_announcement():
    page = parse_page(ANNOUNCEMENT)
    assert page.kind == "announcement"
    assert page.moderator == "Tong Zhao"
    assert [p.name for p in page.people] == SEED_NAMES
    assert [p.role for p in page.people] == SEED_ROLES
    assert page.off_the_record and page.registration_closed
    assert (page.language, page.translation) == ("Chinese", "English")
    assert page.description == "\n\n".join(paragraphs(ANNOUNCEMENT)[1:3])
    assert page.access_notes == () and page.takeaways == () and page.skipped == ()
    assert (page.title, page.date_text, page.location) == (None, None, None)
    # Verbatim: the page has non-breaking spaces here, and they are kept.
    assert bios(page)["Fan Jishe"] == (
        "Fan Jishe\u00a0is a researcher\u00a0at the Institute of American Studies, "
        "Chinese Academy of Social Sciences.")


@pytest.mark.parametrize("text", [ANNOUNCEMENT, RECAP])
def test_seed_bios_are_verbatim(text):
    page_paragraphs = paragraphs(text)
    people = parse_page(text).people
    assert [p.name for p in people] == [
        "Tong Zhao", "Li Bin", "Fan Jishe", "Duan Zhanyuan", "Zhang Hongyu"]
    for person in people:
        assert person.bio in page_paragraphs
        assert " ".join(person.bio.split()).startswith(person.name + " is ")
        assert page_paragraphs[page_paragraphs.index(person.bio) - 1] == person.name


def test_seed_recap():
    page = parse_page(RECAP)
    assert page.kind == "recap"
    assert [t.heading for t in page.takeaways] == [
        "U.S.-China Security Relations",
        "U.S. Policy Ambiguities",
        "Respective Defense Capabilities",
        "Recommendations for China",
        "Uncertain Future",
    ]
    assert [p.name for p in page.people] == SEED_NAMES
    assert [p.role for p in page.people] == SEED_ROLES
    assert page.moderator == "Tong Zhao"
    assert page.off_the_record and not page.registration_closed
    assert page.description == "\n\n".join(paragraphs(RECAP)[:2])
    assert page.language is None and page.skipped == ()


def test_seed_recap_takeaway_text_is_full_and_verbatim():
    page = parse_page(RECAP)
    bullets = [line.strip() for line in RECAP.splitlines() if line.strip().startswith("•")]
    for takeaway, bullet in zip(page.takeaways, bullets, strict=True):
        heading, text = bullet.removeprefix("• ").split(":", 1)
        assert takeaway.heading == heading
        assert takeaway.text == text.strip()
    assert "Asia-Pacific,\u00a0 but the effects" in page.takeaways[3].text  # as written
    assert "China\u00a0 must make alliances" in page.takeaways[4].text


def test_seed_pages_share_their_bios():
    assert bios(parse_page(ANNOUNCEMENT)) == bios(parse_page(RECAP))


def test_to_dict_is_json_ready():
    data = parse_page(RECAP).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {
        "kind", "title", "date_text", "location", "description", "registration_closed",
        "off_the_record", "access_notes", "language", "translation", "moderator", "people",
        "takeaways", "skipped", "event_status",
    }
    assert data["moderator"] == "Tong Zhao" and data["event_status"] is None
    li_bin = {"name": "Li Bin", "role": "speaker", "bio": bios(parse_page(RECAP))["Li Bin"]}
    assert data["people"][1] == li_bin
    assert data["takeaways"][4]["heading"] == "Uncertain Future"
    assert isinstance(data["access_notes"], list) and isinstance(data["skipped"], list)


def test_dataclasses_are_frozen():
    page = parse_page(ANNOUNCEMENT)
    with pytest.raises(AttributeError):
        page.kind = "recap"  # type: ignore[misc]
    assert Person("A B", "speaker", "") == Person("A B", "speaker", "")
    assert Takeaway("H", "t").heading == "H"


# --- layout variations -------------------------------------------------------------------


def test_single_newlines_and_crlf_give_the_same_page():
    expected = parse_page(ANNOUNCEMENT)
    assert parse_page(ANNOUNCEMENT.replace("\n\n", "\n")) == expected
    assert parse_page(decode_page(ANNOUNCEMENT.replace("\n", "\r\n").encode())) == expected
    assert parse_page(RECAP.replace("\n\n", "\n")) == parse_page(RECAP)


HEADER_PAGE = """\
Missile Defense and Strategic Stability in East Asia
Fri. October 28th, 2016
Washington, DC

Experts will examine how missile defense shapes deterrence in the region.

Tong Zhao will moderate a discussion with Li Bin.

Tong Zhao

Tong Zhao is a fellow at Carnegie.

Li Bin

Li Bin is a senior fellow at Carnegie.

Carnegie does not take institutional positions on public policy issues; the views \
represented herein are those of the author(s) and do not necessarily reflect the views \
of Carnegie, its staff, or its trustees.
"""


def test_header_block_and_trailing_disclaimer():
    page = parse_page(HEADER_PAGE)
    assert page.title == "Missile Defense and Strategic Stability in East Asia"
    assert page.date_text == "Fri. October 28th, 2016"
    assert page.location == "Washington, DC"
    assert page.description == (
        "Experts will examine how missile defense shapes deterrence in the region.\n\n"
        "Tong Zhao will moderate a discussion with Li Bin."
    )
    assert bios(page) == {"Tong Zhao": "Tong Zhao is a fellow at Carnegie.",
                          "Li Bin": "Li Bin is a senior fellow at Carnegie."}
    assert page.skipped == ()  # the disclaimer is recognised, not reported


def test_online_header_without_title():
    page = parse_page("Tuesday, March 3, 2020\nLive on YouTube\nA talk about trade policy.")
    assert (page.title, page.date_text, page.location) == (
        None, "Tuesday, March 3, 2020", "Live on YouTube")
    assert page.description == "A talk about trade policy."


def test_a_short_line_under_the_date_is_the_location():
    page = parse_page("New START\nTuesday, December 1, 2026\nBeijing\n\n" + INTRO)
    assert (page.date_text, page.location) == ("Tuesday, December 1, 2026", "Beijing")
    page = parse_page("New START\nShare\n\n" + INTRO)  # no date above it
    assert page.location is None and page.description.startswith("Share\n\n")


PROSE_ZH = "本次研讨会将邀请中外学者，探讨新技术对战略稳定的影响。"


@pytest.mark.parametrize(("opening", "title", "location"), [
    # the page opens with its date, then its title; where it is held is labelled below
    ("2026年12月1日\n\n中美关系的未来\n\n地点：清华大学主楼", "中美关系的未来", "清华大学主楼"),
    ("2026年12月1日\n\n中美关系的未来\n\n时间：下午2点\n\n地点：清华大学主楼", "中美关系的未来",
     "清华大学主楼"),
    ("Tuesday, December 1, 2026\n\nNuclear Futures in Asia\n\nLocation: Carnegie "
     "Endowment, Washington, DC", "Nuclear Futures in Asia", "Carnegie Endowment, Washington, DC"),
    # or says the line is its title
    ("2026年12月1日\n\n中美关系的未来\n\n主题：中美关系的未来", "中美关系的未来", None),
    # with its title above the date, the line under the date is still the venue
    ("中美关系的未来\n\n2026年12月1日\n\n北京", "中美关系的未来", "北京"),
    ("Nuclear Futures in Beijing\n\nTuesday, December 1, 2026\n\nBeijing",
     "Nuclear Futures in Beijing", "Beijing"),
    ("中美关系的未来\n\n2026年12月1日\n\n北京\n\n地点：清华大学主楼", "中美关系的未来", "北京"),
])
def test_the_title_under_a_page_s_opening_date_is_its_title_not_its_venue(
        opening, title, location):
    page = parse_page(f"{opening}\n\n{PROSE_ZH}\n")
    assert (page.title, page.location, page.description) == (title, location, PROSE_ZH)


@pytest.mark.parametrize("site", [" - 清华大学", " | 清华大学", ""])
def test_a_web_page_s_heading_under_its_date_repeating_its_title_is_no_venue(site):
    """<title> first, then the page's date and its <h1> saying the title again."""
    page = parse_page(f"中美关系的未来{site}\n2026年12月1日\n中美关系的未来\n{PROSE_ZH}",
                      titled=True)
    assert (page.title, page.location, page.description) == (
        f"中美关系的未来{site}", None, PROSE_ZH)


@pytest.mark.parametrize(("date", "place"), [
    ("December 15, 2026", "New York City"), ("December 15, 2026", "Council on Foreign Relations"),
    ("December 15, 2026", "Stimson Center Conference Room"),
    ("2026年12月15日", "北京大学 国际关系学院 秋林报告厅"),
])
def test_a_venue_of_several_words_under_the_date_of_a_page_without_title_is_the_venue(date,
                                                                                     place):
    page = parse_page(f"{date}\n{place}\n\n" + INTRO)
    assert (page.title, page.location) == (None, place)


@pytest.mark.parametrize(("header", "date", "place"), [
    # a subtitle sentence between the title and the date
    ("Arms Control Today\nA conversation on missile defense.\nDecember 15, 2026\n"
     "Washington, DC", "December 15, 2026", "Washington, DC"),
    # the date and the venue on one line, or with the time between them
    ("Arms Control Today\nDecember 15, 2026 | Washington, DC", "December 15, 2026",
     "Washington, DC"),
    # a street address after the bar, name-like words and all, however long the line
    ("Arms Control Today\nDecember 15, 2026 | 1000 Market St, Springfield",
     "December 15, 2026", "1000 Market St, Springfield"),
    ("Arms Control Today\nDecember 15, 2026 | 1000 Market St, East Gate, North Riverside "
     "District, Springfield", "December 15, 2026",
     "1000 Market St, East Gate, North Riverside District, Springfield"),
    ("Arms Control Today\nDecember 15, 2026 · 6:00 PM · Hall B", "December 15, 2026 · 6:00 PM",
     "Hall B"),
    ("Arms Control Today\nTuesday, December 15, 2026 | 6:00 PM - 8:00 PM EST\nWashington, DC",
     "Tuesday, December 15, 2026 | 6:00 PM - 8:00 PM EST", "Washington, DC"),
    # a street address or a room under the date, however long
    ("Arms Control Today\nDecember 15, 2026\nCarnegie Endowment, 1779 Massachusetts Ave NW, "
     "Washington, DC", "December 15, 2026",
     "Carnegie Endowment, 1779 Massachusetts Ave NW, Washington, DC"),
    ("Arms Control Today\nDecember 15, 2026\nHall B, Example Institute, Washington, DC",
     "December 15, 2026", "Hall B, Example Institute, Washington, DC"),
    # a building by its number, on a campus or in a city
    ("Arms Control Today\nDecember 15, 2026\nBuilding 5, Beijing", "December 15, 2026",
     "Building 5, Beijing"),
    ("Arms Control Today\nDecember 15, 2026\nBldg. 12, Tsinghua University, Beijing",
     "December 15, 2026", "Bldg. 12, Tsinghua University, Beijing"),
])
def test_the_date_and_venue_are_found_in_the_headers_other_shapes(header, date, place):
    page = parse_page(header + "\n\n" + INTRO)
    assert (page.title, page.date_text, page.location) == ("Arms Control Today", date, place)
    assert page.description.endswith(INTRO.strip())
    assert date not in page.description and place not in page.description


@pytest.mark.parametrize("venue", [
    "Museum of Fine Arts", "Institute for Peace", "Arts and Letters Club",
    "Center on Global Energy", "Forum at Stanford", "Institute de Estudios", "Academy du Monde",
    "Institut des Hautes Etudes", "Forum der Zukunft"])
def test_a_venue_named_with_a_small_word_under_the_date_is_the_venue(venue):
    place = f"{venue}, Springfield, Illinois"
    page = parse_page(f"Arms Control Today\nDecember 15, 2026 | {place}\n\n" + INTRO)
    assert (page.date_text, page.location) == ("December 15, 2026", place)


@pytest.mark.parametrize("address", [
    "1000 Market St", "1000 Market Street", "12 Garden Rd", "5 Park Road", "300 Sunset Blvd",
    "9 Ocean Boulevard", "1 Infinite Way", "2 Trafalgar Square", "10 Downing Place",
    "4 Jones Pl", "7 Grove Lane", "7 Grove Ln", "1 Lake Drive", "1 Lake Dr", "Room 201",
    "Floor 3", "Suite 400", "Bldg 5", "Bldg. 5", "Building C", "Hall B", "Mandel Hall",
    "Kennedy Auditorium", "Jones Building", "Peninsula Hotel", "Lincoln Theater",
    "Globe Theatre"])
@pytest.mark.parametrize("shape", ["{}", "{}, East Gate, North Riverside District, Springfield",
                                   "East Gate Entrance, North Riverside District, {}"])
def test_each_kind_of_address_under_the_date_is_the_venue(address, shape):
    # no institution named, and longer than a "City, Country" line: the address says it
    place = shape.format(address)
    page = parse_page(f"Arms Control Today\nDecember 15, 2026\n{place}\n\n" + INTRO)
    assert (page.date_text, page.location) == ("December 15, 2026", place)


@pytest.mark.parametrize("line", [
    "Carnegie Endowment, Washington, DC", "Tsinghua University, Beijing, China",
    "Wilson Center, Washington, D.C.", "Museum of Fine Arts, Boston, MA",
    "Carnegie China, Beijing, China", "Room 301, Wilson Building, Beijing",
])
@pytest.mark.parametrize("shape", ["December 15, 2026\n{}", "December 15, 2026 | {}",
                                   "December 15, 2026\n6:00 PM - 8:00 PM EST\n{}",
                                   "December 15, 2026\nVenue: {}", "December 15, 2026\nWhere: {}",
                                   "Location: {}\nDecember 15, 2026"])
def test_a_venue_its_city_and_its_state_or_country_under_the_date_is_the_venue(line, shape):
    """"Venue name, City, ST" and "Venue name, City, Country", as pages write them."""
    page = parse_page("Arms Control Today\n" + shape.format(line) + "\n\n" + INTRO)
    assert page.location == line
    assert page.description == INTRO.strip()


@pytest.mark.parametrize("line", [
    "Senior Fellow, Carnegie Endowment, Washington",  # an affiliation
    "Ann Lee, Carnegie Endowment, Washington",  # a card's name line
    "Washington, Beijing, and Moscow disagree on what comes next.",  # prose
])
def test_a_line_of_three_parts_under_the_date_is_no_venue_unless_it_reads_as_one(line):
    page = parse_page("Arms Control Today\nDecember 15, 2026\n" + line + "\n\n" + INTRO)
    assert page.location is None


@pytest.mark.parametrize("line", ["Ann Lee, Bo Chen, Li Bin", "Ann Lee and Bo Chen",
                                  "Ann Lee, Bo Chen"])
def test_people_listed_under_the_date_are_no_venue(line):
    page = parse_page("Arms Control Today\nDecember 15, 2026\n" + line + "\n\n" + INTRO)
    assert page.location is None


@pytest.mark.parametrize("header", [
    "Arms Control Today\nMarch 5, 2026 | Europe Program\nWashington, DC",
    "Arms Control Today\nDec 15, 2026 · 5 min read",
    "Arms Control Today\nOctober 22, 2026\nBuilding a New Consensus on Development Finance",
    "Arms Control Today\nMay 20, 2026 | Kaja Kallas, Sophia Besch\nWashington, DC",
    "Arms Control Today\nMay 20, 2026\nCapacity Building Workshop Series for Officials\n"
    "Washington, DC",
])
def test_what_follows_a_date_is_the_venue_only_if_it_reads_as_a_place(header):
    page = parse_page(header + "\n\n" + INTRO)
    assert page.location in (None, "Washington, DC")
    assert page.date_text in ("March 5, 2026 | Europe Program", "Dec 15, 2026 · 5 min read",
                              "October 22, 2026", "May 20, 2026 | Kaja Kallas, Sophia Besch",
                              "May 20, 2026")


@pytest.mark.parametrize("sentence", [
    "The annual summit, held in Atlantic City since 2010, brings together scholars.",
    "The summit was held in Turkish airspace over the Aegean.",
    "Talks later conducted in Russian and Ukrainian collapsed in 2022.",
    "Now in its tenth year, the forum is held in English and gathers officials from Asia.",
])
def test_sentences_about_other_things_are_no_notes(sentence):
    page = parse_page(INTRO + sentence)
    assert page.language is None and not page.registration_closed
    assert page.description.endswith(sentence)


@pytest.mark.parametrize("notice", [
    "Registration is open; we are no longer accepting RSVPs by phone, so register online.",
    "We are no longer accepting RSVPs for the reception, but the panel is open to all.",
])
def test_rsvps_no_longer_taken_one_way_leave_registration_open(notice):
    page = parse_page(INTRO + notice)
    assert not page.registration_closed and page.access_notes == (notice,)


def test_unplaceable_text_is_reported_with_a_short_snippet():
    tail = "Watch the full video of this event on our channel and subscribe for more updates."
    page = parse_page(HEADER_PAGE + "\n" + tail + "\n\n12:30\n")
    assert tuple(map(str, page.skipped)) == (f'skipped paragraph: "{tail[:60]}…"',
                                             'skipped paragraph: "12:30"')
    assert [p.name for p in page.people] == ["Tong Zhao", "Li Bin"]


# --- access notes ---------------------------------------------------------------------------

INTRO = "Experts will examine how missile defense shapes deterrence in the region.\n\n"


HEADER_UNDER = "\nDecember 1, 2027, 6:00 PM - 8:00 PM EST\nWashington, DC\n\n" + INTRO


@pytest.mark.parametrize("title", [
    # ending with an abbreviation's period, which is no sentence's end
    "China's Nuclear Posture and the U.S.", "Trade Talks with Acme Inc.",
    "The Legacy of Martin Luther King Jr.",
    # naming a date in passing: the date line under it is the event's
    "After Oct 7: The Middle East and China", "Remembering June 4",
    "Twenty Years after Sept 11 2001"])
def test_a_title_line_opens_the_header_above_the_date_and_venue(title):
    page = parse_page(title + HEADER_UNDER)
    assert (page.title, page.date_text, page.location) == (
        title, "December 1, 2027, 6:00 PM - 8:00 PM EST", "Washington, DC")


@pytest.mark.parametrize("line", [
    *(f"{weekday}, December 1, 2027" for weekday in (
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")),
    "December 1, 2027, from 6 PM", "December 1, 2027, 6 PM until 9 PM",
    "December 1, 2027 through December 3, 2027"])
def test_a_date_lines_weekday_and_words_of_when_are_no_prose_against_the_title(line):
    # "Remembering June 4" names a date in passing, with one word of prose: the date line
    # under it, whose words all say when, is the event's
    page = parse_page(f"Remembering June 4\n{line}\n\n" + INTRO)
    assert (page.title, page.date_text) == ("Remembering June 4", line)


@pytest.mark.parametrize("first", ["Join us for a talk on trade.",
                                   "Join us for a conversation about China and the U.S."])
def test_a_first_line_ending_a_sentence_is_still_no_title(first):
    page = parse_page(first + HEADER_UNDER)
    assert page.title is None and page.description.startswith(first)


@pytest.mark.parametrize(("first", "second"), [
    ("December 1, 2027", "December 2, 2027"),
    ("Monday, December 1, 2027, from 6 PM", "December 2, 2027"),
    # the first line has the year the second lacks, however many words it has
    ("December 1, 2027, Carnegie Endowment Conference Center",
     "Livestream begins Dec 1 at 5:45 PM"),
    # a line opening with its date is a date line, whatever place follows
    ("December 1, 2027, Washington", "Monday, December 1, 2027, 6:00 PM"),
    ("Monday, December 1, 2027, Carnegie Endowment Conference Center",
     "December 1, 2027, 6:00 PM - 8:00 PM EST")])
def test_a_second_date_line_does_not_make_the_first_a_title(first, second):
    page = parse_page(f"{first}\n{second}\n\n" + INTRO)
    assert page.title is None and page.date_text == first


def test_a_bare_day_gives_way_to_the_full_date_line_under_it():
    page = parse_page("Tuesday, December 1\nDecember 1, 2027, 6:00 PM - 8:00 PM EST\n\n" + INTRO)
    assert (page.title, page.date_text) == (None, "December 1, 2027, 6:00 PM - 8:00 PM EST")


def test_a_titled_pages_first_line_that_is_a_section_heading_is_no_title():
    # <title>Event Details</title>, with no <h1> or og:title: the page's own title follows
    page = parse_page("Event Details\nGrain Corridors" + HEADER_UNDER, titled=True)
    assert (page.title, page.date_text) == ("Grain Corridors",
                                            "December 1, 2027, 6:00 PM - 8:00 PM EST")


def test_a_titled_pages_first_line_is_its_title_whatever_it_reads():
    title = "Book Launch: " + "Strategic Stability, " * 7 + "with the Authors in Conversation."
    assert len(title) > 150
    page = parse_page(title + HEADER_UNDER, titled=True)
    assert (page.title, page.date_text, page.location) == (
        title, "December 1, 2027, 6:00 PM - 8:00 PM EST", "Washington, DC")
    assert title not in page.description


@pytest.mark.parametrize(
    ("notice", "expected"),
    [
        ("This event will be in Chinese with simultaneous English translation available.",
         {"language": "Chinese", "translation": "English", "kind": "announcement"}),
        ("This event is in Chinese with simultaneous English translation.",
         {"language": "Chinese", "translation": "English", "kind": "announcement"}),
        ("This event was in Chinese with simultaneous English translation.",
         {"language": "Chinese", "translation": "English", "kind": "recap"}),
        ("This event is off the record and will be held in Spanish.",
         {"off_the_record": True, "language": "Spanish", "translation": None}),
        ("This event will be held in Spanish and is off the record.",
         {"off_the_record": True, "language": "Spanish"}),
        ("This event will be in Japanese. This event is off-the-record.",
         {"off_the_record": True, "language": "Japanese"}),
        ("This event will be conducted in Russian with interpretation into English.",
         {"language": "Russian", "translation": "English", "off_the_record": False}),
        ("This event was off the record.", {"off_the_record": True, "kind": "recap"}),
        ("This event is not open to media.",
         {"access_notes": ("This event is not open to media.",), "off_the_record": False}),
        ("This event is off the record and not open to media.",
         {"off_the_record": True,
          "access_notes": ("This event is off the record and not open to media.",)}),
        ("Registration for this event is now closed as we have reached room capacity.",
         {"registration_closed": True, "access_notes": ()}),
        ("Registration is now closed, as the number of RSVPs has reached venue capacity.",
         {"registration_closed": True}),
        ("This event has reached capacity.", {"registration_closed": True}),
        ("Registration is required to attend.",
         {"registration_closed": False, "access_notes": ("Registration is required to attend.",)}),
        # the two notes in one sentence, the language after "and"
        ("This event will be off the record and in Chinese with simultaneous English "
         "translation.",
         {"off_the_record": True, "language": "Chinese", "translation": "English"}),
        # a language sentence whose subject is "It", after an access note
        ("This event is not open to media. It will be held in Chinese, with English "
         "interpretation provided.",
         {"language": "Chinese", "translation": "English",
          "access_notes": ("This event is not open to media.",)}),
        # the registration notice after a lead-in, or without the word "closed"
        ("Due to high demand, registration is closed.", {"registration_closed": True}),
        ("We are no longer accepting registrations for this event.",
         {"registration_closed": True}),
    ],
)
def test_access_notes(notice, expected):
    for text in (INTRO + notice, notice + "\n\n" + INTRO):  # before or after the summary
        page = parse_page(text)
        assert page.description == INTRO.strip()
        for field, value in expected.items():
            assert getattr(page, field) == value, field


@pytest.mark.parametrize("held", ["It will be held in", "It is conducted in",
                                  "The talks are delivered in"])
@pytest.mark.parametrize("language", ["Chinese", "English", "Japanese", "Spanish", "Russian",
                                      "Arabic", "Portuguese", "Italian", "French", "German",
                                      "Korean", "Mandarin"])
def test_a_sentence_saying_how_the_event_is_given_is_a_language_notice(held, language):
    # whatever its subject: "It will be held in Chinese."
    page = parse_page(INTRO + f"This event is not open to media. {held} {language}.")
    assert (page.language, page.description) == (language, INTRO.strip())


def test_notes_in_either_order_share_one_paragraph():
    page = parse_page(INTRO + "This event is in French. This event is off the record.")
    assert (page.language, page.off_the_record) == ("French", True)


def test_bios_and_summaries_that_mention_access_words_are_not_notes():
    page = parse_page(
        INTRO + "The region is not open to foreign investment.\n\n"
        "Ann Lee will moderate.\n\n"
        "Ann Lee is an expert on voter registration who often speaks off the record."
    )
    assert bios(page) == {
        "Ann Lee": "Ann Lee is an expert on voter registration who often speaks off the record."}
    assert page.description.endswith("The region is not open to foreign investment.\n\n"
                                     "Ann Lee will moderate.")
    assert page.access_notes == () and not page.off_the_record


def test_language_words_in_the_summary_are_not_notes():
    page = parse_page("Chinese officials held talks in Washington; the archive is in Chinese.")
    assert page.language is None and page.translation is None
    assert not page.off_the_record and not page.registration_closed


# --- moderators, hosts, chairs and roles ------------------------------------------------


@pytest.mark.parametrize(
    ("narration", "expected_roles", "moderator"),
    [
        ("Tong Zhao will moderate a discussion with Li Bin.",
         {"Tong Zhao": "moderator", "Li Bin": "speaker"}, "Tong Zhao"),
        # A host who leads the discussion is the moderator when no one else is named moderator.
        ("Jane Doe will host a discussion with John Roe.",
         {"Jane Doe": "moderator", "John Roe": "speaker"}, "Jane Doe"),
        ("Jane Doe will host a discussion with John Roe. The discussion will be moderated by "
         "Mary Major.",
         {"Jane Doe": "host", "John Roe": "speaker", "Mary Major": "moderator"}, "Mary Major"),
        ("The discussion was moderated by Mary Major.", {"Mary Major": "moderator"}, "Mary Major"),
        ("The discussion will be moderated by Carnegie’s Ann Lee.", {"Ann Lee": "moderator"},
         "Ann Lee"),
        ("Carnegie’s Ann Lee will moderate a conversation with Carnegie’s Bo Chen and Carnegie’s "
         "Cy Twombly.", {"Ann Lee": "moderator", "Bo Chen": "speaker", "Cy Twombly": "speaker"},
         "Ann Lee"),
        ("Ann Lee and Bo Chen will co-moderate.", {"Ann Lee": "moderator", "Bo Chen": "moderator"},
         "Ann Lee"),
        ("The event featured Ann Lee, Bo Chen, and Mary Major, moderator.",
         {"Ann Lee": "speaker", "Bo Chen": "speaker", "Mary Major": "moderator"}, "Mary Major"),
        ("Ann Lee will chair the session, and Bo Chen will moderate a discussion with Cy Twombly.",
         {"Ann Lee": "chair", "Bo Chen": "moderator", "Cy Twombly": "speaker"}, "Bo Chen"),
        ("Ann Lee will chair the session, with remarks by Bo Chen.",
         {"Ann Lee": "chair", "Bo Chen": "speaker"}, None),
        ("The event is hosted by Ann Lee; Bo Chen will speak about trade.",
         {"Ann Lee": "host", "Bo Chen": "speaker"}, None),
        ("Ann Lee, Bo Chen, and Cy Twombly will discuss the report.",
         {"Ann Lee": "discussant", "Bo Chen": "discussant", "Cy Twombly": "discussant"}, None),
        # each name with its Chinese beside it
        ("Tong Zhao (赵通) will moderate a discussion with Li Bin (李彬) and Fan Jishe (樊吉社).",
         {"Tong Zhao": "moderator", "Li Bin": "speaker", "Fan Jishe": "speaker"}, "Tong Zhao"),
        ("Ann Lee (李安), Bo Chen and Cy Twombly (Carnegie) will discuss the report.",
         {"Ann Lee": "discussant", "Bo Chen": "discussant", "Cy Twombly": "discussant"}, None),
        ("Experts will discuss the findings of a new report on trade.", {}, None),
        ("The Carnegie Endowment for International Peace will host a discussion with Ann Lee.",
         {"Ann Lee": "speaker"}, None),
        # organisations whose names read like people's host, and moderate nothing
        ("Carnegie China will host a discussion with Ann Lee and Bo Chen.",
         {"Ann Lee": "speaker", "Bo Chen": "speaker"}, None),
        # an initiative, a project or a network is no person, though it hosts
        ("On March 17, the Africa Security Initiative will host a virtual panel with Ann Lee.",
         {"Ann Lee": "speaker"}, None),
        ("The Arms Control Project will host a discussion with Ann Lee.", {"Ann Lee": "speaker"},
         None),
        ("The Young Leaders Network will host a discussion with Ann Lee.",
         {"Ann Lee": "speaker"}, None),
        ("Chatham House will host a discussion with Ann Lee. The discussion will be moderated "
         "by Mary Major.", {"Ann Lee": "speaker", "Mary Major": "moderator"}, "Mary Major"),
    ],
)
def test_roles_from_narration(narration, expected_roles, moderator):
    page = parse_page(INTRO + narration)
    assert roles(page) == expected_roles
    assert page.moderator == moderator
    assert page.description == INTRO + narration


PANEL = {"Douglas Paal": "speaker", "Yan Xuetong": "speaker", "Li Bin": "speaker"}


@pytest.mark.parametrize(
    ("narration", "expected_roles"),
    [
        # A list runs on past an affiliation ("of Tsinghua University").
        ("The panel featured Carnegie's Douglas Paal, Yan Xuetong of Tsinghua University, and "
         "Li Bin.", PANEL),
        ("The panel featured Jane Doe of the Brookings Institution and Li Bin.",
         {"Jane Doe": "speaker", "Li Bin": "speaker"}),
        # "X joined A and B in a moderated conversation": X moderates.
        ("Jane Doe joined Yan Xuetong and Li Bin in a moderated conversation.",
         {"Jane Doe": "moderator", "Yan Xuetong": "speaker", "Li Bin": "speaker"}),
        ("Carnegie’s Jane Doe joined General Mark Smith and Admiral John Roe for a moderated "
         "discussion on deterrence.",
         {"Jane Doe": "moderator", "Mark Smith": "speaker", "John Roe": "speaker"}),
        ("Jane Doe joined Yan Xuetong and Li Bin in the study of arms control.",
         {"Jane Doe": "speaker"}),  # joining is not moderating
        ("The discussion was moderated by Ambassador Jane Doe.", {"Jane Doe": "moderator"}),
        ("The discussion will be moderated by Amb. Jane Doe, with remarks by Gen. Mark Smith "
         "and Prof. Ann Lee.",
         {"Jane Doe": "moderator", "Mark Smith": "speaker", "Ann Lee": "speaker"}),
    ],
)
def test_people_named_in_prose(narration, expected_roles):
    page = parse_page(INTRO + narration)
    assert roles(page) == expected_roles
    assert page.description == INTRO + narration


@pytest.mark.parametrize(
    "roster",
    [
        "Douglas Paal, vice president for studies, Carnegie; Yan Xuetong, dean, Tsinghua "
        "University; Li Bin, professor, Tsinghua University",
        "Speakers: Ambassador Douglas Paal, vice president for studies at Carnegie; Prof. Yan "
        "Xuetong, dean of the Institute of International Relations; and Dr. Li Bin, professor "
        "at Tsinghua University.",
    ],
)
def test_name_title_lists_are_speakers(roster):
    page = parse_page(INTRO + roster)
    assert roles(page) == PANEL
    assert page.description == INTRO.strip()  # a list of people, not a summary


def test_name_title_list_with_a_moderator():
    page = parse_page(INTRO + "Jane Doe, moderator; Li Bin, Tsinghua University; Yan Xuetong, "
                      "Tsinghua University")
    assert roles(page) == {"Jane Doe": "moderator", "Li Bin": "speaker", "Yan Xuetong": "speaker"}


@pytest.mark.parametrize(
    "mention",
    [
        "Xi Jinping is expected to visit Washington in November.",
        "President Biden said the talks were constructive.",
        "President Joe Biden said he would speak with Xi Jinping about trade.",
        "The Carnegie Endowment, founded by Andrew Carnegie in 1910, turns to the question.",
        "Founded by Andrew Carnegie, the Endowment has studied arms control for a century.",
        "Xi Jinping and Joe Biden met in November; their talks set the agenda for the year.",
        "Xi Jinping, president of China, and Joe Biden met in November.",
    ],
)
def test_people_mentioned_in_the_description_are_not_participants(mention):
    # After a named moderator and a notice, so that bios could already start.
    page = parse_page(INTRO + "Ann Lee will moderate.\n\nThis event is off the record.\n\n"
                      + mention)
    assert roles(page) == {"Ann Lee": "moderator"}


@pytest.mark.parametrize("name_line", ["Mary Major, moderator", "Mary Major (Moderator)"])
def test_moderator_label_on_the_name_line(name_line):
    page = parse_page(f"{INTRO}{name_line}\n\nMary Major is a journalist.\n\n"
                      "Ann Lee\n\nAnn Lee is an economist.")
    assert roles(page) == {"Mary Major": "moderator", "Ann Lee": "speaker"}
    assert bios(page)["Mary Major"] == "Mary Major is a journalist."


def test_a_role_heading_gives_its_role_to_the_people_under_it():
    page = parse_page(
        INTRO + "Moderator\n\nJane Doe\n\nJane Doe is a journalist.\n\nDiscussants\n\n"
        "John Roe\n\nJohn Roe is a professor.\n\nSpeakers\n\nAnn Lee\n\nAnn Lee is a fellow.")
    assert roles(page) == {"Jane Doe": "moderator", "John Roe": "discussant",
                           "Ann Lee": "speaker"}
    assert page.moderator == "Jane Doe" and page.description == INTRO.strip()


@pytest.mark.parametrize(("heading", "role"), [
    ("Moderator", "moderator"), ("Host", "host"), ("Hosts", "host"), ("Chair", "chair"),
    ("Discussant", "discussant"), ("Commentators", "discussant"), ("Respondent", "discussant")])
def test_each_role_heading_gives_its_role(heading, role):
    page = parse_page(INTRO + f"{heading}\n\nJohn Roe\n\nJohn Roe is a professor.\n\n"
                      "Speakers\n\nAnn Lee\n\nAnn Lee is a fellow.")
    assert roles(page) == {"John Roe": role, "Ann Lee": "speaker"}


@pytest.mark.parametrize(("listing", "titles"), [
    ("Speakers:\nTong Zhao, Fellow, Carnegie Endowment\nLi Bin, Professor, Tsinghua University",
     {"Tong Zhao": "Fellow, Carnegie Endowment", "Li Bin": "Professor, Tsinghua University"}),
    ("Featured Speakers\n\nTong Zhao, Carnegie Endowment\nLi Bin, Tsinghua University",
     # no post named: a list of names and where they work
     {"Tong Zhao": "Carnegie Endowment", "Li Bin": "Tsinghua University"}),
])
def test_names_listed_under_a_speakers_heading_are_speakers_with_the_post_they_name(listing,
                                                                                   titles):
    page = parse_page(INTRO + listing)
    assert roles(page) == {"Tong Zhao": "speaker", "Li Bin": "speaker"}
    assert bios(page) == titles and page.skipped == ()


@pytest.mark.parametrize("lines", [
    "Speakers\n\nJane Doe\n\nJane Doe is a fellow.\n\nRead More\n\nContact Us",
    "Speakers\n\nGoldman Sachs\nCapitol Hill, where negotiators are divided, will decide.",
])
def test_under_a_speakers_heading_only_people_are_people(lines):
    """A name line without a bio is a person only with an affiliation after a comma, or
    in a list of such lines, and only until a line that is none of the heading's people."""
    page = parse_page(INTRO + lines)
    assert set(roles(page)) <= {"Jane Doe"}
    assert all(not bio or bio == "Jane Doe is a fellow." for bio in bios(page).values())


def test_a_sentence_further_down_naming_a_listed_speaker_is_not_their_bio():
    about = "This event marks the launch of Massicot's new report on the war."
    page = parse_page(INTRO + "Speakers\n\nMichael Kofman\nDara Massicot\n\n"
                      "About the Event\n\n" + about)
    assert bios(page) == {"Michael Kofman": "", "Dara Massicot": ""}
    assert page.description.endswith(about) and "Kofman" not in page.description


def test_a_name_line_over_a_title_line_under_a_heading_of_people_is_a_person():
    page = parse_page(
        INTRO + "Speakers\n\nTong Zhao\nSenior Fellow, Carnegie Endowment for International "
        "Peace\nLi Bin\nProfessor of Physics at Tsinghua University\n\nModerator\n\n"
        "Jane Doe\nDirector, China Program, Stimson Center\n\nRead More\nContact Us")
    assert roles(page) == {"Tong Zhao": "speaker", "Li Bin": "speaker", "Jane Doe": "moderator"}
    assert bios(page) == {"Tong Zhao": "Senior Fellow, Carnegie Endowment for International Peace",
                          "Li Bin": "Professor of Physics at Tsinghua University",
                          "Jane Doe": "Director, China Program, Stimson Center"}
    assert page.description == INTRO.strip() + "\n\nRead More\n\nContact Us"


def test_a_title_line_gives_way_to_a_bio_further_down():
    page = parse_page(
        INTRO + "Speakers\nTong Zhao\nFellow, Carnegie Endowment\nLi Bin\nProfessor, Tsinghua "
        "University\n\nBiographies\nTong Zhao\nTong Zhao is a fellow at Carnegie.\nLi Bin\n"
        "Li Bin is a professor at Tsinghua.")
    assert bios(page) == {"Tong Zhao": "Tong Zhao is a fellow at Carnegie.",
                          "Li Bin": "Li Bin is a professor at Tsinghua."}
    assert page.description == INTRO.strip()


@pytest.mark.parametrize("lines", [
    "Tong Zhao\nSenior Fellow, Carnegie Endowment",  # no heading of people above
    "Speakers\n\nTong Zhao\nJane Doe, Senior Fellow",  # a name opens it: the next person
    "Speakers\n\nTong Zhao\nSenior Fellow. Carnegie Endowment.",  # a sentence
    "Speakers\n\nTong Zhao\nCarnegie Endowment for International Peace",  # no job named
    "Moderator\n\nTong Zhao\nVenue: Stimson Center, 1211 Connecticut Ave NW",  # a field
])
def test_what_is_no_title_line_makes_no_person_of_a_bare_name(lines):
    assert "Tong Zhao" not in roles(parse_page(INTRO + lines))


def test_cards_whose_titles_open_with_a_named_post_or_a_rank_are_people():
    """Brookings' and CSIS's cards: "David M. Rubenstein Fellow" is a post named for
    someone, not a name line; "Commander, U.S. Indo-Pacific Command" names a job."""
    page = parse_page(INTRO + "Panelists\n\nRyan Hass\n\nSenior Fellow - Foreign Policy\n\n"
                      "Patricia M. Kim\n\nDavid M. Rubenstein Fellow - Foreign Policy\n\n"
                      "John C. Aquilino\n\nCommander, U.S. Indo-Pacific Command\n\n"
                      "Tong Zhao\n\nWashington Post columnist")
    assert bios(page) == {"Ryan Hass": "Senior Fellow - Foreign Policy",
                          "Patricia M. Kim": "David M. Rubenstein Fellow - Foreign Policy",
                          "John C. Aquilino": "Commander, U.S. Indo-Pacific Command",
                          "Tong Zhao": "Washington Post columnist"}
    assert page.location is None


@pytest.mark.parametrize("lines", [
    "Host\n\nCarnegie China\n\nSpeakers\n\nJohn Roe\n\nJohn Roe is a historian.",
    "Speakers\n\nJohn Roe\n\nJohn Roe is a historian.\n\nModerator\n\nWatch Live",
    "Speaker\n\nJohn Roe\n\nJohn Roe is a historian.\n\nRelated Events\n\nFeaturing\n\n"
    "Tong Zhao",
])
def test_a_line_alone_under_a_heading_of_one_without_a_bio_is_no_one(lines):
    """An organisation under "Host", a link under "Moderator", a related event's guest:
    a name-like line under a heading, with no bio or title below it, is nobody's card."""
    assert list(roles(parse_page("Panel Title\n\nDecember 9, 2026\n\n" + INTRO + lines))) == [
        "John Roe"]


@pytest.mark.parametrize("lines", [
    "Moderator\n\nAnn Lee and Bo Chen\n\nSpeakers\n\nLi Bin",
    "Moderators\n\nAnn Lee\n\nBo Chen\n\nSpeaker\n\nLi Bin",
    "Moderators: Ann Lee and Bo Chen\n\nSpeakers\n\nLi Bin",
])
def test_a_name_alone_under_a_heading_that_goes_on_listing_people_is_theirs(lines):
    """Under "Moderator" the page listed bare names: "Li Bin" alone under "Speakers",
    right after them, is the next person of that list."""
    page = parse_page("Panel Title\n\nDecember 9, 2026\n\n" + INTRO + lines)
    assert roles(page) == {"Ann Lee": "moderator", "Bo Chen": "moderator", "Li Bin": "speaker"}
    assert "Li Bin" not in page.description


@pytest.mark.parametrize(("lines", "titles"), [
    (["Jane Doe (Moderator)", "Richard Roe", "Ann Lee"], {}),
    (["Richard Roe", "Ann Lee", "Jane Doe (Moderator)"], {}),
    (["Jane Doe, moderator", "Richard Roe", "Ann Lee"], {}),
    (["Jane Doe (Moderator)", "Richard Roe, Professor, MIT", "Ann Lee, Fellow, RAND"],
     {"Richard Roe": "Professor, MIT", "Ann Lee": "Fellow, RAND"}),
    (["Jane Doe (Moderator), Senior Fellow, Polar Institute", "Richard Roe, Professor, MIT",
      "Ann Lee, Fellow, RAND"],
     {"Jane Doe": "Senior Fellow, Polar Institute", "Richard Roe": "Professor, MIT",
      "Ann Lee": "Fellow, RAND"}),
    (["Richard Roe, Professor, MIT", "Jane Doe, Senior Fellow, Polar Institute (Moderator)",
      "Ann Lee, Fellow, RAND"],
     {"Jane Doe": "Senior Fellow, Polar Institute", "Richard Roe": "Professor, MIT",
      "Ann Lee": "Fellow, RAND"}),
    (["Jane Doe, moderator, Senior Fellow, Polar Institute", "Richard Roe, Professor, MIT",
      "Ann Lee, Fellow, RAND"],
     {"Jane Doe": "Senior Fellow, Polar Institute", "Richard Roe": "Professor, MIT",
      "Ann Lee": "Fellow, RAND"}),
])
@pytest.mark.parametrize("bullet", ["", "• "])
def test_a_speakers_list_naming_its_moderator_among_them_keeps_everyone(lines, titles, bullet):
    """Think tanks list the panel under "Speakers" and mark the moderator in it ("Jane Doe
    (Moderator)"): everyone listed is kept, the moderator with her role and each with the
    title the line gives."""
    page = parse_page("Panel Title\n\nDecember 9, 2026\n\n" + INTRO + "Speakers\n\n"
                      + "\n\n".join(bullet + line for line in lines))
    assert roles(page) == {"Jane Doe": "moderator", "Richard Roe": "speaker",
                           "Ann Lee": "speaker"}
    assert bios(page) == {"Jane Doe": "", "Richard Roe": "", "Ann Lee": ""} | titles
    assert page.skipped == ()


def test_a_post_named_chair_after_a_listed_name_is_a_title_not_a_role():
    page = parse_page("Panel Title\n\nDecember 9, 2026\n\n" + INTRO + "Speakers\n\n"
                      "• Jane Doe, Chair of the Board, Acme Institute\n\n"
                      "• Richard Roe, Professor, MIT")
    assert roles(page) == {"Jane Doe": "speaker", "Richard Roe": "speaker"}
    assert bios(page)["Jane Doe"] == "Chair of the Board, Acme Institute"


@pytest.mark.parametrize("heading", ["Speakers", "Featuring", "Moderators"])
@pytest.mark.parametrize("bullet", ["• ", "- ", "1. "])
def test_a_bulleted_list_of_names_under_a_heading_reads_as_the_bare_list(heading, bullet):
    """"Featuring" gives its list as "Speakers" does, and "• Tong Zhao" over "• Li Bin" is
    the list "Tong Zhao" over "Li Bin" is; a name alone under a bare heading is no one's,
    bulleted or not."""
    lines = ["Tong Zhao", "Li Bin\n• Ann Lee, Senior Fellow, Carnegie Endowment"]
    bare = parse_page("Panel Title\n\nDecember 9, 2026\n\n" + INTRO + heading + "\n\n"
                      + "\n".join(lines))
    numbered = [f"{bullet.replace('1', str(n))}{line}" for n, line in enumerate(lines, 1)]
    page = parse_page("Panel Title\n\nDecember 9, 2026\n\n" + INTRO + heading + "\n\n"
                      + "\n".join(numbered))
    role = "moderator" if heading == "Moderators" else "speaker"
    assert roles(page) == roles(bare) == {"Tong Zhao": role, "Li Bin": role, "Ann Lee": role}
    assert bios(page) == bios(bare) == {"Tong Zhao": "", "Li Bin": "",
                                        "Ann Lee": "Senior Fellow, Carnegie Endowment"}
    alone = parse_page("Panel Title\n\nDecember 9, 2026\n\n" + INTRO + heading + "\n\n"
                       + bullet + "Tong Zhao")
    assert "Tong Zhao" not in roles(alone)


@pytest.mark.parametrize("lines", [
    "Speaker\n\nJohn Roe\n\nJohn Roe is a historian.\n\nFeaturing\n\nTong Zhao",
    "Speaker\n\nJohn Roe\n\nProfessor, Example University\n\nFeaturing\n\nTong Zhao",
    "Speakers\n\nJohn Roe and Ann Lee\n\nRelated Events\n\nFeaturing\n\nTong Zhao",
])
def test_a_name_alone_under_a_heading_after_cards_or_another_section_is_no_one(lines):
    """After cards with a bio or a title each, or after a section between, a bare name
    under a heading is a link (a related event's guest), not this event's person."""
    page = parse_page("Panel Title\n\nDecember 9, 2026\n\n" + INTRO + lines)
    assert "Tong Zhao" not in roles(page) and "John Roe" in roles(page)


@pytest.mark.parametrize("lines", [
    "Speakers\n\nJohn C. Aquilino\n\nCommander, U.S. Indo-Pacific Command",
    "Moderator\n\nJane Doe\n\nSpeakers\n\nJohn Roe\n\nMary Major",
    "主讲人\n\n李彬", "嘉宾简介\n\n李彬\n\n清华大学国际关系学系教授。",
])
def test_a_line_under_a_heading_of_people_is_no_venue(lines):
    """The title, date and place open a page: under "Speakers" a name is not its venue."""
    page = parse_page("Panel Title\n\nDecember 9, 2026\n\n" + lines)
    assert page.location is None and page.date_text == "December 9, 2026"



@pytest.mark.parametrize("below", [
    "Speakers\n\nTong Zhao\n\nTong Zhao is a fellow at the Carnegie Endowment.",
    "Tong Zhao will moderate a discussion with Li Bin.",
    "Moderator: Tong Zhao",
])
def test_a_name_under_the_date_that_the_page_gives_a_person_is_no_venue(below):
    """"Tong Zhao" alone under the date may read as a place ("Hong Kong" does), until the
    page names him as one of its people: then the line was his, and the page has no venue."""
    page = parse_page("Panel Title\n\nDecember 9, 2026\nTong Zhao\n\n" + INTRO + below)
    assert page.location is None and page.date_text == "December 9, 2026"
    assert "Tong Zhao" in roles(page)


@pytest.mark.parametrize("lines", [
    "Hong Kong", "Location: Tong Zhao",  # a name no person of the page has; a labelled venue
])
def test_a_name_like_place_under_the_date_stays_the_venue(lines):
    page = parse_page("Panel Title\n\nDecember 9, 2026\n" + lines + "\n\n" + INTRO
                      + "Speakers\n\nLi Bin\n\nLi Bin is a professor at Tsinghua University.")
    assert page.location == lines.removeprefix("Location: ")


@pytest.mark.parametrize("lines", [
    "Read More\nSenior Fellow, Carnegie Endowment",
    "Learn More\nAbout the Nuclear Policy Program",
    "Media Inquiries\nCommunications Department, Carnegie Endowment",
    "Press Contact\nSenior Manager, Media Relations",
    "Upcoming Events\nAsia Program Roundtable on Korean Security",
    "Partner Organizations\nInstitute for Strategic Studies, Tsinghua University",
    "Rockefeller Brothers Fund\nProgram Officer, Peace and Security",
    "Opening Remarks\nPresident, Carnegie Endowment for International Peace",
    "Keynote Address\nFormer Secretary of Defense",
    "Carnegie China\nCarnegie–Tsinghua Center for Global Policy",
    "Advisory Board\nChair, Carnegie Endowment for International Peace",
    "Get Involved\nDirector of Development, Carnegie Endowment",
    "Featured Experts\nSenior Fellow, Asia Program",
    "Watch Live\nDirector, Carnegie Video",
])
def test_headings_links_and_organisations_over_a_line_are_no_speakers(lines):
    page = parse_page(INTRO + "Speakers\n\nLi Bin\nProfessor, Tsinghua University\n" + lines)
    assert list(roles(page)) == ["Li Bin"]


def test_a_singular_role_heading_gives_its_role_to_one_person_a_plural_to_a_list():
    page = parse_page(
        INTRO + "Moderator\n\nRym Momtaz\n\nRym Momtaz is an editor.\n\nKeynote\n\n"
        "Kaja Kallas\n\nKaja Kallas is a minister.\n\nSophia Besch\n\nSophia Besch is a "
        "fellow.\n\nDiscussants\n\nAnn Lee\n\nAnn Lee is a scholar.\n\nBo Chen\n\n"
        "Bo Chen is a scholar.")
    assert roles(page) == {"Rym Momtaz": "moderator", "Kaja Kallas": "speaker",
                           "Sophia Besch": "speaker", "Ann Lee": "discussant",
                           "Bo Chen": "discussant"}


def test_a_role_line_between_a_cards_name_and_bio_is_that_persons():
    page = parse_page(INTRO + "Eswar Prasad\nModerator\nEswar Prasad is an economist.\n"
                      "David Wessel\nDavid Wessel is a fellow.")
    assert roles(page) == {"Eswar Prasad": "moderator", "David Wessel": "speaker"}


@pytest.mark.parametrize("lines", [
    "Eswar Prasad\nModerator\nDavid Wessel\nDavid Wessel is a fellow.",  # a card's label?
    "Speakers\nLi Bin\nDavid Wessel\nModerator\nTong Zhao",  # or the list's next heading?
])
def test_a_role_heading_under_a_lone_name_gives_nobody_its_role(lines):
    assert "moderator" not in roles(parse_page(INTRO + lines)).values()


def test_a_list_under_speakers_leaves_the_prose_after_it_to_the_description():
    page = parse_page(INTRO + "Speakers\nLi Bin, Tsinghua University\nFan Jishe, CASS\n\n"
                      "The discussion will be moderated by Tong Zhao.")
    assert roles(page) == {"Li Bin": "speaker", "Fan Jishe": "speaker", "Tong Zhao": "moderator"}
    assert page.description.endswith("The discussion will be moderated by Tong Zhao.")


LABELLED_PEOPLE = (
    "Moderator: Tong Zhao\nSenior Fellow, Carnegie Endowment for International Peace\n\n"
    "Speaker: Li Bin\nProfessor, Tsinghua University\n"
    "Li Bin is a professor of international relations at Tsinghua University.")


@pytest.mark.parametrize("opening", [
    INTRO,  # an announcement
    "Experts examined how missile defense shapes deterrence in the region.\n\n",  # a recap
    "Missile Defense\n\nTong Zhao moderated a discussion with Li Bin on missile defense.\n\n"
    "Discussion Highlights\n\nU.S.-China Security Relations\n"
    "The strategy identified China as a rival power.\n\n",  # a recap's highlights above
])
def test_a_role_labelled_name_line_reads_as_the_name_under_that_role_heading(opening):
    """"Moderator: Tong Zhao" over a title line is "Moderator" over "Tong Zhao": the title
    line is the person's, and none of it describes the event."""
    page = parse_page(opening + LABELLED_PEOPLE)
    headed = LABELLED_PEOPLE.replace("Moderator: ", "Moderator\n").replace("Speaker: ",
                                                                          "Speaker\n")
    assert page == parse_page(opening + headed)
    assert roles(page) == {"Tong Zhao": "moderator", "Li Bin": "speaker"}
    assert bios(page) == {
        "Tong Zhao": "Senior Fellow, Carnegie Endowment for International Peace",
        "Li Bin": "Li Bin is a professor of international relations at Tsinghua University."}
    assert not any(word in page.description for word in ("Moderator", "Speaker", "Fellow"))
    assert page.skipped == ()


@pytest.mark.parametrize(("line", "people"), [
    ("Speakers: Li Bin and Tong Zhao", {"Li Bin": "speaker", "Tong Zhao": "speaker"}),
    ("Discussants: Ann Lee, Bo Chen, and Mary Major",
     {"Ann Lee": "discussant", "Bo Chen": "discussant", "Mary Major": "discussant"}),
    ("Moderators: Ann Lee & Bo Chen", {"Ann Lee": "moderator", "Bo Chen": "moderator"}),
    ("Moderator: Tong Zhao, Senior Fellow, Carnegie Endowment", {"Tong Zhao": "moderator"}),
])
def test_a_role_label_over_several_names_gives_each_the_role(line, people):
    page = parse_page(INTRO + line + "\n\nSpeaker: Fan Jishe\n\nFan Jishe is a scholar.")
    assert roles(page) == people | {"Fan Jishe": "speaker"}
    assert page.description == INTRO.strip() and page.skipped == ()
    assert bios(page)["Fan Jishe"] == "Fan Jishe is a scholar."



@pytest.mark.parametrize(("line", "people"), [
    # a title after each name: the next name is the next person, not the title's
    ("Speakers: Jane Doe, Senior Fellow, John Smith, Professor",
     [("Jane Doe", "speaker", "Senior Fellow"), ("John Smith", "speaker", "Professor")]),
    ("Speakers: Jane Doe, Senior Fellow, Carnegie Endowment, John Smith, Professor, "
     "Tsinghua University",
     [("Jane Doe", "speaker", "Senior Fellow, Carnegie Endowment"),
      ("John Smith", "speaker", "Professor, Tsinghua University")]),
    ("Discussants: Jane Doe, Senior Fellow, and John Smith, Professor",
     [("Jane Doe", "discussant", "Senior Fellow"), ("John Smith", "discussant", "Professor")]),
    # a title in brackets, commas and all
    ("Panelists: Jane Doe (Senior Fellow, Carnegie), John Smith (Professor, Tsinghua)",
     [("Jane Doe", "speaker", "Senior Fellow, Carnegie"),
      ("John Smith", "speaker", "Professor, Tsinghua")]),
    # an institution that reads as a name is part of the title before it
    ("Speakers: Jane Doe, Professor, Johns Hopkins University, John Smith, Fellow",
     [("Jane Doe", "speaker", "Professor, Johns Hopkins University"),
      ("John Smith", "speaker", "Fellow")]),
    # a remark is nobody's title, and the list goes on
    ("Speakers: Jane Doe, online, John Smith",
     [("Jane Doe", "speaker", ""), ("John Smith", "speaker", "")]),
    # a roster, "Name, title; Name, title": each their own
    ("Speakers: Jane Doe, Senior Fellow, Carnegie; John Smith, Professor, Tsinghua",
     [("Jane Doe", "speaker", "Senior Fellow, Carnegie"),
      ("John Smith", "speaker", "Professor, Tsinghua")]),
    # an affiliation alone is where they work: all the line says of them
    ("Speakers: Jane Doe, Carnegie Endowment; John Smith, Tsinghua University",
     [("Jane Doe", "speaker", "Carnegie Endowment"),
      ("John Smith", "speaker", "Tsinghua University")]),
    # one person, however many commas their title has
    ("Moderator: Ann Lee, Director, Carnegie China",
     [("Ann Lee", "moderator", "Director, Carnegie China")]),
    ("Speakers: Jane Doe and John Smith",
     [("Jane Doe", "speaker", ""), ("John Smith", "speaker", "")]),
    # a chair or a fellowship named for its patron is a post, no person
    ("Moderator: Evan Medeiros, Penner Family Chair in Asia Studies, Georgetown University",
     [("Evan Medeiros", "moderator", "Penner Family Chair in Asia Studies, Georgetown "
       "University")]),
    ("Speakers: Jon Alterman, Zbigniew Brzezinski Chair in Global Security, CSIS; "
     "Jane Doe, Senior Fellow",
     [("Jon Alterman", "speaker", "Zbigniew Brzezinski Chair in Global Security, CSIS"),
      ("Jane Doe", "speaker", "Senior Fellow")]),
    ("Panelists: Paul Haenle, Maurice R. Greenberg Chair for China Studies, Jane Doe, "
     "David M. Rubenstein Fellow",
     [("Paul Haenle", "speaker", "Maurice R. Greenberg Chair for China Studies"),
      ("Jane Doe", "speaker", "David M. Rubenstein Fellow")]),
])
def test_each_person_of_an_english_role_line_keeps_their_own_title(line, people):
    """"Speakers: Jane Doe, Senior Fellow, John Smith, Professor": each name followed by
    its title, read as a Chinese role's line is; nobody's name inside another's title."""
    page = parse_page(INTRO + line)
    assert [(p.name, p.role, p.bio) for p in page.people] == people
    assert page.description == INTRO.strip() and page.skipped == ()

HEADED_PAGE = ("Missile Defense and Strategic Stability\n"
               "December 15, 2026, 6:00 PM - 8:00 PM EST\nWashington, DC\n\n"
               + INTRO)


@pytest.mark.parametrize(("heading", "role"), [("Speakers", "speaker"),
                                               ("Discussants", "discussant")])
def test_bare_name_lines_under_a_role_heading_are_its_people(heading, role):
    """"Speakers" over "Li Bin" and "Tong Zhao", each on its own line with nothing of
    theirs under it: the heading's people, as under "Speakers: Li Bin and Tong Zhao"."""
    page = parse_page(HEADED_PAGE + f"{heading}\nLi Bin\nTong Zhao")
    assert roles(page) == {"Li Bin": role, "Tong Zhao": role}
    assert page.description == parse_page(HEADED_PAGE).description
    assert page.skipped == ()


@pytest.mark.parametrize(("heading", "line", "people"), [
    ("Discussants", "Ann Lee, Bo Chen, and Mary Major",
     {"Ann Lee": "discussant", "Bo Chen": "discussant", "Mary Major": "discussant"}),
    ("Speakers", "Li Bin and Tong Zhao", {"Li Bin": "speaker", "Tong Zhao": "speaker"}),
    ("Moderators", "Ann Lee & Bo Chen", {"Ann Lee": "moderator", "Bo Chen": "moderator"}),
])
def test_a_line_of_several_names_under_a_role_heading_gives_each_the_role(heading, line, people):
    """The line under the bare heading reads as it does after the heading's label."""
    page = parse_page(HEADED_PAGE + f"{heading}\n{line}")
    assert roles(page) == people
    assert page == parse_page(HEADED_PAGE + f"{heading}: {line}")
    assert page.description == parse_page(HEADED_PAGE).description


@pytest.mark.parametrize(("heading", "line"), [
    ("Hosts", "Carnegie China"),  # an organisation is no one
    ("Speakers", "The panel will take questions from the audience."),  # prose, not names
    ("Speakers", "Li Bin and Tong Zhao will take questions."),
    ("Discussants", "Li Bin will respond, and Tong Zhao will close the session."),
])
def test_what_is_no_list_of_names_under_a_role_heading_is_no_ones(heading, line):
    """The line stays where it is without the heading, and names whom its prose names."""
    page = parse_page(HEADED_PAGE + f"{heading}\n{line}")
    assert page == parse_page(HEADED_PAGE + line)
    assert page.description.endswith(line) and "Carnegie China" not in roles(page)


@pytest.mark.parametrize("line", [
    "Moderator: What about the treaty?",
    "Speaker: the event will be held in Room 5.",
    "Moderator: Li Bin, what do you think of the treaty?",
    "Moderator: Li Bin, Professor at Tsinghua, what is your view?",
    "Moderator: Tong Zhao, thank you for joining us.",
])
def test_a_transcripts_or_a_sentences_role_label_names_no_one(line):
    """A label over a question or a sentence is what someone said, not who speaks."""
    page = parse_page(INTRO + line)
    assert page.description == INTRO + line


@pytest.mark.parametrize("above", ["", "Speakers\n\n"])
def test_what_a_named_person_will_do_is_the_events_narration_not_their_bio(above):
    """"Tong Zhao" over "Tong Zhao will moderate a discussion with Li Bin." is not a card
    and its bio: the sentence tells of the event, and gives both their roles."""
    sentence = "Tong Zhao will moderate a discussion with Li Bin on missile defense."
    page = parse_page(f"Nuclear Risk\n\n{above}Tong Zhao\n\n{sentence}")
    assert roles(page) == {"Tong Zhao": "moderator", "Li Bin": "speaker"}
    assert bios(page) == {"Tong Zhao": "", "Li Bin": ""}
    # the name line heads what is said of them: no stray line of the description
    assert page.description == sentence and page.skipped == ()


def test_a_page_titled_with_a_name_over_what_that_person_will_do_keeps_its_title():
    """A talk may be named for its speaker: the first line is the title still."""
    page = parse_page("Ann Lee\n\nAnn Lee will speak on trade.\n\nDecember 1, 2026")
    assert (page.title, page.date_text) == ("Ann Lee", "December 1, 2026")
    assert page.description == "Ann Lee will speak on trade."


@pytest.mark.parametrize("above", ["", "Speakers\n\n"])
@pytest.mark.parametrize("bio", [
    "He is a professor at Tsinghua University.",
    "Bo Chen is a professor at Tsinghua University.",
    "Chen has taught at Tsinghua University since 2010.",
])
def test_a_name_labels_one_sentence_about_them_is_their_bio_not_a_transcripts_turn(above,
                                                                                      bio):
    """"Bo Chen: He is a professor…" in a programme's run of labels ("Ann Lee" on its
    line, "Moderator: Tong Zhao") tells who Bo Chen is: no transcript, and every person
    of the run is read, Bo Chen with that bio."""
    page = parse_page(f"{INTRO}{above}Ann Lee\n\nModerator: Tong Zhao\n\nBo Chen: {bio}")
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        ("Ann Lee", "speaker", ""), ("Tong Zhao", "moderator", ""), ("Bo Chen", "speaker", bio)]
    assert page.description == INTRO.strip() and page.skipped == ()


@pytest.mark.parametrize("said", [
    "He is a professor, I think?", "I am a professor at Tsinghua University.",
    "You are a professor at Tsinghua University.", "He is a professor at Tsinghua!",
])
def test_a_name_labels_sentence_spoken_or_asked_is_still_a_transcripts_turn(said):
    """Only one third-person sentence is a bio: "Bo Chen: I am…" is Bo Chen speaking."""
    transcript = f"Moderator: Welcome all\n\nBo Chen: {said}"
    page = parse_page(INTRO + transcript)
    assert page.people == () and page.description == INTRO + transcript


EN_RECAP = "Event Recap: Nuclear Risk\n\nTong Zhao moderated the panel.\n\n"
ZH_RECAP = "中美核风险研讨会纪要\n\n会议由赵通主持。\n\n"


@pytest.mark.parametrize(("recap", "transcript", "moderator"), [
    # the moderator's turns come back after another's: a dialogue
    (EN_RECAP, "Moderator: Thank you\nLi Bin: Thanks\nModerator: Welcome All", "Tong Zhao"),
    (EN_RECAP, "Moderator: Welcome All\nModerator: Good Evening Everyone\nLi Bin: Thanks\n"
     "Moderator: Thank You", "Tong Zhao"),
    # a person named as the speaker says a sentence
    (EN_RECAP, "Moderator: Good Evening Everyone\nLi Bin: Thank you for having me.",
     "Tong Zhao"),
    (ZH_RECAP, "主持人：欢迎大家\n李彬：谢谢主持人。", "赵通"),
])
def test_a_transcripts_turn_with_a_name_like_greeting_names_no_one(recap, transcript,
                                                                   moderator):
    """"Moderator: Welcome All" in a recap's transcript is the moderator speaking: no
    person "Welcome All", and the moderator the recap names stays the moderator."""
    page = parse_page(recap + transcript)
    assert roles(page) == {moderator: "moderator"}
    assert page.description.endswith(transcript.replace("\n", "\n\n"))


@pytest.mark.parametrize("labels", [
    # a role comes back, but over names: two sessions' moderators, not turns
    "Moderator: Tong Zhao\nSpeaker: Li Bin\nSpeaker: Jane Doe\nModerator: Ann Lee",
    # named, but over titles, not sentences
    "Moderator: Tong Zhao\nLi Bin: Professor, Tsinghua University.\nJane Doe: Fellow, Carnegie.",
])
def test_a_run_of_role_labels_is_no_transcript(labels):
    page = parse_page("Nuclear Risk\n\nA discussion of nuclear risk.\n\n" + labels)
    assert roles(page)["Tong Zhao"] == "moderator"
    assert "Moderator: Tong Zhao" not in page.description


@pytest.mark.parametrize(("labels", "people"), [
    # two sessions' programme, each person with their title after the name
    ("Moderator: Ann Lee, Senior Fellow, Carnegie Endowment\n"
     "Speaker: Bo Chen, Professor, Tsinghua University\n"
     "Moderator: Tong Zhao, Fellow, Carnegie China\n"
     "Speaker: Li Bin (Tsinghua University)",
     {"Ann Lee": "moderator", "Bo Chen": "speaker", "Tong Zhao": "moderator",
      "Li Bin": "speaker"}),
    ("主持人：赵通，卡内基高级研究员。\n主讲人：李彬，清华大学教授。\n"
     "主持人：樊吉社，中国社会科学院研究员。",
     {"赵通": "moderator", "李彬": "speaker", "樊吉社": "moderator"}),
])
def test_a_programme_whose_labels_come_back_over_names_and_titles_is_no_transcript(
        labels, people):
    """A role's label that comes back over a name and its title is a second session's,
    not a transcript's turn: every person is read, none lost."""
    page = parse_page("Nuclear Risk\n\nA discussion of nuclear risk.\n\n" + labels)
    assert roles(page) == people


def test_a_moderator_whose_surname_ends_an_organisations_name_is_a_person():
    page = parse_page(INTRO + "Karen Elliott House will moderate a discussion with Bo Chen.")
    assert roles(page) == {"Karen Elliott House": "moderator", "Bo Chen": "speaker"}


def test_a_speakers_heading_leaves_the_role_the_prose_gave():
    page = parse_page(INTRO + "Tong Zhao will moderate a discussion with Li Bin.\n\nSpeakers\n\n"
                      "Tong Zhao\n\nTong Zhao is a fellow.\n\nLi Bin\n\nLi Bin is a professor.")
    assert roles(page) == {"Tong Zhao": "moderator", "Li Bin": "speaker"}


def test_people_only_in_the_bios_are_speakers():
    page = parse_page(INTRO + "Ann Lee\n\nAnn Lee is an economist.")
    assert page.people == (Person("Ann Lee", "speaker", "Ann Lee is an economist."),)
    assert page.moderator is None


def test_recap_vs_announcement():
    assert parse_page(INTRO + "The discussion will be moderated by Ann Lee.").kind == "announcement"
    assert parse_page(INTRO + "They explored the future of trade.").kind == "recap"
    assert parse_page(INTRO + "Ann Lee discussed the findings.").kind == "recap"
    assert parse_page(INTRO).kind == "announcement"
    assert parse_page(INTRO + "• Trade: Tariffs rose.").kind == "recap"


# --- bios ---------------------------------------------------------------------------------


def test_title_line_between_name_and_bio():
    page = parse_page(INTRO + "Jane Doe\nSenior Fellow, Carnegie Endowment for International "
                      "Peace\nJane Doe is a senior fellow in the Asia Program.")
    assert bios(page) == {"Jane Doe": "Jane Doe is a senior fellow in the Asia Program."}
    assert page.skipped == ()


def test_bios_without_name_lines():
    page = parse_page(
        INTRO + "Tong Zhao will moderate a discussion with Li Bin.\n\n"
        "This event is off the record.\n\n"
        "Tong Zhao is a fellow at Carnegie.\n\n"
        "Li Bin, a senior fellow, works on nuclear policy.\n\n"
        "Fan Jishe is a researcher at CASS."
    )
    assert bios(page) == {
        "Tong Zhao": "Tong Zhao is a fellow at Carnegie.",
        "Li Bin": "Li Bin, a senior fellow, works on nuclear policy.",
        "Fan Jishe": "Fan Jishe is a researcher at CASS.",
    }
    assert roles(page)["Fan Jishe"] == "speaker"
    assert page.description == INTRO + "Tong Zhao will moderate a discussion with Li Bin."


def test_bios_that_start_with_the_surname_only():
    page = parse_page(
        INTRO + "Tong Zhao will moderate, while Zhang Hongyu will discuss the findings.\n\n"
        "Zhang is an assistant professor at UNC Wilmington.\n\n"
        "Tong Zhao\n\nZhao is a fellow at Carnegie."
    )
    assert bios(page) == {
        "Tong Zhao": "Zhao is a fellow at Carnegie.",
        "Zhang Hongyu": "Zhang is an assistant professor at UNC Wilmington.",
    }
    assert roles(page) == {"Tong Zhao": "moderator", "Zhang Hongyu": "discussant"}


def test_a_bio_under_its_name_line_may_open_otherwise():
    page = parse_page(
        INTRO + "Tong Zhao will moderate a discussion with Jane Doe and Bo Chen.\n\n"
        "Jane Doe\n\nA senior fellow at Acme, Doe focuses on Asia.\n\n"
        "Tong Zhao\n\nPrior to joining Carnegie, Tong Zhao was a fellow at Harvard.\n\n"
        "Bo Chen\n\nHe is a professor at Yale and writes on trade.")
    assert bios(page) == {
        "Tong Zhao": "Prior to joining Carnegie, Tong Zhao was a fellow at Harvard.",
        "Jane Doe": "A senior fellow at Acme, Doe focuses on Asia.",
        "Bo Chen": "He is a professor at Yale and writes on trade."}
    assert page.skipped == ()


@pytest.mark.parametrize("contact", ["Jane Roe is the press contact for this event.",
                                     "Jane Roe is the event coordinator.",
                                     "Jane Roe serves as our media point of contact."])
def test_the_events_contact_is_not_one_of_its_people(contact):
    page = parse_page(INTRO + "Tong Zhao will moderate a discussion with Li Bin.\n\n" + contact)
    assert roles(page) == {"Tong Zhao": "moderator", "Li Bin": "speaker"}


@pytest.mark.parametrize("sentence", [
    "The discussion will be followed by a reception.",
    "A new book by Doe's colleague Ann Lee will be discussed after the panel.",
    "The event will open with remarks by Ambassador Doe on the alliance.",
    "She was unable to attend; the panel went ahead without her.",
])
def test_a_sentence_under_a_name_line_that_is_not_about_them_is_no_bio(sentence):
    page = parse_page(INTRO + "Tong Zhao will moderate a discussion with Jane Doe.\n\n"
                      "Jane Doe\n\n" + sentence)
    assert bios(page) == {"Tong Zhao": "", "Jane Doe": ""}


def test_second_speakers_section_is_deduplicated_keeping_the_first_bio():
    page = parse_page(
        ANNOUNCEMENT + "\n\nSpeakers\n\nTong Zhao\n\nTong Zhao is a nuclear policy expert.\n\n"
        "He writes widely.\n\nLi Bin\n\nLi Bin is a professor at Tsinghua University."
    )
    assert page.people == parse_page(ANNOUNCEMENT).people
    assert page.skipped == ()


def test_bio_continuation_paragraph():
    page = parse_page(INTRO + "Ann Lee\n\nAnn Lee is an economist.\n\nShe previously led the IMF.")
    assert bios(page)["Ann Lee"] == "Ann Lee is an economist.\n\nShe previously led the IMF."


def test_typography_accents_initials_and_honorifics():
    page = parse_page(
        "Experts will discuss the world economy’s “new normal” – and what comes next.\n\n"
        "Amb. Jane Doe will moderate a discussion with Dr. S. L. Narasimhan and "
        "H.E. José Ángel Gurría, while Maria de la Cruz and Ambassador Li\u00a0Bin will discuss "
        "the findings.\n\n"
        "Ambassador Jane Doe\n\nAmbassador Doe is a former diplomat.\n\n"
        "Lt. Gen. S. L. Narasimhan\n\nNarasimhan is a retired Indian Army officer.\n\n"
        "H.E. José Ángel Gurría\n\nJosé Ángel Gurría was secretary-general of the OECD.\n\n"
        "Maria de la Cruz\n\nMaria de la Cruz is a professor at UNAM.\n\n"
        "Li\u00a0Bin\n\nLi Bin is a professor at Tsinghua University."
    )
    assert roles(page) == {
        "Jane Doe": "moderator",
        "S. L. Narasimhan": "speaker",
        "José Ángel Gurría": "speaker",
        "Maria de la Cruz": "discussant",
        "Li Bin": "discussant",
    }
    assert bios(page)["José Ángel Gurría"] == "José Ángel Gurría was secretary-general of the OECD."
    assert bios(page)["Jane Doe"] == "Ambassador Doe is a former diplomat."
    assert "world economy’s “new normal” – and" in page.description
    assert page.skipped == ()


def test_curly_and_straight_apostrophes_name_the_same_person():
    page = parse_page(INTRO + "Sean O’Neill will moderate.\n\nSean O'Neill\n\n"
                      "Sean O'Neill is a journalist.")
    assert [(p.name, p.role) for p in page.people] == [("Sean O’Neill", "moderator")]
    assert page.people[0].bio == "Sean O'Neill is a journalist."


@pytest.mark.parametrize(("narrated", "card"), [("William Perry", "William J. Perry"),
                                                ("William J. Perry", "William Perry"),
                                                ("William Perry", "William J. R. Perry")])
def test_a_name_with_and_without_its_middle_initial_is_one_person(narrated, card):
    page = parse_page(INTRO + f"The discussion will be moderated by {narrated}.\n\n"
                      f"{card}\n\n{card} is a former secretary of defense.")
    fuller = max(narrated, card, key=len)
    assert [(p.name, p.role) for p in page.people] == [(fuller, "moderator")]
    assert page.people[0].bio == f"{card} is a former secretary of defense."


def test_a_name_without_initials_stays_apart_when_two_people_share_it():
    page = parse_page(INTRO + "The discussion will be moderated by John Smith.\n\n"
                      "John A. Smith\n\nJohn A. Smith is a historian.\n\n"
                      "John B. Smith\n\nJohn B. Smith is an economist.\n\n"
                      "Mary Ann Lee\n\nMary Ann Lee is a diplomat.\n\n"
                      "Mary Lee\n\nMary Lee is a journalist.")
    assert [p.name for p in page.people] == [
        "John Smith", "John A. Smith", "John B. Smith", "Mary Ann Lee", "Mary Lee"]


def test_two_cards_whose_names_differ_by_an_initial_are_two_people():
    page = parse_page(INTRO + "Moderator\n\nMary Smith\n\nMary Smith is a journalist.\n\n"
                      "Speakers\n\nMary K. Smith\n\nMary K. Smith is a historian.\n\n"
                      "George Bush\nProfessor of History, Yale University\n"
                      "George H. Bush\nFormer President of the United States")
    assert bios(page) == {"Mary Smith": "Mary Smith is a journalist.",
                          "Mary K. Smith": "Mary K. Smith is a historian.",
                          "George Bush": "Professor of History, Yale University",
                          "George H. Bush": "Former President of the United States"}


# --- takeaways ----------------------------------------------------------------------------


def test_takeaway_bullet_styles():
    page = parse_page(
        "The panelists discussed trade.\n\nDiscussion Highlights\n"
        "• Tariffs:  Duties rose sharply.\n- Supply Chains: Firms diversified.\n\n"
        "* Outlook: Uncertain, the panelists said.\n\n\n  • Next Steps: More talks.\n"
    )
    assert page.takeaways == (
        Takeaway("Tariffs", "Duties rose sharply."),
        Takeaway("Supply Chains", "Firms diversified."),
        Takeaway("Outlook", "Uncertain, the panelists said."),
        Takeaway("Next Steps", "More talks."),
    )
    assert page.kind == "recap" and page.skipped == ()
    assert page.description == "The panelists discussed trade."


def test_takeaways_headed_by_years_or_figures_are_takeaways():
    page = parse_page("The panel discussed climate targets.\n\nKey Takeaways\n"
                      "• 2030: Emissions must fall by half.\n• 2%: The NATO target holds.")
    assert [t.heading for t in page.takeaways] == ["2030", "2%"] and page.kind == "recap"


def test_an_agenda_of_times_is_no_takeaways_and_keeps_the_page_an_announcement():
    agenda = "• 9:00 AM: Registration and coffee\n• 9:30 AM: Opening remarks"
    page = parse_page(INTRO + agenda + "\n\nAnn Lee will moderate a discussion with Bo Chen.")
    assert page.takeaways == () and page.kind == "announcement"
    assert roles(page) == {"Ann Lee": "moderator", "Bo Chen": "speaker"}
    assert agenda.splitlines()[0] in page.description and page.skipped == ()


def test_a_page_keeps_its_first_200_people_and_100_takeaways_and_says_so():
    names = [f"Ann Lee{chr(ord('a') + i % 26)}{chr(ord('a') + i // 26)}, Fellow"
             for i in range(260)]
    points = [f"• Point {n}: Said {n}." for n in range(130)]
    page = parse_page(INTRO + "Speakers\n\n" + "\n".join(names) + "\n\nHighlights\n"
                      + "\n".join(points))
    assert [p.name + ", Fellow" for p in page.people] == names[:200]
    assert [t.heading for t in page.takeaways] == [f"Point {n}" for n in range(100)]
    assert list(map(str, page.skipped)) == [
        "people after the first 200 were not kept (60 more)",
        "takeaways after the first 100 were not kept (30 more)"]


HEADED_HIGHLIGHTS = (
    "Missile Defense and U.S.-China Relations\n\n"
    "Tong Zhao {verb} a discussion with Li Bin on missile defense.\n\n"
    "Discussion Highlights\n\n"
    "U.S.-China Security Relations\nThe strategy identified China as a rival power.\n\n"
    "U.S. Policy Ambiguities\n\nThe panelists argued that the intentions are ambiguous.\n"
    "Another panelist agreed, \"for now.\"\n\n"
    "Speakers\n\nLi Bin is a professor at Tsinghua University.")


def test_a_recaps_headings_under_its_highlights_head_paragraphs_as_takeaways():
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated"))
    assert page.kind == "recap" and page.skipped == ()
    assert page.takeaways == (
        Takeaway("U.S.-China Security Relations",
                 "The strategy identified China as a rival power."),
        Takeaway("U.S. Policy Ambiguities", "The panelists argued that the intentions are "
                 "ambiguous.\n\nAnother panelist agreed, \"for now.\""))
    assert page.description == "Tong Zhao moderated a discussion with Li Bin on missile defense."
    assert bios(page) == {"Tong Zhao": "", "Li Bin": "Li Bin is a professor at Tsinghua "
                                                     "University."}


def test_a_sites_sections_after_a_recaps_highlights_are_no_takeaways():
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "Speakers\n\n", "Watch the Event\n\nThe full video of the discussion is on YouTube.\n\n"
        "About the Carnegie Endowment\n\nThe Carnegie Endowment is a global network of "
        "policy research centers.\n\nSpeakers\n\n"))
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations",
                                                   "U.S. Policy Ambiguities"]


@pytest.mark.parametrize("section", [
    "About the Carnegie Endowment", "Listen to the Podcast", "Read the Full Report",
    "Register for Future Events", "Subscribe to Our Newsletter", "Download the Transcript",
    "Contact Us", "Follow Us", "Sign Up for Updates", "Media Inquiries", "Press Contacts",
    "Media Contact"])
def test_a_site_section_of_any_kind_ends_a_recaps_highlights(section):
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "Speakers\n\n", f"{section}\n\nThe Carnegie Endowment is a global network of policy "
        "research centers.\n\nSpeakers\n\n"))
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations",
                                                   "U.S. Policy Ambiguities"]


@pytest.mark.parametrize("heading", ["Key Takeaways", "Main Takeaways:", "Event Highlights",
                                     "Panel Highlights", "Highlights", "Key takeaways"])
def test_a_recaps_headings_under_any_heading_of_takeaways_head_paragraphs(heading):
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "Discussion Highlights", heading))
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations",
                                                   "U.S. Policy Ambiguities"]


@pytest.mark.parametrize("lead", ["The panelists agreed on one point:",
                                  "Li Bin opened with a warning.", "Is deterrence failing?",
                                  "Not yet, said Li Bin!"])
def test_a_sentence_leading_into_a_recaps_highlights_is_no_takeaways_heading(lead):
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "Discussion Highlights\n\n", f"Discussion Highlights\n\n{lead}\n\nThe alliance is "
        "here to stay, the panelists agreed.\n\n"))
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations",
                                                   "U.S. Policy Ambiguities"]


def test_an_announcements_highlights_stay_its_description():
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="will moderate"))
    assert page.kind == "announcement" and page.takeaways == ()
    assert "U.S. Policy Ambiguities\n\nThe panelists argued" in page.description


@pytest.mark.parametrize("ahead", [
    f"{this} {word} will" for this in ("this", "the") for word in (
        "event", "discussion", "session", "conversation", "panel", "meeting", "webinar",
        "briefing", "seminar", "roundtable", "dialogue", "conference")])
def test_an_announcements_highlights_stay_its_description_though_it_recalls_a_past_event(
        ahead):
    """A sentence about an earlier event ("Carnegie hosted the first ... in 1993") is no
    recap of this one, which the page says is ahead: its highlights are its program."""
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="will moderate").replace(
        " on missile defense.", " on missile defense. Carnegie hosted the first such "
        f"dialogue in 2019, and {ahead} continue it."))
    assert page.takeaways == ()
    assert "U.S. Policy Ambiguities\n\nThe panelists argued" in page.description


@pytest.mark.parametrize(("length", "heads"), [(100, True), (101, False)])
def test_a_line_heads_a_recaps_highlight_up_to_a_hundred_characters(length, heads):
    """A long line with no sentence's end under the highlights (a pull quote, a caption)
    is prose the recap tells, not the heading of what follows it."""
    line = ("Why the two countries still disagree about missile defense after two decades "
            "of official and unofficial talks")[:length]
    assert len(line) == length
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "U.S. Policy Ambiguities\n\n", f"{line}\n\n"))
    assert [t.heading for t in page.takeaways] == (
        ["U.S.-China Security Relations", line] if heads else ["U.S.-China Security Relations"])


@pytest.mark.parametrize("end", [",", ";"])
def test_a_line_ending_mid_sentence_heads_no_highlight(end):
    """"As Li Bin put it," over the sentence it leads into: the recap's prose."""
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "U.S. Policy Ambiguities\n\n", f"As Li Bin put it{end}\n\n"))
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations"]


def test_a_time_of_days_line_under_the_highlights_heads_no_highlight():
    """"10:30 Closing Remarks" over what was said then is the program's line, not a point
    the recap makes."""
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "U.S. Policy Ambiguities\n\n", "10:30 Closing Remarks\n\n"))
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations"]


def test_a_sites_section_ends_the_highlights_for_the_headings_after_it_too():
    """Once "About the Carnegie Endowment" ends the highlights, the site's own headings
    under it ("Global Centers") head no takeaways."""
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "Speakers\n\n", "About the Carnegie Endowment\n\nGlobal Centers\n\nThe Carnegie "
        "Endowment has centers in Washington, Brussels and Beijing.\n\nSpeakers\n\n"))
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations",
                                                   "U.S. Policy Ambiguities"]


@pytest.mark.parametrize("heading", ["Key Takeaway", "Highlight:", "Event Highlight"])
def test_a_singular_highlights_heading_heads_a_recaps_takeaways_too(heading):
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "Discussion Highlights", heading))
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations",
                                                   "U.S. Policy Ambiguities"]


def test_a_role_heading_ends_the_highlights_for_the_lines_under_it():
    """"Moderator" over an affiliation line and a bio: people, not a highlight headed by
    the affiliation."""
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "Speakers\n\n", "Moderator\n\nCarnegie Endowment for International Peace\n\n"
        "Tong Zhao is a senior fellow at the Carnegie Endowment.\n\nSpeakers\n\n"))
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations",
                                                   "U.S. Policy Ambiguities"]
    assert bios(page)["Tong Zhao"] == "Tong Zhao is a senior fellow at the Carnegie Endowment."


def test_a_chinese_role_heading_ends_the_highlights_for_the_sections_after_it():
    """"主讲人" over its speaker ends the English highlights above it: a section after
    the speaker ("Event Video") heads no takeaway."""
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "Speakers\n\nLi Bin is a professor at Tsinghua University.",
        "主讲人\n\n李彬\n\n李彬，清华大学教授。\n\nEvent Video\n\n"
        "The full recording of the discussion is available online."))
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations",
                                                   "U.S. Policy Ambiguities"]
    assert bios(page)["李彬"] == "李彬，清华大学教授。"


@pytest.mark.parametrize(("label", "name", "affiliation", "bio"), [
    ("Speaker: Li Bin", "Li Bin", "Tsinghua University",
     "Li Bin is a professor at Tsinghua University."),
    ("主讲人：李彬", "Li Bin", "Tsinghua University",
     "Li Bin is a professor at Tsinghua University."),
    ("Moderator: Tong Zhao", "Tong Zhao", "Carnegie Endowment for International Peace",
     "Tong Zhao is a senior fellow at the Carnegie Endowment."),
    ("主持人：赵通", "Tong Zhao", "Carnegie Endowment for International Peace",
     "Tong Zhao is a senior fellow at the Carnegie Endowment.")])
def test_a_labelled_role_line_ends_the_highlights_as_a_role_heading_does(
        label, name, affiliation, bio):
    """"主讲人：李彬" or "Speaker: Li Bin" over an affiliation line and a bio: the people
    section has begun, so the affiliation heads no highlight and the bio is the person's."""
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "Speakers\n\nLi Bin is a professor at Tsinghua University.",
        f"{label}\n\n{affiliation}\n\n{bio}"))
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations",
                                                   "U.S. Policy Ambiguities"]
    assert bios(page)[name] == bio


def test_a_chinese_caption_among_english_highlights_heads_none():
    """A photo's caption in Chinese ("图：会议现场") in the English version of a bilingual
    recap is no heading of the English prose under it."""
    page = parse_page("导弹防御与中美关系\n\n赵通主持了与李彬关于导弹防御的讨论。\n\n"
                      + HEADED_HIGHLIGHTS.format(verb="moderated").replace(
                          "Speakers\n\n", "图：会议现场\n\nThe discussion was held at "
                          "Tsinghua University in Beijing.\n\nSpeakers\n\n"))
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations",
                                                   "U.S. Policy Ambiguities"]


def test_a_chinese_line_after_a_highlights_english_prose_is_not_its_text():
    """A recap giving each paragraph in Chinese too keeps the English highlight's text
    English, even where the Chinese line ends with a Latin full stop."""
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "a rival power.\n", "a rival power.\n该战略将中国列为“竞争对手”（a rival power）.\n"))
    assert page.takeaways[0] == Takeaway("U.S.-China Security Relations",
                                         "The strategy identified China as a rival power.")


def test_a_highlight_takes_at_most_twenty_paragraphs_and_the_rest_is_said_skipped():
    """A heading over a whole page of prose (a transcript pasted under one heading) gives
    its first twenty paragraphs; the preview lists what it skipped."""
    paragraphs = [f"Speaker {n} argued that the intentions are ambiguous." for n in range(1, 22)]
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "U.S. Policy Ambiguities\n\nThe panelists argued that the intentions are ambiguous.\n"
        "Another panelist agreed, \"for now.\"\n\n",
        "U.S. Policy Ambiguities\n\n" + "\n\n".join(paragraphs) + "\n\n"))
    policy = page.takeaways[1]
    assert policy.heading == "U.S. Policy Ambiguities"
    assert policy.text.split("\n\n") == paragraphs[:20]
    assert [str(s) for s in page.skipped] == [
        'skipped paragraph: "Speaker 21 argued that the intentions are ambiguous."']


@pytest.mark.parametrize(("line", "kept"), [("Photo: Ma Li/Xinhua.", False),
                                             ("China will not agree.", True)])
def test_a_line_of_twenty_characters_or_fewer_after_a_highlight_is_not_its_prose(line, kept):
    """A photo credit or a signature under a highlight's paragraph ends the highlight; a
    short sentence longer than that is its prose."""
    assert len(line) == (20 if not kept else 21)
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "a rival power.\n\n", f"a rival power.\n\n{line}\n\n"))
    first = page.takeaways[0]
    assert first.heading == "U.S.-China Security Relations"
    assert first.text == "The strategy identified China as a rival power." + (
        f"\n\n{line}" if kept else "")


@pytest.mark.parametrize("said", ["Will the two sides ever agree on missile defense?",
                                  "Li Bin warned: do not count on it!"])
def test_a_highlight_of_a_question_or_an_exclamation_is_its_prose(said):
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "Speakers\n\n", f"Uncertain Future\n\n{said}\n\nSpeakers\n\n"))
    assert [(t.heading, t.text) for t in page.takeaways][-1] == ("Uncertain Future", said)


def test_a_bullet_after_a_headed_highlight_is_a_takeaway_of_its_own():
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        "a rival power.\n\n", "a rival power.\n\n• Verification: Both sides need better "
        "tools to check what the other deploys.\n\n"))
    assert [(t.heading, t.text) for t in page.takeaways[:2]] == [
        ("U.S.-China Security Relations", "The strategy identified China as a rival power."),
        ("Verification", "Both sides need better tools to check what the other deploys.")]


@pytest.mark.parametrize("outcome", [
    "The meeting agreed that the dialogue will continue next year.",
    "Participants agreed this dialogue will become an annual meeting.",
    "The speakers decided the conference will meet again in Beijing.",
    *(f"The speakers {verb} that the dialogue will continue next year." for verb in (
        "announced", "concluded", "resolved", "pledged", "promised", "hoped", "expected",
        "predicted", "proposed", "suggested", "recommended", "noted", "said", "stated",
        "confirmed", "stressed", "emphasised", "emphasized", "argued", "believed", "insisted",
        "warned")),
    *(f"The speakers agreed that the {event} will continue next year." for event in (
        "event", "discussion", "session", "conversation", "panel", "meeting", "webinar",
        "briefing", "seminar", "roundtable", "conference")),
])
def test_a_recap_reporting_what_was_agreed_for_the_future_keeps_its_highlights(outcome):
    """What the meeting agreed will happen next is part of the recap, not a sign that the
    event is still to come: its headed highlights are its takeaways."""
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="moderated").replace(
        " on missile defense.", f" on missile defense. {outcome}"))
    assert page.kind == "recap"
    assert [t.heading for t in page.takeaways] == ["U.S.-China Security Relations",
                                                   "U.S. Policy Ambiguities"]


@pytest.mark.parametrize("ahead", [
    "Carnegie hosted the first such dialogue in 2019. The dialogue will continue it.",
    "Carnegie hosted the first such dialogue in 2019. We are pleased that this dialogue "
    "will continue it.",
])
def test_an_announcement_saying_its_event_will_come_keeps_its_highlights_as_description(
        ahead):
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="will moderate").replace(
        " on missile defense.", f" on missile defense. {ahead}"))
    assert page.takeaways == ()
    assert "U.S. Policy Ambiguities\n\nThe panelists argued" in page.description


@pytest.mark.parametrize("first", ["• Verification: Participants discussed verification.\n",
                                   ""])
def test_a_recaps_bullets_without_headings_under_its_takeaways_are_takeaways(first):
    """Under "Key Takeaways" a bullet is a takeaway with or without a "Heading:" of its
    own, and one without follows one with: none of them is dropped or left in the
    description."""
    page = parse_page("Dialogue Recap\n\nOn March 12, 2027, the Center hosted a dialogue. "
                      "Tong Zhao moderated.\n\nKey Takeaways\n\n" + first
                      + "• Both sides should establish a regular dialogue mechanism.\n"
                      "• Crisis management was discussed at length by participants.\n")
    bare = [("", "Both sides should establish a regular dialogue mechanism."),
            ("", "Crisis management was discussed at length by participants.")]
    headed = [("Verification", "Participants discussed verification.")] if first else []
    assert [(t.heading, t.text) for t in page.takeaways] == headed + bare
    assert page.kind == "recap" and page.skipped == ()
    assert page.description == ("On March 12, 2027, the Center hosted a dialogue. "
                                "Tong Zhao moderated.")


@pytest.mark.parametrize("blank", ["\u3164", "\u2800", "\u200d\u3164", "\u115f\ufe0f"])
def test_a_takeaway_heading_or_text_that_shows_nothing_is_none(blank):
    """A heading of a Hangul filler or a braille blank would be an empty bold line in
    Discord: the takeaway has none. A text of nothing visible is no takeaway, and the
    import says it skipped the line."""
    page = parse_page("Recap\n\nThe panel discussed trade.\n\nKey Takeaways\n\n"
                      f"• {blank}: Duties rose.\n• Outlook: {blank}\n")
    assert page.takeaways == (Takeaway("", "Duties rose."),)
    shown = blank.removeprefix("\u200d")  # (a joiner at a word's edge joins nothing: dropped)
    assert [str(line) for line in page.skipped] == [f'skipped paragraph: "• Outlook: {shown}"']


def test_an_announcements_bullets_under_highlights_stay_its_description():
    page = parse_page(INTRO + "Event Highlights\n\n• A keynote on arms control.\n"
                      "• A reception after the panel.")
    assert page.takeaways == () and page.kind == "announcement"
    assert page.description.endswith("• A keynote on arms control.\n\n"
                                     "• A reception after the panel.")


def test_a_time_label_over_a_date_gives_the_date_line():
    page = parse_page("Arms Control Dialogue\n\nTime: Friday, March 12, 2027, 2:00-4:00 PM\n"
                      "Venue: Carnegie Endowment\n\nExperts will discuss arms control.")
    assert page.date_text == "Friday, March 12, 2027, 2:00-4:00 PM"
    assert page.description == "Experts will discuss arms control."
    # under a date line already read, it is not the date line: its times stay to be read
    page = parse_page("Arms Control Dialogue\n\nDate: December 1, 2026\nTime: December 1, "
                      "6:00-8:00 PM\n\nExperts will discuss arms control.")
    assert page.date_text == "December 1, 2026"
    assert page.description.startswith("Time: December 1, 6:00-8:00 PM")



@pytest.mark.parametrize(("line", "again"), [
    ("Time: Tuesday, December 1, 2026, 18:00-20:00", True),
    ("Time: December 1, 2026, 6:00-8:00 PM", True),
    ("Time: December 1, 2026, 8:00-9:00 PM", False),  # a moment of its own: a reception's
    # saying more than the date and its times
    ("Time: December 1, 2026, 6:00-8:00 PM, followed by a reception", False),
    ("Time: December 1, 2026, 6:00-8:00 PM (doors open at 5:30 PM)", False),
    ("Time: December 1, 2026, 6:00-8:00 PM; livestream on YouTube", False)])
def test_a_time_label_under_the_chinese_date_line_giving_its_moment_again_is_read(line, again):
    """A page writing each line in both languages writes its date line again: read as the
    date line, not shown in the description; a line saying more, or something else, stays."""
    page = parse_page(f"Arms Control Dialogue\n\n时间：2026年12月1日 下午6:00-8:00\n{line}\n\n"
                      "Experts will discuss.")
    assert page.date_text == "2026年12月1日 下午6:00-8:00"
    assert page.description == ("Experts will discuss." if again
                                else f"{line}\n\nExperts will discuss.")
    # in English alone, under "Date:", the line stays where it was
    page = parse_page(f"Arms Control Dialogue\n\nDate: December 1, 2026, 6:00-8:00 PM\n{line}"
                      "\n\nExperts will discuss.")
    assert page.description == f"{line}\n\nExperts will discuss."


def test_bullet_without_heading_is_not_a_takeaway():
    page = parse_page(INTRO + "• a bullet with no heading at all")
    assert page.takeaways == ()
    assert page.description.endswith("• a bullet with no heading at all")


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("", "The page is empty."),
    ("   \n\t\n", "The page is empty."),
    ("1234 — 5678!\n\n***", "The page has no readable text."),
])
def test_parse_page_refuses_pages_without_text(text, message):
    with pytest.raises(InvalidValue) as refused:
        parse_page(text)
    assert str(refused.value) == message


def test_parse_page_refuses_oversized_pages():
    with pytest.raises(InvalidValue, match="too long"):
        parse_page("a" * (MAX_PAGE_BYTES + 1))
    with pytest.raises(InvalidValue, match="too long"):
        parse_page("é" * (MAX_PAGE_BYTES // 2 + 1))  # counted in UTF-8 bytes
    assert parse_page("a" * MAX_PAGE_BYTES).kind == "announcement"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"a" * (MAX_PAGE_BYTES + 1), "too large"),
        (b"PK\x03\x04\x00\x00text", "binary"),
        (bytes(range(1, 32)) * 10 + b"abc", "binary"),
        ("Café Société".encode("latin-1"), "not valid UTF-8"),
        (b"\xef\xbb\xbf", "empty"),
        (b" \n\r\n ", "empty"),
        (b"1234 5678", "no readable text"),
    ],
)
def test_decode_page_errors(data, message):
    with pytest.raises(InvalidValue, match=message) as info:
        decode_page(data)
    assert "\n" not in str(info.value)


def test_decode_page_strips_bom_and_normalises_newlines():
    assert decode_page(b"\xef\xbb\xbfTitle\r\nLine\rEnd\n") == "Title\nLine\nEnd\n"
    assert decode_page("José\n".encode()) == "José\n"
    assert decode_page(bytearray(b"ok")) == "ok"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf_16_page_with_its_byte_order_mark_is_text_not_binary(codec):
    """Its NUL bytes are half its letters: the mark says what they are, as in an HTML page."""
    text = "中美关系研讨会\r\n2026年12月5日 下午3点\r\nZoë\n"
    mark = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"")
    data = mark + text.encode(codec)
    assert decode_page(data) == "中美关系研讨会\n2026年12月5日 下午3点\nZoë\n"
    with pytest.raises(InvalidValue, match="binary"):
        decode_page(text.encode("utf-16-le"))  # without its mark: binary, as before
    # a NUL character is no text, in UTF-16 as in UTF-8 (and PostgreSQL cannot store it)
    with pytest.raises(InvalidValue, match="binary"):
        decode_page(mark + (text + "ships and\x00 harbours\n").encode(codec))


# --- robustness ------------------------------------------------------------------------------

CHINESE = "\n".join((PAGES / name).read_text(encoding="utf-8") for name in (
    "zh_announcement.txt", "zh_recap.txt", "bilingual.txt"))
FRAGMENTS = [line for line in (ANNOUNCEMENT + "\n" + RECAP + "\n" + CHINESE).splitlines()
             if line.strip()]
FRAGMENTS += [line[: len(line) // 2] for line in FRAGMENTS]
PIECES = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.sampled_from(["• ", "- ", "* ", ":", ": ", "\n", "\n\n", " ", "\u00a0", "Amb. ", "H.E. ",
                     ", moderator", " (Moderator)", " will moderate a discussion with ",
                     " and ", ", ", "Speakers", "This event is off the record.", "Zhao is ",
                     "主持人：", "主持人 ", "嘉宾：", "评议人：", "（主持人）", "赵通", "李彬",
                     "（Tong Zhao）", " (Tong Zhao)", "、", "，", "。", "；", "：", "（", "）",
                     "一、", "1. ", "要点", "主要观点", "是", "报名已截止。",
                     "本次活动不对外公开。", "以中文进行，提供英文同声传译。",
                     "2026年12月1日", "下午6点", "下午6:30",
                     "时间：", "; ", " joined ", " in a moderated conversation", " of "]),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80), max_size=8),
    st.text(max_size=20),
)


def check_page(page: Page) -> None:
    assert page.kind in ("announcement", "recap")
    keys = [p.name.casefold() for p in page.people]
    assert len(keys) == len(set(keys))
    for person in page.people:
        assert person.name.strip() and person.role in ROLES
    for takeaway in page.takeaways:  # (a bullet in a list of takeaways may have no heading)
        assert takeaway.text.strip() and takeaway.heading == takeaway.heading.strip()
    json.dumps(page.to_dict())


def parse_or_refuse(text: str) -> None:
    try:
        page = parse_page(text)
    except InvalidValue as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        check_page(page)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_parse_page_never_crashes_on_arbitrary_text(text):
    parse_or_refuse(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=40).map("".join))
def test_parse_page_never_crashes_on_page_like_text(text):
    parse_or_refuse(text)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_decode_page_returns_text_or_page_error(data):
    try:
        text = decode_page(data)
    except InvalidValue as exc:
        assert str(exc)
    else:
        assert isinstance(text, str) and "\r" not in text
        parse_or_refuse(text)


SIZE = 200_000


def word(i: int) -> str:
    """A distinct capitalised word per number: Qa, Qb, ..., Qaa, ..."""
    letters = ""
    while True:
        letters += chr(97 + i % 26)
        i //= 26
        if not i:
            return "Q" + letters

ADVERSARIAL = {
    "a-space": "a " * (SIZE // 2),
    "bullet-colon": "•:" * (SIZE // 2) + "a",
    "bullet-headings": "• a:" * (SIZE // 4),
    "capitals": "Aa " * (SIZE // 3),
    "initials": "A. " * (SIZE // 3),
    "one-word": "A" * SIZE,
    "name-list": "discussion with Aa Bb, " * (SIZE // 23),
    "narration": "Jane Doe will moderate a discussion with " * (SIZE // 41),
    "hyphen-bullets": "- " + "a: " * (SIZE // 3),
    "short-lines": "Aa Bb\n" * (SIZE // 6),
    "bio-lines": "Jane Doe\nJane Doe is a fellow.\n" * (SIZE // 32),
    "notice-words": "was in translation into be in " * (SIZE // 30),
    "past": "Aa " * 100 + "moderated " * (SIZE // 10),
    "hyphen-chain": "A-" * (SIZE // 2),
    "apostrophe-chain": "’A" * (SIZE // 2),
    # Thousands of distinct people, each then referred to by surname alone.
    "many-surnames": "Jane Doe will moderate.\n" + "".join(
        f"{word(i)} Bb is x.\n{word(i)} is y.\n" for i in range(SIZE // 30)),
    "many-notes": "".join(f"This event is not open to media {i}.\n" for i in range(SIZE // 36)),
    "bio-continuations": "Jane Doe\nJane Doe is x.\n" + "She is a fellow.\n" * (SIZE // 17),
    # Chinese has no spaces: one line of Han characters is one long "word".
    "han": "中" * (SIZE // 3),
    "role-label-run": "主持人：" * (SIZE // 12),
    "role-lines": "主持人：赵通（Tong Zhao）、李彬\n" * (SIZE // 50),
    # a role's line of names each followed by a title, Chinese and Latin
    "role-titles": ("嘉宾：李彬，副教授，Jane Doe, Senior Fellow, Carnegie, 樊吉社 所长\n"
                    * (SIZE // 80)),
    # ...with places, remarks, bracketed titles and further labels between the names
    "role-asides": ("Speakers: Jane Doe (Senior Fellow, Carnegie), online, John Smith, "
                    "Professor, 清华大学，线上，李彬；嘉宾：樊吉社，\n" * (SIZE // 120)),
    "zh-bios": "赵通是研究员\n" * (SIZE // 19),
    "zh-name-lines": "赵通\n赵通是研究员。\n" * (SIZE // 30),
    "zh-numbered": "一、" + "要点" * (SIZE // 6),
    "zh-narration": "由赵通" * (SIZE // 9),
    "paired-run": "赵通 (Tong Zhao" * (SIZE // 20),
    "latin-han": "Tong Zhao赵通（" * (SIZE // 30),
    "semicolon-list": "Jane Doe, x; " * (SIZE // 13),
    # English role lines of several labels, and rosters of titles off the list of posts
    "en-labels": ("Moderator: Ann Lee, Director, Carnegie | Speakers: Jane Doe, lawyer; Jo Li. "
                  "Chair: Bo Chen; Cy Wu · Panelists: Dan Lee and Eve Ma.\n" * (SIZE // 120)),
    "roster-phrases": "Speakers\n" + "Ann Lee, independent lawyer; Bo Chen, who will " * (
        SIZE // 47),
    "joined": "Jane Doe joined " * (SIZE // 16),
    "affiliation-gap": "Jane Doe of " + "a" * SIZE,
}


@pytest.mark.timeout(20)  # each takes about a second; a catastrophic regex fails, not hangs
@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_adversarial_input_is_parsed(text):
    check_page(parse_page(text))


def fit(text: str, size: int) -> str:
    """The text cut to at most `size` bytes of UTF-8."""
    return text.encode()[:size].decode("utf-8", "ignore")


# Ten times the input: a linear parse measures 8-15x here (caches, the allocator), up to 20x
# on a loaded machine; a quadratic rule would take 100x, a catastrophic one would not end.
TEN_TIMES_AT_MOST = 40


def parse_seconds(text: str, runs: int) -> float:
    """CPU seconds of the fastest of `runs` parses: other processes do not count."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        parse_page(text)
        best = min(best, time.process_time() - start)
    return best


# Under mutation testing (mutmut sets MUTANT_UNDER_TEST) a timing test measures the
# machine, not a decision, and would cost seconds for every mutant.
@pytest.mark.skipif(bool(os.environ.get("MUTANT_UNDER_TEST")), reason="timing, not a rule")
@pytest.mark.parametrize(
    "name", ["han", "role-label-run", "role-lines", "role-titles", "role-asides",
             "zh-name-lines", "paired-run", "joined", "en-labels", "roster-phrases"])
def test_parse_time_grows_linearly_up_to_the_size_limit(name):
    # Compared within one run, so the machine's speed cancels.
    text = ADVERSARIAL[name] * 20
    small, large = fit(text, 200_000), fit(text, MAX_PAGE_BYTES)
    assert len(small.encode()) > 199_000 and len(large.encode()) > 1_990_000
    ratio = parse_seconds(large, 1) / max(parse_seconds(small, 3), 1e-3)
    assert ratio < TEN_TIMES_AT_MOST, f"{name}: 2 MB took {ratio:.1f}x as long as 200 KB"


def people_sharing_a_first_name(size: int) -> str:
    """A roster of distinct people all called John, one labelled name a line, `size`
    bytes or so: every one of them is filed under the same word."""
    lines, total, i = ["December 1, 2031\n"], 0, 0
    while total < size:
        lines.append(f"John {word(i).title()}son (moderator)\n")
        total += len(lines[-1])
        i += 1
    return "".join(lines)


@pytest.mark.skipif(bool(os.environ.get("MUTANT_UNDER_TEST")), reason="timing, not a rule")
def test_parse_time_grows_linearly_with_people_sharing_a_name():
    small, large = people_sharing_a_first_name(50_000), people_sharing_a_first_name(500_000)
    # every one of them read, though a page keeps only its first 200
    assert any(s.fields.get("count", 0) > 15_000 for s in parse_page(large).skipped)
    ratio = parse_seconds(large, 1) / max(parse_seconds(small, 3), 1e-3)
    assert ratio < TEN_TIMES_AT_MOST, f"500 KB took {ratio:.1f}x as long as 50 KB"


@pytest.mark.skipif(bool(os.environ.get("MUTANT_UNDER_TEST")), reason="timing, not a rule")
def test_reimporting_a_page_of_many_notes_merges_in_linear_time():
    # The merge runs in the database's write transaction: other servers' joins wait.
    def merge_seconds(notes: int) -> float:
        page = parse_page("".join(f"Registration is required for event {i}.\n"
                                  for i in range(notes)))
        content = EventContent().merged_with(page)
        assert len(content.access_notes) == notes
        start = time.process_time()
        assert content.merged_with(page).access_notes == content.access_notes
        return time.process_time() - start

    ratio = merge_seconds(20_000) / max(merge_seconds(2_000), 1e-3)
    assert ratio < TEN_TIMES_AT_MOST, f"ten times the notes took {ratio:.1f}x as long"


def test_a_page_is_read_to_its_first_lines_and_says_what_it_left():
    """Half a million one-word lines would take seconds to read: a page is read to its
    MAX_LINES-th line, far past any event page's, and the rest is reported, not read."""
    filler = "Xy\n\n" * (MAX_LINES + 10)
    page = parse_page("Panel Title\n\nDecember 9, 2026\n\n" + filler
                      + "Jane Doe\n\nJane Doe is a senior fellow at Carnegie.")
    assert "Jane Doe" not in roles(page)
    assert [str(note) for note in page.skipped if "were not read" in str(note)] == [
        f"lines after the first {MAX_LINES:,} were not read (14 more)"]
    assert page.title == "Panel Title" and page.date_text == "December 9, 2026"


@pytest.mark.parametrize("lines", [
    "• Camp David, General assessment of the summit", "• Capitol Hill, home of every senator",
    "• Rose Garden - Chief venue", "• Mount Vernon, Head office",
    "• Robert Bosch Stiftung, Member of the Network",
    "Hong Kong is the host city of this year's forum.", "Capitol Hill is the venue of the hearing.",
])
def test_a_place_or_an_organisation_under_speakers_is_no_person(lines):
    page = parse_page("Panel Title\n\nDecember 9, 2026\n\nSpeakers\n\n" + lines)
    assert page.people == (), page.people


@pytest.mark.parametrize(("line", "name", "title"), [
    ("Jane Doe, Senior Fellow, Carnegie Endowment", "Jane Doe",
     "Senior Fellow, Carnegie Endowment"),
    ("Kurt Campbell: former Deputy Secretary of State", "Kurt Campbell",
     "former Deputy Secretary of State"),
    ("• Mary Major, Chief of Staff, Office of the Senator", "Mary Major",
     "Chief of Staff, Office of the Senator"),
    # a post named by its country or its patron, a title in brackets
    ("• Amb. John Roe, Former U.S. Ambassador to China", "John Roe",
     "Former U.S. Ambassador to China"),
    ("Rush Doshi, Mike Mansfield Fellow, Council on Foreign Relations", "Rush Doshi",
     "Mike Mansfield Fellow, Council on Foreign Relations"),
    ("• Mary Major (Professor of History, Yale University)", "Mary Major",
     "Professor of History, Yale University"),
])
def test_a_speaker_listed_with_a_title_keeps_it_with_or_without_a_bullet(line, name, title):
    page = parse_page("Panel Title\n\nDecember 9, 2026\n\nSpeakers\n\n" + line)
    assert bios(page) == {name: title}


@pytest.mark.parametrize("word", [
    "about", "across", "after", "against", "among", "before", "between", "during", "from",
    "into", "onto", "over", "than", "that", "this", "through", "toward", "towards", "under",
    "upon", "with", "within", "without"])
def test_a_speakers_title_may_leave_each_small_word_in_lower_case(word):
    # a title's capitals: every long word capitalised but the small words titles leave
    title = f"Senior Fellow, Center {word} Security Studies"
    page = parse_page("Panel Title\n\nDecember 9, 2026\n\nSpeakers\n\n• Jane Doe, " + title)
    assert bios(page) == {"Jane Doe": title}


@pytest.mark.parametrize("line", [
    "• Jane Doe: China's Defense Minister and the PLA Purges",
    "• John Smith: The Next Party Secretary of Shanghai",
    "• Jane Roe – The Party Secretary and Local Finance",
    "• Mary Doe (The Secretary of State in Wartime)",
])
def test_a_talks_title_after_a_presenters_name_is_no_post_they_hold(line):
    page = parse_page("Panel Title\n\nDecember 9, 2026\n\nPresenters\n\n" + line)
    assert bios(page) == {}, page.people


@pytest.mark.parametrize(("line", "role"), [
    ("• Jane Doe (Chair)", "chair"), ("• Mary Major (Session Chair)", None),
    ("• Jane Doe (Chair of the Session)", "chair"),
    ("• Rajiv Kumar (Chief Guest)", None),
])
def test_a_role_in_brackets_after_a_speakers_name_is_no_title(line, role):
    page = parse_page("Panel Title\n\nDecember 9, 2026\n\nSpeakers\n\n" + line)
    assert all(not p.bio and p.role == (role or "speaker") for p in page.people), page.people


@pytest.mark.parametrize("under", ["Speakers\n\nTo be announced", "Moderator\n\nTBD",
                                   "Overview\n\nSpeakers\n\nVideo"])
def test_a_heading_of_people_with_no_one_under_it_leaves_the_date_and_address(under):
    page = parse_page("The Future of Transatlantic Security\n\n" + under + "\n\nTuesday, March "
                      "10, 2026, 10:00 AM – 11:30 AM EDT\n\nCarnegie Endowment, 1779 "
                      "Massachusetts Avenue NW, Washington, DC")
    assert page.date_text == "Tuesday, March 10, 2026, 10:00 AM – 11:30 AM EDT"
    assert page.location == "Carnegie Endowment, 1779 Massachusetts Avenue NW, Washington, DC"


def test_a_recaps_remarks_under_panelists_stay_takeaways():
    page = parse_page("Summit Recap\n\nMarch 10, 2026\n\nPanelists\n\n• Bonnie Glaser: Head of "
                      "state summits lower the risk of crisis\n\n• Evan Medeiros: Chair of the "
                      "Fed matters more than tariffs\n\n• Ryan Hass – Deputy Secretary Campbell's "
                      "visit signals continuity\n\n• Mira Rapp-Hooper: U.S. Trade Representative "
                      "Tariffs Backfire")
    assert [t.heading for t in page.takeaways] == ["Bonnie Glaser", "Evan Medeiros",
                                                   "Mira Rapp-Hooper"]
    assert "Bonnie Glaser" not in bios(page) and "Ryan Hass" not in bios(page)


def test_an_announcements_highlights_stay_its_description_where_the_discussion_will_be():
    page = parse_page(HEADED_HIGHLIGHTS.format(verb="will moderate").replace(
        " on missile defense.", " on missile defense. Carnegie hosted the first such "
        "dialogue in 2019. The discussion will continue it."))
    assert page.takeaways == ()
    assert "U.S. Policy Ambiguities\n\nThe panelists argued" in page.description


def test_labelled_role_lines_one_under_another_each_give_their_people():
    """"Moderator: A" over "Speakers: B, C" and the bios after them: the second label is
    the next role's people, not the first person's title line."""
    page = parse_page("Arms Control After New START\nDecember 1, 2031, 6:00 PM\n"
                      "Carnegie Endowment, Washington\n\nModerator: Katherine Johnson\n"
                      "Speakers: Mary Jackson, Dorothy Vaughan\n\n"
                      "Katherine Johnson is a mathematician.\n")
    assert [(p.name, p.role) for p in page.people] == [
        ("Katherine Johnson", "moderator"), ("Mary Jackson", "speaker"),
        ("Dorothy Vaughan", "speaker")]
    assert page.people[0].bio == "Katherine Johnson is a mathematician."
    assert "Speakers" not in page.description


@pytest.mark.parametrize(("line", "people", "titles"), [
    # an organisation after the name is where they work (their title, as the page says
    # nothing else of them), not a second person
    ("Moderator: Ann Lee, Washington Post", {"Ann Lee": "moderator"},
     {"Ann Lee": "Washington Post"}),
    ("Speakers: Jane Doe, New York Times; John Smith, Brookings Institution",
     {"Jane Doe": "speaker", "John Smith": "speaker"},
     {"Jane Doe": "New York Times", "John Smith": "Brookings Institution"}),
    ("Speakers: Ann Lee, Washington Post; John Smith, Reuters",
     {"Ann Lee": "speaker", "John Smith": "speaker"},
     {"Ann Lee": "Washington Post", "John Smith": "Reuters"}),
    ("Speakers: Ann Lee, Washington Post, John Smith, Reuters",
     {"Ann Lee": "speaker", "John Smith": "speaker"},
     {"Ann Lee": "Washington Post", "John Smith": "Reuters"}),
    ("Moderator: Ann Lee (Tsinghua University)", {"Ann Lee": "moderator"},
     {"Ann Lee": "Tsinghua University"}),
    # a title in lower case after the one name is theirs
    ("Commentator: Zhang Hongyu, assistant professor at the University of North Carolina",
     {"Zhang Hongyu": "discussant"},
     {"Zhang Hongyu": "assistant professor at the University of North Carolina"}),
    ("Speaker: Jane Doe, senior fellow", {"Jane Doe": "speaker"}, {"Jane Doe": "senior fellow"}),
    # a keynote's label, or a remark after the name, leaves the line a role's line
    ("Keynote Speaker: Wang Yi", {"Wang Yi": "speaker"}, {"Wang Yi": ""}),
    ("Moderator: Ann Lee (TBC)", {"Ann Lee": "moderator"}, {"Ann Lee": ""}),
    ("Chair: Ann Lee (to be confirmed)", {"Ann Lee": "chair"}, {"Ann Lee": ""}),
])
def test_a_role_lines_people_are_read_with_what_it_says_beside_each(line, people, titles):
    """A role's line names its people with what is said of them beside each name (a
    title, an organisation, a remark) and is no part of what the event is about."""
    page = parse_page(INTRO + line)
    assert roles(page) == people and bios(page) == titles
    assert page.description == INTRO.strip()


def test_a_hosts_line_naming_an_organisation_names_nobody_and_stays_in_the_description():
    page = parse_page(INTRO + "Host: Carnegie China")
    assert not page.people
    assert page.description == INTRO + "Host: Carnegie China"
