"""Notices and reminders handed out once each, in order, and none lost: claims,
acknowledgements and give-backs, also between two processes on one file."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.models import NoticeKind
from bot.storage import EventDraft
from bot.storage.postgres import store as postgres_store
from bot.storage.sqlite import session as sqlite_session
from bot.storage.sqlite.repositories import SqliteRepositories
from bot.storage.sqlite.session import configure
from tests.conftest import make_page, new_event, writes_held

START = datetime(2030, 5, 1, 18, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


async def event_at(store, starts_at, *, slug="talk", capacity=10):
    event, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug=slug, title=f"Event {slug}", capacity=capacity, starts_at=starts_at),
        [("page", make_page())])
    return event.id


# A backlog larger than one claim is handed out oldest first, `limit` at a time.
async def test_a_backlog_is_claimed_oldest_first_a_batch_at_a_time(store):
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "m")  # capacity
    await store.run(store.registrations.close_registration, 1, event.id, None)  # closed
    await store.run(store.registrations.open_registration, 1, event.id)  # opened
    first = await store.run(store.notices.claim_notices, limit=1)
    assert [n.kind for n in first] == ["capacity"]
    rest = await store.run(store.notices.claim_notices, limit=2)
    assert [n.kind for n in rest] == ["closed", "opened"]


# The guilds named busy (an earlier notice of theirs still being delivered) keep their
# notices unclaimed, to be folded into later ones; the other guilds' are handed out.
async def test_a_busy_guilds_notices_are_left_unclaimed(store):
    here = await new_event(store, guild_id=1, capacity=1)
    there = await new_event(store, guild_id=2, capacity=1)
    await store.join(1, here.id, 1, "m")  # a capacity notice of guild 1
    await store.join(2, there.id, 1, "m")  # and of guild 2
    claimed = await store.run(store.notices.claim_notices, busy=[1])
    assert [(n.guild_id, n.kind) for n in claimed] == [(2, "capacity")]
    assert await store.run(store.notices.claim_notices, busy=[1, 2]) == []
    [left] = await store.run(store.notices.claim_notices)
    assert (left.guild_id, left.kind) == (1, "capacity")


# The members named busy (an earlier DM to them still being delivered) keep their DMs
# unclaimed, to be folded into later ones; the other members' DMs, and the notices to no
# member, are handed out.
async def test_a_busy_members_dms_are_left_unclaimed(store):
    from bot.adapters.notice_lanes import DM_NOTICES as DM_KINDS

    event = await new_event(store, capacity=1)
    for user_id in (1, 2, 3):  # 1 holds the seat, 2 and 3 wait
        await store.join(1, event.id, user_id, "m")
    for user_id in (1, 2):  # 2 has the seat, then 3
        await store.run(store.registrations.cancel, 1, event.id, user_id)
    claimed = await store.run(store.notices.claim_notices, busy_members=[2])
    assert [getattr(n.payload, "user_id", None) for n in claimed
            if n.kind in DM_KINDS] == [3], claimed
    assert any(n.kind not in DM_KINDS for n in claimed), claimed  # (the capacity notice)
    assert await store.run(store.notices.claim_notices, busy_members=[2, 3]) == []
    [left] = await store.run(store.notices.claim_notices)
    assert (left.kind, left.payload.user_id) == ("promoted", 2)


# A DM whose payload cannot be read (written by hand, or damaged: no JSON, no object, a
# member that is no number) names no member: the claim that leaves out busy members' DMs
# skips it as any claim does, and hands out the others', not failing every claim of the
# DM lane (no member's DM would go out again).
async def test_a_busy_members_claim_passes_over_payloads_that_cannot_be_read(store):
    from tests.conftest import execute_sql

    event = await new_event(store, capacity=1)
    for payload in ("not json {", "[1, 2]", '"text"', '{"user_id": "x"}',
                    '{"user_id": 1.5}', '{"user_id": 99999999999999999999999}',
                    '{"user_id": true}', '{"user_id": {"a": 1}}'):
        await execute_sql(store, "INSERT INTO outbox (guild_id, event_id, kind, payload,"
                          " created_at) VALUES (1, ?, 'cancelled', ?, 0)", event.id, payload)
    one, two, three = (2**63 - 3, 2**63 - 2, 2**63 - 1)  # (members of 19 digits)
    for user_id in (one, two, three):  # one holds the seat, two and three wait
        await store.join(1, event.id, user_id, "m")
    for user_id in (one, two):  # two has the seat, then three
        await store.run(store.registrations.cancel, 1, event.id, user_id)
    claimed = await store.run(store.notices.claim_notices, busy_members=[two],
                              kinds=[NoticeKind.PROMOTED])
    assert [n.payload.user_id for n in claimed] == [three], claimed
    claimed = await store.run(store.notices.claim_notices, busy_members=[three],
                              kinds=[NoticeKind.CANCELLED, NoticeKind.PROMOTED])
    assert [n.payload.user_id for n in claimed] == [two], claimed


# A stop gives back only the notices this process claimed, not another process's.
async def test_a_stop_gives_back_only_its_own_claims(store_opener, tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as other:
        here = await store_opener(path)
        event = await new_event(here, capacity=1)
        another = await new_event(here, slug="another")  # (one event's posts keep order)
        await here.join(1, event.id, 1, "m")  # a capacity notice
        [mine] = await here.run(here.notices.claim_notices)
        await here.run(here.registrations.close_registration, 1, another.id, None)
        [theirs] = await other.run(other.notices.claim_notices)  # being posted there
        await here.close()  # gives back `mine`
        again = await other.run(other.notices.claim_notices)
        assert [n.id for n in again] == [mine.id] != [theirs.id]  # not theirs again


# A process died holding the claim of an event's "closed" notice (a claim lives a minute):
# the one started in its place must not post the "open again" written after it first, or
# the channel would say last that registration is closed, the event open. The event's
# later posts wait for it (and a member's later DMs for an earlier one to them); other
# events' and members' do not, nor do the process's own claims hold its later notices.
async def test_a_notice_waits_for_an_earlier_one_of_its_order_a_dead_process_claimed(
        store_opener, tmp_path, monkeypatch):
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as dead, await store_opener(path) as alive:
        event = await new_event(dead, capacity=1)
        other = await new_event(dead, capacity=1, slug="other")
        await dead.run(dead.registrations.close_registration, 1, event.id, "full room")
        await dead.run(dead.registrations.open_registration, 1, event.id)
        for user in (1, 2, 3):  # 1 confirmed; 2 and 3 waitlisted, then promoted
            await dead.join(1, other.id, user, f"m{user}")
        await dead.run(dead.registrations.set_capacity, 1, other.id, 3)
        await dead.run(dead.registrations.cancel, 1, other.id, 2, removed=True)
        [closed] = await dead.run(dead.notices.claim_notices, 1)
        [promoted] = await dead.run(dead.notices.claim_notices, 1,
                                    kinds=[NoticeKind.PROMOTED])
        assert (closed.kind, promoted.payload.user_id) == ("closed", 2)
        # ... and the process dies: its claims live on until they expire
        claimed = await alive.run(alive.notices.claim_notices)
        assert [(n.event_id, n.kind) for n in claimed] == [
            (other.id, "capacity"), (other.id, "promoted")]
        assert claimed[1].payload.user_id == 3
        later = datetime.now(UTC) + 2 * MIN  # past the dead claims' expiry: in order
        for backend in ("sqlite", "postgres"):
            monkeypatch.setattr(f"bot.storage.{backend}.outbox.utcnow", lambda: later)
        claimed = await alive.run(alive.notices.claim_notices)
        assert [n.kind for n in claimed if n.event_id == event.id] == ["closed", "opened"]
        assert [n.kind for n in claimed if getattr(n.payload, "user_id", None) == 2] == [
            "promoted", "removed"]
        # its own claims hold none of its later notices (its lanes keep their order)
        await alive.run(alive.registrations.close_registration, 1, event.id, "again")
        assert [n.kind for n in await alive.run(alive.notices.claim_notices)] == ["closed"]


# A stop gives back no claim of its own that went stale and another process took since:
# that one is being posted there, and a third process would post it again.
async def test_a_stop_gives_back_no_claim_another_process_took_once_it_went_stale(
        store_opener, tmp_path, monkeypatch):
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as other, await store_opener(path) as third:
        here = await store_opener(path)
        event = await new_event(here, capacity=1)
        await here.join(1, event.id, 1, "m")  # a capacity notice
        [stuck] = await here.run(here.notices.claim_notices)  # and then held up here
        later = datetime.now(UTC) + 2 * MIN  # past the claim's expiry
        for backend in ("sqlite", "postgres"):
            monkeypatch.setattr(f"bot.storage.{backend}.outbox.utcnow", lambda: later)
        [taken] = await other.run(other.notices.claim_notices)
        assert taken.id == stuck.id
        await here.close()  # would give back what `other` is posting
        assert await third.run(third.notices.claim_notices) == []


# A notice left claimed (Discord failed it, or its process died) is handed out again a
# claim's life later, also when the clock was set back meanwhile (NTP stepping a clock
# that ran ahead): not held, with every later notice of its event, until the clock is back
# where it was. A claim set back by less than that stays the claimant's.
async def test_a_claim_left_before_the_clock_was_set_back_is_handed_out_again(
        store, monkeypatch):
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "m")  # a capacity notice
    claimed_at = datetime.now(UTC)
    [stuck] = await store.run(store.notices.claim_notices)

    def clock_reads(at: datetime) -> None:
        for backend in ("sqlite", "postgres"):
            monkeypatch.setattr(f"bot.storage.{backend}.outbox.utcnow", lambda: at)

    clock_reads(claimed_at - timedelta(seconds=30))
    assert await store.run(store.notices.claim_notices) == []
    clock_reads(claimed_at - 60 * MIN + 2 * MIN)  # set back an hour, then a claim's life on
    [again] = await store.run(store.notices.claim_notices)
    assert again.id == stuck.id
    assert await store.run(store.notices.claim_notices) == []  # claimed anew: theirs


# Claims go in start order and take `limit` in all, across events.
async def test_a_claim_takes_the_soonest_events_reminders_and_no_more_than_its_limit(store):
    later = await event_at(store, START + 10 * MIN, slug="later")  # made first: lower id
    sooner = await event_at(store, START, slug="sooner")
    for event_id in (later, sooner):
        await store.join(1, event_id, 7, "seven")
    first = await store.run(store.reminders.claim_reminders, START - 30 * MIN, limit=1)
    assert [(c.event_id, c.user_id) for c in first] == [(sooner, 7)]
    second = await store.run(store.reminders.claim_reminders, START - 30 * MIN, limit=1)
    assert [(c.event_id, c.user_id) for c in second] == [(later, 7)]


# A give-back on the UPDATE path (member reminded before) keeps another process's
# later claim: the reminder it sent is not sent a third time.
async def test_a_give_back_of_a_reminded_member_keeps_a_later_claim_elsewhere(
        store_opener, tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as here, await store_opener(path) as there:
        event_id = await event_at(here, START)
        await here.join(1, event_id, 7, "seven")
        assert len(await here.run(here.reminders.claim_reminders, START - 1440 * MIN)) == 1
        unsent = await here.run(here.reminders.claim_reminders, START - 60 * MIN)
        assert [(c.minutes, c.last_sent >= 0) for c in unsent] == [((60,), True)]
        await event_at(here, START + 30 * MIN)  # moved later: the hour-before due again
        sent_there = await there.run(there.reminders.claim_reminders, START - 30 * MIN)
        assert [(c.user_id, c.minutes) for c in sent_there] == [(7, (60,))]
        await here.run(here.reminders.release_reminders, unsent)  # this one stops
        assert await there.run(there.reminders.claim_reminders, START - 29 * MIN) == []


def two_processes(path) -> tuple[SqliteRepositories, SqliteRepositories]:
    """Two connections to one new file, as two processes hold them, each with an event
    starting at START and member 7 confirmed: the first waits for a lock, the second
    fails at once on one instead."""
    dbs = []
    for wait in (True, False):
        conn = sqlite3.connect(path)
        configure(conn, wait=wait)
        dbs.append(SqliteRepositories(conn))
    first, second = dbs
    first.migrate()
    event = first.events.save_event(1, EventDraft("e", "E", 5, starts_at=START),
                                    [("t", make_page())])[0]
    first.registrations.join_batch([(1, event.id, 7, "m")])
    return first, second


def claim_with_another_during_walk(path, walk: int) -> tuple[list[int], object]:
    """Two processes claim the reminder due at START - 30 min (member 7's): the second
    during the first's `walk`-th walk of its members (1: the first look, before the write
    lock; 2: the walk under it). What each claimed, the second's error where it met one."""
    a, b = two_processes(path)
    now = START - 30 * MIN
    real = a.reminders._walks
    walked: list[None] = []
    other: list[object] = []

    def walks(*args, **kwargs):
        found = real(*args, **kwargs)
        walked.append(None)
        if len(walked) == walk:
            try:
                other.append([d.user_id for d in b.reminders.claim_reminders(now)])
            except sqlite3.OperationalError as locked:
                other.append(locked)
        return found

    a.reminders._walks = walks
    return [d.user_id for d in a.reminders.claim_reminders(now)], other[0]


