"""A server changing under the running bot, through the real bot process: Discord losing
it for a while (an outage), the bot removed from it, and what the bot owes it then."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest

from bot.render import CAPACITY_REACHED
from sandbox import Attachment
from sandbox.interactions import APPLICATION_COMMAND
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, until
from tests.e2e.test_reminders_roles_schedules import bot_role, move_role

pytestmark = pytest.mark.asyncio(loop_scope="module")


def capacity_notices(fake, channel, title: str) -> list[dict]:
    return [m for m in fake.messages(channel)
            if f"**{title}**" in m["content"] and CAPACITY_REACHED in m["content"]]



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



async def test_a_server_s_notices_keep_their_order_when_discord_fails_one(world, fake):
    """Discord fails the notice of a close (a 503): the reopening right after it waits
    for it, rather than being posted first and leaving the channel saying, last, that
    registration is closed."""
    guild, title = world.guild, "Ordered Notices"
    event_id = await world.import_event(title, capacity=5)
    channel = guild.channel("announcements")
    fake.fail("POST", rf"^/channels/{channel.id}/messages$", status=503,
              message="Service Unavailable")
    closed = await fake.slash(guild, world.moderator, "manage close", event=str(event_id))
    assert "closed" in closed.content, closed
    opened = await fake.slash(guild, world.moderator, "manage open", event=str(event_id))
    assert "open" in opened.content, opened
    await asyncio.sleep(3.0)
    assert [m["content"] for m in fake.messages(channel) if f"**{title}**" in m["content"]
            ] == []
    assert world.query("SELECT kind FROM outbox WHERE event_id = ? ORDER BY id",
                       (event_id,)) == [("closed",), ("opened",)]
    # Tried again once its claim expires, then the reopening, in order: the claims (the
    # reopening's too, left claimed behind it) made as if a minute ago, not waited for.
    world.expire_claims(event_id)
    await fake.wait_message(channel, lambda m: f"**{title}**" in m["content"]
                            and "open" in m["content"].lower()
                            and "closed" not in m["content"].lower(), timeout=30)
    posted = [m["content"] for m in fake.messages(channel) if f"**{title}**" in m["content"]]
    assert len(posted) == 2 and "closed" in posted[0], posted


def registration_shown(message: dict) -> str:
    return next(f["value"] for f in message["embeds"][0]["fields"]
                if f["name"] == "Registration")


async def test_an_announcement_is_brought_up_to_date_when_the_bot_is_invited_back(
        world, fake):
    """Removed from the server, the bot cannot edit its announcements, while members still
    RSVP there (the server keeps its commands): it does not keep asking Discord, and once
    invited back its announcements show the seats as they are now."""
    guild, title = world.guild, "Rejoined Forum"
    event_id = await world.import_event(title, capacity=5)
    channel = guild.channel("announcements")
    reply = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id),
                             channel=channel)
    assert "Posted" in reply.content, reply
    [(message_id,)] = world.query("SELECT message_id FROM announcement_messages"
                                  " WHERE event_id = ?", (event_id,))
    posted = await fake.wait_message(channel, lambda m: int(m["id"]) == message_id)
    shown = registration_shown(posted)

    fake.remove_bot(guild)
    await until(lambda: world.query("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                                    " AND left_at IS NOT NULL", (guild.id,)), what="the kick")
    edits = f"/channels/{channel.id}/messages/{message_id}"
    tried = len([r for r in fake.requests if r.method == "PATCH" and r.path == edits])
    for i in range(3):
        joined = await fake.slash(guild, world.member(f"away joiner {i}"), "rsvp join",
                                  event=str(event_id))
        assert "confirmed" in joined.content, joined
        await asyncio.sleep(2.5)  # past the announcement's edit interval
    refused = [r for r in fake.requests if r.method == "PATCH" and r.path == edits][tried:]
    assert refused == [], [r.status for r in refused]  # nothing asked of a server it is not in

    fake.rejoin(guild)
    updated = await fake.wait_message(
        channel, lambda m: int(m["id"]) == message_id and registration_shown(m) != shown,
        timeout=10)
    assert registration_shown(updated) == "Open: 2 of 5 seats left", registration_shown(updated)


async def test_attendee_roles_wait_for_the_bot_to_be_invited_back_then_are_given(
        world, fake):
    """A member confirmed while the bot is out of the server cannot get the event's role
    (Discord answers 403 Missing Access): the bot neither keeps asking, nor tells the
    moderators to fix its permissions. Invited back, it asks at once; Discord gave it a new
    role at the bottom of the list (the old one went with its removal), so the grant is
    refused and the moderators are told; once they drag its role up, it gives the role."""
    guild, title = world.guild, "Role While Away"
    role = fake.add_role(guild, "Away Attendee")
    await move_role(world, bot_role(world), role.position + 1)
    event_id = await world.import_event(title, capacity=5)
    set_role = await fake.slash(guild, guild.owner, "manage role", role=role,
                                event=str(event_id))
    assert f"<@&{role.id}>" in set_role.content, set_role
    channel = guild.channel("announcements")
    posts_before = len(fake.messages(channel))
    await world.past_on_ready()  # (before it, the bot cannot tell it was removed)

    fake.remove_bot(guild)
    await until(lambda: world.query("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                                    " AND left_at IS NOT NULL", (guild.id,)), what="the kick")
    member = world.member("away attendee")
    joined = await fake.slash(guild, member, "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content, joined
    grants = f"/guilds/{guild.id}/members/{member.id}/roles/{role.id}"
    await asyncio.sleep(12.0)  # past the first wait after a refusal (10 s)
    asked = [r.status for r in fake.requests if r.method == "PUT" and r.path == grants]
    assert asked == [], asked  # Discord would refuse it (403 Missing Access)
    assert len(fake.messages(channel)) == posts_before  # nothing for moderators to fix

    fake.rejoin(guild)
    await until(lambda: told_of(fake, guild, role), timeout=10,
                what="the moderators told the bot's new role is below the attendee role")
    assert role not in member.roles
    await move_role(world, bot_role(world), role.position + 1)
    await until(lambda: role in member.roles, timeout=5.0,
                what="the role once the bot's new role is above it")


async def test_a_member_s_own_install_of_the_app_is_refused_in_a_server_without_it(
        world, fake):
    """The app's owner allows user installs: a member who installed the app for
    themselves is not offered its commands in a server that has not installed it (the bot
    is not there); and one that arrives anyway (a stale client, commands synced before)
    gets a short ephemeral answer, with nothing imported, set up or joined there."""
    elsewhere = fake.add_guild("Without the bot")
    mover = fake.add_member(elsewhere, "own installer", manage_events=True)
    await fake.wait_ready()
    fake.remove_bot(elsewhere)
    await until(lambda: world.query("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                                    " AND left_at IS NOT NULL", (elsewhere.id,)),
                what="the removal")
    page = Attachment("p.txt", b"Own Install Talk\n\n" + OPEN_ANNOUNCEMENT, "text/plain")
    attempts = [("event list", {}), ("rsvp mine", {}), ("rsvp join", {"event": "1"}),
                ("manage import", {"page": page, "title": "Own Install Talk", "capacity": 5})]
    fake.installation_contexts = (0, 1)
    try:
        for command, options in attempts:
            with pytest.raises(LookupError, match="not offered to user installs"):
                await fake.slash(elsewhere, mover, command, options=options,
                                 user_install=True)
        await asyncio.sleep(0.5)  # the removal's own writes done
        before = world.dump()
        channel = elsewhere.channel("general")
        for command, options in attempts:
            data = fake._command_data(elsewhere, mover, channel, command, options)
            reply = await fake._interact(APPLICATION_COMMAND, f"/{command} (own install)",
                                         elsewhere, mover, channel, data, 10.0,
                                         user_install=True)
            assert reply.ephemeral and "can't use this command here" in reply.content, reply
            assert not reply.embeds and not reply.files and not reply.components, reply
            assert world.dump() == before, command
    finally:
        fake.installation_contexts = (0,)


async def test_a_command_naming_no_installation_is_the_server_s_own(world, fake):
    """Discord names the installation an interaction came through; one that names none
    (a client or gateway from before user installs) is taken as the server's own."""
    event_id = await world.import_event("Unnamed Install Forum", capacity=5)
    member = world.member()

    def no_owners(payload: dict) -> None:
        payload.pop("authorizing_integration_owners", None)

    reply = await fake.slash(world.guild, member, "rsvp join", event=str(event_id),
                             mutate=no_owners)
    assert "can't use this command here" not in reply.content, reply
    assert world.query("SELECT count(*) FROM rsvps WHERE event_id = ?",
                       (event_id,)) == [(1,)]


