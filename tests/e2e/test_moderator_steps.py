"""Moderator actions of several steps, through the real bot: what can be refused is refused
before anything is posted or written, and a retry after a failed step makes no duplicate."""

from __future__ import annotations

import asyncio
import copy
import re
import sqlite3
from datetime import UTC, datetime

import aiohttp
import pytest

from sandbox import Attachment
from sandbox.ratelimits import DISCORD_RATE_LIMITS, RateLimiter
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_button, import_page

pytestmark = pytest.mark.asyncio(loop_scope="module")

CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
ORIGINAL = r"^/webhooks/\d+/[^/]+/messages/@original$"  # a deferral's answer, an edit
FAR_TIMES = ("9999-12-31T23:00Z", "0001-01-01T00:30+01:00")


def announcements_of(fake, channel, title: str) -> list[dict]:
    return [m for m in fake.messages(channel) if any(e.get("title") == title
                                                     for e in m["embeds"])]


async def test_an_import_with_a_far_start_is_refused_and_writes_nothing(world, fake):
    event_id = await world.import_event("Near Forum", capacity=5)
    before = world.dump()
    for starts_at in FAR_TIMES:
        for target in ({}, {"event": str(event_id)}):
            reply = await import_page(fake, world.guild, world.moderator,
                page=Attachment("far.txt", b"Far Forum\n\n" + OPEN_ANNOUNCEMENT, "text/plain"),
                title="Far Forum", starts_at=starts_at, **target)
            assert reply.ephemeral and reply.content.startswith("⚠️"), reply
            assert "between the years 2000 and 2100" in reply.content, reply
            assert "\n" not in reply.content and "went wrong" not in reply.content
    assert world.dump() == before


async def test_announcing_an_event_with_a_far_start_saved_earlier_posts_nothing(world, fake):
    channel = world.guild.channel("announcements")
    event_id = await world.import_event("Far Saved Forum", capacity=5)
    far = int(datetime(9999, 12, 31, 23, 0, tzinfo=UTC).timestamp())
    conn = sqlite3.connect(world.db_path)  # as a bot from before the check could save it
    with conn:
        conn.execute("UPDATE events SET starts_at = ? WHERE id = ?", (far, event_id))
    conn.close()
    posted_before = len(fake.messages(channel))
    scheduled_before = len(fake.scheduled_events(world.guild))
    reply = await fake.slash(world.guild, world.moderator, "manage announce",
                             event=str(event_id), channel=channel)
    assert reply.ephemeral and reply.content.startswith("⚠️"), reply
    assert "between the years 2000 and 2100" in reply.content, reply
    assert len(fake.messages(channel)) == posted_before
    assert len(fake.scheduled_events(world.guild)) == scheduled_before
    assert world.query("SELECT count(*) FROM announcement_messages WHERE event_id = ?",
                       (event_id,)) == [(0,)]


async def test_a_retry_after_the_discord_event_failed_posts_no_second_announcement(world,
                                                                                    fake):
    channel = world.guild.channel("announcements")
    title = "Scheduled Retry Forum"
    event_id = await world.import_event(title, capacity=5, starts_at="2037-05-06T18:00+02:00")
    fake.fail("POST", rf"^/guilds/{world.guild.id}/scheduled-events$", status=400, code=50035,
              message="Invalid Form Body")
    first = await fake.slash(world.guild, world.moderator, "manage announce",
                             event=str(event_id), channel=channel)
    assert "Posted" in first.content and "Discord refused" in first.content, first
    assert [e for e in fake.scheduled_events(world.guild) if e["name"] == title] == []
    again = await fake.slash(world.guild, world.moderator, "manage announce",
                             event=str(event_id), channel=channel)
    assert "earlier" in again.content and "Discord events" in again.content, again
    assert len(announcements_of(fake, channel, title)) == 1
    assert len([e for e in fake.scheduled_events(world.guild) if e["name"] == title]) == 1


