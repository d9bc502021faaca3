"""What the bot answers and announces: RSVP replies, notices for the channel and DMs,
/event list, /rsvp mine, the attendees CSV and an event's end. Pure, within Discord's
limits (`bot.render`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

import discord

from bot.i18n import Language
from bot.models import Event, EventListing, MyRsvp, Rsvp
from bot.registration import CancelOutcome, CancelResult, JoinOutcome, JoinResult, Promotions
from bot.render import (
    CAPACITY_REACHED,
    COLOUR,
    CONTENT,
    EMBED_DESCRIPTION,
    EMBED_TITLE,
    safe,
    safe_clip,
    seats_left_text,
    timestamp,
    when_text,
)
from bot.words import plural


def join_reply(lang: Language, event_title: str, result: JoinResult) -> str:
    title = f"**{safe_clip(event_title, EMBED_TITLE)}**"
    match result.outcome:
        case JoinOutcome.CONFIRMED:
            return lang._("You're confirmed for {title}. See you there!", title=title)
        case JoinOutcome.ALREADY_CONFIRMED:
            return lang._("You're already confirmed for {title}.", title=title)
        case JoinOutcome.WAITLISTED:
            return lang._("All seats are taken: you're waitlisted (position {position}) for "
                          "{title}. You'll get a DM if a seat frees up.",
                          position=result.position, title=title)
        case JoinOutcome.ALREADY_WAITLISTED:
            return lang._("You're already waitlisted (position {position}) for {title}.",
                          position=result.position, title=title)
        case _:
            reason = safe_clip(result.reason or lang._("registration is closed"), 1000)
            return lang._("You can't join {title}: {reason}.", title=title, reason=reason)


def cancel_reply(event_title: str, result: CancelResult) -> str:
    title = f"**{safe_clip(event_title, EMBED_TITLE)}**"
    match result.outcome:
        case CancelOutcome.CANCELLED if result.promotions.promoted:
            return (f"Your seat for {title} is cancelled; it has gone to the next member on "
                    "the waitlist.")
        case CancelOutcome.CANCELLED:
            return f"Your seat for {title} is cancelled."
        case CancelOutcome.LEFT_WAITLIST:
            return f"You've left the waitlist for {title}."
        case _:
            return f"You're not registered for {title}, so there was nothing to cancel."


def calendar_reply(event: Event) -> str:
    return f"**{safe_clip(event.title, EMBED_TITLE)}**: open the file to add it to your calendar."


def status_reply(lang: Language, event_title: str, rsvp: Rsvp | None) -> str:
    title = f"**{safe_clip(event_title, EMBED_TITLE)}**"
    if rsvp is None:
        return lang._("You're not registered for {title}.", title=title)
    if rsvp.position is not None:
        return lang._("You're waitlisted (position {position}) for {title}.",
                      position=rsvp.position, title=title)
    return lang._("You're confirmed for {title}.", title=title)


def promoted_note(promotions: Promotions) -> str:
    """For the moderator: who a capacity change or a reopening gave a seat to."""
    count = len(promotions.promoted)
    return f" {plural(count, 'member')} moved from the waitlist to a seat." if count else ""


def promoted_dm(event: Event) -> str:
    when = when_text(event)
    return (f"Good news: a seat freed up and you're now confirmed for "
            f"**{safe_clip(event.title, EMBED_TITLE)}**" + (f", {when}." if when else ".")
            + " Use `/rsvp cancel` if you can no longer come.")


def capacity_notice(event: Event) -> str:
    return (f"**{safe_clip(event.title, EMBED_TITLE)}**\n{CAPACITY_REACHED} Members who join now "
            "go on the waitlist.")


def closed_notice(event: Event, reason: str | None) -> str:
    return (f"Registration for **{safe_clip(event.title, EMBED_TITLE)}** has been closed by a "
            "moderator" + (f": {safe_clip(reason, 1000)}" if reason else "."))


def opened_notice(event: Event) -> str:
    return (f"Registration for **{safe_clip(event.title, EMBED_TITLE)}** is open again: "
            f"{seats_left_text(event.seats_left, event.capacity)}.")


def recap_notice(event: Event) -> str:
    return f"The recap of **{safe_clip(event.title, EMBED_TITLE)}** is out. Key takeaways:"


def attendees_csv(rsvps: Iterable[Rsvp]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["user_id", "name", "status", "position", "joined_at"])
    for r in rsvps:
        writer.writerow([r.user_id, _csv_safe(r.name), r.status.value,
                         r.position if r.position is not None else "", r.joined_at.isoformat()])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells starting with these as formulas; a quote keeps them text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# -- lists and an event's end ----------------------------------------------------------

LIST_LIMIT = 25  # events shown by /event list; the rest are counted
NO_DATE = "no date yet"


def listing_line(listing: EventListing) -> str:
    """`/event list`: "`12` **Title** · <t:…:f> · 3 seats left · open"."""
    when = timestamp(listing.starts_at, "f") if listing.starts_at else NO_DATE
    if listing.archived:
        state = "archived"
    elif listing.over:
        state = "over"
    elif not listing.registration_open:
        state = "closed"
    elif listing.seats_left == 0:
        state = "full · open for the waitlist"
    else:
        state = f"{plural(listing.seats_left, 'seat')} left · open"
    return f"`{listing.id}` **{safe_clip(listing.title, 100)}** · {when} · {state}"


def events_list_embed(listings: Sequence[EventListing], *, past: bool) -> discord.Embed:
    """The events, one line each, at most LIST_LIMIT and within an embed's limits; the
    rest are counted."""
    title = "Events, past and archived included" if past else "Events"
    lines: list[str] = []
    size = 0
    room = EMBED_DESCRIPTION - 120  # kept for the "…and N more" line
    for listing in listings[:LIST_LIMIT]:
        line = listing_line(listing)
        if size + len(line) + 1 > room:
            break
        lines.append(line)
        size += len(line) + 1
    more = len(listings) - len(lines)
    if more:
        lines.append(f"…and {more:,} more: type in any command's `event` option to search them.")
    if not past:
        lines.append("Past and archived events: `/event list past:True`.")
    return discord.Embed(title=title, description="\n".join(lines), colour=COLOUR)


def my_rsvps_text(rsvps: Sequence[MyRsvp]) -> str:
    """`/rsvp mine`: the member's RSVPs, one line each, within a message's limit."""
    if not rsvps:
        return "You have no RSVPs in this server. See `/event list`."
    header = f"Your RSVPs ({len(rsvps):,}):"
    lines = [header]
    size = len(header)
    for number, rsvp in enumerate(rsvps):
        when = timestamp(rsvp.starts_at, "f") if rsvp.starts_at else NO_DATE
        status = ("confirmed" if rsvp.position is None
                  else f"waitlisted (position {rsvp.position:,})")
        line = f"- `{rsvp.event_id}` **{safe_clip(rsvp.title, 100)}** · {when} · {status}"
        if size + len(line) + 1 > CONTENT - 60:
            lines.append(f"…and {len(rsvps) - number:,} more.")
            break
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def cancelled_dm(title: str) -> str:
    """The DM each confirmed or waitlisted member gets when a moderator deletes an event."""
    return (f"**{safe(title)}** has been cancelled by the organisers, so your RSVP for it is "
            "cancelled too. Sorry! See `/event list` for what else is coming up.")


def cancelled_embed(title: str) -> discord.Embed:
    """What an announcement of a deleted event shows instead of the event."""
    return discord.Embed(title=safe_clip(f"Cancelled: {title}", EMBED_TITLE),
                         description="This event was cancelled; it no longer takes RSVPs.",
                         colour=discord.Colour.dark_grey())


def deletion_question(title: str, confirmed: int, waitlisted: int) -> str:
    """The moderator's confirmation step before an event is deleted."""
    return (f"Delete **{safe(title)}**? It holds {plural(confirmed, 'confirmed RSVP')} and "
            f"{plural(waitlisted, 'waitlisted RSVP')}; each of those members gets one DM "
            "saying it was cancelled. Its page, RSVPs and announcement buttons go too, and "
            "this can't be undone.")
