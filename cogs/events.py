"""`/event`: what an event is about: details, list, speakers, takeaways."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import operator
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Generic, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.event_option import (
    EVENT_HELP,
    MAX_CHOICES,
    EventOption,
    guild_id_of,
    resolve_event,
    resolve_summary,
)
from bot.adapters.held import Held, TokenView
from bot.adapters.languages import public_reply_language
from bot.app import EventBot, Interaction
from bot.calendar import event_ics
from bot.content import people_matching, person_called
from bot.errors import EventNotFound, NotFound, UserError
from bot.i18n import N_, Language, Markup
from bot.models import Event
from bot.offload import off_loop
from bot.pages import name_keys
from bot.questions import intents, searchable
from bot.render import (
    CHOICE_NAME,
    CHOICE_VALUE,
    CONTENT,
    SpeakerPage,
    clip,
    event_embed,
    names_text,
    reader_first,
    role_title,
    safe,
    speaker_embed,
    speaker_options,
    speaker_pages,
    takeaways_messages,
    takeaways_upload,
)
from bot.render_answers import answer_embed
from bot.render_replies import LIST_LIMIT, calendar_reply, events_list_embed
from bot.tree import (
    PUBLIC_REPLY,
    Unreadable,
    before_deadline,
    member_language,
    report_error,
    respond,
)

PAGER_TIMEOUT = 14 * 60  # seconds: inside the 15 minutes an interaction token lives
PAGER_PREFIX = "eventbot:speakers:"
# Pagers held at once, of every member (8 KB each, and a timer, for 14 minutes): one per
# member did not bound them in a server of 100,000; past it, the oldest is let go.
PAGERS_HELD = 10_000

RENDERED = 128  # event states kept per reply (a few MB at most)
# Characters of text the events of a reply's kept states hold (`Event.text_size`):
# 128 events of pages near the 2 MB limit held 250 MB for one reply. Four such events,
# or all 128 of a usual server (tens of KB each).
RENDERED_TEXT = 8_000_000
SEAT_COUNTS = ("confirmed", "waitlisted")  # what a join changes of an event
Reply = TypeVar("Reply")


class RenderedOnce(Generic[Reply]):
    """A reply rendered once per language and state of an event: reading an unchanged
    event again costs no rendering. Kept by language and event id, not by the whole
    event (a frozen Event hashes every field on each lookup): the store hands out the
    same Event object while an event is unchanged, so a hit is an identity check, and an
    equal event (another object) is a hit too. A reply that does not show the seat
    counts (`shows_seats=False`) is not rendered again when only they changed: a join
    must not make the next reader of a large event pay for its whole content again. One
    that does show them is rendered again once the event is over, which it then says. The
    replies are only ever read."""

    def __init__(self, render: Callable[[Language, Event], Reply], *,
                 shows_seats: bool = True) -> None:
        self.render = render
        # What the reply depends on, as a tuple compared field by field: content the store
        # hands out unchanged is the same object, so comparing it costs an identity check.
        self._shown = operator.attrgetter(*(
            f.name for f in dataclasses.fields(Event)
            if shows_seats or f.name not in SEAT_COUNTS))
        self._shows_seats = shows_seats
        # (language, event id) -> the event, what the reply shows of it, the reply, and
        # the event's end with whether the reply shows it over: it goes stale when the
        # wall clock says otherwise (the event ended; or the clock, stepped ahead, was set
        # back); None for a reply that shows no seats
        self._kept: dict[tuple[Language, int], tuple[Event, tuple[object, ...], Reply,
                                                     tuple[datetime, bool] | None]] = {}
        self._sizes: dict[tuple[Language, int], int] = {}  # each kept event's text_size
        self._text = 0  # their sum

    def __call__(self, lang: Language, event: Event) -> Reply:
        key = (lang, event.id)
        kept = self._kept.get(key)
        if kept is not None and kept[3] is not None and (
                (datetime.now(UTC) >= kept[3][0]) != kept[3][1]):
            kept = None  # rendered before the event was over (or, shown over, since set back)
        if kept is not None and kept[0] is event:
            return kept[2]
        shown = self._shown(event)
        if kept is not None and kept[1] == shown:
            self._kept[key] = (event, shown, kept[2], kept[3])  # next: an identity check
            return kept[2]
        over_at = event.over_at if self._shows_seats else None
        # Read before rendering: a reply rendered as the event ends goes stale at once.
        ends = None if over_at is None else (over_at, datetime.now(UTC) >= over_at)
        reply = self.render(lang, event)
        size = event.text_size
        self._forget(key)
        while self._kept and (len(self._kept) >= RENDERED
                              or self._text + size > RENDERED_TEXT):
            self._forget(next(iter(self._kept)))  # the one kept longest
        self._kept[key] = (event, shown, reply, ends)
        self._sizes[key] = size
        self._text += size
        return reply

    def _forget(self, key: tuple[Language, int]) -> None:
        if self._kept.pop(key, None) is not None:
            self._text -= self._sizes.pop(key)


info_embed = RenderedOnce(event_embed)
speakers_pages = RenderedOnce(speaker_pages, shows_seats=False)
takeaways_pages = RenderedOnce(takeaways_messages, shows_seats=False)


async def send_pages(interaction: Interaction, messages: list[list[discord.Embed]],
                     last_file: discord.File | None = None) -> None:
    """Send embeds that need several messages: the reply, then follow-ups; `last_file`
    goes with the last."""
    for number, embeds in enumerate(messages, 1):
        if number == len(messages) and last_file is not None:
            await respond(interaction, embeds=embeds, file=last_file)
        else:
            await respond(interaction, embeds=embeds)


def pages_expired(lang: Language) -> str:
    return lang._("These pages have expired; run /event speakers again.")


class SpeakerPager(TokenView):
    """`/event speakers` in one ephemeral message: Previous/Next and a menu to jump to a
    person, each editing that message. Only the member who asked can turn its pages.
    Held in memory only: once it is gone (expired, or the bot restarted), its `Held`
    answers the clicks (bot.adapters.held)."""

    def __init__(self, lang: Language, event: Event, pages: list[SpeakerPage],
                 owner_id: int, held: Held) -> None:
        super().__init__(None, timeout=PAGER_TIMEOUT)  # timed from the command (`edits_through`)
        self.lang = lang
        self.event = event
        self.pages = pages
        self.owner_id = owner_id
        self.page = 0
        # The interaction whose token edits the message last: the command's, then each
        # click's that turned a page (`edits_through`). A token lives 15 minutes, and the
        # pager's time runs from when this one was made: a click that fails (the database
        # busy, its answer too late) leaves both as they were.
        self.latest: Interaction | None = None
        self.turning = asyncio.Lock()
        # one live pager per member, and PAGERS_HELD in all
        key = held.hold(self, event.guild_id, owner=owner_id, most=PAGERS_HELD)
        self.previous: discord.ui.Button[SpeakerPager] = discord.ui.Button(
            label=lang._("Previous"), emoji="◀️", row=0,
            custom_id=held.custom_id(key, "previous"))
        self.next: discord.ui.Button[SpeakerPager] = discord.ui.Button(
            label=lang._("Next"), emoji="▶️", row=0, custom_id=held.custom_id(key, "next"))
        self.jump: discord.ui.Select[SpeakerPager] = discord.ui.Select(
            placeholder=lang._("Jump to a person"), row=1, custom_id=held.custom_id(key, "jump"))
        # discord.py's way to give a component built here its callback
        self.previous.callback = self.on_previous  # type: ignore[method-assign,assignment]
        self.next.callback = self.on_next  # type: ignore[method-assign,assignment]
        self.jump.callback = self.on_jump  # type: ignore[method-assign,assignment]
        for item in (self.previous, self.next, self.jump):
            self.add_item(item)
        self.refresh()

    @property
    def embed(self) -> discord.Embed:
        return self.pages[self.page].embed

    def refresh(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page == len(self.pages) - 1
        self.jump.options = speaker_options(self.lang, self.event, self.pages, self.page)

    async def interaction_check(self, interaction: Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await respond(interaction, member_language(interaction)._(
            "These pages belong to whoever asked; use `/event speakers` to get your own."),
            ephemeral=True)
        return False

    async def turn_to(self, interaction: Interaction, target: Callable[[], int]) -> None:
        """Show the page `target()` names among the pages as the member last saw them.
        The event is read again first: after an edit the bios are shown as they are now,
        at the same person; after a deletion the message says the event is gone. Clicks
        are taken one at a time: two quick Nexts turn two pages."""
        async with self.turning:
            page = max(0, min(target(), len(self.pages) - 1))
            store = interaction.client.store
            try:
                event = await store.run(store.events.get_event, self.event.guild_id,
                                        self.event.id)
            except EventNotFound:
                self.stop()
                # deleted after it took place: tidied away, as its announcement says, and
                # nobody was told it was cancelled
                deleted = await store.run(store.events.deleted_event, self.event.guild_id,
                                          self.event.id)
                title = safe(self.event.title)
                await interaction.response.edit_message(
                    content=self.lang._("**{title}** took place and was deleted; these pages "
                                        "are gone.", title=title)
                    if deleted is not None and deleted.taken_place else
                    self.lang._("**{title}** was cancelled; these pages are gone.",
                                title=title), embed=None, view=None)
                return
            pages = speakers_pages(self.lang, event)  # the same list while it reads the same
            if pages is not self.pages:
                page = same_people_page(self.event, self.pages, page, event, pages)
                self.event, self.pages = event, pages
            self.page = page
            if len(pages) == 1:  # nothing left to turn (or nobody left to jump to)
                self.stop()
                await interaction.response.edit_message(embed=self.embed, view=None)
                return
            self.refresh()
            await interaction.response.edit_message(embed=self.embed, view=self)
            self.edits_through(interaction)

    def edits_through(self, interaction: Interaction) -> None:
        """`interaction` (the command, or a click that turned the page) edits the message
        from now on, its expiry too: the pager's time runs from when it was made."""
        self.latest = interaction
        self.expire_with(interaction)

    async def on_error(self, interaction: Interaction, error: Exception,
                       item: discord.ui.Item) -> None:
        await report_error(interaction, error)

    async def on_previous(self, interaction: Interaction) -> None:
        await self.turn_to(interaction, lambda: self.page - 1)

    async def on_next(self, interaction: Interaction) -> None:
        await self.turn_to(interaction, lambda: self.page + 1)

    async def on_jump(self, interaction: Interaction) -> None:
        chosen = self.jump.values  # this click's choice, before another's arrives
        if len(chosen) != 1 or not isinstance(chosen[0], str) or not chosen[0].isascii() \
                or not chosen[0].isdigit():
            # the menu offers one person's number: anything else is a crafted payload
            raise Unreadable("a choice the menu never offered")
        person = int(chosen[0])
        await self.turn_to(interaction, lambda: next(
            (n for n, page in enumerate(self.pages) if person in page.people), self.page))

    async def on_timeout(self) -> None:
        """Take the dead buttons away while the token still allows editing the message."""
        if self.latest is not None:
            with contextlib.suppress(discord.HTTPException):
                await self.latest.edit_original_response(view=None)


