"""`/manage import`'s preview: what the page gives and where it will go, with Import and
Cancel. Nothing is saved before Import.

The buttons work while the command's token does (`IMPORT_PREVIEW_TIMEOUT`, inside its 15
minutes), then the preview says it expired. A preview is held in memory only: a click on
one this process holds no view for (after a restart, or after it expired) is told so by
its `Held` (bot.adapters.held).

`/manage import` (cogs.manage) shows it; what the preview says and what Import saves are
decided in `bot.flows.importing`; `save_import` renders what Import did.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from bot.adapters.event_option import bot_permissions, guild_id_of
from bot.adapters.held import PER_MODERATOR, Held, HeldQuestion
from bot.adapters.manage_forms import asker_may_answer, when_where_lines
from bot.adapters.scheduled_events import follow_change, start_moved_from
from bot.app import Interaction
from bot.catalog import page_title
from bot.command_words import option_name
from bot.errors import DeletedMeanwhile, EventNotFound
from bot.flows import importing
from bot.flows.importing import ImportPlan, ImportResult
from bot.i18n import Language, language
from bot.render import (
    clip,
    event_embed,
    language_name,
    people_by_role,
    role_heading,
    safe,
    span_text,
)
from bot.tree import acknowledge_click, member_language

CUSTOM_ID_PREFIX = "eventbot:import:"
PREVIEW_LIMIT = 1900  # characters: under Discord's 2,000 with room to spare
SKIPPED_SHOWN = 10
# Characters of pages the live previews hold, together: each keeps its page (2 MB at most)
# until it is answered or expires, so without a bound many moderators (of many servers)
# leaving previews of large pages unanswered held a page each for 14 minutes. 25 of the
# largest pages, hundreds of usual ones (tens of KB). Past it, the server whose previews
# weigh most lets go of its oldest (`Held.hold`): a new preview is never refused.
PREVIEWS_HELD_CHARS = 50_000_000


def expired(lang: Language) -> str:
    return lang._("This preview has expired; run /manage import again.")


def preview_text(plan: ImportPlan, lang: Language | None = None) -> str:
    """The preview: the outcome first, then what the page gives, then what was not read."""
    lang = lang or language()
    page = plan.source.page
    recap = page.kind == "recap"
    title = f"**{safe(clip(plan.title, 200))}**"
    if plan.target is None:
        outcome = lang._("Import will create a new event, {title}.", title=title)
    else:
        target = {"title": safe(plan.target.title), "id": plan.target.id}
        if plan.adds_to:
            outcome = (lang._("Import will add this recap to **{title}** (event {id}).", **target)
                       if recap else lang._("Import will add this announcement to **{title}** "
                                            "(event {id}).", **target))
        else:
            outcome = lang._("This page was already imported here: Import will update "
                             "**{title}** (event {id}), not create a second event.", **target)
    lines = [lang._("Preview of the recap; nothing is saved until you press Import.") if recap
             else lang._("Preview of the announcement; nothing is saved until you press "
                         "Import."),
             outcome, lang._("Title: {title}", title=title),
             lang._("When: {when}", when=span_text(lang, plan.starts_at, plan.ends_at, plan.all_day)
                    or lang._("no date found (give {option}:, or later /manage edit)",
                              option=option_name(lang.code, "starts_at"))),
             lang._("Where: {where}", where=safe(clip(plan.venue, 200)) if plan.venue
                    else lang._("no venue"))]
    if plan.replaces_page:
        lines.append(lang._("Note: the event already has a recap in this page's language; "
                            "Import puts this page in its place.") if recap else
                     lang._("Note: the event already has an announcement in this page's "
                            "language; Import puts this page in its place."))
    if plan.recap_ahead:
        lines.append(lang._("Note: this page is a recap, but the event is still to come "
                            "({when}). If its date is wrong, import with {option}:, or fix "
                            "it with /manage edit.",
                            when=span_text(lang, plan.starts_at, plan.ends_at, plan.all_day),
                            option=option_name(lang.code, "starts_at")))
    if plan.recaps is not None:
        lines.append(lang._("Note: this server already has an event of this title, **{title}** "
                            "(event {id}); to add this recap to it instead, import with "
                            "{option}: {id}.", title=safe(clip(plan.recaps.title, 200)),
                            id=plan.recaps.id, option=option_name(lang.code, "event")))
    page_says = plan.facts
    if "title" in plan.page_differs:
        lines.append(lang._("Note: the page now gives the title {title}; the event keeps its "
                            "own. To take the page's, use /manage edit, or import with "
                            "{option}:.", title=safe(clip(page_title(plan.source), 200)),
                            option=option_name(lang.code, "title")))
    if "when" in plan.page_differs:
        lines.append(lang._("Note: the page now gives {when}; the event keeps its own date. "
                            "To take the page's, use /manage edit, or import with {starts}: "
                            "and {ends}:.",
                            when=span_text(lang, page_says.when.starts_at,
                                           page_says.when.ends_at, page_says.when.all_day),
                            starts=option_name(lang.code, "starts_at"),
                            ends=option_name(lang.code, "ends_at")))
    if "venue" in plan.page_differs:
        lines.append(lang._("Note: the page now gives the venue {venue}; the event keeps its "
                            "own. To take the page's, use /manage edit, or import with "
                            "{option}:.",
                            venue=safe(clip(page_says.venue or "", 200)),
                            option=option_name(lang.code, "venue")))
    groups = people_by_role(page.people)
    lines.append(lang._("People: {people}", people="" if groups else lang._("none found")))
    lines += [lang._("- {role}: {names}", role=role_heading(lang, role, len(names)),
                     names=safe(clip(lang._(", ").join(names), 300))) for role, names in groups]
    flags = [text for text, on in ((lang._("registration closed"), page.registration_closed),
                                   (lang._("off the record"), page.off_the_record)) if on]
    if page.language:
        held_in = language_name(lang, page.language)
        flags.append(lang._("in {language} with {translation} translation", language=held_in,
                            translation=language_name(lang, page.translation))
                     if page.translation else lang._("in {language}", language=held_in))
    lines.append(lang._("Flags: {flags}", flags=safe(lang._(", ").join(flags)) if flags
                        else lang._("none")))
    lines.append(lang._("Takeaways: {count}", count=len(page.takeaways)))
    lines += [lang._("Note: {note}.", note=safe(lang.text(note))) for note in plan.notes]
    if page.skipped:
        lines.append(lang._("Not understood, so skipped:"))
        lines += [f"- {safe(clip(lang.text(line), 200))}" for line in page.skipped[:SKIPPED_SHOWN]]
        if len(page.skipped) > SKIPPED_SHOWN:
            more = len(page.skipped) - SKIPPED_SHOWN
            lines.append(lang.ngettext("- and {count:,} more line", "- and {count:,} more lines",
                                       more, count=more))
    return clip("\n".join(lines), PREVIEW_LIMIT)


# The click, and what to call once the import is saved (before what follows it: a failure
# there leaves nothing to import again).
ImportAction = Callable[[Interaction, Callable[[], None]], Awaitable[tuple[str, discord.Embed]]]


class ImportPreview(HeldQuestion):
    """Import or Cancel, on the moderator's ephemeral preview: only they can answer."""

    def __init__(self, asked: Interaction, held: Held, timeout: float,
                 do_import: ImportAction, *, page_chars: int = 0) -> None:
        super().__init__(asked, timeout=timeout)
        self.do_import = do_import
        key = held.hold(self, asked.guild_id, owner=asked.user.id, per_owner=PER_MODERATOR,
                        weight=page_chars, most_weight=PREVIEWS_HELD_CHARS)
        lang = member_language(asked)
        go: discord.ui.Button[ImportPreview] = discord.ui.Button(
            label=lang._("Import"), style=discord.ButtonStyle.success,
            custom_id=held.custom_id(key, "go"))
        cancel: discord.ui.Button[ImportPreview] = discord.ui.Button(
            label=lang._("Cancel"), style=discord.ButtonStyle.secondary,
            custom_id=held.custom_id(key, "cancel"))
        # discord.py's way to give a component built here its callback
        go.callback = self.on_import  # type: ignore[method-assign,assignment]
        cancel.callback = self.on_cancel  # type: ignore[method-assign,assignment]
        self.add_item(go)
        self.add_item(cancel)

    async def interaction_check(self, interaction: Interaction) -> bool:
        return await asker_may_answer(self.asked, interaction, member_language(interaction)._(
            "Only the moderator who asked can answer this preview."))

    async def on_import(self, interaction: Interaction) -> None:
        if not await self.begin_answer(interaction):
            return
        await acknowledge_click(interaction)  # saving may take longer than 3 s
        # saved: a click from now on is only acknowledged (`Held`), and a refusal after the
        # save (the Discord event's record, say) takes the buttons away
        content, embed = await self.do_import(interaction, self.stop)
        await interaction.edit_original_response(content=content, embed=embed, view=None)

    async def on_cancel(self, interaction: Interaction) -> None:
        if not await self.begin_answer(interaction):
            return
        self.stop()
        await interaction.response.edit_message(content=member_language(interaction)._(
            "Import cancelled; nothing was saved."), view=None)

    def expired_text(self) -> str:
        return expired(member_language(self.asked))


