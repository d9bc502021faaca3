"""The LISTEN connection that wakes this process's notice deliverer when any process
commits notices. It is a connection of its own (a pooled one would stop listening when
given back); when the server drops it (a restart), it is made again, backing off."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg

from bot.storage.postgres.session import (
    NOTICES_CHANNEL,
    Connections,
    keep_open,
    lost_connection,
    server_away,
)

log = logging.getLogger(__name__)
FIRST_RETRY = 0.1  # seconds before the first reconnection attempt; doubled after each failure
LAST_RETRY = 2.0  # the cap: below the deliverer's poll, so a wake-up is rarely late


class NoticeListener:
    """Calls `wake` on every NOTIFY of the notices channel, and once after reconnecting
    (notices committed while it was away woke nobody)."""

    def __init__(self, url: str, wake: Callable[[], None], timeout: float = 60.0,
                 connections: Connections | None = None) -> None:
        self._url = url
        # The store's rule for refused and lost connections, which says their cause once.
        self._connections = connections or Connections()
        self._timeout = timeout  # seconds to wait for the connection
        self._wake = wake
        self._conn: asyncpg.Connection | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._closed = False

    async def start(self) -> None:
        """Connect and LISTEN; raises what connecting raises (the store reports it)."""
        await self._connect()

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self._url, timeout=self._timeout)
        try:
            await keep_open(conn)
            await conn.add_listener(NOTICES_CHANNEL, self._notified)
        except BaseException:
            conn.terminate()
            raise
        conn.add_termination_listener(self._lost)
        self._conn = conn

    def _notified(self, *_: Any) -> None:
        self._wake()

    def _lost(self, *_: Any) -> None:
        if self._closed or (self._reconnecting and not self._reconnecting.done()):
            return
        log.warning("the LISTEN connection to PostgreSQL was lost; reconnecting")
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = FIRST_RETRY
        while not self._closed:
            await asyncio.sleep(delay)
            try:
                await self._connect()
            except Exception as exc:
                # Away, full, or refusing the bot's login: said once, by the store's rule.
                if self._connections.refused(exc) is None and lost_connection(exc):
                    self._connections.lost(exc)
                elif not server_away(exc):
                    log.exception("could not LISTEN again; retrying")
                delay = min(delay * 2, LAST_RETRY)
                continue
            await self._connections.connected()
            log.info("listening for notices again")
            self._wake()
            return

    async def close(self) -> None:
        self._closed = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            await asyncio.gather(self._reconnecting, return_exceptions=True)
        if self._conn is not None:
            await self._conn.close()
