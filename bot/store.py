"""The async store the bot and the CLI use, over the SQL in `bot.db`.

Each operation runs as one call on aiosqlite's connection thread (see `_run`),
so it is atomic with respect to every other operation on the connection and
costs one thread hop.

Joins are the hot path, and they are batched: the joins waiting at a given
moment are decided one by one in arrival order by the registration rules and
committed together. When the database is free, the batch is committed right
away on the event loop, through a second connection that never waits (no busy
timeout, no checkpoints): a join takes tens of microseconds, less than the trip
to the database thread would. When the database is busy (another operation,
or another process), the batch goes to the thread, which waits for it, and
joins arriving meanwhile form the next batch. Either way nothing is
acknowledged before its commit.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.db import (  # re-exported: callers import the store's types from here
    MATCH_END,
    MATCH_START,
    Database,
    Deletion,
    EventDraft,
    EventEdit,
    EventListing,
    EventNotFound,
    EventSummary,
    MyRsvp,
    Notice,
    Passage,
    StoreError,
    configure,
    is_busy,
    utcnow,
)
from bot.models import Event, Rsvp
from bot.pages import Page
from bot.registration import CancelResult, JoinResult, Promotions

__all__ = ["MATCH_END", "MATCH_START", "Deletion", "EventDraft", "EventEdit", "EventListing",
           "EventNotFound", "EventSummary", "MyRsvp", "Notice", "Passage", "Store", "StoreError"]

T = TypeVar("T")
log = logging.getLogger(__name__)
SUMMARY_TTL = 30.0  # seconds an event's title is reused without asking the database
CHECKPOINT_EVERY = 1000  # joins committed on the event loop between WAL checkpoints
LOOP_BATCH = 200  # joins per commit on the event loop: a few milliseconds at most


class Store:
    def __init__(self, conn: aiosqlite.Connection, db: Database, loop_db: Database) -> None:
        self._conn = conn
        self._db = db  # used only on the connection's own thread
        self._loop_db = loop_db  # used only on the event loop, for joins; never waits
        self._loop_joins = 0
        self._loop_flush_scheduled = False
        self._closed = False
        self._checkpoint: asyncio.Task[None] | None = None
        self._pending_joins: list[tuple[tuple[int, int, int, str], asyncio.Future[JoinResult]]]
        self._pending_joins = []
        self._join_writer: asyncio.Task[None] | None = None
        self._claimed: set[int] = set()  # ids of the notices claimed and not yet acked
        # Set when an operation of this process wrote notices to the outbox.
        self.notices_ready = asyncio.Event()
        self._notices_seen = 0
        # Titles for RSVP replies, so a join costs one trip to the database thread. Imports
        # in this process clear it; the TTL bounds staleness from other processes' imports.
        self._summaries: dict[tuple[int, int], tuple[EventSummary, float]] = {}

    @classmethod
    async def open(cls, path: str | Path, *, clock: Callable[[], datetime] = utcnow) -> Store:
        """Open (or create) the database and bring its schema up to date; `clock` is the
        registration rules' "now", which tests move. A file that cannot be used raises
        StoreError saying which file and what to do."""
        path = Path(path)
        loop_conn = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Read the file here first: a damaged or unusable one fails in this thread,
            # before aiosqlite's thread exists.
            loop_conn = sqlite3.connect(path, isolation_level=None)
            configure(loop_conn)
        except (OSError, sqlite3.Error) as exc:
            if loop_conn is not None:
                loop_conn.close()
            raise open_error(path, exc) from None
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            db = await conn._execute(lambda: Database(conn._conn, clock))
            await conn._execute(configure, conn._conn)
            await conn._execute(db.migrate)
            configure(loop_conn, wait=False)
            return cls(conn, db, Database(loop_conn, clock))
        except BaseException as exc:
            loop_conn.close()
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                raise open_error(path, exc) from None
            raise

    async def close(self) -> None:
        """Commit the joins already asked for, give back the notices claimed but not
        delivered, then close; later joins are refused."""
        self._closed = True
        if self._pending_joins and not self._thread_writing():
            self._join_writer = asyncio.create_task(self._write_joins())
        await asyncio.gather(*(t for t in (self._join_writer, self._checkpoint) if t),
                             return_exceptions=True)
        try:
            await self.release_notices()
        except sqlite3.Error:  # they are handed out again when the claims expire
            log.exception("could not release the claimed notices")
        self._loop_db.close()
        await self._conn.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` on the connection's thread, as one unit.

        aiosqlite runs every statement through this same queue (`_execute`); using
        it for a whole operation keeps the connection single-threaded while
        making each operation one hop instead of one per statement.
        """
        try:
            return await self._conn._execute(functools.partial(fn, *args, **kwargs))
        finally:
            self._signal_notices()

    def _signal_notices(self) -> None:
        written = self._db.notices_written + self._loop_db.notices_written
        if written != self._notices_seen:
            self._notices_seen = written
            self.notices_ready.set()

    async def schema_version(self) -> int:
        return await self._run(self._db.schema_version)

    async def backup(self, target: str | Path) -> None:
        """A consistent copy of the live database, through SQLite's online backup."""
        async with aiosqlite.connect(target) as dest:
            await self._conn.backup(dest)

    # -- events ------------------------------------------------------------

    async def save_event(self, guild_id: int, draft: EventDraft, pages: Sequence[tuple[str, Page]],
                         now: datetime | None = None, *, new: bool = False,
                         url: str | None = None, sample: bool = False) -> tuple[Event, bool]:
        """Create the event `draft.slug` in the guild, or update it in place.

        With `new`, create one, suffixing the slug if it is taken, unless one of the
        pages, or a page from the same `url`, was already imported in this guild: then
        that event is updated. RSVPs are never touched by an import; a changed capacity
        goes through the registration rules. `sample` marks a created event as the bundled
        sample. Returns the event and whether it was created.
        """
        self._summaries.clear()
        return await self._run(self._db.save_event, guild_id, draft, pages, now, new=new,
                               url=url, sample=sample)

    async def imported_event_id(self, guild_id: int, body: str, url: str | None = None
                                ) -> int | None:
        """The event that `save_event(new=True)` would update with this page, if any."""
        return await self._run(self._db.imported_event_id, guild_id, body, url)

    async def add_page(self, guild_id: int, event_id: int, body: str, page: Page) -> Event:
        """Attach a page (typically the recap) to an existing event."""
        self._summaries.clear()
        return await self._run(self._db.add_page, guild_id, event_id, body, page)

    async def get_event(self, guild_id: int, event_id: int) -> Event:
        return await self._run(self._db.get_event, guild_id, event_id)

    async def edit_event(self, guild_id: int, event_id: int, edit: EventEdit
                         ) -> tuple[Event, Event]:
        """Set the event's title, times, venue and link (RSVPs stay); (before, after)."""
        self._summaries.clear()
        return await self._run(self._db.edit_event, guild_id, event_id, edit)

    async def timezone(self, guild_id: int) -> str:
        """The guild's IANA timezone name (UTC unless set)."""
        return await self._run(self._db.timezone, guild_id)

    async def set_timezone(self, guild_id: int, zone: str) -> None:
        await self._run(self._db.set_timezone, guild_id, zone)

    async def summary(self, guild_id: int, event_id: int) -> EventSummary:
        """The event's id, title and start; raises EventNotFound outside its guild."""
        now = asyncio.get_running_loop().time()
        cached = self._summaries.get((guild_id, event_id))
        if cached is not None and cached[1] > now:
            return cached[0]
        found = await self._run(self._db.summary, guild_id, event_id)
        self._summaries[(guild_id, event_id)] = (found, now + SUMMARY_TTL)
        return found

    async def ask(self, guild_id: int, question: str, event_id: int | None = None
                  ) -> list[Passage]:
        """The passages of the guild's events that best answer a question (BM25)."""
        return await self._run(self._db.ask, guild_id, question, event_id)

    async def list_events(self, guild_id: int, *, archived: bool = True) -> list[EventSummary]:
        """All the guild's events (without `archived`, not the archived ones), upcoming
        first, then the most recent."""
        return await self._run(self._db.list_events, guild_id, archived=archived)

    async def event_listings(self, guild_id: int, *, past: bool = False) -> list[EventListing]:
        """`/event list`: events to come soonest first, then undated ones; with `past`,
        then the past and archived ones, most recent first."""
        return await self._run(self._db.event_listings, guild_id, past=past)

    async def my_rsvps(self, guild_id: int, user_id: int) -> list[MyRsvp]:
        return await self._run(self._db.my_rsvps, guild_id, user_id)

    async def has_events(self, guild_id: int) -> bool:
        return await self._run(self._db.has_events, guild_id)

    async def default_event_id(self, guild_id: int) -> int | None:
        """The guild's next upcoming event, else its most recent one."""
        return await self._run(self._db.default_event_id, guild_id)

    async def all_events(self) -> list[tuple[int, int, str, str]]:
        return await self._run(self._db.all_events)

    async def find_event(self, ref: str) -> tuple[int, int]:
        return await self._run(self._db.find_event, ref)

    # -- registration ------------------------------------------------------

    async def join(self, guild_id: int, event_id: int, user_id: int, name: str) -> JoinResult:
        """Ask for a seat. Resolves once the decision is committed."""
        if self._closed:
            raise StoreError("the bot is shutting down; try again in a moment")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[JoinResult] = loop.create_future()
        self._pending_joins.append(((guild_id, event_id, user_id, name), future))
        if not self._loop_flush_scheduled:
            # Joins made in the same turn of the event loop (a burst) share a commit.
            self._loop_flush_scheduled = True
            loop.call_soon(self._flush_on_loop)
        return await future

    def _flush_on_loop(self) -> None:
        """Commit pending joins on the event loop, LOOP_BATCH at a time; when the database
        is busy, hand them to the thread, which can wait for it."""
        self._loop_flush_scheduled = False
        if not self._pending_joins or self._thread_writing():
            return  # the thread's writer takes whatever is pending when it is done
        batch = self._pending_joins[:LOOP_BATCH]
        try:
            results = self._loop_db.join_batch([request for request, _ in batch])
        except Exception as exc:  # nothing was committed
            if isinstance(exc, sqlite3.OperationalError) and is_busy(exc):
                self._join_writer = asyncio.create_task(self._write_joins())
                return
            results = [exc] * len(batch)  # every waiter learns of the failure
        del self._pending_joins[:len(batch)]
        _settle(batch, results)
        self._after_loop_commit(len(batch))
        if self._pending_joins:  # a burst larger than a batch: let the loop breathe first
            self._loop_flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_on_loop)

    def _thread_writing(self) -> bool:
        return self._join_writer is not None and not self._join_writer.done()

    def _after_loop_commit(self, joins: int) -> None:
        self._signal_notices()
        before, self._loop_joins = self._loop_joins, self._loop_joins + joins
        if before // CHECKPOINT_EVERY != self._loop_joins // CHECKPOINT_EVERY and (
                self._checkpoint is None or self._checkpoint.done()):
            # The event loop's connection never checkpoints; the thread's does, off the loop.
            self._checkpoint = asyncio.create_task(self._run(self._db.checkpoint))

    async def _write_joins(self) -> None:
        while self._pending_joins:
            batch, self._pending_joins = self._pending_joins, []
            try:
                results = await self._run(self._db.join_batch, [request for request, _ in batch])
            except Exception as exc:  # every waiter learns of the failure
                results = [exc] * len(batch)
            _settle(batch, results)

    async def cancel(self, guild_id: int, event_id: int, user_id: int) -> CancelResult:
        return await self._run(self._db.cancel, guild_id, event_id, user_id)

    async def set_capacity(self, guild_id: int, event_id: int, capacity: int) -> Promotions:
        return await self._run(self._db.set_capacity, guild_id, event_id, capacity)

    async def close_registration(self, guild_id: int, event_id: int, reason: str | None,
                                 by: int | None = None) -> None:
        await self._run(self._db.close_registration, guild_id, event_id, reason, by)

    async def open_registration(self, guild_id: int, event_id: int, by: int | None = None
                                ) -> Promotions:
        return await self._run(self._db.open_registration, guild_id, event_id, by)

    async def rsvp(self, event_id: int, user_id: int) -> Rsvp | None:
        return await self._run(self._db.rsvp, event_id, user_id)

    async def attendees(self, event_id: int) -> list[Rsvp]:
        """Everyone registered: confirmed first, then the waitlist, each in arrival order."""
        return await self._run(self._db.attendees, event_id)

    # -- guild settings, announcement messages, outbox, metadata ----------

    async def set_announce_channel(self, guild_id: int, channel_id: int) -> None:
        await self._run(self._db.set_announce_channel, guild_id, channel_id)

    async def announce_channel(self, guild_id: int) -> int | None:
        return await self._run(self._db.announce_channel, guild_id)

    async def add_announcement_message(self, event_id: int, channel_id: int, message_id: int,
                                       rendered: str | None = None) -> None:
        await self._run(self._db.add_announcement_message, event_id, channel_id, message_id,
                        rendered)

    async def announcement_messages(self, event_id: int) -> list[tuple[int, int, str | None]]:
        """(channel_id, message_id, rendered digest) of the event's announcement messages."""
        return await self._run(self._db.announcement_messages, event_id)

    async def set_announcement_rendered(self, message_id: int, digest: str) -> None:
        await self._run(self._db.set_announcement_rendered, message_id, digest)

    async def events_with_announcements(self) -> list[tuple[int, int]]:
        return await self._run(self._db.events_with_announcements)

    async def forget_announcement_message(self, message_id: int) -> None:
        await self._run(self._db.forget_announcement_message, message_id)

    async def claim_notices(self, limit: int = 100, stale_after: int = 60) -> list[Notice]:
        """Take pending notices for delivery. A claim left unacknowledged for
        `stale_after` seconds (its process died) is handed out again."""
        notices = await self._run(self._db.claim_notices, limit, stale_after)
        self._claimed.update(n.id for n in notices)
        return notices

    async def ack_notice(self, notice_id: int) -> None:
        await self._run(self._db.ack_notice, notice_id)
        self._claimed.discard(notice_id)

    async def release_notices(self) -> None:
        """Make the notices this process claimed and has not delivered claimable again at
        once, instead of after their claim expires (at shutdown)."""
        if self._claimed:
            claimed, self._claimed = sorted(self._claimed), set()
            await self._run(self._db.release_notices, claimed)

    async def count_notices(self, kind: str | None = None) -> int:
        return await self._run(self._db.count_notices, kind)

    async def get_meta(self, key: str) -> str | None:
        return await self._run(self._db.get_meta, key)

    async def set_meta(self, key: str, value: str) -> None:
        await self._run(self._db.set_meta, key, value)

    # -- deleting and archiving events; servers the bot left --

    async def delete_event(self, guild_id: int, event_id: int) -> Deletion:
        """Delete the event and all about it; queues the members' DMs and the cleanup of
        its announcements and Discord event."""
        self._summaries.clear()
        return await self._run(self._db.delete_event, guild_id, event_id)

    async def deleted_event(self, guild_id: int, event_id: int) -> str | None:
        """The title of the guild's deleted event `event_id`, or None."""
        return await self._run(self._db.deleted_event, guild_id, event_id)

    async def set_archived(self, guild_id: int, event_id: int, archived: bool) -> bool:
        """Archive or unarchive; returns whether the event was archived before."""
        self._summaries.clear()
        return await self._run(self._db.set_archived, guild_id, event_id, archived)

    async def set_guild_left(self, guild_id: int, left_at: datetime | None) -> None:
        await self._run(self._db.set_guild_left, guild_id, left_at)

    async def guilds_left(self) -> list[tuple[int, datetime]]:
        return await self._run(self._db.guilds_left)

    async def purge_guild(self, guild_id: int, left_by: datetime) -> bool:
        """Delete a guild's data if the bot left it by `left_by` and is still gone."""
        self._summaries.clear()
        return await self._run(self._db.purge_guild, guild_id, left_by)

    # -- reminders, attendee roles, scheduled events --

    async def reminder_settings(self, guild_id: int) -> tuple[tuple[int, ...], bool]:
        """(reminder offsets in minutes, largest first; whether scheduled events are on)."""
        return await self._run(self._db.reminder_settings, guild_id)

    async def set_reminder_minutes(self, guild_id: int, minutes: Sequence[int]) -> None:
        await self._run(self._db.set_reminder_minutes, guild_id, minutes)

    async def set_scheduled_events(self, guild_id: int, enabled: bool) -> None:
        await self._run(self._db.set_scheduled_events, guild_id, enabled)

    async def next_due(self, now: datetime | None = None) -> datetime | None:
        """When the reminder scheduler next has work (a reminder or an attendee role to end)."""
        return await self._run(self._db.next_due, now)

    async def claim_reminders(self, now: datetime | None = None, limit: int = 100
                              ) -> list[tuple[int, int, str, datetime, str | None, int,
                                              tuple[int, ...]]]:
        """Take (and record, at most once) the reminders due now; see `Database.claim_reminders`."""
        return await self._run(self._db.claim_reminders, now, limit)

    async def attendee_role(self, guild_id: int, event_id: int) -> tuple[int | None, list[int]]:
        """(the event's attendee role or None, the confirmed members' user ids)."""
        return await self._run(self._db.attendee_role, guild_id, event_id)

    async def set_attendee_role(self, guild_id: int, event_id: int, role_id: int | None
                                ) -> int | None:
        """Set or clear the event's attendee role; returns the previous one."""
        return await self._run(self._db.set_attendee_role, guild_id, event_id, role_id)

    async def attendee_roles(self, due_by: datetime | None = None
                             ) -> list[tuple[int, int, int, list[int]]]:
        """(guild_id, event_id, role_id, confirmed ids) of events giving out a role; with
        `due_by`, those that ended by then."""
        return await self._run(self._db.attendee_roles, due_by)

    async def end_attendee_role(self, event_id: int, role_id: int) -> None:
        await self._run(self._db.end_attendee_role, event_id, role_id)

    async def scheduled_event_id(self, guild_id: int, event_id: int) -> int | None:
        return await self._run(self._db.scheduled_event_id, guild_id, event_id)

    async def set_scheduled_event_id(self, guild_id: int, event_id: int,
                                     scheduled_event_id: int | None) -> None:
        await self._run(self._db.set_scheduled_event_id, guild_id, event_id, scheduled_event_id)


