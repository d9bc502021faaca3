"""Members' reads (an event, a member's RSVP) never queue behind the database thread, and
never show what another connection or process has since changed."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.content import EventContent
from bot.errors import EventNotFound, Unavailable
from bot.i18n import language
from bot.models import EventEdit
from bot.registration import JoinOutcome, Status
from bot.render_replies import LIST_LIMIT
from bot.storage import EventDraft, open_store
from bot.storage.postgres.migrations import MIGRATIONS as POSTGRES_MIGRATIONS
from bot.storage.sqlite import joins as joins_module
from bot.storage.sqlite import store as sqlite_store
from bot.storage.sqlite.content import SqliteContent
from bot.storage.sqlite.migrations import MIGRATIONS as SQLITE_MIGRATIONS
from bot.storage.sqlite.registrations import (
    ATTENDEE_ROWS,
    PROMOTION_ROWS,
    SqliteRegistrations,
)
from bot.storage.sqlite.repositories import SqliteRepositories
from bot.storage.sqlite.session import (
    EVENTS_WITH_TEXTS,
    TooLongForTheLoop,
    configure,
    content_bytes,
)
from bot.storage.sqlite.store import LOOP_ROW_BUDGET
from tests.conftest import attendees_of, execute_sql, make_page, new_event, rsvp_of


@pytest.mark.sqlite_only  # PostgreSQL has a pool of connections, not one database thread
async def test_reads_are_answered_while_the_database_thread_is_busy(store):
    event = await new_event(store, capacity=5)
    await store.join(1, event.id, 7, "m")
    release = threading.Event()
    busy = asyncio.ensure_future(store.run(release.wait, 10))  # holds the database thread
    try:
        await asyncio.sleep(0.05)
        found = await asyncio.wait_for(store.run(store.events.get_event, 1, event.id), 1)
        rsvp = await asyncio.wait_for(rsvp_of(store, event.id, 7), 1)
        summary = await asyncio.wait_for(store.summary(1, event.id), 1)
        default = await asyncio.wait_for(store.run(store.events.default_event_id, 1), 1)
        assert not busy.done()
    finally:
        release.set()
        await busy
    assert (found.confirmed, rsvp.status, summary.title, default) == (
        1, Status.CONFIRMED, event.title, event.id)


async def test_seats_changed_by_another_process_are_seen_at_once(store_opener, tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as here, await store_opener(path) as there:
        event = await new_event(here, capacity=2)
        for user in (1, 2, 3):
            await here.join(1, event.id, user, "m")
        before = await here.run(here.events.get_event, 1, event.id)
        assert (before.confirmed, before.waitlisted) == (2, 1)
        await there.run(there.registrations.cancel, 1, event.id, 1)  # 3 is promoted there
        after = await here.run(here.events.get_event, 1, event.id)
        assert (after.confirmed, after.waitlisted) == (2, 0)
        assert (await rsvp_of(here, event.id, 3)).status is Status.CONFIRMED
        assert await rsvp_of(here, event.id, 1) is None
        # and SQL on another connection, outside the store's rules
        await execute_sql(there, "UPDATE events SET capacity = 40 WHERE id = ?", event.id)
        assert (await here.run(here.events.get_event, 1, event.id)).seats_left == 38


async def test_content_edited_by_another_process_is_seen(store_opener, tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as here, await store_opener(path) as there:
        event = await new_event(here)
        people = (await here.run(here.events.get_event, 1, event.id)).people
        assert people and (await here.run(here.events.get_event, 1, event.id)).people == people
        await execute_sql(there, "UPDATE people SET name = 'Renamed Elsewhere' WHERE event_id = ?"
                          " AND position = (SELECT min(position) FROM people WHERE event_id = ?)",
                          event.id, event.id)
        await execute_sql(there, "DELETE FROM takeaways WHERE event_id = ?", event.id)
        await execute_sql(there, "UPDATE events SET title = 'Retitled' WHERE id = ?", event.id)
        found = await here.run(here.events.get_event, 1, event.id)
        assert found.people[0].name == "Renamed Elsewhere"
        assert found.takeaways == ()
        assert (await here.summary(1, event.id)).title == "Retitled"


async def test_a_long_waitlist_is_counted_exactly_without_holding_the_event_loop(store):
    event = await new_event(store, capacity=1)
    members = range(1, 2_602)  # 2,600 on the waitlist: more rows than one read on the loop takes
    await asyncio.gather(*(store.join(1, event.id, user, "m") for user in members))
    last = members[-1]
    for _ in range(4):  # each time the loop's own copy of the waitlist is further along
        assert (await rsvp_of(store, event.id, last)).position == 2_600
    assert (await rsvp_of(store, event.id, 2)).position == 1
    await store.run(store.registrations.cancel, 1, event.id, 2)
    assert (await rsvp_of(store, event.id, last)).position == 2_599



async def test_joining_again_far_down_a_long_waitlist_is_answered_with_the_others(store):
    """The event loop's copy of the waitlist loads a bounded number of rows per
    transaction; a join that needs more goes to the database thread, with the joins
    made together with it, instead of failing them all."""
    event = await new_event(store, capacity=1)
    members = range(1, 2_602)
    await asyncio.gather(*(store.join(1, event.id, user, "m") for user in members))
    again, newcomer = await asyncio.gather(store.join(1, event.id, members[-1], "m"),
                                           store.join(1, event.id, 9_999, "m"))
    assert (again.result.outcome, again.result.position) == (JoinOutcome.ALREADY_WAITLISTED,
                                                             2_600)
    assert (newcomer.result.outcome, newcomer.result.position) == (JoinOutcome.WAITLISTED,
                                                                   2_601)


def loop_batches(store):
    """Spy on the joins decided on the event loop: for each batch, the waitlist rows it
    loaded into the loop's copy, the members it promoted, and whether it failed."""
    registrations = store._loop_repos.registrations
    waitlists = store._loop_repos.session.waitlists
    decide, seen = registrations.join_batch, []

    def spied(batch):
        before = sum(len(seqs) for _, seqs in waitlists.values())
        try:
            results = decide(batch)
        except Exception as exc:
            seen.append((sum(len(seqs) for _, seqs in waitlists.values()) - before, 0, exc))
            raise
        promoted = sum(len(r.result.promoted) for r in results if not isinstance(r, Exception))
        seen.append((sum(len(seqs) for _, seqs in waitlists.values()) - before, promoted, None))
        return results

    registrations.join_batch = spied
    return seen


