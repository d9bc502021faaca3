"""When an event is, as pages write it; and `When`, what both readers of times give. Pure
(no I/O, no discord).

Two readers, one result type:
- `read_page_when` reads the date line of an imported page ("December 15, 2026, 6:00 PM -
  8:00 PM EST", "Tuesday, December 1, 2026 | 18:00–20:00 (Beijing time)", "2026年12月1日
  下午6:00-8:00", "Fri. October 28th, 2016"), or a run of days ("June 1-3, 2026",
  "2026年6月1日至3日"). Pages are read with our own patterns, not a general parser: a
  page's line is a fixed shape, and a range, a zone and a missing year must each be seen,
  not guessed.
- `bot.when_typed.parse_typed` reads what a moderator types ("friday 6pm", "Dec 1 18:00",
  ISO 8601) in the server's timezone, with `dateparser` behind a fast path for ISO 8601.
  It takes its clocks, months, runs of days and ISO 8601 from here (`CLOCK`, `read_clock`,
  `MONTH`, `RANGES`, `read_iso`), so both read them alike.

A date without a time of day is an ALL-DAY event, kept as midnight UTC of that date to
midnight UTC of the next (of the day after the last, for a run of days): the dates can be
read back exactly whatever the reader's zone.
The day itself runs from midnight to midnight in the server's zone: `bot.zones.day_offsets`
says how far that zone is ahead of UTC at each end, and the store keeps it beside the dates.

A zone the text names ("EST", "UTC+8", "CST", which means several) is read as
`bot.zones` says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple

from bot.i18n import N_, Text
from bot.pages_zh import (
    EVENING,
    HOUR_NUMERAL,
    MINUTES,
    MORNING,
    NIGHT,
    NUMERAL,
    NUMERAL_CHARACTERS,
    NUMERAL_DAY,
    NUMERAL_MONTH,
    NUMERAL_YEAR,
    PART_OF_DAY,
    fold,
    fold_dates,
    minutes,
    number,
)
from bot.times import EARLIEST_YEAR, LATEST_YEAR, When, calendar_problem
from bot.zones import (
    OFFSET,
    ZONE_IN_TEXT,
    ZONE_NAME,
    ZONES,
    clocks_skip,
    pick_reading,
    real_offset,
    said_of_page_end,
    said_of_start,
    server_zone,
    zone_name_of,
    zone_of_offset,
)

_MONTHS = {m: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for m in names}
_NUMERAL_MONTH = re.compile(NUMERAL_MONTH)  # "三", "十二", as a Chinese date writes them


def month_number(written: str) -> int | None:
    """A month as `MONTH` finds it ("Sept.", "december"), as digits or in Chinese numerals
    ("十二"), by its number."""
    if written.isdigit():
        return int(written)
    if _NUMERAL_MONTH.fullmatch(written):
        return number(written)
    return _MONTHS.get(written.lower().rstrip("."))


EN_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # Monday 0, as date.weekday()
# An English weekday: its first three letters ("tue"), then the rest of its name or none
WEEKDAY_STEM = "|".join(EN_WEEKDAYS)
WEEKDAY_ENDING = r"(?:day|sday|nesday|rsday|r|rs|s|urday)?\.?"
WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
                 **{str(n): n - 1 for n in range(1, 8)}}
# A weekday named anywhere in a date ("Tuesday, Dec 8", "12月8日（周二）"), which the date
# must fall on
_EN_WEEKDAY_NAMED = re.compile(rf"\b({WEEKDAY_STEM}){WEEKDAY_ENDING}(?![a-z])", re.I | re.ASCII)
_ZH_WEEKDAY_NAMED = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天1-7])")


def named_weekdays(text: str) -> set[int]:
    """The days of the week a date names (Monday 0), in English or Chinese."""
    named = {EN_WEEKDAYS.index(found[1].lower()) for found in _EN_WEEKDAY_NAMED.finditer(text)}
    return named | {WEEKDAY_INDEX[found[1]]
                    for found in _ZH_WEEKDAY_NAMED.finditer(fold(text))}


MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
         r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(\d{4})"
_COMMA = r"\s*(?:,\s*)?"  # not "\s*,?\s*", whose two runs of spaces split many ways
# A Chinese date's year, month and day, in digits or in Chinese numerals ("2027年3月12日",
# "二〇二七年三月十二日"); never the end of a longer number ("12027年", "二十三月"), but a
# month may follow a weekday's numeral ("星期五十二月十日": Friday, December 10)
_ZH_YEAR = rf"(?<!\d)\d{{4}}|(?<![{NUMERAL_CHARACTERS}]){NUMERAL_YEAR}"
_ZH_MONTH = (rf"(?<!\d)\d{{1,2}}|(?:(?<![{NUMERAL_CHARACTERS}])|(?<=[周期拜][一二三四五六]))"
             rf"(?:{NUMERAL_MONTH})")
_ZH_DAY = rf"\d{{1,2}}|{NUMERAL_DAY}"
_DATES = (  # (pattern, order of its groups)
    (re.compile(rf"(?<!\w){MONTH}\s+{_DAY}(?:{_COMMA}{_YEAR})?(?!\d)", re.I), "mdy"),
    (re.compile(rf"(?<!\w){_DAY}\s+{MONTH}(?:{_COMMA}{_YEAR})?(?!\d)", re.I), "dmy"),
    (re.compile(rf"({_ZH_YEAR})\s*年\s*({_ZH_MONTH})\s*月\s*({_ZH_DAY})\s*[日号]"), "ymd"),
    (re.compile(rf"({_ZH_MONTH})\s*月\s*({_ZH_DAY})\s*[日号]"), "md"),
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), "ymd"),
    # year first with dots, slashes or dashes, as Chinese pages write numeric dates too
    # ("2027.3.12", "2027/03/12（周五）", "2027-3-12"): never a version ("1.2.3") or a
    # price, for the year's four digits; never a US date, whose year comes last
    (re.compile(r"(?<![\d.])(\d{4})\.(\d{1,2})\.(\d{1,2})(?!\d|\.\d)"), "ymd"),
    (re.compile(r"(?<![\d/])(\d{4})/(\d{1,2})/(\d{1,2})(?!\d|/\d)"), "ymd"),
    (re.compile(r"(?<![\d-])(\d{4})-(\d{1,2})-(\d{1,2})(?!\d|-\d)"), "ymd"),
    # the year last with slashes, as US sites (month first: Drupal's "Fri, 06/05/2026 -
    # 10:00") and European ones (day first) write it: read only where the order shows
    # (`_day_and_month`), never guessed
    (re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?!\d|/\d)"), "ndy"),
)
# An hour in Chinese numerals is one only before its 点 or 时 ("三点", not "三人", "第一时间").
# "18h30", "24h00": the 24-hour clock as French (and much of Europe) writes it, with its
# minutes ("2h" alone is as often two hours long).
# Noon and midnight by name ("noon", "12 noon", "12:00 midnight", "midday", "midnight"), and
# 中午 with no hour after it ("中午-下午2点"): the hour's group holds the name, or nothing
# after 中午. "12:00 midnight" is midnight as "12 midnight" is, never the 12:00 of noon.
NAMED_TWELVE = r"(?:12(?:\s*[:.]\s*00)?\s*)?"
_NAMED_HOUR = (rf"(?<![A-Za-z]){NAMED_TWELVE}(?:noon|mid-?day|midnight)(?![A-Za-z])"
               rf"|(?<=中午)(?!\s*(?:\d|{NUMERAL}))")
# A page may put "PM" before its hour, as 下午 goes ("PM 3:00", as Taiwanese and Korean
# pages write it): the part of the day's group holds it.
_MERIDIEM_BEFORE = r"(?<![A-Za-z])[ap]\.?m\.?(?=\s*\d)"
CLOCK = (rf"({PART_OF_DAY}|{_MERIDIEM_BEFORE})?"
          rf"\s*({_NAMED_HOUR}|\d{{1,2}}|(?:{HOUR_NUMERAL})(?=\s*(?:点|时(?!间))))"
          rf"(?:(?:\s*[:.：]\s*|[hH](?=\d{{2}}(?!\d)))(\d{{2}})|\s*([点时])({MINUTES})?)?"
          r"\s*(a\.?m\.?|p\.?m\.?)?")
# A Chinese page writes a range as often with a full-width dash ("19:00－21:00") or 到 as
# with "-" or 至. An end may say it is the next day's: before its clock ("23:00-次日1:00",
# 翌日, 隔天, 第二天) or after it ("23:00-01:00 (+1)", "11 PM - 1 AM next day"); a typed end
# (`bot.when_typed`) says so in the same words.
NEXT_DAY_WORD = r"(?:次日|翌日|隔天|隔日|第二天)"
NEXT_DAY_AFTER = (r"\s*(?:[(（]\s*\+\s*1\s*[)）]|[(（]?(?:of\s+)?(?:the\s+)?next\s+day[)）]?"
                  rf"|[(（]{NEXT_DAY_WORD}[)）])")
_NEXT_DAY = re.compile(rf"{NEXT_DAY_WORD}|\+\s*1|next\s+day", re.IGNORECASE)
_TIMES = re.compile(rf"(?<![\d:]){CLOCK}(?:\s*(?:[-–—~～−－]|to|至|到|until)\s*"
                    rf"(?:{NEXT_DAY_WORD}\s*)?{CLOCK}(?:{NEXT_DAY_AFTER})?)?", re.IGNORECASE)
# An end earlier on the clock than its start, with no day of its own, is the next day's
# ("22:00-02:00", "9 PM - 6 AM") when the event then lasts at most MAX_OVERNIGHT, or runs
# from noon on into the small hours ("14:00-02:00"); else ("18:00-17:00", "6 PM - 5 PM",
# "11 AM - 1 AM", "7 PM - 12 PM") it is a slip, and the end is left unset and said. A
# typed end (`bot.when_typed`) a time of day alone follows the same rule, and is refused.
MAX_OVERNIGHT = timedelta(hours=12)
SMALL_HOURS_END = time(6)


def end_of_day(day: date, zone: tzinfo) -> datetime:
    """The midnight that ends `day` on `zone`'s clock: where a date typed as a timed
    event's end ("Dec 10 6pm" to "Dec 11") puts it, a moment as its start is."""
    return datetime.combine(day + timedelta(days=1), time(0), zone)


