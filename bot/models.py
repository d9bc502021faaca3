"""Read models the store returns and the renderers and CLI use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.pages import Person, Takeaway
from bot.registration import Seats, Status


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

    @property
    def seats(self) -> Seats:
        return Seats(self.capacity, self.confirmed, self.waitlisted, self.registration_open,
                     self.closed_reason, self.over_at)

    @property
    def over_at(self) -> datetime | None:
        """When the event is over: its end, else its start; None when it has no date. The
        one rule (SQL spells it `bot.storage.sqlite.session.OVER_AT`)."""
        return self.ends_at or self.starts_at

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
