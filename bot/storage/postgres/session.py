"""An asyncpg pool and what the PostgreSQL repositories built on it share.

Each public repository call is ONE transaction on one pooled connection
(`Repository._transaction`); the helpers it calls take that connection (`conn`) so
everything they write commits or rolls back together. Timestamps are stored as Unix
seconds (BIGINT), as in the SQLite backend, so both share `ts`/`dt` and one meaning.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TypeVar

import asyncpg

from bot.errors import DatabaseBusy, DatabaseUnwritable, Unavailable
from bot.i18n import N_
from bot.logs import Outage
from bot.storage.sqlite.session import BUSY_TIMEOUT_MS, utcnow
from bot.storage.sqlite.session import OVER_AT as OVER_AT  # both backends' one spelling
from bot.storage.sqlite.session import over_at as over_at

T = TypeVar("T")

# The channel a write that queues notices NOTIFYs (delivered on commit); every store
# LISTENs on it, so a deliverer in any process wakes without polling.
NOTICES_CHANNEL = "eventbot_notices"

log = logging.getLogger(__name__)

# What a lost or refused connection raises (the server restarting, shutting down, or away):
# the request failed as a whole and may be tried again; nothing else is retried this way.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, or timed out while connecting
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, or closed mid-operation
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,  # the server ended the session (a fast shutdown)
    asyncpg.CrashShutdownError,
    # A pooled connection the server ended while it sat idle: its protocol is left
    # mid-operation and refuses the next statement.
    asyncpg.InternalClientError,
)
DATABASE_AWAY = N_("the database can't be reached right now; try again in a moment")
# Lost as it committed (or its COMMIT unanswered): saved or not, nobody can say.
DATABASE_AWAY_SAVING = N_("the database stopped answering as this was being saved; check "
                          "whether it was done, then try again in a moment")
# How long a statement waits for a lock another connection holds (a row, an advisory
# lock) before its transaction fails as DatabaseBusy, as SQLite waits for its write lock:
# a transaction left open by a tool or a stuck process must not hold members' requests,
# and the pool's connections, for ever.
WAIT_FOR_LOCKS = {"lock_timeout": f"{BUSY_TIMEOUT_MS}ms"}
# PostgreSQL 14 and later may end a session idle that long (idle_session_timeout, which a
# database's admin may set for its clients, to reap forgotten ones). The bot's own sit
# idle by design: the claim's, the LISTEN one, its pool's between requests (the pool
# itself closes those idle past its own limit). Each ended so would be said lost, the
# claim let go for a moment, and the pool renewed, every time the bot is quiet that long.
KEEP_OPEN = {"idle_session_timeout": "0"}


def kept_open(conn: asyncpg.Connection) -> dict[str, str]:
    """The settings (`KEEP_OPEN`) that keep a session of the bot's own open while it is
    idle, on `conn`'s server: none before PostgreSQL 14, which refuses a connection that
    names a setting it does not have."""
    return KEEP_OPEN if conn.get_server_version().major >= 14 else {}


async def keep_open(conn: asyncpg.Connection) -> None:
    """Keep `conn`, a connection of the bot's own never given back to a pool (whose reset
    would undo it), open while it is idle (`kept_open`)."""
    for name, value in kept_open(conn).items():
        await conn.execute(f"SET {name} = '{value}'")


# Seconds a statement on a pooled connection waits for the server's answer (asyncpg's
# command_timeout), after which the connection is given up as lost: a server that stops
# answering without closing the connection (frozen, or the network dropping packets
# silently) must not hold members' requests, and the pool's connections, until the
# operating system gives up on the connection (about 15 minutes, past Discord's follow-up
# tokens). Longer than lock_timeout, so that a wait for a lock is said to be busy by the
# server first. Migrations and `migrate-db`, which may rightly take longer, use a
# connection without it (`PostgresStore.patient`).
ANSWER_WITHIN = BUSY_TIMEOUT_MS / 1000 + 5
# The store operation under way (`operation`), which the log names when PostgreSQL ends
# one of its statements: its name only, never its SQL or the values in it.
_OPERATION: ContextVar[str | None] = ContextVar("eventbot_store_operation", default=None)


def operation_name(fn: Callable[..., object]) -> str:
    """A repository call's name as the code spells it ("PostgresEvents.edit_event")."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    return getattr(fn, "__qualname__", None) or type(fn).__name__


