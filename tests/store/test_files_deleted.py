"""The database's files deleted under a running bot (someone "cleaning up" its data
folder): the write-ahead log (`-wal`) or the wal-index (`-shm`); or the database file
moved away, or replaced by a backup renamed over it. Each stays open, so SQLite would go
on using it; the store refuses writes instead, says so in one log line, and no commit it
acknowledged is lost, even to a SIGKILL right after."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import textwrap
import time
import timeit
from pathlib import Path

import pytest

from bot.errors import DatabaseGone
from bot.storage import open_store
from bot.storage.sqlite.session import FOLDER_SETTLED_NS, WriteHealth
from tests.conftest import ROOT, new_event

pytestmark = pytest.mark.sqlite_only

# A bot's store: joins, the file deleted, more joins (each other process's commits in
# between), then killed with no chance to stop cleanly. It prints how many joins were
# acknowledged and how many the other process committed.
KILLED = textwrap.dedent("""
    import asyncio, os, signal, subprocess, sys
    from bot.errors import DatabaseGone
    from bot.storage import open_store
    from tests.conftest import new_event

    OTHER = (  # a command beside the bot: a process of its own (one here would share
               # the bot's mapping of the deleted wal-index)
        "import sqlite3, sys; conn = sqlite3.connect(sys.argv[1], timeout=10);"
        "conn.execute('INSERT INTO meta (key, value) VALUES (?, 1)', (sys.argv[2],));"
        "conn.commit(); conn.close()")

    def other_process_writes(path, key):
        subprocess.run([sys.executable, "-c", OTHER, path, key], check=True)

    async def main(path, which, before, after, others):
        store = await open_store(path)
        event = await new_event(store, capacity=100_000)
        if which == "replaced":  # a backup of the event alone, put in place below
            await store.backup(f"{path}.backup")
        for user in range(1, before + 1):
            await store.join(1, event.id, user, "m")
        if which == "moved":
            os.rename(path, f"{path}.old")
        elif which == "replaced":
            os.replace(f"{path}.backup", path)
        else:
            os.unlink(f"{path}-{which}")
        acknowledged, committed = before, 0
        for user in range(before + 1, before + after + 1):
            if others:
                await asyncio.to_thread(other_process_writes, path, f"other {user}")
                committed += 1
            try:
                await store.join(1, event.id, user, "m")
            except DatabaseGone:
                continue
            acknowledged += 1
        print(acknowledged, committed, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    asyncio.run(main(sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])))
