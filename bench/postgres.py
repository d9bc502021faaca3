"""Joins per second through the PostgreSQL store, against raw asyncpg doing one
transaction per join.

Two throwaway clusters are started here, as the store tests start theirs
(`tests/postgres_cluster.py`): a durable one (PostgreSQL's defaults: fsync on,
synchronous_commit on, so every acknowledged join is on disk) and one with fsync off
(what is left is round trips and CPU). On each, the floor is raw asyncpg on the store's
own schema, one connection per join in flight, each join one transaction: lock the
event's row, look for the member's RSVP, insert it, update the counters, commit. The
store (`Store.join`) is measured with the same number of joins in flight on the same
cluster, rounds interleaved (floor, store, floor, store, ...) in one run.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

import asyncpg

from bot.storage import EventDraft, open_store
from tests.conftest import make_page
from tests.postgres_cluster import Cluster, start_cluster

JOINS = 2_000  # per variant, per round
ROUNDS = 5
LEVELS = (1, 10, 50)  # joins in flight
DATABASE = "bench"


async def new_event(url: str, capacity: int) -> int:
    """A new event of `capacity` seats, saved through the store (the schema the bot uses);
    its page text is new too (the text of a page saved before would update that event)."""
    async with await open_store(url) as store:
        number = len((await store.run(store.events.event_titles, 1)).titles) + 1
        event, _ = await store.run(store.events.save_event, 1,
            EventDraft(slug=f"bench-{number}", title=f"Bench {number}", capacity=capacity),
            [(f"page {number}", make_page())])
    return event.id


async def raw_floor(url: str, event_id: int, joins: int, in_flight: int) -> float:
    """One transaction per join on raw asyncpg connections, `in_flight` at once."""
    conns = [await asyncpg.connect(url) for _ in range(in_flight)]
    users = iter(range(joins))

    async def member(conn: asyncpg.Connection) -> None:
        for user in users:
            async with conn.transaction():
                capacity, confirmed, waitlisted, seq = await conn.fetchrow(
                    "SELECT capacity, confirmed_count, waitlist_count, next_seq FROM events"
                    " WHERE id = $1 FOR UPDATE", event_id)
                if await conn.fetchval("SELECT 1 FROM rsvps WHERE event_id = $1"
                                       " AND user_id = $2", event_id, user) is None:
                    status = "confirmed" if confirmed < capacity else "waitlisted"
                    await conn.execute(
                        "INSERT INTO rsvps (event_id, user_id, display_name, status, seq,"
                        " joined_at) VALUES ($1, $2, 'member', $3, $4, $5)",
                        event_id, user, status, seq, int(time.time()))
                    await conn.execute(
                        "UPDATE events SET confirmed_count = $1, waitlist_count = $2,"
                        " next_seq = $3 WHERE id = $4",
                        confirmed + (status == "confirmed"),
                        waitlisted + (status == "waitlisted"), seq + 1, event_id)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(member(conn) for conn in conns))
        return joins / (time.perf_counter() - started)
    finally:
        for conn in conns:
            await conn.close()


async def store_joins(url: str, event_id: int, joins: int, in_flight: int) -> float:
    """Joins per second through Store.join, `in_flight` members at once."""
    async with await open_store(url) as store:
        users = iter(range(joins))

        async def member() -> None:
            for user in users:
                await store.join(1, event_id, user, "member")

        started = time.perf_counter()
        await asyncio.gather(*(member() for _ in range(in_flight)))
        return joins / (time.perf_counter() - started)


async def check(url: str, event_id: int, joins: int) -> None:
    """Every join was committed, half of them on the waitlist, in arrival order."""
    conn = await asyncpg.connect(url)
    try:
        confirmed, waitlisted = await conn.fetchrow(
            "SELECT confirmed_count, waitlist_count FROM events WHERE id = $1", event_id)
        rows = await conn.fetchval("SELECT count(*) FROM rsvps WHERE event_id = $1", event_id)
    finally:
        await conn.close()
    assert (confirmed, waitlisted, rows) == (joins // 2, joins - joins // 2, joins), \
        (confirmed, waitlisted, rows)


CLUSTERS = {  # name: durable (PostgreSQL's default fsync=on), else fsync=off
    "durable": True, "fsync off": False}
SHOWN = ("fsync", "synchronous_commit", "wal_sync_method")


async def prepare(cluster: Cluster) -> tuple[str, dict[str, str]]:
    """The benchmark's database on `cluster`, and the cluster's durability settings."""
    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute(f"CREATE DATABASE {DATABASE}")
        settings = {name: await admin.fetchval(f"SHOW {name}") for name in SHOWN}
    finally:
        await admin.close()
    return cluster.url(DATABASE), settings


async def measure_on(clusters: dict[str, Cluster], joins: int, rounds: int) -> Results:
    prepared = {name: await prepare(cluster) for name, cluster in clusters.items()}
    samples: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, (url, _) in prepared.items():
            for level in LEVELS:
                for who, run in (("raw asyncpg", raw_floor), ("store", store_joins)):
                    event_id = await new_event(url, joins // 2)
                    samples.setdefault(f"{name}, {who}, {level}", []).append(
                        await run(url, event_id, joins, level))
                    await check(url, event_id, joins)
    return Results(samples, {name: settings for name, (_, settings) in prepared.items()})


@dataclass
class Results:
    samples: dict[str, list[float]]  # "cluster, who, in flight": joins/s of every round
    settings: dict[str, dict[str, str]]  # cluster: its durability settings


def measure(joins: int = JOINS, rounds: int = ROUNDS) -> Results:
    """joins/s of each variant in every round (rounds interleaved), on a durable cluster
    and on one with fsync off (what is left is round trips and CPU)."""
    clusters: dict[str, Cluster] = {}
    try:
        for name, durable in CLUSTERS.items():
            clusters[name] = start_cluster(durable=durable)
        return asyncio.run(measure_on(clusters, joins, rounds))
    finally:
        for cluster in clusters.values():
            cluster.stop()


def report(results: Results) -> str:
    lines = ["## PostgreSQL: joins per second (`bench/postgres.py`)", "",
             f"{JOINS:,} joins per variant on one event of {JOINS // 2:,} seats (the second "
             f"half waitlisted), {ROUNDS} rounds, interleaved (floor, store, floor, ...); two "
             "throwaway PostgreSQL 15 clusters on this machine, the floor and the store on the "
             "same one: "
             + "; ".join(f"{name}: " + ", ".join(f"{k}={v}" for k, v in settings.items())
                         for name, settings in results.settings.items())
             + ". On the durable one every acknowledged join is flushed to disk.", "",
             "| cluster | joins in flight | raw asyncpg (floor), joins/s: min / median / max "
             "| store: min / median / max | × floor (medians) |", "|---|---:|---:|---:|---:|"]
    for name in results.settings:
        for level in LEVELS:
            floor = results.samples[f"{name}, raw asyncpg, {level}"]
            store = results.samples[f"{name}, store, {level}"]
            lines.append(f"| {name} | {level} | {spread(floor)} | {spread(store)} | "
                         f"{statistics.median(store) / statistics.median(floor):.2f} |")
    lines += ["", "The floor runs one transaction per join, on a connection per join in "
              "flight: BEGIN, lock the event's row, look for the RSVP, insert it, update the "
              "counters, COMMIT: six round trips and, when durable, one flush. The store "
              "decides the joins waiting at a given moment in one transaction on a connection "
              "kept for joins: BEGIN, lock, read the RSVPs, one statement for the RSVPs and "
              "the counters, COMMIT (five round trips), so members joining together share its "
              "round trips and its flush."]
    ratio = {name: statistics.median(results.samples[f"{name}, store, 1"])
             / statistics.median(results.samples[f"{name}, raw asyncpg, 1"])
             for name in results.settings}
    per_join = {name: 1000 / statistics.median(results.samples[f"{name}, raw asyncpg, 1"])
                for name in results.settings}
    if len(ratio) == 2:
        durable, fast = list(results.settings)
        lines[-1] += (
            f" One join at a time the store reaches {ratio[durable]:.2f}× the floor on the "
            f"{durable} cluster and {ratio[fast]:.2f}× on the {fast} one: with one join to "
            "carry, its statements "
            "with a batch's arrays (unnest) cost more than the floor's six small ones. A "
            f"join of the floor takes {per_join[durable]:.2f} ms on the {durable} cluster and "
            f"{per_join[fast]:.2f} ms on the {fast} one, so the flush is "
            f"{per_join[durable] - per_join[fast]:.2f} ms of it on this machine's disk.")
    return "\n".join(lines) + "\n"


def spread(values: list[float]) -> str:
    return (f"{min(values):,.0f} / {statistics.median(values):,.0f} / "
            f"{max(values):,.0f}")


if __name__ == "__main__":
    print(report(measure()))
