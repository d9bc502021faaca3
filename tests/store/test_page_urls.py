"""A page fetched from a URL is remembered by it: importing the URL again updates its event."""

from __future__ import annotations

import pytest

from bot.errors import EventNotFound
from bot.storage import EventDraft
from tests.conftest import make_page, sqlite_before

URL = "https://think.example/events/arctic-forum"


async def test_the_same_url_in_the_same_server_updates_the_same_event(store):
    draft = EventDraft(slug="arctic", title="Arctic Forum", capacity=5)
    first, created = await store.run(store.events.save_event,
                                     1, draft, [("Before the event.", make_page())],
                                            new=True, url=URL)
    assert created
    # The organiser rewrote the page (now a recap): a new text, the same address.
    recap = make_page("recap", takeaways=[("Ice", "It melts.")])
    again, created = await store.run(store.events.save_event,
                                     1, draft, [("After the event.", recap)],
                                            new=True, url=URL)
    assert not created and again.id == first.id
    assert [t.heading for t in again.takeaways] == ["Ice"]
    # Another address with another text is another event; so is the URL in another server.
    other, created = await store.run(store.events.save_event,
                                     1, draft, [("Another talk.", make_page())],
                                            new=True, url=URL + "-2")
    assert created and other.id != first.id
    elsewhere, created = await store.run(store.events.save_event,
                                         2, draft, [("After the event.", recap)],
                                                new=True, url=URL)
    assert created and elsewhere.id not in (first.id, other.id)


async def test_a_text_import_keeps_the_url_of_the_page_it_replaces(store):
    draft = EventDraft(slug="arctic", title="Arctic Forum")
    first, _ = await store.run(store.events.save_event,
                               1, draft, [("Fetched text.", make_page())], new=True,
                                      url=URL)
    await store.run(store.events.save_event,
                    1, draft, [("Fetched text.", make_page())], new=True)  # by its text
    again, created = await store.run(store.events.save_event,
                                     1, draft, [("Changed text.", make_page())],
                                            new=True, url=URL)
    assert not created and again.id == first.id


@pytest.mark.sqlite_only
async def test_databases_from_before_urls_are_upgraded(store_opener, tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite_before(path, "pages_by_url")
    conn.execute("INSERT INTO events (id, guild_id, slug, title, capacity, created_at,"
                 " updated_at) VALUES (1, 5, 'old', 'Old', 10, 0, 0)")
    conn.execute("INSERT INTO pages (event_id, kind, body, imported_at)"
                 " VALUES (1, 'announcement', 'A talk about lighthouses.', 0)")
    conn.commit()
    conn.close()
    async with await store_opener(path) as store:
        again, created = await store.run(store.events.save_event,
            5, EventDraft(slug="old", title="Old"), [("A talk about lighthouses.", make_page())],
            new=True, url=URL)
        assert not created and again.id == 1
        fresh, created = await store.run(store.events.save_event,
            5, EventDraft(slug="old", title="Old"), [("Rewritten.", make_page())],
            new=True, url=URL)
    assert not created and fresh.id == 1


async def test_an_import_told_which_event_it_updates_makes_none_anew(store):
    """An import whose preview said it updates an event: that event is updated even once
    it no longer has the page (another page took its place), and none is made once the
    event is gone (deleted since the preview)."""
    draft = EventDraft(slug="arctic", title="Arctic Forum", capacity=5)
    first, _ = await store.run(store.events.save_event,
                               1, draft, [("Before the event.", make_page())], new=True)
    await store.run(store.events.save_event,
                    1, draft, [("Rewritten before the event.", make_page())])  # in its place
    assert await store.run(store.events.imported_event_id, 1, "Before the event.") is None
    again, created = await store.run(store.events.save_event,
                                     1, draft, [("Before the event.", make_page())],
                                     new=True, updates=first.id)
    assert not created and again.id == first.id
    await store.run(store.events.delete_event, 1, first.id)
    with pytest.raises(EventNotFound):
        await store.run(store.events.save_event,
                        1, draft, [("Before the event.", make_page())], new=True,
                        updates=first.id)
    assert await store.run(store.events.imported_event_id, 1, "Before the event.") is None
    # Another server's event of that id is not this one's to update.
    elsewhere, _ = await store.run(store.events.save_event,
                                   2, draft, [("Elsewhere.", make_page())], new=True)
    with pytest.raises(EventNotFound):
        await store.run(store.events.save_event,
                        1, draft, [("Here.", make_page())], new=True, updates=elsewhere.id)


async def test_a_page_added_to_a_named_event_goes_to_that_event_not_to_its_slug(store):
    """A page added to the event the moderator named (`/manage import event:`) is saved
    into that event by its id: deleted meanwhile, the import is refused, and neither a new
    event nor another event of its slug (deleted and imported again) takes the page."""
    draft = EventDraft(slug="arctic", title="Arctic Forum", capacity=5)
    named, _ = await store.run(store.events.save_event, 1, draft, [("Before.", make_page())])
    recap = make_page("recap", takeaways=[("Ice", "It melts.")])
    added, created = await store.run(store.events.save_event, 1, draft,
                                     [("After.", recap)], updates=named.id)
    assert not created and added.id == named.id and added.takeaways
    await store.run(store.events.delete_event, 1, named.id)
    with pytest.raises(EventNotFound):
        await store.run(store.events.save_event, 1, draft, [("After.", recap)],
                        updates=named.id)
    assert not await store.run(store.events.has_events, 1)
    other, _ = await store.run(store.events.save_event, 1, draft, [("Another.", make_page())])
    assert other.slug == "arctic" and other.id != named.id
    with pytest.raises(EventNotFound):
        await store.run(store.events.save_event, 1, draft, [("After.", recap)],
                        updates=named.id)
    assert (await store.run(store.events.get_event, 1, other.id)).takeaways == ()
