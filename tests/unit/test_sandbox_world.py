"""The Sandbox server: its roles, and keeping it (with the bot's messages) across runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from sandbox import FakeDiscord
from sandbox.console import world


def test_a_fresh_sandbox_has_roles_below_the_bots_own_and_a_moderator_above():
    fake = FakeDiscord()
    guild = world.new_world(fake)
    positions = {r.name: r.position for r in guild.roles.values()}
    assert positions == {"@everyone": 0, "Attendee": 1, "Speaker": 2, "EventBot": 3,
                         "Event Manager": 4}
    assert list(world.people(fake, guild)) == ["you", "moderator"]
    assert world.is_manager(guild.members[world.MODERATOR_ID])
    assert not world.is_manager(guild.members[world.MEMBER_ID])


async def test_the_server_and_the_bots_messages_come_back_with_their_ids(tmp_path):
    path = world.state_path(tmp_path / "sandbox.sqlite3")
    assert path.name == "sandbox.state.json"
    async with FakeDiscord() as before:
        guild = world.new_world(before)
        alice = before.add_member(guild, "alice")
        before.time_out(alice, datetime.now(UTC) + timedelta(hours=1))
        general = guild.channel("general")
        button = {"type": 1, "components": [{"type": 2, "style": 1, "label": "Join",
                                             "custom_id": "rsvp:join:7"}]}
        posted = before._new_message(general, {"content": "Spring Forum",
                                               "components": [button]}, {0: ("a.csv", b"x,y\n")})
        dm = before._new_message(before.dm_channel(alice), {"content": "a seat is yours"}, {})
        world.save_world(before, path)
    async with FakeDiscord() as after:
        restored = world.load_world(after, path)
        assert restored is not None and restored.id == world.GUILD_ID
        assert after.bot_user.id == before.bot_user.id and after.app_id == before.app_id
        assert list(world.people(after, restored)) == ["you", "moderator", "alice"]
        assert restored.channel("general").id == general.id
        assert [r.name for r in restored.members[world.MODERATOR_ID].roles] == ["Event Manager"]
        assert restored.members[alice.id].timed_out  # and still only reads
        assert after.permissions(restored.members[alice.id]) == before.permissions(alice)
        message = after.messages(general.id)[0]
        assert message["id"] == posted.data["id"] and message["components"] == [button]
        assert after.files_of(message) == [("a.csv", b"x,y\n")]
        assert message["attachments"][0]["url"].startswith(after.base_url + "/attachments/")
        assert after.dms(alice.id)[0]["id"] == dm.data["id"]
        assert after.add_user("new").id > max(int(posted.data["id"]), int(dm.data["id"]))


async def test_a_server_saved_before_its_moderators_could_give_roles_lets_them(tmp_path):
    path = world.state_path(tmp_path / "sandbox.sqlite3")
    async with FakeDiscord() as before:
        guild = world.new_world(before)
        guild.role(world.MANAGER_ROLE).permissions &= ~world.MANAGE_ROLES  # an older save
        world.save_world(before, path)
    async with FakeDiscord() as after:
        restored = world.load_world(after, path)
        assert restored is not None
        assert restored.role(world.MANAGER_ROLE).permissions & world.MANAGE_ROLES


async def test_nothing_saved_is_a_fresh_start_and_a_damaged_file_one_line(tmp_path):
    path = tmp_path / "sandbox.state.json"
    async with FakeDiscord() as fake:
        assert world.load_world(fake, path) is None
    for text in ("{not json", json.dumps({"version": 99}), json.dumps({"version": 1})):
        path.write_text(text)
        async with FakeDiscord() as fake:
            with pytest.raises(world.WorldError, match=r"cannot load the saved sandbox \(.*\); "
                               "--fresh starts over$") as caught:
                world.load_world(fake, path)
            assert "\n" not in str(caught.value)
