"""A time as a moderator types it ("friday 6pm", "Dec 1 18:00", "周五下午6点", ISO 8601), read
in the server's timezone. Pure (no I/O, no discord).

Apart from the page reader (`bot.when`), whose input is a fixed shape read with patterns
alone: what is typed is free text, read first by the bot's own readers for the forms they
know (English and Chinese days and clocks, "in 2 hours", numeric dates as the server's
country writes them, a zone at the end), then by `dateparser`, with a fast path for ISO
8601 (`is_iso`). Both readers give a `bot.when.When`; a date without a time of day is an
all-day event, kept as `bot.when` says.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from importlib import resources
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.characters import without_invisible
from bot.errors import InvalidValue
from bot.i18n import N_, Markup, Text
from bot.pages_zh import (
    DAY_TENS,
    NUMERAL,
    NUMERAL_CHARACTERS,
    NUMERAL_YEAR,
    PART_OF_DAY,
    fold,
    fold_dates,
    number,
)
from bot.times import EARLIEST_YEAR, LATEST_YEAR, calendar_problem, timestamp
from bot.when import (
    CLOCK,
    EN_WEEKDAYS,
    ISO_8601,
    MAX_RANGE_DAYS,
    MONTH,
    NAMED_TWELVE,
    NEXT_DAY_AFTER,
    NEXT_DAY_WORD,
    RANGES,
    WEEKDAY_ENDING,
    WEEKDAY_INDEX,
    WEEKDAY_STEM,
    When,
    end_of_day,
    hour_24h,
    hour_minute_24h,
    month_number,
    named_weekdays,
    read_clock,
    read_iso,
    runs_overnight,
)
from bot.zones import (
    OFFSET,
    ZONE_NAME,
    ZONES,
    clocks_skip,
    pick_reading,
    said_of_start,
    server_zone,
    zone_label,
    zone_name_of,
    zone_of_offset,
)

MAX_TYPED = 100  # characters of a typed time; dateparser's cost grows with its input
MAX_ZONE_SHOWN = 30  # characters of a zone no reading took, named in the refusal
# Typed forms the reader understands, listed in the reply's language.
TYPED_EXAMPLE = Text(N_('"friday 6pm", "Dec 1 18:00" or "2026-12-01 18:00"'))


_HOUR_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_TIME_OF_DAY = re.compile(r"\d\s*(?::|\.\d|am|pm|a\.m|p\.m|h(?:\d\d)?\b|点)|"
                          r"(?<![a-z])(?:noon|midnight|mid-?day)\b|"
                          rf"\b(?:{_HOUR_WORDS})\s*[ap]\.?m\b", re.I)
# What names a day in a date typed without a time ("friday", "Dec 10", "12/10", "the 7th",
# "明天", "周五", "12月10日"), where dateparser fills in what is not said from today and
# reads a lone number as a month: "at 7" was July, "December" today's day of December.
_MONTH_WORD = rf"\b{MONTH}(?![a-z])"
_DAY_NAMED = re.compile(
    rf"(?<!\d)\d{{1,2}}(?!\d)(?=.*{_MONTH_WORD})|{_MONTH_WORD}\s*(?<!\d)\d{{1,2}}(?!\d)|"
    r"(?<!\d)\d{1,2}\s*[-/.]\s*\d{1,2}(?!\d)|\d{1,2}(?:st|nd|rd|th)\b|"
    r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|"
    rf"\b(?:{WEEKDAY_STEM}){WEEKDAY_ENDING}(?![a-z])|"
    r"\b(?:today|tomorrow|tmrw|yesterday|tonight)\b|\b(?:days?|weeks?|fortnight)\b|"
    rf"(?:\d{{1,2}}|{NUMERAL})\s*[日号]|周[一二三四五六日天]|星期|礼拜|[今明后昨][天日晚早]",
    re.IGNORECASE)
# "in 2 hours", "in 1h30", "an hour from now", "2小时后", "半小时后": counted here, exactly
# (dateparser counts on the wall clock, an hour off across a change of the clocks)
_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
                "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90}
_COUNT = (r"half\s+an?|\d{1,5}(?:\.\d{1,3})?|"
          + "|".join(sorted(_COUNT_WORDS, key=len, reverse=True)))
_EN_AWAY = re.compile(
    rf"(?:(?P<in>in)\s+)?(?:(?P<hours>{_COUNT})\s*(?P<hour_unit>hours?|hrs?|h)"
    rf"(?:\s*(?:and\s+)?(?P<and_minutes>\d{{1,3}})\s*(?:minutes?|mins?|m)?)?|"
    rf"(?P<minutes>{_COUNT})\s*(?P<minute_unit>minutes?|mins?|m)|"
    rf"(?P<seconds>{_COUNT})\s*(?P<second_unit>seconds?|secs?|s))"
    r"(?P<from_now>\s+(?:from\s+now|later))?",
    re.I | re.ASCII)
_ZH_AWAY = re.compile(
    rf"(?:(?P<hours>\d{{1,4}}(?:\.\d{{1,3}})?|{NUMERAL})\s*个?\s*(?P<half>半)?\s*(?:小时|钟头)"
    rf"(?:\s*(?P<and_minutes>\d{{1,3}}|{NUMERAL})\s*分钟?)?|(?P<half_hour>半)\s*个?\s*(?:小时|钟头)|"
    rf"(?P<minutes>\d{{1,5}}|{NUMERAL})\s*分钟)\s*[以之]?后")


def _numeric(n: str) -> str:
    """A numeric date, its groups named with `n`: "5/12", "5/12/31", "5/12/2031"; with dots
    or dashes ("5.12.2031", "5-12-2031"), with its year. `_numeric_date` settles the order."""
    return (rf"(?P<first{n}>\d{{1,2}})/(?P<second{n}>\d{{1,2}})"
            rf"(?:/(?P<year{n}>\d{{4}}|\d{{2}}))?(?![\d/])|"
            rf"(?P<dot_first{n}>\d{{1,2}})(?P<mark{n}>[.\-])(?P<dot_second{n}>\d{{1,2}})"
            rf"(?P=mark{n})(?P<dot_year{n}>\d{{4}})")


def _numeric_parts(parts: Mapping[str, str | None]) -> tuple[int, int, str | None]:
    """The two numbers and the year (if any) of a `_numeric` match's groups (unsuffixed)."""
    dot = "dot_" if parts.get("dot_first") else ""
    return int(parts[f"{dot}first"] or 0), int(parts[f"{dot}second"] or 0), parts.get(f"{dot}year")


