"""The PostgreSQL store: an asyncpg pool, the repositories, the join batcher and the
LISTEN connection that wakes this process's notice deliverer.

The repositories' methods are the protocol's, with the same names and parameters, but
`async` (asyncpg is); `run` awaits them, so call sites are the same for both backends:
`await store.run(store.registrations.cancel, guild_id, event_id, user_id)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import ParamSpec, TypeVar, cast
from urllib.parse import parse_qs, urlsplit

import asyncpg

from bot.errors import Unavailable
from bot.models import EventSummary, Joined, Rsvp
from bot.storage import POSTGRES_BACKUP, safe_url, url_problem
from bot.storage.postgres.content import PostgresContent
from bot.storage.postgres.events import PostgresEvents
from bot.storage.postgres.listener import NoticeListener
from bot.storage.postgres.migrate import PostgresMigrator
from bot.storage.postgres.outbox import PostgresOutbox
from bot.storage.postgres.registrations import PostgresRegistrations, RowHeld
from bot.storage.postgres.reminders import PostgresReminders
from bot.storage.postgres.search import PostgresSearch
from bot.storage.postgres.session import (
    ANSWER_WITHIN,
    WAIT_FOR_LOCKS,
    Connections,
    Database,
    DatabaseAway,
    kept_open,
    lost_connection,
    operation,
    quiet_pool_retries,
)
from bot.storage.postgres.settings import PostgresSettings
from bot.storage.protocol import (
    Events,
    GuildSettings,
    Notices,
    Registrations,
    Reminders,
    Schema,
    Search,
)
from bot.storage.sqlite.joins import (
    Pending,
    Queued,
    give_up,
    settle,
    shutting_down,
    still_wanted,
)
from bot.storage.sqlite.registrations import JoinRequest
from bot.storage.sqlite.session import utcnow

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger(__name__)
POOL_SIZE = 10  # connections per process; PostgreSQL allows 100 by default
# Seconds to wait for a new connection (asyncpg's default is 60): a database host that
# stops answering without refusing must cost a member a quick "try again", within
# Discord's 3 s to answer, not a missed deadline.
CONNECT_TIMEOUT = 2.0
JOIN_BATCH = 500  # joins decided in one transaction at most
NO_STATEMENT_TIMEOUT = {"statement_timeout": "0"}  # (`PostgresStore.patient`)


class PostgresRepositories:
    """All the PostgreSQL repositories of one pool, wired to each other."""

    def __init__(self, db: Database) -> None:
        self.notices = PostgresOutbox(db)
        self.search = PostgresSearch(db)
        self.registrations = PostgresRegistrations(db, self.notices)
        self.content = PostgresContent(db, self.notices, self.search)
        self.events = PostgresEvents(db, self.registrations, self.notices, self.content)
        self.settings = PostgresSettings(db, self.registrations)
        self.reminders = PostgresReminders(db, self.registrations)
        self.schema = PostgresMigrator(db)


class PostgresStore:
    def __init__(self, pool: asyncpg.Pool, url: str, repos: PostgresRepositories) -> None:
        self._pool = pool
        self._url = url
        self._repos = repos
        # Typed as the protocols so call sites type-check as with SQLite: each method has
        # the protocol's name and parameters (tests/unit/test_postgres_seam.py compares
        # them) and returns an awaitable of the protocol's result, which `run` awaits.
        self.events = cast(Events, repos.events)  # async methods, awaited by `run`
        self.search = cast(Search, repos.search)  # async methods, awaited by `run`
        self.registrations = cast(Registrations, repos.registrations)  # awaited by `run`
        self.notices = cast(Notices, repos.notices)  # async methods, awaited by `run`
        self.settings = cast(GuildSettings, repos.settings)  # awaited by `run`
        self.reminders = cast(Reminders, repos.reminders)  # async methods, awaited by `run`
        self.schema = cast(Schema, repos.schema)  # async methods, awaited by `run`
        # Set when any process commits notices: the LISTEN connection hears their NOTIFY.
        self.notices_ready = asyncio.Event()
        connections = repos.registrations.connections
        self._listener = NoticeListener(url, self.notices_ready.set, CONNECT_TIMEOUT,
                                        connections)
        self._joins = JoinBatcher(repos.registrations, pool, connections)

    @classmethod
    async def open(cls, url: str, *, clock: Callable[[], datetime] = utcnow,
                   trusted: Callable[[], datetime] | None = None,
                   given_as: str = "DATABASE_URL") -> PostgresStore:
        """Connect to the database at `url` and bring its schema up to date; `clock` is
        the registration rules' "now", `trusted` that of what cannot be undone (see
        `sqlite.session.Session.trusted`). A database that cannot be used raises Unavailable
        saying which one (without its password), why, and what to check: `given_as`, the
        setting or option the URL came from."""
        well_formed(url)
        pool: asyncpg.Pool | None = None
        connections = Connections()
        quiet_pool_retries()
        try:
            async with patient(url) as conn:  # first: the pool's settings need its version
                pool = await asyncpg.create_pool(
                    url, min_size=1, max_size=POOL_SIZE, timeout=CONNECT_TIMEOUT,
                    init=connections.connected,
                    server_settings={**WAIT_FOR_LOCKS, **kept_open(conn)},
                    command_timeout=ANSWER_WITHIN)
                repos = PostgresRepositories(Database(pool, clock, trusted, connections))
                store = cls(pool, url, repos)
                await repos.schema.migrate(repos.content, repos.search, conn)
            await store._listener.start()
        except BaseException as exc:
            if pool is not None:
                await pool.close()
            said = unusable(exc, url, given_as, connected=pool is not None)
            if said is not None:
                raise said from None
            raise
        return store

    @staticmethod
    async def reach(url: str, *, given_as: str = "DATABASE_URL") -> None:
        """Connect to the database at `url` and leave it as it is: Unavailable, as `open`
        words it, if it cannot be used. For work elsewhere that is to be done only if it
        can (`migrate-db` brings its source up to date only then)."""
        well_formed(url)
        try:
            conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
        except BaseException as exc:
            said = unusable(exc, url, given_as, connected=False)
            if said is not None:
                raise said from None
            raise
        await conn.close()

    def patient(self) -> contextlib.AbstractAsyncContextManager[asyncpg.Connection]:
        """A connection of its own for work that may rightly take longer than a request
        (`patient`)."""
        return patient(self._url)

    @property
    def pool(self) -> asyncpg.Pool:
        return self._pool

    @property
    def repositories(self) -> PostgresRepositories:
        """The repositories themselves (async, taking a connection), for bulk work such as
        the copy from SQLite."""
        return self._repos

    async def close(self) -> None:
        """Commit the joins already asked for, give back the notices claimed but not
        delivered, then close; later joins are refused."""
        await self._joins.close()
        try:
            await self._repos.notices.release_notices()
        except Unavailable as exc:  # a known state (the server away, too busy): one line
            log.warning("could not release the claimed notices (%s); they are handed out "
                        "again when their claims expire", exc)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            # They are handed out again when their claims expire.
            log.exception("could not release the claimed notices")
        await self._listener.close()
        await self._pool.close()

    async def __aenter__(self) -> PostgresStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Await a repository call (each is one transaction of its own), once more if it
        was rolled back by a lost connection (`once_more_if_rolled_back`)."""
        with operation(fn):
            return await once_more_if_rolled_back(
                lambda: cast(Awaitable[T], fn(*args, **kwargs)))

    async def join(self, guild_id: int, event_id: int, user_id: int, name: str) -> Joined:
        """Ask for a seat. Resolves once the decision is committed, with the event as the
        decision read it."""
        return await self._joins.join((guild_id, event_id, user_id, name))

    async def summary(self, guild_id: int, event_id: int) -> EventSummary:
        """The event's id, title and start; raises EventNotFound outside its guild."""
        return await self.run(self.events.summary, guild_id, event_id)

    def attendees(self, event_id: int) -> AsyncGenerator[list[Rsvp], None]:
        """The event's RSVPs, a chunk at a time, as of one moment
        (`PostgresRegistrations.attendees_read`)."""
        return self._repos.registrations.attendees_read(event_id)

    async def backup(self, target: str | Path) -> None:
        raise Unavailable(POSTGRES_BACKUP)


