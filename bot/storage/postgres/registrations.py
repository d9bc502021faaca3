"""Registrations on PostgreSQL: seats, joins, cancels, the waitlist and capacity, decided
by `bot.registration` and written here, with their notices, in one transaction each.

Locking: every operation that reads an event's seats to change them first locks the
event's row (`SELECT ... FOR UPDATE`). The row holds the counters the rules decide from
(confirmed, waitlisted, next_seq, capacity_noticed_at), so one lock per event serialises
exactly the decisions that must not interleave, across every process, while joins on
other events go on in parallel; under READ COMMITTED each statement after the lock sees
everything the previous holder committed. A batch locks its events in id order, so two
batches never wait on each other in a cycle. An advisory lock would do the same but
guards nothing by itself; the row lock cannot be forgotten by a writer that updates the
counters, since updating the row takes it too.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime

import asyncpg

from bot import registration as rules
from bot.errors import EventNotFound
from bot.models import (
    CapacityPayload,
    ClosedPayload,
    EventSummary,
    Joined,
    MyRsvp,
    MyRsvps,
    NoticeKind,
    OpenedPayload,
    PromotedPayload,
    RemovedPayload,
    Rsvp,
)
from bot.registration import (
    ARCHIVED,
    PAGE_CLOSED,
    Existing,
    JoinOutcome,
    JoinResult,
    Promotions,
    Seats,
    Status,
)
from bot.storage.postgres.outbox import PostgresOutbox
from bot.storage.postgres.session import OVER_AT, Database, Repository, over_at
from bot.storage.sqlite.outbox import encode_payload
from bot.storage.sqlite.registrations import (
    ATTENDEE_ROWS,
    AttendeeRows,
    JoinRequest,
    counter_values,
    counters,
)
from bot.storage.sqlite.session import (
    SUMMARY,
    dt,
    start_moment,
    summary_columns,
    summary_of,
    ts,
    utcnow,
)

SEATS = (f"capacity, confirmed_count, waitlist_count, registration_open, closed_reason,"
         f" {OVER_AT} AS over_at, capacity_noticed_at")


def waitlist_to(event_id: str, seq: str) -> str:
    """SQL counting an event's waitlist up to and with `seq`: the position of the member
    whose RSVP has it, read from the rsvps_queue index only."""
    return (f"(SELECT count(*) FROM rsvps w WHERE w.event_id = {event_id}"
            f" AND w.status = 'waitlisted' AND w.seq <= {seq})")


# A waitlisted RSVP's position, counted in the statement that reads it (READ COMMITTED
# gives each statement its own snapshot: counted apart, a promotion committed in between
# would count the member out of their own waitlist).
POSITION = f"CASE WHEN r.status = 'waitlisted' THEN {waitlist_to('r.event_id', 'r.seq')} END"

# `/rsvp status`'s read (built once: it runs on every status).
MEMBER_RSVP = (f"SELECT {summary_columns('e')}, r.user_id, r.display_name, r.status, r.seq,"
               f" r.joined_at, {POSITION} AS position FROM events e LEFT JOIN rsvps r"
               " ON r.event_id = e.id AND r.user_id = $1 WHERE e.id = $2 AND e.guild_id = $3")


# `sqlite.registrations.ATTENDEES`: in the order of the index (event_id, status, seq).
ATTENDEES = ("SELECT user_id, display_name, status, seq, joined_at FROM rsvps"
             " WHERE event_id = $1 ORDER BY status, seq")


# The waitlist positions of members of one event asking to join again ($1: the event,
# $2: their seqs): ONE index-ordered walk of its waitlist, numbered as it goes, down to
# the deepest of them. Not a count per member, which costs the whole waitlist ahead of
# each while the event is locked: a burst of repeat joins deep in a long waitlist held it
# for seconds, and every other event's joins of the process with it.
WAITLIST_PLACES = (
    "SELECT seq, position FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS position"
    " FROM rsvps WHERE event_id = $1 AND status = 'waitlisted'"
    "  AND seq <= (SELECT max(s) FROM unnest($2::bigint[]) AS s)) AS w"
    " WHERE seq = ANY($2::bigint[])")


class RowHeld(Exception):
    """A join left undecided by `join_batch(skip_held=True)`: another transaction holds
    its event's row."""

    def __init__(self, event_id: int) -> None:
        super().__init__(event_id)
        self.event_id = event_id


