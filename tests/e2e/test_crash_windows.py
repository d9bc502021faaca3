"""What members see when Discord carries a request out and answers with an error (its
500 and 504 may: discord.py then sends the request again), or when the bot's process dies
between Discord posting something and the bot recording it. One bot process for the
module, killed and restarted by some tests.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from sandbox import Attachment
from tests.conftest import RECAP
from tests.e2e.conftest import import_page
from tests.e2e.test_discord_failing_the_bot import recap_whose_takeaways_failed

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def eventually(predicate, timeout: float = 10.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def announcements_of(world, title: str) -> list[dict]:
    return [m for m in world.fake.messages(world.guild.channel("announcements"))
            if any(e.get("title") == title for e in m.get("embeds") or [])]


async def killed_while_announcing(world, fake, route: str, event_id: int, made) -> None:
    """The moderator announces; Discord carries out the call on `route` (`made()` says
    so) but its answer is held, and the process dies before it arrives, so before the bot
    recorded what Discord made."""
    fake.hold("POST", route, 30.0)
    asked = asyncio.ensure_future(fake.slash(world.guild, world.moderator, "manage announce",
                                             event=str(event_id), timeout=30))
    await eventually(made, what="Discord to carry out the call")
    world.bot.kill()
    asked.cancel()


async def restarted_past_its_notices(world, fake, event_id: int) -> None:
    """The killed bot started again, its claims of the event's notices expired first (as a
    minute later): returns once the new process is done with them, and a second more (a
    duplicate would come by then)."""
    world.expire_claims(event_id)
    world.start_bot()
    await fake.wait_ready(process=world.bot)
    await eventually(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                             (event_id,)), timeout=20, what="the notice done")
    await asyncio.sleep(1.0)


async def announced_once(world, fake, event_id: int, title: str) -> dict:
    """`/manage announce` says it posted, and the one announcement shown is the one
    recorded (which the refreshes keep current); returns it."""
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id), timeout=15)
    assert "Posted" in posted.content, posted.content
    [message] = announcements_of(world, title)
    assert world.query("SELECT message_id FROM announcement_messages WHERE event_id = ?",
                       (event_id,)) == [(int(message["id"]),)]
    return message


async def test_a_reminder_dm_discord_carried_out_before_its_500_arrives_once(world, fake):
    """Reminders are sent at most once (`cogs.reminders`): a 500 that Discord answered
    after posting the DM, which discord.py sends again, must not make it two."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=63)
    title = "Retried Reminder Forum"
    event_id = await world.import_event(title, capacity=5, starts_at=starts.isoformat())
    member = world.member("reminded once")
    dms = fake.dm_channel(member)
    fake.fail("POST", rf"^/channels/{dms.id}/messages$", status=500, carried_out=True)
    joined = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content, joined.content
    await fake.wait_message(dms, lambda m: title in m["content"], timeout=20)
    await eventually(lambda: not fake._faults, what="the 500 to be answered")
    await asyncio.sleep(4.0)  # discord.py's retry comes a second after the 500
    assert len([m for m in fake.dms(member) if title in m["content"]]) == 1


