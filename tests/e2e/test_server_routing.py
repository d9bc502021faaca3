"""What the bot sends on its own goes to the server it is about: reminders, DMs and
channel notices of two servers' events, with interleaved ids, the same member in both
and twin events (one title, one page) in each, through the real bot process and the
local Discord."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest

from sandbox import Attachment
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page
from tests.e2e.test_reminders_roles_schedules import reminders_to
from tests.e2e.test_server_isolation import two_servers

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def import_there(fake, guild, moderator, title: str, page: bytes | None = None,
                       **options) -> int:
    """`World.import_event` in another server: an event made there by its moderator."""
    page = page if page is not None else title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT
    reply = await import_page(fake, guild, moderator, title=title,
                              page=Attachment("announcement.txt", page, "text/plain"),
                              **{"capacity": 5, **options})
    match = re.search(r"\(event (\d+)\)", reply.content or "")
    assert match, reply
    return int(match[1])


async def test_a_member_confirmed_for_two_events_at_one_start_gets_both_reminders(world, fake):
    """Two events, in two servers (and two in one), begin at one moment: the member
    confirmed for all three gets a reminder of each, not one for the first sent and none
    for the rest as if already reminded."""
    other, there, _ = await two_servers(world, fake, "Dawnland")
    for guild, moderator in ((world.guild, world.moderator), (other, there)):
        await fake.slash(guild, moderator, "manage reminders", minutes="1")
    try:
        starts = (datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=65)).isoformat()
        titles = ["Routing Dawn Here", "Routing Dawn There", "Routing Dawn Again"]
        ids = [await world.import_event(titles[0], capacity=5, starts_at=starts)]
        ids.append(await import_there(fake, other, there, titles[1], starts_at=starts))
        ids.append(await world.import_event(titles[2], capacity=5, starts_at=starts))
        member = world.member("dawn goer")
        member_there = fake.add_member(other, user=member.user)
        for who, event_id in zip((member, member_there, member), ids, strict=True):
            joined = await fake.slash(who.guild, who, "rsvp join", event=str(event_id))
            assert "confirmed" in joined.content, joined.content
        for title in titles:
            await fake.wait_message(fake.dm_channel(member), lambda m, t=title: t in m["content"]
                                    and "Reminder" in m["content"], timeout=20)
        await asyncio.sleep(1.0)
        assert [len(reminders_to(fake, member, t)) for t in titles] == [1, 1, 1]
        assert "already reminded" not in world.bot.output()
    finally:  # the default again, for the module's other tests
        for guild, moderator in ((world.guild, world.moderator), (other, there)):
            await fake.slash(guild, moderator, "manage reminders", minutes="1440,60")


async def test_a_member_of_two_servers_is_reminded_of_each_ones_event_of_one_title(world, fake):
    """Two servers import the same page (one talk, its title and start alike in both):
    the member confirmed in both gets each server's reminder, not the first one only, the
    second taken for it as if a restored database had forgotten it was sent."""
    other, there, _ = await two_servers(world, fake, "Twinland")
    for guild, moderator in ((world.guild, world.moderator), (other, there)):
        await fake.slash(guild, moderator, "manage reminders", minutes="1")
    try:
        starts = (datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=65)).isoformat()
        title = "Routing Twin Talk"
        ids = [await world.import_event(title, capacity=5, starts_at=starts),
               await import_there(fake, other, there, title, starts_at=starts)]
        member = world.member("twin goer")
        member_there = fake.add_member(other, user=member.user)
        for who, event_id in zip((member, member_there), ids, strict=True):
            joined = await fake.slash(who.guild, who, "rsvp join", event=str(event_id))
            assert "confirmed" in joined.content, joined.content
        await fake.wait_message(fake.dm_channel(member), lambda m: title in m["content"]
                                and "Reminder" in m["content"], timeout=20)
        await eventually_reminded(fake, member, title, 2)
        assert "already reminded" not in world.bot.output()
    finally:  # the default again, for the module's other tests
        for guild, moderator in ((world.guild, world.moderator), (other, there)):
            await fake.slash(guild, moderator, "manage reminders", minutes="1440,60")


async def eventually_reminded(fake, member, title: str, times: int) -> None:
    """`member` has `times` reminders of `title`, within 10 s, and no more a second on."""
    for _ in range(100):
        if len(reminders_to(fake, member, title)) >= times:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    assert len(reminders_to(fake, member, title)) == times, reminders_to(fake, member, title)
