"""Discord scheduled events: the server's Events list shows each announced event.

`/manage announce` creates the guild scheduled event of an event (or updates it, when
`events.scheduled_event_id` says there is one); `/manage import` updates an existing
one, so a re-import keeps its name, time, place and description in step. Servers turn
it off with `/manage scheduled-events off`. Not an extension (no `setup`): the
`/manage` commands call `sync_scheduled_event`, or plan the step before
posting and run it after (`plan_scheduled_event`, `run_scheduled_event`).

Status changes (completing the Discord event) are left to Discord and the moderators:
Discord ends an external event at its end time by itself. One deleted, ended or
cancelled on Discord takes no update: the bot forgets it at the first refusal (an
announcement then makes a new one), or, without the permission to update it, when Discord
no longer lists it. A deleted event's Discord event is deleted with it
(`delete_scheduled_event`).

Whether an event has begun or is over is judged by the wall clock as trusted
(`bot.clock`): ending a Discord event, or removing one, cannot be undone, and a step of
the host's clock ahead, set right soon after, would otherwise end or remove the Discord
event of every event it made look begun. Should the step be the clock set right (it was
behind), Discord, whose clock is right, refuses what the bot then asks of an event it
takes as begun, and the moderator is told so; nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

import discord

from bot.adapters.missing_routes import (
    DISCORD_EVENTS,
    route_missing,
    route_offered,
    say_missing,
    thing_gone,
)
from bot.adapters.role_changes import may_schedule, my_permissions, timed_out_until
from bot.app import EventBot
from bot.errors import EventNotFound
from bot.i18n import N_, Markup, Text
from bot.models import Event
from bot.reminders import (
    STATUS_ACTIVE,
    STATUS_COMPLETED,
    ScheduledEventDetails,
    begun_event_payload,
    discord_event_begun,
    discord_takes_start,
    scheduled_event_details,
    scheduled_event_payload,
    scheduled_event_problem,
)
from bot.render import clip
from bot.times import timestamp

log = logging.getLogger(__name__)

REASON = "eventbot: the event's details"
# Seconds a moderator's deletion waits for its Discord event's (`kept_on_delete`)
DELETE_WAIT = 5.0


@dataclass(frozen=True, slots=True)
class ScheduledEventStep:
    """What syncing an event's Discord scheduled event will do, worked out before anything
    is posted: what to send, or only a sentence for the moderator (or nothing), translated
    where the moderator's reply is written."""

    note: Text | None = None
    details: ScheduledEventDetails | None = None
    existing: int | None = None  # the Discord event to update, if there is one
    create: bool = False
    enabled: bool = True  # the server's /manage scheduled-events
    begun: bool = False  # `existing` has begun: its start stays (`begun_event_payload`)


UPDATED = Text(N_("The Discord event is updated."))
# Discord's answer to an update of a scheduled event that has ended or been cancelled.
FINISHED_EVENT = 180000
# Discord's answer to a create in a server that has 100 scheduled events to come or going
# on ("Maximum number of uncompleted guild scheduled events reached").
TOO_MANY_EVENTS = 30038


def discord_said(exc: discord.HTTPException) -> str:
    """Discord's refusal as a moderator's reply quotes it: one line (a proxy's 502 may
    answer a page of HTML), at most 200 characters, without a closing full stop (the
    reply's sentence has its own), its status where it said nothing."""
    return clip(" ".join((exc.text or str(exc.status)).split()), 200).rstrip(".") or "?"


def gone_on_discord(exc: discord.HTTPException) -> bool:
    """Whether Discord's refusal says the Discord event is no more to update: deleted
    (10070 Unknown Guild Scheduled Event), or finished (ended at its end, or cancelled).
    Not a 404 without a code: the server does not offer the route, and the Discord event
    may well be listed still."""
    return thing_gone(exc) or exc.code == FINISHED_EVENT