@pytest.mark.sqlite_only  # the event loop's connection is the SQLite store's
async def test_a_burst_from_far_down_many_waitlists_stays_within_the_loops_budget(store):
    events = [await new_event(store, capacity=1, slug=f"e{n}") for n in range(3)]
    for event in events:  # 600 waiting at each: under the budget alone, over it together
        await asyncio.gather(*(store.join(1, event.id, user, "m") for user in range(1, 602)))
    seen = loop_batches(store)
    again = await asyncio.gather(*(store.join(1, event.id, 601, "m") for event in events))
    assert [(j.result.outcome, j.result.position) for j in again] == [
        (JoinOutcome.ALREADY_WAITLISTED, 600)] * 3
    assert seen and all(loaded <= LOOP_ROW_BUDGET for loaded, _, _ in seen)
    assert any(isinstance(failed, TooLongForTheLoop) for _, _, failed in seen)


@pytest.mark.sqlite_only
async def test_a_long_promotion_is_made_off_the_event_loop(store):
    event = await new_event(store, capacity=1)
    await asyncio.gather(*(store.join(1, event.id, user, "m") for user in range(1, 152)))
    # 150 free seats and 150 waiting: a state only a change outside the rules leaves; each
    # promotion writes two rows (the RSVP, a notice), so 150 are too many for the loop
    await execute_sql(store, "UPDATE events SET capacity = 152 WHERE id = ?", event.id)
    seen = loop_batches(store)
    newcomer = await store.join(1, event.id, 9_999, "m")
    assert len(newcomer.result.promoted) == 150
    assert (newcomer.result.outcome, newcomer.result.filled) == (JoinOutcome.CONFIRMED, True)
    assert all(promoted * PROMOTION_ROWS <= LOOP_ROW_BUDGET for _, promoted, _ in seen)
    assert any(isinstance(failed, TooLongForTheLoop) for _, _, failed in seen)


async def read_with_the_thread_held(store, event_id):
    """`get_event` while the database thread is busy: only the event loop can answer."""
    release = threading.Event()
    busy = asyncio.ensure_future(store.run(release.wait, 10))  # holds the database thread
    try:
        await asyncio.sleep(0.05)
        return await asyncio.wait_for(store.run(store.events.get_event, 1, event_id), 1)
    finally:
        release.set()
        await busy


@pytest.mark.sqlite_only
async def test_an_event_too_large_for_the_loop_is_read_whole_once_then_kept(store):
    event = await new_event(store, capacity=5)
    await execute_sql(store, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                      " WHERE i < 1500) INSERT INTO takeaways (event_id, position, heading, text)"
                      " SELECT ?, i, 'Point ' || i, 'Said at length.' FROM n", event.id)
    content, read_on_loop = store._loop_repos.content, []
    fetch = content._all

    def spied(sql, params=()):
        read_on_loop.append(len(found := fetch(sql, params)))
        return found

    content._all = spied
    whole = await store.run(store.events.get_event, 1, event.id)
    assert [t.heading for t in whole.takeaways] == [f"Point {i}" for i in range(1, 1501)]
    # at most 250 takeaways (and the one that tells there are more) read on the event
    # loop: 990 took it 1 ms, and its work stays within a few hundred microseconds
    assert read_on_loop and max(read_on_loop) <= 251
    assert await read_with_the_thread_held(store, event.id) is whole
    await execute_sql(store, "DELETE FROM takeaways WHERE event_id = ? AND position > 2",
                      event.id)
    assert len((await store.run(store.events.get_event, 1, event.id)).takeaways) == 2


@pytest.mark.sqlite_only
async def test_an_event_with_long_texts_is_read_off_the_loop_then_kept(store):
    """The event loop reads an event only while its content is small: a 1 MB description
    (a long page) is read on the database thread, then served from the loop."""
    long = "某" * 350_000  # three bytes each
    event, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="long", title="Long", capacity=5), [("page", make_page(description=long))])
    events, read_on_loop = store._loop_repos.events, []
    event_row = events.event_row

    def spied(guild_id, event_id):
        read_on_loop.append(event_id)
        return event_row(guild_id, event_id)

    events.event_row = spied
    whole = await store.run(store.events.get_event, 1, event.id)
    assert whole.description == long and read_on_loop == []
    assert await read_with_the_thread_held(store, event.id) is whole
    short, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="short", title="Short", capacity=5), [("page", make_page())])
    assert (await store.run(store.events.get_event, 1, short.id)).title == "Short"
    assert read_on_loop == [short.id]


async def test_the_upgrade_measures_existing_events_as_the_code_measures_new_ones(store):
    page = make_page(description="关于导弹防御的争议。" * 40, access_notes=("On the record",),
                     people=(("何莉", "moderator"), ("Tong Zhao", "speaker")),
                     takeaways=(("第一点", "美中之间的分歧。"), ("Second", "Ambiguity.")))
    event, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="zh", title="Talk", capacity=5), [("page", page)])
    [(measured,)] = await execute_sql(store, "SELECT content_bytes FROM events WHERE id = ?",
                                      event.id)
    found = await store.run(store.events.get_event, 1, event.id)
    assert measured == content_bytes(EventContent(
        found.description, found.recap_summary, access_notes=found.access_notes,
        people=found.people, takeaways=found.takeaways)) > 1_000
    postgres = getattr(store, "_pool", None) is not None
    migration = POSTGRES_MIGRATIONS[17] if postgres else SQLITE_MIGRATIONS[16]
    if not postgres:
        # SQLite keeps the texts beside the event since migration 37: that one ran on the
        # events as they were, with their texts, which a temporary table of the same name
        # holds (it hides the database's own from unqualified names)
        await execute_sql(store, f"CREATE TEMP TABLE events AS SELECT * FROM {EVENTS_WITH_TEXTS}")
    try:
        await execute_sql(store, "UPDATE events SET content_bytes = 0")
        await execute_sql(store,
                          migration[migration.index("UPDATE events"):].rstrip().rstrip(";"))
        assert await execute_sql(store, "SELECT content_bytes FROM events WHERE id = ?",
                                 event.id) == [(measured,)]
    finally:
        if not postgres:
            await execute_sql(store, "DROP TABLE temp.events")


