"""Importing one page as an event: read it (an upload, a file or a URL), check that it is
an event page, decide what Import will do (create, update the event that already has it,
or add it to a named event, with which times and venue), and save that. `/manage import`
shows the decision as its preview and saves on Import; `python -m bot import` reads and
checks pages the same way."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from bot.catalog import (
    PageFacts,
    PageSource,
    import_page,
    import_title,
    keeps_event_title,
    page_facts,
    page_problem,
    page_size_limit,
    page_title,
    read_page_file,
    read_page_url,
    validate_title,
    validate_venue,
)
from bot.errors import InvalidValue
from bot.fetch import FetchPolicy
from bot.flows.events import TitleIndex
from bot.flows.registration import Changed
from bot.i18n import N_, Text
from bot.models import Event, EventDraft, EventTitle
from bot.offload import by_size
from bot.pages import Page
from bot.pages_zh import has_han
from bot.registration import check_seats_for
from bot.storage import Store
from bot.when import When
from bot.zones import server_zone


async def read_source(name: str, data: bytes | None = None, *,
                      policy: FetchPolicy | None = None) -> PageSource:
    """The page to import: `data` (an upload, or a file read) named `name` when given,
    else the page at the address `name`, fetched under `policy`'s rules."""
    if data is not None:
        return await read_page_file(name, data)
    return await read_page_url(name, policy or FetchPolicy())


def check_upload(name: str, size: int) -> None:
    """Refuse an uploaded page larger than a page of its kind may be."""
    limit = page_size_limit(name)
    if size > limit:
        raise InvalidValue(N_("{name} is {size:,} bytes; pages can be at most {limit:,} bytes"),
                           name=name, size=size, limit=limit)


def check_page(source: PageSource) -> None:
    """Refuse a page with no sign of an event (`page_problem`), before anything is shown
    or saved."""
    problem = page_problem(source.page)
    if problem:
        raise InvalidValue(problem)


@dataclass(frozen=True, slots=True)
class Typed:
    """The times, venue and title the moderator typed: they win over the event's and the
    page's."""

    starts_at: datetime | None = None
    all_day: bool = False
    ends_at: datetime | None = None
    venue: str | None = None
    title: str | None = None
    # how a typed time was read, where there was a choice (CST; 01:30 as the clocks go back)
    notes: tuple[Text, ...] = ()


def typed_values(start: When, end: When, venue: str | None,
                 title: str | None = None) -> Typed:
    """The typed start and end (an all-day end ends with its day), the venue, its
    spaces tidied (one that shows nothing is none), the title, checked as an event's is
    (refused now, before the page is downloaded or fetched and read), and what to say of
    how the times were read."""
    return Typed(start.starts_at, start.all_day, end.as_end, validate_venue(venue),
                 validate_title(title) if title else None,
                 tuple(note for note in (start.note, end.note) if note is not None))


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What Import will do, as the preview shows it, and what it saves."""

    source: PageSource
    facts: PageFacts  # when and where the page says, read in the server's zone
    typed: Typed
    capacity: int | None
    title: str
    target: Event | None  # the event the page goes to; None: a new event
    adds_to: bool  # the moderator named the target
    starts_at: datetime | None
    ends_at: datetime | None
    all_day: bool
    venue: str | None
    # What the page now says that the event keeps its own of ("title", "when", "venue"):
    # an event's title, date and venue, once set, change only when the moderator says so.
    page_differs: tuple[str, ...] = ()
    # The named event has another page of this kind and language: this one takes its place.
    replaces_page: bool = False
    # A recap, for an event that starts later than the preview: the event's date or the
    # page is wrong, and the moderator is told before the recap is out to members.
    recap_ahead: bool = False
    # A recap that would make a new event, of the title of one the server has: most
    # likely the event it recaps, which the moderator is shown how to add it to.
    recaps: EventTitle | None = None

    @property
    def notes(self) -> tuple[Text, ...]:
        return self.facts.notes + self.typed.notes


def start_of(plan: ImportPlan) -> When:
    """The start the event will have, as an end typed alone is read after it: on the clock
    the page gave its times in where that start is the page's ("6:00 PM EST": an "8pm"
    typed is New York's), else on the server's. None where neither gives one."""
    page = plan.facts.when
    return When(plan.starts_at, all_day=plan.all_day,
                zone=page.zone if plan.starts_at == page.starts_at else None)


def with_typed_end(plan: ImportPlan, end: When) -> ImportPlan:
    """The plan with its end typed alone read again (`end`) against the start the event
    will have, the page's or the event's: "8pm" is that day's, not the next 8 PM from now,
    and a date that day's end, as with a start typed too (`bot.when_typed.parse_typed`)."""
    typed = replace(plan.typed, ends_at=end.as_end,
                    notes=() if end.note is None else (end.note,))  # (no start typed)
    return replace(plan, typed=typed, ends_at=end_with_typed(typed, plan.ends_at))


