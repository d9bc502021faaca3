"""Events and what they say on PostgreSQL: imports, edits, lookups and listings,
archiving and deletion (the same rules as `sqlite.events`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from bot.errors import EventChanged, EventNotFound, ItemRefused, UserError
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
    EventListings,
    EventRef,
    EventSummary,
    EventTitles,
    known_titles,
)
from bot.offload import by_size, by_size_in_transaction
from bot.page_model import Page
from bot.registration import (
    DEFAULT_CAPACITY,
    PAGE_CLOSED,
    change_is_news,
    check_archivable,
    has_taken_place,
)
from bot.storage.postgres.content import PostgresContent
from bot.storage.postgres.outbox import PostgresOutbox
from bot.storage.postgres.registrations import PostgresRegistrations
from bot.storage.postgres.session import OVER_AT, Database, Repository
from bot.storage.postgres.settings import anchor_days, take_turns
from bot.storage.protocol import SampleDrafts
from bot.storage.sqlite.events import UPCOMING, cli_event, listing_reads, titles_of
from bot.storage.sqlite.outbox import readable_payloads
from bot.storage.sqlite.session import (
    CHANGED_COLUMNS,
    SUMMARY,
    WESTMOST,
    DateAndVenue,
    change_notices,
    changed_to,
    date_and_venue,
    dt,
    start_moment,
    summary_of,
    ts,
    utcnow,
)
from bot.times import check_saved_span
from bot.zones import DEFAULT_ZONE

# As `bot.storage.sqlite.events.LISTING_ORDER`, with the moment ($3) as PostgreSQL's
# parameter and its booleans.
DONE = f"(archived OR coalesce({OVER_AT} <= $3, false))"
UNDER_WAY = f"CASE WHEN NOT {DONE} AND {start_moment()} <= $3 THEN -{start_moment()} END"
LISTING_ORDER = (f"{DONE}, CASE WHEN {DONE} THEN -coalesce(starts_at, created_at)"
                 f" ELSE (starts_at IS NULL)::int END, {UNDER_WAY} IS NULL, {UNDER_WAY},"
                 f" {start_moment()}, id")


def postgres_listing(sql: str) -> str:
    """A `/event list` part's SQL (`bot.storage.sqlite.events.LISTED`) for PostgreSQL."""
    return sql.format(order=LISTING_ORDER.replace("$3", "$2"),
                      over=f"coalesce({OVER_AT} <= $2, false)", recent="", bound="$4::bigint",
                      limit="$3")


def cancel_notices(title: str, members: Sequence[asyncpg.Record],
                   known: dict[int, str]) -> list[CancelledPayload]:
    """A DM to each of `members` (user_id) that the event `title` was cancelled, naming
    the title a member still `known`s it by (`known_titles`)."""
    return [CancelledPayload(member["user_id"], title, known.get(member["user_id"]))
            for member in members]


