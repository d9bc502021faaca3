"""The outbox on PostgreSQL: notices written in their cause's transaction, a NOTIFY that
wakes every process's deliverer on commit, and claims that never collide
(`FOR UPDATE SKIP LOCKED`: two deliverers claiming at once take different rows)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Collection, Sequence
from datetime import datetime

import asyncpg

from bot.models import (
    CLAIM_SECONDS,
    NOTICE_KINDS,
    AnnouncementMessage,
    Notice,
    NoticeKind,
    NoticePayload,
)
from bot.offload import by_size_in_transaction
from bot.shards import Shards
from bot.storage.postgres.session import (
    NOTICES_CHANNEL,
    Database,
    DatabaseAway,
    Repository,
    to_the_end,
)
from bot.storage.sqlite.outbox import (
    decode_notices,
    encode_payload,
    fold_refresh,
    held_elsewhere,
    readable_payloads,
)
from bot.storage.sqlite.session import ts, utcnow

log = logging.getLogger(__name__)

# The member a stored payload names (its DM's addressee), read from its text as JSON
# writes a whole number, and compared as text: a payload that is no JSON (written by hand,
# or damaged) would fail a cast to jsonb, and a number past a bigint the cast to it, and
# with either every claim of the DM lane, where its deliverer skips such a row
# (`decode_notices`).
MEMBER_IN_PAYLOAD = r'[{,]\s*"user_id"\s*:\s*(0|[1-9][0-9]*)\s*[,}]'
MEMBER_OF_PAYLOAD = f"coalesce(substring(payload FROM '{MEMBER_IN_PAYLOAD}'), '')"

# Notices as columns ($1..$5), inserted in the order given (their ids are the order they
# are delivered in), and the NOTIFY ($6) in the same statement.
QUEUE_NOTICES = (
    "WITH queued AS (INSERT INTO outbox (guild_id, event_id, kind, payload, created_at)"
    " SELECT guild_id, event_id, kind, payload, created_at FROM unnest($1::bigint[],"
    "  $2::bigint[], $3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY"
    "  AS n (guild_id, event_id, kind, payload, created_at, place) ORDER BY place)"
    " SELECT pg_notify($6, '')")


def notice_rows(guild_id: int, event_id: int, payloads: Sequence[NoticePayload],
                stamp: int | None) -> list[tuple[int, int, str, str, int | None]]:
    """The event's notices as `notify_many` inserts them (payloads encoded)."""
    return [(guild_id, event_id, NOTICE_KINDS[type(payload)].value, encode_payload(payload),
             stamp) for payload in payloads]


# Notices one statement inserts (`notify_many`): encoding its arguments takes the event
# loop about 15 ms.
NOTICES_PER_STATEMENT = 5_000


