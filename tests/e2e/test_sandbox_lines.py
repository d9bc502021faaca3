"""`python -m sandbox` as a person meets it: what is typed (or piped) gets one line and
the console goes on, with no traceback."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.e2e.test_sandbox import SAMPLE_TITLE, after, run_sandbox, sandbox_env


@pytest.mark.parametrize("line", ["/manage import page:a\0b.txt",
                                  "/manage import page:~nosuchuser_zz9/a.txt",
                                  "channel " + "9" * 5000],
                         ids=["nul-in-path", "unknown-tilde-user", "5000-digit-count"])
def test_a_bad_line_is_one_line_and_the_console_goes_on(tmp_path, line):
    """`/manage import page:` with a NUL in the path (ValueError from open()) or an unknown
    ~user (RuntimeError from expanduser()), `channel N` with N of 5000 digits (ValueError
    from int()): the sandbox ended in a traceback."""
    proc = run_sandbox(tmp_path, ["as moderator", line, "/event info", "quit"], "--fresh")
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr[-3000:]
    echoed = line.replace("\0", "\ufffd")  # the transcript marks the NUL
    assert after(proc.stdout, f"moderator> {echoed}\n").startswith("  ! ")
    assert SAMPLE_TITLE in after(proc.stdout, "moderator> /event info\n")


def test_a_line_that_is_not_utf8_at_a_terminal_is_one_line_and_the_console_goes_on(tmp_path):
    """At a terminal (UTF-8 locale) a line with a byte that is not UTF-8 (a Latin-1 "é"
    pasted) made input() raise UnicodeDecodeError, which the reader takes for the end of
    the input: the sandbox quit, and the lines typed after it were never read."""
    leader, follower = pty.openpty()
    # stdin as in an en_US.UTF-8 (not C.UTF-8) locale: UTF-8, strict; this machine has
    # no such locale, so it is set as Python would set it there
    env = {**sandbox_env(tmp_path), "PYTHONIOENCODING": "utf-8:strict"}
    env.pop("PYTHONUTF8", None)
    try:
        os.write(leader, b"/event info event:caf\xe9\n/event info\nquit\n")
        proc = subprocess.run([sys.executable, "-m", "sandbox", "--database",
                               str(tmp_path / "s.sqlite3")], cwd=tmp_path, env=env,
                              stdin=follower, capture_output=True, timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert SAMPLE_TITLE in out, out[-2000:]  # the line after the bad one was run
