"""`bot.tasks.stop_task`: a background task stopped, and the caller's own cancellation kept;
`woken`: the wait of a background loop, which such a stop always ends."""

from __future__ import annotations

import asyncio

import pytest

from bot.tasks import stop_task, woken


async def test_a_stopped_task_ends_and_its_cancellation_stays_with_it():
    task = asyncio.create_task(asyncio.sleep(60))
    await asyncio.sleep(0)
    await stop_task(task)  # no CancelledError here: the stop was asked for
    assert task.cancelled()


async def test_an_error_the_task_ends_with_is_raised_to_the_caller():
    async def failing() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            raise RuntimeError("writer failed")

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="writer failed"):
        await stop_task(task)


async def test_a_caller_cancelled_while_the_task_winds_down_is_cancelled_still():
    """The task takes a while to end on its cancellation (a last write); the caller, a
    shutdown with a deadline, is cancelled meanwhile: that cancellation reaches the caller,
    where it was swallowed as if it were the task's."""
    async def slow_to_stop() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            await asyncio.sleep(0.05)  # its last write
            raise

    went_on = False

    async def stopping(task: asyncio.Task[None]) -> None:
        nonlocal went_on
        await stop_task(task)
        went_on = True

    task = asyncio.create_task(slow_to_stop())
    await asyncio.sleep(0)
    caller = asyncio.create_task(stopping(task))
    await asyncio.sleep(0.01)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert not went_on
    await asyncio.wait([task], timeout=5)
    assert task.cancelled()


async def test_woken_says_whether_the_event_was_set_or_the_time_passed():
    event = asyncio.Event()
    assert await woken(event, 0.01) is False
    event.set()
    assert await woken(event, 0.01) is True
    assert await woken(event, None) is True


async def test_a_background_loop_cancelled_as_its_event_is_set_stops():
    """The stop of a background loop (`stop_task`) that comes as its event is set, in the
    same turn of the event loop: the cancellation is what ends the wait."""
    event = asyncio.Event()
    turns = 0

    async def loop() -> None:
        nonlocal turns
        while True:
            await woken(event, 60)
            event.clear()
            turns += 1

    task = asyncio.create_task(loop())
    await asyncio.sleep(0)  # waiting
    event.set()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(task), 5)
    assert turns == 0
