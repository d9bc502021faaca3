"""The bot against a Discord that answers within what Discord documents, but less fully
than Discord does: interaction callbacks answered 204 with no body (as before
``with_response``), routes it does not implement answered 404 "404: Not Found". Members'
core paths keep working, and each missing extra costs one log line, not a crash."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.render import CAPACITY_REACHED
from sandbox import Attachment
from sandbox.sparse import NULLABLE_FIELDS, OPTIONAL_FIELDS
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, delete_event, import_page

pytestmark = pytest.mark.asyncio(loop_scope="module")

CALLBACK = r"^/interactions/\d+/[^/]+/callback$"


def problems(log: str) -> list[str]:
    return [line for line in log.splitlines() if "Traceback" in line or " ERROR " in line]


async def announced(world, title: str) -> tuple[Any, int, dict]:
    """A new event of 10 seats announced in #announcements: the channel, the event's id and
    its announcement as posted."""
    fake, guild = world.fake, world.guild
    channel = guild.channel("announcements")
    await fake.slash(guild, world.moderator, "manage channel", channel=channel)
    event_id = await world.import_event(title, capacity=10)
    await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    announcement = await fake.wait_message(channel, lambda m: any(
        e.get("title") == title for e in m["embeds"]))
    return channel, event_id, announcement


async def test_callbacks_answered_204_without_a_body_leave_every_answer_whole(world):
    fake = world.fake
    fake.callback_bodies = False
    try:
        since = len(world.bot.output())
        channel = world.guild.channel("announcements")
        await fake.slash(world.guild, world.moderator, "manage channel", channel=channel)
        event_id = await world.import_event("Quiet Server Talk", capacity=2)
        first, second, third = (world.member(n) for n in ("q1", "q2", "q3"))
        info = await fake.slash(world.guild, first, "event info", event=str(event_id))
        assert "Quiet Server Talk" in str(info.message), info
        choices = await fake.autocomplete(world.guild, first, "rsvp join", focused="event",
                                          event="Quiet")
        assert any(str(event_id) == str(c["value"]) for c in choices), choices
        joined = await fake.slash(world.guild, first, "rsvp join", event=str(event_id))
        assert joined.ephemeral and "confirmed" in joined.content, joined
        posted = await fake.slash(world.guild, world.moderator, "manage announce",
                                  event=str(event_id))
        assert "Posted" in (posted.content or ""), posted
        message = await fake.wait_message(channel, lambda m: any(
            e.get("title") == "Quiet Server Talk" for e in m["embeds"]))
        clicked = await fake.click(world.guild, second, message,
                                   f"eventbot:rsvp:join:{event_id}")
        assert clicked.ephemeral and "confirmed" in clicked.content, clicked
        await fake.wait_message(channel, lambda m: "Quiet Server Talk" in m["content"]
                                and CAPACITY_REACHED in m["content"])
        waiting = await fake.slash(world.guild, third, "rsvp join", event=str(event_id))
        assert "waitlisted" in waiting.content, waiting
        status = await fake.slash(world.guild, third, "rsvp status", event=str(event_id))
        assert "waitlisted" in status.content, status
        cancelled = await fake.slash(world.guild, first, "rsvp cancel", event=str(event_id))
        assert "cancelled" in cancelled.content, cancelled
        speakers = await fake.slash(world.guild, first, "event speakers", event=str(event_id))
        assert speakers.content or speakers.embeds, speakers
        takeaways = await fake.slash(world.guild, first, "event takeaways", event=str(event_id))
        assert takeaways.content or takeaways.embeds, takeaways
        log = world.bot.output()[since:]
        assert not problems(log), log[-4000:]
        # Discord acts on an answer but answers 500; discord.py's retry is refused with
        # 40060 ("already acknowledged"): the member's answer stands, one log line says so
        since = len(world.bot.output())
        fake.fail("POST", CALLBACK, status=500, carried_out=True)
        again = await fake.slash(world.guild, third, "rsvp status", event=str(event_id),
                                 timeout=15)
        assert "confirmed" in again.content, again
        for _ in range(100):  # discord.py retries after 1 s
            if "40060" in (log := world.bot.output()[since:]):
                break
            await asyncio.sleep(0.05)
        assert not problems(log), log[-4000:]
        assert len([line for line in log.splitlines() if "40060" in line]) == 1, log[-3000:]
    finally:
        fake.callback_bodies = True



async def test_the_local_discord_answers_a_lacked_route_as_an_unknown_one(world):
    """`FakeDiscord.lack`: a documented route answered, from then on, as one the server
    does not implement."""
    fake = world.fake
    url = f"{fake.api_base}/users/{world.moderator.id}"
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.get(url) as there:
            assert there.status == 200
        fake.lack("GET", r"^/users/\d+$")
        for _ in range(2):
            async with http.get(url) as gone:
                assert (gone.status, await gone.json()) == (
                    404, {"message": "404: Not Found", "code": 0})


async def test_a_server_without_the_member_role_route_costs_one_line(world):
    """Giving a member a role answered 404 with no code (a server that does not implement
    the route): members still join and cancel; one warning says roles are skipped, and no
    member is said to have left the server."""
    fake, guild = world.fake, world.guild
    channel = guild.channel("announcements")
    await fake.slash(guild, world.moderator, "manage channel", channel=channel)
    fake.lack("*", r"^/guilds/\d+/members/\d+/roles/\d+$")
    event_id = await world.import_event("Roleless Server Talk", capacity=5)
    role = fake.add_role(guild, "roleless-attendee")
    bot_role = next(r for r in guild.roles.values() if r.bot_id is not None)
    bot_role.position = role.position + 1
    await fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id),
                                              "role": bot_role.payload()})
    await fake.slash(guild, guild.owner, "manage role", role=role, event=str(event_id))
    since, first_request = len(world.bot.output()), len(fake.requests)
    members = [world.member(f"roleless{i}") for i in range(3)]
    for member in members:
        joined = await fake.slash(guild, member, "rsvp join", event=str(event_id))
        assert "confirmed" in joined.content, joined
    cancelled = await fake.slash(guild, members[0], "rsvp cancel", event=str(event_id))
    assert "cancelled" in cancelled.content, cancelled
    await asyncio.sleep(2)
    log = world.bot.output()[since:]
    assert not problems(log), log[-4000:]
    assert "no longer in guild" not in log, log[-3000:]
    assert len([line for line in log.splitlines() if "roles are skipped" in line]) == 1, log
    tried = [r for r in fake.requests[first_request:] if r.status == 404]
    assert len(tried) <= 4, tried  # no retry storm
    # the moderators hear it once, where the bot tells them of roles it cannot give
    told = [m for m in fake.messages(channel)
            if "does not offer bots giving members roles" in m["content"]]
    assert len(told) == 1 and "Roleless Server Talk" in told[0]["content"], told


APPLICATION_INFO = ("GET", r"^/oauth2/applications/@me$")
COMMAND_SYNC = ("PUT", r"^/applications/\d+/commands$")


def forget_the_last_sync(world) -> None:
    """As if the commands had changed since they were synced: the next start syncs them."""
    conn = sqlite3.connect(world.db_path, timeout=10)
    try:
        with conn:
            conn.execute("DELETE FROM meta WHERE key LIKE 'commands_hash:%'")
    finally:
        conn.close()


async def members_are_answered(world, title: str) -> None:
    """/event info, autocomplete and /rsvp join, by a new member, on the running bot."""
    fake, guild = world.fake, world.guild
    event_id = await world.import_event(title, capacity=5)
    member = world.member()
    info = await fake.slash(guild, member, "event info", event=str(event_id))
    assert title in str(info.message), info
    choices = await fake.autocomplete(guild, member, "rsvp join", focused="event",
                                      event=title.split()[0])
    assert any(str(event_id) == str(c["value"]) for c in choices), choices
    joined = await fake.slash(guild, member, "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content, joined


@pytest.mark.parametrize(("lacked", "said"), [
    (APPLICATION_INFO, "does not offer the application's information"),
    (COMMAND_SYNC, "does not offer syncing slash commands"),
], ids=["application-info", "command-sync"])
async def test_a_start_against_a_server_without_a_start_up_route_is_ready_and_says_it_once(
        world, lacked, said):
    """The bot's start asks the application's information and syncs the commands (when
    they changed). A server without either route: the bot still starts, the commands
    synced before answer members, and one warning says what the server lacks."""
    fake = world.fake
    forget_the_last_sync(world)
    fake.lack(*lacked)
    try:
        await world.restart_bot()
        await members_are_answered(world, f"Startup {lacked[0]} Talk")
        log = world.bot.output()
        assert not problems(log), log[-4000:]
        assert len([line for line in log.splitlines() if said in line]) == 1, log[-3000:]
        method, path = lacked
        tried = [r for r in fake.requests if r.method == method and re.search(path, r.path)
                 and r.time >= world.bot.started]
        assert len(tried) == 1, tried
        # the changed commands synced once: at READY, to the application it names, when
        # the application's information was missing; tried once, when the sync was
        for _ in range(200):  # (discord.py's READY comes 2 s after the last guild)
            synced = [r.status for r in fake.requests if r.method == "PUT" and re.search(
                COMMAND_SYNC[1], r.path) and r.time >= world.bot.started]
            if synced and "connected as" in world.bot.output():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # (and no second one)
        synced = [r.status for r in fake.requests if r.method == "PUT" and re.search(
            COMMAND_SYNC[1], r.path) and r.time >= world.bot.started]
        assert synced == [404 if lacked == COMMAND_SYNC else 200], synced
    finally:
        fake.clear_faults()
        await world.restart_bot()  # (and syncs, as the next start on a whole server does)


def syncs_since(world) -> list[int]:
    """The statuses of the command syncs the running bot has sent."""
    return [r.status for r in world.fake.requests if r.method == "PUT"
            and re.search(COMMAND_SYNC[1], r.path) and r.time >= world.bot.started]


@pytest.mark.parametrize(("failures", "synced", "warned"), [
    (2, [503, 503, 200], 0),  # a passing trouble: synced at the third try
    (50, [503] * 5, 1),  # Discord down for longer: five tries, then one warning
], ids=["passing", "lasting"])
async def test_the_sync_at_ready_is_tried_again_while_discord_fails_it(
        world, failures, synced, warned):
    """Without the application's information the commands are synced at READY; Discord
    answering that sync 503 (which discord.py does not retry) is tried again with backoff,
    a bounded number of times, while members are answered meanwhile."""
    fake = world.fake
    forget_the_last_sync(world)
    fake.lack(*APPLICATION_INFO)
    fake.fail(*COMMAND_SYNC, status=503, count=failures)
    world.env["RECONNECT_MAX_DELAY"] = "1"  # the backoff's cap: a short test
    try:
        await world.restart_bot()
        await members_are_answered(world, f"Sync Retry {failures} Talk")
        for _ in range(300):
            if len(syncs_since(world)) >= len(synced):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.5)  # (and no more)
        assert syncs_since(world) == synced
        log = world.bot.output()
        assert not problems(log), log[-4000:]
        assert len([line for line in log.splitlines() if "could not sync the slash commands"
                    in line]) == warned, log[-3000:]
    finally:
        del world.env["RECONNECT_MAX_DELAY"]
        fake.clear_faults()
        await world.restart_bot()


async def test_a_server_without_message_edits_keeps_announcements_and_says_it_once(world):
    """Members join while the server answers editing a message as a route it lacks: the
    announcement is tried once for each change (no retries), said once in the log, and kept:
    once edits work again, the next change brings it up to date, not a second post."""
    fake, guild = world.fake, world.guild
    channel, event_id, announcement = await announced(world, "Uneditable Server Talk")
    edit = rf"^/channels/{channel.id}/messages/{announcement['id']}$"
    fake.lack("PATCH", edit)
    since, first_request = len(world.bot.output()), len(fake.requests)
    try:
        for n in range(3):
            joined = await fake.slash(guild, world.member(f"uneditable{n}"), "rsvp join",
                                      event=str(event_id))
            assert "confirmed" in joined.content, joined
            await asyncio.sleep(1.5)  # past the refresh's pause between edits
        await asyncio.sleep(3)  # a retry's first wait, and more
        tried = [r for r in fake.requests[first_request:]
                 if r.method == "PATCH" and re.search(edit, r.path)]
        assert 1 <= len(tried) <= 3, tried  # at most one for each change
        log = world.bot.output()[since:]
        assert not problems(log), log[-4000:]
        assert len([line for line in log.splitlines()
                    if "does not offer editing messages" in line]) == 1, log[-3000:]
    finally:
        fake.clear_faults()
    posts = len(fake.messages(channel))
    joined = await fake.slash(guild, world.member("uneditable-after"), "rsvp join",
                              event=str(event_id))
    assert "confirmed" in joined.content, joined
    await fake.wait_message(channel, lambda m: m["id"] == announcement["id"]
                            and "6 of 10 seats left" in str(m["embeds"]), timeout=15)
    assert len(fake.messages(channel)) == posts  # brought up to date, not posted again


async def test_a_server_without_direct_messages_skips_reminders_and_dm_notices_in_a_line_each(
        world):
    """Opening a DM channel answered as a route the server lacks: each member's reminder,
    and a promotion's DM, costs one call and no retry; the log says once for each that it
    is skipped, and the members' commands still answer."""
    fake, guild = world.fake, world.guild
    await fake.slash(guild, world.moderator, "manage reminders", minutes="1")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=63)
    event_id = await world.import_event("Dmless Server Talk", capacity=3,
                                        starts_at=starts.isoformat())
    fake.lack("POST", r"^/users/@me/channels$")
    since, first_request = len(world.bot.output()), len(fake.requests)
    members = [world.member(f"dmless{n}") for n in range(4)]
    try:
        for member in members:
            await fake.slash(guild, member, "rsvp join", event=str(event_id))
        cancelled = await fake.slash(guild, members[0], "rsvp cancel", event=str(event_id))
        assert "cancelled" in cancelled.content, cancelled  # the last one is promoted
        for _ in range(200):  # the reminders are due 3 s after the joins
            log = world.bot.output()[since:]
            if "reminders are not sent" in log and "notices by DM are not sent" in log:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(3)  # and no retry after
        status = await fake.slash(guild, members[3], "rsvp status", event=str(event_id))
        assert "confirmed" in status.content, status
        log = world.bot.output()[since:]
        assert not problems(log), log[-4000:]
        for said in ("reminders are not sent", "notices by DM are not sent"):
            assert len([line for line in log.splitlines() if said in line]) == 1, log[-3000:]
        assert "could not send user" not in log, log[-3000:]
        tried = [r for r in fake.requests[first_request:] if r.path == "/users/@me/channels"]
        assert 1 <= len(tried) <= 4, tried  # one for each DM: 3 reminders, 1 promotion
    finally:
        fake.clear_faults()
        await fake.slash(guild, world.moderator, "manage reminders", minutes="off")


