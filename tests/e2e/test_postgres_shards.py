"""Two bot processes, shards 0 and 1 of 2, on one PostgreSQL database, on a local server
that holds 20 guilds and routes each guild's gateway traffic to its shard's process.

Bursts of joins run on both shards at once, with a hot event in one guild of shard 0;
one process is killed mid-burst, or PostgreSQL itself is restarted mid-burst. Whatever
happens, what a member was told is what the database holds, and the bot recovers alone.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.models import CLAIM_SECONDS
from bot.storage import open_store
from sandbox import Attachment, FakeDiscord, Guild, Member
from tests.conftest import attendees_of, postgres_database
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page
from tests.e2e.shards import GUILDS_PER_SHARD, ShardDeployment
from tests.postgres_cluster import Cluster

pytestmark = pytest.mark.asyncio(loop_scope="function")

TRY_AGAIN = "try again in a moment"  # the friendly line of a join that could not be made


class Deployment(ShardDeployment):
    """Both shard processes on the PostgreSQL database at `url`."""

    def __init__(self, fake: FakeDiscord, tmp_path: Path, url: str) -> None:
        super().__init__(fake, tmp_path, {
            "DATABASE_URL": url, "DATABASE_PATH": str(tmp_path / "unused.sqlite3")})
        self.url = url
        self.acked: dict[tuple[int, int], str] = {}  # (event, member) -> what it was told
        self.retries = 0  # joins told to try again

    async def join(self, guild: Guild, member: Member, event_id: int) -> str | None:
        """Join as the member does; what the reply said ('confirmed', 'waitlisted N',
        'try again'), or None when nobody answered (the process was away)."""
        try:
            reply = await self.fake.slash(guild, member, "rsvp join", event=str(event_id))
        except TimeoutError:
            return None
        assert reply.ephemeral, reply.content
        said = said_by(reply.content or "")
        if said == "try again":
            self.retries += 1
        else:
            self.acked[event_id, member.id] = said
        return said

    async def until_answered(self, guild: Guild, member: Member, event_id: int) -> str:
        """Join, and press again while told to try again or not answered."""
        for _ in range(20):
            if (said := await self.join(guild, member, event_id)) not in (None, "try again"):
                return said
            await asyncio.sleep(0.2)
        raise AssertionError(f"member {member.id} was never answered on event {event_id}")

    async def check_acknowledged(self, event_id: int, members: list[Member], seats: int) -> None:
        """Every member's RSVP is there as last acknowledged; seats full, the waitlist's
        positions contiguous, the event's counters those of its rows."""
        conn = await asyncpg.connect(self.url)
        try:
            rows = await conn.fetch("SELECT user_id, status FROM rsvps WHERE event_id = $1",
                                    event_id)
            counts = await conn.fetchrow("SELECT confirmed_count, waitlist_count FROM events"
                                         " WHERE id = $1", event_id)
        finally:
            await conn.close()
        stored = {r["user_id"]: r["status"] for r in rows}
        told = {m.id: self.acked[event_id, m.id].split()[0] for m in members}
        assert {m.id: stored.get(m.id) for m in members} == told
        assert len(stored) == len(members)
        assert Counter(stored.values()) == {"confirmed": seats, "waitlisted": len(members) - seats}
        async with await open_store(self.url) as store:
            attendees = await attendees_of(store, event_id)
        assert [a.position for a in attendees if a.position is not None] == list(
            range(1, len(members) - seats + 1))
        assert tuple(counts) == (seats, len(members) - seats)


def said_by(content: str) -> str:
    # "already": a join the killed process committed but could not answer, pressed again.
    if "You're confirmed" in content or "You're already confirmed" in content:
        return "confirmed"
    if m := re.search(r"waitlisted \(position (\d+)\)", content):
        return f"waitlisted {m[1]}"
    assert TRY_AGAIN in content and content.startswith("⚠️"), content
    return "try again"


