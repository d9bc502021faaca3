"""Attendee roles on Discord's side: whether the bot can give a role, and when not to."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.errors import Conflict
from bot.i18n import N_, Text
from bot.models import Event
from bot.render import safe


def attendee_role_problem(role: discord.Role, me: discord.Member,
                          permissions: discord.Permissions) -> Text | None:
    """Why the bot cannot give `role` to members, as advice for the moderator, or None."""
    name = f"**{safe(role.name)}**"
    if role.is_default():
        return Text(N_("@everyone can't be an attendee role, since everyone has it; pick or "
                       "create a role such as \"Attendee\""))
    if role.managed:
        return Text(N_("{role} is managed by an integration (a bot's own role, the booster role "
                       "or a linked role), so nobody can give it by hand; pick or create an "
                       "ordinary role"), role=name)
    if not permissions.manage_roles:
        return Text(N_("I need the **Manage Roles** permission to give {role}: turn it on for my "
                       "role under Server Settings > Roles (or re-invite me with it)"), role=name)
    top = me.top_role
    if role.position >= top.position:
        mine = safe(top.name)
        return Text(N_("{role} is at or above my highest role (**{mine}**), and Discord only "
                       "lets me give roles below it: under Server Settings > Roles, drag my role "
                       "above {role}"), role=name, mine=mine)
    return None


def check_not_over(event: Event, now: datetime) -> None:
    if event.is_over(now):
        raise Conflict(N_("this event has already taken place, so there is no role to give "
                          "out for it"))
