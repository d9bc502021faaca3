"""The bot's log: one record a line, whatever text the record carries."""

from __future__ import annotations

import io
import logging

from bot.errors import DatabaseBusy, DatabaseUnwritable
from bot.logs import FORMAT, MESSAGE_CHARS, TRACEBACK_CHARS, LogFormatter, RetryLog

FORGED = "2026-01-01 00:00:00,000 ERROR   bot: all data deleted"
HOSTILE = f"x\n{FORGED}\r\x1b[2J\u2028\u2029\x85\u202eok"


def logged(emit, secrets=()) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(LogFormatter(FORMAT, secrets))
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
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


TOKEN = "1578454053854117889.6ItE6hbuEc_XZj4tXKY5Qw"


def test_tokens_and_secrets_are_hidden_in_messages_and_tracebacks():
    bot_token, password = "MTA5ODc2NTQzMjEwOTg3NjU0.GabcDe.s3cret", "pa55word"

    def emit(log: logging.Logger) -> None:
        log.debug("Webhook ID 1 with POST http://127.0.0.1:1/api/v10/interactions/15/%s/"
                  "callback?with_response=1 has returned status code 200", TOKEN)
        log.debug("POST https://discord.com/api/v10/webhooks/99/%s?wait=1 returned", TOKEN)
        log.debug("For Shard ID 0: WebSocket Event: %r", {"t": "INTERACTION_CREATE", "d": {
            "id": "15", "token": TOKEN}})
        log.debug('{"token": "%s", "type": 2}', TOKEN)
        try:
            raise ConnectionError(f"Bot {bot_token} postgresql://bot:{password}@db/ev")
        except ConnectionError:
            log.exception("could not connect with %s", bot_token)

    text = logged(emit, secrets=(bot_token, password, "ID", None))
    for secret in (TOKEN, bot_token, password, "6ItE6h", "GabcDe"):
        assert secret not in text, (secret, text)
    assert "/interactions/15/(hidden)/callback?with_response=1" in text
    assert "/webhooks/99/(hidden)?wait=1" in text
    assert "'token': '(hidden)'" in text and '"token": "(hidden)"' in text
    assert "ConnectionError: Bot (hidden) postgresql://bot:(hidden)@db/ev" in text
    assert "could not connect with (hidden)" in text
    assert "Webhook ID 1" in text  # a secret of two letters would hide them all over the log


def test_a_token_where_a_long_message_is_clipped_is_hidden_whole():
    long = "e" * (MESSAGE_CHARS - 30)
    text = logged(lambda log: log.warning("%s /webhooks/9/%s?wait=1 %s", long, TOKEN,
                                          "f" * 5_000_000))
    assert "6ItE6h" not in text and "/webhooks/9/(hidden)" in text
    assert len(text) < MESSAGE_CHARS + 200 and "characters in all)" in text


