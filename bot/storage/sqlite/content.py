"""What events say: their pages (kept per kind and language, recognised again by their
text or URL) merged into one content, with its people, takeaways and search rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.content import (
    EventContent,
    PageContent,
    Slot,
    filled_slots,
    new_recaps,
    rebuilt_content,
    replaces_other_pages,
    slot_of,
)
from bot.models import RecapPayload
from bot.pages import Page, Person, Takeaway
from bot.storage.sqlite.outbox import SqliteOutbox
from bot.storage.sqlite.search import SqliteSearch
from bot.storage.sqlite.session import Repository, Session, content_bytes, page_hash, ts

# What reading a person or a takeaway (and building it) costs, in rows of a waitlist: 990
# takeaways took 1 ms on the event loop, 1,000 waitlisted seqs 0.25 ms.
ROW_WEIGHT = 4


class SqliteContent(Repository):
    def __init__(self, session: Session, outbox: SqliteOutbox, search: SqliteSearch) -> None:
        super().__init__(session)
        self._outbox = outbox
        self._search = search

    def imported_before(self, guild_id: int, pages: Sequence[tuple[str, Page | None]],
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

    def has_other_page(self, guild_id: int, event_id: int, kind: str, body: str) -> bool:
        """Whether importing `body` into the event takes the place of another page of its
        kind in its language (`replaces_other_pages`)."""
        row = self._one(
            "SELECT p.text_hash, p.parsed FROM pages p JOIN events e ON e.id = p.event_id"
            " WHERE e.guild_id = ? AND p.event_id = ? AND p.kind = ? AND p.lang = ?",
            (guild_id, event_id, *slot_of(kind, body)))
        return row is not None and replaces_other_pages(
            Slot.from_json(row["parsed"]), row["text_hash"], page_hash(body))

    def add_pages(self, event_id: int, guild_id: int, pages: Iterable[tuple[str, Page]],
                   now: datetime, url: str | None = None, *, created: bool = False) -> None:
        """Store the pages, each in its slot (kind, language; `filled_slots` is the rule),
        and merge the event's content again from all its slots. A recap with takeaways
        is announced when it reaches an event that was already there, and only when it is
        a new text: an event created together with its recap (the bundled sample in every
        new server, a folder import) is not news, and neither is the same recap again.
        `created`: the event was created in this transaction."""
        db = self._conn
        pages = list(pages)
        added = [PageContent.of(page, body, page_hash(body))
                 for body, page in pages]
        rows = self._all("SELECT kind, lang, parsed, text_hash FROM pages WHERE event_id = ?",
                         (event_id,))
        kept = {(row["kind"], row["lang"]): Slot.from_json(row["parsed"]) for row in rows}
        written = filled_slots(kept, added)
        news = new_recaps({(row["kind"], row["lang"]): row["text_hash"] for row in rows
                           if row["kind"] == "recap"}, added)
        for (body, page), part, is_new_recap in zip(pages, added, news, strict=True):
            db.execute(
                "INSERT INTO pages (event_id, kind, lang, body, text_hash, url, imported_at,"
                " parsed) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, kind, lang)"
                " DO UPDATE SET body = excluded.body, text_hash = excluded.text_hash,"
                " url = coalesce(excluded.url, url), imported_at = excluded.imported_at,"
                " parsed = excluded.parsed",
                (event_id, part.kind, part.lang, body, part.text_hash, url, ts(now),
                 written[(part.kind, part.lang)].to_json()))
            if not created and is_new_recap and page.takeaways:
                self._outbox.notify(guild_id, event_id, RecapPayload(), now)
        content = rebuilt_content({**kept, **written}.values()) if added else None
        if content is None:  # no page, or slots from before they were kept: as before
            content = self.content(event_id).merged_with_all(added)
        db.execute(
            "UPDATE events SET description = ?, recap_summary = ?, language = ?, translation = ?,"
            " off_the_record = ?, access_notes = ?, content_bytes = ? WHERE id = ?",
            (content.description, content.recap_summary, content.language, content.translation,
             int(content.off_the_record), json.dumps(content.access_notes),
             content_bytes(content), event_id))
        db.execute("DELETE FROM people WHERE event_id = ?", (event_id,))
        db.executemany(
            "INSERT INTO people (event_id, position, name, role, bio) VALUES (?, ?, ?, ?, ?)",
            [(event_id, i, p.name, p.role, p.bio) for i, p in enumerate(content.people)])
        db.execute("DELETE FROM takeaways WHERE event_id = ?", (event_id,))
        db.executemany(
            "INSERT INTO takeaways (event_id, position, heading, text) VALUES (?, ?, ?, ?)",
            [(event_id, i, t.heading, t.text) for i, t in enumerate(content.takeaways)])
        self._search.index(event_id, guild_id, content, fresh=created)

    def content(self, event_id: int) -> EventContent:
        row = self._row(
            "SELECT description, recap_summary, language, translation, off_the_record,"
            " access_notes FROM events WHERE id = ?", (event_id,))
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
