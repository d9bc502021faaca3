"""Ctrl-C while a command starts: held until the command can end quietly on it.

Python takes about a second to import the bot and the sandbox. A KeyboardInterrupt
raised inside an import printed that import's traceback, and one raised inside one of
importlib's callbacks was lost ("Exception ignored"). So the entry points block SIGINT
while they import and unblock it after, where a Ctrl-C held meanwhile is raised and
ends the command with status 130. A blocked signal also stays pending across an exec,
as `python -m bot sandbox` becomes `python -m sandbox`. Signal masks are POSIX's:
elsewhere both calls do nothing.
"""

from __future__ import annotations

import signal

_MASKS = hasattr(signal, "pthread_sigmask")


def hold_ctrl_c() -> None:
    """Block SIGINT: a Ctrl-C from now on waits for `take_ctrl_c`."""
    if _MASKS:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def take_ctrl_c() -> None:
    """Unblock SIGINT: a Ctrl-C held meanwhile is raised here, as KeyboardInterrupt."""
    if _MASKS:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
