"""One member flooding the bot through a modified client, while others use it normally.

The real bot process against the local server (Discord's rate limits applied to the
bot's own requests). Two phases of the same length: members reading `/event info` and
joining with `/rsvp join` alone, then the same while one member sends, each as fast as
the server answers: `/rsvp join` and `/rsvp cancel` alternately on a full event and on
an open one, the Join and Cancel buttons of the open event's announcement, autocomplete
of the event option with a new prefix each time, `/event ask` with a 300-character
question and `/event calendar`; and a moderator sends `/manage capacity` up and down on
the full event. Measured for each phase: the others' p50 and p95, the bot's log lines a
second, the DMs and channel posts the phase caused, the bot's requests refused (429)
and other 4xx, the outbox and the database's rows, and whether every event's counters
equal its RSVP rows.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.e2e import (
    READY_DELAY,
    code_version,
    import_event,
    members,
    percentile,
    same_code,
    start_real,
)
from sandbox import FakeDiscord

SECONDS = 20.0  # per phase
READERS = 2  # members reading /event info, one command at a time each
JOINERS = 2  # members joining the big event, one new member at a time each
FLOOD_IN_FLIGHT = 1  # per kind of flood
QUESTION = ("what did the speakers say about missile defense cooperation " * 6)[:300]


def counters_match(db: Path) -> list[tuple]:
    """Events whose confirmed or waitlisted count differs from their RSVP rows."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT e.id, e.confirmed_count, e.waitlist_count,"
            " (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id AND status = 'confirmed'),"
            " (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id AND status = 'waitlisted')"
            " FROM events e").fetchall()
    finally:
        conn.close()


