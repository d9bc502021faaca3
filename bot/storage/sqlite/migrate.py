"""Bring a database up to this bot's schema version (`migrations.MIGRATIONS`), in one
transaction, then fill in what SQL alone cannot (page hashes, the search rows)."""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
import time

from bot.errors import Unavailable
from bot.pages_zh import page_language
from bot.storage.sqlite.content import SqliteContent
from bot.storage.sqlite.migrations import (
    DAYS_IN_ZONES,
    MIGRATIONS,
    PAGES_LABELLED,
    PASSAGES_REBUILT,
    SCHEMA_VERSION,
)
from bot.storage.sqlite.search import SqliteSearch
from bot.storage.sqlite.session import Repository, is_busy, page_hash
from bot.storage.sqlite.settings import SqliteSettings

log = logging.getLogger(__name__)
UPGRADE_WAIT_S = 15 * 60  # for another process upgrading the same database
UPGRADE_POLL_MS = 250  # each try for the lock meanwhile: a stop is heard within this


class Migrator(Repository):
    def migrate(self, content: SqliteContent, search: SqliteSearch,
                settings: SqliteSettings, stopping: threading.Event | None = None) -> None:
        """Upgrade, waiting as long as UPGRADE_WAIT_S for the write lock: another process's
        upgrade may rightly take longer than a write usually waits (re-indexing 10,000
        events takes seconds), and this one then finds nothing left to do. The lock is
        tried UPGRADE_POLL_MS at a time, so that a stop (`stopping` set, Ctrl-C) ends the
        wait within one try rather than after it."""
        if self.schema_version() == SCHEMA_VERSION:
            # Nothing to do, and no write lock to wait for: a command that only reads
            # (`eventbot events`) runs while another process holds a long write.
            self._check_whole()
            return
        waits = int(self._conn.execute("PRAGMA busy_timeout").fetchone()[0])
        self._conn.execute(f"PRAGMA busy_timeout = {UPGRADE_POLL_MS}")
        deadline = time.monotonic() + UPGRADE_WAIT_S
        try:
            while True:
                try:
                    self._upgrade(content, search, settings)  # all of it, or nothing
                    return
                except sqlite3.OperationalError as exc:
                    if (not is_busy(exc) or time.monotonic() > deadline
                            or (stopping is not None and stopping.is_set())):
                        raise
        finally:
            self._conn.execute(f"PRAGMA busy_timeout = {waits}")

    def _upgrade(self, content: SqliteContent, search: SqliteSearch,
                 settings: SqliteSettings) -> None:
        with self._transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise Unavailable(f"the database is schema version {version}, newer than this "
                                  f"bot's {SCHEMA_VERSION}; upgrade the bot")
            copied = version_of_schema(self._conn) if version == 0 else None
            if copied:  # the migrations from there on are still to run
                log.info("the database holds the tables of schema version %d without their "
                         "version (a copy made by .dump): taken as that version", copied)
                version = copied
                db.execute(f"PRAGMA user_version = {version}")
            elif version == 0:  # a new database: one line, not one per step of its history
                log.info("creating the database's tables (schema version %d)", SCHEMA_VERSION)
            for number in range(version + 1, SCHEMA_VERSION + 1):
                if version:
                    log.info("migrating database to schema version %d", number)
                for statement in statements(MIGRATIONS[number - 1]):
                    db.execute(statement)
                if number == DAYS_IN_ZONES:
                    for row in self._all("SELECT DISTINCT guild_id FROM events WHERE all_day"):
                        settings.anchor_days(row["guild_id"])
                db.execute(f"PRAGMA user_version = {number}")
            if version < PASSAGES_REBUILT:  # read as the schema now has it, after every step
                events = self._all("SELECT id, guild_id FROM events")
                if events:
                    log.info("indexing what %d events say, for /event ask", len(events))
                for row in events:
                    search.index(row["id"], row["guild_id"], content.content(row["id"]),
                                 fresh=True)
            if version < PAGES_LABELLED:
                self._label_pages()
            if version < SCHEMA_VERSION:
                self._fill_page_hashes()
            self._check_whole()  # in the transaction: a database refused is left as it was

    def _fill_page_hashes(self) -> None:
        """Pages imported before their text was hashed get their hash (SQL has no sha256).
        Their bodies are read one at a time (each may be megabytes), not all at once."""
        rows = self._all("SELECT rowid FROM pages WHERE text_hash IS NULL")
        for rowid in (row["rowid"] for row in rows):
            body = self._row("SELECT body FROM pages WHERE rowid = ?", (rowid,))["body"]
            self._conn.execute("UPDATE pages SET text_hash = ? WHERE rowid = ?",
                               (page_hash(body), rowid))

    def _label_pages(self) -> None:
        """Give the pages labelled English before their language was kept (migration 7
        labelled every page so) the slot their text's language gives (`content.slot_of`),
        where an import of the same page, or of its edit, lands: a Chinese one stayed in
        the English slot for good, and what its edits took out stayed in the event. Of two
        pages then in one slot, the one imported last is kept, as an import keeps it.
        Their bodies are read one at a time (each may be megabytes)."""
        rows = self._all("SELECT rowid FROM pages WHERE lang = 'en' AND parsed IS NULL")
        for rowid in (row["rowid"] for row in rows):
            page = self._row("SELECT event_id, kind, body, imported_at FROM pages"
                             " WHERE rowid = ?", (rowid,))
            lang = page_language(page["body"])
            if lang == "en":
                continue
            other = self._one("SELECT rowid, imported_at FROM pages WHERE event_id = ?"
                              " AND kind = ? AND lang = ?", (page["event_id"], page["kind"], lang))
            if other is not None and other["imported_at"] >= page["imported_at"]:
                self._conn.execute("DELETE FROM pages WHERE rowid = ?", (rowid,))
                continue
            if other is not None:
                self._conn.execute("DELETE FROM pages WHERE rowid = ?", (other["rowid"],))
            self._conn.execute("UPDATE pages SET lang = ? WHERE rowid = ?", (lang, rowid))

    def _check_whole(self) -> None:
        """Raise Unavailable if the database lacks a table, index or trigger its schema
        version has (dropped by hand, lost to a repair): the bot would start on it and
        fail each request that reads a table, or silently count no revisions."""
        present = {(row["type"], row["name"]) for row in self._all(
            "SELECT type, name FROM sqlite_master")}
        # a table first: its indexes and triggers went with it
        missing = sorted(schema_objects() - present,
                         key=lambda item: (item[0] != "table", item))
        if missing:
            path = self._row("PRAGMA database_list")["file"]
            kind, name = missing[0]
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise Unavailable(f"{path} lacks the {kind} {name}{more} of the bot's schema: "
                              "restore it from a backup or move it away to start afresh")

    def schema_version(self) -> int:
        row = self._one("PRAGMA user_version")
        assert row is not None
        return int(row[0])


