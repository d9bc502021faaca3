"""Each event's calendar UID (RFC 5545 §3.8.4.7: globally unique; the same UID is the same
event, and a calendar ignores a copy whose SEQUENCE is not above the one it holds). It was
`event-{id}-{guild}@eventbot`: two events given one id in one server, by a database
restored from a backup or by a second deployment, were one event to every calendar."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from bot.calendar import event_ics
from bot.storage import EventDraft, open_store
from tests.conftest import make_page, sqlite_before

START = datetime(2031, 12, 1, 18, tzinfo=UTC)


async def create(store, slug: str):
    event, _ = await store.run(store.events.save_event, 1,
                               EventDraft(slug=slug, title=f"Talk {slug}", capacity=5,
                                          starts_at=START),
                               [(f"page {slug}", make_page(description=f"About {slug}."))],
                               new=True)
    return event


def uid_of(event) -> str:
    [entry] = Calendar.from_ical(event_ics(event)).walk("VEVENT")
    return str(entry["uid"])


async def test_each_event_is_made_with_a_uid_of_its_own_that_it_keeps(store):
    first, second = await create(store, "first"), await create(store, "second")
    assert first.calendar_uid and second.calendar_uid
    assert first.calendar_uid != second.calendar_uid
    assert uid_of(first) == first.calendar_uid
    await store.run(store.events.save_event, 1, EventDraft(slug=first.slug, title="Renamed",
                                                           capacity=9),
                    [("page first, edited", make_page())])
    again = await store.run(store.events.get_event, 1, first.id)
    assert again.calendar_uid == first.calendar_uid and again.revision > first.revision


@pytest.mark.sqlite_only
async def test_an_event_made_after_a_restored_backup_does_not_take_a_uid_given_out(tmp_path):
    path, copy = tmp_path / "bot.sqlite3", tmp_path / "backup.sqlite3"
    async with await open_store(path) as store:
        await create(store, "first")
        await store.backup(copy)
        lost = await create(store, "lost")
    shutil.copyfile(copy, path)  # restored, as the README has the operator do
    for leftover in ("-wal", "-shm"):
        (tmp_path / f"bot.sqlite3{leftover}").unlink(missing_ok=True)
    async with await open_store(path) as store:
        other = await create(store, "other")
    assert other.id == lost.id  # the id is given again...
    assert uid_of(other) != uid_of(lost)  # ...the UID is not


@pytest.mark.sqlite_only
async def test_two_deployments_serving_one_server_give_different_uids(tmp_path):
    made = []
    for name in ("a", "b"):
        async with await open_store(tmp_path / f"{name}.sqlite3") as store:
            made.append(await create(store, "talk"))
    assert made[0].id == made[1].id and uid_of(made[0]) != uid_of(made[1])


@pytest.mark.sqlite_only
async def test_the_events_there_before_keep_the_uid_their_calendars_hold(tmp_path):
    path = tmp_path / "bot.sqlite3"
    old = sqlite_before(path, "calendar_uid")
    with old:
        old.execute("INSERT INTO events (id, guild_id, slug, title, capacity, created_at,"
                    " updated_at, starts_at) VALUES (7, 1, 'old', 'Old Talk', 5, 0, 0, ?)",
                    (int(START.timestamp()),))
    old.close()
    async with await open_store(path) as store:
        kept = await store.run(store.events.get_event, 1, 7)
    assert uid_of(kept) == "event-7-1@eventbot"
