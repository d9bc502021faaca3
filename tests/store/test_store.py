"""The store on a real SQLite file: migrations, registration under concurrency, imports."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import sys
import textwrap
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from bot.errors import Conflict, DatabaseBusy, Unavailable
from bot.models import CapacityPayload, ClosedPayload, EventEdit, PromotedPayload
from bot.pages import Person, parse_page
from bot.registration import ARCHIVED, PAGE_CLOSED, JoinOutcome, Status
from bot.storage import EventDraft, EventNotFound, open_store, utcnow
from bot.storage.postgres import store as postgres_store
from bot.storage.sqlite import migrate as sqlite_migrate
from bot.storage.sqlite import session as sqlite_session
from bot.storage.sqlite import store as sqlite_store
from bot.storage.sqlite.migrate import statements
from bot.storage.sqlite.migrations import SCHEMA_VERSION
from tests.conftest import (
    ROOT,
    archived_holding_rsvps,
    attendees_of,
    execute_sql,
    joins_held,
    make_page,
    new_event,
    rsvp_of,
    sqlite_before,
    writes_held,
)


@pytest.mark.sqlite_only
async def test_a_new_database_is_migrated_with_wal_and_foreign_keys(store_opener, tmp_path):
    path = tmp_path / "new.sqlite3"
    async with await store_opener(path) as store:
        assert await store.run(store.schema.schema_version) == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"events", "rsvps", "pages", "people", "takeaways", "outbox"} <= tables
    conn.close()
    async with await store_opener(path) as store:  # reopening migrates nothing twice
        assert await store.run(store.schema.schema_version) == SCHEMA_VERSION


@pytest.mark.sqlite_only
async def test_a_database_from_a_newer_bot_is_refused(store_opener, tmp_path):
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(Exception, match="newer than this bot"):
        await store_opener(path)


async def test_500_concurrent_joins_on_50_seats(store):
    event = await new_event(store, capacity=50)
    results = [joined.result for joined in await asyncio.gather(
        *(store.join(1, event.id, user, f"member {user}") for user in range(1, 501)))]
    confirmed = [u for u, r in zip(range(1, 501), results, strict=True)
                 if r.outcome is JoinOutcome.CONFIRMED]
    waitlisted = [(u, r.position) for u, r in zip(range(1, 501), results, strict=True)
                  if r.outcome is JoinOutcome.WAITLISTED]
    assert confirmed == list(range(1, 51))
    assert waitlisted == [(u, u - 50) for u in range(51, 501)]
    assert sum(r.filled for r in results) == 1
    assert await store.run(store.notices.count_notices, "capacity") == 1
    saved = await store.run(store.events.get_event, 1, event.id)
    assert (saved.confirmed, saved.waitlisted) == (50, 450)
    attendees = await attendees_of(store, event.id)
    assert [a.user_id for a in attendees] == list(range(1, 501))
    assert [a.position for a in attendees[50:53]] == [1, 2, 3]


async def test_joining_twice_in_one_burst_counts_once(store):
    event = await new_event(store, capacity=1)
    results = [joined.result for joined in await asyncio.gather(
        *(store.join(1, event.id, u, "m") for u in (7, 8, 7, 8)))]
    assert [r.outcome for r in results] == [
        JoinOutcome.CONFIRMED, JoinOutcome.WAITLISTED,
        JoinOutcome.ALREADY_CONFIRMED, JoinOutcome.ALREADY_WAITLISTED]
    assert results[3].position == 1
    assert len(await attendees_of(store, event.id)) == 2


async def test_a_join_names_the_event_as_its_transaction_read_it(store_opener, tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as here, await store_opener(path) as there:
        event = await new_event(here, capacity=5)
        first = await here.join(1, event.id, 1, "a")
        assert first.event == await here.summary(1, event.id)
        await execute_sql(there, "UPDATE events SET title = 'Renamed There' WHERE id = ?",
                          event.id)
        renamed = await here.join(1, event.id, 2, "b")
        assert (renamed.event.title, renamed.result.outcome) == (
            "Renamed There", JoinOutcome.CONFIRMED)
        await archived_holding_rsvps(there, event.id)
        refused = await here.join(1, event.id, 3, "c")
        assert refused.event.archived and refused.result.reason == ARCHIVED
        assert refused.event.title == "Renamed There"


async def test_a_join_for_an_unknown_or_foreign_event_fails_alone(store):
    event = await new_event(store, capacity=5)
    good, unknown, foreign = await asyncio.gather(
        store.join(1, event.id, 1, "a"), store.join(1, 9999, 2, "b"),
        store.join(2, event.id, 3, "c"), return_exceptions=True)
    assert good.result.outcome is JoinOutcome.CONFIRMED
    assert isinstance(unknown, EventNotFound)
    assert isinstance(foreign, EventNotFound)


async def written(store, event_id: int) -> list[tuple]:
    """Changes whenever the event's row is written: its row version on PostgreSQL; on
    SQLite, the database's data_version as another connection than the joins' sees it."""
    if getattr(store, "_pool", None) is not None:
        return await execute_sql(store, "SELECT xmin::text FROM events WHERE id = ?", event_id)
    return await execute_sql(store, "PRAGMA data_version")


async def test_joins_write_an_event_only_for_its_own_server_and_a_change(store):
    event = await new_event(store, capacity=5)
    await store.join(1, event.id, 1, "a")
    before = await written(store, event.id)
    with pytest.raises(EventNotFound):  # another server naming this event's id
        await store.join(2, event.id, 2, "b")
    again = await store.join(1, event.id, 1, "a")  # already confirmed: nothing to change
    assert again.result.outcome is JoinOutcome.ALREADY_CONFIRMED
    assert await written(store, event.id) == before
    await store.join(1, event.id, 3, "c")
    assert await written(store, event.id) != before


async def test_cancel_promotes_the_head_of_the_waitlist_and_queues_its_dm(store):
    event = await new_event(store, capacity=1)
    for user in (1, 2, 3):
        await store.join(1, event.id, user, f"m{user}")
    result = await store.run(store.registrations.cancel, 1, event.id, 1)
    assert result.promotions.promoted == (2,)
    assert (await rsvp_of(store, event.id, 2)).status is Status.CONFIRMED
    assert (await rsvp_of(store, event.id, 3)).position == 1
    assert await rsvp_of(store, event.id, 1) is None
    notices = await store.run(store.notices.claim_notices)
    assert [n.payload for n in notices] == [CapacityPayload(), PromotedPayload(2, seq=2)]


async def test_capacity_changes_promote_and_never_evict(store):
    event = await new_event(store, capacity=2)
    for user in range(1, 6):
        await store.join(1, event.id, user, "m")
    with pytest.raises(Conflict, match="cannot go below"):
        await store.run(store.registrations.set_capacity, 1, event.id, 1)
    promotions = await store.run(store.registrations.set_capacity, 1, event.id, 4)
    assert promotions.promoted == (3, 4)
    saved = await store.run(store.events.get_event, 1, event.id)
    assert (saved.capacity, saved.confirmed, saved.waitlisted) == (4, 4, 1)


async def test_close_and_reopen(store):
    event = await new_event(store, capacity=2)
    await store.join(1, event.id, 1, "m")
    await store.run(store.registrations.close_registration, 1, event.id, "room change", by=99)
    refused = (await store.join(1, event.id, 2, "m")).result
    assert refused.outcome is JoinOutcome.CLOSED
    assert "room change" in refused.reason
    await store.run(store.registrations.open_registration, 1, event.id, by=99)
    assert (await store.join(1, event.id, 2, "m")).result.filled is True
    kinds = [n.kind for n in await store.run(store.notices.claim_notices)]
    assert kinds == ["closed", "opened", "capacity"]


async def test_an_imported_page_that_says_closed_starts_closed(store):
    event = await new_event(store, registration_closed=True)
    assert not event.registration_open
    assert (await store.join(1, event.id, 1, "m")).result.outcome is JoinOutcome.CLOSED


async def test_a_page_edited_to_say_closed_closes_an_open_event_once(store):
    """The rule `content.newly_closed` on each backend: an edited page saying registration
    has closed closes it, and the channel hears why; reopened, the same page imported
    again, or a second language's page saying so too, leaves it open. A recap saying so
    (added to the event, `add_page`) is news where no page said it."""
    event = await new_event(store, capacity=3)
    await store.run(store.notices.claim_notices)
    draft = EventDraft(slug="talk", title=event.title, capacity=3)
    closing = make_page(description="Registration has closed.", registration_closed=True)
    saved, _ = await store.run(store.events.save_event, 1, draft, [("closed text", closing)])
    assert not saved.registration_open and saved.closed_reason == PAGE_CLOSED
    notices = await store.run(store.notices.claim_notices)
    assert [(n.kind, n.payload) for n in notices] == [
        ("closed", ClosedPayload(PAGE_CLOSED, None))]
    await store.run(store.registrations.open_registration, 1, event.id, by=99)
    zh = replace(closing, language="Chinese")
    for body, page in (("closed text", closing), ("报名已截止。", zh)):
        saved, _ = await store.run(store.events.save_event, 1, draft, [(body, page)])
        assert saved.registration_open, body

    other = await new_event(store, slug="other", capacity=3)
    recap = make_page("recap", registration_closed=True)
    assert not (await store.run(store.events.add_page, 1, other.id, "recap text",
                                recap)).registration_open


async def test_reimport_updates_in_place_and_keeps_rsvps(store):
    event = await new_event(store, capacity=3)
    await store.join(1, event.id, 1, "m")
    again, created = await store.run(store.events.save_event,
        1, EventDraft(slug="talk", title="Renamed", capacity=3),
        [("text", make_page(people=(("Ada Lovelace", "moderator"), ("Alan Turing", "speaker"))))])
    assert not created and again.id == event.id
    assert again.title == "Renamed"
    assert [p.name for p in again.people] == ["Ada Lovelace", "Alan Turing"]
    assert again.confirmed == 1
    assert (await rsvp_of(store, event.id, 1)).status is Status.CONFIRMED
    assert len((await store.run(store.events.event_titles, 1)).titles) == 1


async def test_an_edited_page_imported_again_replaces_what_it_said(store):
    """Its speaker gone, a bio rewritten, a description changed: the event's content is
    merged again from its pages, the edited one in its slot, where it used to keep the
    first bio and every speaker any version ever named."""
    three = (("Ada Lovelace", "moderator"), ("Alan Turing", "speaker"),
             ("Grace Hopper", "speaker"))
    event = await new_event(store, people=three)
    recap = make_page("recap", people=(("Ada Lovelace", "moderator"),),
                      takeaways=(("First", "one"),), description="It went well.")
    await store.run(store.events.add_page, 1, event.id, "recap text", recap)
    edited = make_page(people=three[:2], description="About it, edited.")
    edited = replace(edited, people=(edited.people[0], Person(
        "Alan Turing", "speaker", "Alan Turing leads the verification project.")))
    again, created = await store.run(store.events.save_event,
        1, EventDraft(slug="talk", title="Event talk", capacity=50), [("page text", edited)])
    assert not created and again.id == event.id
    assert [(p.name, p.bio) for p in again.people] == [
        ("Ada Lovelace", "Ada Lovelace is a researcher."),
        ("Alan Turing", "Alan Turing leads the verification project.")]
    assert again.description == "About it, edited."
    assert [t.heading for t in again.takeaways] == ["First"]  # the recap's, untouched
    assert await store.run(store.events.get_event, 1, event.id) == again


async def test_two_pages_of_one_kind_and_language_in_one_import_both_count(store):
    """A folder may give two English announcements (the event's page and a speakers'
    page): they share the event's slot, and what both say is the event's."""
    first = make_page(people=(("Ada Lovelace", "moderator"),), description="About it.")
    second = make_page(people=(("Alan Turing", "speaker"),), description="Who speaks.")
    event, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="panel", title="Panel", capacity=5), [("page one", first), ("page two", second)])
    assert [p.name for p in event.people] == ["Ada Lovelace", "Alan Turing"]
    recap = make_page("recap", people=(), takeaways=(("First", "one"),))
    after = await store.run(store.events.add_page, 1, event.id, "recap text", recap)
    assert [p.name for p in after.people] == ["Ada Lovelace", "Alan Turing"]
    # one of them again, unchanged (a retry): it takes its own place, the other stays
    assert not await store.run(store.events.has_other_page, 1, event.id, "announcement",
                               "page two")
    again = await store.run(store.events.add_page, 1, event.id, "page two", second)
    assert [p.name for p in again.people] == ["Ada Lovelace", "Alan Turing"]
    # an edited one takes the place of both, which the preview says first
    assert await store.run(store.events.has_other_page, 1, event.id, "announcement",
                           "page two, edited")
    edited = await store.run(store.events.add_page, 1, event.id, "page two, edited", second)
    assert [p.name for p in edited.people] == ["Alan Turing"]


async def test_of_two_recaps_the_last_imported_gives_the_takeaways(store):
    """English and Chinese recaps: an edited English one imported again gives the
    takeaways (merged in a fixed order, the Chinese one always would)."""
    event = await new_event(store)
    english = make_page("recap", takeaways=(("Deterrence", "one"),), description="It went.")
    chinese = make_page("recap", takeaways=(("威慑", "一"),), description="活动回顾。")
    for body, recap in (("recap text", english), ("中文的活动回顾和主要观点", chinese)):
        await store.run(store.events.add_page, 1, event.id, body, recap)
    edited = make_page("recap", takeaways=(("Deterrence, edited", "one"),),
                       description="It went.")
    shown = await store.run(store.events.add_page, 1, event.id, "recap text, edited", edited)
    assert [t.heading for t in shown.takeaways] == ["Deterrence, edited"]
    assert shown.recap_summary == "It went."
    # the announcement imported again, within the same second: the recaps stay as they are
    again, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="talk", title="Event talk", capacity=50), [("page text", make_page())])
    assert [t.heading for t in again.takeaways] == ["Deterrence, edited"]


async def test_a_reimport_with_a_new_start_brings_its_own_end(store):
    starts = utcnow().replace(microsecond=0) + timedelta(days=3)
    draft = EventDraft(slug="talk", title="Talk", capacity=3, starts_at=starts,
                       ends_at=starts + timedelta(hours=2))
    event, _ = await store.run(store.events.save_event, 1, draft, [("text", make_page())])
    moved = starts + timedelta(days=7)
    again, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="talk", title="Talk", capacity=3, starts_at=moved), [("text", make_page())])
    # The old end lay before the new start: the event would have been over before it began.
    assert (again.starts_at, again.ends_at) == (moved, None)
    assert (await store.join(1, event.id, 1, "m")).result.outcome is JoinOutcome.CONFIRMED
    kept, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="talk", title="Talk", capacity=3), [("text", make_page())])
    assert (kept.starts_at, kept.ends_at) == (moved, None)  # no time typed: both kept


async def test_a_recap_attaches_to_its_event(store):
    event = await new_event(store)
    recap = make_page("recap", people=(("Ada Lovelace", "moderator"),),
                      takeaways=(("First", "one"), ("Second", "two")), description="It went well.")
    updated = await store.run(store.events.add_page, 1, event.id, "recap text", recap)
    assert updated.has_recap
    assert [t.heading for t in updated.takeaways] == ["First", "Second"]
    assert updated.description == "About it."
    assert updated.recap_summary == "It went well."
    assert [p.name for p in updated.people] == ["Ada Lovelace"]
    assert [n.kind for n in await store.run(store.notices.claim_notices)] == ["recap"]


async def test_events_are_scoped_to_their_guild(store):
    mine = await new_event(store, guild_id=1)
    await new_event(store, guild_id=2)
    with pytest.raises(EventNotFound):
        await store.run(store.events.get_event, 2, mine.id)
    assert [e.id for e in (await store.run(store.events.event_titles, 1)).titles] == [mine.id]


async def test_announced_events_are_listed_in_every_guild_or_in_one(store):
    here, there = await new_event(store, 1, slug="here"), await new_event(store, 2, slug="there")
    await new_event(store, 1, slug="never-announced")
    for event, message_id in ((here, 10), (here, 11), (there, 20)):
        await store.run(store.notices.add_announcement_message, event.id, 5, message_id, "d")
    assert sorted(await store.run(store.notices.events_with_announcements)) == [
        (1, here.id), (2, there.id)]
    assert await store.run(store.notices.events_with_announcements, 2) == [(2, there.id)]
    assert await store.run(store.notices.events_with_announcements, 3) == []


async def test_new_events_with_the_same_title_get_distinct_slugs(store):
    draft = EventDraft(slug="panel", title="Panel")
    first, _ = await store.run(store.events.save_event,
                               1, draft, [("one page", make_page())], new=True)
    second, _ = await store.run(store.events.save_event,
                                1, draft, [("another page", make_page())], new=True)
    assert (first.slug, second.slug) == ("panel", "panel-2")


async def test_a_page_imported_again_as_new_updates_its_event(store):
    page = "A discussion.\n\nAda Lovelace will moderate.\n"
    first, created = await store.run(store.events.save_event,
        1, EventDraft(slug="panel", title="Panel", capacity=5), [(page, make_page())], new=True)
    assert created
    await store.join(1, first.id, 7, "m")
    respaced = "  A  discussion.\r\n\r\n\r\nAda Lovelace\twill moderate."
    again, created = await store.run(store.events.save_event,
        1, EventDraft(slug="panel", title="Panel, Revised", capacity=6),
        [(respaced, make_page())], new=True)
    assert not created and again.id == first.id and again.slug == "panel"
    assert (again.title, again.capacity, again.confirmed) == ("Panel, Revised", 6, 1)
    assert [e.id for e in (await store.run(store.events.event_titles, 1)).titles] == [first.id]
    # Another server's copy of the page is its own event.
    elsewhere, created = await store.run(store.events.save_event,
        2, EventDraft(slug="panel", title="Panel"), [(page, make_page())], new=True)
    assert created and elsewhere.id != first.id


@pytest.mark.sqlite_only
async def test_pages_imported_before_hashing_are_recognised_after_the_upgrade(
        store_opener, tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite_before(path, "pages_by_text_hash")  # before pages were hashed
    conn.execute("INSERT INTO events (id, guild_id, slug, title, capacity, created_at,"
                 " updated_at) VALUES (1, 5, 'old', 'Old', 10, 0, 0)")
    conn.execute("INSERT INTO pages VALUES (1, 'announcement', 'A talk about lighthouses.', 0)")
    conn.commit()
    conn.close()
    async with await store_opener(path) as store:
        again, created = await store.run(store.events.save_event,
            5, EventDraft(slug="old", title="Old"),
            [("A talk  about\nlighthouses.\n", make_page())], new=True)
    assert not created and again.id == 1


REVISED = datetime(2031, 3, 4, 18, tzinfo=UTC)


async def check_calendar_revisions(store, guild_id: int, event_id: int) -> int:
    """An edit of what a calendar shows counts one revision (the `.ics` SEQUENCE); the same
    values written again, joins, capacity and closing count none. The revision reached."""
    async def revision() -> int:
        return (await store.run(store.events.get_event, guild_id, event_id)).revision

    first = await revision()
    event = await store.run(store.events.get_event, guild_id, event_id)
    same = EventEdit(title=event.title, starts_at=event.starts_at, ends_at=event.ends_at,
                     all_day=event.all_day, venue=event.venue, link=event.link)
    await store.run(store.events.edit_event, guild_id, event_id, same)
    await store.join(guild_id, event_id, 7, "seven")
    await store.run(store.registrations.set_capacity, guild_id, event_id, event.capacity + 1)
    await store.run(store.registrations.close_registration, guild_id, event_id, None, by=1)
    assert await revision() == first
    edits: list[dict[str, Any]] = [  # each field alone, one after another
        {"venue": "Room 2"}, {"starts_at": REVISED}, {"title": "Renamed"},
        {"ends_at": REVISED + timedelta(hours=2)}, {"link": "https://example.org/e"},
        {"all_day": True}]
    for count, changed in enumerate(edits, 1):
        same = replace(same, **changed)
        await store.run(store.events.edit_event, guild_id, event_id, same)
        assert await revision() == first + count, changed
    return first + len(edits)


async def test_an_event_counts_the_revisions_a_calendar_shows(store):
    event = await new_event(store, capacity=3)
    first = event.revision  # its page's description may count one: it is written after
    reached = await check_calendar_revisions(store, 1, event.id)
    assert reached == first + 6
    draft = EventDraft(slug="talk", title="Renamed")
    again, _ = await store.run(store.events.save_event, 1, draft,
                               [("page text", make_page())])
    assert again.revision == reached  # the same page and title again: nothing it shows
    described, _ = await store.run(store.events.save_event, 1, draft,
                                   [("page text 2", make_page(description="Now in Hall 3."))])
    assert described.revision == reached + 1 and described.description == "Now in Hall 3."


@pytest.mark.sqlite_only
async def test_events_from_before_revisions_start_counting_at_the_upgrade(store_opener,
                                                                            tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite_before(path, "events_revision")
    conn.execute("INSERT INTO events (id, guild_id, slug, title, capacity, venue, created_at,"
                 " updated_at) VALUES (1, 5, 'old', 'Old', 10, 'Hall', 0, 0)")
    conn.commit()
    conn.close()
    async with await store_opener(path) as store:
        # 1, not 0: a file given out before had no SEQUENCE, which reads as 0
        assert await check_calendar_revisions(store, 5, 1) == 1 + 6


@pytest.mark.sqlite_only  # migration 37 is SQLite's
async def test_the_upgrade_moves_an_events_texts_out_of_the_row_its_joins_rewrite(
        store_opener, tmp_path):
    """Migration 37: an event's description, recap summary and access notes leave its row,
    which every join rewrites whole (reading all of it), for one beside it: they read as
    before, a new description counts a revision and a join none, and they go with the
    event."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite_before(path, "CREATE TABLE event_texts")
    described = "关于导弹防御的争议。" * 20_000  # 600 KB, over a hundred pages of the file
    conn.execute("INSERT INTO events (id, guild_id, slug, title, capacity, description,"
                 " recap_summary, access_notes, created_at, updated_at, revision) VALUES"
                 " (1, 5, 'old', 'Old', 1, ?, 'It went well.', '[\"Bring ID\"]', 0, 0, 4)",
                 (described,))
    conn.commit()
    conn.close()
    async with await store_opener(path) as store:
        old = await store.run(store.events.get_event, 5, 1)
        assert (old.description, old.recap_summary, old.access_notes, old.revision) == (
            described, "It went well.", ("Bring ID",), 4)
        columns = {row[1] for row in await execute_sql(store, "PRAGMA table_info(events)")}
        assert not columns & {"description", "recap_summary", "access_notes"}
        assert await check_calendar_revisions(store, 5, 1) == 4 + 6  # joins count none
        await execute_sql(store, "UPDATE event_texts SET description = 'Moved.'")
        moved = await store.run(store.events.get_event, 5, 1)
        assert (moved.description, moved.revision) == ("Moved.", 4 + 6 + 1)
        await store.run(store.events.delete_event, 5, 1)
        assert await execute_sql(store, "SELECT count(*) FROM event_texts") == [(0,)]


