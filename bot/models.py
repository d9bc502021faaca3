"""The typed values that cross the layers: what the store takes and returns, and what the
renderers, the cogs and the CLI use. No backend's rows leak out of storage."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple, TypeAlias, TypeVar

from bot.page_model import Person, Takeaway
from bot.registration import JoinResult, Seats, Status
from bot.times import When

NO_WHEN = When()

# What no store can hold: PostgreSQL's text takes no NUL, and a lone surrogate (a broken
# "\ud83d" escape in JSON) is no character of any UTF.
_UNSTORABLE = re.compile("[\0\ud800-\udfff]")


def storable_text(text: str) -> str:
    """`text` as every store holds it: a NUL dropped, a lone surrogate as U+FFFD."""
    if _UNSTORABLE.search(text) is None:
        return text
    return _UNSTORABLE.sub(lambda found: "" if found.group() == "\0" else "\ufffd", text)


# The largest id a store keeps: a signed 64-bit integer in SQLite and PostgreSQL alike.
# Discord's ids are snowflakes, which stay below it (their top bit is the timestamp's,
# not reached before 2084).
MAX_ID = 2**63 - 1


def is_discord_id(value: int) -> bool:
    """Whether `value` can be a Discord id (a server's, a user's), as the stores keep them."""
    return 0 < value <= MAX_ID


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    guild_id: int
    slug: str
    title: str
    venue: str | None
    link: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    capacity: int
    confirmed: int
    waitlisted: int
    registration_open: bool
    closed_reason: str | None
    description: str
    recap_summary: str
    language: str | None
    translation: str | None
    off_the_record: bool
    access_notes: tuple[str, ...]
    has_recap: bool
    people: tuple[Person, ...]
    takeaways: tuple[Takeaway, ...]
    all_day: bool = False  # a date without a time: starts_at is midnight UTC of that date
    archived: bool = False  # hidden from lists; refuses joins
    is_sample: bool = False  # the bundled sample every new server gets
    # An all-day event's day runs midnight to midnight in the server's zone: how far that
    # zone is ahead of UTC at its start and end, in seconds (`bot.zones.day_offsets`).
    start_offset: int = 0
    end_offset: int = 0
    # The revision of what a calendar shows of it (title, times, venue, link, description):
    # the `.ics` file's SEQUENCE, by which calendars take a new copy as an update. The
    # database raises it by one for each write that changes any of those (migration 24's
    # trigger), whatever writes the row: it only ever goes up.
    revision: int = 0
    # The `.ics` file's UID, unique to this event in every database: a random one given as
    # it is made (migration 40). Its id is not: a restored backup gives an id again, and
    # another deployment's database has its own event of the same id in the same server.
    # None for a row written without it (a tool's); its calendar then says it by its id.
    calendar_uid: str | None = None

    @property
    def seats(self) -> Seats:
        return Seats(self.capacity, self.confirmed, self.waitlisted, self.registration_open,
                     self.closed_reason, self.over_at, archived=self.archived)

    @property
    def text_size(self) -> int:
        """The characters of text the event holds, what caches of events count: its
        pages' description, summary, people and takeaways."""
        return (len(self.description) + len(self.recap_summary)
                + sum(len(p.name) + len(p.bio) for p in self.people)
                + sum(len(t.heading) + len(t.text) for t in self.takeaways)
                + sum(map(len, self.access_notes)))

    @property
    def start_moment(self) -> datetime | None:
        """When the event begins: its start, or for an all-day event the server's midnight."""
        return None if self.starts_at is None else (
            self.starts_at - timedelta(seconds=self.start_offset))

    @property
    def end_moment(self) -> datetime | None:
        """When it ends, as `start_moment` reads its start; None when it has no end."""
        return None if self.ends_at is None else (
            self.ends_at - timedelta(seconds=self.end_offset))

    @property
    def over_at(self) -> datetime | None:
        """When the event is over: its end, else its start; None when it has no date. The
        one rule (SQL spells it `bot.storage.sqlite.session.OVER_AT`)."""
        return self.end_moment or self.start_moment

    def is_over(self, now: datetime) -> bool:
        return self.seats.has_taken_place(now)

    @property
    def seats_left(self) -> int:
        return self.seats.seats_left

    @property
    def full(self) -> bool:
        return self.seats.full

    @property
    def moderator(self) -> str | None:
        return next((p.name for p in self.people if p.role == "moderator"), None)


