"""An event as an iCalendar file (RFC 5545), for `/event calendar`. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from icalendar import Calendar, vText
from icalendar import Event as CalendarEvent

from bot.errors import Conflict
from bot.i18n import N_
from bot.models import Event

PRODUCT_ID = "-//eventbot//Discord event bot//EN"
# What a URI holds besides letters, digits and "-._~" (RFC 3986's reserved characters), and
# "%" of what is encoded already
_URI_SAFE = "!#$%&'()*+,/:;=?@[]"
_CONTROLS = {c: None for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F)}  # not \t, \n


class _Text(vText):
    """A TEXT value escaped as RFC 5545 §3.3.11 has it. icalendar's own escaping first
    reads a backslash and "N" as an escaped line break, so "C:\\News" came back as two
    lines; control characters, which a TEXT value may not hold, are left out."""

    def to_ical(self) -> bytes:
        text = str(self).replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS)
        return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
                .replace("\n", "\\n").encode())


def event_ics(event: Event, now: datetime | None = None) -> bytes:
    """The event as a one-event calendar; times in UTC, which every calendar converts."""
    if event.starts_at is None:
        raise Conflict(N_("{title} has no start time yet, so there is nothing to put in a "
                          "calendar; a moderator can set one with /manage edit"),
                       title=event.title)
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.id}-{event.guild_id}@eventbot")
    entry.add("dtstamp", now or datetime.now(UTC))
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
    description = event.description
    if event.link:
        # A URL value is a URI (RFC 5545 §3.3.13): a link taken as written ("/活动", a quote)
        # goes percent-encoded as UTF-8, as RFC 3986 has it, the host too.
        entry.add("url", quote(event.link, safe=_URI_SAFE))
        description = f"{description}\n\n{event.link}".strip()
    if description:
        entry.add("description", _Text(description))
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    return calendar.to_ical()
