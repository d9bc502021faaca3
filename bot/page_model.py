"""What the page importer produces: a ``Page`` with its people and takeaways. Pure."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bot.i18n import Text

ROLES = ("moderator", "speaker", "discussant", "host", "chair")


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    role: str
    bio: str


@dataclass(frozen=True, slots=True)
class Takeaway:
    heading: str
    text: str


@dataclass(frozen=True, slots=True)
class Page:
    kind: str
    title: str | None
    date_text: str | None
    location: str | None
    description: str
    registration_closed: bool
    off_the_record: bool
    access_notes: tuple[str, ...]
    language: str | None
    translation: str | None
    people: tuple[Person, ...]
    takeaways: tuple[Takeaway, ...]
    skipped: tuple[Text, ...]  # what could not be placed, said in the reader's language
    # The visible text's own date line, where the page's structured data (a web page's
    # JSON-LD) gave the date line instead: the importer tells the moderator when the two
    # give different days. Not part of what the page says (`to_dict`).
    text_date: str | None = None
    # What the page's structured data says has become of the event: "cancelled" (then its
    # registration is closed too) or "postponed" (its date may change); None: neither.
    event_status: str | None = None

    @property
    def moderator(self) -> str | None:
        return next((p.name for p in self.people if p.role == "moderator"), None)

    def to_dict(self) -> dict:
        data = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()
                if k != "text_date"}
        return data | {"moderator": self.moderator, "skipped": list(map(str, self.skipped))}
