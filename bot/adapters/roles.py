"""Attendee roles on Discord's side: whether the bot can give a role, and when not to."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.adapters.role_changes import timed_out_until
from bot.errors import Conflict
from bot.i18n import N_, Markup, Text
from bot.models import Event
from bot.render import safe, safe_clip
from bot.times import timestamp

if TYPE_CHECKING:
    from bot.app import Interaction

# What a role must not carry to be given to whoever RSVPs: Discord's elevated (moderator)
# permissions, Manage Events (this bot's own moderator commands) and pinging everyone.
RISKY_PERMISSIONS = discord.Permissions.elevated() | discord.Permissions(
    manage_events=True, mention_everyone=True)


def gives_moderator_powers(role: discord.Role) -> bool:
    """Whether the role carries RISKY_PERMISSIONS: refused as an attendee role, and not
    given to members while it does (an admin may add them after the role was picked)."""
    return bool(role.permissions.value & RISKY_PERMISSIONS.value)


class ServerRoleTransformer(app_commands.Transformer):
    """A role option: one of the server's own roles, as the bot knows it. discord.py builds
    a role option's `Role` from the interaction's `resolved` data, in the interaction's
    server, whatever it says: a crafted payload could name another server's role (which
    would then be stored for this server's event) or claim a role's permissions and
    position. The role is taken from the server's roles instead, and a role the server
    does not have is refused as an invalid value, as discord.py refuses such a channel."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.role

    async def transform(self, interaction: Interaction, value: discord.Role) -> discord.Role:
        guild = interaction.guild
        own = guild.get_role(value.id) if guild is not None else None
        if own is None:
            raise app_commands.TransformerError(value, self.type, self)
        return own


ServerRole = app_commands.Transform[discord.Role, ServerRoleTransformer]


def attendee_role_problem(role: discord.Role, me: discord.Member,
                          giver: discord.Member) -> Text | None:
    """Why the bot, `me`, cannot give `role` to members for `giver`, the moderator setting
    it, as advice for them, or None. Giving roles is a server-wide power: both are checked
    by their server-level permissions, as Discord checks a grant."""
    name = shown_role(role.name)
    if role.is_default():
        return Text(N_("@everyone can't be an attendee role, since everyone has it; pick or "
                       "create a role such as \"Attendee\""))
    if role.managed:
        return Text(N_("{role} is managed by an integration (a bot's own role, the booster role "
                       "or a linked role), so nobody can give it by hand; pick or create an "
                       "ordinary role"), role=name)
    if gives_moderator_powers(role):
        return Text(N_("{role} carries moderator permissions (such as Administrator, Manage "
                       "Server, Manage Roles or Manage Events), which everyone who RSVPs would "
                       "get; pick or create a role without them"), role=name)
    if problem := _giver_problem(role, name, giver):
        return problem
    return my_role_problem(role, me)


def my_role_problem(role: discord.Role, me: discord.Member) -> Text | None:
    """Why the bot, `me`, cannot give or take `role` by Discord's rule (Manage Roles, and a
    role below its own highest), as advice for moderators, or None."""
    name = shown_role(role.name)
    if (until := timed_out_until(me.guild)) is not None:  # no permission would help
        return Text(N_("I'm timed out in this server until {until}, so Discord lets me give "
                       "or take back no roles; a moderator can remove my timeout (right-click "
                       "me, then Remove Timeout)"), until=Markup(timestamp(until, "f")))
    if not me.guild_permissions.manage_roles:
        return Text(N_("I need the **Manage Roles** permission to give {role}: turn it on for my "
                       "role under Server Settings > Roles (or re-invite me with it)"), role=name)
    top = me.top_role
    if role.position >= top.position:
        mine = Markup(safe(top.name))
        return Text(N_("{role} is at or above my highest role (**{mine}**), and Discord only "
                       "lets me give roles below it: under Server Settings > Roles, drag my role "
                       "above {role}"), role=name, mine=mine)
    return None


def shown_role(name: str) -> Markup:
    """A role as the bot's words name it: in bold, not as a mention, which would ping."""
    return Markup(f"**{safe(name)}**")


