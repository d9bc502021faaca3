"""Discord events the bot cannot make or follow: its role without Manage Events, and a
server at Discord's limit of 100 Discord events to come. Through the real bot process."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from sandbox.models import CREATE_EVENTS, MANAGE_EVENTS
from tests.e2e.conftest import edited
from tests.e2e.raw_http import call
from tests.e2e.test_reminders_roles_schedules import bot_role, eventually, set_permissions

pytestmark = pytest.mark.asyncio(loop_scope="module")


def recorded(world, event_id: int) -> int | None:
    [(scheduled,)] = world.query("SELECT scheduled_event_id FROM events WHERE id = ?",
                                 (event_id,))
    return scheduled


def scheduled_event_calls(fake, since: int) -> list:
    return [r for r in fake.requests[since:] if "/scheduled-events" in r.path]


async def announced(world, fake, title: str, starts_at: str = "2037-09-01T18:00:00+00:00"
                    ) -> tuple[int, str]:
    """A new event announced with its Discord event made: its id and the Discord event's."""
    event_id = await world.import_event(title, capacity=5, starts_at=starts_at)
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id))
    assert "It is also in the server's Discord events." in posted.content, posted.content
    made = recorded(world, event_id)
    assert made is not None
    return event_id, str(made)


class Unpermitted:
    """The bot's role without Manage Events and Create Events, for the `with` block."""

    def __init__(self, world) -> None:
        self.world, self.role = world, bot_role(world)

    async def __aenter__(self) -> None:
        self.saved = self.role.permissions
        await set_permissions(self.world, self.role,
                              self.saved & ~(MANAGE_EVENTS | CREATE_EVENTS))

    async def __aexit__(self, *_: object) -> None:
        await set_permissions(self.world, self.role, self.saved)


async def test_an_edit_without_manage_events_says_a_deleted_discord_event_is_gone_once(
        world, fake):
    """The bot's role lost Manage Events after it made the Discord event, and a moderator
    then deleted that Discord event under the server's Events: an edit says it is gone and
    what making a new one takes, once, rather than that the bot needs the permission to
    update it at every edit (there is nothing left to update)."""
    event_id, made = await announced(world, fake, "Deleted Unpermitted Forum")
    fake.delete_scheduled_event(world.guild, made)
    async with Unpermitted(world):
        text = await edited(world, event_id, {"venue": "Room 4"})
        assert "couldn't update" not in text, text
        assert text.endswith(
            "Its Discord event was deleted, ended or cancelled on Discord. To make a new one, "
            "I need the **Manage Events** (or **Create Events**) permission: turn it on for "
            "my role under Server Settings > Roles, then use /manage announce."), text
        assert recorded(world, event_id) is None
        since = len(fake.requests)
        text = await edited(world, event_id, {"venue": "Room 5"})
        assert "Discord event" not in text, text
        assert scheduled_event_calls(fake, since) == []


async def test_a_deletion_without_manage_events_says_nothing_of_a_deleted_discord_event(
        world, fake):
    """As above, the event then deleted: the reply does not tell the moderator to delete by
    hand a Discord event that is already gone, and the bot sends Discord no deletion it
    would refuse (a 403 counts against Discord's invalid-request limit)."""
    event_id, made = await announced(world, fake, "Gone Then Removed Forum")
    fake.delete_scheduled_event(world.guild, made)
    async with Unpermitted(world):
        since = len(fake.requests)
        asked = await fake.slash(world.guild, world.moderator, "manage delete",
                                 event=str(event_id))
        confirm, _ = asked.custom_ids()
        clicked = await fake.click(world.guild, world.moderator, asked.message, confirm)
        done = await clicked.wait(lambda r: "Deleted" in (r.content or ""))
        assert done.content == "Deleted **Gone Then Removed Forum**. Nobody had an RSVP.", done
        await eventually(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                                 (event_id,)), what="the deletion's notice")
        assert [r.method for r in scheduled_event_calls(fake, since)] == ["GET"]


async def test_an_edit_without_manage_events_of_a_listed_discord_event_says_what_to_do(
        world, fake):
    """The Discord event is still listed and the bot lost Manage Events: the edit says the
    bot needs the permission to update it, and leaves it recorded for the next edit."""
    event_id, made = await announced(world, fake, "Listed Unpermitted Forum")
    async with Unpermitted(world):
        text = await edited(world, event_id, {"venue": "Room 6"})
    assert text.endswith("I couldn't update the Discord event: I need the **Manage Events** "
                         "(or **Create Events**) permission for that: turn it on for my role "
                         "under Server Settings > Roles, and I'll update it then."), text
    assert recorded(world, event_id) == int(made)
    # Given back (the `with` block's end), the Discord event is updated without an edit.
    await eventually(lambda: [e["entity_metadata"] for e in fake.scheduled_events(world.guild)
                              if e["id"] == made] == [{"location": "Room 6"}],
                     what="the Discord event updated once the permission was given")
    text = await edited(world, event_id, {"venue": "Room 7"})
    assert "The Discord event is updated." in text, text
    [listed] = [e for e in fake.scheduled_events(world.guild) if e["id"] == made]
    assert listed["entity_metadata"] == {"location": "Room 7"}


