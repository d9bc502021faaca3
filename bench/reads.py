"""Members' commands end to end, each against a floor that sends the very same reply.

The floor is `bench/floor_bot.py` with FLOOR_REPLIES: before the rounds the real bot
answers each command once and its messages (content, embeds, components) are captured;
the floor then answers each command with those messages, rebuilt per interaction as
discord.py would. So each ratio is what the bot adds on top of discord.py sending that
reply: resolving the event, reading it, rendering.

Commands: `/event info`, `/event speakers`, `/event takeaways`, `/rsvp status` (members
who hold an RSVP) and `/rsvp join` (distinct members, each a new RSVP), each at 1, 10
and 50 in flight, on two databases: the bundled sample page as an open event in a fresh
database, and the hot event (100,000 RSVPs, half of them waitlisted) of the 1,000-event,
1,000,000-RSVP database of `bench/scale.py`. The bot and the floor each have their own
local server and stay connected side by side; each round measures every command and
level on both, one after the other in alternating order, a few hundred interactions at
a time, so the shared machine's load moves little between the two halves of a pair.
Figures are medians over the rounds of each chunk's p50 and throughput. Latency is
around `fake.slash(...)`: dispatch to the first response.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.e2e import (
    CAPACITY,
    READY_DELAY,
    ROOT,
    check_output,
    code_version,
    import_event,
    members,
    percentile,
    profile,
    same_code,
    settle_heap,
    start_real,
)
from bench.scale import HOT_CAPACITY, HOT_RSVPS, USER_BASE, build_database, user_of
from sandbox import BotProcess, FakeDiscord, Guild, Member, User

COMMANDS = ("event info", "event speakers", "event takeaways", "rsvp status", "rsvp join")
LEVELS = (1, 10, 50)
PER_LEVEL = {1: 150, 10: 300, 50: 500}  # interactions per command, level and round
ROUNDS = 9  # pairs per setting: five left the medians moving by 0.1-0.2 between runs
WARMUP = 50  # unmeasured interactions of each command after each start
TARGET_RATE, TARGET_P50 = 0.85, 1.2  # of the floor's throughput and p50
PROFILE_READS = 1500  # interactions at 10 in flight under py-spy, after the rounds
PROFILED = ("event info", "rsvp join")


def start_floor(fake: FakeDiscord, guild: Guild, workdir: Path, replies: Path) -> BotProcess:
    return fake.spawn_bot([sys.executable, str(ROOT / "bench" / "floor_bot.py")],
                          {"FLOOR_GUILD_ID": str(guild.id), "FLOOR_REPLIES": str(replies)},
                          cwd=str(workdir))


def captured(reply: Any) -> list[dict[str, Any]]:
    """The messages the bot sent for one interaction: the response, then follow-ups."""
    keep = ("content", "embeds", "components", "flags")
    return [{k: m.get(k) for k in keep if m.get(k) is not None}
            for m in [reply.message, *reply.followups]]


def answered(reply: Any) -> bool:
    text = reply.content or ""
    return bool(text or reply.embeds) and "⚠️" not in text


class Setting:
    """One database: where each command is aimed and who asks it."""

    def __init__(self, name: str, guild: Guild, event_id: int, crowd: Iterator[Member],
                 holders: Callable[[], Member]) -> None:
        self.name, self.guild, self.event_id = name, guild, event_id
        self.crowd = crowd  # members who never joined: /rsvp join
        self.holders = holders  # a member holding an RSVP: /rsvp status

    def asker(self, command: str) -> Member:
        if command == "rsvp join":
            return next(self.crowd)
        if command == "rsvp status":
            return self.holders()
        return next(self.crowd)


async def run_level(fake: FakeDiscord, guild: Guild, setting: Setting, command: str,
                    in_flight: int, count: int) -> tuple[list[float], float]:
    askers = iter([setting.asker(command) for _ in range(count)])
    latencies: list[float] = []
    option = str(setting.event_id)

    async def member_loop() -> None:
        for member in askers:
            started = time.perf_counter()
            reply = await fake.slash(guild, member, command, event=option)
            latencies.append(time.perf_counter() - started)
            if not answered(reply):
                raise RuntimeError(f"unexpected reply to /{command}: {reply!r}")

    settle_heap()
    started = time.perf_counter()
    await asyncio.gather(*(member_loop() for _ in range(in_flight)))
    return latencies, time.perf_counter() - started


async def _one_setting(fake: FakeDiscord, setting: Setting, floor_fake: FakeDiscord,
                       workdir: Path, db_path: Path, rounds: int,
                       per_level: dict[int, int]) -> dict:
    # the replies the floor sends: the bot's own, captured once
    bot = start_real(fake, workdir, db_path)
    await fake.wait_ready(process=bot)
    replies = {}
    for command in COMMANDS:
        reply = await fake.slash(setting.guild, setting.asker(command), command,
                                 event=str(setting.event_id))
        if not answered(reply):
            raise RuntimeError(f"unexpected reply to /{command}: {reply!r}")
        replies[command] = captured(reply)
    replies_path = workdir / f"replies-{setting.name}.json"
    replies_path.write_text(json.dumps(replies), encoding="utf-8")
    floor_guild = floor_fake.add_guild(f"Floor {setting.name}")
    floor_crowd = members(floor_fake, floor_guild, "floor member")
    floor_setting = Setting(setting.name, floor_guild, setting.event_id, floor_crowd,
                            lambda: next(floor_crowd))
    floor = start_floor(floor_fake, floor_guild, workdir, replies_path)
    await floor_fake.wait_ready(process=floor)
    sides = {"floor": (floor_fake, floor_setting), "bot": (fake, setting)}
    for server, where in sides.values():
        for command in COMMANDS:
            await run_level(server, where.guild, where, command, 10, WARMUP)
    await asyncio.sleep(READY_DELAY)  # past on_ready, for both alike (bench/e2e.py)

    samples = {who: {(c, lv): [] for c in COMMANDS for lv in LEVELS} for who in sides}
    cpu = {who: {c: 0.0 for c in COMMANDS} for who in sides}  # CPU seconds, all levels
    pids = {"floor": floor.pid, "bot": bot.pid}
    turn = 0
    for _ in range(rounds):
        for command in COMMANDS:
            for level in LEVELS:
                turn += 1
                for who in ("floor", "bot") if turn % 2 else ("bot", "floor"):
                    server, where = sides[who]
                    used = cpu_seconds(pids[who])
                    latencies, elapsed = await run_level(server, where.guild, where, command,
                                                         level, per_level[level])
                    cpu[who][command] += cpu_seconds(pids[who]) - used
                    samples[who][(command, level)].append(
                        (percentile(latencies, 50), per_level[level] / elapsed))
    await floor.stop()
    check_output(floor)
    hot_spots = {command: await profile(bot.pid, run_level(fake, setting.guild, setting,
                                                           command, 10, PROFILE_READS))
                 for command in PROFILED}
    await bot.stop()
    check_output(bot)
    rows = {}
    for command in COMMANDS:
        for level in LEVELS:
            row = {}
            for who in sides:
                runs = samples[who][(command, level)]
                row[who] = {"p50": statistics.median(r[0] for r in runs),
                            "rate": statistics.median(r[1] for r in runs), "runs": runs}
            rows[f"{command}|{level}"] = row
    answered_each = rounds * sum(per_level.values())
    return {"rows": rows, "profile": hot_spots,
            "cpu": {c: {who: cpu[who][c] / answered_each for who in sides} for c in COMMANDS}}


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (user + system, /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _measure(rounds: int, per_level: dict[int, int]) -> dict:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as tmp:
        workdir = Path(tmp)
        # One local server per bot (a server holds one bot connection): both bots stay
        # connected, so their measurements can alternate every few hundred interactions.
        async with FakeDiscord(record_requests=False) as fake, \
                FakeDiscord(record_requests=False) as floor_fake:
            # the bundled sample page as an open event, in a fresh database
            guild = fake.add_guild("Bundled Guild")
            moderator = fake.add_member(guild, "moderator", manage_events=True)
            db_path = workdir / "bundled.sqlite3"
            bot = start_real(fake, workdir, db_path)
            await fake.wait_ready(process=bot)
            event_id = await import_event(fake, guild, moderator, "Bundled Page", CAPACITY)
            holders = [Member(fake.add_user(f"holder{n}"), guild) for n in range(200)]
            for member in holders:
                await fake.slash(guild, member, "rsvp join", event=str(event_id))
            await bot.stop()
            rng = random.Random(1)
            bundled = Setting("bundled", guild, event_id, members(fake, guild, "member"),
                              lambda: rng.choice(holders))
            results["bundled"] = await _one_setting(fake, bundled, floor_fake, workdir,
                                                    db_path, rounds, per_level)

            # the hot event of a 1,000-event, 1,000,000-RSVP database
            big = fake.add_guild("Scale Guild")
            db_path = workdir / "scale.sqlite3"
            ids, _, _ = await asyncio.to_thread(build_database, db_path, big.id)

            def holder() -> Member:  # a random member of the hot event, often waitlisted
                user = user_of(0, rng.randrange(HOT_RSVPS))
                return Member(User(user, f"member{user - USER_BASE}"), big)

            scale = Setting("scale", big, ids[0], members(fake, big, "joiner"), holder)
            results["scale"] = await _one_setting(fake, scale, floor_fake, workdir, db_path,
                                                  rounds, per_level)
    return results


def measure(rounds: int = ROUNDS, per_level: dict[int, int] | None = None) -> dict:
    code = code_version()
    started_load = os.getloadavg()[0]
    results = asyncio.run(_measure(rounds, per_level or PER_LEVEL))
    return {"settings": results, "rounds": rounds, "per_level": per_level or PER_LEVEL,
            "code": same_code(code), "load": (started_load, os.getloadavg()[0])}


SETTINGS = {"bundled": "the bundled sample page, as an open event of a fresh database",
            "scale": f"the hot event ({HOT_RSVPS:,} RSVPs, {HOT_RSVPS - HOT_CAPACITY:,} "
                     "waitlisted) of the 1,000-event, 1,000,000-RSVP database"}


WHAT_CHANGED = (
    "What made the difference (before: the section below, the same benchmark on the code "
    "before these changes): members' reads no longer take a hop to the database thread, "
    "where they queued behind every other call; the SQLite store answers them on the event "
    "loop through its second connection, which never waits (an event, the default event, "
    "a member's RSVP with the event; a busy database or a waitlist not yet in memory falls "
    "back to the thread). An event is cached and served with its seat counts read just "
    "before `PRAGMA data_version`, which says whether any other connection (the database "
    "thread, another process) has committed since: then the cache is dropped. "
    "The replies of `/event info`, `speakers` and `takeaways` are rendered once per state of "
    "an event. A join costs one turn of the event loop instead of two, and none when "
    "nothing else is due in its turn (an A/B of the two commits, each bot against its own "
    "floor, two runs of 3 rounds: `/rsvp join` at one in flight on the bundled event 1.16× "
    "and 1.17× the floor's p50 before, 1.14× and 1.10× after; its rate 0.83× and 0.81× "
    "before, 0.89× and 0.89× after). The store hands out "
    "the same event object while its seat counts are unchanged, and the rendered replies are "
    "found by identity, not by hashing the whole event on each lookup; what start-up built "
    "is frozen out of the garbage collector (`gc.freeze()`), whose full passes walked it for "
    "about 20 ms each. Last, each command reads the database once: the `[event]` option "
    "reaches the command as typed and is resolved by the command's own read (the event with "
    "its seat counts; for `/rsvp status` the event, the member's RSVP and the waitlist's "
    "state in one statement), where the option used to be looked up first and the command "
    "then read again (CPU per interaction against the floor on the bundled event, 6 "
    "alternating pairs of 2,000 interactions at 10 in flight on this machine, quiet: "
    "`/rsvp status` 1.17× before this change, 1.14× after; `/event info` 1.10× and "
    "1.09×). `/rsvp join` and the Join button no longer look the event up before joining: "
    "the join's own transaction reads the event and returns it with the decision (the same "
    "A/B for `/rsvp join`: 1.33× before, 1.29× and 1.30× in two runs after; building the "
    "event's summary in the transaction made the transaction alone a little dearer, 0.55× "
    "of raw sqlite3 before and 0.50× after in an A/B of the two commits, `bench/rsvp.py`'s "
    "variant). Titles and names are escaped for Discord (markdown, mentions) once and "
    "remembered, not on every reply: the escaping's regular expressions ran cold between "
    "interactions (an A/B of the two commits, each bot against its own local server, 6 "
    "interleaved pairs of 2,000 interactions: CPU per interaction of `/rsvp status` 0.90×, "
    "0.93× and 0.92× at 1, 10 and 50 in flight, of `/rsvp join` 0.97×, 0.98× and 0.96×; "
    "the same comparison of one commit with itself: 0.99×, 0.99× and 1.03×). Last, the "
    "event loop's connection keeps what a join reads of its event (seats, next arrival "
    "number, summary) from one join to the next: it writes nothing but joins, so that stays "
    "true until another connection commits, which `PRAGMA data_version` shows inside the "
    "join's own transaction (`bench/rsvp.py`: the store's join transaction alone went from "
    "43 to 33 µs a join against raw sqlite3's 24 to 26 µs, run by hand before and after). "
    "Last, the event cache's check reads `PRAGMA data_version` in a statement of its own, "
    "right after the seat counts, where one statement read both through the "
    "`pragma_data_version` table: that table prepares its PRAGMA anew on every read, which "
    "cost more than a second statement once SQLite's code and pages are out of the CPU's "
    "caches, as they are between two interactions (by hand, the two interleaved, 4,000 "
    "reads each with 1, 2 and 4 MiB written before each to sweep the caches: 17.2, 20.0 "
    "and 57.1 µs before, 15.4, 15.6 and 39.3 µs after; warm, 6.3 µs before and 7.8 µs "
    "after). In the bot (cProfile of 2,000 `/event info` on the hot event) the read's "
    "SQLite time went from 27.2 to 20.1 µs. Last, reads nobody has committed since are "
    "answered again without a statement: every commit, by any connection of any process, "
    "rewrites the header of the database's wal-index (the `-shm` file every connection "
    "maps), and reading it costs about 0.2 µs; the store keeps an event's seat counts and "
    "members' RSVPs as read while the header stays as it was (`bot/storage/sqlite/"
    "commits.py`). CPU per interaction against the floor on the bundled event, in the last "
    "run before it (commit 4e37430) and in five runs after (02e8e5a; 7e0d7d3 with the "
    "same read path; 4d499fd; be36b7e, whose read and join paths are 4d499fd's; 53694f8), "
    "each against its own floor: `/event info` 1.09×, then 0.97×, 1.02×, 0.99×, 1.01× and "
    "1.03×; `speakers` 1.10×, 0.97×, 0.98×, 0.96×, 1.00× and 0.97×; `takeaways` 1.14×, "
    "0.97×, 1.04×, 1.00×, 0.99× and 1.00×; `/rsvp status` 1.17×, 1.07×, 1.07×, 0.99×, 1.02× "
    "and 1.01× (its 200 members are asked again and again). On the hot event `/rsvp status` "
    "went 1.15×, 1.16×, 1.26×, 1.16×, 1.23× and 1.27×: a random one of 100,000 members is "
    "seldom asked twice between two commits, and each read of one is a lookup in 1,000,000 "
    "rows. The five runs after met 28, 23, 29, 24 and 23 of the 30 targets. Between the "
    "fourth and the fifth, the status read's RSVP gained its arrival number (one more "
    "field) and each interaction's locale note its time (about 0.1 µs, timed by hand), "
    "neither to be told apart from the spread. Before the third, the deferral's timer reads an "
    "interaction's age from its id's milliseconds instead of building two datetimes (2.2 "
    "against 0.45 µs, warm, by hand): too little to tell apart from the runs' spread, "
    "which moved `/rsvp join` on the bundled event from 1.17× and 1.18× of the floor's CPU "
    "to 1.11× in the third run, back to 1.24× in the fourth on the same paths, and 1.19× "
    "in the fifth. Between the third and the fourth the floor's own CPU for the hot "
    "event's joins went from 523 to 372 µs an interaction: on this shared machine, one "
    "run's spread is as large as the gap left. Runs 6 and 7 (a8a0078 and 7b6e4dd, on "
    "another machine of the same kind, where the floor took 30 to 60% more CPU an "
    "interaction than in run 5) met 22 and 21. On the bundled event the bot's CPU against "
    "the floor's was `/event info` 1.03× and 1.02×, `speakers` 1.06× and 0.96×, "
    "`takeaways` 1.08× and 1.00×, `/rsvp status` 1.08× and 1.11×, `/rsvp join` 1.27× and "
    "1.09×; on the hot event `/rsvp status` 1.26× and 1.29×, `/rsvp join` 1.21× and "
    "1.34×. No read or join path changed between run 5 and them: every interaction's "
    "payload is now made storable before discord.py reads it (a NUL dropped, a lone "
    "surrogate replaced; about 4 µs, timed by hand on this machine, half a percent of an "
    "interaction), and notices go out in two lanes. Run 8 (231ff60, back on the machine "
    "of runs 6 and 7) met 25: every target on the bundled event; the misses were the hot "
    "event's `/rsvp status` at 10 and 50 in flight and its joins. The bot's CPU against "
    "the floor's on the bundled event: `/event info` 1.03×, `speakers` 0.95×, `takeaways` "
    "1.02×, `/rsvp status` 1.05×, `/rsvp join` 1.17×; on the hot event `/rsvp status` "
    "1.32×, `/rsvp join` 1.30×. Between runs 7 and 8 one read path changed: `/rsvp status` "
    "asks whether its event has taken place, and reads the event for that only when it may "
    "have begun (the benchmark's events begin in 30 days, so it reads nothing more)."
    " Run 9 (3763fc1, the machine of run 8) met 24, twice: every interaction now passes "
    "through one more check of where its command came from (a member's own install of the "
    "app is refused; 0.14 µs, timed by hand), and the log's lines go through a formatter "
    "that escapes them (the benchmark's commands log nothing). The first run, without "
    "py-spy, missed the hot event's `/rsvp status` at 1, 10 and 50 in flight and its joins; "
    "the second, printed here, the bundled event's joins at 10 (p50 1.22×, rate 0.84×) in "
    "place of the hot event's `/rsvp status` at 1. The bot's CPU against the floor's on "
    "the bundled event, in the two runs: `/event info` 1.02× and 1.04×, `speakers` 1.01× "
    "and 1.00×, `takeaways` 1.02× and 1.02×, `/rsvp status` 1.08× and 1.11×, `/rsvp join` "
    "1.18× and 1.18×; on the hot event `/rsvp status` 1.35× and 1.30×, `/rsvp join` 1.29× "
    "and 1.25×. Run 10 (4fa0b31, on a faster machine of the same kind: the floor took 220 to "
    "320 µs of CPU an interaction, where it took 370 to 500 in runs 8 and 9) met 21 and 23 "
    "of the 30 in two runs; the commit before this run's changes (1ab348d), run alternately "
    "with it on the same machine, met 23 and 23. The join's path gained a check that the "
    "database file still has a name before each write transaction (an fstat, 0.7 µs timed "
    "by hand), every answer a check for a first response Discord heard late, and every "
    "store call a wrapper that turns a damaged database's error into a refusal (0.06 µs). "
    "The bot's CPU against the floor's, 4fa0b31's two runs then 1ab348d's "
    "two: hot `/rsvp status` 1.32× and 1.21× against 1.22× and 1.31×, hot `/rsvp join` "
    "1.40× and 1.24× against 1.25× and 1.36×, bundled `/rsvp join` 1.20× and 1.21× against "
    "1.20× and 1.22×: no difference beyond the spread. Run 11 (d7e5285, the machine of run "
    "10, load average 0.7 to 1.3, the floor taking 190 to 250 µs of CPU an interaction) "
    "met 21 of the 30; a run earlier the same day (aaf888f, a mutation run at the lowest "
    "priority beside it, load average 2.3) met 23. Between runs 10 and 11 every slash "
    "command's options are checked against what the command registered before it runs "
    "(3.4 µs for two options, 9.4 for six, timed by hand), and a write transaction looks "
    "at the data folder's modification time, and at the names of the database's three "
    "files only after the folder changed (one fstat, as before). The bot's CPU against the "
    "floor's, run 11 then the earlier run: bundled `/rsvp join` 1.21× and 1.18×, hot "
    "`/rsvp status` 1.40× and 1.41×, hot `/rsvp join` 1.48× and 1.38×. Run 12 (e93bcb4, the "
    "machine of run 11, load average 0.3 to 1.1) met 22 of the 30: `/rsvp status` on the "
    "hot event read from the event's whole membership kept in memory (see below), and "
    "joins checking there whether their member has joined already. The bot's CPU against "
    "the floor's: hot `/rsvp status` 1.24× (1.40× in run 11), hot `/rsvp join` 1.38× "
    "(1.48×), bundled `/rsvp join` 1.22×. Two runs on 3fee18f met 20 and 19: a member's "
    "public answers in a channel were now counted (6 a minute, then the rest are theirs "
    "alone), by a dict whose oldest key was found by walking the slots its forgotten keys "
    "left, 18 µs a use with 24,000 members a minute (by hand); the hot event's `/event "
    "info` went to 1.19× and 1.18× of the floor's CPU. Run 13 (033a74a, the same machine, "
    "load average 0.9 to 1.3), with that count kept by a queue (0.57 µs a use), met 20 of "
    "the 30: the bot's CPU against the floor's on the bundled event `/event info` 1.07×, "
    "`speakers` 1.04×, `takeaways` 1.07×, `/rsvp status` 1.11×, `/rsvp join` 1.29×; on "
    "the hot event 1.14×, 1.19×, 1.11×, 1.28× and 1.44×. In this benchmark the bundled "
    "event's 200 members ask far more than 6 times a minute each, so most of their "
    "`/event info`, `speakers` and `takeaways` answers are now theirs alone (the floor "
    "sends the public one it captured): the same message but for one flag. Run 14 "
    "(97baa28, load average 0.3 to 1.0), after the page reader and the store were split "
    "into modules and interaction callbacks answered without a body were taken as "
    "acknowledged (one more call a reply), met 22 of the 30: the bot's CPU against the "
    "floor's on the bundled event 1.00×, 1.07×, 1.04×, 1.09× and 1.25×; on the hot event "
    "1.15×, 1.14×, 1.09×, 1.30× and 1.42×. The floor's own CPU for the same reply differs "
    "by up to 12% between the two settings of one run (`/rsvp status` 243 and 218 µs), "
    "which moves these ratios as much as the bot's changes do. Run 15 (c82c5f8, load "
    "average 0.5 to 1.0), after an interaction without `locale` was given the member's "
    "last-seen language before discord.py reads it (one dict lookup a payload), met 23 of "
    "the 30: the bot's CPU against the floor's on the bundled event 1.09×, 1.02×, 1.06×, "
    "1.09× and 1.22×; on the hot event 1.01×, 1.06×, 1.06×, 1.19× and 1.30×; the hot "
    "event's `/rsvp status` missed only at 50 in flight (p50 1.20×, rate 0.87×). Run 16 "
    "(4521003, load average 0.3 to 0.9), after the local server kept each session's events "
    "for a RESUME to replay (in the driver's process, for the bot's server and the floor's "
    "alike) and announcements waited for a server not yet arrived, met 22 of the 30: the "
    "bot's CPU against the floor's on the bundled event 1.04×, 1.04×, 1.06×, 1.10× and "
    "1.22×; on the hot event 1.14×, 1.10×, 1.14×, 1.28× and 1.37×, where the bot's own CPU "
    "on the hot event was no higher than in run 15 (`/event info` 282 against 284 µs, "
    "`/rsvp status` 264 against 269, `/rsvp join` 282 against 299) and the floor's lower "
    "(206 µs for `/rsvp status` and `/rsvp join`, against 227 and 230). "
    "Run 17 (0baa141, load average 0.3 to 1.0), after an event's summary carried when the"
    " event was made (one more column in the reads of an event and in the join's, for the"
    " buttons of an event a restored backup lost), met 22 of the 30: the bot's CPU "
    "against the floor's on the bundled event 1.02×, 1.05×, 1.08×, 1.09× and 1.24×; on "
    "the hot event 1.15×, 1.11×, 1.10×, 1.28× and 1.40×, where the bot's own CPU on the "
    "hot event was lower than in run 16 (`/event info` 270 against 282 µs, `/rsvp status`"
    " 242 against 264, `/rsvp join` 270 against 282) and the floor's lower still (189 and"
    " 193 µs for `/rsvp status` and `/rsvp join`, against 206). Run 18 (04187ec, load "
    "average 0.4 to 1.0), after the RSVP table gained an index by member (one more B-tree "
    "entry a join writes, about 2 µs) and each call on the database thread was made to wait"
    " for another process's lock only what is left of 10 s from its asking (the joins and "
    "reads measured here run on the event loop and do not take it), met 22 of the 30: the "
    "bot's CPU against the floor's on the bundled event 1.04×, 0.99×, 1.08×, 1.08× and "
    "1.25×; on the hot event 1.11×, 1.14×, 1.11×, 1.31× and 1.41×; the bundled event's "
    "`/rsvp join` at 50 in flight missed (p50 1.21×, rate 0.82×) where the hot event's "
    "`/rsvp status` at one in flight was met. Run 19 (f0c16e9, load average 0.8 to 1.5), after "
    "every request of the bot's own to Discord's API was made to wait its turn under the global"
    " limit as it leaves (members' answers pass it with a check of their path, about 1 µs; "
    "py-spy now names that wrapper as the innermost of the bot's functions around aiohttp's "
    "work for every answer) and the events table gained three indexes for `/event list` (none "
    "on a column a join or a read writes), met 22 of the 30, the same 8 missed as in run 18: "
    "the bot's CPU against the floor's on the bundled event 1.05×, 1.05×, 1.11×, 1.13× and "
    "1.25×; on the hot event 1.14×, 1.09×, 1.15×, 1.27× and 1.43×. "
    "Run 20 (cc2e30b, load average 1.0 to 1.1, on a slower machine of the same kind: the "
    "floor took 630 to 860 µs of CPU an interaction, where it took 190 to 245 in run 19), "
    "after the store began its write-ahead log again under reads of other connections "
    "that keep overlapping (a look at the wal-index header after each call on the "
    "database thread; the joins and reads measured here run on the event loop and do not "
    "make it) and PostgreSQL's refused logins were told apart (not measured here), met 22 "
    "of the 30: the bot's CPU against the floor's on the bundled event 1.09×, 1.10×, "
    "1.15×, 1.15× and 1.27×; on the hot event 1.05×, 1.13×, 1.04×, 1.27× and 1.23×; the "
    "hot event's `/rsvp join` at 50 in flight was met, and the bundled event's `/rsvp "
    "status` at 50 missed (p50 1.21×, rate 0.88×). Run 21 (ef9668c, the machine of run "
    "20, load average 0.4 to 0.7 around the store's benchmark just before; the floor took "
    "585 to 780 µs of CPU an interaction), after members' answers went out through "
    "aiohttp's own request rather than the global pace's wrapper (they do not count toward "
    "the global limit), met 20 of the 30: the bot's CPU against the floor's on the bundled "
    "event 1.11×, 1.10×, 1.06×, 1.19× and 1.30×; on the hot event 1.15×, 1.12×, 1.17×, "
    "1.38× and 1.38×; the hot event's `/rsvp status` at 1 and `/rsvp join` at 50 in flight "
    "missed where run 20 met them. Alternated with the commit before this run's changes "
    "(cd9c126) in one run by hand, on the hot event at 10 in flight (4 rounds of 500 "
    "interactions, each bot paired with the same floor), the bot's CPU per interaction "
    "after ÷ before was 0.97× for `/rsvp status` (0.77–1.06 over the rounds) and 1.01× for "
    "`/rsvp join` (0.88–1.18): no difference beyond the spread. Run 22 (b112dc5, load "
    "average 0.7 to 1.7; the floor took 513 to 710 µs of CPU an interaction), after a reply "
    "without components was posted without `with_response` (Discord then answers 204, and "
    "discord.py neither decodes the message the answer would hold nor builds it; where the "
    "answer is asked for, its message is left out before discord.py reads it: under py-spy "
    "that building was 5.9% of the bot's samples for `/rsvp join` and 3.4% for the hot "
    "event's `/rsvp status`) and the command an interaction names was walked to once "
    "instead of twice (1.2 to 1.7% of the samples), met 28 of the 30: the bot's CPU against "
    "the floor's on the bundled event 0.90×, 0.94×, 0.95×, 0.99× and 1.16×; on the hot "
    "event 0.92×, 0.94×, 0.92×, 1.15× and 1.21×; only the hot event's `/rsvp join` at 1 and "
    "10 in flight missed (p50 1.23× and 1.20×, rate 0.81× and 0.83×). The floor, discord.py "
    "as it is, still asks for each answer and builds its message, so the `/event` commands "
    "now come in under it (p50 0.78× to 0.97×). A run earlier the same day on 64c9d46, with "
    "the callback's change alone, also met 28, with the same two misses. Run 23 (356c0fa, "
    "load average 0.9 to 1.3; the floor took 456 to 585 µs of CPU an interaction), after an "
    "event's long texts (description, recap summary, access notes) moved out of its row, "
    "which every join rewrites and SQLite rewrites whole (the hot event's row held 9 KB of "
    "them), met 28 of the 30, the same two missed (the hot event's `/rsvp join` at 1 and 10 "
    "in flight: p50 1.20× and 1.21×, rate 0.83× and 0.81×): the bot's CPU against the "
    "floor's on the bundled event 0.84×, 0.92×, 0.97×, 0.98× and 1.04×; on the hot event "
    "0.91×, 0.93×, 0.87×, 1.06× and 1.16×. Timed inside the bot before it (a copy with "
    "clocks around each step, medians of 500 single joins on the hot event at one in "
    "flight, statuses between them), the join's transaction took 180 to 220 µs: its `BEGIN` "
    "with the look at the data folder 28 to 34, the event's kept row checked 11 to 13, the "
    "member looked up in the kept membership 19 to 30, the rules 13 to 15, the insert 24 "
    "to 28, the event's update 19 to 21, the commit 56 to 69; the same statements back to "
    "back in a tight loop cost about 55 µs. From the bot's receipt of the interaction to "
    "its callback, `/rsvp join` took 420 to 540 µs and `/event info` (its reply rendered "
    "once per state of the event) 290. Run 24 (8d1a29d, on another machine of the same "
    "kind, load average 1.4 to 1.5; the floor took 399 to 578 µs of CPU an interaction), "
    "after a membership read while members "
    "join its event was kept with their joins added, and a write on the database thread was "
    "known by its commit even when a join committed right after it (before, either threw "
    "the hot event's membership away, and `/rsvp status` read its 100,000 members again on "
    "the database thread, 65 to 200 ms, among the joins that followed), met 28 of the 30, "
    "the same two missed (the hot event's `/rsvp join` at 1 and 10 in flight: p50 1.19× and "
    "1.27×, rate 0.81× and 0.82×): the bot's CPU against the floor's on the bundled event "
    "0.90×, 0.94×, 0.95×, 1.01× and 1.07×; on the hot event 0.91×, 0.94×, 0.85×, 1.03× and "
    "1.13×. A run earlier the same day on a0aa069, before the fixes that followed it, met 27 "
    "(the hot event's joins at 50 in flight missed too, rate 0.83×). Alternated by hand with "
    "the commit before these changes (a383d82 against a0aa069, on the hot event, 12 rounds "
    "of statuses then joins at 1, 10 and 50 in flight), the database thread's CPU during the "
    "joins was 47 µs a join before and 5 after (163 and 27 in the worst round), the event "
    "loop's 498 and 496: the reads thrown away are gone, and what is left of the gap is the "
    "join itself. The run printed here is run 24.")
WHAT_IS_LEFT = (
    "What is left: where the bot spends more CPU per interaction than the floor, which "
    "reads nothing, it is its read after a commit (the first SQLite statement after the "
    "process has waited for the next interaction runs with SQLite's code and pages out of "
    "the CPU's caches), the command "
    "tree's check and the `[event]` transformer, the member's locale noted, the reply "
    "rendered. `/rsvp join` also commits a transaction before it answers, where the floor "
    "only answers: that transaction is all of its gap. With the join replaced by a reply "
    "made up from a join decided earlier (a trial run by hand, not a benchmark), the bot "
    "answered `/rsvp join` at 1.02× the floor's p50 and 1.00× its rate at one in flight. "
    "Timed inside the bot at one in flight, the join's transaction took about 115 µs, three "
    "times its cost in a tight loop: between two interactions the network and discord.py "
    "push SQLite's code and pages out of the CPU's caches (`bench/rsvp.py` measures a join "
    "with the caches swept first). Of that, each of its six statements costs about 8 to 33 "
    "µs; the commit writes four pages to the write-ahead log (the event's row and a leaf of "
    "the RSVPs' table and of each of its two indexes, as the log's frame headers show), with "
    "the system calls of its locks. Sharing a commit among the joins of one turn of the "
    "loop is why the gap "
    "narrows at 50 in flight. At 50 in flight both processes are busy all the time, so p50 "
    "and rate follow the CPU per interaction above, and a 1.15× there misses the targets. "
    "A read after a commit (a join, an edit, another process) still costs its statements, "
    "about 20 µs in the bot (cProfile, 2,000 interactions on the hot event): `/event "
    "info`, `speakers` and `takeaways` read the seat counts and `PRAGMA data_version`, "
    "`/rsvp status` the member's RSVP with the event in one statement. Each statement "
    "outside a transaction also takes and releases a read lock on the write-ahead log's "
    "index, two `fcntl` calls. On the hot event that RSVP is one of 1,000,000 rows; its "
    "pages stay in the 16 MiB page cache once read (by hand, in one process after 5,000 "
    "lookups of random members: 2 reads of the file per 10,000 lookups), so what it costs "
    "is the statement itself: per interaction at 10 in flight, 30 µs in `execute` and 8 µs "
    "in `fetchone` (cProfile of the bot, 3,000 and then 9,000 interactions, the difference "
    "taken). The rest is Python "
    "around discord.py (cProfile of the bot and the floor, 2,000 to 3,000 interactions "
    "each): the tree's check and the deferral's timer (about 3 µs at 50 in flight, timed by "
    "hand), the `[event]` option resolved, the member's locale noted, the reply's mentions "
    "turned off; none above a few microseconds. "
    "Counted rather than timed, before reads skipped their statement between commits "
    "(cProfile of the bot and the floor, each over 3,000 and then "
    "6,000 `/rsvp status` at 10 in flight, the difference taken so that start-up cancels "
    "out): the bot made 854 Python calls per interaction where the floor makes 734. Its "
    "extra work was its one SQLite statement (33 µs in `execute` and 12 µs in `fetchone` "
    "under the profiler, which does not slow C code) and about forty functions of its "
    "own, none above 9 µs under the profiler; its garbage collections took as long as "
    "the floor's (252 and 237 ms in a run of 8,000 joins each, start-up included, "
    "timed by `gc.callbacks`). "
    "Before that change, the two databases cost the same per interaction: with a bot on "
    "each, side by side, four alternating chunks of 2,000 at 10 in flight gave `/event "
    "info` 505–700 µs of CPU on the bundled event and 590–660 µs on the hot one, `/rsvp "
    "status` 440–560 and 515–560, `/rsvp join` 455–550 and 485–580. Since, the bundled "
    "event's `/rsvp status`, whose 200 members are asked again and again between commits, "
    "costs less than the hot event's, a lookup in 1,000,000 rows nearly every time. "
    "How much that lookup weighs (by hand, after run 8, on the hot event, in alternating "
    "chunks of 1,000 at 10 in flight): with the member's RSVP replaced by one answer read "
    "once, the bot's CPU per `/rsvp status` was 1.07× the floor's where the unchanged bot's, "
    "in the same run, was 1.25×. Timed inside the bot, the read (its statement and the "
    "answer built from the row) took 62–85 µs at one in flight; timed apart, with 4 MiB "
    "written before each read to sweep the CPU's caches, the statement took 58 µs and "
    "building the answer 39, against 12 and 6 back to back; in another such run the "
    "statement took 63–67 µs and the same lookup without the event's columns 52. "
    "Tried and not kept: the reads asked for in one turn of the "
    "loop (7 to 8 tasks are due at 10 in flight, 40 at 50) run back to back, which brought "
    "a read to 55–64 µs in turns of about 4 reads at 10 in flight and 29–41 µs in turns of "
    "about 15 at 50; the bot's CPU per interaction against the unchanged bot's, in three "
    "runs of alternating chunks, was 1.04×, 0.94× and 1.03×, within the spread. What "
    "removed the statement is the event's whole membership in memory (the benchmark's "
    "members are seldom asked twice between two commits), read off the loop once 64 "
    "members of the event miss between two commits and kept while every commit since is "
    "one of the process's own that leaves it as it was or whose members it adds (its "
    "joins, its writes of members' locales and notice claims): 100,000 members in about 5 "
    "MB, 75 ms of CPU on the database thread to read. What a status from memory still "
    "costs beyond the bundled event's (whose 200 members' answers are kept whole) is a "
    "binary search in arrays and a waitlist position, each probe a miss of the CPU's "
    "caches between two interactions (py-spy, 1,500 statuses on the hot event: "
    "`Membership.find` 3.8% and building the answer 4.1% of the bot's samples). "
    "The lower the machine's load, the faster the floor and the stricter the ratios: the "
    "load average is printed above.")


def report(results: dict) -> str:
    ms = 1000
    per = results["per_level"]
    lines = [
        "## Members' commands against a floor sending the same reply (`bench/reads.py`)", "",
        f"Each command at 1, 10 and 50 in flight ({', '.join(f'{n:,}' for n in per.values())} "
        f"interactions per level and round), {results['rounds']} rounds; the bot and the floor "
        "stay connected side by side (a local server each) and every chunk of the bot is "
        "paired with one of the floor right before or after it (the order alternates), both "
        f"warmed up and past on_ready ({READY_DELAY:g} s). The ratios are the median over "
        "the rounds of each pair's ratio (bot ÷ the floor chunk measured next to it), with "
        "their lowest and highest; the milliseconds and rates are medians over the rounds. "
        "The "
        "floor is `bench/floor_bot.py` answering each command with the messages the real bot "
        "sent for it (captured before the rounds), rebuilt per interaction "
        "(`discord.Embed.from_dict`, the same components in a View), by discord.py as it "
        "is: it asks for Discord's answer to each callback (`with_response`) and builds the "
        "message it holds, where the bot asks for it only for a reply with components "
        "(`bot/adapters/callback_answers.py`). `/rsvp join` is a new "
        "member each time; `/rsvp status` a member holding an RSVP. Latency: dispatch of "
        "INTERACTION_CREATE to the first response, measured around `fake.slash(...)`; this "
        "driver collects and freezes its own heap before each chunk, so that its garbage "
        "collections, which grow with every reply it keeps, land in no timed chunk. "
        f"Targets: throughput ≥ {TARGET_RATE:g}× and p50 ≤ {TARGET_P50:g}× the floor. "
        f"Bot code measured: {results['code']}."
        + (" Load average {:.2f} at the start, {:.2f} at the end (a quiet machine makes "
           "the floor faster and every ratio stricter).".format(*results["load"])
           if results.get("load") else "")]
    misses = []
    for name, setting in results["settings"].items():
        lines += ["", f"### On {SETTINGS[name]}", "",
                  "| command | in flight | floor p50 ms | bot p50 ms | p50 ÷ floor (low–high) "
                  "| floor /s | bot /s | /s ÷ floor (low–high) |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for key, row in setting["rows"].items():
            command, level = key.split("|")
            floor, bot = row["floor"], row["bot"]
            pairs = list(zip(floor["runs"], bot["runs"], strict=True))
            p50s = [b[0] / f[0] for f, b in pairs]
            rates = [b[1] / f[1] for f, b in pairs]
            p50, rate = statistics.median(p50s), statistics.median(rates)
            if p50 > TARGET_P50 or rate < TARGET_RATE:
                misses.append(f"{name} `/{command}` at {level}: p50 {p50:.2f}×, /s {rate:.2f}×")
            lines.append(f"| `/{command}` | {level} | {floor['p50'] * ms:.2f} "
                         f"| {bot['p50'] * ms:.2f} | {p50:.2f} ({min(p50s):.2f}–{max(p50s):.2f}) "
                         f"| {floor['rate']:,.0f} | {bot['rate']:,.0f} "
                         f"| {rate:.2f} ({min(rates):.2f}–{max(rates):.2f}) |")
        lines += ["", "CPU time of each process per interaction (user + system, from "
                  "/proc, over every level and round; less sensitive to the machine's load "
                  "than latency): " + "; ".join(
                      f"`/{c}` {t['bot'] * 1e6:.0f} µs vs the floor's {t['floor'] * 1e6:.0f} µs "
                      f"({t['bot'] / t['floor']:.2f}×)" for c, t in setting["cpu"].items())
                  + "."]
        lines += ["", "Per round (p50 ms / per s), floor | bot:", ""]
        for key, row in setting["rows"].items():
            command, level = key.split("|")
            lines.append(f"- `/{command}` {level}: " + " | ".join(
                "; ".join(f"{a * ms:.2f} / {b:,.0f}" for a, b in row[who]["runs"])
                for who in ("floor", "bot")))
        for command, spots in setting["profile"].items():
            lines += ["", f"Where the bot's working time goes during {PROFILE_READS:,} more "
                      f"`/{command}` at 10 in flight (unmeasured, py-spy; share of samples where "
                      "a thread was working, by the innermost function of the bot's own code):",
                      ""]
            lines += [f"- {line}" for line in spots]
    lines += ["", ("**Misses in this run:** " + "; ".join(misses) + ".") if misses
              else "Meets every target in this run.", "", WHAT_CHANGED, "", WHAT_IS_LEFT]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(report(measure()))
