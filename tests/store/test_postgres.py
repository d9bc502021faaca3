"""What only the PostgreSQL backend does: migrations on a blank database, several
processes sharing one database, the outbox's NOTIFY and SKIP LOCKED claims."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bot.errors import DatabaseBusy, DatabaseUnwritable, EventNotFound, Unavailable
from bot.models import CapacityPayload, DeletedEvent, EventEdit, SeenLocale
from bot.registration import JoinOutcome, Status
from bot.storage import EventDraft, open_store
from bot.storage.postgres.content import PostgresContent
from bot.storage.postgres.migrations import MIGRATIONS, SCHEMA_VERSION
from bot.storage.postgres.registrations import PostgresRegistrations
from bot.storage.postgres.session import DatabaseAway
from bot.storage.postgres.settings import take_turns
from bot.zones import day_offsets
from tests.conftest import (
    ROOT,
    attendees_of,
    execute_sql,
    make_page,
    new_event,
    rsvp_of,
    set_on_database,
)
from tests.store.test_ask import (
    OLD_EVENT,
    OLD_HAN,
    TRADITIONAL_PAGE,
    check_traditional_page_searched_in_simplified,
    import_bundled_pages,
)
from tests.store.test_reads import waitlisted_second
from tests.store.test_reminders_roles import claim_held_up
from tests.store.test_store import (
    OLD_CHINESE_PAGE,
    OLD_EVENTS,
    OLD_PAGES,
    OLD_PEOPLE,
    check_calendar_revisions,
    check_old_chinese_page_replaced_by_its_edit,
    check_old_content_kept_until_every_page_is_imported_again,
    check_old_days_in_their_zones,
)
from tests.terminal import run_in_terminal


async def test_a_blank_database_is_migrated_once_even_by_two_processes_at_once(blank_url):
    first, second = await asyncio.gather(open_store(blank_url), open_store(blank_url))
    try:
        assert await first.run(first.schema.schema_version) == SCHEMA_VERSION
        event = await new_event(first, capacity=5)
        assert (await second.join(1, event.id, 7, "m")).result.outcome is JoinOutcome.CONFIRMED
    finally:
        await first.close()
        await second.close()
    conn = await asyncpg.connect(blank_url)
    try:
        versions = [r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")]
    finally:
        await conn.close()
    assert sorted(versions) == sorted(MIGRATIONS)  # each once
    async with await open_store(blank_url) as reopened:  # nothing migrates twice
        assert await reopened.run(reopened.schema.schema_version) == SCHEMA_VERSION


async def test_a_database_from_a_newer_bot_is_refused(blank_url):
    conn = await asyncpg.connect(blank_url)
    try:
        await conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                           " applied_at BIGINT NOT NULL)")
        await conn.execute("INSERT INTO schema_migrations VALUES ($1, 0)", SCHEMA_VERSION + 1)
    finally:
        await conn.close()
    with pytest.raises(Unavailable, match="newer than this bot"):
        await open_store(blank_url)


@pytest.mark.parametrize(("dropped", "lacks"), [
    ("TABLE rsvps", "the table rsvps (and 2 more)"),  # (its two indexes went with it)
    ("TRIGGER event_versions_changed ON events", "the trigger event_versions_changed")])
async def test_a_database_missing_part_of_its_schema_is_refused_in_one_line(postgres_url,
                                                                           dropped, lacks):
    """A table or trigger of the bot's dropped by hand: a start was told the database
    "can't be reached right now; try again in a moment", or started and counted no
    `[event]` versions. Nothing is written."""
    async with await open_store(postgres_url) as store:
        await new_event(store)
        await execute_sql(store, f"DROP {dropped}")
    with pytest.raises(Unavailable) as raised:
        await open_store(postgres_url)
    assert str(raised.value) == (f"the database lacks {lacks} of the bot's schema: restore "
                                 "it from a backup, or start afresh in a new database")


async def test_an_unreachable_server_is_one_line_without_the_password(postgres_cluster):
    url = f"postgresql://bot:s3cret@127.0.0.1:{postgres_cluster.port}/no_such_database"
    with pytest.raises(Unavailable) as raised:
        await open_store(url)
    message = str(raised.value)
    assert "s3cret" not in message and "\n" not in message
    assert "postgresql://127.0.0.1" in message and "DATABASE_URL" in message


async def test_a_server_that_never_answers_is_given_up_on_within_seconds(postgres_cluster):
    # A host that accepts the connection and then says nothing (a hung server, a dropped
    # route): asyncpg alone would wait 60 s; the store gives up after CONNECT_TIMEOUT.
    from bot.storage.postgres.store import CONNECT_TIMEOUT

    silent = await asyncio.start_server(lambda r, w: asyncio.sleep(3600), "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    started = asyncio.get_running_loop().time()
    try:
        with pytest.raises(Unavailable) as raised:
            await open_store(f"postgresql://bot@127.0.0.1:{port}/eventbot")
    finally:
        silent.close()
    waited = asyncio.get_running_loop().time() - started
    assert waited < CONNECT_TIMEOUT + 5, waited
    assert "DATABASE_URL" in str(raised.value)


async def backends(url: str) -> tuple[asyncpg.Connection, list[int]]:
    """A connection of the test's own, and the server processes of every other session
    of the database (the store's)."""
    admin = await asyncpg.connect(url)
    pids = [r[0] for r in await admin.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid()")]
    return admin, pids


async def test_a_server_that_stops_answering_holds_a_request_seconds_not_for_ever(
        postgres_url, monkeypatch):
    """The server processes of the store's connections freeze (SIGSTOP: as a hung server,
    or a network that drops packets without a word, leaves them): a join and a read on
    them are not held until the server comes back (or, with the network gone, until the
    operating system gives up, a quarter of an hour on), but given up on after
    ANSWER_WITHIN and made again on a new connection; nothing is written twice."""
    from bot.storage.postgres import store as postgres_store

    monkeypatch.setattr(postgres_store, "ANSWER_WITHIN", 0.5)
    store = await open_store(postgres_url)
    admin, frozen = await backends(postgres_url)
    try:
        event = await new_event(store, capacity=5)
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        started = asyncio.get_running_loop().time()
        asked = asyncio.gather(store.join(1, event.id, 7, "m"),
                               store.run(store.registrations.member_rsvp, 1, event.id, 8))
        try:
            await asyncio.wait([asked], timeout=5)  # (not cancelled: it ends once thawed)
            waited = asyncio.get_running_loop().time() - started
        finally:
            for pid in frozen:
                os.kill(pid, signal.SIGCONT)
        joined, status = await asked
        assert waited < 5, "held until the server answered again"
        assert joined.result.outcome is JoinOutcome.CONFIRMED and status[1] is None
        assert await admin.fetchval("SELECT confirmed_count FROM events WHERE id = $1",
                                    event.id) == 1
    finally:
        await admin.close()
        await store.close()


async def opening_behind_a_lock(other: asyncpg.Connection, url: str) -> asyncio.Future:
    """A store opening at `url`, once it waits for an advisory lock (the migration's)
    that `other` holds."""
    opening = asyncio.ensure_future(open_store(url))
    while not await other.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                                   " AND NOT granted"):
        assert not opening.done(), opening.exception()
        await asyncio.sleep(0.02)
    return opening


async def test_a_migration_waits_for_another_past_the_statements_timeout(blank_url,
                                                                          monkeypatch):
    """Another process's migration (holding the migration lock) may rightly take longer
    than a statement of a request waits for its answer: a start waits for it."""
    from bot.storage.postgres import store as postgres_store
    from bot.storage.postgres.migrate import MIGRATION_LOCK

    monkeypatch.setattr(postgres_store, "ANSWER_WITHIN", 0.2)
    other = await asyncpg.connect(blank_url)
    try:
        async with other.transaction():
            await other.execute("SELECT pg_advisory_xact_lock(hashtext($1))", MIGRATION_LOCK)
            opening = await opening_behind_a_lock(other, blank_url)
            await asyncio.sleep(0.4)  # past the timeout of a request's statement
        async with await opening as store:
            assert await store.run(store.schema.schema_version) == SCHEMA_VERSION
    finally:
        await other.close()


async def test_a_start_waits_for_another_migration_past_a_statement_timeout_of_the_database(
        blank_url):
    """The database's admin set a statement_timeout on it (ALTER DATABASE ... SET
    statement_timeout), as many do to keep a runaway query short: a request's statement
    is held to it, but a migration, which may rightly take long, is not. Before, a shard
    process starting while another migrated waited for the migration lock only that long,
    and its start failed ("canceling statement due to statement timeout"), as would any
    step of a migration or of `migrate-db` taking longer."""
    from bot.storage.postgres.migrate import MIGRATION_LOCK

    other = await asyncpg.connect(blank_url)
    try:
        name = await other.fetchval("SELECT current_database()")
        await other.execute(f'ALTER DATABASE "{name}" SET statement_timeout = 200')
        async with other.transaction():
            await other.execute("SET LOCAL statement_timeout = 0")
            await other.execute("SELECT pg_advisory_xact_lock(hashtext($1))", MIGRATION_LOCK)
            opening = await opening_behind_a_lock(other, blank_url)
            await asyncio.sleep(0.6)  # past the database's statement_timeout
        async with await asyncio.wait_for(opening, 30) as store:
            assert await store.run(store.schema.schema_version) == SCHEMA_VERSION
            # Requests are still held to the admin's timeout.
            with pytest.raises(DatabaseBusy):
                await store.run(execute_sql_slowly, store)
    finally:
        await other.close()


async def execute_sql_slowly(store) -> None:
    """A request's statement that runs past a 200 ms statement_timeout."""
    async with store.repositories.events._transaction() as conn:
        await conn.execute("SELECT pg_sleep(1)")


def join_from_a_process(url: str, event_id: int, users: list[int], start, answers) -> None:
    """One bot process: its own store; once every process is ready, its joins in bursts
    of five (so the processes' transactions interleave); what each member was told goes
    back to the test."""
    async def main() -> None:
        async with await open_store(url) as store:
            await asyncio.to_thread(start.wait, 60)
            results = []
            for first in range(0, len(users), 5):
                results += await asyncio.gather(*(store.join(1, event_id, u, f"m{u}")
                                                  for u in users[first:first + 5]))
        answers.put([(u, r.result.outcome.value, r.result.position, r.result.filled)
                     for u, r in zip(users, results, strict=True)])
    asyncio.run(main())


async def test_500_joins_on_50_seats_from_4_processes(postgres_url):
    async with await open_store(postgres_url) as store:
        event = await new_event(store, capacity=50)
    spawn = multiprocessing.get_context("spawn")
    answers, start = spawn.Queue(), spawn.Barrier(4)
    procs = [spawn.Process(target=join_from_a_process, args=(
                 postgres_url, event.id, list(range(first, 501, 4)), start, answers))
             for first in range(1, 5)]
    for proc in procs:
        proc.start()
    told = [answer for _ in procs for answer in await asyncio.to_thread(answers.get, True, 120)]
    for proc in procs:
        await asyncio.to_thread(proc.join, 30)
        assert proc.exitcode == 0
    async with await open_store(postgres_url) as store:
        saved = await store.run(store.events.get_event, 1, event.id)
        attendees = await attendees_of(store, event.id)
        notices = await store.run(store.notices.claim_notices)
    assert (saved.confirmed, saved.waitlisted) == (50, 450)
    assert sum(a.status is Status.CONFIRMED for a in attendees) == 50
    waitlist = [a for a in attendees if a.status is Status.WAITLISTED]
    assert [a.position for a in waitlist] == list(range(1, 451))
    assert [a.joined_at for a in waitlist] == sorted(a.joined_at for a in waitlist)
    # What each member was told is what was committed.
    assert sorted((u, o, p) for u, o, p, _ in told) == sorted(
        (a.user_id, "confirmed" if a.status is Status.CONFIRMED else "waitlisted", a.position)
        for a in attendees)
    assert sum(filled for *_, filled in told) == 1
    assert [n.payload for n in notices] == [CapacityPayload()]


async def test_a_notice_written_in_one_process_wakes_the_others(postgres_url):
    async with await open_store(postgres_url) as writer, \
            await open_store(postgres_url) as deliverer:
        event = await new_event(writer, capacity=5)
        await asyncio.sleep(0.1)
        deliverer.notices_ready.clear()
        await writer.run(writer.registrations.close_registration, 1, event.id, "full room")
        await asyncio.wait_for(deliverer.notices_ready.wait(), 5)
        [notice] = await deliverer.run(deliverer.notices.claim_notices)
        assert notice.kind == "closed"


async def test_the_reminder_check_reads_no_other_events_promotions_queued(postgres_url):
    """As on SQLite (test_store's test of the reminder check): 200,000 promotion DMs of
    another event queued, their statistics known (autovacuum's ANALYZE), the reminder
    check's read of the promotions of the events due reads theirs alone, where the
    planner walked the whole outbox in id order (2,419 pages for 3 rows)."""
    import json

    from bot.storage import utcnow
    from bot.storage.postgres.reminders import PROMOTIONS_OF_EVENTS
    from bot.storage.reminder_walk import PROMOTION_FIRST

    async with await open_store(postgres_url) as store:
        soon, _ = await store.run(store.events.save_event, 1, EventDraft(
            slug="soon", title="Soon", capacity=5, starts_at=utcnow() + timedelta(minutes=30)),
            [("page text", make_page())])
        for user in (1, 2, 3):
            await store.join(1, soon.id, user, "m")
        conn = await asyncpg.connect(postgres_url)
        try:
            await conn.execute(
                "INSERT INTO outbox (guild_id, event_id, kind, payload, created_at)"
                " SELECT 2, $1, 'promoted', '{}', $2 FROM generate_series(1, 200000)",
                soon.id + 1, int(utcnow().timestamp()))
            await conn.execute("ANALYZE outbox")
            plan = json.loads(await conn.fetchval(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + PROMOTIONS_OF_EVENTS,
                int(utcnow().timestamp()) - PROMOTION_FIRST, [soon.id]))[0]["Plan"]
        finally:
            await conn.close()
        assert plan["Shared Hit Blocks"] + plan["Shared Read Blocks"] < 50, plan
        claimed = await store.run(store.reminders.claim_reminders)
        assert sorted(r.user_id for r in claimed) == [1, 2, 3]


async def test_two_deliverers_claiming_at_once_never_take_the_same_notice(postgres_url):
    async with await open_store(postgres_url) as one, await open_store(postgres_url) as two:
        event = await new_event(one, capacity=10)
        await asyncio.gather(*(one.join(1, event.id, user, "m") for user in range(1, 51)))
        for user in range(1, 41):  # each cancel gives the seat to the head of the waitlist
            await one.run(one.registrations.cancel, 1, event.id, user)
        claims = await asyncio.gather(*(store.run(store.notices.claim_notices, 5)
                                        for store in (one, two) for _ in range(6)))
        ids = [n.id for claim in claims for n in claim]
        assert len(ids) == len(set(ids)) == 41  # the capacity notice and 40 promotions


async def migrate_db(source, url) -> subprocess.CompletedProcess[str]:
    """`python -m bot migrate-db --to URL` with DATABASE_PATH=source, as a user runs it."""
    env = {**os.environ, "DATABASE_PATH": str(source), "EVENTS_DIR": str(ROOT / "data/events")}
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot", "migrate-db", "--to", url], env=env,
        cwd=ROOT, capture_output=True, text=True, timeout=120)


