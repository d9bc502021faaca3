"""The registration rules: RSVPs, the waitlist, capacity and open/closed registration.

This is the one place these rules live. The functions are pure: they take a
`Seats` snapshot loaded inside a write transaction, update it, and return a
result saying what happened. The store loads the snapshot, calls the rule, and
writes what the rule decided, all in that one transaction.

"Full" means registration is open and every seat is taken: later joins go to the
waitlist. An operation reports `filled=True` exactly when it moves the event
from not-full to full, which is when the bot announces that registration has
closed because the RSVPs reached venue capacity (`announce_fill` decides whether
that notice is posted).

Free seats always go to the waitlist first, whatever order the changes came in:
every operation that can leave a seat free with members waiting (a cancel, a
capacity change, a reopening, a new date or timezone, any join) promotes first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from bot.characters import shows_something
from bot.errors import Conflict, InvalidValue
from bot.i18n import N_, OptionName

MAX_CAPACITY = 100_000
DEFAULT_CAPACITY = 100  # seats of an event whose page and import say none
# The capacity notice is posted once per fill: cancel-and-join churn on a full event
# would otherwise post it again each time. A moderator's reopening starts afresh.
CAPACITY_NOTICE_COOLDOWN = timedelta(minutes=10)


class Status(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"


class JoinOutcome(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    ALREADY_CONFIRMED = "already confirmed"
    ALREADY_WAITLISTED = "already waitlisted"
    CLOSED = "closed"
    TAKEN_PLACE = "taken place"


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"
    LEFT_WAITLIST = "left waitlist"
    NOT_REGISTERED = "not registered"
    ARCHIVED = "archived"  # the RSVP stays: an archived event's registrations are frozen
    OVER = "over"  # the RSVP stays: who came is the event's record once it has taken place


@dataclass(slots=True)
class Seats:
    """The part of an event the rules need, as it stands inside the transaction."""

    capacity: int
    confirmed: int
    waitlisted: int
    registration_open: bool
    closed_reason: str | None = None
    over_at: datetime | None = None  # `bot.models.Event.over_at`: its end, else its start
    # the last capacity notice, until a reopening (or a closing with seats free, `close`)
    capacity_noticed_at: datetime | None = None
    archived: bool = False  # it takes no RSVPs, and its seats stay until it is brought back

    @property
    def full(self) -> bool:
        return self.registration_open and self.confirmed >= self.capacity

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.confirmed, 0)

    def has_taken_place(self, now: datetime) -> bool:
        return has_taken_place(self.over_at, now)


def has_taken_place(over_at: datetime | None, now: datetime) -> bool:
    """Whether an event over at `over_at` (`bot.models.Event.over_at`; None: no date yet)
    has taken place by `now`: joins stop, and a deletion cancels nobody's plans."""
    return over_at is not None and now >= over_at


class Existing(NamedTuple):
    """A member's current RSVP, if any; position counts from 1 within the waitlist."""

    status: Status
    position: int | None = None


class JoinResult(NamedTuple):
    """What a join decided. A named tuple, not a frozen dataclass: every join makes one
    (or two, with `Existing`), and a frozen dataclass's `__init__` sets each field through
    `object.__setattr__`, several times dearer."""

    outcome: JoinOutcome
    position: int | None = None  # waitlist position, from 1
    reason: str | None = None  # why a join was refused
    note: str | None = None  # the moderator's reason for closing registration, as written
    filled: bool = False  # this join (or the promotions before it) took the last seat
    promoted: tuple[int, ...] = ()  # waitlisted members given the free seats first

    @property
    def status(self) -> Status | None:
        if self.outcome in (JoinOutcome.CONFIRMED, JoinOutcome.ALREADY_CONFIRMED):
            return Status.CONFIRMED
        if self.outcome in (JoinOutcome.WAITLISTED, JoinOutcome.ALREADY_WAITLISTED):
            return Status.WAITLISTED
        return None


