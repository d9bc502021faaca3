"""Which event a member or moderator means: the `[event]` option's rules, in one place."""

from __future__ import annotations

import functools
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.errors import EventNotFound, NotFound
from bot.i18n import N_, Text
from bot.models import EventSummary, EventTitles
from bot.pages_names import comparable
from bot.render import clip
from bot.storage import Store

EVENT_ID = re.compile(r"[0-9]{1,19}")
T = TypeVar("T")
MAX_EVENT_ID = 2**63 - 1  # SQLite's largest integer: a bigger one overflows, not misses
MAX_TYPED = 80  # characters of a member's text quoted back or compared with titles
# Titles compared for suggestions (the next and latest), each by its first characters:
# about a millisecond on the event loop at most (difflib took 25 to 75 ms for 250).
MAX_COMPARED = 100
COMPARED_CHARS = 100
# Events' titles the `[event]` option keeps, of the servers asked about last (a server's
# are kept whole, however many): a few megabytes.
KEPT_TITLES = 20_000
LIKE_ENOUGH = 0.7  # of the letter pairs typed that a title holds, to be suggested
MIN_PAIRS = 3  # letter pairs typed (four letters) before anything is suggested


async def resolve(store: Store, guild_id: int, ref: str | None) -> EventSummary:
    """The event named by the `[event]` option: an id of this server (what autocomplete
    sends), or an exact title or slug; without it, the one `/event list` shows first
    (`default_event_id`). Nothing looser: a stray number or word must not pick some other
    event (autocomplete is where members search by part of a title). A title typed in the
    other
    Chinese script, or in other widths, names the one event it can be, never one of two."""
    return await resolve_with(store, guild_id, ref,
                              lambda event_id: store.summary(guild_id, event_id))


async def resolve_with(store: Store, guild_id: int, ref: str | None,
                       read: Callable[[int], Awaitable[T]]) -> T:
    """`read(event_id)` of the event `ref` names, by `resolve`'s rules. A command reads
    what it needs of the event in that one call, whose EventNotFound also tells that an
    id is not of this server: the common case (an id from autocomplete) costs one read,
    not a lookup of the event and then the read."""
    ref = (ref or "").strip()
    if not ref:
        event_id = await store.run(store.events.default_event_id, guild_id)
        if event_id is None:
            raise NotFound(N_("this server has no events yet; a moderator can add one with "
                              "/manage import"))
        return await read(event_id)
    event_id = parse_event_id(ref)
    if event_id is not None:
        try:
            return await read(event_id)
        except EventNotFound:
            pass  # a title or slug made of digits, perhaps
    summaries = await store.run(store.events.list_events, guild_id)
    exact = " ".join(ref.split()).casefold()
    for summary in summaries:
        if exact in (" ".join(summary.title.split()).casefold(), summary.slug.casefold()):
            return await read(summary.id)
    wanted = comparable(ref)
    alike = [summary for summary in summaries if title_compared(summary.title) == wanted]
    if len(alike) == 1:
        return await read(alike[0].id)
    raise NotFound(no_match(ref, summaries))


# Titles are compared as names are (`comparable`: spacing, case and width aside, and in
# simplified characters, so that a member finds 导弹防御论坛 typing 導彈防禦論壇); the
# guild's titles are kept so, since each autocomplete keystroke compares them again.
title_compared = functools.lru_cache(maxsize=4096)(comparable)


class KeptTitles:
    """The `[event]` option's titles of each server (`Events.event_titles`), kept between
    keystrokes: a keystroke costs the read of the server's events version, and the
    events are read again only when it moved (another process's change too) or one of
    them began or ended since. Those of the servers asked about least recently go past
    KEPT_TITLES."""

    def __init__(self, store: Store, limit: int = KEPT_TITLES) -> None:
        self._store = store
        self._limit = limit
        self._kept: OrderedDict[int, EventTitles] = OrderedDict()
        self._count = 0  # titles kept, of every server

    async def of(self, guild_id: int) -> EventTitles:
        store = self._store
        kept = self._kept.get(guild_id)
        titles = await store.run(store.events.event_titles, guild_id, kept)
        now_kept = self._kept.pop(guild_id, None)  # (another keystroke's, meanwhile)
        if now_kept is not None:
            self._count -= len(now_kept.titles)
        if now_kept is not None and now_kept.version > titles.version:
            titles = now_kept  # a newer read landed first: never go back to an older one
        self._kept[guild_id] = titles
        self._count += len(titles.titles)
        while self._count > self._limit and len(self._kept) > 1:
            _, dropped = self._kept.popitem(last=False)
            self._count -= len(dropped.titles)
        return titles


def parse_event_id(text: str) -> int | None:
    """The event id `text` spells, or None: ASCII digits only (`str.isdigit` also takes
    "²"), and within SQLite's integer range, so a lookup can only find or miss."""
    if not EVENT_ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_EVENT_ID else None


def no_match(ref: str, summaries: list[EventSummary]) -> Text:
    """The refusal for an `[event]` that names nothing here, with the titles it is close to."""
    typed = clip(" ".join(ref.split()), MAX_TYPED)
    close = closest(typed, [summary.title for summary in summaries[:MAX_COMPARED]])
    if close:
        # Titles are page text: listed as they are, between quotation marks.
        return Text(N_("no event in this server matches {typed!r}; did you mean {titles}?"),
                    typed=typed, titles=" / ".join(f"“{clip(title, 60)}”" for title in close))
    return Text(N_("no event in this server matches {typed!r}; pick one from the list as you "
                   "type, or see /event list"), typed=typed)


def closest(typed: str, titles: list[str], count: int = 3) -> list[str]:
    """The titles most like `typed` (at most `count`, the likest first): those holding most
    of the letter pairs typed, which forgives a typo or a word left out, then the closest
    in all (Dice's coefficient); in time linear in the text compared."""
    wanted = letter_pairs(typed)
    if len(wanted) < MIN_PAIRS:
        return []
    scored = []
    for n, title in enumerate(dict.fromkeys(titles)):
        pairs = letter_pairs(title[:COMPARED_CHARS])
        shared = len(wanted & pairs)
        if shared >= LIKE_ENOUGH * len(wanted):
            scored.append((-shared, -shared / (len(wanted) + len(pairs)), n, title))
    return [found[-1] for found in sorted(scored)[:count]]


def letter_pairs(text: str) -> set[str]:
    compared = comparable(text)
    return {compared[i:i + 2] for i in range(len(compared) - 1)}
