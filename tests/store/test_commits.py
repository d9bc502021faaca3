"""Telling from the wal-index header whether anyone has committed (`Commits`), and when
the header is not to be trusted."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.storage import open_store
from bot.storage.sqlite import commits as commits_module
from bot.storage.sqlite.commits import HEADER, WALINDEX_VERSION, Commits
from bot.storage.sqlite.session import configure
from tests.conftest import ROOT, new_event


def wal_database(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    configure(conn)
    conn.execute("CREATE TABLE t (x)")
    return conn


def test_every_commit_changes_the_mark_and_nothing_else_does(tmp_path):
    path = tmp_path / "db.sqlite3"
    writer, other = wal_database(path), sqlite3.connect(path, isolation_level=None)
    commits = Commits.of(writer)
    seen = [commits.mark()]
    assert seen[0] is not None
    other.execute("SELECT * FROM t").fetchall()  # reads
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")  # a write transaction that commits nothing
    writer.execute("PRAGMA wal_checkpoint(PASSIVE)")
    assert commits.mark() == seen[0]
    for conn in (other, writer, other):  # another connection's commit, and its own
        conn.execute("INSERT INTO t VALUES (1)")
        seen.append(commits.mark())
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the log starts again: new salts
    writer.execute("INSERT INTO t VALUES (2)")
    seen.append(commits.mark())
    assert len(set(seen)) == len(seen) == 5
    writer.close()  # before the watch (see `Commits`)
    other.close()
    commits.close()
    assert commits.mark() is None


def test_a_database_not_in_wal_mode_is_never_trusted_even_beside_an_old_shm_file(tmp_path):
    path = tmp_path / "db.sqlite3"
    wal_database(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    shm = Path(f"{path}-shm")
    shm.write_bytes(header() * 2 + bytes(1000))  # left from before, it would never change
    assert Commits.of(conn).mark() is None
    conn.close()
    lying = Commits(path)
    assert lying.mark() == header()  # read as it lies, for the contrast
    lying.close()


def test_the_database_behind_a_link_is_watched_where_sqlite_keeps_its_wal_index(tmp_path):
    (tmp_path / "real").mkdir()
    writer = wal_database(tmp_path / "real" / "db.sqlite3")
    os.symlink(tmp_path / "real" / "db.sqlite3", tmp_path / "link.sqlite3")
    Path(f"{tmp_path / 'link.sqlite3'}-shm").write_bytes(header() * 2)  # a decoy beside it
    conn = sqlite3.connect(tmp_path / "link.sqlite3", isolation_level=None)
    commits = Commits.of(conn)
    before = commits.mark()
    writer.execute("INSERT INTO t VALUES (1)")
    assert None is not before != commits.mark()
    writer.close()
    conn.close()
    commits.close()


def header(version: int = WALINDEX_VERSION, change: int = 1) -> bytes:
    """A wal-index header as SQLite lays it out: iVersion, unused, iChange, the rest."""
    return struct.pack("=III", version, 0, change) + bytes(HEADER - 12)


def test_a_header_that_is_torn_short_or_of_another_layout_is_not_trusted(tmp_path):
    shm = tmp_path / "db.sqlite3-shm"
    for content, trusted in ((header() * 2, True),
                             (header() + header(change=2), False),  # a commit mid-write
                             (header(version=3007001) * 2, False),  # another layout
                             (header(), False)):  # too short to hold both copies
        shm.unlink(missing_ok=True)
        shm.write_bytes(content)
        commits = Commits(tmp_path / "db.sqlite3")
        assert commits.mark() == (header() if trusted else None), content
        commits.close()
    assert Commits(tmp_path / "none.sqlite3").mark() is None  # no wal-index at all
    assert Commits(None).mark() is None


def locks_held_on(path: Path) -> list[str]:
    """This process's POSIX locks on the file at `path`, from Linux's table of them."""
    inode_suffix = f":{os.stat(path).st_ino}"  # the table's major:minor:inode
    return [line for line in Path("/proc/locks").read_text().splitlines()
            if line.split()[4:5] == [str(os.getpid())]
            and line.split()[5].endswith(inode_suffix)]


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads Linux's lock table")
async def test_watching_the_wal_index_leaves_sqlites_locks_on_it_in_place(tmp_path):
    """Closing any descriptor of a file drops every POSIX lock the process holds on it.
    Had the store closed the one it opened the wal-index through, another process would
    have found the wal-index unlocked and started it afresh, truncating it under this
    one's mapping: SIGBUS (two processes hammering one file crashed so, 3 runs in 12)."""
    path = tmp_path / "db.sqlite3"
    async with await open_store(path) as store:
        await new_event(store)
        assert locks_held_on(Path(f"{path}-shm"))
        assert store._commits.mark() is not None


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads Linux's lock table")
async def test_closing_one_of_two_stores_on_a_file_leaves_the_others_locks(tmp_path):
    """Two stores on one file in one process watch it through one descriptor, closed
    with the last: the first store's close must not drop the second's locks."""
    path = tmp_path / "db.sqlite3"
    watched = len(commits_module._SHARED)
    first = await open_store(path)
    async with await open_store(path) as second:
        await first.close()
        assert locks_held_on(Path(f"{path}-shm"))
        await new_event(second)
        assert second._commits.mark() is not None
    assert len(commits_module._SHARED) == watched  # its descriptor closed with the last


