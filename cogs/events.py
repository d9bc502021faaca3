"""`/event`: what an event is about: details, list, speakers, takeaways."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import EventBot
from bot.calendar import event_ics
from bot.questions import intents, searchable
from bot.render import (
    CHOICE_NAME,
    answer_embed,
    clip,
    event_embed,
    events_list_embed,
    safe,
    speaker_embed,
    speakers_messages,
    takeaways_messages,
)
from bot.store import StoreError
from bot.tree import respond
from cogs.common import (
    EVENT_HELP,
    MAX_CHOICES,
    event_autocomplete,
    guild_id_of,
    resolve_event,
    resolve_summary,
)


async def send_pages(interaction: discord.Interaction, messages: list[list[discord.Embed]]
                     ) -> None:
    """Send embeds that need several messages: the reply, then follow-ups."""
    for embeds in messages:
        await respond(interaction, embeds=embeds)


@app_commands.guild_only()
class EventCommands(commands.GroupCog, group_name="event",
                    group_description="Details, speakers and takeaways of this server's events"):
    def __init__(self, bot: EventBot) -> None:
        self.bot = bot

    @app_commands.command(name="info", description="Show an event: when, where, who, seats left")
    @app_commands.describe(event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    async def info(self, interaction: discord.Interaction, event: str | None = None) -> None:
        found = await resolve_event(interaction, event)
        await respond(interaction, embed=event_embed(found))

    @app_commands.command(name="list", description="This server's events to come: when, "
                          "seats left, open or closed")
    @app_commands.describe(past="Also show past and archived events")
    async def list_events(self, interaction: discord.Interaction, past: bool = False) -> None:
        listings = await self.bot.store.event_listings(guild_id_of(interaction), past=past)
        if not listings:
            await respond(interaction, "No events yet." if past else "No events to come. "
                          "Past and archived ones: `/event list past:True`.", ephemeral=True)
            return
        await respond(interaction, embed=events_list_embed(listings, past=past))

    @app_commands.command(name="speakers", description="Everyone on the panel, with full bios")
    @app_commands.describe(event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    async def speakers(self, interaction: discord.Interaction, event: str | None = None) -> None:
        found = await resolve_event(interaction, event)
        await send_pages(interaction, speakers_messages(found))

    @app_commands.command(name="speaker", description="One speaker's bio")
    @app_commands.describe(name="The speaker's name", event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    async def speaker(self, interaction: discord.Interaction, name: str,
                      event: str | None = None) -> None:
        found = await resolve_event(interaction, event)
        needle = " ".join(name.split()).casefold()
        person = next((p for p in found.people if p.name.casefold() == needle), None) or next(
            (p for p in found.people if needle and needle in p.name.casefold()), None)
        if person is None:
            names = ", ".join(p.name for p in found.people) or "nobody"
            raise StoreError(f"nobody called {clip(name, 80)!r} speaks at {found.title}; "
                             f"the people are: {names}")
        await send_pages(interaction, speaker_embed(found, person))

    @speaker.autocomplete("name")
    async def speaker_name_autocomplete(self, interaction: discord.Interaction, current: str
                                        ) -> list[app_commands.Choice[str]]:
        try:
            found = await resolve_event(interaction, interaction.namespace.event)
        except StoreError:
            return []
        needle = current.casefold()
        return [app_commands.Choice(name=clip(f"{p.name} ({p.role})", CHOICE_NAME), value=p.name)
                for p in found.people if needle in p.name.casefold()][:MAX_CHOICES]

    @app_commands.command(name="ask", description="Ask what the event pages say about something")
    @app_commands.describe(question="Your question, e.g. what was said about deterrence?",
                           event="Only this event (default: all of this server's events)")
    @app_commands.autocomplete(event=event_autocomplete)
    async def ask(self, interaction: discord.Interaction,
                  question: app_commands.Range[str, 1, 300], event: str | None = None) -> None:
        # Facts the question asks for come from the named event, else the next or latest one.
        asked = intents(question)
        found = await resolve_event(interaction, event) if asked else None
        event_id = (found or await resolve_summary(interaction, event)).id if event else None
        passages = (await self.bot.store.ask(guild_id_of(interaction), question, event_id)
                    if searchable(question) or not asked else [])
        await respond(interaction, embed=answer_embed(question, passages, found, asked))

    @app_commands.command(name="calendar", description="Get the event as a calendar file (.ics)")
    @app_commands.describe(event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    async def calendar(self, interaction: discord.Interaction, event: str | None = None) -> None:
        found = await resolve_event(interaction, event)
        file = discord.File(io.BytesIO(event_ics(found)), filename=f"{found.slug}.ics")
        await respond(interaction, f"**{safe(found.title)}**: open the file to add it to your "
                      "calendar.", ephemeral=True, file=file)

    @app_commands.command(name="takeaways", description="The key takeaways from the recap")
    @app_commands.describe(event=EVENT_HELP)
    @app_commands.autocomplete(event=event_autocomplete)
    async def takeaways(self, interaction: discord.Interaction, event: str | None = None) -> None:
        found = await resolve_event(interaction, event)
        await send_pages(interaction, takeaways_messages(found))


async def setup(bot: EventBot) -> None:
    await bot.add_cog(EventCommands(bot))
