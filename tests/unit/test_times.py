"""The years an event may be in: checked where a time comes in, and never overflowing later."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.catalog import parse_datetime, read_event_folder
from bot.errors import InvalidValue
from bot.i18n import Text, language
from bot.reminders import scheduled_event_fields, scheduled_event_problem
from bot.times import saved_times_problem
from tests.conftest import ANNOUNCEMENT
from tests.unit.test_render import event

NOW = datetime(2026, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", [
    "9999-12-31T23:00Z", "0001-01-01T00:30+01:00", "1999-12-31T23:59:59Z",
    "2101-01-01T00:00Z", "9999-12-31T23:59:59-05:00",
])
def test_times_a_calendar_cannot_hold_are_refused_in_one_line(text):
    with pytest.raises(InvalidValue) as refused:
        parse_datetime(text)
    message = str(refused.value)
    assert "between the years 2000 and 2100" in message and text in message
    assert "\n" not in message


@pytest.mark.parametrize("text", ["2000-01-01T00:00Z", "2100-12-31T23:59:59Z",
                                  "2026-12-01T18:00+01:00"])
def test_times_within_the_years_are_accepted(text):
    assert parse_datetime(text) == datetime.fromisoformat(text)


def test_a_naive_time_is_still_refused():
    with pytest.raises(InvalidValue, match="no timezone"):
        parse_datetime("2026-12-01T18:00")


@pytest.mark.parametrize("line", [
    'starts_at = 9999-12-31T23:00:00Z',               # TOML's own datetime
    'starts_at = "0001-01-01T00:30+01:00"',           # text
    'ends_at = 0001-01-01T00:30:00+01:00',
])
def test_event_toml_times_go_through_the_same_check(tmp_path, line):
    (tmp_path / "announcement.txt").write_bytes(ANNOUNCEMENT.read_bytes())
    (tmp_path / "event.toml").write_text(
        f'title = "Far"\ncapacity = 5\n{line}\npages = ["announcement.txt"]\n')
    with pytest.raises(InvalidValue, match="between the years 2000 and 2100"):
        read_event_folder(tmp_path)


@pytest.mark.parametrize(("line", "shown"), [
    ('starts_at = "2026-12-01T18:00:00+15:00"', "'2026-12-01T18:00:00+15:00'"),
    ('starts_at = 2026-12-01T18:00:00-13:00', "2026-12-01T18:00:00-13:00"),  # TOML's own
    ('starts_at = "2026-12-01T18:00:00+01:00"\nends_at = "2026-12-01T20:00:00+14:30"',
     "'2026-12-01T20:00:00+14:30'"),
])
def test_event_toml_times_at_an_offset_no_place_has_are_refused(tmp_path, line, shown):
    """Offsets run from UTC-12:00 to UTC+14:00: another is a slip in the file, as a page's
    or a typed one is, not a moment to save."""
    (tmp_path / "announcement.txt").write_bytes(ANNOUNCEMENT.read_bytes())
    (tmp_path / "event.toml").write_text(
        f'title = "Far"\ncapacity = 5\n{line}\npages = ["announcement.txt"]\n')
    with pytest.raises(InvalidValue) as refused:
        read_event_folder(tmp_path)
    assert str(refused.value).endswith(
        f"{shown} has an offset from UTC no place has (they run from -12:00 to +14:00); "
        "e.g. 2026-12-01T18:00+01:00")


@pytest.mark.parametrize("starts_at", [
    datetime(9999, 12, 31, 23, 0, tzinfo=UTC), datetime(1, 1, 1, 0, 30, tzinfo=UTC)])
def test_a_far_time_saved_earlier_is_a_problem_not_an_overflow(starts_at):
    far = event(starts_at=starts_at, ends_at=None)
    problem = scheduled_event_problem(far, NOW)
    assert problem is not None and "between the years 2000 and 2100" in str(problem)


@pytest.mark.parametrize(("times", "simplified", "traditional"), [
    ({"starts_at": datetime(9999, 12, 31, 23, 0, tzinfo=UTC), "ends_at": None},
     "其开始时间不在 2000 年到 2100 年之间（请用 `/管理 编辑` 重新设置）",
     "其開始時間不在 2000 年到 2100 年之間（請用 `/管理 編輯` 重新設定）"),
    ({"starts_at": datetime(2026, 12, 1, tzinfo=UTC),
      "ends_at": datetime(9999, 12, 31, 23, 0, tzinfo=UTC)},
     "其结束时间不在 2000 年到 2100 年之间（请用 `/管理 编辑` 重新设置）",
     "其結束時間不在 2000 年到 2100 年之間（請用 `/管理 編輯` 重新設定）"),
    ({"starts_at": None, "ends_at": None}, "活动还没有开始时间（请用 `/管理 编辑` 设置）",
     "活動還沒有開始時間（請用 `/管理 編輯` 設定）"),
    ({"starts_at": NOW - timedelta(hours=1), "ends_at": None},
     "活动已经开始，而 Discord 只接受尚未开始的活动",
     "活動已經開始，而 Discord 只接受尚未開始的活動"),
])
def test_scheduled_event_problems_are_whole_clauses_in_each_language(times, simplified,
                                                                     traditional):
    problem = scheduled_event_problem(event(**times), NOW)
    assert isinstance(problem, Text)
    assert language("en-GB").text(problem) == str(problem)
    assert language("zh-CN").text(problem) == simplified
    assert language("zh-TW").text(problem) == traditional


def test_saved_times_problem_names_the_time_in_each_language():
    far = datetime(1, 1, 1, 0, 30, tzinfo=UTC)
    assert saved_times_problem(NOW, NOW + timedelta(hours=1)) is None
    assert str(saved_times_problem(far, None)) == (
        "its start is not between the years 2000 and 2100")
    assert language("zh-TW").text(saved_times_problem(NOW, far)) == (
        "其結束時間不在 2000 年到 2100 年之間")


def test_the_last_allowed_start_still_gets_a_default_end():
    last = event(starts_at=datetime(2100, 12, 31, 23, 59, tzinfo=UTC), ends_at=None)
    assert scheduled_event_problem(last, NOW) is None
    fields = scheduled_event_fields(last, language("en-US"))
    assert datetime.fromisoformat(fields["scheduled_end_time"]) == (
        last.starts_at + timedelta(hours=2))


@pytest.mark.parametrize(("starts_at", "ends_at", "problem"), [
    (datetime(1, 1, 1, tzinfo=UTC), None, "its start is not between the years 2000 and 2100"),
    (NOW, datetime(9999, 1, 1, tzinfo=UTC), "its end is not between the years 2000 and 2100"),
    (NOW, None, None)])
def test_a_saved_time_problem_names_the_start_or_the_end(starts_at, ends_at, problem):
    from bot.times import saved_times_problem
    found = saved_times_problem(starts_at, ends_at)
    assert (found if found is None else str(found)) == problem  # its English


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "America/New_York"])
def test_the_last_allowed_day_as_an_all_day_event_can_be_announced(zone):
    """2100-12-31 is within the years, typed or on a page; as an all-day event its end is
    the midnight after it, which the saved times' check must take, or the event that was
    accepted could then be neither announced nor a Discord event."""
    from bot.when import read_page_when
    from bot.when_typed import parse_typed
    for when in (parse_typed("2100-12-31", zone, NOW), read_page_when("December 31, 2100", zone)):
        assert when.all_day and when.ends_at == datetime(2101, 1, 1, tzinfo=UTC)
        assert saved_times_problem(when.starts_at, when.ends_at) is None
        last = event(starts_at=when.starts_at, ends_at=when.ends_at, all_day=True)
        assert scheduled_event_problem(last, NOW) is None
        fields = scheduled_event_fields(last, language("en-US"))
        assert fields["scheduled_end_time"] > fields["scheduled_start_time"]


def test_an_end_after_the_last_allowed_day_is_still_a_problem():
    assert str(saved_times_problem(NOW, datetime(2101, 1, 1, 0, 0, 1, tzinfo=UTC))) == (
        "its end is not between the years 2000 and 2100")