async def plan_scheduled_event(bot: EventBot, guild_id: int, event: Event,
                               permissions: discord.Permissions, *,
                               create: bool) -> ScheduledEventStep:
    """Everything that can be decided without asking Discord, so that a command can
    check it before it posts anything. Turned off for the server (`/manage
    scheduled-events off`), nothing new is created, but a Discord event made before stays
    listed, so it keeps following its event."""
    _, enabled = await bot.store.run(bot.store.settings.reminder_settings, guild_id)
    create = create and enabled
    existing = await bot.store.run(bot.store.reminders.scheduled_event_id, guild_id, event.id)
    if existing is None and not create:
        return ScheduledEventStep()
    now = bot.wall_clock.trusted()  # (see the module: a step ahead ends none early)
    problem = scheduled_event_problem(event, now)
    # One listed already that has begun still follows its event, all but its start.
    begun = problem is not None and existing is not None and discord_event_begun(event, now)
    if problem is not None and not begun:  # an import after the start needs no note
        return ScheduledEventStep(_not_made(existing is None, problem) if create else None)
    create = create and not begun  # none is made for an event begun: Discord takes none
    if not may_schedule(permissions):
        # Deleted, ended or cancelled on Discord meanwhile, there is nothing to update: the
        # moderator is told that, once (it is forgotten), and what a new one would take.
        gone = existing is not None and await forgot_if_gone(bot, guild_id, event.id, existing)
        if gone and not create:
            return ScheduledEventStep(_gone_unpermitted(enabled and not begun))
        if not given_meanwhile(bot, guild_id):
            # (No await from this look to the note: a grant after it finds the event noted.)
            bot.refused_discord_events.refused(guild_id, event.id, create=create)
            return ScheduledEventStep(_no_permission(bot, guild_id, existing is None or gone))
        existing = None if gone else existing
    lang = await bot.languages.for_guild(guild_id, bot)  # what the whole server reads
    return ScheduledEventStep(details=scheduled_event_details(event, lang), existing=existing,
                              create=create, enabled=enabled, begun=begun)


def given_meanwhile(bot: EventBot, guild_id: int) -> bool:
    """Whether the bot has Manage Events (or Create Events) now, as the gateway shows the
    server, where the permissions a step was given (read before it waited for the event's
    lock, or for the store and Discord) said it had not: the moderators' grant came
    meanwhile, and `RefusedDiscordEvents.granted` looked for this event before it was
    noted as refused, so noting it now would leave it waiting for a grant already made,
    and the reply would promise what never comes."""
    guild = bot.get_guild(guild_id)
    return guild is not None and may_schedule(my_permissions(guild))


