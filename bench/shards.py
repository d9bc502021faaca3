"""End to end: `/rsvp join` throughput with one and with two shard processes.

One local server with two shards (`FakeDiscord(shard_count=2)`), two guilds of the bot
and two of the floor bot on each shard, one event of 100,000 seats in each of the bot's
guilds. Distinct members press `/rsvp join` in the four guilds in turn, 10 and 50 in
flight, through discord.py. Variants, interleaved in every round, each freshly started:

- the floor bot (`bench/floor_bot.py`) in one process (both shards) and in two (a shard
  each): discord.py answering a fixed reply, where this setup saturates;
- the bot on SQLite, one process (both shards: several processes on one SQLite file are
  possible but not the way out, see the README);
- the bot on PostgreSQL (a throwaway durable cluster: fsync and synchronous_commit on),
  one process, then two processes (SHARD_IDS=0 and 1) on the same database.

The bot processes' CPU time over each level is read from /proc: a process at 100% has a
core to itself. The server and this driver share the machine's cores with the bots.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from bench.e2e import (
    CAPACITY,
    READY_DELAY,
    ROOT,
    check_output,
    import_event,
    members,
    real_bot_env,
)
from sandbox import BotProcess, FakeDiscord, Guild, Member
from tests.postgres_cluster import start_cluster

LEVELS = (10, 50)  # interactions in flight
ROUNDS = 3
PER_LEVEL = 1500  # measured joins per level, per variant, per round
WARMUP = 100
SHARDS = 2
GUILDS_PER_SHARD = 2
# name: (which bot, which database, one process for both shards or one per shard)
VARIANTS = {
    "floor bot, 1 process": ("floor", None, False),
    "floor bot, 2 processes": ("floor", None, True),
    "SQLite, 1 process": ("bot", "sqlite", False),
    "PostgreSQL, 1 process": ("bot", "postgres", False),
    "PostgreSQL, 2 processes": ("bot", "postgres", True),
}
NOTE = ("Here one machine of two cores runs the local server and the members, PostgreSQL "
        "and the bots, shared with other work, so a second process has no core of its own: "
        "the figures show what sharding and PostgreSQL cost per join on one machine, not what "
        "a second machine adds. PostgreSQL, durable, flushes each batch's commit to disk "
        "before the joins in it are answered; the SQLite store (WAL, synchronous=NORMAL) does "
        "not flush each commit.")
Target = tuple[Guild, Iterator[Member], int | None]  # a guild, its members, its event
Samples = dict[str, dict[int, list[tuple[float, float, float]]]]  # joins/s, bot, server CPU


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime, stime in ticks (USER_HZ 100)


async def joins(fake: FakeDiscord, targets: list[Target], in_flight: int, count: int) -> float:
    """`count` first-time /rsvp join, the guilds in turn, `in_flight` at a time; the wall
    time they took."""
    queue = iter([(guild, next(crowd), event) for n in range(count)
                  for guild, crowd, event in [targets[n % len(targets)]]])

    async def member_loop() -> None:
        for guild, member, event in queue:
            reply = await fake.slash(guild, member, "rsvp join",
                                     **({"event": str(event)} if event else {}))
            if not (reply.ephemeral and "confirmed" in (reply.content or "")):
                raise RuntimeError(f"unexpected reply to /rsvp join: {reply!r}")

    started = time.perf_counter()
    await asyncio.gather(*(member_loop() for _ in range(in_flight)))
    return time.perf_counter() - started


class Bench:
    def __init__(self, fake: FakeDiscord, workdir: Path, database_url: str) -> None:
        self.fake = fake
        self.workdir = workdir
        self.database_url = database_url
        # a guild's shard is (guild_id >> 22) % SHARDS: these alternate between the shards
        self.guilds = {who: [fake.add_guild(f"{who} {shard}.{n}",
                                            guild_id=(base + SHARDS * n + shard) << 22)
                             for n in range(GUILDS_PER_SHARD) for shard in range(SHARDS)]
                       for who, base in (("bot", 2_000_000), ("floor", 3_000_000))}
        # before any bot starts, so their role is in the GUILD_CREATE the bot receives
        self.moderators = [fake.add_member(guild, "moderator", manage_events=True)
                           for guild in self.guilds["bot"]]
        self.events: dict[str, list[int]] = {}  # database: the event of each bot guild

    def start(self, who: str, database: str | None, shard: int | None) -> BotProcess:
        env = {"SHARD_COUNT": str(SHARDS), **({"SHARD_IDS": str(shard)}
                                             if shard is not None else {})}
        if who == "floor":
            env["FLOOR_GUILD_ID"] = ",".join(str(g.id) for g in self.guilds["floor"])
            command = [sys.executable, str(ROOT / "bench" / "floor_bot.py")]
        else:
            env.update(real_bot_env(self.workdir, self.workdir / "bot.sqlite3"))
            if database == "postgres":
                env["DATABASE_URL"] = self.database_url
            command = [sys.executable, "-m", "bot", "run"]
        return self.fake.spawn_bot(command, env, cwd=str(self.workdir))

    async def started(self, who: str, database: str | None, per_shard: bool
                      ) -> list[BotProcess]:
        shards: list[int | None] = list(range(SHARDS)) if per_shard else [None]
        processes = [self.start(who, database, shard) for shard in shards]
        for process, shard in zip(processes, shards, strict=True):
            await self.fake.wait_ready(process=process, timeout=60,
                                       shards=None if shard is None else [shard])
        return processes

    async def make_events(self, database: str) -> None:
        """One large event in each of the bot's guilds, imported as a moderator does."""
        [process] = await self.started("bot", database, False)
        self.events[database] = [
            await import_event(self.fake, guild, moderator, f"Hall {guild.name}", CAPACITY)
            for guild, moderator in zip(self.guilds["bot"], self.moderators, strict=True)]
        await process.stop()
        check_output(process)

    def targets(self, who: str, database: str | None) -> list[Target]:
        guilds = self.guilds[who]
        events = self.events[database] if database else [None] * len(guilds)
        return [(guild, members(self.fake, guild, f"{who} member {guild.id} "), event)
                for guild, event in zip(guilds, events, strict=True)]


