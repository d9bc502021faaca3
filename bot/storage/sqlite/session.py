"""One sqlite3 connection and what the repositories built on it share.

Every write is one `BEGIN IMMEDIATE` transaction: IMMEDIATE takes SQLite's write lock
before the first read, so processes sharing the file (WAL, busy_timeout) serialise
their read-then-write transactions too. Parameterised queries only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.errors import DatabaseGone, DatabaseUnwritable
from bot.logs import Outage
from bot.models import (
    ChangedDmPayload,
    ChangedPayload,
    ChangedTo,
    Event,
    EventSummary,
    NoticePayload,
    fold_unsent,
)
from bot.storage.sqlite.commits import SharedFile
from bot.storage.sqlite.members import commit_counter, counter_after
from bot.zones import day_offsets

if TYPE_CHECKING:  # opening the store's file needs no content merging
    from bot.content import EventContent

BUSY_TIMEOUT_MS = 10_000
WAL_KEPT_BYTES = 16 * 1024 * 1024  # (`configure`)
# How long writers wait while a checkpoint begins the write-ahead log again for the reads
# of other connections under way (`Session.checkpoint`).
RESTART_WAIT_MS = 500
# How long after a change of a watched folder its files are still checked at every write
# transaction (`WriteHealth`): longer than any file system's clock tick.
FOLDER_SETTLED_NS = 1_000_000_000
log = logging.getLogger(__name__)

# An event's summary (`summary_of`), the columns every lookup of one reads.
SUMMARY = "id, title, starts_at, slug, archived, created_at"
# The events with what their pages say at length, kept beside them (migration 37), as the
# row PostgreSQL has: a FROM source, named `events`.
EVENTS_WITH_TEXTS = (
    "(SELECT events.*, coalesce(t.description, '') AS description,"
    " coalesce(t.recap_summary, '') AS recap_summary,"
    " coalesce(t.access_notes, '[]') AS access_notes"
    " FROM events LEFT JOIN event_texts t ON t.event_id = events.id) AS events")


# How far a zone can be behind UTC, in seconds: an all-day event begins at most this long
# after midnight UTC of its date.
WESTMOST = 12 * 3600
# How far a zone can be ahead of UTC (Kiritimati, UTC+14): an all-day event begins at
# most this long before midnight UTC of its date.
EASTMOST = 14 * 3600


def summary_columns(table: str) -> str:
    """SUMMARY for a qualified table (`summary_columns("e")` -> e.id, e.title, ...)."""
    return ", ".join(f"{table}.{column.strip()}" for column in SUMMARY.split(","))


def start_moment(table: str | None = None) -> str:
    """When an event begins (`bot.models.Event.start_moment`): its start, an all-day
    event's at the server's midnight. The one SQL spelling of that rule, for both backends;
    `table` qualifies the columns (`start_moment("e")` -> (e.starts_at - e.start_offset))."""
    of = f"{table}." if table else ""
    return f"({of}starts_at - {of}start_offset)"


def over_at(table: str | None = None) -> str:
    """When an event is over (`bot.models.Event.over_at`): its end, else its start, an
    all-day event's in the server's zone. The one SQL spelling of that rule, for both
    backends; every query about "over" or "ended" uses it."""
    of = f"{table}." if table else ""
    return f"coalesce({of}ends_at - {of}end_offset, {start_moment(table)})"


OVER_AT = over_at()


def utcnow() -> datetime:
    return datetime.now(UTC)


def ts(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def moment(value: int) -> datetime:
    """A `ts` value read back, never NULL."""
    return datetime.fromtimestamp(value, UTC)


def joined_ids(ids: Sequence[int]) -> str:
    """Ids in one TEXT column (comma-separated), read back by `split_ids`."""
    return ",".join(str(i) for i in ids)


def split_ids(text: str) -> tuple[int, ...]:
    return tuple(int(i) for i in text.split(",") if i)


class Columns(Protocol):
    """A result row read by column name: sqlite3's, or asyncpg's."""

    def __getitem__(self, column: str) -> Any: ...


# The highest event id ever given (a purge records the highest it removed): ids are
# never given again, so a deleted or purged event's old buttons and cached waitlist
# positions cannot reach a new event.
PURGED_IDS_KEY = "highest_purged_event_id"
HIGHEST_EVENT_ID = ("SELECT coalesce(max(m), 0) FROM (SELECT max(id) AS m FROM events"
                    " UNION ALL SELECT max(id) FROM deleted_events UNION ALL"
                    f" SELECT CAST(value AS INTEGER) FROM meta WHERE key = '{PURGED_IDS_KEY}')")

# What `offsets_to_change` reads of an event: its dates and the offsets stored with them.
DAY_COLUMNS = "id, starts_at, ends_at, all_day, start_offset, end_offset"


def offsets_to_change(zone: str | None, rows: Iterable[Columns]) -> list[tuple[int, int, int]]:
    """(start offset, end offset, id) of each event among `rows` (DAY_COLUMNS, either
    backend's) whose stored offsets are not those of the server's `zone` (`day_offsets`)."""
    changed = []
    for row in rows:
        offsets = day_offsets(zone, dt(row["starts_at"]), dt(row["ends_at"]),
                              bool(row["all_day"]))
        if offsets != (row["start_offset"], row["end_offset"]):
            changed.append((*offsets, row["id"]))
    return changed


def summary_of(row: Columns) -> EventSummary:
    """An event's summary from a row holding the SUMMARY columns (either backend's)."""
    return EventSummary(row["id"], row["title"], dt(row["starts_at"]), row["slug"],
                        bool(row["archived"]), dt(row["created_at"]))


# What members hear of when it changes (`edit_event`, an import into an event): its start
# (with whether it is all day), its venue and its title.
DateAndVenue = tuple[tuple[datetime | None, bool], str | None, str]
# The columns `changed_to` reads.
CHANGED_COLUMNS = "starts_at, ends_at, all_day, venue, title"


def date_and_venue(event: Event) -> DateAndVenue:
    return (event.starts_at, event.all_day), event.venue, event.title


def change_notices(moved: bool, venue_changed: bool, renamed_from: str | None,
                   to: ChangedTo, members: Iterable[Columns],
                   unsent: list[NoticePayload]) -> list[NoticePayload]:
    """A change's notices (either backend's): the channel's and a DM to each of `members`
    (user_id, seq), with the change notices nobody has sent yet folded in
    (`fold_unsent`)."""
    new: list[NoticePayload] = [
        ChangedPayload(moved, venue_changed, to, renamed_from=renamed_from), *(
            ChangedDmPayload(row["user_id"], moved, venue_changed, seq=row["seq"], to=to,
                             renamed_from=renamed_from)
            for row in members)]
    return fold_unsent(new, unsent)


def changed_to(row: Columns) -> ChangedTo:
    """What a change notice names, from the event's row (either backend's)."""
    return ChangedTo(dt(row["starts_at"]), dt(row["ends_at"]), bool(row["all_day"]),
                     row["venue"], row["title"])


def content_bytes(content: EventContent) -> int:
    """The UTF-8 bytes of an event's content as stored (`events.content_bytes`): what
    reading the event brings besides its own short fields. Both backends store it; the
    event loop reads an event only while it is small (`sqlite.store.LOOP_EVENT_BYTES`)."""
    texts = [content.description, content.recap_summary, json.dumps(content.access_notes)]
    texts += [text for person in content.people for text in (person.name, person.role,
                                                               person.bio)]
    texts += [text for point in content.takeaways for text in (point.heading, point.text)]
    return sum(len(text.encode()) for text in texts)


def page_hash(body: str) -> str:
    """A page's identity for re-imports: its text with whitespace runs made one space."""
    return hashlib.sha256(" ".join(body.split()).encode()).hexdigest()


