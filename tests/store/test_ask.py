"""Full-text search over what the guild's events say (`/event ask`)."""

import sqlite3

import pytest

from bot.errors import InvalidValue
from bot.pages import decode_page, parse_page
from bot.storage import EventDraft
from bot.storage.sqlite.migrations import MIGRATIONS, PASSAGES_REBUILT
from bot.storage.sqlite.search import CANDIDATES, PASSAGES_PER_TEXT, fts_query, han_query
from tests.conftest import ANNOUNCEMENT, RECAP, execute_sql, make_page, rsvp_of, sqlite_before
from tests.store.test_store import step_counted_database, vm_steps


def seed_pages():
    return [(text, parse_page(text))
            for text in (decode_page(p.read_bytes()) for p in (ANNOUNCEMENT, RECAP))]


async def import_seed(store, guild_id=1, slug="seed"):
    event, _ = await store.run(store.events.save_event,
                               guild_id, EventDraft(slug, "Missile Defense", 50),
                                      seed_pages())
    return event


def test_questions_become_quoted_any_word_queries():
    assert fts_query("Li Bin on THAAD?") == '"li" OR "bin" OR "thaad"'
    assert fts_query("What did Li Bin say about THAAD?") == (
        '("thaad") AND ("li" OR "bin" OR "thaad")')
    assert fts_query("tell me about THAAD") == '"thaad"'
    assert han_query("李彬说了什么关于导弹防御") == '"李彬" OR "导弹" OR "弹防" OR "防御"'
    assert fts_query('NEAR("xy" z) OR * -- ;') == '"near" OR "xy"'
    assert fts_query("what is it?") == ""


async def test_the_best_passage_and_its_source(store):
    event = await import_seed(store)
    [best, *_] = await store.run(store.search.ask,
                                 1, "Who works at the University of North Carolina?")
    assert best.source == "bio:Zhang Hongyu"
    assert best.event_id == event.id and best.event_title == "Missile Defense"
    [best, *_] = await store.run(store.search.ask, 1, "INF treaty arms control", event.id)
    assert best.source == "takeaway:Respective Defense Capabilities"
    assert "\x02" in best.excerpt and "\x03" in best.excerpt


async def test_search_is_scoped_to_the_guild_and_kept_in_step_on_reimport(store):
    await import_seed(store)
    assert await store.run(store.search.ask, 2, "missile defense") == []
    await import_seed(store)  # the same event again: no duplicate passages
    assert [p.source for p in await store.run(store.search.ask,
                                              1, "Wilmington")] == ["bio:Zhang Hongyu"]


async def test_a_question_without_words_is_refused(store):
    with pytest.raises(InvalidValue, match="a few words"):
        await store.run(store.search.ask, 1, "?? !!")


@pytest.mark.sqlite_only
async def test_migrating_a_v1_database_indexes_its_events(store_opener, tmp_path):
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
    async with await store_opener(path) as store:
        assert [p.source for p in await store.run(store.search.ask, 5, "lighthouses")] == ["page"]
        assert [p.source for p in await store.run(store.search.ask,
                                                  5, "engines")] == ["bio:Ada Lovelace"]
        assert (await rsvp_of(store, 1, 42, guild_id=5)).status.value == "confirmed"


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
    seed = db.events.save_event(1, EventDraft("seed", "Missile Defense", 50), seed_pages())[0]
    text = huge_page_text()
    assert len(text) > 1_000_000
    huge = db.events.save_event(1, EventDraft("huge", "Huge", 50),
                         [("page", make_page(description=text))])[0]
    for question in ("missile defense cooperation", "What about word42?"):
        small = vm_steps(conn, lambda q=question: db.search.ask(1, q, seed.id))
        answers = []
        big = vm_steps(conn, lambda q=question, a=answers: a.extend(db.search.ask(1, q, huge.id)))
        assert big <= 3 * small + 10, (question, small, big)
        assert answers and all("\x02" in a.excerpt and len(a.text) <= 5_000 for a in answers)
    longest = conn.execute("SELECT max(length(text)) FROM passages").fetchone()[0]
    assert longest <= 5_000  # a few hundred words
    conn.close()


