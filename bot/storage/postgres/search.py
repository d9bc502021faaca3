"""`/event ask` on PostgreSQL: full-text search over the same bounded passages as the
SQLite backend (`sqlite.search.split_passages`: PASSAGE_WORDS words, PASSAGES_PER_TEXT
per text), so ranking and excerpts cost the same however long a page is.

English words go through the 'english' stemmer, every one of them (the words a
question leaves out are `bot.questions.STOPWORDS`, not PostgreSQL's), their accents
folded (a generated tsvector with a GIN index; "ambiguity" finds "ambiguities" and
"zurich" "Zürich", as SQLite's porter and unicode61 tokenizers do), ranked by
`ts_rank_cd` over each term's newest matches, as on SQLite (ranking every match cost in
proportion to the text that matched); excerpts come from `ts_headline`, built only for
the rows kept. Han text has no spaces, so each passage also keeps its two-character terms
in simplified characters (`han_index`, GIN indexed): a Chinese question in either script
matches a passage sharing one of its terms, as on SQLite. The tsvector reads Han text as
spaces and full-width letters and digits as their own (migration 43), so that the words
a Chinese page writes against its characters ("部署THAAD系统") or in full width are found.
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from bot.content import EventContent
from bot.errors import InvalidValue
from bot.i18n import N_
from bot.models import MATCH_END, MATCH_START, Passage
from bot.questions import composed, han_terms, search_words, words_and_topic
from bot.storage.postgres.migrations import (
    ACCENTED,
    COMBINING_MARKS,
    SEARCH_CONFIG,
    UNACCENTED,
)
from bot.storage.postgres.session import Repository
from bot.storage.sqlite.search import marked_or, per_term, search_rows

# ts_rank_cd's normalisation 1 (rank / (1 + log of the passage's length)) comes closest to
# SQLite's BM25 on the bundled event: the same best passage for 18 of 20 sample questions,
# against 13 to 16 for the other normalisations (BM25 also weighs rare words up).
RANK_NORMALISATION = 1
# The same excerpt length as SQLite's snippet (48 tokens), with its match marks.
HEADLINE = (f"StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords=48, MinWords=24,"
            " ShortWord=0, HighlightAll=false")
# A question's words fold their accents as the rows' words do (migration 26).
UNACCENT = str.maketrans(ACCENTED, UNACCENTED, COMBINING_MARKS)


class PostgresSearch(Repository):
    async def index(self, conn: asyncpg.Connection, event_id: int, guild_id: int,
                    content: EventContent) -> None:
        """Replace the event's search rows (in the caller's transaction)."""
        await conn.execute("DELETE FROM passages WHERE event_id = $1", event_id)
        await conn.executemany(
            "INSERT INTO passages (guild_id, event_id, source, text, han)"
            " VALUES ($1, $2, $3, $4, $5)",
            [(guild_id, event_id, source, passage, list(han))
             for passage, han, source in search_rows(content)])

    async def ask(self, guild_id: int, question: str, event_id: int | None = None,
                  limit: int = 3) -> list[Passage]:
        """The passages of the guild's events (or one event) that best match the question;
        the matched words are wrapped in MATCH_START/MATCH_END."""
        read = composed(question)  # as the SQLite search reads it (`questions.composed`)
        words, terms = tsquery_text(read.translate(UNACCENT)), han_terms(question)
        each = term_queries(read.translate(UNACCENT))
        if not words and not terms:
            raise InvalidValue(N_("ask with a few words about the event, e.g. "
                                  "'what did they say about missile defense?'"))
        async with self._transaction() as conn:
            # planned for these values each time: a plan for any values (asyncpg prepares
            # statements, and PostgreSQL settles on one after five) knows neither the
            # scope nor how common the words are, and walked the whole table newest first
            # for one old event's few passages
            await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
            rows = await conn.fetch(
                f"WITH q AS (SELECT to_tsquery('{SEARCH_CONFIG}', $1) AS words,"
                # the words as asked too, for the excerpt, which marks the text as written
                f"  to_tsquery('{SEARCH_CONFIG}', $1) || to_tsquery('{SEARCH_CONFIG}', $8)"
                " AS shown),"
                # each term's newest matches, and only those ranked (as on SQLite); each
                # term's query written out, not taken from q, so the planner sees how
                # common its word is and walks the newest rows only when it is common
                f" candidates AS MATERIALIZED ({candidate_arms(len(each[0]), len(each[1]))}),"
                " best AS ("
                "  SELECT p.id, ts_rank_cd(p.words, q.words, $7)"
                "   + (SELECT count(*) FROM unnest(p.han) t WHERE t = ANY($4::text[])) AS rank"
                "  FROM candidates JOIN passages p ON p.id = candidates.id, q"
                "  ORDER BY rank DESC, p.id LIMIT $5)"
                " SELECT p.event_id, e.title, p.source, p.text,"
                f"  ts_headline('{SEARCH_CONFIG}', p.text, q.shown, $6) AS excerpt"
                " FROM best JOIN passages p ON p.id = best.id JOIN events e ON e.id = p.event_id,"
                "  q ORDER BY best.rank DESC, p.id",
                words, guild_id, event_id, terms, limit, HEADLINE, RANK_NORMALISATION,
                tsquery_text(read), per_term(len(each[0]) + len(each[1])),
                *each[0], *each[1])
        wanted, asked = frozenset(terms), frozenset(search_words(read.translate(UNACCENT)))
        return [Passage(r["event_id"], r["title"], r["source"], r["text"],
                        # `ts_headline` reads the text as written, where the search reads
                        # it folded: a word asked without its accents ("zurich" for
                        # "Zürich"), or written against Han text, is marked here
                        r["excerpt"] if MATCH_START in r["excerpt"]
                        else marked_or(r["excerpt"], r["text"], wanted, asked))
                for r in rows]


def tsquery_text(question: str) -> str:
    """The question's words as `to_tsquery` text: any of them, each quoted (they are \\w+
    runs, so nothing the member types is read as query syntax). A question "about"
    something matches only passages that say it, the other words adding to the rank, as
    `sqlite.search.fts_query` does."""
    words, topic = words_and_topic(question)
    return f"({any_of(topic)}) & ({any_of(words)})" if topic else any_of(words)


def term_queries(question: str) -> tuple[list[str], list[str]]:
    """The question's words, each as `to_tsquery` text with the topic a question "about"
    something requires (see `tsquery_text`), and its two-character Han terms: the terms
    that each bring their newest matches to be ranked (`sqlite.search.term_matches`)."""
    words, topic = words_and_topic(question)
    required = f" & ({any_of(topic)})" if topic else ""
    return [f"'{word}'{required}" for word in words], han_terms(question)


def candidate_arms(words: int, han: int) -> str:
    """The ids of each term's newest `$9` matches in the scope ($2, $3): the words' from
    parameter $10 on, the Han terms' after them."""
    scope = "p.guild_id = $2 AND ($3::bigint IS NULL OR p.event_id = $3)"
    tests = ([f"p.words @@ to_tsquery('{SEARCH_CONFIG}', ${10 + n})" for n in range(words)]
             + [f"p.han && ARRAY[${10 + words + n}::text]" for n in range(han)])
    return " UNION ".join(f"(SELECT p.id FROM passages p WHERE {scope} AND {test}"
                          " ORDER BY p.id DESC LIMIT $9)" for test in tests)


def any_of(words: Iterable[str]) -> str:
    return " | ".join(f"'{w}'" for w in words)
