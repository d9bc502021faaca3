"""`/event ask`: the answer embed, the facts a question asks for first, then the
passages found. Pure, within Discord's limits (`bot.render`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import discord

from bot.models import MATCH_END, MATCH_START, Event, Passage
from bot.questions import Intent
from bot.render import (
    COLOUR,
    EMBED_DESCRIPTION,
    EMBED_TITLE,
    EMBED_TOTAL,
    FIELD_NAME,
    FIELD_VALUE,
    ROLE_TITLES,
    clip,
    people_by_role,
    safe,
    safe_clip,
    when_text,
)


def answer_embed(question: str, passages: Sequence[Passage], event: Event | None = None,
                 intents: Sequence[Intent] = ()) -> discord.Embed:
    """`/event ask`: the event facts the question asks for, one line each, then the
    best-matching passages, each with where it comes from."""
    embed = discord.Embed(title=f"“{safe_clip(question, EMBED_TITLE - 2)}”", colour=COLOUR)
    facts = fact_lines(event, intents) if event is not None else []
    for passage in passages:
        excerpt = safe(passage.excerpt).replace(MATCH_START, "**").replace(MATCH_END, "**")
        name = f"{source_label(passage.source)} · {safe_clip(passage.event_title, EMBED_TITLE)}"
        embed.add_field(name=clip(name, FIELD_NAME), value=clip(excerpt, FIELD_VALUE),
                        inline=False)
    # The facts get the room the title and the passages leave within the embed total.
    room = min(EMBED_DESCRIPTION, EMBED_TOTAL - len(embed.title or "") - sum(
        len(f.name or "") + len(f.value or "") for f in embed.fields))
    lead = ("The passages of the event pages that best match your question:" if passages
            else "" if facts else "Nothing in this server's event pages matches that question.")
    head = "\n".join([f"**{safe_clip(event.title, 200)}**", *facts]) if facts and event else ""
    if head and lead:
        head = clip(head, room - len(lead) - 2) + "\n\n"
    embed.description = clip(head + lead, room)
    return embed


_LEADS = ("moderator", "host", "chair")


def fact_lines(event: Event, intents: Iterable[Intent]) -> list[str]:
    """One line per fact asked for, from the event's fields (not its pages' prose)."""
    return [clip(_FACTS[intent](event), FIELD_VALUE) for intent in intents]


def _moderator_fact(event: Event) -> str:
    leads = [(role, names) for role, names in people_by_role(event.people) if role in _LEADS]
    if not leads:
        return "Moderator: none named on the event page"
    return " · ".join(f"{ROLE_TITLES[role]}: {safe(', '.join(names))}" for role, names in leads)


def _speakers_fact(event: Event) -> str:
    panel = [(role, names) for role, names in people_by_role(event.people)
             if role not in _LEADS]
    if not panel:
        return "Speakers: none named on the event page"
    return " · ".join(f"{ROLE_TITLES.get(role, role.title())}: {safe(', '.join(names))}"
                      for role, names in panel)


def _when_fact(event: Event) -> str:
    return f"When: {when_text(event) or 'no date set yet'}"


def _where_fact(event: Event) -> str:
    return f"Where: {safe(event.venue) if event.venue else 'no place given yet'}"


def _language_fact(event: Event) -> str:
    if not event.language:
        return "Language: the event page does not say"
    held = f"Language: held in {safe(event.language)}"
    return held + (f", with {safe(event.translation)} translation" if event.translation else "")


def _off_the_record_fact(event: Event) -> str:
    if not event.off_the_record:
        return "Off the record: no, not that the event page says"
    notes = "; ".join(safe(n) for n in event.access_notes)
    return "Off the record: yes — " + (notes or "what is said there is not for quoting "
                                       "or reporting")


def _registration_fact(event: Event) -> str:
    if not event.registration_open:
        reason = f": {safe(event.closed_reason)}" if event.closed_reason else ""
        return f"Registration: closed{reason}"
    if event.full:
        return (f"Registration: full (waitlist): all {event.capacity} seats are taken, "
                f"{event.waitlisted} waiting")
    return f"Registration: open, {event.seats_left} of {event.capacity} seats left"


_FACTS = {Intent.MODERATOR: _moderator_fact, Intent.SPEAKERS: _speakers_fact,
          Intent.WHEN: _when_fact, Intent.WHERE: _where_fact, Intent.LANGUAGE: _language_fact,
          Intent.OFF_THE_RECORD: _off_the_record_fact, Intent.REGISTRATION: _registration_fact}


def source_label(source: str) -> str:
    kind, _, detail = source.partition(":")
    detail = safe_clip(detail, FIELD_NAME)
    return {"page": "Event page", "recap": "Recap", "bio": f"Bio of {detail}",
            "takeaway": f"Takeaway: {detail}"}.get(kind, safe_clip(source, FIELD_NAME))
