"""The process of one `bot.offload.off_process` call: reads the call, pickled, on stdin,
makes it, and writes its outcome, pickled, on stdout: ("returned", result), ("raised", a
UserError or MemoryError) or ("failed", a traceback's text). Trusted input: only the bot
starts it."""

from __future__ import annotations

import pickle
import signal
import sys
import traceback

from bot.errors import UserError


def main() -> None:
    # Ctrl-C reaches the whole process group: the bot decides, and kills this if need be.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answer = sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever the call prints must not mix with its outcome
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
