"""Reminders, attendee roles and Discord scheduled events: the rules and texts. Pure.

`cogs/reminders.py`, `bot/adapters/attendee_roles.py` and `bot/adapters/scheduled_events.py`
do the Discord side; `bot/storage/sqlite/reminders.py` holds the queries. What lives here is
tested without Discord or a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.catalog import MAX_LINK
from bot.characters import without_invisible
from bot.errors import InvalidValue
from bot.i18n import N_, Language, Text
from bot.models import Event
from bot.render import (
    CONTENT,
    EMBED_TITLE,
    NAME,
    clip,
    from_server,
    reader_first,
    safe_clip,
    start_text,
    timestamp,
    without_bidi_controls,
)
from bot.times import DEFAULT_REMINDER_MINUTES, MAX_REMINDER_MINUTES, saved_times_problem

DEFAULT_MINUTES = DEFAULT_REMINDER_MINUTES
MAX_MINUTES = MAX_REMINDER_MINUTES
MAX_OFFSETS = 5

# Discord's limits for guild scheduled events.
SCHEDULED_NAME = 100
SCHEDULED_DESCRIPTION = 1000
SCHEDULED_LOCATION = 100
# External scheduled events must have an end time on Discord; an event that gives none
# is shown as lasting this long.
DEFAULT_DURATION = timedelta(hours=2)
ENTITY_EXTERNAL = 3  # guild scheduled event entity type
PRIVACY_GUILD_ONLY = 2
STATUS_ACTIVE = 2  # a guild scheduled event's status while it goes on
STATUS_COMPLETED = 3  # a guild scheduled event's status once it has ended


# What a Chinese keyboard types: full-width digits and punctuation ("１４４０，６０"), the
# enumeration comma ("1440、60") and the ideographic space.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {
    ord("、"): ",", ord("\u3000"): " "}


# "off" as typed, and as a Chinese client shows it (the `off` choice of /manage
# scheduled-events and the catalogs' word for "off": 关闭, 關閉): the word they read.
_OFF = frozenset(("off", "none", "0", "no", "关闭", "關閉"))

# "1,440": a comma grouping thousands, or two reminders (1 and 440 minutes)? Only the
# ASCII comma groups thousands; "1，440" and "1、440" are lists as a Chinese keyboard types them.
_GROUPED = re.compile(r"(?<![\d,])(\d{1,2}),(\d{3})(?![\d])")


def parse_minutes(text: str) -> tuple[int, ...]:
    """`/manage reminders`: "1440,60" -> (1440, 60); "off" (or "none", "0") -> ().

    Whole minutes from 1 to MAX_MINUTES, at most MAX_OFFSETS of them, returned
    distinct and largest first. Raises InvalidValue with a message for the moderator.
    """
    text = without_invisible(text)  # pasted with a zero-width space: read as it shows
    cleaned = text.translate(_HALF_WIDTH).strip().casefold()
    if cleaned in _OFF:
        return ()
    grouped = _GROUPED.search(text.strip())
    if grouped is not None and int(whole := "".join(grouped.groups())) <= MAX_MINUTES:
        raise InvalidValue(N_("{typed} could be {whole} minutes or two reminders, {first} and "
                              "{second} minutes before: write {whole} without the comma, or "
                              "put a space after the comma for two"),
                           typed=grouped.group(), whole=int(whole),
                           first=int(grouped.group(1)), second=int(grouped.group(2)))
    parts = [p.strip() for p in cleaned.replace(";", ",").replace(" ", ",").split(",")]
    parts = [p for p in parts if p]
    if not parts:
        raise InvalidValue(N_('give the minutes before the start, e.g. "1440,60" for a day and '
                              'an hour before, or "off"'))
    minutes = []
    for part in parts:
        if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= MAX_MINUTES:
            raise InvalidValue(N_("{typed!r} is not a whole number of minutes from 1 to "
                                  "{most:,} (a week); e.g. \"1440,60\" for a day and an hour "
                                  "before the start, or \"off\""),
                               typed=clip(part, 20), most=MAX_MINUTES)
        minutes.append(int(part))
    distinct = sorted(set(minutes), reverse=True)
    if len(distinct) > MAX_OFFSETS:
        raise InvalidValue(N_("at most {most} reminders per event; you gave {given}"),
                           most=MAX_OFFSETS, given=len(distinct))
    return tuple(distinct)


def minutes_text(lang: Language, minutes: Iterable[int]) -> str:
    """(1440, 60) -> "1 day and 1 hour"; () -> "off"."""
    parts = [_duration(lang, m) for m in minutes]
    if not parts:
        return lang._("off")
    if len(parts) == 1:
        return parts[0]
    return lang._("{earlier} and {last}", earlier=lang._(", ").join(parts[:-1]), last=parts[-1])


def _duration(lang: Language, minutes: int) -> str:
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    units = [lang.ngettext("{count} day", "{count} days", days, count=days) if days else "",
             lang.ngettext("{count} hour", "{count} hours", hours, count=hours) if hours else "",
             lang.ngettext("{count} minute", "{count} minutes", mins, count=mins) if mins else ""]
    return " ".join(unit for unit in units if unit)


def reminder_dm(lang: Language, event_id: int, title: str, starts_at: datetime,
                venue: str | None, day: datetime | None = None,
                server: str | None = None) -> str:
    """The reminder a confirmed member gets; the start shows in their own timezone, an
    all-day event's `day` as its date alone, as `/event info` shows it, and the DM ends
    with its `server` (`from_server`). The venue gets the room the rest leaves in a
    message (a long one is clipped). Its `/rsvp cancel` names the event: without it, the
    command means the server's next event, where the member may hold another seat."""
    start = timestamp(starts_at) if day is None else start_text(lang, day, all_day=True)
    fields = {"title": f"**{safe_clip(title, EMBED_TITLE)}**", "start": start,
              "relative": timestamp(starts_at, "R"), "event": lang.option_name("event"),
              "event_id": str(event_id)}
    if venue:
        # The venue gets the room the rest of the DM leaves.
        room = CONTENT - len(from_server(lang, _reminder_at(lang, fields, ""), server))
        if room > 0:
            return from_server(lang, _reminder_at(lang, fields, safe_clip(venue, room)), server)
    return from_server(lang, _reminder_text(lang, fields), server)


