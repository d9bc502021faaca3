"""Which event a member or moderator means: the `[event]` option's rules, in one place."""

from __future__ import annotations

import asyncio
import re
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.catalog import MAX_TITLE
from bot.characters import without_invisible
from bot.errors import EventNotFound, NotFound
from bot.i18n import N_, Text
from bot.locks import KeyedLocks
from bot.models import DeletedEvent, EventSummary, EventTitle, EventTitles
from bot.offload import by_size
from bot.pages_names import comparable
from bot.render import clip
from bot.storage import Store

EVENT_ID = re.compile(r"[0-9]{1,19}")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
T = TypeVar("T")
MAX_EVENT_ID = 2**63 - 1  # SQLite's largest integer: a bigger one overflows, not misses
MAX_TYPED = 80  # characters of a member's text quoted back or compared with titles
# Titles compared for suggestions (the next and latest), each by its first characters:
# about a millisecond on the event loop at most (difflib took 25 to 75 ms for 250).
MAX_COMPARED = 100
COMPARED_CHARS = 100
# Events' titles the `[event]` option keeps, of the servers asked about last (a server's
# are kept whole, however many), indexed (`TitleIndex`): 20 MB for titles of 50 letters.
KEPT_TITLES = 20_000
# Characters of a server's titles one turn of the event loop searches for a keystroke
# (`_Joined.find`): about 0.1 ms of `str.find`. Ten thousand titles are 760,000 of them,
# which one search held the loop 0.7 to 1 ms for when none matched.
SEARCHED_AT_ONCE = 2**17
# Characters of typed text that may name or find a title (`TitleIndex`): a title
# (MAX_TITLE at most) typed at its widest, its accents apart or its words spaced out. An
# option may hold 6,000, and folding them (NFKC spells "ﷺ" out in 18) held the event
# loop 38 ms a keystroke; longer text is not folded, as no title holds it.
LONGEST_TYPED_TITLE = 3 * MAX_TITLE
LIKE_ENOUGH = 0.7  # of the letter pairs typed that a title holds, to be suggested
MIN_PAIRS = 3  # letter pairs typed (four letters) before anything is suggested


async def resolve(titles: KeptTitles, guild_id: int, ref: str | None) -> EventSummary:
    """The event named by the `[event]` option: an id of this server (what autocomplete
    sends), or an exact title or slug; without it, the one `/event list` shows first
    (`default_event_id`). Nothing looser: a stray number or word must not pick some other
    event (autocomplete is where members search by part of a title). A title typed in the
    other
    Chinese script, or in other widths, names the one event it can be, never one of two."""
    store = titles.store
    return await resolve_with(titles, guild_id, ref,
                              lambda event_id: store.summary(guild_id, event_id))


async def resolve_with(titles: KeptTitles, guild_id: int, ref: str | None,
                       read: Callable[[int], Awaitable[T]]) -> T:
    """`read(event_id)` of the event `ref` names, by `resolve`'s rules. A command reads
    what it needs of the event in that one call, whose EventNotFound also tells that an
    id is not of this server: the common case (an id from autocomplete) costs one read,
    not a lookup of the event and then the read. A title or slug is looked up among the
    server's kept titles (`KeptTitles`), not read again with every event of the server."""
    store = titles.store
    ref = without_invisible(ref or "").strip()  # pasted with a zero-width space: as it shows
    if not ref:
        event_id = await store.run(store.events.default_event_id, guild_id)
        if event_id is None:
            raise NotFound(N_("this server has no events yet; a moderator can add one with "
                              "/manage import"))
        return await read(event_id)
    event_id = parse_event_id(id_digits(ref))
    if event_id is not None:
        try:
            return await read(event_id)
        except EventNotFound:
            pass  # a title or slug made of digits, perhaps
    index = await titles.of(guild_id)
    named = index.named(ref)
    if named is not None:
        return await read(named.id)
    if event_id is not None:  # an id picked before its event was deleted: say so by title
        deleted = await store.run(store.events.deleted_event, guild_id, event_id)
        if deleted is not None:
            raise NotFound(deleted_line(event_id, deleted))
    raise NotFound(no_match(ref, [title.title for title in index.titles[:MAX_COMPARED]]))


