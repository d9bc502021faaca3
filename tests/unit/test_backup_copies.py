"""A backup is written as a hidden copy beside its target and renamed once whole: a backup
killed in the middle (SIGKILL, a power cut) leaves that copy, as big as the database, and
the next backup into the same target removes it, never one another backup is writing."""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from bot.errors import Unavailable
from bot.storage.sqlite import files


def a_copy(folder: Path, name: str, *, age: float, beside: tuple[str, ...] = ()) -> Path:
    """A copy as a backup into `folder/backup.sqlite3` leaves it, last written `age` s ago."""
    copy = folder / f".backup.sqlite3.{name}.partial"
    for path in (copy, *(copy.with_name(copy.name + suffix) for suffix in beside)):
        path.write_bytes(b"\0" * 4096)
        os.utime(path, (time.time() - age, time.time() - age))
    return copy


def test_a_backup_removes_the_copies_killed_backups_left_and_no_other(tmp_path):
    database = tmp_path / "eventbot.sqlite3"
    with sqlite3.connect(database) as source:
        source.execute("CREATE TABLE t (x)")
    folder = tmp_path / "backups"
    folder.mkdir()
    killed = a_copy(folder, "k1abcdef", age=600, beside=("-journal",))
    killed_too = a_copy(folder, "k2abcdef", age=600, beside=("-wal", "-shm"))
    being_written = a_copy(folder, "w1abcdef", age=600)  # (a slow backup, held by its process)
    just_made = a_copy(folder, "w2abcdef", age=0)  # (made this instant, not held yet)
    another_target = folder / ".other.sqlite3.k3abcdef.partial"
    another_target.write_bytes(b"\0")
    os.utime(another_target, (time.time() - 600, time.time() - 600))
    held = os.open(being_written, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        source = sqlite3.connect(database)
        try:
            files.backup_to(source, folder / "backup.sqlite3")
        finally:
            source.close()
    finally:
        os.close(held)
    assert sorted(path.name for path in folder.iterdir()) == sorted([
        "backup.sqlite3", being_written.name, just_made.name, another_target.name])
    assert not killed.exists() and not killed_too.exists()


def test_a_backup_removes_nothing_but_a_copy_of_its_own_target(tmp_path):
    """Only a file named as `mkstemp` names a copy into this target is one: a backup into
    backup.sqlite3 removed the copies of backups into backup.sqlite3.old too (`*` matched
    "old.XXXXXXXX"), a link named like a copy (pointing elsewhere), and hung for good on
    opening a pipe named like one."""
    database = tmp_path / "eventbot.sqlite3"
    with sqlite3.connect(database) as source:
        source.execute("CREATE TABLE t (x)")
    folder = tmp_path / "backups"
    folder.mkdir()
    old_target_s = folder / ".backup.sqlite3.old.k4abcdef.partial"
    old_target_s.write_bytes(b"\0")
    elsewhere = tmp_path / "kept"
    elsewhere.write_bytes(b"\0")
    link = folder / ".backup.sqlite3.linkabcd.partial"
    link.symlink_to(elsewhere)
    pipe = folder / ".backup.sqlite3.pipeabcd.partial"
    os.mkfifo(pipe)
    killed = a_copy(folder, "k1abcdef", age=600)
    for path in (old_target_s, elsewhere, link, pipe):
        os.utime(path, (time.time() - 600, time.time() - 600), follow_symlinks=False)
    # (a writer, for a backup that opens the pipe to be let go, rather than hang the test)
    writer = threading.Thread(target=lambda: os.close(os.open(pipe, os.O_WRONLY)),
                              daemon=True)
    writer.start()
    source = sqlite3.connect(database)
    try:
        files.backup_to(source, folder / "backup.sqlite3")
    finally:
        source.close()
    assert sorted(path.name for path in folder.iterdir()) == sorted([
        "backup.sqlite3", old_target_s.name, link.name, pipe.name])
    assert elsewhere.exists() and not killed.exists()
    os.close(os.open(pipe, os.O_RDONLY | os.O_NONBLOCK))  # the writer let go
    writer.join(timeout=10)


@pytest.mark.parametrize("links", [True, False], ids=["hard links", "no hard links"])
def test_a_backup_never_replaces_a_file_at_its_target(tmp_path, monkeypatch, links):
    """The command refuses a target that exists before it copies, but two backups into one
    new name, started at once, both found it free, and the second replaced the first: the
    finished copy takes the name only if it is still free, else is removed and refused."""
    if not links:  # FAT, some network shares: the name is checked just before the rename
        def refused(*args: object, **kwargs: object) -> None:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        monkeypatch.setattr(files.os, "link", refused)
    with sqlite3.connect(tmp_path / "eventbot.sqlite3") as source:
        source.execute("CREATE TABLE t (x)")
        target = tmp_path / "backup.sqlite3"
        target.write_bytes(b"the first backup")  # (written meanwhile by the other one)
        with pytest.raises(Unavailable, match=r"backup\.sqlite3 already exists; choose a new"):
            files.backup_to(source, target)
        assert target.read_bytes() == b"the first backup"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.sqlite3",
                                                              "eventbot.sqlite3"]
        target.unlink()
        files.backup_to(source, target)
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.sqlite3", "eventbot.sqlite3"]