async def test_a_server_without_making_discord_events_still_announces_and_says_why(world):
    """Without the route that makes Discord events, the event is announced all the same
    and the moderator is told, in one sentence, why it has no Discord event; each announce
    asks once, and once the server offers the route the next announce makes it. The log
    says it once, and again only if the route, once it worked, is lost again."""
    fake, guild = world.fake, world.guild
    await world.restart_bot()  # a process that has said nothing yet
    await fake.slash(guild, world.moderator, "manage scheduled-events", state="on")
    event_id = await world.import_event("Unlisted Forum", capacity=10,
                                        starts_at="2037-04-04T18:00:00+00:00")
    fake.lack("POST", r"^/guilds/\d+/scheduled-events$")
    since, logged = len(fake.requests), len(world.bot.output())
    try:
        for _ in range(2):
            posted = await fake.slash(guild, world.moderator, "manage announce",
                                      event=str(event_id))
            assert "No Discord event created: this Discord server does not let bots make " \
                "Discord events." in posted.content, posted.content
            # no status code quoted (a channel's snowflake may hold the digits "404")
            assert not re.search(r"(?<!\d)404(?!\d)", posted.content), posted.content
    finally:
        fake.clear_faults()
    assert len([r for r in fake.requests[since:] if r.method == "POST"
                and r.path.endswith("/scheduled-events")]) == 2
    assert not [e for e in fake.scheduled_events(guild) if e["name"] == "Unlisted Forum"]
    posted = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert [e for e in fake.scheduled_events(guild) if e["name"] == "Unlisted Forum"]
    other = await world.import_event("Unlisted Again Forum", capacity=10,
                                     starts_at="2037-04-05T18:00:00+00:00")
    fake.lack("POST", r"^/guilds/\d+/scheduled-events$")
    try:
        await fake.slash(guild, world.moderator, "manage announce", event=str(other))
    finally:
        fake.clear_faults()
    said = [line for line in world.bot.output()[logged:].splitlines()
            if "does not offer Discord events" in line]
    assert len(said) == 2, said  # lost, back, lost again


