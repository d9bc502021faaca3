"""The reminder walk both backends share: which confirmed members of an event in its
reminder window are due, read in arrival order from where the last walk stopped.

An event's window is open from its first offset's due time to its start. Within it, the
members are read in `seq` order past the event's cursor: the `seq` through which every
confirmed member was already found due (and claimed) or not due, for the latest offset
that has come due. So a scheduler round reads only the members who arrived, or were
promoted, since the last claim, not every confirmed member each time; a promotion moves
the cursor back to the promoted member's place, and a cursor kept for an older due time
(the event moved, or a later offset came due) counts for nothing.

A member promoted inside the window is due at once, as is the DM telling them of their
seat (the outbox's): their reminder, which speaks of that seat, waits for it to go out,
PROMOTION_FIRST at most and never past REMIND_BEFORE_START before the start, and the
cursor stays before them meanwhile. A walk that passed over such a member reads no
further chunk: the members behind many of them wait for those waits, not every claim
for a read of them all.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.models import DueReminder, NoticeKind, PromotedPayload
from bot.shards import Shards
from bot.storage.sqlite.outbox import decode_payload
from bot.times import MAX_REMINDER_MINUTES

# Members read per query of a walk: the walk stops within a chunk once it has enough.
WALK_CHUNK = 500
# Seconds: an event begins at most WINDOW ahead while its reminders come due (the longest
# offset), and `next_due` looks a day further (the scheduler asks again every few minutes
# anyway). Both bound the events a round reads, through the index on when events begin.
WINDOW = MAX_REMINDER_MINUTES * 60
LOOKAHEAD = WINDOW + 86_400
# Seconds a promoted member's reminder waits for the DM telling them of their seat: it
# goes out within seconds unless Discord holds it up, which must not cost them the
# reminder as well (both are due the moment a seat frees inside the window).
PROMOTION_FIRST = 300
REMIND_BEFORE_START = 60  # seconds: a reminder waiting for a promotion's DM goes by then
# The outbox's notices of promotions that may hold a reminder back (`promotions_unsent`):
# (event id, payload, created at), the notices not yet sent, written since a moment, of
# the events whose reminders are due (each backend's placeholders filled in). The oldest
# WALK_CHUNK of them: those of the members promoted first, whom a walk meets first (it
# reads no further chunk once it passed over one), and whose DMs go out first. After a
# mass promotion, a claim reads as many notices as members, not every notice each time.
# Read by the index by event: either planner would otherwise walk every promotion queued
# in the id order asked for (SQLite by the index by kind, PostgreSQL by the primary key),
# past another event's backlog of thousands. So `{outbox}` is, for SQLite, the table
# with that index named, and `{of_events}` is, for PostgreSQL, `= ANY` of an array,
# whose members its statistics estimate (of a set returned by `unnest` it guesses many).
PROMOTIONS_UNSENT = ("SELECT event_id, payload, created_at FROM {outbox}"
                     f" WHERE kind = '{NoticeKind.PROMOTED.value}' AND created_at > {{since}}"
                     f" AND event_id {{of_events}} ORDER BY id LIMIT {WALK_CHUNK}")
# The event `e`'s reminder cursor (`reminder_cursors` as `c`) and the seq of its last
# confirmed member (an index seek on rsvps_queue), read with each offset come due
# (`open_windows`).
CURSOR_AND_LAST = ("c.due_at AS cursor_due, c.through_seq AS cursor_through,"
                   " coalesce((SELECT max(r.seq) FROM rsvps r WHERE r.event_id = e.id"
                   " AND r.status = 'confirmed'), 0) AS last_seq")
# What waits for a promotion's DM: by user id, (until when, the RSVP's seq it is about).
Held = dict[int, tuple[int, int | None]]


def promotions_unsent(rows: Iterable[Any], now: int) -> dict[int, Held]:
    """From rows of `PROMOTIONS_UNSENT` read at `now`: by event, the members told of their
    seat by a DM not yet sent, each with when their reminder stops waiting for it and the
    RSVP the DM is about (None in notices stored without it)."""
    held: dict[int, Held] = {}
    for row in rows:
        until = row["created_at"] + PROMOTION_FIRST
        try:
            payload = decode_payload(NoticeKind.PROMOTED.value, row["payload"])
        except ValueError:  # a notice its deliverer skips holds nobody back
            continue
        if isinstance(payload, PromotedPayload) and until > now:
            members = held.setdefault(row["event_id"], {})
            earlier = members.get(payload.user_id)
            members[payload.user_id] = (max(until, earlier[0]) if earlier else until,
                                        payload.seq)
    return held


def members_by_event(reminders: Iterable[DueReminder]) -> dict[int, list[int]]:
    """The members of `reminders`, by event id (in event id order)."""
    members: dict[int, list[int]] = {}
    for due in sorted(reminders, key=lambda due: (due.event_id, due.user_id)):
        members.setdefault(due.event_id, []).append(due.user_id)
    return members


def sent_rows(reminders: Iterable[DueReminder]) -> list[tuple[int, int, int, int]]:
    """(event id, user id, minutes, claimed at) of each offset `reminders` cover, as their
    claim records them in `reminders_sent`, in that order (the order events are locked in)."""
    return sorted((due.event_id, due.user_id, m, due.claimed_at)
                  for due in reminders for m in due.minutes)


def given_back(reminders: Iterable[DueReminder]
               ) -> list[tuple[tuple[int, int, int, int], int | None]]:
    """What giving back `reminders` undoes of their claim in `reminders_sent`: each row
    (`sent_rows`, in that order) with the time to set it back to, that of the member's
    reminder before the claim, or None to delete it (they had none). A member is due by
    their latest reminder, which is then what it was before the claim. Only rows still
    holding the claim's time are to be touched: a later claim (another process's, after
    the event moved) keeps its own."""
    return sorted(((row, None if due.last_sent < 0 else due.last_sent)
                   for due in reminders for row in sent_rows([due])),
                  key=lambda change: change[0])


def claim_stands(due: DueReminder, rows: Iterable[Any]) -> bool:
    """Whether the claim of `due` stands as it was made, from rows of (begins, minutes,
    sent_at) of its event joined to the member's `reminders_sent` rows (`minutes` None:
    they have none; no rows: the event is gone): the event begins when it did then, and
    each offset it covers is still recorded at the claim's time. A move since, even one
    undone before the reminder goes out, may have made its offsets due again at their
    old times (`reschedule_reminders` counts a reminder as sent no later than its offset
    comes due), and a later claim records its own time: either way the reminder is to be
    given back (`release_reminders`), not sent, so that the member hears once."""
    begins: set[int] = set()
    sent: dict[int, int] = {}
    for row in rows:
        begins.add(row["begins"])
        if row["minutes"] is not None:
            sent[row["minutes"]] = row["sent_at"]
    return (begins == {int(due.starts_at.timestamp())}
            and all(sent.get(m) == due.claimed_at for m in due.minutes))


@dataclass(frozen=True, slots=True)
class ReminderWindow:
    """An event whose reminders have begun to come due, and which has not yet begun."""

    guild_id: int
    event_id: int
    title: str
    starts_at: int
    venue: str | None
    offsets: tuple[tuple[int, int], ...]  # (minutes, due at) of each offset come due
    now: int  # when the window was read: a claim of its reminders records this time
    day: int | None = None  # an all-day event's date, as midnight UTC of it
    cursor: tuple[int, int] | None = None  # the event's, (due at, seq), as stored

    @property
    def latest_due(self) -> int:
        """The due time the cursor is kept for: a member reminded since then is done."""
        return max(due for _, due in self.offsets)

    def due_minutes(self, last_sent: int) -> tuple[int, ...]:
        """The offsets a member last reminded at `last_sent` (-1: never) is due, largest
        first; one message covers them all."""
        return tuple(sorted((minutes for minutes, due in self.offsets if due > last_sent),
                            reverse=True))

    def earliest_missed(self, last_sent: int) -> int:
        return min(due for _, due in self.offsets if due > last_sent)

    def reminder(self, user_id: int, minutes: tuple[int, ...], last_sent: int) -> DueReminder:
        return DueReminder(self.guild_id, self.event_id, self.title,
                           datetime.fromtimestamp(self.starts_at, UTC), self.venue, user_id,
                           minutes, last_sent, self.now,
                           None if self.day is None else datetime.fromtimestamp(self.day, UTC))


def open_windows(offsets_come_due: str) -> str:
    """The query of the windows with members to walk, in the claims' order, from a
    backend's query of the offsets come due of the events not yet begun (one row each,
    with CURSOR_AND_LAST). A window whose cursor is for its latest due time and past its
    last confirmed member has nobody to find: it is left out, so that the events whose
    members were all reminded, hundreds maybe until they begin, cost a claim (one before
    each reminder's DM) nothing each. The offsets' query is planned on its own
    (MATERIALIZED): inside the window function's, SQLite scanned every event, not only
    those beginning within the window (the index on their beginning)."""
    return (f"WITH w AS MATERIALIZED ({offsets_come_due})"
            " SELECT * FROM (SELECT w.*, max(w.due_at) OVER (PARTITION BY w.event_id)"
            " AS latest_due FROM w) v"
            " WHERE v.cursor_due IS NULL OR v.cursor_due <> v.latest_due"
            " OR v.last_seq > v.cursor_through ORDER BY v.starts_at, v.event_id, v.minutes DESC")


def reminder_windows(rows: Iterable[Any], now: int) -> list[ReminderWindow]:
    """Windows from rows of `open_windows` (guild_id, event_id, title, starts_at, venue,
    day, minutes, due_at, cursor_due, cursor_through, ...), one per offset come due,
    ordered by start then event, read at `now`; in the order of the claims (`in_turn`)."""
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row["event_id"], []).append(row)
    windows = []
    for event_id, group in grouped.items():
        first = group[0]
        windows.append(ReminderWindow(first["guild_id"], event_id, first["title"],
                                      first["starts_at"], first["venue"],
                                      tuple((r["minutes"], r["due_at"]) for r in group), now,
                                      first["day"],
                                      None if first["cursor_due"] is None else
                                      (first["cursor_due"], first["cursor_through"])))
    return in_turn(windows)


def on_shards(windows: list[ReminderWindow], shards: Shards | None) -> list[ReminderWindow]:
    """The windows of the guilds on `shards` (all without): a process claims the reminders
    of the guilds it runs, those whose presence it knows (`cogs.reminders`)."""
    return windows if shards is None else [w for w in windows if shards.runs(w.guild_id)]


def in_turn(windows: Sequence[ReminderWindow]) -> list[ReminderWindow]:
    """`windows` (by start, then event) in the order their reminders are claimed: the
    soonest start first, and the servers whose events start at the same moment taking
    turns, one event each (in event order within a server). A server with a hundred
    events starting together does not keep another's members waiting for all of its DMs,
    which Discord's limits spread over many minutes."""
    ordered: list[ReminderWindow] = []
    for _, together in itertools.groupby(windows, key=lambda window: window.starts_at):
        by_server: dict[int, list[ReminderWindow]] = {}
        for window in together:
            by_server.setdefault(window.guild_id, []).append(window)
        ordered += [window for turn in itertools.zip_longest(*by_server.values())
                    for window in turn if window is not None]
    return ordered


@dataclass(slots=True)
class Walk:
    """One walk over a window's members: `take` each chunk read past `after` until
    `done`; `through` is then the window's new cursor."""

    window: ReminderWindow
    start: int  # the cursor it started from
    room: int  # how many due members to take
    after: int = 0  # the seq read through
    # members whose reminder waits for their promotion's DM (`promotions_unsent`):
    # passed over, and the cursor kept before the first of them
    held: Held = field(default_factory=dict)
    # each due member's reminder, with the earliest due time it covers
    found: list[tuple[DueReminder, int]] = field(default_factory=list)
    done: bool = False
    held_from: int | None = None  # the seq of the first member passed over
    held_until: int | None = None  # the earliest end of the waits of those passed over

    @property
    def through(self) -> int:
        """The cursor to store: the seq read through, but not past a member passed over."""
        return self.after if self.held_from is None else min(self.after, self.held_from - 1)

    @property
    def next_at(self) -> int | None:
        """When the window has a reminder to send: the earliest due time of the first due
        member found, or the earliest end of a wait passed over; None: neither."""
        first = self.found[0][1] if self.found else None
        return min((at for at in (first, self.held_until) if at is not None), default=None)

    @property
    def moved(self) -> bool:
        """Whether it read members past the cursor: the cursor is to be stored."""
        return self.through > self.start

    def take(self, rows: Sequence[Any]) -> None:
        """Rows of (user_id, seq, last_sent) with seq > `after`, in seq order, at most
        WALK_CHUNK of them."""
        for row in rows:
            self.after = row["seq"]
            minutes = self.window.due_minutes(row["last_sent"])
            if minutes and (until := self._waits(row)) is not None:
                if self.held_from is None:
                    self.held_from = row["seq"]
                self.held_until = min(until, self.held_until or until)
            elif minutes:
                self.found.append((self.window.reminder(row["user_id"], minutes,
                                                        row["last_sent"]),
                                   self.window.earliest_missed(row["last_sent"])))
                if len(self.found) >= self.room:
                    self.done = True
                    return
        self.done = len(rows) < WALK_CHUNK or self.held_from is not None

    def _waits(self, row: Any) -> int | None:
        """Until when the reminder of the member of a row waits for their promotion's DM:
        one about this RSVP of theirs (not a seat given up and taken anew), no later than
        REMIND_BEFORE_START before the start; None when it does not wait."""
        notice = self.held.get(row["user_id"])
        if notice is None or notice[1] not in (None, row["seq"]):
            return None
        until = min(notice[0], self.window.starts_at - REMIND_BEFORE_START)
        return until if until > self.window.now else None


def start_walk(window: ReminderWindow, room: int, held: Held | None = None) -> Walk:
    """A walk from the window's cursor if it is for the window's latest due time; else from
    the first member. `held`: the window's members whose reminder waits for their
    promotion's DM (`promotions_unsent`)."""
    cursor = window.cursor
    start = cursor[1] if cursor is not None and cursor[0] == window.latest_due else 0
    return Walk(window, start, room, after=start, held=held or {})
