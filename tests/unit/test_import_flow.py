"""The import flow's pure decisions: which times and venue an import gives the event, and
which pages it refuses, before anything is shown or saved."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.import_preview import preview_text
from bot.catalog import NOT_AN_EVENT_PAGE, PageFacts, PageSource, page_facts
from bot.errors import InvalidValue
from bot.flows.importing import Typed, check_page, check_upload, plan_import, typed_values
from bot.models import Event
from bot.page_files import page_from_bytes
from bot.pages import MAX_PAGE_BYTES, parse_page
from bot.webpage import MAX_HTML_BYTES
from bot.when import When
from bot.when_typed import parse_typed
from bot.zones import day_offsets

TYPED = datetime(2030, 5, 1, 18, 0, tzinfo=UTC)
SAVED = datetime(2030, 6, 1, 9, 0, tzinfo=UTC)
PAGE = datetime(2030, 7, 1, 17, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SOURCE = PageSource("Talk", parse_page("Talk\n\nSpeakers: Ada Lovelace"), "talk.txt")
FACTS = PageFacts(When(PAGE, PAGE + HOUR), "Page Hall", ("read as July 1",))


def event(**changes) -> Event:
    base = Event(
        id=7, guild_id=2, slug="talk", title="A Talk", venue=None, link=None, starts_at=None,
        ends_at=None, capacity=10, confirmed=0, waitlisted=0, registration_open=True,
        closed_reason=None, description="", recap_summary="", language=None,
        translation=None, off_the_record=False, access_notes=(), has_recap=False, people=(),
        takeaways=())
    return replace(base, **changes)


NOTHING_TYPED = Typed()


def plan(typed: Typed = NOTHING_TYPED, target: Event | None = None, *, adds_to: bool = False):
    return plan_import(SOURCE, FACTS, typed, None, "Talk", target, adds_to=adds_to)


@pytest.mark.parametrize(("page", "venue", "zone", "differs"), [
    # the page moved it: another moment, another venue in the event's script
    (When(PAGE, PAGE + HOUR), "Page Hall", None, ("when", "venue")),
    # a date alone, the event's day where the server is: the same (a recap's header)
    (When(datetime(2030, 6, 1, tzinfo=UTC), None, True), None, "Asia/Shanghai", ()),
    (When(datetime(2030, 6, 2, tzinfo=UTC), None, True), None, "Asia/Shanghai", ("when",)),
    # 09:00 UTC on June 1 is June 1 in Shanghai but May 31 in Honolulu
    (When(datetime(2030, 6, 1, tzinfo=UTC), None, True), None, "Pacific/Honolulu", ("when",)),
    # the other language version names the venue in its own script: no news
    (When(SAVED, SAVED + HOUR), "华盛顿", None, ()),
    (When(None), None, None, ()),
])
def test_what_the_page_now_says_that_the_event_keeps_is_named(page, venue, zone, differs):
    target = event(starts_at=SAVED, ends_at=SAVED + HOUR, venue="Washington, DC")
    got = plan_import(SOURCE, PageFacts(page, venue, ()), NOTHING_TYPED, None, "Talk", target,
                      adds_to=True, zone=zone)
    assert (got.starts_at, got.venue) == (SAVED, "Washington, DC")
    assert got.page_differs == differs
    typed = plan_import(SOURCE, PageFacts(page, venue, ()), Typed(PAGE, False, None, "Hall"),
                        None, "Talk", target, adds_to=True, zone=zone)
    assert typed.page_differs == ()  # what the moderator typed is what they asked for


def test_a_new_event_takes_the_pages_times_and_venue():
    got = plan()
    assert (got.starts_at, got.ends_at, got.all_day, got.venue) == (
        PAGE, PAGE + HOUR, False, "Page Hall")
    assert got.target is None and got.notes == ("read as July 1",)


def test_what_the_moderator_typed_wins_over_the_event_and_the_page():
    target = event(starts_at=SAVED, ends_at=SAVED + HOUR, venue="Old Hall")
    got = plan(Typed(TYPED, False, TYPED + 2 * HOUR, "New Hall"), target, adds_to=True)
    assert (got.starts_at, got.ends_at, got.venue) == (TYPED, TYPED + 2 * HOUR, "New Hall")
    assert got.target == target and got.adds_to


def test_the_events_own_times_and_venue_win_over_the_page():
    target = event(starts_at=SAVED, ends_at=SAVED + HOUR, all_day=False, venue="Old Hall")
    got = plan(Typed(), target)
    assert (got.starts_at, got.ends_at, got.venue) == (SAVED, SAVED + HOUR, "Old Hall")


def test_a_typed_end_alone_keeps_the_start_it_would_have():
    got = plan(Typed(ends_at=PAGE + 3 * HOUR))
    assert (got.starts_at, got.ends_at) == (PAGE, PAGE + 3 * HOUR)


def test_typed_values_tidy_the_venue_and_end_an_all_day_end_with_its_day():
    day = When(TYPED, TYPED + 24 * HOUR, all_day=True)
    typed = typed_values(When(TYPED), day, "  Main   Hall ")
    assert typed == Typed(TYPED, False, TYPED + 24 * HOUR, "Main Hall")
    assert typed_values(When(), When(), "   ").venue is None


def test_a_page_with_no_sign_of_an_event_is_refused_before_the_preview():
    with pytest.raises(InvalidValue, match=NOT_AN_EVENT_PAGE):
        check_page(PageSource("x", parse_page("apples and pears"), "x.txt"))
    check_page(SOURCE)  # speakers: an event page


def test_an_upload_is_refused_over_the_limit_of_its_kind():
    check_upload("talk.txt", MAX_PAGE_BYTES)
    check_upload("talk.html", MAX_HTML_BYTES)
    with pytest.raises(InvalidValue, match=f"talk.txt is {MAX_PAGE_BYTES + 1:,} bytes"):
        check_upload("talk.txt", MAX_PAGE_BYTES + 1)
    with pytest.raises(InvalidValue, match=f"at most {MAX_HTML_BYTES:,} bytes"):
        check_upload("talk.HTML", MAX_HTML_BYTES + 1)


FORUM = ("Asia Security Forum\n{line}\nSingapore\n\nThe Institute hosts its annual forum on "
         "security in Asia.\n\nSpeakers\n\nAda Lovelace\nAda Lovelace is a fellow at the "
         "Institute.\n")


def forum_planned(line: str, zone: str):
    """The forum page with `line` as its date line, parsed, checked and planned as an
    import does in a server in `zone`: the plan and the page's facts."""
    text = FORUM.format(line=line)
    source = PageSource(text, parse_page(text), "forum.txt")
    check_page(source)
    facts = page_facts([source.page], zone)
    return plan_import(source, facts, NOTHING_TYPED, None, "Forum", None, adds_to=False,
                       zone=zone), facts


