"""When and where an event is: from its page, typed in the server's timezone, and edited
with /manage edit, through the real bot process.

The module's tests share one bot and one server; each starts with the server on UTC (the
default), and a test that reads or types times in another zone sets it first, so that
each passes alone and in any order.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from babel.dates import format_time
from icalendar import Calendar

from sandbox import Attachment, Reply
from tests.e2e.conftest import (
    OPEN_ANNOUNCEMENT,
    edit_form,
    edited,
    event_id_in,
    field_as,
    import_page,
    until_past,
)
from tests.e2e.test_bot import text_of
from tests.traditional import traditional

pytestmark = pytest.mark.asyncio(loop_scope="module")

SHANGHAI = ZoneInfo("Asia/Shanghai")


def page(title: str, *header: str) -> bytes:
    return "\n".join([title, *header, "", ""]).encode() + OPEN_ANNOUNCEMENT


async def eventually(predicate, timeout: float = 10.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest_asyncio.fixture(loop_scope="module", autouse=True)
async def server_on_utc(world, fake):
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC")


async def in_shanghai(world, fake) -> None:
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="Asia/Shanghai")


def event_times(world, event_id: int) -> tuple:
    return world.query("SELECT starts_at, ends_at, all_day, venue, link FROM events"
                       " WHERE id = ?", (event_id,))[0]


def start_and_end(world, reply, zone) -> tuple[datetime, datetime]:
    """The start and end of the timed event an import's `reply` names, on `zone`'s clock."""
    starts_at, ends_at, all_day, _, _ = event_times(world, event_id_in(reply))
    assert not all_day, reply.content
    return datetime.fromtimestamp(starts_at, zone), datetime.fromtimestamp(ends_at, zone)


async def test_the_pages_date_time_zone_and_place_become_the_events(world, fake):
    reply = await import_page(fake, world.guild, world.moderator,
        page=Attachment("talk.txt", page("Date Talk", "December 15, 2036, 6:00 PM - 8:00 PM EST",
                                         "Washington, DC"), "text/plain"), capacity=5)
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    start = datetime(2036, 12, 15, 23, tzinfo=UTC)
    end = datetime(2036, 12, 16, 1, tzinfo=UTC)
    assert event_times(world, event_id) == (int(start.timestamp()), int(end.timestamp()), 0,
                                            "Washington, DC", None)
    assert f"When: <t:{int(start.timestamp())}:F>" in reply.content
    assert "Where: Washington, DC" in reply.content

    info = await fake.slash(world.guild, world.member(), "event info", event=str(event_id))
    shown = text_of(info)
    assert f"When: <t:{int(start.timestamp())}:F>" in shown and "Where: Washington, DC" in shown

    ics = await fake.slash(world.guild, world.member(), "event calendar", event=str(event_id))
    [(_, data)] = ics.files
    [entry] = Calendar.from_ical(data).walk("VEVENT")
    assert entry.decoded("dtstart") == start and entry.decoded("dtend") == end
    assert str(entry["location"]) == "Washington, DC"

    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id))
    assert "Discord events" in posted.content, posted.content
    [scheduled] = [e for e in fake.scheduled_events(world.guild) if e["name"] == "Date Talk"]
    assert datetime.fromisoformat(scheduled["scheduled_start_time"]) == start
    assert datetime.fromisoformat(scheduled["scheduled_end_time"]) == end
    assert scheduled["entity_metadata"] == {"location": "Washington, DC"}


async def test_a_day_of_two_sessions_ends_with_the_afternoons(world, fake):
    """A workshop's morning and afternoon on one line: over when the afternoon is, in the
    calendar file too, not at noon."""
    await in_shanghai(world, fake)
    reply = await import_page(fake, world.guild, world.moderator, capacity=5, page=Attachment(
        "workshop.txt", page("两场工作坊", "2036年12月15日 上午9:00-12:00，下午14:00-17:00"),
        "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    start = datetime(2036, 12, 15, 9, tzinfo=SHANGHAI)
    end = datetime(2036, 12, 15, 17, tzinfo=SHANGHAI)
    assert event_times(world, event_id)[:2] == (int(start.timestamp()), int(end.timestamp()))
    ics = await fake.slash(world.guild, world.member(), "event calendar", event=str(event_id))
    [entry] = Calendar.from_ical(ics.files[0][1]).walk("VEVENT")
    assert (entry.decoded("dtstart"), entry.decoded("dtend")) == (start, end)


async def test_an_event_starts_when_its_programme_does_not_when_its_doors_open(world, fake):
    """Check-in at 18:30, the talk at 19:00: the reminders and the calendar say 19:00."""
    await in_shanghai(world, fake)
    reply = await import_page(fake, world.guild, world.moderator, capacity=5, page=Attachment(
        "talk.txt", page("晚间讲座", "2036年12月15日 18:30签到，19:00-20:30 讲座"), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    start = datetime(2036, 12, 15, 19, tzinfo=SHANGHAI)
    end = datetime(2036, 12, 15, 20, 30, tzinfo=SHANGHAI)
    assert event_times(world, event_id)[:2] == (int(start.timestamp()), int(end.timestamp()))
    ics = await fake.slash(world.guild, world.member(), "event calendar", event=str(event_id))
    [entry] = Calendar.from_ical(ics.files[0][1]).walk("VEVENT")
    assert (entry.decoded("dtstart"), entry.decoded("dtend")) == (start, end)


async def test_a_chinese_pages_ratio_sign_colons_and_wave_dash_are_read_as_their_marks(
        world, fake):
    """Chinese typesetting sets a time's colon as the ratio sign ("14∶30", U+2236), and
    labels with it too ("时间∶"); a range may take the wave dash ("〜", U+301C). Such a page
    was imported as an all-day event with no venue and no people: its date line read
    "时间∶2036年12月15日 …", its venue "地点∶清华大学主楼报告厅", its role lines prose; and
    "19:00〜21:00" lost its end."""
    await in_shanghai(world, fake)
    for title, header, (start, end) in (
            ("比号讲座", ("时间∶2036年12月15日 14∶30—16∶30", "地点∶清华大学主楼报告厅",
                      "主持人∶赵通"), ((14, 30), (16, 30))),
            ("波浪号讲座", ("时间：2036年12月15日 19:00〜21:00", "地点：清华大学主楼报告厅",
                       "主持人：赵通"), ((19, 0), (21, 0)))):
        reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                                  page=Attachment("talk.txt", page(title, *header), "text/plain"))
        event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
        starts = int(datetime(2036, 12, 15, *start, tzinfo=SHANGHAI).timestamp())
        ends = int(datetime(2036, 12, 15, *end, tzinfo=SHANGHAI).timestamp())
        assert event_times(world, event_id)[:4] == (starts, ends, 0, "清华大学主楼报告厅"), title
        assert ("赵通", "moderator") in world.query(
            "SELECT name, role FROM people WHERE event_id = ?", (event_id,)), title


async def test_a_chinese_pages_pm_before_its_hour_and_wuhou_are_the_afternoon(world, fake):
    """"PM 3:00", its "PM" before the hour as 下午 goes (as Taiwanese pages write it), and
    午后 ("午后2时", the afternoon) were passed over, and the event was imported to start
    at 3 and 2 in the morning, with nothing said."""
    await in_shanghai(world, fake)
    for title, line, (start, end) in (
            ("午后讲座", "2036年12月15日 午后2时至4时", (14, 16)),
            ("PM讲座", "2036年12月15日（星期一）PM 3:00-5:00", (15, 17))):
        reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                                  page=Attachment("talk.txt", page(title, line), "text/plain"))
        event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
        starts = int(datetime(2036, 12, 15, start, tzinfo=SHANGHAI).timestamp())
        ends = int(datetime(2036, 12, 15, end, tzinfo=SHANGHAI).timestamp())
        assert event_times(world, event_id)[:2] == (starts, ends), title


async def test_labels_padded_with_ideographic_spaces_give_the_time_and_venue(world, fake):
    """Chinese pages pad a two-character label to the width of their longer ones with
    ideographic spaces ("时　间：", "地　　点：" over "主办单位："). Such a page was imported as
    an all-day event with no venue: its labelled lines were prose in its description."""
    await in_shanghai(world, fake)
    for title, header in (
            ("对齐讲座", ("日\u3000期：2036年12月15日（星期一）", "时\u3000间：14:30-16:30",
                      "地\u3000点：清华大学主楼报告厅")),
            ("双空格讲座", ("时\u3000\u3000间：2036年12月15日 14:30-16:30",
                       "地\u3000\u3000点：清华大学主楼报告厅", "主办单位：清华大学"))):
        reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                                  page=Attachment("talk.txt", page(title, *header), "text/plain"))
        event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
        starts = int(datetime(2036, 12, 15, 14, 30, tzinfo=SHANGHAI).timestamp())
        ends = int(datetime(2036, 12, 15, 16, 30, tzinfo=SHANGHAI).timestamp())
        assert event_times(world, event_id)[:4] == (starts, ends, 0, "清华大学主楼报告厅"), title


async def test_a_time_line_naming_its_zone_in_chinese_gives_the_time(world, fake):
    """The date on one line and the time on the next, its zone named as Chinese pages
    name it ("时间：下午3:00-5:00（北京时间）", "15:00-17:00 台北時間"): the time line was
    not taken for one, and the event was imported as an all-day one."""
    starts = int(datetime(2036, 12, 15, 7, tzinfo=UTC).timestamp())
    ends = int(datetime(2036, 12, 15, 9, tzinfo=UTC).timestamp())
    for title, header in (
            ("北京时间讲座", ("日期：2036年12月15日", "时间：下午3:00-5:00（北京时间）",
                        "地点：清华大学")),
            ("台北時間講座", ("2036年12月15日", "15:00-17:00 台北時間", "國立臺灣大學"))):
        reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                                  page=Attachment("talk.txt", page(title, *header), "text/plain"))
        event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
        assert event_times(world, event_id)[:3] == (starts, ends, 0), title


@pytest.mark.parametrize(("title", "time_label", "place_label"), [
    ("圆点讲座", "• 时间：", "• 地点："), ("括号讲座", "【时间】", "【地点】"),
    ("竖线讲座", "时间｜", "地点｜"), ("方块讲座", "■ 时间：", "■ 地点：")])
async def test_labels_after_a_bullet_in_brackets_or_before_a_bar_give_the_time_and_venue(
        world, fake, title, time_label, place_label):
    """Posts set a page's labels after a bullet ("• 地点："), in brackets ("【地点】") or
    before a bar ("地点｜"). The venue was lost (under a bullet, taken for a takeaway and
    not shown) or kept with its label ("【地点】清华大学", "地点｜清华大学")."""
    await in_shanghai(world, fake)
    header = (f"{time_label}2036年12月15日 14:30-16:30", f"{place_label}清华大学主楼报告厅")
    reply = await import_page(fake, world.guild, world.moderator, capacity=5, page=Attachment(
        "talk.txt", page(title, *header), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    starts = int(datetime(2036, 12, 15, 14, 30, tzinfo=SHANGHAI).timestamp())
    ends = int(datetime(2036, 12, 15, 16, 30, tzinfo=SHANGHAI).timestamp())
    assert event_times(world, event_id)[:4] == (starts, ends, 0, "清华大学主楼报告厅")


async def test_a_labelled_time_over_a_bulleted_place_is_the_events_time(world, fake):
    """"时间：…" over "• 地点：…": a line over a bulleted one was taken for the heading of a
    list and dropped, and the event was imported with no date, the preview naming none."""
    await in_shanghai(world, fake)
    header = ("时间：2036年12月15日 14:30-16:30", "• 地点：清华大学主楼报告厅", "• 主办：清华大学")
    reply = await import_page(fake, world.guild, world.moderator, capacity=5, page=Attachment(
        "talk.txt", page("列表讲座", *header), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    starts = int(datetime(2036, 12, 15, 14, 30, tzinfo=SHANGHAI).timestamp())
    ends = int(datetime(2036, 12, 15, 16, 30, tzinfo=SHANGHAI).timestamp())
    assert event_times(world, event_id)[:4] == (starts, ends, 0, "清华大学主楼报告厅")


@pytest.mark.parametrize(("title", "posted"), [
    ("浏览讲座", "2026年5月1日 10:00 浏览：1024"), ("阅读讲座", "2026-05-01 10:00 阅读量：356"),
    ("點擊講座", "2026年5月1日 10:00 點擊數：1024")])
async def test_a_news_pages_posting_line_with_its_readers_count_is_not_the_events_date(
        world, fake, title, posted):
    """A Chinese news page's line under its headline gives when it was posted and how many
    have read it ("2026年5月1日 10:00 浏览：1024"). Its date and time were taken for the
    event's, over the labelled "时间：…" further down: the event was imported to start
    when the page was posted, with nothing said."""
    await in_shanghai(world, fake)
    header = (posted, "", "时间：2036年12月15日 下午3:00-5:00", "地点：清华大学")
    reply = await import_page(fake, world.guild, world.moderator, capacity=5, page=Attachment(
        "news.txt", page(title, *header), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    starts = int(datetime(2036, 12, 15, 15, tzinfo=SHANGHAI).timestamp())
    ends = int(datetime(2036, 12, 15, 17, tzinfo=SHANGHAI).timestamp())
    assert event_times(world, event_id)[:4] == (starts, ends, 0, "清华大学")


async def test_a_registration_deadline_is_not_the_events_date(world, fake):
    """"报名截止时间：2036年12月1日 17:00" over "时间：2036年12月15日 下午3:00-5:00": the
    deadline's line was taken for the event's date line, and the event was imported to
    start when registration closes; with no other date on the page, "报名截止：…" gave the
    event its day. The deadline stays in the description, and a page whose only date is
    its deadline has none."""
    await in_shanghai(world, fake)
    header = ("报名截止时间：2036年12月1日 17:00", "", "时间：2036年12月15日 下午3:00-5:00",
              "地点：清华大学")
    reply = await import_page(fake, world.guild, world.moderator, capacity=5, page=Attachment(
        "deadline.txt", page("截止讲座", *header), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    starts = int(datetime(2036, 12, 15, 15, tzinfo=SHANGHAI).timestamp())
    ends = int(datetime(2036, 12, 15, 17, tzinfo=SHANGHAI).timestamp())
    assert event_times(world, event_id)[:4] == (starts, ends, 0, "清华大学")
    alone = await import_page(fake, world.guild, world.moderator, capacity=5, page=Attachment(
        "deadline-only.txt", page("只有截止", "报名截止：2036年12月1日", "地点：清华大学"),
        "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", alone.content)[1])
    assert event_times(world, event_id)[:4] == (None, None, 0, "清华大学")


async def test_a_pages_start_and_end_time_lines_give_its_start_and_end(world, fake):
    """"开始时间：2036年12月15日 15:00" over "结束时间：2036年12月15日 17:00", as event
    sites' forms give them: the end was dropped (the event had none, and the preview said
    nothing), and a date line with its time of day over "开始时间：15:00" and "结束时间：17:00"
    made an all-day event. A space inside the label ("开始时 间", as a copy from a PDF leaves
    it) matched the label and no field's name: the import failed with an internal error."""
    await in_shanghai(world, fake)
    starts = int(datetime(2036, 12, 15, 15, tzinfo=SHANGHAI).timestamp())
    ends = int(datetime(2036, 12, 15, 17, tzinfo=SHANGHAI).timestamp())
    for title, header in (
            ("起止讲座", ("开始时间：2036年12月15日 15:00", "结束时间：2036年12月15日 17:00",
                      "地点：清华大学")),
            ("起止分行讲座", ("日期：2036年12月15日", "开始时间：15:00", "结束时间：17:00",
                        "地点：清华大学")),
            ("起止空格讲座", ("日期：2036年12月15日", "开始时 间：15:00", "结束时  间：17:00",
                        "地点：清华大学"))):
        reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                                  page=Attachment("form.txt", page(title, *header), "text/plain"))
        event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
        assert event_times(world, event_id)[:4] == (starts, ends, 0, "清华大学"), title