async def in_lanes(lanes: int, work: list) -> list:
    """Run the coroutines with at most `lanes` in flight, as a crowd's clicks arrive."""
    gate = asyncio.Semaphore(lanes)

    async def lane(coroutine):
        async with gate:
            return await coroutine
    return await asyncio.gather(*(lane(c) for c in work))


@pytest.fixture
async def deployment(tmp_path, postgres_cluster):
    async with postgres_database(postgres_cluster) as url, \
            FakeDiscord(shard_count=2) as fake:
        yield Deployment(fake, tmp_path, url)


async def test_the_attendee_list_on_postgresql_is_the_one_members_were_told(deployment):
    """`/manage attendees` on PostgreSQL reads its list through a cursor of a snapshot
    transaction (`PostgresRegistrations.attendees_read`): the CSV a moderator gets has
    every member as they were told, the waitlist numbered from 1."""
    d, fake = deployment, deployment.fake
    await d.start(0)
    guild = d.guilds[0][0]
    event_id = await d.open_event(guild, "Listed Hall", capacity=2)
    members = [fake.add_member(guild, f"名字 {n}, \"{n}\"") for n in range(5)]
    said = [await d.until_answered(guild, m, event_id) for m in members]
    assert said == ["confirmed", "confirmed", "waitlisted 1", "waitlisted 2", "waitlisted 3"]
    moderator = fake.add_member(guild, "lister", manage_events=True)
    reply = await fake.slash(guild, moderator, "manage attendees", event=str(event_id))
    assert reply.content.startswith("2 confirmed, 3 waitlisted"), reply.content
    [(_, data)] = reply.files
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [(r["user_id"], r["name"], r["status"], r["position"]) for r in rows] == [
        (str(m.id), m.name, *told.split()[:1], *(told.split()[1:] or [""]))
        for m, told in zip(members, said, strict=True)]


async def test_2000_members_on_two_shard_processes_give_exact_counts(deployment):
    d, fake = deployment, deployment.fake
    await d.start(0)
    await d.start(1)
    hot_guild = d.guilds[0][0]
    side_guilds = [g for shard in (0, 1) for g in d.guilds[shard] if g is not hot_guild]
    hot = await d.open_event(hot_guild, "Hot Hall", capacity=100)
    sides = {g: await d.open_event(g, f"Side Room {n}", capacity=20)
             for n, g in enumerate(side_guilds)}
    crowd = [fake.add_member(hot_guild) for _ in range(1000)]
    side_crowds: dict[Guild, list[Member]] = {g: [] for g in side_guilds}
    for i in range(1000):  # spread over the 19 other servers, on both shards
        guild = side_guilds[i % len(side_guilds)]
        side_crowds[guild].append(fake.add_member(guild))
    joins = [(hot_guild, m, hot) for m in crowd] + [
        (g, m, sides[g]) for g, members in side_crowds.items() for m in members]
    joins = [joins[i] for i in sorted(range(len(joins)), key=lambda i: (i * 7919) % len(joins))]

    started = time.monotonic()
    said = await in_lanes(40, [d.join(*j) for j in joins])
    took = time.monotonic() - started

    assert all(s not in (None, "try again") for s in said), Counter(said)
    await d.check_acknowledged(hot, crowd, 100)
    for g, members in side_crowds.items():
        await d.check_acknowledged(sides[g], members, 20)
    # One capacity notice per fill, in its own server, posted by its shard's process.
    fills = [(hot_guild, "Hot Hall"), *((g, f"Side Room {n}") for n, g in enumerate(side_guilds))]
    assert [len(found) for found in await d.wait_all_notices(fills)] == [1] * len(fills)
    assert all(d.capacity_notices(g, "Hot Hall") == [] for g in side_guilds)
    assert all(bot.running for bot in d.bots.values())
    assert fake.server_errors == []
    print(f"figures: postgres shard processes=2 guilds={2 * GUILDS_PER_SHARD} "
          f"joins={len(joins)} in flight=40 took={took:.1f}s "
          f"({len(joins) / took:.0f} joins/s) hot confirmed=100 waitlisted=900")