@contextlib.contextmanager
def operation(fn: Callable[..., object]) -> Iterator[None]:
    """While the block runs, the store operation under way is `fn`."""
    token = _OPERATION.set(operation_name(fn))
    try:
        yield
    finally:
        _OPERATION.reset(token)


def lost_connection(exc: BaseException) -> bool:
    """Whether `exc` says the connection was lost or refused, rather than the request
    being wrong. asyncpg says so with a bare InterfaceError too: "connection is closed",
    or, for a connection held across calls (the joins'), "released back to the pool",
    since the pool takes back a connection the server ended."""
    return isinstance(exc, CONNECTION_ERRORS) or (
        isinstance(exc, asyncpg.InterfaceError)
        and any(said in str(exc) for said in ("connection is closed",
                                              "released back to the pool")))


def no_slot_free(exc: BaseException) -> bool:
    """Whether the server refused a new connection because every connection slot is taken
    (SQLSTATE 53300: max_connections, or a role's or database's CONNECTION LIMIT): it is up,
    and takes connections again as soon as another client lets one go."""
    return isinstance(exc, asyncpg.TooManyConnectionsError)


def login_refused(exc: BaseException) -> bool:
    """Whether the server refused the bot's login on a new connection: a wrong password
    (SQLSTATE 28P01: the role's password changed under the running bot), or the role not
    allowed to log in (28000: NOLOGIN, an hba line rejecting it). Connections the bot
    already holds go on working, and new ones are accepted again once the operator sets
    the password back or gives the bot the new one (DATABASE_URL)."""
    return isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError)  # 28P01 is one


def database_missing(exc: BaseException) -> bool:
    """Whether the server refused a new connection because the bot's database does not
    exist (SQLSTATE 3D000): dropped or renamed under the running bot. Connections to it
    were ended with it; new ones are accepted again once it is back under its name."""
    return isinstance(exc, asyncpg.InvalidCatalogNameError)


def tables_missing(exc: BaseException) -> bool:
    """Whether a statement failed because a table of the bot's is not there (SQLSTATE
    42P01): its database was dropped and created again empty under the running bot (a
    clean-up script, a restore begun with `createdb`). Every request fails so until the
    tables are back: restored from a backup, or made by the bot's next start."""
    return isinstance(exc, asyncpg.UndefinedTableError)


def server_away(exc: BaseException) -> bool:
    """Whether `exc` says the server is away or refuses connections for now (restarting,
    the network cut, no connection slot free, the bot's login refused, its database gone
    or emptied, no answer in time), as opposed to a request it refused: what a connection
    of the bot's own (the claim's, the LISTEN one) waits out by trying again, without a
    traceback per try."""
    return (lost_connection(exc) or no_slot_free(exc) or login_refused(exc)
            or database_missing(exc) or tables_missing(exc))


async def to_the_end(step: Awaitable[T]) -> T:
    """Await `step` to its end even if the caller is cancelled meanwhile; the cancellation
    is raised once it is over, even when the step failed (a caller that catches the
    step's errors and tries again would never stop)."""
    task = asyncio.ensure_future(step)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
        except Exception:
            break  # the step's own error: raised below, unless a cancellation came first
    if cancelled:
        raise asyncio.CancelledError from (None if task.cancelled() else task.exception())
    return task.result()


def give_up_if_unanswered(conn: asyncpg.Connection, exc: BaseException) -> None:
    """A statement on `conn` went unanswered past its timeout (`ANSWER_WITHIN`): the
    connection is closed at once, and so counts as lost (`lost_connection`). asyncpg would
    otherwise ask the server to cancel the statement, and the rollback, and the pool's
    reset of the connection, would each wait up to the timeout again for a server that
    does not answer. The server rolls back a transaction whose connection ended."""
    if isinstance(exc, TimeoutError):
        conn.terminate()


class DatabaseAway(Unavailable):
    """The connection was lost or refused. Before the commit the server rolled the
    transaction back, so the call may be made again; `committing` says it was lost while
    committing, when whether it took effect is unknown."""

    def __init__(self, committing: bool) -> None:
        super().__init__(DATABASE_AWAY_SAVING if committing else DATABASE_AWAY)
        self.committing = committing


