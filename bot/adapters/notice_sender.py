"""One outbox notice said on Discord: what each kind of notice becomes (a post in the
announcements channel, a DM to a member, a refresh or the cancelled look of the event's
announcements), and whether Discord's answer ends it.

What Discord refuses for good (a 4xx other than 429: sending the same request again
would be refused again) ends the notice, with one warning; but a post the bot was not
allowed to make (403) is tried again, as the permission was taken before the gateway told
the bot, which then holds the notice until it has a channel. Other failures (5xx, a 429
discord.py did not wait out, the network) leave it claimed, to be tried again once the
claim expires, until it is `GIVE_UP_AFTER` old (the notices after it wait meanwhile:
`bot.adapters.notice_lanes`).

A promotion's DM first asks Discord whether the member is still in the server: one who
left is passed over, their seat going on to the next on the waitlist
(`registration.pass_on_departed_seat`). A DM for a member of a server that removed the bot
waits for it to be invited back.

A notice written before this process started may be one a database restored from an
older copy brought back after it went out (the copy was taken between its writing and
its acknowledgement): before it is posted, the channel (or DM) Discord gives with its
latest message says whether the bot wrote there since the notice was written, and only
then are the first few messages since read for the same text (`bot.adapters.said_before`);
one found is logged once instead of posted again (a recap's takeaways then go out after
it unless they are found there too: the process that posted it may have died before
them). The nonce does not stop it: Discord
remembers one a few minutes. So is a member's DM this process tried before: Discord may
have posted it and answered with an error, and an outage outlast the nonce. A notice
written since the start, on its first try, costs no such look.

A deleted event's notices carry what they need (its title, its messages), since the
event is gone when they are delivered: one DM per member it had, and its announcements
shown as cancelled with their buttons disabled (`bot.adapters.announcement_edits`).

Kept apart from the lanes that claim, order and acknowledge notices
(`bot.adapters.notice_lanes`): this is what one notice says and to whom, and which of
Discord's answers end it; they are when it goes out, and after which others.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.adapters.channels import announce_channel
from bot.adapters.languages import dm_language
from bot.adapters.missing_routes import (
    DIRECT_MESSAGES,
    route_missing,
    route_offered,
    say_missing,
)
from bot.adapters.role_changes import my_permissions
from bot.adapters.said_before import HistoryHidden, posted_since, said_since
from bot.adapters.scheduled_events import follow_change, start_on_discord
from bot.app import EventBot, out_of_server
from bot.errors import EventNotFound
from bot.flows import registration
from bot.i18n import SHIPPED, Language, language
from bot.logs import error_line, one_line
from bot.models import (
    GIVE_UP_AFTER,
    CancelledPayload,
    CapacityPayload,
    ChangedDmPayload,
    ChangedPayload,
    ClosedPayload,
    DeletedPayload,
    Event,
    Notice,
    OpenedPayload,
    PromotedPayload,
    RecapPayload,
    RefreshPayload,
    RemovedPayload,
)
from bot.offload import off_loop
from bot.render import (
    change_text,
    from_server,
    takeaways_messages,
    takeaways_upload,
    without_server_line,
)
from bot.render_replies import (
    cancelled_dm,
    capacity_notice,
    changed_dm,
    changed_notice,
    closed_notice,
    opened_notice,
    promoted_dm,
    recap_notice,
    removed_dm,
)
from bot.tree import NO_MENTIONS, NO_PREVIEWS, blocked_by_automod

if TYPE_CHECKING:
    from bot.adapters.announcement_edits import AnnouncementEdits

log = logging.getLogger(__name__)
# The notices DMed to one member: they wait for a server that removed the bot to invite it
# back
MEMBER_DMS = (PromotedPayload, RemovedPayload, ChangedDmPayload, CancelledPayload)
UNKNOWN_MEMBER = 10007  # Discord's error code: not (or no longer) a member of the server


class NoticeSender:
    """Says one notice at a time (`deliver`), for the lanes (`bot.adapters.notice_lanes`),
    which also ask it whether a notice is too old to go on trying (`too_old`)."""

    def __init__(self, bot: EventBot, edits: AnnouncementEdits) -> None:
        self.bot = bot
        self.edits = edits
        # When this process started, to the second as the outbox keeps times: a notice
        # written before may have gone out already (`_said_already`).
        self._started = datetime.now(UTC).replace(microsecond=0)
        # Notices of several messages (a recap and its takeaways) whose first messages went
        # out before Discord failed one: how many went out, by notice id. Tried again, the
        # notice goes on from there (`_send_rest`).
        self._parts_posted: dict[int, int] = {}
        # ... and the language their first message went out in, which the rest keeps: the
        # server's may have changed meanwhile, and one post would read in two.
        self._parts_language: dict[int, Language] = {}
        # Notices tried by this process and not done with: Discord may have carried out a
        # DM it answered with an error (a 500, a 504), and it remembers a nonce only a few
        # minutes, fewer than an outage may last (`_may_have_gone_out`).
        self._tried: set[int] = set()

    async def _follow_discord_event(self, notice: Notice, payload: RefreshPayload) -> None:
        """The event's Discord event, if it has one, follows what an import elsewhere (the
        command line) changed, as after a change made in Discord (`follow_change`): its
        name, time, place and description; moved where Discord cannot move it
        (`payload.moved_from`), it is removed, or replaced by one at the new time. What
        Discord refuses is logged (`run_scheduled_event`, `delete_scheduled_event`); the
        notice is done all the same."""
        guild = self.bot.get_guild(notice.guild_id)
        if guild is None:
            return
        listed = await self.bot.store.run(self.bot.store.reminders.scheduled_event_id,
                                          notice.guild_id, notice.event_id)
        if listed is None:
            return
        moved_from = payload.moved_from
        if moved_from is not None:  # moved from where the Discord event is, as Discord says:
            # the notice of an earlier import may have had it follow already (claimed before
            # this one was written, it was not folded into it)
            moved_from = await start_on_discord(self.bot, notice.guild_id, listed) or moved_from
        try:
            event = await self.bot.store.run(self.bot.store.events.get_event,
                                             notice.guild_id, notice.event_id)
        except EventNotFound:
            return
        note = await follow_change(self.bot, notice.guild_id, moved_from, event,
                                   my_permissions(guild))
        if moved_from is not None and note is not None:
            log.info("Discord event of event %s in guild %s, after an import moved it: %s",
                     event.id, notice.guild_id, language().text(note))

    async def deliver(self, notice: Notice) -> bool:
        """Send one notice; False leaves it claimed, to be retried after the claim expires
        (`_failed` says which failures do). While Discord limits the bot
        (`bot.adapters.discord_limit`), no call is made: the notice waits, as after a
        failure."""
        if self.bot.discord_limit.holds():
            return self._waits(notice, "Discord still limits the bot's requests")
        try:
            done = await self._deliver(notice)
        except aiohttp.ClientConnectionError as exc:
            # The connection failed (reset, or closed before Discord's answer): as after a
            # 5xx, left claimed, and the notices after it wait for it; Discord may have
            # posted it, which its nonce, or a look in the member's DMs, then gives back.
            said = error_line(exc)
            done = self._waits(notice, f"Discord still cannot be reached ({said})")
            if not done:
                log.warning("could not reach Discord for the %s notice of event %s in guild "
                            "%s (%s); trying again in a minute", notice.kind,
                            notice.event_id, notice.guild_id, said)
        except BaseException:
            self._tried.add(notice.id)
            raise
        if done:
            self._parts_posted.pop(notice.id, None)
            self._parts_language.pop(notice.id, None)
            self._tried.discard(notice.id)
        else:
            self._tried.add(notice.id)
        return done

    async def _deliver(self, notice: Notice) -> bool:
        payload = notice.payload
        if isinstance(payload, RefreshPayload):
            # An import changed the event (on the command line, say, with no Discord to
            # change anything there; the bot's own imports have begun already, and the
            # edit loop skips messages that already show the event as it is). Everything
            # that follows the event's registrations hears of it, as after a change made
            # in Discord: its announcements, and its attendee role (an import's new
            # capacity seats members from the waitlist), then its Discord event.
            self.bot.registration_changed(notice.guild_id, notice.event_id)
            await self._follow_discord_event(notice, payload)
            return True
        if isinstance(payload, MEMBER_DMS) and out_of_server(self.bot, notice.guild_id):
            # Its members may still use the bot's commands there; Discord will not say
            # whether they are still members, and lets the bot DM only those it shares a
            # server with: the DM waits for the bot to be invited back, as the server's
            # channel notices do.
            return self._waits(notice, "the bot is still out of the server")
        if isinstance(payload, CancelledPayload | DeletedPayload):  # the event is gone:
            try:                                                    # the payload says all
                if isinstance(payload, CancelledPayload):
                    lang = await dm_language(self.bot, payload.user_id, notice.guild_id)
                    title, known_as = payload.title, payload.known_as
                    await self._dm(notice, payload.user_id, lang,
                                   lambda reader: cancelled_dm(reader, title, known_as))
                elif not await self.edits.end_announcements(notice.guild_id, notice.event_id,
                                                             payload):
                    # an announcement left showing it open, in a channel the bot is kept
                    # from: shown cancelled once a moderator lets the bot post there again
                    return self._waits(notice, "the bot may still not post in the channel "
                                               "of its announcements")
                return True
            except discord.HTTPException as exc:
                return self._failed(notice, exc)
        try:
            event = await self.bot.store.run(self.bot.store.events.get_event,
                                             notice.guild_id, notice.event_id)
        except EventNotFound:
            return True
        # Whether the event has taken place, for news no longer sent once it has, is asked
        # of the wall clock as trusted (`bot.clock`): a notice left unsent is acknowledged,
        # gone for good, and a step of the clock ahead, set right soon after, would drop
        # every notice about an event it made look over. (Should the step be the clock set
        # right, news of an event over in the hours it skipped still goes out until the
        # step is trusted: stale news, where the other way loses news for good.)
        channel: discord.TextChannel | None = None  # where a channel notice goes, once known
        try:
            if isinstance(payload, PromotedPayload):
                # (once the event has taken place, which Discord may have held the question
                # up until, nobody can use the seat: the RSVP stays as the event left it)
                try:
                    left = await has_left(self.bot, notice.guild_id, payload.user_id)
                except discord.Forbidden as exc:  # 50001 Missing Access: removed from it
                    log.info("Discord would not say whether user %s is still in guild %s "
                             "(HTTP %s, code %s: %s); their promotion DM for event %s waits "
                             "for the bot to be back there", payload.user_id, notice.guild_id,
                             exc.status, exc.code, exc.text or "no message", event.id)
                    return self._waits(notice, "the bot is still out of the server")
                if left and not event.is_over(self.bot.wall_clock.trusted()):
                    if await registration.pass_on_departed_seat(
                            self.bot.store, self.bot.registration_changed, notice.guild_id,
                            event.id, payload.user_id, payload.seq):
                        log.info("user %s left guild %s before their promotion to a seat "
                                 "of event %s: it goes to the next on the waitlist",
                                 payload.user_id, notice.guild_id, event.id)
                    return True
                # Delivered late (Discord was away), the seat may have been given up since,
                # or given up and taken anew: that seat was no promotion, and its reply said
                # so. Or the event may have taken place meanwhile: no news any more.
                lang = await dm_language(self.bot, payload.user_id, notice.guild_id)
                holds = self._holds(notice, payload.user_id, payload.seq, confirmed=True)

                async def news() -> bool:
                    return not event.is_over(self.bot.wall_clock.trusted()) and await holds()

                await self._dm(notice, payload.user_id, lang,
                               lambda reader: promoted_dm(reader, event), still=news)
                return True
            if isinstance(payload, RemovedPayload):
                # Delivered late, the member may have joined again since: then they know.
                # Or the event may have taken place meanwhile: no news any more.
                lang = await dm_language(self.bot, payload.user_id, notice.guild_id)
                holds = self._holds(notice, payload.user_id, None)

                async def not_back() -> bool:
                    return not event.is_over(self.bot.wall_clock.trusted()) and not await holds()

                await self._dm(notice, payload.user_id, lang,
                               lambda reader: removed_dm(reader, event), still=not_back)
                return True
            if isinstance(payload, ChangedDmPayload):
                # Delivered late, the member may have cancelled since (no registration left
                # to stay as it was), or joined anew after the change, knowing of it.
                lang = await dm_language(self.bot, payload.user_id, notice.guild_id)
                changed = payload

                def change_in(reader: Language) -> str:
                    return changed_dm(reader, the_change(reader, event, changed))

                await self._dm(notice, payload.user_id, lang, change_in,
                               still=self._holds(notice, payload.user_id, payload.seq))
                return True
            if isinstance(payload, CapacityPayload | ClosedPayload | OpenedPayload) and (
                    event.is_over(self.bot.wall_clock.trusted())):
                # News of joining, delivered late (Discord failed it, or the server was
                # away) once the event has taken place: nobody can join any more, and
                # "members who join now" or "open again" would be untrue.
                log.info("the %s notice of event %s in guild %s, written %s, is not posted:"
                         " the event has taken place since", notice.kind, event.id,
                         notice.guild_id, when_written(notice))
                return True
            channel = await announce_channel(self.bot, notice.guild_id)  # (None: below)
            if channel is None:  # (taken away since the lanes looked: tried again, and held)
                log.warning("no channel to post %s notice of event %s in guild %s",
                            notice.kind, event.id, notice.guild_id)
                return self.too_old(notice)
            lang = await self.bot.languages.for_guild(notice.guild_id, self.bot)
            told = payload

            def said_in(lang: Language) -> str:
                if isinstance(told, CapacityPayload):
                    return capacity_notice(lang, event)
                if isinstance(told, ClosedPayload):
                    return closed_notice(lang, event, told.reason)
                if isinstance(told, OpenedPayload):
                    return opened_notice(lang, event)
                if isinstance(told, ChangedPayload):
                    return changed_notice(lang, the_change(lang, event, told))
                return recap_notice(lang, event)  # a recap

            text = said_in(lang)
            if notice.id not in self._parts_posted:  # (else its beginning went out already)
                if self._may_have_gone_out(notice) and await self._said_already(
                        notice, channel, channel.id, said_in):
                    if not isinstance(payload, RecapPayload):
                        return True
                    # The process that posted it may have died before its takeaways:
                    # those not in the channel go out after it.
                    self._parts_posted[notice.id] = await self._takeaways_said(
                        notice, channel, event)
                else:
                    await channel.send(text, allowed_mentions=NO_MENTIONS,
                                       suppress_embeds=NO_PREVIEWS, nonce=nonce_of(notice))
            if isinstance(payload, RecapPayload):
                return await self._send_rest(channel, lang, event, notice)
            return True
        except discord.Forbidden as exc:
            # The bot's cache showed the channel open to it: the permission (or the bot
            # itself) was taken away before the gateway said so. Tried again, by then the
            # channel is known shut and the notice waits for one (`_held_back`), or goes to
            # the channel the server now gives, rather than being lost.
            return self._failed(notice, exc, for_good=False)
        except discord.HTTPException as exc:
            if blocked_by_automod(exc) and channel is not None:
                self.edits.automod.blocked(notice.guild_id, channel.id, event.id, event.title,
                                           f"{notice.kind} notice", exc)
                return True
            return self._failed(notice, exc)

    def _waits(self, notice: Notice, why: str) -> bool:
        """Whether a notice that cannot go out yet is done with: left claimed (False), it
        is tried again once its claim expires, until `GIVE_UP_AFTER` after it was written;
        then given up, with a warning saying `why`."""
        if not self.too_old(notice):
            return False
        log.warning("giving up the %s notice of event %s in guild %s, written %s: %s",
                    notice.kind, notice.event_id, notice.guild_id, when_written(notice), why)
        return True

    def _failed(self, notice: Notice, exc: discord.HTTPException, *,
                for_good: bool | None = None) -> bool:
        """Whether a notice Discord did not take is done with (see the module's docstring):
        one warning line each time, not a traceback, which would say nothing more.
        `for_good`: whether the refusal ends it, where the caller knows (else by its
        status, `refused_for_good`)."""
        said = f"HTTP {exc.status}, code {exc.code}: {one_line(exc.text or 'no message', 200)}"
        self.bot.discord_limit.note(exc, f"the {notice.kind} notice of event {notice.event_id}")
        if refused_for_good(exc) if for_good is None else for_good:
            log.warning("Discord refused the %s notice of event %s in guild %s (%s); "
                        "not sending it again", notice.kind, notice.event_id,
                        notice.guild_id, said)
            return True
        if self._waits(notice, f"Discord still fails it ({said})"):
            return True
        log.warning("Discord failed the %s notice of event %s in guild %s (%s); "
                    "trying again in a minute", notice.kind, notice.event_id,
                    notice.guild_id, said)
        return False

    def too_old(self, notice: Notice) -> bool:
        """Whether the notice is past `GIVE_UP_AFTER` (given up, if it cannot go out now),
        by the wall clock as trusted (`bot.clock`): a step of it ahead, set right soon,
        gives up none."""
        return notice.queued_at is not None and (
            self.bot.wall_clock.trusted() - notice.queued_at > GIVE_UP_AFTER)

    def _maybe_restored(self, notice: Notice) -> bool:
        """Whether the notice was written before this process started, so may be one that
        went out after the copy a restored database was taken from (`_said_already`)."""
        return notice.queued_at is not None and notice.queued_at < self._started

    def _may_have_gone_out(self, notice: Notice) -> bool:
        """Whether a notice's message (a member's DM, or the beginning of a channel's) may
        have gone out already (`_said_already`): restored, or tried here before, when
        Discord may have posted it and then failed, and forgotten its nonce by now."""
        return self._maybe_restored(notice) or (notice.queued_at is not None
                                                and notice.id in self._tried)

    async def _said_already(self, notice: Notice, channel: discord.abc.Messageable,
                            opened: Mapping[str, Any] | int,
                            said_in: Callable[[Language], str], *, in_dm: bool = False
                            ) -> bool:
        """Whether the notice's message (`said_in` a language) is in `channel` already,
        posted by the bot since the notice was written, in any language the bot speaks: the
        member's or the server's may have changed since it went out, and the same news in
        the new one is news twice. `opened` is the channel as Discord gave it, with its
        latest message, or its id, to ask Discord for it. Only a channel with a message
        since then is read, at most `said_before.LOOKBACK` messages of it. Unreadable (refused,
        or hidden from a bot without Read Message History, for which Discord lists nothing):
        not known to be sent, and the log says so. `in_dm`: a DM, compared without the line
        naming its server (`render.without_server_line`)."""
        assert notice.queued_at is not None
        said = {said_in(language(code)) for code in SHIPPED}
        try:
            data: Mapping[str, Any] = (await self.bot.http.get_channel(opened)
                                       if isinstance(opened, int) else opened)
            found = await said_since(self.bot, channel, data.get("last_message_id"),
                                     notice.queued_at, lambda text: (
                                         without_server_line(text) if in_dm else text) in said)
        except discord.HTTPException as exc:
            log.warning("could not read where the %s notice of event %s goes, for the same "
                        "notice already sent (HTTP %s: %s); sending it", notice.kind,
                        notice.event_id, exc.status, exc.text or "no message")
            return False
        except HistoryHidden:
            log.warning("could not read the channel where the %s notice of event %s in guild %s"
                        " goes, for the same notice already sent: the bot lacks Read Message "
                        "History there, without which Discord lists no messages; sending it",
                        notice.kind, notice.event_id, notice.guild_id)
            return False
        if found:
            log.warning("the %s notice of event %s in guild %s, written %s, was already sent, "
                        "as its channel shows, though the database still held it (%s); not "
                        "sent again", notice.kind, notice.event_id, notice.guild_id,
                        when_written(notice),
                        "Discord posted it, then failed" if notice.id in self._tried
                        else "an earlier process of the bot sent it and stopped before it "
                             "recorded it, or the database was restored from an older copy")
        return found

    async def _takeaways_said(self, notice: Notice, channel: discord.TextChannel,
                              event: Event) -> int:
        """How many of a recap's messages are in `channel` already, the notice's beginning
        (found there) and its first takeaways' messages, posted by the bot since the notice
        was written: the message `_send_rest` goes on from. In any language the
        bot speaks, as the beginning is found (`_said_already`): the server's may have
        changed since they went out, and the same takeaways in the new one are news twice."""
        assert notice.queued_at is not None
        try:
            data: Mapping[str, Any] = await self.bot.http.get_channel(channel.id)
            posted = await posted_since(self.bot, channel, data.get("last_message_id"),
                                        notice.queued_at)
        except (discord.HTTPException, HistoryHidden):  # (read just before): post the rest
            return 1
        shown = {embeds_shown(message.embeds) for message in posted}

        def found_in(reader: Language) -> int:
            parts = 1
            for embeds in takeaways_messages(reader, event).messages:
                if embeds_shown(embeds) not in shown:
                    break
                parts += 1
            return parts

        return max(found_in(language(code)) for code in SHIPPED)

    def _holds(self, notice: Notice, user_id: int, seq: int | None, *,
               confirmed: bool = False) -> Callable[[], Awaitable[bool]]:
        """Whether the member still holds the RSVP the notice is about (the one with `seq`;
        any, for notices stored without it), with a seat if `confirmed`."""
        return functools.partial(registration.still_holds, self.bot.store, notice.guild_id,
                                 notice.event_id, user_id, seq=seq, confirmed=confirmed)

    async def _send_rest(self, channel: discord.TextChannel, lang: Language, event: Event,
                         notice: Notice) -> bool:
        """The rest of a recap's notice whose first message went out, its takeaways (their
        whole text as a file with the last message, when the messages leave part out),
        each message once; as `deliver`, False leaves the notice claimed. Discord failing
        one (a 5xx, the network) leaves it to be tried again from that message on
        (`_parts_posted`: neither its beginning posted twice nor its rest lost; a message
        Discord posted before failing it comes back for its nonce), in the language its
        beginning went out in. Refused for good, or blocked by AutoMod, the rest is not
        posted, said once."""
        lang = self._parts_language.setdefault(notice.id, lang)
        takeaways = takeaways_messages(lang, event)
        self._parts_posted.setdefault(notice.id, 1)
        try:
            for k, embeds in enumerate(takeaways.messages, 1):
                if k < self._parts_posted[notice.id]:
                    continue  # posted before Discord failed a later one
                file: discord.File = discord.utils.MISSING  # (none)
                if k == len(takeaways.messages) and takeaways.file_name is not None:
                    file = await off_loop(takeaways_upload, lang, event, takeaways.file_name,
                                          channel.guild.filesize_limit)
                await channel.send(embeds=embeds, allowed_mentions=NO_MENTIONS,
                                   nonce=nonce_of(notice, k), file=file)
                self._parts_posted[notice.id] = k + 1
        except discord.HTTPException as exc:
            if not blocked_by_automod(exc):
                return self._failed(notice, exc)
            self.edits.automod.blocked(notice.guild_id, channel.id, notice.event_id,
                                       event.title, "recap's takeaways", exc)
        return True

    async def _dm(self, notice: Notice, user_id: int, lang: Language,
                  said_in: Callable[[Language], str], *,
                  still: Callable[[], Awaitable[bool]] | None = None) -> None:
        """One DM, `said_in` the member's `lang`, sent in turn with the others (discord.py
        waits out a 429); with `still`, only if it holds once Discord has opened the DM
        channel, which a 429 may hold up. Each names its server (`from_server`)."""
        guild = self.bot.get_guild(notice.guild_id)
        text = from_server(lang, said_in(lang), guild.name if guild else None)
        try:
            restored = self._may_have_gone_out(notice)
            if restored:  # opened over REST: Discord says which message the DMs end with
                opened = await self.bot.dm_channels.opened(user_id)
                dm: discord.abc.Messageable = self.bot.get_partial_messageable(
                    int(opened["id"]), type=discord.ChannelType.private)
            else:
                dm = await self.bot.dm_channels.channel(user_id)
            if still is not None and not await still():
                return
            if restored and await self._said_already(notice, dm, opened, said_in,
                                                     in_dm=True):
                return
            await dm.send(text, allowed_mentions=NO_MENTIONS, suppress_embeds=NO_PREVIEWS,
                          nonce=nonce_of(notice))
            route_offered(DIRECT_MESSAGES)
        except discord.Forbidden:
            # Their DMs are closed; /rsvp status and /rsvp mine still tell them.
            log.info("could not DM user %s about event %s", user_id, notice.event_id)
        except discord.NotFound as exc:
            if not route_missing(exc):
                raise
            # As for closed DMs: /rsvp status and /rsvp mine still tell them
            say_missing(log, DIRECT_MESSAGES, "members' notices by DM are not sent", exc)


async def has_left(bot: EventBot, guild_id: int, user_id: int) -> bool:
    """Whether the member has left the server: Discord answers 404 Unknown Member (asked
    over REST, which needs no members intent). Any other failure is the caller's, as its
    DM's would be."""
    try:
        await bot.http.get_member(guild_id, user_id)
    except discord.NotFound as exc:
        return exc.code == UNKNOWN_MEMBER
    return False