def runs_overnight(starts: datetime, ends: datetime) -> bool:
    """Whether an end on the day after its start (`ends`), written as a time of day earlier
    than the start's, is that day's, by the rule above."""
    return (ends - starts <= MAX_OVERNIGHT
            or (starts.time() >= time(12) and ends.time() <= SMALL_HOURS_END))


@dataclass(frozen=True, slots=True)
class Clock:
    """A time of day as `CLOCK` finds it, on a page or typed."""

    hour: int
    minute: int
    meridiem: str | None  # "am" / "pm"
    explicit: bool  # written as a time (":" or am/pm or 点), not a bare number
    # The night's hour past midnight ("晚上12点", "半夜2点"), its hour going on from 24
    # (26 for 2 o'clock), where a 24-hour clock's 25:00 is no time of day
    night: bool = False


_CLOCK_GROUPS = 6  # the groups of one CLOCK


def read_clock(groups: tuple[str | None, ...]) -> Clock | None:
    period, hour_written, minute, hour_mark, after_mark, meridiem = groups
    if hour_written is None:
        return None
    named = hour_written.lower()  # `_NAMED_HOUR`'s ("" after 中午)
    if named.endswith("midnight"):  # the midnight that ends the day, as 24:00 is
        return Clock(24, 0, None, explicit=True)
    if not named or named.endswith(("noon", "day")):
        return Clock(12, 0, "pm", explicit=True)
    hour = number(hour_written)
    mins = int(minute) if minute else minutes(after_mark) if after_mark else 0
    mer = None
    if period and period[0] in "aApP":  # "PM 3:00"
        meridiem = meridiem or period
    if meridiem:
        mer = "am" if meridiem.lower().startswith("a") else "pm"
    elif period in NIGHT and (hour == 12 or 1 <= hour <= 4 or (hour, mins) == (24, 0)):
        # "晚上12点", "晚上24点": the midnight that ends the day; "半夜2点": 2 o'clock after
        # it. On the 24-hour clock past 24, no half of a day ("晚上1点" is no 13:00).
        return Clock(hour % 12 + 24, mins, None, explicit=True, night=True)
    elif period in EVENING:
        mer = "pm"
    elif period in MORNING:
        mer = "am" if hour else None  # 凌晨0点: midnight, as a 24-hour clock writes it
    elif period == "中午":
        mer = "pm" if hour < 6 or hour == 12 else "am"
    explicit = bool(minute or hour_mark or meridiem or period)
    return Clock(hour, mins, mer, explicit)


_ONE_CLOCK = re.compile(CLOCK, re.IGNORECASE)


def _clock_written(written: str) -> Clock | None:
    """The time of day a run's first day gives (`_AT` found it one)."""
    found = _ONE_CLOCK.fullmatch(written.strip())
    return None if found is None else read_clock(found.groups())


def hour_24h(clock: Clock, meridiem: str | None) -> int | None:
    found = hour_minute_24h(clock.hour, 0, clock.meridiem or meridiem)
    return None if found is None else found[0]


def hour_minute_24h(hour: int, minute: int, meridiem: str | None) -> tuple[int, int] | None:
    """A clock's hour and minute on the 24-hour clock ("a"/"am", "p"/"pm": 12am is 0, 12pm
    is 12), or None when it is no time of day. An afternoon's hour already on the 24-hour
    clock is that hour ("下午14:00", as Chinese pages often write it; "14:00 PM"); a
    morning's is none ("上午14:00" says two different times)."""
    if meridiem is not None:
        afternoon = meridiem.lower().startswith("p")
        if afternoon and 13 <= hour <= 23:
            return (hour, minute) if 0 <= minute <= 59 else None
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if afternoon else 0)
    return (hour, minute) if 0 <= hour <= 23 and 0 <= minute <= 59 else None