async def test_migrate_db_copies_everything_once_and_ids_are_never_given_again(
        postgres_url, tmp_path):
    source = tmp_path / "bot.sqlite3"
    async with await open_store(source) as old:
        seed = await import_bundled_pages(old, guild_id=5)
        gone = await new_event(old, guild_id=5, capacity=3, slug="gone")
        await old.run(old.events.delete_event, 5, gone.id)
        small = await new_event(old, guild_id=5, capacity=1, slug="small")
        for user in (1, 2, 3):  # SQLite holds a NUL, which PostgreSQL's text does not
            await old.join(5, small.id, user, f"member {user}" if user < 3 else "member \x003")
        await old.run(old.settings.set_timezone, 5, "Europe/Paris")
        purged = await new_event(old, guild_id=6, slug="purged")  # the highest id, purged
        await old.run(old.settings.set_guild_left, 6, datetime(2020, 1, 1, tzinfo=UTC))
        assert await old.run(old.settings.purge_guild, 6, datetime.now(UTC))
        await old.run(old.notices.add_announcement_message, small.id, 77, 88, "digest")
        [first, *_] = await old.run(old.notices.claim_notices)
        await old.run(old.notices.ack_notice, first.id)  # its id must stay unused
        await old.run(old.notices.release_notices)
        expected_notices = [n.payload for n in await old.run(old.notices.claim_notices)]
        await old.run(old.notices.release_notices)
        expected_answer = [p.source for p in await old.run(old.search.ask, 5, "THAAD")]
    for _ in range(2):  # the second run changes nothing
        done = await migrate_db(source, postgres_url)
        assert done.returncode == 0, done.stderr
        assert "3 rsvps" in done.stdout and "postgres@" not in done.stdout
    async with await open_store(postgres_url) as new:
        assert [p.source for p in await new.run(new.search.ask, 5, "THAAD")] == expected_answer
        assert (await new.run(new.events.get_event, 5, seed.id)).title == seed.title
        assert await new.run(new.events.deleted_event, 5, gone.id) == DeletedEvent(gone.title)
        attendees = await attendees_of(new, small.id)
        assert [(a.user_id, a.status, a.position) for a in attendees] == [
            (1, Status.CONFIRMED, None), (2, Status.WAITLISTED, 1), (3, Status.WAITLISTED, 2)]
        assert [a.name for a in attendees] == ["member 1", "member 2", "member 3"]
        assert await new.run(new.settings.timezone, 5) == "Europe/Paris"
        assert [m.message_id for m in
                await new.run(new.notices.announcement_messages, small.id)] == [88]
        notices = await new.run(new.notices.claim_notices)
        assert [n.payload for n in notices] == expected_notices
        later = await new_event(new, guild_id=5, slug="later")
        assert later.id > max(seed.id, gone.id, small.id, purged.id)
        await new.run(new.registrations.close_registration, 5, later.id, None)
        [closed] = await new.run(new.notices.claim_notices)
        assert closed.id > first.id and closed.id not in {n.id for n in notices}


