"""The bot's own server permissions before and after a change of one of the server's roles
(GUILD_ROLE_UPDATE: a role dragged, or its permissions changed), as the gateway shows the
server. What waits for a moderator's fix asks it: the attendee roles Discord refused
(`bot.adapters.attendee_roles`), the Discord events it refused (`RefusedDiscordEvents`)."""

from __future__ import annotations

from collections.abc import Iterable

import discord


def my_roles(guild: discord.Guild, instead: discord.Role | None = None) -> list[discord.Role]:
    """The bot's roles in `guild`, @everyone among them, with `instead` (a role as it was
    before a change) in the place of that role; none while the bot's member is unknown."""
    me = guild.me
    if me is None:
        return []
    return [instead if instead is not None and role.id == instead.id else role
            for role in me.roles]


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


def may_now_schedule(guild: discord.Guild, before: discord.Role) -> bool:
    """Whether the bot may create and change its Discord events as the server is now, and
    could not before the change to the role `before` (as it was)."""
    return (may_schedule(allowed_by(my_roles(guild)))
            and not may_schedule(allowed_by(my_roles(guild, before))))
