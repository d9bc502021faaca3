"""The dates an event may have: one rule, checked wherever a time comes in. Pure.

Python's datetimes stop at years 1 and 9999, so a time near either end overflows as
soon as the bot does arithmetic with it (converting it to UTC, adding the default
length of a Discord event). Real events fall well inside the years allowed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from bot.errors import InvalidValue
from bot.i18n import N_, Text

EARLIEST_YEAR = 2000
LATEST_YEAR = 2100
_EARLIEST = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC)
_AFTER_LATEST = datetime(LATEST_YEAR + 1, 1, 1, tzinfo=UTC)
# Reminders before an event, in minutes, where a server set none: a day and an hour
# before (also the column default of schema migration 2).
DEFAULT_REMINDER_MINUTES = (1440, 60)
MAX_REMINDER_MINUTES = 10_080  # a week: the longest reminder offset a server may set


# Here, not beside the reading of dates (bot.when), so that what only holds an event
# (bot.models, the command line's listings) does not compile the date reader's patterns.
@dataclass(frozen=True, slots=True)
class When:
    """An event's times as read: all None when nothing could be; `note` says what the
    moderator should know (a reading taken among several, a missing year), `end_note` why
    an end the page wrote was left unset (no time of day: "18:00-25:00"; no day of the
    calendar: "…/2026-06-31T20:00Z"; not after the start: "6:00 PM - 6:00 PM")."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    all_day: bool = False
    note: Text | None = None
    end_note: Text | None = None
    # the zone a typed time named ("6pm EST"): an end typed with no zone of its own is read
    # in it, not in the server's; a page's, the zone its text gave its times in
    zone: tzinfo | None = None

    @property
    def as_end(self) -> datetime | None:
        """The moment this time, typed as an event's end, stands for: a date typed as an
        end ends with its day."""
        return self.ends_at if self.all_day else self.starts_at


def timestamp(when: datetime, style: str = "F") -> str:
    """A Discord timestamp (plain text in a message): every client shows it in the reader's
    own timezone."""
    return f"<t:{int(when.timestamp())}:{style}>"


def calendar_problem(value: datetime) -> str | None:
    """Why an event cannot be at `value` (a timezone-aware time), or None: an English
    clause for the CLI's messages (the bot's replies use `saved_times_problem` or their
    own whole sentences).

    Compares without converting, so even year 1 or 9999 with an offset is judged safely.
    """
    if _EARLIEST <= value < _AFTER_LATEST:
        return None
    return f"is not between the years {EARLIEST_YEAR} and {LATEST_YEAR}"


def saved_times_problem(starts_at: datetime | None, ends_at: datetime | None) -> Text | None:
    """Why an event's saved times cannot be used (saved before the bot checked), or None:
    a whole clause, translated where it is shown."""
    if starts_at is not None and calendar_problem(starts_at):
        return Text(N_("its start is not between the years {earliest} and {latest}"),
                    earliest=EARLIEST_YEAR, latest=LATEST_YEAR)
    # An end is a moment up to the midnight that ends the last year: an all-day event on
    # its last day ends then (its end is the midnight after its last day).
    if ends_at is not None and not _EARLIEST < ends_at <= _AFTER_LATEST:
        return Text(N_("its end is not between the years {earliest} and {latest}"),
                    earliest=EARLIEST_YEAR, latest=LATEST_YEAR)
    return None


def check_saved_span(starts_at: datetime | None, ends_at: datetime | None,
                     all_day: bool = False) -> None:
    """The times an import leaves an event with, once its given end (an event.toml's
    `ends_at`, an `ends_at` option) has met the start the event has or the page gives:
    that end needs a start, and comes after it; an all-day event's is a date (a midnight
    UTC, as stored), since its day begins at the server's midnight: a time of day could
    end it before it began. InvalidValue if not."""
    if ends_at is None:
        return
    if starts_at is None:
        raise InvalidValue(N_("an end needs a start, and the event has none yet"))
    if all_day and int(ends_at.timestamp()) % 86_400:
        raise InvalidValue(N_("an all-day event ends with a date, not at a time of day; type "
                              "a date for the end, or give the start a time too"))
    if ends_at <= starts_at:
        raise InvalidValue(N_("the end ({end}) must come after the start ({start})"),
                           end=ends_at.isoformat(), start=starts_at.isoformat())
