"""Whether anyone has committed to a SQLite database since a moment, told without a
statement: from the header of the database's wal-index.

In WAL mode every connection to a database, in any process, shares the wal-index: the
`<database>-shm` file, mapped into memory. Its header
(https://www.sqlite.org/walformat.html, "The WAL-Index Header") is rewritten by every
commit: it counts the transactions (iChange) and the log's frames (mxFrame), and each
restart of the log takes new salts. So two equal headers mean nobody committed between
them. (A checkpoint copies pages and changes none of it; one that resets the log does,
which costs a read, never a stale answer.) SQLite keeps the header
twice and writes the second copy first; a reader that finds both copies alike has a
header no commit was halfway through, which is how SQLite itself reads it.

A statement outside a transaction takes and releases the log's read lock and runs
SQLite's code and pages back into the CPU's caches between interactions: 20 to 40 µs of a
reply, where reading the header costs about 0.2 µs. `mark` is None whenever the header
cannot be trusted (no wal-index yet, another journal mode, a layout other than the one
described, the copies mid-write): the caller then reads the database, as always.
"""

from __future__ import annotations

import mmap
import os
import sqlite3
import struct
from pathlib import Path

HEADER = 48  # bytes of one copy of the header
WALINDEX_VERSION = 3007000  # iVersion of the layout described there (SQLite 3.7.0 on)
_VERSION = struct.Struct("=I")  # native byte order, as SQLite writes it
_LOG = struct.Struct("=HI")  # szPage (1: 65536) and mxFrame, at offset 14 of the header


class Commits:
    """The wal-index header of one database, mapped read-only, for as long as this
    process has the database open.

    No descriptor of the file is closed before this process's connections to the
    database are: closing any descriptor of a file drops every POSIX lock the process
    holds on it, SQLite's too, and another process that then finds the wal-index
    unlocked starts it afresh, truncating the file under every mapping of it (a crash,
    SIGBUS, the next time SQLite itself reads its own). So `close` comes after the last
    connection has closed, and the mapping is read only while one is open. Watches of one
    file in one process (two stores on it) share one descriptor, closed with the last
    of them: closing one store must not drop the locks of the other's connections."""

    def __init__(self, database: str | Path | None) -> None:
        self._file: SharedFile | None = None
        self._map: mmap.mmap | None = None
        self.database = None if database is None else os.fspath(database)
        if database is not None:
            try:  # none when not in WAL mode, or in memory: nothing to watch
                self._file = SharedFile.of(f"{database}-shm")
            except OSError:
                return
            self._map = self._file.map(2 * HEADER)

    def mark(self) -> bytes | None:
        """The header now, or None when it cannot be trusted. Equal marks: nobody
        committed between them."""
        header = self._map
        if header is None:
            return None
        first, second = header[:HEADER], header[HEADER:2 * HEADER]
        if first != second or _VERSION.unpack_from(first)[0] != WALINDEX_VERSION:
            return None
        return first

    def log_bytes(self) -> int | None:
        """The bytes of pages the write-ahead log holds since it last began again, as the
        wal-index header says (None: it cannot be trusted now): what a checkpoint that
        lets it begin again frees."""
        mark = self.mark()
        if mark is None:
            return None
        page, frames = _LOG.unpack_from(mark, 14)
        return frames * (65536 if page == 1 else page)

    def descriptor(self) -> int | None:
        """The descriptor of the wal-index this watch reads (None: none), open until
        `close`; never to be closed by another (see the class)."""
        return None if self._file is None else self._file.fd

    @classmethod
    def of(cls, conn: sqlite3.Connection) -> Commits:
        """The wal-index of the database `conn` has open, named as SQLite names it: its
        file's full path with symbolic links followed, where SQLite puts the `-shm` file
        (the path as given may be a link, beside which an unused `-shm` could lie). None
        to watch unless the database is in WAL mode: a `-shm` file left from before would
        never change."""
        if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            return cls(None)
        # As bytes: a file name need not be UTF-8 (DATABASE_PATH from a non-UTF-8 folder),
        # and the sqlite3 module cannot decode such a name as text.
        row = conn.execute("SELECT CAST(file AS BLOB) FROM pragma_database_list"
                           " WHERE name = 'main'").fetchone()
        return cls(os.fsdecode(row[0]) if row is not None and row[0] else None)

    def close(self) -> None:
        """Stop watching: only once this process's connections to the database are
        closed (see the class)."""
        self._map = None
        if self._file is not None:
            self._file.release()
            self._file = None


class SharedFile:
    """A file this process keeps open to watch, once however many watch it, with its
    watches counted; `mapping` maps its start when a watch asks for it (`map`). Closing
    any descriptor of a file drops every POSIX lock the process holds on it, SQLite's
    too: the wal-index (see `Commits`) and the database file itself (`WriteHealth`: had
    one store's close closed a descriptor of its own, another store on the same file in
    this process would have lost its lock, and the next process to close its
    connection, taking itself for the last, would have deleted the log and the
    wal-index under that store). The last watch closes it."""

    __slots__ = ("fd", "key", "mapping", "users")

    def __init__(self, key: tuple[int, int], fd: int) -> None:
        self.key, self.fd, self.users = key, fd, 1
        self.mapping: mmap.mmap | None = None

    @classmethod
    def of(cls, path: str) -> SharedFile:
        """The file at `path`, opened now or shared with a watch already open; OSError
        when there is none."""
        status = os.stat(path)  # no descriptor yet: one opened here is kept
        key = (status.st_dev, status.st_ino)
        if (shared := _SHARED.get(key)) is not None:
            shared.users += 1
            return shared
        _SHARED[key] = opened = cls(key, os.open(path, os.O_RDONLY | os.O_CLOEXEC))
        return opened

    def map(self, size: int) -> mmap.mmap | None:
        """Its first `size` bytes mapped read-only, once for all its watches; None while
        the file is shorter (the mapping holds a descriptor of its own, closed with it)."""
        if self.mapping is None:
            try:
                if os.fstat(self.fd).st_size >= size:
                    self.mapping = mmap.mmap(self.fd, size, access=mmap.ACCESS_READ)
            except (OSError, ValueError):
                self.mapping = None
        return self.mapping

    def release(self) -> None:
        self.users -= 1
        if self.users == 0:
            del _SHARED[self.key]
            if self.mapping is not None:
                self.mapping.close()
            os.close(self.fd)


_SHARED: dict[tuple[int, int], SharedFile] = {}  # (device, inode) -> the file, open here
