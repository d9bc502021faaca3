"""What can go wrong in a request, named for what it means, not where it was noticed.

Every error a member or moderator can act on derives from `UserError`; its message is
shown in the member's language (ephemeral in Discord by `bot.tree.EventTree`) or in
English (one line on the CLI). Anything else is a bug, logged with its traceback.

The message is an English id marked with `N_` (so `make messages` extracts it) and its
fields are passed apart, so the sentence is translated first and filled in after:
`NotFound(N_("no event in this server matches {typed!r}"), typed=ref)`.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, Text


class UserError(Exception):
    """A request that cannot be carried out, for a reason the user can act on."""

    def __init__(self, message: str | Text = "", /, **fields: Any) -> None:
        self.text = message if isinstance(message, Text) else Text(message, **fields)
        super().__init__(self.text.message)

    def __str__(self) -> str:
        return str(self.text)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (a page read in a process of its own: `bot.offload.off_process`) as it
        # was raised, its message's fields too, whatever a subclass's __init__ takes.
        return (_rebuilt, (type(self), self.text), self.__dict__)


def _rebuilt(cls: type[UserError], text: Text) -> UserError:
    error = cls.__new__(cls)
    Exception.__init__(error, text.message)
    error.text = text
    return error


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


class DatabaseBusy(Unavailable):
    """Another connection held the database longer than the bot waits for it (SQLite's
    write lock, a PostgreSQL row or advisory lock): the request was rolled back whole."""

    def __init__(self) -> None:
        super().__init__(N_("the database is busy right now; try again in a moment"))


class DatabaseUnwritable(Unavailable):
    """A write failed in the file system (a full disk, a failing one): SQLite rolled the
    request back whole, and it may be made again once the cause is gone."""

    def __init__(self) -> None:
        super().__init__(N_("the bot can't save anything right now (its disk may be full or "
                            "failing); nothing was changed. Try again later"))


class DatabaseUnreadable(Unavailable):
    """A read failed in the database file: it is damaged (a bad copy, a failing disk) or
    its disk could not be read. What the moderators must do is in the bot's log."""

    def __init__(self) -> None:
        super().__init__(N_("the bot can't read its database right now; the moderators can "
                            "find why in its log"))


class DatabaseGone(Unavailable):
    """The database file was deleted or replaced under the running bot: what it wrote from
    then on would go to a file nobody opens again, so writes are refused until it is back."""

    def __init__(self) -> None:
        super().__init__(N_("the bot can't save anything right now; nothing was changed. "
                            "Try again later"))


class HostShort(Unavailable):
    """The machine the bot runs on ran short of memory, open files or threads while the
    request was being carried out: a transaction under way was rolled back, but one that
    committed before stays, so the member is told to look before asking again."""

    def __init__(self) -> None:
        super().__init__(N_("the bot's machine ran short of memory or open files while doing "
                            "this; check whether it was done, then try again in a moment"))


class ItemRefused(UserError):
    """One of several things asked for in one go was refused, so none was done: `index`
    says which, `error` why."""

    def __init__(self, index: int, error: UserError) -> None:
        super().__init__(error.text)
        self.index, self.error = index, error


class EventNotFound(NotFound):
    def __init__(self, event_id: int | str) -> None:
        super().__init__(N_("there is no event {event_id} in this server"), event_id=event_id)


class DeletedMeanwhile(NotFound):
    """A moderator answered a form or preview shown for an event (`title`) that another
    has deleted since: named as they saw it, not by a number that no longer exists."""

    def __init__(self, title: str) -> None:
        super().__init__(N_("**{title}** was deleted meanwhile, so nothing was saved"),
                         title=title)


class EventChanged(Conflict):
    """An edit made from what the event had was not saved: another change to the event
    was committed since it was read."""

    def __init__(self) -> None:
        super().__init__(N_("another moderator changed this event while your edit was being "
                            "saved, so it was not saved; run /manage edit again"))