PAGE_CACHE_KIB = 16 * 1024  # per connection; the bot has two


def connect(path: str | os.PathLike[str], *, read_only: bool = False,
            **options: Any) -> sqlite3.Connection:
    """A connection to the database file at `path`, whatever its name. SQLite reads some
    names as something else (":memory:" as a database in memory, one beginning "file:" as
    a URI, where "?" and "#" end the file's name), so it is given the URI of the file's
    absolute path, each such character escaped."""
    uri = Path(path).absolute().as_uri() + ("?mode=ro" if read_only else "")
    return sqlite3.connect(uri, uri=True, **options)


def configure(conn: sqlite3.Connection, *, wait: bool = True) -> None:
    """Durability and concurrency settings, applied to every connection.

    A connection that must never wait (`wait=False`: it runs on the event loop) gets
    no busy timeout, so a locked database fails at once, and leaves checkpoints to the
    connection that may wait.
    """
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS if wait else 0}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # WAL: a commit survives a process crash
    conn.execute("PRAGMA foreign_keys = ON")
    # 16 MiB of pages kept, not SQLite's 2: a large event's RSVPs stay in memory, so a
    # member's status on an event of 100,000 RSVPs reads no page from the file (a read
    # with the CPU's caches swept first, by hand: 81 µs at 2 MiB, 70 µs at 16 or 32).
    conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
    # What SQLite would otherwise put in temporary files (statement journals, sorts past
    # the cache, temporary tables) kept in memory: a host whose temporary folders cannot
    # be written (a read-only root file system, TMPDIR a folder that is gone) refused a
    # new database's start, blaming its file, and failed the deletion of a large event.
    conn.execute("PRAGMA temp_store = MEMORY")
    if not wait:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
    # The write-ahead log cut back to this size once a checkpoint has moved it all into the
    # database file: a read left open elsewhere (a sqlite3 shell, a backup) stops every
    # checkpoint and the log grows, 13 KB a join (5,000 joins: 68 MB); without a limit the
    # file kept that size until the bot stopped, well after the read ended.
    conn.execute(f"PRAGMA journal_size_limit = {WAL_KEPT_BYTES}")


