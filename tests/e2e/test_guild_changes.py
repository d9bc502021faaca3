"""A server changing under the running bot, through the real bot process: Discord losing
it for a while (an outage), the bot removed from it, and what the bot owes it then."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.render import CAPACITY_REACHED

pytestmark = pytest.mark.asyncio(loop_scope="module")


def capacity_notices(fake, channel, title: str) -> list[dict]:
    return [m for m in fake.messages(channel)
            if f"**{title}**" in m["content"] and CAPACITY_REACHED in m["content"]]


async def until(check, timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_a_notice_of_a_server_in_an_outage_is_posted_once_the_server_is_back(
        world, fake):
    """Discord fails the capacity notice (a 503), then loses the server (an outage) while
    the bot restarts: the new process finds the server listed as unavailable, with none
    of its channels. The notice waits for the server instead of being dropped, and is
    posted once when it comes back."""
    guild, title = world.guild, "Outage Lecture"
    event_id = await world.import_event(title, capacity=1)
    channel = guild.channel("announcements")
    path = rf"^/channels/{channel.id}/messages$"
    fake.fail("POST", path, status=503, message="Service Unavailable")
    failed_before = sum(1 for r in fake.requests if r.method == "POST" and r.status == 503)
    joined = await fake.slash(guild, world.member("outage filler"), "rsvp join",
                              event=str(event_id))
    assert "confirmed" in joined.content, joined
    await until(lambda: sum(1 for r in fake.requests if r.method == "POST"
                            and r.status == 503) > failed_before, what="the failed post")

    fake.outage(guild)
    await world.restart_bot()  # the stop gives the claimed notice back; the start claims it
    await asyncio.sleep(3.0)  # past on_ready, which gives up waiting for the server
    assert capacity_notices(fake, channel, title) == []
    assert world.query("SELECT count(*) FROM outbox WHERE event_id = ? AND kind = 'capacity'",
                       (event_id,)) == [(1,)]

    fake.end_outage(guild)
    await fake.wait_message(channel, lambda m: f"**{title}**" in m["content"]
                            and CAPACITY_REACHED in m["content"], timeout=10)
    await asyncio.sleep(1.0)
    assert len(capacity_notices(fake, channel, title)) == 1

