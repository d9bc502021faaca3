"""`/manage`: moderators import pages, open and close registration, post announcements.

`manage_events_only` guards it twice: it hides the group from members without
Manage Events in the UI (server admins may change that), and enforces the rule
on every call, against the member's server-level permissions.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Callable, Iterator
from typing import Literal

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.channels import (
    announce_channel,
    can_post_embeds,
    cannot_post,
    post_announcement,
    timed_out,
)
from bot.adapters.event_option import (
    EVENT_HELP,
    EventOption,
    bot_permissions,
    guild_id_of,
    manage_events_only,
    resolve_event,
    resolve_summary,
)
from bot.adapters.held import PER_MODERATOR, Held
from bot.adapters.import_preview import (
    CUSTOM_ID_PREFIX,
    ImportPreview,
    expired,
    preview_text,
    save_import,
)
from bot.adapters.languages import guild_locale, server_language
from bot.adapters.manage_forms import (
    DELETE_PREFIX,
    EDIT_PREFIX,
    DeleteConfirmation,
    EditModal,
    check_all_day_end,
    check_order,
    form_expired,
    question_expired,
    typed_time,
)
from bot.adapters.role_changes import mine_changed, my_permissions
from bot.adapters.roles import ServerRole, attendee_role_problem, check_not_over
from bot.adapters.rsvp_buttons import button_state
from bot.adapters.scheduled_events import (
    plan_scheduled_event,
    removed_on_archive,
    run_scheduled_event,
    sync_scheduled_event,
)
from bot.app import EventBot, Interaction
from bot.catalog import MAX_TITLE
from bot.characters import without_invisible
from bot.command_words import option_name
from bot.errors import (
    Conflict,
    DatabaseBusy,
    EventNotFound,
    InvalidValue,
    NotAllowed,
    NotFound,
    Unavailable,
)
from bot.fetch import MAX_URL_LENGTH, FetchPolicy, check_url, failure_reason
from bot.flows import importing, registration
from bot.i18n import N_, NAMES, SHIPPED, Language, OptionName, Text, language, shipped
from bot.models import Event
from bot.offload import off_loop
from bot.registration import MAX_CAPACITY, check_capacity, check_not_archived
from bot.reminders import minutes_text, parse_minutes
from bot.render import clip, clock_text, event_embed, reader_first, safe
from bot.render_replies import AttendeesUpload, deletion_question, promoted_note, removed_reply
from bot.signals import AttendeeRoleChanged, RemindersChanged
from bot.times import saved_times_problem
from bot.tree import OPENS_FORM, before_deadline, defer, member_language, respond
from bot.when import When
from bot.zones import (
    abbreviation_homes,
    abbreviation_zone,
    check_zone_name,
    offset_zones,
    server_zone,
    zone_key,
    zone_label,
    zone_names,
    zones_of_place,
)

log = logging.getLogger(__name__)

# `/manage language`'s choice that undoes a choice: the server's language in Discord again
FOLLOW_DISCORD = "discord"
FOLLOW_DISCORD_NAME = "The server's language in Discord"


async def downloaded(page: discord.Attachment, seconds: float) -> bytes:
    """The uploaded page's bytes, from Discord's file host: a download refused, cut or
    slower than `seconds` (FETCH_TIMEOUT, as for a web page) is the moderator's to retry."""
    try:
        async with asyncio.timeout(seconds):
            return await page.read()
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
        reason: str | Text = (f"HTTP {exc.status}" if isinstance(exc, discord.HTTPException)
                              else Text(N_("too slow")) if isinstance(exc, TimeoutError)
                              else failure_reason(exc))
        raise Unavailable(N_("I couldn't download {name} from Discord ({reason}); attach it "
                             "again and try once more."), name=clip(page.filename, 100),
                          reason=reason) from None


