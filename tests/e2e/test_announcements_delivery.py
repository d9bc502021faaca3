"""How notices reach Discord, through the real bot process, with Discord's own rate limits:
a notice Discord refuses for good is tried once and dropped with one warning."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.render import CAPACITY_REACHED
from sandbox.ratelimits import DISCORD_RATE_LIMITS

pytestmark = pytest.mark.asyncio(loop_scope="module")
# Discord's own windows: one DM channel opened a second, as Discord lets a bot.
RATE_LIMITS = DISCORD_RATE_LIMITS


async def eventually(check, *, timeout: float = 15.0, what: str = "it") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, f"{what} did not happen"
        await asyncio.sleep(0.05)


def log_since(world, start: int) -> str:
    return world.bot.output()[start:]


async def test_a_capacity_notice_discord_refuses_is_tried_once_and_dropped_with_a_warning(
        world, fake):
    title = "Refused Notice Hall"
    event_id = await world.import_event(title, capacity=1)
    channels = "|".join(str(c.id) for c in world.guild.channels.values())
    # Discord refuses the post for good (what it answers a message over its limits).
    fake.fail("POST", rf"^/channels/({channels})/messages$", status=400, code=50035,
              message="Invalid Form Body")
    first, log_start = len(fake.requests), len(world.bot.output())
    reply = await fake.slash(world.guild, world.member("filler"), "rsvp join",
                             event=str(event_id))
    assert "confirmed" in reply.content, reply
    await eventually(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                             (event_id,)), what="the notice dropped")
    posts = [r for r in fake.requests[first:]
             if r.method == "POST" and re.search(rf"^/channels/({channels})/messages$", r.path)]
    assert [r.status for r in posts] == [400], posts
    assert not [m for c in world.guild.channels.values() for m in fake.messages(c)
                if f"**{title}**" in m["content"] and CAPACITY_REACHED in m["content"]]
    out = log_since(world, log_start)
    warnings = [line for line in out.splitlines() if "refused the capacity notice" in line]
    assert len(warnings) == 1, out
    assert f"event {event_id}" in warnings[0] and "50035" in warnings[0], warnings
    assert "Invalid Form Body" in warnings[0] and "WARNING" in warnings[0], warnings
    assert "Traceback" not in out, out


async def test_a_promotion_dm_discord_refuses_to_open_is_tried_once_and_dropped(world, fake):
    title = "Refused DM Hall"
    event_id = await world.import_event(title, capacity=1)
    holder, waiting = world.member("holder"), world.member("waiting")
    for member, expected in ((holder, "confirmed"), (waiting, "waitlisted")):
        reply = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        assert expected in reply.content, reply
    await eventually(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                             (event_id,)), what="the capacity notice posted")
    # Opening the DM channel is refused for good (not 403: their DMs are not just closed).
    fake.fail("POST", r"^/users/@me/channels$", status=400, code=50035,
              message="Invalid Form Body")
    first, log_start = len(fake.requests), len(world.bot.output())
    reply = await fake.slash(world.guild, holder, "rsvp cancel", event=str(event_id))
    assert "cancelled" in reply.content, reply
    await eventually(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                             (event_id,)), what="the DM notice dropped")
    opens = [r.status for r in fake.requests[first:]
             if r.method == "POST" and r.path == "/users/@me/channels"]
    assert opens == [400], opens
    assert fake.dms(waiting) == []
    out = log_since(world, log_start)
    warnings = [line for line in out.splitlines() if "refused the promoted notice" in line]
    assert len(warnings) == 1 and f"event {event_id}" in warnings[0], out
    assert "Traceback" not in out, out
