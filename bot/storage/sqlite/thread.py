"""The database thread: the one thread that owns the store's connection."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from bot.storage.sqlite.joins import shutting_down

T = TypeVar("T")


class DatabaseThread:
    """The one thread that owns the connection and runs calls on it in order, each as one
    unit: what aiosqlite does inside, with a public API (`call`). A plain queue and a
    thread cost less per call than a ThreadPoolExecutor (no work items, no locks)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[asyncio.Future[Any], Callable[[], Any]] | None]
        self._queue = queue.SimpleQueue()
        self._stopped = False
        self.stopping = threading.Event()  # set by `stop`: an upgrade's wait for the lock ends
        self._thread = threading.Thread(target=self._work, name="sqlite", daemon=True)
        self._thread.start()

    def call(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        if self._stopped:  # nothing would ever answer it
            raise shutting_down()  # (the store closes as the bot stops)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put((future, fn))
        return future

    def stop(self) -> None:
        """Finish the calls already queued, then end the thread; an upgrade waiting for
        another process's lock gives up within a try (`Migrator.migrate`)."""
        if not self._stopped:
            self._stopped = True
            self.stopping.set()
            self._queue.put(None)
            self._thread.join()

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            future, fn = item
            try:
                result = fn()
            except BaseException as exc:
                future.get_loop().call_soon_threadsafe(_fail, future, exc)
            else:
                future.get_loop().call_soon_threadsafe(_succeed, future, result)


def _succeed(future: asyncio.Future[T], result: T) -> None:
    if not future.done():  # its waiter was cancelled
        future.set_result(result)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
