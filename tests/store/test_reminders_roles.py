"""Reminder due times, the at-most-once record, attendee roles and scheduled-event links,
on real SQLite files."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.adapters import owed_roles_record, role_tries, roles_owed_back
from bot.adapters.dm_channels import DmChannels
from bot.i18n import language
from bot.models import EventEdit
from bot.registration import Status
from bot.render_replies import my_rsvps_text
from bot.storage import EventDraft, EventNotFound, Store
from bot.storage.reminder_walk import PROMOTION_FIRST
from tests.conftest import (
    BotMember,
    a_bot,
    archived_holding_rsvps,
    english_servers,
    execute_sql,
    joins_held,
    make_page,
    purged,
    rsvp_of,
)

START = datetime(2030, 5, 1, 18, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


async def event_at(store: Store, starts_at: datetime | None, *, slug: str = "talk",
                   guild_id: int = 1, capacity: int = 10, ends_at: datetime | None = None) -> int:
    event, _ = await store.run(store.events.save_event,
        guild_id, EventDraft(slug=slug, title=f"Event {slug}", capacity=capacity,
                             venue="Hall A", starts_at=starts_at, ends_at=ends_at),
        [("page", make_page())])
    return event.id


async def test_next_due_is_the_earliest_offset_of_a_confirmed_member(store):
    event_id = await event_at(store, START, capacity=1)
    assert await store.run(store.reminders.next_due,
                           START - 3 * 1440 * MIN) is None  # nobody confirmed yet
    await store.join(1, event_id, 7, "seven")
    await store.join(1, event_id, 8, "eight")  # waitlisted: never reminded
    assert await store.run(store.reminders.next_due, START - 3 * 1440 * MIN) == START - 1440 * MIN
    claimed = await store.run(store.reminders.claim_reminders, START - 1440 * MIN)
    assert [(c[1], c[5], c[6]) for c in claimed] == [(event_id, 7, (1440,))]
    assert claimed[0][2:5] == ("Event talk", START, "Hall A")
    assert await store.run(store.reminders.next_due, START - 1440 * MIN) == START - 60 * MIN
    assert await store.run(store.reminders.claim_reminders, START - 61 * MIN) == []  # not yet
    claimed = await store.run(store.reminders.claim_reminders,
                              START - 60 * MIN + timedelta(seconds=3))
    assert [(c[5], c[6]) for c in claimed] == [(7, (60,))]
    assert await store.run(store.reminders.next_due, START - 59 * MIN) is None
    assert await store.run(store.reminders.claim_reminders, START - MIN) == []


async def test_servers_whose_events_start_together_take_turns_with_their_reminders(store):
    """Among events starting at the same moment, the servers' claims take turns, one
    event each (A, B, A, B; a server's own in id order), so a server with a hundred events
    starting together does not keep another's members waiting for all of its DMs; an
    event starting sooner still comes first, whichever server it is of."""
    events = [await event_at(store, START, slug=f"{server}{n}", guild_id=guild_id)
              for server, guild_id in (("a", 1), ("b", 2)) for n in (1, 2)]
    sooner = await event_at(store, START - MIN, slug="b0", guild_id=2)
    for event_id in [*events, sooner]:
        guild_id = 1 if event_id in events[:2] else 2
        for user_id in (7, 8):
            await store.join(guild_id, event_id, user_id, "member")
    claimed = await store.run(store.reminders.claim_reminders, START - 1440 * MIN)
    a1, a2, b1, b2 = events
    assert [(c[0], c[1], c[5]) for c in claimed] == [
        (2, sooner, 7), (2, sooner, 8), (1, a1, 7), (1, a1, 8), (2, b1, 7), (2, b1, 8),
        (1, a2, 7), (1, a2, 8), (2, b2, 7), (2, b2, 8)]


async def test_an_archived_event_reminds_nobody_and_an_unarchived_one_does(store):
    """Archived, an event takes no RSVPs, not even a cancel: a reminder saying "use /rsvp
    cancel if you can no longer come" would point to a command that refuses."""
    event_id = await event_at(store, START)
    await store.join(1, event_id, 7, "seven")
    await archived_holding_rsvps(store, event_id)
    assert await store.run(store.reminders.next_due, START - 3 * 1440 * MIN) is None
    assert await store.run(store.reminders.claim_reminders, START - 1440 * MIN) == []
    await store.run(store.events.set_archived, 1, event_id, False)
    claimed = await store.run(store.reminders.claim_reminders, START - 1440 * MIN)
    assert [(c[1], c[5]) for c in claimed] == [(event_id, 7)]


async def test_a_server_that_removed_the_bot_is_reminded_of_nothing_until_it_is_back(store):
    """Removed from a server, the bot keeps its events for the retention period: their
    members get no reminders from a server that no longer has the bot."""
    event_id = await event_at(store, START)
    await store.join(1, event_id, 7, "seven")
    await store.run(store.settings.set_guild_left, 1, START - 3 * 1440 * MIN)
    assert await store.run(store.reminders.next_due, START - 3 * 1440 * MIN) is None
    assert await store.run(store.reminders.claim_reminders, START - 1440 * MIN) == []
    await store.run(store.settings.guilds_present, [1])  # invited again
    assert await store.run(store.reminders.next_due, START - 3 * 1440 * MIN) == START - 1440 * MIN
    claimed = await store.run(store.reminders.claim_reminders, START - 60 * MIN)
    assert [(c[5], c[6]) for c in claimed] == [(7, (1440, 60))]


async def test_a_claimed_reminder_is_never_claimed_again_even_after_reopening(
        store_opener, tmp_path):
    path = tmp_path / "db.sqlite3"
    async with await store_opener(path) as store:
        event_id = await event_at(store, START)
        await store.join(1, event_id, 7, "seven")
        assert len(await store.run(store.reminders.claim_reminders, START - 60 * MIN)) == 1
    async with await store_opener(path) as reopened:  # a restart
        assert await reopened.run(reopened.reminders.claim_reminders, START - 60 * MIN) == []
        assert await reopened.run(reopened.reminders.claim_reminders, START - 30 * MIN) == []
        assert await reopened.run(reopened.reminders.next_due, START - 30 * MIN) is None
        rows = await execute_sql(reopened, "SELECT user_id, minutes, sent_at FROM reminders_sent"
                                 " WHERE event_id = ? ORDER BY user_id, minutes", event_id)
    assert rows == [(7, 60, _ts(START - 60 * MIN)), (7, 1440, _ts(START - 60 * MIN))]


async def test_a_late_joiner_gets_one_reminder_for_all_passed_offsets(store):
    event_id = await event_at(store, START)
    await store.join(1, event_id, 7, "seven")
    now = START - 30 * MIN
    assert await store.run(store.reminders.next_due, now) == START - 1440 * MIN  # overdue: due now
    claimed = await store.run(store.reminders.claim_reminders, now)
    assert [(c[5], c[6]) for c in claimed] == [(7, (1440, 60))]
    assert await store.run(store.reminders.next_due, now) is None


async def test_offsets_per_guild_off_and_changed(store):
    event_id = await event_at(store, START)
    other = await event_at(store, START, slug="other", guild_id=2)
    await store.join(1, event_id, 7, "seven")
    await store.join(2, other, 9, "nine")
    await store.run(store.settings.set_reminder_minutes, 1, ())
    assert await store.run(store.settings.reminder_settings, 1) == ((), True)
    assert await store.run(store.settings.reminder_settings, 2) == ((1440, 60), True)  # the default
    claimed = await store.run(store.reminders.claim_reminders, START - 30 * MIN)
    assert [c[5] for c in claimed] == [9]
    await store.run(store.settings.set_reminder_minutes, 1, (60, 5))
    assert await store.run(store.settings.reminder_settings, 1) == ((60, 5), True)
    assert [(c[5], c[6]) for c in await store.run(store.reminders.claim_reminders,
                                                  START - 30 * MIN)] == [(7, (60,))]
    # An offset added after a later reminder went out is not sent late ...
    await store.run(store.settings.set_reminder_minutes, 1, (90, 60, 5))
    assert await store.run(store.reminders.claim_reminders, START - 20 * MIN) == []
    assert await store.run(store.reminders.next_due, START - 20 * MIN) == START - 5 * MIN
    # ... and nothing is sent once the event has started.
    assert await store.run(store.reminders.claim_reminders, START) == []
    assert await store.run(store.reminders.next_due, START) is None


async def test_an_event_moved_later_reminds_again_at_the_new_time(store):
    event_id = await event_at(store, START)
    await store.join(1, event_id, 7, "seven")
    assert len(await store.run(store.reminders.claim_reminders, START - 60 * MIN)) == 1
    later = START + 2 * 1440 * MIN
    await event_at(store, later)  # re-import with a new start
    assert await store.run(store.reminders.next_due, START) == later - 1440 * MIN
    claimed = await store.run(store.reminders.claim_reminders, later - 1440 * MIN)
    assert [(c[3], c[6]) for c in claimed] == [(later, (1440,))]


async def test_an_event_moved_earlier_after_a_reminder_still_gets_its_later_offsets(store):
    """Reminded a day ahead, then the event is moved to half an hour from now: the hour
    before has come due at the new start and was never sent, so it goes now."""
    event_id = await event_at(store, START)
    await store.join(1, event_id, 7, "seven")
    await store.join(1, event_id, 8, "eight")
    reminded = START - 1440 * MIN
    assert len(await store.run(store.reminders.claim_reminders, reminded)) == 2
    sooner = reminded + 35 * MIN  # moved when 5 minutes had passed since
    await event_at(store, sooner)
    assert await store.run(store.reminders.next_due, reminded + 5 * MIN) == sooner - 60 * MIN
    claimed = await store.run(store.reminders.claim_reminders, reminded + 6 * MIN)
    assert [(c.user_id, c.starts_at, c.minutes) for c in claimed] == [
        (7, sooner, (60,)), (8, sooner, (60,))]
    assert await store.run(store.reminders.claim_reminders, reminded + 7 * MIN) == []
    # ten minutes later still: the hour-before reminder went out after it came due then too
    await event_at(store, sooner + 10 * MIN)
    assert await store.run(store.reminders.claim_reminders, reminded + 8 * MIN) == []
    later = sooner + 2 * 1440 * MIN  # two days later: both offsets come due again
    await event_at(store, later)
    assert await store.run(store.reminders.claim_reminders, later - 1441 * MIN) == []
    claimed = await store.run(store.reminders.claim_reminders, later - 1440 * MIN)
    assert [(c.user_id, c.minutes) for c in claimed] == [(7, (1440,)), (8, (1440,))]
    claimed = await store.run(store.reminders.claim_reminders, later - 60 * MIN)
    assert [(c.user_id, c.minutes) for c in claimed] == [(7, (60,)), (8, (60,))]


async def test_a_new_server_zone_moves_its_all_day_events_in_id_order(store):
    """The events a zone change moves come back (and are reopened, their announcements
    refreshed) in the order of their ids on both backends, whatever their dates."""
    ids = []
    for slug, day in (("late", 20), ("early", 10), ("middle", 15)):
        event, _ = await store.run(store.events.save_event, 1, EventDraft(
            slug=slug, title=slug, capacity=5, starts_at=datetime(2030, 3, day, tzinfo=UTC),
            all_day=True), [(f"page {slug}", make_page())])
        ids.append(event.id)
    assert await store.run(store.settings.set_timezone, 1, "Asia/Tokyo") == sorted(ids)


async def test_a_new_server_zone_moving_an_all_day_event_earlier_keeps_its_reminders(store):
    await store.run(store.settings.set_reminder_minutes, 1, (600, 120))
    day = datetime(2030, 3, 12, tzinfo=UTC)
    event, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="day", title="Whole Day", capacity=5, starts_at=day, all_day=True),
        [("page", make_page())])
    await store.join(1, event.id, 7, "seven")
    assert len(await store.run(store.reminders.claim_reminders, day - 600 * MIN)) == 1
    # Its day now begins at midnight in Tokyo, 15:00 UTC the day before: an hour after
    # the ten-hours-before reminder went out, and the two-hours-before one was never sent.
    assert await store.run(store.settings.set_timezone, 1, "Asia/Tokyo") == [event.id]
    begins = (await store.run(store.events.get_event, 1, event.id)).start_moment
    assert begins == day - 9 * 60 * MIN
    claimed = await store.run(store.reminders.claim_reminders, day - 599 * MIN)
    assert [(c.user_id, c.starts_at, c.minutes) for c in claimed] == [(7, begins, (120,))]
    assert claimed[0].day == day  # the date it shows, whatever the server's zone


async def test_an_event_unmoved_by_an_edit_is_not_reminded_again(store):
    event_id = await event_at(store, START)
    await store.join(1, event_id, 7, "seven")
    assert len(await store.run(store.reminders.claim_reminders, START - 60 * MIN)) == 1
    await store.run(store.events.edit_event, 1, event_id, EventEdit(
        title="A new title", starts_at=START, ends_at=None, all_day=False, venue="Hall B",
        link=None), START - 50 * MIN)
    assert await store.run(store.reminders.claim_reminders, START - 40 * MIN) == []


async def test_members_confirmed_after_a_claim_are_reminded_in_the_same_window(store):
    """A claim resumes where the last one stopped reading: a member promoted from the
    waitlist and one who joins later are reminded; one already reminded who cancelled
    and joined again is not."""
    event_id = await event_at(store, START, capacity=2)
    for user in (1, 2, 3):  # 3 waits
        await store.join(1, event_id, user, f"m{user}")
    now = START - 30 * MIN
    assert [c[5] for c in await store.run(store.reminders.claim_reminders, now)] == [1, 2]
    await store.run(store.registrations.cancel, 1, event_id, 1)  # 3 is promoted
    await store.run(store.registrations.set_capacity, 1, event_id, 4)
    await store.join(1, event_id, 4, "m4")
    await store.join(1, event_id, 1, "m1 again")
    assert await store.run(store.reminders.next_due, now) == START - 1440 * MIN  # overdue
    claimed = await store.run(store.reminders.claim_reminders, now)
    assert [(c[5], c[6]) for c in claimed] == [(3, (1440, 60)), (4, (1440, 60))]
    assert await store.run(store.reminders.claim_reminders, now) == []
    assert await store.run(store.reminders.next_due, now) is None


async def test_a_member_promoted_from_behind_where_the_claims_stopped_is_reminded(store):
    """A promotion moves back the place the claims resume from: a member promoted is
    reminded even when a confirmed member arrived after them (here by a tool's SQL)."""
    event_id = await event_at(store, START, capacity=1)
    await store.join(1, event_id, 1, "first")
    await store.join(1, event_id, 2, "waiting")
    await execute_sql(store, "UPDATE rsvps SET seq = 9 WHERE event_id = ? AND user_id = 1",
                      event_id)
    now = START - 30 * MIN
    assert [c[5] for c in await store.run(store.reminders.claim_reminders, now)] == [1]
    await store.run(store.registrations.cancel, 1, event_id, 1)  # 2 is promoted
    assert [c[5] for c in await store.run(store.reminders.claim_reminders, now)] == [2]


async def second_promoted(store: Store) -> int:
    """An event of one seat whose first member gave it up, promoting the second: its id."""
    event_id = await event_at(store, START, capacity=1)
    for user in (1, 2):
        await store.join(1, event_id, user, f"m{user}")
    await store.run(store.registrations.cancel, 1, event_id, 1)
    return event_id


async def test_a_promoted_members_reminder_waits_for_the_dm_of_their_seat(store_opener, tmp_path):
    """A seat frees inside the window: the member promoted to it is due their reminder at
    once, as is the DM telling them of the seat, which the outbox sends. The reminder
    waits for that DM, PROMOTION_FIRST at most (Discord may hold it up), while the members
    behind them are reminded; next_due says when it stops waiting."""
    now = START - 30 * MIN
    async with await store_opener(tmp_path / "held.sqlite3", clock=lambda: now) as store:
        event_id = await event_at(store, START, capacity=1)
        for user in (1, 2):  # 2 waits
            await store.join(1, event_id, user, f"m{user}")
        assert [c[5] for c in await store.run(store.reminders.claim_reminders, now)] == [1]
        await store.run(store.registrations.cancel, 1, event_id, 1)  # 2 is promoted
        await store.run(store.registrations.set_capacity, 1, event_id, 3)
        await store.join(1, event_id, 3, "m3")  # confirmed after 2
        [(notice_id,)] = await execute_sql(store, "SELECT id FROM outbox WHERE kind = 'promoted'")
        held_until = now + PROMOTION_FIRST * timedelta(seconds=1)
        assert [c[5] for c in await store.run(store.reminders.claim_reminders, now)] == [3]
        assert await store.run(store.reminders.claim_reminders, now) == []
        assert await store.run(store.reminders.next_due, now) == held_until
        await store.run(store.notices.ack_notice, notice_id)  # the DM went out
        assert await store.run(store.reminders.next_due, now) == START - 1440 * MIN  # overdue
        assert [c[5] for c in await store.run(store.reminders.claim_reminders, now)] == [2]
        assert await store.run(store.reminders.next_due, now) is None


