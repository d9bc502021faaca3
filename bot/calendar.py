"""An event as an iCalendar file (RFC 5545), for `/event calendar`. Pure."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit, urlunsplit

from icalendar import Calendar, vText
from icalendar import Event as CalendarEvent

from bot.characters import whole_character_end
from bot.errors import Conflict
from bot.i18n import N_
from bot.models import Event

PRODUCT_ID = "-//eventbot//Discord event bot//EN"
# What a URI holds besides letters, digits and "-._~" (RFC 3986's reserved characters), and
# "%" of what is encoded already
_URI_SAFE = "!#$%&'()*+,/:;=?@[]"
_CONTROLS = {c: None for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F)}  # not \t, \n
# A "%" that begins no percent-encoding ("100%sure"): a URI holds it only as "%25".
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# What a file of a description cut to fit may hold beyond the file without one: the
# DESCRIPTION property's name and the ellipsis; and a line folded at most every 75 octets
# (RFC 5545 §3.1), CRLF and a space each time, sooner where a character would be split.
_DESCRIPTION_ROOM = 64
_FOLDED = 78 / 70


class _Text(vText):
    """A TEXT value escaped as RFC 5545 §3.3.11 has it. icalendar's own escaping first
    reads a backslash and "N" as an escaped line break, so "C:\\News" came back as two
    lines; control characters, which a TEXT value may not hold, are left out."""

    def to_ical(self) -> bytes:
        text = str(self).replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS)
        return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
                .replace("\n", "\\n").encode())


def event_ics(event: Event, now: datetime | None = None, most: int | None = None) -> bytes:
    """The event as a one-event calendar; times in UTC, which every calendar converts. At
    most `most` bytes (what Discord takes as an upload there): a description that makes it
    longer is cut, with an ellipsis, where the rest of the file fits."""
    if event.starts_at is None:
        raise Conflict(N_("{title} has no start time yet, so there is nothing to put in a "
                          "calendar; a moderator can set one with /manage edit"),
                       title=event.title)
    now = now or datetime.now(UTC)
    whole = _calendar(event, now, event.description)
    if most is None or len(whole) <= most:
        return whole
    room = most - len(_calendar(event, now, "")) - _DESCRIPTION_ROOM
    if room <= 0:
        raise Conflict(N_("the calendar file of {title} is larger than Discord takes as an "
                          "upload here"), title=event.title)
    kept = _longest_within(event.description, room)
    cut = _calendar(event, now, _cut(event.description, kept))
    while len(cut) > most and kept:  # (the folds' estimate is an upper bound: not met)
        kept -= max(1, len(cut) - most)
        cut = _calendar(event, now, _cut(event.description, max(kept, 0)))
    return cut


def _cut(text: str, end: int) -> str:
    """`text` up to `end`, or to the start of the character drawn across it (a flag, an
    accent, a joined emoji: never half of one), with an ellipsis."""
    if end < len(text):
        end = whole_character_end(text, end)
    return text[:end].rstrip() + "…"


def _longest_within(text: str, room: int) -> int:
    """The length of the longest start of `text` whose escaped, folded value takes at most
    `room` octets; by halves, each a slice escaped (bounded by the text's own size)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if len(_Text(text[:middle]).to_ical()) * _FOLDED <= room:
            low = middle
        else:
            high = middle - 1
    return low


def _calendar(event: Event, now: datetime, description: str) -> bytes:
    assert event.starts_at is not None  # (`event_ics`)
    entry = CalendarEvent()
    entry.add("uid", event.calendar_uid or f"event-{event.id}-{event.guild_id}@eventbot")
    entry.add("dtstamp", now)
    # The same UID with a higher SEQUENCE is an update: a calendar that kept an earlier
    # copy moves it, where an equal one may be ignored as already known.
    entry.add("sequence", event.revision)
    if event.all_day:  # a DATE value: the day itself, not a moment in it
        day = event.starts_at.astimezone(UTC).date()
        entry.add("dtstart", day)
        last = event.ends_at.astimezone(UTC).date() if event.ends_at else day
        entry.add("dtend", max(last, day + timedelta(days=1)))
    else:
        entry.add("dtstart", event.starts_at.astimezone(UTC))
        if event.ends_at is not None:
            entry.add("dtend", event.ends_at.astimezone(UTC))
    entry.add("summary", _Text(event.title))
    if event.venue:
        entry.add("location", _Text(event.venue))
    if event.link:
        entry.add("url", link_uri(event.link))
        description = f"{description}\n\n{event.link}".strip()
    if description:
        entry.add("description", _Text(description))
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    # No METHOD: a file to import is a calendar object (RFC 5545), where METHOD:PUBLISH
    # makes it a scheduling message (RFC 5546), which must name an ORGANIZER.
    calendar.add_component(entry)
    return calendar.to_ical()


def link_uri(link: str) -> str:
    """A URL value is a URI (RFC 5545 §3.3.13, RFC 3986): a link taken as written ("/活动",
    a quote) goes percent-encoded as UTF-8, the host too; so does a "%" that begins no
    encoding, a "#" after the fragment's own, and "[" or "]" outside the host, which only
    an IPv6 address there may hold."""
    encoded = _LONE_PERCENT.sub("%25", quote(link, safe=_URI_SAFE))
    try:
        parts = urlsplit(encoded)
    except ValueError:  # a "[" in the host that is no IPv6 address: encoded as the rest
        return encoded.replace("[", "%5B").replace("]", "%5D")
    brackets = str.maketrans({"[": "%5B", "]": "%5D"})
    return urlunsplit((parts.scheme, parts.netloc, parts.path.translate(brackets),
                       parts.query.translate(brackets),
                       parts.fragment.translate(brackets).replace("#", "%23")))
