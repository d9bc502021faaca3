"""SQLite's temporary files (statement journals, sorts), and the sandbox's: a host whose
temporary folders cannot be written (a container with a read-only root file system,
`TMPDIR` naming a folder that is gone) must not stop the bot, nor fail a request halfway,
and the sandbox says so in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.sqlite_only

# A new database opened (every migration), an event with 2,000 RSVPs, then deleted.
DELETES = textwrap.dedent("""
    import asyncio, sys
    from bot.storage import open_store
    from tests.conftest import new_event

    async def main(path):
        async with await open_store(path) as store:
            event = await new_event(store, capacity=10_000)
            for user in range(1, 2001):
                await store.join(1, event.id, user, "m")
            deletion = await store.run(store.events.delete_event, 1, event.id)
            print(deletion.confirmed, flush=True)

    asyncio.run(main(sys.argv[1]))
""")


def without_temporary_folders(folder: Path) -> tuple[str, ...]:
    """A command prefix under which no folder SQLite may put a temporary file in can be
    written (SQLITE_TMPDIR, TMPDIR, /var/tmp, /usr/tmp, /tmp, the working folder) but
    `folder`: read-only mounts in a mount namespace of the child's own, as root."""
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /var/tmp"],
                           capture_output=True)
    if os.geteuid() != 0 or probe.returncode != 0:
        pytest.skip("cannot mount read-only folders here")
    return ("unshare", "-m", "sh", "-c",
            f"mount --bind {folder} {folder} && mount --rbind /tmp /tmp && "
            "mount -o remount,ro,bind /tmp && mount -t tmpfs -o ro tmpfs /var/tmp && "
            'cd /proc && exec "$@"', "sh")


def test_no_writable_temporary_folder_stops_no_start_and_no_write(tmp_path):
    """Such a host refused the start of a new database (and the upgrade past migration 6,
    which drops a search table) with "cannot be opened for writing: make it and its folder
    writable", though both were; a running bot's /manage delete of an event failed with
    "unable to open database file", a traceback and "something went wrong". SQLite keeps
    what it would write to temporary files in memory instead."""
    proc = subprocess.run(
        [*without_temporary_folders(tmp_path), sys.executable, "-c", DELETES,
         str(tmp_path / "bot.sqlite3")], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path / "gone"),
             "SQLITE_TMPDIR": str(tmp_path / "gone")})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["2000"]


def test_the_sandbox_without_a_writable_temporary_folder_says_so_in_one_line(tmp_path):
    """`python -m bot sandbox` keeps the bot's log and its start-up signal in a temporary
    folder: on such a host it ended in a traceback from `tempfile`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    proc = subprocess.run(
        [*without_temporary_folders(tmp_path), sys.executable, "-m", "bot", "sandbox",
         "--database", str(tmp_path / "sandbox.sqlite3")], capture_output=True, text=True,
        timeout=60, input="", env={**env, "PYTHONPATH": str(ROOT),
                                   "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
                                   "TMPDIR": str(tmp_path / "gone")})
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == ("eventbot: no temporary folder can be written (TMPDIR, /tmp, "
                           "/var/tmp): the sandbox keeps the bot's log there; set TMPDIR to "
                           "a folder you can write\n")
