"""The read path at scale: the real bot on a database of 1,000 events and 1,000,000 RSVPs.

The database is created with `open_store` (so the migrations apply), one event is saved
through the store from the bundled sample pages (announcement and recap: five speakers,
takeaways), and then, with plain `sqlite3` executemany straight into the schema, copied
into 1,000 upcoming events of one guild with 1,000,000 RSVPs between them, counters
(`confirmed_count`, `waitlist_count`, `next_seq`) consistent with the rows. One "hot"
event holds 100,000 RSVPs (50,000 confirmed, 50,000 waitlisted); the other 999 share the
remaining 900,000 (capacity 800 each, so about 100 waitlisted each), except one "open"
event of 100,000 seats (its ~900 RSVPs all confirmed) that takes the writes below.

Rounds are interleaved: the floor bot starts, answers its first `/rsvp join` (its
start-up) and then `READS` more (its per-interaction latency, the least any command
costs in this setup), its RSS is read; then the real bot starts on the database,
answers its first `/event info` (start-up: process start to that reply), then `READS`
each of `/event info <event>`, `/event speakers <event>` and `/rsvp status <event>`
(random events; status for random members who hold an RSVP, so 10% of them on the hot
event, half of those deep in its waitlist), one at a time, and its RSS (VmRSS) is read
after the reads. Latency is measured from the test side (around `fake.slash`), so it
includes the local server, the gateway frame, the REST callback and the JSON both
ways; the time spent inside the bot is lower.

For information (the targets are about reads), each round ends with the write path on
this database: `JOINS` first-time `/rsvp join` on the open event at 1 and at 10 in
flight, against the floor doing the same in its part of the round; and after the rounds
a py-spy profile of the bot (unmeasured) during joins at 10 in flight, and during
`/rsvp status` (the waitlist's tail) and `/event speakers` reads.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.e2e import (
    READY_DELAY,
    ROOT,
    add_floor_guild,
    check_output,
    code_version,
    members,
    percentile,
    profile,
    rss_mb,
    run_level,
    same_code,
    start_floor,
    start_real,
)
from bot.catalog import read_event_folder
from bot.storage import EventDraft, open_store
from sandbox import FakeDiscord, Member, User

EVENTS = 1_000
RSVPS = 1_000_000
HOT_RSVPS = 100_000
HOT_CAPACITY = 50_000
CAPACITY = 800
OPEN = 1  # the index of the open event (100,000 seats), which takes the writes
OPEN_CAPACITY = 100_000
USER_BASE = 500_000_000_000_000_000  # member ids: a snowflake-sized base + a number
USER_POOL = 200_000  # distinct members; each event's RSVPs are distinct members of it
ROUNDS = 3
READS = 1_500  # per command, per round
TARGET_P99_MS = 5.0
TARGET_RSS_MB = 150.0
TARGET_STARTUP_S = 2.0
COMMANDS = ("event info", "event speakers", "rsvp status")
TAIL = "rsvp status, last of the hot event's waitlist"
JOINS = 300  # per in-flight level, per bot, per round
JOIN_LEVELS = (1, 10)
PROFILE_READS = 1_000  # reads under py-spy, after the rounds


# --------------------------------------------------------------------------- the database


def _per_event_counts() -> list[int]:
    rest = RSVPS - HOT_RSVPS
    base, extra = divmod(rest, EVENTS - 1)
    return [HOT_RSVPS] + [base + (1 if i < extra else 0) for i in range(EVENTS - 1)]


def user_of(event_index: int, k: int) -> int:
    """The k-th member to join event number `event_index` (distinct per event)."""
    return USER_BASE + (k * 7 + event_index * 7919) % USER_POOL


async def _template(db_path: Path, guild_id: int, starts_at: datetime) -> int:
    folder = read_event_folder(ROOT / "data/events/missile-defense-china")
    draft = EventDraft(slug="event-0000", title="Event 0000: " + folder.draft.title,
                       capacity=HOT_CAPACITY, venue="Carnegie Endowment, Washington, DC",
                       starts_at=starts_at, ends_at=starts_at + timedelta(hours=2))
    async with await open_store(db_path) as store:
        event, _ = await store.run(store.events.save_event, guild_id, draft, folder.pages)
        # the sample pages say registration is closed; the benchmark's events are open
        await store.run(store.registrations.open_registration, guild_id, event.id)
    conn = sqlite3.connect(db_path)
    conn.execute("DELETE FROM outbox")  # the "opened" notice of the template
    conn.commit()
    conn.close()
    return event.id


def build_database(db_path: Path, guild_id: int) -> tuple[list[int], float, float]:
    """Returns the event ids (the hot event first), the seconds the build took and the
    database's size in MB."""
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    template = asyncio.run(_template(db_path, guild_id, now + timedelta(days=30)))
    counts = _per_event_counts()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    ids = [template]
    for index in range(1, EVENTS):
        start = int((now + timedelta(days=30 + index)).timestamp())
        cursor = conn.execute(
            "INSERT INTO events (guild_id, slug, title, venue, link, starts_at, ends_at, capacity,"
            " registration_open, closed_reason, confirmed_count, waitlist_count, next_seq,"
            " language, translation, off_the_record, content_bytes, created_at, updated_at)"
            " SELECT guild_id, ?, ?, venue, link, ?, ?, ?, 1, NULL, 0, 0, 1, language,"
            " translation, off_the_record, content_bytes, created_at, updated_at FROM events"
            " WHERE id = ?",
            (f"event-{index:04d}", f"Event {index:04d}: Missile Defense Disputes", start,
             start + 7200, CAPACITY, template))
        ids.append(cursor.lastrowid)
    for table, columns in (("event_texts", "description, recap_summary, access_notes"),
                           ("pages", "kind, lang, body, imported_at, text_hash, url, parsed"),
                           ("people", "position, name, role, bio"),
                           ("takeaways", "position, heading, text")):
        conn.executemany(
            f"INSERT INTO {table} (event_id, {columns}) SELECT ?, {columns} FROM {table}"
            " WHERE event_id = ?", [(event_id, template) for event_id in ids[1:]])
    joined = int(now.timestamp()) - 86_400
    for index, (event_id, count) in enumerate(zip(ids, counts, strict=True)):
        capacity = HOT_CAPACITY if index == 0 else OPEN_CAPACITY if index == OPEN else CAPACITY
        conn.executemany(
            "INSERT INTO rsvps (event_id, user_id, display_name, status, seq, joined_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            ((event_id, user_of(index, k), f"member {k}",
              "confirmed" if k < capacity else "waitlisted", k + 1, joined + k % 86_400)
             for k in range(count)))
        confirmed = min(count, capacity)
        conn.execute("UPDATE events SET capacity = ?, confirmed_count = ?, waitlist_count = ?,"
                     " next_seq = ? WHERE id = ?",
                     (capacity, confirmed, count - confirmed, count + 1, event_id))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (rsvps,) = conn.execute("SELECT count(*) FROM rsvps").fetchone()
    (events,) = conn.execute("SELECT count(*) FROM events WHERE guild_id = ?",
                             (guild_id,)).fetchone()
    bad = conn.execute(
        "SELECT count(*) FROM events e WHERE guild_id = ? AND (confirmed_count !="
        " (SELECT count(*) FROM rsvps WHERE event_id = e.id AND status = 'confirmed')"
        " OR waitlist_count != (SELECT count(*) FROM rsvps WHERE event_id = e.id"
        " AND status = 'waitlisted')"
        " OR next_seq != 1 + (SELECT max(seq) FROM rsvps WHERE event_id = e.id))",
        (guild_id,)).fetchone()[0]
    conn.close()
    if (rsvps, events, bad) != (RSVPS, EVENTS, 0):
        raise RuntimeError(f"bad benchmark database: {rsvps} RSVPs, {events} events, "
                           f"{bad} with inconsistent counters")
    size = sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))
    return ids, time.perf_counter() - started, size / 1024**2