# A numeric date anywhere in a text
_NUMERIC_IN_TEXT = re.compile(rf"(?<![\d/.\-:])(?:{_numeric('')})(?![\d/.\-:])")
# "18h", "18 h 30" before dateparser, which reads them as the 18th
_H_CLOCK = re.compile(r"(?<![\d:])(\d{1,2})\s?h(?:\s?(\d{2}))?(?![\w:])", re.I | re.ASCII)
# A zone or offset in a text dateparser reads ("+08:00", "HKT"): its reading is converted to
# the server's zone, whose date need not be the one typed
_ZONE_LIKE = re.compile(r"(?<![\d\-])[+\-−]\d{1,2}(?::?\d{2})?(?![\d\-])|"
                        r"(?<![A-Za-z])(?!(?:AM|PM|NOON|MON|TUES?|WED|THU|THURS?|FRI|SAT|SUN|"
                        r"JAN|FEB|MAR|APR|MAY|JUNE?|JULY?|AUG|SEPT?|OCT|NOV|DEC|ON|AT|THE|OF|"
                        r"IN|ST|ND|RD|TH)(?![A-Za-z]))[A-Z]{2,5}(?![A-Za-z])")


def _time_away(text: str) -> timedelta | None:
    """How far ahead "in 2 hours" (and its kind, in English and Chinese) is; None when the
    text is not such a span. An hour with h alone ("18h") is a clock, not a span; "2 hours"
    alone is a span."""
    found = _EN_AWAY.fullmatch(text)
    if found is not None and (found["in"] or found["from_now"] or any(
            len(found[unit] or "") > 1 for unit in ("hour_unit", "minute_unit", "second_unit"))):
        return timedelta(hours=_count(found["hours"]),
                         minutes=_count(found["and_minutes"]) + _count(found["minutes"]),
                         seconds=_count(found["seconds"]))
    found = _ZH_AWAY.fullmatch(fold(text))
    if found is not None:
        half = 30 if found["half"] or found["half_hour"] else 0
        return timedelta(hours=_count(found["hours"]),
                         minutes=half + _count(found["and_minutes"]) + _count(found["minutes"]))
    return None


def _count(written: str | None) -> float:
    """A span's count: digits ("1.5"), English words ("two", "an", "half an"), Chinese ("两")."""
    if not written:
        return 0
    word = " ".join(written.lower().split())
    if word.startswith("half"):
        return 0.5
    if word in _COUNT_WORDS:
        return _COUNT_WORDS[word]
    return float(word) if word[0].isdigit() else number(written)


# The English parts of the day: the hour a clock beside them must be in
_EVENING_WORDS = "afternoon|evening|night|tonight"
_EN_EVENING = re.compile(rf"\b(?:{_EVENING_WORDS})\b", re.I)
_EN_MORNING = re.compile(r"\bmorning\b", re.I)
_TONIGHT_MIDNIGHT = re.compile(r"tonight\s+(?:at\s+)?midnight|(?:at\s+)?midnight\s+tonight",
                               re.I)
# A part of the day, or "now", which dateparser reads as the day alone ("tomorrow evening"
# was an all-day event)
_EN_HOURLESS = re.compile(rf"\b(?:morning|{_EVENING_WORDS}|(?<!from )now)\b", re.I)


def _part_of_day_unsaid(read: str, typed: str, value: datetime) -> bool:
    """A part of the day typed without its hour ("tomorrow evening"; which hour? as with
    明天晚上), or with a clock read in the other half ("tomorrow evening 7:30" as 07:30)."""
    if not has_time_of_day(read):
        return bool(_EN_HOURLESS.search(read))
    evening = _EN_EVENING.search(typed)
    if evening:  # ("midnight tonight" is the night's: read as such)
        # noon's hour is an afternoon's ("afternoon 12:30"), not an evening's
        after_noon = 12 if evening.group().lower() == "afternoon" else 13
        return value.hour < after_noon and not _TONIGHT_MIDNIGHT.fullmatch(typed)
    return bool(_EN_MORNING.search(typed)) and value.hour >= 12


# A number alone, whatever marks are around it ("(2)", "(+1)", "#3", "2027."): no moment
_BARE_NUMBER = re.compile(r"[^\w]*\d+[^\w]*")
# Two numbers joined by a dash or "to" ("6-8pm", "6pm - 8pm", "18:00-20:00", "18点至20点",
# "6-8"), which dateparser reads as a date ("6-8pm": June, at 8 PM); not a date's own
# dashes ("2026-12-10", "10-12-2026") nor an offset's sign ("…T18:00-05:00", "18:00
# -05:00"); looked for before a trailing zone ("6pm UTC-5")
_TWO_NUMBERS = re.compile(
    r"(?<![\d/.:\-Tt])\d{1,2}(?::\d\d)?\s*(?:[ap]\.?m\.?|点|h)?\s*"
    # (a dash with a space before it and none after is a sign, but before a clock's "pm")
    r"(?:(?<!\s)[-–—~～]|[-–—~～](?!\d)|[-–—~～](?=\d{1,2}(?::\d\d)?\s*[ap]\.?m)|"
    r"\bto\b|\buntil\b|至|到)\s*\d{1,2}(?::\d\d)?(?:\s*(?:[ap]\.?m\.?|点|h))?"
    r"(?![\d/.:\-])", re.I)
# ...of which two times ("6-8pm", "18:00-20:00", "6 to 8"): a start and an end in one field
_CLOCK_MARK = re.compile(r":|[ap]\.?m\.?|点|h|to|until|至|到", re.I)


def has_time_of_day(text: str) -> bool:
    return bool(_TIME_OF_DAY.search(text)) or "T" in text.strip()[8:11]