@pytest.mark.parametrize("line", [
    "2031年6月1日 19:00－21:00", "2031年6月1日 19：00－21：00", "2031年6月1日 晚上7点到9点",
    "2031年6月1日 19:00到21:00", "2031年6月1日 19:00−21:00", "June 1, 2031, 7:00 PM－9:00 PM"])
def test_a_chinese_pages_range_of_hours_with_its_own_dash_or_dao_imports_its_end(line):
    """A Chinese page writes a range of hours with a full-width dash ("19:00－21:00") or 到
    ("晚上7点到9点") as often as with "-" or 至: the event ends at the end it gives, not
    with no end at all."""
    got, facts = forum_planned(line, "Asia/Shanghai")
    assert (got.starts_at, got.ends_at, facts.notes) == (
        datetime(2031, 6, 1, 11, tzinfo=UTC), datetime(2031, 6, 1, 13, tzinfo=UTC), ())


@pytest.mark.parametrize(("line", "start", "end"), [
    ("June 1, 2031, noon - 2 PM", 12, 14),
    ("June 1, 2031, 12 noon - 2 PM", 12, 14),
    ("June 1, 2031, midday - 2 PM", 12, 14),
    ("June 1, 2031, 9:00 AM - noon", 9, 12),
    ("June 1, 2031, Noon to 1:30 PM", 12, 13.5),
    ("June 1, 2031, 8 PM - midnight", 20, 24),
    ("June 1, 2031, 11 PM - 12 midnight", 23, 24),
    ("June 1, 2031, 10:00 PM - 12:00 midnight", 22, 24),
    ("June 1, 2031, 12:00 noon - 2 PM", 12, 14),
    ("2031年6月1日 中午12点-下午2点", 12, 14),
    ("2031年6月1日 中午-下午2点", 12, 14),
    ("2031年6月1日 中午12:00-14:00", 12, 14),
    ("2031年6月1日 上午10点-中午", 10, 12),
])
def test_a_pages_range_of_hours_from_or_to_noon_or_midnight_imports_both_ends(line, start, end):
    """Noon is 12:00 however it is named, and midnight at the end of a range is the
    midnight that ends the day (as 24:00 is): the event neither starts at its end nor
    loses its end."""
    got, facts = forum_planned(line, "UTC")
    day = datetime(2031, 6, 1, tzinfo=UTC)
    assert (got.starts_at, got.ends_at, facts.notes) == (
        day + start * HOUR, day + end * HOUR, ())


@pytest.mark.parametrize("line", ["June 1, 2031, 12:00 midnight", "June 1, 2031, 12.00 midnight",
                                  "June 1, 2031, 12 midnight", "June 1, 2031, midnight"])
