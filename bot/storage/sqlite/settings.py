"""Guild settings (announcement channel, timezone, language, reminder offsets, scheduled
events), members' last seen client languages, the servers the bot left and their purge,
and the bot's own metadata."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from bot.models import GuildLeft, LocalePrune, ReminderSettings, SeenLocale
from bot.storage.protocol import PURGE_ROWS
from bot.storage.sqlite.registrations import SqliteRegistrations
from bot.storage.sqlite.search import SqliteSearch
from bot.storage.sqlite.session import (
    DAY_COLUMNS,
    HIGHEST_EVENT_ID,
    PURGED_IDS_KEY,
    Repository,
    Session,
    offsets_to_change,
    over_at,
    ts,
)
from bot.times import DEFAULT_REMINDER_MINUTES
from bot.zones import DEFAULT_ZONE

# Rows of the members' languages, of RSVPs or of the outbox one step of forgetting
# languages reads, and languages one of its write transactions deletes at most (a few
# milliseconds each, whatever the tables' sizes: `forget_member_locales`).
PRUNE_READ_ROWS = 2000
PRUNE_WRITE_ROWS = 500
# Of those reads, what an RSVP costs, each read with its event and many a member of their
# own (`forget_member_locales`: 2,000 of 500 members took about 12 ms).
PRUNE_RSVP_WEIGHT = 4


def _rsvps_of(member: str, after_event: str = "") -> str:
    """SQL: up to a number (the last parameter) of `member`'s RSVPs in event order, each
    with whether it is of an event not over (`live`; the first parameter is now; an RSVP
    left of a purged event, its event gone, is of none)."""
    return (f"SELECT r.event_id, e.id IS NOT NULL AND coalesce({over_at('e')} > ?, 1) AS live"
            " FROM rsvps r LEFT JOIN events e ON e.id = r.event_id"
            f" WHERE r.user_id = {member}{after_event} ORDER BY r.event_id LIMIT ?")


# Of a member's RSVPs after an event, up to a number: how many, the last event, and
# whether one is of an event not over (`forget_member_locales`).
_HOLDS_AN_RSVP = ("SELECT count(*), max(event_id), max(live) FROM"
                  f" ({_rsvps_of('?', ' AND r.event_id > ?')})")
# Of each member in a JSON list, their first RSVPs up to a number: 2 or more if one is of
# an event not over, else 1 if there are that many, else 0.
_HOLDERS = ("SELECT m.value, (SELECT 2 * coalesce(max(live), 0) + (count(*) = ?) FROM"
            f" ({_rsvps_of('m.value')})) FROM json_each(?) m")


def _rsvps_a_step() -> int:
    """The RSVPs one step of forgetting languages reads at most."""
    return -(-PRUNE_READ_ROWS // PRUNE_RSVP_WEIGHT)

# The RSVPs a search row costs as much as to delete, in a step of `purge_leftovers` (of
# PURGE_ROWS: 2,000 RSVPs take about 25 ms, spread over the member index as they are).
PASSAGE_WEIGHT = 4
# The tables whose rows belong to an event, and the columns that tell its rows apart (rowid
# for tables that have one), in the order a purge deletes them (`purge_leftovers`).
_PURGED_WITH_EVENTS = (
    ("rsvps", "event_id, user_id"), ("reminders_sent", "event_id, user_id, minutes"),
    ("owed_roles", "event_id, role_id, user_id"), ("roles_to_give_again", "event_id, user_id"),
    ("roles_to_give", "rowid"), ("reminder_cursors", "rowid"),
    ("announcement_messages", "rowid"), ("pages", "rowid"), ("people", "rowid"),
    ("takeaways", "rowid"), ("event_texts", "event_id"))

# Of the guilds in a JSON list, those with no settings row yet or marked as left.
_GUILDS_TO_MARK = ("SELECT 1 FROM json_each(?) w LEFT JOIN guild_settings g"
                   " ON g.guild_id = w.value WHERE g.guild_id IS NULL OR g.left_at IS NOT NULL")


class SqliteSettings(Repository):
    def __init__(self, session: Session, search: SqliteSearch,
                 registrations: SqliteRegistrations) -> None:
        super().__init__(session)
        self._search = search
        self._registrations = registrations

    def timezone(self, guild_id: int) -> str:
        row = self._one("SELECT timezone FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return DEFAULT_ZONE if row is None else row["timezone"]

    def set_timezone(self, guild_id: int, zone: str) -> list[int]:
        """Set the guild's IANA timezone (checked by `bot.zones.check_zone_name`); its all-day
        events now run midnight to midnight there. Returns the events that moved."""
        with self._transaction() as db:
            now = self._clock()  # once the database is ours, as on PostgreSQL
            db.execute(
                "INSERT INTO guild_settings (guild_id, timezone) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET timezone = excluded.timezone",
                (guild_id, zone))
            moved = self.anchor_days(guild_id)
            for event_id in moved:
                self._registrations.reschedule_reminders(event_id)
                # a day that ends later there can open an event that had taken place again
                self._registrations.fill_free_seats(guild_id, event_id, now)
        return moved

    def anchor_days(self, guild_id: int, event_id: int | None = None) -> list[int]:
        """Give the guild's all-day events (or just `event_id`) the offsets of its timezone
        (`bot.zones.day_offsets`), and an event with times none; in the caller's transaction.
        Returns the events whose offsets changed, in id order (as on PostgreSQL, which
        locks them in that order)."""
        rows = self._all(
            f"SELECT {DAY_COLUMNS} FROM events WHERE guild_id = ? AND (? IS NULL OR id = ?)"
            "  AND (all_day OR start_offset <> 0 OR end_offset <> 0) ORDER BY id",
            (guild_id, event_id, event_id))
        changed = offsets_to_change(self.timezone(guild_id), rows)
        self._conn.executemany(
            "UPDATE events SET start_offset = ?, end_offset = ? WHERE id = ?", changed)
        return [event_id for _, _, event_id in changed]

    def set_announce_channel(self, guild_id: int, channel_id: int) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO guild_settings (guild_id, announce_channel_id) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET announce_channel_id = excluded."
                "announce_channel_id", (guild_id, channel_id))

    def announce_channel(self, guild_id: int) -> int | None:
        row = self._one(
            "SELECT announce_channel_id FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return None if row is None else row["announce_channel_id"]

    def reminder_settings(self, guild_id: int) -> ReminderSettings:
        row = self._one("SELECT reminder_minutes, scheduled_events FROM guild_settings"
                        " WHERE guild_id = ?", (guild_id,))
        if row is None:
            return ReminderSettings(DEFAULT_REMINDER_MINUTES, True)
        minutes = sorted((int(m) for m in row["reminder_minutes"].split(",") if m), reverse=True)
        return ReminderSettings(tuple(minutes), bool(row["scheduled_events"]))

    def set_reminder_minutes(self, guild_id: int, minutes: Sequence[int]) -> None:
        """Set the guild's offsets (validated by `bot.reminders.parse_minutes`); () is off."""
        text = ",".join(str(int(m)) for m in minutes)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO guild_settings (guild_id, reminder_minutes) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET reminder_minutes ="
                " excluded.reminder_minutes",
                (guild_id, text))

    def set_scheduled_events(self, guild_id: int, enabled: bool) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO guild_settings (guild_id, scheduled_events) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET scheduled_events ="
                " excluded.scheduled_events",
                (guild_id, int(enabled)))

    def language(self, guild_id: int) -> str | None:
        """The language a moderator chose for the server's public posts; None: not chosen."""
        row = self._one("SELECT language FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return None if row is None else row["language"]

    def set_language(self, guild_id: int, code: str | None) -> None:
        """Set the server's language (a shipped locale code, see `bot.i18n.SHIPPED`); None
        goes back to the server's preferred locale."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO guild_settings (guild_id, language) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET language = excluded.language",
                (guild_id, code))

    def discord_locale(self, guild_id: int) -> str | None:
        """The server's language in Discord (its preferred locale) as the bot last saw it;
        None: not seen yet."""
        row = self._one("SELECT discord_locale FROM guild_settings WHERE guild_id = ?",
                        (guild_id,))
        return None if row is None else row["discord_locale"]

    def set_discord_locale(self, guild_id: int, locale: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO guild_settings (guild_id, discord_locale) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET discord_locale = excluded.discord_locale",
                (guild_id, locale))

    def member_locales(self, user_ids: Sequence[int]) -> dict[int, SeenLocale]:
        """The last client locale recorded for each of these members that has one."""
        found: dict[int, SeenLocale] = {}
        ids = list(dict.fromkeys(user_ids))
        for start in range(0, len(ids), 500):  # within SQLite's bound-variable limit
            chunk = ids[start:start + 500]
            rows = self._all("SELECT user_id, locale, seen_at FROM member_locales WHERE user_id"
                             f" IN ({','.join('?' * len(chunk))})", tuple(chunk))
            found.update((r["user_id"], SeenLocale(r["locale"],
                                                   datetime.fromtimestamp(r["seen_at"], UTC)))
                         for r in rows)
        return found

    def record_member_locales(self, seen: Mapping[int, SeenLocale],
                              refresh_after: float | None = None) -> int:
        """Remember each member's client locale and when it was seen, in one transaction; a
        row is written only where the locale changed, or (with `refresh_after`) where the
        sight recorded is more than `refresh_after` seconds older than this one, so that a
        member who uses the bot is never a retention period old (`forget_member_locales`);
        a changed locale is never written over one seen later (by another process, which
        wrote first). Returns how many changed."""
        if not seen:
            return 0
        with self._transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT INTO member_locales (user_id, locale, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale,"
                " seen_at = excluded.seen_at"
                " WHERE (locale != excluded.locale AND seen_at <= excluded.seen_at)"
                " OR seen_at < excluded.seen_at - ?",
                [(user_id, s.locale, ts(s.seen_at), refresh_after)
                 for user_id, s in seen.items()])
            return db.total_changes - before

    def set_guild_left(self, guild_id: int, left_at: datetime) -> None:
        """Record when the bot left the guild (back in it: `guilds_present`)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO guild_settings (guild_id, left_at) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET left_at = excluded.left_at",
                (guild_id, ts(left_at)))

    def forget_member_locales(self, prune: LocalePrune) -> LocalePrune:
        """One step of forgetting the client locale of each member recorded before
        `prune.before` who holds no RSVP of an event not over at `prune.now`, in any
        server, and whom no notice waiting in the outbox names: a locale is kept only for
        the DMs about a member's RSVPs (reminders, promotions: none once the event is
        over), and their next interaction records it again. Returns where it stands; call
        again until done.

        No step holds the database long (SQLite has one writer for every process), and what
        the steps read grows with the records old enough to forget, not with the RSVPs (a
        million RSVPs of events ahead cost 1.8 s to read in full, for nothing when no record
        is old): the records are read in user id order, PRUNE_READ_ROWS a step (all of them,
        young ones too: a step of 2,000 takes 1 to 2 ms), their old ones
        taken PRUNE_WRITE_ROWS at a time; the RSVPs of each of those members are read
        through the member index until one of an event not over turns up, PRUNE_READ_ROWS /
        PRUNE_RSVP_WEIGHT a step: the first few of every member of the batch in one
        statement (which settles nearly all of them), then the rest member by member (one
        with many RSVPs of events over takes several steps); then the notices written since
        the last batch read the outbox (the first reads it all; a notice's id is never given
        again), PRUNE_READ_ROWS a step, for the members with an old record they name; a
        member named once keeps their language through the look; then the batch's languages
        are deleted in one write transaction rechecking the record's age. The reads take no
        lock on the database and are no one snapshot, and need not be: whoever takes an RSVP
        meanwhile does so by an interaction, and a member who uses the bot has a record
        younger than the retention period (`MemberLocales`: it is written again within a
        retention period of any sight), or it is being written and comes back after the
        delete; the outbox is read after the RSVPs, so a DM left there by an RSVP deleted
        meanwhile is seen. All a step leaves for the next is in `prune`: a process stopped
        midway loses only the work, and the next look starts again."""
        step, after = prune.step, prune.after
        if step in ("start", "records"):  # after: (the last member whose record was read,)
            scan, old = after[0] if after else 0, []
            rows = self._session.plain.execute(
                "SELECT user_id, seen_at < ? FROM member_locales WHERE user_id > ?"
                " ORDER BY user_id LIMIT ?", (ts(prune.before), scan, PRUNE_READ_ROWS)).fetchall()
            for user_id, is_old in rows:
                scan = user_id
                if is_old:
                    old.append(user_id)
                    if len(old) == PRUNE_WRITE_ROWS:
                        break
            if old:
                return dataclasses.replace(prune, step="holders", after=(scan,),
                                           candidates=(), to_look_at=tuple(old))
            if len(rows) < PRUNE_READ_ROWS:
                return dataclasses.replace(prune, step="done", after=())
            return dataclasses.replace(prune, step="records", after=(scan,))
        if step == "holders":  # the first few RSVPs of each member at once (most decide)
            (scan,) = after
            first = max(1, _rsvps_a_step() // len(prune.to_look_at))
            forget, looking = [], []
            for user_id, held in self._session.plain.execute(
                    _HOLDERS, (first, ts(prune.now), first,
                               json.dumps(prune.to_look_at))).fetchall():
                if held == 0:  # fewer than `first`, none of an event not over
                    forget.append(user_id)
                elif held == 1:  # `first` of them, none of an event not over: read on
                    looking.append(user_id)
            if looking:
                return dataclasses.replace(prune, step="rsvps", after=(scan, 0),
                                           candidates=tuple(forget), to_look_at=tuple(looking))
            return dataclasses.replace(prune, step="notices" if forget else "records",
                                       after=(scan,), candidates=tuple(forget), to_look_at=())
        if step == "rsvps":  # after: (scan, the last event read of to_look_at[0]'s)
            scan, since = after
            forget, looking = list(prune.candidates), list(prune.to_look_at)
            budget = _rsvps_a_step()
            while looking and budget > 0:
                read, last, live = self._session.plain.execute(
                    _HOLDS_AN_RSVP, (ts(prune.now), looking[0], since, budget)).fetchone()
                if live:  # an RSVP of an event not over: kept
                    looking.pop(0)
                    since = 0
                elif read == budget:  # more of their RSVPs, at the next step
                    since = last
                else:
                    forget.append(looking.pop(0))
                    since = 0
                budget -= max(read, 1)
            if looking:
                return dataclasses.replace(prune, after=(scan, since), candidates=tuple(forget),
                                           to_look_at=tuple(looking))
            return dataclasses.replace(prune, step="notices" if forget else "records",
                                       after=(scan,), candidates=tuple(forget), to_look_at=())
        if step == "notices":  # the notices written since the last batch read them
            rows = self._session.plain.execute(
                # (a payload that is no JSON names nobody: the deliverer skips it too,
                # and json_extract would fail this look, and every later one, on it; a
                # member whose record is young now keeps it through this look)
                "SELECT o.id, m.user_id FROM outbox o LEFT JOIN member_locales m"
                " ON m.user_id = CASE WHEN json_valid(o.payload) THEN json_extract(o.payload,"
                " '$.user_id') END AND m.seen_at < ? WHERE o.id > ? ORDER BY o.id LIMIT ?",
                (ts(prune.before), prune.notices_read, PRUNE_READ_ROWS)).fetchall()
            named = prune.named.union(user_id for _, user_id in rows if user_id is not None)
            read = rows[-1][0] if rows else prune.notices_read
            if len(rows) == PRUNE_READ_ROWS:
                return dataclasses.replace(prune, named=named, notices_read=read)
            unnamed = tuple(user_id for user_id in prune.candidates if user_id not in named)
            return dataclasses.replace(prune, step="forget" if unnamed else "records",
                                       candidates=unnamed, named=named, notices_read=read)
        if step != "forget":
            raise ValueError(f"no step {step!r} in forgetting languages")
        with self._transaction() as db:  # at most PRUNE_WRITE_ROWS of them
            forgotten = db.execute(
                "DELETE FROM member_locales WHERE user_id IN (SELECT value FROM json_each(?))"
                " AND seen_at < ?", (json.dumps(prune.candidates), ts(prune.before))).rowcount
        return dataclasses.replace(prune, step="records", candidates=(),
                                   forgotten=prune.forgotten + forgotten)

    def guilds_left(self) -> list[GuildLeft]:
        """(guild_id, when the bot left) of the guilds it left, longest gone first."""
        rows = self._all("SELECT guild_id, left_at FROM guild_settings"
                         " WHERE left_at IS NOT NULL ORDER BY left_at")
        return [GuildLeft(r["guild_id"], datetime.fromtimestamp(r["left_at"], UTC))
                for r in rows]

    def guild_left_at(self, guild_id: int) -> datetime | None:
        """When the bot left the guild, as recorded (`set_guild_left`); None: not left."""
        row = self._one("SELECT left_at FROM guild_settings WHERE guild_id = ?", (guild_id,))
        if row is None or row["left_at"] is None:
            return None
        return datetime.fromtimestamp(row["left_at"], UTC)

    def guilds_present(self, guild_ids: Sequence[int]) -> None:
        """The bot is in these guilds, or a member used it there (`EventBot.ensure_events`):
        each keeps a settings row from now until its purge (the record that the bot was
        there, which `guilds_kept` lists), and none is marked as left (a re-invite within
        the retention period finds everything as it was). One read, and a write only for a
        guild new or back."""
        wanted = json.dumps(list(guild_ids))
        if not self._one(_GUILDS_TO_MARK + " LIMIT 1", (wanted,)):
            return  # the usual case, at every start: no write
        with self._transaction() as db:
            db.execute("INSERT INTO guild_settings (guild_id) SELECT value FROM json_each(?)"
                       " WHERE true ON CONFLICT (guild_id) DO UPDATE SET left_at = NULL"
                       " WHERE guild_settings.left_at IS NOT NULL",
                       (wanted,))

    def guilds_kept(self) -> list[int]:
        """The guilds the bot was in (`guilds_present`) and has not been seen to leave."""
        return [r[0] for r in self._all("SELECT guild_id FROM guild_settings"
                                        " WHERE left_at IS NULL ORDER BY guild_id")]

    def purge_guild(self, guild_id: int, left_by: datetime) -> bool:
        """Delete everything about a guild the bot left by `left_by` (and has not come
        back to since); returns whether it did. Nothing of it can be read afterwards: its
        events' rows, settings and notices go in one short transaction, but the rows that
        hang on its events (RSVPs above all: a million took 4.5 s, the database locked for
        every other server meanwhile; and search rows, slow to delete: 20,000 took 0.4 s)
        are left to `purge_leftovers`, which deletes them a few thousand at a time. So
        that the events' rows go without them, this transaction runs without foreign keys
        (their ON DELETE CASCADE); the events are listed in `purged_events` until all that
        hung on them is gone, and rows of those events are found by event id, which is
        never given again: a server the bot returns to meanwhile starts afresh, and its
        new rows are not touched.

        Its deleted events' ids are listed too, and those of the roles owed back and to
        give again in it: a deleted event's are kept (`delete_event`)."""
        conn = self._conn
        conn.execute("PRAGMA foreign_keys = OFF")  # (no effect inside a transaction)
        try:
            with self._transaction() as db:
                row = self._one("SELECT left_at FROM guild_settings WHERE guild_id = ?",
                                (guild_id,))
                if row is None or row["left_at"] is None or row["left_at"] > ts(left_by):
                    return False
                highest = self._row(HIGHEST_EVENT_ID)[0]  # not to be given again
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                           (PURGED_IDS_KEY, str(highest)))
                db.execute("INSERT OR IGNORE INTO purged_events (event_id, guild_id)"
                           " SELECT id, guild_id FROM events WHERE guild_id = ?1 UNION ALL"
                           " SELECT id, guild_id FROM deleted_events WHERE guild_id = ?1"
                           " UNION ALL SELECT event_id, guild_id FROM roles_to_give"
                           " WHERE guild_id = ?1 UNION ALL SELECT DISTINCT event_id, guild_id"
                           " FROM owed_roles WHERE guild_id = ?1", (guild_id,))
                db.execute("DELETE FROM events WHERE guild_id = ?", (guild_id,))
                db.execute("DELETE FROM deleted_events WHERE guild_id = ?", (guild_id,))
                # (notices go now: a deliverer must not DM members about them)
                db.execute("DELETE FROM outbox WHERE guild_id = ?", (guild_id,))
                db.execute("DELETE FROM held_role_notices WHERE guild_id = ?", (guild_id,))
                db.execute("DELETE FROM discord_event_refusals WHERE guild_id = ?",
                           (guild_id,))
                db.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
        finally:
            conn.execute("PRAGMA foreign_keys = ON")
        return True

    def purge_leftovers(self, rows: int = PURGE_ROWS) -> bool:
        """Delete up to about `rows` of the rows left of purged events (`purge_guild`), in
        one transaction (2,000 RSVPs: about 25 ms), so that joins and other writes, of
        this process and others, come in between; returns whether any are left. An event
        leaves `purged_events` once nothing of it is left, in the transaction that deletes
        its last rows: a stop midway leaves the rest listed for the next call."""
        with self._transaction() as db:
            budget = rows
            events = [r[0] for r in db.execute(
                "SELECT event_id FROM purged_events ORDER BY event_id LIMIT ?", (rows,))]
            for event_id in events:
                for table, keys in _PURGED_WITH_EVENTS:
                    budget -= db.execute(
                        f"DELETE FROM {table} WHERE ({keys}) IN (SELECT {keys} FROM {table}"
                        " WHERE event_id = ? LIMIT ?)", (event_id, budget)).rowcount
                    if budget <= 0:
                        return True
                # search rows cost SQLite several times an RSVP to delete (20,000: 0.4 s)
                budget -= PASSAGE_WEIGHT * self._search.unindex(
                    event_id, -(-budget // PASSAGE_WEIGHT))
                if budget <= 0:
                    return True
                db.execute("DELETE FROM purged_events WHERE event_id = ?", (event_id,))
                budget -= 1
                if budget <= 0:
                    break
            return db.execute("SELECT 1 FROM purged_events LIMIT 1").fetchone() is not None

    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row["value"]

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             (key, value))
