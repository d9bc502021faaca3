"""What the bot answers and announces: RSVP replies, notices for the channel and DMs,
/event list, /rsvp mine, the attendees CSV and an event's end. Pure, within Discord's
limits (`bot.render`)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO

import discord

from bot.i18n import Language
from bot.models import Event, EventListing, MyRsvp, Rsvp
from bot.registration import (
    ARCHIVED,
    PAGE_CLOSED,
    CancelOutcome,
    CancelResult,
    JoinOutcome,
    JoinResult,
    Promotions,
    Status,
)
from bot.render import (
    CAPACITY_REACHED,
    COLOUR,
    CONTENT,
    EMBED_DESCRIPTION,
    EMBED_TITLE,
    closed_reason_text,
    safe,
    safe_clip,
    seats_left_text,
    start_text,
    when_text,
)


def archived_line(lang: Language, title: str) -> str:
    """Why an archived event's Join or Cancel does nothing."""
    return lang._("**{title}** is archived: it no longer takes RSVPs.", title=safe(title))


def join_reply(lang: Language, event_title: str, result: JoinResult) -> str:
    title = f"**{safe_clip(event_title, EMBED_TITLE)}**"
    match result.outcome:
        case JoinOutcome.CONFIRMED:
            return lang._("You're confirmed for {title}. See you there!", title=title)
        case JoinOutcome.ALREADY_CONFIRMED:
            return lang._("You're already confirmed for {title}.", title=title)
        case JoinOutcome.WAITLISTED:
            return lang._("All seats are taken: you're waitlisted (position {position}) for "
                          "{title}. You'll get a DM if a seat frees up.",
                          position=f"{result.position:,}", title=title)
        case JoinOutcome.ALREADY_WAITLISTED:
            return lang._("You're already waitlisted (position {position}) for {title}.",
                          position=f"{result.position:,}", title=title)
        case JoinOutcome.TAKEN_PLACE:
            return lang._("You can't join {title}: this event has already taken place.",
                          title=title)
        case _ if result.note:
            # the reason, last, may end with its own stop ("The room moved.")
            return lang.ended(lang._("You can't join {title}: registration is closed: {reason}",
                                     title=title, reason=closed_reason_text(lang, result.note,
                                                                            1000)))
        case _ if result.reason == ARCHIVED:
            return archived_line(lang, event_title)
        case _:
            return lang._("You can't join {title}: registration is closed.", title=title)


def cancel_reply(lang: Language, event_title: str, result: CancelResult) -> str:
    title = f"**{safe_clip(event_title, EMBED_TITLE)}**"
    match result.outcome:
        case CancelOutcome.CANCELLED if result.promotions.promoted:
            return lang._("Your seat for {title} is cancelled; it has gone to the next member "
                          "on the waitlist.", title=title)
        case CancelOutcome.CANCELLED:
            return lang._("Your seat for {title} is cancelled.", title=title)
        case CancelOutcome.LEFT_WAITLIST:
            return lang._("You've left the waitlist for {title}.", title=title)
        case CancelOutcome.ARCHIVED:
            return archived_line(lang, event_title)
        case CancelOutcome.OVER:
            return lang._("{title} has taken place, so your RSVP stays as it was: it is the "
                          "record of who was to come.", title=title)
        case _:
            return lang._("You're not registered for {title}, so there was nothing to cancel.",
                          title=title)


def calendar_reply(lang: Language, event: Event) -> str:
    return lang._("{title}: open the file to add it to your calendar.",
                  title=f"**{safe_clip(event.title, EMBED_TITLE)}**")


def status_reply(lang: Language, event_title: str, rsvp: Rsvp | None, *,
                 over: bool = False) -> str:
    """`/rsvp status`; `over`: the event has taken place, so a waitlist place is no
    longer a place in a queue."""
    title = f"**{safe_clip(event_title, EMBED_TITLE)}**"
    if rsvp is None:
        return lang._("You're not registered for {title}.", title=title)
    if over:
        return (lang._("{title} has taken place; you were on its waitlist.", title=title)
                if rsvp.position is not None
                else lang._("{title} has taken place; you had a seat.", title=title))
    if rsvp.position is not None:
        return lang._("You're waitlisted (position {position}) for {title}.",
                      position=f"{rsvp.position:,}", title=title)
    return lang._("You're confirmed for {title}.", title=title)


def promoted_note(lang: Language, promotions: Promotions) -> str:
    """For the moderator: who a capacity change or a reopening gave a seat to."""
    count = len(promotions.promoted)
    return lang.ngettext("{count} member moved from the waitlist to a seat.",
                         "{count} members moved from the waitlist to a seat.",
                         count, count=f"{count:,}") if count else ""