async def test_a_promoted_members_reminder_waits_no_longer_than_promotion_first(
        store_opener, tmp_path):
    now = START - 30 * MIN
    async with await store_opener(tmp_path / "held.sqlite3", clock=lambda: now) as store:
        await second_promoted(store)
        assert [c[5] for c in await store.run(store.reminders.claim_reminders, now)] == []
        later = now + (PROMOTION_FIRST - 1) * timedelta(seconds=1)
        assert await store.run(store.reminders.claim_reminders, later) == []
        later += timedelta(seconds=1)  # the DM is still held up: the reminder goes out
        assert [c[5] for c in await store.run(store.reminders.claim_reminders, later)] == [2]


@pytest.mark.parametrize(("promoted", "due", "reminded"), [
    # waits, but a minute before the start at the latest
    (START - 2 * MIN, START - MIN, START - MIN),
    (START - MIN / 2, START - 1440 * MIN, START - MIN / 2)])  # too late to wait: overdue
async def test_a_reminder_waits_for_a_promotions_dm_no_later_than_a_minute_before_the_start(
        store_opener, tmp_path, promoted, due, reminded):
    async with await store_opener(tmp_path / "late.sqlite3", clock=lambda: promoted) as store:
        await second_promoted(store)
        assert await store.run(store.reminders.next_due, promoted) == due
        if reminded > promoted:
            assert await store.run(store.reminders.claim_reminders, reminded - SECOND) == []
        assert [c[5] for c in await store.run(store.reminders.claim_reminders, reminded)] == [2]


async def test_a_promotions_dm_holds_back_no_seat_given_up_and_taken_anew(store_opener, tmp_path):
    """The notice is about the promoted RSVP: once the member gave that seat up and joined
    again, taking a free seat, their new seat's reminder does not wait for it."""
    now = START - 30 * MIN
    async with await store_opener(tmp_path / "anew.sqlite3", clock=lambda: now) as store:
        event_id = await second_promoted(store)
        await store.run(store.registrations.cancel, 1, event_id, 2)  # and gives it up
        await store.join(1, event_id, 2, "m2 again")  # before the DM went out
        assert [c[5] for c in await store.run(store.reminders.claim_reminders, now)] == [2]


async def test_claims_are_batched_without_splitting_a_member(store):
    event_id = await event_at(store, START, capacity=10)
    for user in range(1, 6):
        await store.join(1, event_id, user, f"m{user}")
    first = await store.run(store.reminders.claim_reminders, START - 30 * MIN, limit=2)
    assert [(c[5], c[6]) for c in first] == [(1, (1440, 60)), (2, (1440, 60))]
    rest = await store.run(store.reminders.claim_reminders, START - 30 * MIN, limit=10)
    assert [c[5] for c in rest] == [3, 4, 5]


@contextlib.asynccontextmanager
async def statements_counted(store: Store, monkeypatch):
    """The statements the store sends its database meanwhile (their number: a cost that
    no machine's speed changes), on either backend."""
    counted: list[object] = []
    if getattr(store, "_pool", None) is None:  # SQLite: the database thread's connection
        conn = store._repos.session.conn  # type: ignore[attr-defined]
        await store.run(lambda: conn.set_trace_callback(counted.append))
        try:
            yield counted
        finally:
            await store.run(lambda: conn.set_trace_callback(None))
        return
    import asyncpg

    def counting(sent):
        def count(self, query, *args, **kwargs):
            counted.append(query)
            return sent(self, query, *args, **kwargs)
        return count

    with monkeypatch.context() as patched:
        for name in ("execute", "executemany", "fetch", "fetchrow", "fetchval"):
            patched.setattr(asyncpg.connection.Connection, name,
                            counting(getattr(asyncpg.connection.Connection, name)))
        yield counted


async def test_a_claim_costs_no_more_for_more_events_whose_members_were_reminded(
        store, monkeypatch):
    """Hundreds of events may be inside their reminders' window at once (a day ahead, a
    week with the longest offset), their members reminded already. A claim is made before
    each reminder's DM, and the scheduler looks for its next due time each round: neither
    reads the events whose members were all reminded one by one, or a burst of reminders
    costs the database the square of the events (400 events of 5 members: 1,600
    statements a claim, 1.6 million for their 2,000 reminders)."""
    now = START - 120 * MIN  # each event's day-ahead reminder due, and no other
    costs = []
    events: list[int] = []
    for more in (3, 30):
        for _ in range(more):  # starting a minute apart, each with a member
            events.append(await event_at(store, START + len(events) * MIN,
                                         slug=f"e{len(events)}"))
            await store.join(1, events[-1], len(events), "m")
        while await store.run(store.reminders.claim_reminders, now, limit=1):
            pass  # each reminded
        async with statements_counted(store, monkeypatch) as nothing_due:
            assert await store.run(store.reminders.claim_reminders, now, limit=1) == []
        async with statements_counted(store, monkeypatch) as looked:
            await store.run(store.reminders.next_due, now)
        await store.join(1, events[-1], 1000 + len(events), "late")  # the last to start
        async with statements_counted(store, monkeypatch) as claimed:
            assert [c.user_id for c in await store.run(store.reminders.claim_reminders, now,
                                                       limit=1)] == [1000 + len(events)]
        costs.append((len(nothing_due), len(looked), len(claimed)))
    assert costs[1] == costs[0]


async def test_attendee_role_set_clear_and_due_after_the_event(store):
    ends = START + 120 * MIN
    event_id = await event_at(store, START, ends_at=ends, capacity=1)
    no_start = await event_at(store, None, slug="undated")
    await store.join(1, event_id, 7, "seven")
    await store.join(1, event_id, 8, "eight")
    await store.run(store.settings.set_reminder_minutes, 1, ())
    assert await store.run(store.reminders.attendee_role, 1, event_id) == (None, [7])
    assert await store.run(store.reminders.set_attendee_role, 1, event_id, 555) is None
    assert await store.run(store.reminders.set_attendee_role, 1, no_start, 556) is None
    assert await store.run(store.reminders.attendee_role, 1, event_id) == (555, [7])
    assert await store.run(store.reminders.next_due, START) == ends  # the role ends with the event
    # a take-back waiting to be tried again is not due meanwhile
    assert await store.run(store.reminders.next_due, START, [event_id]) is None
    assert await store.run(store.reminders.next_due, START, [no_start]) == ends
    assert await store.run(store.reminders.attendee_roles, due_by=ends - MIN) == []
    assert await store.run(store.reminders.attendee_roles, due_by=ends) == [(1, event_id, 555, [7])]
    assert {r[1] for r in await store.run(store.reminders.attendee_roles)} == {event_id, no_start}
    await store.run(store.reminders.end_attendee_role, event_id, 555)
    assert await store.run(store.reminders.attendee_role, 1, event_id) == (None, [7])
    assert await store.run(store.reminders.next_due, START) is None
    assert await store.run(store.reminders.set_attendee_role, 1, no_start, None) == 556
    with pytest.raises(EventNotFound):
        await store.run(store.reminders.set_attendee_role, 2, event_id, 1)  # another guild's event


async def test_scheduled_event_link_and_setting(store):
    event_id = await event_at(store, START)
    assert await store.run(store.reminders.scheduled_event_id, 1, event_id) is None
    await store.run(store.reminders.set_scheduled_event_id, 1, event_id, 4242)
    assert await store.run(store.reminders.scheduled_event_id, 1, event_id) == 4242
    other = await event_at(store, START, slug="other")  # none of its own
    elsewhere = await event_at(store, START, slug="there", guild_id=2)
    await store.run(store.reminders.set_scheduled_event_id, 2, elsewhere, 4343)
    assert await store.run(store.reminders.with_scheduled_events, 1) == [event_id]
    assert other not in await store.run(store.reminders.with_scheduled_events, 2)
    await store.run(store.settings.set_scheduled_events, 1, False)
    assert await store.run(store.settings.reminder_settings, 1) == ((1440, 60), False)
    await store.run(store.settings.set_scheduled_events, 1, True)
    assert (await store.run(store.settings.reminder_settings, 1))[1] is True
    with pytest.raises(EventNotFound):
        await store.run(store.reminders.scheduled_event_id, 2, event_id)


def _ts(when: datetime) -> int:
    return int(when.timestamp())


async def test_an_all_day_event_runs_and_is_reminded_by_the_servers_midnight(store):
    await store.run(store.settings.set_timezone, 1, "America/New_York")
    day = datetime(2030, 3, 10, tzinfo=UTC)  # New York moves its clocks on this day
    event, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="day", title="Whole Day", capacity=5, starts_at=day, all_day=True),
        [("page", make_page())])
    begins, ends = datetime(2030, 3, 10, 5, tzinfo=UTC), datetime(2030, 3, 11, 4, tzinfo=UTC)
    assert (event.starts_at, event.start_moment, event.over_at) == (day, begins, ends)

    async def over(at: datetime) -> bool:
        listings = await store.run(store.events.event_listings, 1, past=True, now=at)
        return next(e for e in listings.shown if e.id == event.id).over

    assert not await over(ends - MIN) and await over(ends)  # 23:59 and midnight there
    await store.join(1, event.id, 7, "seven")
    assert await store.run(store.reminders.next_due, day - 7 * 1440 * MIN) == begins - 1440 * MIN
    claimed = await store.run(store.reminders.claim_reminders, begins - 60 * MIN)
    assert [(c.user_id, c.starts_at, c.minutes) for c in claimed] == [(7, begins, (1440, 60))]

    # A new timezone moves the day of the server's all-day events with it.
    await store.run(store.settings.set_timezone, 1, "Asia/Shanghai")
    moved = await store.run(store.events.get_event, 1, event.id)
    assert moved.over_at == datetime(2030, 3, 10, 16, tzinfo=UTC)
    assert await over(datetime(2030, 3, 10, 16, tzinfo=UTC))


async def test_an_event_with_times_keeps_them_whatever_the_servers_zone(store):
    await store.run(store.settings.set_timezone, 1, "Asia/Shanghai")
    event_id = await event_at(store, START, ends_at=START + 120 * MIN)
    event = await store.run(store.events.get_event, 1, event_id)
    assert (event.start_moment, event.over_at) == (START, START + 120 * MIN)


async def test_an_all_day_event_comes_in_order_of_when_its_day_begins(store):
    await store.run(store.settings.set_timezone, 1, "America/New_York")
    day, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="day", title="Whole Day", starts_at=datetime(2030, 12, 1, tzinfo=UTC),
        all_day=True), [("page", make_page())])  # begins at 05:00 UTC
    evening = await event_at(store, datetime(2030, 12, 1, 2, tzinfo=UTC), slug="evening")
    listed = await store.run(store.events.event_listings, 1,
                             now=datetime(2030, 11, 30, 12, tzinfo=UTC))
    assert [e.id for e in listed.shown] == [evening, day.id]
    await store.join(1, day.id, 7, "seven")
    await store.join(1, evening, 7, "seven")
    mine = await store.run(store.registrations.my_rsvps, 1, 7,
                           datetime(2030, 11, 30, 12, tzinfo=UTC))
    assert [r.event_id for r in mine.shown] == [evening, day.id]
    # At 22:00 in New York the evening event has begun; the day is the next to come.
    assert await store.run(store.events.default_event_id, 1,
                           datetime(2030, 12, 1, 3, tzinfo=UTC)) == day.id


async def all_day_on(store: Store, day: datetime, slug: str) -> int:
    event, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug=slug, title=f"Day {slug}", starts_at=day, all_day=True), [("page", make_page())])
    return event.id


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
async def test_the_default_event_is_the_first_the_list_shows(store, zone):
    """A command naming no event means the one `/event list` shows first: an all-day
    event and a timed one within the zone's offset of each other come in the order they
    begin (the day at the server's midnight), not of their stored dates."""
    await store.run(store.settings.set_timezone, 1, zone)
    now = datetime(2030, 11, 29, 12, tzinfo=UTC)
    # Kiritimati (UTC+14): 2 December begins at 10:00 UTC on 1 December, before noon.
    # Pago Pago (UTC-11): 1 December begins at 11:00 UTC, after 05:00.
    day, timed = ((await all_day_on(store, datetime(2030, 12, 2, tzinfo=UTC), "day"),
                   await event_at(store, datetime(2030, 12, 1, 12, tzinfo=UTC), slug="noon"))
                  if zone == "Pacific/Kiritimati" else
                  (await all_day_on(store, datetime(2030, 12, 1, tzinfo=UTC), "day"),
                   await event_at(store, datetime(2030, 12, 1, 5, tzinfo=UTC), slug="dawn")))
    listed = [e.id for e in (await store.run(store.events.event_listings, 1, now=now)).shown]
    assert sorted(listed) == sorted([day, timed])
    assert await store.run(store.events.default_event_id, 1, now) == listed[0]
    titles = await store.run(store.events.event_titles, 1, None, now)
    assert titles.titles[0].id == listed[0]


async def test_the_default_event_is_never_one_the_list_counts_as_over(store):
    """An event without an end is over as it begins: at that second the list no longer
    shows it, and the default is the next one the list shows."""
    bare = await event_at(store, START, slug="bare")
    later = await event_at(store, START + timedelta(hours=1), slug="later")
    listed = [e.id for e in (await store.run(store.events.event_listings, 1, now=START)).shown]
    assert listed == [later]
    assert await store.run(store.events.default_event_id, 1, START) == later
    assert bare


async def test_an_event_without_a_date_comes_before_the_past_ones(store):
    """The list shows an event still without a date among those to come, after the
    dated ones and before the past ones; the default agrees, however recent the past."""
    undated, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="tbd", title="To be dated"), [("page", make_page())],
        datetime(2030, 1, 1, tzinfo=UTC))
    past = await event_at(store, START, slug="past", ends_at=START + timedelta(hours=1))
    now = START + timedelta(days=1)
    listed = [e.id for e in (await store.run(store.events.event_listings, 1, now=now)).shown]
    assert listed == [undated.id]
    assert await store.run(store.events.default_event_id, 1, now) == undated.id
    assert past


async def test_the_default_event_is_the_one_under_way_then_the_next_then_the_latest(store):
    """Members at an event want that one when they name none: an event begun and not
    over comes before the next to come; one without an end is over as it begins."""
    hour = timedelta(hours=1)
    past = await event_at(store, START - 48 * hour, slug="past", ends_at=START - 47 * hour)
    talk = await event_at(store, START, slug="talk", ends_at=START + 3 * hour)
    nxt = await event_at(store, START + 4 * hour, slug="next", ends_at=START + 5 * hour)
    default = lambda at: store.run(store.events.default_event_id, 1, at)  # noqa: E731
    assert await default(START - MIN) == talk  # not begun: the next to come
    assert await default(START) == talk
    assert await default(START + 3 * hour - MIN) == talk  # under way
    assert await default(START + 3 * hour) == nxt  # over at its end
    listed = await store.run(store.events.event_listings, 1, now=START + hour)
    assert [e.id for e in listed.shown] == [talk, nxt]
    # A session begun inside the talk is the one under way; it is listed first too.
    inner = await event_at(store, START + hour, slug="inner", ends_at=START + 2 * hour)
    assert await default(START + hour + MIN) == inner
    listed = await store.run(store.events.event_listings, 1, now=START + hour + MIN)
    assert [e.id for e in listed.shown] == [inner, talk, nxt]
    # Without an end, over_at is the start: a begun event is never under way.
    bare = await event_at(store, START + 6 * hour, slug="bare")
    assert await default(START + 6 * hour + MIN) == bare  # the latest, all being over
    assert await default(START + 7 * hour) == bare
    # An archived event is never the one under way.
    await store.run(store.events.set_archived, 1, talk, True)
    assert await default(START + 2 * hour + MIN) == nxt
    assert past


