"""In-process signals: what one part of the bot tells the others happened, typed.

Subscribers are plain callbacks, called in turn within `emit`: a join is the hot path and
emits `RegistrationChanged`, so no task is started per emit. A subscriber with async work
schedules it itself. One that raises is logged and the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RegistrationChanged:
    """An event's registrations changed (a join, a cancel, a promotion, a reopening...)."""

    guild_id: int
    event_id: int


@dataclass(frozen=True, slots=True)
class ConfirmedAgain:
    """A member already confirmed asked for their seat again (Join, `/rsvp join`), holding
    the roles `role_ids` as their interaction shows them: one who left the server and came
    back has none of their roles, the event's attendee role included, which the bot still
    counts them as holding (it hears of no member leaving or joining). Emitted only for
    a join that changed nothing, not on the hot path of a new seat."""

    guild_id: int
    event_id: int
    user_id: int
    role_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class PromotionTold:
    """A member's promotion notice is done with (its DM sent, or given up): their reminder,
    which waits for it (`bot.storage.reminder_walk.PROMOTION_FIRST`), is due now."""

    guild_id: int
    event_id: int


@dataclass(frozen=True, slots=True)
class RemindersChanged:
    """The guild's reminder offsets changed, or its timezone (so its all-day events)."""

    guild_id: int


@dataclass(frozen=True, slots=True)
class AttendeeRoleChanged:
    """`/manage role` set, changed, repeated or cleared an event's role, or the event was
    deleted (its role with it)."""

    guild_id: int
    event_id: int


@dataclass(frozen=True, slots=True)
class GuildLeft:
    """The bot's leaving a guild was recorded: its data is due for deletion later."""

    guild_id: int


@dataclass(frozen=True, slots=True)
class GuildsPresent:
    """The bot's being in these guilds was recorded (at a start, a join, an outage's end):
    a guild recorded as left before is so no more, and what waited in the database for it
    (its reminders, which are not taken up while it is marked as left) may be due now."""

    guild_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class GuildDataDeleted:
    """The retention deleted a guild's data, its events with it (`cogs.retention`): what
    a part of the bot keeps for the guild or its events is of no use any more, and nothing
    else says so (an event's end, say, is read from the database, which has it no more)."""

    guild_id: int


S = TypeVar("S")


class Signals:
    def __init__(self) -> None:
        self._subscribers: dict[type, list[Callable[[Any], None]]] = {}

    def subscribe(self, signal_type: type[S], callback: Callable[[S], None]) -> None:
        self._subscribers.setdefault(signal_type, []).append(callback)

    def unsubscribe(self, signal_type: type[S], callback: Callable[[S], None]) -> None:
        self._subscribers.get(signal_type, []).remove(callback)

    def emit(self, signal: object) -> None:
        subscribers = self._subscribers.get(type(signal))
        if not subscribers:
            return
        for callback in tuple(subscribers):  # one may unsubscribe while we go
            try:
                callback(signal)
            except Exception:
                log.exception("a subscriber to %s failed", type(signal).__name__)
