"""Seats, notices and twins in two servers sharing the bot, through the real bot process
and the local Discord: what a join, a cancel or a promotion in one server sends (DMs,
the capacity notice, announcement edits) goes to that server's channel and event only; a
notice held while one server is away waits for it alone; and an event of the same title
in each is told apart by its server (typed by title, listed, deleted, archived, roles)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.render import CAPACITY_REACHED
from tests.e2e.conftest import until
from tests.e2e.test_reminders_roles_schedules import bot_role, move_role
from tests.e2e.test_server_isolation import two_servers
from tests.e2e.test_server_routing import import_there

pytestmark = pytest.mark.asyncio(loop_scope="module")

JOIN = "eventbot:rsvp:join:"



def channel_state(fake, channel) -> list[tuple]:
    """Every message of the channel as it stands, with how often it was edited."""
    return [(m["id"], m["content"], repr(m["embeds"]), repr(m["components"]),
             len(fake.message_record(m).edits)) for m in fake.messages(channel)]


def capacity_notices(fake, channel, title: str) -> list[dict]:
    return [m for m in fake.messages(channel)
            if f"**{title}**" in m["content"] and CAPACITY_REACHED in m["content"]]


def announcement_of(fake, channel, title: str) -> dict:
    [message] = [m for m in fake.messages(channel)
                 if any(e.get("title") == title for e in m["embeds"])]
    return message


def seats_shown(message: dict) -> str:
    return next(f["value"] for f in message["embeds"][0]["fields"]
                if f["name"] == "Registration")


async def announce(fake, guild, moderator, event_id: int, title: str) -> dict:
    posted = await fake.slash(guild, moderator, "manage announce", event=str(event_id))
    assert "Posted" in posted.content, posted
    return await fake.wait_message(
        guild.channel("announcements"),
        lambda m: any(e.get("title") == title for e in m["embeds"]))


async def fill_there(fake, guild, name: str, event_id: int, title: str, *,
                     timeout: float) -> None:
    """A new member of `guild` takes the last seat of its event `title`: the capacity
    notice is posted in that server's announcements channel within `timeout` seconds."""
    joined = await fake.slash(guild, fake.add_member(guild, name), "rsvp join",
                              event=str(event_id))
    assert "confirmed" in joined.content, joined.content
    await fake.wait_message(guild.channel("announcements"), lambda m: f"**{title}**"
                            in m["content"] and CAPACITY_REACHED in m["content"],
                            timeout=timeout)

