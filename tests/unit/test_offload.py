"""Heavy work runs on threads of its own: pages being read never hold the threads that
resolve host names (asyncio's default executor, which aiohttp uses). A large page is read
in a process of its own, which leaves the interpreter's lock to the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest

from bot import calendar, catalog, offload
from bot.errors import DatabaseBusy, InvalidValue
from bot.offload import HEAVY_THREADS, ProcessFailed, off_process
from bot.page_files import page_from_bytes
from cogs import events
from tests.unit.test_render import event

PAGE = b"A Talk on Deterrence\n\nSpeakers: Ada Lovelace, Director of Studies\n"


async def test_pages_being_read_leave_host_names_resolvable_and_queue_among_themselves(
        monkeypatch):
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=1))  # as small as it gets
    read_page = catalog.page_from_bytes
    release = threading.Event()
    started: list[str] = []

    def slow_read(name: str, data: bytes, **options):  # a page taking seconds to read
        started.append(name)
        release.wait(30)
        return read_page(name, data, **options)

    monkeypatch.setattr(catalog, "page_from_bytes", slow_read)
    reads = [asyncio.create_task(catalog.read_page_file(f"page{n}.txt", PAGE))
             for n in range(HEAVY_THREADS + 2)]
    try:
        while not started:
            await asyncio.sleep(0.01)
        resolved = await asyncio.wait_for(loop.getaddrinfo("localhost", 80), 10)
        assert resolved
        await asyncio.sleep(0.2)
        assert len(started) == HEAVY_THREADS  # the others wait their turn
    finally:
        release.set()
    sources = await asyncio.wait_for(asyncio.gather(*reads), 30)
    assert [source.page.people[0].name for source in sources] == ["Ada Lovelace"] * len(reads)
    assert len(started) == len(reads)


async def test_a_calendar_file_is_written_off_the_event_loop(monkeypatch):
    """A large bilingual event's file (4 MB of description) took 0.6 s to write: on the
    loop, every other member's interaction would wait for it."""
    written_on: list[str] = []

    def recording_ics(event, now=None, most=None):
        written_on.append(threading.current_thread().name)
        return calendar.event_ics(event, now, most)

    async def found(interaction, ref):
        return event()

    sent: list[discord.File] = []

    async def respond(interaction, content=None, **fields):
        sent.append(fields["file"])

    monkeypatch.setattr(events, "event_ics", recording_ics)
    monkeypatch.setattr(events, "resolve_event", found)
    monkeypatch.setattr(events, "respond", respond)
    interaction = SimpleNamespace(locale=discord.Locale.american_english,
                                  filesize_limit=10 << 20)
    await events.EventCommands.calendar.callback(SimpleNamespace(), interaction, None)
    assert written_on and written_on[0] != threading.current_thread().name
    assert sent[0].fp.read().startswith(b"BEGIN:VCALENDAR")


def child_pids() -> set[int]:
    """The processes this one started and that are still there."""
    return children_of(os.getpid())


async def test_a_call_off_process_runs_in_another_process_and_returns_its_result():
    assert await off_process(os.getpid) != os.getpid()
    assert await off_process(divmod, 17, 5) == (3, 2)


async def test_a_user_error_raised_off_process_is_raised_as_it_was_with_its_fields():
    with pytest.raises(InvalidValue) as raised:
        await off_process(page_from_bytes, "big.txt", b"\x00\x01\x02" * 2000)
    assert "binary" in str(raised.value)
    # a message's fields, and an error whose __init__ takes no message, pickle whole
    error = InvalidValue("The file is too large ({size:,} bytes; the limit is {mb} MB).",
                         size=2_000_001, mb=2)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is InvalidValue and copy.text == error.text and str(copy) == str(error)
    assert copy.args == error.args
    busy = pickle.loads(pickle.dumps(DatabaseBusy()))
    assert type(busy) is DatabaseBusy and str(busy) == str(DatabaseBusy())


async def test_memory_running_short_off_process_is_a_memory_error_here():
    """So the member hears the machine ran short, as when the page was read on a thread."""
    with pytest.raises(MemoryError):
        await off_process(bytearray, 1 << 50)


async def test_when_no_process_can_be_started_the_call_runs_on_a_thread(monkeypatch, caplog):
    async def refused(*args, **kwargs):
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    with monkeypatch.context() as patched:
        patched.setattr(asyncio, "create_subprocess_exec", refused)
        assert await off_process(os.getpid) == os.getpid()
        assert await off_process(divmod, 17, 5) == (3, 2)
    said = [r.getMessage() for r in caplog.records if r.name == "bot.offload"]
    assert len(said) == 1 and "could not start a process" in said[0]
    assert await off_process(os.getpid) != os.getpid()  # started again: said once more
    said = [r.getMessage() for r in caplog.records if r.name == "bot.offload"]
    assert len(said) == 2 and "can be started again" in said[1]