def _find_date(text: str) -> _Days | None:
    """The first date in the text (`first` None without a year, or when it is no day of the
    calendar, "February 29, 2027", "April 31": `no_such_day`; the same day written without
    its year, which another pattern finds in "2027年2月29日", is no date without a year;
    or when its day and month may be either way round: `order_unknown`)."""
    no_such_day = order_unknown = None
    for pattern, order in _DATES:
        match = pattern.search(text)
        if match is None:
            continue
        year, month, day = _date_parts(match, order)
        if month is None:
            order_unknown = order_unknown or (match if order == "ndy" else None)
            continue
        if year is None:
            return (_Days(no_such_day.start(), no_such_day.end(), None, no_such_day=True)
                    if no_such_day else _Days(match.start(), match.end(), None))
        try:
            return _Days(match.start(), match.end(), date(year, month, day))
        except ValueError:
            no_such_day = no_such_day or match
    if no_such_day is not None:
        return _Days(no_such_day.start(), no_such_day.end(), None, no_such_day=True)
    if order_unknown is not None:
        return _Days(order_unknown.start(), order_unknown.end(), None, order_unknown=True)
    return None


def _date_parts(match: re.Match[str], order: str) -> tuple[int | None, int | None, int]:
    """The year (None: not written), month and day a `_DATES` pattern found."""
    parts = dict(zip(order, match.groups(), strict=True))
    year = parts.get("y")
    if "n" in parts:
        month, day = _day_and_month(int(parts["n"]), int(parts["d"]), int(parts["y"]),
                                    named_weekdays(match.string))
        return int(parts["y"]), month, day
    return None if year is None else number(year), month_number(parts["m"]), number(parts["d"])


def _day_and_month(first: int, second: int, year: int, weekdays: set[int]
                   ) -> tuple[int | None, int]:
    """The month (None: the order does not show) and day of "06/05/2026": day first where
    the first number is no month (13/05), month first where the second is none (05/13) or
    where the two are one; else the order whose day falls on the weekday the line names
    ("Fri, 06/05/2026": June 5, a Friday; May 6 is a Wednesday), when only one does."""
    if first > 12 or first == second:
        return second, first
    if second > 12:
        return first, second
    on_named = [(month, day) for month, day in ((first, second), (second, first))
                if _weekday(year, month, day) in weekdays]
    return on_named[0] if len(on_named) == 1 else (None, second)


def _weekday(year: int, month: int, day: int) -> int | None:
    try:
        return date(year, month, day).weekday()
    except ValueError:
        return None


def _next_date(text: str, at: int, year: int, after: date | None = None
               ) -> tuple[re.Match[str], date | None] | None:
    """The first date written in the text from `at`, and its day (None when the calendar has
    no such day). Where it gives no year: in `year`, or, with `after`, in the next year when
    that is a day soon after it ("1月1日" after December 31; within MAX_RANGE_DAYS)."""
    matches = [(match, order) for pattern, order in _DATES
               if (match := pattern.search(text, at)) is not None]
    if not matches:
        return None
    match, order = min(matches, key=lambda found: (found[0].start(), -found[0].end()))
    written_year, month, day = _date_parts(match, order)
    try:
        found = date(year if written_year is None else written_year, month or 0, day)
        if written_year is None and after is not None and found <= after and (
                (rolled := date(found.year + 1, found.month, found.day)) - after
                <= timedelta(days=MAX_RANGE_DAYS)):
            found = rolled
    except ValueError:
        return match, None
    return match, found


# A run of days, as pages write it: "June 1-3, 2026", "May 30 - June 2, 2026", "June 1, 2026
# - June 3, 2026", "Mon., June 1 - Wed., June 3, 2026", "1-3 June 2026", "1 June - 3 June
# 2026", "2026年6月1日至3日", "2026年6月1-3日", "2026年5月30日至6月2日", "2026-06-01 -
# 2026-06-03". A time of day may follow the first day (`t1`: "June 1, 2026, 9:00 - June 3,
# 2026, 17:00"); the rest of the line is read as after a single date. Read apart from
# `_DATES`, which would take the first day alone (an event over after its first day) or, in
# "June 1-3, 2026", find no year. Each part is a fixed shape, and a line is read to 300
# characters, so no pattern can take long.
MAX_RANGE_DAYS = 31  # longer is no event's run of days: a season, a typo ("2026 - 2027")
_TO = r"(?:\s*[-–—~～−－]{1,2}\s*|\s+(?:to|through|thru|until|till)\s+|\s*[至到]\s*)"
# "Wed., ", "Wednesday, "
_WEEKDAY_WORD = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+"
_WEEKDAY = rf"(?:{_WEEKDAY_WORD})?"
# a weekday in brackets after a Chinese date ("（星期五）"), as pages write it
ZH_DAY_OF_WEEK = r"(?:\s*[（(]\s*(?:周|星期|礼拜)[一二三四五六日天]\s*[）)])?"
# A time of day after the first day, written as one (":", am/pm, 点): not a day's number;
# after a comma or a spaced dash ("Fri, 06/05/2026 - 10:00 - Fri, 06/05/2026 - 12:00");
# its zone, if named there, is the run's ("Jun 1, 2026, 9:00 AM EDT – Jun 3, 2026, ...")
# (`z1`: as the run's pattern split it, so "UTC - 3 June" is UTC before the next day, not
# UTC-3)
_AT = (rf"(?:(?:{_COMMA}|\s+-\s+)(?:at\s+)?(?P<t1>"
       rf"(?:(?:{PART_OF_DAY})\s*)?\d{{1,2}}(?:[:：]\d{{2}}(?:\s*[ap]\.?m\.?)?|\s*[ap]\.?m\.?"
       rf"|\s*[点时](?:{MINUTES})?)(?![a-z]))"
       rf"(?:\s*[(（]?(?P<z1>{OFFSET}|(?a:{ZONE_NAME}))[)）]?(?![A-Za-z]))?)?")


def _en(name: str, what: str) -> str:
    """`MONTH`, `_DAY` or `_YEAR` with its group named (the range patterns have two of each)."""
    return what.replace("(", f"(?P<{name}>", 1)