async def test_a_seat_freed_in_one_server_goes_to_its_waitlist_and_its_channel_only(
        world, fake):
    """Two full events, one in each server, with interleaved ids, the same member waiting
    in both: a seat freed in A promotes them in A only, the DM names A's event, A's
    announcement shows it, and B's channel, announcement and waitlist stay as they were;
    then the same the other way."""
    other, there, _ = await two_servers(world, fake, "Seatland")
    a_channel, b_channel = world.guild.channel("announcements"), other.channel("announcements")
    a_title, b_title = "Seat Routing Here", "Seat Routing There"
    a_event = await world.import_event(a_title, capacity=1)
    b_event = await import_there(fake, other, there, b_title, capacity=1)
    assert b_event == a_event + 1
    await announce(fake, world.guild, world.moderator, a_event, a_title)
    await announce(fake, other, there, b_event, b_title)
    both = world.member("seat both")
    both_there = fake.add_member(other, user=both.user)
    filler_here, filler_there = world.member("seat filler"), fake.add_member(other, "filler")

    # B fills, and waits: its notice is B's alone.
    for who, expected in ((filler_there, "confirmed"), (both_there, "waitlisted")):
        joined = await fake.slash(other, who, "rsvp join", event=str(b_event))
        assert expected in joined.content, joined.content
    await fake.wait_message(b_channel, lambda m: f"**{b_title}**" in m["content"]
                            and CAPACITY_REACHED in m["content"])
    await until(lambda: seats_shown(announcement_of(fake, b_channel, b_title)).startswith(
        "Full"), what="B's announcement full")
    await asyncio.sleep(1.0)  # B's edits and notices all out
    b_before, dms_before = channel_state(fake, b_channel), len(fake.dms(both))
    assert [m for m in fake.messages(a_channel) if b_title in m["content"]
            or any(e.get("title") == b_title for e in m["embeds"])] == []

    # A fills, waits, and frees the seat: all of it in A.
    for who, expected in ((filler_here, "confirmed"), (both, "waitlisted")):
        joined = await fake.slash(world.guild, who, "rsvp join", event=str(a_event))
        assert expected in joined.content, joined.content
    await fake.wait_message(a_channel, lambda m: f"**{a_title}**" in m["content"]
                            and CAPACITY_REACHED in m["content"])
    a_edits = len(fake.message_record(announcement_of(fake, a_channel, a_title)).edits)
    cancelled = await fake.slash(world.guild, filler_here, "rsvp cancel", event=str(a_event))
    assert "gone to the next member" in cancelled.content, cancelled.content
    dm = await fake.wait_message(fake.dm_channel(both), lambda m: "now confirmed" in m["content"])
    assert a_title in dm["content"] and b_title not in dm["content"], dm["content"]
    await until(lambda: len(fake.message_record(
        announcement_of(fake, a_channel, a_title)).edits) > a_edits, what="A's edit")
    await asyncio.sleep(1.5)
    assert channel_state(fake, b_channel) == b_before
    assert len(fake.dms(both)) == dms_before + 1
    assert len(capacity_notices(fake, a_channel, a_title)) == 1
    assert capacity_notices(fake, b_channel, a_title) == []
    status = await fake.slash(other, both_there, "rsvp status", event=str(b_event))
    assert "waitlisted (position 1)" in status.content, status.content
    assert world.query("SELECT confirmed_count, waitlist_count FROM events WHERE id = ?",
                       (b_event,)) == [(1, 1)]

    # And the other way: B's seat freed moves nothing of A's.
    a_before = channel_state(fake, a_channel)
    cancelled = await fake.slash(other, filler_there, "rsvp cancel", event=str(b_event))
    assert "gone to the next member" in cancelled.content, cancelled.content
    dm = await fake.wait_message(fake.dm_channel(both), lambda m: "now confirmed" in m[
        "content"] and b_title in m["content"])
    assert a_title not in dm["content"], dm["content"]
    await asyncio.sleep(1.5)
    assert channel_state(fake, a_channel) == a_before
    assert len(capacity_notices(fake, b_channel, b_title)) == 1
    assert world.query("SELECT id, confirmed_count, waitlist_count FROM events WHERE id IN"
                       " (?, ?) ORDER BY id", (a_event, b_event)) == [(a_event, 1, 0),
                                                                     (b_event, 1, 0)]


async def test_a_notice_held_for_a_server_away_waits_for_it_alone(world, fake):
    """A is in an outage when its event fills: the notice waits for A and is posted in A's
    channel once A is back, once, never in B's; B's event filling meanwhile is posted in
    B's channel at once."""
    other, there, _ = await two_servers(world, fake, "Awayland")
    a_channel, b_channel = world.guild.channel("announcements"), other.channel("announcements")
    a_title, b_title = "Away Routing Here", "Away Routing There"
    a_event = await world.import_event(a_title, capacity=1)
    b_event = await import_there(fake, other, there, b_title, capacity=1)
    a_message = await announce(fake, world.guild, world.moderator, a_event, a_title)
    await announce(fake, other, there, b_event, b_title)
    fake.outage(world.guild)
    try:
        await asyncio.sleep(0.5)  # the bot has heard A is unavailable
        joined = await fake.click(world.guild, world.member("away filler"), a_message,
                                  f"{JOIN}{a_event}")
        assert "confirmed" in joined.content, joined.content
        await until(lambda: world.query("SELECT count(*) FROM outbox WHERE event_id = ?"
                                        " AND kind = 'capacity'", (a_event,)) == [(1,)],
                    what="A's notice written")
        await fill_there(fake, other, "away filler there", b_event, b_title, timeout=5)
        await until(lambda: seats_shown(announcement_of(fake, b_channel, b_title)).startswith(
            "Full"), timeout=5, what="B's announcement full")
        await asyncio.sleep(1.0)
        assert capacity_notices(fake, a_channel, a_title) == []
        assert capacity_notices(fake, b_channel, a_title) == []
    finally:
        fake.end_outage(world.guild)
    await fake.wait_message(a_channel, lambda m: f"**{a_title}**" in m["content"]
                            and CAPACITY_REACHED in m["content"], timeout=10)
    await until(lambda: seats_shown(announcement_of(fake, a_channel, a_title)).startswith(
        "Full"), what="A's announcement full")
    await asyncio.sleep(1.5)
    assert len(capacity_notices(fake, a_channel, a_title)) == 1
    assert capacity_notices(fake, b_channel, a_title) == []
    assert [m for m in fake.messages(b_channel) if a_title in repr(m)] == []
    assert len(capacity_notices(fake, b_channel, b_title)) == 1
    assert capacity_notices(fake, a_channel, b_title) == []
    assert "Traceback" not in world.bot.output()


