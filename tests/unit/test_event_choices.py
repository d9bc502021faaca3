"""The choices the `[event]` option's autocomplete offers: within Discord's 100
characters a name, whatever the title, with the date and the id that tell events apart."""

from __future__ import annotations

import dataclasses
import random
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.event_option import choice_name
from bot.flows import events as events_flow
from bot.flows.events import TitleIndex
from bot.models import EventListing, EventTitle, EventTitles
from bot.pages_names import comparable


def test_a_long_title_is_cut_so_that_its_choice_fits_with_its_date_and_id():
    """Discord refuses a whole autocomplete answer if one choice's name passes 100."""
    listing = EventListing(123456, "A" * 200, datetime(2037, 5, 6, 18, tzinfo=UTC),
                           seats_left=5, registration_open=True, archived=False, over=False)
    shanghai = ZoneInfo("Asia/Shanghai")  # 02:00 the next day there
    assert choice_name(listing, shanghai) == "A" * 86 + "… (2037-05-07)"
    assert choice_name(listing, shanghai, with_id=True) == "A" * 78 + "… (2037-05-07) #123456"
    assert all(len(choice_name(listing, shanghai, with_id=w)) == 100 for w in (False, True))


def test_a_title_that_shows_nothing_is_named_by_its_id():
    """Direction marks alone show as nothing, and Discord refuses an empty choice name."""
    undated = EventListing(77, "\u202e \u2066", None, seats_left=5, registration_open=True,
                           archived=False, over=False)
    assert choice_name(undated, UTC) == "#77"
    dated = dataclasses.replace(undated, starts_at=datetime(2037, 5, 6, 18, tzinfo=UTC))
    assert choice_name(dated, UTC) == "(2037-05-06) #77"


def index_of(titles: list[tuple[str, bool]], slugs: list[str] | None = None) -> TitleIndex:
    """The index of events 1, 2, ... titled `titles` (title, archived), in that order."""
    return TitleIndex(EventTitles(1, None, tuple(
        EventTitle(n, title, None, False, archived, slugs[n - 1] if slugs else f"event-{n}")
        for n, (title, archived) in enumerate(titles, start=1))))


def offered_one_by_one(titles: tuple[EventTitle, ...], typed: str, archived: bool,
                       limit: int) -> list[int]:
    """What the option offers, comparing each title in turn: the first `limit` holding
    `typed`, and the event whose id it is among them, wherever it comes."""
    needle = comparable(typed)
    offered = [title for title in titles if archived or not title.archived]
    by_title = [title.id for title in offered if needle in comparable(title.title)]
    by_id = [title.id for title in offered if needle in (str(title.id), f"#{title.id}")]
    if not by_id or by_id[0] in by_title[:limit]:
        return by_title[:limit]
    ids = [title.id for title in titles]  # (in the list's order)
    return sorted([*by_title[:limit - 1], *by_id], key=ids.index)


@pytest.mark.parametrize("at_once", [events_flow.SEARCHED_AT_ONCE, 7])
async def test_a_search_offers_what_comparing_each_title_in_turn_would(at_once, monkeypatch):
    """Found in one string of every title, a typed part is never found across two titles,
    and a title, its id, an archived one and the limit count as one by one; searched a
    few characters a turn, it finds a part that spans two turns' searches as well."""
    monkeypatch.setattr(events_flow, "SEARCHED_AT_ONCE", at_once)
    pieces = ["Arms", "arms", "ＡＲＭＳ", "Control", " ", "  ", "導彈", "导弹", "防御", "1", "12",
              "x", "Talk", "–", "é", "\u3000"]
    rng = random.Random(7)
    titles = [("".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))), rng.random() < 0.3)
              for _ in range(300)]
    index = index_of(titles)
    typed_ones = ["", " ", "arms", "ARMS CONTROL", "导弹", "導彈防禦", "s c", "1", "12", "012",
                  "123", "#12", "＃12", "#012", "#", "9" * 5000, "x\nx", "ms co", "Talk–", "zzz",
                  *(title for title, _ in titles[:40]),
                  *(title[1:4] for title, _ in titles[40:80])]
    for typed in typed_ones:
        for archived in (False, True):
            for limit in (1, 3, 25, 400):
                found = [title.id for title in await index.search(typed, archived=archived,
                                                                  limit=limit)]
                assert found == offered_one_by_one(index.titles, typed, archived, limit), (
                    typed, archived, limit)


