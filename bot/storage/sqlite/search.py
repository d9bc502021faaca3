"""Full-text search over what events say (FTS5, BM25): the passages index and `ask`."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from bot.content import EventContent
from bot.errors import InvalidValue
from bot.i18n import N_
from bot.models import MATCH_END, MATCH_START, Passage
from bot.pages_names import search_text
from bot.questions import (
    han_index,
    han_terms,
    hidden_words,
    search_words,
    word_hits,
    words_and_topic,
)
from bot.storage.sqlite.session import Repository

# Search rows are at most this long, and each text (a description, a bio...) gives at
# most PASSAGES_PER_TEXT distinct ones, so ranking and excerpts cost the same however long
# a page is: 100 words is a paragraph (an excerpt's cost grows with the square of the
# matches in its row), and 25 passages several times the longest real event page. Text
# past them is shown, but not searched.
PASSAGE_WORDS = 100
PASSAGE_CHARS = 1_000
PASSAGES_PER_TEXT = 25
# An ask ranks about this many passages, the newest that match: copied and ranked, a
# passage costs about 11 µs, so 200 hold the database thread some 2 to 3 ms however much
# of a server's text the question's words match. They are shared among the question's
# terms (`per_term`), each bringing its own newest matches: a word that only an older
# event says (the rarest, which BM25 weighs most) is ranked too, not crowded out by the
# newer passages of the common ones.
CANDIDATES = 200
# Each term's matches at least, however many terms a question has (32 words and 64 Han
# terms at most: some 500 passages).
PER_TERM_AT_LEAST = 5
# The candidates of one ask (`asked_rows`) and their index (`asked`, which reads its text
# from them), ranked by BM25 over them alone: bm25() weighs the text and its Chinese terms
# alike, as the passages table's rank does. The connection's own, made on its first ask.
ASKED_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS asked_rows ("
    " id INTEGER PRIMARY KEY, text TEXT, han TEXT, event_id INTEGER, source TEXT)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.asked USING fts5 (text, han,"
    " content = 'asked_rows', content_rowid = 'id',"
    " tokenize = 'porter unicode61 remove_diacritics 2')",
)
# The columns a question's words are looked for in: the passage, and the words of it its
# tokenizer reads otherwise, kept beside its Han terms (`bot.questions.hidden_words`:
# "THAAD" of "部署THAAD系统", "ＴＨＡＡＤ").
WORD_COLUMNS = "{text han}"
HAN_EXCERPT = 160  # characters of a passage shown around its first match marked here
_WORD = re.compile(r"\S+")
# Texts up to this long keep their search rows in a small cache: the sample events say the
# same in every new server, and splitting them was 40% of saving one there.
CACHED_TEXT_CHARS = 20_000


class SqliteSearch(Repository):
    def index(self, event_id: int, guild_id: int, content: EventContent, *,
              fresh: bool = False) -> None:
        """Replace the event's search rows: passages of at most PASSAGE_WORDS words. A
        `fresh` event (created in this transaction, or one re-indexed into a table made
        anew) has none to find and delete: that search was a third of saving a sample
        event in a new server."""
        self.index_rows(event_id, guild_id, search_rows(content), fresh=fresh)

    def index_rows(self, event_id: int, guild_id: int, rows: Iterable[SearchRow], *,
                   fresh: bool = False) -> None:
        """`index` with the content's `search_rows`, split before (an import splits them
        before its write transaction)."""
        db = self._conn
        if not fresh:
            db.execute("DELETE FROM passages WHERE rowid IN (SELECT rowid FROM passages"
                       " WHERE passages MATCH ?)", (f'scope : "{event_tag(event_id)}"',))
        scope = f"{guild_tag(guild_id)} {event_tag(event_id)}"
        db.executemany(
            "INSERT INTO passages (text, han, scope, event_id, source) VALUES (?, ?, ?, ?, ?)",
            [(passage, " ".join([*han, *hidden_words(passage)]), scope, event_id, source)
             for passage, han, source in rows])

    def ask(self, guild_id: int, question: str, event_id: int | None = None,
            limit: int = 3) -> list[Passage]:
        """The passages of the guild's events (or one event) that best match the question,
        ranked by BM25; the matched words are wrapped in MATCH_START/MATCH_END.

        English words match their other forms (the porter stemmer: "ambiguity" finds
        "ambiguities"); Han text matches by its two-character terms, in either script
        (see `han_index`)."""
        words, han = fts_query(question), han_query(question)
        if not words and not han:
            raise InvalidValue(N_("ask with a few words about the event, e.g. "
                                  "'what did they say about missile defense?'"))
        match = " OR ".join(([f"{WORD_COLUMNS} : ({words})"] if words else [])
                            + ([f"han : ({han})"] if han else []))
        # Each term's newest matches in scope (`per_term`), found in rowid order (FTS5
        # stops at the limit), are copied to tables of this connection's own and ranked
        # there: BM25 over every match (FTS5 ranks them all before any LIMIT) and its word
        # weights (each word's rows counted over the whole table, every server's) cost in
        # proportion to the text that matches, and held the database thread that long.
        scope = event_tag(event_id) if event_id is not None else guild_tag(guild_id)
        each = term_matches(question)
        share = per_term(len(each))
        db = self._conn
        for table in ASKED_TABLES:
            db.execute(table)
        with self._session.snapshot():  # one state of the passages, one write of the copies
            db.execute("DELETE FROM asked_rows")
            db.execute("INSERT INTO asked (asked) VALUES ('delete-all')")
            for term in each:
                db.execute("INSERT OR IGNORE INTO asked_rows (id, text, han, event_id, source)"
                           " SELECT rowid, text, han, event_id, source FROM passages"
                           " WHERE passages MATCH ? ORDER BY rowid DESC LIMIT ?",
                           (f'scope : "{scope}" AND ({term})', share))
            db.execute("INSERT INTO asked (asked) VALUES ('rebuild')")
            rows = self._all(
                "SELECT r.event_id, e.title, r.source, r.text,"
                f" snippet(asked, 0, '{MATCH_START}', '{MATCH_END}', '…', 48) AS excerpt"
                " FROM asked JOIN asked_rows r ON r.id = asked.rowid"
                " JOIN events e ON e.id = r.event_id"
                " WHERE asked MATCH ? AND e.guild_id = ? ORDER BY asked.rank LIMIT ?",
                (match, guild_id, limit))
        terms, asked = frozenset(han_terms(question)), search_words(question)
        return [Passage(r["event_id"], r["title"], r["source"], r["text"],
                        r["excerpt"] if MATCH_START in r["excerpt"]
                        else marked_or(r["excerpt"], r["text"], terms, asked))
                for r in rows]

    def unindex_event(self, event_id: int) -> None:
        self._conn.execute("DELETE FROM passages WHERE rowid IN (SELECT rowid FROM passages"
                           " WHERE passages MATCH ?)", (f'scope : "{event_tag(event_id)}"',))

    def unindex(self, event_id: int, limit: int) -> int:
        """Delete up to `limit` of the event's search rows; returns how many."""
        return self._conn.execute(
            "DELETE FROM passages WHERE rowid IN (SELECT rowid FROM passages"
            " WHERE passages MATCH ? LIMIT ?)", (f'scope : "{event_tag(event_id)}"', limit)
        ).rowcount