async def save_import(interaction: Interaction, plan: ImportPlan,
                      saved: Callable[[], None]) -> tuple[str, discord.Embed]:
    """What the preview's Import does: the flow saves (then `saved()`), then the reply the
    moderator reads (with the server's Discord event brought up to date)."""
    bot = interaction.client
    guild_id = guild_id_of(interaction)
    try:
        result = await importing.save(bot.store, bot.registration_changed, guild_id, plan)
    except EventNotFound:
        if plan.target is None:  # (a new event's import has no event to lose)
            raise
        raise DeletedMeanwhile(plan.target.title) from None
    saved()
    lang = member_language(interaction)
    summary = saved_text(result, lang)
    # the event as the preview showed it: what the import changed
    saved_event = result.event
    scheduled = await follow_change(bot, guild_id, start_moved_from(plan.target, saved_event),
                                    saved_event, bot_permissions(interaction))
    if scheduled:
        summary += "\n" + lang.text(scheduled)
    return clip(summary, 1900), event_embed(lang, result.event)


def saved_text(result: ImportResult, lang: Language | None = None) -> str:
    """What Import did, what the page gave, and what the moderator should check."""
    lang = lang or language()
    saved, parsed = result.event, result.page
    fields = {"title": safe(saved.title), "id": saved.id,
              "people": lang.ngettext("{count:,} person", "{count:,} people", len(parsed.people),
                                      count=len(parsed.people)),
              "takeaways": lang.ngettext("{count:,} takeaway", "{count:,} takeaways",
                                         len(parsed.takeaways), count=len(parsed.takeaways))}
    recap = parsed.kind == "recap"
    if result.outcome == "created":
        summary = (lang._("Created **{title}** (event {id}): {people}, {takeaways}, registration "
                          "open.", **fields) if saved.registration_open else
                   lang._("Created **{title}** (event {id}): {people}, {takeaways}, registration "
                          "closed.", **fields))
    elif result.outcome == "updated":
        summary = (lang._("This page was already imported here, so I updated **{title}** "
                          "(event {id}): {people}, {takeaways}, registration open.", **fields)
                   if saved.registration_open else
                   lang._("This page was already imported here, so I updated **{title}** "
                          "(event {id}): {people}, {takeaways}, registration closed.", **fields))
    elif recap:
        summary = (lang._("Added the recap to **{title}** (event {id}): {people}, {takeaways}, "
                          "registration open.", **fields) if saved.registration_open else
                   lang._("Added the recap to **{title}** (event {id}): {people}, {takeaways}, "
                          "registration closed.", **fields))
    else:
        summary = (lang._("Added the announcement to **{title}** (event {id}): {people}, "
                          "{takeaways}, registration open.", **fields)
                   if saved.registration_open else
                   lang._("Added the announcement to **{title}** (event {id}): {people}, "
                          "{takeaways}, registration closed.", **fields))
    summary += "\n" + when_where_lines(saved, lang)
    for note in result.notes:
        summary += "\n" + lang._("Note: {note}.", note=safe(lang.text(note)))
    if parsed.skipped:
        summary += "\n" + lang._("Not understood, so skipped:") + "\n" + "\n".join(
            f"- {safe(lang.text(line))}" for line in parsed.skipped[:10])
    return summary