async def test_migrate_db_shows_its_progress_at_a_terminal_and_none_into_a_pipe(
        postgres_url, tmp_path):
    source = tmp_path / "bot.sqlite3"
    async with await open_store(source) as old:
        event = await new_event(old, guild_id=5, capacity=10)
        for user in range(1, 21):
            await old.join(5, event.id, user, f"member {user}")
    env = {**os.environ, "DATABASE_PATH": str(source), "EVENTS_DIR": str(ROOT / "data/events")}
    status, shown = await asyncio.to_thread(
        run_in_terminal, [sys.executable, "-m", "bot", "migrate-db", "--to", postgres_url],
        env=env, cwd=ROOT)
    assert status == 0, shown
    counts = re.search(r"copied .*?: (.*); every row checked", shown)
    assert counts, shown
    rows = {table: int(n) for n, table in re.findall(r"(\d+) (\w+)", counts.group(1))}
    assert rows["rsvps"] == 20
    # Every row copied then checked, and the one event's search rows rebuilt: all drawn.
    steps = 2 * sum(rows.values()) + rows["events"]
    assert "copying into" in shown and f"{steps}/{steps}" in shown and "━" in shown, shown
    assert "postgres@" not in shown  # the URL without its password

    done = await migrate_db(source, postgres_url)  # again, into a pipe: only the result
    assert done.returncode == 0 and done.stderr == ""
    assert len(done.stdout.splitlines()) == 1 and "20 rsvps" in done.stdout


async def test_migrate_db_copies_a_database_whose_name_has_uri_characters(postgres_url,
                                                                         tmp_path):
    """The copy read its source as a URI it spelled by hand: a name holding "#", "?" or
    "%" opened another file (an empty one it made, "bot " here), and the copy ended in a
    traceback."""
    source = tmp_path / "bot #1?100%.sqlite3"
    async with await open_store(source) as old:
        event = await new_event(old, guild_id=5, capacity=10)
        await old.join(5, event.id, 1, "member 1")
    done = await migrate_db(source, postgres_url)
    assert done.returncode == 0, done.stderr
    assert "1 rsvps" in done.stdout
    assert {p.name.removesuffix("-wal").removesuffix("-shm") for p in tmp_path.iterdir()
            } == {source.name}


async def test_migrate_db_into_a_database_with_other_events_changes_nothing(postgres_url,
                                                                           tmp_path):
    source = tmp_path / "bot.sqlite3"
    async with await open_store(source) as old:
        await new_event(old, guild_id=5, slug="mine")
    async with await open_store(postgres_url) as other:
        await new_event(other, guild_id=5, slug="theirs")
    done = await migrate_db(source, postgres_url)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "copy was undone" in done.stderr
    async with await open_store(postgres_url) as other:
        titles = (await other.run(other.events.event_titles, 5)).titles
        assert [e.slug for e in titles] == ["theirs"]


async def log_every_statement(cluster, url: str) -> ServerLog:
    """The server logs every statement of the database at `url` in sessions opened from
    now on (a store opened afterwards); the log to read them in."""
    await set_on_database(cluster, url, "log_statement", "'all'")
    return ServerLog(cluster.root / "log")


class ServerLog:
    """The statements the server logged, as lines, from a point on."""

    def __init__(self, path) -> None:
        self._path = path
        self._start = 0

    def mark(self) -> None:
        self._start = self._path.stat().st_size

    def statements(self) -> list[str]:
        """Those logged since `mark`, a line each (an `executemany` logs a line a row)."""
        with self._path.open("rb") as text:
            text.seek(self._start)
            logged = text.read().decode().splitlines()
        return [line for line in logged if "LOG:  statement:" in line or "LOG:  execute" in line]


async def test_a_join_at_a_time_costs_five_statements_on_the_server(postgres_cluster,
                                                                     postgres_url):
    """One member joining at a time (the quiet case) pays a round trip per statement:
    BEGIN, lock the event, read the RSVPs, write, COMMIT; no pool reset per join."""
    log = await log_every_statement(postgres_cluster, postgres_url)
    async with await open_store(postgres_url) as store:
        event = await new_event(store, capacity=10)
        await store.join(1, event.id, 0, "warm-up")
        log.mark()
        for user in range(1, 21):  # 10 seats, then the waitlist
            await store.join(1, event.id, user, "member")
        statements = log.statements()
        saved = await store.run(store.events.get_event, 1, event.id)
    assert (saved.confirmed, saved.waitlisted) == (10, 11)
    # and the one fill's capacity notice: its outbox row and its NOTIFY, one statement
    assert len(statements) == 20 * 5 + 1, "\n".join(statements[:12])


async def test_repeat_joins_deep_in_a_waitlist_are_placed_in_one_statement(postgres_cluster,
                                                                           postgres_url):
    """Members deep in a long waitlist pressing Join again, in one burst, are told their
    places from one statement: not a count of the waitlist ahead of each, made while the
    event is locked (a burst of them held it for seconds, past Discord's deadline for
    the joins of every other event of the process)."""
    log = await log_every_statement(postgres_cluster, postgres_url)
    async with await open_store(postgres_url) as store:
        event = await new_event(store, capacity=1)
        await asyncio.gather(*(store.join(1, event.id, user, "m") for user in range(1, 302)))
        log.mark()
        again = list(range(301, 201, -1))  # the last hundred, deepest first
        answers = await asyncio.gather(*(store.join(1, event.id, user, "m") for user in again))
        statements = log.statements()
    assert [(a.result.outcome, a.result.position) for a in answers] == [
        (JoinOutcome.ALREADY_WAITLISTED, user - 1) for user in again]
    # BEGIN, the lock, the RSVPs, their places, COMMIT: nothing changed, nothing written
    assert len(statements) == 5, "\n".join(statements[:12])


async def test_promoting_telling_or_deleting_many_costs_the_statements_of_a_few(
        postgres_cluster, postgres_url):
    """A capacity raise promoting a whole waitlist, an edit telling every member, and a
    deletion telling them too: as many statements for 60 members as for 3 (a notice's
    row and NOTIFY each held the event for two round trips a member)."""
    log = await log_every_statement(postgres_cluster, postgres_url)
    costs, told = {}, {}
    moved = EventEdit(title="Moved", starts_at=datetime(2031, 5, 1, 18, tzinfo=UTC),
                      ends_at=None, all_day=False, venue="Elsewhere", link=None)
    async with await open_store(postgres_url) as store:
        for members in (3, 3, 60):  # the first to warm the pool's connections up
            event = await new_event(store, capacity=1, slug=f"talk-{members}")
            await asyncio.gather(*(store.join(1, event.id, user, "m")
                                   for user in range(1, members + 1)))
            await store.run(store.notices.claim_notices, 1000)
            costs[members], told[members] = [], []
            for change, args in ((store.registrations.set_capacity, (members,)),
                                 (store.events.edit_event, (moved,)),
                                 (store.events.delete_event, ())):
                log.mark()
                await store.run(change, 1, event.id, *args)
                costs[members].append(len(log.statements()))
                told[members].append(sorted(Counter(
                    n.kind for n in await store.run(store.notices.claim_notices, 1000)).items()))
    assert costs[60] == costs[3], costs
    # and every member heard each once: promoted (but the one seated), moved, deleted
    assert told[60] == [[("promoted", 59)],
                        [("changed", 1), ("changed_dm", 60)],
                        [("cancelled", 60), ("deleted", 1)]]


async def test_a_change_telling_many_members_encodes_their_dms_off_the_event_loop(
        postgres_url, monkeypatch):
    """A change of the date of an event of 100,000 members encoded their DMs on the event
    loop (0.7 s, every other request of the process waiting), and asyncpg encoded them
    again as one statement's arguments (0.3 s). Past a few hundred, they are encoded on a
    thread, and inserted a bounded number a statement, in order, in the change's
    transaction. (Bounds made small here: 5 members, 2 notices a statement.)"""
    from bot import offload
    from bot.storage.postgres import outbox as pg_outbox

    monkeypatch.setattr(offload, "ON_LOOP_ITEMS", 3)
    monkeypatch.setattr(pg_outbox, "NOTICES_PER_STATEMENT", 2)
    on_loop: list[bool] = []

    def encoded(payload):
        on_loop.append(asyncio._get_running_loop() is not None)
        return encode(payload)

    encode = pg_outbox.encode_payload
    monkeypatch.setattr(pg_outbox, "encode_payload", encoded)
    inserts: list[int] = []
    execute = asyncpg.connection.Connection.execute

    async def counted(self, query, *args, **kwargs):
        if query == pg_outbox.QUEUE_NOTICES:
            inserts.append(len(args[0]))
        return await execute(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.connection.Connection, "execute", counted)
    moved = EventEdit(title="Moved", starts_at=datetime(2031, 5, 1, 18, tzinfo=UTC),
                      ends_at=None, all_day=False, venue=None, link=None)
    async with await open_store(postgres_url) as store:
        event = await new_event(store, capacity=10)
        for user in range(1, 6):
            await store.join(1, event.id, user, "m")
        await store.run(store.notices.claim_notices, 1000)
        on_loop.clear()
        inserts.clear()
        await store.run(store.events.edit_event, 1, event.id, moved)
        told = await store.run(store.notices.claim_notices, 1000)
    assert on_loop == [False] * 6, on_loop  # the channel's notice and 5 DMs
    assert inserts == [2, 2, 2]
    assert [(n.kind.value, getattr(n.payload, "user_id", None)) for n in told] == [
        ("changed", None), *(("changed_dm", user) for user in range(1, 6))]