# The claim reads again under the write lock: a claim another process committed
# between the first look and the lock is not claimed a second time.
@pytest.mark.sqlite_only
def test_a_claim_committed_elsewhere_before_the_lock_is_not_claimed_again(tmp_path):
    mine, theirs = claim_with_another_during_walk(tmp_path / "race.sqlite3", walk=1)
    assert (theirs, mine) == ([7], [])


# An acknowledgement removes that notice alone, not older ones still out for delivery.
async def test_acknowledging_a_notice_leaves_the_older_ones_to_deliver(store):
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "m")  # capacity
    await store.run(store.registrations.close_registration, 1, event.id, None)  # closed
    first, second = await store.run(store.notices.claim_notices)
    await store.run(store.notices.ack_notice, second.id)  # delivered before `first`
    assert await store.run(store.notices.count_notices) == 1
    [again] = await store.run(store.notices.claim_notices, stale_after=-1)
    assert again.id == first.id


# An overdue reminder is due now even when another event has an offset to come.
async def test_next_due_is_now_for_an_overdue_reminder_whatever_comes_later(store):
    soon = await event_at(store, START, slug="soon")
    later = await event_at(store, START + 2 * 1440 * MIN, slug="later")
    await store.join(1, later, 8, "eight")
    await store.join(1, soon, 7, "seven")  # joined late: both offsets overdue
    assert await store.run(store.reminders.next_due, START - 30 * MIN) == START - 1440 * MIN


