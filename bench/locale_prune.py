"""Forgetting members' languages in a large SQLite database: what it costs the others.

Builds (once, kept at LOCALE_PRUNE_DB, default /tmp/locale_prune.sqlite3) a database of
1,000 events holding 1,000,000 RSVPs and 200,000 recorded member languages, all older than
the retention period, the schema made by the store itself; then, on a copy, runs the
retention task's forgetting of the languages nobody needs while another connection takes
the write lock every millisecond, as another process's joins would. Prints how many
languages were forgotten, the total time, the longest single call on the database thread
(during which this process's other database work waits) and the longest wait of the other
connection for the write lock (during which every join and write of every process waits).

`python -m bench.locale_prune` (about a minute the first time; not in `make bench`).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.models import EventDraft
from bot.page_model import Page
from bot.storage.sqlite.store import SqliteStore
from bot.storage.sqlite.thread import DatabaseThread

EVENTS = 1_000
RSVPS = 1_000_000
LOCALES = 200_000
HOLDERS = 500_000  # RSVP holders' ids are drawn from 1..HOLDERS
LOCALE_USERS = 400_000  # recorded members' ids are drawn from 1..LOCALE_USERS
OLD = datetime(2030, 1, 1, tzinfo=UTC)
NOW = OLD + timedelta(days=90)
PAGE = Page(kind="announcement", title=None, date_text=None, location=None,
            description="About it.", registration_closed=False, off_the_record=False,
            access_notes=(), language=None, translation=None, people=(), takeaways=(),
            skipped=())


async def build(path: Path) -> None:
    store = await SqliteStore.open(path)  # the schema, as the bot makes it
    try:
        for i in range(EVENTS):
            await store.run(store.events.save_event, 1,
                            EventDraft(slug=f"e{i}", title=f"Event {i}", capacity=RSVPS),
                            [("page", PAGE)])
    finally:
        await store.close()
    rng = random.Random(1)
    conn = sqlite3.connect(path)
    ids = [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id")]
    per_event = RSVPS // len(ids)
    stamp = int(OLD.timestamp())
    with conn:
        for event_id in ids:
            users = rng.sample(range(1, HOLDERS + 1), per_event)
            conn.executemany(
                "INSERT INTO rsvps (event_id, user_id, display_name, status, seq, joined_at)"
                " VALUES (?, ?, 'member', 'confirmed', ?, ?)",
                [(event_id, u, seq, stamp) for seq, u in enumerate(users, 1)])
            conn.execute("UPDATE events SET confirmed_count = ?, next_seq = ? WHERE id = ?",
                         (per_event, per_event + 1, event_id))
        conn.executemany(
            "INSERT INTO member_locales (user_id, locale, seen_at) VALUES (?, 'zh-CN', ?)",
            [(u, stamp) for u in rng.sample(range(1, LOCALE_USERS + 1), LOCALES)])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


PROBER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
waits = []
while not sys.stdin.closed:
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    waits.append(time.perf_counter() - started)
    conn.execute("ROLLBACK")
    if select.select([sys.stdin], [], [], 0.001)[0]:
        break
print(len(waits), max(waits))
"""


def start_prober(path: Path) -> subprocess.Popen[str]:
    """Another process that takes the write lock every millisecond, as its joins would."""
    return subprocess.Popen([sys.executable, "-c", "import select\n" + PROBER, str(path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def stop_prober(prober: subprocess.Popen[str]) -> tuple[int, float]:
    out, _ = prober.communicate("stop\n")
    count, longest = out.split()
    return int(count), float(longest)


async def prune(path: Path) -> dict[str, Any]:
    calls: list[float] = []
    call = DatabaseThread.call

    def timed(self: DatabaseThread, fn: Any) -> Any:
        def run() -> Any:
            started = time.perf_counter()
            try:
                return fn()
            finally:
                calls.append(time.perf_counter() - started)
        return call(self, run)

    store = await SqliteStore.open(path)
    prober = start_prober(path)
    DatabaseThread.call = timed  # type: ignore[method-assign]
    try:
        await asyncio.sleep(0.5)
        started = time.perf_counter()
        try:
            from bot.adapters.languages import forget_member_locales
        except ImportError:  # before the prune went in steps: one call
            forgotten = await store.run(store.settings.forget_member_locales,
                                        NOW - timedelta(days=30))
        else:
            forgotten = await forget_member_locales(store, NOW - timedelta(days=30), NOW)
        total = time.perf_counter() - started
        await asyncio.sleep(0.2)
    finally:
        probes, longest_wait = stop_prober(prober)
        DatabaseThread.call = call  # type: ignore[method-assign]
        await store.close()
    return {"forgotten": forgotten, "total_s": round(total, 3),
            "db_thread_calls": len(calls),
            "longest_db_thread_call_ms": round(max(calls) * 1000, 1),
            "longest_write_lock_wait_ms": round(longest_wait * 1000, 1),
            "write_lock_probes": probes}


def main() -> None:
    built = Path(os.environ.get("LOCALE_PRUNE_DB", "/tmp/locale_prune.sqlite3"))
    if not built.exists():
        print(f"building {built} ...", flush=True)
        partial = built.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        asyncio.run(build(partial))
        partial.rename(built)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bot.sqlite3"
        shutil.copy(built, copy)
        print(asyncio.run(prune(copy)))


if __name__ == "__main__":
    main()
