"""The attendee role of confirmed members: given, taken back and told about (the
reminders cog's scheduler takes roles back at their events' end, and passes on the changes
that concern them).

After every registration change (the `RegistrationChanged` signal, whatever caused it: a
join, a cancel, a promotion by a capacity change or a reopening), the confirmed members
of an event that has a role are compared with the members this process gave it to;
newcomers get it and those who left lose it, over REST (the bot has no members intent).
The event's end (else its start) takes it back from everyone. Which members hold the
role is kept in memory, seeded at start-up from the confirmed members (as the previous
run left them); `/manage role` again re-gives it to every confirmed member, which
repairs a grant lost to a crash or an outage. Events that give out no role cost nothing
per change; a role set through another bot process sharing the database is picked up
when this one restarts. A role to take back (the event's role once it is over; an
earlier one, when the role is changed or cleared or the event deleted) is taken back by
a task of the event's own, role by role, each with its own waits after a refusal
(`bot.adapters.roles_owed_back`): an old role Discord refuses never holds up the new
one. The calls themselves, and what Discord's answers mean, are
`bot.adapters.role_calls`. Who still owes a role back is recorded in the database as it
changes (`bot.adapters.owed_roles_record`), and a start goes on taking it back; a stop
also records the holders of every event whose latest change it had not synced yet, so
that the start takes the role from those no longer entitled to it. Grants are not
recorded one by one: a start counts every confirmed member as holding the event's role,
except in the events a stop noted as not synced (`roles_to_give`: a change not compared
yet, a pass cut short or met by an error, grants paused after a refusal), where it
counts only those the stop recorded as maybe holding it, and gives it to the others
(after a `/manage role` not acted on or not finished yet, to every confirmed member). A
grant the stop cut short, or that met a server error, may have been made or not, as may
a removal the stop cut short or one still owed: the member is recorded as maybe holding
the role, and given it again if confirmed (joined again, for a removal). A crash loses
what was not recorded yet; `/manage role` gives the role to every confirmed member
again. A role several events give out stays with a member another of them still counts
as holding it.

Moderators hear of what only they can fix (`bot.adapters.role_notices`): that Discord
refuses the bot a role (to give it, or to take it back), and that a role was deleted
(the gateway says so, or a call meets 10011 Unknown Role): the events stop giving it out
at once, as if `/manage role` had cleared it, nobody is owed it back, and no call is made
for it again.

With shards in several processes, roles are given, re-given and taken back by the
process of the guild's shard only (it alone gets that guild's commands).
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.adapters.owed_roles_record import GIVE_BACK_WAIT, OwedRolesRecord
from bot.adapters.role_calls import RoleCalls
from bot.adapters.role_changes import Before, allowed_by, my_roles
from bot.adapters.role_notices import RoleNotices
from bot.adapters.role_tries import Tries, paused, refused_again, waiting
from bot.adapters.roles import gives_moderator_powers
from bot.adapters.roles_owed_back import RolesOwedBack
from bot.app import EventBot, not_arrived, out_of_server
from bot.errors import EventNotFound
from bot.locks import KeyedLocks
from bot.models import OwedChange, OwedRole, RolesToGive
from bot.recent import Recent

log = logging.getLogger(__name__)

# Seconds a role deleted on Discord is remembered (`AttendeeRoles._gone`): long past the
# calls under way for it when it went (each ends at its next call, which meets 10011 or
# sees it gone) and the records `_role_gone` clears. A record left after that (clearing
# it failed) costs one call, which meets 10011 and clears it again.
GONE_FOR = 3600.0


def may_now_manage(guild: discord.Guild, role_id: int, before: Before, *,
                   giving: bool = False) -> bool:
    """Whether the bot may give and take `role_id` as the server is now (cached from the
    gateway), and could not before the change `before` (a role as it was, or the bot's
    member): Manage Roles (or Administrator) by one of its roles, a role of its above it,
    and no timeout of it lasting; to give it (`giving`), the role carrying no moderator
    permissions too (`RoleCalls` gives none that does)."""
    def may(changed: Before | None) -> bool:  # (as it was, in place of what changed)
        roles, target = my_roles(guild, changed), guild.get_role(role_id)
        me = changed if isinstance(changed, discord.Member) else guild.me
        if not roles or target is None or me is None or me.is_timed_out():
            return False  # (timed out: no role, whatever its roles allow)
        if isinstance(changed, discord.Role) and target.id == changed.id:
            target = changed
        return (allowed_by(roles).manage_roles and rank(max(roles, key=rank)) > rank(target)
                and not (giving and gives_moderator_powers(target)))
    return may(None) and not may(before)


def rank(role: discord.Role) -> tuple[int, int]:
    """Where a role is in the server's list, as Discord orders them: by position, and
    of two at the same position, the one with the lower id above."""
    return role.position, -role.id


class AttendeeRoles:
    """Who holds each event's role, as this process gave it, and the calls that keep it
    so. Fed by the reminders cog: `registration_changed`, `role_changed`, `role_deleted`,
    `end_past_roles` from its scheduler, and `load` and the stop's steps (`unsynced`,
    `cancel`, `stopped`)."""

    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        # event id -> (role id, user ids this process believes hold it), and its guild
        self._holders: dict[int, tuple[int, set[int]]] = {}
        self._guild_of: dict[int, int] = {}
        self._dirty: set[tuple[int, int]] = set()
        self._regive: set[int] = set()  # events whose role goes to every confirmed member again
        self._regiving: set[int] = set()  # events whose sync under way gives it to every one
        # Events whose `/manage role` pass Discord refused: once the wait is over, the role
        # goes to every confirmed member again, not only to those not counted as holding it
        self._regive_later: set[int] = set()
        # Events whose latest pass may not have given the role to every member it was for
        # (a server or network error): the next change tries again, and a stop notes them
        self._giving_unfinished: set[int] = set()
        # Members whose grant of their event's current role has not gone through, though
        # they may hold it: a call under way (a stop may cut it short after Discord made
        # it, or before), one answered with a server error, or a member who may still hold
        # it from before (owed it back, and confirmed again). Among its holders from the
        # next pass on (and from the call on, after a server error), so a cancel takes it
        # back from them; while still confirmed, the next pass gives it to them again.
        self._ungiven: dict[int, set[int]] = {}
        # The member whose removal each event's sync is making: a stop cutting it short
        # leaves them maybe without the role, whether or not they have joined again since.
        self._removing: dict[int, int] = {}
        self._syncers: dict[tuple[int, int], asyncio.Task[None]] = {}
        # The tries of the roles Discord refused to give or take during an event, and the
        # timers that sync them again when their wait is over
        self._giving_refused: Tries[int] = {}
        # The tries of the events whose last pass Discord failed a grant of (a 5xx): synced
        # again after a wait (`_give_again`), though no change comes; a change meanwhile is
        # compared at once, as ever
        self._giving_failed: Tries[int] = {}
        self._give_again: dict[int, asyncio.TimerHandle] = {}
        self._ending: dict[int, int] = {}  # event id -> its role, being taken back at its end
        # Over events of other shards' guilds, whose processes take their roles back: not
        # due here (else every round would find them due again at once).
        self._others_ending: set[int] = set()
        # Changes to who owes a role back on their way to the database: what the next start
        # reads back (`RolesOwedBack.resume`) to go on taking the roles back.
        self.owed_record = OwedRolesRecord(bot)
        # One call about a role at a time, between the syncs and the take-backs of every
        # event giving it out: a role set again, or given for another event, must not be
        # taken from its members by a take-back under way. (Dropped once no call holds or
        # waits for it: one per role ever used would stay for as long as the bot runs.)
        self._role_locks = KeyedLocks()
        # Roles Discord deleted lately (it said so): not asked for again (role ids are not
        # reused); forgotten after GONE_FOR, once nothing refers to them any more, so that
        # months of events, each with a role deleted later, are not one entry each
        self._gone: Recent[int] = Recent(GONE_FOR)
        self.notices = RoleNotices(bot)  # moderators told of a role refused or deleted
        self.calls = RoleCalls(bot, self.notices, self._role_gone)
        # Roles to take back, by event (an earlier role, the current one from members whose
        # removal failed, or the event's own role once it is over: `_ending`, which stops
        # giving it out once nobody holds it), by a task of the event's own.
        self.owed_back = RolesOwedBack(bot, self, self.calls, self._role_locks,
                                       self.owed_record)

    def registration_changed(self, guild_id: int, event_id: int) -> None:
        key = (guild_id, event_id)
        if (event_id not in self._holders and event_id not in self._regive
                and key not in self._syncers):  # (a sync under way may be giving a role)
            return  # the event gives out no role: nothing to compare on this hot path
        self._dirty.add(key)
        if key not in self._syncers:
            self._syncers[key] = asyncio.create_task(self._sync_loop(key))

    def confirmed_again(self, guild_id: int, event_id: int, user_id: int,
                        role_ids: frozenset[int]) -> None:
        """A confirmed member asked for their seat again, holding `role_ids`: one counted
        as holding the event's role who does not (they left the server and came back, and
        Discord gave them none of their roles back; the bot hears of no member coming or
        going) is given it again by the next sync, as a grant not known to have gone
        through is (`_ungiven`). Nothing is asked of Discord for one who holds it."""
        held = self._holders.get(event_id)
        if held is None or held[0] in role_ids or user_id not in held[1]:
            return
        self._ungiven.setdefault(event_id, set()).add(user_id)
        self.registration_changed(guild_id, event_id)

    def role_changed(self, guild_id: int, event_id: int) -> None:
        """`/manage role` set, changed, repeated or cleared the role, or the event was
        deleted: compared at once, even while grants wait after a refusal."""
        self._regive.add(event_id)
        self.registration_changed(guild_id, event_id)

    def ending_events(self) -> tuple[int, ...]:
        """The over events whose role is being taken back here or by another shard's
        process: not due again (`next_due` leaves them out)."""
        return (*self._ending, *self._others_ending)

    def cancel(self) -> list[asyncio.Task[None]]:
        """At a stop: the timers and the tasks under way cancelled (after `unsynced`); the
        tasks, for the caller to wait for."""
        for timer in self._give_again.values():
            timer.cancel()
        tasks = [*self._syncers.values(), *self.owed_back.tasks.values(), *self.notices.tasks()]
        for task in tasks:
            task.cancel()
        return tasks

    async def stopped(self, unsynced: list[RolesToGive]) -> None:
        """At a stop, once the tasks have ended: what the next start needs recorded, the
        moderators' notices not made yet included (each step waits GIVE_BACK_WAIT at
        most)."""
        self._record_unsynced(unsynced)
        await asyncio.gather(self.owed_record.flush(), self._give_at_next_start(unsynced),
                             self.notices.stopped())

    async def end_past_roles(self) -> None:
        """Take the attendee role back from everyone once the event is over
        (`RolesOwedBack.owe`); the event stops giving it out once nobody is left holding
        it. Over by the wall clock as trusted (`bot.clock`): a step of it ahead, set right
        soon after, takes no role from the members of an event still to come."""
        store = self.bot.store
        others: set[int] = set()
        for guild_id, event_id, role_id, confirmed in await store.run(
                store.reminders.attendee_roles, due_by=self.bot.wall_clock.trusted()):
            if not self.bot.runs_guild(guild_id):
                others.add(event_id)  # the process of that guild's shard takes it back
                continue
            if self.is_ending(event_id, role_id) or role_id in self._gone:
                continue  # under way, or deleted (nobody has it; its record is going)
            held_role, held = self._holders.pop(event_id, (role_id, set()))
            held = held | self._ungiven.pop(event_id, set())
            self._ending[event_id] = role_id
            self.owed_back.tries.pop((event_id, role_id), None)  # the end asks everyone at once
            if held_role != role_id:  # changed, and not synced since
                self.owed_back.owe_earlier(guild_id, event_id, held_role, held)
                held = set()
            if not self.owed_back.owe(guild_id, event_id, role_id, {*confirmed, *held}):
                await self.ended(event_id, role_id)  # nobody holds it
        self._others_ending = others

    # -- attendee roles -----------------------------------------------------------

    async def _sync_loop(self, key: tuple[int, int]) -> None:
        try:
            while key in self._dirty:
                self._dirty.discard(key)
                regive = key[1] in self._regive
                if regive:  # (read out of `_regive` by the sync: a stop needs to know)
                    self._regiving.add(key[1])
                try:
                    await self._sync_role(*key)
                except Exception:
                    log.exception("syncing the attendee role of event %s failed", key[1])
                    if regive:  # not done: the next change (or start) gives to everyone
                        self._regive.add(key[1])
                finally:
                    if regive:
                        self._regiving.discard(key[1])
        finally:
            self._syncers.pop(key, None)

    async def _sync_role(self, guild_id: int, event_id: int) -> None:
        regive = event_id in self._regive  # `/manage role` was used: the role may have changed
        if not regive and (event_id in self._ending or waiting(self._giving_refused, event_id)):
            return  # over (its role is being taken back), or refused lately (synced again
            # when its wait is over): nothing to read on this hot path
        try:
            role_id, confirmed = await self.bot.store.run(self.bot.store.reminders.attendee_role,
                                                          guild_id, event_id)
        except EventNotFound:  # deleted: whoever holds its role is owed it back
            role_id, confirmed = None, []
        if role_id in self._gone:  # deleted on Discord, its record not cleared yet
            role_id = None
        if regive:  # once read: a failed read leaves it for the next sync, and one asked
            self._regive.discard(event_id)  # for during the read is for the next pass
        held_role, held = self._holders.get(event_id, (None, set()))
        if held_role is not None and held_role != role_id:  # changed, cleared, or deleted
            self._holders.pop(event_id, None)
            self._forget_refusals(event_id)  # a new role gets a try of its own
            self.owed_back.owe_earlier(guild_id, event_id, held_role,
                              held | self._ungiven.pop(event_id, set()))
            held = set()
        if role_id is None:  # cleared, or the event deleted: its earlier role, if any, is
            self._giving_unfinished.discard(event_id)  # owed back; none is given now
            self.forget_guild(event_id)
            return
        if event_id in self._ending:
            return  # over: its role is taken back, not given
        # Its members may hold it still, if it was the event's role before (set again).
        owed_again = await self.owed_back.owed_again(event_id, role_id)
        if owed_again is None or role_id in self._gone:
            return  # over meanwhile (taken back, not given), or deleted on Discord
        ungiven = self._ungiven.setdefault(event_id, set())
        ungiven |= owed_again
        held = held | ungiven  # everyone who may hold it
        wanted = set(confirmed)
        leaving = list(held - wanted)
        ungiven &= wanted  # the others are taken back from
        if leaving:  # owed until their removal is done: recorded before any call, so that
            # a refusal, or a stop cutting the grants or removals short, leaves them owed
            # after a restart (the members owed again were just settled, in the record too)
            self.owed_record.record(OwedChange(True, event_id, role_id, tuple(sorted(leaving)),
                                               guild_id))
        # Who may hold the role, kept up to date as the calls go: whatever stops this sync
        # midway leaves them known, to take it back from later.
        kept = set(held)
        self._holders[event_id] = (role_id, kept)
        self._guild_of[event_id] = guild_id
        refused = failed = False
        # (members owed it back may have lost it already: given again if they want it)
        giving = [u for u in confirmed if regive or u not in held or u in ungiven]
        if giving:  # until the pass is through (an error may end it anywhere)
            self._giving_unfinished.add(event_id)
        for user_id in giving:
            async with self._role_locks.hold(role_id):
                if self._holders.get(event_id, (None, None))[1] is not kept:
                    return  # the event is over meanwhile: its end takes it back from all
                ungiven.add(user_id)  # until answered: a stop cutting the call short notes it
                outcome = await self.calls.grant(guild_id, event_id, user_id, role_id)
                if role_id in self._gone:
                    return  # deleted on Discord: no event gives it out now (`_role_gone`)
                if outcome is not None:  # given, or maybe (a server error): seen by
                    kept.add(user_id)  # take-backs of the role for other events
                if outcome or (outcome is None and user_id not in kept):
                    ungiven.discard(user_id)  # (a refusal gave nothing this time)
            if outcome and self._holders.get(event_id, (None, None))[1] is not kept:
                # given as the event ended, after its end took the role from everyone
                self.owed_back.owe(guild_id, event_id, role_id, {user_id})
                return
            if outcome is None:
                refused = True
                break
            failed = failed or outcome is False
        if not failed:
            self._giving_unfinished.discard(event_id)
        # `/manage role` again is done once its pass went through: after a refusal or an
        # error, the pass after the wait is one of it again (everyone counted as holding
        # the role already, the next change alone would give it to nobody)
        retry_everyone = regive and (refused or failed)
        if retry_everyone:
            self._regive_later.add(event_id)
        elif regive and not refused:
            self._regive_later.discard(event_id)
        unsure: set[int] = set()  # whose removal failed this time (a server error)
        try:
            for user_id in leaving:
                async with self._role_locks.hold(role_id):
                    if role_id in self._gone:
                        return  # deleted on Discord: nobody has it
                    if self.held_elsewhere(event_id, role_id, user_id):
                        outcome = True  # theirs for another event: not this one's to take
                    else:
                        self._removing[event_id] = user_id
                        try:
                            outcome = await self.calls.remove(guild_id, event_id, user_id,
                                                              role_id, "no longer confirmed")
                        finally:
                            self._removing.pop(event_id, None)
                if outcome:
                    kept.discard(user_id)
                    self.owed_record.record(OwedChange(False, event_id, role_id, (user_id,)))
                    await asyncio.sleep(0)  # a long run of skipped members holds no one up
                elif outcome is False:
                    unsure.add(user_id)
                else:  # refused: nor for the others now; still counted, and asked again
                    refused = True  # by the sync at the end of the pause this starts
                    break
        except asyncio.CancelledError:  # the cog is unloading: no new task to outlive it
            unsure.clear()
            raise
        finally:  # (a network error stops the loop: those failed before it are not lost)
            if unsure and self._holders.get(event_id, (None, None))[1] is kept:
                # Asked again by the take-back task after its wait, not at the next change;
                # not counted meanwhile, so that no other event giving out the role keeps it
                # on them for this one's sake. (Once the end took the holders over, they are
                # among those it owes.)
                kept.difference_update(unsure)
                self.owed_back.owe_after_failure(guild_id, event_id, role_id, unsure)
        self._pause_if_refused(guild_id, event_id, refused or retry_everyone)
        if not refused and not retry_everyone:
            self._again_if_failed(guild_id, event_id, failed)

    def _pause_if_refused(self, guild_id: int, event_id: int, refused: bool) -> None:
        """After a refusal, no try for the event's role until its wait is over (then one
        sync, even without a change); after a sync that went through, none. Out of the
        server (removed from it), until the bot is invited back (`guild_arrived`)."""
        if not refused:
            self._giving_refused.pop(event_id, None)
            return
        if out_of_server(self.bot, guild_id):
            self._cancel_sync_again(event_id)
            paused(self._giving_refused, event_id)
            return
        wait = refused_again(self._giving_refused, event_id)
        log.warning("giving the role of event %s was refused or failed; trying again in %.0f s",
                    event_id, wait)
        self._sync_again_after(guild_id, event_id, wait)

    def _again_if_failed(self, guild_id: int, event_id: int, failed: bool) -> None:
        """After a pass in which Discord failed a grant (a 5xx: maybe made, maybe not), one
        more sync once a wait is over (longer after each such pass in a row), even without
        a change: the next change alone, which may never come, left the member without the
        role. A server Discord keeps away is synced once it arrives (`guild_arrived`)."""
        if not failed:
            if self._giving_failed.pop(event_id, None) is not None:
                self._cancel_sync_again(event_id)  # (given since: no sync needed for it)
            return
        if not_arrived(self.bot, guild_id):
            return
        wait = refused_again(self._giving_failed, event_id)
        log.warning("Discord failed giving the role of event %s to some of its members; "
                    "trying again in %.0f s", event_id, wait)
        self._sync_again_after(guild_id, event_id, wait)

    def _sync_again_after(self, guild_id: int, event_id: int, wait: float) -> None:
        """One sync of the event's roles `wait` seconds from now, in place of any timed
        before (`_sync_again`)."""
        self._cancel_sync_again(event_id)
        self._give_again[event_id] = asyncio.get_running_loop().call_later(
            wait, self._sync_again, guild_id, event_id)

    def _cancel_sync_again(self, event_id: int) -> None:
        if (timer := self._give_again.pop(event_id, None)) is not None:
            timer.cancel()

    def guild_arrived(self, guild_id: int) -> None:
        """Invited back, or sent by Discord after an outage (or at start, having been
        listed as unavailable): the roles that waited for it, or whose calls Discord
        refused or failed meanwhile, are given and taken back now, not at the event's next
        change (there may be none) nor after their wait."""
        for event_id, gid in list(self._guild_of.items()):
            if gid != guild_id:
                continue
            if event_id in self._giving_refused:
                self._sync_again(guild_id, event_id)
            elif event_id in self._giving_unfinished:  # met a server error
                self.registration_changed(guild_id, event_id)
            self.owed_back.arrived(event_id)

    def role_updated(self, guild: discord.Guild, before: Before) -> None:
        """A role of the server was dragged or its permissions changed, or one given to the
        bot or taken from it (`before`: the role as it was, or the bot's member): the roles
        Discord refused the bot, which that change let it manage (the moderators were told
        to drag its role above them), are given and taken back now, not after their wait,
        which grows to an hour. A change that let it manage none of them costs no call."""
        if not self._giving_refused and not self.owed_back.tries:
            return
        for event_id, gid in list(self._guild_of.items()):
            if gid != guild.id:
                continue
            owed = [key for key in self.owed_back.tried(event_id)
                    if may_now_manage(guild, key[1], before)]
            role_id = self._holders.get(event_id, (None, None))[0]
            if (event_id in self._giving_refused and role_id is not None
                    and may_now_manage(guild, role_id, before, giving=True)):
                self._sync_again(guild.id, event_id)
            self.owed_back.take_back_now(event_id, owed)

    def guild_deleted(self, guild_id: int) -> None:
        """The server's data was deleted (`cogs.retention`), its events with it: nothing
        is kept for them. Else their holders stayed for as long as the bot ran (each is
        forgotten at its event's end, read from a database that has it no more), and, if
        the server invited the bot back and gave the same role out again, kept it on its
        members for a deleted event's sake. Their roles are neither given nor taken back
        any more: the bot was out of the server all through the retention period, and the
        deletion took the record of who owes them back with it."""
        events = {event_id for event_id, gid in self._guild_of.items() if gid == guild_id}
        events |= {event_id for gid, event_id in (*self._dirty, *self._syncers)
                   if gid == guild_id}
        self._dirty = {key for key in self._dirty if key[0] != guild_id}
        for key in [key for key in self._syncers if key[0] == guild_id]:
            self._syncers.pop(key).cancel()
        for event_id in events:
            self._holders.pop(event_id, None)
            self._guild_of.pop(event_id, None)
            for kept in (self._regive, self._regiving, self._regive_later,
                         self._giving_unfinished, self._others_ending):
                kept.discard(event_id)
            self._ungiven.pop(event_id, None)
            self._removing.pop(event_id, None)
            self._forget_refusals(event_id)
            self._ending.pop(event_id, None)
            self.owed_back.forget_event(event_id)

    def _forget_refusals(self, event_id: int) -> None:
        """The event's grants are no longer waiting after a refusal (its role changed or
        its end took it back), nor is a sync timed for when the wait is over."""
        self._giving_refused.pop(event_id, None)
        self._giving_failed.pop(event_id, None)
        self._regive_later.discard(event_id)
        self._cancel_sync_again(event_id)

    def _sync_again(self, guild_id: int, event_id: int) -> None:
        self._give_again.pop(event_id, None)
        if event_id in self._giving_refused:  # over, whatever the clock says; the next
            _, waited = self._giving_refused[event_id]  # refusal waits twice as long
            self._giving_refused[event_id] = (0.0, waited)
        if event_id in self._regive_later:
            self._regive_later.discard(event_id)
            self._regive.add(event_id)
        self.registration_changed(guild_id, event_id)

    # -- what the roles taken back (`RolesOwedBack`) ask of the events ------------------

    def is_ending(self, event_id: int, role_id: int) -> bool:
        """Whether `role_id` is the event's own role, being taken back at its end."""
        return self._ending.get(event_id) == role_id

    def note_guild(self, event_id: int, guild_id: int) -> None:
        """The event's guild, kept while anything about it is owed (`forget_guild`)."""
        self._guild_of.setdefault(event_id, guild_id)

    def forget_guild(self, event_id: int) -> None:
        """The event's guild is no longer kept once it gives out no role here and nothing
        about it is owed or left to give (`unsynced` reads it for those): one entry per
        event that ever gave a role would stay for as long as the bot runs."""
        if (event_id in self._holders or event_id in self.owed_back.owed
                or event_id in self._regive or event_id in self._giving_refused
                or event_id in self._give_again or event_id in self._giving_unfinished
                or self._ungiven.get(event_id)):
            return
        self._guild_of.pop(event_id, None)

    def held_elsewhere(self, event_id: int, role_id: int, user_id: int) -> bool:
        """Whether another event gives out the same role and counts the member among its
        holders: one role for several events (an "Attendee" role, say) stays with a member
        until none of them has them any more."""
        return any(role == role_id and user_id in members
                   for other, (role, members) in self._holders.items() if other != event_id)

    def why(self, event_id: int, role_id: int) -> str:
        """The audit log's reason for taking `role_id` back from a member of the event."""
        if self.is_ending(event_id, role_id):
            return "the event is over"
        if self._holders.get(event_id, (None, None))[0] == role_id:
            return "no longer confirmed"  # its own role still: a removal that failed
        return "the event's attendee role changed"

    async def ended(self, event_id: int, role_id: int, *, taken: bool = True) -> None:
        """The role is off everyone at the event's end (or, not `taken`, given up on): the
        event stops giving it out. Removing is idempotent, so it comes first: a crash
        before this removes the role again on the next start rather than leaving it with
        anyone. It counts as ending until the database has it: else, meanwhile, the
        scheduler would find it due again and a sync give its role out once more."""
        self._forget_refusals(event_id)
        self._giving_unfinished.discard(event_id)
        try:
            await self.bot.store.run(self.bot.store.reminders.end_attendee_role, event_id,
                                     role_id)
            if taken:
                log.info("took role %s back from the attendees of event %s", role_id,
                         event_id)
        except Exception:  # still the event's: the next round takes it back again
            log.exception("could not record that role %s of event %s was taken back",
                          role_id, event_id)
        finally:
            if self.is_ending(event_id, role_id):
                del self._ending[event_id]
            self.forget_guild(event_id)

    # -- a start and a stop: what the last run left, and what the next one needs ------

    async def load(self) -> None:
        """Who holds each event's role (its confirmed members, as the last run left them,
        but where the last stop may have left it short: `_resume_grants`), and what was
        still owed back then. Loaded before the gateway connects: no RSVP this process
        handles can fall between this snapshot and the first change compared with it."""
        store = self.bot.store
        await self.notices.load()
        for guild_id, event_id, role_id, confirmed in await store.run(
                store.reminders.attendee_roles):
            if self.bot.runs_guild(guild_id):
                self._holders[event_id] = (role_id, set(confirmed))
                self._guild_of[event_id] = guild_id
        owed: list[OwedRole] | None
        try:  # (the process of another shard's guild takes its roles back)
            owed = [row for row in await store.run(store.reminders.owed_roles)
                    if self.bot.runs_guild(row.guild_id)]
        except Exception:  # the next change of each event's role is still handled
            log.exception("could not read the attendee roles owed back; not taking them back")
            owed = None
        await self._resume_grants(owed or [])
        if owed is not None:
            self.owed_back.resume(owed, self._holders)

    async def _resume_grants(self, owed: list[OwedRole]) -> None:
        """Sync now the events whose role the last stop may have left short of some
        confirmed members (`_give_at_next_start`), in the guilds this process runs. Their
        holders are only the confirmed members the stop recorded as maybe holding it (as
        owing it back, `_record_unsynced`), so the others get it, as do those whose grant
        the stop left unsure; after a `/manage role` not acted on, every confirmed member
        gets it again."""
        store = self.bot.store
        try:
            marked = [row for row in await store.run(store.reminders.roles_to_give)
                      if self.bot.runs_guild(row.guild_id)]
            if not marked:
                return
            over = {grant.event_id for grant in await store.run(
                store.reminders.attendee_roles, due_by=self.bot.wall_clock.trusted())}
            # Last: until then, a failure leaves them for the next start. (A stop cutting
            # these syncs short notes them again.)
            await store.run(store.reminders.forget_roles_to_give,
                            [row.event_id for row in marked])
        except Exception:  # `/manage role` still gives the role to everyone confirmed
            log.exception("could not read the attendee roles left to give; not giving them")
            return
        maybe_holding = {(row.event_id, row.role_id): set(row.user_ids) for row in owed}
        for guild_id, event_id, everyone, again in marked:
            if event_id not in self._holders or event_id in over:
                continue  # it gives out no role now, or its end takes the role back
            role_id, confirmed = self._holders[event_id]
            if everyone:
                self._regive.add(event_id)
            else:
                self._holders[event_id] = (
                    role_id, confirmed & maybe_holding.get((event_id, role_id), set()))
                self._ungiven[event_id] = confirmed & set(again)
            self.registration_changed(guild_id, event_id)

    def unsynced(self) -> list[RolesToGive]:
        """The events whose role may not be with exactly their confirmed members: a change
        not compared yet, a pass cut short or that met an error, `/manage role` not acted
        on yet (or its pass cut short or refused: `everyone`), grants paused after a
        refusal."""
        pending = {event_id: guild_id for guild_id, event_id in (*self._dirty, *self._syncers)}
        unsure = [event_id for event_id, members in self._ungiven.items() if members]
        for event_id in (*self._regive, *self._giving_refused, *self._give_again,
                         *self._giving_unfinished, *unsure):
            if event_id in self._guild_of:
                pending.setdefault(event_id, self._guild_of[event_id])
        everyone = self._regive | self._regiving | self._regive_later
        return [RolesToGive(guild_id, event_id, event_id in everyone,
                            tuple(sorted(self._unsure_grants(event_id))))
                for event_id, guild_id in sorted(pending.items())]

    def _unsure_grants(self, event_id: int) -> set[int]:
        """The members who may hold the event's role, or may not, without a grant gone
        through: those whose grant is unsure, those owed it back and the one whose removal
        is under way, who may have joined again since (their sync, not run yet, would give
        it to them again)."""
        role_id, _ = self._holders.get(event_id, (None, set()))
        owed = self.owed_back.members(event_id, role_id) if role_id else set()
        removing = {self._removing[event_id]} if event_id in self._removing else set()
        return self._ungiven.get(event_id, set()) | owed | removing

    def _record_unsynced(self, unsynced: list[RolesToGive]) -> None:
        """At a stop: who may hold the role of each event still to be synced is recorded
        as owing it back. The next start takes it from those of them no longer entitled to
        it (not confirmed, or the event's role changed, cleared or deleted) and leaves it
        with the rest (`RolesOwedBack.resume`), and gives it to the confirmed members not among
        them, and again to those whose grant was unsure (`_resume_grants`)."""
        for guild_id, event_id, _, again in unsynced:
            role_id, members = self._holders.get(event_id, (None, set()))
            members = members | set(again)
            if role_id is not None and members:
                self.owed_record.record(OwedChange(True, event_id, role_id, tuple(sorted(members)),
                                        guild_id))

    async def _give_at_next_start(self, unsynced: list[RolesToGive]) -> None:
        """At a stop: the events still to be synced are noted, so that the next start
        gives their role to the confirmed members not known to hold it (`_resume_grants`);
        it otherwise counts every confirmed member as holding it, and grants cut short or
        paused would never be made."""
        events = [row for row in unsynced
                  if row.event_id not in self._ending]  # over: its role is taken back
        if not events:
            return
        store = self.bot.store
        try:
            async with asyncio.timeout(GIVE_BACK_WAIT):
                await store.run(store.reminders.give_roles_at_start, events)
        except TimeoutError:
            log.warning("gave up after %g s noting the attendee roles left to give (the "
                        "database is held elsewhere); `/manage role` gives them", GIVE_BACK_WAIT)
        except Exception:
            log.exception("could not note the attendee roles left to give; `/manage role` "
                          "gives them")

    # -- a role deleted: no event gives it out, nobody owes it, the moderators are told -

    async def role_deleted(self, role: discord.Role) -> None:
        """Discord says a role was deleted: if an event gives it out, or owes it back, no
        call is made for it (one a member, else)."""
        role_id = role.id
        if self.bot.runs_guild(role.guild.id) and (
                role_id in self._ending.values()
                or any(held == role_id for held, _ in self._holders.values())
                or self.owed_back.owes_role(role_id)):
            await self._role_gone(role.guild.id, role_id, role.name)

    async def deleted_while_away(self, guild: discord.Guild) -> None:
        """The server as Discord sent it afresh (a new session's GUILD_CREATE, a start, an
        invitation back) lists its roles as they are now, and nothing replays a
        GUILD_ROLE_DELETE made while the bot was away: a role an event gives out or owes
        back that it no longer lists was deleted meanwhile (`role_deleted`), and the
        moderators hear it now, not when a grant happens to meet 10011 (maybe never)."""
        if not self.bot.runs_guild(guild.id):
            return
        events = [event_id for event_id, gid in self._guild_of.items() if gid == guild.id]
        roles = {self._holders[e][0] for e in events if e in self._holders}
        roles |= {self._ending[e] for e in events if e in self._ending}
        roles |= {role_id for e in events for role_id in self.owed_back.owed.get(e, {})}
        for role_id in sorted(roles):
            if guild.get_role(role_id) is None:
                await self._role_gone(guild.id, role_id)

    async def _role_gone(self, guild_id: int, role_id: int, name: str | None = None) -> None:
        """The role was deleted on Discord (the gateway said so, or a call met 10011 Unknown
        Role): no event gives it out any more, as if `/manage role` had cleared it, nobody
        is owed it back, and no call is made for it again. The moderators are told once,
        with the events that gave it out, so that they can pick another role."""
        if role_id in self._gone:
            return
        self._gone.note(role_id)
        self.notices.went_through(role_id)
        giving = [event_id for event_id, (held, _) in self._holders.items() if held == role_id]
        for event_id in giving:
            del self._holders[event_id]
            self._ungiven.pop(event_id, None)
            self._giving_unfinished.discard(event_id)
            self._forget_refusals(event_id)
            self.forget_guild(event_id)
        ending = [event_id for event_id, held in self._ending.items() if held == role_id]
        for event_id in ending:
            del self._ending[event_id]
            self._forget_refusals(event_id)
        self.owed_back.forget_role(role_id)
        log.warning("role %s of guild %s was deleted; events %s no longer give it out",
                    role_id, guild_id, sorted({*giving, *ending}))
        store = self.bot.store
        for event_id in sorted({*giving, *ending}):
            try:
                await store.run(store.reminders.end_attendee_role, event_id, role_id)
            except Exception:  # a start meets 10011 once again, and forgets it then
                log.exception("could not record that event %s no longer gives role %s",
                              event_id, role_id)
        if giving:
            self.notices.deleted(guild_id, role_id, name, giving)