class Connections:
    """The one rule for the server refusing or losing the bot's connections, shared by
    the pool, the joins' connection and the LISTEN one: each state is said once while it
    lasts, however many requests and background rounds meet it, and once that a
    connection was made again (`connected`, the pool's `init`); a request refused meanwhile
    is an Unavailable its member is told of (`refused`, `lost`), which a background loop
    tries again (`RetryLog`). States:
    - no connection slot free (`no_slot_free`): "the database is busy";
    - the bot's login refused (`login_refused`): "the database can't be reached", and the
      operator is told what to set;
    - the bot's database gone (`database_missing`): "the database can't be reached", and
      the operator is told to put it back;
    - its tables gone (`tables_missing`): "the database can't be reached", and the
      operator is told to restore them or restart the bot;
    - the server away (`lost_connection`: stopped, restarting, the network cut): "the
      database can't be reached".
    A request on a connection the pool already holds is not refused at all."""

    def __init__(self) -> None:
        self._outage = Outage(log)
        # Not ended by a new connection, which is made to the emptied database all the
        # same: by a transaction committed (`answered`).
        self._emptied = Outage(log)

    def refused(self, exc: BaseException) -> Unavailable | None:
        """What a member is told of `exc`, raised while making a new connection or by a
        statement, when the server refuses it for a while (no slot free, the login refused,
        the database or its tables gone); None otherwise."""
        if no_slot_free(exc):
            self._outage.began(
                "slots", "the PostgreSQL server has no connection slot free (%s: %s): requests"
                " that need a new connection are refused as busy, and background work is "
                "retried, until another client lets one go; raise max_connections or look "
                "for a client holding many", getattr(exc, "sqlstate", "?"), exc)
            return DatabaseBusy()
        if login_refused(exc):
            self._outage.began(
                "login", "PostgreSQL refused the bot's login (%s: %s): requests that need a "
                "new connection are answered 'the database can't be reached', and background"
                " work is retried, until it is accepted again; set DATABASE_URL to the role's"
                " password (or the password back), or let the role log in",
                getattr(exc, "sqlstate", "?"), exc)
            return Unavailable(DATABASE_AWAY)
        if database_missing(exc):
            self._outage.began(
                "missing", "PostgreSQL says the bot's database does not exist (%s: %s): it was "
                "dropped or renamed under the running bot; requests are answered 'the database"
                " can't be reached', and background work is retried, until it is back under "
                "its name: restore it from a backup, or set DATABASE_URL to where it went and "
                "restart the bot", getattr(exc, "sqlstate", "?"), exc)
            return Unavailable(DATABASE_AWAY)
        if tables_missing(exc):
            self._emptied.began(
                "tables", "the bot's tables are missing from its PostgreSQL database (%s: %s):"
                " it was emptied, or dropped and created again, under the running bot; "
                "requests are answered 'the database can't be reached', and background work"
                " is retried, until they are back: restore them from a backup, or restart "
                "the bot to make them anew (empty)", getattr(exc, "sqlstate", "?"), exc)
            return Unavailable(DATABASE_AWAY)
        return None

    def lost(self, exc: BaseException) -> None:
        """A connection was lost, or could not be made (the server stopped, restarting,
        the network cut): requests meanwhile are answered "try again" (DatabaseAway)."""
        self._outage.began("away", "a PostgreSQL connection was lost or refused (%r): "
                           "requests that need the database are answered 'try again', and "
                           "background work is retried, until a connection is made again", exc)

    async def connected(self, conn: asyncpg.Connection | None = None) -> None:
        if self._outage.lasting:
            self._outage.ended("the PostgreSQL server takes new connections again")

    def answered(self) -> None:
        """A transaction was committed: the bot's tables are there."""
        if self._emptied.lasting:
            self._emptied.ended("the bot's tables are back in its PostgreSQL database")


class _KnownPoolRetries(logging.Filter):
    """asyncpg's pool keeps one connection open (its floor), and when it cannot make it,
    says so with a traceback at each retry (1 s, 2 s, 4 s... then every minute). Those of
    a state `Connections` says once (the server away, full, or refusing the bot's login)
    are left out; any other is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (exc is not None and server_away(exc)
                    and str(record.msg).startswith("Failed to restore the pool connection"))


_POOL_RETRIES = _KnownPoolRetries()


def quiet_pool_retries() -> None:
    """Leave out asyncpg's pool's retries of a known state (`_KnownPoolRetries`)."""
    logging.getLogger("asyncpg.pool").addFilter(_POOL_RETRIES)  # once, however often called


class Database:
    """The pool and the registration rules' clock, shared by the repositories."""

    def __init__(self, pool: asyncpg.Pool, clock: Callable[[], datetime] = utcnow,
                 trusted: Callable[[], datetime] | None = None,
                 connections: Connections | None = None) -> None:
        self.pool = pool
        self.clock = clock
        self.trusted = trusted or clock  # see `sqlite.session.Session.trusted`
        # The pool's `init` must be `connections.connected` for an outage to be said ended.
        self.connections = connections or Connections()