def _reminder_text(lang: Language, fields: dict[str, str]) -> str:
    return lang._("⏰ Reminder: {title} starts {start} ({relative}). You're confirmed; use "
                  "`/rsvp cancel {event}:{event_id}` if you can no longer come, so your seat "
                  "goes to the waitlist.", **fields)


def is_reminder_of(content: str, title: str, starts_at: datetime,
                   server: str | None = None) -> bool:
    """Whether a DM's text is a reminder (`reminder_dm`, in any language) of the event
    `title` that starts at `starts_at`, in `server`: it begins with the alarm clock and
    shows that title and that start, relative, and ends with that server's name. Another
    event at the same moment (in this server or another the member shares with the bot,
    even of the same title) has its own reminder."""
    return (content.startswith("⏰") and f"**{safe_clip(title, EMBED_TITLE)}**" in content
            and timestamp(starts_at, "R") in content
            and (not server or f"**{safe_clip(server, NAME)}**" in content.splitlines()[-1]))


def _reminder_at(lang: Language, fields: dict[str, str], venue: str) -> str:
    return lang._("⏰ Reminder: {title} starts {start} ({relative}) at {venue}. You're "
                  "confirmed; use `/rsvp cancel {event}:{event_id}` if you can no longer come, "
                  "so your seat goes to the waitlist.", **fields, venue=venue)


def scheduled_event_problem(event: Event, now: datetime) -> Text | None:
    """Why the event cannot be a Discord scheduled event right now, or None: a clause
    translated where the moderator's reply is written."""
    if event.starts_at is None:
        return Text(N_("it has no start time yet (set one with `/manage edit`)"))
    problem = saved_times_problem(event.starts_at, event.ends_at)
    if problem:  # the arithmetic of scheduled_event_fields would overflow
        return Text(N_("{problem} (set another with `/manage edit`)"), problem=problem)
    if event.start_moment is not None and event.start_moment <= now:
        return Text(N_("it has already started, and Discord only takes events in the future"))
    if not discord_takes_start(event.start_moment, now):
        return Text(N_("it starts in less than a minute, too soon for Discord to list it"))
    return None