async def run_scheduled_event(bot: EventBot, guild_id: int, event_id: int,
                              step: ScheduledEventStep) -> Text | None:
    """Send what `plan_scheduled_event` decided; returns a sentence for the moderator's
    reply. Never raises for Discord's refusals: the announcement itself has already worked.
    """
    details = step.details
    if details is None:
        return step.note
    existing, create = step.existing, step.create
    creating = existing is None
    made = Text(N_("It is also in the server's Discord events."))
    bot.refused_discord_events.settled(guild_id, event_id)  # (or refused again, below)
    try:
        if existing is not None:
            try:
                # By id, not `ScheduledEvent.edit`: that is a method of a ScheduledEvent the
                # bot would have to fetch first (it has no scheduled-event intent, so its
                # cache is not current), two requests where Discord needs one.
                payload = (begun_event_payload(details, bot.wall_clock.trusted()) if step.begun
                           else scheduled_event_payload(details))
                if payload.get("status") == STATUS_COMPLETED:
                    await end_scheduled_event(bot, guild_id, existing)
                    route_offered(DISCORD_EVENTS)
                    return Text(N_("Its Discord event is ended."))
                await bot.http.edit_scheduled_event(guild_id, existing, reason=REASON,
                                                    **payload)
                route_offered(DISCORD_EVENTS)
                return UPDATED
            except discord.HTTPException as exc:
                if not step.begun and await started_by_hand(bot, guild_id, existing,
                                                            details.start, exc):
                    # Started in Discord's client before its start: Discord keeps the
                    # start of one begun, so it would go on at the old time for good.
                    refused = await delete_scheduled_event(
                        bot, guild_id, existing, "eventbot: the event was moved after it began")
                    if refused is not None:
                        raise refused from exc
                    await bot.store.run(bot.store.reminders.set_scheduled_event_id,
                                        guild_id, event_id, None)
                    if not step.enabled:  # (as `remove_for_move`: no new one)
                        return Text(N_("Its Discord event had begun, and Discord cannot move "
                                       "one that has: it is removed."))
                    made = Text(N_("Its Discord event had begun, and Discord cannot move one "
                                   "that has: it is replaced by one at the new time."))
                elif gone_on_discord(exc):
                    # Deleted on Discord, or finished there (ended at its end, or cancelled),
                    # which takes no update again: forgotten, so that neither is tried
                    # again. An edit or import leaves it so, and says it once; an
                    # announcement makes a new one.
                    log.info("Discord event %s of event %s is gone on Discord (%s %s); "
                             "forgotten", existing, event_id, exc.status, exc.code)
                    await bot.store.run(bot.store.reminders.set_scheduled_event_id,
                                        guild_id, event_id, None)
                    if not create:  # (none is made for an event begun: Discord takes none)
                        return (Text(N_("Its Discord event was deleted, ended or cancelled on "
                                        "Discord; /manage announce makes a new one."))
                                if step.enabled and not step.begun else
                                Text(N_("Its Discord event was deleted, ended or cancelled on "
                                        "Discord.")))
                else:
                    raise
                creating = True
        guild = bot.get_guild(guild_id)
        if guild is None:  # left the server meanwhile
            return None
        created = await guild.create_scheduled_event(
            name=details.name, description=details.description or discord.utils.MISSING,
            start_time=details.start, end_time=details.end,
            entity_type=discord.EntityType.external, location=details.location,
            privacy_level=discord.PrivacyLevel.guild_only, reason=REASON)
        route_offered(DISCORD_EVENTS)
        await bot.store.run(bot.store.reminders.set_scheduled_event_id,
                            guild_id, event_id, created.id)
        await remove_copies(bot, guild, created)
        return made
    except discord.Forbidden:
        bot.refused_discord_events.refused(guild_id, event_id, create=create)
        return _no_permission(bot, guild_id, creating)
    except discord.HTTPException as exc:
        if creating and exc.code == TOO_MANY_EVENTS:
            # Not tried again by itself: room is made only by the moderators (or by time).
            log.info("no Discord event for event %s: guild %s has Discord's most", event_id,
                     guild_id)
            return Text(N_("No Discord event created: the server already has 100 Discord "
                           "events to come or going on, Discord's limit; end or delete old "
                           "ones under the server's Events, then use /manage announce again."))
        if route_missing(exc):  # the event is announced all the same, without one
            say_missing(log, DISCORD_EVENTS, "events are announced without them", exc)
            return (Text(N_("No Discord event created: this Discord server does not let "
                            "bots make Discord events.")) if creating else
                    Text(N_("Its Discord event was not updated: this Discord server does not "
                            "let bots change Discord events.")))
        log.warning("Discord refused the scheduled event of event %s: %s %s", event_id,
                    exc.status, exc.text)
        refusal = discord_said(exc)
        if exc.status >= 500 or exc.status == 429:
            # Discord's trouble (its edge's ban of the address is a 429 discord.py does not
            # wait out), not a refusal of the event: the same request may work soon.
            return (Text(N_("Discord failed to create the Discord event ({refusal}); use "
                            "/manage announce again in a few minutes to make it."),
                         refusal=refusal) if creating else
                    Text(N_("Discord failed to update the Discord event ({refusal}); use "
                            "/manage announce again in a few minutes to bring it up to "
                            "date."), refusal=refusal))
        return (Text(N_("Discord refused to create the Discord event: {refusal}."),
                     refusal=refusal) if creating else
                Text(N_("Discord refused to update the Discord event: {refusal}."),
                     refusal=refusal))