def test_a_pages_start_at_twelve_midnight_is_the_night_after_its_date(line):
    """"12:00 midnight" is midnight as "12 midnight" and "midnight" are (the one that ends
    the date written, the night after its evening), never the 12:00 of noon."""
    got, _ = forum_planned(line, "America/New_York")
    assert got.starts_at == datetime(2031, 6, 2, 4, tzinfo=UTC)


@pytest.mark.parametrize("line", ["2031年6月1日－3日", "2031年6月1日－6月3日"])
def test_a_chinese_pages_run_of_days_with_a_full_width_dash_runs_to_its_last_day(line):
    got, facts = forum_planned(line, "Asia/Shanghai")
    assert (got.starts_at, got.ends_at, got.all_day, facts.notes) == (
        datetime(2031, 6, 1, tzinfo=UTC), datetime(2031, 6, 4, tzinfo=UTC), True, ())


@pytest.mark.parametrize("line", [
    "June 1-3, 2031", "June 1 – 3, 2031", "June 1, 2031 - June 3, 2031", "1-3 June 2031",
    "1 June - 3 June 2031", "Sun., June 1 - Tue., June 3, 2031", "2031年6月1日至3日",
    "2031年6月1日-3日", "2031年6月1-3日", "2031年6月1日—6月3日", "日期：2031年6月1日至3日"])
def test_a_page_giving_a_run_of_days_imports_an_event_on_until_its_last_day(line):
    """Parsed as an import parses it, read in the server's zone, planned and kept as the store
    keeps an all-day event: still on late on its second and last days, over after them."""
    got, facts = forum_planned(line, "Asia/Shanghai")
    first, after_last = datetime(2031, 6, 1, tzinfo=UTC), datetime(2031, 6, 4, tzinfo=UTC)
    assert (got.starts_at, got.ends_at, got.all_day, facts.notes) == (
        first, after_last, True, ())
    start_offset, end_offset = day_offsets("Asia/Shanghai", got.starts_at, got.ends_at, True)
    saved = event(starts_at=got.starts_at, ends_at=got.ends_at, all_day=True,
                  start_offset=start_offset, end_offset=end_offset)
    shanghai = ZoneInfo("Asia/Shanghai")
    assert not saved.is_over(datetime(2031, 6, 2, 23, 30, tzinfo=shanghai))
    assert not saved.is_over(datetime(2031, 6, 3, 23, 59, tzinfo=shanghai))
    assert saved.is_over(datetime(2031, 6, 4, 0, 0, tzinfo=shanghai))


@pytest.mark.parametrize(("line", "starts", "ends"), [
    ("Date: 2031-06-01T10:00:00+08:00", datetime(2031, 6, 1, 2, tzinfo=UTC), None),
    ("Time: 2031-06-01T10:00+08:00 – 2031-06-01T12:00+08:00",
     datetime(2031, 6, 1, 2, tzinfo=UTC), datetime(2031, 6, 1, 4, tzinfo=UTC)),
    ("Starts: 2031-06-01T10:00:00Z", datetime(2031, 6, 1, 10, tzinfo=UTC), None),
    ("When: 2031-06-01t10:00:00-04:00", datetime(2031, 6, 1, 14, tzinfo=UTC), None),
    ("2031-06-01T10:00:00+05:30", datetime(2031, 6, 1, 4, 30, tzinfo=UTC), None),
])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
def test_a_page_giving_its_time_as_an_iso_moment_imports_that_moment(line, starts, ends, zone):
    """A page's line giving the start as an ISO 8601 moment with its offset is its date
    line, and the moment is exact wherever the server is."""
    got, facts = forum_planned(line, zone)
    assert (got.starts_at, got.ends_at, got.all_day, facts.notes) == (starts, ends, False, ())


@pytest.mark.parametrize(("line", "written"), [
    ("June 1, 2031, 6:00 PM UTC+15", "6:00 PM UTC+15"),
    ("June 1, 2031, 6:00 PM GMT+14:30", "6:00 PM GMT+14:30"),
    ("June 1, 2031, 6:00 PM UTC-13", "6:00 PM UTC-13"),
    ("June 1, 2031, 9:00 AM - 11:00 AM (UTC+16)", "9:00 AM - 11:00 AM (UTC+16)"),
    ("2031-06-01 18:00+15:00", "2031-06-01 18:00+15:00"),
    ("Date: 2031-06-01T18:00:00+15:00", "2031-06-01T18:00:00+15:00"),
    ("Starts: 2031-06-01T18:00+15:00", "2031-06-01T18:00+15:00"),
])
def test_a_page_time_at_an_offset_no_place_has_imports_no_date_and_says_why(line, written):
    """Offsets run from UTC-12:00 to UTC+14:00: a time at another is a slip the moderator
    must see, not a time read in the server's zone instead."""
    got, _ = forum_planned(line, "Asia/Shanghai")
    assert (got.starts_at, got.ends_at) == (None, None)
    assert [str(note) for note in got.notes] == [
        f"the page's time {written!r} is at an offset no place has (offsets run from "
        "UTC-12:00 to UTC+14:00)"]


