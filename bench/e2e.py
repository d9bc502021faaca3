"""End to end: `/rsvp join` through the real bot process, against the floor bot.

Both bots run, one after the other, against the same local Discord-compatible server
(`sandbox/`) in this process. Distinct members press `/rsvp join` on
one large event (100,000 seats, so every join is a new confirmed seat) with 1, 10 and
50 interactions in flight. Latency is the time around `fake.slash(...)`: from building
and dispatching INTERACTION_CREATE on the gateway to the bot's interaction callback
arriving over REST. Throughput is interactions answered per second of wall time.

Rounds are interleaved (floor, bot, floor, bot, ...), each bot freshly started per
round, so both see the same machine load; figures are medians over the rounds of each
round's p50, p99 and throughput. The server and this driver share the machine's cores
with the bot, so the floor is where this setup saturates, not what discord.py can do
alone.

Also the helpers the other end-to-end benchmarks (`bench/scale.py`, `bench/edits.py`)
use to start the bots.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Iterator
from pathlib import Path

from sandbox import Attachment, BotProcess, FakeDiscord, Guild, Member

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
OPEN_PAGE = (ROOT / "data/events/missile-defense-china/announcement.txt").read_text(
    encoding="utf-8")
# the sample announcement without its "registration is closed" line: an open event
OPEN_PAGE = "\n".join(line for line in OPEN_PAGE.splitlines()
                      if "Registration is now closed" not in line).encode()

LEVELS = (1, 10, 50)  # interactions in flight
ROUNDS = 5
PER_LEVEL = 3000  # measured interactions per level, per bot, per round
WARMUP = 100  # unmeasured interactions after each start
CAPACITY = 100_000
READY_DELAY = 2.5  # seconds after connecting before measuring (see _measure)
PROFILE_JOINS = 2000  # joins at 10 in flight under py-spy, after the measured rounds


# --------------------------------------------------------------------------- helpers


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def settle_heap() -> None:
    """Collect this driver's garbage and freeze what survives, before a timed chunk.

    The driver (the local servers and the members' side) keeps every reply it gets, so
    its full collections grow through a run: measured at 15 ms early in a `bench/reads.py`
    run and 236 ms by its end. One would land in some timed chunk, of either bot, at
    random; frozen objects are not walked again, so the collections stay short."""
    gc.collect()
    gc.freeze()


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def real_bot_env(workdir: Path, db_path: Path) -> dict[str, str]:
    """As tests/e2e/conftest.py starts the bot, with the production log level (INFO)."""
    return {"DATABASE_PATH": str(db_path), "EVENTS_DIR": str(ROOT / "data/events"),
            "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT)}


def start_real(fake: FakeDiscord, workdir: Path, db_path: Path) -> BotProcess:
    return fake.spawn_bot([sys.executable, "-m", "bot", "run"], real_bot_env(workdir, db_path),
                          cwd=str(workdir))


def start_floor(fake: FakeDiscord, guild: Guild, workdir: Path) -> BotProcess:
    """The floor bot syncs its one command to `guild`, a guild of its own (see
    `add_floor_guild`), so it never overwrites the real bot's global commands (the real
    bot re-syncs only when its commands changed) nor shadows them in the bot's guild."""
    return fake.spawn_bot([sys.executable, str(ROOT / "bench" / "floor_bot.py")],
                          {"FLOOR_GUILD_ID": str(guild.id)}, cwd=str(workdir))


def add_floor_guild(fake: FakeDiscord) -> Guild:
    """The floor's guild, on the same server (both bots receive both guilds)."""
    return fake.add_guild("Floor Guild")


def members(fake: FakeDiscord, guild: Guild, prefix: str) -> Iterator[Member]:
    """Endless distinct members. They are not added to the guild's member list, so the
    GUILD_CREATE each bot receives stays the same size whatever the number of members
    (as on Discord: large guilds come without members when the bot lacks the members
    intent); interactions carry the member anyway."""
    number = 0
    while True:
        number += 1
        yield Member(fake.add_user(f"{prefix}{number}"), guild)


async def imported(fake: FakeDiscord, guild: Guild, moderator: Member, *,
                   timeout: float = 10.0, **options: object) -> str:
    """/manage import, then Import on its preview, as a moderator does: the reply's text."""
    preview = await fake.slash(guild, moderator, "manage import", timeout=timeout, **options)
    button = next((c for c in preview.custom_ids() if c.startswith("eventbot:import:go:")),
                  None)
    if button is None:
        return preview.content or ""
    done = await fake.click(guild, moderator, preview.message, button, timeout=timeout)
    await done.wait(lambda r: not r.custom_ids() or bool(r.followups), timeout)
    return done.content or ""


