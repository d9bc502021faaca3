"""Reading when an event is: a page's date line, and the times moderators type."""

import contextlib
import re
import sys
import time
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import page_facts, validate_link
from bot.errors import InvalidValue
from bot.i18n import Text, language
from bot.pages import parse_page
from bot.when import (  # _find_days: the patterns, timed on a whole long line
    _find_days,
    read_page_when,
)
from bot.when_typed import has_time_of_day, is_iso, parse_typed
from bot.zones import check_zone_name, day_offsets, offset_zones, server_zone, zone_names
from tests.traditional import traditional


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("line", "zone", "start", "end"), [
    ("December 15, 2026, 6:00 PM - 8:00 PM EST", None, utc(2026, 12, 15, 23), utc(2026, 12, 16, 1)),
    ("Tuesday, December 1, 2026 | 18:00–20:00 (Beijing time)", None,
     utc(2026, 12, 1, 10), utc(2026, 12, 1, 12)),
    ("2026年12月1日 18:00", "Asia/Shanghai", utc(2026, 12, 1, 10), None),
    ("2026年12月1日（星期二）下午6:00-8:00", "Asia/Shanghai", utc(2026, 12, 1, 10),
     utc(2026, 12, 1, 12)),
    ("2026年12月1日 下午6点半 北京时间", None, utc(2026, 12, 1, 10, 30), None),
    ("2026年12月1日 下午6點半 北京時間", None, utc(2026, 12, 1, 10, 30), None),  # traditional
    ("2026年12月8日 凌晨0点30分", "Asia/Shanghai", utc(2026, 12, 7, 16, 30), None),
    ("2026年12月8日 零点", "Asia/Shanghai", utc(2026, 12, 7, 16), None),  # not a date alone
    ("2026年12月7日 22:00-零点", "Asia/Shanghai", utc(2026, 12, 7, 14), utc(2026, 12, 7, 16)),
    ("2026年12月8日 傍晚6点", "Asia/Shanghai", utc(2026, 12, 8, 10), None),
    ("2026年12月5日（週六）下午3點30分至5點", "Asia/Taipei", utc(2026, 12, 5, 7, 30),
     utc(2026, 12, 5, 9)),
    ("June 3, 2026, 6:00 PM PDT", None, utc(2026, 6, 4, 1), None),
    ("1 July 2026, 09:00 BST", None, utc(2026, 7, 1, 8), None),
    ("March 2, 2026 10:00 JST", None, utc(2026, 3, 2, 1), None),
    ("Dec 1, 2026, 18:00 UTC+05:30", None, utc(2026, 12, 1, 12, 30), None),
    ("Dec 1, 2026, 6:00 PM ET", None, utc(2026, 12, 1, 23), None),
    ("Jul 1, 2026, 6:00 PM ET", None, utc(2026, 7, 1, 22), None),  # EDT in summer
    ("Dec 1, 2026, 10 PM - 1 AM GMT", None, utc(2026, 12, 1, 22), utc(2026, 12, 2, 1)),
    ("December 1, 2026, 6:00 PM", "Europe/Paris", utc(2026, 12, 1, 17), None),  # server's zone
    # the zone written out, and before the times
    ("Jul 1, 2026, 7:00 PM (Eastern Time)", "UTC", utc(2026, 7, 1, 23), None),
    ("Dec 1, 2026, 7:00 PM Pacific Time", "UTC", utc(2026, 12, 2, 3), None),
    ("2026年6月9日（星期二）北京时间19:00-20:30", "UTC", utc(2026, 6, 9, 11),
     utc(2026, 6, 9, 12, 30)),
    ("2026年6月9日 北京時間晚上7點", "UTC", utc(2026, 6, 9, 11), None),
    ("June 9, 2026 (Beijing time) 7 PM", "UTC", utc(2026, 6, 9, 11), None),
])
def test_a_page_date_line_gives_the_start_and_end_in_utc(line, zone, start, end):
    when = read_page_when(line, zone)
    assert (when.starts_at, when.ends_at, when.all_day) == (start, end, False)
    assert when.note is None


@pytest.mark.parametrize(("line", "start", "end"), [
    ("2026-06-05T10:00:00+08:00", utc(2026, 6, 5, 2), None),
    ("2026-06-05T10:00:00Z", utc(2026, 6, 5, 10), None),
    ("Date: 2026-06-05T10:00-04:00 – 2026-06-05T11:30-04:00", utc(2026, 6, 5, 14),
     utc(2026, 6, 5, 15, 30)),
    ("2026-06-05T10:00+08:00/2026-06-05T11:30", utc(2026, 6, 5, 2), utc(2026, 6, 5, 3, 30)),
    ("2026-06-05T10:00:00.250+0800", utc(2026, 6, 5, 2), None),
    ("2026-06-05T10:00Z - 2026-06-05T09:00Z", utc(2026, 6, 5, 10), None),  # an end before
    # ISO 8601's 24:00: the midnight that ends the day
    ("Date: 2026-06-05T24:00+08:00", utc(2026, 6, 5, 16), None),
    ("2026-06-05T18:00+08:00 – 2026-06-05T24:00+08:00", utc(2026, 6, 5, 10), utc(2026, 6, 5, 16)),
    ("2026-12-31T18:00Z/2026-12-31T24:00:00.000Z", utc(2026, 12, 31, 18), utc(2027, 1, 1)),
    # written with a space, and each end with its own offset
    ("2026-06-05 10:00:00Z", utc(2026, 6, 5, 10), None),
    ("2026-06-05 10:00:00Z – 2026-06-05 20:00:00+08:00", utc(2026, 6, 5, 10), utc(2026, 6, 5, 12)),
    ("2026-06-05 10:00:00+08:00 – 2026-06-05 11:00:00Z", utc(2026, 6, 5, 2), utc(2026, 6, 5, 11)),
    ("2026-06-05T10:00+08:00 – 2026-06-05T11:00Z", utc(2026, 6, 5, 2), utc(2026, 6, 5, 11)),
    ("2026-06-05 10:00+08:00 – 2026-06-05 11:00Z", utc(2026, 6, 5, 2), utc(2026, 6, 5, 11)),
    ("2026-06-05 10:00Z – 2026-06-05 20:00+08:00", utc(2026, 6, 5, 10), utc(2026, 6, 5, 12)),
])
def test_an_iso_moment_keeps_its_own_offset_wherever_the_server_is(line, start, end):
    # a web page's structured data gives its times so: the offset is the page's zone
    for zone in ("Asia/Shanghai", "America/Los_Angeles", None):
        when = read_page_when(line, zone)
        assert (when.starts_at, when.ends_at, when.all_day, when.note) == (start, end, False,
                                                                          None)


@pytest.mark.parametrize(("line", "zone", "start", "end"), [
    ("2026-06-05T18:00/2026-06-05T20:00", "Asia/Shanghai", utc(2026, 6, 5, 10),
     utc(2026, 6, 5, 12)),
    ("2026-06-05T18:00 - 2026-06-05T21:00", "UTC", utc(2026, 6, 5, 18), utc(2026, 6, 5, 21)),
    ("2026-06-05T18:00:00 – 2026-06-05T20:00:00", "America/New_York", utc(2026, 6, 5, 22),
     utc(2026, 6, 6)),
    # the end at the start's offset, in its zone: across the change of the clocks too
    ("2026-11-01T00:30/2026-11-01T03:00", "America/New_York", utc(2026, 11, 1, 4, 30),
     utc(2026, 11, 1, 8)),
    ("2026-06-05T18:00/2026-06-05T20:00 EDT", "UTC", utc(2026, 6, 5, 22), utc(2026, 6, 6)),
    ("2026-06-05T18:00/2026-06-07", "UTC", utc(2026, 6, 5, 18), utc(2026, 6, 8)),
])
def test_iso_moments_without_an_offset_are_both_read_where_the_start_is(line, zone, start, end):
    when = read_page_when(line, zone)
    assert (when.starts_at, when.ends_at, when.note, when.end_note) == (start, end, None, None)


def test_a_page_range_ending_at_its_start_has_no_end():
    when = read_page_when("December 1, 2026, 6:00 PM - 6:00 PM", "UTC")
    assert (when.starts_at, when.ends_at) == (utc(2026, 12, 1, 18), None)


@pytest.mark.parametrize(("line", "start", "written"), [
    ("December 1, 2026, 6:00 PM - 6:00 PM", utc(2026, 12, 1, 18), "6:00 PM"),
    ("Dec 1, 2026 18:00 - 18:00 (Beijing time)", utc(2026, 12, 1, 10), "18:00"),
    ("2026年12月1日 下午6点至下午6点", utc(2026, 12, 1, 18), "下午6点"),
    ("Dec 1, 2026 24:00 - 24:00", utc(2026, 12, 2), "24:00"),
    # each day its own time, the same day written at both ends: no wrap past midnight
    ("June 1, 2026, 9:00 - June 1, 2026, 8:00", utc(2026, 6, 1, 9), "8:00"),
    ("June 1, 2026, 9:00 AM - June 1, 2026, 9:00 AM", utc(2026, 6, 1, 9), "9:00 AM"),
    # ISO 8601 moments (a web page's structured start and end) are exact: none wraps
    ("2026-06-05T18:00+08:00/2026-06-05T17:00+08:00", utc(2026, 6, 5, 10),
     "2026-06-05T17:00+08:00"),
    ("2026-06-05T18:00Z – 2026-06-05T18:00:00Z", utc(2026, 6, 5, 18), "2026-06-05T18:00:00Z"),
    ("2026-06-05T18:00+08:00/2026-06-05T17:30", utc(2026, 6, 5, 10), "2026-06-05T17:30"),
    ("2026-06-05T01:00+08:00 – 2026-06-04", utc(2026, 6, 4, 17), "2026-06-04"),
    ("2026-06-05T18:00/2026-06-05T17:00", utc(2026, 6, 5, 18), "2026-06-05T17:00"),
])
def test_a_page_end_not_after_its_start_is_left_unset_and_said(line, start, written):
    when = read_page_when(line, "UTC")
    assert (when.starts_at, when.ends_at, when.note) == (start, None, None)
    assert str(when.end_note) == (f"the page's end {written!r} is not after its start, so I "
                                  "left the end unset; set it with /manage edit")


@pytest.mark.parametrize(("line", "end"), [
    ("December 1, 2026, 10 PM - 2 AM", utc(2026, 12, 2, 2)),
    ("2026年12月1日 晚上10点至1点", utc(2026, 12, 2, 1)),
    ("June 1, 2026, 9:00 - June 3, 2026, 8:00", utc(2026, 6, 3, 8)),
    ("June 1-3, 2026, 6:00 PM - 6:00 PM", utc(2026, 6, 3, 18)),
    ("2026-06-05T18:00Z – 2026-06-05", None),  # a day alone, the start's: no end, no note
])
def test_a_range_past_midnight_or_over_days_is_no_end_before_its_start(line, end):
    when = read_page_when(line, "UTC")
    assert (when.ends_at, when.note, when.end_note) == (end, None, None)


@pytest.mark.parametrize(("line", "start", "end"), [
    ("2026-06-05 09:30-11:30", utc(2026, 6, 5, 1, 30), utc(2026, 6, 5, 3, 30)),
    ("时间：2026-06-05 10:00-12:00（北京时间）", utc(2026, 6, 5, 2), utc(2026, 6, 5, 4)),
    ("2026-06-05 09:00-11", utc(2026, 6, 5, 1), utc(2026, 6, 5, 3)),
])
def test_a_date_with_a_time_range_is_no_iso_moment_with_a_negative_offset(line, start, end):
    # "09:30-11:30" after a date and a space is the event's hours, not 09:30 at UTC-11:30
    when = read_page_when(line, "Asia/Shanghai")
    assert (when.starts_at, when.ends_at, when.note) == (start, end, None)


@pytest.mark.parametrize(("line", "start", "end"), [
    # New York's clock: EST in March before its change, EDT in July
    ("时间：2027年3月12日 晚上8点-10点（美东时间）", utc(2027, 3, 13, 1), utc(2027, 3, 13, 3)),
    ("2027年7月12日 上午9:00-11:00 美国东部时间", utc(2027, 7, 12, 13), utc(2027, 7, 12, 15)),
    ("2027年7月12日 下午3点 东部时间", utc(2027, 7, 12, 19), None),
    ("华盛顿时间2027年7月12日 下午3点", utc(2027, 7, 12, 19), None),
    ("2027年7月12日 上午9:00（太平洋时间）", utc(2027, 7, 12, 16), None),
    ("2027年1月12日 上午9:00（美西时间）", utc(2027, 1, 12, 17), None),
    ("2027年3月12日 下午3点（台北时间）", utc(2027, 3, 12, 7), None),
    ("2027年7月12日 下午3点（伦敦时间）", utc(2027, 7, 12, 14), None),
    ("2027年1月12日 下午3点 英国时间", utc(2027, 1, 12, 15), None),
    ("2027年1月12日 下午3点（欧洲中部时间）", utc(2027, 1, 12, 14), None),
    ("2027年1月12日 下午3点（东京时间）", utc(2027, 1, 12, 6), None),
])
@pytest.mark.parametrize("script", [str, traditional])
def test_a_chinese_page_names_its_zone_by_its_place(line, start, end, script):
    """"美东时间", "太平洋时间", "台北时间": read at that zone, not the server's (a server in
    Beijing read "晚上8点（美东时间）" as 8 PM in Beijing, 12 hours early)."""
    when = read_page_when(script(line), "Asia/Shanghai")
    assert (when.starts_at, when.ends_at, when.note) == (start, end, None)


def test_the_first_date_of_a_line_is_its_date_though_an_iso_moment_follows():
    when = read_page_when("Friday, June 5, 2026, 10:00 AM (posted 2025-12-01T09:00:00Z)", "UTC")
    assert (when.starts_at, when.ends_at) == (utc(2026, 6, 5, 10), None)


@pytest.mark.parametrize("line", ["2026-06-05T24:01+08:00", "2026-06-05T24:30Z",
                                  "2026-06-05T25:00Z"])
def test_an_iso_time_past_the_end_of_the_day_is_left_unset_and_said(line):
    when = read_page_when(line, "UTC")
    assert when.starts_at is None and "is not a time of day" in str(when.note)


def test_the_end_of_the_last_day_there_is_is_no_moment_and_never_fails():
    for line in ("9999-12-31T24:00Z", "9999-12-31T18:00Z/9999-12-31T24:00Z"):
        assert read_page_when(line, "UTC").starts_at is None
    with pytest.raises(InvalidValue):
        parse_typed("9999-12-31T24:00", "UTC", NOW)


def test_an_iso_moment_out_of_the_years_is_left_unset_and_said():
    when = read_page_when("1999-06-05T10:00:00Z", "UTC")
    assert when.starts_at is None and "'1999-06-05T10:00:00Z'" in str(when.note)


def test_a_date_without_a_time_is_an_all_day_date_even_in_the_past():
    when = read_page_when("Fri. October 28th, 2016", "Asia/Shanghai")
    assert when.all_day and when.starts_at == utc(2016, 10, 28)
    assert when.ends_at == utc(2016, 10, 29)


def test_a_date_without_a_year_leaves_the_start_unset_and_says_so():
    when = read_page_when("Fri. Oct 28, 6 PM", None)
    assert when.starts_at is None and when.ends_at is None
    note = str(when.note)
    assert "no year" in note and "'Oct 28'" in note and "/manage edit" in note


@pytest.mark.parametrize(("zone", "hours", "noted"), [
    ("Asia/Shanghai", 8, False), ("America/Chicago", -6, False), ("UTC", -6, True)])
def test_cst_is_read_in_the_light_of_the_servers_timezone(zone, hours, noted):
    when = read_page_when("December 1, 2026, 6:00 PM CST", zone)
    assert when.starts_at == utc(2026, 12, 1, 18) - timedelta(hours=hours)
    assert (when.note is not None) == noted
    if noted:
        assert "China Standard Time" in str(when.note) and "/manage timezone" in str(when.note)


@pytest.mark.parametrize(("line", "zone", "english", "simplified", "traditional"), [
    ("Fri. Oct 28, 6 PM", None, "the page gives no year for its date 'Oct 28', so I left the "
     "start unset; set it with /manage edit", "页面上的日期 'Oct 28' 没有年份，所以我没有设置开始"
     "时间；请用 /管理 编辑 设置", "頁面上的日期 'Oct 28' 沒有年份，所以我沒有設定開始時間；請用 "
     "/管理 編輯 設定"),
    ("December 1, 2026, 6:00 PM CST", "UTC", "the page's CST could also mean China Standard "
     "Time (UTC+8); I read it as US Central Standard Time (UTC−6). If that is wrong, set the "
     "server's timezone with /manage timezone and import again, or set the start with /manage "
     "edit", "页面上的 CST 也可能指中国标准时间（UTC+8）；我把它理解为美国中部标准时间（UTC−6）。"
     "如果不对，请用 /管理 时区 设置服务器的时区后重新导入，或用 /管理 编辑 设置开始时间",
     "頁面上的 CST 也可能指中國標準時間（UTC+8）；我把它解讀為美國中部標準時間（UTC−6）。如果不對，"
     "請用 /管理 時區 設定伺服器的時區後重新匯入，或用 /管理 編輯 設定開始時間"),
    ("June 3, 2026, 18:00 IST", "UTC", "the page's IST could also mean Israel Standard Time "
     "(UTC+2) or Irish Standard Time (UTC+1); I read it as India Standard Time (UTC+5:30). If "
     "that is wrong, set the server's timezone with /manage timezone and import again, or set "
     "the start with /manage edit", "页面上的 IST 也可能指以色列标准时间（UTC+2）或爱尔兰标准时间"
     "（UTC+1）；我把它理解为印度标准时间（UTC+5:30）。如果不对，请用 /管理 时区 设置服务器的"
     "时区后重新导入，或用 /管理 编辑 设置开始时间", None),
    ("March 4, 2400", None, "the page's date 'March 4, 2400' is not between the years 2000 and "
     "2100, so I left the start unset", "页面上的日期 'March 4, 2400' 不在 2000 年到 2100 年之间，"
     "所以我没有设置开始时间", None),
])
def test_page_date_notes_are_whole_sentences_in_each_language(line, zone, english, simplified,
                                                              traditional):
    note = read_page_when(line, zone).note
    assert isinstance(note, Text)
    assert str(note) == language("en-US").text(note) == language("en-GB").text(note) == english
    assert language("zh-CN").text(note) == simplified
    if traditional is not None:
        assert language("zh-TW").text(note) == traditional


@pytest.mark.parametrize(("zone", "hours"), [
    ("Asia/Kolkata", 5.5), ("Asia/Jerusalem", 2), ("Europe/Dublin", 1), ("UTC", 5.5)])
def test_ist_is_read_in_the_light_of_the_servers_timezone(zone, hours):
    when = read_page_when("June 3, 2026, 18:00 IST", zone)
    assert when.starts_at == utc(2026, 6, 3, 18) - timedelta(hours=hours)


@pytest.mark.parametrize(("zone", "line", "start", "noted"), [
    # Dublin, London and Lisbon are UTC+0 in December: not Irish Standard Time's UTC+1.
    ("UTC", "December 5, 2026, 6:00 PM IST", utc(2026, 12, 5, 12, 30), True),
    ("Europe/London", "December 5, 2026, 6:00 PM IST", utc(2026, 12, 5, 12, 30), True),
    ("Europe/Lisbon", "December 5, 2026, 6:00 PM IST", utc(2026, 12, 5, 12, 30), True),
    # A zone whose standard time is the reading's settles it in summer too.
    ("Asia/Jerusalem", "June 3, 2026, 18:00 IST", utc(2026, 6, 3, 16), False),
    # ...as US Central, read on Chicago's clock that day (CDT), which the note says
    ("America/Chicago", "July 1, 2026, 6:00 PM CST", utc(2026, 7, 1, 23), True),
])
def test_a_reading_is_settled_by_its_own_offset_not_its_home_zones(zone, line, start, noted):
    when = read_page_when(line, zone)
    assert when.starts_at == start
    assert (when.note is not None) == noted, when.note


@pytest.mark.parametrize("line", [None, "", "Live on YouTube", "sometime soon", "Smarch 40, 2026"])
def test_a_line_without_a_date_gives_nothing(line):
    assert read_page_when(line).starts_at is None


def test_the_page_facts_take_the_date_and_place_lines():
    page = parse_page("A Talk\nDecember 15, 2026, 6:00 PM - 8:00 PM EST\nWashington, DC\n\n"
                      "Tong Zhao will moderate a discussion.\n")
    facts = page_facts([page], "UTC")
    assert facts.when.starts_at == utc(2026, 12, 15, 23)
    assert facts.venue == page.location == "Washington, DC"



@pytest.mark.parametrize("line", ["1 June 2026, 9:00 UTC - 3 June 2026, 17:00 UTC",
                                  "2026-06-01 09:00 GMT - 2026-06-03 17:00 GMT"])
def test_a_zone_before_the_dash_of_a_run_of_days_is_no_offset_with_the_next_day(line):
    # "UTC - 3 June": the zone, then the run's last day; not UTC-3 (nor UTC-20 before "26")
    page = parse_page(f"A Workshop\n{line}\nGeneva\n\nTong Zhao will moderate a workshop.\n")
    when = page_facts([page], "Asia/Shanghai").when
    assert (when.starts_at, when.ends_at, when.note) == (
        utc(2026, 6, 1, 9), utc(2026, 6, 3, 17), None)

NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(("typed", "local"), [
    ("friday 6pm", datetime(2026, 12, 4, 18)),
    ("Dec 1 18:00", datetime(2026, 12, 1, 18)),
    ("tomorrow 9:30", datetime(2026, 12, 1, 9, 30)),
    ("2026-12-01 18:00", datetime(2026, 12, 1, 18)),
    ("2026-12-01T18:00+01:00", datetime(2026, 12, 2, 1)),
    ("2026-12-01 24:00", datetime(2026, 12, 2)),  # as a page's ISO 8601 24:00 is
    ("2026-12-01T24:00+08:00", datetime(2026, 12, 2)),
    # 24:00 after a day, however the day and the clock are written: the end of that day
    ("Dec 1 24:00", datetime(2026, 12, 2)),
    ("Dec 1 24h00", datetime(2026, 12, 2)),
    ("tuesday 24:00", datetime(2026, 12, 2)),
    ("December 1, 2026 24:00", datetime(2026, 12, 2)),
    ("Tuesday, December 1, 2026 24h00", datetime(2026, 12, 2)),
    ("12月1日 24:00", datetime(2026, 12, 2)),
    ("12月1日24点", datetime(2026, 12, 2)),
    ("12月1日晚上24点", datetime(2026, 12, 2)),
    ("2026年12月1日晚上二十四点", datetime(2026, 12, 2)),
    # noon by any of its names, as a page's is read
    ("friday midday", datetime(2026, 12, 4, 12)),
    ("friday 12 noon", datetime(2026, 12, 4, 12)),
    ("Dec 1 12noon", datetime(2026, 12, 1, 12)),
    ("tuesday mid-day", datetime(2026, 12, 1, 12)),
    ("Dec 1 12 midnight", datetime(2026, 12, 2)),
    ("Dec 1 12:00 midnight", datetime(2026, 12, 2)),
    ("Dec 1 12.00 midnight", datetime(2026, 12, 2)),
    ("Dec 1 12:00 noon", datetime(2026, 12, 1, 12)),
    ("12:00 midnight", datetime(2026, 12, 1)),
])
def test_typed_times_are_read_in_the_servers_zone(typed, local):
    zone = ZoneInfo("Asia/Shanghai")
    when = parse_typed(typed, "Asia/Shanghai", NOW)
    assert when.starts_at == local.replace(tzinfo=zone) and not when.all_day
    assert when.starts_at.tzinfo.utcoffset(when.starts_at) == timedelta(hours=8)


