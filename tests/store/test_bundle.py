"""The bundled sample event, imported the way a new server gets it: its English
announcement and recap, and its announcement in Chinese, on one event."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.catalog import (
    drafted_in,
    event_folders,
    import_folders,
    read_bundled,
    read_event_folder,
    save_samples,
)
from bot.errors import InvalidValue
from bot.models import Event
from bot.pages import page_language, parse_page
from bot.storage import EventDraft
from tests.conftest import ANNOUNCEMENT, RECAP, ROOT, SAMPLE_DIR, make_page, new_event

CHINESE = SAMPLE_DIR / "announcement.zh.txt"
SEED_PEOPLE = [("Tong Zhao (赵通)", "moderator"), ("Li Bin (李彬)", "speaker"),
               ("Fan Jishe (樊吉社)", "discussant"), ("Duan Zhanyuan (段占元)", "discussant"),
               ("Zhang Hongyu", "discussant")]


def test_the_chinese_announcement_is_the_events_third_page():
    folder = read_event_folder(SAMPLE_DIR)
    assert [text for text, _ in folder.pages] == [
        path.read_text(encoding="utf-8") for path in (ANNOUNCEMENT, RECAP, CHINESE)]
    page = folder.pages[2][1]
    assert page.kind == "announcement"
    # A translation of the English page, which names no date or place: neither does it.
    assert (page.title, page.date_text, page.location) == ("中美导弹防御争议", None, None)
    assert page.registration_closed and page.off_the_record
    assert (page.language, page.translation) == ("Chinese", "English")
    assert [(p.name, p.role) for p in page.people] == [
        ("赵通 (Tong Zhao)", "moderator"), ("李彬 (Li Bin)", "speaker"),
        ("樊吉社 (Fan Jishe)", "discussant"), ("段占元 (Duan Zhanyuan)", "discussant"),
        ("Zhang Hongyu", "discussant")]
    assert [p.bio.partition("是")[0] for p in page.people] == [
        "赵通", "李彬", "樊吉社", "段占元", "Zhang Hongyu "]
    assert page.skipped == ()


async def import_bundled(store, guild_id, events_dir):
    """The sample events imported into one server folder by folder, as `python -m bot
    import` does: what the batched start-up saving must give."""
    return await import_folders(store, guild_id, event_folders(events_dir), sample=True)


async def test_the_bundle_imports_the_three_pages_onto_one_event(store):
    reports = await import_bundled(store, 1, ROOT / "data" / "events")
    assert [(r.created, r.skipped) for r in reports] == [(True, ())]
    event = await store.run(store.events.get_event, 1, reports[0].event.id)
    # The Chinese page names the same five people (it pairs their names): no one twice,
    # each English name gains its Chinese half, and the English bios, imported first,
    # are kept.
    assert [(p.name, p.role) for p in event.people] == SEED_PEOPLE
    english = parse_page(ANNOUNCEMENT.read_text(encoding="utf-8"))
    assert [(p.role, p.bio) for p in event.people] == [(p.role, p.bio) for p in english.people]
    # Its description adds to the English one instead of replacing it.
    chinese = parse_page(CHINESE.read_text(encoding="utf-8"))
    assert event.description == english.description + "\n\n" + chinese.description
    assert event.takeaways == parse_page(RECAP.read_text(encoding="utf-8")).takeaways
    assert not event.registration_open and event.off_the_record
    assert (event.language, event.translation) == ("Chinese", "English")
    again = await import_bundled(store, 1, ROOT / "data" / "events")
    assert await store.run(store.events.get_event,
                           1, again[0].event.id) == event  # re-import changes nothing


async def test_an_updated_announcement_in_the_same_language_still_replaces_the_description(
        store):
    event = await new_event(store, description="Old summary.")
    updated = await store.run(store.events.add_page,
                              1, event.id, "new text", make_page(description="New summary."))
    assert updated.description == "New summary."


async def test_each_language_keeps_its_own_page_so_a_repeat_import_finds_its_event(store):
    """The Chinese announcement is stored beside the English one, not over it: uploading
    either again updates the sample event instead of making a second one."""
    [report] = await import_bundled(store, 1, ROOT / "data" / "events")
    for path in (ANNOUNCEMENT, CHINESE):
        text = path.read_text(encoding="utf-8")
        event, created = await store.run(store.events.save_event,
            1, EventDraft(slug="again", title="Again", capacity=10), [(text, parse_page(text))],
            new=True)
        assert (event.id, created) == (report.event.id, False), path.name


def test_a_page_is_chinese_when_a_third_of_its_letters_are_han():
    assert page_language(CHINESE.read_text(encoding="utf-8")) == "zh"
    assert page_language(ANNOUNCEMENT.read_text(encoding="utf-8")) == "en"
    assert page_language("主持人：赵通 (Tong Zhao)，卡内基—清华全球政策中心研究员") == "zh"
    assert page_language("Moderator: Tong Zhao (赵通), a fellow at the Carnegie center") == "en"
    assert page_language("") == "en"


def as_imported(event: Event) -> Event:
    """The event without what differs between servers (its id, server and calendar UID)."""
    assert event.calendar_uid
    return replace(event, id=0, guild_id=0, calendar_uid=None)


def dated_sample(folder: Path) -> Path:
    """The bundled sample with a date line without a zone, read in the server's zone."""
    shutil.copytree(SAMPLE_DIR, folder)
    page = folder / ANNOUNCEMENT.name
    page.write_text("U.S.-China Missile Defense Disputes\nDecember 1, 2026, 6:00 PM\n\n"
                    + page.read_text(encoding="utf-8"), encoding="utf-8")
    return folder.parent


