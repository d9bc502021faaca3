"""What events say on PostgreSQL: their pages (per kind and language, recognised again by
their text or URL) merged into one content, with its people, takeaways and search rows."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import asyncpg

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
from bot.storage.postgres.outbox import PostgresOutbox
from bot.storage.postgres.search import PostgresSearch
from bot.storage.postgres.session import Database, Repository
from bot.storage.sqlite.session import content_bytes, page_hash, ts


class PostgresContent(Repository):
    def __init__(self, db: Database, outbox: PostgresOutbox, search: PostgresSearch) -> None:
        super().__init__(db)
        self._outbox = outbox
        self._search = search

    async def imported_before(self, conn: asyncpg.Connection, guild_id: int,
                              pages: Sequence[tuple[str, Page | None]],
                              url: str | None = None) -> int | None:
        """The id of the guild's event that already has one of these pages (or this URL)."""
        if url is not None:
            found = await conn.fetchval(
                "SELECT e.id FROM pages p JOIN events e ON e.id = p.event_id"
                " WHERE e.guild_id = $1 AND p.url = $2 ORDER BY e.id LIMIT 1", guild_id, url)
            if found is not None:
                return int(found)
        hashes = [page_hash(body) for body, _ in pages]
        if not hashes:
            return None
        found = await conn.fetchval(
            "SELECT e.id FROM pages p JOIN events e ON e.id = p.event_id"
            " WHERE e.guild_id = $1 AND p.text_hash = ANY($2::text[]) ORDER BY e.id LIMIT 1",
            guild_id, hashes)
        return None if found is None else int(found)

    async def has_other_page(self, conn: asyncpg.Connection, guild_id: int, event_id: int,
                             kind: str, body: str) -> bool:
        """`SqliteContent.has_other_page`."""
        row = await conn.fetchrow(
            "SELECT p.text_hash, p.parsed FROM pages p JOIN events e ON e.id = p.event_id"
            " WHERE e.guild_id = $1 AND p.event_id = $2 AND p.kind = $3 AND p.lang = $4",
            guild_id, event_id, *slot_of(kind, body))
        return row is not None and replaces_other_pages(
            Slot.from_json(row["parsed"]), row["text_hash"], page_hash(body))

    async def add_pages(self, conn: asyncpg.Connection, event_id: int, guild_id: int,
                        pages: Iterable[tuple[str, Page]], now: datetime,
                        url: str | None = None, *, announce_recap: bool = True) -> bool:
        """Store the pages, each in its slot, and merge the event's content again from all
        its slots (the rules of `sqlite.content.SqliteContent.add_pages`); whether they
        bring the news that registration has closed."""
        pages = list(pages)
        added = [PageContent.of(page, body, page_hash(body))
                 for body, page in pages]
        rows = await conn.fetch(
            "SELECT kind, lang, parsed, text_hash FROM pages WHERE event_id = $1", event_id)
        kept = {(row["kind"], row["lang"]): Slot.from_json(row["parsed"]) for row in rows}
        written = filled_slots(kept, added)
        news = new_recaps([slot for (kind, _), slot in kept.items() if kind == "recap"],
                          added)
        for (body, _), part, is_new_recap in zip(pages, added, news, strict=True):
            await conn.execute(
                "INSERT INTO pages (event_id, kind, lang, body, text_hash, url, imported_at,"
                " parsed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT"
                " (event_id, kind, lang) DO UPDATE SET body = excluded.body,"
                " text_hash = excluded.text_hash, url = coalesce(excluded.url, pages.url),"
                " imported_at = excluded.imported_at, parsed = excluded.parsed",
                event_id, part.kind, part.lang, body, part.text_hash, url, ts(now),
                written[(part.kind, part.lang)].to_json())
            if announce_recap and is_new_recap:
                await self._outbox.notify(conn, guild_id, event_id, RecapPayload(), now)
        content = rebuilt_content({**kept, **written}.values()) if added else None
        if content is None:  # no page, or slots from before they were kept: as before
            content = (await self.content(conn, event_id)).merged_with_all(added)
        await conn.execute(
            "UPDATE events SET description = $1, recap_summary = $2, language = $3,"
            " translation = $4, off_the_record = $5, access_notes = $6, content_bytes = $7"
            " WHERE id = $8",
            content.description, content.recap_summary, content.language, content.translation,
            content.off_the_record, json.dumps(content.access_notes), content_bytes(content),
            event_id)
        await conn.execute("DELETE FROM people WHERE event_id = $1", event_id)
        await conn.executemany(
            "INSERT INTO people (event_id, position, name, role, bio)"
            " VALUES ($1, $2, $3, $4, $5)",
            [(event_id, i, p.name, p.role, p.bio) for i, p in enumerate(content.people)])
        await conn.execute("DELETE FROM takeaways WHERE event_id = $1", event_id)
        await conn.executemany(
            "INSERT INTO takeaways (event_id, position, heading, text) VALUES ($1, $2, $3, $4)",
            [(event_id, i, t.heading, t.text) for i, t in enumerate(content.takeaways)])
        await self._search.index(conn, event_id, guild_id, content)
        return newly_closed(kept, added)

    async def content(self, conn: asyncpg.Connection, event_id: int) -> EventContent:
        row = await conn.fetchrow(
            "SELECT description, recap_summary, language, translation, off_the_record,"
            " access_notes FROM events WHERE id = $1", event_id)
        if row is None:
            raise LookupError(f"no event {event_id}")
        return EventContent(
            description=row["description"], recap_summary=row["recap_summary"],
            language=row["language"], translation=row["translation"],
            off_the_record=row["off_the_record"],
            access_notes=tuple(json.loads(row["access_notes"])),
            people=await self.people(conn, event_id),
            takeaways=await self.takeaways(conn, event_id))

    async def people(self, conn: asyncpg.Connection, event_id: int) -> tuple[Person, ...]:
        rows = await conn.fetch("SELECT name, role, bio FROM people WHERE event_id = $1"
                                " ORDER BY position", event_id)
        return tuple(Person(r["name"], r["role"], r["bio"]) for r in rows)

    async def takeaways(self, conn: asyncpg.Connection, event_id: int) -> tuple[Takeaway, ...]:
        rows = await conn.fetch("SELECT heading, text FROM takeaways WHERE event_id = $1"
                                " ORDER BY position", event_id)
        return tuple(Takeaway(r["heading"], r["text"]) for r in rows)
