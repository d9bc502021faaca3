"""A preview's buttons and an edit form stop working once their time has passed in real
time, even when the host slept meanwhile (its monotonic clock stood still), and a wall
clock set back does not keep them alive. Each click or submission goes the way discord.py
takes it: handed to the view first, then to its `Held` (bot.tree.guard_interactions).
discord.py holds a view once the message showing it is sent (`shown`); one used before
that is handed to it by its `Held`."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord.ui.view import ViewStore

import bot.adapters.held as held_module
from bot.adapters.held import PER_MODERATOR, Held
from bot.adapters.import_preview import (
    CUSTOM_ID_PREFIX,
    PREVIEWS_HELD_CHARS,
    ImportPreview,
    expired,
)
from bot.adapters.manage_forms import EDIT_PREFIX, EditModal, form_expired
from bot.errors import DatabaseBusy
from bot.i18n import language
from bot.models import Event, Person
from cogs import events as events_cog

MINUTE = 60.0
PREVIEW_TIMEOUT = 14 * MINUTE
EXPIRED = "This preview has expired; run /manage import again."
FORM_EXPIRED = "This form has expired, so your edit was not saved; run /manage edit again."


class Clock:
    """The host's two clocks: the monotonic one stands still while it sleeps, the wall
    clock goes on (and may be set back)."""

    def __init__(self) -> None:
        self.mono, self.wall = 5_000.0, datetime(2026, 12, 4, 9, tzinfo=UTC).timestamp()

    def monotonic(self) -> float:
        return self.mono

    def time(self) -> float:
        return self.wall


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    faked = Clock()
    monkeypatch.setattr(held_module, "time", faked)
    return faked


class Moderator(discord.Member):
    """A member with Manage Events, as the interaction's `user`."""

    __slots__ = ()

    @property
    def guild_permissions(self) -> discord.Permissions:
        return discord.Permissions(manage_events=True)


def moderator() -> Moderator:
    member = object.__new__(Moderator)
    member._user = SimpleNamespace(id=7)  # type: ignore[assignment]
    return member


class Used:
    """A click or a form's submission, and what the bot answered to it."""

    def __init__(self, custom_id: str, kind: discord.InteractionType) -> None:
        self.type = kind
        self.data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        self.user, self.guild_id, self.guild, self._state = moderator(), 1, None, None
        self.id = discord.utils.time_snowflake(discord.utils.utcnow())  # made now
        self.locale = discord.Locale.american_english
        self.extras: dict[str, Any] = {}
        self.said: list[str | None] = []
        self._done = False
        self.response = SimpleNamespace(is_done=lambda: self._done, defer=self._defer,
                                        edit_message=self._edit, send_message=self._send)

    async def _defer(self, **_: object) -> None:
        self._done = True

    async def _edit(self, content: str | None = None, **_: object) -> None:
        self._done = True
        self.said.append(content)

    async def _send(self, content: str | None = None, **_: object) -> None:
        self._done = True
        self.said.append(content)

    async def edit_original_response(self, content: str | None = None, **_: object) -> None:
        self.said.append(content)


def shown(view: Any) -> Any:
    """`view` as discord.py holds it once the message showing it is sent (`store_view`),
    from then on dispatching its clicks or its submission itself."""
    ViewStore(None).add_view(view, 1)  # type: ignore[arg-type]
    return view


def arrives(held: Held, dispatched: asyncio.Task[None] | None,
            used: Used) -> list[asyncio.Future[Any]]:
    """What the bot does with `used`: discord.py's task for the view, then the `Held`'s
    answer (if any), as bot.tree.guard_interactions runs them."""
    answer = held.answer_stale(used)  # type: ignore[arg-type]
    return [work for work in (dispatched, answer) if work is not None]  # type: ignore[misc]


async def preview_clicked(clock: Clock, *, slept: float, mono: float = 0.0,
                          held_by_discord_py: bool = True) -> tuple[list[str], Used]:
    held = Held(CUSTOM_ID_PREFIX, expired)
    imported: list[str] = []

    async def do_import(_: Any, saved: Any) -> tuple[str, discord.Embed]:
        imported.append("saved")
        saved()
        return "Created.", discord.Embed()

    asked = Used("", discord.InteractionType.application_command)
    preview = ImportPreview(asked, held, PREVIEW_TIMEOUT, do_import)  # type: ignore[arg-type]
    if held_by_discord_py:
        shown(preview)
    clock.wall += slept
    clock.mono += mono
    go = preview.children[0]
    click = Used(go.custom_id, discord.InteractionType.component)  # type: ignore[attr-defined]
    dispatched = preview._dispatch_item(go, click) if held_by_discord_py else None  # type: ignore[arg-type]
    await asyncio.gather(*arrives(held, dispatched, click))
    return imported, click