@pytest.mark.parametrize(("line", "zone", "written"), [
    ("March 14, 2027, 2:30 AM", "America/New_York", "2027-03-14 02:30"),
    ("March 28, 2027, 1:30 AM - 3:00 AM", "Europe/London", "2027-03-28 01:30"),
    ("2027年3月14日 凌晨2:30", "America/New_York", "2027-03-14 02:30"),
    ("Starts: 2027-03-14T02:30/2027-03-14T04:00", "America/New_York", "2027-03-14 02:30"),
    # Lord Howe's clocks go forward half an hour, from 02:00 to 02:30
    ("October 3, 2027, 2:15 AM", "Australia/Lord_Howe", "2027-10-03 02:15"),
])
def test_a_page_start_the_clocks_skip_imports_no_date_and_says_why(line, zone, written):
    """A page's start in the hour the clocks skip is no moment there: kept as it came out
    (an hour later, 03:30 for New York's 02:30) it moved the event without a word; the
    typed edit refuses such a time, and an import says it, as of any time it cannot read."""
    got, _ = forum_planned(line, zone)
    assert (got.starts_at, got.ends_at) == (None, None)
    assert [str(note) for note in got.notes] == [
        f"the page's start {written} is no time in {zone}: the clocks skip it that day as "
        "they go forward, so I left the start unset; set it with /manage edit"]


@pytest.mark.parametrize(("line", "zone", "starts", "written"), [
    ("March 14, 2027, 1:00 AM - 2:30 AM", "America/New_York",
     datetime(2027, 3, 14, 6, tzinfo=UTC), "2027-03-14 02:30"),
    ("March 27, 2027, 11:00 PM - 1:30 AM", "Europe/London",
     datetime(2027, 3, 27, 23, tzinfo=UTC), "2027-03-28 01:30"),
    ("2027-03-14T01:00/2027-03-14T02:30", "America/New_York",
     datetime(2027, 3, 14, 6, tzinfo=UTC), "2027-03-14 02:30"),
])
def test_a_page_end_the_clocks_skip_imports_the_start_and_says_why(line, zone, starts,
                                                                    written):
    got, _ = forum_planned(line, zone)
    assert (got.starts_at, got.ends_at) == (starts, None)
    assert [str(note) for note in got.notes] == [
        f"the page's end {written} is no time in {zone}: the clocks skip it that day as they "
        "go forward, so I left the end unset; set it with /manage edit"]


@pytest.mark.parametrize(("line", "zone", "starts", "offsets"), [
    ("November 7, 2027, 1:30 AM", "America/New_York", datetime(2027, 11, 7, 5, 30, tzinfo=UTC),
     ("UTC−4", "UTC−5")),
    ("October 31, 2027, 2:30 AM", "Europe/Berlin", datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
     ("UTC+2", "UTC+1")),
])
def test_a_time_the_clocks_show_twice_is_the_first_and_says_so(line, zone, starts, offsets):
    """The hour the clocks go back happens twice: its first time is read, on a page and
    typed alike, and the moderator is told which of the two it was."""
    got, facts = forum_planned(line, zone)
    local = f"{starts.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"
    said = (f"{local} comes twice in {zone} as the clocks go back; I read it as the first "
            f"({offsets[0]}), not the second ({offsets[1]})")
    assert (got.starts_at, got.ends_at, [str(n) for n in facts.notes]) == (starts, None, [said])
    typed = parse_typed(local, zone, datetime(2027, 1, 1, tzinfo=UTC))
    assert (typed.starts_at.astimezone(UTC), str(typed.note)) == (starts, said)
    assert typed_values(typed, When(), None).notes == (typed.note,)  # as /manage import says


@pytest.mark.parametrize(("line", "zone", "starts", "ends"), [
    # across the change: its real length (5 hours, not the 6 the clocks show)
    ("March 13, 2027, 10:00 PM - 4:00 AM", "America/New_York",
     datetime(2027, 3, 14, 3, tzinfo=UTC), datetime(2027, 3, 14, 8, tzinfo=UTC)),
    ("March 14, 2027, 1:00 AM - 3:30 AM", "America/New_York",
     datetime(2027, 3, 14, 6, tzinfo=UTC), datetime(2027, 3, 14, 7, 30, tzinfo=UTC)),
    ("October 3, 2027, 2:45 AM", "Australia/Lord_Howe",
     datetime(2027, 10, 2, 15, 45, tzinfo=UTC), None),
    ("October 3, 2027, 2:15 AM", "Asia/Kathmandu", datetime(2027, 10, 2, 20, 30, tzinfo=UTC),
     None),
])
def test_a_page_time_beside_a_change_of_the_clocks_is_that_moment(line, zone, starts, ends):
    got, facts = forum_planned(line, zone)
    assert (got.starts_at, got.ends_at, facts.notes) == (starts, ends, ())
    typed = parse_typed(f"{starts.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}", zone,
                        datetime(2027, 1, 1, tzinfo=UTC))
    assert typed.starts_at.astimezone(UTC) == starts  # the typed edit reads it alike