async def end_scheduled_event(bot: EventBot, guild_id: int, scheduled_event_id: int) -> None:
    """End a Discord event whose event is over (COMPLETED). Discord ends only one going on
    (ACTIVE): it begins an external one at its start by itself, but a little late, and
    refuses (400) to end one it has not begun yet. That one is begun, then ended: the event
    did take place (cancelling it, which Discord takes, would say it did not)."""
    try:
        await bot.http.edit_scheduled_event(guild_id, scheduled_event_id, reason=REASON,
                                            status=STATUS_COMPLETED)
        return
    except discord.HTTPException as exc:
        if exc.status != 400 or gone_on_discord(exc):
            raise
        log.info("Discord would not end Discord event %s of guild %s (%s); beginning it first",
                 scheduled_event_id, guild_id, exc.code)
    await bot.http.edit_scheduled_event(guild_id, scheduled_event_id, reason=REASON,
                                        status=STATUS_ACTIVE)
    await bot.http.edit_scheduled_event(guild_id, scheduled_event_id, reason=REASON,
                                        status=STATUS_COMPLETED)


async def remove_copies(bot: EventBot, guild: discord.Guild,
                        kept: discord.ScheduledEvent) -> None:
    """Delete the bot's other Discord events just like `kept` that no event records. A
    create has no nonce: Discord may carry it out and answer 500 or 504, and discord.py
    then sends it again; or a process dies between Discord making it and the bot recording
    it, and the next announce makes another. The copy would stay listed for good, never
    moved with the event nor deleted with it. A failure here is only logged: the
    announcement and its Discord event have worked."""
    me = bot.user.id if bot.user else None
    try:
        copies = [made for made in await guild.fetch_scheduled_events(with_counts=False)
                  if made.id != kept.id and made.creator_id == me and made.name == kept.name
                  and made.start_time == kept.start_time and made.location == kept.location]
        if not copies:
            return
        store = bot.store
        recorded = {await store.run(store.reminders.scheduled_event_id, guild.id, event_id)
                    for event_id in await store.run(store.reminders.with_scheduled_events,
                                                    guild.id)}
    except (discord.HTTPException, EventNotFound) as exc:
        log.warning("could not look for copies of Discord event %s of guild %s: %s", kept.id,
                    guild.id, exc)
        return
    for made in copies:
        if made.id not in recorded:
            await delete_scheduled_event(bot, guild.id, made.id,
                                         "eventbot: a copy of the event's Discord event")


async def sync_scheduled_event(bot: EventBot, guild_id: int, event: Event,
                               permissions: discord.Permissions, *, create: bool) -> Text | None:
    """Create (with `create`) or update the event's Discord scheduled event.

    Returns a sentence for the moderator's reply, or None when there is nothing to
    say (no Discord event to update, and none to create: not asked, or turned off).
    """
    async with bot.event_steps.hold(event.id):
        step = await plan_scheduled_event(bot, guild_id, event, permissions, create=create)
        return await run_scheduled_event(bot, guild_id, event.id, step)


async def listed_on_discord(bot: EventBot, guild_id: int, scheduled_event_id: int
                            ) -> bool | None:
    """Whether the Discord event is still listed (to come, or going on), asked of Discord:
    reading an external event takes no permission, so the bot can tell a deleted, ended or
    cancelled one from one it lacks the permission to update. None: Discord did not say."""
    try:
        data = await bot.http.get_scheduled_event(guild_id, scheduled_event_id,
                                                  with_user_count=False)
    except discord.HTTPException as exc:
        if thing_gone(exc):
            return False
        log.warning("could not look up Discord event %s of guild %s: %s %s",
                    scheduled_event_id, guild_id, exc.status, exc.text)
        return None
    return data.get("status") not in (discord.EventStatus.completed.value,
                                      discord.EventStatus.cancelled.value)


async def started_by_hand(bot: EventBot, guild_id: int, scheduled_event_id: int,
                          start: datetime, refusal: discord.HTTPException) -> bool:
    """Whether Discord's refusal (400) to move the start of a Discord event the bot takes
    as to come is for its having begun (ACTIVE) at another start, asked of Discord: a
    moderator started it in Discord's client ("Start Event") before the event's start."""
    if refusal.status != 400 or gone_on_discord(refusal):
        return False
    try:
        data = await bot.http.get_scheduled_event(guild_id, scheduled_event_id,
                                                  with_user_count=False)
    except discord.HTTPException:
        return False
    return (data.get("status") == STATUS_ACTIVE
            and discord.utils.parse_time(data.get("scheduled_start_time")) != start)