async def test_joins_made_here_are_counted_at_once(store):
    event = await new_event(store, capacity=2)
    assert (await store.run(store.events.get_event, 1, event.id)).seats_left == 2
    for user in (1, 2, 3):
        await store.join(1, event.id, user, "m")
        found = await store.run(store.events.get_event, 1, event.id)
        assert (found.confirmed, found.waitlisted) == (min(user, 2), max(user - 2, 0))


@pytest.mark.sqlite_only  # the event loop's cache of events is the SQLite store's
async def test_an_unchanged_event_is_served_as_the_same_object(store):
    """The replies rendered from an event are kept while it is the same object
    (cogs/events.py), so the store hands out one object per state of an event."""
    event = await new_event(store, capacity=5)
    first = await store.run(store.events.get_event, 1, event.id)
    assert await store.run(store.events.get_event, 1, event.id) is first
    await store.join(1, event.id, 7, "m")
    joined = await store.run(store.events.get_event, 1, event.id)
    assert joined is not first and (joined.confirmed, first.confirmed) == (1, 0)
    assert await store.run(store.events.get_event, 1, event.id) is joined


async def test_a_members_rsvp_is_read_with_the_event_in_one_call(store):
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "first")
    await store.join(1, event.id, 2, "second")
    summary, nothing = await store.run(store.registrations.member_rsvp, 1, event.id, 3)
    assert (summary, nothing) == (await store.summary(1, event.id), None)
    _, seated = await store.run(store.registrations.member_rsvp, 1, event.id, 1)
    _, waiting = await store.run(store.registrations.member_rsvp, 1, event.id, 2)
    assert (seated.status, seated.name, seated.position) == (Status.CONFIRMED, "first", None)
    assert (waiting.status, waiting.name, waiting.position) == (Status.WAITLISTED, "second", 1)
    await store.join(1, event.id, 3, "third")
    _, third = await store.run(store.registrations.member_rsvp, 1, event.id, 3)
    await store.run(store.registrations.cancel, 1, event.id, 2)  # leaves the waitlist
    _, moved_up = await store.run(store.registrations.member_rsvp, 1, event.id, 3)
    assert (third.position, moved_up.position) == (2, 1)
    with pytest.raises(EventNotFound):  # another server's event is not found, RSVP or not
        await store.run(store.registrations.member_rsvp, 2, event.id, 1)


async def waitlisted_second(store) -> int:
    """An event of one seat: member 1 holds it, members 2 and 3 wait, in that order."""
    event = await new_event(store, capacity=1)
    for user in (1, 2, 3):
        await store.join(1, event.id, user, "m")
    return event.id


@pytest.mark.sqlite_only
async def test_a_waitlist_position_is_read_in_the_snapshot_of_its_rsvp(tmp_path, monkeypatch):
    """Member 1 cancels in another process while /rsvp status (and /rsvp mine) has read
    member 2's RSVP and is reading the waitlist: 2 is promoted in between, and the reply
    must not count them out of a waitlist it says they are on (position 0)."""
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here:
        event_id = await waitlisted_second(here)
        elsewhere = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        configure(elsewhere)
        cancelled = []
        read_waitlist = SqliteRegistrations._read_waitlist

        def meanwhile(self, *args):
            if not cancelled:  # once, between the RSVP's read and the waitlist's
                cancelled.append(SqliteRepositories(elsewhere).registrations.cancel(
                    1, event_id, 1))
            return read_waitlist(self, *args)

        monkeypatch.setattr(SqliteRegistrations, "_read_waitlist", meanwhile)
        rsvp = await rsvp_of(here, event_id, 2)
        assert cancelled and (rsvp.status, rsvp.position) == (Status.WAITLISTED, 1)
        assert (await rsvp_of(here, event_id, 2)).status is Status.CONFIRMED  # then, at once
        cancelled.clear()
        await here.run(here.registrations.cancel, 1, event_id, 2)  # 3 is promoted
        await here.join(1, event_id, 1, "m")  # and 1 waits again, behind nobody
        mine = (await here.run(here.registrations.my_rsvps, 1, 1)).shown
        assert cancelled and (mine[0].status, mine[0].position) == (Status.WAITLISTED, 1)
        elsewhere.close()


@pytest.mark.sqlite_only
async def test_an_event_is_read_as_of_one_moment(tmp_path, monkeypatch):
    """Its row, people and takeaways are three reads: another process renaming a speaker
    and retitling the event in between must not leave a mix of the two states."""
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here:
        event = await new_event(here)
        elsewhere = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        changed = []
        people = SqliteContent.people

        def meanwhile(self, event_id):
            if not changed:  # once, between the event's row and its people
                elsewhere.execute("BEGIN IMMEDIATE")
                elsewhere.execute("UPDATE events SET title = 'Retitled' WHERE id = ?",
                                  (event_id,))
                elsewhere.execute("UPDATE people SET name = 'Renamed' WHERE event_id = ?",
                                  (event_id,))
                changed.append(elsewhere.execute("COMMIT"))
            return people(self, event_id)

        monkeypatch.setattr(SqliteContent, "people", meanwhile)
        found = await here.run(here.events.get_event, 1, event.id)
        assert changed and (found.title, found.people[0].name) == (event.title, "Ada Lovelace")
        again = await here.run(here.events.get_event, 1, event.id)
        assert (again.title, again.people[0].name) == ("Retitled", "Renamed")
        elsewhere.close()


class CommitInBetween:
    """The loop's cursor, with another process committing `statements` right before the
    second statement of the next read through it (once)."""

    def __init__(self, cursor: sqlite3.Cursor, elsewhere: sqlite3.Connection,
                 statements: list[tuple[str, tuple]]) -> None:
        self.cursor, self.elsewhere, self.statements = cursor, elsewhere, statements
        self.calls = 0
        self.committed = False

    def execute(self, sql: str, parameters: tuple = ()) -> sqlite3.Cursor:
        self.calls += 1
        if self.calls == 2 and not self.committed:
            self.elsewhere.execute("BEGIN IMMEDIATE")
            for statement, args in self.statements:
                self.elsewhere.execute(statement, args)
            self.elsewhere.execute("COMMIT")
            self.committed = True
        return self.cursor.execute(sql, parameters)