def removed_reply(lang: Language, member: str, event_title: str, result: CancelResult) -> str:
    """What a moderator who removed `member`'s RSVP (a mention) is told."""
    title = f"**{safe_clip(event_title, EMBED_TITLE)}**"
    match result.outcome:
        case CancelOutcome.CANCELLED if result.promotions.promoted:
            return lang._("Removed {member}'s seat for {title}; it has gone to the next member "
                          "on the waitlist, who gets a DM.", member=member, title=title)
        case CancelOutcome.CANCELLED:
            return lang._("Removed {member}'s seat for {title}.", member=member, title=title)
        case CancelOutcome.LEFT_WAITLIST:
            return lang._("Removed {member} from the waitlist for {title}.", member=member,
                          title=title)
        case CancelOutcome.ARCHIVED:
            return archived_line(lang, event_title)
        case _:
            return lang._("{member} isn't registered for {title}, so there was nothing to "
                          "remove.", member=member, title=title)


def removed_dm(lang: Language, event: Event) -> str:
    return lang._("A moderator has removed your RSVP for {title}. If you think that's a "
                  "mistake, ask the server's moderators.",
                  title=f"**{safe_clip(event.title, EMBED_TITLE)}**")


def promoted_dm(lang: Language, event: Event) -> str:
    """The DM of a seat from the waitlist. Its `/rsvp cancel` names the event: without it,
    the command means the server's next event, where the member may hold another seat."""
    title = f"**{safe_clip(event.title, EMBED_TITLE)}**"
    named = {"event": lang.option_name("event"), "event_id": event.id}
    if when := when_text(lang, event):
        return lang._("Good news: a seat freed up and you're now confirmed for {title}, "
                      "{when}. Use `/rsvp cancel {event}:{event_id}` if you can no longer "
                      "come.", title=title, when=when, **named)
    return lang._("Good news: a seat freed up and you're now confirmed for {title}. Use "
                  "`/rsvp cancel {event}:{event_id}` if you can no longer come.", title=title,
                  **named)


def capacity_notice(lang: Language, event: Event) -> str:
    return lang._("{title}\n{capacity_reached} Members who join now go on the waitlist.",
                  title=f"**{safe_clip(event.title, EMBED_TITLE)}**",
                  capacity_reached=lang._(CAPACITY_REACHED))


def changed_notice(lang: Language, change: str) -> str:
    """The channel's notice of an event's new time or venue (`bot.render.change_text`)."""
    return lang._("📅 Change: {change}", change=change)


def changed_dm(lang: Language, change: str) -> str:
    return lang._("📅 An event you registered for changed: {change} Your registration stays "
                  "as it was.", change=change)


def closed_notice(lang: Language, event: Event, reason: str | None) -> str:
    title = f"**{safe_clip(event.title, EMBED_TITLE)}**"
    if reason == PAGE_CLOSED:  # (an imported page said so: `registration.close_for_page`)
        return lang._("Registration for {title} is now closed, as its event page says.",
                      title=title)
    if reason:
        return lang._("Registration for {title} has been closed by a moderator: {reason}",
                      title=title, reason=closed_reason_text(lang, reason, 1000))
    return lang._("Registration for {title} has been closed by a moderator.", title=title)


def opened_notice(lang: Language, event: Event) -> str:
    title = f"**{safe_clip(event.title, EMBED_TITLE)}**"
    if event.full:  # reopened with every seat taken: what is open is the waitlist
        return lang._("Registration for {title} is open again. All seats are taken: members "
                      "who join now go on the waitlist.", title=title)
    return lang._("Registration for {title} is open again: {seats_left}.", title=title,
                  seats_left=seats_left_text(lang, event.seats_left, event.capacity))


def recap_notice(lang: Language, event: Event) -> str:
    return lang._("The recap of {title} is out. Key takeaways:",
                  title=f"**{safe_clip(event.title, EMBED_TITLE)}**")


def attendees_csv(rsvps: Iterable[Rsvp], *, header: bool = True) -> str:
    """The RSVPs as CSV records, after the header line unless `header` is false (a list
    written a chunk at a time)."""
    out = io.StringIO()
    # CRLF, as RFC 4180 ends a record: the writer then quotes a field holding a lone CR,
    # which spreadsheets also take for a row's end (it quotes LF whatever the line end is).
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(["user_id", "name", "status", "position", "joined_at"])
    for r in rsvps:
        writer.writerow([r.user_id, _csv_safe(r.name), r.status.value,
                         r.position if r.position is not None else "", r.joined_at.isoformat()])
    return out.getvalue()