async def test_a_moderator_of_a_server_discord_has_not_sent_yet_is_told_to_wait_not_refused(
        world, fake):
    """The bot starts while Discord keeps the server unavailable (READY lists it so, and
    its GUILD_CREATE comes later): its roles and owner are not known yet. A moderator's
    command is not refused as if they lacked Manage Events, which they have: they are told
    to try again in a moment, nothing changes, and the server is not taken as left. Once
    Discord sends the server, the same command works."""
    guild, title = world.guild, "Moderated In Outage"
    event_id = await world.import_event(title, capacity=5)
    fake.outage(guild)
    try:
        await world.restart_bot()
        for who in (world.moderator, guild.owner):
            refused = await fake.slash(guild, who, "manage close", event=str(event_id))
            assert refused.ephemeral, refused
            assert "Manage Events" not in refused.content, refused
            assert "try again in a moment" in refused.content, refused
        assert world.query("SELECT registration_open FROM events WHERE id = ?",
                           (event_id,)) == [(1,)]
        assert world.query("SELECT left_at FROM guild_settings WHERE guild_id = ?",
                           (guild.id,)) == [(None,)]
    finally:
        fake.end_outage(guild)
    await until(lambda: "set up 1 server(s)" in world.bot.output(), what="the server's set-up")
    closed = await fake.slash(guild, world.moderator, "manage close", event=str(event_id))
    assert "closed" in closed.content, closed
    assert "Traceback" not in world.bot.output()