class TooLongForTheLoop(Exception):
    """A read on the event loop's connection would exceed its row budget: run it on the
    database thread instead (what it fetched so far is kept for the next time)."""


def is_damaged(error: sqlite3.Error) -> bool:
    """Whether the file is no database, or a damaged one (the primary code under any
    extended one): a file to restore or move away, not a defect of the bot."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT)


def is_unwritable(error: sqlite3.Error) -> bool:
    """Whether a write failed in the file system (a full disk, a limit on file size, a
    failing disk): the primary code under any extended one. SQLite undid the transaction,
    so nothing of it was saved."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR)


def is_busy(error: sqlite3.OperationalError) -> bool:
    """Whether the database was busy (another connection's lock, or its recovery of the
    write-ahead log): the primary code under any extended one."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class WriteHealth:
    """Whether writes to the database are failing in the file system (a full disk), shared
    by a store's connections: the log says so once when they begin to fail and once when
    they succeed again, not with a traceback per request, and each request refused meanwhile
    is a DatabaseUnwritable its member is told of.

    It also watches the database's files (`watch`), which "cleaning up" a data folder may
    delete under the running bot; each stays open, and SQLite would go on using it:
    - the database file, deleted or replaced by another renamed over it: SQLite would go on
      committing to it, to be lost at the next start with every RSVP confirmed meanwhile;
    - its write-ahead log (`-wal`): every commit since the last checkpoint, those made
      before it was deleted too, is lost if the bot is killed (a stop moves them into the
      database file, but a crash or SIGKILL does not), and another process opening the
      database finds a log that lacks them;
    - its wal-index (`-shm`), which holds SQLite's locks between processes: another
      process using the database (a command, a second bot) makes a new one, and each
      then writes over the other's commits in the log.
    Once any of them has no name left, writes are refused: it cannot be given one again.
    The same once its name leads elsewhere or nowhere (the database file moved away, or
    moved and another put in its place): SQLite's log and wal-index stay under the old
    name, and the next start, on a new database there, dropped the log with every commit
    in it. The log is first copied into the moved file, which then holds all, and writes
    are taken again if the file is put back under its name. A database file that no name
    leads to any more leaves its log and wal-index beside whatever takes its place (a
    backup): those are removed, or the next start would apply them to that file
    (`_drop_stale`), which SQLite does not do for a file it sees moved.
    Deleting or renaming a file changes its folder's modification time, so `check_file`
    looks at the folder first (one fstat, as watching the database file alone cost) and
    at the three files only when the folder changed, or changed less than
    `FOLDER_SETTLED_NS` ago (a file system's clock may tick coarsely enough to give two
    changes one time). An fstat of each file on every write transaction made one join at a
    time through the store about 6% slower (`bench/rsvp.py`)."""

    __slots__ = ("_files", "_folders", "_folders_seen", "_gone", "_keys", "_log_to_save",
                 "_moved", "_shared", "locked", "path", "unwritable")

    def __init__(self) -> None:
        self.unwritable = Outage(log)  # writes failing in the file system
        # another connection holding the write lock past the bot's wait (`held`)
        self.locked = Outage(log)
        # (descriptor to fstat, its file's name, whether it is ours to close) per file
        self._files: list[tuple[int, str, bool]] = []
        self._shared: list[SharedFile] = []  # the database files watched
        self._folders: tuple[int, ...] = ()  # descriptors of the folders that hold them
        self._folders_seen: tuple[int, ...] = ()  # their modification times (ns), checked
        self.path = "the database"  # its file, once watched, as the log names it
        self._keys: dict[str, tuple[int, int]] = {}  # each file's (device, inode), by name
        self._gone = False
        self._moved = False  # gone as the database file moved away: it may be put back
        self._log_to_save = False  # a deleted write-ahead log not all copied in yet

    def watch(self, path: str | os.PathLike[str], database: str | None = None,
              index: int | None = None) -> None:
        """Watch the database file at `path` and, once it is in WAL mode, its write-ahead
        log beside `database` (its name as SQLite has it: links followed) and its
        wal-index through `index`, a descriptor of it (`commits.Commits.descriptor`) that
        stays the caller's: closing a descriptor of the wal-index would drop SQLite's locks
        on it. The database file's descriptor is shared by the watches of one file in one
        process (`commits.SharedFile`) for the same reason."""
        self.path = os.fspath(path)
        shared = SharedFile.of(self.path)
        self._shared.append(shared)
        self._files.append((shared.fd, self.path, False))
        if database is not None:
            wal = f"{database}-wal"  # SQLite takes no lock on it: ours to open and close
            with suppress(FileNotFoundError):
                self._files.append((os.open(wal, os.O_RDONLY | os.O_CLOEXEC), wal, True))
            if index is not None:
                self._files.append((index, f"{database}-shm", False))
        folders = {os.path.dirname(os.path.realpath(path))}
        if database is not None:
            folders.add(os.path.dirname(os.path.realpath(database)))
        self._folders = tuple(os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
                              for folder in sorted(folders))
        self._folders_seen = ()
        for fd, name, _owned in self._files:
            status = os.fstat(fd)
            self._keys[name] = (status.st_dev, status.st_ino)

    def check_file(self, conn: sqlite3.Connection) -> None:
        """Raise DatabaseGone if the database file, its write-ahead log or its wal-index
        no longer has a name (no link left). `conn`, the connection about to write, moves
        what a deleted log holds into the database file (`_save_log`)."""
        if not self._gone:
            if self._folders_unchanged():
                return
            for fd, name, _owned in self._files:
                if (deleted := os.fstat(fd).st_nlink == 0) or not self._named(name):
                    self._gone = True
                    self._say_gone(name, deleted, conn)
                    break
            else:
                return
        elif self._moved and all(self._named(name) for _fd, name, _owned in self._files):
            self._gone = self._moved = False
            log.warning("the database file %s is back under its name: writes are taken "
                        "again", self.path)
            return
        elif self._log_to_save and self._save_log(conn):
            log.warning("what the write-ahead log held is now in the database file")
        raise DatabaseGone()

    def _named(self, name: str) -> bool:
        """Whether `name` still leads to the watched file of that name, or cannot be
        looked up (a folder made unreadable: SQLite's descriptors still work)."""
        try:
            status = os.stat(name)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError:
            return True
        return (status.st_dev, status.st_ino) == self._keys.get(name)

    def _drop_stale(self) -> list[str]:
        """Remove the write-ahead log and the wal-index of a database file no name leads
        to, where their names still lead to them: the names it removed. The next process
        to open the database would take them for those of the file now under its name."""
        dropped = []
        for name, key in self._keys.items():
            with suppress(OSError):
                status = os.stat(name)
                if name != self.path and (status.st_dev, status.st_ino) == key:
                    os.unlink(name)
                    dropped.append(name)
        return dropped

    def _folders_unchanged(self) -> bool:
        """Whether no file of the watched folders can have been deleted or renamed since
        the last check that looked at the files: their modification times are as then, and
        older than FOLDER_SETTLED_NS."""
        folders = self._folders
        if not folders:  # nothing watched
            return True
        fstat = os.fstat
        seen = ((fstat(folders[0]).st_mtime_ns,) if len(folders) == 1  # (most of the time)
                else tuple([fstat(fd).st_mtime_ns for fd in folders]))
        if seen == self._folders_seen and time.time_ns() - max(seen) > FOLDER_SETTLED_NS:
            return True
        self._folders_seen = seen
        return False

    def _save_log(self, conn: sqlite3.Connection) -> bool:
        """Copy the deleted write-ahead log, open still, into the database file, which has
        its name: the commits it holds then outlive a crash. Whether it is all copied (a
        checkpoint under way on another connection leaves it to the next try)."""
        try:
            busy, frames, moved = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:
            return False
        self._log_to_save = bool(busy) or frames != moved
        if not self._log_to_save and self._moved:
            self._empty_log(conn)
        return not self._log_to_save

    @staticmethod
    def _empty_log(conn: sqlite3.Connection) -> None:
        """Empty the write-ahead log of a database file moved away, all in that file now:
        left under the old name with its pages, a backup put there was opened, once the
        bot was gone (killed), with the old file's pages laid over it. Emptied, it is
        still the log the moved file takes up again if put back. Without waiting: a reader
        of another process on an older snapshot leaves it as it is (it is all copied)."""
        waited = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        try:
            conn.execute("PRAGMA busy_timeout = 0")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error:
            pass
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(waited)}")

    def _say_gone(self, name: str, deleted: bool, conn: sqlite3.Connection) -> None:
        if name == self.path and deleted:
            dropped = self._drop_stale()
            log.error("the database file %s was deleted or replaced while the bot ran: "
                      "writes are refused, since they would be lost at the next start%s; "
                      "stop the bot and put back the file, or a backup of it", name,
                      f" (its {' and '.join(dropped)} removed)" if dropped else "")
        elif name == self.path:
            self._moved = True
            self._log_to_save = True
            saved = ("what the bot wrote is all in it" if self._save_log(conn)
                     else "what the bot wrote is not all in it yet")
            if not self._log_to_save and os.path.exists(name):  # another file took its name
                self._drop_stale()
            log.error("the database file %s was moved or renamed while the bot ran (the "
                      "file the bot has open is no longer under that name; %s): writes "
                      "are refused, since the next start would not find them; put the "
                      "file back under that name to go on", name, saved)
        elif name.endswith("-wal"):
            self._log_to_save = True
            saved = ("what it held is moved into the database file" if self._save_log(conn)
                     else "what it held is not all in the database file yet")
            log.error("the database's write-ahead log %s was deleted or moved while the "
                      "bot ran: %s, and writes are refused, since the next ones would be "
                      "lost if the bot were killed; stop the bot cleanly (SIGTERM, Ctrl-C), "
                      "which moves the rest", name, saved)
        else:  # (the log is not copied then: another process may have written over it)
            log.error("the database's wal-index %s was deleted or moved while the bot ran: "
                      "writes are refused, since another process using the database could "
                      "write over them; stop the bot and every other process using the "
                      "database", name)

    def close(self) -> None:
        """Stop watching, once the store's connections are closed. A database file moved
        away, and all in it, leaves its log and wal-index to no one (SQLite skips its
        last checkpoint of a moved file, and their removal): they are removed (see the
        class)."""
        if self.path in self._keys and not self._log_to_save and not self._named(self.path):
            self._drop_stale()
        for fd, _name, owned in self._files:
            if owned:
                os.close(fd)
        for shared in self._shared:
            shared.release()
        for fd in self._folders:
            os.close(fd)
        self._files, self._folders, self._shared, self._keys = [], (), [], {}

    def failed(self, error: sqlite3.Error) -> DatabaseUnwritable:
        self.unwritable.began(None, "the database could not be written (%s): its disk may "
                              "be full or failing; requests that write are refused until "
                              "it can be", error)
        return DatabaseUnwritable()

    def succeeded(self) -> None:
        self.unwritable.ended("the database can be written again")

    def held(self, error: sqlite3.Error) -> None:
        """Another connection (a sqlite3 shell's open transaction, a backup tool, another
        process) held the write lock past the bot's wait: said once while it lasts, however
        many requests it refuses meanwhile, and once that a write went through (`freed`)."""
        self.locked.began(None, "the database %s stayed locked by another connection past "
                          "the bot's wait (%s): requests that write are refused as busy "
                          "until it lets go; look for a sqlite3 shell or a tool with a "
                          "transaction open on it", self.path, error)

    def freed(self) -> None:
        self.locked.ended("the database is no longer locked by another connection: "
                          "requests that write are answered again")


