"""Whole memberships of events, kept on the event loop while the database stays as they
were read: `/rsvp status` answered without a statement.

On an event of 100,000 members a status asks about a member nobody asked about since the
last commit nearly every time, so the answers kept between commits (the store's
`_answers`) seldom hold one, and each is a statement of 50 to 80 µs between two
interactions (SQLite's code and pages out of the CPU's caches). Once many members of one
event ask between two commits, its membership is read whole on the database thread, in
chunks (other calls go between them), and a status is then a binary search.

What is kept holds while nobody has committed since it was read, as the wal-index header
(`Commits`) tells, or while every commit since is one of this process's that changed no
membership or whose changes were made to it too (`Ledger`): the event loop's joins, whose
new members are added as they commit (and those the database thread commits when the
database was busy for the loop, once the loop learns of them), and the database thread's
calls that write neither RSVPs nor events (members' locales, the notices' claims), which
the bot makes all the time. Members keep joining a busy event while its membership is
read: their joins are set aside and added to what was read (`Memberships.caught_up`), or
no read of it would ever be kept. Every commit takes the header's commit counter one
further, so the commits since a membership was read are known by their counters. A
membership that changes faster than members ask is not worth reading: each load that
served fewer answers than its rows are worth doubles the misses the event needs before the
next, and one that paid brings it back.
"""

from __future__ import annotations

import struct
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.models import EventSummary

# Members kept over all events, at most: 32 bytes each and their name's UTF-8, about 50
# bytes for a name of 16 ASCII letters (20 MB in all), 165 for Discord's longest of
# 4-byte characters (66 MB); those joined since a membership was read cost more (a dict).
KEPT_MEMBERS = 400_000
LOAD_AFTER = 64  # misses of one event between two commits before its membership is read
MOST_LOAD_AFTER = 1 << 16  # what repeated waste raises that to, at most
ROWS_PER_ANSWER = 64  # rows a load reads for what one answer from memory saves
CHUNK = 20_000  # rows read per call on the database thread (about 10 ms there)
ADDED_AT_MOST = 16_384  # members added by joins beside the sorted arrays, before a reload
# Joins set aside while a membership is read, at most: more, and the read is not kept (each
# costs a binary search on the event loop when the read ends)
SET_ASIDE_AT_MOST = 1_024
KEPT_THRESHOLDS = 1_024  # events whose raised threshold is remembered, at most
LEDGER = 1_024  # commits the ledger remembers, the latest
SINCE_AT_MOST = 256  # commits since a membership was read that are looked up, at most

_CHANGES = struct.Struct("=I")  # the header's iChange, at offset 8 (see `Commits`)
_COUNTER = 0xFFFFFFFF  # it wraps


def commit_counter(mark: bytes) -> int:
    """The wal-index header's commit counter (iChange) in a `Commits.mark`."""
    return _CHANGES.unpack_from(mark, 8)[0]


def counter_after(mark: bytes) -> int:
    """The commit counter that a commit made from the header `mark` takes: one further."""
    return (commit_counter(mark) + 1) & _COUNTER


class Ledger:
    """The commits of this process that left the memberships kept as they were, or whose
    changes were made to them as well, by the commit counter each took: one past the
    counter its transaction saw while it held the write lock (`Session.committed`), for
    a transaction that changed rows and surely committed (one that changed none, or
    changed rows only to what they held, commits nothing, and the next counter is
    another's: see `session._its_commit`). Its two connections' threads add to it (a
    set's and a deque's operations are atomic under the GIL); the event loop looks in it."""

    def __init__(self) -> None:
        self._known: set[int] = set()
        self._order: deque[int] = deque()

    def add(self, before: bytes) -> None:
        """A commit made from the header `before` it, which its transaction read."""
        counter = counter_after(before)
        self._known.add(counter)
        self._order.append(counter)
        if len(self._order) > LEDGER:
            self._known.discard(self._order.popleft())

    def covers(self, since: int, now: int, at_most: int | None = None,
               also: Ledger | None = None) -> bool:
        """Whether every commit after the counter `since`, up to `now`, is one of these
        or of `also`'s (more than `at_most` commits, SINCE_AT_MOST unless given, are not
        looked up, so not known)."""
        count = (now - since) & _COUNTER
        known = self._known
        others = also._known if also is not None else frozenset()
        return count <= (SINCE_AT_MOST if at_most is None else at_most) and all(
            (n := (since + k) & _COUNTER) in known or n in others
            for k in range(1, count + 1))


