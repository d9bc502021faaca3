"""`python -m sandbox` (also `python -m bot sandbox`): try the real bot in a terminal,
without Discord.

It starts the local Discord-compatible server (`sandbox.FakeDiscord`) with one server,
"Sandbox", in it (sandbox/console/world.py: a member called "you", a moderator with Manage
Events, roles the bot may give, and anyone typed as with `as NAME`). The real bot
(`python -m bot run`) runs against it as a subprocess, with its own database, and a
console lets a person type slash commands as any of them, press buttons and read what
the bot answers, rendered as text the way Discord would show it.

The server, its people and the bot's messages are kept beside the sandbox database, so
what was imported, reserved or posted is still there the next time (`--fresh` starts
over).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from bot.logs import shown
from sandbox import BotProcess, FakeDiscord
from sandbox.console import world
from sandbox.console.commands import BotStopped, Console
from sandbox.console.terminal import (
    enable_tab_completion,
    pipe_reader,
    restore_tty,
    save_tty,
    terminal_reader,
)

ROOT = Path(__file__).resolve().parents[2]  # where `bot` and `cogs` are importable from

# discord.py warns "Can't keep up" when a heartbeat's ACK seems over 10 s late, and it may
# time an ACK that arrives before it noted the send from the previous send (a local
# server answers at once): a beat under 10 s keeps that false alarm out of the log.
HEARTBEAT_INTERVAL = 5.0


class SandboxError(Exception):
    """The sandbox cannot start (e.g. a database it may not use); one line, exit status 2."""


# --------------------------------------------------------------------------- start


def bot_env(settings: Settings, database: Path) -> dict[str, str]:
    """The settings the bot runs with in the sandbox (the local server adds its own). An
    empty value overrides the environment and `.env`: the deployment's DATABASE_URL
    would put the sandbox's server into the real database, and its shards would ask the
    one local server for shards it does not have."""
    return {"DATABASE_PATH": str(database), "DATABASE_URL": "", "SHARD_COUNT": "",
            "SHARD_IDS": "", "EVENTS_DIR": str(settings.events_dir.resolve()),
            "LOG_LEVEL": "INFO", "SYNC_GUILD_ID": "",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                        os.environ.get("PYTHONPATH")]))}


def prepare_database(settings: Settings, path: Path, *, fresh: bool) -> None:
    """Delete it if `fresh`, and make the bot sync its commands to the new local server
    (it skips syncing when the commands are unchanged since the last sync it recorded):
    `python -m bot reset-sync-state`, on a database that is there. OSError or SandboxError
    if it cannot."""
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{path}{suffix}").unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():  # the database about to be made is the sandbox's own from now
        world.claim(path)
        _check_kept_for(path)  # unless one started with it claimed the server first
        return  # and, new, has no sync recorded to forget (the command refuses it)
    reset = subprocess.run([sys.executable, "-m", "bot", "reset-sync-state"],
                           env={**os.environ, **bot_env(settings, path)}, cwd=ROOT,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if reset.returncode in (130, -signal.SIGINT):  # Ctrl-C reached it too: the user's stop
        raise KeyboardInterrupt
    if reset.returncode != 0:
        told = (reset.stderr.strip().splitlines() or [f"exit status {reset.returncode}"])[-1]
        raise SandboxError(told.removeprefix("eventbot: "))


def sandbox_database(settings: Settings, database: Path, *, fresh: bool) -> Path:
    """The database's absolute path, prepared; never the bot's own database."""
    try:
        database = database.expanduser().resolve()
    except (OSError, RuntimeError) as exc:  # a loop of links; "~nosuchuser/..."
        raise SandboxError(f"{database}: cannot use it as the sandbox database ({exc}); give "
                           "--database a file name, e.g. data/sandbox.sqlite3") from None
    if database.is_dir():  # an empty --database names the current folder
        raise SandboxError(f"{database} is a folder; give --database a file name, e.g. "
                           "data/sandbox.sqlite3")
    if database.exists() and not database.is_file():  # --fresh would delete it (/dev/null)
        raise SandboxError(f"{database} is a device or a pipe, not a file; give --database a "
                           "file name, e.g. data/sandbox.sqlite3")
    if database == settings.database_path.expanduser().resolve():
        raise SandboxError(f"{database} is the bot's own database (DATABASE_PATH); the "
                           "sandbox needs its own: pick another --database")
    _check_kept_for(database)
    own = sandbox_made(database)
    if fresh and not own:
        raise SandboxError(f"{database} holds something the sandbox did not make (its saved "
                           f"server, {world.state_path(database).name}, is not beside it); "
                           "--fresh deletes only a sandbox's own database: give --database "
                           "another file")
    hold(database)
    if fresh:
        try:
            world.forget(database)
        except world.WorldError as exc:
            raise SandboxError(str(exc)) from None
    try:
        prepare_database(settings, database, fresh=fresh)
    except (OSError, SandboxError) as exc:
        advice = "; --fresh starts over with a new one" if own and not fresh else ""
        raise SandboxError(f"{database}: cannot use it as the sandbox database ({exc})"
                           f"{advice}") from None
    return database


def _check_kept_for(database: Path) -> None:
    """SandboxError if the server saved beside `database` is another database's: the
    sandbox would load that server, save its own over it, and --fresh delete it."""
    owner = world.kept_for(database)
    if owner is not None and owner != database.name:
        raise SandboxError(f"{world.state_path(database)} keeps the server of the sandbox on "
                           f"{database.with_name(owner)}, and would keep {database.name}'s "
                           f"too; give --database a name of its own, e.g. "
                           f"{database.with_name(database.stem + '2.sqlite3')}")


def sandbox_made(database: Path) -> bool:
    """Whether `database` is nothing or the sandbox's own: missing, empty, or with the
    server the sandbox saves beside it from its start (`world.state_path`). Anything else
    (notes, a backup of the bot's database, a system file given by mistake) is not the
    sandbox's to delete."""
    try:
        return database.stat().st_size == 0 or world.state_path(database).is_file()
    except FileNotFoundError:
        return True
    except OSError:  # cannot be looked at: not known to be the sandbox's
        return False


_HELD: list[int] = []  # the lock files' descriptors, open while the sandbox runs


def hold(database: Path) -> None:
    """Take `database`'s sandbox for this process (`<database>.lock`, released when the
    process ends): a second sandbox on it would save its server over this one's, and
    --fresh would delete the database under it."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one sandbox at a time is on the user
        return
    lock = Path(f"{database}.lock")
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except (FileExistsError, NotADirectoryError):  # "File exists" would name no file
        blocker = next((p for p in reversed(lock.parents) if p.exists() and not p.is_dir()),
                       lock.parent)
        raise SandboxError(f"cannot create {database}: {blocker} is a file, not a folder; "
                           "move it away or give --database another place") from None
    except OSError as exc:
        raise SandboxError(f"{lock}: cannot create it ({exc.strerror})") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        raise SandboxError(f"another sandbox is running on {database}; quit it first, or "
                           "give this one another --database") from None
    _HELD.append(descriptor)


def heartbeat_interval() -> float:
    """Seconds between the bot's heartbeats: SANDBOX_HEARTBEAT_INTERVAL, or 5."""
    text = os.environ.get("SANDBOX_HEARTBEAT_INTERVAL", "").strip()
    if not text:
        return HEARTBEAT_INTERVAL
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0.1 <= seconds <= 60:
        raise SandboxError(f"SANDBOX_HEARTBEAT_INTERVAL={text!r}: give seconds between 0.1 "
                           "and 60")
    return seconds


async def run_sandbox(settings: Settings, database: Path, *, fresh: bool = False) -> int:
    """Start the local Discord and the bot, run the console, always stop the bot."""
    interval = heartbeat_interval()
    try:  # the bot's log and its start-up signal go in a temporary folder
        tempfile.gettempdir()
    except FileNotFoundError:  # none of TMPDIR, /tmp, /var/tmp, ... could be written
        raise SandboxError("no temporary folder can be written (TMPDIR, /tmp, /var/tmp): the "
                           "sandbox keeps the bot's log there; set TMPDIR to a folder you "
                           "can write") from None
    database = sandbox_database(settings, database, fresh=fresh)
    state = world.state_path(database)
    signals = _stop_on_signals(asyncio.get_running_loop())
    try:
        return await _sandbox(settings, database, state, interval)
    except asyncio.CancelledError:
        if signals:  # SIGTERM or SIGHUP; Ctrl-C goes on as KeyboardInterrupt (asyncio.run)
            return 128 + signals[0]
        raise


async def _sandbox(settings: Settings, database: Path, state: Path, interval: float) -> int:
    interactive = sys.stdin is not None and sys.stdin.isatty()
    started = time.monotonic()
    print(f"Starting the bot on a local stand-in for Discord (database {database}) …",
          flush=True)
    async with FakeDiscord(heartbeat_interval=interval) as fake:
        try:
            guild = world.load_world(fake, state)
        except world.WorldError as exc:
            raise SandboxError(str(exc)) from None
        kept = guild is not None
        guild = guild or world.new_world(fake)
        save = _saver(fake, state, database.name)
        save()
        ready = Path(tempfile.mkdtemp(prefix="sandbox-")) / "ready"
        env = {**bot_env(settings, database), "READY_FILE": str(ready)}
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"], env)
        saved_tty = save_tty() if interactive else None
        try:
            try:
                await fake.wait_ready(process=bot)
            except (RuntimeError, TimeoutError) as exc:
                print(shown(f"eventbot: the bot did not start: {str(exc).splitlines()[0]}\n"
                            f"{bot.output()[-1500:]}", lines=True), file=sys.stderr)
                return 1
            await _until_started(bot, ready)
            console = Console(fake, guild, world.people(fake, guild), bot,
                              interactive=interactive, save=save)
            loop = asyncio.get_running_loop()
            if interactive:
                enable_tab_completion(console, loop)
            print(f"Ready in {time.monotonic() - started:.1f} s: the real bot (pid {bot.pid}) "
                  "in a server called Sandbox, with #general and #announcements"
                  + (" (as you left it)" if kept else "") + ".\n"
                  "You are \"you\", a member; \"as moderator\" switches to a moderator, "
                  "\"as alice\" to a new member.\n"
                  "Try /event info, ?event for the event ids, help for everything, quit to "
                  "leave.", flush=True)
            read = terminal_reader(loop) if interactive else pipe_reader(loop)
            return await console.run(read)
        except BotStopped as exc:
            # its output's last lines: Python's own traceback too, written as it came
            print(shown(f"eventbot: the bot stopped unexpectedly: {exc}", lines=True),
                  file=sys.stderr)
            return 1
        except asyncio.CancelledError:
            print(flush=True)  # end the prompt's line
            raise
        finally:
            await _stop(bot)
            shutil.rmtree(ready.parent, ignore_errors=True)
            save()
            restore_tty(saved_tty)
            print("Stopped the bot.", flush=True)


def _saver(fake: FakeDiscord, path: Path, database: str) -> Callable[[], None]:
    """`save()`: keep the server in `path`; a failure is told once and the sandbox goes on."""
    told = False

    def save() -> None:
        nonlocal told
        try:
            world.save_world(fake, path, database)
        except OSError as exc:
            if not told:
                print(f"eventbot: cannot keep the sandbox's server in {path} ({exc.strerror}); "
                      "it will start afresh next time", file=sys.stderr, flush=True)
            told = True

    return save


async def _stop(bot: BotProcess) -> None:
    """Stop the bot, even if a signal cancels this task meanwhile (quitting just as Ctrl-C
    or SIGTERM arrives)."""
    stopping = asyncio.ensure_future(bot.stop())
    while not stopping.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(stopping)


async def _until_started(bot: BotProcess, ready: Path) -> None:
    """Until the bot writes its READY_FILE. discord.py waits a moment for more servers
    after connecting (`guild_ready_timeout`, 2 s) before it is ready; commands work
    already, but notices and DMs only go out from then on. No error if it never does."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            # another process's file: nothing to wait on but the file system
            while not ready.exists() and bot.running:  # noqa: ASYNC240 (a stat, at once)
                await asyncio.sleep(0.05)


def _stop_on_signals(loop: asyncio.AbstractEventLoop) -> list[int]:
    """On SIGTERM or SIGHUP (terminal closed), cancel the running task so that the bot is
    stopped on the way out; the list gets the signal's number."""
    received: list[int] = []
    task = asyncio.current_task()

    def stop(signum: int) -> None:
        received.append(signum)
        if task is not None:
            task.cancel()

    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop, signum)
    return received