class Session:
    """A connection, the registration rules' clock, and the state its repositories share."""

    def __init__(self, conn: sqlite3.Connection, clock: Callable[[], datetime] = utcnow,
                 trusted: Callable[[], datetime] | None = None) -> None:
        conn.row_factory = sqlite3.Row
        conn.isolation_level = None  # transactions are explicit
        self.conn = conn
        # One cursor, reused, for the statements every join and transaction runs (each
        # read to its end before the next): `conn.execute` makes and frees a cursor per
        # statement. Its rows are plain tuples, not rows by name.
        self.plain = conn.cursor()
        self.plain.row_factory = None
        self.clock = clock  # the registration rules' "now"; tests move it
        # "Now" for what cannot be undone, judged by whether an event has taken place (a
        # deleted event's members told it is cancelled, a removed member told, a freed seat
        # given to the waitlist, an archive refused): the running bot's wall clock as far
        # as it is trusted (`bot.clock`), so that a step ahead of it, set right minutes
        # later, leaves nobody untold of what is still to come. The clock where none is given.
        self.trusted = trusted or clock
        self.notices_written = 0  # outbox rows written, so the bot knows when to look
        self.writes = WriteHealth()  # a store shares one between its connections
        # event id -> (waitlist_departures when built, waitlisted seqs in order)
        self.waitlists: dict[int, tuple[int, array[int]]] = {}
        # events whose `waitlist_departures` the open transaction changed
        self.departed: set[int] = set()
        # Rows one unit of work (a transaction, or a read answered on the event loop) may
        # fetch beyond its fixed few (None: no limit); the event loop's connection sets
        # it, so its work per turn stays bounded (see TooLongForTheLoop).
        self.row_budget: int | None = None
        self.rows_left: int | None = None  # of the unit under way
        # Told, after each commit of a transaction that changed rows and took the
        # commit counter one further, the wal-index header as that transaction saw it
        # before committing (`header`, None: not to be trusted): the store keeps a ledger
        # of its own commits (`members.Ledger`).
        self.committed: Callable[[bytes], None] | None = None
        self.header: Callable[[], bytes | None] = lambda: None
        # Whether such a transaction also writes COMMIT_STAMP, so that its commit surely
        # takes the counter one further and is known as its own even when another
        # connection of this process commits before its header is read after it (`Ledger`)
        self.stamped = False
        # what `checkpoint` knows of the log: the frames its last checkpoint had moved, and
        # the size past which it tries again to begin the log anew
        self._moved = self._restart_from = 0

    def new_unit(self) -> None:
        """A unit of work begins: it gets the whole row budget."""
        self.rows_left = self.row_budget

    def spend_rows(self, count: int) -> None:
        """Count `count` rows against the unit's budget; raises TooLongForTheLoop past it."""
        left = self.rows_left
        if left is not None:
            if count > left:
                raise TooLongForTheLoop(f"{count:,} rows are more than the loop reads at once")
            self.rows_left = left - count

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that see one state of the database, whatever other connections commit
        meanwhile: a read transaction (under WAL it holds up no writer). Inside a
        transaction already, that one is the snapshot."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")  # nothing written: only the snapshot ends

    def lock_wait(self) -> int:
        """How long, in milliseconds, the connection waits for another's lock."""
        return int(self.conn.execute("PRAGMA busy_timeout").fetchone()[0])

    def wait_for_locks(self, ms: int) -> None:
        """Wait up to `ms` milliseconds for another connection's lock (0: try once)."""
        self.conn.execute(f"PRAGMA busy_timeout = {int(ms)}")

    def forget(self) -> None:
        """Drop SQLite's cached pages of this connection (outside a transaction, all of
        them) and the waitlists' copies: what is read next is read from the file."""
        self.conn.execute("PRAGMA shrink_memory")
        self.waitlists.clear()

    def close(self) -> None:
        self.conn.close()

    def checkpoint(self) -> int | None:
        """Move the write-ahead log into the database file, without waiting for readers:
        the bytes of it left to move (a read another connection keeps open holds them), or
        None when another connection was checkpointing it (not known).

        SQLite begins the log again (writes from its start, cut back to WAL_KEPT_BYTES)
        only once it is all moved and no read uses it. Reads of other connections that
        keep overlapping (a dashboard, a tool polling the file), none of them long, leave
        no such moment: each checkpoint moved nearly all, yet the log grew with every
        change (930 MB after 100,000 joins and leaves). So a log past WAL_KEPT_BYTES whose
        checkpoints still move on (the reads under way end) is begun again here: writers
        wait, RESTART_WAIT_MS at most, for the reads under way, which the new ones do not
        need. A try that the reads outlast is tried again only once the log has doubled,
        so reads longer than that cost writers a wait per doubling, not per checkpoint.
        One read that stays (a sqlite3 shell's `BEGIN`) holds every checkpoint at its
        frame: that waits for nobody, and its log is reported (`SqliteStore._checkpoint`)."""
        busy, frames, moved = self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if busy:  # (then -1, -1, as when not in WAL mode)
            return None
        page = int(self.conn.execute("PRAGMA page_size").fetchone()[0])
        moved_before, self._moved = self._moved, moved
        size = frames * page
        if size > max(WAL_KEPT_BYTES, self._restart_from) and moved > moved_before:
            waits = self.lock_wait()
            self.wait_for_locks(RESTART_WAIT_MS)
            try:
                busy, frames, moved = self.conn.execute(
                    "PRAGMA wal_checkpoint(RESTART)").fetchone()
            finally:
                self.wait_for_locks(waits)
            if busy:
                self._restart_from = 2 * size
            else:  # the next write begins the log again
                self._moved = self._restart_from = 0
        if frames <= moved:
            return 0
        return (frames - moved) * page


