"""Joins per second through the store, against raw `sqlite3` doing the same work.

The floor is a plain `sqlite3` connection with the store's durability settings
(WAL, synchronous=NORMAL) running one RSVP transaction per join, one at a time:
read the event's counters, look for an existing RSVP, insert, update counters,
commit. The store is measured on the same machine in the same run, three ways:
one join at a time, 50 in flight (members pressing Join together), and a burst
where every join is submitted at once. Every acknowledged join is committed.

Figures moved from run to run (one join at a time: 0.37-0.74x the floor) because the
floor and the store were measured seconds apart in long rounds on a shared machine,
the first round included the cold start, and only medians were shown. So: one
unmeasured warm-up round, many short rounds with the order of the variants rotating,
every variant compared with the floor of its own round, and the spread reported. The
store's join transaction run alone (no event loop) splits what a join costs into the
rules and SQL, and the event loop's share. Two more variants sweep the CPU's caches
before each join (untimed), as the bot's other work does between two interactions: the
floor and the store's transaction alone, the latter compared with the former. The last
two, diagnostic, run the floor and one join at a time without checkpoints: the floor
runs SQLite's inside its commits, the store on its database thread beside the event
loop, and the transaction alone none, so these say what each side's checkpoints cost.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.storage import EventDraft, open_store
from bot.storage.sqlite import joins as joins_module
from bot.storage.sqlite.repositories import SqliteRepositories
from bot.storage.sqlite.session import FOLDER_SETTLED_NS, configure
from tests.conftest import make_page

JOINS = 3_000
ROUNDS = 9  # short rounds: the shared machine's load moves less within one


def sweep_caches() -> None:
    """Write to every cache line of a buffer larger than this machine's per-core caches,
    as the network and discord.py's work does between two interactions of the bot."""
    SWEEP[::64] = SWEEP_LINES


