"""The server's timezone and the zones pages and moderators name. Pure (no I/O, no discord).

Apart from the readers of times (`bot.when` for pages, `bot.when_typed` for what moderators
type), which both take a zone from here: the server's (`server_zone`, `check_zone_name`,
`day_offsets` for the day of an all-day event), or one a text names ("EST", "UTC+8").

A zone's standard or summer abbreviation written for a day its home keeps the other half of
its clocks ("July 10, 6:00 PM EST", when New York is on EDT; "18:00 CET" in June) is read
on its home's clock (18:00 in New York), not at its fixed offset, and the result says so,
naming the other reading: whoever writes EST in July means the Eastern US's 6 PM, the
hour its people meet at, and copied the label; the fixed offset would put the event an
hour from it. GMT is no such half: it is the world's reference as often as London's clock.

Zone abbreviations that mean several places (CST: China, UTC+8, or US Central, UTC−6;
IST: India, Israel or Ireland) are read in the light of the server's timezone: the reading
whose own offset is the server's on that date, or its standard time's, wins. Where none is
(a server in UTC), the FIRST reading listed in `ZONES` is taken, and the result says so.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.characters import without_invisible
from bot.errors import InvalidValue
from bot.i18n import N_, Listed, OptionName, Text
from bot.pages_zh import fold

DEFAULT_ZONE = "UTC"
MAX_UTC_OFFSET = timedelta(hours=14)  # Kiribati's; "18:00-20:00" is a range, not an offset
MIN_UTC_OFFSET = timedelta(hours=-12)  # Baker Island's: no place is further behind UTC


@dataclass(frozen=True, slots=True)
class _Reading:
    name: str  # what the reply calls it: an id marked with N_, translated where shown
    offset: timedelta | None  # a fixed offset; None: the home zone's own (it follows DST)
    home: str  # the IANA zone where it is used
    # One half of its home's pair of clocks (EST and EDT are New York's): written for a day
    # its home keeps the other half, it is read on its home's clock (`_HomeClock`)
    seasonal: bool = False


def _h(hours: float) -> timedelta:
    return timedelta(hours=hours)


# Abbreviations and names of zones, upper-cased. An ambiguous one lists its readings,
# the default (taken when the server's zone settles nothing) first.
ZONES: dict[str, tuple[_Reading, ...]] = {
    "UTC": (_Reading(N_("UTC"), _h(0), "UTC"),),
    "GMT": (_Reading(N_("GMT"), _h(0), "Europe/London"),),
    "BST": (_Reading(N_("British Summer Time (UTC+1)"), _h(1), "Europe/London", seasonal=True),),
    "CET": (_Reading(N_("CET (UTC+1)"), _h(1), "Europe/Paris", seasonal=True),),
    "CEST": (_Reading(N_("CEST (UTC+2)"), _h(2), "Europe/Paris", seasonal=True),),
    "EST": (_Reading(N_("EST (UTC−5)"), _h(-5), "America/New_York", seasonal=True),),
    "EDT": (_Reading(N_("EDT (UTC−4)"), _h(-4), "America/New_York", seasonal=True),),
    "ET": (_Reading(N_("US Eastern time"), None, "America/New_York"),),
    "CDT": (_Reading(N_("CDT (UTC−5)"), _h(-5), "America/Chicago", seasonal=True),),
    "CT": (_Reading(N_("US Central time"), None, "America/Chicago"),),
    "MST": (_Reading(N_("MST (UTC−7)"), _h(-7), "America/Denver", seasonal=True),),
    "MDT": (_Reading(N_("MDT (UTC−6)"), _h(-6), "America/Denver", seasonal=True),),
    "MT": (_Reading(N_("US Mountain time"), None, "America/Denver"),),
    "PST": (_Reading(N_("PST (UTC−8)"), _h(-8), "America/Los_Angeles", seasonal=True),),
    "PDT": (_Reading(N_("PDT (UTC−7)"), _h(-7), "America/Los_Angeles", seasonal=True),),
    "PT": (_Reading(N_("US Pacific time"), None, "America/Los_Angeles"),),
    "JST": (_Reading(N_("JST (UTC+9)"), _h(9), "Asia/Tokyo"),),
    "KST": (_Reading(N_("KST (UTC+9)"), _h(9), "Asia/Seoul"),),
    "HKT": (_Reading(N_("HKT (UTC+8)"), _h(8), "Asia/Hong_Kong"),),
    "台北时间": (_Reading(N_("Taipei time (UTC+8)"), _h(8), "Asia/Taipei"),),
    "伦敦时间": (_Reading(N_("UK time"), None, "Europe/London"),),
    "SGT": (_Reading(N_("SGT (UTC+8)"), _h(8), "Asia/Singapore"),),
    "BEIJING TIME": (_Reading(N_("Beijing time (UTC+8)"), _h(8), "Asia/Shanghai"),),
    "北京时间": (_Reading(N_("Beijing time (UTC+8)"), _h(8), "Asia/Shanghai"),),
    "BJT": (_Reading(N_("Beijing time (UTC+8)"), _h(8), "Asia/Shanghai"),),  # Chinese pages' own
    "CST": (_Reading(N_("US Central Standard Time (UTC−6)"), _h(-6), "America/Chicago",
                     seasonal=True),
            _Reading(N_("China Standard Time (UTC+8)"), _h(8), "Asia/Shanghai")),
    "IST": (_Reading(N_("India Standard Time (UTC+5:30)"), _h(5.5), "Asia/Kolkata"),
            _Reading(N_("Israel Standard Time (UTC+2)"), _h(2), "Asia/Jerusalem"),
            # Dublin's summer clock, as BST is London's (GMT in winter)
            _Reading(N_("Irish Standard Time (UTC+1)"), _h(1), "Europe/Dublin",
                     seasonal=True)),
}
# Zones' names written out ("7:00 PM Eastern Time", "(China Standard Time)"): each read as
# its abbreviation is.
ZONES |= {name: ZONES[abbreviation] for name, abbreviation in (
    ("EASTERN TIME", "ET"), ("EASTERN STANDARD TIME", "EST"), ("EASTERN DAYLIGHT TIME", "EDT"),
    ("CENTRAL TIME", "CT"), ("CENTRAL DAYLIGHT TIME", "CDT"), ("MOUNTAIN TIME", "MT"),
    ("MOUNTAIN STANDARD TIME", "MST"), ("MOUNTAIN DAYLIGHT TIME", "MDT"),
    ("PACIFIC TIME", "PT"), ("PACIFIC STANDARD TIME", "PST"), ("PACIFIC DAYLIGHT TIME", "PDT"),
    ("GREENWICH MEAN TIME", "GMT"), ("BRITISH SUMMER TIME", "BST"),
    ("CENTRAL EUROPEAN TIME", "CET"), ("CENTRAL EUROPEAN SUMMER TIME", "CEST"),
    ("JAPAN STANDARD TIME", "JST"), ("KOREA STANDARD TIME", "KST"),
    ("HONG KONG TIME", "HKT"), ("SINGAPORE TIME", "SGT"), ("CHINA STANDARD TIME", "BEIJING TIME"),
    ("TAIPEI TIME", "台北时间"), ("UK TIME", "伦敦时间"), ("LONDON TIME", "伦敦时间"))}
# Chinese pages name zones by their places ("晚上8点（美东时间）"), in simplified characters
# as the readers see a page (`pages_zh.fold`): each read as the zone it names. "东部时间"
# alone is the US's (a Chinese page has no other Eastern time).
ZONES |= {name: ZONES[abbreviation] for abbreviation, names in (
    ("ET", "美东时间 美国东部时间 东部时间 华盛顿时间 纽约时间"),
    ("EST", "美东标准时间 美国东部标准时间 东部标准时间"),
    ("EDT", "美东夏令时间 美国东部夏令时间 东部夏令时间 美东夏令时"),
    ("CT", "美国中部时间 美中时间 芝加哥时间"), ("MT", "美国山地时间 山地时间"),
    ("PT", "美西时间 美国西部时间 太平洋时间 美国太平洋时间 洛杉矶时间 旧金山时间"),
    ("PST", "太平洋标准时间 美西标准时间"), ("PDT", "太平洋夏令时间 美西夏令时间 美西夏令时"),
    ("GMT", "格林尼治时间 格林威治时间 格林尼治标准时间"), ("BST", "英国夏令时间"),
    ("伦敦时间", "英国时间"), ("CET", "欧洲中部时间 中欧时间 布鲁塞尔时间 柏林时间 巴黎时间"),
    ("CEST", "欧洲中部夏令时间 中欧夏令时间"), ("JST", "日本时间 东京时间"),
    ("KST", "韩国时间 首尔时间"), ("HKT", "香港时间"), ("SGT", "新加坡时间"),
    ("台北时间", "台湾时间"), ("BEIJING TIME", "中国标准时间"), ("UTC", "协调世界时"))
    for name in names.split()}
ZONE_NAME = "|".join(sorted((re.escape(k) for k in ZONES), key=len, reverse=True))
# The zones Chinese readers name by a place, for /manage timezone: each "<place>时间" of
# ZONES with one reading, as "<place>时间" and "<place>" (北京, 台北, 香港, 纽约...), and
# Shanghai, on Beijing's clock.
ZONES_BY_PLACE = {"上海": "Asia/Shanghai", "上海时间": "Asia/Shanghai"} | {
    key: readings[0].home for name, readings in ZONES.items()
    if name.endswith("时间") and len(readings) == 1
    for key in (name, name.removesuffix("时间"))}
# Cities a moderator types for /manage timezone, each as its own zone: the "<place>时间"
# above name a reading, so that 柏林 gave Europe/Paris (CET's home: the same clock, but
# not the zone named), and a city no reading names gave nothing. Simplified, as `fold`
# reads them; Taiwan's own names where they are other words (雪梨, 杜拜).
_CITIES = {
    "Europe/Berlin": "柏林", "Europe/Brussels": "布鲁塞尔", "Europe/Rome": "罗马",
    "Europe/Madrid": "马德里", "Europe/Moscow": "莫斯科", "Europe/Zurich": "日内瓦 苏黎世",
    "Asia/Macau": "澳门", "Asia/Kolkata": "新德里 德里 孟买", "Asia/Bangkok": "曼谷",
    "Asia/Ho_Chi_Minh": "河内 胡志明市", "Asia/Kuala_Lumpur": "吉隆坡",
    "Asia/Jakarta": "雅加达", "Asia/Manila": "马尼拉", "Asia/Dubai": "迪拜 杜拜",
    "Australia/Sydney": "悉尼 雪梨", "Australia/Melbourne": "墨尔本",
    "America/Vancouver": "温哥华", "America/Toronto": "多伦多",
    "America/New_York": "波士顿", "America/Los_Angeles": "西雅图",
    "Asia/Shanghai": "广州 深圳 成都 武汉 杭州 南京 天津 西安",
}
ZONES_BY_PLACE |= {key: zone for zone, names in _CITIES.items() for name in names.split()
                   for key in (name, f"{name}时间")}
OFFSET = r"(?:UTC|GMT)\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?"
# (?a:...): only ASCII letters match a zone's name, so "İST" is no key of ZONES
ZONE_IN_TEXT = re.compile(rf"(?<![A-Za-z])(?:{OFFSET}|((?a:{ZONE_NAME})))(?![A-Za-z])",
                          re.IGNORECASE)


def real_offset(offset: timedelta) -> bool:
    """Whether some place keeps this offset from UTC (UTC-12:00 to UTC+14:00)."""
    return MIN_UTC_OFFSET <= offset <= MAX_UTC_OFFSET


def zone_of_offset(sign: str, hours: str, minutes: str | None) -> timezone | None:
    """The zone of a written offset ("UTC+5:45", "GMT−3"); None for one no place has
    ("UTC+15", "UTC+14:30", "UTC+5:75")."""
    if int(minutes or 0) > 59:
        return None
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    offset = -offset if sign in "-−" else offset
    return timezone(offset) if real_offset(offset) else None


# Names among the system's zone files that are no place's zone: "localtime" is the host's
# own (another on each machine a shard runs on), "Factory" a placeholder shown as "-00".
NOT_PLACES = frozenset({"localtime", "Factory", "posixrules", "posix/localtime"})


@cache
def zone_names() -> tuple[str, ...]:
    """The IANA zones a server may pick."""
    return tuple(sorted(available_timezones() - NOT_PLACES))


def server_zone(name: str | None) -> ZoneInfo:
    """The server's timezone; an unknown name (never stored by the bot) falls back to UTC."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def day_offsets(zone_name: str | None, starts_at: datetime | None, ends_at: datetime | None,
                all_day: bool) -> tuple[int, int]:
    """How far the server's zone is ahead of UTC, in seconds, at the midnight that begins an
    all-day event's first day and at the one that ends its last: the day begins at
    `starts_at - start offset` and is over at `ends_at - end offset`. (0, 0) for an event
    with times. An all-day event ends with a date (`check_all_day_end`), kept as midnight
    UTC; an end at another moment, saved before that rule, is a moment already (offset 0)."""
    if not all_day or starts_at is None:
        return 0, 0
    zone = server_zone(zone_name)

    def ahead(day: datetime) -> int:
        offset = datetime.combine(day.astimezone(UTC).date(), time(0), zone).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    is_date = ends_at is not None and int(ends_at.timestamp()) % 86_400 == 0
    return ahead(starts_at), ahead(ends_at) if ends_at is not None and is_date else 0


