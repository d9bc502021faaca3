"""One token's shard run twice on one PostgreSQL database is refused, as on a SQLite file
(test_process_lifecycle): Discord gives every interaction of a shard to each session of
it, so both processes would answer every command and button, one of them failing.

Shard processes of one deployment and another application's bot share the database
freely; the claim goes with the process that held it, and comes back when its connection
to the database is lost and found again, unless another process took it meanwhile.
"""

from __future__ import annotations

import asyncio
import sys
import time

import asyncpg
import pytest

from bot.storage import safe_url
from bot.storage.postgres import running
from sandbox import BotProcess, FakeDiscord
from tests.conftest import ROOT, postgres_database
from tests.e2e.conftest import ended_in_one_line
from tests.e2e.shards import ShardDeployment

pytestmark = pytest.mark.asyncio(loop_scope="function")

RUN = [sys.executable, "-m", "bot", "run"]


def refusal(url: str) -> str:
    return (f"eventbot: a bot process with this DISCORD_TOKEN is already running on "
            f"{safe_url(url)}: stop it first (two would both answer every command), or give "
            "each process its own SHARD_IDS")


async def refused(fake: FakeDiscord, env: dict[str, str], url: str, tmp_path) -> None:
    """A start with `env` stops at once, exit 2, in the refusal's one line, having never
    IDENTIFYed with Discord."""
    identified = fake.identify_count
    second = BotProcess(RUN, {**fake.bot_env(), **env}, cwd=str(tmp_path)).start()
    try:
        assert await ended_in_one_line(second) == refusal(url)
    finally:
        second.kill()
    assert fake.identify_count == identified  # it never connected


async def test_a_shard_run_twice_is_refused_not_other_shards_or_tokens(tmp_path,
                                                                       postgres_cluster):
    async with postgres_database(postgres_cluster) as url, \
            FakeDiscord(shard_count=2) as fake, \
            FakeDiscord(token="another-bot-token") as other:
        database = {"DATABASE_URL": url, "DATABASE_PATH": str(tmp_path / "unused.sqlite3")}
        env = {**database, "EVENTS_DIR": str(ROOT / "data/events"), "PYTHONPATH": str(ROOT)}
        d = ShardDeployment(fake, tmp_path, database)
        await d.start(0)
        # Shard 0 again, and the token's every shard (no SHARD_IDS): both overlap shard 0.
        await refused(fake, {**env, "SHARD_COUNT": "2", "SHARD_IDS": "0"}, url, tmp_path)
        await refused(fake, env, url, tmp_path)
        # The deployment's other shard runs beside it.
        await d.start(1)
        assert d.bots[0].running and d.bots[1].running
        # Another application's bot on the same database meanwhile runs too.
        bot = other.spawn_bot(RUN, env, cwd=str(tmp_path))
        await other.wait_ready(process=bot)
        assert await bot.stop() == 0, bot.output()
        # Shard 0's process dies (killed: no clean stop); its claim goes with it.
        d.bots[0].kill()
        await d.start(0)
        await refused(fake, {**env, "SHARD_COUNT": "2", "SHARD_IDS": "0"}, url, tmp_path)
        for shard in (0, 1):
            assert await d.bots[shard].stop() == 0, d.bots[shard].output()


async def claim_back(bot: BotProcess, since: int) -> None:
    """Until the bot says, after `since` characters of its output, that it holds its claim
    again."""
    deadline = time.monotonic() + 20
    while "holding this bot's claim on its token again" not in bot.output()[since:]:
        assert time.monotonic() < deadline, bot.describe()
        await asyncio.sleep(0.05)


async def claim_session(url: str, conn: asyncpg.Connection | None = None, *,
                        tries: int | None = None) -> int | None:
    """The server process of the running bot's claim connection, asked on `conn` (a
    connection of the test's own when the server has no slot free) or a new one; with
    `tries`, None if there is none after that many looks 0.1 s apart."""
    asking = conn or await asyncpg.connect(url)
    try:
        for _ in range(tries or 100):
            pid = await asking.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name = 'eventbot (running)'")
            if pid is not None:
                return int(pid)
            await asyncio.sleep(0.1)
    finally:
        if conn is None:
            await asking.close()
    if tries is not None:
        return None
    raise AssertionError("no claim connection")