def plan_import(source: PageSource, facts: PageFacts, typed: Typed, capacity: int | None,
                title: str, target: Event | None, *, adds_to: bool,
                zone: str | None = None) -> ImportPlan:
    """The times and venue the event will have, by the store's rule: what the moderator
    typed wins, then what the event already has, then what the page says (`title` is
    decided so already, `import_title`)."""
    page_when = facts.when
    starts: datetime | None
    if typed.starts_at is not None:
        starts, ends, all_day = typed.starts_at, typed.ends_at, typed.all_day
    elif target is not None and target.starts_at is not None:
        starts, ends, all_day = target.starts_at, target.ends_at, target.all_day
    else:
        starts, ends, all_day = page_when.starts_at, page_when.ends_at, page_when.all_day
    ends = end_with_typed(typed, ends)
    venue = typed.venue or (target.venue if target is not None else None) or facts.venue
    page_named = "" if keeps_event_title(source) else page_title(source)
    differs = tuple(field for field, kept_over_the_page in (
        ("title", not typed.title and target is not None and not adds_to
         and bool(page_named) and page_named != title),
        ("when", typed.starts_at is None and not same_when(page_when, starts, all_day, zone)),
        ("venue", not typed.venue and facts.venue is not None and venue is not None
         and venue != facts.venue and has_han(venue) == has_han(facts.venue)))
        if kept_over_the_page)
    return ImportPlan(source, facts, typed, capacity, title, target, adds_to, starts, ends,
                      all_day, venue, differs)


def end_with_typed(typed: Typed, ends: datetime | None) -> datetime | None:
    """The event's end, `ends` (its own or the page's) or the end the moderator typed: a
    typed end wins where no start was typed; with a start typed, `ends` is theirs already."""
    return typed.ends_at if typed.starts_at is None and typed.ends_at is not None else ends


def same_when(page: When, starts: datetime | None, all_day: bool, zone: str | None) -> bool:
    """Whether the event's start is what the page gives (or the page gives none): the same
    moment, or for a page that gives a date alone (a recap's header), the same day in the
    server's zone."""
    if page.starts_at is None or starts is None:
        return True
    if page.all_day and not all_day:
        return starts.astimezone(server_zone(zone)).date() == page.starts_at.date()
    return (starts, all_day) == (page.starts_at, page.all_day)


async def prepare(store: Store, guild_id: int, source: PageSource, zone: str, *,
                  typed: Typed, capacity: int | None, adds_to: Event | None) -> ImportPlan:
    """The plan for a checked page: added to `adds_to` when the moderator named an event,
    else to the event that already has this page (or its URL), else a new event."""
    facts = page_facts([source.page], zone)
    target: Event | None
    if adds_to is not None:
        target = adds_to
        name = validate_title(typed.title or adds_to.title)
    else:
        # The same page again (say, a retry after a lost reply) updates its event.
        found = await store.run(store.events.imported_event_id, guild_id, source.text,
                                source.url)
        target = None if found is None else await store.run(store.events.get_event,
                                                            guild_id, found)
        name = import_title(source, typed.title, None if target is None else target.title)
    if target is not None and capacity is not None:
        # refused now, not once the moderator presses Import (which checks it again)
        check_seats_for(capacity, target.confirmed)
    plan = plan_import(source, facts, typed, capacity, name, target,
                       adds_to=adds_to is not None, zone=zone)
    if (source.page.kind == "recap" and plan.starts_at is not None
            and plan.starts_at > datetime.now(UTC)):
        plan = replace(plan, recap_ahead=True)
    if target is None and source.page.kind == "recap":
        titles = await store.run(store.events.event_titles, guild_id)
        index = await by_size(len(titles.titles), TitleIndex, titles)
        plan = replace(plan, recaps=index.named(name))
    if adds_to is not None and await store.run(store.events.has_other_page, guild_id,
                                               adds_to.id, source.page.kind, source.text):
        return replace(plan, replaces_page=True)
    return plan


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What Import did: the event as saved, and how the page got there."""

    event: Event
    outcome: Literal["created", "updated", "added"]
    page: Page
    notes: tuple[Text, ...]  # how the page's date was read, where there was a choice


async def save(store: Store, changed: Changed, guild_id: int, plan: ImportPlan) -> ImportResult:
    """Save the plan (one transaction), then the registration-change signal, so the
    event's announcements follow. Its Discord event is the caller's to have follow
    (`follow_change`): the refresh notice names no start this import moved it from."""
    source, facts, typed = plan.source, plan.facts, plan.typed
    outcome: Literal["created", "updated", "added"]
    if plan.adds_to:
        assert plan.target is not None
        # Gone since the preview? Then this refuses, rather than make a new event.
        target = await store.run(store.events.get_event, guild_id, plan.target.id)
        # Untyped, the title is the event's as it is now: another moderator may have
        # renamed it since the preview, which showed the title it had then.
        title = plan.title if typed.title else target.title
        draft = EventDraft(slug=target.slug, title=title, capacity=plan.capacity,
                           starts_at=typed.starts_at, all_day=typed.all_day,
                           ends_at=typed.ends_at, venue=typed.venue,
                           page_when=facts.when, page_venue=facts.venue)
        saved, _ = await store.run(store.events.save_event, guild_id, draft,
                                   [(source.text, source.page)], url=source.url,
                                   updates=target.id, followed=True)
        outcome = "added"
    else:
        # The preview said it updates this event: deleted since, Import refuses rather
        # than make it anew (its members were told it was cancelled). The title is the
        # typed one, else the event's as it is now (renamed since the preview, maybe),
        # else the page's, as `import_page` decides.
        report = await import_page(store, guild_id, source, title=typed.title,
                                   capacity=plan.capacity, facts=facts,
                                   starts_at=typed.starts_at, all_day=typed.all_day,
                                   ends_at=typed.ends_at, venue=typed.venue,
                                   updates=None if plan.target is None else plan.target.id,
                                   followed=True)
        saved = report.event
        outcome = "created" if report.created else "updated"
    changed(guild_id, saved.id)
    return ImportResult(saved, outcome, source.page, plan.notes)