class Repository:
    """Base of the PostgreSQL repositories."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def connections(self) -> Connections:
        return self._db.connections

    def _clock(self) -> datetime:
        return self._db.clock()

    def _trusted(self) -> datetime:
        return self._db.trusted()

    @asynccontextmanager
    async def _transaction(self, conn: asyncpg.Connection | None = None, *,
                           snapshot: bool = False) -> AsyncIterator[asyncpg.Connection]:
        """One transaction on `conn`, else on a pooled connection (READ COMMITTED: each
        statement sees what was committed before it, so a row lock taken first makes what
        follows see the lock holder's predecessors' writes; with `snapshot`, reads only,
        all of them as of its first). A lost or refused connection raises DatabaseAway
        ("try again"), and the pool makes new connections; lost only once the commit has
        returned (the pool's reset of the connection meets the server going away), the
        transaction took effect, and the caller goes on as if nothing had happened."""
        committing = committed = False
        try:
            async with AsyncExitStack() as stack:
                pool = self._db.pool
                used: asyncpg.Connection = (
                    conn if conn is not None else
                    await stack.enter_async_context(pool.acquire()))
                transaction = (used.transaction(isolation="repeatable_read", readonly=True)
                               if snapshot else used.transaction())
                # A cancellation (at shutdown) that lands while BEGIN, ROLLBACK or COMMIT is
                # on its way waits for it, and one after BEGIN rolls back: the connection
                # goes back to the pool outside any transaction, and the pool need not reset
                # it (asyncpg reports that as an error).
                try:
                    await to_the_end(transaction.start())
                    yield used
                except BaseException as exc:
                    give_up_if_unanswered(used, exc)
                    with contextlib.suppress(Exception):  # a lost connection rolled it back
                        await to_the_end(transaction.rollback())
                    raise
                committing = True
                try:
                    await to_the_end(transaction.commit())
                except BaseException as exc:
                    give_up_if_unanswered(used, exc)
                    raise
                committed = True
                self._db.connections.answered()
        except asyncio.CancelledError as cancelled:
            # The caller stopped waiting, and a lost connection came with it (`to_the_end`
            # chains it): the pool's other connections are renewed all the same.
            cause = cancelled.__cause__
            if not committed and cause is not None and lost_connection(cause):
                await self._renew_pool("a PostgreSQL connection was lost or refused", cause)
            raise
        except Exception as exc:
            if committed:
                # Only giving the connection back failed, and the pool has dropped it.
                # Raising would tell the caller that what is committed may not be (a
                # notice claimed but never noted as such would wait out its claim).
                if lost_connection(exc):
                    await self._renew_pool("a PostgreSQL connection was lost after its commit",
                                           exc)
                else:
                    log.exception("giving a connection back after its commit failed")
                return
            # Waited past lock_timeout, or past a statement_timeout set on the bot's role
            # or database: rolled back whole, as SQLite's busy timeout.
            if isinstance(exc, asyncpg.LockNotAvailableError | asyncpg.QueryCanceledError):
                log.warning("a statement of %s waited too long (%s: %s): the request was "
                            "refused as busy", _OPERATION.get() or "a store call",
                            exc.sqlstate, exc)
                raise DatabaseBusy() from exc
            refused = self._db.connections.refused(exc)  # (acquiring: nothing was begun)
            if refused is not None:
                raise refused from exc
            if isinstance(exc, asyncpg.DiskFullError):  # rolled back, as SQLite's full disk
                log.warning("the database could not be written (%s: %s): the PostgreSQL "
                            "server's disk is full", exc.sqlstate, exc)
                raise DatabaseUnwritable() from exc
            if not lost_connection(exc):
                raise
            # Rolled back by the server unless it was lost while committing: nothing
            # half-written either way.
            await self._renew_pool("a PostgreSQL connection was lost or refused", exc)
            raise DatabaseAway(committing) from exc

    async def _renew_pool(self, what: str, lost: BaseException) -> None:
        """After a lost connection: the pool's other idle connections are likely as dead,
        and are all replaced on their next use. Said once while connections keep being
        lost or refused (`Connections.lost`)."""
        log.debug("%s: %r", what, lost)
        self._db.connections.lost(lost)
        await self._db.pool.expire_connections()
