"""Guild settings, the servers the bot left and their purge, and the bot's metadata, on
PostgreSQL (the same rules as `sqlite.settings`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import asyncpg

from bot.models import GuildLeft, LocalePrune, ReminderSettings, SeenLocale
from bot.storage.postgres.registrations import PostgresRegistrations
from bot.storage.postgres.session import Database, Repository
from bot.storage.protocol import PURGE_ROWS
from bot.storage.sqlite.outbox import named_member
from bot.storage.sqlite.session import DAY_COLUMNS, offsets_to_change, over_at, ts
from bot.storage.sqlite.settings import PRUNE_WRITE_ROWS
from bot.times import DEFAULT_REMINDER_MINUTES
from bot.zones import DEFAULT_ZONE


async def upsert_setting(conn: asyncpg.Connection, guild_id: int, column: str,
                         value: object) -> None:
    """Set one column of the guild's settings row, creating the row if need be."""
    await conn.execute(
        f"INSERT INTO guild_settings (guild_id, {column}) VALUES ($1, $2)"
        f" ON CONFLICT (guild_id) DO UPDATE SET {column} = excluded.{column}", guild_id, value)


async def take_turns(conn: asyncpg.Connection, guild_ids: Sequence[int]) -> None:
    """What changes a guild's events or their days takes turns, first thing in its
    transaction: two imports of one page (or two new events wanting one slug) cannot both
    create an event, and a zone change cannot miss an event made all-day meanwhile (its
    rows are read as committed when the statement starts). Guilds are locked in order, so
    two transactions locking several cannot deadlock; nothing that holds a row lock waits
    for these (joins and claims never take them)."""
    for guild_id in sorted(guild_ids):
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('eventbot:import'), "
                           "hashtext($1::text))", str(guild_id))


async def anchor_days(conn: asyncpg.Connection, guild_id: int,
                      event_id: int | None = None) -> list[int]:
    """Give the guild's all-day events (or just `event_id`) the offsets of its timezone
    (`bot.zones.day_offsets`), and an event with times none; in the caller's transaction.
    Returns the events whose offsets changed; the rows read are locked at once, in the
    order joins and reminder claims lock events (by id), so none of them can deadlock."""
    zone = await conn.fetchval("SELECT timezone FROM guild_settings WHERE guild_id = $1",
                               guild_id)
    rows = await conn.fetch(
        f"SELECT {DAY_COLUMNS} FROM events WHERE guild_id = $1"
        " AND ($2::bigint IS NULL OR id = $2)"
        "  AND (all_day OR start_offset <> 0 OR end_offset <> 0) ORDER BY id FOR UPDATE",
        guild_id, event_id)
    if changed := offsets_to_change(zone, rows):
        await conn.executemany(
            "UPDATE events SET start_offset = $1, end_offset = $2 WHERE id = $3", changed)
    return [event_id for _, _, event_id in changed]

# Members one look forgets at most (their ids are held meanwhile).
PRUNE_CANDIDATES = 100_000


