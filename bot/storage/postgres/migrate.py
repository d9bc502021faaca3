"""Bring a PostgreSQL database up to this bot's schema version (`migrations.MIGRATIONS`)
in one transaction. Processes opening the same database at once take turns on an
advisory lock, so each migration runs once and nobody sees half a schema."""

from __future__ import annotations

import functools
import logging
import re

import asyncpg

from bot.errors import Unavailable
from bot.pages_zh import page_language
from bot.storage.postgres.content import PostgresContent
from bot.storage.postgres.migrations import (
    DAYS_IN_ZONES,
    MIGRATIONS,
    PAGES_LABELLED,
    PASSAGES_REBUILT,
    SCHEMA_VERSION,
)
from bot.storage.postgres.search import PostgresSearch
from bot.storage.postgres.session import Repository
from bot.storage.postgres.settings import anchor_days
from bot.storage.sqlite.session import ts, utcnow

log = logging.getLogger(__name__)
MIGRATION_LOCK = "eventbot:migrate"


class PostgresMigrator(Repository):
    async def migrate(self, content: PostgresContent, search: PostgresSearch,
                      conn: asyncpg.Connection | None = None) -> None:
        """Bring the schema up to date, on `conn` (one without a statement timeout: a
        migration may take long), else a pooled connection."""
        async with self._transaction(conn) as conn:
            # Another process's migration, or a schema change waiting for the tables, may
            # rightly take longer than a request waits for a lock.
            await conn.execute("SET LOCAL lock_timeout = 0")
            encoding = await conn.fetchval("SHOW server_encoding")
            if encoding != "UTF8":
                # Chinese pages, names and the search's accent folding need Unicode text.
                raise Unavailable(f"the database's encoding is {encoding}, not UTF8; create "
                                  "it with ENCODING 'UTF8' (createdb -E UTF8 -T template0)")
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", MIGRATION_LOCK)
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                               " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")
            version = await conn.fetchval("SELECT coalesce(max(version), 0)"
                                          " FROM schema_migrations")
            if version > SCHEMA_VERSION:
                raise Unavailable(f"the database is schema version {version}, newer than this "
                                  f"bot's {SCHEMA_VERSION}; upgrade the bot")
            if version == 0:  # a new database: one line, not one per step of its history
                log.info("creating the database's tables (schema version %d)", SCHEMA_VERSION)
            for number in sorted(n for n in MIGRATIONS if n > version):
                if version:
                    log.info("migrating database to schema version %d", number)
                await conn.execute(MIGRATIONS[number])
                if number == DAYS_IN_ZONES:
                    for row in await conn.fetch("SELECT DISTINCT guild_id FROM events"
                                                " WHERE all_day"):
                        await anchor_days(conn, row["guild_id"])
                await conn.execute("INSERT INTO schema_migrations (version, applied_at)"
                                   " VALUES ($1, $2)", number, ts(utcnow()))
            if version < PAGES_LABELLED:
                await label_pages(conn)
            if version < PASSAGES_REBUILT:  # read as the schema now has it, after every step
                events = await conn.fetch("SELECT id, guild_id FROM events")
                if events:
                    log.info("indexing what %d events say, for /event ask", len(events))
                for row in events:
                    await search.index(conn, row["id"], row["guild_id"],
                                       await content.content(conn, row["id"]))
            await check_whole(conn)  # in the transaction: a database refused is left as it was

    async def schema_version(self) -> int:
        async with self._transaction() as conn:
            return int(await conn.fetchval("SELECT coalesce(max(version), 0)"
                                           " FROM schema_migrations"))


# What the migrations make and unmake, by name: a table, index or trigger.
_SCHEMA_STEP = re.compile(r"\b(CREATE|DROP) (TABLE|INDEX|TRIGGER) (\w+)")


@functools.cache
def schema_objects() -> frozenset[tuple[str, str]]:
    """(kind, name) of each table, index and trigger of this version's schema, as the
    migrations' SQL makes them and drops them, in order (an index a column took with it is
    made again by the same migration)."""
    made: set[tuple[str, str]] = set()
    for number in sorted(MIGRATIONS):
        for verb, kind, name in _SCHEMA_STEP.findall(MIGRATIONS[number]):
            (made.add if verb == "CREATE" else made.discard)((kind.lower(), name))
    return frozenset(made)


async def check_whole(conn: asyncpg.Connection) -> None:
    """Raise Unavailable if the database lacks a table, index or trigger of its schema
    (dropped by hand): the bot would start on it and tell every member that reads the
    table that the database can't be reached, or silently count no versions."""
    present = {(row[0], row[1]) for row in await conn.fetch(
        "SELECT CASE WHEN c.relkind = 'i' THEN 'index' ELSE 'table' END, c.relname"
        " FROM pg_class c WHERE c.relkind IN ('r', 'p', 'i') AND pg_table_is_visible(c.oid)"
        " UNION ALL SELECT 'trigger', t.tgname FROM pg_trigger t"
        " WHERE NOT t.tgisinternal AND pg_table_is_visible(t.tgrelid)")}
    # a table first: its indexes and triggers went with it
    missing = sorted(schema_objects() - present, key=lambda item: (item[0] != "table", item))
    if missing:
        kind, name = missing[0]
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise Unavailable(f"the database lacks the {kind} {name}{more} of the bot's schema: "
                          "restore it from a backup, or start afresh in a new database")


async def label_pages(conn: asyncpg.Connection) -> None:
    """SQLite's `Migrator._label_pages`: the pages labelled English before their language
    was kept (SQLite's migration 7; `migrate-db` copied them so) take the slot their
    text's language gives, the one imported last kept of two then in one slot."""
    keys = await conn.fetch("SELECT event_id, kind FROM pages"
                            " WHERE lang = 'en' AND parsed IS NULL")
    for key in keys:
        page = await conn.fetchrow("SELECT body, imported_at FROM pages WHERE event_id = $1"
                                   " AND kind = $2 AND lang = 'en'", *key)
        lang = page_language(page["body"])
        if lang == "en":
            continue
        other = await conn.fetchval("SELECT imported_at FROM pages WHERE event_id = $1"
                                    " AND kind = $2 AND lang = $3", *key, lang)
        if other is not None and other >= page["imported_at"]:
            await conn.execute("DELETE FROM pages WHERE event_id = $1 AND kind = $2"
                               " AND lang = 'en'", *key)
            continue
        await conn.execute("DELETE FROM pages WHERE event_id = $1 AND kind = $2"
                           " AND lang = $3", *key, lang)
        await conn.execute("UPDATE pages SET lang = $3 WHERE event_id = $1 AND kind = $2"
                           " AND lang = 'en'", *key, lang)
