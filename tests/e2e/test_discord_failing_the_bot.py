"""Discord failing the bot's own calls (a 5xx it answers now and then) on the paths a member
or moderator waits on: the failure is said as Discord's, in one line, and what it cut short
is carried out once Discord answers again, once."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from sandbox import Attachment
from tests.conftest import RECAP
from tests.e2e.conftest import import_page, until
from tests.e2e.test_reminders_roles_schedules import role_the_bot_may_give

pytestmark = pytest.mark.asyncio(loop_scope="module")

UNAVAILABLE = {"status": 503, "message": "Service Unavailable"}


def log_since(world, start: int) -> str:
    return world.bot.output()[start:]


async def test_an_announce_discord_fails_is_said_as_discords_and_is_safe_to_repeat(
        world, fake):
    """Discord answers the announcement's post with a 503 (which discord.py does not try
    again): the moderator is told Discord failed and to try again, not that the bot went
    wrong, and the log has one warning, not an error with a traceback. The next announce
    posts the event once."""
    title = "Failed Announce Hall"
    event_id, reply = await announce_failing(world, fake, title, "503", **UNAVAILABLE)
    assert "Discord" in reply.content and "try again" in reply.content, reply.content
    await posted_once_again(world, fake, title, event_id)


async def test_an_announce_whose_connection_drops_is_said_as_unreachable_and_safe_to_repeat(
        world, fake):
    """The connection carrying the announcement's post closes without an answer (a reset,
    a proxy dropping it), after Discord posted it: the moderator is told Discord could not
    be reached and to check and try again, not that the bot went wrong, and the log has one
    warning, not an error with a traceback. The next announce finds the post (its nonce)
    and posts the event once."""
    title = "Dropped Announce Hall"
    event_id, reply = await announce_failing(world, fake, title, "could not reach Discord",
                                             disconnect=True, carried_out=True)
    assert "reach Discord" in reply.content and "try again" in reply.content, reply.content
    await posted_once_again(world, fake, title, event_id)


async def announced(world, fake, title: str):
    """A new event `title`, announced: its id, the announcements channel, the post."""
    event_id = await world.import_event(title, capacity=5)
    channel = world.guild.channel("announcements")
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id))
    assert "Posted" in posted.content, posted.content
    [message] = [m for m in fake.messages(channel)
                 if any(e.get("title") == title for e in m["embeds"])]
    return event_id, channel, message


async def announce_failing(world, fake, title: str, logged: str, **failure):
    """A new event `title` announced while its post fails with `failure`: answered as
    Discord's failure, only to the moderator, not as the bot's; logged as one warning
    holding `logged`, with no error or traceback. The event's id and the reply."""
    event_id = await world.import_event(title, capacity=5)
    channel = world.guild.channel("announcements")
    fake.fail("POST", rf"^/channels/{channel.id}/messages$", **failure)
    start = len(world.bot.output())
    reply = await fake.slash(world.guild, world.moderator, "manage announce",
                             event=str(event_id))
    assert reply.ephemeral, reply
    assert "on my side" not in reply.content, reply.content
    out = log_since(world, start)
    assert "Traceback" not in out and " ERROR " not in out, out
    said = [line for line in out.splitlines() if logged in line]
    assert len(said) == 1 and "WARNING" in said[0] and "manage announce" in said[0], out
    return event_id, reply


async def posted_once_again(world, fake, title: str, event_id: int) -> None:
    """Announced again, the event is posted, and once in all."""
    again = await fake.slash(world.guild, world.moderator, "manage announce",
                             event=str(event_id))
    assert "Posted" in again.content, again.content
    posted = [m for m in fake.messages(world.guild.channel("announcements"))
              if any(e.get("title") == title for e in m["embeds"])]
    assert len(posted) == 1, posted


@pytest.mark.parametrize("limited", [
    {"edge_ban": True, "retry_after": 1800},  # Cloudflare's ban: discord.py raises it at once
    {"retry_after": 0.2, "count": 5},  # Discord's 429s, past discord.py's five tries
], ids=["edge ban", "429 storm"])
async def test_an_announce_discord_rate_limits_says_when_to_try_again(world, fake, limited):
    """Discord holds the announcement's post back with a 429 that reaches the bot: the
    moderator is told Discord is limiting the bot's requests and when to try again (by its
    Retry-After, as a Discord timestamp each client shows in its own words), not that the
    bot went wrong; the log has one warning, not an error with a traceback."""
    asked = time.time()
    _, reply = await announce_failing(world, fake, f"Rate Limited Hall {limited}",
                                      "rate-limited", status=429, **limited)
    assert "limiting my requests" in reply.content and "try again" in reply.content, (
        reply.content)
    when = re.search(r"<t:(\d+):R>", reply.content)
    assert when, reply.content
    retry_after = max(1, round(limited["retry_after"]))  # (the Retry-After header)
    assert asked + retry_after - 2 <= int(when[1]) <= time.time() + retry_after + 1, when