@pytest.mark.sqlite_only
async def test_a_process_starting_during_anothers_long_upgrade_waits_for_it(
        store_opener, tmp_path, monkeypatch):
    """An upgrade re-indexing many events outlasts a write's usual wait for the lock: a
    second process opening the database meanwhile waits for it, then finds it done."""
    monkeypatch.setattr(sqlite_session, "BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "old.sqlite3"
    upgrading = old_database_locked_elsewhere(path)  # the other process's upgrade, under way

    async def finish_upgrade() -> None:
        await asyncio.sleep(0.5)  # five times the usual wait
        upgrading.execute("ROLLBACK")  # (left for this one to do)

    finishing = asyncio.create_task(finish_upgrade())
    async with await store_opener(path) as store:
        assert finishing.done()
        assert await store.run(store.schema.schema_version) == SCHEMA_VERSION
        waits = await store.run(lambda: store._repos.session.conn.execute(
            "PRAGMA busy_timeout").fetchone()[0])
        assert waits == 100  # the usual wait again, once the upgrade is done
    upgrading.close()


@pytest.mark.sqlite_only
async def test_a_start_waiting_for_anothers_upgrade_stops_within_a_try_when_asked(tmp_path):
    """The wait for another process's upgrade may be long: a stop (Ctrl-C cancels the
    start) ends it within a try for the lock, not when the other process is done."""
    path = tmp_path / "old.sqlite3"
    holder = old_database_locked_elsewhere(path)  # the other process's upgrade, under way
    done_elsewhere = threading.Timer(8, holder.execute, ("ROLLBACK",))
    done_elsewhere.start()
    try:
        opening = asyncio.create_task(open_store(path))
        await asyncio.sleep(0.5)
        asked = time.monotonic()
        opening.cancel()
        with pytest.raises(asyncio.CancelledError):
            await opening
        assert time.monotonic() - asked < 2
    finally:
        done_elsewhere.cancel()  # (it bounds the wait of a start that would not stop)
        done_elsewhere.join()
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()


def old_database_locked_elsewhere(path) -> sqlite3.Connection:
    """A database from before the revisions' migration, holding an event with something
    to search, and another process's write under way on it (roll it back to let go)."""
    old = sqlite_before(path, "events_revision")
    old.execute("INSERT INTO events (id, guild_id, slug, title, capacity, description,"
                " created_at, updated_at) VALUES (1, 5, 'old', 'Old', 10,"
                " 'A talk about lighthouses.', 0, 0)")
    old.commit()
    old.close()
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN IMMEDIATE")
    return holder


@pytest.mark.sqlite_only
async def test_two_starts_waiting_on_an_old_database_both_open_and_index_it_once(tmp_path):
    """Two shards started together on an old file: one upgrades, the other then finds the
    upgrade done (not a database "newer than this bot"), and indexes nothing again."""
    path = tmp_path / "old.sqlite3"
    holder = old_database_locked_elsewhere(path)
    opening = [asyncio.create_task(open_store(path)) for _ in range(2)]
    await asyncio.sleep(0.5)  # both have read the old version and wait for the lock
    holder.execute("ROLLBACK")
    for store in await asyncio.gather(*opening):
        await store.close()
    rows, distinct = holder.execute(
        "SELECT count(*), count(DISTINCT text || source) FROM passages").fetchone()
    assert holder.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert rows > 0 and rows == distinct
    holder.close()


@pytest.mark.sqlite_only
async def test_an_upgrade_that_fails_for_another_reason_than_a_lock_fails_at_once(
        tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite3"
    sqlite_before(path, "events_revision").close()
    tries = []

    def broken(*args: Any) -> None:
        tries.append(args)
        raise sqlite3.OperationalError("no such column: x")

    monkeypatch.setattr(sqlite_migrate.Migrator, "_upgrade", broken)
    monkeypatch.setattr(sqlite_migrate, "UPGRADE_WAIT_S", 1)  # a retry would show within it
    with pytest.raises(Unavailable, match="no such column"):
        await open_store(path)
    assert len(tries) == 1


@pytest.mark.sqlite_only
async def test_the_wait_for_anothers_upgrade_is_counted_in_minutes(tmp_path, monkeypatch):
    """Each try for the lock is made to look a minute long: four of them stay within the
    wait, which allows for an upgrade re-indexing many thousands of events."""
    path = tmp_path / "old.sqlite3"
    holder = old_database_locked_elsewhere(path)
    minutes = itertools.count(0, 60)
    monkeypatch.setattr(sqlite_migrate, "time", SimpleNamespace(monotonic=lambda: next(minutes)))
    opening = asyncio.create_task(open_store(path))
    await asyncio.sleep(1.0)  # about four tries of UPGRADE_POLL_MS
    holder.execute("ROLLBACK")
    async with await opening as store:
        assert await store.run(store.schema.schema_version) == SCHEMA_VERSION
    holder.close()


def test_migrations_split_where_sqlite_ends_a_statement():
    trigger = ("CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; SELECT 2; END;")
    assert statements(f"CREATE TABLE a (x INT);\n{trigger}\n-- the end; really") == [
        "CREATE TABLE a (x INT);", trigger, "-- the end; really"]
    assert statements("SELECT 1;; SELECT ';' -- no semicolon last") == [
        "SELECT 1;", "SELECT ';' -- no semicolon last"]
    with pytest.raises(ValueError, match="unfinished"):  # nothing of it is run
        statements("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; -- no END")


# A database from before what pages give was kept (either backend's): its events' content
# stands for pages whose content the bot cannot know (an older reader, two pages in one
# slot); it is merged as before, nothing lost or taken out, until every one of the event's
# pages has been imported again.
OLD_PAGE = ("Arms Control After New START\n\nModerator: Ada Lovelace\n"
            "Speakers: Alan Turing, Grace Hopper\n")
OLD_RECAP = "Arms Control After New START: a recap\n\nAda Lovelace opened the evening.\n"
OLD_PAGES = [(1, "announcement", OLD_PAGE), (1, "recap", OLD_RECAP),
             (2, "announcement", "1234 5678")]
OLD_PEOPLE = [(1, 0, "Ada Lovelace", "moderator", ""), (1, 1, "Alan Turing", "speaker", ""),
              (1, 2, "Grace Hopper", "speaker", ""), (2, 0, "Kept Person", "speaker", "")]


async def check_old_content_kept_until_every_page_is_imported_again(store) -> None:
    edited = OLD_PAGE.replace(", Grace Hopper", "")
    again, created = await store.run(store.events.save_event, 5, EventDraft(
        slug="old1", title="Old"), [(edited, parse_page(edited))])
    assert not created
    assert [p.name for p in again.people] == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    recap = make_page("recap", people=(("Ada Lovelace", "moderator"),))
    rebuilt = await store.run(store.events.add_page, 5, 1, "recap text", recap)
    assert [p.name for p in rebuilt.people] == ["Ada Lovelace", "Alan Turing"]
    kept = await store.run(store.events.add_page, 5, 2, "recap text", recap)
    assert [p.name for p in kept.people] == ["Kept Person", "Ada Lovelace"]


@pytest.mark.sqlite_only
async def test_content_from_before_the_upgrade_is_kept_until_its_pages_come_again(
        store_opener, tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite_before(path, "parsed")
    conn.executemany("INSERT INTO events (id, guild_id, slug, title, capacity, created_at,"
                     " updated_at) VALUES (?, 5, 'old' || ?, 'Old', 10, 0, 0)",
                     [(1, 1), (2, 2)])
    conn.executemany("INSERT INTO pages (event_id, kind, body, imported_at)"
                     " VALUES (?, ?, ?, 0)", OLD_PAGES)
    conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?)", OLD_PEOPLE)
    conn.commit()
    conn.close()
    async with await store_opener(path) as store:
        await check_old_content_kept_until_every_page_is_imported_again(store)


@pytest.mark.sqlite_only
async def test_the_upgrade_hashing_older_pages_holds_one_page_in_memory_not_all(tmp_path):
    """The pages saved before their text was hashed were all read into memory at once to
    hash them: a database of many long pages took their whole size. One page at a time,
    four times as many pages take about the same memory at the peak."""
    import tracemalloc

    peaks = []
    for pages in (4, 16):
        path = tmp_path / f"old-{pages}.sqlite3"
        conn = sqlite_before(path, "text_hash")
        for event_id in range(1, pages + 1):
            conn.execute("INSERT INTO events (id, guild_id, slug, title, capacity, created_at,"
                         " updated_at) VALUES (?, 5, ?, 'Old', 10, 0, 0)",
                         (event_id, f"old{event_id}"))
            conn.execute("INSERT INTO pages (event_id, kind, body, imported_at)"
                         " VALUES (?, 'announcement', ?, 0)",
                         (event_id, f"Page {event_id}\n" + "word " * 200_000))  # 1 MB each
        conn.commit()
        conn.close()
        tracemalloc.start()
        try:
            async with await open_store(path) as store:
                peaks.append(tracemalloc.get_traced_memory()[1])
                assert await store.run(store.events.imported_event_id, 5,
                                       f"Page {pages}\n" + "word " * 200_000) == pages
        finally:
            tracemalloc.stop()
    assert peaks[1] < 1.5 * peaks[0], peaks


# A Chinese announcement saved before an event kept a page per language (SQLite's 7), which
# that upgrade labelled English, as every page then (either backend's: `migrate-db` copied
# the label): an edited version imported since must take its place, as it does the place
# of a Chinese page saved later.
OLD_CHINESE_PAGE = "中美导弹防御争议\n\n主持人：赵通\n主讲人：李彬\n评议人：樊吉社\n"


async def check_old_chinese_page_replaced_by_its_edit(store) -> None:
    edited = OLD_CHINESE_PAGE.replace("评议人：樊吉社\n", "")
    again, created = await store.run(store.events.save_event, 5, EventDraft(
        slug="old1", title="Old"), [(edited, parse_page(edited))])
    assert not created
    assert [p.name for p in again.people] == ["赵通", "李彬"]


@pytest.mark.sqlite_only
async def test_a_chinese_page_from_before_pages_had_languages_is_replaced_by_its_edit(
        store_opener, tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite_before(path, "pages_by_language")
    conn.execute("INSERT INTO events (id, guild_id, slug, title, capacity, created_at,"
                 " updated_at) VALUES (1, 5, 'old1', 'Old', 10, 0, 0)")
    conn.execute("INSERT INTO pages (event_id, kind, body, imported_at)"
                 " VALUES (1, 'announcement', ?, 0)", (OLD_CHINESE_PAGE,))
    conn.executemany("INSERT INTO people VALUES (1, ?, ?, ?, '')",
                     [(0, "赵通", "moderator"), (1, "李彬", "speaker"),
                      (2, "樊吉社", "discussant")])
    conn.commit()
    conn.close()
    async with await store_opener(path) as store:
        await check_old_chinese_page_replaced_by_its_edit(store)


# A database from before days had a zone (either backend's): an all-day event in a server
# in Tokyo, one with a time there, and an all-day one in a server without a timezone.
OLD_DAY = int(datetime(2030, 6, 1, tzinfo=UTC).timestamp())
OLD_EVENTS = [(1, 5, "day", OLD_DAY, OLD_DAY + 86400, True),
              (2, 5, "timed", OLD_DAY, None, False),
              (3, 6, "utc", OLD_DAY, OLD_DAY + 86400, True)]


async def check_old_days_in_their_zones(store) -> None:
    """After the upgrade, OLD_EVENTS are over at Tokyo's midnight, their time, UTC's."""
    tokyo, timed, utc_day = [await store.run(store.events.get_event, guild, event_id)
                             for event_id, guild, *_ in OLD_EVENTS]
    assert tokyo.over_at == datetime(2030, 6, 1, 15, tzinfo=UTC)
    assert timed.over_at == datetime(2030, 6, 1, tzinfo=UTC)
    assert utc_day.over_at == datetime(2030, 6, 2, tzinfo=UTC)


@pytest.mark.sqlite_only
async def test_all_day_events_from_before_the_upgrade_get_their_servers_day(
        store_opener, tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite_before(path, "start_offset")  # a database from the bot before days had a zone
    conn.execute("INSERT INTO guild_settings (guild_id, timezone) VALUES (5, 'Asia/Tokyo')")
    conn.executemany(
        "INSERT INTO events (id, guild_id, slug, title, capacity, starts_at, ends_at, all_day,"
        " created_at, updated_at) VALUES (?, ?, ?, 'Old', 10, ?, ?, ?, 0, 0)", OLD_EVENTS)
    conn.commit()
    conn.close()
    async with await store_opener(path) as store:
        await check_old_days_in_their_zones(store)


async def test_claimed_notices_are_not_handed_out_twice_until_stale(store):
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "m")
    assert len(await store.run(store.notices.claim_notices)) == 1
    assert await store.run(store.notices.claim_notices) == []
    reclaimed = await store.run(store.notices.claim_notices, stale_after=-1)  # its claimer died
    assert len(reclaimed) == 1
    await store.run(store.notices.ack_notice, reclaimed[0].id)
    assert await store.run(store.notices.count_notices) == 0


@pytest.mark.sqlite_only
async def test_backup_is_a_consistent_copy(store_opener, store, tmp_path):
    event = await new_event(store, capacity=10)
    for user in range(5):
        await store.join(1, event.id, user, "m")
    target = tmp_path / "backup.sqlite3"
    await store.backup(target)
    async with await store_opener(target) as copy:
        assert (await copy.run(copy.events.get_event, 1, event.id)).confirmed == 5
        assert len(await attendees_of(copy, event.id)) == 5


HAMMER = textwrap.dedent("""
    import asyncio, sys
    from bot.storage import open_store

    async def main(path, event_id, first_user, count):
        async with await open_store(path) as store:
            for start in range(first_user, first_user + count, 25):
                await asyncio.gather(*(store.join(1, event_id, u, "m")
                                       for u in range(start, min(start + 25, first_user + count))))

    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
""")


@pytest.mark.sqlite_only
async def test_two_processes_hammering_one_file_never_overbook(store_opener, tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as store:
        event = await new_event(store, capacity=100)
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-c", HAMMER, str(path), str(event.id), str(first), "300", cwd=ROOT)
        for first in (1, 1001)]
    for proc in procs:
        assert await asyncio.wait_for(proc.wait(), 120) == 0
    async with await store_opener(path) as store:
        saved = await store.run(store.events.get_event, 1, event.id)
        attendees = await attendees_of(store, event.id)
        assert await store.run(store.notices.count_notices, "capacity") == 1
    assert (saved.confirmed, saved.waitlisted) == (100, 500)
    assert sum(a.status is Status.CONFIRMED for a in attendees) == 100
    assert len({a.user_id for a in attendees}) == 600
    assert [a.position for a in attendees if a.position] == list(range(1, 501))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def vm_steps(conn: sqlite3.Connection, work) -> int:
    """Hundreds of SQLite VM instructions `work()` runs: a cost measure that, unlike
    seconds, does not depend on how busy the machine is."""
    steps = 0

    def tick() -> int:
        nonlocal steps
        steps += 1
        return 0

    conn.set_progress_handler(tick, 100)
    try:
        work()
    finally:
        conn.set_progress_handler(None, 0)
    return steps


def step_counted_database(path):
    from bot.storage.sqlite.repositories import SqliteRepositories
    from bot.storage.sqlite.session import configure

    conn = sqlite3.connect(path)
    configure(conn)
    db = SqliteRepositories(conn)
    db.migrate()
    return conn, db


def copies_of(conn: sqlite3.Connection, event_id: int,
              times: list[tuple[str, datetime, datetime | None]]) -> None:
    """Copies of event `event_id` under new slugs, each at its (slug, start, end), written
    straight to the table (thousands in a moment) and committed."""
    columns = ", ".join(row[1] for row in conn.execute("PRAGMA table_info(events)")
                        if row[1] not in ("id", "slug", "starts_at", "ends_at"))
    conn.executemany(
        f"INSERT INTO events (slug, starts_at, ends_at, {columns})"
        f" SELECT ?, ?, ?, {columns} FROM events WHERE id = ?",
        [(slug, int(start.timestamp()), None if end is None else int(end.timestamp()),
          event_id) for slug, start, end in times])
    conn.commit()


def test_the_cost_of_a_join_does_not_grow_with_the_table(tmp_path):
    """A join must use the indexes: a table a hundred times larger must not make it
    measurably more expensive."""
    conn, db = step_counted_database(tmp_path / "steps.sqlite3")
    pages = [("t", make_page())]
    small = db.events.save_event(1, EventDraft("small", "Small", capacity=10), pages)[0]
    big = db.events.save_event(1, EventDraft("big", "Big", capacity=10), pages)[0]

    def joins(first_user: int) -> None:
        db.registrations.join_batch([(1, small.id, u, "m")
                                     for u in range(first_user, first_user + 20)])
        db.registrations.member_rsvp(1, small.id, first_user)  # /rsvp status

    before = vm_steps(conn, lambda: joins(1))
    db.registrations.join_batch([(1, big.id, u, "m") for u in range(20_000)])
    after = vm_steps(conn, lambda: joins(1_000))
    assert after < 2 * before + 50, (before, after)
    conn.close()


def test_finding_the_event_under_way_does_not_grow_with_past_events(tmp_path):
    """The event under way is found by its end: a server with thousands of past events,
    each with an end, answers in an index probe, not a read of every one (event loop)."""
    conn, db = step_counted_database(tmp_path / "steps.sqlite3")
    pages = [("t", make_page())]
    long_ago = datetime(2020, 1, 1, 18, tzinfo=UTC)
    first = db.events.save_event(1, EventDraft(
        "first", "First", starts_at=long_ago, ends_at=long_ago + timedelta(hours=1),
        capacity=10), pages)[0]
    now = datetime(2030, 1, 1, tzinfo=UTC)
    under_way = db.events.save_event(1, EventDraft(
        "now", "Now", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1),
        capacity=10), pages)[0]
    before = vm_steps(conn, lambda: db.events.default_event_id(1, now))
    assert db.events.default_event_id(1, now) == under_way.id
    copies_of(conn, first.id, [(f"past-{n}", long_ago + timedelta(hours=n),
                                long_ago + timedelta(hours=n + 1)) for n in range(1, 5_001)])
    assert db.events.default_event_id(1, now) == under_way.id
    after = vm_steps(conn, lambda: db.events.default_event_id(1, now))
    assert after < 2 * before + 50, (before, after)
    conn.close()


def test_finding_a_servers_latest_event_does_not_grow_with_its_past_events(tmp_path):
    """A server whose events are all over answers with its most recent one: an index
    probe, not a sort of every event it ever had (this runs on the event loop)."""
    conn, db = step_counted_database(tmp_path / "steps.sqlite3")
    pages = [("t", make_page())]
    long_ago = datetime(2020, 1, 1, 18, tzinfo=UTC)
    first = db.events.save_event(
        1, EventDraft("first", "First", starts_at=long_ago, capacity=10), pages)[0]
    before = vm_steps(conn, lambda: db.events.default_event_id(1))
    assert db.events.default_event_id(1) == first.id
    copies_of(conn, first.id, [(f"past-{n}", long_ago + timedelta(hours=n), None)
                               for n in range(1, 5_001)])
    latest = conn.execute("SELECT id FROM events WHERE slug = 'past-5000'").fetchone()[0]
    assert db.events.default_event_id(1) == latest
    after = vm_steps(conn, lambda: db.events.default_event_id(1))
    assert after < 2 * before + 50, (before, after)
    conn.close()


def test_finding_the_next_event_does_not_grow_with_past_or_later_events(tmp_path):
    """The next event to begin is picked among those whose date is within a zone's
    offsets of the first to come: thousands of past events and thousands of later ones
    (without an end: the search for one under way reads those by their end) add nothing
    to the read (event loop)."""
    conn, db = step_counted_database(tmp_path / "steps.sqlite3")
    db.settings.set_timezone(1, "Pacific/Kiritimati")
    pages = [("t", make_page())]
    now = datetime(2030, 1, 1, tzinfo=UTC)
    timed = db.events.save_event(1, EventDraft(
        "noon", "Noon", starts_at=now + timedelta(days=1, hours=12), capacity=10), pages)[0]
    day = db.events.save_event(1, EventDraft(  # begins at 10:00 UTC the day before
        "day", "Day", starts_at=now + timedelta(days=2), all_day=True, capacity=10), pages)[0]
    before = vm_steps(conn, lambda: db.events.default_event_id(1, now))
    assert db.events.default_event_id(1, now) == day.id
    copies_of(conn, timed.id, [(f"other-{n}", now + timedelta(hours=n),
                                now + timedelta(hours=n, minutes=30) if n < 0 else None)
                               for n in [*range(-5_000, 0), *range(100, 5_100)]])
    assert db.events.default_event_id(1, now) == day.id
    after = vm_steps(conn, lambda: db.events.default_event_id(1, now))
    assert after < 2 * before + 50, (before, after)
    conn.close()



def test_deleting_or_changing_an_event_does_not_grow_with_other_events_notices(tmp_path):
    """A big event deleted queues a DM to each of its members, which go out about one a
    second: hours of a backlog. Meanwhile another server's deletion, capacity change or
    edit reads only its own event's notices (an index probe), not the whole backlog, with
    the database's write lock held."""
    conn, db = step_counted_database(tmp_path / "steps.sqlite3")
    pages = [("t", make_page())]

    def small_event(slug: str) -> int:
        event = db.events.save_event(1, EventDraft(slug, slug, capacity=2), pages)[0]
        db.registrations.join_batch([(1, event.id, u, "m") for u in range(1, 5)])
        return event.id

    def changes(slug: str) -> None:
        event_id = small_event(slug)
        db.registrations.set_capacity(1, event_id, 3)  # (a seat freed: "open again")
        edit = EventEdit.of(db.events.get_event(1, event_id))
        db.events.edit_event(1, event_id, replace(edit, venue="Room 2"))
        db.events.delete_event(1, event_id)

    before = vm_steps(conn, lambda: changes("before"))
    big = db.events.save_event(2, EventDraft("big", "Big", capacity=100), pages)[0]
    db.registrations.join_batch([(2, big.id, u, "m") for u in range(20_000)])
    db.events.delete_event(2, big.id)
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] > 20_000
    after = vm_steps(conn, lambda: changes("after"))
    assert after < 2 * before + 50, (before, after)
    conn.close()


def test_claiming_channel_notices_does_not_grow_with_the_dms_queued_before_them(tmp_path):
    """The channel notices go out in a lane of their own, so that a big event's deletion
    (a DM to each member, about one a second: hours of them) holds up no server's channel
    notices. Their claim must find them without reading that backlog, with the
    database's write lock held, each time; the DMs' own claim reads no more than before
    either."""
    from bot.adapters.notice_lanes import DM_NOTICES
    from bot.models import NoticeKind

    conn, db = step_counted_database(tmp_path / "steps.sqlite3")
    pages = [("t", make_page())]
    channel_kinds = frozenset(NoticeKind) - DM_NOTICES

    def channel_claim(slug: str) -> list:
        small = db.events.save_event(1, EventDraft(slug, slug, capacity=1), pages)[0]
        db.registrations.join_batch([(1, small.id, 1, "m")])  # (it is full: news)
        return db.notices.claim_notices(10, kinds=channel_kinds)

    claimed: list = []
    before = vm_steps(conn, lambda: claimed.extend(channel_claim("before")))
    assert [n.kind for n in claimed] == ["capacity"], claimed
    dms_before = vm_steps(conn, lambda: db.notices.claim_notices(10, kinds=DM_NOTICES))
    big = db.events.save_event(2, EventDraft("big", "Big", capacity=100), pages)[0]
    db.registrations.join_batch([(2, big.id, u, "m") for u in range(20_000)])
    db.events.delete_event(2, big.id)
    assert [n.kind for n in db.notices.claim_notices(10, kinds=channel_kinds)] == ["deleted"]
    claimed.clear()
    after = vm_steps(conn, lambda: claimed.extend(channel_claim("after")))
    assert [n.kind for n in claimed] == ["capacity"], claimed
    assert after < 2 * before + 50, (before, after)
    dms = []
    dms_after = vm_steps(conn, lambda: dms.extend(db.notices.claim_notices(10, kinds=DM_NOTICES)))
    assert [n.kind for n in dms] == ["cancelled"] * 10
    assert dms_after < 2 * dms_before + 50, (dms_before, dms_after)
    conn.close()


def test_the_reminder_check_does_not_grow_with_another_events_promotions_queued(tmp_path):
    """Seats raised on an event with a long waitlist queue a DM to each member promoted,
    which go out about one a second: hours of a backlog. The reminder check, which looks
    for the promotions not yet told of the events whose reminders are due (a reminder
    waits for its member's promotion DM), reads only those events' notices meanwhile, not
    the backlog, also when it claims them with the database's write lock held."""
    conn, db = step_counted_database(tmp_path / "steps.sqlite3")
    pages = [("t", make_page())]
    now = utcnow()
    soon = db.events.save_event(1, EventDraft(
        "soon", "Soon", starts_at=now + timedelta(minutes=30), capacity=5), pages)[0]
    db.registrations.join_batch([(1, soon.id, u, "m") for u in range(1, 4)])
    before = vm_steps(conn, lambda: db.reminders.next_due(now))
    crowded = db.events.save_event(2, EventDraft("crowded", "Crowded", capacity=1), pages)[0]
    db.registrations.join_batch([(2, crowded.id, u, "m") for u in range(20_000)])
    db.registrations.set_capacity(2, crowded.id, 20_000)
    assert conn.execute("SELECT count(*) FROM outbox WHERE kind = 'promoted'").fetchone()[0] \
        == 19_999
    after = vm_steps(conn, lambda: db.reminders.next_due(now))
    assert after < 2 * before + 50, (before, after)
    claimed: list = []
    assert vm_steps(conn, lambda: claimed.extend(db.reminders.claim_reminders(now))) \
        < 4 * before + 100
    assert sorted(r.user_id for r in claimed) == [1, 2, 3]
    conn.close()


async def test_waitlist_positions_stay_right_as_members_leave(store):
    event = await new_event(store, capacity=2)
    for user in range(1, 13):  # 2 confirmed, 10 waitlisted
        await store.join(1, event.id, user, "m")

    async def positions() -> dict[int, int]:
        return {u: (await rsvp_of(store, event.id, u)).position for u in range(1, 14)
                if await rsvp_of(store, event.id, u) is not None}

    expected = {u: u - 2 for u in range(3, 13)}
    assert {u: p for u, p in (await positions()).items() if p} == expected
    await store.run(store.registrations.cancel,
                    1, event.id, 5)  # leaves the waitlist from the middle
    assert {u: p for u, p in (await positions()).items() if p} == {
        3: 1, 4: 2, 6: 3, 7: 4, 8: 5, 9: 6, 10: 7, 11: 8, 12: 9}
    await store.run(store.registrations.set_capacity, 1, event.id, 4)  # promotes 3 and 4
    await store.join(1, event.id, 13, "m")  # joins the end
    assert {u: p for u, p in (await positions()).items() if p} == {
        6: 1, 7: 2, 8: 3, 9: 4, 10: 5, 11: 6, 12: 7, 13: 8}
    again = (await store.join(1, event.id, 12, "m")).result
    assert (again.outcome, again.position) == (JoinOutcome.ALREADY_WAITLISTED, 7)


async def test_a_departure_in_another_process_moves_positions_here(store_opener, tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as here, await store_opener(path) as there:
        event = await new_event(here, capacity=1)
        for user in (1, 2, 3, 4):
            await here.join(1, event.id, user, "m")
        assert (await rsvp_of(here, event.id, 4)).position == 3
        await there.run(there.registrations.cancel, 1, event.id, 2)
        assert (await rsvp_of(here, event.id, 4)).position == 2


@pytest.mark.sqlite_only  # the waitlists kept in memory are SQLite's
async def test_waitlists_kept_for_positions_stay_bounded_as_events_come_and_go(store,
                                                                                monkeypatch):
    """A bot that runs for months sees events created, filled and deleted by the thousand
    (the deletion on the database thread, the joins on the loop's connection): the
    waitlists kept to place members stay a bounded number, and positions stay right."""
    from bot.storage.sqlite import registrations as sqlite_registrations

    monkeypatch.setattr(sqlite_registrations, "KEPT_WAITLISTS", 5, raising=False)
    for n in range(30):
        event = await new_event(store, capacity=1, slug=f"talk-{n}")
        for user in (1, 2, 3):
            await store.join(1, event.id, user, "m")
        assert (await rsvp_of(store, event.id, 3)).position == 2
        await store.run(store.events.delete_event, 1, event.id)
    assert len(store._loop_repos.session.waitlists) <= 5
    assert len(store._repos.session.waitlists) <= 5
    kept = await new_event(store, capacity=1, slug="kept")
    for user in (1, 2, 3, 4):
        await store.join(1, kept.id, user, "m")
    assert [(await rsvp_of(store, kept.id, u)).position for u in (2, 3, 4)] == [1, 2, 3]



async def test_a_join_given_up_before_it_reached_the_database_is_not_made(store):
    event = await new_event(store, capacity=5)
    given_up = asyncio.ensure_future(store.join(1, event.id, 1, "gone"))
    await asyncio.sleep(0)  # it is queued, waiting for its batch
    given_up.cancel()
    assert (await store.join(1, event.id, 2, "stays")).result.outcome is JoinOutcome.CONFIRMED
    with pytest.raises(asyncio.CancelledError):
        await given_up
    assert await rsvp_of(store, event.id, 1) is None
    assert (await store.run(store.events.get_event, 1, event.id)).confirmed == 1


async def test_a_join_given_up_in_a_burst_is_not_made_by_the_join_that_commits_it(store):
    """The first join of a burst to wake up commits the others: a waiter cancelled
    meanwhile has not run since, so only its task knows it was cancelled. The batch that
    leaves it out still takes it off the queue, or the flush would find the queue never
    empty and run again at every turn of the loop."""
    event = await new_event(store, capacity=5)
    kept = asyncio.ensure_future(store.join(1, event.id, 1, "kept"))
    given_up = asyncio.ensure_future(store.join(1, event.id, 2, "gone"))
    await asyncio.sleep(0)  # both are queued
    given_up.cancel()
    assert (await kept).result.outcome is JoinOutcome.CONFIRMED
    with pytest.raises(asyncio.CancelledError):
        await given_up
    assert await rsvp_of(store, event.id, 2) is None
    assert (await store.run(store.events.get_event, 1, event.id)).confirmed == 1
    await nothing_else_ready()


async def test_a_join_given_up_under_a_timeout_is_not_made(store):
    """`asyncio.timeout` cancels the waiting task and then takes the cancellation back
    (`uncancel`): the task's count of cancellations is as before, yet its join was given
    up and must not be made."""
    event = await new_event(store, capacity=5)

    async def join_within_a_timeout():
        me = asyncio.current_task()
        assert me is not None
        try:
            return await store.join(1, event.id, 2, "gone")
        except asyncio.CancelledError:  # as `asyncio.timeout` does
            me.uncancel()
            return None

    given_up = asyncio.ensure_future(join_within_a_timeout())
    await asyncio.sleep(0)  # queued, waiting for its batch
    given_up.cancel()
    assert await given_up is None
    assert (await store.join(1, event.id, 3, "stays")).result.outcome is JoinOutcome.CONFIRMED
    assert await rsvp_of(store, event.id, 2) is None
    assert (await store.run(store.events.get_event, 1, event.id)).confirmed == 1


async def until(condition, what: str) -> None:
    """Wait, a turn of the loop at a time, for `condition()` (SQLite internals)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never {what}")


@pytest.mark.sqlite_only  # the database thread and the loop's own connection
async def test_a_join_never_overtakes_one_the_database_thread_has_yet_to_commit(store):
    """A join handed to the database thread (the file was busy) is ahead of every later
    one, even one that finds the file free: the later join waits its turn, and the seat
    goes to who asked first."""
    event = await new_event(store, capacity=1)
    release = threading.Event()
    thread_busy = asyncio.ensure_future(store.run(release.wait, 10))
    try:
        async with joins_held(store, event.id):
            await nothing_else_ready()
            first = asyncio.ensure_future(store.join(1, event.id, 1, "first"))
            await until(store._joins._thread_writing, "handed to the thread")
        second = asyncio.ensure_future(store.join(1, event.id, 2, "second"))
        await asyncio.sleep(0.05)  # the file is free now; the thread is still busy
    finally:
        release.set()
        await thread_busy
    answers = await asyncio.wait_for(asyncio.gather(first, second), 10)
    assert [a.result.outcome for a in answers] == [JoinOutcome.CONFIRMED,
                                                   JoinOutcome.WAITLISTED]


@pytest.mark.sqlite_only  # the database thread's writer
async def test_joins_given_up_while_the_thread_commits_others_are_left_out_or_answered(
        store):
    """While a join waits on the database thread for a busy file, later ones queue behind
    it: one given up meanwhile is not made, and one given up while its batch is on the
    thread leaves the joins after it answered."""
    event = await new_event(store, capacity=5)
    async with joins_held(store, event.id):
        await nothing_else_ready()
        first = asyncio.ensure_future(store.join(1, event.id, 1, "first"))
        await until(store._joins._thread_writing, "handed to the thread")
        given_up = asyncio.ensure_future(store.join(1, event.id, 2, "gone"))
        queued = [asyncio.ensure_future(store.join(1, event.id, u, "m")) for u in (3, 4)]
        await until(lambda: len(store._joins._pending) == 3, "queued behind it")
        given_up.cancel()
        first.cancel()  # its batch is already on the thread
        await asyncio.sleep(0)
    answers = await asyncio.wait_for(asyncio.gather(*queued), 10)
    assert [a.result.outcome for a in answers] == [JoinOutcome.CONFIRMED] * 2
    for cancelled in (first, given_up):
        with pytest.raises(asyncio.CancelledError):
            await cancelled
    assert await rsvp_of(store, event.id, 2) is None
    seats = await store.run(store.events.get_event, 1, event.id)
    assert seats.confirmed == 3  # the first (its batch committed), and the two after


@pytest.mark.sqlite_only  # the event loop's own connection
async def test_a_burst_larger_than_a_batch_lets_other_work_run_between_its_commits(store):
    event = await new_event(store, capacity=500)
    commits = commits_on_the_loop(store)
    seen: set[int] = set()
    done = False

    async def other_work() -> None:
        while not done:
            seen.add(len(commits))
            await asyncio.sleep(0)

    await nothing_else_ready()
    working = asyncio.ensure_future(other_work())
    await asyncio.gather(*(store.join(1, event.id, u, "m") for u in range(1, 451)))
    done = True
    await working
    assert len(commits) == 3  # LOOP_BATCH (200) at a time
    assert {1, 2} <= seen


@pytest.mark.sqlite_only  # the event loop's own connection
async def test_a_join_that_writes_a_notice_wakes_its_deliverer(store):
    event = await new_event(store, capacity=1)
    await nothing_else_ready()
    store.notices_ready.clear()
    joined = await store.join(1, event.id, 1, "m")  # the last seat: "registration closed"
    assert joined.result.filled
    assert store.notices_ready.is_set()


def commits_on_the_loop(store) -> list[str]:
    """The COMMITs the event loop's connection runs from now on (SQLite)."""
    seen: list[str] = []
    store._loop_repos.session.conn.set_trace_callback(
        lambda sql: seen.append(sql) if sql == "COMMIT" else None)
    return seen


async def nothing_else_ready() -> None:
    """Let whatever the test's set-up scheduled run, until no callback waits its turn."""
    for _ in range(100):
        if not asyncio.get_running_loop()._ready:  # type: ignore[attr-defined]
            return
        await asyncio.sleep(0)
    raise AssertionError("the event loop never fell quiet")


@pytest.mark.sqlite_only  # the event loop's own connection
async def test_a_join_alone_in_its_turn_commits_without_waiting_for_the_next(store):
    """With nothing else due in this turn, no other join can share the commit: the join
    is decided and committed before it first yields to the loop."""
    event = await new_event(store, capacity=5)
    commits = commits_on_the_loop(store)
    await nothing_else_ready()
    joining = store.join(1, event.id, 1, "alone")
    with pytest.raises(StopIteration) as finished:
        joining.send(None)  # runs the join up to its first wait for the loop: none
    assert finished.value.value.result.outcome is JoinOutcome.CONFIRMED
    assert commits == ["COMMIT"]
    assert (await rsvp_of(store, event.id, 1)).status is Status.CONFIRMED


@pytest.mark.sqlite_only  # the event loop's own connection
async def test_a_join_alone_on_a_busy_database_waits_for_it_on_the_thread(store):
    """The loop's connection never waits: one try there, then the database thread, which
    waits for the other writer and commits once it is done."""
    event = await new_event(store, capacity=5)
    tries: list[str] = []
    store._loop_repos.session.conn.set_trace_callback(
        lambda sql: tries.append(sql) if sql.startswith("BEGIN") else None)
    async with joins_held(store, event.id):
        await nothing_else_ready()
        joining = asyncio.ensure_future(store.join(1, event.id, 1, "waits"))
        await asyncio.sleep(0.3)
        assert not joining.done()
    assert (await joining).result.outcome is JoinOutcome.CONFIRMED
    assert tries == ["BEGIN IMMEDIATE"]
    assert (await rsvp_of(store, event.id, 1)).status is Status.CONFIRMED


async def test_a_request_kept_waiting_past_the_lock_wait_is_refused_as_busy(
        store_opener, tmp_path, monkeypatch):
    """A transaction another connection leaves open (a tool's, a stuck process's) holds a
    request only as long as the bot waits for a lock, on either backend: then the request
    is refused as busy, in words a member can act on, with nothing written; the next one
    goes through."""
    monkeypatch.setattr(sqlite_session, "BUSY_TIMEOUT_MS", 300)
    monkeypatch.setattr(postgres_store, "WAIT_FOR_LOCKS", {"lock_timeout": "300ms"})
    async with await store_opener(tmp_path / "busy.sqlite3") as store:
        event = await new_event(store, capacity=5)
        await store.join(1, event.id, 1, "stays")
        async with writes_held(store):
            for request in (store.run(store.registrations.cancel, 1, event.id, 1),
                            store.join(1, event.id, 2, "waits")):
                with pytest.raises(DatabaseBusy) as busy:
                    await asyncio.wait_for(request, 5)
                assert str(busy.value) == "the database is busy right now; try again in a moment"
            # reads go on meanwhile
            assert (await rsvp_of(store, event.id, 1)).status is Status.CONFIRMED
        assert await rsvp_of(store, event.id, 2) is None
        await store.run(store.registrations.cancel, 1, event.id, 1)
        assert (await store.join(1, event.id, 2, "again")).result.outcome is (
            JoinOutcome.CONFIRMED)
        assert await rsvp_of(store, event.id, 1) is None


@pytest.mark.sqlite_only  # one connection, one call at a time
async def test_requests_queued_behind_a_lock_are_each_refused_within_one_wait(
        store_opener, tmp_path, monkeypatch):
    """Requests asked for together while another process holds the write lock (a backup,
    a sqlite3 shell's open transaction) queue on the database's one connection: each is
    refused as busy within the bot's wait of its asking, not after the waits of those
    ahead of it and then a whole one of its own (the tenth member waited ten)."""
    monkeypatch.setattr(sqlite_session, "BUSY_TIMEOUT_MS", 300)
    monkeypatch.setattr(sqlite_store, "QUEUED_FREELY", 0.02)
    async with await store_opener(tmp_path / "queued.sqlite3") as store:
        event = await new_event(store, capacity=50)
        for user in range(1, 4):
            await store.join(1, event.id, user, "stays")

        async def timed(request) -> float:
            asked = time.monotonic()
            with pytest.raises(DatabaseBusy):
                await request
            return time.monotonic() - asked

        async with writes_held(store):
            waits = await asyncio.gather(
                *(timed(store.run(store.registrations.cancel, 1, event.id, user))
                  for user in range(1, 4)),
                *(timed(store.join(1, event.id, user, "waits")) for user in range(4, 8)))
        assert max(waits) < 0.3 + 0.2, waits
        assert sorted(user for user, in await store.run(lambda: store._repos.session.conn
                      .execute("SELECT user_id FROM rsvps").fetchall())) == [1, 2, 3]
        assert (await store.join(1, event.id, 4, "again")).result.outcome is (
            JoinOutcome.CONFIRMED)


@pytest.mark.sqlite_only  # SQLite's write-ahead log
async def test_the_log_grown_under_a_read_left_open_is_cut_back_once_it_ends(
        tmp_path, monkeypatch, caplog):
    """A read transaction left open by another connection (a sqlite3 shell, a backup)
    stops every checkpoint, so the write-ahead log grows with each join: the log says so
    once, before the disk fills; once the read ends, the log is moved into the database
    file and cut back, not kept at its largest until the bot stops."""
    monkeypatch.setattr(sqlite_session, "WAL_KEPT_BYTES", 256 * 1024)
    path = tmp_path / "grown.sqlite3"
    wal = tmp_path / "grown.sqlite3-wal"
    async with await open_store(path) as store:
        event = await new_event(store, capacity=1000)
        reader = sqlite3.connect(path, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM rsvps").fetchone()
        for user in range(1, 201):
            await store.join(1, event.id, user, "m")
        grown = wal.stat().st_size
        assert grown > 4 * 256 * 1024, grown
        await store._checkpoint()
        await store._checkpoint()
        held = [r.getMessage() for r in caplog.records if "keeps a read open" in r.getMessage()]
        assert len(held) == 1 and "MB that cannot be moved" in held[0], held
        # Another connection checkpointing meanwhile (waiting for the reader, it holds
        # the checkpoint's lock): the bot's checkpoint learns nothing, and says nothing.
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("PRAGMA busy_timeout = 5000")
        full = asyncio.get_running_loop().run_in_executor(
            None, lambda: other.execute("PRAGMA wal_checkpoint(FULL)").fetchone())
        await asyncio.sleep(0.3)
        await store._checkpoint()
        assert not any("moved into the database file again" in r.getMessage()
                       for r in caplog.records)
        reader.execute("COMMIT")
        reader.close()
        await full
        other.close()
        await store._checkpoint()
        await store.join(1, event.id, 201, "m")
        assert wal.stat().st_size <= 256 * 1024, (grown, wal.stat().st_size)
        assert sum("is moved into the database file again" in r.getMessage()
                   for r in caplog.records) == 1
        assert len(await store.run(store.registrations.confirmed_ids, event.id)) == 201


@pytest.mark.sqlite_only  # SQLite's write-ahead log
async def test_the_log_is_begun_again_while_reads_of_other_connections_keep_overlapping(
        tmp_path, monkeypatch):
    """Reads of other connections that keep overlapping (a dashboard, a tool polling the
    file), none of them long: each checkpoint moves the log into the database file, but
    SQLite begins the log again only when no read uses it, which never comes, so it grew
    with every change without end (9 KB a join; 930 MB after 100,000 joins and leaves)
    and nothing was said. The bot's checkpoint begins it again, waiting a moment for the
    reads under way, which the new ones do not need; asked for by the log's size, also
    when the writes are the database thread's (the bot's checkpoints came only every
    1,000 joins committed on the event loop)."""
    monkeypatch.setattr(sqlite_session, "WAL_KEPT_BYTES", 256 * 1024)
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_BYTES", 64 * 1024)
    path = tmp_path / "overlapped.sqlite3"
    wal = tmp_path / "overlapped.sqlite3-wal"
    async with await open_store(path) as store:
        event = await new_event(store, capacity=10)
        stop = threading.Event()
        begun = threading.Event()

        def overlapping_reads() -> None:  # one of the two always has a read open
            readers = [sqlite3.connect(path, isolation_level=None, check_same_thread=False)
                       for _ in range(2)]
            for turn in itertools.count():
                opening, closing = readers[turn % 2], readers[(turn + 1) % 2]
                opening.execute("BEGIN")
                opening.execute("SELECT count(*) FROM rsvps").fetchone()
                begun.set()
                if closing.in_transaction:
                    closing.execute("COMMIT")
                if stop.is_set():
                    break
                time.sleep(0.002)  # the next read begins while this one is under way
            for reader in readers:
                reader.execute("COMMIT") if reader.in_transaction else None
                reader.close()

        reads = threading.Thread(target=overlapping_reads)
        reads.start()
        try:
            begun.wait()
            largest = 0
            # Joins and leaves, the leaves written on the database thread: what asks for
            # the bot's checkpoints is the log's size, whichever connection wrote it.
            for user in range(1, 1001):
                await store.join(1, event.id, user, "m")
                await store.run(store.registrations.cancel, 1, event.id, user)
                largest = max(largest, wal.stat().st_size)
        finally:
            stop.set()
            await asyncio.get_running_loop().run_in_executor(None, reads.join)
        assert largest < 2 * 1024 * 1024, largest
        assert await store.run(store.registrations.confirmed_ids, event.id) == []


@pytest.mark.sqlite_only  # the event loop's own connection
async def test_joins_asked_for_in_one_turn_share_a_commit(store):
    event = await new_event(store, capacity=2)
    commits = commits_on_the_loop(store)
    await nothing_else_ready()
    answers = await asyncio.gather(*(store.join(1, event.id, user, "m") for user in (1, 2, 3)))
    assert [a.result.outcome for a in answers] == [JoinOutcome.CONFIRMED] * 2 + [
        JoinOutcome.WAITLISTED]
    assert commits == ["COMMIT"]


async def test_a_cancelled_close_still_answers_the_joins_under_way(store):
    event = await new_event(store, capacity=3)
    async with joins_held(store, event.id):
        joins = [asyncio.ensure_future(store.join(1, event.id, user, "m"))
                 for user in range(1, 6)]
        await asyncio.sleep(0.2)  # the batch waits for the database
        closing = asyncio.ensure_future(store.close())
        await asyncio.sleep(0.1)
        closing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await closing
    answers = await asyncio.wait_for(asyncio.gather(*joins), 10)
    assert [j.result.outcome for j in answers] == [JoinOutcome.CONFIRMED] * 3 + [
        JoinOutcome.WAITLISTED] * 2


@pytest.mark.sqlite_only  # the database thread
async def test_a_closed_store_says_so_and_closes_once(store_opener, tmp_path):
    store = await store_opener(tmp_path / "closed.sqlite3")
    event = await new_event(store)
    await store.close()
    await asyncio.wait_for(store.close(), 5)
    for call in (store.run(store.events.event_titles, 1),
                 store.run(store.events.get_event, 1, event.id),
                 store.join(1, event.id, 1, "late")):
        with pytest.raises(Unavailable):
            await asyncio.wait_for(call, 5)


@pytest.mark.sqlite_only  # the database thread
async def test_a_cancelled_close_still_closes_and_closing_again_waits_for_it(store_opener,
                                                                               tmp_path):
    path = tmp_path / "cancelled-close.sqlite3"
    store = await store_opener(path)
    event = await new_event(store)
    await store.run(store.registrations.close_registration, 1, event.id, None)
    assert await store.run(store.notices.claim_notices)  # claimed, not yet delivered
    closing = asyncio.ensure_future(store.close())
    for _ in range(2):  # the close begins, and waits for the database thread
        await asyncio.sleep(0)
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
    await asyncio.wait_for(store.close(), 5)
    assert not store._thread._thread.is_alive()
    with pytest.raises(Unavailable):
        await store.join(1, event.id, 1, "late")
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM outbox WHERE claimed_at IS NOT NULL"
                            ).fetchone()[0] == 0
    finally:
        conn.close()


async def test_joins_here_follow_what_another_process_changed(store_opener, tmp_path):
    """The event loop keeps what joins read of an event between them: each change made
    elsewhere must still decide the very next join here."""
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as here, await store_opener(path) as there:
        event = await new_event(here, capacity=2)

        async def join_here(user: int) -> tuple[JoinOutcome, int | None]:
            result = (await here.join(1, event.id, user, "m")).result
            return result.outcome, result.position

        assert await join_here(1) == (JoinOutcome.CONFIRMED, None)
        await there.run(there.registrations.close_registration, 1, event.id, "venue change")
        assert (await join_here(2))[0] is JoinOutcome.CLOSED
        await there.run(there.registrations.open_registration, 1, event.id)
        assert await join_here(2) == (JoinOutcome.CONFIRMED, None)  # full now
        await there.run(there.registrations.cancel, 1, event.id, 1)
        assert await join_here(3) == (JoinOutcome.CONFIRMED, None)  # the seat freed there
        await there.join(1, event.id, 4, "m")  # waitlisted there
        assert await join_here(5) == (JoinOutcome.WAITLISTED, 2)
        # capacity raised by SQL elsewhere, outside the rules: the next join promotes first
        await execute_sql(there, "UPDATE events SET capacity = 5 WHERE id = ?", event.id)
        assert await join_here(6) == (JoinOutcome.CONFIRMED, None)
        found = await there.run(there.events.get_event, 1, event.id)
        assert (found.confirmed, found.waitlisted) == (5, 0)
        assert {u: (await rsvp_of(there, event.id, u)).status for u in (2, 3, 4, 5, 6)} == {
            u: Status.CONFIRMED for u in (2, 3, 4, 5, 6)}


@pytest.mark.sqlite_only  # the failure is injected with a SQLite trigger
async def test_a_join_that_fails_to_commit_counts_for_nothing_in_later_joins(store):
    event = await new_event(store, capacity=2)
    await execute_sql(store, "CREATE TRIGGER refuse BEFORE INSERT ON rsvps WHEN NEW.user_id = 666"
                             " BEGIN SELECT RAISE(ABORT, 'refused'); END")
    assert (await store.join(1, event.id, 1, "m")).result.outcome is JoinOutcome.CONFIRMED
    with pytest.raises(sqlite3.IntegrityError):
        await store.join(1, event.id, 666, "m")  # decided (a seat), then rolled back
    assert (await store.join(1, event.id, 2, "m")).result.outcome is JoinOutcome.CONFIRMED
    found = await store.run(store.events.get_event, 1, event.id)
    assert (found.confirmed, found.waitlisted) == (2, 0)
    assert await rsvp_of(store, event.id, 666) is None


@pytest.mark.sqlite_only  # the failure is injected with a SQLite trigger
async def test_waitlist_positions_read_in_a_join_that_fails_are_forgotten(store_opener, tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as here, await store_opener(path) as there:
        event = await new_event(here, capacity=1)
        for user in (1, 2, 3, 4, 5):  # 2 to 5 waitlisted
            await here.join(1, event.id, user, "m")
        await execute_sql(there, "UPDATE events SET capacity = 2 WHERE id = ?", event.id)
        await execute_sql(there, "CREATE TRIGGER refuse BEFORE INSERT ON rsvps"
                                 " WHEN NEW.user_id = 666 BEGIN SELECT RAISE(ABORT, 'x'); END")
        # one batch: 6 promotes 2 first, 4's position is read after that, 666 fails it all
        joins = await asyncio.gather(*(here.join(1, event.id, user, "m") for user in (6, 4, 666)),
                                     return_exceptions=True)
        assert all(isinstance(result, sqlite3.IntegrityError) for result in joins)
        await there.run(there.registrations.cancel, 1, event.id, 5)  # a departure all the same
        assert (await rsvp_of(here, event.id, 4)).position == 3  # behind 2 and 3

def test_a_scheduler_round_in_a_window_rereads_no_member_already_reminded(tmp_path):
    """Counted in SQLite VM steps: once the 20,000 confirmed members of an event starting
    soon are reminded, a scheduler round costs what it costs for an event of one; also
    after the event moves by less than their reminder covers, so that a round finds
    nobody due (that round still moves the event's place in its members)."""
    conn, db = step_counted_database(tmp_path / "steps.sqlite3")
    soon = utcnow() + timedelta(minutes=30)  # inside both of its reminder windows

    def event_of(members: int, slug: str) -> None:
        event = db.events.save_event(1, EventDraft(slug, slug.title(), members,
                                                   starts_at=soon), [("t", make_page())])[0]
        db.registrations.join_batch([(1, event.id, 1_000_000 * len(slug) + u, "m")
                                     for u in range(members)])
        while db.reminders.claim_reminders(limit=5_000):
            pass

    def scheduler_round() -> None:
        db.reminders.next_due()
        db.reminders.claim_reminders()

    event_of(1, "one")
    before = vm_steps(conn, scheduler_round)
    event_of(20_000, "crowd")
    after = vm_steps(conn, scheduler_round)
    assert after < 2 * before + 50, (before, after)
    db.events.save_event(1, EventDraft("crowd", "Crowd", 20_000,
                                       starts_at=soon + timedelta(minutes=10)),
                         [("t", make_page())])  # moved: their reminder covers it
    assert db.reminders.claim_reminders() == []
    moved = vm_steps(conn, scheduler_round)
    assert moved < 2 * before + 50, (before, moved)
    conn.close()


def test_a_claim_costs_the_same_however_many_members_are_still_due(tmp_path):
    """Counted in SQLite VM steps: claiming the first 100 of 20,000 due members reads about
    as much as claiming the first 100 of 150 (claims of a large event are not quadratic)."""
    soon = utcnow() + timedelta(minutes=30)

    def first_claim(members: int) -> int:
        conn, db = step_counted_database(tmp_path / f"claims-{members}.sqlite3")
        event = db.events.save_event(1, EventDraft("e", "E", members, starts_at=soon),
                                     [("t", make_page())])[0]
        db.registrations.join_batch([(1, event.id, u, "m") for u in range(members)])
        claimed: list = []
        steps = vm_steps(conn, lambda: claimed.extend(db.reminders.claim_reminders(limit=100)))
        assert [due.user_id for due in claimed] == list(range(100))
        conn.close()
        return steps

    few, many = first_claim(150), first_claim(20_000)
    assert many < 2 * few + 50, (few, many)


def test_a_scheduler_round_reads_no_event_beginning_later_or_long_past(tmp_path):
    """Counted in SQLite VM steps: 10,000 events with members, half of them months ahead
    and half over, cost a scheduler round nothing beside one event starting soon."""
    conn, db = step_counted_database(tmp_path / "steps.sqlite3")
    soon = db.events.save_event(1, EventDraft("soon", "Soon", 10,
                                              starts_at=utcnow() + timedelta(hours=3)),
                                [("t", make_page())])[0]
    db.registrations.join_batch([(1, soon.id, 1, "m")])
    db.reminders.set_attendee_role(1, soon.id, 99)

    def scheduler_round() -> None:
        db.reminders.next_due()
        db.reminders.claim_reminders()
        db.reminders.attendee_roles(due_by=utcnow())

    before = vm_steps(conn, scheduler_round)
    columns = ", ".join(row[1] for row in conn.execute("PRAGMA table_info(events)")
                        if row[1] not in ("id", "slug", "starts_at", "attendee_role_id"))
    now = int(utcnow().timestamp())
    conn.executemany(
        f"INSERT INTO events (slug, starts_at, {columns}) SELECT ?, ?, {columns}"
        " FROM events WHERE id = ?",
        [(f"e{n}", now + (1 if n % 2 else -1) * (90 + n % 100) * 86_400, soon.id)
         for n in range(10_000)])
    conn.commit()
    after = vm_steps(conn, scheduler_round)
    assert after < 2 * before + 50, (before, after)
    conn.close()


def test_the_reminder_scheduler_ignores_rsvps_of_events_outside_their_window(tmp_path):
    """Counted in SQLite VM steps: 20,000 confirmed members of an event a month away must
    not make finding the next reminder or claiming the due ones more expensive."""
    conn, db = step_counted_database(tmp_path / "steps.sqlite3")
    soon = utcnow() + timedelta(minutes=30)  # inside its 1-hour reminder window
    near = db.events.save_event(1, EventDraft("near", "Near", 10, starts_at=soon),
                         [("t", make_page())])[0]
    db.registrations.join_batch([(1, near.id, 1, "m")])

    def scheduler_round() -> None:
        db.reminders.next_due()
        db.reminders.claim_reminders()

    before = vm_steps(conn, scheduler_round)
    far = db.events.save_event(1, EventDraft("far", "Far", 30_000,
                                      starts_at=utcnow() + timedelta(days=30)),
                        [("t", make_page())])[0]
    db.registrations.join_batch([(1, far.id, u, "m") for u in range(20_000)])
    after = vm_steps(conn, scheduler_round)
    assert after < 2 * before + 50, (before, after)
    conn.close()


@pytest.mark.sqlite_only
async def test_a_join_that_fails_on_the_event_loop_reports_its_error(store, monkeypatch):
    event = await new_event(store, capacity=5)

    def broken(batch):
        raise sqlite3.IntegrityError("boom")

    monkeypatch.setattr(store._loop_repos.registrations, "join_batch", broken)
    with pytest.raises(sqlite3.IntegrityError):
        await asyncio.wait_for(store.join(1, event.id, 1, "m"), 5)
    monkeypatch.undo()
    assert (await store.join(1, event.id, 1, "m")).result.outcome is JoinOutcome.CONFIRMED


async def test_closing_commits_the_joins_already_asked_for(store_opener, tmp_path):
    path = tmp_path / "closing.sqlite3"
    store = await store_opener(path)
    event = await new_event(store, capacity=5)
    asked = [asyncio.create_task(store.join(1, event.id, user, "m")) for user in (1, 2)]
    await asyncio.sleep(0)  # both are waiting for their commit
    await store.close()
    assert [t.result().result.outcome for t in asked] == [JoinOutcome.CONFIRMED] * 2
    with pytest.raises(Exception, match="shutting down"):
        await store.join(1, event.id, 3, "m")
    async with await store_opener(path) as reopened:
        assert len(await attendees_of(reopened, event.id)) == 2


async def test_reopening_a_full_event_does_not_announce_capacity_again(store):
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "m")
    await store.run(store.registrations.close_registration, 1, event.id, None)
    await store.run(store.registrations.open_registration, 1, event.id)
    assert [n.kind for n in await store.run(store.notices.claim_notices)] == ["capacity",
                                            "closed", "opened"]


async def test_an_unreadable_notice_is_skipped_and_the_others_delivered(store):
    event = await new_event(store, capacity=1)
    await execute_sql(store, "INSERT INTO outbox (guild_id, event_id, kind, payload,"
                      " created_at) VALUES (1, ?, 'promoted', '{}', 0)", event.id)
    await store.join(1, event.id, 1, "m1")  # fills it: a capacity notice after the bad one
    notices = await store.run(store.notices.claim_notices)
    assert [n.payload for n in notices] == [CapacityPayload()]


async def test_the_command_line_names_an_event_by_its_id_or_a_slug_one_server_has(store):
    from bot.errors import InvalidValue, NotFound
    from bot.storage import EventDraft
    from tests.conftest import make_page

    ids = []
    for guild_id, slug in ((1, "talk"), (2, "talk"), (3, "1")):
        event, _ = await store.run(store.events.save_event, guild_id, EventDraft(
            slug=slug, title=f"Talk {guild_id}", capacity=5), [(f"page {guild_id}", make_page())])
        ids.append(event.id)
    with pytest.raises(InvalidValue, match="slug of events"):
        await store.run(store.events.find_event, "talk")
    assert await store.run(store.events.find_event, str(ids[1])) == (2, ids[1])
    assert await store.run(store.events.find_event, "1") == (1, ids[0])  # the id wins
    with pytest.raises(NotFound):
        await store.run(store.events.find_event, "nope")


async def test_events_saved_together_are_saved_all_or_none(store):
    """A folder of event folders: one refused (a capacity below its confirmed members)
    leaves every other as it was, and the error says which."""
    from bot.errors import ItemRefused
    from bot.storage import EventDraft
    from tests.conftest import make_page

    first, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="a", title="Event A", capacity=5), [("page a", make_page())])
    second, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="b", title="Event B", capacity=5), [("page b", make_page())])
    for user in (7, 8, 9):
        await store.join(1, second.id, user, f"m{user}")
    drafts = [(EventDraft(slug="a", title="Event A renamed", capacity=5),
               [("page a", make_page())]),
              (EventDraft(slug="b", title="Event B", capacity=2), [("page b", make_page())]),
              (EventDraft(slug="c", title="Event C", capacity=5), [("page c", make_page())])]
    with pytest.raises(ItemRefused, match="already confirmed") as refused:
        await store.run(store.events.save_events, 1, drafts)
    assert refused.value.index == 1
    assert (await store.run(store.events.get_event, 1, first.id)).title == "Event A"
    assert sorted(s.title for s in (await store.run(store.events.event_titles, 1)).titles) == [
        "Event A", "Event B"]
    drafts[1] = (EventDraft(slug="b", title="Event B", capacity=3), [("page b", make_page())])
    saved = await store.run(store.events.save_events, 1, drafts)
    assert [(event.title, created) for event, created in saved] == [
        ("Event A renamed", False), ("Event B", False), ("Event C", True)]


async def test_an_edit_made_from_what_the_event_no_longer_has_is_refused_whole(store):
    """A moderator's edit is made from the event as it was read; another change saved
    since (a rename) refuses it, with nothing written (no move, no notice), so that the
    rename is not written over; made from the event as it is now, it is saved."""
    event = await new_event(store, capacity=3)
    await store.join(1, event.id, 7, "seven")
    read = EventEdit.of(event)
    await store.run(store.events.edit_event, 1, event.id, replace(read, title="Renamed"))
    changed = await store.run(store.events.get_event, 1, event.id)
    notices = await store.run(store.notices.count_notices)
    moved = replace(read, starts_at=REVISED, venue="Room 9")
    with pytest.raises(Conflict, match="another moderator changed this event"):
        await store.run(store.events.edit_event, 1, event.id, moved, expected=read)
    assert await store.run(store.events.get_event, 1, event.id) == changed
    assert await store.run(store.notices.count_notices) == notices
    now = EventEdit.of(changed)
    before, after = await store.run(store.events.edit_event, 1, event.id,
                                    replace(now, starts_at=REVISED, venue="Room 9"),
                                    expected=now)
    assert before == changed
    assert (after.title, after.starts_at, after.venue) == ("Renamed", REVISED, "Room 9")