def same_people_page(old: Event, old_pages: list[SpeakerPage], page: int, event: Event,
                     pages: list[SpeakerPage]) -> int:
    """Page `page` of `old_pages` (of `old`) among `pages` (of `event`, as it is now):
    the same page where the people read the same (another field changed); else the page
    with the same part of the same person's bio (a bio may run over several pages; a
    name may be both a moderator's and a speaker's), else of someone of that name, else
    of a name sharing a half with it; the first page when they are all gone."""
    if old.people == event.people and len(old_pages) == len(pages):
        return page
    if not old_pages[page].people:
        return 0
    shown_first = old.people[old_pages[page].people[0]]
    part = sum(old_pages[page].people[0] in shown.people for shown in old_pages[:page])
    keys = name_keys(shown_first.name)  # "Li Bin" is "Li Bin (李彬)" once paired
    for same in (lambda p: (p.name, p.role) == (shown_first.name, shown_first.role),
                 lambda p: p.name == shown_first.name,
                 lambda p: bool(keys & name_keys(p.name))):
        found = [n for n, shown in enumerate(pages)
                 if any(same(event.people[i]) for i in shown.people)]
        if found:
            return found[min(part, len(found) - 1)]
    return 0


def speakers_reply(lang: Language, event: Event, owner_id: int, held: Held
                   ) -> tuple[discord.Embed, SpeakerPager | None]:
    """The first page of `/event speakers`, with the pager when there is more than one."""
    pages = speakers_pages(lang, event)
    if len(pages) == 1:
        return pages[0].embed, None
    pager = SpeakerPager(lang, event, pages, owner_id, held)
    return pager.embed, pager


