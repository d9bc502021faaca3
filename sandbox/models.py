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
MANAGE_ROLES = 1 << 28
MANAGE_EVENTS = 1 << 33
CREATE_EVENTS = 1 << 44  # create events, and edit or delete one's own
ALL_PERMISSIONS = (1 << 53) - 1
# @everyone: add reactions, view, send, embed links, attach files, read history, use commands
EVERYONE_PERMISSIONS = sum(1 << bit for bit in (6, 10, 11, 14, 15, 16, 31))

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


@dataclass(eq=False)
class Channel:
    """A guild text channel, or a DM channel (``guild is None``, ``recipient`` set)."""

    id: int
    name: str
    guild: Guild | None = field(default=None, repr=False)
    position: int = 0
    overwrites: list[dict[str, Any]] = field(default_factory=list, repr=False)
    recipient: User | None = None

    def payload(self) -> dict[str, Any]:
        if self.guild is None:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": 1,
                "last_message_id": None,
                "recipients": [self.recipient.payload()],
                "flags": 0,
            }
        return {
            "id": str(self.id),
            "type": 0,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": self.overwrites,
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild = field(repr=False)
    roles: list[Role] = field(default_factory=list)
    joined_at: str = field(default_factory=_now, repr=False)

    @property
    def id(self) -> int:
        return self.user.id

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
            "communication_disabled_until": None,
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
