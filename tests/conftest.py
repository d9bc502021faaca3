from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.adapters.discord_limit import DiscordLimit
from bot.clock import WallClock
from bot.pages import Page, Person, Takeaway
from bot.storage import EventDraft, Store, open_store
from tests.postgres_cluster import REQUIRE, Cluster, NoServer, start_cluster

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "events" / "missile-defense-china"
ANNOUNCEMENT = SAMPLE_DIR / "announcement.txt"
RECAP = SAMPLE_DIR / "recap.txt"


def make_page(kind: str = "announcement", *, people=(("Ada Lovelace", "moderator"),),
              takeaways=(), registration_closed: bool = False, description: str = "About it.",
              **extra) -> Page:
    """A parsed page built directly, for tests of everything downstream of the importer."""
    fields = dict(
        kind=kind, title=None, date_text=None, location=None, description=description,
        registration_closed=registration_closed, off_the_record=False, access_notes=(),
        language=None, translation=None,
        people=tuple(Person(name, role, f"{name} is a researcher.") for name, role in people),
        takeaways=tuple(Takeaway(h, t) for h, t in takeaways), skipped=())
    fields.update(extra)
    return Page(**fields)


def a_long_panel(surnames: int) -> tuple[list[str], bytes]:
    """Ten long names per surname, and a page where the first moderates the rest: a panel
    whose names outgrow what a line or a message holds."""
    names = [f"{first} {last}" for last in ("Konstantinopoulou", "Vasilopoulos",
                                            "Papadimitriou", "Alexandropoulos", "Wojciechowski",
                                            "Szczepanowski", "Villanueva-Ortega",
                                            "Abernathy")[:surnames]
             for first in ("Alexandra", "Christopher", "Evangeline", "Maximilian", "Anastasia",
                           "Theodore", "Genevieve", "Bartholomew", "Josephine", "Sebastian")]
    page = ("A panel on the history of computing.\n\n"
            f"{names[0]} will moderate a discussion with {', '.join(names[1:-1])} and "
            f"{names[-1]}.\n").encode()
    return names, page


TEMPLATE = "eventbot_template"  # migrated once; each test's database is a copy of it


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster for the session, with a migrated template database.
    Where none can be started the PostgreSQL tests are skipped with the reason, unless
    EVENTBOT_REQUIRE_POSTGRES=1 (CI), which makes them fail."""
    cluster = _cluster_or_skip()
    try:
        # On a thread of its own: an async fixture may be what asks for this one.
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, _make_template(cluster)).result()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def restartable_postgres():
    """A throwaway PostgreSQL cluster of the test's own, which it may restart
    (`Cluster.restart`) without disturbing the other tests' databases; skipped or failed
    like `postgres_cluster`. The bot migrates its `postgres` database itself."""
    cluster = _cluster_or_skip()
    try:
        yield cluster
    finally:
        cluster.stop()


def _cluster_or_skip() -> Cluster:
    try:
        return start_cluster()
    except NoServer as exc:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"PostgreSQL is required ({REQUIRE}=1) but {exc}")
        pytest.skip(f"PostgreSQL tests need a server: {exc}")


async def _make_template(cluster: Cluster) -> None:
    import asyncpg

    conn = await asyncpg.connect(cluster.url())
    try:
        await conn.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await conn.close()
    async with await open_store(cluster.url(TEMPLATE)):
        pass


async def set_on_database(cluster: Cluster, url: str, setting: str, value: str) -> None:
    """As the database's admin: `ALTER DATABASE ... SET setting = value` on the database
    at `url`, for the sessions opened from now on."""
    import asyncpg

    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" SET {setting} = {value}')
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def postgres_database(cluster: Cluster, template: str = TEMPLATE):
    """The URL of a new database made from `template` (the bot's schema; "template0" for
    an empty one), dropped afterwards."""
    import asyncpg

    name = f"pg_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        yield cluster.url(name)
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


@pytest.fixture
async def postgres_url(postgres_cluster):
    """A new database with the bot's schema."""
    async with postgres_database(postgres_cluster) as url:
        yield url