async def test_under_way_is_read_in_the_events_own_day_zone(store):
    """An all-day event is under way through its day in the server's zone, not UTC's."""
    await store.run(store.settings.set_timezone, 1, "America/New_York")  # UTC-5
    day, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="day", title="Whole Day", starts_at=datetime(2030, 12, 1, tzinfo=UTC),
        ends_at=datetime(2030, 12, 2, tzinfo=UTC), all_day=True), [("page", make_page())])
    evening = await event_at(store, datetime(2030, 11, 30, 23, tzinfo=UTC), slug="evening",
                             ends_at=datetime(2030, 12, 1, 6, tzinfo=UTC))
    default = lambda at: store.run(store.events.default_event_id, 1, at)  # noqa: E731
    # 03:00 UTC is 22:00 on 30 November in New York: the day has not begun there (it
    # has in UTC, after the evening event began), and the evening event is under way.
    assert await default(datetime(2030, 12, 1, 3, tzinfo=UTC)) == evening
    # 05:30 UTC: both are under way; the day began last (midnight there, 05:00 UTC).
    assert await default(datetime(2030, 12, 1, 5, 30, tzinfo=UTC)) == day.id
    # 04:00 UTC on 2 December is 23:00 on 1 December there: the day is still under way.
    assert await default(datetime(2030, 12, 2, 4, tzinfo=UTC)) == day.id
    # 05:00 UTC on 2 December is midnight there: the day is over; it is the latest.
    assert await default(datetime(2030, 12, 2, 5, tzinfo=UTC)) == day.id
    assert (await store.run(store.events.event_listings, 1,
                            now=datetime(2030, 12, 2, 5, tzinfo=UTC))).shown == []


async def test_an_archived_event_moved_back_to_the_future_gives_no_seat_out(store):
    """A seat freed while the event was over goes to the waitlist when it comes back to
    the future, but not while it is archived: that would DM "Good news" for an event
    that takes no RSVPs, not even the promoted member's cancel."""
    event_id = await event_at(store, START, capacity=1)
    await store.join(1, event_id, 7, "seven")
    await store.join(1, event_id, 8, "eight")
    past = datetime(2021, 5, 6, 18, tzinfo=UTC)
    for starts in (past, None):
        if starts is None:  # back to the future, archived
            await store.run(store.events.set_archived, 1, event_id, True)
            starts = START
        await store.run(store.events.edit_event, 1, event_id, EventEdit(
            title="Event talk", starts_at=starts, ends_at=None, all_day=False, venue=None,
            link=None))
        if starts == past:  # over: a seat added now goes to nobody yet
            await store.run(store.registrations.set_capacity, 1, event_id, 2)
    assert (await rsvp_of(store, event_id, 8)).status is Status.WAITLISTED
    await store.run(store.events.set_archived, 1, event_id, False)
    await store.run(store.events.edit_event, 1, event_id, EventEdit(
        title="Event talk", starts_at=START + MIN, ends_at=None, all_day=False, venue=None,
        link=None))
    assert (await rsvp_of(store, event_id, 8)).status is Status.CONFIRMED  # brought back


async def test_my_rsvps_come_soonest_first_then_undated_then_past_latest_first(store):
    """Past events last, the most recent first (a long history is cut from its end) and
    marked so; they came oldest first before."""
    older = await event_at(store, START, slug="older")
    newer = await event_at(store, START + 1440 * MIN, slug="newer")
    later = await event_at(store, START + 3 * 1440 * MIN, slug="later")
    undated = await event_at(store, None, slug="undated")
    for event_id in (older, later, newer, undated):
        await store.join(1, event_id, 7, "seven")
    mine = (await store.run(store.registrations.my_rsvps, 1, 7, START + 2 * 1440 * MIN)).shown
    assert [(r.event_id, r.over) for r in mine] == [
        (later, False), (undated, False), (newer, True), (older, True)]
    text = my_rsvps_text(language("en-US"), mine)
    assert text.index("Event newer") < text.index("Event older")
    assert "Event newer** · " in text and text.splitlines()[3].endswith("confirmed · over")


async def test_my_rsvps_count_the_positions_of_the_rsvps_shown_only(store):
    """A member on many waitlists: `/rsvp mine` shows its first few dozen, and counts
    the waitlist positions of those alone (each counts the waitlist ahead of them), not
    of every waitlist they are on."""
    events = [await event_at(store, START + n * MIN, slug=f"e{n}", capacity=1)
              for n in range(24)]
    for n, event_id in enumerate(events):
        for other in range(100, 100 + n % 3 + 1):  # 1 to 3 ahead of member 7
            await store.join(1, event_id, other, "other")
        await store.join(1, event_id, 7, "seven")
    whole = await store.run(store.registrations.my_rsvps, 1, 7, START - MIN)
    assert whole.total == 24 and [r.position for r in whole.shown] == [
        n % 3 + 1 for n in range(24)]  # the first of the others holds the seat
    counted: list[str] = []
    conn = None if hasattr(store, "_pool") else store._repos  # type: ignore[attr-defined]
    if conn is not None:  # SQLite: watch the database thread's statements
        await store.run(lambda: conn.session.conn.set_trace_callback(counted.append))
    first = await store.run(store.registrations.my_rsvps, 1, 7, START - MIN, limit=5)
    if conn is not None:
        await store.run(lambda: conn.session.conn.set_trace_callback(None))
    assert first.total == 24 and first.shown == whole.shown[:5]
    assert len(counted) <= 2 + 5, counted  # a transaction, the RSVPs, a waitlist each
    text = my_rsvps_text(language("en-US"), first.shown, first.total)
    assert "Your RSVPs (24):" in text and text.endswith("…and 19 more.")


async def event_with_members(store: Store, starts_at: datetime, user_ids: Iterable[int]) -> int:
    """An event at `starts_at` with these members confirmed, in that order."""
    event_id = await event_at(store, starts_at)
    for user_id in user_ids:
        await store.join(1, event_id, user_id, "member")
    return event_id


async def test_reminders_given_back_are_claimed_again_and_only_they(store):
    await event_with_members(store, START, (7, 8, 9))
    now = START - 30 * MIN
    claimed = await store.run(store.reminders.claim_reminders, now)
    assert [c.user_id for c in claimed] == [7, 8, 9]
    await store.run(store.reminders.release_reminders, [c for c in claimed if c.user_id != 7])
    again = await store.run(store.reminders.claim_reminders, now)
    assert [(c.user_id, c.minutes) for c in again] == [(8, (1440, 60)), (9, (1440, 60))]
    assert await store.run(store.reminders.claim_reminders, now) == []


async def test_reminders_given_back_of_members_gone_meanwhile_are_not_claimed(store):
    event_id = await event_with_members(store, START, (7, 8, 9))
    now = START - 30 * MIN
    claimed = await store.run(store.reminders.claim_reminders, now)
    for user_id in (8, 9):  # they cancel before the bot stops
        await store.run(store.registrations.cancel, 1, event_id, user_id)
    await store.run(store.reminders.release_reminders, [c for c in claimed if c.user_id > 7])
    assert await store.run(store.reminders.claim_reminders, now) == []
    await store.join(1, event_id, 8, "member")  # back: a new RSVP, reminded again
    assert [c.user_id for c in await store.run(store.reminders.claim_reminders, now)] == [8]


async def test_a_give_back_keeps_a_later_claim_of_another_process(store_opener, tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as here, await store_opener(path) as there:
        await event_with_members(here, START, (7,))
        claimed_here = await here.run(here.reminders.claim_reminders, START - 1440 * MIN)
        await event_at(here, START + 30 * MIN)  # moved later: its offsets come due again
        moved = START + 30 * MIN - 1440 * MIN
        sent_there = await there.run(there.reminders.claim_reminders, moved)
        assert [(c.user_id, c.minutes) for c in sent_there] == [(7, (1440,))]
        await here.run(here.reminders.release_reminders, claimed_here)  # this one stops
        assert await there.run(there.reminders.claim_reminders, moved + MIN) == []


async def test_a_give_back_keeps_the_members_reminder_from_before_the_claim(store):
    await event_with_members(store, START, (7,))
    assert len(await store.run(store.reminders.claim_reminders, START - 1440 * MIN)) == 1
    await event_at(store, START + 30 * MIN)  # moved later; its new 1440 claimed, not sent
    moved = START + 30 * MIN - 1440 * MIN
    unsent = await store.run(store.reminders.claim_reminders, moved)
    await store.run(store.reminders.release_reminders, unsent)
    await event_at(store, START)  # moved back: the 1440 reminder for START went out already
    assert await store.run(store.reminders.claim_reminders, moved + MIN) == []
    await event_at(store, START + 30 * MIN)  # and later again: the given back one is due
    assert [(c.user_id, c.minutes) for c in await store.run(
        store.reminders.claim_reminders, moved + 2 * MIN)] == [(7, (1440,))]


async def test_a_reminder_given_back_after_its_event_moved_sooner_is_sent_again(store):
    """The move brings the claim's row back to its offset's new due time: the give-back
    still finds it (a later claim's row is later than the claim) and undoes it."""
    await event_with_members(store, START, (7,))
    assert len(await store.run(store.reminders.claim_reminders, START - 1440 * MIN)) == 1
    unsent = await store.run(store.reminders.claim_reminders, START - 60 * MIN)
    assert [c.minutes for c in unsent] == [(60,)]
    await event_at(store, START - 10 * MIN)  # moved while its DM was on its way
    await store.run(store.reminders.release_reminders, unsent)  # the bot stopped first
    again = await store.run(store.reminders.claim_reminders, START - 60 * MIN + MIN)
    assert [(c.user_id, c.minutes, c.starts_at) for c in again] == [
        (7, (60,), START - 10 * MIN)]



async def test_a_claim_moved_away_and_back_no_longer_stands(store):
    """A reminder claimed, then its event brought forward and put back before it went out:
    the move made its offset due again, so sent as well it would be a second one. Its
    claim no longer stands; given back, it is claimed once more, at its start."""
    await event_with_members(store, START, (7,))
    [held] = await store.run(store.reminders.claim_reminders, START - 60 * MIN)
    assert await store.run(store.reminders.claim_stands, held)
    await event_at(store, START - 20 * MIN)
    await event_at(store, START)
    assert not await store.run(store.reminders.claim_stands, held)
    await store.run(store.reminders.release_reminders, [held])
    again = await store.run(store.reminders.claim_reminders, START - 59 * MIN)
    assert [(c.user_id, c.minutes, c.starts_at) for c in again] == [(7, (1440, 60), START)]
    assert await store.run(store.reminders.claim_stands, again[0])
    assert await store.run(store.reminders.claim_reminders, START - 58 * MIN) == []


async def test_a_claim_taken_again_by_a_later_claim_no_longer_stands(store):
    """Moved later and claimed again at the new due time (another process): the first
    claim, still held, is not to be sent as well, even once the event is back."""
    await event_with_members(store, START, (7,))
    [held] = await store.run(store.reminders.claim_reminders, START - 60 * MIN)
    await event_at(store, START + 30 * MIN)
    [later] = await store.run(store.reminders.claim_reminders, START - 30 * MIN)
    assert await store.run(store.reminders.claim_stands, later)
    assert not await store.run(store.reminders.claim_stands, held)
    await event_at(store, START)
    assert not await store.run(store.reminders.claim_stands, held)


def reminders_cog(store: Store, sent: list[int], stuck_at: int | None = None):
    """The reminders cog on `store`, its DMs recorded in `sent`; the DM to the member
    `stuck_at` never finishes (under way when the bot stops)."""
    from cogs.reminders import Reminders

    cog = Reminders(a_bot(store=store, signals=SimpleNamespace(
        unsubscribe=lambda *args: None)))

    async def remind(due) -> None:
        sent.append(due.user_id)
        if due.user_id == stuck_at:
            await asyncio.Event().wait()

    cog._remind = remind  # type: ignore[method-assign]
    return cog


def sending_reminders(store: object, sent: list[str]):
    """The reminders cog on `store`, its reminders sent for real: Discord opens each
    member's DM channel (empty), each member is still in the server, and each DM's text
    goes into `sent`."""
    from cogs.reminders import Reminders

    async def send(text: str, **_: object) -> None:
        sent.append(text)

    async def open_dm(user_id: int) -> dict:
        return {"id": str(user_id), "last_message_id": None}

    async def get_member(guild_id: int, user_id: int) -> dict:
        return {"user": {"id": str(user_id)}}

    async def locale_of(user_id: int) -> None:
        return None

    bot = a_bot(store=store, http=SimpleNamespace(start_private_message=open_dm,
                                                  get_member=get_member),
                get_partial_messageable=lambda channel_id, **_: SimpleNamespace(send=send),
                member_locales=SimpleNamespace(locale_of=locale_of),
                languages=english_servers(),
                signals=SimpleNamespace(unsubscribe=lambda *args: None))
    bot.dm_channels = DmChannels(bot)
    return Reminders(bot)


class EventReadsFail:
    """`store`, but its first `times` reads of an event raise `error` (all of them, by
    default)."""

    def __init__(self, store: Store, error: Exception, times: float = float("inf")) -> None:
        self._store, self._error, self._times = store, error, times

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def run(self, fn, *args, **kwargs):
        if fn.__name__ == "get_event" and self._times > 0:
            self._times -= 1
            raise self._error
        return await self._store.run(fn, *args, **kwargs)


async def soon_with_members(store: Store, members: int) -> int:
    """An event beginning in half an hour, `members` confirmed: all their reminders due."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    return await event_with_members(store, soon, range(1, members + 1))


@pytest.mark.parametrize("how", ["stop", "crash"])
async def test_a_stop_or_a_crash_mid_burst_costs_the_dm_under_way_alone(store, how):
    """Reminders are claimed one at a time, just before each DM: a crash (nothing given
    back) lost the whole claim of up to 100 whose DMs waited their turn, about a second
    each in a burst; now it loses the one under way, as a stop does."""
    await soon_with_members(store, 5)
    sent: list[int] = []
    cog = reminders_cog(store, sent, stuck_at=2)
    cog._scheduler = asyncio.ensure_future(cog.send_due_reminders())

    async def second_dm_under_way() -> None:
        while sent != [1, 2]:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(second_dm_under_way(), 10)
    if how == "stop":
        await asyncio.wait_for(cog.cog_unload(), 10)
    else:  # the process gone: no give-back
        cog._scheduler.cancel()
        await asyncio.gather(cog._scheduler, return_exceptions=True)
    # the DM under way counts as sent (at most once); the rest go out after the restart
    assert [c.user_id for c in await store.run(store.reminders.claim_reminders)] == [3, 4, 5]


async def test_reminders_another_process_gave_back_are_sent_without_a_signal(
        store, monkeypatch):
    """Two bot processes on one database: one stops in the middle of its reminders and
    gives back those not begun; the other, asleep with nothing due, sends them at its
    next timed wake-up (`MAX_SLEEP`), though no signal reaches it from the first."""
    from cogs import reminders

    monkeypatch.setattr(reminders, "MAX_SLEEP", 0.3)
    monkeypatch.setattr(reminders, "MIN_GAP", 0.05)
    # Claims of several, so that the stop has more than a claim under way to give back
    # (claimed one at a time, the other process would take the rest from the start).
    monkeypatch.setattr(reminders, "CLAIM_BATCH", 10)
    await soon_with_members(store, 5)
    first_sent: list[int] = []
    first = reminders_cog(store, first_sent, stuck_at=2)
    first._scheduler = asyncio.ensure_future(first.send_due_reminders())
    await asked(SimpleNamespace(calls=first_sent), lambda sent: sent == [1, 2])
    other_sent: list[int] = []
    other = reminders_cog(store, other_sent)

    async def ready() -> None:
        return None

    other.bot.wait_until_ready = ready
    other.bot.runs_guild = lambda guild_id: True
    other._scheduler = asyncio.ensure_future(other._run())
    try:
        await asyncio.sleep(0.2)  # its first round: everything due is claimed already
        assert other_sent == []
        await asyncio.wait_for(first.cog_unload(), 10)
        await asked(SimpleNamespace(calls=other_sent), lambda sent: sent == [3, 4, 5])
    finally:
        await asyncio.wait_for(other.cog_unload(), 10)


@contextlib.asynccontextmanager
async def claim_held_up(store: Store, sent: list[int]):
    """The reminders cog (`reminders_cog`), three members due, its claim waiting for the
    database, which another process holds until the block ends."""
    event_id = await soon_with_members(store, 3)
    cog = reminders_cog(store, sent)
    async with joins_held(store, event_id):
        cog._scheduler = asyncio.ensure_future(cog.send_due_reminders())
        await asyncio.sleep(0.3)
        yield cog


async def test_a_stop_while_claiming_gives_back_the_whole_claim(store):
    sent: list[int] = []
    async with claim_held_up(store, sent) as cog:
        stopping = asyncio.ensure_future(cog.cog_unload())
        await asyncio.sleep(0.1)
    await asyncio.wait_for(stopping, 10)
    assert sent == []
    assert [c.user_id for c in await store.run(store.reminders.claim_reminders)] == [1, 2, 3]


def refused() -> Exception:
    import discord

    return discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"),
                             {"code": 50013, "message": "Missing Permissions"})


async def test_a_refused_take_back_still_owes_the_role_back_to_everyone_left(store):
    """Members 2, 3 and 4 cancelled; Discord refuses to take the role from the first of
    them: no more tries for the others this time, and none of them is forgotten."""
    from cogs.reminders import Reminders

    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1])
    await store.run(store.reminders.set_attendee_role, 1, event_id, 555)
    asked: list[int] = []

    async def remove_role(guild_id, user_id, role_id, *, reason=None):
        asked.append(user_id)
        raise refused()

    cog = Reminders(a_bot(store=store, http=SimpleNamespace(remove_role=remove_role),
                                    is_ready=lambda: True, get_guild=in_the_server))
    cog.roles._holders[event_id] = (555, {1, 2, 3, 4})
    try:
        await cog.roles._sync_role(1, event_id)
        assert len(asked) == 1 and cog.roles._holders[event_id] == (555, {1, 2, 3, 4})
        await cog.roles._sync_role(1, event_id)  # refused lately: not asked again yet
        await asyncio.sleep(0.1)
        assert len(asked) == 1
    finally:
        for timer in cog.roles._give_again.values():
            timer.cancel()
        for task in cog.roles.owed_back.tasks.values():
            task.cancel()


def server_error() -> Exception:
    import discord

    return discord.HTTPException(SimpleNamespace(status=500, reason="Internal Server Error"),
                                 {"code": 0, "message": "500: Internal Server Error"})


NO_ANSWER = object()  # an answer that never comes (a stop cancels the call first)


class RoleCalls:
    """Discord's side of the attendee roles: the calls, and the answer each gets (None: done;
    NO_ANSWER: none ever; else the exception raised), decided per call by
    `answer(action, user_id, role_id)`."""

    def __init__(self, answer) -> None:
        self.answer, self.calls = answer, []

    async def _call(self, action, user_id, role_id):
        self.calls.append((action, user_id, role_id))
        problem = self.answer(action, user_id, role_id)
        if problem is NO_ANSWER:
            await asyncio.Event().wait()
        if problem is not None:
            raise problem

    async def add_role(self, guild_id, user_id, role_id, *, reason=None):
        await self._call("give", user_id, role_id)

    async def remove_role(self, guild_id, user_id, role_id, *, reason=None):
        await self._call("take", user_id, role_id)


@contextlib.asynccontextmanager
async def roles_cog(store: Store, answer, monkeypatch):
    """The reminders cog giving out roles through `RoleCalls(answer)`; a refused role is
    tried again after 0.05 s (doubling), not 10 s."""
    from cogs import reminders

    monkeypatch.setattr(role_tries, "TAKE_BACK_FIRST", 0.05)
    monkeypatch.setattr(owed_roles_record, "SAVE_DELAY", 0.01)
    http = RoleCalls(answer)
    signals = SimpleNamespace(unsubscribe=lambda kind, handler: None)
    cog = reminders.Reminders(a_bot(
        store=store, http=http, signals=signals, runs_guild=lambda guild_id: True,
        is_ready=lambda: True,  # and in every server it is asked about
        get_guild=in_the_server))
    try:
        yield cog, http
    finally:
        roles = cog.roles
        for timer in roles._give_again.values():
            timer.cancel()
        tasks = [*roles.owed_back.tasks.values(), *roles._syncers.values(),
                 *filter(None, [roles.owed_record._saver])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def in_the_server(guild_id: int) -> SimpleNamespace:
    """The bot's server, as far as the attendee roles ask (`bot.get_guild`): the bot is in
    it, and Discord has given it (none of its roles known: each is given as asked)."""
    return SimpleNamespace(id=guild_id, unavailable=False, get_role=lambda role_id: None,
                           me=None)  # (nor its member: not timed out)


async def owed_rows(store: Store, cog=None) -> list[tuple]:
    """The roles owed back as the database has them, once `cog` has recorded its changes."""
    if cog is not None:
        await cog.roles.owed_record.flush()
    return [tuple(row) for row in await store.run(store.reminders.owed_roles)]


async def role_changed(cog, event_id: int) -> None:
    """What `/manage role` does after writing the event's role: the cog syncs it again."""
    cog.roles._regive.add(event_id)
    await cog.roles._sync_role(1, event_id)


