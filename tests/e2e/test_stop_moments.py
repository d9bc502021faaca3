"""Stopping the bot at the moments that are hard to stop at: as it connects, while
Discord is slow to take an answer, while another process holds the database, while a
click that no view takes is answered.

`run_bot` runs in the test's own process, against the local Discord server, with its
`until` event as the stop (a signal or a claim on the token taken by another process
sets the same event), so each moment can be chosen to the turn of the event loop. Every
stop must end and leave no error behind it: none reported on the loop (a task's error
that no one retrieved) and no traceback in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
from discord.gateway import DiscordWebSocket

from bot.app import run_bot
from bot.config import Settings, load_settings
from bot.storage import open_store
from sandbox import FakeDiscord, Guild, Member
from tests.conftest import ROOT

CALLBACK = r"/interactions/\d+/[^/]+/callback"


@dataclass(eq=False)  # a handler: kept in the logging module's weak sets
class Problems(logging.Handler):
    """What a stop left behind: errors reported on the loop, and tracebacks in the log."""

    on_loop: list[dict[str, Any]] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.tracebacks.append(f"{record.name}: {record.getMessage()}")

    def none(self) -> bool:
        return not (self.on_loop or self.tracebacks)


@contextlib.asynccontextmanager
async def watched(monkeypatch) -> AsyncIterator[Problems]:
    problems = Problems()
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: problems.on_loop.append(context))
    # `run_bot` points discord.py at the settings' Discord: put back afterwards
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    logging.getLogger().addHandler(problems)
    try:
        yield problems
        gc.collect()  # a task's unretrieved error is reported as the task is freed
    finally:
        logging.getLogger().removeHandler(problems)
        loop.set_exception_handler(handler)


def settings_for(fake: FakeDiscord, tmp_path) -> Settings:
    return load_settings({**fake.bot_env(), "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
                          "EVENTS_DIR": str(ROOT / "data/events")}, env_file=None)


@dataclass
class Running:
    """The bot running in this process, past its wait for READY's guilds (2 s after the
    last), in a server with one member."""

    fake: FakeDiscord
    guild: Guild
    member: Member
    settings: Settings
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def stopped(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 30)


@contextlib.asynccontextmanager
async def running_bot(tmp_path) -> AsyncIterator[Running]:
    async with FakeDiscord() as fake:
        guild = fake.add_guild("Forum")
        member = fake.add_member(guild, "member")
        settings = settings_for(fake, tmp_path)
        async with await open_store(settings.database_path) as store:
            stop = asyncio.Event()
            task = asyncio.create_task(run_bot(settings, store, until=stop))
            await fake.wait_ready()
            await asyncio.sleep(2.5)
            yield Running(fake, guild, member, settings, stop, task)


async def test_a_stop_soon_after_connecting_ends_and_leaves_nothing_to_fail_after_it(
        tmp_path, monkeypatch):
    """A stop within seconds of connecting, as notices are written:
    - the announcements' lane, woken by them as the stop cancelled it, lost the
      cancellation (`asyncio.wait_for` on Python 3.11) and went on, and the stop waited
      on it for ever;
    - discord.py still waits for READY's guilds. That wait outlived the close and then
      dispatched `ready` to a client with no loop left: a traceback in the output of a
      bot stopping in one line. Once the bot closes, it starts nothing."""
    async with watched(monkeypatch) as problems, FakeDiscord() as fake:
        fake.add_guild("Forum")
        settings = settings_for(fake, tmp_path)
        async with await open_store(settings.database_path) as store:
            stop = asyncio.Event()
            running = asyncio.create_task(run_bot(settings, store, until=stop))
            await fake.wait_ready()
            stop.set()
            await asyncio.wait_for(running, 30)
            await asyncio.sleep(3)  # past the end of the wait for READY's guilds
    assert problems.none(), problems


@pytest.mark.parametrize("turns", [1, 2, 3])
async def test_a_stop_as_the_gateway_handshake_completes_ends(tmp_path, monkeypatch, turns):
    """The stop lands `turns` turns of the loop before discord.py's connect takes the new
    gateway connection out of its `asyncio.wait_for`, which on Python 3.11 loses a
    cancellation that comes as what it waits for is done: the connect went on reading the
    gateway, and the stop waited on it for ever. The same can happen at any reconnect."""
    original = DiscordWebSocket.from_client.__func__  # type: ignore[attr-defined]
    stop = asyncio.Event()

    async def from_client(cls, client, **kwargs):
        ws = await original(cls, client, **kwargs)
        stop.set()
        for _ in range(turns):
            await asyncio.sleep(0)
        return ws

    async with watched(monkeypatch) as problems:
        monkeypatch.setattr(DiscordWebSocket, "from_client", classmethod(from_client))
        async with FakeDiscord() as fake:
            fake.add_guild("Forum")
            settings = settings_for(fake, tmp_path)
            async with await open_store(settings.database_path) as store:
                await asyncio.wait_for(run_bot(settings, store, until=stop), 30)
    assert problems.none(), problems


async def test_a_stop_while_discord_is_slow_to_take_an_answer(tmp_path, monkeypatch):
    """A command whose answer Discord takes longer than the stop waits for: it is
    stopped, not cut off by the close under it (its connection closed) with an error and
    a traceback."""
    async with watched(monkeypatch) as problems, running_bot(tmp_path) as bot:
        bot.fake.hold("POST", CALLBACK, 6.0)  # Discord has it, its answer is slow
        await bot.fake.slash(bot.guild, bot.member, "event list")
        await bot.stopped()
    assert problems.none(), problems


async def test_a_stop_while_another_process_holds_the_database_loses_no_join(
        tmp_path, monkeypatch):
    """A member's join waits for another process's write lock as the bot stops. It is
    stopped after the stop's wait, not cut off by the store's close; the member is told
    they joined only if they did."""
    async with watched(monkeypatch) as problems, running_bot(tmp_path) as bot:
        await bot.fake.slash(bot.guild, bot.member, "event list")  # the server set up
        other = sqlite3.connect(bot.settings.database_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        joining = asyncio.create_task(bot.fake.slash(bot.guild, bot.member, "rsvp join",
                                                     timeout=12))
        await asyncio.sleep(1.0)
        bot.stop.set()
        await asyncio.sleep(4.0)  # past the stop's wait for interactions in flight
        other.execute("ROLLBACK")
        other.close()
        await bot.stopped()
        [reply] = await asyncio.gather(joining, return_exceptions=True)
    with contextlib.closing(sqlite3.connect(bot.settings.database_path)) as db:
        joined = db.execute("SELECT count(*) FROM rsvps WHERE user_id = ?",
                            (bot.member.id,)).fetchone()[0]
    told = not isinstance(reply, BaseException) and "confirmed" in reply.content.lower()
    assert not told or joined, reply
    assert problems.none(), problems


async def test_a_stop_while_a_click_no_view_takes_is_answered(tmp_path, monkeypatch):
    """A click that no live view takes is answered in a task of the bot's own; the stop
    waits for it as for any interaction in flight, rather than close its connection under
    it."""
    async with watched(monkeypatch) as problems, running_bot(tmp_path) as bot:
        listed = await bot.fake.slash(bot.guild, bot.member, "event list")
        bot.fake.hold("POST", CALLBACK, 2.0)
        clicked = await bot.fake.click(bot.guild, bot.member, listed.message,
                                       "eventbot:speakers:next:gone", forged=True)
        await bot.stopped()
        await asyncio.sleep(2.5)  # the held answer back
    assert "expired" in clicked.content, clicked
    assert problems.none(), problems