async def test_a_preview_clicked_in_time_imports(clock):
    imported, click = await preview_clicked(clock, slept=10 * MINUTE, mono=10 * MINUTE)
    assert imported == ["saved"] and click.said == ["Created."]


async def test_a_preview_clicked_before_discord_py_holds_it_imports(clock):
    # On a slow host discord.py reads Discord's answer to the preview (and only then holds
    # its view) a second or more after Discord shows it: a click in between reached no
    # view and went unanswered. Its Held hands it to the view.
    imported, click = await preview_clicked(clock, slept=1.0, mono=1.0,
                                            held_by_discord_py=False)
    assert imported == ["saved"] and click.said == ["Created."]


async def test_a_preview_clicked_after_the_host_slept_an_hour_says_it_expired(clock):
    imported, click = await preview_clicked(clock, slept=60 * MINUTE)  # monotonic stood still
    assert imported == [] and click.said == [EXPIRED]


async def test_a_wall_clock_set_back_does_not_keep_a_preview_alive(clock):
    imported, click = await preview_clicked(clock, slept=-60 * MINUTE, mono=15 * MINUTE)
    assert imported == [] and click.said == [EXPIRED]


async def test_a_second_click_on_a_preview_that_expired_in_the_night_says_so_too(clock):
    held = Held(CUSTOM_ID_PREFIX, expired)

    async def do_import(_: Any, __: Any) -> tuple[str, discord.Embed]:
        raise AssertionError("imported")

    asked = Used("", discord.InteractionType.application_command)
    preview: Any = shown(ImportPreview(asked, held, PREVIEW_TIMEOUT, do_import))
    clock.wall += 60 * MINUTE
    clicks = [Used(preview.children[0].custom_id, discord.InteractionType.component)
              for _ in range(2)]
    for click in clicks:
        dispatched = None if preview.is_finished() else preview._dispatch_item(
            preview.children[0], click)
        await asyncio.gather(*arrives(held, dispatched, click))
    assert [click.said for click in clicks] == [[EXPIRED], [EXPIRED]]


async def test_a_refusal_after_the_import_was_saved_takes_the_buttons_and_saves_once(clock):
    """The event saved, then the database refused what follows (the Discord event's
    record): the preview loses its buttons, and a second click imports nothing again."""
    held = Held(CUSTOM_ID_PREFIX, expired)
    imported: list[str] = []

    async def do_import(_: Any, saved: Any) -> tuple[str, discord.Embed]:
        imported.append("saved")
        saved()
        raise DatabaseBusy

    asked = Used("", discord.InteractionType.application_command)
    preview: Any = shown(ImportPreview(asked, held, PREVIEW_TIMEOUT, do_import))
    for _ in range(2):
        click = Used(preview.children[0].custom_id, discord.InteractionType.component)
        dispatched = None if preview.is_finished() else preview._dispatch_item(
            preview.children[0], click)
        await asyncio.gather(*arrives(held, dispatched, click))
    assert imported == ["saved"]
    assert asked.said == [None]  # the preview edited once: its buttons taken away


async def test_a_click_refused_as_busy_keeps_the_preview_but_not_past_its_time(clock):
    """The preview's expiry edits through the command's token, which dies 15 minutes after
    the command: a click refused as busy keeps the buttons for a retry, but does not start
    the preview's time again (discord.py's timer included), so it still ends 14 minutes
    after the command, and a click after that is told it expired."""
    held = Held(CUSTOM_ID_PREFIX, expired)
    tries: list[str] = []

    async def do_import(_: Any, __: Any) -> tuple[str, discord.Embed]:
        tries.append("refused")
        raise DatabaseBusy

    asked = Used("", discord.InteractionType.application_command)
    preview: Any = shown(ImportPreview(asked, held, PREVIEW_TIMEOUT, do_import))
    go = preview.children[0]
    clock.mono += 13 * MINUTE
    clock.wall += 13 * MINUTE
    busy = Used(go.custom_id, discord.InteractionType.component)
    await asyncio.gather(*arrives(held, preview._dispatch_item(go, busy), busy))
    assert tries == ["refused"] and not preview.is_finished()  # kept for a retry
    assert 0 < preview.timeout <= MINUTE  # what discord.py's timer restarted with
    clock.mono += 1.5 * MINUTE
    clock.wall += 1.5 * MINUTE
    late = Used(go.custom_id, discord.InteractionType.component)
    dispatched = None if preview.is_finished() else preview._dispatch_item(go, late)
    await asyncio.gather(*arrives(held, dispatched, late))
    assert tries == ["refused"] and late.said == [EXPIRED]