async def test_a_big_events_notices_wait_for_no_heavy_work_while_its_row_is_locked(
        postgres_url, monkeypatch):
    """The notices of a change or deletion of an event of many members are built on
    threads while its transaction holds the event's row: queued behind the heavy work
    (two imports of large pages, seconds each), a change of date of an event of 3,000
    members held the row 3 s, a join to it waiting 2.9 s. They have threads of their
    own. (Bounds made small here: 5 members; the heavy threads held till the end.)"""
    import threading

    from bot import offload

    monkeypatch.setattr(offload, "ON_LOOP_ITEMS", 3)
    moved = EventEdit(title="Moved", starts_at=datetime(2031, 5, 1, 18, tzinfo=UTC),
                      ends_at=None, all_day=False, venue=None, link=None)
    held = threading.Event()
    try:
        async with await open_store(postgres_url) as store:
            event = await new_event(store, capacity=10)
            for user in range(1, 6):
                await store.join(1, event.id, user, "m")
            await store.run(store.notices.claim_notices, 1000)
            busy = [offload._heavy_executor().submit(held.wait, 30)
                    for _ in range(offload.HEAVY_THREADS)]
            await asyncio.wait_for(store.run(store.events.edit_event, 1, event.id, moved), 5)
            await asyncio.wait_for(store.run(store.events.delete_event, 1, event.id), 5)
            told = await store.run(store.notices.claim_notices, 1000)
            assert not any(job.done() for job in busy)  # all of it with the threads held
    finally:
        held.set()
    assert [(n.kind.value, getattr(n.payload, "user_id", None)) for n in told] == [
        ("deleted", None), *(("cancelled", user) for user in range(1, 6))]


async def test_an_operation_cancelled_midway_is_rolled_back_quietly(postgres_url):
    # At shutdown the bot cancels what is in flight: a transaction caught waiting must be
    # rolled back before its connection returns to the pool, and the pool must not have
    # to reset it (asyncpg reports that as an error).
    reported: list[str] = []
    asyncio.get_running_loop().set_exception_handler(
        lambda loop, context: reported.append(context["message"]))
    async with await open_store(postgres_url) as store:
        event = await new_event(store, capacity=5)
        blocker = await asyncpg.connect(postgres_url)
        try:
            async with blocker.transaction():
                await blocker.execute("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", event.id)
                for _ in range(2):  # cancelled once, and again while it rolls back
                    closing = asyncio.ensure_future(store.run(
                        store.registrations.close_registration, 1, event.id, None))
                    await asyncio.sleep(0.3)  # waiting for the row, inside its transaction
                    closing.cancel()
                    await asyncio.sleep(0)
                    closing.cancel()
                    with pytest.raises(asyncio.CancelledError):
                        await closing
        finally:
            await blocker.close()
        await store.run(store.registrations.close_registration, 1, event.id, None)
        assert not (await store.run(store.events.get_event, 1, event.id)).registration_open
    assert reported == []


async def test_statements_prepared_before_another_process_upgrades_are_prepared_again(
        postgres_url):
    # A rolling upgrade: a newer bot adds a column while this one runs. The statements
    # this process's connections prepared before it read rows of another shape now, which
    # PostgreSQL refuses inside a transaction; the request is made again, not failed.
    async with await open_store(postgres_url) as store:
        event = await new_event(store, capacity=5)
        await store.join(1, event.id, 7, "m")  # (the joins keep a connection of their own)
        await store.run(store.events.get_event, 1, event.id)  # its statements prepared
        await execute_sql(store, "ALTER TABLE events ADD COLUMN from_a_newer_bot INTEGER")
        assert (await store.run(store.events.get_event, 1, event.id)).confirmed == 1
        assert (await store.join(1, event.id, 8, "m")).result.outcome is JoinOutcome.CONFIRMED


async def test_a_transaction_postgresql_ended_for_a_deadlock_is_made_again(postgres_url,
                                                                          monkeypatch):
    # Two transactions waiting for each other's locks: PostgreSQL ends one of them with
    # deadlock_detected, rolled back whole, so the request is made again, not failed.
    close = PostgresRegistrations.close_registration
    ended: list[int] = []

    async def deadlocked_once(self, guild_id, event_id, reason, by=None):
        if not ended:
            ended.append(event_id)
            async with self._transaction() as conn:
                await conn.execute("UPDATE events SET registration_open = false WHERE id = $1",
                                   event_id)
                await conn.execute("DO $$ BEGIN RAISE EXCEPTION 'deadlock detected'"
                                   " USING ERRCODE = 'deadlock_detected'; END $$")
        await close(self, guild_id, event_id, reason, by)

    monkeypatch.setattr(PostgresRegistrations, "close_registration", deadlocked_once)
    async with await open_store(postgres_url) as store:
        event = await new_event(store, capacity=5)
        await store.run(store.registrations.close_registration, 1, event.id, None)
        assert ended == [event.id]
        assert not (await store.run(store.events.get_event, 1, event.id)).registration_open
        assert [n.kind for n in await store.run(store.notices.claim_notices)] == ["closed"]


def slowed(monkeypatch: pytest.MonkeyPatch, step: str) -> asyncio.Event:
    """Make every transaction's `step` ("start" is BEGIN, "commit" COMMIT) take 0.2 s on
    its way to the server; the event returned is set when one is under way."""
    original = getattr(asyncpg.transaction.Transaction, step)
    under_way = asyncio.Event()

    async def slow(self: asyncpg.transaction.Transaction) -> None:
        under_way.set()
        await asyncio.sleep(0.2)
        await original(self)

    monkeypatch.setattr(asyncpg.transaction.Transaction, step, slow)
    return under_way


async def test_an_operation_cancelled_while_it_begins_is_rolled_back_quietly(
        postgres_url, monkeypatch):
    """A cancellation landing while BEGIN is on its way waits for it; the transaction
    BEGIN opened is then rolled back, not left for the pool to reset."""
    reported: list[str] = []
    asyncio.get_running_loop().set_exception_handler(
        lambda loop, context: reported.append(context["message"]))
    async with await open_store(postgres_url) as store:
        event = await new_event(store, capacity=5)
        beginning = slowed(monkeypatch, "start")
        closing = asyncio.ensure_future(store.run(
            store.registrations.close_registration, 1, event.id, None))
        await beginning.wait()
        closing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await closing
        monkeypatch.undo()
        assert (await store.run(store.events.get_event, 1, event.id)).registration_open
        await store.run(store.registrations.close_registration, 1, event.id, None)
        assert not (await store.run(store.events.get_event, 1, event.id)).registration_open
    assert reported == []


async def outbox_claims(url: str) -> list[int | None]:
    conn = await asyncpg.connect(url)
    try:
        return [row[0] for row in await conn.fetch("SELECT claimed_at FROM outbox ORDER BY id")]
    finally:
        await conn.close()


async def test_a_claim_cancelled_while_it_commits_is_given_back_at_close(postgres_url,
                                                                          monkeypatch):
    """The deliverer stopped at shutdown while its claim was committing: the claim is
    noted all the same, so closing makes the notice claimable at once, not in a minute."""
    store = await open_store(postgres_url)
    try:
        event = await new_event(store, capacity=5)
        await store.run(store.registrations.close_registration, 1, event.id, None)
        committing = slowed(monkeypatch, "commit")
        claiming = asyncio.ensure_future(store.run(store.notices.claim_notices))
        await committing.wait()
        claiming.cancel()
        with pytest.raises(asyncio.CancelledError):
            await claiming
        monkeypatch.undo()
        assert [at is not None for at in await outbox_claims(postgres_url)] == [True]
    finally:
        await store.close()
    assert await outbox_claims(postgres_url) == [None]


async def test_a_claim_whose_connection_is_lost_after_its_commit_is_delivered_now(
        postgres_url, monkeypatch):
    """The server ends the session right after the claim's COMMIT returned, as a restart
    does, so handing the connection back to the pool fails: the claim took effect, and the
    deliverer gets its notice now, not after the claim expires a minute later."""
    store = await open_store(postgres_url)
    try:
        event = await new_event(store, capacity=5)
        await store.run(store.registrations.close_registration, 1, event.id, None)
        reset = asyncpg.connection.Connection.reset
        lost = []

        async def ended_by_the_server(self, *args, **kwargs):
            if not lost:  # the claim's connection, on its way back to the pool
                lost.append(self)
                self.terminate()
                raise asyncpg.ConnectionDoesNotExistError(
                    "terminating connection due to administrator command")
            return await reset(self, *args, **kwargs)

        monkeypatch.setattr(asyncpg.connection.Connection, "reset", ended_by_the_server)
        notices = await store.run(store.notices.claim_notices)
        monkeypatch.undo()
        assert lost and [n.event_id for n in notices] == [event.id]
        await store.run(store.notices.ack_notice, notices[0].id)  # the pool works on
        assert await outbox_claims(postgres_url) == []
    finally:
        await store.close()