async def test_an_announce_into_a_channel_deleted_meanwhile_says_to_pick_another(world, fake):
    """The announcements channel is deleted between the bot's look at it and its post
    (Discord answers 404 Unknown Channel): the moderator is told the channel is gone and
    how to pick another, not that the bot went wrong; nothing is recorded as posted."""
    event_id = await world.import_event("Vanished Channel Forum", capacity=5)
    channel = world.guild.channel("announcements")
    fake.fail("POST", rf"^/channels/{channel.id}/messages$", status=404, code=10003,
              message="Unknown Channel")
    start = len(world.bot.output())
    reply = await fake.slash(world.guild, world.moderator, "manage announce",
                             event=str(event_id))
    assert reply.ephemeral, reply
    assert reply.content == ("⚠️ #announcements was deleted before I could post there; "
                             "pick another with the channel option or /manage channel."), (
        reply.content)
    out = log_since(world, start)
    assert "Traceback" not in out and " ERROR " not in out, out
    assert world.query("SELECT COUNT(*) FROM announcement_messages WHERE event_id = ?",
                       (event_id,)) == [(0,)]


async def recap_whose_takeaways_failed(world, fake, title: str):
    """An event of `title` whose recap is imported while Discord answers 503 to the post
    of its takeaways (embeds alone, with no content: the notice before them passes), once
    the deliverer has had that answer: the event, the channel, and its takeaways' posts."""
    event_id = await world.import_event(title, capacity=10)
    channel = world.guild.channel("announcements")
    fake.fail("POST", rf"^/channels/{channel.id}/messages$", body={"content": None},
              **UNAVAILABLE)
    reply = await import_page(fake, world.guild, world.moderator,
                              page=Attachment("recap.txt", RECAP.read_bytes(), "text/plain"),
                              event=str(event_id))
    assert "Added the recap" in reply.content, reply.content
    await until(lambda: any(r.status == 503 for r in fake.requests
                            if r.path == f"/channels/{channel.id}/messages"),
                what="the takeaways' post failed")
    await asyncio.sleep(1.0)  # the deliverer's answer to it

    def takeaways() -> list[dict]:
        return [m for m in fake.messages(channel) if any(
            "Uncertain Future" in (e.get("description") or "") for e in m["embeds"])]

    return event_id, channel, takeaways


async def test_a_recaps_takeaways_discord_fails_are_posted_once_it_answers(world, fake):
    """The recap's notice is posted, then Discord fails its takeaways (a 503): they are
    posted once Discord answers again, after the notice, which is not posted twice; the
    log says it in a warning, with no traceback."""
    title = "Failed Takeaways Forum"
    start = len(world.bot.output())
    event_id, channel, takeaways = await recap_whose_takeaways_failed(world, fake, title)
    world.expire_claims(event_id)  # (as a minute later)
    await until(lambda: takeaways(), timeout=20, what="the takeaways posted")
    await asyncio.sleep(1.0)
    notices = [m for m in fake.messages(channel) if f"recap of **{title}**" in m["content"]]
    assert len(notices) == 1, [m["content"] for m in fake.messages(channel)]
    assert len(takeaways()) == 1
    assert int(takeaways()[0]["id"]) > int(notices[0]["id"])
    assert not world.query("SELECT 1 FROM outbox WHERE event_id = ?", (event_id,))
    out = log_since(world, start)
    assert "Traceback" not in out and " ERROR " not in out, out


async def test_a_recaps_takeaways_posted_after_a_language_change_read_as_its_notice(
        world, fake):
    """As above, but the server's language changes before Discord answers again: the
    takeaways came in the new language under the notice posted in the old, one post in
    two languages."""
    title = "Takeaways Across The Switch"
    event_id, channel, takeaways = await recap_whose_takeaways_failed(world, fake, title)
    try:
        chosen = await fake.slash(world.guild, world.moderator, "manage language",
                                  language="zh-CN")
        assert "中文" in chosen.content, chosen.content
        world.expire_claims(event_id)  # (as a minute later)
        await until(lambda: takeaways(), timeout=20, what="the takeaways posted")
    finally:
        await fake.slash(world.guild, world.moderator, "manage language", language="en-US")
    notices = [m for m in fake.messages(channel) if f"recap of **{title}**" in m["content"]]
    assert len(notices) == 1, [m["content"] for m in fake.messages(channel)]
    titles = [e.get("title") for m in takeaways() for e in m["embeds"]]
    assert titles and all(t.startswith("Key takeaways") for t in titles), titles