async def test_a_keystroke_compares_no_title_again(monkeypatch):
    """The titles are compared once, as the index is built: a keystroke compares what was
    typed alone, however many events the server has."""
    index = index_of([(f"Meetup {n}", False) for n in range(2000)])
    calls = []
    monkeypatch.setattr(events_flow, "comparable", lambda text: calls.append(text) or text)
    assert [t.title for t in await index.search("meetup 1999", archived=False, limit=25)] == [
        "Meetup 1999"]
    assert calls == ["meetup 1999"]


def test_a_keystroke_searches_a_big_servers_titles_a_part_per_turn_of_the_event_loop():
    """One search of 10,000 titles that matched none held the event loop 0.7 to 1 ms:
    the titles are searched SEARCHED_AT_ONCE characters a turn, the turns given back to
    the loop between."""
    index = index_of([(f"Dialogue on nuclear policy and missile defense, part {n}", n % 7 == 0)
                      for n in range(10_000)])
    text = len(index._every._text)

    def turns(typed: str, limit: int = 25) -> tuple[int, list[int]]:
        search, given_back = index.search(typed, archived=True, limit=limit), 0
        while True:
            try:
                search.send(None)  # (what asyncio.sleep(0) gives back to the loop)
            except StopIteration as done:
                return given_back, [title.id for title in done.value]
            given_back += 1

    assert turns("zzz") == (text // events_flow.SEARCHED_AT_ONCE, [])
    assert turns("part 9999") == (text // events_flow.SEARCHED_AT_ONCE, [10_000])
    assert turns("missile") == (0, list(range(1, 26)))  # found within the first part


def test_an_event_is_named_by_its_exact_title_or_slug_first_then_by_the_one_title_alike():
    """Spacing and case aside, a title or slug names the first such event; else a title
    alike in width or Chinese script names the one event alike, never one of two."""
    index = index_of([("Arms Talk", False), ("arms  talk", True), ("導彈防禦論壇", False),
                      ("Twin", False), ("ＴＷＩＮ", False), ("Slugged", False)],
                     slugs=["arms-talk", "arms-talk-2", "missile", "twin", "twin-2", "Old-Name"])
    named = {ref: (found.id if (found := index.named(ref)) else None) for ref in (
        "Arms Talk", "ARMS   talk", "arms talk", "arms-talk-2", "导弹防御论坛", "導彈防禦論壇",
        "twin", "ｔｗｉｎ", "ｔwin", "twin-2", "old-name", "Slugged", "Arms", "")}
    assert named == {"Arms Talk": 1, "ARMS   talk": 1, "arms talk": 1, "arms-talk-2": 2,
                     "导弹防御论坛": 3, "導彈防禦論壇": 3, "twin": 4, "ｔｗｉｎ": 5, "ｔwin": None,
                     "twin-2": 5, "old-name": 6, "Slugged": 6, "Arms": None, "": None}


async def test_typed_text_longer_than_any_title_is_not_folded_however_long_it_is(monkeypatch):
    """An option's value may be 6,000 characters, and folding them (NFKC spells "ﷺ" out
    in 18) held the event loop 38 ms for one keystroke or command. No title is longer
    than MAX_TITLE: text longer than one typed at its widest (its accents apart, say)
    names and finds none, and is not folded; the longest title so typed still is."""
    title = "Café " * 40  # MAX_TITLE characters
    index = index_of([(title.strip(), False), ("Other", False)])
    spelt_out = unicodedata.normalize("NFD", title)  # each é as two characters
    folded: list[int] = []

    def counted(text: str) -> str:
        folded.append(len(text))
        return comparable(text)

    monkeypatch.setattr(events_flow, "comparable", counted)
    assert [t.id for t in await index.search(spelt_out, archived=False, limit=25)] == [1]
    assert (found := index.named(spelt_out)) is not None and found.id == 1
    folded.clear()
    for typed in ("ﷺ" * 6000, "é" * 6000, spelt_out * 30):
        assert await index.search(typed, archived=True, limit=25) == []
        assert index.named(typed) is None
    assert sum(folded) == 0
