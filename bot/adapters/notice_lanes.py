"""The outbox's notices delivered in two lanes, each claiming, ordering, holding and
acknowledging its own kinds; what each notice says is `bot.adapters.notice_sender`'s.

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

A notice Discord failed (not refused: `bot.adapters.notice_sender`) is left claimed, to
be tried again once the claim expires, until it is `GIVE_UP_AFTER` old; the later notices
of its event (its DMs to the same member) wait for it meanwhile, so that a channel does
not say last that registration is closed when it was opened again after: for two minutes
at most (`STALLED_AT_MOST`), not for as long as Discord keeps failing it.

Kept apart from the sending of each notice (`bot.adapters.notice_sender`): this is when a
notice goes out and after which others, whatever it says.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from bot.adapters.channels import nowhere_to_post
from bot.adapters.notice_sender import NoticeSender, when_written
from bot.app import EventBot, not_arrived
from bot.errors import Unavailable
from bot.logs import RetryLog
from bot.models import CLAIM_SECONDS, GIVE_UP_AFTER, Notice, NoticeKind
from bot.signals import PromotionTold
from bot.tasks import woken

log = logging.getLogger(__name__)

POLL_INTERVAL = 5.0  # seconds between outbox checks when nothing woke us (other processes)
# Notices sent to a member, not to a channel: the DM lane's; the channel lane has the rest.
DM_NOTICES = frozenset({NoticeKind.PROMOTED, NoticeKind.CHANGED_DM, NoticeKind.CANCELLED,
                        NoticeKind.REMOVED})
# The notices posted in the announcements channel (the others are DMs, or edit the event's
# announcements where they are)
POSTED_NOTICES = frozenset({NoticeKind.CAPACITY, NoticeKind.CLOSED, NoticeKind.OPENED,
                            NoticeKind.CHANGED, NoticeKind.RECAP})
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



class NoticeLanes:
    """The DM lane and the channel lane, and the channel notices held for servers not
    arrived. Run by the announcements cog (`run`, and `deliver_pending` where a caller
    waits for the outbox to be empty); each notice goes to `NoticeSender.deliver`."""

    def __init__(self, bot: EventBot, sender: NoticeSender) -> None:
        self.bot = bot
        self.sender = sender
        self.channel_lane = Lane("channel", frozenset(NoticeKind) - DM_NOTICES)
        self._lanes = (Lane("DM", DM_NOTICES, DM_CLAIM, in_hand_at_most=DM_CLAIM,
                            by_member=True),
                       self.channel_lane)
        # Channel notices of guilds not arrived (at start, or back from an outage), by id in
        # their order: a claim held longer than a claim lives is handed out again, and
        # held once. With each, when it was last handed out (time.monotonic()): one not
        # handed out again for two claims' lives is gone from the outbox (acknowledged or
        # folded by another process, or deleted with its server's data) and is forgotten,
        # not delivered.
        self._held: dict[int, tuple[Notice, float]] = {}

    def tasks(self) -> list[asyncio.Task[None]]:
        """The notices being delivered, for a stop to cancel."""
        return [t for lane in self._lanes for t in lane.in_hand.values()]

    async def run(self) -> None:
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
            await woken(lane.wake, POLL_INTERVAL)
            lane.wake.clear()

    async def deliver_pending(self) -> None:
        """Deliver every lane's pending notices, one lane after the other. A failed claim
        too returns once the notices already handed out are done with, none of them left
        going on behind the caller's back."""
        try:
            for lane in self._lanes:
                await self._deliver_lane(lane)
        except Exception:
            await self._in_hand_done()
            raise
        await self._in_hand_done()
        for lane in self._lanes:
            if (cut_short := lane.cut_short) is not None:
                lane.cut_short = None
                raise cut_short

    async def _in_hand_done(self) -> None:
        for lane in self._lanes:
            while lane.in_hand:
                await asyncio.gather(*lane.in_hand.values(), return_exceptions=True)

    async def _deliver_lane(self, lane: Lane) -> None:
        while lane.interrupted:
            notice, posted = lane.interrupted[0]
            await self._deliver_and_ack(notice, lane, posted=posted, again=True)
            lane.interrupted.pop(0)
        lane.cut_short = None
        if lane is self.channel_lane:  # (by the lane alone: before its newer notices)
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
                away = self._held_back(notice)
                if away and self.sender.too_old(notice):
                    log.warning("giving up the %s notice of event %s in guild %s, written %s:"
                                " the server is still away, or shows the bot no channel to "
                                "post in", notice.kind, notice.event_id,
                                notice.guild_id, when_written(notice))
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
                if self._held_back(notice):  # gone while it waited: held for it
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

    def _held_back(self, notice: Notice) -> bool:
        """Whether the notice is for a channel of a guild Discord has not given the bot
        (yet, or again): one still on its way at start, one that Discord lists as
        unavailable, without its channels (an outage, also at start), or one that removed
        the bot, where Discord refuses it everything (403 Missing Access) until it is
        invited back. Its channel notices are held until it arrives, in their order,
        instead of finding no channel (or being refused) and being dropped: a deleted
        event's announcements show it cancelled once the bot is back, not a live Join
        button. Held no longer than `GIVE_UP_AFTER`, well within the retention period
        of a server's data (`cogs.retention`). So is a notice to post in the announcements
        channel while the server shows the bot no channel to post in (all hidden from it,
        say): it waits for one, as announcements refused do (`permissions_changed` wakes
        the lane), rather than being dropped with no one told."""
        if notice.kind in DM_NOTICES:
            return False
        return not_arrived(self.bot, notice.guild_id) or (
            notice.kind in POSTED_NOTICES and nowhere_to_post(self.bot, notice.guild_id))

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
            if self._held_back(notice) or self._held.pop(notice.id, None) is None:
                continue  # still away, or delivered meanwhile
            if notice.id not in self.channel_lane.in_hand:
                self._in_turn(notice, self.channel_lane)

    async def _deliver_and_ack(self, notice: Notice, lane: Lane, *, posted: bool = False,
                               again: bool = False) -> bool:
        """Deliver the notice and acknowledge it; False when it is left claimed, to be
        tried again once its claim expires (`NoticeSender.deliver`)."""
        try:
            if posted or await self.sender.deliver(notice):
                posted = True
                await self.bot.store.run(self.bot.store.notices.ack_notice, notice.id)
                if notice.kind is NoticeKind.PROMOTED:
                    self.bot.signals.emit(PromotionTold(notice.guild_id, notice.event_id))
                return True
            return False
        except Unavailable:
            if again:
                lane.interrupted[0] = (notice, posted)
            else:
                lane.interrupted.append((notice, posted))
            raise


def order_key(notice: Notice) -> tuple[int, ...]:
    """The notices that keep their order among themselves: an event's channel notices
    (closed, then open again), and its DMs to one member."""
    user_id = getattr(notice.payload, "user_id", None)
    if notice.kind in DM_NOTICES and user_id is not None:
        return (0, notice.event_id, user_id)
    return (1, notice.event_id)

