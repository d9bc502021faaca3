"""Reminders due and claimed, attendee roles, and the events' Discord scheduled events.

A guild's reminder offsets are minutes before the start, stored as text ("1440,60",
"" when off) that json_each expands inside the query as '[' || text || ']'. A
confirmed member is due a reminder once an offset's time (start - minutes) has come
and their last reminder for the event is older than it. So a claim covers every offset
that has come due with ONE message (a late joiner, or a bot that was down, sends one
reminder, not one per passed offset), an offset added after a later reminder went out is
not sent late, and an event moved to a later start reminds its members again at the new
times (a move rewrites what was sent: `SqliteRegistrations.reschedule_reminders`).
Inside an event's window, the members are read from where the last claim stopped
(`bot.storage.reminder_walk`), so a round costs the members who arrived since.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime

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
from bot.storage.sqlite.registrations import SqliteRegistrations
from bot.storage.sqlite.session import (
    OVER_AT,
    Repository,
    Session,
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


class SqliteReminders(Repository):
    def __init__(self, session: Session, registrations: SqliteRegistrations) -> None:
        super().__init__(session)
        self._registrations = registrations

    DEFAULT_MINUTES = ",".join(map(str, DEFAULT_REMINDER_MINUTES))  # as the column stores them

    _OFFSETS = """
            FROM events e
            LEFT JOIN guild_settings g ON g.guild_id = e.guild_id
            JOIN json_each('[' || coalesce(g.reminder_minutes, :default) || ']') o"""

    # The offsets come due of every event not yet begun, of the windows with members to
    # walk: one row each, claims' order (`reminder_walk.open_windows`). An archived event
    # reminds nobody (it takes no RSVPs, not even a cancel), nor an event of a server that
    # removed the bot (its data waits out the retention, `cogs.retention`).
    _WINDOWS = open_windows(f"""
        SELECT e.guild_id, e.id AS event_id, e.title, {BEGINS} AS starts_at, e.venue,
               CASE WHEN e.all_day THEN e.starts_at END AS day,
               o.value AS minutes, {BEGINS} - o.value * 60 AS due_at, {CURSOR_AND_LAST}
        """ + _OFFSETS + f"""
        LEFT JOIN reminder_cursors c ON c.event_id = e.id
        WHERE {BEGINS} > :now AND {BEGINS} <= :now + {WINDOW}
          AND {BEGINS} - o.value * 60 <= :now AND NOT e.archived AND g.left_at IS NULL""")

    # An event's confirmed members past a seq, in arrival order, with their last reminder.
    _MEMBERS = (
        "SELECT r.user_id, r.seq, coalesce((SELECT max(s.sent_at) FROM reminders_sent s"
        " WHERE s.event_id = r.event_id AND s.user_id = r.user_id), -1) AS last_sent"
        " FROM rsvps r WHERE r.event_id = ? AND r.status = 'confirmed' AND r.seq > ?"
        " ORDER BY r.seq LIMIT ?")

    def next_due(self, now: datetime | None = None,
                 roles_waiting: Collection[int] = (),
                 shards: Shards | None = None) -> datetime | None:
        """When the scheduler next has work: the earliest reminder not yet sent (in the past
        if one is overdue; None past LOOKAHEAD, for the scheduler asks again before), or the
        end of an event whose attendee role is still given out, apart from the events in
        `roles_waiting` (whose take-back waits to be tried again). With `shards`, only the
        overdue reminders of their guilds count, as `claim_reminders` takes only those."""
        now_ts = int((now or utcnow()).timestamp())
        overdue = [walk.next_at for walk in self._walks(now_ts, 1, shards, each=True)]
        row = self._row(
            "SELECT min(at) FROM ("
            f"  SELECT min({BEGINS} - o.value * 60) AS at" + self._OFFSETS +
            f"   WHERE {BEGINS} > :now AND {BEGINS} <= :now + {LOOKAHEAD}"
            f"    AND {BEGINS} - o.value * 60 > :now AND e.confirmed_count > 0"
            "    AND NOT e.archived AND g.left_at IS NULL"
            "  UNION ALL"
            f"  SELECT min({OVER_AT}) FROM events"
            "   WHERE attendee_role_id IS NOT NULL"
            "    AND id NOT IN (SELECT value FROM json_each(:waiting)))",
            {"default": self.DEFAULT_MINUTES, "now": now_ts,
             "waiting": json.dumps(sorted(roles_waiting))})
        return dt(min((at for at in (*overdue, row[0]) if at is not None), default=None))

    def claim_reminders(self, now: datetime | None = None, limit: int = 100,
                        shards: Shards | None = None) -> list[DueReminder]:
        """Take the reminders due now, in start order (servers whose events start
        together taking turns, `reminder_walk.in_turn`), then RSVP order.

        Claiming records them in reminders_sent in the same transaction, before anything
        is sent: delivery is at most once (see `cogs.reminders`). One (event, member) is
        never split across two claims. The walk moves each event's cursor past the
        members it read (`bot.storage.reminder_walk`). With `shards`, only the reminders of
        their guilds: the process that runs a guild alone knows whether the bot is in it,
        and so whether the DM can go now or must wait for the bot to be invited back.
        """
        now_ts = int((now or utcnow()).timestamp())
        if not any(w.found or w.moved for w in self._walks(now_ts, limit, shards)):
            return []  # nothing due and no cursor to move: no write lock taken
        with self._transaction() as db:
            # again, under the write lock: the claim is atomic
            walks = self._walks(now_ts, limit, shards)
            claimed = [reminder for walk in walks for reminder, _ in walk.found]
            db.executemany(
                "INSERT INTO reminders_sent (event_id, user_id, minutes, sent_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (event_id, user_id, minutes)"
                " DO UPDATE SET sent_at = excluded.sent_at",
                sent_rows(claimed))
            db.executemany(
                "INSERT INTO reminder_cursors (event_id, due_at, through_seq) VALUES (?, ?, ?)"
                " ON CONFLICT (event_id) DO UPDATE SET due_at = excluded.due_at,"
                " through_seq = excluded.through_seq",
                [(w.window.event_id, w.window.latest_due, w.through) for w in walks if w.moved])
        return claimed

    def release_reminders(self, reminders: Sequence[DueReminder]) -> None:
        """Give back reminders claimed and not sent (the bot stopped first): their members'
        reminders are recorded as before the claim (`reminder_walk.given_back`), and each
        event's walk goes back to before them, so the next claim takes them again."""
        if not reminders:
            return
        rows = given_back(reminders)
        # A row at the claim's time or before it is the claim's: a move of the event since
        # may have brought it back to its offset's new due time (`reschedule_reminders`),
        # and the time given back is then no later than that. A later claim's is later.
        with self._transaction() as db:
            db.executemany("DELETE FROM reminders_sent WHERE event_id = ? AND user_id = ?"
                           " AND minutes = ? AND sent_at <= ?",
                           [row for row, previous in rows if previous is None])
            db.executemany("UPDATE reminders_sent SET sent_at = min(sent_at, ?) WHERE"
                           " event_id = ? AND user_id = ? AND minutes = ? AND sent_at <= ?",
                           [(previous, *row) for row, previous in rows if previous is not None])
            for event_id, user_ids in members_by_event(reminders).items():
                self._registrations.rewind_reminders(event_id, user_ids)

    def claim_stands(self, due: DueReminder) -> bool:
        """Whether a reminder claimed and not yet sent may still be sent: its event has not
        moved since, nor has another claim taken it (`reminder_walk.claim_stands`). One
        query, one snapshot of the event and the member's reminders."""
        return claim_stands(due, self._all(
            f"SELECT {BEGINS} AS begins, s.minutes, s.sent_at FROM events e"
            " LEFT JOIN reminders_sent s ON s.event_id = e.id AND s.user_id = ?"
            " WHERE e.id = ?", (due.user_id, due.event_id)))

    def _walks(self, now_ts: int, limit: int, shards: Shards | None = None, *,
               each: bool = False) -> list[Walk]:
        """Walks of the open windows (of the guilds on `shards`) in claim order, taking
        `limit` due members in all (`each`: in each window)."""
        walks: list[Walk] = []
        room = limit
        windows = on_shards(reminder_windows(self._all(
            self._WINDOWS, {"default": self.DEFAULT_MINUTES, "now": now_ts}), now_ts), shards)
        held = promotions_unsent(self._all(PROMOTIONS_UNSENT.format(
            outbox="outbox INDEXED BY outbox_by_event", since="?",
            of_events="IN (SELECT value FROM json_each(?))"), (
            now_ts - PROMOTION_FIRST, json.dumps([w.event_id for w in windows]))),
            now_ts) if windows else {}
        for window in windows:
            if room <= 0:
                break
            walk = start_walk(window, room, held.get(window.event_id))
            while not walk.done:
                walk.take(self._all(self._MEMBERS, (window.event_id, walk.after, WALK_CHUNK)))
            walks.append(walk)
            if not each:
                room -= len(walk.found)
        return walks

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
            before = row["attendee_role_id"]
            if before is not None and before != role_id:
                # the old role, owed back by the confirmed members from this commit on (as
                # at a cancel): a crash before Discord took it back leaves it to the next
                # start, which counts confirmed members as holding the new role alone
                db.execute("INSERT OR IGNORE INTO owed_roles (guild_id, event_id, role_id,"
                           " user_id) SELECT ?, ?, ?, user_id FROM rsvps WHERE event_id = ?"
                           " AND status = 'confirmed'", (guild_id, event_id, before, event_id))
            db.execute("UPDATE events SET attendee_role_id = ? WHERE id = ?", (role_id, event_id))
        return before

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

    def owed_roles(self) -> list[OwedRole]:
        """The attendee roles members still owe back, by event and role."""
        return [OwedRole(r[0], r[1], r[2], tuple(sorted(int(u) for u in r[3].split(","))))
                for r in self._all(
                    "SELECT min(guild_id), event_id, role_id, group_concat(user_id)"
                    " FROM owed_roles WHERE event_id NOT IN (SELECT event_id FROM"
                    " purged_events)"  # (their server's data is being deleted)
                    " GROUP BY event_id, role_id ORDER BY event_id, role_id")]

    def change_owed_roles(self, changes: Sequence[OwedChange]) -> None:
        """Record `changes` to the roles owed back, in their order, in one transaction."""
        with self._transaction() as db:
            for change in changes:
                where = (change.event_id, change.role_id)
                if change.owed:
                    db.executemany("INSERT OR IGNORE INTO owed_roles (guild_id, event_id,"
                                   " role_id, user_id) VALUES (?, ?, ?, ?)",
                                   [(change.guild_id, *where, user_id)
                                    for user_id in change.user_ids or ()])
                elif change.user_ids is None:
                    db.execute("DELETE FROM owed_roles WHERE event_id = ? AND role_id = ?",
                               where)
                else:
                    db.executemany("DELETE FROM owed_roles WHERE event_id = ? AND role_id = ?"
                                   " AND user_id = ?",
                                   [(*where, user_id) for user_id in change.user_ids])

    def give_roles_at_start(self, events: Sequence[RolesToGive]) -> None:
        """Note the events whose role the next start gives out again: a stop may have
        left it short of some confirmed members."""
        with self._transaction() as db:
            db.executemany("INSERT INTO roles_to_give (guild_id, event_id, everyone)"
                           " VALUES (?, ?, ?) ON CONFLICT (event_id) DO UPDATE"
                           " SET everyone = everyone OR excluded.everyone",
                           [event[:3] for event in events])
            db.executemany("INSERT OR IGNORE INTO roles_to_give_again (event_id, user_id)"
                           " VALUES (?, ?)",
                           [(event.event_id, user_id) for event in events
                            for user_id in event.again])

    def roles_to_give(self) -> list[RolesToGive]:
        """The events noted by `give_roles_at_start`, each with its members (one statement:
        an event and its members as one stop noted them)."""
        return [RolesToGive(r[0], r[1], bool(r[2]),
                            tuple(sorted(int(u) for u in r[3].split(","))) if r[3] else ())
                for r in self._all(
                    "SELECT t.guild_id, t.event_id, t.everyone, group_concat(a.user_id)"
                    " FROM roles_to_give t LEFT JOIN roles_to_give_again a USING (event_id)"
                    " WHERE t.event_id NOT IN (SELECT event_id FROM purged_events)"
                    " GROUP BY t.event_id ORDER BY t.event_id")]

    def forget_roles_to_give(self, event_ids: Sequence[int]) -> None:
        with self._transaction() as db:
            for table in ("roles_to_give", "roles_to_give_again"):
                db.executemany(f"DELETE FROM {table} WHERE event_id = ?",
                               [(event_id,) for event_id in event_ids])

    def hold_role_notice(self, notice: RoleNotice) -> None:
        """Hold the notice until its server arrives (`take_role_notices`): one per role,
        a later one replacing it."""
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO held_role_notices (guild_id, role_id, events,"
                       " deleted, giving, unoffered, name, held_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (notice.guild_id, notice.role_id, joined_ids(notice.events),
                        notice.deleted, notice.giving, notice.unoffered, notice.name,
                        ts(notice.held_at)))

    def role_notice_guilds(self) -> list[int]:
        """The servers some notice is held for."""
        return [r[0] for r in self._all("SELECT DISTINCT guild_id FROM held_role_notices"
                                        " ORDER BY guild_id")]

    def take_role_notices(self, guild_id: int) -> list[RoleNotice]:
        """The notices held for the server, no longer held (at most once), by role."""
        with self._transaction() as db:
            rows = db.execute("DELETE FROM held_role_notices WHERE guild_id = ? RETURNING"
                              " guild_id, role_id, events, held_at, deleted, giving,"
                              " unoffered, name", (guild_id,)).fetchall()
        return sorted(RoleNotice(r[0], r[1], split_ids(r[2]), moment(r[3]), bool(r[4]),
                                 bool(r[5]), bool(r[6]), r[7]) for r in rows)

    def discord_event_refusals(self) -> list[tuple[int, int, bool]]:
        """The events whose Discord event waits for the bot to be allowed to make or
        update it (`note_discord_event_refusals`): (server, event, whether to make one)."""
        return [(r[0], r[1], bool(r[2])) for r in self._all(
            "SELECT guild_id, event_id, create_it FROM discord_event_refusals"
            " ORDER BY event_id")]

    def note_discord_event_refusals(self, changes: Sequence[tuple[int, int, bool | None]]
                                    ) -> None:
        """Note (server, event, whether to make one) as waiting for the permission, or
        with None as waiting no more. An event deleted meanwhile, or of another server,
        is not noted."""
        with self._transaction() as db:
            for guild_id, event_id, create in changes:
                if create is None:
                    db.execute("DELETE FROM discord_event_refusals WHERE event_id = ?",
                               (event_id,))
                else:
                    db.execute("INSERT INTO discord_event_refusals (event_id, guild_id,"
                               " create_it) SELECT id, guild_id, ? FROM events"
                               " WHERE id = ? AND guild_id = ? ON CONFLICT (event_id)"
                               " DO UPDATE SET create_it = excluded.create_it",
                               (create, event_id, guild_id))

    def scheduled_event_id(self, guild_id: int, event_id: int) -> int | None:
        row = self._one("SELECT scheduled_event_id FROM events WHERE id = ? AND guild_id = ?",
                        (event_id, guild_id))
        if row is None:
            raise EventNotFound(event_id)
        return row["scheduled_event_id"]

    def with_scheduled_events(self, guild_id: int) -> list[int]:
        """The guild's events that have a Discord scheduled event, by id."""
        return [r[0] for r in self._all("SELECT id FROM events WHERE guild_id = ?"
                                        " AND scheduled_event_id IS NOT NULL ORDER BY id",
                                        (guild_id,))]

    def set_scheduled_event_id(self, guild_id: int, event_id: int,
                               scheduled_event_id: int | None) -> None:
        with self._transaction() as db:
            db.execute("UPDATE events SET scheduled_event_id = ? WHERE id = ? AND guild_id = ?",
                       (scheduled_event_id, event_id, guild_id))