def test_a_secret_the_search_cuts_through_is_not_shown_where_hiding_shortened_the_start():
    """Secrets hidden near the start of a long message shorten it, so that what is shown
    reaches the place where the search for secrets stopped: a secret cut there is not
    shown in part: the search goes on, and hides it whole."""
    bot_token = "MTA5ODc2NTQzMjEwOTg3NjU0.GabcDe.s3cretS3CRETs3cretS3CRETs3cretS3CRETs3cr"
    start = f"{bot_token} " * 20
    searched = MESSAGE_CHARS + 1000  # as far as the formatter looks for secrets
    pad = "e" * (searched - len(start) - len(bot_token) // 2)
    text = logged(lambda log: log.warning("%s%s%s%s", start, pad, bot_token, "f" * 10_000),
                  secrets=(bot_token,))
    assert bot_token[: len(bot_token) // 2] not in text
    assert "GabcDe" not in text and text.count("(hidden)") == 21  # the cut one, whole
    assert len(text) < MESSAGE_CHARS + 200 and "characters in all)" in text


def test_a_known_state_logged_with_its_exception_is_one_line_with_its_reason():
    """A background task's retries while the disk is full (or the database busy) log the
    reason on the record's line, not a traceback each time; a defect keeps its traceback."""
    def emit(log):
        for error in (DatabaseUnwritable(), ValueError("a defect")):
            try:
                raise error
            except Exception:
                log.exception("delivering notices failed; retrying shortly")
    lines = logged(emit).splitlines()
    assert lines[0].endswith("delivering notices failed; retrying shortly (the bot can't save "
                             "anything right now (its disk may be full or failing); nothing "
                             "was changed. Try again later)")
    assert lines[1].endswith("delivering notices failed; retrying shortly")
    assert "Traceback" in lines[2] and "ValueError: a defect" in lines[-1]


def test_a_retrying_loop_says_a_known_state_once_while_it_lasts():
    """A notice lane retries every 5 s: while the disk stays full it says so once (and
    again an hour later), a new state or a recurrence after a success again, and a defect
    every time with its traceback."""
    def emit(log):
        failures = RetryLog(log)
        for error in (DatabaseUnwritable(), DatabaseUnwritable(), DatabaseBusy(),
                      DatabaseBusy(), ValueError("a defect"), ValueError("a defect")):
            failures.failed(error, "delivering %s notices failed", "DM")
        failures.succeeded()
        failures.failed(DatabaseBusy(), "delivering %s notices failed", "DM")
        hourly = RetryLog(log, again=0.0)
        for _ in range(2):
            hourly.failed(DatabaseBusy(), "the reminder scheduler failed")
    records = [line for line in logged(emit).splitlines() if not line.startswith(" ")]
    assert [line.split(": ", 1)[1] for line in records] == [
        f"delivering DM notices failed ({DatabaseUnwritable()})",
        f"delivering DM notices failed ({DatabaseBusy()})",
        "delivering DM notices failed", "delivering DM notices failed",
        f"delivering DM notices failed ({DatabaseBusy()})",
        f"the reminder scheduler failed ({DatabaseBusy()})",
        f"the reminder scheduler failed ({DatabaseBusy()})"]


def test_a_retrying_loop_warns_of_a_known_state_and_errs_on_a_defect():
    """The database busy or away is the store's to explain, and the loop tries again: a
    warning, which an operator alerting on errors is not paged for every outage by; a
    defect is an error."""
    def emit(log):
        failures = RetryLog(log)
        failures.failed(DatabaseBusy(), "delivering %s notices failed", "DM")
        failures.failed(ValueError("a defect"), "delivering %s notices failed", "DM")
    records = [line for line in logged(emit).splitlines() if not line.startswith(" ")]
    assert [line.split()[2] for line in records] == ["WARNING", "ERROR"], records


def test_a_known_state_coming_back_after_a_defect_is_said_again():
    """Busy, then a defect, then busy again: the log reads busy, the defect, busy, not a
    defect that seems to have ended the loop's trouble."""
    def emit(log):
        failures = RetryLog(log)
        for error in (DatabaseBusy(), ValueError("a defect"), DatabaseBusy(), DatabaseBusy()):
            failures.failed(error, "delivering %s notices failed", "DM")
    records = [line for line in logged(emit).splitlines() if not line.startswith(" ")]
    assert [line.split(": ", 1)[1] for line in records] == [
        f"delivering DM notices failed ({DatabaseBusy()})", "delivering DM notices failed",
        f"delivering DM notices failed ({DatabaseBusy()})"]


def test_a_short_database_password_in_a_url_is_hidden_as_a_long_one():
    """A secret of fewer than SHORTEST_SECRET characters is not hidden wherever it occurs
    (it would cut up every line); inside a URL it is all the same, whatever its length: as
    the user's part of the address, and as a password= option."""
    def emit(log: logging.Logger) -> None:
        try:
            raise ConnectionError("could not reach postgresql://bot:pw@db:5432/ev and "
                                  "postgres://:x@db/ev, nor postgresql://bot@db/ev?sslmode="
                                  "require&password=p@w")
        except ConnectionError:
            log.exception("gave up on postgresql://bot:p@w@db/ev (password pw)")

    text = logged(emit, secrets=("pw", "x", "p@w"))
    assert "gave up on postgresql://bot:(hidden)@db/ev (password pw)" in text, text
    assert ("could not reach postgresql://bot:(hidden)@db:5432/ev and postgres://:(hidden)"
            "@db/ev, nor postgresql://bot@db/ev?sslmode=require&password=(hidden)") in text
    assert ":pw@" not in text and ":x@" not in text and "p@w" not in text
    alone = logged(lambda log: log.warning("no postgresql://db/ev?PassWord=zz"), secrets=("zz",))
    assert "no postgresql://db/ev?PassWord=(hidden)" in alone, alone  # any case of the name