@app_commands.guild_only()
@manage_events_only()
class ManageCommands(commands.GroupCog, group_name="manage",
                     group_description="Moderators: import events and run registration"):
    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        # The import previews, delete questions and edit forms whose components work.
        self.previews = Held(CUSTOM_ID_PREFIX, expired)
        self.questions = Held(DELETE_PREFIX, question_expired)
        self.forms = Held(EDIT_PREFIX, form_expired)
        # Each moderator's imports being fetched and read now (`reading_for`)
        self._reading: dict[int, int] = {}

    async def cog_load(self) -> None:
        for held in (self.previews, self.questions, self.forms):
            self.bot.clicks[held.prefix] = held.answer_stale
        await self.bot.refused_discord_events.load(self.bot.runs_guild)

    async def cog_unload(self) -> None:
        for held in (self.previews, self.questions, self.forms):
            self.bot.clicks.pop(held.prefix, None)

    def changed(self, guild_id: int, event_id: int) -> None:
        self.bot.registration_changed(guild_id, event_id)

    @commands.Cog.listener()
    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        await self.permission_given(after.guild)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        # at a start, or after an outage: the permission may have been given meanwhile
        await self.permission_given(guild)
        await self.discord_language_seen(guild)  # and the server's language changed

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.discord_language_seen(guild)  # (invited back: changed while out, maybe)

    @commands.Cog.listener()
    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        if before.preferred_locale != after.preferred_locale:
            await self.discord_language_seen(after)

    async def discord_language_seen(self, guild: discord.Guild) -> None:
        """The server's language in Discord as the gateway shows it: when it changed since
        the bot last saw it (`ServerLanguages.seen`), what the bot posted there in the old
        one is shown in the new, as after `/manage language`."""
        try:
            before = await self.bot.languages.seen(guild.id, str(guild.preferred_locale))
            if before is not None:
                await self.show_in_language(guild.id, before, my_permissions(guild))
        except Exception as exc:
            log.log(logging.WARNING if isinstance(exc, Unavailable) else logging.ERROR,
                    "could not follow the Discord language of guild %s", guild.id,
                    exc_info=exc)

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if mine_changed(before, after):  # a role given to the bot (or taken)
            await self.permission_given(after.guild)

    async def permission_given(self, guild: discord.Guild) -> None:
        """After a change of the bot's roles or of a role of its: if a moderator turned
        Manage Events (or Create Events) on, or gave the bot a role with it, as a reply
        asked them to, the Discord events refused for want of it are made or brought up to
        date now (`RefusedDiscordEvents`), one at a time. One that fails here (the database
        busy, say) is noted again, for the next such change or the next announce or edit."""
        store, refused = self.bot.store, self.bot.refused_discord_events
        for event_id, create in refused.granted(guild):
            try:
                # The event as it is once no other step on it is under way (as /manage
                # announce reads it): a deletion or an edit meanwhile is not undone here.
                async with self.bot.event_steps.hold(event_id):
                    event = await store.run(store.events.get_event, guild.id, event_id)
                    if event.archived and create:  # archived meanwhile: announced no more
                        continue
                    step = await plan_scheduled_event(self.bot, guild.id, event,
                                                      my_permissions(guild),
                                                      create=create)
                    note = await run_scheduled_event(self.bot, guild.id, event_id, step)
            except EventNotFound:  # deleted meanwhile
                continue
            except Exception as exc:
                refused.refused(guild.id, event_id, create=create)
                log.log(logging.WARNING if isinstance(exc, Unavailable) else logging.ERROR,
                        "could not make or update the Discord event of event %s; noted for "
                        "the next change of the bot's roles", event_id, exc_info=exc)
            else:  # (what the moderator would have read: made, updated, or why not)
                log.info("Discord event of event %s, refused for want of Manage Events, tried "
                         "again: %s", event_id, language().text(note) if note else "-")

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.bot.refused_discord_events.forget_guild(guild.id)

    @contextlib.contextmanager
    def reading_for(self, moderator: int) -> Iterator[None]:
        """One more of the moderator's imports fetched and read, PER_MODERATOR at most at
        once: pages of every server are read on a few threads and processes, and a
        moderator sending the command again and again (scripted, or a key held down)
        queued a page each there, held in memory, for every other server to wait behind;
        no more of theirs could be live previews at once anyway."""
        reading = self._reading.get(moderator, 0)
        if reading >= PER_MODERATOR:
            raise Unavailable(N_("you already have {count} pages being read for /manage "
                                 "import; import this one once their previews are shown"),
                              count=reading)
        self._reading[moderator] = reading + 1
        try:
            yield
        finally:
            left = self._reading.pop(moderator) - 1
            if left:
                self._reading[moderator] = left

    @app_commands.command(name="import", description="Import an announcement or recap page")
    @app_commands.describe(
        page="The page as a .txt or .html file", url="Or the page's web address (http/https)",
        event="Add the page to this event (e.g. its recap)",
        title="Title of a new event",
        starts_at='Start in the server\'s timezone, e.g. "friday 6pm" or "2026-12-01 18:00"',
        ends_at='End, e.g. "8pm" or "2026-12-01 20:00"', venue="Where it takes place",
        capacity="Number of seats")
    async def import_page(self, interaction: Interaction,
                          page: discord.Attachment | None = None,
                          url: app_commands.Range[str, 1, MAX_URL_LENGTH] | None = None,
                          event: EventOption | None = None,
                          title: app_commands.Range[str, 1, MAX_TITLE] | None = None,
                          starts_at: str | None = None,
                          capacity: app_commands.Range[int, 1, MAX_CAPACITY] | None = None,
                          ends_at: str | None = None,
                          venue: app_commands.Range[str, 1, MAX_TITLE] | None = None
                          ) -> None:
        guild_id = guild_id_of(interaction)
        # An [event] that names nothing is refused first, before any page is read.
        adds_to = await resolve_event(interaction, event) if event else None
        if (page is None) == (url is None):
            raise InvalidValue(N_("Give the page either as a file ({page}: a .txt or .html "
                                  "file) or as a web address ({url}:), one of the two"),
                               page=option_name(interaction.locale, "page"),
                               url=option_name(interaction.locale, "url"))
        if capacity is not None:
            check_capacity(capacity)  # refused now, not after the preview
        if url is not None:
            check_url(url)  # a malformed address is refused at once, before deferring
        elif page is not None:
            importing.check_upload(page.filename, page.size)  # before its bytes are read
        zone = await self.bot.store.run(self.bot.store.settings.timezone, guild_id)
        start = (await typed_time(starts_at, zone, option_name(interaction.locale, "starts_at"))
                 if starts_at else When())
        # An end typed alone is read once the start the event will have is known (below).
        end = (await typed_time(ends_at, zone, option_name(interaction.locale, "ends_at"),
                                after=start) if ends_at and starts_at else When())
        typed = importing.typed_values(start, end, venue, title)
        if typed.starts_at is not None:  # an end alone takes the page's or the event's start
            check_order(typed.starts_at, typed.ends_at, all_day=typed.all_day)
        with self.reading_for(interaction.user.id):
            await defer(interaction)
            if url is not None:
                source = await importing.read_source(
                    url, policy=FetchPolicy.from_settings(self.bot.settings))
            elif page is not None:
                source = await importing.read_source(
                    page.filename, await downloaded(page, self.bot.settings.fetch_timeout))
            importing.check_page(source)
            plan = await importing.prepare(
                self.bot.store, guild_id, source, zone, typed=typed, capacity=capacity,
                adds_to=adds_to)
        if ends_at and not starts_at:
            # an end typed alone, read after the start the event will have (the page's,
            # or the event's): "8pm" is that day's, not the next 8 PM from now
            end = await typed_time(ends_at, zone, option_name(interaction.locale, "ends_at"),
                                   after=importing.start_of(plan))
            plan = importing.with_typed_end(plan, end)
        # a typed end, against the event's start (or the page's; it needs one)
        check_order(plan.starts_at, plan.ends_at, all_day=plan.all_day)
        check_all_day_end(plan.all_day, end)

        async def do_import(clicked: Interaction, saved: Callable[[], None]
                            ) -> tuple[str, discord.Embed]:
            return await save_import(clicked, plan, saved)

        # The preview expires (an edit with the command's token) within its time from the
        # command, not from now: reading a slow page, or a click refused as busy, must not
        # carry the edit past 15 minutes (HeldQuestion).
        preview = ImportPreview(interaction, self.previews,
                                self.bot.settings.import_preview_timeout, do_import,
                                page_chars=len(plan.source.text))
        await respond(interaction, preview_text(plan, member_language(interaction)),
                      ephemeral=True, view=preview)

    @app_commands.command(name="edit", description="Change an event's title, start, end, "
                          "venue or link", extras=OPENS_FORM)
    @app_commands.describe(event=EVENT_HELP)
    async def edit(self, interaction: Interaction, event: EventOption | None = None) -> None:
        async def event_and_zone() -> tuple[Event, str]:
            found = await resolve_event(interaction, event)
            return found, await self.bot.store.run(self.bot.store.settings.timezone,
                                                   found.guild_id)

        try:  # a form comes first or not at all: it cannot follow a deferral
            found, zone = await before_deadline(interaction, event_and_zone())
        except TimeoutError:
            raise DatabaseBusy() from None
        await interaction.response.send_modal(EditModal(
            found, zone, self.forms, member_language(interaction), moderator=interaction.user.id))

    @app_commands.command(name="timezone", description="The server's timezone, in which typed "
                          "times and pages without a zone are read")
    @app_commands.describe(zone="An IANA timezone such as Europe/Paris or Asia/Shanghai")
    async def timezone(self, interaction: Interaction,
                       zone: app_commands.Range[str, 1, 100]) -> None:
        name = check_zone_name(zone, discord.utils.utcnow())
        guild_id = guild_id_of(interaction)
        moved = await self.bot.store.run(self.bot.store.settings.set_timezone, guild_id, name)
        self.bot.signals.emit(RemindersChanged(guild_id))  # all-day events moved with it
        for event_id in moved:  # their announcements, roles and seats follow (as an edit's)
            self.changed(guild_id, event_id)
        now = discord.utils.utcnow().astimezone(server_zone(name))
        lang = member_language(interaction)
        await respond(interaction, lang._(
            "Times typed here are now read in **{zone}** (it is {time} there now); pages that "
            "give no zone too.", zone=zone_label(name), time=clock_text(lang, now)),
            ephemeral=True)

    @timezone.autocomplete("zone")
    async def timezone_autocomplete(self, interaction: Interaction,
                                    current: str) -> list[app_commands.Choice[str]]:
        current = without_invisible(current)  # as /manage timezone reads it when sent
        typed = zone_key(current)
        # (not tzdata's EST or MST, which a send sets as their homes' zones)
        names = [z for z in zone_names() if abbreviation_zone(z) is None]
        # "GMT+8" is Etc/GMT-8: offered first, so that Etc/GMT+8 (UTC−8) is not the pick;
        # "UTC+5:30", which no Etc zone is, the places on it today (Asia/Kolkata)
        # and those of the places a Chinese name typed is part of ("北京": Asia/Shanghai)
        # an abbreviation ("EST"): its home's zone (America/New_York), not tzdata's own;
        # each of several ("CST": US Central's and China's, not CST6CDT alone)
        offset = list(dict.fromkeys([*abbreviation_homes(current),
                                     *offset_zones(current, discord.utils.utcnow()),
                                     *zones_of_place(current)]))
        starting = [z for z in names if z.casefold().startswith(typed) and z not in offset]
        inside = [z for z in names if typed in z.casefold() and z not in starting + offset]
        return [app_commands.Choice(name=zone_label(z), value=z)
                for z in (offset + starting + inside)[:25]]

    @app_commands.command(name="language", description="The language of the bot's posts "
                          "in this server (members' own replies follow their Discord)")
    @app_commands.describe(language="Leave out to see the current one")
    @app_commands.choices(language=[*(app_commands.Choice(name=NAMES[code], value=code)
                                      for code in SHIPPED),
                                    app_commands.Choice(name=FOLLOW_DISCORD_NAME,
                                                        value=FOLLOW_DISCORD)])
    async def language(self, interaction: Interaction,
                       language: app_commands.Choice[str] | None = None) -> None:
        guild_id = guild_id_of(interaction)
        lang = member_language(interaction)
        before = await server_language(interaction)
        if language is not None and language.value == FOLLOW_DISCORD:
            # the choice undone: the server's language in Discord again, as by default
            await self.bot.languages.choose(guild_id, None)
            now = await server_language(interaction)
            text = lang._("The bot's posts in this server now follow the server's language "
                          "in Discord: **{language}**.", language=NAMES[now.code])
            if not speaks_servers_language(interaction):
                text += " " + lang._("The bot does not speak that language, so it posts "
                                     "in English.")
        elif language is not None:
            await self.bot.languages.choose(guild_id, language.value)
            text = lang._("The bot's posts in this server are now in **{language}**. Replies "
                          "only a member sees stay in the language of their Discord.",
                          language=NAMES[language.value])
        else:
            chosen = await self.bot.languages.chosen(guild_id)
            current = before.code  # nothing chose another since
            if chosen:
                text = lang._("The bot's posts in this server are in **{language}**, chosen "
                              "with `/manage language`.", language=NAMES[current])
            elif speaks_servers_language(interaction):
                text = lang._("The bot's posts in this server are in **{language}**, the "
                              "server's language in Discord; choose another with "
                              "`/manage language`.", language=NAMES[current])
            else:  # English as the fallback, not as the server's language
                text = lang._("The bot's posts in this server are in **{language}**, as the "
                              "bot does not speak the server's language in Discord; choose "
                              "another with `/manage language`.", language=NAMES[current])
        await respond(interaction, text, ephemeral=True)
        if language is not None:
            await self.show_in_language(guild_id, before, bot_permissions(interaction))

    async def show_in_language(self, guild_id: int, before: Language,
                               permissions: discord.Permissions) -> None:
        """After a change of the server's language (from `before`): the announcements
        already posted are shown again in the new one, and its Discord events described in
        two languages show the new one first (`bot.reminders.scheduled_event_details`);
        the others are left as they are. After the reply: each is a request to Discord."""
        store = self.bot.store
        for _, event_id in await store.run(store.notices.events_with_announcements, guild_id):
            self.changed(guild_id, event_id)
        after = await self.bot.languages.for_guild(guild_id, self.bot)
        for event_id in await store.run(store.reminders.with_scheduled_events, guild_id):
            try:
                event = await store.run(store.events.get_event, guild_id, event_id)
            except EventNotFound:  # deleted meanwhile
                continue
            if reader_first(after, event.description) != reader_first(before, event.description):
                await sync_scheduled_event(self.bot, guild_id, event, permissions,
                                           create=False)

    @app_commands.command(name="close", description="Close registration: nobody can join")
    @app_commands.describe(event=EVENT_HELP, reason="Shown to members who try to join")
    async def close(self, interaction: Interaction, event: EventOption | None = None,
                    reason: app_commands.Range[str, 1, 200] | None = None) -> None:
        found = await resolve_event(interaction, event)
        check_not_archived(found.archived)
        await registration.close(self.bot.store, self.changed, found.guild_id, found.id, reason,
                                 by=interaction.user.id)
        await respond(interaction, member_language(interaction)._(
            "Registration for **{title}** is closed.", title=safe(found.title)), ephemeral=True)

    @app_commands.command(name="open", description="Reopen registration")
    @app_commands.describe(event=EVENT_HELP)
    async def open(self, interaction: Interaction, event: EventOption | None = None) -> None:
        found = await resolve_event(interaction, event)
        check_not_archived(found.archived)
        promotions = await registration.reopen(self.bot.store, self.changed, found.guild_id,
                                               found.id, by=interaction.user.id)
        lang = member_language(interaction)
        opened = lang._("Registration for **{title}** is open.", title=safe(found.title))
        await respond(interaction, lang.sentences(opened, promoted_note(lang, promotions)),
                      ephemeral=True)

    @app_commands.command(name="capacity", description="Change the number of seats")
    @app_commands.describe(seats="The new number of seats", event=EVENT_HELP)
    async def capacity(self, interaction: Interaction,
                       seats: app_commands.Range[int, 1, MAX_CAPACITY],
                       event: EventOption | None = None) -> None:
        found = await resolve_event(interaction, event)
        check_not_archived(found.archived)
        promotions = await registration.set_capacity(self.bot.store, self.changed,
                                                     found.guild_id, found.id, seats)
        lang = member_language(interaction)
        changed = lang.ngettext(
            "**{title}** now has {seats:,} seat.", "**{title}** now has {seats:,} seats.", seats,
            title=safe(found.title), seats=seats)
        await respond(interaction, lang.sentences(changed, promoted_note(lang, promotions)),
                      ephemeral=True)

    @app_commands.command(name="remove", description="Remove a member's RSVP; a seat it frees "
                          "goes to the waitlist")
    @app_commands.describe(member="The member whose seat or waitlist place to remove",
                           event=EVENT_HELP)
    async def remove(self, interaction: Interaction, member: discord.User,
                     event: EventOption | None = None) -> None:
        found = await resolve_summary(interaction, event)
        check_not_archived(found.archived)
        result = await registration.remove(self.bot.store, self.changed, guild_id_of(interaction),
                                           found.id, member.id, interaction.user.id)
        await respond(interaction, removed_reply(member_language(interaction), member.mention,
                                                 found.title, result), ephemeral=True)

    @app_commands.command(name="announce", description="Post the event with Join/Cancel buttons")
    @app_commands.describe(event=EVENT_HELP, channel="Where to post (default: the "
                           "announcements channel)")
    async def announce(self, interaction: Interaction, event: EventOption | None = None,
                       channel: discord.TextChannel | None = None) -> None:
        # Everything that can be refused is checked before the message is posted, and a
        # repeat edits the message already there: a retry never posts the event twice.
        found = await resolve_event(interaction, event)
        check_not_archived(found.archived)  # hidden, and taking no RSVPs: nothing to announce
        problem = saved_times_problem(found.starts_at, found.ends_at)
        if problem:
            raise Conflict(N_("{title} can't be announced: {problem}; set another start with "
                              "/manage edit"), title=found.title, problem=problem)
        target = channel or await announce_channel(self.bot, found.guild_id)
        if target is None:
            if (reason := timed_out(interaction.guild)) is not None:  # no channel would do
                raise NotAllowed(reason)
            raise NotFound(N_("I can't find a channel I'm allowed to post in; pick one with "
                              "the {channel} option or /manage channel"),
                           channel=OptionName("channel"))
        if not can_post_embeds(target):
            raise NotAllowed(cannot_post(target))
        server_lang = await server_language(interaction)
        # Posting can wait out the channel's rate limit (5 sends per 5 s), longer than the
        # 3 s the first answer may take: answer first.
        await defer(interaction)
        async with self.bot.event_steps.hold(found.id):  # a second announce waits, then edits
            # The event as it is now: a deletion that held the lock first has removed it
            # (EventNotFound), and an edit made while this waited has moved it, which the
            # Discord event made here must show (nothing would move it again).
            found = await self.bot.store.run(self.bot.store.events.get_event, found.guild_id,
                                             found.id)
            check_not_archived(found.archived)
            scheduled = await plan_scheduled_event(self.bot, found.guild_id, found,
                                                   bot_permissions(interaction), create=True)
            posted = await post_announcement(self.bot, found.id, target,
                                             event_embed(server_lang, found),
                                             button_state(found), server_lang)
            # The announcements are kept current from here (and refreshed when it ends).
            self.bot.registration_changed(found.guild_id, found.id)
            note = await run_scheduled_event(self.bot, found.guild_id, found.id, scheduled)
        lang = member_language(interaction)
        fields = {"title": safe(found.title), "channel": target.mention}
        text = (lang._("Posted **{title}** in {channel}.", **fields) if posted == "posted" else
                lang._("Posted **{title}** in {channel} earlier; I updated that message rather "
                       "than post it twice.", **fields) if posted == "updated" else
                lang._("Posted **{title}** in {channel} earlier; this Discord server does not "
                       "offer editing messages, so that message shows it as it was, and is "
                       "brought up to date once the server lets me.", **fields))
        await respond(interaction, lang.sentences(text, lang.text(note) if note else ""),
                      ephemeral=True)

    @app_commands.command(name="channel", description="Set the channel for the bot's announcements")
    @app_commands.describe(channel="The announcements channel")
    async def channel(self, interaction: Interaction,
                      channel: discord.TextChannel) -> None:
        if not can_post_embeds(channel):
            raise NotAllowed(cannot_post(channel))
        await self.bot.store.run(self.bot.store.settings.set_announce_channel,
                                 guild_id_of(interaction), channel.id)
        await respond(interaction, member_language(interaction)._(
            "Announcements will go to {channel}.", channel=channel.mention), ephemeral=True)

    @app_commands.command(name="attendees", description="Download the RSVPs as a CSV file")
    @app_commands.describe(event=EVENT_HELP)
    async def attendees(self, interaction: Interaction, event: EventOption | None = None) -> None:
        found = await resolve_event(interaction, event)
        # A large event's list takes a while to read and pack: answer within 3 s first.
        await defer(interaction)
        # Read as of one moment beside the other members' requests, and written into the
        # file a chunk at a time (`Store.attendees`).
        upload = AttendeesUpload(f"{found.slug}-attendees", interaction.filesize_limit)
        async with contextlib.aclosing(self.bot.store.attendees(found.id)) as chunks:
            async for chunk in chunks:
                await off_loop(upload.add, chunk)
        attached = await off_loop(upload.file)
        if attached is None:
            raise NotAllowed(N_("the list of {count:,} RSVPs is too large to upload here, even "
                                "zipped; on the bot's machine, `python -m bot rsvps {event} "
                                "--csv` writes it"), count=upload.count, event=found.id)
        filename, data = attached
        # Counted from the list sent, which joins since the event was read have changed.
        await respond(interaction, member_language(interaction)._(
            "{confirmed} confirmed, {waitlisted} waitlisted for **{title}**.",
            confirmed=f"{upload.confirmed:,}", waitlisted=f"{upload.count - upload.confirmed:,}",
            title=safe(found.title)),
            ephemeral=True, file=discord.File(io.BytesIO(data), filename=filename))

    @app_commands.command(name="reminders", description="When confirmed members get a DM "
                          "before an event starts")
    @app_commands.describe(minutes='Minutes before the start, e.g. "1440,60" for a day and an '
                           'hour before, or "off"')
    async def reminders(self, interaction: Interaction,
                        minutes: app_commands.Range[str, 1, 100]) -> None:
        guild_id = guild_id_of(interaction)
        offsets = parse_minutes(minutes)
        await self.bot.store.run(self.bot.store.settings.set_reminder_minutes, guild_id, offsets)
        self.bot.signals.emit(RemindersChanged(guild_id))
        lang = member_language(interaction)
        if not offsets:
            text = lang._("Reminders are off: members get no DM before events.")
        elif len(offsets) == 1:
            text = lang._("Confirmed members will get a DM {before} before each event starts "
                          "(at once if they confirm later than that).",
                          before=minutes_text(lang, offsets))
        else:  # said as so many DMs: "a DM 1 day and 1 hour before" reads as one, 25 hours
            text = lang._("Confirmed members will get {count} DMs before each event starts: "
                          "{before} before it (each at once if they confirm later than that).",
                          count=len(offsets), before=minutes_text(lang, offsets))
        await respond(interaction, text, ephemeral=True)

    @app_commands.command(name="role", description="Give an event's confirmed members a role "
                          "until it ends")
    @app_commands.describe(role="The role to give (leave out with clear)", event=EVENT_HELP,
                           clear="Stop giving a role for this event and take it back")
    async def role(self, interaction: Interaction, role: ServerRole | None = None,
                   event: EventOption | None = None, clear: bool = False) -> None:
        found = await resolve_event(interaction, event)
        lang = member_language(interaction)
        title = safe(found.title)
        if clear:
            previous = await self.bot.store.run(self.bot.store.reminders.set_attendee_role,
                                                found.guild_id, found.id, None)
            self.bot.signals.emit(AttendeeRoleChanged(found.guild_id, found.id))
            await respond(interaction, lang._(
                "**{title}** gives no role now. Its members lose {role}.", title=title,
                role=f"<@&{previous}>") if previous else lang._(
                "**{title}** gives no role now.", title=title), ephemeral=True)
            return
        if role is None:
            raise InvalidValue(N_("name the role to give, or use the {clear} option to stop "
                                  "giving one"), clear=OptionName("clear"))
        guild, giver = interaction.guild, interaction.user
        if guild is None or guild.me is None or not isinstance(giver, discord.Member):
            raise Unavailable(N_("I can't see this server's roles yet; try again in a moment"))
        problem = attendee_role_problem(role, guild.me, giver)
        if problem is not None:
            raise NotAllowed(problem)
        check_not_over(found, discord.utils.utcnow())
        await self.bot.store.run(self.bot.store.reminders.set_attendee_role,
                                 found.guild_id, found.id, role.id)
        self.bot.signals.emit(AttendeeRoleChanged(found.guild_id, found.id))
        await respond(interaction, lang._(
            "Confirmed members of **{title}** get {role}, now ({count} so far) and as they join "
            "or leave the waitlist; it is taken back when they cancel and after the event.",
            title=title, role=role.mention, count=f"{found.confirmed:,}"), ephemeral=True)

    @app_commands.command(name="scheduled-events", description="Also list announced events "
                          "in the server's Discord events")
    @app_commands.describe(state="on: /manage announce creates a Discord event; off: it doesn't")
    async def scheduled_events(self, interaction: Interaction,
                               state: Literal["on", "off"]) -> None:
        await self.bot.store.run(self.bot.store.settings.set_scheduled_events,
                                 guild_id_of(interaction), state == "on")
        lang = member_language(interaction)
        await respond(interaction, lang._(
            "/manage announce now also creates a Discord event, and imports keep it up to "
            "date.") if state == "on" else lang._(
            "/manage announce no longer creates Discord events (those already created stay)."),
            ephemeral=True)

    # -- an event's end: delete (after a confirmation) and archive -----------------

    @app_commands.command(name="delete", description="Delete an event with its RSVPs and "
                          "announcements (asks first)")
    @app_commands.describe(event=EVENT_HELP)
    async def delete(self, interaction: Interaction, event: EventOption | None = None) -> None:
        found = await resolve_event(interaction, event)
        view = DeleteConfirmation(interaction, found.id, found.title, self.questions,
                                  self.bot.settings.delete_question_timeout)
        await respond(interaction, deletion_question(member_language(interaction), found.title,
                                                     found.confirmed, found.waitlisted,
                                                     found.is_over(discord.utils.utcnow())),
                      ephemeral=True, view=view)

    @app_commands.command(name="archive", description="Hide an event from lists and stop its "
                          "RSVPs (undo brings it back)")
    @app_commands.describe(event=EVENT_HELP, undo="Unarchive the event instead")
    async def archive(self, interaction: Interaction, event: EventOption | None = None,
                      undo: bool = False) -> None:
        found = await resolve_summary(interaction, event)
        guild_id = guild_id_of(interaction)
        # Held, as a deletion is: an announce in flight records the Discord event it makes
        # before the archiving looks for one to take off the server's Events.
        async with self.bot.event_steps.hold(found.id):
            was = await self.bot.store.run(self.bot.store.events.set_archived,
                                           guild_id, found.id, not undo)
            unlisted = None
            if not undo and not was:
                archived = await self.bot.store.run(self.bot.store.events.get_event,
                                                    guild_id, found.id)
                unlisted = await removed_on_archive(self.bot, guild_id, archived,
                                                    bot_permissions(interaction))
        self.changed(guild_id, found.id)  # its announcements' buttons follow
        lang, title = member_language(interaction), safe(found.title)
        if undo:
            text = (lang._("**{title}** is back in /event list and takes RSVPs as before.",
                           title=title) if was
                    else lang._("**{title}** wasn't archived; nothing changed.", title=title))
        else:
            text = (lang._("**{title}** was already archived.", title=title) if was else
                    lang._("Archived **{title}**: it is hidden from /event list (see it with "
                           "`/event list {past}:True`), refuses new RSVPs and its announcement "
                           "buttons are disabled. Undo with `/manage archive {undo}:True`.",
                           title=title, past=lang.option_name("past"),
                           undo=lang.option_name("undo")))
            if unlisted is not None:
                text = lang.sentences(text, lang.text(unlisted))
        await respond(interaction, text, ephemeral=True)


def speaks_servers_language(interaction: Interaction) -> bool:
    """Whether the bot speaks the server's language in Discord (else it posts in English)."""
    server_locale = guild_locale(interaction)
    return shipped(server_locale) == str(server_locale)


async def setup(bot: EventBot) -> None:
    await bot.add_cog(ManageCommands(bot))
