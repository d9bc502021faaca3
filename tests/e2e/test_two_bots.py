"""Two bot processes sharing one database, as two shards of one deployment would.

Each process is the real `python -m bot run`, connected to its own local
Discord-compatible server (the local server serves one bot connection), and both
servers hold the same guild id, so both processes serve the same server's events
from the one database: a SQLite file, or PostgreSQL. Members press Join on both at once.
The two servers give their bots two tokens, as two shards' sessions never get the same
interaction (one token's second process on one shard is refused: test_process_lifecycle).
"""

from __future__ import annotations

import asyncio
import re
import sys

import pytest

from bot.registration import Status
from bot.render import CAPACITY_REACHED
from bot.storage import open_store
from sandbox import Attachment, FakeDiscord, Guild, Member, User
from tests.conftest import ROOT, attendees_of, postgres_database
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page

pytestmark = pytest.mark.asyncio(loop_scope="function")

GUILD_ID = 200_000_000_000_000_001


def shared_guild(fake: FakeDiscord) -> Guild:
    return fake.add_guild("Shared", guild_id=GUILD_ID)


def member(fake: FakeDiscord, guild: Guild, user_id: int) -> Member:
    user = fake.users[user_id] = User(user_id, f"member{user_id}")
    return fake.add_member(guild, user=user)


def capacity_notices(fake: FakeDiscord, guild: Guild, title: str) -> list[dict]:
    return [m for channel in guild.channels.values() for m in fake.messages(channel)
            if title in m["content"] and CAPACITY_REACHED in m["content"]]


@pytest.fixture(params=["sqlite", "postgres"])
async def shared_database(request, tmp_path):
    """Where both processes keep their data: (its DATABASE_PATH or DATABASE_URL setting,
    the location to open it at)."""
    if request.param == "sqlite":
        path = tmp_path / "shared.sqlite3"
        yield {"DATABASE_PATH": str(path)}, path
        return
    async with postgres_database(request.getfixturevalue("postgres_cluster")) as url:
        yield {"DATABASE_PATH": str(tmp_path / "unused.sqlite3"), "DATABASE_URL": url}, url


async def test_1000_members_on_two_bot_processes_never_overbook(tmp_path, shared_database):
    setting, database = shared_database
    env = {**setting, "EVENTS_DIR": str(ROOT / "data/events"),
           "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT)}
    async with FakeDiscord() as first, FakeDiscord(token="second-bot-token") as second:
        guilds = [shared_guild(first), shared_guild(second)]
        moderator = first.add_member(guilds[0], "moderator", manage_events=True)
        bots = []
        for fake in (first, second):
            bots.append(fake.spawn_bot([sys.executable, "-m", "bot", "run"], env,
                                       cwd=str(tmp_path)))
            await fake.wait_ready(process=bots[-1])
        # One application: the first process synced its commands, the second saw them
        # recorded as synced in the shared database and left them alone.
        assert second.sync_count() == 0
        second.register_commands(first.commands())

        reply = await import_page(first, guilds[0], moderator,
                                  page=Attachment("a.txt", OPEN_ANNOUNCEMENT, "text/plain"),
                                  title="Shared Hall", capacity=100)
        event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
        # Each local server makes its own snowflakes: give the two crowds distinct user ids.
        crowds = [[member(fake, guild, (n + 3) * 10**17 + i) for i in range(500)]
                  for n, (fake, guild) in enumerate(zip((first, second), guilds, strict=True))]

        replies = await asyncio.gather(*(
            fake.slash(guild, member, "rsvp join", event=str(event_id))
            for fake, guild, crowd in zip((first, second), guilds, crowds, strict=True)
            for member in crowd))

        assert all(r.ephemeral for r in replies)
        confirmed = sum("You're confirmed" in r.content for r in replies)
        waitlisted = sorted(int(m[1]) for r in replies
                            if (m := re.search(r"waitlisted \(position (\d+)\)", r.content)))
        assert (confirmed, waitlisted) == (100, list(range(1, 901)))
        async with await open_store(database) as store:
            event = await store.run(store.events.get_event, GUILD_ID, event_id)
            attendees = await attendees_of(store, event_id)
        assert sum(a.status is Status.CONFIRMED for a in attendees) == 100
        assert [a.position for a in attendees if a.status is Status.WAITLISTED] == list(
            range(1, 901))
        assert (event.confirmed, event.waitlisted) == (100, 900)

        # The notice is delivered by whichever process claims it, exactly once overall.
        for _ in range(100):
            found = (capacity_notices(first, guilds[0], "Shared Hall")
                     + capacity_notices(second, guilds[1], "Shared Hall"))
            if found:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        found = (capacity_notices(first, guilds[0], "Shared Hall")
                 + capacity_notices(second, guilds[1], "Shared Hall"))
        assert len(found) == 1
        for bot in bots:
            assert bot.running
        print(f"figures: two bot processes members=1000 seats=100 confirmed={confirmed} "
              f"waitlisted={len(waitlisted)} lost=0 capacity_notices={len(found)}")
