"""The bot's log: one record a line, whatever text the record carries."""

from __future__ import annotations

import io
import logging

from bot.logs import FORMAT, MESSAGE_CHARS, TRACEBACK_CHARS, LogFormatter

FORGED = "2026-01-01 00:00:00,000 ERROR   bot: all data deleted"
HOSTILE = f"x\n{FORGED}\r\x1b[2J\u2028\u2029\x85\u202eok"


def logged(emit) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(LogFormatter(FORMAT))
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_a_message_stays_one_line_with_its_controls_escaped():
    text = logged(lambda log: log.warning("member %s typed %s", HOSTILE, "ok"))
    assert text.count("\n") == 1
    assert "x\\n2026-01-01" in text and "\\x1b[2J\\u2028\\u2029\\x85\\u202eok typed ok" in text
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text


def test_a_long_message_is_clipped_saying_so():
    text = logged(lambda log: log.warning("said %s", "y" * 3_000_000))
    assert len(text) < MESSAGE_CHARS + 100
    assert text.rstrip("\n").endswith("(clipped: 3000005 characters in all)")


def test_a_traceback_is_indented_and_its_message_cannot_start_a_record():
    def emit(log: logging.Logger) -> None:
        try:
            raise ValueError(HOSTILE + "z" * 1_000_000)
        except ValueError:
            log.exception("unexpected error in %s", "rsvp join")

    text = logged(emit)
    first, *rest = text.rstrip("\n").split("\n")
    assert first.endswith("ERROR   tests.logs: unexpected error in rsvp join")
    assert rest and all(line == "" or line.startswith("    ") for line in rest), rest
    assert "    Traceback (most recent call last):" in rest
    assert not any(line.startswith(FORGED) for line in rest)
    assert "\x1b" not in text and "\u2028" not in text and "\u202e" not in text
    assert len(text) < TRACEBACK_CHARS + 2 * MESSAGE_CHARS
    assert "ValueError: x" in text  # the error's own line is kept
