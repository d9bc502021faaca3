"""An asyncpg pool and what the PostgreSQL repositories built on it share.

Each public repository call is ONE transaction on one pooled connection
(`Repository._transaction`); the helpers it calls take that connection (`conn`) so
everything they write commits or rolls back together. Timestamps are stored as Unix
seconds (BIGINT), as in the SQLite backend, so both share `ts`/`dt` and one meaning.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg

from bot.storage.sqlite.session import utcnow

# The channel a write that queues notices NOTIFYs (delivered on commit); every store
# LISTENs on it, so a deliverer in any process wakes without polling.
NOTICES_CHANNEL = "eventbot_notices"

# When an event is over: its end, else its start (`bot.models.Event.over_at`), the same
# spelling as the SQLite backend's OVER_AT.
OVER_AT = "coalesce(ends_at, starts_at)"


def over_at(table: str) -> str:
    return f"coalesce({table}.ends_at, {table}.starts_at)"


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
    async def _transaction(self, conn: asyncpg.Connection | None = None
                           ) -> AsyncIterator[asyncpg.Connection]:
        """One transaction on `conn`, else on a pooled connection (READ COMMITTED: each
        statement sees what was committed before it, so a row lock taken first makes what
        follows see the lock holder's predecessors' writes)."""
        if conn is not None:
            async with conn.transaction():
                yield conn
            return
        async with self._db.pool.acquire() as pooled, pooled.transaction():
            yield pooled
