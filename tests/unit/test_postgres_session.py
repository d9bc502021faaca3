"""`to_the_end`, which lets a step of a PostgreSQL transaction finish under cancellation."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage.postgres.session import to_the_end


async def test_a_step_runs_to_its_end_and_then_the_cancellation_is_raised():
    finished = []

    async def step():
        await asyncio.sleep(0.05)
        finished.append(True)
        return "done"

    caller = asyncio.ensure_future(to_the_end(step()))
    await asyncio.sleep(0.01)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert finished == [True]


async def test_a_cancellation_outlives_a_step_that_fails():
    """A loop that tries again after the step's errors (the notice deliverer's) stops
    when cancelled during a step that then fails, instead of going on for ever."""
    tries = []

    async def step():
        tries.append(True)
        await asyncio.sleep(0.05)
        raise ConnectionError("lost while committing")

    async def deliverer():
        for _ in range(3):  # for ever, in the bot
            try:
                await to_the_end(step())
            except Exception:
                await asyncio.sleep(0)

    loop = asyncio.ensure_future(deliverer())
    await asyncio.sleep(0.01)
    loop.cancel()
    with pytest.raises(asyncio.CancelledError) as cancelled:
        await loop
    assert len(tries) == 1
    assert isinstance(cancelled.value.__cause__, ConnectionError)