@dataclass(frozen=True, slots=True)
class Promotions:
    """Members moved from the waitlist to a seat, in waitlist order."""

    promoted: tuple[int, ...] = ()
    filled: bool = False


@dataclass(frozen=True, slots=True)
class CancelResult:
    outcome: CancelOutcome
    promotions: Promotions = field(default_factory=Promotions)

    @property
    def made(self) -> bool:
        """Whether the RSVP was given up (to be deleted), not kept or never there."""
        return self.outcome in (CancelOutcome.CANCELLED, CancelOutcome.LEFT_WAITLIST)


def join(seats: Seats, existing: Existing | None, now: datetime,
         waitlist: list[int] | None = None) -> JoinResult:
    """A member asks for a seat. Joining twice returns the existing status, until the
    event has taken place: then every member hears that, whatever they held.

    A newcomer never takes a seat while anyone is waitlisted: free seats go to the
    waitlist first. `waitlist` holds the head of the waitlist, at least
    `promotable(seats, now)` ids (the store loads them only when that is not 0);
    promoted ids are removed from it. Should it hold too few, the newcomer is
    waitlisted behind them rather than jump the queue. A waitlisted member asking again
    may be among those promoted, and hears so: confirmed (the reply is their news, the
    store sends them no DM of it).
    """
    if seats.has_taken_place(now):  # a waitlist place there is no longer news
        return JoinResult(JoinOutcome.TAKEN_PLACE, reason="this event has already taken place")
    was_full = seats.full
    promoted = _promote(seats, waitlist, now) if waitlist else ()
    if existing is not None:
        filled = not was_full and seats.full
        ahead = existing.position
        if existing.status is Status.CONFIRMED:
            return JoinResult(JoinOutcome.ALREADY_CONFIRMED, filled=filled, promoted=promoted)
        if ahead is not None and ahead <= len(promoted):
            return JoinResult(JoinOutcome.CONFIRMED, filled=filled, promoted=promoted)
        return JoinResult(JoinOutcome.ALREADY_WAITLISTED, filled=filled, promoted=promoted,
                          position=None if ahead is None else ahead - len(promoted))
    if not seats.registration_open:
        return JoinResult(JoinOutcome.CLOSED, reason=closed_reason(seats),
                          note=seats.closed_reason)
    if seats.confirmed < seats.capacity and not seats.waitlisted:
        seats.confirmed += 1
        return JoinResult(JoinOutcome.CONFIRMED, filled=not was_full and seats.full,
                          promoted=promoted)
    seats.waitlisted += 1
    return JoinResult(JoinOutcome.WAITLISTED, position=seats.waitlisted,
                      filled=not was_full and seats.full, promoted=promoted)


def cancel(seats: Seats, existing: Existing | None, waitlist: list[int], now: datetime,
           *, removed: bool = False) -> CancelResult:
    """A member gives up their seat or waitlist place, or, `removed`, a moderator takes
    it from them; a freed seat goes to the waitlist. Once the event has taken place only
    a moderator may (a no-show, a second account): a member's RSVP stays as the event
    left it, the record of who was to come.

    `waitlist` holds the waitlisted user ids in order (at least as many as could
    be promoted); promoted ids are removed from it.
    """
    if existing is None:
        return CancelResult(CancelOutcome.NOT_REGISTERED)
    if seats.archived:  # archived after the member's command read the event
        return CancelResult(CancelOutcome.ARCHIVED)
    if not removed and seats.has_taken_place(now):
        return CancelResult(CancelOutcome.OVER)
    if existing.status is Status.WAITLISTED:
        seats.waitlisted -= 1
        return CancelResult(CancelOutcome.LEFT_WAITLIST)
    was_full = seats.full
    seats.confirmed -= 1
    promoted = _promote(seats, waitlist, now)
    return CancelResult(CancelOutcome.CANCELLED, Promotions(promoted, not was_full and seats.full))