@dataclass(frozen=True, slots=True)
class Rsvp:
    user_id: int
    name: str
    status: Status
    position: int | None  # waitlist position from 1; None when confirmed
    joined_at: datetime
    seq: int | None = None  # its arrival number: joining again after a cancel takes a new one

MATCH_START, MATCH_END = "\x02", "\x03"  # around the matched words of a Passage's excerpt


@dataclass(frozen=True, slots=True)
class EventDraft:
    """What an import says about an event besides its pages."""

    slug: str
    title: str
    capacity: int | None = None  # None keeps the current capacity (or the default)
    venue: str | None = None
    link: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    all_day: bool = False  # with starts_at: it is a date (midnight UTC), not a time
    # What the page says: it fills only what the event does not have yet, so an option, an
    # event.toml value or an edit always wins over the page (and a recap's date over none).
    page_when: When = NO_WHEN
    page_venue: str | None = None


@dataclass(frozen=True, slots=True)
class EventEdit:
    """The when and where of an event as `/manage edit` sets them: None clears a field."""

    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    all_day: bool
    venue: str | None
    link: str | None

    @classmethod
    def of(cls, event: Event) -> EventEdit:
        """What the event has now of what an edit sets: an edit made from it may be saved
        only while the event still has it (`edit_event`'s `expected`)."""
        return cls(event.title, event.starts_at, event.ends_at, event.all_day, event.venue,
                   event.link)


@dataclass(frozen=True, slots=True)
class EventSummary:
    id: int
    title: str
    starts_at: datetime | None
    slug: str = ""
    archived: bool = False
    # When the event was made: a button older than that is of another event, one a
    # database restored from a backup has lost (`bot.adapters.rsvp_buttons`).
    created_at: datetime | None = field(default=None, compare=False)


class Joined(NamedTuple):
    """A join as the store decided it, with the event as it stood in that transaction
    (what the reply names), so a join needs no lookup of the event first."""

    event: EventSummary
    result: JoinResult


@dataclass(frozen=True, slots=True)
class EventListing:
    """One line of `/event list`: when, how many seats are left, whether it takes RSVPs."""

    id: int
    title: str
    starts_at: datetime | None
    seats_left: int
    registration_open: bool
    archived: bool
    over: bool
    all_day: bool = False  # starts_at is a date (`Event.all_day`)


class EventListings(NamedTuple):
    """The first lines of `/event list`, in its order, and how many events it has in all
    (those and the rest, which the reply counts). A reply shows a few dozen, so the store
    reads those alone however many events a server holds."""

    shown: list[EventListing]
    total: int


@dataclass(frozen=True, slots=True)
class EventTitle:
    """An event as the `[event]` option offers it: what its choice says."""

    id: int
    title: str
    starts_at: datetime | None
    all_day: bool
    archived: bool
    slug: str  # an event is named by it too (`bot.flows.events.resolve`)


@dataclass(frozen=True, slots=True)
class EventTitles:
    """A server's events in `/event list`'s order (archived ones included), as of the
    server's events version `version` (`Events.event_titles`), holding until `until` (the
    next moment one of them begins or ends, which changes the order; None: never)."""

    version: int
    until: datetime | None
    titles: tuple[EventTitle, ...]

    def holds(self, version: int, now: datetime) -> bool:
        """Whether these are still the server's titles in order at `version` and `now`."""
        return version == self.version and (self.until is None or now < self.until)


@dataclass(frozen=True, slots=True)
class MyRsvp:
    """One of a member's RSVPs, for `/rsvp mine`."""

    event_id: int
    title: str
    starts_at: datetime | None
    status: Status
    position: int | None  # waitlist position from 1; None when confirmed
    all_day: bool = False  # starts_at is a date (`Event.all_day`)
    over: bool = False  # the event has taken place


class MyRsvps(NamedTuple):
    """The first of a member's RSVPs, in `/rsvp mine`'s order, and how many they hold: a
    reply shows a few dozen, and each waitlist position shown costs a count."""

    shown: list[MyRsvp]
    total: int


class DeletedEvent(NamedTuple):
    """What is kept of a deleted event, for a click on a button left under its
    announcement: its title, and whether it had taken place (tidied away, not cancelled)."""

    title: str
    taken_place: bool = False


