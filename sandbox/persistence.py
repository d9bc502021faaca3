"""Saving the local Discord's world to JSON and loading it into a new server.

The sandbox keeps its server across restarts this way: the guilds with their roles,
channels and members, the users, the messages the bot posted (with their components and
files) and its DM channels keep their ids, so a button posted before a restart can still
be pressed after it. What lives only as long as one connection is not kept: interactions
(their tokens), the gateway session, recorded requests, rate-limit buckets and the
synced commands (a starting bot syncs them again).
"""

from __future__ import annotations

import base64
import copy
import re
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sandbox import limits
from sandbox.models import Channel, Guild, Member, MessageRecord, Role, User

if TYPE_CHECKING:
    from sandbox.server import FakeDiscord

VERSION = 1
_ATTACHMENT_URL = re.compile(r"^https?://[^/]+(/attachments/.*)$")


class StateError(ValueError):
    """A saved world that cannot be loaded: not this format, or inconsistent."""


# A saved world may have been edited by hand. What the server sends the bot from it (a
# member's join time and timeout, a channel's overwrites, a Discord event, a user's bot
# flag and client language) must be what Discord could send: the bot reads it as Discord's,
# and a value Discord never writes ends it (discord.py raises on a join time that is no
# ISO 8601 time) or passes for another ("no" taken as a true bot flag).


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what}: {value!r} is not true or false")
    return value


def _locale(value: Any, what: str) -> str:
    if value not in limits.LOCALES:
        raise ValueError(f"{what}: {value!r} is not a Discord locale")
    return str(value)


def _time(value: Any, what: str) -> str:
    """An ISO 8601 time with its offset, as Discord writes every time it sends."""
    try:
        if datetime.fromisoformat(value).tzinfo is not None:
            return str(value)
    except (TypeError, ValueError):
        pass
    raise ValueError(f"{what}: {value!r} is not an ISO 8601 time with its offset")


def _overwrites(value: Any, what: str) -> list[dict[str, Any]]:
    """A channel's permission overwrites: a role's (type 0) or a member's (1), by id."""
    overwrites = []
    for overwrite in value:
        if not isinstance(overwrite, dict) or overwrite.get("type") not in (0, 1) or not all(
                isinstance(overwrite.get(key), str) and overwrite[key].isascii()
                and overwrite[key].isdigit() for key in ("id", "allow", "deny")):
            raise ValueError(f"{what}: {overwrite!r} is not a permission overwrite")
        overwrites.append({key: overwrite[key] for key in ("id", "type", "allow", "deny")})
    return overwrites


def _scheduled_event(value: Any, guild_id: int) -> dict[str, Any]:
    """A Discord event as the server keeps it: one Discord would have taken as it is
    (its start then still to come), of this guild."""
    if not isinstance(value, dict) or str(value.get("guild_id")) != str(guild_id):
        raise ValueError(f"Discord event {value!r:.80} is not one of guild {guild_id}")
    ever = datetime.min.replace(tzinfo=UTC)  # a start past by now was to come then
    errors = limits.event_errors(value, now=ever)
    for key in ("scheduled_start_time", "scheduled_end_time"):
        if value.get(key) is not None:
            _time(value[key], f"Discord event {value.get('id')}'s {key}")
    if errors or int(value["id"]) <= 0:
        raise ValueError(f"Discord event {value.get('id')}: Discord would not hold it "
                         f"({errors!r:.200})")
    return value


def export_state(fake: FakeDiscord) -> dict[str, Any]:
    """Everything needed to rebuild the world; plain JSON types (files as base64)."""
    messages = [{"channel_id": str(cid), "data": copy.deepcopy(record.data)}
                for cid, records in fake._channel_messages.items()
                for record in records.values() if record.deleted is None]
    attached = {int(a["id"]) for m in messages for a in m["data"].get("attachments") or ()}
    return {
        "version": VERSION,
        "app_id": str(fake.app_id),
        "bot_user_id": str(fake.bot_user.id),
        "owner_id": str(fake.owner.id),
        "users": [{"id": str(u.id), "name": u.name, "bot": u.bot, "locale": u.locale}
                  for u in fake.users.values()],
        "guilds": [_guild(guild) for guild in fake.guilds.values()],
        "dm_channels": [{"user_id": str(uid), "channel_id": str(channel.id)}
                        for uid, channel in fake._dm_channels.items()],
        "blocked_dms": [str(uid) for uid in sorted(fake._blocked_dms)],
        "messages": messages,
        "files": [{"id": str(aid), "filename": name, "content_type": kind,
                   "data": base64.b64encode(blob).decode("ascii")}
                  for aid, (name, blob, kind) in fake._files.items() if aid in attached],
    }


def _guild(guild: Guild) -> dict[str, Any]:
    return {
        "id": str(guild.id),
        "name": guild.name,
        "owner_id": str(guild.owner_id),
        "preferred_locale": guild.preferred_locale,
        "system_channel_id": str(guild.system_channel.id) if guild.system_channel else None,
        "roles": [{"id": str(r.id), "name": r.name, "permissions": str(r.permissions),
                   "position": r.position,
                   "bot_id": None if r.bot_id is None else str(r.bot_id)}
                  for r in guild.roles.values()],
        "channels": [{"id": str(c.id), "name": c.name, "position": c.position,
                      "overwrites": copy.deepcopy(c.overwrites), "type": c.type,
                      "parent_id": None if c.parent is None else str(c.parent.id),
                      "owner_id": None if c.owner_id is None else str(c.owner_id),
                      "archived": c.archived, "locked": c.locked, "created": c.created}
                     for c in guild.channels.values()],
        "members": [{"user_id": str(m.id), "role_ids": [str(r.id) for r in m.roles],
                     "joined_at": m.joined_at, "timed_out_until": m.timed_out_until}
                    for m in guild.members.values()],
        "gone": [str(user_id) for user_id in sorted(guild.gone)],
        "scheduled_events": copy.deepcopy(list(guild.scheduled_events.values())),
    }