def seats_shown(message: dict) -> str:
    return message["embeds"][0]["fields"][0]["value"]  # Registration, in any language


async def test_an_announcement_refreshed_while_its_server_is_unavailable_keeps_its_language(
        world, fake):
    """A server whose Discord language is Chinese is unavailable when the bot starts
    (discord.py then knows nothing of it, its language included): a member's join there
    does not rewrite the announcement in English; it shows the join, in Chinese, once
    Discord sends the server."""
    guild, title = world.guild, "Outage Language"
    guild.preferred_locale = "zh-CN"
    try:
        await world.restart_bot()
        event_id = await world.import_event(title, capacity=5)
        channel = guild.channel("announcements")
        posted = await fake.slash(guild, world.moderator, "manage announce",
                                  event=str(event_id), channel=channel)
        assert "Posted" in posted.content, posted
        message = await fake.wait_message(
            channel, lambda m: any(e.get("title") == title for e in m["embeds"]))
        assert seats_shown(message) == "开放报名：共 5 个座位，剩余 5 个"

        fake.outage(guild)
        try:
            await world.restart_bot()
            joined = await fake.click(guild, world.member("outage language joiner"),
                                      message, f"eventbot:rsvp:join:{event_id}")
            assert "confirmed" in joined.content, joined
            await asyncio.sleep(3.0)  # past the refresh's first wait
            shown = next(m for m in fake.messages(channel) if m["id"] == message["id"])
            assert seats_shown(shown) in ("开放报名：共 5 个座位，剩余 5 个",
                                                 "开放报名：共 5 个座位，剩余 4 个"), shown
        finally:
            fake.end_outage(guild)
        await fake.wait_message(channel, lambda m: m["id"] == message["id"] and (
            seats_shown(m) == "开放报名：共 5 个座位，剩余 4 个"), timeout=10)
    finally:
        guild.preferred_locale = "en-US"
        await world.restart_bot()
    assert "Traceback" not in world.bot.output()


class RefusedRole(NamedTuple):
    attendee: object  # the event's attendee role, refused to the bot
    mine: object  # the bot's own role, dragged below it
    kept_at: int  # where the bot's role was before
    event_id: int