def clocks_skip(value: datetime) -> datetime | None:
    """Where a wall time its zone skips (01:30 as the clocks go forward at 01:00) lands:
    the same moment as the clocks show it (02:30); None for a time that exists. The one
    rule both readers of times keep: such a time is said, never kept as it lands."""
    shown = value.astimezone(UTC).astimezone(value.tzinfo)
    return shown if shown.replace(tzinfo=None) != value.replace(tzinfo=None) else None


def clocks_repeat(value: datetime) -> Text | None:
    """What to say of a wall time its zone shows twice (01:30 in New York as the clocks go
    back at 02:00), which both readers of times read as the first of the two: which one it
    was read as. None for a time shown once, or a moment already the second (counted from
    now: "in 2 hours"). The note both readers give."""
    first, second = value.replace(fold=0), value.replace(fold=1)
    if value.tzinfo is None or value.fold or first.utcoffset() == second.utcoffset():
        return None
    return Text(N_("{time} comes twice in {zone} as the clocks go back; I read it as the first "
                   "({first}), not the second ({second})"),
                time=f"{value:%Y-%m-%d %H:%M}", zone=zone_name_of(value),
                first=_offset_name(first.utcoffset()), second=_offset_name(second.utcoffset()))


def zone_name_of(value: datetime) -> str:
    """The name of the zone a time is in, as what is said of its clocks names it:
    "America/New_York"; a fixed offset as Python writes it ("UTC+08:00")."""
    return getattr(value.tzinfo, "key", str(value.tzinfo))


