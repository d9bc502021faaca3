"""The real bot on shards (SHARD_COUNT, SHARD_IDS) against a local server that has them."""

from __future__ import annotations

import asyncio
import sqlite3
import sys

import pytest

from sandbox import FakeDiscord, Guild
from tests.conftest import ROOT
from tests.e2e.conftest import ended_in_one_line, until

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


async def test_a_server_that_removed_the_bot_while_its_shard_was_away_is_taken_as_left(
        tmp_path):
    """One process runs both shards. Shard 1's connection drops, its session cannot be
    resumed, and meanwhile a server of that shard removes the bot: Discord sends no
    GUILD_DELETE, and the shard's new READY simply no longer lists the server. The bot
    takes the server as left then (its retention clock, its notices held), as a bot
    without shards does, rather than believing itself there while Discord refuses it
    everything (403 Missing Access)."""
    async with FakeDiscord(shard_count=2) as fake:
        kept, gone = guild_on(fake, 1, 0), guild_on(fake, 1, 1)
        guild_on(fake, 0)
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"],
                             bot_env(tmp_path, SHARD_COUNT="2"), cwd=str(tmp_path))
        await fake.wait_ready(process=bot, timeout=60)
        db = tmp_path / "bot.sqlite3"

        def left() -> list[int]:
            conn = sqlite3.connect(db)
            try:
                return [r[0] for r in conn.execute(
                    "SELECT guild_id FROM guild_settings WHERE left_at IS NOT NULL")]
            finally:
                conn.close()

        await until(lambda: "connected as" in bot.output(), timeout=30, what="on_ready")
        cut = asyncio.ensure_future(fake.drop_gateway(resumable=False, timeout=60, shard=1))
        await asyncio.sleep(0)  # the session is off its socket from here on
        fake.remove_bot(gone)
        await cut
        await until(lambda: left() == [gone.id], timeout=20,
                    what="the server taken as left after the shard's new READY")
        reply = await fake.slash(kept, fake.add_member(kept), "event info")
        assert SAMPLE_TITLE in str(reply.embeds), reply
        assert left() == [gone.id]
        bot.kill()
