"""What can go wrong in a request, named for what it means, not where it was noticed.

Every error a member or moderator can act on derives from `UserError`; its message is
shown as it is (ephemeral in Discord by `bot.tree.EventTree`, one line on the CLI).
Anything else is a bug, logged with its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A request that cannot be carried out, for a reason the user can act on."""


class NotFound(UserError):
    """What the request names does not exist (here)."""


class NotAllowed(UserError):
    """The request is understood, but the bot or the member may not do it."""


class InvalidValue(UserError, ValueError):
    """A value given (typed, uploaded, configured) is not one the bot can use."""


class Conflict(UserError):
    """The request does not fit the current state (already closed, already taken place...)."""


class Unavailable(UserError):
    """The bot cannot serve the request right now (shutting down, an unusable database)."""


class EventNotFound(NotFound):
    def __init__(self, event_id: int | str) -> None:
        super().__init__(f"there is no event {event_id} in this server")
