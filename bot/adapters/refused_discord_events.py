"""Discord events refused for want of the permission, made once a moderator gives it.

Without Manage Events (or Create Events) the bot cannot create or update an event's Discord
event; the moderator's reply says so and asks them to turn it on for the bot's role. Discord
tells the bot of that change (GUILD_ROLE_UPDATE, under the guilds intent it has; a role
given to the bot, GUILD_MEMBER_UPDATE of its own member, sent whatever its intents), and the
events refused in that server are then made or brought up to date at once
(`cogs.manage`), not at their next announce or edit, which may never come. A change that
still leaves the bot without the permission asks Discord nothing; one while it has it
makes what is still waiting (one whose step failed, noted again).

One entry per event refused, kept in memory, where the grant's listener looks without a
wait, and noted in the database behind it: the reply's word holds across a restart, and a
grant made while the bot was stopped is found when Discord sends the server at the next
start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord

from bot.adapters.role_changes import may_schedule, my_permissions
from bot.logs import RetryLog
from bot.tasks import stop_task

if TYPE_CHECKING:
    # The store's type through the bot that holds it: adapters import no storage module.
    from bot.app import Store

log = logging.getLogger(__name__)
RETRY_AFTER = 5.0  # seconds before a failed write of the refusals is tried again


class RefusedDiscordEvents:
    """The events whose Discord event was refused for want of the permission, by server."""

    def __init__(self, store: Store) -> None:
        self._store = store
        # server -> event -> whether its Discord event is to be made (an announce), where
        # otherwise only the one it has is to be updated
        self._waiting: dict[int, dict[int, bool]] = {}
        # the events whose entry the database does not have as `_waiting` has it yet,
        # each with its server: the writer notes what `_waiting` says when it writes
        self._unwritten: dict[int, int] = {}
        self._writer: asyncio.Task[None] | None = None
        self._failures = RetryLog(log)

    async def load(self, runs_guild: Callable[[int], bool]) -> None:
        """The events the last run left waiting, in the servers this process runs."""
        try:
            noted = await self._store.run(self._store.reminders.discord_event_refusals)
        except Exception:
            log.exception("could not read the Discord events waiting for the Manage Events "
                          "permission; /manage announce makes each of them")
            return
        for guild_id, event_id, create in noted:
            if runs_guild(guild_id):
                self._wait(guild_id, event_id, create)

    def refused(self, guild_id: int, event_id: int, *, create: bool) -> None:
        self._wait(guild_id, event_id, create)
        self._changed(guild_id, [event_id])

    def _wait(self, guild_id: int, event_id: int, create: bool) -> None:
        """The event waits; to have its Discord event made if any refusal of it was an
        announce's, where otherwise only the one it has is updated."""
        waiting = self._waiting.setdefault(guild_id, {})
        waiting[event_id] = waiting.get(event_id, False) or create

    def settled(self, guild_id: int, event_id: int) -> None:
        """The event's Discord event was tried with the permission: nothing waits for it."""
        waiting = self._waiting.get(guild_id)
        if waiting is not None and waiting.pop(event_id, None) is not None:
            if not waiting:
                del self._waiting[guild_id]
            self._changed(guild_id, [event_id])

    def granted(self, guild: discord.Guild) -> list[tuple[int, bool]]:
        """After a change of the bot's roles or of a role of its, or the server sent at a
        start: the events refused in `guild` (each with whether to create its Discord
        event), if the bot may now make Discord events there; they are no longer waiting
        (one whose step fails is noted again). None otherwise."""
        if guild.id not in self._waiting or not may_schedule(my_permissions(guild)):
            return []
        taken = list(self._waiting.pop(guild.id).items())
        self._changed(guild.id, [event_id for event_id, _ in taken])
        return taken

    def forget_guild(self, guild_id: int) -> None:
        """The bot left the server: nothing of it waits."""
        self._changed(guild_id, list(self._waiting.pop(guild_id, {})))

    def _changed(self, guild_id: int, event_ids: list[int]) -> None:
        for event_id in event_ids:
            self._unwritten[event_id] = guild_id
        if event_ids and (self._writer is None or self._writer.done()):
            self._writer = asyncio.get_running_loop().create_task(
                self._write(), name="refused-discord-events")

    async def _write(self) -> None:
        while self._unwritten:
            unwritten, self._unwritten = self._unwritten, {}
            try:
                await self._note(unwritten)
                self._failures.succeeded()
            except asyncio.CancelledError:
                self._unwritten = {**unwritten, **self._unwritten}  # (`stop` writes them)
                raise
            except Exception as exc:
                self._unwritten = {**unwritten, **self._unwritten}
                self._failures.failed(exc, "could not note the Discord events waiting for the "
                                      "Manage Events permission; tried again in %g s",
                                      RETRY_AFTER)
                await asyncio.sleep(RETRY_AFTER)

    async def _note(self, unwritten: dict[int, int]) -> None:
        """Note each of the events as `_waiting` has it now (None: waiting no more)."""
        await self._store.run(self._store.reminders.note_discord_event_refusals, [
            (guild_id, event_id, self._waiting.get(guild_id, {}).get(event_id))
            for event_id, guild_id in unwritten.items()])

    async def stop(self) -> None:
        """Write what is not written yet, once: a stop waits for no retry."""
        if self._writer is not None:
            await stop_task(self._writer)
            self._writer = None
        if self._unwritten:
            unwritten, self._unwritten = self._unwritten, {}
            try:
                await self._note(unwritten)
            except Exception:
                log.exception("could not note the Discord events waiting for the Manage "
                              "Events permission; /manage announce makes each of them")
