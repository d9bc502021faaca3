"""The import flow's pure decisions: which times and venue an import gives the event, and
which pages it refuses, before anything is shown or saved."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.catalog import NOT_AN_EVENT_PAGE, PageFacts, PageSource
from bot.errors import InvalidValue
from bot.flows.importing import Typed, check_page, check_upload, plan_import, typed_values
from bot.models import Event
from bot.pages import MAX_PAGE_BYTES, parse_page
from bot.webpage import MAX_HTML_BYTES
from bot.when import When

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
