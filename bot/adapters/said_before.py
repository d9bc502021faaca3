"""Whether the bot already said something in a channel that its database has no record
of saying: after a restore from a copy taken before it was said, the database holds again
the reminder due, or the notice in its outbox, that went out since.

Bounded: only a channel whose latest message is newer than the moment in question (the
`last_message_id` Discord gives with the channel) is read, and then its first
`LOOKBACK` messages since that moment, never more of its history. Callers ask only for
what may be so restored, not on the usual path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import discord

from bot.app import EventBot

LOOKBACK = 20  # messages read at most, from the moment in question on
# Seconds a message's id (Discord's clock) may show before the moment in question (this
# machine's clock, to the second as the database keeps it) and still have followed it.
CLOCK_SLACK = 5.0


class HistoryHidden(Exception):
    """The bot lacks Read Message History in the server's channel: Discord then lists none
    of its messages (an empty list, not an error), so nothing there can be found."""


async def said_since(bot: EventBot, channel: discord.abc.Messageable,
                     last_message_id: str | int | None, since: datetime,
                     said: Callable[[str], bool]) -> bool:
    """Whether the bot wrote in `channel`, since `since`, a message whose text `said`
    takes; `last_message_id` is the channel's latest message as Discord gave the channel.
    Raises discord.HTTPException when Discord does not let the bot read it, and
    `HistoryHidden` when its permissions there would have Discord list nothing."""
    return any(said(message.content) for message in await posted_since(
        bot, channel, last_message_id, since))


async def posted_since(bot: EventBot, channel: discord.abc.Messageable,
                       last_message_id: str | int | None, since: datetime
                       ) -> list[discord.Message]:
    """The bot's own messages among the first `LOOKBACK` in `channel` since `since`, oldest
    first, as `said_since` reads them (and raises)."""
    since -= timedelta(seconds=CLOCK_SLACK)
    if last_message_id is None or discord.utils.snowflake_time(int(last_message_id)) < since:
        return []
    if isinstance(channel, discord.abc.GuildChannel) and not channel.permissions_for(
            channel.guild.me).read_message_history:
        raise HistoryHidden(channel.id)
    me = bot.user.id if bot.user else None
    return [message async for message in channel.history(limit=LOOKBACK, after=since)
            if message.author.id == me]
