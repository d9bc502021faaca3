"""The roles an event owes back, kept in memory by `AttendeeRoles`: what is left of an
event once nothing is owed for it any more."""

from __future__ import annotations

import asyncio
import math
from types import SimpleNamespace

from bot.adapters.attendee_roles import AttendeeRoles
from bot.adapters.role_tries import paused


class _Store:
    async def run(self, fn, *args):  # the store's `run`, with no database
        return fn(*args)

    class reminders:  # the store's `reminders` repository
        @staticmethod
        def change_owed_roles(changes) -> None:
            pass

        @staticmethod
        def end_attendee_role(event_id: int, role_id: int) -> None:
            pass


async def test_an_owed_role_deleted_on_discord_leaves_nothing_of_its_event() -> None:
    """A role owed back while it waits after a refusal is deleted on Discord: the event's
    take-back ends, and nothing is kept for the event (an empty entry stayed for as long
    as the bot ran, and kept its server's entry too)."""
    bot = SimpleNamespace(store=_Store(), runs_guild=lambda guild_id: True)
    roles = AttendeeRoles(bot)  # type: ignore[arg-type]
    guild_id, event_id, role_id = 7, 70, 700
    roles.owed_back.owed[event_id] = {role_id: {1, 2}}
    roles._guild_of[event_id] = guild_id
    paused(roles.owed_back.tries, (event_id, role_id), until=math.inf)  # refused, waiting
    task = asyncio.create_task(roles.owed_back.take_back(guild_id, event_id))
    roles.owed_back.tasks[event_id] = task
    await asyncio.sleep(0)  # the task waits for its role's next try
    await roles._role_gone(guild_id, role_id, "Attendee")
    await asyncio.wait_for(task, 5)
    assert event_id not in roles.owed_back.owed
    assert event_id not in roles._guild_of
    assert event_id not in roles.owed_back.tasks


async def test_an_event_stays_ending_until_its_end_is_recorded() -> None:
    """The role is off everyone and the end is being recorded: until the database has it,
    the event still counts as ending, so that the scheduler does not find it due again
    and a sync does not give its role out once more (it stopped counting as ending before
    the write, and a read at once still found the role given out)."""
    written = asyncio.Event()
    release = asyncio.Event()

    class SlowEnd(_Store):
        async def run(self, fn, *args):
            if fn is _Store.reminders.end_attendee_role:
                written.set()
                await release.wait()
            return fn(*args)

    bot = SimpleNamespace(store=SlowEnd(), runs_guild=lambda guild_id: True)
    roles = AttendeeRoles(bot)  # type: ignore[arg-type]
    roles._ending[70] = 700
    ending = asyncio.create_task(roles.ended(70, 700))
    await asyncio.wait_for(written.wait(), 5)
    assert roles.ending_events() == (70,)
    release.set()
    await asyncio.wait_for(ending, 5)
    assert roles.ending_events() == ()
