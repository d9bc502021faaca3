"""Progress of long command-line work (a migration, a folder import): a bar when a person
watches it in a terminal, nothing when the output goes to a script, a file or CI."""

from __future__ import annotations

import codecs
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

# A command started with its standard output closed (`>&-`, a service manager's closed
# descriptor), where Python drops whatever is printed.
OUTPUT_CLOSED = ("the output is closed (no standard output, file descriptor 1): send it to "
                 "a terminal, a file or a pipe (>/dev/null to throw it away)")


def escape_what_output_cannot_encode() -> None:
    """Have stdout and stderr write what their encoding cannot hold as backslash escapes
    (stderr's own default), not raise: a Chinese title on a Latin-1 terminal, or in output
    redirected to a file on Windows (cp1252), ended a listing in a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def data_in_utf8() -> None:
    """Have stdout write UTF-8 when it goes to a file or a pipe: CSV or JSON there is data
    for another program, which reads it as UTF-8 (JSON must be, RFC 8259). In a locale of
    another encoding (C without Python's UTF-8 mode, Latin-1) each Chinese name of the
    attendees' CSV was a `\\u` escape, and each Latin-1 letter of the JSON its Latin-1
    byte, which no JSON parser takes. At a terminal, a person reads it in its encoding."""
    stream = sys.stdout
    if (isinstance(stream, io.TextIOWrapper) and not stream.isatty()
            and codecs.lookup(stream.encoding).name != "utf-8"):
        # (its errors kept: given an encoding alone, `reconfigure` makes them strict, and a
        # file named on the command line in another encoding, a lone surrogate in parse
        # --json's "file", ended in a traceback where a UTF-8 locale writes it escaped)
        stream.reconfigure(encoding="utf-8", errors=stream.errors)


class Progress(Protocol):
    def begin(self, total: int) -> None:
        """The number of steps the work takes, once it is known."""
        ...

    def advance(self, steps: int = 1) -> None: ...


class Silent:
    """Progress nobody watches: the default of the work that reports it."""

    def begin(self, total: int) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


SILENT = Silent()


def watched() -> bool:
    """Both output streams are a terminal: someone is watching, and no script or log file
    reads either (a bar redraws its line with control characters)."""
    return sys.stdout.isatty() and sys.stderr.isatty()


class _Bar:
    def __init__(self, bar: RichProgress, task: TaskID) -> None:
        self._bar, self._task = bar, task

    def begin(self, total: int) -> None:
        self._bar.update(self._task, total=total)

    def advance(self, steps: int = 1) -> None:
        self._bar.advance(self._task, steps)


@contextmanager
def terminal_progress(label: str) -> Iterator[Progress]:
    """A progress bar on stderr labelled `label`, removed when the work ends (the results
    are printed after it); SILENT when nobody watches (`watched`)."""
    if not watched():
        yield SILENT
        return
    from rich.console import Console  # only the command line draws bars
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True),
                  transient=True) as bar:
        yield _Bar(bar, bar.add_task(label, total=None))