def _offset_name(offset: timedelta | None) -> str:
    """"UTC−4", "UTC+5:30", as the zones' names write them."""
    minutes = int((offset or timedelta()).total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


class _HomeClock(tzinfo):
    """A seasonal reading (`_Reading.seasonal`) as a zone: its fixed offset where its home
    keeps it, and of a time its home shows twice the one at that offset ("1:30 AM EST" on
    the night New York's clocks go back is the second); else its home's clock."""

    def __init__(self, reading: _Reading, abbreviation: str, typed: bool) -> None:
        self.home = ZoneInfo(reading.home)
        self.key = reading.home  # named as its home is (`zone_name_of`)
        self.written = reading.offset
        self.abbreviation, self.typed = abbreviation, typed

    def _on_home(self, dt: datetime | None) -> datetime | None:
        if dt is None or self.home.utcoffset(dt) == self.written:
            return dt
        first, second = dt.replace(fold=0), dt.replace(fold=1)
        # (only a time shown twice has another: a time the clocks skip ("2:30 AM EDT" as
        # they go forward) stays one, said as its home's is, with the time after the change)
        shown_twice = (self.home.utcoffset(first) or timedelta()) > (
            self.home.utcoffset(second) or timedelta())
        other = dt.replace(fold=1 - dt.fold)
        return other if shown_twice and self.home.utcoffset(other) == self.written else dt

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return self.home.utcoffset(self._on_home(dt))

    def dst(self, dt: datetime | None) -> timedelta | None:
        return self.home.dst(self._on_home(dt))

    def tzname(self, dt: datetime | None) -> str | None:
        return self.home.tzname(self._on_home(dt))

    def fromutc(self, dt: datetime) -> datetime:
        local = self.home.fromutc(dt.replace(tzinfo=self.home))
        ours = local.replace(tzinfo=self)
        # (a moment of the other fold of a time shown twice has no wall time on this clock)
        return ours if ours.utcoffset() == local.utcoffset() else local

    def __repr__(self) -> str:
        return f"_HomeClock({self.abbreviation!r}, {self.key!r})"


def said_of_start(value: datetime, note: Text | None) -> Text | None:
    """What to say of a start as read (`value`, in the zone it was read in), after `note`,
    what `pick_reading` said of its zone: that a seasonal abbreviation was read on its
    home's clock, not at its own offset; else of a time shown twice, which one it is
    (`clocks_repeat`). Both readers of times say it."""
    zone = value.tzinfo
    if not isinstance(zone, _HomeClock) or zone.written is None or (
            value.utcoffset() == zone.written):
        return note or clocks_repeat(value)
    fields = {"abbreviation": zone.abbreviation, "written": _offset_name(zone.written),
              "home": zone.key, "local": _offset_name(value.utcoffset()),
              "time": f"{value:%Y-%m-%d %H:%M}"}
    season = (Text(N_("{abbreviation} is {written}, but {home} is on {local} on that day; I "
                      "read {time} on its clock ({local}), not at {written}. If you meant "
                      "{written}, type the time with it, such as {example}"),
                   example=f"{value:%Y-%m-%d %H:%M} {_offset_name(zone.written)}".replace(
                       "−", "-"), **fields) if zone.typed else
              Text(N_("the page's {abbreviation} is {written}, but {home} is on {local} on "
                      "that day; I read {time} on its clock ({local}), not at {written}. If "
                      "{written} was meant, set the start with /manage edit"), **fields))
    return season if note is None else Text(N_("{first}; {second}"), first=note, second=season)


def said_of_page_end(starts: datetime, ends: datetime, note: Text | None) -> Text | None:
    """What to say of a page's end (`ends`, in the zone it was read in), after `note`, what
    was said of its start: that its seasonal abbreviation was read on its home's clock, not
    at its own offset, where the start was not ("March 14, 2027, 1:00 AM - 3:00 AM EST", the
    night New York's clocks go forward: 3:00 AM is EDT's); else of an end shown twice, which
    one it is (`clocks_repeat`): each as a typed end's is said."""
    zone = ends.tzinfo
    if not isinstance(zone, _HomeClock) or zone.written is None or (
            ends.utcoffset() == zone.written or starts.utcoffset() != zone.written):
        # (a start in the other season already says it of the day)
        if (repeated := clocks_repeat(ends)) is None:
            return note
        return repeated if note is None else Text(N_("{first}; {second}"), first=note,
                                                  second=repeated)
    season = Text(N_("the page's {abbreviation} is {written}, but {home} is on {local} at its "
                     "end; I read the end {time} on its clock ({local}), not at {written}. "
                     "If {written} was meant, set the end with /manage edit"),
                  abbreviation=zone.abbreviation, written=_offset_name(zone.written),
                  home=zone.key, local=_offset_name(ends.utcoffset()),
                  time=f"{ends:%Y-%m-%d %H:%M}")
    return season if note is None else Text(N_("{first}; {second}"), first=note, second=season)


# An offset as typed for /manage timezone: "UTC+8", or without UTC as ISO 8601 writes
# one ("+0800", "+08:00")
WRITTEN_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?",
                            re.IGNORECASE)
