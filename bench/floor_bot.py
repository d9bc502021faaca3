"""The floor bot: the least a discord.py bot can do per interaction.

``/rsvp join [event]`` answers every invocation with a fixed ephemeral "confirmed" and
does nothing else (no storage, no rendering, no logging above WARNING). Benchmarks run
it against the same local server as the real bot, so the ratio between the two measures
what the real bot adds on top of discord.py itself.

With FLOOR_REPLIES (a JSON file: command name -> the messages the real bot sent for it,
as `bench/reads.py` captures them), it registers those commands instead and answers each
with the very messages the bot sent, rebuilt per interaction as discord.py would
(`discord.Embed.from_dict`, a View rebuilt with the same components and the bot's pager
timeout): the floor for the bot's reads.

Environment: DISCORD_TOKEN, DISCORD_API_BASE, DISCORD_GATEWAY_URL (see the e2e server),
FLOOR_GUILD_ID to sync the commands to that guild, or to those guilds when it lists
several ids separated by commas (otherwise they are synced globally), and SHARD_COUNT and
SHARD_IDS as for the bot (one process runs the shards SHARD_IDS names, else all of them).

    python bench/floor_bot.py
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import discord
import yarl
from discord import app_commands

rsvp = app_commands.Group(name="rsvp", description="RSVP to an event")


@rsvp.command(name="join", description="Register for an event")
@app_commands.describe(event="The event")
async def join(interaction: discord.Interaction, event: str | None = None) -> None:
    await interaction.response.send_message("confirmed", ephemeral=True)


VIEW_TIMEOUT = 14 * 60  # the bot's speaker pager (cogs/events.py PAGER_TIMEOUT)
EPHEMERAL = 64


def view_of(rows: list[dict[str, Any]]) -> discord.ui.View | None:
    """The components of a captured message as a View, built as the bot builds its own."""
    if not rows:
        return None
    view = discord.ui.View(timeout=VIEW_TIMEOUT)
    for number, row in enumerate(rows):
        for item in row["components"]:
            emoji = item.get("emoji")
            if item["type"] == 2:
                view.add_item(discord.ui.Button(
                    style=discord.ButtonStyle(item.get("style", 2)), label=item.get("label"),
                    disabled=item.get("disabled", False), url=item.get("url"), row=number,
                    emoji=discord.PartialEmoji.from_dict(emoji) if emoji else None))
            elif item["type"] == 3:
                view.add_item(discord.ui.Select(
                    placeholder=item.get("placeholder"), row=number, options=[
                        discord.SelectOption(label=o["label"], value=o["value"],
                                             description=o.get("description"),
                                             default=o.get("default", False))
                        for o in item.get("options", [])]))
    return view


def message_args(message: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {
        "content": message.get("content") or None,
        "embeds": [discord.Embed.from_dict(e) for e in message.get("embeds", [])],
        "ephemeral": bool((message.get("flags") or 0) & EPHEMERAL),
        "allowed_mentions": discord.AllowedMentions.none()}
    if (view := view_of(message.get("components", []))) is not None:
        args["view"] = view
    return args


def replay(name: str, messages: list[dict[str, Any]]) -> app_commands.Command[Any, Any, None]:
    """A command answering with `messages`: the first as the response, the rest as
    follow-ups, as the bot sends them."""
    async def answer(interaction: discord.Interaction, event: str | None = None) -> None:
        first, *rest = messages
        await interaction.response.send_message(**message_args(first))
        for message in rest:
            await interaction.followup.send(**message_args(message))

    return app_commands.Command(name=name, description=f"/{name} as the bot answers it",
                                callback=answer)


def replay_groups(replies: dict[str, list[dict[str, Any]]]) -> list[app_commands.Group]:
    groups: dict[str, app_commands.Group] = {}
    for command, messages in replies.items():
        group, _, name = command.partition(" ")
        if group not in groups:
            groups[group] = app_commands.Group(name=group, description=f"/{group}")
        groups[group].add_command(replay(name, messages))
    return list(groups.values())


class FloorBot(discord.Client):
    def __init__(self, guild_ids: list[int],
                 replies: dict[str, list[dict[str, Any]]] | None = None,
                 **options: object) -> None:
        super().__init__(intents=discord.Intents(guilds=True), **options)
        self.guild_ids = guild_ids
        self.tree = app_commands.CommandTree(self)
        for group in replay_groups(replies) if replies else [rsvp]:
            self.tree.add_command(group)

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
    replies = None
    if path := os.environ.get("FLOOR_REPLIES"):
        with open(path, encoding="utf-8") as file:
            replies = json.load(file)
    count, ids = os.environ.get("SHARD_COUNT"), os.environ.get("SHARD_IDS")
    bot = (ShardedFloorBot(guild_ids, replies, shard_count=int(count),
                           shard_ids=[int(i) for i in ids.split(",")] if ids else None)
           if count else FloorBot(guild_ids, replies))
    bot.run(os.environ["DISCORD_TOKEN"], log_level=logging.WARNING)


if __name__ == "__main__":
    main()