# Why a role is refused on a server that answers giving or taking one as a route it lacks
UNOFFERED = N_("this Discord server does not offer bots giving members roles")


def refused_role_notice(guild: discord.Guild | None, role_id: int, title: str | None, *,
                        giving: bool, unoffered: bool = False) -> Text:
    """For the moderators, in the server's announcements channel: Discord refused the bot
    an event's attendee role (`giving` it to a member, else taking it back), why (as the
    bot sees its roles, or `unoffered`: the server has no such route) and what to change.
    `title`: the event's, if it is still there."""
    role = guild.get_role(role_id) if guild is not None else None
    me = guild.me if guild is not None else None
    name: Markup | Text = (shown_role(role.name) if role is not None else
                           Text(N_("the attendee role")))
    problem = (Text(UNOFFERED) if unoffered else
               Text(N_("{role} now carries moderator permissions (such as Administrator, "
                       "Manage Server, Manage Roles or Manage Events), which everyone who "
                       "RSVPs would get: take them off it under Server Settings > Roles, or "
                       "pick another role with /manage role"), role=name)
               if giving and role is not None and gives_moderator_powers(role) else
               my_role_problem(role, me) if role is not None and me is not None else None)
    if problem is None:  # what the bot can see of its roles allows it: the usual causes
        problem = Text(N_("Discord refused me: under Server Settings > Roles, drag my role "
                          "above {role} and give it the **Manage Roles** permission"), role=name)
    event = Markup(f"**{safe_clip(title, 100)}**") if title else None
    if giving:
        return (Text(N_("Confirmed members of {event} are going without {role}: {problem}. "
                        "I'll keep trying, and give it to them once I can."),
                     event=event, role=name, problem=problem) if event else
                Text(N_("Confirmed members are going without {role}: {problem}. I'll keep "
                        "trying, and give it to them once I can."), role=name, problem=problem))
    return (Text(N_("I can't take {role} back from members of {event}: {problem}. They keep "
                    "it until I can; I'll keep trying."), event=event, role=name, problem=problem)
            if event else
            Text(N_("I can't take {role} back from the members who had it for an event: "
                    "{problem}. They keep it until I can; I'll keep trying."),
                 role=name, problem=problem))


def deleted_role_notice(name: str | None, titles: list[str]) -> Text:
    """For the moderators: the attendee role of these events was deleted, so they give
    none now, and how to give one again."""
    # A list, each pair joined by the reader's comma (a Chinese post lists with 、).
    shown = [Markup(f"**{safe_clip(title, 100)}**") for title in titles[:5]]
    if len(titles) > 5:
        shown.append(Markup("…"))
    events: Markup | Text = shown[0]
    for title in shown[1:]:
        events = Text(N_("{earlier}, {last}"), earlier=events, last=title)
    if name is None:
        return Text(N_("The attendee role of {events} was deleted, so their confirmed members "
                       "get no role now. To give them one again, pick a role with /manage "
                       "role."), events=events)
    return Text(N_("{role}, the attendee role of {events}, was deleted, so their confirmed "
                   "members get no role now. To give them one again, pick a role with /manage "
                   "role."), role=shown_role(name), events=events)


def _giver_problem(role: discord.Role, name: str, giver: discord.Member) -> Text | None:
    """Why `giver` could not give `role` by hand, as Discord has it: it takes Manage Roles,
    and a role below their own highest (the server's owner may give any). The bot hands out
    no role its moderator could not."""
    if giver.guild.owner_id == giver.id:
        return None
    if not giver.guild_permissions.manage_roles:
        return Text(N_("giving {role} to members takes the **Manage Roles** permission, which "
                       "you don't have; ask someone who has it to set the role"), role=name)
    if role >= giver.top_role:
        return Text(N_("{role} is at or above your highest role, so Discord wouldn't let you "
                       "give it yourself; ask someone whose role is above it to set it"),
                    role=name)
    return None


def check_not_over(event: Event, now: datetime) -> None:
    if event.is_over(now):
        raise Conflict(N_("this event has already taken place, so there is no role to give "
                          "out for it"))
