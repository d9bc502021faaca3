"""Heavy work runs on threads of its own: pages being read never hold the threads that
resolve host names (asyncio's default executor, which aiohttp uses)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import discord

from bot import calendar, catalog
from bot.offload import HEAVY_THREADS
from cogs import events
from tests.unit.test_render import event

PAGE = b"A Talk on Deterrence\n\nSpeakers: Ada Lovelace, Director of Studies\n"


async def test_pages_being_read_leave_host_names_resolvable_and_queue_among_themselves(
        monkeypatch):
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=1))  # as small as it gets
    read_page = catalog.page_from_bytes
    release = threading.Event()
    started: list[str] = []

    def slow_read(name: str, data: bytes, **options):  # a page taking seconds to read
        started.append(name)
        release.wait(30)
        return read_page(name, data, **options)

    monkeypatch.setattr(catalog, "page_from_bytes", slow_read)
    reads = [asyncio.create_task(catalog.read_page_file(f"page{n}.txt", PAGE))
             for n in range(HEAVY_THREADS + 2)]
    try:
        while not started:
            await asyncio.sleep(0.01)
        resolved = await asyncio.wait_for(loop.getaddrinfo("localhost", 80), 10)
        assert resolved
        await asyncio.sleep(0.2)
        assert len(started) == HEAVY_THREADS  # the others wait their turn
    finally:
        release.set()
    sources = await asyncio.wait_for(asyncio.gather(*reads), 30)
    assert [source.page.people[0].name for source in sources] == ["Ada Lovelace"] * len(reads)
    assert len(started) == len(reads)


async def test_a_calendar_file_is_written_off_the_event_loop(monkeypatch):
    """A large bilingual event's file (4 MB of description) took 0.6 s to write: on the
    loop, every other member's interaction would wait for it."""
    written_on: list[str] = []

    def recording_ics(event, now=None):
        written_on.append(threading.current_thread().name)
        return calendar.event_ics(event, now)

    async def found(interaction, ref):
        return event()

    sent: list[discord.File] = []

    async def respond(interaction, content=None, **fields):
        sent.append(fields["file"])

    monkeypatch.setattr(events, "event_ics", recording_ics)
    monkeypatch.setattr(events, "resolve_event", found)
    monkeypatch.setattr(events, "respond", respond)
    interaction = SimpleNamespace(locale=discord.Locale.american_english)
    await events.EventCommands.calendar.callback(SimpleNamespace(), interaction, None)
    assert written_on and written_on[0] != threading.current_thread().name
    assert sent[0].fp.read().startswith(b"BEGIN:VCALENDAR")