async def test_a_promotion_dm_discord_carried_out_is_not_sent_again_once_it_forgot_the_nonce(
        world, fake):
    """Discord posts a member's promotion DM and answers 500, as it keeps answering for a
    while (discord.py's own tries fail too): the notice is tried again a minute later, by
    when Discord may have forgotten its nonce (it remembers one a few minutes). The member
    still gets one DM telling them of their seat, not two."""
    title = "Outage Seat Forum"
    event_id = str(await world.import_event(title, capacity=1))
    holder, waiter = world.member("outage seat holder"), world.member("outage seat waiter")
    for member in (holder, waiter):
        await fake.slash(world.guild, member, "rsvp join", event=event_id)
    dms = fake.dm_channel(waiter)
    route = rf"^/channels/{dms.id}/messages$"
    fake.fail("POST", route, status=500, carried_out=True, count=5)  # discord.py tries 5 times

    def told() -> list[dict]:
        return [m for m in fake.dms(waiter) if title in m["content"]]

    def tries() -> int:
        return sum(r.method == "POST" and r.path == f"/channels/{dms.id}/messages"
                   for r in fake.requests)

    assert "cancelled" in (await fake.slash(world.guild, holder, "rsvp cancel",
                                            event=event_id)).content
    await eventually(lambda: tries() == 5, timeout=40, what="discord.py's tries, each a 500")
    assert len(told()) == 1  # the first was carried out; the rest were the same nonce
    fake.nonces_forgotten()  # minutes on: Discord no longer knows the nonce
    await eventually(lambda: "trying again in a minute" in world.bot.output(), timeout=10,
                     what="the notice left to be tried again")
    world.expire_claims(int(event_id))  # (as a minute later)
    await eventually(lambda: world.query("SELECT count(*) FROM outbox WHERE event_id = ?",
                                         (int(event_id),)) == [(0,)],
                     timeout=90, what="the notice done with")
    assert len(told()) == 1, [m["content"] for m in told()]


async def test_a_seats_full_notice_discord_carried_out_is_not_posted_again_once_it_forgot_the_nonce(
        world, fake):
    """As for a member's DM: Discord posts the channel's notice that seats ran out and
    answers 500 to each of discord.py's tries; the notice is tried again a minute later,
    once Discord has forgotten its nonce. The channel still reads it once."""
    title = "Outage Full Forum"
    event_id = str(await world.import_event(title, capacity=1))
    notices = world.guild.channel("announcements")
    route = rf"^/channels/{notices.id}/messages$"
    fake.fail("POST", route, status=500, carried_out=True, count=5)  # discord.py tries 5 times

    def said() -> list[dict]:
        return [m for m in fake.messages(notices)
                if title in m["content"] and "reached venue capacity" in m["content"]]

    def posts() -> int:
        return sum(r.method == "POST" and r.path == f"/channels/{notices.id}/messages"
                   for r in fake.requests)

    before = posts()  # (the channel's notices of other events)

    def tries() -> int:
        return posts() - before

    joined = await fake.slash(world.guild, world.member("outage full seat"), "rsvp join",
                              event=event_id)
    assert "confirmed" in joined.content, joined.content
    await eventually(lambda: tries() == 5, timeout=40, what="discord.py's tries, each a 500")
    assert len(said()) == 1  # the first was carried out; the rest were the same nonce
    fake.nonces_forgotten()  # minutes on: Discord no longer knows the nonce
    await eventually(lambda: f"capacity notice of event {event_id} " in world.bot.output(),
                     timeout=10, what="the notice left to be tried again")
    world.expire_claims(int(event_id))  # (as a minute later)
    await eventually(lambda: world.query("SELECT count(*) FROM outbox WHERE event_id = ?",
                                         (int(event_id),)) == [(0,)],
                     timeout=90, what="the notice done with")
    assert len(said()) == 1, [m["content"] for m in said()]


async def test_an_announcement_discord_carried_out_before_its_500_is_posted_once(world, fake):
    """discord.py sends a message again after a 500: the announcement must not be posted
    twice, the second copy showing a seat count nothing keeps current."""
    title = "Retried Announcement Forum"
    event_id = await world.import_event(title, capacity=5)
    notices = world.guild.channel("announcements")
    fake.fail("POST", rf"^/channels/{notices.id}/messages$", status=500, carried_out=True)
    await announced_once(world, fake, event_id, title)


