"""What happens to a server's data after the bot leaves it: kept for
`GUILD_DATA_RETENTION_DAYS` (a re-invite finds everything as it was, see
`EventBot.on_guild_join`), then deleted by the background task here.

The bot records when it left (`EventBot.on_guild_remove`), or, for a server that removed
it while it was away, finds out once connected (`Retention.note_guilds_gone`); the task
wakes when a guild is due, at least every `CHECK_INTERVAL`, and when told the bot left
one. A server that removed the bot's user keeps its commands and its RSVP buttons: a use
of either there clears the mark (`EventBot.ensure_events`), and the next look sets it
again from then, so that what is deleted is a server unused for a whole retention period.

The same task forgets members' client languages (kept for the DMs about their RSVPs) once
they hold no RSVP of an event not over and none of their DMs waits, a retention period
after they were last seen (`forget_member_locales`, in short steps): else every member
who ever used the bot stayed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

from discord.ext import commands

from bot.adapters.languages import forget_member_locales
from bot.app import EventBot
from bot.logs import RetryLog
from bot.signals import GuildDataDeleted, GuildLeft
from bot.tasks import woken

log = logging.getLogger(__name__)

CHECK_INTERVAL = 3600.0  # seconds between looks when no guild is due sooner
# Seconds between the transactions of a purge's leftovers (`purge_leftovers`): other
# processes' writes waiting for the lock (SQLite's busy handler tries again after 1 to
# 100 ms) get it in between.
PURGE_PAUSE = 0.02


class Retention(commands.Cog):
    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._locales_looked_at: float | None = None  # time.monotonic() of the last look
        self._failures = RetryLog(log)

    async def cog_load(self) -> None:
        self.bot.signals.subscribe(GuildLeft, self._on_guild_left)
        self._task = asyncio.create_task(self._run(), name="guild-retention")

    async def cog_unload(self) -> None:
        self.bot.signals.unsubscribe(GuildLeft, self._on_guild_left)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def _on_guild_left(self, signal: GuildLeft) -> None:
        self._wake.set()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Each new session's READY (a RESUME refused, a session Discord timed out) lists
        the servers as they are now, with no GUILD_DELETE for one that removed the bot
        meanwhile: a look at once (`note_guilds_gone`), not at the next hourly one."""
        self._wake.set()

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """A shard's new session, on a sharded bot (discord.py dispatches `ready` only
        once all its shards first connected): the same look, once the bot is ready (before
        that, the other shards' servers are not in yet)."""
        if self.bot.is_ready():
            self._wake.set()

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        while True:
            self._wake.clear()
            wait = await self.look()
            await woken(self._wake, wait)

    async def look(self) -> float:
        """One look: what is due is deleted or forgotten. Returns the seconds until the
        next; after a failure (a known state of the database, such as busy, is a warning,
        said once while it lasts; a defect an error), `CHECK_INTERVAL`."""
        try:
            await self.note_guilds_gone()
            wait = min(await self.purge_due(), await self.forget_locales_due())
        except Exception as exc:
            self._failures.failed(exc, "deleting the data of servers the bot left, or members' "
                                  "languages no longer needed, failed; retrying later")
            return CHECK_INTERVAL
        self._failures.succeeded()
        return wait

    async def note_guilds_gone(self) -> None:
        """A server that removed the bot while it was offline sends it no GUILD_DELETE:
        once connected, a server the bot was in that Discord no longer lists (an outage
        lists it as unavailable) is one it has left. Only this process's shards count."""
        for guild_id in await self.bot.store.run(self.bot.store.settings.guilds_kept):
            if self.bot.get_guild(guild_id) is None and self.bot.runs_guild(guild_id):
                await self.bot.left_guild(guild_id)

    async def purge_due(self, now: datetime | None = None) -> float:
        """Delete the data of every guild left more than the retention period ago;
        returns the seconds until the next one is due (at most CHECK_INTERVAL). By the wall
        clock as trusted (`bot.clock`): a step ahead that is set right soon deletes nothing
        it made due, and one that is kept is acted on once trusted."""
        clock = self.bot.wall_clock
        now = now or clock.trusted()
        retention = timedelta(days=self.bot.settings.guild_retention_days)
        wait = min(CHECK_INTERVAL, clock.untrusted_for() or CHECK_INTERVAL)
        for guild_id, left_at in await self.bot.store.run(self.bot.store.settings.guilds_left):
            if self.bot.get_guild(guild_id) is not None:  # back, though the join went unseen
                await self.bot.store.run(self.bot.store.settings.guilds_present, [guild_id])
                continue
            due = left_at + retention
            if due > now:
                wait = min(wait, (due - now).total_seconds())
            elif await self.bot.store.run(self.bot.store.settings.purge_guild,
                                          guild_id, now - retention):
                log.info("deleted the data of guild %s: the bot left it on %s", guild_id,
                         left_at.isoformat())
                self.bot.signals.emit(GuildDataDeleted(guild_id))
        await self.purge_leftovers()  # of the purges above, and of one a stop cut short
        return max(wait, 1.0)

    async def purge_leftovers(self) -> None:
        """Delete what is left of the servers' data deleted (their RSVPs...), a few
        thousand rows a transaction (`purge_leftovers`), pausing between them: one
        transaction for a million RSVPs held the database 4.5 s, every other server's
        joins waiting, those of other processes too."""
        settings = self.bot.store.settings
        left = await self.bot.store.run(settings.purge_leftovers)
        while left:
            await asyncio.sleep(PURGE_PAUSE)
            left = await self.bot.store.run(settings.purge_leftovers)

    async def forget_locales_due(self, now: datetime | None = None) -> float:
        """Forget the client languages no DM needs any more (see the module), at most once
        per CHECK_INTERVAL (or per retention period, when that is shorter); returns the
        seconds until the next look."""
        retention = timedelta(days=self.bot.settings.guild_retention_days)
        every = min(CHECK_INTERVAL, max(retention.total_seconds(), 1.0))
        looked_at = self._locales_looked_at
        if looked_at is not None and time.monotonic() - looked_at < every:
            return max(every - (time.monotonic() - looked_at), 1.0)
        self._locales_looked_at = time.monotonic()
        now = now or self.bot.wall_clock.trusted()
        forgotten = await forget_member_locales(self.bot.store, now - retention, now)
        if forgotten:
            # Seen again, they are written again at once (not REWRITE_AFTER later).
            self.bot.member_locales.forget_written()
            log.info("forgot the client languages of %d member(s) with nothing left to be told",
                     forgotten)
        return every


async def setup(bot: EventBot) -> None:
    await bot.add_cog(Retention(bot))
