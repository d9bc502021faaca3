"""How the page reader reads a page's header: its title (and a site's kicker over it),
the date and time lines, the venue, and "Date: …", "时间：…" fields wherever they stand;
the lines a site adds that are never the event's (when the page was posted, a byline).
Mixed into `bot.pages_reader`'s reader, which walks the page and holds the state. Pure,
as `bot.pages` is."""

from __future__ import annotations

import re

from bot import pages_zh
from bot.pages_lines import BULLET, COLON, LONG_WORD, title_case
from bot.pages_names import narration, read_names
from bot.pages_people import PeopleReading, names_only
from bot.pages_zh import has_han
from bot.when import ZH_DAY_OF_WEEK, read_page_when
from bot.zones import ZONE_IN_TEXT, ZONES

_DIGIT = re.compile(r"\d")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
# An ISO date may run on into its time ("2026-06-05T10:00:00+08:00"): still a date; and
# so are year-first dates with dots or slashes ("2027.3.12", "2027/03/12"), as `bot.when`
# reads them; and so are the year-last ones with slashes ("Fri, 06/05/2026 - 10:00").
_DATE = re.compile(rf"\b{_MONTH} +\d{{1,2}}(?:st|nd|rd|th)?\b|"
                   rf"\b\d{{1,2}}(?:st|nd|rd|th)? +{_MONTH}|"
                   r"\b\d{4}-\d{1,2}-\d{1,2}(?:\b|(?=[Tt]\d))|\b\d{4}(?:\.\d{1,2}\.|/\d{1,2}/)\d{1,2}(?!\d|[./]\d)|"
                   r"(?<![\d/])\d{1,2}/\d{1,2}/\d{4}(?!\d|/\d)|"
                   rf"{pages_zh.DATE}")
# A line opening with its date (and weekday): a date line, whatever follows.
_DATE_FIRST = re.compile(rf"(?:[A-Z][a-z]+day,? +)?(?:{_DATE.pattern})")
# a date line with its year ("二〇二六年" too)
_YEAR = re.compile(rf"\b(?:19|20)\d\d\b|(?:\d{{4}}|{pages_zh.NUMERAL_YEAR})年")
# When the page itself was posted or updated, a line of the site's ("Posted on May 20,
# 2026", "来源：研究院 发布时间：2026-06-03 浏览次数：1024"): never the event's date.
_POSTED = re.compile(r"(?:posted|published|(?:last +)?(?:updated|modified))(?: +on)? *:? *",
                     re.I)
_POSTED_ZH = re.compile(r".{0,40}?(?:发布|发表|更新)(?:时间|日期)[：:]")
# ...or a date with the count of the post's readers after it, as a news page's line under
# its headline gives them ("2026年5月1日 10:00 浏览：1024", "2026-05-01 阅读量：356")
_READERS_ZH = re.compile(r"(?:浏览|阅读|点击|访问)(?:次数|量|数)?[：: ]*\d+")
# An article's byline, its author and then the day it was posted: "By Events Staff |
# October 30, 2026", "By Jane Doe · Oct. 30, 2026" (not "By invitation only")
# Its author is written as a name, each word capitalised ("By registration only, Tuesday,
# …" is the event's line), and its day has no time of day ("By Zoom | Tuesday, March 3,
# 2026, 6:00 PM ET" is the event's).
_BYLINE = re.compile(r"by +(?!invitation\b)(?P<author>[^|·•—–,]{1,60}?)(?: *[|·•—–] *| *, +)",
                     re.I)
_AUTHOR_WORD = re.compile(r"[A-Z][\w.’'-]*|&|and|of|the|de|van|von|der|la|le")
# A line ending in an abbreviation's period is not a sentence for it: "... and the U.S."
_ABBREVIATION_END = re.compile(
    r"(?:\b[A-Z]\.){2,}$|\b(?:Jr|Sr|Inc|Ltd|Co|Corp|St|Mt|Dr|Mr|Mrs|Ms|Prof|Gen|vs)\.$")
# Words of four letters or more a date line does not use: "Twenty Years after Sept 11 2001"
# has three, "Monday, December 1, 2027, from 6:00 PM" none.
_DATE_WORDS = re.compile(r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|from|until|through",
                         re.I)
