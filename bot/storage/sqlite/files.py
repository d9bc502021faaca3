"""The SQLite database file itself: the checks made before the store opens it (another
program's database, a name SQLite once read as a URI, a file it could open only
read-only, a device), the one line that names it when it cannot be used, and backups
(`backup_to`, `backup_as_is` for `python -m bot backup`)."""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import os
import re
import sqlite3
import stat
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

try:
    import fcntl
except ImportError:  # Windows: no locks to tell a copy being written
    fcntl = None  # type: ignore[assignment]

from bot.errors import Unavailable
from bot.storage.sqlite.migrate import version_of_schema
from bot.storage.sqlite.session import BUSY_TIMEOUT_MS, connect, is_damaged, is_unwritable


class BackupStopped(Exception):
    """A backup stopped before it was whole (`backup_to`'s `stop`): its copy is removed."""


# Pages a backup that may be stopped copies between two looks at its stop (4 MiB of 4 KiB
# pages, a few milliseconds), and SQLite steps between two looks while checking the copy.
STOP_PAGES = 1024
STOP_STEPS = 100_000


def backup_as_is(path: Path, target: Path, stop: threading.Event | None = None) -> None:
    """`python -m bot backup`: a consistent copy of the database file at `path` as it is,
    safe while the bot runs, not upgraded first: a backup taken after installing a new
    version and before starting it is the way back to the old one, which refuses a newer
    schema. A file that is no database raises Unavailable as opening the store would.
    `stop` set ends it (`backup_to`)."""
    _check_readable_as_is(path)
    source = None
    try:
        source = connect(path, isolation_level=None)
        source.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the header
    except sqlite3.Error as exc:
        if source is not None:
            source.close()
        raise open_error(path, exc) from None
    try:
        backup_to(source, target, path, stop)
    finally:
        source.close()


