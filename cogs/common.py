"""What the cogs share: finding the event an interaction means, and autocomplete for it.

Not an extension (it has no `setup`); the cogs import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.models import Event
from bot.render import CHOICE_NAME, clip
from bot.store import EventNotFound, EventSummary, StoreError

if TYPE_CHECKING:
    from bot.app import EventBot

MAX_CHOICES = 25
EVENT_HELP = "Which event (default: the next one, else the latest)"


def guild_id_of(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


async def resolve_summary(interaction: discord.Interaction, ref: str | None) -> EventSummary:
    """The event named by the `[event]` option: an id from autocomplete, or typed text
    matched against titles; without it, the next upcoming event, else the most recent."""
    bot: EventBot = interaction.client  # type: ignore[assignment]
    guild_id = guild_id_of(interaction)
    ref = (ref or "").strip()
    if not ref:
        event_id = await bot.store.default_event_id(guild_id)
        if event_id is None:
            raise StoreError("this server has no events yet; a moderator can add one with "
                             "/manage import")
        return await bot.store.summary(guild_id, event_id)
    if ref.isdigit():
        try:
            return await bot.store.summary(guild_id, int(ref))
        except EventNotFound:
            pass
    needle = ref.casefold()
    for summary in await bot.store.list_events(guild_id):
        if needle in summary.title.casefold():
            return summary
    raise StoreError(f"no event in this server matches {clip(ref, 80)!r}; pick one from the list")


async def resolve_event(interaction: discord.Interaction, ref: str | None) -> Event:
    """Like `resolve_summary`, with everything the event's page says and its seat counts."""
    bot: EventBot = interaction.client  # type: ignore[assignment]
    summary = await resolve_summary(interaction, ref)
    return await bot.store.get_event(guild_id_of(interaction), summary.id)


async def event_autocomplete(interaction: discord.Interaction, current: str
                             ) -> list[app_commands.Choice[str]]:
    """Every event of the guild, past and closed included; value = the event id."""
    if interaction.guild_id is None:
        return []
    bot: EventBot = interaction.client  # type: ignore[assignment]
    needle = current.casefold().strip()
    choices = []
    for summary in await bot.store.list_events(interaction.guild_id):
        if needle and needle not in summary.title.casefold() and needle != str(summary.id):
            continue
        when = f" ({summary.starts_at:%Y-%m-%d})" if summary.starts_at else ""
        choices.append(app_commands.Choice(name=clip(summary.title, CHOICE_NAME - len(when)) + when,
                                           value=str(summary.id)))
        if len(choices) == MAX_CHOICES:
            break
    return choices