# A line with only the time, under the date line: "18:00–20:00", "下午6点", "下午6:30",
# "6:00 PM - 8:00 PM EST", "6 – 8 p.m. ET", "6:00 PM ET / 3:00 PM PT". A bare hour only
# opens a range that ends with its "PM".
_MERIDIEM = r" *[AaPp]\.?[Mm]\.?"
_CLOCK = rf"(?:{pages_zh.TIME.pattern})(?:{_MERIDIEM})?|\d{{1,2}}{_MERIDIEM}"
_TO = r" *(?:[-–—~～−－至到]|to|until) *"
# ...its zone: "EST", "UTC+8", "Beijing time", or a place's as Chinese pages name it ("北京时间",
# "美东时间"), in either kind of brackets: "15:00-17:00（北京时间）"
_ZH_ZONE = "|".join(sorted((name for name in ZONES if has_han(name)), key=len, reverse=True))
_TIME_ZONE = (r"(?:[A-Z]{2,5}(?: *[+\-−] *\d{1,2}(?::?\d\d)?)?|[A-Z][a-z]+ +[Tt]ime"
              rf"|{_ZH_ZONE})")
# ...or noon and midnight by name ("noon - 2 PM", "中午-下午2点"), and an end said to be the
# next day's ("23:00-次日1:00", "11 PM - 1 AM (next day)"), as bot.when reads them
_NAMED_CLOCK = rf"{_CLOCK}|(?i:(?:12 *)?(?:noon|mid-?day|midnight))|中午"
_NEXT_DAY = r"(?:次日|翌日|隔天|隔日|第二天) *"
_NEXT_DAY_AFTER = r"(?: *[(（]? *(?:\+ *1|(?i:next +day)|次日|翌日) *[)）]?)?"
_TIMES = (rf"(?:{_NAMED_CLOCK}|\d{{1,2}}(?={_TO}))(?:{_TO}(?:{_NEXT_DAY})?(?:{_NAMED_CLOCK})"
          rf"{_NEXT_DAY_AFTER})?(?: *,? *[(（]?{_TIME_ZONE}[)）]?)?")
_A_CLOCK = re.compile(_CLOCK)  # a time of day in a line
_TIME_LINE = re.compile(rf"{_TIMES}(?: *[/|] *{_TIMES})?")
# "Date: …", "Time: …", "Location: …" lines, wherever they are (an "Event details" box).
_FIELD_LINE = re.compile(r"(?:event +)?(date|time|when|location|venue|where) *: *(\S.{0,150})",
                         re.I)
# A line over the title ("Upcoming Event", "Webinar"): never the title.
_KICKER = re.compile(r"(?:(?:upcoming|past|featured|public|private|online|virtual|live|hybrid|"
                     r"special) +)*(?:events?|webinars?|seminars?|briefings?|panels?)", re.I)
# A kicker before the title, as sites put them ("活动预告｜…", "Event Recap: …"): not
# the event's name. One that says the page tells of the event afterwards (`recap`) makes
# the page a recap.
_TITLE_KICKER = re.compile(
    r"(?:(?:活动|会议|讲座|论坛|研讨会|学术)?(?:预告|通知|(?P<zh_recap>回顾|综述|纪要|报[道导]|速递))|"
    r"(?:upcoming|past) +events?|events? +(?P<en_recap>recap|report|summary|highlights)|"
    r"(?P<recap>recap|highlights)) *[｜|丨:：] *", re.I)
# A title that names the page as the event's record ("中美关系研讨会纪要", "论坛综述"), or
# reports the event held, as a news item does ("……研讨会成功举办", "……论坛圆满落幕").
_TITLE_TELLS_AFTER = re.compile(r"(?:纪要|综述|实录|速递|侧记|(?:活动|会议|论坛|讲座)回顾|"
                                r"(?:成功|顺利|圆满)(?:举办|举行|召开|落幕|结束))\s*$")
_ONLINE = re.compile(r"(?:Live|Streaming|Online|Virtual|Webcast)\b.*")
_PLACE = re.compile(
    r"[A-ZÀ-Þ][\w.’'-]*(?: +[A-ZÀ-Þ][\w.’'-]*){0,2}, +[A-ZÀ-Þ][\w.]*(?: +[A-ZÀ-Þ][\w.]*)?")