async def test_a_server_without_updating_or_deleting_discord_events_keeps_them_known(world):
    """Updating and deleting a Discord event answered as routes the server lacks: the
    moderator is told Discord refused it (not that it was deleted on Discord), the bot
    keeps the Discord event, and once the server offers the routes the next import updates
    that one, and deleting the event deletes it."""
    fake, guild = world.fake, world.guild
    await fake.slash(guild, world.moderator, "manage scheduled-events", state="on")
    event_id = await world.import_event("Lasting Forum", capacity=10,
                                        starts_at="2037-03-04T18:00:00+00:00")
    posted = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert "Discord events" in posted.content, posted.content
    [made] = [e for e in fake.scheduled_events(guild) if e["name"] == "Lasting Forum"]
    since = len(world.bot.output())
    fake.lack("PATCH", r"^/guilds/\d+/scheduled-events/\d+$")
    try:
        page = Attachment("announcement.txt", b"Lasting Forum\n\n" + OPEN_ANNOUNCEMENT,
                          "text/plain")
        reply = await import_page(fake, guild, world.moderator, page=page,
                                  event=str(event_id), starts_at="2037-03-05T18:00:00+00:00")
        assert "Its Discord event was not updated: this Discord server does not let bots " \
            "change Discord events." in reply.content, reply.content
        assert "deleted, ended or cancelled" not in reply.content, reply.content
        assert world.query("SELECT scheduled_event_id FROM events WHERE id = ?",
                           (event_id,)) == [(int(made["id"]),)]
    finally:
        fake.clear_faults()
    reply = await import_page(fake, guild, world.moderator, page=page, event=str(event_id),
                              starts_at="2037-03-06T18:00:00+00:00")
    assert "Discord event is updated" in reply.content, reply.content
    assert [e["id"] for e in fake.scheduled_events(guild)
            if e["name"] == "Lasting Forum"] == [made["id"]]
    fake.lack("DELETE", r"^/guilds/\d+/scheduled-events/\d+$")
    try:
        await delete_event(world, world.moderator, event_id)
    finally:
        fake.clear_faults()
    assert [e["id"] for e in fake.scheduled_events(guild) if e["id"] == made["id"]]
    log = world.bot.output()[since:]
    assert not problems(log), log[-4000:]
    assert f"could not delete Discord event {made['id']}" in log, log[-3000:]


