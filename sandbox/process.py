"""A bot process with its output captured: what the tests, the benchmarks and the sandbox
run against the local Discord."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence

_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


@contextlib.contextmanager
def hangup_as_from_a_terminal():
    """A bot started meanwhile has SIGHUP at its default, as one started from a terminal
    has, even when this process ignores it (run under `nohup`): the bot would inherit
    that, and keep running when its terminal closes, as it should only under `nohup`."""
    hangup = getattr(signal, "SIGHUP", None)
    if hangup is None or signal.getsignal(hangup) is not signal.SIG_IGN:
        yield
        return
    signal.signal(hangup, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(hangup, signal.SIG_IGN)


class BotProcess:
    """A bot running as a subprocess, its stdout and stderr captured to a temporary file.

    ``start()`` launches it; ``await stop()`` sends SIGINT (or the signal given; the bot
    stops cleanly on SIGINT and SIGTERM) and kills it if it has not exited within
    ``timeout``; ``kill()``
    is the synchronous last resort for ``finally`` blocks. ``output()`` is everything the
    bot printed, also after it stopped.
    """

    def __init__(
        self, cmd: Sequence[str], env: Mapping[str, str] | None = None, *, cwd: str | None = None
    ) -> None:
        self.cmd = list(cmd)
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.started: float | None = None  # time.monotonic() of start()
        self.stopped = False  # set by stop()/kill(): an exit is expected from then on
        self._log_path: str | None = None
        self._final_output: str | None = None

    def start(self) -> BotProcess:
        fd, self._log_path = tempfile.mkstemp(prefix="bot-", suffix=".log")
        self.started = time.monotonic()
        with os.fdopen(fd, "wb") as log, hangup_as_from_a_terminal():
            self.proc = subprocess.Popen(
                self.cmd, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    @property
    def returncode(self) -> int | None:
        """None while running (or before ``start()``)."""
        return None if self.proc is None else self.proc.poll()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        """What the bot printed so far, without colour codes (discord.py colours its logs
        when it thinks it runs in Docker)."""
        if self._final_output is not None:
            return self._final_output
        if self._log_path is None:
            return ""
        with open(self._log_path, "rb") as log:
            return _ANSI_COLOUR.sub("", log.read().decode("utf-8", "replace"))

    async def exited(self, timeout: float = 30.0) -> int | None:
        """Wait up to ``timeout`` s for the bot to end by itself: its exit code, None if it
        still runs."""
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.returncode

    async def stop(self, timeout: float = 5.0, signum: int = signal.SIGINT) -> int | None:
        """Signal the bot, wait up to ``timeout`` s, then kill it. Returns the exit code."""
        self.stopped = True
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(signum)
            deadline = time.monotonic() + timeout
            while self.proc.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        self.kill()
        return self.returncode

    def kill(self) -> None:
        """Kill the bot if it is still running (by its own pid) and keep its output."""
        self.stopped = True
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._log_path is not None and self._final_output is None:
            self._final_output = self.output()
            with contextlib.suppress(OSError):
                os.unlink(self._log_path)

    async def __aenter__(self) -> BotProcess:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def describe(self, tail: int = 4000) -> str:
        status = f"bot {self.cmd!r} (pid {self.pid}, exit code {self.returncode})"
        return f"{status}; output:\n{self.output()[-tail:]}"