async def test_a_connection_lost_while_committing_is_still_reported(postgres_url, monkeypatch):
    """Only a commit that returned counts as done: the server ending the session as the
    COMMIT goes out leaves the outcome unknown, and the caller is told so."""
    store = await open_store(postgres_url)
    try:
        event = await new_event(store, capacity=5)
        commit = asyncpg.transaction.Transaction.commit
        ended = []

        async def ended_as_it_commits(self):
            if not ended:
                killer = await asyncpg.connect(postgres_url)
                try:
                    ended.append(await killer.fetchval(
                        "SELECT pg_terminate_backend($1)", self._connection.get_server_pid()))
                finally:
                    await killer.close()
            await commit(self)

        monkeypatch.setattr(asyncpg.transaction.Transaction, "commit", ended_as_it_commits)
        with pytest.raises(DatabaseAway) as away:
            await store.run(store.registrations.close_registration, 1, event.id, None)
        monkeypatch.undo()
        assert ended == [True] and away.value.committing
        assert str(away.value) == ("the database stopped answering as this was being saved; "
                                   "check whether it was done, then try again in a moment")
        assert (await store.summary(1, event.id)) is not None
        assert (await store.run(store.events.get_event, 1, event.id)).registration_open
    finally:
        await store.close()


def commit_left_unanswered(monkeypatch) -> list[bool]:
    """The next COMMIT takes effect on the server, but its reply never arrives: the
    connection ends first. The list it returns fills when that has happened."""
    commit = asyncpg.transaction.Transaction.commit
    unanswered: list[bool] = []

    async def committed_unanswered(self):
        await commit(self)
        if not unanswered:
            unanswered.append(True)
            self._connection.terminate()
            raise asyncpg.ConnectionDoesNotExistError(
                "connection was closed in the middle of operation")

    monkeypatch.setattr(asyncpg.transaction.Transaction, "commit", committed_unanswered)
    return unanswered


async def test_a_claim_whose_commit_went_unanswered_is_taken_back_by_its_next_claim(
        postgres_url, monkeypatch):
    """The claim took both notices, but its process never heard: its next claims take
    them back at once, one at a time as they ask, while another process waits out the
    claim as for a claimer that died."""
    store = await open_store(postgres_url)
    other = await open_store(postgres_url)
    try:
        events = [await new_event(store, capacity=5, slug=f"talk-{n}") for n in (1, 2)]
        for event in events:
            await store.run(store.registrations.close_registration, 1, event.id, None)
        unanswered = commit_left_unanswered(monkeypatch)
        with pytest.raises(DatabaseAway) as away:
            await store.run(store.notices.claim_notices)
        monkeypatch.undo()
        assert unanswered and away.value.committing
        assert None not in await outbox_claims(postgres_url)  # the claim took effect
        assert await other.run(other.notices.claim_notices) == []
        taken = [await store.run(store.notices.claim_notices, limit=1) for _ in range(3)]
        assert [[n.event_id for n in notices] for notices in taken] == [
            [events[0].id], [events[1].id], []]
    finally:
        await other.close()
        await store.close()


async def test_only_rows_as_the_unanswered_claim_left_them_are_taken_back(
        postgres_url, monkeypatch):
    """A row claimed again since (after its expiry, by a process that writes no token) is
    no longer this process's; a row locked when the next claim runs (its COMMIT still
    being applied, say) is taken by a claim after it."""
    store = await open_store(postgres_url)
    try:
        events = [await new_event(store, capacity=5, slug=f"talk-{n}") for n in (1, 2)]
        for event in events:
            await store.run(store.registrations.close_registration, 1, event.id, None)
        commit_left_unanswered(monkeypatch)
        with pytest.raises(DatabaseAway):
            await store.run(store.notices.claim_notices)
        monkeypatch.undo()
        other = await asyncpg.connect(postgres_url)
        try:
            # (within a claim's life of this clock: one further ahead was made before
            # the clock was set back, and is anyone's)
            await other.execute("UPDATE outbox SET claimed_at = claimed_at + 1"
                                " WHERE event_id = $1", events[0].id)
            async with other.transaction():
                await other.execute("SELECT 1 FROM outbox WHERE event_id = $1 FOR UPDATE",
                                    events[1].id)
                assert await store.run(store.notices.claim_notices) == []
        finally:
            await other.close()
        [notice] = await store.run(store.notices.claim_notices)
        assert notice.event_id == events[1].id
    finally:
        await store.close()


async def test_a_claim_whose_commit_went_unanswered_is_given_back_at_close(
        postgres_url, monkeypatch):
    store = await open_store(postgres_url)
    try:
        event = await new_event(store, capacity=5)
        await store.run(store.registrations.close_registration, 1, event.id, None)
        commit_left_unanswered(monkeypatch)
        with pytest.raises(DatabaseAway):
            await store.run(store.notices.claim_notices)
        monkeypatch.undo()
    finally:
        await store.close()
    assert await outbox_claims(postgres_url) == [None]


async def test_a_caller_cancelled_while_its_connection_is_lost_renews_the_pool(
        postgres_url, monkeypatch, caplog):
    """The caller stops waiting (a stop) while its COMMIT is on its way, and the
    connection is lost meanwhile: the caller is cancelled, and the pool's other
    connections are renewed as for any lost connection."""
    store = await open_store(postgres_url)
    try:
        event = await new_event(store, capacity=5)
        commit = asyncpg.transaction.Transaction.commit
        committing = asyncio.Event()

        async def lost_as_it_commits(self):
            committing.set()
            await asyncio.sleep(0.1)
            self._connection.terminate()
            raise asyncpg.ConnectionDoesNotExistError("connection was closed")

        monkeypatch.setattr(asyncpg.transaction.Transaction, "commit", lost_as_it_commits)
        expired = []
        renew = asyncpg.pool.Pool.expire_connections

        async def expire(pool):
            expired.append(True)
            await renew(pool)

        monkeypatch.setattr(asyncpg.pool.Pool, "expire_connections", expire)
        closing = asyncio.ensure_future(
            store.run(store.registrations.close_registration, 1, event.id, None))
        await committing.wait()
        closing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await closing
        monkeypatch.setattr(asyncpg.transaction.Transaction, "commit", commit)
        assert expired == [True] and "was lost or refused" in caplog.text
        assert (await store.run(store.events.get_event, 1, event.id)).registration_open
    finally:
        await store.close()


async def test_an_ack_cancelled_at_shutdown_still_removes_the_posted_notice(postgres_url):
    store = await open_store(postgres_url)
    try:
        event = await new_event(store, capacity=5)
        await store.run(store.registrations.close_registration, 1, event.id, None)
        [notice] = await store.run(store.notices.claim_notices)
        # posted; its ack is slowed by another transaction holding the row, and the
        # deliverer is stopped meanwhile
        blocker = await asyncpg.connect(postgres_url)
        try:
            async with blocker.transaction():
                await blocker.execute("SELECT 1 FROM outbox WHERE id = $1 FOR SHARE", notice.id)
                acking = asyncio.ensure_future(store.run(store.notices.ack_notice, notice.id))
                await asyncio.sleep(0.3)
                acking.cancel()
                await asyncio.sleep(0.1)
        finally:
            await blocker.close()
        with pytest.raises(asyncio.CancelledError):
            await acking
    finally:
        await store.close()
    assert await outbox_claims(postgres_url) == []  # not handed out again


async def test_locales_being_written_when_the_writer_stops_are_written_by_stop(postgres_url):
    from bot.adapters.languages import MemberLocales

    async with await open_store(postgres_url) as store:
        await store.run(store.settings.record_member_locales,
                        {1: SeenLocale("en-GB", datetime.now(UTC) - timedelta(minutes=1))})
        locales = MemberLocales(store, interval=0.01)
        locales.start()
        blocker = await asyncpg.connect(postgres_url)
        try:
            async with blocker.transaction():  # another process writing the member's row
                await blocker.execute("SELECT 1 FROM member_locales WHERE user_id = 1"
                                      " FOR UPDATE")
                locales.seen(1, "zh-CN")
                await asyncio.sleep(0.3)  # the writer waits for the row
                stopping = asyncio.ensure_future(locales.stop())
                await asyncio.sleep(0.1)  # the write under way is cancelled, rolled back
        finally:
            await blocker.close()
        await asyncio.wait_for(stopping, 10)
        assert (await store.run(store.settings.member_locales, [1]))[1].locale == "zh-CN"


async def test_a_stop_does_not_wait_long_for_a_claim_held_up_by_a_lock(postgres_url,
                                                                       monkeypatch, caplog):
    """A claim waiting for an event's row, which another process holds, is given up
    (rolled back) after GIVE_BACK_WAIT; it used to hold the stop up as long as the lock."""
    import cogs.reminders

    monkeypatch.setattr(cogs.reminders, "GIVE_BACK_WAIT", 0.5)
    async with await open_store(postgres_url) as store:
        sent: list[int] = []
        async with claim_held_up(store, sent) as cog:
            await asyncio.wait_for(cog.cog_unload(), 3)  # the row is still held
        assert sent == []
        assert "gave up after 0.5 s giving back the reminders" in caplog.text
        assert [c.user_id for c in await store.run(store.reminders.claim_reminders)] == [1, 2, 3]


async def schema_before(url: str, marker: str) -> asyncpg.Connection:
    """A connection to the database at `url` with the schema as the bot left it before the
    migration whose SQL holds `marker`."""
    before = next(n for n, sql in MIGRATIONS.items() if marker in sql)
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                       " applied_at BIGINT NOT NULL)")
    for number in sorted(n for n in MIGRATIONS if n < before):
        await conn.execute(MIGRATIONS[number])
        await conn.execute("INSERT INTO schema_migrations VALUES ($1, 0)", number)
    return conn


