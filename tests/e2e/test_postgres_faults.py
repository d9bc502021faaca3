"""The bot on PostgreSQL when the database itself misbehaves under it: what a member is
told, and what the operator reads in the log."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from sandbox import FakeDiscord
from tests.conftest import TEMPLATE, postgres_database, set_on_database
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
        bot, guild, event_id = await started_with_an_event(fake, tmp_path, url, "Dropped Hall")
        reply = await fake.slash(guild, fake.add_member(guild), "rsvp join", event=str(event_id))
        assert "You're confirmed" in (reply.content or ""), reply.content
        name = await drop_database(postgres_cluster, url)
        output = await refused_for_a_while(fake, bot, guild, event_id)
        said = [line for line in output.splitlines() if "does not exist" in line]
        assert len(said) == 1 and name in said[0], said
        assert "password" not in said[0]
        assert await bot.stop() == 0, bot.output()


async def test_a_database_recreated_empty_under_the_bot_is_can_t_be_reached_said_once(
        tmp_path, postgres_cluster):
    """The bot's database dropped and created again empty while it runs (a clean-up
    script, a restore begun with `createdb`): connections are made, but every statement
    fails with 42P01 "relation does not exist". Before, members were told "Something went
    wrong on my side", with a traceback logged for each request and for every round of
    the background work. Now they are told the database can't be reached, and the log
    says once that the bot's tables are missing and what to do; and once that they are
    back, when the database is restored."""
    async with postgres_database(postgres_cluster) as url, \
            FakeDiscord(shard_count=2) as fake:
        bot, guild, event_id = await started_with_an_event(fake, tmp_path, url, "Emptied Hall")
        await recreate_database(postgres_cluster, url, "template0")
        output = await refused_for_a_while(fake, bot, guild, event_id)
        said = [line for line in output.splitlines() if "tables are missing" in line]
        assert len(said) == 1 and "restart" in said[0], said
        # restored (the schema alone, as a backup of it would bring it back)
        await recreate_database(postgres_cluster, url, TEMPLATE)
        deadline = time.monotonic() + 30
        while True:
            reply = await fake.slash(guild, fake.add_member(guild), "event list")
            if reply.content != CANT_BE_REACHED or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        assert reply.content != CANT_BE_REACHED and "went wrong" not in (reply.content or "")
        assert "the bot's tables are back" in bot.output(), bot.describe()
        assert await bot.stop() == 0, bot.output()


async def started_with_an_event(fake, tmp_path, url: str, title: str):
    """Shard 0 of two started on the database at `url`, with an open event of 5 seats in
    its first server: the bot, that server, the event's id."""
    d = ShardDeployment(fake, tmp_path, {
        "DATABASE_URL": url, "DATABASE_PATH": str(tmp_path / "unused.sqlite3")})
    bot = await d.start(0)
    guild = d.guilds[0][0]
    return bot, guild, await d.open_event(guild, title, capacity=5)


async def recreate_database(cluster, url: str, template: str) -> None:
    """Drop the database at `url` and create it again from `template`."""
    name = await drop_database(cluster, url)
    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    finally:
        await admin.close()


async def drop_database(cluster, url: str) -> str:
    """Drop the database at `url` under whoever is connected to it; its name."""
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    finally:
        await admin.close()
    return name


async def refused_for_a_while(fake, bot, guild, event_id: int) -> str:
    """A new member's joins and reads are each refused as "can't be reached", and the bot
    goes on running through its background work's retries meanwhile (the LISTEN
    connection's every 2 s at most, the claim's backing off to 10 s), logging no
    traceback; its output."""
    late = fake.add_member(guild)
    for command in ("rsvp join", "rsvp join", "event info", "rsvp join"):
        reply = await fake.slash(guild, late, command, event=str(event_id))
        assert reply.ephemeral and reply.content == CANT_BE_REACHED, (command, reply.content)
    deadline = time.monotonic() + 12
    while time.monotonic() < deadline:
        assert bot.running, bot.describe()
        await asyncio.sleep(0.5)
    output = bot.output()
    assert "Traceback" not in output, output
    return output


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
        bot, guild, event_id = await started_with_an_event(fake, tmp_path, url, "Quiet Hall")
        for _ in range(2):
            await asyncio.sleep(2.5)  # idle past the timeout
            reply = await fake.slash(guild, fake.add_member(guild), "rsvp join",
                                     event=str(event_id))
            assert "You're confirmed" in (reply.content or ""), reply.content
        output = bot.output()
        lost = [line for line in output.splitlines() if "lost" in line]
        assert lost == [], output
        assert await bot.stop() == 0, bot.output()
