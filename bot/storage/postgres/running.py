"""One running bot per token and shard on a PostgreSQL database.

Discord hands every interaction of an application to each of its gateway sessions on a
shard: two `python -m bot run` with one token (a terminal forgotten, or a supervisor's bot
and one started by hand) would both answer every command and button, one of them failing.
Processes that share the database as shards of one deployment each run their own shards,
and another application's bot gets its own interactions: neither is a second run.

The processes may be on several machines, so the server itself holds the claim: a start
holds, for as long as it runs, session-level advisory locks on a connection of its own,
opened for nothing else and kept for the process's lifetime (a pooled one would not do:
asyncpg's pool runs pg_advisory_unlock_all() on every connection given back). They are
locks of two int4 keys, a space PostgreSQL keeps apart from one-key locks such as the
migrations' (`migrate.MIGRATION_LOCK`), and scoped to this database: the first key is
from the token's digest (as the SQLite lock file's stretch is), the second a shard
number, or ALL for the token as a whole. A process that runs every shard of the token
holds ALL exclusively; one that runs some holds ALL shared and each of its shards
exclusively. So two starts of one token are refused when either runs every shard or both
run one shard, and never for separate shards of one deployment or for another token.

The server releases them when the session ends: the process exits, however it ends (its
socket closes), or its machine is gone, which the server notices by TCP keepalive within
about a minute (KEEPALIVE; the operating system's default would be two hours, during
which a restarted deployment would be refused).

The connection lost while the bot runs (the server restarted, the network away): one
warning, and the claim is taken again on a new connection, backing off, while the bot
goes on (its own requests meet the same outage). Meanwhile no other start could have run
the same shards unless it took the claim: if one did, this process is the second run and
stops, with the line a refused start gives (`Claim.taken`). A claim still held by the
lost session itself (the server has not yet noticed that its client is gone) is waited
for, the bot going on: nobody else can take it either.

Behind a pooler that hands sessions out per transaction (PgBouncer's transaction mode)
advisory locks of a session mean nothing; point DATABASE_URL at the server itself or at a
session-mode pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import asyncpg

from bot.storage import safe_url
from bot.storage.postgres.session import keep_open, server_away
from bot.storage.postgres.store import CONNECT_TIMEOUT, unusable, well_formed
from bot.tasks import woken

log = logging.getLogger(__name__)
ALL = -1  # the second key of the token as a whole: no shard's number
# Seconds: the server probes a silent client after KEEPALIVE[0], every KEEPALIVE[1], and
# ends its session after KEEPALIVE[2] probes unanswered (TCP only; a Unix socket closes
# with its process).
KEEPALIVE = (30, 10, 3)
CHECK_EVERY = 15.0  # seconds between checks that the connection is still there
FIRST_RETRY = 0.5  # seconds before taking the claim again; doubled after each failure
LAST_RETRY = 10.0  # the cap


class AlreadyRunning(Exception):
    """A process with this token already runs one of these shards on this database; the
    message is the database's name without its password."""


def _key(token: str) -> int:
    """The first key: the token's digest as a signed int4 (the token never leaves here)."""
    return int.from_bytes(hashlib.sha256(token.encode()).digest()[:4], "big", signed=True)


@dataclass
class Claim:
    """What a running bot holds. `taken` is set when another process took the claim while
    this one's connection was lost: this one must stop (`running_alone`)."""

    url: str
    key: int
    shard_ids: tuple[int, ...] | None
    taken: asyncio.Event = field(default_factory=asyncio.Event)
    conn: asyncpg.Connection | None = None
    closed: bool = False


async def _connect(url: str) -> asyncpg.Connection:
    idle, interval, count = KEEPALIVE
    conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT, server_settings={
        "tcp_keepalives_idle": str(idle), "tcp_keepalives_interval": str(interval),
        "tcp_keepalives_count": str(count), "application_name": "eventbot (running)"})
    try:
        await keep_open(conn)
    except BaseException:
        conn.terminate()
        raise
    return conn


async def _take(conn: asyncpg.Connection, claim: Claim) -> bool:
    """Take the claim's locks on `conn`; False when another session holds one (what was
    taken meanwhile is then released by closing `conn`)."""
    whole = "pg_try_advisory_lock" if claim.shard_ids is None else "pg_try_advisory_lock_shared"
    if not await conn.fetchval(f"SELECT {whole}($1::int4, $2::int4)", claim.key, ALL):
        return False
    if claim.shard_ids is None:
        return True
    return bool(await conn.fetchval(
        "SELECT bool_and(pg_try_advisory_lock($1::int4, shard)) FROM unnest($2::int4[]) shard",
        claim.key, list(claim.shard_ids)))


