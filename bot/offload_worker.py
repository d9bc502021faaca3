"""The process of one `bot.offload.off_process` call, started with the bot's process id
as its argument: reads on stdin the bot's code fingerprint (a line) and the call,
pickled; makes it, and writes its outcome, pickled, on stdout: ("returned", result),
("raised", a UserError or MemoryError), ("failed", a traceback's text), or ("stale",
None) when the code on disk is not the code the bot runs
(changed since it started: the call is not made). Trusted input: only the bot starts it.

Imports nothing of the bot's but its errors and `code_fingerprint` before it has compared
the fingerprints: unpickling the call imports the function's module."""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import traceback

from bot.code_files import code_fingerprint

PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when its parent ends


def end_with_the_bot(bot_pid: int) -> None:
    """On Linux, have the kernel kill this process when the bot's ends: a bot killed with
    SIGKILL (the OOM killer, `kill -9`) cannot kill it, and it went on reading its page
    for nobody, up to the reader's 12 s. Elsewhere, or without prctl, it ends on its own."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != bot_pid:  # the bot ended before the kernel was asked
        os._exit(1)


def main() -> None:
    # (none given by a bot started before the argument was, still running after a deploy:
    # the code check below answers it "stale", which needs this process to get that far)
    if len(sys.argv) > 1:
        end_with_the_bot(int(sys.argv[1]))
    # A stop of the bot (Ctrl-C, the service's SIGTERM to its whole group, a closed
    # terminal's SIGHUP) is the bot's to carry out: it kills this if its call is given up.
    for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, signal.SIG_IGN)
    # The outcome goes out on a descriptor of its own: whatever the call writes to stdout,
    # from Python or from C, goes to stderr instead.
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    expected = sys.stdin.buffer.readline().strip().decode("ascii")
    if expected != code_fingerprint():
        outcome = pickle.dumps(("stale", None))
    else:
        from bot.errors import UserError  # (after the comparison: the code is the bot's)
        fn, args, kwargs = pickle.load(sys.stdin.buffer)
        try:
            outcome = pickle.dumps(("returned", fn(*args, **kwargs)),
                                   protocol=pickle.HIGHEST_PROTOCOL)
        except (UserError, MemoryError) as exc:  # the member's to act on; the machine's limit
            outcome = pickle.dumps(("raised", exc), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # (a result that does not pickle too)
            outcome = pickle.dumps(("failed", traceback.format_exc()),
                                   protocol=pickle.HIGHEST_PROTOCOL)
    answer.write(outcome)
    answer.flush()


if __name__ == "__main__":
    main()