async def test_all_day_events_from_before_the_upgrade_get_their_servers_day(blank_url):
    conn = await schema_before(blank_url, "start_offset")  # before days had a zone
    try:
        await conn.execute("INSERT INTO guild_settings (guild_id, timezone)"
                           " VALUES (5, 'Asia/Tokyo')")
        await conn.executemany(
            "INSERT INTO events (id, guild_id, slug, title, capacity, starts_at, ends_at,"
            " all_day, created_at, updated_at) VALUES ($1, $2, $3, 'Old', 10, $4, $5, $6, 0, 0)",
            OLD_EVENTS)
    finally:
        await conn.close()
    async with await open_store(blank_url) as store:
        await check_old_days_in_their_zones(store)


async def test_events_from_before_revisions_start_counting_at_the_upgrade(blank_url):
    conn = await schema_before(blank_url, "events_next_revision")
    try:
        await conn.execute("INSERT INTO events (id, guild_id, slug, title, capacity, venue,"
                           " created_at, updated_at) VALUES (1, 5, 'old', 'Old', 10, 'Hall', 0, 0)")
    finally:
        await conn.close()
    async with await open_store(blank_url) as store:
        assert await check_calendar_revisions(store, 5, 1) == 1 + 6


async def test_search_rows_from_before_the_upgrade_get_simplified_terms(blank_url):
    conn = await schema_before(blank_url, "TRUNCATE passages")
    try:
        await conn.execute(OLD_EVENT)
        await conn.execute("INSERT INTO passages (guild_id, event_id, source, text, han)"
                           " VALUES (5, 1, 'page', $1, $2)", TRADITIONAL_PAGE, OLD_HAN)
    finally:
        await conn.close()
    async with await open_store(blank_url) as store:
        await check_traditional_page_searched_in_simplified(store)


async def test_content_from_before_the_upgrade_is_kept_until_its_pages_come_again(blank_url):
    conn = await schema_before(blank_url, "parsed")
    try:
        await conn.executemany("INSERT INTO events (id, guild_id, slug, title, capacity,"
                               " created_at, updated_at) VALUES ($1, 5, $2, 'Old', 10, 0, 0)",
                               [(1, "old1"), (2, "old2")])
        await conn.executemany("INSERT INTO pages (event_id, kind, body, imported_at)"
                               " VALUES ($1, $2, $3, 0)", OLD_PAGES)
        await conn.executemany("INSERT INTO people VALUES ($1, $2, $3, $4, $5)", OLD_PEOPLE)
    finally:
        await conn.close()
    async with await open_store(blank_url) as store:
        await check_old_content_kept_until_every_page_is_imported_again(store)


async def test_a_chinese_page_from_before_pages_had_languages_is_replaced_by_its_edit(
        blank_url):
    conn = await schema_before(blank_url, "PAGES_LABELLED")
    try:
        await conn.execute("INSERT INTO events (id, guild_id, slug, title, capacity,"
                           " created_at, updated_at) VALUES (1, 5, 'old1', 'Old', 10, 0, 0)")
        await conn.execute("INSERT INTO pages (event_id, kind, body, imported_at)"
                           " VALUES (1, 'announcement', $1, 0)", OLD_CHINESE_PAGE)
        await conn.executemany("INSERT INTO people VALUES (1, $1, $2, $3, '')",
                               [(0, "赵通", "moderator"), (1, "李彬", "speaker"),
                                (2, "樊吉社", "discussant")])
    finally:
        await conn.close()
    async with await open_store(blank_url) as store:
        await check_old_chinese_page_replaced_by_its_edit(store)


async def test_a_zone_change_takes_its_turn_after_an_edit_making_an_event_all_day(
        postgres_url):
    """A zone change reads the server's all-day events as committed when it starts: one
    made all-day by an edit still under way would keep the old zone's day, so edits,
    imports and zone changes of a server take turns."""
    day = datetime(2031, 3, 1, tzinfo=UTC)
    async with await open_store(postgres_url) as store:
        event = await new_event(store, capacity=5)
        async with store._pool.acquire() as conn, conn.transaction():  # the edit under way
            await take_turns(conn, [1])  # first thing, as `edit_event` does
            await conn.execute("UPDATE events SET all_day = true, starts_at = $1, ends_at = $2"
                               " WHERE id = $3", int(day.timestamp()),
                               int(day.timestamp()) + 86_400, event.id)
            zone_change = asyncio.ensure_future(
                store.run(store.settings.set_timezone, 1, "Asia/Tokyo"))
            await asyncio.sleep(0.3)
            assert not zone_change.done()
        await asyncio.wait_for(zone_change, 10)
        found = await store.run(store.events.get_event, 1, event.id)
    assert (found.start_offset, found.end_offset) == day_offsets(
        "Asia/Tokyo", day, day + timedelta(days=1), True) == (9 * 3600, 9 * 3600)


async def test_a_claim_waits_for_a_promotion_under_way_and_reminds_the_promoted(postgres_url):
    """The claim stores where its walk stopped: had it read the members while a
    promotion was being committed, the promoted member, placed before that by a tool's
    SQL, would never be reminded. It waits for the event's row instead."""
    async with await open_store(postgres_url) as store:
        event, _ = await store.run(store.events.save_event, 1, EventDraft(
            slug="soon", title="Soon", capacity=1,
            starts_at=datetime.now(UTC) + timedelta(minutes=30)), [("page", make_page())])
        await store.join(1, event.id, 1, "first")
        await store.join(1, event.id, 2, "waiting")
        async with store._pool.acquire() as conn:
            await conn.execute("UPDATE rsvps SET seq = 9 WHERE event_id = $1 AND user_id = 1",
                               event.id)
            async with conn.transaction():  # 1 cancels and 2 is promoted, as the store does
                await conn.execute("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", event.id)
                await conn.execute("DELETE FROM rsvps WHERE event_id = $1 AND user_id = 1",
                                   event.id)
                await conn.execute("UPDATE rsvps SET status = 'confirmed'"
                                   " WHERE event_id = $1 AND user_id = 2", event.id)
                await conn.execute("UPDATE reminder_cursors SET through_seq = 1"
                                   " WHERE event_id = $1", event.id)
                claim = asyncio.ensure_future(store.run(store.reminders.claim_reminders))
                await asyncio.sleep(0.3)
                assert not claim.done()
        claimed = [due.user_id for due in await asyncio.wait_for(claim, 10)]
        claimed += [due.user_id for due in await store.run(store.reminders.claim_reminders)]
    assert claimed == [2]


async def test_a_claim_with_nothing_due_waits_for_no_join(postgres_url):
    """Rounds run up to once a second while members register: one that finds nothing to
    claim locks no event, so a join under way on an event in its window holds it up not."""
    async with await open_store(postgres_url) as store:
        event, _ = await store.run(store.events.save_event, 1, EventDraft(
            slug="soon", title="Soon", capacity=5,
            starts_at=datetime.now(UTC) + timedelta(minutes=30)), [("page", make_page())])
        await store.join(1, event.id, 1, "first")
        assert [due.user_id for due in await store.run(store.reminders.claim_reminders)] == [1]
        async with store._pool.acquire() as conn, conn.transaction():  # a join under way
            await conn.execute("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", event.id)
            assert await asyncio.wait_for(store.run(store.reminders.claim_reminders), 2) == []


async def test_an_import_waiting_for_an_event_another_process_deletes_is_refused_or_new(
        postgres_url):
    """An import of an event's page looks the event up, then waits for its row, which
    another process's /manage delete holds and deletes: once that commits, the import
    finds no event. The preview's Import (which said it updates that event) is refused
    as for any event deleted since; an import that named none makes the event anew, as
    it would have just after the delete. Neither fails on a row that is gone."""
    page = make_page(title="Doomed talk")
    async with await open_store(postgres_url) as store:
        for updates in (True, False):
            event, _ = await store.run(store.events.save_event, 1, EventDraft(
                slug="doomed", title="Doomed", capacity=5), [("doomed page", page)], new=True)
            # a delete under way, as the store makes it
            async with store._pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", event.id)
                await conn.execute("DELETE FROM outbox WHERE event_id = $1", event.id)
                await conn.execute("DELETE FROM events WHERE id = $1", event.id)
                importing = asyncio.ensure_future(store.run(
                    store.events.save_event, 1, EventDraft(
                        slug="doomed", title="Doomed", capacity=9),
                    [("doomed page", page)], new=True, updates=event.id if updates else None))
                await asyncio.sleep(0.3)
                assert not importing.done()
            if updates:
                with pytest.raises(EventNotFound):
                    await asyncio.wait_for(importing, 10)
                assert await store.run(store.events.all_events) == []  # nothing made
            else:
                made, created = await asyncio.wait_for(importing, 10)
                assert created and made.id != event.id and made.capacity == 9
                assert (await store.run(store.events.get_event, 1, made.id)).title == "Doomed"


async def test_an_edit_takes_its_turn_after_a_zone_change_of_its_server(postgres_url):
    async with await open_store(postgres_url) as store:
        event = await new_event(store, capacity=5)
        before = await store.run(store.events.get_event, 1, event.id)
        edit = EventEdit(title="Moved", starts_at=datetime(2031, 3, 1, tzinfo=UTC),
                         ends_at=None, all_day=True, venue=None, link=None)
        async with store._pool.acquire() as conn, conn.transaction():  # a zone change under way
            await take_turns(conn, [1])
            editing = asyncio.ensure_future(store.run(store.events.edit_event, 1, event.id, edit))
            await asyncio.sleep(0.3)
            assert not editing.done()
        _, after = await asyncio.wait_for(editing, 10)
    assert (before.title, after.title, after.all_day) == (event.title, "Moved", True)


