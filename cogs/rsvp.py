"""`/rsvp`: members ask for a seat, give it up, or check it. The Join/Cancel buttons
under announcements (`bot/adapters/rsvp_buttons.py`) answer the same way; they are
registered here, at start-up, so buttons on old announcements keep working.
"""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.adapters.event_option import (
    EVENT_HELP,
    EventOption,
    guild_id_of,
    resolve_for,
    resolve_summary,
)
from bot.adapters.rsvp_buttons import RsvpButton, cancel_event, joining, reply_joined
from bot.app import EventBot, Interaction
from bot.flows import registration
from bot.render_replies import MY_RSVPS_SHOWN, my_rsvps_text, status_reply
from bot.tree import member_language, respond


@app_commands.guild_only()
class RsvpCommands(commands.GroupCog, group_name="rsvp",
                   group_description="Reserve, cancel or check your seat at an event"):
    def __init__(self, bot: EventBot) -> None:
        self.bot = bot

    @app_commands.command(name="join", description="Reserve a seat (or a waitlist place)")
    @app_commands.describe(event=EVENT_HELP)
    async def join(self, interaction: Interaction, event: EventOption | None = None) -> None:
        joined = await resolve_for(interaction, event,
                                   lambda event_id: joining(interaction, event_id))
        await reply_joined(interaction, joined)

    @app_commands.command(name="cancel", description="Give up your seat or waitlist place")
    @app_commands.describe(event=EVENT_HELP)
    async def cancel(self, interaction: Interaction, event: EventOption | None = None) -> None:
        await cancel_event(interaction, await resolve_summary(interaction, event))

    @app_commands.command(name="status", description="Are you confirmed, waitlisted, or neither?")
    @app_commands.describe(event=EVENT_HELP)
    async def status(self, interaction: Interaction, event: EventOption | None = None) -> None:
        store = self.bot.store
        guild_id = guild_id_of(interaction)
        found, rsvp = await resolve_for(interaction, event, lambda event_id: store.run(
            store.registrations.member_rsvp, guild_id, event_id, interaction.user.id))
        over = rsvp is not None and await registration.taken_place(store, guild_id, found)
        reply = status_reply(member_language(interaction), found.title, rsvp, over=over)
        await respond(interaction, reply, ephemeral=True)

    @app_commands.command(name="mine", description="Your RSVPs in this server, soonest first")
    async def mine(self, interaction: Interaction) -> None:
        mine = await self.bot.store.run(self.bot.store.registrations.my_rsvps,
                                        guild_id_of(interaction), interaction.user.id,
                                        limit=MY_RSVPS_SHOWN)
        await respond(interaction, my_rsvps_text(member_language(interaction), mine.shown,
                                                 mine.total), ephemeral=True)


async def setup(bot: EventBot) -> None:
    bot.add_dynamic_items(RsvpButton)
    await bot.add_cog(RsvpCommands(bot))


async def teardown(bot: EventBot) -> None:
    bot.remove_dynamic_items(RsvpButton)
