"""The roles owed back, and the tasks that take them back (`bot.adapters.attendee_roles`
says who owes what: an event's earlier role when it changed, was cleared or the event was
deleted; its current role from members whose removal failed; its own role once it is
over).

Owed roles are kept by event, then role: role id -> the members still to take it from. A
task per event takes them back, role by role, each with its own tries after a refusal
(`bot.adapters.role_tries`): an old role Discord refuses never holds up the new one, nor
the event's grants. A member is forgotten only once the role is off them. Every change is
recorded (`bot.adapters.owed_roles_record`), and a start goes on where the last run
stopped. In a server that removed the bot, a role waits for its return GIVE_UP_AFTER at
most, as the notices held for it do, and is then given up.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Protocol

import discord

from bot.adapters.owed_roles_record import OwedRolesRecord
from bot.adapters.role_calls import RoleCalls
from bot.adapters.role_tries import Tries, paused, refused_again, try_now, waiting
from bot.app import EventBot, out_of_server
from bot.locks import KeyedLocks
from bot.models import GIVE_UP_AFTER, OwedChange, OwedRole
from bot.tasks import woken

log = logging.getLogger(__name__)


class EventRoles(Protocol):
    """What taking roles back needs to know of the events giving them out, and tells them
    (`AttendeeRoles`)."""

    def held_elsewhere(self, event_id: int, role_id: int, user_id: int) -> bool: ...

    def why(self, event_id: int, role_id: int) -> str: ...

    def is_ending(self, event_id: int, role_id: int) -> bool: ...

    async def ended(self, event_id: int, role_id: int, *, taken: bool = True) -> None: ...

    def note_guild(self, event_id: int, guild_id: int) -> None: ...

    def forget_guild(self, event_id: int) -> None: ...


class RolesOwedBack:
    """Who is owed each event's roles back, and the task of each event taking them."""

    def __init__(self, bot: EventBot, events: EventRoles, calls: RoleCalls,
                 role_locks: KeyedLocks, record: OwedRolesRecord) -> None:
        self.bot = bot
        self._events = events
        self._calls = calls
        self._role_locks = role_locks  # shared with the grants: one call about a role at a time
        self.record = record  # each change, on its way to the database
        self.owed: dict[int, dict[int, set[int]]] = {}  # event -> role -> members
        self.tries: Tries[tuple[int, int]] = {}  # by (event, role)
        # Roles owed back in a server that removed the bot, by (event, role): when the bot
        # left it (time.monotonic(); from the database's record, `_left_since`, so that a
        # restart does not begin the wait again).
        self.away_since: dict[tuple[int, int], float] = {}
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.wakes: dict[int, asyncio.Event] = {}

    def members(self, event_id: int, role_id: int) -> set[int]:
        """The members still owed `role_id` back for the event."""
        return self.owed.get(event_id, {}).get(role_id, set())

    def owes_role(self, role_id: int) -> bool:
        return any(role_id in roles for roles in self.owed.values())

    def tried(self, event_id: int) -> list[tuple[int, int]]:
        """The event's roles (event, role) whose take-back has been tried."""
        return [key for key in self.tries if key[0] == event_id]

    def owe(self, guild_id: int, event_id: int, role_id: int, members: set[int], *,
            recorded: bool = False) -> bool:
        """Take `role_id` back from `members` (the event's take-back task does); whether
        anyone is owed it now. `recorded`: the database has them already."""
        if members:
            self._events.note_guild(event_id, guild_id)  # (a deletion of its data finds it)
            if not recorded:
                self.record.record(OwedChange(True, event_id, role_id, tuple(sorted(members)),
                                              guild_id))
            self.owed.setdefault(event_id, {}).setdefault(role_id, set()).update(members)
            self.wakes.setdefault(event_id, asyncio.Event()).set()
            if event_id not in self.tasks:
                self.tasks[event_id] = asyncio.create_task(
                    self.take_back(guild_id, event_id), name="roles-taken-back")
        return bool(self.owed.get(event_id, {}).get(role_id))

    def owe_after_failure(self, guild_id: int, event_id: int, role_id: int,
                          members: set[int]) -> None:
        """`members` whose removal failed: asked again after the role's wait, not at once."""
        refused_again(self.tries, (event_id, role_id))
        self.owe(guild_id, event_id, role_id, members)

    def owe_earlier(self, guild_id: int, event_id: int, role_id: int,
                    members: set[int]) -> None:
        """The event's earlier role (changed, cleared, the event deleted), taken back from
        the `members` who may hold it. The change recorded it owed back by every confirmed
        member (`set_attendee_role`, `delete_event`), for a crash before this: with nobody
        here holding it (its grants refused), that record goes, else the next start would
        take it back from members who never had it, and a refusal again would tell the
        moderators of a role they cannot take back, hourly, for good. (With members owed
        it, the take-back settles the record once they are done.)"""
        if not self.owe(guild_id, event_id, role_id, members):
            self.settle(event_id, role_id)

    async def owed_again(self, event_id: int, role_id: int) -> set[int] | None:
        """The members still owed `role_id` back, which is the event's role again: no
        longer to take it from (once a call under way is done), they may hold it. None
        when the event is over meanwhile: then its end takes the role back from them."""
        if role_id not in self.owed.get(event_id, {}):
            return set()
        async with self._role_locks.hold(role_id):
            if self._events.is_ending(event_id, role_id):
                return None
            return self.settle(event_id, role_id)

    def settle(self, event_id: int, role_id: int) -> set[int]:
        """No longer take `role_id` back for the event: the members still owed it."""
        self.tries.pop((event_id, role_id), None)
        self.away_since.pop((event_id, role_id), None)
        self.record.record(OwedChange(False, event_id, role_id, None))
        return self.owed.get(event_id, {}).pop(role_id, set())

    def resume(self, owed: list[OwedRole], holders: dict[int, tuple[int, set[int]]]) -> None:
        """Go on taking back what was owed when the last run stopped; not from members who
        hold the event's role now as its confirmed members (`holders`)."""
        for guild_id, event_id, role_id, user_ids in owed:
            held_role, held = holders.get(event_id, (None, set()))
            holding = held & set(user_ids) if held_role == role_id else set()
            if holding:
                self.record.record(OwedChange(False, event_id, role_id,
                                              tuple(sorted(holding))))
            self.owe(guild_id, event_id, role_id, set(user_ids) - holding, recorded=True)

    def take_back_now(self, event_id: int, owed: list[tuple[int, int]]) -> None:
        """The event's roles `owed` back (event, role) are tried now, not after their wait."""
        for key in owed:
            try_now(self.tries, key)
        if owed and (wake := self.wakes.get(event_id)) is not None:
            wake.set()

    def arrived(self, event_id: int) -> None:
        """The bot is back in the event's server: its roles are tried now, the wait for its
        return over."""
        owed = self.tried(event_id)
        for key in owed:
            self.away_since.pop(key, None)
        self.take_back_now(event_id, owed)

    def forget_role(self, role_id: int) -> None:
        """The role was deleted on Discord: nobody is owed it back (its take-back tasks pass
        it by, and end if nothing else is owed)."""
        for event_id, roles in self.owed.items():
            if roles.pop(role_id, None) is not None:
                self.tries.pop((event_id, role_id), None)
                self.record.record(OwedChange(False, event_id, role_id, None))
                if (wake := self.wakes.get(event_id)) is not None:
                    wake.set()  # nothing else owed: the task ends

    def forget_event(self, event_id: int) -> None:
        """The event's data was deleted: nothing is taken back for it any more."""
        self.owed.pop(event_id, None)
        for key in [key for key in (*self.tries, *self.away_since) if key[0] == event_id]:
            self.tries.pop(key, None)
            self.away_since.pop(key, None)
        if (task := self.tasks.pop(event_id, None)) is not None:
            task.cancel()
        self.wakes.pop(event_id, None)

    async def take_back(self, guild_id: int, event_id: int) -> None:
        """Take each owed role back from its members, role by role: a role Discord refuses
        waits (10 s, doubling to an hour) without holding up the others or the event's
        grants, and a member is forgotten only once the role is off them. Runs until
        nobody is owed anything, whatever becomes of the event meanwhile."""
        wake = self.wakes.setdefault(event_id, asyncio.Event())
        try:
            while roles := self.owed.get(event_id):
                wake.clear()  # members owed from now on wake the wait below
                for role_id in [r for r in roles if not waiting(self.tries, (event_id, r))]:
                    owed = roles.get(role_id)
                    if owed is None:  # the event's role again meanwhile
                        continue
                    if await self._take_back_one(guild_id, event_id, role_id, owed):
                        if out_of_server(self.bot, guild_id):  # until invited back
                            await self._wait_away(guild_id, event_id, role_id, owed)
                            continue
                        wait = refused_again(self.tries, (event_id, role_id))
                        log.warning("role %s of event %s is still held by %d member(s); trying "
                                    "again in %.0f s", role_id, event_id, len(owed), wait)
                    elif not owed and roles.get(role_id) is owed:
                        self.settle(event_id, role_id)
                        if self._events.is_ending(event_id, role_id):
                            await self._events.ended(event_id, role_id)
                if not roles:
                    return
                soonest = min(self.tries.get((event_id, r), (0.0, 0.0))[0] for r in roles)
                await woken(wake, None if math.isinf(soonest)
                            else max(soonest - time.monotonic(), 0.0))
        finally:
            # nothing owed: its last role taken back, or settled elsewhere meanwhile (a
            # role deleted on Discord), which ends the loop before it looks
            if not self.owed.get(event_id):
                self.owed.pop(event_id, None)
            self.tasks.pop(event_id, None)
            self.wakes.pop(event_id, None)
            self._events.forget_guild(event_id)

    async def _wait_away(self, guild_id: int, event_id: int, role_id: int,
                         owed: set[int]) -> None:
        """The bot is out of the server: the role waits for it to be invited back
        (`arrived`), GIVE_UP_AFTER at most from when it left (as recorded; else from when
        that was found); then nobody is owed it any more (nor at the next start), and an
        event over stops giving it out."""
        key = (event_id, role_id)
        if key not in self.away_since:
            since = await self._left_since(guild_id)
            if not out_of_server(self.bot, guild_id):
                return  # invited back meanwhile (`arrived`): tried again now
            self.away_since[key] = since
        now = time.monotonic()
        give_up_at = self.away_since[key] + GIVE_UP_AFTER.total_seconds()
        if now < give_up_at:
            paused(self.tries, key, until=give_up_at)
            return
        log.warning("giving up taking role %s of event %s back from %d member(s): the bot "
                    "has been out of guild %s for %s", role_id, event_id, len(owed), guild_id,
                    GIVE_UP_AFTER)
        self.settle(event_id, role_id)
        if self._events.is_ending(event_id, role_id):
            await self._events.ended(event_id, role_id, taken=False)

    async def _left_since(self, guild_id: int) -> float:
        """When the bot left the server, as a `time.monotonic()` moment: as the database
        recorded it (`EventBot.left_guild`), so that a restart does not begin the wait
        for its return again; now, where it has no record of it yet (or cannot say)."""
        now = time.monotonic()
        try:
            left_at = await self.bot.store.run(self.bot.store.settings.guild_left_at, guild_id)
        except Exception:
            log.exception("could not read when the bot left guild %s; counting from now",
                          guild_id)
            return now
        if left_at is None:
            return now
        return now - max((discord.utils.utcnow() - left_at).total_seconds(), 0.0)

    async def _take_back_one(self, guild_id: int, event_id: int, role_id: int,
                             owed: set[int]) -> bool:
        """One pass over the members owed `role_id` back; whether one failed (those left
        wait for the role's next try)."""
        asked: set[int] = set()
        while todo := sorted(owed - asked):  # members owed during the pass are asked too
            if await self._take_back_these(guild_id, event_id, role_id, owed, todo, asked):
                return True
            if self.owed.get(event_id, {}).get(role_id) is not owed:
                return False  # the event's role again: its sync has them
        return bool(owed & asked)  # asked, and still owed: it failed for them

    async def _take_back_these(self, guild_id: int, event_id: int, role_id: int,
                               owed: set[int], todo: list[int], asked: set[int]) -> bool:
        """`_take_back_one`'s calls for `todo`, noted in `asked`; whether one was refused
        (or met a network error), which ends the pass."""
        why = self._events.why(event_id, role_id)
        for user_id in todo:
            asked.add(user_id)
            async with self._role_locks.hold(role_id):
                if self.owed.get(event_id, {}).get(role_id) is not owed:
                    return False  # the event's role again: its sync has them
                if self._events.held_elsewhere(event_id, role_id, user_id):
                    outcome: bool | None = True  # theirs for another event: kept on them
                else:
                    try:
                        outcome = await self._calls.remove(guild_id, event_id, user_id,
                                                           role_id, why)
                    except Exception:  # a network error: this member, and the rest, next time
                        log.exception("could not take role %s back from user %s", role_id,
                                      user_id)
                        return True
            if outcome is None:  # refused: nor for the others now
                return True
            if outcome:
                owed.discard(user_id)
                self.record.record(OwedChange(False, event_id, role_id, (user_id,)))
                await asyncio.sleep(0)  # a long run of skipped members holds no one up
            # else failed this time (a server error): left for the next try
        return False