""")


async def killed_after_deleting(path: Path, which: str, before: int, after: int,
                                others: bool = False) -> tuple[int, int, str]:
    """Run KILLED: (joins acknowledged, other process's commits, its log)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLED, str(path), which, str(before), str(after),
        str(int(others)), cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == -9, err.decode()
    acknowledged, committed = map(int, out.split())
    return acknowledged, committed, err.decode()


async def kept(path: Path, found: Path | None = None) -> tuple[int, int]:
    """(RSVPs, the other process's rows) in the database as the next start on `path`
    finds it, or in the file `found` (which the start does not open) if given."""
    async with await open_store(path):
        pass  # the next start: it replays whatever log is there
    conn = sqlite3.connect(found or path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        [(rsvps,)] = conn.execute("SELECT count(*) FROM rsvps").fetchall()
        [(others,)] = conn.execute("SELECT count(*) FROM meta WHERE key LIKE 'other %'")
        return rsvps, others
    finally:
        conn.close()


async def test_a_deleted_write_ahead_log_loses_no_acknowledged_join_to_a_kill(tmp_path):
    """SQLite would go on committing to the deleted log, and a kill then lost every join
    since the last checkpoint, those acknowledged before the deletion too (10 of 10). Now
    the log is copied into the database file when the deletion is seen, later joins are
    refused, and the log says so once."""
    path = tmp_path / "bot.sqlite3"
    acknowledged, _, log = await killed_after_deleting(path, "wal", 5, 5)
    assert await kept(path) == (acknowledged, 0)  # nothing acknowledged is lost
    assert acknowledged == 5  # the joins after the deletion were refused
    said = [line for line in log.splitlines() if "write-ahead log" in line]
    assert len(said) == 1 and f"{path}-wal" in said[0], log
    assert "is moved into the database file" in said[0]


async def test_a_deleted_wal_index_lets_no_other_process_lose_its_commits(tmp_path):
    """The wal-index holds SQLite's locks between processes: once deleted, a command run
    beside the bot makes a new one, and the bot's next commits wrote over its commits in
    the log (20 of 20 lost). The bot refuses writes instead, and the other's are kept."""
    path = tmp_path / "bot.sqlite3"
    acknowledged, committed, log = await killed_after_deleting(path, "shm", 5, 20,
                                                               others=True)
    assert await kept(path) == (acknowledged, committed)  # nothing acknowledged is lost
    assert (acknowledged, committed) == (5, 20)
    said = [line for line in log.splitlines() if "wal-index" in line]
    assert len(said) == 1 and f"{path}-shm" in said[0], log


async def test_a_database_file_moved_away_keeps_every_acknowledged_join_in_it(tmp_path):
    """The database file renamed under the bot (`mv bot.sqlite3 bot.sqlite3.old`): SQLite
    went on committing to it, its log left under the old name, and a kill then lost every
    join, those acknowledged before the move too (10 of 10: the moved file held no table,
    and the next start, making a new database at the name, dropped the log). Now the log
    is copied into the moved file when the move is seen, later joins are refused, and the
    log says so once."""
    path = tmp_path / "bot.sqlite3"
    acknowledged, _, log = await killed_after_deleting(path, "moved", 5, 5)
    assert await kept(path, found=tmp_path / "bot.sqlite3.old") == (acknowledged, 0)
    assert acknowledged == 5  # the joins after the move were refused
    said = [line for line in log.splitlines() if "was moved" in line]
    assert len(said) == 1 and str(path) in said[0], log
    assert "all in it" in said[0]


async def test_a_backup_renamed_over_the_database_gets_none_of_the_old_files_log(tmp_path):
    """A backup renamed over the database under the bot, then a kill (a stop that timed
    out): the next start applied the old file's write-ahead log, left beside it, to the
    backup, and the restore was undone without a word (5 RSVPs the backup did not have),
    or, with a log begun again since a checkpoint, mixed pages of both files. The log and
    the wal-index of a database file no name leads to are removed once it is seen."""
    path = tmp_path / "bot.sqlite3"
    acknowledged, _, log = await killed_after_deleting(path, "replaced", 5, 5)
    assert acknowledged == 5
    assert await kept(path) == (0, 0)  # the backup, as it was taken
    said = [line for line in log.splitlines() if "was deleted or replaced" in line]
    assert len(said) == 1 and str(path) in said[0], log


async def test_a_database_file_put_back_where_it_was_takes_writes_again(tmp_path, caplog):
    """Moved away and put back while the bot runs (an operator who meant to copy it):
    refused while away, taken again once it is back, the log saying each once."""
    path = tmp_path / "bot.sqlite3"
    async with await open_store(path) as store:
        event = await new_event(store, capacity=100)
        await store.join(1, event.id, 1, "m")
        os.rename(path, tmp_path / "elsewhere.sqlite3")
        for user in (2, 3):
            with pytest.raises(DatabaseGone):
                await store.join(1, event.id, user, "m")
        os.rename(tmp_path / "elsewhere.sqlite3", path)
        for user in (2, 3):
            await store.join(1, event.id, user, "m")
    assert await kept(path) == (3, 0)
    messages = [record.getMessage() for record in caplog.records]
    assert sum("was moved" in m for m in messages) == 1, messages
    assert sum("is back" in m for m in messages) == 1, messages


async def test_a_store_whose_files_are_all_there_writes_and_closes_them(tmp_path):
    path = tmp_path / "bot.sqlite3"
    async with await open_store(path) as store:
        event = await new_event(store)
        await store.join(1, event.id, 1, "m")
        watched = store._repos.session.writes._files  # type: ignore[attr-defined]
        assert [Path(name).name for _fd, name, _owned in watched] == [
            "bot.sqlite3", "bot.sqlite3-wal", "bot.sqlite3-shm"]
    assert store._repos.session.writes._files == []  # type: ignore[attr-defined]


def test_watching_the_three_files_costs_a_few_microseconds_a_transaction(tmp_path):
    """What `check_file` adds to every write transaction (printed: a join costs tens of
    microseconds)."""
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x)")  # the log and the wal-index exist from here
    index = os.open(tmp_path / "db.sqlite3-shm", os.O_RDONLY)
    one, three = WriteHealth(), WriteHealth()
    one.watch(tmp_path / "db.sqlite3")
    three.watch(tmp_path / "db.sqlite3", str(tmp_path / "db.sqlite3"), index)
    settled = time.time_ns() - 10 * FOLDER_SETTLED_NS  # as a data folder is, most of the time
    os.utime(tmp_path, ns=(settled, settled))
    try:
        assert len(three._files) == 3  # type: ignore[attr-defined]
        costs = [min(timeit.repeat(lambda h=health: h.check_file(conn), number=20_000,
                                   repeat=5)) / 20_000 for health in (one, three)]
    finally:
        one.close()
        three.close()
        os.close(index)
        conn.close()
    print(f"figures: check_file {costs[0] * 1e6:.2f} µs watching the database file, "
          f"{costs[1] * 1e6:.2f} µs watching it, its log and its wal-index")
    assert costs[1] < 20e-6



@pytest.fixture
def watched(tmp_path):
    """A database in WAL mode with its log and wal-index, watched as the store watches:
    (its connection, its WriteHealth)."""
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x)")
    index = os.open(tmp_path / "db.sqlite3-shm", os.O_RDONLY)
    health = WriteHealth()
    health.watch(tmp_path / "db.sqlite3", str(tmp_path / "db.sqlite3"), index)
    yield conn, health
    health.close()
    os.close(index)
    conn.close()