async def test_a_retry_after_the_announce_reply_failed_posts_no_second_announcement(world,
                                                                                    fake):
    channel = world.guild.channel("announcements")
    title = "Lost Announce Reply Forum"
    event_id = await world.import_event(title, capacity=5)
    # The command answers at once (deferred), posts, then its reply is refused as past the
    # token's life: the moderator never sees it work, and the bot does not answer again
    # (with that token, an error line would be refused the same way).
    fake.fail("PATCH", ORIGINAL, status=401, code=50027, message="Invalid Webhook Token")
    with pytest.raises(TimeoutError, match="deferred response to be filled"):
        await fake.slash(world.guild, world.moderator, "manage announce",
                         event=str(event_id), channel=channel, timeout=3)
    assert len(announcements_of(fake, channel, title)) == 1
    again = await fake.slash(world.guild, world.moderator, "manage announce",
                             event=str(event_id), channel=channel)
    assert again.ephemeral and "earlier" in again.content, again
    [message] = announcements_of(fake, channel, title)
    assert [c["custom_id"] for row in message["components"] for c in row["components"]] == [
        f"eventbot:rsvp:join:{event_id}", f"eventbot:rsvp:cancel:{event_id}"]
    # Deleted on Discord meanwhile (its edit is refused as unknown): it is posted anew.
    fake.fail("PATCH", rf"^/channels/{channel.id}/messages/{message['id']}$", status=404,
              code=10008, message="Unknown Message")
    anew = await fake.slash(world.guild, world.moderator, "manage announce",
                            event=str(event_id), channel=channel)
    assert anew.content.startswith("Posted") and "earlier" not in anew.content, anew
    assert len(announcements_of(fake, channel, title)) == 2
    assert world.query("SELECT count(*) FROM announcement_messages WHERE event_id = ?",
                       (event_id,)) == [(1,)]


async def test_two_announces_at_once_post_one_announcement_and_one_discord_event(world, fake):
    """A double submit: both used to find no announcement and no Discord event yet, and
    each posted one; the Discord event the store forgot outlived /manage delete."""
    channel = world.guild.channel("announcements")
    title = "Double Submit Forum"
    event_id = await world.import_event(title, capacity=5, starts_at="2037-12-01 18:00")
    replies = await asyncio.gather(*(
        fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id),
                   channel=channel) for _ in range(3)))
    contents = [reply.content for reply in replies]
    posted = [c for c in contents if c.startswith(f"Posted **{title}** in <#{channel.id}>.")]
    assert len(posted) == 1 and sum("earlier; I updated that message" in c
                                    for c in contents) == 2, contents
    assert len(announcements_of(fake, channel, title)) == 1
    assert len([e for e in fake.scheduled_events(world.guild) if e["name"] == title]) == 1
    assert world.query("SELECT count(*) FROM announcement_messages WHERE event_id = ?",
                       (event_id,)) == [(1,)]


async def delete_behind_an_announce(world, fake, event_id: int, slow: str):
    """Announce the event while Discord answers the call `slow` names (a POST's path) after
    1.5 s (a rate limit's wait), and meanwhile confirm its deletion, which waits for the
    announce: the announce's task and the deletion's reply."""
    asked = await fake.slash(world.guild, world.moderator, "manage delete", event=str(event_id))
    confirm, _ = asked.custom_ids()
    fake.fail("POST", slow, status=429, retry_after=1.5)
    announcing = asyncio.create_task(fake.slash(world.guild, world.moderator, "manage announce",
                                                event=str(event_id),
                                                channel=world.guild.channel("announcements")))
    await asyncio.sleep(0.5)
    return announcing, await fake.click(world.guild, world.moderator, asked.message, confirm)


async def test_a_delete_during_an_announce_leaves_no_discord_event_behind(world, fake):
    """The announce makes its Discord event while the moderator confirms the deletion:
    the deletion waits for it and removes it, where it used to read no Discord event yet."""
    title = "Short Lived Forum"
    event_id = await world.import_event(title, capacity=5, starts_at="2037-12-02 18:00")
    announcing, clicked = await delete_behind_an_announce(world, fake, event_id,
                                                          r"^/guilds/\d+/scheduled-events$")
    done = await clicked.wait(lambda r: "Deleted" in (r.content or ""), timeout=15)
    assert f"Deleted **{title}**" in done.content, done.content
    await announcing
    deadline = asyncio.get_running_loop().time() + 10
    while [e for e in fake.scheduled_events(world.guild) if e["name"] == title]:
        assert asyncio.get_running_loop().time() < deadline, fake.scheduled_events(world.guild)
        await asyncio.sleep(0.1)


