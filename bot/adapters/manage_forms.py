"""The forms of `/manage`: the edit modal, the delete confirmation, and reading the
times a moderator types (in the server's timezone).

Both are held in memory only: one this process no longer holds (it expired, or the bot
restarted) is answered by its `Held` (bot.adapters.held), found by the custom id's prefix.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.adapters.event_option import bot_permissions, guild_id_of, require_manage_events
from bot.adapters.held import PER_MODERATOR, Held, HeldQuestion
from bot.adapters.scheduled_events import follow_change, kept_on_delete, start_moved_from
from bot.catalog import MAX_LINK, MAX_TITLE, validate_link, validate_title, validate_venue
from bot.characters import without_invisible
from bot.errors import DeletedMeanwhile, EventChanged, EventNotFound, InvalidValue
from bot.i18n import N_, Language, Markup, Text, language
from bot.models import Event, EventEdit
from bot.offload import off_loop
from bot.registration import change_is_news
from bot.render import clip, safe, timestamp, when_text
from bot.signals import AttendeeRoleChanged
from bot.tree import (
    Unreadable,
    acknowledge_click,
    answer_in_time,
    defer,
    member_language,
    report_error,
    respond,
)
from bot.when import When
from bot.when_typed import TYPED_EXAMPLE, is_iso, parse_typed
from bot.zones import server_zone, zone_label

if TYPE_CHECKING:
    from bot.app import Interaction


DELETE_PREFIX, EDIT_PREFIX = "eventbot:delete:", "eventbot:edit:"
# How many times a submitted edit is read again from the event as it is, when another
# change was saved while it was being read, before the moderator is told to try again.
EDIT_TRIES = 3


def question_expired(lang: Language) -> str:
    return lang._("This question has expired; run /manage delete again.")


def form_expired(lang: Language) -> str:
    return lang._("This form has expired, so your edit was not saved; run /manage edit "
                  "again.")


async def asker_may_answer(asked: Interaction, interaction: Interaction, refusal: str) -> bool:
    """A moderator's question (a confirmation, a preview) is answered only by the moderator
    who asked, and only while they still manage events; anyone else is told `refusal`."""
    if interaction.user.id != asked.user.id:
        await respond(interaction, refusal, ephemeral=True)
        return False
    try:
        return require_manage_events(interaction)
    except app_commands.AppCommandError as exc:
        await report_error(interaction, exc)
        return False


class DeleteConfirmation(HeldQuestion):
    """Delete or keep, on the moderator's ephemeral question: only they can answer, and
    the buttons go when the question's interaction is about to expire."""

    def __init__(self, asked: Interaction, event_id: int, title: str, held: Held,
                 timeout: float) -> None:
        # (DELETE_QUESTION_TIMEOUT, from the command: within the 15 minutes its token lasts)
        super().__init__(asked, timeout=timeout)
        self.event_id = event_id
        self.title = title
        lang = member_language(asked)  # the buttons speak the question's language
        self.confirm.label, self.keep.label = lang._("Delete"), lang._("Keep it")
        key = held.hold(self, asked.guild_id, owner=asked.user.id, per_owner=PER_MODERATOR)
        self.confirm.custom_id = held.custom_id(key, "go")
        self.keep.custom_id = held.custom_id(key, "keep")

    async def interaction_check(self, interaction: Interaction) -> bool:
        return await asker_may_answer(self.asked, interaction, member_language(interaction)._(
            "Only the moderator who asked can answer this."))

    def expired_text(self) -> str:
        return member_language(self.asked)._(
            "Nothing was deleted: **{title}** is kept (the question expired).",
            title=safe(self.title))

    @discord.ui.button(label="Delete", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: Interaction, _: discord.ui.Button) -> None:
        if not await self.begin_answer(interaction):
            return
        bot, lang = interaction.client, member_language(interaction)
        # Deleting a large event (every RSVP, a DM queued for each) can take longer than
        # Discord's 3 s: acknowledge the click first, then edit the question.
        await acknowledge_click(interaction)
        try:
            # After an announce in flight: it stores the Discord event it made, which the
            # deletion then removes; read before, that Discord event outlived the event.
            # Its Discord event goes first, so that the reply says if it stays listed.
            async with bot.event_steps.hold(self.event_id):
                kept = await kept_on_delete(bot, guild_id_of(interaction), self.event_id,
                                            bot_permissions(interaction))
                deleted = await bot.store.run(bot.store.events.delete_event,
                                              guild_id_of(interaction), self.event_id)
        except EventNotFound:
            self.stop()
            await interaction.edit_original_response(content=lang._(
                "**{title}** was already deleted.", title=safe(self.title)), view=None)
            return
        self.stop()  # deleted: a click from now on is only acknowledged (`Held`)
        # Its registrations are gone, and its attendee role with them: taken back from
        # whoever holds it at once, as when the role is cleared (even while its grants
        # wait after a refusal).
        bot.registration_changed(guild_id_of(interaction), self.event_id)
        bot.signals.emit(AttendeeRoleChanged(guild_id_of(interaction), self.event_id))
        told = deleted.confirmed + deleted.waitlisted
        title = safe(deleted.title)
        if not told:
            said = lang._("Deleted **{title}**. Nobody had an RSVP.", title=title)
        elif deleted.taken_place:  # tidied away, not cancelled: nobody is told it was
            said = lang._("Deleted **{title}**. It had taken place, so its members get no DM "
                          "about it.", title=title)
        else:
            said = lang.ngettext(
                "Deleted **{title}**. {count:,} member with an RSVP will get a DM saying it "
                "was cancelled.", "Deleted **{title}**. {count:,} members with an RSVP will "
                "get a DM saying it was cancelled.", told, title=title, count=told)
        await interaction.edit_original_response(
            content=said if kept is None else lang.sentences(said, lang.text(kept)), view=None)

    @discord.ui.button(label="Keep it", style=discord.ButtonStyle.secondary)
    async def keep(self, interaction: Interaction, _: discord.ui.Button) -> None:
        if not await self.begin_answer(interaction):
            return
        self.stop()
        await interaction.response.edit_message(content=member_language(interaction)._(
            "Nothing was deleted: **{title}** is kept.", title=safe(self.title)), view=None)