async def test_a_process_runs_the_bots_code_whatever_the_current_folder_holds(
        monkeypatch, tmp_path):
    """A `bot.py` or `pickle.py` where the bot was started (its .env's folder) came first
    on the process's path: every large page failed, or ran that file's code."""
    (tmp_path / "pickle.py").write_text('raise SystemExit("a pickle.py of my own")\n')
    (tmp_path / "bot.py").write_text("print('a bot of my own')\n")
    monkeypatch.chdir(tmp_path)
    assert await off_process(divmod, 17, 5) == (3, 2)


async def test_what_the_call_writes_to_stdout_does_not_spoil_its_answer():
    assert await off_process(os.write, 1, b"written by C code\n") == 18
    assert await off_process(print, "printed") is None


def ignored_signals(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return int(line.split()[1], 16)
    return 0


async def test_a_stop_signal_to_the_group_leaves_the_bots_process_to_the_bot():
    """systemd's SIGTERM to the service's every process, a closed terminal's SIGHUP and
    Ctrl-C's SIGINT reach the whole group: the bot, which finishes what is under way,
    decides; the process, in a session of its own, goes on with its call."""
    before = child_pids()
    call = asyncio.create_task(off_process(time.sleep, 1.0))
    stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    mask = sum(1 << (stop - 1) for stop in stops)
    child = None
    for _ in range(1000):  # until it has set its signals aside (10 s at most)
        started = child_pids() - before
        if started:
            child = next(iter(started))
            with contextlib.suppress(OSError):
                if ignored_signals(child) & mask == mask:
                    break
        await asyncio.sleep(0.01)
    assert child is not None and os.getsid(child) == child
    for stop in stops:
        os.kill(child, stop)
    assert await asyncio.wait_for(call, 30) is None


async def test_code_changed_on_disk_since_the_start_is_not_run_the_call_runs_on_a_thread(
        monkeypatch, caplog):
    """A deploy while the bot runs: the process would run the new code, and its answer
    would be read into the old code's classes (a dataclass's fields in another order)."""
    with monkeypatch.context() as patched:
        patched.setattr(offload, "_CODE", "0" * 64)  # as if the files changed since
        assert await off_process(os.getpid) == os.getpid()
        assert await off_process(divmod, 17, 5) == (3, 2)
    said = [r.getMessage() for r in caplog.records if r.name == "bot.offload"]
    assert len(said) == 1 and "changed since it started" in said[0]
    assert await off_process(os.getpid) != os.getpid()
    said = [r.getMessage() for r in caplog.records if r.name == "bot.offload"]
    assert len(said) == 2 and "again" in said[1]


async def test_any_other_failure_off_process_is_a_process_failure_saying_what_happened():
    with pytest.raises(ProcessFailed, match=r"builtins\.int failed(.|\n)*ValueError"):
        await off_process(int, "not a number")
    with pytest.raises(ProcessFailed, match="ended with status 3 and no answer"):
        await off_process(os._exit, 3)


async def test_calls_off_process_run_two_at_a_time_and_a_cancelled_one_kills_its_process():
    before = child_pids()
    calls = [asyncio.create_task(off_process(time.sleep, 60)) for _ in range(HEAVY_THREADS + 1)]
    try:
        started: set[int] = set()
        for _ in range(1000):  # until both processes are there (10 s at most)
            started = child_pids() - before
            if len(started) == HEAVY_THREADS:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        assert len(child_pids() - before) == HEAVY_THREADS  # the third waits its turn
    finally:
        for call in calls:
            call.cancel()
        # killed: their sleep of a minute is not waited for
        await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 20)
    assert all(call.cancelled() for call in calls)
    assert not child_pids() & started  # killed, not left sleeping a minute


async def test_calls_waiting_their_turn_off_process_hold_no_copy_of_their_arguments(
        monkeypatch):
    """A call's arguments (a page of 2 MB) are pickled for its process once its turn
    comes: pickled as it was queued, each page waiting behind others was held twice."""
    pickled: list[int] = []
    dumps = offload.pickle.dumps

    def counted(obj, *args, **kwargs):
        data = dumps(obj, *args, **kwargs)
        pickled.append(len(data))
        return data

    monkeypatch.setattr(offload.pickle, "dumps", counted)
    busy = [asyncio.create_task(off_process(time.sleep, 60)) for _ in range(HEAVY_THREADS)]
    page = b"x" * 2_000_000
    waiting = [asyncio.create_task(off_process(len, page)) for _ in range(3)]
    try:
        for _ in range(100):
            await asyncio.sleep(0.01)
        assert not any(size > len(page) for size in pickled)  # none of theirs yet
        for call in busy:
            call.cancel()
        assert await asyncio.wait_for(asyncio.gather(*waiting), 30) == [len(page)] * 3
        assert sum(size > len(page) for size in pickled) == 3
    finally:
        for call in busy + waiting:
            call.cancel()
        await asyncio.gather(*busy, *waiting, return_exceptions=True)