async def test_a_date_with_slashes_is_read_where_its_weekday_shows_its_order(world, fake):
    """"Fri, 06/05/2026 - 10:00" is June 5 (a Friday); "06/05/2026" alone is no start, and
    the moderator is told why."""
    reply = await import_page(fake, world.guild, world.moderator, capacity=5, page=Attachment(
        "f.txt", page("Friday Forum", "Fri, 06/05/2036 - 10:00 - 12:00"), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    start = datetime(2036, 6, 5, 10, tzinfo=UTC)  # 2036-06-05 is a Thursday: Thu below
    assert event_times(world, event_id)[0] is None  # Friday is neither June 5 nor May 6
    assert "may be month first or day first" in reply.content

    reply = await import_page(fake, world.guild, world.moderator, capacity=5, page=Attachment(
        "t.txt", page("Thursday Forum", "Thu, 06/05/2036 - 10:00 - 12:00"), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    assert event_times(world, event_id)[:2] == (int(start.timestamp()),
                                                int((start + timedelta(hours=2)).timestamp()))


async def test_a_morning_ending_at_twelve_am_ends_at_noon(world, fake):
    """"11-12 AM": eleven in the morning to noon, not eleven at night to midnight."""
    event_id = await world.import_event("Late Morning", 5, page("Late Morning",
                                                                "June 5, 2036, 11-12 AM"))
    start = datetime(2036, 6, 5, 11, tzinfo=UTC)
    assert event_times(world, event_id)[:2] == (int(start.timestamp()),
                                                int((start + timedelta(hours=1)).timestamp()))


async def test_page_dates_without_a_time_a_year_or_a_settled_zone(world, fake):
    all_day = await world.import_event("Recap Day", 5, page("Recap Day", "Fri. October 28th, 2016"))
    day = datetime(2016, 10, 28, tzinfo=UTC)
    assert event_times(world, all_day)[:3] == (int(day.timestamp()),
                                               int((day + timedelta(days=1)).timestamp()), 1)
    info = await fake.slash(world.guild, world.member(), "event info", event=str(all_day))
    assert "When: Friday, October 28, 2016" in text_of(info)
    ics = await fake.slash(world.guild, world.member(), "event calendar", event=str(all_day))
    assert b"DTSTART;VALUE=DATE:20161028" in ics.files[0][1]

    reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                             page=Attachment("p.txt", page("No Year Talk", "Fri. Oct 28, 6 PM"),
                                             "text/plain"))
    assert "no year for its date 'Oct 28'" in reply.content and "/manage edit" in reply.content
    no_year = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    assert event_times(world, no_year)[0] is None

    reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                             page=Attachment("c.txt", page("Central Talk",
                                                           "December 1, 2026, 6:00 PM CST"),
                                             "text/plain"))
    assert "China Standard Time" in reply.content and "/manage timezone" in reply.content
    central = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    assert event_times(world, central)[0] == int(datetime(2026, 12, 2, tzinfo=UTC).timestamp())


async def test_a_pages_ist_in_december_in_a_server_on_utc_is_indias_and_says_so(world, fake):
    """Dublin is on UTC+0 in December, but Irish Standard Time is UTC+1: the server's
    timezone settles nothing, and the reply says which IST the bot took."""
    reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                              page=Attachment("d.txt", page("Delhi Talk",
                                                            "December 5, 2026, 6:00 PM IST"),
                                              "text/plain"))
    assert "I read it as India Standard Time (UTC+5:30)" in reply.content, reply.content
    delhi = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    assert event_times(world, delhi)[0] == int(datetime(2026, 12, 5, 12, 30,
                                                        tzinfo=UTC).timestamp())


async def test_a_pages_end_that_is_no_time_of_day_is_said_in_the_preview(world, fake):
    """As a start that is no time of day is: the preview quotes the end the page wrote,
    and the event keeps the page's start with no end."""
    start = int(datetime(2036, 12, 5, 18, tzinfo=UTC).timestamp())
    for title, line, written in (
            ("Late Forum", "December 5, 2036, 18:00-25:00 GMT", "25:00"),
            ("Odd Forum", "December 5, 2036, 6:00 PM - 13:75 PM GMT", "13:75 PM")):
        attachment = Attachment("f.txt", page(title, line), "text/plain")
        preview = await fake.slash(world.guild, world.moderator, "manage import", capacity=5,
                                   page=attachment)
        said = (f"Note: the page's end time '{written}' is not a time of day, so I left the "
                "end unset; set it with /manage edit.")
        assert said in text_of(preview), text_of(preview)
        reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                                  page=attachment)
        event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
        assert event_times(world, event_id)[:3] == (start, None, 0)


async def test_a_pages_end_on_no_day_or_not_after_its_start_is_said_in_the_preview(world,
                                                                                   fake):
    """An end the calendar has not ("November 31") or at or before the start is left unset,
    and the preview says why, quoting it; the event keeps the page's start with no end. A
    range past midnight still ends the next day, without a note."""
    december = int(datetime(2036, 12, 5, 18, tzinfo=UTC).timestamp())
    november = int(datetime(2036, 11, 30, 18, tzinfo=UTC).timestamp())
    for title, line, start, said in (
            ("Slip Forum", "December 5, 2036, 6:00 PM - 6:00 PM GMT", december,
             "the page's end '6:00 PM' is not after its start"),
            ("Early Forum", "Starts: 2036-12-05T18:00Z/2036-12-05T17:00Z", december,
             "the page's end '2036-12-05T17:00Z' is not after its start"),
            ("Odd Day Forum", "Starts: 2036-11-30T18:00Z/2036-11-31T20:00Z", november,
             "the page's end date '2036-11-31T20:00Z' is no day of the calendar")):
        attachment = Attachment("f.txt", page(title, line), "text/plain")
        preview = await fake.slash(world.guild, world.moderator, "manage import", capacity=5,
                                   page=attachment)
        said = f"Note: {said}, so I left the end unset; set it with /manage edit."
        assert said in text_of(preview), text_of(preview)
        reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                                  page=attachment)
        event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
        assert event_times(world, event_id)[:3] == (start, None, 0)
    night = page("Night Forum", "December 5, 2036, 10:00 PM - 2:00 AM GMT")
    attachment = Attachment("f.txt", night, "text/plain")
    preview = await fake.slash(world.guild, world.moderator, "manage import", capacity=5,
                               page=attachment)
    assert "Note:" not in text_of(preview), text_of(preview)
    reply = await import_page(fake, world.guild, world.moderator, capacity=5, page=attachment)
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    assert event_times(world, event_id)[:3] == (
        int(datetime(2036, 12, 5, 22, tzinfo=UTC).timestamp()),
        int(datetime(2036, 12, 6, 2, tzinfo=UTC).timestamp()), 0)


async def test_a_pages_unusable_end_is_said_in_a_taiwanese_moderators_language(world, fake):
    """The preview's notes on an end left unset, as a moderator whose client speaks Taiwan's
    Chinese reads them: the bot's words in zh-TW, the command as that client lists it, and
    only the page's own text as the page wrote it."""
    moderator = world.member("版主", manage_events=True, locale="zh-TW")
    for title, line, said in (
            ("Slip Forum TW", "December 5, 2036, 6:00 PM - 6:00 PM GMT",
             "注意：頁面上的結束時間 '6:00 PM' 不晚於開始時間，所以我沒有設定結束時間；"
             "請用 /管理 編輯 設定。"),
            ("Odd Day Forum TW", "Starts: 2036-11-30T18:00Z/2036-11-31T20:00Z",
             "注意：頁面上的結束日期 '2036-11-31T20:00Z' 在日曆上並不存在，所以我沒有設定結束"
             "時間；請用 /管理 編輯 設定。"),
            ("Late Forum TW", "December 5, 2036, 18:00-25:00 GMT",
             "注意：頁面上的結束時間 '25:00' 不是一天中的某個時刻，所以我沒有設定結束時間；"
             "請用 /管理 編輯 設定。")):
        attachment = Attachment("f.txt", page(title, line), "text/plain")
        preview = await fake.slash(world.guild, moderator, "manage import", capacity=5,
                                   page=attachment)
        lines = preview.content.splitlines()
        assert said in lines, preview.content
        # the rest of the preview is in zh-TW too, but for the page's text it quotes
        words = [line for line in lines if line != said and "Forum TW" not in line
                 and not line.startswith(("- 主持人：", "- 主講人：", "- 與談人：", "時間：<t:"))]
        assert not [line for line in words if re.search(r"[A-Za-z]{2,}", line)], lines


async def test_a_typed_end_at_24_00_is_the_midnight_that_ends_the_day(world, fake):
    """As ISO 8601's 24:00 after a date is: typed alone as the end, or after a day."""
    start = int(datetime(2036, 12, 1, 18, tzinfo=UTC).timestamp())
    midnight = int(datetime(2036, 12, 2, tzinfo=UTC).timestamp())
    for title, ends_at in (("Late Talk", "24:00"), ("Later Talk", "December 1, 2036 24h00")):
        reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                                  page=Attachment("t.txt", page(title), "text/plain"),
                                  starts_at="2036-12-01 18:00", ends_at=ends_at)
        event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
        assert event_times(world, event_id)[:3] == (start, midnight, 0)


async def test_midnight_after_a_date_with_its_year_is_the_midnight_that_ends_the_day(
        world, fake):
    """"December 1 midnight" is the midnight that ends December 1, as "friday midnight"
    and 24:00 are; the same date typed with its year must name the same moment, not the
    midnight that begins the day, a day earlier (as an end, before the start: refused)."""
    start = int(datetime(2036, 12, 1, 18, tzinfo=UTC).timestamp())
    midnight = int(datetime(2036, 12, 2, tzinfo=UTC).timestamp())
    for title, ends_at in (("Midnight Talk", "December 1 midnight"),
                           ("Midnight Year Talk", "December 1, 2036 midnight"),
                           ("Midnight ISO Talk", "2036-12-01 at midnight")):
        reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                                  page=Attachment("t.txt", page(title), "text/plain"),
                                  starts_at="2036-12-01 18:00", ends_at=ends_at)
        found = re.search(r"\(event (\d+)\)", reply.content or "")
        assert found, (ends_at, reply.content)
        assert event_times(world, int(found[1]))[:3] == (start, midnight, 0), ends_at
    # as a start, through the edit form: the day the moderator named, not the one before
    event_id = await world.import_event("Midnight Start Talk", 5,
                                        starts_at="2036-11-01T18:00:00+00:00")
    await edited(world, event_id, {"start": "December 8, 2036 at midnight"})
    assert event_times(world, event_id)[0] == int(datetime(2036, 12, 9, tzinfo=UTC).timestamp())


