"""An asyncpg pool and what the PostgreSQL repositories built on it share.

Each public repository call is ONE transaction on one pooled connection
(`Repository._transaction`); the helpers it calls take that connection (`conn`) so
everything they write commits or rolls back together. Timestamps are stored as Unix
seconds (BIGINT), as in the SQLite backend, so both share `ts`/`dt` and one meaning.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg

from bot.errors import Unavailable
from bot.i18n import N_
from bot.storage.sqlite.session import utcnow

# The channel a write that queues notices NOTIFYs (delivered on commit); every store
# LISTENs on it, so a deliverer in any process wakes without polling.
NOTICES_CHANNEL = "eventbot_notices"

# When an event is over: its end, else its start (`bot.models.Event.over_at`), the same
# spelling as the SQLite backend's OVER_AT.
OVER_AT = "coalesce(ends_at, starts_at)"


def over_at(table: str) -> str:
    return f"coalesce({table}.ends_at, {table}.starts_at)"


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


def lost_connection(exc: BaseException) -> bool:
    """Whether `exc` says the connection was lost or refused, rather than the request
    being wrong; asyncpg says "connection is closed" with a bare InterfaceError too."""
    return isinstance(exc, CONNECTION_ERRORS) or (
        isinstance(exc, asyncpg.InterfaceError) and "connection is closed" in str(exc))


class Database:
    """The pool and the registration rules' clock, shared by the repositories."""

    def __init__(self, pool: asyncpg.Pool, clock: Callable[[], datetime] = utcnow) -> None:
        self.pool = pool
        self.clock = clock


class Repository:
    """Base of the PostgreSQL repositories."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _clock(self) -> datetime:
        return self._db.clock()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """One pooled connection in one transaction (READ COMMITTED: each statement sees
        what was committed before it, so a row lock taken first makes what follows see
        the lock holder's predecessors' writes). A lost or refused connection raises
        Unavailable ("try again"), and the pool makes new connections."""
        try:
            async with self._db.pool.acquire() as conn, conn.transaction():
                yield conn
        except Exception as exc:
            if not lost_connection(exc):
                raise
            # Rolled back by the server: nothing half-written. The pool's other idle
            # connections are likely as dead: replace them all on their next use.
            log.warning("a PostgreSQL connection was lost or refused: %r", exc)
            await self._db.pool.expire_connections()
            raise Unavailable(DATABASE_AWAY) from exc