async def test_many_servers_get_the_samples_in_one_call_as_an_import_gives_them(
        store, tmp_path):
    """What a server set up with the others at start gets is what importing the bundle
    into it gives, its pages' dates read in its own timezone, and its search finds them."""
    events_dir = dated_sample(tmp_path / "events" / SAMPLE_DIR.name)
    await store.run(store.settings.set_timezone, 3, "Asia/Shanghai")
    await store.run(store.settings.set_timezone, 13, "Asia/Shanghai")
    assert await save_samples(store, [1, 2, 3], read_bundled(events_dir)) == [1, 2, 3]

    [default_zone] = await import_bundled(store, 12, events_dir)
    [shanghai] = await import_bundled(store, 13, events_dir)
    assert default_zone.event.starts_at is not None
    assert default_zone.event.starts_at != shanghai.event.starts_at  # the zone matters here
    for guild_id, expected in ((1, default_zone), (2, default_zone), (3, shanghai)):
        [summary] = (await store.run(store.events.event_titles, guild_id)).titles
        event = await store.run(store.events.get_event, guild_id, summary.id)
        assert event.is_sample
        assert as_imported(event) == as_imported(expected.event), guild_id
        found = await store.run(store.search.ask, guild_id, "missile defense")
        assert found and {p.event_id for p in found} == {event.id}


async def test_servers_that_have_events_are_left_as_they_are(store):
    mine = await new_event(store, guild_id=2)
    bundled = read_bundled(ROOT / "data" / "events")
    assert await save_samples(store, [1, 2, 3], bundled) == [1, 3]
    assert await save_samples(store, [3, 1, 4], bundled) == [4]  # never twice
    assert [e.id for e in (await store.run(store.events.event_titles, 2)).titles] == [mine.id]
    for guild_id in (1, 3, 4):
        assert len((await store.run(store.events.event_titles, guild_id)).titles) == 1