# How far ahead a scheduled event's start must be when the bot sends it: Discord refuses a
# start that is past when the request reaches it (400, 50035), and a request may wait out
# a rate limit (or a clock be a little behind Discord's) on the way.
DISCORD_START_MARGIN = timedelta(minutes=1)


def discord_takes_start(start: datetime | None, now: datetime) -> bool:
    """Whether a scheduled event can still be given `start` (created at it, or moved to
    it), and one at `start` moved: Discord takes no start in the past, and moves no event
    that has begun (ACTIVE, which an external one is from its start). The one rule of
    both, with DISCORD_START_MARGIN."""
    return start is not None and start > now + DISCORD_START_MARGIN


def discord_event_begun(event: Event, now: datetime) -> bool:
    """Whether a Discord event of the event has begun by the event's times (or is about to:
    `discord_takes_start`): Discord no longer moves its start, but takes the rest
    (`begun_event_payload`), and ends it when asked."""
    return (event.starts_at is not None and not saved_times_problem(event.starts_at,
                                                                    event.ends_at)
            and not discord_takes_start(event.start_moment, now))


@dataclass(frozen=True, slots=True)
class ScheduledEventDetails:
    """What the event's guild scheduled event shows, within Discord's limits: an external
    event (a place, not a channel), seen by the server's members only."""

    name: str
    description: str | None
    start: datetime
    end: datetime
    location: str


def scheduled_event_details(event: Event, lang: Language) -> ScheduledEventDetails:
    """The guild scheduled event of an event with no `scheduled_event_problem`, for a
    server whose language is `lang`: a description in two languages shows the server's
    first, as `/event info` does (Discord cuts it at 1,000 characters). Its text obeys no
    bidi control, as the bot's messages don't (`safe`): an override at a title's start
    showed its name reversed in Discord's list."""
    starts_at, ends_at = event.start_moment, event.end_moment  # an all-day one's midnights
    assert starts_at is not None
    if ends_at is None or ends_at <= starts_at:
        ends_at = starts_at + DEFAULT_DURATION
    # The link is kept whole and the description gets the room it leaves: cut after the
    # link was added, a long description (most pages') left it out, or cut it in half.
    # (a link is at most MAX_LINK, 500; one longer, from a tool's row, is left out)
    link = f"\n\n{event.link}" if event.link and len(event.link) <= MAX_LINK else ""
    description = clip(without_bidi_controls(reader_first(lang, event.description)).strip(),
                       SCHEDULED_DESCRIPTION - len(link))
    return ScheduledEventDetails(
        name=clip(without_bidi_controls(event.title).strip(), SCHEDULED_NAME) or event.slug,
        description=(description + link).strip() or None,
        start=starts_at, end=ends_at,
        location=clip(without_bidi_controls(event.venue or "").strip() or "Discord",
                      SCHEDULED_LOCATION))


def scheduled_event_fields(event: Event, lang: Language) -> dict[str, Any]:
    """The REST payload of the event's guild scheduled event (create or update), for an
    event with no `scheduled_event_problem`."""
    return scheduled_event_payload(scheduled_event_details(event, lang))


def begun_event_payload(details: ScheduledEventDetails, now: datetime) -> dict[str, Any]:
    """The REST update of a Discord event that has begun (`discord_event_begun`): all of
    `details` but the start, which Discord keeps; or, once its end is past (or moments
    away, which Discord would take as past by then), its end: over, as the event is."""
    if details.end <= now + DISCORD_START_MARGIN:
        return {"status": STATUS_COMPLETED}
    payload = scheduled_event_payload(details)
    del payload["scheduled_start_time"]
    return payload


def scheduled_event_payload(details: ScheduledEventDetails) -> dict[str, Any]:
    """The REST payload of `details` (what discord.py sends for the same values)."""
    return {
        "name": details.name,
        "description": details.description,
        "scheduled_start_time": details.start.isoformat(),
        "scheduled_end_time": details.end.isoformat(),
        "entity_type": ENTITY_EXTERNAL,
        "entity_metadata": {"location": details.location},
        "privacy_level": PRIVACY_GUILD_ONLY,
        "channel_id": None,
    }