async def give_role_555(cog, store: Store, *events: int) -> None:
    """Role 555 for each of these events, as `/manage role` sets it (`role_changed`)."""
    for event_id in events:
        await store.run(store.reminders.set_attendee_role, 1, event_id, 555)
        await role_changed(cog, event_id)


async def asked(http: RoleCalls, check, timeout: float = 5.0) -> None:
    """Wait until Discord has been asked what `check(calls)` looks for."""
    async def done() -> None:
        while not check(http.calls):
            await asyncio.sleep(0.01)
    await asyncio.wait_for(done(), timeout)


async def cancel_and_sync(cog, store: Store, event_id: int, user_id: int) -> None:
    """The member cancels, and the cog syncs the event's role (as the change signal has it)."""
    await store.run(store.registrations.cancel, 1, event_id, user_id)
    await cog.roles._sync_role(1, event_id)


@contextlib.asynccontextmanager
async def a_removal_refused(store: Store, monkeypatch, allowed: dict, user_id: int):
    """Members 1 and 2 of an event soon hold its role 555; `user_id` cancels, and Discord
    refuses to take the role back (every removal, until `allowed["yet"]`). Yields the
    cog, its `RoleCalls` and the event's id."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    answer = lambda action, user_id, role_id: (  # noqa: E731
        refused() if action == "take" and not allowed["yet"] else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await cancel_and_sync(cog, store, event_id, user_id)
        assert http.calls[-1] == ("take", user_id, 555)  # refused
        yield cog, http, event_id


@contextlib.asynccontextmanager
async def a_removal_failed(store: Store, monkeypatch):
    """Members 1 and 2 of an event soon hold its role 555; 2 cancels and the removal fails
    (500), so 2 owes 555 back. Yields the cog, its `RoleCalls`, the event's id and the
    answers Discord gives by action, which the test may change."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    answers = {"take": server_error()}
    answer = lambda action, user_id, role_id: answers.get(action)  # noqa: E731
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await cancel_and_sync(cog, store, event_id, 2)
        assert await owed_rows(store, cog) == [(1, event_id, 555, (2,))]
        yield cog, http, event_id, answers


def last_call(http: RoleCalls, user_id: int, role_id: int) -> str | None:
    """What was last asked of Discord about this member and role: "give" or "take"."""
    mine = [action for action, user, role in http.calls if (user, role) == (user_id, role_id)]
    return mine[-1] if mine else None


async def test_an_earlier_role_discord_refuses_to_take_back_stays_owed_apart(store, monkeypatch):
    """The role changes from 555 to 666 while Discord refuses to take 555 back: 666 is given
    at once all the same, and 555 is taken back from both members once Discord allows it."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    await store.run(store.reminders.set_attendee_role, 1, event_id, 555)
    refusals = {"left": 2}

    def answer(action, user_id, role_id):
        if action == "take" and role_id == 555 and refusals["left"]:
            refusals["left"] -= 1
            return refused()
        return None

    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await role_changed(cog, event_id)
        assert sorted(http.calls) == [("give", 1, 555), ("give", 2, 555)]
        await store.run(store.reminders.set_attendee_role, 1, event_id, 666)
        await role_changed(cog, event_id)
        assert ("give", 1, 666) in http.calls and ("give", 2, 666) in http.calls
        await asked(http, lambda calls: ("take", 2, 555) in calls)
        await asyncio.sleep(0.2)  # nothing more to ask
        taken = [c for c in http.calls if c[0] == "take"]
        # refused twice (one try each, no member asked twice in a try), then both taken
        assert taken == [("take", 1, 555)] * 3 + [("take", 2, 555)]
        assert cog.roles._holders[event_id] == (666, {1, 2})


async def test_an_earlier_role_refused_does_not_hold_up_another(store, monkeypatch):
    """Two changes in a row: Discord keeps refusing to take 555 back, but 666 is taken back
    from its members at once, and 777 given."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1])
    answer = lambda action, user_id, role_id: (  # noqa: E731
        refused() if (action, role_id) == ("take", 555) else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        for role in (555, 666, 777):
            await store.run(store.reminders.set_attendee_role, 1, event_id, role)
            await role_changed(cog, event_id)
        assert ("give", 1, 777) in http.calls
        await asked(http, lambda calls: ("take", 1, 666) in calls)
        # 555 is still owed: asked again after each wait, 666 and 777 left alone meanwhile
        await asked(http, lambda calls: calls.count(("take", 1, 555)) >= 3)
        assert http.calls.count(("take", 1, 666)) == 1 and last_call(http, 1, 777) == "give"


async def test_a_role_set_again_while_still_owed_back_stays_with_its_members(store,
                                                                              monkeypatch):
    """555, then 666, then 555 again while Discord refuses to take 555 back: the members end
    up holding 555, which is no longer taken from them, and 666 is taken back."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    answer = lambda action, user_id, role_id: (  # noqa: E731
        refused() if (action, role_id) == ("take", 555) else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        for role in (555, 666, 555):
            await store.run(store.reminders.set_attendee_role, 1, event_id, role)
            await role_changed(cog, event_id)
        await asked(http, lambda calls: ("take", 1, 666) in calls and ("take", 2, 666) in calls)
        await asyncio.sleep(0.3)  # the tries 555 would have had by now
        assert [last_call(http, user, 555) for user in (1, 2)] == ["give", "give"]
        assert cog.roles._holders[event_id] == (555, {1, 2})
        assert event_id not in cog.roles.owed_back.owed
        assert await owed_rows(store, cog) == []  # nor owed after a restart


async def test_a_sync_stopped_midway_by_an_error_leaves_its_members_known(store, monkeypatch):
    """A network error while giving the new role to member 2: the sync stops there, but the
    event still gives out its role, and the next change gives it to 2 and the newcomer."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    broken = {"once": True}

    def answer(action, user_id, role_id):
        if (action, user_id, role_id) == ("give", 2, 666) and broken.pop("once", False):
            return OSError("connection reset")
        return None

    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await store.run(store.reminders.set_attendee_role, 1, event_id, 666)
        with pytest.raises(OSError):
            await role_changed(cog, event_id)
        await store.join(1, event_id, 3, "newcomer")
        cog.registration_changed(1, event_id)
        await asked(http, lambda calls: {("give", 2, 666), ("give", 3, 666)} <= set(calls))


async def test_a_server_error_leaves_only_that_member_owed_the_earlier_role(store, monkeypatch):
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2, 3])
    failed = {"once": False}

    def answer(action, user_id, role_id):
        if (action, user_id) == ("take", 2) and not failed["once"]:
            failed["once"] = True
            return server_error()
        return None

    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await store.run(store.reminders.set_attendee_role, 1, event_id, None)
        await role_changed(cog, event_id)
        await asked(http, lambda calls: [c[1] for c in calls if c[0] == "take"] == [1, 2, 3, 2])
        await asyncio.sleep(0.2)  # 2 failed once: asked again, the others not
        assert [c[1] for c in http.calls if c[0] == "take"] == [1, 2, 3, 2]


async def test_a_network_error_leaves_the_earlier_role_owed(store, monkeypatch):
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    broken = {"once": True}
    answer = lambda action, user_id, role_id: (  # noqa: E731
        OSError("connection reset") if action == "take" and broken.pop("once", False) else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await store.run(store.reminders.set_attendee_role, 1, event_id, None)
        await role_changed(cog, event_id)
        await asked(http, lambda calls: [c[1] for c in calls if c[0] == "take"] == [1, 1, 2])


async def over(store: Store, event_id: int) -> None:
    """The event took place an hour ago."""
    past = int((datetime.now(UTC) - 60 * MIN).timestamp())
    await execute_sql(store, "UPDATE events SET starts_at = ?, ends_at = ? WHERE id = ?",
                      past - 3600, past, event_id)


async def test_a_past_events_role_cleared_while_its_take_back_is_refused_is_still_taken_back(
        store, monkeypatch):
    """The event is over and Discord refuses to take its role back; a moderator then clears
    the role. Its holders are still owed it, and get it taken once Discord allows; the
    event then stops giving out a role."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    allowed = {"yet": False}
    answer = lambda action, user_id, role_id: (  # noqa: E731
        None if action == "give" or allowed["yet"] else refused())
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await over(store, event_id)
        await cog.roles.end_past_roles()
        await asked(http, lambda calls: ("take", 1, 555) in calls)  # refused
        await store.run(store.reminders.set_attendee_role, 1, event_id, None)
        await role_changed(cog, event_id)
        allowed["yet"] = True
        await asked(http, lambda calls: ("take", 2, 555) in calls)
        assert await store.run(store.reminders.attendee_roles) == []


async def test_the_role_taken_back_at_the_end_stops_being_given_out_once_all_have_lost_it(
        store, monkeypatch):
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    refusals = {"left": 1}

    def answer(action, user_id, role_id):
        if action == "take" and refusals["left"]:
            refusals["left"] -= 1
            return refused()
        return None

    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await over(store, event_id)
        await cog.roles.end_past_roles()
        assert [r[1] for r in await store.run(store.reminders.attendee_roles)] == [event_id]
        await cog.roles.end_past_roles()  # under way: not owed twice
        await asked(http, lambda calls: ("take", 2, 555) in calls)
        await asyncio.sleep(0.1)
        assert await store.run(store.reminders.attendee_roles) == []
        assert [c for c in http.calls if c[0] == "take"] == [
            ("take", 1, 555), ("take", 1, 555), ("take", 2, 555)]


async def test_a_deleted_events_role_is_taken_back_from_its_holders(store, monkeypatch):
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await store.run(store.events.delete_event, 1, event_id)
        await cog.roles._sync_role(1, event_id)  # the deletion's registration change
        await asked(http, lambda calls: sorted(c for c in calls if c[0] == "take") == [
            ("take", 1, 555), ("take", 2, 555)])


async def test_a_role_owed_back_in_a_server_that_removed_the_bot_is_given_up_after_the_bound(
        store, monkeypatch, caplog):
    """The event ends while the bot is out of its server (removed from it): its role waits
    for the bot's return no longer than a held notice does (`GIVE_UP_AFTER`, shortened
    here), then is given up with a warning; the task waiting for it ends, and nothing is
    asked of Discord for it afterwards, even once the bot is invited back."""
    monkeypatch.setattr(roles_owed_back, "GIVE_UP_AFTER", timedelta(seconds=0.3))
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await asked(http, lambda calls: {("give", 1, 555), ("give", 2, 555)} <= set(calls))
        cog.roles.bot.get_guild = lambda guild_id: None  # removed from the server
        await over(store, event_id)
        with caplog.at_level("WARNING", logger="bot.adapters.roles_owed_back"):
            await cog.roles.end_past_roles()
            await asyncio.sleep(0.1)
            assert event_id in cog.roles.owed_back.tasks  # waiting for the bot's return meanwhile
            async def gone() -> None:
                while event_id in cog.roles.owed_back.tasks:
                    await asyncio.sleep(0.02)
            await asyncio.wait_for(gone(), 3)
        assert "giving up" in caplog.text and f"event {event_id}" in caplog.text
        assert await owed_rows(store, cog) == []
        assert await store.run(store.reminders.attendee_roles) == []

        cog.roles.bot.get_guild = in_the_server  # invited back
        cog.roles.guild_arrived(1)
        await cog.roles.end_past_roles()
        await asyncio.sleep(0.2)
        assert [c for c in http.calls if c[0] == "take"] == []
        assert cog.roles.owed_back.tasks == {} and cog.roles.owed_back.owed == {}


async def test_the_wait_for_a_removed_bots_return_counts_from_its_removal_across_restarts(
        store, monkeypatch, caplog):
    """The bot was removed from the event's server an hour ago (the store records when:
    `set_guild_left`, as `EventBot.left_guild` writes it). The role owed back at the event's
    end waits for its return until GIVE_UP_AFTER after that, not after the moment this
    process found it out; and a process started a day later (a bot restarted daily) gives
    it up at once, rather than waiting a whole day again from its own start."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    left = datetime.now(UTC) - 60 * MIN
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await asked(http, lambda calls: {("give", 1, 555), ("give", 2, 555)} <= set(calls))
        cog.roles.bot.get_guild = lambda guild_id: None  # removed from the server
        await store.run(store.settings.set_guild_left, 1, left)
        await over(store, event_id)
        await cog.roles.end_past_roles()
        await asked(http, lambda calls: (event_id, 555) in cog.roles.owed_back.tries
                    and cog.roles.owed_back.tries[(event_id, 555)][0] > time.monotonic())
        wait = cog.roles.owed_back.tries[(event_id, 555)][0] - time.monotonic()
        due = (left + roles_owed_back.GIVE_UP_AFTER - datetime.now(UTC)).total_seconds()
        assert abs(wait - due) < 60, (wait, due)  # 23 hours, not 24
        assert await owed_rows(store, cog) == [(1, event_id, 555, (1, 2))]

    # A day later: the same record, read by a new start
    await execute_sql(store, "UPDATE guild_settings SET left_at = ? WHERE guild_id = 1",
                      int((left - roles_owed_back.GIVE_UP_AFTER).timestamp()))
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):
        cog.roles.bot.get_guild = lambda guild_id: None  # still out of it
        with caplog.at_level("WARNING", logger="bot.adapters.roles_owed_back"):
            await cog.roles.load()
            await cog.roles.end_past_roles()  # the scheduler's first round
            await asked(http, lambda calls: not cog.roles.owed_back.tasks
                        and not cog.roles.owed_back.owed)
        assert "giving up" in caplog.text and f"event {event_id}" in caplog.text
        assert await owed_rows(store, cog) == []
        assert await store.run(store.reminders.attendee_roles) == []
        assert [c for c in http.calls if c[0] == "take"] == []