async def test_a_time_line_under_the_date_or_labelled_lines_give_the_time_and_venue(world,
                                                                                   fake):
    """The US form: the date, then "6:00 PM - 8:00 PM EST" on a line of its own, then the
    place; or "Date:", "Time:" and "Location:" lines."""
    start = int(datetime(2036, 12, 5, 23, tzinfo=UTC).timestamp())
    end = int(datetime(2036, 12, 6, 1, tzinfo=UTC).timestamp())
    for title, header in (
            ("Shipping Forum", ("December 5, 2036", "6:00 PM - 8:00 PM EST", "Washington, DC")),
            ("Labelled Forum", ("Date: December 5, 2036", "Time: 6:00 PM - 8:00 PM EST",
                                "Location: Washington, DC"))):
        reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                                  page=Attachment("f.txt", page(title, *header), "text/plain"))
        assert f"When: <t:{start}:F>" in reply.content, reply.content
        assert "Where: Washington, DC" in reply.content, reply.content
        event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
        assert event_times(world, event_id)[:4] == (start, end, 0, "Washington, DC")


async def test_a_zone_typed_as_an_offset_is_that_offset_not_its_posix_mirror(world, fake):
    """An operator in Beijing types "GMT+8": the list offered Etc/GMT+8, which is POSIX's
    UTC−8 (its sign is the other way round), so a pick set the server 16 hours off.
    "UTC+8" and "GMT+8" now offer and set the zone of UTC+08:00, and every Etc/GMT zone
    offered says its offset, as the reply that sets it does."""
    for typed in ("GMT+8", "utc+8", "UTC+08:00"):
        choices = await fake.autocomplete(world.guild, world.moderator, "manage timezone",
                                          focused="zone", zone=typed)
        assert choices[0] == {"name": "Etc/GMT-8 (UTC+08:00)", "value": "Etc/GMT-8"}, choices
        for choice in choices:
            if choice["value"].startswith("Etc/GMT") and choice["value"] != "Etc/GMT":
                assert "(UTC" in choice["name"], choices
        assert all(c["value"] != "Etc/GMT+8" or "UTC−08:00" in c["name"] for c in choices)
    for typed in ("GMT+8", "UTC+8"):  # typed and sent without picking from the list
        reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone=typed)
        assert "**Etc/GMT-8 (UTC+08:00)**" in reply.content, reply.content
        now = datetime.now(UTC) + timedelta(hours=8)  # as an American's client writes it
        assert any(format_time(now - timedelta(minutes=back), "short", locale="en_US")
                   in reply.content for back in (0, 1)), reply.content
    # a city's name, sent before the list offered its zone
    reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone="New York")
    assert "**America/New_York**" in reply.content, reply.content
    for typed in ("UTC+15", "GMT+5:20"):  # no place keeps it
        reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone=typed)
        assert reply.ephemeral and "not a timezone" in reply.content, reply.content
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC")


async def test_a_city_typed_with_its_accents_or_in_full_width_letters_is_its_zone(world, fake):
    """Zones are named in plain ASCII ("America/Sao_Paulo"): a moderator typing their city
    as it is written, "São Paulo", "Zürich", "Bogotá", or in a Chinese keyboard's
    full-width letters, was offered nothing, and sent without a pick it was refused."""
    for typed, zone in (("São Paulo", "America/Sao_Paulo"), ("Zürich", "Europe/Zurich"),
                        ("Bogotá", "America/Bogota"), ("ｓｈａｎｇｈａｉ", "Asia/Shanghai"),
                        ("Ｎｅｗ Ｙｏｒｋ", "America/New_York")):
        choices = await fake.autocomplete(world.guild, world.moderator, "manage timezone",
                                          focused="zone", zone=typed)
        assert [choice["value"] for choice in choices] == [zone], (typed, choices)
        reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone=typed)
        assert f"**{zone}**" in reply.content, (typed, reply.content)
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC")


# Invisible characters that text copied from a web page or a chat carries: a zero-width
# space, a byte-order mark, direction marks and embeddings, a word joiner.
INVISIBLE = (("Asia/Tokyo\u200b", "Asia/Tokyo"), ("\ufeffAsia/Tokyo", "Asia/Tokyo"),
             ("\u202aAsia/Tokyo\u202c", "Asia/Tokyo"), ("Tokyo\u200e", "Asia/Tokyo"),
             ("UTC+9\u2060", "Etc/GMT-9"))


async def test_a_zone_pasted_with_invisible_characters_is_the_zone_it_shows(world, fake):
    """A zone pasted with a zero-width space or a direction mark was refused as "'Asia/Tokyo'
    is not a timezone I know" (the member sees no difference), and autocomplete offered
    nothing for it; typed times ignore such characters already."""
    for typed, zone in INVISIBLE:
        choices = await fake.autocomplete(world.guild, world.moderator, "manage timezone",
                                          focused="zone", zone=typed)
        assert zone in [choice["value"] for choice in choices], (typed, choices)
        reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone=typed)
        assert f"**{zone}" in reply.content, (typed, reply.content)
        assert world.query("SELECT timezone FROM guild_settings WHERE guild_id = ?",
                           (world.guild.id,)) == [(zone,)]
        await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC")
    # one of nothing else is no zone: said so, not "'' is not a timezone I know"
    for locale, says in (("en-US", "⚠️ The zone option can't be empty."),
                         ("zh-TW", "⚠️ 時區 選項不能為空。")):
        moderator = world.member(f"blank zone {locale}", locale=locale, manage_events=True)
        reply = await fake.slash(world.guild, moderator, "manage timezone", zone="\u200b")
        assert reply.ephemeral and reply.content == says, reply.content


async def test_a_link_pasted_with_invisible_characters_around_it_is_the_link_it_shows(
        world, fake):
    """A link pasted into the edit form with a zero-width space or a direction mark after
    or before it was refused as "the link must be a web address starting with https://"
    (the moderator had given one). One inside the address is still refused."""
    event_id = await world.import_event("Pasted Link Forum", 5,
                                        starts_at="2037-05-06T18:00:00+00:00")
    link = "https://example.org/talk"
    for pasted in (f"{link}\u200b", f"\ufeff{link}", f"\u202a{link}\u202c"):
        done = await edit_form(world, event_id, {"link": pasted})
        assert not done.content.startswith("⚠️"), (pasted, done.content)
        assert event_times(world, event_id)[4] == link, pasted
        await edit_form(world, event_id, {"link": ""})


async def test_an_edit_forms_time_holding_only_invisible_characters_is_empty(world, fake):
    """An end field left holding only a zero-width space (what a paste can leave) was
    refused as "I can't read the end '' as a time" rather than read as empty (no end); a
    start so left was refused as unreadable, not as empty."""
    event_id = await world.import_event("Blank End Forum", 5,
                                        starts_at="2037-05-06T18:00:00+00:00",
                                        ends_at="2037-05-06T20:00:00+00:00")
    done = await edit_form(world, event_id, {"end": "\u200b"})
    assert not done.content.startswith("⚠️"), done.content
    assert event_times(world, event_id)[:2] == (
        int(datetime(2037, 5, 6, 18, tzinfo=UTC).timestamp()), None)
    refused = await edit_form(world, event_id, {"start": "\ufeff\u200b"})
    assert refused.ephemeral and "can't be empty" in refused.content, refused.content


async def test_a_typed_time_of_invisible_characters_alone_is_refused_as_empty(world, fake):
    """starts_at sent as nothing but a zero-width space was refused as "I can't read
    starts_at '' as a time", quoting what looks like nothing; it is empty."""
    before = world.dump()
    for option in ("starts_at", "ends_at"):
        reply = await import_page(fake, world.guild, world.moderator, **{option: "\u200b"},
                                  page=Attachment("blank.txt", page("Blank Time Forum"),
                                                  "text/plain"))
        assert reply.ephemeral and " is empty; type a time such as " in reply.content, (
            option, reply.content)
    assert world.dump() == before


async def test_the_edit_forms_start_says_the_offset_of_an_etc_zone(world, fake):
    """"UTC+8" sets a server to Etc/GMT-8, whose name reads as the opposite offset: the
    edit form's start was labelled "Start (Etc/GMT-8)", asking a moderator in Beijing for
    times in what reads as UTC−8. It says the zone's offset, as the zones offered do."""
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC+8")
    try:
        event_id = await world.import_event("Etc Zone Label Talk", 5,
                                            starts_at="2037-05-06 18:00")
        for moderator in (world.moderator, world.member(locale="zh-TW", manage_events=True)):
            form = await fake.slash(world.guild, moderator, "manage edit", event=str(event_id))
            [start] = [c for row in form.modal["components"] for c in row["components"]
                       if c["custom_id"] == "start"]
            assert "UTC+08:00" in start["label"] and len(start["label"]) <= 45, start
    finally:
        await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC")


async def test_a_typed_time_refused_as_past_says_the_offset_of_an_etc_zone(world, fake):
    """A time typed for today that has gone by was refused as "2026-12-07 00:00
    (Etc/GMT-8), in the past" in a server set with "UTC+8": a moderator reads that zone
    as UTC−8. The refusal says the zone's offset, as the zones offered do."""
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC+8")
    try:
        event_id = await world.import_event("Etc Zone Past Talk", 5,
                                            starts_at="2037-05-06 18:00")
        refused = await edit_form(world, event_id, {"start": "today 00:00"})
        assert refused.ephemeral and "in the past" in refused.content, refused.content
        assert "(Etc/GMT-8 (UTC+08:00))" in refused.content, refused.content
    finally:
        await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC")


async def test_times_are_typed_in_the_servers_timezone(world, fake):
    choices = await fake.autocomplete(world.guild, world.moderator, "manage timezone",
                                      focused="zone", zone="asia/sha")
    assert [c["value"] for c in choices] == ["Asia/Shanghai"]
    bad = await fake.slash(world.guild, world.moderator, "manage timezone", zone="Mars/Base")
    assert bad.ephemeral and "not a timezone" in bad.content
    ok = await fake.slash(world.guild, world.moderator, "manage timezone", zone="Asia/Shanghai")
    assert "Asia/Shanghai" in ok.content

    reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                             page=Attachment("f.txt", page("Friday Talk"), "text/plain"),
                             starts_at="friday 6pm", ends_at="8pm", venue="Room 101")
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    starts_at, ends_at, all_day, venue, _ = event_times(world, event_id)
    local = datetime.fromtimestamp(starts_at, SHANGHAI)
    assert (local.weekday(), local.hour, local.minute) == (4, 18, 0)
    assert 0 < starts_at - time.time() <= 8 * 86400
    # the 24-hour clock as much of Europe writes it
    evening = await import_page(fake, world.guild, world.moderator, capacity=5,
                               page=Attachment("f.txt", page("Evening Talk"), "text/plain"),
                               starts_at="friday 18h30")
    evening_id = int(re.search(r"\(event (\d+)\)", evening.content)[1])
    local = datetime.fromtimestamp(event_times(world, evening_id)[0], SHANGHAI)
    assert (local.weekday(), local.hour, local.minute) == (4, 18, 30), evening.content
    # a numeric date, month first as in China (12月5日); Britain's 12/5 would be asked again
    numeric = await import_page(fake, world.guild, world.moderator, capacity=5,
                               page=Attachment("f.txt", page("Numeric Talk"), "text/plain"),
                               starts_at="12/5/2037 6pm")
    numeric_id = int(re.search(r"\(event (\d+)\)", numeric.content)[1])
    assert event_times(world, numeric_id)[0] == int(
        datetime(2037, 12, 5, 18, tzinfo=SHANGHAI).timestamp()), numeric.content
    assert ends_at - starts_at == 2 * 3600 and all_day == 0 and venue == "Room 101"
    assert f"<t:{starts_at}:F>" in reply.content

    # A page's CST in a server in Shanghai is China's, without a note.
    cst = await import_page(fake, world.guild, world.moderator, capacity=5,
                           page=Attachment("c.txt", page("China Talk",
                                                         "December 1, 2026, 6:00 PM CST"),
                                           "text/plain"))
    china = int(re.search(r"\(event (\d+)\)", cst.content)[1])
    assert event_times(world, china)[0] == int(datetime(2026, 12, 1, 10, tzinfo=UTC).timestamp())
    assert "could also mean" not in cst.content

    # A refusal shows a typed date as a date, and a time in the server's zone by its name
    # (CST could be China's or the US's); it begins with the option's name as written.
    for starts_at, words in [
            ("yesterday 6pm", r"would be \d{4}-\d\d-\d\d 18:00 \(Asia/Shanghai\), in the past"),
            ("yesterday", r"would be \d{4}-\d\d-\d\d, in the past"),
            ("Monday, May 5, 2037 6pm", "names a day of the week that 2037-05-05 is not"),
            ("whenever", "can't read"),
            ("(+1)", "can't read"), ("(2)", "can't read")]:  # a number alone names no day
        refused = await import_page(fake, world.guild, world.moderator, capacity=5,
                                   page=Attachment("r.txt", page("Refused Talk"), "text/plain"),
                                   starts_at=starts_at)
        assert refused.ephemeral and re.search(words, refused.content), refused.content
        assert "e.g." in refused.content
        assert refused.content.startswith(("⚠️ starts\\_at '", "⚠️ I can't")), refused.content
    # an end at the start's own clock is a slip, not a day-long event
    refused = await import_page(fake, world.guild, world.moderator, capacity=5,
                               page=Attachment("r.txt", page("Day Long Talk"), "text/plain"),
                               starts_at="friday 6pm", ends_at="6pm")
    assert refused.ephemeral and "is the start's own time of day" in refused.content, (
        refused.content)
    assert world.query("SELECT count(*) FROM events WHERE title = 'Day Long Talk'") == [(0,)]