SEVERAL = -1  # (`TitleIndex`: a title alike several events names none of them)


def typed_as(title: str) -> str:
    """A title as `TitleIndex.named` compares it: spacing and case aside, and without the
    characters that draw nothing (a paste carries them; a title's emoji may hold one, the
    joiner of "👩‍💻"), on both sides alike."""
    return " ".join(without_invisible(title).split()).casefold()


class TitleIndex:
    """A server's events (`Events.event_titles`, in `/event list`'s order) as members name
    and search them, built once per read of them: a title or slug named is looked up, and
    a keystroke's part of a title is found by `str.find` in one string of them all, a
    part of it per turn of the event loop, so that neither holds the loop longer on a
    server of more events (comparing 10,000 titles one by one took 13 ms a keystroke).

    Titles are compared as names are (`comparable`: spacing, case and width aside, and in
    simplified characters, so that a member finds 导弹防御论坛 typing 導彈防禦論壇)."""

    def __init__(self, kept: EventTitles) -> None:
        self.kept = kept
        self.titles = kept.titles
        # a title as typed exactly (spacing and case aside), or a slug: its first event
        self._named: dict[str, int] = {}
        # a title `comparable`: its one event, or SEVERAL
        self._alike: dict[str, int] = {}
        self._ids = {title.id: n for n, title in enumerate(self.titles)}
        compared = []
        for n, title in enumerate(self.titles):
            slug = title.slug.casefold()
            for name in (typed_as(title.title),
                         title.slug if slug == title.slug else slug):  # (kept once)
                self._named.setdefault(name, n)
            alike = comparable(title.title)
            compared.append(alike)
            self._alike[alike] = SEVERAL if alike in self._alike else n
        current = [n for n, title in enumerate(self.titles) if not title.archived]
        self._every = _Joined(compared, range(len(compared)))
        self._current = self._every if len(current) == len(compared) else _Joined(
            [compared[n] for n in current], current)

    def named(self, ref: str) -> EventTitle | None:
        """The event `ref` names (`resolve`'s rules): the first whose title or slug it is,
        spacing and case aside; else the one title alike (`comparable`), if only one."""
        if len(ref) > LONGEST_TYPED_TITLE:
            return None
        n = self._named.get(typed_as(ref))
        if n is None:
            n = self._alike.get(comparable(ref), SEVERAL)
        return None if n == SEVERAL else self.titles[n]

    async def search(self, typed: str, *, archived: bool, limit: int) -> list[EventTitle]:
        """The first `limit` events, in order, whose title holds `typed` (compared as
        names are), and the one whose id it is among them whatever its place (`/event
        list` shows the ids: one typed must not be crowded out by titles holding its
        digits); archived ones only with `archived`."""
        if len(typed) > LONGEST_TYPED_TITLE:  # (nor is it an id)
            return []
        needle = comparable(typed)
        found = await (self._every if archived else self._current).find(needle, limit)
        digits = id_digits(needle)
        event_id = parse_event_id(digits)
        by_id = None if event_id is None or str(event_id) != digits else self._ids.get(event_id)
        if by_id is not None and by_id not in found and (
                archived or not self.titles[by_id].archived):
            found = sorted([*found[:limit - 1], by_id])
        return [self.titles[n] for n in found]


