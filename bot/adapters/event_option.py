"""The `[event]` option (`EventOption`: its autocomplete and its resolution in one
place, a discord.py Transformer), finding the event an interaction means, and the
Manage Events rule of the moderators' commands.

Not an extension (it has no `setup`); the cogs import it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands

from bot.errors import EventNotFound, NotFound
from bot.models import Event, EventSummary
from bot.render import CHOICE_NAME, clip

if TYPE_CHECKING:
    from bot.app import Interaction

T = TypeVar("T")
MAX_CHOICES = 25
EVENT_HELP = "Which event (default: the next one, else the latest)"
EVENT_ID = re.compile(r"[0-9]{1,19}")
MAX_EVENT_ID = 2**63 - 1  # SQLite's largest integer: a bigger one overflows, not misses
MAX_TYPED = 80  # characters of a member's text quoted back or compared with titles
MAX_COMPARED = 250  # titles compared for suggestions (the next and latest): 20 ms at worst
# The commands whose autocomplete offers archived events too: the rest leave them out.
ARCHIVED_OFFERED = frozenset({"manage archive", "manage delete"})


def guild_id_of(interaction: Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def require_manage_events(interaction: Interaction) -> bool:
    """Managing events is a server-wide power, so it is checked against the member's
    server-level permissions (roles, owner, Administrator): `interaction.permissions`
    would also count an overwrite on the one channel the command was used in."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
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


def parse_event_id(text: str) -> int | None:
    """The event id `text` spells, or None: ASCII digits only (`str.isdigit` also takes
    "²"), and within SQLite's integer range, so a lookup can only find or miss."""
    if not EVENT_ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_EVENT_ID else None


async def resolve_summary(interaction: Interaction, ref: str | EventSummary | None
                          ) -> EventSummary:
    """The event named by the `[event]` option: an id of this server (what autocomplete
    sends), or an exact title or slug; without it, the next upcoming event, else the
    most recent. Nothing looser: a stray number or word must not pick some other event
    (autocomplete is where members search by part of a title)."""
    if isinstance(ref, EventSummary):  # already resolved by EventOption
        return ref
    bot = interaction.client
    guild_id = guild_id_of(interaction)
    ref = (ref or "").strip()
    if not ref:
        event_id = await bot.store.run(bot.store.events.default_event_id, guild_id)
        if event_id is None:
            raise NotFound("this server has no events yet; a moderator can add one with "
                             "/manage import")
        return await bot.store.summary(guild_id, event_id)
    event_id = parse_event_id(ref)
    if event_id is not None:
        try:
            return await bot.store.summary(guild_id, event_id)
        except EventNotFound:
            pass
    wanted = " ".join(ref.split()).casefold()
    summaries = await bot.store.run(bot.store.events.list_events, guild_id)
    for summary in summaries:
        if wanted in (" ".join(summary.title.split()).casefold(), summary.slug.casefold()):
            return summary
    raise NotFound(no_match(ref, summaries))


def no_match(ref: str, summaries: list[EventSummary]) -> str:
    """The refusal for an `[event]` that names nothing here, with the titles it is close to."""
    typed = clip(" ".join(ref.split()), MAX_TYPED)
    titles = {summary.title.casefold(): summary.title for summary in summaries[:MAX_COMPARED]}
    close = difflib.get_close_matches(typed.casefold(), titles, n=3, cutoff=0.5)
    text = f"no event in this server matches {typed!r}"
    if close:
        return text + "; did you mean " + " or ".join(
            f"“{clip(titles[title], 60)}”" for title in close) + "?"
    return text + "; pick one from the list as you type, or see /event list"


async def resolve_event(interaction: Interaction, ref: str | EventSummary | None) -> Event:
    """Like `resolve_summary`, with everything the event's page says and its seat counts."""
    bot = interaction.client
    summary = await resolve_summary(interaction, ref)
    return await bot.store.run(bot.store.events.get_event, guild_id_of(interaction), summary.id)


async def event_autocomplete(interaction: Interaction, current: str
                             ) -> list[app_commands.Choice[str]]:
    """Every event of the guild, past and closed included, archived ones only where they
    can be unarchived or deleted; value = the event id."""
    if interaction.guild_id is None:
        return []
    bot = interaction.client
    needle = current.casefold().strip()
    command = interaction.command.qualified_name if interaction.command else ""
    choices = []
    for summary in await bot.store.run(bot.store.events.list_events, interaction.guild_id,
                                               archived=command in ARCHIVED_OFFERED):
        if needle and needle not in summary.title.casefold() and needle != str(summary.id):
            continue
        when = f" ({summary.starts_at:%Y-%m-%d})" if summary.starts_at else ""
        choices.append(app_commands.Choice(name=clip(summary.title, CHOICE_NAME - len(when)) + when,
                                           value=str(summary.id)))
        if len(choices) == MAX_CHOICES:
            break
    return choices


class EventTransformer(app_commands.Transformer):
    """The `[event]` option: autocomplete offers the server's events (the value is the
    id), and a value resolves by `resolve_summary`'s rules (an id, an exact title or
    slug). Left out, the command gets None and resolves the default event itself."""

    async def transform(self, interaction: Interaction, value: str) -> EventSummary:
        return await resolve_summary(interaction, value)

    async def autocomplete(self, interaction: Interaction, value: str  # type: ignore[override]
                           ) -> list[app_commands.Choice[str]]:
        return await event_autocomplete(interaction, value)


EventOption = app_commands.Transform[EventSummary, EventTransformer]