class PostgresRegistrations(Repository):
    def __init__(self, db: Database, outbox: PostgresOutbox) -> None:
        super().__init__(db)
        self._outbox = outbox

    async def seats_of(self, conn: asyncpg.Connection, event_id: int, guild_id: int) -> Seats:
        """The event's seats, its row locked until the caller's transaction ends."""
        row = await conn.fetchrow(f"SELECT {SEATS}, archived FROM events WHERE id = $1"
                                  " AND guild_id = $2 FOR UPDATE", event_id, guild_id)
        if row is None:
            raise EventNotFound(event_id)
        return seats_from_row(row)

    async def save_seats(self, conn: asyncpg.Connection, event_id: int, seats: Seats,
                         now: datetime) -> None:
        await conn.execute(
            "UPDATE events SET capacity = $1, confirmed_count = $2, waitlist_count = $3,"
            " registration_open = $4, closed_reason = $5, capacity_noticed_at = $6,"
            " updated_at = $7 WHERE id = $8",
            seats.capacity, seats.confirmed, seats.waitlisted, seats.registration_open,
            seats.closed_reason, ts(seats.capacity_noticed_at), ts(now), event_id)

    async def join_batch(self, batch: Sequence[JoinRequest],
                         conn: asyncpg.Connection | None = None, *,
                         skip_held: bool = False) -> list[Joined | Exception]:
        """Decide (guild, event, user, name) joins in arrival order, in one transaction
        (on `conn`, else a pooled connection) that holds the lock of every event it
        touches (see the module's docstring). Five round trips when nobody is promoted
        and no notice is due: BEGIN, the locks, the stored RSVPs, the writes, COMMIT.

        With `skip_held`, an event whose row another transaction holds is not waited for:
        its joins are left undecided, each result a RowHeld, for the caller to make once
        the row is free; the others do not wait with them."""
        async with self._transaction(conn) as conn:
            # Only the events asked for in their own server are locked and read: a join
            # naming another server's event finds nothing, and touches nothing.
            asked = sorted({(event_id, guild_id) for guild_id, event_id, _, _ in batch})
            rows = await conn.fetch(
                f"SELECT {SUMMARY}, guild_id, next_seq, {SEATS} FROM events"
                " WHERE (id, guild_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))"
                f" ORDER BY id FOR UPDATE{' SKIP LOCKED' if skip_held else ''}",
                *columns(asked, 2))
            held: set[tuple[int, int]] = set()
            if skip_held and len(rows) < len(asked):  # held elsewhere, or no such event
                locked = {r["id"] for r in rows}
                missing = [pair for pair in asked if pair[0] not in locked]
                held = {(r["id"], r["guild_id"]) for r in await conn.fetch(
                    "SELECT id, guild_id FROM events WHERE (id, guild_id) IN"
                    " (SELECT * FROM unnest($1::bigint[], $2::bigint[]))",
                    *columns(missing, 2))}
            # The time is read once the locks are held: joins from other processes are
            # then stamped in the order they were decided, as their positions are.
            now = self._clock()
            events = {r["id"]: (r["guild_id"], seats_from_row(r), [r["next_seq"]]) for r in rows}
            before = {eid: counters(s, seq[0]) for eid, (_, s, seq) in events.items()}
            summaries = {r["id"]: summary_of(r) for r in rows}
            heads = {event_id: await self._waitlist_seqs(conn, event_id, promotable)
                     for event_id, (_, seats, _) in events.items()
                     if (promotable := rules.promotable(seats, now))}
            waitlists = {event_id: list(head) for event_id, head in heads.items()}
            stored = await self._stored_rsvps(conn, [(e, u) for _, e, u, _ in batch])
            # seqs of the members promoted so far in this batch, per event: they have left
            # the waitlist the positions were counted on
            left: dict[int, list[int]] = {}
            decided: dict[tuple[int, int], Existing] = {}  # joins earlier in this batch
            results: list[Joined | Exception] = []
            inserts: list[tuple[int, int, str, str, int, int | None]] = []
            notices: list[tuple[int, int, str, str, int | None]] = []
            for guild_id, event_id, user_id, name in batch:
                if (event_id, guild_id) in held:
                    results.append(RowHeld(event_id))
                    continue
                if event_id not in events or events[event_id][0] != guild_id:
                    results.append(EventNotFound(event_id))
                    continue
                event = summaries[event_id]
                if event.archived:
                    results.append(Joined(event, JoinResult(JoinOutcome.CLOSED, reason=ARCHIVED)))
                    continue
                _, seats, next_seq = events[event_id]
                key = (event_id, user_id)
                mine = decided.get(key)
                if mine is None and key in stored:
                    status, seq, position = stored[key]
                    if position is not None:  # as if counted now: less those promoted since
                        position -= bisect_left(left.get(event_id, ()), seq)
                    mine = Existing(status, position)
                result = rules.join(seats, mine, now, waitlists.get(event_id))
                if result.promoted:  # written now, as they would be in a batch of their own
                    await self.promote_rows(conn, guild_id, event_id, result.promoted, now,
                                            answered=user_id)  # see the SQLite store
                    decided.update(((event_id, promoted), Existing(Status.CONFIRMED))
                                   for promoted in result.promoted)
                    gone = left.setdefault(event_id, [])
                    gone.extend(heads[event_id][promoted] for promoted in result.promoted)
                    gone.sort()
                if result.status is not None and mine is None:
                    inserts.append((event_id, user_id, name, result.status.value, next_seq[0],
                                    ts(now)))
                    decided[key] = Existing(result.status, result.position)
                    next_seq[0] += 1
                if result.filled and rules.announce_fill(seats, now):
                    notices.append((guild_id, event_id, NoticeKind.CAPACITY.value,
                                    encode_payload(CapacityPayload()), ts(now)))
                results.append(Joined(event, result))
            changed = [(eid, *counter_values(after)) for eid, (_, s, seq) in events.items()
                       if (after := counters(s, seq[0])) != before[eid]]
            if inserts or changed:  # the new RSVPs and the changed counters in one statement
                await conn.execute(
                    "WITH inserted AS (INSERT INTO rsvps (event_id, user_id, display_name,"
                    " status, seq, joined_at) SELECT * FROM unnest($1::bigint[], $2::bigint[],"
                    " $3::text[], $4::text[], $5::bigint[], $6::bigint[]))"
                    " UPDATE events e SET confirmed_count = c.confirmed,"
                    " waitlist_count = c.waitlisted, next_seq = c.next_seq,"
                    " capacity_noticed_at = c.noticed_at"
                    " FROM unnest($7::bigint[], $8::int[], $9::int[], $10::bigint[],"
                    " $11::bigint[]) AS c (id, confirmed, waitlisted, next_seq, noticed_at)"
                    " WHERE e.id = c.id", *columns(inserts, 6), *columns(changed, 5))
            await self._outbox.notify_many(conn, notices)
        return results

    async def _stored_rsvps(self, conn: asyncpg.Connection, pairs: list[tuple[int, int]]
                            ) -> dict[tuple[int, int], tuple[Status, int, int | None]]:
        """(status, seq, waitlist position) of the stored RSVPs among (event, user) pairs:
        one statement, and one more per event with members waitlisted among them
        (`WAITLIST_PLACES`), in the batch's transaction, whose lock holds them still."""
        if not pairs:
            return {}
        rows = await conn.fetch(
            "SELECT r.event_id, r.user_id, r.status, r.seq FROM rsvps r"
            " JOIN unnest($1::bigint[], $2::bigint[]) AS p (event_id, user_id)"
            " ON r.event_id = p.event_id AND r.user_id = p.user_id",
            [e for e, _ in pairs], [u for _, u in pairs])
        waiting: dict[int, list[int]] = {}
        for r in rows:
            if r["status"] == Status.WAITLISTED:
                waiting.setdefault(r["event_id"], []).append(r["seq"])
        places = {(event_id, seq): position for event_id, seqs in waiting.items()
                  for seq, position in await conn.fetch(WAITLIST_PLACES, event_id, seqs)}
        return {(r["event_id"], r["user_id"]): (Status(r["status"]), r["seq"],
                                                places.get((r["event_id"], r["seq"])))
                for r in rows}

    async def _waitlist_seqs(self, conn: asyncpg.Connection, event_id: int,
                             count: int) -> dict[int, int]:
        """`waitlist_head` with each member's seq: user_id -> seq, in waitlist order."""
        rows = await conn.fetch(
            "SELECT user_id, seq FROM rsvps WHERE event_id = $1 AND status = 'waitlisted'"
            " ORDER BY seq LIMIT $2", event_id, count)
        return {r["user_id"]: r["seq"] for r in rows}

    async def position(self, conn: asyncpg.Connection, event_id: int, seq: int) -> int:
        """The waitlist position (from 1) of the member whose RSVP has `seq`."""
        return int(await conn.fetchval(f"SELECT {waitlist_to('$1', '$2')}", event_id, seq))

    async def _left_waitlist(self, conn: asyncpg.Connection, event_id: int, count: int) -> None:
        if count:
            await conn.execute("UPDATE events SET waitlist_departures = waitlist_departures"
                               " + $1 WHERE id = $2", count, event_id)

    async def cancel(self, guild_id: int, event_id: int, user_id: int, *,
                     removed: bool = False, quietly: bool = False) -> rules.CancelResult:
        """The member gives up their RSVP; or, `removed`, a moderator takes it from them
        (also once the event has taken place), and unless `quietly` (a moderator's own)
        they get a DM saying so (not once it has taken place: no plans change)."""
        async with self._transaction() as conn:
            seats = await self.seats_of(conn, event_id, guild_id)
            # once the event is ours (a wait for it counts), by the trusted clock: whether
            # it has taken place decides who is told and seated (`Database.trusted`)
            now = self._trusted()
            status = await conn.fetchval(
                "SELECT status FROM rsvps WHERE event_id = $1 AND user_id = $2",
                event_id, user_id)
            mine = None if status is None else Existing(Status(status))
            waitlist = await self.waitlist_head(conn, event_id, 1)
            result = rules.cancel(seats, mine, waitlist, now, removed=removed)
            if mine is not None and result.made:
                await conn.execute("DELETE FROM rsvps WHERE event_id = $1 AND user_id = $2",
                                   event_id, user_id)
                await self._left_waitlist(conn, event_id,
                                          int(mine.status is Status.WAITLISTED))
                if mine.status is Status.CONFIRMED:  # its attendee role, owed back from this
                    # commit on (see the SQLite store's `cancel`)
                    await conn.execute(
                        "INSERT INTO owed_roles (guild_id, event_id, role_id, user_id)"
                        " SELECT guild_id, id, attendee_role_id, $1 FROM events WHERE id = $2"
                        " AND attendee_role_id IS NOT NULL ON CONFLICT DO NOTHING",
                        user_id, event_id)
                if removed and not quietly and not seats.has_taken_place(now):  # else no news
                    await self._outbox.notify(conn, guild_id, event_id, RemovedPayload(user_id),
                                              now)
            await self.record_promotions(conn, guild_id, event_id, seats, result.promotions, now)
        return result

    async def set_capacity(self, guild_id: int, event_id: int, capacity: int) -> Promotions:
        async with self._transaction() as conn:
            seats = await self.seats_of(conn, event_id, guild_id)
            now = self._trusted()  # once the event is ours; see `cancel`
            return await self.change_capacity(conn, event_id, guild_id, seats, capacity, now)

    async def change_capacity(self, conn: asyncpg.Connection, event_id: int, guild_id: int,
                              seats: Seats, capacity: int, now: datetime) -> Promotions:
        waitlist = await self.waitlist_head(conn, event_id, max(capacity - seats.confirmed, 0))
        old_capacity = seats.capacity
        promotions = rules.set_capacity(seats, capacity, waitlist, now)
        # Seats turned up and down faster than the channel is told (a moderator's script):
        # a notice nobody has heard yet and the change undoing it are both dropped, so the
        # outbox holds one such notice of the event at most, and the channel's notices
        # still alternate and end with the event as it is.
        if rules.freed_seats(old_capacity, seats, now):  # and the next fill is news again
            seats.capacity_noticed_at = None
            if not await self._outbox.drop_unsent(conn, event_id, CapacityPayload()):
                await self._outbox.notify(conn, guild_id, event_id, OpenedPayload(by=None), now)
        elif promotions.filled and await self._outbox.drop_unsent(conn, event_id,
                                                               OpenedPayload(by=None)):
            seats.capacity_noticed_at = now  # the channel last heard it was full
            promotions = dataclasses.replace(promotions, filled=False)
        await self.record_promotions(conn, guild_id, event_id, seats, promotions, now)
        return promotions

    async def close_registration(self, guild_id: int, event_id: int, reason: str | None,
                                 by: int | None = None) -> None:
        async with self._transaction() as conn:
            seats = await self.seats_of(conn, event_id, guild_id)
            now = self._clock()  # once the event is ours: a wait for it counts
            rules.close(seats, reason, now)
            await self._save_closed(conn, guild_id, event_id, seats,
                                    ClosedPayload(seats.closed_reason, by), now)

    async def close_for_page(self, conn: asyncpg.Connection, guild_id: int, event_id: int,
                             now: datetime) -> None:
        """`SqliteRegistrations.close_for_page`, in the caller's transaction."""
        seats = await self.seats_of(conn, event_id, guild_id)
        if rules.close_for_page(seats, now):
            await self._save_closed(conn, guild_id, event_id, seats,
                                    ClosedPayload(PAGE_CLOSED, None), now)

    async def _save_closed(self, conn: asyncpg.Connection, guild_id: int, event_id: int,
                           seats: Seats, told: ClosedPayload, now: datetime) -> None:
        await self.save_seats(conn, event_id, seats, now)
        await self._outbox.notify(conn, guild_id, event_id, told, now)

    async def open_registration(self, guild_id: int, event_id: int, by: int | None = None
                                ) -> Promotions:
        async with self._transaction() as conn:
            seats = await self.seats_of(conn, event_id, guild_id)
            now = self._trusted()  # once the event is ours; see `cancel`
            waitlist = await self.waitlist_head(conn, event_id, seats.capacity - seats.confirmed)
            promotions = rules.reopen(seats, waitlist, now)
            await self._outbox.notify(conn, guild_id, event_id, OpenedPayload(by=by), now)
            await self.record_promotions(conn, guild_id, event_id, seats, promotions, now)
        return promotions

    async def fill_free_seats(self, conn: asyncpg.Connection, guild_id: int, event_id: int,
                              now: datetime, seats: Seats | None = None) -> None:
        """Give the waitlist the seats the event has free, after a change that can open an
        event that had taken place again without freeing a seat (a new date, a new zone).
        An archived event's seats stay as they are: it takes no RSVPs until brought back."""
        if seats is None:
            seats = await self.seats_of(conn, event_id, guild_id)
        if promotable := rules.promotable(seats, now):
            waitlist = await self.waitlist_head(conn, event_id, promotable)
            promotions = rules.fill_free_seats(seats, waitlist, now)
            await self.record_promotions(conn, guild_id, event_id, seats, promotions, now)

    async def waitlist_head(self, conn: asyncpg.Connection, event_id: int,
                            count: int) -> list[int]:
        return list(await self._waitlist_seqs(conn, event_id, count)) if count > 0 else []

    async def record_promotions(self, conn: asyncpg.Connection, guild_id: int, event_id: int,
                                seats: Seats, promotions: Promotions, now: datetime) -> None:
        await self.promote_rows(conn, guild_id, event_id, promotions.promoted, now)
        if promotions.filled and rules.announce_fill(seats, now):
            await self._outbox.notify(conn, guild_id, event_id, CapacityPayload(), now)
        await self.save_seats(conn, event_id, seats, now)

    async def promote_rows(self, conn: asyncpg.Connection, guild_id: int, event_id: int,
                           promoted: Sequence[int], now: datetime,
                           answered: int | None = None) -> None:
        """Give the promoted members their seats and queue their DMs, but for the member
        `answered` in person (counts are the caller's)."""
        if not promoted:
            return
        seqs = dict(await conn.fetch(
            "UPDATE rsvps SET status = 'confirmed' WHERE event_id = $1"
            " AND user_id = ANY($2::bigint[]) RETURNING user_id, seq", event_id, list(promoted)))
        await self.rewind_reminders(conn, event_id, promoted)  # the walk may have passed them
        await self._left_waitlist(conn, event_id, len(promoted))
        # one statement for all their DMs, in waitlist order, however many they are
        await self._outbox.notify_all(conn, guild_id, event_id, [
            PromotedPayload(user_id, seqs[user_id]) for user_id in promoted
            if user_id != answered], now)

    async def rewind_reminders(self, conn: asyncpg.Connection, event_id: int,
                               user_ids: Sequence[int]) -> None:
        """`sqlite.registrations.rewind_reminders`, in the transaction of `conn`."""
        if user_ids:
            await conn.execute(
                "UPDATE reminder_cursors SET through_seq = least(through_seq, (SELECT min(seq)"
                " FROM rsvps WHERE event_id = $1 AND user_id = ANY($2::bigint[])) - 1)"
                " WHERE event_id = $1", event_id, list(user_ids))

    async def reschedule_reminders(self, conn: asyncpg.Connection, event_id: int) -> None:
        """`sqlite.registrations.reschedule_reminders`, in the transaction of `conn`."""
        await conn.execute(
            f"UPDATE reminders_sent SET sent_at = least(sent_at, (SELECT {start_moment('e')}"
            " FROM events e WHERE e.id = $1) - minutes * 60) WHERE event_id = $1"
            "  AND (SELECT starts_at FROM events WHERE id = $1) IS NOT NULL", event_id)
        await conn.execute("DELETE FROM reminder_cursors WHERE event_id = $1", event_id)

    async def member_rsvp(self, guild_id: int, event_id: int, user_id: int
                          ) -> tuple[EventSummary, Rsvp | None]:
        """The event's summary and the member's RSVP to it (None: they have none); raises
        EventNotFound outside its guild. One statement, a waitlisted member's position
        included."""
        async with self._transaction() as conn:
            row = await conn.fetchrow(MEMBER_RSVP, user_id, event_id, guild_id)
            if row is None:
                raise EventNotFound(event_id)
            if row["user_id"] is None:
                return summary_of(row), None
            return summary_of(row), await self._rsvp(conn, event_id, row, row["position"])

    async def _rsvp(self, conn: asyncpg.Connection, event_id: int, row: asyncpg.Record,
                    position: int | None = None) -> Rsvp:
        status = Status(row["status"])
        if status is Status.WAITLISTED and position is None:
            position = await self.position(conn, event_id, row["seq"])
        return Rsvp(row["user_id"], row["display_name"], status,
                    position if status is Status.WAITLISTED else None,
                    datetime.fromtimestamp(row["joined_at"], UTC), row["seq"])

    async def attendees_read(self, event_id: int) -> AsyncGenerator[list[Rsvp], None]:
        """Everyone registered (`Store.attendees`), ATTENDEE_ROWS at a time, all as of one
        moment: a cursor in a REPEATABLE READ READ ONLY transaction of a pooled
        connection, which holds up no write, so that only a chunk is held in memory at a
        time. The caller closes it (`aclosing`) when it stops before the end."""
        async with self._transaction(snapshot=True) as conn:
            # deleted since it was named: gone, not an event nobody joined
            if await conn.fetchval("SELECT 1 FROM events WHERE id = $1", event_id) is None:
                raise EventNotFound(event_id)
            cursor = await conn.cursor(ATTENDEES, event_id)
            rows = AttendeeRows()
            while chunk := await cursor.fetch(ATTENDEE_ROWS):
                yield rows.rsvps(chunk)

    async def my_rsvps(self, guild_id: int, user_id: int, now: datetime | None = None,
                       limit: int | None = None) -> MyRsvps:
        """The member's first `limit` RSVPs in the guild (all without one): events to come
        soonest first, then those without a date, then past ones, most recent first; and
        how many they hold. Only the waitlist positions of those returned are counted."""
        async with self._transaction() as conn:
            # The positions are counted in the outer query, over the rows the limit keeps;
            # one statement, so they are as of the RSVPs read.
            rows = await conn.fetch(
                f"SELECT r.*, {POSITION} AS position FROM ("
                "SELECT e.id, e.title, e.starts_at, e.all_day, r.status, r.seq, r.event_id,"
                f" {start_moment('e')} AS start_moment,"
                f" coalesce({over_at('e')} <= $3, false) AS past, count(*) OVER () AS total"
                " FROM rsvps r JOIN events e ON e.id = r.event_id"
                " WHERE e.guild_id = $1 AND r.user_id = $2"
                f" ORDER BY past, e.starts_at IS NULL,"
                f"  CASE WHEN {over_at('e')} <= $3 THEN -{start_moment('e')}"
                f"   ELSE {start_moment('e')} END, e.id LIMIT $4) r"
                " ORDER BY r.past, r.starts_at IS NULL,"
                "  CASE WHEN r.past THEN -r.start_moment ELSE r.start_moment END, r.id",
                guild_id, user_id, ts(now or utcnow()), limit)
            shown = [MyRsvp(r["id"], r["title"], dt(r["starts_at"]), Status(r["status"]),
                            r["position"], r["all_day"], r["past"]) for r in rows]
            return MyRsvps(shown, rows[0]["total"] if rows else 0)

    async def confirmed_ids(self, conn: asyncpg.Connection, event_id: int) -> list[int]:
        rows = await conn.fetch("SELECT user_id FROM rsvps WHERE event_id = $1"
                                " AND status = 'confirmed' ORDER BY seq", event_id)
        return [r["user_id"] for r in rows]


def columns(rows: Sequence[tuple], width: int) -> list[list]:
    """Rows as `width` column lists, for unnest (empty lists when there are no rows)."""
    return [list(column) for column in zip(*rows, strict=True)] or [[] for _ in range(width)]


def seats_from_row(row: asyncpg.Record) -> Seats:
    return Seats(row["capacity"], row["confirmed_count"], row["waitlist_count"],
                 row["registration_open"], row["closed_reason"], dt(row["over_at"]),
                 dt(row["capacity_noticed_at"]), row["archived"])
