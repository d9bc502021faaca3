"""Two bot processes, shards 0 and 1 of 2, sharing one SQLite file, on a local server
that routes each guild's gateway traffic to its shard's process (as Discord does).

Each process does the background work of its own shards' guilds only: it has no other
guild's channels, so a notice of another shard's guild must be left to that shard's
process, however long it is away.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.render import CAPACITY_REACHED
from sandbox import Attachment, BotProcess, FakeDiscord, Guild
from tests.conftest import ROOT
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page

pytestmark = pytest.mark.asyncio(loop_scope="function")

GUILDS_PER_SHARD = 10


class Deployment:
    """The local server with guilds on both shards, and one bot process per shard."""

    def __init__(self, fake: FakeDiscord, tmp_path: Path) -> None:
        self.fake = fake
        self.tmp_path = tmp_path
        self.db_path = tmp_path / "shared.sqlite3"
        self.guilds = {shard: [fake.add_guild(f"shard {shard} server {n}",
                                              guild_id=(1_000_000 + 2 * n + shard) << 22)
                               for n in range(GUILDS_PER_SHARD)] for shard in (0, 1)}
        self.bots: dict[int, BotProcess] = {}

    async def start(self, shard: int) -> BotProcess:
        env = {"DATABASE_PATH": str(self.db_path), "EVENTS_DIR": str(ROOT / "data/events"),
               "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT),
               "SHARD_COUNT": "2", "SHARD_IDS": str(shard)}
        bot = self.bots[shard] = self.fake.spawn_bot(
            [sys.executable, "-m", "bot", "run"], env, cwd=str(self.tmp_path))
        await self.fake.wait_ready(process=bot, shards=[shard], timeout=60)
        return bot

    async def open_event(self, guild: Guild, title: str, capacity: int) -> int:
        moderator = self.fake.add_member(guild, "moderator", manage_events=True)
        page = title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT
        reply = await import_page(self.fake, guild, moderator, title=title, capacity=capacity,
                                  page=Attachment("announcement.txt", page, "text/plain"))
        return int(re.search(r"\(event (\d+)\)", reply.content or "")[1])

    def capacity_notices(self, guild: Guild, title: str) -> list[dict]:
        return [m for channel in guild.channels.values() for m in self.fake.messages(channel)
                if title in m["content"] and CAPACITY_REACHED in m["content"]]

    async def wait_notices(self, guild: Guild, title: str, timeout: float = 15) -> list[dict]:
        for _ in range(int(timeout * 10)):
            if self.capacity_notices(guild, title):
                await asyncio.sleep(1.0)  # a second one would come now
                return self.capacity_notices(guild, title)
            await asyncio.sleep(0.1)
        return []

    def query(self, sql: str, params=()) -> list[tuple]:
        conn = sqlite3.connect(self.db_path, timeout=10)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


@pytest.fixture
async def deployment(tmp_path):
    async with FakeDiscord(shard_count=2) as fake:
        yield Deployment(fake, tmp_path)


async def test_a_notice_waits_for_its_own_shards_process(deployment):
    d, fake = deployment, deployment.fake
    mine, theirs = d.guilds[0][0], d.guilds[1][0]
    first = await d.start(0)
    await d.start(1)
    ours = await d.open_event(mine, "Shard Zero Hall", capacity=1)
    other = await d.open_event(theirs, "Shard One Hall", capacity=1)

    # Shard 0's process fails to post the capacity notice (Discord refuses it once), so
    # the notice stays in the outbox; stopping gives its claim back at once.
    channels = "|".join(str(c.id) for c in mine.channels.values())
    fake.fail("POST", rf"^/channels/({channels})/messages$", status=400, code=50035)
    reply = await fake.slash(mine, fake.add_member(mine), "rsvp join", event=str(ours))
    assert "confirmed" in reply.content
    for _ in range(100):
        if not fake._faults:
            break
        await asyncio.sleep(0.1)
    assert not fake._faults, "the notice was never tried"
    assert await first.stop() == 0, first.output()

    # Shard 1's process claims notices now (its own event fills), but not shard 0's.
    reply = await fake.slash(theirs, fake.add_member(theirs), "rsvp join", event=str(other))
    assert "confirmed" in reply.content
    assert len(await d.wait_notices(theirs, "Shard One Hall")) == 1
    assert d.query("SELECT count(*) FROM outbox WHERE event_id = ?", (ours,)) == [(1,)]

    await d.start(0)
    assert len(await d.wait_notices(mine, "Shard Zero Hall")) == 1
    assert d.capacity_notices(theirs, "Shard Zero Hall") == []
    assert fake.server_errors == []