# A walk goes on past a full chunk of members in one claim.
async def test_a_claim_reads_on_past_a_full_chunk(store, monkeypatch):
    from bot.storage import reminder_walk
    from bot.storage.sqlite import reminders

    monkeypatch.setattr(reminder_walk, "WALK_CHUNK", 2)
    monkeypatch.setattr(reminders, "WALK_CHUNK", 2)
    event_id = await event_at(store, START)
    for user in (1, 2, 3):
        await store.join(1, event_id, user, "m")
    claimed = await store.run(store.reminders.claim_reminders, START - 30 * MIN, limit=10)
    assert [c.user_id for c in claimed] == [1, 2, 3]


# The walk under the lock and the writes are one transaction: no other claim can
# come between them.
@pytest.mark.sqlite_only
def test_no_claim_elsewhere_comes_between_the_walk_under_the_lock_and_its_record(tmp_path):
    mine, theirs = claim_with_another_during_walk(tmp_path / "race2.sqlite3", walk=2)
    assert mine == [7]
    assert isinstance(theirs, sqlite3.OperationalError), theirs  # locked out, not [7] twice


# Each of the deliverer's lanes claims only its own kinds, oldest first; a notice says when
# it was written (the deliverer gives up one Discord keeps failing a day later).
async def test_a_claim_of_some_kinds_leaves_the_others_and_says_when_each_was_written(store):
    dms = {NoticeKind.PROMOTED, NoticeKind.CHANGED_DM, NoticeKind.CANCELLED}
    event = await new_event(store, capacity=1)
    before = datetime.now(UTC).replace(microsecond=0)
    await store.join(1, event.id, 1, "a")  # fills it: a capacity notice
    await store.join(1, event.id, 2, "b")  # waitlisted
    await store.run(store.registrations.cancel, 1, event.id, 1)  # b promoted: a DM
    await store.run(store.registrations.close_registration, 1, event.id, None)  # closed
    [promoted] = await store.run(store.notices.claim_notices, kinds=dms)
    assert promoted.kind == "promoted" and promoted.payload.user_id == 2
    assert await store.run(store.notices.claim_notices, kinds=dms) == []
    channel = await store.run(store.notices.claim_notices,
                              kinds=frozenset(NoticeKind) - dms)
    assert [n.kind for n in channel] == ["capacity", "closed"]
    assert all(n.queued_at is not None and before <= n.queued_at <= datetime.now(UTC)
               for n in [promoted, *channel])


async def test_a_close_while_the_writes_are_held_says_so_in_one_line(
        store_opener, tmp_path, monkeypatch, caplog):
    """A stopping bot gives back the notices it claimed as its store closes. When another
    connection holds the writes past the bot's wait (a tool's open transaction), they are
    handed out again once their claims expire, and the close says so in one warning line:
    a busy database is a known state, not a defect with its traceback."""
    monkeypatch.setattr(sqlite_session, "BUSY_TIMEOUT_MS", 300)
    monkeypatch.setattr(postgres_store, "WAIT_FOR_LOCKS", {"lock_timeout": "300ms"})
    store = await store_opener(tmp_path / "busy.sqlite3")
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "m")  # a capacity notice
    assert len(await store.run(store.notices.claim_notices)) == 1
    with caplog.at_level(logging.WARNING):
        async with writes_held(store):
            await asyncio.wait_for(store.close(), 10)
    said = [r for r in caplog.records if "could not release the claimed notices" in r.message]
    assert [(r.levelno, r.exc_info) for r in said] == [(logging.WARNING, None)], said
    assert "busy" in said[0].message
    async with await store_opener(tmp_path / "busy.sqlite3") as again:  # still claimed
        assert await again.run(again.notices.claim_notices) == []