def _check_readable_as_is(path: Path) -> None:
    """Raise Unavailable where reading the database would leave files the bot cannot write:
    a user who may not write it (a group's backup job), on a database no connection has
    open, made its -wal and -shm as their own (SQLite needs both to read, and could not
    remove them after, having no right to write the database), and the bot's next start
    was refused on them. While the bot runs they are its own, and read as they are."""
    if os.name != "posix" or not path.is_file():  # (no file: the caller says so)
        return
    path = path.resolve()  # SQLite keeps its -wal and -shm beside a link's target
    if os.access(path, os.W_OK) or all(
            path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-shm")):
        return
    import pwd  # POSIX's

    try:
        owner = pwd.getpwuid(path.stat().st_uid).pw_name
    except (KeyError, OSError):
        owner = "the file's owner"
    raise Unavailable(f"{path} cannot be written by this user, and the bot is not running on "
                      "it: SQLite would make its -wal and -shm files as this user's, which the "
                      f"bot could not write; back it up as the bot's user ({owner}), or while "
                      "the bot runs")


def backup_to(source: sqlite3.Connection, target: Path, source_path: Path | None = None,
              stop: threading.Event | None = None) -> None:
    """Copy the database of `source` (the file `source_path`, else the one it has open)
    through SQLite's online backup. It is written under a temporary name beside `target`
    and renamed when whole and sound, so a copy cut short (a full disk) never lies there
    looking like a backup; a target that cannot be written raises Unavailable saying why.
    The online backup copies pages without reading them: a database damaged inside copies
    "successfully", so the copy is checked (`PRAGMA quick_check`) before it is kept, and
    damage found in it, which is the database's, raises Unavailable naming the database.

    The copy is held (`flock`) while it is written: one left by a backup that was killed
    (SIGKILL, a power cut) is removed by the next backup into `target`
    (`_remove_abandoned`). A file already at `target` is never replaced (`_keep`).

    With `stop`, setting it (from another thread: Ctrl-C, a supervisor's SIGTERM) ends
    the copy, or the check, within a few milliseconds: BackupStopped, and no copy left.
    SQLite copies in one step otherwise, and once begun, nothing ends that step: the
    copy went on to its end, or was killed with it and left behind."""
    partial: str | None = None
    fd = -1
    try:
        _remove_abandoned(target)
        fd, partial = tempfile.mkstemp(prefix=_copy_prefix(target), suffix=".partial",
                                       dir=target.parent)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # (a lock of its own: SQLite's are fcntl's)
        dest = connect(partial)
        try:
            if stop is None:
                source.backup(dest)
            else:
                _copy_until(stop, source, dest)
                dest.set_progress_handler(stop.is_set, STOP_STEPS)  # (true: interrupted)
            sound = dest.execute("PRAGMA quick_check(1)").fetchone()[0] == "ok"
        finally:
            dest.close()
        if not sound:
            raise _source_damaged(source, source_path)
        _keep(Path(partial), target)
    except BaseException as exc:
        if partial is not None:
            with contextlib.suppress(OSError):  # (what failed says more than this would)
                os.remove(partial)
        if stop is not None and stop.is_set() and not isinstance(exc, Unavailable):
            raise BackupStopped from None  # (SQLite's "interrupted", or the copy's end)
        if not isinstance(exc, (OSError, sqlite3.Error)) or isinstance(exc, Unavailable):
            raise
        if isinstance(exc, sqlite3.Error) and is_damaged(exc):  # the copy's pages: the source's
            raise _source_damaged(source, source_path) from None
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise Unavailable(f"cannot write the backup {target} in the folder "
                          f"{target.parent} ({reason})") from None
    finally:
        if fd >= 0:
            os.close(fd)


def _copy_until(stop: threading.Event, source: sqlite3.Connection,
                dest: sqlite3.Connection) -> None:
    """Copy `source` into `dest` STOP_PAGES at a time, BackupStopped once `stop` is set.
    A read transaction holds the source's state from the first step to the last: without
    it, SQLite begins the copy again whenever another connection writes between two steps,
    and a bot writing every second kept a large database's backup beginning for ever."""
    def step(status: int, remaining: int, total: int) -> None:
        if stop.is_set():
            raise BackupStopped

    source.execute("BEGIN")
    try:
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the read begins
        source.backup(dest, pages=STOP_PAGES, progress=step)
    finally:
        with contextlib.suppress(sqlite3.Error):  # (what failed says more than this would)
            source.execute("COMMIT")  # nothing written: only the read ends


TARGET_EXISTS = "{target} already exists; choose a new file name"
# What a file system without hard links (FAT, some network shares) answers `os.link` with.
NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK,
                           errno.ENOSYS})


def _keep(copy: Path, target: Path) -> None:
    """Give the whole `copy` the name `target`, unless a file has it: a link fails if the
    name is taken, where a rename replaces it (two backups into one new name, started at
    once, both found it free, and the second replaced the first). Where the file system
    has no hard links, the name is checked just before the rename. A copy whose other name
    cannot be removed once linked is a backup made all the same: said so, since that name
    would keep its space after the backup itself is deleted."""
    try:
        os.link(copy, target)  # (the copy is a file of its own: no link to follow)
    except FileExistsError:
        raise Unavailable(TARGET_EXISTS.format(target=target)) from None
    except OSError as exc:
        if exc.errno not in NO_HARD_LINKS:
            raise
        if os.path.lexists(target):
            raise Unavailable(TARGET_EXISTS.format(target=target)) from None
        os.replace(copy, target)
    else:
        try:
            os.remove(copy)
        except OSError as exc:
            raise Unavailable(f"the backup {target} is whole, but {copy}, the name it was "
                              f"written under, could not be removed ({exc.strerror or exc}); "
                              "remove that name") from None


# What a copy's name adds to its prefix: 8 characters of `mkstemp`'s, ".partial", and
# SQLite's "-journal" beside it; with the prefix, within a file name's 255 bytes.
_COPY_NAME_ADDS = 8 + len(".partial") + len("-journal")
NAME_MAX = 255


def _copy_prefix(target: Path) -> str:
    """The start of the name a backup into `target` writes its copy under: `.NAME.`, or
    for a long name (which would make the copy's name longer than a file system takes, and
    a backup into a valid name fail), its first 150 bytes and a digest of the rest."""
    prefix = f".{target.name}."
    if len(os.fsencode(prefix)) + _COPY_NAME_ADDS <= NAME_MAX:
        return prefix
    short = target.name
    while len(os.fsencode(short)) > 150:  # (by characters: no character cut in two)
        short = short[:-1]
    return f".{short}~{hashlib.sha256(os.fsencode(prefix)).hexdigest()[:12]}."