async def event_with_two_members(world, fake, title: str, who: str):
    """The announcements channel set, an event of one seat starting 2037-05-06 18:00,
    and a member confirmed and one waitlisted: (channel, event id, the two members)."""
    channel = world.guild.channel("announcements")
    await fake.slash(world.guild, world.moderator, "manage channel", channel=channel)
    event_id = await world.import_event(title, 1, starts_at="2037-05-06 18:00")
    members = world.member(f"{who} confirmed"), world.member(f"{who} waiting")
    for member in members:
        await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    return channel, event_id, members


async def change_heard(fake, channel, title: str, members, stamp: int, venue: str) -> None:
    """The channel's change notice, and each member's DM, name the new start and venue."""
    notice = await fake.wait_message(
        channel, lambda m: "📅 Change" in (m["content"] or "") and title in m["content"])
    assert f"<t:{stamp}:F>" in notice["content"] and venue in notice["content"]
    for member in members:
        dm = await fake.wait_message(fake.dm_channel(member),
                                     lambda m: "changed" in m["content"] and title in m["content"])
        assert f"<t:{stamp}:F>" in dm["content"] and "@" not in dm["content"]


async def change_heard_once(fake, channel, title: str, members) -> None:
    await asyncio.sleep(1.0)  # time for a second notice or DM, were one due
    assert len([m for m in fake.messages(channel) if "📅 Change" in (m["content"] or "")
                and title in m["content"]]) == 1
    for member in members:
        assert len([m for m in fake.dms(member) if "changed" in m["content"]]) == 1


async def test_a_chinese_part_of_the_day_typed_without_its_hour_is_refused_not_moved(world,
                                                                                    fake):
    moderator = world.member("时段版主", locale="zh-CN", manage_events=True)
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="Asia/Shanghai")
    for typed in ("2031年6月1日下午", "明天下午"):
        refused = await fake.slash(world.guild, moderator, "manage import", capacity=5,
                                   page=Attachment("f.txt", page("Hourless Talk"), "text/plain"),
                                   starts_at=typed)
        assert refused.ephemeral and typed in refused.content, refused
        assert "(event " not in refused.content and len(refused.content.splitlines()) == 1
    noon = await import_page(fake, world.guild, moderator, capacity=5,
                             page=Attachment("f.txt", page("Noon Talk"), "text/plain"),
                             starts_at="2031年6月1日中午")
    event_id = int(re.search(r"(?:event|活动) (\d+)", noon.content)[1])
    local = datetime.fromtimestamp(event_times(world, event_id)[0], SHANGHAI)
    assert (local.date().isoformat(), local.hour) == ("2031-06-01", 12), noon.content


async def test_an_english_part_of_the_day_typed_without_its_hour_is_refused_not_a_day(world,
                                                                                      fake):
    before = world.query("SELECT count(*) FROM events")
    for typed in ("tomorrow evening", "tonight", "friday morning"):
        refused = await fake.slash(world.guild, world.moderator, "manage import", capacity=5,
                                   page=Attachment("f.txt", page("Evening Talk"), "text/plain"),
                                   starts_at=typed)
        assert refused.ephemeral and typed in refused.content, refused
        assert len(refused.content.splitlines()) == 1
    assert world.query("SELECT count(*) FROM events") == before
    asked = time.time()
    later = await import_page(fake, world.guild, world.moderator, capacity=5,
                              page=Attachment("f.txt", page("Later Talk"), "text/plain"),
                              starts_at="2 hours later")
    starts = event_times(world, int(re.search(r"event (\d+)", later.content)[1]))[0]
    assert abs(starts - (asked + 7200)) < 90, later.content  # to the minute, not a day


async def test_an_edit_moves_the_reminders_and_tells_everyone_once(world, fake):
    await in_shanghai(world, fake)  # the times typed and shown below are Shanghai's
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")
    title = "Edited Talk"
    channel, event_id, (confirmed, waiting) = await event_with_two_members(world, fake, title,
                                                                           "edit")
    await fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id))
    [announcement] = [m for m in fake.messages(channel)
                      if any(e.get("title") == title for e in m["embeds"])]

    opened = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    assert opened.modal is not None and len(opened.modal["title"]) <= 45
    values = {c["custom_id"]: c.get("value") or "" for row in opened.modal["components"]
              for c in row["components"]}
    assert values == {"title": title, "start": "2037-05-06 18:00", "end": "", "venue": "",
                      "link": ""}

    async def reopened() -> Reply:  # an answered form is closed: the moderator opens another
        return await fake.slash(world.guild, world.moderator, "manage edit",
                                event=str(event_id))

    for link in ("javascript:alert(1)", "https://example.org:abc/talk",
                 "https://exa\u200bmple.org/talk"):
        refused = await fake.submit_modal(opened, {"link": link})
        assert refused.ephemeral and "https://" in refused.content, (link, refused.content)
        opened = await reopened()
    refused = await fake.submit_modal(opened, {"start": "yesterday 6pm"})
    assert refused.ephemeral and "in the past" in refused.content
    # (the start emptied, though the form requires it: what only a modified client sends)
    refused = await fake.submit_modal(await reopened(), {}, mutate=field_as("start", ""))
    assert refused.ephemeral and "can't be empty" in refused.content
    assert event_times(world, event_id)[0] == int(
        datetime(2037, 5, 6, 18, tzinfo=SHANGHAI).timestamp())

    new_start = datetime.now(SHANGHAI).replace(microsecond=0) + timedelta(seconds=66)
    done = await fake.submit_modal(await reopened(), {
        "start": new_start.strftime("%Y-%m-%d %H:%M:%S"), "venue": "Hall B",
        "link": "https://example.org/talk"})
    stamp = int(new_start.timestamp())
    assert done.ephemeral and f"<t:{stamp}:F>" in done.content, done.content
    assert event_times(world, event_id) == (stamp, None, 0, "Hall B", "https://example.org/talk")
    assert world.query("SELECT user_id, status FROM rsvps WHERE event_id = ? ORDER BY seq",
                       (event_id,)) == [(confirmed.id, "confirmed"), (waiting.id, "waitlisted")]

    await change_heard(fake, channel, title, (confirmed, waiting), stamp, "Hall B")
    await eventually(lambda: f"<t:{stamp}:F>" in str(fake.messages(channel)[
        [m["id"] for m in fake.messages(channel)].index(announcement["id"])]["embeds"]),
        what="the announcement to show the new start")
    [scheduled] = [e for e in fake.scheduled_events(world.guild) if e["name"] == title]
    assert datetime.fromisoformat(scheduled["scheduled_start_time"]) == new_start

    # The reminder, due a minute before the new start, comes at the new time.
    reminder = await fake.wait_message(fake.dm_channel(confirmed),
                                       lambda m: "Reminder" in m["content"], timeout=20)
    assert f"<t:{stamp}:F>" in reminder["content"] and "Hall B" in reminder["content"]
    assert time.time() >= stamp - 61
    await change_heard_once(fake, channel, title, (confirmed, waiting))


async def test_an_edit_moving_an_event_sooner_after_a_reminder_still_sends_the_next(world,
                                                                                  fake):
    """Reminded three minutes ahead, then moved to forty seconds away: the one-minute
    reminder, which came due at the new start before the first went out, still comes."""
    await in_shanghai(world, fake)  # the times typed below are Shanghai's
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="3,1")
    title = "Brought Forward"
    _, event_id, (confirmed, _) = await event_with_two_members(world, fake, title, "sooner")

    def reminders() -> list[str]:
        return [m["content"] for m in fake.dms(confirmed) if "Reminder" in m["content"]]

    async def move_to(start: datetime) -> int:
        form = await fake.slash(world.guild, world.moderator, "manage edit",
                                event=str(event_id))
        done = await fake.submit_modal(form, {"start": start.strftime("%Y-%m-%d %H:%M:%S")})
        assert done.ephemeral and "⚠️" not in done.content, done.content
        return int(start.timestamp())

    now = datetime.now(SHANGHAI).replace(microsecond=0)
    first = await move_to(now + timedelta(minutes=3, seconds=3))
    await eventually(lambda: len(reminders()) == 1, timeout=20, what="the first reminder")
    assert f"<t:{first}:F>" in reminders()[0]
    sooner = await move_to(datetime.now(SHANGHAI).replace(microsecond=0)
                           + timedelta(seconds=40))
    await eventually(lambda: len(reminders()) == 2, timeout=20, what="the second reminder")
    assert f"<t:{sooner}:F>" in reminders()[1]


async def test_a_page_imported_again_with_a_new_start_and_venue_tells_everyone_once(world,
                                                                                    fake):
    """Importing the event's page again with `starts_at` and `venue` moves it, as an edit
    does: the members registered hear of it, once; the same page again, typing nothing,
    moves nothing and tells nobody."""
    title = "Moved By Import"
    channel, event_id, members = await event_with_two_members(world, fake, title, "import")
    first = event_times(world, event_id)[0]
    assert await world.import_event(title, 1) == event_id  # the same page: nothing moves
    moved = await world.import_event(title, 1, starts_at="2037-05-13 18:00", venue="Hall C")
    assert moved == event_id
    stamp = first + 7 * 86_400  # a week later, in the server's zone
    assert event_times(world, event_id)[0::3] == (stamp, "Hall C")
    await change_heard(fake, channel, title, members, stamp, "Hall C")
    await change_heard_once(fake, channel, title, members)


async def test_an_edit_keeps_a_stored_venue_longer_than_the_form_shows(world, fake):
    """A venue longer than the form's input (set before venues were held to 200
    characters) is shown cut; left as shown, the event keeps it whole and nobody is told
    of a change that did not happen."""
    event_id = await world.import_event("Long Venue Talk", 5, starts_at="2037-05-06 18:00")
    venue = "Hall " + "v" * 260
    conn = sqlite3.connect(world.db_path)
    with conn:
        conn.execute("UPDATE events SET venue = ? WHERE id = ?", (venue, event_id))
    conn.close()
    await fake.slash(world.guild, world.member("venue attendee"), "rsvp join",
                     event=str(event_id))
    opened = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    # (a new link is no news: a new title would be, as a new venue is)
    done = await fake.submit_modal(opened, {"link": "https://example.org/long-venue"})
    assert done.ephemeral and "I'll post the change" not in done.content, done.content
    assert world.query("SELECT link, venue FROM events WHERE id = ?", (event_id,)) == [
        ("https://example.org/long-venue", venue)]
    assert world.query("SELECT count(*) FROM outbox WHERE event_id = ? AND kind LIKE "
                       "'changed%'", (event_id,)) == [(0,)]


async def test_an_event_without_a_start_takes_a_venue_alone_from_the_form(world, fake):
    """The form's start is required only once the event has one: a venue may be settled
    before the date. An end still needs a start."""
    event_id = await world.import_event("Venue First Talk", 5, page=(
        b"Venue First Talk\n\nTong Zhao will moderate a discussion with Li Bin.\n"))
    assert event_times(world, event_id) == (None, None, 0, None, None)
    opened = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    required = {c["custom_id"]: c.get("required", True) for row in opened.modal["components"]
                for c in row["components"]}
    assert required == {"title": True, "start": False, "end": False, "venue": False,
                        "link": False}
    refused = await fake.submit_modal(opened, {"end": "2037-05-06 20:00"})
    assert refused.ephemeral and refused.content.endswith(
        "An end needs a start: type the start too.")
    opened = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    done = await fake.submit_modal(opened, {"venue": "Hall B"})
    assert done.ephemeral and "Where: Hall B" in done.content, done.content
    # no one has an RSVP: no count of members to DM
    assert done.content.endswith("I'll post the change in the announcements channel; no one "
                                 "is registered to DM."), done.content
    assert event_times(world, event_id) == (None, None, 0, "Hall B", None)


