"""Storage behind one seam: `protocol.Store` and its repositories, per concern.

`bot.storage.protocol` is what the rest of the bot depends on; `bot.storage.sqlite`
is the SQLite implementation (the default), split by concern into repositories, its
numbered migrations and the join batching; `bot.storage.postgres` implements the same
protocols on PostgreSQL (asyncpg) for several processes on several machines, chosen by
DATABASE_URL. A repository call runs on the database
thread through ONE generic runner, `Store.run`; nothing is written per operation.

Why a thread of our own, not aiosqlite: aiosqlite has no public way to run a function
on its thread, and running a whole operation (several statements, one transaction) as
one hop is what makes the store fast; its public API would cost a hop per statement
plus an asyncio.Lock per transaction (GUIDE §3: about 3,200 RSVPs/s against 16,000 for
raw sqlite3). So the store owns one database thread holding the sqlite3 connection
(`sqlite.thread.DatabaseThread`: a queue and a thread, what aiosqlite does inside), and
aiosqlite is no longer used. Measured here against aiosqlite's queue, sequential
thread-bound calls run at the same rate within this machine's noise, where a
one-worker ThreadPoolExecutor was slower; joins, committed on the event loop, do not
depend on it (bench/RESULTS.md, "Architecture change: before and after").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, urlsplit

from bot.errors import EventNotFound
from bot.models import (
    MATCH_END,
    MATCH_START,
    AnnouncementMessage,
    Deletion,
    DueReminder,
    EventDraft,
    EventEdit,
    EventListing,
    EventRef,
    EventSummary,
    GuildLeft,
    MyRsvp,
    MyRsvps,
    Notice,
    NoticeKind,
    Passage,
    ReminderSettings,
    RoleGrant,
)
from bot.storage.protocol import Store
from bot.storage.sqlite.session import utcnow

__all__ = ["MATCH_END", "MATCH_START", "AnnouncementMessage", "Deletion", "DueReminder",
           "EventDraft", "EventEdit", "EventListing", "EventNotFound", "EventRef",
           "EventSummary", "GuildLeft", "MyRsvp", "MyRsvps", "Notice", "NoticeKind", "Passage",
           "ReminderSettings", "RoleGrant", "Store", "is_postgres_url", "open_store",
           "safe_url", "url_problem", "utcnow"]


POSTGRES_SCHEMES = ("postgresql://", "postgres://")
POSTGRES_BACKUP = ("the database is PostgreSQL: back it up with pg_dump (for example "
                   "`pg_dump -Fc DATABASE_URL > eventbot.dump`)")


def is_postgres_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


def url_problem(url: str) -> str | None:
    """What makes a database URL's host, port, or user and password unreadable, in words
    that quote none of it (in a malformed URL a password may be anywhere); None when all
    can be read."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed "["
        return "its host is not an address (an IPv6 address goes in [ ])"
    # A user name or password holding a character a URL gives a meaning (@ / ? #) ends it
    # early: asyncpg took what followed an @ in the password for the host, and a / for the
    # database, and the error named another server than the one meant.
    written = ("; if its user name or password holds @ / ? or #, write each as %40 %2F "
               "%3F %23")
    if parts.netloc.count("@") > 1:
        return "it names its user and password more than once" + written
    try:
        for host in hosts(url):
            host.port  # noqa: B018 (reading it checks it)
    except ValueError:
        return "its port is not a number from 0 to 65535" + (
            written if "@" in url.partition("://")[2] else "")
    return None


def hosts(url: str) -> list[SplitResult]:
    """Each host[:port] the URL names: PostgreSQL's client takes several, separated by
    commas, and tries them in turn (a standby beside the primary)."""
    hostinfo = urlsplit(url).netloc.rpartition("@")[2]
    return [urlsplit(f"//{host}") for host in hostinfo.split(",")]


def safe_url(url: str) -> str:
    """A database URL without its user and password, for messages and logs; one whose
    address cannot be read shows none of it."""
    if url_problem(url):
        return f"{url.partition('://')[0]}://(a malformed address)"
    parts = urlsplit(url)
    named = [(host.hostname, host.port) for host in hosts(url) if host.hostname]
    # The host and port given as options (a Unix socket's folder: ?host=/run/postgresql),
    # as the client takes them, and no other option: one may be the password.
    options = [(name, value) for name, value in parse_qsl(parts.query)
               if name in ("host", "port")]
    shown = ",".join(f"{f'[{name}]' if ':' in name else name}{f':{port}' if port else ''}"
                     for name, port in named)  # an IPv6 address in its brackets
    if not (named or options):
        shown = "localhost"
    return f"{parts.scheme}://{shown}{parts.path}" + (
        f"?{'&'.join(f'{name}={value}' for name, value in options)}" if options else "")


async def open_store(location: str | Path, *, clock: Callable[[], datetime] = utcnow,
                     trusted: Callable[[], datetime] | None = None) -> Store:
    """Open the store at `location`, migrated: a PostgreSQL database when it is a
    postgresql:// URL (DATABASE_URL), else the SQLite file at that path. `trusted` is the
    "now" of what cannot be undone (`bot.clock.WallClock.trusted`; `clock` without one)."""
    if is_postgres_url(location):
        from bot.storage.postgres.store import PostgresStore

        return await PostgresStore.open(str(location), clock=clock, trusted=trusted)
    from bot.storage.sqlite.store import SqliteStore

    return await SqliteStore.open(location, clock=clock, trusted=trusted)
