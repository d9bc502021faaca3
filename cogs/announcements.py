"""What the bot says on its own: notices in the announcements channel and DMs, and
the seat count on announcement messages kept current.

This cog only wires them to Discord and the bot's signals: the outbox's notices go out in
lanes (`bot.adapters.notice_lanes`), each said on Discord by `bot.adapters.notice_sender`;
the announcement messages are kept showing their event as it is by
`bot.adapters.announcement_edits`. Delivery starts with the connection (`cog_load`), not
at on_ready; on_ready delivers the notices held for guilds that had not arrived, and
refreshes every announcement whose counts moved while the bot was away.
"""

from __future__ import annotations

import asyncio

import discord
from discord.ext import commands

from bot.adapters.announcement_edits import AnnouncementEdits
from bot.adapters.notice_lanes import NoticeLanes
from bot.adapters.notice_sender import NoticeSender
from bot.adapters.role_changes import mine_changed
from bot.app import EventBot
from bot.signals import GuildLeft, RegistrationChanged


class Announcements(commands.Cog):
    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        self.edits = AnnouncementEdits(bot)
        self.sender = NoticeSender(bot, self.edits)
        self.lanes = NoticeLanes(bot, self.sender)
        self._deliverer: asyncio.Task[None] | None = None
        self._after_ready: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.bot.signals.subscribe(RegistrationChanged, self._on_registration_changed)
        self.bot.signals.subscribe(GuildLeft, self._on_guild_left)
        self._deliverer = asyncio.create_task(self.lanes.run(), name="announcements")
        self._after_ready = asyncio.create_task(self._run_after_ready(),
                                                name="announcements-after-ready")

    async def cog_unload(self) -> None:
        self.bot.signals.unsubscribe(RegistrationChanged, self._on_registration_changed)
        self.bot.signals.unsubscribe(GuildLeft, self._on_guild_left)
        tasks = [t for t in (self._deliverer, self._after_ready, *self.edits.tasks(),
                             *self.lanes.tasks())
                 if t is not None]
        for task in tasks:
            task.cancel()
        self.edits.cancel_timers()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _on_registration_changed(self, signal: RegistrationChanged) -> None:
        self.edits.registration_changed(signal.guild_id, signal.event_id)

    def _on_guild_left(self, signal: GuildLeft) -> None:
        self.edits.guild_left(signal.guild_id)

    async def _run_after_ready(self) -> None:
        """Deliver the notices held for guilds that had not arrived; after a restart, correct
        every announcement whose counts moved meanwhile."""
        await self.bot.wait_until_ready()
        self.lanes.channel_lane.wake.set()  # it delivers them (`NoticeLanes._deliver_lane`)
        await self.edits.refresh_all()

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        self.edits.guild_available(guild.id)  # the refreshes that waited for it
        # A new session's GUILD_CREATE shows the server as it is now, and replays none of
        # the channel changes made while the bot was away: one may let it post again. (This
        # also wakes the channel lane, which delivers the notices held for the server.)
        self.permissions_changed(guild.id)

    @commands.Cog.listener()
    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        self.permissions_changed(after.guild.id)  # (the bot's may have changed)

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if mine_changed(before, after):  # a role given to the bot (or taken)
            self.permissions_changed(after.guild.id)

    @commands.Cog.listener()
    async def on_guild_channel_update(self, before: discord.abc.GuildChannel,
                                      after: discord.abc.GuildChannel) -> None:
        self.permissions_changed(after.guild.id)

    @commands.Cog.listener()
    async def on_guild_channel_create(self, channel: discord.abc.GuildChannel) -> None:
        self.permissions_changed(channel.guild.id)  # (one to post in, maybe)

    def permissions_changed(self, guild_id: int) -> None:
        """The bot may post where it could not: its refused announcements are tried again,
        and the notices held for want of a channel (`NoticeLanes._held_back`)."""
        self.edits.permissions_changed(guild_id)
        self.lanes.channel_lane.wake.set()

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Invited back: its announcements, left as they were while the bot was out of the
        server (members still RSVP there), show the event as it is now, and its held
        notices are delivered (`NoticeLanes._guild_not_arrived`)."""
        self.lanes.channel_lane.wake.set()
        await self.edits.invited_back(guild.id)


async def setup(bot: EventBot) -> None:
    await bot.add_cog(Announcements(bot))