async def test_a_chinese_pages_us_eastern_time_is_read_on_a_server_in_beijing(world, fake):
    """"晚上8点-10点（美东时间）" is 8 PM in New York, in either script, wherever the server
    is: read in the server's zone, it was 12 hours early, and nothing said so."""
    await in_shanghai(world, fake)
    for number, fold in enumerate((str, traditional)):
        title = fold(f"大国竞争时代的军备控制{number}")
        text = "\n".join([title, "", fold("时间：2037年3月12日 晚上8点-10点（美东时间）"),
                          fold("地点：北京大学国际关系学院"), "",
                          fold("主持人：张三"), fold("主讲人：李四"), ""]).encode()
        reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                                  page=Attachment("talk.txt", text, "text/plain"))
        event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
        start = datetime(2037, 3, 13, 0, tzinfo=UTC)  # New York's 8 PM, on EDT from March 8
        assert event_times(world, event_id)[:3] == (
            int(start.timestamp()), int(start.timestamp()) + 2 * 3600, 0), reply.content


async def test_correcting_an_event_that_has_taken_place_tells_nobody(world, fake):
    """A moderator setting right the venue and the real times of an event that has taken
    place (from its recap) changes nobody's plans: the reply says it is not announced,
    nothing is posted and nobody is DMed. Moved to a date to come, it is news again."""
    title = "Finished Seminar"
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    event_id = await world.import_event(title, 5, starts_at=starts.isoformat())
    attendee = world.member("finished attendee")
    await fake.slash(world.guild, attendee, "rsvp join", event=str(event_id))
    await asyncio.sleep(until_past(starts, 0.5))
    channel = world.guild.channel("announcements")
    posted = len(fake.messages(channel))
    dms = len(fake.dms(attendee))
    for change in ({"venue": "Hall B"},
                   {"start": (starts - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")}):
        opened = await fake.slash(world.guild, world.moderator, "manage edit",
                                  event=str(event_id))
        done = await fake.submit_modal(opened, change)
        assert done.ephemeral and done.content.endswith(
            "It has taken place (or is archived), so the change is not announced and nobody "
            "is DMed: no one's plans change."), done.content
    assert world.query("SELECT venue FROM events WHERE id = ?", (event_id,)) == [("Hall B",)]
    await asyncio.sleep(1)  # a notice or a DM would have gone out by now
    assert len(fake.messages(channel)) == posted and len(fake.dms(attendee)) == dms
    opened = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    done = await fake.submit_modal(opened, {"start": "2037-05-06 18:00"})
    assert done.content.endswith("I'll post the change in the announcements channel and DM "
                                 "its 1 registered member."), done.content
    await fake.wait_message(channel, lambda m: f"**{title}**" in m["content"]
                            and "Change" in m["content"])


async def test_the_bot_logged_no_unexpected_error(world):
    assert "unexpected error" not in world.bot.output()
    assert "Traceback" not in world.bot.output()


async def test_a_reimport_typing_only_an_end_before_the_events_start_is_refused(world, fake):
    event_id = await world.import_event("Ordered Forum", capacity=5,
                                        starts_at="2031-03-04T18:00:00+00:00")
    before = world.dump()
    reply = await import_page(
        fake, world.guild, world.moderator, event=str(event_id), title="Ordered Forum",
        page=Attachment("announcement.txt", b"Ordered Forum\n\n" + OPEN_ANNOUNCEMENT,
                        "text/plain"), ends_at="2031-03-04T17:00:00+00:00")
    assert reply.ephemeral and "must come after the start" in reply.content, reply
    # the times as the bot's own Discord timestamps, each shown in the reader's zone
    end, start = (int(datetime(2031, 3, 4, hour, tzinfo=UTC).timestamp()) for hour in (17, 18))
    assert f"The end (<t:{end}:F>) must come after the start (<t:{start}:F>)." in reply.content
    assert world.dump() == before


async def test_an_all_day_end_before_its_start_is_refused_with_the_dates(world, fake):
    before = world.dump()
    reply = await fake.slash(world.guild, world.moderator, "manage import", capacity=5,
                             page=Attachment("f.txt", page("Backwards Days"), "text/plain"),
                             starts_at="2031-05-06", ends_at="2031-05-05")
    assert reply.ephemeral and "2031-05-05" in reply.content and "2031-05-06" in reply.content
    assert "<t:" not in reply.content and len(reply.content.splitlines()) == 1, reply
    assert world.dump() == before


def zone_where_the_day_differs(now: datetime) -> tuple[str, str, bool]:
    """(an Etc zone, a date, whether that all-day date is still on there) such that the
    day's end in that zone and at midnight UTC lie on either side of `now`, the zone's at
    least an hour away, whatever the hour the test runs at."""
    hours = now.hour + now.minute / 60
    if hours < 11:  # yesterday (UTC) is still today k hours west of UTC
        behind = min(int(hours) + 2, 12)
        return f"Etc/GMT+{behind}", f"{now.date() - timedelta(days=1)}", True
    ahead = min(int(25 - hours) + 1, 14)  # today (UTC) is already over k hours east of it
    return f"Etc/GMT-{ahead}", f"{now.date()}", False


async def test_an_all_day_event_runs_midnight_to_midnight_in_the_servers_zone(world, fake):
    zone, day, still_on = zone_where_the_day_differs(datetime.now(UTC))
    set_zone = await fake.slash(world.guild, world.moderator, "manage timezone", zone=zone)
    assert zone in set_zone.content, set_zone.content
    event_id = await world.import_event("Whole Day Workshop", capacity=5, starts_at=day)
    assert event_times(world, event_id)[2] == 1  # all day

    on, over = "confirmed", "already taken place"
    first = await fake.slash(world.guild, world.member("early"), "rsvp join",
                             event=str(event_id))
    assert (on if still_on else over) in first.content, first.content

    # The same date in UTC: the day moves with the server's zone, and so does its end.
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC")
    second = await fake.slash(world.guild, world.member("late"), "rsvp join",
                              event=str(event_id))
    assert (over if still_on else on) in second.content, second.content


async def test_an_event_ending_on_a_later_day_shows_the_date_of_its_end(world, fake):
    """An end within half a day of the start shows its time alone; later, its date too, or
    "– 17:00" would read as the afternoon of the first day."""
    spans = {"Overnight Vigil": ("2031-04-02 20:00", "2031-04-03 06:00", "t"),
             "Two Day Conference": ("2031-04-02 09:00", "2031-04-03 17:00", "f")}
    for title, (starts_text, ends_text, style) in spans.items():
        event_id = await world.import_event(title, capacity=5, starts_at=starts_text,
                                            ends_at=ends_text)
        starts, ends = event_times(world, event_id)[:2]
        info = text_of(await fake.slash(world.guild, world.member("reader"), "event info",
                                        event=str(event_id)))
        assert f"<t:{starts}:F> (<t:{starts}:R>) – <t:{ends}:{style}>" in info, info


async def test_an_all_day_event_ends_with_a_date_not_a_time(world, fake):
    await fake.slash(world.guild, world.moderator, "event list")  # the server has its sample
    before = world.dump()
    refused = await import_page(fake, world.guild, world.moderator, capacity=5,
                               page=Attachment("d.txt", page("Day And Time"), "text/plain"),
                               starts_at="2031-06-01", ends_at="2031-06-01 19:00")
    assert refused.ephemeral and "ends with a date" in refused.content, refused.content
    assert world.dump() == before

    event_id = await world.import_event("Two Day Forum", capacity=5, starts_at="2031-06-01",
                                        ends_at="2031-06-02")
    saved = event_times(world, event_id)
    # Lists show its date, as /event info does, not midnight UTC as a time of day, and
    # written out in the reply's language (the server's for the public list, the member's
    # for their own RSVPs): a timestamp of the date would show the next day to a reader
    # east of UTC+12.
    shown = [("event list", world.member("lister"), "Sunday, June 1, 2031"),
             ("rsvp mine", world.member("lister"), "Sunday, June 1, 2031"),
             ("rsvp mine", world.member("读者", locale="zh-CN"), "2031年6月1日星期日")]
    for command, member, date in shown:
        await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        reply = text_of(await fake.slash(world.guild, member, command))
        line = next(line for line in reply.splitlines() if "Two Day Forum" in line)
        assert date in line and "<t:" not in line, line
    refused = await edit_form(world, event_id, {"end": "2031-06-02 17:00"})
    assert refused.ephemeral and "ends with a date" in refused.content, refused.content
    assert event_times(world, event_id) == saved


async def test_a_multi_day_event_moved_with_the_form_keeps_its_number_of_days(world, fake):
    """An all-day event's form shows no end; moved with the end left as shown, a
    three-day event stays three days long (it used to shrink to one)."""
    event_id = await world.import_event("Three Day Summit", capacity=5, starts_at="2031-05-06",
                                        ends_at="2031-05-08")
    starts, ends, all_day = event_times(world, event_id)[:3]
    assert all_day == 1 and ends - starts == 3 * 86400
    moved = await edit_form(world, event_id, {"start": "2031-05-13"})
    assert moved.ephemeral and "Updated **Three Day Summit**" in moved.content, moved.content
    starts, ends, all_day = event_times(world, event_id)[:3]
    assert all_day == 1 and ends - starts == 3 * 86400
    # /event info shows the first and the last of its days
    info = text_of(await fake.slash(world.guild, world.member("reader"), "event info",
                                    event=str(event_id)))
    assert "Tuesday, May 13, 2031 – Thursday, May 15, 2031" in info, info


async def test_a_timed_event_moved_with_the_form_keeps_its_length(world, fake):
    """A two-hour event moved a day sooner, its end left as the form shows it, stays two
    hours long, as a calendar's does (it used to keep its old end: 26 hours, joinable
    until then); an end typed anew is the one taken."""
    event_id = await world.import_event("Moved Evening Talk", capacity=5,
                                        starts_at="2031-05-06 18:00", ends_at="2031-05-06 20:00")
    first, ends, all_day = event_times(world, event_id)[:3]
    assert all_day == 0 and ends - first == 2 * 3600
    moved = await edit_form(world, event_id, {"start": "2031-05-05 18:00"})
    assert moved.ephemeral and "Updated **Moved Evening Talk**" in moved.content, moved.content
    starts, ends, _ = event_times(world, event_id)[:3]
    assert starts == first - 86400 and ends - starts == 2 * 3600
    await edited(world, event_id, {"start": "2031-05-05 17:00", "end": "2031-05-05 21:00"})
    starts, ends, _ = event_times(world, event_id)[:3]
    assert ends - starts == 4 * 3600


async def test_a_pages_run_of_days_is_not_over_on_its_second_day(world, fake):
    """A page's "June 1, 2026 - June 3, 2026" is a three-day event, not its first day alone
    (which was over, refusing joins, on the second). Yesterday to tomorrow in UTC: whatever
    the server's zone (at most 14 hours from UTC), now is within those days there."""
    today = datetime.now(UTC).date()
    first, last = today - timedelta(days=1), today + timedelta(days=1)
    line = f"{first:%B} {first.day}, {first.year} - {last:%B} {last.day}, {last.year}"
    event_id = await world.import_event("Three Day Forum", 5, page("Three Day Forum", line))
    joined = await fake.slash(world.guild, world.member("midway"), "rsvp join",
                              event=str(event_id))
    assert "confirmed" in joined.content and "taken place" not in joined.content, joined.content
    starts, ends, all_day = event_times(world, event_id)[:3]
    assert (all_day, starts, ends - starts) == (
        1, int(datetime.combine(first, datetime.min.time(), UTC).timestamp()), 3 * 86400)


async def test_autocomplete_offers_the_next_event_first_dated_in_the_servers_zone(world,
                                                                                 fake):
    """A choice is plain text: its date is the server's, an all-day event's its own; two
    choices that would read the same carry their ids; and the soonest event comes first,
    as it does when a title shared by several events is typed."""
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="America/New_York")
    def page_of(title: str, session: str) -> bytes:  # a page each: one page is one event
        return f"{title}\n\n{session}\n".encode() + OPEN_ANNOUNCEMENT

    later = await world.import_event("Monthly Meetup", capacity=5, starts_at="2037-05-06 19:00",
                                     page=page_of("Monthly Meetup", "May"))
    sooner = await world.import_event("Monthly Meetup", capacity=5,  # 01:30 UTC, April 2
                                      starts_at="2037-04-01 21:30",
                                      page=page_of("Monthly Meetup", "April"))
    await world.import_event("Spring Fair", capacity=5, starts_at="2037-04-20")
    twins = [await world.import_event("Reading Circle", capacity=5,
                                      page=page_of("Reading Circle", f"session {n}"))
             for n in (1, 2)]
    member = world.member("chooser")
    choices = await fake.autocomplete(world.guild, member, "event info", focused="event",
                                      event="meetup")
    assert [(c["value"], c["name"]) for c in choices] == [
        (str(sooner), "Monthly Meetup (2037-04-01)"), (str(later), "Monthly Meetup (2037-05-06)")]
    [choice] = await fake.autocomplete(world.guild, member, "event info", focused="event",
                                       event="spring fair")
    assert choice["name"] == "Spring Fair (2037-04-20)"
    circles = await fake.autocomplete(world.guild, member, "event info", focused="event",
                                      event="reading circle")
    assert sorted(c["name"] for c in circles) == [f"Reading Circle #{n}" for n in twins]
    info = text_of(await fake.slash(world.guild, member, "event info", event="Monthly Meetup"))
    assert "Monthly Meetup" in info
    starts = event_times(world, sooner)[0]
    assert f"<t:{starts}:F>" in info, info  # the one to come first


async def test_a_start_typed_in_the_hour_the_clocks_skip_is_refused(world, fake):
    """On a London server, 01:30 on the night the clocks go forward is no time at all: the
    import is refused, saying which time to type, and nothing is saved."""
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="Europe/London")
    before = world.query("SELECT count(*) FROM events")
    reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                              starts_at="2037-03-29 01:30",
                              page=Attachment("s.txt", page("Skipped Hour Talk"), "text/plain"))
    assert reply.ephemeral and "clocks skip" in reply.content and "02:30" in reply.content, reply
    assert world.query("SELECT count(*) FROM events") == before