# Each table, index and trigger of a schema, with the SQL that makes it; SQLite's own (its
# automatic indexes, `sqlite_sequence`) left out.
SCHEMA_SQL = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite%'"


@functools.cache
def schemas_by_version() -> tuple[frozenset[tuple[str, str, str]], ...]:
    """At index N, (type, name, SQL) of each table, index and trigger of the schema after
    migration N (at 0, none), as the migrations make them in a database of their own in
    memory (once per process, 14 ms)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        schemas = [frozenset[tuple[str, str, str]]()]
        for migration in MIGRATIONS:
            for statement in statements(migration):
                conn.execute(statement)
            schemas.append(frozenset(conn.execute(SCHEMA_SQL)))
        return tuple(schemas)
    finally:
        conn.close()


def schema_objects() -> frozenset[tuple[str, str]]:
    """(type, name) of each table, index and trigger of this version's schema."""
    return frozenset((kind, name) for kind, name, _ in schemas_by_version()[-1])


def version_of_schema(conn: sqlite3.Connection) -> int | None:
    """The version whose schema the database of `conn` holds exactly, every table, index
    and trigger made by the same SQL (the earliest, where a migration changed none), or
    None: a copy made by `sqlite3 .dump` of a database of the bot's, which leaves out the
    schema version (`PRAGMA user_version`), has its version's."""
    held = frozenset(tuple(row) for row in conn.execute(SCHEMA_SQL))
    return next((version for version, schema in enumerate(schemas_by_version())
                 if version and schema == held), None)


def statements(script: str) -> list[str]:
    """Split a migration into statements, each run on its own in the migration's
    transaction (`executescript` would commit first). A trigger's body holds semicolons:
    a piece ends a statement only where SQLite deems it complete. What follows the last
    semicolon is a last statement (or a comment); one left unfinished is refused, so that
    no migration is recorded as done with part of it unrun."""
    found, pending = [], ""
    *pieces, tail = script.split(";")
    for piece in pieces:
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    pending = (pending + tail).strip()
    if pending and not sqlite3.complete_statement(pending + "\n;"):
        raise ValueError(f"a migration ends in an unfinished statement: {pending!r}")
    return [s for s in (*found, pending) if s.strip(" \n;")]
