"""The local Discord answers as Discord does when the world changes under the bot: a
server that removed the bot, a deleted channel, role or message, a channel hidden from it,
and a server in an outage."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from sandbox import FakeDiscord
from sandbox.models import ATTACH_FILES, EMBED_LINKS, READ_MESSAGE_HISTORY, VIEW_CHANNEL
from tests.e2e.raw_http import call

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def fake():
    async with FakeDiscord(rate_limits=None) as server:
        yield server


def error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"message": message, "code": code}


MISSING_ACCESS = error(403, 50001, "Missing Access")


async def test_a_server_that_removed_the_bot_is_missing_access_to_it(fake, http):
    guild = fake.add_guild("Kicked")
    member = fake.add_member(guild, "m")
    role = fake.add_role(guild, "Attendee")
    channel = guild.channel("announcements")
    status, posted = await call(http, "POST", f"/channels/{channel.id}/messages",
                                {"content": "hi"})
    assert status == 200
    fake.remove_bot(guild)
    message = f"/channels/{channel.id}/messages/{posted['id']}"
    assert await call(http, "POST", f"/channels/{channel.id}/messages",
                      {"content": "again"}) == MISSING_ACCESS
    assert await call(http, "PATCH", message, {"content": "edited"}) == MISSING_ACCESS
    assert await call(http, "GET", f"/channels/{channel.id}") == MISSING_ACCESS
    assert await call(http, "PUT", f"/guilds/{guild.id}/members/{member.id}/roles/{role.id}"
                      ) == MISSING_ACCESS
    assert await call(http, "GET", f"/guilds/{guild.id}/scheduled-events") == MISSING_ACCESS
    assert await call(http, "GET", "/guilds/1234/roles") == error(404, 10004, "Unknown Guild")
    fake.rejoin(guild)  # invited back: as before
    assert (await call(http, "PATCH", message, {"content": "edited"}))[0] == 200


async def test_deleted_channel_role_and_message_are_unknown(fake, http):
    guild = fake.add_guild()
    member = fake.add_member(guild, "m")
    role = fake.add_role(guild, "Attendee")
    channel = fake.add_channel(guild, "events")
    guild.members[fake.bot_user.id].roles[0].position = 100  # above the attendee role
    status, posted = await call(http, "POST", f"/channels/{channel.id}/messages",
                                {"content": "hi"})
    assert status == 200
    fake.delete_message(posted)
    assert await call(http, "PATCH", f"/channels/{channel.id}/messages/{posted['id']}",
                      {"content": "x"}) == error(404, 10008, "Unknown Message")
    fake.delete_channel(channel)
    assert await call(http, "POST", f"/channels/{channel.id}/messages",
                      {"content": "x"}) == error(404, 10003, "Unknown Channel")
    path = f"/guilds/{guild.id}/members/{member.id}/roles/{role.id}"
    assert (await call(http, "PUT", path))[0] == 204
    fake.delete_role(guild, role)
    assert role not in member.roles
    assert await call(http, "PUT", path) == error(404, 10011, "Unknown Role")


async def test_a_channel_hidden_from_the_bot_is_missing_access_even_to_edit(fake, http):
    guild = fake.add_guild()
    channel = guild.channel("announcements")
    status, posted = await call(http, "POST", f"/channels/{channel.id}/messages",
                                {"content": "hi"})
    assert status == 200
    fake.set_overwrite(channel, guild.everyone, deny=VIEW_CHANNEL)
    assert await call(http, "PATCH", f"/channels/{channel.id}/messages/{posted['id']}",
                      {"content": "x"}) == MISSING_ACCESS
    assert await call(http, "POST", f"/channels/{channel.id}/messages",
                      {"content": "x"}) == MISSING_ACCESS


async def test_without_embed_links_embeds_are_dropped_and_an_embed_alone_refused(fake, http):
    guild = fake.add_guild()
    channel = guild.channel("announcements")
    fake.set_overwrite(channel, guild.members[fake.bot_user.id], deny=EMBED_LINKS)
    path = f"/channels/{channel.id}/messages"
    embed = {"title": "Seats", "description": "3 left"}
    assert await call(http, "POST", path, {"embeds": [embed]}) == error(
        403, 50013, "Missing Permissions")
    status, posted = await call(http, "POST", path, {"content": "hi", "embeds": [embed]})
    assert (status, posted["content"], posted["embeds"]) == (200, "hi", [])
    assert [m["content"] for m in fake.messages(channel)] == ["hi"]


async def test_without_read_message_history_the_history_is_empty_and_a_message_unread(
        fake, http):
    """Discord's rule: without Read Message History in a channel, its messages list empty
    (200, not an error) and one of them is Missing Access; posting still works."""
    guild = fake.add_guild()
    channel = guild.channel("announcements")
    path = f"/channels/{channel.id}/messages"
    status, posted = await call(http, "POST", path, {"content": "hi"})
    assert status == 200
    status, listed = await call(http, "GET", path + "?limit=5")
    assert (status, [m["id"] for m in listed]) == (200, [posted["id"]])
    fake.set_overwrite(channel, guild.members[fake.bot_user.id], deny=READ_MESSAGE_HISTORY)
    assert await call(http, "GET", path + "?limit=5") == (200, [])
    assert await call(http, "GET", f"{path}/{posted['id']}") == MISSING_ACCESS
    status, _ = await call(http, "POST", path, {"content": "again"})
    assert status == 200
    assert [m["content"] for m in fake.messages(channel)] == ["hi", "again"]
    # DMs have no such permission: their history is the bot's to read.
    user = fake.add_member(guild, "m")
    dm = fake.dm_channel(user)
    status, _ = await call(http, "POST", f"/channels/{dm.id}/messages", {"content": "psst"})
    assert status == 200
    status, listed = await call(http, "GET", f"/channels/{dm.id}/messages?limit=5")
    assert (status, [m["content"] for m in listed]) == (200, ["psst"])


async def test_without_attach_files_a_file_is_refused_in_a_new_message_or_an_edit(fake):
    """Discord's rule: an upload to a server's channel needs Attach Files (403 50013
    otherwise, nothing posted or changed); a message without files still goes."""
    guild = fake.add_guild()
    channel = guild.channel("announcements")
    fake.set_overwrite(channel, guild.members[fake.bot_user.id], deny=ATTACH_FILES)
    path = f"{fake.api_base}/channels/{channel.id}/messages"

    def form(payload: str = '{"content": "see file"}') -> aiohttp.FormData:
        data = aiohttp.FormData(quote_fields=False)
        data.add_field("payload_json", payload)
        data.add_field("files[0]", b"x,y\n", filename="rsvps.csv")
        return data

    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"}) as s:
        async with s.post(path, data=form()) as resp:
            assert (resp.status, await resp.json()) == error(403, 50013, "Missing Permissions")
        async with s.post(path, json={"content": "no file"}) as resp:
            assert resp.status == 200
            posted = await resp.json()
        async with s.patch(f"{path}/{posted['id']}", data=form()) as resp:
            assert (resp.status, await resp.json()) == error(403, 50013, "Missing Permissions")
    assert [(m["content"], m["attachments"]) for m in fake.messages(channel)] == [
        ("no file", [])]


async def test_a_bot_invited_back_has_a_new_role_at_the_bottom(fake, http):
    """Discord deletes a removed bot's managed role; invited back, the bot gets a new one,
    just above @everyone: it may not give the roles it gave before until a moderator drags
    its role above them again."""
    guild = fake.add_guild("Kicked and back")
    member = fake.add_member(guild, "m")
    role = fake.add_role(guild, "Attendee")
    me = guild.members[fake.bot_user.id]
    [old] = me.roles
    old.position = role.position + 1
    grant = f"/guilds/{guild.id}/members/{member.id}/roles/{role.id}"
    assert (await call(http, "PUT", grant))[0] == 204
    fake.remove_bot(guild)
    assert old.id not in guild.roles
    fake.rejoin(guild)
    [new] = me.roles
    assert new.id != old.id and new.bot_id == fake.bot_user.id and new.id in guild.roles
    assert new.position == 1 < role.position
    assert await call(http, "DELETE", grant) == error(403, 50013, "Missing Permissions")
    _, roles = await call(http, "GET", f"/guilds/{guild.id}/roles")
    assert str(old.id) not in {r["id"] for r in roles}
    new.position = role.position + 1  # dragged up again
    assert (await call(http, "DELETE", grant))[0] == 204
