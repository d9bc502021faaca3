"""An event as an iCalendar file (RFC 5545), for `/event calendar`. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from bot.errors import Conflict
from bot.i18n import N_
from bot.models import Event

PRODUCT_ID = "-//eventbot//Discord event bot//EN"


def event_ics(event: Event, now: datetime | None = None) -> bytes:
    """The event as a one-event calendar; times in UTC, which every calendar converts."""
    if event.starts_at is None:
        raise Conflict(N_("{title} has no start time yet, so there is nothing to put in a "
                          "calendar; a moderator can set one with /manage edit"),
                       title=event.title)
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.id}-{event.guild_id}@eventbot")
    entry.add("dtstamp", now or datetime.now(UTC))
    if event.all_day:  # a DATE value: the day itself, not a moment in it
        day = event.starts_at.astimezone(UTC).date()
        entry.add("dtstart", day)
        last = event.ends_at.astimezone(UTC).date() if event.ends_at else day
        entry.add("dtend", max(last, day + timedelta(days=1)))
    else:
        entry.add("dtstart", event.starts_at.astimezone(UTC))
        if event.ends_at is not None:
            entry.add("dtend", event.ends_at.astimezone(UTC))
    entry.add("summary", event.title)
    if event.venue:
        entry.add("location", event.venue)
    description = event.description
    if event.link:
        entry.add("url", event.link)
        description = f"{description}\n\n{event.link}".strip()
    if description:
        entry.add("description", description)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    return calendar.to_ical()