@pytest.mark.parametrize(("typed", "zone", "later"), [
    ("2031-03-30 01:30", "Europe/London", "02:30"),
    ("March 30, 2031 1:30am", "Europe/London", "02:30"),
    ("2031-03-09 02:05", "America/New_York", "03:05"),
])
def test_a_typed_time_the_clocks_skip_is_refused_with_the_time_after_the_change(typed, zone,
                                                                                later):
    """01:30 on the night London's clocks go from 01:00 to 02:00 is no time there: read
    as it stood, it would be kept as 02:30, which nobody typed."""
    with pytest.raises(InvalidValue) as refused:
        parse_typed(typed, zone, NOW)
    assert str(refused.value) == (
        f"starts_at {typed!r} is a time the clocks skip that day in {zone} (they go forward); "
        f"type the time after the change, e.g. {later}")
    # the hour the clocks go back happens twice: its first time is taken, as before
    assert parse_typed("2031-10-26 01:30", "Europe/London", NOW).starts_at.utcoffset() == (
        timedelta(hours=1))
    assert parse_typed(typed, "Asia/Shanghai", NOW).starts_at is not None  # no change there


def test_a_typed_date_alone_is_all_day():
    when = parse_typed("2026-12-24", "America/Chicago", NOW)
    assert when.all_day and when.starts_at == utc(2026, 12, 24)


@pytest.mark.parametrize(("typed", "words"), [
    ("yesterday 6pm", "in the past"), ("gibberish here", "can't read"),
    ("x" * 101, "longer than 100"), ("", "empty"), ("2101-01-01 10:00", "between the years"),
    ("9999-12-31T23:00Z", "between the years"),
    # a number alone names no day (it had been read as a month, a year or a day of one)
    ("(+1)", "can't read"), ("(2)", "can't read"), ("（2）", "can't read"), ("2", "can't read"),
    ("31", "can't read"), ("2027", "can't read"), ("#2", "can't read"), ("- 1", "can't read"),
    # ...nor does an hour without its half of the day, nor a month alone (dateparser read
    # "at 7" as July and "December" as today's day of December, all day)
    ("at 7", "can't read"), ("six", "can't read"), ("from 6", "can't read"),
    ("about 7", "can't read"), ("December", "can't read"), ("December 2027", "can't read"),
    ("12月", "can't read"), ("2027-12", "can't read"), ("next month", "can't read"),
    # a time in words the reader cannot place, never cut to its day
    ("2 hours ago", "can't read"), ("in 1,000 hours", "can't read"),
    ("Dec 10 seven thirty", "can't read"),
])
def test_bad_typed_times_are_refused_with_an_example(typed, words):
    with pytest.raises(InvalidValue) as refused:
        parse_typed(typed, "UTC", NOW)
    assert words in str(refused.value) and "\n" not in str(refused.value)


def test_an_end_is_read_after_the_start():
    start = parse_typed("2026-12-10 18:00", "UTC", NOW).starts_at
    assert parse_typed("8pm", "UTC", NOW, after=start).starts_at == utc(2026, 12, 10, 20)


@pytest.mark.parametrize(("typed", "meant"), [
    ("seven pm", utc(2026, 11, 30, 19)), ("Dec 10 seven pm", utc(2026, 12, 10, 19)),
    ("friday eleven a.m.", utc(2026, 12, 4, 11)),
])
def test_an_hour_in_words_with_its_half_of_the_day_is_that_time_not_all_day(typed, meant):
    when = parse_typed(typed, "UTC", NOW)
    assert not when.all_day and when.starts_at == meant, when


@pytest.mark.parametrize("typed", ["Dec 9 8pm", "Dec 9", "December 1 9am", "12月9日晚上8点"])
def test_an_end_typed_without_its_year_before_the_start_is_refused_not_a_year_later(typed):
    """A slip of the day ("Dec 9" for a Dec 10 start) read as next December's kept the
    event open, and its joins and roles, for a year."""
    start = parse_typed("2026-12-10 18:00", "UTC", NOW).starts_at
    with pytest.raises(InvalidValue, match="more than 31 days after the start") as refused:
        parse_typed(typed, "UTC", NOW, after=start, name="ends_at")
    assert "its year" in str(refused.value)
    # with its year, an end that far is taken as typed; across the new year, the next one's
    assert parse_typed("2027-12-09 20:00", "UTC", NOW, after=start).starts_at == (
        utc(2027, 12, 9, 20))
    assert parse_typed("Jan 2 8pm", "UTC", NOW, after=start).starts_at == utc(2027, 1, 2, 20)


@pytest.mark.parametrize("typed", ["Dec 10 18:00", "12月10日18点", "Dec 10 6pm", "today 18:00"])
def test_an_end_typed_without_its_year_at_the_start_is_said_to_be_no_later(typed):
    """The start's own moment is refused as no end, not as a moment "before the start"
    that its year would put right (with its year it is refused all the same)."""
    start = utc(2026, 12, 10, 18)
    with pytest.raises(InvalidValue) as refused:
        parse_typed(typed, "UTC", NOW, after=start, name="ends_at")
    assert str(refused.value) == (
        f"the end (<t:{int(start.timestamp())}:F>) must come after the start "
        f"(<t:{int(start.timestamp())}:F>)")


def test_zone_names_and_links_are_checked():
    assert check_zone_name("asia/shanghai") == "Asia/Shanghai"
    with pytest.raises(InvalidValue, match="not a timezone"):
        check_zone_name("Mars/Olympus")


@pytest.mark.parametrize(("typed", "zone"), [
    ("New York", "America/New_York"), ("los angeles", "America/Los_Angeles"),
    ("Tokyo", "Asia/Tokyo"), ("Ho Chi Minh", "Asia/Ho_Chi_Minh"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"),  # not its old name America/Buenos_Aires
])
def test_a_zone_typed_as_its_city_is_that_citys(typed, zone):
    assert check_zone_name(typed) == zone


@pytest.mark.parametrize("typed", ["Central", "West", "Olympus"])
def test_a_word_that_names_no_city_or_several_clocks_is_no_zone(typed):
    """"Central" is US/Central and Canada/Central, "West" Australia's and Brazil's: old
    names of zones, no city's."""
    with pytest.raises(InvalidValue, match="not a timezone"):
        check_zone_name(typed)


@pytest.mark.parametrize("name", ["localtime", "Factory", "posixrules"])
def test_a_zone_file_that_is_no_place_is_no_servers_timezone(name):
    """"localtime" is the host's own zone (another on each machine a shard runs on) and
    "Factory" a placeholder: neither is offered nor taken, where the system has them."""
    with pytest.raises(InvalidValue, match="not a timezone"):
        check_zone_name(name)
    assert name not in zone_names()


@pytest.mark.parametrize(("typed", "now", "zones"), [
    ("GMT+5:45", utc(2026, 12, 1), ("Asia/Kathmandu",)),
    ("UTC+5:30", utc(2026, 12, 1), ("Asia/Colombo", "Asia/Kolkata")),  # not Asia/Calcutta
    ("UTC+9:30", utc(2026, 12, 1), ("Australia/Darwin",)),  # Adelaide is on summer time
    ("UTC+9:30", utc(2026, 6, 1), ("Australia/Adelaide", "Australia/Broken_Hill",
                                   "Australia/Darwin")),
    ("utc -3:30", utc(2026, 12, 1), ("America/St_Johns",)),
    ("ＵＴＣ＋８", utc(2026, 12, 1), ("Etc/GMT-8",)), ("utc + 8", utc(2026, 6, 1), ("Etc/GMT-8",)),
    ("UTC+5:20", utc(2026, 12, 1), ()), ("UTC+14:30", utc(2026, 12, 1), ()),
    ("Asia/Kolkata", utc(2026, 12, 1), ())])
def test_an_offset_means_the_zones_on_it_that_day(typed, now, zones):
    assert offset_zones(typed, now) == zones


def test_an_offset_typed_is_its_one_zone_or_refused_naming_them():
    assert check_zone_name("GMT+5:45", utc(2026, 12, 1)) == "Asia/Kathmandu"
    assert check_zone_name(" ＵＴＣ＋８ ", utc(2026, 12, 1)) == "Etc/GMT-8"
    with pytest.raises(InvalidValue, match=r"UTC\+9:30 is the offset of several places today "
                       r"\(Australia/Adelaide, Australia/Broken_Hill, Australia/Darwin\)"):
        check_zone_name("UTC+9:30", utc(2026, 6, 1))
    with pytest.raises(InvalidValue, match="not a timezone"):
        check_zone_name("UTC+5:20", utc(2026, 12, 1))
    assert validate_link(" https://example.org/e ") == "https://example.org/e"
    assert validate_link("") is None
    for bad in ("javascript:alert(1)", "ftp://x.org", "https://", "http://[::1", "example.org",
                # no well-formed URL, though urlsplit reads them: Discord refuses such an
                # embed URL, and with it the whole reply or announcement
                "https://example.org:abc/x", "https://example.org:99999/", "https://a..b/",
                "https://exa\u200bmple.org/", "https://example.org/\u202eevil",
                "https://" + "a" * 64 + ".org/", "https://-a.org/", "https://exam ple.org/"):
        with pytest.raises(InvalidValue, match="https://"):
            validate_link(bad)
    for good in ("https://example.org:8080/e", "http://[::1]/x", "http://127.0.0.1/",
                 "https://ñandú.example.org/x", "https://example.org/路径?q=中文#f",
                 "https://my_site.example.org./a"):
        assert validate_link(good) == good


ZONES = st.sampled_from(["UTC", "Asia/Shanghai", "America/Chicago", "Europe/Paris",
                         "Pacific/Kiritimati", "Pacific/Pago_Pago"])
WORDS = st.sampled_from(["friday", "6pm", "tomorrow", "Dec", "1", "18:00", "2026-12-01",
                         "next", "week", "in", "3", "days", "noon", "am", "2099", "1999",
                         "12", "-", "T", "+01:00", "年", "月", "日", "下午", "9999"])


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.lists(WORDS, max_size=6).map(" ".join), st.text(max_size=40)), ZONES)
def test_any_accepted_typed_time_is_aware_in_the_zone_and_in_range(typed, zone):
    try:
        when = parse_typed(typed, zone, NOW)
    except InvalidValue:
        return
    value = when.starts_at
    assert value.tzinfo is not None
    assert datetime(2000, 1, 1, tzinfo=UTC) <= value < datetime(2101, 1, 1, tzinfo=UTC)
    if when.all_day:  # a date: midnight UTC of it
        assert value.tzinfo is UTC and value.hour == value.minute == 0
    else:
        assert value.tzinfo == ZoneInfo(zone)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), ZONES)
def test_reading_any_page_date_line_never_raises(line, zone):
    when = read_page_when(line, zone)
    if when.starts_at is not None:
        assert when.starts_at.tzinfo is not None


# -- the rules of a page's clock, one at a time (synthetic lines, server in Shanghai) ------


@pytest.mark.parametrize(("written", "start", "end"), [
    ("18点", (18, 0), None),  # 点 makes a bare number a time of day
    ("6点15分", (6, 15), None),
    ("下午6点半", (18, 30), None),
    ("晚上8点", (20, 0), None),
    ("早上8点", (8, 0), None),
    ("晚7点", (19, 0), None),  # a poster's short forms: 晚 (evening), 早 (morning)
    ("晚7:00-9:00", (19, 0), (21, 0)),
    ("晚间8点", (20, 0), None),
    ("早8点-10点", (8, 0), (10, 0)),
    ("早晨7点半", (7, 30), None),
    ("晚11点至凌晨1点", (23, 0), (25, 0)),
    ("中午12点", (12, 0), None),
    ("中午1点", (13, 0), None),
    ("中午11点", (11, 0), None),
    ("下午6点-8点", (18, 0), (20, 0)),  # the end shares the start's 下午
    ("下午三点", (15, 0), None),  # hours in Chinese numerals
    ("上午十点", (10, 0), None),
    ("十一点", (11, 0), None),
    ("中午十二点", (12, 0), None),
    ("二十点", (20, 0), None),
    ("下午两点半", (14, 30), None),
    ("下午三点一刻", (15, 15), None),
    ("下午三点三刻", (15, 45), None),
    ("下午三点十五分", (15, 15), None),
    ("下午三点二十分", (15, 20), None),
    ("下午三点零五分", (15, 5), None),
    ("下午三时", (15, 0), None),
    ("下午三点至五点", (15, 0), (17, 0)),
    ("下午3点至五点半", (15, 0), (17, 30)),
    ("6 - 8 PM", (18, 0), (20, 0)),  # the start shares the end's PM
    ("12 PM - 1 PM", (12, 0), (13, 0)),
    ("12 AM", (0, 0), None),
    ("0:30 - 23:30", (0, 30), (23, 30)),
    ("11:30 PM - 1:00 AM", (23, 30), (25, 0)),  # past midnight: the next day
    ("18:00 - 18:00", (18, 0), None),  # an end at the start is a slip, as typed: no end
    # A half of the day written once that would run the range backwards is one end's only:
    ("晚上10点至12点", (22, 0), (24, 0)),  # 12 at night is midnight
    ("晚上十点至十二点", (22, 0), (24, 0)),
    ("下午8点-12点", (20, 0), (24, 0)),
    ("晚上10点至1点", (22, 0), (25, 0)),
    ("10 PM - 12", (22, 0), (24, 0)),
    ("上午11点至1点", (11, 0), (13, 0)),
    ("上午10点至12点", (10, 0), (12, 0)),  # and 12 in the morning's range is noon
    ("11 - 1 PM", (11, 0), (13, 0)),
    ("9 - 12 PM", (9, 0), (12, 0)),
    ("10 - 1 AM", (22, 0), (25, 0)),
    # ...but a morning that ends at "12 AM" ends at noon, as its writer means
    ("11 - 12 AM", (11, 0), (12, 0)),
    ("10:30 - 12:30 a.m.", (10, 30), (12, 30)),
    ("11 PM - 12 AM", (23, 0), (24, 0)),  # each end its own half: midnight
    # 24:00 on a 24-hour clock is the midnight that ends the day, as in ISO 8601
    ("18:00-24:00", (18, 0), (24, 0)),
    ("晚上10点至24点", (22, 0), (24, 0)),
    ("24:00", (24, 0), None),
    # ...as French and much of Europe write it ("18h30"), and 晚上24点: the night's 24
    ("24h00", (24, 0), None),
    ("18h30", (18, 30), None),
    ("18h00-24h00", (18, 0), (24, 0)),
    ("晚上24点", (24, 0), None),
    ("下午6点至晚上24点", (18, 0), (24, 0)),
    # ...as is the night's 12, however the night is named, and its small hours come after
    # it: "晚上12点" is no noon, "晚上1点" no 13:00 (as typed times read them)
    ("晚上12点", (24, 0), None),
    ("夜里12点", (24, 0), None),
    ("午夜12点", (24, 0), None),
    ("晚上12点半", (24, 30), None),
    ("晚上8点至12点", (20, 0), (24, 0)),
    ("晚上10点至半夜2点", (22, 0), (26, 0)),
    ("深夜11点", (23, 0), None),
    # ...and keeps to it beside a 12-hour end: from midnight, not from noon after it
    ("24:00 - 2 AM", (24, 0), (26, 0)),
    ("24:00-1:30 am", (24, 0), (25, 30)),
    ("24:00-02:00", (24, 0), (26, 0)),
    *((f"18:00{dash}20:00", (18, 0), (20, 0))
      for dash in ("—", "–", "~", "～", " to ", "至", " until ")),
])
@pytest.mark.parametrize("script", [pytest.param(lambda text: text, id="simplified"),
                                    pytest.param(traditional, id="traditional")])
def test_a_page_clock_is_read_as_written(written, start, end, script):
    when = read_page_when(script(f"2026年12月1日 {written}"), "Asia/Shanghai")
    midnight = utc(2026, 11, 30, 16)  # 1 December in Shanghai
    assert when.starts_at == midnight + timedelta(hours=start[0], minutes=start[1])
    assert when.ends_at == (None if end is None else
                            midnight + timedelta(hours=end[0], minutes=end[1]))
    assert not when.all_day and when.note is None


@pytest.mark.parametrize("written", ["13:00 AM", "0 AM", "24:30", "25:00", "12:60 PM"])
def test_a_page_time_that_is_no_time_of_day_is_left_unset_and_said(written):
    when = read_page_when(f"Dec 1, 2026 {written} GMT", "UTC")
    assert when.starts_at is None
    assert str(when.note) == f"the page's time {written!r} is not a time of day"


@pytest.mark.parametrize(("line", "start", "end"), [
    ("时间：2027年3月12日 下午14:00-16:00", utc(2027, 3, 12, 6), utc(2027, 3, 12, 8)),
    ("2027年3月12日 下午14:00-下午16:30", utc(2027, 3, 12, 6), utc(2027, 3, 12, 8, 30)),
    ("2027年3月12日 晚上19点至21点", utc(2027, 3, 12, 11), utc(2027, 3, 12, 13)),
    ("March 12, 2027, 14:00 PM - 16:00 PM", utc(2027, 3, 12, 6), utc(2027, 3, 12, 8)),
    # year first, with dots, slashes or dashes
    ("时间：2027.3.12 下午2:00-4:00", utc(2027, 3, 12, 6), utc(2027, 3, 12, 8)),
    ("时间：2027/03/12（周五）14:00-16:00", utc(2027, 3, 12, 6), utc(2027, 3, 12, 8)),
    ("2027-3-12 14:00", utc(2027, 3, 12, 6), None),
])
@pytest.mark.parametrize("script", [str, traditional])
def test_an_afternoons_hour_on_the_24_hour_clock_and_a_year_first_date_are_read(
        line, start, end, script):
    """"下午14:00", as Chinese pages often write it, is 14:00 ("上午14:00" is no time), and
    "2027.3.12", "2027/03/12" and "2027-3-12" are dates: each was left unset."""
    when = read_page_when(script(line), "Asia/Shanghai")
    assert (when.starts_at, when.ends_at, when.note) == (start, end, None)


@pytest.mark.parametrize(("line", "start", "written"), [
    ("Dec 1, 2026 18:00-25:00 GMT", utc(2026, 12, 1, 18), "25:00"),
    ("Dec 1, 2026 18:00-24:30 GMT", utc(2026, 12, 1, 18), "24:30"),
    ("Dec 1, 2026 18:00-19:75 GMT", utc(2026, 12, 1, 18), "19:75"),
    ("Dec 1, 2026, 6:00 PM - 13:75 PM GMT", utc(2026, 12, 1, 18), "13:75 PM"),
    ("2026年12月1日 下午6点-晚上25点", utc(2026, 12, 1, 18), "晚上25点"),
    ("2026年12月1號 下午6點-晚上25點", utc(2026, 12, 1, 18), "晚上25點"),
    ("2026-06-05T10:00Z/2026-06-05T25:00Z", utc(2026, 6, 5, 10), "2026-06-05T25:00Z"),
    ("2026-06-05T10:00Z – 2026-06-05T24:30:00Z", utc(2026, 6, 5, 10),
     "2026-06-05T24:30:00Z"),
    # a run of days whose last day's time is none: not the run's end either
    ("June 1, 2026, 9:00 - June 3, 2026, 25:00", utc(2026, 6, 1, 9), "25:00"),
])
def test_a_page_end_that_is_no_time_of_day_is_left_unset_and_said(line, start, written):
    """As a start that is no time of day is: the start the page gives stands."""
    when = read_page_when(line, "UTC")
    assert (when.starts_at, when.ends_at, when.note) == (start, None, None)
    assert str(when.end_note) == (f"the page's end time {written!r} is not a time of day, so "
                                  "I left the end unset; set it with /manage edit")


@pytest.mark.parametrize(("line", "written"), [
    ("2026-06-05T18:00+08:00/2026-06-31T20:00+08:00", "2026-06-31T20:00+08:00"),
    ("2026-02-27T18:00Z – 2026-02-30T20:00Z", "2026-02-30T20:00Z"),
    ("2026-02-27T18:00Z – 2026-02-30T20:00", "2026-02-30T20:00"),
    ("2026-02-27T18:00Z - 2026-02-30 20:00", "2026-02-30 20:00"),
    ("2026-02-27T18:00Z – 2026-02-30", "2026-02-30"),  # a JSON-LD endDate, a date alone
    ("2026-02-27T18:00Z/2026-02-30T25:00Z", "2026-02-30T25:00Z"),  # the day is wrong first
])
def test_a_page_end_on_no_day_of_the_calendar_is_left_unset_and_said(line, written):
    when = read_page_when(line, "UTC")
    assert when.starts_at is not None and (when.ends_at, when.note) == (None, None)
    assert str(when.end_note) == (f"the page's end date {written!r} is no day of the calendar, "
                                  "so I left the end unset; set it with /manage edit")


@pytest.mark.parametrize(("iso", "text", "end"), [
    ("2026-02-27T18:00Z – 2026-02-28", "Feb 27 - 28, 2026, 6:00 PM UTC", utc(2026, 3, 1)),
    ("2026-06-05T18:00+08:00 – 2026-06-07", "June 5 - 7, 2026, 6:00 PM (Beijing time)",
     utc(2026, 6, 7, 16)),
    ("2026-06-05T18:00+08:00/2026-06-07", "June 5-7, 2026, 6:00 PM UTC+8", utc(2026, 6, 7, 16)),
    ("2026-06-05T23:00-05:00 – 2026-06-06", "June 5-6, 2026, 11:00 PM UTC-5",
     utc(2026, 6, 7, 5)),
    # the start's own day: no end, as a single date's time gives none
    ("2026-06-05T18:00Z – 2026-06-05", "June 5, 2026, 6:00 PM UTC", None)])
def test_a_page_end_given_as_a_day_alone_after_the_start_is_the_end_of_that_day(iso, text, end):
    """A JSON-LD "endDate" of a day alone after the start's: the event runs to the end of
    that day in the start's zone, as a run of days with its first day's time reads."""
    for line in (iso, text):
        when = read_page_when(line, "Asia/Tokyo")
        assert (when.ends_at, when.note, when.end_note) == (end, None, None), line


@pytest.mark.parametrize(("iso", "text", "end"), [
    ("2026-06-01T18:00Z – 2026-07-01", "June 1 - July 1, 2026, 6:00 PM UTC", utc(2026, 7, 2)),
    # the days counted from the start's own, in its zone (June 2 in UTC)
    ("2026-06-01T23:00-05:00 – 2026-07-01", "June 1 - July 1, 2026, 11:00 PM UTC-5",
     utc(2026, 7, 2, 5)),
    ("2026-06-01T18:00Z – 2026-07-02", "June 1 - July 2, 2026, 6:00 PM UTC", None),
    ("2026-06-01T18:00+08:00/2027-06-01", "June 1, 2026 - June 1, 2027, 6:00 PM UTC+8", None)])
