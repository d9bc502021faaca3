"""The bot on PostgreSQL when the database itself misbehaves under it: what a member is
told, and what the operator reads in the log."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from sandbox import FakeDiscord
from tests.conftest import postgres_database, set_on_database
from tests.e2e.shards import ShardDeployment

pytestmark = pytest.mark.asyncio(loop_scope="function")

CANT_BE_REACHED = "⚠️ The database can't be reached right now; try again in a moment."


async def test_a_database_dropped_under_the_bot_is_can_t_be_reached_said_once(
        tmp_path, postgres_cluster):
    """The bot's database dropped while it runs (`DROP DATABASE ... WITH (FORCE)`, a
    mistaken clean-up): every new connection is refused with 3D000 "database does not
    exist". Before, a member pressing Join was told "Something went wrong on my side" with
    a traceback logged for each, and the LISTEN connection, the claim's and the pool's
    floor logged a traceback for every retry, every 2 s for as long as it lasted. Now the
    member is told the database can't be reached, and the log names the cause once,
    without a traceback; the bot goes on running."""
    async with postgres_database(postgres_cluster) as url, \
            FakeDiscord(shard_count=2) as fake:
        d = ShardDeployment(fake, tmp_path, {
            "DATABASE_URL": url, "DATABASE_PATH": str(tmp_path / "unused.sqlite3")})
        bot = await d.start(0)
        guild = d.guilds[0][0]
        event_id = await d.open_event(guild, "Dropped Hall", capacity=5)
        reply = await fake.slash(guild, fake.add_member(guild), "rsvp join", event=str(event_id))
        assert "You're confirmed" in (reply.content or ""), reply.content
        name = url.rsplit("/", 1)[1]
        admin = await asyncpg.connect(postgres_cluster.url())
        try:
            await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        finally:
            await admin.close()
        late = fake.add_member(guild)
        for _ in range(3):
            reply = await fake.slash(guild, late, "rsvp join", event=str(event_id))
            assert reply.ephemeral and reply.content == CANT_BE_REACHED, reply.content
        # The background connections' retries meanwhile (the LISTEN one's every 2 s at most,
        # the claim's backing off to 10 s).
        deadline = time.monotonic() + 12
        while time.monotonic() < deadline:
            assert bot.running, bot.describe()
            await asyncio.sleep(0.5)
        output = bot.output()
        assert "Traceback" not in output, output
        said = [line for line in output.splitlines() if "does not exist" in line]
        assert len(said) == 1 and name in said[0], said
        assert "password" not in said[0]
        assert await bot.stop() == 0, bot.output()


async def test_an_idle_session_timeout_on_the_database_ends_none_of_the_bots_connections(
        tmp_path, postgres_cluster):
    """The database's admin ended idle sessions after a while (ALTER DATABASE ... SET
    idle_session_timeout), as managed servers often do to reap forgotten clients. The
    bot's own connections sit idle by design: the one holding its claim on the token,
    the LISTEN one, its pool's. Before, each was ended every time it sat idle that long:
    the log said the claim was lost, the LISTEN connection lost, the database lost, over
    and over while all was well, and the claim was let go each time, for a moment
    another start could take it in. Now the bot's sessions are not held to it."""
    async with postgres_database(postgres_cluster) as url, \
            FakeDiscord(shard_count=2) as fake:
        await set_on_database(postgres_cluster, url, "idle_session_timeout", "1000")
        d = ShardDeployment(fake, tmp_path, {
            "DATABASE_URL": url, "DATABASE_PATH": str(tmp_path / "unused.sqlite3")})
        bot = await d.start(0)
        guild = d.guilds[0][0]
        event_id = await d.open_event(guild, "Quiet Hall", capacity=5)
        for _ in range(2):
            await asyncio.sleep(2.5)  # idle past the timeout
            reply = await fake.slash(guild, fake.add_member(guild), "rsvp join",
                                     event=str(event_id))
            assert "You're confirmed" in (reply.content or ""), reply.content
        output = bot.output()
        lost = [line for line in output.splitlines() if "lost" in line]
        assert lost == [], output
        assert await bot.stop() == 0, bot.output()
