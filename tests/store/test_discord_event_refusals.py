"""The Discord events refused for want of Manage Events, noted in the database behind the
bot's memory (`RefusedDiscordEvents`): what a reply promised ("I'll create it then") is
kept across a restart, on either backend."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace

import discord

from bot.adapters.refused_discord_events import RefusedDiscordEvents
from tests.conftest import BotMember, purged
from tests.store.test_reminders_roles import event_at

START = datetime(2037, 5, 1, 18, 0, tzinfo=UTC)


def server(guild_id: int, permitted: bool) -> discord.Guild:
    """A server as the gateway shows it, the bot's one role with Manage Events or not."""
    role = SimpleNamespace(id=guild_id, permissions=discord.Permissions(
        manage_events=permitted))
    return SimpleNamespace(id=guild_id, me=BotMember(id=99, roles=[role]))  # type: ignore[return-value]


async def noted(store) -> list[tuple[int, int, bool]]:
    return await store.run(store.reminders.discord_event_refusals)


async def written(refused: RefusedDiscordEvents) -> None:
    """Until the refusals' writer has caught up with memory."""
    for _ in range(200):
        if not refused._unwritten and (refused._writer is None or refused._writer.done()):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the refusals were not written")


async def test_refusals_are_noted_changed_and_dropped(store):
    first = await event_at(store, START, slug="first")
    second = await event_at(store, START, slug="second")
    other = await event_at(store, START, slug="other", guild_id=2)
    note = store.reminders.note_discord_event_refusals
    await store.run(note, [(1, first, False), (1, second, True), (2, other, False)])
    assert await noted(store) == [(1, first, False), (1, second, True), (2, other, False)]
    await store.run(note, [(1, first, True), (2, other, None)])  # an announce; a settle
    assert await noted(store) == [(1, first, True), (1, second, True)]
    # an event of another server, or none, is not noted
    await store.run(note, [(2, first, False), (1, other, True), (1, 999_999, True)])
    assert await noted(store) == [(1, first, True), (1, second, True)]


async def test_a_deleted_events_refusal_goes_with_it_and_a_purged_servers_with_it(store):
    kept = await event_at(store, START, slug="kept")
    deleted = await event_at(store, START, slug="deleted")
    leaving = await event_at(store, START, slug="leaving", guild_id=2)
    await store.run(store.reminders.note_discord_event_refusals,
                    [(1, kept, True), (1, deleted, True), (2, leaving, False)])
    await store.run(store.events.delete_event, 1, deleted)
    await store.run(store.settings.set_guild_left, 2, START)
    assert await purged(store, 2, START)
    assert await noted(store) == [(1, kept, True)]


async def test_what_a_run_refused_the_next_one_makes_once_given(store):
    """Refused, then the bot stops: the next run finds the event waiting and hands it to
    the grant; one settled before the stop does not wait any more."""
    made = await event_at(store, START, slug="made")
    updated = await event_at(store, START, slug="updated")
    settled = await event_at(store, START, slug="settled")
    elsewhere = await event_at(store, START, slug="elsewhere", guild_id=2)
    before = RefusedDiscordEvents(store)
    before.refused(1, made, create=True)
    before.refused(1, updated, create=False)
    before.refused(1, settled, create=True)
    before.refused(2, elsewhere, create=True)
    before.settled(1, settled)
    await before.stop()

    after = RefusedDiscordEvents(store)
    await after.load(lambda guild_id: guild_id == 1)  # the shard of server 1 alone
    assert after.granted(server(1, permitted=False)) == []  # still without it: waiting
    assert sorted(after.granted(server(1, permitted=True))) == [(made, True), (updated, False)]
    assert after.granted(server(2, permitted=True)) == []  # another process's server
    await written(after)
    assert await noted(store) == [(2, elsewhere, True)]  # taken: no longer waiting
    after.refused(1, updated, create=False)  # its step failed: noted again
    await written(after)
    assert await noted(store) == [(1, updated, False), (2, elsewhere, True)]
    after.forget_guild(1)  # the bot left the server
    await after.stop()
    assert await noted(store) == [(2, elsewhere, True)]
