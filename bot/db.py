"""The SQL: every query the bot runs, as plain synchronous functions on one connection.

`bot.store.Store` runs each public method here as ONE call on aiosqlite's
connection thread, so an operation costs one thread hop whatever its number of
statements, and no other operation on the connection can interleave with it.

Every write is one `BEGIN IMMEDIATE` transaction: IMMEDIATE takes SQLite's write
lock before the first read, so processes sharing the file (WAL, busy_timeout)
serialise their read-then-write transactions too. Parameterised queries only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot import registration as rules
from bot.content import EventContent
from bot.models import Event, Rsvp
from bot.pages import Page, Person, Takeaway, page_language
from bot.questions import han_bigrams, han_terms, search_words, topic_words
from bot.registration import Existing, JoinOutcome, JoinResult, Promotions, Seats, Status
from bot.schema import MIGRATIONS, PASSAGES_REBUILT, SCHEMA_VERSION
from bot.when import DEFAULT_ZONE, When

NO_WHEN = When()

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
DEFAULT_CAPACITY = 100
# Search rows are at most this long, and each text (a description, a bio...) gives at
# most PASSAGES_PER_TEXT distinct ones, so ranking and excerpts cost the same however long
# a page is: 100 words is a paragraph (an excerpt's cost grows with the square of the
# matches in its row), and 25 passages several times the longest real event page. Text
# past them is shown, but not searched.
PASSAGE_WORDS = 100
PASSAGE_CHARS = 1_000
PASSAGES_PER_TEXT = 25
_WORD = re.compile(r"\S+")
ARCHIVED = "this event is archived"


class StoreError(Exception):
    """A request the store cannot carry out; the message is meant for users."""


class EventNotFound(StoreError):
    def __init__(self, event_id: int | str) -> None:
        super().__init__(f"there is no event {event_id} in this server")


@dataclass(frozen=True, slots=True)
class EventDraft:
    """What an import says about an event besides its pages."""

    slug: str
    title: str
    capacity: int | None = None  # None keeps the current capacity (or the default)
    venue: str | None = None
    link: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    all_day: bool = False  # with starts_at: it is a date (midnight UTC), not a time
    # What the page says: it fills only what the event does not have yet, so an option, an
    # event.toml value or an edit always wins over the page (and a recap's date over none).
    page_when: When = NO_WHEN
    page_venue: str | None = None


@dataclass(frozen=True, slots=True)
class EventEdit:
    """The when and where of an event as `/manage edit` sets them: None clears a field."""

    title: str
    starts_at: datetime
    ends_at: datetime | None
    all_day: bool
    venue: str | None
    link: str | None


@dataclass(frozen=True, slots=True)
class EventSummary:
    id: int
    title: str
    starts_at: datetime | None
    slug: str = ""
    archived: bool = False


@dataclass(frozen=True, slots=True)
class EventListing:
    """One line of `/event list`: when, how many seats are left, whether it takes RSVPs."""

    id: int
    title: str
    starts_at: datetime | None
    seats_left: int
    registration_open: bool
    archived: bool
    over: bool


@dataclass(frozen=True, slots=True)
class MyRsvp:
    """One of a member's RSVPs, for `/rsvp mine`."""

    event_id: int
    title: str
    starts_at: datetime | None
    status: Status
    position: int | None  # waitlist position from 1; None when confirmed


@dataclass(frozen=True, slots=True)
class Deletion:
    """What deleting an event removed."""

    title: str
    confirmed: int
    waitlisted: int


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of what an event says, found by `/event ask`."""

    event_id: int
    event_title: str
    source: str  # "page", "recap", "bio:<name>" or "takeaway:<heading>"
    text: str
    excerpt: str  # the best-matching stretch, matched words between MATCH_START/MATCH_END


MATCH_START, MATCH_END = "\x02", "\x03"
HAN_EXCERPT = 160  # characters of a passage shown around its first Chinese match


def fts_query(question: str) -> str:
    """Words of a free-text question as an FTS5 query: any of them, each quoted, so
    nothing the member types is read as FTS syntax. A question "about" something matches
    only passages that say it: BM25 scores every phrase of the query, so the topic counts
    twice and the other words add to the rank without being required."""
    words, topic = search_words(question), topic_words(question)
    if not topic or set(topic) == set(words):
        return _any(words)
    return f"({_any(topic)}) AND ({_any(words)})"


def han_query(question: str) -> str:
    """The Han text of a question as an FTS5 query on the `han` column: any of its
    two-character terms."""
    return _any(han_terms(question))


def _any(terms: Iterable[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


@dataclass(frozen=True, slots=True)
class Notice:
    """An outbox row: something to tell Discord, written in the same transaction as its cause."""

    id: int
    guild_id: int
    event_id: int
    # "capacity", "promoted", "closed", "opened", "recap", "changed", "changed_dm",
    # "deleted", "cancelled"
    kind: str
    payload: dict[str, Any]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def page_hash(body: str) -> str:
    """A page's identity for re-imports: its text with whitespace runs made one space."""
    return hashlib.sha256(" ".join(body.split()).encode()).hexdigest()


def configure(conn: sqlite3.Connection, *, wait: bool = True) -> None:
    """Durability and concurrency settings, applied to every connection.

    A connection that must never wait (`wait=False`: it runs on the event loop) gets
    no busy timeout, so a locked database fails at once, and leaves checkpoints to the
    connection that may wait.
    """
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS if wait else 0}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # WAL: a commit survives a process crash
    conn.execute("PRAGMA foreign_keys = ON")
    if not wait:
        conn.execute("PRAGMA wal_autocheckpoint = 0")


