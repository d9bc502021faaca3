"""What an event says about itself, merged from its announcement and recap pages."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.errors import InvalidValue
from bot.pages import Page, Person, Takeaway, name_keys, parse_page
from bot.pages_zh import has_han


@dataclass(frozen=True, slots=True)
class PageContent:
    """What an event's content takes from one of its pages, of `kind` in `lang` (the
    page's slot: an event keeps one page of each). The stores keep it beside the page's
    text, so that the content can be merged again from all the event's pages, without
    reading them again, when one of them is imported anew."""

    kind: str
    lang: str
    description: str = ""
    off_the_record: bool = False
    access_notes: tuple[str, ...] = ()
    language: str | None = None
    translation: str | None = None
    people: tuple[Person, ...] = ()
    takeaways: tuple[Takeaway, ...] = ()

    @classmethod
    def of(cls, page: Page, lang: str, kind: str | None = None) -> PageContent:
        return cls(kind or page.kind, lang, page.description, page.off_the_record,
                   page.access_notes, page.language, page.translation, page.people,
                   page.takeaways)

    @classmethod
    def read(cls, body: str, kind: str, lang: str) -> PageContent | None:
        """A stored page's text read again (pages saved before their content was kept);
        None if it no longer reads as a page."""
        try:
            return cls.of(parse_page(body), lang, kind)
        except InvalidValue:
            return None

    def to_json(self) -> str:
        return json.dumps([self.kind, self.lang, self.description, self.off_the_record,
                           self.access_notes, self.language, self.translation,
                           [[p.name, p.role, p.bio] for p in self.people],
                           [[t.heading, t.text] for t in self.takeaways]],
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> PageContent | None:
        """None for a value this code did not write (a tool's row, a damaged one)."""
        try:
            kind, lang, description, off, notes, language, translation, people, points = (
                json.loads(text))
            return cls(kind, lang, description, bool(off), tuple(notes), language,
                       translation, tuple(Person(*person) for person in people),
                       tuple(Takeaway(*point) for point in points))
        except (ValueError, TypeError):
            return None


def merged_content(pages: Iterable[PageContent]) -> EventContent:
    """An event's content from all its pages, merged in one order whatever the order of
    their imports: announcements before recaps, English before Chinese. So an edited
    page imported again replaces what it said (a bio, a speaker gone, its description)
    instead of adding to it."""
    content = EventContent()
    for page in sorted(pages, key=lambda p: (p.kind != "announcement", p.lang != "en")):
        content = content.merged_with(page)
    return content


@dataclass(frozen=True, slots=True)
class EventContent:
    description: str = ""
    recap_summary: str = ""
    language: str | None = None
    translation: str | None = None
    off_the_record: bool = False
    access_notes: tuple[str, ...] = ()
    people: tuple[Person, ...] = ()
    takeaways: tuple[Takeaway, ...] = ()

    def merged_with(self, page: Page | PageContent) -> EventContent:
        """The content once `page` is merged into it (`merged_content` merges all of an
        event's pages in its order).

        The announcement owns the description (its version in the other language adds
        to it); the recap owns the summary and takeaways. People are kept once by name
        ("赵通 (Tong Zhao)" is "Tong Zhao"), the first page's bio winning, so a recap
        never duplicates a speaker.
        """
        known = frozenset().union(*(name_keys(p.name) for p in self.people))
        people = self.people + tuple(p for p in page.people if not name_keys(p.name) & known)
        noted = set(self.access_notes)  # a set: a page of many notes merges in linear time
        merged = replace(
            self,
            language=page.language or self.language,
            translation=page.translation or self.translation,
            off_the_record=self.off_the_record or page.off_the_record,
            access_notes=self.access_notes
            + tuple(n for n in page.access_notes if n not in noted),
            people=people,
        )
        if page.kind == "recap":
            return replace(merged, recap_summary=page.description,
                           takeaways=page.takeaways or self.takeaways,
                           description=self.description or page.description)
        if self._translates(page.description):
            return replace(merged, description=f"{self.description}\n\n{page.description}")
        return replace(merged, description=page.description)

    def _translates(self, description: str) -> bool:
        """Is this the announcement in the other language (Chinese for English, or back)?
        It then adds its description to the one there instead of replacing it."""
        return (bool(self.description) and bool(description)
                and description not in self.description
                and has_han(description) != has_han(self.description))

