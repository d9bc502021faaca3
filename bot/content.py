"""What an event says about itself, merged from its announcement and recap pages."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.pages import Page, Person, Takeaway, name_keys
from bot.pages_zh import has_han


@dataclass(frozen=True, slots=True)
class PageContent:
    """What an event's content takes from one of its pages, of `kind` in `lang`. An event
    keeps one page of each kind and language (its slot); the stores keep, beside it, what
    the pages saved into that slot by its last import gave (`slot_json`: a folder may
    give two), so that the content can be merged again from all the event's slots,
    without reading their pages again, when one of them is imported anew."""

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
    def of(cls, page: Page, lang: str) -> PageContent:
        return cls(page.kind, lang, page.description, page.off_the_record, page.access_notes,
                   page.language, page.translation, page.people, page.takeaways)


def slot_json(pages: Iterable[PageContent]) -> str:
    """What the pages of one slot gave, as JSON kept beside the slot's page."""
    return json.dumps([[p.kind, p.lang, p.description, p.off_the_record, p.access_notes,
                        p.language, p.translation, [[x.name, x.role, x.bio] for x in p.people],
                        [[t.heading, t.text] for t in p.takeaways]] for p in pages],
                      ensure_ascii=False, separators=(",", ":"))


def slot_from_json(text: str | None) -> list[PageContent] | None:
    """`slot_json`'s pages; None for a slot saved before it was kept, or a value this
    code did not write (a tool's row, a damaged one)."""
    try:
        records = json.loads(text or "")
        if not isinstance(records, list) or not records:  # a slot holds a page at least
            return None
        return [PageContent(kind, lang, description, bool(off), tuple(notes), language,
                            translation, tuple(Person(*person) for person in people),
                            tuple(Takeaway(*point) for point in points))
                for kind, lang, description, off, notes, language, translation, people, points
                in records]
    except (ValueError, TypeError):
        return None


def merged_content(pages: Iterable[PageContent]) -> EventContent:
    """An event's content from all its pages, given in the order they were imported:
    the announcements first, English before Chinese (whatever order they came in), then
    the recaps as they came (the last one imported gives the summary and the takeaways,
    as a recap imported over another always has). Merged again on every import, so an
    edited page imported again replaces what it said (a bio, a speaker gone, its
    description) instead of adding to it."""
    content = EventContent()
    for page in sorted(pages, key=lambda p: (p.kind != "announcement",
                                             p.kind == "announcement" and p.lang != "en")):
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

