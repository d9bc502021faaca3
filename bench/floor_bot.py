"""The floor bot: the least a discord.py bot can do per interaction.

``/rsvp join [event]`` answers every invocation with a fixed ephemeral "confirmed" and
does nothing else (no storage, no rendering, no logging above WARNING). Benchmarks run
it against the same local server as the real bot, so the ratio between the two measures
what the real bot adds on top of discord.py itself.

Environment: DISCORD_TOKEN, DISCORD_API_BASE, DISCORD_GATEWAY_URL (see the e2e server),
FLOOR_GUILD_ID to sync the commands to that guild, or to those guilds when it lists
several ids separated by commas (otherwise they are synced globally), and SHARD_COUNT and
SHARD_IDS as for the bot (one process runs the shards SHARD_IDS names, else all of them).

    python bench/floor_bot.py
"""

from __future__ import annotations

import logging
import os

import discord
import yarl
from discord import app_commands

rsvp = app_commands.Group(name="rsvp", description="RSVP to an event")


@rsvp.command(name="join", description="Register for an event")
@app_commands.describe(event="The event")
async def join(interaction: discord.Interaction, event: str | None = None) -> None:
    await interaction.response.send_message("confirmed", ephemeral=True)


class FloorBot(discord.Client):
    def __init__(self, guild_ids: list[int], **options: object) -> None:
        super().__init__(intents=discord.Intents(guilds=True), **options)
        self.guild_ids = guild_ids
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(rsvp)

    async def setup_hook(self) -> None:
        if not self.guild_ids:
            await self.tree.sync()
        for guild_id in self.guild_ids:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)


class ShardedFloorBot(FloorBot, discord.AutoShardedClient):
    """On the shards SHARD_COUNT and SHARD_IDS name, as the bot is then."""


def main() -> None:
    if base := os.environ.get("DISCORD_API_BASE"):
        discord.http.Route.BASE = base
    if gateway := os.environ.get("DISCORD_GATEWAY_URL"):
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    guild_ids = [int(g) for g in os.environ.get("FLOOR_GUILD_ID", "").split(",") if g]
    count, ids = os.environ.get("SHARD_COUNT"), os.environ.get("SHARD_IDS")
    bot = (ShardedFloorBot(guild_ids, shard_count=int(count),
                           shard_ids=[int(i) for i in ids.split(",")] if ids else None)
           if count else FloorBot(guild_ids))
    bot.run(os.environ["DISCORD_TOKEN"], log_level=logging.WARNING)


if __name__ == "__main__":
    main()