MAX_ZONES_NAMED = 5  # zones on one offset named in a refusal (there are three at most today)


def _written_offset(text: str) -> re.Match[str] | None:
    """An offset as typed for /manage timezone: "UTC+8", "utc +8", full-width "ＵＴＣ＋８"
    (read as a keyboard's, NFKC), "GMT+5:30", "+0800"."""
    return WRITTEN_OFFSET.fullmatch(unicodedata.normalize("NFKC", text).strip())


def offset_zone_name(text: str) -> str | None:
    """The zone of an offset typed for /manage timezone ("UTC+8", "GMT+8", "utc-05:00"):
    the IANA zone of that fixed offset, whose name has the sign the other way round, as
    POSIX writes it (Etc/GMT-8 is UTC+8). None for anything else, and for an offset no
    place keeps or no such zone has ("UTC+15"; "UTC+5:30": `offset_zones`)."""
    found = _written_offset(text)
    if found is None or int(found[3] or 0) != 0:
        return None
    zone = zone_of_offset(found[1], found[2], None)
    if zone is None:
        return None
    hours = int(zone.utcoffset(None).total_seconds()) // 3600
    name = "Etc/GMT" if hours == 0 else f"Etc/GMT{-hours:+d}"
    return name if name in zone_names() else None


def offset_zones(text: str, now: datetime) -> tuple[str, ...]:
    """The zones an offset typed for /manage timezone means at `now`: its Etc zone
    (`offset_zone_name`); for one no Etc zone has ("UTC+5:30", "GMT+5:45"), the places'
    zones on that offset now (Asia/Kolkata and Asia/Colombo; Asia/Kathmandu), each once
    (not its old names, Asia/Calcutta). Empty for anything else, and for an offset no place
    keeps now."""
    if (etc := offset_zone_name(text)) is not None:
        return (etc,)
    found = _written_offset(text)
    zone = zone_of_offset(found[1], found[2], found[3]) if found is not None else None
    if zone is None:
        return ()
    offset = zone.utcoffset(None)
    return tuple(name for name in _place_zones()
                 if now.astimezone(ZoneInfo(name)).utcoffset() == offset)


