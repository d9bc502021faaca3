"""Embeds and texts built from domain objects. Pure: tested without Discord.

Page and member text is escaped (it is not meant as markdown) and everything
stays inside Discord's limits: long text is split across embeds and messages,
never cut mid-word when a boundary is near, never allowed to crash a reply.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.models import Event, Rsvp
from bot.pages import Person
from bot.registration import CancelOutcome, CancelResult, JoinOutcome, JoinResult, Promotions
from bot.store import MATCH_END, MATCH_START, Passage

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
EMBED_TOTAL = 6000  # per message, across all its embeds
EMBEDS_PER_MESSAGE = 10
CONTENT = 2000
CHOICE_NAME = 100

CAPACITY_REACHED = "Registration is now closed, as the number of RSVPs has reached venue capacity."
ROLE_TITLES = {"moderator": "Moderator", "host": "Host", "chair": "Chair",
               "speaker": "Speakers", "discussant": "Discussants"}
COLOUR = discord.Colour.blurple()


def safe(text: str) -> str:
    """Page or member text shown literally: no markdown, no mention syntax."""
    return escape_mentions(escape_markdown(text))


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters at a word boundary, marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def split_text(text: str, limit: int) -> list[str]:
    """Split into pieces of at most `limit` characters, at paragraph, line or word breaks."""
    pieces: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def timestamp(when: datetime, style: str = "F") -> str:
    """A Discord timestamp: every client shows it in the reader's own timezone."""
    return f"<t:{int(when.timestamp())}:{style}>"


def when_text(event: Event) -> str | None:
    if event.starts_at is None:
        return None
    text = f"{timestamp(event.starts_at)} ({timestamp(event.starts_at, 'R')})"
    if event.ends_at is not None:
        text += f" – {timestamp(event.ends_at, 't')}"
    return text


def registration_text(event: Event) -> str:
    if not event.registration_open:
        reason = f": {safe(event.closed_reason)}" if event.closed_reason else ""
        return f"Closed{reason}"
    if event.full:
        return (f"Full: all {event.capacity} seats are taken; joining puts you on the "
                f"waitlist ({event.waitlisted} waiting)")
    return f"Open: {event.seats_left} of {event.capacity} seats left"


def notes_text(event: Event) -> str | None:
    notes = []
    if event.language:
        note = f"In {safe(event.language)}"
        if event.translation:
            note += f", with simultaneous {safe(event.translation)} translation"
        notes.append(note)
    if event.off_the_record:
        notes.append("Off the record")
    notes.extend(safe(n) for n in event.access_notes)
    return "\n".join(notes) or None


def event_embed(event: Event) -> discord.Embed:
    """The event at a glance: `/event info` and the announcement message."""
    embed = discord.Embed(title=clip(safe(event.title), EMBED_TITLE), colour=COLOUR,
                          url=event.link or None,
                          description=clip(safe(event.description), 2500) or None)
    if (when := when_text(event)) is not None:
        embed.add_field(name="When", value=when, inline=False)
    if event.venue:
        embed.add_field(name="Where", value=clip(safe(event.venue), FIELD_VALUE), inline=False)
    embed.add_field(name="Registration", value=registration_text(event), inline=False)
    for role, names in people_by_role(event.people):
        embed.add_field(name=ROLE_TITLES[role],
                        value=clip(", ".join(safe(n) for n in names), FIELD_VALUE), inline=False)
    if (notes := notes_text(event)) is not None:
        embed.add_field(name="Notes", value=clip(notes, FIELD_VALUE), inline=False)
    takeaways = (f"{len(event.takeaways)} key takeaways: `/event takeaways`" if event.takeaways
                 else "Published after the event.")
    embed.add_field(name="Takeaways", value=takeaways, inline=False)
    embed.set_footer(text=f"Event {event.id}")
    return embed


def people_by_role(people: Iterable[Person]) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {role: [] for role in ROLE_TITLES}
    for person in people:
        grouped.setdefault(person.role, []).append(person.name)
    return [(role, names) for role, names in grouped.items() if names]


def speakers_messages(event: Event) -> list[list[discord.Embed]]:
    """Every bio in full, grouped by role, split across embeds and messages as needed."""
    blocks = []
    for role, _ in people_by_role(event.people):
        for person in (p for p in event.people if p.role == role):
            blocks.append(person_text(person))
    if not blocks:
        blocks = ["This event's page names no speakers."]
    return pack_embeds(f"Speakers: {event.title}", blocks)


def person_text(person: Person) -> str:
    role = ROLE_TITLES[person.role].rstrip("s") if person.role in ROLE_TITLES else person.role
    bio = safe(person.bio) if person.bio else "_No biography on the event page._"
    return f"**{safe(person.name)}** · {role}\n{bio}"


