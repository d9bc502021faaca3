"""Full-text search over what the guild's events say (`/event ask`)."""

import sqlite3

import pytest

from bot.db import fts_query
from bot.pages import decode_page, parse_page
from bot.schema import MIGRATIONS
from bot.store import EventDraft, Store, StoreError
from tests.conftest import ANNOUNCEMENT, RECAP, make_page
from tests.store.test_store import step_counted_database, vm_steps


def seed_pages():
    return [(text, parse_page(text))
            for text in (decode_page(p.read_bytes()) for p in (ANNOUNCEMENT, RECAP))]


async def import_seed(store, guild_id=1, slug="seed"):
    event, _ = await store.save_event(guild_id, EventDraft(slug, "Missile Defense", 50),
                                      seed_pages())
    return event


def test_questions_become_quoted_any_word_queries():
    assert fts_query("What did Li Bin say about THAAD?") == '"li" OR "bin" OR "thaad"'
    assert fts_query('NEAR("xy" z) OR * -- ;') == '"near" OR "xy"'
    assert fts_query("what is it?") == ""


async def test_the_best_passage_and_its_source(store):
    event = await import_seed(store)
    [best, *_] = await store.ask(1, "Who works at the University of North Carolina?")
    assert best.source == "bio:Zhang Hongyu"
    assert best.event_id == event.id and best.event_title == "Missile Defense"
    [best, *_] = await store.ask(1, "INF treaty arms control", event.id)
    assert best.source == "takeaway:Respective Defense Capabilities"
    assert "\x02" in best.excerpt and "\x03" in best.excerpt


async def test_search_is_scoped_to_the_guild_and_kept_in_step_on_reimport(store):
    await import_seed(store)
    assert await store.ask(2, "missile defense") == []
    await import_seed(store)  # the same event again: no duplicate passages
    assert [p.source for p in await store.ask(1, "Wilmington")] == ["bio:Zhang Hongyu"]


async def test_a_question_without_words_is_refused(store):
    with pytest.raises(StoreError, match="a few words"):
        await store.ask(1, "?? !!")


async def test_migrating_a_v1_database_indexes_its_events(tmp_path):
    path = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO events (id, guild_id, slug, title, capacity, description,"
                 " created_at, updated_at) VALUES (1, 5, 'old', 'Old Event', 10,"
                 " 'A talk about lighthouses.', 0, 0)")
    conn.execute("INSERT INTO people VALUES (1, 0, 'Ada Lovelace', 'speaker',"
                 " 'Ada Lovelace wrote about engines.')")
    conn.execute("INSERT INTO rsvps VALUES (1, 42, 'm', 'confirmed', 1, 0)")
    conn.commit()
    conn.close()
    async with await Store.open(path) as store:
        assert [p.source for p in await store.ask(5, "lighthouses")] == ["page"]
        assert [p.source for p in await store.ask(5, "engines")] == ["bio:Ada Lovelace"]
        assert (await store.rsvp(1, 42)).status.value == "confirmed"


def huge_page_text() -> str:
    """About 1 MB: one paragraph repeating a phrase, then many paragraphs of other words."""
    repeated = "missile defense cooperation " * 20_000
    varied = "\n\n".join(" ".join(f"word{(i * 7 + j) % 5003} defense" for j in range(60))
                         for i in range(600))
    return f"{repeated}\n\n{varied}"


def test_an_ask_on_a_1_mb_page_costs_about_what_one_on_the_seed_page_does(tmp_path):
    """Counted in SQLite VM steps. Those do not see the work inside one excerpt, which
    grows with the row it is cut from, so every row an ask can reach must be bounded too."""
    conn, db = step_counted_database(tmp_path / "steps.sqlite3")
    seed = db.save_event(1, EventDraft("seed", "Missile Defense", 50), seed_pages())[0]
    text = huge_page_text()
    assert len(text) > 1_000_000
    huge = db.save_event(1, EventDraft("huge", "Huge", 50),
                         [("page", make_page(description=text))])[0]
    for question in ("missile defense cooperation", "What about word42?"):
        small = vm_steps(conn, lambda q=question: db.ask(1, q, seed.id))
        answers = []
        big = vm_steps(conn, lambda q=question, a=answers: a.extend(db.ask(1, q, huge.id)))
        assert big <= 3 * small + 10, (question, small, big)
        assert answers and all("\x02" in a.excerpt and len(a.text) <= 5_000 for a in answers)
    longest = conn.execute("SELECT max(length(text)) FROM passages").fetchone()[0]
    assert longest <= 5_000  # a few hundred words
    conn.close()


async def test_migrating_a_v3_database_splits_its_search_rows(tmp_path):
    path = tmp_path / "v3.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 3")
    conn.execute("INSERT INTO events (id, guild_id, slug, title, capacity, description,"
                 " created_at, updated_at) VALUES (1, 5, 'old', 'Old Event', 10, ?, 0, 0)",
                 ("lighthouse keepers " * 30_000 + "\n\nThe keepers of Cornwall.",))
    conn.execute("INSERT INTO passages (text, event_id, source)"
                 " SELECT description, id, 'page' FROM events")
    conn.commit()
    conn.close()
    async with await Store.open(path) as store:
        [best, *_] = await store.ask(5, "Cornwall")
        assert best.source == "page" and "\x02Cornwall\x03" in best.excerpt
        assert len(best.text) < 5_000
        assert await store.ask(6, "Cornwall") == []
