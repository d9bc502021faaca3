"""Copy a SQLite database into PostgreSQL (`python -m bot migrate-db --to URL`).

Everything is copied in ONE PostgreSQL transaction, rows keeping their ids; rows the
target already has (an earlier run) are left as they are, so running it again changes
nothing. Then each table is compared with the source's, row by row (its count, and a
digest of its rows that any row not as in the source changes), and any difference rolls
the whole copy back. Both are read a chunk at a time, so a database of a million RSVPs
takes the memory of a few chunks, not of every row. Search rows are rebuilt from the events'
content (FTS5 rows do not transfer), and the id sequences continue past every id SQLite
ever gave, so a deleted event's or an acknowledged notice's id is never given again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import asyncpg

from bot.errors import Unavailable
from bot.models import storable_text
from bot.progress import SILENT, Progress
from bot.storage.postgres.session import CONNECTION_ERRORS
from bot.storage.postgres.store import PostgresStore
from bot.storage.sqlite.session import EVENTS_WITH_TEXTS, PURGED_IDS_KEY, connect

COPY_CHUNK = 5_000  # rows inserted per call, so the progress moves on a big table

# (table, its columns, the ones SQLite stores as 0/1), parents before children.
TABLES: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...] = (
    ("events", ("id", "guild_id", "slug", "title", "venue", "link", "starts_at", "ends_at",
                "all_day", "capacity", "registration_open", "closed_reason", "confirmed_count",
                "waitlist_count", "next_seq", "waitlist_departures", "capacity_noticed_at",
                "description", "recap_summary", "language", "translation", "off_the_record",
                "access_notes", "scheduled_event_id", "attendee_role_id", "archived",
                "is_sample", "start_offset", "end_offset", "created_at", "updated_at",
                "content_bytes", "revision", "calendar_uid"),
     frozenset({"all_day", "registration_open", "off_the_record", "archived", "is_sample"})),
    ("pages", ("event_id", "kind", "lang", "body", "imported_at", "text_hash", "url",
               "parsed"), frozenset()),
    ("people", ("event_id", "position", "name", "role", "bio"), frozenset()),
    ("takeaways", ("event_id", "position", "heading", "text"), frozenset()),
    ("rsvps", ("event_id", "user_id", "display_name", "status", "seq", "joined_at"),
     frozenset()),
    ("guild_settings", ("guild_id", "announce_channel_id", "reminder_minutes",
                        "scheduled_events", "timezone", "left_at", "language",
                        "discord_locale"),
     frozenset({"scheduled_events"})),
    ("member_locales", ("user_id", "locale", "seen_at"), frozenset()),
    ("announcement_messages", ("message_id", "channel_id", "event_id", "rendered"),
     frozenset()),
    ("outbox", ("id", "guild_id", "event_id", "kind", "payload", "created_at", "claimed_at"),
     frozenset()),
    ("meta", ("key", "value"), frozenset()),
    ("reminders_sent", ("event_id", "user_id", "minutes", "sent_at"), frozenset()),
    ("reminder_cursors", ("event_id", "due_at", "through_seq"), frozenset()),
    ("deleted_events", ("id", "guild_id", "title", "deleted_at", "taken_place"),
     frozenset({"taken_place"})),
    ("owed_roles", ("guild_id", "event_id", "role_id", "user_id"), frozenset()),
    ("roles_to_give", ("event_id", "guild_id", "everyone"), frozenset({"everyone"})),
    ("roles_to_give_again", ("event_id", "user_id"), frozenset()),
    ("held_role_notices", ("guild_id", "role_id", "events", "deleted", "giving", "unoffered",
                           "name", "held_at"), frozenset({"deleted", "giving", "unoffered"})),
    ("discord_event_refusals", ("event_id", "guild_id", "create_it"), frozenset({"create_it"})),
)
# The tables whose rows belong to an event: those of a server's events whose rows a purge
# has deleted already, still being deleted (`SqliteSettings.purge_leftovers`), are not
# copied (they would have no event, and are as good as deleted).
OF_EVENTS = frozenset({"pages", "people", "takeaways", "rsvps", "announcement_messages",
                       "reminders_sent", "reminder_cursors", "owed_roles", "roles_to_give",
                       "roles_to_give_again", "discord_event_refusals"})
LEFT_OF_PURGES = " WHERE event_id NOT IN (SELECT event_id FROM purged_events)"
# Where SQLite holds a table's rows otherwise: an event's long texts beside its row.
SOURCES = {"events": EVENTS_WITH_TEXTS}
# Not copied: `purged_events` (see above), and `event_versions`, which the target's
# triggers count afresh as the events are copied in (a version is only ever compared with
# another of the same database).


async def copy_sqlite(source: Path, target: PostgresStore,
                      progress: Progress = SILENT) -> dict[str, int]:
    """Copy the (migrated) SQLite database at `source` into `target`; the rows per table.
    `progress` counts each row twice (copied, then checked) and each event re-indexed."""
    db = connect(source, read_only=True, isolation_level=None)
    try:
        # One read transaction, held through the copy and its check: every table as of one
        # moment, read twice alike. Read each in one of its own (sqlite3 begins none for a
        # SELECT), a join committed between the events and the RSVPs gave an RSVP its
        # event's confirmed count did not count, in both databases.
        db.execute("BEGIN")
        counts = {table: db.execute(f"SELECT count(*) FROM {_source_of(table)}").fetchone()[0]
                  for table, _, _ in TABLES}
        outbox_seq = db.execute("SELECT coalesce(max(seq), 0) FROM sqlite_sequence"
                                " WHERE name = 'outbox'").fetchone()[0]
        await _copy(db, source, target, counts, outbox_seq, progress)
        db.execute("COMMIT")
    finally:
        db.close()
    return counts


def _source_of(table: str) -> str:
    """Where the copy reads `table`'s rows in SQLite, after FROM."""
    return SOURCES.get(table, table) + (LEFT_OF_PURGES if table in OF_EVENTS else "")