def event() -> Event:
    return Event(
        id=1, guild_id=1, slug="forum", title="Forum", venue="Hall", link=None,
        starts_at=datetime(2030, 5, 1, 18, tzinfo=UTC), ends_at=None, capacity=10, confirmed=0,
        waitlisted=0, registration_open=True, closed_reason=None, description="About.",
        recap_summary="", language=None, translation=None, off_the_record=False,
        access_notes=(), has_recap=False, people=(), takeaways=(), all_day=False,
        archived=False)


async def form_submitted(clock: Clock, *, slept: float, mono: float = 0.0,
                         held_by_discord_py: bool = True) -> tuple[list[str], Used]:
    held = Held(EDIT_PREFIX, form_expired)
    form = EditModal(event(), "UTC", held, language("en-US"), moderator=1)
    if held_by_discord_py:
        shown(form)
    saved: list[str] = []

    async def on_submit(_: Any) -> None:
        saved.append(form.venue_input.value)

    form.on_submit = on_submit  # type: ignore[method-assign,assignment]
    clock.wall += slept
    clock.mono += mono
    submitted = Used(form.custom_id, discord.InteractionType.modal_submit)
    typed = [{"type": 1, "components": [{"type": 4, "custom_id": "venue", "value": "Room B"}]}]
    submitted.data["components"] = typed
    dispatched = form._dispatch_submit(submitted, typed, {}) if held_by_discord_py else None  # type: ignore[arg-type]
    await asyncio.gather(*arrives(held, dispatched, submitted))
    return saved, submitted


async def test_a_form_submitted_in_time_saves(clock):
    saved, submitted = await form_submitted(clock, slept=10 * MINUTE, mono=10 * MINUTE)
    assert saved == ["Room B"] and submitted.said == []


async def test_a_form_submitted_before_discord_py_holds_it_saves(clock):
    saved, submitted = await form_submitted(clock, slept=1.0, mono=1.0,
                                            held_by_discord_py=False)
    assert saved == ["Room B"] and submitted.said == []


async def test_a_form_submitted_after_the_host_slept_an_hour_saves_nothing_and_says_so(clock):
    saved, submitted = await form_submitted(clock, slept=60 * MINUTE)
    assert saved == [] and submitted.said == [FORM_EXPIRED]


async def test_a_wall_clock_set_back_does_not_keep_a_form_alive(clock):
    saved, submitted = await form_submitted(clock, slept=-60 * MINUTE, mono=16 * MINUTE)
    assert saved == [] and submitted.said == [FORM_EXPIRED]


class Pages(discord.ui.View):
    """A view whose every click it takes restarts its time, as a pager's do."""

    def __init__(self, held: Held) -> None:
        super().__init__(timeout=PREVIEW_TIMEOUT)
        self.turned = 0
        self.next: discord.ui.Button[Pages] = discord.ui.Button(
            label="Next", custom_id=held.custom_id(held.hold(self, 1), "next"))
        self.next.callback = self.on_next  # type: ignore[method-assign]
        self.add_item(self.next)

    async def on_next(self, interaction: Any) -> None:
        self.turned += 1
        await interaction.response.edit_message(content=f"page {self.turned}")


async def turned(clock: Clock, held: Held, pages: Any, *, after: float, slept: bool = False
                 ) -> list[str | None]:
    clock.wall += after
    clock.mono += 0.0 if slept else after
    click = Used(pages.next.custom_id, discord.InteractionType.component)
    dispatched = None if pages.is_finished() else pages._dispatch_item(pages.next, click)
    await asyncio.gather(*arrives(held, dispatched, click))
    return click.said


async def test_each_click_a_view_takes_starts_its_time_again_and_a_night_still_ends_it(clock):
    held = Held("eventbot:pages:", lambda lang: "These pages have expired.")
    pages = shown(Pages(held))
    assert await turned(clock, held, pages, after=10 * MINUTE) == ["page 1"]
    assert await turned(clock, held, pages, after=10 * MINUTE) == ["page 2"]  # 20 min in
    assert await turned(clock, held, pages, after=60 * MINUTE, slept=True) == [
        "These pages have expired."]


