"""Events and what they say: imports (pages merged into content), edits, lookups and
listings, archiving and deletion."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Generator, Sequence
from datetime import datetime
from typing import Any

from bot.errors import EventChanged, EventNotFound, InvalidValue, ItemRefused, NotFound, UserError
from bot.i18n import N_
from bot.models import (
    CHANGE_KINDS,
    NOTICE_KINDS,
    CancelledPayload,
    ChangedDmPayload,
    DeletedEvent,
    DeletedPayload,
    Deletion,
    Event,
    EventDraft,
    EventEdit,
    EventListing,
    EventListings,
    EventRef,
    EventSummary,
    EventTitle,
    EventTitles,
    Person,
    Takeaway,
    known_titles,
)
from bot.page_model import Page
from bot.registration import (
    DEFAULT_CAPACITY,
    PAGE_CLOSED,
    change_is_news,
    check_archivable,
    has_taken_place,
)
from bot.storage.protocol import SampleDrafts
from bot.storage.sqlite.content import PreparedPages, SqliteContent, page_hashes
from bot.storage.sqlite.outbox import SqliteOutbox, readable_payloads
from bot.storage.sqlite.registrations import SqliteRegistrations
from bot.storage.sqlite.search import SqliteSearch
from bot.storage.sqlite.session import (
    CHANGED_COLUMNS,
    EASTMOST,
    EVENTS_WITH_TEXTS,
    HIGHEST_EVENT_ID,
    OVER_AT,
    SUMMARY,
    WESTMOST,
    Columns,
    DateAndVenue,
    Repository,
    Session,
    change_notices,
    changed_to,
    date_and_venue,
    dt,
    page_hash,
    start_moment,
    summary_of,
    ts,
    utcnow,
)
from bot.storage.sqlite.settings import SqliteSettings
from bot.times import check_saved_span


def cli_event(ref: str, found: list[tuple[int, int]]) -> tuple[int, int]:
    """The CLI's event named `ref`, of the (guild, id) pairs whose id or slug it is, the
    one with that id first: an id names one event, a slug one per server (the bundled
    sample has the same slug in every server), so a slug that names several is refused."""
    if not found:
        raise NotFound(N_("no event has the id or slug {ref!r}; `python -m bot events` lists "
                          "them"), ref=ref)
    if str(found[0][1]) == ref or len(found) == 1:
        return found[0]
    raise InvalidValue(N_("{ref!r} is the slug of events {ids} (in different servers); give "
                          "the event's id instead"), ref=ref,
                       ids=", ".join(str(event_id) for _, event_id in found))


# An event is done when it is archived or over at :now; the listings put the events to
# come first, soonest first, then those without a date, then the done ones, latest first.
DONE = f"(archived OR coalesce({OVER_AT} <= :now, 0))"
# Among the events to come, those under way (begun, not over) first, the one begun last
# first, as `default_event_id` picks it; then the rest, soonest first.
UNDER_WAY = f"CASE WHEN NOT {DONE} AND {start_moment()} <= :now THEN -{start_moment()} END"
LISTING_ORDER = (f"{DONE}, CASE WHEN {DONE} THEN -coalesce(starts_at, created_at)"
                 f" ELSE starts_at IS NULL END, {UNDER_WAY} IS NULL, {UNDER_WAY},"
                 f" {start_moment()}, id")

# The guild's ($1) next event to begin after the moment $2, for both backends: the first
# in LISTING_ORDER of those not under way. Its stored date is within the zones' offsets
# (EASTMOST + WESTMOST) of the earliest stored date to come, so only those are read.
TO_COME = (f"guild_id = $1 AND starts_at >= $2 - {WESTMOST} AND {start_moment()} > $2"
           f" AND {OVER_AT} > $2 AND NOT archived")
UPCOMING = (f"SELECT id FROM events WHERE {TO_COME} AND starts_at <= (SELECT starts_at"
            f" FROM events WHERE {TO_COME} ORDER BY starts_at LIMIT 1) + {EASTMOST + WESTMOST}"
            f" ORDER BY {start_moment()}, id LIMIT 1")

# `/event list` read in its parts (`SqliteEvents.event_listings`), for both backends:
# each part in the order an index gives, bounded to its first ones by a date read before
# it (`{bound}`, $4 as a BIGINT), and sorted by LISTING_ORDER itself, so that the parts,
# one after the other, are the first ones of that order. $1 is the guild, $2 the moment,
# $3 how many (`{limit}`: None for all, as the backend spells it); `{order}` is the
# backend's LISTING_ORDER with the moment as $2, `{over}` whether an event is over at $2,
# `{recent}` the index SQLite reads the done ones by (its planner took another, reading
# every past event). `listing_reads` runs them in turn.
LISTED = ("id, title, starts_at, all_day, capacity, confirmed_count, registration_open,"
          " archived, ends_at, start_offset, end_offset, created_at")
NO_BOUND = 1 << 62  # a date past any: the part has fewer than $3 events
# The guild's longest event (end less start, as stored; $1): an event under way ended no
# earlier than now (but for a zone's offset) and began no later, so its end is within
# that long of now, and the events under way are read by their end among those alone.
LONGEST = "SELECT max(ends_at - starts_at) FROM events WHERE guild_id = $1"
LISTING_UNDER_WAY = (
    f"SELECT {LISTED}, {{over}} AS over FROM events WHERE guild_id = $1"
    f" AND ends_at > $2 - {WESTMOST} AND ends_at <= $2 + {EASTMOST} + {{bound}}"
    f" AND {OVER_AT} > $2 AND {start_moment()} <= $2 AND NOT archived"
    " ORDER BY {order} LIMIT {limit}")
# Those to come: to the stored date of the $3-th (+1) by stored date (events_by_guild_start)
# and the zones' offsets past it, as UPCOMING does for the first: only those can begin
# before that one.
LISTING_TO_COME_BOUND = (f"SELECT starts_at + {EASTMOST + WESTMOST} FROM events"
                         f" WHERE {TO_COME} ORDER BY starts_at LIMIT 1 OFFSET $3")
LISTING_TO_COME = (f"SELECT {LISTED}, {{over}} AS over FROM events WHERE {TO_COME}"
                   f" AND starts_at <= {{bound}} ORDER BY {{order}} LIMIT {{limit}}")
# Without a date and not archived: by id, which is LISTING_ORDER among them.
LISTING_DATELESS = (f"SELECT {LISTED}, {{over}} AS over FROM events WHERE guild_id = $1"
                    " AND starts_at IS NULL AND NOT archived ORDER BY id LIMIT {limit}")
# The done ones, most recent first (`RECENT`, the start, else when it was made): the
# archived ones, and those over, each read by events_by_guild_recent from the later of
# their two $3-th dates on (the first $3 of the two together are all as recent). An
# event over began before $2, but for a zone's offset.
RECENT = "coalesce(starts_at, created_at)"
ARCHIVED_PART = "guild_id = $1 AND archived = true"
OVER_PART = (f"guild_id = $1 AND archived = false AND {RECENT} <= $2 + {EASTMOST}"
             f" AND {OVER_AT} <= $2")
ARCHIVED_BOUND = (f"SELECT {RECENT} FROM events WHERE {ARCHIVED_PART}"  # $2: how many
                  f" ORDER BY {RECENT} DESC LIMIT 1 OFFSET $2")
OVER_BOUND = (f"SELECT {RECENT} FROM events WHERE {OVER_PART}"
              f" ORDER BY {RECENT} DESC LIMIT 1 OFFSET $3")
LISTING_DONE = (f"SELECT *, {{over}} AS over FROM (SELECT {LISTED} FROM events {{recent}}"
                f" WHERE {ARCHIVED_PART} AND {RECENT} >= {{bound}}"
                f" UNION ALL SELECT {LISTED} FROM events {{recent}} WHERE {OVER_PART}"
                f" AND {RECENT} >= {{bound}}) AS done ORDER BY {{order}} LIMIT {{limit}}")
# How many the list has: all the guild's events, or (events_by_guild_over) those not
# archived and not over, dated or not: the past ones are not read.
LISTING_COUNT = "SELECT count(*) FROM events WHERE guild_id = $1"
LISTING_COUNT_TO_COME = (
    f"SELECT (SELECT count(*) FROM events WHERE guild_id = $1 AND archived = false"
    f" AND {OVER_AT} > $2) + (SELECT count(*) FROM events WHERE guild_id = $1"
    f" AND archived = false AND {OVER_AT} IS NULL)")


def sqlite_listing(sql: str) -> str:
    """A `/event list` part's SQL as SQLite takes it (?1, ?2, ...)."""
    return sql.format(order=LISTING_ORDER.replace(":now", "$2"), over=f"{OVER_AT} <= $2",
                      recent="INDEXED BY events_by_guild_recent", bound="$4",
                      limit="coalesce($3, -1)").replace("$", "?")


