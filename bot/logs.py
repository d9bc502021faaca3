"""The bot's log as an operator reads it: one record a line, each line starting with its
time and level, whatever the text inside came from.

Log records carry text the bot does not choose: what an interaction's payload says, a
member's or Discord's words in an error, an exception's message. Written as it came, a
line break in it would start a made-up record, an escape sequence would clear the
operator's terminal or recolour what follows, a right-to-left override would reverse it,
and a megabyte of it would be a megabyte of log. The formatter here, installed once
where logging is configured, writes a message's control characters, Unicode line breaks
and bidi controls as Python escapes them ("\\n", "\\x1b", "\\u202e"), clips long messages,
and indents a traceback's lines, so that only a record's first line starts at the margin.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable

from bot.errors import Unavailable
from bot.i18n import CONTROL_CODES

# The longest message written whole, and the longest line of a traceback; what is beyond
# them is left out, saying how much.
MESSAGE_CHARS = 4000
TRACEBACK_CHARS = 20_000
# Besides the C0 and C1 controls: Unicode's line and paragraph separators, and the marks
# and overrides that change the direction of the text around them.
LINE_AND_BIDI_CODES = (0x2028, 0x2029, 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                 *range(0x2066, 0x206A))
_ESCAPES = {code: repr(chr(code))[1:-1] for code in (*CONTROL_CODES, *LINE_AND_BIDI_CODES)}
# The same characters in a listing or a page's text: marked (U+FFFD), or in JSON as
# JSON writes a character (its own escapes leave out DEL, the C1 controls and the rest).
_MARKED = {code: "\ufffd" for code in (*CONTROL_CODES, *LINE_AND_BIDI_CODES)}
_MARKED_IN_LINES = {code: mark for code, mark in _MARKED.items() if code != ord("\n")}
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in (*CONTROL_CODES, *LINE_AND_BIDI_CODES)}
INDENT = "    "
# An interaction's token is a credential for 15 minutes (to answer, edit or follow up as
# the bot); discord.py's debug lines show it in the URLs it calls and the events it gets.
_TOKEN_IN_URL = re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/?#\s'\"]+")
_TOKEN_FIELD = re.compile(r"""(['"]token['"]\s*:\s*['"])[^'"]+""")
# A password inside a URL, hidden whatever its length (a secret found anywhere in the text
# is hidden only from SHORTEST_SECRET characters on): the part between "user:" and the
# host's "@" (the last one before the path, as a URL is read), and a "password=" option.
# Every piece bounded or stopped by a "/" (each "://" has one): linear in the text.
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{0,30}://[^\s/?#@:]*:)[^\s/?#]*(?=@)")
_PASSWORD_OPTION = re.compile(r"([?&]password=)[^&#\s'\"]*", re.IGNORECASE)
HIDDEN = "(hidden)"
SHORTEST_SECRET = 4
TOKEN_CHARS = 1000  # longer than any token or secret
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def one_line(text: str, limit: int = MESSAGE_CHARS, *, total: int | None = None) -> str:
    """`text` on one line of at most about `limit` characters, its controls escaped;
    `total`: the length of the whole of which `text` is the start."""
    total = len(text) if total is None else total
    escaped = text[:limit].translate(_ESCAPES)
    if total <= limit and len(escaped) <= limit:
        return escaped
    return f"{escaped[:limit]}… (clipped: {total} characters in all)"


def error_line(error: BaseException) -> str:
    """An expected error (a connection to Discord failed) as a warning says it: its type
    and message on one line."""
    return " ".join(f"{type(error).__name__}: {error}".split()).rstrip(": ")


def shown(text: str, *, lines: bool = False) -> str:
    """Text the bot did not write (a title, a member's name, a page's lines) as it is shown
    at an operator's terminal, on the command line and in the sandbox: its control
    characters, line separators and bidi controls marked (\ufffd) rather than obeyed. An
    escape sequence would clear the screen, retitle the window, make a link or write the
    clipboard, a backspace or carriage return overwrite what is before it, a right-to-left
    override reverse the rest of its row, a line separator or a tab make one field two.
    `lines`: the text's own line breaks ("\\n") are kept, for text of several lines."""
    return text.translate(_MARKED_IN_LINES if lines else _MARKED)


def shown_json(text: str) -> str:
    """JSON text (`json.dumps(..., ensure_ascii=False)`) as `shown` shows text: the same
    characters written as JSON escapes ("\\u009b"), which read back as they were."""
    return text.translate(_JSON_ESCAPES)


def _block(text: str) -> str:
    """A traceback (or a stack) under its record: each line indented, escaped and clipped,
    the whole at most TRACEBACK_CHARS, keeping its end (where the error is)."""
    lines = [INDENT + one_line(line) if line else "" for line in text.split("\n")]
    block = "\n".join(lines)
    if len(block) > TRACEBACK_CHARS:
        cut = block.find("\n", len(block) - TRACEBACK_CHARS)
        block = (f"{INDENT}… ({len(block) - TRACEBACK_CHARS} characters of the traceback "
                 f"left out)\n{block[cut + 1:] if cut >= 0 else block[-TRACEBACK_CHARS:]}")
    return block


def url_passwords_hidden(text: str) -> str:
    """`text` with the password of every URL in it shown as HIDDEN, however short."""
    if "://" in text:
        text = _URL_PASSWORD.sub(rf"\1{HIDDEN}", text)
    if "=" in text and "password=" in text.lower():  # (an option's name in any case)
        text = _PASSWORD_OPTION.sub(rf"\1{HIDDEN}", text)
    return text


class LogFormatter(logging.Formatter):
    """One record: its first line at the margin, the rest (a traceback) indented; tokens
    and `secrets` (the bot's token, the database's password) shown as HIDDEN. The
    traceback is formatted here each time, not taken from `exc_text`, where another
    handler's formatter may have left it as Python writes it."""

    def __init__(self, fmt: str = FORMAT, secrets: Iterable[str | None] = ()) -> None:
        super().__init__(fmt)
        # The longest first, so that one inside another is hidden whole. One of a few
        # characters would hide parts of every line, and show itself by doing so.
        self.secrets = sorted({s for s in secrets if s and len(s) >= SHORTEST_SECRET},
                              key=len, reverse=True)

    def hidden(self, text: str) -> str:
        """`text` without interaction tokens and without the secrets."""
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        text = url_passwords_hidden(text)
        if "token" in text:
            text = _TOKEN_FIELD.sub(rf"\1{HIDDEN}", text)
        return _TOKEN_IN_URL.sub(rf"\1{HIDDEN}", text)

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        # Only what is shown is searched for tokens: the message's start, and enough beyond
        # it that a token the clip cuts through is hidden whole.
        # Secrets hidden shorten the text, bringing the place where the search stopped (and
        # the start of a secret cut there) nearer: the search goes on until that place is
        # again at least TOKEN_CHARS past what is shown.
        searched = MESSAGE_CHARS + TOKEN_CHARS
        shown = self.hidden(message[:searched])
        while len(message) > searched and len(shown) < MESSAGE_CHARS + TOKEN_CHARS:
            searched *= 2
            shown = self.hidden(message[:searched])
        record.message = one_line(shown, total=len(shown) + max(len(message) - searched, 0))
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info and isinstance(record.exc_info[1], Unavailable):
            # A state the bot knows (the database busy, its disk full, a stop under way),
            # said where it began: a background task's every retry adds its reason, not a
            # traceback.
            text += f" ({one_line(self.hidden(str(record.exc_info[1])))})"
        elif record.exc_info:
            text += "\n" + _block(self.hidden(self.formatException(record.exc_info)))
        elif record.exc_text:
            text += "\n" + _block(self.hidden(record.exc_text))
        if record.stack_info:
            text += "\n" + _block(self.hidden(self.formatStack(record.stack_info)))
        return text


def configure_logging(level: str, secrets: Iterable[str | None] = ()) -> None:
    """Log to stderr at `level`, through LogFormatter (hiding `secrets`); discord.http at
    WARNING at most."""
    handler = logging.StreamHandler()
    handler.setFormatter(LogFormatter(FORMAT, secrets))
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("discord.http").setLevel(logging.WARNING)


class RetryLog:
    """What a background loop that retries says of its failures: a defect each time, with
    its traceback; a known state (`Unavailable`: the database busy, its disk full, its file
    gone) once, then only when it changes (a defect between is a change) or `again` seconds
    later, so that a full disk lasting hours is a line an hour, not one per retry (every
    5 s per notice lane)."""

    def __init__(self, logger: logging.Logger, again: float = 3600.0) -> None:
        self.logger = logger
        self.again = again
        self._said: tuple[str, float] | None = None  # the state last said, and when

    def failed(self, error: BaseException, message: str, *args: object) -> None:
        if isinstance(error, Unavailable):
            now, said = time.monotonic(), self._said
            if said is not None and said[0] == str(error) and now - said[1] < self.again:
                return
            self._said = (str(error), now)
            # A warning: the state is the store's to explain (it said so where it began),
            # and the loop tries again; an error is a defect to look into.
            self.logger.warning(message, *args, exc_info=error)
            return
        self._said = None  # a defect between: the state that comes back after it is news again
        self.logger.error(message, *args, exc_info=error)

    def succeeded(self) -> None:
        """A round went through: the next failure is said again."""
        self._said = None


class Outage:
    """A failure that lasts while its cause does (a full disk, a damaged page, a failing
    disk): the log says once that it began, in each way it shows (`began`'s `kind`),
    however many requests it refuses meanwhile, and once that it ended (`ended`); begun
    again after that, it is said again. `lasting` is a plain attribute: the hot paths
    read it after every success."""

    __slots__ = ("_log", "_said", "lasting")

    def __init__(self, logger: logging.Logger) -> None:
        self._log = logger
        self._said: set[object] = set()  # the kinds said while it lasts
        self.lasting = False

    def began(self, kind: object, message: str, *args: object) -> None:
        if kind not in self._said:
            self._said.add(kind)
            self.lasting = True
            self._log.warning(message, *args, stacklevel=2)

    def ended(self, message: str, *args: object) -> None:
        if self.lasting:
            self.lasting = False
            self._said.clear()
            self._log.warning(message, *args, stacklevel=2)