def refused_for_good(exc: discord.HTTPException) -> bool:
    """Whether Discord refused the request for good: a 4xx says this request will be
    refused again, but for 401 (the bot's token refused, reset or revoked: nothing wrong
    with the notice, which a process with a good token delivers) and 429 (too many
    requests, which discord.py waits out)."""
    return 400 <= exc.status < 500 and exc.status not in (401, 429)


def embeds_shown(embeds: list[discord.Embed]) -> tuple[tuple[str | None, str | None], ...]:
    """What tells a message's embeds apart: their titles and descriptions."""
    return tuple((embed.title, embed.description) for embed in embeds)


def nonce_of(notice: Notice, part: int = 0) -> str:
    """The nonce a notice's message (its `part`-th, for one of several) is sent with, which
    Discord is asked to enforce: a notice delivered again after its claim expired (the
    process died between posting and acknowledging it) returns the message already
    posted instead of posting it twice. Made from the whole notice, not its id alone: a
    database restored from a backup gives its ids again, to other notices. At most 25
    characters, as Discord takes (20, and the part's number)."""
    made = hashlib.blake2b(f"{notice.id}|{notice.guild_id}|{notice.event_id}|"
                           f"{notice.payload!r}".encode(), digest_size=10).hexdigest()
    return made if not part else f"{made}.{part}"


def the_change(lang: Language, event: Event, payload: ChangedPayload | ChangedDmPayload) -> str:
    """What a change notice says: the start, venue or title that change gave the event, even when
    delivered after later changes (each of which has its own notice, unless the notice was
    folded into theirs before it went out: `bot.models.fold_unsent`). One stored without
    them shows the event as it is."""
    changed = event if payload.to is None else payload.to.on(event)
    return change_text(lang, changed, payload.moved, payload.venue_changed,
                       payload.renamed_from)




def when_written(notice: Notice) -> str:
    """When the notice was written, as the log says it."""
    return notice.queued_at.isoformat(timespec="seconds") if notice.queued_at else "?"
