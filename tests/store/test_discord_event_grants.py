"""Discord events refused for want of Manage Events, and the moderators' grant of it
(`RefusedDiscordEvents`, `plan_scheduled_event`): a step that read the bot's permissions
before the grant, and notes its event as refused after the grant looked for it, must not
leave it waiting for a grant already made."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import discord
import pytest

from bot.adapters.refused_discord_events import RefusedDiscordEvents
from bot.adapters.scheduled_events import plan_scheduled_event
from bot.i18n import language
from tests.conftest import a_bot
from tests.store.test_reminders_roles import event_at

pytestmark = pytest.mark.sqlite_only  # the store only holds the event: one backend will do

MANAGE_EVENTS = discord.Permissions(manage_events=True)


class Server:
    """A server as the gateway shows it: the bot's one role (@everyone), its permissions
    changed by `grant` as GUILD_ROLE_UPDATE changes the cache, then the grant's listener
    (`cogs.manage`) asking which refused events to make."""

    def __init__(self, refused: RefusedDiscordEvents) -> None:
        self.role = SimpleNamespace(id=1, permissions=discord.Permissions.none())
        self.id = 1
        self.me = SimpleNamespace(id=99, roles=[self.role])
        self._refused = refused
        self.granted: list[tuple[int, bool]] | None = None

    def grant(self) -> None:
        before = SimpleNamespace(id=self.role.id, permissions=self.role.permissions)
        self.role.permissions = MANAGE_EVENTS
        self.granted = self._refused.granted(self, before)  # type: ignore[arg-type]


async def test_an_edit_that_read_the_permissions_before_the_grant_updates_it_itself(store):
    """The edit read the bot's permissions (none), then looked whether its Discord event is
    still listed, and meanwhile a moderator turned Manage Events on: the grant found nothing
    refused in the server, and the edit's note of the refusal came after it. The Discord
    event is updated by the edit, not left waiting for a grant that was already made (its
    reply saying "I'll update it then", and nothing ever did)."""
    refused = RefusedDiscordEvents()
    server = Server(refused)
    event_id = await event_at(store, datetime(2037, 5, 1, 18, 0, tzinfo=UTC))
    await store.run(store.reminders.set_scheduled_event_id, 1, event_id, 4242)

    async def get_scheduled_event(guild_id, scheduled_event_id, **_):
        server.grant()  # while Discord answers
        return {"id": str(scheduled_event_id), "status": 1}  # still listed

    async def for_guild(guild_id, client):
        return language("en")

    bot = a_bot(store=store, refused_discord_events=refused,
                get_guild=lambda guild_id: server if guild_id == server.id else None,
                http=SimpleNamespace(get_scheduled_event=get_scheduled_event),
                languages=SimpleNamespace(for_guild=for_guild))
    event = await store.run(store.events.get_event, 1, event_id)
    step = await plan_scheduled_event(bot, 1, event, discord.Permissions.none(), create=False)
    assert server.granted == []  # (nothing was refused when the grant came)
    assert step.note is None and step.details is not None and step.existing == 4242, step
    server.role.permissions = discord.Permissions.none()  # taken, given again: nothing waits
    server.grant()
    assert server.granted == []
