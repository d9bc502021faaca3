"""Reminders due and claimed, attendee roles, and the events' Discord scheduled events,
on PostgreSQL: the rules and queries of `sqlite.reminders` (read its docstring), with the
guild's offsets ("1440,60", "" when off) expanded by string_to_array instead of json_each.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import asyncpg

from bot.errors import EventNotFound
from bot.models import (
    DueReminder,
    OwedChange,
    OwedRole,
    RoleGrant,
    RoleNotice,
    RolesToGive,
)
from bot.shards import Shards
from bot.storage.postgres.registrations import PostgresRegistrations
from bot.storage.postgres.session import OVER_AT, Database, Repository
from bot.storage.reminder_walk import (
    CURSOR_AND_LAST,
    LOOKAHEAD,
    PROMOTION_FIRST,
    PROMOTIONS_UNSENT,
    WALK_CHUNK,
    WINDOW,
    Walk,
    claim_stands,
    given_back,
    members_by_event,
    on_shards,
    open_windows,
    promotions_unsent,
    reminder_windows,
    sent_rows,
    start_walk,
)
from bot.storage.sqlite.session import (
    dt,
    joined_ids,
    moment,
    split_ids,
    start_moment,
    ts,
    utcnow,
)
from bot.times import DEFAULT_REMINDER_MINUTES

BEGINS = start_moment("e")  # when the event `e` begins, that its reminders count back from

DEFAULT_MINUTES = ",".join(map(str, DEFAULT_REMINDER_MINUTES))  # as the column stores them

# $1: the default offsets, $2: now.
_OFFSETS = """
        FROM events e
        LEFT JOIN guild_settings g ON g.guild_id = e.guild_id
        CROSS JOIN LATERAL unnest(string_to_array(coalesce(g.reminder_minutes, $1), ',')
                                  ::bigint[]) AS o (minutes)"""

# The offsets come due of every event not yet begun, of the windows with members to walk
# (`sqlite.reminders`); $1, $2 as above.
_WINDOWS = open_windows(f"""
    SELECT e.guild_id, e.id AS event_id, e.title, {BEGINS} AS starts_at, e.venue,
           CASE WHEN e.all_day THEN e.starts_at END AS day,
           o.minutes, {BEGINS} - o.minutes * 60 AS due_at, {CURSOR_AND_LAST}
    """ + _OFFSETS + f"""
    LEFT JOIN reminder_cursors c ON c.event_id = e.id
    WHERE {BEGINS} > $2 AND {BEGINS} <= $2 + {WINDOW} AND {BEGINS} - o.minutes * 60 <= $2
      AND NOT e.archived AND g.left_at IS NULL""")

_MEMBERS = (
    "SELECT r.user_id, r.seq, coalesce((SELECT max(s.sent_at) FROM reminders_sent s"
    " WHERE s.event_id = r.event_id AND s.user_id = r.user_id), -1) AS last_sent"
    " FROM rsvps r WHERE r.event_id = $1 AND r.status = 'confirmed' AND r.seq > $2"
    " ORDER BY r.seq LIMIT $3")

PROMOTIONS_OF_EVENTS = PROMOTIONS_UNSENT.format(outbox="outbox", since="$1",
                                                of_events="= ANY($2::bigint[])")

# Claims from every process take turns on this key, so a reminder is claimed once.
CLAIM_LOCK = "eventbot:reminders"


class PostgresReminders(Repository):
    def __init__(self, db: Database, registrations: PostgresRegistrations) -> None:
        super().__init__(db)
        self._registrations = registrations

    async def next_due(self, now: datetime | None = None,
                       roles_waiting: Collection[int] = (),
                       shards: Shards | None = None) -> datetime | None:
        """When the scheduler next has work (see `sqlite.reminders.next_due`)."""
        now_ts = int((now or utcnow()).timestamp())
        async with self._transaction() as conn:
            overdue = [walk.next_at
                       for walk in await self._walks(conn, now_ts, 1, shards, each=True)]
            at = await conn.fetchval(
                "SELECT min(at) FROM ("
                f"  SELECT min({BEGINS} - o.minutes * 60) AS at" + _OFFSETS +
                f"   WHERE {BEGINS} > $2 AND {BEGINS} <= $2 + {LOOKAHEAD}"
                f"    AND {BEGINS} - o.minutes * 60 > $2 AND e.confirmed_count > 0"
                "    AND NOT e.archived AND g.left_at IS NULL"
                "  UNION ALL"
                f"  SELECT min({OVER_AT}) FROM events"
                "   WHERE attendee_role_id IS NOT NULL AND NOT (id = ANY($3::bigint[])))"
                " AS candidates",
                DEFAULT_MINUTES, now_ts, sorted(roles_waiting))
        return dt(min((t for t in (*overdue, at) if t is not None), default=None))

    async def claim_reminders(self, now: datetime | None = None, limit: int = 100,
                              shards: Shards | None = None) -> list[DueReminder]:
        """Take the reminders due now, in start order (servers whose events start
        together taking turns, `reminder_walk.in_turn`), then RSVP order, recording them
        in reminders_sent in the same transaction (delivery is at most once), and move
        each event's cursor past the members read (`bot.storage.reminder_walk`); with
        `shards`, only those of their guilds (`sqlite.reminders.claim_reminders`)."""
        now_ts = int((now or utcnow()).timestamp())
        async with self._transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", CLAIM_LOCK)
            busy = [w.window.event_id for w in await self._walks(conn, now_ts, limit, shards)
                    if w.found or w.moved]
            if not busy:
                return []  # nothing due and no cursor to move: no event locked
            # The walks' places are stored: their events are locked first (in id order, as
            # joins lock them), then walked again, so a promotion committed meanwhile is
            # read, not passed by a place stored after it (it would have found none to
            # move back). SQLite's claim holds the write lock, which does the same.
            await conn.execute("SELECT 1 FROM events WHERE id = ANY($1::bigint[])"
                               " ORDER BY id FOR SHARE", busy)
            walks = await self._walks(conn, now_ts, limit, shards)
            claimed = [reminder for walk in walks for reminder, _ in walk.found]
            # in event id order, as joins and zone changes lock events: the rows inserted
            # lock their events against those, and no order may cross
            await conn.executemany(
                "INSERT INTO reminders_sent (event_id, user_id, minutes, sent_at)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (event_id, user_id, minutes)"
                " DO UPDATE SET sent_at = excluded.sent_at",
                sent_rows(claimed))
            await conn.executemany(
                "INSERT INTO reminder_cursors (event_id, due_at, through_seq)"
                " VALUES ($1, $2, $3) ON CONFLICT (event_id) DO UPDATE"
                " SET due_at = excluded.due_at, through_seq = excluded.through_seq",
                sorted((w.window.event_id, w.window.latest_due, w.through)
                       for w in walks if w.moved and w.window.event_id in busy))
        return claimed

    async def release_reminders(self, reminders: Sequence[DueReminder]) -> None:
        """`sqlite.reminders.release_reminders`. The events are locked first, in id order
        as everywhere: a claim of another process, which holds them FOR SHARE while it
        stores its walks' places, is over before their walks go back, and one after sees
        them gone back. NO KEY UPDATE, not UPDATE: the rows a claim inserts lock their
        events FOR KEY SHARE, which must not wait for this lock, nor this for them."""
        if not reminders:
            return
        members = members_by_event(reminders)
        async with self._transaction() as conn:
            await conn.execute("SELECT 1 FROM events WHERE id = ANY($1::bigint[])"
                               " ORDER BY id FOR NO KEY UPDATE", list(members))
            # Row by row in the order claims write them: the row locks taken cross none of
            # a claim's under way.
            for row, previous in given_back(reminders):
                # at the claim's time or before: `sqlite.reminders.release_reminders`
                if previous is None:
                    await conn.execute("DELETE FROM reminders_sent WHERE event_id = $1"
                                       " AND user_id = $2 AND minutes = $3 AND sent_at <= $4",
                                       *row)
                else:
                    await conn.execute("UPDATE reminders_sent SET sent_at = least(sent_at, $5)"
                                       " WHERE event_id = $1 AND user_id = $2 AND minutes = $3"
                                       " AND sent_at <= $4", *row, previous)
            for event_id, user_ids in members.items():
                await self._registrations.rewind_reminders(conn, event_id, user_ids)

    async def claim_stands(self, due: DueReminder) -> bool:
        """`sqlite.reminders.claim_stands`."""
        async with self._transaction() as conn:
            return claim_stands(due, await conn.fetch(
                f"SELECT {BEGINS} AS begins, s.minutes, s.sent_at FROM events e"
                " LEFT JOIN reminders_sent s ON s.event_id = e.id AND s.user_id = $1"
                " WHERE e.id = $2", due.user_id, due.event_id))

    async def _walks(self, conn: asyncpg.Connection, now_ts: int, limit: int,
                     shards: Shards | None = None, *, each: bool = False) -> list[Walk]:
        """Walks of the open windows in claim order (see `sqlite.reminders._walks`)."""
        walks: list[Walk] = []
        room = limit
        windows = on_shards(reminder_windows(
            await conn.fetch(_WINDOWS, DEFAULT_MINUTES, now_ts), now_ts), shards)
        held = promotions_unsent(await conn.fetch(
            PROMOTIONS_OF_EVENTS,
            now_ts - PROMOTION_FIRST, [w.event_id for w in windows]),
            now_ts) if windows else {}
        for window in windows:
            if room <= 0:
                break
            walk = start_walk(window, room, held.get(window.event_id))
            while not walk.done:
                walk.take(await conn.fetch(_MEMBERS, window.event_id, walk.after, WALK_CHUNK))
            walks.append(walk)
            if not each:
                room -= len(walk.found)
        return walks

    async def attendee_role(self, guild_id: int, event_id: int
                            ) -> tuple[int | None, list[int]]:
        """(the event's attendee role or None, the confirmed members' user ids)."""
        async with self._transaction() as conn:
            row = await conn.fetchrow("SELECT attendee_role_id FROM events"
                                      " WHERE id = $1 AND guild_id = $2", event_id, guild_id)
            if row is None:
                raise EventNotFound(event_id)
            return (row["attendee_role_id"],
                    await self._registrations.confirmed_ids(conn, event_id))

    async def set_attendee_role(self, guild_id: int, event_id: int,
                                role_id: int | None) -> int | None:
        """Set (or, with None, clear) the event's attendee role; returns the previous one."""
        async with self._transaction() as conn:
            row = await conn.fetchrow("SELECT attendee_role_id FROM events"
                                      " WHERE id = $1 AND guild_id = $2 FOR UPDATE",
                                      event_id, guild_id)
            if row is None:
                raise EventNotFound(event_id)
            before = row["attendee_role_id"]
            if before is not None and before != role_id:  # owed back (see the SQLite store)
                await conn.execute(
                    "INSERT INTO owed_roles (guild_id, event_id, role_id, user_id)"
                    " SELECT $1, $2, $3, user_id FROM rsvps WHERE event_id = $2"
                    " AND status = 'confirmed' ON CONFLICT DO NOTHING",
                    guild_id, event_id, before)
            await conn.execute("UPDATE events SET attendee_role_id = $1 WHERE id = $2",
                               role_id, event_id)
        return before

    async def attendee_roles(self, due_by: datetime | None = None) -> list[RoleGrant]:
        """(guild_id, event_id, role_id, confirmed user ids) of events that give out a role;
        with `due_by`, only those that ended (end, else start) by then."""
        async with self._transaction() as conn:
            rows = await conn.fetch(
                "SELECT guild_id, id, attendee_role_id FROM events"
                f" WHERE attendee_role_id IS NOT NULL AND ($1::bigint IS NULL OR {OVER_AT} <= $1)"
                " ORDER BY id", ts(due_by))
            return [RoleGrant(r["guild_id"], r["id"], r["attendee_role_id"],
                              await self._registrations.confirmed_ids(conn, r["id"]))
                    for r in rows]

    async def end_attendee_role(self, event_id: int, role_id: int) -> None:
        """The event is over and its role was taken back: stop giving it out."""
        async with self._transaction() as conn:
            await conn.execute("UPDATE events SET attendee_role_id = NULL"
                               " WHERE id = $1 AND attendee_role_id = $2", event_id, role_id)

    async def owed_roles(self) -> list[OwedRole]:
        """The attendee roles members still owe back, by event and role."""
        async with self._transaction() as conn:
            rows = await conn.fetch(
                "SELECT min(guild_id), event_id, role_id, array_agg(user_id ORDER BY user_id)"
                " FROM owed_roles GROUP BY event_id, role_id ORDER BY event_id, role_id")
        return [OwedRole(r[0], r[1], r[2], tuple(r[3])) for r in rows]

    async def change_owed_roles(self, changes: Sequence[OwedChange]) -> None:
        """Record `changes` to the roles owed back, in their order, in one transaction."""
        async with self._transaction() as conn:
            for change in changes:
                where = (change.event_id, change.role_id)
                if change.owed:
                    await conn.executemany(
                        "INSERT INTO owed_roles (guild_id, event_id, role_id, user_id)"
                        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                        [(change.guild_id, *where, user_id) for user_id in change.user_ids or ()])
                elif change.user_ids is None:
                    await conn.execute("DELETE FROM owed_roles WHERE event_id = $1"
                                       " AND role_id = $2", *where)
                else:
                    await conn.execute("DELETE FROM owed_roles WHERE event_id = $1"
                                       " AND role_id = $2 AND user_id = ANY($3::bigint[])",
                                       *where, list(change.user_ids))

    async def give_roles_at_start(self, events: Sequence[RolesToGive]) -> None:
        """Note the events whose role the next start gives out again: a stop may have
        left it short of some confirmed members."""
        async with self._transaction() as conn:
            await conn.executemany(
                "INSERT INTO roles_to_give (guild_id, event_id, everyone) VALUES ($1, $2, $3)"
                " ON CONFLICT (event_id) DO UPDATE"
                " SET everyone = roles_to_give.everyone OR excluded.everyone",
                [event[:3] for event in events])
            await conn.executemany(
                "INSERT INTO roles_to_give_again (event_id, user_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING",
                [(event.event_id, user_id) for event in events for user_id in event.again])

    async def roles_to_give(self) -> list[RolesToGive]:
        """The events noted by `give_roles_at_start`, each with its members (one statement:
        an event and its members as one stop noted them)."""
        async with self._transaction() as conn:
            rows = await conn.fetch(
                "SELECT t.guild_id, t.event_id, t.everyone,"
                " array_agg(a.user_id ORDER BY a.user_id) FILTER (WHERE a.user_id IS NOT NULL)"
                " FROM roles_to_give t LEFT JOIN roles_to_give_again a USING (event_id)"
                " GROUP BY t.event_id ORDER BY t.event_id")
        return [RolesToGive(r[0], r[1], r[2], tuple(r[3] or ())) for r in rows]

    async def forget_roles_to_give(self, event_ids: Sequence[int]) -> None:
        async with self._transaction() as conn:
            for table in ("roles_to_give", "roles_to_give_again"):
                await conn.execute(f"DELETE FROM {table} WHERE event_id = ANY($1::bigint[])",
                                   list(event_ids))

    async def hold_role_notice(self, notice: RoleNotice) -> None:
        """Hold the notice until its server arrives (`take_role_notices`): one per role,
        a later one replacing it."""
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO held_role_notices (guild_id, role_id, events, deleted, giving,"
                " unoffered, name, held_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                " ON CONFLICT (guild_id, role_id) DO UPDATE SET events = excluded.events,"
                " deleted = excluded.deleted, giving = excluded.giving,"
                " unoffered = excluded.unoffered, name = excluded.name,"
                " held_at = excluded.held_at",
                notice.guild_id, notice.role_id, joined_ids(notice.events), notice.deleted,
                notice.giving, notice.unoffered, notice.name, ts(notice.held_at))

    async def role_notice_guilds(self) -> list[int]:
        """The servers some notice is held for."""
        async with self._transaction() as conn:
            rows = await conn.fetch("SELECT DISTINCT guild_id FROM held_role_notices"
                                    " ORDER BY guild_id")
        return [r[0] for r in rows]

    async def take_role_notices(self, guild_id: int) -> list[RoleNotice]:
        """The notices held for the server, no longer held (at most once), by role."""
        async with self._transaction() as conn:
            rows = await conn.fetch("DELETE FROM held_role_notices WHERE guild_id = $1"
                                    " RETURNING guild_id, role_id, events, held_at, deleted,"
                                    " giving, unoffered, name", guild_id)
        return sorted(RoleNotice(r[0], r[1], split_ids(r[2]), moment(r[3]), r[4], r[5], r[6],
                                 r[7]) for r in rows)

    async def discord_event_refusals(self) -> list[tuple[int, int, bool]]:
        """See `sqlite.reminders.discord_event_refusals`."""
        async with self._transaction() as conn:
            rows = await conn.fetch("SELECT guild_id, event_id, create_it"
                                    " FROM discord_event_refusals ORDER BY event_id")
        return [(r[0], r[1], r[2]) for r in rows]

    async def note_discord_event_refusals(
            self, changes: Sequence[tuple[int, int, bool | None]]) -> None:
        """See `sqlite.reminders.note_discord_event_refusals`."""
        async with self._transaction() as conn:
            for guild_id, event_id, create in changes:
                if create is None:
                    await conn.execute("DELETE FROM discord_event_refusals WHERE event_id = $1",
                                       event_id)
                else:
                    await conn.execute(
                        "INSERT INTO discord_event_refusals (event_id, guild_id, create_it)"
                        " SELECT id, guild_id, $3 FROM events WHERE id = $1 AND guild_id = $2"
                        " ON CONFLICT (event_id) DO UPDATE SET create_it = excluded.create_it",
                        event_id, guild_id, create)

    async def scheduled_event_id(self, guild_id: int, event_id: int) -> int | None:
        async with self._transaction() as conn:
            row = await conn.fetchrow("SELECT scheduled_event_id FROM events"
                                      " WHERE id = $1 AND guild_id = $2", event_id, guild_id)
        if row is None:
            raise EventNotFound(event_id)
        return row["scheduled_event_id"]

    async def with_scheduled_events(self, guild_id: int) -> list[int]:
        """`sqlite.reminders.with_scheduled_events`."""
        async with self._transaction() as conn:
            rows = await conn.fetch("SELECT id FROM events WHERE guild_id = $1"
                                    " AND scheduled_event_id IS NOT NULL ORDER BY id", guild_id)
        return [r["id"] for r in rows]

    async def set_scheduled_event_id(self, guild_id: int, event_id: int,
                                     scheduled_event_id: int | None) -> None:
        async with self._transaction() as conn:
            await conn.execute("UPDATE events SET scheduled_event_id = $1"
                               " WHERE id = $2 AND guild_id = $3",
                               scheduled_event_id, event_id, guild_id)
