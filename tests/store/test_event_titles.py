"""The `[event]` option's events of a server (`event_titles`), kept between keystrokes:
a keystroke costs the read of the server's events version, and a change made anywhere
(another process, SQL behind the store's back) or an event beginning or ending is seen
at the next one."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import NotFound
from bot.flows import events as events_flow
from bot.flows.events import KeptTitles, resolve
from bot.models import EventEdit, EventTitles
from bot.offload import ON_LOOP_ITEMS
from tests.conftest import execute_sql, new_event

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)


async def many_events(store, count: int, guild_id: int = 1) -> None:
    """`count` events of the guild, one an hour from NOW + 1 h, inserted as SQL."""
    await execute_sql(
        store, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " INSERT INTO events (guild_id, slug, title, starts_at, capacity, created_at,"
        " updated_at) SELECT ?, 'e' || i, 'Meetup ' || i, ? + i * 3600, 50, 0, 0 FROM n",
        count, guild_id, int(NOW.timestamp()))


async def titles(store, kept=None, now=NOW, guild_id: int = 1):
    return await store.run(store.events.event_titles, guild_id, kept, now)


@pytest.mark.sqlite_only  # counts the statements SQLite runs
async def test_an_unchanged_servers_titles_cost_one_statement_of_one_row(store):
    await many_events(store, 2000)
    first = await titles(store)
    assert [t.title for t in first.titles[:3]] == ["Meetup 1", "Meetup 2", "Meetup 3"]
    assert len(first.titles) == 2000
    conn = store._repos.session.conn
    statements: list[str] = []
    await store.run(lambda: conn.set_trace_callback(statements.append))
    try:
        again = await titles(store, first, NOW + timedelta(minutes=30))
    finally:
        await store.run(lambda: conn.set_trace_callback(None))
    assert again is first
    assert len(statements) == 1 and "event_versions" in statements[0]
    assert first.until == NOW + timedelta(hours=1)  # when Meetup 1 begins


async def test_a_change_from_another_process_is_seen_at_once(store_opener, tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as here, await store_opener(path) as there:
        first, second = (await new_event(here, slug="first"), await new_event(here, slug="second"))
        kept = await titles(here)
        assert await titles(here, kept) is kept
        named = {t.id: t.title for t in kept.titles}
        assert named == {first.id: "Event first", second.id: "Event second"}

        before = await there.run(there.events.get_event, 1, first.id)
        await there.run(there.events.edit_event, 1, first.id,
                        dataclasses.replace(EventEdit.of(before), title="Renamed"))
        kept = await titles(here, kept)
        assert {t.id: t.title for t in kept.titles}[first.id] == "Renamed"

        await there.run(there.events.set_archived, 1, second.id, True)
        kept = await titles(here, kept)
        assert [t.archived for t in kept.titles if t.id == second.id] == [True]

        await there.run(there.events.delete_event, 1, first.id)
        kept = await titles(here, kept)
        assert [t.id for t in kept.titles] == [second.id]

        # and SQL on another connection, outside the store's rules
        await execute_sql(there, "UPDATE events SET title = 'Retitled' WHERE id = ?", second.id)
        kept = await titles(here, kept)
        assert [t.title for t in kept.titles] == ["Retitled"]
        await execute_sql(there, "DELETE FROM events WHERE id = ?", second.id)
        assert (await titles(here, kept)).titles == ()


async def test_another_servers_changes_leave_the_titles_kept(store):
    await new_event(store)
    kept = await titles(store)
    await new_event(store, guild_id=2)
    assert await titles(store, kept) is kept


async def test_the_order_moves_when_an_event_begins(store):
    await many_events(store, 2)
    kept = await titles(store)
    assert [t.title for t in kept.titles] == ["Meetup 1", "Meetup 2"]
    assert kept.until == NOW + timedelta(hours=1)
    # Meetup 1 begins (it has no end, so it is over as it begins: the past, after the rest)
    later = await titles(store, kept, NOW + timedelta(hours=1))
    assert later is not kept and [t.title for t in later.titles] == ["Meetup 2", "Meetup 1"]
    listed = await store.run(store.events.event_listings, 1, past=True,
                             now=NOW + timedelta(hours=1))
    assert [t.id for t in later.titles] == [listing.id for listing in listed.shown]
    assert later.until == NOW + timedelta(hours=2)
    assert (await titles(store, later, NOW + timedelta(hours=3))).until is None


@pytest.mark.sqlite_only  # counts the statements SQLite runs
async def test_an_event_named_by_its_title_costs_the_version_and_its_own_read(store):
    """Naming an event by its title reads none of the server's other events once its
    titles are kept: the version on the database thread (the event named is then read
    by its id, as members' reads are, on a connection of the event loop's)."""
    await many_events(store, 2000)
    kept = KeptTitles(store)
    assert (await resolve(kept, 1, "meetup  1500")).title == "Meetup 1500"
    conn = store._repos.session.conn
    statements: list[str] = []
    await store.run(lambda: conn.set_trace_callback(statements.append))
    try:
        named = await resolve(kept, 1, "Meetup 1999")
    finally:
        await store.run(lambda: conn.set_trace_callback(None))
    assert named.title == "Meetup 1999"
    assert statements == ["SELECT version FROM event_versions WHERE guild_id = 1"]


async def test_a_title_changed_anywhere_names_its_event_at_once(store):
    """More titles than are indexed on the event loop (on PostgreSQL, made into titles
    off it too), then a title changed behind the store's back: the new one names the
    event at once, the old one nothing."""
    await many_events(store, ON_LOOP_ITEMS + 50)
    kept = KeptTitles(store)
    first = await resolve(kept, 1, "Meetup 1")
    index = await kept.of(1)
    assert [t.title for t in await index.search("meetup 2", archived=False, limit=3)] == [
        "Meetup 2", "Meetup 20", "Meetup 21"]
    await execute_sql(store, "UPDATE events SET title = 'Renamed' WHERE id = ?", first.id)
    assert (await resolve(kept, 1, "renamed")).id == first.id
    with pytest.raises(NotFound):
        await resolve(kept, 1, "Meetup 1")


async def test_a_slug_changed_anywhere_names_its_event_at_once(store):
    """The kept titles name events by slug too: a slug changed behind the store's back
    (SQL, another tool) names its event at the next keystroke, the old one nothing."""
    event = await new_event(store, slug="old-name")
    kept = KeptTitles(store)
    assert (await resolve(kept, 1, "old-name")).id == event.id
    await execute_sql(store, "UPDATE events SET slug = 'new-name' WHERE id = ?", event.id)
    assert (await resolve(kept, 1, "new-name")).id == event.id
    with pytest.raises(NotFound):
        await resolve(kept, 1, "old-name")


async def test_keystrokes_at_once_after_a_change_index_the_titles_once(store, monkeypatch):
    """A change (an import, an event beginning) makes the next keystroke index the
    server's titles again: 155 ms for 10,000 events, on the threads page imports read
    on. Members typing meanwhile each indexed them again, and under steady typing the
    indexing piled up faster than it was done, each reading every title first; now they
    wait for the one under way, then read only the version."""
    await many_events(store, ON_LOOP_ITEMS + 50)  # indexed off the event loop
    kept = KeptTitles(store)
    before = await kept.of(1)
    await execute_sql(store, "UPDATE events SET title = 'Renamed' WHERE title = 'Meetup 7'")
    built: list[object] = []

    class Counted(events_flow.TitleIndex):
        def __init__(self, titles) -> None:
            built.append(titles)
            super().__init__(titles)

    monkeypatch.setattr(events_flow, "TitleIndex", Counted)
    run, read = store.run, []

    async def counted_run(fn, *args):
        result = await run(fn, *args)
        if isinstance(result, EventTitles):
            read.append(result)
        return result

    monkeypatch.setattr(store, "run", counted_run)
    indexes = await asyncio.gather(*(kept.of(1) for _ in range(20)))
    assert len(built) == 1
    # read whole once (143 ms on the database's thread for 10,000), the rest the version
    assert len(read) == 20 and all(titles is read[0] for titles in read)
    assert all(index is indexes[0] for index in indexes) and indexes[0] is not before
    assert [t.title for t in await indexes[0].search("renamed", archived=False, limit=3)] == [
        "Renamed"]
    assert await kept.of(1) is indexes[0] and len(built) == 1