def sqlite_one(db: Path, sql: str, *params: object) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def table_rows(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


async def _measure(seconds: float) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp:
        workdir = Path(tmp)
        db = workdir / "bot.sqlite3"
        async with FakeDiscord(client_lag=0.0) as fake:
            guild = fake.add_guild("Bench Guild")
            channel = guild.system_channel  # where members use commands
            notices = next(c for c in guild.channels.values() if c.name == "announcements")
            moderator = fake.add_member(guild, "moderator", manage_events=True)
            flooder = fake.add_member(guild, "flooder")
            bot = start_real(fake, workdir, db)
            await fake.wait_ready(process=bot)
            await asyncio.sleep(READY_DELAY)
            print("ready", file=sys.stderr, flush=True)
            full = await import_event(fake, guild, moderator, "Full", 5)
            open_ = await import_event(fake, guild, moderator, "Open", 100_000)
            big = await import_event(fake, guild, moderator, "Big", 100_000)
            for event in (full, open_):
                reply = await fake.slash(guild, moderator, "manage announce", event=str(event),
                                         timeout=30)
                await reply.wait(lambda r: not r.deferred or bool(r.content), 30)
            seated = [fake.add_member(guild, f"seated{i}") for i in range(4)]
            for member in seated:
                await fake.slash(guild, member, "rsvp join", event=str(full))
            await fake.slash(guild, flooder, "rsvp join", event=str(full))  # the last seat
            waiting = [fake.add_member(guild, f"waiting{i}") for i in range(3)]
            for member in waiting:
                await fake.slash(guild, member, "rsvp join", event=str(full))
            print("set up", file=sys.stderr, flush=True)
            announced = {}
            for message in fake.messages(notices):
                ids = [c["custom_id"] for row in message.get("components", [])
                       for c in row.get("components", []) if "custom_id" in c]
                for cid in ids:
                    if cid.startswith("eventbot:rsvp:join:"):
                        announced[int(cid.rsplit(":", 1)[1])] = (message, ids)
            readers = [fake.add_member(guild, f"reader{i}") for i in range(READERS)]
            crowd = members(fake, guild, "joiner")
            others = [moderator, *seated, *waiting, *readers]
            await asyncio.sleep(2.0)  # the set-up's notices delivered

            async def phase(name: str, flood: bool) -> None:
                stop = asyncio.Event()
                info_ms: list[float] = []
                join_ms: list[float] = []
                flood_counts: collections.Counter[str] = collections.Counter()
                errors: list[str] = []
                log_before = bot.output().count("\n")
                requests_before = len(fake.requests)
                refused_before = fake.rate_limiter.refused if fake.rate_limiter else 0
                dms_before = {m.user.id: len(fake.dms(m)) for m in others}
                posts_before = len(fake.messages(channel))
                notices_before = len(fake.messages(notices))
                rows_before = table_rows(db)

                async def reader(member) -> None:
                    while not stop.is_set():
                        started = time.perf_counter()
                        await fake.slash(guild, member, "event info", event=str(full))
                        info_ms.append((time.perf_counter() - started) * 1000)

                async def joiner() -> None:
                    while not stop.is_set():
                        member = next(crowd)
                        started = time.perf_counter()
                        await fake.slash(guild, member, "rsvp join", event=str(big))
                        join_ms.append((time.perf_counter() - started) * 1000)

                async def loop(kind: str, step) -> None:
                    for n in itertools.count():
                        if stop.is_set():
                            return
                        try:
                            await step(n)
                        except Exception as exc:  # a failed step is data
                            errors.append(f"{kind}: {exc!r}"[:300])
                            await asyncio.sleep(0.01)  # a step that failed before awaiting
                        flood_counts[kind] += 1

                async def churn(event: int, n: int) -> None:
                    await fake.slash(guild, flooder, "rsvp cancel" if n % 2 else "rsvp join",
                                     event=str(event))

                async def buttons(n: int) -> None:
                    message, ids = announced[open_]
                    wanted = "cancel" if n % 2 else "join"
                    cid = next(c for c in ids if f":{wanted}:" in c)
                    await fake.click(guild, flooder, message, cid)

                async def complete(n: int) -> None:
                    prefix = "FuBiOp"[n % 6: n % 6 + 1 + n % 3] + str(n)[-2:]
                    await fake.autocomplete(guild, flooder, "rsvp join", focused="event",
                                            event=prefix)

                async def ask(n: int) -> None:
                    await fake.slash(guild, flooder, "event ask", question=QUESTION[: 300 - n % 7])

                async def calendar(n: int) -> None:
                    await fake.slash(guild, flooder, "event calendar", event=str(full))

                async def capacity(n: int) -> None:
                    # down to the seats taken (the event fills), then ten more (it opens)
                    confirmed = sqlite_one(db, "SELECT confirmed_count FROM events WHERE id = ?",
                                           full)
                    await fake.slash(guild, moderator, "manage capacity",
                                     seats=max(confirmed, 1) + 10 * (n % 2), event=str(full))

                tasks = [asyncio.create_task(reader(m)) for m in readers]
                tasks += [asyncio.create_task(joiner()) for _ in range(JOINERS)]
                if flood:
                    kinds = {"join/cancel on the full event": lambda n: churn(full, n),
                             "join/cancel on the open event": lambda n: churn(open_, n),
                             "Join/Cancel buttons": buttons, "autocomplete": complete,
                             "/event ask": ask, "/event calendar": calendar,
                             "/manage capacity up and down": capacity}
                    for kind, step in kinds.items():
                        tasks += [asyncio.create_task(loop(kind, step))
                                  for _ in range(FLOOD_IN_FLIGHT)]
                print("phase", name, file=sys.stderr, flush=True)
                started = time.perf_counter()
                await asyncio.sleep(seconds)
                stop.set()
                print("stopping", file=sys.stderr, flush=True)
                await asyncio.gather(*tasks)
                elapsed = time.perf_counter() - started
                await asyncio.sleep(5.0)  # the phase's notices delivered
                tail = time.perf_counter() - started
                requests = fake.requests[requests_before:]
                statuses = collections.Counter(
                    (r.method, r.route, r.status) for r in requests
                    if r.status is not None and r.status >= 400)
                by_route = collections.Counter(
                    (r.method, r.route) for r in requests
                    if r.route and not r.route.startswith(("/interactions/", "/webhooks/")))
                log_lines = bot.output().count("\n") - log_before
                rows_after = table_rows(db)
                results[name] = {
                    "seconds": elapsed, "seconds with tail": tail,
                    "info": (len(info_ms), percentile(info_ms, 50), percentile(info_ms, 95)),
                    "join": (len(join_ms), percentile(join_ms, 50), percentile(join_ms, 95)),
                    "flood": dict(flood_counts), "flood errors": errors[:5],
                    "flood error count": len(errors),
                    "log lines": log_lines, "log lines/s": log_lines / tail,
                    "dms to others": {m.user.name: len(fake.dms(m)) - dms_before[m.user.id]
                                      for m in others
                                      if len(fake.dms(m)) != dms_before[m.user.id]},
                    "replies posted in #general": len(fake.messages(channel)) - posts_before,
                    "posts in #announcements": len(fake.messages(notices)) - notices_before,
                    "edits of announcements": sum(len(fake.message_record(m).edits)
                                                  for m in fake.messages(notices)),
                    "429s": (fake.rate_limiter.refused if fake.rate_limiter else 0)
                    - refused_before,
                    "4xx": {f"{m} {r} {s}": n for (m, r, s), n in statuses.items()},
                    "bot requests by route": {f"{m} {r}": n for (m, r), n in by_route.items()},
                    "row growth": {t: rows_after[t] - rows_before.get(t, 0)
                                   for t in rows_after if rows_after[t] != rows_before.get(t, 0)},
                    "outbox rows after": rows_after.get("outbox"),
                    "counters differ": [row for row in counters_match(db)
                                        if row[1:3] != row[3:5]],
                }

            await phase("without the flood", False)
            log_mark = bot.output().count("\n")
            await phase("with the flood", True)
            results["flood log tail"] = bot.output().splitlines()[log_mark:][-15:]
            results["bot's own posts"] = collections.Counter(
                (m.get("content") or str(m.get("embeds"))[:60])[:90]
                for m in fake.messages(notices))
            await bot.stop()
    return results


def measure(seconds: float = SECONDS) -> dict:
    code = code_version()
    results = asyncio.run(_measure(seconds))
    return {"phases": results, "seconds": seconds, "code": same_code(code)}


def report(results: dict) -> str:
    phases = results["phases"]
    names = ("without the flood", "with the flood")
    lines = [
        "## One member flooding the bot (`bench/flood.py`)", "",
        "The real bot against the local server (Discord's rate limits applied to its own "
        "requests): two members reading `/event info` and two joining with `/rsvp join` (a "
        f"new member each time), {results['seconds']:g} s alone, then {results['seconds']:g} s "
        "while one member sends, each as fast as answered: `/rsvp join` and `cancel` "
        "alternately on a full event and an open one, the Join and Cancel buttons, "
        "autocomplete with a new prefix each time, `/event ask` with a 300-character question "
        "and `/event calendar`; and a moderator turns `/manage capacity` of the full event "
        "down and up. Each phase is followed by 5 s for its notices to go out. Bot code "
        f"measured: {results['code']}.", "",
        "| | without the flood | with the flood |", "|---|---:|---:|"]

    def row(label: str, cell) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(phases[n]) for n in names) + " |")

    row("others' `/event info`: p50 / p95 ms (calls)",
        lambda p: f"{p['info'][1]:.2f} / {p['info'][2]:.2f} ({p['info'][0]:,})")
    row("others' `/rsvp join`: p50 / p95 ms (calls)",
        lambda p: f"{p['join'][1]:.2f} / {p['join'][2]:.2f} ({p['join'][0]:,})")
    row("the flood's interactions", lambda p: f"{sum(p['flood'].values()):,}")
    row("public replies posted in the channel (6 a member a minute)",
        lambda p: f"{p['replies posted in #general']:,}")
    row("posts in the announcements channel", lambda p: f"{p['posts in #announcements']:,}")
    row("DMs to the other members", lambda p: f"{sum(p['dms to others'].values()):,}")
    row("the bot's log lines a second", lambda p: f"{p['log lines/s']:.1f}")
    row("the bot's requests refused (429, other 4xx)",
        lambda p: f"{p['429s']}, {sum(p['4xx'].values())}")
    row("outbox rows left after the phase", lambda p: f"{p['outbox rows after']}")
    row("events whose counters differ from their rows", lambda p: f"{len(p['counters differ'])}")
    return "\n".join(lines) + "\n"


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else SECONDS
    results = asyncio.run(_measure(seconds))
    for name, value in results.items():
        if isinstance(value, dict):
            print(f"== {name}")
            for key, item in value.items():
                print(f"  {key}: {item}")
        else:
            print(f"== {name}: {value}")


if __name__ == "__main__":
    main()
