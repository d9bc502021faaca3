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
from bot.storage.sqlite.session import BUSY_TIMEOUT_MS, Outage, utcnow
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
# How long a statement waits for a lock another connection holds (a row, an advisory
# lock) before its transaction fails as DatabaseBusy, as SQLite waits for its write lock:
# a transaction left open by a tool or a stuck process must not hold members' requests,
# and the pool's connections, for ever.
WAIT_FOR_LOCKS = {"lock_timeout": f"{BUSY_TIMEOUT_MS}ms"}
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


def server_away(exc: BaseException) -> bool:
    """Whether `exc` says the server is away or refuses connections for now (restarting,
    the network cut, no connection slot free, no answer in time), as opposed to a request
    it refused: what a connection of the bot's own (the claim's, the LISTEN one) waits out
    by trying again, without a traceback per try."""
    return lost_connection(exc) or no_slot_free(exc)


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


class DatabaseAway(Unavailable):
    """The connection was lost or refused. Before the commit the server rolled the
    transaction back, so the call may be made again; `committing` says it was lost while
    committing, when whether it took effect is unknown."""

    def __init__(self, committing: bool) -> None:
        super().__init__(DATABASE_AWAY)
        self.committing = committing


class ConnectionSlots:
    """Whether the server refuses the pool's new connections for want of a free slot
    (`no_slot_free`). Said once while it lasts, however many requests and background
    rounds it refuses meanwhile, and once that the pool made a connection again
    (`connected`, the pool's `init`); each request refused meanwhile is a DatabaseBusy,
    which its member is told of, and which a background loop tries again (`RetryLog`).
    A request on a connection the pool already holds is not refused at all."""

    def __init__(self) -> None:
        self._outage = Outage(log)

    def refused(self, exc: BaseException) -> DatabaseBusy:
        self._outage.began(None, "the PostgreSQL server has no connection slot free (%s: %s):"
                           " requests that need a new connection are refused as busy, and "
                           "background work is retried, until another client lets one go; "
                           "raise max_connections or look for a client holding many",
                           getattr(exc, "sqlstate", "?"), exc)
        return DatabaseBusy()

    async def connected(self, conn: asyncpg.Connection) -> None:
        if self._outage.lasting:
            self._outage.ended("the PostgreSQL server takes new connections again")


class Database:
    """The pool and the registration rules' clock, shared by the repositories."""

    def __init__(self, pool: asyncpg.Pool, clock: Callable[[], datetime] = utcnow,
                 trusted: Callable[[], datetime] | None = None,
                 slots: ConnectionSlots | None = None) -> None:
        self.pool = pool
        self.clock = clock
        self.trusted = trusted or clock  # see `sqlite.session.Session.trusted`
        # The pool's `init` must be `slots.connected` for the outage to be said ended.
        self.slots = slots or ConnectionSlots()


class Repository:
    """Base of the PostgreSQL repositories."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def slots(self) -> ConnectionSlots:
        return self._db.slots

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
                except BaseException:
                    with contextlib.suppress(Exception):  # a lost connection rolled it back
                        await to_the_end(transaction.rollback())
                    raise
                committing = True
                await to_the_end(transaction.commit())
                committed = True
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
            if no_slot_free(exc):  # (acquiring: nothing was begun)
                raise self._db.slots.refused(exc) from exc
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
        and are all replaced on their next use."""
        log.warning("%s: %r", what, lost)
        await self._db.pool.expire_connections()
