"""The outbox (notices for Discord, written in the same transaction as their cause) and
the announcement messages the notices keep up to date."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from bot.models import (
    CLAIM_SECONDS,
    NOTICE_KINDS,
    PAYLOAD_TYPES,
    AnnouncementMessage,
    ChangedTo,
    DeletedPayload,
    Notice,
    NoticeKind,
    NoticePayload,
    RefreshPayload,
)
from bot.shards import Shards
from bot.storage.sqlite.session import Repository, Session, dt, moment, ts, utcnow

log = logging.getLogger(__name__)


def encode_payload(payload: NoticePayload) -> str:
    """A payload as the outbox stores it: its fields as JSON keys, times as Unix seconds.
    The text `dataclasses.asdict` and `json.dumps` make, at a fourth to a sixth of their
    cost (they copied every value deeply first): a change of an event's date, or its
    deletion, writes one per member in its transaction, 100,000 for a big event, which
    took 4 of the change's 5 seconds (on PostgreSQL, on the event loop); 0.7 s now."""
    return _ENCODER.encode(_plain(payload))


_ENCODER = json.JSONEncoder(default=ts)  # as json.dumps(..., default=ts) makes, once


# The types of value JSON takes as they are (times through `ts`): nothing to convert.
_LEAVES = frozenset({str, int, bool, float, type(None), datetime})


@functools.cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """The fields of a dataclass, in their order; None for any other type."""
    return (tuple(field.name for field in dataclasses.fields(cls))
            if dataclasses.is_dataclass(cls) else None)


def _plain(value: Any) -> Any:
    """`value` as `dataclasses.asdict` gives it to JSON (dataclasses as dicts of their
    fields, in their order, at any depth), without its deep copy of every value, which the
    payloads' values (numbers, text, times, tuples) do not need."""
    kind: type = type(value)
    if kind in _LEAVES:  # the most of them, given as they are
        return value
    names = _field_names(kind)
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def decode_payload(kind: str, text: str) -> NoticePayload:
    """The typed payload of a stored notice. Keys it does not know are ignored and missing
    ones take their field's default, so rows of earlier versions still load; a missing
    required key or an unknown kind raises ValueError."""
    try:
        cls = PAYLOAD_TYPES[NoticeKind(kind)]
        raw = json.loads(text)
        values = {f.name: raw[f.name] for f in dataclasses.fields(cls) if f.name in raw}
        if cls is DeletedPayload and "messages" in values:
            values["messages"] = tuple((int(c), int(m)) for c, m in values["messages"])
        if cls is RefreshPayload and values.get("moved_from") is not None:
            values["moved_from"] = moment(values["moved_from"])  # (`ts`, whole seconds)
        if values.get("to") is not None:  # what a change notice names
            to = values["to"]
            values["to"] = ChangedTo(dt(to.get("starts_at")), dt(to.get("ends_at")),
                                     bool(to.get("all_day")), to.get("venue"),
                                     to.get("title"))
        return cls(**values)
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"unreadable {kind!r} notice payload {text!r}: {e}") from e


def fold_refresh(unsent: Iterable[NoticePayload], moved_from: datetime | None, *,
                 followed: bool = False) -> RefreshPayload:
    """One refresh notice for an import and the event's refresh notices not sent yet: its
    Discord event last followed the event before the earliest of them, so it moves from
    the start the earliest move among them left (two imports, one into the past and one
    back, move it once, not remove it and make it anew). With `followed`, the importer
    has the Discord event follow its own move (`follow_change`, the bot's own import):
    only an earlier import's is named. (The sender moves it from where Discord says it
    is, when Discord answers: a move it followed already is no move.) Both backends."""
    earlier = [p.moved_from for p in unsent
               if isinstance(p, RefreshPayload) and p.moved_from is not None]
    if earlier:
        return RefreshPayload(earlier[0])
    return RefreshPayload(None if followed else moved_from)