async def test_a_shard_process_killed_mid_burst_loses_no_acknowledged_rsvp(deployment):
    d, fake = deployment, deployment.fake
    await d.start(0)
    await d.start(1)
    hot_guild, side_guilds = d.guilds[0][-1], d.guilds[1][:2]
    hot = await d.open_event(hot_guild, "Hot Hall", capacity=100)
    sides = {g: await d.open_event(g, f"Side Room {n}", capacity=30)
             for n, g in enumerate(side_guilds)}
    crowd = [fake.add_member(hot_guild) for _ in range(200)]
    side_crowds = {g: [fake.add_member(g) for _ in range(60)] for g in side_guilds}

    hot_burst = asyncio.ensure_future(in_lanes(10, [d.join(hot_guild, m, hot) for m in crowd]))
    side_burst = asyncio.ensure_future(in_lanes(10, [
        d.join(g, m, sides[g]) for g, members in side_crowds.items() for m in members]))
    while sum(event == hot for event, _ in d.acked) < 50:
        await asyncio.sleep(0.01)
    d.bots[0].kill()  # shard 0's process dies in the middle of the hot burst
    at_kill = sum(event == hot for event, _ in d.acked)
    await d.start(0)
    said = await hot_burst
    assert None not in await side_burst, "shard 1's process missed joins"
    missed = [m for m, s in zip(crowd, said, strict=True) if s is None]
    assert missed, "the kill met no join: the test proves nothing"
    for m in missed:  # those who met the dead process press Join again
        await d.until_answered(hot_guild, m, hot)

    await d.check_acknowledged(hot, crowd, 100)
    for g in side_guilds:
        await d.check_acknowledged(sides[g], side_crowds[g], 30)
    assert len(await d.wait_notices(hot_guild, "Hot Hall")) == 1
    for n, g in enumerate(side_guilds):
        assert len(await d.wait_notices(g, f"Side Room {n}")) == 1
    assert fake.server_errors == []
    print(f"figures: postgres shard process killed after {at_kill} hot joins answered; "
          f"missed while away={len(missed)} lost acknowledged=0")


@pytest.fixture
async def restartable(tmp_path, restartable_postgres):
    async with FakeDiscord(shard_count=2) as fake:
        yield Deployment(fake, tmp_path, restartable_postgres.url()), restartable_postgres


