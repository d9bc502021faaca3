"""An import works out what it writes (its pages' content, slots and search rows) before
its write transaction, so the database's write lock, which members' joins wait for, is
held for the writes alone; and what it worked out is not used when the event's pages
changed in between."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from bot.content import PageContent, Slot
from bot.storage import EventDraft
from bot.storage.sqlite import search
from tests.conftest import make_page

pytestmark = pytest.mark.sqlite_only


def draft(slug: str) -> EventDraft:
    return EventDraft(slug=slug, title=f"Event {slug}", capacity=10)


def words() -> str:
    """A description no other test has (the search rows of short texts are cached)."""
    return f"A talk on {uuid.uuid4().hex} and missile defense. " * 30


async def test_an_import_works_out_its_rows_while_another_connection_can_write(
        store, tmp_path, monkeypatch):
    probe = sqlite3.connect(tmp_path / "test.sqlite3", timeout=0, isolation_level=None,
                            check_same_thread=False)  # used on the database thread
    worked: list[tuple[str, bool]] = []  # (what, whether the write lock was free)

    def probed(name, work):
        def run(*args, **kwargs):
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                worked.append((name, False))
            else:
                probe.execute("ROLLBACK")
                worked.append((name, True))
            return work(*args, **kwargs)
        return run

    monkeypatch.setattr(search, "split_passages",
                        probed("search rows", search.split_passages))
    monkeypatch.setattr(Slot, "to_json", probed("slot", Slot.to_json))
    monkeypatch.setattr(PageContent, "of",
                        classmethod(probed("page content", PageContent.of.__func__)))
    recap = make_page("recap", description=words(), takeaways=(("Point", "Said."),))
    # a folder of events (the command line), new and then imported again, edited
    await store.run(store.events.save_events, 1, [
        (draft("one"), [("one", make_page(description=words()))]),
        (draft("two"), [("two", make_page(description=words()))])])
    await store.run(store.events.save_events, 1, [
        (draft("one"), [("one again", make_page(description=words())), ("recap", recap)]),
        (draft("two"), [("two", make_page(description=words()))])])
    # one page (/manage import): a new event, then the same page again, updating it
    page = make_page(description=words())
    event, created = await store.run(store.events.save_event, 1, draft("three"),
                                     [("three", page)], new=True)
    again, created_again = await store.run(store.events.save_event, 1, draft("three"),
                                           [("three", page)], new=True)
    assert (created, created_again, again.id) == (True, False, event.id)
    assert {name for name, _ in worked} == {"search rows", "slot", "page content"}
    assert [name for name, free in worked if not free] == []
    found = await store.run(store.search.ask, 1, "missile defense", again.id)
    assert found and found[0].event_id == event.id


async def test_what_an_import_worked_out_is_worked_out_again_when_the_pages_changed_since(
        store, tmp_path, monkeypatch):
    (first, _), (other, _) = await store.run(store.events.save_events, 1, [
        (draft("first"), [("first page", make_page(description="What the first says."))]),
        (draft("other"), [("other page", make_page(description="What the other says."))])])
    content = type(store.events._content)  # type: ignore[attr-defined]
    prepare = content.prepare

    def then_changed(self, pages, event_id, hashes=None):
        prepared = prepare(self, pages, event_id, hashes)
        # another process imports the other page's text as the first event's announcement
        with sqlite3.connect(tmp_path / "test.sqlite3") as conn:
            conn.execute(
                "UPDATE pages SET (body, text_hash, parsed) = (SELECT body, text_hash, parsed"
                " FROM pages WHERE event_id = ? AND kind = 'announcement')"
                " WHERE event_id = ? AND kind = 'announcement'", (other.id, first.id))
        return prepared

    monkeypatch.setattr(content, "prepare", then_changed)
    recap = make_page("recap", description="How it went.", takeaways=(("Point", "Said."),))
    [(saved, created)] = await store.run(store.events.save_events, 1, [
        (draft("first"), [("recap page", recap)])])
    assert (saved.id, created) == (first.id, False)
    assert saved.description == "What the other says."
    assert saved.recap_summary == "How it went."
    found = await store.run(store.search.ask, 1, "other says", first.id)
    assert [p.text for p in found] == ["What the other says."]


async def test_an_import_reports_what_it_saved_though_another_process_deletes_it_at_once(
        store, tmp_path, monkeypatch):
    """The events an import saved were read back after its commit: one another process
    deleted in between (a moderator's /manage delete) made the import, all saved, fail
    with "there is no event N" (the command line: exit 2). They are read as saved."""
    transaction = type(store.events._transaction())  # type: ignore[attr-defined]
    commit = transaction.__exit__
    deleting: list[str] = []  # the slug of the event to delete once its import commits

    def then_deleted(self, *exc_info):
        done = commit(self, *exc_info)
        if deleting and exc_info[0] is None:
            with sqlite3.connect(tmp_path / "test.sqlite3") as conn:
                conn.execute("DELETE FROM events WHERE slug = ?", (deleting.pop(),))
        return done

    monkeypatch.setattr(transaction, "__exit__", then_deleted)
    deleting.append("gone")  # a folder of events (the command line)
    saved = await store.run(store.events.save_events, 1, [
        (draft("kept"), [("kept", make_page(description="What the kept says."))]),
        (draft("gone"), [("gone", make_page(description="What the gone says."))])])
    assert [(event.slug, event.description, created) for event, created in saved] == [
        ("kept", "What the kept says.", True), ("gone", "What the gone says.", True)]
    deleting.append("one")  # one page (/manage import, or the command line's)
    event, created = await store.run(store.events.save_event, 1, draft("one"),
                                     [("one", make_page(description="What one says."))],
                                     new=True)
    assert (event.slug, event.description, created) == ("one", "What one says.", True)
    assert not deleting  # both deleted, right after the commits
    assert [slug for _, _, slug, _ in await store.run(store.events.all_events)] == ["kept"]
