"""Reminders due and claimed, attendee roles, and the events' Discord scheduled events.

A guild's reminder offsets are minutes before the start, stored as text ("1440,60",
"" when off) that json_each expands inside the query as '[' || text || ']'. A
confirmed member is due a reminder once an offset's time (start - minutes) has come
and their last reminder for the event is older than it. So one query finds the next
due time over every future event, a claim covers every offset that has come due with
ONE message (a late joiner, or a bot that was down, sends one reminder, not one per
passed offset), an offset added after a later reminder went out is not sent late, and
an event moved to a later start reminds its members again at the new times.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime

from bot.errors import EventNotFound
from bot.models import DueReminder, RoleGrant
from bot.storage.sqlite.registrations import SqliteRegistrations
from bot.storage.sqlite.session import (
    OVER_AT,
    Repository,
    Session,
    dt,
    start_moment,
    ts,
    utcnow,
)
from bot.times import DEFAULT_REMINDER_MINUTES

BEGINS = start_moment("e")  # when the event `e` begins, that its reminders count back from


class SqliteReminders(Repository):
    def __init__(self, session: Session, registrations: SqliteRegistrations) -> None:
        super().__init__(session)
        self._registrations = registrations

    DEFAULT_MINUTES = ",".join(map(str, DEFAULT_REMINDER_MINUTES))  # as the column stores them

    _OFFSETS = """
            FROM events e
            LEFT JOIN guild_settings g ON g.guild_id = e.guild_id
            JOIN json_each('[' || coalesce(g.reminder_minutes, :default) || ']') o"""

    _DUE_REMINDERS = f"""
        WITH open_windows AS MATERIALIZED (
            SELECT e.guild_id, e.id AS event_id, e.title, {BEGINS} AS starts_at, e.venue,
                   o.value AS minutes, {BEGINS} - o.value * 60 AS due_at
            """ + _OFFSETS + f"""
            WHERE {BEGINS} > :now AND {BEGINS} - o.value * 60 <= :now
        ), due AS (
            SELECT w.*, r.user_id, r.seq,
                   coalesce((SELECT max(s.sent_at) FROM reminders_sent s
                             WHERE s.event_id = w.event_id AND s.user_id = r.user_id), -1)
                       AS last_sent
            FROM open_windows w
            JOIN rsvps r ON r.event_id = w.event_id AND r.status = 'confirmed'
        )"""

    def next_due(self, now: datetime | None = None,
                 roles_waiting: Collection[int] = ()) -> datetime | None:
        """When the scheduler next has work: the earliest reminder not yet sent (in the past
        if one is overdue), or the end of an event whose attendee role is still given out,
        apart from the events in `roles_waiting` (whose take-back waits to be tried again)."""
        row = self._row(
            self._DUE_REMINDERS +
            " SELECT min(at) FROM ("
            "  SELECT min(due_at) AS at FROM due WHERE due_at > last_sent"
            "  UNION ALL"
            f"  SELECT min({BEGINS} - o.value * 60)" + self._OFFSETS +
            f"   WHERE {BEGINS} - o.value * 60 > :now AND EXISTS (SELECT 1 FROM rsvps r"
            "    WHERE r.event_id = e.id AND r.status = 'confirmed')"
            "  UNION ALL"
            f"  SELECT min({OVER_AT}) FROM events"
            "   WHERE attendee_role_id IS NOT NULL"
            "    AND id NOT IN (SELECT value FROM json_each(:waiting)))",
            {"default": self.DEFAULT_MINUTES, "now": ts(now or utcnow()),
             "waiting": json.dumps(sorted(roles_waiting))})
        return dt(row[0])

    def claim_reminders(self, now: datetime | None = None, limit: int = 100
                        ) -> list[DueReminder]:
        """Take the reminders due now, in start order, then RSVP order.

        Claiming records them in reminders_sent in the same transaction, before anything
        is sent: delivery is at most once (see `cogs.reminders`). One (event, member) is
        never split across two claims.
        """
        now_ts = ts(now or utcnow())
        query = (self._DUE_REMINDERS +
                 " SELECT guild_id, event_id, title, starts_at, venue, user_id,"
                 "  group_concat(minutes) AS minutes FROM due"
                 " WHERE due_at > last_sent AND due_at <= :now"
                 " GROUP BY event_id, user_id ORDER BY starts_at, event_id, min(seq) LIMIT :limit")
        params = {"default": self.DEFAULT_MINUTES, "now": now_ts, "limit": limit}
        if not self._all(query, params):  # nothing due: no write lock taken
            return []
        with self._transaction() as db:
            rows = self._all(query, params)  # again, under the write lock: the claim is atomic
            claimed = [DueReminder(r["guild_id"], r["event_id"], r["title"],
                                   datetime.fromtimestamp(r["starts_at"], UTC), r["venue"],
                                   r["user_id"], tuple(sorted(
                                       (int(m) for m in r["minutes"].split(",")), reverse=True)))
                       for r in rows]
            db.executemany(
                "INSERT INTO reminders_sent (event_id, user_id, minutes, sent_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (event_id, user_id, minutes)"
                " DO UPDATE SET sent_at = excluded.sent_at",
                [(due.event_id, due.user_id, m, now_ts) for due in claimed for m in due.minutes])
        return claimed

    def attendee_role(self, guild_id: int, event_id: int) -> tuple[int | None, list[int]]:
        """(the event's attendee role or None, the confirmed members' user ids)."""
        row = self._one("SELECT attendee_role_id FROM events WHERE id = ? AND guild_id = ?",
                        (event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return row["attendee_role_id"], self._registrations.confirmed_ids(event_id)

    def set_attendee_role(self, guild_id: int, event_id: int, role_id: int | None) -> int | None:
        """Set (or, with None, clear) the event's attendee role; returns the previous one."""
        with self._transaction() as db:
            row = self._one("SELECT attendee_role_id FROM events WHERE id = ? AND guild_id = ?",
                            (event_id, guild_id))
            if row is None:
                raise EventNotFound(event_id)
            db.execute("UPDATE events SET attendee_role_id = ? WHERE id = ?", (role_id, event_id))
        return row["attendee_role_id"]

    def attendee_roles(self, due_by: datetime | None = None) -> list[RoleGrant]:
        """(guild_id, event_id, role_id, confirmed user ids) of events that give out a role;
        with `due_by`, only those that ended (end, else start) by then."""
        rows = self._all(
            "SELECT guild_id, id, attendee_role_id FROM events WHERE attendee_role_id IS NOT NULL"
            f" AND (? IS NULL OR {OVER_AT} <= ?) ORDER BY id",
            (ts(due_by), ts(due_by)))
        return [RoleGrant(r["guild_id"], r["id"], r["attendee_role_id"],
                          self._registrations.confirmed_ids(r["id"])) for r in rows]

    def end_attendee_role(self, event_id: int, role_id: int) -> None:
        """The event is over and its role was taken back: stop giving it out."""
        with self._transaction() as db:
            db.execute("UPDATE events SET attendee_role_id = NULL"
                       " WHERE id = ? AND attendee_role_id = ?", (event_id, role_id))

    def scheduled_event_id(self, guild_id: int, event_id: int) -> int | None:
        row = self._one("SELECT scheduled_event_id FROM events WHERE id = ? AND guild_id = ?",
                        (event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return row["scheduled_event_id"]

    def set_scheduled_event_id(self, guild_id: int, event_id: int,
                               scheduled_event_id: int | None) -> None:
        with self._transaction() as db:
            db.execute("UPDATE events SET scheduled_event_id = ? WHERE id = ? AND guild_id = ?",
                       (scheduled_event_id, event_id, guild_id))