async def test_a_deleted_events_announcement_the_server_cannot_edit_is_said(world):
    """A deleted event's announcements are edited to say so; a server without message
    edits leaves them showing the event open: one warning says so (in a fresh process,
    which has not said it yet)."""
    fake = world.fake
    await world.restart_bot()
    _, event_id, _ = await announced(world, "Undeletable Talk")
    since = len(world.bot.output())
    fake.lack("PATCH", r"^/channels/\d+/messages/\d+$")
    try:
        await delete_event(world, world.moderator, event_id)
    finally:
        fake.clear_faults()
    log = world.bot.output()[since:]
    assert not problems(log), log[-4000:]
    assert len([line for line in log.splitlines()
                if "does not offer editing messages" in line]) == 1, log[-3000:]


async def test_answers_without_their_optional_fields_leave_members_paths_whole(world):
    """Every answer and gateway event without the fields Discord documents as optional
    (a member's nick, a channel's topic and parent, ...), and with those it documents as
    nullable null (avatars, global names, edited_timestamp, icons): from the start on, the
    members' commands, buttons and the capacity notice all work, with nothing logged."""
    fake, guild = world.fake, world.guild
    fake.omitted_fields, fake.nulled_fields = OPTIONAL_FIELDS, NULLABLE_FIELDS
    try:
        await world.restart_bot()  # (its guilds, too, given so)
        since = len(world.bot.output())
        channel = guild.channel("announcements")
        headers = {"Authorization": f"Bot {fake.token}"}
        async with aiohttp.ClientSession(fake.api_base + "/", headers=headers) as http:
            async with http.get(f"channels/{channel.id}") as answer:
                assert "parent_id" not in await answer.json()
            async with http.get(f"users/{world.moderator.id}") as answer:
                assert (await answer.json())["global_name"] is None
        await fake.slash(guild, world.moderator, "manage channel", channel=channel)
        event_id = await world.import_event("Sparse Server Talk", capacity=2)
        first, second, third = (world.member(n) for n in ("s1", "s2", "s3"))
        info = await fake.slash(guild, first, "event info", event=str(event_id))
        assert "Sparse Server Talk" in str(info.message), info
        choices = await fake.autocomplete(guild, first, "rsvp join", focused="event",
                                          event="Sparse")
        assert any(str(event_id) == str(c["value"]) for c in choices), choices
        joined = await fake.slash(guild, first, "rsvp join", event=str(event_id))
        assert "confirmed" in joined.content, joined
        posted = await fake.slash(guild, world.moderator, "manage announce",
                                  event=str(event_id))
        assert "Posted" in (posted.content or ""), posted
        message = await fake.wait_message(channel, lambda m: any(
            e.get("title") == "Sparse Server Talk" for e in m["embeds"]))
        clicked = await fake.click(guild, second, message, f"eventbot:rsvp:join:{event_id}")
        assert "confirmed" in clicked.content, clicked
        await fake.wait_message(channel, lambda m: "Sparse Server Talk" in m["content"]
                                and CAPACITY_REACHED in m["content"])
        waiting = await fake.slash(guild, third, "rsvp join", event=str(event_id))
        assert "waitlisted" in waiting.content, waiting
        cancelled = await fake.slash(guild, first, "rsvp cancel", event=str(event_id))
        assert "cancelled" in cancelled.content, cancelled
        status = await fake.slash(guild, third, "rsvp status", event=str(event_id))
        assert "confirmed" in status.content, status  # promoted
        await fake.wait_message(fake.dm_channel(third), lambda m: "Sparse" in m["content"])
        for command in ("event speakers", "event takeaways"):
            shown = await fake.slash(guild, first, command, event=str(event_id))
            assert shown.content or shown.embeds, shown
        await asyncio.sleep(1.5)  # the announcement's refresh
        log = world.bot.output()[since:]
        assert not problems(log), log[-4000:]
        assert not fake.server_errors, fake.server_errors
    finally:
        fake.omitted_fields = fake.nulled_fields = frozenset()


