"""Routes a server answers as ones it does not have.

Discord answers a route it does not implement with 404 and error code 0; every 404 for a
thing gone (a message, a member, a channel) carries its own code (10008, 10007, ...). A
less complete server, or a proxy before Discord, may answer a documented route so: that is
no message deleted nor member gone, and each feature that needs the route is skipped, said
once in the log (not once a call: a reminder round would say it for each member), and
said again only if the route, once it answered again (`route_offered`), is lost again.
"""

from __future__ import annotations

import logging

import discord

UNKNOWN_ROUTE = 0  # the error code of a 404 for a route the server does not have

# Each route as the log names it: one name for its `say_missing` and its `route_offered`
APPLICATION_INFO = "the application's information"
COMMAND_SYNC = "syncing slash commands"
MESSAGE_EDITS = "editing messages"
DIRECT_MESSAGES = "direct messages"
MEMBER_ROLES = "giving members roles"
DISCORD_EVENTS = "Discord events"
# What is skipped without MESSAGE_EDITS, wherever an announcement is edited
ANNOUNCEMENTS_AS_THEY_WERE = "announcements are not brought up to date"

_told: dict[str, set[str]] = {}  # what the server does not offer -> the skips said of it


def route_missing(exc: discord.HTTPException) -> bool:
    """Whether Discord's refusal says the server has no such route."""
    return isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_ROUTE


def thing_gone(exc: discord.HTTPException) -> bool:
    """Whether Discord's refusal says the thing asked for is gone (a 404 with its own
    code: deleted, left), not that the server lacks the route."""
    return isinstance(exc, discord.NotFound) and exc.code != UNKNOWN_ROUTE


def missing_said(server: str, what: str, skipped: str, exc: discord.HTTPException) -> str:
    """The line that says `server` does not offer `what`, and what is skipped for it."""
    return f"{server} does not offer {what} (HTTP 404: {exc.text or 'Not Found'}); {skipped}"


def say_missing(log: logging.Logger, what: str, skipped: str,
                exc: discord.HTTPException) -> None:
    """Log, once for each feature `skipped` until the route answers again (`route_offered`),
    that the server does not offer `what` and so the feature is skipped."""
    said = _told.setdefault(what, set())
    if skipped in said:
        return
    said.add(skipped)
    log.warning("%s", missing_said("this Discord server", what, skipped, exc))


def route_offered(what: str) -> None:
    """The server answered a call of `what` (as `say_missing` names it): should it lose the
    route again, that is news, said again."""
    if _told:  # (nothing to look up on a server that has every route)
        _told.pop(what, None)