RANGES = tuple(re.compile(pattern, re.I) for pattern in (
    # "May 30 - June 2, 2026", "Dec 30, 2026 - Jan 2, 2027", "June 1, 2026 - June 3"
    rf"(?<!\w){_en('m1', MONTH)}\s+{_en('d1', _DAY)}(?:{_COMMA}{_en('y1', _YEAR)})?{_AT}{_TO}"
    rf"{_WEEKDAY}{_en('m2', MONTH)}\s+{_en('d2', _DAY)}(?:{_COMMA}{_en('y2', _YEAR)})?(?!\d)",
    # "June 1-3, 2026": a day alone after the dash, so with the year ("June 1 - 3 PM" is none)
    rf"(?<!\w){_en('m1', MONTH)}\s+{_en('d1', _DAY)}{_TO}{_en('d2', _DAY)}{_COMMA}"
    rf"{_en('y2', _YEAR)}(?!\d)",
    # "1-3 June 2026", "30 May - 2 June 2026", "1 June 2026, 9:00 - 3 June 2026, 17:00"; not
    # a number after a word ("Panel 2 - 5 June 2026"), but after a weekday ("Mon 1 - Wed 3")
    rf"(?<![\w:.])(?:{_WEEKDAY_WORD}|(?:from|on)\s+|(?<![A-Za-z] )){_en('d1', _DAY)}"
    rf"(?:\s+{_en('m1', MONTH)}(?:{_COMMA}{_en('y1', _YEAR)})?{_AT})?{_TO}{_WEEKDAY}"
    rf"{_en('d2', _DAY)}\s+{_en('m2', MONTH)}(?:{_COMMA}{_en('y2', _YEAR)})?(?!\d)",
    # "2026年6月1日至3日", "2026年6月1-3日", "2026年5月30日（周六）至6月2日（周二）"
    # (and in Chinese numerals: "三月十二日至十四日")
    rf"(?:(?P<y1>{_ZH_YEAR})\s*年\s*)?(?P<m1>{_ZH_MONTH})\s*月\s*(?P<d1>{_ZH_DAY})"
    rf"(?:\s*[日号]{ZH_DAY_OF_WEEK}{_AT})?{_TO}(?:(?P<y2>{_ZH_YEAR})\s*年\s*)?"
    rf"(?:(?P<m2>{_ZH_MONTH})\s*月\s*)?(?P<d2>{_ZH_DAY})\s*[日号]",
    # "2026-06-01 - 2026-06-03"
    rf"(?<!\d)(?P<y1>\d{{4}})-(?P<m1>\d{{2}})-(?P<d1>\d{{2}}){_AT}{_TO}"
    r"(?P<y2>\d{4})-(?P<m2>\d{2})-(?P<d2>\d{2})(?!\d)",
    # "Fri, 06/05/2026 - 10:00 - Sat, 06/06/2026 - 01:00": each day's order as one date's
    rf"(?<![\d/])(?P<n1>\d{{1,2}})/(?P<d1>\d{{1,2}})/(?P<y1>\d{{4}}){_AT}{_TO}{_WEEKDAY}"
    r"(?P<n2>\d{1,2})/(?P<d2>\d{1,2})/(?P<y2>\d{4})(?!\d|/\d)",
))


class _Days(NamedTuple):
    """The date or run of days a page's line gives: where it is written (`start`, `end`),
    its first day (None: no year given), its last (None: one day), and the time of day
    written after the first day of a run, if any. `runs_wrong`: a run of days that is
    none (its last day before its first, or more than MAX_RANGE_DAYS of them)."""

    start: int
    end: int
    first: date | None
    last: date | None = None
    clock: str | None = None
    clock_at: int = 0  # where `clock` is written
    zone_at: tuple[int, int] | None = None  # where the zone written after `clock` is
    runs_wrong: bool = False
    no_such_day: bool = False  # a date written with its year that the calendar has not
    order_unknown: bool = False  # "06/05/2026": June 5 or May 6, and the line does not say


def _find_days(text: str) -> _Days | None:
    """The first date in the text, or the run of days it begins: a run read before the
    line's first date, or from it ("1-3 June 2026", whose first date alone is "3 June")."""
    single = _find_date(text)
    runs = [m for m in (pattern.search(text) for pattern in RANGES) if m is not None]
    run = min(runs, key=lambda m: (m.start(), -m.end()), default=None)
    if run is not None and (single is None or run.start() <= single.start):
        return _run_of_days(run)
    return single


def _run_of_days(found: re.Match[str]) -> _Days:
    """The run of days a range pattern found: a month or a year written at one end only
    is the other's too."""
    parts = found.groupdict()
    if parts.get("n1") is not None:  # day and month in the order the line shows
        weekdays = named_weekdays(found.string)
        written = [(int(parts[n]), int(parts[d]), int(parts[y]))
                   for n, d, y in (("n1", "d1", "y1"), ("n2", "d2", "y2"))]
        ends = [_day_and_month(*end, weekdays) for end in written]
        # one end's order is the other's ("06/05/2026 - 06/13/2026": June 5 to June 13)
        shown = {month == first
                 for (first, second, _), (month, _) in zip(written, ends, strict=True)
                 if month is not None and first != second}
        if len(shown) == 1:
            month_first = shown.pop()
            ends = [(first, second) if month_first else (second, first)
                    for first, second, _ in written]
        if ends[0][0] is None or ends[1][0] is None:
            return _Days(found.start(), found.end(), None, order_unknown=True)
        parts |= {"m1": str(ends[0][0]), "d1": str(ends[0][1]),
                  "m2": str(ends[1][0]), "d2": str(ends[1][1])}
    month1, month2 = parts.get("m1") or parts["m2"], parts.get("m2") or parts["m1"]
    months = [month_number(m) or 0 for m in (month1, month2)]  # (`MONTH` finds only months)
    days = [number(parts["d1"]), number(parts["d2"])]
    y1, y2, clock = parts.get("y1"), parts.get("y2"), parts.get("t1")
    # A year written at one end only is the other's too, but for a run across the new year
    # ("Dec 30 - Jan 2, 2027": the first day is in 2026)
    across = int((months[1], days[1]) < (months[0], days[0]))
    if y1 is not None:
        first_year = number(y1)
        last_year = number(y2) if y2 is not None else first_year + across
    elif y2 is not None:
        last_year = number(y2)
        first_year = last_year - across
    else:
        return _Days(found.start(), found.end(), None)
    try:
        first = date(first_year, months[0], days[0])
        last = date(last_year, months[1], days[1])
    except ValueError:  # "June 30-31", "Feb 28 - 30": no such run of days
        return _Days(found.start(), found.end(), None, runs_wrong=True)
    if not timedelta(0) <= last - first < timedelta(days=MAX_RANGE_DAYS):
        return _Days(found.start(), found.end(), None, runs_wrong=True)
    return _Days(found.start(), found.end(), first, last if last != first else None, clock,
                 found.start("t1") if clock is not None else 0,
                 found.span("z1") if parts.get("z1") is not None else None)


def read_page_when(text: str | None, zone_name: str | None = None) -> When:
    """The start, end and all-day flag a page's date line gives, read in the server's zone
    (`zone_name`) where the line names none. Never raises: what cannot be read is left out.
    A day of the week that none of the dates the line writes falls on is read as the date
    says, with a note: one of the two is a typo, which the moderator can check. (A line of
    two days, each with its own session, names the second's weekday too.)"""
    when = _read_page_when(text, zone_name)
    if when.starts_at is None or not text:
        return when
    line = " ".join(text.split())[:300]
    read = fold_dates(line)
    found = _find_days(read)
    named = named_weekdays(line)
    if found is None or found.first is None or not named:
        return when
    last = found.last or found.first
    days = {(found.first + timedelta(days=n)).weekday()
            for n in range(min((last - found.first).days + 1, 7))}
    at, previous = found.end, last
    while (later := _next_date(read, at, found.first.year, previous)) is not None:
        at = later[0].end()
        if later[1] is not None:
            days.add(later[1].weekday())
            previous = later[1]
    if named <= days:
        return when
    wrong = Text(N_("the page names a day of the week that {day} is not; check its date, or "
                    "set it with /manage edit"), day=found.first.isoformat())
    return replace(when, note=wrong if when.note is None else Text(
        N_("{first}; {second}"), first=when.note, second=wrong))