async def start_on_discord(bot: EventBot, guild_id: int, scheduled_event_id: int
                           ) -> datetime | None:
    """The start the Discord event shows now, asked of Discord; None when Discord did not
    say (gone, or an error)."""
    try:
        data = await bot.http.get_scheduled_event(guild_id, scheduled_event_id,
                                                  with_user_count=False)
    except discord.HTTPException:
        return None
    return discord.utils.parse_time(data.get("scheduled_start_time"))


async def forgot_if_gone(bot: EventBot, guild_id: int, event_id: int,
                         scheduled_event_id: int) -> bool:
    """For a bot without the permission to update or delete the event's Discord event: if
    Discord no longer lists it (deleted, ended or cancelled there), it is forgotten, and
    True; otherwise (or when Discord did not say) it is kept, and False."""
    if await listed_on_discord(bot, guild_id, scheduled_event_id) is not False:
        return False
    log.info("Discord event %s of event %s is gone on Discord; forgotten", scheduled_event_id,
             event_id)
    await bot.store.run(bot.store.reminders.set_scheduled_event_id, guild_id, event_id, None)
    return True


def start_moved_from(before: Event | None, saved: Event) -> datetime | None:
    """The start moment (`Event.start_moment`) a change moved the event from, for
    `follow_change`: None when it kept its start (or had none, or is new)."""
    if before is None or before.start_moment == saved.start_moment:
        return None
    return before.start_moment


async def follow_change(bot: EventBot, guild_id: int, moved_from: datetime | None,
                        saved: Event, permissions: discord.Permissions) -> Text | None:
    """After an edit or an import changed the event (`moved_from`: the start moment it
    moved from, `start_moved_from`; None when its start stayed): its Discord event, if it
    has one, follows. Discord moves a Discord event only from a start to come to a start
    to come (`discord_takes_start`): one whose event is moved into the past (or to moments
    away) is removed, and one that has begun (ACTIVE), whose event is put off, is replaced
    by one at the new time; neither left saying the old time. One that has begun otherwise
    takes the rest of the change (name, place, end), and is ended when its event's end is
    moved to now or before; its start moved to another moment past, it keeps the one it
    began at, and the moderator is told so. The same for an import made elsewhere (the
    command line), from its refresh notice (`RefreshPayload.moved_from`)."""
    now = bot.wall_clock.trusted()  # (see the module: a step ahead removes none early)
    start_kept = False
    if moved_from is not None and moved_from != saved.start_moment:
        movable = discord_takes_start(moved_from, now)
        taken = discord_takes_start(saved.start_moment, now)
        if movable and not taken:
            return await remove_for_move(bot, guild_id, saved, permissions, replace=False)
        if not movable and taken:
            return await remove_for_move(bot, guild_id, saved, permissions, replace=True)
        start_kept = not movable
    note = await sync_scheduled_event(bot, guild_id, saved, permissions, create=False)
    if start_kept and note == UPDATED:
        return Text(N_("The Discord event is updated but for its start: Discord keeps the "
                       "start of one that has begun."))
    return note