@pytest.fixture
async def blank_url(postgres_cluster):
    """A new, empty database (no schema yet)."""
    async with postgres_database(postgres_cluster, "template0") as url:
        yield url


def pytest_collection_modifyitems(config, items):
    """Tests marked sqlite_only (file corruption, PRAGMAs, VM steps, old SQLite schemas)
    run on SQLite alone."""
    kept, dropped = [], []
    for item in items:
        backend = getattr(getattr(item, "callspec", None), "params", {}).get("store_opener")
        if backend == "postgres" and item.get_closest_marker("sqlite_only"):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(params=["sqlite", "postgres"])
async def store_opener(request):
    """How the store tests open a store at a path, per backend: SQLite opens the file;
    PostgreSQL opens a database of its own for the path (made from the migrated
    template on first use), so opening the same path twice is the same database."""
    if request.param == "sqlite":
        yield open_store
        return
    import asyncpg

    cluster: Cluster = request.getfixturevalue("postgres_cluster")
    made: list[str] = []

    async def open_postgres(path, **options):
        name = "t_" + hashlib.sha1(str(path).encode()).hexdigest()[:20]
        if name not in made:
            conn = await asyncpg.connect(cluster.url())
            try:
                await conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
            finally:
                await conn.close()
            made.append(name)
        return await open_store(cluster.url(name), **options)

    yield open_postgres
    if made:
        conn = await asyncpg.connect(cluster.url())
        try:
            for name in made:
                await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await conn.close()


@pytest.fixture
async def store(store_opener, tmp_path):
    async with await store_opener(tmp_path / "test.sqlite3") as opened:
        yield opened


async def execute_sql(store: Store, sql: str, *params: object) -> list[tuple]:
    """Run SQL (`?` placeholders) on the store's database behind the store's back, as a
    tool editing the database would, on either backend; its rows as tuples."""
    pool = getattr(store, "_pool", None)
    if pool is not None:  # PostgreSQL: a pooled connection of its own, autocommit
        numbered = iter(range(1, sql.count("?") + 1))
        async with pool.acquire() as conn:
            rows = await conn.fetch(re.sub(r"\?", lambda _: f"${next(numbered)}", sql), *params)
        return [tuple(r) for r in rows]
    conn = store._repos.session.conn  # type: ignore[attr-defined]  # SQLite, autocommit
    return await store.run(lambda: [tuple(r) for r in conn.execute(sql, params)])


async def archived_holding_rsvps(store: Store, event_id: int) -> None:
    """The event archived as the bot archived any event before it refused one to come that
    holds RSVPs (`bot.registration.check_archivable`): such events stay in databases (as
    does one archived once over and moved back to the future), and what an archived
    event does with the RSVPs it holds still matters."""
    await execute_sql(store, "UPDATE events SET archived = true WHERE id = ?", event_id)


# The holder borrows one of the store's connections, but waits for its locks as another
# process would, not with the bot's own (shortened by tests) lock_timeout: a hold that timed
# out behind a transaction the bot was finishing would leave nothing held.
AS_A_TOOL_WAITS = "SET LOCAL lock_timeout = '30s'"


@contextlib.asynccontextmanager
async def joins_held(store: Store, event_id: int):
    """Another connection holds what a join of the event waits for until the block ends
    (SQLite: the write lock; PostgreSQL: the event's row), as another process would."""
    pool = getattr(store, "_pool", None)
    if pool is not None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(AS_A_TOOL_WAITS)
            await conn.execute("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", event_id)
            yield
        return
    path = store._loop_repos.session.conn.execute(  # type: ignore[attr-defined]
        "PRAGMA database_list").fetchone()[2]
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("COMMIT")
    finally:
        other.close()