def _read_page_when(text: str | None, zone_name: str | None) -> When:
    if not text:
        return When()
    text = " ".join(text.split())[:300]
    read = fold_dates(text)  # "下午3點", "12月5號", "北京時間"; a note quotes `text`
    found = _find_days(read)
    exact = iso_span(text, before=len(text) if found is None else found.start + 1)
    if exact is not None:  # the line's first date is an ISO moment with its offset
        return exact
    if found is None:
        return When()
    day = found.first
    written = text[found.start:found.end].strip()
    if found.runs_wrong:
        return When(note=_not_a_run_of_days(written))
    if found.no_such_day:
        return When(note=Text(N_("the page's date {written!r} is no day of the calendar, so I "
                                 "left the start unset; set it with /manage edit"),
                              written=written))
    if found.order_unknown:
        return When(note=Text(N_("the page's date {written!r} may be month first or day first, "
                                 "so I left the start unset; set it with /manage edit"),
                              written=written))
    if day is None:
        return When(note=Text(N_("the page gives no year for its date {written!r}, so I left "
                                 "the start unset; set it with /manage edit"), written=written))
    out_of_years = _out_of_years(written)
    last = found.last or day
    if not EARLIEST_YEAR <= day.year <= last.year <= LATEST_YEAR:
        return When(note=out_of_years)
    rest = read[found.end:]
    server = server_zone(zone_name)
    zone: tzinfo = server
    note = None
    # the zone after the times, or after a run's first day and its time ("9:00 AM EDT - ...")
    times_at = found.clock_at if found.clock is not None else found.end
    zone_match = (ZONE_IN_TEXT.search(read, times_at) if found.zone_at is None
                  else ZONE_IN_TEXT.match(read, *found.zone_at))
    if zone_match is None and (lead := ZONE_IN_TEXT.match(read)) is not None and not (
            read[lead.end():found.start].strip(" :：,，")):
        zone_match = lead  # the zone opening the line: "北京时间 2026年12月1日 18:00"
    no_place = False  # an offset no place has: the times cannot be read at it
    if zone_match is not None:
        sign, hours, minutes, name = zone_match.groups()
        if name is not None:
            zone, note = pick_reading(ZONES[name.upper()], name, day, server)
        elif (offset_zone := zone_of_offset(sign, hours, minutes)) is not None:
            zone = offset_zone
        else:
            no_place = True
    local = (_LOCAL_ISO_SPAN.match(read, found.start)
             if found.last is None and found.clock is None and not no_place else None)
    if local is not None and (span := _iso_moments(local, zone)) is not None:
        # "2026-06-05T18:00/2026-06-05T20:00": both ends in the zone the start is read in
        # (what the zone's reading said, then what the span's times said: its other season)
        both = note if span.note is None else span.note if note is None else Text(
            N_("{first}; {second}"), first=note, second=span.note)
        return When(span.starts_at, span.ends_at, note=both, end_note=span.end_note)
    part = _times_part(rest)
    rest_times = rest[part]
    start_clock = end_clock = None
    end_span = (0, 0)  # where the end's clock is written in `rest`
    chosen = None
    if (first_times := _first_times(rest_times)) is not None:
        chosen, start_clock, end_clock = first_times
        end_span = _clock_span(chosen, _CLOCK_GROUPS + 1)
    # "June 1, 2026, 9:00 - June 3, 2026, 17:00": each day its own time, one half of the
    # day not the other's
    own_clocks = found.clock is not None
    if found.clock is not None:
        rest_times = found.clock
        start_clock, end_clock = _clock_written(found.clock), start_clock
        if chosen is not None:
            end_span = _clock_span(chosen, 1)
    if start_clock is None:
        start = datetime.combine(day, time(0), UTC)
        return When(start, datetime.combine(last + timedelta(days=1), time(0), UTC),
                    all_day=True, note=note)
    if no_place and zone_match is not None:
        written = text[times_at:zone_match.end()].strip(" ,")
        for opening, closing in ("()", "（）"):  # "(UTC+15)", a Chinese page's "（UTC+15）"
            if (written.count(opening) > written.count(closing)
                    and text[zone_match.end():].startswith(closing)):
                written += closing
        return When(note=_no_place_has(written))
    start_mer, end_mer = start_clock.meridiem, end_clock.meridiem if end_clock else None
    # "6 - 8 PM": both ends share the PM
    start_at = _day_and_hour(start_clock, None if own_clocks else end_mer)
    if start_at is None:
        at = found.end + part.start
        # from the first clock: not the ", " before it ("Dec 1, 2026, 18:75")
        begins = chosen.start() if chosen is not None else 0
        times_written = rest_times if own_clocks else text[at + begins:at + len(rest_times)]
        return When(note=_not_a_time(times_written.strip()[:40]))
    start_days, start_hour = start_at
    start_minute = start_clock.minute
    # "23:00-次日1:00", "11 PM - 1 AM next day": said to be the next day's, in its own half
    # of the day ("下午11点至次日5点" ends at 5 in the morning)
    next_day = (end_clock is not None and chosen is not None and not own_clocks
                and _NEXT_DAY.search(chosen[0]) is not None)
    end_at = (_day_and_hour(end_clock, None if own_clocks or next_day else start_mer)
              if end_clock is not None else None)
    end_note = None
    if end_clock is not None and end_at is None and end_clock.explicit:
        # "18:00-25:00", "6:00 PM - 13:75 PM": the start stands, the end is said unset
        at = found.end + part.start  # (`rest_times` is `rest[part]`; `read` is `text` folded)
        end_note = _end_not_a_time(text[at + end_span[0]:at + end_span[1]][:40])
    end_days, end_hour = end_at if end_at is not None else (0, None)
    end_minute = end_clock.minute if end_clock is not None else 0
    if (end_hour is not None and not own_clocks and not next_day
            and (end_days, end_hour, end_minute) <= (start_days, start_hour, start_minute)):
        start_hour, end_hour = _halves_apart(start_mer, end_mer, start_days, start_hour,
                                             end_hour)
    starts = datetime.combine(day + timedelta(days=start_days), time(start_hour, start_minute),
                              zone)
    if clocks_skip(starts) is not None:
        return When(note=_start_skipped(starts))
    note = said_of_start(starts, note)  # EST in July; 01:30 as the clocks go back
    at = found.end + part.start + chosen.end() if chosen is not None else 0
    if (chosen is not None and found.last is None and not own_clocks and not next_day
            and end_hour is not None and end_note is None
            and (end_days, end_hour, end_minute) > (start_days, start_hour, start_minute)
            and (same_day := _same_day_sessions(rest_times[chosen.end():],
                                                (end_days, end_hour, end_minute))) is not None):
        # the event is over when the day's last session is, not its first ("上午…，下午…")
        (end_days, end_hour, end_minute), written_to = same_day
        at += written_to
    later = (_later_sessions(read, at, day, starts.date())
             if chosen is not None and found.last is None and not own_clocks
             and end_note is None else [])
    if later:  # the event is over when its last day's session is, not after its first day's
        last, (end_days, end_hour, end_minute), next_day = later[-1].day, later[-1].end, False
    ends = None
    if end_hour is not None:  # the run's times are its first day's start, its last's end
        ends = datetime.combine(last + timedelta(days=end_days + next_day),
                                time(end_hour, end_minute), zone)
        if ends < starts and not own_clocks and runs_overnight(starts, ends + timedelta(days=1)):
            ends += timedelta(days=1)  # past midnight ("10 PM - 2 AM")
        elif ends <= starts:
            # "6:00 PM - 6:00 PM" (a slip, not a day-long event), an end before the start
            # on the day the page wrote for it ("June 1, 2026, 9:00 - June 1, 2026, 8:00"),
            # or one the next day would put too far after it ("18:00-17:00")
            at = found.end + part.start
            end_note = _end_not_after_start(text[at + end_span[0]:at + end_span[1]][:40])
            ends = None
        if ends is not None and clocks_skip(ends) is not None:
            end_note, ends = _end_skipped(ends), None
        if ends is not None:  # "1:00 AM - 3:00 AM EST" the night the clocks go forward
            note = said_of_page_end(starts, ends, note)
    elif found.last is not None and end_note is None:
        # a start alone: the run is over when its last day is (not when the page wrote an
        # end that is no time of day: the note says it was left unset)
        ends = datetime.combine(last + timedelta(days=1), time(0), zone)
    if calendar_problem(starts) or (ends is not None and calendar_problem(ends)):
        # the date's year is within bounds, but its zone moves the moment out of them
        return When(note=out_of_years)
    return When(_utc(starts), _utc(ends), note=note, end_note=end_note,
                zone=zone if zone_match is not None else None)