# Seconds since a copy's last write before a backup that finds it unheld takes it for
# abandoned: one made this instant may not be held yet.
ABANDONED_AFTER = 60.0
# What `tempfile.mkstemp` puts between a copy's prefix and its suffix.
_COPY_NAME = re.compile(r"[a-z0-9_]{8}")


def _remove_abandoned(target: Path) -> None:
    """Remove the copies of backups into `target` that a killed process left (hidden,
    `.NAME.XXXXXXXX.partial`, with SQLite's files beside them), each as big as the database:
    nothing else ever removed them (3 kills of 24 in the middle of a backup). One still
    being written is held by its backup (`backup_to`) and left alone, and so is all but a
    file of a copy's own name: another target's copy (`.NAME.old.XXXXXXXX.partial`), a
    link named like one (its link, not the file it points to), or a pipe, whose opening
    held the backup for good."""
    if fcntl is None:
        return
    prefix = _copy_prefix(target)
    for partial in target.parent.glob(f"{glob.escape(prefix)}*.partial"):
        if not _COPY_NAME.fullmatch(partial.name[len(prefix):-len(".partial")]):
            continue
        try:
            seen = os.lstat(partial)
            if (not stat.S_ISREG(seen.st_mode)
                    or time.time() - seen.st_mtime < ABANDONED_AFTER):
                continue
            fd = os.open(partial, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            opened = os.fstat(fd)
            if (opened.st_dev, opened.st_ino) != (seen.st_dev, seen.st_ino):
                continue  # (replaced since it was seen)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: being written
            continue
        finally:
            os.close(fd)
        for leftover in (partial, *(partial.with_name(partial.name + suffix)
                                    for suffix in ("-journal", "-wal", "-shm"))):
            with contextlib.suppress(OSError):
                if stat.S_ISREG(os.lstat(leftover).st_mode):
                    os.remove(leftover)


def _source_damaged(source: sqlite3.Connection, path: Path | None) -> Unavailable:
    """`damaged` for the database `source` has open, named `path` if given."""
    if path is None:
        path = Path(source.execute("PRAGMA database_list").fetchone()[2])
    return damaged(path)


def check_ours(conn: sqlite3.Connection, path: Path) -> None:
    """Raise Unavailable if the database is another program's: tables of its own, and no
    schema version of this bot's (which records one in the transaction that creates its
    tables). Upgrading it would have created the bot's tables in that program's file."""
    if (conn.execute("PRAGMA user_version").fetchone()[0] != 0
            or version_of_schema(conn) is not None):  # (a copy of one by `.dump`: the bot's)
        return
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        " ORDER BY name LIMIT 4")]
    if tables:
        held = ", ".join(tables[:3]) + (", ..." if len(tables) > 3 else "")
        raise Unavailable(f"{path} is another program's database (it holds {held}), not "
                          "this bot's: set DATABASE_PATH to the bot's database, or to a new "
                          "file")


def check_not_a_uri_once(path: Path) -> None:
    """Raise Unavailable if `path` begins "file:", names no file, and the file SQLite
    took it for (as a URI) is there: earlier versions let SQLite read it so, and the bot
    ran on that file. Read as the name it is, the bot would start on a new, empty database
    beside the one holding every server's events and RSVPs."""
    name = str(path)
    if not name.startswith("file:") or path.exists():
        return
    parts = urlsplit(name)
    if parts.netloc not in ("", "localhost") or not parts.path:
        return
    meant = Path(unquote(parts.path))
    if meant.is_file():
        raise Unavailable(f"DATABASE_PATH={name!r} names the file {name!r}, which does not "
                          f"exist, but an earlier version of the bot read it as a URI, of "
                          f"{meant.absolute()}: set DATABASE_PATH={meant.absolute()}")