BESIDE = ("import sqlite3, sys\nconn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
          "conn.execute(sys.argv[2])\nconn.close()\n")


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads Linux's lock table")
async def test_closing_one_of_two_stores_leaves_the_others_lock_on_the_database_file(
        tmp_path):
    """The database file's lock is what tells another process closing its connection
    that it is not the last: without it, that process moves the log into the file and
    deletes the log and the wal-index under the store still open, whose joins are then
    refused (the log is gone) and whose reads miss the commits made after."""
    path = tmp_path / "db.sqlite3"
    async with await open_store(path) as store:
        event = await new_event(store)
        for user in (7, 8):
            await store.join(1, event.id, user, "member")
        held = len(locks_held_on(path))
        await (await open_store(path)).close()
        assert held and len(locks_held_on(path)) == held
        for user in (7, 8):  # a command run beside the bot, twice
            await asyncio.to_thread(subprocess.run, [
                sys.executable, "-c", BESIDE, str(path),
                f"DELETE FROM rsvps WHERE user_id = {user}"], check=True)
        assert {"db.sqlite3-wal", "db.sqlite3-shm"} <= set(
            await asyncio.to_thread(os.listdir, tmp_path))
        assert [(await store.run(store.registrations.member_rsvp, 1, event.id, user))[1]
                for user in (7, 8)] == [None, None]
        assert (await store.join(1, event.id, 9, "member")).result.status is not None


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts Linux's descriptors")
async def test_opening_and_closing_stores_leaves_no_descriptor_open(tmp_path):
    """A bot that opens a store per command (the CLI, a test, a restart) must not run out
    of descriptors: each store's watch of the wal-index is closed with the store."""
    path = tmp_path / "db.sqlite3"
    async with await open_store(path) as store:  # the database and its wal-index made
        await new_event(store)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(3):
        async with await open_store(path) as store:
            assert store._commits.mark() is not None  # watched while open
    assert len(os.listdir("/proc/self/fd")) == before


# A store joining and reading as members do, in a process of its own, while another
# process opens the database over and over (a CLI command, a backup, another shard).
JOINS_AND_READS = textwrap.dedent("""
    import asyncio, sys
    from bot.storage import open_store

    async def main(path, event_id):
        async with await open_store(path) as store:
            for user in range(1, 1501):
                await store.join(1, event_id, user, "m")
                await store.run(store.events.get_event, 1, event_id)
                await store.run(store.registrations.member_rsvp, 1, event_id, user)

    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
""")


async def test_a_store_survives_other_processes_opening_its_database_meanwhile(tmp_path):
    """Each new process's connection checks whether anyone holds the wal-index; had the
    store dropped SQLite's lock on it, one of them would start it afresh under the
    store's feet (SIGBUS within half a second, before the lock was kept)."""
    path = tmp_path / "db.sqlite3"
    async with await open_store(path) as store:
        event = await new_event(store, capacity=1000)
    store_process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", JOINS_AND_READS, str(path), str(event.id), cwd=ROOT)
    openings = 0
    while store_process.returncode is None:
        conn = sqlite3.connect(path)
        conn.execute("SELECT count(*) FROM rsvps").fetchone()
        conn.close()
        openings += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(store_process.wait(), 0.005)
    assert store_process.returncode == 0 and openings > 10
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*), sum(status = 'confirmed') FROM rsvps").fetchone() == (
        1500, 1000)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