async def a_role_the_bot_will_be_refused(world, fake, title: str, role: str) -> RefusedRole:
    """An event giving `role`, set while the bot could give it; then the bot's role is
    dragged below it, so that Discord refuses the next grant."""
    guild = world.guild
    attendee = fake.add_role(guild, role)
    mine = bot_role(world)
    kept_at = mine.position
    await move_role(world, mine, attendee.position + 1)
    event_id = await world.import_event(title, capacity=5)
    set_role = await fake.slash(guild, guild.owner, "manage role", role=attendee,
                                event=str(event_id))
    assert f"<@&{attendee.id}>" in set_role.content, set_role
    await move_role(world, mine, 0)
    return RefusedRole(attendee, mine, kept_at, event_id)


async def a_member_refused_the_role(world, fake, refused: RefusedRole, name: str) -> None:
    """A member joins, and Discord refuses the bot their grant."""
    guild = world.guild
    first = len(fake.requests)
    joined = await fake.slash(guild, world.member(name), "rsvp join",
                              event=str(refused.event_id))
    assert "confirmed" in joined.content, joined
    await until(lambda: any(r.method == "PUT" and r.status == 403
                            and r.path.endswith(f"/roles/{refused.attendee.id}")
                            for r in fake.requests[first:]), what="the refused grant")


def told_of(fake, guild, role) -> list[dict]:
    """The notices naming the role in the announcements channel."""
    return [m for m in fake.messages(guild.channel("announcements"))
            if role.name in (m["content"] or "")]


async def test_moderators_hear_of_a_refused_role_once_their_server_arrives(world, fake):
    """The bot's role was dragged below an event's attendee role; the bot starts while
    Discord keeps the server unavailable (none of its channels or roles known yet), and a
    member joins. Discord refuses the grant: the moderators' notice waits for the server
    instead of finding no channel and being dropped, and is posted once when it arrives,
    with what to change as the server's roles show it."""
    guild, title = world.guild, "Refused In Outage"
    refused = await a_role_the_bot_will_be_refused(world, fake, title,
                                                   "Outage Refused Attendee")
    fake.outage(guild)
    try:
        await world.restart_bot()
        await a_member_refused_the_role(world, fake, refused, "refused in outage")
        await asyncio.sleep(1.0)
        assert told_of(fake, guild, refused.attendee) == []
    finally:
        fake.end_outage(guild)
    await until(lambda: told_of(fake, guild, refused.attendee), timeout=10,
                what="the moderators told once the server arrived")
    await asyncio.sleep(1.0)
    [notice] = told_of(fake, guild, refused.attendee)
    assert title in notice["content"] and "drag my role above" in notice["content"], notice
    assert "no channel to tell the moderators" not in world.bot.output()
    await move_role(world, refused.mine, refused.kept_at)
    assert "Traceback" not in world.bot.output()


async def test_a_refused_role_s_notice_held_for_its_server_survives_a_restart(world, fake):
    """Discord refuses a member's attendee role while it keeps the server unavailable, and
    the bot stops and starts again before the server arrives: the moderators' notice,
    held for the server, is not lost with the stopped process; it is posted once the
    server arrives, once (not again after another restart), pinging nobody."""
    guild, title = world.guild, "Refused Across Restart"
    refused = await a_role_the_bot_will_be_refused(world, fake, title,
                                                   "Restart Refused Attendee")
    attendee = refused.attendee

    def told() -> list[dict]:
        return told_of(fake, guild, attendee)

    def held() -> list[tuple]:  # (an earlier test's role may be refused at a start too)
        return world.query("SELECT role_id FROM held_role_notices WHERE guild_id = ?"
                           " AND role_id = ?", (guild.id, attendee.id))

    fake.outage(guild)
    try:
        await world.restart_bot()
        await a_member_refused_the_role(world, fake, refused, "refused before restart")
        await until(lambda: held() == [(attendee.id,)], what="the notice held for the server")
        await world.restart_bot()  # stopped and started again, the server still not sent
        await asyncio.sleep(1.0)
        assert told() == []
        assert held() == [(attendee.id,)]
    finally:
        fake.end_outage(guild)
    await until(told, timeout=10, what="the moderators told once the server arrived")
    await asyncio.sleep(1.0)
    [notice] = told()
    assert title in notice["content"] and "drag my role above" in notice["content"], notice
    assert notice["mentions"] == [] and notice["mention_roles"] == [], notice
    assert held() == []
    # fixed: a grant at the start goes through
    await move_role(world, refused.mine, attendee.position + 1)
    await world.restart_bot()  # the server is sent at this start: nothing is held for it
    await asyncio.sleep(2.0)
    assert [m["content"] for m in told()] == [notice["content"]]
    await move_role(world, refused.mine, refused.kept_at)
    assert "Traceback" not in world.bot.output()


