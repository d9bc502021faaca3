"""REST routes of users, the application, the gateway URL, channels and messages, guilds,
members, roles and scheduled events."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from aiohttp import web

from sandbox import limits
from sandbox.models import (
    ATTACH_FILES,
    CREATE_EVENTS,
    EMBED_LINKS,
    EPHEMERAL,
    GUILD_FORUM,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_SCHEDULED_EVENTS,
    MANAGE_EVENTS,
    MANAGE_ROLES,
    MANAGE_THREADS,
    MESSAGE_TYPES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    Channel,
    Guild,
    Role,
)
from sandbox.plumbing import BODY, FILES, ApiError, _json

# How long a nonce sent with enforce_nonce is remembered: "the past few minutes", Discord's
# documentation says; two is the short end of that, the strict one for a bot relying on it.
NONCE_WINDOW = 120.0


class RestRoutes:
    """Discord's REST API for everything but commands and interactions."""

    def nonces_forgotten(self) -> None:
        """Forget the nonces sent so far, as Discord has once a few minutes have passed
        (`NONCE_WINDOW`): a message sent again with one of them is posted again."""
        self._nonces.clear()

    async def _get_me(self, request: web.Request) -> web.Response:
        return _json(
            {
                **self.bot_user.payload(),
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
                "locale": "en-US",
            }
        )

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self.users.get(self._param(request, "user_id", 10013, "User"))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return _json(user.payload())

    async def _get_application(self, request: web.Request) -> web.Response:
        return _json(
            {
                "id": str(self.app_id),
                "name": self.bot_user.name,
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.owner.payload(),
                "verify_key": "0" * 64,
                "team": None,
                "flags": 0,
                "bot": self.bot_user.payload(),
                "approximate_guild_count": len(self.guilds),
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": self.shard_count,
                      "session_start_limit": limit})

    async def _create_dm(self, request: web.Request) -> web.Response:
        user_id = int((request[BODY] or {}).get("recipient_id", 0))
        if user_id not in self.users:
            raise ApiError(400, 50033, "Invalid Recipient(s)")
        return _json(self._channel_payload(self.dm_channel(user_id)))

    async def _get_channel(self, request: web.Request) -> web.Response:
        return _json(self._channel_payload(self._channel(request)))

    def _channel_payload(self, channel: Channel) -> dict:
        """A channel as Discord shows it, with the id of its latest message (Discord's
        `last_message_id`; None when it has none), where the channel has messages."""
        data = channel.payload()
        if "last_message_id" in data:
            data["last_message_id"] = max(
                (str(m) for m in self._channel_messages.get(channel.id, {})), key=int,
                default=None)
        return data

    def _shares_a_guild(self, user_id: int) -> bool:
        """Whether the bot and the user are both members of some server: a bot can DM no
        one else (Discord answers 50007, as for closed DMs)."""
        me = self.bot_user.id
        return any(user_id in g.members and me in g.members for g in self.guilds.values())

    def _check_can_send(self, channel: Channel) -> None:
        if channel.guild is None:
            assert channel.recipient is not None
            recipient = channel.recipient.id
            if recipient in self._blocked_dms or not self._shares_a_guild(recipient):
                raise ApiError(403, 50007, "Cannot send messages to this user")
            return
        perms = self.permissions(channel.guild.members[self.bot_user.id], channel)
        if not perms & VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if channel.type == GUILD_FORUM:  # only its posts (threads) take messages
            raise ApiError(400, 40058, "Cannot send a message in a forum channel")
        if channel.type not in MESSAGE_TYPES:  # a category
            raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
        if channel.is_thread:
            self._check_thread_open(channel, editing=False)
            if not perms & SEND_MESSAGES_IN_THREADS:
                raise ApiError(403, 50013, "Missing Permissions")
        elif not perms & SEND_MESSAGES:
            raise ApiError(403, 50013, "Missing Permissions")

    def _check_thread_open(self, channel: Channel, *, editing: bool) -> None:
        """Discord's rules for writing in a thread (threads.mdx, Active & Archived
        Threads): in an archived one "users cannot edit messages" (400 50083), and a new
        message opens it again unless it is locked; in a locked one only Manage Threads
        may "create or update messages" (403 160005)."""
        if not channel.is_thread:
            return
        if channel.archived and (editing or channel.locked):
            raise ApiError(400, 50083, "Thread is archived")
        if channel.locked and not self._bot_may(channel, MANAGE_THREADS):
            raise ApiError(403, 160005, "Thread is locked")

    def _check_reference(self, channel: Channel, reference: object) -> None:
        """A reply's message must be a message of the channel it names (default: this
        one), and not deleted (`limits.reference_errors`)."""
        if not isinstance(reference, dict):
            return
        try:
            where = int(reference.get("channel_id") or channel.id)
            exists = int(reference["message_id"]) in self._channel_messages.get(where, {})
        except (KeyError, TypeError, ValueError):  # no id: refused by message_errors
            exists = False
        self._check_limits(limits.reference_errors(reference, exists))

    def _bot_may(self, channel: Channel, permission: int) -> bool:
        """Whether the bot has `permission` in `channel`, a server's (a DM's asks none)."""
        return channel.guild is None or bool(
            self.permissions(channel.guild.members[self.bot_user.id], channel) & permission)

    def _check_can_attach(self, channel: Channel, files: int) -> None:
        """Discord's rule for uploading files to a server's channel, in a new message or an
        edit: Attach Files. Otherwise 403 50013."""
        if files and not self._bot_may(channel, ATTACH_FILES):
            raise ApiError(403, 50013, "Missing Permissions")

    async def _send_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        body = request[BODY] or {}
        self._check_limits(limits.message_errors(
            body, settable=limits.CREATE_FLAGS, files=len(request[FILES])))
        self._check_not_empty(body, len(request[FILES]))
        self._check_reference(channel, body.get("message_reference"))
        self._check_can_send(channel)
        self._check_can_attach(channel, len(request[FILES]))
        self._check_automod(channel.guild, body)
        if body.get("embeds") and not self._bot_may(channel, EMBED_LINKS):
            # Without Embed Links, Discord drops a message's embeds, and refuses a message
            # that would have nothing else to show.
            body = {**body, "embeds": []}
            if limits.is_empty(body, len(request[FILES])):
                raise ApiError(403, 50013, "Missing Permissions")
        # With enforce_nonce, a nonce sent again within a few minutes returns the message it
        # made the first time instead of a second one (Discord's documented behaviour).
        nonce = str(body["nonce"]) if body.get("nonce") is not None else None
        key = (channel.id, nonce) if nonce is not None and body.get("enforce_nonce") else None
        if key is not None and key in self._nonces:
            mid, at = self._nonces[key]
            if time.monotonic() - at < NONCE_WINDOW and mid in self._messages:
                return _json(self._messages[mid].data)
        record = self._new_message(
            channel, body, request[FILES], flags=(body.get("flags") or 0) & ~EPHEMERAL
        )
        if key is not None:
            self._nonces[key] = (int(record.data["id"]), time.monotonic())
        if channel.is_thread and channel.archived and channel.guild is not None:
            # a message in an archived thread that is not locked opens it again
            channel.archived = False
            self._dispatch_if(0, channel.guild, "THREAD_UPDATE", channel.payload())
        return _json(record.data)

    async def _channel_message(self, request: web.Request) -> web.StreamResponse:
        channel = self._channel(request)
        mid = self._param(request, "message_id", 10008, "Message")
        record = self._channel_messages.get(channel.id, {}).get(mid)
        if record is None:
            raise ApiError(404, 10008, "Unknown Message")
        if request.method == "GET":
            if not self._bot_may(channel, READ_MESSAGE_HISTORY):
                raise ApiError(403, 50001, "Missing Access")
            return _json(record.data)
        if request.method == "DELETE":
            self._delete(record)
            return web.Response(status=204)
        self._check_limits(limits.message_errors(
            request[BODY], flags=record.data["flags"], files=len(request[FILES])))
        self._check_not_empty(limits.edited(record.data, request[BODY], len(request[FILES])))
        self._check_thread_open(channel, editing=True)
        self._check_can_attach(channel, len(request[FILES]))
        self._check_automod(channel.guild, request[BODY])
        self._edit(record, request[BODY] or {}, request[FILES])
        return _json(record.data)

    async def _history(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._check_limits(limits.history_errors(request.query))
        if not self._bot_may(channel, READ_MESSAGE_HISTORY):
            # Not an error on Discord: without Read Message History the list is empty.
            return _json([])
        limit = int(request.query.get("limit", 50))
        before = int(request.query.get("before", 1 << 63))
        after = int(request.query.get("after", 0))
        ids = [m for m in self._channel_messages.get(channel.id, {}) if after < m < before]
        ids = ids[:limit] if "after" in request.query else ids[-limit:]
        return _json([self._messages[m].data for m in reversed(ids)])

    async def _download(self, request: web.Request) -> web.Response:
        try:
            _, blob, content_type = self._files[int(request.match_info["attachment_id"])]
        except (KeyError, ValueError):
            raise web.HTTPNotFound() from None
        return web.Response(body=blob, content_type=content_type)

    # ------------------------------------------------------------------ REST: guilds

    async def _get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        data = self._guild_payload(guild, full=False)
        if request.query.get("with_counts") in ("1", "true", "True"):
            data.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
        return _json(data)

    async def _get_guild_channels(self, request: web.Request) -> web.Response:
        # threads are not among a guild's channels here (Discord lists them elsewhere)
        return _json([c.payload() for c in self._guild(request).channels.values()
                      if not c.is_thread])

    async def _get_roles(self, request: web.Request) -> web.Response:
        return _json([r.payload() for r in self._guild(request).roles.values()])

    async def _get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return _json(self._member(guild, request).payload())

    def _check_can_grant(self, guild: Guild, role: Role) -> None:
        """Discord's rule for giving or taking a role: Manage Roles at server level (from
        the bot's roles; Administrator implies it), and the role below the bot's highest
        role, unless the bot owns the server. A managed role (a bot's own, the booster
        role, a linked role) nobody gives by hand. Otherwise 403 50013."""
        me = guild.members[self.bot_user.id]
        top = max((r.position for r in me.roles), default=0)
        allowed = me.id == guild.owner_id or (
            bool(self.permissions(me) & MANAGE_ROLES) and role.position < top)
        if role.bot_id is not None or not allowed:
            raise ApiError(403, 50013, "Missing Permissions")

    async def _member_role(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        member = self._member(guild, request)
        role = guild.roles.get(self._param(request, "role_id", 10011, "Role"))
        if role is None or role.id == guild.id:
            raise ApiError(404, 10011, "Unknown Role")
        self._check_can_grant(guild, role)
        if request.method == "PUT" and role not in member.roles:
            member.roles.append(role)
        elif request.method == "DELETE" and role in member.roles:
            member.roles.remove(role)
        self._dispatch_if(
            INTENT_GUILD_MEMBERS,
            guild,
            "GUILD_MEMBER_UPDATE",
            {**member.payload(), "guild_id": str(guild.id)},
        )
        return web.Response(status=204)

    # ------------------------------------------------------------------ REST: scheduled events

    _EVENT_FIELDS = (
        "channel_id",
        "entity_metadata",
        "name",
        "privacy_level",
        "scheduled_start_time",
        "scheduled_end_time",
        "description",
        "entity_type",
        "status",
        "image",
    )

    def _check_can_schedule(self, guild: Guild, event: dict[str, object] | None = None) -> None:
        """Discord's rule for an external scheduled event, by the bot's server-level
        permissions (an external event has no channel whose overwrites could count): Create
        Events makes one and edits or deletes the bot's own, Manage Events any. Otherwise
        403 50013."""
        perms = self.permissions(guild.members[self.bot_user.id])
        own = event is None or event.get("creator_id") == str(self.bot_user.id)
        if not (perms & MANAGE_EVENTS or (own and perms & CREATE_EVENTS)):
            raise ApiError(403, 50013, "Missing Permissions")

    def _automate_events(self, guild: Guild) -> None:
        """What Discord has done by now by itself (`limits.automated_status`): an external
        event begun at its start, ended at its end. Applied when the bot asks about events."""
        now = datetime.now(UTC)
        for event in guild.scheduled_events.values():
            status = limits.automated_status(event, now,
                                             timedelta(seconds=self.event_start_lag))
            if status != event.get("status"):
                event["status"] = status
                self._dispatch_if(INTENT_GUILD_SCHEDULED_EVENTS, guild,
                                  "GUILD_SCHEDULED_EVENT_UPDATE", event)

    async def _list_events(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        self._automate_events(guild)
        return _json(list(guild.scheduled_events.values()))

    async def _create_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        body = request[BODY] or {}
        self._check_limits(limits.event_errors(body))
        self._check_can_schedule(guild)
        self._automate_events(guild)  # an event ended by now no longer counts
        unfinished = sum(1 for made in guild.scheduled_events.values()
                         if made.get("status") not in limits.FINISHED)
        if unfinished >= limits.UNFINISHED_EVENTS:
            raise ApiError(400, 30038, "Maximum number of uncompleted guild scheduled events "
                           f"reached ({limits.UNFINISHED_EVENTS})")
        eid = self._snowflake()
        event = {
            "id": str(eid),
            "guild_id": str(guild.id),
            "channel_id": None,
            "creator_id": str(self.bot_user.id),
            "creator": self.bot_user.payload(),
            "description": None,
            "scheduled_end_time": None,
            "entity_id": None,
            "entity_metadata": None,
            "image": None,
            "user_count": 0,
            "recurrence_rule": None,
            **{k: body[k] for k in self._EVENT_FIELDS if k in body},
            "status": 1,
        }
        guild.scheduled_events[eid] = event
        self._dispatch_if(
            INTENT_GUILD_SCHEDULED_EVENTS, guild, "GUILD_SCHEDULED_EVENT_CREATE", event
        )
        return _json(event)

    async def _event(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild(request)
        eid = self._param(request, "event_id", 10070, "Guild Scheduled Event")
        self._automate_events(guild)
        event = guild.scheduled_events.get(eid)
        if event is None:
            raise ApiError(404, 10070, "Unknown Guild Scheduled Event")
        if request.method != "GET":
            self._check_can_schedule(guild, event)
        if request.method == "PATCH" and event.get("status") in limits.FINISHED:
            raise ApiError(400, 180000, "Cannot update a finished event")
        if request.method == "DELETE":
            del guild.scheduled_events[eid]
            self._dispatch_if(
                INTENT_GUILD_SCHEDULED_EVENTS, guild, "GUILD_SCHEDULED_EVENT_DELETE", event
            )
            return web.Response(status=204)
        if request.method == "PATCH":
            body = request[BODY] or {}
            self._check_limits(limits.event_errors(body, event))
            event.update({k: body[k] for k in self._EVENT_FIELDS if k in body})
            self._dispatch_if(
                INTENT_GUILD_SCHEDULED_EVENTS, guild, "GUILD_SCHEDULED_EVENT_UPDATE", event
            )
        return _json(event)
