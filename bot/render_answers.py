"""`/event ask`: the answer embed, the facts a question asks for first, then the
passages found. Pure, within Discord's limits (`bot.render`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import discord

from bot.i18n import Language
from bot.models import MATCH_END, MATCH_START, Event, Passage
from bot.questions import Intent
from bot.render import (
    COLOUR,
    EMBED_DESCRIPTION,
    EMBED_TITLE,
    EMBED_TOTAL,
    FIELD_NAME,
    FIELD_VALUE,
    clip,
    closed_reason_text,
    language_name,
    names_text,
    people_by_role,
    registration_text,
    role_heading,
    safe,
    safe_clip,
    when_text,
)


def answer_embed(lang: Language, question: str, passages: Sequence[Passage],
                 event: Event | None = None, intents: Sequence[Intent] = ()) -> discord.Embed:
    """`/event ask`: the event facts the question asks for, one line each, then the
    best-matching passages, each with where it comes from."""
    # quoted as the reader's language quotes: “…” in English and Simplified, 「…」 in Traditional
    embed = discord.Embed(title=lang._("“{question}”", question=safe_clip(
        question, EMBED_TITLE - 2)), colour=COLOUR)
    facts = fact_lines(lang, event, intents) if event is not None else []
    for passage in passages:
        name = (f"{source_label(lang, passage.source)} · "
                f"{safe_clip(passage.event_title, EMBED_TITLE)}")
        embed.add_field(name=clip(name, FIELD_NAME), value=marked(passage.excerpt, FIELD_VALUE),
                        inline=False)
    # The facts get the room the title and the passages leave within the embed total.
    room = min(EMBED_DESCRIPTION, EMBED_TOTAL - len(embed.title or "") - sum(
        len(f.name or "") + len(f.value or "") for f in embed.fields))
    lead = (lang._("The passages of the event pages that best match your question:")
            if passages else "" if facts
            else lang._("Nothing in this server's event pages matches that question."))
    head = "\n".join([f"**{safe_clip(event.title, 200)}**", *facts]) if facts and event else ""
    if head and lead:
        head = clip(head, room - len(lead) - 2) + "\n\n"
    embed.description = clip(head + lead, room)
    return embed


# A run of text without spaces (an address, with what a match mark may add around it).
_RUN = re.compile(r"[^\s<>]+")
_NO_MARKS = str.maketrans("", "", MATCH_START + MATCH_END)


def marked(excerpt: str, limit: int) -> str:
    """An excerpt shown literally within `limit` characters with its matched words in
    bold, but for those in a web address: `safe` keeps an address as written, so bold there
    would become part of the link (another address, with asterisks in it). Cut short, it
    leaves no bold open: a word whose end was cut off is not in bold."""
    def unmarked_address(run: re.Match[str]) -> str:
        return run[0].translate(_NO_MARKS) if "://" in run[0] else run[0]

    shown = safe(_RUN.sub(unmarked_address, excerpt))
    marks = shown.count(MATCH_START) + shown.count(MATCH_END)  # each becomes "**"
    if len(shown) + marks > limit:
        shown = clip(shown, limit - marks)
        if shown.count(MATCH_START) > shown.count(MATCH_END):
            opened, _, after = shown.rpartition(MATCH_START)
            shown = opened + after
    return shown.replace(MATCH_START, "**").replace(MATCH_END, "**")


_LEADS = ("moderator", "host", "chair")


def fact_lines(lang: Language, event: Event, intents: Iterable[Intent]) -> list[str]:
    """One line per fact asked for, from the event's fields (not its pages' prose)."""
    return [clip(_FACTS[intent](lang, event), FIELD_VALUE) for intent in intents]


def _people_line(lang: Language, roles: list[tuple[str, list[str]]]) -> str:
    """The roles' people within a fact's line, each role its share of the room: the names
    that fit, then how many more and where they all are (`names_text`), not a list cut
    off mid-name."""
    parts: list[str] = []
    left = FIELD_VALUE
    for index, (role, names) in enumerate(roles):
        heading = role_heading(lang, role, len(names))
        label = len(lang._("{role}: {names}", role=heading, names=""))
        share = (left - len(_ROLES_APART) * (len(roles) - index - 1)) // (len(roles) - index)
        parts.append(lang._("{role}: {names}", role=heading, names=names_text(
            lang, names, max(0, share - label), "/event speakers")))
        left -= len(parts[-1]) + len(_ROLES_APART)
    return _ROLES_APART.join(parts)


_ROLES_APART = " · "


def _moderator_fact(lang: Language, event: Event) -> str:
    leads = [(role, names) for role, names in people_by_role(event.people) if role in _LEADS]
    if not leads:
        return lang._("Moderator: none named on the event page")
    return _people_line(lang, leads)


def _speakers_fact(lang: Language, event: Event) -> str:
    panel = [(role, names) for role, names in people_by_role(event.people)
             if role not in _LEADS]
    if not panel:
        return lang._("Speakers: none named on the event page")
    return _people_line(lang, panel)


def _when_fact(lang: Language, event: Event) -> str:
    when = when_text(lang, event)
    return lang._("When: {when}", when=when) if when else lang._("When: no date set yet")


def _where_fact(lang: Language, event: Event) -> str:
    return (lang._("Where: {venue}", venue=safe(event.venue)) if event.venue
            else lang._("Where: no place given yet"))


def _language_fact(lang: Language, event: Event) -> str:
    if not event.language:
        return lang._("Language: the event page does not say")
    held_in = safe(language_name(lang, event.language))
    if event.translation:
        return lang._("Language: held in {language}, with {translation} translation",
                      language=held_in, translation=safe(language_name(lang, event.translation)))
    return lang._("Language: held in {language}", language=held_in)


def _off_the_record_fact(lang: Language, event: Event) -> str:
    if not event.off_the_record:
        return lang._("Off the record: no, not that the event page says")
    if event.access_notes:
        return lang._("Off the record: yes — {notes}",
                      notes=lang._("; ").join(safe(n) for n in event.access_notes))
    return lang._("Off the record: yes — what is said there is not for quoting or reporting")


def _registration_fact(lang: Language, event: Event) -> str:
    now = datetime.now(UTC)
    if event.archived or event.is_over(now):  # as /event info says it
        return lang._("Registration: {state}", state=registration_text(lang, event, now))
    if not event.registration_open:
        if event.closed_reason:
            return lang._("Registration: closed: {reason}",
                          reason=closed_reason_text(lang, event.closed_reason))
        return lang._("Registration: closed")
    if event.full:
        return lang.ngettext(
            "Registration: full (waitlist): the only seat is taken, {waiting} waiting",
            "Registration: full (waitlist): all {capacity} seats are taken, {waiting} waiting",
            event.capacity, capacity=f"{event.capacity:,}", waiting=f"{event.waitlisted:,}")
    return lang.ngettext("Registration: open, {left} of {capacity} seat left",
                         "Registration: open, {left} of {capacity} seats left",
                         event.capacity, left=f"{event.seats_left:,}",
                         capacity=f"{event.capacity:,}")


_FACTS = {Intent.MODERATOR: _moderator_fact, Intent.SPEAKERS: _speakers_fact,
          Intent.WHEN: _when_fact, Intent.WHERE: _where_fact, Intent.LANGUAGE: _language_fact,
          Intent.OFF_THE_RECORD: _off_the_record_fact, Intent.REGISTRATION: _registration_fact}


def source_label(lang: Language, source: str) -> str:
    kind, _, detail = source.partition(":")
    detail = safe_clip(detail, FIELD_NAME)
    match kind:
        case "page":
            return lang._("Event page")
        case "recap":
            return lang._("Recap")
        case "bio":
            return lang._("Bio of {name}", name=detail)
        case "takeaway":  # (a takeaway a page gave no heading of its own)
            return lang._("Takeaway: {heading}", heading=detail) if detail else lang._(
                "Takeaways")
    return safe_clip(source, FIELD_NAME)