@dataclass(frozen=True, slots=True)
class Deletion:
    """What deleting an event removed."""

    title: str
    confirmed: int
    waitlisted: int
    # it had taken place: tidied away, not cancelled, so its members were not told it was
    taken_place: bool = False


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of what an event says, found by `/event ask`."""

    event_id: int
    event_title: str
    source: str  # "page", "recap", "bio:<name>" or "takeaway:<heading>"
    text: str
    excerpt: str  # the best-matching stretch, matched words between MATCH_START/MATCH_END



# Seconds a claimed notice stays claimed: one its deliverer left unacknowledged (its process
# died, or Discord failed it) is handed out again after this long.
CLAIM_SECONDS = 60
# What waits on Discord is given up this long at most: a notice Discord keeps failing, or
# one held for a server that is away (an outage, the bot removed from it), a day after it
# was written (`bot.adapters.notice_lanes`); an attendee role owed back in a server that
# removed the bot, a day after that was found (`bot.adapters.attendee_roles`). By then it
# is news to no one, and it would wait (and cost memory) for as long as the bot runs.
GIVE_UP_AFTER = timedelta(hours=24)


class NoticeKind(StrEnum):
    """What an outbox notice tells Discord (see `bot.adapters.notice_sender` for each
    delivery)."""

    CAPACITY = "capacity"  # the event filled up
    PROMOTED = "promoted"  # a DM
    CLOSED = "closed"
    OPENED = "opened"
    RECAP = "recap"  # a recap with takeaways arrived
    CHANGED = "changed"
    CHANGED_DM = "changed_dm"  # the same, to one member
    DELETED = "deleted"
    CANCELLED = "cancelled"  # a DM
    REMOVED = "removed"  # a DM: a moderator removed the member's RSVP
    # An import changed the event: its announcements are edited to match. The bot's own
    # imports edit them at once; this reaches the bot from an import on the command line.
    REFRESH = "refresh"


# One payload per kind. Field names are the JSON keys stored in the outbox, so rows
# written before these types existed still load; a default is what a missing key means.

@dataclass(frozen=True, slots=True)
class CapacityPayload:
    pass


@dataclass(frozen=True, slots=True)
class PromotedPayload:
    user_id: int
    # The promoted RSVP's arrival number: delivered late, the DM goes only to that RSVP,
    # not to a seat the member took anew since (None in notices stored before it was kept).
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class ClosedPayload:
    reason: str | None = None
    by: int | None = None  # the moderator, None when a rule closed it


@dataclass(frozen=True, slots=True)
class OpenedPayload:
    by: int | None = None


@dataclass(frozen=True, slots=True)
class RecapPayload:
    pass


@dataclass(frozen=True, slots=True)
class ChangedTo:
    """The start, end, venue and title a change gave an event. Its notices carry them and
    name them: delivered after later changes (Discord held them up), each still tells its
    own change, instead of the event's latest state a second time."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    all_day: bool = False
    venue: str | None = None
    title: str | None = None  # None in notices stored before it was kept: the event's own

    def on(self, event: Event) -> Event:
        """The event as this change left it."""
        return replace(event, starts_at=self.starts_at, ends_at=self.ends_at,
                       all_day=self.all_day, venue=self.venue,
                       title=event.title if self.title is None else self.title)


@dataclass(frozen=True, slots=True)
class ChangedPayload:
    moved: bool = False
    venue_changed: bool = False
    to: ChangedTo | None = None  # None in notices stored before it was kept: shown as it is
    # The title members knew the event by, when the change renamed it (the earliest of the
    # changes folded into one notice): named beside the new one, so they know their event.
    renamed_from: str | None = None


@dataclass(frozen=True, slots=True)
class ChangedDmPayload:
    user_id: int
    moved: bool = False
    venue_changed: bool = False
    # The member's RSVP's arrival number at the change: delivered late, the DM goes only to
    # that RSVP, not to a member who cancelled since, or joined anew knowing of the change
    # (None in notices stored before it was kept).
    seq: int | None = None
    to: ChangedTo | None = None  # as in ChangedPayload
    renamed_from: str | None = None  # as in ChangedPayload


@dataclass(frozen=True, slots=True)
class DeletedPayload:
    title: str
    messages: tuple[tuple[int, int], ...] = ()  # (channel id, message id) of its announcements
    scheduled_event_id: int | None = None
    taken_place: bool = False  # its announcements say it took place, not that it was cancelled


@dataclass(frozen=True, slots=True)
class CancelledPayload:
    user_id: int
    title: str
    # The title the member last heard the event by, when a rename's DM had not reached them
    # by its deletion (`known_titles`): named beside the one it was cancelled under.
    known_as: str | None = None


@dataclass(frozen=True, slots=True)
class RemovedPayload:
    user_id: int