def open_error(path: Path, exc: OSError | sqlite3.Error) -> StoreError:
    """One line saying which file cannot be used as the database, and what to do."""
    if isinstance(exc, FileExistsError | NotADirectoryError):  # a file where a folder goes
        blocker = next((p for p in reversed(path.parents) if p.exists() and not p.is_dir()),
                       path.parent)
        return StoreError(f"cannot create {path}: {blocker} is a file, not a folder; move it "
                          "away or set DATABASE_PATH to another place")
    if isinstance(exc, OSError):  # creating the folder failed
        return StoreError(f"cannot create {path}: its folder cannot be created "
                          f"({exc.strerror}); set DATABASE_PATH to a file in a writable folder")
    if path.is_dir():
        return StoreError(f"{path} is a folder, not a database file: set DATABASE_PATH to a "
                          "file (for example data/eventbot.sqlite3)")
    code = getattr(exc, "sqlite_errorcode", None)
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
        return StoreError(f"{path} is not a SQLite database (or is damaged): restore it from "
                          "a backup or move it away to start afresh")
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
        return StoreError(f"{path} cannot be opened for writing ({exc}): make it and its "
                          "folder writable, or set DATABASE_PATH to a writable place")
    return StoreError(f"{path} cannot be used as the database ({exc})")


def _settle(batch: list[tuple[Any, asyncio.Future[JoinResult]]],
            results: list[JoinResult | Exception]) -> None:
    """Give each waiting join its result (or its error)."""
    for (_, future), result in zip(batch, results, strict=True):
        if future.done():  # its waiter was cancelled
            continue
        if isinstance(result, Exception):
            future.set_exception(result)
        else:
            future.set_result(result)