# A read of `listing_reads`: its SQL (a backend's `*_listing` of it), its parameters after
# the guild's, and whether it answers rows (else one value, or None for no row).
ListingRead = tuple[str, tuple[object, ...], bool]


def listing_reads(now: datetime, past: bool, limit: int | None
                  ) -> Generator[ListingRead, Any, EventListings]:
    """`event_listings`' reads in their order, for both backends, which run each in one
    snapshot and send back its answer: the parts of the list (LISTED) in turn while it
    has room for more, its first `limit` (all without one); then, if full, the count.

    With `past`, half the list at most goes to the events to come when there are past ones
    to show: a server with more events to come than the list holds still shows its past
    ones to the member who asked for them. The past ones are read first, with the room
    kept for them, and again with more room if the events to come left some."""
    at = int(now.timestamp())
    rows: list[Columns] = []
    room = limit

    def left() -> int | None:
        return None if room is None else room - len(rows)

    def take(sql: str, *args: object) -> Generator[ListingRead, Any, None]:
        if left() != 0:
            rows.extend((yield sql, (at, left(), *args), True))

    def done_ones(most: int | None) -> Generator[ListingRead, Any, list[Columns]]:
        """The past and archived ones, `most` of them at most (all for None)."""
        if most == 0:
            return []
        bounds = []
        if most is not None:
            for sql, args in ((ARCHIVED_BOUND, (most - 1,)), (OVER_BOUND, (at, most - 1))):
                found = yield sql, args, False
                if found is not None:
                    bounds.append(found)
        return list((yield LISTING_DONE, (at, most, max(bounds, default=-NO_BOUND)), True))

    kept = None if limit is None else limit - limit // 2  # (the room kept for the past)
    done = (yield from done_ones(kept)) if past else []
    if limit is not None:
        room = limit - len(done)
    longest = yield LONGEST, (), False
    if longest is not None:
        yield from take(LISTING_UNDER_WAY, longest)
    more = left()
    if more != 0:
        last = None if more is None else (yield LISTING_TO_COME_BOUND, (at, more - 1), False)
        yield from take(LISTING_TO_COME, NO_BOUND if last is None else last)
    yield from take(LISTING_DATELESS)
    if past and limit is not None and len(done) == kept and len(rows) + len(done) < limit:
        done = yield from done_ones(limit - len(rows))
    rows.extend(done)
    total = len(rows)
    if limit is not None and total == limit:
        total = (yield (LISTING_COUNT, (), False) if past
                 else (LISTING_COUNT_TO_COME, (at,), False)) or 0  # (a count is never NULL)
    return EventListings([EventListing(r["id"], r["title"], dt(r["starts_at"]),
                                       max(r["capacity"] - r["confirmed_count"], 0),
                                       bool(r["registration_open"]), bool(r["archived"]),
                                       bool(r["over"]), bool(r["all_day"])) for r in rows],
                         total)