async def test_a_discord_event_refused_for_want_of_manage_events_is_made_once_given(
        world, fake):
    """An announcement made while the bot's role lacks Manage Events: the reply says the
    Discord event will be made once it is turned on, and it is, as soon as Discord tells the
    bot of the change; a change that still leaves the bot without it asks Discord nothing."""
    event_id = await world.import_event("Made Once Permitted Forum", capacity=5,
                                        starts_at="2037-09-02T18:00:00+00:00")
    mine = bot_role(world)
    async with Unpermitted(world):
        posted = await fake.slash(world.guild, world.moderator, "manage announce",
                                  event=str(event_id))
        assert posted.content.endswith(
            "I couldn't create the Discord event: I need the **Manage Events** (or **Create "
            "Events**) permission for that: turn it on for my role under Server Settings > "
            "Roles, and I'll create it then."), posted.content
        since = len(fake.requests)
        await set_permissions(world, mine, mine.permissions)  # changed, still without it
        await asyncio.sleep(0.5)
        assert scheduled_event_calls(fake, since) == [] and recorded(world, event_id) is None
    await eventually(lambda: recorded(world, event_id) is not None,
                     what="the Discord event made once the permission was given")
    [made] = [e for e in fake.scheduled_events(world.guild)
              if e["name"] == "Made Once Permitted Forum"]
    assert int(made["id"]) == recorded(world, event_id)
    assert [r.method for r in scheduled_event_calls(fake, since)] == ["POST", "GET"]


async def test_a_role_given_to_the_bot_with_manage_events_makes_the_refused_discord_event(
        world, fake):
    """As above, the moderator giving the bot a role that has Manage Events rather than
    turning it on for the bot's own role: Discord tells the bot by GUILD_MEMBER_UPDATE of its
    own member, which it sends without the members intent."""
    event_id = await world.import_event("Given A Role Forum", capacity=5,
                                        starts_at="2037-09-03T18:00:00+00:00")
    async with Unpermitted(world):
        posted = await fake.slash(world.guild, world.moderator, "manage announce",
                                  event=str(event_id))
        assert posted.content.endswith("and I'll create it then."), posted.content
        me = world.guild.members[fake.bot_user.id]
        held = list(me.roles)
        fake.set_roles(me, [*held, fake.add_role(world.guild, "Event Managers", MANAGE_EVENTS)])
        try:
            await eventually(lambda: recorded(world, event_id) is not None,
                             what="the Discord event made once a role gave the permission")
        finally:
            fake.set_roles(me, held)
    assert [e["name"] for e in fake.scheduled_events(world.guild)
            if int(e["id"]) == recorded(world, event_id)] == ["Given A Role Forum"]


async def test_a_discord_event_refused_before_a_restart_is_made_once_given_after_it(
        world, fake):
    """The reply's word holds across a restart: refused, the bot restarts, and the grant
    after it makes the Discord event."""
    event_id = await world.import_event("Refused Before A Restart Forum", capacity=5,
                                        starts_at="2037-09-04T18:00:00+00:00")
    async with Unpermitted(world):
        posted = await fake.slash(world.guild, world.moderator, "manage announce",
                                  event=str(event_id))
        assert posted.content.endswith("and I'll create it then."), posted.content
        await world.restart_bot()
        await asyncio.sleep(0.5)
        assert recorded(world, event_id) is None
    await eventually(lambda: recorded(world, event_id) is not None,
                     what="the Discord event made once given, after the restart")
    assert [e["name"] for e in fake.scheduled_events(world.guild)
            if int(e["id"]) == recorded(world, event_id)] == ["Refused Before A Restart Forum"]


async def test_a_discord_event_refused_is_made_at_the_start_after_a_grant_while_stopped(
        world, fake):
    """The moderator turns Manage Events on while the bot is stopped, so no change reaches
    it: the next start finds the permission given and makes the Discord event."""
    event_id = await world.import_event("Granted While Stopped Forum", capacity=5,
                                        starts_at="2037-09-05T18:00:00+00:00")
    role = bot_role(world)
    saved = role.permissions
    await set_permissions(world, role, saved & ~(MANAGE_EVENTS | CREATE_EVENTS))
    try:
        posted = await fake.slash(world.guild, world.moderator, "manage announce",
                                  event=str(event_id))
        assert posted.content.endswith("and I'll create it then."), posted.content
        await world.bot.stop()
    finally:
        role.permissions = saved  # (no bot connected to tell)
    world.start_bot()
    await fake.wait_ready(process=world.bot)
    await eventually(lambda: recorded(world, event_id) is not None,
                     what="the Discord event made at the start")
    assert [e["name"] for e in fake.scheduled_events(world.guild)
            if int(e["id"]) == recorded(world, event_id)] == ["Granted While Stopped Forum"]