# --------------------------------------------------------------------------- measuring


async def _timed(fake: FakeDiscord, guild, member, command: str, check: str, **options) -> float:
    started = time.perf_counter()
    reply = await fake.slash(guild, member, command, **options)
    elapsed = time.perf_counter() - started
    text = (reply.content or "") + " ".join(str(e) for e in reply.embeds)
    if check not in text:
        raise RuntimeError(f"unexpected reply to /{command}: {reply!r} {reply.embeds!r}")
    return elapsed


async def _measure(rounds: int, reads: int) -> dict:
    rng = random.Random(1)
    counts = _per_event_counts()
    samples: dict[str, list] = {"floor_startup": [], "floor_rss": [], "floor_join": [],
                                "bot_startup": [], "bot_rss": [],
                                **{c: [] for c in (*COMMANDS, TAIL)},
                                **{(who, level): [] for who in ("floor", "bot")
                                   for level in JOIN_LEVELS}}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "bot.sqlite3"
        async with FakeDiscord(record_requests=False) as fake:
            guild = fake.add_guild("Bench Guild")
            floor_guild = add_floor_guild(fake)
            ids, build_seconds, db_mb = await asyncio.to_thread(build_database, db_path,
                                                                guild.id)

            joiners = {"bot": members(fake, guild, "joiner"),
                       "floor": members(fake, floor_guild, "floor joiner")}

            async def writes(who: str) -> None:
                where = guild if who == "bot" else floor_guild
                for level in JOIN_LEVELS:
                    latencies, elapsed = await run_level(fake, where, joiners[who],
                                                         ids[OPEN], level, JOINS)
                    samples[(who, level)].append((percentile(latencies, 50),
                                                  percentile(latencies, 99), JOINS / elapsed))

            def member(user_id: int, where=guild) -> Member:
                return Member(User(user_id, f"member{user_id - USER_BASE}"), where)

            async def read(command: str) -> float:
                """One read on a random event, or the worst case of the read path (TAIL):
                the last of the hot event's waitlist, its position counted over it all."""
                index = rng.randrange(EVENTS)
                if command == TAIL:
                    index, user = 0, user_of(0, HOT_RSVPS - 1)
                    command, check = "rsvp status", f"position {HOT_RSVPS - HOT_CAPACITY})"
                elif command == "rsvp status":
                    # a random RSVP: weighted by the events' sizes
                    index = 0 if rng.random() < HOT_RSVPS / RSVPS else index
                    user = user_of(index, rng.randrange(counts[index]))
                    check = "You're"
                else:
                    user = USER_BASE + rng.randrange(USER_POOL)
                    check = "Registration" if command == "event info" else "Speakers"
                return await _timed(fake, guild, member(user), command, check,
                                    event=str(ids[index]))

            async def reads_of(command: str, count: int) -> None:
                for _ in range(count):
                    await read(command)

            first = True
            for _ in range(rounds):
                # the floor: start-up to its first reply, latency, memory
                floor = start_floor(fake, floor_guild, workdir)
                floor_member = member(USER_BASE + 1, floor_guild)
                await fake.wait_ready(process=floor)
                await _timed(fake, floor_guild, floor_member, "rsvp join", "confirmed",
                             event=str(ids[0]))
                samples["floor_startup"].append(time.monotonic() - floor.started)
                await asyncio.sleep(READY_DELAY)  # past on_ready, as in bench/e2e.py
                latencies = [await _timed(fake, floor_guild, floor_member, "rsvp join",
                                          "confirmed", event=str(rng.choice(ids)))
                             for _ in range(reads)]
                samples["floor_join"].append(latencies)
                samples["floor_rss"].append(rss_mb(floor.pid))
                await writes("floor")
                await floor.stop()

                # the real bot
                bot = start_real(fake, workdir, db_path)
                await fake.wait_ready(process=bot)
                await _timed(fake, guild, member(USER_BASE + 1), "event info", "Registration",
                             event=str(ids[0]))
                samples["bot_startup"].append((time.monotonic() - bot.started, first))
                first = False
                await asyncio.sleep(READY_DELAY)
                for command in (*COMMANDS, TAIL):
                    samples[command].append([await read(command) for _ in range(reads)])
                samples["bot_rss"].append(rss_mb(bot.pid))
                await writes("bot")
                await bot.stop()
                check_output(bot)

            # unmeasured: where the bot's time goes on this database
            bot = start_real(fake, workdir, db_path)
            await fake.wait_ready(process=bot)
            await asyncio.sleep(READY_DELAY)
            hot_spots = {
                TAIL: await profile(bot.pid, reads_of(TAIL, PROFILE_READS)),
                "event speakers": await profile(bot.pid,
                                                reads_of("event speakers", PROFILE_READS)),
                "joins": await profile(bot.pid, run_level(fake, guild, joiners["bot"],
                                                          ids[OPEN], 10, JOINS)),
            }
            await bot.stop()
            check_output(bot)

    def summary(runs: list[list[float]]) -> dict:
        return {"p50": statistics.median(percentile(r, 50) for r in runs),
                "p99": statistics.median(percentile(r, 99) for r in runs),
                "runs": [(percentile(r, 50), percentile(r, 99)) for r in runs]}

    return {
        "rounds": rounds, "reads": reads, "build_seconds": build_seconds, "db_mb": db_mb,
        "floor": summary(samples["floor_join"]),
        "commands": {c: summary(samples[c]) for c in (*COMMANDS, TAIL)},
        "floor_startup": samples["floor_startup"],
        "bot_startup": samples["bot_startup"],
        "floor_rss": samples["floor_rss"],
        "bot_rss": samples["bot_rss"],
        "joins": {level: {who: [statistics.median(run[i] for run in samples[(who, level)])
                                for i in range(3)] for who in ("floor", "bot")}
                  for level in JOIN_LEVELS},
        "join_runs": {f"{who}, {level}": samples[(who, level)] for who in ("floor", "bot")
                      for level in JOIN_LEVELS},
        "profile": hot_spots,
    }


