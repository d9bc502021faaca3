"""A server changing while the bot's gateway connection is down, through the real bot.

After a RESUME, Discord replays what the bot missed (CHANNEL_UPDATE, GUILD_CREATE of a
re-invite...). After a new session (the RESUME refused: op 9 ``false``, or a session
Discord timed out), nothing is replayed: READY and a fresh GUILD_CREATE per server carry
the state as it is now, and discord.py dispatches ``guild_available`` for each, never
``guild_join`` or ``guild_channel_update``. What the bot waits for on those events must
also be caught up from the fresh GUILD_CREATE."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.models import VIEW_CHANNEL
from tests.e2e.conftest import until
from tests.e2e.test_reliability import announce

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def away(fake, change, *, resumable: bool) -> None:
    """Drop the bot's gateway connection; while it is down (its session off the socket,
    nothing more sent to it) make `change`; wait until the bot is back, RESUMEd or on a
    new session (discord.py waits 5 s before IDENTIFYing again)."""
    cut = asyncio.ensure_future(fake.drop_gateway(resumable=resumable, timeout=30))
    await asyncio.sleep(0)  # the session is off its socket from here on
    assert not fake._connected()
    change()
    await cut


def registration_shown(message: dict) -> str:
    return next(f["value"] for f in message["embeds"][0]["fields"]
                if f["name"] == "Registration")


@pytest.mark.parametrize("resumable", [True, False], ids=["resumed", "new session"])
async def test_a_channel_given_back_while_away_brings_its_refused_announcement_up_to_date(
        world, fake, resumable):
    """View Channel taken from the bot in an announcement's channel: an edit is refused
    (403) and the announcement is held until a change lets the bot post there again
    (`AnnouncementEdits.permissions_changed`). The channel is given back while the bot's
    connection is down. Resumed: the CHANNEL_UPDATE is replayed and the announcement is
    brought up to date. New session: the fresh GUILD_CREATE shows the channel open again,
    but no CHANNEL_UPDATE comes; the announcement should be brought up to date all the
    same, not left showing the old seats until the event's next change (may never come)."""
    guild = world.guild
    channel = fake.add_channel(guild, f"hidden-away-{resumable}")
    event_id = await world.import_event(f"Hidden While Away {resumable}", capacity=50)
    posted = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id),
                              channel=channel)
    assert "Posted" in posted.content, posted
    await world.past_on_ready()
    bot_member = guild.members[fake.bot_user.id]
    fake.set_overwrite(channel, bot_member, deny=VIEW_CHANNEL)
    await asyncio.sleep(0.5)  # the CHANNEL_UPDATE reaches the bot
    first = len(fake.requests)

    def edits() -> list[int]:
        return [r.status for r in fake.requests[first:]
                if r.method == "PATCH" and r.path.startswith(f"/channels/{channel.id}/")]

    joined = await fake.slash(guild, world.member(f"hidden away joiner {resumable}"),
                              "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content, joined
    await until(lambda: edits() == [403], what="the refused edit")
    await asyncio.sleep(2.5)  # past the edits' interval

    await away(fake, lambda: fake.set_overwrite(channel, bot_member), resumable=resumable)
    await until(lambda: edits() == [403, 200], timeout=15,
                what="the announcement brought up to date once the channel is seen open")
    [message] = fake.messages(channel)
    assert registration_shown(message) == "Open: 49 of 50 seats left", message["embeds"]


@pytest.mark.parametrize("resumable", [True, False], ids=["resumed", "new session"])
async def test_invited_back_while_away_the_announcement_shows_the_seats_taken_meanwhile(
        world, fake, resumable):
    """Removed from the server, the bot leaves its announcement as it was while members
    still RSVP there (the server keeps its commands). It is invited back while its
    connection is down. Resumed: the GUILD_CREATE is replayed (a join) and
    `AnnouncementEdits.invited_back` brings the announcement up to date. New session: the
    same server comes in READY and its GUILD_CREATE (``guild_available``, not
    ``guild_join``); the announcement should be brought up to date all the same, not
    left showing the seats of before the removal."""
    guild, title = world.guild, f"Invited Back While Away {resumable}"
    event_id = await world.import_event(title, capacity=5)
    channel = guild.channel("announcements")
    posted = await announce(world, event_id, title)
    message_id = int(posted["id"])
    assert registration_shown(posted) == "Open: 5 of 5 seats left"
    await world.past_on_ready()

    fake.remove_bot(guild)
    await until(lambda: world.query("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                                    " AND left_at IS NOT NULL", (guild.id,)), what="the kick")
    for i in range(2):
        joined = await fake.slash(guild, world.member(f"away {resumable} joiner {i}"),
                                  "rsvp join", event=str(event_id))
        assert "confirmed" in joined.content, joined
    await asyncio.sleep(2.5)  # past the announcement's edit interval

    try:
        await away(fake, lambda: fake.rejoin(guild), resumable=resumable)
    finally:
        if guild.id not in fake.guilds:  # (the next tests need it)
            fake.rejoin(guild)
    await until(lambda: world.query("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                                    " AND left_at IS NULL", (guild.id,)), timeout=10,
                what="the server set up again")
    updated = await fake.wait_message(
        channel, lambda m: int(m["id"]) == message_id
        and registration_shown(m) == "Open: 3 of 5 seats left", timeout=10)
    assert updated


async def test_removed_while_away_on_a_new_session_the_server_is_taken_as_left(world, fake):
    """The bot is removed from a server while its connection is down, and comes back on a
    new session: Discord sends no GUILD_DELETE (READY simply no longer lists the server).
    The bot notices such servers only at its retention task's look
    (`Retention.note_guilds_gone`), which runs once after the first READY and then at most
    hourly (CHECK_INTERVAL): the server's leaving (`left_guild`, the GuildLeft signal: the
    retention clock, the announcement timers, the refused Discord events forgotten) is
    not recorded for up to an hour. A new session's READY is the moment to look."""
    elsewhere = fake.add_guild("Removed While Away")
    fake.add_member(elsewhere, "away member")
    await until(lambda: world.query("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                                    " AND left_at IS NULL", (elsewhere.id,)), timeout=10,
                what="the server set up")
    await world.past_on_ready()
    await away(fake, lambda: fake.remove_bot(elsewhere), resumable=False)
    await until(lambda: world.query("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                                    " AND left_at IS NOT NULL", (elsewhere.id,)), timeout=15,
                what="the server taken as left after the new session's READY")


async def test_an_outage_across_a_new_session_holds_the_notice_and_refresh_until_it_ends(
        world, fake):
    """Discord loses the server (GUILD_DELETE unavailable) while the bot is connected; the
    bot then comes back on a new session with the server still listed unavailable in
    READY. A member fills an event meanwhile: the capacity notice and the announcement's
    refresh wait for the server, and are made once when it comes back."""
    from bot.render import CAPACITY_REACHED

    guild, title = world.guild, "Outage Across Sessions"
    event_id = await world.import_event(title, capacity=1)
    channel = guild.channel("announcements")
    message_id = int((await announce(world, event_id, title))["id"])
    fake.outage(guild)
    try:
        await asyncio.sleep(0.5)
        await fake.invalidate_session(resumable=False, timeout=30)
        joined = await fake.slash(guild, world.member("outage across filler"), "rsvp join",
                                  event=str(event_id))
        assert "confirmed" in joined.content, joined
        await asyncio.sleep(3.0)
        assert [m for m in fake.messages(channel) if CAPACITY_REACHED in m["content"]
                and f"**{title}**" in m["content"]] == []
    finally:
        fake.end_outage(guild)
    await fake.wait_message(channel, lambda m: f"**{title}**" in m["content"]
                            and CAPACITY_REACHED in m["content"], timeout=10)
    await fake.wait_message(channel, lambda m: int(m["id"]) == message_id
                            and "Full" in registration_shown(m), timeout=10)
    await asyncio.sleep(1.0)
    assert len([m for m in fake.messages(channel) if CAPACITY_REACHED in m["content"]
                and f"**{title}**" in m["content"]]) == 1
    assert "Traceback" not in world.bot.output()


@pytest.mark.parametrize("how", ["connected", "resumed", "new session"])
async def test_a_capacity_notice_with_no_channel_to_post_in_waits_for_one(world, fake, how):
    """The server hides every text channel from the bot (View Channel denied; while its
    connection is down, or not). A member then takes the last seat: the "Registration is
    now closed" notice has nowhere to go. It waits for a channel, as notices wait for a
    server in an outage, and is posted once one is given back, not dropped."""
    from bot.render import CAPACITY_REACHED
    guild, title = world.guild, f"Nowhere To Post {how}"
    event_id = await world.import_event(title, capacity=1)
    await announce(world, event_id, title)
    await world.past_on_ready()
    await asyncio.sleep(2.5)  # past the edits after the announce
    bot_member = guild.members[fake.bot_user.id]
    # #announcements given back first: the notice goes to the first channel it may post in
    channels = sorted((c for c in guild.channels.values() if c.type == 0),
                      key=lambda c: c.name != "announcements")

    def hide() -> None:
        for channel in channels:
            fake.set_overwrite(channel, bot_member, deny=VIEW_CHANNEL)
    try:
        if how == "connected":
            hide()
            await asyncio.sleep(0.5)  # the CHANNEL_UPDATEs reach the bot
        else:
            await away(fake, hide, resumable=how == "resumed")
        joined = await fake.slash(guild, world.member(f"nowhere filler {how}"),
                                  "rsvp join", event=str(event_id))
        assert "confirmed" in joined.content, joined
        await asyncio.sleep(2.0)  # the notice found no channel meanwhile
    finally:
        for channel in channels:
            fake.set_overwrite(channel, bot_member)
    await fake.wait_message(guild.channel("announcements"),
                            lambda m: f"**{title}**" in m["content"]
                            and CAPACITY_REACHED in m["content"], timeout=10)


@pytest.mark.parametrize("how", ["resumed", "new session", "restart"])
async def test_an_attendee_role_deleted_while_away_is_told_to_the_moderators(world, fake, how):
    """An event's attendee role is deleted while the bot is away. Resumed, the
    GUILD_ROLE_DELETE is replayed and the moderators hear at once that the event gives no
    role now. On a new session or after a restart nothing replays it, but the fresh
    GUILD_CREATE lists the server's roles without it: the moderators hear it then too, not
    when a member's join or cancel happens to meet Discord's 10011 (maybe never)."""
    from tests.e2e.test_guild_changes import told_of
    from tests.e2e.test_reminders_roles_schedules import role_the_bot_may_give
    guild = world.guild
    role = await role_the_bot_may_give(world, fake, f"Away Attendee {how}")
    event_id = await world.import_event(f"Role Gone Away {how}", capacity=5)
    set_role = await fake.slash(guild, guild.owner, "manage role", role=role,
                                event=str(event_id))
    assert f"<@&{role.id}>" in set_role.content, set_role
    member = world.member(f"role gone holder {how}")
    await fake.slash(guild, member, "rsvp join", event=str(event_id))
    await until(lambda: role in member.roles, what="the role given")
    await world.past_on_ready()
    if how == "restart":
        await world.bot.stop()
        fake.delete_role(guild, role)
        world.start_bot()
        await fake.wait_ready(process=world.bot)
    else:
        await away(fake, lambda: fake.delete_role(guild, role), resumable=how == "resumed")
    title = f"Role Gone Away {how}"

    def told() -> list[dict]:  # by the role's name where the bot saw it go, else without
        return told_of(fake, guild, role) or [
            m for m in fake.messages(guild.channel("announcements"))
            if m["content"].startswith(f"The attendee role of **{title}** was deleted")]

    await until(told, timeout=10, what="the moderators told the role was deleted")
    await asyncio.sleep(1.0)
    assert len(told()) == 1, told()  # once, though a resume also replays GUILD_CREATE


@pytest.mark.parametrize("how", ["connected", "resumed", "new session", "restart"])
async def test_the_servers_discord_language_changed_shows_the_bots_posts_in_it(world, fake,
                                                                               how):
    """A server with no `/manage language` choice changes its language in Discord from
    English to Chinese: while the bot is connected (GUILD_UPDATE), while its connection is
    down (replayed on a resume; only the fresh GUILD_CREATE shows it on a new session), or
    while it is stopped. The announcement posted in English is shown in Chinese, and the
    event's Discord event, described in both languages, now shows the Chinese first, as
    after `/manage language`: not left in the old language until the event next changes."""
    from tests.e2e.test_reminders_roles_schedules import bilingual_discord_event, han_first
    guild, _, made = await bilingual_discord_event(fake, world, "en-US", f"lang {how}")
    assert not han_first(made["description"]), made["description"][:60]
    channel = guild.channel("announcements")
    [posted] = [m for m in fake.messages(channel) if m["embeds"]]
    assert registration_shown(posted) == "Open: 60 of 60 seats left", posted["embeds"]
    await world.past_on_ready()

    def change() -> None:
        fake.set_preferred_locale(guild, "zh-CN")
    if how == "connected":
        change()
    elif how == "restart":
        await world.bot.stop()
        change()
        world.start_bot()
        await fake.wait_ready(process=world.bot)
    else:
        await away(fake, change, resumable=how == "resumed")
    await until(lambda: han_first(fake.scheduled_events(guild)[0]["description"]), timeout=10,
                what="the Discord event in Chinese first")
    await fake.wait_message(channel, lambda m: m["id"] == posted["id"] and {
        "name": "报名", "value": "开放报名：共 60 个座位，剩余 60 个", "inline": False}
        in m["embeds"][0]["fields"], timeout=10)
    [now] = fake.scheduled_events(guild)
    assert now["id"] == made["id"]
    assert "Traceback" not in world.bot.output()