@pytest.mark.sqlite_only
async def test_migrating_a_v3_database_splits_its_search_rows(store_opener, tmp_path):
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
    async with await store_opener(path) as store:
        [best, *_] = await store.run(store.search.ask, 5, "Cornwall")
        assert best.source == "page" and "\x02Cornwall\x03" in best.excerpt
        assert len(best.text) < 5_000
        assert await store.run(store.search.ask, 6, "Cornwall") == []


ZH_ANNOUNCEMENT = ANNOUNCEMENT.with_name("announcement.zh.txt")


async def import_bundled_pages(store, guild_id=1):
    pages = seed_pages() + [(text, parse_page(text))
                            for text in [decode_page(ZH_ANNOUNCEMENT.read_bytes())]]
    event, _ = await store.run(store.events.save_event,
                               guild_id, EventDraft("seed", "Missile Defense", 50), pages)
    return event


async def test_english_words_match_their_other_forms(store):
    await import_seed(store)
    found = await store.run(store.search.ask, 1, "ambiguity")
    assert "takeaway:U.S. Policy Ambiguities" in [p.source for p in found]
    assert all("\x02ambigu" in p.excerpt.casefold() for p in found)
    [best, *_] = await store.run(store.search.ask, 1, "moderator")
    assert "\x02moderate" in best.excerpt  # "will moderate", "moderated"


@pytest.mark.parametrize(("question", "marked"), [
    ("where is zurich cafe", "Zürich"), ("ZURICH", "Zürich"), ("gurria", "Gurría"),
    ("cafes", "Café"),
    ("Zürich", "Zürich"), ("Zu\u0308rich", "Zürich"), ("Gurría", "Gurría"),
    ("мои\u0306", "мой"), ("ασφα\u0301λεια", "ασφάλεια"),  # a mark typed apart
    # İ casefolds to "i" and a combining dot, which no letter composes with: one word still
    ("İstanbul", "İstanbul"), ("istanbul", "İstanbul"), ("İSTANBUL", "İstanbul"),
])
async def test_words_match_whatever_their_accents(store, question, marked):
    """A member types "zurich" for the page's "Zürich", or the other way round: the
    same passage on both backends (SQLite's tokenizer folds accents; PostgreSQL's rows
    and questions fold them too). A word asked as the page writes it is marked in the
    excerpt on both, asked with or without its accents."""
    filler = "Filler words about nothing in particular, said again and again. " * 12
    event, _ = await store.run(store.events.save_event, 1, EventDraft("z", "Talk", 5), [
        ("page", make_page(description=filler + "The talk is at the Café Zürich, by the "
                                       "lake, with José Ángel Gurría: мой друг, ασφάλεια, from "
                                       "İstanbul."))])
    found = await store.run(store.search.ask, 1, question, event.id)
    assert [p.source for p in found] == ["page"]
    if marked is not None:
        assert f"\x02{marked}\x03" in found[0].excerpt, found[0].excerpt


@pytest.mark.parametrize("question", [
    "against", "what about further talks", "before or after", "between them",
    "what more", "during", "only once",
])
async def test_the_words_a_question_keeps_are_searched_on_both_backends(store, question):
    """The words a question leaves out are the bot's own list (`bot.questions.STOPWORDS`),
    on both backends: PostgreSQL's 'english' configuration drops many more ("against",
    "further", "before", "between"...), and a question of them found nothing there where
    SQLite found the passage that says them."""
    event, _ = await store.run(store.events.save_event, 1, EventDraft("w", "Talk", 5), [
        ("page", make_page(description="Both delegations argued against further "
                                       "deployments, before and after the summit, and more "
                                       "than once between sessions and during dinner, but "
                                       "only briefly."))])
    found = await store.run(store.search.ask, 1, question, event.id)
    assert [p.source for p in found] == ["page"]


async def test_a_question_about_a_topic_finds_it_whoever_is_named(store):
    await import_seed(store)
    found = [p.source for p in await store.run(store.search.ask,
                                               1, "what did Li Bin say about ambiguity")]
    assert "takeaway:U.S. Policy Ambiguities" in found
    assert "bio:Li Bin" not in found  # his bio says nothing about ambiguity