SWEEP = bytearray(16 << 20)
SWEEP_LINES = bytes(len(SWEEP) // 64)


class JoinClock:
    """Times the joins of a loop, and runs `between` (untimed) before each when given."""

    def __init__(self, between: Callable[[], None] | None) -> None:
        self.between = between
        self.elapsed = 0.0

    def joins(self, count: int) -> Iterator[int]:
        if self.between is None:  # one span: no clock reads between the joins
            started = time.perf_counter()
            yield from range(count)
            self.elapsed = time.perf_counter() - started
            return
        for user in range(count):
            self.between()
            started = time.perf_counter()
            yield user
            self.elapsed += time.perf_counter() - started


def raw_sqlite_floor(path: Path, joins: int, between: Callable[[], None] | None = None,
                     checkpoints: bool = True) -> float:
    """The floor; `checkpoints=False` turns off SQLite's automatic checkpoints, which
    otherwise run inside every thousandth page's commit (a diagnostic variant)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    if not checkpoints:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.executescript("""
        CREATE TABLE events (id INTEGER PRIMARY KEY, capacity INTEGER, confirmed INTEGER,
                             waitlisted INTEGER, next_seq INTEGER);
        CREATE TABLE rsvps (event_id INTEGER, user_id INTEGER, name TEXT, status TEXT,
                            seq INTEGER, joined_at INTEGER, PRIMARY KEY (event_id, user_id))
                            WITHOUT ROWID;
        CREATE INDEX rsvps_queue ON rsvps (event_id, status, seq);
        CREATE INDEX rsvps_by_member ON rsvps (user_id);
        INSERT INTO events VALUES (1, 5000, 0, 0, 1);
    """)
    clock = JoinClock(between)
    for user in clock.joins(joins):
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
    conn.close()
    return joins / clock.elapsed


@contextmanager
def no_checkpoints() -> Iterator[None]:
    """The store without the checkpoints its database thread runs every CHECKPOINT_EVERY
    joins (a diagnostic variant: the write-ahead log then only grows)."""
    every = joins_module.CHECKPOINT_EVERY
    joins_module.CHECKPOINT_EVERY = 1 << 62
    try:
        yield
    finally:
        joins_module.CHECKPOINT_EVERY = every


async def store_joins(path: Path, joins: int, in_flight: int | None,
                      description: str = "About it.") -> float:
    """Joins per second through Store.join with `in_flight` concurrent members
    (None: the whole burst at once), on an event whose page has `description`."""
    async with await open_store(path) as store:
        event, _ = await store.run(store.events.save_event,
            1, EventDraft(slug="bench", title="Bench", capacity=joins // 2),
            [("text", make_page(description=description))])
        # A running bot's data folder last changed when its database was made, long before
        # (the store looks at its files' names only after the folder changed: WriteHealth);
        # here each variant's database was made a moment ago in a folder shared by all.
        settled = time.time_ns() - 10 * FOLDER_SETTLED_NS
        os.utime(path.parent, ns=(settled, settled))
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


def join_batch_alone(path: Path, joins: int, between: Callable[[], None] | None = None
                     ) -> float:
    """The store's join transaction called directly, one join at a time, with no event
    loop: what the store's rules and SQL cost, apart from asyncio."""
    async def setup() -> int:
        async with await open_store(path) as store:
            event, _ = await store.run(store.events.save_event,
                1, EventDraft(slug="bench", title="Bench", capacity=joins // 2),
                [("text", make_page())])
            return event.id

    event_id = asyncio.run(setup())
    conn = sqlite3.connect(path, isolation_level=None)
    configure(conn, wait=False)  # as the event loop's connection: no checkpoints inline
    registrations = SqliteRepositories(conn).registrations
    registrations.keep_join_targets()  # as the event loop's connection
    clock = JoinClock(between)
    for user in clock.joins(joins):
        registrations.join_batch([(1, event_id, user, "member")])
    conn.close()
    return joins / clock.elapsed


MODES = {"store, 1 in flight": 1, "store, 50 in flight": 50, "store, burst": None}
FLOOR = "raw sqlite3 (floor)"
ALONE = "store's join transaction alone, no event loop"
COLD_FLOOR = "raw sqlite3, caches swept before each join"
COLD_ALONE = "store's join transaction alone, caches swept before each join (× the swept floor)"
BARE_FLOOR = "raw sqlite3 without checkpoints (diagnostic)"
BARE_ONE = "store, 1 in flight, without checkpoints (diagnostic)"
LONG_PAGE = "store, 1 in flight, on an event whose description is 1 MB"
LONG_DESCRIPTION = "missile defense cooperation " * 35_700  # about 1,000,000 bytes
LONG_PAGE_TARGET = 1.15  # its join's cost against a short page's, at most
TARGET = 0.8  # one join at a time, against the floor
COLD_JOINS = 1_000  # per round of the swept variants: a sweep takes longer than a join


def measure(joins: int = JOINS, rounds: int = ROUNDS) -> dict:
    """Joins/s of each variant in `rounds` short rounds after one unmeasured warm-up
    round; the order of the variants rotates from round to round, and each variant is
    compared with the floor of its own round."""
    variants = [FLOOR, ALONE, *MODES, COLD_FLOOR, COLD_ALONE, BARE_FLOOR, BARE_ONE, LONG_PAGE]
    samples: dict[str, list[float]] = {name: [] for name in variants}
    ratios: dict[str, list[float]] = {name: [] for name in variants}
    started_load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(rounds + 1):
            shift = round_number % len(variants)
            rates = {}
            for name in variants[shift:] + variants[:shift]:
                path = Path(tmp) / f"{round_number}-{variants.index(name)}.sqlite3"
                if name == FLOOR:
                    rates[name] = raw_sqlite_floor(path, joins)
                elif name == ALONE:
                    rates[name] = join_batch_alone(path, joins)
                elif name == COLD_FLOOR:
                    rates[name] = raw_sqlite_floor(path, COLD_JOINS, sweep_caches)
                elif name == COLD_ALONE:
                    rates[name] = join_batch_alone(path, COLD_JOINS, sweep_caches)
                elif name == BARE_FLOOR:
                    rates[name] = raw_sqlite_floor(path, joins, checkpoints=False)
                elif name == BARE_ONE:
                    with no_checkpoints():
                        rates[name] = asyncio.run(store_joins(path, joins, 1))
                elif name == LONG_PAGE:
                    rates[name] = asyncio.run(store_joins(path, joins, 1, LONG_DESCRIPTION))
                else:
                    rates[name] = asyncio.run(store_joins(path, joins, MODES[name]))
            if round_number == 0:
                continue  # warm-up: first imports, cold caches, the CPU's clock ramping up
            for name, rate in rates.items():
                samples[name].append(rate)
                ratios[name].append(rate / rates[COLD_FLOOR if name == COLD_ALONE else FLOOR])
    return {"joins": joins, "rounds": rounds, "samples": samples, "ratios": ratios,
            "load": (started_load, os.getloadavg()[0])}


def spread(values: list[float], fmt: str) -> str:
    return " / ".join(format(v, fmt) for v in (min(values), statistics.median(values),
                                                max(values)))


def report(results: dict) -> str:
    joins, rounds = results["joins"], results["rounds"]
    lines = ["## Store: joins per second (`bench/rsvp.py`)", "",
             f"{joins:,} joins on one event of {joins // 2:,} seats per variant and round "
             f"({COLD_JOINS:,} for the two variants with the caches swept); "
             f"{rounds} measured rounds after one unmeasured warm-up round, the order of the "
             "variants rotating from round to round; WAL, synchronous=NORMAL for all. Each "
             "variant is compared with the floor measured in its own round (the machine is "
             "shared, so the floor moves from round to round: the ratio is the figure).", "",
             "| variant | joins/s min / median / max | × floor of its round, min / median "
             "/ max |", "|---|---:|---:|"]
    for name, rates in results["samples"].items():
        lines.append(f"| {name} | {spread(rates, ',.0f')} "
                     f"| {spread(results['ratios'][name], '.2f')} |")
    alone = statistics.median(results["ratios"][ALONE])
    one = statistics.median(results["ratios"]["store, 1 in flight"])
    cost = {name: 1e6 / statistics.median(rates) for name, rates in results["samples"].items()}
    load = results.get("load")
    lines += ["", f"In this run the store's join transaction alone reaches {alone:.2f}× the floor "
              f"and one join at a time through the store {one:.2f}×: a join costs "
              f"{cost[FLOOR]:.0f} µs in the floor, {cost[ALONE]:.0f} µs as the store's "
              "transaction alone (the same six statements, with the registration rules in "
              "Python between them; the event's row is kept from one join to the next, checked "
              "by `PRAGMA data_version`, where the floor reads its five numbers) and "
              f"{cost['store, 1 in flight']:.0f} µs "
              "through the event loop (the member's coroutine and the store's; a join with "
              "nothing else due in its turn of the loop and none queued commits at once, "
              "without a future or a batch, which only joins arriving together share)"
              + (f"; load average {load[0]:.2f} at the start, {load[1]:.2f} at the end." if load
                 else ".")]
    if COLD_FLOOR in cost:
        swept = statistics.median(results["ratios"][COLD_FLOOR])
        cold = statistics.median(results["ratios"][COLD_ALONE])
        lines += ["", "With the CPU's caches swept before each join (16 MiB written, untimed, as "
                  "the network and discord.py do between two interactions of the bot), SQLite "
                  f"itself slows down: the floor's join takes {cost[COLD_FLOOR]:.0f} µs "
                  f"({swept:.2f}× its warm rate) and the store's transaction "
                  f"{cost[COLD_ALONE]:.0f} µs, {cold:.2f}× the swept floor. This is what a join "
                  "costs in the running bot, one interaction at a time; the warm figures above "
                  "are what it costs in a burst."]
    if BARE_FLOOR in cost:
        bare_floor = statistics.median(results["ratios"][BARE_FLOOR])
        bare_one = statistics.median(results["ratios"][BARE_ONE])
        lines += ["", "The two diagnostic variants run without checkpoints. The floor then runs "
                  f"at {bare_floor:.2f}× itself with them: its own checkpoints, which SQLite runs "
                  "inside every thousandth page's commit, take "
                  f"{1 - 1 / bare_floor:.0%} of its time. One join "
                  f"at a time through the store runs at {bare_one:.2f}× the floor without "
                  f"checkpoints, against {one:.2f}× with the store's own, which its database "
                  "thread runs every thousand joins while the event loop goes on joining; the "
                  "transaction alone runs none. What a checkpoint costs is the disk's (two "
                  "fsyncs): it is one reason the ratios move from machine to machine."]
    if LONG_PAGE in cost:
        # each round's pair, so that the machine's drift between rounds cancels out
        longer = statistics.median(
            short / long for short, long in zip(results["samples"]["store, 1 in flight"],
                                                results["samples"][LONG_PAGE], strict=True))
        lines += ["", "On an event whose description is 1 MB (a page may hold 2 MB), one "
                  f"join at a time costs {cost[LONG_PAGE]:.0f} µs, {longer:.2f}× a join on a "
                  "short page in the same round (median of the rounds; target at most "
                  f"{LONG_PAGE_TARGET}×, " + ("met" if longer <= LONG_PAGE_TARGET else "not met")
                  + "): an event's long texts are kept beside its row, which every join "
                  "rewrites, and SQLite rewrites a row whole (before, a 1.5 MB description "
                  "made a join cost 508 µs against 56 µs)."]
    lines += ["", f"Target: one join at a time at {TARGET}× the floor or better"
              + (" (met)." if one >= TARGET else
                 f" (not met): it allows {cost[FLOOR] / TARGET - cost[FLOOR]:.0f} µs a join "
                 "beyond the floor's.")
              + " The joins asked for in one turn of the loop share a commit, which carries "
              "the store past the floor under load (50 in flight and burst above). Every join "
              "is acknowledged only after its commit."]
    lines += ["", "The ratios depend on the machine's load: the floor, a tight loop of SQLite "
              "calls, runs far faster on an idle machine, and the load average is printed with "
              "each run for that reason. Hence the rounds, the rotation and the spread above: "
              "compare ratios within one run, never across runs or machines."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(report(measure()))