async def test_discords_trouble_making_or_updating_a_discord_event_says_to_try_again(
        world, fake):
    """Discord fails the Discord event's create (its edge's 429 ban of the bot's address,
    an HTML page) and then an update (503): the moderator is told that Discord failed, not
    that it refused (as of a name or a time it will never take), and what to do; the
    announce made again once Discord answers makes it, and updates it."""
    guild = world.guild
    event_id = await world.import_event("Edge Banned Forum", capacity=5,
                                        starts_at="2037-09-03T18:00:00+00:00")
    fake.fail("POST", rf"^/guilds/{guild.id}/scheduled-events$", status=429, edge_ban=True,
              retry_after=30)
    posted = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert posted.content.startswith("Posted **Edge Banned Forum**"), posted.content
    assert "refused" not in posted.content, posted.content
    assert posted.content.endswith(
        "use /manage announce again in a few minutes to make it."), posted.content
    assert recorded(world, event_id) is None
    again = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert again.content.endswith("It is also in the server's Discord events."), again.content
    made = recorded(world, event_id)
    fake.fail("PATCH", rf"^/guilds/{guild.id}/scheduled-events/{made}$", status=503)
    text = await edited(world, event_id, {"venue": "Room 9"})
    assert "refused" not in text, text
    assert text.endswith("Discord failed to update the Discord event (503: injected by "
                         "FakeDiscord); use /manage announce again in a few minutes to bring "
                         "it up to date."), text
    again = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert again.content.endswith("The Discord event is updated."), again.content
    [shown] = [e for e in fake.scheduled_events(guild) if e["id"] == str(made)]
    assert shown["entity_metadata"] == {"location": "Room 9"}


def listed(fake, guild) -> list[dict]:
    """The server's Discord events to come or going on, which Discord counts to 100."""
    return [e for e in fake.scheduled_events(guild) if e["status"] in (1, 2)]


async def test_a_server_at_discords_100_discord_events_gets_the_announcement_alone(
        world, fake):
    """The server has Discord's most of 100 Discord events to come or going on: the
    announce still posts and keeps the event; the moderator is told in one line why it has
    no Discord event and what to do; Discord is asked once, not again at the next edit;
    once a Discord event is deleted, announcing again makes it."""
    guild = world.guild
    path = f"/guilds/{guild.id}/scheduled-events"
    others = []
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(fake.api_base + "/", headers=headers) as http:
        while len(listed(fake, guild)) < 100:  # the server's other Discord events
            status, made = await call(http, "POST", path, {
                "name": f"Other Talk {len(others)}", "privacy_level": 2, "entity_type": 3,
                "scheduled_start_time": "2038-01-01T18:00:00+00:00",
                "scheduled_end_time": "2038-01-01T20:00:00+00:00",
                "entity_metadata": {"location": "Room 1"}})
            if status == 429:  # the route's rate limit, as for any client
                await asyncio.sleep(made["retry_after"])
                continue
            assert status == 200, made
            others.append(made)
    assert len(listed(fake, guild)) == 100
    event_id = await world.import_event("Full House Forum", capacity=5,
                                        starts_at="2037-10-01T18:00:00+00:00")
    since = len(fake.requests)
    posted = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert posted.ephemeral and posted.content.startswith("Posted **Full House Forum**"), posted
    assert posted.content.endswith(
        "No Discord event created: the server already has 100 Discord events to come or "
        "going on, Discord's limit; end or delete old ones under the server's Events, then "
        "use /manage announce again."), posted.content
    assert "Maximum number" not in posted.content
    assert [(r.method, r.status) for r in scheduled_event_calls(fake, since)] == [
        ("POST", 400)]
    assert recorded(world, event_id) is None
    assert [m for m in fake.messages(guild.channel("announcements"))
            if any(e.get("title") == "Full House Forum" for e in m["embeds"])]
    since = len(fake.requests)
    text = await edited(world, event_id, {"venue": "Room 8"})
    assert "Discord event" not in text, text
    assert scheduled_event_calls(fake, since) == []

    fake.delete_scheduled_event(guild, others[0]["id"])
    again = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert again.content.endswith("It is also in the server's Discord events."), again.content
    [made] = [e for e in listed(fake, guild) if e["name"] == "Full House Forum"]
    assert recorded(world, event_id) == int(made["id"])
    assert made["entity_metadata"] == {"location": "Room 8"}


async def test_the_bot_logged_no_unexpected_error(world):
    output = world.bot.output()
    assert "Traceback" not in output and "ERROR" not in output, output[-3000:]