class PostgresEvents(Repository):
    def __init__(self, db: Database, registrations: PostgresRegistrations,
                 outbox: PostgresOutbox, content: PostgresContent) -> None:
        super().__init__(db)
        self._registrations = registrations
        self._outbox = outbox
        self._content = content

    async def save_event(self, guild_id: int, draft: EventDraft,
                         pages: Sequence[tuple[str, Page]], now: datetime | None = None, *,
                         new: bool = False, url: str | None = None,
                         sample: bool = False, updates: int | None = None,
                         followed: bool = False) -> tuple[Event, bool]:
        """Create the event `draft.slug` in the guild, or update it in place (the rules of
        `sqlite.events.SqliteEvents.save_event`, `updates` and `followed` included).
        Returns the event and whether it was created."""
        async with self._transaction() as conn:
            await take_turns(conn, [guild_id])
            event_id, created = await self._save(conn, guild_id, draft, pages, now, new=new,
                                                 url=url, sample=sample, updates=updates,
                                                 followed=followed)
            return await self._get_event(conn, guild_id, event_id), created

    async def save_events(self, guild_id: int,
                          drafts: Sequence[tuple[EventDraft, Sequence[tuple[str, Page]]]],
                          now: datetime | None = None, *, sample: bool = False
                          ) -> list[tuple[Event, bool]]:
        """`sqlite.events.SqliteEvents.save_events`: all in one transaction, or none."""
        saved = []
        async with self._transaction() as conn:
            await take_turns(conn, [guild_id])
            for index, (draft, pages) in enumerate(drafts):
                try:
                    saved.append(await self._save(conn, guild_id, draft, pages, now,
                                                  sample=sample))
                except UserError as exc:
                    raise ItemRefused(index, exc) from exc
            return [(await self._get_event(conn, guild_id, event_id), created)
                    for event_id, created in saved]

    async def save_samples(self, guild_ids: Sequence[int], samples_in: SampleDrafts,
                           now: datetime | None = None) -> list[int]:
        """Give each of these guilds that has no events yet the sample events, in ONE
        transaction (the rules of `sqlite.events.SqliteEvents.save_samples`). Returns the
        guilds given them."""
        now = now or self._clock()
        wanted = list(dict.fromkeys(guild_ids))
        if not wanted:
            return []
        async with self._transaction() as conn:
            await take_turns(conn, wanted)
            having = {row["guild_id"] for row in await conn.fetch(
                "SELECT DISTINCT guild_id FROM events WHERE guild_id = ANY($1::bigint[])",
                wanted)}
            zones = dict(await conn.fetch(
                "SELECT guild_id, timezone FROM guild_settings"
                " WHERE guild_id = ANY($1::bigint[])", wanted))
            seeded = [guild_id for guild_id in wanted if guild_id not in having]
            for guild_id in seeded:
                for draft, pages in samples_in(zones.get(guild_id, DEFAULT_ZONE)):
                    await self._save(conn, guild_id, draft, pages, now, sample=True)
        return seeded

    async def _save(self, conn: asyncpg.Connection, guild_id: int, draft: EventDraft,
                    pages: Sequence[tuple[str, Page]], now: datetime | None, *,
                    new: bool = False, url: str | None = None,
                    sample: bool = False, updates: int | None = None,
                    followed: bool = False) -> tuple[int, bool]:
        """`save_event`'s writes, in the caller's transaction, its guild's imports locked;
        `now` None: the time once the event is this transaction's."""
        event_id: int | None = None  # the event it updates, by `SqliteEvents._existing`
        if new:
            event_id = await self._content.imported_before(conn, guild_id, pages, url)
        elif updates is None:
            event_id = await conn.fetchval(
                "SELECT id FROM events WHERE guild_id = $1 AND slug = $2", guild_id, draft.slug)
        if event_id is None and updates is not None:
            event_id = await conn.fetchval(
                "SELECT id FROM events WHERE id = $1 AND guild_id = $2", updates, guild_id)
            if event_id is None:
                raise EventNotFound(updates)
        if event_id is not None:  # its seats are decided at the time it is ours, not before
            # None: another process deleted it while this waited (read before its commit)
            event_id = await conn.fetchval("SELECT id FROM events WHERE id = $1 FOR UPDATE",
                                           event_id)
            if event_id is None and updates is not None:
                raise EventNotFound(updates)
        slug = draft.slug
        if new and event_id is None:
            slug = await self._free_slug(conn, guild_id, draft.slug)
        created = event_id is None
        now = now or self._clock()
        if event_id is None:
            closed = any(page.registration_closed for _, page in pages)
            event_id = await conn.fetchval(
                "INSERT INTO events (guild_id, slug, title, capacity, registration_open,"
                " closed_reason, is_sample, created_at, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                guild_id, slug, draft.title, draft.capacity or DEFAULT_CAPACITY, not closed,
                PAGE_CLOSED if closed else None,
                sample, ts(now))
        assert event_id is not None
        # An import into an event that was there may move it (a typed start or venue);
        # a new event, or a bundled sample re-saved, is no news.
        before = None if created or sample else await self._date_and_venue(conn, event_id)
        started = None if created else await self._start_moment(conn, event_id)
        await self._apply_draft(conn, event_id, guild_id, draft, now)
        if before is not None:
            await self._tell_of_change(conn, guild_id, event_id, before,
                                       await self._date_and_venue(conn, event_id), now)
        if await self._content.add_pages(conn, event_id, guild_id, pages, now, url,
                                         announce_recap=not created) and not created:
            await self._registrations.close_for_page(conn, guild_id, event_id, now)
        if not created:  # (its Discord event follows a move from `started`, if any)
            moved = started != await self._start_moment(conn, event_id)
            await self._outbox.refresh_announcements(conn, guild_id, event_id, now,
                                                     started if moved else None,
                                                     followed=followed)
        return event_id, created

    async def imported_event_id(self, guild_id: int, body: str,
                                url: str | None = None) -> int | None:
        """The event an import of this page (or URL) would update instead of creating one."""
        async with self._transaction() as conn:
            return await self._content.imported_before(conn, guild_id, [(body, None)], url)

    async def has_other_page(self, guild_id: int, event_id: int, kind: str, body: str) -> bool:
        """Whether importing `body` into the event replaces another page of its kind and
        language (`SqliteContent.has_other_page`)."""
        async with self._transaction() as conn:
            return await self._content.has_other_page(conn, guild_id, event_id, kind, body)

    async def add_page(self, guild_id: int, event_id: int, body: str, page: Page,
                       now: datetime | None = None) -> Event:
        """Attach a page (typically the recap) to an existing event."""
        now = now or self._clock()
        async with self._transaction() as conn:
            await self._registrations.seats_of(conn, event_id, guild_id)
            if await self._content.add_pages(conn, event_id, guild_id, [(body, page)], now):
                await self._registrations.close_for_page(conn, guild_id, event_id, now)
            await self._outbox.refresh_announcements(conn, guild_id, event_id, now)
            return await self._get_event(conn, guild_id, event_id)

    async def _apply_draft(self, conn: asyncpg.Connection, event_id: int, guild_id: int,
                           draft: EventDraft, now: datetime) -> None:
        page = draft.page_when
        # SET expressions read the row as it was: the page's times fill an event without a
        # start, and its end goes with the start it came with.
        await conn.execute(
            "UPDATE events SET title = $1,"
            " venue = coalesce($2::text, venue, $3::text), link = coalesce($4::text, link),"
            " all_day = CASE WHEN $5::bigint IS NOT NULL THEN $7::boolean"
            "  WHEN starts_at IS NULL AND $8::bigint IS NOT NULL THEN $10::boolean"
            "  ELSE all_day END,"
            " ends_at = CASE WHEN $6::bigint IS NOT NULL THEN $6::bigint"
            "  WHEN $5::bigint IS NOT NULL AND $7::boolean THEN $5::bigint + 86400"
            "  WHEN $5::bigint IS NOT NULL THEN NULL"
            "  WHEN starts_at IS NULL AND $8::bigint IS NOT NULL THEN $9::bigint"
            "  ELSE ends_at END,"
            " starts_at = coalesce($5::bigint, starts_at, $8::bigint), updated_at = $11"
            " WHERE id = $12",
            draft.title, draft.venue, draft.page_venue, draft.link, ts(draft.starts_at),
            ts(draft.ends_at), draft.all_day, ts(page.starts_at), ts(page.ends_at),
            page.all_day, ts(now), event_id)
        if draft.ends_at is not None:  # against the start kept, or the page's
            row = await conn.fetchrow(
                "SELECT starts_at, ends_at, all_day FROM events WHERE id = $1", event_id)
            check_saved_span(dt(row["starts_at"]), dt(row["ends_at"]), bool(row["all_day"]))
        await anchor_days(conn, guild_id, event_id)
        seats = await self._registrations.seats_of(conn, event_id, guild_id)
        if draft.capacity is not None and draft.capacity != seats.capacity:
            await self._registrations.change_capacity(conn, event_id, guild_id, seats,
                                                      draft.capacity, now)
        else:  # a new date can reopen an event that had taken place to its waitlist
            await self._registrations.fill_free_seats(conn, guild_id, event_id, now, seats)

    async def get_event(self, guild_id: int, event_id: int) -> Event:
        """The event, its people and takeaways as of one moment (three reads, one snapshot:
        an import committed in between would otherwise mix its pages with the old ones)."""
        async with self._transaction(snapshot=True) as conn:
            return await self._get_event(conn, guild_id, event_id)

    async def _get_event(self, conn: asyncpg.Connection, guild_id: int, event_id: int) -> Event:
        row = await conn.fetchrow(
            "SELECT *, EXISTS (SELECT 1 FROM pages WHERE event_id = events.id"
            " AND kind = 'recap') AS has_recap FROM events WHERE id = $1 AND guild_id = $2",
            event_id, guild_id)
        if row is None:
            raise EventNotFound(event_id)
        return Event(
            id=row["id"], guild_id=row["guild_id"], slug=row["slug"], title=row["title"],
            venue=row["venue"], link=row["link"], starts_at=dt(row["starts_at"]),
            ends_at=dt(row["ends_at"]), capacity=row["capacity"],
            confirmed=row["confirmed_count"], waitlisted=row["waitlist_count"],
            registration_open=row["registration_open"], closed_reason=row["closed_reason"],
            description=row["description"], recap_summary=row["recap_summary"],
            language=row["language"], translation=row["translation"],
            off_the_record=row["off_the_record"],
            access_notes=tuple(json.loads(row["access_notes"])), has_recap=row["has_recap"],
            people=await self._content.people(conn, event_id),
            takeaways=await self._content.takeaways(conn, event_id),
            all_day=row["all_day"], archived=row["archived"], is_sample=row["is_sample"],
            start_offset=row["start_offset"], end_offset=row["end_offset"],
            revision=row["revision"], calendar_uid=row["calendar_uid"])

    async def edit_event(self, guild_id: int, event_id: int, edit: EventEdit,
                         now: datetime | None = None, *,
                         expected: EventEdit | None = None) -> tuple[Event, Event]:
        """Set the event's title, times, venue and link; RSVPs stay. A new start or venue is
        news: one notice for the channel and one DM to each member registered, written in
        the same transaction. Returns (before, after). With `expected` (what the edit was
        made from), raises EventChanged and writes nothing when the event no longer has
        it: another change came in between."""
        async with self._transaction() as conn:
            await take_turns(conn, [guild_id])  # with zone changes: it anchors the day
            await self._registrations.seats_of(conn, event_id, guild_id)  # locks it
            now = now or self._clock()  # once the event is ours: a wait for it counts
            before = await self._get_event(conn, guild_id, event_id)
            if expected is not None and EventEdit.of(before) != expected:
                raise EventChanged
            await conn.execute(
                "UPDATE events SET title = $1, starts_at = $2, ends_at = $3, all_day = $4,"
                " venue = $5, link = $6, updated_at = $7 WHERE id = $8",
                edit.title, ts(edit.starts_at), ts(edit.ends_at), edit.all_day, edit.venue,
                edit.link, ts(now), event_id)
            await anchor_days(conn, guild_id, event_id)
            await self._registrations.fill_free_seats(conn, guild_id, event_id, now)
            after = await self._get_event(conn, guild_id, event_id)
            await self._tell_of_change(conn, guild_id, event_id, date_and_venue(before),
                                       date_and_venue(after), now)
        return before, after

    @staticmethod
    async def _start_moment(conn: asyncpg.Connection, event_id: int) -> datetime | None:
        """The event's start moment as stored (`Event.start_moment`)."""
        return dt(await conn.fetchval(f"SELECT {start_moment()} FROM events WHERE id = $1",
                                      event_id))

    @staticmethod
    async def _date_and_venue(conn: asyncpg.Connection, event_id: int) -> DateAndVenue:
        row = await conn.fetchrow("SELECT starts_at, all_day, venue, title FROM events"
                                  " WHERE id = $1", event_id)
        return (dt(row["starts_at"]), row["all_day"]), row["venue"], row["title"]

    async def _tell_of_change(self, conn: asyncpg.Connection, guild_id: int, event_id: int,
                              before: DateAndVenue, after: DateAndVenue, now: datetime) -> None:
        """A new start, venue or title is news (`change_is_news`): one notice for the
        channel and one DM to each member registered (confirmed, then waitlisted), in the
        caller's transaction; when it is not, the change notices not sent yet go too (the
        rules of `sqlite.events.SqliteEvents._tell_of_change`). A new start also moves the
        event's reminders (`reschedule_reminders`)."""
        moved, venue_changed = before[0] != after[0], before[1] != after[1]
        renamed_from = before[2] if before[2] != after[2] else None
        if moved:  # its reminders count back from the new start
            await self._registrations.reschedule_reminders(conn, event_id)
        changed = moved or venue_changed or renamed_from is not None
        if changed and not change_is_news(
                await self._registrations.seats_of(conn, event_id, guild_id), now):
            await self._outbox.take_unsent(conn, event_id, CHANGE_KINDS)
        elif changed:
            to = changed_to(await conn.fetchrow(f"SELECT {CHANGED_COLUMNS} FROM events"
                                                " WHERE id = $1", event_id))
            members = await conn.fetch("SELECT user_id, seq FROM rsvps WHERE event_id = $1"
                                       " ORDER BY status = 'waitlisted', seq", event_id)
            unsent = await self._outbox.take_unsent(conn, event_id, CHANGE_KINDS)
            told = await by_size_in_transaction(  # (0.2 s of 100,000)
                len(members) + len(unsent), change_notices, moved, venue_changed, renamed_from,
                to, members, unsent)
            await self._outbox.notify_all(conn, guild_id, event_id, told, now)

    async def summary(self, guild_id: int, event_id: int) -> EventSummary:
        async with self._transaction() as conn:
            row = await conn.fetchrow(f"SELECT {SUMMARY} FROM events"
                                      " WHERE id = $1 AND guild_id = $2", event_id, guild_id)
        if row is None:
            raise EventNotFound(event_id)
        return summary_of(row)

    async def event_listings(self, guild_id: int, *, past: bool = False,
                             now: datetime | None = None, limit: int | None = None
                             ) -> EventListings:
        """`/event list`'s first `limit` events and how many it has in all, read in the
        parts and by the indexes of `sqlite.events.SqliteEvents.event_listings`, in the
        order `listing_reads` asks for them."""
        reads = listing_reads(now or utcnow(), past, limit)
        answer: Any = None
        async with self._transaction(snapshot=True) as conn:
            while True:
                try:
                    sql, args, many = reads.send(answer)
                except StopIteration as done:
                    return done.value
                fetch = conn.fetch if many else conn.fetchval
                answer = await fetch(postgres_listing(sql), guild_id, *args)

    async def event_titles(self, guild_id: int, kept: EventTitles | None = None,
                           now: datetime | None = None) -> EventTitles:
        """As SQLite's: `kept` while the guild's events version is its own, else read
        now; the version is read first (each statement sees what was committed before
        it), so a change committed in between is read again next time. Many rows are
        made into titles off the event loop, which this backend's reads run on."""
        at = now or utcnow()
        async with self._transaction() as conn:
            version = await conn.fetchval(
                "SELECT version FROM event_versions WHERE guild_id = $1", guild_id) or 0
            if kept is not None and kept.holds(version, at):
                return kept
            rows = await conn.fetch(
                f"SELECT id, title, starts_at, all_day, archived, slug, {start_moment()} AS begins,"
                f" {OVER_AT} AS ends FROM events WHERE guild_id = $1"
                f" ORDER BY {LISTING_ORDER.replace('$3', '$2')}", guild_id, ts(at))
        return await by_size(len(rows), titles_of, version, at, rows)  # (10,000: 12 ms)

    async def has_events(self, guild_id: int) -> bool:
        async with self._transaction() as conn:
            return await conn.fetchval("SELECT 1 FROM events WHERE guild_id = $1 LIMIT 1",
                                       guild_id) is not None

    async def _free_slug(self, conn: asyncpg.Connection, guild_id: int, base: str) -> str:
        rows = await conn.fetch(
            "SELECT slug FROM events WHERE guild_id = $1 AND (slug = $2 OR slug LIKE $3)",
            guild_id, base, f"{base}-%")
        taken = {r["slug"] for r in rows}
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        return slug

    async def default_event_id(self, guild_id: int, now: datetime | None = None) -> int | None:
        """The event `/event list` shows first: the guild's event under way, else the next
        to begin, else the first without a date, else its most recent one (the rules of
        `sqlite.events.SqliteEvents.default_event_id`)."""
        at = ts(now or utcnow())
        async with self._transaction() as conn:
            found = await conn.fetchval(
                f"SELECT id FROM events WHERE guild_id = $1 AND ends_at > $2 - {WESTMOST}"
                f" AND {OVER_AT} > $2 AND {start_moment()} <= $2 AND NOT archived"
                f" ORDER BY {start_moment()} DESC, id LIMIT 1", guild_id, at)
            if found is None:
                found = await conn.fetchval(UPCOMING, guild_id, at)
            if found is None:
                found = await conn.fetchval(
                    "SELECT id FROM events WHERE guild_id = $1 AND starts_at IS NULL"
                    " AND NOT archived ORDER BY id LIMIT 1", guild_id)
            if found is None:
                found = await conn.fetchval(
                    "SELECT id FROM events WHERE guild_id = $1 ORDER BY archived,"
                    " coalesce(starts_at, created_at) DESC, id DESC LIMIT 1", guild_id)
        return found

    async def all_events(self) -> list[EventRef]:
        """(guild_id, id, slug, title) of every event, for the CLI."""
        async with self._transaction() as conn:
            rows = await conn.fetch("SELECT guild_id, id, slug, title FROM events"
                                    " ORDER BY guild_id, id")
        return [EventRef(r["guild_id"], r["id"], r["slug"], r["title"]) for r in rows]

    async def find_event(self, ref: str) -> tuple[int, int]:
        """(guild_id, id) of the event whose id or slug is `ref`, for the CLI."""
        async with self._transaction() as conn:
            rows = await conn.fetch(
                "SELECT guild_id, id FROM events WHERE id::text = $1 OR slug = $1"
                " ORDER BY id::text <> $1, id LIMIT 10", ref)
        return cli_event(ref, [(row["guild_id"], row["id"]) for row in rows])

    async def delete_event(self, guild_id: int, event_id: int) -> Deletion:
        """Delete the event and everything about it, in one transaction that also queues
        what Discord must hear (see `sqlite.events.SqliteEvents.delete_event`)."""
        async with self._transaction() as conn:
            row = await conn.fetchrow(f"SELECT title, scheduled_event_id, {OVER_AT} AS over_at"
                                      " FROM events WHERE id = $1 AND guild_id = $2"
                                      " FOR UPDATE", event_id, guild_id)
            if row is None:
                raise EventNotFound(event_id)
            now = self._trusted()  # once the event is ours, trusted: see the SQLite store's
            title = row["title"]
            taken_place = has_taken_place(dt(row["over_at"]), now)  # see the SQLite store
            members = await conn.fetch("SELECT user_id, status FROM rsvps WHERE event_id = $1"
                                       " ORDER BY status = 'waitlisted', seq", event_id)
            messages = tuple((r["channel_id"], r["message_id"]) for r in await conn.fetch(
                "SELECT channel_id, message_id FROM announcement_messages WHERE event_id = $1",
                event_id))
            known = known_titles(readable_payloads(await conn.fetch(  # (see the SQLite store)
                "SELECT id, kind, payload FROM outbox WHERE event_id = $1 AND kind = $2"
                " ORDER BY id", event_id, NOTICE_KINDS[ChangedDmPayload].value))[0])
            await conn.execute("DELETE FROM outbox WHERE event_id = $1", event_id)
            await conn.execute(  # its attendee role, owed back (see the SQLite store)
                "INSERT INTO owed_roles (guild_id, event_id, role_id, user_id)"
                " SELECT events.guild_id, events.id, events.attendee_role_id, rsvps.user_id"
                " FROM events JOIN rsvps ON rsvps.event_id = events.id WHERE events.id = $1"
                " AND events.attendee_role_id IS NOT NULL AND rsvps.status = 'confirmed'"
                " ON CONFLICT DO NOTHING", event_id)
            await conn.execute("DELETE FROM events WHERE id = $1", event_id)  # the rest cascades
            await conn.execute(
                "INSERT INTO deleted_events (id, guild_id, title, deleted_at, taken_place)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET"
                " guild_id = excluded.guild_id, title = excluded.title,"
                " deleted_at = excluded.deleted_at, taken_place = excluded.taken_place",
                event_id, guild_id, title, ts(now), taken_place)
            told = [] if taken_place else await by_size_in_transaction(  # (0.1 s of 100,000)
                len(members), cancel_notices, title, members, known)
            await self._outbox.notify_all(conn, guild_id, event_id, [
                DeletedPayload(title, messages, row["scheduled_event_id"], taken_place),
                *told], now)
        confirmed = sum(m["status"] == "confirmed" for m in members)
        return Deletion(title, confirmed, len(members) - confirmed, taken_place)

    async def deleted_event(self, guild_id: int, event_id: int) -> DeletedEvent | None:
        """The guild's event `event_id` as its deletion left it, or None if it was not."""
        async with self._transaction() as conn:
            row = await conn.fetchrow("SELECT title, taken_place FROM deleted_events"
                                      " WHERE id = $1 AND guild_id = $2", event_id, guild_id)
        return None if row is None else DeletedEvent(row["title"], row["taken_place"])

    async def set_archived(self, guild_id: int, event_id: int, archived: bool) -> bool:
        """Archive or unarchive the event; returns whether it was archived before (an event
        to come that holds RSVPs is refused: see `sqlite.events.SqliteEvents.set_archived`)."""
        async with self._transaction() as conn:
            row = await conn.fetchrow("SELECT archived, confirmed_count, waitlist_count,"
                                      f" {OVER_AT} AS over_at FROM events WHERE id = $1"
                                      " AND guild_id = $2 FOR UPDATE", event_id, guild_id)
            if row is None:
                raise EventNotFound(event_id)
            now = self._trusted()  # once the event is ours; see `delete_event`
            before = row["archived"]
            if archived and not before:  # see the SQLite store: joins lock this row too
                check_archivable(dt(row["over_at"]), row["confirmed_count"],
                                 row["waitlist_count"], now)
            await conn.execute("UPDATE events SET archived = $1 WHERE id = $2",
                               archived, event_id)
            if before and not archived:  # see the SQLite store
                await self._registrations.fill_free_seats(conn, guild_id, event_id, now)
        return bool(before)

