"""Heavy work (reading a page, packing an attendee list, reading a typed date) off the
event loop, on threads of its own.

`asyncio.to_thread` would run it on the loop's default executor, which also resolves host
names for aiohttp (connections to Discord, pages fetched): a few imports of large pages,
seconds each, would hold every one of its threads and stall the bot's reconnects and
fetches behind them. Here they queue among themselves instead, two at a time.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

HEAVY_THREADS = 2  # one per core of a small machine; more would only share the GIL
# Items of per-item Python work (rows made into objects, titles compared) done on the
# event loop: about a millisecond at most; more go to the heavy-work threads.
ON_LOOP_ITEMS = 200
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def _heavy_executor() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=HEAVY_THREADS,
                                           thread_name_prefix="heavy")
        return _executor


async def off_loop(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` on the heavy-work threads, in the caller's context (as
    `asyncio.to_thread`). A caller cancelled meanwhile leaves the call to finish there:
    everything run here is bounded by its input's size limit."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_heavy_executor(), call)
