"""The local Discord's world as data: users, guilds with their roles, channels and
members, and the records of what the bot sent (messages, REST calls)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MANAGE_ROLES = 1 << 28
MANAGE_THREADS = 1 << 34
SEND_MESSAGES_IN_THREADS = 1 << 38
MANAGE_EVENTS = 1 << 33
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_EVENTS = 1 << 44  # create events, and edit or delete one's own
ALL_PERMISSIONS = (1 << 53) - 1
# @everyone: add reactions, view, send, embed links, attach files, read history, use commands
EVERYONE_PERMISSIONS = sum(1 << bit for bit in (6, 10, 11, 14, 15, 16, 31, 38))
# Discord: "Timed out members will temporarily lose all permissions except VIEW_CHANNEL
# and READ_MESSAGE_HISTORY. Owners and admin users with ADMINISTRATOR permissions are
# exempt."
TIMED_OUT_PERMISSIONS = VIEW_CHANNEL | READ_MESSAGE_HISTORY

EPHEMERAL = 1 << 6  # message flag
LOADING = 1 << 7  # message flag of a deferred ("is thinking...") response

# Gateway intents that gate the optional events this server sends.
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_SCHEDULED_EVENTS = 1 << 16


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _id(obj: Any) -> int:
    """Accept a model object (anything with ``.id``), an int or a numeric string."""
    return int(getattr(obj, "id", obj))


# --------------------------------------------------------------------------- the world


@dataclass(eq=False)
class User:
    id: int
    name: str
    bot: bool = False
    # The client's language, sent as an interaction's `locale` (not part of the user object).
    locale: str = "en-US"

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": None if self.bot else self.name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(eq=False)
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    bot_id: int | None = None  # set for the bot's managed role

    def payload(self) -> dict[str, Any]:
        data = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.bot_id is not None,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types).
GUILD_TEXT, DM, GUILD_VOICE, GUILD_CATEGORY, GUILD_ANNOUNCEMENT = 0, 1, 2, 4, 5
ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD = 10, 11, 12
GUILD_STAGE_VOICE, GUILD_FORUM = 13, 15
THREAD_TYPES = frozenset({ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})
# Where messages can be sent at all: not a category or a forum (only its posts, threads).
MESSAGE_TYPES = frozenset({GUILD_TEXT, GUILD_VOICE, GUILD_ANNOUNCEMENT, GUILD_STAGE_VOICE,
                           *THREAD_TYPES})


@dataclass(eq=False)
class Channel:
    """A guild channel of any kind Discord has (text, voice, category, announcement,
    thread, stage, forum: ``type``), or a DM channel (``guild is None``, ``recipient`` set).
    A thread has a ``parent`` (its text, announcement or forum channel; a forum's threads
    are its posts), an ``owner_id`` and ``archived``/``locked`` metadata; other channels'
    ``parent`` is their category, if any."""

    id: int
    name: str
    guild: Guild | None = field(default=None, repr=False)
    position: int = 0
    overwrites: list[dict[str, Any]] = field(default_factory=list, repr=False)
    recipient: User | None = None
    type: int = GUILD_TEXT
    parent: Channel | None = field(default=None, repr=False)
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    created: str = field(default_factory=_now, repr=False)

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    def payload(self) -> dict[str, Any]:
        if self.guild is None:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": DM,
                "last_message_id": None,
                "recipients": [self.recipient.payload()],
                "flags": 0,
            }
        common: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "parent_id": None if self.parent is None else str(self.parent.id),
            "flags": 0,
        }
        if self.is_thread:
            assert self.parent is not None and self.owner_id is not None
            metadata: dict[str, Any] = {
                "archived": self.archived,
                "archive_timestamp": self.created,
                "auto_archive_duration": 1440,
                "locked": self.locked,
                "create_timestamp": self.created,
            }
            if self.type == PRIVATE_THREAD:
                metadata["invitable"] = True
            data = {
                **common,
                "owner_id": str(self.owner_id),
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "message_count": 0,
                "member_count": 1,
                "total_message_sent": 0,
                "thread_metadata": metadata,
            }
            if self.parent.type == GUILD_FORUM:
                data["applied_tags"] = []
            return data
        common.update(position=self.position, permission_overwrites=self.overwrites)
        if self.type == GUILD_CATEGORY:
            return common
        common.update(nsfw=False, rate_limit_per_user=0, last_message_id=None)
        if self.type in (GUILD_VOICE, GUILD_STAGE_VOICE):
            return {**common, "bitrate": 64000, "user_limit": 0, "rtc_region": None,
                    "video_quality_mode": 1}
        common.update(topic=None, default_auto_archive_duration=1440,
                      default_thread_rate_limit_per_user=0)
        if self.type == GUILD_FORUM:
            return {**common, "available_tags": [], "default_reaction_emoji": None,
                    "default_sort_order": None, "default_forum_layout": 0}
        return common


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild = field(repr=False)
    roles: list[Role] = field(default_factory=list)
    joined_at: str = field(default_factory=_now, repr=False)
    # A moderator's timeout (ISO 8601, in UTC): until then the member keeps only
    # TIMED_OUT_PERMISSIONS, unless they own the server or are an administrator.
    timed_out_until: str | None = field(default=None, repr=False)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def timed_out(self) -> bool:
        return (self.timed_out_until is not None
                and datetime.fromisoformat(self.timed_out_until) > datetime.now(UTC))

    @property
    def name(self) -> str:
        return self.user.name

    def payload(self) -> dict[str, Any]:
        return {
            "user": self.user.payload(),
            "roles": [str(r.id) for r in self.roles],
            "joined_at": self.joined_at,
            "nick": None,
            "avatar": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": self.timed_out_until,
        }


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int = field(repr=False)
    # all keyed by id; roles include @everyone (id == guild id)
    roles: dict[int, Role] = field(default_factory=dict, repr=False)
    channels: dict[int, Channel] = field(default_factory=dict, repr=False)
    members: dict[int, Member] = field(default_factory=dict, repr=False)
    # Ids of members who left and have not come back: Discord takes no interaction from
    # them there. (A member the tests never listed in `members` is one Discord does not
    # send with the guild, as a large guild's members without the members intent.)
    gone: set[int] = field(default_factory=set, repr=False)
    scheduled_events: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)
    system_channel: Channel | None = field(default=None, repr=False)
    preferred_locale: str = field(default="en-US", repr=False)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    @property
    def owner(self) -> Member:
        return self.members[self.owner_id]

    def channel(self, name: str) -> Channel:
        """The channel called ``name`` (e.g. ``"general"``, ``"announcements"``)."""
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise KeyError(f"guild {self.name!r} has no channel {name!r}")

    def role(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"guild {self.name!r} has no role {name!r}")


@dataclass(frozen=True)
class Attachment:
    """A file given as the value of an attachment option of a slash command."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