async def test_an_announce_the_process_died_in_is_not_posted_twice_by_the_next(world, fake):
    """The announcement is posted, and the process dies before Discord's answer arrives,
    so before it recorded the message: the moderator's /manage announce to the restarted
    bot finds that message (the same nonce) instead of posting a second one whose buttons
    work and whose seat count nothing keeps current."""
    title = "Killed Announce Forum"
    event_id = await world.import_event(title, capacity=5)
    notices = world.guild.channel("announcements")
    await killed_while_announcing(world, fake, rf"^/channels/{notices.id}/messages$", event_id,
                                  lambda: announcements_of(world, title))
    assert world.query("SELECT count(*) FROM announcement_messages WHERE event_id = ?",
                       (event_id,)) == [(0,)]
    world.start_bot()
    await fake.wait_ready(process=world.bot)
    # A member joins before the moderator announces again: the message given back for the
    # nonce shows the seats as they were, and is brought up to date.
    await fake.slash(world.guild, world.member("before the announce"), "rsvp join",
                     event=str(event_id))
    await asyncio.sleep(2.5)  # what tells an earlier post from the new one (EARLIER_POST)
    message = await announced_once(world, fake, event_id, title)
    assert "4 of 5 seats left" in str(message["embeds"])
    # ... and it is the message kept current.
    await fake.slash(world.guild, world.member("after the kill"), "rsvp join",
                     event=str(event_id))
    await fake.wait_message(notices, lambda m: m["id"] == message["id"]
                            and "3 of 5 seats left" in str(m["embeds"]), timeout=10)


async def test_an_announcement_deleted_on_discord_is_posted_anew_at_once(world, fake):
    """A moderator deletes the announcement and announces again within the minutes Discord
    remembers a nonce: the new post is a new message, not the deleted one given back."""
    title = "Deleted Announcement Forum"
    event_id = await world.import_event(title, capacity=5)
    await fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id))
    [first] = announcements_of(world, title)
    fake._delete(fake.message_record(first))  # as the moderator does in Discord
    second = await announced_once(world, fake, event_id, title)
    assert second["id"] != first["id"]


async def test_an_announcement_deleted_and_forgotten_is_posted_anew_within_the_window(world,
                                                                                      fake):
    """The announcement deleted on Discord is forgotten by the next refresh (a join edits
    it: not found); announced again within the minutes Discord remembers the nonce, which
    then names no deleted message, the post that comes back may be the deleted one: the
    bot must show the new one, not report a post nobody can see."""
    title = "Forgotten Announcement Forum"
    event_id = await world.import_event(title, capacity=5)
    await fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id))
    [first] = announcements_of(world, title)
    fake._delete(fake.message_record(first))  # as the moderator does in Discord
    await fake.slash(world.guild, world.member("joins meanwhile"), "rsvp join",
                     event=str(event_id))
    await eventually(lambda: not world.query(
        "SELECT 1 FROM announcement_messages WHERE event_id = ?", (event_id,)),
        what="the deleted announcement to be forgotten")
    await asyncio.sleep(2.5)  # what tells an earlier post from the new one (EARLIER_POST)
    second = await announced_once(world, fake, event_id, title)
    assert second["id"] != first["id"] and "4 of 5 seats left" in str(second["embeds"])


async def test_a_recaps_takeaways_the_process_died_before_are_posted_by_the_next(world, fake):
    """The recap's notice is posted, then Discord fails its takeaways, and the process
    dies before it tries them again: the next process, finding the notice's beginning
    already in the channel, posts the takeaways that did not go out, after it, once, and
    not the beginning a second time."""
    title = "Takeaways Across The Crash"
    event_id, channel, takeaways = await recap_whose_takeaways_failed(world, fake, title)
    assert takeaways() == []
    world.bot.kill()
    await restarted_past_its_notices(world, fake, event_id)
    notices = [m for m in fake.messages(channel) if f"recap of **{title}**" in m["content"]]
    assert len(notices) == 1, [m["content"] for m in fake.messages(channel)]
    assert len(takeaways()) == 1, [m["content"] for m in fake.messages(channel)]
    assert int(takeaways()[0]["id"]) > int(notices[0]["id"])


