"""Heavy work (reading a page, packing an attendee list, reading a typed date) off the
event loop, on threads of its own, or in a process of its own (`off_process`).

`asyncio.to_thread` would run it on the loop's default executor, which also resolves host
names for aiohttp (connections to Discord, pages fetched): a few imports of large pages,
seconds each, would hold every one of its threads and stall the bot's reconnects and
fetches behind them. Here they queue among themselves instead, two at a time.

A thread still shares the interpreter's lock with the event loop: while pure Python runs
there, the loop waits for that lock each time it wakes, up to `sys.getswitchinterval()`
(5 ms). Seconds of it (a page of 2 MB, the most a page may be, read in 12 s) cut what
the bot answers meanwhile to an eighth; such work runs in a process (`off_process`).

Work a database transaction waits for (a big event's notices built while its row is
locked) has threads of its own too (`off_loop_in_transaction`): queued behind those
imports, it held the transaction, and every member's join to that event, as long.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from bot.code_files import CODE_ROOT, code_fingerprint
from bot.config import CREDENTIALS, PG_PASSWORD
from bot.logs import Outage

P = ParamSpec("P")
T = TypeVar("T")

HEAVY_THREADS = 2  # one per core of a small machine; more would only share the GIL
WAITING_THREADS = 4  # calls waiting on the outside world at once (`off_loop_waiting`)
# Items of per-item Python work (rows made into objects, titles compared) done on the
# event loop: about a millisecond at most; more go to the heavy-work threads.
ON_LOOP_ITEMS = 200
_lock = threading.Lock()
_executors: dict[str, ThreadPoolExecutor] = {}  # by their threads' name
# Processes started by `off_process` and not ended, per event loop, HEAVY_THREADS at most
_process_slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
# The code the bot runs, as it was on disk when it started: a process runs only that
_CODE = code_fingerprint()
STDERR_KEPT = 2000  # characters of a failed process's stderr its error quotes, the last
log = logging.getLogger(__name__)
_no_process = Outage(log)  # processes could not be started: said once, and once it ends
_code_changed = Outage(log)  # the code on disk is not the bot's: said once, until it is


class ProcessFailed(RuntimeError):
    """The process of an `off_process` call failed (an error other than a UserError, or it
    ended without an answer: killed, out of memory); a bug, or the machine's limits."""


def _executor(name: str, threads: int = HEAVY_THREADS) -> ThreadPoolExecutor:
    with _lock:
        if name not in _executors:
            _executors[name] = ThreadPoolExecutor(max_workers=threads,
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


async def off_loop_waiting(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` on threads of their own (WAITING_THREADS), for a call that may
    wait long on the outside world, which no thread can cancel: a page host's name whose
    name servers never answer holds its thread until the system's resolver gives up. On
    the event loop's default executor, where discord.py looks up Discord's hosts, a few
    such calls left the bot unable to reach Discord meanwhile; here they only wait for one
    another."""
    return await _run_on(_executor("waiting", WAITING_THREADS), fn, *args, **kwargs)


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


async def off_process(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` in a Python process started for the call (`bot.offload_worker`),
    HEAVY_THREADS at a time: the event loop keeps the interpreter's lock. `fn` is a
    module's function, and it, its arguments and its result are pickled; the process
    imports `fn`'s module alone (about 0.3 s for the page reader's). A UserError or a
    MemoryError raised there is raised here as it was, any other error as ProcessFailed
    with its traceback. A caller cancelled meanwhile kills the process: nobody waits for
    its work any more. When no process can be started (the machine's limit of processes
    or descriptors), or the code on disk changed since the bot started (a deploy: the
    process would run the new code), the call runs on the heavy-work threads (`off_loop`)
    instead.

    The process is a session of its own, out of the terminal's and the bot's process
    group, and ignores stop signals: the bot's stop decides, not a signal to the group.
    It runs the bot's code whatever the current folder holds (`-P`: not on its path)."""
    loop = asyncio.get_running_loop()
    slots = _process_slots.get(loop)
    if slots is None:
        for gone in [other for other in _process_slots if other.is_closed()]:
            del _process_slots[gone]
        slots = _process_slots[loop] = asyncio.Semaphore(HEAVY_THREADS)
    async with slots:
        # (pickled once its turn comes: a page waiting behind others is not held twice)
        call = _CODE.encode() + b"\n" + pickle.dumps((fn, args, kwargs),
                                                     protocol=pickle.HIGHEST_PROTOCOL)
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, *_interpreter_flags(), "-P", "-m", "bot.offload_worker",
                str(os.getpid()),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                env=_worker_env(), start_new_session=True)
        except OSError as exc:
            _no_process.began(None, "could not start a process for heavy work (%s); it runs "
                              "on a thread of the bot meanwhile", exc)
            return await off_loop(fn, *args, **kwargs)
        _no_process.ended("processes for heavy work can be started again")
        try:
            answer, errors = await process.communicate(call)
        except BaseException:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):  # (it ended just now)
                    process.kill()
                await process.wait()
            raise
    kind: str = "ended"
    value: Any = None
    unread = ""
    if process.returncode == 0:
        try:
            kind, value = pickle.loads(answer)
        except Exception as exc:  # (an answer cut short)
            unread = f"its answer ({len(answer):,} bytes, {answer[:40]!r}) unreadable: {exc!r}; "
    if kind == "returned":
        _code_changed.ended("the bot's code on disk is the code it runs again: large pages "
                            "are read in processes of their own again")
        return value
    if kind == "stale":
        _code_changed.began(None, "the bot's code on disk changed since it started: large "
                            "pages are read on a thread of the bot until it restarts")
        return await off_loop(fn, *args, **kwargs)
    if kind == "raised" and isinstance(value, BaseException):
        raise value
    if kind == "failed":
        raise ProcessFailed(f"{_named(fn)} failed in its process:\n{value}")
    said = errors.decode("utf-8", "replace")[-STDERR_KEPT:].strip() or "no output"
    raise ProcessFailed(f"the process of {_named(fn)} ended with status {process.returncode} "
                        f"and no answer: {unread}{said}")


def _named(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _interpreter_flags() -> list[str]:
    """The bot's own interpreter options (-O, -X utf8, -W error, -I, ...), as
    multiprocessing passes them on: the process reads pages as the bot would, warnings
    and encodings alike."""
    return subprocess._args_from_interpreter_flags()  # type: ignore[attr-defined]


def _worker_env() -> dict[str, str]:
    """The bot's environment, with the folder its code came from first on the module path:
    the process runs the same code, wherever the bot was started from. Without the bot's
    credentials (a service manager or a container may set the token in the environment):
    the process reads what members and pages send, and needs none of them."""
    env = {name: value for name, value in os.environ.items()
           if name not in CREDENTIALS and name != PG_PASSWORD}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(CODE_ROOT.parent),
                                                      env.get("PYTHONPATH"))))
    return env
