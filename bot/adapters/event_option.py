"""The `[event]` option (`EventOption`, a discord.py Transformer: its autocomplete; its
value reaches the command as typed), finding the event an interaction means in the
command's own read (`resolve_event`, `resolve_summary`), and the Manage Events rule of
the moderators' commands.

Not an extension (it has no `setup`); the cogs import it.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands

from bot.characters import shows_something, without_invisible
from bot.errors import Unavailable
from bot.flows import events
from bot.i18n import N_
from bot.models import Event, EventListing, EventSummary, EventTitle
from bot.render import CHOICE_NAME, clip, without_bidi_controls
from bot.tree import before_deadline
from bot.zones import server_zone

if TYPE_CHECKING:
    from bot.app import Interaction

T = TypeVar("T")
MAX_CHOICES = 25
EVENT_HELP = "Which event (default: the one under way, else the next, else the latest)"
# The commands whose autocomplete offers archived events too: the rest leave them out.
ARCHIVED_OFFERED = frozenset({"manage archive", "manage delete"})


def guild_id_of(interaction: Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def bot_permissions(interaction: Interaction) -> discord.Permissions:
    """The bot's server-level permissions, for what it does server-wide (Discord events):
    `interaction.app_permissions` also counts the channel's overwrites, whose bit for
    Manage Roles means Manage Permissions there."""
    guild = interaction.guild
    me = guild.me if guild is not None else None
    return me.guild_permissions if me is not None else interaction.app_permissions


def require_manage_events(interaction: Interaction) -> bool:
    """Managing events is a server-wide power, so it is checked against the member's
    server-level permissions (roles, owner, Administrator): `interaction.permissions`
    would also count an overwrite on the one channel the command was used in."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    guild = interaction.guild
    if guild is not None and guild.default_role is None:
        # Listed by Discord but not sent yet (unavailable in READY, an outage at start):
        # its roles and owner are unknown, so whether the member may is not known either.
        raise app_commands.CheckFailure("the server's roles are not known yet") from (
            Unavailable(N_("I can't see this server's roles yet; try again in a moment")))
    member = interaction.user
    if not isinstance(member, discord.Member) or not member.guild_permissions.manage_events:
        raise app_commands.MissingPermissions(["manage_events"])
    return True


def manage_events_only() -> Callable[[T], T]:
    """For moderators' commands: hidden in the UI from members without Manage Events
    (`default_permissions`; server admins may change that) and refused to them on every
    call (the enforced rule). On a `GroupCog`, it guards every command of the group."""

    def decorator(target: T) -> T:
        app_commands.default_permissions(manage_events=True)(target)
        if isinstance(target, type):
            async def interaction_check(self: object, interaction: Interaction) -> bool:
                return require_manage_events(interaction)

            target.interaction_check = interaction_check  # type: ignore[attr-defined]
            return target
        return app_commands.check(require_manage_events)(target)

    return decorator


async def resolve_summary(interaction: Interaction, ref: str | None) -> EventSummary:
    """The event named by the `[event]` option (`bot.flows.events.resolve`)."""
    return await events.resolve(interaction.client.event_titles, guild_id_of(interaction), ref)


async def resolve_for(interaction: Interaction, ref: str | None,
                      read: Callable[[int], Awaitable[T]]) -> T:
    """`read(event_id)` of the event the `[event]` option names: the command's one read
    (`bot.flows.events.resolve_with`)."""
    return await events.resolve_with(interaction.client.event_titles, guild_id_of(interaction),
                                     ref, read)


async def resolve_event(interaction: Interaction, ref: str | None) -> Event:
    """Like `resolve_summary`, with everything the event's page says and its seat counts,
    in one read."""
    store = interaction.client.store
    return await resolve_for(interaction, ref, lambda event_id: store.run(
        store.events.get_event, guild_id_of(interaction), event_id))


async def event_autocomplete(interaction: Interaction, current: str
                             ) -> list[app_commands.Choice[str]]:
    """Every event of the guild, past and closed included, archived ones only where they
    can be unarchived or deleted, in `/event list`'s order (the next one first); value =
    the event id. None, rather than choices Discord would refuse as late, or no answer at
    all when the database refuses the read (Unavailable: damaged, closed, away; the store
    logs why): discord.py's tree never reports an autocomplete's error, only logs it, and
    the member's client says the options failed to load at every key they type."""
    if interaction.guild_id is None:
        return []
    try:
        return await before_deadline(interaction, _event_choices(interaction, current))
    except (TimeoutError, Unavailable):
        return []


async def _event_choices(interaction: Interaction, current: str
                         ) -> list[app_commands.Choice[str]]:
    assert interaction.guild_id is not None
    store = interaction.client.store
    command = interaction.command.qualified_name if interaction.command else ""
    index = await interaction.client.event_titles.of(interaction.guild_id)
    offered = await index.search(current, archived=command in ARCHIVED_OFFERED, limit=MAX_CHOICES)
    zone = server_zone(await store.run(store.settings.timezone, interaction.guild_id))
    names = [choice_name(listing, zone) for listing in offered]
    read = [as_read(name) for name in names]
    repeated = {name for name, count in Counter(read).items() if count > 1}
    return [app_commands.Choice(name=choice_name(listing, zone, with_id=True)
                                if seen in repeated else name, value=str(listing.id))
            for listing, name, seen in zip(offered, names, read, strict=True)]


def as_read(name: str) -> str:
    """A choice's name as a member reads it: two that differ only in how a letter is
    encoded (é composed, or e and an accent: pages from other systems) or by an invisible
    character (a zero-width space from a web page) look the same in the list."""
    return without_invisible(unicodedata.normalize("NFC", name))


def choice_name(listing: EventListing | EventTitle, zone: tzinfo, *, with_id: bool = False) -> str:
    """An event as autocomplete offers it: its title and its date in the server's zone
    (a choice is plain text, shown as written to everyone), and its id where two choices
    would read the same. A title that shows nothing (direction marks or a Hangul filler
    alone, saved before such titles were refused) is named by the id: Discord refuses a
    whole answer over one empty name."""
    title = without_bidi_controls(listing.title).strip()
    title = title if shows_something(title) else ""
    suffix = f" #{listing.id}" if with_id or not title else ""
    if listing.starts_at is not None:  # an all-day event's start is midnight UTC of its date
        day = listing.starts_at.astimezone(UTC if listing.all_day else zone)
        suffix = f" ({day:%Y-%m-%d}){suffix}"
    return (clip(title, CHOICE_NAME - len(suffix)) + suffix).lstrip()


class EventTransformer(app_commands.Transformer):
    """The `[event]` option: autocomplete offers the server's events (the value is the
    id). The value reaches the command as typed, which resolves it by `resolve_summary`'s
    rules in the same read as what it needs of the event; left out, it is None and the
    command takes the default event."""

    async def transform(self, interaction: Interaction, value: str) -> str:
        return value

    async def autocomplete(self, interaction: Interaction, value: str
                           ) -> list[app_commands.Choice[str]]:
        return await event_autocomplete(interaction, value)


EventOption = app_commands.Transform[str, EventTransformer]