async def import_event(fake: FakeDiscord, guild: Guild, moderator: Member, title: str,
                       capacity: int) -> int:
    """Create an event with /manage import, as a moderator does; returns its id. The page
    is headed by the title: importing the same page again would update the first event."""
    page = title.encode() + b"\n\n" + OPEN_PAGE
    reply = await imported(fake, guild, moderator,
                           page=Attachment("announcement.txt", page, "text/plain"),
                           title=title, capacity=capacity)
    match = re.search(r"\(event (\d+)\)", reply)
    if not match:
        raise RuntimeError(f"/manage import failed: {reply!r}")
    return int(match[1])


async def run_level(fake: FakeDiscord, guild: Guild, crowd: Iterator[Member], event_id: int,
                    in_flight: int, count: int) -> tuple[list[float], float]:
    """`count` first-time /rsvp join from distinct members, `in_flight` at a time.
    Returns each interaction's latency (s) and the wall time of the whole level."""
    queue = iter([next(crowd) for _ in range(count)])
    latencies: list[float] = []
    option = str(event_id)

    async def member_loop() -> None:
        for member in queue:
            started = time.perf_counter()
            reply = await fake.slash(guild, member, "rsvp join", event=option)
            latencies.append(time.perf_counter() - started)
            if not (reply.ephemeral and "confirmed" in (reply.content or "")):
                raise RuntimeError(f"unexpected reply to /rsvp join: {reply!r}")

    settle_heap()
    started = time.perf_counter()
    await asyncio.gather(*(member_loop() for _ in range(in_flight)))
    return latencies, time.perf_counter() - started


async def wait_logged(process: BotProcess, text: str, timeout: float = 10.0) -> None:
    """Until the bot's output contains `text` (e.g. "connected as": on_ready has run)."""
    deadline = time.monotonic() + timeout
    while text not in process.output():
        if not process.running or time.monotonic() > deadline:
            raise RuntimeError(f"the bot never logged {text!r}: {process.describe()}")
        await asyncio.sleep(0.05)


# Innermost frames where a sampled thread is waiting, not working.
_IDLE = ("select (selectors.py", "Condition.wait", "Event.wait", "_wait_for_tstate_lock",
         "_worker (concurrent/futures/thread.py",
         # the database thread waiting on its queue (its calls are frames of their own)
         "DatabaseThread._work (")
_DATABASE_THREAD = ("DatabaseThread._work (", "_connection_worker_thread")


# The bot's entry point, under which everything runs, and one-line helpers: not where
# the time goes (the frame that called them is).
_ENTRY = ("(bot/__main__.py", "run_bot (bot/app.py", "cmd_run (bot/")
_HELPERS = ("Repository._one (", "Repository._all (", "Repository._transaction (",
            "SqliteStore.run (")


async def profile(pid: int, workload: Awaitable[object], top: int = 8) -> list[str]:
    """Sample the bot with py-spy while `workload` runs (unmeasured: py-spy pauses the
    process to sample). Returns lines "NN% where" over the samples where a thread was
    working, by the innermost frame of this project's code (`bot/`, `cogs/`), else the
    library doing the work; an explanation if py-spy is missing or not allowed."""
    spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}"
                       f"{os.environ.get('PATH', '')}")
    if spy is None:
        await workload
        return ["(no profile: py-spy is not installed)"]
    with tempfile.TemporaryDirectory(prefix="bench-spy-") as tmp:
        out = os.path.join(tmp, "raw.txt")
        proc = await asyncio.create_subprocess_exec(
            spy, "record", "-p", str(pid), "-o", out, "-f", "raw", "-r", "500", "--threads",
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        await asyncio.sleep(0.5)  # attached
        await workload
        proc.send_signal(signal.SIGINT)
        _, err = await proc.communicate()
        return _summarise(out, err, top)


def _summarise(out: str, err: bytes, top: int) -> list[str]:
    if not os.path.exists(out):
        return [f"(no profile: py-spy failed: {err.decode(errors='replace').strip()[-200:]})"]
    where: collections.Counter[str] = collections.Counter()
    for line in Path(out).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not count.isdigit() or any(marker in frames[-1] for marker in _IDLE):
            continue
        thread = ("SQLite thread" if any(m in f for f in frames for m in _DATABASE_THREAD)
                  else "event loop")
        own = [f for f in frames if (" (bot/" in f or " (cogs/" in f)
               and not any(skip in f for skip in _ENTRY + _HELPERS)]
        library = frames[-1].rpartition(" (")[2].split("/")[0].split(".")[0]
        if own:
            function, _, place = own[-1].partition(" (")
            label = f"`{function}` ({place.split(':')[0]})"
            if not any(f"({top}/" in frames[-1] for top in ("bot", "cogs")):
                label += f", in {library}"
        else:
            label = f"{library}, outside the bot's own code"
        where[f"{thread}: {label}"] += int(count)
    total = sum(where.values())
    if not total:
        return ["(no profile: no samples)"]
    return [f"{count / total:.0%} {label}" for label, count in where.most_common(top)
            if count / total >= 0.01]


def code_version() -> str:
    """The bot's code as measured: the git commit and a digest of bot/ and cogs/ as they
    are on disk (other people may be editing them)."""
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("bot/**/*.py"), *ROOT.glob("cogs/**/*.py")]):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "bot", "cogs"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", ""
    changes = " with uncommitted changes" if dirty else ""
    return f"commit {commit}{changes}, bot/ and cogs/ sha256 {digest.hexdigest()[:12]}"


