"""The SQLite store: one database thread that owns the connection, and the join batcher.

Every repository call runs through `run` as ONE call on the database thread, so it is
atomic with respect to every other operation on the connection and costs one thread
hop whatever its number of statements. Joins go through `join` (`joins.JoinBatcher`).

The cheap reads members make all the time (an event, its summary, the default event,
a member's RSVP) are answered on the event loop instead, through the loop's connection
that never waits (`_loop_reads`): a few indexed lookups, no thread hop, so they don't
queue behind other work on the database thread. An event is cached, and the cache
dropped whenever another connection (the database thread, another process) has
committed, which `PRAGMA data_version`, read right after the seat counts, tells every
time. While nobody at all has committed since an event's seat counts or a member's RSVP
were read, which the wal-index header tells without a statement (`commits.Commits`),
the same answer is given again without reading. An event many members ask about has its
whole membership kept in memory (`members`), which outlasts the store's own commits that
leave it as it was or whose joins it learns. A read that finds the database busy, or
that would fetch too many rows to catch a cache up, runs on the database thread as
before.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import sqlite3
import time
from collections.abc import AsyncGenerator, Callable, Hashable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

from bot.errors import DatabaseBusy, DatabaseUnreadable, EventNotFound, Unavailable
from bot.logs import Outage
from bot.models import Event, EventSummary, Joined, Rsvp
from bot.storage.sqlite import session as sqlite_session
from bot.storage.sqlite.commits import Commits
from bot.storage.sqlite.files import (
    backup_to,
    check_not_a_uri_once,
    check_not_too_short,
    check_ours,
    check_writable,
    create_private,
    open_error,
)
from bot.storage.sqlite.joins import JoinBatcher, JoinResults, shutting_down
from bot.storage.sqlite.members import (
    CHUNK,
    KEPT_MEMBERS,
    Membership,
    Memberships,
    commit_counter,
    counter_after,
)
from bot.storage.sqlite.registrations import (
    ATTENDEE_ROWS,
    ATTENDEES,
    AttendeeRows,
    JoinRequest,
)
from bot.storage.sqlite.repositories import SqliteRepositories
from bot.storage.sqlite.session import (
    TooLongForTheLoop,
    configure,
    connect,
    is_busy,
    is_damaged,
    is_unwritable,
    utcnow,
)
from bot.storage.sqlite.thread import DatabaseThread
from bot.tasks import stop_task

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger(__name__)
# Rows one unit of work on the event loop may fetch: a quarter of a millisecond of a
# waitlist's (a person or a takeaway costs ROW_WEIGHT of them), so that a read there
# never holds up the others long.
LOOP_ROW_BUDGET = 1000
CACHED_EVENTS = 256  # events kept (what they say; seat counts read again after a commit)
# Characters of text the events kept hold together (`Event.text_size`): 256 events of
# pages near the 2 MB limit held about 450 MB until the next commit.
CACHED_EVENT_TEXT = 8_000_000
CACHED_ANSWERS = 10_000  # members' RSVPs kept while nobody commits
# An event whose content is larger is read on the database thread (the bundled sample,
# 9 KB, takes 0.1 ms on the loop; 2 MB took 4-6 ms), then kept for the loop's next reads
# like any other.
LOOP_EVENT_BYTES = 16 * 1024
# Reads refused for damage or a failing disk that are remembered while it lasts, the
# latest ones: one of them answered when asked again ends it (`SqliteStore._refuse`).
REFUSED_READS = 64
# A call that waited longer than this on the database thread's queue waits for another
# process's lock only for what is left of BUSY_TIMEOUT_MS (`SqliteStore._in_time`).
QUEUED_FREELY = 0.5
# How long a write waits for the lock while another process holds it past the bot's wait.
LOCKED_WAIT_MS = 100
# How much a write-ahead log past WAL_KEPT_BYTES grows between the checkpoints that calls
# on the database thread ask for (`SqliteStore._watch_log`): SQLite's own automatic
# checkpoint comes every 1,000 pages.
CHECKPOINT_BYTES = 4 * 1024 * 1024
EXPORT_CACHE_KIB = 2 * 1024  # pages an RSVP export's connection keeps (`_read_attendees`)


class SqliteStore:
    def __init__(self, thread: DatabaseThread, repos: SqliteRepositories,
                 loop_repos: SqliteRepositories, commits: Commits, path: Path) -> None:
        self._thread = thread  # the database thread
        self._path = path  # the database file, absolute: exports open it again
        self._closed = False
        self._closer: asyncio.Task[None] | None = None  # the close under way, once asked for
        self._repos = repos  # used only on the database thread, through `run`
        self._loop_repos = loop_repos  # used only on the event loop, for joins; never waits
        # Per concern, to pass to `run`: `await store.run(store.registrations.cancel, ...)`.
        self.events = repos.events
        self.search = repos.search
        self.registrations = repos.registrations
        self.notices = repos.notices
        self.settings = repos.settings
        self.reminders = repos.reminders
        self.schema = repos.schema
        self._joins = JoinBatcher(self._join_on_loop, self._join_on_thread,
                                  self._checkpoint, self._signal_notices)
        # Set when an operation of this process wrote notices to the outbox.
        self.notices_ready = asyncio.Event()
        self._notices_seen = 0
        loop_repos.session.row_budget = LOOP_ROW_BUDGET
        loop_repos.session.writes = repos.session.writes  # one line in the log, not two
        loop_repos.registrations.keep_join_targets()  # it writes nothing but joins
        # the wal-index header each transaction sees before it commits (`members.Ledger`)
        repos.session.header = loop_repos.session.header = commits.mark
        # the thread's commits are entered even when the loop's joins commit right after
        # them, as they do while members join a busy event; the loop's own are entered when
        # no commit came between (a stamp is a page more to write, for every join)
        repos.session.stamped = True
        loop_repos.session.committed = self._joins_committed
        loop_repos.registrations.members_now = self._members_now
        loop_repos.registrations.only_ours_since = self._only_ours_since
        self._last_join: int | None = None  # the commit counter of the loop's last commit
        # The reads answered on the event loop, by the database-thread call they stand for.
        self._loop_reads: dict[Callable[..., Any], Callable[..., Any]] = {
            repos.events.get_event: self._event_on_loop,
            repos.events.summary: loop_repos.events.summary,
            repos.events.default_event_id: loop_repos.events.default_event_id,
            repos.events.has_events: loop_repos.events.has_events,
            repos.registrations.member_rsvp: self._member_rsvp_on_loop,
        }
        # Database-thread calls that write neither RSVPs nor events, made all the time:
        # memberships kept (`_members`) outlast them (`_ledgered`).
        self._writes_of_no_membership = frozenset((
            repos.settings.record_member_locales, repos.settings.forget_member_locales,
            repos.settings.set_meta,
            # (the RSVPs it deletes are of events no longer there)
            repos.settings.purge_leftovers,
            repos.notices.claim_notices, repos.notices.ack_notice,
            repos.notices.release_notices))
        # (guild id, event id) -> the event, valid while `_data_version` is unchanged
        self._events: dict[tuple[int, int], Event] = {}
        self._event_sizes: dict[tuple[int, int], int] = {}  # their `Event.text_size`
        self._event_text = 0  # its sum
        self._data_version: int | None = None
        # Answers that hold while the wal-index header is still `_mark` (nobody has
        # committed since): the events whose `_events` entry, seat counts included, was
        # read at it, and members' RSVPs, (guild id, event id, user id) -> the answer.
        self._commits = commits
        self._mark: bytes | None = None
        self._counted: set[tuple[int, int]] = set()
        self._answers: dict[tuple[int, int, int], tuple[EventSummary, Rsvp | None]] = {}
        # Whole memberships of events many members ask about, and the read of one under way.
        self._members = Memberships()
        self._members_read: asyncio.Task[None] | None = None
        # Reads refused because the file is damaged or its disk fails (`_refuse`), and
        # those refused meanwhile, as `_read_key` has them, the latest last, each with the
        # count of `_thread_forgets` a database-thread answer of it must come after
        self._unreadable_now = Outage(log)
        self._refused_reads: dict[Hashable, int] = {}
        self._thread_forgets = 0  # times the database thread was asked to forget its reads
        self._log_held = Outage(log)  # checkpoints held back by another connection's read
        self._log_looked_at = 0  # the log's bytes when `_watch_log` last asked a checkpoint

    @classmethod
    async def open(cls, path: str | Path, *,
                   clock: Callable[[], datetime] = utcnow,
                   trusted: Callable[[], datetime] | None = None) -> SqliteStore:
        """Open (or create) the database and bring its schema up to date; `clock` is the
        registration rules' "now", which tests move, and `trusted` the "now" of what cannot
        be undone (`Session.trusted`). A file that cannot be used raises Unavailable saying
        which file and what to do."""
        path = Path(path)
        check_not_a_uri_once(path)
        loop_conn = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            check_writable(path)
            check_not_too_short(path)
            create_private(path)
            # Read the file here first: a damaged or unusable one fails in this thread,
            # before the database thread exists.
            loop_conn = connect(path, isolation_level=None)
            check_ours(loop_conn, path)  # before `configure` writes to it (WAL mode)
            configure(loop_conn)
        except (OSError, sqlite3.Error, Unavailable) as exc:
            if loop_conn is not None:
                loop_conn.close()
            if isinstance(exc, Unavailable):  # said already (`check_ours`, `check_writable`)
                raise
            raise open_error(path, exc) from None
        thread = DatabaseThread()

        def migrated() -> SqliteRepositories:  # on the database thread, which owns it
            conn = connect(path, isolation_level=None)
            try:
                configure(conn)
                repos = SqliteRepositories(conn, clock, trusted)
                repos.migrate(thread.stopping)
            except BaseException:
                conn.close()
                raise
            return repos

        try:
            repos = await thread.call(migrated)
            configure(loop_conn, wait=False)
            # after both connections have opened the database in WAL mode: its wal-index
            commits = Commits.of(loop_conn)
            repos.session.writes.watch(path, commits.database, commits.descriptor())
            return cls(thread, repos, SqliteRepositories(loop_conn, clock, trusted), commits,
                       path.absolute())
        except BaseException as exc:
            loop_conn.close()
            thread.stop()
            if isinstance(exc, sqlite3.Error):
                raise open_error(path, exc) from None
            raise

    async def close(self) -> None:
        """Commit the joins already asked for, give back the notices claimed but not
        delivered, then close; later joins are refused. A close that is cancelled goes on
        to the end; closing again waits for it."""
        if self._closer is None:
            self._closer = asyncio.create_task(self._close(), name="store-close")
        await asyncio.shield(self._closer)

    async def _close(self) -> None:
        await self._joins.close()
        if self._members_read is not None:
            await stop_task(self._members_read)
        try:
            await self.run(self.notices.release_notices)
        except Unavailable as exc:  # a known state (busy, a full disk): one line
            log.warning("could not release the claimed notices (%s); they are handed out "
                        "again when their claims expire", exc)
        except sqlite3.Error:  # handed out again when the claims expire
            log.exception("could not release the claimed notices")
        self._closed = True  # no read on the loop's connection from here
        self._loop_repos.session.close()
        await self._thread.call(self._repos.session.close)
        self._thread.stop()
        self._commits.close()  # after the connections: see `Commits`
        self._repos.session.writes.close()

    async def __aenter__(self) -> SqliteStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a repository call as one unit: on the event loop for the cheap reads of
        `_loop_reads` when the database lets it at once, else on the database thread. A
        damaged database, or one whose disk fails a read, raises DatabaseUnreadable
        (`_refuse`)."""
        if self._closed:
            raise shutting_down()
        on_loop = self._loop_reads.get(fn)
        too_long_at = None  # the data_version a read too long for the loop was asked at
        if on_loop is not None:
            self._loop_repos.session.new_unit()
            try:
                result = on_loop(*args, **kwargs)  # never waits: a busy database raises
            except TooLongForTheLoop:
                too_long_at = self._data_version
            except sqlite3.DatabaseError as exc:
                if not (isinstance(exc, sqlite3.OperationalError) and is_busy(exc)):
                    self._refuse(exc, [_read_key(fn, args, kwargs)])
            else:
                if self._refused_reads:
                    self._answered([_read_key(fn, args, kwargs)], None)
                return result
        asked_after = self._thread_forgets
        call = functools.partial(fn, *args, **kwargs)
        try:
            result = await self._on_thread(functools.partial(self._ledgered, call)
                                           if fn in self._writes_of_no_membership else call)
        except sqlite3.DatabaseError as exc:
            self._refuse(exc, [_read_key(fn, args, kwargs)])
        if self._refused_reads:
            self._answered([_read_key(fn, args, kwargs)], asked_after)
        if (isinstance(result, Event) and too_long_at is not None
                and too_long_at == self._data_version):
            # An event too large to read on the loop, read whole here, is kept for the
            # loop's next reads unless another commit was seen meanwhile (one after the
            # read drops it at the next loop read, as any).
            self._keep_event(result)
        return result

    async def _on_thread(self, call: Callable[[], T], asked: float | None = None) -> T:
        """`call` on the database thread; a database another process holds past
        BUSY_TIMEOUT_MS from its asking (`asked`, time.monotonic(); now if None) raises
        DatabaseBusy (`_in_time`)."""
        try:
            return await self._thread.call(functools.partial(
                self._in_time, call, time.monotonic() if asked is None else asked))
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            # Another process held the database past BUSY_TIMEOUT_MS (a long write, or a
            # tool's open transaction); what was asked was rolled back whole.
            self._repos.session.writes.held(exc)
            raise DatabaseBusy() from exc
        finally:
            self._signal_notices()
            self._watch_log()

    def _watch_log(self) -> None:
        """After a call on the database thread: a write-ahead log past WAL_KEPT_BYTES that
        has grown by CHECKPOINT_BYTES since the last look gets a checkpoint of the bot's
        (`Session.checkpoint`), which can begin it again. The thread's connection
        checkpoints its own commits (SQLite's automatic checkpoint), but only moves the
        log: under reads of other connections that kept overlapping, a load of leaves and
        joins that went to the thread (the loop's connection busy) grew it to 370 MB in
        40,000 of them, never calling the bot's. Reading the log's size costs no
        statement (`Commits.log_bytes`)."""
        size = self._commits.log_bytes()
        if size is None:
            return
        if size < self._log_looked_at:  # begun again since
            self._log_looked_at = 0
        if (size > sqlite_session.WAL_KEPT_BYTES
                and size >= self._log_looked_at + CHECKPOINT_BYTES):
            self._log_looked_at = size
            self._joins.checkpoint()

    def _in_time(self, call: Callable[[], T], asked: float) -> T:
        """`call`, on the database thread, waiting for another process's lock only for
        what is left of BUSY_TIMEOUT_MS since it was `asked` (time.monotonic()). The calls
        queued behind one that waits for the lock would otherwise each wait the whole
        timeout in turn, after it: the tenth member asking while a backup or a sqlite3
        shell held the database for a minute was answered after 100 s, and a queue of
        a few hundred outlived the 15 minutes Discord keeps an interaction's token.

        Once a write has waited the whole timeout in vain, and until one goes through
        (`WriteHealth.locked`), each waits LOCKED_WAIT_MS at most: a request that reads,
        then writes, would otherwise wait a timeout for each (20 s for /manage delete)."""
        queued = time.monotonic() - asked
        session = self._repos.session
        locked = session.writes.locked.lasting
        if queued < QUEUED_FREELY and not locked:  # (nearly always)
            return call()
        waits = session.lock_wait()  # BUSY_TIMEOUT_MS, as `configure` set it
        left = waits - int(queued * 1000)
        session.wait_for_locks(max(0, min(left, LOCKED_WAIT_MS) if locked else left))
        try:  # (0: one try)
            return call()
        finally:
            session.wait_for_locks(waits)

    def _refuse(self, error: sqlite3.DatabaseError, reads: list[Hashable | None]) -> NoReturn:
        """Raise what a member is told of a read that failed: DatabaseUnreadable when it
        failed in the file (its pages damaged, its disk failing), the error itself for any
        other. The log says the file's once, naming the file and what to do, not with a
        traceback per request, and once that reads are answered again (`_answered`). (A
        write that fails so is DatabaseUnwritable already.)

        Other reads go on being answered meanwhile (damage is in some pages, not all), so
        that is not the sign of its end: `reads` are the keys of what was refused (one
        call's, or each member's join of a batch; None for one that has none), and one of
        them answered later is. Damage undone (the file restored under the bot, an index
        rebuilt), a disk that reads again: the log says reads are answered again, and a
        read refused after that is said anew.

        An answer is that sign only if it read the file. Each connection keeps the pages
        it read while no other commits (SQLite reads them again after another's commit,
        which damage written under it is not), and copies of some rows: either would
        answer from what it read before the damage. So both forget what they keep here,
        the event loop's at once, the database thread's as its next call (`_answered`
        counts only its calls asked for after that)."""
        damage = is_damaged(error)
        if not (damage or is_unwritable(error)):
            raise error
        self._forget_reads()
        refused = self._refused_reads
        for read in reads:
            if read is not None:
                refused.pop(read, None)
                refused[read] = self._thread_forgets
                if len(refused) > REFUSED_READS:
                    del refused[next(iter(refused))]
        path = self._repos.session.writes.path
        if damage:  # (warnings: a one-shot command's own line says it, see bot.__main__)
            self._unreadable_now.began(
                damage, "%s is damaged (%s): requests that read what is damaged are "
                "refused; stop the bot and restore the file from a backup", path, error)
        else:
            self._unreadable_now.began(
                damage, "%s could not be read (%s): its disk may be failing; requests that "
                "read it are refused until it can be", path, error)
        raise DatabaseUnreadable() from error

    def _forget_reads(self) -> None:
        """Both connections forget what they read (`SqliteRepositories.forget`): the event
        loop's now, with what the store keeps of its reads; the database thread's as its
        next call, counted in `_thread_forgets`."""
        if self._closed:  # (a call under way as the store closed)
            return
        self._loop_repos.forget()
        self._forget_events()
        self._answers.clear()
        self._members.clear()
        self._thread_forgets += 1
        self._thread.call(self._repos.forget).add_done_callback(_forgotten)

    def _answered(self, reads: list[Hashable | None], asked_after: int | None) -> None:
        """Reads were answered, on the event loop (`asked_after` None) or on the database
        thread, asked for after it had been told to forget `asked_after` times: if one of
        them was refused before (`_refuse`) and this answer read the file, the file
        reads again."""
        refused = self._refused_reads
        for read in reads:
            if read is None or (forgets := refused.get(read)) is None:
                continue
            if asked_after is None or asked_after >= forgets:
                refused.clear()
                self._unreadable_now.ended("%s can be read again: a request refused before "
                                           "was answered", self._repos.session.writes.path)
                return

    def _unchanged_since(self) -> bytes | None:
        """The wal-index mark now (None: unknown); what was kept at another is dropped."""
        mark = self._commits.mark()
        if mark != self._mark:
            self._counted.clear()
            self._answers.clear()
            self._mark = mark
        return mark

    def _event_on_loop(self, guild_id: int, event_id: int) -> Event:
        """`get_event` with its seat counts as they are now: as last read while nobody has
        committed since, else read now (`_read_event_on_loop`)."""
        key = (guild_id, event_id)
        mark = self._unchanged_since()
        if mark is not None and key in self._counted:
            return self._events[key]
        event = self._read_event_on_loop(guild_id, event_id)
        if mark is not None and self._commits.mark() == mark:  # read at that mark
            self._counted.add(key)
        return event

    def _member_rsvp_on_loop(self, guild_id: int, event_id: int, user_id: int
                             ) -> tuple[EventSummary, Rsvp | None]:
        """`member_rsvp`: as last read while nobody has committed since, or from the
        event's whole membership kept as it is now (`bot.storage.sqlite.members`), else
        read now."""
        key = (guild_id, event_id, user_id)
        mark = self._unchanged_since()
        registrations = self._loop_repos.registrations
        if mark is not None:
            if (kept := self._answers.get(key)) is not None:
                return kept
            members = self._members.at(event_id, mark)
            if members is not None and members.guild_id == guild_id:
                member = members.find(user_id)
                return members.summary, None if member is None else registrations.kept_rsvp(
                    event_id, user_id, member, members.departures)
        answer = registrations.member_rsvp(guild_id, event_id, user_id)
        if mark is not None and self._commits.mark() == mark:  # read at that mark
            if len(self._answers) >= CACHED_ANSWERS:
                self._answers.clear()
            self._answers[key] = answer
            if self._members.missed(event_id, mark):
                self._members_read = asyncio.get_running_loop().create_task(
                    self._read_members(guild_id, event_id), name="store-members")
        return answer

    def _ledgered(self, call: Callable[[], T]) -> T:
        """On the database thread: `call`, one that writes neither RSVPs nor events, its
        commits entered in the ledger of those that leave memberships as they were."""
        return self._committing(call, self._members.ledger.add)

    def _committing(self, call: Callable[[], T], committed: Callable[[bytes], None]) -> T:
        """On the database thread: `call`, each commit it makes told to `committed`
        (`Session.committed`). A commit stamp the file refuses (its page damaged) undoes
        the transaction, which is made once more unstamped: its commit is then told only
        when no other came before its header was read, as before stamps."""
        session = self._repos.session
        session.committed = committed
        try:
            try:
                return call()
            except sqlite_session.StampRefused as exc:
                log.debug("a write made again without its commit stamp: %s", exc)
                session.stamped = False
                try:
                    return call()
                finally:
                    session.stamped = True
        finally:
            session.committed = None

    def _members_now(self, event_id: int) -> Membership | None:
        """The event's membership, if one is kept that holds now (`Memberships.at`)."""
        if not self._members.kept:
            return None
        mark = self._commits.mark()
        return None if mark is None else self._members.at(event_id, mark)

    def _joins_committed(self, before: bytes) -> None:
        """The event loop's connection committed joins: the memberships kept learn of
        them (`Memberships.joined`)."""
        self._last_join = counter_after(before)
        if self._members.kept or self._members.loading is not None:  # (else nothing to learn)
            self._members.joined(before, self._loop_repos.registrations.joins_written)

    def _only_ours_since(self) -> bool | None:
        """Whether every commit since the event loop's connection last committed is one
        the ledger holds (`members.Ledger`: joins, and the database thread's writes of
        neither RSVPs nor events), so what that connection keeps of events still holds;
        None when the wal-index cannot tell. Read while it holds the write lock: no
        commit comes between this and its own."""
        mark = self._commits.mark()
        if mark is None or self._last_join is None:
            return None
        return self._members.ledger.covers(self._last_join, commit_counter(mark))

    async def _read_members(self, guild_id: int, event_id: int) -> None:
        """Read the event's whole membership on the database thread, a chunk a call, and
        keep it if nobody committed meanwhile (`Memberships.loaded`), nor was a read
        refused: its chunks may have come from pages the thread kept from before the
        damage (`_refuse`), which the file no longer answers."""
        read = None
        registrations = self._repos.registrations
        forgets = self._thread_forgets
        try:
            mark = self._commits.mark()
            summary, departures, count = await self._thread.call(
                functools.partial(registrations.membership_head, guild_id, event_id))
            if mark is not None and count <= KEPT_MEMBERS:
                membership = Membership(commit_counter(mark), guild_id, summary, departures)
                while await self._thread.call(functools.partial(
                        registrations.read_members, membership, event_id, CHUNK)):
                    pass
                # kept if nobody committed meanwhile but this process, in ways the
                # ledger holds: joins on the event loop, which every load of a busy event
                # overlaps, are added to it (`Memberships.caught_up`)
                now = self._commits.mark()
                if (now is not None and self._thread_forgets == forgets
                        and self._members.caught_up(membership, commit_counter(now))):
                    read = membership
        except (sqlite3.Error, EventNotFound, Unavailable) as exc:
            # what a member asks is read from the file meanwhile, and refused there if it fails
            log.debug("reading the members of event %s whole failed: %s", event_id, exc)
        finally:
            self._members.loaded(event_id, read)
            self._members_read = None

    def _read_event_on_loop(self, guild_id: int, event_id: int) -> Event:
        """`get_event` from the cache, with the seat counts read now.

        `data_version` is read right after the counts: unchanged, no other connection has
        committed since the cache was filled, so none had when the counts were read either,
        and this connection's own commits are joins, which change nothing of an event but
        its counts. A cache filled after another commit is at worst dropped once too often,
        never kept too long. (Two statements, not `pragma_data_version` in one: that table
        prepares its PRAGMA anew on every read, which cost more than a second statement
        once SQLite's code and pages are out of the CPU's caches, as between interactions.)
        An event not cached whose content passes LOOP_EVENT_BYTES is left to the database
        thread (`run` keeps what it reads there).
        """
        cursor = self._loop_repos.session.plain
        row = cursor.execute(
            "SELECT confirmed_count, waitlist_count, content_bytes FROM events"
            " WHERE id = ? AND guild_id = ?", (event_id, guild_id)).fetchone()
        if row is None:
            raise EventNotFound(event_id)
        version = cursor.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._forget_events()
            self._data_version = version
        cached = self._events.get((guild_id, event_id))
        if cached is not None:
            if (cached.confirmed, cached.waitlisted) == (row[0], row[1]):
                return cached  # the same object while nothing changed: cheap to compare
            cached = dataclasses.replace(cached, confirmed=row[0], waitlisted=row[1])
            self._keep_event(cached)
            return cached
        if row[2] > LOOP_EVENT_BYTES:
            raise TooLongForTheLoop(f"event {event_id} holds {row[2]:,} bytes")
        found = self._loop_repos.events.get_event(guild_id, event_id)
        self._keep_event(found)
        return found

    def _keep_event(self, event: Event) -> None:
        key = (event.guild_id, event.id)
        size = event.text_size
        text = self._event_text - self._event_sizes.get(key, 0)
        if ((len(self._events) >= CACHED_EVENTS and key not in self._events)
                or text + size > CACHED_EVENT_TEXT):
            self._forget_events()
            text = 0
        self._events[key] = event
        self._event_sizes[key] = size
        self._event_text = text + size
        self._counted.discard(key)  # read at no known mark (`_event_on_loop` adds it back)

    def _forget_events(self) -> None:
        self._events.clear()
        self._event_sizes.clear()
        self._event_text = 0
        self._counted.clear()

    def _signal_notices(self) -> None:
        written = (self._repos.session.notices_written
                   + self._loop_repos.session.notices_written)
        if written != self._notices_seen:
            self._notices_seen = written
            self.notices_ready.set()

    async def join(self, guild_id: int, event_id: int, user_id: int, name: str) -> Joined:
        """Ask for a seat. Resolves once the decision is committed, with the event as the
        decision read it."""
        return await self._joins.join((guild_id, event_id, user_id, name))

    def _join_on_loop(self, batch: list[JoinRequest]) -> JoinResults:
        """Joins decided on the event loop's connection; each member's own join is what
        an error in the file refuses, and what answers it (`_refuse`)."""
        try:
            results = self._loop_repos.registrations.join_batch(batch)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and is_busy(exc):
                raise  # the thread waits for it (`JoinBatcher`)
            self._refuse(exc, [(self.join, r) for r in batch])
        if self._refused_reads:
            self._answered([(self.join, r) for r in batch], None)
        return results

    async def _join_on_thread(self, batch: list[JoinRequest], asked: float) -> JoinResults:
        """Joins decided on the database thread, remembered as `_join_on_loop`'s are: a
        member of a batch refused here who joins again alone is answered as themselves.
        `asked`: when the first of them was asked for (`_in_time`)."""
        if self._closed:
            raise shutting_down()
        asked_after = self._thread_forgets
        try:
            results, committed = await self._on_thread(
                functools.partial(self._joined_on_thread, batch), asked)
        except sqlite3.DatabaseError as exc:
            self._refuse(exc, [(self.join, r) for r in batch])
        if committed is not None and self._thread_forgets == asked_after:
            # the memberships kept learn of these joins as of the loop's own (until now
            # none of them held: the commit was in no ledger)
            self._members.joined(*committed, on_thread=True)
        if self._refused_reads:
            self._answered([(self.join, r) for r in batch], asked_after)
        return results

    def _joined_on_thread(self, batch: list[JoinRequest]
                          ) -> tuple[JoinResults, tuple[bytes, list[Any] | None] | None]:
        """On the database thread: the batch's joins, and, once committed, the header the
        transaction saw before its commit with the RSVPs it wrote (`joins_written`), for
        the memberships kept (None: no commit they can learn from)."""
        registrations = self._repos.registrations
        befores: list[bytes] = []
        results = self._committing(functools.partial(registrations.join_batch, batch),
                                   befores.append)
        written = registrations.joins_written
        return results, ((befores[0], written) if len(befores) == 1 else None)

    async def _checkpoint(self) -> None:
        """Move the write-ahead log into the database file; a task nobody awaits, so what
        stops it (a full disk, a busy database) is logged here, and a later one goes on."""
        try:  # on the thread as it is: `run` would word SQLite's error for members
            left = await self._thread.call(self._repos.session.checkpoint)
        except (sqlite3.Error, Unavailable) as exc:
            log.warning("moving the write-ahead log into the database failed (%s); a later "
                        "checkpoint goes on from there", exc)
            return
        # A read another connection keeps open (a sqlite3 shell's, a backup's) holds the
        # log back, and it grows with every join until that read ends: said once, before
        # it fills the disk, and once when a checkpoint moves it all again.
        if left is None:  # another connection was checkpointing: nothing learnt
            return
        if left > sqlite_session.WAL_KEPT_BYTES:
            self._log_held.began(
                None, "the database's write-ahead log has %d MB that cannot be moved into "
                "the database file: another connection keeps a read open on it (a sqlite3 "
                "shell, a backup?), and the log grows with every change until it ends",
                left // 1_000_000)
        elif not left and self._log_held.lasting:
            self._log_held.ended("the database's write-ahead log is moved into the database "
                                 "file again")

    async def summary(self, guild_id: int, event_id: int) -> EventSummary:
        """The event's id, title and start (RSVP replies show it), read on the event loop;
        raises EventNotFound outside its guild."""
        return await self.run(self.events.summary, guild_id, event_id)

    async def attendees(self, event_id: int) -> AsyncGenerator[list[Rsvp], None]:
        """The event's RSVPs as `Store.attendees` lists them, ATTENDEE_ROWS at a
        time, all as of one moment: read in one read transaction of a connection and a
        thread of their own, so that no member's request waits behind the database
        thread meanwhile (under WAL the read holds up no write, nor a write it), and only
        a chunk is held in memory at a time. The caller closes it (`aclosing`) when it
        stops before the end."""
        if self._closed:
            raise shutting_down()
        reader = DatabaseThread()
        cursor: sqlite3.Cursor | None = None
        try:
            cursor = await reader.call(functools.partial(
                _read_attendees, self._path, event_id))
            rows = AttendeeRows()
            while chunk := await reader.call(functools.partial(cursor.fetchmany,
                                                               ATTENDEE_ROWS)):
                yield rows.rsvps(chunk)
        except sqlite3.OperationalError as exc:
            if is_busy(exc):  # another process held the database past BUSY_TIMEOUT_MS
                raise DatabaseBusy() from exc
            self._refuse(exc, [])
        except sqlite3.DatabaseError as exc:
            self._refuse(exc, [])
        finally:
            if cursor is not None:  # the read transaction ends with its connection
                reader.call(cursor.connection.close).add_done_callback(_closed_reader)
            reader.stop()  # once what was queued has run

    async def backup(self, target: str | Path) -> None:
        """A consistent copy of the live database (`backup_to`); a target that cannot be
        written raises Unavailable saying why."""
        await self.run(backup_to, self._repos.session.conn, Path(target))


def _read_attendees(path: Path, event_id: int) -> sqlite3.Cursor:
    """A connection of its own to the database at `path`, in a read transaction, reading
    the event's RSVPs (`SqliteStore.attendees`): its cursor, to fetch from."""
    conn = connect(path, isolation_level=None)
    try:
        configure(conn)
        # read once, in order: SQLite's own 2 MB of pages kept is plenty, not the bot's 16
        conn.execute(f"PRAGMA cache_size = -{EXPORT_CACHE_KIB}")
        conn.row_factory = sqlite3.Row
        conn.execute("BEGIN")  # one snapshot, from its first read to the last
        # deleted since it was named: gone, not an event nobody joined
        if conn.execute("SELECT 1 FROM events WHERE id = ?", (event_id,)).fetchone() is None:
            raise EventNotFound(event_id)
        return conn.execute(ATTENDEES, (event_id,))
    except BaseException:
        conn.close()
        raise


def _closed_reader(future: asyncio.Future[None]) -> None:
    """The export's connection, closed after its last read, which nobody awaits."""
    if not future.cancelled() and (exc := future.exception()) is not None:
        log.warning("closing the connection of an RSVP export failed: %s", exc)


def _forgotten(future: asyncio.Future[None]) -> None:
    """The database thread's `_forget_reads`, which nobody awaits: a failure is logged."""
    if not future.cancelled() and (exc := future.exception()) is not None:
        log.warning("the database thread could not drop the pages it keeps: %s", exc)


def _read_key(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
              ) -> Hashable | None:
    """What tells a call to `SqliteStore.run` from others (the repository call and its
    arguments, lists as tuples: a batch of joins), None for one whose arguments cannot
    be compared."""
    key = (fn, tuple(tuple(arg) if isinstance(arg, list) else arg for arg in args),
           tuple(sorted(kwargs.items())))
    try:
        hash(key)
    except TypeError:
        return None
    return key