async def test_a_server_whose_channel_discord_fails_holds_up_no_other_server(world, fake):
    """Discord fails A's channel (502, which discord.py tries again itself, after 1, 3 and
    5 s): B's notice written meanwhile is posted at once, not after A's; A's goes out in
    A's channel once Discord takes it, and B's channel sees none of A's."""
    other, there, _ = await two_servers(world, fake, "Failland")
    a_channel, b_channel = world.guild.channel("announcements"), other.channel("announcements")
    a_title, b_title = "Failing Routing Here", "Failing Routing There"
    a_event = await world.import_event(a_title, capacity=1)
    b_event = await import_there(fake, other, there, b_title, capacity=1)
    failed_before = sum(1 for r in fake.requests if r.status == 502)
    fake.fail("POST", rf"^/channels/{a_channel.id}/messages$", status=502,
              message="Bad Gateway", count=3)
    joined = await fake.slash(world.guild, world.member("failing filler"), "rsvp join",
                              event=str(a_event))
    assert "confirmed" in joined.content, joined.content
    await until(lambda: sum(1 for r in fake.requests if r.status == 502) > failed_before,
                what="A's notice failed")
    await fill_there(fake, other, "failing filler there", b_event, b_title, timeout=2.5)
    assert capacity_notices(fake, a_channel, a_title) == []  # still being tried
    await fake.wait_message(a_channel, lambda m: f"**{a_title}**" in m["content"]
                            and CAPACITY_REACHED in m["content"], timeout=15)
    await asyncio.sleep(1.0)
    assert len(capacity_notices(fake, a_channel, a_title)) == 1
    assert len(capacity_notices(fake, b_channel, b_title)) == 1
    assert [m for m in fake.messages(b_channel) if a_title in m["content"]] == []


