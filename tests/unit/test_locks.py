"""Per-key locks: one holder per key at a time, others free, nothing kept afterwards."""

from __future__ import annotations

import asyncio

from bot.locks import KeyedLocks


async def test_one_holder_per_key_and_no_lock_kept_once_all_are_done():
    locks = KeyedLocks()
    order: list[str] = []
    inside = asyncio.Event()

    async def step(key: int, name: str, wait: bool = False) -> None:
        async with locks.hold(key):
            order.append(f"{name} in")
            if wait:
                inside.set()
                await asyncio.sleep(0.05)
            order.append(f"{name} out")

    first = asyncio.create_task(step(1, "a", wait=True))
    await inside.wait()
    await asyncio.gather(step(1, "b"), step(2, "c"))  # c need not wait for a
    await first
    assert order.index("c out") < order.index("a out") < order.index("b in")
    assert len(locks) == 0


async def test_a_holder_cancelled_while_waiting_leaves_nothing_behind():
    locks = KeyedLocks()
    async with locks.hold("k"):
        waiter = asyncio.create_task(locks.hold("k").__aenter__())
        await asyncio.sleep(0)
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
    assert len(locks) == 0