class AttendeesUpload:
    """The RSVPs as a file Discord will take (at most `limit` bytes), written as they are
    read (`add`): `name`.csv, or zipped when the CSV is larger (`name`.zip); `file()` is
    None when even the zip is too large. Nothing past the limit is kept, so an event of
    any size costs at most a file of `limit` bytes, zipped and not. The file starts with a
    byte-order mark: without it, Excel, which moderators open it with, reads UTF-8 as the
    system's code page and garbles every Chinese name."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.count = self.confirmed = 0  # of the RSVPs added
        self._csv: io.BytesIO | None = io.BytesIO()
        self._csv.write(attendees_csv(()).encode("utf-8-sig"))
        self._packed: io.BytesIO | None = None  # the zip, once the CSV outgrew the limit
        self._archive: zipfile.ZipFile | None = None
        self._inner: IO[bytes] | None = None  # the CSV inside the zip, being written
        self._too_large = False

    def add(self, rsvps: Sequence[Rsvp]) -> None:
        self.count += len(rsvps)
        self.confirmed += sum(1 for rsvp in rsvps if rsvp.status is Status.CONFIRMED)
        if self._too_large:  # only counted
            return
        data = attendees_csv(rsvps, header=False).encode("utf-8")
        if self._csv is not None:
            if self._csv.tell() + len(data) <= self.limit:
                self._csv.write(data)
                return
            self._packed = io.BytesIO()
            self._archive = zipfile.ZipFile(self._packed, "w", zipfile.ZIP_DEFLATED)
            self._inner = self._archive.open(f"{self.name}.csv", "w")
            self._inner.write(self._csv.getvalue())
            self._csv = None
        assert self._inner is not None and self._packed is not None
        self._inner.write(data)
        if self._packed.tell() > self.limit:
            self._drop()

    def file(self) -> tuple[str, bytes] | None:
        """The file's name and bytes, once every RSVP is added; None when too large."""
        if self._csv is not None:
            return f"{self.name}.csv", self._csv.getvalue()
        if self._too_large or self._inner is None or self._archive is None:
            return None
        self._inner.close()
        self._archive.close()
        assert self._packed is not None
        packed = self._packed.getvalue()
        return (f"{self.name}.zip", packed) if len(packed) <= self.limit else None

    def _drop(self) -> None:
        """Too large even zipped: what was written is let go."""
        self._too_large = True
        if self._inner is not None and self._archive is not None:  # (left open, the
            self._inner.close()  # archive would complain as it is collected)
            self._archive.close()
        self._csv = self._packed = self._archive = self._inner = None


