"""The console on a terminal or a pipe: reading lines without blocking the event loop, tab
completion, and the terminal's settings kept across the session."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from bot.logs import shown
from sandbox.console.commands import Console
from sandbox.console.slash import fixed_choices

CONSOLE_WORDS = ("as ", "click ", "choose ", "channel", "dms", "help", "locale ", "log",
                 "quit", "show ", "submit ", "?event ", "?role", "?member")


def terminal_reader(loop: asyncio.AbstractEventLoop) -> Callable[[str], Any]:
    """`await read(prompt)`: a line typed on the terminal (None at EOF), read with input()
    (so readline edits it) on a daemon thread: the event loop keeps serving the bot, and
    Ctrl-C or quitting never waits for the thread. A byte the terminal's encoding does not
    read ends no session (input() raised, as at the end of input): it reaches the line
    as an escape, which the console shows marked."""
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="surrogateescape")

    def read(prompt: str) -> asyncio.Future[str | None]:
        future: asyncio.Future[str | None] = loop.create_future()

        def deliver(value: str | None) -> None:
            if not future.done():
                future.set_result(value)

        def work() -> None:
            try:
                value: str | None = input(prompt)
            except (EOFError, OSError, ValueError):
                value = None
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(deliver, value)

        threading.Thread(target=work, name="sandbox-input", daemon=True).start()
        return future

    return read


def pipe_reader(loop: asyncio.AbstractEventLoop) -> Callable[[str], Any]:
    """`await read(prompt)` for piped or redirected input: a daemon thread reads the raw
    file descriptor (no buffered-reader lock that would stop the interpreter from exiting
    while the thread waits) and queues the lines; None at EOF."""
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    async def read(prompt: str) -> str | None:
        print(prompt, end="", flush=True)
        return await lines.get()

    if sys.stdin is None:  # started with stdin closed (`<&-`): no input, as at its end
        lines.put_nowait(None)
        return read
    fd = sys.stdin.fileno()

    def put(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(lines.put_nowait, line)

    def work() -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            *complete, pending = (pending + chunk).split(b"\n")
            for line in complete:
                put(line.decode("utf-8", "replace").rstrip("\r"))
        if pending:
            put(pending.decode("utf-8", "replace").rstrip("\r"))
        put(None)

    threading.Thread(target=work, name="sandbox-input", daemon=True).start()
    return read


def enable_tab_completion(console: Console, loop: asyncio.AbstractEventLoop) -> None:
    """Tab completes commands, options and (asking the bot) event and speaker names."""
    try:
        import readline
    except ImportError:
        return
    labels: dict[str, str] = {}  # "event:3" -> "Spring Forum", shown beside the matches

    def ask(name: str, option: str, typed: str) -> list[dict[str, Any]]:
        return asyncio.run_coroutine_threadsafe(
            console.choices(name, option, typed), loop).result(timeout=5)

    matches: list[str] = []

    def complete(word: str, state: int) -> str | None:
        if state == 0:
            matches.clear()
            with contextlib.suppress(Exception):
                line = readline.get_line_buffer()[: readline.get_endidx()]
                matches.extend(candidates(console, line, word, labels, ask))
        return matches[state] if state < len(matches) else None

    def display(substitution: str, found: Sequence[str], longest: int) -> None:
        print()
        for match in found:
            label = labels.get(match.strip())
            print(shown(f"  {match.strip()}" + (f"  {label}" if label else "")))
        print(console.prompt + readline.get_line_buffer(), end="", flush=True)

    readline.set_completer_delims(" \t\n")
    readline.set_completer(complete)
    readline.set_completion_display_matches_hook(display)
    readline.parse_and_bind("tab: complete")



def save_tty() -> Any:
    try:
        import termios

        return termios.tcgetattr(sys.stdin.fileno())
    except (ImportError, OSError, ValueError):
        return None


def restore_tty(saved: Any) -> None:
    if saved is None:
        return
    with contextlib.suppress(ImportError, OSError, ValueError):
        import termios

        termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)


def candidates(console: Console, line: str, word: str, labels: dict[str, str],
               ask: Callable[[str, str, str], list[dict[str, Any]]]) -> list[str]:
    """What may replace `word`, the word before the cursor; `line` ends with it. `labels`
    gets what to show beside a choice; `ask(command, option, typed)` asks the bot for an
    option's choices."""
    before = line[: len(line) - len(word)].split()
    leaves = console._leaves()
    # Commands, sub-commands and options are offered as the typer's client names them
    # (the help lists them so: "/管理 名额" in zh-CN); typed by either name, as the console
    # takes them.
    if not before:
        if word.startswith("/"):
            return sorted({f"/{leaf['_shown'][0]} " for n, leaf in leaves.items()
                           if f"/{n}".startswith(word)
                           or f"/{' '.join(leaf['_shown'])}".startswith(word)})
        return [w for w in CONSOLE_WORDS if w.startswith(word)]
    if before[0] == "as":
        return [f"{p} " for p in dict.fromkeys(["member", *console.people])
                if p.startswith(word)]
    if not before[0].startswith("/"):
        return []
    path = [before[0][1:].lower()]
    for typed in before[1:]:
        if ":" in typed:
            break
        path.append(typed.lower())
    name = " ".join(console._registered_words(path))
    if name not in leaves:
        depth = len(path)
        return sorted({f"{leaf['_shown'][depth]} " for n, leaf in leaves.items()
                       if n.startswith(name + " ") and (n.split()[depth].startswith(word) or
                                                        leaf["_shown"][depth].startswith(word))})
    params = leaves[name].get("options", [])
    option, colon, typed_value = word.partition(":")
    if not colon:  # an option given already is not offered again, as in Discord
        given = {typed.split(":", 1)[0].lower() for typed in before if ":" in typed}
        return [f"{console.shown(p)}:" for p in params
                if (p["name"].startswith(word) or console.shown(p).startswith(word))
                and not given & {p["name"], console.shown(p)}]
    param = next((p for p in params if option in (p["name"], console.shown(p))), {})
    # a value begun with its quote (title:"Spring) is looked up without it; the match
    # replaces the whole word, quote and all
    typed_value = typed_value.lstrip("\"'")
    if param.get("type") in (6, 8, 9):  # the server's roles and people, as Discord lists
        found = [*(console.role_names(typed_value) if param["type"] != 6 else []),
                 *(console.member_names(typed_value) if param["type"] != 8 else [])]
        labels.clear()
        labels.update({f"{option}:{value}": note for value, note in found if note})
        return [f"{option}:{value} " for value, _ in found]
    if param.get("choices"):  # fixed ones, listed by the client itself
        choices = fixed_choices(param, typed_value)
    elif param.get("autocomplete"):
        choices = ask(name, param["name"], typed_value)
    else:
        return []
    labels.clear()
    labels.update({f"{option}:{c['value']}": c["name"] for c in choices})
    return [f"{option}:{c['value']} " for c in choices]