async def test_a_takeaway_heading_is_searched_with_its_text(store):
    event, _ = await store.run(store.events.save_event,
                               1, EventDraft("t", "Lighthouses", 5), [("recap", make_page(
        "recap", takeaways=[("Keeper Economics", "Costs rose every year."),
                            ("Weather", "Storms were worse.")]))])
    [best] = await store.run(store.search.ask, 1, "what did they say about economics", event.id)
    assert best.source == "takeaway:Keeper Economics"
    assert best.excerpt.startswith("Keeper \x02Economics\x03:")


async def test_chinese_questions_find_the_chinese_page(store):
    event = await import_bundled_pages(store)
    found = await store.run(store.search.ask, 1, "导弹防御")
    assert found and all(p.source == "page" for p in found)
    assert "\x02导弹防御\x03" in found[0].excerpt
    [best, *_] = await store.run(store.search.ask, 1, "李彬说了什么？", event.id)
    assert "\x02李彬\x03" in best.excerpt
    assert await store.run(store.search.ask,
                           1, "量子园艺") == []  # no pair of its characters is on the page
    assert await store.run(store.search.ask, 2, "导弹防御") == []


# A page as Taiwan and Hong Kong write it, in traditional characters (typed by hand).
TRADITIONAL_PAGE = ("兩岸安全對話\n\n"
                    "本場座談由趙通主持，李彬主講，討論導彈防禦與區域安全，並回答聽眾的問題。"
                    "雙方終於達成共識。")


async def test_a_question_in_either_script_finds_a_page_in_either(store):
    simplified_page = await import_bundled_pages(store)
    event, _ = await store.run(store.events.save_event, 1, EventDraft("tw", "Cross-Strait", 50),
                               [("page", make_page(description=TRADITIONAL_PAGE))])
    for question in ("导弹防御", "導彈防禦"):  # each script, on the traditional page
        [found] = await store.run(store.search.ask, 1, question, event.id)
        assert "\x02導彈防禦\x03" in found.excerpt, question  # marked as the page writes it
        [best, *_] = await store.run(store.search.ask, 1, question, simplified_page.id)
        assert "\x02导弹防御\x03" in best.excerpt, question
    # a word whose traditional form OpenCC may keep (終於 beside 终于)
    [found] = await store.run(store.search.ask, 1, "终于达成共识", event.id)
    assert "\x02終於達成共識\x03" in found.excerpt
    [found] = await store.run(store.search.ask, 1, "区域安全问题", event.id)
    assert "\x02區域安全\x03" in found.excerpt and "\x02問題\x03" in found.excerpt
    # the page is shown as written, and only its search terms are simplified
    assert found.text == TRADITIONAL_PAGE


# A traditional page's event and its search row as a bot before the upgrade to simplified
# search terms indexed it: its Han terms as the page wrote them (either backend's).
OLD_EVENT = ("INSERT INTO events (id, guild_id, slug, title, capacity, description, created_at,"
             f" updated_at) VALUES (1, 5, 'tw', 'Cross-Strait', 10, '{TRADITIONAL_PAGE}', 0, 0)"
             )
OLD_HAN = ["兩岸", "岸安", "安全", "導彈", "彈防", "防禦"]  # some of them, as typed


async def check_traditional_page_searched_in_simplified(store):
    """After the upgrade, the old event's rows hold simplified terms: a question in
    simplified characters finds it, as one in traditional ones does."""
    for question in ("导弹防御", "導彈防禦"):
        [found] = await store.run(store.search.ask, 5, question)
        assert found.event_id == 1 and "\x02導彈防禦\x03" in found.excerpt, question