def measure(rounds: int = ROUNDS, reads: int = READS) -> dict:
    code = code_version()
    results = asyncio.run(_measure(rounds, reads))
    results["code"] = same_code(code)
    return results


def _name(command: str) -> str:
    name, _, note = command.partition(", ")
    return f"`/{name}`" + (f" ({note})" if note else "")


def _verdict(ok: bool) -> str:
    return "meets" if ok else "**misses**"


def report(results: dict) -> str:
    ms = 1000
    floor = results["floor"]
    lines = [
        "## Read path at scale (`bench/scale.py`)", "",
        f"The real bot on a database of {EVENTS:,} events and {RSVPS:,} RSVPs in one server "
        f"({results['db_mb']:.0f} MB, built in {results['build_seconds']:.0f} s with "
        f"executemany); one hot event has {HOT_RSVPS:,} RSVPs ({HOT_CAPACITY:,} waitlisted), "
        f"the others about {(RSVPS - HOT_RSVPS) // (EVENTS - 1)} each (capacity {CAPACITY}). "
        f"{results['reads']:,} of each command per round, one at a time, on random events "
        "(`/rsvp status` for random members holding an RSVP); median of "
        f"{results['rounds']} interleaved rounds (floor, bot, ...). Latency is measured from "
        "the test side: it includes the local server, the gateway and REST hops and JSON both "
        "ways, so the time inside the bot is lower. The floor is `bench/floor_bot.py` "
        "answering `/rsvp join` with a fixed reply, same server, same rounds. "
        f"Bot code measured: {results['code']}.", "",
        f"| command | bot p50 ms | bot p99 ms | floor p50 ms | floor p99 ms | p50 ÷ floor "
        f"| p99 ÷ floor | p99 target < {TARGET_P99_MS:g} ms |",
        "|---|---:|---:|---:|---:|---:|---:|---|"]
    for command, stats in results["commands"].items():
        lines.append(
            f"| {_name(command)} | {stats['p50'] * ms:.2f} | {stats['p99'] * ms:.2f} "
            f"| {floor['p50'] * ms:.2f} | {floor['p99'] * ms:.2f} "
            f"| {stats['p50'] / floor['p50']:.2f} | {stats['p99'] / floor['p99']:.2f} "
            f"| {_verdict(stats['p99'] * ms < TARGET_P99_MS)} |")
    bot_start = statistics.median(s for s, _ in results["bot_startup"])
    floor_start = statistics.median(results["floor_startup"])
    bot_rss = statistics.median(results["bot_rss"])
    floor_rss = statistics.median(results["floor_rss"])
    starts = ", ".join(f"{s:.2f} s" + (" (first start: syncs the commands)" if first else "")
                       for s, first in results["bot_startup"])
    lines += [
        "", "| figure | bot | floor | ÷ floor | target |", "|---|---:|---:|---:|---|",
        f"| start-up: process start to first reply | {bot_start:.2f} s | {floor_start:.2f} s "
        f"| {bot_start / floor_start:.2f} | < {TARGET_STARTUP_S:g} s: "
        f"{_verdict(bot_start < TARGET_STARTUP_S)} |",
        f"| resident memory (VmRSS) after the reads | {bot_rss:.0f} MB | {floor_rss:.0f} MB "
        f"| {bot_rss / floor_rss:.2f} | < {TARGET_RSS_MB:g} MB: "
        f"{_verdict(bot_rss < TARGET_RSS_MB)} |",
        "", f"Bot start-ups: {starts}; floor: "
        + ", ".join(f"{s:.2f} s" for s in results["floor_startup"]) + ". RSS per round, bot: "
        + ", ".join(f"{r:.0f}" for r in results["bot_rss"]) + " MB; floor: "
        + ", ".join(f"{r:.0f}" for r in results["floor_rss"]) + " MB."]
    misses = [f"{_name(c)} p99 {st['p99'] * ms:.2f} ms (floor p99 {floor['p99'] * ms:.2f} ms)"
              for c, st in results["commands"].items() if st["p99"] * ms >= TARGET_P99_MS]
    if bot_start >= TARGET_STARTUP_S:
        misses.append(f"start-up {bot_start:.2f} s")
    if bot_rss >= TARGET_RSS_MB:
        misses.append(f"memory {bot_rss:.0f} MB")
    lines += ["", (f"**Misses its targets in this run:** {'; '.join(misses)}." if misses
                   else "Meets every target in this run.")
              + f" (p99 target < {TARGET_P99_MS:g} ms, measured from the test side.)",
              "", "Per round (p50 / p99 ms):", ""]
    for command, stats in [("rsvp join, floor", floor), *results["commands"].items()]:
        runs = "; ".join(f"{a * ms:.2f} / {b * ms:.2f}" for a, b in stats["runs"])
        lines.append(f"- {_name(command)}: {runs}")
    for command in (TAIL, "event speakers"):
        lines += ["", f"Where the bot's working time goes during {PROFILE_READS:,} more "
                  f"{_name(command)} as above (after the rounds, unmeasured, py-spy; share "
                  "of samples where a thread was working, by the innermost function of the "
                  "bot's own code):", ""]
        lines += [f"- {line}" for line in results["profile"][command]]
    lines += [
        "", "### For information: the write path on this database", "",
        f"{JOINS} first-time `/rsvp join` per level and round on the open event (about "
        f"{(RSVPS - HOT_RSVPS) // (EVENTS - 1)} RSVPs of its own, 1,000,000 in the table), "
        "medians over the rounds; the floor does the same in its part of each round.", "",
        "| in flight | floor p50 ms | floor p99 ms | floor /s | bot p50 ms | bot p99 ms "
        "| bot /s | bot p50 ÷ floor | bot /s ÷ floor |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for level, row in results["joins"].items():
        (f50, f99, frate), (b50, b99, brate) = row["floor"], row["bot"]
        lines.append(f"| {level} | {f50 * ms:.2f} | {f99 * ms:.2f} | {frate:,.0f} "
                     f"| {b50 * ms:.2f} | {b99 * ms:.2f} | {brate:,.0f} | {b50 / f50:.2f} "
                     f"| {brate / frate:.2f} |")
    lines += ["", "Per round (p50 ms / p99 ms / per s): " + "; ".join(
        f"{name}: " + ", ".join(f"{a * ms:.1f} / {b * ms:.1f} / {c:,.0f}" for a, b, c in runs)
        for name, runs in results["join_runs"].items()) + ".", "",
        f"Where the bot's working time goes during {JOINS} joins at 10 in flight on this "
        "database (after the rounds, unmeasured, py-spy; share of samples where a thread "
        "was working, by the innermost function of the bot's own code):", ""]
    lines += [f"- {line}" for line in results["profile"]["joins"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(report(measure()))