def test_a_wait_that_ended_early_still_doubles_from_the_first():

    tries = {1: (0.0, 0.0)}
    assert role_tries.refused_again(tries, 1) == role_tries.TAKE_BACK_FIRST
    assert role_tries.refused_again(tries, 1) == 2 * role_tries.TAKE_BACK_FIRST


class SlowCalls(RoleCalls):
    """RoleCalls whose calls take `delay[(action, role)]` seconds."""

    def __init__(self, answer, delay) -> None:
        super().__init__(answer)
        self.delay = delay

    async def _call(self, action, user_id, role_id):
        await asyncio.sleep(self.delay.get((action, role_id), 0))
        await super()._call(action, user_id, role_id)


async def test_grants_under_way_when_the_event_ends_are_taken_back_too(store, monkeypatch):
    """`/manage role` just before the end of an event of six: its grants are still going
    out when the end takes the role back. Nobody is left holding it."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    members = [1, 2, 3, 4, 5, 6]
    event_id = await event_with_members(store, soon, members)
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, _):
        http = cog.bot.http = SlowCalls(lambda *call: None, {("give", 555): 0.05})
        await store.run(store.reminders.set_attendee_role, 1, event_id, 555)
        syncing = asyncio.ensure_future(role_changed(cog, event_id))
        await asked(http, lambda calls: len(calls) >= 1)
        await over(store, event_id)
        await cog.roles.end_past_roles()
        await syncing
        await asked(http, lambda calls: all(last_call(http, user, 555) == "take"
                                            for user in members))
        await asyncio.sleep(0.2)
        assert all(last_call(http, user, 555) == "take" for user in members)
        assert await store.run(store.reminders.attendee_roles) == []


async def test_a_role_set_again_as_its_event_ends_is_taken_back_at_the_end(store, monkeypatch):
    """555, 666, then 555 again while 555 is still being taken back; the event ends while
    that sync waits for the take-back's call under way. The end takes 555 from everyone,
    and the event stops giving it out."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2, 3])
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, _):
        http = cog.bot.http = SlowCalls(lambda *call: None, {("take", 555): 0.2})
        for role in (555, 666):
            await store.run(store.reminders.set_attendee_role, 1, event_id, role)
            await role_changed(cog, event_id)
        await asked(http, lambda calls: ("take", 1, 555) in calls)
        await store.run(store.reminders.set_attendee_role, 1, event_id, 555)
        syncing = asyncio.ensure_future(role_changed(cog, event_id))
        await asyncio.sleep(0.02)  # waiting for the take-back's call
        await over(store, event_id)
        await cog.roles.end_past_roles()
        await syncing
        await asked(http, lambda calls: all(last_call(http, user, 555) == "take"
                                            for user in (1, 2, 3)), timeout=10)
        await asked(http, lambda calls: not cog.roles._ending)
        assert await store.run(store.reminders.attendee_roles) == []


async def test_another_shards_past_event_does_not_wake_the_scheduler_each_second(
        store, monkeypatch):
    """An event over, its role not yet taken back by the process of its guild's shard:
    the other processes' schedulers do not find it due again at every round."""
    from cogs import reminders

    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1])
    await store.run(store.reminders.set_attendee_role, 1, event_id, 555)
    await over(store, event_id)

    async def ready() -> None:
        return None

    cog = reminders.Reminders(a_bot(store=store, http=RoleCalls(lambda *call: None),
                                              runs_guild=lambda guild_id: False,
                                              wait_until_ready=ready))
    rounds: list[float] = []
    monkeypatch.setattr(cog, "send_due_reminders", lambda: rounds.append(0) or ready())
    scheduler = asyncio.ensure_future(cog._run())
    await asyncio.sleep(2.5)
    scheduler.cancel()
    await asyncio.gather(scheduler, return_exceptions=True)
    assert len(rounds) == 1


async def test_a_new_role_does_not_wait_out_the_old_ones_refusals(store, monkeypatch):
    """555 was refused four times in a row (its next wait 0.8 s); the new role 666, refused
    once, is tried again after the first wait (0.05 s here), not after 1.6 s."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1])
    refusals = {666: 1}

    def answer(action, user_id, role_id):
        if action == "give" and (role_id == 555 or refusals.get(role_id)):
            refusals[role_id] = refusals.get(role_id, 1) - 1
            return refused()
        return None

    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await store.run(store.reminders.set_attendee_role, 1, event_id, 555)
        for _ in range(4):
            await role_changed(cog, event_id)
        await store.run(store.reminders.set_attendee_role, 1, event_id, 666)
        await role_changed(cog, event_id)
        await asked(http, lambda calls: calls.count(("give", 1, 666)) == 2, timeout=0.5)


async def test_a_join_while_a_role_set_again_waits_for_its_take_back_gets_the_role(
        store, monkeypatch):
    """555 set, cleared, then set again while it is still being taken back: that sync waits
    for the call under way. A member confirmed meanwhile gets the role all the same."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])

    def manage_role() -> None:  # as `/manage role` does: the signal, through the sync loop
        cog.roles._regive.add(event_id)
        cog.registration_changed(1, event_id)

    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, _):
        http = cog.bot.http = SlowCalls(lambda *call: None, {("take", 555): 0.3})
        for role in (555, None):
            await store.run(store.reminders.set_attendee_role, 1, event_id, role)
            manage_role()
            await asyncio.sleep(0.05)
        await asked(http, lambda calls: ("take", 1, 555) in calls)
        await store.run(store.reminders.set_attendee_role, 1, event_id, 555)
        manage_role()
        await asyncio.sleep(0.05)  # the sync waits for the take-back's call
        await store.join(1, event_id, 3, "newcomer")
        cog.registration_changed(1, event_id)  # the join's signal
        await asked(http, lambda calls: ("give", 3, 555) in calls)


async def two_events(store: Store, first_members: list[int]) -> tuple[int, int]:
    """An event soon with `first_members` confirmed, and one an hour later with member 1."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    first = await event_with_members(store, soon, first_members)
    second = await event_at(store, soon + 60 * MIN, slug="second")
    await store.join(1, second, 1, "member")
    return first, second


async def test_one_role_for_two_events_stays_with_members_of_the_one_still_to_come(
        store, monkeypatch):
    """555 for two events. At the first one's end, member 1, confirmed for the second too,
    keeps it, and member 2 loses it; once member 1 cancels the second, they lose it too."""
    first, second = await two_events(store, [1, 2])
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):
        await give_role_555(cog, store, first, second)
        await over(store, first)
        await cog.roles.end_past_roles()
        await asked(http, lambda calls: ("take", 2, 555) in calls)
        await asked(http, lambda calls: not cog.roles._ending)
        assert last_call(http, 1, 555) == "give"
        await cancel_and_sync(cog, store, second, 1)
        assert last_call(http, 1, 555) == "take"


async def test_cancelling_one_of_two_events_with_the_same_role_keeps_it(store, monkeypatch):
    first, second = await two_events(store, [1])
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):
        await give_role_555(cog, store, first, second)
        await cancel_and_sync(cog, store, second, 1)
        assert ("take", 1, 555) not in http.calls and cog.roles._holders[second] == (555, set())


async def test_a_removal_that_failed_on_cancelling_is_asked_again_without_another_change(
        store, monkeypatch):
    """Member 1 cancels the second of two events sharing 555 and Discord answers 500: they
    are asked again after the wait, and nobody else's count keeps the role on them."""
    first, second = await two_events(store, [9])
    failed = {"once": True}
    answer = lambda action, user_id, role_id: (  # noqa: E731
        server_error() if action == "take" and failed.pop("once", False) else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, first, second)
        await cancel_and_sync(cog, store, second, 1)
        await asked(http, lambda calls: calls.count(("take", 1, 555)) == 2)
        assert cog.roles._holders[second] == (555, set())


async def test_a_member_back_during_a_refusal_pause_keeps_the_role(store, monkeypatch):
    """Member 1 cancels and Discord refuses to take the role (a pause begins); they join
    again during the pause and the permission comes back: the role stays on them."""
    allowed = {"yet": False}
    async with a_removal_refused(store, monkeypatch, allowed, 1) as (cog, http, event_id):
        await store.join(1, event_id, 1, "back again")
        cog.registration_changed(1, event_id)
        allowed["yet"] = True
        await asyncio.sleep(0.4)  # past the pause's first waits
        assert http.calls.count(("take", 1, 555)) == 1  # only the refused one: still theirs


async def test_several_removals_failing_in_one_sync_wait_once(store, monkeypatch):
    """Six members cancel and each removal fails with a 500: they are asked again after
    the first wait (0.05 s here), not after a wait doubled six times (1.6 s)."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    members = [1, 2, 3, 4, 5, 6, 7]
    event_id = await event_with_members(store, soon, members)
    failing = set(members[:6])

    def answer(action, user_id, role_id):
        if action == "take" and user_id in failing:
            failing.discard(user_id)
            return server_error()
        return None

    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        for user_id in members[:6]:
            await store.run(store.registrations.cancel, 1, event_id, user_id)
        await cog.roles._sync_role(1, event_id)
        await asked(http, lambda calls: all(calls.count(("take", user, 555)) == 2
                                            for user in members[:6]), timeout=0.8)


async def test_a_network_error_after_a_failed_removal_keeps_the_first_owed(store, monkeypatch):
    """2 and 3 cancel: taking the role from 2 fails with a 500, and from 3 with a network
    error, which stops the sync. 2 is asked again all the same, after the wait."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2, 3])
    failing = {2: server_error(), 3: OSError("connection reset")}
    answer = lambda action, user_id, role_id: (  # noqa: E731
        failing.pop(user_id, None) if action == "take" else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        for user_id in (2, 3):
            await store.run(store.registrations.cancel, 1, event_id, user_id)
        with pytest.raises(OSError):
            await cog.roles._sync_role(1, event_id)
        await asked(http, lambda calls: calls.count(("take", 2, 555)) == 2, timeout=1.0)


class Reasons(SlowCalls):
    """SlowCalls noting the audit log's reason of each removal in `reasons`."""

    def __init__(self, answer, delay) -> None:
        super().__init__(answer, delay)
        self.reasons: list[tuple[int, str]] = []

    async def remove_role(self, guild_id, user_id, role_id, *, reason=None):
        self.reasons.append((user_id, reason))
        await super().remove_role(guild_id, user_id, role_id, reason=reason)


async def test_the_end_during_a_sync_with_a_failed_removal_keeps_its_reason(store,
                                                                          monkeypatch):
    """3 cancels and the sync's removal fails with a 500 while the event ends; the end's
    first try fails for 1 too. Every try of the end says "the event is over"."""

    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2, 3])
    failing = {3: server_error()}
    answer = lambda action, user_id, role_id: (  # noqa: E731
        failing.pop(user_id, None) if action == "take" else None)
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, _):
        await give_role_555(cog, store, event_id)
        monkeypatch.setattr(role_tries, "TAKE_BACK_FIRST", 0.2)
        http = cog.bot.http = Reasons(answer, {("take", 555): 0.1})
        await store.run(store.registrations.cancel, 1, event_id, 3)
        syncing = asyncio.ensure_future(cog.roles._sync_role(1, event_id))
        await asked(http, lambda calls: len(http.reasons) >= 1)  # under way (0.1 s)
        failing[1] = server_error()
        await over(store, event_id)
        await cog.roles.end_past_roles()
        await syncing
        await asked(http, lambda calls: calls.count(("take", 1, 555)) == 2
                    and calls.count(("take", 3, 555)) == 2, timeout=3.0)
        assert http.reasons[0] == (3, "no longer confirmed")
        assert {reason for _, reason in http.reasons[1:]} == {"the event is over"}


async def test_the_end_during_a_failing_take_back_pass_asks_everyone_at_once(store,
                                                                              monkeypatch):

    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2, 3])
    failing = {3: 2}

    def answer(action, user_id, role_id):
        if action == "take" and failing.get(user_id):
            failing[user_id] -= 1
            return server_error()
        return None

    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, _):
        await give_role_555(cog, store, event_id)
        monkeypatch.setattr(role_tries, "TAKE_BACK_FIRST", 0.5)
        http = cog.bot.http = SlowCalls(answer, {("take", 555): 0.2})
        await store.run(store.registrations.cancel, 1, event_id, 3)
        await cog.roles._sync_role(1, event_id)  # fails for 3: the take-back asks after 0.5 s
        await over(store, event_id)
        await asyncio.sleep(0.6)  # the take-back's call for 3 under way (0.2 s each)
        await cog.roles.end_past_roles()
        # in the same pass, not after a wait doubled by its failure (1 s)
        await asked(http, lambda calls: ("take", 1, 555) in calls, timeout=0.8)