async def test_a_moderator_holds_a_few_previews_and_forms_however_many_they_open():
    # Each `/manage import` holds its preview, each `/manage edit` its form, for their
    # timeout: 100 of them from one moderator leave their last PER_MODERATOR live.
    previews, forms = Held(CUSTOM_ID_PREFIX, expired), Held(EDIT_PREFIX, form_expired)

    async def do_import(_: Any, saved: Any) -> tuple[str, discord.Embed]:
        raise AssertionError("not clicked")

    asked = Used("", discord.InteractionType.application_command)
    opened: list[Any] = [ImportPreview(asked, previews, PREVIEW_TIMEOUT, do_import)  # type: ignore[arg-type]
                         for _ in range(100)]
    opened += [EditModal(event(), "UTC", forms, language("en-US"), moderator=7)
               for _ in range(100)]
    live = [view for view in opened if not view.is_finished()]
    assert live == opened[100 - PER_MODERATOR:100] + opened[-PER_MODERATOR:]
    other = EditModal(event(), "UTC", forms, language("en-US"), moderator=8)
    assert not other.is_finished() and not opened[-1].is_finished()  # another's are theirs


async def test_previews_of_large_pages_held_at_once_are_bounded_by_the_heaviest_servers():
    # Each preview holds its page (2 MB at most) until it is answered or expires: 100
    # moderators in as many servers, each leaving a 2 MB page unanswered, must not hold
    # 100 pages. Past the bound, the server whose previews weigh most lets go of its
    # oldest: a few servers' moderators (one attacker's accounts) leaving previews of
    # large pages let go of their own, never of another server's, and no moderator is
    # refused a preview for what others hold.
    previews = Held(CUSTOM_ID_PREFIX, expired)

    async def do_import(_: Any, saved: Any) -> tuple[str, discord.Embed]:
        raise AssertionError("not clicked")

    def preview(moderator_id: int, guild_id: int, chars: int) -> ImportPreview:
        asked = Used("", discord.InteractionType.application_command)
        asked.guild_id = guild_id
        asked.user._user = SimpleNamespace(id=moderator_id)  # type: ignore[attr-defined]
        return ImportPreview(asked, previews, PREVIEW_TIMEOUT,  # type: ignore[arg-type]
                             do_import, page_chars=chars)

    page = 2_000_000  # characters of the largest page
    honest = [preview(1000 + n, 1000 + n, 50_000) for n in range(20)]  # usual pages
    big_but_few = preview(2000, 2000, page)
    flood = [preview(moderator, 1 + moderator % 5, page) for moderator in range(100)]
    live = [view for view in [*honest, big_but_few, *flood] if not view.is_finished()]
    assert sum(previews._weights[view] for view in live) <= PREVIEWS_HELD_CHARS
    assert not any(view.is_finished() for view in [*honest, big_but_few])
    assert flood[-1] in live and sum(not view.is_finished() for view in flood) >= 20
    # a server holding the most lets go of its own oldest as its moderators add more
    assert [view.is_finished() for view in flood[:5]] == [True] * 5


async def test_the_speaker_pagers_held_are_bounded_however_many_members_open_one(monkeypatch):
    # A pager (8 KB, and a timer) is held for 14 minutes, one per member: a server of
    # 100,000 members each opening /event speakers held 100,000 of them. Past
    # PAGERS_HELD, the oldest is let go, and its Next says to run the command again.
    monkeypatch.setattr(events_cog, "PAGERS_HELD", 50)
    held = Held(events_cog.PAGER_PREFIX, events_cog.pages_expired)
    people = tuple(Person(f"Person {n}", "speaker", f"Person {n} is a researcher. " * 60)
                   for n in range(30))
    panel = dataclasses.replace(event(), people=people)
    opened = [events_cog.speakers_reply(language("en-US"), panel, member, held)[1]
              for member in range(1, 201)]
    live = [pager for pager in opened if pager is not None and not pager.is_finished()]
    assert live == opened[-50:]
    oldest = opened[0]
    assert oldest is not None
    click = Used(oldest.next.custom_id, discord.InteractionType.component)
    await asyncio.gather(*arrives(held, None, click))
    assert click.said == ["These pages have expired; run /event speakers again."]