@pytest.mark.sqlite_only
async def test_a_cached_event_is_never_served_with_seats_newer_than_its_content(tmp_path):
    """The cache's check and the seat counts are two statements: another process
    retitling the event and taking a seat between them must not leave the old title
    with the new count (the check comes second, so it sees that commit)."""
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here:
        event = await new_event(here)
        other = await new_event(here, slug="other")
        cached = await here.run(here.events.get_event, 1, event.id)
        assert (cached.title, cached.confirmed) == (event.title, 0)
        assert await here.run(here.events.get_event, 1, event.id) is cached  # kept
        # a join elsewhere, committed by this process's own loop connection: the event's
        # counts are read again, and its content kept (another connection's would drop it)
        await here.join(1, other.id, 7, "Someone")
        elsewhere = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        session = here._loop_repos.session
        plain = session.plain
        session.plain = between = CommitInBetween(plain, elsewhere, [(
            "UPDATE events SET title = 'Retitled', confirmed_count = 1 WHERE id = ?",
            (event.id,))])
        try:
            found = await here.run(here.events.get_event, 1, event.id)
        finally:
            session.plain = plain
            elsewhere.close()
        assert between.committed and between.calls == 2
        assert (found.title, found.confirmed) == ("Retitled", 1)


@pytest.mark.sqlite_only  # the wal-index is SQLite's
async def test_reads_nobody_has_committed_since_are_answered_again_without_a_statement(
        tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here, await open_store(path) as there:
        event = await new_event(here, capacity=1)
        for user in (7, 8):
            await here.join(1, event.id, user, "m")
        statements: list[str] = []
        here._loop_repos.session.conn.set_trace_callback(statements.append)

        async def reads() -> tuple:
            found = await here.run(here.events.get_event, 1, event.id)
            return found, await rsvp_of(here, event.id, 7), await rsvp_of(here, event.id, 8)

        first = await reads()
        assert statements  # read from the database
        asked = len(statements)
        again = await reads()
        assert again == first and again[0] is first[0] and len(statements) == asked
        assert [(r.status, r.position) for r in first[1:]] == [
            (Status.CONFIRMED, None), (Status.WAITLISTED, 1)]

        # another process's commit: every answer is read again, at once
        await there.run(there.registrations.cancel, 1, event.id, 7)  # 8 is promoted there
        found, seven, eight = await reads()
        assert len(statements) > asked
        assert (found.confirmed, found.waitlisted, seven, eight.status) == (
            1, 0, None, Status.CONFIRMED)
        # this process's own join (the loop's connection): read again too
        await here.join(1, event.id, 9, "m")
        assert (await here.run(here.events.get_event, 1, event.id)).waitlisted == 1
        assert (await rsvp_of(here, event.id, 9)).position == 1
        # and SQL in another OS process
        await asyncio.to_thread(subprocess.run, [
            sys.executable, "-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1],"
            " isolation_level=None).execute('UPDATE events SET capacity = 40')", str(path)],
            check=True)
        assert (await here.run(here.events.get_event, 1, event.id)).seats_left == 39


@pytest.mark.sqlite_only
async def test_the_answers_kept_between_commits_stay_within_their_bound(store, monkeypatch):
    monkeypatch.setattr(sqlite_store, "CACHED_ANSWERS", 3)
    event = await new_event(store, capacity=10)
    for user in range(1, 8):
        await store.join(1, event.id, user, "m")
    for user in range(1, 8):  # nobody commits meanwhile: each is kept, up to the bound
        assert (await rsvp_of(store, event.id, user)).status is Status.CONFIRMED
        assert 1 <= len(store._answers) <= 3


@pytest.mark.sqlite_only
async def test_more_events_than_are_kept_are_each_read_as_themselves(store, monkeypatch):
    """Past CACHED_EVENTS the cache starts afresh, and what was kept at the header's mark
    goes with it: an event read again is read, not looked up where it was dropped."""
    monkeypatch.setattr(sqlite_store, "CACHED_EVENTS", 2)
    events = [await new_event(store, slug=f"talk-{n}") for n in range(3)]
    for event in events * 2:  # nobody commits meanwhile
        found = await store.run(store.events.get_event, 1, event.id)
        assert (found.id, found.title) == (event.id, event.title)
        assert len(store._events) <= 2


@pytest.mark.sqlite_only
async def test_the_events_kept_between_commits_hold_a_bounded_text(store, monkeypatch):
    """Events are kept while nobody commits, each with its whole text: 40 events of pages
    near the 2 MB limit, each read once, kept 69 MB (CACHED_EVENTS, 256, about 450 MB).
    What they hold together stays within CACHED_EVENT_TEXT: past it the cache starts
    afresh, as past CACHED_EVENTS."""
    monkeypatch.setattr(sqlite_store, "CACHED_EVENT_TEXT", 10_000)
    events = [await new_event(store, slug=f"long-{n}", description=f"{n} " + "x" * 3_000)
              for n in range(10)]
    for event in events * 2:  # nobody commits meanwhile
        found = await store.run(store.events.get_event, 1, event.id)
        assert found.description.startswith(f"{event.description[:2]}")
        assert sum(len(kept.description) for kept in store._events.values()) <= 10_000


@pytest.mark.sqlite_only
async def test_a_slow_read_that_lands_after_a_join_never_hides_the_join(store, monkeypatch):
    """A large event is read on the database thread. One such read, begun before this
    process's own join and answered after the join was counted, is kept (it says what
    the event holds), but its seat counts are read again before they are shown."""
    event = await new_event(store, capacity=5)
    await execute_sql(store, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                      " WHERE i < 1500) INSERT INTO takeaways (event_id, position, heading, text)"
                      " SELECT ?, i, 'Point ' || i, 'Said at length.' FROM n", event.id)
    call, gate, read = store._thread.call, asyncio.Event(), []

    def held_back(fn):  # the thread reads at once; its answer arrives when the gate opens
        inner = call(fn)
        read.append(inner)

        async def answer():
            result = await inner
            await gate.wait()
            return result
        return asyncio.ensure_future(answer())

    monkeypatch.setattr(store._thread, "call", held_back)
    slow = asyncio.ensure_future(store.run(store.events.get_event, 1, event.id))
    while not (read and read[0].done()):
        await asyncio.sleep(0.01)
    monkeypatch.setattr(store._thread, "call", call)
    await store.join(1, event.id, 7, "m")
    for _ in range(2):  # read on the thread and kept, then counted on the loop
        assert (await store.run(store.events.get_event, 1, event.id)).confirmed == 1
    gate.set()
    assert (await slow).confirmed == 0  # as it was when that read was made
    assert (await store.run(store.events.get_event, 1, event.id)).confirmed == 1


async def test_a_checkpoint_that_fails_is_one_warning_and_the_next_goes_on(
        tmp_path, monkeypatch, caplog):
    """The write-ahead log's checkpoints run in a task nobody awaits: one stopped by a full
    disk was an exception never retrieved (a traceback when the task was collected, or
    nothing at all). It is one warning, and the next checkpoint runs."""
    monkeypatch.setattr(joins_module, "CHECKPOINT_EVERY", 3)
    store = await sqlite_store.SqliteStore.open(tmp_path / "full.sqlite3")
    tried = []

    def checkpoint():
        tried.append(len(tried))
        if len(tried) == 1:
            full = sqlite3.OperationalError("database or disk is full")
            full.sqlite_errorcode = sqlite3.SQLITE_FULL
            raise full

    monkeypatch.setattr(store._repos.session, "checkpoint", checkpoint)
    try:
        event = await new_event(store, capacity=50)
        for user in range(1, 8):
            await store.join(1, event.id, user, "m")
            await asyncio.sleep(0.02)  # one at a time: each its own commit on the loop
        gc.collect()
        await asyncio.sleep(0.02)
    finally:
        await store.close()
    warned = [r.getMessage() for r in caplog.records if "write-ahead log" in r.getMessage()]
    assert len(warned) == 1 and "database or disk is full" in warned[0], warned
    assert len(tried) == 2
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


async def test_a_read_after_the_store_closed_is_refused_in_the_members_language(tmp_path):
    """The store closes as the bot stops: a request that comes after is told so, in the
    member's language, as a join then is (it said "the database is closed", untranslated)."""
    store = await sqlite_store.SqliteStore.open(tmp_path / "closed.sqlite3")
    event = await new_event(store)
    await store.close()
    with pytest.raises(Unavailable) as refused:
        await store.run(store.events.get_event, 1, event.id)
    assert str(refused.value) == "the bot is shutting down; try again in a moment"
    assert language("zh-CN").text(refused.value.text) == "机器人正在关闭；请稍后再试"


async def rows_read(store, monkeypatch, repository: str, call: str, *args, **kwargs) -> int:
    """What one store call costs the database, counted rather than timed: on SQLite,
    hundreds of VM steps; on PostgreSQL, the rows its statements' scans read (kept or
    filtered out), by EXPLAIN ANALYZE of each statement as the store sent it."""
    pool = getattr(store, "_pool", None)
    if pool is None:
        from tests.store.test_store import vm_steps
        conn = store._repos.session.conn
        method = getattr(getattr(store._repos, repository), call)
        return await store.run(lambda: vm_steps(conn, lambda: method(*args, **kwargs)))
    import asyncpg
    sent: list[tuple[str, tuple]] = []

    def recording(name: str):
        sends = getattr(asyncpg.connection.Connection, name)

        async def record(self, query, *args, **options):
            sent.append((query, args))
            return await sends(self, query, *args, **options)
        return record

    with monkeypatch.context() as patch:
        for name in ("fetch", "fetchrow", "fetchval"):
            patch.setattr(asyncpg.connection.Connection, name, recording(name))
        await store.run(getattr(getattr(store, repository), call), *args, **kwargs)
    return sum([await rows_scanned(pool, query, *sent_args) for query, sent_args in sent])


async def rows_scanned(pool, query: str, *args: object) -> int:
    """The rows PostgreSQL's scans read running `query` (kept or filtered out), by its
    EXPLAIN ANALYZE."""
    async with pool.acquire() as conn:
        plan = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}", *args)

    def scanned(node) -> int:
        read = 0
        if "Scan" in node["Node Type"]:
            read = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node[
                "Actual Loops"]
        return read + sum(scanned(child) for child in node.get("Plans", ()))

    return scanned(json.loads(plan)[0]["Plan"])