@pytest.mark.parametrize("line", [
    "July 3, 2027, 6:00 PM BJT", "July 3, 2027, 6:00 PM (BJT)", "2027年7月3日 18:00 (BJT)",
    "July 3, 2027, 6:00 PM GMT+8", "July 3, 2027, 6:00 PM UTC+08:00", "2027年7月3日 北京时间18:00",
    "July 3, 2027, 6:00 PM Beijing time"])
@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_a_pages_beijing_time_is_read_at_utc_plus_8_wherever_the_server_is(line, zone):
    """BJT, as Chinese pages in English abbreviate Beijing time, was no zone the reader
    knew: 18:00 BJT was read as 18:00 in the server's zone, silently hours off."""
    got, facts = forum_planned(line, zone)
    assert (got.starts_at, facts.notes) == (datetime(2027, 7, 3, 10, tzinfo=UTC), ())


@pytest.mark.parametrize(("line", "written"), [
    ("June 1, 2031, 18:00-25:00 UTC", "25:00"),
    ("June 1, 2031, 6:00 PM - 13:75 PM UTC", "13:75 PM"),
    ("Starts: 2031-06-01T18:00Z/2031-06-01T25:00Z", "2031-06-01T25:00Z"),
])
def test_a_page_end_that_is_no_time_of_day_imports_the_start_and_says_why(line, written):
    """The preview says the end was no time of day, quoting it, as it says of a start."""
    got, _ = forum_planned(line, "UTC")
    assert (got.starts_at, got.ends_at) == (datetime(2031, 6, 1, 18, tzinfo=UTC), None)
    assert [str(note) for note in got.notes] == [
        f"the page's end time {written!r} is not a time of day, so I left the end unset; set "
        "it with /manage edit"]


def test_a_web_pages_structured_end_that_is_no_time_of_day_is_said():
    got = web_forum_planned_with_end("2031-06-01T18:00:00+08:00", "2031-06-01T25:00:00+08:00")
    assert (got.starts_at, got.ends_at) == (datetime(2031, 6, 1, 10, tzinfo=UTC), None)
    assert [str(note) for note in got.notes] == [
        "the page's end time '2031-06-01T25:00:00+08:00' is not a time of day, so I left the "
        "end unset; set it with /manage edit"]


@pytest.mark.parametrize(("line", "written"), [
    ("Starts: 2031-06-01T18:00Z/2031-06-31T20:00Z", "2031-06-31T20:00Z"),
    ("Time: 2031-06-01T18:00+00:00 – 2031-02-30T20:00:00+00:00", "2031-02-30T20:00:00+00:00"),
    ("Time: 2031-06-01T18:00Z – 2031-06-31", "2031-06-31"),
])
def test_a_page_end_on_no_day_of_the_calendar_imports_the_start_and_says_why(line, written):
    """An end dated a day the calendar has not ("June 31") is said as an end that is no
    time of day is: the start stands, the end is left unset, and the preview quotes it."""
    got, _ = forum_planned(line, "UTC")
    assert (got.starts_at, got.ends_at) == (datetime(2031, 6, 1, 18, tzinfo=UTC), None)
    assert [str(note) for note in got.notes] == [
        f"the page's end date {written!r} is no day of the calendar, so I left the end unset; "
        "set it with /manage edit"]


@pytest.mark.parametrize("end", ["2031-02-30", "2031-02-30T20:00:00+08:00"])
def test_a_web_pages_structured_end_on_no_day_of_the_calendar_is_said(end):
    got = web_forum_planned_with_end("2031-02-27T18:00:00+08:00", end)
    assert (got.starts_at, got.ends_at) == (datetime(2031, 2, 27, 10, tzinfo=UTC), None)
    assert [str(note) for note in got.notes] == [
        f"the page's end date {end!r} is no day of the calendar, so I left the end unset; set "
        "it with /manage edit"]


@pytest.mark.parametrize(("line", "written"), [
    ("June 1, 2031, 6:00 PM - 6:00 PM UTC", "6:00 PM"),
    ("June 1, 2031, 18:00 - June 1, 2031, 17:00 UTC", "17:00"),
    ("Time: 2031-06-01T18:00Z/2031-06-01T17:00Z", "2031-06-01T17:00Z"),
])
def test_a_page_end_not_after_its_start_imports_the_start_and_says_why(line, written):
    """An end at or before the start is no event's: the preview says it was left unset."""
    got, _ = forum_planned(line, "UTC")
    assert (got.starts_at, got.ends_at) == (datetime(2031, 6, 1, 18, tzinfo=UTC), None)
    assert [str(note) for note in got.notes] == [
        f"the page's end {written!r} is not after its start, so I left the end unset; set it "
        "with /manage edit"]