def test_a_page_end_given_as_a_day_alone_runs_within_as_many_days_as_a_written_run(
        iso, text, end):
    """A JSON-LD "endDate" of a day alone is read as a run of days written out is: its
    last day at most 30 days after the first, else the start is left unset too, with the
    same note, quoting what gives the days (the ISO line; the run as written)."""
    for line, written in ((iso, iso), (text, text.rsplit(", ", 1)[0])):
        when = read_page_when(line, "Asia/Tokyo")
        if end is not None:
            assert when.starts_at is not None and (when.ends_at, when.note) == (end, None), line
            continue
        assert (when.starts_at, when.ends_at, when.end_note) == (None, None, None), line
        assert str(when.note) == (
            f"the page's dates {written!r} are not a run of days I can read (its last day "
            "must come after its first, within 30 days), so I left the start unset; set it "
            "with /manage edit")


def test_a_page_minute_past_59_is_no_time_of_day_not_the_hours_last_minute():
    when = read_page_when("Dec 1, 2026 18:75 GMT", "UTC")
    assert when.starts_at is None
    assert str(when.note) == "the page's time '18:75' is not a time of day"


@pytest.mark.parametrize("script", [str, traditional], ids=["simplified", "traditional"])
@pytest.mark.parametrize(("line", "start", "end"), [
    ("2026年12月8日 下午3点30", utc(2026, 12, 8, 7, 30), None),  # minutes without their 分
    ("2026年12月8日 下午3点30-5点", utc(2026, 12, 8, 7, 30), utc(2026, 12, 8, 9)),
    ("2026年12月8日 15时30至17时05", utc(2026, 12, 8, 7, 30), utc(2026, 12, 8, 9, 5)),
    ("2026年12月8日 晚上11点-次日凌晨0点30", utc(2026, 12, 8, 15), utc(2026, 12, 8, 16, 30)),
    ("2026年12月8日 下午3点，12月10日报名截止", utc(2026, 12, 8, 7), None),
    ("2026年12月8日 下午3点12月10日报名截止", utc(2026, 12, 8, 7), None),  # a date, no minutes
])
def test_a_pages_minutes_after_the_hour_without_their_fen_are_its_minutes(script, line, start,
                                                                          end):
    """As a typed time's are ("下午6点45"): not dropped, the range after them not lost."""
    when = read_page_when(script(line), "Asia/Shanghai")
    assert (when.starts_at, when.ends_at, when.note, when.end_note) == (start, end, None, None)


@pytest.mark.parametrize(("line", "zone", "start", "end"), [
    ("2026年12月8日 0点至凌晨2点", "Asia/Shanghai", utc(2026, 12, 7, 16), utc(2026, 12, 7, 18)),
    ("2026年12月8日 零点至凌晨2点", "Asia/Shanghai", utc(2026, 12, 7, 16), utc(2026, 12, 7, 18)),
    ("December 8, 2026, 00:00-02:00 AM", "UTC", utc(2026, 12, 8), utc(2026, 12, 8, 2)),
])
def test_a_start_at_hour_nought_is_midnight_whatever_half_its_end_is_in(line, zone, start,
                                                                         end):
    """0 o'clock is the 24-hour clock's: the end's "AM" (凌晨) is no half of the day it could
    share, as it is for "14:00-5 PM"."""
    when = read_page_when(line, zone)
    assert (when.starts_at, when.ends_at, when.note, when.end_note) == (start, end, None, None)


@pytest.mark.parametrize("rest", ["（星期二）", "星期二", "第一时间公布", "三人出席"])
def test_chinese_numerals_that_are_no_time_of_day_leave_an_all_day_date(rest):
    when = read_page_when(f"2026年12月1日 {rest}", "Asia/Shanghai")
    assert when.all_day and when.starts_at == utc(2026, 12, 1) and when.note is None


@pytest.mark.parametrize(("line", "start"), [
    ("Thursday, March 3, 2027, 6:00 PM", utc(2027, 3, 3, 18)),  # a Wednesday
    ("2027年3月3日（星期四）下午6点", utc(2027, 3, 3, 10)),
    ("2027年3月3日（週四）下午6點", utc(2027, 3, 3, 10)),
    ("Mon-Tue, March 3-4, 2027", utc(2027, 3, 3)),  # Wednesday and Thursday
])
def test_a_page_weekday_its_date_is_not_on_is_read_as_the_date_with_a_note(line, start):
    """The page's date and its day of the week disagree: one is a typo. The date is taken,
    and the preview says so, where it had been imported without a word."""
    when = read_page_when(line, "Asia/Shanghai" if "年" in line else "UTC")
    assert when.starts_at == start
    assert str(when.note) == ("the page names a day of the week that 2027-03-03 is not; "
                              "check its date, or set it with /manage edit"), when.note


@pytest.mark.parametrize("line", ["Wednesday, March 3, 2027, 6:00 PM", "2027年3月3日（周三）",
                                  "Wed-Thu, March 3-4, 2027", "March 3, 2027 (Wed)"])
def test_a_page_weekday_its_date_is_on_says_nothing(line):
    assert read_page_when(line, "UTC").note is None


# A line of two days (or more), each with its own session: the event runs from the first
# day's start to the last day's end, and each day's weekday is its own.
TWO_DAYS = "2027年3月12日（周五）下午2:00-4:00，3月13日（周六）上午9:00-12:00"


@pytest.mark.parametrize(("line", "zone", "start", "end"), [
    (TWO_DAYS, "Asia/Shanghai", utc(2027, 3, 12, 6), utc(2027, 3, 13, 4)),
    (traditional(TWO_DAYS).replace("周", "週"), "Asia/Shanghai", utc(2027, 3, 12, 6),
     utc(2027, 3, 13, 4)),
    ("2027年3月12日 下午2:00-4:00，2027年3月13日 上午9:00-12:00", "Asia/Shanghai",
     utc(2027, 3, 12, 6), utc(2027, 3, 13, 4)),
    ("二〇二七年三月十二日（星期五）下午两点至四点，三月十三日（星期六）上午九点至十二点",
     "Asia/Shanghai", utc(2027, 3, 12, 6), utc(2027, 3, 13, 4)),
    # three days: the last one's end
    ("2027年3月12日 14:00-16:00；3月13日 9:00-12:00；3月14日 9:00-11:30", "Asia/Shanghai",
     utc(2027, 3, 12, 6), utc(2027, 3, 14, 3, 30)),
    ("Friday, March 12, 2027, 2:00-4:00 PM; Saturday, March 13, 9:00 AM-12:00 PM", "UTC",
     utc(2027, 3, 12, 14), utc(2027, 3, 13, 12)),
    ("Fri, 12 March 2027, 14:00-16:00; Sat, 13 March, 09:00-12:00", "UTC",
     utc(2027, 3, 12, 14), utc(2027, 3, 13, 12)),
    # the zone the line names is each day's
    ("Friday, March 12, 2027, 2:00-4:00 PM; Saturday, March 13, 9:00-11:00 AM EST", "UTC",
     utc(2027, 3, 12, 19), utc(2027, 3, 13, 16)),
    # the next day is in the next year, which the line does not write again
    ("2026年12月31日（周四）晚上8:00-11:00，1月1日（周五）上午10:00-12:00", "Asia/Shanghai",
     utc(2026, 12, 31, 12), utc(2027, 1, 1, 4)),
    ("Thursday, December 31, 2026, 8:00-11:00 PM; Friday, January 1, 10:00 AM-12:00 PM", "UTC",
     utc(2026, 12, 31, 20), utc(2027, 1, 1, 12)),
])
def test_a_line_of_days_each_with_its_own_session_ends_with_the_last_days(
        line, zone, start, end):
    """The event is not over after its first day's session, and the second day's weekday
    ("（周六）" beside 3月13日) is no typo of the first's."""
    when = read_page_when(line, zone)
    assert (when.starts_at, when.ends_at, when.all_day, when.note, when.end_note) == (
        start, end, False, None, None)


@pytest.mark.parametrize(("line", "zone", "start", "end"), [
    ("2027年3月12日 上午9:00-12:00，下午14:00-17:00", "Asia/Shanghai", utc(2027, 3, 12, 1),
     utc(2027, 3, 12, 9)),
    ("2027年3月12日 上午9点至12点，下午2点至5点", "Asia/Shanghai", utc(2027, 3, 12, 1),
     utc(2027, 3, 12, 9)),
    ("March 12, 2027, 9:00 AM-12:00 PM and 2:00-5:00 PM", "UTC", utc(2027, 3, 12, 9),
     utc(2027, 3, 12, 17)),
    ("March 12, 2027, 9:00-12:00, 14:00-17:00 EST", "UTC", utc(2027, 3, 12, 14),
     utc(2027, 3, 12, 22)),
    # three sessions, then the next day's
    ("2027年3月12日 9:00-10:00，11:00-12:00，14:00-15:00", "Asia/Shanghai",
     utc(2027, 3, 12, 1), utc(2027, 3, 12, 7)),
    ("2027年3月12日 上午9:00-12:00，下午14:00-17:00；3月13日 上午9:00-12:00", "Asia/Shanghai",
     utc(2027, 3, 12, 1), utc(2027, 3, 13, 4)),
])
def test_a_days_later_sessions_are_the_events_until_the_last_ends(line, zone, start, end):
    """A day of a morning and an afternoon session is not over at noon."""
    when = read_page_when(line, zone)
    assert (when.starts_at, when.ends_at, when.all_day, when.note, when.end_note) == (
        start, end, False, None, None)


@pytest.mark.parametrize("line, start, end", [
    ("2027年3月12日 18:30签到，19:00开始", utc(2027, 3, 12, 11), None),
    ("2027年3月12日 18:30开始签到，19:00正式开始", utc(2027, 3, 12, 11), None),
    ("2027年3月12日（周五）签到：13:30-14:00，会议：14:00-17:00", utc(2027, 3, 12, 6),
     utc(2027, 3, 12, 9)),
    ("2027年3月12日 晚上7点开始，6点半入场", utc(2027, 3, 12, 11), None),  # arrival after
    ("2027年3月12日 报到 8:30，上午9:00-12:00", utc(2027, 3, 12, 1), utc(2027, 3, 12, 4)),
    ("March 12, 2027, Registration 8:30 AM, Program 9:00 AM - 12:00 PM", utc(2027, 3, 12, 1),
     utc(2027, 3, 12, 4)),
    ("March 12, 2027, Doors open at 6 PM; lecture 6:30 PM - 8 PM", utc(2027, 3, 12, 10, 30),
     utc(2027, 3, 12, 12)),
    ("March 12, 2027, 6:00 PM doors, 6:30 PM start", utc(2027, 3, 12, 10, 30), None),
    ("March 12, 2027, check-in: 1:30-2:00 PM, 2:00-5:00 PM", utc(2027, 3, 12, 6),
     utc(2027, 3, 12, 9)),
    # the doors' time alone is the only time there is
    ("2027年3月12日 18:30签到", utc(2027, 3, 12, 10, 30), None),
    # no time of arrival: a registration the page asks for, a free entry
    ("March 12, 2027, 6:30-8:00 PM. Registration required by 5:00 PM", utc(2027, 3, 12, 10, 30),
     utc(2027, 3, 12, 12)),
    ("2027年3月12日 免费入场，18:30-20:00", utc(2027, 3, 12, 10, 30), utc(2027, 3, 12, 12)),
])
@pytest.mark.parametrize("script", [str, traditional])
def test_an_event_starts_when_its_programme_does_not_when_its_doors_open(line, start, end,
                                                                        script):
    when = read_page_when(script(line), "Asia/Shanghai")
    assert (when.starts_at, when.ends_at, when.note, when.end_note) == (start, end, None, None)


@pytest.mark.parametrize(("line", "start", "end"), [
    # Drupal's own format, month first: June 5, 2026 is a Friday, May 6 a Wednesday
    ("Fri, 06/05/2026 - 10:00", utc(2026, 6, 5, 14), None),
    ("Fri, 06/05/2026 - 10:00 - 12:00", utc(2026, 6, 5, 14), utc(2026, 6, 5, 16)),
    ("Fri, 06/05/2026 - 10:00 - Fri, 06/05/2026 - 12:00", utc(2026, 6, 5, 14),
     utc(2026, 6, 5, 16)),
    ("Fri, 06/05/2026 - 22:00 - Sat, 06/06/2026 - 01:00", utc(2026, 6, 6, 2), utc(2026, 6, 6, 5)),
    # day first, as European sites write it
    ("Wednesday, 06/05/2026, 6:00 PM", utc(2026, 5, 6, 22), None),
    ("13/05/2026 10:00-11:30", utc(2026, 5, 13, 14), utc(2026, 5, 13, 15, 30)),
    ("05/13/2026 - 10:00", utc(2026, 5, 13, 14), None),
    # the same either way round
    ("06/06/2026 - 10:00", utc(2026, 6, 6, 14), None),
    # a run of days: one end's order is the other's
    ("06/05/2026 - 06/13/2026", utc(2026, 6, 5), utc(2026, 6, 14)),  # all day
    ("05/06/2026 - 13/06/2026", utc(2026, 6, 5), utc(2026, 6, 14)),
])
def test_a_date_written_with_slashes_and_its_year_last_is_read_where_its_order_shows(
        line, start, end):
    when = read_page_when(line, "America/New_York")
    assert (when.starts_at, when.ends_at, when.note) == (start, end, None)


@pytest.mark.parametrize("line", ["06/05/2026 - 10:00", "Tue, 06/05/2026, 6 PM",
                                  "06/05/2026 - 06/07/2026"])
def test_a_date_with_slashes_either_way_round_is_left_for_the_moderator(line):
    """June 5 or May 6, and nothing on the line says which: no start is guessed."""
    when = read_page_when(line, "America/New_York")
    assert when.starts_at is None
    assert "may be month first or day first" in str(when.note)
    assert "/manage edit" in str(when.note)


@pytest.mark.parametrize("rest", [
    "（茶歇 16:00-16:30）",  # in brackets: an aside
    "（签到 13:30-14:00）",
    "；咨询电话 9:00-17:00",  # hours of something else, before the event's end
    "，15:00-15:30 茶歇",  # within the event
])
def test_other_hours_on_a_days_line_are_no_session_after_it(rest):
    when = read_page_when(f"2027年3月12日 14:00-16:00{rest}", "Asia/Shanghai")
    assert (when.starts_at, when.ends_at) == (utc(2027, 3, 12, 6), utc(2027, 3, 12, 8))


def test_the_same_hours_on_another_clock_are_no_session_after_them():
    when = read_page_when("2027年3月12日 伦敦时间 6:00-8:00，北京时间 14:00-16:00", "UTC")
    assert (when.starts_at, when.ends_at) == (utc(2027, 3, 12, 6), utc(2027, 3, 12, 8))


@pytest.mark.parametrize("later", [
    "3月13日（周六）",  # a day without a session of its own
    "3月13日（周六）12:00-9:00",  # a session that ends before it starts
    "3月11日（周四）上午9:00-12:00",  # a day before the first
    "4月13日（周二）上午9:00-12:00",  # 32 days after it: no run of days
    "3月13日（周六）上午9:00",  # a start alone: no session's end
])
def test_a_later_day_without_a_session_that_can_be_read_leaves_the_first_days_end(later):
    """The first day's session is the event's, as before; the later day's weekday, being
    its own, is still no typo."""
    when = read_page_when(f"2027年3月12日（周五）下午2:00-4:00，{later}", "Asia/Shanghai")
    assert (when.starts_at, when.ends_at, when.note) == (
        utc(2027, 3, 12, 6), utc(2027, 3, 12, 8), None)


@pytest.mark.parametrize("line", [
    "2027年3月12日 下午2:00-4:00（如遇雨天改至3月19日 下午2:00-4:00）",  # a rain date
    "2027年3月12日 14:00-16:00（线上回放：3月13日 14:00-16:00）",  # a replay, in brackets
    "March 12, 2027, 2:00-4:00 PM; rain date March 19, 2:00-4:00 PM",
    "2027年3月12日 下午2点至4点；下一期：3月26日 下午2点至4点",  # the series' next talk
    "2027年3月12日 14:00-16:00（报名截止3月13日 12:00-13:00）",  # a deadline, in brackets
])
def test_a_later_date_days_after_or_in_brackets_is_no_session_of_the_event(line):
    """Only the next day's session, outside brackets, goes on with the event: a later
    date otherwise is another matter (a rain date, a replay, the next talk, a deadline)."""
    when = read_page_when(line, "Asia/Shanghai")
    assert (when.starts_at, when.ends_at) == (utc(2027, 3, 12, 6), utc(2027, 3, 12, 8))


@pytest.mark.parametrize("line", [
    "2027年3月12日（周四）下午2:00-4:00，3月13日（周六）上午9:00-12:00",
    "Thursday, March 12, 2027, 2:00-4:00 PM; Saturday, March 13, 9:00 AM-12:00 PM"])
def test_a_weekday_none_of_the_lines_days_is_on_is_still_noted(line):
    when = read_page_when(line, "UTC")
    assert (when.starts_at, when.ends_at) == (utc(2027, 3, 12, 14), utc(2027, 3, 13, 12))
    assert str(when.note) == ("the page names a day of the week that 2027-03-12 is not; "
                              "check its date, or set it with /manage edit")


# A date in Chinese numerals ("二〇二七年三月十二日"): its year digit by digit, as the date
# in digits is read.
@pytest.mark.parametrize(("line", "start", "end", "all_day"), [
    ("二〇二七年三月十二日下午两点", utc(2027, 3, 12, 6), None, False),
    ("二零二七年十二月一日", utc(2027, 12, 1), utc(2027, 12, 2), True),
    ("2027年三月十二日", utc(2027, 3, 12), utc(2027, 3, 13), True),
    ("二〇二七年三月十二日 14:00-16:00", utc(2027, 3, 12, 6), utc(2027, 3, 12, 8), False),
    ("二〇二七年十月三十一日（星期日）晚上八点", utc(2027, 10, 31, 12), None, False),
    ("二〇二七年十一月二十日下午三点半", utc(2027, 11, 20, 7, 30), None, False),
    ("二〇二七年十二月十日 十四时三十分", utc(2027, 12, 10, 6, 30), None, False),
    ("二〇二七年三月十二號下午兩點", utc(2027, 3, 12, 6), None, False),  # traditional
    ("二〇二七年三月十二日至十四日", utc(2027, 3, 12), utc(2027, 3, 15), True),  # a run
    ("二〇二七年十二月三十日至二〇二八年一月二日", utc(2027, 12, 30), utc(2028, 1, 3), True),
    # the twenties and thirties as 廿 and 卅, as dates are also written
    ("二〇二七年三月廿一日下午两点", utc(2027, 3, 21, 6), None, False),
    ("二〇二七年三月廿日", utc(2027, 3, 20), utc(2027, 3, 21), True),
    ("二〇二七年十月卅一日（星期日）晚上八点", utc(2027, 10, 31, 12), None, False),
    ("2027年4月卅日 14:00-16:00", utc(2027, 4, 30, 6), utc(2027, 4, 30, 8), False),
])
def test_a_chinese_date_in_numerals_is_read_as_in_digits(line, start, end, all_day):
    when = read_page_when(line, "Asia/Shanghai")
    assert (when.starts_at, when.ends_at, when.all_day, when.note) == (
        start, end, all_day, None)


@pytest.mark.parametrize(("line", "note"), [
    ("三月十二日下午两点",
     "the page gives no year for its date '三月十二日', so I left the start unset; set it "
     "with /manage edit"),
    ("二〇二七年二月三十日",
     "the page's date '二〇二七年二月三十日' is no day of the calendar, so I left the start "
     "unset; set it with /manage edit"),
    ("二〇二七年三月十二日（星期四）",
     "the page names a day of the week that 2027-03-12 is not; check its date, or set it "
     "with /manage edit"),
    ("星期五十二月十日下午两点",
     "the page gives no year for its date '十二月十日', so I left the start unset; set it "
     "with /manage edit"),
    ("二〇二七年二月卅日",
     "the page's date '二〇二七年二月卅日' is no day of the calendar, so I left the start "
     "unset; set it with /manage edit"),
])
def test_a_chinese_date_in_numerals_is_noted_as_in_digits(line, note):
    assert str(read_page_when(line, "Asia/Shanghai").note) == note


def test_a_note_quotes_a_page_in_traditional_characters_as_written():
    assert "'12月5號'" in str(read_page_when("12月5號 下午3點", "Asia/Taipei").note)
    assert str(read_page_when("2026年12月5號 上午13點", "Asia/Taipei").note) == (
        "the page's time '上午13點' is not a time of day")


@pytest.mark.parametrize(("zone", "hours"), [
    ("UTC-05:00", -5), ("UTC−3", -3), ("GMT+14", 14), ("UTC+5:45", 5.75)])
def test_a_written_offset_sets_the_zone(zone, hours):
    when = read_page_when(f"Dec 1, 2026, 18:00 {zone}", "Asia/Shanghai")
    assert when.starts_at == utc(2026, 12, 1, 18) - timedelta(hours=hours)


@pytest.mark.parametrize(("line", "written"), [
    ("Dec 1, 2026, 18:00 UTC+15", "18:00 UTC+15"), ("Dec 1, 2026, 18:00 UTC+14:30",
                                                    "18:00 UTC+14:30"),
    ("Dec 1, 2026, 18:00 UTC-12:30", "18:00 UTC-12:30"),
    ("Dec 1, 2026, 6:00 PM (UTC+15)", "6:00 PM (UTC+15)"),
    ("2026年12月1日下午6点（UTC+15）", "下午6点（UTC+15）"),
    ("2026-12-01T18:00:00+15:00", "2026-12-01T18:00:00+15:00"),
    ("2026-12-01T18:00:00-13:00", "2026-12-01T18:00:00-13:00"),
    ("2026-12-01T18:00+08:00 – 2026-12-01T20:00+15:00",
     "2026-12-01T18:00+08:00 – 2026-12-01T20:00+15:00")])
def test_an_offset_no_place_has_leaves_the_start_unset_and_says_so(line, written):
    """Offsets run from UTC-12:00 to UTC+14:00; a time at another is not read in the
    server's zone instead, silently hours off."""
    when = read_page_when(line, "Asia/Shanghai")
    assert (when.starts_at, when.ends_at) == (None, None)
    assert str(when.note) == (f"the page's time {written!r} is at an offset no place has "
                              "(offsets run from UTC-12:00 to UTC+14:00)")


def test_an_all_day_date_beside_an_offset_no_place_has_is_still_its_day():
    when = read_page_when("Dec 1, 2026 (UTC+15)", "Asia/Shanghai")
    assert (when.starts_at, when.all_day, when.note) == (utc(2026, 12, 1), True, None)


@pytest.mark.parametrize(("year", "kept"), [(1999, False), (2000, True), (2100, True),
                                            (2101, False)])
def test_a_page_date_must_be_within_the_years_and_the_note_quotes_it(year, kept):
    when = read_page_when(f"Dec 1, {year}", "UTC")
    assert (when.starts_at is not None) == kept
    if not kept:
        assert str(when.note) == (f"the page's date 'Dec 1, {year}' is not between the years 2000 "
                             "and 2100, so I left the start unset")


@pytest.mark.parametrize("line", ["December 31, 2100, 11:00 PM - 11:30 PM UTC-12",
                                  "January 1, 2000, 1:00 AM UTC+14",
                                  "December 31, 2100, 11:00 PM - 1:00 AM UTC"])