@pytest.mark.sqlite_only
async def test_search_rows_from_before_the_upgrade_get_simplified_terms(store_opener,
                                                                        tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite_before(path, "the Chinese terms in simplified characters")
    conn.execute(OLD_EVENT)
    conn.execute("INSERT INTO passages (text, han, scope, event_id, source)"
                 " VALUES (?, ?, 'g5 e1', 1, 'page')", (TRADITIONAL_PAGE, " ".join(OLD_HAN)))
    conn.commit()
    conn.close()
    async with await store_opener(path) as store:
        await check_traditional_page_searched_in_simplified(store)


def huge_chinese_text() -> str:
    """About 1 MB of Han text: a repeated phrase, then paragraphs of varied characters."""
    repeated = "导弹防御合作" * 60_000
    varied = "\n\n".join("".join(chr(0x4E00 + (i * 97 + j * 13) % 20_000) for j in range(300))
                         for i in range(800))
    return f"{repeated}\n\n{varied}"


def test_an_ask_on_a_1_mb_chinese_page_costs_about_what_one_on_the_seed_page_does(tmp_path):
    conn, db = step_counted_database(tmp_path / "steps.sqlite3")
    seed_zh = decode_page(ZH_ANNOUNCEMENT.read_bytes())
    seed = db.events.save_event(1, EventDraft("seed", "Missile Defense", 50),
                         [(seed_zh, parse_page(seed_zh))])[0]
    text = huge_chinese_text()
    assert len(text.encode()) > 1_000_000
    huge = db.events.save_event(1, EventDraft("huge", "Huge", 50),
                         [("page", make_page(description=text))])[0]
    for question in ("导弹防御", "李彬说了什么关于合作"):
        small = vm_steps(conn, lambda q=question: db.search.ask(1, q, seed.id))
        answers = []
        big = vm_steps(conn, lambda q=question, a=answers: a.extend(db.search.ask(1, q, huge.id)))
        assert big <= 3 * small + 10, (question, small, big)
        assert answers and all("\x02" in a.excerpt and len(a.text) <= 5_000 for a in answers)
    longest = conn.execute("SELECT max(length(text) + length(han)) FROM passages").fetchone()[0]
    assert longest <= 5_000
    conn.close()


@pytest.mark.sqlite_only
async def test_migrating_a_v7_database_makes_its_search_stem_and_read_chinese(
        store_opener, tmp_path):
    path = tmp_path / "v7.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:7]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 7")
    conn.execute("INSERT INTO events (id, guild_id, slug, title, capacity, description,"
                 " created_at, updated_at) VALUES (1, 5, 'old', 'Old Event', 10, ?, 0, 0)",
                 ("Lighthouses of Cornwall.\n\n灯塔看守人的生活。",))
    conn.execute("INSERT INTO passages (text, scope, event_id, source)"
                 " VALUES ('Lighthouses of Cornwall.', 'g5 e1', 1, 'page')")
    conn.commit()
    conn.close()
    async with await store_opener(path) as store:
        assert [p.source for p in await store.run(store.search.ask, 5, "lighthouse")] == ["page"]
        [found] = await store.run(store.search.ask, 5, "灯塔")
        assert "\x02灯塔\x03" in found.excerpt


def many_passages(event: int) -> str:
    """A page of PASSAGES_PER_TEXT passages, every one of them saying "missile defense"."""
    return "\n\n".join(f"Talk {event} part {n} on missile defense: "
                       + " ".join(f"note{event}x{n}x{i}" for i in range(50))
                       for n in range(PASSAGES_PER_TEXT))


async def save_pages(store, first: int, events: int) -> None:
    await store.run(store.events.save_events, 1, [
        (EventDraft(f"many-{n}", f"Many {n}", 5),
         [(f"many {n}", make_page(description=many_passages(n)))])
        for n in range(first, first + events)])


async def ask_cost(store, question: str) -> int:
    """What one ask of guild 1 costs: on SQLite, hundreds of VM steps (FTS5 ranks the rows
    of a MATCH ... ORDER BY rank with a statement of its own, step by step); on PostgreSQL,
    the passages ranked, counted by a `ts_rank_cd` of the test's own, which the database's
    search path finds first and which calls PostgreSQL's."""
    pool = getattr(store, "_pool", None)
    if pool is None:
        conn = store._repos.session.conn
        return await store.run(lambda: vm_steps(conn, lambda: store._repos.search.ask(
            1, question)))
    count = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ranked"
    before = (await execute_sql(store, count))[0][0]
    await store.run(store.search.ask, 1, question)
    return (await execute_sql(store, count))[0][0] - before


