"""Running a command as at a person's terminal: its stdout and stderr on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import time


def run_in_terminal(args: list[str], *, env: dict[str, str], cwd: str | os.PathLike[str],
                    timeout: float = 120) -> tuple[int, str]:
    """Run `args` with stdout and stderr on one pseudo-terminal; its exit status and all it
    wrote there (control sequences included)."""
    main, child = pty.openpty()
    try:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=child, stderr=child,
                                env={**env, "TERM": "xterm", "COLUMNS": "120"}, cwd=cwd)
    finally:
        os.close(child)
    written = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                data = os.read(main, 65536)
            except OSError:  # EIO: every holder of the terminal's other end has closed it
                break
            if not data:
                break
            written += data
        return proc.wait(timeout=max(deadline - time.monotonic(), 1)), written.decode(
            "utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)


def terminal_signals() -> None:
    """In a child before it runs Python: Ctrl-C and SIGHUP at their defaults, as at a
    terminal. A suite started in the background (`cmd &` in a script ignores SIGINT) or
    under nohup (SIGHUP) passes that on to its commands, which then rightly leave the
    signal alone: a test that sends one would see it ignored."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