# When the doors open, before the event itself: "18:30签到，19:00开始" (check-in), "签到：
# 13:30-14:00，会议：14:00-17:00", "Registration 8:30 AM, Program 9:00 AM", "6:00 PM doors,
# 6:30 PM talk". The word before the time, or after it; after it, an English word stands
# alone ("6:30-8:00 PM. Registration required" names no time of arrival).
_ARRIVAL_ZH = r"(?:签到|入场|报到|登记)"
_ARRIVAL_EN = (r"(?:doors(?:\s+open)?|registration|check[- ]?in|sign[- ]?in|arrivals?)"
               r"(?![A-Za-z])")
_ARRIVAL_BEFORE = re.compile(rf"(?:{_ARRIVAL_ZH}|(?<![A-Za-z]){_ARRIVAL_EN})\s*(?:opens?\s*)?"
                             r"(?:(?:begins|starts)\s*)?(?:(?:at|from)\s*)?[:：]?\s*$",
                             re.IGNORECASE)
_ARRIVAL_AFTER = re.compile(rf"\s*(?:(?:开始|开放)?{_ARRIVAL_ZH}|{_ARRIVAL_EN}"
                            r"(?=\s*(?:[,;，；、|/]|$)))", re.IGNORECASE)


def _first_times(rest_times: str) -> tuple[re.Match[str], Clock, Clock | None] | None:
    """The first times written in a date line after its date, and their clocks: one of
    them at least written as a time (":", am/pm, 点), not a bare number. Times said to be
    when the doors open are passed over for the event's own written after them."""
    found = None
    for times in _TIMES.finditer(rest_times):
        groups = times.groups()
        first, second = read_clock(groups[:_CLOCK_GROUPS]), read_clock(groups[_CLOCK_GROUPS:])
        if first is not None and (first.explicit or (second is not None and second.explicit)):
            found = found or (times, first, second)
            if not (_ARRIVAL_BEFORE.search(rest_times, 0, times.start())
                    or _ARRIVAL_AFTER.match(rest_times, times.end())):
                return times, first, second
    return found


def _halves_apart(start_mer: str | None, end_mer: str | None, start_days: int,
                  start_hour: int, end_hour: int) -> tuple[int, int]:
    """The start's and end's hours of a range that runs backwards with the half of the day
    written at one end only shared: that half is that end's alone, and the other end is in
    the other half ("晚上10点至12点" ends at midnight, "11 - 1 PM" starts in the morning).
    But a morning that ends at "12 AM" ("11-12 AM", "10:30-12:30 a.m.") ends at noon, as
    its writer means: the hour of noon is no later in "AM" to them, and a session from
    11 at night to midnight is written with its own "PM"."""
    if start_mer is None and end_mer == "am" and end_hour == 0 and start_hour < 12:
        end_hour = 12
    elif start_mer is not None and end_mer is None:
        end_hour = (end_hour + 12) % 24
    elif start_mer is None and end_mer is not None and not start_days:
        # (not a 24:00 start: the midnight that ends the date has no other half, and from
        # noon "24:00 - 2 AM" would end before it began)
        start_hour = (start_hour + 12) % 24
    return start_hour, end_hour


class _Session(NamedTuple):
    """A later day's own session on a date line: its day, and its end (days after that
    day, hour, minute)."""

    day: date
    end: tuple[int, int, int]


def _later_sessions(read: str, at: int, first: date, after: date) -> list[_Session]:
    """The sessions of later days a date line writes after its first day's times, from
    `at` ("2027年3月12日 下午2:00-4:00，3月13日 上午9:00-12:00", "Friday, March 12, 2027,
    2:00-4:00 PM; Saturday, March 13, 9:00 AM-12:00 PM"): each a date (in the first day's
    year where it gives none) after `after` and the session before, within MAX_RANGE_DAYS
    of the first day, with its own range of times before the next date. Up to the first
    that is none: a date without times is no session of its own, and after a slip ("3月13日
    12:00-9:00", a date before the first) the event ends with the sessions read so far."""
    sessions: list[_Session] = []
    found = _next_date(read, at, first.year, after)
    while found is not None:
        match, day = found
        # the next day's: a later date in brackets, or days later, is another matter (a
        # rain date, a replay online, the series' next talk, a deadline), not a session
        between = read[at:match.start()]
        if (day is None or day <= after or day - after > timedelta(days=1)
                or day - first >= timedelta(days=MAX_RANGE_DAYS) or _bracket_open(between)):
            break
        following = _next_date(read, match.end(), first.year, day)
        times = _first_times(read[match.end():following[0].start() if following else None])
        end = _session_end(*times) if times is not None else None
        if end is None:
            break
        sessions.append(_Session(day, end))
        after, found, at = day, following, match.end()
    return sessions