async def test_a_lost_claim_is_taken_again_and_a_process_that_took_it_meanwhile_wins(
        tmp_path, postgres_cluster):
    """The claim's connection ended by the server (as a restart or a network cut would):
    the bot says so in one warning, takes the claim again and goes on, so a second start
    is still refused. Ended again, and another process takes the claim first: the bot is
    now the second run, and stops in the refusal's line."""
    async with postgres_database(postgres_cluster) as url, FakeDiscord() as fake:
        env = {"DATABASE_URL": url, "DATABASE_PATH": str(tmp_path / "unused.sqlite3"),
               "EVENTS_DIR": str(ROOT / "data/events"), "PYTHONPATH": str(ROOT)}
        bot = fake.spawn_bot(RUN, env, cwd=str(tmp_path))
        await fake.wait_ready(process=bot)
        admin = await asyncpg.connect(url)
        try:
            first = await claim_session(url)
            await admin.execute("SELECT pg_terminate_backend($1)", first)
            await claim_back(bot, 0)
            assert bot.output().count("claim on its token was lost") == 1, bot.output()
            assert await claim_session(url) != first
            await refused(fake, env, url, tmp_path)

            # Lost again, and taken at once by another session (blocking until the lost
            # one's end frees it, well before the bot's first try to take it again).
            await admin.execute("SELECT pg_terminate_backend($1)", await claim_session(url))
            await admin.execute("SELECT pg_advisory_lock($1::int4, $2::int4)",
                                running._key(fake.token), running.ALL)
            assert await ended_in_one_line(bot) == refusal(url)
        finally:
            bot.kill()
            await admin.close()


async def test_a_lost_claim_waits_for_its_own_session_not_for_its_neighbour_shards(
        postgres_cluster):
    """Shard 0's claim lost while the server still holds its session: the holders of what
    it asks for are that session alone. Shard 1's process, holding the token's whole claim
    shared as shard 0 does, asks for nothing shard 0 needs, so it is no rival: taken for
    one, shard 0 would stop as a second run."""
    token = "a-deployment-token"
    key = running._key(token)
    async with postgres_database(postgres_cluster) as url:
        shard0, shard1, asking = [await asyncpg.connect(url) for _ in range(3)]
        try:
            for conn, shard in ((shard0, 0), (shard1, 1)):
                taken = await running._take(conn, running.Claim(url, key, (shard,)))
                assert taken
            lost = shard0.get_server_pid()
            claim = running.Claim(url, key, (0,))
            assert not await running._take(asking, claim)  # the lost session holds shard 0
            assert await running._holders(asking, claim) == {lost}
            # Every shard of the token wants the whole claim alone: both are in its way.
            whole = running.Claim(url, key, None)
            assert await running._holders(asking, whole) == {lost, shard1.get_server_pid()}
        finally:
            for conn in (shard0, shard1, asking):
                await conn.close()


async def every_slot_taken(url: str) -> list[asyncpg.Connection]:
    """Connections to the server until it refuses one for want of a slot (max_connections)."""
    held: list[asyncpg.Connection] = []
    while True:
        try:
            held.append(await asyncpg.connect(url))
        except asyncpg.TooManyConnectionsError:
            return held


async def test_a_lost_claim_waits_out_a_server_with_no_slot_free_without_a_trace_per_try(
        tmp_path, restartable_postgres):
    """The claim's connection lost while every connection slot of the server is taken
    (max_connections): the bot tries again, backing off, and says nothing more than the
    one warning until a slot is free and the claim is back: no error and traceback every
    try, as for an error it does not know, for as long as the server is full."""
    url = restartable_postgres.url()
    async with FakeDiscord() as fake:
        env = {"DATABASE_URL": url, "DATABASE_PATH": str(tmp_path / "unused.sqlite3"),
               "EVENTS_DIR": str(ROOT / "data/events"), "PYTHONPATH": str(ROOT)}
        bot = fake.spawn_bot(RUN, env, cwd=str(tmp_path))
        await fake.wait_ready(process=bot)
        lost = await claim_session(url)
        held = await every_slot_taken(url)
        try:
            for _ in range(3):
                since = len(bot.output())
                # (waiting for its server process to be gone: the slot is free only then,
                # and a test that asked for it before found none, and left it to the bot)
                assert await held[0].fetchval("SELECT pg_terminate_backend($1, 5000)", lost)
                freed = await every_slot_taken(url)  # the slot it freed, before the bot's retry
                held += freed
                if freed:
                    break
                # Another connection took the slot first (a loaded machine). The bot's retry,
                # 0.5 s after the loss: it holds the claim again, and loses it once more.
                # Another of its connections (its pool's): the claim is still lost, with
                # the server full, as this test wants.
                taken_again = await claim_session(url, held[0], tries=30)
                if taken_again is None:
                    break
                await claim_back(bot, since)
                lost = taken_again
            else:
                pytest.fail("the bot's retry took the freed slot first three times")
            await asyncio.sleep(8)  # tries at 0.5, 1.5, 3.5 and 7.5 s
            claim_lines = [line for line in bot.output()[since:].splitlines()
                           if "bot.storage.postgres.running" in line]
            assert len(claim_lines) == 1 and "was lost" in claim_lines[0], bot.output()
        finally:
            for conn in held:
                await conn.close()
        await claim_back(bot, since)
        await refused(fake, env, url, tmp_path)
        assert await bot.stop() == 0, bot.output()