@contextlib.asynccontextmanager
async def patient(url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection of its own whose statements wait for the server as long as it takes
    (the pool's give up after ANSWER_WITHIN), for work that may rightly take longer than a
    request: a migration, the copy of a whole database. So a statement_timeout the
    database's admin set for its clients (ALTER DATABASE or ROLE ... SET), which requests
    are held to, does not hold them either."""
    conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT,
                                 server_settings={**WAIT_FOR_LOCKS, **NO_STATEMENT_TIMEOUT})
    try:
        yield conn
    finally:
        await conn.close()


def well_formed(url: str) -> None:
    """Unavailable, saying what is wrong, for a URL that cannot be a database's."""
    problem = url_problem(url)
    if problem:
        raise Unavailable(f"the PostgreSQL database URL is malformed: {problem}")


# The URL's options that name a file the client reads before it connects.
FILE_OPTIONS = ("sslrootcert", "sslcert", "sslkey", "sslcrl", "passfile")


def missing_files(url: str) -> list[str]:
    """The URL's file options (as name=value) that name no file."""
    options = parse_qs(urlsplit(url).query)
    return [f"{name}={value}" for name in FILE_OPTIONS for value in options.get(name, [])
            if not Path(value).expanduser().exists()]


def unusable(exc: BaseException, url: str, given_as: str, *,
             connected: bool) -> Unavailable | None:
    """The one line for a database that could not be connected to or set up (`exc`), which
    names it without its password and says what to check (`given_as`: the setting or
    option the URL came from); None for an error that is not about the database."""
    if isinstance(exc, OSError | asyncpg.PostgresError | asyncpg.InterfaceError):
        # (a server that takes the connection and never answers: a TimeoutError, no text)
        reason = str(exc) or ("no answer in time" if isinstance(exc, TimeoutError)
                              else type(exc).__name__)
        if isinstance(exc, FileNotFoundError) and exc.filename is None and (
                missing := missing_files(url)):  # ssl's error names no file
            reason = f"{'&'.join(missing)}: no such file"
        return Unavailable(f"cannot use the PostgreSQL database {safe_url(url)} ({reason}); "
                           f"check {given_as} and that the server is up")
    if isinstance(exc, ValueError) and not connected:  # asyncpg could not read the URL
        # Its message may quote the URL, password included: say what to check instead.
        return Unavailable("the PostgreSQL database URL is malformed: options after '?' go "
                           "as name=value&name=value, and '@', ':', '/' or '?' in a user "
                           "name or password as %40, %3A, %2F or %3F")
    return None


# What PostgreSQL refuses, rolling the transaction back, that the same request made again
# may do: nothing of it took effect (unlike a connection lost while committing).
ROLLED_BACK = (asyncpg.InvalidCachedStatementError, asyncpg.DeadlockDetectedError)


async def once_more_if_rolled_back(call: Callable[[], Awaitable[T]]) -> T:
    """`call()`, made once more (on a fresh connection) if its connection was lost before
    it committed: the server rolled it back, and the first calls after a database restart
    would otherwise fail on connections that died with the old server. One lost while
    committing is not made again: whether it took effect is unknown.

    Made once more too when PostgreSQL refused it and rolled it back whole: a statement
    prepared before another process changed the schema (a newer bot's upgrade), which
    asyncpg has dropped from the pool so that the next try prepares it anew; or a
    transaction ended to break a deadlock (`ROLLED_BACK`)."""
    try:
        return await call()
    except DatabaseAway as away:
        if away.committing:
            raise
        return await call()
    except ROLLED_BACK:
        return await call()


class JoinBatcher:
    """Joins arriving while a batch is being committed wait for the next one, which takes
    them all (JOIN_BATCH at most) in one transaction, each decided in arrival order by the
    registration rules. Nothing is answered before its commit.

    Batches run one at a time, on one pooled connection kept for them: taking one from the
    pool per batch and giving it back costs a reset (a round trip) per batch. A connection
    that breaks is given back and the next batch takes another.

    A batch does not wait for an event whose row another transaction holds (a tool's, or
    another process's long change of it): its joins, and those of the event asked for
    after them, queue for it alone (`_held`), decided in arrival order on a pooled
    connection that waits for the row as any request does, while joins of every other
    event go on."""

    def __init__(self, registrations: PostgresRegistrations, pool: asyncpg.Pool,
                 connections: Connections) -> None:
        self._registrations = registrations
        self._pool = pool
        self._connections = connections
        self._conn: asyncpg.Connection | None = None
        self._pending: Pending = []
        self._writer: asyncio.Task[None] | None = None
        self._closed = False
        # Per event whose row another transaction held: the joins waiting for it, in
        # arrival order (an event is here while its `_wait_for_row` runs), and those tasks.
        self._held: dict[int, Pending] = {}
        self._waiting: set[asyncio.Task[None]] = set()

    async def join(self, request: JoinRequest) -> Joined:
        if self._closed:
            raise shutting_down()
        future: asyncio.Future[Joined] = asyncio.get_running_loop().create_future()
        self._pending.append((request, future, None, 0))  # its cancel reaches the future
        if self._writer is None or self._writer.done():
            # Started on the next turn of the loop: joins made in this one share its commit.
            self._writer = asyncio.create_task(self._write())
        return await future

    async def close(self) -> None:
        """Commit the joins already asked for; refuse later ones."""
        self._closed = True
        if self._writer is not None:
            # Shielded: a close that is cancelled still lets the joins under way be answered.
            await asyncio.shield(asyncio.gather(self._writer, return_exceptions=True))
        if self._waiting:
            await asyncio.shield(asyncio.gather(*self._waiting, return_exceptions=True))
        await self._give_back()

    async def _write(self) -> None:
        while self._pending:
            batch = still_wanted(self._pending[:JOIN_BATCH])
            del self._pending[:JOIN_BATCH]
            if self._held:  # behind the joins already waiting for their event's row
                batch = [entry for entry in batch if not self._queued_for_row(entry)]
            if not batch:
                continue
            results = await _results(batch, self._decide, self._pending)
            for entry, result in zip(batch, results, strict=True):
                if isinstance(result, RowHeld):
                    self._wait_for_row(result.event_id, entry)
            settle(*_decided(batch, results))

    def _queued_for_row(self, entry: Queued) -> bool:
        """Queue the join behind those waiting for its event's row, if any are."""
        waiting = self._held.get(entry[0][1])
        if waiting is None:
            return False
        waiting.append(entry)
        return True

    def _wait_for_row(self, event_id: int, entry: Queued) -> None:
        if not self._queued_for_row(entry):
            self._held[event_id] = [entry]
            task = asyncio.create_task(self._when_row_free(event_id))
            self._waiting.add(task)
            task.add_done_callback(self._waiting.discard)

    async def _when_row_free(self, event_id: int) -> None:
        """Decide the joins waiting for the event's row, in arrival order, each batch on a
        pooled connection that waits for the row (up to lock_timeout, then refused as busy,
        as any request); done when none is left."""
        waiting = self._held[event_id]
        try:
            while waiting:
                batch = still_wanted(waiting[:JOIN_BATCH])
                del waiting[:JOIN_BATCH]
                if not batch:
                    continue
                settle(batch, await _results(batch, self._decide_once_free, waiting))
        finally:
            del self._held[event_id]

    async def _decide_once_free(self, requests: list[JoinRequest]) -> list[Joined | Exception]:
        """The joins decided on a pooled connection, once their events' rows are free."""
        with operation(self._registrations.join_batch):
            return await self._registrations.join_batch(requests)

    async def _decide(self, requests: list[JoinRequest]) -> list[Joined | Exception]:
        try:
            if self._conn is None:
                self._conn = await self._acquire()
            with operation(self._registrations.join_batch):
                return await self._registrations.join_batch(requests, self._conn,
                                                            skip_held=True)
        except Exception:
            # The connection may be broken, or already taken back by the pool (the
            # server ended it): the next batch takes a fresh one.
            await self._give_back()
            raise

    async def _acquire(self) -> asyncpg.Connection:
        try:
            return await self._pool.acquire()
        except Exception as exc:  # the server is away or full: "try again", as for other calls
            refused = self._connections.refused(exc)
            if refused is not None:
                raise refused from exc
            if not lost_connection(exc):
                raise
            self._connections.lost(exc)
            raise DatabaseAway(committing=False) from exc

    async def _give_back(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await self._pool.release(conn)
            except Exception as exc:  # broken, or the pool took it back already
                log.debug("the joins' PostgreSQL connection was not given back: %r", exc)


async def _results(batch: Pending,
                   decide: Callable[[list[JoinRequest]], Awaitable[list[Joined | Exception]]],
                   rest: Pending) -> list[Joined | Exception]:
    """`decide`'s results for the joins of `batch` (once more if it was rolled back); its
    error, nothing having been committed, as each one's; cancelled (the loop is going
    away), every waiter of `batch` and of `rest` given up, none left hanging."""
    requests = [entry[0] for entry in batch]
    try:
        return await once_more_if_rolled_back(functools.partial(decide, requests))
    except Exception as exc:
        return [exc] * len(batch)
    except asyncio.CancelledError:
        give_up(batch + rest)
        raise


def _decided(batch: Pending, results: list[Joined | Exception]
             ) -> tuple[Pending, list[Joined | Exception]]:
    """The joins of `batch` decided, and their results: not those left waiting for a row
    another transaction held (RowHeld)."""
    if not any(isinstance(result, RowHeld) for result in results):
        return batch, results
    kept = [(entry, result) for entry, result in zip(batch, results, strict=True)
            if not isinstance(result, RowHeld)]
    return [entry for entry, _ in kept], [result for _, result in kept]