def is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class Database:
    def __init__(self, conn: sqlite3.Connection, clock: Callable[[], datetime] = utcnow) -> None:
        conn.row_factory = sqlite3.Row
        conn.isolation_level = None  # transactions are explicit
        self._conn = conn
        self._clock = clock  # the registration rules' "now"; tests move it
        self.notices_written = 0  # counts outbox rows written, so the bot knows when to look
        # event id -> (waitlist_departures when built, waitlisted seqs in order)
        self._waitlists: dict[int, tuple[int, array[int]]] = {}

    def migrate(self) -> None:
        with self._transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"the database is schema version {version}, newer than this "
                                 f"bot's {SCHEMA_VERSION}; upgrade the bot")
            for number in range(version + 1, SCHEMA_VERSION + 1):
                log.info("migrating database to schema version %d", number)
                for statement in _statements(MIGRATIONS[number - 1]):
                    db.execute(statement)
                if number == PASSAGES_REBUILT:
                    self._reindex_passages()
                db.execute(f"PRAGMA user_version = {number}")
            if version < SCHEMA_VERSION:
                self._fill_page_hashes()

    def _fill_page_hashes(self) -> None:
        """Pages imported before their text was hashed get their hash (SQL has no sha256)."""
        rows = self._all("SELECT rowid, body FROM pages WHERE text_hash IS NULL")
        self._conn.executemany("UPDATE pages SET text_hash = ? WHERE rowid = ?",
                               [(page_hash(r["body"]), r["rowid"]) for r in rows])

    def schema_version(self) -> int:
        return self._one("PRAGMA user_version")[0]

    def close(self) -> None:
        self._conn.close()

    def checkpoint(self) -> None:
        """Move the write-ahead log into the database file, without waiting for readers."""
        self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        return self._conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, params).fetchall()

    # -- events ------------------------------------------------------------

    def save_event(self, guild_id: int, draft: EventDraft, pages: Sequence[tuple[str, Page]],
                   now: datetime | None = None, *, new: bool = False,
                   url: str | None = None, sample: bool = False) -> tuple[Event, bool]:
        """Create the event `draft.slug` in the guild, or update it in place.

        With `new`, create one, suffixing the slug if it is taken, unless one of the
        pages was already imported in this guild (the same text, up to whitespace):
        then that event is updated, so an import retried after a lost reply does not
        make a second event. The same goes for a page fetched from a `url` this guild
        imported before, whatever its text now says. RSVPs are never touched by an import;
        a changed capacity goes through the registration rules. `sample` marks an event it
        creates as the bundled sample. Returns the event and whether it was created.
        """
        now = now or self._clock()
        with self._transaction() as db:
            if new:
                row = self._imported_before(guild_id, pages, url)
                slug = self._free_slug(guild_id, draft.slug) if row is None else None
            else:
                slug = draft.slug
                row = self._one(
                    "SELECT id FROM events WHERE guild_id = ? AND slug = ?", (guild_id, slug))
            created = row is None
            if created:
                closed = any(page.registration_closed for _, page in pages)
                # A deleted event's id is never given again: its old buttons must not
                # reach a new event.
                cursor = db.execute(
                    "INSERT INTO events (id, guild_id, slug, title, capacity, registration_open,"
                    " closed_reason, is_sample, created_at, updated_at) VALUES ("
                    "(SELECT coalesce(max(m), 0) + 1 FROM (SELECT max(id) AS m FROM events"
                    " UNION ALL SELECT max(id) FROM deleted_events)),"
                    " ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (guild_id, slug, draft.title, draft.capacity or DEFAULT_CAPACITY,
                     int(not closed), "the event page says registration has closed" if closed
                     else None, int(sample), _ts(now), _ts(now)))
                event_id = cursor.lastrowid
            else:
                event_id = row["id"]
            self._apply_draft(event_id, guild_id, draft, now)
            self._add_pages(event_id, guild_id, pages, now, url, announce_recap=not created)
        return self.get_event(guild_id, event_id), created

    def imported_event_id(self, guild_id: int, body: str, url: str | None = None) -> int | None:
        """The event an import of this page (or URL) would update instead of creating one."""
        row = self._imported_before(guild_id, [(body, None)], url)
        return None if row is None else row["id"]

    def _imported_before(self, guild_id: int, pages: Sequence[tuple[str, Page | None]],
                         url: str | None = None) -> sqlite3.Row | None:
        """The guild's event that already has one of these pages (or this URL), if any."""
        if url is not None:
            row = self._one(
                "SELECT e.id FROM pages p JOIN events e ON e.id = p.event_id"
                " WHERE e.guild_id = ? AND p.url = ? ORDER BY e.id LIMIT 1", (guild_id, url))
            if row is not None:
                return row
        hashes = [page_hash(body) for body, _ in pages]
        if not hashes:
            return None
        return self._one(
            "SELECT e.id FROM pages p JOIN events e ON e.id = p.event_id"
            f" WHERE e.guild_id = ? AND p.text_hash IN ({', '.join('?' * len(hashes))})"
            " ORDER BY e.id LIMIT 1", (guild_id, *hashes))

    def add_page(self, guild_id: int, event_id: int, body: str, page: Page,
                 now: datetime | None = None) -> Event:
        """Attach a page (typically the recap) to an existing event."""
        now = now or self._clock()
        with self._transaction():
            self._event_seats(event_id, guild_id)
            self._add_pages(event_id, guild_id, [(body, page)], now)
        return self.get_event(guild_id, event_id)

    def _apply_draft(self, event_id: int, guild_id: int, draft: EventDraft,
                     now: datetime) -> None:
        db = self._conn
        page = draft.page_when
        # SET expressions read the row as it was: the page's times fill an event without a
        # start, and its end goes with the start it came with.
        db.execute(
            "UPDATE events SET title = :title,"
            " venue = coalesce(:venue, venue, :page_venue), link = coalesce(:link, link),"
            " all_day = CASE WHEN :starts IS NOT NULL THEN :all_day"
            "  WHEN starts_at IS NULL AND :page_starts IS NOT NULL THEN :page_all_day"
            "  ELSE all_day END,"
            " ends_at = CASE WHEN :ends IS NOT NULL THEN :ends"
            "  WHEN :starts IS NOT NULL AND :all_day THEN :starts + 86400"
            "  WHEN :starts IS NOT NULL AND all_day THEN NULL"
            "  WHEN starts_at IS NULL AND :page_starts IS NOT NULL AND :starts IS NULL"
            "   THEN :page_ends ELSE ends_at END,"
            " starts_at = coalesce(:starts, starts_at, :page_starts), updated_at = :now"
            " WHERE id = :id",
            {"title": draft.title, "venue": draft.venue, "page_venue": draft.page_venue,
             "link": draft.link, "starts": _ts(draft.starts_at), "ends": _ts(draft.ends_at),
             "all_day": int(draft.all_day), "page_starts": _ts(page.starts_at),
             "page_ends": _ts(page.ends_at), "page_all_day": int(page.all_day),
             "now": _ts(now), "id": event_id})
        seats = self._event_seats(event_id, guild_id)
        if draft.capacity is not None and draft.capacity != seats.capacity:
            self._change_capacity(event_id, guild_id, seats, draft.capacity, now)
        elif promotable := rules.promotable(seats, now):
            # A new date can reopen an event that had taken place to its waitlist.
            waitlist = self._waitlist_head(event_id, promotable)
            promotions = rules.fill_free_seats(seats, waitlist, now)
            self._record_promotions(guild_id, event_id, seats, promotions, now)

    def _add_pages(self, event_id: int, guild_id: int, pages: Iterable[tuple[str, Page]],
                   now: datetime, url: str | None = None, *,
                   announce_recap: bool = True) -> None:
        """Store the pages and merge their content into the event's. A recap with takeaways
        is announced when it reaches an event that was already there, and only when it is
        a new text: an event created together with its recap (the bundled sample in every
        new server, a folder import) is not news, and neither is the same recap again."""
        db = self._conn
        content = self._content(event_id)
        for body, page in pages:
            content = content.merged_with(page)
            text_hash = page_hash(body)
            is_new_recap = page.kind == "recap" and self._one(
                "SELECT 1 FROM pages WHERE event_id = ? AND kind = 'recap' AND text_hash = ?",
                (event_id, text_hash)) is None
            db.execute(
                "INSERT INTO pages (event_id, kind, lang, body, text_hash, url, imported_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, kind, lang) DO UPDATE SET"
                " body = excluded.body, text_hash = excluded.text_hash,"
                " url = coalesce(excluded.url, url), imported_at = excluded.imported_at",
                (event_id, page.kind, page_language(body), body, text_hash, url, _ts(now)))
            if announce_recap and is_new_recap and page.takeaways:
                self._notify(guild_id, event_id, "recap", {}, now)
        db.execute(
            "UPDATE events SET description = ?, recap_summary = ?, language = ?, translation = ?,"
            " off_the_record = ?, access_notes = ? WHERE id = ?",
            (content.description, content.recap_summary, content.language, content.translation,
             int(content.off_the_record), json.dumps(content.access_notes), event_id))
        db.execute("DELETE FROM people WHERE event_id = ?", (event_id,))
        db.executemany(
            "INSERT INTO people (event_id, position, name, role, bio) VALUES (?, ?, ?, ?, ?)",
            [(event_id, i, p.name, p.role, p.bio) for i, p in enumerate(content.people)])
        db.execute("DELETE FROM takeaways WHERE event_id = ?", (event_id,))
        db.executemany(
            "INSERT INTO takeaways (event_id, position, heading, text) VALUES (?, ?, ?, ?)",
            [(event_id, i, t.heading, t.text) for i, t in enumerate(content.takeaways)])
        self._index(event_id, guild_id, content)

    def _index(self, event_id: int, guild_id: int, content: EventContent) -> None:
        """Replace the event's search rows: passages of at most PASSAGE_WORDS words."""
        db = self._conn
        db.execute("DELETE FROM passages WHERE rowid IN (SELECT rowid FROM passages"
                   " WHERE passages MATCH ?)", (f'scope : "{_event_tag(event_id)}"',))
        scope = f"{_guild_tag(guild_id)} {_event_tag(event_id)}"
        db.executemany(
            "INSERT INTO passages (text, han, scope, event_id, source) VALUES (?, ?, ?, ?, ?)",
            [(passage, " ".join(han_bigrams(passage)), scope, event_id, source)
             for text, source in _passages(content)
             for passage in split_passages(text, PASSAGES_PER_TEXT)])

    def _reindex_passages(self) -> None:
        for row in self._all("SELECT id, guild_id FROM events"):
            self._index(row["id"], row["guild_id"], self._content(row["id"]))

    def _content(self, event_id: int) -> EventContent:
        row = self._one(
            "SELECT description, recap_summary, language, translation, off_the_record,"
            " access_notes FROM events WHERE id = ?", (event_id,))
        return EventContent(
            description=row["description"], recap_summary=row["recap_summary"],
            language=row["language"], translation=row["translation"],
            off_the_record=bool(row["off_the_record"]),
            access_notes=tuple(json.loads(row["access_notes"])),
            people=self._people(event_id), takeaways=self._takeaways(event_id))

    def _people(self, event_id: int) -> tuple[Person, ...]:
        rows = self._all(
            "SELECT name, role, bio FROM people WHERE event_id = ? ORDER BY position", (event_id,))
        return tuple(Person(r["name"], r["role"], r["bio"]) for r in rows)

    def _takeaways(self, event_id: int) -> tuple[Takeaway, ...]:
        rows = self._all(
            "SELECT heading, text FROM takeaways WHERE event_id = ? ORDER BY position",
            (event_id,))
        return tuple(Takeaway(r["heading"], r["text"]) for r in rows)

    def get_event(self, guild_id: int, event_id: int) -> Event:
        row = self._one(
            "SELECT *, EXISTS (SELECT 1 FROM pages WHERE event_id = events.id AND kind = 'recap')"
            " AS has_recap FROM events WHERE id = ? AND guild_id = ?", (event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return Event(
            id=row["id"], guild_id=row["guild_id"], slug=row["slug"], title=row["title"],
            venue=row["venue"], link=row["link"], starts_at=_dt(row["starts_at"]),
            ends_at=_dt(row["ends_at"]), capacity=row["capacity"],
            confirmed=row["confirmed_count"], waitlisted=row["waitlist_count"],
            registration_open=bool(row["registration_open"]), closed_reason=row["closed_reason"],
            description=row["description"], recap_summary=row["recap_summary"],
            language=row["language"], translation=row["translation"],
            off_the_record=bool(row["off_the_record"]),
            access_notes=tuple(json.loads(row["access_notes"])), has_recap=bool(row["has_recap"]),
            people=self._people(event_id), takeaways=self._takeaways(event_id),
            all_day=bool(row["all_day"]), archived=bool(row["archived"]),
            is_sample=bool(row["is_sample"]))

    def edit_event(self, guild_id: int, event_id: int, edit: EventEdit,
                   now: datetime | None = None) -> tuple[Event, Event]:
        """Set the event's title, times, venue and link; RSVPs stay. A new start or venue is
        news: one notice for the channel and one DM to each member registered (confirmed or
        waitlisted), written in the same transaction. Returns (before, after)."""
        now = now or self._clock()
        with self._transaction() as db:
            before = self.get_event(guild_id, event_id)
            db.execute(
                "UPDATE events SET title = ?, starts_at = ?, ends_at = ?, all_day = ?, venue = ?,"
                " link = ?, updated_at = ? WHERE id = ?",
                (edit.title, _ts(edit.starts_at), _ts(edit.ends_at), int(edit.all_day),
                 edit.venue, edit.link, _ts(now), event_id))
            seats = self._event_seats(event_id, guild_id)
            if promotable := rules.promotable(seats, now):  # a later date reopens its seats
                promotions = rules.fill_free_seats(seats, self._waitlist_head(event_id,
                                                                              promotable), now)
                self._record_promotions(guild_id, event_id, seats, promotions, now)
            after = self.get_event(guild_id, event_id)
            moved = (before.starts_at, before.all_day) != (after.starts_at, after.all_day)
            if moved or before.venue != after.venue:
                payload = {"moved": moved, "venue_changed": before.venue != after.venue}
                self._notify(guild_id, event_id, "changed", payload, now)
                for row in self._all("SELECT user_id FROM rsvps WHERE event_id = ?"
                                     " ORDER BY status = 'waitlisted', seq", (event_id,)):
                    self._notify(guild_id, event_id, "changed_dm",
                                 {**payload, "user_id": row["user_id"]}, now)
        return before, after

    def timezone(self, guild_id: int) -> str:
        row = self._one("SELECT timezone FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return DEFAULT_ZONE if row is None else row["timezone"]

    def set_timezone(self, guild_id: int, zone: str) -> None:
        """Set the guild's IANA timezone (checked by `bot.when.check_zone_name`)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO guild_settings (guild_id, timezone) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET timezone = excluded.timezone",
                (guild_id, zone))

    def ask(self, guild_id: int, question: str, event_id: int | None = None,
            limit: int = 3) -> list[Passage]:
        """The passages of the guild's events (or one event) that best match the question,
        ranked by BM25; the matched words are wrapped in MATCH_START/MATCH_END.

        English words match their other forms (the porter stemmer: "ambiguity" finds
        "ambiguities"); Han text matches by its two-character terms (see `han_bigrams`)."""
        words, han = fts_query(question), han_query(question)
        if not words and not han:
            raise StoreError("ask with a few words about the event, e.g. "
                             "'what did they say about missile defense?'")
        match = " OR ".join(([f"text : ({words})"] if words else [])
                            + ([f"han : ({han})"] if han else []))
        # FTS5 ranks every match by BM25 itself (rank is bm25 of the text columns) and hands
        # back rows best first, so excerpts are built only for the `limit` rows kept.
        scope = _event_tag(event_id) if event_id is not None else _guild_tag(guild_id)
        rows = self._all(
            "SELECT p.event_id, e.title, p.source, p.text,"
            f" snippet(passages, 0, '{MATCH_START}', '{MATCH_END}', '…', 48) AS excerpt"
            " FROM passages p JOIN events e ON e.id = p.event_id"
            " WHERE passages MATCH ? AND e.guild_id = ? ORDER BY p.rank LIMIT ?",
            (f'scope : "{scope}" AND ({match})', guild_id, limit))
        terms = frozenset(han_terms(question))
        return [Passage(r["event_id"], r["title"], r["source"], r["text"],
                        r["excerpt"] if MATCH_START in r["excerpt"] or not terms
                        else han_excerpt(r["text"], terms))
                for r in rows]

    def summary(self, guild_id: int, event_id: int) -> EventSummary:
        row = self._one("SELECT id, title, starts_at, slug, archived FROM events"
                        " WHERE id = ? AND guild_id = ?", (event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return _summary(row)

    def list_events(self, guild_id: int, *, archived: bool = True) -> list[EventSummary]:
        """All the guild's events (without `archived`, not the archived ones), upcoming
        first, then the most recent."""
        rows = self._all(
            "SELECT id, title, starts_at, slug, archived FROM events WHERE guild_id = ?"
            " AND (? OR NOT archived)"
            " ORDER BY starts_at IS NULL, starts_at DESC, id DESC", (guild_id, archived))
        return [_summary(r) for r in rows]

    def event_listings(self, guild_id: int, *, past: bool = False,
                       now: datetime | None = None) -> list[EventListing]:
        """`/event list`: the events to come, soonest first, then those without a date;
        with `past`, then the past and archived ones, most recent first."""
        rows = self._all(
            "SELECT id, title, starts_at, capacity, confirmed_count, registration_open,"
            " archived, coalesce(ends_at, starts_at) <= :now AS over FROM events"
            " WHERE guild_id = :guild AND (:past OR NOT (archived OR"
            "  coalesce(coalesce(ends_at, starts_at) <= :now, 0)))"
            " ORDER BY archived OR coalesce(coalesce(ends_at, starts_at) <= :now, 0),"
            "  CASE WHEN archived OR coalesce(coalesce(ends_at, starts_at) <= :now, 0)"
            "   THEN -coalesce(starts_at, created_at) ELSE starts_at IS NULL END,"
            "  starts_at, id",
            {"guild": guild_id, "past": past, "now": _ts(now or utcnow())})
        return [EventListing(r["id"], r["title"], _dt(r["starts_at"]),
                             max(r["capacity"] - r["confirmed_count"], 0),
                             bool(r["registration_open"]), bool(r["archived"]), bool(r["over"]))
                for r in rows]

    def my_rsvps(self, guild_id: int, user_id: int, now: datetime | None = None
                 ) -> list[MyRsvp]:
        """The member's RSVPs in the guild: events to come soonest first, then those
        without a date, then past ones, most recent first."""
        rows = self._all(
            "SELECT e.id, e.title, e.starts_at, r.status, r.seq FROM rsvps r"
            " JOIN events e ON e.id = r.event_id WHERE e.guild_id = ? AND r.user_id = ?"
            " ORDER BY coalesce(coalesce(e.ends_at, e.starts_at) <= ?, 0),"
            "  e.starts_at IS NULL, e.starts_at, e.id",
            (guild_id, user_id, _ts(now or utcnow())))
        return [MyRsvp(r["id"], r["title"], _dt(r["starts_at"]), Status(r["status"]),
                       self._position(r["id"], r["seq"]) if r["status"] == "waitlisted"
                       else None) for r in rows]

    def has_events(self, guild_id: int) -> bool:
        return self._one("SELECT 1 FROM events WHERE guild_id = ? LIMIT 1",
                                    (guild_id,)) is not None

    def _free_slug(self, guild_id: int, base: str) -> str:
        rows = self._all(
            "SELECT slug FROM events WHERE guild_id = ? AND (slug = ? OR slug LIKE ?)",
            (guild_id, base, f"{base}-%"))
        taken = {r["slug"] for r in rows}
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        return slug

    def default_event_id(self, guild_id: int, now: datetime | None = None) -> int | None:
        """The guild's next upcoming event, else its most recent one."""
        row = self._one(
            "SELECT id FROM events WHERE guild_id = ? AND starts_at >= ? AND NOT archived"
            " ORDER BY starts_at, id LIMIT 1", (guild_id, _ts(now or utcnow())))
        if row is None:
            row = self._one(
                "SELECT id FROM events WHERE guild_id = ? ORDER BY archived,"
                " coalesce(starts_at, created_at) DESC, id DESC LIMIT 1", (guild_id,))
        return None if row is None else row["id"]

    def all_events(self) -> list[tuple[int, int, str, str]]:
        """(guild_id, id, slug, title) of every event, for the CLI."""
        rows = self._all("SELECT guild_id, id, slug, title FROM events"
                                    " ORDER BY guild_id, id")
        return [(r["guild_id"], r["id"], r["slug"], r["title"]) for r in rows]

    def find_event(self, ref: str) -> tuple[int, int]:
        """(guild_id, id) of the event whose id or slug is `ref`, for the CLI."""
        row = self._one(
            "SELECT guild_id, id FROM events WHERE CAST(id AS TEXT) = ? OR slug = ?"
            " ORDER BY id LIMIT 1", (ref, ref))
        if row is None:
            raise EventNotFound(ref)
        return row["guild_id"], row["id"]

    # -- registration ------------------------------------------------------

    def _event_seats(self, event_id: int, guild_id: int) -> Seats:
        row = self._one(
            "SELECT capacity, confirmed_count, waitlist_count, registration_open, closed_reason,"
            " coalesce(ends_at, starts_at) AS over_at, capacity_noticed_at FROM events"
            " WHERE id = ? AND guild_id = ?",
            (event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return _seats(row)

    def _save_seats(self, event_id: int, seats: Seats, now: datetime) -> None:
        self._conn.execute(
            "UPDATE events SET capacity = ?, confirmed_count = ?, waitlist_count = ?,"
            " registration_open = ?, closed_reason = ?, capacity_noticed_at = ?, updated_at = ?"
            " WHERE id = ?",
            (seats.capacity, seats.confirmed, seats.waitlisted, int(seats.registration_open),
             seats.closed_reason, _ts(seats.capacity_noticed_at), _ts(now), event_id))

    def join_batch(self, batch: Sequence[tuple[int, int, int, str]]
                   ) -> list[JoinResult | Exception]:
        """Decide (guild, event, user, name) joins in arrival order, in one transaction.

        The waitlist is read only for an event with free seats and members waiting, a
        state the other operations do not leave behind, so a join costs no extra query.
        """
        now = self._clock()
        with self._transaction() as db:
            event_ids = sorted({event_id for _, event_id, _, _ in batch})
            rows = self._all(
                "SELECT id, guild_id, capacity, confirmed_count, waitlist_count, next_seq,"
                " registration_open, closed_reason, coalesce(ends_at, starts_at) AS over_at,"
                " capacity_noticed_at, archived"
                f" FROM events WHERE id IN ({','.join('?' * len(event_ids))})", event_ids)
            events = {r["id"]: (r["guild_id"], _seats(r), [r["next_seq"]]) for r in rows}
            archived = {r["id"] for r in rows if r["archived"]}
            waitlists = {event_id: self._waitlist_head(event_id, promotable)
                         for event_id, (_, seats, _) in events.items()
                         if (promotable := rules.promotable(seats, now))}
            stored = self._stored_rsvps([(e, u) for _, e, u, _ in batch])
            decided: dict[tuple[int, int], Existing] = {}  # joins earlier in this batch
            results: list[JoinResult | Exception] = []
            inserts = []
            notices = []
            for guild_id, event_id, user_id, name in batch:
                if event_id not in events or events[event_id][0] != guild_id:
                    results.append(EventNotFound(event_id))
                    continue
                if event_id in archived:
                    results.append(JoinResult(JoinOutcome.CLOSED, reason=ARCHIVED))
                    continue
                _, seats, next_seq = events[event_id]
                key = (event_id, user_id)
                mine = decided.get(key)
                if mine is None and key in stored:
                    status, seq = stored[key]
                    mine = Existing(status, self._position(event_id, seq)
                                    if status is Status.WAITLISTED else None)
                result = rules.join(seats, mine, now, waitlists.get(event_id))
                if result.promoted:  # written now, so positions read later in the batch see it
                    self._promote_rows(guild_id, event_id, result.promoted, now)
                    decided.update(((event_id, promoted), Existing(Status.CONFIRMED))
                                   for promoted in result.promoted)
                if result.status is not None and mine is None:
                    inserts.append((event_id, user_id, name, result.status.value, next_seq[0],
                                    _ts(now)))
                    decided[key] = Existing(result.status, result.position)
                    next_seq[0] += 1
                if result.filled and rules.announce_fill(seats, now):
                    notices.append((guild_id, event_id, "capacity", "{}", _ts(now)))
                results.append(result)
            db.executemany(
                "INSERT INTO rsvps (event_id, user_id, display_name, status, seq, joined_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", inserts)
            db.executemany(
                "UPDATE events SET confirmed_count = ?, waitlist_count = ?, next_seq = ?,"
                " capacity_noticed_at = ? WHERE id = ?",
                [(s.confirmed, s.waitlisted, seq[0], _ts(s.capacity_noticed_at), eid)
                 for eid, (_, s, seq) in events.items()])
            db.executemany(
                "INSERT INTO outbox (guild_id, event_id, kind, payload, created_at)"
                " VALUES (?, ?, ?, ?, ?)", notices)
            self.notices_written += len(notices)
        return results

    def _stored_rsvps(self, pairs: list[tuple[int, int]]
                      ) -> dict[tuple[int, int], tuple[Status, int]]:
        """(status, seq) of the stored RSVPs among (event, user) pairs.

        One primary-key lookup per pair: cheap on this thread, whereas a row-value
        `IN (VALUES ...)` makes SQLite scan the whole table.
        """
        found: dict[tuple[int, int], tuple[Status, int]] = {}
        for pair in set(pairs):
            row = self._one("SELECT status, seq FROM rsvps WHERE event_id = ? AND user_id = ?",
                            pair)
            if row is not None:
                found[pair] = (Status(row["status"]), row["seq"])
        return found

    def _position(self, event_id: int, seq: int) -> int:
        """The waitlist position (from 1) of the member whose RSVP has `seq`.

        Counting the waitlist ahead costs time in proportion to the position, so each
        event's waitlisted seqs are kept in order in memory. Joins only append to a
        waitlist; the cache is rebuilt when `waitlist_departures` shows that someone
        left it (in any process), and otherwise only extended with newer seqs.
        """
        departures = self._one("SELECT waitlist_departures FROM events WHERE id = ?",
                               (event_id,))[0]
        cached = self._waitlists.get(event_id)
        if cached is None or cached[0] != departures:
            cached = self._waitlists[event_id] = (departures, array("q"))
        seqs = cached[1]
        if not seqs or seq > seqs[-1]:
            seqs.extend(row[0] for row in self._conn.execute(
                "SELECT seq FROM rsvps WHERE event_id = ? AND status = 'waitlisted' AND seq > ?"
                " ORDER BY seq", (event_id, seqs[-1] if seqs else 0)))
        return bisect_right(seqs, seq)

    def _left_waitlist(self, event_id: int, count: int) -> None:
        if count:
            self._conn.execute("UPDATE events SET waitlist_departures = waitlist_departures + ?"
                               " WHERE id = ?", (count, event_id))

    def cancel(self, guild_id: int, event_id: int, user_id: int) -> rules.CancelResult:
        now = self._clock()
        with self._transaction() as db:
            seats = self._event_seats(event_id, guild_id)
            row = self._one(
                "SELECT status FROM rsvps WHERE event_id = ? AND user_id = ?", (event_id, user_id))
            mine = None if row is None else Existing(Status(row["status"]))
            waitlist = self._waitlist_head(event_id, 1)
            result = rules.cancel(seats, mine, waitlist, now)
            if mine is not None:
                db.execute("DELETE FROM rsvps WHERE event_id = ? AND user_id = ?",
                           (event_id, user_id))
                self._left_waitlist(event_id, int(mine.status is Status.WAITLISTED))
            self._record_promotions(guild_id, event_id, seats, result.promotions, now)
        return result

    def set_capacity(self, guild_id: int, event_id: int, capacity: int) -> Promotions:
        now = self._clock()
        with self._transaction():
            seats = self._event_seats(event_id, guild_id)
            return self._change_capacity(event_id, guild_id, seats, capacity, now)

    def _change_capacity(self, event_id: int, guild_id: int, seats: Seats, capacity: int,
                         now: datetime) -> Promotions:
        waitlist = self._waitlist_head(event_id, max(capacity - seats.confirmed, 0))
        was_full = seats.full
        promotions = rules.set_capacity(seats, capacity, waitlist, now)
        if was_full and not seats.full and seats.capacity_noticed_at is not None:
            # More seats than the waitlist takes: the channel, told the event was full,
            # hears it is open again as from /manage open, and the next fill is news again.
            seats.capacity_noticed_at = None
            self._notify(guild_id, event_id, "opened", {"by": None}, now)
        self._record_promotions(guild_id, event_id, seats, promotions, now)
        return promotions

    def close_registration(self, guild_id: int, event_id: int, reason: str | None,
                           by: int | None = None) -> None:
        now = self._clock()
        with self._transaction():
            seats = self._event_seats(event_id, guild_id)
            rules.close(seats, reason)
            self._save_seats(event_id, seats, now)
            self._notify(guild_id, event_id, "closed", {"reason": reason, "by": by}, now)

    def open_registration(self, guild_id: int, event_id: int, by: int | None = None
                          ) -> Promotions:
        now = self._clock()
        with self._transaction():
            seats = self._event_seats(event_id, guild_id)
            waitlist = self._waitlist_head(event_id, seats.capacity - seats.confirmed)
            promotions = rules.reopen(seats, waitlist, now)
            self._notify(guild_id, event_id, "opened", {"by": by}, now)
            self._record_promotions(guild_id, event_id, seats, promotions, now)
        return promotions

    def _waitlist_head(self, event_id: int, count: int) -> list[int]:
        if count <= 0:
            return []
        rows = self._all(
            "SELECT user_id FROM rsvps WHERE event_id = ? AND status = 'waitlisted'"
            " ORDER BY seq LIMIT ?", (event_id, count))
        return [r["user_id"] for r in rows]

    def _record_promotions(self, guild_id: int, event_id: int, seats: Seats,
                           promotions: Promotions, now: datetime) -> None:
        self._promote_rows(guild_id, event_id, promotions.promoted, now)
        if promotions.filled and rules.announce_fill(seats, now):
            self._notify(guild_id, event_id, "capacity", {}, now)
        self._save_seats(event_id, seats, now)

    def _promote_rows(self, guild_id: int, event_id: int, promoted: Sequence[int],
                      now: datetime) -> None:
        """Give the promoted members their seats and queue their DMs (counts are the caller's)."""
        self._conn.executemany(
            "UPDATE rsvps SET status = 'confirmed' WHERE event_id = ? AND user_id = ?",
            [(event_id, user_id) for user_id in promoted])
        self._left_waitlist(event_id, len(promoted))
        for user_id in promoted:
            self._notify(guild_id, event_id, "promoted", {"user_id": user_id}, now)

    def rsvp(self, event_id: int, user_id: int) -> Rsvp | None:
        row = self._one(
            "SELECT user_id, display_name, status, seq, joined_at FROM rsvps"
            " WHERE event_id = ? AND user_id = ?", (event_id, user_id))
        if row is None:
            return None
        return self._rsvp(event_id, row)

    def _rsvp(self, event_id: int, row: sqlite3.Row, position: int | None = None) -> Rsvp:
        status = Status(row["status"])
        if status is Status.WAITLISTED and position is None:
            position = self._position(event_id, row["seq"])
        return Rsvp(row["user_id"], row["display_name"], status,
                    position if status is Status.WAITLISTED else None, _dt(row["joined_at"]))

    def attendees(self, event_id: int) -> list[Rsvp]:
        """Everyone registered: confirmed first, then the waitlist, each in arrival order."""
        rows = self._all(
            "SELECT user_id, display_name, status, seq, joined_at FROM rsvps WHERE event_id = ?"
            " ORDER BY status = 'waitlisted', seq", (event_id,))
        result = []
        position = 0
        for row in rows:
            position += row["status"] == "waitlisted"
            result.append(self._rsvp(event_id, row, position or None))
        return result

    # -- guild settings, announcement messages, outbox, metadata ----------

    def set_announce_channel(self, guild_id: int, channel_id: int) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO guild_settings (guild_id, announce_channel_id) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET announce_channel_id = excluded."
                "announce_channel_id", (guild_id, channel_id))

    def announce_channel(self, guild_id: int) -> int | None:
        row = self._one(
            "SELECT announce_channel_id FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return None if row is None else row["announce_channel_id"]

    def add_announcement_message(self, event_id: int, channel_id: int, message_id: int,
                                 rendered: str | None = None) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO announcement_messages"
                             " (message_id, channel_id, event_id, rendered) VALUES (?, ?, ?, ?)",
                             (message_id, channel_id, event_id, rendered))

    def announcement_messages(self, event_id: int) -> list[tuple[int, int, str | None]]:
        """(channel_id, message_id, rendered digest) of the event's announcement messages."""
        rows = self._all(
            "SELECT channel_id, message_id, rendered FROM announcement_messages"
            " WHERE event_id = ?", (event_id,))
        return [(r["channel_id"], r["message_id"], r["rendered"]) for r in rows]

    def set_announcement_rendered(self, message_id: int, digest: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE announcement_messages SET rendered = ? WHERE message_id = ?",
                             (digest, message_id))

    def events_with_announcements(self) -> list[tuple[int, int]]:
        """(guild_id, event_id) of events that have announcement messages."""
        rows = self._all(
            "SELECT DISTINCT e.guild_id, e.id FROM events e"
            " JOIN announcement_messages a ON a.event_id = e.id")
        return [(r["guild_id"], r["id"]) for r in rows]

    def forget_announcement_message(self, message_id: int) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM announcement_messages WHERE message_id = ?",
                             (message_id,))

    def _notify(self, guild_id: int, event_id: int, kind: str, payload: dict[str, Any],
                now: datetime) -> None:
        self.notices_written += 1
        self._conn.execute(
            "INSERT INTO outbox (guild_id, event_id, kind, payload, created_at)"
            " VALUES (?, ?, ?, ?, ?)", (guild_id, event_id, kind, json.dumps(payload), _ts(now)))

    def claim_notices(self, limit: int = 100, stale_after: int = 60) -> list[Notice]:
        """Take pending notices for delivery. A claim left unacknowledged for
        `stale_after` seconds (its process died) is handed out again."""
        now = _ts(utcnow())
        with self._transaction():
            rows = self._all(
                "UPDATE outbox SET claimed_at = ? WHERE id IN (SELECT id FROM outbox"
                " WHERE claimed_at IS NULL OR claimed_at < ? ORDER BY id LIMIT ?)"
                " RETURNING id, guild_id, event_id, kind, payload",
                (now, now - stale_after, limit))
        return sorted((Notice(r["id"], r["guild_id"], r["event_id"], r["kind"],
                              json.loads(r["payload"])) for r in rows), key=lambda n: n.id)

    def ack_notice(self, notice_id: int) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM outbox WHERE id = ?", (notice_id,))

    def release_notices(self, notice_ids: Sequence[int]) -> None:
        """Give back claims on notices not delivered, so any process may take them now."""
        with self._transaction() as db:
            db.executemany("UPDATE outbox SET claimed_at = NULL WHERE id = ?",
                           [(i,) for i in notice_ids])

    def count_notices(self, kind: str | None = None) -> int:
        row = self._one(
            "SELECT count(*) FROM outbox WHERE ? IS NULL OR kind = ?", (kind, kind))
        return row[0]

    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row["value"]

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             (key, value))

    # -- deleting and archiving events; servers the bot left --

    def delete_event(self, guild_id: int, event_id: int) -> Deletion:
        """Delete the event and everything about it, in one transaction that also queues
        what Discord must hear: one DM per confirmed or waitlisted member and the cleanup
        of its announcements and Discord event. The notices carry what they need, since
        the event is gone when they are delivered."""
        now = self._clock()
        with self._transaction() as db:
            row = self._one("SELECT title, scheduled_event_id FROM events"
                            " WHERE id = ? AND guild_id = ?", (event_id, guild_id))
            if row is None:
                raise EventNotFound(event_id)
            title = row["title"]
            members = self._all("SELECT user_id, status FROM rsvps WHERE event_id = ?"
                                " ORDER BY status = 'waitlisted', seq", (event_id,))
            messages = [[r["channel_id"], r["message_id"]] for r in self._all(
                "SELECT channel_id, message_id FROM announcement_messages WHERE event_id = ?",
                (event_id,))]
            db.execute("DELETE FROM outbox WHERE event_id = ?", (event_id,))
            db.execute("DELETE FROM passages WHERE rowid IN (SELECT rowid FROM passages"
                       " WHERE passages MATCH ?)", (f'scope : "{_event_tag(event_id)}"',))
            db.execute("DELETE FROM events WHERE id = ?", (event_id,))  # the rest cascades
            db.execute("INSERT OR REPLACE INTO deleted_events (id, guild_id, title, deleted_at)"
                       " VALUES (?, ?, ?, ?)", (event_id, guild_id, title, _ts(now)))
            self._notify(guild_id, event_id, "deleted",
                         {"title": title, "messages": messages,
                          "scheduled_event_id": row["scheduled_event_id"]}, now)
            for member in members:
                self._notify(guild_id, event_id, "cancelled",
                             {"user_id": member["user_id"], "title": title}, now)
        self._waitlists.pop(event_id, None)
        confirmed = sum(m["status"] == "confirmed" for m in members)
        return Deletion(title, confirmed, len(members) - confirmed)

    def deleted_event(self, guild_id: int, event_id: int) -> str | None:
        """The title of the guild's event `event_id` if it was deleted, else None."""
        row = self._one("SELECT title FROM deleted_events WHERE id = ? AND guild_id = ?",
                        (event_id, guild_id))
        return None if row is None else row["title"]

    def set_archived(self, guild_id: int, event_id: int, archived: bool) -> bool:
        """Archive or unarchive the event; returns whether it was archived before."""
        with self._transaction() as db:
            row = self._one("SELECT archived FROM events WHERE id = ? AND guild_id = ?",
                            (event_id, guild_id))
            if row is None:
                raise EventNotFound(event_id)
            db.execute("UPDATE events SET archived = ? WHERE id = ?", (int(archived), event_id))
        return bool(row["archived"])

    def set_guild_left(self, guild_id: int, left_at: datetime | None) -> None:
        """Record when the bot left the guild (None: it is back, or never left)."""
        if left_at is None and self._one("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                                         " AND left_at IS NOT NULL", (guild_id,)) is None:
            return  # the usual case, at every start: no write
        with self._transaction() as db:
            db.execute(
                "INSERT INTO guild_settings (guild_id, left_at) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET left_at = excluded.left_at",
                (guild_id, _ts(left_at)))

    def guilds_left(self) -> list[tuple[int, datetime]]:
        """(guild_id, when the bot left) of the guilds it left, longest gone first."""
        rows = self._all("SELECT guild_id, left_at FROM guild_settings"
                         " WHERE left_at IS NOT NULL ORDER BY left_at")
        return [(r["guild_id"], _dt(r["left_at"])) for r in rows]

    def purge_guild(self, guild_id: int, left_by: datetime) -> bool:
        """Delete everything about a guild the bot left by `left_by` (and has not come
        back to since); returns whether it did."""
        with self._transaction() as db:
            row = self._one("SELECT left_at FROM guild_settings WHERE guild_id = ?",
                            (guild_id,))
            if row is None or row["left_at"] is None or row["left_at"] > _ts(left_by):
                return False
            db.execute("DELETE FROM passages WHERE rowid IN (SELECT rowid FROM passages"
                       " WHERE passages MATCH ?)", (f'scope : "{_guild_tag(guild_id)}"',))
            db.execute("DELETE FROM events WHERE guild_id = ?", (guild_id,))
            db.execute("DELETE FROM deleted_events WHERE guild_id = ?", (guild_id,))
            db.execute("DELETE FROM outbox WHERE guild_id = ?", (guild_id,))
            db.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return True

    # -- reminders, attendee roles, scheduled events --
    #
    # A guild's reminder offsets are minutes before the start, stored as text ("1440,60",
    # "" when off) that json_each expands inside the query as '[' || text || ']'. A
    # confirmed member is due a reminder once an offset's time (start - minutes) has come
    # and their last reminder for the event is older than it. So one query finds the next
    # due time over every future event, a claim covers every offset that has come due with
    # ONE message (a late joiner, or a bot that was down, sends one reminder, not one per
    # passed offset), an offset added after a later reminder went out is not sent late, and
    # an event moved to a later start reminds its members again at the new times.

    DEFAULT_REMINDER_MINUTES = "1440,60"  # the column's default in schema migration 2

    # Every event's reminder offsets, each with its due time.
    _OFFSETS = """
            FROM events e
            LEFT JOIN guild_settings g ON g.guild_id = e.guild_id
            JOIN json_each('[' || coalesce(g.reminder_minutes, :default) || ']') o"""
    # The reminders due by now, member by member. Only events inside a reminder window
    # (an offset passed, the start not yet) are joined with their RSVPs, so the cost does
    # not grow with the RSVPs of events further away.
    _DUE_REMINDERS = """
        WITH open_windows AS MATERIALIZED (
            SELECT e.guild_id, e.id AS event_id, e.title, e.starts_at, e.venue,
                   o.value AS minutes, e.starts_at - o.value * 60 AS due_at
            """ + _OFFSETS + """
            WHERE e.starts_at > :now AND e.starts_at - o.value * 60 <= :now
        ), due AS (
            SELECT w.*, r.user_id, r.seq,
                   coalesce((SELECT max(s.sent_at) FROM reminders_sent s
                             WHERE s.event_id = w.event_id AND s.user_id = r.user_id), -1)
                       AS last_sent
            FROM open_windows w
            JOIN rsvps r ON r.event_id = w.event_id AND r.status = 'confirmed'
        )"""

    def reminder_settings(self, guild_id: int) -> tuple[tuple[int, ...], bool]:
        """(reminder offsets in minutes, largest first; whether scheduled events are on)."""
        row = self._one("SELECT reminder_minutes, scheduled_events FROM guild_settings"
                        " WHERE guild_id = ?", (guild_id,))
        text = self.DEFAULT_REMINDER_MINUTES if row is None else row["reminder_minutes"]
        minutes = sorted((int(m) for m in text.split(",") if m), reverse=True)
        return tuple(minutes), True if row is None else bool(row["scheduled_events"])

    def set_reminder_minutes(self, guild_id: int, minutes: Sequence[int]) -> None:
        """Set the guild's offsets (validated by `bot.reminders.parse_minutes`); () is off."""
        text = ",".join(str(int(m)) for m in minutes)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO guild_settings (guild_id, reminder_minutes) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET reminder_minutes ="
                " excluded.reminder_minutes",
                (guild_id, text))

    def set_scheduled_events(self, guild_id: int, enabled: bool) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO guild_settings (guild_id, scheduled_events) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET scheduled_events ="
                " excluded.scheduled_events",
                (guild_id, int(enabled)))

    def next_due(self, now: datetime | None = None) -> datetime | None:
        """When the scheduler next has work: the earliest reminder not yet sent (in the past
        if one is overdue), or the end of an event whose attendee role is still given out."""
        row = self._one(
            self._DUE_REMINDERS +
            " SELECT min(at) FROM ("
            "  SELECT min(due_at) AS at FROM due WHERE due_at > last_sent"
            "  UNION ALL"
            "  SELECT min(e.starts_at - o.value * 60)" + self._OFFSETS +
            "   WHERE e.starts_at - o.value * 60 > :now AND EXISTS (SELECT 1 FROM rsvps r"
            "    WHERE r.event_id = e.id AND r.status = 'confirmed')"
            "  UNION ALL"
            "  SELECT min(coalesce(ends_at, starts_at)) FROM events"
            "   WHERE attendee_role_id IS NOT NULL)",
            {"default": self.DEFAULT_REMINDER_MINUTES, "now": _ts(now or utcnow())})
        return _dt(row[0])

    def claim_reminders(self, now: datetime | None = None, limit: int = 100
                        ) -> list[tuple[int, int, str, datetime, str | None, int, tuple[int, ...]]]:
        """Take the reminders due now: (guild_id, event_id, title, starts_at, venue, user_id,
        the offsets this one message covers), in start order, then RSVP order.

        Claiming records them in reminders_sent in the same transaction, before anything
        is sent: delivery is at most once (see `cogs.reminders`). One (event, member) is
        never split across two claims.
        """
        now_ts = _ts(now or utcnow())
        query = (self._DUE_REMINDERS +
                 " SELECT guild_id, event_id, title, starts_at, venue, user_id,"
                 "  group_concat(minutes) AS minutes FROM due"
                 " WHERE due_at > last_sent AND due_at <= :now"
                 " GROUP BY event_id, user_id ORDER BY starts_at, event_id, min(seq) LIMIT :limit")
        params = {"default": self.DEFAULT_REMINDER_MINUTES, "now": now_ts, "limit": limit}
        if not self._all(query, params):  # nothing due: no write lock taken
            return []
        with self._transaction() as db:
            rows = self._all(query, params)  # again, under the write lock: the claim is atomic
            claimed = [(r["guild_id"], r["event_id"], r["title"], _dt(r["starts_at"]), r["venue"],
                        r["user_id"], tuple(sorted((int(m) for m in r["minutes"].split(",")),
                                                   reverse=True)))
                       for r in rows]
            db.executemany(
                "INSERT INTO reminders_sent (event_id, user_id, minutes, sent_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (event_id, user_id, minutes)"
                " DO UPDATE SET sent_at = excluded.sent_at",
                [(event_id, user_id, m, now_ts)
                 for _, event_id, _, _, _, user_id, minutes in claimed for m in minutes])
        return claimed

    def _confirmed_ids(self, event_id: int) -> list[int]:
        rows = self._all("SELECT user_id FROM rsvps WHERE event_id = ? AND status = 'confirmed'"
                         " ORDER BY seq", (event_id,))
        return [r["user_id"] for r in rows]

    def attendee_role(self, guild_id: int, event_id: int) -> tuple[int | None, list[int]]:
        """(the event's attendee role or None, the confirmed members' user ids)."""
        row = self._one("SELECT attendee_role_id FROM events WHERE id = ? AND guild_id = ?",
                        (event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return row["attendee_role_id"], self._confirmed_ids(event_id)

    def set_attendee_role(self, guild_id: int, event_id: int, role_id: int | None) -> int | None:
        """Set (or, with None, clear) the event's attendee role; returns the previous one."""
        with self._transaction() as db:
            row = self._one("SELECT attendee_role_id FROM events WHERE id = ? AND guild_id = ?",
                            (event_id, guild_id))
            if row is None:
                raise EventNotFound(event_id)
            db.execute("UPDATE events SET attendee_role_id = ? WHERE id = ?", (role_id, event_id))
        return row["attendee_role_id"]

    def attendee_roles(self, due_by: datetime | None = None
                       ) -> list[tuple[int, int, int, list[int]]]:
        """(guild_id, event_id, role_id, confirmed user ids) of events that give out a role;
        with `due_by`, only those that ended (end, else start) by then."""
        rows = self._all(
            "SELECT guild_id, id, attendee_role_id FROM events WHERE attendee_role_id IS NOT NULL"
            " AND (? IS NULL OR coalesce(ends_at, starts_at) <= ?) ORDER BY id",
            (_ts(due_by), _ts(due_by)))
        return [(r["guild_id"], r["id"], r["attendee_role_id"], self._confirmed_ids(r["id"]))
                for r in rows]

    def end_attendee_role(self, event_id: int, role_id: int) -> None:
        """The event is over and its role was taken back: stop giving it out."""
        with self._transaction() as db:
            db.execute("UPDATE events SET attendee_role_id = NULL"
                       " WHERE id = ? AND attendee_role_id = ?", (event_id, role_id))

    def scheduled_event_id(self, guild_id: int, event_id: int) -> int | None:
        row = self._one("SELECT scheduled_event_id FROM events WHERE id = ? AND guild_id = ?",
                        (event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return row["scheduled_event_id"]

    def set_scheduled_event_id(self, guild_id: int, event_id: int,
                               scheduled_event_id: int | None) -> None:
        with self._transaction() as db:
            db.execute("UPDATE events SET scheduled_event_id = ? WHERE id = ? AND guild_id = ?",
                       (scheduled_event_id, event_id, guild_id))


def split_passages(text: str, most: int | None = None) -> list[str]:
    """The first `most` distinct search rows of at most PASSAGE_WORDS words and
    PASSAGE_CHARS characters, cut at a paragraph break where one is near, so one long page
    never makes one huge row (an excerpt's cost grows with its row) nor endless rows."""
    passages: dict[str, None] = {}  # in order, each once
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    first = 0
    while first < len(words) and (most is None or len(passages) < most):
        last = first  # the passage is words[first:last + 1]
        paragraph_end = -1
        while (last + 1 < len(words) and last + 1 - first < PASSAGE_WORDS
               and words[last + 1][1] - words[first][0] <= PASSAGE_CHARS):
            if "\n" in text[words[last][1]:words[last + 1][0]]:
                paragraph_end = last
            last += 1
        if last + 1 < len(words) and paragraph_end >= first + (last - first) // 2:
            last = paragraph_end
        start, end = words[first][0], words[last][1]
        passages.update((text[i:min(i + PASSAGE_CHARS, end)], None)
                        for i in range(start, end, PASSAGE_CHARS))  # a "word" too long
        first = last + 1
    return list(passages)[:most]


def han_excerpt(text: str, terms: frozenset[str]) -> str:
    """The stretch of a passage around its first two-character term of `terms`, every
    such term in it marked. FTS5's snippet marks tokens, and a run of Han text is one
    token to it, so Chinese matches are marked here (a passage is at most PASSAGE_CHARS)."""
    hits = [i for i in range(len(text) - 1) if text[i:i + 2] in terms]
    if not hits:
        return text[:HAN_EXCERPT]
    start = max(0, hits[0] - HAN_EXCERPT // 4)
    end = min(len(text), start + HAN_EXCERPT)
    marked = bytearray(len(text))
    for i in hits:
        marked[i] = marked[i + 1] = 1
    out = ["…" if start else ""]
    for i in range(start, end):
        if marked[i] and (i == start or not marked[i - 1]):
            out.append(MATCH_START)
        out.append(text[i])
        if marked[i] and (i + 1 == end or not marked[i + 1]):
            out.append(MATCH_END)
    out.append("…" if end < len(text) else "")
    return "".join(out)


def _guild_tag(guild_id: int) -> str:
    return f"g{guild_id}"


def _event_tag(event_id: int) -> str:
    return f"e{event_id}"


def _passages(content: EventContent) -> list[tuple[str, str]]:
    """(text, source) of everything an event says, for full-text search."""
    return [(content.description, "page"), (content.recap_summary, "recap"),
            *((p.bio, f"bio:{p.name}") for p in content.people),
            *((f"{t.heading}: {t.text}", f"takeaway:{t.heading}") for t in content.takeaways)]


def _summary(row: sqlite3.Row) -> EventSummary:
    return EventSummary(row["id"], row["title"], _dt(row["starts_at"]), row["slug"],
                        bool(row["archived"]))


def _seats(row: sqlite3.Row) -> Seats:
    return Seats(row["capacity"], row["confirmed_count"], row["waitlist_count"],
                 bool(row["registration_open"]), row["closed_reason"], _dt(row["over_at"]),
                 _dt(row["capacity_noticed_at"]))


def _statements(script: str) -> list[str]:
    """Split a migration into statements (they hold no semicolons inside literals)."""
    return [s.strip() for s in script.split(";") if s.strip()]