def same_code(before: str) -> str:
    """`before` if the bot's code is unchanged since, else fail: a run must measure one
    version of the bot."""
    after = code_version()
    if after != before:
        raise RuntimeError(f"the bot's code changed during the run ({before} -> {after}); "
                           "run the benchmark again")
    return before


def count_rsvps(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM rsvps").fetchone()[0]
    finally:
        conn.close()


def check_output(process: BotProcess) -> None:
    """Fail on anything the bot logged as an error (an interrupted bot exits with 130)."""
    output = process.output()
    if "Traceback" in output or " ERROR " in output:
        raise RuntimeError(f"the bot logged an error: {process.describe()}")


# --------------------------------------------------------------------------- the benchmark


async def _measure(per_level: int, rounds: int) -> dict:
    samples: dict[str, dict[int, list[tuple[float, float, float]]]] = {
        "floor": {level: [] for level in LEVELS}, "bot": {level: [] for level in LEVELS}}
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "bot.sqlite3"
        async with FakeDiscord(record_requests=False) as fake:
            guild = fake.add_guild("Bench Guild")
            moderator = fake.add_member(guild, "moderator", manage_events=True)
            floor_guild = add_floor_guild(fake)
            crowds = {"bot": (guild, members(fake, guild, "member")),
                      "floor": (floor_guild, members(fake, floor_guild, "floor member"))}

            rsvps: list[int] = []  # RSVPs in the database after each bot round
            # set-up: the real bot creates the large event, as a moderator would
            bot = start_real(fake, workdir, db_path)
            await fake.wait_ready(process=bot)
            event_id = await import_event(fake, guild, moderator, "Large Hall", CAPACITY)
            await bot.stop()

            for _ in range(rounds):
                for name in ("floor", "bot"):
                    process = (start_floor(fake, floor_guild, workdir) if name == "floor"
                               else start_real(fake, workdir, db_path))
                    where, crowd = crowds[name]
                    await fake.wait_ready(process=process)
                    await run_level(fake, where, crowd, event_id, 10, WARMUP)
                    # discord.py fires on_ready guild_ready_timeout (2 s) after the last
                    # GUILD_CREATE, and the bot's announcement task starts then: let that
                    # pass before measuring, for both bots alike.
                    await asyncio.sleep(READY_DELAY)
                    for level in LEVELS:
                        latencies, elapsed = await run_level(fake, where, crowd, event_id,
                                                             level, per_level)
                        samples[name][level].append((percentile(latencies, 50),
                                                     percentile(latencies, 99),
                                                     per_level / elapsed))
                    await process.stop()
                    check_output(process)
                    if name == "bot":
                        rsvps.append(count_rsvps(db_path))

            # unmeasured: where the bot's time goes at 10 in flight
            bot = start_real(fake, workdir, db_path)
            await fake.wait_ready(process=bot)
            await asyncio.sleep(READY_DELAY)
            where, crowd = crowds["bot"]
            hot_spots = await profile(bot.pid, run_level(fake, where, crowd, event_id, 10,
                                                         PROFILE_JOINS))
            await bot.stop()
            check_output(bot)
    results: dict = {"per_level": per_level, "rounds": rounds, "levels": {},
                     "rsvps": rsvps, "profile": hot_spots}
    for level in LEVELS:
        row = {}
        for name in ("floor", "bot"):
            runs = samples[name][level]
            row[name] = {"p50": statistics.median(r[0] for r in runs),
                         "p99": statistics.median(r[1] for r in runs),
                         "throughput": statistics.median(r[2] for r in runs),
                         "runs": runs}
        results["levels"][level] = row
    return results


def measure(per_level: int = PER_LEVEL, rounds: int = ROUNDS) -> dict:
    code = code_version()
    results = asyncio.run(_measure(per_level, rounds))
    results["code"] = same_code(code)
    plot(results, RESULTS / "latency.png")
    return results


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = list(results["levels"])
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    styles = {"bot": ("tab:red", "real bot"), "floor": ("tab:blue", "floor bot")}
    for name, (colour, label) in styles.items():
        for stat, line in (("p50", "-"), ("p99", "--")):
            ax.plot(levels, [results["levels"][lv][name][stat] * 1000 for lv in levels],
                    line, marker="o", color=colour, label=f"{label} {stat}")
    ax.set_xscale("log")
    ax.set_xticks(levels, [str(lv) for lv in levels])
    ax.set_yscale("log")
    ax.set_xlabel("interactions in flight")
    ax.set_ylabel("latency, dispatch to callback (ms)")
    ax.set_title(f"/rsvp join end to end (median of {results['rounds']} interleaved rounds)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def report(results: dict) -> str:
    ms = 1000
    lines = [
        "## End to end: `/rsvp join` (`bench/e2e.py`)", "",
        f"{results['per_level']:,} first-time `/rsvp join` from distinct members per level, "
        f"on one event of {CAPACITY:,} seats; median of {results['rounds']} interleaved rounds "
        "(floor, bot, floor, bot, ...; each bot freshly started, "
        f"{WARMUP} unmeasured joins and {READY_DELAY:g} s for on_ready first). Latency is "
        "dispatch of INTERACTION_CREATE to the "
        "interaction callback, measured around `fake.slash(...)`; the local server and this "
        "driver run in one process on the same cores as the bot. The floor is "
        "`bench/floor_bot.py` (discord.py answering a fixed ephemeral reply). "
        f"Bot code measured: {results['code']}.", "",
        "| in flight | floor p50 ms | floor p99 ms | floor /s | bot p50 ms | bot p99 ms "
        "| bot /s | bot p50 ÷ floor | bot /s ÷ floor |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for level, row in results["levels"].items():
        floor, bot = row["floor"], row["bot"]
        lines.append(
            f"| {level} | {floor['p50'] * ms:.2f} | {floor['p99'] * ms:.2f} "
            f"| {floor['throughput']:,.0f} | {bot['p50'] * ms:.2f} | {bot['p99'] * ms:.2f} "
            f"| {bot['throughput']:,.0f} | {bot['p50'] / floor['p50']:.2f} "
            f"| {bot['throughput'] / floor['throughput']:.2f} |")
    lines += ["", "Per round (p50 ms / p99 ms / per s), floor then bot:", ""]
    for level, row in results["levels"].items():
        for name in ("floor", "bot"):
            runs = "; ".join(f"{p50 * ms:.2f} / {p99 * ms:.2f} / {rate:,.0f}"
                             for p50, p99, rate in row[name]["runs"])
            lines.append(f"- {level} in flight, {name}: {runs}")
    lines += ["", "RSVPs in the bot's database after each bot round: "
              + ", ".join(f"{n:,}" for n in results["rsvps"]) + "."]
    for level, row in results["levels"].items():
        bot_runs, floor_runs = row["bot"]["runs"], row["floor"]["runs"]
        if len(bot_runs) > 1 and bot_runs[-1][2] < 0.75 * bot_runs[0][2]:
            lines.append(
                f"At {level} in flight the bot's throughput fell from {bot_runs[0][2]:,.0f}/s "
                f"in the first round to {bot_runs[-1][2]:,.0f}/s in the last while its table "
                f"grew from {results['rsvps'][0]:,} to {results['rsvps'][-1]:,} RSVPs (the "
                f"floor: {floor_runs[0][2]:,.0f}/s, then {floor_runs[-1][2]:,.0f}/s).")
    lines += ["",
              f"Where the bot's working time goes at 10 in flight ({PROFILE_JOINS:,} more "
              "joins after the rounds, unmeasured, sampled with py-spy; share of samples where "
              "a thread was working, by the innermost frames of the bot's own code):", ""]
    lines += [f"- {line}" for line in results["profile"]]
    lines += ["", "![p50 and p99 latency against interactions in flight](results/latency.png)"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(report(measure()))
