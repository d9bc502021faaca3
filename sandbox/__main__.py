"""`python -m sandbox`: try the real bot in this terminal, on a local stand-in for Discord
(also `python -m bot sandbox`, and `make run` at a terminal without a token).

Like the bot's own command line, a failure is one line on stderr: exit status 2 for a
problem the user can fix (a setting, the database), 1 if the bot stopped or did not start.
"""

from __future__ import annotations

# Ctrl-C while Python imports the sandbox and the bot is held until the imports are done,
# then ends it as quietly as one later (`main`): see `bot.interrupts` (already held after
# `python -m bot sandbox`). The package itself imports nothing until asked.
try:
    from bot.interrupts import hold_ctrl_c, take_ctrl_c

    hold_ctrl_c()
    import argparse
    import asyncio
    import contextlib
    import logging
    import os
    import sys
    from pathlib import Path

    from bot.config import SANDBOX_DATABASE, SEPARATORS, ConfigError, load_settings
    from bot.progress import OUTPUT_CLOSED, escape_what_output_cannot_encode
    from sandbox.console.app import SandboxError, run_sandbox

    take_ctrl_c()
except KeyboardInterrupt:
    raise SystemExit(130) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sandbox", description="try the real bot in this "
                                     "terminal, on a local stand-in for Discord")
    parser.add_argument("--database", default=SANDBOX_DATABASE, metavar="PATH",
                        help=f"the sandbox's own database (default: {SANDBOX_DATABASE})")
    parser.add_argument("--fresh", action="store_true",
                        help="delete that database and the saved server first")
    return parser


def main(argv: list[str] | None = None) -> int:
    escape_what_output_cannot_encode()
    args = build_parser().parse_args(argv)
    if sys.stdout is None:  # a console with nowhere to show what it reads
        print(f"eventbot: {OUTPUT_CLOSED}", file=sys.stderr)
        return 2
    try:
        if args.database.endswith(SEPARATORS):  # pathlib would drop it, and make a file
            raise SandboxError(f"{args.database} names a folder; give --database a file name "
                               f"in it, e.g. {args.database}sandbox.sqlite3")
        settings = load_settings()
        logging.basicConfig(level="WARNING",
                            format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        return asyncio.run(run_sandbox(settings, Path(args.database), fresh=args.fresh))
    except (ConfigError, SandboxError) as exc:
        print(f"eventbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader stopped reading (`| head`): nothing to say
        with contextlib.suppress(OSError):  # and no second error as Python flushes at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a command ended by SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