async def test_postgres_restarted_mid_burst_fails_cleanly_and_the_bot_recovers(restartable):
    d, cluster = restartable
    cluster: Cluster
    fake = d.fake
    await d.start(0)
    await d.start(1)
    hot_guild, side_guild = d.guilds[0][0], d.guilds[1][0]
    hot = await d.open_event(hot_guild, "Hot Hall", capacity=50)
    side = await d.open_event(side_guild, "Side Room", capacity=20)
    crowd = [fake.add_member(hot_guild) for _ in range(200)]
    side_crowd = [fake.add_member(side_guild) for _ in range(60)]
    down = asyncio.Event()

    async def once_down(join):
        await down.wait()
        return await join

    # The last of the hot crowd press Join only once the server is down, so that the
    # burst meets it away however fast the machine runs the rest.
    bursts = asyncio.ensure_future(asyncio.gather(
        in_lanes(10, [d.join(hot_guild, m, hot) for m in crowd[:-40]]
                 + [once_down(d.join(hot_guild, m, hot)) for m in crowd[-40:]]),
        in_lanes(5, [d.join(side_guild, m, side) for m in side_crowd])))
    while len(d.acked) < 40:
        await asyncio.sleep(0.01)
    # stopped as an operator's restart does (`pg_ctl -m fast`): every session ends
    await asyncio.to_thread(cluster.server_down)
    down.set()
    deadline = time.monotonic() + 30
    while not d.retries and not bursts.done():
        assert time.monotonic() < deadline, "no join was answered while the server was away"
        await asyncio.sleep(0.01)
    await asyncio.to_thread(cluster.server_up)
    said_hot, said_side = await bursts

    # Each member was answered: with a status, or with the friendly line; never silence.
    said = Counter(s if s in (None, "try again") else s.split()[0] for s in said_hot + said_side)
    assert said[None] == 0, said
    assert said["try again"] > 0, f"the restart met no join: the test proves nothing {said}"
    for members, event_id, answers, guild in [(crowd, hot, said_hot, hot_guild),
                                              (side_crowd, side, said_side, side_guild)]:
        for m, s in zip(members, answers, strict=True):
            if s == "try again":  # the server is back: pressing again works, no restart
                assert await d.join(guild, m, event_id) not in (None, "try again")
    await d.check_acknowledged(hot, crowd, 50)
    await d.check_acknowledged(side, side_crowd, 20)
    assert len(await d.wait_notices(hot_guild, "Hot Hall")) == 1
    assert len(await d.wait_notices(side_guild, "Side Room")) == 1

    # The LISTEN connection is back: a notice committed by another process wakes shard 0's
    # deliverer at once. Without it the deliverer finds notices only when it polls, every
    # 5 s: three notices spaced within one poll interval would not all be posted at once.
    quiet = d.guilds[0][1:4]
    events = [await d.open_event(g, f"Wake Up {n}", capacity=1) for n, g in enumerate(quiet)]
    delays = []
    async with await open_store(d.url) as store:  # another process, filling each event
        for n, (guild, event_id) in enumerate(zip(quiet, events, strict=True)):
            started = time.monotonic()
            await store.join(guild.id, event_id, 10_000 + n, "someone")
            while not d.capacity_notices(guild, f"Wake Up {n}"):
                assert time.monotonic() - started < 1.5, f"notice {n} waited for a poll"
                await asyncio.sleep(0.02)
            delays.append(time.monotonic() - started)
            await asyncio.sleep(1.6 - delays[-1])
    assert all(bot.running for bot in d.bots.values())
    assert fake.server_errors == []
    print(f"figures: postgres restarted mid-burst: answers {dict(said)}; "
          f"notice wake-ups after it {[round(x, 2) for x in delays]} s")


async def test_a_notice_posted_while_postgres_is_away_is_acknowledged_once_it_is_back(
        restartable):
    d, cluster = restartable
    fake = d.fake
    await d.start(0)
    guild = d.guilds[0][0]
    event_id = await d.open_event(guild, "Full Hall", capacity=1)
    # Discord holds the capacity notice's post back for 3 s (a 429): the database goes
    # away meanwhile, so the notice is posted but cannot be acknowledged.
    channels = "|".join(str(c.id) for c in guild.channels.values())
    fake.fail("POST", rf"^/channels/({channels})/messages$", status=429, retry_after=3.0)
    assert await d.join(guild, fake.add_member(guild), event_id) == "confirmed"
    deadline = time.monotonic() + 10
    while fake._faults:
        assert time.monotonic() < deadline, "the notice was never tried"
        await asyncio.sleep(0.05)
    await asyncio.to_thread(cluster.server_down)
    while not d.capacity_notices(guild, "Full Hall"):
        assert time.monotonic() < deadline, "the notice was never posted"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    await asyncio.to_thread(cluster.server_up)

    # Once the database is back the notice is acknowledged, not left claimed until its
    # claim expires and then posted a second time by whichever process claims it.
    deadline = time.monotonic() + 10
    while True:
        conn = await asyncpg.connect(d.url)
        try:
            left = await conn.fetchval("SELECT count(*) FROM outbox WHERE event_id = $1",
                                       event_id)
        finally:
            await conn.close()
        if left == 0:
            break
        assert time.monotonic() < deadline, "the posted notice was never acknowledged"
        await asyncio.sleep(0.2)
    assert len(d.capacity_notices(guild, "Full Hall")) == 1
    assert d.bots[0].running and fake.server_errors == []


