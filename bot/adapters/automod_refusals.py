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
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.adapters.channels import announce_channel
from bot.app import EventBot
from bot.i18n import N_, Text
from bot.recent import Recent
from bot.render import clip
from bot.tree import NO_MENTIONS

log = logging.getLogger(__name__)

TELL_AGAIN = 24 * 3600.0  # seconds before the same refusal is logged and told again
TITLE_IN_LOG = 40  # characters of an event's title the log shows


class AutoModRefusals:
    """Which blocked posts were said lately, and the posts telling moderators of them."""

    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        self._logged: Recent[tuple[int, int, str]] = Recent(TELL_AGAIN)  # (server, event, kind)
        self._told: Recent[tuple[int, int]] = Recent(TELL_AGAIN)  # (server, event)
        self._telling: set[asyncio.Task[None]] = set()

    def tasks(self) -> list[asyncio.Task[None]]:
        return [*self._telling]

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
        if (guild_id, event_id) in self._told:
            return
        self._told.note((guild_id, event_id))
        task = asyncio.get_running_loop().create_task(self._tell(guild_id, event_id))
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    async def _tell(self, guild_id: int, event_id: int) -> None:
        try:
            channel = await announce_channel(self.bot, guild_id)
            if channel is None:
                log.warning("no channel to tell the moderators of guild %s that its AutoMod "
                            "blocked a post of event %s", guild_id, event_id)
                return
            lang = await self.bot.languages.for_guild(guild_id, self.bot)
            await channel.send(lang.text(Text(N_(
                "This server's AutoMod blocked one of my posts about event {event}, so members "
                "don't see it; its rules are under Server Settings > AutoMod."),
                event=event_id)), allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not tell the moderators of guild %s that its AutoMod blocked a "
                        "post of event %s (HTTP %s, code %s)", guild_id, event_id, exc.status,
                        exc.code)
        except Exception:
            log.exception("could not tell the moderators of guild %s that its AutoMod blocked "
                          "a post of event %s", guild_id, event_id)