def _session_end(times: re.Match[str], start: Clock, end: Clock | None
                 ) -> tuple[int, int, int] | None:
    """A later day's session's end (days after that day, hour, minute), read as the first
    day's is; None when it has none, or one not after its start on that day."""
    session = _session(times, start, end)
    return None if session is None else session[1]


def _session(times: re.Match[str], start: Clock, end: Clock | None
             ) -> tuple[tuple[int, int, int], tuple[int, int, int]] | None:
    """A session's start and end (each days after its day, hour, minute), as `_session_end`
    reads them."""
    if end is None or _NEXT_DAY.search(times[0]):
        return None
    start_at, end_at = _day_and_hour(start, end.meridiem), _day_and_hour(end, start.meridiem)
    if start_at is None or end_at is None:
        return None
    (start_days, start_hour), (end_days, end_hour) = start_at, end_at
    if (end_days, end_hour, end.minute) <= (start_days, start_hour, start.minute):
        start_hour, end_hour = _halves_apart(start.meridiem, end.meridiem, start_days,
                                             start_hour, end_hour)
    starts, ends = (start_days, start_hour, start.minute), (end_days, end_hour, end.minute)
    return (starts, ends) if ends > starts else None


def _same_day_sessions(times_text: str, after: tuple[int, int, int]
                       ) -> tuple[tuple[int, int, int], int] | None:
    """The end of the last of the sessions a date line writes after its first on the same
    day ("上午9:00-12:00，下午14:00-17:00", "9:00 AM-12:00 PM and 2:00-5:00 PM"), from `after`
    (the first's end), and where it is written in `times_text`: each a range that begins
    when the one before has ended, outside brackets, up to the first that is none (hours
    of something else: "咨询电话 9:00-17:00"; an aside: "（茶歇 16:00-16:30）"). None without
    one."""
    last, written_to = None, 0
    for times in _TIMES.finditer(times_text):
        before = times_text[:times.start()]
        if (_bracket_open(before)
                or ZONE_IN_TEXT.search(before, written_to)):  # "北京时间…，伦敦时间…": the same
            break
        groups = times.groups()
        start, end = read_clock(groups[:_CLOCK_GROUPS]), read_clock(groups[_CLOCK_GROUPS:])
        session = _session(times, start, end) if start is not None else None
        if session is None or session[0] < after:
            break
        after, written_to = session[1], times.end()
        last = (after, written_to)
    return last


def _bracket_open(text: str) -> bool:
    """Whether `text` leaves a bracket open, ASCII or full-width: what follows it is an
    aside ("（茶歇 16:00-16:30）", "(rain date: March 14)")."""
    return text.count("(") + text.count("（") > text.count(")") + text.count("）")


def _clock_span(times: re.Match[str], first_group: int) -> tuple[int, int]:
    """Where the `CLOCK` whose groups begin at `first_group` is written in a match."""
    spans = [times.span(g) for g in range(first_group, first_group + _CLOCK_GROUPS)
             if times.group(g) is not None]
    return (min(s for s, _ in spans), max(e for _, e in spans)) if spans else (0, 0)


def _times_part(rest: str) -> slice:
    """Where, in a date line after its date, its times are: up to the zone named after
    them ("6:00 PM ET / 3:00 PM PT"; "UTC-5" is no time of day), or after the zone named
    before them ("北京时间19:00-20:30", "(Beijing time) 7 PM")."""
    zone = ZONE_IN_TEXT.search(rest)
    if zone is None:
        return slice(0, len(rest))
    if _TIMES.search(rest, 0, zone.start()):
        return slice(0, zone.start())
    return slice(zone.end(), len(rest))


def _day_and_hour(clock: Clock, meridiem: str | None) -> tuple[int, int] | None:
    """The days a clock is after its date and its hour on the 24-hour clock, or None when it
    is no time of day: 24:00 on a 24-hour clock is the midnight that ends the day, as in
    ISO 8601 (`_from_iso`), and the night's hours after it go on from 24 (`read_clock`)."""
    if (clock.hour, clock.minute, clock.meridiem) == (24, 0, None) or clock.night:
        return (1, clock.hour - 24) if clock.minute <= 59 else None
    if clock.meridiem is None and (clock.hour > 12 or clock.hour == 0):
        meridiem = None  # "中午12:00-14:00", "0点至凌晨2点": 14 and 0 have no half to share
    hour = hour_24h(clock, meridiem)
    return None if hour is None or clock.minute > 59 else (0, hour)


# An ISO 8601 moment with its offset ("2026-06-05T10:00:00+08:00", as a web page's
# structured data gives it), alone or the first of two ("... – ...", ".../..."): exact
# wherever the server is, where the general reading would take its clock in the server's
# zone and drop the offset. After a space, a time without its seconds takes no "-" offset:
# "2026-06-05 09:30-11:30" is the event's hours, not 09:30 at UTC-11:30.
# A period after one ends its sentence ("Starts 2026-06-05T10:00+08:00."); one with digits
# after it is a fraction of a second past what is read.
_ISO_OFFSET = r"(?:Z|[+\-]\d{2}(?::?\d{2})?)"
_ISO_SECONDS = r":\d{2}(?:\.\d{1,9})?"
_ISO_MOMENT = (rf"\d{{4}}-\d{{2}}-\d{{2}}(?:T\d{{2}}:\d{{2}}(?:{_ISO_SECONDS})?{_ISO_OFFSET}"
               rf"| \d{{2}}:\d{{2}}(?:{_ISO_SECONDS}{_ISO_OFFSET}|Z|\+\d{{2}}(?::?\d{{2}})?))")
_ISO_SPAN = re.compile(rf"(?<![\d\-])({_ISO_MOMENT})(?:(?:\s*/\s*|\s*[–—~]\s*|\s+(?:-|to)\s+)"
                       rf"({_ISO_MOMENT}|\d{{4}}-\d{{2}}-\d{{2}}[T ]\d{{2}}:\d{{2}}"
                       r"(?::\d{2}(?:\.\d{1,9})?)?|\d{4}-\d{2}-\d{2}(?![T\d])))?(?![\d:]|\.\d)",
                       re.IGNORECASE)


# ...and one without its offset ("2026-06-05T18:00/2026-06-05T20:00", a JSON-LD start and
# end with none): local times, read in the zone the line's start is read in, the end too
_LOCAL_MOMENT = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
_LOCAL_ISO_SPAN = re.compile(rf"({_LOCAL_MOMENT})(?:\s*/\s*|\s*[–—~]\s*|\s+(?:-|to)\s+)"
                             rf"({_ISO_MOMENT}|{_LOCAL_MOMENT}|\d{{4}}-\d{{2}}-\d{{2}}(?![T\d]))"
                             r"(?![\d:]|\.\d)", re.IGNORECASE)