async def test_a_reminder_waits_for_its_shards_process_and_speaks_its_servers_language(
        deployment):
    """A reminder of a server on another process's shard is left to that process (away
    for a restart here): it alone knows whether the bot is still in the server, and so
    whether the DM can go. A member with no language recorded (one who joined before the
    bot recorded them) is reminded in the server's language, its Discord one here."""
    d, fake = deployment, deployment.fake
    there = d.guilds[1][0]
    there.preferred_locale = "zh-CN"
    await d.start(0)
    await d.start(1)
    moderator = fake.add_member(there, "moderator", manage_events=True)
    await fake.slash(there, moderator, "manage reminders", minutes="1")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=90)
    title = "Other Shard Reminder"
    reply = await import_page(fake, there, moderator, title=title, capacity=5,
                              starts_at=starts.isoformat(), page=Attachment(
                                  "announcement.txt", title.encode() + b"\n\n"
                                  + OPEN_ANNOUNCEMENT, "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", reply.content or "")[1])
    member = fake.add_member(there, "reader")
    assert await d.join(there, member, event_id) == "confirmed"
    assert await d.bots[1].stop(timeout=15, signum=signal.SIGTERM) == 0
    conn = await asyncpg.connect(d.url)
    try:  # written at the stop; gone, as for a member who joined before they were kept
        await conn.execute("DELETE FROM member_locales WHERE user_id = $1", member.user.id)
    finally:
        await conn.close()
    await asyncio.sleep(max(starts.timestamp() - 60 - time.time(), 0) + 3.0)  # due, and more
    assert [m for m in fake.dms(member) if title in m["content"]] == []  # not shard 0's

    await d.start(1)
    dm = await fake.wait_message(fake.dm_channel(member),
                                 lambda m: title in m["content"], timeout=30)
    assert dm["content"].startswith("⏰ 提醒："), dm["content"]  # sent by shard 1's process


async def test_a_post_a_killed_process_claimed_keeps_its_place_before_later_ones(
        deployment):
    """The process is killed while Discord holds its post of "closed" back (a 429); once
    it is started again, a moderator reopens registration. The channel says "closed", then
    "open again", and ends as the event is: the reopening waits for the post the dead
    process claimed (its claim lives a minute), instead of going first and being
    followed by "closed" once that claim expires."""
    d, fake = deployment, deployment.fake
    await d.start(0)
    guild = d.guilds[0][0]
    title = "Order Hall"
    event = str(await d.open_event(guild, title, capacity=5))
    moderator = fake.add_member(guild, "moderator", manage_events=True)
    channels = "|".join(str(c.id) for c in guild.channels.values())
    fake.fail("POST", rf"^/channels/({channels})/messages$", status=429, retry_after=5.0)
    closed = await fake.slash(guild, moderator, "manage close", event=event)
    assert "closed" in closed.content, closed.content
    deadline = time.monotonic() + 10
    while fake._faults:
        assert time.monotonic() < deadline, "the notice was never tried"
        await asyncio.sleep(0.05)
    d.bots[0].kill()  # the post claimed, not made
    await d.start(0)
    opened = await fake.slash(guild, moderator, "manage open", event=event)
    assert "is open" in opened.content, opened.content

    def posts() -> list[str]:
        return ["open" if "open again" in m["content"] else "closed"
                for channel in guild.channels.values() for m in fake.messages(channel)
                if m["content"].startswith(f"Registration for **{title}**")]

    await asyncio.sleep(3.0)  # the deliverer's looks meanwhile (it looks every 5 s at most)
    assert posts() == []  # "open again" waits behind the claimed "closed"
    conn = await asyncpg.connect(d.url)
    try:  # a minute on: the dead process's claim expires, without the wait
        await conn.execute("UPDATE outbox SET claimed_at = claimed_at - $1 WHERE event_id = $2"
                           " AND claimed_at IS NOT NULL", CLAIM_SECONDS, int(event))
    finally:
        await conn.close()
    deadline = time.monotonic() + 30
    while len(posts()) < 2:
        assert time.monotonic() < deadline, posts()
        await asyncio.sleep(0.2)
    assert posts() == ["closed", "open"]
    assert fake.server_errors == []
