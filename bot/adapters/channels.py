"""Where the bot posts on its own: the announcement channel, whether it may post there,
and what an announcement shows (to skip edits that change nothing)."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from bot.app import EventBot


async def announce_channel(bot: EventBot, guild_id: int) -> discord.TextChannel | None:
    """The channel set with /manage channel, else the system channel, else the first text
    channel where the bot may post."""
    guild = bot.get_guild(guild_id)
    if guild is None:
        return None
    chosen = await bot.store.run(bot.store.settings.announce_channel, guild_id)
    candidates = [guild.get_channel(chosen) if chosen else None, guild.system_channel,
                  *sorted(guild.text_channels, key=lambda c: (c.position, c.id))]
    for channel in candidates:
        if isinstance(channel, discord.TextChannel) and can_post_embeds(channel):
            return channel
    return None


def can_post_embeds(channel: discord.TextChannel) -> bool:
    """Whether the bot may post an announcement (an embed) in the channel."""
    perms = channel.permissions_for(channel.guild.me)
    return perms.view_channel and perms.send_messages and perms.embed_links


def digest(embed: discord.Embed, buttons: str = "open") -> str:
    """What an announcement shows: its embed and the state of its buttons."""
    encoded = json.dumps([embed.to_dict(), buttons], sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def cannot_post(channel: discord.TextChannel) -> str:
    return (f"I can't post embeds in {channel.mention}; give me View Channel, Send Messages "
            "and Embed Links there, or pick another channel")
