"""A member's first command never waits behind other servers' set-up at start.

Every server without events gets the sample events when the bot starts in it. Here 200
servers each get 16 sample events, so setting them all up takes the bot many seconds;
the first member to use a command in the last server to arrive (or any other) is
answered within Discord's 3 s deadline all the same (the local server enforces it),
while most servers are still waiting for their set-up. bench/guilds.py measures this
with 2,500 servers and the one bundled sample.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pytest

from sandbox import FakeDiscord
from tests.conftest import ROOT

pytestmark = pytest.mark.asyncio(loop_scope="function")

GUILDS = 200
SAMPLES = 16
SAMPLE = ROOT / "data/events/missile-defense-china"


def sample_events(folder: Path) -> Path:
    """SAMPLES copies of the bundled sample event, each its own title and pages."""
    for n in range(SAMPLES):
        copy = folder / f"sample-{n:02}"
        copy.mkdir(parents=True)
        toml = (SAMPLE / "event.toml").read_text(encoding="utf-8")
        (copy / "event.toml").write_text(
            re.sub(r'^title = ".*"$', f'title = "Sample {n}"', toml, flags=re.MULTILINE),
            encoding="utf-8")
        for page in SAMPLE.glob("*.txt"):
            (copy / page.name).write_text(f"Sample {n}\n\n" + page.read_text(encoding="utf-8"),
                                          encoding="utf-8")
    return folder


def guilds_set_up(db_path: Path) -> set[int]:
    conn = sqlite3.connect(db_path)
    try:
        return {gid for (gid,) in conn.execute("SELECT DISTINCT guild_id FROM events")}
    finally:
        conn.close()


async def test_first_commands_are_answered_before_the_other_servers_are_set_up(tmp_path):
    db_path = tmp_path / "bot.sqlite3"
    env = {"DATABASE_PATH": str(db_path), "EVENTS_DIR": str(sample_events(tmp_path / "events")),
           "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT)}
    async with FakeDiscord() as fake:
        guilds = [fake.add_guild(f"Server {n}") for n in range(GUILDS)]
        asking = [guilds[-1], guilds[GUILDS // 2]]
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"], env, cwd=str(tmp_path))
        await fake.wait_ready(process=bot, timeout=60)

        for guild in asking:
            reply = await fake.slash(guild, fake.add_member(guild), "event list")
            assert "Sample 15" in str(reply.embeds) + (reply.content or ""), reply
            done = guilds_set_up(db_path)
            assert guild.id in done
            assert len(done) < GUILDS // 2, f"{len(done)} servers were set up first"
        assert "Traceback" not in bot.output()
