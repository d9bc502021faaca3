"""Joins per second through the store, against raw `sqlite3` doing the same work.

The floor is a plain `sqlite3` connection with the store's durability settings
(WAL, synchronous=NORMAL) running one RSVP transaction per join, one at a time:
read the event's counters, look for an existing RSVP, insert, update counters,
commit. The store is measured on the same machine in the same run, three ways:
one join at a time, 50 in flight (members pressing Join together), and a burst
where every join is submitted at once. Every acknowledged join is committed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bot.storage import EventDraft, open_store
from tests.conftest import make_page

JOINS = 10_000
ROUNDS = 3


def raw_sqlite_floor(path: Path, joins: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript("""
        CREATE TABLE events (id INTEGER PRIMARY KEY, capacity INTEGER, confirmed INTEGER,
                             waitlisted INTEGER, next_seq INTEGER);
        CREATE TABLE rsvps (event_id INTEGER, user_id INTEGER, name TEXT, status TEXT,
                            seq INTEGER, joined_at INTEGER, PRIMARY KEY (event_id, user_id))
                            WITHOUT ROWID;
        CREATE INDEX rsvps_queue ON rsvps (event_id, status, seq);
        INSERT INTO events VALUES (1, 5000, 0, 0, 1);
    """)
    started = time.perf_counter()
    for user in range(joins):
        conn.execute("BEGIN IMMEDIATE")
        capacity, confirmed, waitlisted, seq = conn.execute(
            "SELECT capacity, confirmed, waitlisted, next_seq FROM events WHERE id = 1").fetchone()
        if conn.execute("SELECT 1 FROM rsvps WHERE event_id = 1 AND user_id = ?",
                        (user,)).fetchone() is None:
            status = "confirmed" if confirmed < capacity else "waitlisted"
            conn.execute("INSERT INTO rsvps VALUES (1, ?, 'member', ?, ?, ?)",
                         (user, status, seq, int(time.time())))
            confirmed += status == "confirmed"
            waitlisted += status == "waitlisted"
            conn.execute("UPDATE events SET confirmed = ?, waitlisted = ?, next_seq = ?"
                         " WHERE id = 1", (confirmed, waitlisted, seq + 1))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return joins / elapsed


async def store_joins(path: Path, joins: int, in_flight: int | None) -> float:
    """Joins per second through Store.join with `in_flight` concurrent members
    (None: the whole burst at once)."""
    async with await open_store(path) as store:
        event, _ = await store.run(store.events.save_event,
            1, EventDraft(slug="bench", title="Bench", capacity=joins // 2),
            [("text", make_page())])
        started = time.perf_counter()
        if in_flight is None:
            results = await asyncio.gather(
                *(store.join(1, event.id, user, "member") for user in range(joins)))
        else:
            queue = iter(range(joins))
            results = []

            async def member() -> None:
                for user in queue:
                    results.append(await store.join(1, event.id, user, "member"))

            await asyncio.gather(*(member() for _ in range(in_flight)))
        elapsed = time.perf_counter() - started
        saved = await store.run(store.events.get_event, 1, event.id)
    assert len(results) == joins and saved.confirmed + saved.waitlisted == joins
    assert saved.confirmed == joins // 2
    return joins / elapsed


def measure(joins: int = JOINS, rounds: int = ROUNDS) -> dict[str, float]:
    """Median joins/s of each variant over `rounds` interleaved rounds."""
    samples: dict[str, list[float]] = {}
    modes = {"store, 1 in flight": 1, "store, 50 in flight": 50, "store, burst": None}
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(rounds):
            base = Path(tmp) / str(round_number)
            samples.setdefault("raw sqlite3 (floor)", []).append(
                raw_sqlite_floor(base.with_suffix(".raw"), joins))
            for name, in_flight in modes.items():
                path = base.with_suffix(f".{in_flight}")
                samples.setdefault(name, []).append(
                    asyncio.run(store_joins(path, joins, in_flight)))
    return {name: statistics.median(values) for name, values in samples.items()}


def report(results: dict[str, float]) -> str:
    floor = results["raw sqlite3 (floor)"]
    lines = ["## Store: joins per second (`bench/rsvp.py`)", "",
             f"{JOINS:,} joins on one event of {JOINS // 2:,} seats, median of {ROUNDS} rounds; "
             "WAL, synchronous=NORMAL for both.", "",
             "| variant | joins/s | × floor |", "|---|---:|---:|"]
    for name, rate in results.items():
        lines.append(f"| {name} | {rate:,.0f} | {rate / floor:.2f} |")
    lines += ["", "The floor commits each join in a plain loop. The store commits the joins made "
              "in one turn of the event loop together (on the loop when the database is free, "
              "else on the database thread), so one join at a time pays a turn of the event loop "
              "and an await on top of its transaction, while members joining together share a "
              "commit, which is how the store passes the floor under load. Every join is "
              "acknowledged only after its commit."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(report(measure()))