def test_a_page_time_its_zone_moves_out_of_the_years_is_left_unset(line):
    when = read_page_when(line, "UTC")
    assert (when.starts_at, when.ends_at) == (None, None)
    assert str(when.note).endswith("is not between the years 2000 and 2100, so I left the "
                                   "start unset")


def test_an_impossible_date_is_passed_over_for_the_next_one_on_the_line():
    when = read_page_when("31 June 2026 (moved to 2026-07-01)", "UTC")
    assert when.all_day and when.starts_at == utc(2026, 7, 1)


def test_an_ambiguous_zone_note_names_the_abbreviation_and_every_other_reading():
    when = read_page_when("June 3, 2026, 18:00 IST", "UTC")
    assert str(when.note).startswith("the page's IST could also mean Israel Standard Time (UTC+2) "
                                "or Irish Standard Time (UTC+1); I read it as India Standard")
    all_day = read_page_when("June 3, 2026 CST", "UTC")
    assert all_day.all_day and "the page's CST could also mean" in str(all_day.note)


# -- runs of days: a conference's "June 1-3, 2026" -----------------------------------------


@pytest.mark.parametrize(("line", "first", "last"), [
    ("June 1-3, 2026", (2026, 6, 1), (2026, 6, 3)),
    ("June 1 – 3, 2026", (2026, 6, 1), (2026, 6, 3)),
    ("June 1st - 3rd, 2026", (2026, 6, 1), (2026, 6, 3)),
    ("June 1 to 3, 2026", (2026, 6, 1), (2026, 6, 3)),
    ("June 1, 2026 - June 3, 2026", (2026, 6, 1), (2026, 6, 3)),
    ("June 1 through June 3, 2026", (2026, 6, 1), (2026, 6, 3)),
    ("May 30 - June 2, 2026", (2026, 5, 30), (2026, 6, 2)),
    ("1-3 June 2026", (2026, 6, 1), (2026, 6, 3)),
    ("1st–3rd June 2026", (2026, 6, 1), (2026, 6, 3)),
    ("1 June - 3 June 2026", (2026, 6, 1), (2026, 6, 3)),
    ("30 May 2026 - 2 June 2026", (2026, 5, 30), (2026, 6, 2)),
    ("Paris, 1-3 June 2026", (2026, 6, 1), (2026, 6, 3)),
    ("Dec 30, 2026 - Jan 2, 2027", (2026, 12, 30), (2027, 1, 2)),
    ("Dec 30 - Jan 2, 2027", (2026, 12, 30), (2027, 1, 2)),  # the year is the last day's
    ("Mon., June 1 - Wed., June 3, 2026", (2026, 6, 1), (2026, 6, 3)),
    ("Monday, June 1, 2026 – Wednesday, June 3, 2026", (2026, 6, 1), (2026, 6, 3)),
    ("Mon 1 - Wed 3 June 2026", (2026, 6, 1), (2026, 6, 3)),
    ("2026-06-01 – 2026-06-03", (2026, 6, 1), (2026, 6, 3)),
    ("2026年6月1日至3日", (2026, 6, 1), (2026, 6, 3)),
    ("2026年6月1日-3日", (2026, 6, 1), (2026, 6, 3)),
    ("2026年6月1-3日", (2026, 6, 1), (2026, 6, 3)),
    ("2026年6月1日—6月3日", (2026, 6, 1), (2026, 6, 3)),
    ("2026年5月30日至6月2日", (2026, 5, 30), (2026, 6, 2)),
    ("2026年5月30日（週六）至6月2日（週二）", (2026, 5, 30), (2026, 6, 2)),  # traditional
    ("2026年12月30日至2027年1月2日", (2026, 12, 30), (2027, 1, 2)),
])
def test_a_run_of_days_is_one_all_day_event_ending_with_its_last_day(line, first, last):
    when = read_page_when(line, "Asia/Shanghai")
    assert (when.starts_at, when.ends_at, when.all_day, when.note) == (
        utc(*first), utc(*last) + timedelta(days=1), True, None)


@pytest.mark.parametrize(("line", "zone", "start", "end"), [
    # each day its own time: from the first day's to the last day's
    ("June 1, 2026, 9:00 - June 3, 2026, 17:00", "UTC", utc(2026, 6, 1, 9), utc(2026, 6, 3, 17)),
    ("June 1, 2026 at 9pm - June 2, 2026 at 1am", "UTC", utc(2026, 6, 1, 21),
     utc(2026, 6, 2, 1)),
    ("Mon, Jun 1, 2026, 9:00 AM EDT – Wed, Jun 3, 2026, 5:00 PM EDT", "UTC",
     utc(2026, 6, 1, 13), utc(2026, 6, 3, 21)),
    ("1 June 2026, 9:00 CEST - 3 June 2026, 17:00", "UTC", utc(2026, 6, 1, 7),
     utc(2026, 6, 3, 15)),
    ("2026年6月1日上午9:00至6月3日下午5:00", "Asia/Shanghai", utc(2026, 6, 1, 1),
     utc(2026, 6, 3, 9)),
    # the days' hours after the run: it starts on the first day and ends on the last
    ("June 1-3, 2026, 9:00 AM - 5:00 PM EDT", None, utc(2026, 6, 1, 13), utc(2026, 6, 3, 21)),
    ("2026年6月1日至3日 14:00-16:00", "Asia/Shanghai", utc(2026, 6, 1, 6), utc(2026, 6, 3, 8)),
    # a start alone: on until its last day is over where it is
    ("June 1-3, 2026, 9:00 AM", "Asia/Shanghai", utc(2026, 6, 1, 1), utc(2026, 6, 3, 16)),
])
def test_a_run_of_days_with_times_starts_on_its_first_day_and_ends_on_its_last(line, zone,
                                                                              start, end):
    when = read_page_when(line, zone)
    assert (when.starts_at, when.ends_at, when.all_day, when.note) == (start, end, False, None)


@pytest.mark.parametrize("line", [
    "June 3 - June 1, 2026",  # backwards
    "June 1, 2026 - July 15, 2026",  # a season, not an event's days
    "June 1, 2026 - June 1, 2027",
    "June 30-31, 2026",  # no such day
    "2026年6月3日至1日",
])
def test_a_run_of_days_that_is_none_leaves_the_start_unset_and_says_so(line):
    when = read_page_when(line, "UTC")
    assert (when.starts_at, when.ends_at) == (None, None)
    assert str(when.note) == (
        f"the page's dates {line!r} are not a run of days I can read (its last day must come "
        "after its first, within 30 days), so I left the start unset; set it with /manage edit")
    assert language("zh-CN").text(when.note) == (
        f"页面上的日期 {line!r} 不是我能读懂的一段连续日期（最后一天须在第一天之后，且相隔不超过 "
        "30 天），所以我没有设置开始时间；请用 /管理 编辑 设置")
    assert language("zh-TW").text(when.note) == (
        f"頁面上的日期 {line!r} 不是我能讀懂的一段連續日期（最後一天須在第一天之後，且相隔不超過 "
        "30 天），所以我沒有設定開始時間；請用 /管理 編輯 設定")


def test_a_run_of_days_without_a_year_quotes_the_run():
    assert str(read_page_when("May 30 - June 2", "UTC").note) == (
        "the page gives no year for its date 'May 30 - June 2', so I left the start unset; set "
        "it with /manage edit")


@pytest.mark.parametrize(("line", "start", "end", "all_day"), [
    # a number that is no day: the date is the one written in full
    ("Panel 2 - 5 June 2026", utc(2026, 6, 5), utc(2026, 6, 6), True),
    ("June 1, 2026 - 3 PM", utc(2026, 6, 1, 15), None, False),
    ("Dec 1, 2026, 6 - 8 PM", utc(2026, 12, 1, 18), utc(2026, 12, 1, 20), False),
    ("Friday, June 5, 2026 | 9:00 AM - 5:00 PM", utc(2026, 6, 5, 9), utc(2026, 6, 5, 17), False),
    ("2026年6月1日 下午2点-3点", utc(2026, 6, 1, 14), utc(2026, 6, 1, 15), False),
    ("2026-06-01 14:00 - 16:00", utc(2026, 6, 1, 14), utc(2026, 6, 1, 16), False),
    ("Dec 3, 2026 – Dec 3, 2026", utc(2026, 12, 3), utc(2026, 12, 4), True),
    ("March 3, 2026 – Updated March 5, 2026", utc(2026, 3, 3), utc(2026, 3, 4), True),
])
def test_a_dash_after_a_date_is_no_run_of_days_unless_a_day_follows(line, start, end, all_day):
    when = read_page_when(line, "UTC")
    assert (when.starts_at, when.ends_at, when.all_day) == (start, end, all_day)


RUN_PARTS = st.sampled_from(["June", "Dec", "1", "3", "30", "31", "-", "–", " to ", ",",
                             "2026", "2027", "1999", "Mon.", "Wednesday,", "9:00", "PM", "EST",
                             "年", "月", "日", "至", "上午", " ", "（周一）", "UTC+8"])


@settings(max_examples=300, deadline=None)
@given(st.lists(RUN_PARTS, max_size=14).map("".join), ZONES)
def test_a_run_of_days_read_from_any_line_is_forwards_and_at_most_31_days(line, zone):
    when = read_page_when(line, zone)
    if when.starts_at is not None and when.ends_at is not None:
        assert when.starts_at < when.ends_at <= when.starts_at + timedelta(days=31)


@pytest.mark.parametrize("line", [
    "1-" * 50_000, "June 1 - " * 11_200, "2026年6月1日至" * 10_000, "6月1-" * 25_000,
    "Mon 1 - " * 12_500, "June 1, 2026, 9:00 AM - " * 4_200, "June 1" + " " * 100_000 + "- 3, 2026",
    "June 1 " + "-" * 100_000, "1 June 2026 - 2 3 4 - May 5 - " * 3_500])
def test_a_long_line_of_days_and_dashes_is_read_quickly(line):
    line = line[:100_000]
    started = time.process_time()
    read_page_when(line, "UTC")
    assert time.process_time() - started < 0.5
    # the patterns themselves, on the whole line (the reader reads 300 characters)
    started = time.process_time()
    _find_days(line)
    assert time.process_time() - started < 2


@pytest.mark.parametrize("typed", ["June 1-3, 2031", "1-3 June 2031", "2031-06-01 - 2031-06-03",
                                   "2031年6月1日至3日", "May 30 - June 2, 2031"])
def test_a_run_of_days_typed_in_one_field_is_refused_not_read_as_its_first_day(typed):
    with pytest.raises(InvalidValue, match="can't read"):
        parse_typed(typed, "UTC", NOW)


# -- a run of days: each of its forms, with every word it may be written with -------------
# Each form of a run is read by its own pattern, built from the same pieces (the months, the
# days' endings, the words between the days, the weekdays, the time after the first day and
# its zone): each piece is read in each form.

_MONTHS_WRITTEN = ["January", "Feb", "Mar.", "April", "May", "Jun", "July", "Aug.", "Sept.",
                   "October", "Nov", "December"]
_DAYS_WRITTEN = [(1, "1st", 2, "2nd"), (2, "2nd", 3, "3rd"), (3, "3rd", 4, "4th"),
                 (20, "20th", 21, "21st"), (5, "5", 6, "6")]


@pytest.mark.parametrize("form", ["{m} {d1} - {m} {d2}, 2026", "{m} {d1}-{d2}, 2026",
                                  "{d1} {m} - {d2} {m} 2026", "{d1}-{d2} {m} 2026"])
@pytest.mark.parametrize("month", range(1, 13))
def test_a_run_of_days_is_read_in_every_month_and_with_every_day_ending(form, month):
    for first, first_written, last, last_written in _DAYS_WRITTEN:
        line = form.format(m=_MONTHS_WRITTEN[month - 1], d1=first_written, d2=last_written)
        when = read_page_when(line, "UTC")
        assert (when.starts_at, when.ends_at, when.all_day, when.note) == (
            utc(2026, month, first), utc(2026, month, last) + timedelta(days=1), True, None), line


@pytest.mark.parametrize("to", ["-", " - ", "–", "—", "~", "～", "−", "--", " to ", " through ",
                                " thru ", " until ", " till ", "至", " 到 "])
@pytest.mark.parametrize("form", ["June 1{to}June 3, 2026", "June 1{to}3, 2026",
                                  "1{to}3 June 2026", "2026年6月1日{to}6月3日",
                                  "2026-06-01{to}2026-06-03"])
def test_a_run_of_days_is_read_with_every_word_between_its_days(form, to):
    when = read_page_when(form.format(to=to), "UTC")
    assert (when.starts_at, when.ends_at, when.all_day) == (
        utc(2026, 6, 1), utc(2026, 6, 4), True)


@pytest.mark.parametrize("weekday", ["Monday", "Tues.", "Tue", "Wednesday", "Wed", "Thurs",
                                     "Thu", "Fri.", "Fri", "Saturday", "Sat", "Sun.", "Sunday"])
@pytest.mark.parametrize("form", ["Mon., June 1 - {w}, June 3, 2026", "{w} 1 - {w} 3 June 2026",
                                  "{w}, 1 June 2026 - {w}, 3 June 2026"])
def test_a_run_of_days_is_read_with_every_weekday_written_before_its_days(form, weekday):
    when = read_page_when(form.format(w=weekday), "UTC")
    assert (when.starts_at, when.ends_at, when.all_day) == (
        utc(2026, 6, 1), utc(2026, 6, 4), True)


@pytest.mark.parametrize("line", ["from 1 - 3 June 2026", "on 1-3 June 2026",
                                  "2026年6月1日（周一）至3日", "2026年6月1日(星期一)至6月3日",
                                  "2026年6月1日（礼拜一）至3日", "2026年6月1号至3号"])
def test_a_run_of_days_is_read_with_the_words_around_its_first_day(line):
    when = read_page_when(line, "UTC")
    assert (when.starts_at, when.ends_at, when.all_day) == (
        utc(2026, 6, 1), utc(2026, 6, 4), True)


_RUN_ENDS = [("June 1, 2026,", "June 3, 2026,"), ("1 June 2026,", "3 June 2026,"),
             ("2026年6月1日", "2026年6月3日"), ("2026-06-01", "2026-06-03")]


@pytest.mark.parametrize("clock", [
    "9:00", "9：30", "9:30 pm", "9 a.m.", "9PM", "3点", "3时", "3点半", "3点一刻", "3点三刻",
    "3点15分", "3点二十分", "3点十五分", "3点零五分", "上午9点", "早上7点", "早晨7点", "凌晨1点",
    "中午12点", "下午3点", "傍晚6点", "晚上8点", "晚间8点", "早8点", "晚8点",
    *(f"9:00 {zone}" for zone in ("UTC", "GMT", "BST", "CET", "CEST", "EST", "EDT", "ET", "CDT",
                                  "CT", "MST", "MDT", "MT", "PST", "PDT", "PT", "JST", "KST",
                                  "HKT", "SGT", "Beijing time", "北京时间", "CST", "IST",
                                  "UTC+8", "GMT-5", "(UTC+05:30)"))])
@pytest.mark.parametrize(("first", "last"), _RUN_ENDS)
def test_the_time_after_a_runs_first_day_is_read_as_after_that_day_alone(first, last, clock):
    # the run starts when its first day with that time would, and ends when its last day
    # with the end's time would, in the same zone
    zone = clock.removeprefix("9:00 ").strip("()") if clock.startswith("9:00 ") else ""
    end = f"{last} 17:00 {zone}".rstrip()
    when = read_page_when(f"{first} {clock} - {end}", "Asia/Shanghai")
    alone = read_page_when(f"{first} {clock}", "Asia/Shanghai")
    assert alone.starts_at is not None
    assert (when.starts_at, when.ends_at, when.all_day) == (
        alone.starts_at, read_page_when(end, "Asia/Shanghai").starts_at, False)


# -- typed times: the rules behind the examples -------------------------------------------


@pytest.mark.parametrize(("typed", "base", "local"), [
    ("8pm", NOW, datetime(2026, 11, 30, 20)),  # NOW is 18:00 in Shanghai: today
    ("9:05 a.m.", NOW, datetime(2026, 12, 1, 9, 5)),  # gone today: tomorrow
    ("12am", NOW, datetime(2026, 12, 1, 0)),
    ("12:30PM", NOW, datetime(2026, 12, 1, 12, 30)),
    ("0:15", NOW, datetime(2026, 12, 1, 0, 15)),
    ("23:59", NOW, datetime(2026, 11, 30, 23, 59)),
    ("6pm", NOW, datetime(2026, 12, 1, 18)),  # exactly now: the next one
    ("1pm", NOW, datetime(2026, 12, 1, 13)),
    ("2am", utc(2026, 11, 30, 20), datetime(2026, 12, 2, 2)),  # already 1 December there
    # 24:00 alone: the midnight that ends today, as "midnight" and 晚上12点 alone are
    *((typed, NOW, datetime(2026, 12, 1)) for typed in (
        "24:00", "at 24:00", "24h00", "24h", "24点", "晚上24点", "midnight", "晚上12点")),
])
def test_a_bare_typed_clock_is_the_next_such_moment(typed, base, local):
    when = parse_typed(typed, "Asia/Shanghai", base)
    assert when.starts_at == local.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert not when.all_day and when.ends_at is None


@pytest.mark.parametrize("typed", ["13am", "0am", "24:30", "24:01", "23:60", "24:00 pm",
                                   "下午24点", "12月1日下午24点", "December 1, 2026 24:30"])
def test_a_bare_clock_that_is_no_time_of_day_is_not_read_as_one(typed):
    with pytest.raises(InvalidValue):
        parse_typed(typed, "UTC", NOW)


def test_a_typed_date_is_the_day_of_the_servers_zone_and_lasts_a_day():
    when = parse_typed("Dec 24", "Asia/Shanghai", NOW)  # ahead of UTC
    assert when.all_day and (when.starts_at, when.ends_at) == (utc(2026, 12, 24),
                                                               utc(2026, 12, 25))
    today = parse_typed("today", "UTC", NOW)  # a date is not past until it has ended
    assert today.all_day and today.starts_at == utc(2026, 11, 30)


@pytest.mark.parametrize(("typed", "after", "words"), [
    ("yesterday", None, "in the past"),
    ("Nov 30 10:00 2026", None, None),  # a year written: may lie in the past
    ("2026-12-10 17:00", utc(2026, 12, 10, 18), None),
    ("today 17:00", utc(2026, 12, 10, 18), "before the start"),
])
def test_a_time_without_its_year_must_come_after_the_start_or_now(typed, after, words):
    if words is None:
        parse_typed(typed, "UTC", NOW, after=after)
        return
    with pytest.raises(InvalidValue) as refused:
        parse_typed(typed, "UTC", NOW, after=after)
    assert "would be 2026-" in str(refused.value) and f", {words};" in str(refused.value)


def test_a_date_past_2100_in_a_zone_ahead_of_utc_is_refused():
    with pytest.raises(InvalidValue, match=r"^starts_at '2101-01-01' is not between the years"):
        parse_typed("2101-01-01", "Asia/Shanghai", NOW)


def test_a_typed_time_of_exactly_100_characters_is_read():
    typed = "2026-12-01T18:00:00." + "0" * 74 + "+08:00"
    assert len(typed) == 100
    assert parse_typed(typed, "UTC", NOW).starts_at == datetime(
        2026, 12, 1, 10, tzinfo=UTC)


def test_an_unknown_zone_is_refused_with_examples_and_quotes_at_most_100_characters():
    with pytest.raises(InvalidValue) as refused:
        check_zone_name("Z" * 150)
    assert str(refused.value) == (f"{'Z' * 100!r} is not a timezone I know; pick an IANA name "
                                  "such as Europe/Paris, America/Chicago or Asia/Shanghai "
                                  "from the list")


def test_a_bare_number_after_the_date_is_no_time():
    when = read_page_when("Dec 1, 2026, Room 12", "UTC")
    assert when.all_day and when.starts_at == utc(2026, 12, 1)


def test_an_impossible_minute_never_fails_the_reading():
    # no time of day, said, rather than the hour's last minute in its place
    when = read_page_when("Dec 1, 2026, 18:75 - 19:99 GMT", "UTC")
    assert (when.starts_at, when.ends_at) == (None, None)
    assert str(when.note) == "the page's time '18:75 - 19:99' is not a time of day"
    when = read_page_when("Dec 1, 2026, 18:15 - 19:99 GMT", "UTC")
    assert (when.starts_at, when.ends_at) == (utc(2026, 12, 1, 18, 15), None)
    assert when.starts_at.tzinfo is UTC  # stored in UTC
    assert "'19:99'" in str(when.end_note)


def test_the_no_year_note_says_what_to_do():
    assert str(read_page_when("Oct 28, 6 PM", None).note) == (
        "the page gives no year for its date 'Oct 28', so I left the start unset; set it "
        "with /manage edit")


def test_an_unknown_server_zone_is_read_as_utc():
    assert server_zone("Not/AZone") == server_zone(None) == ZoneInfo("UTC")


@pytest.mark.parametrize(("typed", "fast"), [
    ("2026-12-01", True), (" 2026-12-01   18:00 ", True), ("2026-12-01T18:00:30+08:00", True),
    ("friday 6pm", False), ("2026-12-01 6pm", False)])
def test_iso_times_are_the_ones_read_without_dateparser(typed, fast):
    assert is_iso(typed) == fast