def iso_span(text: str, before: int | None = None) -> When | None:
    """The start (and end) of a line that gives them as ISO 8601 moments with an offset
    (the first beginning before `before`, if given); None when it does not, and the line
    is read as any other."""
    found = _ISO_SPAN.search(text)
    if found is None or (before is not None and found.start() >= before):
        return None
    return _iso_moments(found, UTC)


def _iso_moments(found: re.Match[str], zone: tzinfo) -> When | None:
    """The start and end an ISO 8601 span gives (`_ISO_SPAN`, `_LOCAL_ISO_SPAN`), a moment
    without its offset read in `zone`, and an end without one at the start's offset; None
    when the start is no day of the calendar."""
    if any(_no_place_offset(moment) for moment in found.groups() if moment):
        return When(note=_no_place_has(found[0]))
    starts = read_iso(found[1].upper(), zone)
    if starts is None:  # no such day
        return None
    if clocks_skip(starts) is not None:  # a local moment ("…T02:30" as the clocks go forward)
        return When(note=_start_skipped(starts))
    starts = starts.replace(microsecond=0)
    end = found[2]
    end_note = None
    last_day = None  # an end given as a day alone, after the start's
    if end is not None and len(end) == len("2026-06-05"):
        # a date alone (a JSON-LD "endDate"), no moment: as a run of days with its first
        # day's time ("June 5-7, 2026, 6:00 PM"), the event is over when that day is, in
        # the start's zone; the start's own day says no end, as a single date's time does
        if not _a_day(end):
            end_note = _end_no_such_day(end)
        elif date.fromisoformat(end) < starts.date():
            end_note = _end_not_after_start(end)
        elif date.fromisoformat(end) - starts.date() >= timedelta(days=MAX_RANGE_DAYS):
            # as a run of days written out that long is read: no event's days
            return When(note=_not_a_run_of_days(found[0]))
        elif date.fromisoformat(end) > starts.date():
            last_day = date.fromisoformat(end)
        end = None
    ends = read_iso(end.upper(), starts.tzinfo or UTC) if end else None
    if last_day is not None:
        try:
            ends = datetime.combine(last_day + timedelta(days=1), time(0), starts.tzinfo or UTC)
        except OverflowError:  # the end of 9999-12-31: out of the years, as said below
            return When(note=_out_of_years(found[0]))
    if end and ends is None:
        # "…/2026-06-05T25:00Z", "…/2026-06-31T20:00Z"
        end_note = _end_not_a_time(end) if _a_day(end) else _end_no_such_day(end)
    if ends is not None and clocks_skip(ends) is not None:
        end_note, ends = _end_skipped(ends), None
    if end is not None and ends is not None and ends <= starts:
        # a slip: the start is still the page's ("…T18:00+08:00/…T17:00+08:00")
        end_note = _end_not_after_start(end)
        ends = None
    if calendar_problem(starts) or (ends is not None and calendar_problem(ends)):
        return When(note=_out_of_years(found[0]))
    note = said_of_start(starts, None)
    return When(_utc(starts), _utc(ends), end_note=end_note,
                note=note if ends is None else said_of_page_end(starts, ends, note))


def _a_day(moment: str) -> bool:
    """Whether an ISO 8601 moment's date is a day of the calendar (its time may be none)."""
    try:
        date.fromisoformat(moment[:10])
    except ValueError:
        return False
    return True


def _no_place_offset(moment: str) -> bool:
    """Whether an ISO 8601 moment is on a real day but at an offset no place has."""
    try:
        value = _from_iso(moment.upper())
    except ValueError:
        return False
    offset = value.utcoffset()
    return offset is not None and not real_offset(offset)


def _not_a_time(written: str) -> Text:
    return Text(N_("the page's time {written!r} is not a time of day"), written=written)


def _end_not_a_time(written: str) -> Text:
    return Text(N_("the page's end time {written!r} is not a time of day, so I left the end "
                   "unset; set it with /manage edit"), written=written)


def _not_a_run_of_days(written: str) -> Text:
    return Text(N_("the page's dates {written!r} are not a run of days I can read (its last "
                   "day must come after its first, within {most} days), so I left the start "
                   "unset; set it with /manage edit"),
                written=written, most=MAX_RANGE_DAYS - 1)


def _end_no_such_day(written: str) -> Text:
    return Text(N_("the page's end date {written!r} is no day of the calendar, so I left the "
                   "end unset; set it with /manage edit"), written=written)


def _end_not_after_start(written: str) -> Text:
    return Text(N_("the page's end {written!r} is not after its start, so I left the end "
                   "unset; set it with /manage edit"), written=written)


def _start_skipped(value: datetime) -> Text:
    return Text(N_("the page's start {time} is no time in {zone}: the clocks skip it that day "
                   "as they go forward, so I left the start unset; set it with /manage edit"),
                time=f"{value:%Y-%m-%d %H:%M}", zone=zone_name_of(value))


def _end_skipped(value: datetime) -> Text:
    return Text(N_("the page's end {time} is no time in {zone}: the clocks skip it that day "
                   "as they go forward, so I left the end unset; set it with /manage edit"),
                time=f"{value:%Y-%m-%d %H:%M}", zone=zone_name_of(value))


def _no_place_has(written: str) -> Text:
    return Text(N_("the page's time {written!r} is at an offset no place has (offsets run "
                   "from UTC-12:00 to UTC+14:00)"), written=written)


def _out_of_years(written: str) -> Text:
    return Text(N_("the page's date {written!r} is not between the years {earliest} and "
                   "{latest}, so I left the start unset"),
                written=written, earliest=EARLIEST_YEAR, latest=LATEST_YEAR)


def _utc(value: datetime | None) -> datetime | None:
    """Fold a zone's local time (with its DST) into UTC, where the store keeps it."""
    return None if value is None else value.astimezone(UTC)


# ISO 8601 as both readers take it: a date, a time, an offset
ISO_8601 = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                      r"(?:Z|[+\-]\d{2}(?::?\d{2})?)?)?")


def read_iso(text: str, zone: tzinfo) -> datetime | None:
    """ISO 8601 (the fast path: no dateparser); a time without an offset is the server's."""
    if not ISO_8601.fullmatch(text):
        return None
    try:
        value = _from_iso(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value if real_offset(value.utcoffset() or timedelta(0)) else None


# ISO 8601's 24:00 (seconds and fractions all zero): the midnight that ends its day.
_END_OF_DAY = re.compile(r"(?<=[T ])24:00(?::00(?:\.0+)?)?(?=$|Z|[+\-])", re.IGNORECASE)


def _from_iso(text: str) -> datetime:
    """`datetime.fromisoformat`, which refuses 24:00, with 24:00 as the next day's 00:00;
    ValueError for no such moment (the end of 9999-12-31 too)."""
    end_of_day = _END_OF_DAY.search(text)
    if end_of_day is None:
        return datetime.fromisoformat(text)
    midnight = datetime.fromisoformat(f"{text[:end_of_day.start()]}00:00{text[end_of_day.end():]}")
    if midnight.date() == date.max:
        raise ValueError(f"no day after {text}")
    return midnight + timedelta(days=1)