async def granted_after_a_wait(world, fake, name: str, **fault):
    """A member joins an event with an attendee role whose grant to them Discord fails as
    `fault` says (`fake.fail`): once the role is given, without another change to the
    event, the role, the grant's statuses and what the bot logged meanwhile."""
    role = await role_the_bot_may_give(world, fake, f"{name} Grant Attendee")
    event_id = await world.import_event(f"{name} Grant Hall", capacity=10)
    await fake.slash(world.guild, world.guild.owner, "manage role", role=role,
                     event=str(event_id))
    member = world.member(f"{name.lower()} grant member")
    route = rf"^/guilds/{world.guild.id}/members/{member.id}/roles/{role.id}$"
    fake.fail("PUT", route, **fault)
    start = len(world.bot.output())
    joined = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content, joined
    await until(lambda: role in member.roles, timeout=30, what="the role given after a wait")
    grants = [r.status for r in fake.requests if r.method == "PUT" and re.search(route, r.path)]
    return role, grants, log_since(world, start)


async def test_a_role_grant_discord_fails_is_made_again_without_another_change(world, fake):
    """Discord fails giving a member the event's attendee role (a 503): the role is given
    after a wait, though nobody else joins the event, where it waited for the event's next
    change, which may never come; a warning says so, with no traceback."""
    _, grants, out = await granted_after_a_wait(world, fake, "Failed", **UNAVAILABLE)
    assert grants == [503, 204], grants
    assert "Traceback" not in out and " ERROR " not in out, out


async def test_a_role_grant_whose_connection_drops_is_made_again_without_another_change(
        world, fake):
    """The connection carrying a member's attendee role grant closes without an answer (a
    reset, a proxy dropping it): as after Discord's 5xx, the role is given after a wait,
    though nobody else joins the event, and a warning says so, with no traceback."""
    # (aiohttp itself tries a PUT twice)
    role, grants, out = await granted_after_a_wait(world, fake, "Dropped", disconnect=True,
                                                   count=2)
    assert grants == [444, 444, 204], grants
    assert "Traceback" not in out and " ERROR " not in out, out
    said = [line for line in out.splitlines() if "could not reach Discord" in line]
    assert len(said) == 1 and "WARNING" in said[0] and str(role.id) in said[0], out[-3000:]


async def test_an_announcement_refresh_whose_connection_drops_is_made_after_a_wait(
        world, fake):
    """The connection carrying an announcement's refresh (a member joined) closes without
    an answer: the refresh is made again after a wait, and the log says so in one warning,
    not as a defect with a traceback."""
    title = "Dropped Refresh Hall"
    event_id, channel, message = await announced(world, fake, title)
    edits = rf"^/channels/{channel.id}/messages/{message['id']}$"
    fake.fail("PATCH", edits, disconnect=True)
    start = len(world.bot.output())
    joined = await fake.slash(world.guild, world.member("dropped refresh member"), "rsvp join",
                              event=str(event_id))
    assert "confirmed" in joined.content, joined
    await fake.wait_message(channel, lambda m: m["id"] == message["id"]
                            and "4 of 5 seats left" in str(m["embeds"]), timeout=20)
    tries = [r.status for r in fake.requests if r.method == "PATCH" and re.search(edits, r.path)]
    assert tries == [444, 200], tries
    out = log_since(world, start)
    assert "Traceback" not in out and " ERROR " not in out, out
    said = [line for line in out.splitlines() if "could not reach Discord" in line]
    assert len(said) == 1 and "WARNING" in said[0] and str(message["id"]) in said[0], out


async def test_an_announcement_refresh_met_by_a_ban_is_not_tried_again_until_it_lifts(
        world, fake):
    """Discord's edge bans the bot's address (a 429 without Discord's headers, which
    discord.py does not wait out) as an announcement is refreshed after a join: no edit is
    tried again until the ban's Retry-After has passed, as each call made into a ban
    lengthens it (where the refresh was tried again after 4 s, 8 s, ... all through it),
    and the announcement shows the join once it has."""
    title = "Banned Refresh Hall"
    event_id, channel, message = await announced(world, fake, title)
    edits = rf"^/channels/{channel.id}/messages/{message['id']}$"
    fake.fail("PATCH", edits, status=429, edge_ban=True, retry_after=15, count=1000)
    first = len(fake.requests)

    def tried() -> list[int]:
        return [r.status for r in fake.requests[first:]
                if r.method == "PATCH" and re.search(edits, r.path)]

    loop = asyncio.get_running_loop()
    joined = await fake.slash(world.guild, world.member("banned refresh member"), "rsvp join",
                              event=str(event_id))
    assert "confirmed" in joined.content, joined
    await until(lambda: tried(), what="the refresh tried")
    banned_at = loop.time()
    await asyncio.sleep(13.0)  # the refresh's retries after 4 s and 8 s more, in the ban
    assert tried() == [429], tried()
    fake.clear_faults()  # the ban lifts, and its 15 s are over
    await asyncio.sleep(max(0.0, banned_at + 16.0 - loop.time()))
    await fake.wait_message(channel, lambda m: m["id"] == message["id"]
                            and "4 of 5 seats left" in str(m["embeds"]), timeout=40)
    assert tried()[-1] == 200 and tried().count(429) == 1, tried()