async def test_a_large_page_is_read_in_a_process_of_its_own_as_on_a_thread(monkeypatch):
    """Read on a thread, a page of megabytes held the interpreter's lock the event loop
    needs for seconds (`bot.offload`); read apart, it reads the same."""
    page = PAGE + b"\n".join(b"Ada Lovelace spoke of deterrence, and of what it costs. " * 20
                             for _ in range(150))
    assert len(page) > catalog.READ_APART_BYTES
    apart: list[int] = []

    async def counted(fn, *args, **kwargs):
        apart.append(len(args[1]))
        return await off_process(fn, *args, **kwargs)

    monkeypatch.setattr(catalog, "off_process", counted)
    source = await catalog.read_page_file("long.txt", page)
    assert apart == [len(page)]
    assert source == catalog.PageSource(*page_from_bytes("long.txt", page), "long.txt")
    assert source.page.people[0].name == "Ada Lovelace"
    await catalog.read_page_file("short.txt", PAGE)  # a page of a few lines: on a thread
    assert apart == [len(page)]


async def test_a_process_reading_a_page_is_not_given_the_bots_credentials(monkeypatch):
    """Set in the environment (a service manager's, a container's), the token and the
    database's password stay in the bot: the process reading a page needs none of them."""
    secrets = {"DISCORD_TOKEN": "MTIz.token.part", "PGPASSWORD": "pg-secret",
               "DATABASE_URL": "postgresql://bot:pw@db/events",
               "DISCORD_GATEWAY_URL": "wss://user:pw@gateway.example"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EVENTBOT_KEPT", "kept")
    seen = await asyncio.gather(*(off_process(os.getenv, name) for name in secrets))
    assert seen == [None] * len(secrets)
    assert await off_process(os.getenv, "EVENTBOT_KEPT") == "kept"  # the rest is passed on
    assert os.environ["DISCORD_TOKEN"] == secrets["DISCORD_TOKEN"]  # the bot's own, kept


def test_a_process_reading_for_a_bot_killed_outright_ends_with_it(tmp_path):
    """A bot killed with SIGKILL (the OOM killer) cannot kill the process reading its page:
    the kernel does, rather than let it read on for nobody."""
    bot = subprocess.Popen(
        [sys.executable, "-c", "import asyncio, time\nfrom bot.offload import off_process\n"
         "asyncio.run(off_process(time.sleep, 60))"], cwd=Path(offload.__file__).parents[1])
    try:
        deadline = time.monotonic() + 30
        while not (workers := [pid for pid in children_of(bot.pid)
                                if b"bot.offload_worker" in Path(f"/proc/{pid}/cmdline")
                                .read_bytes()]):
            assert time.monotonic() < deadline and bot.poll() is None, "no process started"
            time.sleep(0.05)
        time.sleep(0.5)  # (well into its call)
    finally:
        bot.kill()
        bot.wait()
    deadline = time.monotonic() + 10
    while not all(ended(pid) for pid in workers):
        assert time.monotonic() < deadline, "the reading process outlived the bot"
        time.sleep(0.05)


def children_of(parent: int) -> set[int]:
    """The processes `parent` started that are still there (Linux's /proc)."""
    children = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            except OSError:  # (it ended meanwhile)
                continue
            if fields[1] == str(parent):
                children.add(int(entry))
    return children


def ended(pid: int) -> bool:
    """Gone, or a zombie nobody reaps yet (a container's first process may not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


def test_a_process_reading_a_page_runs_with_the_bots_interpreter_options():
    """A bot run with -O, -X utf8 or -W reads its large pages under the same options:
    the same encodings, and warnings turned into errors as the operator asked."""
    flags = "(__import__('sys').flags.optimize, __import__('sys').flags.utf8_mode," \
            " __import__('sys').warnoptions)"
    result = subprocess.run(
        [sys.executable, "-O", "-X", "utf8", "-W", "error::ResourceWarning", "-c",
         "import asyncio\nfrom bot.offload import off_process\n"
         f"print(asyncio.run(off_process(eval, {flags!r})))"],
        cwd=Path(offload.__file__).parents[1], capture_output=True, text=True, timeout=60,
        check=True)
    assert result.stdout.strip() == "(1, 1, ['error::ResourceWarning'])"