def parse_typed(text: str, zone_name: str | None, now: datetime, *,
                name: str | Text = "starts_at",
                after: datetime | None = None, after_all_day: bool = False,
                after_zone: tzinfo | None = None) -> When:
    """A time as a moderator types it, read in the server's zone: an aware datetime in that
    zone, or for a bare date an all-day date (midnight UTC). Raises InvalidValue, with an
    example, for anything that is not one moment between the years 2000 and 2100.

    Relative words ("friday", "tomorrow") count from `after` (default: now), and a time
    typed without a year must come after it; a time with its year spelled out may lie in
    the past (a recap's date). An end typed as a time of day alone is read as a page's end
    is (`bot.when.runs_overnight`), unless `after_all_day` (the start is a date, whose end
    is one too: the caller refuses a time of day). An end that names no zone of its own is
    read in `after_zone`, the zone its start was typed with ("Dec 10 6pm EST", then "8pm"),
    and the note says so where that is not the server's clock."""
    written = " ".join(without_invisible(text).split())  # as it shows: "\u200b" is empty
    if not written:
        raise InvalidValue(N_("{name} is empty; type a time such as {example}"),
                           name=name, example=TYPED_EXAMPLE)
    if len(written) > MAX_TYPED:
        raise InvalidValue(N_("{name} is longer than {most} characters; type a time such as "
                              "{example}"), name=name, most=MAX_TYPED, example=TYPED_EXAMPLE)
    zone = server_zone(zone_name)
    base = after or now
    value, typed = None, _Typed(None)
    # as the readers take it: full-width "６ｐｍ" as "6pm", no zero-width spaces
    plain = without_invisible(unicodedata.normalize("NFKC", written))
    cant_read = InvalidValue(N_("I can't read {name} {written!r} as a time; type e.g. {example}"),
                             name=name, written=written, example=TYPED_EXAMPLE)
    plain = _without_labels(plain)  # "6pm (local time)", "18:00 (start time)": no zone
    if not plain or _BARE_NUMBER.fullmatch(plain):  # "(TBD)"; "(2)", "(+1)", "31": no date
        raise cant_read  # (dateparser reads a month, a year or a day of it, with today's rest)
    plain, next_day = _next_day_said(plain)
    if not next_day and (zoned := _TRAILING_ZONE.search(fold(plain))) is not None:
        # "1am next day EST": the marker before the zone, read as it is without one
        before, next_day = _next_day_said(plain[:zoned.start()])
        plain = before + plain[zoned.start():] if next_day else plain
    folded = fold(plain)
    if any(pattern.search(folded) for pattern in RANGES):
        # a run of days in one field ("1-3 June 2026"), which dateparser reads as its first
        # day alone: its first day is typed as the start, its last as the end
        raise cant_read
    zoned = _TRAILING_ZONE.search(folded)
    if (pair := _TWO_NUMBERS.search(folded, 0, zoned.start() if zoned else len(folded))):
        if _CLOCK_MARK.search(pair[0]):
            raise InvalidValue(N_("{name} {written!r} holds two times; type the start and the "
                                  "end each in its own field, e.g. {example}"),
                               name=name, written=written, example=TYPED_EXAMPLE)
        raise cant_read  # "6-8": June 8, or August 6, or a range of hours
    settled = _typed_zone(plain, zone, base)
    if settled is not None and settled[0] is None:  # "6pm UTC+15"
        raise _zone_unread(name, written, settled[1])
    # an end with no zone of its own is in its start's ("Dec 10 6pm EST", then "8pm")
    in_start_zone = (settled is None and after is not None and after_zone is not None
                     and not after_all_day)
    if in_start_zone:
        settled = (after_zone, plain, None)
    month_first = _month_first(zone)  # numeric dates are written as the server's country does
    note = settled[2] if settled is not None else None
    if settled is None:
        value, typed = _reading(plain, zone, base, month_first=month_first)
    elif settled[0] is not None:  # "next friday 6pm CST": the rest read in that zone
        value, typed = _reading(settled[1], settled[0], base, month_first=month_first)
    read = typed.text
    if typed.readings:
        first, second = typed.readings
        raise InvalidValue(N_("{name} {written!r} could be {first} or {second}; type the month "
                              "as a word, e.g. {example}"), name=name, written=written,
                           first=first.isoformat(), second=second.isoformat(),
                           example=TYPED_EXAMPLE)
    if typed.wrong_day is not None:
        raise InvalidValue(N_("{name} {written!r} names a day of the week that {day} is not; "
                              "check the date, e.g. {example}"), name=name, written=written,
                           day=typed.wrong_day.isoformat(), example=TYPED_EXAMPLE)
    if read is None or value is None or _part_of_day_unsaid(read, plain, value):
        bracketed = _BRACKETED_ZONE.search(fold(plain))  # "時間" as "时间"
        if bracketed is not None and (settled is None or in_start_zone):  # "6pm (XYZ)"
            group = "zone" if bracketed["zone"] is not None else "lead"
            # as typed: fold keeps each character's place
            raise _zone_unread(name, written, plain[bracketed.start(group):bracketed.end(group)])
        raise cant_read
    if next_day:  # "次日凌晨1点", "1am next day": that clock on the day after the start's
        if after is None:
            raise InvalidValue(N_("an end needs a start: type the start too"))
        if not _CLOCK_ONLY.fullmatch(read):  # "次日 12月8日 1点": which day?
            raise cant_read
        value = datetime.combine(after.astimezone(value.tzinfo).date() + timedelta(days=1),
                                 value.time(), value.tzinfo)
    if calendar_problem(value) is not None:
        raise InvalidValue(N_("{name} {written!r} is not between the years {earliest} and "
                              "{latest}; type e.g. {example}"), name=name, written=written,
                           earliest=EARLIEST_YEAR, latest=LATEST_YEAR, example=TYPED_EXAMPLE)
    all_day = not has_time_of_day(read)
    if all_day and not (_DAY_NAMED.search(folded) or _DAY_NAMED.search(read)):
        raise cant_read  # "December", "at 7": no day named, where dateparser fills today's in
    if all_day and value.time() not in (time(0), base.astimezone(value.tzinfo or zone).time()):
        raise cant_read  # a time in words the reader cannot place ("2 hours ago")
    read_zone = value.tzinfo or zone  # the zone the time was read in, the server's or its own
    if all_day:  # the date as typed, in the zone it was typed in
        value = datetime.combine(value.date(), time(0), UTC)
        if calendar_problem(value) is not None:  # 2101-01-01 in a zone ahead of UTC
            raise InvalidValue(N_("{name} {written!r} is not between the years {earliest} and "
                                  "{latest}"), name=name, written=written,
                               earliest=EARLIEST_YEAR, latest=LATEST_YEAR)
    else:
        if (moved := clocks_skip(value)) is not None:
            raise InvalidValue(N_("{name} {written!r} is a time the clocks skip that day in "
                                  "{zone} (they go forward); type the time after the change, "
                                  "e.g. {later}"), name=name, written=written,
                               zone=zone_name_of(value),
                               later=f"{moved:%H:%M}")
        if in_start_zone and value.utcoffset() != value.replace(tzinfo=zone).utcoffset():
            note = Text(N_("{name} {written!r} names no zone, so I read it in the start's "
                           "({zone}), not the server's"), name=name, written=written,
                        zone=zone_name_of(value))
        note = said_of_start(value, note)  # EST in July; 01:30 as the clocks go back
        value = value.astimezone(zone)
    # an all-day date is over at the end of that day in the server's zone
    last_moment = (datetime.combine(value.date() + timedelta(days=1), time(0), zone)
                   if all_day else value)
    # "周五上午9点" typed on a Friday at 10 is next week's; an end is never rolled past
    # its start's week (a Friday 5pm end for a Friday 6pm start is a mistake to say)
    if typed.weekly and after is None and last_moment <= base:
        value, last_moment = value + timedelta(days=7), last_moment + timedelta(days=7)
    if (after is not None and not after_all_day and not all_day and not next_day
            and _CLOCK_ONLY.fullmatch(read)):
        # an end typed as a time of day alone, read as the first such moment after the start
        # (on the clock it was read on: "8pm" after "6pm EST" is two hours, wherever the
        # server is)
        start, end = after.astimezone(read_zone), value.astimezone(read_zone)
        if end.time() == start.time():
            # "6pm" as the end of a 6pm start: the next day's, a day-long event by a slip
            raise InvalidValue(N_("{name} {written!r} is the start's own time of day, which "
                                  "would make the event last a whole day; type when it ends, "
                                  "or the day too, e.g. {example}"), name=name,
                               written=written, example=TYPED_EXAMPLE)
        if end.date() > start.date() and not runs_overnight(start, end):
            # earlier on the clock, and not overnight as a page's end would be ("5pm" for a
            # 6pm start, not 23 hours): a slip, refused as that time on the start's day, as
            # an end typed with its day is
            raise InvalidValue(N_("the end ({end}) must come after the start ({start})"),
                               end=Markup(timestamp(datetime.combine(start.date(), end.time(),
                                                                     read_zone))),
                               start=Markup(timestamp(start)))
    year_unsaid = not _YEAR_WRITTEN.search(plain.translate(_YEAR_DIGITS))
    if (year_unsaid and after is not None
            and last_moment - after > timedelta(days=MAX_RANGE_DAYS)):
        # "Dec 9 8pm" for a Dec 10 start is next December's, read after the start: a slip
        # that would keep the event, its joins and its roles open for a year
        raise InvalidValue(N_("{name} {written!r} would be {shown}, more than {days} days after "
                              "the start; type an earlier end, or its year if that is right, "
                              "e.g. {example}"), name=name, written=written,
                           shown=f"{value:%Y-%m-%d}", days=MAX_RANGE_DAYS,
                           example=TYPED_EXAMPLE)
    if year_unsaid and after is not None and last_moment == after:
        # the start's own moment: no year makes it an end (as `check_order` says of one
        # typed with its year)
        raise InvalidValue(N_("the end ({end}) must come after the start ({start})"),
                           end=Markup(timestamp(value)), start=Markup(timestamp(after)))
    if year_unsaid and last_moment <= base:
        # a date typed is a date; a time, in the zone it was read in, named as the server
        # chose it (an abbreviation such as CST means several zones)
        # (an Etc/GMT zone with its offset beside it: its name reads as the opposite one)
        shown = (f"{value:%Y-%m-%d}" if all_day
                 else f"{value:%Y-%m-%d %H:%M} ({zone_label(getattr(zone, 'key', 'UTC'))})")
        if after is not None:
            raise InvalidValue(N_("{name} {written!r} would be {shown}, before the start; type a "
                                  "later time, or give the year, e.g. {example}"), name=name,
                               written=written, shown=shown, example=TYPED_EXAMPLE)
        raise InvalidValue(N_("{name} {written!r} would be {shown}, in the past; type a later "
                              "time, or give the year, e.g. {example}"), name=name,
                           written=written, shown=shown, example=TYPED_EXAMPLE)
    if all_day and after is not None and not after_all_day:
        # a date ending a timed event ("Dec 10 6pm", then "Dec 11"): the midnight that ends
        # that day on the clock it was read on, a moment as its start is (kept as midnight
        # UTC, an all-day end's, it was hours off the day's end outside UTC)
        day_over = end_of_day(value.date(), read_zone)
        if calendar_problem(day_over) is not None:  # Dec 31, 2100 in a zone behind UTC
            raise InvalidValue(N_("{name} {written!r} is not between the years {earliest} and "
                                  "{latest}"), name=name, written=written,
                               earliest=EARLIEST_YEAR, latest=LATEST_YEAR)
        return When(day_over.astimezone(zone), note=note)
    return When(value, value + timedelta(days=1) if all_day else None, all_day=all_day,
                note=note, zone=None if all_day or settled is None else settled[0])


