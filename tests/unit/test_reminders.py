"""The pure rules and texts of reminders and Discord scheduled events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.errors import InvalidValue
from bot.i18n import language
from bot.models import Event
from bot.reminders import (
    DEFAULT_MINUTES,
    MAX_MINUTES,
    begun_event_payload,
    discord_event_begun,
    is_reminder_of,
    minutes_text,
    parse_minutes,
    reminder_dm,
    scheduled_event_details,
    scheduled_event_fields,
    scheduled_event_problem,
)

START = datetime(2030, 5, 1, 18, 0, tzinfo=UTC)

EN = language("en-US")


def event(**changes) -> Event:
    base = Event(
        id=1, guild_id=2, slug="talk", title="A Talk", venue=None, link=None, starts_at=START,
        ends_at=None, capacity=10, confirmed=0, waitlisted=0, registration_open=True,
        closed_reason=None, description="About it.", recap_summary="", language=None,
        translation=None, off_the_record=False, access_notes=(), has_recap=False, people=(),
        takeaways=())
    return replace(base, **changes)


@pytest.mark.parametrize(("text", "expected"), [
    ("1440,60", (1440, 60)), ("60, 1440", (1440, 60)), ("60 1440 60", (1440, 60)),
    ("1", (1,)), ("10080", (10080,)), ("1,2,3,4,5", (5, 4, 3, 2, 1)),
    ("off", ()), (" OFF ", ()), ("none", ()), ("0", ()),
    ("1440，60", (1440, 60)), ("１４４０、６０", (1440, 60)), ("60；1440\u30005", (1440, 60, 5)),
    ("ＯＦＦ", ()), ("关闭", ()), (" 關閉 ", ()),  # "off" as a Chinese client reads it
    ("1, 440", (440, 1)), ("60,120", (120, 60)), ("1440,060", (1440, 60)),
    ("1，440", (440, 1)), ("1、440", (440, 1)),  # a Chinese keyboard's list, never grouping
])
def test_parse_minutes(text, expected):
    assert parse_minutes(text) == expected


@pytest.mark.parametrize(("text", "words"), [
    ("abc", "not a whole number"), ("10081", "from 1 to 10,080"), ("-5", "not a whole number"),
    ("1.5", "not a whole number"), ("60,0", "not a whole number"), ("²", "not a whole number"),
    ("٣", "not a whole number"),
    ("1,2,3,4,5,6", "at most 5"), (",", "give the minutes"), ("", "give the minutes"),
    # a comma that may group thousands: "1,440" was taken for 1 and 440 minutes
    ("1,440", "1,440 could be 1440 minutes or two reminders, 1 and 440"),
    ("1,440,60", "could be 1440 minutes"), ("60 10,080", "could be 10080 minutes"),
])
def test_parse_minutes_refuses(text, words):
    with pytest.raises(InvalidValue, match=words):
        parse_minutes(text)


def test_minutes_text_and_default():
    assert DEFAULT_MINUTES == (1440, 60)
    assert minutes_text(EN, (1440, 60)) == "1 day and 1 hour"
    assert minutes_text(EN, (2880, 90, 1)) == "2 days, 1 hour 30 minutes and 1 minute"
    assert minutes_text(EN, ()) == "off"
    assert minutes_text(language("zh-CN"), (2880, 90, 1)) == "2 天、1 小时 30 分钟和 1 分钟"


def test_reminder_dm_says_the_title_and_the_start_as_a_discord_timestamp():
    text = reminder_dm(EN, 7, "@everyone **Loud**", START, "Hall <@1>")
    stamp = int(START.timestamp())
    assert f"<t:{stamp}:F>" in text and f"<t:{stamp}:R>" in text
    assert "\\*\\*Loud\\*\\*" in text and "@everyone" not in text.replace("@\u200beveryone", "")


def test_an_all_day_events_reminder_shows_its_date_alone_as_event_info_does():
    day = datetime(2037, 12, 1, tzinfo=UTC)
    begins = day - timedelta(hours=9)  # its day begins at midnight in Tokyo
    text = reminder_dm(EN, 7, "Open Day", begins, None, day)
    # the date written out, not a timestamp: that would be the next day east of UTC+12
    assert f"starts Tuesday, December 1, 2037 (<t:{int(begins.timestamp())}:R>)" in text, text
    assert ":F>" not in text


def test_a_reminder_with_a_huge_venue_still_fits_a_message():
    text = reminder_dm(EN, 7, "T" * 200, START, "Room 101, " + "V" * 1900)
    assert len(text) <= 2000
    assert "Room 101" in text and text.endswith("so your seat goes to the waitlist.")


def test_scheduled_event_fields():
    fields = scheduled_event_fields(event(venue="Hall A", link="https://example.org/talk"), EN)
    assert fields["name"] == "A Talk"
    assert fields["scheduled_start_time"] == START.isoformat()
    assert fields["scheduled_end_time"] == (START + timedelta(hours=2)).isoformat()
    assert fields["entity_type"] == 3 and fields["privacy_level"] == 2
    assert fields["entity_metadata"] == {"location": "Hall A"}
    assert fields["description"] == "About it.\n\nhttps://example.org/talk"
    long = scheduled_event_fields(event(title="T" * 300, description="word " * 400,
                                        ends_at=START + timedelta(minutes=45)), EN)
    assert len(long["name"]) <= 100 and len(long["description"]) <= 1000
    assert long["scheduled_end_time"] == (START + timedelta(minutes=45)).isoformat()
    assert long["entity_metadata"] == {"location": "Discord"}


def test_a_scheduled_events_description_in_two_languages_shows_the_servers_first():
    english, chinese = "About it. " * 60, "关于此次活动。" * 100  # together over 1,000
    both = event(description=f"{english.strip()}\n\n{chinese}")
    assert scheduled_event_fields(both, EN)["description"].startswith("About it.")
    in_chinese = scheduled_event_fields(both, language("zh-CN"))["description"]
    assert in_chinese.startswith(chinese[:100]) and len(in_chinese) <= 1000


def test_an_all_day_scheduled_event_spans_the_servers_day():
    day = datetime(2030, 5, 1, tzinfo=UTC)
    shanghai = event(starts_at=day, ends_at=day + timedelta(days=1), all_day=True,
                     start_offset=8 * 3600, end_offset=8 * 3600)
    fields = scheduled_event_fields(shanghai, EN)
    assert fields["scheduled_start_time"] == datetime(2030, 4, 30, 16, tzinfo=UTC).isoformat()
    assert fields["scheduled_end_time"] == datetime(2030, 5, 1, 16, tzinfo=UTC).isoformat()
    # It has begun in Shanghai at 17:00 UTC the day before, though not yet in UTC.
    assert "already started" in str(scheduled_event_problem(shanghai, day - timedelta(hours=7)))
    assert scheduled_event_problem(shanghai, day - timedelta(hours=9)) is None


def test_scheduled_event_problem():
    assert scheduled_event_problem(event(), START - timedelta(days=1)) is None
    assert "no start time" in str(scheduled_event_problem(event(starts_at=None), START))
    assert "already started" in str(scheduled_event_problem(event(), START))
    # Discord would find a start this near past by the time the request reached it
    assert "too soon" in str(scheduled_event_problem(event(), START - timedelta(seconds=30)))
    assert scheduled_event_problem(event(), START - timedelta(seconds=61)) is None


def test_a_begun_discord_event_takes_all_but_its_start_until_its_end():
    talk = event(ends_at=START + timedelta(hours=2), venue="Room 2")
    assert not discord_event_begun(talk, START - timedelta(seconds=61))
    assert discord_event_begun(talk, START - timedelta(seconds=30))  # Discord moves it no more
    assert discord_event_begun(talk, START + timedelta(hours=5))
    assert not discord_event_begun(event(starts_at=None), START)
    details = scheduled_event_details(talk, EN)
    under_way = begun_event_payload(details, START + timedelta(hours=1))
    assert "scheduled_start_time" not in under_way and "status" not in under_way
    assert under_way == {key: value for key, value in scheduled_event_fields(talk, EN).items()
                         if key != "scheduled_start_time"}
    assert under_way["entity_metadata"] == {"location": "Room 2"}
    # its end past, or too near for Discord to take it: ended instead
    ended = {"status": 3}
    assert begun_event_payload(details, START + timedelta(hours=2)) == ended
    assert begun_event_payload(details, START + timedelta(hours=2, seconds=-30)) == ended
    assert begun_event_payload(details, START + timedelta(hours=2, seconds=-61)) != ended


def test_the_scheduler_asks_again_before_next_due_could_miss_a_reminder():
    """`next_due` looks LOOKAHEAD ahead and answers None past it: the scheduler must ask
    again well before an event it left out can have a reminder due, and the longest
    offset a server may set must fit in the window the claims read. Reminders another
    process gave back at its stop are sent at the next timed wake-up: within a minute."""
    from bot.storage.reminder_walk import LOOKAHEAD, WINDOW
    from cogs.reminders import MAX_SLEEP

    assert MAX_SLEEP < LOOKAHEAD - WINDOW
    assert MAX_SLEEP <= 60
    assert WINDOW == MAX_MINUTES * 60


class _Answer:
    """What discord.HTTPException reads of an HTTP answer."""

    def __init__(self, status: int) -> None:
        self.status, self.reason = status, "?"


@pytest.mark.parametrize(("status", "body", "quoted"), [
    # Discord's message ends its own sentence: the reply's sentence has its full stop
    (400, {"code": 50035, "message": "Cannot schedule event in the past."},
     "Cannot schedule event in the past"),
    # a proxy's 502 page: one line, within 200 characters
    (502, "<html>\n<body>\n  Bad   gateway\n</body>\n</html>",
     "<html> <body> Bad gateway </body> </html>"),
    (503, "x" * 500, "x" * 199 + "…"),
    (500, "", "500"),  # nothing said: its status
])
def test_discord_s_refusal_is_quoted_on_one_line_without_a_second_full_stop(status, body, quoted):
    from bot.adapters.scheduled_events import discord_said

    said = discord_said(discord.HTTPException(_Answer(status), body))
    assert said == quoted


def test_a_reminder_is_known_by_its_title_and_start_in_any_language():
    """What the scheduler looks for in a member's DMs (a reminder the database lost, as
    after a restore): a reminder of the event (its title) starting then, whatever its
    language; another event's at that moment is not it."""
    for lang in (EN, language("zh-CN"), language("zh-TW"), language("en-GB")):
        text = reminder_dm(lang, 7, "Forum *One*", START, "Room 1")
        assert is_reminder_of(text, "Forum *One*", START), text
        assert not is_reminder_of(text, "Forum *One*", START + timedelta(hours=1))
        assert not is_reminder_of(text, "Forum", START)
        assert not is_reminder_of(text, "Forum *One* Two", START)
    assert not is_reminder_of(f"**Forum** starts <t:{int(START.timestamp())}:R>", "Forum",
                              START)


