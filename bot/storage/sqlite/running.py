"""One running bot per token and shard on a SQLite database file.

Discord hands every interaction of an application to each of its gateway sessions on a
shard: two `python -m bot run` with one token (a terminal forgotten, or a supervisor's bot
and one started by hand) would both answer every command and button, one of them failing.
Processes that share the file as shards of one deployment each run their own shards, and
another application's bot gets its own interactions: neither is a second run.

A start holds, for as long as it runs, POSIX record locks on a file beside the database
(`<database>.lock`, left in place): one byte per shard it runs, in a stretch of the file
chosen by its token's digest. The system releases them when the process ends, however it
ends, so a crash leaves nothing to clean up.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no record locks to take; nothing is refused
    fcntl = None  # type: ignore[assignment]

STRETCH = 1 << 16  # bytes of the lock file per token: above any shard number (MAX_SHARDS)
# Past every token's stretch (a digest's 4 bytes of them): one byte per schema version, held
# shared by each running bot of a version that marks its own (`running_alone`).
VERSION_MARKS = 1 << 50


class AlreadyRunning(Exception):
    """A process with this token already runs one of these shards on this database."""


def lock_path(database: Path) -> Path:
    """Beside the file itself, as SQLite keeps its -wal and -shm: a link to the database
    and the database by its own name are one database, with one lock."""
    database = database.resolve()
    return database.with_name(database.name + ".lock")


def _ranges(token: str, shards: int, shard_ids: Sequence[int] | None) -> list[tuple[int, int]]:
    """(start, length) of each byte to lock: every shard of the deployment, else those run."""
    base = int.from_bytes(hashlib.sha256(token.encode()).digest()[:4], "big") * STRETCH
    if shard_ids is None:
        return [(base, shards)]
    return [(base + shard, 1) for shard in shard_ids]


@contextlib.contextmanager
def running_alone(database: Path, token: str, shards: int,
                  shard_ids: Sequence[int] | None, *, schema: int) -> Iterator[str | None]:
    """Hold the locks of this token's shards (`shards` in all; `shard_ids` run here, None:
    all of them) while the block runs; AlreadyRunning if another process holds one. The
    mark of the `schema` version this code runs is held too, shared with the other bots of
    that version: one of them starting beside another's upgrade is not taken for a bot of
    an earlier version (`earlier_bot_running`).
    Taken before the database is opened (a refused start changes nothing), so it makes
    the database's folder as the store would; the block gets why nothing is held (the
    lock file cannot be made), None when held, for the caller to say once the database
    has opened: a folder that cannot be written is the store's to refuse, in one line."""
    if fcntl is None:
        yield None
        return
    path = lock_path(database)
    with contextlib.suppress(OSError):  # the store says why, if it cannot make it either
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        yield (f"cannot open {path} ({exc.strerror}): a second bot process on this "
               "database would not be refused")
        return
    try:
        for start, length in _ranges(token, shards, shard_ids):
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, length, start, os.SEEK_SET)
            except OSError:  # EAGAIN or EACCES: another process holds it
                raise AlreadyRunning(str(database)) from None
        # (waits only for a look at the mark, `_version_running`, which lets go at once)
        fcntl.lockf(fd, fcntl.LOCK_SH, 1, VERSION_MARKS + schema, os.SEEK_SET)
        yield None
    finally:
        os.close(fd)  # releases every lock this process holds on the file


def held_by_a_bot(database: Path) -> bool:
    """Whether a running bot, of any token, holds its locks on the database (a one-off copy
    of it would leave behind what that bot writes meanwhile). Only looked at: nothing is
    held, and a database without a lock file has had no bot run on it."""
    return _held(database, exclusive=False, length=0, start=0)  # every byte, to the end


def _held(database: Path, *, exclusive: bool, length: int, start: int) -> bool:
    """Whether another process holds a lock on those bytes of the database's lock file that
    this look meets: a shared look meets the bots' own (exclusive) locks, an exclusive look
    any lock (a version's mark, held shared). Only looked at: nothing stays held."""
    if fcntl is None:
        return False
    try:
        fd = os.open(lock_path(database), os.O_RDWR if exclusive else os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB,
                    length, start, os.SEEK_SET)
    except OSError:  # EAGAIN or EACCES: another process holds one of them
        return True
    else:
        return False
    finally:
        os.close(fd)  # (and the lock taken to look, with it)


def earlier_bot_running(database: Path) -> int | None:
    """The schema version of the database when a running bot holds it (`held_by_a_bot`) at
    one older than this code's: that bot is of an earlier version (this one's would have
    upgraded it as it started), and upgrading the database under it would leave it on a
    schema it does not know, which it refuses once restarted. None otherwise, and when the
    file cannot be read (opening the store says why). Look before this process takes its
    own claim: looking closes the lock file, which drops this process's locks on it."""
    from bot.storage.sqlite.migrations import SCHEMA_VERSION
    from bot.storage.sqlite.session import connect

    if not (os.path.isfile(database) and held_by_a_bot(database)):  # (no OSError)
        return None
    try:
        conn = connect(database, read_only=True)
    except sqlite3.Error:
        return None
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    if not 0 < version < SCHEMA_VERSION or _version_running(database, SCHEMA_VERSION):
        # (a bot of this version holds it: the upgrade under way is its own, which opening
        # the store waits for)
        return None
    return version


def _version_running(database: Path, schema: int) -> bool:
    """Whether a running bot holds the mark of the `schema` version (`running_alone`)."""
    return _held(database, exclusive=True, length=1, start=VERSION_MARKS + schema)