# --------------------------------------------------------------------------- records


@dataclass(slots=True, eq=False)
class Recorded:
    """One REST call the bot made."""

    method: str
    path: str  # after /api/v10, e.g. "/channels/123/messages"
    query: dict[str, str]
    json: Any  # parsed JSON body, or the payload_json part of a multipart body
    files: list[tuple[str, bytes]]  # uploaded files of a multipart body, in index order
    route: str | None  # matched route, e.g. "/channels/{channel_id}/messages"; None if unknown
    status: int = 0
    time: float = field(default_factory=time.monotonic)

    @property
    def message(self) -> dict[str, Any] | None:
        """The message-shaped part of the body if this call creates or edits a message."""
        if self.route is None or not isinstance(self.json, dict):
            return None
        if self.route.endswith("/callback"):
            return self.json.get("data") if self.json.get("type") in (4, 7) else None
        if self.method in ("POST", "PATCH") and (
            self.route.startswith("/webhooks/")
            or self.route.startswith("/channels/{channel_id}/messages")
        ):
            return self.json
        return None


@dataclass(slots=True, eq=False)
class MessageRecord:
    """A message the bot created, with its current state in ``data``."""

    data: dict[str, Any]
    channel_id: int
    created: float  # time.monotonic()
    edits: list[float] = field(default_factory=list)  # time.monotonic() of each edit
    deleted: float | None = None