def test_a_backup_linked_whose_first_name_cannot_be_removed_says_it_is_whole(
        tmp_path, monkeypatch):
    """The copy takes the target's name by a hard link, then loses its own: if that
    removal failed, the error was raised again by the clean-up that removes the copy, and
    the backup read as failed (a bare OSError) though it lay whole at its name."""
    def refused(path: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))
    with sqlite3.connect(tmp_path / "eventbot.sqlite3") as source:
        source.execute("CREATE TABLE t (x)")
        target = tmp_path / "backup.sqlite3"
        monkeypatch.setattr(files.os, "remove", refused)
        with pytest.raises(Unavailable, match=r"backup\.sqlite3 is whole, but .*\.partial, "
                           r"the name it was written under, could not be removed"):
            files.backup_to(source, target)
    monkeypatch.undo()
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]


@pytest.mark.parametrize("name", ["b" * 230 + ".sqlite3", "备份" * 40 + ".db"])
def test_a_backup_into_a_long_valid_name_is_made_and_its_killed_copy_removed(tmp_path, name):
    """A name of 230 to 255 bytes, valid, was refused "File name too long": the copy's
    name adds 18 bytes to it, and SQLite's journal beside it 8 more. A long name's copy
    is named by its start and a digest; a backup killed into it is cleaned up as any."""
    assert len(os.fsencode(name)) <= 255
    database = tmp_path / "eventbot.sqlite3"
    with sqlite3.connect(database) as source:
        source.execute("CREATE TABLE t (x)")
    target = tmp_path / name
    killed = tmp_path / f"{files._copy_prefix(target)}k1abcdef.partial"
    assert len(os.fsencode(killed.name + "-journal")) <= 255
    killed.write_bytes(b"\0" * 4096)
    os.utime(killed, (time.time() - 600, time.time() - 600))
    source = sqlite3.connect(database)
    try:
        files.backup_to(source, target)
    finally:
        source.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        ["eventbot.sqlite3", name])


def test_a_backup_that_may_be_stopped_ends_while_another_connection_keeps_writing(
        tmp_path, monkeypatch):
    """A backup that may be stopped copies a few pages at a time; SQLite begins such a copy
    again whenever another connection writes between two steps, unless the copy holds one
    read of the source throughout (as it does): with a bot writing all the time, it never
    ended. What it copies is the database as of its start."""
    monkeypatch.setattr(files, "STOP_PAGES", 4)  # many steps, many writes between them
    database = tmp_path / "eventbot.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB)")
        db.executemany("INSERT INTO t (b) VALUES (zeroblob(4000))", [()] * 2000)
    # another process, as the bot is: a thread of this one barely runs between two steps
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, time
        writer = sqlite3.connect({str(database)!r}, isolation_level=None)
        writer.execute("PRAGMA busy_timeout = 10000")
        writer.execute("PRAGMA synchronous = OFF")
        writer.execute("INSERT INTO t (b) VALUES (zeroblob(10))")
        print(flush=True)
        while True:
            writer.execute("INSERT INTO t (b) VALUES (zeroblob(10))")
            time.sleep(0.0001)
        """)], stdout=subprocess.PIPE)
    try:
        assert writer.stdout is not None and writer.stdout.readline()  # writing
        source = files.connect(database, isolation_level=None, check_same_thread=False)
        backup = threading.Thread(target=files.backup_to, args=(
            source, tmp_path / "backup.sqlite3", database, threading.Event()), daemon=True)
        backup.start()
        backup.join(30)
        assert not backup.is_alive()  # (it began again at every write: for ever)
        source.close()
    finally:
        writer.kill()
        writer.wait()
    with sqlite3.connect(tmp_path / "backup.sqlite3") as copy:
        assert copy.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM t").fetchone()[0] >= 2000
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