async def test_a_waitlist_position_is_counted_in_the_statement_of_its_rsvp(
        postgres_url, monkeypatch):
    """PostgreSQL gives each statement its own snapshot: a position counted apart from the
    RSVP would count a member promoted in between out of their own waitlist."""
    async with await open_store(postgres_url) as here, await open_store(postgres_url) as there:
        event_id = await waitlisted_second(here)
        position = PostgresRegistrations.position

        async def meanwhile(self, conn, *args):
            await there.run(there.registrations.cancel, 1, event_id, 1)
            return await position(self, conn, *args)

        monkeypatch.setattr(PostgresRegistrations, "position", meanwhile)
        rsvp = await rsvp_of(here, event_id, 2)
        mine = (await here.run(here.registrations.my_rsvps, 1, 2)).shown
        assert (rsvp.status, rsvp.position) == (Status.WAITLISTED, 1)
        assert (mine[0].status, mine[0].position) == (Status.WAITLISTED, 1)
        assert (await rsvp_of(here, event_id, 3)).position == 2


async def test_an_event_is_read_as_of_one_moment(postgres_url, monkeypatch):
    """Its row, people and takeaways are three statements, each of its own moment under
    READ COMMITTED: a retitle and a renamed speaker committed in between must not mix."""
    async with await open_store(postgres_url) as here, await open_store(postgres_url) as there:
        event = await new_event(here)
        changed = []
        people = PostgresContent.people

        async def meanwhile(self, conn, event_id):
            if not changed:  # once, between the event's row and its people
                await execute_sql(there, "UPDATE events SET title = 'Retitled' WHERE id = ?",
                                  event_id)
                changed.append(await execute_sql(
                    there, "UPDATE people SET name = 'Renamed' WHERE event_id = ?", event_id))
            return await people(self, conn, event_id)

        monkeypatch.setattr(PostgresContent, "people", meanwhile)
        found = await here.run(here.events.get_event, 1, event.id)
        assert changed and (found.title, found.people[0].name) == (event.title, "Ada Lovelace")
        again = await here.run(here.events.get_event, 1, event.id)
        assert (again.title, again.people[0].name) == ("Retitled", "Renamed")


async def one_passage_before(blank_url: str, migration: str, text: str) -> None:
    """A database of the schema before the migration holding `migration`, with one event of
    guild 5 and one search row of `text`."""
    conn = await schema_before(blank_url, migration)
    try:
        await conn.execute("INSERT INTO events (id, guild_id, slug, title, capacity,"
                           " created_at, updated_at) VALUES (1, 5, 'old', 'Old', 10, 0, 0)")
        await conn.execute("INSERT INTO passages (guild_id, event_id, source, text)"
                           " VALUES (5, 1, 'page', $1)", text)
    finally:
        await conn.close()


async def test_search_rows_from_before_the_upgrade_fold_their_accents(blank_url):
    # before rows folded accents
    await one_passage_before(blank_url, "translate(text", "A talk at the Café Zürich.")
    async with await open_store(blank_url) as store:
        found = await store.run(store.search.ask, 5, "zurich cafe")
        assert [(p.event_id, p.text) for p in found] == [(1, "A talk at the Café Zürich.")]


async def test_search_rows_from_before_the_upgrade_keep_postgresqls_stopwords(blank_url):
    # before the search rows' own configuration: 'english' dropped them
    await one_passage_before(blank_url, "TEXT SEARCH CONFIGURATION", "They argued against it.")
    async with await open_store(blank_url) as store:
        found = await store.run(store.search.ask, 5, "against")
        assert [(p.event_id, p.excerpt) for p in found] == [
            (1, "They argued \x02against\x03 it.")]


async def test_search_rows_from_before_the_upgrade_read_punctuation_as_spaces(blank_url):
    # before migration 42: "F-35" was "f" and "-35", "cfr.org" one token
    await one_passage_before(blank_url, "#$%&''(", "The F-35, as cfr.org says.")
    async with await open_store(blank_url) as store:
        for question in ("F-35", "cfr"):
            found = await store.run(store.search.ask, 5, question)
            assert [p.event_id for p in found] == [1], question


async def test_search_rows_from_before_the_upgrade_find_the_latin_words_of_chinese_text(
        blank_url):
    # before migration 43: "部署THAAD系统" was one token, "ＴＨＡＡＤ" other letters
    await one_passage_before(blank_url, "regexp_replace(text",
                             "中国反对部署THAAD系统，日本考虑采购ＰＡＣ３。")
    async with await open_store(blank_url) as store:
        for question in ("THAAD", "PAC3"):
            found = await store.run(store.search.ask, 5, question)
            assert [p.event_id for p in found] == [1], question


