import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import unquote

import pytest
from icalendar import Calendar

from bot.calendar import event_ics
from bot.errors import Conflict
from tests.unit.test_render import event

PARIS = timezone(timedelta(hours=1))


def test_ics_has_the_event_at_the_right_instant():
    start = datetime(2026, 12, 1, 18, 0, tzinfo=PARIS)
    data = event_ics(event(starts_at=start, ends_at=start + timedelta(hours=2),
                           link="https://example.org/e/7", venue="Hall A"))
    [entry] = Calendar.from_ical(data).walk("VEVENT")
    assert entry.decoded("dtstart") == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert entry.decoded("dtend") == datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    assert str(entry["summary"]) == "Missile Defense"
    assert str(entry["location"]) == "Hall A"
    assert str(entry["url"]) == "https://example.org/e/7"
    assert "https://example.org/e/7" in str(entry["description"])
    assert str(entry["uid"]) == "event-7-1@eventbot"  # a row without its own UID
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")


def test_each_revision_of_the_event_is_a_later_sequence_of_the_same_entry():
    start = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    first, moved = (Calendar.from_ical(event_ics(event(starts_at=start, revision=revision)))
                    .walk("VEVENT")[0] for revision in (0, 3))
    assert (first["uid"], first["sequence"], moved["sequence"]) == (moved["uid"], 0, 3)


def test_an_event_without_a_start_has_no_calendar_entry():
    with pytest.raises(Conflict, match="no start time"):
        event_ics(event(starts_at=None, ends_at=None))


def text_value(ics: bytes, name: str) -> str:
    """A TEXT property of the file as a calendar reads it (RFC 5545 §3.1 unfolding, §3.3.11
    unescaping, in one pass). Not icalendar's reader: before 7.0 it took the "\\N" of an
    escaped backslash followed by an "N" for a line break, where the file is right."""
    unfolded = re.sub(rb"\r\n[ \t]", b"", ics).decode()
    [value] = re.findall(rf"^{name}(?:;[^:\r\n]*)?:(.*?)\r?$", unfolded, re.MULTILINE)
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def test_backslashes_and_control_characters_come_back_as_written_or_left_out():
    title, venue = "C:\\New, Things; \\Nope", "Room \\N1"
    ics = event_ics(event(title=title, venue=venue, description="C:\\Notes\x07 and\ttabs\r\nend"))
    assert b"\x07" not in ics
    assert (text_value(ics, "SUMMARY"), text_value(ics, "LOCATION")) == (title, venue)
    assert text_value(ics, "DESCRIPTION") == "C:\\Notes and\ttabs\nend"


# RFC 3986's URI characters, which RFC 5545's URI values are (§3.3.13)
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*")


def test_a_link_written_with_chinese_or_quotes_is_a_uri_in_the_file():
    """The bot takes links as members write them (an IRI); the file's URL must be a URI,
    so those characters go percent-encoded as UTF-8, and come back the same."""
    link = 'https://例子.测试/活动/北极论坛?名="赵通"&x={1}|^`#议程'
    ics = event_ics(event(link=link))
    unfolded = re.sub(rb"\r\n[ \t]", b"", ics).decode()
    url = re.search(r"^URL:(.*)\r$", unfolded, re.M).group(1)
    assert URI.fullmatch(url), url
    assert unquote(url) == link
    [entry] = Calendar.from_ical(ics).walk("VEVENT")
    assert str(entry["description"]).endswith(link)  # as written, for people to read


# RFC 3986's URI for an http(s) address, strictly: "%" only as an encoding, "[" and "]"
# only around an IP literal host, one "#".
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_HOST = r"(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)"
STRICT_URI = re.compile(rf"https?://{_HOST}(?::\d*)?(?:/{_PCHAR}*)*"
                        rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?")


@pytest.mark.parametrize("link", [
    "https://example.org/100%sure",  # a "%" that begins no encoding
    "https://example.org/agenda#day-1#panel",  # a second "#"
    "https://example.org/items[1]?page=[2]",  # brackets outside an IP literal
    "https://[2001:db8::1]/talk",  # ...and inside one
    "https://example.org/活动?名=李彬",
])
def test_a_link_the_bot_takes_is_a_uri_in_the_file(link):
    """RFC 5545 §3.3.13: a URL value is a URI (RFC 3986). These links were written with a
    lone "%", a second "#" or brackets as they were."""
    start = datetime(2031, 12, 1, 18, tzinfo=UTC)
    data = event_ics(event(link=link, starts_at=start, ends_at=None))
    [entry] = Calendar.from_ical(data).walk("VEVENT")
    url = str(entry["url"])
    assert STRICT_URI.fullmatch(url), url
    assert unquote(url) == link


def test_the_file_is_a_calendar_to_import_not_a_scheduling_message():
    """METHOD:PUBLISH made it an iTIP message (RFC 5546), which must name an ORGANIZER
    the bot does not have."""
    calendar = Calendar.from_ical(event_ics(event(starts_at=datetime(2031, 12, 1, tzinfo=UTC))))
    assert "METHOD" not in calendar


def test_an_event_with_its_own_calendar_uid_is_known_by_it():
    start = datetime(2031, 12, 1, 18, tzinfo=UTC)
    uid = "6f1c2f0e-3a59-4a4e-9d2b-0c1d2e3f4a5b"
    [entry] = Calendar.from_ical(event_ics(event(starts_at=start, calendar_uid=uid))
                                 ).walk("VEVENT")
    assert str(entry["uid"]) == uid


@pytest.mark.parametrize("text", ["A long description. ", "长描述，逗号；分号\\", "x\n", "😀"])
def test_a_file_over_the_upload_limit_has_its_description_cut_to_fit(text):
    """Discord takes uploads up to the interaction's limit (413, 40005 above it): a
    description that makes the file longer is cut where it fits, the rest of the entry
    whole, the link kept."""
    start = datetime(2031, 12, 1, 18, tzinfo=UTC)
    made = event(starts_at=start, description=text * 5_000, venue="Hall A",
                 link="https://example.org/e/7")
    whole = event_ics(made)
    for most in (len(whole), len(whole) - 1, 4_000, 1_500):
        data = event_ics(made, most=most)
        assert len(data) <= most, (most, len(data))
        [entry] = Calendar.from_ical(data).walk("VEVENT")
        description = str(entry["description"])
        assert str(entry["summary"]) == "Missile Defense" and str(entry["location"]) == "Hall A"
        assert description.endswith("https://example.org/e/7")
        if most < len(whole):
            assert "…" in description and len(data) > 0.9 * most  # (cut no shorter)
    with pytest.raises(Conflict, match="larger than Discord takes"):
        event_ics(made, most=300)


@pytest.mark.parametrize("text", ["🇨🇳", "e\u0301", "👩\u200d💻", "👍🏽"])
def test_a_description_cut_to_fit_keeps_each_character_whole(text):
    """A flag, an accented letter, a joined or toned emoji is one character a reader sees:
    the cut comes before it or after it, never between its code points."""
    made = event(starts_at=datetime(2031, 12, 1, 18, tzinfo=UTC), description=text * 3_000,
                 link=None)
    whole = len(event_ics(made))
    for most in range(whole // 2, whole // 2 + 40):
        kept = text_value(event_ics(made, most=most), "DESCRIPTION")
        assert kept.endswith("…") and len(kept[:-1]) % len(text) == 0, (most, kept[-6:])