# One member as kept: their seq, negative while waitlisted, when they joined (Unix
# seconds), and their display name.
Member = tuple[int, int, str]


def kept_seq(waitlisted: bool, seq: int) -> int:
    """A member's seq as a membership keeps it (`Member`): negative while waitlisted.
    (`SqliteRegistrations.read_members` writes the same in SQL.)"""
    return -seq if waitlisted else seq


@dataclass(slots=True)
class Membership:
    """One event's members as of the commit counter `counter` (`commit_counter`): user ids
    sorted, with each one's seq (negative: waitlisted), join time and name (UTF-8, one
    run, `ends` marking each)."""

    counter: int
    guild_id: int
    summary: EventSummary
    departures: int  # the event's waitlist_departures: places on the waitlist
    users: array = field(default_factory=lambda: array("q"))
    seqs: array = field(default_factory=lambda: array("q"))
    joined: array = field(default_factory=lambda: array("q"))
    names: bytearray = field(default_factory=bytearray)
    ends: array = field(default_factory=lambda: array("q"))
    added: dict[int, Member] = field(default_factory=dict)  # joined since it was read
    answered: int = 0  # answers it gave

    def __len__(self) -> int:
        return len(self.users) + len(self.added)

    def find(self, user_id: int) -> Member | None:
        """The member, or None: not a member of the event."""
        if (member := self.added.get(user_id)) is not None:
            return member
        at = self.read_at(user_id)
        if at is None:
            return None
        start = self.ends[at - 1] if at else 0
        return (self.seqs[at], self.joined[at],
                self.names[start:self.ends[at]].decode("utf-8", "replace"))

    def read_at(self, user_id: int) -> int | None:
        """Where the member is in the sorted arrays, or None: not among those read."""
        users = self.users
        at = bisect_left(users, user_id)
        return at if at < len(users) and users[at] == user_id else None

    def extend(self, rows: Iterable[tuple[int, int, int, bytes]]) -> None:
        """Add rows of (user id, signed seq, joined at, name as UTF-8), in user id order,
        after those read before."""
        users, seqs, joined, names, ends = (self.users, self.seqs, self.joined, self.names,
                                            self.ends)
        for user_id, seq, joined_at, name in rows:
            users.append(user_id)
            seqs.append(seq)
            joined.append(joined_at)
            names += name
            ends.append(len(names))


def room(membership: Membership) -> int:
    """What a membership counts against KEPT_MEMBERS: its members, those joined since it
    was read too, and at least one (an event of none still costs its arrays)."""
    return max(len(membership), 1)