async def test_announcing_again_on_a_server_without_message_edits_posts_no_second_one(world):
    """`/manage announce` again where the event's announcement already is, on a server that
    answers editing it as a route it lacks: the message is not taken for deleted, so no
    second one is posted; the moderator is told it shows the event as it was, and once
    edits work again the next change brings that same message up to date."""
    fake, guild = world.fake, world.guild
    channel, event_id, announcement = await announced(world, "Unrepostable Talk")
    posts = len(fake.messages(channel))
    fake.lack("PATCH", rf"^/channels/{channel.id}/messages/{announcement['id']}$")
    since = len(world.bot.output())
    try:
        again = await fake.slash(guild, world.moderator, "manage announce",
                                 event=str(event_id))
        assert "does not offer editing messages" in again.content, again.content
        assert len(fake.messages(channel)) == posts, fake.messages(channel)[-1]
        assert world.query("SELECT message_id FROM announcement_messages WHERE event_id = ?",
                           (event_id,)) == [(int(announcement["id"]),)]
        log = world.bot.output()[since:]
        assert not problems(log), log[-4000:]
    finally:
        fake.clear_faults()
    joined = await fake.slash(guild, world.member("unrepostable"), "rsvp join",
                              event=str(event_id))
    assert "confirmed" in joined.content, joined
    await fake.wait_message(channel, lambda m: m["id"] == announcement["id"]
                            and "9 of 10 seats left" in str(m["embeds"]), timeout=15)
    assert len(fake.messages(channel)) == posts