def test_a_settled_folder_spares_the_files_fstat_and_a_deletion_unsettles_it(tmp_path, watched,
                                                                            monkeypatch):
    """While the folder is as it was, and has been for a while, a write transaction looks
    at the folder alone; deleting a file changes the folder, and the files are looked at."""
    conn, health = watched
    a_while_ago = time.time_ns() - 10 * FOLDER_SETTLED_NS
    os.utime(tmp_path, ns=(a_while_ago, a_while_ago))
    calls = []
    fstat = os.fstat
    monkeypatch.setattr(os, "fstat", lambda fd: calls.append(fd) or fstat(fd))
    health.check_file(conn)  # the folder's time is new to it: every file looked at
    assert len(calls) == 1 + 3
    calls.clear()
    for _ in range(5):
        health.check_file(conn)
    assert len(calls) == 5  # the folder alone, each time
    os.unlink(tmp_path / "db.sqlite3-wal")
    with pytest.raises(DatabaseGone):
        health.check_file(conn)


def test_a_deletion_within_the_folders_clock_tick_is_still_seen(tmp_path, watched):
    """A file system whose clock ticks coarsely may give a deletion the folder's time of a
    change seen just before: the files are looked at until the folder's time is
    FOLDER_SETTLED_NS old."""
    conn, health = watched
    health.check_file(conn)
    seen = os.stat(tmp_path).st_mtime_ns
    os.unlink(tmp_path / "db.sqlite3-wal")
    os.utime(tmp_path, ns=(seen, seen))  # the same tick as the change seen before
    with pytest.raises(DatabaseGone):
        health.check_file(conn)


async def test_a_backup_put_where_a_moved_database_was_gets_none_of_its_log(tmp_path):
    """The database file moved away under the bot, which is then killed, and a backup put
    under its name: the next start laid the moved file's write-ahead log, left beside the
    name with every page the bot had written, over the backup (which then showed the old
    file's tables, not its own). The log is emptied once it is all in the moved file."""
    path = tmp_path / "bot.sqlite3"
    acknowledged, _, _ = await killed_after_deleting(path, "moved", 5, 5)
    assert acknowledged == 5
    backup = sqlite3.connect(tmp_path / "backup.sqlite3")
    backup.execute("PRAGMA journal_mode = WAL")
    backup.execute("CREATE TABLE restored (x)")
    backup.commit()
    backup.close()
    os.replace(tmp_path / "backup.sqlite3", path)
    conn = sqlite3.connect(path)
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master")]
    finally:
        conn.close()
    assert tables == ["restored"]
    moved = sqlite3.connect(tmp_path / "bot.sqlite3.old")  # and the moved file holds all
    try:
        assert moved.execute("SELECT count(*) FROM rsvps").fetchone()[0] == acknowledged
    finally:
        moved.close()
