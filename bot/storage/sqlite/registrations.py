"""Registrations: seats, joins, cancels, the waitlist and capacity, decided by
`bot.registration` and written here, with their notices, in one transaction each."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

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
from bot.storage.sqlite.members import Member, Membership, kept_seq
from bot.storage.sqlite.outbox import SqliteOutbox, encode_payload
from bot.storage.sqlite.session import (
    OVER_AT,
    SUMMARY,
    Columns,
    Repository,
    Session,
    TooLongForTheLoop,
    dt,
    over_at,
    start_moment,
    summary_columns,
    summary_of,
    ts,
    utcnow,
)

# A join names (guild_id, event_id, user_id, display name).
JoinRequest = tuple[int, int, int, str]


# `/rsvp status`'s one read (built once: it runs on every status).
MEMBER_RSVP = (f"SELECT {summary_columns('e')}, e.waitlist_departures,"
               " r.user_id, r.display_name, r.status, r.seq, r.joined_at FROM events e"
               " LEFT JOIN rsvps r ON r.event_id = e.id AND r.user_id = ?"
               " WHERE e.id = ? AND e.guild_id = ?")


# An event's RSVPs, confirmed first, then the waitlist, each in arrival order: the order
# of the index (event_id, status, seq), 'confirmed' before 'waitlisted', so the rows come
# as they are fetched, never sorted all at once first.
ATTENDEES = ("SELECT user_id, display_name, status, seq, joined_at FROM rsvps"
             " WHERE event_id = ? ORDER BY status, seq")
ATTENDEE_ROWS = 1000  # RSVPs an export reads and hands on at a time


class AttendeeRows:
    """ATTENDEES' rows as RSVPs, read in order a chunk at a time, each waitlisted
    member's position counted along: the rows ahead of them are all the waitlist ahead."""

    def __init__(self) -> None:
        self.waitlisted = 0

    def rsvps(self, rows: Iterable[Columns]) -> list[Rsvp]:
        result = []
        for row in rows:
            status = Status(row["status"])
            position = None
            if status is Status.WAITLISTED:
                self.waitlisted += 1
                position = self.waitlisted
            result.append(Rsvp(row["user_id"], row["display_name"], status, position,
                               datetime.fromtimestamp(row["joined_at"], UTC), row["seq"]))
        return result


# What a join reads of its events (`JoinTarget`), completed by `(?, ?, ...)`.
JOIN_TARGETS = (f"SELECT {SUMMARY}, guild_id, capacity, confirmed_count, waitlist_count,"
                f" next_seq, registration_open, closed_reason, {OVER_AT} AS over_at,"
                " capacity_noticed_at FROM events WHERE id IN")
PROMOTION_ROWS = 10  # what a promotion costs, in rows read (see `waitlist_head`)
KEPT_TARGETS = 10_000  # events whose join targets one connection keeps at most
# Events whose waitlists one connection keeps in memory to place members (`position`), at
# most: 8 bytes a member waiting, so a few MB for large waitlists. The events of a bot
# that runs for months come and go (deleted on another connection, archived, over), and
# the one kept longest makes room; a waitlist not kept is read again when next needed.
KEPT_WAITLISTS = 1_000


@dataclass(slots=True)
class JoinTarget:
    """An event as a join transaction sees it: the seats and the next arrival number,
    which the joins change, and what the replies show."""

    guild_id: int
    seats: Seats
    next_seq: int
    summary: EventSummary