@pytest.mark.parametrize("shards", [1, 2])
async def test_a_sharded_bot_without_the_application_route_syncs_once_not_per_shard(
        tmp_path, shards):
    """One process on one shard or two, against a server without the application's information:
    the commands are synced once, at READY (each shard gets its own), and not again when a
    shard's session is invalidated and it gets READY anew."""
    import sys

    from sandbox import FakeDiscord
    from tests.e2e.test_shards import bot_env, guild_on

    async with FakeDiscord(shard_count=shards) as fake:
        guilds = [guild_on(fake, shard) for shard in range(shards)]
        fake.lack(*APPLICATION_INFO)
        settings = {"SHARD_COUNT": str(shards)} if shards > 1 else {}
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"],
                             bot_env(tmp_path, **settings), cwd=str(tmp_path))
        try:
            await fake.wait_ready(process=bot, timeout=60)

            def synced() -> list[int]:
                return [r.status for r in fake.requests if r.method == "PUT"
                        and re.search(COMMAND_SYNC[1], r.path)]
            for _ in range(200):
                if synced():
                    break
                await asyncio.sleep(0.05)
            for shard in range(shards):
                await fake.drop_gateway(resumable=False, shard=shard, timeout=30)
            await asyncio.sleep(3)  # the READY of each shard handled
            assert synced() == [200], synced()
            replies = await asyncio.gather(*(
                fake.slash(guild, fake.add_member(guild), "event info") for guild in guilds))
            assert all(r.embeds for r in replies), replies
            log = bot.output()
            assert not problems(log), log[-4000:]
            assert len([line for line in log.splitlines()
                        if "does not offer the application's information" in line]) == 1, log
        finally:
            await bot.stop()


