"""Telling moderators about the attendee roles only they can fix.

That Discord refuses the bot a role (to give it, or to take it back), with what to
change, once, not once a member or a try; again once a call for the role went through
in between, or after `TELL_AGAIN`. And that a role the events gave out was deleted. In
the announcements channel (where the bot's notices go, in the server's language, pinging
nobody), in the background; for a server Discord has not sent (unavailable at start, an
outage: none of its channels, roles or language known), once it arrives, held in the
database meanwhile so that a stop does not lose them; nor one that a stop cuts short before
it is held or begun to be posted (`stopped`), those being taken out of the database for
their server included. Kept apart from
`bot.adapters.attendee_roles`, which decides when there is something to tell: this is how
often, where and in what words.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime

import discord

from bot.adapters.channels import announce_channel
from bot.adapters.owed_roles_record import GIVE_BACK_WAIT
from bot.adapters.roles import deleted_role_notice, refused_role_notice
from bot.app import EventBot
from bot.errors import EventNotFound
from bot.i18n import Text
from bot.locks import KeyedLocks
from bot.models import RoleNotice
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
        # The servers with posts held in the database until Discord sends them (read at
        # start, `load`): made once it does (`guild_arrived`), as the channel notices are,
        # unless held too long (`RoleNotice.fresh`). A server's holding and its arrival
        # take turns (`_by_guild`), so that a post held as it arrives is not left held.
        self._held_in: set[int] = set()
        self._by_guild = KeyedLocks()
        # The notices neither held in the database nor begun to be posted: a stop cancels
        # their tasks (at once, before they begin, or while the database holds them up)
        # and holds these for the next start (`stopped`).
        self._unsettled: list[RoleNotice] = []

    async def load(self) -> None:
        """The servers the last run held posts for (those of this process's shards)."""
        store = self.bot.store
        try:
            guilds = await store.run(store.reminders.role_notice_guilds)
        except Exception:
            log.exception("could not read the attendee-role notices held for servers not "
                          "sent yet; they are made when another start reads them")
            return
        self._held_in.update(g for g in guilds if self.bot.runs_guild(g))

    def tasks(self) -> list[asyncio.Task[None]]:
        """The posts under way (a stop cancels them)."""
        return [*self._telling]

    def went_through(self, role_id: int) -> None:
        """A call for the role went through (it works again), or the role is gone: a
        refusal is news again."""
        self._told_refused.discard(role_id)

    def guild_arrived(self, guild_id: int) -> None:
        """Discord sent the server (after an outage, an invitation back, or at start): the
        posts held for it are made now, its channels, roles and language known."""
        if guild_id in self._held_in:
            self._held_in.discard(guild_id)
            self._spawn(self._release(guild_id))

    def guild_deleted(self, guild_id: int) -> None:
        """The server's data was deleted, the posts held for it with it (about events it no
        longer has): none is looked for when it arrives."""
        self._held_in.discard(guild_id)
        self._unsettled = [n for n in self._unsettled if n.guild_id != guild_id]

    async def stopped(self) -> None:
        """At a stop, once the posts under way were cancelled (`tasks`): the notices whose
        task the stop cut short before they were held, or begun to be posted, are held in
        the database, for the next start to make once their server arrives. A notice
        whose post had begun counts as made (once at most). Waits GIVE_BACK_WAIT at
        most, as the stop's other records do."""
        unsettled, self._unsettled = self._unsettled, []
        if not unsettled:
            return
        store = self.bot.store
        try:
            async with asyncio.timeout(GIVE_BACK_WAIT):
                for notice in unsettled:  # (one per role: holding one again replaces it)
                    await store.run(store.reminders.hold_role_notice, notice)
            log.info("held %d attendee-role notice(s) for the next start", len(unsettled))
        except TimeoutError:
            log.warning("gave up after %g s holding the attendee-role notices not made yet "
                        "(the database is held elsewhere); they may be lost", GIVE_BACK_WAIT)
        except Exception:
            log.exception("could not hold the attendee-role notices not made yet; they are "
                          "lost")

    def refused(self, guild_id: int, event_id: int, role_id: int, *, giving: bool,
                unoffered: bool = False) -> None:
        """Tell the moderators that Discord refused the bot the event's role, and what to
        change (`unoffered`: the server does not offer the route): once, however many
        members and tries (`_told_refused`)."""
        if role_id in self._told_refused:
            return
        self._told_refused.note(role_id)
        self._tell(RoleNotice(guild_id, role_id, (event_id,), now(), giving=giving,
                              unoffered=unoffered))

    def deleted(self, guild_id: int, role_id: int, name: str | None, events: list[int]) -> None:
        """Tell the moderators that the role `events` gave out was deleted, so that they
        can pick another role."""
        name = name or self._role_name(guild_id, role_id)
        self._tell(RoleNotice(guild_id, role_id, tuple(events), now(), deleted=True,
                              name=name))

    def _role_name(self, guild_id: int, role_id: int) -> str | None:
        guild = self.bot.get_guild(guild_id)
        role = guild.get_role(role_id) if guild is not None else None
        return role.name if role is not None else None

    async def _text(self, notice: RoleNotice) -> Text | None:
        """What the notice says, its server known; None if its events are gone meanwhile."""
        titles = [title for event_id in notice.events
                  if (title := await self._title(notice.guild_id, event_id)) is not None]
        if not notice.deleted:
            return refused_role_notice(self.bot.get_guild(notice.guild_id), notice.role_id,
                                       titles[0] if titles else None, giving=notice.giving,
                                       unoffered=notice.unoffered)
        return deleted_role_notice(notice.name, titles) if titles else None

    async def _title(self, guild_id: int, event_id: int) -> str | None:
        try:
            event = await self.bot.store.run(self.bot.store.events.get_event, guild_id,
                                             event_id)
        except EventNotFound:
            return None
        return event.title

    def _tell(self, notice: RoleNotice) -> None:
        """Post the notice for the moderators in the background: never in the way of the
        calls. Unsettled until held or begun (a stop holds it then, `stopped`)."""
        self._unsettled.append(notice)
        self._spawn(self._post(notice))

    def _settled(self, notice: RoleNotice) -> None:
        """The notice is held in the database, or its post has begun: no longer the stop's."""
        with contextlib.suppress(ValueError):
            self._unsettled.remove(notice)

    def _spawn(self, work: Coroutine[None, None, None]) -> None:
        task = asyncio.create_task(work, name="roles-told")
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    async def _post(self, notice: RoleNotice) -> None:
        """Held while Discord has not sent the server (discord.py's stand-in for it has no
        channel and no roles, and says en-US); else posted now."""
        guild_id = notice.guild_id
        async with self._by_guild.hold(guild_id):
            guild = self.bot.get_guild(guild_id)
            if guild is not None and guild.unavailable:
                self._held_in.add(guild_id)
                try:
                    await self.bot.store.run(self.bot.store.reminders.hold_role_notice,
                                             notice)
                except Exception:  # (a stop tries again: `stopped`)
                    log.exception("could not hold the attendee-role notice for guild %s "
                                  "until Discord sends it", guild_id)
                else:
                    self._settled(notice)
                return
        await self._send(notice)

    async def _release(self, guild_id: int) -> None:
        """Make the posts held for the server, each once (taken from the database first),
        those still fresh."""
        store = self.bot.store
        async with self._by_guild.hold(guild_id):
            # A stop as they are taken does not wait for the database's answer, which
            # takes them out all the same (SQLite's thread goes on with the call): the
            # take goes on, and what it took is the stop's to hold again.
            taking = asyncio.ensure_future(store.run(store.reminders.take_role_notices,
                                                     guild_id))
            try:
                held = await asyncio.shield(taking)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    self._unsettled.extend(self._fresh(await taking))
                raise
            except Exception:
                log.exception("could not read the attendee-role notices held for guild %s",
                              guild_id)
                self._held_in.add(guild_id)  # tried again at its next arrival
                return
        fresh = self._fresh(held)
        self._unsettled.extend(fresh)  # out of the database: a stop before each holds it again
        for notice in fresh:
            await self._send(notice)

    def _fresh(self, held: list[RoleNotice]) -> list[RoleNotice]:
        """The notices not held too long to make (`RoleNotice.fresh`), by the wall clock as
        trusted: a step of the clock ahead drops none."""
        at = self.bot.wall_clock.trusted()
        return [notice for notice in held if notice.fresh(at)]

    async def _send(self, notice: RoleNotice) -> None:
        """A problem only moderators can fix, in the announcements channel, where the bot's
        notices go, in the server's language as they are; pinging nobody. Settled once its
        post begins (a stop after counts it made: once at most), or it ends without one; a
        stop before, while its words or channel are looked up, holds it (`stopped`)."""
        try:
            await self._say(notice)
        except discord.HTTPException as exc:
            log.warning("could not tell the moderators of guild %s about its attendee role "
                        "(%s %s)", notice.guild_id, exc.status, exc.text)
        except Exception:
            log.exception("could not tell the moderators of guild %s about its attendee role",
                          notice.guild_id)
        self._settled(notice)

    async def _say(self, notice: RoleNotice) -> None:
        guild_id = notice.guild_id
        told = await self._text(notice)
        if told is None:  # the events are gone meanwhile: nothing to fix
            return
        channel = await announce_channel(self.bot, guild_id)
        if channel is None:
            log.warning("no channel to tell the moderators of guild %s: %s", guild_id, told)
            return
        lang = await self.bot.languages.for_guild(guild_id, self.bot)
        self._settled(notice)  # begun: made once at most
        await channel.send(lang.text(told), allowed_mentions=NO_MENTIONS)


def now() -> datetime:
    return datetime.now(UTC)