async def test_an_announce_that_waited_for_a_deletion_posts_nothing(world, fake):
    """A second announce, asked while a deletion waits behind the first, found the event
    when it was asked; by its turn the event is gone: it says so and posts nothing (with
    Discord events off, nothing else it reads would notice)."""
    channel = world.guild.channel("announcements")
    title = "Gone Before Its Turn Forum"
    event_id = await world.import_event(title, capacity=5, starts_at="2037-12-03 18:00")
    await fake.slash(world.guild, world.moderator, "manage scheduled-events", state="off")
    try:
        # The first announce holds the event's steps while Discord answers its post.
        first, clicked = await delete_behind_an_announce(
            world, fake, event_id, rf"^/channels/{channel.id}/messages$")
        await asyncio.sleep(0.2)  # the deletion waits for the first announce
        second = await fake.slash(world.guild, world.moderator, "manage announce",
                                  event=str(event_id), channel=channel, timeout=15)
        assert (await first).content.startswith(f"Posted **{title}**"), first
        done = await clicked.wait(lambda r: "Deleted" in (r.content or ""), timeout=15)
        assert f"Deleted **{title}**" in done.content, done.content
        assert second.ephemeral and second.content.startswith("⚠️"), second
        assert f"There is no event {event_id} in this server" in second.content, second
        assert len(posts_of(fake, channel, title)) == 1  # the first's: the second posted none
    finally:
        await fake.slash(world.guild, world.moderator, "manage scheduled-events", state="on")


def posts_of(fake, channel, title: str) -> list:
    """The bot's successful posts of `title`'s announcement into `channel`."""
    return [r for r in fake.requests if r.method == "POST" and r.status == 200
            and r.path == f"/channels/{channel.id}/messages" and isinstance(r.json, dict)
            and any(e.get("title") == title for e in r.json.get("embeds") or [])]


async def test_a_retry_after_the_import_reply_failed_makes_no_second_event(world, fake):
    title = "Lost Import Reply Forum"
    page = Attachment("lost.txt", b"Lost Reply\n\n" + OPEN_ANNOUNCEMENT, "text/plain")
    # Import saved the event, but the preview could not be turned into the reply.
    preview = await fake.slash(world.guild, world.moderator, "manage import", page=page,
                               title=title, capacity=7)
    fake.fail("PATCH", ORIGINAL, status=404, code=10062, message="Unknown interaction")
    first = await fake.click(world.guild, world.moderator, preview.message,
                             import_button(preview))
    await asyncio.sleep(1.0)  # the save, and its refused reply
    assert "Created" not in (first.content or ""), first  # the moderator never saw it work
    # The retry: the same page, but as a moderator re-saves it, with other line breaks.
    respaced = Attachment("lost.txt", b"Lost Reply\r\n\r\n\r\n" + OPEN_ANNOUNCEMENT.replace(
        b"\n\n", b"\n \n"), "text/plain")
    again = await import_page(fake, world.guild, world.moderator, page=respaced,
                             title=title, capacity=7)
    assert again.ephemeral and "already imported" in again.content, again
    rows = world.query("SELECT id, slug FROM events WHERE guild_id = ? AND title = ?",
                       (world.guild.id, title))
    assert len(rows) == 1 and not rows[0][1].endswith("-2"), rows
    assert f"(event {rows[0][0]})" in again.content


async def test_no_time_overflowed_in_the_bot(world):
    output = world.bot.output()
    assert "OverflowError" not in output, output[-3000:]


async def test_announcing_into_a_channel_whose_sends_are_spent_still_answers_in_time(world,
                                                                                    fake):
    """Discord allows 5 sends per 5 s in a channel: when another process of the bot (or a
    busy moment) has spent them, posting waits out the window, longer than the 3 s an
    interaction has for its first answer. The command answers first, then posts."""
    channel = world.guild.channel("announcements")
    title = "Busy Channel Forum"
    event_id = await world.import_event(title, capacity=5)
    shortened, fake.rate_limiter = fake.rate_limiter, RateLimiter(DISCORD_RATE_LIMITS)
    try:
        headers = {"Authorization": f"Bot {fake.token}"}
        async with aiohttp.ClientSession(headers=headers) as http:
            for i in range(5):
                async with http.post(f"{fake.api_base}/channels/{channel.id}/messages",
                                     json={"content": f"busy {i}"}) as resp:
                    assert resp.status == 200
        reply = await fake.slash(world.guild, world.moderator, "manage announce",
                                 event=str(event_id), channel=channel, timeout=15.0)
    finally:
        fake.rate_limiter = shortened
    assert reply.deferred and reply.ephemeral and "Posted" in reply.content, reply
    assert len(announcements_of(fake, channel, title)) == 1