def test_a_page_range_past_midnight_imports_its_end_the_next_day_without_a_note():
    got, _ = forum_planned("June 1, 2031, 10:00 PM - 2:00 AM UTC", "UTC")
    assert (got.starts_at, got.ends_at, got.notes) == (
        datetime(2031, 6, 1, 22, tzinfo=UTC), datetime(2031, 6, 2, 2, tzinfo=UTC), ())


@pytest.mark.parametrize(("lines", "start", "end"), [
    ("June 1, 2031\nnoon - 2 PM", 12, 14),
    ("June 1, 2031\n9:00 AM - Noon", 9, 12),
    ("June 1, 2031\n8 PM - midnight", 20, 24),
    ("June 1, 2031\n11 PM - 1 AM (next day)", 23, 25),
])
def test_a_time_line_under_the_date_from_or_to_noon_or_midnight_is_the_events(lines, start,
                                                                              end):
    """A line with only the times under the date line is read with it, noon and midnight
    by name and an end said to be the next day's too."""
    got, facts = forum_planned(lines, "UTC")
    day = datetime(2031, 6, 1, tzinfo=UTC)
    assert (got.starts_at, got.ends_at, facts.notes) == (day + start * HOUR, day + end * HOUR, ())


@pytest.mark.parametrize(("line", "end"), [
    ("2031年6月1日 23:00-次日1:00", "2031-06-02T01:00"),
    ("2031年6月1日 23:00-翌日1:00", "2031-06-02T01:00"),
    ("2031年6月1日 23:00-隔天1:00", "2031-06-02T01:00"),
    ("2031年6月1日 晚上11点至次日凌晨1点", "2031-06-02T01:00"),
    ("2031年6月1日 晚上11點至次日凌晨1點", "2031-06-02T01:00"),  # traditional
    ("2031年6月1日 下午11点至次日5点", "2031-06-02T05:00"),  # 5 in the morning, said
    ("June 1, 2031, 23:00-01:00 (+1)", "2031-06-02T01:00"),
    ("June 1, 2031, 11 PM - 1 AM next day", "2031-06-02T01:00"),
    ("June 1, 2031, 23:00 - 17:00 (next day)", "2031-06-02T17:00"),  # said: however long
])
def test_a_page_end_said_to_be_the_next_days_imports_it_so(line, end):
    got, facts = forum_planned(line, "UTC")
    assert (got.starts_at, got.ends_at, facts.notes) == (
        datetime(2031, 6, 1, 23, tzinfo=UTC), datetime.fromisoformat(end).replace(tzinfo=UTC),
        ())


@pytest.mark.parametrize(("line", "start", "end"), [
    ("June 1, 2031, 22:00-02:00", 22, 26),
    ("June 1, 2031, 9:00 PM - 6:00 AM", 21, 30),
    ("June 1, 2031, 20:00-07:00", 20, 31),  # 11 hours
    ("June 1, 2031, 12:00-02:00", 12, 26),  # from noon into the small hours
    ("June 1, 2031, midnight - 6 AM", 24, 30),
])
def test_a_page_range_past_midnight_an_organiser_would_write_imports_its_end(line, start, end):
    got, facts = forum_planned(line, "UTC")
    day = datetime(2031, 6, 1, tzinfo=UTC)
    assert (got.starts_at, got.ends_at, facts.notes) == (day + start * HOUR, day + end * HOUR, ())


@pytest.mark.parametrize(("line", "start", "written"), [
    ("June 1, 2031, 18:00-17:00", 18, "17:00"),
    ("June 1, 2031, 6 PM - 5 PM", 18, "5 PM"),
    ("June 1, 2031, 11 AM - 1 AM", 11, "1 AM"),
    ("June 1, 2031, 9:00 - 5:00", 9, "5:00"),
    ("June 1, 2031, 7:00 PM – 12:00 PM", 19, "12:00 PM"),
    ("2031年6月1日 18:00-17:00", 18, "17:00"),
])
def test_a_page_end_a_little_before_its_start_is_a_slip_not_the_next_days(line, start, written):
    """An end an hour before the start is no 23-hour event: past midnight only for a run of
    at most 12 hours, or from noon on into the small hours; else the end is left unset and
    the preview says why."""
    got, _ = forum_planned(line, "UTC")
    assert (got.starts_at, got.ends_at) == (datetime(2031, 6, 1, start, tzinfo=UTC), None)
    assert [str(note) for note in got.notes] == [
        f"the page's end {written!r} is not after its start, so I left the end unset; set it "
        "with /manage edit"]
    assert f"the page's end {written!r} is not after its start" in preview_text(got)