async def count_ranked_passages(store_opener, path) -> None:
    """PostgreSQL: the database's `ts_rank_cd` counts the passages it ranks (see `ask_cost`)."""
    async with await store_opener(path) as store:
        name = (await execute_sql(store, "SELECT current_database()"))[0][0]
        for sql in ("CREATE SEQUENCE ranked",
                    "CREATE FUNCTION public.ts_rank_cd(tsvector, tsquery, integer)"
                    " RETURNS real LANGUAGE sql VOLATILE AS"
                    " $$ SELECT pg_catalog.ts_rank_cd($1, $2, $3) + 0 * nextval('ranked') $$",
                    f"ALTER DATABASE {name} SET search_path = public, pg_catalog"):
            await execute_sql(store, sql)


async def test_an_ask_ranks_a_bounded_number_of_passages_however_many_match(
        store_opener, tmp_path):
    """A server whose pages say the question's words in thousands of passages: FTS5 and
    PostgreSQL ranked every match before keeping the best, holding the database (and every
    member's join behind it) in proportion to the matching text. Now only the newest
    matches of each word are ranked (CANDIDATES shared among them): four times as many
    matches cost about the same."""
    path = tmp_path / "many.sqlite3"
    async with await store_opener(path) as store:
        postgres = getattr(store, "_pool", None) is not None
    if postgres:
        await count_ranked_passages(store_opener, path)
    events = CANDIDATES // PASSAGES_PER_TEXT
    async with await store_opener(path) as store:
        await save_pages(store, 0, events)
        question = "what did they say about missile defense?"
        few = await ask_cost(store, question)
        await save_pages(store, events, 3 * events)
        many = await ask_cost(store, question)
        [best, *_] = await store.run(store.search.ask, 1, question)
    assert "\x02missile\x03 \x02defense\x03" in best.excerpt
    if postgres:
        assert few == many <= CANDIDATES, (few, many)
    else:
        assert many <= 1.5 * few + 10, (few, many)