@cache
def _place_zones() -> tuple[str, ...]:
    """The zones of places, one name each, as the tz database's zone.tab lists them (not
    the links kept for old names, nor Etc's); every named zone where no zone.tab is found."""
    roots = [Path(root) for root in TZPATH]
    with contextlib.suppress(ImportError):
        import tzdata
        roots.append(Path(tzdata.__file__).parent / "zoneinfo")
    known = set(zone_names())
    for root in roots:
        with contextlib.suppress(OSError):
            lines = (root / "zone.tab").read_text(encoding="utf-8").splitlines()
            listed = {fields[2] for line in lines if not line.startswith("#")
                      and len(fields := line.split("\t")) >= 3}
            return tuple(sorted(listed & known))
    return tuple(name for name in zone_names() if "/" in name and not name.startswith("Etc/"))


def zone_label(name: str) -> str:
    """A zone as /manage timezone offers it: an Etc/GMT zone with its offset beside it,
    since its name reads as the opposite one ("Etc/GMT+8 (UTC−08:00)")."""
    if not name.startswith("Etc/GMT") or name == "Etc/GMT":
        return name
    offset = ZoneInfo(name).utcoffset(datetime(2000, 1, 1)) or timedelta()  # fixed: any day
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    return f"{name} (UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d})"


