"""Where the bot posts on its own: the rule that picks the announcement channel.

The Discord adapter (`bot.adapters.channels.announce_channel`) gathers the channels and
says whether the bot may post embeds in one; the order of preference lives here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar


class Placed(Protocol):
    """A text channel, as far as the choice needs it: its name and its place in the
    channel list."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def position(self) -> int: ...


C = TypeVar("C", bound=Placed)


def choose_announce_channel(chosen: C | None, system: C | None, text_channels: Iterable[C],
                            may_post: Callable[[C], bool]) -> C | None:
    """The channel set with /manage channel, else the server's announcements channel (named
    so: `announcements_first`), else the system channel (where Discord welcomes members,
    often #general), else the first text channel in the server's order; only one where the
    bot may post (embeds) counts."""
    ordered = sorted(text_channels, key=lambda channel: (channel.position, channel.id))
    for channel in (chosen, *announcements_first(ordered), system, *ordered):
        if channel is not None and may_post(channel):
            return channel
    return None


def announcements_first(ordered: list[C]) -> list[C]:
    """The channels named for announcements, in the server's order, one named just so
    first: "announcements", then "event-announcements", "📢-announcements", "公告"."""
    named = [channel for channel in ordered if _for_announcements(channel.name)]
    return sorted(named, key=lambda channel: _letters(channel.name) != "announcements")


def _for_announcements(name: str) -> bool:
    return "announcement" in _letters(name) or "公告" in name


def _letters(name: str) -> str:
    """A channel's name without what decorates it (emoji, dashes, case)."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())
