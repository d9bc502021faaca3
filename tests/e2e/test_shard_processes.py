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
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox import Attachment, FakeDiscord, Guild
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page
from tests.e2e.shards import GUILDS_PER_SHARD, ShardDeployment
from tests.e2e.test_reminders_roles_schedules import reminders_to

pytestmark = pytest.mark.asyncio(loop_scope="function")



class Deployment(ShardDeployment):
    """Both shard processes on one SQLite file."""

    def __init__(self, fake: FakeDiscord, tmp_path: Path) -> None:
        self.db_path = tmp_path / "shared.sqlite3"
        super().__init__(fake, tmp_path, {"DATABASE_PATH": str(self.db_path)})

    def query(self, sql: str, params=()) -> list[tuple]:
        conn = sqlite3.connect(self.db_path, timeout=10)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


async def eventually(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


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

    # Shard 0's process fails to post the capacity notice (Discord fails it once: a 503,
    # which discord.py does not retry), so the notice stays in the outbox; stopping gives
    # its claim back at once.
    channels = "|".join(str(c.id) for c in mine.channels.values())
    fake.fail("POST", rf"^/channels/({channels})/messages$", status=503)
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


def status_of(reply) -> str | None:
    """What a join reply acknowledged: 'confirmed', 'waitlisted', or None (no answer)."""
    if reply is None:
        return None
    if "confirmed" in reply.content:
        return "confirmed"
    return "waitlisted" if "waitlisted" in reply.content else None


async def test_bursts_on_both_shards_with_a_process_killed_and_restarted(deployment):
    d, fake = deployment, deployment.fake
    await d.start(0)
    await d.start(1)
    hot_guild, side_guilds = d.guilds[0][-1], d.guilds[1][:2]
    hot = await d.open_event(hot_guild, "Hot Hall", capacity=100)
    sides = {guild: await d.open_event(guild, f"Side Room {n}", capacity=30)
             for n, guild in enumerate(side_guilds)}
    crowd = [fake.add_member(hot_guild) for _ in range(160)]
    side_crowds = {guild: [fake.add_member(guild) for _ in range(40)] for guild in side_guilds}
    acked: dict[tuple[int, int], str] = {}  # (event, member) -> what its reply said
    lanes = asyncio.Semaphore(10)  # joins in flight on the hot event

    async def join(guild: Guild, member, event_id: int):
        try:
            reply = await fake.slash(guild, member, "rsvp join", event=str(event_id))
        except TimeoutError:  # sent to the process being killed, or while it was away
            return None
        if (status := status_of(reply)) is not None:
            acked[event_id, member.id] = status
        return reply

    async def hot_join(member):
        async with lanes:
            return await join(hot_guild, member, hot)

    hot_burst = [asyncio.ensure_future(hot_join(m)) for m in crowd]
    side_burst = [asyncio.ensure_future(join(guild, m, sides[guild]))
                  for guild, members in side_crowds.items() for m in members]
    # Shard 0's process is killed mid-burst, and restarted while the joins keep coming.
    while sum(event == hot for event, _ in acked) < 40:
        await asyncio.sleep(0.01)
    d.bots[0].kill()
    at_kill = sum(event == hot for event, _ in acked)
    await d.start(0)
    first_tries = await asyncio.gather(*hot_burst, *side_burst)
    missed = [m for m, reply in zip(crowd, first_tries, strict=False) if reply is None]
    assert all(reply is not None for reply in first_tries[len(crowd):]), "shard 1 missed"
    # Those whose join met the killed process press Join again, and are answered.
    again = await asyncio.gather(*(join(hot_guild, m, hot) for m in missed))
    assert all(status_of(reply) for reply in again), again

    for event_id, members, seats in [(hot, crowd, 100),
                                     *((sides[g], side_crowds[g], 30) for g in side_guilds)]:
        rows = dict(d.query("SELECT user_id, status FROM rsvps WHERE event_id = ?", (event_id,)))
        # Every acknowledged RSVP is there, as it was acknowledged; every member answered.
        assert {m.id: acked[event_id, m.id] for m in members} == {m.id: rows[m.id]
                                                                  for m in members}
        assert len(rows) == len(members)
        assert sorted(rows.values()).count("confirmed") == seats
        assert d.query("SELECT confirmed_count, waitlist_count FROM events WHERE id = ?",
                       (event_id,)) == [(seats, len(members) - seats)]
    # One capacity notice per fill, each in its own server.
    assert len(await d.wait_notices(hot_guild, "Hot Hall")) == 1
    for n, guild in enumerate(side_guilds):
        assert len(await d.wait_notices(guild, f"Side Room {n}")) == 1
    assert all(d.capacity_notices(g, "Hot Hall") == [] for g in side_guilds)
    print(f"figures: shard processes=2 guilds={2 * GUILDS_PER_SHARD} hot joins={len(crowd)} "
          f"answered before the kill={at_kill} missed while killed={len(missed)} "
          f"side joins={len(side_burst)} lost acknowledged=0")
    assert fake.server_errors == []


async def test_attendee_roles_are_taken_back_by_their_own_shards_process(deployment):
    d, fake = deployment, deployment.fake
    mine, theirs = d.guilds[0][1], d.guilds[1][1]
    roles = {}
    for guild in (mine, theirs):
        roles[guild.id] = fake.add_role(guild, "Attendee")
        bot_role = next(r for r in guild.roles.values() if r.bot_id is not None)
        bot_role.position = roles[guild.id].position + 1  # the bot may give it out
    first = await d.start(0)
    await d.start(1)
    starts = (datetime.now(UTC) + timedelta(seconds=8)).replace(microsecond=0)
    members = {}
    for guild in (mine, theirs):
        moderator = fake.add_member(guild, "moderator", manage_events=True)
        reply = await import_page(fake, guild, moderator, title=f"Brief {guild.id}", capacity=5,
                                  starts_at=starts.isoformat(), page=Attachment(
                                      "a.txt", b"Brief\n\n" + OPEN_ANNOUNCEMENT, "text/plain"))
        event_id = re.search(r"\(event (\d+)\)", reply.content)[1]
        await fake.slash(guild, guild.owner, "manage role", role=roles[guild.id], event=event_id)
        members[guild.id] = fake.add_member(guild)
        await fake.slash(guild, members[guild.id], "rsvp join", event=event_id)
    for guild in (mine, theirs):
        await eventually(lambda g=guild: roles[g.id] in members[g.id].roles, "the role given")

    def removals(guild: Guild) -> int:
        route = f"/guilds/{guild.id}/members/{members[guild.id].id}/roles/{roles[guild.id].id}"
        return sum(r.method == "DELETE" and r.path.endswith(route) for r in fake.requests)

    # Shard 0's process is away when both events start: shard 1's takes back only its own.
    assert await first.stop() == 0, first.output()
    await eventually(lambda: roles[theirs.id] not in members[theirs.id].roles,
                     "shard 1's role taken back", timeout=20)
    assert roles[mine.id] in members[mine.id].roles and removals(mine) == 0
    await d.start(0)
    await eventually(lambda: roles[mine.id] not in members[mine.id].roles,
                     "shard 0's role taken back once its process is back", timeout=20)
    assert (removals(mine), removals(theirs)) == (1, 1)


async def test_a_dm_follows_the_language_another_shard_saw_last(deployment):
    """A member seen in Chinese by shard 0's process switches their Discord to English and
    uses a command in a server of shard 1: the promotion DM shard 0 sends later is in
    English, and the record stays English."""
    d, fake = deployment, deployment.fake
    here, there = d.guilds[0][0], d.guilds[1][0]
    await d.start(0)
    await d.start(1)
    title = "Shard Language Hall"
    event = str(await d.open_event(here, title, capacity=1))
    seated = fake.add_member(here, "seated")
    member = fake.add_member(here, "读者", locale="zh-CN")
    elsewhere = fake.add_member(there, user=member.user)
    assert "confirmed" in (await fake.slash(here, seated, "rsvp join", event=event)).content
    waiting = await fake.slash(here, member, "rsvp join", event=event)
    assert "候补名单" in waiting.content, waiting.content
    await asyncio.sleep(1.1)  # the locales are recorded to the second
    member.user.locale = "en-US"
    mine = await fake.slash(there, elsewhere, "rsvp mine")
    assert mine.content.startswith("You have no RSVPs"), mine.content
    english = [("en-US",)]
    await eventually(lambda: d.query("SELECT locale FROM member_locales WHERE user_id = ?",
                                     (member.user.id,)) == english, "shard 1's record")
    await fake.slash(here, seated, "rsvp cancel", event=event)  # shard 0 promotes the member
    dm = await fake.wait_message(fake.dm_channel(member), lambda m: title in m["content"],
                                 timeout=15)
    assert dm["content"].startswith("Good news"), dm["content"]
    await asyncio.sleep(5.5)  # shard 0's writer has written what it saw (zh-CN, earlier)
    assert d.query("SELECT locale FROM member_locales WHERE user_id = ?",
                   (member.user.id,)) == english


async def test_a_reminder_waits_for_its_own_shards_process(deployment):
    """Only the process that runs a guild knows whether the bot is in it. Shard 1's guild
    has removed the bot (its members still use the commands), and shard 1's process is
    away when a reminder there comes due. Shard 0's process leaves it: Discord refuses a
    DM to a member the bot shares no server with, and the reminder, sent at most once,
    would be lost. Shard 1's process sends it once the bot is invited back."""
    d, fake = deployment, deployment.fake
    mine, theirs = d.guilds[0][2], d.guilds[1][2]
    await d.start(0)
    second = await d.start(1)
    starts = (datetime.now(UTC) + timedelta(seconds=85)).replace(microsecond=0)
    titles, events = {}, {}
    for guild in (mine, theirs):
        moderator = fake.add_member(guild, "moderator", manage_events=True)
        await fake.slash(guild, moderator, "manage reminders", minutes="1")
        titles[guild.id] = f"Reminded {guild.id}"
        reply = await import_page(fake, guild, moderator, title=titles[guild.id], capacity=5,
                                  starts_at=starts.isoformat(), page=Attachment(
                                      "a.txt", b"Brief\n\n" + OPEN_ANNOUNCEMENT, "text/plain"))
        events[guild.id] = re.search(r"\(event (\d+)\)", reply.content)[1]
    fake.remove_bot(theirs)
    await eventually(lambda: d.query("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                                     " AND left_at IS NOT NULL", (theirs.id,)), "the removal")
    members = {}
    for guild in (mine, theirs):
        members[guild.id] = fake.add_member(guild)
        reply = await fake.slash(guild, members[guild.id], "rsvp join", event=events[guild.id])
        assert "confirmed" in reply.content, reply
    assert await second.stop() == 0, second.output()

    await eventually(lambda: reminders_to(fake, members[mine.id], titles[mine.id]),
                     "shard 0's own reminder", timeout=60)
    await asyncio.sleep(2.0)  # a claim of shard 1's reminder would be as soon
    assert d.query("SELECT count(*) FROM reminders_sent WHERE event_id = ?",
                   (events[theirs.id],)) == [(0,)]
    await d.start(1)
    fake.rejoin(theirs)
    await eventually(lambda: reminders_to(fake, members[theirs.id], titles[theirs.id]),
                     "shard 1's reminder once the bot is back", timeout=30)
    assert len(reminders_to(fake, members[theirs.id], titles[theirs.id])) == 1