async def test_roles_discord_failed_during_an_outage_are_given_and_taken_back_on_its_end(
        world, fake):
    """Discord keeps the server unavailable from the bot's start, and fails its role calls
    there meanwhile (503). A member's grant, and the take-back at another event's start,
    are made once the server arrives: not at the next join (there may be none), nor after
    the take-back's growing wait; and once each."""
    guild = world.guild
    mine = bot_role(world)
    kept_at = mine.position
    given, taken = (fake.add_role(guild, f"Outage {kind} Attendee") for kind in ("Given",
                                                                                "Taken"))
    await move_role(world, mine, max(given.position, taken.position) + 1)
    later = await world.import_event("Outage Grant Forum", capacity=5)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=20)
    soon = await world.import_event("Outage Take-back Forum", capacity=5,
                                    starts_at=starts.isoformat())
    for event_id, role in ((later, given), (soon, taken)):
        reply = await fake.slash(guild, guild.owner, "manage role", role=role,
                                 event=str(event_id))
        assert f"<@&{role.id}>" in reply.content, reply
    holder = world.member("outage holder")
    await fake.slash(guild, holder, "rsvp join", event=str(soon))
    await until(lambda: taken in holder.roles, what="the role before the outage")

    first = len(fake.requests)

    def calls(role, status: int) -> list[str]:
        return [r.method for r in fake.requests[first:]
                if r.path.endswith(f"/roles/{role.id}") and r.status == status]

    fake.outage(guild)
    try:
        for role in (given, taken):
            fake.fail("*", rf"^/guilds/{guild.id}/members/\d+/roles/{role.id}$", status=503,
                      count=1000, message="Service Unavailable")
        await world.restart_bot()
        joiner = world.member("outage joiner")
        joined = await fake.slash(guild, joiner, "rsvp join", event=str(later))
        assert "confirmed" in joined.content, joined
        await until(lambda: calls(given, 503) == ["PUT"], what="the failed grant")
        # the take-back at the start fails, and again after its first wait (10 s)
        await until(lambda: calls(taken, 503) == ["DELETE", "DELETE"], timeout=40,
                    what="the failed take-backs")
    finally:
        fake.clear_faults()
        fake.end_outage(guild)
    await until(lambda: given in joiner.roles and taken not in holder.roles, timeout=5,
                what="the grant and the take-back once the server arrived")
    await asyncio.sleep(1.0)
    assert (calls(given, 204), calls(taken, 204)) == (["PUT"], ["DELETE"])
    assert world.query("SELECT attendee_role_id FROM events WHERE id = ?", (soon,)) == [
        (None,)]
    await move_role(world, mine, kept_at)


class HiddenAnnouncement(NamedTuple):
    event_id: int
    channel: object  # its own channel, which the bot may no longer see
    message: dict  # the announcement
    bot_member: object
    first: int  # the first of the requests made since the channel was hidden


async def announced_then_hidden(world, fake, title: str, channel_name: str,
                                capacity: int) -> HiddenAnnouncement:
    """An event announced in a channel of its own, then View Channel taken from the bot
    there (the gateway tells it)."""
    from sandbox.models import VIEW_CHANNEL

    guild = world.guild
    channel = fake.add_channel(guild, channel_name)
    event_id = await world.import_event(title, capacity=capacity)
    posted = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id),
                              channel=channel)
    assert "Posted" in posted.content and "⚠️" not in posted.content, posted.content
    [message] = fake.messages(channel)
    bot_member = guild.members[fake.bot_user.id]
    fake.set_overwrite(channel, bot_member, deny=VIEW_CHANNEL)
    await asyncio.sleep(0.5)  # CHANNEL_UPDATE reaches the bot
    return HiddenAnnouncement(event_id, channel, message, bot_member, len(fake.requests))


def channel_edits(fake, channel, first: int) -> list[int]:
    """The statuses Discord answered the edits of messages in `channel` with, from request
    number `first` on."""
    return [r.status for r in fake.requests[first:]
            if r.method == "PATCH" and r.path.startswith(f"/channels/{channel.id}/")]


