"""Members' DM channels, opened one at a time.

Every DM first opens the member's DM channel (``POST /users/@me/channels``, one route
bucket for the whole bot, a few a second). discord.py keeps that bucket, but with many
requests waiting in it, the turn of its window can let one more through than the window
allows: a 429, which counts toward Discord's limit of invalid requests (seen with the DM
lane's 25 members' DMs side by side: a sixth open in a window of five, about one run in
four). So the bot's opens, the DM lane's and the reminders', go one at a time: at most one
waits in discord.py's bucket. One open is one round trip, quicker than the bucket lets
them through anyway.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from discord.ext import commands


class DmChannels:
    """Opens DM channels for the whole process, one at a time."""

    def __init__(self, bot: commands.Bot) -> None:
        self._bot = bot
        self._one_at_a_time = asyncio.Lock()

    async def opened(self, user_id: int) -> dict[str, Any]:
        """The member's DM channel as Discord answers opening it (over REST each time: the
        answer says which message the DMs end with, which discord.py's DMChannel leaves
        out)."""
        async with self._one_at_a_time:
            return dict(await self._bot.http.start_private_message(user_id))

    async def channel(self, user_id: int) -> discord.DMChannel:
        """The member's DM channel: discord.py's, if it has it already; else opened."""
        async with self._one_at_a_time:
            return await self._bot.create_dm(discord.Object(user_id))
