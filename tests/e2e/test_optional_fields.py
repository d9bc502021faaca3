"""The bot against a Discord stand-in that leaves out what Discord documents as optional
or sends only sometimes (discord.py then gives None, a default or a partial object):
members' and moderators' core paths answer as they do with every field present."""

from __future__ import annotations

import asyncio
import re

import pytest

from sandbox import Attachment
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page

pytestmark = pytest.mark.asyncio(loop_scope="module")


def problems(log: str) -> list[str]:
    return [line for line in log.splitlines()
            if "Traceback" in line or " ERROR " in line or " WARNING " in line]


# Optional in Discord's documentation, or sent only sometimes (`channel_id` is deprecated
# for `channel`; a partial channel's name, topic and overwrites come and go).
INTERACTION_FIELDS = [
    "app_permissions", "guild_locale", "guild", "context", "entitlements",
    "authorizing_integration_owners", "member.nick", "member.avatar", "member.permissions",
    "member.pending", "member.premium_since", "member.communication_disabled_until",
    "member.user.global_name", "channel", "channel_id", "channel.name", "channel.topic",
    "channel.permission_overwrites", "message.interaction_metadata",
]


# In a server's GUILD_CREATE: optional in Discord's documentation (a channel's topic,
# overwrites and nsfw flag; a role's icon, emoji and tags; a member's nick and avatar), or
# left out by a server that sends less (the member count, which makes discord.py ask for
# the members, and the features).
GUILD_FIELDS = [
    "channels.*.topic", "channels.*.permission_overwrites", "channels.*.nsfw",
    "channels.*.last_message_id", "roles.*.icon", "roles.*.unicode_emoji",
    "roles.*.tags", "roles.*.colors", "members.*.nick", "members.*.avatar", "member_count",
    "features", "guild_scheduled_events", "threads", "stickers", "emojis",
    "max_members", "vanity_url_code", "description", "banner", "premium_subscription_count",
]


@pytest.mark.parametrize("path", INTERACTION_FIELDS)
async def test_core_paths_without_an_interaction_field(world, fake, path):
    await core_paths(world, fake, path, {"INTERACTION_CREATE": {path}})


@pytest.mark.parametrize("path", GUILD_FIELDS)
async def test_core_paths_without_a_guild_field(world, fake, path):
    await core_paths(world, fake, path, {"GUILD_CREATE": {path}})


async def core_paths(world, fake, path: str, omitted: dict[str, set[str]]) -> None:
    fake.omitted_paths = omitted
    try:
        guild = fake.add_guild(f"Omit {path}", preferred_locale="zh-CN")
        moderator = fake.add_member(guild, "mod " + path, manage_events=True)
        await fake.wait_ready(process=world.bot)
        since = len(world.bot.output())
        channel = guild.channel("announcements")
        set_channel = await fake.slash(guild, moderator, "manage channel", channel=channel)
        assert f"<#{channel.id}>" in set_channel.content, set_channel
        title = "Forum " + re.sub(r"[^a-z]+", " ", path)
        reply = await import_page(fake, guild, moderator, page=Attachment(
            "a.txt", title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT, "text/plain"),
            title=title, capacity=2)
        found = re.search(r"\(event (\d+)\)", reply.content or "")
        assert found, reply
        event_id = found[1]
        first, second, third = (fake.add_member(guild, f"{n} {path}") for n in "abc")
        zh = fake.add_member(guild, f"zh {path}", locale="zh-CN")
        info = await fake.slash(guild, first, "event info", event=event_id)
        assert info.embeds[0]["title"] == title, info
        fields = {f["name"]: f["value"] for f in info.embeds[0]["fields"]}
        assert "报名" in fields, fields  # public: the server's language
        choices = await fake.autocomplete(guild, first, "rsvp join", focused="event",
                                          event="Forum")
        assert any(event_id == str(c["value"]) for c in choices), choices
        joined = await fake.slash(guild, first, "rsvp join", event=event_id)
        assert joined.ephemeral and "confirmed" in joined.content, joined
        zh_status = await fake.slash(guild, zh, "rsvp status", event=event_id)
        assert zh_status.content == f"你尚未报名 **{title}**。", zh_status  # their client's
        posted = await fake.slash(guild, moderator, "manage announce", event=event_id)
        assert posted.content.startswith(f"Posted **{title}** in <#{channel.id}>"), posted
        message = await fake.wait_message(channel, lambda m: any(
            e.get("title") == title for e in m["embeds"]))
        clicked = await fake.click(guild, second, message, f"eventbot:rsvp:join:{event_id}")
        assert clicked.ephemeral and "confirmed" in clicked.content, clicked
        await fake.wait_message(channel, lambda m: title in m["content"]
                                and "容量" in m["content"])
        waiting = await fake.slash(guild, third, "rsvp join", event=event_id)
        assert "waitlisted" in waiting.content, waiting
        cancelled = await fake.slash(guild, first, "rsvp cancel", event=event_id)
        assert "cancelled" in cancelled.content, cancelled
        refused = await fake.slash(guild, first, "manage close", event=event_id)
        assert refused.ephemeral and "**Manage Events**" in refused.content, refused  # a member
        closed = await fake.slash(guild, moderator, "manage close", event=event_id,
                                  reason="room")
        assert closed.content == f"Registration for **{title}** is closed.", closed
        log = world.bot.output()[since:]
        assert not problems(log), log[-4000:]
    finally:
        fake.omitted_paths = {}


