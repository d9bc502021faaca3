"""Stopping a background task (a writer, a read under way) and waiting until it has."""

from __future__ import annotations

import asyncio
from typing import Any


async def stop_task(task: asyncio.Task[Any]) -> None:
    """Cancel `task` and wait until it has stopped: its own cancellation is what was asked
    for, and ends here; a cancellation of the caller meanwhile (a shutdown's deadline, a
    Ctrl-C) is not its, and goes on. An error the task ends with is raised here."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        caller = asyncio.current_task()
        if caller is not None and caller.cancelling():
            raise