async def test_a_members_rsvps_cost_the_same_however_many_events_the_server_holds(
        store, monkeypatch):
    """`/rsvp mine` found a member's RSVPs through every event of the server (SQLite
    probed each for one; PostgreSQL, past a few thousand events, read the whole RSVP
    table): on a server of 10,000 events holding a million RSVPs, ~30 ms per call on
    PostgreSQL, for a member with none at all as well. Found by the member, a server
    200 times larger costs them about the same."""
    events = [await new_event(store, capacity=50, slug=f"talk-{n}", description=f"Talk {n}.")
              for n in range(5)]
    for event in events[:2]:
        await store.join(1, event.id, 7, "member")

    async def cost(user_id: int) -> int:
        return await rows_read(store, monkeypatch, "registrations", "my_rsvps", 1, user_id,
                               None, 50)

    few = {user_id: await cost(user_id) for user_id in (7, 8)}
    # 1,000 more events of the server, 20 RSVPs of other members each (20,000 in all)
    await execute_sql(
        store, "INSERT INTO events (guild_id, slug, title, capacity, created_at, updated_at)"
        " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)"
        " SELECT 1, 'more-' || i, 'More ' || i, 50, 0, 0 FROM n")
    await execute_sql(
        store, "INSERT INTO rsvps (event_id, user_id, display_name, status, seq, joined_at)"
        " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)"
        " SELECT e.id, 1000 + n.i, 'other', 'confirmed', n.i, 0 FROM events e, n"
        " WHERE e.slug LIKE 'more-%'")
    if getattr(store, "_pool", None) is not None:
        await execute_sql(store, "ANALYZE")
    many = {user_id: await cost(user_id) for user_id in (7, 8)}
    for user_id in (7, 8):
        assert many[user_id] <= 1.5 * few[user_id] + 10, (user_id, few, many)
    mine = await store.run(store.registrations.my_rsvps, 1, 7, limit=50)
    assert (mine.total, {r.event_id for r in mine.shown}) == (2, {e.id for e in events[:2]})
    assert (await store.run(store.registrations.my_rsvps, 1, 8, limit=50)).total == 0