async def remove_for_move(bot: EventBot, guild_id: int, event: Event,
                          permissions: discord.Permissions, *, replace: bool) -> Text | None:
    """The event's start moved where its Discord event cannot follow (`follow_change`): it
    is deleted (one deleted on Discord already is forgotten), and with `replace` a new one
    made at the new start (if the server has Discord events on). Removed also when the
    server turned Discord events off: that stops new ones, not this one's care. Returns a
    sentence for the moderator's reply, or None (it has none)."""
    async with bot.event_steps.hold(event.id):
        existing = await bot.store.run(bot.store.reminders.scheduled_event_id, guild_id,
                                       event.id)
        if existing is None:
            return None
        refused = await delete_scheduled_event(
            bot, guild_id, existing, "eventbot: the event was moved after it began" if replace
            else "eventbot: the event was moved into the past")
        if refused is not None:
            return Text(N_("I couldn't remove its Discord event, still at the old time: delete "
                           "it by hand (Discord: {refusal})."),
                        refusal=discord_said(refused))
        await bot.store.run(bot.store.reminders.set_scheduled_event_id, guild_id, event.id,
                            None)
        if not replace:
            return Text(N_("Its Discord event is removed: Discord only takes events to come. "
                           "Once the date is right, /manage announce makes a new one."))
        step = await plan_scheduled_event(bot, guild_id, event, permissions, create=True)
        note = await run_scheduled_event(bot, guild_id, event.id, step)
        if await bot.store.run(bot.store.reminders.scheduled_event_id, guild_id,
                               event.id) is not None:
            return Text(N_("Its Discord event had begun, and Discord cannot move one that "
                           "has: it is replaced by one at the new time."))
    return note or Text(N_("Its Discord event had begun, and Discord cannot move one that "
                           "has: it is removed."))


def _not_made(creating: bool, problem: Text) -> Text:
    return (Text(N_("No Discord event created: {problem}."), problem=problem) if creating
            else Text(N_("No Discord event updated: {problem}."), problem=problem))


def _gone_unpermitted(enabled: bool) -> Text:
    return Text(N_("Its Discord event was deleted, ended or cancelled on Discord. To make a new "
                   "one, I need the **Manage Events** (or **Create Events**) permission: turn "
                   "it on for my role under Server Settings > Roles, then use /manage "
                   "announce.")) if enabled else Text(
        N_("Its Discord event was deleted, ended or cancelled on Discord."))


def _no_permission(bot: EventBot, guild_id: int, creating: bool) -> Text:
    # (`RefusedDiscordEvents` keeps the reply's word, as soon as the permission is given, or
    # the bot's timeout lifted: it leaves the bot no permission, whatever its roles allow)
    if (until := timed_out_until(bot.get_guild(guild_id))) is not None:
        ends = Markup(timestamp(until, "f"))
        return Text(N_("I couldn't create the Discord event: I'm timed out in this server "
                       "until {until}; a moderator can remove my timeout (right-click me, "
                       "then Remove Timeout), and I'll create it then."), until=ends) if (
            creating) else Text(N_("I couldn't update the Discord event: I'm timed out in this "
                                   "server until {until}; a moderator can remove my timeout "
                                   "(right-click me, then Remove Timeout), and I'll update it "
                                   "then."), until=ends)
    return Text(N_("I couldn't create the Discord event: I need the **Manage Events** (or "
                   "**Create Events**) permission for that: turn it on for my role under "
                   "Server Settings > Roles, and I'll create it then.")) if creating else Text(
        N_("I couldn't update the Discord event: I need the **Manage Events** (or **Create "
           "Events**) permission for that: turn it on for my role under Server Settings > "
           "Roles, and I'll update it then."))


async def kept_on_delete(bot: EventBot, guild_id: int, event_id: int,
                         permissions: discord.Permissions) -> Text | None:
    """Before an event is deleted (its step held): its Discord event is deleted first, so
    that the moderator's reply says one that stays listed, and what to do, rather than the
    deletion's notice finding it out of the moderator's sight. Returns that sentence, or
    None. Deleted (or gone already), it is forgotten: the notice has none to delete; one
    that stays is kept recorded, and the notice tries it again (after Discord's trouble).
    `permissions`: the bot's server-level ones (`bot_permissions`), by which Discord
    judges an external event: a channel's overwrite granting Manage Events does not count,
    and without them no request is sent that Discord would refuse."""
    return await _take_off(bot, guild_id, event_id, permissions,
                           "eventbot: the event was deleted", retried=True)


async def removed_on_archive(bot: EventBot, guild_id: int, event: Event,
                             permissions: discord.Permissions) -> Text | None:
    """When an event is archived (its step held): archived, it is hidden and takes no
    RSVPs, so its Discord event, to come or going on, would go on inviting members to
    it; it is deleted (or forgotten, if gone on Discord already). That of an event over
    is left to Discord, which ends it by itself. Returns a sentence for the moderator's
    reply when it stays listed, or None. Brought back, the event has none until
    /manage announce makes one."""
    if event.is_over(bot.wall_clock.trusted()):  # (see the module: trusted, not a step)
        return None
    return await _take_off(bot, guild_id, event.id, permissions,
                           "eventbot: the event was archived", retried=False)