class PostgresSettings(Repository):
    def __init__(self, db: Database, registrations: PostgresRegistrations) -> None:
        super().__init__(db)
        self._registrations = registrations

    async def timezone(self, guild_id: int) -> str:
        async with self._transaction() as conn:
            zone = await conn.fetchval("SELECT timezone FROM guild_settings WHERE guild_id = $1",
                                       guild_id)
        return DEFAULT_ZONE if zone is None else zone

    async def _upsert(self, guild_id: int, column: str, value: object) -> None:
        async with self._transaction() as conn:
            await upsert_setting(conn, guild_id, column, value)

    async def set_timezone(self, guild_id: int, zone: str) -> list[int]:
        """Set the guild's IANA timezone (checked by `bot.zones.check_zone_name`); its all-day
        events now run midnight to midnight there. Returns the events that moved."""
        async with self._transaction() as conn:
            await take_turns(conn, [guild_id])
            await upsert_setting(conn, guild_id, "timezone", zone)
            changed = await anchor_days(conn, guild_id)
            now = self._clock()  # once the events changed are locked, as joins do
            for event_id in changed:
                await self._registrations.reschedule_reminders(conn, event_id)
                # a day that ends later there can open an event that had taken place again
                await self._registrations.fill_free_seats(conn, guild_id, event_id, now)
        return changed

    async def set_announce_channel(self, guild_id: int, channel_id: int) -> None:
        await self._upsert(guild_id, "announce_channel_id", channel_id)

    async def announce_channel(self, guild_id: int) -> int | None:
        async with self._transaction() as conn:
            return await conn.fetchval(
                "SELECT announce_channel_id FROM guild_settings WHERE guild_id = $1", guild_id)

    async def reminder_settings(self, guild_id: int) -> ReminderSettings:
        async with self._transaction() as conn:
            row = await conn.fetchrow("SELECT reminder_minutes, scheduled_events"
                                      " FROM guild_settings WHERE guild_id = $1", guild_id)
        if row is None:
            return ReminderSettings(DEFAULT_REMINDER_MINUTES, True)
        minutes = sorted((int(m) for m in row["reminder_minutes"].split(",") if m), reverse=True)
        return ReminderSettings(tuple(minutes), row["scheduled_events"])

    async def set_reminder_minutes(self, guild_id: int, minutes: Sequence[int]) -> None:
        """Set the guild's offsets (validated by `bot.reminders.parse_minutes`); () is off."""
        await self._upsert(guild_id, "reminder_minutes", ",".join(str(int(m)) for m in minutes))

    async def set_scheduled_events(self, guild_id: int, enabled: bool) -> None:
        await self._upsert(guild_id, "scheduled_events", enabled)

    async def language(self, guild_id: int) -> str | None:
        """The language a moderator chose for the server's public posts; None: not chosen."""
        async with self._transaction() as conn:
            return await conn.fetchval("SELECT language FROM guild_settings"
                                       " WHERE guild_id = $1", guild_id)

    async def set_language(self, guild_id: int, code: str | None) -> None:
        """Set the server's language (a shipped locale code, see `bot.i18n.SHIPPED`); None
        goes back to the server's preferred locale."""
        await self._upsert(guild_id, "language", code)

    async def discord_locale(self, guild_id: int) -> str | None:
        """The server's language in Discord (its preferred locale) as the bot last saw it;
        None: not seen yet."""
        async with self._transaction() as conn:
            return await conn.fetchval("SELECT discord_locale FROM guild_settings"
                                       " WHERE guild_id = $1", guild_id)

    async def set_discord_locale(self, guild_id: int, locale: str) -> None:
        await self._upsert(guild_id, "discord_locale", locale)

    async def member_locales(self, user_ids: Sequence[int]) -> dict[int, SeenLocale]:
        """The last client locale recorded for each of these members that has one."""
        async with self._transaction() as conn:
            rows = await conn.fetch("SELECT user_id, locale, seen_at FROM member_locales"
                                    " WHERE user_id = ANY($1::bigint[])", list(set(user_ids)))
        return {r["user_id"]: SeenLocale(r["locale"], datetime.fromtimestamp(r["seen_at"], UTC))
                for r in rows}

    async def record_member_locales(self, seen: Mapping[int, SeenLocale],
                                    refresh_after: float | None = None) -> int:
        """`sqlite.settings.record_member_locales`."""
        if not seen:
            return 0
        # In user id order: two processes writing the same members lock their rows in one
        # order, where each one's own order deadlocked them.
        rows = sorted(seen.items())
        async with self._transaction() as conn:
            return int(await conn.fetchval(
                "WITH written AS (INSERT INTO member_locales (user_id, locale, seen_at)"
                " SELECT u, l, t FROM unnest($1::bigint[], $2::text[], $3::bigint[])"
                " AS s (u, l, t)"
                " ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale,"
                " seen_at = excluded.seen_at WHERE (member_locales.locale <> excluded.locale"
                " AND member_locales.seen_at <= excluded.seen_at)"
                " OR member_locales.seen_at < excluded.seen_at - $4::double precision"
                " RETURNING 1) SELECT count(*) FROM written",
                [user_id for user_id, _ in rows], [s.locale for _, s in rows],
                [ts(s.seen_at) for _, s in rows], refresh_after))

    async def set_guild_left(self, guild_id: int, left_at: datetime) -> None:
        """Record when the bot left the guild (back in it: `guilds_present`)."""
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, left_at) VALUES ($1, $2)"
                " ON CONFLICT (guild_id) DO UPDATE SET left_at = excluded.left_at",
                guild_id, ts(left_at))

    async def forget_member_locales(self, prune: LocalePrune) -> LocalePrune:
        """`sqlite.settings.forget_member_locales`, in PostgreSQL's steps: the members to
        forget are read in one step (reads: they hold up no writer), at most
        PRUNE_CANDIDATES of them (the next look takes the rest), then deleted
        PRUNE_WRITE_ROWS at a time, each batch rechecking the record's age, so that no
        transaction holds their rows (a member's record being written waits on them) or a
        connection long."""
        if prune.step == "start":
            async with self._transaction() as conn:
                rows = await conn.fetch(
                    "SELECT user_id FROM member_locales m WHERE seen_at < $1"
                    " AND NOT EXISTS (SELECT 1 FROM rsvps r JOIN events e ON e.id = r.event_id"
                    f" WHERE r.user_id = m.user_id AND coalesce({over_at('e')} > $3, true))"
                    " ORDER BY user_id LIMIT $2", ts(prune.before), PRUNE_CANDIDATES,
                    ts(prune.now))
                # The members the outbox names, read after the RSVPs (an RSVP deleted
                # meanwhile left its DM there), in Python: a payload that is no JSON names
                # nobody, where `::jsonb` would fail this look, and every later one, on it.
                notices = await conn.fetch(
                    "SELECT payload FROM outbox WHERE payload LIKE '%user\\_id%'")
            named = {user_id for r in notices
                     if (user_id := named_member(r["payload"])) is not None}
            return dataclasses.replace(prune, step="forget", candidates=tuple(
                r["user_id"] for r in rows if r["user_id"] not in named))
        batch, rest = (prune.candidates[:PRUNE_WRITE_ROWS],
                       prune.candidates[PRUNE_WRITE_ROWS:])
        if not batch:
            return dataclasses.replace(prune, step="done")
        async with self._transaction() as conn:
            status = await conn.execute(
                "DELETE FROM member_locales WHERE user_id = ANY($1::bigint[]) AND seen_at < $2",
                list(batch), ts(prune.before))
        return dataclasses.replace(prune, candidates=rest,
                                   forgotten=prune.forgotten + int(status.split()[-1]))

    async def guilds_left(self) -> list[GuildLeft]:
        """(guild_id, when the bot left) of the guilds it left, longest gone first."""
        async with self._transaction() as conn:
            rows = await conn.fetch("SELECT guild_id, left_at FROM guild_settings"
                                    " WHERE left_at IS NOT NULL ORDER BY left_at")
        return [GuildLeft(r["guild_id"], datetime.fromtimestamp(r["left_at"], UTC))
                for r in rows]

    async def guild_left_at(self, guild_id: int) -> datetime | None:
        """When the bot left the guild, as recorded (`set_guild_left`); None: not left."""
        async with self._transaction() as conn:
            left_at = await conn.fetchval("SELECT left_at FROM guild_settings"
                                          " WHERE guild_id = $1", guild_id)
        return None if left_at is None else datetime.fromtimestamp(left_at, UTC)

    async def guilds_present(self, guild_ids: Sequence[int]) -> None:
        """The bot is in these guilds (see `sqlite.settings.guilds_present`): one read, and
        a write only for a guild new or back."""
        wanted = list(guild_ids)
        async with self._transaction() as conn:
            if not await conn.fetchval(
                    "SELECT 1 FROM unnest($1::bigint[]) w (id) LEFT JOIN guild_settings g"
                    " ON g.guild_id = w.id WHERE g.guild_id IS NULL OR g.left_at IS NOT NULL"
                    " LIMIT 1", wanted):
                return  # the usual case, at every start: no write
            await conn.execute(
                "INSERT INTO guild_settings (guild_id) SELECT DISTINCT unnest($1::bigint[])"
                " ON CONFLICT (guild_id) DO UPDATE SET left_at = NULL"
                " WHERE guild_settings.left_at IS NOT NULL", wanted)

    async def guilds_kept(self) -> list[int]:
        """The guilds the bot was in (`guilds_present`) and has not been seen to leave."""
        async with self._transaction() as conn:
            return [r[0] for r in await conn.fetch("SELECT guild_id FROM guild_settings"
                                                   " WHERE left_at IS NULL ORDER BY guild_id")]

    async def purge_guild(self, guild_id: int, left_by: datetime) -> bool:
        """Delete everything about a guild the bot left by `left_by` (and has not come
        back to since); returns whether it did. Search rows go with their events."""
        async with self._transaction() as conn:
            left_at = await conn.fetchval("SELECT left_at FROM guild_settings"
                                          " WHERE guild_id = $1 FOR UPDATE", guild_id)
            if left_at is None or left_at > ts(left_by):
                return False
            await conn.execute("DELETE FROM events WHERE guild_id = $1", guild_id)
            await conn.execute("DELETE FROM deleted_events WHERE guild_id = $1", guild_id)
            await conn.execute("DELETE FROM outbox WHERE guild_id = $1", guild_id)
            await conn.execute("DELETE FROM owed_roles WHERE guild_id = $1", guild_id)
            await conn.execute("DELETE FROM roles_to_give_again WHERE event_id IN"
                               " (SELECT event_id FROM roles_to_give WHERE guild_id = $1)",
                               guild_id)
            await conn.execute("DELETE FROM roles_to_give WHERE guild_id = $1", guild_id)
            await conn.execute("DELETE FROM held_role_notices WHERE guild_id = $1", guild_id)
            await conn.execute("DELETE FROM guild_settings WHERE guild_id = $1", guild_id)
        return True

    async def purge_leftovers(self, rows: int = PURGE_ROWS) -> bool:
        """Nothing is left of a purge (`purge_guild` deletes all in its transaction)."""
        return False

    async def get_meta(self, key: str) -> str | None:
        async with self._transaction() as conn:
            return await conn.fetchval("SELECT value FROM meta WHERE key = $1", key)

    async def set_meta(self, key: str, value: str) -> None:
        async with self._transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ($1, $2)"
                               " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                               key, value)
