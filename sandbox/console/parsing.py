"""Reading a typed slash command: its words and its name:value options."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass, field


class LineError(Exception):
    """A console line that cannot be run; shown as one line, and the console goes on."""


# --------------------------------------------------------------------------- parsing

_NAME = r"[^\W\d][\w-]*"  # a letter (any script) or _ first: "reason", "撤销"
_OPTION_AT = re.compile(rf"({_NAME}):")
_NEXT_OPTION = re.compile(rf"\s({_NAME}):")


@dataclass(frozen=True)
class SlashLine:
    """A typed slash command: its words ("rsvp", "join") and its options as typed."""

    words: tuple[str, ...]
    options: dict[str, str] = field(default_factory=dict)


def parse_slash(line: str, names: Collection[str] | None = None) -> SlashLine:
    """`/manage import page:a.txt title:"Spring Forum" capacity:40` -> words and options.

    A value runs to the next ` name:` (so `reason:the room moved` works unquoted), or is
    quoted with " or '. Given the command's option `names`, only those end a value
    (`reason:note: bring ID` is one option), but a word one letter or so away from one of
    them and followed by a value, not a space (`evnt:2`), is refused as the typo it likely
    is, rather than read into the value before it; prose puts a space after its colons
    ("reasons: the room"). Options are kept as typed; `Console` types them by the schema.
    """
    text = line.strip()
    if not text.startswith("/"):
        raise LineError("a slash command starts with /, e.g. /event info")
    text = text[1:]
    first = re.search(rf"(?:^|\s){_NAME}:", text)
    head = text if first is None else text[: first.start()]
    words = tuple(word.lower() for word in head.split())
    if not words:
        raise LineError("type a command after the /, e.g. /event info (help lists them all)")
    options: dict[str, str] = {}
    pos = len(text) if first is None else first.start()
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        match = _OPTION_AT.match(text, pos)
        if match is None:
            raise LineError(f"expected name:value at {text[pos:]!r}")
        name, pos = match[1].lower(), match.end()
        if pos < len(text) and text[pos] in "\"'":
            quote = text[pos]
            end = text.find(quote, pos + 1)
            if end < 0:
                raise LineError(f"{name}: the {quote} is never closed")
            value, pos = text[pos + 1 : end], end + 1
            if pos < len(text) and not text[pos].isspace():
                raise LineError(f"{name}: put a space after the closing {quote}")
        else:
            nxt = _NEXT_OPTION.search(text, pos)
            while nxt is not None and names is not None and nxt[1].lower() not in names:
                if nxt.end() < len(text) and not text[nxt.end()].isspace():
                    _refuse_a_mistyped_name(nxt[1], names)
                nxt = _NEXT_OPTION.search(text, nxt.end())
            end = len(text) if nxt is None else nxt.start()
            value, pos = text[pos:end].strip(), end
            if not value:
                raise LineError(f"{name}: nothing follows the colon: type its value there")
        if name in options:
            raise LineError(f"{name} is given twice")
        options[name] = value
    return SlashLine(words, options)


def _refuse_a_mistyped_name(word: str, names: Collection[str]) -> None:
    """A `word:` inside a value that is close to one of the command's option names."""
    close = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.75)
    if close:
        raise LineError(f"{word}: is not an option here; did you mean {close[0]}:? (to keep "
                        f"'{word}:' in a value, put the value in quotes)")
