"""Where the bot posts on its own: the announcement channel, whether it may post there,
what an announcement shows (to skip edits that change nothing), and posting it once."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord

from bot.adapters.missing_routes import (
    ANNOUNCEMENTS_AS_THEY_WERE,
    MESSAGE_EDITS,
    route_missing,
    route_offered,
    say_missing,
)
from bot.adapters.role_changes import timed_out_until
from bot.adapters.rsvp_buttons import rsvp_buttons
from bot.errors import NotAllowed, NotFound
from bot.flows.channels import choose_announce_channel
from bot.i18n import N_, Language, Markup, OptionName, Text
from bot.times import timestamp
from bot.tree import NO_MENTIONS

if TYPE_CHECKING:
    from bot.app import EventBot

log = logging.getLogger(__name__)

UNKNOWN_CHANNEL = 10003  # Discord's JSON error code: the channel was deleted

# What `post_announcement` did: posted a message, brought the one there up to date, or
# kept the one there as it was (the server does not offer editing messages).
Announced = Literal["posted", "updated", "kept"]


async def announce_channel(bot: EventBot, guild_id: int) -> discord.TextChannel | None:
    """The server's announcement channel (`choose_announce_channel` is the rule)."""
    guild = bot.get_guild(guild_id)
    if guild is None:
        return None
    chosen = await bot.store.run(bot.store.settings.announce_channel, guild_id)
    chosen_channel = guild.get_channel(chosen) if chosen else None
    return choose_announce_channel(
        chosen_channel if isinstance(chosen_channel, discord.TextChannel) else None,
        guild.system_channel, guild.text_channels, can_post_embeds)


def nowhere_to_post(bot: EventBot, guild_id: int) -> bool:
    """Whether the guild, arrived, shows the bot no text channel it may post in, so that
    `announce_channel` finds none whatever the setting."""
    guild = bot.get_guild(guild_id)
    return guild is not None and not any(map(can_post_embeds, guild.text_channels))


def can_post_embeds(channel: discord.abc.GuildChannel | discord.Thread) -> bool:
    """Whether the bot may post an announcement (an embed) in the channel (in a thread,
    send messages in threads stands for send messages)."""
    perms = channel.permissions_for(channel.guild.me)
    sends = (perms.send_messages_in_threads if isinstance(channel, discord.Thread)
             else perms.send_messages)
    return perms.view_channel and sends and perms.embed_links


def digest(embed: discord.Embed, buttons: str = "open") -> str:
    """What an announcement shows: its embed and the state of its buttons."""
    encoded = json.dumps([embed.to_dict(), buttons], sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def timed_out(guild: discord.Guild | None) -> Text | None:
    """Why the bot can post nowhere in the server while a moderator's (or AutoMod's) timeout
    of it lasts, or None: Discord leaves a timed-out member View Channel and Read Message
    History alone, whatever its roles and the channels allow it, so no permission to give
    would help."""
    until = timed_out_until(guild)
    if until is None:
        return None
    return Text(N_("I'm timed out in this server until {until}, so I can't post anywhere; a "
                   "moderator can remove my timeout (right-click me, then Remove Timeout)"),
                until=Markup(timestamp(until, "f")))


def cannot_post(channel: discord.TextChannel) -> Text:
    return timed_out(channel.guild) or Text(
        N_("I can't post embeds in {channel}; give me View Channel, Send Messages and Embed "
           "Links there, or pick another channel"),
        channel=Markup(channel.mention))  # the bot's own link to it: not escaped


async def post_announcement(bot: EventBot, event_id: int, target: discord.TextChannel,
                            embed: discord.Embed, buttons: str, lang: Language) -> Announced:
    """Post the announcement in `target`, or bring the one already there up to date (or,
    on a server that does not offer editing messages, keep it: it is not deleted, and a
    second one would be a second post of the event). `lang` is the embed's language, its
    buttons' too."""
    rendered = digest(embed, buttons)
    store = bot.store
    gone: int | None = None  # the announcement here found deleted, if any
    for channel_id, message_id, _ in await store.run(store.notices.announcement_messages,
                                                     event_id):
        if channel_id != target.id:
            continue
        try:
            await target.get_partial_message(message_id).edit(
                embed=embed, view=rsvp_buttons(event_id, buttons, lang),
                allowed_mentions=NO_MENTIONS)
        except discord.NotFound as exc:
            if route_missing(exc):  # not deleted: kept, brought up to date at a change
                say_missing(log, MESSAGE_EDITS, ANNOUNCEMENTS_AS_THEY_WERE, exc)
                return "kept"
            # deleted since: post it again
            await store.run(store.notices.forget_announcement_message, message_id)
            gone = message_id
            continue
        except discord.Forbidden:
            raise NotAllowed(cannot_post(target)) from None
        route_offered(MESSAGE_EDITS)
        await store.run(store.notices.set_announcement_rendered, message_id, rendered)
        return "updated"
    asked_at = discord.utils.utcnow()
    try:
        message = await target.send(embed=embed, view=rsvp_buttons(event_id, buttons, lang),
                                    allowed_mentions=NO_MENTIONS,
                                    nonce=announcement_nonce(target, event_id, gone))
        if message.created_at < asked_at - EARLIER_POST:
            # An earlier post came back for the nonce: it shows the event as it was then,
            # and may have been deleted since (Discord's documentation does not say
            # whether a deleted message still answers its nonce). Brought up to date, or
            # posted anew with a nonce of its own.
            try:
                await message.edit(embed=embed, view=rsvp_buttons(event_id, buttons, lang),
                                   allowed_mentions=NO_MENTIONS)
            except discord.NotFound:
                message = await target.send(embed=embed,
                                            view=rsvp_buttons(event_id, buttons, lang),
                                            allowed_mentions=NO_MENTIONS)
    except discord.Forbidden:
        raise NotAllowed(cannot_post(target)) from None
    except discord.NotFound as exc:
        if exc.code != UNKNOWN_CHANNEL:
            raise
        # deleted after the bot's cache showed it, before the gateway said so
        raise NotFound(N_("#{channel} was deleted before I could post there; pick another "
                          "with the {option} option or /manage channel"),
                       channel=target.name, option=OptionName("channel")) from None
    try:
        await store.run(store.notices.add_announcement_message, event_id, target.id,
                        message.id, rendered)
    except BaseException:
        # Unrecorded, a retry could not find it and would post a second one.
        with contextlib.suppress(discord.HTTPException):
            await message.delete()
        raise
    return "posted"


# A message made longer than this before its post was asked for is an earlier post that
# its nonce brought back (a restart takes longer; a clock ahead of Discord's costs an edit).
EARLIER_POST = timedelta(seconds=2)


def announcement_nonce(target: discord.TextChannel, event_id: int, gone: int | None) -> str:
    """The nonce an announcement is posted with, which Discord enforces for a few minutes:
    made from what is posted where, not drawn at random, so that when a process dies
    between Discord posting it and the message being recorded, the moderator's next
    announce gets that message back, and records it, instead of posting a second one
    whose seat count nothing keeps current. `gone`, the announcement found deleted, makes
    the post that replaces it a new one. 20 characters (Discord takes 25)."""
    return hashlib.blake2b(f"announce|{target.guild.id}|{target.id}|{event_id}|{gone}".encode(),
                           digest_size=10).hexdigest()
