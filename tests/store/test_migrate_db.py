"""`python -m bot backup` and `migrate-db` with PostgreSQL, run as a user runs them: a
backup refused changes nothing, and a copy is of one moment of a database no bot runs on,
or is said in one line when its connection is lost."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys

import asyncpg
import pytest

from bot.storage import open_store
from bot.storage.postgres.migrations import MIGRATIONS, SCHEMA_VERSION
from tests.conftest import ROOT, new_event

TOKEN = "abcdefghijklmnop.qrstuv"


def bot(*args: str, env: dict[str, str], cwd, timeout: float = 120
        ) -> subprocess.CompletedProcess[str]:
    given = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    given.update(PYTHONPATH=str(ROOT), EVENTS_DIR=str(ROOT / "data" / "events"), **env)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=given,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


async def schema_of(url: str) -> tuple[int, int]:
    """(tables in public, the highest schema_migrations version or -1 without the table)."""
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetchval("SELECT count(*) FROM information_schema.tables"
                                     " WHERE table_schema = 'public'")
        has = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
        version = (await conn.fetchval("SELECT max(version) FROM schema_migrations")
                   if has else -1)
        return tables, version
    finally:
        await conn.close()


async def test_backup_on_postgresql_refuses_without_upgrading_the_database(blank_url, tmp_path):
    """Refused only once the store had opened, which upgrades the schema: a command that
    writes nothing left the shared database newer than the bot running on it knows."""
    conn = await asyncpg.connect(blank_url)
    try:  # the database as the previous version of the bot left it
        await conn.execute("CREATE TABLE schema_migrations ("
                           " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")
        for number in sorted(MIGRATIONS)[:-1]:
            await conn.execute(MIGRATIONS[number])
            await conn.execute("INSERT INTO schema_migrations VALUES ($1, 0)", number)
    finally:
        await conn.close()
    before = await schema_of(blank_url)
    assert before[1] == SCHEMA_VERSION - 1
    proc = await asyncio.to_thread(bot, "backup", "copy.sqlite3",
                                   env={"DATABASE_URL": blank_url}, cwd=tmp_path)
    assert proc.returncode == 2 and "pg_dump" in proc.stderr, proc.stderr
    assert await schema_of(blank_url) == before, "backup upgraded the PostgreSQL schema"


async def test_backup_on_an_empty_postgresql_database_creates_no_tables(blank_url, tmp_path):
    """...and made every table of the bot in an empty database."""
    proc = await asyncio.to_thread(bot, "backup", "copy.sqlite3",
                                   env={"DATABASE_URL": blank_url}, cwd=tmp_path)
    assert proc.returncode == 2 and "pg_dump" in proc.stderr, proc.stderr
    assert await schema_of(blank_url) == (0, -1), "backup created the bot's tables"


async def test_migrate_db_refuses_a_source_a_running_bot_holds(postgres_url, tmp_path):
    """The database of a running bot (its run lock held, of any token) was copied: the
    RSVPs it took after the copy were lost once the bot moved to PostgreSQL."""
    from bot.storage.sqlite.migrations import SCHEMA_VERSION as SQLITE_SCHEMA
    from bot.storage.sqlite.running import running_alone

    source = tmp_path / "bot.sqlite3"
    async with await open_store(source) as old:
        event = await new_event(old, guild_id=5, capacity=10)
        await old.join(5, event.id, 1, "member 1")
    with running_alone(source, TOKEN, 1, None, schema=SQLITE_SCHEMA):  # as `run` holds it
        proc = await asyncio.to_thread(
            bot, "migrate-db", "--to", postgres_url, cwd=tmp_path,
            env={"DATABASE_PATH": str(source)})  # whatever the token: a bot runs there
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, (proc.stdout, proc.stderr)
    assert "a bot is running on" in proc.stderr, proc.stderr
    conn = await asyncpg.connect(postgres_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM events") == 0
    finally:
        await conn.close()


async def test_migrate_db_copies_one_moment_of_the_source(postgres_url, tmp_path, monkeypatch):
    """Each table was read in a read transaction of its own: a join committed between the
    events and the RSVPs gave PostgreSQL an RSVP its event's confirmed count did not count,
    and the check compared the same mix."""
    from bot.storage.postgres import copy as copy_module
    from bot.storage.postgres.store import PostgresStore

    source = tmp_path / "bot.sqlite3"
    async with await open_store(source) as old:
        event = await new_event(old, guild_id=5, capacity=10)
        await old.join(5, event.id, 1, "member 1")
    real_connect = copy_module.connect

    class Interleaved:
        """The copy's connection; a member joins (another connection, committed) just
        before the copy reads the RSVPs."""

        def __init__(self, conn):
            self._conn = conn
            self.joined = False

        def execute(self, sql, *args):
            if "FROM rsvps" in sql and not self.joined:
                self.joined = True
                writer = sqlite3.connect(source, timeout=10)
                with writer:
                    writer.execute("INSERT INTO rsvps VALUES (?, 2, 'member 2', 'confirmed',"
                                   " (SELECT next_seq FROM events WHERE id = ?), 0)",
                                   (event.id, event.id))
                    writer.execute("UPDATE events SET confirmed_count = confirmed_count + 1,"
                                   " next_seq = next_seq + 1 WHERE id = ?", (event.id,))
                writer.close()
            return self._conn.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._conn, name)

    monkeypatch.setattr(copy_module, "connect",
                        lambda *a, **k: Interleaved(real_connect(*a, **k)))
    async with await PostgresStore.open(postgres_url) as target:
        await copy_module.copy_sqlite(source, target)
    conn = await asyncpg.connect(postgres_url)
    try:
        counted = await conn.fetchval("SELECT confirmed_count FROM events WHERE id = $1",
                                      event.id)
        rows = await conn.fetchval("SELECT count(*) FROM rsvps WHERE event_id = $1"
                                   " AND status = 'confirmed'", event.id)
    finally:
        await conn.close()
    assert counted == rows, f"confirmed_count {counted} against {rows} confirmed RSVPs"


def make_source(path, rsvps: int) -> None:
    async def made():
        async with await open_store(path) as store:
            await new_event(store, guild_id=5, capacity=rsvps + 10)
    asyncio.run(made())
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE events SET confirmed_count = ?, next_seq = ?", (rsvps, rsvps + 1))
        db.executemany("INSERT INTO rsvps SELECT id, ?, ?, 'confirmed', ?, 1700000000"
                       " FROM events", ((100_000 + i, f"member number {i}", i)
                                        for i in range(1, rsvps + 1)))
    db.close()


async def test_a_connection_lost_during_migrate_db_is_one_line(postgres_url, tmp_path):
    """The server ending the copy's session (a restart, a failover, pg_terminate_backend)
    ended migrate-db in a 57-line traceback, where a server down before it is one line."""
    source = tmp_path / "bot.sqlite3"
    await asyncio.to_thread(make_source, source, 150_000)
    given = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    given.update(PYTHONPATH=str(ROOT), DATABASE_PATH=str(source))
    proc = await asyncio.to_thread(
        subprocess.Popen, [sys.executable, "-m", "bot", "migrate-db", "--to", postgres_url],
        cwd=tmp_path, env=given, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    database = postgres_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(postgres_url.rsplit("/", 1)[0] + "/postgres")
    try:
        for _ in range(1200):  # the copy's INSERTs under way, then its connection ended
            ended = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = $1 AND query LIKE 'INSERT INTO rsvps%'", database)
            if ended:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the copy was never seen under way")
        _, err = await asyncio.to_thread(proc.communicate, timeout=120)
    finally:
        proc.kill()
        await admin.close()
    assert "Traceback" not in err, err[-600:]
    assert proc.returncode == 2 and err.startswith("eventbot: ") and err.count("\n") == 1, err
    assert "lost during the copy" in err and "run migrate-db again" in err, err


async def test_migrate_db_holds_a_chunk_of_rows_in_memory_not_every_row(postgres_url, tmp_path):
    """The copy read every row of the source into memory, then all of the target's again
    to check them: a million RSVPs took gigabytes. It reads and checks a chunk at a time:
    a source four times as large takes about the same memory at its peak."""
    import tracemalloc

    from bot.storage.postgres.copy import copy_sqlite
    from bot.storage.postgres.store import PostgresStore

    peaks = []
    for rsvps in (8_000, 32_000):
        source = tmp_path / f"bot-{rsvps}.sqlite3"
        await asyncio.to_thread(make_source, source, rsvps)
        conn = await asyncpg.connect(postgres_url)
        try:  # an empty target for each
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await conn.close()
        async with await PostgresStore.open(postgres_url) as target:
            tracemalloc.start()
            try:
                counts = await copy_sqlite(source, target)
                peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
        assert counts["rsvps"] == rsvps
    assert peaks[1] < 1.5 * peaks[0], peaks  # (every row held: 3.7 times as much)