async def test_twin_events_are_told_apart_by_their_server(world, fake):
    """One title, one page, in A and in B: typed by title, each server finds its own;
    `/rsvp mine` lists each server's; an attendee role is given in A only; deleting and
    archiving A's leaves B's twin (its rows, announcement and Discord event) as it was."""
    other, there, _ = await two_servers(world, fake, "Twinland")
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    title = "Twin Routing Forum"
    a_event = await world.import_event(title, capacity=5, starts_at=starts)
    b_event = await import_there(fake, other, there, title, starts_at=starts)
    assert a_event != b_event
    a_message = await announce(fake, world.guild, world.moderator, a_event, title)
    b_message = await announce(fake, other, there, b_event, title)
    b_channel = other.channel("announcements")
    await until(lambda: len(fake.scheduled_events(other)) == 1
                and len(fake.scheduled_events(world.guild)) >= 1, what="Discord events")

    role_here = fake.add_role(world.guild, "Twin Attendee Here")
    role_there = fake.add_role(other, "Twin Attendee There")
    await move_role(world, bot_role(world),
                    max(r.position for r in world.guild.roles.values()) + 1)
    mine_there = next(r for r in other.roles.values() if r.bot_id is not None)
    mine_there.position = max(r.position for r in other.roles.values()) + 1
    await fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(other.id),
                                              "role": mine_there.payload()})
    for guild, role in ((world.guild, role_here), (other, role_there)):
        given = await fake.slash(guild, guild.owner, "manage role", role=role, event=title)
        assert "⚠️" not in given.content, given.content
    assert world.query("SELECT id, attendee_role_id FROM events WHERE id IN (?, ?) ORDER BY id",
                       (a_event, b_event)) == [(a_event, role_here.id), (b_event, role_there.id)]

    both = world.member("twin both")
    both_there = fake.add_member(other, user=both.user)
    joined = await fake.slash(world.guild, both, "rsvp join", event=title)
    assert "confirmed" in joined.content, joined.content
    await until(lambda: role_here in both.roles, what="A's attendee role")
    info = await fake.slash(other, both_there, "rsvp status", event=title)
    assert "confirmed" not in info.content, info.content
    assert both_there.roles == []
    assert world.query("SELECT event_id FROM rsvps WHERE user_id = ? ORDER BY event_id",
                       (both.id,)) == [(a_event,)]
    mine_here = await fake.slash(world.guild, both, "rsvp mine")
    mine_there = await fake.slash(other, both_there, "rsvp mine")
    assert title in mine_here.content, mine_here.content
    assert title not in mine_there.content, mine_there.content
    joined = await fake.slash(other, both_there, "rsvp join", event=title)
    assert "confirmed" in joined.content, joined.content
    mine_there = await fake.slash(other, both_there, "rsvp mine")
    assert mine_there.content.count(title) == 1, mine_there.content
    mine_here = await fake.slash(world.guild, both, "rsvp mine")
    assert mine_here.content.count(title) == 1, mine_here.content
    await until(lambda: role_there in both_there.roles, what="B's attendee role")
    await asyncio.sleep(0.5)
    assert both.roles == [role_here] and both_there.roles == [role_there]
    assert [r.path for r in fake.requests if r.method == "PUT" and "/roles/" in r.path] == [
        f"/guilds/{world.guild.id}/members/{both.id}/roles/{role_here.id}",
        f"/guilds/{other.id}/members/{both.id}/roles/{role_there.id}"]

    def b_rows() -> list:
        return [world.query(f"SELECT * FROM {table} WHERE event_id = ?", (b_event,))
                for table in ("rsvps", "announcement_messages")] + [
            world.query("SELECT * FROM events WHERE id = ?", (b_event,))]

    await until(lambda: seats_shown(announcement_of(fake, b_channel, title)) == (
        "Open: 4 of 5 seats left"), what="B's announcement showing the join")
    await asyncio.sleep(1.0)
    b_before, b_state = b_rows(), channel_state(fake, b_channel)
    b_discord = fake.scheduled_events(other)
    archived = await fake.slash(world.guild, world.moderator, "manage archive", event=title)
    assert "⚠️" in archived.content, archived.content  # held RSVPs, not taken place
    a_edits = len(fake.message_record(a_message).edits)
    asked = await fake.slash(world.guild, world.moderator, "manage delete", event=title)
    clicked = await fake.click(world.guild, world.moderator, asked.message,
                               next(c for c in asked.custom_ids() if ":go:" in c))
    await clicked.wait(lambda r: "Deleted" in (r.content or ""))
    await until(lambda: not any(e["name"] == title for e in fake.scheduled_events(world.guild))
                and len(fake.message_record(a_message).edits) > a_edits,
                what="A's announcement and Discord event ended")
    await asyncio.sleep(1.5)
    assert world.query("SELECT count(*) FROM events WHERE id = ?", (a_event,)) == [(0,)]
    assert b_rows() == b_before
    assert channel_state(fake, b_channel) == b_state
    assert fake.scheduled_events(other) == b_discord
    assert both_there.roles == [role_there]
    assert any(m["id"] == b_message["id"] for m in fake.messages(b_channel))
    assert a_message["id"] != b_message["id"]
    # B's twin answers to its title as before, alone now in either server
    status = await fake.slash(other, both_there, "rsvp status", event=title)
    assert "confirmed" in status.content, status.content
    gone = await fake.slash(world.guild, both, "rsvp status", event=title)
    assert "confirmed" not in gone.content, gone.content

    # Archived in A (a twin nobody holds a seat in): B's stays listed and joinable.
    a_again = await world.import_event(title, capacity=5, starts_at=starts)
    await asyncio.sleep(1.0)
    b_before, b_state = b_rows(), channel_state(fake, b_channel)
    archived = await fake.slash(world.guild, world.moderator, "manage archive", event=title)
    assert archived.content.startswith(f"Archived **{title}**"), archived.content
    assert world.query("SELECT archived FROM events WHERE id IN (?, ?) ORDER BY id",
                       (a_again, b_event)) in ([(1,), (0,)], [(0,), (1,)])
    assert world.query("SELECT archived FROM events WHERE id = ?", (b_event,)) == [(0,)]
    await asyncio.sleep(1.0)
    assert b_rows() == b_before
    assert channel_state(fake, b_channel) == b_state
    assert fake.scheduled_events(other) == b_discord

