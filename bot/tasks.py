"""Stopping a background task (a writer, a read under way) and waiting until it has, and
the wait of a background loop for its next turn that such a stop can always end."""

from __future__ import annotations

import asyncio
from typing import Any


async def stop_task(task: asyncio.Task[Any], *, again_after: float | None = None) -> None:
    """Cancel `task` and wait until it has stopped: its own cancellation is what was asked
    for, and ends here; a cancellation of the caller meanwhile (a shutdown's deadline, a
    Ctrl-C) is not its, and goes on. An error the task ends with is raised here.

    `again_after`: cancel it again each time that many seconds pass without it stopping,
    for a task running code that may lose a cancellation (discord.py's `connect` waits in
    `asyncio.wait_for`, which on Python 3.11 loses one that comes as the gateway connects)."""
    task.cancel()
    if again_after is not None:
        while not task.done():
            await asyncio.wait([task], timeout=again_after)
            if not task.done():
                task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        caller = asyncio.current_task()
        if caller is not None and caller.cancelling():
            raise


async def woken(event: asyncio.Event, seconds: float | None) -> bool:
    """Wait until `event` is set (True) or `seconds` pass (False; None: no limit).

    Not `asyncio.wait_for`: on Python 3.11 a cancellation that comes as the event is set
    is lost in it (the wait returns, the task goes on), and a stop that cancels a
    background loop at that moment (the notices' store wakes it as the bot stops) then
    waited on that loop forever. `asyncio.timeout` keeps it."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
    return True
