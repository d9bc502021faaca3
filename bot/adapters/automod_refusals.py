"""Posts of the bot that a server's AutoMod blocked: an announcement's refresh, a notice in
the announcements channel (seats ran out, registration closed or open again, a change, a
recap).

Discord answers such a post with 400 and code 200000 (a keyword or spam rule), 200001 (a
title) or 240000 (the harmful-links filter), `bot.tree.blocked_by_automod`: the same post
would be blocked again, so it is not retried, and it is no sign of Discord being down. The
log says so once an event and kind of post (naming the server, the channel and the event,
with its title clipped: what was blocked is the organisers' text, which the log need not
carry whole), and the moderators are told once an event, where the bot tells them of the
attendee roles Discord refuses it (`bot.adapters.role_notices`): in the announcements
channel, in the server's language, pinging nobody, in the bot's own words only (the
page's would be blocked again). Again after `TELL_AGAIN`, should it still be blocked.
The events blocked while a server's post is under way are named together in its next,
and a server is told at most `TOLD_MOST` times in `TELL_AGAIN`, and not again in that
time once its AutoMod blocked the post to its moderators too.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.adapters.channels import announce_channel
from bot.app import EventBot
from bot.recent import Allowance, Recent
from bot.render import clip
from bot.tree import NO_MENTIONS, blocked_by_automod

log = logging.getLogger(__name__)

TELL_AGAIN = 24 * 3600.0  # seconds before the same refusal is logged and told again
TITLE_IN_LOG = 40  # characters of an event's title the log shows
TOLD_MOST = 3  # posts telling a server's moderators in TELL_AGAIN
# Events one post names (ids of up to 20 digits: about 1,100 characters, within Discord's
# 2,000); more blocked at once wait for the next post.
NAMED_MOST = 50


class AutoModRefusals:
    """Which blocked posts were said lately, and the posts telling moderators of them."""

    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        self._logged: Recent[tuple[int, int, str]] = Recent(TELL_AGAIN)  # (server, event, kind)
        self._told: Recent[tuple[int, int]] = Recent(TELL_AGAIN)  # (server, event)
        # Per server: its posts to the moderators lately (at most TOLD_MOST a window), the
        # one under way (one at a time), the events blocked meanwhile, which its next post
        # names together (a rule blocking every announcement after a start blocked fifty
        # events' refreshes at once, and the moderators got fifty posts), and the servers
        # whose AutoMod blocked the post to the moderators too (not tried again meanwhile).
        self._posts: Allowance[int] = Allowance(TOLD_MOST, TELL_AGAIN)
        self._telling: dict[int, asyncio.Task[None]] = {}
        self._untold: dict[int, list[int]] = {}
        self._unheard: Recent[int] = Recent(TELL_AGAIN)

    def tasks(self) -> list[asyncio.Task[None]]:
        return [*self._telling.values()]

    def blocked(self, guild_id: int, channel_id: int | None, event_id: int, title: str | None,
                what: str, exc: discord.HTTPException) -> None:
        """Discord said the server's AutoMod blocked the bot's `what` (the kind of post) for
        the event in `channel_id`."""
        if (guild_id, event_id, what) not in self._logged:
            self._logged.note((guild_id, event_id, what))
            log.warning("the AutoMod of guild %s blocked the %s of event %s (%s) in channel %s "
                        "(HTTP %s, code %s: %s); not sent again until it changes",
                        guild_id, what, event_id,
                        repr(clip(title, TITLE_IN_LOG)) if title else "its title unknown",
                        channel_id, exc.status, exc.code, exc.text or "no message")
        if (guild_id, event_id) in self._told or guild_id in self._unheard:
            return
        self._told.note((guild_id, event_id))
        self._untold.setdefault(guild_id, []).append(event_id)
        if guild_id not in self._telling:
            self._telling[guild_id] = asyncio.get_running_loop().create_task(
                self._tell_in_turn(guild_id))

    async def _tell_in_turn(self, guild_id: int) -> None:
        """The server's posts to its moderators, one at a time, each naming the events
        blocked since the last began."""
        try:
            while events := self._untold.pop(guild_id, None):
                if len(events) > NAMED_MOST:  # the rest for the next post
                    events, self._untold[guild_id] = events[:NAMED_MOST], events[NAMED_MOST:]
                if guild_id in self._unheard:
                    continue
                if not self._posts.take(guild_id):
                    log.info("the moderators of guild %s were told %s times lately that its "
                             "AutoMod blocks my posts; not told of event(s) %s", guild_id,
                             TOLD_MOST, ", ".join(map(str, events)))
                    continue
                await self._tell(guild_id, events)
        finally:
            self._telling.pop(guild_id, None)
            self._untold.pop(guild_id, None)  # (a stop: no one left to tell them)

    async def _tell(self, guild_id: int, events: list[int]) -> None:
        named = ", ".join(map(str, events))
        try:
            channel = await announce_channel(self.bot, guild_id)
            if channel is None:
                log.warning("no channel to tell the moderators of guild %s that its AutoMod "
                            "blocked a post of event(s) %s", guild_id, named)
                return
            lang = await self.bot.languages.for_guild(guild_id, self.bot)
            await channel.send(lang.ngettext(
                "This server's AutoMod blocked one of my posts about event {events}, so "
                "members don't see it; its rules are under Server Settings > AutoMod.",
                "This server's AutoMod blocked my posts about events {events}, so members "
                "don't see them; its rules are under Server Settings > AutoMod.",
                len(events), events=lang._(", ").join(map(str, events))),
                allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            if blocked_by_automod(exc):
                # Its own rule, again: telling it of each event blocked would only be
                # blocked each time.
                self._unheard.note(guild_id)
            log.warning("could not tell the moderators of guild %s that its AutoMod blocked a "
                        "post of event(s) %s (HTTP %s, code %s)%s", guild_id, named, exc.status,
                        exc.code, "; not tried again for %.0f h" % (TELL_AGAIN / 3600)
                        if blocked_by_automod(exc) else "")
        except Exception:
            log.exception("could not tell the moderators of guild %s that its AutoMod blocked "
                          "a post of event(s) %s", guild_id, named)