@pytest.mark.parametrize("end", ["2031-06-01T17:00:00+08:00", "2031-06-01T18:00:00+08:00",
                                 "2031-05-31"])
def test_a_web_pages_structured_end_not_after_its_start_is_said(end):
    got = web_forum_planned_with_end("2031-06-01T18:00:00+08:00", end)
    assert (got.starts_at, got.ends_at) == (datetime(2031, 6, 1, 10, tzinfo=UTC), None)
    assert [str(note) for note in got.notes] == [
        f"the page's end {end!r} is not after its start, so I left the end unset; set it with "
        "/manage edit"]


@pytest.mark.parametrize(("line", "people", "kept"), [
    ("主办：赵通", "- Host: 赵通", False),
    ("主办：Tong Zhao", "- Host: Tong Zhao", False),
    ("Host: Tong Zhao", "- Host: Tong Zhao", False),
    ("主办：清华大学", None, True),
    ("主辦單位：清華大學", None, True),
    ("Host: Carnegie China", None, True),
])
def test_a_chinese_host_line_on_an_english_page_is_in_the_preview(line, people, kept):
    """"主办：" over a person on an English page is its host, as "Host:" is; over an
    organisation, the line stays in the description. Neither is lost."""
    text = ("Asia Security Forum\nJune 1, 2031, 6:00 PM UTC\nSingapore\n" + line + "\n\n"
            "The Institute hosts its annual forum on security in Asia.\n")
    source = PageSource(text, parse_page(text), "forum.txt")
    check_page(source)
    got = plan_import(source, page_facts([source.page], "UTC"), NOTHING_TYPED, None, "Forum",
                      None, adds_to=False, zone="UTC")
    shown = preview_text(got).splitlines()
    assert "Where: Singapore" in shown
    if people is None:
        assert "People: none found" in shown
    else:
        assert shown[shown.index("People: ") + 1] == people
    assert (line in got.source.page.description) == kept
    assert "annual forum" in got.source.page.description


def web_forum_planned_with_end(start: str, end: str):
    html = ('<html><head><script type="application/ld+json">{"@type": "Event", '
            f'"startDate": "{start}", "endDate": "{end}"}}</script></head><body>'
            "<h1>Asia Security Forum</h1><p>Singapore</p><h2>Speakers</h2><h3>Ada Lovelace"
            "</h3><p>Ada Lovelace is a fellow at the Institute.</p></body></html>").encode()
    source = PageSource(*page_from_bytes("forum.html", html), "forum.html")
    check_page(source)
    facts = page_facts([source.page], "Asia/Shanghai")
    return plan_import(source, facts, NOTHING_TYPED, None, "Forum", None, adds_to=False,
                       zone="Asia/Shanghai")


@pytest.mark.parametrize(("start", "end", "ends_at"), [
    ("2031-06-01T18:00:00", "2031-06-01T20:00:00", datetime(2031, 6, 1, 12, tzinfo=UTC)),
    ("2031-06-01T18:00", "2031-06-02T01:30", datetime(2031, 6, 1, 17, 30, tzinfo=UTC)),
    ("2031-06-01 18:00:00", "2031-06-01 20:00:00", datetime(2031, 6, 1, 12, tzinfo=UTC)),
])
def test_a_web_pages_structured_start_and_end_without_an_offset_are_both_local(start, end,
                                                                               ends_at):
    """A JSON-LD start and end with no offset are local times: both are read in the
    server's zone, as the start alone always was, and the end is not lost."""
    got = web_forum_planned_with_end(start, end)
    assert (got.starts_at, got.ends_at, got.notes) == (
        datetime(2031, 6, 1, 10, tzinfo=UTC), ends_at, ())


def test_a_web_pages_start_at_an_offset_no_place_has_imports_no_date_and_says_why():
    html = (b'<html><head><script type="application/ld+json">{"@type": "Event", '
            b'"startDate": "2031-06-01T10:00:00+15:00"}</script></head><body>'
            b"<h1>Asia Security Forum</h1><p>Singapore</p><h2>Speakers</h2><h3>Ada Lovelace"
            b"</h3><p>Ada Lovelace is a fellow at the Institute.</p></body></html>")
    source = PageSource(*page_from_bytes("forum.html", html), "forum.html")
    check_page(source)
    facts = page_facts([source.page], "Asia/Shanghai")
    assert facts.when.starts_at is None
    assert [str(note) for note in facts.notes] == [
        "the page's time '2031-06-01T10:00:00+15:00' is at an offset no place has (offsets "
        "run from UTC-12:00 to UTC+14:00)"]