_MARKS = re.compile("[\u0300-\u036f]+")  # accents, once decomposed


def zone_key(typed: str) -> str:
    """A zone or city typed as zone names are written, in ASCII and with "_" for spaces,
    to compare with their `casefold`: a keyboard's full-width letters as plain ones, and
    accents off ("São Paulo" is "sao_paulo", America/Sao_Paulo's city)."""
    plain = _MARKS.sub("", unicodedata.normalize("NFKD", typed))
    # (spaces around a slash are no part of a name: "Asia / Shanghai")
    plain = "/".join(part.strip() for part in plain.split("/"))
    return "_".join(plain.split()).casefold()


def check_zone_name(name: str, now: datetime | None = None) -> str:
    """An IANA zone name as given to /manage timezone (or an offset, the one zone on it at
    `now`, default now: `offset_zones`), or InvalidValue, which names the zones on an offset
    several are on ("UTC+5:30")."""
    name = without_invisible(name).strip()
    if not name:  # (only invisible characters: the client sends no empty option itself)
        raise InvalidValue(N_("the {option} option can't be empty"), option=OptionName("zone"))
    if (home := abbreviation_zone(name)) is not None:  # before tzdata's EST, UTC−5 all year
        return home
    if name in zone_names():
        return name
    on_offset = offset_zones(name, now or datetime.now(UTC))
    if len(on_offset) == 1:
        return on_offset[0]
    if on_offset:
        shown = on_offset[:MAX_ZONES_NAMED]
        raise InvalidValue(N_("{offset} is the offset of several places today ({zones}); pick "
                              "your place's zone from them"),
                           offset=unicodedata.normalize("NFKC", name)[:30],
                           zones=Listed((*shown, "…") if len(on_offset) > len(shown)
                                        else shown))
    folded = {z.casefold(): z for z in zone_names()}
    if zone_key(name) in folded:
        return folded[zone_key(name)]
    if (placed := ZONES_BY_PLACE.get(fold("".join(name.split())))) is not None:
        return placed
    if (city := _zone_of_city(zone_key(name))) is not None:
        return city
    raise InvalidValue(N_("{name!r} is not a timezone I know; pick an IANA name such as "
                          "Europe/Paris, America/Chicago or Asia/Shanghai from the list"),
                       name=name[:100])


