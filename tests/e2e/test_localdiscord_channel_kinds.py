"""The local server has Discord's kinds of channel, and refuses what Discord refuses in
them, over HTTP: a message into a forum itself (40058: its posts are threads) or a
category (50008), into an archived, locked thread (50083), or into a locked one by whom
may not manage threads (160005); a message into an archived thread that is not locked
opens it again, and no one uses commands or edits a message in an archived one. Threads
carry their parent, owner and metadata, and are not among a guild's channels; a channel
option takes only its channel types."""

from __future__ import annotations

import pytest

from sandbox import FakeDiscord, Guild
from sandbox.models import (
    GUILD_ANNOUNCEMENT,
    GUILD_CATEGORY,
    GUILD_FORUM,
    GUILD_STAGE_VOICE,
    GUILD_VOICE,
    MANAGE_THREADS,
)
from tests.e2e.raw_http import call


@pytest.fixture
async def fake():
    async with FakeDiscord(rate_limits=None) as server:
        yield server


@pytest.fixture
def guild(fake: FakeDiscord) -> Guild:
    return fake.add_guild()


async def send(http, channel) -> tuple[int, dict]:
    return await call(http, "POST", f"/channels/{channel.id}/messages", {"content": "hi"})


async def test_messages_go_where_discord_takes_them(fake, guild, http):
    general = guild.channel("general")
    category = fake.add_channel(guild, "Events", type=GUILD_CATEGORY)
    news = fake.add_channel(guild, "news", type=GUILD_ANNOUNCEMENT, category=category)
    forum = fake.add_channel(guild, "ideas", type=GUILD_FORUM)
    places = [general, news, fake.add_channel(guild, "Lounge", type=GUILD_VOICE),
              fake.add_channel(guild, "Stage", type=GUILD_STAGE_VOICE),
              fake.add_thread(general, "chat"), fake.add_thread(general, "staff", private=True),
              fake.add_thread(news, "follow-up"), fake.add_thread(forum, "a post")]
    for place in places:
        status, body = await send(http, place)
        assert status == 200 and body["channel_id"] == str(place.id), (place, body)
    assert await send(http, forum) == (
        400, {"code": 40058, "message": "Cannot send a message in a forum channel"})
    assert await send(http, category) == (
        400, {"code": 50008, "message": "Cannot send messages in a non-text channel"})


async def test_an_archived_thread_opens_again_unless_locked(fake, guild, http):
    general = guild.channel("general")
    locked = fake.add_thread(general, "closed", archived=True, locked=True)
    assert await send(http, locked) == (400, {"code": 50083, "message": "Thread is archived"})
    assert locked.archived and fake.messages(locked) == []
    quiet = fake.add_thread(general, "quiet", archived=True)
    status, _ = await send(http, quiet)
    assert status == 200 and not quiet.archived
    _, shown = await call(http, "GET", f"/channels/{quiet.id}")
    assert shown["thread_metadata"]["archived"] is False


async def test_a_locked_thread_takes_messages_only_from_who_may_manage_threads(fake, guild,
                                                                              http):
    """Discord's 160005 Thread is locked (50083 is for archived threads alone), unless the
    bot may manage threads."""
    general = guild.channel("general")
    locked = fake.add_thread(general, "announcements only", locked=True)
    bot = guild.members[fake.bot_user.id]
    fake.set_overwrite(general, bot, deny=MANAGE_THREADS)
    assert await send(http, locked) == (403, {"code": 160005, "message": "Thread is locked"})
    assert fake.messages(locked) == []
    fake.set_overwrite(general, bot, allow=MANAGE_THREADS)
    status, _ = await send(http, locked)
    assert status == 200 and len(fake.messages(locked)) == 1


async def edit(http, channel, message) -> tuple[int, dict]:
    return await call(http, "PATCH", f"/channels/{channel.id}/messages/{message['id']}",
                      {"content": "edited"})


async def test_no_message_is_edited_in_an_archived_thread(fake, guild, http):
    """threads.mdx, Active & Archived Threads: "Users cannot edit messages ... in archived
    threads. The only operation that should happen within an archived thread is messages
    being deleted" (400 50083, locked or not); an edit opens no thread."""
    thread = fake.add_thread(guild.channel("general"), "news")
    _, first = await send(http, thread)
    _, second = await send(http, thread)
    for locked in (False, True):
        fake.set_thread_state(thread, archived=True, locked=locked)
        assert await edit(http, thread, first) == (
            400, {"code": 50083, "message": "Thread is archived"})
        assert thread.archived and fake.messages(thread)[0]["content"] == "hi"
    status, _ = await call(http, "DELETE", f"/channels/{thread.id}/messages/{second['id']}")
    assert status == 204
    fake.set_thread_state(thread, archived=False, locked=False)
    assert (await edit(http, thread, first))[0] == 200