def test_a_reminder_names_its_server_and_is_told_from_another_servers_of_one_title():
    """A member of two servers, each with its "Forum" at one moment: each reminder names
    its server (a huge venue still leaves it room), and the scheduler's look in the DMs
    for one already sent tells the two apart."""
    for lang in (EN, language("zh-CN"), language("zh-TW"), language("en-GB")):
        north = reminder_dm(lang, 7, "Forum", START, "Room " + "V" * 1990, server="North *Club*")
        south = reminder_dm(lang, 7, "Forum", START, "Room 1", server="S" * 100)
        assert len(north) <= 2000 and "Room V" in north, north
        assert north.splitlines()[-1].endswith("**North \\*Club\\***"), north
        assert is_reminder_of(north, "Forum", START, "North *Club*")
        assert not is_reminder_of(north, "Forum", START, "S" * 100)
        assert is_reminder_of(south, "Forum", START, "S" * 100)
        assert not is_reminder_of(south, "Forum", START, "North *Club*")


def test_a_walk_that_passed_over_a_member_reads_no_further_chunk():
    """A member whose reminder waits for their promotion's DM keeps the walk's place before
    them; the walk reads no further chunk, so that a claim after a mass promotion does not
    read every member waiting (the ones behind a chunk of them wait with them)."""
    from bot.storage.reminder_walk import WALK_CHUNK, ReminderWindow, start_walk

    now = 1_000_000
    window = ReminderWindow(1, 2, "Talk", now + 1800, None, ((60, now - 1800),), now)
    rows = [{"user_id": u, "seq": u, "last_sent": -1} for u in range(1, WALK_CHUNK + 1)]
    free = start_walk(window, room=2 * WALK_CHUNK)
    free.take(rows)
    assert not free.done and free.through == WALK_CHUNK  # the next chunk is read
    walk = start_walk(window, room=2 * WALK_CHUNK, held={5: (now + 300, 5)})
    walk.take(rows)
    assert walk.done and walk.through == 4 and len(walk.found) == WALK_CHUNK - 1
    assert (walk.held_until, walk.next_at) == (now + 300, now - 1800)
    # a notice about another RSVP of theirs (a seat given up and taken anew) holds nobody
    other = start_walk(window, room=2 * WALK_CHUNK, held={5: (now + 300, 3)})
    other.take(rows)
    assert other.held_from is None and len(other.found) == WALK_CHUNK
