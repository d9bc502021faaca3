"""What events say: their pages (kept per kind and language, recognised again by their
text or URL) merged into one content, with its people, takeaways and search rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.content import (
    EventContent,
    PageContent,
    Slot,
    filled_slots,
    new_recaps,
    newly_closed,
    rebuilt_content,
    replaces_other_pages,
    slot_of,
)
from bot.models import RecapPayload
from bot.page_model import Page, Person, Takeaway
from bot.storage.sqlite.outbox import SqliteOutbox
from bot.storage.sqlite.search import SearchRow, SqliteSearch, search_rows
from bot.storage.sqlite.session import (
    EVENTS_WITH_TEXTS,
    Repository,
    Session,
    content_bytes,
    page_hash,
    ts,
)

# An event's page rows as `add_pages` reads them: (kind, lang, parsed, text_hash), in
# slot order.
PageRows = tuple[tuple[Any, ...], ...]


@dataclass(frozen=True, slots=True)
class PreparedPages:
    """What saving an import's pages into an event writes, worked out from the event's
    page rows as they were (`rows`): the pages' hashes and their slots' content (`added`),
    the slots' JSON written with each page, whether each is a new recap, whether they
    bring the news that registration has closed (`newly_closed`), the event's content
    merged again (None: a slot from before slots were kept, merged from the event
    as it stands, in the transaction) and its search rows. Splitting a long page's text
    and building the rows took seconds for a folder of large events, all of them holding
    the write lock; worked out before it, only the writes hold it."""

    event_id: int | None
    rows: PageRows
    hashes: tuple[str, ...]
    added: tuple[PageContent, ...]
    slots: tuple[str, ...]
    news: tuple[bool, ...]
    closes: bool
    content: EventContent | None
    size: int  # the content's `content_bytes`
    search: tuple[SearchRow, ...]

    def fits(self, event_id: int | None, rows: PageRows) -> bool:
        """Whether this is what saving into `event_id`, whose page rows are `rows`, writes."""
        return self.event_id == event_id and self.rows == rows


def page_hashes(pages: Iterable[tuple[str, object]]) -> tuple[str, ...]:
    return tuple(page_hash(body) for body, _ in pages)


def prepared_pages(pages: Sequence[tuple[str, Page]], rows: PageRows,
                   event_id: int | None = None, hashes: Sequence[str] | None = None
                   ) -> PreparedPages:
    """What saving `pages` into the event `event_id` (None: a new one) whose page rows are
    `rows` writes (`PreparedPages`); `hashes`: the pages' hashes, if known. No I/O."""
    hashes = page_hashes(pages) if hashes is None else tuple(hashes)
    added = tuple(PageContent.of(page, body, text_hash)
                  for (body, page), text_hash in zip(pages, hashes, strict=True))
    kept = {(kind, lang): Slot.from_json(parsed) for kind, lang, parsed, _ in rows}
    written = filled_slots(kept, added)
    news = new_recaps([slot for (kind, _), slot in kept.items() if kind == "recap"], added)
    content = rebuilt_content({**kept, **written}.values()) if added else None
    return PreparedPages(event_id, rows, hashes, added,
                         tuple(written[(part.kind, part.lang)].to_json() for part in added),
                         tuple(news), newly_closed(kept, added), content,
                         0 if content is None else content_bytes(content),
                         () if content is None else tuple(search_rows(content)))


# What reading a person or a takeaway (and building it) costs, in rows of a waitlist: 990
# takeaways took 1 ms on the event loop, 1,000 waitlisted seqs 0.25 ms.
ROW_WEIGHT = 4