class PostgresOutbox(Repository):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        # The notices claimed and not yet acked, id -> the claim's token: a claim that went
        # stale and another process took since carries that process's token.
        self._claimed: dict[int, int] = {}
        # This process's claims whose COMMIT went unanswered, token -> claimed_at: rows
        # still carrying both are this process's to take back at once (others wait out
        # the claim). Rows claimed since, by any process or version, carry a later time.
        self._unanswered: dict[int, int] = {}

    async def notify(self, conn: asyncpg.Connection, guild_id: int, event_id: int,
                     payload: NoticePayload, now: datetime) -> None:
        """Queue a notice in the caller's transaction (its kind is its payload's)."""
        await self.notify_all(conn, guild_id, event_id, [payload], now)

    async def notify_all(self, conn: asyncpg.Connection, guild_id: int, event_id: int,
                         payloads: Sequence[NoticePayload], now: datetime) -> None:
        """Queue notices of the event in the caller's transaction, in this order, in one
        statement however many (a notice per member promoted, told of a change or of a
        deletion: one statement each would hold the event for a round trip per member)."""
        # 100,000 DMs of a change of date took 0.7 s to encode, every other request of the
        # process waiting: on a thread, the transaction waits alone
        rows = await by_size_in_transaction(len(payloads), notice_rows, guild_id, event_id,
                                            payloads, ts(now))
        await self.notify_many(conn, rows)

    async def take_unsent(self, conn: asyncpg.Connection, event_id: int,
                          kinds: Collection[NoticeKind]) -> list[NoticePayload]:
        """The event's notices of these kinds that no deliverer has claimed, taken out of
        the outbox in the caller's transaction (see `sqlite.outbox.take_unsent`); rows a
        claim is taking now are skipped (they are being sent)."""
        rows = await conn.fetch(
            "SELECT id, kind, payload FROM outbox WHERE event_id = $1 AND claimed_at IS NULL"
            " AND kind = ANY($2::text[]) ORDER BY id FOR UPDATE SKIP LOCKED",
            event_id, sorted(NoticeKind(k).value for k in kinds))
        taken, ids = readable_payloads(rows)
        if ids:
            await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", ids)
        return taken

    async def drop_unsent(self, conn: asyncpg.Connection, event_id: int,
                          payload: NoticePayload) -> bool:
        """Take the event's notices exactly like `payload` that no deliverer has claimed out
        of the outbox, in the caller's transaction; whether there were any (see
        `sqlite.outbox.drop_unsent`). Rows a claim is taking now are skipped (being sent)."""
        dropped = await conn.fetch(
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE event_id = $1"
            " AND claimed_at IS NULL AND kind = $2 AND payload = $3 FOR UPDATE SKIP LOCKED)"
            " RETURNING id", event_id, NOTICE_KINDS[type(payload)].value,
            encode_payload(payload))
        return bool(dropped)

    async def refresh_announcements(self, conn: asyncpg.Connection, guild_id: int,
                                    event_id: int, now: datetime,
                                    moved_from: datetime | None = None, *,
                                    followed: bool = False) -> None:
        """Queue an edit of the event's announcements, if it has any, and a look at its
        attendee role and its Discord event, if it has them, in the caller's transaction
        (see `sqlite.outbox.refresh_announcements`: the start moved from, and the refresh
        notices not sent yet folded in)."""
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM announcement_messages"
                               " WHERE event_id = $1) OR EXISTS (SELECT 1 FROM events"
                               " WHERE id = $1 AND (attendee_role_id IS NOT NULL"
                               " OR scheduled_event_id IS NOT NULL))", event_id):
            unsent = await self.take_unsent(conn, event_id, (NoticeKind.REFRESH,))
            await self.notify(conn, guild_id, event_id,
                              fold_refresh(unsent, moved_from, followed=followed), now)

    async def notify_many(self, conn: asyncpg.Connection,
                          rows: list[tuple[int, int, str, str, int | None]]) -> None:
        """Queue (guild, event, kind, payload, created_at) notices, their ids in this
        order, and the NOTIFY that PostgreSQL delivers when the caller's transaction
        commits (never before): in ONE statement (`QUEUE_NOTICES`) per NOTICES_PER_STATEMENT
        of them, each statement's arguments encoded on the event loop between the others'
        round trips (100,000 in one held it 0.3 s). A transaction that queues notices more
        than once still wakes each listener once: PostgreSQL delivers a transaction's
        identical notifications as one."""
        for start in range(0, len(rows), NOTICES_PER_STATEMENT):
            chunk = rows[start:start + NOTICES_PER_STATEMENT]
            await conn.execute(QUEUE_NOTICES, *(list(column) for column in zip(
                *chunk, strict=True)), NOTICES_CHANNEL)

    async def claim_notices(self, limit: int = 100, stale_after: int = CLAIM_SECONDS,
                            shards: Shards | None = None,
                            kinds: Collection[NoticeKind] | None = None,
                            busy: Collection[int] = (),
                            busy_members: Collection[int] = ()) -> list[Notice]:
        """Take pending notices for delivery: with `shards`, only those of guilds on them
        (`bot.shards.shard_of`); with `kinds`, only those kinds (each of the deliverer's
        lanes claims its own); none of the guilds in `busy` (whose earlier notices are
        still being delivered: theirs wait unclaimed, to be folded into later ones,
        `bot.models.fold_unsent`), nor of the members in `busy_members` (the DMs to
        them, as for `busy`). A claim left unacknowledged for `stale_after` seconds
        (its process died) is handed out again, as is one made more than that ahead of
        this clock (it was set back since). None is handed out behind an earlier one of
        its order that another process holds claimed (`held_elsewhere`). A claim lost
        while committing may have taken its rows or not: its token says which rows are
        this process's own, taken back by its next claim instead of after a minute.

        Claims and acks run to their end even when cancelled (the deliverer stopping at
        shutdown): a claim committed but not noted here would not be given back by
        `release_notices`, and an ack rolled back would hand a posted notice out again."""
        return await to_the_end(self._claim(limit, stale_after, shards, kinds, busy,
                                            busy_members))

    async def _claim(self, limit: int, stale_after: int, shards: Shards | None,
                     kinds: Collection[NoticeKind] | None,
                     busy: Collection[int] = (),
                     busy_members: Collection[int] = ()) -> list[Notice]:
        now = int(utcnow().timestamp())
        token = secrets.randbits(63)
        # Past the expiry any process takes those rows: no need to remember them longer.
        self._unanswered = {t: at for t, at in self._unanswered.items()
                            if at >= now - stale_after}
        try:
            async with self._transaction() as conn:
                # (this process's unanswered claims are its own: taken back by this one)
                held = held_elsewhere(
                    [(r[0], r[1], r[2]) for r in await conn.fetch(
                        f"SELECT event_id, {MEMBER_OF_PAYLOAD}, id, claim_token, claimed_at"
                        " FROM outbox WHERE claimed_at >= $1 AND claimed_at <= $2",
                        now - stale_after, now + stale_after)
                     if self._unanswered.get(r[3]) != r[4]], self._claimed)
                rows = await conn.fetch(
                    "UPDATE outbox SET claimed_at = $1, claim_token = $6 WHERE id IN"
                    " (SELECT id FROM outbox WHERE (claimed_at IS NULL OR claimed_at < $2"
                    "   OR claimed_at > $10"
                    "   OR (claim_token, claimed_at) IN"
                    "    (SELECT * FROM unnest($7::bigint[], $8::bigint[])))"
                    "  AND ($4::int IS NULL OR ((guild_id >> 22) % $4) = ANY($5::int[]))"
                    "  AND ($9::text[] IS NULL OR kind = ANY($9::text[]))"
                    "  AND NOT (guild_id = ANY($11::bigint[]))"
                    f"  AND ($12::text[] = '{{}}' OR {MEMBER_OF_PAYLOAD} <> ALL($12::text[]))"
                    "  AND NOT EXISTS (SELECT 1 FROM unnest($13::bigint[], $14::text[],"
                    "   $15::bigint[]) AS h (event_id, member, first)"
                    "   WHERE h.event_id = outbox.event_id AND h.first < outbox.id"
                    f"    AND h.member = {MEMBER_OF_PAYLOAD})"
                    " ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)"
                    " RETURNING id, guild_id, event_id, kind, payload, created_at",
                    now, now - stale_after, limit, shards and shards.count,
                    list(shards.ids) if shards else None, token,
                    list(self._unanswered), list(self._unanswered.values()),
                    None if kinds is None else sorted(NoticeKind(k).value for k in kinds),
                    now + stale_after, list(busy), [str(m) for m in busy_members],
                    *(list(column) for column in zip(*held, strict=True))
                    if held else ([], [], []))
        except DatabaseAway as away:
            if away.committing:
                self._unanswered[token] = now
            raise
        notices = decode_notices(rows)
        self._claimed.update((n.id, token) for n in notices)
        return notices

    async def ack_notice(self, notice_id: int) -> None:
        await to_the_end(self._ack(notice_id))

    async def _ack(self, notice_id: int) -> None:
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM outbox WHERE id = $1", notice_id)
        self._claimed.pop(notice_id, None)

    async def release_notices(self) -> None:
        """Make the notices this process claimed and has not delivered claimable again at
        once, instead of after their claim expires (at shutdown): those of its unanswered
        claims too; not one that went stale and another process took since, which that
        process is delivering."""
        if not self._claimed and not self._unanswered:
            return
        claimed, self._claimed = sorted(self._claimed.items()), {}
        unanswered, self._unanswered = self._unanswered, {}
        async with self._transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET claimed_at = NULL WHERE (id, claim_token) IN"
                "  (SELECT * FROM unnest($1::bigint[], $2::bigint[]))"
                " OR (claim_token, claimed_at) IN"
                "  (SELECT * FROM unnest($3::bigint[], $4::bigint[]))",
                [i for i, _ in claimed], [t for _, t in claimed], list(unanswered),
                list(unanswered.values()))

    async def count_notices(self, kind: str | None = None) -> int:
        async with self._transaction() as conn:
            return int(await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE $1::text IS NULL OR kind = $1", kind))

    async def add_announcement_message(self, event_id: int, channel_id: int, message_id: int,
                                       rendered: str | None = None) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO announcement_messages (message_id, channel_id, event_id, rendered)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (message_id) DO UPDATE SET"
                " channel_id = excluded.channel_id, event_id = excluded.event_id,"
                " rendered = excluded.rendered", message_id, channel_id, event_id, rendered)

    async def announcement_messages(self, event_id: int) -> list[AnnouncementMessage]:
        async with self._transaction() as conn:
            rows = await conn.fetch(
                "SELECT channel_id, message_id, rendered FROM announcement_messages"
                " WHERE event_id = $1", event_id)
        return [AnnouncementMessage(r["channel_id"], r["message_id"], r["rendered"])
                for r in rows]

    async def set_announcement_rendered(self, message_id: int, digest: str) -> None:
        async with self._transaction() as conn:
            await conn.execute("UPDATE announcement_messages SET rendered = $1"
                               " WHERE message_id = $2", digest, message_id)

    async def events_with_announcements(self, guild_id: int | None = None
                                        ) -> list[tuple[int, int]]:
        """(guild_id, event_id) of events that have announcement messages: in every guild,
        or in `guild_id`'s."""
        async with self._transaction() as conn:
            rows = await conn.fetch(
                "SELECT DISTINCT e.guild_id, e.id FROM events e"
                " JOIN announcement_messages a ON a.event_id = e.id"
                " WHERE $1::bigint IS NULL OR e.guild_id = $1", guild_id)
        return [(r["guild_id"], r["id"]) for r in rows]

    async def forget_announcement_message(self, message_id: int) -> None:
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM announcement_messages WHERE message_id = $1",
                               message_id)
