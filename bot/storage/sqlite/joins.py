"""Join batching: the hot path.

The joins waiting at a given moment are decided one by one in arrival order by the
registration rules and committed together. When the database is free, the batch is
committed right away on the event loop, through a second connection that never waits
(no busy timeout, no checkpoints): a join takes tens of microseconds, less than the
trip to the database thread would. Joins made in the same turn of the loop (a burst)
share a commit, LOOP_BATCH at most, so the loop is never held for more than a few
milliseconds. When the database is busy (another operation, or another process), or a
join needs more of a long waitlist than the loop reads at once, the batch goes to the
database thread, which waits for it, and joins arriving meanwhile form the next batch.
Either way nothing is acknowledged before its commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.errors import Unavailable
from bot.i18n import N_
from bot.models import Joined
from bot.storage.sqlite.registrations import JoinRequest
from bot.storage.sqlite.session import TooLongForTheLoop, is_busy

CHECKPOINT_EVERY = 1000  # joins committed on the event loop between WAL checkpoints
LOOP_BATCH = 200  # joins per commit on the event loop: a few milliseconds at most

# A queued join: the request, the future its waiter awaits, and the waiting task with its
# count of cancellation requests when it asked (one made since may not have reached the
# future yet when a batch is taken).
Queued = tuple[JoinRequest, "asyncio.Future[Joined]", "asyncio.Task[Any] | None", int]
Pending = list[Queued]
JoinResults = list[Joined | Exception]


class JoinBatcher:
    def __init__(self, on_loop: Callable[[list[JoinRequest]], JoinResults],
                 on_thread: Callable[[list[JoinRequest], float], Awaitable[JoinResults]],
                 checkpoint: Callable[[], Coroutine[Any, Any, None]],
                 committed: Callable[[], None]) -> None:
        self._on_loop = on_loop  # decides on the event loop's connection: never waits
        # the same decision, run on the database thread, told when the first of them was
        # asked for (time.monotonic()), from which it waits for another process's lock
        self._on_thread = on_thread
        self._checkpoint_on_thread = checkpoint
        self._committed = committed  # told after each commit on the loop (notices to look at)
        self._pending: Pending = []
        self._pending_since = 0.0  # when the first of `_pending` was asked for
        self._flush_scheduled = False
        self._loop_joins = 0
        self._closed = False
        self._writer: asyncio.Task[None] | None = None
        self._checkpoint: asyncio.Task[None] | None = None

    async def join(self, request: JoinRequest) -> Joined:
        """Ask for a seat. Resolves once the decision is committed."""
        if self._closed:
            raise shutting_down()
        loop = asyncio.get_running_loop()
        alone = not self._pending and not self._thread_writing() and alone_in_turn(loop)
        if alone:
            # One join at a time, the common case: nothing else is due in this turn of the
            # loop to share its commit, and nothing is ahead of it, so it commits now,
            # without a future or a batch to keep. Nothing is awaited before the commit,
            # so no cancellation can come between.
            results = self._commit_on_loop([request])
            if results is not None:
                self._after_loop_commit(1)
                if isinstance(results[0], Exception):
                    raise results[0]
                return results[0]
        future: asyncio.Future[Joined] = loop.create_future()
        task = asyncio.current_task()
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append((request, future, task, task.cancelling() if task else 0))
        if alone:  # the database was busy: the thread waits for it
            self._writer = asyncio.create_task(self._write_on_thread())
            return await future
        # Joins made in the same turn of the event loop (a burst) share a commit: the
        # first of them to wake up commits them all, and the others find theirs done, so
        # a join costs one turn of the loop, not one for the commit and one to wake up.
        if not alone_in_turn(loop):
            try:
                await asyncio.sleep(0)
            except asyncio.CancelledError:
                future.cancel()  # so its batch leaves it out (see `still_wanted`)
                raise
        if not future.done() and not self._flush_scheduled:
            self._flush_on_loop()
        return await future

    async def close(self) -> None:
        """Commit the joins already asked for; refuse later ones."""
        self._closed = True
        if self._pending and not self._thread_writing():
            self._writer = asyncio.create_task(self._write_on_thread())
        # Shielded: a close that is cancelled still lets the joins under way be answered.
        await asyncio.shield(asyncio.gather(*(t for t in (self._writer, self._checkpoint) if t),
                                            return_exceptions=True))

    def _flush_on_loop(self) -> None:
        """Commit pending joins on the event loop, LOOP_BATCH at a time; when the database
        is busy, hand them to the thread, which can wait for it."""
        self._flush_scheduled = False
        if not self._pending or self._thread_writing():
            return  # the thread's writer takes whatever is pending when it is done
        taken = min(len(self._pending), LOOP_BATCH)
        batch = still_wanted(self._pending[:taken])
        results = self._commit_on_loop([entry[0] for entry in batch]) if batch else []
        if results is None:
            self._writer = asyncio.create_task(self._write_on_thread())
            return
        del self._pending[:taken]
        settle(batch, results)
        self._after_loop_commit(len(batch))
        if self._pending:  # a burst larger than a batch: let the loop breathe first
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_on_loop)

    def _commit_on_loop(self, requests: list[JoinRequest]) -> JoinResults | None:
        """Decide and commit `requests` through the event loop's connection: each one's
        result, or its error; None when the thread must do it instead (nothing was
        committed): the database is busy, which the thread can wait out, or a waitlist is
        longer than the loop reads at once, which the thread reads whole."""
        try:
            results = self._on_loop(requests)
        except Exception as exc:  # nothing was committed
            if isinstance(exc, TooLongForTheLoop) or (
                    isinstance(exc, sqlite3.OperationalError) and is_busy(exc)):
                return None
            return [exc] * len(requests)  # every waiter learns of the failure
        return results

    def _thread_writing(self) -> bool:
        return self._writer is not None and not self._writer.done()

    def _after_loop_commit(self, joins: int) -> None:
        self._committed()
        before, self._loop_joins = self._loop_joins, self._loop_joins + joins
        if before // CHECKPOINT_EVERY != self._loop_joins // CHECKPOINT_EVERY:
            # The event loop's connection never checkpoints; the thread's does, off the loop.
            self.checkpoint()

    def checkpoint(self) -> None:
        """Start a checkpoint on the database thread unless one is under way (or the
        batcher is closed); `close` waits for it."""
        if not self._closed and (self._checkpoint is None or self._checkpoint.done()):
            self._checkpoint = asyncio.create_task(self._checkpoint_on_thread())

    async def _write_on_thread(self) -> None:
        while self._pending:
            batch, self._pending = still_wanted(self._pending), []
            if not batch:
                continue
            try:
                results = await self._on_thread([entry[0] for entry in batch],
                                                self._pending_since)
            except Exception as exc:  # every waiter learns of the failure
                results = [exc] * len(batch)
            except asyncio.CancelledError:  # the loop is going away: no waiter is left hanging
                give_up(batch + self._pending)
                raise
            settle(batch, results)


def alone_in_turn(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether nothing else is due to run in this turn of `loop`: then no other join can
    be asked for before the next turn (a join comes from a task, whose steps are queued
    in the loop's ready callbacks), and waiting for that turn gains no company for the
    commit. Unknown, so False, on a loop that does not keep its ready queue in `_ready`
    (asyncio's own loops do)."""
    ready = getattr(loop, "_ready", None)
    return ready is not None and not ready


def still_wanted(queued: Pending) -> Pending:
    """The queued joins whose members still wait for them: one whose waiter was cancelled
    (at shutdown, say) before its batch reached the database is not made."""
    return [entry for entry in queued
            if not entry[1].done() and (entry[2] is None or entry[2].cancelling() == entry[3])]


def settle(batch: Pending, results: JoinResults) -> None:
    """Give each waiting join its result (or its error)."""
    for (_, future, _, _), result in zip(batch, results, strict=True):
        if future.done():  # its waiter was cancelled
            continue
        if isinstance(result, Exception):
            future.set_exception(result)
        else:
            future.set_result(result)


def give_up(entries: Pending) -> None:
    """Tell the waiters of these joins that the bot is shutting down (their writer was
    cancelled: whether a batch under way was committed is unknown, and joining again
    says where they stand)."""
    settle(entries, [shutting_down()] * len(entries))


def shutting_down() -> Unavailable:
    return Unavailable(N_("the bot is shutting down; try again in a moment"))