async def typed_time(text: str, zone: str, name: str | Text = "starts_at",
                     after: When | None = None) -> When:
    """A typed time in the server's zone (an end: `after` its start). ISO 8601 is read at
    once; the natural forms go through dateparser off the event loop (its first parse loads
    its data: ~0.1 s)."""
    now = discord.utils.utcnow()
    start = after.starts_at if after is not None else None
    all_day = after is not None and after.all_day
    start_zone = after.zone if after is not None else None
    if is_iso(text):
        return parse_typed(text, zone, now, name=name, after=start, after_all_day=all_day,
                           after_zone=start_zone)
    return await off_loop(parse_typed, text, zone, now, name=name, after=start,
                          after_all_day=all_day, after_zone=start_zone)


def check_order(starts_at: datetime | None, ends_at: datetime | None, *,
                all_day: bool = False) -> None:
    """The times an event is to have: an end needs a start, and comes after it."""
    if starts_at is None and ends_at is not None:
        raise InvalidValue(N_("an end needs a start: type the start too"))
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        if all_day:  # UTC midnights: the dates as typed, not moments in the reader's zone
            raise InvalidValue(N_("the last day ({end}) comes before the first ({start})"),
                               end=(ends_at - timedelta(days=1)).date().isoformat(),
                               start=starts_at.date().isoformat())
        raise InvalidValue(N_("the end ({end}) must come after the start ({start})"),
                           end=Markup(timestamp(ends_at)), start=Markup(timestamp(starts_at)))


def check_all_day_end(all_day: bool, end: When) -> None:
    """An all-day event runs midnight to midnight in the server's zone, so it ends with a
    date, not at a time of day."""
    if all_day and end.starts_at is not None and not end.all_day:
        raise InvalidValue(N_("an all-day event ends with a date, not at a time of day; type "
                              "a date for the end, or give the start a time too"))


def when_where_lines(event: Event, lang: Language | None = None) -> str:
    """The event's When and Where as the moderator should check them."""
    lang = lang or language()
    when = when_text(lang, event) or lang._("no start yet (set one with /manage edit)")
    where = safe(clip(event.venue, 200)) if event.venue else lang._("no venue")
    return lang._("When: {when}\nWhere: {where}", when=when, where=where)


def typed_form(value: datetime | None, zone: str, *, all_day: bool = False) -> str:
    """A time as the edit form shows it, in the server's zone, the way one would type it."""
    if value is None:
        return ""
    if all_day:
        return value.astimezone(UTC).strftime("%Y-%m-%d")
    return value.astimezone(server_zone(zone)).strftime("%Y-%m-%d %H:%M")


def typed_in(field: discord.ui.TextInput[Any]) -> str:
    """A time field's text as the moderator sees it: a field left holding only a
    zero-width space (what a paste can leave) is empty."""
    return without_invisible(field.value).strip()


