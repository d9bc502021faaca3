"""Registration actions: each one transaction in the store (the rules decide, the outbox
gets its notices), then the in-process registration-change signal (`Changed`), which
wakes the announcement editor and the attendee-role sync of this process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.errors import EventNotFound
from bot.models import EventSummary, Joined
from bot.registration import CancelResult, Promotions, Status
from bot.storage import Store

# Called with (guild_id, event_id) after a change to an event's registrations.
Changed = Callable[[int, int], None]
# How much earlier than its stored start an event may begin: an all-day event's start is
# midnight UTC of its date, and its day begins up to 14 hours before that (UTC+14).
_EARLIEST_DAY_START = timedelta(hours=14)


async def taken_place(store: Store, guild_id: int, event: EventSummary,
                      now: datetime | None = None) -> bool:
    """Whether the event has taken place. The event is read only when it may have begun:
    a summary carries no end, and most events members ask about are still to come."""
    now = now or datetime.now(UTC)
    if event.starts_at is None or event.starts_at - _EARLIEST_DAY_START > now:
        return False
    return (await store.run(store.events.get_event, guild_id, event.id)).is_over(now)


async def still_holds(store: Store, guild_id: int, event_id: int, user_id: int, *,
                      seq: int | None = None, confirmed: bool = False) -> bool:
    """Whether the member still holds an RSVP to the event (the one with `seq`, when
    given), with a seat if `confirmed`: a DM written about it earlier (a promotion, a
    change, a reminder) and held up since by Discord is about nothing once it is given up,
    or taken anew. False once the event is gone."""
    try:
        _, rsvp = await store.run(store.registrations.member_rsvp, guild_id, event_id,
                                      user_id)
    except EventNotFound:  # deleted meanwhile: its members hear that instead
        return False
    return rsvp is not None and (seq is None or rsvp.seq == seq) and (
        not confirmed or rsvp.status is Status.CONFIRMED)


async def join(store: Store, changed: Changed, guild_id: int, event_id: int, user_id: int,
               name: str) -> Joined:
    joined = await store.join(guild_id, event_id, user_id, name)
    if joined.result.status is not None:  # before replying: it stands even if the reply fails
        changed(guild_id, event_id)
    return joined


async def cancel(store: Store, changed: Changed, guild_id: int, event_id: int,
                 user_id: int) -> CancelResult:
    result = await store.run(store.registrations.cancel, guild_id, event_id, user_id)
    changed(guild_id, event_id)
    return result


async def remove(store: Store, changed: Changed, guild_id: int, event_id: int,
                 user_id: int, by: int) -> CancelResult:
    """A moderator (`by`) takes a member's RSVP from them (a no-show, a duplicate
    account): a cancel in their name, a freed seat going to the waitlist, and a DM telling
    them (not a moderator removing their own: they know). Unlike a member's own cancel,
    also once the event has taken place."""
    result = await store.run(store.registrations.cancel, guild_id, event_id, user_id,
                             removed=True, quietly=user_id == by)
    changed(guild_id, event_id)
    return result


async def pass_on_departed_seat(store: Store, changed: Changed, guild_id: int, event_id: int,
                                user_id: int, seq: int | None) -> bool:
    """A member promoted to a seat after leaving the server cannot come as one of its
    members, nor hear of the seat (a bot can DM only those it shares a server with): the
    seat goes on to the next on the waitlist, as if they had cancelled. Only the RSVP the
    promotion was about (`seq`) is given up; False when they no longer hold it."""
    if not await still_holds(store, guild_id, event_id, user_id, seq=seq, confirmed=True):
        return False
    await cancel(store, changed, guild_id, event_id, user_id)
    return True


async def set_capacity(store: Store, changed: Changed, guild_id: int, event_id: int,
                       seats: int) -> Promotions:
    promotions = await store.run(store.registrations.set_capacity, guild_id, event_id, seats)
    changed(guild_id, event_id)
    return promotions


async def close(store: Store, changed: Changed, guild_id: int, event_id: int,
                reason: str | None, by: int) -> None:
    await store.run(store.registrations.close_registration, guild_id, event_id, reason, by=by)
    changed(guild_id, event_id)


async def reopen(store: Store, changed: Changed, guild_id: int, event_id: int,
                 by: int) -> Promotions:
    promotions = await store.run(store.registrations.open_registration, guild_id, event_id,
                                 by=by)
    changed(guild_id, event_id)
    return promotions