def titles_of(version: int, now: datetime, rows: Sequence[Columns]) -> EventTitles:
    """`event_titles` of the rows read at `now` (id, title, starts_at, all_day, archived,
    slug, and as `begins` and `ends` the moments it begins and is over, in Unix seconds), for
    both backends: they hold until the first of those moments after `now` among the events
    not archived, where one begins or is over and `LISTING_ORDER` moves it."""
    at = ts(now)
    moments = [moment for r in rows if not r["archived"]
               for moment in (r["begins"], r["ends"]) if moment is not None and moment > at]
    return EventTitles(version, dt(min(moments)) if moments else None, tuple(
        EventTitle(r["id"], r["title"], dt(r["starts_at"]), bool(r["all_day"]),
                   bool(r["archived"]), r["slug"]) for r in rows))


class SqliteEvents(Repository):
    def __init__(self, session: Session, registrations: SqliteRegistrations,
                 outbox: SqliteOutbox, search: SqliteSearch, content: SqliteContent,
                 settings: SqliteSettings) -> None:
        super().__init__(session)
        self._settings = settings
        self._registrations = registrations
        self._outbox = outbox
        self._search = search
        self._content = content

    def save_event(self, guild_id: int, draft: EventDraft, pages: Sequence[tuple[str, Page]],
                   now: datetime | None = None, *, new: bool = False,
                   url: str | None = None, sample: bool = False,
                   updates: int | None = None, followed: bool = False) -> tuple[Event, bool]:
        """Create the event `draft.slug` in the guild, or update it in place.

        With `new`, create one, suffixing the slug if it is taken, unless one of the
        pages was already imported in this guild (the same text, up to whitespace):
        then that event is updated, so an import retried after a lost reply does not
        make a second event. The same goes for a page fetched from a `url` this guild
        imported before, whatever its text now says. With `new` and `updates`, the event
        the caller was told the import updates (an import's preview named it): when no
        event has the pages any more, that one is updated, and if it is gone, this raises
        EventNotFound rather than make it anew (it was deleted since). Without `new`,
        `updates` is the event updated, not `draft.slug` (a page added to an event named
        by the moderator): gone, EventNotFound, not a new event of its slug. RSVPs are never
        touched by an import; a changed capacity goes through the registration rules.
        `sample` marks an event it creates as the bundled sample. `followed`: the caller
        has the event's Discord event follow a moved start itself (`follow_change`, as the
        bot's own import does), so the refresh notice names no start this import moved it from
        (`RefreshPayload`). Returns the event and whether it was created.
        """
        prepared = self._prepare(guild_id, draft, pages, new=new, url=url, updates=updates)
        with self._transaction():
            now = now or self._clock()  # once the database is ours: a wait for it counts
            event_id, created = self._save(guild_id, draft, pages, now, new=new, url=url,
                                           sample=sample, updates=updates, followed=followed,
                                           prepared=prepared)
            # read as saved, before the commit: another process may delete it right after,
            # and the import, done, would be reported as failed (`save_events`)
            return self.get_event(guild_id, event_id), created

    def save_events(self, guild_id: int,
                    drafts: Sequence[tuple[EventDraft, Sequence[tuple[str, Page]]]],
                    now: datetime | None = None, *, sample: bool = False
                    ) -> list[tuple[Event, bool]]:
        """Save several events (`save_event` each, by slug) in ONE transaction: a folder of
        event folders is imported whole or not at all. One refused raises `ItemRefused`
        naming it, and nothing is saved. `sample` marks those created as bundled samples.
        What the pages write (their content, people, takeaways and search rows) is worked
        out before the transaction, so it holds the write lock for the writes alone (a
        folder of 30 events of 860 KB pages held it 4.1 s): members' joins wait for it."""
        saved = []
        prepared = [self._prepare(guild_id, draft, pages) for draft, pages in drafts]
        with self._transaction():
            now = now or self._clock()  # once the database is ours: a wait for it counts
            for index, ((draft, pages), ready) in enumerate(zip(drafts, prepared, strict=True)):
                try:
                    saved.append(self._save(guild_id, draft, pages, now, sample=sample,
                                            prepared=ready))
                except UserError as exc:
                    raise ItemRefused(index, exc) from exc
            # Read back as saved, inside the transaction (30 events: 1.6 ms): read after
            # the commit, an event another process deleted in between (a moderator's
            # /manage delete) made the import, all saved, end "there is no event N".
            return [(self.get_event(guild_id, event_id), created)
                    for event_id, created in saved]

    def save_samples(self, guild_ids: Sequence[int], samples_in: SampleDrafts,
                     now: datetime | None = None) -> list[int]:
        """Give each of these guilds that has no events yet the sample events, as
        `samples_in(its timezone)` drafts them, in ONE transaction: thousands of new
        servers at start would otherwise pay a commit (and a thread hop) each. The check
        for events is in the transaction, so a guild is never given them twice. Returns
        the guilds given them."""
        now = now or self._clock()
        wanted = list(dict.fromkeys(guild_ids))
        if not wanted:
            return []
        with self._transaction():
            having = {row["guild_id"] for row in self._all(
                "SELECT DISTINCT guild_id FROM events"
                f" WHERE guild_id IN ({', '.join('?' * len(wanted))})", wanted)}
            seeded = [guild_id for guild_id in wanted if guild_id not in having]
            for guild_id in seeded:
                for draft, pages in samples_in(self._settings.timezone(guild_id)):
                    self._save(guild_id, draft, pages, now, sample=True)
        return seeded

    def _save(self, guild_id: int, draft: EventDraft, pages: Sequence[tuple[str, Page]],
              now: datetime, *, new: bool = False, url: str | None = None,
              sample: bool = False, updates: int | None = None,
              followed: bool = False, prepared: PreparedPages | None = None
              ) -> tuple[int, bool]:
        """`save_event`'s writes, inside the caller's transaction; `prepared`: what the
        pages write, as `_prepare` worked it out before it."""
        db = self._conn
        hashes = page_hashes(pages) if prepared is None else prepared.hashes
        found = self._existing(guild_id, draft, hashes, new=new, url=url, updates=updates)
        created = found is None
        slug = self._free_slug(guild_id, draft.slug) if new and created else draft.slug
        if found is None:
            closed = any(page.registration_closed for _, page in pages)
            cursor = db.execute(
                "INSERT INTO events (id, guild_id, slug, title, capacity, registration_open,"
                " closed_reason, is_sample, created_at, updated_at, calendar_uid) VALUES"
                f" (({HIGHEST_EVENT_ID}) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, slug, draft.title, draft.capacity or DEFAULT_CAPACITY,
                 int(not closed), PAGE_CLOSED if closed
                 else None, int(sample), ts(now), ts(now), str(uuid.uuid4())))
            event_id = int(cursor.lastrowid or 0)
            # its texts, empty until its pages' are written over them (an update: a new
            # event's description counts a revision, as PostgreSQL's does); over any left
            # of an event of this id deleted without its foreign keys (a sqlite3 shell's)
            db.execute("INSERT OR REPLACE INTO event_texts (event_id) VALUES (?)", (event_id,))
        else:
            event_id = found
        # An import into an event that was there may move it (a typed start or venue);
        # a new event, or a bundled sample re-saved, is no news.
        before = None if created or sample else self._date_and_venue(event_id)
        started = None if created else self._start_moment(event_id)
        self._apply_draft(event_id, guild_id, draft, now)
        if before is not None:
            self._tell_of_change(guild_id, event_id, before, self._date_and_venue(event_id), now)
        if self._content.add_pages(event_id, guild_id, pages, now, url, created=created,
                                   prepared=prepared) and not created:
            self._registrations.close_for_page(guild_id, event_id, now)
        if not created:  # (its Discord event follows a move from `started`, if any)
            moved = started != self._start_moment(event_id)
            self._outbox.refresh_announcements(guild_id, event_id, now,
                                               started if moved else None, followed=followed)
        return event_id, created

    def _existing(self, guild_id: int, draft: EventDraft, hashes: Sequence[str], *,
                  new: bool, url: str | None, updates: int | None) -> int | None:
        """The event saving `draft` with pages of these `hashes` updates (None: it makes
        one), by `save_event`'s rules; raises EventNotFound for an `updates` gone."""
        row = None
        if new:
            row = self._content.imported_before(guild_id, hashes, url)
        elif updates is None:
            row = self._one("SELECT id FROM events WHERE guild_id = ? AND slug = ?",
                            (guild_id, draft.slug))
        if row is None and updates is not None:
            row = self._one("SELECT id FROM events WHERE id = ? AND guild_id = ?",
                            (updates, guild_id))
            if row is None:
                raise EventNotFound(updates)
        return None if row is None else int(row["id"])

    def _prepare(self, guild_id: int, draft: EventDraft, pages: Sequence[tuple[str, Page]],
                 *, new: bool = False, url: str | None = None, updates: int | None = None
                 ) -> PreparedPages:
        """What saving the pages writes, worked out before the write transaction for the
        event they go to as the database is now (`SqliteContent.prepare`)."""
        hashes = page_hashes(pages)
        return self._content.prepare(pages, self._existing(
            guild_id, draft, hashes, new=new, url=url, updates=updates), hashes)

    def imported_event_id(self, guild_id: int, body: str, url: str | None = None) -> int | None:
        """The event an import of this page (or URL) would update instead of creating one."""
        row = self._content.imported_before(guild_id, [page_hash(body)], url)
        return None if row is None else int(row["id"])

    def has_other_page(self, guild_id: int, event_id: int, kind: str, body: str) -> bool:
        """Whether importing `body` into the event replaces another page of its kind and
        language (`SqliteContent.has_other_page`)."""
        return self._content.has_other_page(guild_id, event_id, kind, body)

    def add_page(self, guild_id: int, event_id: int, body: str, page: Page,
                 now: datetime | None = None) -> Event:
        """Attach a page (typically the recap) to an existing event."""
        now = now or self._clock()
        with self._transaction():
            self._registrations.seats_of(event_id, guild_id)
            if self._content.add_pages(event_id, guild_id, [(body, page)], now):
                self._registrations.close_for_page(guild_id, event_id, now)
            self._outbox.refresh_announcements(guild_id, event_id, now)
        return self.get_event(guild_id, event_id)

    def _apply_draft(self, event_id: int, guild_id: int, draft: EventDraft,
                     now: datetime) -> None:
        db = self._conn
        page = draft.page_when
        # SET expressions read the row as it was: the page's times fill an event without a
        # start, and its end goes with the start it came with. A typed start brings its own
        # end (typed, or a day for a date alone, or none), as the import's preview shows:
        # the old end may lie before it.
        db.execute(
            "UPDATE events SET title = :title,"
            " venue = coalesce(:venue, venue, :page_venue), link = coalesce(:link, link),"
            " all_day = CASE WHEN :starts IS NOT NULL THEN :all_day"
            "  WHEN starts_at IS NULL AND :page_starts IS NOT NULL THEN :page_all_day"
            "  ELSE all_day END,"
            " ends_at = CASE WHEN :ends IS NOT NULL THEN :ends"
            "  WHEN :starts IS NOT NULL AND :all_day THEN :starts + 86400"
            "  WHEN :starts IS NOT NULL THEN NULL"
            "  WHEN starts_at IS NULL AND :page_starts IS NOT NULL THEN :page_ends"
            "  ELSE ends_at END,"
            " starts_at = coalesce(:starts, starts_at, :page_starts), updated_at = :now"
            " WHERE id = :id",
            {"title": draft.title, "venue": draft.venue, "page_venue": draft.page_venue,
             "link": draft.link, "starts": ts(draft.starts_at), "ends": ts(draft.ends_at),
             "all_day": int(draft.all_day), "page_starts": ts(page.starts_at),
             "page_ends": ts(page.ends_at), "page_all_day": int(page.all_day),
             "now": ts(now), "id": event_id})
        if draft.ends_at is not None:  # against the start kept, or the page's
            row = self._row("SELECT starts_at, ends_at, all_day FROM events WHERE id = ?",
                            (event_id,))
            check_saved_span(dt(row["starts_at"]), dt(row["ends_at"]), bool(row["all_day"]))
        self._settings.anchor_days(guild_id, event_id)
        seats = self._registrations.seats_of(event_id, guild_id)
        if draft.capacity is not None and draft.capacity != seats.capacity:
            self._registrations.change_capacity(event_id, guild_id, seats, draft.capacity, now)
        else:  # a new date can reopen an event that had taken place to its waitlist
            self._registrations.fill_free_seats(guild_id, event_id, now, seats)

    def get_event(self, guild_id: int, event_id: int) -> Event:
        """The event, its people and takeaways as of one moment (three reads, one snapshot:
        an import committed in between would otherwise mix its pages with the old ones)."""
        with self._session.snapshot():
            return self.event_of(self.event_row(guild_id, event_id),
                                 self._content.people(event_id),
                                 self._content.takeaways(event_id))

    def event_row(self, guild_id: int, event_id: int) -> sqlite3.Row:
        """The event's own row (its seat counts included); raises EventNotFound."""
        row = self._one(
            "SELECT *, EXISTS (SELECT 1 FROM pages WHERE event_id = events.id AND kind = 'recap')"
            f" AS has_recap FROM {EVENTS_WITH_TEXTS} WHERE id = ? AND guild_id = ?",
            (event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return row

    @staticmethod
    def event_of(row: sqlite3.Row, people: tuple[Person, ...],
                 takeaways: tuple[Takeaway, ...]) -> Event:
        return Event(
            id=row["id"], guild_id=row["guild_id"], slug=row["slug"], title=row["title"],
            venue=row["venue"], link=row["link"], starts_at=dt(row["starts_at"]),
            ends_at=dt(row["ends_at"]), capacity=row["capacity"],
            confirmed=row["confirmed_count"], waitlisted=row["waitlist_count"],
            registration_open=bool(row["registration_open"]), closed_reason=row["closed_reason"],
            description=row["description"], recap_summary=row["recap_summary"],
            language=row["language"], translation=row["translation"],
            off_the_record=bool(row["off_the_record"]),
            access_notes=tuple(json.loads(row["access_notes"])), has_recap=bool(row["has_recap"]),
            people=people, takeaways=takeaways,
            all_day=bool(row["all_day"]), archived=bool(row["archived"]),
            is_sample=bool(row["is_sample"]), start_offset=row["start_offset"],
            end_offset=row["end_offset"], revision=row["revision"],
            calendar_uid=row["calendar_uid"])

    def edit_event(self, guild_id: int, event_id: int, edit: EventEdit,
                   now: datetime | None = None, *,
                   expected: EventEdit | None = None) -> tuple[Event, Event]:
        """Set the event's title, times, venue and link; RSVPs stay. A new start or venue is
        news: one notice for the channel and one DM to each member registered (confirmed or
        waitlisted), written in the same transaction. Returns (before, after). With
        `expected` (what the edit was made from), raises EventChanged and writes nothing
        when the event no longer has it: another change came in between."""
        with self._transaction() as db:
            now = now or self._clock()  # once the database is ours: a wait for it counts
            before = self.get_event(guild_id, event_id)
            if expected is not None and EventEdit.of(before) != expected:
                raise EventChanged
            db.execute(
                "UPDATE events SET title = ?, starts_at = ?, ends_at = ?, all_day = ?, venue = ?,"
                " link = ?, updated_at = ? WHERE id = ?",
                (edit.title, ts(edit.starts_at), ts(edit.ends_at), int(edit.all_day),
                 edit.venue, edit.link, ts(now), event_id))
            self._settings.anchor_days(guild_id, event_id)
            self._registrations.fill_free_seats(guild_id, event_id, now)  # a later date
            after = self.get_event(guild_id, event_id)
            self._tell_of_change(guild_id, event_id, date_and_venue(before),
                                 date_and_venue(after), now)
        return before, after

    def _start_moment(self, event_id: int) -> datetime | None:
        """The event's start moment as stored (`Event.start_moment`)."""
        return dt(self._row(f"SELECT {start_moment()} FROM events WHERE id = ?",
                            (event_id,))[0])

    def _date_and_venue(self, event_id: int) -> DateAndVenue:
        row = self._row("SELECT starts_at, all_day, venue, title FROM events WHERE id = ?",
                        (event_id,))
        return (dt(row[0]), bool(row[1])), row[2], row[3]

    def _tell_of_change(self, guild_id: int, event_id: int, before: DateAndVenue,
                        after: DateAndVenue, now: datetime) -> None:
        """A new start, venue or title is news (`change_is_news`): one notice for the
        channel and one DM to each member registered (confirmed, then waitlisted), in the
        caller's transaction; when it is not, the change notices not sent yet go too (they
        are of an event now over). A new start also moves the event's reminders
        (`reschedule_reminders`)."""
        moved, venue_changed = before[0] != after[0], before[1] != after[1]
        renamed_from = before[2] if before[2] != after[2] else None
        if moved:  # its reminders count back from the new start
            self._registrations.reschedule_reminders(event_id)
        changed = moved or venue_changed or renamed_from is not None
        if changed and not change_is_news(self._registrations.seats_of(event_id, guild_id),
                                          now):
            self._outbox.take_unsent(event_id, CHANGE_KINDS)
        elif changed:
            to = changed_to(self._row(f"SELECT {CHANGED_COLUMNS} FROM events WHERE id = ?",
                                      (event_id,)))
            members = self._all("SELECT user_id, seq FROM rsvps WHERE event_id = ?"
                                " ORDER BY status = 'waitlisted', seq", (event_id,))
            unsent = self._outbox.take_unsent(event_id, CHANGE_KINDS)
            for payload in change_notices(moved, venue_changed, renamed_from, to, members,
                                          unsent):
                self._outbox.notify(guild_id, event_id, payload, now)

    def summary(self, guild_id: int, event_id: int) -> EventSummary:
        row = self._one(f"SELECT {SUMMARY} FROM events WHERE id = ? AND guild_id = ?",
                        (event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return summary_of(row)


    def event_listings(self, guild_id: int, *, past: bool = False,
                       now: datetime | None = None, limit: int | None = None
                       ) -> EventListings:
        """`/event list`: the events under way, begun last first; then those to come,
        soonest first; then those without a date; with `past`, then the past and archived
        ones, most recent first. The first `limit` of them (all without one), read in
        parts by the indexes (`LISTED`), so a server's other events are not read; and
        how many there are in all, counted only when there are more (`listing_reads`)."""
        reads = listing_reads(now or utcnow(), past, limit)
        answer: Any = None
        with self._session.snapshot():
            while True:
                try:
                    sql, args, many = reads.send(answer)
                except StopIteration as done:
                    return done.value
                if many:
                    answer = self._all(sqlite_listing(sql), (guild_id, *args))
                else:
                    row = self._one(sqlite_listing(sql), (guild_id, *args))
                    answer = None if row is None else row[0]

    def event_titles(self, guild_id: int, kept: EventTitles | None = None,
                     now: datetime | None = None) -> EventTitles:
        """Every event of the guild, archived ones too, in `/event list`'s order
        (`event_listings` with `past`), for the `[event]` option: `kept` itself when it
        still holds (`EventTitles.holds`: the guild's events version read now is its own,
        one statement), else read now. The version is read before the events, so a change
        committed in between is read with the old version's number, and read again next
        time: never the other way round."""
        at = now or utcnow()
        row = self._one("SELECT version FROM event_versions WHERE guild_id = ?", (guild_id,))
        version = 0 if row is None else row["version"]
        if kept is not None and kept.holds(version, at):
            return kept
        rows = self._all(
            f"SELECT id, title, starts_at, all_day, archived, slug, {start_moment()} AS begins,"
            f" {OVER_AT} AS ends FROM events WHERE guild_id = :guild ORDER BY {LISTING_ORDER}",
            {"guild": guild_id, "now": ts(at)})
        return titles_of(version, at, rows)

    def has_events(self, guild_id: int) -> bool:
        return self._one("SELECT 1 FROM events WHERE guild_id = ? LIMIT 1",
                                    (guild_id,)) is not None

    def _free_slug(self, guild_id: int, base: str) -> str:
        rows = self._all(
            "SELECT slug FROM events WHERE guild_id = ? AND (slug = ? OR slug LIKE ?)",
            (guild_id, base, f"{base}-%"))
        taken = {r["slug"] for r in rows}
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        return slug

    def default_event_id(self, guild_id: int, now: datetime | None = None) -> int | None:
        """The event a command naming none means: the one `/event list` shows first
        (LISTING_ORDER). That is the guild's event under way (begun and not over, by
        `Event.over_at`: one without an end is over as it begins), the one begun last if
        several are; else the next to begin (an all-day one at the server's midnight);
        else the first still without a date; else its most recent, not archived first.

        The indexes bound the reads: the events under way are read by their end; the next
        to begin among those whose stored date is within a zone's offsets (UPCOMING) of
        the first to come by that date, as only those can begin before it."""
        at = ts(now or utcnow())
        row = self._one(
            "SELECT id FROM events INDEXED BY events_by_guild_end"
            f" WHERE guild_id = ? AND ends_at > ? - {WESTMOST} AND {OVER_AT} > ?"
            f" AND {start_moment()} <= ? AND NOT archived"
            f" ORDER BY {start_moment()} DESC, id LIMIT 1", (guild_id, at, at, at))
        if row is None:
            row = self._one(UPCOMING.replace("$", "?"), (guild_id, at))  # ?1, ?2
        if row is None:
            row = self._one("SELECT id FROM events WHERE guild_id = ? AND starts_at IS NULL"
                            " AND NOT archived ORDER BY id LIMIT 1", (guild_id,))
        if row is None:
            row = self._one(
                "SELECT id FROM events WHERE guild_id = ? ORDER BY archived,"
                " coalesce(starts_at, created_at) DESC, id DESC LIMIT 1", (guild_id,))
        return None if row is None else row["id"]

    def all_events(self) -> list[EventRef]:
        """(guild_id, id, slug, title) of every event, for the CLI."""
        rows = self._all("SELECT guild_id, id, slug, title FROM events"
                                    " ORDER BY guild_id, id")
        return [EventRef(r["guild_id"], r["id"], r["slug"], r["title"]) for r in rows]

    def find_event(self, ref: str) -> tuple[int, int]:
        """(guild_id, id) of the event whose id or slug is `ref`, for the CLI."""
        return cli_event(ref, [(row["guild_id"], row["id"]) for row in self._all(
            "SELECT guild_id, id FROM events WHERE CAST(id AS TEXT) = ? OR slug = ?"
            " ORDER BY CAST(id AS TEXT) <> ?, id LIMIT 10", (ref, ref, ref))])

    def delete_event(self, guild_id: int, event_id: int) -> Deletion:
        """Delete the event and everything about it, in one transaction that also queues
        what Discord must hear: one DM per confirmed or waitlisted member (unless it has
        taken place) and the cleanup of its announcements and Discord event. The notices
        carry what they need, since the event is gone when they are delivered."""
        with self._transaction() as db:
            # once the database is ours (a wait for it counts), by the trusted clock: a
            # deleted event's members hear of it only if it has not taken place
            now = self._trusted()
            row = self._one(f"SELECT title, scheduled_event_id, {OVER_AT} AS over_at FROM"
                            " events WHERE id = ? AND guild_id = ?", (event_id, guild_id))
            if row is None:
                raise EventNotFound(event_id)
            title = row["title"]
            taken_place = has_taken_place(dt(row["over_at"]), now)
            members = self._all("SELECT user_id, status FROM rsvps WHERE event_id = ?"
                                " ORDER BY status = 'waitlisted', seq", (event_id,))
            messages = tuple((r["channel_id"], r["message_id"]) for r in self._all(
                "SELECT channel_id, message_id FROM announcement_messages WHERE event_id = ?",
                (event_id,)))
            # a member a rename's DM has not reached knows the event by its old title
            known = known_titles(readable_payloads(self._all(
                "SELECT id, kind, payload FROM outbox WHERE event_id = ? AND kind = ?"
                " ORDER BY id", (event_id, NOTICE_KINDS[ChangedDmPayload].value)))[0])
            db.execute("DELETE FROM outbox WHERE event_id = ?", (event_id,))
            # Its attendee role, owed back by the confirmed members from this commit on (as
            # at a cancel): a crash before Discord took it back leaves it to the next start,
            # where no confirmed member of a deleted event counts as holding it. An event
            # over and done has its role cleared (`end_attendee_role`): nothing is owed.
            db.execute("INSERT OR IGNORE INTO owed_roles (guild_id, event_id, role_id, user_id)"
                       " SELECT events.guild_id, events.id, events.attendee_role_id,"
                       " rsvps.user_id FROM events JOIN rsvps ON rsvps.event_id = events.id"
                       " WHERE events.id = ? AND events.attendee_role_id IS NOT NULL"
                       " AND rsvps.status = 'confirmed'", (event_id,))
            self._search.unindex_event(event_id)
            db.execute("DELETE FROM events WHERE id = ?", (event_id,))  # the rest cascades
            db.execute("INSERT OR REPLACE INTO deleted_events"
                       " (id, guild_id, title, deleted_at, taken_place) VALUES (?, ?, ?, ?, ?)",
                       (event_id, guild_id, title, ts(now), int(taken_place)))
            self._outbox.notify(guild_id, event_id, DeletedPayload(
                title, messages, row["scheduled_event_id"], taken_place), now)
            # A deletion of an event that has taken place is tidying up: "cancelled, sorry"
            # would be false news to everyone who came.
            for member in () if taken_place else members:
                self._outbox.notify(guild_id, event_id, CancelledPayload(
                    member["user_id"], title, known.get(member["user_id"])), now)
        self._session.waitlists.pop(event_id, None)
        confirmed = sum(m["status"] == "confirmed" for m in members)
        return Deletion(title, confirmed, len(members) - confirmed, taken_place)

    def deleted_event(self, guild_id: int, event_id: int) -> DeletedEvent | None:
        """The guild's event `event_id` as its deletion left it, or None if it was not."""
        row = self._one("SELECT title, taken_place FROM deleted_events"
                        " WHERE id = ? AND guild_id = ?", (event_id, guild_id))
        return None if row is None else DeletedEvent(row["title"], bool(row["taken_place"]))

    def set_archived(self, guild_id: int, event_id: int, archived: bool) -> bool:
        """Archive or unarchive the event; returns whether it was archived before. An event
        to come that holds RSVPs is not archived (`registration.check_archivable`): checked
        in the archive's transaction, so a join cannot land between the check and it."""
        with self._transaction() as db:
            now = self._trusted()  # once the database is ours; see `delete_event`
            row = self._one(f"SELECT archived, confirmed_count, waitlist_count, {OVER_AT}"
                            " AS over_at FROM events WHERE id = ? AND guild_id = ?",
                            (event_id, guild_id))
            if row is None:
                raise EventNotFound(event_id)
            if archived and not row["archived"]:
                check_archivable(dt(row["over_at"]), row["confirmed_count"],
                                 row["waitlist_count"], now)
            db.execute("UPDATE events SET archived = ? WHERE id = ?", (int(archived), event_id))
            if row["archived"] and not archived:  # seats freed meanwhile (a no-show removed,
                # then a later date) were kept from the waitlist while it was archived
                self._registrations.fill_free_seats(guild_id, event_id, now)
        return bool(row["archived"])