class EditModal(discord.ui.Modal):
    """`/manage edit`: the event's title, start, end, venue and link, filled in as they
    are. An emptied end, venue or link clears it; an emptied title or start is refused.
    A field left as shown keeps the event's value at submission (even a time in the past:
    a recap's date), which another moderator may have changed since the form opened; an
    end left as shown moves with a start moved, the event keeping its length.

    Each form has a custom id of its own: discord.py holds one form per custom id, so two
    moderators' forms for one event would share one, and one submission would be read by
    the other's form, with its shown values, and the other never answered."""

    def __init__(self, event: Event, zone: str, held: Held, lang: Language | None = None,
                 *, moderator: int) -> None:
        lang = lang or language()
        super().__init__(title=clip(lang._("Edit: {title}", title=event.title), 45),
                         timeout=900)
        key = held.hold(self, event.guild_id, owner=moderator, per_owner=PER_MODERATOR)
        self.custom_id = held.custom_id(key, str(event.id))
        self.event, self.zone = event, zone
        self.notes: list[Text] = []  # how the typed times were read, where there was a choice
        self.shown_title = event.title[:MAX_TITLE]
        self.shown_start = typed_form(event.starts_at, zone, all_day=event.all_day)
        self.shown_end = "" if event.all_day else typed_form(event.ends_at, zone)
        self.title_input: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label=lang._("Title"), custom_id="title", default=self.shown_title,
            max_length=MAX_TITLE)
        self.start_input: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            # (an Etc/GMT zone's name reads as the opposite offset: it is shown beside it)
            label=clip(lang._("Start ({zone})", zone=zone_label(zone)), 45), custom_id="start",
            default=self.shown_start, required=bool(self.shown_start),  # none yet: may stay so
            placeholder=lang._("friday 6pm, Dec 1 18:00, 2026-12-01 18:00"), max_length=100)
        self.end_input: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label=lang._("End (empty: none)"), custom_id="end", default=self.shown_end,
            required=False,
            placeholder=lang._("8pm, 2026-12-01 20:00"), max_length=100)
        # What the form shows fits its inputs; left as shown, the event keeps its own.
        self.shown_venue, self.shown_link = (event.venue or "")[:MAX_TITLE], (
            event.link or "")[:MAX_LINK]
        self.venue_input: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label=lang._("Venue (empty: none)"), custom_id="venue", default=self.shown_venue,
            required=False, max_length=MAX_TITLE)
        self.link_input: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label=lang._("Link (empty: none)"), custom_id="link", default=self.shown_link,
            required=False, max_length=MAX_LINK, placeholder="https://…")
        for item in (self.title_input, self.start_input, self.end_input, self.venue_input,
                     self.link_input):
            self.add_item(item)

    async def interaction_check(self, interaction: Interaction) -> bool:
        return require_manage_events(interaction)

    def start_kept(self) -> bool:
        return typed_in(self.start_input) == self.shown_start

    async def read_start(self, current: Event) -> When:
        """The start typed, or `current`'s (the event as it is now) if left as shown: an
        event without a start may keep none (its venue set first, say), but a start once
        set is moved, not taken away."""
        if self.start_kept():
            return When(current.starts_at, None, all_day=current.all_day)
        typed = typed_in(self.start_input)
        if not typed:
            # (the examples every other refusal of a typed time gives, in the member's words)
            raise InvalidValue(N_("the start can't be empty; type one such as {example}"),
                               example=TYPED_EXAMPLE)
        start = await typed_time(typed, self.zone, Text(N_("the start")))
        self.notes += [start.note] if start.note is not None else []
        return start

    async def read_end(self, start: When, current: Event) -> datetime | None:
        typed = typed_in(self.end_input)
        if typed == self.shown_end and self.start_kept():
            return current.ends_at
        if (typed == self.shown_end and start.all_day == current.all_day
                and start.starts_at is not None and current.starts_at is not None
                and current.ends_at is not None):
            # Moved with its end left as shown, it keeps its length, as in a calendar:
            # the end shown is the old one (a timed event moved a day sooner would last
            # 26 hours), and an all-day event shows none (it keeps its number of days).
            return start.starts_at + (current.ends_at - current.starts_at)
        if not typed:
            if start.all_day and start.starts_at is not None:
                return start.starts_at + timedelta(days=1)
            return None
        end = await typed_time(typed, self.zone, Text(N_("the end")), after=start)
        check_all_day_end(start.all_day, end)
        self.notes += [end.note] if end.note is not None else []
        return end.as_end

    async def edit_of(self, current: Event) -> EventEdit:
        """What the submission sets, with what it left as shown taken from `current` (the
        event as it is now); a refused value raises, and nothing is saved."""
        typed_title = self.title_input.value
        title = current.title if typed_title == self.shown_title else validate_title(
            typed_title)
        start = await self.read_start(current)
        end_at = await self.read_end(start, current)
        check_order(start.starts_at, end_at, all_day=start.all_day)
        venue, link = self.venue_input.value, self.link_input.value
        return EventEdit(title=title, starts_at=start.starts_at, ends_at=end_at,
                         all_day=start.all_day,
                         venue=(current.venue if venue == self.shown_venue
                                else validate_venue(venue)),
                         link=current.link if link == self.shown_link else validate_link(link))

    async def on_submit(self, interaction: Interaction) -> None:
        answer_in_time(interaction)
        if not all(isinstance(item._value, str | None) for item in (
                self.title_input, self.start_input, self.end_input, self.venue_input,
                self.link_input)):
            # discord.py keeps a field's "value" as sent: a list or number is no text typed
            raise Unreadable("a form field that is not text")
        await apply_edit(interaction, self)

    async def on_error(self, interaction: Interaction, error: Exception) -> None:
        await report_error(interaction, error)


