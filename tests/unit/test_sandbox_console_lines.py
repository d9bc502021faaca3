"""The sandbox console's lines, without a bot (the stub server of test_sandbox_console):
a bad line is one LineError, in bounded time, never another exception that would end
the console with a traceback."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from sandbox.console.parsing import LineError
from tests.unit.test_sandbox_console import console  # noqa: F401 (the fixture)


@pytest.mark.parametrize("line", [
    "/manage import page:a\0b.txt",             # a NUL in a pasted path
    "/manage import page:~nosuchuser_zz9/a.txt",  # ~user of nobody on this computer
])
async def test_a_file_option_nobody_could_upload_is_one_line(console, line):  # noqa: F811
    """`_value` (kind 11) catches OSError only: open() raises ValueError for a NUL and
    Path.expanduser() RuntimeError for an unknown ~user; either left `Console.run` and
    ended the sandbox with a traceback."""
    with pytest.raises(LineError) as caught:
        await console.handle(line)
    assert "\n" not in str(caught.value)
    assert console.fake.calls == []


def test_a_file_option_naming_a_fifo_is_refused_in_bounded_time(console, tmp_path):  # noqa: F811
    """`page:` naming a FIFO (or /dev/tty) blocked the event loop in open() until some
    writer came: the console and the local Discord (the bot's heartbeats) stalled."""
    fifo = tmp_path / "page.txt"
    os.mkfifo(fifo)
    result: list[BaseException | None] = []

    def run() -> None:
        try:
            asyncio.run(console.handle(f"/manage import page:{fifo}"))
            result.append(None)
        except BaseException as exc:
            result.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(5)
    stalled = worker.is_alive()
    if stalled:  # let the blocked open() return, so that the thread ends
        os.close(os.open(fifo, os.O_WRONLY))
        worker.join(5)
    assert not stalled, "the console waited for a writer of the FIFO"
    assert isinstance(result[0], LineError), result


async def test_an_option_given_twice_by_its_two_names_is_refused(console):  # noqa: F811
    """In a zh-CN client both the registered and the localized name of an option work;
    given once by each (座位数:5 seats:6) the console kept one silently, where the same
    option typed twice by one name is refused ("seats is given twice")."""
    def named(name: str, zh: str, **rest):
        return {"name": name, "name_localizations": {"zh-CN": zh}, **rest}

    schema = [named("manage", "管理", type=1, options=[named("capacity", "名额", type=1, options=[
        named("seats", "座位数", type=4, required=True, min_value=1, max_value=500)])])]
    console.fake.commands = lambda guild=None: [] if guild else schema
    await console.handle("locale zh-CN")
    with pytest.raises(LineError, match="twice"):
        await console.handle("/manage capacity seats:5 seats:6")  # one name: refused
    with pytest.raises(LineError, match="twice"):
        await console.handle("/manage capacity 座位数:5 seats:6")
    assert console.fake.calls == []


HUGE = "9" * 5000  # past Python's 4300 digits for int(str): ValueError, not a number


@pytest.mark.parametrize("line", [f"channel {HUGE}", f"log {HUGE}", f"click {HUGE}",
                                  f"choose {HUGE}", f"show {HUGE}"])
async def test_a_number_of_5000_digits_is_one_line(console, line):  # noqa: F811
    """`channel`, `log`, `click`, `choose` and `show` check that N is ASCII digits, then
    int(N): past 4300 digits that raises ValueError, which left `Console.run` and ended
    the sandbox with a traceback."""
    console.files = [("a.csv", b"a,b\n")]
    menu = {"type": 3, "custom_id": "m", "options": [{"label": "x", "value": "x"}]}
    button = {"type": 2, "custom_id": "b", "label": "Join"}
    message = {"id": "1", "channel_id": "1", "guild_id": "1",
               "components": [{"type": 1, "components": [button]},
                              {"type": 1, "components": [menu]}]}
    console.buttons = (message, "", message["components"])  # as shown: unchanged since
    if line.startswith("log"):
        console.bot.output = lambda: "a line\n"
    with pytest.raises(LineError) as caught:
        await console.handle(line)
    assert "\n" not in str(caught.value)


def test_a_symlink_loop_as_the_sandbox_database_is_one_line(tmp_path):
    """`--database` naming a symlink loop: Path.resolve() raises RuntimeError ("Symlink
    loop from ..."), which `sandbox_database` does not catch: a traceback, exit status 1,
    where every other unusable --database is one line and exit status 2."""
    import subprocess
    import sys

    from tests.unit.test_sandbox_console import cli_env

    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    proc = subprocess.run([sys.executable, "-m", "sandbox", "--database", str(tmp_path / "a")],
                          cwd=tmp_path, env=cli_env(tmp_path), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