class SqliteContent(Repository):
    def __init__(self, session: Session, outbox: SqliteOutbox, search: SqliteSearch) -> None:
        super().__init__(session)
        self._outbox = outbox
        self._search = search

    def imported_before(self, guild_id: int, hashes: Sequence[str],
                        url: str | None = None) -> sqlite3.Row | None:
        """The guild's event that already has one of these pages (their `page_hash`es), or
        this URL, if any."""
        if url is not None:
            row = self._one(
                "SELECT e.id FROM pages p JOIN events e ON e.id = p.event_id"
                " WHERE e.guild_id = ? AND p.url = ? ORDER BY e.id LIMIT 1", (guild_id, url))
            if row is not None:
                return row
        if not hashes:
            return None
        return self._one(
            "SELECT e.id FROM pages p JOIN events e ON e.id = p.event_id"
            f" WHERE e.guild_id = ? AND p.text_hash IN ({', '.join('?' * len(hashes))})"
            " ORDER BY e.id LIMIT 1", (guild_id, *hashes))

    def has_other_page(self, guild_id: int, event_id: int, kind: str, body: str) -> bool:
        """Whether importing `body` into the event takes the place of another page of its
        kind in its language (`replaces_other_pages`)."""
        row = self._one(
            "SELECT p.text_hash, p.parsed FROM pages p JOIN events e ON e.id = p.event_id"
            " WHERE e.guild_id = ? AND p.event_id = ? AND p.kind = ? AND p.lang = ?",
            (guild_id, event_id, *slot_of(kind, body)))
        return row is not None and replaces_other_pages(
            Slot.from_json(row["parsed"]), row["text_hash"], page_hash(body))

    def prepare(self, pages: Sequence[tuple[str, Page]], event_id: int | None,
                hashes: Sequence[str] | None = None) -> PreparedPages:
        """`prepared_pages` for the event `event_id` as its pages are now (None: a new
        event); called before the write transaction, `add_pages` then only writes, unless
        the event's pages changed in between."""
        return prepared_pages(pages, self._page_rows(event_id), event_id, hashes)

    def _page_rows(self, event_id: int | None) -> PageRows:
        if event_id is None:
            return ()
        return tuple(tuple(row) for row in self._all(
            "SELECT kind, lang, parsed, text_hash FROM pages WHERE event_id = ?"
            " ORDER BY kind, lang", (event_id,)))

    def add_pages(self, event_id: int, guild_id: int, pages: Sequence[tuple[str, Page]],
                  now: datetime, url: str | None = None, *, created: bool = False,
                  prepared: PreparedPages | None = None) -> bool:
        """Store the pages, each in its slot (kind, language; `filled_slots` is the rule),
        and merge the event's content again from all its slots. A recap is announced when
        it brings takeaways to an event that was already there and had none
        (`new_recaps`): an event created together with its recap (the bundled sample in
        every new server, a folder import) is not news, nor is a recap imported again,
        edited or not.
        `created`: the event was created in this transaction. `prepared`: what these pages
        write, worked out before the transaction (`prepare`); worked out again here when
        it was for another event, or the event's pages have changed since. Whether they
        bring the news that registration has closed (`newly_closed`)."""
        db = self._conn
        rows = () if created else self._page_rows(event_id)
        if prepared is None or not prepared.fits(None if created else event_id, rows):
            prepared = prepared_pages(pages, rows, event_id)
        for (body, _), part, slot, is_new_recap in zip(
                pages, prepared.added, prepared.slots, prepared.news, strict=True):
            db.execute(
                "INSERT INTO pages (event_id, kind, lang, body, text_hash, url, imported_at,"
                " parsed) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, kind, lang)"
                " DO UPDATE SET body = excluded.body, text_hash = excluded.text_hash,"
                " url = coalesce(excluded.url, url), imported_at = excluded.imported_at,"
                " parsed = excluded.parsed",
                (event_id, part.kind, part.lang, body, part.text_hash, url, ts(now), slot))
            if not created and is_new_recap:
                self._outbox.notify(guild_id, event_id, RecapPayload(), now)
        content, size, search = prepared.content, prepared.size, prepared.search
        if content is None:  # no page, or slots from before they were kept: as before
            content = self.content(event_id).merged_with_all(prepared.added)
            size, search = content_bytes(content), tuple(search_rows(content))
        db.execute(
            "UPDATE events SET language = ?, translation = ?, off_the_record = ?,"
            " content_bytes = ? WHERE id = ?",
            (content.language, content.translation, int(content.off_the_record), size,
             event_id))
        # beside the event's row, which every join rewrites (migration 37)
        db.execute(
            "INSERT INTO event_texts (event_id, description, recap_summary, access_notes)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET"
            " description = excluded.description, recap_summary = excluded.recap_summary,"
            " access_notes = excluded.access_notes",
            (event_id, content.description, content.recap_summary,
             json.dumps(content.access_notes)))
        db.execute("DELETE FROM people WHERE event_id = ?", (event_id,))
        db.executemany(
            "INSERT INTO people (event_id, position, name, role, bio) VALUES (?, ?, ?, ?, ?)",
            [(event_id, i, p.name, p.role, p.bio) for i, p in enumerate(content.people)])
        db.execute("DELETE FROM takeaways WHERE event_id = ?", (event_id,))
        db.executemany(
            "INSERT INTO takeaways (event_id, position, heading, text) VALUES (?, ?, ?, ?)",
            [(event_id, i, t.heading, t.text) for i, t in enumerate(content.takeaways)])
        self._search.index_rows(event_id, guild_id, search, fresh=created)
        return prepared.closes

    def content(self, event_id: int) -> EventContent:
        row = self._row(
            "SELECT description, recap_summary, language, translation, off_the_record,"
            f" access_notes FROM {EVENTS_WITH_TEXTS} WHERE id = ?", (event_id,))
        return EventContent(
            description=row["description"], recap_summary=row["recap_summary"],
            language=row["language"], translation=row["translation"],
            off_the_record=bool(row["off_the_record"]),
            access_notes=tuple(json.loads(row["access_notes"])),
            people=self.people(event_id), takeaways=self.takeaways(event_id))

    def people(self, event_id: int) -> tuple[Person, ...]:
        rows = self._budgeted(
            "SELECT name, role, bio FROM people WHERE event_id = ? ORDER BY position", (event_id,),
            ROW_WEIGHT)
        return tuple(Person(r["name"], r["role"], r["bio"]) for r in rows)

    def takeaways(self, event_id: int) -> tuple[Takeaway, ...]:
        rows = self._budgeted(
            "SELECT heading, text FROM takeaways WHERE event_id = ? ORDER BY position",
            (event_id,), ROW_WEIGHT)
        return tuple(Takeaway(r["heading"], r["text"]) for r in rows)