@dataclass(frozen=True, slots=True)
class RefreshPayload:
    # The event's start moment (`Event.start_moment`) before the import, when the import
    # moved it: the event's Discord event follows the move as after a change made in
    # Discord (`bot.adapters.scheduled_events.follow_change`), removed or replaced where
    # Discord cannot move it. None when the start stayed, when the importer had the Discord
    # event follow itself (the bot's own imports), and in notices stored before it was
    # kept (the Discord event then takes the new details only).
    moved_from: datetime | None = None


NoticePayload: TypeAlias = (CapacityPayload | PromotedPayload | ClosedPayload | OpenedPayload
                 | RecapPayload | ChangedPayload | ChangedDmPayload | DeletedPayload
                 | CancelledPayload | RemovedPayload | RefreshPayload)

PAYLOAD_TYPES: dict[NoticeKind, type[NoticePayload]] = {
    NoticeKind.CAPACITY: CapacityPayload,
    NoticeKind.PROMOTED: PromotedPayload,
    NoticeKind.CLOSED: ClosedPayload,
    NoticeKind.OPENED: OpenedPayload,
    NoticeKind.RECAP: RecapPayload,
    NoticeKind.CHANGED: ChangedPayload,
    NoticeKind.CHANGED_DM: ChangedDmPayload,
    NoticeKind.DELETED: DeletedPayload,
    NoticeKind.CANCELLED: CancelledPayload,
    NoticeKind.REMOVED: RemovedPayload,
    NoticeKind.REFRESH: RefreshPayload,
}
NOTICE_KINDS: dict[type[NoticePayload], NoticeKind] = {t: k for k, t in PAYLOAD_TYPES.items()}
# What a change of an event's start or venue queues: the channel's notice and members' DMs.
CHANGE_KINDS = (NoticeKind.CHANGED, NoticeKind.CHANGED_DM)


def fold_unsent(new: list[NoticePayload], unsent: list[NoticePayload]) -> list[NoticePayload]:
    """A change's notices with the event's change notices nobody has sent yet folded in:
    the channel, and each member, not yet told of an earlier change hear of both in one
    notice, with the event as the latest change left it, instead of one per quick edit
    (none where they undid each other's rename). An unsent DM with nothing to fold into (a
    member no longer registered, or registered anew since) is kept as it was, ahead of the
    new notices."""
    channel = [p for p in unsent if isinstance(p, ChangedPayload)]
    dms: dict[tuple[int, int | None], ChangedDmPayload] = {}
    for p in unsent:
        if isinstance(p, ChangedDmPayload):
            had = dms.get((p.user_id, p.seq))
            dms[(p.user_id, p.seq)] = p if had is None else _both(had, p)
    folded: list[NoticePayload] = []
    for p in new:
        if isinstance(p, ChangedPayload):
            for earlier in channel:
                p = _both(earlier, p)
        elif isinstance(p, ChangedDmPayload) and (
                earlier_dm := dms.pop((p.user_id, p.seq), None)) is not None:
            p = _both(earlier_dm, p)
        folded.append(p)
    return [p for p in (*dms.values(), *folded) if _tells_something(p)]


def _tells_something(p: NoticePayload) -> bool:
    """Whether a (folded) change notice has news: not so a rename undone before anyone
    heard of it."""
    if not isinstance(p, ChangedPayload | ChangedDmPayload) or p.moved or p.venue_changed:
        return True
    return p.renamed_from is not None and (p.to is None or p.renamed_from != p.to.title)


def known_titles(notices: Iterable[NoticePayload]) -> dict[int, str]:
    """The title each member knew an event by, of its rename DMs still in the outbox as it
    is deleted (in their order; one being sent may have reached them, or not): the title
    the earliest of them renamed it from."""
    known: dict[int, str] = {}
    for p in notices:
        if isinstance(p, ChangedDmPayload) and p.renamed_from is not None:
            known.setdefault(p.user_id, p.renamed_from)
    return known


_Change = TypeVar("_Change", ChangedPayload, ChangedDmPayload)


def _both(earlier: _Change, later: _Change) -> _Change:
    """One change notice telling of two changes: what either changed, as the later left it."""
    return replace(later, moved=earlier.moved or later.moved,
                   venue_changed=earlier.venue_changed or later.venue_changed,
                   renamed_from=(later.renamed_from if earlier.renamed_from is None
                                 else earlier.renamed_from))


@dataclass(frozen=True, slots=True)
class Notice:
    """An outbox row: something to tell Discord, written in the same transaction as its cause."""

    id: int
    guild_id: int
    event_id: int
    payload: NoticePayload
    queued_at: datetime | None = None  # when its cause wrote it (None: not read)

    @property
    def kind(self) -> NoticeKind:
        return NOTICE_KINDS[type(self.payload)]