@dataclass(slots=True)
class Memberships:
    """The memberships kept, and when to read one: see the module."""

    kept: dict[int, Membership] = field(default_factory=dict)  # by event id, oldest first
    ledger: Ledger = field(default_factory=Ledger)
    # The database thread's joins (the database was busy for the event loop's), whose
    # members were added as they were learnt: they leave memberships up to date, not the
    # events the event loop's connection keeps (`ledger` is about those too).
    joined_on_thread: Ledger = field(default_factory=Ledger)
    misses: dict[int, int] = field(default_factory=dict)  # by event id, at `misses_at`
    misses_at: bytes | None = None
    thresholds: dict[int, int] = field(default_factory=dict)  # raised ones, by event id
    loading: int | None = None  # the event whose membership is being read
    # The members this process's joins added to `loading` since its read was asked for, by
    # user id, with the commit counter each join took
    loading_joins: dict[int, tuple[int, Member]] = field(default_factory=dict)
    total: int = 0  # what the memberships kept count against KEPT_MEMBERS (`room`)

    def at(self, event_id: int, mark: bytes) -> Membership | None:
        """The event's membership if it holds at the header `mark`. One that does not
        stays until it is read again, or dropped: the commit that moved the header may be
        one of the database thread's, not yet in the ledger. (A checkpoint that starts the
        log afresh moves the header, not its counter: no commit, nothing changed.)"""
        kept = self.kept.get(event_id)
        if kept is None:
            return None
        counter = commit_counter(mark)
        if kept.counter != counter:
            if not self._all_ours(kept.counter, counter):
                return None
            kept.counter = counter
        kept.answered += 1
        return kept

    def missed(self, event_id: int, mark: bytes) -> bool:
        """A member's RSVP was read from the database at `mark`: whether the event's
        membership should be read now (`loading` is then set to it)."""
        if mark != self.misses_at:
            self.misses.clear()
            self.misses_at = mark
        count = self.misses[event_id] = self.misses.get(event_id, 0) + 1
        if self.loading is not None or count < self.thresholds.get(event_id, LOAD_AFTER):
            return False
        self.loading = event_id
        self.loading_joins = {}
        return True

    def caught_up(self, membership: Membership, counter: int) -> bool:
        """Bring a membership just read, as of its `counter` when its read began, up to
        the commit counter `counter` now: possible when every commit since is in the ledger
        (this process's joins, whose members `joined` set aside meanwhile, and its writes
        of no membership). Its chunks were read at different moments, so a member who joined
        meanwhile may be in them too: kept once. A join committed before its read began (one
        asked for in the same turn as the read, or the database thread's, learnt late) is in
        its chunks if it still holds, and not added: another may have undone it since."""
        since = membership.counter
        if len(self.loading_joins) > SET_ASIDE_AT_MOST:
            return False
        if since != counter and not self._all_ours(since, counter, LEDGER):
            return False
        span = (counter - since) & _COUNTER
        for user_id, (took, member) in self.loading_joins.items():
            if 0 < (took - since) & _COUNTER <= span and membership.read_at(user_id) is None:
                membership.added[user_id] = member
        membership.counter = counter
        return len(membership.added) <= ADDED_AT_MOST

    def loaded(self, event_id: int, membership: Membership | None) -> None:
        """The load of `event_id` ended: `membership` is what it read, None when there is
        nothing to keep (the database changed meanwhile, a read failed or was refused,
        or the event has more members than are kept)."""
        self.loading = None
        self.loading_joins = {}
        self.misses.pop(event_id, None)
        if membership is None:
            self._wasted(event_id)
            return
        self._drop(event_id)
        if room(membership) <= KEPT_MEMBERS:
            self._make_room(room(membership))
            self.kept[event_id] = membership
            self.total += room(membership)

    def joined(self, before: bytes, added: list[tuple[int, int, Member]] | None, *,
               on_thread: bool = False) -> None:
        """This process committed a batch of joins, from the header
        `before` (`Ledger.add`): `added` holds (event id, user id, member) of each RSVP
        it wrote, None when the batch promoted some, which drops what is kept. What holds
        up to the commit is brought past it: hundreds of joins may come between two
        members asking, more than are looked up. `on_thread`: the database thread's
        connection committed them, and the event loop learns of them after the commit
        (until then no membership holds: the commit is in no ledger)."""
        if added is None:
            self.kept.clear()
            self.total = 0
            return
        for event_id, user_id, member in added:
            if event_id == self.loading and len(self.loading_joins) <= SET_ASIDE_AT_MOST:
                self.loading_joins[user_id] = (counter_after(before), member)
            if (kept := self.kept.get(event_id)) is not None:
                size = room(kept)
                kept.added[user_id] = member
                self.total += room(kept) - size
                if len(kept.added) > ADDED_AT_MOST:  # read again, sorted, when asked
                    self._drop(event_id)
        self._make_room(0)
        (self.joined_on_thread if on_thread else self.ledger).add(before)
        counter = commit_counter(before)
        for kept in self.kept.values():
            if kept.counter == counter or self._all_ours(kept.counter, counter):
                kept.counter = counter_after(before)

    def _all_ours(self, since: int, now: int, at_most: int | None = None) -> bool:
        """Whether every commit after the counter `since`, up to `now`, left memberships as
        they were or was made to them too: in either ledger (`Ledger.covers`)."""
        return self.ledger.covers(since, now, at_most, self.joined_on_thread)

    def clear(self) -> None:
        """Forget all: what was read, and what loads cost before."""
        self.kept.clear()
        self.total = 0
        self.misses.clear()
        self.thresholds.clear()

    def _make_room(self, wanted: int) -> None:
        """Drop the memberships kept longest until `wanted` more fit in KEPT_MEMBERS
        with those kept (members joined since they were read count too)."""
        while self.kept and self.total + wanted > KEPT_MEMBERS:
            self._drop(next(iter(self.kept)))

    def _drop(self, event_id: int) -> None:
        kept = self.kept.pop(event_id, None)
        if kept is not None:
            self.total -= room(kept)
        if kept is not None and kept.answered * ROWS_PER_ANSWER < len(kept):
            self._wasted(event_id)
        elif kept is not None:
            self.thresholds.pop(event_id, None)

    def _wasted(self, event_id: int) -> None:
        raised = min(self.thresholds.pop(event_id, LOAD_AFTER) * 2, MOST_LOAD_AFTER)
        if len(self.thresholds) >= KEPT_THRESHOLDS:
            del self.thresholds[next(iter(self.thresholds))]
        self.thresholds[event_id] = raised
