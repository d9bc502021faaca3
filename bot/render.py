"""Embeds and texts built from domain objects. Pure: tested without Discord.

Page and member text is escaped (it is not meant as markdown) and everything
stays inside Discord's limits: long text is split across embeds and messages,
never cut mid-word when a boundary is near, never allowed to crash a reply.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import discord
from babel import Locale
from babel.dates import format_date, format_time
from discord.utils import escape_mentions

from bot.catalog import validate_link
from bot.characters import whole_character_end
from bot.errors import InvalidValue
from bot.i18n import N_, Language, commands_named
from bot.models import Event
from bot.pages import Person, page_language
from bot.registration import PAGE_CLOSED
from bot.times import timestamp

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
EMBED_TOTAL = 6000  # per message, across all its embeds
EMBEDS_PER_MESSAGE = 10
# Messages one reply or notice of text takes at most: a 2 MB recap would otherwise post
# hundreds, and take minutes of rate limits.
MAX_MESSAGES = 5
CONTENT = 2000
CHOICE_NAME = 100
CHOICE_VALUE = 100  # an autocomplete choice's string value
SELECT_OPTIONS = 25
OPTION_TEXT = 100  # a select option's label, value and description
NAME = 100  # a person's name or an event title in running text, before escaping
DESCRIPTION_SHOWN = 2500  # an event's description in its embed, when there is room

CAPACITY_REACHED = N_("Registration is now closed, as the number of RSVPs has reached venue "
                      "capacity.")
# The English ids of the roles' headings; shown through `role_heading` in the reader's language.
ROLE_TITLES = {"moderator": N_("Moderators"), "host": N_("Hosts"), "chair": N_("Chairs"),
               "speaker": N_("Speakers"), "discussant": N_("Discussants")}
# One person's role, for a speaker's line and the speaker menu.
ROLE_SINGULAR = {"moderator": N_("Moderator"), "host": N_("Host"), "chair": N_("Chair"),
                 "speaker": N_("Speaker"), "discussant": N_("Discussant")}
# The languages pages name (bot.pages_zh, bot.pages_reader), kept in English, by their
# casefolded name; shown through `language_name` in the reader's language. Any other is
# shown as the page writes it.
LANGUAGE_NAMES = {name.casefold(): name for name in (
    N_("Chinese"), N_("English"), N_("Japanese"), N_("Korean"), N_("Russian"), N_("French"),
    N_("German"), N_("Spanish"), N_("Arabic"), N_("Mandarin"), N_("Cantonese"), N_("Hindi"),
    N_("Urdu"), N_("Farsi"), N_("Persian"), N_("Hebrew"), N_("Dutch"), N_("Thai"), N_("Greek"),
    N_("Malay"), N_("Italian"), N_("Portuguese"), N_("Vietnamese"), N_("Indonesian"),
    N_("Turkish"), N_("Polish"), N_("Ukrainian"))}
COLOUR = discord.Colour.blurple()


# Markdown that works anywhere in a line, and what only starts a line (quotes, headings,
# lists, subtext, numbered lists), which Discord reads only before a space ("# Title",
# "- item", "1. item") or another marker ("## Title", "-# small", ">>> quote"), so "127.0.0.1"
# and "-5" stay as written. A backslash before any of them shows it literally.
_INLINE_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\*_`~|[]"})
# Bidirectional embeddings, overrides and isolates: one in a page's or a member's text
# would run on into the bot's own words around it, turning them backwards ("confirmed for
# <RLO>Talk." shows as ".klaT"...). Arabic or Hebrew need none of them to show right.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_LINE_START = re.compile(r"^([ \t]*)(?:([>#-])(?=[ \t>#])|(\d+)\.(?=[ \t]))", re.MULTILINE)
# Discord's message formats, each shown as something other than its text: mentions
# ("<@…>", "<@&…>", "<#…>"), a command ("</name:id>"), a server's emoji ("<:name:id>",
# "<a:name:id>"), a live time ("<t:0:R>"), a place in the server ("<id:customize>").
# A backslash before the "<" shows the text as written.
_FORMAT_START = re.compile(r"<(?=[@#/:]|[at]:|id:)", re.IGNORECASE)
# A web address is left as written, as discord.py's escape_markdown does: a backslash
# would become part of the link.
_URL_START = re.compile(r"(?:https?|steam)://")
_URL_END = re.compile(r"[\s<>\\]")  # a backslash is no part of an address
_URL_TRAILING = "<.,:;\"')]"
_NON_SPACE = re.compile(r"\S")


def safe(text: str) -> str:
    """Page or member text shown literally: no markdown, no mention syntax or other
    message format, no bidirectional controls.

    Linear in the text, unlike discord.py's escape_markdown (seconds for a few thousand
    characters of `[`…`](`): every character is visited a fixed number of times, and the
    result is at most twice as long.
    """
    text = without_bidi_controls(text)
    parts = []
    done = 0
    for start in _URL_START.finditer(text):
        if start.start() < done:
            continue  # inside the address just kept
        found_end = _URL_END.search(text, start.end())
        end = found_end.start() if found_end else len(text)
        while end > start.end() and text[end - 1] in _URL_TRAILING:
            end -= 1
        if end > start.end():
            parts.append(_escape_markdown(text[done:start.start()]))
            parts.append(text[start.start():end])
            done = end
    parts.append(_escape_markdown(text[done:]))
    return escape_mentions("".join(parts))


def without_bidi_controls(text: str) -> str:
    """For text shown as plain text (a choice's name), where `safe` does not apply."""
    return text.translate(_BIDI_CONTROLS)


def _escape_markdown(text: str) -> str:
    escaped = _FORMAT_START.sub(r"\\<", text.translate(_INLINE_MARKDOWN))
    return _LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker, number = match.groups()
    return f"{indent}\\{marker}" if marker else f"{indent}{number}\\."


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters at a word boundary (in Chinese, after a pause mark),
    marking the cut; never inside a character drawn from several (a flag, an accent, an
    emoji with its skin tone)."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    cut = text[:whole_character_end(text, limit - 1)]
    space = cut.rfind(" ")
    pause = max(cut.rfind(mark) for mark in _PAUSES) + 1  # Chinese has no spaces
    if space > limit * 0.6:
        cut = cut[:space]
    elif pause > limit * 0.6:
        cut = cut[:pause]
    elif (address := _address_cut_at(text, len(cut))) > limit * 0.6:
        cut = cut[:address]  # (nothing to cut at near it: before it, not inside)
    return cut[:len(cut) - _dangling_escape(cut)].rstrip() + "…"


def _address_cut_at(text: str, end: int) -> int:
    """Where the web address that `text[:end]` ends inside begins, else -1: a link cut
    short is still a link, to another page."""
    if _URL_END.match(text, end):
        return -1  # (the address, if any, ends there whole)
    starts = [found.start() for found in _URL_START.finditer(text, 0, end)]
    if not starts or _URL_END.search(text, starts[-1], end):
        return -1
    return starts[-1]


def _dangling_escape(piece: str) -> int:
    """1 if `piece` ends with half of an escape (an odd run of backslashes), else 0."""
    return (len(piece) - len(piece.rstrip("\\"))) % 2


def safe_clip(text: str, limit: int) -> str:
    """`safe(text)` within `limit` characters, at a cost bounded by the limit however long
    the text: only what can be shown is escaped."""
    if len(text) <= REMEMBERED_TEXT:
        return _remembered_safe_clip(text, limit)
    return clip(safe(clip(text, limit)), limit)


def server_line(lang: Language, server: str) -> str:
    """The line that ends each DM: the server it is about. A member of several servers may
    hold RSVPs to events of one title in each, and `/rsvp` runs only in its server."""
    return "\n-# " + lang._("From the server {server}", server=f"**{safe_clip(server, NAME)}**")


def without_server_line(text: str) -> str:
    """A DM's text as it was before `from_server` added its server's line: what a look for a
    DM sent already compares, whatever the server was called then, or if it was not known
    then or now."""
    head, line, _ = text.rpartition("\n-# ")
    return head if line else text


def from_server(lang: Language, text: str, server: str | None) -> str:
    """A DM's `text` with its server's line (`server_line`; none where the bot does not know
    the server's name), the text clipped when both would pass Discord's limit."""
    if not server:
        return text
    line = server_line(lang, server)
    return clip(text, CONTENT - len(line)) + line


# Titles and names are escaped on nearly every reply, and are few: short texts are
# escaped once and remembered (a bounded cache, so strange input cannot grow it).
REMEMBERED_TEXT = 300


@functools.lru_cache(maxsize=4096)
def _remembered_safe_clip(text: str, limit: int) -> str:
    return clip(safe(clip(text, limit)), limit)


def web_link(link: str | None) -> str | None:
    """The link if it is a web address an embed can carry (the import rule), else None."""
    try:
        return validate_link(link)
    except InvalidValue:
        return None


def split_text(text: str, limit: int) -> list[str]:
    """Split into pieces of at most `limit` characters, at paragraph, line or word breaks.

    Walks the text once (no copies of what remains), and never splits an escape. A piece
    that begins where a line was cut begins a line of its own where it is shown: what
    Discord would read there as a heading, a list item or a quote ("# 1", "- Carnegie",
    "2020. She") was none mid-line, so it is escaped (one character, kept room for)."""
    pieces: list[str] = []
    start = 0
    lead = 0  # the escape the current piece takes at its start (0 or 1 character)
    while len(text) - start + lead > limit:
        room = limit - lead
        end = start + room
        cut = text.rfind("\n", start, end)
        if cut < start + room // 2:
            cut = text.rfind(" ", start, end)
        if cut < start + room // 2:  # Chinese has no spaces: after its last pause mark
            cut = max(text.rfind(mark, start, end) for mark in _PAUSES) + 1
        if cut < start + room // 2:  # nor that: not inside a character drawn from several
            whole = whole_character_end(text, end)
            end = whole if whole > start else end
            cut = end - _dangling_escape(text[start:end])
        pieces.append(_begun_mid_line(text[start:cut].rstrip(), lead))
        found = _NON_SPACE.search(text, cut)
        start = found.start() if found else len(text)
        mid_line = "\n" not in text[cut:start]
        lead = int(mid_line and _LINE_START.match(text[start:start + 32]) is not None)
    if start < len(text):
        pieces.append(_begun_mid_line(text[start:], lead))
    return pieces


# Where a run of Chinese (or Japanese) text pauses, a piece may end: after a full-width
# comma, full stop, semicolon, colon, enumeration comma, or a mark ending a sentence.
_PAUSES = "，。；：、！？"


def _begun_mid_line(piece: str, lead: int) -> str:
    found = _LINE_START.match(piece) if lead else None
    return piece if found is None else _escape_line_start(found) + piece[found.end():]


LONG_SPAN = timedelta(hours=12)  # an end further from the start shows its date (`span_text`)


def start_text(lang: Language, starts_at: datetime, all_day: bool, style: str = "F") -> str:
    """A start as a Discord timestamp; an all-day event's as its date alone, written out
    in `lang`: a date is the same day for every reader, where a timestamp of it would show
    the next day east of UTC+12 or the day before west of UTC−12."""
    if all_day:
        return day_text(lang.code, starts_at.astimezone(UTC).date())  # midnight UTC of it
    return timestamp(starts_at, style)


@functools.lru_cache(maxsize=4096)
def day_text(code: str, day: date) -> str:
    """A date in full in the language `code` ("Sunday, 1 June 2031", "2031年6月1日星期日")."""
    return format_date(day, "full", locale=code.replace("-", "_"))


def clock_text(lang: Language, moment: datetime) -> str:
    """A time of day on its own clock as the reader's language writes it ("6:05 PM",
    "18:05", "下午6:05"), where a Discord timestamp would show the reader's own clock."""
    return format_time(moment, "short", locale=lang.code.replace("-", "_"))


def when_text(lang: Language, event: Event) -> str | None:
    return span_text(lang, event.starts_at, event.ends_at, event.all_day)


def span_text(lang: Language, starts_at: datetime | None, ends_at: datetime | None,
              all_day: bool = False) -> str | None:
    """A start (and end) as Discord timestamps; None without a start. An end shows its
    time alone unless it is more than half a day later (a conference over several days, an
    all-day event over several dates): then its date too, or "– 09:00" would read as the
    same morning."""
    if starts_at is None:
        return None
    if all_day:
        text = start_text(lang, starts_at, all_day)
        if ends_at is not None and ends_at - starts_at > timedelta(days=1):
            last_day = ends_at - timedelta(days=1)  # ends_at is the midnight after it
            text += f" – {start_text(lang, last_day, all_day)}"
        return text
    # the parentheses are the language's own: full-width in Chinese, as its sentences' are
    text = lang._("{start} ({relative})", start=timestamp(starts_at),
                  relative=timestamp(starts_at, "R"))
    if ends_at is not None:
        text += f" – {timestamp(ends_at, 'f' if ends_at - starts_at > LONG_SPAN else 't')}"
    return text


def change_text(lang: Language, event: Event, moved: bool, venue_changed: bool,
                renamed_from: str | None = None) -> str:
    """What changed about an event, for its channel notice and the members' DMs: one whole
    sentence per change (word order differs between languages). A rename names the title
    members knew too, so that they know the event is theirs."""
    title = f"**{safe_clip(event.title, 200)}**"
    renamed = "" if renamed_from is None or renamed_from == event.title else lang._(
        "{old} is now called {title}.", old=f"**{safe_clip(renamed_from, 200)}**",
        title=title)
    if not moved and not venue_changed:  # a rename alone (`fold_unsent` keeps no other)
        return renamed
    return lang.sentences(renamed, _moved_text(lang, event, moved, venue_changed, title))


def _moved_text(lang: Language, event: Event, moved: bool, venue_changed: bool,
                title: str) -> str:
    when = when_text(lang, event)
    venue = safe_clip(event.venue, 300) if event.venue else None
    if moved and venue_changed:
        if when and venue:
            return lang._("{title} now starts {when} and now takes place at {venue}.",
                          title=title, when=when, venue=venue)
        if when:
            return lang._("{title} now starts {when} and has no venue set any more.",
                          title=title, when=when)
        if venue:
            return lang._("{title} now starts at a time still to be set and now takes place "
                          "at {venue}.", title=title, venue=venue)
        return lang._("{title} now starts at a time still to be set and has no venue set "
                      "any more.", title=title)
    if moved:
        return (lang._("{title} now starts {when}.", title=title, when=when) if when else
                lang._("{title} now starts at a time still to be set.", title=title))
    return (lang._("{title} now takes place at {venue}.", title=title, venue=venue) if venue
            else lang._("{title} has no venue set any more.", title=title))


def closed_reason_text(lang: Language, reason: str, limit: int | None = None) -> str:
    """Why registration is closed, as shown: the bot's own reason (a page said so) in the
    reader's language, a moderator's as typed (clipped to `limit`, if given)."""
    if reason == PAGE_CLOSED:
        return lang._(PAGE_CLOSED)
    return safe(reason) if limit is None else safe_clip(reason, limit)


def registration_text(lang: Language, event: Event, now: datetime | None = None) -> str:
    if event.archived:
        return lang._("Archived: this event no longer takes RSVPs")
    if event.is_over(now or datetime.now(UTC)):
        return lang._("Over: this event has taken place")
    if not event.registration_open:
        if event.closed_reason:
            return lang._("Closed: {reason}", reason=closed_reason_text(
                lang, event.closed_reason, FIELD_VALUE // 2))
        return lang._("Closed")
    if event.full:
        return lang.ngettext(
            "Full: the only seat is taken; joining puts you on the waitlist ({waiting} "
            "waiting)",
            "Full: all {capacity} seats are taken; joining puts you on the waitlist "
            "({waiting} waiting)", event.capacity,
            capacity=f"{event.capacity:,}", waiting=f"{event.waitlisted:,}")
    return lang._("Open: {seats_left}",
                  seats_left=seats_left_text(lang, event.seats_left, event.capacity))


def seats_left_text(lang: Language, left: int, capacity: int) -> str:
    """"3 of 10 seats left", "1 of 1 seat left"."""
    return lang.ngettext("{left} of {capacity} seat left", "{left} of {capacity} seats left",
                         capacity, left=f"{left:,}", capacity=f"{capacity:,}")


def language_name(lang: Language, name: str) -> str:
    """A language an event is held or translated in, as the reader calls it: "Chinese",
    "中文"."""
    known = name.casefold()
    if known in LANGUAGE_NAMES:
        return lang._(LANGUAGE_NAMES[known])
    # Any other a page names in English ("held in Swedish"), as the reader's locale calls
    # it in CLDR (瑞典语): else an English word inside a Chinese sentence.
    return _cldr_language_name(lang.code, known) or name


@functools.lru_cache(maxsize=256)
def _cldr_language_name(code: str, english: str) -> str | None:
    language_code = _english_language_codes().get(english)
    return Locale.parse(code.replace("-", "_")).languages.get(language_code or "")


@functools.cache
def _english_language_codes() -> dict[str, str]:
    """CLDR's languages by their casefolded English name: "swedish" -> "sv"."""
    return {name.casefold(): code for code, name in Locale("en").languages.items()}


def notes_text(lang: Language, event: Event) -> str | None:
    notes = []
    if event.language and event.translation:
        notes.append(lang._("In {language}, with simultaneous {translation} translation",
                            language=safe_clip(language_name(lang, event.language), NAME),
                            translation=safe_clip(language_name(lang, event.translation), NAME)))
    elif event.language:
        notes.append(lang._("In {language}",
                            language=safe_clip(language_name(lang, event.language), NAME)))
    if event.off_the_record:
        notes.append(lang._("Off the record"))
    notes.extend(safe_clip(n, FIELD_VALUE) for n in event.access_notes[:20])
    return "\n".join(notes) or None


class EmbedBudget:
    """Builds one embed within Discord's 6,000-character total.

    Parts are offered in priority order, most important first, so the least important
    are the ones trimmed; the embed still shows them in `order`. The title and the
    footer are spent up front.
    """

    def __init__(self, title: str, footer: str, order: Sequence[str] = (), *,
                 total: int = EMBED_TOTAL, **embed_args: Any) -> None:
        self.embed = discord.Embed(title=clip(title, EMBED_TITLE), **embed_args)
        self.embed.set_footer(text=footer)
        self.left = total - len(self.embed.title or "") - len(footer)
        self.order = list(order)
        self.fields: dict[str, str] = {}
        self.description: str | None = None

    def room(self, name: str, limit: int = FIELD_VALUE, *, keep: int = 0) -> int:
        """How long a field called `name` may be, keeping `keep` characters for later parts."""
        return max(0, min(limit, self.left - len(name) - keep))

    def field(self, name: str, value: str, *, keep: int = 0) -> None:
        """Add a field, clipped to its share of what is left; dropped when nothing is."""
        value = clip(value, self.room(name, keep=keep))
        if value:
            self.fields[name] = value
            self.left -= len(name) + len(value)

    def describe(self, text: str, limit: int = EMBED_DESCRIPTION) -> None:
        text = clip(text, max(0, min(limit, self.left)))
        if text:
            self.description = text
            self.left -= len(text)

    def build(self) -> discord.Embed:
        self.embed.description = self.description
        known = [name for name in dict.fromkeys(self.order) if name in self.fields]
        for name in known + [name for name in self.fields if name not in known]:
            self.embed.add_field(name=name, value=self.fields[name], inline=False)
        return self.embed


def names_text(lang: Language, names: Sequence[str], limit: int, where: str) -> str:
    """ "A, B, C" within `limit`, ending "…and N more: <where>" when not all fit."""
    def and_more(count: int) -> str:
        # `where` is a command: named as the reader's client names it
        return lang._("…and {count} more: {where}", count=f"{count:,}",
                      where=commands_named(lang.code, where))

    shown_names: list[str] = []
    size = 0
    tail = len(and_more(len(names))) + 1  # the longest the tail can be
    for number, name in enumerate(names):
        piece = safe_clip(name, NAME)
        last = number == len(names) - 1
        if size + len(piece) + (0 if last else 2 + tail) > limit:
            break
        shown_names.append(piece)
        size += len(piece) + 2
    more = len(names) - len(shown_names)
    text = lang._(", ").join(shown_names)
    if more:
        text = f"{text} {and_more(more)}".strip()
    return clip(text, limit)


_Part = TypeVar("_Part")


def reader_first(lang: Language, text: str) -> str:
    """A text in two languages one after the other (a bilingual page, or an event's pages in
    English and in Chinese) with the version in the reader's language first. Any other text
    is left as written: only a run of paragraphs in one language followed by a run in the
    other is turned round."""
    return "\n\n".join(in_reader_order(lang, text.split("\n\n")))


def in_reader_order(lang: Language, parts: Sequence[_Part],
                    text: Callable[[_Part], str] = str) -> list[_Part]:
    """`reader_first` for a text's parts (its paragraphs, a recap's takeaways, whose
    `text` is read): a run in one language followed by a run in the other, turned round
    when the reader's comes second; any other order of parts as it is."""
    parts = list(parts)
    kinds = [page_language(text(p)) for p in parts]
    second = next((i for i, kind in enumerate(kinds) if kind != kinds[0]), None)
    if second is None or any(kind == kinds[0] for kind in kinds[second:]):
        return parts
    reader = "zh" if lang.code.startswith("zh") else "en"
    if kinds[0] == reader:
        return parts
    return parts[second:] + parts[:second]


def role_heading(lang: Language, role: str, count: int) -> str:
    """The heading of a role's `count` people in the reader's language: "Speakers",
    "Moderator" (one), "Moderators" (two)."""
    if role not in ROLE_TITLES:
        return role.title()[:FIELD_NAME]
    return (lang._(ROLE_SINGULAR[role]) if count == 1 else lang._(ROLE_TITLES[role]))[:FIELD_NAME]


def event_embed(lang: Language, event: Event, now: datetime | None = None) -> discord.Embed:
    """The event at a glance: `/event info` and the announcement message, as it stands
    `now` (once over, its seats no longer show).

    Never over Discord's limits: the title, the time and the seats always show; then
    the venue, the people (the rest named by `/event speakers`), the notes, and the
    description with whatever room is left.
    """
    roles = people_by_role(event.people)
    role_names = [role_heading(lang, role, len(names)) for role, names in roles]
    footer = (lang._("Event {id} · {note}", id=event.id, note=lang._(SAMPLE_NOTE))
              if event.is_sample else lang._("Event {id}", id=event.id))
    when_name, where_name = lang._("When"), lang._("Where")
    registration_name, notes_name = lang._("Registration"), lang._("Notes")
    takeaways_name = lang._("Takeaways")
    budget = EmbedBudget(safe_clip(event.title, EMBED_TITLE), footer,
                         [when_name, where_name, registration_name, *role_names, notes_name,
                          takeaways_name], colour=COLOUR, url=web_link(event.link))
    if (when := when_text(lang, event)) is not None:
        budget.field(when_name, when)
    budget.field(registration_name, registration_text(lang, event, now))
    if event.takeaways:
        takeaways = lang.ngettext(
            "{count} key takeaway: `/event takeaways`",
            "{count} key takeaways: `/event takeaways`",
            len(event.takeaways), count=f"{len(event.takeaways):,}")
    elif event.has_recap and event.recap_summary:  # what `/event takeaways` shows instead
        takeaways = lang._("The recap's summary: `/event takeaways`")
    else:
        takeaways = lang._("Published after the event.")
    budget.field(takeaways_name, takeaways)
    description = safe_clip(reader_first(lang, event.description), DESCRIPTION_SHOWN)
    keep = min(len(description), 300)  # room kept for the start of the description
    if event.venue:
        budget.field(where_name, safe_clip(event.venue, FIELD_VALUE), keep=keep)
    for index, (title, (_, names)) in enumerate(zip(role_names, roles, strict=True)):
        share = (budget.left - keep) // (len(roles) - index) - len(title)
        budget.field(title, names_text(lang, names, budget.room(
            title, min(share, FIELD_VALUE), keep=keep), "/event speakers"), keep=keep)
    if (notes := notes_text(lang, event)) is not None:
        budget.field(notes_name, notes, keep=keep)
    budget.describe(description, DESCRIPTION_SHOWN)
    return budget.build()


SAMPLE_NOTE = N_("This is a sample event bundled with the bot; moderators can import your own "
                 "with /manage import and delete this one with /manage delete.")


def people_by_role(people: Iterable[Person]) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {role: [] for role in ROLE_TITLES}
    for person in people:
        grouped.setdefault(person.role, []).append(person.name)
    return [(role, names) for role, names in grouped.items() if names]


@dataclass(frozen=True, slots=True)
class SpeakerPage:
    """One page of `/event speakers`: whole bios while they fit, a long one over several."""

    people: tuple[int, ...]  # indexes into the event's people shown on this page
    embed: discord.Embed


def speaker_pages(lang: Language, event: Event) -> list[SpeakerPage]:
    """Every bio in full, people by role, packed into pages of one embed each."""
    order = [i for role, _ in people_by_role(event.people)
             for i, p in enumerate(event.people) if p.role == role]
    texts: list[list[tuple[int, str]]] = [[]]
    size = -2  # the first text on a page has no blank line before it
    for i in order:
        person = event.people[i]
        pieces = split_text(person_text(lang, person), EMBED_DESCRIPTION - NAME - 30)
        for number, piece in enumerate(pieces):
            if number:
                piece = lang._("**{name}** (continued)", name=safe_clip(person.name, NAME)
                               ) + f"\n{piece}"
            if texts[-1] and size + 2 + len(piece) > EMBED_DESCRIPTION:
                texts.append([])
                size = -2
            texts[-1].append((i, piece))
            size += 2 + len(piece)
    title = clip(lang._("Speakers: {title}", title=safe_clip(event.title, EMBED_TITLE)),
                 EMBED_TITLE)
    pages = []
    for number, page in enumerate(texts, start=1):
        description = "\n\n".join(text for _, text in page) or lang._(
            "This event's page names no speakers.")
        embed = discord.Embed(title=title, description=description, colour=COLOUR)
        embed.set_footer(text=lang._("Page {number} of {total}", number=number,
                                     total=len(texts)))
        pages.append(SpeakerPage(tuple(dict.fromkeys(i for i, _ in page)), embed))
    return pages


def speaker_options(lang: Language, event: Event, pages: Sequence[SpeakerPage], current: int
                    ) -> list[discord.SelectOption]:
    """The select menu of the speaker pages, in page order: at most 25 people, a window
    around the first person on page `current`; each value is the person's index."""
    people = list(dict.fromkeys(i for page in pages for i in page.people))
    first = pages[current].people[0] if pages[current].people else None
    here = people.index(first) if first is not None else 0
    start = max(0, min(here - SELECT_OPTIONS // 2, len(people) - SELECT_OPTIONS))
    return [discord.SelectOption(label=clip(event.people[i].name, OPTION_TEXT) or "?",
                                 value=str(i), default=i == first,
                                 description=clip(role_title(lang, event.people[i].role),
                                                  OPTION_TEXT))
            for i in people[start:start + SELECT_OPTIONS]]


def role_title(lang: Language, role: str) -> str:
    """One person's role: "Speaker", "Moderator"."""
    return lang._(ROLE_SINGULAR[role]) if role in ROLE_SINGULAR else role.title()[:NAME]


def bio_text(lang: Language, person: Person) -> str:
    return safe(person.bio) if person.bio else lang._("_No biography on the event page._")


def person_text(lang: Language, person: Person) -> str:
    return (f"**{safe_clip(person.name, NAME)}** · {role_title(lang, person.role)}\n"
            f"{bio_text(lang, person)}")


def speaker_embed(lang: Language, event: Event, person: Person) -> list[list[discord.Embed]]:
    return pack_embeds(lang, clip(f"{person.name} · {event.title}", EMBED_TITLE),
                       [person_text(lang, person)])


@dataclass(frozen=True, slots=True)
class Takeaways:
    """The takeaways as messages. `file_name` is set when they leave part of the text out:
    their last message then says the whole text is in that file (`takeaways_file`), which
    goes with it."""

    messages: list[list[discord.Embed]]
    file_name: str | None = None


def takeaways_messages(lang: Language, event: Event) -> Takeaways:
    if event.takeaways:
        # (a page's bullet with no heading of its own is its text alone; a bilingual
        # recap's, the reader's language first)
        blocks = [f"**{safe(t.heading)}**\n{safe(t.text)}" if t.heading else safe(t.text)
                  for t in in_reader_order(lang, event.takeaways,
                                           lambda t: f"{t.heading} {t.text}")]
    elif event.has_recap and event.recap_summary:
        blocks = [safe(reader_first(lang, event.recap_summary))]
    else:
        blocks = [lang._("The key takeaways are published after the event, with its recap.")]
    name = f"{event.slug}-takeaways.txt"
    messages, left_out = _packed(lang, lang._("Key takeaways: {title}", title=event.title),
                                 blocks, name)
    return Takeaways(messages, name if left_out else None)


def takeaways_file(lang: Language, event: Event, most: int) -> bytes:
    """The whole of the takeaways as plain UTF-8 text, as the page wrote them (a file shows
    no Markdown and pings nobody), for the messages that leave part of them out; at most
    `most` bytes, what Discord takes as an upload there."""
    lines = [lang._("Key takeaways: {title}", title=event.title), ""]
    for takeaway in event.takeaways:
        lines += [takeaway.heading, takeaway.text, ""] if takeaway.heading else [takeaway.text, ""]
    if not event.takeaways:
        lines.append(event.recap_summary)
    data = "\n".join(lines).encode("utf-8", "replace")
    if len(data) <= most:
        return data
    ellipsis = "…".encode()
    # cut at a character's start: a UTF-8 byte 10xxxxxx only continues one
    end = max(0, most - len(ellipsis))
    while end and data[end] & 0xC0 == 0x80:
        end -= 1
    return data[:end] + ellipsis


def takeaways_upload(lang: Language, event: Event, name: str, most: int) -> discord.File:
    """`takeaways_file` as the file `name` that goes with the takeaways' last message."""
    return discord.File(io.BytesIO(takeaways_file(lang, event, most)), filename=name)


def pack_embeds(lang: Language, title: str, blocks: Sequence[str]
                ) -> list[list[discord.Embed]]:
    """Pack text blocks into embed descriptions, embeds into messages, within every limit,
    in MAX_MESSAGES messages at most: past them, a last line says how many parts are left
    out."""
    return _packed(lang, title, blocks)[0]


def _packed(lang: Language, title: str, blocks: Sequence[str], file_name: str | None = None
            ) -> tuple[list[list[discord.Embed]], bool]:
    """`pack_embeds`, and whether parts are left out; with `file_name`, its last line says
    the whole text is in that file."""
    descriptions: list[str] = []
    current = ""
    for block in blocks:
        for piece in split_text(block, EMBED_DESCRIPTION):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= EMBED_DESCRIPTION:  # with a title, within EMBED_TOTAL too
                current = joined
            else:
                descriptions.append(current)
                current = piece
    descriptions.append(current)
    parts = len(descriptions)
    # Numbered parts: the title leaves room for the widest number, " (1000/1000)".
    title = safe_clip(title, EMBED_TITLE - (len(f" ({parts}/{parts})") if parts > 1 else 0))
    embeds = [discord.Embed(title=title if parts == 1 else f"{title} ({number}/{parts})",
                            description=text, colour=COLOUR)
              for number, text in enumerate(descriptions, start=1)]
    messages = _into_messages(embeds)
    if len(messages) <= MAX_MESSAGES:
        return messages, False
    # The parts that fit in MAX_MESSAGES messages with the note after them.
    shown = sum(len(message) for message in messages[:MAX_MESSAGES])
    while True:
        left = parts - shown
        note = discord.Embed(description=lang.ngettext(
            "{count} more part is left out: the text is too long to post in full.",
            "{count} more parts are left out: the text is too long to post in full.",
            left, count=left) if file_name is None else lang.ngettext(
            "{count} more part is left out here: the whole text is in the attached file, "
            "{file}.",
            "{count} more parts are left out here: the whole text is in the attached file, "
            "{file}.", left, count=left, file=safe(file_name)), colour=COLOUR)
        messages = _into_messages([*embeds[:shown], note])
        if len(messages) <= MAX_MESSAGES:
            return messages, True
        shown -= 1


def _into_messages(embeds: Sequence[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds in order, as few messages as Discord's per-message limits allow."""
    messages: list[list[discord.Embed]] = [[]]
    size = 0
    for embed in embeds:
        cost = len(embed.title or "") + len(embed.description or "")
        if messages[-1] and (size + cost > EMBED_TOTAL
                             or len(messages[-1]) == EMBEDS_PER_MESSAGE):
            messages.append([])
            size = 0
        messages[-1].append(embed)
        size += cost
    return messages