def speaker_embed(event: Event, person: Person) -> list[list[discord.Embed]]:
    return pack_embeds(clip(f"{person.name} · {event.title}", EMBED_TITLE), [person_text(person)])


def takeaways_messages(event: Event) -> list[list[discord.Embed]]:
    if event.takeaways:
        blocks = [f"**{safe(t.heading)}**\n{safe(t.text)}" for t in event.takeaways]
    elif event.has_recap and event.recap_summary:
        blocks = [safe(event.recap_summary)]
    else:
        blocks = ["The key takeaways are published after the event, with its recap."]
    return pack_embeds(f"Key takeaways: {event.title}", blocks)


def pack_embeds(title: str, blocks: Sequence[str]) -> list[list[discord.Embed]]:
    """Pack text blocks into embed descriptions, embeds into messages, within every limit."""
    title = clip(safe(title), EMBED_TITLE - 10)
    descriptions: list[str] = []
    current = ""
    for block in blocks:
        for piece in split_text(block, EMBED_DESCRIPTION):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= EMBED_DESCRIPTION and len(joined) + len(title) + 10 <= EMBED_TOTAL:
                current = joined
            else:
                descriptions.append(current)
                current = piece
    descriptions.append(current)
    messages: list[list[discord.Embed]] = [[]]
    size = 0
    for number, text in enumerate(descriptions, start=1):
        embed_title = title if len(descriptions) == 1 else f"{title} ({number}/{len(descriptions)})"
        embed = discord.Embed(title=embed_title, description=text, colour=COLOUR)
        cost = len(embed_title) + len(text)
        if messages[-1] and (size + cost > EMBED_TOTAL
                             or len(messages[-1]) == EMBEDS_PER_MESSAGE):
            messages.append([])
            size = 0
        messages[-1].append(embed)
        size += cost
    return messages


def join_reply(event_title: str, result: JoinResult) -> str:
    title = f"**{safe(event_title)}**"
    match result.outcome:
        case JoinOutcome.CONFIRMED:
            return f"You're confirmed for {title}. See you there!"
        case JoinOutcome.ALREADY_CONFIRMED:
            return f"You're already confirmed for {title}."
        case JoinOutcome.WAITLISTED:
            return (f"All seats are taken: you're waitlisted (position {result.position}) for "
                    f"{title}. You'll get a DM if a seat frees up.")
        case JoinOutcome.ALREADY_WAITLISTED:
            return f"You're already waitlisted (position {result.position}) for {title}."
        case _:
            return f"You can't join {title}: {safe(result.reason or 'registration is closed')}."


def cancel_reply(event_title: str, result: CancelResult) -> str:
    title = f"**{safe(event_title)}**"
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


def status_reply(event_title: str, rsvp: Rsvp | None) -> str:
    title = f"**{safe(event_title)}**"
    if rsvp is None:
        return f"You're not registered for {title}."
    if rsvp.position is not None:
        return f"You're waitlisted (position {rsvp.position}) for {title}."
    return f"You're confirmed for {title}."


def answer_embed(question: str, passages: Sequence[Passage]) -> discord.Embed:
    """`/event ask`: the best-matching passages, each with where it comes from."""
    embed = discord.Embed(title=clip(f"“{safe(question)}”", EMBED_TITLE), colour=COLOUR)
    if not passages:
        embed.description = "Nothing in this server's event pages matches that question."
        return embed
    embed.description = "The passages of the event pages that best match your question:"
    for passage in passages:
        excerpt = safe(passage.excerpt).replace(MATCH_START, "**").replace(MATCH_END, "**")
        embed.add_field(name=clip(f"{source_label(passage.source)} · {passage.event_title}",
                                  FIELD_NAME), value=clip(excerpt, FIELD_VALUE), inline=False)
    return embed


def source_label(source: str) -> str:
    kind, _, detail = source.partition(":")
    return {"page": "Event page", "recap": "Recap", "bio": f"Bio of {detail}",
            "takeaway": f"Takeaway: {detail}"}.get(kind, source)


def promoted_note(promotions: Promotions) -> str:
    """For the moderator: who a capacity change or a reopening gave a seat to."""
    count = len(promotions.promoted)
    return f" {count} member(s) moved from the waitlist to a seat." if count else ""


def promoted_dm(event: Event) -> str:
    when = when_text(event)
    return (f"Good news: a seat freed up and you're now confirmed for **{safe(event.title)}**"
            + (f", {when}." if when else ".") + " Use `/rsvp cancel` if you can no longer come.")


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
