"""What an event says about itself, merged from its announcement and recap pages."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.pages import Page, Person, Takeaway, name_keys
from bot.pages_zh import has_han


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

    def merged_with(self, page: Page) -> EventContent:
        """The content once `page` is imported over it.

        The announcement owns the description (its version in the other language adds
        to it); the recap owns the summary and takeaways. People are kept once by name
        ("赵通 (Tong Zhao)" is "Tong Zhao"), first bio wins, so re-importing a page
        changes nothing and a recap never duplicates a speaker.
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