async def test_an_announcement_hidden_from_the_bot_is_not_edited_into_a_403_at_each_change(
        world, fake):
    """View Channel taken from the bot in an announcement's channel (the gateway tells it):
    one edit is refused, and the changes after it ask Discord nothing, where each new seat
    count was one more 403 toward Discord's limit of invalid requests; given back, the
    announcement is brought up to date."""
    guild = world.guild
    event_id, channel, _, bot_member, first = await announced_then_hidden(
        world, fake, "Hidden Channel Talk", "hidden-news", capacity=50)

    def edits() -> list[int]:
        return channel_edits(fake, channel, first)
    for n in range(3):
        await fake.slash(guild, world.member(f"hidden joiner {n}"), "rsvp join",
                         event=str(event_id))
        await until(lambda n=n: len(edits()) == 1 or n > 0, what="the first refused edit")
        await asyncio.sleep(2.6)  # past the edits' interval: each change its own edit
    assert edits() == [403]
    fake.set_overwrite(channel, bot_member)  # given back
    await until(lambda: edits() == [403, 200], what="the announcement brought up to date")
    [message] = fake.messages(channel)
    assert "47 of 50 seats left" in str(message["embeds"]), message["embeds"]


async def test_an_announcement_refused_while_hidden_is_forgotten_once_its_channel_is_deleted(
        world, fake):
    """View Channel taken from the bot in an announcement's channel: one edit is refused,
    and the message waits for the bot to be let in. A moderator then deletes the channel,
    its messages with it: at the event's next change the bot asks Discord once, hears the
    channel is gone (10003), and forgets the announcement, rather than keeping it, waiting
    for a channel that no longer exists, at every change until a restart."""
    guild = world.guild
    event_id, channel, _, _, first = await announced_then_hidden(
        world, fake, "Deleted Channel Talk", "deleted-news", capacity=50)

    def edits() -> list[int]:
        return channel_edits(fake, channel, first)

    await fake.slash(guild, world.member("deleted joiner 0"), "rsvp join", event=str(event_id))
    await until(lambda: edits() == [403], what="the refused edit")
    fake.delete_channel(channel)
    await asyncio.sleep(2.6)  # CHANNEL_DELETE reaches the bot; past the edits' interval
    await fake.slash(guild, world.member("deleted joiner 1"), "rsvp join", event=str(event_id))
    await until(lambda: not world.query("SELECT 1 FROM announcement_messages WHERE "
                                        "event_id = ?", (event_id,)),
                what="the announcement forgotten")
    assert edits() == [403, 404], edits()


async def test_a_notice_refused_before_the_gateway_tells_of_it_waits_for_the_channel(
        world, fake):
    """View Channel is taken from the bot in the announcements channel, and Discord refuses
    the close's notice there (403) before its CHANNEL_UPDATE reaches the bot, whose cache
    still shows the channel open to it: the notice is not dropped, but tried again, and
    posted once the channel is given back."""
    from sandbox.models import VIEW_CHANNEL

    guild = world.guild
    channel = guild.channel("announcements")
    title = "Late Gateway Forum"
    event_id = await world.import_event(title, capacity=5)
    bot_member = guild.members[fake.bot_user.id]
    # denied on Discord, the gateway's word of it not sent yet
    channel.overwrites.append({"id": str(bot_member.id), "type": 1, "allow": "0",
                               "deny": str(VIEW_CHANNEL)})
    first = len(fake.requests)
    await fake.slash(guild, world.moderator, "manage close", event=str(event_id))

    def posts() -> list[int]:
        return [r.status for r in fake.requests[first:]
                if r.method == "POST" and r.path == f"/channels/{channel.id}/messages"]
    await until(lambda: posts() == [403], what="the notice refused")
    await asyncio.sleep(1.0)  # the deliverer's answer to it
    fake.set_overwrite(channel, bot_member)  # given back (the gateway says so)
    world.expire_claims(event_id)  # (as a minute later)
    said = f"Registration for **{title}** has been closed by a moderator."
    await until(lambda: any(m["content"] == said for m in fake.messages(channel)),
                timeout=20, what="the close's notice posted")
