"""Seat registration against a reference model, on both backends: hypothesis drives the
store's public API through joins (one at a time, in concurrent bursts, and on two
processes at once), cancels, capacity changes (`/manage capacity`, and an import with a
capacity), closing and reopening, the event taking place and being moved later, and after
every step checks what the store says and stores against the rules as `bot.registration`
documents them: each member's status and waitlist position, the seat counts and the
counters kept on the event, the promotions in waitlist order with their DMs, and the
capacity notice posted only when the event fills (once per fill, with
`CAPACITY_NOTICE_COOLDOWN` against cancel-and-join churn). MODEL_EXAMPLES sets the
number of examples for a longer run."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bot.errors import Conflict, InvalidValue
from bot.models import (
    CapacityPayload,
    ClosedPayload,
    EventDraft,
    EventEdit,
    Joined,
    OpenedPayload,
    PromotedPayload,
    RemovedPayload,
)
from bot.registration import (
    CAPACITY_NOTICE_COOLDOWN,
    MAX_CAPACITY,
    CancelOutcome,
    JoinOutcome,
    Status,
)
from bot.storage import Store, open_store, utcnow
from tests.conftest import attendees_of, execute_sql, make_page, postgres_database

MEMBERS = st.sampled_from(range(1, 5))
PROCESS = st.sampled_from([0, 1])  # which of the two stores a step goes through


class Clock:
    """The store's "now", moved by the machine."""

    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Model:
    """The registration rules as the README and `bot.registration` state them."""

    capacity: int
    start: datetime
    open: bool = True
    confirmed: set[int] = field(default_factory=set)
    waitlist: list[int] = field(default_factory=list)  # arrival order
    closed_reason: str | None = None
    noticed_at: datetime | None = None  # the last capacity notice, while it counts
    next_seq: int = 1
    seqs: dict[int, int] = field(default_factory=dict)  # each RSVP's arrival number

    def arrive(self, user: int) -> None:
        self.seqs[user] = self.next_seq
        self.next_seq += 1

    def over(self, now: datetime) -> bool:
        return now >= self.start

    @property
    def full(self) -> bool:
        return self.open and len(self.confirmed) >= self.capacity

    def promote(self, now: datetime) -> list[int]:
        """Free seats go to the head of the waitlist, while registration is open and the
        event has not taken place."""
        if not self.open or self.over(now):
            return []
        count = max(min(self.capacity - len(self.confirmed), len(self.waitlist)), 0)
        promoted, self.waitlist = self.waitlist[:count], self.waitlist[count:]
        self.confirmed.update(promoted)
        return promoted

    def announce(self, now: datetime) -> bool:
        """Whether a fill posts the capacity notice: once per fill, not again within the
        cool-down (unless registration was closed with seats free, or reopened)."""
        if self.noticed_at is not None and now - self.noticed_at < CAPACITY_NOTICE_COOLDOWN:
            return False
        self.noticed_at = now
        return True


@dataclass
class Expected:
    """What a step should have written to the outbox."""

    capacity: int = 0
    promoted: list[int] = field(default_factory=list)  # DMs, in order
    opened: int = 0
    closed: int = 0
    removed: list[int] = field(default_factory=list)  # DMs of a moderator's removal


Said = tuple[JoinOutcome, int | None, list[int], bool, str | None]


def said(joined: Joined) -> Said:
    """What a join answered: its outcome, waitlist position, the members promoted first,
    whether it filled the event, and the moderator's reason when registration is closed."""
    result = joined.result
    return (result.outcome, result.position, list(result.promoted), result.filled,
            result.note)