_LOCATION = re.compile(rf"{_ONLINE.pattern}|{_PLACE.pattern}")
# A bulleted detail saying the event is online ("• Online Only", "• Virtual Event", "•
# Live on YouTube"); not a bulleted line of a recap opening so ("• Online registration
# opens soon", "• Live from Washington, with remarks by …").
_ONLINE_DETAIL = re.compile(
    r"(?:Live|Streaming|Online|Virtual|Webcast)(?: +(?:only|event|webinar|stream|livestream|"
    r"broadcast|(?:via|on) +[A-Z][\w.]*(?: +[A-Z][\w.]*)?))?(?: +only)?", re.I)
# A venue, its city and its state or country, as pages write them under the date:
# "Carnegie Endowment, Washington, DC", "Museum of Fine Arts, Boston, MA", "Tsinghua
# University, Beijing, China", "Room 301, Wilson Building, Beijing".
_PLACE_WORD = r"[A-ZÀ-Þ][\w.’'&-]*"
_VENUE = re.compile(
    rf"{_PLACE_WORD}(?: +(?:(?:of|the|for|and|on|at|de|du|des|der)\b +)?(?:{_PLACE_WORD}|\d+))"
    rf"{{0,5}}(?:, +{_PLACE_WORD}(?: +{_PLACE_WORD}){{0,2}}){{2,3}}")
# A date and the venue on one line, parted by a bar or a dot.
_DATE_AND_PLACE = re.compile(r"(.{6,80}?) +[|•·] +([^|•·]{2,80})")
# A street address, or a room or building, in the line under the date: the venue, however
# long.
_ADDRESS = re.compile(
    r"\b\d{1,5}(?:-\d+)? +(?:[A-Z][\w.'’-]* +){1,4}(?:Ave(?:nue)?|St(?:reet)?|Rd|Road|"
    r"Blvd|Boulevard|Way|Square|Place|Pl|Lane|Ln|Drive|Dr)\b|"
    r"\b(?:Room|Hall|Floor|Suite) +[A-Z0-9][\w-]*\b|"  # "Hall B", "Room 201"
    # "Building 5", "Bldg. 12A"; not "Capacity Building Workshop"
    r"\b(?:Building|Bldg\.?) +(?:\d{1,4}[A-Z]?|[A-Z])\b|"
    r"\b[A-Z][\w’'-]+ +(?:Hall|Auditorium|Building|Hotel|Theat(?:er|re))(?= *(?:,|$))")


def _header_line(line: str) -> bool:
    """Short, and no sentence: a header line's shape."""
    return not (len(line) > 150 or BULLET.match(line) or (line.endswith((".", "。")) and not (
        _ABBREVIATION_END.search(line) and title_case(line))))


# The Han characters of a date written in Chinese: "2026年12月1日（星期二）", "12月1日 周二",
# "二〇二六年十二月一日"
_DATE_HAN = re.compile(r"[年月日号星期周天一二三四五六七八九十零]")
# A Chinese line's words of when, no prose: its date, weekday and times (and its zone,
# `ZONE_IN_TEXT`)
_ZH_WHEN = re.compile(rf"{pages_zh.DATE}|(?:周|星期|礼拜)[一二三四五六日天]|"
                      rf"{pages_zh.TIME.pattern}")
_HAN_CHARACTER = re.compile(f"[{pages_zh.HAN}]")


def date_alone(line: str) -> bool:
    """A line that is a date and nothing in Chinese but the date's own characters."""
    return dated(line) and not has_han(_DATE_HAN.sub("", pages_zh.fold(line)))


# A line of registration's deadline or dates, by its label ("报名截止时间：2036年6月1日 17:00",
# "报名时间：5月20日至6月1日", "截止日期：…"): its date is never the event's.
_REGISTRATION_DATES_ZH = re.compile(
    rf"{pages_zh.LABEL_BULLET}{pages_zh.LABEL_OPENS}"
    r"(?:(?:报名|登记)(?:截止)?(?:时间|日期)|(?:报名|登记)?截止(?:时间|日期)?)")


