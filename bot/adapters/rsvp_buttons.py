"""The Join/Cancel buttons under announcements, and what joining and cancelling reply.

The buttons are `DynamicItem`s whose custom id carries the event id, so a button on any
old announcement keeps working after the bot restarts. `/rsvp join` and `/rsvp cancel`
answer through the same `joining`, `joined_reply` and `cancel_event`.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import discord

from bot.adapters.event_option import guild_id_of
from bot.app import Interaction
from bot.errors import EventNotFound
from bot.flows import registration
from bot.flows.events import parse_event_id
from bot.i18n import Language, language
from bot.models import Event, EventSummary, Joined
from bot.registration import JoinOutcome
from bot.render import clip, safe
from bot.render_replies import archived_line, cancel_reply, join_reply
from bot.signals import ConfirmedAgain
from bot.tree import (
    Unreadable,
    answer_in_time,
    member_language,
    report_error,
    require_user,
    respond,
)

log = logging.getLogger(__name__)

# What follows the prefix of a Join or Cancel id: the action and the event's id (any text
# here; `parse_event_id` reads it)
_ACTION = re.compile(r"(?P<action>join|cancel):(?P<event_id>.*)", re.DOTALL)
MAX_REF_SHOWN = 30  # characters of an id no event has, quoted back

# How far Discord's clock (a message's time, in its id) and the bot's (an event's making)
# may be apart: a message older than that before its event was made is of another event.
CLOCKS_APART = timedelta(seconds=2)
# The messages the log has named (`of_a_lost_event`), so a member's clicks repeat no line.
_NAMED: dict[int, None] = {}
_NAMED_AT_MOST = 1000


def cancelled_line(lang: Language, title: str) -> str:
    return lang._("This event was cancelled: **{title}** no longer takes RSVPs.",
                  title=safe(title))


async def joining(interaction: Interaction, event_id: int) -> Joined:
    """The member's join of the event: the join itself reads the event (EventNotFound
    outside this server; an archived one refuses it), so it needs no lookup first."""
    bot = interaction.client
    guild_id = guild_id_of(interaction)
    member = interaction.user
    joined = await registration.join(bot.store, bot.registration_changed, guild_id, event_id,
                                     member.id, member.display_name)
    if (joined.result.outcome is JoinOutcome.ALREADY_CONFIRMED
            and isinstance(member, discord.Member)):
        # Pressed again by a confirmed member: the roles they hold now say whether they
        # came back to the server without the event's attendee role (`ConfirmedAgain`).
        bot.signals.emit(ConfirmedAgain(guild_id, event_id, member.id,
                                        frozenset(role.id for role in member.roles)))
    return joined


async def reply_joined(interaction: Interaction, joined: Joined) -> None:
    await respond(interaction, join_reply(member_language(interaction), joined.event.title,
                                          joined.result), ephemeral=True)


async def cancel_event(interaction: Interaction, event: EventSummary) -> None:
    """The member's cancel, from `/rsvp cancel` or the Cancel button. An archived event's
    RSVPs stay as they were (its Cancel button is disabled): a cancel would give a seat,
    and a "Good news" DM, for an event that no longer takes RSVPs."""
    if event.archived:
        await respond(interaction, archived_line(member_language(interaction), event.title),
                      ephemeral=True)
        return
    bot = interaction.client
    guild_id = guild_id_of(interaction)
    result = await registration.cancel(bot.store, bot.registration_changed, guild_id, event.id,
                                       interaction.user.id)
    await respond(interaction, cancel_reply(member_language(interaction), event.title, result),
                  ephemeral=True)


async def of_a_lost_event(interaction: Interaction, event: EventSummary) -> bool:
    """Whether the clicked message is of an event other than `event`, which took its id: a
    database restored from a backup lacks the events made after the copy, and gives their
    ids again, while their announcements stay in the channels. Every message showing an
    event's buttons was posted after the event was made, or is recorded as its announcement
    (a post Discord gave back for its nonce), so an older unrecorded one is of the event
    the restore lost; the log names it once, for a moderator to delete."""
    message = interaction.message
    if (message is None or event.created_at is None
            or message.created_at >= event.created_at - CLOCKS_APART):
        return False
    bot = interaction.client
    recorded = await bot.store.run(bot.store.notices.announcement_messages, event.id)
    if any(m.message_id == message.id for m in recorded):
        return False
    if message.id not in _NAMED:
        if len(_NAMED) >= _NAMED_AT_MOST:
            del _NAMED[next(iter(_NAMED))]
        _NAMED[message.id] = None
        log.warning("announcement %s in channel %s of guild %s is older than its event %s "
                    "(made %s): it is of an event the database no longer has (restored "
                    "from an older copy?), and its buttons change nothing; delete it",
                    message.id, message.channel.id, guild_id_of(interaction), event.id,
                    event.created_at.isoformat())
    return True


def lost_line(lang: Language) -> str:
    return lang._("This announcement is of an event the bot no longer has (its database "
                  "was restored from an older copy); nothing was changed.")


class RsvpButton(discord.ui.DynamicItem[discord.ui.Button],
                 template=r"eventbot:rsvp:(?P<rest>(?s:.*))"):
    """Join or Cancel under an announcement; works for any member, across restarts.

    The template takes every id of the prefix, so that a forged or mangled one (an event
    id too large, another script's digits, a sign, another action) gets an answer ("no
    event …", or "could not read") rather than silence, from the button that reads the
    real ones: nothing else is looked up for each click."""

    def __init__(self, action: str, event_id: int | str, *, label: str | None = None,
                 disabled: bool = False) -> None:
        join = action == "join"
        super().__init__(discord.ui.Button(
            label=label or ("Join" if join else "Cancel my RSVP"),
            style=discord.ButtonStyle.success if join else discord.ButtonStyle.secondary,
            custom_id=f"eventbot:rsvp:{action}:{event_id}", disabled=disabled))
        self.action = action
        self.event_ref = str(event_id)
        self.event_id = parse_event_id(self.event_ref)

    @classmethod
    async def from_custom_id(cls, interaction: Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> RsvpButton:
        action = _ACTION.fullmatch(match["rest"])
        return cls(action["action"], action["event_id"]) if action else cls("", "")

    async def callback(self, interaction: Interaction) -> None:
        answer_in_time(interaction)  # buttons bypass the tree: the same deadline
        try:
            require_user(interaction)
            if self.action not in ("join", "cancel"):
                raise Unreadable("an RSVP button id outside its template")
            if self.event_id is None:
                raise EventNotFound(clip(self.event_ref, MAX_REF_SHOWN))
            bot = interaction.client
            guild_id = guild_id_of(interaction)
            # Buttons outlive the bot's user in the server (removed, its announcements
            # stay): a member's click is a use of it, as a command is (`EventTree`).
            await bot.ensure_events(guild_id)
            joined = None
            try:
                event = await bot.store.summary(guild_id, self.event_id)
                if await of_a_lost_event(interaction, event):
                    await respond(interaction, lost_line(member_language(interaction)),
                                  ephemeral=True)
                    return
                if self.action == "join":  # the join reads the event again, as it stands
                    joined = await joining(interaction, self.event_id)
                    event = joined.event
            except EventNotFound:
                deleted = await bot.store.run(bot.store.events.deleted_event, guild_id,
                                              self.event_id)
                if deleted is None:
                    raise
                lang = member_language(interaction)
                # deleted after it took place: tidied away, as its announcement says
                await respond(interaction, lang._("Over: this event has taken place")
                              if deleted.taken_place else cancelled_line(lang, deleted.title),
                              ephemeral=True)
                return
            if event.archived:  # its buttons are (being) disabled; say why meanwhile
                bot.registration_changed(guild_id, event.id)
            if joined is not None:  # an archived event refused it: the reply says so
                await reply_joined(interaction, joined)
            else:
                await cancel_event(interaction, event)
        except Exception as exc:  # buttons bypass the tree's handler; same replies
            await report_error(interaction, exc)


def button_state(event: Event, now: datetime | None = None) -> str:
    """What an announcement's buttons offer: "open", "full" (joins go to the waitlist),
    "closed" (a moderator closed it), "over" (it has taken place: RSVPs stay as they are)
    or "archived"."""
    if event.archived:
        return "archived"
    if event.seats.has_taken_place(now or datetime.now(UTC)):
        return "over"
    if not event.registration_open:
        return "closed"
    return "full" if event.full else "open"


def rsvp_buttons(event_id: int, state: str = "open",
                 lang: Language | None = None) -> discord.ui.View:
    """Join and Cancel for an event in `state` (see `button_state`, or "cancelled"): Join
    is offered for the waitlist when the event is full and disabled when it is closed;
    both are disabled once the event is over, archived or cancelled. The labels are in
    `lang`, the language of the announcement they sit under."""
    lang = lang or language()
    ended = state in ("over", "archived", "cancelled")
    view = discord.ui.View(timeout=None)
    view.add_item(RsvpButton("join", event_id,
                             label=lang._("Join waitlist") if state == "full" else lang._("Join"),
                             disabled=ended or state == "closed"))
    view.add_item(RsvpButton("cancel", event_id, label=lang._("Cancel my RSVP"), disabled=ended))
    return view
