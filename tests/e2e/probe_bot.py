"""A throwaway discord.py bot that does what the event bot does, to test the local server.

``tests/e2e/test_localdiscord.py`` runs it as ``python tests/e2e/probe_bot.py`` with
:meth:`FakeDiscord.bot_env`. It syncs ``/probe ...`` globally (so it also works in DMs)
and every command answers with something a test can check.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re

import discord
import yarl
from discord import app_commands
from discord.ext import commands

log = logging.getLogger("probe")
EVENTS = ["Alpha summit", "Beta workshop", "Gamma talk"]


class JoinButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"eventbot:rsvp:join:(?P<event_id>\d+)"
):
    """A persistent button: it works on messages posted before the bot (re)started."""

    def __init__(self, event_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Join", custom_id=f"eventbot:rsvp:join:{event_id}")
        )
        self.event_id = event_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> JoinButton:
        return cls(int(match["event_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"joined {self.event_id}", ephemeral=True)


class LeaveButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"eventbot:rsvp:leave:(?P<event_id>\d+)"
):
    """Answers by editing the message it is on (callback type 7)."""

    def __init__(self, event_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Leave", custom_id=f"eventbot:rsvp:leave:{event_id}")
        )
        self.event_id = event_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> LeaveButton:
        return cls(int(match["event_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=f"left {self.event_id}")


class AnswerModal(discord.ui.Modal, title="A question"):
    answer = discord.ui.TextInput(label="Answer", custom_id="answer")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"answer: {self.answer.value}", ephemeral=True)


probe = app_commands.Group(name="probe", description="Exercise the local Discord")
nested = app_commands.Group(name="nested", description="A sub-command group", parent=probe)


async def reply(
    interaction: discord.Interaction, content: str, **kwargs
) -> discord.InteractionCallbackResponse:
    return await interaction.response.send_message(content, ephemeral=True, **kwargs)


@probe.command(description="Defer, then send two follow-ups")
async def defer(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    await asyncio.sleep(0.05)
    await interaction.followup.send("deferred done", ephemeral=True)
    await interaction.followup.send("second followup", ephemeral=True)


@probe.command(description="Answer with an embed, then edit the answer")
async def embed(interaction: discord.Interaction) -> None:
    card = discord.Embed(title="Probe", description="An embed")
    card.add_field(name="field", value="value", inline=False)
    callback = await reply(interaction, "", embed=card)
    assert isinstance(callback.resource, discord.InteractionMessage)
    await callback.resource.edit(content="edited")  # PATCH .../messages/@original


@probe.command(description="Answer with a file")
async def file(interaction: discord.Interaction) -> None:
    await reply(interaction, "here", file=discord.File(io.BytesIO(b"hello file"), "hello.txt"))


@probe.command(description="Post a message with buttons to a channel, then edit it")
async def post(interaction: discord.Interaction, channel: discord.TextChannel, text: str) -> None:
    view = discord.ui.View(timeout=None)
    view.add_item(JoinButton(42))
    view.add_item(LeaveButton(42))
    try:
        message = await channel.send(text, view=view)
        await message.edit(content=f"{text} (edited)")
    except discord.Forbidden as exc:
        await reply(interaction, f"cannot post there ({exc.code})")
        return
    await reply(interaction, f"posted {message.id}")


@probe.command(description="Defer, post n messages to a channel at once, then say so")
async def burst(interaction: discord.Interaction, channel: discord.TextChannel, n: int) -> None:
    await interaction.response.defer(ephemeral=True)
    none = discord.AllowedMentions.none()
    await asyncio.gather(*(channel.send(f"burst {i}", allowed_mentions=none) for i in range(n)))
    await interaction.followup.send(f"sent {n}", ephemeral=True)


@probe.command(description="DM the invoking user")
async def dm(interaction: discord.Interaction) -> None:
    try:
        await interaction.user.send("hello from probe")
    except discord.Forbidden as exc:
        await reply(interaction, f"dm blocked ({exc.code})")
    else:
        await reply(interaction, "dm sent")


@probe.command(description="Pick an event, with autocomplete")
async def pick(interaction: discord.Interaction, event: str) -> None:
    await reply(interaction, f"picked {event}")


@pick.autocomplete("event")
async def pick_event(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=e, value=e) for e in EVENTS if current.lower() in e.lower()]


@probe.command(description="Read an attachment")
async def read(interaction: discord.Interaction, page: discord.Attachment) -> None:
    data = await page.read()
    await reply(interaction, f"{page.filename}: {data.decode()}")


@probe.command(description="Say where the command was used")
async def where(interaction: discord.Interaction) -> None:
    await reply(
        interaction, "dm" if interaction.guild is None else f"guild {interaction.guild.name}"
    )


@probe.command(description="Open a modal")
async def modal(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(AnswerModal())


@nested.command(description="Double a number")
async def double(interaction: discord.Interaction, n: int) -> None:
    await reply(interaction, str(2 * n))


class ProbeBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.tree.add_command(probe)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(JoinButton, LeaveButton)
        await self.tree.sync()

    async def on_resumed(self) -> None:
        log.info("on_resumed fired")


def main() -> None:
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    ProbeBot().run(os.environ["DISCORD_TOKEN"], log_level=logging.INFO, root_logger=True)


if __name__ == "__main__":
    main()
