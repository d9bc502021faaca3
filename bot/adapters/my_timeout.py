"""The end of a moderator's (or AutoMod's) timeout of the bot, which Discord does not send.

Discord sends GUILD_MEMBER_UPDATE when a timeout is set or lifted, but nothing when one
runs out by itself (discord/discord-api-docs#4269): what waits for the bot's permissions
to come back (the Discord events refused meanwhile, its announcements and attendee roles,
`mine_changed`) would go on waiting for a change that never comes. So at the timeout's
end the bot tells itself what a lift would have: its member without the timeout, as a
member update.

Not an extension (it has no `setup`); the bot holds one.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.adapters.role_changes import timed_out_until

if TYPE_CHECKING:
    from bot.app import EventBot

# Seconds past a timeout's end before the bot takes it as over: Discord's clock and the
# bot's may be apart by a little.
SLACK = 1.0


class TimeoutEnds:
    """A timer per server where the bot is timed out, at the timeout's end."""

    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        self._timers: dict[int, asyncio.TimerHandle] = {}

    def seen(self, guild: discord.Guild) -> None:
        """The bot's member in `guild` as the gateway shows it now (it arrived, or the
        bot's member changed): a timer at the end of its timeout, if one lasts."""
        earlier = self._timers.pop(guild.id, None)
        if earlier is not None:
            earlier.cancel()
        until = timed_out_until(guild)
        if until is None:
            return
        left = (until - discord.utils.utcnow()).total_seconds()
        self._timers[guild.id] = asyncio.get_running_loop().call_later(
            max(left, 0.0) + SLACK, self._over, guild.id, until)

    def _over(self, guild_id: int, until: datetime) -> None:
        del self._timers[guild_id]
        guild = self.bot.get_guild(guild_id)
        me = guild.me if guild is not None else None
        if guild is None or me is None or me.timed_out_until != until:
            return  # gone, or set again or lifted meanwhile (its update said so)
        if me.is_timed_out():  # (the bot's clock behind)
            self.seen(guild)
            return
        before = discord.Member._copy(me)  # as discord.py keeps one before an update
        me.timed_out_until = None
        self.bot.dispatch("member_update", before, me)

    def forget(self, guild_id: int) -> None:
        timer = self._timers.pop(guild_id, None)
        if timer is not None:
            timer.cancel()

    def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