async def test_a_word_only_an_older_event_says_is_ranked_beside_newer_matches(
        store_opener, tmp_path):
    """Ranking only the newest matches must not crowd out an older event that says the
    question's rarest word: twice CANDIDATES newer passages say "missile defense", one of
    an older event says THAAD as well. Each term brings its own newest matches, so the
    older passage, the best match, is ranked and found first. Before, the newest
    CANDIDATES matches of any word were ranked, and it was left out."""
    async with await store_opener(tmp_path / "older.sqlite3") as store:
        await store.run(store.events.save_event, 1, EventDraft("older", "Older Talk", 5), [(
            "older", make_page(description="Missile defense and the THAAD deployment."))])
        await save_pages(store, 0, 2 * CANDIDATES // PASSAGES_PER_TEXT)
        [best, *_] = await store.run(store.search.ask, 1, "missile defense THAAD")
    assert best.event_title == "Older Talk", best
    assert "\x02THAAD\x03" in best.excerpt, best.excerpt


@pytest.mark.parametrize(("typed", "plain"), [
    ("ＴＨＡＡＤ", "THAAD"),
    ("ＩＮＦ ｔｒｅａｔｙ", "INF treaty"),
    ("Ｗｉｌｍｉｎｇｔｏｎ", "Wilmington"),
])
async def test_a_full_width_question_finds_what_its_ascii_form_finds(store, typed, plain):
    """Full-width letters, as a Chinese keyboard types them, found nothing on either
    backend, where the ASCII form finds the seed's takeaways and bio."""
    await import_seed(store)
    expected = await store.run(store.search.ask, 1, plain)
    assert expected, plain  # the seed pages say it
    found = await store.run(store.search.ask, 1, typed)
    assert [p.source for p in found] == [p.source for p in expected], (typed, found)


@pytest.mark.parametrize(("question", "marked"), [
    ("F-35", "35"), ("what did they say about the F-35?", "35"), ("B-52 bombers", "52"),
    ("cfr", "cfr"), ("cfr.org", "cfr"), ("press@cfr.org", "press"), ("report", "report"),
    ("Node.js", "Node"), ("86", "86"), ("annex", "annex"), ("important", "important"),
])
async def test_words_joined_by_punctuation_are_found_each_on_both_backends(
        store, question, marked):
    """A page writes words joined by ASCII punctuation: "F-35", a site, an e-mail address,
    a path, "Node.js", "+86", a word in angle brackets. SQLite's tokenizer reads
    each word of them, and a question finds it; PostgreSQL's parser read such runs as
    one token ("-35", "cfr.org", an e-mail, a URL) or skipped them as markup ("<important>"),
    and the same question found nothing on a PostgreSQL deployment."""
    event, _ = await store.run(store.events.save_event, 1, EventDraft("p", "Talk", 5), [
        ("page", make_page(description=(
            "The F-35 and B-52 programs, see https://cfr.org/report?id=7 or write to "
            "press@cfr.org; Node.js code grew 2.5 percent; call +86 25 from the "
            "docs/annex path, the <important> part.")))])
    found = await store.run(store.search.ask, 1, question, event.id)
    assert [p.source for p in found] == ["page"], question
    assert f"\x02{marked}" in found[0].excerpt, found[0].excerpt


# A Chinese page writes Latin names, acronyms and numbers against its characters with no
# space between, and sometimes in full-width letters and digits, as a Chinese keyboard
# types them.
GLUED_PAGE = ("中国反对在韩国部署THAAD系统，并关注Aegis和SM-3拦截弹。2019年美国发布了报告。"
              "他说ＰＡＣ－３不够，日本也考虑采购ＴＨＡＡＤ。")


@pytest.mark.parametrize(("question", "marked"), [
    ("THAAD", "THAAD"), ("what did they say about thaad?", "THAAD"), ("Aegis", "Aegis"),
    ("SM-3 interceptors", "SM"), ("2019", "2019"), ("PAC-3", "ＰＡＣ"),
    ("ＴＨＡＡＤ", "ＴＨＡＡＤ"), ("Pac", "ＰＡＣ"), ("THAAD 报告", "THAAD"),
])
async def test_latin_words_a_chinese_page_writes_against_its_characters_are_found(
        store, question, marked):
    """Both backends read "部署THAAD系统" as one word, and full-width "ＴＨＡＡＤ" as other
    letters than "THAAD": a member asking about THAAD, Aegis or 2019 was told nothing on
    the server's pages matched, on SQLite and on PostgreSQL, whichever way they typed it.
    Found now, and marked in the excerpt as the page writes it."""
    event, _ = await store.run(store.events.save_event, 1, EventDraft("g", "Talk", 5), [
        ("page", make_page(description=GLUED_PAGE))])
    found = await store.run(store.search.ask, 1, question, event.id)
    assert [p.source for p in found] == ["page"], question
    assert f"\x02{marked}\x03" in found[0].excerpt, found[0].excerpt


@pytest.mark.sqlite_only
async def test_search_rows_from_before_the_upgrade_find_the_latin_words_of_chinese_text(
        store_opener, tmp_path):
    """An event indexed before the upgrade: its rows are made again, and its glued words
    found."""
    path = tmp_path / "glued.sqlite3"
    async with await store_opener(path) as store:
        await store.run(store.events.save_event, 1, EventDraft("g", "Talk", 5), [
            ("page", make_page(description=GLUED_PAGE))])
    conn = sqlite3.connect(path)
    with conn:  # the rows as an older bot made them: no terms but the text's own
        conn.execute("UPDATE passages SET han = ''")
        conn.execute("DROP INDEX outbox_claimed")  # (later upgrades')
        conn.execute("DROP INDEX outbox_by_event")
        conn.execute("DROP INDEX outbox_by_kind")
        conn.execute("CREATE INDEX outbox_promotions ON outbox (event_id, id)"
                     " WHERE kind = 'promoted'")
        conn.execute(f"PRAGMA user_version = {PASSAGES_REBUILT - 1}")
    conn.close()
    async with await store_opener(path) as store:
        [found] = await store.run(store.search.ask, 1, "THAAD")
        assert "\x02THAAD\x03" in found.excerpt, found.excerpt
        [found] = await store.run(store.search.ask, 1, "拦截弹")  # its Chinese terms too