async def test_without_guild_locale_the_language_status_names_the_servers_language(world, fake):
    """`guild_locale` is optional in an interaction: the server's language is still the
    one its GUILD_CREATE gave, not English "as the bot does not speak" it."""
    fake.omitted_paths = {"INTERACTION_CREATE": {"guild_locale"}}
    try:
        guild = fake.add_guild("繁體 server", preferred_locale="zh-TW")
        moderator = fake.add_member(guild, "tw mod", manage_events=True)
        await fake.wait_ready(process=world.bot)
        status = await fake.slash(guild, moderator, "manage language")
        assert status.ephemeral and status.content == (
            "The bot's posts in this server are in **中文（繁體）**, the server's language "
            "in Discord; choose another with `/manage language`."), status
    finally:
        fake.omitted_paths = {}


async def test_without_a_system_channel_announcements_go_to_the_announcements_channel(
        world, fake):
    """A server whose GUILD_CREATE names no system channel: the moderator's announce,
    with no channel set, goes to #announcements."""
    fake.omitted_paths = {"GUILD_CREATE": {"system_channel_id"}}
    try:
        guild = fake.add_guild("No system channel")
        moderator = fake.add_member(guild, "nsc mod", manage_events=True)
        await fake.wait_ready(process=world.bot)
        since = len(world.bot.output())
        reply = await import_page(fake, guild, moderator, page=Attachment(
            "a.txt", b"Quiet Forum\n\n" + OPEN_ANNOUNCEMENT, "text/plain"),
            title="Quiet Forum", capacity=3)
        found = re.search(r"\(event (\d+)\)", reply.content or "")
        assert found, reply
        posted = await fake.slash(guild, moderator, "manage announce", event=found[1])
        channel = guild.channel("announcements")
        assert f"<#{channel.id}>" in posted.content, posted
        await fake.wait_message(channel, lambda m: any(
            e.get("title") == "Quiet Forum" for e in m["embeds"]))
        assert not problems(world.bot.output()[since:])
    finally:
        fake.omitted_paths = {}


def no_locale(payload: dict) -> None:
    del payload["locale"]


async def test_without_locale_a_member_is_answered_as_last_seen_else_as_the_server(
        world, fake):
    """`locale` is optional in an interaction (discord.py then says en-US): a member is
    answered in the language their client sent last, and one never seen in the server's
    language; the guess is not recorded as their client's."""
    guild = fake.add_guild("无语言", preferred_locale="zh-CN")
    moderator = fake.add_member(guild, "nl mod", manage_events=True)
    await fake.wait_ready(process=world.bot)
    title = "Unsaid Forum"
    reply = await import_page(fake, guild, moderator, page=Attachment(
        "a.txt", title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT, "text/plain"),
        title=title, capacity=3)
    event_id = re.search(r"\(event (\d+)\)", reply.content or "")[1]
    english, unseen = fake.add_member(guild, "seen en"), fake.add_member(guild, "unseen en")
    said = await fake.slash(guild, english, "rsvp status", event=event_id)
    assert said.content == f"You're not registered for **{title}**.", said
    unsaid = await fake.slash(guild, english, "rsvp status", event=event_id, mutate=no_locale)
    assert unsaid.content == said.content, unsaid
    joined = await fake.slash(guild, unseen, "rsvp join", event=event_id, mutate=no_locale)
    assert joined.ephemeral and joined.content == f"你已确认报名 **{title}**。到时见！", joined
    for _ in range(300):  # written in batches (FLUSH_INTERVAL)
        if world.query("SELECT 1 FROM member_locales WHERE user_id = ?", (english.id,)):
            break
        await asyncio.sleep(0.05)
    assert world.query("SELECT locale FROM member_locales WHERE user_id IN (?, ?)",
                       (english.id, unseen.id)) == [("en-US",)]


async def test_without_locale_the_last_client_language_wins_across_servers(
        world, fake):
    """A member seen in a Chinese server's interaction with zh-CN, then in another server
    with en-GB, is answered without `locale` in the language seen last, in either server;
    a language discord.py does not know is no error; what is recorded is only what their
    client sent."""
    first = fake.add_guild("第一", preferred_locale="zh-CN")
    second = fake.add_guild("second", preferred_locale="en-US")
    await fake.wait_ready(process=world.bot)
    in_first = fake.add_member(first, "traveller")
    in_second = fake.add_member(second, "traveller", user=in_first.user)
    in_first.user.locale = "zh-CN"
    said = await fake.slash(first, in_first, "rsvp mine")
    in_first.user.locale = "en-GB"
    english = await fake.slash(second, in_second, "rsvp mine")
    assert said.content != english.content, (said, english)
    unsaid = await fake.slash(first, in_first, "rsvp mine", mutate=no_locale)
    assert unsaid.content == english.content, unsaid
    in_first.user.locale = "xx-ZZ"  # no locale discord.py or the bot knows
    made_up = await fake.slash(second, in_second, "rsvp mine")
    unsaid = await fake.slash(first, in_first, "rsvp mine", mutate=no_locale)
    assert unsaid.content == made_up.content == english.content, unsaid
    for _ in range(300):  # written in batches (FLUSH_INTERVAL)
        if world.query("SELECT locale FROM member_locales WHERE user_id = ?",
                       (in_first.user.id,)) == [("xx-ZZ",)]:
            break
        await asyncio.sleep(0.05)
    assert world.query("SELECT locale FROM member_locales WHERE user_id = ?",
                       (in_first.user.id,)) == [("xx-ZZ",)]
    log = world.bot.output()
    assert not [line for line in log.splitlines() if "Traceback" in line], log[-3000:]
