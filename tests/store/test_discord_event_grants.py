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
from tests.conftest import BotMember, a_bot
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
        self.me = BotMember(id=99, roles=[self.role])
        self._refused = refused
        self.granted: list[tuple[int, bool]] | None = None

    def grant(self) -> None:
        self.role.permissions = MANAGE_EVENTS
        self.granted = self._refused.granted(self)  # type: ignore[arg-type]


async def test_an_edit_that_read_the_permissions_before_the_grant_updates_it_itself(store):
    """The edit read the bot's permissions (none), then looked whether its Discord event is
    still listed, and meanwhile a moderator turned Manage Events on: the grant found nothing
    refused in the server, and the edit's note of the refusal came after it. The Discord
    event is updated by the edit, not left waiting for a grant that was already made (its
    reply saying "I'll update it then", and nothing ever did)."""
    refused = RefusedDiscordEvents(store)
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


async def test_a_grant_whose_step_failed_is_noted_again_for_the_next_change(store, caplog):
    """The moderators gave the permission, and the database was busy for the event's read:
    the event is noted as refused again (a warning, not an error), and the next change of
    the bot's roles updates its Discord event, where it was dropped and never updated."""
    from bot.errors import DatabaseBusy
    from bot.locks import KeyedLocks
    from cogs.manage import ManageCommands

    refused = RefusedDiscordEvents(store)
    server = Server(refused)
    event_id = await event_at(store, datetime(2037, 5, 1, 18, 0, tzinfo=UTC))
    await store.run(store.reminders.set_scheduled_event_id, 1, event_id, 4242)
    refused.refused(1, event_id, create=False)
    busy_once = [DatabaseBusy()]
    edited: list[int] = []

    class BusyOnce:
        """The store, busy for its first read of an event."""

        def __getattr__(self, name: str) -> object:
            return getattr(store, name)

        async def run(self, call, *args):
            if busy_once and call == store.events.get_event:
                raise busy_once.pop()
            return await store.run(call, *args)

    async def edit_scheduled_event(guild_id, scheduled_event_id, **_):
        edited.append(scheduled_event_id)

    async def for_guild(guild_id, client):
        return language("en")

    cog = ManageCommands(a_bot(  # type: ignore[arg-type]
        store=BusyOnce(), refused_discord_events=refused, event_steps=KeyedLocks(),
        get_guild=lambda guild_id: server if guild_id == server.id else None,
        http=SimpleNamespace(edit_scheduled_event=edit_scheduled_event),
        languages=SimpleNamespace(for_guild=for_guild)))
    server.role.permissions = MANAGE_EVENTS
    await cog.permission_given(server)  # type: ignore[arg-type]
    assert edited == [] and [r.levelname for r in caplog.records
                             if r.name == "cogs.manage"] == ["WARNING"]
    await cog.permission_given(server)  # type: ignore[arg-type]  # the next change
    assert edited == [4242]
    await cog.permission_given(server)  # type: ignore[arg-type]  # nothing waits now
    assert edited == [4242]