# Written by a transaction of a stamped session (`Session.stamped`) that changed rows: one
# page surely written, so its commit surely moves the commit counter.
COMMIT_STAMP = ("INSERT INTO meta (key, value) VALUES ('commit_stamp', 1)"
                " ON CONFLICT (key) DO UPDATE SET value = value + 1")


class StampRefused(sqlite3.DatabaseError):
    """The page of COMMIT_STAMP is damaged: the transaction is undone (damage found in a
    write leaves SQLite's transaction unable to commit), for its caller to make again
    unstamped (`SqliteStore._committing`) rather than refuse a write of other pages."""


def _stamp(session: Session) -> None:
    """Write COMMIT_STAMP in the session's open transaction."""
    try:
        session.plain.execute(COMMIT_STAMP)
    except sqlite3.DatabaseError as refused:
        if is_damaged(refused):
            raise StampRefused(*refused.args) from refused
        raise


def _its_commit(before: bytes, after: bytes, stamped: bool) -> bool:
    """Whether the commit a transaction made from the header `before` took the counter
    `counter_after(before)`, the header being `after` once it committed. Nobody else
    commits while it holds the write lock, so its commit, if it made one, is the next.
    Without a stamp it may have made none: a transaction whose rows changed only to what
    they held (an UPDATE writing a row as it was) writes no page and commits nothing, so
    only a counter exactly one further is known to be its, and the next commit, another's,
    is never entered as its. A stamped one surely committed: later commits may have come
    before `after` was read (the event loop's joins, between its COMMIT and this)."""
    if commit_counter(after) == counter_after(before):
        return True
    return stamped and commit_counter(after) != commit_counter(before)


