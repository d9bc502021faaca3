"""`/event speakers`' pager: it takes its dead buttons away with a token that still
works, and turns the pages of the event as it is now."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import discord
import pytest

from bot.adapters.held import Held
from bot.errors import DatabaseBusy
from bot.i18n import language
from bot.models import Event
from bot.pages import Person
from cogs.events import (
    PAGER_PREFIX,
    pages_expired,
    same_people_page,
    speakers_pages,
    speakers_reply,
)


class Asked:
    """The parts of an interaction the pager uses: when it was made, who, its response,
    its token's edits, and a store that has `event` as it is."""

    def __init__(self, user_id: int, event: Event | None = None) -> None:
        self.id = discord.utils.time_snowflake(discord.utils.utcnow())  # made now
        self.extras: dict = {}
        self.user = SimpleNamespace(id=user_id)
        self.client = SimpleNamespace(store=SimpleNamespace(
            run=self._run, events=SimpleNamespace(get_event=lambda guild_id, event_id: event)))
        self.response = SimpleNamespace(edit_message=self._answered)
        self.edits: list[dict] = []
        self.answers: list[dict] = []

    async def _answered(self, **fields: object) -> None:
        self.answers.append(fields)

    @staticmethod
    async def _run(read, *args):
        await asyncio.sleep(0)  # the read's turn of the event loop, as the store's
        return read(*args)

    async def edit_original_response(self, **fields: object) -> None:
        self.edits.append(fields)


def panel(people: int | tuple[Person, ...]) -> Event:
    if isinstance(people, int):
        people = tuple(Person(f"Speaker {n}", "speaker", "A bio. " * 200) for n in range(people))
    return Event(
        id=1, guild_id=1, slug="panel", title="Panel", venue=None, link=None,
        starts_at=datetime(2030, 5, 1, 18, tzinfo=UTC), ends_at=None, capacity=10, confirmed=0,
        waitlisted=0, registration_open=True, closed_reason=None, description="About.",
        recap_summary="", language=None, translation=None, off_the_record=False,
        access_notes=(), has_recap=False, people=people, takeaways=(), all_day=False,
        archived=False)


async def test_the_pager_times_out_through_the_last_click_whose_token_still_lives():
    # Each click restarts the pager's 14 minutes, while the command's token dies 15
    # minutes after the command: the last click's token is the one still alive.
    event = panel(12)
    _, pager = speakers_reply(language("en-US"), event, 7, Held(PAGER_PREFIX, pages_expired))
    assert pager is not None and len(pager.pages) > 2
    command, first, second = Asked(7), Asked(7, event), Asked(7, event)
    pager.latest = command
    await pager.on_next(first)
    await pager.on_next(second)
    await pager.on_timeout()
    assert (command.edits, first.edits, second.edits) == ([], [], [{"view": None}])


async def test_the_pager_is_timed_from_the_token_it_edits_through_not_a_failed_click():
    # Its expiry edits through `latest`'s token, which dies 15 minutes after it was made:
    # a click that turned no page (the database busy) gives no newer token, so it does not
    # start the pager's time again; one that turned a page does.
    event = panel(12)
    _, pager = speakers_reply(language("en-US"), event, 7, Held(PAGER_PREFIX, pages_expired))
    assert pager is not None
    command = Asked(7)
    command.id = discord.utils.time_snowflake(
        discord.utils.utcnow() - timedelta(minutes=13))  # made 13 minutes ago
    pager.edits_through(command)
    assert 50 < pager.timeout <= 60  # its 14 minutes, from the command

    async def busy(*_: object) -> None:
        raise DatabaseBusy

    failed = Asked(7, event)
    failed.client.store.run = busy
    with pytest.raises(DatabaseBusy):
        await pager.on_next(failed)
    assert pager.latest is command and pager.timeout <= 60

    turned = Asked(7, event)
    await pager.on_next(turned)
    assert pager.latest is turned and pager.timeout > 13 * 60


def start(event: Event):
    _, pager = speakers_reply(language("en-US"), event, 7, Held(PAGER_PREFIX, pages_expired))
    assert pager is not None
    return pager