def calendar_file(lang: Language, event: Event, most: int | None = None) -> bytes:
    """The event's `.ics`, described in two languages the member's first, as /event info
    shows it to them; at most `most` bytes (`event_ics`)."""
    ordered = reader_first(lang, event.description)
    return event_ics(dataclasses.replace(event, description=ordered), most=most)


@app_commands.guild_only()
class EventCommands(commands.GroupCog, group_name="event",
                    group_description="Details, speakers and takeaways of this server's events"):
    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        self.pagers = Held(PAGER_PREFIX, pages_expired)  # the pagers whose components work

    async def cog_load(self) -> None:
        self.bot.clicks[PAGER_PREFIX] = self.pagers.answer_stale

    async def cog_unload(self) -> None:
        self.bot.clicks.pop(PAGER_PREFIX, None)

    @app_commands.command(name="info", description="Show an event: when, where, who, seats left",
                          extras=PUBLIC_REPLY)
    @app_commands.describe(event=EVENT_HELP)
    async def info(self, interaction: Interaction, event: EventOption | None = None) -> None:
        found = await resolve_event(interaction, event)
        lang = await public_reply_language(interaction)
        await respond(interaction, embed=info_embed(lang, found))

    @app_commands.command(name="list", description="This server's events to come: when, "
                          "seats left, open or closed",
                          extras=PUBLIC_REPLY)
    @app_commands.describe(past="Also show past and archived events")
    async def list_events(self, interaction: Interaction, past: bool = False) -> None:
        listings = await self.bot.store.run(self.bot.store.events.event_listings,
                                            guild_id_of(interaction), past=past,
                                            limit=LIST_LIMIT)
        if not listings.shown:
            lang = member_language(interaction)
            await respond(interaction, lang._("No events yet.") if past else lang._(
                "No events to come. Past and archived ones: `/event list {past}:True`.",
                past=lang.option_name("past")), ephemeral=True)
            return
        lang = await public_reply_language(interaction)
        await respond(interaction, embed=events_list_embed(lang, listings.shown, past=past,
                                                           total=listings.total))

    @app_commands.command(name="speakers", description="Everyone on the panel, with full bios")
    @app_commands.describe(event=EVENT_HELP)
    async def speakers(self, interaction: Interaction, event: EventOption | None = None) -> None:
        found = await resolve_event(interaction, event)
        embed, pager = speakers_reply(member_language(interaction), found, interaction.user.id,
                                      self.pagers)
        if pager is None:
            await respond(interaction, embed=embed, ephemeral=True)
            return
        await respond(interaction, embed=embed, view=pager, ephemeral=True)
        pager.edits_through(interaction)

    @app_commands.command(name="speaker", description="One speaker's bio",
                          extras=PUBLIC_REPLY)
    @app_commands.describe(name="The speaker's name", event=EVENT_HELP)
    async def speaker(self, interaction: Interaction, name: str,
                      event: EventOption | None = None) -> None:
        found = await resolve_event(interaction, event)
        person = person_called(found.people, name)
        if person is None:
            if not found.people:
                raise NotFound(N_("nobody called {name!r} speaks at {title}; nobody is listed"),
                               name=clip(name, 80), title=found.title)
            raise NotFound(N_("nobody called {name!r} speaks at {title}; the people are: "
                              "{names}"), name=clip(name, 80), title=found.title,
                           # the names that fit in half the message, the rest counted
                           names=Markup(names_text(
                               member_language(interaction), [p.name for p in found.people],
                               CONTENT // 2, "/event speakers")))
        await send_pages(interaction, speaker_embed(await public_reply_language(interaction), found,
                                                    person))

    @speaker.autocomplete("name")
    async def speaker_name_autocomplete(self, interaction: Interaction, current: str
                                        ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:  # a DM: no server's events to name people of
            return []
        try:  # no choices, rather than choices Discord would refuse as late
            found = await before_deadline(
                interaction, resolve_event(interaction, interaction.namespace.event))
        except (UserError, TimeoutError):
            return []
        lang = member_language(interaction)
        return [app_commands.Choice(name=clip(lang._("{name} ({role})", name=p.name,
                                                     role=role_title(lang, p.role)),
                                              CHOICE_NAME), value=p.name[:CHOICE_VALUE])
                for p in people_matching(found.people, current)][:MAX_CHOICES]

    @app_commands.command(name="ask", description="Ask what the event pages say about something",
                          extras=PUBLIC_REPLY)
    @app_commands.describe(question="Your question, e.g. what was said about deterrence?",
                           event="Only this event (default: all of this server's events)")
    async def ask(self, interaction: Interaction,
                  question: app_commands.Range[str, 1, 300],
                  event: EventOption | None = None) -> None:
        # Facts the question asks for come from the named event, else the default one.
        asked = intents(question)
        found = await resolve_event(interaction, event) if asked else None
        event_id = (found or await resolve_summary(interaction, event)).id if event else None
        passages = (await self.bot.store.run(self.bot.store.search.ask,
                                             guild_id_of(interaction), question, event_id)
                    if searchable(question) or not asked else [])
        await respond(interaction, embed=answer_embed(await public_reply_language(interaction),
                                                      question, passages, found, asked))

    @app_commands.command(name="calendar", description="Get the event as a calendar file (.ics)")
    @app_commands.describe(event=EVENT_HELP)
    async def calendar(self, interaction: Interaction, event: EventOption | None = None) -> None:
        found = await resolve_event(interaction, event)
        lang = member_language(interaction)
        # A large event's file (MBs of description) takes most of a second to write, cut to
        # the upload limit the interaction says (Discord refuses more: 413, code 40005).
        data = await off_loop(calendar_file, lang, found, interaction.filesize_limit)
        file = discord.File(io.BytesIO(data), filename=f"{found.slug}.ics")
        await respond(interaction, calendar_reply(lang, found), ephemeral=True, file=file)

    @app_commands.command(name="takeaways", description="The key takeaways from the recap",
                          extras=PUBLIC_REPLY)
    @app_commands.describe(event=EVENT_HELP)
    async def takeaways(self, interaction: Interaction, event: EventOption | None = None) -> None:
        found = await resolve_event(interaction, event)
        lang = await public_reply_language(interaction)
        reply = takeaways_pages(lang, found)
        file = None
        if reply.file_name is not None:  # too long for the messages: the whole text too
            file = await off_loop(takeaways_upload, lang, found, reply.file_name,
                                  interaction.filesize_limit)
        await send_pages(interaction, reply.messages, file)


async def setup(bot: EventBot) -> None:
    await bot.add_cog(EventCommands(bot))