async def test_a_route_lost_again_after_it_came_back_is_said_again(world):
    """Direct messages answered as a route the server lacks are said once, however many
    members; once they work again and then are lost again, that is news: said again."""
    fake, guild = world.fake, world.guild
    await world.restart_bot()  # a process that has said nothing yet
    event_id = await world.import_event("Flapping Server Talk", capacity=1)
    members = [world.member(f"flapping{n}") for n in range(4)]
    said = "notices by DM are not sent"
    since = len(world.bot.output())

    async def promote(leaving, joining) -> None:
        """`joining` waits for the seat `leaving` holds, and gets it (and a DM)."""
        waiting = await fake.slash(guild, joining, "rsvp join", event=str(event_id))
        assert "waitlisted" in waiting.content, waiting
        left = await fake.slash(guild, leaving, "rsvp cancel", event=str(event_id))
        assert "cancelled" in left.content, left

    async def told(times: int) -> None:
        for _ in range(200):
            if len([line for line in world.bot.output()[since:].splitlines()
                    if said in line]) >= times:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        lines = [line for line in world.bot.output()[since:].splitlines() if said in line]
        assert len(lines) == times, world.bot.output()[since:][-3000:]

    async def promoted_without_dms(leaving, promoted, times: int) -> None:
        fake.lack("POST", r"^/users/@me/channels$")
        try:
            await promote(leaving, promoted)
            await told(times)
        finally:
            fake.clear_faults()

    joined = await fake.slash(guild, members[0], "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content, joined
    await promoted_without_dms(members[0], members[1], 1)
    await promote(members[1], members[2])
    await fake.wait_message(fake.dm_channel(members[2]), lambda m: "Flapping" in m["content"])
    await promoted_without_dms(members[2], members[3], 2)
    assert not problems(world.bot.output()[since:])


async def test_nobody_presses_a_button_of_an_announcement_a_moderator_deleted(world):
    """A deleted message is gone from every client, its buttons with it, and Discord
    answers 10008 Unknown Message for it: the local Discord still sent a click on its
    Join button, and the bot took the RSVP."""
    fake, guild = world.fake, world.guild
    _, event_id, announcement = await announced(world, "Deleted Button Talk")
    fake.delete_message(announcement)
    join = announcement["components"][0]["components"][0]["custom_id"]
    with pytest.raises(LookupError, match="Unknown Message"):
        await fake.click(guild, world.member("late clicker"), announcement, join)
    assert world.query("SELECT count(*) FROM rsvps WHERE event_id = ?",
                       (event_id,)) == [(0,)]


async def test_announcing_again_after_the_announcement_was_deleted_posts_it_anew(world):
    """Discord's own 404 for a deleted message (10008 Unknown Message) is still a message
    gone: `/manage announce` again posts a new one and keeps that one current."""
    fake, guild = world.fake, world.guild
    channel, event_id, first = await announced(world, "Deleted Post Talk")
    fake.delete_message(first)
    again = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert again.content.startswith("Posted **Deleted Post Talk** in"), again.content
    second = await fake.wait_message(channel, lambda m: m["id"] != first["id"] and any(
        e.get("title") == "Deleted Post Talk" for e in m["embeds"]))
    assert world.query("SELECT message_id FROM announcement_messages WHERE event_id = ?",
                       (event_id,)) == [(int(second["id"]),)]