def test_relative_words_count_from_the_servers_date():
    late = utc(2026, 11, 30, 20)  # 04:00 on 1 December in Shanghai
    when = parse_typed("tomorrow 9:30", "Asia/Shanghai", late)
    assert when.starts_at == datetime(2026, 12, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_iso_and_bare_clock_times_need_no_dateparser(monkeypatch):
    monkeypatch.setitem(sys.modules, "dateparser", None)  # importing it now fails
    assert parse_typed("2026-12-01 18:00", "UTC", NOW).starts_at == utc(2026, 12, 1, 18)
    assert parse_typed("2026-12-01T18:00Z", "Asia/Shanghai", NOW).starts_at == utc(
        2026, 12, 1, 18)
    assert parse_typed("8pm", "UTC", NOW).starts_at == utc(2026, 11, 30, 20)


@pytest.mark.parametrize(("name", "hours"), [
    ("UTC", 0), ("GMT", 0), ("BST", 1), ("CET", 1), ("CEST", 2), ("EST", -5), ("EDT", -4),
    ("ET", -5), ("CDT", -5), ("CT", -6), ("MST", -7), ("MDT", -6), ("MT", -7), ("PST", -8),
    ("PDT", -7), ("PT", -8), ("JST", 9), ("KST", 9), ("HKT", 8), ("SGT", 8),
    ("Beijing time", 8), ("北京时间", 8), ("BJT", 8), ("CST", -6), ("IST", 5.5),
    ("Eastern Time", -5), ("Eastern Standard Time", -5), ("Eastern Daylight Time", -4),
    ("Central Time", -6), ("Central Daylight Time", -5), ("Mountain Time", -7),
    ("Mountain Standard Time", -7), ("Mountain Daylight Time", -6), ("Pacific Time", -8),
    ("Pacific Standard Time", -8), ("Pacific Daylight Time", -7), ("Greenwich Mean Time", 0),
    ("British Summer Time", 1), ("Central European Time", 1),
    ("Central European Summer Time", 2), ("Japan Standard Time", 9),
    ("Korea Standard Time", 9), ("Hong Kong Time", 8), ("Singapore Time", 8),
    ("China Standard Time", 8)])
def test_every_zone_name_listed_is_read_from_a_page(name, hours):
    # A server far from all of them settles nothing: an ambiguous name takes its first reading.
    # A summer time's name is read on a summer's day (in winter it is its home's clock's).
    summer = "DAYLIGHT" in name.upper() or "SUMMER" in name.upper() or name in (
        "BST", "CEST", "EDT", "CDT", "MDT", "PDT")
    day = date(2026, 7, 1) if summer else date(2026, 12, 1)
    when = read_page_when(f"{day:%b} 1, 2026, 12:00 {name}", "Pacific/Kiritimati")
    assert when.starts_at == utc(day.year, day.month, 1, 12) - timedelta(hours=hours)


@pytest.mark.parametrize(("month", "number"), [
    (name, number) for number, names in enumerate([
        ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
        ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
        ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1)
    for name in names])
def test_every_month_name_and_abbreviation_is_read(month, number):
    when = read_page_when(f"{month.title()} 3, 2026", "UTC")
    assert when.starts_at == utc(2026, number, 3) and when.all_day


# -- a Chinese page's range: the end clock is read like the start ------------------------


@pytest.mark.parametrize(("line", "starts", "ends"), [
    ("2026年12月1日 早上7点至早上9点", "2026-11-30 23:00", "2026-12-01 01:00"),
    ("2026年12月1日 上午9点至中午12点", "2026-12-01 01:00", "2026-12-01 04:00"),
    ("2026年12月1日 上午9点至下午3点15分", "2026-12-01 01:00", "2026-12-01 07:15"),
    ("2026年12月1日 下午2点至晚上8点半", "2026-12-01 06:00", "2026-12-01 12:30"),
    ("2026年12月1日 晚上7点至晚上9点", "2026-12-01 11:00", "2026-12-01 13:00"),
    ("2026年12月1日 上午9点至晚间10点", "2026-12-01 01:00", "2026-12-01 14:00"),
    ("2026年12月1日 上午9点至晚10点", "2026-12-01 01:00", "2026-12-01 14:00"),
    # the end's hour in Chinese numerals, and its quarter
    ("2026年12月1日 上午九点至十一点", "2026-12-01 01:00", "2026-12-01 03:00"),
    ("2026年12月1日 下午三点至五时", "2026-12-01 07:00", "2026-12-01 09:00"),
    ("2026年12月1日 下午3点至5点一刻", "2026-12-01 07:00", "2026-12-01 09:15"),
    ("2026年12月1日 下午3点至5点二十分", "2026-12-01 07:00", "2026-12-01 09:20"),
    ("2026年12月1日 下午3点至5点零五分", "2026-12-01 07:00", "2026-12-01 09:05"),
])
def test_the_end_of_a_chinese_range_has_its_own_time_word_and_minutes(line, starts, ends):
    # Times in Beijing (UTC+8), written in UTC here.
    when = read_page_when(line, "Asia/Shanghai")
    assert (f"{when.starts_at:%Y-%m-%d %H:%M}", f"{when.ends_at:%Y-%m-%d %H:%M}") == (
        starts, ends)
    assert not when.all_day and when.note is None


# -- typed times: what makes one a time of day, not an all-day date ----------------------


@pytest.mark.parametrize("typed", ["6:30", "6.30", "6pm", "6 am", "9 a.m.", "9 p.m.", "18h",
                                   "18h30", "18点", "noon", "Dec 1 noon", "midnight",
                                   "2026-12-01T18:00"])
def test_each_way_of_writing_a_time_of_day_is_one(typed):
    assert has_time_of_day(typed)


@pytest.mark.parametrize("typed", ["Dec 1 2026", "2026-12-01", "1 December", "in 18 hours",
                                   "noonday", "Dec 1.", "2026年12月1日"])
def test_a_date_alone_has_no_time_of_day(typed):
    assert not has_time_of_day(typed)


@pytest.mark.parametrize(("zone", "start", "end", "all_day", "offsets"), [
    ("Asia/Shanghai", utc(2026, 12, 5), utc(2026, 12, 6), True, (8 * 3600, 8 * 3600)),
    ("America/New_York", utc(2026, 12, 5), utc(2026, 12, 6), True, (-5 * 3600, -5 * 3600)),
    # The clocks move forward on March 8: the day begins at EST's midnight, ends at EDT's.
    ("America/New_York", utc(2026, 3, 8), utc(2026, 3, 9), True, (-5 * 3600, -4 * 3600)),
    ("America/New_York", utc(2026, 3, 8), None, True, (-5 * 3600, 0)),
    # A typed end with a time of day is a moment already: only the date moves.
    ("America/New_York", utc(2026, 3, 8), utc(2026, 3, 8, 23), True, (-5 * 3600, 0)),
    ("Asia/Shanghai", utc(2026, 12, 5, 10), utc(2026, 12, 5, 12), False, (0, 0)),
    (None, utc(2026, 12, 5), utc(2026, 12, 6), True, (0, 0)),
    ("Asia/Shanghai", None, None, True, (0, 0)),
])
def test_an_all_day_event_runs_midnight_to_midnight_in_the_servers_zone(
        zone, start, end, all_day, offsets):
    assert day_offsets(zone, start, end, all_day) == offsets


@pytest.mark.parametrize(("typed", "local", "all_day"), [
    ("周五下午6点", datetime(2026, 12, 4, 18), False),  # NOW is Monday 30 November 2026
    ("週五下午6點", datetime(2026, 12, 4, 18), False),
    ("周五下午六点半", datetime(2026, 12, 4, 18, 30), False),
    ("下周五晚上7点半", datetime(2026, 12, 11, 19, 30), False),  # next week's, not this one's
    ("下个星期一上午10点", datetime(2026, 12, 7, 10), False),
    ("12月8日下午3点", datetime(2026, 12, 8, 15), False),
    ("2027年1月5日 18:00", datetime(2027, 1, 5, 18), False),
    ("明天下午3点", datetime(2026, 12, 1, 15), False),
    ("12月8日", datetime(2026, 12, 8), True),
])
def test_a_time_typed_in_chinese_is_read_as_a_chinese_moderator_means_it(typed, local,
                                                                          all_day):
    when = parse_typed(typed, "Asia/Shanghai", NOW)
    assert when.all_day is all_day
    if all_day:
        assert when.starts_at == local.replace(tzinfo=UTC)
    else:
        assert when.starts_at == local.replace(tzinfo=ZoneInfo("Asia/Shanghai")), when


SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2031, 12, 1, 10, tzinfo=SHANGHAI)
FRIDAY, SATURDAY = MONDAY + timedelta(days=4), MONDAY + timedelta(days=5)


@pytest.mark.parametrize("script", [str, traditional], ids=["simplified", "traditional"])
@pytest.mark.parametrize(("typed", "now", "meant"), [
    ("下午6点45", MONDAY, datetime(2031, 12, 1, 18, 45)),  # minutes without their 分
    ("6点30", MONDAY, datetime(2031, 12, 2, 6, 30)),  # the next 6:30
    ("周五下午6点05", MONDAY, datetime(2031, 12, 5, 18, 5)),
    ("12月8日 18：00", MONDAY, datetime(2031, 12, 8, 18)),  # a Chinese keyboard's colon
    ("１８：００", MONDAY, datetime(2031, 12, 1, 18)),  # and its digits
    ("晚上12点", MONDAY, datetime(2031, 12, 2, 0)),  # midnight, not noon
    ("12月8日晚上12点", MONDAY, datetime(2031, 12, 9, 0)),  # the night of the 8th
    ("12月8日晚7点", MONDAY, datetime(2031, 12, 8, 19)),  # as a poster writes it
    ("12月8日晚12点", MONDAY, datetime(2031, 12, 9, 0)),
    ("12月8日早8点", MONDAY, datetime(2031, 12, 8, 8)),
    ("周五晚上1点", MONDAY, datetime(2031, 12, 6, 1)),
    ("12月8日半夜2点", MONDAY, datetime(2031, 12, 9, 2)),  # the night of the 8th
    ("12月8日夜里12点", MONDAY, datetime(2031, 12, 9, 0)),
    ("12月8日深夜11点", MONDAY, datetime(2031, 12, 8, 23)),
    ("凌晨1点", MONDAY, datetime(2031, 12, 2, 1)),
    ("明天凌晨0点30分", MONDAY, datetime(2031, 12, 2, 0, 30)),
    ("12月8日零点", MONDAY, datetime(2031, 12, 8, 0)),  # midnight as 零点 ("zero o'clock")
    ("明天零点30分", MONDAY, datetime(2031, 12, 2, 0, 30)),
    ("晚上12点 UTC", MONDAY, datetime(2031, 12, 2, 8)),  # the next midnight, in UTC
    ("傍晚6点", MONDAY, datetime(2031, 12, 1, 18)),
    ("8号下午3点", MONDAY, datetime(2031, 12, 8, 15)),  # the 8th, not in eight days
    ("1号下午3点", MONDAY, datetime(2031, 12, 1, 15)),  # this month's, today
    ("今晚8点", MONDAY, datetime(2031, 12, 1, 20)),
    ("明早9点", MONDAY, datetime(2031, 12, 2, 9)),
    ("后天晚上八点", MONDAY, datetime(2031, 12, 3, 20)),
    ("大后天下午3点", MONDAY, datetime(2031, 12, 4, 15)),  # in three days
    ("3天后下午3点", MONDAY, datetime(2031, 12, 4, 15)),
    ("三天以后晚上8点", MONDAY, datetime(2031, 12, 4, 20)),
    ("两周后下午3点", MONDAY, datetime(2031, 12, 15, 15)),
    ("下个月8号下午3点", MONDAY, datetime(2032, 1, 8, 15)),  # January's, not December's
    ("下月8号晚上7点", MONDAY, datetime(2032, 1, 8, 19)),
    ("本月15号下午3点", MONDAY, datetime(2031, 12, 15, 15)),
    ("18点整", MONDAY, datetime(2031, 12, 1, 18)),
    ("下午6点钟", MONDAY, datetime(2031, 12, 1, 18)),
    ("星期5下午3点", MONDAY, datetime(2031, 12, 5, 15)),
    ("十二月八日下午三点", MONDAY, datetime(2031, 12, 8, 15)),  # numerals for the date too
    ("下下周一上午10点", MONDAY, datetime(2031, 12, 15, 10)),  # the week after next
    ("12月8日（星期一）下午6点", MONDAY, datetime(2031, 12, 8, 18)),
    ("12月1日下午6点", MONDAY, datetime(2031, 12, 1, 18)),  # today, not next year
    ("周五下午6点", FRIDAY, datetime(2031, 12, 5, 18)),  # today's Friday, still to come
    ("这周五下午6点", FRIDAY, datetime(2031, 12, 5, 18)),
    ("周五上午9点", FRIDAY, datetime(2031, 12, 12, 9)),  # today's is past: next week's
    ("周日下午3点", SATURDAY, datetime(2031, 12, 7, 15)),
])
def test_a_time_typed_as_chinese_keyboards_and_speakers_write_it(script, typed, now, meant):
    when = parse_typed(script(typed), "Asia/Shanghai", now)
    assert not when.all_day and when.starts_at == meant.replace(tzinfo=SHANGHAI), when


@pytest.mark.parametrize(("typed", "now", "day"), [
    ("12月1日", MONDAY, datetime(2031, 12, 1)),  # today
    ("15号", MONDAY, datetime(2031, 12, 15)),
    ("二十号", MONDAY, datetime(2031, 12, 20)),
    ("廿一号", MONDAY, datetime(2031, 12, 21)),  # the twenties and thirties in one character
    ("十二月卅一日", MONDAY, datetime(2031, 12, 31)),
    ("3号", datetime(2031, 12, 31, 10, tzinfo=SHANGHAI), datetime(2032, 1, 3)),  # next month's
    ("30号", datetime(2031, 1, 31, 10, tzinfo=SHANGHAI), datetime(2031, 3, 30)),  # none in Feb
    ("31号", datetime(2031, 11, 15, 10, tzinfo=SHANGHAI), datetime(2031, 12, 31)),
    ("2月29日", datetime(2027, 2, 28, 10, tzinfo=SHANGHAI), datetime(2028, 2, 29)),  # a leap year's
    ("2月29日", datetime(2028, 3, 1, 10, tzinfo=SHANGHAI), datetime(2032, 2, 29)),
    ("周五", FRIDAY, datetime(2031, 12, 5)),  # today
    ("3天后", MONDAY, datetime(2031, 12, 4)),
    ("1个星期后", MONDAY, datetime(2031, 12, 8)),
    ("这个月31号", MONDAY, datetime(2031, 12, 31)),
    ("下下个月1号", MONDAY, datetime(2032, 2, 1)),
    ("星期5", MONDAY, datetime(2031, 12, 5)),
])
def test_a_chinese_date_without_a_year_is_the_next_such_day_today_included(typed, now, day):
    when = parse_typed(typed, "Asia/Shanghai", now)
    assert when.all_day and when.starts_at == day.replace(tzinfo=UTC), when


@pytest.mark.parametrize(("typed", "now", "says"), [
    ("2031-12-08 18:00-20:00", MONDAY, "holds two times"),  # -20:00 is no UTC offset
    ("18点至20点", MONDAY, "holds two times"),
    ("12月32日", MONDAY, "can't read"),  # not the 1st of December 2032
    ("0月5日", MONDAY, "can't read"),
    ("十三月一日", MONDAY, "can't read"),
    ("2月30日", MONDAY, "can't read"),
    ("32号", MONDAY, "can't read"),
    ("下个月31号", datetime(2032, 1, 10, tzinfo=SHANGHAI), "can't read"),  # no February 31
    ("本月1号", datetime(2031, 12, 10, tzinfo=SHANGHAI), "in the past"),
    ("12月3日后下午3点", MONDAY, "can't read"),  # after a date: not a date
    ("这周五下午6点", SATURDAY, "in the past"),  # yesterday, not next week's
    # a part of the day without its hour: no moment (it had been read as another day)
    ("2031年12月8日下午", MONDAY, "can't read"),
    ("12月8日 下午", MONDAY, "can't read"),
    ("明天下午", MONDAY, "can't read"),
    ("後天晚上", MONDAY, "can't read"),
    ("周五下午", MONDAY, "can't read"),
    ("星期天上午", MONDAY, "can't read"),
])
def test_a_chinese_time_that_names_no_moment_to_come_is_refused(typed, now, says):
    with pytest.raises(InvalidValue, match=says):
        parse_typed(typed, "Asia/Shanghai", now)


@pytest.mark.parametrize(("typed", "meant"), [
    ("2031年12月8日中午", datetime(2031, 12, 8, 12)), ("明天中午", datetime(2031, 12, 2, 12)),
    ("周五中午", datetime(2031, 12, 5, 12)), ("中午12点半", datetime(2031, 12, 1, 12, 30)),
])
def test_noon_typed_in_chinese_without_its_hour_is_twelve(typed, meant):
    when = parse_typed(typed, "Asia/Shanghai", MONDAY)
    assert not when.all_day and when.starts_at == meant.replace(tzinfo=SHANGHAI), when


@pytest.mark.parametrize("typed", ["周五晚上8点", "friday 8pm", "Fri 20:00"])
def test_an_end_typed_as_a_weekday_is_on_the_starts_day_when_it_can_be(typed):
    start = datetime(2031, 12, 5, 18, tzinfo=SHANGHAI)  # not a week-long event
    when = parse_typed(typed, "Asia/Shanghai", MONDAY, after=start)
    assert when.starts_at == datetime(2031, 12, 5, 20, tzinfo=SHANGHAI)


@pytest.mark.parametrize("typed", ["周五下午5点", "friday 5pm"])
def test_an_end_typed_as_a_weekday_before_the_start_is_refused_not_moved_a_week(typed):
    start = datetime(2031, 12, 5, 18, tzinfo=SHANGHAI)
    with pytest.raises(InvalidValue, match="before the start"):
        parse_typed(typed, "Asia/Shanghai", MONDAY, after=start)


def test_a_typed_date_is_past_once_its_day_is_over_in_the_servers_zone():
    # 00:30 on December 3 in Shanghai, 16:30 on December 2 in UTC: yesterday is over.
    with pytest.raises(InvalidValue, match="2031-12-02, in the past"):
        parse_typed("yesterday", "Asia/Shanghai", datetime(2031, 12, 2, 16, 30, tzinfo=UTC))
    # 21:00 on December 1 in New York, 02:00 on December 2 in UTC: today still runs.
    when = parse_typed("today", "America/New_York", datetime(2031, 12, 2, 2, tzinfo=UTC))
    assert when.all_day and when.starts_at == datetime(2031, 12, 1, tzinfo=UTC)


THURSDAY = MONDAY + timedelta(days=3, hours=1)  # 11:00 in Shanghai, 03:00 in UTC


@pytest.mark.parametrize(("typed", "meant"), [
    ("at 6pm", datetime(2031, 12, 4, 18)),  # today, though the zone is ahead of UTC
    ("6.30pm", datetime(2031, 12, 4, 18, 30)),
    ("noon", datetime(2031, 12, 4, 12)),
    ("tonight at 8", datetime(2031, 12, 4, 20)),
    ("7pm tonight", datetime(2031, 12, 4, 19)),
    ("tomorrow at noon", datetime(2031, 12, 5, 12)),
    ("6pm on friday", datetime(2031, 12, 5, 18)),
    ("friday midnight", datetime(2031, 12, 6, 0)),  # the night of Friday
    ("Dec 4 6pm", datetime(2031, 12, 4, 18)),  # today, not next year
    ("4th of December at 18:00", datetime(2031, 12, 4, 18)),
])
def test_a_time_typed_in_english_is_counted_from_today_in_the_servers_zone(typed, meant):
    when = parse_typed(typed, "Asia/Shanghai", THURSDAY)
    assert not when.all_day and when.starts_at == meant.replace(tzinfo=SHANGHAI), when


@pytest.mark.parametrize(("typed", "says"), [
    ("friday at 7", "can't read"),  # morning or evening? (dateparser: July)
    ("tomorrow at 7", "can't read"),
    ("Feb 30", "can't read"),
    ("Dec 4 10am", "in the past"),  # today's, an hour ago (dateparser: next year's)
])
def test_an_english_day_with_an_hour_alone_or_gone_is_refused(typed, says):
    with pytest.raises(InvalidValue, match=says):
        parse_typed(typed, "Asia/Shanghai", THURSDAY)


def test_an_english_date_without_a_year_is_today_or_the_next():
    assert parse_typed("Dec 4", "Asia/Shanghai", THURSDAY).starts_at == utc(2031, 12, 4)
    assert parse_typed("Feb 29", "Asia/Shanghai", THURSDAY).starts_at == utc(2032, 2, 29)


@pytest.mark.parametrize(("typed", "zone", "meant"), [
    ("6pm CST", "Asia/Shanghai", "Asia/Shanghai"),  # China's, as a page's CST is here
    ("friday 6pm CST", "America/Chicago", "America/Chicago"),  # and US Central's there
    ("6pm IST", "Asia/Kolkata", "Asia/Kolkata"),
    ("下午6点 北京时间", "UTC", "Asia/Shanghai"),
    ("12月1日 下午6點 北京時間", "UTC", "Asia/Shanghai"),
])
def test_a_zone_typed_after_a_time_is_read_as_a_pages_is(typed, zone, meant):
    when = parse_typed(typed, zone, THURSDAY)
    assert when.starts_at.astimezone(ZoneInfo(meant)).hour == 18, when


@pytest.mark.parametrize(("zone", "note"), [
    ("UTC", "CST could also mean China Standard Time (UTC+8); I read it as US Central "
            "Standard Time (UTC−6). If that is wrong, type the time with the offset you mean, "
            "such as UTC+8"),
    ("Asia/Shanghai", None), ("America/Chicago", None),  # the server's zone settles it
])
def test_a_typed_cst_the_servers_zone_does_not_settle_says_so_as_a_pages_does(zone, note):
    typed = parse_typed("December 1, 2031 6pm CST", zone, THURSDAY)
    page = read_page_when("December 1, 2031, 6:00 PM CST", zone)
    assert typed.starts_at == page.starts_at
    assert (str(typed.note) if typed.note else None) == note
    assert (typed.note is None) == (page.note is None)


@pytest.mark.parametrize(("typed", "day"), [
    ("北京时间18:00", 4), ("北京时间 12月1日 18:00", 1), ("北京時間 12月1日 18:00", 1),
    ("北京时间：12月1日 下午6点", 1),
])
def test_a_zone_typed_before_the_time_is_read_as_a_pages_is(typed, day):
    when = parse_typed(typed, "UTC", THURSDAY)
    local = when.starts_at.astimezone(SHANGHAI)
    assert (local.day, local.hour, local.minute) == (day, 18, 0), when
    # as a page's line says it
    assert read_page_when("北京时间 2031年12月1日 18:00", "UTC").starts_at == utc(2031, 12, 1, 10)


@pytest.mark.parametrize("typed", ["friday 6ｐｍ", "Ｆｒｉｄａｙ ６ＰＭ", "friday 6\u200bpm"])
def test_full_width_letters_and_invisible_characters_do_not_lose_the_time(typed):
    when = parse_typed(typed, "Asia/Shanghai", THURSDAY)
    assert when.starts_at == datetime(2031, 12, 5, 18, tzinfo=SHANGHAI), when


def test_a_typed_offset_no_place_has_is_refused():
    with pytest.raises(InvalidValue, match="can't read"):
        parse_typed("6pm UTC+15", "Asia/Shanghai", THURSDAY)


@pytest.mark.parametrize("typed", ["10pm friday", "at 10pm"])
def test_an_english_end_after_its_start_is_on_the_starts_day(typed):
    start = datetime(2031, 12, 5, 18, tzinfo=SHANGHAI)
    when = parse_typed(typed, "Asia/Shanghai", THURSDAY, after=start)
    assert when.starts_at == datetime(2031, 12, 5, 22, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("typed", "meant"), [
    ("friday 6pm", datetime(2031, 12, 5, 18)),  # today's, still to come
    ("this friday at 18:00", datetime(2031, 12, 5, 18)),
    ("Fri 9am", datetime(2031, 12, 12, 9)),  # today's is past: next week's
    ("Monday, 9:30am", datetime(2031, 12, 8, 9, 30)),
])
def test_a_weekday_typed_in_english_counts_today_as_chinese_does(typed, meant):
    when = parse_typed(typed, "Asia/Shanghai", FRIDAY)
    assert not when.all_day and when.starts_at == meant.replace(tzinfo=SHANGHAI), when


@pytest.mark.parametrize("code", ["en-US", "en-GB", "zh-CN", "zh-TW"])
def test_every_example_a_refusal_gives_in_any_language_is_read(code):
    from bot.i18n import language
    from bot.when_typed import TYPED_EXAMPLE

    # (quoted as each language quotes: "…", “…”, 「…」)
    examples = re.findall(r'["“「]([^"”」]+)["”」]', language(code).text(TYPED_EXAMPLE))
    assert len(examples) == 3, examples
    for example in examples:
        assert not parse_typed(example, "Asia/Shanghai", NOW).all_day, example


@pytest.mark.parametrize(("typed", "meant"), [
    ("Tuesday Dec 9 6pm", datetime(2031, 12, 9, 18)),
    ("Tue, 9th of December at 18:00", datetime(2031, 12, 9, 18)),
    ("6pm on Tuesday Dec 9", datetime(2031, 12, 9, 18)),
    ("Tuesday, December 9, 2031 6pm", datetime(2031, 12, 9, 18)),  # read by dateparser
    ("Monday Dec 8 midnight", datetime(2031, 12, 9, 0)),  # the night of Monday
    ("12月9日（星期二）晚上7点", datetime(2031, 12, 9, 19)),
    ("12月9日週二 18:00", datetime(2031, 12, 9, 18)),
    ("12月8日周一晚上12点", datetime(2031, 12, 9, 0)),  # Monday's night
])
def test_a_weekday_typed_with_its_date_is_read_when_they_agree(typed, meant):
    when = parse_typed(typed, "Asia/Shanghai", MONDAY)
    assert when.starts_at == meant.replace(tzinfo=SHANGHAI), when


@pytest.mark.parametrize("typed", [
    "Tuesday Dec 8 6pm", "Tue, 8th of December", "Tuesday, December 8, 2031 6pm",
    "Tue 2031-12-08 18:00", "12月8日（星期二）晚上7点", "12月8日周二", "2031年12月8日 礼拜二 18:00",
])
def test_a_weekday_its_date_does_not_fall_on_is_refused_not_guessed(typed):
    """December 8, 2031 is a Monday: the date or the weekday is a typo."""
    for zone in ("Asia/Shanghai", "America/New_York"):
        with pytest.raises(InvalidValue) as refused:
            parse_typed(typed, zone, MONDAY)
        assert ("names a day of the week that 2031-12-08 is not; check the date, e.g."
                in str(refused.value)), str(refused.value)


def test_a_weekday_is_checked_in_the_zone_it_was_typed_in():
    # Tuesday 6pm in New York is Wednesday morning in Shanghai: still Tuesday's date
    when = parse_typed("Tuesday Dec 9 6pm EST", "Asia/Shanghai", MONDAY)
    assert when.starts_at == datetime(2031, 12, 10, 7, tzinfo=SHANGHAI), when


@pytest.mark.parametrize(("typed", "zone", "hours"), [
    ("next friday 6pm CST", "Asia/Shanghai", 8),  # China's, as "friday 6pm CST" is
    ("next friday 6pm CST", "America/Chicago", -6),
    ("next friday 6pm EST", "Asia/Shanghai", -5),  # a Friday in New York, Saturday here
    ("next friday 6pm +08:00", "America/Chicago", 8),
    ("next friday 18:00 UTC", "Asia/Shanghai", 0),
])
def test_a_zone_after_a_time_only_dateparser_reads_is_settled_as_ours_are(typed, zone, hours):
    when = parse_typed(typed, zone, MONDAY)
    there = when.starts_at.astimezone(timezone(timedelta(hours=hours)))
    assert (there.weekday(), there.hour, there.minute) == (4, 18, 0), when


@pytest.mark.parametrize(("typed", "meant"), [
    ("18h", datetime(2031, 12, 1, 18)),  # the next 18:00
    ("18h30", datetime(2031, 12, 1, 18, 30)),
    ("9h", datetime(2031, 12, 2, 9)),  # 9:00 today is past: tomorrow's
    ("friday 18h", datetime(2031, 12, 5, 18)),
    ("Dec 8 18h30", datetime(2031, 12, 8, 18, 30)),
    ("tomorrow 9h15", datetime(2031, 12, 2, 9, 15)),
])
def test_hours_written_with_h_are_the_24_hour_clock(typed, meant):
    when = parse_typed(typed, "Asia/Shanghai", MONDAY)
    assert not when.all_day and when.starts_at == meant.replace(tzinfo=SHANGHAI), when


@pytest.mark.parametrize(("typed", "away"), [
    ("in 2 hours", timedelta(hours=2)), ("in 90 minutes", timedelta(minutes=90)),
    ("30 mins from now", timedelta(minutes=30)),
    ("2 hours later", timedelta(hours=2)), ("30 minutes later", timedelta(minutes=30)),
])
def test_a_time_some_hours_away_is_that_moment_not_its_date(typed, away):
    now = MONDAY + timedelta(seconds=42)
    when = parse_typed(typed, "Asia/Shanghai", now)
    assert not when.all_day and when.starts_at == MONDAY + away, when  # to the minute


def test_a_time_some_days_away_is_a_date():
    assert parse_typed("in 2 days", "Asia/Shanghai", MONDAY).all_day
    assert parse_typed("2 days from now", "Asia/Shanghai", MONDAY).all_day


@pytest.mark.parametrize("typed", [
    "tomorrow evening", "tomorrow morning", "friday evening", "tonight", "this evening",
    "this afternoon", "tomorrow night", "dec 8 evening", "evening of dec 8", "now",
    "tomorrow evening at 7",  # an hour alone: morning or evening is for the reader to say
    # a clock read in the other half of the day than the words say
    "tomorrow evening 7:30", "tomorrow night 7:30", "tonight 7:30", "friday morning 18:00",
    "friday evening 12:00", "tonight 12:30", "friday night 12pm",
    # midnight after a night's day is the next day's start, which the readers do not say
    "friday night 12:30am", "saturday night midnight", "tomorrow night 12am",
])
def test_an_english_part_of_the_day_without_its_hour_is_refused_not_a_whole_day(typed):
    with pytest.raises(InvalidValue, match="can't read"):
        parse_typed(typed, "Europe/London", MONDAY)


@pytest.mark.parametrize(("typed", "meant"), [
    ("tonight at 8", datetime(2031, 12, 1, 20)), ("friday evening 7pm", datetime(2031, 12, 5, 19)),
    ("tomorrow afternoon 3pm", datetime(2031, 12, 2, 15)),
    ("tomorrow afternoon 12:30", datetime(2031, 12, 2, 12, 30)),
])
def test_an_english_part_of_the_day_with_its_hour_is_that_moment(typed, meant):
    when = parse_typed(typed, "Europe/London", MONDAY)
    assert not when.all_day and when.starts_at == meant.replace(tzinfo=ZoneInfo("Europe/London"))


@pytest.mark.parametrize("typed", ["6pm", "18:00", "18h", "晚上6点"])
def test_an_end_typed_as_the_starts_own_clock_is_refused_not_a_day_later(typed):
    start = datetime(2031, 12, 5, 18, tzinfo=SHANGHAI)
    with pytest.raises(InvalidValue, match="is the start's own time of day"):
        parse_typed(typed, "Asia/Shanghai", MONDAY, name="ends_at", after=start)
    # the next day said outright is a day-long event, as asked
    when = parse_typed("saturday 6pm", "Asia/Shanghai", MONDAY, name="ends_at", after=start)
    assert when.starts_at == start + timedelta(days=1)


@pytest.mark.parametrize(("typed", "hour"), [("at 6pm", 18), ("@ 6pm", 18), ("@18:00", 18),
                                             ("noon", 12), ("at midnight", 0), ("midnight", 0)])
def test_an_end_typed_as_the_starts_own_clock_in_words_is_refused_too(typed, hour):
    start = datetime(2031, 12, 5, hour, tzinfo=SHANGHAI)
    with pytest.raises(InvalidValue, match="is the start's own time of day"):
        parse_typed(typed, "Asia/Shanghai", MONDAY, name="ends_at", after=start)


def assert_read_as(when, meant: datetime, zone: str = "Asia/Shanghai") -> None:
    """`meant` with a time of day is that moment in `zone`; at midnight, an all-day date."""
    if meant.hour:
        assert when.starts_at == meant.replace(tzinfo=ZoneInfo(zone)), when
    else:
        assert when.all_day and when.starts_at == meant.replace(tzinfo=UTC), when


@pytest.mark.parametrize(("typed", "zone", "meant"), [
    ("5/12 6pm", "America/New_York", datetime(2032, 5, 12, 18)),  # the month first there
    ("12/5 18:00", "Asia/Shanghai", datetime(2031, 12, 5, 18)),  # as China writes 12月5日
    ("25/12 6pm", "Europe/London", datetime(2031, 12, 25, 18)),  # only one can be the month
    ("6pm 25/12", "UTC", datetime(2031, 12, 25, 18)),
    ("5.12.2031", "America/New_York", datetime(2031, 5, 12)),  # a date: all day
    ("Tue 12/9 6pm", "Europe/London", datetime(2031, 12, 9, 18)),  # Sep 12 is a Friday
])
def test_a_numeric_date_is_read_where_its_order_is_known(typed, zone, meant):
    assert_read_as(parse_typed(typed, zone, MONDAY), meant, zone)


@pytest.mark.parametrize(("typed", "zone", "readings"), [
    ("5/12 6pm", "Europe/London", "2032-05-12 or 2031-12-05"),  # Britain: 5 December
    ("12/5", "UTC", "2031-12-05 or 2032-05-12"),  # a server whose zone says nothing
    ("05/12/2032 18:00", "Europe/Paris", "2032-05-12 or 2032-12-05"),
    ("5.12.2032", "Europe/Berlin", "2032-05-12 or 2032-12-05"),
])
def test_a_numeric_date_either_way_round_is_asked_again_where_nothing_settles_it(
        typed, zone, readings):
    with pytest.raises(InvalidValue) as refused:
        parse_typed(typed, zone, MONDAY)
    assert f"could be {readings}; type the month as a word" in str(refused.value)


@pytest.mark.parametrize(("typed", "meant"), [
    ("2031年十二月八日", datetime(2031, 12, 8)),  # was read as out of the years
    ("二〇三一年十二月八日", datetime(2031, 12, 8)),
    ("二〇三一年十二月八日下午6点", datetime(2031, 12, 8, 18)),
    ("二零三一年12月8日 18:00", datetime(2031, 12, 8, 18)),
    ("二〇三〇年十二月八日", datetime(2030, 12, 8)),  # its year written: may lie in the past
    ("二〇三二年三月廿一日下午6点", datetime(2032, 3, 21, 18)),
])
def test_a_chinese_date_may_write_its_year_and_month_in_numerals(typed, meant):
    assert_read_as(parse_typed(typed, "Asia/Shanghai", MONDAY), meant)


@pytest.mark.parametrize(("typed", "zone", "utc_moment"), [
    # zones dateparser reads itself: the weekday is the typed zone's, not the server's
    ("Tue Dec 9 9am +08:00", "America/New_York", utc(2031, 12, 9, 1)),
    ("Tue Dec 9 9am AEDT", "America/New_York", utc(2031, 12, 8, 22)),
    ("Tue Dec 9 9am (HKT)", "America/New_York", utc(2031, 12, 9, 1)),
    ("Tue Dec 9 11pm -05:00", "Asia/Shanghai", utc(2031, 12, 10, 4)),
    ("Tue Dec 9 11pm EST!", "Asia/Shanghai", utc(2031, 12, 10, 4)),
])
def test_a_weekday_is_checked_in_a_zone_dateparser_reads_too(typed, zone, utc_moment):
    assert parse_typed(typed, zone, MONDAY).starts_at == utc_moment


def test_an_all_day_date_typed_with_a_zone_is_that_zones_date():
    when = parse_typed("Tuesday Dec 9 JST", "America/Los_Angeles", MONDAY)
    assert when.all_day and when.starts_at == utc(2031, 12, 9), when


@pytest.mark.parametrize("typed", ["Frİ Dec 5", "frı, Dec 5 6pm", "FRİDAY 6pm", "6pm İST",
                                   "friday 6pm İST", "Aprİl 5, 2032 6pm"])
def test_letters_that_only_look_like_ascii_are_read_or_refused_never_a_crash(typed):
    with contextlib.suppress(InvalidValue):
        parse_typed(typed, "UTC", MONDAY)
    read_page_when(f"December 5, 2031, 6:00 PM {typed}", "UTC")  # a page's line: no error


@pytest.mark.parametrize(("typed", "away"), [
    ("in 1h30", timedelta(minutes=90)), ("in 2h", timedelta(hours=2)),
    ("in an hour", timedelta(hours=1)), ("an hour from now", timedelta(hours=1)),
    ("in 90m", timedelta(minutes=90)), ("2小时后", timedelta(hours=2)),
    ("30分钟后", timedelta(minutes=30)), ("半小时后", timedelta(minutes=30)),
    ("一个半小时后", timedelta(minutes=90)), ("两个小时后", timedelta(hours=2)),
    ("两个钟头以后", timedelta(hours=2)), ("三十分钟之后", timedelta(minutes=30)),
])
@pytest.mark.parametrize("script", [pytest.param(lambda text: text, id="simplified"),
                                    pytest.param(traditional, id="traditional")])
def test_every_way_of_saying_some_hours_away_is_that_moment(typed, away, script):
    when = parse_typed(script(typed), "Asia/Shanghai", MONDAY + timedelta(seconds=42))
    assert not when.all_day and when.starts_at == MONDAY + away, when


@pytest.mark.parametrize(("now", "typed", "away"), [
    (utc(2026, 11, 1, 5, 30), "in 30 minutes", timedelta(minutes=30)),  # 01:30 EDT, clocks back
    (utc(2026, 11, 1, 5, 30), "in 2 hours", timedelta(hours=2)),
    (utc(2026, 3, 8, 6, 30), "in 1 hour", timedelta(hours=1)),  # 01:30 EST, clocks forward
])
def test_hours_away_are_counted_exactly_across_a_change_of_the_clocks(now, typed, away):
    # by the timestamp: an hour the clocks repeat is never == across zones (PEP 495)
    assert parse_typed(typed, "America/New_York", now).starts_at.timestamp() == (
        now + away).timestamp()


@pytest.mark.parametrize(("typed", "meant"), [
    ("next friday 18h", datetime(2031, 12, 5, 18)),  # dateparser's: not the 18th
    ("18 h", datetime(2031, 12, 1, 18)), ("18h 30", datetime(2031, 12, 1, 18, 30)),
    ("Tuesday the 9th", datetime(2031, 12, 9)), ("the 9th at 6pm", datetime(2031, 12, 9, 18)),
    ("Tue 9th 6pm", datetime(2031, 12, 9, 18)),
])
def test_more_ways_of_writing_a_day_and_a_clock(typed, meant):
    assert_read_as(parse_typed(typed, "Asia/Shanghai", MONDAY), meant)


def test_a_weekday_the_nth_does_not_fall_on_is_refused():
    with pytest.raises(InvalidValue, match="names a day of the week that 2031-12-08 is not"):
        parse_typed("Tuesday the 8th", "Asia/Shanghai", MONDAY)


@pytest.mark.parametrize(("typed", "zone", "utc_moment"), [
    ("5/12 6pm EDT", "America/New_York", utc(2032, 5, 12, 22)),  # the server's order, not EDT's
    ("5/12 6pm", "US/Eastern", utc(2032, 5, 12, 22)),  # an alias of a US zone
    ("5/12 6pm", "PRC", utc(2032, 5, 12, 10)),
    ("5/12 6pm", "America/Puerto_Rico", utc(2032, 5, 12, 22)),
])
def test_the_order_of_a_numeric_date_is_the_servers_countrys(typed, zone, utc_moment):
    assert parse_typed(typed, zone, MONDAY).starts_at == utc_moment


@pytest.mark.parametrize("zone", [
    "America/New_York", "America/Puerto_Rico", "Pacific/Guam", "America/St_Thomas",
    "Pacific/Pago_Pago", "Pacific/Saipan", "Pacific/Wake", "Asia/Manila", "Asia/Shanghai",
    "Asia/Taipei", "Asia/Tokyo", "Asia/Seoul",
    # the US zones tzdata keeps apart, with no country of their own
    "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "EST", "MST", "HST"])
def test_a_numeric_date_begins_with_its_month_in_each_country_that_writes_it_so(zone):
    # the United States and its territories, the Philippines, China, Taiwan, Japan, Korea
    when = parse_typed("5/12 6pm", zone, MONDAY)
    assert when.starts_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == datetime(
        2032, 5, 12, 18)


@pytest.mark.parametrize("typed", ["on 5/12", "5/12 @ 6pm", "5/12/32", "5-12-2032",
                                   "5/12 in the evening"])
def test_a_numeric_date_among_other_words_is_asked_again_too(typed):
    with pytest.raises(InvalidValue, match=r"could be 2032-05-12 or 20(31|32)-12-05"):
        parse_typed(typed, "Europe/London", MONDAY)


@pytest.mark.parametrize(("typed", "meant"), [
    ("on friday 6pm", datetime(2031, 12, 5, 18)), ("friday @ 6pm", datetime(2031, 12, 5, 18)),
    ("the 9th 18 h", datetime(2031, 12, 9, 18)), ("on the 9th at 6pm", datetime(2031, 12, 9, 18)),
    ("the 9th @ 6pm", datetime(2031, 12, 9, 18)), ("18 h 30", datetime(2031, 12, 1, 18, 30)),
])
def test_on_and_at_signs_and_spaced_hours_are_read_by_the_bots_own_reader(typed, meant):
    assert_read_as(parse_typed(typed, "Asia/Shanghai", MONDAY), meant)


def test_a_weekday_with_a_zone_counts_today_as_it_does_without():
    # Thursday 23:55 in New York, already Friday 05:55 in Paris: this Friday's 6pm CET
    now = utc(2031, 12, 5, 4, 55)
    assert parse_typed("on friday 6pm CET", "America/New_York", now).starts_at == utc(
        2031, 12, 5, 17)


@pytest.mark.parametrize(("typed", "away"), [
    ("in two hours", timedelta(hours=2)), ("two hours from now", timedelta(hours=2)),
    ("in ten minutes", timedelta(minutes=10)), ("2 hours", timedelta(hours=2)),
    ("90 minutes", timedelta(minutes=90)), ("in half an hour", timedelta(minutes=30)),
    ("in 1.5 hours", timedelta(minutes=90)), ("1.5小时后", timedelta(minutes=90)),
    ("in 90 seconds", timedelta(minutes=1)),  # to the minute
])
def test_spans_in_words_and_fractions_are_counted_exactly(typed, away):
    when = parse_typed(typed, "Asia/Shanghai", MONDAY)
    assert not when.all_day and when.starts_at == MONDAY + away, when


_COUNTED = [("a", 1), ("an", 1), ("one", 1), ("two", 2), ("three", 3), ("four", 4),
            ("five", 5), ("six", 6), ("seven", 7), ("eight", 8), ("nine", 9), ("ten", 10),
            ("eleven", 11), ("twelve", 12), ("fifteen", 15), ("twenty", 20), ("thirty", 30),
            ("forty", 40), ("forty-five", 45), ("fifty", 50), ("sixty", 60), ("ninety", 90)]


@pytest.mark.parametrize(("word", "count"), _COUNTED)
def test_a_span_counted_in_any_number_word_is_that_many_hours_minutes_or_seconds(word, count):
    unit = "" if count == 1 else "s"
    spans = [(f"in {word} hour{unit}", timedelta(hours=count)),
             (f"{word} minute{unit} from now", timedelta(minutes=count))]
    if count >= 60:  # to the minute: a start less than a minute away is now, not later
        spans.append((f"in {word} seconds", timedelta(seconds=count // 60 * 60)))
    for typed, away in spans:
        when = parse_typed(typed, "Asia/Shanghai", MONDAY)
        assert not when.all_day and when.starts_at == MONDAY + away, typed
        # counted exactly across a change of the clocks, not on the wall clock
        now = utc(2026, 10, 25, 0, 30)  # 01:30 BST, the night the clocks go back
        when = parse_typed(typed, "Europe/London", now)
        assert when.starts_at.timestamp() == (now + away).timestamp(), typed


@pytest.mark.parametrize(("typed", "away"), [
    ("in 2 hrs", timedelta(hours=2)), ("in 1 hr", timedelta(hours=1)),
    ("in 2h", timedelta(hours=2)),
    ("in 90 mins", timedelta(minutes=90)), ("in 1 min", timedelta(minutes=1)),
    ("in 90m", timedelta(minutes=90)), ("in 120 secs", timedelta(minutes=2)),
    ("in 120 sec", timedelta(minutes=2)), ("in 120s", timedelta(minutes=2)),
    ("in 1 hour 30 minutes", timedelta(minutes=90)), ("in 1h 30m", timedelta(minutes=90)),
    ("in 2 hours and 15 mins", timedelta(minutes=135)), ("in 1h30", timedelta(minutes=90)),
    ("2 hours later", timedelta(hours=2)),
])
def test_a_span_is_counted_in_each_way_of_writing_its_unit(typed, away):
    when = parse_typed(typed, "Asia/Shanghai", MONDAY)
    assert not when.all_day and when.starts_at == MONDAY + away, when
    now = utc(2026, 10, 25, 0, 30)  # 01:30 BST, the night the clocks go back
    assert parse_typed(typed, "Europe/London", now).starts_at.timestamp() == (
        now + away).timestamp()


@pytest.mark.parametrize(("days", "spellings"), [
    (0, ["Monday", "mon"]), (1, ["Tuesday", "Tues", "tue"]), (2, ["Wednesday", "wed"]),
    (3, ["Thursday", "Thurs", "Thur", "thu"]), (4, ["Friday", "fri"]),
    (5, ["Saturday", "sat"]), (6, ["Sunday", "sun"])])
def test_each_weekday_is_read_in_each_spelling_before_or_after_the_clock(days, spellings):
    # typed on that weekday at 10 in Shanghai: its 6pm is today's, still ahead
    now = MONDAY + timedelta(days=days)
    day = now.date()
    for weekday in spellings:
        for typed in (f"{weekday} 6pm", f"6pm on {weekday}", f"this {weekday} at 18:00",
                      f"{weekday}, Dec {day.day} 6pm", f"6pm {weekday} {day.day} December"):
            when = parse_typed(typed, "Asia/Shanghai", now)
            assert when.starts_at == datetime.combine(day, datetime.min.time().replace(hour=18),
                                                      SHANGHAI), typed
        for typed in (f"{weekday} at 7", f"{weekday}, Dec {day.day} at 7"):  # morning or evening?
            with pytest.raises(InvalidValue, match="can't read"):
                parse_typed(typed, "Asia/Shanghai", now)


@pytest.mark.parametrize(("month", "spellings"), [
    (1, ["January", "Jan"]), (2, ["February", "Feb."]), (3, ["March", "mar"]),
    (4, ["April", "Apr"]), (5, ["May"]), (6, ["June", "Jun"]), (7, ["July", "Jul."]),
    (8, ["August", "Aug"]), (9, ["September", "Sept", "Sep"]), (10, ["October", "Oct"]),
    (11, ["November", "Nov"]), (12, ["December", "Dec"])])
def test_each_month_is_read_in_each_spelling_before_or_after_the_clock(month, spellings):
    # typed on 1 December 2031: the next such day, this December's or next year's
    day = date(2031 if month == 12 else 2032, month, 8)
    for name in spellings:
        for typed in (f"{name} 8 6pm", f"8th of {name} 6pm", f"6pm on {name} 8th",
                      f"6pm 8 {name}"):
            when = parse_typed(typed, "Asia/Shanghai", MONDAY)
            assert when.starts_at == datetime.combine(day, datetime.min.time().replace(hour=18),
                                                      SHANGHAI), typed
        for typed in (f"{name} 8 at 7", f"7 on {name} 8"):  # morning or evening?
            with pytest.raises(InvalidValue, match="can't read"):
                parse_typed(typed, "Asia/Shanghai", MONDAY)


@pytest.mark.parametrize(("typed", "days", "hour"), [
    ("today 6pm", 0, 18), ("6pm today", 0, 18), ("tomorrow 6pm", 1, 18), ("6pm tomorrow", 1, 18),
    ("tonight 8", 0, 20), ("8pm tonight", 0, 20), ("12/8/2031 6pm", 7, 18),
    ("12/8/31 6pm", 7, 18), ("6pm 12/8/2031", 7, 18), ("6pm on 12/8/31", 7, 18),
    ("12.8.2031 6pm", 7, 18), ("6pm 12-8-2031", 7, 18), ("tonight at 8", 0, 20)])
def test_a_day_in_words_or_numbers_is_read_before_or_after_the_clock(typed, days, hour):
    # Shanghai writes a numeric date with its month first
    when = parse_typed(typed, "Asia/Shanghai", MONDAY)
    day = MONDAY.date() + timedelta(days=days)
    assert when.starts_at == datetime.combine(day, datetime.min.time().replace(hour=hour),
                                              SHANGHAI), typed
    if "/" not in typed and "tonight" not in typed:  # an hour alone: morning or evening?
        with pytest.raises(InvalidValue, match="can't read"):
            parse_typed(re.sub(r"\d+pm", "at 7", typed), "Asia/Shanghai", MONDAY)


def test_a_fractional_span_is_exact_across_a_change_of_the_clocks():
    now = utc(2026, 10, 25, 0, 30)  # 01:30 BST, the night the clocks go back
    assert parse_typed("in 1.5 hours", "Europe/London", now).starts_at.timestamp() == (
        now + timedelta(minutes=90)).timestamp()


@pytest.mark.parametrize("typed", ["Tuesday, December 8th, 2031 at 6 PM", "TUE Dec 8 2031"])
def test_capital_letters_do_not_pass_for_a_zone_and_skip_the_weekday_check(typed):
    with pytest.raises(InvalidValue, match="names a day of the week that 2031-12-08 is not"):
        parse_typed(typed, "UTC", MONDAY)


_WEEKDAY_CAPITALS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


def _typed_in_capitals() -> list[tuple[str, date]]:
    """Typed times in capitals, each naming a weekday its date is not on: every month and
    weekday abbreviation, and the small words and endings around them."""
    typed = []
    for month, abbreviations in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN JUNE",
                                           "JUL JULY", "AUG", "SEP SEPT", "OCT", "NOV", "DEC"],
                                          start=1):
        day = date(2032, month, 8)
        wrong = _WEEKDAY_CAPITALS[(day.weekday() + 1) % 7]
        typed += [(f"{wrong} {name} 8 2032 6 PM", day) for name in abbreviations.split()]
    for weekday, names in enumerate(["MON", "TUE TUES", "WED", "THU", "FRI", "SAT",
                                     "SUN"]):
        day = date(2031, 12, 1 + (weekday + 1) % 7)  # 1 December 2031 is a Monday
        typed += [(f"{name} DEC {day.day} 2031 6 PM", day) for name in names.split()]
    return [*typed, ("MON THE 9TH OF DEC 2031 AT 6 PM", date(2031, 12, 9)),
            ("ON MON DEC 2ND 2031 AT NOON", date(2031, 12, 2)),
            ("MON DEC 3RD 2031 6 AM", date(2031, 12, 3)),
            ("MON DEC 21ST 2031 6 PM", date(2031, 12, 21))]


@pytest.mark.parametrize(("typed", "day"), _typed_in_capitals())
def test_no_word_of_a_date_in_capitals_passes_for_a_zone_and_skips_the_weekday_check(typed,
                                                                                    day):
    with pytest.raises(InvalidValue, match=f"names a day of the week that {day} is not"):
        parse_typed(typed, "UTC", MONDAY)


@pytest.mark.parametrize(("typed", "local"), [
    # MONDAY: Monday 1 December 2031, 10:00 in Shanghai
    ("礼拜五下午6点", "2031-12-05 18:00"), ("本周五下午6点", "2031-12-05 18:00"),
    ("周1下午6点", "2031-12-01 18:00"), ("周2下午6点", "2031-12-02 18:00"),
    ("周3下午6点", "2031-12-03 18:00"), ("周4下午6点", "2031-12-04 18:00"),
    ("周5下午6点", "2031-12-05 18:00"), ("星期6下午6点", "2031-12-06 18:00"),
    ("周7下午6点", "2031-12-07 18:00"),
    ("二十分钟后", "2031-12-01 10:20"), ("十小时后", "2031-12-01 20:00"),
    ("两个半小时后", "2031-12-01 12:30"), ("一小时二十分钟后", "2031-12-01 11:20"),
    ("一小时五分钟后", "2031-12-01 11:05"), ("1小时20分钟后", "2031-12-01 11:20"),
    ("3个钟头后", "2031-12-01 13:00"),
    ("十二月八日下午六点", "2031-12-08 18:00"), ("12月二十日下午6点", "2031-12-20 18:00"),
    ("12月8日下午6点半", "2031-12-08 18:30"), ("12月8日下午三点一刻", "2031-12-08 15:15"),
    ("12月8日下午3:30", "2031-12-08 15:30"), ("12月8日 6pm", "2031-12-08 18:00"),
    ("12月8日 6am", "2031-12-08 06:00"), ("12月8日早晨7点", "2031-12-08 07:00"),
    ("12月8日晚间8点", "2031-12-08 20:00"), ("十日下午6点", "2031-12-10 18:00"),
    ("二〇三二年一月八日下午6点", "2032-01-08 18:00"),
    ("二〇三二年一月二十日下午6点", "2032-01-20 18:00"),
])
def test_each_way_of_writing_a_typed_time_in_chinese_is_read(typed, local):
    when = parse_typed(typed, "Asia/Shanghai", MONDAY)
    assert f"{when.starts_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" == local


@pytest.mark.parametrize("typed", ["九九九九年十二月三十一日晚上十二点", "9999年12月31日晚上12点"])
def test_the_night_after_the_last_day_of_the_calendar_is_refused_not_a_crash(typed):
    with pytest.raises(InvalidValue):
        parse_typed(typed, "UTC", MONDAY)


@pytest.mark.parametrize(("zone", "forms", "meant"), [
    # the hour the clocks go back over: its first occurrence, however it is typed
    ("America/New_York", ("2027-11-07 01:30", "2027-11-07 1:30", "Nov 7 2027 1:30am"),
     utc(2027, 11, 7, 5, 30)),
    ("Europe/London", ("2027-10-31 01:30", "oct 31 2027 1:30am", "31 October 2027 01:30"),
     utc(2027, 10, 31, 0, 30)),
    # (the hour the clocks skip is refused, however it is typed: see below)
])
def test_a_time_the_clocks_change_over_is_one_moment_however_it_is_typed(zone, forms, meant):
    now = utc(2027, 1, 1)
    # (in UTC: an aware time in a fold never equals one in another zone, PEP 495)
    assert {parse_typed(form, zone, now).starts_at.astimezone(UTC) for form in forms} == {meant}
    page = read_page_when("November 7, 2027, 1:30 AM", "America/New_York")
    assert page.starts_at.astimezone(UTC) == utc(2027, 11, 7, 5, 30)


def test_an_offset_typed_on_the_day_the_clocks_go_back_is_kept():
    for typed in ("Nov 7 2027 01:30 -0500", "November 7, 2027 1:30 AM -05:00"):
        when = parse_typed(typed, "America/New_York", utc(2027, 1, 1))
        assert when.starts_at.astimezone(UTC) == utc(2027, 11, 7, 6, 30), typed


def test_midnight_tonight_is_the_nights():
    now = datetime(2031, 12, 1, 15, tzinfo=UTC)
    when = parse_typed("tonight midnight", "Europe/London", now)
    assert when.starts_at.astimezone(UTC) == utc(2031, 12, 2)


@pytest.mark.parametrize("line", ["February 29, 2027", "April 31, 2027, 6 PM", "31 June 2027",
                                  "2027年2月29日 下午6点", "2027-02-30"])
def test_a_page_date_the_calendar_has_not_leaves_the_start_unset_and_says_so(line):
    """Not silently, and not as a date without a year: the year is there, the day is not."""
    when = read_page_when(line, "UTC")
    assert (when.starts_at, when.ends_at) == (None, None)
    note = str(when.note)
    assert note.startswith("the page's date '") and "is no day of the calendar" in note, note
    assert "/manage edit" in note and "no year" not in note
    assert "2027" in note.split(" is no day")[0]  # it quotes the date as written, with its year
    assert language("zh-CN").text(when.note) != note
    assert language("zh-TW").text(when.note) != note


def test_a_page_date_the_calendar_has_is_read_even_after_one_it_has_not():
    assert read_page_when("2028年2月29日", "UTC").starts_at == utc(2028, 2, 29)


@pytest.mark.parametrize(("line", "start"), [
    ("2026-06-05T10:00:00+08", utc(2026, 6, 5, 2)),  # an offset of hours alone
    ("2026-06-05T10:00:00.1234567+08:00", utc(2026, 6, 5, 2)),  # .NET's seven digits
    ("2026-06-05T10:00:00.123456789-04:00", utc(2026, 6, 5, 14)),  # nanoseconds
    ("2026-06-05t10:00:00z", utc(2026, 6, 5, 10)),  # RFC 3339 allows lower case
    ("2026-06-05T10:00:00+14:00", utc(2026, 6, 4, 20)),  # Kiribati's, the furthest ahead
])
def test_an_iso_moment_in_the_other_forms_sites_write_keeps_its_offset(line, start):
    for zone in ("Asia/Shanghai", "America/Los_Angeles"):
        when = read_page_when(line, zone)
        assert (when.starts_at, when.ends_at, when.note) == (start, None, None)


@pytest.mark.parametrize(("line", "start"), [
    ("2026-06-05 10:00:00+08:00", utc(2026, 6, 5, 2)),
    ("2026-06-05 10:00:00-04:00", utc(2026, 6, 5, 14)),
    ("2026-06-05 10:00Z", utc(2026, 6, 5, 10)),
    ("2026-06-05 10:00+08:00", utc(2026, 6, 5, 2)),
    ("2026-06-05 10:00+0800", utc(2026, 6, 5, 2)),
])
def test_an_iso_moment_with_a_space_before_its_time_keeps_its_offset(line, start):
    # as sites print a stored time ("Y-m-d H:i:sP"); a "-" offset only after the seconds
    for zone in ("Asia/Shanghai", "America/Los_Angeles"):
        when = read_page_when(line, zone)
        assert (when.starts_at, when.ends_at, when.note) == (start, None, None)


@pytest.mark.parametrize("line", [
    "2026-06-05T10:00+08:00 — 2026-06-05T11:30+08:00",
    "2026-06-05T10:00+08:00~2026-06-05T11:30+08:00",
    "2026-06-05T10:00+08:00 to 2026-06-05T11:30+08:00",
    "2026-06-05T10:00+08:00 - 2026-06-05T11:30+08:00",
    "2026-06-05 10:00:00+08:00 – 2026-06-05 11:30",  # the end in the start's offset
    "2026-06-05T10:00:00+08:00 – 2026-06-05T11:30:00.000",
    "2026-06-05t10:00+08:00/2026-06-05t11:30+08:00",
])
def test_an_iso_moment_and_its_end_are_read_however_the_line_parts_them(line):
    when = read_page_when(line, "America/Los_Angeles")
    assert (when.starts_at, when.ends_at) == (utc(2026, 6, 5, 2), utc(2026, 6, 5, 3, 30))


def test_an_iso_end_at_its_start_is_no_end():
    # a site's form fills the end with the start when none is entered
    when = read_page_when("2026-06-05T10:00Z – 2026-06-05T10:00Z", "UTC")
    assert (when.starts_at, when.ends_at, when.note) == (utc(2026, 6, 5, 10), None, None)


def test_an_iso_span_whose_end_is_out_of_the_years_is_left_unset_and_said():
    # New Year's Eve of 2100 in New York ends in 2101 in UTC
    line = "2100-12-31T18:00:00-05:00 – 2100-12-31T20:00:00-05:00"
    when = read_page_when(line, "UTC")
    assert (when.starts_at, when.ends_at) == (None, None) and repr(line) in str(when.note)


def test_an_iso_moment_on_no_day_of_the_calendar_is_said():
    when = read_page_when("2026-02-30T10:00:00Z", "UTC")
    assert when.starts_at is None and "'2026-02-30' is no day of the calendar" in str(when.note)


@pytest.mark.parametrize("line", ["Starts 2026-06-05T10:00:00+08:00.",
                                  "The panel opens at 2026-06-05T10:00+08:00. Doors open earlier."])
def test_an_iso_moment_ending_a_sentence_keeps_its_offset(line):
    for zone in ("Asia/Shanghai", "America/Los_Angeles"):
        assert read_page_when(line, zone).starts_at == utc(2026, 6, 5, 2)


@pytest.mark.parametrize(("hour", "typed", "ends"), [
    (18, "5pm", None), (18, "下午5点", None), (18, "17:00", None),  # a slip, not 23 hours
    (11, "1am", None), (19, "12pm", None), (9, "8:30", None),
    (22, "2am", (6, 2)), (14, "2:00", (6, 2)), (21, "6am", (6, 6)), (20, "凌晨3点", (6, 3)),
    (18, "8pm", (5, 20)),
])
def test_a_typed_end_earlier_on_the_clock_is_the_next_days_only_as_a_pages_is(hour, typed,
                                                                              ends):
    start = datetime(2031, 12, 5, hour, tzinfo=SHANGHAI)
    if ends is None:
        with pytest.raises(InvalidValue) as refused:
            parse_typed(typed, "Asia/Shanghai", MONDAY, name="ends_at", after=start)
        same_day = datetime.combine(start.date(), parse_typed(typed, "Asia/Shanghai",
                                                              MONDAY).starts_at.time(), SHANGHAI)
        assert str(refused.value) == (f"the end (<t:{int(same_day.timestamp())}:F>) must come "
                                      f"after the start (<t:{int(start.timestamp())}:F>)")
        return
    day, end_hour = ends
    when = parse_typed(typed, "Asia/Shanghai", MONDAY, name="ends_at", after=start)
    assert when.starts_at == datetime(2031, 12, day, end_hour, tzinfo=SHANGHAI)


@pytest.mark.parametrize("hour", range(24))
def test_a_typed_end_alone_is_read_as_a_pages_end_after_the_same_start(hour):
    """One rule: every clock typed as the end of a start at `hour` is the page's reading of
    the same range, or refused where the page leaves its end unset."""
    start = datetime(2031, 12, 5, hour, tzinfo=SHANGHAI)
    for end_hour in range(24):
        if end_hour == hour:
            continue
        page = read_page_when(f"December 5, 2031, {hour:02d}:00-{end_hour:02d}:00",
                              "Asia/Shanghai")
        assert page.starts_at == start
        try:
            typed = parse_typed(f"{end_hour:02d}:00", "Asia/Shanghai", MONDAY, after=start)
        except InvalidValue:
            assert page.ends_at is None and page.end_note is not None, (hour, end_hour)
        else:
            assert typed.starts_at == page.ends_at, (hour, end_hour)


@pytest.mark.parametrize("typed", ["次日凌晨1点", "翌日1:00", "隔天1点", "第二天凌晨1点",
                                   "次日 01:00", "1am next day", "1am (next day)",
                                   "01:00 (+1)", "01:00（+1）", "1:00（次日）", "next day 1am",
                                   "the next day at 1am"])
def test_a_typed_end_said_to_be_the_next_days_is(typed):
    start = datetime(2031, 12, 5, 23, tzinfo=SHANGHAI)
    when = parse_typed(typed, "Asia/Shanghai", MONDAY, name="ends_at", after=start)
    assert when.starts_at == datetime(2031, 12, 6, 1, tzinfo=SHANGHAI), when
    # said outright, even a day less an hour is the next day's, as asked
    longer = parse_typed("次日下午5点", "Asia/Shanghai", MONDAY, after=start - timedelta(hours=5))
    assert longer.starts_at == datetime(2031, 12, 6, 17, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("typed", "words"), [
    ("次日凌晨1点", "an end needs a start"),  # the day after which day?
    ("next day", "can't read"),
])
def test_a_next_day_with_no_start_or_no_clock_is_refused(typed, words):
    with pytest.raises(InvalidValue, match=words):
        parse_typed(typed, "Asia/Shanghai", MONDAY, name="ends_at")


def test_a_next_day_with_a_day_of_its_own_is_refused():
    with pytest.raises(InvalidValue, match="can't read"):
        parse_typed("次日12月8日1点", "Asia/Shanghai", MONDAY, name="ends_at",
                    after=datetime(2031, 12, 5, 23, tzinfo=SHANGHAI))


@pytest.mark.parametrize("typed", ["5am", "8am"])
def test_a_clock_after_an_all_day_start_is_no_slip_for_the_caller_to_refuse(typed):
    start = parse_typed("2031-12-05", "Asia/Shanghai", MONDAY)  # 08:00 in Shanghai
    when = parse_typed(typed, "Asia/Shanghai", MONDAY, after=start.starts_at,
                       after_all_day=True)
    assert not when.all_day and when.starts_at is not None


# A zone's standard or summer abbreviation written for a day its home keeps the other half
# of its clocks is read on its home's clock, and the note says so with the other reading.
@pytest.mark.parametrize(("line", "start", "written", "local"), [
    ("July 10, 2027, 6:00 PM EST", utc(2027, 7, 10, 22), "UTC−5", "UTC−4"),
    ("July 10, 2027, 6:00 PM PST", utc(2027, 7, 11, 1), "UTC−8", "UTC−7"),
    ("July 10, 2027, 6:00 PM MST", utc(2027, 7, 11), "UTC−7", "UTC−6"),
    ("January 10, 2027, 6:00 PM EDT", utc(2027, 1, 10, 23), "UTC−4", "UTC−5"),
    ("July 10, 2027, 18:00 CET", utc(2027, 7, 10, 16), "UTC+1", "UTC+2"),
])
def test_a_zones_other_season_is_read_on_its_homes_clock_and_said(line, start, written, local):
    # (a server whose clock is at the written offset all year by another name too: Lima's
    # UTC−5 is not EST, Lagos's UTC+1 is not CET)
    for zone in ("UTC", "Asia/Shanghai", "America/New_York", "America/Lima", "Africa/Lagos"):
        when = read_page_when(line, zone)
        assert when.starts_at == start, zone
        assert when.note is not None and f"is {written}, but" in str(when.note)
        assert f"is on {local} on that day" in str(when.note), when.note
        typed = parse_typed(line.replace("6:00 PM", "6pm"), zone, NOW)
        assert typed.starts_at == start and f"not at {written}" in str(typed.note), typed.note


@pytest.mark.parametrize(("line", "zone", "start"), [
    ("December 10, 2026, 6:00 PM EST", "UTC", utc(2026, 12, 10, 23)),  # its own season
    ("July 10, 2027, 6:00 PM EDT", "UTC", utc(2027, 7, 10, 22)),
    ("July 10, 2027, 6:00 PM MST", "America/Phoenix", utc(2027, 7, 11, 1)),  # Arizona's own
    ("July 10, 2027, 6:00 PM EST", "America/Panama", utc(2027, 7, 10, 23)),  # Panama's too
    ("July 10, 2027, 6:00 PM CST", "America/Regina", utc(2027, 7, 11)),
    ("July 10, 2027, 6:00 PM GMT", "UTC", utc(2027, 7, 10, 18)),  # the world's reference
    # a time New York shows twice: the abbreviation says which
    ("November 7, 2027, 1:30 AM EST", "UTC", utc(2027, 11, 7, 6, 30)),
    ("November 7, 2027, 1:30 AM EDT", "UTC", utc(2027, 11, 7, 5, 30)),
])
def test_a_zone_in_its_own_season_is_read_at_its_offset_without_a_note(line, zone, start):
    when = read_page_when(line, zone)
    assert (when.starts_at, when.note) == (start, None)
    typed = parse_typed(line, zone, NOW)
    assert (typed.starts_at, typed.note) == (start, None)


@pytest.mark.parametrize(("typed", "zone", "start"), [
    ("2026-12-10 18:00 (GMT+8)", "Europe/Paris", utc(2026, 12, 10, 10)),
    ("Dec 10 6pm (ET)", "Asia/Shanghai", utc(2026, 12, 10, 23)),
    ("July 10 2027 6pm (ET)", "Europe/Paris", utc(2027, 7, 10, 22)),  # EDT, not EST
    ("18:00（北京时间）", "UTC", utc(2026, 12, 1, 10)),
    ("12月10日 18:00（北京时間）", "America/New_York", utc(2026, 12, 10, 10)),
    ("(北京时间) 12月10日 18:00", "UTC", utc(2026, 12, 10, 10)),
    ("6:00 PM (EST)", "Asia/Shanghai", utc(2026, 11, 30, 23)),
    ("Dec 10 6pm [PT]", "UTC", utc(2026, 12, 11, 2)),
    ("friday 6pm (Beijing time)", "UTC", utc(2026, 12, 4, 10)),
    ("Dec 10 6pm (CST)", "Asia/Shanghai", utc(2026, 12, 10, 10)),  # China's, as "6pm CST" is
])
def test_a_zone_typed_in_brackets_after_the_time_is_the_times(typed, zone, start):
    assert parse_typed(typed, zone, NOW).starts_at == start


@pytest.mark.parametrize("hostile", [
    "(" * 100 + "EST", "6pm " + "( " * 50, "6pm " + "(EST" * 30, "[(" * 50 + "EST",
    "6pm (" + "(ET)" * 30, "((((" * 10 + "EST" + "))))" * 10, "(UTC+8 " * 20 + "6pm",
    "6pm (UTC+" + "8" * 100, "6pm" + " (" * 60 + "x", "(北京时间)" * 20 + "18:00"])
def test_a_zone_typed_in_brackets_is_read_quickly_however_the_brackets_run(hostile):
    from bot.when_typed import _typed_zone  # the bracketed zone's patterns, on longer text
    with contextlib.suppress(InvalidValue):
        parse_typed("((x", "UTC", NOW)  # (dateparser's data loaded once)
    started = time.process_time()  # CPU: what the reading costs, whatever else runs
    with contextlib.suppress(InvalidValue):
        parse_typed(hostile[:100], "UTC", NOW)
    assert time.process_time() - started < 0.1  # a few ms here, dateparser's mostly
    long = (hostile * 100)[:10_000]  # far past what a form takes (100 characters)
    started = time.process_time()
    for _ in range(10):
        _typed_zone(hostile[:100], server_zone("UTC"), NOW)
    _typed_zone(long, server_zone("UTC"), NOW)
    assert time.process_time() - started < 0.05


def test_a_zone_typed_in_brackets_that_the_server_does_not_settle_is_said():
    when = parse_typed("Dec 10 6pm (CST)", "UTC", NOW)
    assert when.starts_at == utc(2026, 12, 11) and "could also mean" in str(when.note)


@pytest.mark.parametrize(("typed", "zone"), [
    ("Dec 10 6pm (XYZ)", "XYZ"), ("Dec 10 6pm (UTC+15)", "UTC+15"), ("6pm (UTC+15)", "UTC+15"),
    ("6pm UTC+15", "UTC+15"), ("(XYZ) Dec 10 6pm", "XYZ"), ("6pm [GMT-13]", "GMT-13")])
def test_a_zone_that_no_place_has_is_refused_naming_it_and_how_to_write_one(typed, zone):
    with pytest.raises(InvalidValue) as refused:
        parse_typed(typed, "UTC", NOW)
    said = str(refused.value)
    assert f"names a zone I can't read ({zone}); write it as an offset" in said, said
    assert "e.g. Dec 1 18:00 (UTC+8)" in said and "\n" not in said, said


@pytest.mark.parametrize(("typed", "zone"), [
    ("Dec 10 6pm（火星时间）", "火星时间"), ("（火星時間）Dec 10 6pm", "火星時間"),
    ("Dec 10 18:00 (火星时区)", "火星时区"), ("Dec 10 18:00 (Mars time)", "Mars time"),
    ("Dec 10 18:00 (Mars  Standard Time)", "Mars Standard Time"),
    ("Dec 10 18:00 [XYZ time]", "XYZ time"), ("Dec 10 18:00 (Europe/Nowhere)", "Europe/Nowhere"),
    ("Dec 10 18:00 (+15)", "+15"), ("Dec 10 18:00 (-13)", "-13"),
    ("(+15:00) Dec 10 18:00", "+15:00"),
    ("Dec 10 18:00 (utc+15)", "utc+15")])
def test_every_bracketed_zone_shape_no_reading_takes_is_refused_naming_it(typed, zone):
    """Not "I can't read this time" (nor, for "(-13)", a year out of range): the zone."""
    with pytest.raises(InvalidValue) as refused:
        parse_typed(typed, "UTC", NOW)
    said = str(refused.value)
    assert f"names a zone I can't read ({zone}); write it as an offset" in said, said


def test_a_long_unknown_zone_is_named_shortened():
    with pytest.raises(InvalidValue) as refused:
        parse_typed("Dec 10 18:00 (Abcdefghijklmnopqrst Uvwxyzabcdefghijklmn time)", "UTC",
                    NOW)
    assert refused.value.text.fields["zone"] == "Abcdefghijklmnopqrst Uvwxyzab…"


@pytest.mark.parametrize(("typed", "hour"), [
    ("Dec 10 2026 18:00 (+14)", 4), ("Dec 10 2026 18:00 (+08:00)", 10),
    ("Dec 10 2026 18:00 (UTC)", 18),
    # every shape of one, read as with UTC before it: "(+8)" was refused as a zone that
    # cannot be read, told to write an offset from UTC-12 to UTC+14, which it is
    ("Dec 10 2026 18:00 (+8)", 10), ("(+8) Dec 10 2026 18:00", 10),
    ("Dec 10 2026 6pm (-5)", 23), ("Dec 10 2026 18:00 (+0)", 18),
    ("Dec 10 2026 18:00 (−2)", 20), ("Dec 10 2026 18:00 [-0]", 18)])
def test_a_bracketed_offset_some_place_keeps_is_still_read(typed, hour):
    assert parse_typed(typed, "UTC", NOW).starts_at == utc(2026, 12, 10, hour)
    assert parse_typed(typed, "Asia/Tokyo", NOW).starts_at == utc(2026, 12, 10, hour)


def test_a_bracketed_offset_with_minutes_is_read_to_the_minute():
    assert parse_typed("Dec 10 2026 18:00 (+5:30)", "UTC", NOW).starts_at == (
        utc(2026, 12, 10, 12, 30))


@pytest.mark.parametrize("typed", [
    "6-8pm", "6 - 8 pm", "6 -8pm", "3-4pm", "12-1pm", "6-8pm EST", "6–8pm tomorrow",
    "Dec 10 6 to 8pm", "Dec 10 6pm-8pm", "18:00-20:00 Dec 10", "Dec 10 18:00 - 20:00 (UTC+8)",
    "12月10日 18点至20点", "12月10日 18:00~20:00",
    # each of the marks that make two numbers two times, alone
    "晚上6-8点", "18h-20h", "Dec 10 18-20h", "6 to 8", "6 until 8", "Dec 10 6pm until 8pm",
    "12月10日 18至20", "12月10日 18到20", "12月10日 18点到20点"])
def test_two_times_in_one_field_are_refused_not_read_as_a_date(typed):
    # dateparser read "6-8pm" as June at 8 PM, "3-4pm" as March at 4 PM
    with pytest.raises(InvalidValue, match="holds two times; type the start and the end"):
        parse_typed(typed, "UTC", NOW)


@pytest.mark.parametrize(("typed", "meant"), [
    ("2026-12-10T18:00-05:00", utc(2026, 12, 10, 23)),
    ("Dec 10 18:00 -05:00", utc(2026, 12, 10, 23)),
    ("Dec 10 6pm UTC-5", utc(2026, 12, 10, 23)), ("Dec 10 6pm (GMT-8)", utc(2026, 12, 11, 2)),
    ("2026-12-10 18:00", utc(2026, 12, 10, 18))])
def test_a_dash_of_a_date_or_an_offset_is_no_second_time(typed, meant):
    assert parse_typed(typed, "UTC", NOW).starts_at == meant


@pytest.mark.parametrize("typed", ["6-8", "10-12"])
def test_two_numbers_joined_by_a_dash_are_no_date(typed):
    # June 8 or August 6, or two hours: dateparser read "6-8" as June 8 without a word
    with pytest.raises(InvalidValue, match=r"as a time; type e\.g\."):
        parse_typed(typed, "UTC", NOW)


def test_a_time_that_cannot_be_read_with_no_bracketed_zone_is_refused_as_before():
    """Only a bracketed zone (or an offset) is named: a word after the time is not taken
    for one ("6pm XYZ"), nor a bracket that names no zone ("(xyz)", "(2)")."""
    for typed in ("Dec 10 6pm XYZ", "Dec 10 6pm (xyz)", "Dec 10 6pm blah (2)"):
        with pytest.raises(InvalidValue, match=r"as a time; type e\.g\."):
            parse_typed(typed, "UTC", NOW)


def test_a_zones_other_season_is_said_in_every_language():
    note = read_page_when("July 10, 2027, 6:00 PM EST", "UTC").note
    typed = parse_typed("July 10 2027 6pm EST", "UTC", NOW).note
    for lang, page_said, typed_said in (
            ("en-US", "the page's EST is UTC−5, but America/New_York is on UTC−4",
             "such as 2027-07-10 18:00 UTC-5"),
            ("en-GB", "the page's EST is UTC−5, but America/New_York is on UTC−4",
             "such as 2027-07-10 18:00 UTC-5"),
            ("zh-CN", "页面上的 EST 是 UTC−5，但 America/New_York 当天用的是 UTC−4",
             "例如 2027-07-10 18:00 UTC-5"),
            ("zh-TW", "頁面上的 EST 是 UTC−5，但 America/New_York 當天用的是 UTC−4",
             "例如 2027-07-10 18:00 UTC-5")):
        assert page_said in language(lang).text(note), lang
        assert typed_said in language(lang).text(typed), lang


def test_a_pages_end_in_its_zones_other_season_is_said_in_every_language():
    """The night New York's clocks go forward, a page's "3:00 AM EST" end is read on its
    clock (EDT, 07:00 UTC) and said, in a page's range and an ISO span alike."""
    for line in ("March 14, 2027, 1:00 AM - 3:00 AM EST", "2027-03-14T01:00/2027-03-14T03:00 EST"):
        when = read_page_when(line, "UTC")
        assert when.ends_at == utc(2027, 3, 14, 7), line
        for lang, said in (
                ("en-US", "the page's EST is UTC−5, but America/New_York is on UTC−4 at its end"),
                ("en-GB", "the page's EST is UTC−5, but America/New_York is on UTC−4 at its end"),
                ("zh-CN", "结束时间 2027-03-14 03:00"), ("zh-TW", "結束時間 2027-03-14 03:00")):
            assert said in language(lang).text(when.note), (line, lang)


@pytest.mark.parametrize(("line", "start", "said"), [
    ("2027-07-10T18:00/2027-07-10T20:00 CST", utc(2027, 7, 10, 23), "on that day; I read"),
    ("2027-03-14T01:00/2027-03-14T03:00 CST", utc(2027, 3, 14, 7), "at its end; I read"),
    ("July 10, 2027, 6:00 PM CST", utc(2027, 7, 10, 23), "on that day; I read"),
    ("March 14, 2027, 1:00 AM - 3:00 AM CST", utc(2027, 3, 14, 7), "at its end; I read")])
def test_a_zone_the_server_does_not_settle_is_said_with_its_other_season(line, start, said):
    """CST on a server on UTC: which CST is said, and that US Central's clock that day is
    CDT, in an ISO span as in a page's written-out times (a span said only the first)."""
    when = read_page_when(line, "UTC")
    assert when.starts_at == start
    assert "CST could also mean China Standard Time" in str(when.note), when.note
    assert f"America/Chicago is on UTC−5 {said}" in str(when.note), when.note


# Every zone name a moderator may type, with its offset on December 10, 2026 (a summer
# name in winter is its home's clock: BST then is London's GMT)
_TYPED_ZONES = [
    ("UTC", 0), ("GMT", 0), ("BST", 0), ("CET", 1), ("CEST", 1), ("EST", -5), ("EDT", -5),
    ("ET", -5), ("CDT", -6), ("CT", -6), ("MST", -7), ("MDT", -7), ("MT", -7), ("PST", -8),
    ("PDT", -8), ("PT", -8), ("JST", 9), ("KST", 9), ("HKT", 8), ("SGT", 8),
    ("Beijing Time", 8), ("北京时间", 8), ("BJT", 8), ("CST", -6), ("IST", 5.5),
    ("Eastern Time", -5), ("Eastern Standard Time", -5), ("Eastern Daylight Time", -5),
    ("Central Time", -6), ("Central Daylight Time", -6), ("Mountain Time", -7),
    ("Mountain Standard Time", -7), ("Mountain Daylight Time", -7), ("Pacific Time", -8),
    ("Pacific Standard Time", -8), ("Pacific Daylight Time", -8), ("Greenwich Mean Time", 0),
    ("British Summer Time", 0), ("Central European Time", 1),
    ("Central European Summer Time", 1), ("Japan Standard Time", 9),
    ("Korea Standard Time", 9), ("Hong Kong Time", 8), ("Singapore Time", 8),
    ("China Standard Time", 8),
    ("Taipei Time", 8), ("UK Time", 0), ("London Time", 0), ("台北时间", 8), ("伦敦时间", 0),
    ("美东时间", -5), ("美国东部时间", -5), ("东部时间", -5), ("华盛顿时间", -5), ("纽约时间", -5),
    ("美东标准时间", -5), ("美国东部标准时间", -5), ("东部标准时间", -5), ("美东夏令时间", -5),
    ("美国东部夏令时间", -5), ("东部夏令时间", -5), ("美东夏令时", -5), ("美国中部时间", -6),
    ("美中时间", -6), ("芝加哥时间", -6), ("美国山地时间", -7), ("山地时间", -7), ("美西时间", -8),
    ("美国西部时间", -8), ("太平洋时间", -8), ("美国太平洋时间", -8), ("洛杉矶时间", -8),
    ("旧金山时间", -8), ("太平洋标准时间", -8), ("美西标准时间", -8), ("太平洋夏令时间", -8),
    ("美西夏令时间", -8), ("美西夏令时", -8), ("格林尼治时间", 0), ("格林威治时间", 0),
    ("格林尼治标准时间", 0), ("英国夏令时间", 0), ("英国时间", 0), ("欧洲中部时间", 1),
    ("中欧时间", 1), ("布鲁塞尔时间", 1), ("柏林时间", 1), ("巴黎时间", 1), ("欧洲中部夏令时间", 1),
    ("中欧夏令时间", 1), ("日本时间", 9), ("东京时间", 9), ("韩国时间", 9), ("首尔时间", 9),
    ("香港时间", 8), ("新加坡时间", 8), ("台湾时间", 8), ("中国标准时间", 8), ("协调世界时", 0),
    ("UTC+8", 8), ("GMT-3", -3), ("UTC+5:45", 5.75)]


def test_every_zone_name_the_bot_knows_is_typed_in_the_tests():
    from bot.zones import ZONES
    assert {name.upper() for name, _ in _TYPED_ZONES if not name[-1].isdigit()} == set(ZONES)


@pytest.mark.parametrize("form", [
    "Dec 10 2026 6pm {}", "Dec 10 2026 6pm ({})", "({}) Dec 10 2026 6pm", "[{}] Dec 10 2026 6pm",
    "{} Dec 10 2026 6pm"])
@pytest.mark.parametrize(("name", "hours"), _TYPED_ZONES)
def test_a_zone_typed_before_or_after_the_time_is_its_and_its_ends(form, name, hours):
    """On a server far from every zone (UTC+14), the time is read in the zone typed, and an
    end typed with none ("8pm") on that zone's clock: two hours later, not the server's."""
    server = "Pacific/Kiritimati"
    start = parse_typed(form.format(name), server, NOW)
    assert start.starts_at == utc(2026, 12, 10, 18) - timedelta(hours=hours), form.format(name)
    end = parse_typed("8pm", server, NOW, name="ends_at", after=start.starts_at,
                      after_zone=start.zone)
    assert end.starts_at - start.starts_at == timedelta(hours=2), form.format(name)


@pytest.mark.parametrize(("start", "end", "server", "ends", "said"), [
    # on the start's clock wherever the server is, and said where that is not its clock
    ("Dec 10 2026 6pm EST", "8pm", "Asia/Shanghai", utc(2026, 12, 11, 1), True),
    ("Dec 10 2026 6pm EST", "20:00", "UTC", utc(2026, 12, 11, 1), True),
    ("Dec 10 2026 6pm ET", "8pm", "America/New_York", utc(2026, 12, 11, 1), False),
    ("2026年12月10日 18:00 北京时间", "20:00", "UTC", utc(2026, 12, 10, 12), True),
    # an end with a zone of its own is in it
    ("Dec 10 2026 6pm EST", "9pm PST", "UTC", utc(2026, 12, 11, 5), False),
    # the next day's, its marker before the zone or the clock
    ("Dec 10 2026 11pm EST", "1am next day EST", "UTC", utc(2026, 12, 11, 6), False),
    ("Dec 10 2026 11pm EST", "1am next day", "UTC", utc(2026, 12, 11, 6), True),
    ("2026年12月10日 23:00 北京时间", "次日1:00 北京时间", "UTC", utc(2026, 12, 10, 17), False),
    ("2026年12月10日 23:00 北京时间", "次日1:00", "UTC", utc(2026, 12, 10, 17), True),
    ("2026年12月10日 18:00 北京时间", "次日20:00 北京时间", "UTC", utc(2026, 12, 11, 12), False),
    # a long day on New York's clock, which crosses midnight on the server's: no slip
    ("Dec 10 2026 9am EST", "10pm", "Asia/Shanghai", utc(2026, 12, 11, 3), True)])
def test_an_end_typed_without_a_zone_is_on_its_starts_clock(start, end, server, ends, said):
    first = parse_typed(start, server, NOW)
    when = parse_typed(end, server, NOW, name="ends_at", after=first.starts_at,
                       after_zone=first.zone)
    assert when.starts_at == ends, (start, end)
    assert ("names no zone, so I read it in the start's" in str(when.note)) is said, when.note


@pytest.mark.parametrize("server", ["Asia/Shanghai", "UTC", "America/Los_Angeles"])
def test_an_end_earlier_on_its_starts_clock_is_refused_naming_that_time(server):
    """"5pm" after "Dec 10 2026 6pm EST": 5 PM in New York that day, before the start."""
    first = parse_typed("Dec 10 2026 6pm EST", server, NOW)
    with pytest.raises(InvalidValue) as refused:
        parse_typed("5pm", server, NOW, name="ends_at", after=first.starts_at,
                    after_zone=first.zone)
    assert str(refused.value) == (f"the end (<t:{int(utc(2026, 12, 10, 22).timestamp())}:F>) "
                                  f"must come after the start (<t:"
                                  f"{int(utc(2026, 12, 10, 23).timestamp())}:F>)")


def test_an_end_in_an_unknown_bracketed_zone_after_a_zoned_start_names_it():
    first = parse_typed("Dec 10 2026 6pm EST", "UTC", NOW)
    with pytest.raises(InvalidValue, match=r"names a zone I can't read \(XYZ\)"):
        parse_typed("8pm (XYZ)", "UTC", NOW, name="ends_at", after=first.starts_at,
                    after_zone=first.zone)


@pytest.mark.parametrize(("typed", "page"), [
    ("March 14 2027 2:30am EDT", "March 14, 2027, 2:30 AM EDT"),
    ("March 14 2027 2:30am EST", "March 14, 2027, 2:30 AM EST")])
def test_a_seasonal_zones_time_the_clocks_skip_is_said_not_read(typed, page):
    """2:30 AM is no time in New York the night its clocks go forward, under either name."""
    with pytest.raises(InvalidValue, match=r"clocks skip that day in America/New_York .*e\.g\. "
                                           r"03:30$"):
        parse_typed(typed, "UTC", NOW)
    when = read_page_when(page, "UTC")
    assert when.starts_at is None and "02:30 is no time in America/New_York" in str(when.note)


@pytest.mark.parametrize(("typed", "page", "zone"), [
    ("Nov 7 2027 1:30am", "November 7, 2027, 1:30 AM", "America/New_York"),
    ("Nov 7 2027 1:30am ET", "November 7, 2027, 1:30 AM ET", "UTC")])
def test_a_time_shown_twice_is_said_which_it_is(typed, page, zone):
    for when in (parse_typed(typed, zone, NOW), read_page_when(page, zone)):
        # (an aware time of a fold compares unequal across zones: its instant is compared)
        assert when.starts_at.timestamp() == utc(2027, 11, 7, 5, 30).timestamp()
        assert "2027-11-07 01:30 comes twice in America/New_York" in str(when.note), when.note


@pytest.mark.parametrize(("line", "zone", "ends", "said"), [
    ("November 6, 2027, 11:00 PM - 1:30 AM", "America/New_York", utc(2027, 11, 7, 5, 30),
     "2027-11-07 01:30 comes twice in America/New_York as the clocks go back; I read it as "
     "the first (UTC−4), not the second (UTC−5)"),
    ("2027年10月30日 晚上11点至次日凌晨2点半", "Europe/Berlin", utc(2027, 10, 31, 0, 30),
     "2027-10-31 02:30 comes twice in Europe/Berlin as the clocks go back; I read it as "
     "the first (UTC+2), not the second (UTC+1)"),
])
def test_a_page_end_shown_twice_is_said_which_it_is(line, zone, ends, said):
    """As a typed end is: the moderator is told the event may end an hour later."""
    when = read_page_when(line, zone)
    assert (when.ends_at, str(when.note), when.end_note) == (ends, said, None)


def test_a_page_end_at_its_own_offset_on_the_night_the_clocks_go_back_says_nothing():
    when = read_page_when("November 7, 2027, 1:00 AM - 1:30 AM EST", "UTC")  # the second
    assert (when.starts_at, when.ends_at, when.note) == (
        utc(2027, 11, 7, 6), utc(2027, 11, 7, 6, 30), None)


@pytest.mark.parametrize(("typed", "page"), [
    ("July 10 2027 6pm CST", "July 10, 2027, 6:00 PM CST"),
    ("July 10 2027 6pm (CST)", "2027-07-10T18:00 CST")])
def test_an_unsettled_zone_in_its_other_season_says_both(typed, page):
    for when in (parse_typed(typed, "UTC", NOW), read_page_when(page, "UTC")):
        assert when.starts_at == utc(2027, 7, 10, 23)
        assert re.search(r"CST could also mean .*; (the page's )?CST is UTC−6, but "
                         r"America/Chicago is on UTC−5 on that day", str(when.note)), when.note


def test_a_pages_end_is_not_said_again_when_its_start_is_in_the_other_season():
    when = read_page_when("July 10, 2027, 6:00 PM - 8:00 PM EST", "UTC")
    assert (when.starts_at, when.ends_at) == (utc(2027, 7, 10, 22), utc(2027, 7, 11))
    assert "on that day" in str(when.note) and "at its end" not in str(when.note), when.note


@pytest.mark.parametrize(("typed", "zone", "start", "noted"), [
    # Manila's clock is called PST too (Philippine, UTC+8): a PST page there is still the
    # US Pacific's, on Los Angeles's clock in July
    ("July 10 2027 6pm PST", "Asia/Manila", utc(2027, 7, 11, 1), True),
    # Arizona's MST all year, however it is typed
    ("July 10 2027 6pm mst", "America/Phoenix", utc(2027, 7, 11, 1), False),
    ("July 10 2027 6pm Mst", "America/Phoenix", utc(2027, 7, 11, 1), False)])
def test_a_server_keeps_an_abbreviation_all_year_only_at_its_offset(typed, zone, start, noted):
    for when in (parse_typed(typed, zone, NOW),
                 read_page_when(typed.replace("6pm", "6:00 PM").replace("10 ", "10, "), zone)):
        assert when.starts_at == start, typed
        assert ("on that day" in str(when.note)) is noted, when.note


@pytest.mark.parametrize("typed", [
    "Dec 10 6pm (local time)", "Dec 10 6pm (Local Time)", "Dec 10 6pm [local]",
    "Dec 10 6pm local time", "Dec 10 6pm local", "(local) Dec 10 6pm", "local time: Dec 10 6pm",
    "12月10日 18:00（当地时间）", "12月10日 18:00 (當地時間)", "当地时间 12月10日 18:00",
    "12月10日 18:00 本地时间", "Dec 10 18:00 (start time)", "Dec 10 18:00 (Event Time)",
    "Dec 10 18:00 (TBC)", "Dec 10 18:00 (tbd)", "12月10日 18:00（会议时间）",
    "12月10日 18:00 (開始時間)", "12月10日 18:00（比賽時間）", "12月10日 18:00（入場時間）",
    "Dec 10 18:00 (TBA) (local time)", "(start time) Dec 10 18:00"])
def test_a_label_that_names_no_zone_is_read_as_the_servers_clock(typed):
    when = parse_typed(typed, "Asia/Shanghai", NOW)
    assert when.starts_at == datetime(2026, 12, 10, 18, tzinfo=ZoneInfo("Asia/Shanghai")), typed
    assert when.note is None, when.note


@pytest.mark.parametrize("typed", ["(TBD)", "(local time)", "（会议时间）", "TBC (event time)",
                                   "Dec 10 6pm localtime", "Dec 10 6pm locals"])
def test_a_label_with_no_time_is_no_time_not_a_zone(typed):
    with pytest.raises(InvalidValue) as refused:
        parse_typed(typed, "UTC", NOW)
    assert "as a time; type e.g." in str(refused.value), refused.value


@pytest.mark.parametrize("read", [
    lambda: parse_typed("Dec 10 6pm IST", "Europe/Dublin", MONDAY),
    lambda: read_page_when("December 10, 2031, 6:00 PM IST", "Europe/Dublin")])
def test_irish_summer_time_in_winter_is_dublins_clock_and_said_as_bst_is(read):
    """Irish Standard Time is Dublin's summer clock (UTC+1), as BST is London's: typed or on
    a page of a server in Dublin for a December day, it was read at UTC+1, an hour before
    6 PM on Dublin's clock (then GMT), and nothing was said. It is read on Dublin's clock,
    and the note names the other reading, as BST's and EST's are."""
    when = read()
    assert when.starts_at == utc(2031, 12, 10, 18)
    assert "IST is UTC+1, but Europe/Dublin is on UTC+0" in str(when.note), when.note