def dated(line: str) -> bool:
    """A date line's: a date, in a line of at most 80 characters (either Chinese script);
    not a line of registration's deadline or dates."""
    if len(line) > 80:
        return False
    read = pages_zh.fold(line)
    return bool(_DATE.search(read)) and not _REGISTRATION_DATES_ZH.match(read)


def without_kicker(title: str | None) -> tuple[str | None, bool]:
    """The title without a site's kicker before it, and whether that kicker says the page
    tells of the event afterwards ("活动回顾｜…", "Event Recap: …")."""
    kicker = _TITLE_KICKER.match(pages_zh.fold(title)) if title else None
    if title is None or kicker is None or not title[kicker.end():].strip():
        return title, bool(title and _TITLE_TELLS_AFTER.search(pages_zh.fold(title)))
    return title[kicker.end():], bool(kicker["zh_recap"] or kicker["en_recap"]
                                      or kicker["recap"])


def posted(line: str) -> bool:
    """A line saying when the page was posted, the date right after its word or its
    byline ("Updated: the panel moves online" is news of the event), or a Chinese page's
    line of its source and posting time."""
    if len(line) > 80:
        return False
    read = pages_zh.fold(line)
    english = _POSTED.match(read)
    if not english and (byline := _BYLINE.match(read)):
        day = _DATE_FIRST.match(read, byline.end())
        return (day is not None and not _A_CLOCK.search(read, day.end())
                and all(_AUTHOR_WORD.fullmatch(word) for word in byline["author"].split()))
    if english:
        return bool(_DATE_FIRST.match(read, english.end()))
    return bool((_POSTED_ZH.match(read) or _READERS_ZH.search(read)) and _DATE.search(read))


def _timed(line: str) -> bool:
    """A time line's: only the time, in at most 60 characters (either Chinese script: "下午6點")."""
    return len(line) <= 60 and bool(_TIME_LINE.fullmatch(pages_zh.fold(line)))


# Between a date and its times on a line of both: its year, a weekday in brackets
# ("Friday, March 12, 2027, 2:00 PM", "2027年3月12日（星期五）下午2点")
_BEFORE_TIMES = re.compile(rf"[ ,]*(?:\d{{4}}[ ,]*)?{ZH_DAY_OF_WEEK}[ ,]*")


def _date_and_times(line: str) -> bool:
    """A line of a date (and weekday) and its times alone, nothing else (either script)."""
    folded = pages_zh.fold(line)
    date = _DATE_FIRST.match(folded)
    return date is not None and _timed(_BEFORE_TIMES.sub("", folded[date.end():], count=1))


def field_kind(par: str) -> tuple[str, bool] | None:
    """A labelled line of when or where, either language's ("时间：…", "Venue: …"): the
    field it gives ("date_text", "location") and whether its label is Chinese; None for
    any other."""
    if len(par) > 200:
        return None
    zh = pages_zh.FIELD_LINE.fullmatch(pages_zh.fold(par))
    en = None if zh else _FIELD_LINE.fullmatch(par)
    field = (pages_zh.FIELD_NAMES[zh.group(1)] if zh
             else "location" if en and en.group(1).lower() in ("location", "venue", "where")
             else "date_text" if en else None)
    return None if field not in ("date_text", "location") else (field, zh is not None)


def _prose(line: str) -> int:
    """The words of a line that are not of when it is: English words of four letters or
    more, and Chinese ones, of two characters each about ("十月七日之后的中东" has two)."""
    english = sum(1 for word in LONG_WORD.findall(_DATE.sub(" ", line))
                  if not _DATE_WORDS.fullmatch(word))
    # (its runs of spaces made one: `pages_zh.TIME` opens with a run of its own, which
    # would be read again from each space of a long one)
    said = _ZH_WHEN.sub(" ", ZONE_IN_TEXT.sub(" ", " ".join(pages_zh.fold(line).split())))
    chinese = len(_HAN_CHARACTER.findall(said))
    return english + chinese // 2


