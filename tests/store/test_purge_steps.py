"""A server's data deleted once the bot has been gone past the retention period
(`purge_guild`, then `purge_leftovers`): nothing of it can be read once the first step is
done, the rest goes a few rows at a time with other servers' writes in between, and a
purge stopped midway is finished by the next call, the server the bot came back to in
between keeping what it made since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import EventNotFound
from bot.models import OwedChange, RolesToGive
from tests.conftest import execute_sql, new_event

LEFT = datetime(2024, 1, 1, tzinfo=UTC)
MEMBERS = 30  # per event of the server purged


async def server_to_purge(store) -> list[int]:
    """Server 1's events (two, with MEMBERS RSVPs each, roles owed back and to give again,
    and a deleted one whose role is owed back too), the bot gone from it since LEFT."""
    events = [await new_event(store, guild_id=1, slug=f"gone-{n}") for n in range(3)]
    for event in events:
        for user_id in range(1, MEMBERS + 1):
            await store.join(1, event.id, user_id, f"member {user_id}")
    await store.run(store.reminders.change_owed_roles, [
        OwedChange(True, event.id, 77, (1, 2, 3), 1) for event in events])
    await store.run(store.reminders.give_roles_at_start, [
        RolesToGive(1, events[0].id, False, (4, 5))])
    await store.run(store.events.delete_event, 1, events[2].id)
    await store.run(store.settings.set_guild_left, 1, LEFT)
    return [event.id for event in events]


async def rows_of(store, event_ids: list[int]) -> dict[str, int]:
    """The rows of these events left in the tables that hold rows of events."""
    marks = ", ".join("?" * len(event_ids))
    counts = {}
    tables = ["rsvps", "owed_roles", "roles_to_give", "roles_to_give_again", "pages", "outbox"]
    if getattr(store, "_pool", None) is None:
        tables.append("event_texts")  # SQLite's: an event's long texts, beside its row
    for table in tables:
        counts[table] = (await execute_sql(
            store, f"SELECT count(*) FROM {table} WHERE event_id IN ({marks})",
            *event_ids))[0][0]
    return {table: count for table, count in counts.items() if count}


async def nothing_readable(store, event_ids: list[int]) -> None:
    for event_id in event_ids:
        with pytest.raises(EventNotFound):
            await store.run(store.events.get_event, 1, event_id)
        assert await store.run(store.events.deleted_event, 1, event_id) is None
    assert (await store.run(store.registrations.my_rsvps, 1, 1)).total == 0
    assert not [r for r in await store.run(store.reminders.owed_roles)
                if r.event_id in event_ids]
    assert not [r for r in await store.run(store.reminders.roles_to_give)
                if r.event_id in event_ids]
    assert await store.run(store.search.ask, 1, "researcher") == []


async def test_a_big_server_is_deleted_in_short_steps_other_servers_writing_between(store):
    """One transaction deleted all of a server's data: on a million RSVPs it held the
    database 4.5 s, every other server's joins waiting. Now the first step makes all of
    it unreadable and the rest goes `rows` at a time, each step its own transaction, with
    another server's joins committed between them (SQLite; PostgreSQL deletes it whole)."""
    gone = await server_to_purge(store)
    other = await new_event(store, guild_id=2, slug="stays")
    await store.join(2, other.id, 1, "member 1")

    assert await store.run(store.settings.purge_guild, 1, LEFT + timedelta(days=1))
    await nothing_readable(store, gone)
    steps = 0
    while await store.run(store.settings.purge_leftovers, 10):
        steps += 1
        await store.join(2, other.id, 100 + steps, "between")
        await nothing_readable(store, gone)
    assert await rows_of(store, gone) == {}
    assert await store.run(store.settings.purge_leftovers, 10) is False
    if getattr(store, "_pool", None) is None:  # SQLite: 2 x 30 RSVPs and the rest, 10 a step
        assert steps >= 2 * MEMBERS // 10
    # the other server's event and RSVPs, all of them, are as they were written
    assert (await store.run(store.events.get_event, 2, other.id)).confirmed == 1 + steps
    assert await store.run(store.settings.guilds_left) == []


async def test_a_purge_stopped_midway_is_finished_without_touching_the_server_come_back(
        store_opener, tmp_path):
    """A purge stopped after a step (the bot stopped) leaves the rest to the next call,
    after a restart: meanwhile the bot came back to the server, which starts afresh, and
    what it makes there (an event, its RSVPs, a role owed back) is kept."""
    path = tmp_path / "purge.sqlite3"
    async with await store_opener(path) as store:
        gone = await server_to_purge(store)
        assert await store.run(store.settings.purge_guild, 1, LEFT + timedelta(days=1))
        await store.run(store.settings.purge_leftovers, 10)  # then the bot stops
        if getattr(store, "_pool", None) is None:  # SQLite: the rest is left
            assert (await rows_of(store, gone))["rsvps"] > MEMBERS
    async with await store_opener(path) as store:
        await nothing_readable(store, gone)
        await store.run(store.settings.guilds_present, [1])  # back in the server
        again = await new_event(store, guild_id=1, slug="gone-0")  # a slug free again
        for user_id in range(1, 4):
            await store.join(1, again.id, user_id, f"member {user_id}")
        await store.run(store.reminders.change_owed_roles,
                        [OwedChange(True, again.id, 77, (1,), 1)])
        while await store.run(store.settings.purge_leftovers, 10):
            pass
        assert await rows_of(store, gone) == {}
        assert (await store.run(store.events.get_event, 1, again.id)).confirmed == 3
        assert [r.event_id for r in await store.run(store.reminders.owed_roles)] == [again.id]
        found = await store.run(store.search.ask, 1, "researcher")
        assert [passage.event_id for passage in found] == [again.id]
        assert await store.run(store.settings.guilds_kept) == [1]
