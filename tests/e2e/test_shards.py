"""The real bot on shards (SHARD_COUNT, SHARD_IDS) against a local server that has them."""

from __future__ import annotations

import asyncio
import sys

import pytest

from sandbox import FakeDiscord, Guild
from tests.conftest import ROOT
from tests.e2e.conftest import ended_in_one_line

pytestmark = pytest.mark.asyncio(loop_scope="function")

SAMPLE_TITLE = "U.S.-China Missile Defense Disputes"


def guild_on(fake: FakeDiscord, shard: int, n: int = 0) -> Guild:
    """A guild whose id puts it on ``shard``."""
    base = 1_000_000 + n * fake.shard_count
    return fake.add_guild(f"shard {shard} guild {n}", guild_id=(base + shard) << 22)


def bot_env(tmp_path, **settings: str) -> dict[str, str]:
    return {"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "EVENTS_DIR": str(ROOT / "data/events"),
            "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT), **settings}


async def test_one_process_runs_every_shard_and_answers_in_each(tmp_path):
    async with FakeDiscord(shard_count=2) as fake:
        guilds = [guild_on(fake, shard, n) for shard in (0, 1) for n in range(2)]
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"],
                             bot_env(tmp_path, SHARD_COUNT="2"), cwd=str(tmp_path))
        await fake.wait_ready(process=bot, timeout=60)  # the second shard waits 5 s to identify
        assert (fake.identify_count, fake.refused_identifies) == (2, [])
        replies = await asyncio.gather(*(
            fake.slash(guild, fake.add_member(guild), "event info") for guild in guilds))
        assert all(SAMPLE_TITLE in str(r.embeds) for r in replies), replies
        assert fake.server_errors == []


@pytest.mark.parametrize(("settings", "line"), [
    ({}, "Discord requires more shards: raise SHARD_COUNT (at most 2,500 servers a shard)"),
    ({"SHARD_COUNT": "3", "SHARD_IDS": "0"},
     "Discord refused SHARD_IDS/SHARD_COUNT as an invalid shard"),
    ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"},
     "SHARD_IDS='0,2' must list shard numbers from 0 to 1, separated by commas (e.g. 0,1)"),
])
async def test_a_shard_setting_discord_refuses_is_one_line_and_exit_2(tmp_path, settings, line):
    async with FakeDiscord(shard_count=2) as fake:
        guild_on(fake, 0)
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"], bot_env(tmp_path, **settings),
                             cwd=str(tmp_path))
        assert await ended_in_one_line(bot) == f"eventbot: {line}"