@pytest.mark.parametrize("locale_after", [None, "zh-CN"])
async def test_a_recap_whose_takeaways_went_out_as_the_process_died_is_not_posted_again(
        world, fake, locale_after):
    """The recap's notice and its takeaways are posted, and the process dies before
    Discord's answer to the takeaways arrives: the next process, once Discord has
    forgotten their nonces, finds both in the channel and posts neither again, also when
    the server's language changed meanwhile (the takeaways went out in the old one)."""
    title = f"Takeaways Out Before The Crash {locale_after}"
    event_id = await world.import_event(title, capacity=10)
    channel = world.guild.channel("announcements")

    def notices() -> list[dict]:
        return [m for m in fake.messages(channel) if f"recap of **{title}**" in m["content"]]

    def takeaways() -> list[dict]:
        return [m for m in fake.messages(channel) if any(
            title in (e.get("title") or "") for e in m["embeds"])]

    fake.hold("POST", rf"^/channels/{channel.id}/messages$", 5.0, count=2)
    reply = await import_page(fake, world.guild, world.moderator,
                              page=Attachment("recap.txt", RECAP.read_bytes(), "text/plain"),
                              event=str(event_id))
    assert "Added the recap" in reply.content, reply.content
    await eventually(takeaways, timeout=20, what="the takeaways posted")
    world.bot.kill()  # their answer, and so the notice's acknowledgement, still held back
    fake.nonces_forgotten()
    if locale_after is not None:
        world.guild.preferred_locale = locale_after
    try:
        await restarted_past_its_notices(world, fake, event_id)
    finally:
        world.guild.preferred_locale = "en-US"
    assert len(notices()) == 1 and len(takeaways()) == 1, [m["content"] for m in
                                                          fake.messages(channel)]
    # The log gives the cause: the process before this one, not only a restored database.
    [said] = [line for line in world.bot.output().splitlines() if "already sent" in line]
    assert "an earlier process of the bot sent it" in said, said

def discord_events_of(world, title: str) -> list[int]:
    return [int(e["id"]) for e in world.fake.scheduled_events(world.guild)
            if e["name"] == title]


def recorded_discord_event(world, event_id: int) -> list[tuple]:
    return world.query("SELECT scheduled_event_id FROM events WHERE id = ?", (event_id,))


async def test_a_discord_event_discord_made_before_its_500_is_listed_once(world, fake):
    """Creating a Discord event has no nonce: a 500 Discord answered after making it, and
    discord.py's second try, must not leave the server's Events listing it twice (the copy
    nothing records would never move with the event, nor go with it)."""
    await fake.slash(world.guild, world.moderator, "manage scheduled-events", state="on")
    title = "Retried Discord Event Forum"
    event_id = await world.import_event(title, capacity=5,
                                        starts_at="2037-09-01T18:00:00+00:00")
    fake.fail("POST", rf"^/guilds/{world.guild.id}/scheduled-events$", status=500,
              carried_out=True)
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id), timeout=15)
    assert "Discord events" in posted.content, posted.content
    made = discord_events_of(world, title)
    assert len(made) == 1 and recorded_discord_event(world, event_id) == [(made[0],)]


async def test_a_discord_event_the_process_died_making_is_not_listed_twice(world, fake):
    """Discord makes the Discord event and the process dies before its answer, so before
    recording it: the restarted bot's announce leaves one listed, the one it records."""
    await fake.slash(world.guild, world.moderator, "manage scheduled-events", state="on")
    title = "Killed Discord Event Forum"
    event_id = await world.import_event(title, capacity=5,
                                        starts_at="2037-09-02T18:00:00+00:00")
    await killed_while_announcing(world, fake, rf"^/guilds/{world.guild.id}/scheduled-events$",
                                  event_id, lambda: discord_events_of(world, title))
    assert recorded_discord_event(world, event_id) == [(None,)]
    world.start_bot()
    await fake.wait_ready(process=world.bot)
    again = await fake.slash(world.guild, world.moderator, "manage announce",
                             event=str(event_id), timeout=15)
    assert "Discord events" in again.content, again.content
    made = discord_events_of(world, title)
    assert len(made) == 1 and recorded_discord_event(world, event_id) == [(made[0],)]
    assert len(announcements_of(world, title)) == 1  # and the announcement once, as above