@contextlib.asynccontextmanager
async def writes_held(store: Store):
    """Another connection keeps every write of the events, their RSVPs and the outbox
    waiting until the block ends, reads going on (SQLite: the write lock; PostgreSQL: the
    tables locked in EXCLUSIVE mode), as a tool's open transaction would: on a connection
    of its own, so that the store can also close meanwhile."""
    if getattr(store, "_pool", None) is not None:
        import asyncpg

        conn = await asyncpg.connect(store._url)  # type: ignore[attr-defined]
        try:
            async with conn.transaction():
                await conn.execute(AS_A_TOOL_WAITS)
                await conn.execute("LOCK TABLE events, rsvps, outbox IN EXCLUSIVE MODE")
                yield
        finally:
            await conn.close()
        return
    async with joins_held(store, 0):
        yield


async def rsvp_of(store: Store, event_id: int, user_id: int, guild_id: int = 1):
    """The member's RSVP to the event (None: they have none), read as /rsvp status reads it."""
    _, rsvp = await store.run(store.registrations.member_rsvp, guild_id, event_id, user_id)
    return rsvp


async def attendees_of(store: Store, event_id: int) -> list:
    """Everyone registered for the event, as its export lists them (`Store.attendees`)."""
    async with contextlib.aclosing(store.attendees(event_id)) as chunks:
        return [rsvp async for chunk in chunks for rsvp in chunk]


def sqlite_before(path: Path, marker: str) -> sqlite3.Connection:
    """A SQLite database at `path` as the bot left it before the migration whose SQL holds
    `marker`, opened for the test to fill in (and commit)."""
    from bot.storage.sqlite.migrations import MIGRATIONS

    before = next(n for n, sql in enumerate(MIGRATIONS, 1) if marker in sql)
    conn = sqlite3.connect(path)
    for sql in MIGRATIONS[:before - 1]:
        conn.executescript(sql)
    conn.execute(f"PRAGMA user_version = {before - 1}")
    return conn


async def new_event(store: Store, guild_id: int = 1, capacity: int = 50, slug: str = "talk",
                    **page_args):
    event, _ = await store.run(store.events.save_event,
        guild_id, EventDraft(slug=slug, title=f"Event {slug}", capacity=capacity),
        [("page text", make_page(**page_args))])
    return event


async def purged(store: Store, guild_id: int, left_by: datetime) -> bool:
    """The guild's data deleted as the retention does it: what can be read at once
    (`purge_guild`), then the rows left of its events (`purge_leftovers`)."""
    done = await store.run(store.settings.purge_guild, guild_id, left_by)
    while await store.run(store.settings.purge_leftovers):
        pass
    return done


def english_servers() -> SimpleNamespace:
    """A stand-in bot's `languages`: every server reads English (`for_guild`)."""
    from bot.i18n import language

    async def for_guild(guild_id: int, client: object):
        return language("en-US")

    return SimpleNamespace(for_guild=for_guild)


class BotMember(SimpleNamespace):
    """The bot as a server's member (`guild.me`), as the cogs read it: its `roles`, what
    they allow server-wide (read as they are now: a test may change a role's permissions),
    and a moderator's timeout of it (`timed_out_until`, None: none)."""

    timed_out_until: datetime | None = None

    @property
    def guild_permissions(self):  # as discord.py's Member: Administrator allows everything
        from bot.adapters.role_changes import allowed_by
        return allowed_by(self.roles)

    def is_timed_out(self) -> bool:
        return self.timed_out_until is not None and self.timed_out_until > datetime.now(UTC)


def a_bot(**parts: object) -> SimpleNamespace:
    """A stand-in bot for a cog under test: the parts of the bot the test's cog uses, and
    the wall clock and Discord's limit on background calls every cog may read. Unless the
    test says otherwise, it runs every server's shard and is not connected (so it is in
    no server it could be out of, `bot.app.out_of_server`, and knows no server's name)."""
    return SimpleNamespace(**{"wall_clock": WallClock(), "discord_limit": DiscordLimit(),
                              "runs_guild": lambda guild_id: True, "own_shards": None,
                              "is_ready": lambda: False,
                              "get_guild": lambda guild_id: None} | parts)
