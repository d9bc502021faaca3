"""Where the bot posts on its own: the rule that picks the announcement channel.

The Discord adapter (`bot.adapters.channels.announce_channel`) gathers the channels and
says whether the bot may post embeds in one; the order of preference lives here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar


class Placed(Protocol):
    """A text channel, as far as the choice needs it: its place in the channel list."""

    @property
    def id(self) -> int: ...

    @property
    def position(self) -> int: ...


C = TypeVar("C", bound=Placed)


def choose_announce_channel(chosen: C | None, system: C | None, text_channels: Iterable[C],
                            may_post: Callable[[C], bool]) -> C | None:
    """The channel set with /manage channel, else the system channel, else the first text
    channel in the server's order; only one where the bot may post (embeds) counts."""
    ordered = sorted(text_channels, key=lambda channel: (channel.position, channel.id))
    for channel in (chosen, system, *ordered):
        if channel is not None and may_post(channel):
            return channel
    return None
