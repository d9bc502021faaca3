"""Heavy work (reading a page, packing an attendee list, reading a typed date) off the
event loop, on threads of its own.

`asyncio.to_thread` would run it on the loop's default executor, which also resolves host
names for aiohttp (connections to Discord, pages fetched): a few imports of large pages,
seconds each, would hold every one of its threads and stall the bot's reconnects and
fetches behind them. Here they queue among themselves instead, two at a time.

Work a database transaction waits for (a big event's notices built while its row is
locked) has threads of its own too (`off_loop_in_transaction`): queued behind those
imports, it held the transaction, and every member's join to that event, as long.
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
_executors: dict[str, ThreadPoolExecutor] = {}  # by their threads' name


def _executor(name: str) -> ThreadPoolExecutor:
    with _lock:
        if name not in _executors:
            _executors[name] = ThreadPoolExecutor(max_workers=HEAVY_THREADS,
                                                  thread_name_prefix=name)
        return _executors[name]


def _heavy_executor() -> ThreadPoolExecutor:
    return _executor("heavy")


async def _run_on(executor: ThreadPoolExecutor, fn: Callable[P, T], /, *args: P.args,
                  **kwargs: P.kwargs) -> T:
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(executor, call)


async def off_loop(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` on the heavy-work threads, in the caller's context (as
    `asyncio.to_thread`). A caller cancelled meanwhile leaves the call to finish there:
    everything run here is bounded by its input's size limit."""
    return await _run_on(_heavy_executor(), fn, *args, **kwargs)


async def off_loop_in_transaction(fn: Callable[P, T], /, *args: P.args,
                                  **kwargs: P.kwargs) -> T:
    """`off_loop` for work an open database transaction waits for, on threads that the
    heavy work does not hold: behind two imports of large pages (seconds each), a change
    of date of an event of 3,000 members held its row 3 s, a join to it waiting 2.9 s.
    Only work bounded by what one transaction reads (a fraction of a second for 100,000
    members) runs here."""
    return await _run_on(_executor("held"), fn, *args, **kwargs)


async def by_size(items: int, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)`, whose work goes item by item over `items` items: on the
    event loop for ON_LOOP_ITEMS or fewer (a thread's hop would cost more), else
    `off_loop`."""
    if items <= ON_LOOP_ITEMS:
        return fn(*args, **kwargs)
    return await off_loop(fn, *args, **kwargs)


async def by_size_in_transaction(items: int, fn: Callable[P, T], /, *args: P.args,
                                 **kwargs: P.kwargs) -> T:
    """`by_size` for work an open database transaction waits for
    (`off_loop_in_transaction`)."""
    if items <= ON_LOOP_ITEMS:
        return fn(*args, **kwargs)
    return await off_loop_in_transaction(fn, *args, **kwargs)