def _says(title: str, line: str) -> bool:
    """Whether a title is the line, maybe followed by its site's name ("中美关系的未来 -
    清华大学", "Nuclear Futures | Carnegie")."""
    title, line = title.casefold(), line.casefold()
    return title == line or (title.startswith(line)
                             and title[len(line):].lstrip()[:1] in ("-", "–", "—", "|", "｜", "_"))


class HeaderReading(PeopleReading):
    """The reader's header: title, date, time and venue lines while the header is open,
    and labelled fields anywhere. Mixed into ``_Reader``, which holds the state declared
    here (and `PeopleReading`'s)."""

    repeated_header: set[str]
    later_when: list[str]
    when_again_asked: bool
    people_headed: bool
    labelled: set[str]
    dated_at: int
    headed_at: int
    bare_place: str | None

    def _header(self, par: str) -> bool:
        """Title, date and location lines; a repeated kind of line ends the header."""
        if not _header_line(par):
            return False
        self._later_when(par)
        date_and_place = _DATE_AND_PLACE.fullmatch(par)
        place = date_and_place.group(2) if date_and_place else ""
        if (date_and_place and dated(date_and_place.group(1)) and "date_text" not in self.header
                and "location" not in self.header and not dated(place)
                and (self._venue(place) or _ADDRESS.search(place)
                     or (_LOCATION.fullmatch(place) and not read_names(place)))):
            # not "| Kaja Kallas, Sophia Besch", "| Nuclear Policy"; a street address is
            # the venue whatever name-like words it holds ("1000 Market St, Springfield")
            # "Dec 15, 2026 | Washington, DC"; not "| Europe Program", "· 5 min read"
            self.header["date_text"], self.header["location"] = date_and_place.groups()
            return True
        # people listed ("Ann Lee, Bo Chen"; one name alone may be a city's, "Hong Kong")
        listed = len(names_only(par)) > 1
        if dated(par):
            field = "date_text"
            earlier = self.header.get(field)
            if earlier is not None and "title" not in self.header and not self.later_version:
                taken = self._second_date_line(earlier, par)
                if taken is not None:
                    return taken
        elif "date_text" in self.header and _timed(par):
            if self.later_version or "time" in self.header:
                return self.later_version
            self.header["time"] = par  # the time on its own line under the date
            return True
        elif not self.header and _KICKER.fullmatch(par):
            return True  # "Online Event" over the title: a site's kicker, not the venue
        # once "Speakers", "主讲人" or "嘉宾简介" has headed names, a name is no venue ("John
        # C. Aquilino"), though a date or a street address still is the event's
        elif (len(par) <= 60 and _LOCATION.fullmatch(par) and not self.people_headed
              and not listed) or (
                "date_text" in self.header and len(par) <= 120 and (
                    _ADDRESS.search(par) or (self._venue(par) and not self.people_headed))):
            field = "location"
        elif ("date_text" in (self.repeated_header if self.later_version else self.header)
              and len(par) <= 30 and not _DIGIT.search(par) and not self.people_headed
              and not COLON.search(par) and not narration(par) and not listed):
            # a short line under the date: "Beijing", "北京"; not another field ("Moderator:
            # Tong Zhao", "主办：清华大学": a venue has its own label) nor a role
            # ("Moderated by Tong Zhao"); unless the page says otherwise (`_place_is_title`)
            field = "location"
            if "location" not in self.header and not self.later_version:
                self.bare_place = par
        elif _KICKER.fullmatch(par):
            return True  # "Upcoming Event" over the title
        else:
            field = "title"
        if field in self.header:
            # The other language version repeats each header line once: not new content.
            if self.later_version and field not in self.repeated_header:
                self.repeated_header.add(field)
                return True
            # An <h1> under an og:title that says it already; else the header ends, unless
            # the line is a subtitle (`_subtitle`).
            return field == "title" and par.casefold() in self.header["title"].casefold()
        self.header[field] = par
        return True

    def _detail(self, par: str) -> str:
        """A header line without its bullet when it is one of the event's details, as sites
        list them ("• Tuesday, March 17, 2026", "• 10:00 am - 11:00 am EDT", "• Online
        Only"): its date, its time (under the date) or its place, never a name ("• Tong
        Zhao" may be a list of speakers); any other line as it is."""
        bullet = BULLET.match(par)
        line = par[bullet.end():] if bullet else par
        if bullet and (dated(line) or ("date_text" in self.header and _timed(line))
                       or (len(line) <= 60 and _ONLINE_DETAIL.fullmatch(line))
                       or ((_PLACE.fullmatch(line) or _ADDRESS.search(line))
                           and len(line) <= 120 and not read_names(line))
                       or self._venue(line)):
            return line
        return par

    def _later_when(self, line: str) -> None:
        """Keep a date or time line of the page's other language version, which may name
        the zone the first version's leaves out (`_zoned`)."""
        if self.later_version and len(self.later_when) < 2 and (dated(line) or _timed(line)):
            self.later_when.append(line)

    def _zoned(self, line: str | None) -> str | None:
        """The date line, with the zone the other language version names for the same day
        and time ("19:00-20:30" and "19:00-20:30 (Beijing Time)") where it names none."""
        other = " ".join(self.later_when)
        zone = ZONE_IN_TEXT.search(pages_zh.fold(other))
        if line is None or zone is None or ZONE_IN_TEXT.search(pages_zh.fold(line)):
            return line
        ours = read_page_when(line, "UTC")
        theirs = read_page_when(other[:zone.start()] + other[zone.end():], "UTC")
        if ours.all_day or ours.starts_at is None or ours.starts_at != theirs.starts_at:
            return line
        return f"{line} ({other[zone.start():zone.end()]})"

    def _venue(self, line: str) -> bool:
        """A venue, its city and its state or country ("Carnegie Endowment, Washington,
        DC"); not a person's post and affiliation ("Senior Fellow, Carnegie Endowment,
        Washington") nor a line opening with a person's name ("Ann Lee, Bo Chen, Li Bin",
        "Ann Lee, Carnegie Endowment, Washington")."""
        return (len(line) <= 120 and bool(_VENUE.fullmatch(line)) and not self._title_line(line)
                and not names_only(line.split(",", 1)[0]))

    def _subtitle(self, i: int) -> bool:
        """A second title line over the date (an <h1> under a differing og:title, an <h2>
        subtitle): the header goes on to the date and venue under it, and the line
        describes the event."""
        seen = self.repeated_header if self.later_version else self.header
        line = self.paras[i]  # a sentence too: "A conversation on missile defense."
        return ("title" in seen and "date_text" not in seen and "location" not in seen
                and len(line) <= 150 and not BULLET.match(line)
                and any(dated(par) for par in self.paras[i + 1:i + 3]))

    def _second_date_line(self, earlier: str, par: str) -> bool | None:
        """A date line under the first line, itself read as the date line: True when the
        first was a title naming a date in passing ("After Oct 7: ...", "Twenty Years after
        Sept 11 2001"), or a bare day this one gives in full with its year ("Tuesday,
        December 1"); None when the first stays the date line (this one ends the header)."""
        if not _YEAR.search(par):
            return None  # never a date line without its year for one that may have it
        if _YEAR.search(earlier) and (_DATE_FIRST.match(pages_zh.fold(earlier))
                                      or _prose(earlier) <= max(_prose(par), 1)):
            return None  # "December 1, 2027, Washington" over the day's time: the date
        if _prose(earlier) > _prose(par):
            self.header["title"] = earlier
        self.header["date_text"] = par
        return True

    def _field(self, i: int) -> bool:
        """"Date: …", "Time: …", "Location: …" lines, wherever they are; the first of each
        kind counts."""
        par = self.paras[i]
        m = _FIELD_LINE.fullmatch(par) if len(par) <= 160 else None
        if m is None:
            return False
        label, value = m.group(1).lower(), m.group(2)
        if label in ("time", "when") and _timed(value):
            field = "time"
        elif (label in ("date", "when") or (label == "time" and "date_text" not in self.header)
              ) and dated(value):  # "Time: March 12, 2027, 2 PM" as the page's only date line
            field = "date_text"
        elif label in ("location", "venue", "where") and len(value) <= 100 and (
                not value.endswith((".", "?", "!")) or _ABBREVIATION_END.search(value)):
            # a sentence is no venue, but "Wilson Center, Washington, D.C." is
            field = "location"
        elif (label == "time" and self.dated_at == i - 1 and not self.when_again_asked
              and _date_and_times(value) and self._when_again(value)):
            self._later_when(value)  # the date line in the page's other language: read
            return True
        else:
            return False
        self._labelled(field, value)
        return True

    def _when_again(self, value: str) -> bool:
        """Whether a labelled date and time right under the Chinese date line gives its
        moment, start and end: a page that writes each line in both languages writes it
        again ("Time: March 12, 2027, 2:00-4:00 PM" under "时间：2027年3月12日 下午2:00-4:00").
        A moment of its own (a session's, a reception's) stays in the description, and so
        does a line saying more than the date and times (`_date_and_times`). Asked once a
        page: its lines may be thousands."""
        self.when_again_asked = True
        line = self._date_line()
        if line is None:
            return False
        ours = read_page_when(line, "UTC")
        again = read_page_when(value, "UTC")
        return ours.starts_at is not None and (ours.starts_at, ours.ends_at) == (
            again.starts_at, again.ends_at)

    def _date_line(self) -> str | None:
        """The date line read so far: its date, with the time read on a line of its own (a
        time alone is no date)."""
        date, time = self.header.get("date_text"), self.header.get("time")
        line = f"{date} {time}" if date and time else date
        ends = self.header.get("ends")  # "结束时间：…", read as a range's end
        return f"{line} - {ends}" if line and ends else line

    def _labelled(self, field: str, value: str) -> None:
        """A labelled field's value ("Date: …", "时间：…"): the first of each kind counts.
        A labelled date also outranks an unlabelled date line above it that gives a day
        alone: a site's day of posting ("May 20, 2026" over "Date: June 1, 2026"), where a
        line giving the event's time of day too is the event's."""
        self._later_when(value)
        if field in self.labelled:
            return
        self.labelled.add(field)
        earlier = self.header.get(field)
        if field == "location" and self._place_is_title():
            earlier = None  # the line under the date was the title; this is the venue
        if earlier is None or (field == "date_text" and "time" not in self.header
                               and not _A_CLOCK.search(pages_zh.fold(earlier))):
            self.header[field] = value

    def _zh_field(self, i: int) -> bool:
        """"时间：…", "地点：…", "主题：…" lines, wherever they are."""
        par = self.paras[i]
        m = pages_zh.FIELD_LINE.fullmatch(pages_zh.fold(par))
        if m:  # the value as written
            field, value = pages_zh.FIELD_NAMES[m.group(1)], par[m.start(2):]
            if field == "ends":
                self.header.setdefault("ends", value)
            elif field == "date_text" and _timed(value):
                # "日期：2026年12月1日" and "时间：14:00-16:00", in either order: the event's
                # time, unless a heading came between ("会议议程": a session's)
                if self.headed_at < self.dated_at or "date_text" not in self.header:
                    self.header.setdefault("time", value)
            else:
                self._labelled(field, value)
                if field == "date_text":
                    self.dated_at = i
        return bool(m)

    def _place_is_title(self) -> bool:
        """Whether the venue, the bare short line under the date, is the page's title,
        which then takes it: a page that opens with its date and its title, and labels its
        venue further down ("地点：…": the line was no venue, and the page has read no other
        title), or says the line is its title (its <title> "中美关系的未来 - 清华大学" over its
        date and its <h1> "中美关系的未来", or "主题：中美关系的未来" further down). Not the
        line alone: venues under a date ("New York City", "北京大学 国际关系学院 秋林报告厅")
        have the shape of titles as often as titles do."""
        place, title = self.header.get("location"), self.header.get("title")
        if place is None or place != self.bare_place:
            return False
        if title is None and "location" in self.labelled:
            self.header["title"] = place
        elif title is None or not _says(title, place):
            return False
        del self.header["location"]
        self.bare_place = None
        return True

    def _location(self) -> str | None:
        """The header's venue; not a short line under the date that names one of the page's
        people ("Tong Zhao" over the description, a card further down): a name may be a
        city's ("Hong Kong"), so the line is read as the venue until the page says whose
        it is. A "Location: …" line is the venue whatever it says."""
        self._place_is_title()
        location = self.header.get("location")
        if location and "location" not in self.labelled and self._known(location):
            return None
        return location
