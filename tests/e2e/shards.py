"""Two bot processes, shards 0 and 1 of 2, on one database, and a local server holding
guilds on both shards: what the shard tests of each backend share."""

from __future__ import annotations

import asyncio
import re
import sys

from bot.render import CAPACITY_REACHED
from sandbox import Attachment, BotProcess, FakeDiscord, Guild
from tests.conftest import ROOT
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page

GUILDS_PER_SHARD = 10


class ShardDeployment:
    """The local server with guilds on both shards, and one bot process per shard, each
    started with `database_env` (where the shared database is)."""

    def __init__(self, fake: FakeDiscord, tmp_path, database_env: dict[str, str]) -> None:
        self.fake = fake
        self.tmp_path = tmp_path
        self.database_env = database_env
        self.guilds = {shard: [fake.add_guild(f"shard {shard} server {n}",
                                              guild_id=(1_000_000 + 2 * n + shard) << 22)
                               for n in range(GUILDS_PER_SHARD)] for shard in (0, 1)}
        self.bots: dict[int, BotProcess] = {}

    async def start(self, shard: int) -> BotProcess:
        env = {**self.database_env, "EVENTS_DIR": str(ROOT / "data/events"),
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
        return (await self.wait_all_notices([(guild, title)], timeout))[0]

    async def wait_all_notices(self, fills: list[tuple[Guild, str]], timeout: float = 15
                               ) -> list[list[dict]]:
        """The capacity notices of each (guild, event title), once each has one or
        `timeout` has passed, and a second more (a duplicate would come by then)."""
        for _ in range(int(timeout * 10)):
            if all(self.capacity_notices(g, title) for g, title in fills):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        return [self.capacity_notices(g, title) for g, title in fills]