def date_and_title(event: Event) -> tuple[object, ...]:
    """What members hear of when an edit changes it: the start, venue and title."""
    return event.starts_at, event.all_day, event.venue, event.title


def typed_notes(lang: Language, notes: list[Text]) -> str:
    """What the reply says of the times as typed ("6pm CST": which CST; 01:30 as the
    clocks go back), a line each."""
    return "".join("\n" + lang._("Note: {note}.", note=safe(lang.text(note))) for note in notes)


async def apply_edit(interaction: Interaction, modal: EditModal) -> None:
    """What the edit modal's submission does; every refusal leaves the event as it was."""
    bot = interaction.client
    for tries_left in reversed(range(EDIT_TRIES)):
        # The event as it is now: a field left as shown keeps its value, which another
        # moderator's edit may have changed since this form opened (up to 15 minutes ago),
        # or while this submission was being read: then it is read again, so that no
        # other change is written over with what this one read before it.
        try:
            event = await bot.store.run(bot.store.events.get_event, modal.event.guild_id,
                                        modal.event.id)
        except EventNotFound:
            raise DeletedMeanwhile(modal.event.title) from None
        modal.notes = []  # (read again with the event as it is now)
        edit = await modal.edit_of(event)
        if edit == EventEdit.of(event):
            # sent as shown (or typed anew to the same): nothing is written, nobody told,
            # and neither the announcements nor the Discord event are edited
            lang = member_language(interaction)
            text = lang._("Nothing changed: **{title}** (event {id}) stays as it was.",
                          title=safe(event.title), id=event.id)
            text += "\n" + when_where_lines(event, lang) + typed_notes(lang, modal.notes)
            await respond(interaction, clip(text, 1900), ephemeral=True)
            return
        await defer(interaction)
        try:
            before, saved = await bot.store.run(bot.store.events.edit_event, event.guild_id,
                                                event.id, edit, expected=EventEdit.of(event))
            break
        except EventNotFound:
            raise DeletedMeanwhile(event.title) from None
        except EventChanged:
            if not tries_left:
                raise
    bot.registration_changed(saved.guild_id, saved.id)
    lang = member_language(interaction)
    text = lang._("Updated **{title}** (event {id}).", title=safe(saved.title), id=saved.id)
    text += "\n" + when_where_lines(saved, lang) + typed_notes(lang, modal.notes)
    now = discord.utils.utcnow()
    moved = date_and_title(before) != date_and_title(saved)  # what members are told of
    if moved and not change_is_news(saved.seats, now):
        text += "\n" + lang._("It has taken place (or is archived), so the change is not "
                              "announced and nobody is DMed: no one's plans change.")
    elif moved:
        registered = saved.confirmed + saved.waitlisted
        text += "\n" + (lang._("I'll post the change in the announcements channel; no one "
                               "is registered to DM.") if not registered else lang.ngettext(
            "I'll post the change in the announcements channel and DM its {count} registered "
            "member.", "I'll post the change in the announcements channel and DM its {count} "
            "registered members.", registered, count=f"{registered:,}"))
    if saved.is_over(now) and not before.is_over(now):
        role_id, _ = await bot.store.run(bot.store.reminders.attendee_role, saved.guild_id,
                                         saved.id)
        if role_id is not None:
            text += "\n" + lang._("It is now over, so its attendee role is taken back from "
                                  "everyone; if the date is a mistake, set it right, then give "
                                  "the role again with /manage role.")
    note = await follow_change(bot, saved.guild_id, start_moved_from(before, saved), saved,
                               bot_permissions(interaction))
    if note:
        text += "\n" + lang.text(note)
    await respond(interaction, clip(text, 1900), ephemeral=True)
