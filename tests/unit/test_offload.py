"""Heavy work runs on threads of its own: pages being read never hold the threads that
resolve host names (asyncio's default executor, which aiohttp uses)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from bot import catalog
from bot.offload import HEAVY_THREADS

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
