"""A long life in a busy server, compressed: what grows with time rather than with
live state.

What it is for: finding leaks that no test sees, because they cost nothing in a test's
minute and everything in a process that runs for months (a dict keyed by event or member
that nothing empties, a task per event never ended, rows of a table that nothing
deletes). Run it after a change that keeps something per event, member or server, and
read the lines marked as grown: each should be bounded by what is live, or have a reason.
It takes minutes (about 30 s per round of `BATCH` events), so it is not in `make bench`.

The real bot (`python -m bot run`, under bench/longrun_probe.py) runs against the local
server. In rounds of `BATCH` events, a moderator imports each event (starting a few
seconds ahead, lasting a second, 3 seats), announces it, gives it an attendee role and
edits its venue; new members join it (some waitlisted), one cancels (a promotion), the
reminders go out; once the events are over, half are deleted and half archived, and the
members leave the server. After each round: the bot's RSS, the size of every container
its objects hold (the probe), its asyncio tasks, and the row count of every table.

`python -m bench.longrun [EVENTS]` (default 300; from the repository's root) prints the
first and last checkpoints and marks the entries that grew; all checkpoints go to
LONGRUN_OUT (JSON). With LONGRUN_TRACEMALLOC=1 the bot traces its Python allocations
(`python.heap_kb`), to tell them from SQLite's page cache and the allocator's."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.e2e import OPEN_PAGE, ROOT, imported, rss_mb, settle_heap
from sandbox import Attachment, FakeDiscord

BATCH = int(os.environ.get("LONGRUN_BATCH", "20"))  # events at once
MEMBERS_PER_EVENT = 5
CAPACITY = 3
# The retention period, shortened as the end-to-end tests shorten it, so that what is
# forgotten a period later (members' languages) is forgotten within the run.
RETENTION_DAYS = 10 / 86400


def table_counts(db_path: Path) -> dict[str, int]:
    conn = sqlite3.connect(db_path, timeout=10)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'passages_%'")]
        return {f"db.{n}": conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]
                for n in names}
    finally:
        conn.close()


def written_at(path: Path) -> int:
    return path.stat().st_mtime_ns if path.exists() else 0


def read_json(path: Path) -> dict[str, int]:
    return json.loads(path.read_bytes())


def save(checkpoints: list[dict[str, float]]) -> None:
    Path(os.environ.get("LONGRUN_OUT", "/tmp/longrun.json")).write_text(json.dumps(checkpoints))


def disk_usage(workdir: Path) -> dict[str, int]:
    files = [p for p in workdir.rglob("*") if p.is_file()]
    return {"disk.files": len(files), "disk.bytes": sum(p.stat().st_size for p in files)}


async def probe(pid: int, path: Path) -> dict[str, int]:
    """What the probe in the bot process (bench/longrun_probe.py) writes when signalled."""
    before = written_at(path)
    os.kill(pid, signal.SIGUSR1)
    for _ in range(200):
        await asyncio.sleep(0.05)
        if written_at(path) != before:
            return read_json(path)
    raise RuntimeError("the probe did not answer")


async def life(events: int) -> list[dict[str, float]]:
    checkpoints: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db_path, probe_path = workdir / "bot.sqlite3", workdir / "probe.json"
        async with FakeDiscord(rate_limits=None, record_requests=False) as fake:
            guild = fake.add_guild("Busy Server")
            moderator = fake.add_member(guild, "moderator", manage_events=True)
            owner = guild.owner
            env = {"DATABASE_PATH": str(db_path), "EVENTS_DIR": str(ROOT / "data/events"),
                   "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
                   "LONGRUN_PROBE": str(probe_path),
                   "GUILD_DATA_RETENTION_DAYS": str(RETENTION_DAYS)}
            if os.environ.get("LONGRUN_TRACEMALLOC"):  # the bot's Python heap, measured
                env["PYTHONTRACEMALLOC"] = "1"
            bot = fake.spawn_bot([sys.executable, "-m", "bench.longrun_probe"], env,
                                 cwd=str(workdir))
            await fake.wait_ready(process=bot)
            await asyncio.sleep(3)
            await fake.slash(guild, moderator, "manage reminders", minutes="1")
            bot_role = next(r for r in guild.roles.values() if r.bot_id is not None)
            role = fake.add_role(guild, "Attendee")
            bot_role.position = role.position + 1
            await fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id),
                                                      "role": bot_role.payload()})
            bot_role.permissions |= 1 << 28
            await fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id),
                                                      "role": bot_role.payload()})
            number = 0

            async def one(i: int) -> int:
                nonlocal number
                title = f"Long Life Forum {i}"
                starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=20)
                reply = await imported(
                    fake, guild, moderator, timeout=30,
                    page=Attachment("a.txt", title.encode() + b"\n\n" + OPEN_PAGE,
                                    "text/plain"),
                    title=title, capacity=CAPACITY, starts_at=starts.isoformat(),
                    ends_at=(starts + timedelta(seconds=2)).isoformat())
                match = re.search(r"\(event (\d+)\)", reply)
                if not match:
                    raise RuntimeError(reply)
                event = match[1]
                await fake.slash(guild, moderator, "manage open", event=event, timeout=30)
                await fake.slash(guild, moderator, "manage announce", event=event, timeout=30)
                await fake.slash(guild, owner, "manage role", role=role, event=event,
                                 timeout=30)
                people = []
                for _ in range(MEMBERS_PER_EVENT):
                    number += 1
                    people.append(fake.add_member(guild, f"m{number}"))
                for member in people:
                    await fake.slash(guild, member, "rsvp join", event=event, timeout=30)
                await fake.slash(guild, people[0], "rsvp cancel", event=event, timeout=30)
                form = await fake.slash(guild, moderator, "manage edit", event=event,
                                        timeout=30)
                await fake.submit_modal(form, {"venue": f"Room {i}"}, timeout=30)
                return int(event)

            async def finish(event_id: int, i: int) -> None:
                if i % 2:
                    await fake.slash(guild, moderator, "manage archive", event=str(event_id),
                                     timeout=30)
                else:
                    asked = await fake.slash(guild, moderator, "manage delete",
                                             event=str(event_id), timeout=30)
                    if asked.custom_ids():
                        await fake.click(guild, moderator, asked.message,
                                         asked.custom_ids()[0], timeout=30)

            started = time.monotonic()
            done = 0
            while done < events:
                ids = await asyncio.gather(*(one(done + k) for k in range(BATCH)))
                await asyncio.sleep(24)  # the events begin and end; reminders, roles
                await asyncio.gather(*(finish(e, done + k) for k, e in enumerate(ids)))
                for member in list(guild.members.values()):
                    if member.user.name.startswith("m") and member.user.name[1:].isdigit():
                        fake.remove_member(guild, member)
                await asyncio.sleep(3)
                done += BATCH
                settle_heap()
                point: dict[str, float] = {"events": done,
                                           "seconds": round(time.monotonic() - started),
                                           "rss_mb": round(rss_mb(bot.pid), 1)}
                point.update(await probe(bot.pid, probe_path))
                point.update(table_counts(db_path))
                point.update(disk_usage(workdir))
                checkpoints.append(point)
                save(checkpoints)  # kept should a later round fail
                print(f"{done} events, {point['seconds']} s, RSS {point['rss_mb']} MB,"
                      f" tasks {point['asyncio.tasks']}", flush=True)
            if not bot.running:
                raise RuntimeError(bot.describe())
            errors = [line for line in bot.output().splitlines()
                      if "Traceback" in line or "ERROR" in line]
            print(f"errors logged: {len(errors)}", *errors[:10], sep="\n")
            await bot.stop()
    return checkpoints


def report(checkpoints: list[dict[str, float]]) -> str:
    first, last = checkpoints[0], checkpoints[-1]
    keys = sorted(set(first) | set(last))
    lines = [f"{'':60} {first['events']:>8} {last['events']:>8}"]
    for key in keys:
        a, b = first.get(key, 0), last.get(key, 0)
        mark = "  <- grew" if b > a and key not in ("events", "seconds") else ""
        lines.append(f"{key:60} {a:>8} {b:>8}{mark}")
    return "\n".join(lines)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    points = asyncio.run(life(count))
    print(report(points))
