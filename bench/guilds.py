"""Start-up in many servers: the real bot started in 2,500 servers, none with events yet,
then restarted once they all have them.

Each start: the bot process starts (`python -m bot run`) against a local server holding
`GUILDS` servers on one shard; the moment READY is sent is the shard's IDENTIFY
(`identified_at`). As soon as the server has sent every GUILD_CREATE, the first member of
the LAST server to arrive uses `/event info` (the worst place in the set-up queue), then
the first member of each of `OTHERS` more servers chosen at random, one after another.
Figures: each reply's time since READY, whether any missed Discord's 3 s deadline
(the local server enforces it), process start to `on_ready` (READY_FILE written), to the
last server set up (its sample event in the database), and the peak resident memory
(VmRSS sampled every 0.1 s). The restart does the same on the same database.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.e2e import ROOT, check_output, code_version, rss_mb
from sandbox import FakeDiscord

GUILDS = 2_500
OTHERS = 20
SAMPLE_TITLE = "U.S.-China Missile Defense Disputes"
TARGET_FIRST_S = 3.0  # first command of any server, from READY
TARGET_START_S = 10.0  # process start to every server set up
TARGET_RSS_MB = 300.0


def servers_set_up(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    conn = sqlite3.connect(db_path, timeout=10)
    try:
        return conn.execute("SELECT count(DISTINCT guild_id) FROM events").fetchone()[0]
    except sqlite3.OperationalError:  # no tables yet
        return 0
    finally:
        conn.close()


async def _start(fake: FakeDiscord, workdir: Path, db_path: Path, guilds: list, label: str,
                 rng: random.Random) -> dict:
    ready_file = workdir / "ready"
    ready_file.unlink(missing_ok=True)
    env = {"DATABASE_PATH": str(db_path), "EVENTS_DIR": str(ROOT / "data/events"),
           "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT), "READY_FILE": str(ready_file)}
    bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"], env, cwd=str(workdir))
    peak = 0.0

    async def sample_rss() -> None:
        nonlocal peak
        while bot.running:
            try:
                peak = max(peak, rss_mb(bot.pid))
            except (OSError, RuntimeError):
                return
            await asyncio.sleep(0.1)

    sampler = asyncio.create_task(sample_rss())
    await fake.wait_ready(process=bot, timeout=300)
    started, ready_at = bot.started, fake._shards[0].identified_at
    all_sent = time.monotonic() - ready_at
    asked = [guilds[-1], *rng.sample(guilds[:-1], OTHERS)]
    firsts, missed = [], 0
    for guild in asked:
        member = fake.add_member(guild)
        try:
            reply = await fake.slash(guild, member, "event info", timeout=60)
            assert SAMPLE_TITLE in str(reply.embeds), reply
        except TimeoutError:
            missed += 1
        firsts.append(time.monotonic() - ready_at)
    on_ready = set_up = None
    while on_ready is None or set_up is None:
        now = time.monotonic()
        if now - started > 300:
            raise RuntimeError(f"{label}: not set up after 300 s")
        if on_ready is None and ready_file.exists():
            on_ready = now - started
        if set_up is None and servers_set_up(db_path) == len(guilds):
            set_up = now - started
        await asyncio.sleep(0.1)
    rss_now = rss_mb(bot.pid)
    await bot.stop()
    sampler.cancel()
    check_output(bot)
    return {"label": label, "ready_after_start": ready_at - started,
            "guilds_sent_after_ready": all_sent, "first_last_guild": firsts[0],
            "firsts_max": max(firsts), "firsts": firsts, "missed": missed,
            "on_ready": on_ready, "set_up": set_up, "rss_peak": max(peak, rss_now),
            "rss_after": rss_now}


async def _measure(guilds: int) -> dict:
    rng = random.Random(2500)
    with tempfile.TemporaryDirectory(prefix="bench-guilds-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "bot.sqlite3"
        async with FakeDiscord(record_requests=False) as fake:
            servers = [fake.add_guild(f"Server {n}") for n in range(guilds)]
            runs = [await _start(fake, workdir, db_path, servers, "first start (no events)",
                                 rng),
                    await _start(fake, workdir, db_path, servers, "restart (all have events)",
                                 rng)]
    return {"guilds": guilds, "runs": runs, "code": code_version()}


def measure(guilds: int = GUILDS) -> dict:
    return asyncio.run(_measure(guilds))


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(results: dict) -> str:
    lines = [
        "## Start-up in many servers (`bench/guilds.py`)", "",
        f"The real bot started in {results['guilds']:,} servers on one shard, none with events "
        "yet, then restarted once they all have the sample event. As soon as every "
        "GUILD_CREATE is sent, the first member of the last server to arrive uses "
        f"`/event info`, then the first members of {OTHERS} random other servers, one after "
        "another. Times from READY (the shard's IDENTIFY) or from the process start; "
        "memory is the peak VmRSS sampled every 0.1 s. "
        f"Bot code measured: {results['code']}.", "",
        f"| start | READY after process start | last GUILD_CREATE after READY | first command "
        f"of the last server, after READY | all {1 + OTHERS} first commands answered, after "
        "READY | missed 3 s deadlines | on_ready after process start | every server set up, "
        "after process start | peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in results["runs"]:
        lines.append(
            f"| {run['label']} | {run['ready_after_start']:.2f} s "
            f"| {run['guilds_sent_after_ready']:.2f} s | {run['first_last_guild']:.2f} s "
            f"| {run['firsts_max']:.2f} s | {run['missed']} | {run['on_ready']:.2f} s "
            f"| {run['set_up']:.2f} s | {run['rss_peak']:.0f} MB |")
    lines += ["", f"Targets: the first command of any server within {TARGET_FIRST_S:g} s of "
              f"READY, every server set up within {TARGET_START_S:g} s of the process start, "
              f"under {TARGET_RSS_MB:g} MB:", ""]
    for run in results["runs"]:
        lines.append(
            f"- {run['label']}: first commands "
            f"{_verdict(run['firsts_max'] < TARGET_FIRST_S and run['missed'] == 0)}, "
            f"start {_verdict(run['set_up'] < TARGET_START_S)}, memory "
            f"{_verdict(run['rss_peak'] < TARGET_RSS_MB)}.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(report(measure(int(sys.argv[1]) if len(sys.argv) > 1 else GUILDS)))
