"""The command tree: one error handler for every slash command, and the reply helper.

Domain errors and failed checks become a short ephemeral message; anything
unexpected is logged with the command, user and guild, and the member is told
something went wrong without a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.catalog import CatalogError
from bot.pages import PageError
from bot.registration import RegistrationError
from bot.render import CONTENT, clip, safe
from bot.store import StoreError

log = logging.getLogger(__name__)

USER_ERRORS = (StoreError, RegistrationError, CatalogError, PageError)
NO_MENTIONS = discord.AllowedMentions.none()


async def respond(interaction: discord.Interaction, content: str | None = None, *,
                  ephemeral: bool = False, **kwargs: Any) -> None:
    """Reply, or follow up when the first response was already given (or deferred)."""
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    if content is not None:
        content = clip(content, CONTENT)
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=ephemeral, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=ephemeral, **kwargs)


def error_message(error: BaseException) -> str | None:
    """The member-facing text for an expected error, or None for a bug."""
    if isinstance(error, (app_commands.CommandInvokeError, app_commands.TransformerError)):
        if isinstance(error.__cause__, USER_ERRORS):
            return _sentence(str(error.__cause__))
        if isinstance(error, app_commands.TransformerError):
            return f"That value for **{error.type.name}** isn't valid: {safe(str(error.value))}"
        error = error.__cause__ or error
    if isinstance(error, USER_ERRORS):
        return _sentence(str(error))
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works inside a server."
    if isinstance(error, app_commands.MissingPermissions):
        return "You need the **Manage Events** permission to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(error.missing_permissions)
        return f"I'm missing a permission for that here: {missing}."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the member what went wrong; log what they cannot fix."""
    message = error_message(error)
    if message is None:
        command = interaction.command.qualified_name if interaction.command else (
            (interaction.data or {}).get("custom_id", "?"))
        log.error("unexpected error in %s (user %s, guild %s)", command, interaction.user.id,
                  interaction.guild_id, exc_info=error)
        message = "Something went wrong on my side; the moderators can find it in the bot's log."
    try:
        await respond(interaction, f"⚠️ {message}", ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id)


class EventTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # First use in a server with no events: give it the sample event before answering.
        if interaction.guild_id is not None:
            await interaction.client.ensure_events(interaction.guild_id)
        return True

    async def on_error(self, interaction: discord.Interaction,
                       error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)


def _sentence(text: str) -> str:
    text = safe(text)
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