# -- /event list: the first ones, read by the indexes -----------------------------------

LIST_NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)


async def listed_event(store, slug: str, starts_at: datetime | None = None,
                       ends_at: datetime | None = None, *, all_day: bool = False,
                       archived: bool = False) -> int:
    event, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug=slug, title=f"Event {slug}", capacity=10, starts_at=starts_at, ends_at=ends_at,
        all_day=all_day), [("page", make_page())])
    if archived:
        await store.run(store.events.set_archived, 1, event.id, True)
    return event.id


async def listing_order(store, past: bool) -> list[int]:
    """The guild's events in `/event list`'s order as it was read before it was bounded:
    every event of the guild, sorted by LISTING_ORDER."""
    from bot.storage.postgres import events as pg_events
    from bot.storage.sqlite import events as sqlite_events
    pool = getattr(store, "_pool", None)
    if pool is None:
        return [row[0] for row in await execute_sql(
            store, f"SELECT id FROM events WHERE guild_id = 1 AND (?2 OR NOT"
            f" {sqlite_events.DONE}) ORDER BY {sqlite_events.LISTING_ORDER}".replace(
                ":now", "?1"), int(LIST_NOW.timestamp()), past)]
    async with pool.acquire() as conn:
        return [row[0] for row in await conn.fetch(
            f"SELECT id FROM events WHERE guild_id = $1 AND ($2 OR NOT {pg_events.DONE})"
            f" ORDER BY {pg_events.LISTING_ORDER}", 1, past, int(LIST_NOW.timestamp()))]


async def test_the_first_listings_are_the_first_of_the_whole_order(store):
    """`/event list` reads its first ones in parts (under way, to come, without a date,
    done), each by an index: whatever the limit, they are the first ones of the order
    the whole list had, and the total is how many that list holds. With the past ones,
    up to half the list is kept for them, the events to come taking the rest."""
    await store.run(store.settings.set_timezone, 1, "America/New_York")  # UTC-4 in June
    hour, day = timedelta(hours=1), timedelta(days=1)
    now = LIST_NOW
    june = lambda d: datetime(2030, 6, d, tzinfo=UTC)  # noqa: E731
    # under way: begun at different times, one all day (began at 04:00 UTC), one long
    await listed_event(store, "begun-2h", now - 2 * hour, now + hour)
    await listed_event(store, "begun-1h", now - hour, now + 5 * hour)
    await listed_event(store, "today", june(1), june(2), all_day=True)
    await listed_event(store, "season", now - 10 * day, now + 10 * day)
    # to come: a tie, an all-day day that begins after a timed event of its UTC date
    await listed_event(store, "soon", now + hour, now + 2 * hour)
    await listed_event(store, "tie-a", now + day)
    await listed_event(store, "tie-b", now + day)
    await listed_event(store, "tomorrow", june(2), all_day=True)  # begins 04:00 UTC
    await listed_event(store, "late-night", june(2) + 2 * hour)  # 22:00 the day before
    await listed_event(store, "far", now + 300 * day, now + 300 * day + hour)
    # without a date, one archived
    for n in range(3):
        await listed_event(store, f"undated-{n}", archived=n == 1)
    # over: ended, without an end (over as it began), all day, a tie
    await listed_event(store, "ended", now - 2 * day, now - 2 * day + hour)
    await listed_event(store, "ended-tie", now - 2 * day, now - 2 * day + 2 * hour)
    await listed_event(store, "bare", now - 3 * hour)
    await listed_event(store, "may-30", datetime(2030, 5, 30, tzinfo=UTC), all_day=True)
    # archived: past, to come, and ties with one over
    await listed_event(store, "archived-past", now - 5 * day, now - 5 * day + hour,
                       archived=True)
    await listed_event(store, "archived-coming", now + 2 * day, archived=True)
    await listed_event(store, "archived-tie", now - 2 * day, archived=True)
    to_come = await listing_order(store, False)
    for past in (False, True):
        whole = await listing_order(store, past)
        assert len(whole) == (12 if not past else 20)
        done = whole[len(to_come):]
        for limit in range(1, len(whole) + 2):
            listed = await store.run(store.events.event_listings, 1, past=past, now=now,
                                     limit=limit)
            assert ([e.id for e in listed.shown], listed.total) == (
                listed_first(to_come, done, past, limit), len(whole)), (past, limit)
        everything = await store.run(store.events.event_listings, 1, past=past, now=now)
        assert ([e.id for e in everything.shown], everything.total) == (whole, len(whole))