async def test_two_quick_clicks_turn_two_pages():
    event = panel(12)
    pager = start(event)
    await asyncio.gather(pager.on_next(Asked(7, event)), pager.on_next(Asked(7, event)))
    assert pager.page == 2


async def test_a_pager_whose_event_has_nobody_left_shows_that_page_without_its_buttons():
    pager = start(panel(12))
    click = Asked(7, panel(0))
    await pager.on_next(click)
    [answer] = click.answers
    assert answer["view"] is None and pager.is_finished()  # an empty menu Discord refuses
    assert answer["embed"].description == "This event's page names no speakers."


LONG = "A long bio. " * 1500  # over several pages


def pages_of(event: Event):
    return speakers_pages(language("en-US"), event)


def test_an_edit_that_leaves_the_people_as_they_were_keeps_the_page():
    before = panel((Person("Ann Lee", "moderator", LONG), Person("Bo Tan", "speaker", "Bio.")))
    after = dataclasses.replace(before, capacity=99, venue="Hall B")
    old, new = pages_of(before), pages_of(after)
    assert len(old) > 3
    assert same_people_page(before, old, 2, after, new) == 2  # Ann's bio, its third page


def test_the_same_part_of_the_same_persons_bio_is_found_after_their_people_changed():
    li_mod, li_speaker = Person("Li Wei", "moderator", LONG), Person("Li Wei", "speaker", LONG)
    before = panel((li_mod, li_speaker))
    after = panel((Person("New Comer", "moderator", "Bio."), li_mod,
                   dataclasses.replace(li_speaker, bio=LONG + "Edited.")))
    old, new = pages_of(before), pages_of(after)
    speaker_pages = [n for n, page in enumerate(old) if 1 in page.people]
    moved = same_people_page(before, old, speaker_pages[1], after, new)
    assert new[moved].people[0] == 2  # the speaker Li Wei, not the moderator
    assert sum(2 in page.people for page in new[:moved]) == 1  # their bio's second page


def test_a_person_whose_name_gained_its_other_half_keeps_their_page():
    # A moderator imported the Chinese page meanwhile: "Li Bin" is now "Li Bin (李彬)".
    people = (Person("Tong Zhao", "moderator", LONG), Person("Li Bin", "speaker", LONG))
    before = panel(people)
    after = panel((Person("Tong Zhao (赵通)", "moderator", LONG),
                   Person("Li Bin (李彬)", "speaker", LONG)))
    old, new = pages_of(before), pages_of(after)
    li_bin = [n for n, page in enumerate(old) if 1 in page.people]
    moved = same_people_page(before, old, li_bin[1], after, new)
    assert new[moved].people[0] == 1 and sum(1 in page.people for page in new[:moved]) == 1


async def test_one_member_asking_again_and_again_holds_one_live_pager():
    # Each `/event speakers` of a panel holds a pager (about 8 KB, and discord.py's timer)
    # for its 14 minutes: a member sending it 1,000 times must not hold 1,000 of them.
    # Their earlier pager is let go, and a click on it is told the pages expired.
    held, event, lang = Held(PAGER_PREFIX, pages_expired), panel(12), language("en-US")
    pagers = [speakers_reply(lang, event, 7, held)[1] for _ in range(1_000)]
    assert sum(not pager.is_finished() for pager in pagers) == 1
    assert not pagers[-1].is_finished()
    others = [speakers_reply(lang, event, 100 + n, held)[1] for n in range(200)]
    assert sum(not pager.is_finished() for pager in pagers + others) == 201  # one each
    told: list[str] = []

    class Click:
        type = discord.InteractionType.component
        locale = discord.Locale.american_english
        def __init__(self) -> None:
            self.data = {"custom_id": pagers[0].next.custom_id, "component_type": 2}
            self.response = SimpleNamespace(edit_message=self._edit)

        async def _edit(self, content: str | None = None, **_: object) -> None:
            told.append(content or "")

    answer = held.answer_stale(Click())  # type: ignore[arg-type]
    assert answer is not None
    await answer
    assert told == [pages_expired(lang)]