async def _measure(per_level: int, rounds: int) -> Samples:
    samples: Samples = {
        name: {level: [] for level in LEVELS} for name in VARIANTS}
    cluster = start_cluster(durable=True)
    try:
        admin = await asyncpg.connect(cluster.url())
        try:
            await admin.execute("CREATE DATABASE bot")
        finally:
            await admin.close()
        with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
            async with FakeDiscord(record_requests=False, shard_count=SHARDS) as fake:
                bench = Bench(fake, Path(tmp), cluster.url("bot"))
                for database in ("sqlite", "postgres"):
                    await bench.make_events(database)
                for _ in range(rounds):
                    for name, (who, database, per_shard) in VARIANTS.items():
                        targets = bench.targets(who, database)
                        processes = await bench.started(who, database, per_shard)
                        await joins(fake, targets, 10, WARMUP)
                        await asyncio.sleep(READY_DELAY)  # on_ready and its tasks, as e2e.py
                        for level in LEVELS:
                            cpu = sum(cpu_seconds(p.pid) for p in processes)
                            own = time.process_time()
                            elapsed = await joins(fake, targets, level, per_level)
                            busy = sum(cpu_seconds(p.pid) for p in processes) - cpu
                            samples[name][level].append((per_level / elapsed, busy / elapsed,
                                                         (time.process_time() - own) / elapsed))
                        for process in processes:
                            await process.stop()
                            check_output(process)
    finally:
        cluster.stop()
    return samples


def measure(per_level: int = PER_LEVEL, rounds: int = ROUNDS) -> dict:
    return {"per_level": per_level, "rounds": rounds,
            "samples": asyncio.run(_measure(per_level, rounds))}


def report(results: dict) -> str:
    samples = results["samples"]
    lines = ["## End to end: `/rsvp join` with shard processes (`bench/shards.py`)", "",
             f"{results['per_level']:,} first-time `/rsvp join` per level and variant, from "
             f"distinct members in {SHARDS * GUILDS_PER_SHARD} guilds in turn (two on each of "
             f"{SHARDS} shards, one event of {CAPACITY:,} seats each), through discord.py "
             f"against the local server (`FakeDiscord(shard_count={SHARDS})`); "
             f"{results['rounds']} rounds, the variants interleaved in each, each freshly "
             f"started ({WARMUP} unmeasured joins and {READY_DELAY:g} s first). PostgreSQL: a "
             "throwaway local cluster with fsync and synchronous_commit on. CPU is the bot "
             "processes' CPU time over the level's wall time (100% = one core busy); "
             "server CPU that of this process (the local server and the members).", "",
             "| variant | in flight | joins/s: min / median / max | × floor, 1 process "
             "| bot CPU | server CPU |", "|---|---:|---:|---:|---:|---:|"]
    for level in LEVELS:
        floor = statistics.median(r for r, _, _ in samples["floor bot, 1 process"][level])
        for name in VARIANTS:
            rates = [r for r, _, _ in samples[name][level]]
            cpu = statistics.median(c for _, c, _ in samples[name][level])
            server = statistics.median(c for _, _, c in samples[name][level])
            lines.append(f"| {name} | {level} | {min(rates):,.0f} / "
                         f"{statistics.median(rates):,.0f} / {max(rates):,.0f} "
                         f"| {statistics.median(rates) / floor:.2f} | {cpu:.0%} | {server:.0%} |")
    lines += ["", NOTE, "", "Per round (joins/s, bot CPU, server CPU):", ""]
    for name in VARIANTS:
        for level in LEVELS:
            lines.append(f"- {name}, {level} in flight: " + "; ".join(
                f"{rate:,.0f} ({cpu:.0%}, {server:.0%})"
                for rate, cpu, server in samples[name][level]))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(report(measure()))