def listed_first(to_come: list, done: list, past: bool, limit: int) -> list:
    """The first `limit` of `/event list`, of the events to come and (with `past`) the past
    and archived ones, each in the whole list's order: the past ones take up to half the
    list, kept for them, and what the events to come leave."""
    if not past:
        return to_come[:limit]
    shown_to_come = min(len(to_come), limit - min(len(done), limit - limit // 2))
    return to_come[:shown_to_come] + done[:limit - shown_to_come]


async def listing_cost(store, monkeypatch, past: bool) -> int:
    return await rows_read(store, monkeypatch, "events", "event_listings", 1, past=past,
                           now=LIST_NOW, limit=LIST_LIMIT)


async def count_cost(store, past: bool) -> int:
    """What the list's count costs by itself (all the guild's events with `past`, else
    those not done): one entry of an index each, the one part that grows with them."""
    from bot.storage.sqlite.events import LISTING_COUNT, LISTING_COUNT_TO_COME, sqlite_listing
    pool = getattr(store, "_pool", None)
    at = int(LIST_NOW.timestamp())
    count, args = (LISTING_COUNT, (1,)) if past else (LISTING_COUNT_TO_COME, (1, at))
    if pool is None:
        from tests.store.test_store import vm_steps
        conn = store._repos.session.conn
        sql = sqlite_listing(count)
        return await store.run(lambda: vm_steps(conn, lambda: conn.execute(sql, args)
                                                .fetchall()))
    from bot.storage.postgres.events import postgres_listing
    return await rows_scanned(pool, postgres_listing(count), *args)


async def past_events(store, *, archived_undated: bool = False) -> None:
    """1,000 past events of the guild, an hour long each from 400 days before LIST_NOW,
    every tenth archived (and with `archived_undated`, without a date), inserted as SQL."""
    postgres = getattr(store, "_pool", None) is not None
    yes = "true" if postgres else "1"
    starts = "? - 400 * 86400 + i * 3600"
    ends = f"{starts} + 3600"
    if archived_undated:
        starts, ends = (f"CASE WHEN i % 10 = 0 THEN NULL ELSE {moment} END"
                        for moment in (starts, ends))
    at = int(LIST_NOW.timestamp())
    await execute_sql(
        store, "INSERT INTO events (guild_id, slug, title, capacity, created_at, updated_at,"
        " starts_at, ends_at, archived)"
        " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)"
        f" SELECT 1, 'past-' || i, 'Past ' || i, 10, 0, 0, {starts}, {ends},"
        f" CASE WHEN i % 10 = 0 THEN {yes} ELSE NOT {yes} END FROM n", at, at)
    if postgres:
        await execute_sql(store, "ANALYZE")


async def test_the_list_reads_the_same_however_many_past_and_far_events_there_are(
        store, monkeypatch):
    """`/event list` read every event of the server and sorted them all to show 25 (32 ms
    a call at 10,000 events). Now 1,000 more past events (over or archived) cost it
    nothing; 1,000 more far to come cost it only their count (one index entry each):
    neither is read."""
    hour = timedelta(hours=1)
    for n in range(30):  # more to come than the list shows, and two under way
        await listed_event(store, f"next-{n}", LIST_NOW + n * hour, LIST_NOW + (n + 1) * hour)
    for n in range(2):
        await listed_event(store, f"on-{n}", LIST_NOW - hour, LIST_NOW + hour)
    for n in range(15):  # as many as the list keeps room for
        await listed_event(store, f"done-{n}", LIST_NOW - (n + 1) * 24 * hour,
                           archived=n == 0)
    async def cost() -> dict[bool, int]:  # the list's reads, its count apart
        return {past: await listing_cost(store, monkeypatch, past)
                - await count_cost(store, past) for past in (False, True)}

    postgres = getattr(store, "_pool", None) is not None
    if postgres:  # (planned from the table's statistics, as after the 1,000)
        await execute_sql(store, "ANALYZE")
    few = await cost()
    counted = await count_cost(store, False)
    at = int(LIST_NOW.timestamp())
    await past_events(store)
    # the count without the past reads the events not done alone, not the past ones
    assert await count_cost(store, False) <= 1.5 * counted + 10
    # and 1,000 a year and more from now
    await execute_sql(
        store, "INSERT INTO events (guild_id, slug, title, capacity, created_at, updated_at,"
        " starts_at, ends_at)"
        " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)"
        " SELECT 1, 'far-' || i, 'Far ' || i, 10, 0, 0, ? + 400 * 86400 + i * 3600,"
        " ? + 400 * 86400 + i * 3600 + 3600 FROM n", at, at)
    if postgres:
        await execute_sql(store, "ANALYZE")
    many = await cost()
    for past in (False, True):
        assert many[past] <= 1.5 * few[past] + 10, (past, few, many)
    listed = await store.run(store.events.event_listings, 1, now=LIST_NOW, limit=LIST_LIMIT)
    assert len(listed.shown) == LIST_LIMIT and listed.total == 32 + 1000
    assert [e.title for e in listed.shown[:3]] == ["Event next-0", "Event on-0", "Event on-1"]


async def test_a_short_list_reads_no_more_for_the_servers_past_and_archived_events(
        store, monkeypatch):
    """A list shorter than the reply reads every one of its parts, those without a date
    too: 1,000 past events, archived ones without a date among them, cost none of them
    more (PostgreSQL walked every event of the server by its key for those without a
    date, where its index by start keeps them in no order of id)."""
    hour = timedelta(hours=1)
    await listed_event(store, "next", LIST_NOW + hour, LIST_NOW + 2 * hour)
    await listed_event(store, "undated")
    few = await listing_cost(store, monkeypatch, False)
    await past_events(store, archived_undated=True)
    assert await listing_cost(store, monkeypatch, False) <= 1.5 * few + 10
    listed = await store.run(store.events.event_listings, 1, now=LIST_NOW, limit=LIST_LIMIT)
    assert ([e.title for e in listed.shown], listed.total) == (
        ["Event next", "Event undated"], 2)


async def whole_listing(store, guild_id: int, past: bool, at: int) -> list[tuple[int, bool]]:
    """The guild's whole `/event list` at the moment `at`, as one query sorting every event
    by LISTING_ORDER read it: (id, over) of each."""
    from bot.storage.postgres import events as pg_events
    from bot.storage.sqlite import events as sqlite_events
    from bot.storage.sqlite.session import OVER_AT
    pool = getattr(store, "_pool", None)
    if pool is None:
        return [(row[0], bool(row[1])) for row in await execute_sql(
            store, f"SELECT id, {OVER_AT} <= ?1 FROM events WHERE guild_id = ?3 AND (?2 OR NOT"
            f" {sqlite_events.DONE}) ORDER BY {sqlite_events.LISTING_ORDER}".replace(
                ":now", "?1"), at, past, guild_id)]
    async with pool.acquire() as conn:
        return [(row[0], bool(row[1])) for row in await conn.fetch(
            f"SELECT id, coalesce({OVER_AT} <= $3, false) FROM events WHERE guild_id = $1"
            f" AND ($2 OR NOT {pg_events.DONE}) ORDER BY {pg_events.LISTING_ORDER}",
            guild_id, past, at)]


async def test_the_first_listings_match_the_whole_order_over_random_servers(store):
    """Hundreds of random events (all-day ones in the zones furthest east and west and a
    zone change, long ones, ties, ends and starts at the very moment, archived ones of
    every kind): whatever the moment and the limit, the list's first ones and its total
    are those of the one query sorting them all."""
    import random
    rng = random.Random(20300601)
    hour, day = timedelta(hours=1), timedelta(days=1)
    base = datetime(2030, 6, 1, tzinfo=UTC)
    moments = [base + n * hour for n in range(-5 * 24, 5 * 24)]
    dates = [base + n * day for n in range(-4, 5)]
    await store.run(store.settings.set_timezone, 1, "Pacific/Kiritimati")
    kinds = ("timed", "bare", "long", "all-day", "days", "year-day", "dateless")
    made: list[int] = []
    for batch in range(8):
        drafts = []
        for n in range(40):
            kind = rng.choice(kinds)
            slug = f"e{batch}-{n}"
            starts = ends = None
            all_day = kind in ("all-day", "days", "year-day")
            if kind == "timed":
                starts = rng.choice(moments)
                ends = starts + rng.choice((hour, 30 * timedelta(minutes=1), 3 * hour, day))
            elif kind == "bare":
                starts = rng.choice(moments)
            elif kind == "long":
                starts = rng.choice(moments) - rng.choice((0, 200, 365)) * day
                ends = starts + 365 * day
            elif kind == "all-day":
                starts = rng.choice(dates)
            elif kind == "days":
                starts = rng.choice(dates)
                ends = starts + rng.randint(1, 4) * day
            elif kind == "year-day":
                starts = rng.choice(dates) - rng.choice((0, 200)) * day
                ends = starts + 366 * day
            drafts.append((EventDraft(slug=slug, title=slug, capacity=5, starts_at=starts,
                                      ends_at=ends, all_day=all_day), [("page", make_page())]))
        # made at one of the moments: a dateless one ties with a dated one of that date
        saved = await store.run(store.events.save_events, 1, drafts, rng.choice(moments))
        made.extend(event.id for event, _ in saved)
    for event_id in rng.sample(made, 40):  # some all-day ones edited to have no end
        event = await store.run(store.events.get_event, 1, event_id)
        if event.all_day:
            await store.run(store.events.edit_event, 1, event_id, EventEdit(
                event.title, event.starts_at, None, True, None, None))
    for event_id in rng.sample(made, 60):  # archived: past, under way, to come, dateless
        await store.run(store.events.set_archived, 1, event_id, True)
    # another server's events, never listed here
    await store.run(store.events.save_events, 2, [(EventDraft(
        slug=f"o{n}", title="other", starts_at=rng.choice(moments)), [("page", make_page())])
        for n in range(10)])
    cases = 0
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "America/New_York"):
        await store.run(store.settings.set_timezone, 1, zone)
        edges = [row[0] for row in await execute_sql(
            store, "SELECT starts_at - start_offset FROM events WHERE guild_id = 1"
            " AND starts_at IS NOT NULL UNION SELECT ends_at - end_offset FROM events"
            " WHERE guild_id = 1 AND ends_at IS NOT NULL")]
        for _ in range(12):
            at = rng.choice(edges) if rng.random() < 0.7 else int(rng.choice(moments)
                                                                  .timestamp())
            at += rng.choice((0, 0, 0, -1, 1))
            to_come = await whole_listing(store, 1, False, at)
            for past in (False, True):
                whole = await whole_listing(store, 1, past, at)
                assert whole[:len(to_come)] == to_come
                for limit in {rng.randint(1, 30), rng.randint(1, 30), len(whole)}:
                    listed = await store.run(store.events.event_listings, 1, past=past,
                                             now=datetime.fromtimestamp(at, UTC), limit=limit)
                    got = [(e.id, e.over) for e in listed.shown], listed.total
                    assert got == (listed_first(to_come, whole[len(to_come):], past, limit),
                                   len(whole)), (zone, at, past, limit)
                    cases += 1
    assert cases > 150


async def test_an_export_reads_one_moment_while_members_join_and_read_beside_it(store):
    """An event's RSVP export (`/manage attendees`, `python -m bot rsvps`) reads its list in
    one read transaction of its own, a chunk at a time: held open mid-way, another event's
    join and a read of the database thread's are answered meanwhile, and the list is still
    the one moment it began at. The member promoted meanwhile is listed once, as they were
    then (a list read in pages at different moments lost them between two pages)."""
    seats, total = ATTENDEE_ROWS, ATTENDEE_ROWS * 2 + 500  # three chunks
    event = await new_event(store, capacity=seats)
    other = await new_event(store, slug="other", capacity=5)
    for first in range(1, total + 1, 500):
        await asyncio.gather(*(store.join(1, event.id, user, f"member {user}")
                               for user in range(first, first + 500)))
    async with contextlib.aclosing(store.attendees(event.id)) as chunks:
        listed = await anext(chunks)
        assert len(listed) == ATTENDEE_ROWS
        # the export's read held open: a member gives up their seat, one joins another event
        cancelled = await asyncio.wait_for(
            store.run(store.registrations.cancel, 1, event.id, 1), 30)
        assert cancelled.promotions.promoted == (seats + 1,)
        joined = await asyncio.wait_for(store.join(1, other.id, total + 1, "late"), 30)
        assert joined.result.outcome is JoinOutcome.CONFIRMED
        mine = await asyncio.wait_for(store.run(store.registrations.my_rsvps, 1, seats + 1), 30)
        assert [r.status for r in mine.shown] == [Status.CONFIRMED]
        async for chunk in chunks:
            listed += chunk
    assert [r.user_id for r in listed] == list(range(1, total + 1))
    assert [(r.status, r.position) for r in listed] == [
        *((Status.CONFIRMED, None) for _ in range(seats)),
        *((Status.WAITLISTED, n) for n in range(1, total - seats + 1))]
    assert listed[-1].name == f"member {total}"
    now = await attendees_of(store, event.id)  # as it is now
    assert [r.user_id for r in now[:2]] == [2, 3] and now[seats - 1].user_id == seats + 1


async def test_the_export_of_an_event_deleted_meanwhile_says_it_is_gone(store):
    """An event deleted between the moderator naming it and its export being read (another
    moderator's /manage delete) is not exported as an event nobody joined ("0 confirmed,
    0 waitlisted", an empty list): the export's snapshot has no such event, and says so."""
    event = await new_event(store, capacity=5)
    await store.join(1, event.id, 7, "m")
    await store.run(store.events.delete_event, 1, event.id)
    with pytest.raises(EventNotFound):
        async with contextlib.aclosing(store.attendees(event.id)) as chunks:
            async for _ in chunks:
                pass
