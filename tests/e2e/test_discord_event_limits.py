"""Discord events the bot cannot make or follow: its role without Manage Events, and a
server at Discord's limit of 100 Discord events to come. Through the real bot process."""

from __future__ import annotations

import asyncio
import time

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

MANAGE_EVENTS = 1 << 33
CREATE_EVENTS = 1 << 44


async def eventually(predicate, timeout: float = 5.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def bot_role(world):
    return next(r for r in world.guild.roles.values() if r.bot_id is not None)


async def set_permissions(world, role, permissions: int) -> None:
    """What an admin changing a role's permissions does: Discord tells the bot."""
    role.permissions = permissions
    await world.fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(world.guild.id),
                                                    "role": role.payload()})


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


async def edited(world, fake, event_id: int, values: dict[str, str], moderator=None) -> str:
    form = await fake.slash(world.guild, moderator or world.moderator, "manage edit",
                            event=str(event_id))
    done = await fake.submit_modal(form, values)
    assert done.ephemeral and "Updated" in done.content, done.content
    return done.content


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
        text = await edited(world, fake, event_id, {"venue": "Room 4"})
        assert "couldn't update" not in text, text
        assert text.endswith(
            "Its Discord event was deleted, ended or cancelled on Discord. To make a new one, "
            "I need the **Manage Events** (or **Create Events**) permission: turn it on for "
            "my role under Server Settings > Roles, then use /manage announce."), text
        assert recorded(world, event_id) is None
        since = len(fake.requests)
        text = await edited(world, fake, event_id, {"venue": "Room 5"})
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
        text = await edited(world, fake, event_id, {"venue": "Room 6"})
    assert "I couldn't update the Discord event: I need the **Manage Events**" in text, text
    assert recorded(world, event_id) == int(made)
    text = await edited(world, fake, event_id, {"venue": "Room 7"})
    assert "The Discord event is updated." in text, text
    [listed] = [e for e in fake.scheduled_events(world.guild) if e["id"] == made]
    assert listed["entity_metadata"] == {"location": "Room 7"}


async def test_the_bot_logged_no_unexpected_error(world):
    output = world.bot.output()
    assert "Traceback" not in output and "ERROR" not in output, output[-3000:]
