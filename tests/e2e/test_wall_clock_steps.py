"""The host's wall clock stepped while the bot runs (NTP stepping a clock that ran wrong,
a virtual machine resumed, an operator fixing the date), through the real bot process:
libfaketime moves the process's wall clock (not its monotonic one) as a file says.

A step forward that is then taken back deletes no data: what it would make due is not
acted on until the clock has kept the step for a while (`bot.clock`)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
if not FAKETIME.exists():  # Debian's libfaketime package (apt-get install faketime)
    pytest.skip("libfaketime is not installed", allow_module_level=True)

# The offset of the bot's wall clock from the real one, read at every look at it.
CLOCK_FILE = Path(tempfile.mkdtemp(prefix="eventbot-clock-")) / "offset"
CLOCK_FILE.write_text("+0\n")

BOT_ENV = {"GUILD_DATA_RETENTION_DAYS": "1",
           "LD_PRELOAD": str(FAKETIME), "FAKETIME_TIMESTAMP_FILE": str(CLOCK_FILE),
           "FAKETIME_NO_CACHE": "1", "DONT_FAKE_MONOTONIC": "1"}


def step_clock(offset: str) -> None:
    """Set the bot's wall clock to the real one plus `offset` ("+2d", "-3h", "+0")."""
    CLOCK_FILE.write_text(offset + "\n")


async def until(check, timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def has_data(world, guild_id: int) -> bool:
    return bool(world.query("SELECT 1 FROM events WHERE guild_id = ?", (guild_id,)))


def left(world, guild_id: int) -> bool:
    return bool(world.query("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                            " AND left_at IS NOT NULL", (guild_id,)))


async def leave(world, fake, name: str) -> int:
    """A server with the sample events that then removes the bot; returns its id. The bot
    records when it left, and its retention task looks at every server left."""
    guild = fake.add_guild(name)
    await fake.wait_ready(process=world.bot)
    await until(lambda: has_data(world, guild.id), what=f"{name}'s sample events")
    fake.remove_bot(guild)
    await until(lambda: left(world, guild.id), what=f"{name} recorded as left")
    return guild.id


async def test_a_step_forward_past_the_retention_then_back_deletes_no_server_s_data(
        world, fake):
    """A server removed the bot a moment ago; its data is kept a day. The wall clock steps
    two days ahead, and the retention task looks (another server removes the bot): it
    deletes nothing yet, nor once the clock is set right again. Before, it deleted the
    first server's data at that look, for good, though no day had passed."""
    await world.past_on_ready()
    departed = await leave(world, fake, "Departed Club")
    try:
        step_clock("+2d")
        await leave(world, fake, "Second Club")  # the retention task looks again
        await until(lambda: "wall clock" in world.bot.output()
                    or not has_data(world, departed), what="the retention's look")
        await asyncio.sleep(0.5)
        assert has_data(world, departed), world.bot.describe()
        assert "deleted the data of guild" not in world.bot.output()

        step_clock("+0")
        await leave(world, fake, "Third Club")
        await asyncio.sleep(1.0)
        assert has_data(world, departed), world.bot.describe()
        assert "deleted the data of guild" not in world.bot.output()
    finally:
        step_clock("+0")
