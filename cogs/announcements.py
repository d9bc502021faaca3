"""What the bot says on its own: notices in the announcements channel and DMs, and
the seat count on announcement messages kept current.

Notices come from the store's outbox, written in the same transaction as what
caused them, so a notice is neither lost when the process dies before sending
it nor sent twice by two processes (each claims before sending). A process that runs
only some shards claims only their guilds' notices (it has no other guild's channels). The outbox is
read as soon as this process wrote to it (the store wakes the deliverer), and every
few seconds for other processes'. Delivery starts with the connection, not at
on_ready, which comes seconds later while joins are already being answered.

Notices go out in two lanes, each a task that claims only its own kinds: DMs to
members, and everything else (channel posts, announcement edits). DMs come at about one
a second (Discord's DM-opening limit), so a deleted event's hundred "cancelled" DMs would
otherwise hold up every server's channel notices for minutes; in lanes, a notice waits
only behind notices of its own lane. Each lane keeps the order that matters within it (an
event's DMs to a member, an event's posts: `order_key`), its claims and its nonces. Each
lane delivers in turns (`_in_turn`): the channel lane each server's notices in their
order, the servers side by side; the DM lane each member's, the members side by side. A
server whose channel, or a member whose DMs, Discord fails (a 5xx, which discord.py tries
again itself for 25 s) holds up its own notices, not every other server's or member's.
discord.py keeps each request within Discord's rate limits (the DM channels opened among
them: side by side, the members' DMs still go at Discord's pace).

What Discord refuses for good (a 4xx other than 429: sending the same request again
would be refused again) ends the notice, with one warning. Other failures (5xx, a 429
discord.py did not wait out, the network) leave it claimed, to be tried again once the
claim expires, until it is `GIVE_UP_AFTER` old; the later notices of its event (its DMs
to the same member) wait for it meanwhile, so that a channel does not say last that
registration is closed when it was opened again after: for two minutes at most
(`STALLED_AT_MOST`), not for as long as Discord keeps failing it.

Announcement messages are re-rendered after every registration change, at most
once per `EDIT_INTERVAL` per event whatever the RSVP rate, and only when the
rendered embed or the state of its buttons (open, full, closed, archived) changed;
and once more when their event ends, which nothing else marks (Join is disabled then).

A promotion's DM first asks Discord whether the member is still in the server: one who
left is passed over, their seat going on to the next on the waitlist
(`registration.pass_on_departed_seat`).

A notice written before this process started may be one a database restored from an
older copy brought back after it went out (the copy was taken between its writing and
its acknowledgement): before it is posted, the channel (or DM) Discord gives with its
latest message says whether the bot wrote there since the notice was written, and only
then are the first few messages since read for the same text (`bot.adapters.said_before`);
one found is logged once instead of posted again. The nonce does not stop it: Discord
remembers one a few minutes. A notice written since the start costs no such look.

A deleted event's notices carry what they need (its title, its messages), since the
event is gone when they are delivered: one DM per member it had, and its announcements
shown as cancelled with their buttons disabled.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
from discord.ext import commands

from bot.adapters.channels import announce_channel, digest
from bot.adapters.languages import dm_language
from bot.adapters.missing_routes import (
    ANNOUNCEMENTS_AS_THEY_WERE,
    DIRECT_MESSAGES,
    MESSAGE_EDITS,
    route_missing,
    route_offered,
    say_missing,
)
from bot.adapters.rsvp_buttons import button_state, rsvp_buttons
from bot.adapters.said_before import HistoryHidden, said_since
from bot.adapters.scheduled_events import delete_scheduled_event
from bot.app import EventBot, not_arrived, out_of_server
from bot.errors import EventNotFound, Unavailable
from bot.flows import registration
from bot.i18n import Language
from bot.locks import KeyedLocks
from bot.logs import RetryLog
from bot.models import (
    CLAIM_SECONDS,
    GIVE_UP_AFTER,
    CancelledPayload,
    CapacityPayload,
    ChangedDmPayload,
    ChangedPayload,
    ClosedPayload,
    DeletedPayload,
    Event,
    Notice,
    NoticeKind,
    OpenedPayload,
    PromotedPayload,
    RecapPayload,
    RefreshPayload,
    RemovedPayload,
)
from bot.render import change_text, event_embed, takeaways_messages
from bot.render_replies import (
    cancelled_dm,
    cancelled_embed,
    capacity_notice,
    changed_dm,
    changed_notice,
    closed_notice,
    opened_notice,
    promoted_dm,
    recap_notice,
    removed_dm,
)
from bot.signals import GuildLeft, RegistrationChanged
from bot.tree import NO_MENTIONS

log = logging.getLogger(__name__)
UNKNOWN_MEMBER = 10007  # Discord's error code: not (or no longer) a member of the server

EDIT_INTERVAL = 2.0  # seconds between edits of one event's announcement messages
# After an edit Discord refused for a while (a server error, an edit limit), the next
# try waits this long, doubled on each failure in a row up to RETRY_MAX.
RETRY_FIRST, RETRY_MAX = 4.0, 600.0
POLL_INTERVAL = 5.0  # seconds between outbox checks when nothing woke us (other processes)
END_SLACK = 1.0  # seconds after an event's end its announcements are refreshed (clock skew)
# Seconds at most between two looks at the wall clock while waiting for an event's end: the
# event loop's clock stands still while the machine sleeps and ignores the wall clock's
# steps, so a wait timed on it alone would show the end hours late after a night's sleep.
END_LOOK_AGAIN = 60.0
# Seconds between two looks at the wall clock after it showed an event over while it is
# not trusted (`bot.clock`: stepped ahead lately): once set right, the event is shown as
# still to come again within this.
STEP_LOOK_AGAIN = 5.0
# Notices sent to a member, not to a channel: the DM lane's; the channel lane has the rest.
DM_NOTICES = frozenset({NoticeKind.PROMOTED, NoticeKind.CHANGED_DM, NoticeKind.CANCELLED,
                        NoticeKind.REMOVED})
# DMs claimed at a time, and at most in hand (waiting their member's turn or being
# delivered): at about one a second, a claim of them all is delivered well within the
# minute a claim lives (CLAIM_SECONDS).
DM_CLAIM = 25
# A notice Discord keeps failing (not refusing) is given up when it fails GIVE_UP_AFTER
# after it was written: by then it is news to no one, and it would be tried every minute
# forever. So is a channel notice held that long for a server Discord keeps unavailable.
# A notice left claimed after a failure is handed out again once its claim expires
# (CLAIM_SECONDS), and the notices after it of the same event (to the same member, for
# DMs) wait for it meanwhile: two claims' lives from its first failure at most. One that
# Discord keeps failing (until GIVE_UP_AFTER) then goes out when it can, after them: the
# event's later notices (its deletion shown on its announcements, say) are not held for
# hours by it.
STALLED_AT_MOST = 2 * CLAIM_SECONDS
# Channel notices at most waiting their server's turn or being delivered (`_in_turn`):
# more are claimed as those go out, at the lane's next look.
IN_HAND_AT_MOST = 200


@dataclass(eq=False)
class Lane:
    """One of the deliverer's lanes: the kinds it claims, how many at a time and at most in
    hand, whose turns its notices take (their server's, or the member's they are for:
    `by_member`), what wakes it, and its claimed notices whose delivery or acknowledgement
    met the database away, with whether they were posted: finished here once it is back,
    instead of waiting for their claim to expire (and being posted again by whoever claims
    them then)."""

    name: str
    kinds: frozenset[NoticeKind]
    limit: int = 100
    in_hand_at_most: int = IN_HAND_AT_MOST
    by_member: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    failures: RetryLog = field(default_factory=lambda: RetryLog(log))
    interrupted: list[tuple[Notice, bool]] = field(default_factory=list)
    # The notices waiting behind one Discord failed (its event's, or its DMs to the same
    # member: `order_key`): the failed notice's id, tried again once its claim expires
    # and before them (in order), and the time (time.monotonic()) they stop waiting for
    # it whatever became of it, set at its first failure (`STALLED_AT_MOST`).
    stalled: dict[tuple[int, ...], tuple[int, float]] = field(default_factory=dict)
    # The notices being delivered, each server's (member's) in turn, the servers (members)
    # side by side: the task of each one's last notice, which the next waits for, and the
    # tasks of those not done with, by notice id. A server whose channel (a member whose
    # DMs) Discord fails (a 5xx, which discord.py tries again itself, for 25 s) holds up
    # its own notices, not the others'. None of a server's (member's) notices written
    # meanwhile is claimed until its turn is over (they may be folded into later ones:
    # `bot.models.fold_unsent`); one handed out again while it waits its turn is not
    # queued twice.
    turns: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    in_hand: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    # The database's failure that cut a turn short since the lane's last round
    # (`deliver_pending` raises it, as the lane itself would).
    cut_short: Unavailable | None = None

    def turn_of(self, notice: Notice) -> int:
        """Whose turn the notice takes: the member's it is for, or its server's."""
        user_id = getattr(notice.payload, "user_id", None) if self.by_member else None
        return notice.guild_id if user_id is None else user_id

    def room(self) -> int:
        """How many more notices the lane claims now: not while `in_hand_at_most` wait
        their turn (a backlog is claimed as its delivery goes on, not all at once, each
        claim expiring while it waits)."""
        return min(self.limit, self.in_hand_at_most - len(self.in_hand))


class Announcements(commands.Cog):
    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        self._dirty: set[tuple[int, int]] = set()
        self._editors: dict[tuple[int, int], asyncio.Task[None]] = {}
        # One edit of an event's announcements at a time: a refresh that read the event just
        # before it was deleted must not land after the "Cancelled" edit and undo it. A
        # lock is kept only while an edit holds or waits for it: every event changes.
        self._editing = KeyedLocks()
        self._channel_lane = Lane("channel", frozenset(NoticeKind) - DM_NOTICES)
        self._lanes = (Lane("DM", DM_NOTICES, DM_CLAIM, in_hand_at_most=DM_CLAIM,
                            by_member=True),
                       self._channel_lane)
        self._deliverer: asyncio.Task[None] | None = None
        self._after_ready: asyncio.Task[None] | None = None
        # Channel notices of guilds not arrived (at start, or back from an outage), by id in
        # their order: a claim held longer than a claim lives is handed out again, and
        # held once. With each, when it was last handed out (time.monotonic()): one not
        # handed out again for two claims' lives is gone from the outbox (acknowledged or
        # folded by another process, or deleted with its server's data) and is forgotten,
        # not delivered.
        self._held: dict[int, tuple[Notice, float]] = {}
        # Announcement messages Discord would not let the bot edit (403, or a server without
        # the edit route), with their server and the state it refused: not tried again for
        # that state (each refusal counts against Discord's limit of invalid requests), only
        # once the event changes again.
        self._refused: dict[int, tuple[int, str]] = {}
        # The announced events that have not ended: their refresh at the end, by the end.
        # Those of a server the bot left go with it (`_on_guild_left`): a refresh there is
        # refused, and an invitation back refreshes them all (`on_guild_join`).
        # (Or, shown over by a wall clock stepped ahead and not trusted yet, their refresh
        # should the clock be set right: `_refresh_at_end`.) By the end, whether shown over.
        self._at_end: dict[tuple[int, int], tuple[datetime, bool, asyncio.TimerHandle]] = {}
        # The events whose announcements wait for their server to arrive (unavailable: at
        # start, discord.py knows nothing of it, its language included), by server.
        self._awaiting_guild: dict[int, set[int]] = {}
        # When this process started, to the second as the outbox keeps times: a notice
        # written before may have gone out already (`_said_already`).
        self._started = datetime.now(UTC).replace(microsecond=0)

    async def cog_load(self) -> None:
        self.bot.signals.subscribe(RegistrationChanged, self._on_registration_changed)
        self.bot.signals.subscribe(GuildLeft, self._on_guild_left)
        self._deliverer = asyncio.create_task(self._run(), name="announcements")
        self._after_ready = asyncio.create_task(self._run_after_ready(),
                                                name="announcements-after-ready")

    async def cog_unload(self) -> None:
        self.bot.signals.unsubscribe(RegistrationChanged, self._on_registration_changed)
        self.bot.signals.unsubscribe(GuildLeft, self._on_guild_left)
        tasks = [t for t in (self._deliverer, self._after_ready, *self._editors.values(),
                             *(t for lane in self._lanes for t in lane.in_hand.values()))
                 if t is not None]
        for task in tasks:
            task.cancel()
        for _, _, timer in self._at_end.values():
            timer.cancel()
        self._at_end.clear()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _on_registration_changed(self, signal: RegistrationChanged) -> None:
        self.registration_changed(signal.guild_id, signal.event_id)

    def _on_guild_left(self, signal: GuildLeft) -> None:
        """Out of a server: nothing of its events is kept for it. Their data stays for the
        retention period and is then deleted without a word to this cog, and an event
        months from its end would keep its timer until then, in every server that ever
        removed the bot."""
        for key in [key for key in self._at_end if key[0] == signal.guild_id]:
            self._at_end.pop(key)[-1].cancel()
        for message_id in [message_id for message_id, (guild_id, _) in self._refused.items()
                           if guild_id == signal.guild_id]:
            del self._refused[message_id]
        self._awaiting_guild.pop(signal.guild_id, None)  # an invitation back refreshes all

    def registration_changed(self, guild_id: int, event_id: int) -> None:
        key = (guild_id, event_id)
        self._dirty.add(key)
        if key not in self._editors:
            self._editors[key] = asyncio.create_task(self._edit_loop(key))

    async def _run_after_ready(self) -> None:
        """Deliver the notices held for guilds that had not arrived; after a restart, correct
        every announcement whose counts moved meanwhile."""
        await self.bot.wait_until_ready()
        self._channel_lane.wake.set()  # it delivers them (`_deliver_lane`)
        try:
            store = self.bot.store
            for guild_id, event_id in await store.run(store.notices.events_with_announcements):
                if self.bot.runs_guild(guild_id):  # the other shards' processes do theirs
                    self.registration_changed(guild_id, event_id)
        except Exception:
            log.exception("could not look up the announcements to refresh after start")

    async def _run(self) -> None:
        """The lanes, and the store's wake-up passed on to each of them."""
        lanes = [asyncio.create_task(self._run_lane(lane), name=f"announcements-{lane.name}")
                 for lane in self._lanes]
        try:
            while True:
                await self.bot.store.notices_ready.wait()
                self.bot.store.notices_ready.clear()
                for lane in self._lanes:
                    lane.wake.set()
        finally:
            for task in lanes:
                task.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)

    async def _run_lane(self, lane: Lane) -> None:
        while True:
            try:
                await self._deliver_lane(lane)
                lane.failures.succeeded()
            except Exception as exc:
                lane.failures.failed(exc, "delivering %s notices failed; retrying shortly",
                                     lane.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lane.wake.wait(), POLL_INTERVAL)
            lane.wake.clear()

    async def deliver_pending(self) -> None:
        """Deliver every lane's pending notices, one lane after the other."""
        for lane in self._lanes:
            await self._deliver_lane(lane)
        for lane in self._lanes:
            while lane.in_hand:
                await asyncio.gather(*lane.in_hand.values(), return_exceptions=True)
        for lane in self._lanes:
            if (cut_short := lane.cut_short) is not None:
                lane.cut_short = None
                raise cut_short

    async def _deliver_lane(self, lane: Lane) -> None:
        while lane.interrupted:
            notice, posted = lane.interrupted[0]
            await self._deliver_and_ack(notice, lane, posted=posted, again=True)
            lane.interrupted.pop(0)
        lane.cut_short = None
        if lane is self._channel_lane:  # (by the lane alone: before its newer notices)
            self._deliver_held()
        # An entry outlives any failure of its notice, which is given up GIVE_UP_AFTER after
        # it was written (or folded, or acknowledged by another process meanwhile).
        now = time.monotonic()
        for key in [key for key, (_, until) in lane.stalled.items()
                    if until <= now - GIVE_UP_AFTER.total_seconds()]:
            del lane.stalled[key]
        # Only this process's shards' notices: it has no other guild's channels.
        while (room := lane.room()) > 0 and (
                notices := await self.bot.store.run(
                    self.bot.store.notices.claim_notices, room,
                    shards=self.bot.own_shards, kinds=lane.kinds,
                    busy=() if lane.by_member else list(lane.turns),
                    busy_members=list(lane.turns) if lane.by_member else ())):
            for notice in notices:
                if notice.id in lane.in_hand:
                    continue  # handed out again while it waits its server's turn
                away = self._guild_not_arrived(notice)
                if away and self._too_old(notice):
                    log.warning("giving up the %s notice of event %s in guild %s, written %s:"
                                " the server is still away", notice.kind, notice.event_id,
                                notice.guild_id, self._written(notice))
                    self._held.pop(notice.id, None)
                    await self._deliver_and_ack(notice, lane, posted=True)  # (acked only)
                elif away:  # (held again: it keeps its place among the held)
                    self._held[notice.id] = (notice, time.monotonic())
                else:  # (held before, and handed out again once its claim went stale)
                    self._held.pop(notice.id, None)
                    if self._held:  # its guild arrived meanwhile: those held before it first
                        self._deliver_held(notice.guild_id, before=notice.id)
                    self._in_turn(notice, lane)

    def _in_turn(self, notice: Notice, lane: Lane) -> None:
        """Deliver the notice after its server's (member's, in the DM lane) notices handed
        out before it (see `Lane.turns`), alongside the others'."""
        turn = lane.turn_of(notice)
        before = lane.turns.get(turn)

        async def deliver() -> None:
            try:
                if before is not None:
                    await asyncio.wait([before])  # (its outcome is its own)
                if any(lane.turn_of(n) == turn for n, _ in lane.interrupted):
                    return  # left claimed: after the notices of its turn the database cut short
                if self._guild_not_arrived(notice):  # gone while it waited: held for it
                    self._held[notice.id] = (notice, time.monotonic())
                    return
                await self._deliver_in_order(notice, lane)
            except Unavailable as exc:  # the lane finishes it once the database is back
                lane.cut_short = exc    # (`Lane.interrupted`), at its next round
                lane.failures.failed(exc, "delivering %s notices failed; retrying shortly",
                                     lane.name)
                lane.wake.set()
            except Exception as exc:  # still claimed: handed out again once the claim expires
                lane.failures.failed(exc, "delivering the %s notice of event %s failed",
                                     notice.kind, notice.event_id)
            finally:
                lane.in_hand.pop(notice.id, None)
                if lane.turns.get(turn) is task:  # the turn's last: the notices written
                    del lane.turns[turn]          # meanwhile are claimed now
                    lane.wake.set()
                elif lane.by_member:  # room for one more DM
                    lane.wake.set()

        task = asyncio.create_task(deliver(), name=f"announcements-{lane.name}-{turn}")
        lane.turns[turn] = lane.in_hand[notice.id] = task

    async def _deliver_in_order(self, notice: Notice, lane: Lane) -> None:
        """Deliver and acknowledge the notice, unless one before it of its `order_key`
        failed and waits for its claim to expire: then it is left claimed, tried again
        after that one (`Lane.stalled`)."""
        stalled = lane.stalled.get(key := order_key(notice))
        if stalled is not None and stalled[0] != notice.id and stalled[1] > time.monotonic():
            return
        if await self._deliver_and_ack(notice, lane):
            if stalled is not None and stalled[0] == notice.id:
                del lane.stalled[key]
        elif stalled is None or stalled[0] != notice.id:  # its first failure: failing
            # again, it holds the others no longer than from this one
            lane.stalled[key] = (notice.id, time.monotonic() + STALLED_AT_MOST)

    def _guild_not_arrived(self, notice: Notice) -> bool:
        """Whether the notice is for a channel of a guild Discord has not given the bot
        (yet, or again): one still on its way at start, one that Discord lists as
        unavailable, without its channels (an outage, also at start), or one that removed
        the bot, where Discord refuses it everything (403 Missing Access) until it is
        invited back. Its channel notices are held until it arrives, in their order,
        instead of finding no channel (or being refused) and being dropped: a deleted
        event's announcements show it cancelled once the bot is back, not a live Join
        button. Held no longer than `GIVE_UP_AFTER`, well within the retention period
        of a server's data (`cogs.retention`)."""
        return notice.kind not in DM_NOTICES and not_arrived(self.bot, notice.guild_id)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        self._channel_lane.wake.set()  # it delivers the notices held for it
        for event_id in self._awaiting_guild.pop(guild.id, ()):
            self.registration_changed(guild.id, event_id)  # their refreshes waited for it

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Invited back: its announcements, left as they were while the bot was out of the
        server (members still RSVP there), show the event as it is now, and its held
        notices are delivered (`_guild_not_arrived`)."""
        self._channel_lane.wake.set()
        store = self.bot.store
        try:
            for guild_id, event_id in await store.run(store.notices.events_with_announcements):
                if guild_id != guild.id:
                    continue
                for _, message_id, _ in await store.run(store.notices.announcement_messages,
                                                         event_id):
                    self._refused.pop(message_id, None)  # refused then; maybe not now
                self.registration_changed(guild_id, event_id)
        except Exception:
            log.exception("could not look up the announcements of guild %s to refresh",
                          guild.id)

    def _deliver_held(self, guild_id: int | None = None, *, before: int | None = None) -> None:
        """Deliver the held notices of the guilds that have arrived (of `guild_id`'s only,
        when it names one; those written before notice `before` only, when it names one),
        in their order. The channel lane's task alone hands them to their servers' turns
        (`_in_turn`), so that none goes out before the older ones or after the newer
        notices it claims."""
        gone_before = time.monotonic() - STALLED_AT_MOST
        for notice_id in [i for i, (_, at) in self._held.items() if at < gone_before]:
            del self._held[notice_id]  # no longer in the outbox (see `_held`)
        for notice in sorted((n for n, _ in self._held.values()
                              if (guild_id is None or n.guild_id == guild_id)
                              and (before is None or n.id < before)), key=lambda n: n.id):
            if self._guild_not_arrived(notice) or self._held.pop(notice.id, None) is None:
                continue  # still away, or delivered meanwhile
            if notice.id not in self._channel_lane.in_hand:
                self._in_turn(notice, self._channel_lane)

    async def _deliver_and_ack(self, notice: Notice, lane: Lane, *, posted: bool = False,
                               again: bool = False) -> bool:
        """Deliver the notice and acknowledge it; False when it is left claimed, to be
        tried again once its claim expires (`_deliver`)."""
        try:
            if posted or await self._deliver(notice):
                posted = True
                await self.bot.store.run(self.bot.store.notices.ack_notice, notice.id)
                return True
            return False
        except Unavailable:
            if again:
                lane.interrupted[0] = (notice, posted)
            else:
                lane.interrupted.append((notice, posted))
            raise

    async def _deliver(self, notice: Notice) -> bool:
        """Send one notice; False leaves it claimed, to be retried after the claim expires
        (`_failed` says which failures do)."""
        payload = notice.payload
        if isinstance(payload, RefreshPayload):
            # An import changed the event (on the command line, say, with no Discord to
            # edit them there; the bot's own imports have begun the edit already, and the
            # edit loop skips messages that already show the event as it is).
            self.registration_changed(notice.guild_id, notice.event_id)
            return True
        if isinstance(payload, CancelledPayload | DeletedPayload):  # the event is gone:
            try:                                                    # the payload says all
                if isinstance(payload, CancelledPayload):
                    lang = await dm_language(self.bot, payload.user_id)
                    await self._dm(notice, payload.user_id, cancelled_dm(lang, payload.title))
                else:
                    await self._end_announcements(notice.guild_id, notice.event_id, payload)
                return True
            except discord.HTTPException as exc:
                return self._failed(notice, exc)
        try:
            event = await self.bot.store.run(self.bot.store.events.get_event,
                                             notice.guild_id, notice.event_id)
        except EventNotFound:
            return True
        # Whether the event has taken place, for news no longer sent once it has, is asked
        # of the wall clock as trusted (`bot.clock`): a notice left unsent is acknowledged,
        # gone for good, and a step of the clock ahead, set right soon after, would drop
        # every notice about an event it made look over. (Should the step be the clock set
        # right, news of an event over in the hours it skipped still goes out until the
        # step is trusted: stale news, where the other way loses news for good.)
        try:
            if isinstance(payload, PromotedPayload):
                # (once the event has taken place, which Discord may have held the question
                # up until, nobody can use the seat: the RSVP stays as the event left it)
                try:
                    left = await self._has_left(notice.guild_id, payload.user_id)
                except discord.Forbidden as exc:  # 50001 Missing Access: removed from it
                    log.warning("Discord would not say whether user %s is still in guild %s "
                                "(HTTP %s, code %s: %s); their promotion DM for event %s is "
                                "not sent", payload.user_id, notice.guild_id, exc.status,
                                exc.code, exc.text or "no message", event.id)
                    return True
                if left and not event.is_over(self.bot.wall_clock.trusted()):
                    if await registration.pass_on_departed_seat(
                            self.bot.store, self.bot.registration_changed, notice.guild_id,
                            event.id, payload.user_id, payload.seq):
                        log.info("user %s left guild %s before their promotion to a seat "
                                 "of event %s: it goes to the next on the waitlist",
                                 payload.user_id, notice.guild_id, event.id)
                    return True
                # Delivered late (Discord was away), the seat may have been given up since,
                # or given up and taken anew: that seat was no promotion, and its reply said
                # so. Or the event may have taken place meanwhile: no news any more.
                lang = await dm_language(self.bot, payload.user_id)
                holds = self._holds(notice, payload.user_id, payload.seq, confirmed=True)

                async def news() -> bool:
                    return not event.is_over(self.bot.wall_clock.trusted()) and await holds()

                await self._dm(notice, payload.user_id, promoted_dm(lang, event), still=news)
                return True
            if isinstance(payload, RemovedPayload):
                # Delivered late, the member may have joined again since: then they know.
                # Or the event may have taken place meanwhile: no news any more.
                lang = await dm_language(self.bot, payload.user_id)
                holds = self._holds(notice, payload.user_id, None)

                async def not_back() -> bool:
                    return not event.is_over(self.bot.wall_clock.trusted()) and not await holds()

                await self._dm(notice, payload.user_id, removed_dm(lang, event), still=not_back)
                return True
            if isinstance(payload, ChangedDmPayload):
                # Delivered late, the member may have cancelled since (no registration left
                # to stay as it was), or joined anew after the change, knowing of it.
                lang = await dm_language(self.bot, payload.user_id)
                change = the_change(lang, event, payload)
                await self._dm(notice, payload.user_id, changed_dm(lang, change),
                               still=self._holds(notice, payload.user_id, payload.seq))
                return True
            if isinstance(payload, CapacityPayload | ClosedPayload | OpenedPayload) and (
                    event.is_over(self.bot.wall_clock.trusted())):
                # News of joining, delivered late (Discord failed it, or the server was
                # away) once the event has taken place: nobody can join any more, and
                # "members who join now" or "open again" would be untrue.
                log.info("the %s notice of event %s in guild %s, written %s, is not posted:"
                         " the event has taken place since", notice.kind, event.id,
                         notice.guild_id, self._written(notice))
                return True
            channel = await announce_channel(self.bot, notice.guild_id)
            if channel is None:
                log.warning("no channel to post %s notice of event %s in guild %s",
                            notice.kind, event.id, notice.guild_id)
                return True
            lang = await self.bot.languages.for_guild(notice.guild_id, self.bot)
            if isinstance(payload, CapacityPayload):
                text = capacity_notice(lang, event)
            elif isinstance(payload, ClosedPayload):
                text = closed_notice(lang, event, payload.reason)
            elif isinstance(payload, OpenedPayload):
                text = opened_notice(lang, event)
            elif isinstance(payload, ChangedPayload):
                text = changed_notice(lang, the_change(lang, event, payload))
            else:  # a recap
                text = recap_notice(lang, event)
            if self._maybe_restored(notice) and await self._said_already(
                    notice, channel, channel.id, text):
                return True
            await channel.send(text, allowed_mentions=NO_MENTIONS, nonce=nonce_of(notice))
            if isinstance(payload, RecapPayload):
                await self._send_rest(channel, takeaways_messages(lang, event), notice)
            return True
        except discord.Forbidden:
            log.warning("not allowed to post the %s notice of event %s in guild %s",
                        notice.kind, event.id, notice.guild_id)
            return True
        except discord.HTTPException as exc:
            return self._failed(notice, exc)

    def _failed(self, notice: Notice, exc: discord.HTTPException) -> bool:
        """Whether a notice Discord did not take is done with (see the module's docstring):
        one warning line each time, not a traceback, which would say nothing more."""
        said = f"HTTP {exc.status}, code {exc.code}: {exc.text or 'no message'}"
        if refused_for_good(exc):
            log.warning("Discord refused the %s notice of event %s in guild %s (%s); "
                        "not sending it again", notice.kind, notice.event_id,
                        notice.guild_id, said)
            return True
        if self._too_old(notice):
            log.warning("giving up the %s notice of event %s in guild %s, written %s: "
                        "Discord still fails it (%s)", notice.kind, notice.event_id,
                        notice.guild_id, self._written(notice), said)
            return True
        log.warning("Discord failed the %s notice of event %s in guild %s (%s); "
                    "trying again in a minute", notice.kind, notice.event_id,
                    notice.guild_id, said)
        return False

    def _too_old(self, notice: Notice) -> bool:
        """Whether the notice is past `GIVE_UP_AFTER` (given up, if it cannot go out now),
        by the wall clock as trusted (`bot.clock`): a step of it ahead, set right soon,
        gives up none."""
        return notice.queued_at is not None and (
            self.bot.wall_clock.trusted() - notice.queued_at > GIVE_UP_AFTER)

    def _maybe_restored(self, notice: Notice) -> bool:
        """Whether the notice was written before this process started, so may be one that
        went out after the copy a restored database was taken from (`_said_already`)."""
        return notice.queued_at is not None and notice.queued_at < self._started

    async def _said_already(self, notice: Notice, channel: discord.abc.Messageable,
                            opened: Mapping[str, Any] | int, text: str) -> bool:
        """Whether `text`, the notice's message, is in `channel` already, posted by the bot
        since the notice was written; `opened` is the channel as Discord gave it, with its
        latest message, or its id, to ask Discord for it. Only a channel with a message
        since then is read, at most `said_before.LOOKBACK` messages of it. Unreadable (refused,
        or hidden from a bot without Read Message History, for which Discord lists nothing):
        not known to be sent, and the log says so."""
        assert notice.queued_at is not None
        try:
            data: Mapping[str, Any] = (await self.bot.http.get_channel(opened)
                                       if isinstance(opened, int) else opened)
            found = await said_since(self.bot, channel, data.get("last_message_id"),
                                     notice.queued_at, lambda said: said == text)
        except discord.HTTPException as exc:
            log.warning("could not read where the %s notice of event %s goes, for the same "
                        "notice already sent (HTTP %s: %s); sending it", notice.kind,
                        notice.event_id, exc.status, exc.text or "no message")
            return False
        except HistoryHidden:
            log.warning("could not read the channel where the %s notice of event %s in guild %s"
                        " goes, for the same notice already sent: the bot lacks Read Message "
                        "History there, without which Discord lists no messages; sending it",
                        notice.kind, notice.event_id, notice.guild_id)
            return False
        if found:
            log.warning("the %s notice of event %s in guild %s, written %s, was already sent, "
                        "as its channel shows, though the database still held it (was it "
                        "restored from an older copy?); not sent again", notice.kind,
                        notice.event_id, notice.guild_id, self._written(notice))
        return found

    @staticmethod
    def _written(notice: Notice) -> str:
        return notice.queued_at.isoformat(timespec="seconds") if notice.queued_at else "?"

    async def _has_left(self, guild_id: int, user_id: int) -> bool:
        """Whether the member has left the server: Discord answers 404 Unknown Member
        (asked over REST, which needs no members intent). Any other failure is the
        notice's, retried as its DM's would be."""
        try:
            await self.bot.http.get_member(guild_id, user_id)
        except discord.NotFound as exc:
            return exc.code == UNKNOWN_MEMBER
        return False

    def _holds(self, notice: Notice, user_id: int, seq: int | None, *,
               confirmed: bool = False) -> Callable[[], Awaitable[bool]]:
        """Whether the member still holds the RSVP the notice is about (the one with `seq`;
        any, for notices stored without it), with a seat if `confirmed`."""
        return functools.partial(registration.still_holds, self.bot.store, notice.guild_id,
                                 notice.event_id, user_id, seq=seq, confirmed=confirmed)

    async def _send_rest(self, channel: discord.TextChannel,
                         messages: list[list[discord.Embed]], notice: Notice) -> None:
        """The rest of a notice already begun: a failure now is logged, not retried, since
        retrying would post its beginning again."""
        try:
            for k, embeds in enumerate(messages, 1):
                await channel.send(embeds=embeds, allowed_mentions=NO_MENTIONS,
                                   nonce=nonce_of(notice, k))
        except discord.HTTPException:
            log.exception("the takeaways of event %s were posted only in part",
                          notice.event_id)

    async def _dm(self, notice: Notice, user_id: int, text: str, *,
                  still: Callable[[], Awaitable[bool]] | None = None) -> None:
        """One DM, sent in turn with the others (discord.py waits out a 429); with `still`,
        only if it holds once Discord has opened the DM channel, which a 429 may hold up."""
        try:
            restored = self._maybe_restored(notice)
            if restored:  # opened over REST: Discord says which message the DMs end with
                opened = await self.bot.http.start_private_message(user_id)
                dm: discord.abc.Messageable = self.bot.get_partial_messageable(
                    int(opened["id"]), type=discord.ChannelType.private)
            else:
                dm = await self.bot.create_dm(discord.Object(user_id))
            if still is not None and not await still():
                return
            if restored and await self._said_already(notice, dm, opened, text):
                return
            await dm.send(text, allowed_mentions=NO_MENTIONS, nonce=nonce_of(notice))
            route_offered(DIRECT_MESSAGES)
        except discord.Forbidden:
            # Their DMs are closed; /rsvp status and /rsvp mine still tell them.
            log.info("could not DM user %s about event %s", user_id, notice.event_id)
        except discord.NotFound as exc:
            if not route_missing(exc):
                raise
            # As for closed DMs: /rsvp status and /rsvp mine still tell them
            say_missing(log, DIRECT_MESSAGES, "members' notices by DM are not sent", exc)

    async def _end_announcements(self, guild_id: int, event_id: int,
                                 deleted: DeletedPayload) -> None:
        """A deleted event: its announcements say it was cancelled (or had taken place),
        with their buttons disabled, and its Discord event goes. Each step may be done
        again harmlessly."""
        lang = await self.bot.languages.for_guild(guild_id, self.bot)
        embed = cancelled_embed(lang, deleted.title, deleted.taken_place)
        async with self._editing.hold((guild_id, event_id)):
            # nothing left to refresh at its end, nor refused to edit (an event deleted
            # months before its end would keep its timer until then)
            if (at_end := self._at_end.pop((guild_id, event_id), None)) is not None:
                at_end[-1].cancel()
            for _, message_id in deleted.messages:
                self._refused.pop(message_id, None)
            for channel_id, message_id in deleted.messages:
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
                    pass  # no longer ours to edit: nothing left to disable
                except discord.HTTPException as exc:
                    if not refused_for_good(exc):
                        raise  # Discord's trouble: the whole notice is tried again
                    # Refused for good (in an archived thread, say): the others still go.
                    log.warning("Discord refused to show the announcement %s of deleted "
                                "event %s as cancelled (HTTP %s, code %s: %s)", message_id,
                                event_id, exc.status, exc.code, exc.text)
                else:
                    route_offered(MESSAGE_EDITS)
        if deleted.scheduled_event_id:
            refused = await delete_scheduled_event(self.bot, guild_id,
                                                   deleted.scheduled_event_id)
            if refused is not None and (refused.status >= 500 or refused.status == 429):
                # Discord's trouble, past discord.py's own retries, not a refusal: the
                # notice is delivered again, once its claim expires, or the Discord event
                # would stay listed for good (its id goes with the event's row)
                raise refused

    async def _edit_loop(self, key: tuple[int, int]) -> None:
        retry = RETRY_FIRST
        try:
            while key in self._dirty:
                self._dirty.discard(key)
                try:
                    complete = await self._refresh(*key)
                except Exception:
                    log.exception("refreshing the announcements of event %s failed", key[1])
                    complete = False
                if complete:
                    retry = RETRY_FIRST
                    await asyncio.sleep(EDIT_INTERVAL)
                else:  # try again later, even if nothing changes meanwhile
                    self._dirty.add(key)
                    await asyncio.sleep(retry)
                    retry = min(retry * 2, RETRY_MAX)
        finally:
            self._editors.pop(key, None)

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
            # (`on_guild_join`).
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
                continue
            except discord.HTTPException as exc:
                log.warning("Discord refused to edit the announcement %s of event %s (%s %s); "
                            "trying again later", message_id, event_id, exc.status, exc.code)
                complete = False
                continue
            self._refused.pop(message_id, None)
            route_offered(MESSAGE_EDITS)
            await self.bot.store.run(self.bot.store.notices.set_announcement_rendered,
                                     message_id, rendered)
        return complete


def order_key(notice: Notice) -> tuple[int, ...]:
    """The notices that keep their order among themselves: an event's channel notices
    (closed, then open again), and its DMs to one member."""
    user_id = getattr(notice.payload, "user_id", None)
    if notice.kind in DM_NOTICES and user_id is not None:
        return (0, notice.event_id, user_id)
    return (1, notice.event_id)


def refused_for_good(exc: discord.HTTPException) -> bool:
    """Whether Discord refused the request for good: a 4xx says this request will be
    refused again, but for 401 (the bot's token refused, reset or revoked: nothing wrong
    with the notice, which a process with a good token delivers) and 429 (too many
    requests, which discord.py waits out)."""
    return 400 <= exc.status < 500 and exc.status not in (401, 429)


def nonce_of(notice: Notice, part: int = 0) -> str:
    """The nonce a notice's message (its `part`-th, for one of several) is sent with, which
    Discord is asked to enforce: a notice delivered again after its claim expired (the
    process died between posting and acknowledging it) returns the message already
    posted instead of posting it twice. Made from the whole notice, not its id alone: a
    database restored from a backup gives its ids again, to other notices. At most 25
    characters, as Discord takes (20, and the part's number)."""
    made = hashlib.blake2b(f"{notice.id}|{notice.guild_id}|{notice.event_id}|"
                           f"{notice.payload!r}".encode(), digest_size=10).hexdigest()
    return made if not part else f"{made}.{part}"


def the_change(lang: Language, event: Event, payload: ChangedPayload | ChangedDmPayload) -> str:
    """What a change notice says: the start or venue that change gave the event, even when
    delivered after later changes (each of which has its own notice, unless the notice was
    folded into theirs before it went out: `bot.models.fold_unsent`). One stored without
    them shows the event as it is."""
    changed = event if payload.to is None else payload.to.on(event)
    return change_text(lang, changed, payload.moved, payload.venue_changed)


async def setup(bot: EventBot) -> None:
    await bot.add_cog(Announcements(bot))