class RegistrationMachine(RuleBasedStateMachine):
    """One example: an event in a server of its own, in two stores on one database (two
    processes, as several shards are), which the test opens once on a loop it owns; each
    step goes through one of them, and both must read what the other wrote."""

    loop: asyncio.AbstractEventLoop
    stores: tuple[Store, Store]
    clock: Clock
    guilds: Iterator[int]

    def __init__(self) -> None:
        super().__init__()
        self.store = self.stores[0]
        self.guild = next(self.guilds)
        self.clock.now = utcnow().replace(microsecond=0)
        self.model: Model  # made by `create`
        self.names: dict[int, str] = {}
        self.expected = Expected()
        self.checks = 0

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    # -- set-up -------------------------------------------------------------------------

    @initialize(capacity=st.integers(min_value=1, max_value=2))
    def create(self, capacity: int) -> None:
        start = self.clock.now + timedelta(days=30)
        event, _ = self.run(self.store.run(
            self.store.events.save_event, self.guild,
            EventDraft(slug="talk", title="Talk", capacity=capacity, starts_at=start),
            [("page text", make_page())]))
        self.event_id = event.id
        self.model = Model(capacity, start)
        self.drain()  # what the import itself posts is not the concern here

    # -- members ------------------------------------------------------------------------

    def expect_join(self, user: int) -> Said:
        """The model's join: what it answers (`said`)."""
        m, now = self.model, self.clock.now
        if m.over(now):
            return JoinOutcome.TAKEN_PLACE, None, [], False, None
        was_full = m.full
        waiting_before = list(m.waitlist)
        promoted = m.promote(now)
        self.expected.promoted += [p for p in promoted if p != user]
        if user in m.confirmed and user not in promoted:
            outcome, position = JoinOutcome.ALREADY_CONFIRMED, None
        elif user in promoted:
            outcome, position = JoinOutcome.CONFIRMED, None
        elif user in waiting_before:
            outcome, position = JoinOutcome.ALREADY_WAITLISTED, m.waitlist.index(user) + 1
        elif not m.open:
            return JoinOutcome.CLOSED, None, promoted, False, m.closed_reason
        elif len(m.confirmed) < m.capacity and not m.waitlist:
            m.arrive(user)
            m.confirmed.add(user)
            outcome, position = JoinOutcome.CONFIRMED, None
        else:
            m.arrive(user)
            m.waitlist.append(user)
            outcome, position = JoinOutcome.WAITLISTED, len(m.waitlist)
        filled = not was_full and m.full
        if filled and m.announce(now):
            self.expected.capacity += 1
        return outcome, position, promoted, filled, None

    def check_joined(self, user: int, joined) -> None:
        assert joined.event.id == self.event_id
        assert said(joined) == self.expect_join(user), f"join of {user}"

    def name(self, user: int) -> str:
        return self.names.setdefault(user, f"member {user}")

    @rule(user=MEMBERS, at=PROCESS)
    def join(self, user: int, at: int) -> None:
        joined = self.run(self.stores[at].join(self.guild, self.event_id, user, self.name(user)))
        self.check_joined(user, joined)

    @rule(users=st.lists(MEMBERS, min_size=2, max_size=6), at=PROCESS)
    def join_at_once(self, users: list[int], at: int) -> None:
        """Several members press Join at the same moment: one batch, in arrival order."""

        async def burst():
            return await asyncio.gather(
                *(self.stores[at].join(self.guild, self.event_id, u, self.name(u)) for u in users))

        for user, joined in zip(users, self.run(burst()), strict=True):
            self.check_joined(user, joined)

    @rule(here=st.lists(MEMBERS, min_size=1, max_size=4),
          there=st.lists(MEMBERS, min_size=1, max_size=4))
    def join_in_both(self, here: list[int], there: list[int]) -> None:
        """Members press Join at the same moment on two processes: each process decides
        its own in arrival order, and one process's joins come before the other's."""

        async def bursts():
            return await asyncio.gather(
                *(self.stores[0].join(self.guild, self.event_id, u, self.name(u)) for u in here),
                *(self.stores[1].join(self.guild, self.event_id, u, self.name(u)) for u in there))

        results = self.run(bursts())
        assert all(joined.event.id == self.event_id for joined in results)
        first = list(zip(here, map(said, results[:len(here)]), strict=True))
        second = list(zip(there, map(said, results[len(here):]), strict=True))
        # which came first shows in the answers, else in the arrival numbers the RSVPs took
        stored = dict(self.run(execute_sql(
            self.store, "SELECT user_id, seq FROM rsvps WHERE event_id = ?", self.event_id)))
        before = copy.deepcopy((self.model, self.expected))
        for order in (first + second, second + first):
            self.model, self.expected = copy.deepcopy(before)
            if all(self.expect_join(user) == got for user, got in order) and (
                    self.model.seqs == stored):
                return
        raise AssertionError(f"joins {first} here and {second} there, in neither order")

    @rule(pick=st.integers(min_value=0, max_value=4), at=PROCESS, removed=st.booleans())
    def cancel(self, pick: int, at: int, removed: bool) -> None:
        """A registered member cancels (the `pick`th, confirmed first), or, past them, a
        member who is not registered; or a moderator removes them (`/manage remove`), which
        also tells them, until the event has taken place. Once it has, a member's own RSVP
        stays as it was; a moderator still removes it."""
        m, now = self.model, self.clock.now
        registered = sorted(m.confirmed) + m.waitlist
        user = registered[pick] if pick < len(registered) else 5
        store = self.stores[at]
        result = self.run(store.run(store.registrations.cancel, self.guild, self.event_id, user,
                                    removed=removed))
        if removed and user in registered and not m.over(now):
            self.expected.removed.append(user)
        promoted: list[int] = []
        if user in registered and not removed and m.over(now):
            expected, filled = CancelOutcome.OVER, False
        elif user in m.confirmed:
            expected = CancelOutcome.CANCELLED
            was_full = m.full
            m.confirmed.discard(user)
            del m.seqs[user]
            promoted = m.promote(now)
            self.expected.promoted += promoted
            filled = not was_full and m.full
            if filled and m.announce(now):
                self.expected.capacity += 1
        elif user in m.waitlist:
            expected = CancelOutcome.LEFT_WAITLIST
            m.waitlist.remove(user)
            del m.seqs[user]
            filled = False
        else:
            expected, filled = CancelOutcome.NOT_REGISTERED, False
        assert result.outcome is expected
        assert list(result.promotions.promoted) == promoted
        assert result.promotions.filled == filled

    # -- moderators ---------------------------------------------------------------------

    # a change by so many seats, or one of the values refused: no seats, or too many
    @rule(change=st.sampled_from([1, 2, 3, -1, -2, "none", "too many"]), at=PROCESS)
    def set_capacity(self, change: int | str, at: int) -> None:
        m = self.model
        capacity = (m.capacity + change if isinstance(change, int)
                    else {"none": 0, "too many": MAX_CAPACITY + 1}[change])
        store = self.stores[at]
        setting = store.run(store.registrations.set_capacity, self.guild, self.event_id,
                            capacity)
        if not 1 <= capacity <= MAX_CAPACITY:
            with pytest.raises(InvalidValue):
                self.run(setting)
            return
        if capacity < len(m.confirmed):  # nobody is removed
            with pytest.raises(Conflict):
                self.run(setting)
            return
        result = self.run(setting)
        promoted, filled = self.expect_capacity(capacity)
        assert (list(result.promoted), result.filled) == (promoted, filled)

    def expect_capacity(self, capacity: int) -> tuple[list[int], bool]:
        """The model's capacity change: who is promoted, and whether it filled the event."""
        m, now = self.model, self.clock.now
        was_full, old_capacity = m.full, m.capacity
        m.capacity = capacity
        promoted = m.promote(now)
        self.expected.promoted += promoted
        filled = not was_full and m.full and not m.over(now)
        if (capacity > old_capacity and m.open and not m.full and m.noticed_at is not None
                and not m.over(now)):
            # seats added: the channel, last told it was full, hears it is open again
            m.noticed_at = None
            self.expected.opened += 1
        if filled and m.announce(now):
            self.expected.capacity += 1
        return promoted, filled

    @rule(change=st.sampled_from([0, 1, 2, -1, "none"]), at=PROCESS)
    def import_again(self, change: int | str, at: int) -> None:
        """A moderator imports the event's page again with a capacity (`/manage import
        capacity:`), the same or another: a change goes through the same rules."""
        m = self.model
        capacity = m.capacity + change if isinstance(change, int) else 0
        store = self.stores[at]
        saving = store.run(store.events.save_event, self.guild, EventDraft(
            slug="talk", title="Talk", capacity=capacity), [("page text", make_page())])
        if capacity == m.capacity:
            self.run(saving)
            self.expect_fill_free_seats()
        elif capacity < 1:
            with pytest.raises(InvalidValue):
                self.run(saving)
        elif capacity < len(m.confirmed):
            with pytest.raises(Conflict):
                self.run(saving)
        else:
            self.run(saving)
            self.expect_capacity(capacity)

    @rule(reason=st.sampled_from([None, "room change"]), at=PROCESS)
    def close(self, reason: str | None, at: int) -> None:
        m, now = self.model, self.clock.now
        store = self.stores[at]
        closing = store.run(store.registrations.close_registration, self.guild, self.event_id,
                            reason)
        if not m.open or m.over(now):
            with pytest.raises(Conflict):
                self.run(closing)
            return
        self.run(closing)
        if not m.full:
            m.noticed_at = None
        m.open, m.closed_reason = False, reason
        self.expected.closed += 1

    @rule(at=PROCESS)
    def reopen(self, at: int) -> None:
        m, now = self.model, self.clock.now
        store = self.stores[at]
        opening = store.run(store.registrations.open_registration, self.guild, self.event_id)
        if m.open or m.over(now):
            with pytest.raises(Conflict):
                self.run(opening)
            return
        result = self.run(opening)
        m.open, m.closed_reason = True, None
        announced = m.noticed_at is not None
        m.noticed_at = None
        self.expected.opened += 1
        promoted = m.promote(now)
        self.expected.promoted += promoted
        filled = m.full and (bool(promoted) or not announced)
        if filled:  # told by the reopening's own notice ("all seats are taken")
            m.noticed_at = now
        assert (list(result.promoted), result.filled) == (promoted, filled)

    # None: the event's start comes (joins stop, freed seats go to nobody); rarer than
    # minutes going by, within the capacity notice's cool-down or past it
    @rule(minutes=st.sampled_from([1, 5, 11, 25, 1, 5, 11, 25, None]))
    def time_passes(self, minutes: int | None) -> None:
        m = self.model
        if minutes is None:
            self.clock.now = max(self.clock.now, m.start + timedelta(minutes=1))
        elif not m.over(self.clock.now):
            self.clock.now = min(self.clock.now + timedelta(minutes=minutes),
                                 m.start - timedelta(seconds=1))

    @precondition(lambda self: self.model.over(self.clock.now))
    @rule(at=PROCESS)
    def moved_later(self, at: int) -> None:
        """A moderator moves the event to a later date: the seats freed meanwhile go to
        the waitlist (`fill_free_seats`)."""
        start = self.clock.now + timedelta(days=30)
        store = self.stores[at]
        self.run(store.run(store.events.edit_event, self.guild, self.event_id, EventEdit(
            title="Talk", starts_at=start, ends_at=None, all_day=False, venue=None,
            link=None)))
        self.model.start = start
        self.expect_fill_free_seats()

    def expect_fill_free_seats(self) -> None:
        """The model's `fill_free_seats`: free seats go to the waitlist."""
        m, now = self.model, self.clock.now
        was_full = m.full
        self.expected.promoted += m.promote(now)
        if not was_full and m.full and m.announce(now):
            self.expected.capacity += 1

    # -- checks -------------------------------------------------------------------------

    def drain(self) -> list:
        notices = self.run(self.store.run(self.store.notices.claim_notices, 1000))
        for notice in notices:
            self.run(self.store.run(self.store.notices.ack_notice, notice.id))
        return [n.payload for n in notices if n.event_id == self.event_id]

    @invariant()
    def notices_as_expected(self) -> None:
        payloads = self.drain()
        expected, self.expected = self.expected, Expected()
        got = Expected(
            capacity=sum(isinstance(p, CapacityPayload) for p in payloads),
            promoted=[p.user_id for p in payloads if isinstance(p, PromotedPayload)],
            opened=sum(isinstance(p, OpenedPayload) for p in payloads),
            closed=sum(isinstance(p, ClosedPayload) for p in payloads),
            removed=[p.user_id for p in payloads if isinstance(p, RemovedPayload)])
        # each DM names the RSVP it was for
        assert all(p.seq == self.model.seqs[p.user_id] for p in payloads
                   if isinstance(p, PromotedPayload))
        assert got == expected

    @invariant()
    def stored_as_modelled(self) -> None:
        # read through each store in turn: one must see what the other wrote
        self.checks += 1
        self.check_reads(self.stores[self.checks % 2])

    def check_reads(self, store) -> None:
        m, eid, now = self.model, self.event_id, self.clock.now
        event = self.run(store.run(store.events.get_event, self.guild, eid))
        assert (event.capacity, event.confirmed, event.waitlisted, event.registration_open) == (
            m.capacity, len(m.confirmed), len(m.waitlist), m.open)
        listing = next(e for e in self.run(store.run(
            store.events.event_listings, self.guild, past=True, now=now)).shown if e.id == eid)
        assert listing.seats_left == max(m.capacity - len(m.confirmed), 0)
        assert (listing.registration_open, listing.over) == (m.open, m.over(now))
        # the counters kept on the event agree with its rows
        counters = self.run(execute_sql(
            store, "SELECT confirmed_count, waitlist_count, next_seq FROM events WHERE id = ?",
            eid))
        rows = self.run(execute_sql(
            store, "SELECT user_id, status, seq FROM rsvps WHERE event_id = ? ORDER BY seq", eid))
        assert counters == [(len(m.confirmed), len(m.waitlist), m.next_seq)]
        assert {u for u, s, _ in rows if s == "confirmed"} == m.confirmed
        assert [u for u, s, _ in rows if s == "waitlisted"] == m.waitlist
        assert {u: seq for u, _, seq in rows} == m.seqs
        # what members and moderators read: confirmed first, then the waitlist, each in
        # arrival order
        attendees = self.run(attendees_of(store, eid))
        assert [(a.user_id, a.status, a.position, a.seq) for a in attendees] == [
            (u, Status.CONFIRMED, None, m.seqs[u]) for u in sorted(m.confirmed, key=m.seqs.get)
        ] + [(u, Status.WAITLISTED, i, m.seqs[u]) for i, u in enumerate(m.waitlist, 1)]
        assert all(a.name == self.names[a.user_id] for a in attendees)
        for user in range(1, 5):
            if user in m.confirmed:
                want = (Status.CONFIRMED, None)
            elif user in m.waitlist:
                want = (Status.WAITLISTED, m.waitlist.index(user) + 1)
            else:
                want = None
            _, rsvp = self.run(store.run(store.registrations.member_rsvp, self.guild, eid, user))
            assert (None if rsvp is None else (rsvp.status, rsvp.position)) == want, user
            mine = self.run(store.run(store.registrations.my_rsvps, self.guild, user, now)).shown
            assert [(r.event_id, r.status, r.position) for r in mine] == (
                [] if want is None else [(eid, *want)]), user


SETTINGS = {backend: settings(max_examples=int(os.environ.get("MODEL_EXAMPLES", examples)),
                              stateful_step_count=30, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow], database=None)
            for backend, examples in (("sqlite", 100), ("postgres", 25))}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_registration_follows_the_rules(backend, tmp_path, request):
    loop = asyncio.new_event_loop()
    clock = Clock()

    async def two_stores(stack: contextlib.AsyncExitStack) -> tuple[Store, Store]:
        if backend == "postgres":
            cluster = request.getfixturevalue("postgres_cluster")
            where = await stack.enter_async_context(postgres_database(cluster))
        else:
            where = tmp_path / "model.sqlite3"
        one = await stack.enter_async_context(await open_store(where, clock=clock))
        other = await stack.enter_async_context(await open_store(where, clock=clock))
        return one, other

    stack = contextlib.AsyncExitStack()
    try:
        stores = loop.run_until_complete(two_stores(stack))
        machine = type("Machine", (RegistrationMachine,), {
            "loop": loop, "stores": stores, "clock": clock, "guilds": itertools.count(1)})
        run_state_machine_as_test(machine, settings=SETTINGS[backend])
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()
