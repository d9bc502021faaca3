"""The bot's own server permissions before and after a change of its roles, as the gateway
shows the server: one of the server's roles changed (GUILD_ROLE_UPDATE: dragged, or its
permissions changed), or a role given to the bot or taken from it (GUILD_MEMBER_UPDATE of
its own member, which Discord sends without the members intent). What waits for a
moderator's fix asks it: the attendee roles Discord refused (`bot.adapters.attendee_roles`),
the announcements it refused to edit, the Discord events it refused
(`RefusedDiscordEvents`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import discord

# What changed, as it was: one of the server's roles, or the bot's own member (its roles)
Before = discord.Role | discord.Member


def my_roles(guild: discord.Guild, before: Before | None = None) -> list[discord.Role]:
    """The bot's roles in `guild`, @everyone among them, as they are, or as they were
    before the change `before`; none while the bot's member is unknown."""
    me = guild.me
    if me is None:
        return []
    if isinstance(before, discord.Member):  # the roles it held (as the server has them now)
        return list(before.roles)
    return [before if before is not None and role.id == before.id else role
            for role in me.roles]


def mine_changed(before: discord.Member, after: discord.Member) -> bool:
    """Whether a member update is a role given to the bot, or taken from it, or a
    moderator's timeout of it set or lifted (`timed_out_until`)."""
    me = after.guild.me
    return (me is not None and after.id == me.id
            and ([role.id for role in before.roles] != [role.id for role in after.roles]
                 or before.timed_out_until != after.timed_out_until))


def timed_out_until(guild: discord.Guild | None) -> datetime | None:
    """When a moderator's (or AutoMod's) timeout of the bot in `guild` ends, while it lasts;
    else None. Discord then leaves the bot View Channel and Read Message History alone,
    whatever its roles and the channels allow it: no permission given would help."""
    me = guild.me if guild is not None else None
    return me.timed_out_until if me is not None and me.is_timed_out() else None


def my_permissions(guild: discord.Guild) -> discord.Permissions:
    """What the bot may do server-wide now, as the gateway shows the server: what its roles
    allow (`allowed_by`), and nothing of it while it is timed out (`timed_out_until`)."""
    me = guild.me
    return me.guild_permissions if me is not None else discord.Permissions.none()


def allowed_by(roles: Iterable[discord.Role]) -> discord.Permissions:
    """What `roles` allow together at the server's level (Administrator: everything)."""
    allowed = discord.Permissions.none()
    for role in roles:
        allowed.value |= role.permissions.value
    return discord.Permissions.all() if allowed.administrator else allowed


def may_schedule(allowed: discord.Permissions) -> bool:
    """Whether `allowed` lets the bot create and change its Discord events. Discord judges an
    external event by the server-level permissions: a channel's overwrite does not count."""
    return allowed.manage_events or allowed.create_events