async def _holders(conn: asyncpg.Connection, claim: Claim) -> set[int]:
    """The other server processes (their pids) holding a lock of this database in the way
    of the claim's: one of its shards, or the token's whole claim held exclusively (or
    at all, for a claim of every shard). Not the shard processes beside it, which hold
    the whole claim shared as it does, nor `conn`'s own session, which a failed `_take`
    may have left holding it so."""
    rows = await conn.fetch(
        "SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND pid <> pg_backend_pid()"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND objsubid = 2 AND classid = $1::int4::oid"
        " AND (objid = ANY($2::int4[]::oid[])"
        "      OR (objid = $3::int4::oid AND ($4 OR mode = 'ExclusiveLock')))",
        claim.key, list(claim.shard_ids or ()), ALL, claim.shard_ids is None)
    return {row["pid"] for row in rows}


@contextlib.asynccontextmanager
async def running_alone(url: str, token: str,
                        shard_ids: Sequence[int] | None) -> AsyncIterator[Claim]:
    """Hold the claim of this token's shards (`shard_ids` run here, None: all of them) on
    the database at `url` while the block runs; AlreadyRunning if another process holds
    any of it. Taken before the store opens (and migrates): a refused start changes
    nothing. A database that cannot be reached raises the store's own Unavailable line."""
    well_formed(url)
    claim = Claim(url, _key(token), None if shard_ids is None else tuple(shard_ids))
    try:
        conn = await _connect(url)
    except Exception as exc:
        said = unusable(exc, url, "DATABASE_URL", connected=False)
        if said is None:
            raise
        raise said from None
    try:
        if not await _take(conn, claim):
            raise AlreadyRunning(safe_url(url))
    except BaseException as exc:
        conn.terminate()
        said = unusable(exc, url, "DATABASE_URL", connected=True)
        if said is None:
            raise
        raise said from None
    claim.conn = conn
    keeper = asyncio.create_task(_keep(claim))
    try:
        yield claim
    finally:
        claim.closed = True
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)
        if claim.conn is not None:
            with contextlib.suppress(Exception):  # the session's end releases the locks
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    await claim.conn.close()
            claim.conn.terminate()


async def _keep(claim: Claim) -> None:
    """Check the claim's connection every CHECK_EVERY seconds, or at once when asyncpg
    sees it end; when it is lost, take the claim again (`_take_again`)."""
    while not claim.closed:
        conn = claim.conn
        assert conn is not None
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
        while not lost.is_set():
            if await woken(lost, CHECK_EVERY) or conn.is_closed():
                break
            try:
                async with asyncio.timeout(CHECK_EVERY):
                    await conn.fetchval("SELECT 1")
            except Exception as exc:
                if not server_away(exc):
                    log.exception("the claim's connection failed its check")
                break
        server_pid = conn.get_server_pid()
        conn.terminate()
        claim.conn = None
        log.warning("the PostgreSQL connection holding this bot's claim on its token was "
                    "lost; taking the claim again")
        if not await _take_again(claim, server_pid):
            log.error("another bot process with this DISCORD_TOKEN took its shards on %s "
                      "while the connection was lost: stopping this one",
                      safe_url(claim.url))
            claim.taken.set()
            return
        log.info("holding this bot's claim on its token again")


async def _take_again(claim: Claim, lost_pid: int) -> bool:
    """Take the claim on a new connection, backing off while the server cannot be reached
    or the lost session (server process `lost_pid`) still holds it; False when another
    process holds it."""
    delay = FIRST_RETRY
    waited_for_lost = False
    while True:
        await asyncio.sleep(delay)
        delay = min(delay * 2, LAST_RETRY)
        try:
            conn = await _connect(claim.url)
        except Exception as exc:
            if not server_away(exc):
                log.exception("could not connect to take the claim again; retrying")
            continue
        try:
            if await _take(conn, claim):
                claim.conn, conn = conn, None
                return True
            holders = await _holders(conn, claim)
        except Exception as exc:
            if not server_away(exc):
                log.exception("could not take the claim again; retrying")
            continue
        finally:
            if conn is not None:
                conn.terminate()
        if holders - {lost_pid}:
            return False
        if holders and not waited_for_lost:  # the server has not yet ended the lost session
            log.info("the lost connection's session still holds the claim; waiting for the "
                     "server to end it")
            waited_for_lost = True