def named_member(text: str) -> int | None:
    """The member a stored payload names (its DM's addressee), if any: none for one that
    is no JSON, as its deliverer skips it (both backends)."""
    try:
        user_id = json.loads(text).get("user_id")
    except (ValueError, AttributeError):  # no JSON, or JSON that is no object
        return None
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None


def readable_payloads(rows: Iterable[Any]) -> tuple[list[NoticePayload], list[int]]:
    """The payloads of outbox rows (id, kind, payload) that can be read, with their ids;
    a row that cannot be read is left out (both backends)."""
    payloads, ids = [], []
    for row in rows:
        with contextlib.suppress(ValueError):
            payloads.append(decode_payload(row["kind"], row["payload"]))
            ids.append(row["id"])
    return payloads, ids


def decode_notices(rows: Iterable[Any]) -> list[Notice]:
    """Claimed outbox rows (id, guild_id, event_id, kind, payload, created_at) as notices, in
    id order.
    A row that cannot be read is left out and stays claimed, so it is logged again only
    once its claim goes stale (both backends)."""
    notices = []
    for r in sorted(rows, key=lambda r: r["id"]):
        try:
            payload = decode_payload(r["kind"], r["payload"])
        except ValueError:
            log.exception("notice %s cannot be read; not delivering it", r["id"])
            continue
        notices.append(Notice(r["id"], r["guild_id"], r["event_id"], payload,
                              dt(r["created_at"])))
    return notices


# The member a stored payload names (its DM's addressee), 0 for a notice to no member: with
# the event, what keeps its notices' order (`held_elsewhere`).
MEMBER_OF_PAYLOAD = ("coalesce(CASE WHEN json_valid(payload) AND json_type(payload,"
                     " '$.user_id') = 'integer' THEN json_extract(payload, '$.user_id')"
                     " END, 0)")


def held_elsewhere(rows: Iterable[Any], ours: Collection[int]) -> list[tuple[int, Any, int]]:
    """(event, member, first id) of the notices another process holds claimed, from the
    live claims' (event_id, member, id) `rows`, less this process's own (`ours`): the later
    notices of that event (to that member, for DMs; its channel posts, for the rest) wait
    for them, as the deliverer's lanes keep them in order. A process that died with a claim
    holds it a claim's life: the one started in its place must not post "open again"
    before the "closed" it claimed, which would then come last, the event open."""
    first: dict[tuple[int, Any], int] = {}
    for event_id, member, notice_id in rows:
        if notice_id not in ours:
            key = (event_id, member)
            first[key] = min(first.get(key, notice_id), notice_id)
    return [(event_id, member, notice_id) for (event_id, member), notice_id in first.items()]