async def test_a_sync_cancelled_at_unload_starts_no_take_back(store, monkeypatch):
    """Unloading the cog cancels a sync whose removal of 2 failed with a 500 while that of
    3 is under way: no take-back task is started that would outlive the cog."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2, 3])
    failing = {2: server_error()}
    answer = lambda action, user_id, role_id: (  # noqa: E731
        failing.pop(user_id, None) if action == "take" else None)
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, _):
        await give_role_555(cog, store, event_id)
        http = cog.bot.http = Reasons(answer, {("take", 555): 0.1})
        for user_id in (2, 3):
            await store.run(store.registrations.cancel, 1, event_id, user_id)
        syncing = asyncio.ensure_future(cog.roles._sync_role(1, event_id))
        await asked(http, lambda calls: len(http.reasons) == 2)  # 2 failed, 3 under way
        syncing.cancel()
        await asyncio.gather(syncing, return_exceptions=True)
        assert cog.roles.owed_back.tasks == {}


async def test_roles_owed_back_are_recorded_in_order_and_read_back_by_role(store):
    from bot.models import OwedChange

    await store.run(store.reminders.change_owed_roles, [
        OwedChange(True, 5, 555, (3, 1, 2), 1),
        OwedChange(True, 5, 666, (1,), 1),
        OwedChange(True, 5, 555, (2, 4), 1),  # 2 again: once
        OwedChange(False, 5, 555, (1,)),
        OwedChange(True, 9, 555, (7,), 2),
        OwedChange(False, 5, 666, None),  # none of 666 any more
        OwedChange(True, 9, 555, (8,), 2),
    ])
    assert await owed_rows(store) == [(1, 5, 555, (2, 3, 4)), (2, 9, 555, (7, 8))]
    await store.run(store.settings.set_guild_left, 2, START)
    assert await store.run(store.settings.purge_guild, 2, START + MIN)
    assert await owed_rows(store) == [(1, 5, 555, (2, 3, 4))]  # a purged server's go too


async def seated_and_waiting(store: Store, *, role_id: int) -> int:
    """An event of one seat giving out `role_id`: member 7 seated, member 8 waiting."""
    event_id = await event_at(store, START + timedelta(days=30), capacity=1)
    await store.run(store.reminders.set_attendee_role, 1, event_id, role_id)
    await store.join(1, event_id, 7, "seated")
    await store.join(1, event_id, 8, "waiting")
    return event_id


async def test_a_confirmed_member_who_cancels_owes_the_events_role_back_from_that_commit(store):
    """The cancel itself records the role owed back: a bot killed between the commit and
    Discord's answer to the removal (or the record half a second behind it) leaves it owed,
    for the next start to take back, where nothing else would ever have taken it (the start
    counts confirmed members alone as holding it). The waitlisted held no role."""
    event_id = await seated_and_waiting(store, role_id=555)
    await store.run(store.registrations.cancel, 1, event_id, 8)
    assert await owed_rows(store) == []
    await store.run(store.registrations.cancel, 1, event_id, 7)
    assert await owed_rows(store) == [(1, event_id, 555, (7,))]
    plain = await event_at(store, START + timedelta(days=30), slug="roleless")
    await store.join(1, plain, 9, "no role")
    await store.run(store.registrations.cancel, 1, plain, 9)
    assert await owed_rows(store) == [(1, event_id, 555, (7,))]


async def test_a_deleted_events_confirmed_members_owe_its_role_back_from_that_commit(store):
    """The deletion records the role owed back by everyone it seated, as a cancel does: a
    bot killed before Discord took it back leaves it to the next start, which counts no
    member of a deleted event as holding it. The waitlisted held none; an event whose role
    its end took back (cleared) owes nothing."""
    event_id = await event_at(store, START + timedelta(days=30), capacity=2)
    await store.run(store.reminders.set_attendee_role, 1, event_id, 555)
    for user_id in (7, 8, 9):
        await store.join(1, event_id, user_id, f"member {user_id}")
    await store.run(store.events.delete_event, 1, event_id)
    assert await owed_rows(store) == [(1, event_id, 555, (7, 8))]
    ended = await event_at(store, START + timedelta(days=30), slug="ended")
    await store.run(store.reminders.set_attendee_role, 1, ended, 556)
    await store.join(1, ended, 7, "taken back")
    await store.run(store.reminders.end_attendee_role, ended, 556)
    plain = await event_at(store, START + timedelta(days=30), slug="roleless")
    await store.join(1, plain, 9, "no role")
    for other in (ended, plain):
        await store.run(store.events.delete_event, 1, other)
    assert await owed_rows(store) == [(1, event_id, 555, (7, 8))]


async def test_an_events_old_role_is_owed_back_by_its_confirmed_members_from_the_change(store):
    """Changing or clearing the role records the old one owed back by everyone seated, in
    the change's own transaction: a crash before Discord took it back leaves it to the next
    start, which counts confirmed members as holding the new role alone. The same role set
    again owes nothing."""
    event_id = await seated_and_waiting(store, role_id=555)
    await store.run(store.reminders.set_attendee_role, 1, event_id, 555)
    assert await owed_rows(store) == []
    assert await store.run(store.reminders.set_attendee_role, 1, event_id, 556) == 555
    assert await owed_rows(store) == [(1, event_id, 555, (7,))]
    assert await store.run(store.reminders.set_attendee_role, 1, event_id, None) == 556
    assert await owed_rows(store) == [(1, event_id, 555, (7,)), (1, event_id, 556, (7,))]


async def test_roles_to_give_are_noted_once_each_and_go_with_their_server(store):
    from bot.models import RolesToGive

    await store.run(store.reminders.give_roles_at_start, [
        RolesToGive(1, 5, False, (3,)), RolesToGive(2, 9, True, (7,)), RolesToGive(1, 6, False)])
    await store.run(store.reminders.give_roles_at_start, [
        RolesToGive(1, 5, True, (2, 3)), RolesToGive(1, 6, False, (4,)),
        RolesToGive(2, 9, False)])
    assert await store.run(store.reminders.roles_to_give) == [  # "everyone" sticks
        (1, 5, True, (2, 3)), (1, 6, False, (4,)), (2, 9, True, (7,))]
    await store.run(store.reminders.forget_roles_to_give, [6])
    await store.run(store.settings.set_guild_left, 2, START)
    assert await purged(store, 2, START + MIN)
    assert await store.run(store.reminders.roles_to_give) == [(1, 5, True, (2, 3))]
    # forgotten and purged events leave none of their members behind
    await store.run(store.reminders.give_roles_at_start,
                    [RolesToGive(1, 6, False), RolesToGive(2, 9, False)])
    assert await store.run(store.reminders.roles_to_give) == [
        (1, 5, True, (2, 3)), (1, 6, False, ()), (2, 9, False, ())]


async def test_role_notices_are_held_one_per_role_taken_once_and_go_with_their_server(store):
    """The notices held for a server Discord has not sent: one per role (a later one for
    the role replaces it), read back once (taking them), each server's apart; a purged
    server's go with it; `fresh` tells those held too long to make."""
    from bot.models import GIVE_UP_AFTER, RoleNotice

    hold = store.reminders.hold_role_notice
    await store.run(hold, RoleNotice(1, 555, (5,), START, giving=True))
    await store.run(hold, RoleNotice(1, 555, (5,), START + MIN, giving=False, unoffered=True))
    await store.run(hold, RoleNotice(1, 666, (5, 6), START, deleted=True,
                                     name="Ré‮le 🧑‍💻 <@&1> 参会者"))
    await store.run(hold, RoleNotice(2, 555, (9,), START, giving=True))
    await store.run(hold, RoleNotice(3, 777, (10,), START, deleted=True))
    assert await store.run(store.reminders.role_notice_guilds) == [1, 2, 3]
    taken = await store.run(store.reminders.take_role_notices, 1)
    assert taken == [
        RoleNotice(1, 555, (5,), START + MIN, giving=False, unoffered=True),
        RoleNotice(1, 666, (5, 6), START, deleted=True, name="Ré‮le 🧑‍💻 <@&1> 参会者")]
    assert await store.run(store.reminders.take_role_notices, 1) == []  # at most once
    assert await store.run(store.reminders.role_notice_guilds) == [2, 3]
    await store.run(store.settings.set_guild_left, 3, START)
    assert await store.run(store.settings.purge_guild, 3, START + MIN)
    assert await store.run(store.reminders.role_notice_guilds) == [2]
    [kept] = await store.run(store.reminders.take_role_notices, 2)
    assert kept.fresh(START + GIVE_UP_AFTER - MIN) and not kept.fresh(START + GIVE_UP_AFTER)


async def test_a_restart_goes_on_taking_back_an_earlier_role(store, monkeypatch):
    """The role changes from 555 to 666 while Discord refuses to take 555 back, and the bot
    stops. The next start takes 555 back from both members once Discord allows it, leaves
    666 with them, and then owes nothing."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    allowed = {"yet": False}
    answer = lambda action, user_id, role_id: (  # noqa: E731
        refused() if (action, role_id) == ("take", 555) and not allowed["yet"] else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await store.run(store.reminders.set_attendee_role, 1, event_id, 666)
        await role_changed(cog, event_id)
        await asked(http, lambda calls: ("take", 1, 555) in calls)  # refused
        assert await owed_rows(store, cog) == [(1, event_id, 555, (1, 2))]
    allowed["yet"] = True
    async with roles_cog(store, answer, monkeypatch) as (cog, http):  # the next start
        await cog.roles.load()
        await asked(http, lambda calls: {("take", 1, 555), ("take", 2, 555)} <= set(calls))
        await asyncio.sleep(0.1)
        assert sorted(http.calls) == [("take", 1, 555), ("take", 2, 555)]
        assert cog.roles._holders[event_id] == (666, {1, 2})
        assert await owed_rows(store, cog) == []


async def test_after_a_restart_a_member_confirmed_again_keeps_the_role(store, monkeypatch):
    """Member 2 cancels and Discord answers 500 to taking the role back, so it is still
    owed when the bot stops; 2 joins again meanwhile. The next start leaves the role with
    2 and owes nothing; a member who stayed away (3) has it taken back."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2, 3])
    failing = {"yet": True}
    answer = lambda action, user_id, role_id: (  # noqa: E731
        server_error() if action == "take" and failing["yet"] else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        for user_id in (2, 3):
            await store.run(store.registrations.cancel, 1, event_id, user_id)
        await cog.roles._sync_role(1, event_id)
        assert ("take", 2, 555) in http.calls and ("take", 3, 555) in http.calls
        assert await owed_rows(store, cog) == [(1, event_id, 555, (2, 3))]
    await store.join(1, event_id, 2, "back again")
    failing["yet"] = False
    async with roles_cog(store, answer, monkeypatch) as (cog, http):  # the next start
        await cog.roles.load()
        await asked(http, lambda calls: ("take", 3, 555) in calls)
        await asyncio.sleep(0.1)
        assert http.calls == [("take", 3, 555)]
        assert cog.roles._holders[event_id] == (555, {1, 2})
        assert await owed_rows(store, cog) == []


async def test_a_removal_refused_on_cancelling_is_taken_back_after_a_restart(store, monkeypatch):
    """Member 2 cancels and Discord refuses to take the role back; the bot stops during
    the pause that follows. The next start takes it from 2, and only from 2."""
    allowed = {"yet": False}
    async with a_removal_refused(store, monkeypatch, allowed, 2) as (cog, _, event_id):
        assert await owed_rows(store, cog) == [(1, event_id, 555, (2,))]
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):  # next start
        await cog.roles.load()
        await asked(http, lambda calls: ("take", 2, 555) in calls)
        await asyncio.sleep(0.1)
        assert http.calls == [("take", 2, 555)] and await owed_rows(store, cog) == []


async def test_a_role_set_again_then_refused_stays_owed_by_who_left(store, monkeypatch):
    """Member 2's removal fails (500), so 2 owes 555 back; 555 is set on the event again,
    and Discord now refuses to take it from 2. 2 still owes it, after a restart too."""
    async with a_removal_failed(store, monkeypatch) as (cog, http, event_id, answers):
        answers["take"] = refused()
        await role_changed(cog, event_id)  # /manage role 555 again
        assert http.calls[-1] == ("take", 2, 555)  # refused
        assert await owed_rows(store, cog) == [(1, event_id, 555, (2,))]


async def test_a_removal_cut_short_by_a_stop_is_owed_after_it(store, monkeypatch):
    """Members 2 and 3 cancel; the stop cancels the sync while Discord is still answering
    the call for 3. The next start takes the role from 3; 2's was taken before."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2, 3])
    answer = lambda action, user_id, role_id: (  # noqa: E731
        NO_ANSWER if (action, user_id) == ("take", 3) else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        for user_id in (2, 3):
            await store.run(store.registrations.cancel, 1, event_id, user_id)
        sync = asyncio.create_task(cog.roles._sync_role(1, event_id))
        await asked(http, lambda calls: ("take", 3, 555) in calls)
        sync.cancel()  # as a stop does
        await asyncio.gather(sync, return_exceptions=True)
        assert await owed_rows(store, cog) == [(1, event_id, 555, (3,))]
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):
        await cog.roles.load()
        await asked(http, lambda calls: ("take", 3, 555) in calls)
        await asyncio.sleep(0.1)
        assert http.calls == [("take", 3, 555)] and await owed_rows(store, cog) == []


def test_runs_of_the_same_change_are_written_as_one():
    from bot.adapters.owed_roles_record import coalesced
    from bot.models import OwedChange

    changes = [OwedChange(True, 5, 555, (1, 2), 1), OwedChange(True, 5, 555, (3,), 1),
               OwedChange(False, 5, 555, (1,)), OwedChange(False, 5, 555, (2,)),
               OwedChange(False, 6, 555, (2,)), OwedChange(False, 5, 555, None),
               OwedChange(False, 5, 555, None), OwedChange(False, 5, 555, (3,))]
    assert coalesced(changes) == [
        OwedChange(True, 5, 555, (1, 2, 3), 1), OwedChange(False, 5, 555, (1, 2)),
        OwedChange(False, 6, 555, (2,)), OwedChange(False, 5, 555, None),
        OwedChange(False, 5, 555, (3,))]


@pytest.mark.parametrize("change", ["a join", "the role set again"])
async def test_a_member_owed_back_stays_owed_through_a_sync_a_stop_cut_short(
        store, monkeypatch, change):
    """Member 2's removal fails (500), so 2 owes the role back. Then a sync (a newcomer,
    or `/manage role` again) takes 2 among who may hold it, and a stop cancels it while
    Discord is still answering a grant: 2 still owes it, and the next start takes it."""
    async with a_removal_failed(store, monkeypatch) as (cog, http, event_id, answers):
        answers["give"] = NO_ANSWER
        before = len(http.calls)
        if change == "a join":
            await store.join(1, event_id, 3, "newcomer")
        else:
            cog.roles._regive.add(event_id)
        sync = asyncio.create_task(cog.roles._sync_role(1, event_id))
        await asked(http, lambda calls: any(action == "give" for action, _, _ in calls[before:]))
        sync.cancel()  # as a stop does
        await asyncio.gather(sync, return_exceptions=True)
        assert await owed_rows(store, cog) == [(1, event_id, 555, (2,))]
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):  # next start
        await cog.roles.load()
        await asked(http, lambda calls: ("take", 2, 555) in calls)
        assert await owed_rows(store, cog) == []


async def the_next_start(store: Store, monkeypatch, *takes: tuple[str, int, int]) -> list:
    """A start after a stop: the calls it makes, once it has made `takes`, and no rows
    owed left."""
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):
        await cog.roles.load()
        await asked(http, lambda calls: set(takes) <= set(calls))
        await asyncio.sleep(0.1)
        assert await owed_rows(store, cog) == []
        return sorted(http.calls)


@pytest.mark.parametrize("change", [666, None, "deleted"])
async def test_a_role_change_not_yet_synced_at_a_stop_is_made_by_the_next_start(
        store, monkeypatch, change):
    """`/manage role` changes or clears the role, or the event is deleted, and the bot
    stops before comparing: the next start takes 555 back, and gives the new role."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, _):
        await give_role_555(cog, store, event_id)
        if change == "deleted":
            await store.run(store.events.delete_event, 1, event_id)
            cog.registration_changed(1, event_id)
        else:
            await store.run(store.reminders.set_attendee_role, 1, event_id, change)
            cog._on_attendee_role_changed(SimpleNamespace(guild_id=1, event_id=event_id))
        await cog.cog_unload()  # the stop: before the sync has run
    expected = [("take", 1, 555), ("take", 2, 555)]
    if change == 666:
        expected += [("give", 1, 666), ("give", 2, 666)]
    assert await the_next_start(store, monkeypatch, *expected) == sorted(expected)


async def test_a_cancel_not_yet_synced_at_a_stop_is_taken_back_by_the_next_start(
        store, monkeypatch):
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, _):
        await give_role_555(cog, store, event_id)
        await store.run(store.registrations.cancel, 1, event_id, 2)
        cog.registration_changed(1, event_id)
        await cog.cog_unload()
    assert await the_next_start(store, monkeypatch, ("take", 2, 555)) == [("take", 2, 555)]