def restore_state(fake: FakeDiscord, state: Any) -> None:
    """Replace the world of a started server that no bot has connected to yet."""
    if any(s.live.is_set() or s.delivered for s in fake._shards):
        raise RuntimeError("restore the world before a bot connects")
    version = state.get("version") if isinstance(state, dict) else None
    if type(version) is int and version > VERSION:  # (not a bool, nor a float)
        raise StateError(f"saved by a newer sandbox, in its format version {version}; this "
                         f"one reads version {VERSION}: run the newer one")
    if version != VERSION or type(version) is not int:
        raise StateError(f"not a saved local Discord (version {VERSION})")
    try:
        _restore(fake, state)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateError(f"inconsistent saved world ({type(exc).__name__}: {exc})") from None


def _restore(fake: FakeDiscord, state: dict[str, Any]) -> None:
    # Worlds saved before languages existed are in English.
    users = {int(u["id"]): User(int(u["id"]), str(u["name"]), _flag(u["bot"], f"{u['id']}'s bot"),
                                _locale(u.get("locale", "en-US"), f"{u['id']}'s locale"))
             for u in state["users"]}
    guilds: dict[int, Guild] = {}
    channels: dict[int, Channel] = {}
    for g in state["guilds"]:
        guild = Guild(int(g["id"]), str(g["name"]), owner_id=int(g["owner_id"]),
                      preferred_locale=_locale(g.get("preferred_locale", "en-US"),
                                               f"guild {g['id']}'s preferred_locale"))
        for r in g["roles"]:
            guild.roles[int(r["id"])] = Role(
                int(r["id"]), str(r["name"]), int(r["permissions"]), int(r["position"]),
                None if r["bot_id"] is None else int(r["bot_id"]))
        for c in g["channels"]:
            owner = c.get("owner_id")
            channel = Channel(int(c["id"]), str(c["name"]), guild, int(c["position"]),
                              _overwrites(c["overwrites"], f"channel {c['id']}'s overwrites"),
                              type=int(c.get("type", 0)),
                              owner_id=None if owner is None else int(owner),
                              archived=_flag(c.get("archived", False), f"{c['id']}'s archived"),
                              locked=_flag(c.get("locked", False), f"{c['id']}'s locked"))
            if c.get("created") is not None:
                channel.created = _time(c["created"], f"channel {c['id']}'s created")
            guild.channels[channel.id] = channels[channel.id] = channel
        for c in g["channels"]:  # parents once every channel of the guild exists
            if c.get("parent_id") is not None:
                guild.channels[int(c["id"])].parent = guild.channels[int(c["parent_id"])]
        for m in g["members"]:
            user = users[int(m["user_id"])]
            until = m.get("timed_out_until")
            guild.members[user.id] = Member(
                user, guild, [guild.roles[int(r)] for r in m["role_ids"]],
                _time(m["joined_at"], f"member {user.id}'s joined_at"),
                None if until is None else _time(until, f"member {user.id}'s timed_out_until"))
        guild.gone = {int(user_id) for user_id in g.get("gone", ())}
        guild.scheduled_events = {int(e["id"]): _scheduled_event(e, guild.id)
                                  for e in g["scheduled_events"]}
        if g["system_channel_id"] is not None:
            guild.system_channel = guild.channels[int(g["system_channel_id"])]
        if guild.id not in guild.roles or guild.owner_id not in guild.members:
            raise KeyError(f"@everyone or the owner of guild {guild.id}")
        guilds[guild.id] = guild
    dm_channels = {}
    for d in state["dm_channels"]:
        channel = Channel(int(d["channel_id"]), "", recipient=users[int(d["user_id"])])
        dm_channels[int(d["user_id"])] = channels[channel.id] = channel
    files = {int(f["id"]): (str(f["filename"]), base64.b64decode(f["data"], validate=True),
                            str(f["content_type"])) for f in state["files"]}
    records: dict[int, MessageRecord] = {}
    by_channel: dict[int, dict[int, MessageRecord]] = {}
    now = time.monotonic()
    for m in state["messages"]:
        data, channel_id = dict(m["data"]), int(m["channel_id"])
        if channel_id not in channels:
            raise KeyError(f"channel {channel_id} of message {data['id']}")
        for attachment in data.get("attachments") or ():
            if int(attachment["id"]) not in files:
                raise KeyError(f"file {attachment['id']}")
            path = _ATTACHMENT_URL.match(attachment["url"])
            if path:  # served by this server now, on another port
                attachment["url"] = attachment["proxy_url"] = fake.base_url + path[1]
        record = MessageRecord(data, channel_id, now)
        records[int(data["id"])] = by_channel.setdefault(channel_id, {})[int(data["id"])] = record

    fake.app_id = int(state["app_id"])
    fake.bot_user, fake.owner = users[int(state["bot_user_id"])], users[int(state["owner_id"])]
    fake.users, fake.guilds = users, guilds
    fake._channels, fake._dm_channels = channels, dm_channels
    fake._blocked_dms = {int(uid) for uid in state["blocked_dms"]}
    fake._files, fake._messages, fake._channel_messages = files, records, by_channel
    fake._last_snowflake = max([fake._last_snowflake, *users, *guilds, *channels, *files,
                                *records, fake.app_id,
                                *(r for g in guilds.values() for r in g.roles)])
