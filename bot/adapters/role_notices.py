"""Telling moderators about the attendee roles only they can fix.

That Discord refuses the bot a role (to give it, or to take it back), with what to
change, once, not once a member or a try; again once a call for the role went through
in between, or after `TELL_AGAIN`. And that a role the events gave out was deleted. In
the announcements channel (where the bot's notices go, in the server's language, pinging
nobody), in the background; for a server Discord has not sent (unavailable at start, an
outage: none of its channels, roles or language known), once it arrives. Kept apart from
`bot.adapters.attendee_roles`, which decides when there is something to tell: this is how
often, where and in what words.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import discord

from bot.adapters.channels import announce_channel
from bot.adapters.roles import deleted_role_notice, refused_role_notice
from bot.app import EventBot
from bot.errors import EventNotFound
from bot.i18n import Text
from bot.models import GIVE_UP_AFTER
from bot.recent import Recent
from bot.tree import NO_MENTIONS

log = logging.getLogger(__name__)

# Seconds before moderators are told again that Discord refuses the bot a role, if no call
# for it went through meanwhile (one that does means it was fixed: a new refusal is news).
TELL_AGAIN = 24 * 3600.0


class RoleNotices:
    """The posts telling moderators of a role refused or deleted, and which refusals they
    were told of lately."""

    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        # Roles Discord refused the bot (to give or to take back) that the moderators were
        # told of lately: told once, not per member nor per try; again after a call for the
        # role went through, or after TELL_AGAIN, when the role is forgotten (those refused
        # in one window at most are kept, not every role refused since the start).
        self._told_refused: Recent[int] = Recent(TELL_AGAIN)
        self._telling: set[asyncio.Task[None]] = set()  # the posts to moderators under way
        # The posts waiting for their server to arrive, by server, with when each was
        # held (time.monotonic()): made once it does (`guild_arrived`), as the channel
        # notices are, unless held longer than GIVE_UP_AFTER. Lost at a stop.
        self._held: dict[int, list[tuple[Callable[[], Awaitable[Text | None]], float]]] = {}

    def tasks(self) -> list[asyncio.Task[None]]:
        """The posts under way (a stop cancels them)."""
        return [*self._telling]

    def went_through(self, role_id: int) -> None:
        """A call for the role went through (it works again), or the role is gone: a
        refusal is news again."""
        self._told_refused.discard(role_id)

    def guild_arrived(self, guild_id: int) -> None:
        """Discord sent the server (after an outage, or an invitation back): the posts
        held for it are made now, its channels, roles and language known."""
        now = time.monotonic()
        for text, held_at in self._held.pop(guild_id, ()):
            if now - held_at < GIVE_UP_AFTER.total_seconds():
                self._tell(guild_id, text)

    def guild_deleted(self, guild_id: int) -> None:
        """The server's data was deleted: the posts held for it, about events it no longer
        has, are never made (it may never arrive again to take them)."""
        self._held.pop(guild_id, None)

    def refused(self, guild_id: int, event_id: int, role_id: int, *, giving: bool,
                unoffered: bool = False) -> None:
        """Tell the moderators that Discord refused the bot the event's role, and what to
        change (`unoffered`: the server does not offer the route): once, however many
        members and tries (`_told_refused`)."""
        if role_id in self._told_refused:
            return
        self._told_refused.note(role_id)

        async def text() -> Text:
            return refused_role_notice(self.bot.get_guild(guild_id), role_id,
                                       await self._title(guild_id, event_id), giving=giving,
                                       unoffered=unoffered)
        self._tell(guild_id, text)

    def deleted(self, guild_id: int, role_id: int, name: str | None, events: list[int]) -> None:
        """Tell the moderators that the role `events` gave out was deleted, so that they
        can pick another role."""
        name = name or self._role_name(guild_id, role_id)
        self._tell(guild_id, lambda: self._deleted_text(guild_id, name, events))

    def _role_name(self, guild_id: int, role_id: int) -> str | None:
        guild = self.bot.get_guild(guild_id)
        role = guild.get_role(role_id) if guild is not None else None
        return role.name if role is not None else None

    async def _deleted_text(self, guild_id: int, name: str | None, events: list[int]
                            ) -> Text | None:
        titles = [title for event_id in events
                  if (title := await self._title(guild_id, event_id)) is not None]
        return deleted_role_notice(name, titles) if titles else None

    async def _title(self, guild_id: int, event_id: int) -> str | None:
        try:
            event = await self.bot.store.run(self.bot.store.events.get_event, guild_id,
                                             event_id)
        except EventNotFound:
            return None
        return event.title

    def _tell(self, guild_id: int, text: Callable[[], Awaitable[Text | None]]) -> None:
        """Post `text` for the moderators in the background: never in the way of the calls."""
        task = asyncio.create_task(self._post(guild_id, text), name="roles-told")
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    async def _post(self, guild_id: int, text: Callable[[], Awaitable[Text | None]]) -> None:
        """A problem only moderators can fix, in the announcements channel, where the bot's
        notices go, in the server's language as they are; pinging nobody. Held while
        Discord has not sent the server: discord.py's stand-in for it has no channel and
        no roles, and says en-US."""
        guild = self.bot.get_guild(guild_id)
        if guild is not None and guild.unavailable:
            self._held.setdefault(guild_id, []).append((text, time.monotonic()))
            return
        try:
            told = await text()
            if told is None:  # the events are gone meanwhile: nothing to fix
                return
            channel = await announce_channel(self.bot, guild_id)
            if channel is None:
                log.warning("no channel to tell the moderators of guild %s: %s", guild_id, told)
                return
            lang = await self.bot.languages.for_guild(guild_id, self.bot)
            await channel.send(lang.text(told), allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not tell the moderators of guild %s about its attendee role "
                        "(%s %s)", guild_id, exc.status, exc.text)
        except Exception:
            log.exception("could not tell the moderators of guild %s about its attendee role",
                          guild_id)