# What spreadsheets read as a formula's start: the full-width forms too, which they take
# for the ASCII ones.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells starting with these as formulas, after trimming the spaces
    (and double quotes) before them (" =1+1"); a quote keeps them text. One whose list
    separator is ";" (Excel in German, French, Dutch...) starts a cell after every ";"
    of a line, quoted or not, so each part of a name after one is a cell of its own."""
    return ";".join("'" + part if _formula(part) else part for part in text.split(";"))


def _formula(cell: str) -> bool:
    return (cell[:1] in FORMULA_STARTS
            or cell.lstrip().lstrip('"').lstrip()[:1] in FORMULA_STARTS)


# -- lists and an event's end ----------------------------------------------------------

LIST_LIMIT = 25  # events shown by /event list; the rest are counted


def listing_line(lang: Language, listing: EventListing) -> str:
    """`/event list`: "`12` **Title** · <t:…:f> · 3 seats left · open"."""
    when = (start_text(lang, listing.starts_at, listing.all_day, "f") if listing.starts_at
            else lang._("no date yet"))
    if listing.archived:
        state = lang._("archived")
    elif listing.over:
        state = lang._("over")
    elif not listing.registration_open:
        state = lang._("closed")
    elif listing.seats_left == 0:
        state = lang._("full · open for the waitlist")
    else:
        state = lang.ngettext("{count} seat left · open", "{count} seats left · open",
                              listing.seats_left, count=f"{listing.seats_left:,}")
    return f"`{listing.id}` **{safe_clip(listing.title, 100)}** · {when} · {state}"


def events_list_embed(lang: Language, listings: Sequence[EventListing], *, past: bool,
                      total: int | None = None) -> discord.Embed:
    """The first events, one line each, at most LIST_LIMIT and within an embed's limits;
    the rest are counted, of `total` (default: those given; the store reads the first
    ones alone)."""
    total = len(listings) if total is None else total
    title = lang._("Events, past and archived included") if past else lang._("Events")

    def more_line(count: int) -> str:
        return lang._("…and {count} more: type in any command's `{event}` option to search "
                      "them.", count=f"{count:,}", event=lang.option_name("event"))

    tail = [] if past else [lang._("Past and archived events: `/event list {past}:True`.",
                                   past=lang.option_name("past"))]
    # room for the lines after the events, the count at its longest (all of them)
    room = EMBED_DESCRIPTION - sum(len(line) + 1 for line in [more_line(total), *tail])
    lines: list[str] = []
    size = 0
    for listing in listings[:LIST_LIMIT]:
        line = listing_line(lang, listing)
        if size + len(line) + 1 > room:
            break
        lines.append(line)
        size += len(line) + 1
    more = total - len(lines)
    if more > 0:
        lines.append(more_line(more))
    return discord.Embed(title=title, description="\n".join(lines + tail), colour=COLOUR)


# The most of a member's RSVPs `/rsvp mine` lists (the rest are counted): as many lines
# as one message holds, about; the store counts the waitlist positions of these alone.
MY_RSVPS_SHOWN = 50


def my_rsvps_text(lang: Language, rsvps: Sequence[MyRsvp], total: int | None = None) -> str:
    """`/rsvp mine`: the member's first RSVPs, one line each, within a message's limit
    and `MY_RSVPS_SHOWN`; `total`, how many they hold (default: those given)."""
    total = len(rsvps) if total is None else total
    if not rsvps:
        return lang._("You have no RSVPs in this server. See `/event list`.")
    header = lang._("Your RSVPs ({count}):", count=f"{total:,}")
    lines = [header]
    size = len(header)
    for rsvp in rsvps[:MY_RSVPS_SHOWN]:
        when = (start_text(lang, rsvp.starts_at, rsvp.all_day, "f") if rsvp.starts_at
                else lang._("no date yet"))
        status = (lang._("confirmed") if rsvp.position is None
                  else lang._("waitlisted (position {position})", position=f"{rsvp.position:,}"))
        if rsvp.over:
            status = f"{status} · {lang._('over')}"
        line = f"- `{rsvp.event_id}` **{safe_clip(rsvp.title, 100)}** · {when} · {status}"
        if size + len(line) + 1 > CONTENT - 60:
            break
        lines.append(line)
        size += len(line) + 1
    shown = len(lines) - 1  # the rest are counted: past the message's room, or the store's
    if total > shown:
        lines.append(lang._("…and {count} more.", count=f"{total - shown:,}"))
    return "\n".join(lines)


def cancelled_dm(lang: Language, title: str, known_as: str | None = None) -> str:
    """The DM each confirmed or waitlisted member gets when a moderator deletes an event;
    `known_as`, the title the member last heard it by (a rename's DM had not reached
    them), is named first, as a rename's own DM names both."""
    if known_as is not None and known_as != title:
        return lang._("{old_title} (lately renamed {title}) has been cancelled by the "
                      "organizers, so your RSVP for it is cancelled too. Sorry! See "
                      "`/event list` for what else is coming up.",
                      old_title=f"**{safe(known_as)}**", title=f"**{safe(title)}**")
    return lang._("{title} has been cancelled by the organizers, so your RSVP for it is "
                  "cancelled too. Sorry! See `/event list` for what else is coming up.",
                  title=f"**{safe(title)}**")


def cancelled_embed(lang: Language, title: str, taken_place: bool = False) -> discord.Embed:
    """What an announcement of a deleted event shows instead of the event: that it was
    cancelled, or, deleted after it had taken place, just that (it was not cancelled)."""
    if taken_place:
        return discord.Embed(title=safe_clip(title, EMBED_TITLE),
                             description=lang._("Over: this event has taken place"),
                             colour=discord.Colour.dark_grey())
    return discord.Embed(title=safe_clip(lang._("Cancelled: {title}", title=title), EMBED_TITLE),
                         description=lang._("This event was cancelled; it no longer takes "
                                            "RSVPs."),
                         colour=discord.Colour.dark_grey())


def deletion_question(lang: Language, title: str, confirmed: int, waitlisted: int,
                      taken_place: bool = False) -> str:
    """The moderator's confirmation step before an event is deleted. Each count is a whole
    noun phrase with its own plural, placed by the sentence's translation. An event that
    has taken place is not cancelled by its deletion: nobody is told it was."""
    counts = {
        "title": f"**{safe(title)}**",
        "confirmed": lang.ngettext("{count} confirmed RSVP", "{count} confirmed RSVPs",
                                   confirmed, count=f"{confirmed:,}"),
        "waitlisted": lang.ngettext("{count} waitlisted RSVP", "{count} waitlisted RSVPs",
                                    waitlisted, count=f"{waitlisted:,}")}
    if taken_place:
        return lang._(
            "Delete {title}? It has taken place, so its members get no DM about it (it holds "
            "{confirmed} and {waitlisted}). Its page, RSVPs and announcement buttons go too, "
            "and this can't be undone.", **counts)
    return lang._(
        "Delete {title}? It holds {confirmed} and {waitlisted}; each of those members gets "
        "one DM saying it was cancelled. Its page, RSVPs and announcement buttons go too, and "
        "this can't be undone.", **counts)