def check_capacity(value: object) -> int:
    """The one capacity rule: a whole number of seats from 1 to MAX_CAPACITY (a bool is
    not a number of seats, though Python counts it as an int)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CAPACITY:
        raise InvalidValue(N_("capacity must be a whole number of seats from 1 to {most:,}"),
                           most=MAX_CAPACITY)
    return value


def check_seats_for(capacity: int, confirmed: int) -> None:
    """Capacity never goes below the members confirmed: nobody is evicted."""
    if capacity < confirmed:
        raise Conflict(
            # capacity is at least 1 here, so at least two members are confirmed
            N_("{confirmed:,} members are already confirmed; capacity cannot go below that "
               "(ask members to cancel first, nobody is removed silently)"),
            confirmed=confirmed)


def set_capacity(seats: Seats, capacity: int, waitlist: list[int], now: datetime) -> Promotions:
    """A moderator changes the number of seats. Nobody is ever evicted."""
    check_not_archived(seats.archived)
    check_capacity(capacity)
    check_seats_for(capacity, seats.confirmed)
    was_full = seats.full
    seats.capacity = capacity
    promoted = _promote(seats, waitlist, now)
    # Fewer seats can fill an event; once it is over, that is no news for the channel.
    return Promotions(promoted, filled=not was_full and seats.full
                      and not seats.has_taken_place(now))


def freed_seats(old_capacity: int, seats: Seats, now: datetime) -> bool:
    """Whether a capacity change added seats the waitlist did not all take, to an event
    the channel was last told is full (its capacity notice stands, cancels since being
    no news): the channel hears it is open again as from a reopening. Not while a
    moderator has closed registration, nor once the event is over, when nobody can join."""
    return (seats.capacity > old_capacity and seats.registration_open and not seats.full
            and seats.capacity_noticed_at is not None and not seats.has_taken_place(now))


def fill_free_seats(seats: Seats, waitlist: list[int], now: datetime) -> Promotions:
    """After a change that can give the waitlist a seat without freeing one, such as a
    moderator moving an event that had taken place to a later date (cancels after it
    had taken place promoted nobody)."""
    was_full = seats.full
    promoted = _promote(seats, waitlist, now)
    return Promotions(promoted, filled=not was_full and seats.full)


def close(seats: Seats, reason: str | None, now: datetime) -> None:
    """A moderator closes registration: nobody can join, not even the waitlist. Not once
    the event has taken place: nobody can join it anyway, and the channel would hear of a
    closing that changes nothing (as `reopen` refuses it then)."""
    check_not_archived(seats.archived)
    # an event over is the news, whether or not its registration was open (`reopen`)
    if seats.has_taken_place(now):
        raise Conflict(N_("this event has already taken place"))
    if not seats.registration_open:
        raise Conflict(N_("registration is already closed"))
    if not seats.full:
        # The channel's last capacity notice, if any, is of seats freed since: a
        # reopening that finds the event full (its seats cut meanwhile) is news (`reopen`).
        seats.capacity_noticed_at = None
    seats.registration_open = False
    seats.closed_reason = shown_reason(reason)


def shown_reason(reason: str | None) -> str | None:
    """A moderator's closing reason as members are shown it, on one line; None when it
    shows nothing (spacing, a zero-width space: what a modified client may send)."""
    if reason is None or not shows_something(reason):
        return None
    return " ".join(reason.split())


def close_for_page(seats: Seats, now: datetime) -> bool:
    """An imported page brings the news that registration has closed (`content.newly_closed`):
    closed as a moderator would close it, if it is open and the event has not taken place;
    whether it was."""
    if seats.archived or not seats.registration_open or seats.has_taken_place(now):
        return False
    close(seats, PAGE_CLOSED, now)
    return True


def reopen(seats: Seats, waitlist: list[int], now: datetime) -> Promotions:
    """A moderator reopens registration; free seats go to the waitlist first."""
    check_not_archived(seats.archived)
    # "already open" would tell a moderator of an event over that members can still join
    if seats.has_taken_place(now):
        raise Conflict(N_("this event has already taken place"))
    if seats.registration_open:
        raise Conflict(N_("registration is already open"))
    seats.registration_open = True
    seats.closed_reason = None
    announced = seats.capacity_noticed_at is not None
    seats.capacity_noticed_at = None  # a fill after a reopening is news again
    promoted = _promote(seats, waitlist, now)
    # Seats that ran out before the closing were announced then (`close` keeps the notice
    # only of an event full when closed); a reopening fills the event anew when its
    # promotions take the last seat, or when it is full and that was never announced (its
    # seats were cut to the confirmed count while it was closed).
    filled = seats.full and (bool(promoted) or not announced)
    if filled:
        # The reopening's own notice tells the channel every seat is taken: a capacity
        # notice ("now closed") after "open again" would contradict it (`announce_fill`).
        seats.capacity_noticed_at = now
    return Promotions(promoted, filled=filled)


def announce_fill(seats: Seats, now: datetime) -> bool:
    """Whether an operation that filled the event posts the capacity notice: not when one
    was posted less than CAPACITY_NOTICE_COOLDOWN ago (and no closing with free seats or
    reopening came since).
    Records the notice in `seats`."""
    last = seats.capacity_noticed_at
    if last is not None and now - last < CAPACITY_NOTICE_COOLDOWN:
        return False
    seats.capacity_noticed_at = now
    return True


# Why an archived event refuses a join (the store decides that before these rules run).
ARCHIVED = "this event is archived"


def check_not_archived(archived: bool) -> None:
    """Archived, an event takes no RSVPs: its seats and registration stay as they are until
    it is brought back (a change would give seats out, with DMs and notices)."""
    if archived:
        raise Conflict(N_("this event is archived; bring it back first with "
                          "/manage archive {undo}:True"), undo=OptionName("undo"))


def check_archivable(over_at: datetime | None, confirmed: int, waitlisted: int,
                     now: datetime) -> None:
    """Archiving tidies a finished event away, and tells no one. An event that has not
    taken place by `now` (`over_at`, `bot.models.Event.over_at`; None: no date yet) is not
    archived while anyone holds an RSVP to it: that would cancel it without a word.
    Cancelling is a deletion, which tells each member; closing stops new RSVPs."""
    if (confirmed or waitlisted) and not has_taken_place(over_at, now):
        raise Conflict(N_("this event hasn't taken place yet and members hold RSVPs to it, "
                          "and archiving tells no one: to cancel it, use /manage delete (each "
                          "member is told); to stop new RSVPs, use /manage close; or archive "
                          "it once it has taken place"))


# The reason an event imported from a page that says registration has closed is saved
# with: the bot's own words, shown in the reader's language (`render.closed_reason_text`),
# where a moderator's reason is shown as typed.
PAGE_CLOSED = N_("the event page says registration has closed")


def closed_reason(seats: Seats) -> str:
    if seats.closed_reason:
        return f"registration is closed: {seats.closed_reason}"
    return "registration is closed"


def change_is_news(seats: Seats, now: datetime) -> bool:
    """Whether a new start or venue, as `seats` now stand, is news for the channel and the
    members: not for an event archived, or one that has taken place by its new date (a
    record corrected after it, its recap's real times): nobody's plans change."""
    return not seats.archived and not seats.has_taken_place(now)


def promotable(seats: Seats, now: datetime) -> int:
    """How many waitlisted members would get a seat now; the store loads that many."""
    if seats.archived or not seats.registration_open or seats.has_taken_place(now):
        return 0
    return min(seats.capacity - seats.confirmed, seats.waitlisted) if seats.waitlisted else 0


def _promote(seats: Seats, waitlist: list[int], now: datetime) -> tuple[int, ...]:
    """Give free seats to the head of the waitlist; returns who got one."""
    count = min(promotable(seats, now), len(waitlist))
    promoted = tuple(waitlist[:count])
    del waitlist[:count]
    seats.confirmed += count
    seats.waitlisted -= count
    return promoted