def _source_chunks(db: sqlite3.Connection, table: str, columns: tuple[str, ...],
                   flags: frozenset[str]) -> Iterator[list[tuple[Any, ...]]]:
    """`table`'s rows in SQLite, COPY_CHUNK at a time, as PostgreSQL takes them."""
    cursor = db.execute(f"SELECT {', '.join(columns)} FROM {_source_of(table)}")
    while chunk := cursor.fetchmany(COPY_CHUNK):
        yield [tuple(bool(v) if c in flags and v is not None else
                     storable_text(v) if isinstance(v, str) else v
                     for c, v in zip(columns, row, strict=True)) for row in chunk]


def _digest(rows: Iterable[tuple[Any, ...]], digest: int = 0) -> int:
    """`digest` with `rows` added: the same for the same rows in any order (equal values
    hash alike, a PostgreSQL row as the SQLite row it was copied from)."""
    for row in rows:
        digest = (digest + hash(row)) & _DIGEST_MASK
    return digest


_DIGEST_MASK = (1 << 64) - 1


async def _target_chunks(conn: asyncpg.Connection, table: str, columns: tuple[str, ...]
                         ) -> AsyncIterator[list[tuple[Any, ...]]]:
    """`table`'s rows in PostgreSQL, COPY_CHUNK at a time (a cursor: the copy's
    transaction is open)."""
    cursor = await conn.cursor(f"SELECT {', '.join(columns)} FROM {table}")
    while chunk := await cursor.fetch(COPY_CHUNK):
        yield [tuple(record) for record in chunk]


async def _copy(db: sqlite3.Connection, source: Path, target: PostgresStore,
                counts: dict[str, int], outbox_seq: int, progress: Progress) -> None:
    repos = target.repositories
    progress.begin(2 * sum(counts.values()) + counts["events"])
    try:
        async with target.patient() as conn, conn.transaction():
            # A one-off copy waits for a lock as long as it takes, as a migration does.
            await conn.execute("SET LOCAL lock_timeout = 0")
            for table, columns, flags in TABLES:
                override = " OVERRIDING SYSTEM VALUE" if table == "outbox" else ""
                for chunk in _source_chunks(db, table, columns, flags):
                    await conn.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}){override} VALUES"
                        f" ({', '.join(f'${i}' for i in range(1, len(columns) + 1))})"
                        " ON CONFLICT DO NOTHING", chunk)
                    progress.advance(len(chunk))
            for event_id, guild_id in await conn.fetch("SELECT id, guild_id FROM events"):
                await repos.search.index(conn, event_id, guild_id,
                                         await repos.content.content(conn, event_id))
                progress.advance()
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence('events', 'id'), greatest("
                " (SELECT coalesce(max(id), 0) FROM events),"
                " (SELECT coalesce(max(id), 0) FROM deleted_events),"
                " (SELECT value::bigint FROM meta WHERE key = $1), 0) + 1, false)", PURGED_IDS_KEY)
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence('outbox', 'id'), greatest("
                " (SELECT coalesce(max(id), 0) FROM outbox), $1::bigint) + 1, false)", outbox_seq)
            for table, columns, flags in TABLES:
                there = here = 0
                digest_there = digest_here = 0
                async for chunk in _target_chunks(conn, table, columns):
                    there += len(chunk)
                    digest_there = _digest(chunk, digest_there)
                for chunk in _source_chunks(db, table, columns, flags):
                    here += len(chunk)
                    digest_here = _digest(chunk, digest_here)
                    progress.advance(len(chunk))
                if (there, digest_there) != (here, digest_here):
                    differs = ("" if there != here else
                               f", some of them not as in {source}")
                    raise Unavailable(
                        f"the copy was undone: {table} in PostgreSQL would have {there} rows "
                        f"against {here} in {source}{differs}; the target holds other data, "
                        "so copy into an empty database")
    except (*CONNECTION_ERRORS, asyncpg.InterfaceError) as exc:
        # A server restarted or a session ended mid-copy: the transaction is rolled back
        # (or, lost as it committed, whole); a run again copies what is missing, and checks.
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise Unavailable(f"the connection to the PostgreSQL database was lost during the "
                          f"copy ({reason}); run migrate-db again: it copies what is not "
                          "there yet, and checks every row") from None