def web_forum_planned(start: str, line: str, zone: str):
    """The forum as a web page whose JSON-LD Event starts at `start` and whose visible text
    gives `line` as its date line, read, checked and planned as an import does in `zone`."""
    html = ('<html><head><script type="application/ld+json">{"@type": "Event", '
            f'"startDate": "{start}"}}</script></head><body><h1>Asia Security Forum</h1>'
            f"<p>{line}</p><p>Singapore</p><h2>Speakers</h2><h3>Ada Lovelace</h3>"
            "<p>Ada Lovelace is a fellow at the Institute.</p></body></html>").encode()
    source = PageSource(*page_from_bytes("forum.html", html), "forum.html")
    check_page(source)
    facts = page_facts([source.page], zone)
    return plan_import(source, facts, NOTHING_TYPED, None, "Forum", None, adds_to=False,
                       zone=zone)


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Shanghai"])
def test_a_web_page_whose_text_gives_another_day_than_its_json_ld_says_so_in_a_note(zone):
    """A JSON-LD start left stale by a reschedule still sets the date (it says its offset),
    but the preview quotes the text's day for the moderator to check."""
    line = "Rescheduled to February 11, 2026, 10:00 AM ET"
    got = web_forum_planned("2026-02-10T10:00:00-05:00", line, zone)
    assert got.starts_at == datetime(2026, 2, 10, 15, tzinfo=UTC)
    assert [str(note) for note in got.notes] == [
        f"the page's text gives the date {line!r}, another day than the start in its "
        "structured data, which I used; check which is right, and fix it with /manage edit "
        "if need be"]


@pytest.mark.parametrize(("start", "line", "zone"), [
    # the same day at another time: the JSON-LD's zone is the one to trust
    ("2026-02-10T10:00:00-05:00", "February 10, 2026, 2:00 PM", "America/New_York"),
    ("2026-02-10T10:00:00-05:00", "Tuesday, February 10, 2026", "America/New_York"),
    # the same day in the server's zone, though another by the text's own clock
    ("2026-02-10T22:00:00-05:00", "February 11, 2026, 11:00 AM", "Asia/Shanghai"),
    # the text gives no date, or only a time
    ("2026-02-10T10:00:00-05:00", "Register by email", "America/New_York"),
    ("2026-02-10T10:00:00-05:00", "Time: 10:00 AM ET", "America/New_York"),
    # its own zone, and the same moment
    ("2026-02-10T10:00:00-05:00", "February 10, 2026, 11:00 PM Beijing time", "Asia/Shanghai"),
])
def test_a_web_page_whose_text_gives_its_json_ld_day_or_none_has_no_note(start, line, zone):
    got = web_forum_planned(start, line, zone)
    assert got.starts_at == datetime.fromisoformat(start)
    assert got.notes == ()


@pytest.mark.parametrize("zone", ["America/New_York", "UTC"])
def test_a_web_page_whose_zoned_time_is_another_than_its_json_ld_says_so_in_a_note(zone):
    """The text gives its time with its zone (6:00 PM EST, 23:00 UTC); the JSON-LD says
    18:00 UTC, a site's local time written as UTC: it still sets the start, silently until
    now, members told 1 PM in New York; now the preview quotes the text's time."""
    line = "Tuesday, December 1, 2026, 6:00 PM - 8:00 PM EST"
    got = web_forum_planned("2026-12-01T18:00:00+00:00", line, zone)
    assert got.starts_at == datetime(2026, 12, 1, 18, tzinfo=UTC)
    assert [str(note) for note in got.notes] == [
        f"the page's text gives the time {line!r}, another time than the start in its "
        "structured data, which I used; check which is right, and fix it with /manage edit "
        "if need be"]


@pytest.mark.parametrize(("line", "hours"), [("June 1, 2031, 6:00 PM UTC-12", -12),
                                             ("June 1, 2031, 6:00 PM UTC+14", 14),
                                             ("2031-06-01 18:00:00-12:00", -12)])
def test_a_page_time_at_the_farthest_offsets_places_have_is_read_there(line, hours):
    text = FORUM.format(line=line)
    facts = page_facts([parse_page(text)], "Asia/Shanghai")
    assert facts.when.starts_at == datetime(2031, 6, 1, 18, tzinfo=UTC) - timedelta(hours=hours)
    assert facts.notes == ()


def test_a_page_giving_a_run_of_days_that_is_none_imports_no_date_and_says_why():
    text = FORUM.format(line="June 3 - June 1, 2031")
    source = PageSource(text, parse_page(text), "forum.txt")
    facts = page_facts([source.page], "UTC")
    got = plan_import(source, facts, NOTHING_TYPED, None, "Forum", None, adds_to=False)
    assert (got.starts_at, got.ends_at) == (None, None)
    assert [str(note) for note in got.notes] == [
        "the page's dates 'June 3 - June 1, 2031' are not a run of days I can read (its last "
        "day must come after its first, within 30 days), so I left the start unset; set it "
        "with /manage edit"]