def check_writable(path: Path) -> None:
    """Raise Unavailable if the database is a device or a pipe, or if its file, or its
    write-ahead log or shared-memory file, exists but cannot be written: SQLite would open
    it read-only without a word and fail only at the first write, a member's join. Asked
    of the kernel (`access`), not by opening the file: closing any descriptor of a file
    drops every POSIX lock this process holds on it, such as another store's on the same
    database."""
    if path.exists() and not (path.is_file() or path.is_dir()):  # a folder: `open_error`
        # SQLite would open /dev/null, create tables in it and fail only then
        raise Unavailable(f"{path} is a device or a pipe, not a database file: set "
                          "DATABASE_PATH to a file (for example data/eventbot.sqlite3)")
    path = path.resolve()  # SQLite keeps its -wal and -shm beside a link's target
    for file in (path, path.parent / f"{path.name}-wal", path.parent / f"{path.name}-shm"):
        if file.is_file() and not os.access(file, os.W_OK):
            raise Unavailable(f"{file} cannot be opened for writing (it is read-only to the "
                              f"bot): {WRITABLE}")

WRITABLE = "make it and its folder writable, or set DATABASE_PATH to a writable place"
SMALLEST_DATABASE = 512  # bytes: a database file is whole pages, of 512 bytes at least


def check_not_too_short(path: Path) -> None:
    """Raise Unavailable (`damaged`) for a file shorter than a database can be that is
    not empty (a stray note, a database cut short): SQLite would take it for a new
    database and write one over it. Its size is asked of the kernel, not read from the
    file (see `check_writable`)."""
    with contextlib.suppress(OSError):
        if 0 < path.stat().st_size < SMALLEST_DATABASE and path.is_file():
            raise damaged(path)


def create_private(path: Path) -> None:
    """Create the database file, empty, readable and writable by its owner alone (0600),
    where there is none yet: it holds members' ids, names, RSVPs and Discord languages,
    which SQLite's own 0644 (with the usual umask) would show every user of the machine.
    SQLite gives the -wal and -shm files it makes beside it the database's mode, so they
    follow; a file that exists keeps its mode (an operator may share it with a group).
    A file that cannot be made here is left for SQLite, whose refusal says why. A symbolic
    link to no file yet (a data volume linked in before the first start) is followed, as
    SQLite follows it: O_EXCL refuses any link, and SQLite then made the file 0644."""
    with contextlib.suppress(OSError):
        os.close(os.open(os.path.realpath(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def damaged(path: Path) -> Unavailable:
    """One line saying the database file is no database, or a damaged one."""
    return Unavailable(f"{path} is not a SQLite database (or is damaged): restore it from "
                       "a backup or move it away to start afresh")


def open_error(path: Path, exc: OSError | sqlite3.Error) -> Unavailable:
    """One line saying which file cannot be used as the database, and what to do."""
    if isinstance(exc, FileExistsError | NotADirectoryError):  # a file where a folder goes
        blocker = next((p for p in reversed(path.parents) if p.exists() and not p.is_dir()),
                       path.parent)
        return Unavailable(f"cannot create {path}: {blocker} is a file, not a folder; move it "
                           "away or set DATABASE_PATH to another place")
    if isinstance(exc, OSError) and os.path.isdir(path.parent):
        # the folder is there: the file's own name is refused (too long, say)
        return Unavailable(f"cannot create {path} ({exc.strerror}); set DATABASE_PATH to "
                           "another file")
    if isinstance(exc, OSError):  # creating the folder failed
        return Unavailable(f"cannot create {path}: its folder cannot be created "
                           f"({exc.strerror}); set DATABASE_PATH to a file in a writable folder")
    if path.is_dir():
        return Unavailable(f"{path} is a folder, not a database file: set DATABASE_PATH to a "
                           "file (for example data/eventbot.sqlite3)")
    if is_damaged(exc):
        return damaged(path)
    if is_unwritable(exc):
        return Unavailable(f"{path} could not be written: its disk may be full or failing "
                           f"({exc}); nothing of this was saved. Free some space, or set "
                           "DATABASE_PATH to another disk")
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary code of an extended one
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
        return Unavailable(f"{path} cannot be opened for writing ({exc}): {WRITABLE}")
    return Unavailable(f"{path} cannot be used as the database ({exc})")