class Transaction:
    """One `BEGIN IMMEDIATE` ... `COMMIT`, rolled back if anything in it raises. A class
    rather than a generator-based context manager: every join runs one, and contextlib's
    machinery cost it more than a microsecond."""

    __slots__ = ("_rows_changed", "_session")

    def __init__(self, session: Session) -> None:
        self._session = session

    def __enter__(self) -> sqlite3.Connection:
        session = self._session
        session.new_unit()
        session.writes.check_file(session.conn)
        session.plain.execute("BEGIN IMMEDIATE")
        self._rows_changed = session.conn.total_changes  # before it, to tell whether it wrote
        return session.conn

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: object) -> None:
        session = self._session
        try:
            if exc_type is None:
                # the header as of the commit before this one: nobody else commits while
                # this transaction holds the write lock
                before = None
                try:
                    if (session.committed is not None
                            and session.conn.total_changes != self._rows_changed):
                        if session.stamped:
                            _stamp(session)
                        before = session.header()
                    session.plain.execute("COMMIT")
                except BaseException as failed:
                    self._void()
                    if isinstance(failed, sqlite3.Error) and is_unwritable(failed):
                        raise session.writes.failed(failed) from failed
                    raise
                writes = session.writes
                if writes.unwritable.lasting:
                    writes.succeeded()
                if writes.locked.lasting:
                    writes.freed()
                if before is not None and session.committed is not None and (
                        (after := session.header()) is not None
                        and _its_commit(before, after, session.stamped)):
                    session.committed(before)
                return
            self._void()
            # A full disk is no defect: the member is told, nothing was saved (see above).
            if isinstance(exc, sqlite3.Error) and is_unwritable(exc):
                raise session.writes.failed(exc) from exc
        finally:
            session.departed.clear()

    def _void(self) -> None:
        """Undo what the transaction did, in the database and in what the session keeps."""
        session = self._session
        if session.conn.in_transaction:
            session.conn.execute("ROLLBACK")
        # positions read after those departures were counted under a count now void
        for event_id in session.departed:
            session.waitlists.pop(event_id, None)