async def test_a_failed_bulk_save_gives_no_server_the_samples(store):
    """One transaction: a failure part-way leaves no server half set up, so each gets
    them whole when it is set up again."""
    bundled = read_bundled(ROOT / "data" / "events")
    drafted: list[str] = []

    def samples_in(zone: str):
        drafted.append(zone)
        if len(drafted) == 3:
            raise RuntimeError("the third server's drafts fail")
        return [(drafted_in(folder, zone)[0], folder.pages) for folder in bundled]

    with pytest.raises(RuntimeError):
        await store.run(store.events.save_samples, [1, 2, 3, 4], samples_in)
    for guild_id in (1, 2, 3, 4):
        assert not await store.run(store.events.has_events, guild_id)
    assert await save_samples(store, [1, 2, 3, 4], bundled) == [1, 2, 3, 4]


async def test_an_end_before_the_start_the_event_keeps_is_refused_and_nothing_saved(
        store, tmp_path):
    """An event.toml's ends_at meets the start the event has (a moderator's, kept over the
    page's) in the store, on either backend: before it, the import is refused."""
    folder = tmp_path / "events" / "forum"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("December 15, 2030, 6:00 PM - 8:00 PM EST\n\n"
                                  + ANNOUNCEMENT.read_text(encoding="utf-8"))
    spec = 'title = "Forum"\ncapacity = 5\npages = ["a.txt"]\n'
    (folder / "event.toml").write_text(spec)
    [report] = await import_folders(store, 1, [folder])
    (folder / "event.toml").write_text(spec + 'ends_at = "2030-12-15T21:00:00Z"\n')
    with pytest.raises(InvalidValue, match=r"must come after the start \(2030-12-15T23:00"):
        await import_folders(store, 1, [folder])
    event = await store.run(store.events.get_event, 1, report.event.id)
    assert event.ends_at == report.event.ends_at  # the page's end, 2030-12-16 01:00 UTC


async def test_a_time_of_day_ending_an_all_day_event_before_its_day_begins_is_refused(
        store, tmp_path):
    """An all-day event begins at the server's midnight: in Pago Pago (UTC-11) that of
    1 December is 11:00 UTC, so an event.toml's ends_at of 08:00 UTC would end it before
    it began (listed as over, yet not begun). The import is refused, nothing saved."""
    await store.run(store.settings.set_timezone, 1, "Pacific/Pago_Pago")
    folder = tmp_path / "events" / "fair"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("December 1, 2030\n\n"
                                  + ANNOUNCEMENT.read_text(encoding="utf-8"))
    (folder / "event.toml").write_text('title = "Fair"\ncapacity = 5\npages = ["a.txt"]\n'
                                       'ends_at = "2030-12-01T08:00:00Z"\n')
    with pytest.raises(InvalidValue, match="all-day"):
        await import_folders(store, 1, [folder])
    assert not await store.run(store.events.has_events, 1)


async def test_a_stop_during_a_folder_import_is_taken_between_two_folders(
        store, tmp_path, monkeypatch):
    """Ctrl-C (asyncio.run cancels the command's task) was taken only once every folder
    had been read, nothing awaited between them: 600 folders took 7 s to stop. Nothing
    is saved either way."""
    from bot import catalog

    folders = []
    for n in range(5):
        folder = tmp_path / "events" / f"forum-{n}"
        shutil.copytree(SAMPLE_DIR, folder)
        (folder / "event.toml").write_text(
            f'title = "Forum {n}"\ncapacity = 40\npages = ["announcement.txt"]\n')
        folders.append(folder)
    read: list[Path] = []
    command = asyncio.current_task()
    assert command is not None

    def reading(folder: Path) -> catalog.EventFolder:
        read.append(folder)
        if len(read) == 1:
            command.cancel()  # what the first Ctrl-C does
        return read_event_folder(folder)

    monkeypatch.setattr(catalog, "read_event_folder", reading)
    with pytest.raises(asyncio.CancelledError):
        await import_folders(store, 1, folders)
    command.uncancel()
    assert read == folders[:1]
    assert not await store.run(store.events.has_events, 1)