def abbreviation_zone(typed: str) -> str | None:
    """The home zone of a zone's abbreviation or name typed for /manage timezone ("EST",
    "Pacific Time", "JST"), as a typed time's is read: tzdata's own EST and MST keep UTC−5
    and UTC−7 all year, an hour off New York's and Denver's clocks in summer, where "6pm
    EST" in July is New York's 6 PM. None for one with several homes (CST, IST), and for
    UTC and GMT, zones of their own."""
    homes = abbreviation_homes(typed)
    return homes[0] if len(homes) == 1 else None


def abbreviation_homes(typed: str) -> tuple[str, ...]:
    """The home zones of a zone's abbreviation or name typed ("CST": America/Chicago and
    Asia/Shanghai), each once, for /manage timezone's list; none for UTC and GMT."""
    readings = ZONES.get(" ".join(typed.split()).upper(), ())
    return tuple(dict.fromkeys(reading.home for reading in readings
                               if reading.offset != timedelta(0) or reading.seasonal))


# Cities a moderator types in English whose zone is named for another city of the same
# clock ("Beijing": Asia/Shanghai), as `_CITIES` are in Chinese; as `zone_key` writes them
_ENGLISH_CITIES = {
    "Asia/Shanghai": "beijing peking guangzhou shenzhen chengdu wuhan hangzhou nanjing "
                     "tianjin xi'an xian",
    "Asia/Kolkata": "delhi mumbai bombay bengaluru bangalore chennai hyderabad",
    "Asia/Ho_Chi_Minh": "hanoi saigon", "Asia/Tokyo": "osaka kyoto",
    "America/New_York": "boston philadelphia atlanta miami", "America/Chicago": "houston dallas",
    "America/Los_Angeles": "seattle san_francisco", "Europe/Zurich": "geneva",
}
_ZONE_OF_ENGLISH_CITY = {name: zone for zone, names in _ENGLISH_CITIES.items()
                         for name in names.split()}
MIN_CITY_PREFIX = 4  # letters of a city's name that offer its zone in the list ("beij")


@cache
def _zones_by_city() -> dict[str, list[str]]:
    by_city: dict[str, list[str]] = {}
    for zone in _place_zones():
        by_city.setdefault(zone.rpartition("/")[2].casefold(), []).append(zone)
    return by_city


def _zone_of_city(city: str) -> str | None:
    """The zone of places named for a city typed as its last part ("New York":
    America/New_York, as the list offers it; a moderator may send the name before picking
    from the list). None for a name no place's zone ends with, or several do."""
    # (also as a zone's name is guessed from it: "Asia/Beijing")
    if (named := _ZONE_OF_ENGLISH_CITY.get(city.rpartition("/")[2])) is not None:
        return named
    zones = _zones_by_city().get(city, [])
    return zones[0] if len(zones) == 1 else None