class SqliteRegistrations(Repository):
    def __init__(self, session: Session, outbox: SqliteOutbox) -> None:
        super().__init__(session)
        self._outbox = outbox
        # Join targets kept between transactions (None: read each time), and the
        # `data_version` they hold for; see `keep_join_targets`.
        self._kept: dict[int, JoinTarget] | None = None
        self._kept_version: int | None = None
        # Whether every commit since this connection's last is one the store accounts for
        # (`SqliteStore._only_ours_since`); None when it cannot tell, and `PRAGMA
        # data_version` says whether another connection has committed.
        self.only_ours_since: Callable[[], bool | None] = lambda: None
        # The RSVPs the last batch of joins wrote, (event id, user id, member), for the
        # memberships kept (`bot.storage.sqlite.members`); None: it failed or promoted.
        self.joins_written: list[tuple[int, int, Member]] | None = None
        # An event's whole membership as the open transaction sees it, when one is kept
        # (the event loop's connection: `SqliteStore._members_now`): who has joined
        # already is looked up there, not in the table.
        self.members_now: Callable[[int], Membership | None] | None = None

    def seats_of(self, event_id: int, guild_id: int) -> Seats:
        row = self._one(
            "SELECT capacity, confirmed_count, waitlist_count, registration_open, closed_reason,"
            f" {OVER_AT} AS over_at, capacity_noticed_at, archived FROM events"
            " WHERE id = ? AND guild_id = ?",
            (event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return seats_from_row(row)

    def save_seats(self, event_id: int, seats: Seats, now: datetime) -> None:
        self._conn.execute(
            "UPDATE events SET capacity = ?, confirmed_count = ?, waitlist_count = ?,"
            " registration_open = ?, closed_reason = ?, capacity_noticed_at = ?, updated_at = ?"
            " WHERE id = ?",
            (seats.capacity, seats.confirmed, seats.waitlisted, int(seats.registration_open),
             seats.closed_reason, ts(seats.capacity_noticed_at), ts(now), event_id))

    def join_batch(self, batch: Sequence[tuple[int, int, int, str]]
                   ) -> list[Joined | Exception]:
        """Decide (guild, event, user, name) joins in arrival order, in one transaction;
        each with the event's summary as that transaction read it.

        The waitlist is read only for an event with free seats and members waiting, a
        state the other operations do not leave behind, so a join costs no extra query.
        An event is written only when its counters changed, and never for a join that
        names another server's event.
        """
        self.joins_written = None
        try:
            with self._transaction():
                # read once the database is ours: a batch that waited for the lock on the
                # thread is decided, and stamped, at the time it was decided
                return self._decide_joins(batch, self._clock())
        except BaseException:  # what the failed transaction did to them is void
            self.joins_written = None
            if self._kept is not None:
                self._kept.clear()
            raise

    def forget(self) -> None:
        """Drop the join targets kept (`keep_join_targets`): read from the file next."""
        if self._kept is not None:
            self._kept.clear()

    def keep_join_targets(self) -> None:
        """Keep what joins read of their events from one transaction to the next, for a
        connection that writes nothing but joins (the event loop's): its own commits are
        applied to what is kept, and a commit by any other connection drops it all, but
        one the store accounts for (`only_ours_since`: one that writes no event)."""
        self._kept = {}

    def _join_targets(self, batch: Sequence[tuple[int, int, int, str]]
                      ) -> dict[int, JoinTarget]:
        """The events the batch names, each in the server that names it, as this
        transaction sees them: kept ones while no other connection has committed (none
        but the store's own writes of no event)."""
        kept = self._kept
        if kept is not None:
            unchanged = self.only_ours_since()
            if unchanged is None:
                version = self._session.plain.execute("PRAGMA data_version").fetchone()[0]
                unchanged = version == self._kept_version
                self._kept_version = version
            if not unchanged or len(kept) > KEPT_TARGETS:
                kept.clear()
        # one pass, plain loops: a batch is most often one join of a kept event
        named: dict[int, JoinTarget] = {}
        missing: dict[int, None] = {}  # in the batch's order
        for guild_id, event_id, _, _ in batch:
            target = None if kept is None else kept.get(event_id)
            if target is None:
                missing[event_id] = None
            elif target.guild_id == guild_id:
                named[event_id] = target
        if missing:
            read: dict[int, JoinTarget] = {}
            for row in self._all(f"{JOIN_TARGETS} ({','.join('?' * len(missing))})",
                                 sorted(missing)):
                read[row["id"]] = JoinTarget(row["guild_id"], seats_from_row(row),
                                             row["next_seq"], summary_of(row))
            if kept is not None:
                kept.update(read)
            for guild_id, event_id, _, _ in batch:
                target = read.get(event_id)
                if target is not None and target.guild_id == guild_id:
                    named[event_id] = target
        return named

    def _decide_joins(self, batch: Sequence[tuple[int, int, int, str]], now: datetime
                      ) -> list[Joined | Exception]:
        events = self._join_targets(batch)
        before = {eid: counters(t.seats, t.next_seq) for eid, t in events.items()}
        waitlists = {event_id: self.waitlist_head(event_id, promotable)
                     for event_id, target in events.items()
                     if (promotable := rules.promotable(target.seats, now))}
        stamp = int(now.timestamp())
        decided: dict[tuple[int, int], Existing] = {}  # joins earlier in this batch
        results: list[Joined | Exception] = []
        inserts = []
        notices = []
        promoted = False
        for guild_id, event_id, user_id, name in batch:
            target = events.get(event_id)
            if target is None or target.guild_id != guild_id:
                results.append(EventNotFound(event_id))
                continue
            event, seats = target.summary, target.seats
            if event.archived:
                results.append(Joined(event, JoinResult(JoinOutcome.CLOSED, reason=ARCHIVED)))
                continue
            key = (event_id, user_id)
            mine = decided.get(key)
            if mine is None:  # the batch wrote no RSVP of theirs: what is stored holds
                mine = self._stored_rsvp(event_id, user_id, from_memory=not promoted)
            result = rules.join(seats, mine, now, waitlists.get(event_id))
            status = result.status  # a property: read once
            if result.promoted:  # written now, so positions read later in the batch see it
                promoted = True
                # a member promoted by their own join hears it in the reply, not by DM too
                self.promote_rows(guild_id, event_id, result.promoted, now, answered=user_id)
                decided.update(((event_id, promoted), Existing(Status.CONFIRMED))
                               for promoted in result.promoted)
            if status is not None and mine is None:
                inserts.append((event_id, user_id, name, status.value, target.next_seq, stamp))
                decided[key] = Existing(status, result.position)
                target.next_seq += 1
            if result.filled and rules.announce_fill(seats, now):
                notices.append((guild_id, event_id, NoticeKind.CAPACITY.value,
                                encode_payload(CapacityPayload()), stamp))
            results.append(Joined(event, result))
        plain = self._session.plain  # statements of every join: see `Session.plain`
        write_rows(plain, "INSERT INTO rsvps (event_id, user_id, display_name, status, seq,"
                   " joined_at) VALUES (?, ?, ?, ?, ?, ?)", inserts)
        write_rows(plain, "UPDATE events SET confirmed_count = ?, waitlist_count = ?, next_seq = ?,"
                   " capacity_noticed_at = ? WHERE id = ?",
                   [(*counter_values(after), eid) for eid, t in events.items()
                    if (after := counters(t.seats, t.next_seq)) != before[eid]])
        if notices:
            write_rows(plain, "INSERT INTO outbox (guild_id, event_id, kind, payload, created_at)"
                       " VALUES (?, ?, ?, ?, ?)", notices)
            self._session.notices_written += len(notices)
        self.joins_written = None if promoted else [
            (event_id, user_id, (kept_seq(status == Status.WAITLISTED, seq), joined_at, name))
            for event_id, user_id, name, status, seq, joined_at in inserts]
        return results

    def _stored_rsvp(self, event_id: int, user_id: int, *, from_memory: bool
                     ) -> Existing | None:
        """The member's RSVP to the event as stored, with their waitlist position: from
        the event's membership in memory when one is kept as the transaction sees it and
        `from_memory` (nothing this transaction wrote has moved the waitlist), else one
        primary-key lookup (a row-value `IN (VALUES ...)` for a whole batch makes SQLite
        scan the whole table)."""
        members = self.members_now(event_id) if from_memory and self.members_now else None
        if members is not None:
            member = members.find(user_id)
            return None if member is None else Existing(
                *self._kept_place(event_id, member[0], members.departures))
        row = self._session.plain.execute(
            "SELECT status, seq FROM rsvps WHERE event_id = ? AND user_id = ?",
            (event_id, user_id)).fetchone()
        if row is None:
            return None
        status = Status(row[0])
        return Existing(status, self.position(event_id, row[1])
                        if status is Status.WAITLISTED else None)

    def position(self, event_id: int, seq: int, departures: int | None = None) -> int:
        """The waitlist position (from 1) of the member whose RSVP has `seq`; `departures`
        is the event's `waitlist_departures` when the caller read it with the RSVP.

        Counting the waitlist ahead costs time in proportion to the position, so each
        event's waitlisted seqs are kept in order in memory. Joins only append to a
        waitlist; the cache is rebuilt when `waitlist_departures` shows that someone
        left it (in any process), and otherwise only extended with newer seqs.
        """
        if departures is None:
            departures = self._row("SELECT waitlist_departures FROM events WHERE id = ?",
                                   (event_id,))[0]
        if not self._position_kept(event_id, seq, departures):
            self._read_waitlist(event_id, seq, departures)
        return bisect_right(self._session.waitlists[event_id][1], seq)

    def _position_kept(self, event_id: int, seq: int, departures: int) -> bool:
        """Whether the waitlist kept in memory places `seq` without reading the database."""
        cached = self._session.waitlists.get(event_id)
        return cached is not None and cached[0] == departures and bool(cached[1]) and (
            seq <= cached[1][-1])

    def _read_waitlist(self, event_id: int, seq: int, departures: int) -> None:
        """Read the waitlist kept in memory up to `seq`: anew when someone left it since it
        was read, else only the seqs newer than it holds."""
        waitlists = self._session.waitlists
        cached = waitlists.get(event_id)
        if cached is None or cached[0] != departures:
            if cached is None and len(waitlists) >= KEPT_WAITLISTS:
                del waitlists[next(iter(waitlists))]  # the one kept longest
            cached = waitlists[event_id] = (departures, array("q"))
        seqs = cached[1]
        left = self._session.rows_left
        before = len(seqs)
        seqs.extend(row[0] for row in self._conn.execute(
            "SELECT seq FROM rsvps WHERE event_id = ? AND status = 'waitlisted' AND seq > ?"
            " ORDER BY seq LIMIT ?", (event_id, seqs[-1] if seqs else 0,
                                     -1 if left is None else left)))
        if left is not None:  # what was fetched stays for the next try
            fetched = len(seqs) - before
            self._session.spend_rows(fetched)
            if fetched == left and (not seqs or seq > seqs[-1]):
                raise TooLongForTheLoop(f"the waitlist of event {event_id} is still loading")

    def _left_waitlist(self, event_id: int, count: int) -> None:
        if count:
            self._conn.execute("UPDATE events SET waitlist_departures = waitlist_departures + ?"
                               " WHERE id = ?", (count, event_id))
            self._session.departed.add(event_id)

    def cancel(self, guild_id: int, event_id: int, user_id: int, *,
               removed: bool = False, quietly: bool = False) -> rules.CancelResult:
        """The member gives up their RSVP; or, `removed`, a moderator takes it from them
        (also once the event has taken place), and unless `quietly` (a moderator's own)
        they get a DM saying so (not once it has taken place: no plans change)."""
        with self._transaction() as db:
            now = self._trusted()  # whether it has taken place decides who is told and seated
            seats = self.seats_of(event_id, guild_id)
            row = self._one(
                "SELECT status FROM rsvps WHERE event_id = ? AND user_id = ?", (event_id, user_id))
            mine = None if row is None else Existing(Status(row["status"]))
            waitlist = self.waitlist_head(event_id, 1)
            result = rules.cancel(seats, mine, waitlist, now, removed=removed)
            if mine is not None and result.made:
                db.execute("DELETE FROM rsvps WHERE event_id = ? AND user_id = ?",
                           (event_id, user_id))
                self._left_waitlist(event_id, int(mine.status is Status.WAITLISTED))
                if mine.status is Status.CONFIRMED:  # the event's attendee role, owed back
                    # from this commit on: a crash before Discord took it (or before the
                    # adapter's record) leaves it owed, where the next start counts only
                    # confirmed members as holding it and would never take it back
                    db.execute("INSERT OR IGNORE INTO owed_roles (guild_id, event_id, role_id,"
                               " user_id) SELECT guild_id, id, attendee_role_id, ? FROM events"
                               " WHERE id = ? AND attendee_role_id IS NOT NULL",
                               (user_id, event_id))
                if removed and not quietly and not seats.has_taken_place(now):  # else no news
                    self._outbox.notify(guild_id, event_id, RemovedPayload(user_id), now)
            self.record_promotions(guild_id, event_id, seats, result.promotions, now)
        return result

    def set_capacity(self, guild_id: int, event_id: int, capacity: int) -> Promotions:
        with self._transaction():
            now = self._trusted()  # whether it has taken place decides who is seated
            seats = self.seats_of(event_id, guild_id)
            return self.change_capacity(event_id, guild_id, seats, capacity, now)

    def change_capacity(self, event_id: int, guild_id: int, seats: Seats, capacity: int,
                         now: datetime) -> Promotions:
        waitlist = self.waitlist_head(event_id, max(capacity - seats.confirmed, 0))
        old_capacity = seats.capacity
        promotions = rules.set_capacity(seats, capacity, waitlist, now)
        # Seats turned up and down faster than the channel is told (a moderator's script):
        # a notice nobody has heard yet and the change undoing it are both dropped, so the
        # outbox holds one such notice of the event at most, and the channel's notices
        # still alternate and end with the event as it is.
        if rules.freed_seats(old_capacity, seats, now):  # and the next fill is news again
            seats.capacity_noticed_at = None
            if not self._outbox.drop_unsent(event_id, CapacityPayload()):
                self._outbox.notify(guild_id, event_id, OpenedPayload(by=None), now)
        elif promotions.filled and self._outbox.drop_unsent(event_id,
                                                               OpenedPayload(by=None)):
            seats.capacity_noticed_at = now  # the channel last heard it was full
            promotions = dataclasses.replace(promotions, filled=False)
        self.record_promotions(guild_id, event_id, seats, promotions, now)
        return promotions

    def close_registration(self, guild_id: int, event_id: int, reason: str | None,
                           by: int | None = None) -> None:
        with self._transaction():
            now = self._clock()
            seats = self.seats_of(event_id, guild_id)
            rules.close(seats, reason, now)
            self._save_closed(guild_id, event_id, seats,
                              ClosedPayload(seats.closed_reason, by), now)

    def close_for_page(self, guild_id: int, event_id: int, now: datetime) -> None:
        """Inside the caller's transaction: an imported page says registration has closed
        (`rules.close_for_page`)."""
        seats = self.seats_of(event_id, guild_id)
        if rules.close_for_page(seats, now):
            self._save_closed(guild_id, event_id, seats, ClosedPayload(PAGE_CLOSED, None), now)

    def _save_closed(self, guild_id: int, event_id: int, seats: Seats, told: ClosedPayload,
                     now: datetime) -> None:
        self.save_seats(event_id, seats, now)
        self._outbox.notify(guild_id, event_id, told, now)

    def open_registration(self, guild_id: int, event_id: int, by: int | None = None
                          ) -> Promotions:
        with self._transaction():
            now = self._trusted()  # whether it has taken place decides who is seated
            seats = self.seats_of(event_id, guild_id)
            waitlist = self.waitlist_head(event_id, seats.capacity - seats.confirmed)
            promotions = rules.reopen(seats, waitlist, now)
            self._outbox.notify(guild_id, event_id, OpenedPayload(by=by), now)
            self.record_promotions(guild_id, event_id, seats, promotions, now)
        return promotions

    def fill_free_seats(self, guild_id: int, event_id: int, now: datetime,
                        seats: Seats | None = None) -> None:
        """Give the waitlist the seats the event has free, after a change that can open an
        event that had taken place again without freeing a seat (a new date, a new zone).
        An archived event's seats stay as they are: it takes no RSVPs until brought back."""
        seats = seats if seats is not None else self.seats_of(event_id, guild_id)
        if promotable := rules.promotable(seats, now):
            waitlist = self.waitlist_head(event_id, promotable)
            promotions = rules.fill_free_seats(seats, waitlist, now)
            self.record_promotions(guild_id, event_id, seats, promotions, now)

    def waitlist_head(self, event_id: int, count: int) -> list[int]:
        if count <= 0:
            return []
        # A promotion writes the member's RSVP and a notice: about ten rows read, to the
        # event loop's budget, so a long one goes to the database thread.
        self._session.spend_rows(count * PROMOTION_ROWS)
        rows = self._all(
            "SELECT user_id FROM rsvps WHERE event_id = ? AND status = 'waitlisted'"
            " ORDER BY seq LIMIT ?", (event_id, count))
        return [r["user_id"] for r in rows]

    def record_promotions(self, guild_id: int, event_id: int, seats: Seats,
                           promotions: Promotions, now: datetime) -> None:
        self.promote_rows(guild_id, event_id, promotions.promoted, now)
        if promotions.filled and rules.announce_fill(seats, now):
            self._outbox.notify(guild_id, event_id, CapacityPayload(), now)
        self.save_seats(event_id, seats, now)

    def promote_rows(self, guild_id: int, event_id: int, promoted: Sequence[int],
                     now: datetime, answered: int | None = None) -> None:
        """Give the promoted members their seats and queue their DMs, but for the member
        `answered` in person (counts are the caller's)."""
        self._conn.executemany(
            "UPDATE rsvps SET status = 'confirmed' WHERE event_id = ? AND user_id = ?",
            [(event_id, user_id) for user_id in promoted])
        self.rewind_reminders(event_id, promoted)  # the walk may have passed them waiting
        self._left_waitlist(event_id, len(promoted))
        told = [user_id for user_id in promoted if user_id != answered]
        if told:
            seqs = dict(self._conn.execute(
                "SELECT user_id, seq FROM rsvps WHERE event_id = ? AND user_id IN"
                " (SELECT value FROM json_each(?))", (event_id, json.dumps(told))).fetchall())
            for user_id in told:
                self._outbox.notify(guild_id, event_id,
                                    PromotedPayload(user_id, seqs[user_id]), now)

    def rewind_reminders(self, event_id: int, user_ids: Sequence[int]) -> None:
        """Move the event's reminder walk (`bot.storage.reminder_walk`) back to before
        these members, in the caller's transaction: the next claim reads them again."""
        if user_ids:
            self._conn.execute(
                "UPDATE reminder_cursors SET through_seq = min(through_seq, coalesce((SELECT"
                " min(seq) FROM rsvps WHERE event_id = ?1 AND user_id IN (SELECT value FROM"
                " json_each(?2))) - 1, through_seq)) WHERE event_id = ?1",
                (event_id, json.dumps(user_ids)))

    def reschedule_reminders(self, event_id: int) -> None:
        """The event's start moved, in the caller's transaction: each reminder sent counts
        as sent no later than its offset comes due at the new start. Reminded a day ahead
        and then moved to half an hour away, a member is still due the hour-before one
        (their day-ahead reminder, sent after it came due, would have covered it); moved
        later, every offset comes due again at its new time. The walk reads everyone again."""
        self._conn.execute(
            f"UPDATE reminders_sent SET sent_at = min(sent_at, (SELECT {start_moment('e')}"
            " FROM events e WHERE e.id = ?1) - minutes * 60) WHERE event_id = ?1"
            "  AND (SELECT starts_at FROM events WHERE id = ?1) IS NOT NULL", (event_id,))
        self._conn.execute("DELETE FROM reminder_cursors WHERE event_id = ?", (event_id,))

    def member_rsvp(self, guild_id: int, event_id: int, user_id: int
                    ) -> tuple[EventSummary, Rsvp | None]:
        """The event's summary and the member's RSVP to it (None: they have none), in one
        read; raises EventNotFound outside its guild. A waitlisted member whose position
        needs the waitlist read is read again with it in one snapshot: read apart, a
        promotion committed in between would count them out of their own waitlist."""
        row = self._member_row(guild_id, event_id, user_id)
        if row["status"] == Status.WAITLISTED and not self._position_kept(
                event_id, row["seq"], row["waitlist_departures"]):
            with self._session.snapshot():
                return self._member_answer(event_id,
                                           self._member_row(guild_id, event_id, user_id))
        return self._member_answer(event_id, row)

    def membership_head(self, guild_id: int, event_id: int) -> tuple[EventSummary, int, int]:
        """What a membership read whole starts from (`bot.storage.sqlite.members`): the
        event's summary, its waitlist_departures and how many members it has; raises
        EventNotFound outside its guild."""
        row = self._one(f"SELECT {SUMMARY}, waitlist_departures, confirmed_count"
                        " + waitlist_count AS members FROM events WHERE id = ? AND guild_id = ?",
                        (event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return summary_of(row), row["waitlist_departures"], row["members"]

    def read_members(self, membership: Membership, event_id: int, count: int) -> bool:
        """Read up to `count` more members of the event into `membership`, in user id
        order after the last it holds: whether there may be more."""
        after = membership.users[-1] if membership.users else -1 << 63
        before = len(membership.users)
        membership.extend(self._session.plain.execute(  # (each seq as `kept_seq` keeps it)
            "SELECT user_id, CASE status WHEN 'waitlisted' THEN -seq ELSE seq END, joined_at,"
            " CAST(display_name AS BLOB) FROM rsvps WHERE event_id = ? AND user_id > ?"
            " ORDER BY user_id LIMIT ?", (event_id, after, count)))
        return len(membership.users) - before == count

    def kept_rsvp(self, event_id: int, user_id: int, member: Member, departures: int
                  ) -> Rsvp:
        """The member's RSVP from a membership kept in memory (`members.Member`)."""
        seq, joined_at, name = member
        return Rsvp(user_id, name, *self._kept_place(event_id, seq, departures),
                    datetime.fromtimestamp(joined_at, UTC), abs(seq))

    def _kept_place(self, event_id: int, seq: int, departures: int
                    ) -> tuple[Status, int | None]:
        """A member's status and waitlist position from their seq as a membership keeps
        it (`members.kept_seq`: negative while waitlisted)."""
        if seq < 0:
            return Status.WAITLISTED, self.position(event_id, -seq, departures)
        return Status.CONFIRMED, None

    def _member_row(self, guild_id: int, event_id: int, user_id: int) -> sqlite3.Row:
        row = self._one(MEMBER_RSVP, (user_id, event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return row

    def _member_answer(self, event_id: int, row: sqlite3.Row
                       ) -> tuple[EventSummary, Rsvp | None]:
        if row["user_id"] is None:
            return summary_of(row), None
        position = (self.position(event_id, row["seq"], row["waitlist_departures"])
                    if row["status"] == Status.WAITLISTED else None)
        return summary_of(row), self._rsvp(event_id, row, position)

    def _rsvp(self, event_id: int, row: sqlite3.Row, position: int | None = None) -> Rsvp:
        status = Status(row["status"])
        if status is Status.WAITLISTED and position is None:
            position = self.position(event_id, row["seq"])
        return Rsvp(row["user_id"], row["display_name"], status,
                    position if status is Status.WAITLISTED else None,
                    datetime.fromtimestamp(row["joined_at"], UTC), row["seq"])

    def my_rsvps(self, guild_id: int, user_id: int, now: datetime | None = None,
                 limit: int | None = None) -> MyRsvps:
        """The member's first `limit` RSVPs in the guild (all without one): events to come
        soonest first, then those without a date, then past ones, most recent first; and
        how many they hold. Only the waitlist positions of those returned are counted."""
        with self._session.snapshot():  # positions as of the RSVPs read
            rows = self._all(
                "SELECT e.id, e.title, e.starts_at, e.all_day, e.waitlist_departures,"
                f" r.status, r.seq, coalesce({over_at('e')} <= :now, 0) AS past,"
                " count(*) OVER () AS total FROM rsvps r"
                " JOIN events e ON e.id = r.event_id"
                " WHERE e.guild_id = :guild AND r.user_id = :user"
                f" ORDER BY past, e.starts_at IS NULL,"
                f"  CASE WHEN past THEN -{start_moment('e')} ELSE {start_moment('e')} END, e.id"
                " LIMIT :limit",
                {"guild": guild_id, "user": user_id, "now": ts(now or utcnow()),
                 "limit": -1 if limit is None else limit})
            shown = [MyRsvp(r["id"], r["title"], dt(r["starts_at"]), Status(r["status"]),
                            self.position(r["id"], r["seq"], r["waitlist_departures"])
                            if r["status"] == "waitlisted" else None,
                            bool(r["all_day"]), bool(r["past"])) for r in rows]
            return MyRsvps(shown, rows[0]["total"] if rows else 0)

    def confirmed_ids(self, event_id: int) -> list[int]:
        rows = self._all("SELECT user_id FROM rsvps WHERE event_id = ? AND status = 'confirmed'"
                         " ORDER BY seq", (event_id,))
        return [r["user_id"] for r in rows]


def write_rows(db: sqlite3.Cursor, sql: str, rows: list[tuple]) -> None:
    """`executemany`, but a single row by `execute`: one join at a time is the usual case,
    and `executemany` costs it close to a microsecond more."""
    if len(rows) == 1:
        db.execute(sql, rows[0])
    elif rows:
        db.executemany(sql, rows)


Counters = tuple[int, int, int, datetime | None]


def counters(seats: Seats, next_seq: int) -> Counters:
    """What a join batch may change of an event's row, to compare (the time unconverted:
    most joins change none of it)."""
    return seats.confirmed, seats.waitlisted, next_seq, seats.capacity_noticed_at


def counter_values(counts: Counters) -> tuple[int, int, int, int | None]:
    """`counters` as the columns store them."""
    confirmed, waitlisted, next_seq, noticed = counts
    return confirmed, waitlisted, next_seq, ts(noticed)


def seats_from_row(row: sqlite3.Row) -> Seats:
    return Seats(row["capacity"], row["confirmed_count"], row["waitlist_count"],
                 bool(row["registration_open"]), row["closed_reason"], dt(row["over_at"]),
                 dt(row["capacity_noticed_at"]), bool(row["archived"]))