async def test_an_import_typing_an_end_for_an_event_with_no_start_is_refused(world, fake):
    """As in the edit form, an end needs a start: an import whose page gives no date, of
    an event that has none, refuses a typed end alone rather than save an event that ends
    but never begins."""
    before = world.dump()
    reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                              page=Attachment("e.txt", page("Endless Start Talk"), "text/plain"),
                              ends_at="2037-05-06 20:00")
    assert reply.ephemeral and "An end needs a start" in reply.content, reply
    assert world.dump() == before


# Titles that show nothing: a Hangul filler, zero-width spaces and joiners, a braille blank,
# and the other characters Unicode says are drawn as nothing (Default_Ignorable_Code_Point):
# the combining grapheme joiner, variation selectors, Khmer's inherent vowels.
INVISIBLE_TITLES = ("\u3164", "\u200b\u200b", "\u2060\u200d \ufeff", "\u2800", "\u115f\u1160",
                    "\u034f\ufe0f \u17b4\u180b\U000e0100")


async def test_a_title_that_shows_nothing_is_refused_on_import_and_in_the_edit_form(
        world, fake):
    event_id = await world.import_event("Visible Talk", 5)
    before = world.dump()
    for title in INVISIBLE_TITLES:
        reply = await import_page(
            fake, world.guild, world.moderator, title=title,
            page=Attachment("blank.txt", b"Blank Talk\n\n" + OPEN_ANNOUNCEMENT, "text/plain"))
        assert reply.ephemeral and reply.content == "⚠️ Title must be some text.", reply
        refused = await edit_form(world, event_id, {"title": title})
        assert refused.ephemeral and refused.content.endswith("Title must be some text."), (
            refused.content)
    assert world.dump() == before
    # a venue that shows nothing is none
    opened = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    await fake.submit_modal(opened, {"venue": "\u3164\u200b"})
    assert world.query("SELECT venue FROM events WHERE id = ?", (event_id,)) == [(None,)]
    typed = await world.import_event("Blank Venue Talk", 5, venue="\u3164\u200b")
    assert world.query("SELECT venue FROM events WHERE id = ?", (typed,)) == [(None,)]


async def test_an_end_typed_a_little_before_the_start_is_refused_not_the_next_day(world, fake):
    """The edit form's End read as a page's end is: earlier on the clock, it is the next
    day's only for an event of at most 12 hours or one into the small hours; "5pm" for a
    6pm start was a 23-hour event. An end said to be the next day's is."""
    await in_shanghai(world, fake)
    event_id = await world.import_event("Evening Social", capacity=5,
                                        starts_at="2031-12-05 18:00")
    start = int(datetime(2031, 12, 5, 18, tzinfo=SHANGHAI).timestamp())
    saved = event_times(world, event_id)
    for typed in ("5pm", "下午5点"):
        refused = await edit_form(world, event_id, {"end": typed})
        end = int(datetime(2031, 12, 5, 17, tzinfo=SHANGHAI).timestamp())
        assert refused.ephemeral and (f"The end (<t:{end}:F>) must come after the start "
                                      f"(<t:{start}:F>)") in refused.content, refused.content
        assert len(refused.content.splitlines()) == 1, refused.content
        assert event_times(world, event_id) == saved
    for typed, day, hour, said in (("2am", 6, 2, "Updated"), ("次日凌晨1点", 6, 1, "Updated"),
                                   ("1am next day", 6, 1, "Nothing changed:"),
                                   ("01:00 (+1)", 6, 1, "Nothing changed:"),
                                   ("次日下午5点", 6, 17, "Updated")):
        done = await edit_form(world, event_id, {"end": typed})
        assert done.ephemeral and f"{said} **Evening Social**" in done.content, done.content
        assert event_times(world, event_id)[:2] == (
            start, int(datetime(2031, 12, day, hour, tzinfo=SHANGHAI).timestamp())), typed


async def test_an_imports_typed_end_a_little_before_the_start_is_refused(world, fake):
    await in_shanghai(world, fake)
    before = world.dump()
    refused = await import_page(fake, world.guild, world.moderator, capacity=5,
                               page=Attachment("s.txt", page("Slip Talk"), "text/plain"),
                               starts_at="2031-12-05 18:00", ends_at="5pm")
    assert refused.ephemeral and "must come after the start" in refused.content, refused
    assert world.dump() == before
    reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                             page=Attachment("n.txt", page("Night Talk"), "text/plain"),
                             starts_at="2031-12-05 23:00", ends_at="次日凌晨1点")
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    assert event_times(world, event_id)[:2] == tuple(
        int(datetime(2031, 12, day, hour, tzinfo=SHANGHAI).timestamp())
        for day, hour in ((5, 23), (6, 1)))


async def test_an_all_day_events_end_typed_as_a_clock_is_told_to_be_a_date(world, fake):
    """An all-day start is a date, not a time of day before which a clock is a slip: a
    clock typed as its end is told to be a date, in a zone ahead of UTC too."""
    await in_shanghai(world, fake)
    event_id = await world.import_event("All Day Fair", capacity=5, starts_at="2031-12-05")
    saved = event_times(world, event_id)
    for typed in ("5am", "8am"):  # before and at 08:00, the date's midnight UTC in Shanghai
        refused = await edit_form(world, event_id, {"end": typed})
        assert refused.ephemeral and "ends with a date" in refused.content, refused.content
        assert event_times(world, event_id) == saved


async def test_a_pages_start_in_the_hour_the_clocks_skip_is_said_and_left_unset(world, fake):
    """On a New York server, a page's 02:30 on the night the clocks go from 02:00 to 03:00
    is no time at all: the import says so and leaves the start unset, where it was kept as
    03:30 without a word. An event across that night keeps its real length (5 hours, not
    the 6 its clocks show) in /event info and its calendar file."""
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="America/New_York")
    reply = await import_page(fake, world.guild, world.moderator, capacity=5, page=Attachment(
        "g.txt", page("Gap Talk", "March 8, 2037, 2:30 AM"), "text/plain"))
    # (the zone's "_" escaped, as Discord would otherwise read it as markdown)
    assert ("the page's start 2037-03-08 02:30 is no time in America/New\\_York: the clocks "
            "skip it") in reply.content, reply.content
    assert "/manage edit" in reply.content, reply.content
    gap = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    assert event_times(world, gap)[:2] == (None, None)

    night = await world.import_event("Night Talk", 5, page(
        "Night Talk", "March 7, 2037, 10:00 PM - 4:00 AM"))
    start, end = datetime(2037, 3, 8, 3, tzinfo=UTC), datetime(2037, 3, 8, 8, tzinfo=UTC)
    assert event_times(world, night)[:2] == (int(start.timestamp()), int(end.timestamp()))
    info = text_of(await fake.slash(world.guild, world.member(), "event info", event=str(night)))
    assert f"<t:{int(start.timestamp())}:F>" in info, info
    ics = await fake.slash(world.guild, world.member(), "event calendar", event=str(night))
    [entry] = Calendar.from_ical(ics.files[0][1]).walk("VEVENT")
    assert (entry.decoded("dtstart"), entry.decoded("dtend")) == (start, end)


async def test_a_start_typed_with_beijing_time_before_it_is_read_in_beijing_time(world, fake):
    """"北京时间 12月1日 18:00", as Chinese pages put the zone: read as the page's line is,
    not refused, on a server on UTC."""
    reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                              starts_at="北京时间 2036年12月1日 18:00",
                              page=Attachment("b.txt", page("Beijing First Talk"), "text/plain"))
    assert "Created" in reply.content, reply.content
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    assert event_times(world, event_id)[0] == int(
        datetime(2036, 12, 1, 18, tzinfo=SHANGHAI).timestamp())


async def test_a_typed_cst_a_utc_server_does_not_settle_is_said_as_a_pages_is(world, fake):
    """"6pm CST" typed as the start on a server on UTC is read as US Central, as a page's
    CST is there, and the preview says it could be China's, as it says of a page's."""
    preview = await fake.slash(world.guild, world.moderator, "manage import", capacity=5,
                               page=Attachment("c.txt", page("Typed Central Talk"),
                                               "text/plain"),
                               starts_at="December 1, 2036 6pm CST")
    assert ("Note: CST could also mean China Standard Time (UTC+8); I read it as US Central "
            "Standard Time (UTC−6). If that is wrong, type the time with the offset you mean, "
            "such as UTC+8." in preview.content.splitlines()), preview.content
    assert f"<t:{int(datetime(2036, 12, 2, tzinfo=UTC).timestamp())}:F>" in preview.content


async def test_a_time_the_clocks_show_twice_is_said_on_a_page_and_in_the_edit_form(world,
                                                                                  fake):
    """01:30 on the night New York's clocks go back happens twice: the page's and the typed
    one are both read as the first, and the preview and the edit form's reply say so, in a
    Chinese moderator's language too."""
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="America/New_York")
    first = int(datetime(2027, 11, 7, 5, 30, tzinfo=UTC).timestamp())
    said = ("Note: 2027-11-07 01:30 comes twice in America/New\\_York as the clocks go back; I "
            "read it as the first (UTC−4), not the second (UTC−5).")
    preview = await fake.slash(world.guild, world.moderator, "manage import", capacity=5,
                               page=Attachment("t.txt", page("Twice Talk",
                                                             "November 7, 2027, 1:30 AM"),
                                               "text/plain"))
    assert said in preview.content.splitlines() and f"<t:{first}:F>" in preview.content, (
        preview.content)
    moderator = world.member("回拨版主", locale="zh-CN", manage_events=True)
    for who, line in ((world.moderator, said), (moderator, (
            "注意：2027-11-07 01:30 在 America/New\\_York 会出现两次（时钟回拨）；"
            "我把它理解为第一次（UTC−4），而不是第二次（UTC−5）。"))):
        event_id = await world.import_event(f"Twice Edited Talk {who.id}", 5,
                                            starts_at="2027-11-08 18:00")
        opened = await fake.slash(world.guild, who, "manage edit", event=str(event_id))
        done = await fake.submit_modal(opened, {"start": "2027-11-07 01:30"})
        assert line in done.content.splitlines(), done.content
        assert event_times(world, event_id)[0] == first


async def test_a_zones_other_season_and_a_bracketed_zone_are_read_as_written_and_said(world,
                                                                                   fake):
    """A page's "6:00 PM EST" in July is New York's 6 PM (EDT), and the preview says so with
    the other reading, its timestamp the instant said; a start typed in the edit form with
    its zone in brackets ("18:00（北京时间）", "6pm (ET)" in July) is read in that zone."""
    evening = datetime(2037, 7, 10, 22, tzinfo=UTC)
    preview = await fake.slash(world.guild, world.moderator, "manage import", capacity=5,
                               page=Attachment("s.txt", page("Summer Eastern Talk",
                                                             "July 10, 2037, 6:00 PM EST"),
                                               "text/plain"))
    assert ("Note: the page's EST is UTC−5, but America/New\\_York is on UTC−4 on that day; "
            "I read 2037-07-10 18:00 on its clock (UTC−4), not at UTC−5. If UTC−5 was meant, "
            "set the start with /manage edit." in preview.content.splitlines()), preview.content
    assert f"<t:{int(evening.timestamp())}:F>" in preview.content
    moderator = world.member("夏令时版主", locale="zh-CN", manage_events=True)
    event_id = await world.import_event("Bracketed Zone Talk", 5, starts_at="2037-07-11 18:00")
    for typed, moment, said in (
            ("2037年7月10日 18:00（北京时间）", datetime(2037, 7, 10, 10, tzinfo=UTC), None),
            ("July 10 2037 6pm (ET)", evening, None),
            ("July 10 2037 6pm (EST)", evening,
             "注意：EST 是 UTC−5，但 America/New\\_York 当天用的是 UTC−4；我按当地时钟把 "
             "2037-07-10 18:00 理解为 UTC−4，而不是 UTC−5。如果你指的是 UTC−5，请输入时间并写上它，"
             "例如 2037-07-10 18:00 UTC-5。")):
        opened = await fake.slash(world.guild, moderator, "manage edit", event=str(event_id))
        done = await fake.submit_modal(opened, {"start": typed})
        assert event_times(world, event_id)[0] == int(moment.timestamp()), (typed, done.content)
        assert f"<t:{int(moment.timestamp())}:" in done.content, done.content
        if said is not None:
            assert said in done.content.splitlines(), done.content