async def test_a_cancel_during_a_pause_after_a_refused_grant_is_taken_back_after_a_stop(
        store, monkeypatch):
    """Discord refuses to give 555 to member 2 (a pause begins); member 1 cancels during
    the pause, and the bot stops: the next start takes 555 from 1, and gives it to 2."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    answer = lambda action, user_id, role_id: (  # noqa: E731
        refused() if (action, user_id) == ("give", 2) else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        # a pause that outlasts the cancel however slow the store (the tests' 0.05 s could
        # end between the cancel and the stop, and its sync take the role back before it)
        monkeypatch.setattr(role_tries, "TAKE_BACK_FIRST", 60.0)
        await give_role_555(cog, store, event_id)
        assert http.calls == [("give", 1, 555), ("give", 2, 555)]  # 2 refused
        await cancel_and_sync(cog, store, event_id, 1)  # paused: not compared
        await cog.cog_unload()
    expected = [("give", 2, 555), ("take", 1, 555)]
    assert await the_next_start(store, monkeypatch, *expected) == expected


async def a_grant_cut_short_by_a_stop(store: Store, monkeypatch, joining: list[int],
                                      meanwhile=None) -> int:
    """Role 555 for an event soon, given to member 1; `joining` (2 among them) join, and
    Discord is still answering the grant for 2 when `meanwhile(cog, event_id)` runs and
    the bot stops. Returns the event."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1])
    answer = lambda action, user_id, role_id: (  # noqa: E731
        NO_ANSWER if (action, user_id) == ("give", 2) else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        for user_id in joining:
            await store.join(1, event_id, user_id, "member")
        cog.registration_changed(1, event_id)
        await asked(http, lambda calls: ("give", 2, 555) in calls)
        if meanwhile is not None:
            await meanwhile(cog, event_id)
        await cog.cog_unload()  # the stop, with the grant for 2 unanswered
        assert http.calls == [("give", 1, 555), ("give", 2, 555)]
    return event_id


async def test_grants_a_stop_cut_short_are_made_by_the_next_start(store, monkeypatch):
    """The next start gives the role to 2 and 3, not to 1 again."""
    await a_grant_cut_short_by_a_stop(store, monkeypatch, [2, 3])
    expected = [("give", 2, 555), ("give", 3, 555)]
    assert await the_next_start(store, monkeypatch, *expected) == expected


async def test_a_role_set_again_and_not_acted_on_at_a_stop_goes_to_everyone_after_it(
        store, monkeypatch):
    """`/manage role` again (to give the role to everyone confirmed once more), and the bot
    stops before acting on it: the next start does."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, _):
        await give_role_555(cog, store, event_id)
        cog._on_attendee_role_changed(SimpleNamespace(guild_id=1, event_id=event_id))
        await cog.cog_unload()  # the stop: before the sync has run
    expected = [("give", 1, 555), ("give", 2, 555)]
    assert await the_next_start(store, monkeypatch, *expected) == expected


async def test_roles_left_to_give_at_a_stop_wait_for_their_own_shards_process(
        store, monkeypatch):
    """A start of the process of another shard leaves the event alone; its own shard's
    process then gives the role."""
    await a_grant_cut_short_by_a_stop(store, monkeypatch, [2])
    async with roles_cog(store, lambda *call: None, monkeypatch) as (other, http):
        other.bot.runs_guild = lambda guild_id: False
        await other.roles.load()
        await asyncio.sleep(0.1)
        assert http.calls == []
    assert await the_next_start(store, monkeypatch, ("give", 2, 555)) == [("give", 2, 555)]


async def test_roles_left_to_give_of_an_event_over_by_the_next_start_are_not_given(
        store, monkeypatch):
    event_id = await a_grant_cut_short_by_a_stop(store, monkeypatch, [2])
    await over(store, event_id)
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):
        await cog.roles.load()
        await asyncio.sleep(0.1)
        assert http.calls == []  # its end takes 555 back from 1 and 2 instead
        assert await store.run(store.reminders.roles_to_give) == []


async def test_a_role_set_again_whose_pass_a_stop_cut_short_goes_to_everyone_after_it(
        store, monkeypatch):
    """Members 1, 2 and 3 hold 555; `/manage role` gives it to everyone again, and the
    bot stops while Discord is answering the grant for 2: the next start gives it to
    everyone, as the cut-short pass would have."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2, 3])
    held_up = []
    answer = lambda action, user_id, role_id: (  # noqa: E731
        NO_ANSWER if held_up and (action, user_id) == ("give", 2) else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        held_up.append(True)
        cog._on_attendee_role_changed(SimpleNamespace(guild_id=1, event_id=event_id))
        await asked(http, lambda calls: calls.count(("give", 2, 555)) == 2)
        await cog.cog_unload()
    expected = [("give", 1, 555), ("give", 2, 555), ("give", 3, 555)]
    assert await the_next_start(store, monkeypatch, *expected) == expected


async def test_roles_left_to_give_stay_noted_when_the_start_cannot_read_the_events(
        store, monkeypatch):
    event_id = await a_grant_cut_short_by_a_stop(store, monkeypatch, [2])
    real = store.reminders.attendee_roles

    def unreadable_when_due(due_by=None):
        if due_by is not None:
            raise RuntimeError("the database is away")
        return real()

    async def unreadable_when_due_async(due_by=None):
        if due_by is not None:
            raise RuntimeError("the database is away")
        return await real()

    monkeypatch.setattr(store.reminders, "attendee_roles", unreadable_when_due_async
                        if inspect.iscoroutinefunction(real) else unreadable_when_due)
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):
        await cog.roles.load()
        await asyncio.sleep(0.1)
        assert http.calls == []
    monkeypatch.undo()
    assert await store.run(store.reminders.roles_to_give) == [(1, event_id, False, (2,))]


@contextlib.asynccontextmanager
async def a_grant_failed(store: Store, monkeypatch):
    """Member 1 of an event soon holds its role 555; 2 joins, and Discord answers the grant
    for 2 with a server error. Yields the cog, its `RoleCalls`, the event's id and what
    Discord answers from then on by (action, member), which the test may change."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1])
    answers = {("give", 2): server_error()}
    answer = lambda action, user_id, role_id: answers.get((action, user_id))  # noqa: E731
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await store.join(1, event_id, 2, "member")
        await cog.roles._sync_role(1, event_id)
        assert http.calls == [("give", 1, 555), ("give", 2, 555)]  # 2 failed
        answers.clear()
        yield cog, http, event_id, answers


async def test_a_grant_that_failed_before_a_stop_is_made_after_it(store, monkeypatch):
    """Discord answers the grant for member 2 with a server error, and the bot stops
    before any other change would have tried again: the next start gives it (to 2 alone:
    it was not a pass of `/manage role`, which would give it to everyone again)."""
    async with a_grant_failed(store, monkeypatch) as (cog, *_):
        await cog.cog_unload()
    assert await the_next_start(store, monkeypatch, ("give", 2, 555)) == [("give", 2, 555)]


@pytest.mark.parametrize("meanwhile", ["cancelled", "role changed", "deleted"])
async def test_a_grant_a_stop_cut_short_is_taken_back_if_no_longer_wanted(
        store, monkeypatch, meanwhile):
    """Discord is still answering the grant of 555 to member 2 when 2 cancels (or the role
    becomes 666, or the event is deleted), and the bot stops before comparing: the grant
    may have been made, so the next start takes 555 back from 2 (and gives 666)."""
    async def change(cog, event_id: int) -> None:
        if meanwhile == "cancelled":
            await store.run(store.registrations.cancel, 1, event_id, 2)
        elif meanwhile == "role changed":
            await store.run(store.reminders.set_attendee_role, 1, event_id, 666)
            cog.roles._regive.add(event_id)
        else:
            await store.run(store.events.delete_event, 1, event_id)
        cog.registration_changed(1, event_id)

    await a_grant_cut_short_by_a_stop(store, monkeypatch, [2], change)
    expected = {"cancelled": [("take", 2, 555)],
                "role changed": [("give", 1, 666), ("give", 2, 666), ("take", 1, 555),
                                 ("take", 2, 555)],
                "deleted": [("take", 1, 555), ("take", 2, 555)]}[meanwhile]
    assert await the_next_start(store, monkeypatch, *expected) == expected


async def test_a_regrant_a_stop_cut_short_is_made_by_the_next_start(store, monkeypatch):
    """Member 2 cancels and the removal of 555 fails; 2 joins again, and Discord is still
    answering the grant of 555 back to 2 when the bot stops: whether 2 holds it is
    unknown, so the next start gives it."""
    async with a_removal_failed(store, monkeypatch) as (cog, http, event_id, answers):
        answers["give"] = NO_ANSWER
        await store.join(1, event_id, 2, "member")
        cog.registration_changed(1, event_id)
        await asked(http, lambda calls: calls[-1] == ("give", 2, 555))
        await cog.cog_unload()
    assert await the_next_start(store, monkeypatch, ("give", 2, 555)) == [("give", 2, 555)]


async def test_a_regrant_a_stop_left_unread_is_made_by_the_next_start(store, monkeypatch):
    """Member 2 cancels and the removal of 555 fails, so 2 owes it back; 2 joins again,
    and the bot stops while the sync of that join is still reading: the next start gives
    2 the role (its removal may have gone through)."""
    async with a_removal_failed(store, monkeypatch) as (cog, _, event_id, _):
        await store.join(1, event_id, 2, "member")
        held = HeldRead(store)
        cog.bot.store = held
        cog.registration_changed(1, event_id)
        await held.reading.wait()
        await cog.cog_unload()
    assert await the_next_start(store, monkeypatch, ("give", 2, 555)) == [("give", 2, 555)]


async def test_a_removal_a_stop_cut_short_of_a_member_back_is_made_good_by_the_next_start(
        store, monkeypatch):
    """Member 2 cancels, and Discord is still answering the removal of 555 when 2 joins
    again and the bot stops: the removal may have gone through, so the next start gives
    2 the role."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    answer = lambda action, user_id, role_id: (  # noqa: E731
        NO_ANSWER if action == "take" else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        await store.run(store.registrations.cancel, 1, event_id, 2)
        cog.registration_changed(1, event_id)
        await asked(http, lambda calls: ("take", 2, 555) in calls)
        await store.join(1, event_id, 2, "member")
        cog.registration_changed(1, event_id)
        await cog.cog_unload()
    assert await the_next_start(store, monkeypatch, ("give", 2, 555)) == [("give", 2, 555)]


async def test_a_grant_answered_with_a_server_error_is_taken_back_on_cancelling(
        store, monkeypatch):
    """A server error may come after Discord made the change: the member is treated as
    maybe holding the role, and a cancel takes it back."""
    async with a_grant_failed(store, monkeypatch) as (cog, http, event_id, _):
        await cancel_and_sync(cog, store, event_id, 2)
        assert http.calls == [("give", 1, 555), ("give", 2, 555), ("take", 2, 555)]
        assert await owed_rows(store, cog) == []


async def test_a_member_whose_grant_failed_is_asked_again_after_a_refused_take_back(
        store, monkeypatch):
    """The grant for 2 met a server error; 2 cancels, and Discord refuses to take the role
    back: once the wait is over, it is asked again, as for any member who held it."""
    async with a_grant_failed(store, monkeypatch) as (cog, http, event_id, answers):
        answers[("take", 2)] = refused()
        await cancel_and_sync(cog, store, event_id, 2)
        assert http.calls[-1] == ("take", 2, 555)  # refused: a wait begins
        answers.clear()
        await asked(http, lambda calls: calls.count(("take", 2, 555)) == 2)
        assert await owed_rows(store, cog) == []


@pytest.mark.parametrize("then", ["stays", "cancels"])
async def test_a_grant_that_failed_then_was_refused_is_still_unsure(store, monkeypatch, then):
    """The grant for 2 met a server error (it may have been made); at the next change
    Discord refuses it (a wait begins). After the wait, 2 is given the role if still
    confirmed, and it is taken back if 2 cancelled during the wait."""
    async with a_grant_failed(store, monkeypatch) as (cog, http, event_id, answers):
        answers[("give", 2)] = refused()
        await store.join(1, event_id, 3, "member")
        await cog.roles._sync_role(1, event_id)
        assert http.calls[-1] == ("give", 2, 555)  # refused before 3's turn
        if then == "cancels":
            await cancel_and_sync(cog, store, event_id, 2)  # during the wait: not compared
        answers.clear()
        before = len(http.calls)
        await asked(http, lambda calls: ("give", 3, 555) in calls)
        await asyncio.sleep(0.05)
        expected = ("give", 2, 555) if then == "stays" else ("take", 2, 555)
        assert sorted(http.calls[before:]) == sorted([expected, ("give", 3, 555)])


@pytest.mark.parametrize("problem", ["refused", "server error"])
async def test_a_role_set_again_that_discord_refused_goes_to_everyone_after_the_wait(
        store, monkeypatch, problem):
    """Members 1 and 2 hold 555; `/manage role` gives it to everyone again, and Discord
    refuses the first grant (which ends the pass) or answers it with a server error:
    after the wait, everyone is given it again, as `/manage role` asked (the next change
    alone would give it to nobody: all count as holding it)."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    answering = []
    answer = lambda action, user_id, role_id: (  # noqa: E731
        answering.pop()() if answering else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        answering.append(refused if problem == "refused" else server_error)
        before = len(http.calls)
        cog._on_attendee_role_changed(SimpleNamespace(guild_id=1, event_id=event_id))
        first_pass = [("give", 1, 555)] + ([] if problem == "refused" else [("give", 2, 555)])
        await asked(http, lambda calls: calls[before:] == [
            *first_pass, ("give", 1, 555), ("give", 2, 555)])


async def test_a_role_to_give_everyone_after_a_stop_survives_a_refusal(store, monkeypatch):
    """`/manage role` and a stop before it was acted on; the next start's pass meets a
    refusal, and once the wait is over it gives the role to everyone."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, _):
        await store.run(store.reminders.set_attendee_role, 1, event_id, 555)
        cog._on_attendee_role_changed(SimpleNamespace(guild_id=1, event_id=event_id))
        await cog.cog_unload()  # the stop: before the sync has run
    refusing = [True]
    answer = lambda action, user_id, role_id: (  # noqa: E731
        refused() if refusing and refusing.pop() else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await cog.roles.load()
        await asked(http, lambda calls: calls == [
            ("give", 1, 555), ("give", 1, 555), ("give", 2, 555)])


async def test_a_role_to_give_everyone_survives_errors_across_two_stops(store, monkeypatch):
    """`/manage role` meets a refusal, and the bot stops; the next start's pass to give
    it to everyone meets server errors, and the bot stops again: the start after gives
    it to everyone."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    for problem in (refused, server_error):
        answer = lambda action, user_id, role_id, problem=problem: problem()  # noqa: E731
        async with roles_cog(store, answer, monkeypatch) as (cog, http):
            if problem is refused:
                await store.run(store.reminders.set_attendee_role, 1, event_id, 555)
                cog._on_attendee_role_changed(SimpleNamespace(guild_id=1, event_id=event_id))
            else:
                await cog.roles.load()
            await asked(http, lambda calls: calls)
            await asyncio.sleep(0.02)  # (the pass ends before the wait of 0.05 s)
            await cog.cog_unload()
    expected = [("give", 1, 555), ("give", 2, 555)]
    assert await the_next_start(store, monkeypatch, *expected) == expected


class HeldRead:
    """The store, with the first read of an event's role held until `go` is set."""

    def __init__(self, store: Store) -> None:
        self._store, self.reading, self.go = store, asyncio.Event(), asyncio.Event()

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    async def run(self, fn, *args, **kwargs):
        if fn == self._store.reminders.attendee_role and not self.reading.is_set():
            self.reading.set()
            await self.go.wait()
        return await self._store.run(fn, *args, **kwargs)


async def test_a_role_set_again_while_a_sync_reads_is_given_to_everyone_after_it(
        store, monkeypatch):
    """A change starts a sync of the event's role; `/manage role` gives the role to
    everyone again while that sync is reading: the pass after it is one of `/manage
    role`, and gives the role to every confirmed member."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        held = HeldRead(store)
        cog.bot.store = held
        before = len(http.calls)
        cog.registration_changed(1, event_id)
        await held.reading.wait()
        cog._on_attendee_role_changed(SimpleNamespace(guild_id=1, event_id=event_id))
        held.go.set()
        await asked(http, lambda calls: calls[before:] == [("give", 1, 555), ("give", 2, 555)])


async def test_every_list_of_events_comes_in_one_order_the_next_first(store):
    """`event_titles` (which a typed title and autocomplete go through) in `event_listings`'s
    order: to come, soonest first; then no date; then over or archived, latest first."""
    now = datetime(2030, 6, 1, tzinfo=UTC)
    far = await event_at(store, now + 60 * 1440 * MIN, slug="far")
    near = await event_at(store, now + 1440 * MIN, slug="near")
    undated = await event_at(store, None, slug="undated")
    long_ago = await event_at(store, now - 90 * 1440 * MIN, slug="long-ago")
    lately = await event_at(store, now - 1440 * MIN, slug="lately")
    shelved = await event_at(store, now + 30 * 1440 * MIN, slug="shelved")
    await store.run(store.events.set_archived, 1, shelved, True)
    listed = (await store.run(store.events.event_listings, 1, past=True, now=now)).shown
    assert [e.id for e in listed] == [near, far, undated, shelved, lately, long_ago]
    titles = (await store.run(store.events.event_titles, 1, None, now)).titles
    assert [e.id for e in titles] == [e.id for e in listed]


async def test_roles_and_events_done_with_leave_nothing_behind_in_memory(store, monkeypatch):
    """A bot runs for months: the lock of a role no call is using, and what it knew of an
    event whose role was cleared, or that was deleted, once its holders have lost the role,
    are not kept. An event still giving out its role is still known."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    cleared, deleted, kept = [await event_at(store, soon, slug=slug)
                              for slug in ("cleared", "deleted", "kept")]
    for user_id, event_id in enumerate((cleared, cleared, deleted, deleted, kept, kept), 1):
        await store.join(1, event_id, user_id, "member")
    async with roles_cog(store, lambda *call: None, monkeypatch) as (cog, http):
        await give_role_555(cog, store, cleared, deleted, kept)
        await store.run(store.reminders.set_attendee_role, 1, cleared, None)
        await role_changed(cog, cleared)
        await store.run(store.events.delete_event, 1, deleted)
        await cog.roles._sync_role(1, deleted)  # the deletion's registration change
        await asked(http, lambda calls: sum(c[0] == "take" for c in calls) == 4)
        await asyncio.sleep(0.05)  # the take-back tasks end
        assert cog.roles.owed_back.tasks == {}
        assert set(cog.roles._guild_of) == {kept}
        assert len(cog.roles._role_locks) == 0
        cog.roles._giving_unfinished.add(kept)  # a pass cut short: a stop still notes it
        assert [row.event_id for row in cog.roles.unsynced()] == [kept]


async def test_a_reminder_held_up_while_its_events_start_was_cleared_says_so(store, caplog):
    """Discord holds the DM channel up while a moderator clears the event's start: no
    reminder goes out, and the log says the event lost its start, not that the reminder
    comes due again at a new time, which there is none of."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [7])
    [due] = await store.run(store.reminders.claim_reminders)
    await store.run(store.events.edit_event, 1, event_id, EventEdit(
        title="Event talk", starts_at=None, ends_at=None, all_day=False, venue=None,
        link=None))
    sent: list[str] = []
    cog = sending_reminders(store, sent)
    with caplog.at_level("INFO", logger="cogs.reminders"):
        await cog._remind(due)
    said = [r.getMessage() for r in caplog.records if r.name == "cogs.reminders"]
    assert sent == [] and len(said) == 1, said
    assert "lost its start" in said[0] and "new time" not in said[0], said


@pytest.mark.parametrize("stopped_at", ["take_role_notices", "get_event"])
async def test_a_stop_while_held_role_notices_are_taken_out_holds_them_again(
        store, monkeypatch, stopped_at):
    """The server a moderators' notice was held for arrives, and the bot stops as the
    notice is taken out of the database (`stopped_at`: the take itself, or the read of
    its event's title after it, before it is posted): it is held again, for the next
    start to post once the server arrives, not lost between the two."""
    from bot.models import RoleNotice
    from cogs.reminders import Reminders

    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1])
    notice = RoleNotice(1, 555, (event_id,), datetime.now(UTC).replace(microsecond=0),
                        giving=True)
    await store.run(store.reminders.hold_role_notice, notice)
    cog = Reminders(a_bot(
        store=store, is_ready=lambda: True, runs_guild=lambda guild_id: True,
        get_guild=in_the_server,
        signals=SimpleNamespace(unsubscribe=lambda kind, handler: None)))
    await cog.roles.notices.load()
    stops: list[asyncio.Future[None]] = []
    run = store.run

    async def run_as_the_stop_comes(fn, *args, **kwargs):
        if getattr(fn, "__name__", "") != stopped_at or stops:
            return await run(fn, *args, **kwargs)
        # the stop (a signal's) comes as the database is asked: what it cancels, it
        # cancels while the call is under way (SQLite's thread goes on with it)
        call = asyncio.ensure_future(run(fn, *args, **kwargs))
        stops.append(asyncio.ensure_future(cog.cog_unload()))
        return await call

    monkeypatch.setattr(store, "run", run_as_the_stop_comes)
    cog.roles.notices.guild_arrived(1)
    for _ in range(1000):  # the release's task reaches the database
        if stops:
            break
        await asyncio.sleep(0.01)
    assert stops, f"{stopped_at} was never asked"
    await asyncio.wait_for(stops[0], 20)
    monkeypatch.setattr(store, "run", run)
    assert await store.run(store.reminders.take_role_notices, 1) == [notice]


async def test_a_stop_right_after_a_refusal_keeps_the_moderators_notice(store):
    """Discord refuses to take an event's role back in a server it has not sent (an
    outage), and the bot stops at that moment: the moderators' notice, whose task the stop
    cancels before it held it in the database, is held by the stop itself, for the next
    start to post once the server arrives; once, as held notices are."""
    from cogs.reminders import Reminders

    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1])
    await store.run(store.reminders.set_attendee_role, 1, event_id, 555)

    async def remove_role(guild_id, user_id, role_id, *, reason=None):
        raise refused()

    cog = Reminders(a_bot(
        store=store, http=SimpleNamespace(remove_role=remove_role), is_ready=lambda: True,
        get_guild=lambda guild_id: SimpleNamespace(id=guild_id, unavailable=True, me=None),
        signals=SimpleNamespace(unsubscribe=lambda kind, handler: None)))
    cog.roles._holders[event_id] = (555, {1, 2})
    notices, stops = cog.roles.notices, []
    tell = notices.refused

    def refused_as_the_stop_comes(*args, **kwargs) -> None:
        # the stop (a signal's) is the loop's next step as the refusal is told
        stops.append(asyncio.ensure_future(cog.cog_unload()))
        tell(*args, **kwargs)

    notices.refused = refused_as_the_stop_comes  # type: ignore[method-assign]
    await cog.roles._sync_role(1, event_id)
    await asyncio.wait_for(stops[0], 20)
    [held] = await store.run(store.reminders.take_role_notices, 1)
    assert (held.role_id, held.events, held.giving, held.deleted) == (
        555, (event_id,), False, False)
    assert await store.run(store.reminders.role_notice_guilds) == []


def a_server_where_the_bot_is_at(position: int, *, manage_roles: bool = True):
    """Server 1 as the gateway shows it (`discord.Guild`'s parts the roles read): role 555
    at position 5, the bot's own role 900 at `position`, with Manage Roles or not."""
    import discord

    attendee = SimpleNamespace(id=555, position=5, permissions=discord.Permissions.none())
    everyone = SimpleNamespace(id=1, position=0, permissions=discord.Permissions.none())
    mine = SimpleNamespace(id=900, position=position,
                           permissions=discord.Permissions(manage_roles=manage_roles))
    return SimpleNamespace(id=1, me=BotMember(id=BOT_MEMBER, roles=[everyone, mine]),
                           get_role={555: attendee, 900: mine, 1: everyone}.get)


BOT_MEMBER = 4242  # the bot's user id in `a_server_where_the_bot_is_at`


def the_bot_as_it_was(roles: list) -> object:
    """The bot's member before a GUILD_MEMBER_UPDATE (as discord.py hands it to
    `on_member_update`), holding `roles`."""
    import discord

    class MemberAsItWas(discord.Member):
        id = BOT_MEMBER  # type: ignore[assignment]
        timed_out_until = None  # type: ignore[assignment]  # (no moderator's timeout)

        def __init__(self) -> None:
            pass

        @property
        def roles(self) -> list:  # type: ignore[override]
            return roles

    return MemberAsItWas()


@contextlib.asynccontextmanager
async def a_grant_to_2_refused(store, monkeypatch):
    """The roles cog, having given 555 to members 1 and 2 and been refused 2's, with its
    pause outlasting the test; Discord allows the grant once `allowed["yet"]` is set."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    allowed = {"yet": False}
    answer = lambda action, user_id, role_id: (  # noqa: E731
        None if allowed["yet"] or user_id != 2 else refused())
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        monkeypatch.setattr(role_tries, "TAKE_BACK_FIRST", 60.0)
        await give_role_555(cog, store, event_id)
        assert http.calls == [("give", 1, 555), ("give", 2, 555)]  # 2 refused
        allowed["yet"] = True
        yield cog, http


@pytest.mark.parametrize("was", [{"position": 3}, {"manage_roles": False}])
async def test_a_refused_grant_is_made_once_the_bots_role_may_give_it(store, monkeypatch, was):
    """Discord refuses to give 555 to member 2 (the bot's role was below it, or without
    Manage Roles); a moderator drags the bot's role above 555, or gives it the permission
    (GUILD_ROLE_UPDATE): the grant is made at once, not after the pause."""
    async with a_grant_to_2_refused(store, monkeypatch) as (cog, http):
        before = a_server_where_the_bot_is_at(**{"position": 6, **was}).get_role(900)
        await cog.on_guild_role_update(before, SimpleNamespace(
            guild=a_server_where_the_bot_is_at(6)))
        await asked(http, lambda calls: calls.count(("give", 2, 555)) == 2, timeout=2.0)


@pytest.mark.parametrize("now", [{"position": 4}, {"position": 6, "manage_roles": False}])
async def test_a_role_change_that_leaves_the_bot_unable_asks_discord_nothing(
        store, monkeypatch, now):
    """After a refused grant, a change that still leaves the bot's role below 555 (or
    without Manage Roles), or one to a role that already could: no call until the pause
    is over (each refusal counts toward Discord's limit of invalid requests)."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    answer = lambda action, user_id, role_id: refused() if user_id == 2 else None  # noqa: E731
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        monkeypatch.setattr(role_tries, "TAKE_BACK_FIRST", 60.0)
        await give_role_555(cog, store, event_id)
        server = a_server_where_the_bot_is_at(**now)
        for before in (a_server_where_the_bot_is_at(3).get_role(900),
                       a_server_where_the_bot_is_at(7).get_role(900)):
            await cog.on_guild_role_update(before, SimpleNamespace(guild=server))
        able = a_server_where_the_bot_is_at(7)  # (and was able before this change too)
        await cog.on_guild_role_update(able.get_role(1), SimpleNamespace(guild=able))
        await asyncio.sleep(0.1)
        assert http.calls == [("give", 1, 555), ("give", 2, 555)]


async def test_a_refused_grant_is_made_once_a_role_given_to_the_bot_lets_it(store, monkeypatch):
    """As above, the moderators giving the bot a role that may (Discord tells the bot by
    GUILD_MEMBER_UPDATE of its own member, which it sends without the members intent):
    the grant is made at once. A member update that changes none of the bot's roles, or
    another member's, asks nothing."""
    async with a_grant_to_2_refused(store, monkeypatch) as (cog, http):
        server = a_server_where_the_bot_is_at(6)
        everyone = server.get_role(1)
        now = SimpleNamespace(guild=server, id=BOT_MEMBER, roles=server.me.roles,
                              timed_out_until=None)
        await cog.on_member_update(the_bot_as_it_was(server.me.roles), now)  # no change
        await cog.on_member_update(the_bot_as_it_was([everyone]),
                                   SimpleNamespace(guild=server, id=7, roles=[everyone]))
        await asyncio.sleep(0.1)
        assert http.calls == [("give", 1, 555), ("give", 2, 555)]
        await cog.on_member_update(the_bot_as_it_was([everyone]), now)  # 900 given
        await asked(http, lambda calls: calls.count(("give", 2, 555)) == 2, timeout=2.0)


async def test_a_refused_take_back_is_made_once_the_bots_role_may_take_it(store, monkeypatch):
    """Member 2 cancels and Discord refuses to take 555 back; the bot's role is dragged
    above it: taken back at once, and 2 owes it no more."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    allowed = {"yet": False}
    answer = lambda action, user_id, role_id: (  # noqa: E731
        refused() if action == "take" and not allowed["yet"] else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        monkeypatch.setattr(role_tries, "TAKE_BACK_FIRST", 60.0)
        await give_role_555(cog, store, event_id)
        await cancel_and_sync(cog, store, event_id, 2)
        assert http.calls[-1] == ("take", 2, 555)  # refused
        allowed["yet"] = True
        await cog.on_guild_role_update(a_server_where_the_bot_is_at(3).get_role(900),
                                       SimpleNamespace(guild=a_server_where_the_bot_is_at(6)))
        await asked(http, lambda calls: calls.count(("take", 2, 555)) == 2, timeout=2.0)
        await asyncio.sleep(0.05)
        assert await owed_rows(store, cog) == []


@pytest.mark.parametrize("change", ["deleted", "role changed"])
async def test_an_earlier_role_nobody_was_given_is_not_owed_back_after_the_change(
        store, monkeypatch, change):
    """Discord refused every grant of 555, so nobody holds it. Deleting the event (or
    changing its role) recorded 555 owed back by every confirmed member, for a crash before
    the take-back; the bot, knowing nobody has it, drops that record, where it stayed for
    the next start to take 555 from members who never had it (and, refused again, to tell
    the moderators so, hourly, for good)."""
    soon = datetime.now(UTC).replace(microsecond=0) + 30 * MIN
    event_id = await event_with_members(store, soon, [1, 2])
    answer = lambda action, user_id, role_id: (  # noqa: E731
        refused() if role_id == 555 else None)
    async with roles_cog(store, answer, monkeypatch) as (cog, http):
        await give_role_555(cog, store, event_id)
        assert http.calls == [("give", 1, 555)]  # refused: nor for the others now
        if change == "deleted":
            await store.run(store.events.delete_event, 1, event_id)
        else:
            await store.run(store.reminders.set_attendee_role, 1, event_id, 666)
        await role_changed(cog, event_id)
        assert await owed_rows(store, cog) == []
        assert [c for c in http.calls if c[0] == "take"] == []



@pytest.mark.parametrize("then", ["next round", "stop"])
async def test_a_reminder_the_database_failed_before_its_dm_is_given_back(store, then):
    """The database fails the reads a reminder makes before its DM (a restart of
    PostgreSQL, a busy SQLite file): nothing went out, so it is given back, by the next
    round (sent then) or by a stop, where it was recorded as sent and lost for good."""
    from bot.errors import DatabaseBusy

    await soon_with_members(store, 3)
    sent: list[str] = []
    cog = sending_reminders(EventReadsFail(store, DatabaseBusy(), times=1), sent)
    await cog.send_due_reminders()
    assert len(sent) == 2  # the first member's read failed
    if then == "stop":
        await asyncio.wait_for(cog.cog_unload(), 10)
        assert [c.user_id for c in await store.run(store.reminders.claim_reminders)] == [1]
        return
    await cog.send_due_reminders()
    assert len(sent) == 3
    assert await store.run(store.reminders.claim_reminders) == []


async def test_reminders_the_database_keeps_failing_are_said_once_not_each_round(
        store, caplog):
    """The reads before two members' reminders keep failing (a damaged page of their
    event, say: the claims still go through): each round gives them back and claims them
    again until the event begins, hours maybe; the log says so once while it lasts, not
    a warning per reminder per round."""
    from bot.errors import DatabaseUnreadable

    await soon_with_members(store, 2)
    cog = sending_reminders(EventReadsFail(store, DatabaseUnreadable()), [])
    caplog.set_level(logging.INFO, logger="cogs.reminders")
    for _ in range(3):
        await cog.send_due_reminders()
    assert len(cog._unread) == 2  # still owed: the next round (or a stop) gives them back
    said = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len(said) == 1 and said[0].levelno == logging.WARNING, [r.getMessage()
                                                                   for r in said]