class _Joined:
    """Compared titles as one string, each ended by a newline (which `comparable` leaves
    in none), and where each begins: a needle is found in them by `str.find`, in C."""

    def __init__(self, compared: Sequence[str], positions: Sequence[int]) -> None:
        self._text = "".join(f"{title}\n" for title in compared)
        self._starts = array("q")
        at = 0
        for title in compared:
            self._starts.append(at)
            at += len(title) + 1
        self._positions = positions

    async def find(self, needle: str, limit: int) -> list[int]:
        """The positions of the first `limit` titles holding `needle` (no newline),
        searched SEARCHED_AT_ONCE characters a turn of the event loop."""
        if not needle:
            return list(self._positions[:limit])
        text = self._text
        found: list[int] = []
        at, left = 0, SEARCHED_AT_ONCE  # (what this turn may still search)
        while len(found) < limit:
            end = at + max(left, len(needle))
            hit = text.find(needle, at, end)
            if hit < 0:
                if end >= len(text):
                    break
                # (a needle that begins before `end` and ends after it is found next turn)
                at = max(at, end - len(needle) + 1)
                left = SEARCHED_AT_ONCE
                await asyncio.sleep(0)
                continue
            left -= hit + len(needle) - at
            n = bisect_right(self._starts, hit) - 1
            found.append(self._positions[n])
            at = self._starts[n + 1] if n + 1 < len(self._starts) else len(text)
        return found


class KeptTitles:
    """The `[event]` option's titles of each server (`Events.event_titles`), indexed
    (`TitleIndex`) and kept between keystrokes: a keystroke or a title named costs the
    read of the server's events version, and the events are read and indexed again only
    when it moved (another process's change too) or one of them began or ended since.
    Those of the servers asked about least recently go past KEPT_TITLES."""

    def __init__(self, store: Store, limit: int = KEPT_TITLES) -> None:
        self.store = store
        self._limit = limit
        self._kept: OrderedDict[int, TitleIndex] = OrderedDict()
        self._count = 0  # titles kept, of every server
        self._indexing = KeyedLocks()  # by server: one keystroke reads its titles at a time

    async def of(self, guild_id: int) -> TitleIndex:
        # One keystroke of a server at a time reads (and after a change indexes) its
        # titles: those at once after a change (an import, an event beginning) then find
        # them indexed and read only the version. Each read and indexed them all again
        # (143 and 155 ms for 10,000 events, on the database's thread and on the threads
        # pages are read on), which under steady typing piled up faster than it was done.
        async with self._indexing.hold(guild_id):
            store = self.store
            kept = self._kept.get(guild_id)
            titles = await store.run(store.events.event_titles, guild_id,
                                     None if kept is None else kept.kept)
            if kept is not None and titles is kept.kept:
                index = kept
            else:
                index = await by_size(len(titles.titles), TitleIndex, titles)
            now_kept = self._kept.pop(guild_id, None)
            if now_kept is not None:
                self._count -= len(now_kept.titles)
            self._kept[guild_id] = index
            self._count += len(index.titles)
            while self._count > self._limit and len(self._kept) > 1:
                _, dropped = self._kept.popitem(last=False)
                self._count -= len(dropped.titles)
            return index


def id_digits(typed: str) -> str:
    """What a member typed in the `[event]` option without the "#" before an id that
    choices name events by (`choice_name`), in either width: the digits that may be one."""
    return typed[1:] if typed[:1] in ("#", "＃") else typed


def parse_event_id(text: str) -> int | None:
    """The event id `text` spells, or None: ASCII digits only (`str.isdigit` also takes
    "²"), or the full-width ones a Chinese keyboard types ("１２", as the search folds
    them), and within SQLite's integer range, so a lookup can only find or miss."""
    text = text.translate(_FULL_WIDTH_DIGITS)
    if not EVENT_ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_EVENT_ID else None


def deleted_line(event_id: int, deleted: DeletedEvent) -> Text:
    """The refusal for the id of an event deleted since (as its buttons answer): cancelled,
    or, deleted after it took place, tidied away."""
    if deleted.taken_place:
        return Text(N_("event {id} ({title}) took place and has been deleted since; see "
                       "/event list"), id=str(event_id), title=clip(deleted.title, 100))
    return Text(N_("event {id} ({title}) was cancelled; see /event list for what else is "
                   "coming up"), id=str(event_id), title=clip(deleted.title, 100))


def no_match(ref: str, titles: list[str]) -> Text:
    """The refusal for an `[event]` that names nothing here, with the `titles` (the first
    of the server's) it is close to."""
    typed = clip(" ".join(ref.split()), MAX_TYPED)
    close = closest(typed, titles)
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