async def test_a_summer_zones_time_the_clocks_skip_is_refused_naming_the_time_after_it(
        world, fake):
    """"2:30am EDT" on the night New York's clocks go forward (02:00 EST to 03:00 EDT) is no
    time on its clock, as "2:30am ET" is not: the edit form refuses it and names 03:30, the
    time after the change, as it does for "2:30am ET", not 01:30, which is before it; the
    start stays as it was."""
    event_id = await world.import_event("Skipped Summer Talk", 5, starts_at="2037-04-11 18:00")
    before = event_times(world, event_id)
    for typed in ("March 8 2037 2:30am EDT", "March 8 2037 2:30am ET",
                  "March 8 2037 2:30am (EST)"):
        done = await edit_form(world, event_id, {"start": typed})
        assert done.ephemeral and "clocks skip" in done.content, (typed, done.content)
        assert "e.g. 03:30" in done.content and "01:30" not in done.content, (typed,
                                                                                done.content)
        assert event_times(world, event_id) == before


async def test_a_zones_other_season_is_its_homes_clock_on_a_server_whose_clock_has_another_name(
        world, fake):
    """A page's "6:00 PM EST" in July is New York's 6 PM (EDT) on a server in Lima, whose
    clock is UTC−5 all year but is not called EST, as it is on a server anywhere else; on
    a server in Phoenix, whose clock is MST all year, a page's MST in July is that clock."""
    for zone, line, moment, noted in (
            ("America/Lima", "July 10, 2037, 6:00 PM EST", datetime(2037, 7, 10, 22, tzinfo=UTC),
             True),
            ("Africa/Lagos", "July 10, 2037, 18:00 CET", datetime(2037, 7, 10, 16, tzinfo=UTC),
             True),
            ("America/Phoenix", "July 10, 2037, 6:00 PM MST",
             datetime(2037, 7, 11, 1, tzinfo=UTC), False)):
        await fake.slash(world.guild, world.moderator, "manage timezone", zone=zone)
        preview = await fake.slash(world.guild, world.moderator, "manage import", capacity=5,
                                   page=Attachment("s.txt", page("Season Talk", line),
                                                   "text/plain"))
        assert f"<t:{int(moment.timestamp())}:F>" in preview.content, (zone, preview.content)
        assert ("on that day; I read 2037-07-10 18:00 on its clock" in preview.content) is noted, (
            zone, preview.content)


async def test_an_end_typed_without_a_zone_is_on_its_starts_zones_clock(world, fake):
    """A start typed with its zone ("Dec 10 2036 6pm EST", "12月10日 18:00 北京时间") and an
    end typed with none ("8pm", "20:00", "1am next day", "次日1:00") is on the start's
    clock, not the server's: the event is two hours long (not refused, nor 13 hours), on a
    server in Shanghai and on one on UTC, and the reply says the end was read so."""
    eastern = ZoneInfo("America/New_York")
    for server, start, end, starts, ends, said in (
            ("Asia/Shanghai", "Dec 10 2036 6pm EST", "8pm", datetime(2036, 12, 10, 18),
             datetime(2036, 12, 10, 20), True),
            ("UTC", "Dec 10 2036 6pm EST", "20:00", datetime(2036, 12, 10, 18),
             datetime(2036, 12, 10, 20), True),
            ("UTC", "Dec 10 2036 11pm EST", "1am next day", datetime(2036, 12, 10, 23),
             datetime(2036, 12, 11, 1), True),
            ("Asia/Shanghai", "Dec 10 2036 11pm EST", "次日1:00", datetime(2036, 12, 10, 23),
             datetime(2036, 12, 11, 1), True),
            ("UTC", "Dec 10 2036 11pm EST", "1am next day EST", datetime(2036, 12, 10, 23),
             datetime(2036, 12, 11, 1), False),
            ("UTC", "2036年12月10日 18:00 北京时间", "20:00",
             datetime(2036, 12, 10, 18, tzinfo=SHANGHAI),
             datetime(2036, 12, 10, 20, tzinfo=SHANGHAI), True),
            ("Asia/Shanghai", "2036年12月10日 18:00 北京时间", "次日1:00",
             datetime(2036, 12, 10, 18, tzinfo=SHANGHAI),
             datetime(2036, 12, 11, 1, tzinfo=SHANGHAI), False)):
        await fake.slash(world.guild, world.moderator, "manage timezone", zone=server)
        starts, ends = (moment if moment.tzinfo else moment.replace(tzinfo=eastern)
                        for moment in (starts, ends))
        event_id = await world.import_event(f"Zoned End Talk {start} {end}", 5,
                                            starts_at="2036-12-01 18:00")
        done = await edit_form(world, event_id, {"start": start, "end": end})
        assert done.ephemeral and "Updated" in done.content, (start, end, done.content)
        assert event_times(world, event_id)[:2] == (
            int(starts.timestamp()), int(ends.timestamp())), (server, start, end, done.content)
        assert all(f"<t:{int(moment.timestamp())}:" in done.content
                   for moment in (starts, ends)), done.content
        assert (f"Note: the end '{end}' names no zone, so I read it in the start's"
                in done.content) is said, (server, start, end, done.content)


async def test_every_bracketed_zone_no_reading_takes_is_refused_naming_it(world, fake):
    """An abbreviation no place has ("(XYZ)"), an offset none keeps ("(UTC+15)", "(+15)",
    "(-13)"), a Chinese zone's name ("（火星时间）"), one written out ("(Mars time)") or an
    IANA-shaped name in the edit form's time fields is refused in one line naming it and
    how to write one, not as a time that cannot be read nor a year out of range; what it
    names is escaped (it pings nobody) and shortened; the event is as it was."""
    event_id = await world.import_event("Bracketed Zone Talk", 5, starts_at="2036-12-01 18:00")
    before = event_times(world, event_id)
    long_name = "Abcdefghijklmnopqrst Uvwxyzabcdefghijklmn time"
    for field, typed, zone in (
            ("start", "Dec 10 2036 6pm (XYZ)", "XYZ"),
            ("end", "8pm (UTC+15)", "UTC+15"),
            ("start", "2036年12月10日 18:00（火星时间）", "火星时间"),
            ("start", "（火星時間）Dec 10 2036 18:00", "火星時間"),
            ("end", "Dec 1 2036 20:00 (Mars time)", "Mars time"),
            ("start", "Dec 10 2036 18:00 (-13)", "-13"),
            ("end", "20:00 (+15)", "+15"),
            ("start", "Dec 10 2036 18:00 (Europe/Nowhere)", "Europe/Nowhere"),
            ("start", f"Dec 10 2036 18:00 ({long_name})", "Abcdefghijklmnopqrst Uvwxyzab…"),
            ("start", "Dec 10 2036 18:00 (@everyone时间)", "@\u200beveryone时间")):
        refused = await edit_form(world, event_id, {field: typed})
        assert refused.ephemeral and len(refused.content.splitlines()) == 1, refused.content
        assert f"names a zone I can't read ({zone}); write it as an offset from UTC-12 to " \
               f"UTC+14" in refused.content, refused.content
        assert "e.g. Dec 1 18:00 (UTC+8)" in refused.content, refused.content
        assert "@everyone" not in refused.content, refused.content
        assert refused.message["mention_everyone"] is False, refused.message
        assert event_times(world, event_id) == before


async def test_two_times_typed_in_one_field_are_refused_not_read_as_a_date(world, fake):
    """"6-8pm" in the start field had been read as June at 8 PM ("3-4pm" as March), with no
    word: two times in one field are refused in one line, and the event is as it was."""
    event_id = await world.import_event("Two Times Talk", 5, starts_at="2036-12-01 18:00")
    before = event_times(world, event_id)
    for field, typed in (("start", "6-8pm EST"), ("start", "Dec 10 2036 18:00-20:00"),
                         ("end", "3-4pm"), ("start", "2036年12月10日 18点至20点")):
        refused = await edit_form(world, event_id, {field: typed})
        assert refused.ephemeral and len(refused.content.splitlines()) == 1, refused.content
        assert "holds two times; type the start and the end each in its own field" in \
            refused.content, refused.content
        assert event_times(world, event_id) == before


async def test_a_pages_end_in_the_other_season_from_its_zone_is_said(world, fake):
    """A page's "1:00 AM - 3:00 AM EST" on the night New York's clocks go forward ends at
    3:00 on New York's clock (EDT), and the preview says so, as the edit form says of a
    typed end; an end in its zone's own season, or with ET, is not said."""
    for line, end, said in (
            ("March 14, 2027, 1:00 AM - 3:00 AM EST", datetime(2027, 3, 14, 7, tzinfo=UTC),
             True),
            ("March 14, 2027, 1:00 AM - 3:00 AM ET", datetime(2027, 3, 14, 7, tzinfo=UTC),
             False),
            ("March 13, 2027, 6:00 PM - 8:00 PM EST", datetime(2027, 3, 14, 1, tzinfo=UTC),
             False)):
        preview = await fake.slash(world.guild, world.moderator, "manage import", capacity=5,
                                   page=Attachment("e.txt", page("Spring Night Talk", line),
                                                   "text/plain"))
        assert f"<t:{int(end.timestamp())}:" in preview.content, (line, preview.content)
        assert ("Note: the page's EST is UTC−5, but America/New\\_York is on UTC−4 at its end; "
                "I read the end 2027-03-14 03:00 on its clock (UTC−4), not at UTC−5. If UTC−5 "
                "was meant, set the end with /manage edit." in preview.content.splitlines()
                ) is said, (line, preview.content)


async def test_local_time_in_brackets_is_the_servers_clock_not_a_zone_refused(world, fake):
    """"6pm (local time)", "18:00（当地时间）", "18:00 (當地時間)", "(local) 6pm": whoever
    writes it means the event's own clock, which is the server's zone: read as a time that
    names no zone (in Shanghai here), where the edit form had refused it as "a zone I can't
    read"; an end so written is on its start's clock, as one naming no zone is."""
    await in_shanghai(world, fake)
    event_id = await world.import_event("Local Time Talk", 5, starts_at="2036-12-01 18:00")
    evening = int(datetime(2036, 12, 10, 18, tzinfo=SHANGHAI).timestamp())
    for typed in ("Dec 10 2036 6pm (local time)", "2036年12月10日 18:00（当地时间）",
                  "2036年12月10日 18:00 (當地時間)", "(local) Dec 10 2036 6pm",
                  "Dec 10 2036 6pm local time", "当地时间 2036年12月10日 18:00"):
        done = await edit_form(world, event_id, {"start": typed, "end": "8pm (local time)"})
        assert done.ephemeral and "Updated" in done.content, (typed, done.content)
        assert event_times(world, event_id)[:2] == (evening, evening + 7200), (typed,
                                                                               done.content)
        reset = await fake.submit_modal(
            await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id)),
            {"start": "Dec 1 2036 18:00", "end": "Dec 1 2036 20:00"})
        assert "Updated" in reset.content, reset.content


async def test_a_bracket_saying_which_time_it_is_is_no_zone(world, fake):
    """A bracket that says what the time is, not where ("(start time)", "(会议时间)",
    "(開始時間)", "(event time)", "(TBC)"): after a time it adds nothing a moderator needs
    read, so the time is read in the server's zone; alone, it is no time, refused with the
    line for a time that cannot be read, not as "a zone I can't read"; a real unknown zone
    is still named."""
    event_id = await world.import_event("Which Time Talk", 5, starts_at="2036-12-01 18:00")
    evening = int(datetime(2036, 12, 10, 18, tzinfo=UTC).timestamp())
    for typed in ("Dec 10 2036 18:00 (start time)", "2036年12月10日 18:00（会议时间）",
                  "2036年12月10日 18:00 (開始時間)", "Dec 10 2036 6pm (event time)",
                  "Dec 10 2036 18:00 (TBC)", "(start time) Dec 10 2036 18:00"):
        done = await edit_form(world, event_id, {"start": typed})
        # (the first moves it; each after it is the same moment typed otherwise)
        said = "Updated" if typed.endswith("(start time)") else "Nothing changed:"
        assert done.ephemeral and done.content.startswith(said), (typed, done.content)
        assert event_times(world, event_id)[0] == evening, (typed, done.content)
    before = event_times(world, event_id)
    for typed in ("(TBD)", "(start time)", "（会议时间）", "TBC (event time)"):
        refused = await edit_form(world, event_id, {"start": typed})
        assert refused.ephemeral and len(refused.content.splitlines()) == 1, refused.content
        assert "as a time; type e.g." in refused.content, (typed, refused.content)
        assert "zone" not in refused.content, (typed, refused.content)
        assert event_times(world, event_id) == before
    for typed, zone in (("Dec 10 2036 18:00 (XYZ)", "XYZ"), ("18:00 (Mars time)", "Mars time"),
                        ("18:00 (+15)", "+15"), ("18:00 (火星时间)", "火星时间")):
        refused = await edit_form(world, event_id, {"start": typed})
        assert f"names a zone I can't read ({zone})" in refused.content, refused.content


