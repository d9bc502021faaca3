"""What an event says about itself, merged from its announcement and recap pages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from bot.page_model import Page, Person, Takeaway
from bot.pages_names import (
    PAIRED,
    comparable,
    key,
    name_keys,
    swapped_keys,
    untitled,
    with_other_script,
    without_initials,
)
from bot.pages_zh import has_han, page_language


@dataclass(frozen=True, slots=True)
class PageContent:
    """What an event's content takes from one of its pages, of `kind` in `lang`, whose
    text hashes to `text_hash` (`page_hash`: the same text whatever its spacing)."""

    kind: str
    lang: str
    description: str = ""
    off_the_record: bool = False
    access_notes: tuple[str, ...] = ()
    language: str | None = None
    translation: str | None = None
    people: tuple[Person, ...] = ()
    takeaways: tuple[Takeaway, ...] = ()
    text_hash: str = ""
    # whether the page said registration has closed (None: kept before this was)
    registration_closed: bool | None = None

    @classmethod
    def of(cls, page: Page, body: str, text_hash: str = "") -> PageContent:
        """What `page`, read from `body`, gives the content of its slot (`slot_of`)."""
        return cls(*slot_of(page.kind, body), page.description, page.off_the_record,
                   page.access_notes, page.language, page.translation, page.people,
                   page.takeaways, text_hash, page.registration_closed)


@dataclass(frozen=True, slots=True)
class Slot:
    """An event keeps one page of each kind and language: its slot. The stores keep,
    beside the slot's page, what its pages gave the content (`pages`: an event folder
    imported before such folders were refused may have given two of one kind and
    language), when the slot was first filled (`first`) and last written (`last`),
    counted in the event's page imports. The content is merged again
    from them on every import, without reading any page again."""

    first: int
    last: int
    pages: tuple[PageContent, ...]
    # Whether an earlier page of the slot gave takeaways: a recap edited to drop its
    # bullets, then given them back, is not news again (`new_recaps`).
    had_takeaways: bool = False

    @property
    def told(self) -> bool:
        """Whether the slot gives takeaways, or gave them before."""
        return self.had_takeaways or any(page.takeaways for page in self.pages)

    def to_json(self) -> str:
        return json.dumps({"first": self.first, "last": self.last,
                           "had_takeaways": self.had_takeaways, "pages": [
            [p.kind, p.lang, p.description, p.off_the_record, p.access_notes, p.language,
             p.translation, [[x.name, x.role, x.bio] for x in p.people],
             [[t.heading, t.text] for t in p.takeaways], p.text_hash, p.registration_closed]
            for p in self.pages]},
            ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> Slot | None:
        """None for a slot saved before it was kept, or a value this code did not write
        (a tool's row, a damaged one)."""
        try:
            kept = json.loads(text or "")
            pages = tuple(
                PageContent(kind, lang, description, bool(off), tuple(notes), language,
                            translation, tuple(Person(*person) for person in people),
                            tuple(Takeaway(*point) for point in points), str(text_hash),
                            None if not closed or closed[0] is None else bool(closed[0]))
                for kind, lang, description, off, notes, language, translation, people,
                points, text_hash, *closed in kept["pages"])
            if not pages:  # a slot holds a page at least
                return None
            return cls(int(kept["first"]), int(kept["last"]), pages,
                       kept.get("had_takeaways") is True)
        except (ValueError, TypeError, KeyError):
            return None


def person_called(people: Iterable[Person], typed: str) -> Person | None:
    """The person `typed` names: the whole name, either script of a paired one or the pair
    in either order ("李彬", "李彬（Li Bin）" for "Li Bin (李彬)"), else the first name
    holding it (an autocomplete value longer than Discord keeps reaches the bot cut
    short), else the name of two words in the other order: a Chinese name in pinyin is
    written family name first or last ("Zhao Tong" for "Tong Zhao (赵通)"). A name
    answers without its middle initials too (`answers_to`). Full-width letters and
    brackets, as a Chinese keyboard types them, count as their plain forms."""
    people = list(people)
    needle = _typed_name(typed)
    bare = untitled(needle)  # "Dr. Li Bin": as typed first (a "He" may be a family name)
    return (_person_called(people, needle)
            or (_person_called(people, bare) if bare != needle else None))


def _person_called(people: list[Person], needle: str) -> Person | None:
    if not needle:
        return None
    named = [(p, comparable(p.name)) for p in people]  # a page may keep full-width letters
    keys = name_keys(needle)
    swapped = _swapped_keys(needle)
    return (next((p for p, name in named if name == needle), None)
            or next((p for p, _ in named if keys and keys <= answers_to(p.name)), None)
            or next((p for p, name in named if needle in name), None)
            or next((p for p, _ in named if swapped and swapped <= answers_to(p.name)), None))


def people_matching(people: Iterable[Person], typed: str) -> list[Person]:
    """The people whose names `typed` may be the start of, for the autocomplete: as
    `person_called` finds them, or holding it, with or without its titles (`untitled`);
    everyone while nothing is typed."""
    needle = _typed_name(typed)
    needles = dict.fromkeys([needle, untitled(needle)])
    wanted = [keys for n in needles for keys in (name_keys(n), _swapped_keys(n))]
    return [p for p in people
            if any(n in comparable(p.name) for n in needles)
            or _answers_to(answers_to(p.name), *wanted)]


def answers_to(name: str) -> frozenset[str]:
    """The keys a person's name answers to when typed: `name_keys`, and each half
    without its middle initials ("William Perry" for "William J. Perry"), as the
    importer counts the two one person and a member, or the other page, writes it."""
    paired = PAIRED.fullmatch(name)
    short = (without_initials(half) for half in (paired.groups() if paired else (name,)))
    return name_keys(comparable(name)) | frozenset(filter(None, map(key, filter(None, short))))


def _answers_to(own: frozenset[str], *wanted: frozenset[str]) -> bool:
    return any(keys and keys <= own for keys in wanted)


def _swapped_keys(needle: str) -> frozenset[str]:
    """The keys of a typed name of two words in the other order; none for another name."""
    words = needle.split()
    return name_keys(f"{words[1]} {words[0]}") if len(words) == 2 and "(" not in needle \
        else frozenset()


def _typed_name(typed: str) -> str:
    needle = comparable(typed[:LONGEST_TYPED_NAME])
    return _OPENING_BRACKET.sub(" (", needle) if needle.endswith(")") else needle


LONGEST_TYPED_NAME = 300  # a page's names are shorter; Discord lets an option hold 6,000
_OPENING_BRACKET = re.compile(r" ?\(")  # "Li Bin(李彬)" as "Li Bin (李彬)"


def slot_of(kind: str, body: str) -> tuple[str, str]:
    """The slot of a page of `kind` whose text is `body`: its kind and language. An event
    keeps one page of each (`filled_slots`)."""
    return kind, page_language(body)


def filled_slots(kept: Mapping[tuple[str, str], Slot | None],
                 pages: Iterable[PageContent]) -> dict[tuple[str, str], Slot]:
    """The slots an import of `pages` writes, given the event's `kept` ones (None: one from
    before slots were kept). A page takes the place of the slot's page with its text (an
    unchanged page again, or one of a folder's two), else of all the slot's pages (an
    edited page); the pages of one import that share a slot are all kept."""
    counter = max((slot.last for slot in kept.values() if slot is not None), default=0)
    written: dict[tuple[str, str], Slot] = {}
    for page in pages:
        counter += 1
        key = (page.kind, page.lang)
        if key in written:  # a second page of this slot in this import
            slot = written[key]
            written[key] = Slot(slot.first, counter, (*slot.pages, page),
                                slot.had_takeaways)
            continue
        before = kept.get(key)
        if before is None:
            written[key] = Slot(counter, counter, (page,))
        elif page.text_hash in {p.text_hash for p in before.pages}:
            written[key] = Slot(before.first, counter, tuple(
                page if p.text_hash == page.text_hash else p for p in before.pages),
                before.told)
        else:
            written[key] = Slot(before.first, counter, (page,), before.told)
    return written


def replaces_other_pages(kept: Slot | None, kept_hash: str | None, text_hash: str) -> bool:
    """Whether a page (`text_hash`) imported into a slot holding `kept` (None: from before
    slots were kept, whose page's hash is `kept_hash`) takes the place of another page."""
    hashes = {p.text_hash for p in kept.pages} if kept is not None else {kept_hash}
    return text_hash not in hashes


def merged_content(slots: Iterable[Slot]) -> EventContent:
    """An event's content merged from all its slots: the announcements in the order their
    slots were first filled (as they were merged when they came: a translation adds to
    the description, the first page's bio wins), then the recaps in the order they were
    last written (the last recap imported gives the summary and the takeaways). An
    edited page imported again takes its slot's place, so what it no longer says (a bio
    rewritten, a speaker gone) is gone from the event too."""
    slots = list(slots)
    ordered = (sorted((s for s in slots if s.pages[0].kind == "announcement"),
                      key=lambda s: s.first)
               + sorted((s for s in slots if s.pages[0].kind != "announcement"),
                        key=lambda s: s.last))
    return EventContent().merged_with_all(page for slot in ordered for page in slot.pages)


def rebuilt_content(slots: Iterable[Slot | None]) -> EventContent | None:
    """`merged_content` of all an event's slots; None when one is from before slots were
    kept (or a tool's row): then the content as it stands takes the import's pages one by
    one, as imports were merged before, so nothing it said is lost, nor taken out."""
    known = list(slots)
    if any(slot is None for slot in known):
        return None
    return merged_content(slot for slot in known if slot is not None)


def new_recaps(recaps: Iterable[Slot | None], pages: Iterable[PageContent]) -> list[bool]:
    """For each page of an import, whether it is the recap that brings the event its first
    takeaways, which the channel is told of once ("The recap of … is out"). `recaps`: the
    event's recap slots before the import. A recap the event held with takeaways, the same
    text or an edited one (a typo fixed), in either language, told them already, even if
    an edit took them out since (`Slot.told`); so did a recap slot saved before slots were
    kept (None), whose takeaways are not known."""
    told = any(slot is None or slot.told for slot in recaps)
    news = []
    for page in pages:
        first = page.kind == "recap" and bool(page.takeaways) and not told
        news.append(first)
        told = told or first
    return news


def newly_closed(kept: Mapping[tuple[str, str], Slot | None],
                 pages: Iterable[PageContent]) -> bool:
    """Whether an import of `pages` into an event whose slots are `kept` brings the news
    that registration has closed: a page saying so (an edited page, or one in another
    language) where none of the event's pages did. Not when one did already, or may have
    (a slot kept before this was noted): a moderator who reopened registration since is
    not overruled by the same news imported again."""
    return (any(page.registration_closed for page in pages)
            and all(slot is not None and all(p.registration_closed is False for p in slot.pages)
                    for slot in kept.values()))


def merged_people(people: tuple[Person, ...], incoming: Iterable[Person]
                  ) -> tuple[Person, ...]:
    """`people` with those of another page: each person once, by either half of a paired
    name, the first one's role and bio kept (a bio it lacks taken from the other). A name
    the other page pairs gains the half it lacks ("Li Bin" becomes "Li Bin (李彬)"); a
    Chinese name's pinyin may be written in the other order ("Zhao Tong" becomes "Zhao
    Tong (赵通)" by "赵通 (Tong Zhao)"). A page pairing two names held apart ("赵通 (Tong
    Zhao)" for "赵通" and "Tong Zhao") makes them one person, as within a page, when the
    name kept then answers to both: not when one is paired already with a third name
    ("Eve Stone (特邀嘉宾)" is not "Bob Smith" for a page's "Bob Smith (特邀嘉宾)")."""
    merged: list[Person | None] = list(people)
    # Each key leads to the person answering to it: a key of a person joined into another
    # is one of the name that person keeps, so no key leads to an empty place.
    known = {k: at for at, p in enumerate(people) for k in name_keys(p.name)}
    # A Chinese name (one with its Han half) answers to its pinyin in the other order
    # too, on the page that does not pair it: "Zhao Tong" is "赵通 (Tong Zhao)".
    swapped = {k: at for at, p in enumerate(people) if has_han(p.name)
               for k in swapped_keys(p.name)}

    def answering(at: int) -> Person:
        found = merged[at]
        assert found is not None  # see `known`
        return found

    for person in incoming:
        keys = name_keys(person.name)
        direct = {known[k] for k in keys if k in known}
        places = sorted(direct or {swapped[k] for k in keys if k in swapped}
                        or ({known[k] for k in swapped_keys(person.name) if k in known}
                            if has_han(person.name) else set()))
        if not places:
            merged.append(person)
            continue
        at, *others = places
        kept, gone = answering(at), [answering(other) for other in others]
        name = with_other_script(kept.name, person.name, either_order=not direct)
        if not all(name_keys(p.name) <= name_keys(name) for p in gone):
            continue
        for other, joined in zip(others, gone, strict=True):
            merged[other] = None
            kept = replace(kept, bio=kept.bio or joined.bio)
        merged[at] = replace(kept, name=name, bio=kept.bio or person.bio)
        known.update(dict.fromkeys(name_keys(name), at))
        if has_han(name):
            swapped.update(dict.fromkeys(swapped_keys(name), at))
    return tuple(p for p in merged if p is not None)


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

    def merged_with_all(self, pages: Iterable[Page | PageContent]) -> EventContent:
        """The content once `pages` are merged into it in turn."""
        content = self
        for page in pages:
            content = content.merged_with(page)
        return content

    def merged_with(self, page: Page | PageContent) -> EventContent:
        """The content once `page` is merged into it (`merged_content` merges all of an
        event's pages in its order).

        The announcement owns the description (its version in the other language adds
        to it); the recap owns the summary and takeaways. People are kept once by name
        ("赵通 (Tong Zhao)" is "Tong Zhao"), the first page's bio winning, so a recap
        never duplicates a speaker (`merged_people`).
        """
        noted = set(self.access_notes)  # a set: a page of many notes merges in linear time
        merged = replace(
            self,
            language=page.language or self.language,
            translation=page.translation or self.translation,
            off_the_record=self.off_the_record or page.off_the_record,
            access_notes=self.access_notes
            + tuple(n for n in page.access_notes if n not in noted),
            people=merged_people(self.people, page.people),
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