# An end said to be the next day's, as a page says it: before its clock ("次日凌晨1点",
# "翌日1:00", "next day 1am"), or after it ("1am next day", "01:00 (+1)", "1:00（次日）")
_NEXT_DAY_BEFORE = re.compile(rf"(?:{NEXT_DAY_WORD}|(?:the\s+)?next\s+day)\s*,?\s*(?:at\s+)?",
                              re.IGNORECASE)
_NEXT_DAY_AFTER_CLOCK = re.compile(rf"(?:{NEXT_DAY_AFTER})\s*", re.IGNORECASE)


def _next_day_said(text: str) -> tuple[str, bool]:
    """`text` without a next day's marker at its start or end, and whether it had one."""
    for marker, at in ((_NEXT_DAY_BEFORE, 0), (_NEXT_DAY_AFTER_CLOCK, None)):
        found = marker.match(text) if at == 0 else _last_match(marker, text)
        if found is not None and found.group().strip():
            rest = (text[found.end():] if at == 0 else text[:found.start()]).strip()
            if rest:
                return rest, True
    return text, False


def _last_match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern` ending `text`, if it does."""
    return next((found for found in pattern.finditer(text) if found.end() == len(text)
                 and found.group().strip()), None)


_YEAR_WRITTEN = re.compile(r"(?<!\d)(?:19|20|21)\d\d(?!\d)")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_ZH_CLOCK = re.compile(CLOCK)
# A part of the day left once the clock times are read: one typed without its hour (of two
# characters or more: the one-character 早 and 晚 open other words)
_ZH_HOURLESS = re.compile("|".join(w for w in PART_OF_DAY.split("|") if len(w) > 1))
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# "2031年12月8日", "二〇三一年十二月八日": a year's digits one by one, as Chinese writes them
_YEAR_DIGITS = str.maketrans("零〇一二三四五六七八九", "00123456789")
_DAY = rf"\d{{1,2}}|{DAY_TENS}|{NUMERAL}"  # "8", "八", "二十一", "廿一"
_ZH_YMD = re.compile(rf"(\d{{4}}|{NUMERAL_YEAR})\s*年\s*(\d{{1,2}}|{NUMERAL})\s*月"
                     rf"\s*({_DAY})\s*[日号]")
_ZH_MD = re.compile(rf"(\d{{1,2}}|{NUMERAL})\s*月\s*({_DAY})\s*[日号]")
# "8日", "八号": the 8th, not "8 days"
_ZH_DAY = re.compile(rf"(?<![\d月{NUMERAL_CHARACTERS}])({_DAY})\s*[日号]")
_ZH_WEEKDAY = re.compile(r"(下下个?|下个?|这个?|本)?\s*(?:周|星期|礼拜)([一二三四五六日天1-7])")
# Typed on a Chinese keyboard (its full-width digits and colon are read as ASCII before
# this reader): "今晚" for "今天晚上"; the minutes after 点 without their 分 ("6点30");
# "点整", "点钟" ("o'clock").
_ZH_SHORT = re.compile(r"([今明])天?([晚早])上?")
_ZH_RELATIVE_DAY = re.compile(r"(大后|[今明后])[天日]")  # (明日: written Chinese's 明天)
_DAYS_FROM_TODAY = {"今": 0, "明": 1, "后": 2, "大后": 3}
# "3天后", "三天以后", "两周后": days or weeks from today ("12月3日后" is after a date)
_ZH_DAYS_LATER = re.compile(rf"(?<![\d月{NUMERAL_CHARACTERS}])(\d{{1,3}}|{NUMERAL})\s*"
                            r"(天|日|个?星期|个?礼拜|周)\s*[以之]?后")
# "下个月8号", "本月15日": a day of this month, the next, or the one after ("下下个月")
_ZH_MONTH_DAY = re.compile(rf"(下下个?|下个?|这个?|本)月\s*({_DAY})\s*[日号]")
_ZH_BARE_MINUTES = re.compile(r"(?<=[点时])(\d{1,2})(?![\d分:])")
_ZH_OCLOCK = re.compile(r"(?<=[点时])[整钟]")


class _Typed(NamedTuple):
    text: str | None  # None: a date no calendar has (2月30日), or a part of the day alone (下午)
    late: bool = False  # a night hour past midnight (晚上12点): the day after its date
    weekly: bool = False  # a weekday alone ("周五"): next week's once today's is past
    wrong_day: date | None = None  # a date read that the weekday typed with it is not
    readings: tuple[date, ...] = ()  # a numeric date's two readings, when nothing settles it


def _en_day(n: int) -> str:
    """A day as English writes it, its groups named with `n` (a pattern has it twice); a
    date may follow its weekday ("Tue, Dec 8"), which `parse_typed` checks."""
    months = MONTH[1:MONTH.rindex(")")]
    return (rf"(?:this\s+)?(?P<weekday{n}>{WEEKDAY_STEM}){WEEKDAY_ENDING}|"
            rf"(?P<word{n}>today|tomorrow|tonight)|"
            rf"(?:(?:{WEEKDAY_STEM}){WEEKDAY_ENDING},?\s+)?(?:{_numeric(str(n))}|"
            rf"(?P<month{n}>{months})\.?\s+(?P<day{n}>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)|"
            rf"(?P<day_first{n}>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?"
            rf"(?P<month_after{n}>{months})\.?|"
            # "the 8th": the next month's 8th, today included
            rf"(?:the\s+)?(?P<nth{n}>\d{{1,2}})(?:st|nd|rd|th))")


# "18h" and "18h30" are the 24-hour clock as much of Europe writes it
_EN_CLOCK = (r"\d{1,2}(?:[:.]\d{2})?\s*[ap]\.?m\.?|\d{1,2}[:.]\d{2}|\d{1,2}\s?h(?:\s?\d{2})?|"
             rf"{NAMED_TWELVE}(?:noon|mid-?day|midnight)|\d{{1,2}}")
# "friday 6pm", "tomorrow at 9:30", "Dec 4 10am", "6pm on friday": a day this reader counts
# itself (dateparser skips today, and reads "friday at 7" as July)
_EN_DAY_AND_CLOCK = re.compile(
    rf"(?:on\s+)?(?:{_en_day(1)})[.,]?(?:\s*(?:\s(?:at\s+)?|@\s*)(?P<clock1>{_EN_CLOCK}))?|"
    rf"(?:(?:at|@)\s*)?(?P<clock2>{_EN_CLOCK}),?\s+(?:on\s+)?(?:{_en_day(2)})", re.I | re.ASCII)
_EN_CLOCK_PARTS = re.compile(
    r"(\d{1,2})(?:[:.](\d{2})|\s?(h)(?:\s?(\d{2}))?)?\s*(?:([ap])\.?m\.?)?", re.I)


def _english_day(text: str, today: date, month_first: bool = False) -> _Typed | None:
    """A day typed in English ("friday", "tomorrow", "Dec 4", "4th of December"), with a
    clock or none, as ISO: the next such day, today included (as 周五 and 12月4日 are);
    a weekday alone is next week's once today's moment is past. An hour alone ("friday
    at 7": morning or evening?) is refused, except tonight's. None: not such a text."""
    found = _EN_DAY_AND_CLOCK.fullmatch(text)
    if found is None:
        return None
    parts = {key[:-1]: value for key, value in found.groupdict().items() if value is not None}
    weekly = late = False
    if "weekday" in parts:
        day: date | None = _next_weekday(today, EN_WEEKDAYS.index(parts["weekday"].lower()))
        weekly = True
    elif "word" in parts:
        day = today + timedelta(days=parts["word"].lower() == "tomorrow")
    elif "nth" in parts:
        day = _next_day_of_month(today, int(parts["nth"]))
    elif "first" in parts or "dot_first" in parts:
        day, readings = _numeric_date(*_numeric_parts(parts), today, month_first)
        # "Tue 12/8": the weekday settles it where only one reading falls on it
        named = named_weekdays(text)
        on_day = [found for found in readings if found.weekday() in named]
        if len(on_day) == 1:
            day, readings = on_day[0], ()
        if readings:
            return _Typed(None, readings=readings)
    else:
        month = month_number(parts.get("month") or parts["month_after"]) or 0
        day = _next_date(today, month, int(parts.get("day") or parts["day_first"]))
    if day is None:
        return _Typed(None)
    clock = (parts.get("clock") or "").lower()
    if not clock:  # "tonight" alone names no hour
        return _Typed(None if "tonight" in text.lower() else day.isoformat(), weekly=weekly)
    if clock.endswith(("noon", "day", "midnight")):  # "12 noon", "midday", "12 midnight"
        hour, minute, late = (0, 0, True) if clock.endswith("midnight") else (12, 0, False)
    else:
        parsed = _EN_CLOCK_PARTS.fullmatch(clock)
        if parsed is None:
            return _Typed(None)
        hours, minutes_written, h_clock, h_minutes, meridiem = parsed.groups()
        if h_clock:  # "18h": the 24-hour clock, not an hour alone
            minutes_written = h_minutes or "00"
        if meridiem is None and minutes_written is None:  # an hour alone
            if parts.get("word", "").lower() != "tonight" or not 1 <= int(hours) <= 11:
                return _Typed(None)
            meridiem = "p"
        if (int(hours), int(minutes_written or 0), meridiem) == (24, 0, None):
            hour, minute, late = 0, 0, True  # "friday 24:00": the end of Friday, as ISO's
        else:
            found_clock = hour_minute_24h(int(hours), int(minutes_written or 0), meridiem)
            if found_clock is None:
                return _Typed(None)
            hour, minute = found_clock
    # "friday midnight": the night of Friday
    return _Typed(f"{day.isoformat()} {hour:02d}:{minute:02d}", late=late, weekly=weekly)


# Where "5/12" is May 12 (the month first, as the zone's country writes it); anywhere else a
# date both of whose numbers could be the month is asked again (Britain's 5/12 is 5 December).
MONTH_FIRST_COUNTRIES = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM", "PH", "CN", "TW",
                                   "JP", "KR"})
# The US zones tzdata keeps as zones of their own, with no country in zone.tab
_US_RULE_ZONES = {"EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "EST", "MST", "HST"}


@cache
def _zone_countries() -> dict[str, str]:
    """Each IANA zone name, its aliases included (US/Eastern, PRC), with its country."""
    countries = dict.fromkeys(_US_RULE_ZONES, "US")
    with contextlib.suppress(OSError, ModuleNotFoundError):
        folder = resources.files("tzdata").joinpath("zoneinfo")
        for line in folder.joinpath("zone.tab").read_text(encoding="utf-8").splitlines():
            fields = line.split("\t")
            if len(fields) >= 3 and not line.startswith("#"):
                countries[fields[2]] = fields[0]
        for line in folder.joinpath("tzdata.zi").read_text(encoding="utf-8").splitlines():
            fields = line.split()  # "L America/New_York US/Eastern": a link to a zone
            if len(fields) == 3 and fields[0] == "L" and fields[1] in countries:
                countries.setdefault(fields[2], countries[fields[1]])
    return countries


def zone_country(key: str) -> str | None:
    """The country an IANA zone (or an alias of one) is listed for in tzdata, if any."""
    return _zone_countries().get(key)


def _month_first(zone: tzinfo) -> bool:
    """Whether a numeric date is known to begin with its month where the zone is."""
    key = getattr(zone, "key", None)
    return key is not None and zone_country(key) in MONTH_FIRST_COUNTRIES


def _numeric_date(first: int, second: int, year: str | None, today: date,
                  month_first: bool) -> tuple[date | None, tuple[date, ...]]:
    """A numeric date ("5/12"): the day, or when either number could be the month and
    `month_first` does not settle it, both readings (to ask which was meant)."""
    def dated(month: int, day_of_month: int) -> date | None:
        if year is None:
            return _next_date(today, month, day_of_month)
        full = int(year) + (2000 if len(year) == 2 else 0)  # "5/12/31": 2031
        return _date_or_none(full, month, day_of_month)

    month_day, day_month = dated(first, second), dated(second, first)
    if month_day is not None and day_month is not None and month_day != day_month:
        return (month_day, ()) if month_first else (None, (month_day, day_month))
    return month_day or day_month, ()


def _next_weekday(today: date, index: int) -> date:
    """The next day of that weekday (Monday 0), today included."""
    return today + timedelta(days=(index - today.weekday()) % 7)


def _next_date(today: date, month: int, day_of_month: int) -> date | None:
    """The next such date, today included (29 February: the next leap year's)."""
    for year in range(today.year, today.year + 9):
        with contextlib.suppress(ValueError):
            found = date(year, month, day_of_month)
            if found >= today:
                return found
    return None


def _next_day_of_month(today: date, day_of_month: int) -> date | None:
    """The next month's such day, today included, in a month that has it ("30号")."""
    month = today.replace(day=1)
    for _ in range(12):
        with contextlib.suppress(ValueError):
            found = month.replace(day=day_of_month)
            if found >= today:
                return found
        month = (month + timedelta(days=31)).replace(day=1)
    return None


def _date_or_none(year: int, month: int, day_of_month: int) -> date | None:
    try:
        return date(year, month, day_of_month)
    except ValueError:
        return None


def _typed_in_chinese(text: str, today: date) -> _Typed:
    """A time typed in Chinese, in the words the readers below take: dates as ISO, counted
    from `today` where they have no year ("12月8日", "8号", "周五" and "下周五" as the
    next such day, today included; "这周五" as this week's), clock times as 24-hour
    ("下午六点半" -> "18:30"). Other text is returned as it is.

    See `_Typed` for what else it says."""
    if not _HAN.search(text):
        return _Typed(text)
    read = fold_dates(text)  # traditional characters (點, 號, 週) as the simplified ones
    read = _ZH_SHORT.sub(lambda m: f"{m[1]}天{m[2]}上", read)
    read = _ZH_OCLOCK.sub("", _ZH_BARE_MINUTES.sub(r"\1分", read))
    impossible = dated = weekly = False

    def day(found: date | None) -> str:
        """A date written (as ISO), or none where the calendar has none (2月30日)."""
        nonlocal impossible, dated
        dated = True
        impossible = impossible or found is None
        return "" if found is None else f" {found.isoformat()} "

    def weekday(found: re.Match[str]) -> str:
        nonlocal weekly
        if dated:  # "12月8日（星期二）": the date says it
            return " "
        index, which = WEEKDAY_INDEX[found[2]], found[1] or ""
        monday = today - timedelta(days=today.weekday())  # weeks begin on Monday in China
        if which.startswith("下"):  # next week's; 下下周五 the week after's
            return f" {monday + timedelta(days=7 * which.count('下') + index)} "
        if which:  # this week's, even when it is over (then refused as past)
            return f" {monday + timedelta(days=index)} "
        weekly = True
        return f" {_next_weekday(today, index)} "

    def later(found: re.Match[str]) -> str:
        return day(today + timedelta(days=number(found[1]) * (1 if found[2] in "天日" else 7)))

    def of_month(found: re.Match[str]) -> str:
        months = today.month - 1 + found[1].count("下")
        return day(_date_or_none(today.year + months // 12, months % 12 + 1, number(found[2])))

    read = _ZH_DAYS_LATER.sub(later, read)
    read = _ZH_MONTH_DAY.sub(of_month, read)
    read = _ZH_YMD.sub(lambda m: day(_date_or_none(number(m[1]), number(m[2]), number(m[3]))),
                       read)
    read = _ZH_MD.sub(lambda m: day(_next_date(today, number(m[1]), number(m[2]))), read)
    read = _ZH_DAY.sub(lambda m: day(_next_day_of_month(today, number(m[1]))), read)
    read = _ZH_RELATIVE_DAY.sub(
        lambda m: day(today + timedelta(days=_DAYS_FROM_TODAY[m[1]])), read)  # "明天"
    read = _ZH_WEEKDAY.sub(weekday, read)
    late = False

    def clock(found: re.Match[str]) -> str:
        nonlocal late
        written = read_clock(found.groups())
        if written is None or not (found[1] or found[4]):  # a bare number: not a time
            return found[0]
        if (((written.hour, written.minute) == (24, 0) and found[1] is None)
                or (written.night and written.minute <= 59)):
            # "24点", "晚上12点", "晚上24点": the midnight that ends the day, as 24:00 is;
            # "半夜2点": the night's hour after it (`read_clock`)
            late = True
            return f" {written.hour - 24:02d}:{written.minute:02d} "
        hour = hour_24h(written, None)
        if hour is None or written.minute > 59:
            return found[0]
        return f" {hour:02d}:{written.minute:02d} "

    read = _ZH_CLOCK.sub(clock, read)
    # "明天中午" is noon; "下午" without its hour names no moment (left in, it made another
    # reader take the date for the base of a relative time: the wrong day)
    read = read.replace("中午", " 12:00 ")
    impossible = impossible or bool(_ZH_HOURLESS.search(read))
    # 晚上12点 with a date is that date's night; alone, the next midnight already
    late = late and bool(_ISO_DATE.search(read))
    return _Typed(None if impossible else " ".join(read.split()), late, weekly)


# The zone after the time, or in brackets after it ("6pm (ET)", "18:00（北京时间）", whose
# full-width brackets are read as ASCII ones): the group `open` holds the bracket
_TRAILING_ZONE = re.compile(rf"(?:\s+|\s*(?P<open>[(\[])\s*)(?:{OFFSET}|({ZONE_NAME}))"
                            r"(?(open)\s*[)\]])\.?$", re.IGNORECASE | re.ASCII)
# The zone before the time, as Chinese pages write it ("北京时间18:00", "(北京时间) 12月1日
# 18:00"), read as a page's is
_LEADING_ZONE = re.compile(rf"^(?P<open>[(\[]\s*)?(?:{OFFSET}|({ZONE_NAME}))(?![A-Za-z])"
                           r"(?(open)\s*[)\]])[\s:：,，]*(?=\S)", re.IGNORECASE | re.ASCII)


# What a bracket holds that looks like a zone, known or not: an abbreviation ("XYZ"), an
# offset ("UTC+15", "+15:00"), a zone's name written out ("Mars time", "Mars Standard
# Time"; not "local time" nor "start time", taken off first: `_LABELS`), an IANA-shaped
# name ("Europe/Nowhere"), or a Chinese one ("火星时间", "火星时区", in either script:
# matched in simplified characters). A bare word ("Beijing", "xyz") is not: it may be a
# place, or anything.
_ZONE_SHAPE = (r"[A-Z]{2,5}|(?i:(?:UTC|GMT)\s*)?[+\-−]\s*\d{1,2}(?::?\d{2})?"
               r"|(?i:[a-z][a-z.'\-]{0,20}(?:\s+[a-z][a-z.'\-]{0,20}){0,3}\s+(?:time|zone))"
               r"|[A-Za-z_]{2,20}(?:/[A-Za-z0-9_+\-]{1,30}){1,2}"
               r"|[^\s()\[\]]{1,10}(?:时间|时区)")
# Words beside a time that name no zone: the event's own clock ("local time", "当地时间"),
# which is the server's, as when no zone is written; or which time it is ("start time",
# "会议时间", "(TBC)"), which the field it is typed in says already. A time so labelled is
# read as the time without the label; a label alone is no time. A bracket of them is taken
# at either end; "local time" and "当地时间" also unbracketed, as "Beijing time" is.
_LOCAL = r"local(?:\s+time)?|(?:当地|本地)(?:时间)?"
_WHICH_TIME = (r"(?:start(?:ing)?|begin(?:ning|s)?|event|meeting|session|talk|end(?:ing|s)?|"
               r"finish(?:ing)?|show|doors?|opening|closing)\s+times?|TB[ACD]|"
               r"(?:开始|会议|活动|结束|举办|举行|演出|比赛|直播|开场|入场|集合|讲座)?时间")
_LABEL = rf"(?:{_LOCAL}|{_WHICH_TIME})"
_LABELS = re.compile(rf"\s*[(\[]\s*{_LABEL}\s*[)\]]\.?$|^[(\[]\s*{_LABEL}\s*[)\]][\s:：,，]*|"
                     r"(?<=\S)\s+local(?:\s+time)?\.?$|^local\s+time[\s:,]+|"
                     r"\s*(?:当地|本地)时间$|^(?:当地|本地)时间[\s:：,，]*", re.IGNORECASE)


def _without_labels(text: str) -> str:
    """The text without the `_LABELS` at its ends ("18:00 (TBC) (local time)": "18:00")."""
    for _ in range(4):  # (each takes characters off: a few at most, bounded)
        found = _LABELS.search(fold(text))  # "當地時間" as "当地时间", each in its place
        if found is None:
            break
        text = (text[:found.start()] + text[found.end():]).strip()
    return text


# A zone in brackets at the end or the start that no reading took ("6pm (XYZ)",
# "18:00（火星时间）", read with ASCII brackets): named when the time cannot be read,
# rather than the whole text
_BRACKETED_ZONE = re.compile(rf"[(\[]\s*(?P<zone>{_ZONE_SHAPE})\s*[)\]]\.?$|"
                             rf"^[(\[]\s*(?P<lead>{_ZONE_SHAPE})\s*[)\]]")
# An offset in brackets without UTC or GMT ("18:00 (+8)", "(-13) 18:00"): read as one
# with UTC, and one no place has is named before any reading
_BRACKETED_OFFSET = re.compile(r"[(\[]\s*(?P<sign>[+\-−])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>"
                               r"\d{2}))?\s*[)\]]\.?$|^[(\[]\s*(?P<lead_sign>[+\-−])\s*"
                               r"(?P<lead_hours>\d{1,2})(?::?(?P<lead_minutes>\d{2}))?\s*[)\]]")


def _zone_unread(name: str | Text, written: str, zone: str) -> InvalidValue:
    """The refusal of a time whose zone no place has ("UTC+15") or none is called ("XYZ")."""
    return InvalidValue(N_("{name} {written!r} names a zone I can't read ({zone}); write it as "
                           "an offset from UTC-12 to UTC+14, or as a zone such as ET, CST or "
                           "Beijing time, e.g. {example}"), name=name, written=written,
                        zone=_shortened(" ".join(zone.split())), example="Dec 1 18:00 (UTC+8)")


def _shortened(text: str) -> str:
    """A zone as typed, quoted in a refusal within MAX_ZONE_SHOWN characters, the cut
    marked (the reply escapes it, as all typed text, so it pings nobody)."""
    return text if len(text) <= MAX_ZONE_SHOWN else text[:MAX_ZONE_SHOWN - 1].rstrip() + "…"


def _typed_zone(text: str, server: ZoneInfo, base: datetime
                ) -> tuple[tzinfo | None, str, Text | None] | None:
    """The zone a typed time names at its end or its start, read as a page's is ("6pm
    CST" is China's in a server set to Asia/Shanghai, where dateparser reads US Central),
    the rest of the text, and what to say of a reading the server's zone did not settle
    (CST on a server on UTC: US Central, which could be China's), as a page's is said; no
    zone, and the offset as written, for one no place has (UTC+15); None when it names none."""
    found = _TRAILING_ZONE.search(fold(text))  # "北京時間" too
    rest = text[:found.start()] if found is not None else ""
    if found is None and (found := _LEADING_ZONE.match(fold(text))) is not None:
        rest = text[found.end():]
    if found is None and (bare := _BRACKETED_OFFSET.search(text)) is not None:
        # "18:00 (+8)": an offset without UTC or GMT, which the readers would take for
        # some other number, or read only in some shapes ("+08:00", not "+8")
        sign, hours, minutes = ((bare["sign"], bare["hours"], bare["minutes"]) if bare["sign"]
                                else (bare["lead_sign"], bare["lead_hours"], bare["lead_minutes"]))
        offset_zone = zone_of_offset(sign, hours, minutes)
        if offset_zone is None:
            return None, bare.group().strip(" ([])."), None
        return offset_zone, (text[:bare.start()] + " " + text[bare.end():]).strip(), None
    if found is None:
        return None
    _, sign, hours, minutes, name = found.groups()
    zone: tzinfo
    note = None
    if name is not None:
        zone, note = pick_reading(ZONES[name.upper()], name, base.astimezone(server).date(),
                                  server, typed=True)
    elif (offset_zone := zone_of_offset(sign, hours, minutes)) is not None:
        zone = offset_zone
    else:  # (the offset as written, to say which part could not be read)
        return None, found.group().strip(" ([])."), None
    return zone, rest, note


def _reading(written: str, zone: tzinfo, base: datetime, *, month_first: bool
             ) -> tuple[datetime | None, _Typed]:
    """The moment `written` names in `zone` (周五下午6点 -> 2026-12-04 18:00), and how it
    was read: by the bot's own readers, else by dateparser. `month_first`: the server's
    country writes numeric dates month first."""
    today = base.astimezone(zone).date()
    away = _time_away(written)
    if away is not None:  # to the minute: shown, and reminded, so
        moment = (base + away).astimezone(zone).replace(second=0, microsecond=0)
        return moment, _Typed(f"{moment:%Y-%m-%d %H:%M}")
    typed = (_english_day(written, today, month_first)
             or _typed_in_chinese(written, today))
    if typed.text is None:
        return None, typed
    read = typed.text
    zone_of_its_own = False  # a zone dateparser read in the text, not ours
    value: datetime | None
    if ISO_8601.fullmatch(read):  # None: no such day, or an offset no zone has (18:00-20:00)
        value = read_iso(read, zone)
    else:
        value = _clock_only(read, zone, base)
        if value is not None:
            return value, typed  # the next such moment: 晚上12点 alone is tonight's midnight
        # a numeric date among words only dateparser reads ("5/12 in the evening"): it
        # would read it month first anywhere, so it is settled, or asked, here
        numeric = _NUMERIC_IN_TEXT.search(read)
        if numeric is not None and not month_first:
            _, readings = _numeric_date(*_numeric_parts(numeric.groupdict()), today, month_first)
            if readings:
                return None, typed._replace(readings=readings)
        read = _H_CLOCK.sub(_h_clock, read)
        # "December 1, 2026 24:00", which dateparser refuses: the midnight after that day
        end_of_day = _END_OF_DAY.search(read)
        if end_of_day is not None:
            read = f"{read[:end_of_day.start()]}00:00{read[end_of_day.end():]}"
        zone_of_its_own = bool(_ZONE_LIKE.search(read))
        value = _natural(read, zone, base, own_offset=zone_of_its_own)
        if end_of_day is not None:  # the day after the date read (once its weekday is checked)
            typed = typed._replace(late=True)
    if value is None:
        return None, typed
    # "Tuesday Dec 8" when Dec 8 is a Monday: one of the two is a typo, so say which day
    # it was read as rather than pick one (the date as typed, before a late hour's shift);
    # not when dateparser read a zone of its own, whose day it does not give
    if not zone_of_its_own and any(named != value.weekday()
                                   for named in named_weekdays(written)):
        return None, typed._replace(wrong_day=value.date())
    if typed.late:
        try:
            value += timedelta(days=1)
        except OverflowError:  # the night of December 31, 9999: no day after it
            return None, typed
    return value, typed


# 24:00 (or "24h00") as a clock among words: the midnight that ends the day, as in ISO 8601
_END_OF_DAY = re.compile(r"(?<![\d:.])24(?::|\s?h\s?)00(?![\d:])|"
                         rf"(?<![A-Za-z]){NAMED_TWELVE}midnight(?![A-Za-z])", re.IGNORECASE)


def _h_clock(found: re.Match[str]) -> str:
    hour, minute = int(found[1]), int(found[2] or 0)
    return f"{hour:02d}:{minute:02d}" if hour <= 23 and minute <= 59 else found[0]


def is_iso(text: str) -> bool:
    """Whether `parse_typed` reads `text` without dateparser (fast enough for the loop)."""
    return bool(ISO_8601.fullmatch(" ".join(text.split())))


_CLOCK_ONLY = re.compile(r"(?:(?:at|@)\s*)?(?:(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?m\.?|"
                         r"(\d{1,2})(?::(\d{2})|\s?h(?:\s?(\d{2}))?)|"
                         rf"{NAMED_TWELVE}(noon|mid-?day)|{NAMED_TWELVE}(midnight))", re.I)


def _clock_only(text: str, zone: tzinfo, base: datetime) -> datetime | None:
    """A bare time of day ("8pm", "at 20:00", "noon"): the first such moment after `base`
    (dateparser puts it on odd days, a day late in zones ahead of UTC)."""
    match = _CLOCK_ONLY.fullmatch(text)
    if match is None:
        return None
    hour, minute, meridiem, hour24, minute24, minute_h, noon, midnight = match.groups()
    if noon or midnight:
        clock: tuple[int, int] | None = ((12 if noon else 0), 0)
    elif hour24 is not None:  # "20:00", "20h", "20h30"; "24:00", the end of today (below)
        written = int(hour24), int(minute24 or minute_h or 0)
        clock = (0, 0) if written == (24, 0) else hour_minute_24h(*written, None)
    else:
        clock = hour_minute_24h(int(hour), int(minute or 0), meridiem)
    if clock is None:
        return None
    hour, minute = clock
    local = base.astimezone(zone)
    value = datetime.combine(local.date(), time(hour, minute), zone)
    return value if value > local else value + timedelta(days=1)


def _natural(text: str, zone: tzinfo, now: datetime, *, own_offset: bool = False
             ) -> datetime | None:
    """dateparser's reading of `text` in `zone` (an IANA zone: dateparser gives its reading
    there, even of a text that names a zone of its own); a fixed offset (a zone typed as
    "EST" or "+08:00") is read as wall-clock time at that offset."""
    import dateparser  # loaded on first use: a second of start-up the bot does not need

    named = isinstance(zone, ZoneInfo)
    settings: dict[str, object] = {
        "PREFER_DATES_FROM": "future", "RETURN_AS_TIMEZONE_AWARE": named,
        "RELATIVE_BASE": now.astimezone(zone).replace(tzinfo=None)}
    if isinstance(zone, ZoneInfo):  # (again: mypy narrows by isinstance, not by `named`)
        settings["TIMEZONE"] = zone.key
    try:
        value = dateparser.parse(text, languages=["en", "zh"], settings=settings)
    except (ValueError, OverflowError, TypeError, KeyError, IndexError, AttributeError):
        return None
    if value is None:
        return None
    if not named:
        return None if value.tzinfo is not None else value.replace(tzinfo=zone)
    if value.tzinfo is None:
        return None
    if own_offset:  # "1:30am -0500": the moment the text names
        return value
    # its wall time in our zone, placed as `read_iso` and the pages place it: a time the clocks
    # go back over is its first occurrence ("1:30am" as "01:30" is, not an hour later)
    return value.replace(tzinfo=None).replace(tzinfo=zone)
