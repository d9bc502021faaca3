"""Reminder DMs before events, and the scheduler that also takes attendee roles back
at their events' end (`bot.adapters.attendee_roles`).

One background task, the scheduler, sleeps until the next thing due: a reminder (the
guild's offsets before the start of every future event, see `Database.next_due`) or
the end of an event whose attendee role must be taken back. Anything that can move a
due time (an import, a join, a cancel, a capacity or settings change) wakes it early,
at most once per `MIN_GAP`. It never polls per event; the only timed wake-up besides
the next due time is every `MAX_SLEEP` seconds, to see what other bot processes
sharing the database changed.

Reminders are delivered AT MOST ONCE: claiming a reminder records it in `reminders_sent`
in the same transaction that finds it due, before the DM is sent. Each reminder is
claimed just before its DM, one at a time (`CLAIM_BATCH`), so a crash between that
commit and the DM loses that one reminder; a stop gives back a claim under way, and the
next start sends it. It never sends one twice, whether after a restart or with two
processes on one database (the claim is a write transaction, so only one of them gets
it). A duplicate reminder is worse than a missing one here, and `/rsvp status` and the
announcement still tell members when the event is. Members whose DMs are closed are
skipped (and logged), not retried; so is a member who no longer holds a seat once
Discord opens the DM channel (it may hold that up while they cancel) or has left the
server by then, and a reminder whose event has begun by then, or lost its start. One
claimed while the bot is out of its server (removed, its members still using the commands
there) waits for the bot to be invited back: Discord lets a bot DM only those it shares a
server with, and would refuse it as for closed DMs. One
held up while its event moved (even if moved back since) is given back as if never
claimed: the scheduler then sends what is due at the new start, once
(`bot.storage.reminder_walk.claim_stands`). Discord failing a call before the DM (a 5xx,
the network, Cloudflare's ban of the bot's address) sent nothing: the reminder is given
back, and none is tried until a wait is over (`AWAY_WAIT_FIRST`, doubling).

A member who is confirmed after an offset passed (a late join, a promotion) gets that
reminder at once, before the start; several passed offsets make one DM, not several. A
promoted member's comes after the DM telling them of their seat (five minutes at most
after the promotion, and a minute before the start at the latest, should Discord hold that
DM up: `reminder_walk.PROMOTION_FIRST`).
With shards in several processes, reminders are claimed in the database, so whichever
process claims one sends it.

What is due (a reminder, a role's end) is due by the wall clock as trusted (`bot.clock`):
a step of the host's clock ahead, set right soon after, sends no reminder early (it would
not be sent again at its time) and skips none of an event still to come, nor takes a role
back before its event's end. A step forward the clock keeps is followed after a while,
and a step back at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

import aiohttp
import discord
from discord.ext import commands

from bot.adapters.attendee_roles import AttendeeRoles
from bot.adapters.discord_limit import retry_after
from bot.adapters.languages import dm_language
from bot.adapters.missing_routes import DIRECT_MESSAGES, route_missing, route_offered, say_missing
from bot.adapters.notice_sender import has_left, refused_for_good
from bot.adapters.owed_roles_record import GIVE_BACK_WAIT
from bot.adapters.role_changes import mine_changed
from bot.adapters.said_before import said_since
from bot.app import EventBot, out_of_server
from bot.errors import EventNotFound, Unavailable
from bot.flows import registration
from bot.logs import RetryLog, one_line
from bot.models import DueReminder
from bot.reminders import is_reminder_of, reminder_dm
from bot.signals import (
    AttendeeRoleChanged,
    ConfirmedAgain,
    GuildDataDeleted,
    GuildsPresent,
    PromotionTold,
    RegistrationChanged,
    RemindersChanged,
)
from bot.tasks import woken
from bot.tree import NO_MENTIONS, NO_PREVIEWS

log = logging.getLogger(__name__)

# Seconds; bounds every sleep, to notice other processes' changes: reminders another
# process gave back at its stop go out within this. A round costs a few indexed queries
# (under a millisecond on the 1,000-event, 1,000,000-RSVP benchmark database).
MAX_SLEEP = 60.0
MIN_GAP = 1.0  # seconds between two rounds: a burst of joins wakes it about once a second
RETRY_AFTER = 30.0  # seconds after an unexpected failure of a round
# Reminders claimed at once: one, claimed just before its DM. A crash loses what was
# claimed and not sent, and in a burst Discord lets about one DM channel open a second: a
# claim of 100 was a window of a minute and more in which a crash lost up to 100 of them.
# A claim costs about a millisecond (SQLite), against the second or so of its DM.
CLAIM_BATCH = 1
# Seconds reminders wait after Discord failed one before its DM (a 5xx, the network, a 429
# discord.py did not wait out: Cloudflare's ban of the bot's address), doubled at each
# failure in a row up to AWAY_WAIT_MAX, or Discord's Retry-After if longer (at most an
# hour): the reminder is given back, and none is tried meanwhile, for each call made into
# an outage is one more refused, and into a ban lengthens it.
AWAY_WAIT_FIRST = 2.0
AWAY_WAIT_MAX = 300.0
RETRY_AFTER_MAX = 3600.0


class Reminders(commands.Cog):
    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        self.roles = AttendeeRoles(bot)
        self._wake = asyncio.Event()
        self._failures = RetryLog(log)  # the scheduler's
        self._scheduler: asyncio.Task[None] | None = None
        # What a stop gives back (`_give_back_unsent`): the claim under way, and the
        # reminders claimed whose DMs have not begun (none, claimed one at a time).
        self._claiming: asyncio.Future[list[DueReminder]] | None = None
        self._unsent: list[DueReminder] = []
        # Reminders claimed whose DMs never began because the database (or the machine)
        # failed the reads before them: given back by the next round, to go out once the
        # database answers again (and by a stop, with the rest).
        self._unread: list[DueReminder] = []
        # Said once while the reads keep failing (a damaged page of the event, say, while
        # the claims go through: each round takes them again until the event begins).
        self._unread_failures = RetryLog(log)
        # Reminders claimed for a server the bot is out of (removed from it, while its
        # members still use its commands there), by server: Discord lets the bot DM only
        # those it shares a server with, so each waits for the bot to be invited back, and is
        # given back then (`guild_arrived`), or by a stop, to go out if still due.
        self._held: dict[int, list[DueReminder]] = {}
        # While Discord fails the calls before reminders' DMs: the time.monotonic() moment
        # the next is tried, and the last wait (`_discord_failed`).
        self._away_until = 0.0
        self._away_wait = 0.0
        # A reminder due before this process started may be one a restored database no
        # longer knows was sent (`_already_reminded`); one due since was claimed here first.
        self._started = datetime.now(UTC)

    async def cog_load(self) -> None:
        await self.roles.load()
        self.bot.signals.subscribe(RegistrationChanged, self._on_registration_changed)
        self.bot.signals.subscribe(AttendeeRoleChanged, self._on_attendee_role_changed)
        self.bot.signals.subscribe(RemindersChanged, self._on_reminders_changed)
        self.bot.signals.subscribe(PromotionTold, self._on_promotion_told)
        self.bot.signals.subscribe(ConfirmedAgain, self._on_confirmed_again)
        self.bot.signals.subscribe(GuildDataDeleted, self._on_guild_data_deleted)
        self.bot.signals.subscribe(GuildsPresent, self._on_guilds_present)
        self._scheduler = asyncio.create_task(self._run(), name="reminders")

    async def cog_unload(self) -> None:
        self.bot.signals.unsubscribe(RegistrationChanged, self._on_registration_changed)
        self.bot.signals.unsubscribe(AttendeeRoleChanged, self._on_attendee_role_changed)
        self.bot.signals.unsubscribe(RemindersChanged, self._on_reminders_changed)
        self.bot.signals.unsubscribe(PromotionTold, self._on_promotion_told)
        self.bot.signals.unsubscribe(ConfirmedAgain, self._on_confirmed_again)
        self.bot.signals.unsubscribe(GuildDataDeleted, self._on_guild_data_deleted)
        self.bot.signals.unsubscribe(GuildsPresent, self._on_guilds_present)
        unsynced = self.roles.unsynced()  # before the syncs under way end: they are cut short
        if self._scheduler is not None:
            self._scheduler.cancel()
        tasks = [t for t in (self._scheduler, *self.roles.cancel()) if t is not None]
        await asyncio.gather(*tasks, return_exceptions=True)
        # at once: each waits GIVE_BACK_WAIT at most, and the stop no longer than that
        await asyncio.gather(self._give_back_unsent(), self.roles.stopped(unsynced))

    async def _give_back_unsent(self) -> None:
        """Give back what was claimed and not sent when the scheduler stopped, so the next
        start sends it; a DM under way counts as sent (at most once)."""
        held = [due for dues in self._held.values() for due in dues]
        unsent, self._unsent = [*self._unread, *self._unsent, *held], []
        self._unread, self._held = [], {}
        claiming, self._claiming = self._claiming, None
        try:  # the database held elsewhere does not hold the stop up long
            async with asyncio.timeout(GIVE_BACK_WAIT):
                if claiming is not None:  # stopped while claiming: all of that claim
                    unsent += await claiming
                if unsent:
                    await self.bot.store.run(self.bot.store.reminders.release_reminders,
                                             unsent)
                    log.info("gave back %d reminder(s) claimed and not sent", len(unsent))
        except TimeoutError:
            log.warning("gave up after %g s giving back the reminders claimed and not sent "
                        "(the database is held elsewhere); unless what is under way still "
                        "completes, they are not sent", GIVE_BACK_WAIT)
        except Exception:  # the claim failed (it may have been committed), or the give-back
            log.exception("could not give back the reminders claimed and not sent; they "
                          "are not sent")

    # -- what wakes the scheduler, and what the roles hear of ----------------------

    def _on_registration_changed(self, signal: RegistrationChanged) -> None:
        self.registration_changed(signal.guild_id, signal.event_id)

    def registration_changed(self, guild_id: int, event_id: int) -> None:
        self._wake.set()
        self.roles.registration_changed(guild_id, event_id)

    def _on_attendee_role_changed(self, signal: AttendeeRoleChanged) -> None:
        self._wake.set()  # a role now given out is taken back at the event's end: due then
        self.roles.role_changed(signal.guild_id, signal.event_id)

    def _on_reminders_changed(self, signal: RemindersChanged) -> None:
        self._wake.set()

    def _on_guilds_present(self, signal: GuildsPresent) -> None:
        self._wake.set()  # reminders that came due while the bot was out of one: due now

    def _on_promotion_told(self, signal: PromotionTold) -> None:
        self._wake.set()  # the promoted member's reminder waited for that DM

    def _on_confirmed_again(self, signal: ConfirmedAgain) -> None:
        self.roles.confirmed_again(signal.guild_id, signal.event_id, signal.user_id,
                                   signal.role_ids)

    def _on_guild_data_deleted(self, signal: GuildDataDeleted) -> None:
        """The server's events are gone, and with them all the roles know of them."""
        self.roles.guild_deleted(signal.guild_id)
        self.roles.notices.guild_deleted(signal.guild_id)
        self._held.pop(signal.guild_id, None)

    @commands.Cog.listener()
    async def on_guild_role_delete(self, role: discord.Role) -> None:
        await self.roles.role_deleted(role)

    @commands.Cog.listener()
    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        self.roles.role_updated(after.guild, before)

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if mine_changed(before, after):  # a role given to the bot (or taken)
            self.roles.role_updated(after.guild, before)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.guild_arrived(guild.id)
        await self.give_back_held(guild.id)
        await self.roles.deleted_while_away(guild)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        self.guild_arrived(guild.id)
        await self.give_back_held(guild.id)  # invited back while the connection was down
        await self.roles.deleted_while_away(guild)

    def guild_arrived(self, guild_id: int) -> None:
        """Invited back, or sent after an outage: the roles and the moderators' notices
        that waited for the server."""
        self.roles.guild_arrived(guild_id)
        self.roles.notices.guild_arrived(guild_id)

    async def give_back_held(self, guild_id: int) -> None:
        """Invited back: the reminders held for the server are given back, and sent by the
        next round (those still due: its event not begun)."""
        held = self._held.pop(guild_id, None)
        if not held:
            return
        try:
            await self.bot.store.run(self.bot.store.reminders.release_reminders, held)
        except Unavailable:  # the database away: the next round gives them back
            self._unread += held
        self._wake.set()

    # -- the scheduler ------------------------------------------------------------

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        while True:
            self._wake.clear()  # before the round: a change during it means another round
            try:
                await self.send_due_reminders()
                await self.roles.end_past_roles()
                now = self.bot.wall_clock.trusted()
                due = await self.bot.store.run(self.bot.store.reminders.next_due, now,
                                               self.roles.ending_events(),
                                               self.bot.own_shards)
                delay = MAX_SLEEP if due is None else (due - now).total_seconds() + 0.1
                if (away := self._away_until - time.monotonic()) > 0:
                    # Discord failed a reminder: the round after the wait gives it back and
                    # tries it again (a role's end waits with it: Discord fails that too).
                    delay = away if self._unread else max(delay, away)
                self._failures.succeeded()
            except Exception as exc:
                self._failures.failed(exc, "the reminder scheduler failed; retrying in %.0f s",
                                      RETRY_AFTER)
                delay = RETRY_AFTER
            await asyncio.sleep(MIN_GAP)
            delay = min(max(delay - MIN_GAP, 0.0), MAX_SLEEP)
            await woken(self._wake, delay)

    async def send_due_reminders(self) -> None:
        store = self.bot.store
        if self._unread:  # the database failed them: it answers again if this works
            await store.run(store.reminders.release_reminders, self._unread)
            log.debug("gave back %d reminder(s) the database could not be read for",
                      len(self._unread))
            self._unread = []
        while time.monotonic() >= self._away_until:
            # At most once: the claim is committed (recorded as sent) before its DM goes
            # out. A stop meanwhile gives back the claim and any reminders not yet begun;
            # the claim is shielded, so that it is known whatever moment the stop lands.
            self._claiming = asyncio.ensure_future(store.run(
                store.reminders.claim_reminders, self.bot.wall_clock.trusted(),
                limit=CLAIM_BATCH, shards=self.bot.own_shards))
            try:
                claimed = await asyncio.shield(self._claiming)
            except Exception:  # the round fails (logged by `_run`): nothing to give back
                self._claiming = None
                raise
            self._claiming = None
            for n, due in enumerate(claimed):
                self._unsent = claimed[n + 1:]
                await self._remind(due)
                if time.monotonic() < self._away_until:  # the rest wait with it
                    self._unread += self._unsent
                    break
            self._unsent = []
            if len(claimed) < CLAIM_BATCH:
                if not self._unread:  # every read went through: the next failure is news
                    self._unread_failures.succeeded()
                return
            # A burst lasts minutes (Discord opens about a DM channel a second): a role
            # whose event ends meanwhile is taken back at its end, not after the burst.
            await self.roles.end_past_roles()

    async def _remind(self, due: DueReminder) -> None:
        user_id, event_id = due.user_id, due.event_id
        sending = False  # once the DM is on its way, a failure may have delivered it
        if out_of_server(self.bot, due.guild_id):  # (a guild this process runs: the claim's)
            self._held.setdefault(due.guild_id, []).append(due)
            log.info("I am out of guild %s; user %s's reminder of event %s waits for me to be "
                     "invited back", due.guild_id, user_id, event_id)
            return
        try:
            # Opened over REST each time (as discord.py does for a channel it has not
            # cached): Discord then says which message the DMs end with, which discord.py's
            # DMChannel leaves out (`_already_reminded`).
            opened = await self.bot.dm_channels.opened(user_id)
            dm = self.bot.get_partial_messageable(int(opened["id"]),
                                                  type=discord.ChannelType.private)
            # Discord may have held the DM channel up (a 429; in a burst, a claim's last
            # DMs wait a minute and more) while the event began or moved, or while the
            # member cancelled: the reminder would come too late, show the old time, or
            # say "You're confirmed" untruly by now. So it shows the event as it is now.
            try:
                event = await self.bot.store.run(self.bot.store.events.get_event,
                                                 due.guild_id, event_id)
            except EventNotFound:
                log.info("event %s was deleted before user %s's reminder could be sent; "
                         "skipped", event_id, user_id)
                return
            starts_at, now = event.start_moment, self.bot.wall_clock.trusted()
            if starts_at is None:
                log.info("event %s lost its start before user %s's reminder could be sent; "
                         "skipped", event_id, user_id)
                return
            if now >= starts_at:
                log.info("event %s began before user %s's reminder could be sent; skipped",
                         event_id, user_id)
                return
            if not await self.bot.store.run(self.bot.store.reminders.claim_stands, due):
                # Moved since the claim (even if moved back since): given back, so that the
                # scheduler sends, once, what is due at the new start (brought forward past
                # another offset, one DM for both; moved later, the offset's own time), as
                # if never claimed.
                await self.bot.store.run(self.bot.store.reminders.release_reminders, [due])
                self._wake.set()
                log.info("event %s moved before user %s's reminder could be sent; given back "
                         "to be sent as due at its new start", event_id, user_id)
                return
            if not await registration.still_holds(self.bot.store, due.guild_id, event_id,
                                                  user_id, confirmed=True):
                log.info("user %s no longer has a seat at event %s; skipped their reminder",
                         user_id, event_id)
                return
            try:  # a reminder to use /rsvp in a server they left (their seat stays theirs)
                left = await has_left(self.bot, due.guild_id, user_id)
            except discord.Forbidden:  # Discord will not say (the bot removed from it)
                left = False
            if left:
                log.info("user %s left guild %s; skipped their reminder of event %s",
                         user_id, due.guild_id, event_id)
                return
            guild = self.bot.get_guild(due.guild_id)
            server = guild.name if guild else None
            if await self._already_reminded(dm, opened.get("last_message_id"), due,
                                            event.title, starts_at, server):
                log.warning("user %s was already reminded of event %s, as their DMs show, "
                            "though the database has no record of it (was it restored from "
                            "an older copy?); not reminded again", user_id, event_id)
                return
            lang = await dm_language(self.bot, user_id, due.guild_id)
            sending = True
            await dm.send(reminder_dm(lang, event.id, event.title, starts_at, event.venue,
                                      event.starts_at if event.all_day else None, server),
                          allowed_mentions=NO_MENTIONS, suppress_embeds=NO_PREVIEWS)
            route_offered(DIRECT_MESSAGES)
            log.info("reminded user %s of event %s (offsets %s min)", user_id, event_id,
                     due.minutes)
            self._away_wait = 0.0
        except Unavailable as exc:  # before the DM (all the reads are): nothing went out
            self._unread.append(due)
            self._unread_failures.failed(
                exc, "could not read what reminders need (user %s's of event %s first); "
                "each is given back at the next round, and sent once the database answers",
                user_id, event_id)
        except discord.Forbidden:
            log.info("user %s does not accept DMs from me; skipped their reminder of event %s",
                     user_id, event_id)
        except discord.HTTPException as exc:
            if route_missing(exc):
                say_missing(log, DIRECT_MESSAGES, "reminders are not sent", exc)
                return
            # A 429 (one discord.py did not wait out: a ban of the bot's address) says the
            # call was not made: nothing went out, even of the DM itself.
            if (not sending or exc.status == 429) and not refused_for_good(exc):
                self._discord_failed(due, f"{exc.status} {one_line(exc.text, 200)}",
                                     retry_after(exc) or 0.0)
                return
            log.warning("could not send user %s the reminder of event %s (%s %s); reminders "
                        "are sent at most once, so it is not retried", user_id, event_id,
                        exc.status, exc.text)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            if not sending:
                self._discord_failed(due, str(exc) or type(exc).__name__, 0.0)
                return
            log.warning("could not send user %s the reminder of event %s (%s); reminders are "
                        "sent at most once, so it is not retried", user_id, event_id,
                        str(exc) or type(exc).__name__)
        except Exception:  # a defect must not cost the rest of the claimed batch
            log.exception("could not send user %s the reminder of event %s; reminders are "
                          "sent at most once, so it is not retried", user_id, event_id)

    def _discord_failed(self, due: DueReminder, said: str, retry_after: float) -> None:
        """Discord failed a call before the reminder's DM, or refused the DM itself with a
        429: nothing went out, so the reminder is given back (`_unread`), and no reminder
        is tried for a while."""
        self._unread.append(due)
        self._away_wait = min(max(self._away_wait * 2, AWAY_WAIT_FIRST), AWAY_WAIT_MAX)
        wait = max(self._away_wait, min(retry_after, RETRY_AFTER_MAX))
        self._away_until = time.monotonic() + wait
        log.warning("Discord failed the calls for user %s's reminder of event %s (%s); "
                    "given back, and reminders are tried again in %.0f s", due.user_id,
                    due.event_id, said, wait)

    async def _already_reminded(self, dm: discord.PartialMessageable,
                                last_message_id: str | int | None, due: DueReminder,
                                title: str, starts_at: datetime,
                                server: str | None) -> bool:
        """Whether the member's DMs hold a reminder of the event (its title and start) sent
        since the latest of the offsets `due` covers came due: one the database does not
        know of, as after a restore from a copy taken before it went out. Only a DM channel
        with a message since then (Discord's `last_message_id` as the channel was opened for
        this reminder) is read, at most `said_before.LOOKBACK` messages of it: a reminder
        sent as it comes due usually costs no read. Only a reminder due before this process
        started may be such a one; another server's event of the same title and start (the
        same page imported there) has its own reminder, told apart by its `server` line.
        Unreadable: not known to be sent."""
        since = starts_at - timedelta(minutes=min(due.minutes))
        if since >= self._started:
            return False
        try:
            return await said_since(self.bot, dm, last_message_id, since,
                                    lambda text: is_reminder_of(text, title, starts_at, server))
        except discord.HTTPException as exc:
            log.warning("could not read user %s's DMs for a reminder already sent (%s %s); "
                        "sending it", due.user_id, exc.status, exc.text)
        return False


async def setup(bot: EventBot) -> None:
    await bot.add_cog(Reminders(bot))
