"""Changing the local Discord's world: users, guilds, members, roles, channels,
overwrites, DM channels, and the permissions that follow from them."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from sandbox import limits, persistence
from sandbox.limits import LOCALES
from sandbox.models import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    EVERYONE_PERMISSIONS,
    GUILD_ANNOUNCEMENT,
    GUILD_CATEGORY,
    GUILD_FORUM,
    GUILD_TEXT,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_SCHEDULED_EVENTS,
    MANAGE_EVENTS,
    MANAGE_THREADS,
    MESSAGE_TYPES,
    PUBLIC_THREAD,
    SEND_MESSAGES,
    THREAD_TYPES,
    TIMED_OUT_PERMISSIONS,
    Channel,
    Guild,
    Member,
    Role,
    User,
    _id,
)


class WorldState:
    """The world the tests build; a connected bot hears of each change over the gateway."""

    def add_user(self, name: str | None = None, *, locale: str = "en-US") -> User:
        """A user who is in no guild yet (for DMs); :meth:`add_member` creates users too.
        `locale` is the language of their Discord client, which their interactions carry."""
        _check_locale(locale)
        user = User(self._snowflake(), name or f"user{len(self.users)}", locale=locale)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str = "Test Guild", *, system_channel: bool = True,
                  guild_id: int | None = None, preferred_locale: str = "en-US") -> Guild:
        """A guild with #general (the system channel) and #announcements, the bot and the owner.

        The bot's role has every permission except Administrator (so channel overwrites
        apply to it). If the bot is already connected, it receives GUILD_CREATE (it joins).
        A fixed `guild_id` lets two servers hold the same guild (two bot processes sharing
        one database) or keep it across runs (the sandbox).
        """
        _check_locale(preferred_locale)
        guild = Guild(guild_id or self._snowflake(), name, owner_id=self.owner.id,
                      preferred_locale=preferred_locale)
        guild.roles[guild.id] = Role(guild.id, "@everyone", EVERYONE_PERMISSIONS)
        bot_role = Role(self._snowflake(), self.bot_user.name, ALL_PERMISSIONS & ~ADMINISTRATOR, 1)
        bot_role.bot_id = self.bot_user.id
        guild.roles[bot_role.id] = bot_role
        self.guilds[guild.id] = guild
        general = self.add_channel(guild, "general")
        self.add_channel(guild, "announcements")
        if system_channel:
            guild.system_channel = general
        guild.members[self.owner.id] = Member(self.owner, guild)
        guild.members[self.bot_user.id] = Member(self.bot_user, guild, [bot_role])
        session = self._session(guild.id)
        # (a session down but resumable gets it after its RESUME, as on Discord; a new
        # session gets it with READY)
        if session.live.is_set() or session.session_id is not None:
            self._queue(
                session,
                "GUILD_CREATE",
                lambda: self._guild_payload(guild, full=True),
                lambda: self._delivered_guild(session, guild),
            )
        return guild

    def add_member(
        self,
        guild: Guild,
        name: str | None = None,
        *,
        user: User | None = None,
        manage_events: bool = False,
        admin: bool = False,
        locale: str = "en-US",
    ) -> Member:
        """A member (a new user unless ``user`` is given), optionally with the role
        "Event Manager" (Manage Events) or "Admin" (Administrator)."""
        user = user or self.add_user(name, locale=locale)
        roles = []
        if manage_events:
            roles.append(self._named_role(guild, "Event Manager", MANAGE_EVENTS))
        if admin:
            roles.append(self._named_role(guild, "Admin", ADMINISTRATOR))
        member = Member(user, guild, roles)
        guild.members[user.id] = member
        guild.gone.discard(user.id)
        self._dispatch_if(
            INTENT_GUILD_MEMBERS,
            guild,
            "GUILD_MEMBER_ADD",
            {**member.payload(), "guild_id": str(guild.id)},
        )
        return member

    def remove_member(self, guild: Guild, member: Member) -> None:
        """``member`` leaves ``guild`` (or is kicked): Discord then answers 404 10007
        Unknown Member for them there, and tells bots with the members intent."""
        del guild.members[member.id]
        guild.gone.add(member.id)
        self._dispatch_if(
            INTENT_GUILD_MEMBERS,
            guild,
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild.id), "user": member.user.payload()},
        )

    def add_role(self, guild: Guild, name: str, permissions: int = 0) -> Role:
        return self._named_role(guild, name, permissions)

    def set_roles(self, member: Member, roles: list[Role]) -> None:
        """A server admin gives ``member`` exactly ``roles`` (takes one away, say): the bot
        hears GUILD_MEMBER_UPDATE if it asked for the members intent (or ``member`` is the
        bot: `_member_updated`), and the member's
        interactions from now on carry these roles and the permissions they give."""
        if member.guild.members.get(member.id) is not member:
            raise ValueError(f"{member!r} is not a member of {member.guild.name!r} now")
        member.roles[:] = roles
        self._member_updated(member)

    def time_out(self, member: Member, until: datetime | None) -> None:
        """A moderator times ``member`` out until ``until`` (None: lifts it): meanwhile
        their interactions carry only TIMED_OUT_PERMISSIONS (owners and administrators
        are exempt) and ``communication_disabled_until``, as on Discord; the bot hears
        GUILD_MEMBER_UPDATE if it asked for the members intent."""
        if until is not None and until.tzinfo is None:
            raise ValueError("a timeout ends at a timezone-aware moment")
        member.timed_out_until = None if until is None else until.astimezone(UTC).isoformat()
        self._member_updated(member)

    def _member_updated(self, member: Member) -> None:
        """Tell the bot of the member as they are now, if it asked for the members intent;
        of its own member whatever its intents, as Discord does ("Guild Member Update is
        sent for current-user updates regardless of whether the GUILD_MEMBERS intent is
        set"): a role given to the bot or taken from it reaches it so."""
        self._dispatch_if(
            0 if member.id == self.bot_user.id else INTENT_GUILD_MEMBERS,
            member.guild,
            "GUILD_MEMBER_UPDATE",
            {**member.payload(), "guild_id": str(member.guild.id)},
        )

    def set_role_permissions(self, guild: Guild, role: Role, permissions: int) -> None:
        """A server admin changes what ``role`` allows: the bot gets GUILD_ROLE_UPDATE, as
        on Discord, and the role's members' interactions carry the new permissions."""
        role.permissions = permissions
        self._dispatch_if(
            0, guild, "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.payload()}
        )

    def _named_role(self, guild: Guild, name: str, permissions: int) -> Role:
        with contextlib.suppress(KeyError):
            return guild.role(name)
        role = Role(self._snowflake(), name, permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        self._dispatch_if(
            0, guild, "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.payload()}
        )
        return role

    def add_channel(self, guild: Guild, name: str, *, bot_can_send: bool = True,
                    type: int = GUILD_TEXT, category: Channel | None = None) -> Channel:
        """A channel of ``type`` (a text channel unless told: voice 2, category 4,
        announcement 5, stage 13, forum 15; threads come from :meth:`add_thread`), in
        ``category`` if given; ``bot_can_send=False`` adds an overwrite denying the bot Send
        Messages (it still sees the channel; sending fails with 403 50013 Missing
        Permissions)."""
        if type in THREAD_TYPES or type not in MESSAGE_TYPES | {GUILD_CATEGORY, GUILD_FORUM}:
            raise ValueError(f"channel type {type} is not a guild channel add_channel makes")
        if category is not None and category.type != GUILD_CATEGORY:
            raise ValueError(f"{category!r} is not a category")
        channel = Channel(self._snowflake(), name, guild, position=len(guild.channels),
                          type=type, parent=category)
        if not bot_can_send:
            channel.overwrites.append(
                {"id": str(self.bot_user.id), "type": 1, "allow": "0", "deny": str(SEND_MESSAGES)}
            )
        guild.channels[channel.id] = channel
        self._channels[channel.id] = channel
        self._dispatch_if(0, guild, "CHANNEL_CREATE", channel.payload())
        return channel

    def add_thread(self, parent: Channel, name: str, *, owner: Member | None = None,
                   private: bool = False, archived: bool = False,
                   locked: bool = False) -> Channel:
        """A thread in ``parent``, started by ``owner`` (default: the guild's owner): a
        public thread of a text channel (a private one with ``private``), an announcement
        thread of an announcement channel, or a post of a forum (always public). The bot
        gets THREAD_CREATE, as Discord sends it for a thread it can see."""
        guild = parent.guild
        assert guild is not None, "DM channels have no threads"
        kinds = {GUILD_TEXT: 12 if private else PUBLIC_THREAD,
                 GUILD_ANNOUNCEMENT: None if private else 10,
                 GUILD_FORUM: None if private else PUBLIC_THREAD}
        kind = kinds.get(parent.type)
        if kind is None:
            raise ValueError(f"Discord makes no {'private ' if private else ''}threads in "
                             f"a channel of type {parent.type}")
        thread = Channel(self._snowflake(), name, guild, type=kind, parent=parent,
                         owner_id=(owner or guild.owner).id, archived=archived, locked=locked)
        guild.channels[thread.id] = thread
        self._channels[thread.id] = thread
        bot = guild.members.get(self.bot_user.id)
        if not private or (bot is not None and self.permissions(bot, parent) & MANAGE_THREADS):
            # a private thread reaches only its members and those who may manage threads
            self._dispatch_if(0, guild, "THREAD_CREATE",
                              {**thread.payload(), "newly_created": True})
        return thread

    def set_thread_state(self, thread: Channel, *, archived: bool, locked: bool = False) -> None:
        """A moderator archives (and perhaps locks) ``thread``, or opens it again: the bot
        gets THREAD_UPDATE."""
        assert thread.is_thread and thread.guild is not None
        thread.archived, thread.locked = archived, locked
        self._dispatch_if(0, thread.guild, "THREAD_UPDATE", thread.payload())

    def set_overwrite(
        self, channel: Channel, target: Member | Role, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Give ``target`` (a member or a role) a permission overwrite on ``channel``, replacing
        its previous one; the bot gets CHANNEL_UPDATE. Interactions in the channel then carry
        the member's permissions with it, as Discord computes them."""
        assert channel.guild is not None, "DM channels have no overwrites"
        kind = 1 if isinstance(target, Member) else 0
        channel.overwrites[:] = [o for o in channel.overwrites if int(o["id"]) != target.id]
        channel.overwrites.append(
            {"id": str(target.id), "type": kind, "allow": str(allow), "deny": str(deny)}
        )
        self._dispatch_if(0, channel.guild, "CHANNEL_UPDATE", channel.payload())

    def dm_channel(self, user: User | Member | int) -> Channel:
        """The DM channel between the bot and ``user`` (created on first use)."""
        user_obj = self.users[_id(user)]
        channel = self._dm_channels.get(user_obj.id)
        if channel is None:
            channel = Channel(self._snowflake(), "", recipient=user_obj)
            self._dm_channels[user_obj.id] = channel
            self._channels[channel.id] = channel
        return channel

    def block_dms(self, user: User | Member | int) -> None:
        """The bot's DMs to ``user`` fail with 403 50007 Cannot send messages to this user."""
        self._blocked_dms.add(_id(user))

    def unblock_dms(self, user: User | Member | int) -> None:
        self._blocked_dms.discard(_id(user))

    def automod(self, guild: Guild, *keywords: str) -> None:
        """Give ``guild`` an AutoMod keyword rule blocking messages with any of ``keywords``
        (a whole word or phrase, any case, in the content or an embed's text); none: no
        rule. As Discord documents it (its JSON error codes; the MESSAGE_SEND event type,
        "when a member sends or edits a message"; its change log of 27 June 2024, "updating
        a message can result in a 400 response if the content of the message was blocked by
        AutoMod", for deferred answers): a message posted or edited in one of its channels,
        and an interaction's follow-up or edited answer that is not ephemeral, is refused
        with 400 ``200000 Message was blocked by automatic moderation`` and not posted. A
        first response to an interaction is not refused (Discord documents no refusal
        there), nor are scheduled events, whose AutoMod Discord does not document."""
        words = tuple(word.casefold() for word in keywords if word.strip())
        if words:
            self._automod[guild.id] = words
        else:
            self._automod.pop(guild.id, None)

    def remove_bot(self, guild: Guild) -> None:
        """The bot is removed from ``guild`` (kicked): it gets GUILD_DELETE without
        ``unavailable``, and from then on the guild and its channels answer its REST calls
        with 403 ``50001 Missing Access``, as Discord does for a server the bot is not in.
        Its members' interactions still arrive (the server keeps the app's commands).
        Discord deletes the bot's own (managed) role with it. :meth:`add_guild` with its
        ``guild_id`` is no way back; re-invite with :meth:`rejoin`."""
        del self.guilds[guild.id]
        me = guild.members[self.bot_user.id]
        for role in [r for r in me.roles if r.bot_id is not None]:
            del guild.roles[role.id]
            me.roles.remove(role)
        session = self._session(guild.id)
        if guild.id in session.delivered:
            session.delivered.discard(guild.id)
            self._queue(session, "GUILD_DELETE", {"id": str(guild.id)})

    def rejoin(self, guild: Guild) -> None:
        """The bot is invited back to ``guild``: GUILD_CREATE (a join: no ``unavailable``)
        with the guild as it is now. As on Discord, the bot has a new managed role (its old
        one was deleted with its removal), at the bottom of the list, just above @everyone,
        with the permissions the invite asks for: a moderator drags it up again
        (``role.position``, then GUILD_ROLE_UPDATE) before it may give the roles below."""
        self.guilds[guild.id] = guild
        me = guild.members[self.bot_user.id]
        if not any(r.bot_id is not None for r in me.roles):
            for role in guild.roles.values():  # room at the bottom
                if role.id != guild.id:
                    role.position += 1
            mine = Role(self._snowflake(), self.bot_user.name,
                        ALL_PERMISSIONS & ~ADMINISTRATOR, 1)
            mine.bot_id = self.bot_user.id
            guild.roles[mine.id] = mine
            me.roles.append(mine)
        session = self._session(guild.id)
        if session.live.is_set() or session.session_id is not None:  # (see add_guild)
            def payload() -> dict[str, Any]:
                data = self._guild_payload(guild, full=True)
                del data["unavailable"]
                return data
            self._queue(session, "GUILD_CREATE", payload,
                        lambda: self._delivered_guild(session, guild))

    def delete_channel(self, channel: Channel) -> None:
        """A moderator deletes ``channel``: the bot gets CHANNEL_DELETE, and calls about it
        or its messages answer 404 ``10003 Unknown Channel``. Its threads go with it, with
        no event of their own (discord.py drops them on the channel's CHANNEL_DELETE)."""
        guild = channel.guild
        assert guild is not None, "DM channels are not deleted"
        threads = [c for c in guild.channels.values() if c.is_thread and c.parent is channel]
        for gone in (channel, *threads):
            del guild.channels[gone.id]
            self._channels.pop(gone.id, None)
            self._channel_messages.pop(gone.id, None)
        if guild.system_channel is channel:
            guild.system_channel = None
        self._dispatch_if(0, guild, "CHANNEL_DELETE", channel.payload())

    def set_preferred_locale(self, guild: Guild, locale: str) -> None:
        """The server's owner changes its language in Discord (Server Settings, Community
        Overview): the bot gets GUILD_UPDATE, and interactions there carry the new
        ``guild_locale``."""
        _check_locale(locale)
        guild.preferred_locale = locale
        self._dispatch_if(0, guild, "GUILD_UPDATE", self._guild_payload(guild, full=False))

    def delete_role(self, guild: Guild, role: Role) -> None:
        """A moderator deletes ``role``: members lose it, the bot gets GUILD_ROLE_DELETE,
        and granting or taking it answers 404 ``10011 Unknown Role``."""
        del guild.roles[role.id]
        for member in guild.members.values():
            if role in member.roles:
                member.roles.remove(role)
        self._dispatch_if(0, guild, "GUILD_ROLE_DELETE",
                          {"guild_id": str(guild.id), "role_id": str(role.id)})

    def delete_message(self, message: dict[str, Any]) -> None:
        """A moderator deletes one of the bot's channel messages: fetching or editing it
        answers 404 ``10008 Unknown Message``."""
        self._delete(self._messages[int(message["id"])])

    def edit_scheduled_event(self, guild: Guild, event_id: int | str,
                             **fields: Any) -> dict[str, Any]:
        """A moderator edits a scheduled event in Discord's own UI (its name, times,
        location...), or starts, ends or cancels it (``status``), or Discord does so by
        itself (an external event ends at its scheduled end). Discord's rules hold as for
        the bot: a finished event takes no change (:class:`ValueError`), ``status``
        moves only SCHEDULED -> ACTIVE or CANCELED, ACTIVE -> COMPLETED, and the fields
        keep `limits.event_errors` (lengths, no start in the past, none moved once going on,
        the end after the start), as the client's request is held to them."""
        event = guild.scheduled_events[int(event_id)]
        if event.get("status") in limits.FINISHED:
            raise ValueError("Cannot update a finished event")
        status = fields.get("status", event.get("status"))
        if status != event.get("status") and status not in limits.STATUS_CHANGES.get(
                event.get("status"), ()):
            raise ValueError(f"no status change {event.get('status')} -> {status}")
        if errors := limits.event_errors(fields, event):
            raise ValueError(f"Invalid Form Body: {errors}")
        event.update(fields)
        self._dispatch_if(INTENT_GUILD_SCHEDULED_EVENTS, guild,
                          "GUILD_SCHEDULED_EVENT_UPDATE", event)
        return event

    def delete_scheduled_event(self, guild: Guild, event_id: int | str) -> None:
        """A moderator deletes a scheduled event in Discord's UI: calls about it answer
        404 ``10070 Unknown Guild Scheduled Event``."""
        event = guild.scheduled_events.pop(int(event_id))
        self._dispatch_if(INTENT_GUILD_SCHEDULED_EVENTS, guild,
                          "GUILD_SCHEDULED_EVENT_DELETE", event)

    def outage(self, guild: Guild) -> None:
        """Discord loses ``guild`` for a while, as in an outage: a connected bot gets
        GUILD_DELETE with ``unavailable: true``, and hears nothing of the guild until
        :meth:`end_outage`; a session IDENTIFYed meanwhile finds it in READY as
        unavailable and gets no GUILD_CREATE for it. REST keeps working."""
        self._outages.add(guild.id)
        session = self._session(guild.id)
        if guild.id in session.delivered:
            session.delivered.discard(guild.id)
            self._queue(session, "GUILD_DELETE", {"id": str(guild.id), "unavailable": True})

    def end_outage(self, guild: Guild) -> None:
        """The outage of ``guild`` is over: a connected bot gets its GUILD_CREATE (with
        ``unavailable: false``, the whole guild as it is now), as on Discord."""
        self._outages.discard(guild.id)
        session = self._session(guild.id)
        if ((session.live.is_set() or session.session_id is not None)  # (see add_guild)
                and guild.id not in session.delivered):
            self._queue(
                session,
                "GUILD_CREATE",
                lambda: self._guild_payload(guild, full=True),
                lambda: self._delivered_guild(session, guild),
            )

    def permissions(self, member: Member, channel: Channel | None = None) -> int:
        """``member``'s permission bits in its guild or, with overwrites, in ``channel``."""
        guild = member.guild
        if member.id == guild.owner_id:
            return ALL_PERMISSIONS
        perms = guild.everyone.permissions
        for role in member.roles:
            perms |= role.permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        if channel is not None and channel.parent is not None and channel.is_thread:
            channel = channel.parent  # a thread has its parent's overwrites
        if channel is None or not channel.overwrites:
            return self._unless_timed_out(member, perms)
        # @everyone overwrite, then all role overwrites combined, then the member's own
        overwrites = {int(o["id"]): (int(o["allow"]), int(o["deny"])) for o in channel.overwrites}
        allow, deny = overwrites.get(guild.id, (0, 0))
        perms = (perms & ~deny) | allow
        allow = deny = 0
        for role in member.roles:
            role_allow, role_deny = overwrites.get(role.id, (0, 0))
            allow, deny = allow | role_allow, deny | role_deny
        perms = (perms & ~deny) | allow
        allow, deny = overwrites.get(member.id, (0, 0))
        return self._unless_timed_out(member, (perms & ~deny) | allow)

    @staticmethod
    def _unless_timed_out(member: Member, perms: int) -> int:
        """``perms``, or what a timed-out member keeps of them (owners and administrators
        have returned before this)."""
        return perms & TIMED_OUT_PERMISSIONS if member.timed_out else perms

    def export_state(self) -> dict[str, Any]:
        """The world (guilds, users, the bot's messages, files and DM channels) as JSON
        types, for :meth:`restore_state` in a later server (sandbox/persistence.py)."""
        return persistence.export_state(self)

    def restore_state(self, state: Any) -> None:
        """Load a world saved by :meth:`export_state`, keeping its ids; call it after
        ``start()`` and before a bot connects. ``StateError`` (a ValueError) if it is not
        one."""
        persistence.restore_state(self, state)


def _check_locale(locale: str) -> None:
    """Discord only knows its own locales (en-US, zh-CN, ...): a typo in a test is an error."""
    if locale not in LOCALES:
        raise ValueError(f"{locale!r} is not a Discord locale; one of {sorted(LOCALES)}")