async def test_an_announcement_discord_refuses_to_edit_holds_up_no_other_nor_itself(
        world, fake):
    title = "Twice Announced Forum"
    event_id = await world.import_event(title, capacity=10)
    lost, limited = world.guild.channel("general"), world.guild.channel("announcements")
    for channel in (lost, limited):
        posted = await fake.slash(world.guild, world.moderator, "manage announce",
                                  event=str(event_id), channel=channel)
        assert posted.content.startswith("Posted"), posted
    [in_lost], [in_limited] = announcements_of(fake, lost, title), announcements_of(
        fake, limited, title)
    shown, lost_shown = copy.deepcopy(in_limited["embeds"]), copy.deepcopy(in_lost["embeds"])
    # The bot may no longer edit in one channel; in the other Discord refuses one edit for
    # a while (its limit on edits of old messages).
    lost_path = rf"^/channels/{lost.id}/messages/{in_lost['id']}$"
    fake.fail("PATCH", lost_path, status=403, code=50001, message="Missing Access")
    fake.fail("PATCH", rf"^/channels/{limited.id}/messages/{in_limited['id']}$", status=400,
              code=30046, message="Maximum number of edits to messages older than 1 hour "
              "reached. Try again later")
    first_request = len(fake.requests)
    joined = await fake.slash(world.guild, world.member(), "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content
    # Edited again later without any other change, though the first channel refused it.
    edited = await fake.wait_message(limited, lambda m: m["id"] == in_limited["id"]
                                     and m["embeds"] != shown, timeout=15)
    assert edited["embeds"][0]["title"] == title
    tries = [r.status for r in fake.requests[first_request:]
             if r.method == "PATCH" and re.search(lost_path, r.path)]
    assert tries == [403]  # refused for good: not tried again until the next change
    # The next change tries it again (and the channel is open to the bot once more).
    await fake.slash(world.guild, world.member(), "rsvp join", event=str(event_id))
    await fake.wait_message(lost, lambda m: m["id"] == in_lost["id"]
                            and m["embeds"] != lost_shown, timeout=15)


async def test_an_announce_answered_late_makes_its_discord_event_where_an_edit_moved_it(
        world, fake):
    """Discord holds the announce's first answer (a rate limit) while another moderator
    moves the event and gives it a venue: the Discord event the announce then makes is at
    the new time and place. It used to be made from the event as the command first read
    it, and nothing moved it after."""
    channel = world.guild.channel("announcements")
    title = "Moved While Announced Forum"
    event_id = await world.import_event(title, capacity=5, starts_at="2037-12-01T18:00+00:00")
    fake.fail("POST", CALLBACK, status=429, retry_after=2.0)  # the announce's deferral
    announcing = asyncio.create_task(fake.slash(world.guild, world.moderator, "manage announce",
                                                event=str(event_id), channel=channel,
                                                timeout=15))
    await asyncio.sleep(0.4)
    other = world.member("moving moderator", manage_events=True)
    form = await fake.slash(world.guild, other, "manage edit", event=str(event_id))
    moved = await fake.submit_modal(form, {"start": "2037-12-08 18:00", "venue": "Hall 9"})
    assert "Where: Hall 9" in moved.content, moved.content
    done = await announcing
    assert done.content.startswith(f"Posted **{title}**"), done.content
    [made] = [e for e in fake.scheduled_events(world.guild) if e["name"] == title]
    assert made["scheduled_start_time"] == "2037-12-08T18:00:00+00:00", made
    assert made["entity_metadata"]["location"] == "Hall 9", made


async def test_a_channel_the_bot_cannot_post_in_is_named_as_a_link_to_it(world, fake):
    closed = fake.add_channel(world.guild, "closed-notices", bot_can_send=False)
    reply = await fake.slash(world.guild, world.moderator, "manage channel", channel=closed)
    assert reply.ephemeral and f"I can't post embeds in <#{closed.id}>;" in reply.content, reply
