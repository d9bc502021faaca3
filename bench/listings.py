"""A big server's lookups: `/event list`, the `[event]` option's keystrokes and an event
named by its title, on a server of 1,000 and of 10,000 events, on SQLite and PostgreSQL.

Nothing caps a server's events, and these three read across all of them. The events
are inserted with SQL into the store's own schema (a tenth archived, one in fifty
without a date, the rest an hour apart, about a third still to come), with titles as
long as the bundled event's. Measured, medians of many calls in one run:

- `/event list`: the store's call for the reply's first LIST_LIMIT lines and the total,
  without and with the past ones; beside it, the same call reading every event (no
  limit), which is what the reply read before it was bounded.
- The `[event]` option: reading the server's titles (after a change), indexing them
  (`TitleIndex`, off the event loop when many), and what one keystroke then costs the
  event loop (`TitleIndex.search`): with a word every title holds, and with one none
  holds (the whole index searched); beside it, comparing each title in turn, as a
  keystroke did before the index.
- An event named by its title: the lookup in the index (`TitleIndex.named`).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.flows.events import TitleIndex
from bot.pages_names import comparable
from bot.render_replies import LIST_LIMIT
from bot.storage import open_store
from tests.conftest import execute_sql
from tests.postgres_cluster import NoServer, start_cluster

SIZES = (1_000, 10_000)
CALLS = 40  # per store call measured
KEYSTROKES = 400
NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)
TITLE = "Carnegie–Tsinghua dialogue on nuclear policy and missile defense, part "
# Targets: `/event list` reads its lines alone (what still grows is its count of the
# rest, one index entry each), and a keystroke holds the event loop no longer than the
# few hundred microseconds any member's work may.
LIST_SHARE = 0.25  # of reading every event, at 10,000 events, at most
KEYSTROKE_MS = 0.5


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(call: Callable[[], Any], times: int) -> float:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return median_ms(samples)


def held(search: Callable[[], Coroutine[Any, Any, Any]], times: int) -> tuple[float, float]:
    """A keystroke's search driven turn by turn, as the event loop runs it (it gives the
    loop back between parts of the titles): the median over `times` of its longest turn,
    what the loop is held for, and of all its turns together."""
    longest, whole = [], []
    for _ in range(times):
        coro, turns = search(), []
        while True:
            start = time.perf_counter()
            try:
                coro.send(None)
            except StopIteration:
                turns.append(time.perf_counter() - start)
                break
            turns.append(time.perf_counter() - start)
        longest.append(max(turns))
        whole.append(sum(turns))
    return median_ms(longest), median_ms(whole)


async def timed_async(call: Callable[[], Awaitable[Any]], times: int) -> float:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - start)
    return median_ms(samples)


async def server_of(store: Any, events: int) -> None:
    """`events` events of server 1, inserted as SQL, an hour apart around NOW."""
    await execute_sql(
        store, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " INSERT INTO events (guild_id, slug, title, starts_at, ends_at, capacity, archived,"
        " created_at, updated_at) SELECT 1, 'e' || i, ? || i,"
        " CASE WHEN i % 50 = 1 THEN NULL ELSE ? + (i - ?) * 3600 END,"
        " CASE WHEN i % 50 = 1 THEN NULL ELSE ? + (i - ?) * 3600 + 5400 END,"
        " 50, i % 10 = 0, ?, ? FROM n",
        events, TITLE, int(NOW.timestamp()), events * 2 // 3, int(NOW.timestamp()),
        events * 2 // 3, int(NOW.timestamp()), int(NOW.timestamp()))
    if getattr(store, "_pool", None) is not None:
        await execute_sql(store, "VACUUM ANALYZE events")  # as autovacuum leaves a live one


async def _one(location: str | Path, events: int) -> dict[str, float]:
    async with await open_store(location) as store:
        await server_of(store, events)
        found: dict[str, float] = {}
        for past in (False, True):
            label = "with past" if past else "to come"
            found[f"list, {label}"] = await timed_async(lambda p=past: store.run(
                store.events.event_listings, 1, past=p, now=NOW, limit=LIST_LIMIT), CALLS)
            found[f"list every, {label}"] = await timed_async(lambda p=past: store.run(
                store.events.event_listings, 1, past=p, now=NOW), max(CALLS // 4, 5))
        found["titles read"] = await timed_async(
            lambda: store.run(store.events.event_titles, 1, None, NOW), max(CALLS // 4, 5))
        titles = await store.run(store.events.event_titles, 1, None, NOW)
    found["index built"] = timed(lambda: TitleIndex(titles), 5)
    index = TitleIndex(titles)
    found["keystroke, every title"], _ = held(
        lambda: index.search("missile", archived=False, limit=25), KEYSTROKES)
    found["keystroke, no title"], found["keystroke, no title, all turns"] = held(
        lambda: index.search("zzz", archived=False, limit=25), KEYSTROKES)

    def one_by_one() -> list[int]:
        needle = comparable("zzz")
        return [title.id for title in titles.titles if needle in comparable(title.title)]

    found["one by one, no title"] = timed(one_by_one, 5)
    last = titles.titles[-1].title
    found["named"] = timed(lambda: index.named(last), KEYSTROKES)
    return found


async def _measure() -> dict[str, dict[int, dict[str, float]]]:
    results: dict[str, dict[int, dict[str, float]]] = {"SQLite": {}}
    with tempfile.TemporaryDirectory(prefix="bench-listings-") as workdir:
        for events in SIZES:
            results["SQLite"][events] = await _one(Path(workdir) / f"{events}.sqlite3", events)
    try:
        cluster = start_cluster()
    except NoServer:
        return results
    try:
        results["PostgreSQL"] = {}
        for n, events in enumerate(SIZES):
            async with await open_store(cluster.url()) as store:
                await execute_sql(store, f"CREATE DATABASE listings_{n}")
            results["PostgreSQL"][events] = await _one(cluster.url(f"listings_{n}"), events)
    finally:
        cluster.stop()
    return results


def measure() -> dict[str, dict[int, dict[str, float]]]:
    return asyncio.run(_measure())


def report(results: dict[str, dict[int, dict[str, float]]]) -> str:
    small, big = SIZES
    lines = [
        "## A big server's lookups (`bench/listings.py`)", "",
        f"One server of {small:,} and of {big:,} events (a tenth archived, one in fifty "
        "without a date, about a third to come), inserted as SQL; medians of many calls, "
        "milliseconds, in one run. `/event list` reads the reply's first "
        f"{LIST_LIMIT} lines and counts the rest; \"every\" is the same call reading all "
        "the events, as the reply did before. A keystroke is the event loop's time for "
        "the `[event]` option's search in the kept index, its longest turn (it searches "
        "a part of the titles a turn, giving the loop back between), and \"all turns\" "
        "the time of its turns together; \"one by one\" compares each title in turn, as "
        "a keystroke did before. What `/event list` still does in "
        "proportion to the server's events is count the rest (all of them with the past "
        "ones, else those to come), one index entry each.", "",
        f"| backend | measured | {small:,} events | {big:,} events | {big:,} ÷ {small:,} |",
        "|---|---|---:|---:|---:|"]
    verdicts = []
    for backend, sizes in results.items():
        for name in sizes[small]:
            a, b = sizes[small][name], sizes[big][name]
            lines.append(f"| {backend} | {name} | {a:.3f} | {b:.3f} | {b / a:.1f} |")
        for past in ("to come", "with past"):
            share = sizes[big][f"list, {past}"] / sizes[big][f"list every, {past}"]
            verdicts.append(f"{backend} `/event list` ({past}) at {big:,} events: "
                            f"{share:.3f}× reading every event (target ≤ {LIST_SHARE}): "
                            + ("met" if share <= LIST_SHARE else "**missed**"))
        worst = sizes[big]["keystroke, no title"]
        verdicts.append(f"{backend} keystroke at {big:,} events, none matching: {worst:.3f} ms "
                        f"of the event loop in its longest turn (target ≤ {KEYSTROKE_MS}): "
                        + ("met" if worst <= KEYSTROKE_MS else "**missed**"))
    return "\n".join([*lines, "", *(f"- {verdict}" for verdict in verdicts)]) + "\n"