class Repository:
    """Base of the SQLite repositories: SQL helpers over the session's connection."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._conn = session.conn

    def _clock(self) -> datetime:
        return self._session.clock()

    def _trusted(self) -> datetime:
        return self._session.trusted()

    def _transaction(self) -> Transaction:
        """`with self._transaction() as db:` one write transaction (`Transaction`)."""
        return Transaction(self._session)

    def _one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        return self._conn.execute(sql, params).fetchone()

    def _row(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row:
        """The one row a query always returns (an aggregate, a row known to exist)."""
        row = self._one(sql, params)
        if row is None:
            raise LookupError(f"no row for {sql!r}")
        return row

    def _all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, params).fetchall()

    def _budgeted(self, sql: str, params: Sequence[Any] = (), weight: int = 1
                  ) -> list[sqlite3.Row]:
        """All the rows of `sql` (which has no LIMIT), spent from the unit's row budget,
        each as `weight` rows (what it costs to read and build, against a bare number's):
        on the event loop's connection, one row more than is left raises TooLongForTheLoop
        before the rest are read."""
        left = self._session.rows_left
        if left is None:
            return self._all(sql, params)
        rows = self._all(f"{sql} LIMIT ?", (*params, left // weight + 1))
        self._session.spend_rows(len(rows) * weight)
        return rows