class EventRef(NamedTuple):
    """An event as the CLI lists it."""

    guild_id: int
    id: int
    slug: str
    title: str


class AnnouncementMessage(NamedTuple):
    channel_id: int
    message_id: int
    rendered: str | None  # digest of what it shows, so an unchanged one is not edited


class ReminderSettings(NamedTuple):
    minutes: tuple[int, ...]  # offsets before the start, largest first; () is off
    scheduled_events: bool  # whether events get a Discord scheduled event


class DueReminder(NamedTuple):
    """One reminder message to send: it covers every offset in `minutes` that came due."""

    guild_id: int
    event_id: int
    title: str
    starts_at: datetime
    venue: str | None
    user_id: int
    minutes: tuple[int, ...]
    # What a give-back needs (`release_reminders`): the member's last reminder before this
    # claim (-1: none) and the claim's time, which it records as theirs.
    last_sent: int
    claimed_at: int
    # An all-day event's date (midnight UTC of it), which the reminder shows alone.
    day: datetime | None = None


class RolesToGive(NamedTuple):
    """An event whose attendee role a stop may have left short of some confirmed members:
    the next start gives it to those not known to hold it, or to `everyone` confirmed
    (`/manage role` was used and not acted on yet). `again`: members the stop left maybe
    holding the role, or maybe not (a grant or removal under way, a grant answered with a
    server error, a removal still owed), recorded as maybe holding it: the start gives it
    to those of them who are confirmed."""

    guild_id: int
    event_id: int
    everyone: bool
    again: tuple[int, ...] = ()


class RoleGrant(NamedTuple):
    """An event that gives out an attendee role, and who should hold it."""

    guild_id: int
    event_id: int
    role_id: int
    confirmed: list[int]


class OwedRole(NamedTuple):
    """Members an attendee role is still to be taken back from, for an event (an earlier
    role of it, a removal that failed, its own role once it is over)."""

    guild_id: int
    event_id: int
    role_id: int
    user_ids: tuple[int, ...]


class OwedChange(NamedTuple):
    """A change to the roles owed back: with `owed`, these members owe the event's role
    `role_id` back (`guild_id` is the event's server); without, they no longer do (none
    of them, when `user_ids` is None)."""

    owed: bool
    event_id: int
    role_id: int
    user_ids: tuple[int, ...] | None
    guild_id: int = 0


class RoleNotice(NamedTuple):
    """A notice to the moderators about an attendee role: Discord refused the bot the role
    for `events[0]` (to give it when `giving`, else to take it back; `unoffered`: the
    server does not offer the route), or, when `deleted`, the role `name` the `events`
    gave out was deleted. Held (in the database) while Discord has not sent its server,
    one per role, and made once it arrives unless held GIVE_UP_AFTER or longer (`fresh`)."""

    guild_id: int
    role_id: int
    events: tuple[int, ...]
    held_at: datetime
    deleted: bool = False
    giving: bool = False
    unoffered: bool = False
    name: str | None = None

    def fresh(self, now: datetime) -> bool:
        """Whether the notice is still worth making at `now`."""
        return now - self.held_at < GIVE_UP_AFTER


class SeenLocale(NamedTuple):
    """A member's client locale, and when a process saw them use it (the sight it wrote;
    to the second once recorded)."""

    locale: str
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class LocalePrune:
    """Where a forgetting of members' languages (`forget_member_locales`) stands between
    its steps, each a short call of its own so that no other work waits on it long."""

    before: datetime  # what was recorded before it, of members who need it no more, goes
    now: datetime  # an event over by then sends no more DMs: its RSVPs keep no language
    step: str = "start"  # then "forget", "done"; SQLite's: "holders", "rsvps", "notices",
    # "forget", "records" (the next batch), "done"
    after: tuple[int, ...] = ()  # the keys the step's next rows come after
    forgotten: int = 0  # so far
    candidates: tuple[int, ...] = ()  # the members still to forget (of the batch, SQLite)
    to_look_at: tuple[int, ...] = ()  # SQLite: the batch's members whose RSVPs are unread
    # SQLite: the members with an old record the outbox names, as read up to its notice
    # `notices_read` (a notice's id is never given again: each batch reads only the newer)
    named: frozenset[int] = frozenset()
    notices_read: int = 0

    @property
    def done(self) -> bool:
        return self.step == "done"


class GuildLeft(NamedTuple):
    guild_id: int
    left_at: datetime
