"""The announcement messages kept showing their event as it is: the seat count, and the
state of their buttons (open, full, closed, archived).

Announcement messages are re-rendered after every registration change, at most
once per `EDIT_INTERVAL` per event whatever the RSVP rate, and only when the
rendered embed or the state of its buttons (open, full, closed, archived) changed;
and once more when their event ends, which nothing else marks (Join is disabled then).
A deleted event's announcements are shown as cancelled, with their buttons disabled.

Kept apart from the outbox's delivery (`bot.adapters.notice_lanes`,
`bot.adapters.notice_sender`): these edits are not notices, are not claimed nor
acknowledged, and keep state of their own (the edits under way, the refusals, the timers
of the events' ends). The announcements cog feeds them its signals and listeners.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import aiohttp
import discord

from bot.adapters.automod_refusals import AutoModRefusals
from bot.adapters.channels import can_post_embeds, digest
from bot.adapters.missing_routes import (
    ANNOUNCEMENTS_AS_THEY_WERE,
    MESSAGE_EDITS,
    route_missing,
    route_offered,
    say_missing,
)
from bot.adapters.notice_sender import refused_for_good
from bot.adapters.rsvp_buttons import button_state, rsvp_buttons
from bot.adapters.scheduled_events import delete_scheduled_event
from bot.app import EventBot, not_arrived, out_of_server
from bot.errors import EventNotFound, Unavailable
from bot.locks import KeyedLocks
from bot.logs import RetryLog, error_line
from bot.models import GIVE_UP_AFTER, DeletedPayload, Event
from bot.recent import Recent
from bot.render import event_embed
from bot.render_replies import cancelled_embed
from bot.tree import NO_MENTIONS, blocked_by_automod

log = logging.getLogger(__name__)

EDIT_INTERVAL = 2.0  # seconds between edits of one event's announcement messages
# After an edit Discord refused for a while (a server error, an edit limit), the next
# try waits this long, doubled on each failure in a row up to RETRY_MAX.
RETRY_FIRST, RETRY_MAX = 4.0, 600.0
END_SLACK = 1.0  # seconds after an event's end its announcements are refreshed (clock skew)
# Seconds at most between two looks at the wall clock while waiting for an event's end: the
# event loop's clock stands still while the machine sleeps and ignores the wall clock's
# steps, so a wait timed on it alone would show the end hours late after a night's sleep.
END_LOOK_AGAIN = 60.0
# Seconds between two looks at the wall clock after it showed an event over while it is
# not trusted (`bot.clock`: stepped ahead lately): once set right, the event is shown as
# still to come again within this.
STEP_LOOK_AGAIN = 5.0
# Announced events refreshed side by side after a restart (`refresh_all`): at most this
# many of their database reads are ever queued ahead of a member's command.
REFRESH_AT_ONCE = 4

T = TypeVar("T")


async def until_reachable(what: str, look: Callable[[], Awaitable[T]]) -> T | None:
    """`look`, tried again while the database is busy or away (`Unavailable`), from
    RETRY_FIRST to RETRY_MAX apart, said once; a defect is logged and gives None. The
    refresh after a start, or after an invitation back, is the only one those
    announcements get until their event changes: a database away at that moment left
    them showing the seats of before for good."""
    retry, failures = RETRY_FIRST, RetryLog(log)
    while True:
        try:
            return await look()
        except Unavailable as exc:
            failures.failed(exc, "%s; trying again", what)
            await asyncio.sleep(retry)
            retry = min(retry * 2, RETRY_MAX)
        except Exception:
            log.exception(what)
            return None


class AnnouncementEdits:
    """The edits of the announcement messages, each event's one at a time. Fed by the
    announcements cog: `registration_changed`, `guild_left`, `guild_available`,
    `invited_back`, `refresh_all` after start, and the stop's `tasks` and
    `cancel_timers`; and by the deleted event's notice (`end_announcements`)."""

    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        self._dirty: set[tuple[int, int]] = set()
        self._editors: dict[tuple[int, int], asyncio.Task[None]] = {}
        # One edit of an event's announcements at a time: a refresh that read the event just
        # before it was deleted must not land after the "Cancelled" edit and undo it. A
        # lock is kept only while an edit holds or waits for it: every event changes.
        self._editing = KeyedLocks()
        # Announcement messages Discord would not let the bot edit (403, or a server without
        # the edit route), with their server and the state it refused: not tried again for
        # that state (each refusal counts against Discord's limit of invalid requests), only
        # once the event changes again, or (`_blocked`) once the bot may post there again.
        self._refused: dict[int, tuple[int, str]] = {}
        # Of those, the ones refused (403) while the bot's permissions, as the gateway
        # shows them, kept it from posting in their channel (View Channel taken away, say),
        # by message: (server, channel, event). Tried again as soon as a change of the
        # server's roles or of the channel's overwrites lets it (`permissions_changed`),
        # once: not at every change, nor for one refused while it seemed allowed.
        self._blocked: dict[int, tuple[int, int, int]] = {}
        # The announced events that have not ended: their refresh at the end, by the end.
        # Those of a server the bot left go with it (`guild_left`): a refresh there is
        # refused, and an invitation back refreshes them all (`invited_back`).
        # (Or, shown over by a wall clock stepped ahead and not trusted yet, their refresh
        # should the clock be set right: `_refresh_at_end`.) By the end, whether shown over.
        self._at_end: dict[tuple[int, int], tuple[datetime, bool, asyncio.TimerHandle]] = {}
        # The events whose announcements wait for their server to arrive (unavailable: at
        # start, discord.py knows nothing of it, its language included), by server.
        self._awaiting_guild: dict[int, set[int]] = {}
        # The refreshes after an invitation back still looking their announcements up (the
        # database away, `until_reachable`), by server: a stop ends them with the edits, a
        # removal from the server again ends its own, and another invitation meanwhile
        # waits for the one under way.
        self._invitations: dict[int, asyncio.Task[None]] = {}
        # Posts the servers' AutoMod blocked, these edits and the channel notices: said once
        self.automod = AutoModRefusals(bot)
        # Announcements of deleted events that Discord refused to show cancelled while the
        # bot could not post in their channel (View Channel taken away, say): their notice
        # waits (`end_announcements`), and asks Discord again only once the bot may post
        # there. And the Discord events of deleted events, once deleted: not asked for
        # again when the notice is delivered again for its announcements. (Remembered as
        # long as a notice is tried.)
        self._cancel_refused: Recent[int] = Recent(GIVE_UP_AFTER.total_seconds())
        self._discord_events_gone: Recent[int] = Recent(GIVE_UP_AFTER.total_seconds())

    def tasks(self) -> list[asyncio.Task[None]]:
        """The edits under way, the refreshes after an invitation back still looking
        theirs up, and the posts telling moderators of a post AutoMod blocked, for a stop to
        cancel."""
        return [*self._editors.values(), *self._invitations.values(), *self.automod.tasks()]

    def cancel_timers(self) -> None:
        """A stop: no refresh at any event's end any more."""
        for _, _, timer in self._at_end.values():
            timer.cancel()
        self._at_end.clear()

    def guild_left(self, guild_id: int) -> None:
        """Out of a server: nothing of its events is kept for it. Their data stays for the
        retention period and is then deleted without a word to this cog, and an event
        months from its end would keep its timer until then, in every server that ever
        removed the bot."""
        for key in [key for key in self._at_end if key[0] == guild_id]:
            self._at_end.pop(key)[-1].cancel()
        for message_id in [message_id for message_id, (refused_in, _) in self._refused.items()
                           if refused_in == guild_id]:
            del self._refused[message_id]
            self._blocked.pop(message_id, None)
        self._awaiting_guild.pop(guild_id, None)  # an invitation back refreshes all
        if (invitation := self._invitations.pop(guild_id, None)) is not None:
            invitation.cancel()  # (the next invitation back looks again)

    def registration_changed(self, guild_id: int, event_id: int) -> None:
        key = (guild_id, event_id)
        self._dirty.add(key)
        if key not in self._editors:
            self._editors[key] = asyncio.create_task(self._edit_loop(key))

    async def refresh_all(self) -> None:
        """After a restart, correct every announcement whose counts moved meanwhile,
        REFRESH_AT_ONCE events at a time: each refresh reads its event on the one database
        thread, and a thousand announced events refreshed all at once queued their reads
        ahead of every member's command (a third of a second for 900 events, growing with
        them past Discord's 3 s deadline)."""
        store = self.bot.store
        events = await until_reachable("could not look up the announcements to refresh after "
                                       "start", lambda: store.run(
                                           store.notices.events_with_announcements))
        announced = iter([(guild_id, event_id) for guild_id, event_id in events or ()
                          # the other shards' processes do theirs
                          if self.bot.runs_guild(guild_id)])

        async def in_turn() -> None:
            for key in announced:  # (one iterator, shared: each event is taken once)
                await self._refreshed(key)

        await asyncio.gather(*(in_turn() for _ in range(REFRESH_AT_ONCE)))

    async def _refreshed(self, key: tuple[int, int]) -> None:
        """Refresh the event's announcements through its editor (which keeps its pace and
        its retries), and wait for that first refresh; one already under way (a change
        since the start) refreshes again without a wait."""
        self._dirty.add(key)
        if key in self._editors:
            return
        refreshed = asyncio.Event()
        self._editors[key] = asyncio.create_task(self._edit_loop(key, refreshed))
        await refreshed.wait()

    def guild_available(self, guild_id: int) -> None:
        """The server arrived: the refreshes that waited for it."""
        for event_id in self._awaiting_guild.pop(guild_id, ()):
            self.registration_changed(guild_id, event_id)

    def permissions_changed(self, guild_id: int) -> None:
        """A role of the server, or a channel's overwrites, changed (GUILD_ROLE_UPDATE,
        CHANNEL_UPDATE): the announcements Discord refused the bot to edit because it could
        not post in their channel (`_blocked`), where it now may, are brought up to date
        now, not at their event's next change, which may never come. A change that leaves
        the bot unable costs no call; each refusal is tried again once."""
        for message_id, (refused_in, channel_id, event_id) in list(self._blocked.items()):
            if refused_in == guild_id and not self._kept_from(guild_id, channel_id):
                del self._blocked[message_id]
                self._refused.pop(message_id, None)
                self.registration_changed(guild_id, event_id)

    def _kept_from(self, guild_id: int, channel_id: int) -> bool:
        """Whether, as the gateway shows the server, the bot is kept from posting an
        announcement in the channel (in a server not known yet: kept). A channel the
        server arrived without was deleted (CHANNEL_DELETE), its messages with it: nothing
        there waits for the bot, and Discord's answer (10003) says it is gone."""
        guild = self.bot.get_guild(guild_id)
        if guild is None or guild.unavailable or guild.me is None:
            return True
        channel = guild.get_channel_or_thread(channel_id)
        return channel is not None and not can_post_embeds(channel)

    async def invited_back(self, guild_id: int) -> None:
        """Invited back: its announcements, left as they were while the bot was out of the
        server (members still RSVP there), show the event as it is now. The lookup, tried
        again while the database is away, is a task of this cog's (`_invitations`): run in
        the gateway event's own, a stop left it trying, and starting edits, after the cog
        had stopped its edits."""
        invitation = self._invitations.get(guild_id)
        if invitation is None:
            invitation = asyncio.create_task(self._refresh_invited(guild_id),
                                             name=f"announcements-invited-back-{guild_id}")
            self._invitations[guild_id] = invitation

            def done(task: asyncio.Task[None]) -> None:
                if self._invitations.get(guild_id) is task:
                    del self._invitations[guild_id]

            invitation.add_done_callback(done)
        await asyncio.shield(invitation)  # (a waiter cancelled ends only its own wait)

    async def _refresh_invited(self, guild_id: int) -> None:
        store = self.bot.store

        async def refresh() -> None:  # (done again whole after a failure: no harm)
            for announced_in, event_id in await store.run(
                    store.notices.events_with_announcements):
                if announced_in != guild_id:
                    continue
                for _, message_id, _ in await store.run(store.notices.announcement_messages,
                                                         event_id):
                    self._refused.pop(message_id, None)  # refused then; maybe not now
                    self._blocked.pop(message_id, None)
                self.registration_changed(announced_in, event_id)

        await until_reachable(f"could not look up the announcements of guild {guild_id} to "
                              "refresh", refresh)

    async def end_announcements(self, guild_id: int, event_id: int,
                                 deleted: DeletedPayload) -> bool:
        """A deleted event: its announcements say it was cancelled (or had taken place),
        with their buttons disabled, and its Discord event goes. Each step may be done
        again harmlessly. False when an announcement is left to show so once the bot may
        post in its channel again: Discord refused the edit while the gateway shows the bot
        kept from the channel (View Channel taken away, say), which a moderator may give
        back; until then it is not asked again. (Refused while it may post there, the
        message is no longer the bot's to edit.)"""
        waiting = False
        lang = await self.bot.languages.for_guild(guild_id, self.bot)
        embed = cancelled_embed(lang, deleted.title, deleted.taken_place)
        async with self._editing.hold((guild_id, event_id)):
            # nothing left to refresh at its end, nor refused to edit (an event deleted
            # months before its end would keep its timer until then)
            if (at_end := self._at_end.pop((guild_id, event_id), None)) is not None:
                at_end[-1].cancel()
            for _, message_id in deleted.messages:
                self._refused.pop(message_id, None)
                self._blocked.pop(message_id, None)
            for channel_id, message_id in deleted.messages:
                if message_id in self._cancel_refused and self._kept_from(guild_id,
                                                                          channel_id):
                    waiting = True  # still kept from its channel: no call
                    continue
                self._cancel_refused.discard(message_id)
                message = self.bot.get_partial_messageable(channel_id).get_partial_message(
                    message_id)
                try:
                    await message.edit(embed=embed,
                                       view=rsvp_buttons(event_id, "cancelled", lang),
                                       allowed_mentions=NO_MENTIONS)
                except discord.NotFound as exc:
                    if route_missing(exc):  # not deleted: left showing the event open
                        say_missing(log, MESSAGE_EDITS, ANNOUNCEMENTS_AS_THEY_WERE, exc)
                    # else deleted: nothing left to disable
                except discord.Forbidden:
                    if self._kept_from(guild_id, channel_id):
                        self._cancel_refused.note(message_id)
                        waiting = True  # shown cancelled once the bot may post there
                    # else no longer ours to edit: nothing left to disable
                except discord.HTTPException as exc:
                    if not refused_for_good(exc):
                        raise  # Discord's trouble: the whole notice is tried again
                    # Refused for good (in an archived thread, say): the others still go.
                    log.warning("Discord refused to show the announcement %s of deleted "
                                "event %s as cancelled (HTTP %s, code %s: %s)", message_id,
                                event_id, exc.status, exc.code, exc.text)
                else:
                    route_offered(MESSAGE_EDITS)
        if (listed := deleted.scheduled_event_id) and listed not in self._discord_events_gone:
            refused = await delete_scheduled_event(self.bot, guild_id, listed)
            if refused is not None and (refused.status >= 500 or refused.status == 429):
                # Discord's trouble, past discord.py's own retries, not a refusal: the
                # notice is delivered again, once its claim expires, or the Discord event
                # would stay listed for good (its id goes with the event's row)
                raise refused
            if waiting:
                self._discord_events_gone.note(listed)
        return not waiting

    async def _edit_loop(self, key: tuple[int, int],
                         refreshed: asyncio.Event | None = None) -> None:
        """Refresh the event's announcements while it changes, one edit per EDIT_INTERVAL,
        backing off while Discord fails them; `refreshed` is set after the first try."""
        retry = RETRY_FIRST
        failures = RetryLog(log)  # the database busy or away: said once, not per retry
        try:
            while key in self._dirty:
                self._dirty.discard(key)
                try:
                    complete = await self._refresh(*key)
                    failures.succeeded()
                except Exception as exc:
                    failures.failed(exc, "refreshing the announcements of event %s failed",
                                    key[1])
                    complete = False
                if refreshed is not None:
                    refreshed.set()
                if complete:
                    retry = RETRY_FIRST
                    await asyncio.sleep(EDIT_INTERVAL)
                else:  # try again later, even if nothing changes meanwhile
                    self._dirty.add(key)
                    await asyncio.sleep(retry)
                    retry = min(retry * 2, RETRY_MAX)
        finally:
            self._editors.pop(key, None)
            if refreshed is not None:  # (stopped before its first try)
                refreshed.set()

    def _refresh_at_end(self, guild_id: int, event: Event, now: datetime) -> None:
        """Refresh the event's announcements again when it ends (`END_SLACK` after), once
        per end: a moved event moves its refresh. One shown over (by `now`) while the wall
        clock is not trusted (`bot.clock`: it stepped ahead lately, and the event is not
        over by the time that passed) is refreshed again should the clock be set right:
        shown over for the step's sake, and never again as the event still to come it is,
        its buttons would stay disabled."""
        key = (guild_id, event.id)
        over_at = event.over_at
        shown_over = over_at is not None and over_at <= now
        kept = self._at_end.get(key)
        if kept is not None and kept[:2] == (over_at, shown_over):
            return
        if kept is not None:
            kept[-1].cancel()
            del self._at_end[key]
        if over_at is None or (shown_over and self.bot.wall_clock.trusted() >= over_at):
            return  # no end, or over by the time that passed too
        self._time_end(key, over_at, shown_over, now)

    def _time_end(self, key: tuple[int, int], over_at: datetime, shown_over: bool,
                  now: datetime) -> None:
        """The timer of `_refresh_at_end`: it looks at the wall clock again at least every
        `END_LOOK_AGAIN` seconds (`STEP_LOOK_AGAIN`, for an event shown over), and refreshes
        once that says the event is over (or, shown over, that it is not: set right)."""

        def look() -> None:
            now = datetime.now(UTC)
            if (over_at <= now) == shown_over:  # as shown: not over yet (still far off, or
                # the wall clock was set back), or over by a clock not trusted yet
                if shown_over and self.bot.wall_clock.trusted() >= over_at:
                    self._at_end.pop(key, None)  # the step is trusted now: over
                    return
                self._time_end(key, over_at, shown_over, now)
                return
            self._at_end.pop(key, None)
            self.registration_changed(*key)

        delay = (STEP_LOOK_AGAIN if shown_over else
                 min((over_at - now).total_seconds() + END_SLACK, END_LOOK_AGAIN))
        self._at_end[key] = (over_at, shown_over,
                             asyncio.get_running_loop().call_later(delay, look))

    async def _refresh(self, guild_id: int, event_id: int) -> bool:
        async with self._editing.hold((guild_id, event_id)):
            return await self._refresh_unlocked(guild_id, event_id)

    async def _refresh_unlocked(self, guild_id: int, event_id: int) -> bool:
        """Edit the event's announcement messages that show an older state. False when an
        edit should be tried again later; one message refused does not hold the others up."""
        store = self.bot.store
        # First: most events that change were never announced, and need no read or render
        messages = await store.run(store.notices.announcement_messages, event_id)
        if not messages:
            return True
        if out_of_server(self.bot, guild_id):
            # Discord would refuse every edit: brought up to date if the bot is invited back
            # (`invited_back`), or when the server comes in a new session's READY, which
            # replays no invitation (`guild_available`).
            self._awaiting_guild.setdefault(guild_id, set()).add(event_id)
            return True
        if not_arrived(self.bot, guild_id):
            # Not arrived (yet, or again): its language is not known, so the announcement
            # would be rewritten in discord.py's en-US; brought up to date when it arrives.
            self._awaiting_guild.setdefault(guild_id, set()).add(event_id)
            return True
        try:
            event = await store.run(store.events.get_event, guild_id, event_id)
        except EventNotFound:
            return True
        now = datetime.now(UTC)
        self._refresh_at_end(guild_id, event, now)
        lang = await self.bot.languages.for_guild(guild_id, self.bot)
        embed = event_embed(lang, event, now)
        state = button_state(event, now)
        rendered = digest(embed, state)
        complete = True
        for channel_id, message_id, shown in messages:
            if shown == rendered or self._refused.get(message_id) == (guild_id, rendered):
                continue
            if self.bot.discord_limit.holds():  # tried again after the loop's wait
                complete = False
                break
            if message_id in self._blocked and self._kept_from(guild_id, channel_id):
                continue  # refused, and still kept from its channel: `permissions_changed`
            message = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
            try:
                await message.edit(embed=embed, view=rsvp_buttons(event.id, state, lang),
                                   allowed_mentions=NO_MENTIONS)
            except discord.NotFound as exc:
                if route_missing(exc):  # not deleted: kept, tried again at the next change
                    say_missing(log, MESSAGE_EDITS, ANNOUNCEMENTS_AS_THEY_WERE, exc)
                    self._refused[message_id] = (guild_id, rendered)
                    continue
                await self.bot.store.run(self.bot.store.notices.forget_announcement_message,
                                         message_id)
                continue
            except discord.Forbidden as exc:
                log.warning("may not edit the announcement %s of event %s in channel %s: %s",
                            message_id, event_id, channel_id, exc.text)
                self._refused[message_id] = (guild_id, rendered)
                if self._kept_from(guild_id, channel_id):
                    self._blocked[message_id] = (guild_id, channel_id, event_id)
                continue
            except discord.HTTPException as exc:
                if blocked_by_automod(exc):
                    # The same edit would be blocked again: tried at the event's next change
                    # (its title or text may be what AutoMod blocked), not again and again;
                    # nor by the next process, whose start refreshes every announcement (and
                    # would tell the moderators once more each restart): recorded as shown.
                    self._refused[message_id] = (guild_id, rendered)
                    self.automod.blocked(guild_id, channel_id, event_id, event.title,
                                         "announcement refresh", exc)
                    await self.bot.store.run(self.bot.store.notices.set_announcement_rendered,
                                             message_id, rendered)
                    continue
                log.warning("Discord refused to edit the announcement %s of event %s (%s %s); "
                            "trying again later", message_id, event_id, exc.status, exc.code)
                self.bot.discord_limit.note(exc, f"the announcement {message_id}'s refresh")
                complete = False
                continue
            except aiohttp.ClientConnectionError as exc:  # (reset, or closed before the answer)
                log.warning("could not reach Discord to edit the announcement %s of event %s "
                            "(%s); trying again later", message_id, event_id,
                            error_line(exc))
                complete = False
                continue
            self._refused.pop(message_id, None)
            self._blocked.pop(message_id, None)
            route_offered(MESSAGE_EDITS)
            await self.bot.store.run(self.bot.store.notices.set_announcement_rendered,
                                     message_id, rendered)
        return complete