class SqliteOutbox(Repository):
    def __init__(self, session: Session) -> None:
        super().__init__(session)
        # The notices claimed and not yet acked, id -> the claim's time: a claim that went
        # stale and another process took since carries that process's later time.
        self._claimed: dict[int, int] = {}

    def notify(self, guild_id: int, event_id: int, payload: NoticePayload,
               now: datetime) -> None:
        """Queue a notice (its kind is its payload's); the caller's transaction commits it
        with its cause."""
        self._session.notices_written += 1
        self._conn.execute(
            "INSERT INTO outbox (guild_id, event_id, kind, payload, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (guild_id, event_id, NOTICE_KINDS[type(payload)].value, encode_payload(payload),
             ts(now)))

    def take_unsent(self, event_id: int, kinds: Collection[NoticeKind]) -> list[NoticePayload]:
        """The event's notices of these kinds that no deliverer has claimed, in their order,
        taken out of the outbox in the caller's transaction (to be folded into new ones,
        `bot.models.fold_unsent`). A row that cannot be read stays, logged when claimed."""
        values = sorted(NoticeKind(k).value for k in kinds)
        rows = self._all("SELECT id, kind, payload FROM outbox WHERE event_id = ?"
                         f" AND claimed_at IS NULL AND kind IN ({', '.join('?' * len(values))})"
                         " ORDER BY id", (event_id, *values))
        taken, ids = readable_payloads(rows)
        if ids:
            self._conn.execute("DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))",
                               (json.dumps(ids),))
        return taken

    def drop_unsent(self, event_id: int, payload: NoticePayload) -> bool:
        """Take the event's notices exactly like `payload` that no deliverer has claimed out
        of the outbox, in the caller's transaction; whether there were any. For a notice
        whose news a later change undoes before anyone heard it (`change_capacity`)."""
        return self._conn.execute(
            "DELETE FROM outbox WHERE event_id = ? AND claimed_at IS NULL AND kind = ?"
            " AND payload = ?", (event_id, NOTICE_KINDS[type(payload)].value,
                                 encode_payload(payload))).rowcount > 0

    def refresh_announcements(self, guild_id: int, event_id: int, now: datetime,
                              moved_from: datetime | None = None, *,
                              followed: bool = False) -> None:
        """Queue an edit of the event's announcements, if it has any, and a look at its
        attendee role and its Discord event, if it has them, in the caller's transaction:
        whichever process posts them edits them, gives the role to members an import
        seated, and has the Discord event follow (an import run from the command line has
        no Discord to do any of it), from the start moment `moved_from` the import moved
        the event from, if it did (`RefreshPayload`). The event's refresh notices not sent
        yet are folded into this one (`fold_refresh`)."""
        if self._one("SELECT 1 FROM announcement_messages WHERE event_id = ?1 UNION ALL"
                     " SELECT 1 FROM events WHERE id = ?1 AND (attendee_role_id IS NOT NULL"
                     " OR scheduled_event_id IS NOT NULL) LIMIT 1", (event_id,)) is not None:
            unsent = self.take_unsent(event_id, (NoticeKind.REFRESH,))
            self.notify(guild_id, event_id, fold_refresh(unsent, moved_from,
                                                         followed=followed), now)

    def claim_notices(self, limit: int = 100, stale_after: int = CLAIM_SECONDS,
                      shards: Shards | None = None,
                      kinds: Collection[NoticeKind] | None = None,
                      busy: Collection[int] = (),
                      busy_members: Collection[int] = ()) -> list[Notice]:
        """Take pending notices for delivery: with `shards`, only those of guilds on them
        (`bot.shards.shard_of`; a process has no other guild's channels); with `kinds`, only
        those kinds (each of the deliverer's lanes claims its own); none of the guilds in
        `busy` (whose earlier notices are still being delivered: theirs wait unclaimed,
        to be folded into later ones, `bot.models.fold_unsent`), nor of the members in
        `busy_members` (the DMs to them, as for `busy`), nor any behind an earlier one of
        its order that another process holds claimed (`held_elsewhere`). A claim left
        unacknowledged for `stale_after` seconds (its process died) is handed out again,
        as is one made more than that ahead of this clock: the clock was set back since
        (NTP correcting a clock that ran ahead), and the claim would otherwise hold the
        notice, and the later ones of its event, until the clock is back where it was."""
        now = int(utcnow().timestamp())
        on_shards = ""
        shard_params: tuple[int, ...] = ()
        if shards is not None:
            on_shards = f" AND ((guild_id >> 22) % ?) IN ({', '.join('?' * len(shards.ids))})"
            shard_params = (shards.count, *shards.ids)
        # With `kinds`, each kind's first notices are read by its index (`outbox_by_kind`)
        # and the first of them taken: a lane reads none of the other lane's backlog (a
        # big event's deletion queues a DM per member, which go out about one a second).
        kind_values = (None,) if kinds is None else sorted(NoticeKind(k).value for k in kinds)
        if not kind_values:
            return []
        busy_params = tuple(busy)
        not_busy = (f" AND guild_id NOT IN ({', '.join('?' * len(busy_params))})"
                    if busy_params else "")
        if busy_members:  # (a notice to no member has no user_id)
            busy_params += tuple(busy_members)
            not_busy += (f" AND {MEMBER_OF_PAYLOAD}"
                         f" NOT IN ({', '.join('?' * len(busy_members))})")
        with self._transaction():
            held = held_elsewhere(self._all(
                f"SELECT event_id, {MEMBER_OF_PAYLOAD}, id FROM outbox"
                " WHERE claimed_at >= ? AND claimed_at <= ?",
                (now - stale_after, now + stale_after)), self._claimed)
            behind_held = ""
            held_params: tuple[str, ...] = ()
            if held:
                behind_held = (
                    " AND NOT EXISTS (SELECT 1 FROM json_each(?) AS h"
                    " WHERE json_extract(h.value, '$[0]') = outbox.event_id"
                    " AND json_extract(h.value, '$[2]') < outbox.id"
                    f" AND json_extract(h.value, '$[1]') = {MEMBER_OF_PAYLOAD})")
                held_params = (json.dumps(held),)
            first = " UNION ALL ".join(
                "SELECT id FROM (SELECT id FROM outbox"
                " WHERE (claimed_at IS NULL OR claimed_at < ? OR claimed_at > ?)"
                f"{'' if kind is None else ' AND kind = ?'}{on_shards}{not_busy}{behind_held}"
                " ORDER BY id LIMIT ?)" for kind in kind_values)
            params = [param for kind in kind_values for param in (
                now - stale_after, now + stale_after, *(() if kind is None else (kind,)),
                *shard_params, *busy_params, *held_params, limit)]
            rows = self._all(
                f"UPDATE outbox SET claimed_at = ? WHERE id IN (SELECT id FROM ({first})"
                " ORDER BY id LIMIT ?) RETURNING id, guild_id, event_id, kind, payload,"
                " created_at", (now, *params, limit))
        notices = decode_notices(rows)
        self._claimed.update((n.id, now) for n in notices)
        return notices

    def ack_notice(self, notice_id: int) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM outbox WHERE id = ?", (notice_id,))
        self._claimed.pop(notice_id, None)

    def release_notices(self) -> None:
        """Make the notices this process claimed and has not delivered claimable again at
        once, instead of after their claim expires (at shutdown); not one that went stale
        and another process took since, which that process is delivering."""
        if not self._claimed:
            return
        claimed, self._claimed = sorted(self._claimed.items()), {}
        with self._transaction() as db:
            db.executemany("UPDATE outbox SET claimed_at = NULL WHERE id = ? AND claimed_at = ?",
                           claimed)

    def count_notices(self, kind: str | None = None) -> int:
        row = self._row(
            "SELECT count(*) FROM outbox WHERE ? IS NULL OR kind = ?", (kind, kind))
        return row[0]

    def add_announcement_message(self, event_id: int, channel_id: int, message_id: int,
                                 rendered: str | None = None) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO announcement_messages"
                             " (message_id, channel_id, event_id, rendered) VALUES (?, ?, ?, ?)",
                             (message_id, channel_id, event_id, rendered))

    def announcement_messages(self, event_id: int) -> list[AnnouncementMessage]:
        rows = self._all(
            "SELECT channel_id, message_id, rendered FROM announcement_messages"
            " WHERE event_id = ?", (event_id,))
        return [AnnouncementMessage(r["channel_id"], r["message_id"], r["rendered"])
                for r in rows]

    def set_announcement_rendered(self, message_id: int, digest: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE announcement_messages SET rendered = ? WHERE message_id = ?",
                             (digest, message_id))

    def events_with_announcements(self, guild_id: int | None = None) -> list[tuple[int, int]]:
        """(guild_id, event_id) of events that have announcement messages: in every guild,
        or in `guild_id`'s."""
        rows = self._all(
            "SELECT DISTINCT e.guild_id, e.id FROM events e"
            " JOIN announcement_messages a ON a.event_id = e.id"
            " WHERE ?1 IS NULL OR e.guild_id = ?1", (guild_id,))
        return [(r["guild_id"], r["id"]) for r in rows]

    def forget_announcement_message(self, message_id: int) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM announcement_messages WHERE message_id = ?",
                             (message_id,))