async def test_a_database_not_in_utf8_is_refused_in_one_line(postgres_cluster):
    """Its text cannot hold Chinese pages, and migration 26's accent folding cannot run
    there: the bot says what to do instead of failing half-way through an upgrade."""
    name = f"pg_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_cluster.url())
    try:
        await admin.execute(f"CREATE DATABASE {name} ENCODING 'LATIN1' LC_COLLATE 'C'"
                            " LC_CTYPE 'C' TEMPLATE template0")
        with pytest.raises(Unavailable, match="encoding is LATIN1, not UTF8") as refused:
            await open_store(postgres_cluster.url(name))
        assert "\n" not in str(refused.value)
        conn = await asyncpg.connect(postgres_cluster.url(name))
        try:  # nothing was made there
            assert await conn.fetchval("SELECT to_regclass('schema_migrations')") is None
        finally:
            await conn.close()
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def test_a_statement_timeout_or_a_full_disk_is_refused_in_words_a_member_can_act_on(
        postgres_url, caplog):
    """PostgreSQL ending a member's join or a moderator's change for a statement_timeout
    set on the bot's database (57014), or for its full disk (53100), rolled it back whole:
    the member is told the database is busy, or can't save, as on SQLite; the log says it
    in one line, with no traceback."""
    admin = await asyncpg.connect(postgres_url)
    try:
        name = await admin.fetchval("SELECT current_database()")
        await admin.execute(f'ALTER DATABASE "{name}" SET statement_timeout = 300')
        async with await open_store(postgres_url) as store:
            event = await new_event(store, capacity=5)
            await store.join(1, event.id, 1, "stays")
            async with admin.transaction():
                await admin.execute("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", event.id)
                for request in (store.join(1, event.id, 2, "waits"),
                                store.run(store.registrations.close_registration, 1,
                                          event.id, None)):
                    with pytest.raises(DatabaseBusy):
                        await asyncio.wait_for(request, 5)
            await admin.execute(f'ALTER DATABASE "{name}" RESET statement_timeout')
            await admin.execute("""
                CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full';
                END $$;
                CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE OR DELETE ON rsvps
                    FOR EACH ROW EXECUTE FUNCTION disk_full()""")
            for request in (store.join(1, event.id, 3, "fills"),
                            store.run(store.registrations.cancel, 1, event.id, 1)):
                with pytest.raises(DatabaseUnwritable):
                    await asyncio.wait_for(request, 5)
            assert await rsvp_of(store, event.id, 2) is None
            assert await rsvp_of(store, event.id, 3) is None
            assert (await rsvp_of(store, event.id, 1)).status is Status.CONFIRMED
            assert (await store.run(store.events.get_event, 1, event.id)).registration_open
            await admin.execute("DROP TRIGGER disk_full ON rsvps")
            assert (await store.join(1, event.id, 3, "again")).result.outcome is (
                JoinOutcome.CONFIRMED)
    finally:
        await admin.close()
    said = [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
    assert len(said) == 4, [r.getMessage() for r in said]
    assert all(r.exc_info is None for r in said)
    assert sum("57014" in r.getMessage() for r in said) == 2
    assert sum("53100" in r.getMessage() for r in said) == 2
    # The refusals for the timeout name the store operation each ended, not its SQL.
    timed_out = [r.getMessage() for r in said if "57014" in r.getMessage()]
    assert [m.split(" waited too long")[0] for m in timed_out] == [
        "a statement of PostgresRegistrations.join_batch",
        "a statement of PostgresRegistrations.close_registration"], timed_out
    assert not any("SELECT" in m or "UPDATE" in m for m in timed_out), timed_out


@contextlib.asynccontextmanager
async def as_a_role_of_few_connections(url: str, limit: int):
    """`url` as a new role allowed `limit` connections at a time (CONNECTION LIMIT, which a
    superuser such as the tests' own ignores): past them, the server refuses a new one with
    SQLSTATE 53300, as a server whose every slot is taken (max_connections) does."""
    role = f"few_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT {limit}")
        await admin.execute(f"GRANT pg_read_all_data, pg_write_all_data TO {role}")
        await admin.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {role}")
        yield url.replace("postgresql://postgres@", f"postgresql://{role}@"), role, admin
    finally:
        await admin.execute(f"SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                            f" WHERE usename = '{role}'")
        await admin.execute(f"DROP OWNED BY {role}")
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()


async def test_a_server_with_no_connection_slot_free_is_busy_said_once_and_gets_over_it(
        postgres_url, caplog):
    """Every connection the bot may make is taken (the server's max_connections, here the
    role's limit): a request that needs a new one is refused as busy, which its member is
    told, and nothing of it is written; the log says so once however many are refused,
    and once that a new connection was made again. Not an unexpected error with its
    traceback for every request, nor a pool renewed for nothing."""
    async with await open_store(postgres_url) as store:
        event = await new_event(store, capacity=5)
    # The pool's one connection, the LISTEN one, and this test's admin connection.
    async with as_a_role_of_few_connections(postgres_url, 2) as (url, role, admin), \
            await open_store(url) as store:
        caplog.set_level(logging.INFO, "bot.storage.postgres")
        async with store.pool.acquire():  # the pool's one connection, busy elsewhere
            for _ in range(3):
                with pytest.raises(DatabaseBusy):
                    await store.run(store.events.summary, 1, event.id)
                with pytest.raises(DatabaseBusy):
                    await store.join(1, event.id, 7, "refused")
        assert await admin.fetchval("SELECT count(*) FROM rsvps") == 0
        said = [r for r in caplog.records if r.name.startswith("bot.storage.postgres")]
        assert [(r.levelno, "no connection slot free" in r.getMessage()) for r in said] == [
            (logging.WARNING, True)], [r.getMessage() for r in said]
        assert not any(r.exc_info for r in said)

        await admin.execute(f"ALTER ROLE {role} CONNECTION LIMIT 4")
        async with store.pool.acquire():
            joined = await store.join(1, event.id, 7, "let in")
        assert joined.result.outcome is JoinOutcome.CONFIRMED
        said = [r.getMessage() for r in caplog.records
                if r.name.startswith("bot.storage.postgres")]
        assert len(said) == 2 and "takes new connections again" in said[1], said


def postgres_said(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("bot.storage.postgres")]


async def test_a_refused_login_is_can_t_be_reached_said_once_and_gets_over_it(
        postgres_url, caplog):
    """The bot's role may no longer log in (its password changed under the running bot,
    28P01, or NOLOGIN, 28000): a request that needs a new connection is answered as for a
    server that can't be reached, nothing of it written, and not tried again; the log says
    the cause once, naming what to set, however many are refused and however often the
    LISTEN connection tries again meanwhile, and once that a connection was made again.
    Not an unexpected error with its traceback for every request and every retry."""
    async with await open_store(postgres_url) as store:
        event = await new_event(store, capacity=5)
    async with as_a_role_of_few_connections(postgres_url, 10) as (url, role, admin), \
            await open_store(url) as store:
        caplog.set_level(logging.INFO, "bot.storage.postgres")
        listener = store._listener
        connect, tries = listener._connect, asyncio.Queue()

        async def counted() -> None:
            tries.put_nowait(True)
            await connect()

        listener._connect = counted
        await admin.execute(f"ALTER ROLE {role} NOLOGIN")
        await admin.execute("SELECT pg_terminate_backend($1)", listener._conn.get_server_pid())
        async with store.pool.acquire():  # the pool's one connection, busy elsewhere
            for _ in range(3):
                with pytest.raises(Unavailable) as refused:
                    await store.run(store.events.summary, 1, event.id)
                assert str(refused.value) == str(DatabaseAway(committing=False))
                with pytest.raises(Unavailable) as refused:
                    await store.join(1, event.id, 7, "refused")
                assert str(refused.value) == str(DatabaseAway(committing=False))
        for _ in range(2):  # the LISTEN connection, tried again twice meanwhile
            await tries.get()
        assert await admin.fetchval("SELECT count(*) FROM rsvps") == 0
        said = postgres_said(caplog)
        assert sorted((r.name.rsplit(".", 1)[1], r.levelno) for r in said) == [
            ("listener", logging.WARNING), ("session", logging.WARNING)], [
            r.getMessage() for r in said]
        assert not any(r.exc_info for r in said)
        [cause] = [r.getMessage() for r in said if r.name.endswith("session")]
        assert "refused the bot's login (28000" in cause and "DATABASE_URL" in cause, cause

        await admin.execute(f"ALTER ROLE {role} LOGIN")
        await asyncio.wait_for(listener._reconnecting, 10)  # (backing off 0.4 s at most here)
        joined = await store.join(1, event.id, 7, "let in")
        assert joined.result.outcome is JoinOutcome.CONFIRMED
        said = [r.getMessage() for r in postgres_said(caplog)]
        assert [m for m in said if "new connections again" in m] == [
            "the PostgreSQL server takes new connections again"], said
        assert len(said) == 4 and "listening for notices again" in said[-1], said


class Relay:
    """The PostgreSQL server as the bot reaches it over the network: a TCP relay to it,
    which can be cut (`down`: new connections refused, those open ended, as when the
    server is stopped or the network cut) and mended (`up`, on the same port)."""

    def __init__(self, url: str) -> None:
        match = re.match(r"(postgresql://[^@]*@)127\.0\.0\.1:(\d+)(/.*)", url)
        assert match, url
        self._head, self._target, self._tail = match[1], int(match[2]), match[3]
        self.port = 0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"{self._head}127.0.0.1:{self.port}{self._tail}"

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._open:
            writer.transport.abort()
        await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self._target)
        self._open |= {writer, server_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        try:
            await asyncio.gather(pipe(reader, server_writer), pipe(server_reader, writer))
        finally:
            self._open -= {writer, server_writer}


async def test_a_server_away_is_said_once_while_it_lasts_and_once_when_back(
        postgres_url, caplog):
    """The server stopped (or the network cut) under the running bot: every request meets
    a lost or refused connection and is answered "try again"; the log says so once, not
    once per connection lost or refused (many a second under load), and once that a
    connection was made again."""
    relay = Relay(postgres_url)
    await relay.up()
    try:
        async with await open_store(relay.url) as store:
            event = await new_event(store, capacity=5)
            caplog.set_level(logging.INFO, "bot.storage.postgres")
            await relay.down()
            for _ in range(3):
                with pytest.raises(DatabaseAway):
                    await store.run(store.events.summary, 1, event.id)
                with pytest.raises(DatabaseAway):
                    await store.join(1, event.id, 7, "away")
            said = [r for r in postgres_said(caplog) if not r.name.endswith("listener")]
            assert [(r.levelno, "lost or refused" in r.getMessage()) for r in said] == [
                (logging.WARNING, True)], [r.getMessage() for r in said]
            assert not any(r.exc_info for r in said)
            # Nor asyncpg's own traceback each time its pool fails to keep a connection open.
            assert [r.getMessage() for r in caplog.records if r.name == "asyncpg.pool"] == []

            await relay.up()
            joined = await store.join(1, event.id, 7, "back")
            assert joined.result.outcome is JoinOutcome.CONFIRMED
            said = [r.getMessage() for r in postgres_said(caplog)
                    if "new connections again" in r.getMessage()]
            assert said == ["the PostgreSQL server takes new connections again"]
    finally:
        await relay.down()


async def test_migrate_db_from_a_source_it_refuses_leaves_the_target_blank(blank_url,
                                                                          tmp_path):
    """The target was given the bot's schema (21 tables) before the source was opened: a
    source that is no database, or one newer than this bot, left it behind in a database
    --to may have named by mistake."""
    source = tmp_path / "bot.sqlite3"
    source.write_bytes(b"not a database, " * 200)
    done = await migrate_db(source, blank_url)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not a SQLite database" in done.stderr, done.stderr
    conn = await asyncpg.connect(blank_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                                   ) == 0
    finally:
        await conn.close()


async def test_a_lock_held_on_one_events_row_holds_up_no_join_of_another_event(postgres_url):
    """Another client holds one event's row (a tool's open transaction, another process's
    long change of that event): only joins of that event wait for it. Before, every join of
    the process shared its one batch at a time: a join of any other event, on any server,
    batched with one of the held event waited for the lock with it and was refused as busy
    when the wait ran out, and each one after it waited behind that batch. Joins of the
    held event keep their order: the first to ask gets the seat, whenever the lock goes."""
    async with await open_store(postgres_url) as store:
        held = await new_event(store, capacity=1, slug="held")
        other = await new_event(store, guild_id=2, capacity=5, slug="other")
        holder = await asyncpg.connect(postgres_url)
        try:
            async with holder.transaction():
                await holder.execute("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", held.id)
                # Asked in one turn of the loop: one batch.
                first = asyncio.ensure_future(store.join(1, held.id, 1, "first"))
                together = asyncio.ensure_future(store.join(2, other.id, 2, "together"))
                done = await asyncio.wait_for(together, 30)
                assert done.result.outcome is JoinOutcome.CONFIRMED
                assert not first.done()  # still waiting for the held row
                second = asyncio.ensure_future(store.join(1, held.id, 3, "second"))
                after = await asyncio.wait_for(store.join(2, other.id, 4, "after"), 30)
                assert after.result.outcome is JoinOutcome.CONFIRMED
                assert not first.done() and not second.done()
            answers = await asyncio.wait_for(asyncio.gather(first, second), 30)
            later = await store.join(1, held.id, 5, "later")
        finally:
            await holder.close()
        assert [a.result.outcome for a in answers] == [JoinOutcome.CONFIRMED,
                                                       JoinOutcome.WAITLISTED]
        assert (later.result.outcome, later.result.position) == (JoinOutcome.WAITLISTED, 2)
        assert (await rsvp_of(store, other.id, 2, guild_id=2)).status is Status.CONFIRMED