async def test_a_locked_threads_messages_are_edited_only_by_who_may_manage_threads(
        fake, guild, http):
    """threads.mdx: without Manage Threads, users "won't be able to create or update
    messages in locked threads" (403 160005, as for a new message)."""
    general = guild.channel("general")
    thread = fake.add_thread(general, "news")
    _, made = await send(http, thread)
    bot = guild.members[fake.bot_user.id]
    fake.set_overwrite(general, bot, deny=MANAGE_THREADS)
    fake.set_thread_state(thread, archived=False, locked=True)
    assert await edit(http, thread, made) == (403, {"code": 160005, "message": "Thread is locked"})
    fake.set_overwrite(general, bot, allow=MANAGE_THREADS)
    assert (await edit(http, thread, made))[0] == 200


async def test_no_one_uses_commands_in_an_archived_thread(fake, guild):
    """Discord: users cannot use application commands in archived threads (a message sent
    there opens it again first)."""
    fake.register_commands([{"id": "1", "name": "ping", "description": "ping", "type": 1}])
    member = fake.add_member(guild, "reader")
    old = fake.add_thread(guild.channel("general"), "last year", archived=True)
    with pytest.raises(ValueError, match="archived thread"):
        await fake.slash(guild, member, "ping", in_channel=old)


async def test_threads_carry_their_parent_and_are_listed_apart(fake, guild, http):
    general = guild.channel("general")
    owner = fake.add_member(guild, "starter")
    thread = fake.add_thread(general, "chat", owner=owner, private=True)
    _, shown = await call(http, "GET", f"/channels/{thread.id}")
    assert shown["type"] == 12 and shown["parent_id"] == str(general.id), shown
    assert shown["owner_id"] == str(owner.id) and shown["guild_id"] == str(guild.id)
    assert set(shown["thread_metadata"]) >= {"archived", "archive_timestamp",
                                             "auto_archive_duration", "locked", "invitable"}
    _, listed = await call(http, "GET", f"/guilds/{guild.id}/channels")
    assert str(thread.id) not in {c["id"] for c in listed}
    full = fake._guild_payload(guild, full=True)
    assert [t["id"] for t in full["threads"]] == [str(thread.id)]
    fake.set_thread_state(thread, archived=True)
    assert fake._guild_payload(guild, full=True)["threads"] == []  # active threads only
    with pytest.raises(ValueError, match="no private threads"):
        fake.add_thread(fake.add_channel(guild, "ideas", type=GUILD_FORUM), "p", private=True)


async def test_a_channel_option_takes_only_its_channel_types(fake, guild):
    fake.register_commands([{
        "id": "1", "name": "post", "description": "post", "type": 1,
        "options": [{"type": 7, "name": "channel", "description": "where",
                     "channel_types": [0, 5], "required": True}]}])
    member = fake.add_member(guild, "mod")
    thread = fake.add_thread(guild.channel("general"), "chat")
    with pytest.raises(ValueError, match=r"takes channels of types \[0, 5\]"):
        await fake.slash(guild, member, "post", channel=thread)
    with pytest.raises(ValueError, match="a category or forum has no chat"):
        await fake.slash(guild, member, "post", channel=guild.channel("general"),
                         in_channel=fake.add_channel(guild, "ideas", type=GUILD_FORUM))


async def test_kinds_of_channel_survive_a_saved_world(guild, fake):
    general = guild.channel("general")
    category = fake.add_channel(guild, "Events", type=GUILD_CATEGORY)
    voice = fake.add_channel(guild, "Lounge", type=GUILD_VOICE, category=category)
    thread = fake.add_thread(general, "old", archived=True, locked=True)
    state = fake.export_state()
    async with FakeDiscord(rate_limits=None) as again:
        again.restore_state(state)
        [restored] = again.guilds.values()
        assert restored.channels[voice.id].type == GUILD_VOICE
        assert restored.channels[voice.id].parent is restored.channels[category.id]
        back = restored.channels[thread.id]
        assert back.payload() == thread.payload()


async def test_a_deleted_channel_takes_its_threads_with_it(fake, guild, http):
    """Discord deletes a channel's threads with it (and sends no event of their own:
    discord.py drops them on the channel's CHANNEL_DELETE): messages into them, or edits,
    are 10003 Unknown Channel, and no one uses the app there."""
    parent = fake.add_channel(guild, "to go")
    thread = fake.add_thread(parent, "follow-up")
    elsewhere = fake.add_thread(guild.channel("general"), "stays")
    status, posted = await send(http, thread)
    assert status == 200
    fake.delete_channel(parent)
    unknown = (404, {"code": 10003, "message": "Unknown Channel"})
    assert await send(http, thread) == unknown
    assert await call(http, "PATCH", f"/channels/{thread.id}/messages/{posted['id']}",
                      {"content": "x"}) == unknown
    assert thread.id not in guild.channels
    fake.register_commands([{"id": "1", "name": "ping", "description": "ping", "type": 1}])
    with pytest.raises(ValueError, match="deleted"):
        await fake.slash(guild, guild.owner, "ping", in_channel=thread)
    assert (await send(http, elsewhere))[0] == 200