async def _take_off(bot: EventBot, guild_id: int, event_id: int,
                    permissions: discord.Permissions, reason: str, *, retried: bool
                    ) -> Text | None:
    """Delete the event's Discord event, if it has one, and forget it; or say why it
    stays listed. `retried`: a deletion's notice tries a failed one again; nothing else
    does."""
    existing = await bot.store.run(bot.store.reminders.scheduled_event_id, guild_id, event_id)
    if existing is None:
        return None
    if not may_schedule(permissions):
        if await forgot_if_gone(bot, guild_id, event_id, existing):
            return None  # gone on Discord already: nothing stays listed
        return _stays_listed(None, retried=retried)
    try:
        # Within DELETE_WAIT: discord.py's own retries of a 500 take 25 s, which the
        # moderator would wait out for a reply.
        async with asyncio.timeout(DELETE_WAIT):
            refused = await delete_scheduled_event(bot, guild_id, existing, reason)
    except TimeoutError:
        log.warning("Discord did not delete Discord event %s of guild %s within %g s%s",
                    existing, guild_id, DELETE_WAIT,
                    "; the deletion's notice tries again" if retried else "")
        # Not "stays listed": the request may have reached Discord, late to answer.
        return Text(N_("Its Discord event may still be listed: Discord did not answer my "
                       "request to delete it in time; I'll make sure it goes, and if it is "
                       "still listed tomorrow, delete it by hand under the server's Events."
                       )) if retried else Text(
            N_("Its Discord event may still be listed: Discord did not answer my request to "
               "delete it in time; if it is, delete it by hand under the server's Events."))
    if refused is not None:
        return _stays_listed(refused, retried=retried)
    await bot.store.run(bot.store.reminders.set_scheduled_event_id, guild_id, event_id, None)
    return None


def _stays_listed(refused: discord.HTTPException | None, *, retried: bool) -> Text:
    """What the moderator is told when the Discord event of an event deleted or archived
    stays listed: without the permission (None, or Discord's 403), after Discord's trouble
    (5xx, 429: a deletion's notice tries again, `retried`), or refused otherwise."""
    if refused is None or isinstance(refused, discord.Forbidden):
        return Text(N_("Its Discord event stays listed: I need the **Manage Events** (or "
                       "**Create Events**) permission to delete it, so delete it by hand "
                       "under the server's Events."))
    reason = discord_said(refused)
    if retried and (refused.status >= 500 or refused.status == 429):
        return _failing(reason)
    return Text(N_("Its Discord event stays listed: Discord refused to delete it "
                   "({refusal}), so delete it by hand under the server's Events."),
                refusal=reason)


def _failing(refusal: Text | str) -> Text:
    return Text(N_("Its Discord event stays listed for now: Discord failed to delete it "
                   "({refusal}); I'll try again, and if it is still listed tomorrow, delete it "
                   "by hand under the server's Events."), refusal=refusal)


async def delete_scheduled_event(bot: EventBot, guild_id: int, scheduled_event_id: int,
                                 reason: str = "eventbot: the event was deleted"
                                 ) -> discord.HTTPException | None:
    """Delete a Discord event (of an event deleted with /manage delete, or moved into the
    past). One already gone is fine; a refusal is logged and returned (the moderators can
    delete it by hand)."""
    try:
        # By id, as in `run_scheduled_event`: `ScheduledEvent.delete` would need a fetch first.
        await bot.http.delete_scheduled_event(guild_id, scheduled_event_id, reason=reason)
    except discord.HTTPException as exc:
        if thing_gone(exc):
            return None  # deleted on Discord already
        # (a server without the route refuses it so: the Discord event stays listed)
        log.warning("could not delete Discord event %s of guild %s: %s %s", scheduled_event_id,
                    guild_id, exc.status, exc.text)
        return exc
    return None