async def test_an_offset_no_etc_zone_has_offers_and_sets_the_zones_keeping_it(world, fake):
    """/manage timezone "GMT+5:45", "UTC+5:30", "UTC+9:30": no Etc zone has these offsets,
    so they were refused as no timezone. The zones on that offset today are offered first,
    and typed exactly the one such zone is set (Asia/Kathmandu); where several are (Kolkata
    and Colombo), the refusal names them in one line. Fullwidth "ＵＴＣ＋８" and "utc +8"
    with spaces are "UTC+8"."""
    for typed, offered in (("GMT+5:45", {"Asia/Kathmandu"}),
                           ("UTC+5:30", {"Asia/Kolkata", "Asia/Colombo"}),
                           ("UTC+9:30", {"Australia/Darwin"}),
                           ("ＵＴＣ＋８", {"Etc/GMT-8"}), ("utc +8", {"Etc/GMT-8"})):
        choices = await fake.autocomplete(world.guild, world.moderator, "manage timezone",
                                          focused="zone", zone=typed)
        assert 0 < len(choices) <= 25 and all(len(c["name"]) <= 100 for c in choices), choices
        assert offered <= {c["value"] for c in choices[:3]}, (typed, choices)
    reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone="GMT+5:45")
    assert "**Asia/Kathmandu**" in reply.content, reply.content
    for typed in ("ＵＴＣ＋８", "utc +8"):
        reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone=typed)
        assert "**Etc/GMT-8 (UTC+08:00)**" in reply.content, reply.content
    refused = await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC+5:30")
    assert refused.ephemeral and len(refused.content.splitlines()) == 1, refused.content
    assert "Asia/Kolkata" in refused.content and "Asia/Colombo" in refused.content, \
        refused.content
    moderator = world.member("时区版主", locale="zh-CN", manage_events=True)
    refused = await fake.slash(world.guild, moderator, "manage timezone", zone="UTC+5:30")
    assert "UTC+5:30 是今天多个地方的时区偏移（Asia/Colombo、Asia/Kolkata）" in refused.content, \
        refused.content
    reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC+9:30")
    assert "Australia/Darwin" in reply.content, reply.content  # set, or named among several
    for typed in ("UTC+15", "UTC+5:20"):  # no place keeps it
        reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone=typed)
        assert reply.ephemeral and "not a timezone" in reply.content, reply.content
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC")


async def test_a_typed_time_the_reader_cannot_place_is_refused_not_cut_to_a_day(world, fake):
    """A start typed as an hour in words without its half of the day, a month alone or a
    time in the past said in words is refused in one line, nothing changed, where it was
    saved as an all-day event on a day nobody typed; an hour in words with am/pm is that
    time; an end typed without its year before the start is refused, not next year's."""
    event_id = await world.import_event("Words For Times Talk", 5, starts_at="2036-12-10 18:00")
    before = event_times(world, event_id)
    for typed in ("at 7", "six", "December", "2 hours ago"):
        refused = await edit_form(world, event_id, {"start": typed})
        assert refused.ephemeral and len(refused.content.splitlines()) == 1, refused.content
        assert "as a time; type e.g." in refused.content, (typed, refused.content)
        assert event_times(world, event_id) == before, typed
    refused = await edit_form(world, event_id, {"end": "Dec 9 8pm"})
    assert refused.ephemeral and "more than 31 days after the start" in refused.content, (
        refused.content)
    assert event_times(world, event_id) == before
    done = await edit_form(world, event_id, {"start": "Dec 11 2036 seven pm", "end": ""})
    assert "Updated" in done.content, done.content
    assert event_times(world, event_id)[0] == int(datetime(2036, 12, 11, 19,
                                                           tzinfo=UTC).timestamp())


async def test_a_zones_abbreviation_typed_for_the_server_is_its_homes_clock(world, fake):
    """A moderator in New York types "EST" for /manage timezone: the list offered, and a
    send set, tzdata's zone EST, UTC−5 all year, so every time typed for a summer event was
    an hour late on New York's clock (a typed "6pm EST" in July is read on New York's
    clock, as the bot reads it on a page). An abbreviation with one home is that home's
    zone, as a Chinese place's name is; CST, which means China's or US Central's, is not
    guessed."""
    for typed, zone in (("EST", "America/New_York"), ("est", "America/New_York"),
                        ("PDT", "America/Los_Angeles"), ("MST", "America/Denver"),
                        ("JST", "Asia/Tokyo"), ("Beijing time", "Asia/Shanghai")):
        choices = await fake.autocomplete(world.guild, world.moderator, "manage timezone",
                                          focused="zone", zone=typed)
        assert choices[0]["value"] == zone, (typed, choices)
        reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone=typed)
        assert f"**{zone}**" in reply.content, (typed, reply.content)
    # set to New York, a 6pm typed for July is 6pm on its summer clock (UTC−4)
    await fake.slash(world.guild, world.moderator, "manage timezone", zone="EST")
    reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                              page=Attachment("f.txt", page("Summer Talk"), "text/plain"),
                              starts_at="July 10 2027 6pm")
    event_id = int(re.search(r"\(event (\d+)\)", reply.content)[1])
    assert event_times(world, event_id)[0] == int(datetime(2027, 7, 10, 22, tzinfo=UTC)
                                                  .timestamp())
    for typed in ("CST", "GMT", "UTC"):  # CST is asked; GMT and UTC are their own zones
        reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone=typed)
        assert (reply.ephemeral and "not a timezone" in reply.content if typed == "CST"
                else f"**{typed}**" in reply.content), (typed, reply.content)


async def test_a_date_typed_as_a_timed_events_end_is_the_end_of_that_day_on_the_servers_clock(
        world, fake):
    """A conference from "Dec 10 6pm" to "Dec 11", typed in a server on Asia/Shanghai: the
    end was kept as the midnight after Dec 11 in UTC, a moment, so members saw it end at
    08:00 on Dec 12 (and in New York at 19:00 on Dec 11, hours before its day was out). A
    date ending a timed event is the midnight that ends that day in the server's zone, as
    an all-day event's is, by import and by the edit form alike."""
    await in_shanghai(world, fake)
    reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                              page=Attachment("f.txt", page("Two Day Meeting"), "text/plain"),
                              starts_at="Dec 10 2027 6pm", ends_at="Dec 11 2027")
    assert start_and_end(world, reply, SHANGHAI) == (
        datetime(2027, 12, 10, 18, tzinfo=SHANGHAI),
        datetime(2027, 12, 12, tzinfo=SHANGHAI)), reply.content
    event_id = event_id_in(reply)
    await edited(world, event_id, {"end": "2027-12-12"})
    assert datetime.fromtimestamp(event_times(world, event_id)[1], SHANGHAI) == datetime(
        2027, 12, 13, tzinfo=SHANGHAI)
    # the end alone, the start the page's
    reply = await import_page(fake, world.guild, world.moderator, capacity=5, ends_at="Dec 11 2027",
                              page=Attachment("f.txt", page("Page Start Meeting",
                                                            "December 10, 2027, 6:00 PM"),
                                              "text/plain"))
    assert start_and_end(world, reply, SHANGHAI) == (
        datetime(2027, 12, 10, 18, tzinfo=SHANGHAI),
        datetime(2027, 12, 12, tzinfo=SHANGHAI)), reply.content


async def test_a_city_typed_in_english_whose_zone_is_named_for_another_is_its_zone(
        world, fake):
    """A moderator in Beijing types "Beijing" for /manage timezone: China's zone is named
    for Shanghai, so the list offered nothing and a send was refused as no timezone, where
    "北京" is taken; so with Shenzhen, Delhi or Seattle. Each is now its zone."""
    for typed, zone in (("Beijing", "Asia/Shanghai"), ("beij", "Asia/Shanghai"),
                        ("Shenzhen", "Asia/Shanghai"), ("Delhi", "Asia/Kolkata"),
                        ("Seattle", "America/Los_Angeles"), ("boston", "America/New_York")):
        choices = await fake.autocomplete(world.guild, world.moderator, "manage timezone",
                                          focused="zone", zone=typed)
        assert [c["value"] for c in choices][:1] == [zone], (typed, choices)
        if len(typed) > 4:
            reply = await fake.slash(world.guild, world.moderator, "manage timezone",
                                     zone=typed)
            assert f"**{zone}**" in reply.content, (typed, reply.content)
    # a zone named for the city typed is still the one offered first
    choices = await fake.autocomplete(world.guild, world.moderator, "manage timezone",
                                      focused="zone", zone="new")
    assert choices[0]["value"] == "America/New_York", choices


async def test_an_offset_typed_without_utc_is_that_offset(world, fake):
    """"+0800" and "+08:00", as ISO 8601 and every log line write an offset, were refused by
    /manage timezone as no timezone, and the list offered nothing, where "UTC+8" is taken."""
    for typed, zone, shown in (("+0800", "Etc/GMT-8", "UTC+08:00"),
                               ("+08:00", "Etc/GMT-8", "UTC+08:00"),
                               ("-05:00", "Etc/GMT+5", "UTC−05:00"),
                               ("+5:45", "Asia/Kathmandu", None)):
        choices = await fake.autocomplete(world.guild, world.moderator, "manage timezone",
                                          focused="zone", zone=typed)
        assert [c["value"] for c in choices][:1] == [zone], (typed, choices)
        reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone=typed)
        label = zone if shown is None else f"{zone} ({shown})"
        assert f"**{label}**" in reply.content, (typed, reply.content)
    refused = await fake.slash(world.guild, world.moderator, "manage timezone", zone="+15")
    assert refused.ephemeral and "not a timezone" in refused.content, refused.content


async def test_an_abbreviation_of_several_zones_offers_each_of_them_first(world, fake):
    """"CST" is China Standard Time to a moderator in Beijing: /manage timezone's list
    offered CST6CDT alone, US Central's clock, 14 hours from China's, a pick that set the
    server there. An abbreviation that means several zones offers each home first."""
    for typed, homes in (("CST", {"America/Chicago", "Asia/Shanghai"}),
                         ("ist", {"Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"})):
        choices = await fake.autocomplete(world.guild, world.moderator, "manage timezone",
                                          focused="zone", zone=typed)
        assert {c["value"] for c in choices[:len(homes)]} == homes, (typed, choices)


async def test_an_end_typed_alone_is_read_against_the_pages_start(world, fake):
    """A page gives its start, "December 10, 2027, 6:00 PM", and no end; the moderator
    imports it with ends_at "8pm": that was read as the next 8 PM from now, days before
    the page's start, and the import refused, saying the end came before the start. An end
    typed alone is read after the start the event will have, as with a start typed too:
    on the page's clock where the page names its zone ("6:00 PM EST": 8 PM in New York,
    not in Shanghai, 13 hours after), and an end on the next day ("1am next day") too,
    which was refused as an end without a start."""
    await in_shanghai(world, fake)
    new_york = ZoneInfo("America/New_York")
    for title, written, typed, zone, hours in (
            ("Evening Page", "December 10, 2027, 6:00 PM", "8pm", SHANGHAI, (18, 20)),
            ("Eastern Page", "December 11, 2027, 6:00 PM EST", "8pm", new_york, (18, 20)),
            ("Late Page", "December 12, 2027, 6:00 PM", "1am next day", SHANGHAI, (18, 25))):
        reply = await import_page(fake, world.guild, world.moderator, capacity=5,
                                  ends_at=typed, page=Attachment(
                                      "f.txt", page(title, written), "text/plain"))
        assert not reply.content.startswith("⚠️"), reply.content
        day = int(written.split()[1].rstrip(","))
        begins = datetime(2027, 12, day, hours[0], tzinfo=zone)
        assert start_and_end(world, reply, zone) == (
            begins, begins + timedelta(hours=hours[1] - hours[0])), (title, reply.content)


async def test_a_zone_name_guessed_from_its_city_is_that_citys_zone(world, fake):
    """"Asia/Beijing" is the name a moderator guesses for China's zone, which tzdata calls
    Asia/Shanghai: the list offered nothing for it and a send was refused. A zone name
    whose city is known by another zone's name is that zone."""
    for typed, zone in (("Asia/Beijing", "Asia/Shanghai"), ("asia/beij", "Asia/Shanghai"),
                        ("Asia/Delhi", "Asia/Kolkata")):
        choices = await fake.autocomplete(world.guild, world.moderator, "manage timezone",
                                          focused="zone", zone=typed)
        assert [c["value"] for c in choices][:1] == [zone], (typed, choices)
        if not typed.islower():
            reply = await fake.slash(world.guild, world.moderator, "manage timezone",
                                     zone=typed)
            assert f"**{zone}**" in reply.content, (typed, reply.content)


async def test_a_zone_typed_with_spaces_around_its_slash_is_that_zone(world, fake):
    """"Asia / Shanghai", as a phone's keyboard spaces it: the spaces became underscores
    ("asia_/_shanghai"), so the list offered nothing and a send was refused."""
    for typed, zone in (("Asia / Shanghai", "Asia/Shanghai"),
                        ("america/ new york", "America/New_York")):
        choices = await fake.autocomplete(world.guild, world.moderator, "manage timezone",
                                          focused="zone", zone=typed)
        assert [c["value"] for c in choices][:1] == [zone], (typed, choices)
        reply = await fake.slash(world.guild, world.moderator, "manage timezone", zone=typed)
        assert f"**{zone}**" in reply.content, (typed, reply.content)