def fts_query(question: str) -> str:
    """Words of a free-text question as an FTS5 query: any of them, each quoted, so
    nothing the member types is read as FTS syntax. A question "about" something matches
    only passages that say it: BM25 scores every phrase of the query, so the topic counts
    twice and the other words add to the rank without being required."""
    words, topic = words_and_topic(question)
    return f"({any_of(topic)}) AND ({any_of(words)})" if topic else any_of(words)


def term_matches(question: str) -> list[str]:
    """Each of the question's terms as an FTS5 query that `fts_query` or `han_query`
    would match: a word (with the topic a question "about" something requires), or a
    two-character Han term."""
    words, topic = words_and_topic(question)
    required = f" AND ({any_of(topic)})" if topic else ""
    return ([f'{WORD_COLUMNS} : ("{word}"{required})' for word in words]
            + [f'han : "{term}"' for term in han_terms(question)])


def per_term(terms: int) -> int:
    """How many of its newest matches each of a question's `terms` brings to be ranked."""
    return max(CANDIDATES // max(terms, 1), PER_TERM_AT_LEAST)


def han_query(question: str) -> str:
    """The Han text of a question as an FTS5 query on the `han` column: any of its
    two-character terms."""
    return any_of(han_terms(question))


def any_of(terms: Iterable[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


def index_passages(text: str) -> Sequence[tuple[str, Sequence[str]]]:
    """The search rows of one text: (passage, its two-character Han terms), as both
    backends index them."""
    if len(text) > CACHED_TEXT_CHARS:
        return _index_passages.__wrapped__(text)
    return _index_passages(text)


@functools.lru_cache(maxsize=128)
def _index_passages(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((passage, tuple(han_index(passage)))
                 for passage in split_passages(text, PASSAGES_PER_TEXT))


def split_passages(text: str, most: int | None = None) -> list[str]:
    """The first `most` distinct search rows of at most PASSAGE_WORDS words and
    PASSAGE_CHARS characters, cut at a paragraph break where one is near, so one long page
    never makes one huge row (an excerpt's cost grows with its row) nor endless rows."""
    passages: dict[str, None] = {}  # in order, each once
    # The words are found as far as the passages reach, not all of them first: a page of a
    # megabyte has some 150,000, its first 25 passages a few thousand, and finding them all
    # was most of what saving such an event cost.
    found = _WORD.finditer(text)
    words: list[tuple[int, int]] = []

    def has(i: int) -> bool:
        """Whether the text has an `i`-th word (finding the words up to it)."""
        while len(words) <= i:
            match = next(found, None)
            if match is None:
                return False
            words.append(match.span())
        return True

    first = 0
    while has(first) and (most is None or len(passages) < most):
        last = first  # the passage is words[first:last + 1]
        paragraph_end = -1
        while (has(last + 1) and last + 1 - first < PASSAGE_WORDS
               and words[last + 1][1] - words[first][0] <= PASSAGE_CHARS):
            if "\n" in text[words[last][1]:words[last + 1][0]]:
                paragraph_end = last
            last += 1
        if has(last + 1) and paragraph_end >= first + (last - first) // 2:
            last = paragraph_end
        start, end = words[first][0], words[last][1]
        passages.update((text[i:min(i + PASSAGE_CHARS, end)], None)
                        for i in range(start, end, PASSAGE_CHARS))  # a "word" too long
        first = last + 1
    return list(passages)[:most]


def han_hits(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """Where `text` has one of the two-character `terms` (in simplified characters, as
    `han_terms` gives them), as (start, end), whichever script it is in. FTS5's snippet
    marks tokens, and a run of Han text is one token to it, so Chinese matches are marked
    here (a passage is at most PASSAGE_CHARS)."""
    plain = search_text(text)  # the same length: positions in it are positions in `text`
    return [(i, i + 2) for i in range(len(plain) - 1) if plain[i:i + 2] in terms]


def marked_or(shown: str, text: str, terms: frozenset[str], words: Iterable[str]) -> str:
    """The excerpt of a passage whose excerpt from the search (`shown`) marks nothing: the
    stretch around the first of its Han `terms` or `words` asked (`word_hits`: those its
    tokenizer did not read as asked, such as "THAAD" in "部署THAAD系统"), each marked; `shown`
    where it has none of them."""
    hits = sorted([*han_hits(text, terms), *word_hits(text, words)])
    return marked_excerpt(text, hits) if hits else shown


def marked_excerpt(text: str, hits: list[tuple[int, int]]) -> str:
    """The stretch of `text` around the first of its (start, end) `hits`, each marked."""
    if not hits:
        return text[:HAN_EXCERPT]
    start = max(0, hits[0][0] - HAN_EXCERPT // 4)
    end = min(len(text), start + HAN_EXCERPT)
    marked = bytearray(len(text))
    for first, last in hits:
        marked[first:last] = b"\1" * (last - first)
    out = ["…" if start else ""]
    for i in range(start, end):
        if marked[i] and (i == start or not marked[i - 1]):
            out.append(MATCH_START)
        out.append(text[i])
        if marked[i] and (i + 1 == end or not marked[i + 1]):
            out.append(MATCH_END)
    out.append("…" if end < len(text) else "")
    return "".join(out)


def guild_tag(guild_id: int) -> str:
    return f"g{guild_id}"


def event_tag(event_id: int) -> str:
    return f"e{event_id}"


# A search row of an event: its passage, the passage's Han terms, and its source.
SearchRow = tuple[str, Sequence[str], str]


def search_rows(content: EventContent) -> list[SearchRow]:
    """The search rows of what an event says, as both backends index them."""
    return [(passage, han, source) for text, source in passages_of(content)
            for passage, han in index_passages(text)]


def passages_of(content: EventContent) -> list[tuple[str, str]]:
    """(text, source) of everything an event says, for full-text search."""
    return [(content.description, "page"), (content.recap_summary, "recap"),
            *((p.bio, f"bio:{p.name}") for p in content.people),
            *((f"{t.heading}: {t.text}" if t.heading else t.text, f"takeaway:{t.heading}")
              for t in content.takeaways)]