def zones_of_place(typed: str) -> list[str]:
    """The zones of the places a Chinese name typed is part of ("北京" -> Asia/Shanghai),
    each once: the place typed whole first, then those it begins, then the rest ("德里":
    Delhi's, then Madrid's, 马德里), each in the order of ZONES_BY_PLACE; then those of
    the English names of cities it begins ("beij": Beijing's, Asia/Shanghai)."""
    city = zone_key(typed).rpartition("/")[2]  # "Asia/Beij": a zone's name guessed
    typed = fold("".join(typed.split()))
    if not typed:
        return []
    places = sorted((place for place in ZONES_BY_PLACE if typed in place),
                    key=lambda place: (place != typed, not place.startswith(typed)))
    # a city's English name, or its start ("beij"), whose zone is named for another
    cities = [_ZONE_OF_ENGLISH_CITY[name] for name in _ZONE_OF_ENGLISH_CITY
              if name.startswith(city) and len(city) >= MIN_CITY_PREFIX]
    return list(dict.fromkeys([*(ZONES_BY_PLACE[place] for place in places), *cities]))


def pick_reading(readings: tuple[_Reading, ...], abbreviation: str, day: date,
                 server: tzinfo, *, typed: bool = False) -> tuple[tzinfo, Text | None]:
    """The reading of a zone abbreviation, and a note when the server's zone did not settle
    it (`typed`: one a moderator typed, not a page's)."""
    noon = datetime.combine(day, time(12))
    local = noon.replace(tzinfo=server)
    # The server's clock that day, or its standard time (Chicago's in summer is still CST's).
    offset, dst = local.utcoffset(), local.dst()
    server_offsets = {offset, offset - dst if offset is not None and dst else offset}
    matching = [r for r in readings if _own_offset(r, noon) in server_offsets]
    chosen = matching[0] if len(matching) == 1 else readings[0]
    note = None
    if len(readings) > 1 and len(matching) != 1:
        others = [Text(r.name) for r in readings if r is not chosen]
        alternatives = others[0]
        for other in others[1:]:  # a list, each pair a whole phrase with its own word order
            alternatives = Text(N_("{first} or {second}"), first=alternatives, second=other)
        note = Text(N_("{abbreviation} could also mean {alternatives}; I read it as {chosen}. "
                       "If that is wrong, type the time with the offset you mean, such as "
                       "UTC+8") if typed else
                    N_("the page's {abbreviation} could also mean {alternatives}; I read it as "
                       "{chosen}. If that is wrong, set the server's timezone with /manage "
                       "timezone and import again, or set the start with /manage edit"),
                    abbreviation=abbreviation, alternatives=alternatives,
                    chosen=Text(chosen.name))
    zone: tzinfo
    if chosen.offset is None:
        zone = ZoneInfo(chosen.home)
    elif chosen.seasonal and not _keeps_all_year(server, chosen.offset, abbreviation,
                                                 day.year):
        # (not MST on a server in Arizona, which keeps it in summer too)
        zone = _HomeClock(chosen, abbreviation, typed)
    else:
        zone = timezone(chosen.offset)
    return zone, note


def _keeps_all_year(zone: tzinfo, offset: timedelta, abbreviation: str, year: int) -> bool:
    """Whether a zone is that abbreviation, at its offset, in both winter and summer of that
    year: its people write it for their own clock all year (MST in Arizona, EST in Panama).
    A clock at that offset by another name is not it: a page's EST in July on a server in
    Lima (UTC−5 all year, not called EST) is New York's, as on a server anywhere else."""
    return all(moment.utcoffset() == offset and (moment.tzname() or "").upper()
               == abbreviation.upper()
               for moment in (datetime(year, month, 15, 12, tzinfo=zone) for month in (1, 7)))


def _own_offset(reading: _Reading, noon: datetime) -> timedelta | None:
    """The reading's own offset that day, not its home zone's: Irish Standard Time is UTC+1
    even in December, when Dublin is on UTC+0."""
    if reading.offset is not None:
        return reading.offset
    return noon.replace(tzinfo=ZoneInfo(reading.home)).utcoffset()

