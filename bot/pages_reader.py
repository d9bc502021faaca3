"""How the page importer reads a page, paragraph by paragraph (`bot.pages` is its entry
point, `parse_page`; the reading rules are in its docstring). The reader walks the page
and holds the state; its parts are mixed in: the header (`bot.pages_header`), the notices
(`bot.pages_notices`), the people and bios (`bot.pages_people`) and the Chinese
paragraphs (`bot.pages_zh`). Pure, as `bot.pages` is."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable
from typing import NamedTuple

from bot import pages_zh
from bot.characters import shows_something, whole_character_end
from bot.i18n import N_, Text
from bot.page_model import Page, Person, Takeaway
from bot.pages_header import (
    HeaderReading,
    date_alone,
    dated,
    field_kind,
    posted,
    without_kicker,
)
from bot.pages_lines import BULLET, COLON, title_case
from bot.pages_names import (
    LABEL,
    LABEL_ROLES,
    PAIRED,
    narration,
    read_names,
)
from bot.pages_notices import PAST, NoticeReading, says_ahead
from bot.pages_people import (
    AFFILIATION,
    ROLE_HEADING,
    ROLE_LABEL_LINE,
    Entry,
    a_bio_of,
    heading_role,
    labelled_parts,
    name_in_role,
    names_only,
)
from bot.pages_zh import has_han


def read_page(text: str, *, titled: bool = False) -> Page:
    """A page's text, already checked by `bot.pages.parse_page`, read into a Page."""
    paragraphs = _paragraphs(text)
    # the page's breadcrumb, captions and links to other articles: never read (an HTML
    # page's own title, first when `titled`, stays whatever it says); looked for only
    # until the lines read are all there
    kept: list[tuple[str, str]] = []
    at = 0
    while at < len(paragraphs) and len(kept) < MAX_LINES:
        if (titled and not at) or not pages_zh.furniture(paragraphs[at][0], first=not at):
            kept.append(paragraphs[at])
        at += 1
    reader = _Reader(kept, titled=titled)
    if at < len(paragraphs):
        reader.skipped.append(Text(N_("lines after the first {limit:,} were not read "
                                      "({count:,} more)"), count=len(paragraphs) - at,
                                   limit=MAX_LINES))
    return reader.read()


# --- takeaways, sections, languages of a bilingual page, transcripts -------------------

_DISCLAIMER = re.compile(
    r"does not take institutional positions|views (?:expressed|represented|presented) (?:here|in)|"
    r"are (?:solely )?those of the (?:author|speaker|participant)|"
    r"do not necessarily (?:reflect|represent)", re.I)
# A site's own section after a recap's highlights ("Watch the Event", "About the Carnegie
# Endowment", "Media Inquiries"): it ends them, and is no takeaway's heading.
_SITE_SECTION = re.compile(r"(?:about|watch|listen|read|register|subscribe|download|contact|"
                           r"follow +us|sign +up|(?:media|press) +(?:inquiries|contacts?))\b",
                           re.I)
# A heading over a recap's takeaways ("Discussion Highlights", "Key Takeaways").
_TAKEAWAYS_HEADING = re.compile(r"(?:(?:key|main|discussion|event|panel) +)*"
                                r"(?:highlights?|takeaways?) *:?", re.I)
_SECTION = re.compile(
    r"(?:(?:key|main|discussion|event|panel|about|the|our|meet|featured) +)*"
    r"(?:highlights?|takeaways?|speakers?|participants?|panelists?|featuring|summary|recap|"
    r"overview|discussants?|moderators?|biographies|bios?|agenda|details) *:?", re.I)
MAX_PEOPLE = 200  # per page
# Lines read of a page: far more than any event page has (a long recap, a few thousand),
# and a bound on the time a page of 2 MB of one-word lines costs to read (20 µs a line)
MAX_LINES = 20_000
MAX_TAKEAWAYS = 100
_CLOCK_START = re.compile(r"\d{1,2}[:.]\d\d\b")  # a bullet opening with a time of day
_TAKEAWAY = re.compile(r"([^:：]{1,120}?)[:：] *(\S.*)")
_LATIN = re.compile(r"[A-Za-z]")
_ZH_SENTENCE = re.compile(r"[。！？]")
_CONTINUATION = re.compile(r"(?:He|She|They|His|Her|Their|Prior|Previously|Before|Currently)\b|"
                           r"他|她|此前|此外|目前")
# "Speakers: Name, title; Name, title; Name, title"
_ROSTER_START = re.compile(
    r"(?:(?:featured +)?(?:speakers?|panelists?|participants?)|featuring) *: *", re.I)
_ROSTER_AND = re.compile(r"(?:and|&) +")
_CLEANUP = {cp: " " for cp in (*range(32), *range(127, 160))} | dict.fromkeys(
    map(ord, "\u200b\u2060\ufeff\u00ad"))  # control characters -> space; invisible ones dropped
# Direction marks, embeddings, overrides and isolates, as a page copied from a right-to-left
# site or a word processor carries them around names: invisible, and no part of a name (a
# name line "<RLM>Li Bin" was read as no name at all, and the person was lost).
_CLEANUP |= dict.fromkeys((0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                           *range(0x2066, 0x206A)))
# So are the invisible separators and operators (U+2061-2064, U+180E) a site's editor
# may leave there. A joiner (ZWJ, ZWNJ) at a word's edge joins nothing and shows nothing;
# between two characters (an emoji's) it is kept.
_CLEANUP |= dict.fromkeys((0x180E, *range(0x2061, 0x2065)))
_EDGE_JOINERS = re.compile(r"(?<!\S)[\u200c\u200d]+|[\u200c\u200d]+(?!\S)")


def _tongue(par: str) -> bool | None:
    """True for a line in Chinese, False for one in English (Latin letters), None for one
    in neither (digits, punctuation)."""
    return True if has_han(par) else False if _LATIN.search(par) else None


_TITLE_HALVES = re.compile(r"\s+[|/]\s+|\s*[｜／]\s*")


def _both_tongues(par: str) -> bool:
    """Whether a line is halves split by "|" or "/", one in Chinese and one in English: a
    title given in both languages ("Nuclear Futures | 亚洲核未来")."""
    halves = {_tongue(half) for half in _TITLE_HALVES.split(par)}
    return {True, False} <= halves


# How far past a line in the other language to look for the next line in either one.
_TONGUE_LOOKAHEAD = 4


def _role_label(par: str) -> bool:
    """A role's label and a colon over what it gives ("主办：清华大学", "Host: Carnegie
    China"), as a page of either language lists its details: one such line in the other
    language ("主办：清华大学" under an English page's date) begins no version of the page in
    that language, which would take it for that version's title and drop it."""
    zh = pages_zh.ROLE_LINE.match(pages_zh.fold(par))
    if zh is not None:  # (or its brackets, or a bar: "【主办】清华大学", "主办｜清华大学")
        return any(mark in zh.group() for mark in ":：】]｜|")
    return ROLE_LABEL_LINE.match(par) is not None


def _role_line(par: str) -> bool:
    """A role heading ("Moderator", "主讲人") or a role's label over a name ("Speaker: Li
    Bin", "主讲人：李彬"): the page's people, after a recap's highlights."""
    read = pages_zh.fold(par)
    if pages_zh.ROLE_WORD.fullmatch(read.rstrip(":： ")) or ROLE_HEADING.fullmatch(
            par.rstrip(":： ")):
        return True
    zh = pages_zh.ROLE_LINE.match(read)
    label = zh or ROLE_LABEL_LINE.match(par)
    if not label:
        return False
    rest = par[label.end():]
    if (not zh and _PROSE_END.search(rest) and not names_only(rest) and not _labelled_names(rest)
            and not _closes_with_a_name(rest)):
        return False  # a transcript's: "Moderator: Li Bin, what do you think?"
    names = read_names(rest[:150])
    return bool(pages_zh.NAME.match(rest) or (names and names[0].start == 0))


def _closes_with_a_name(rest: str) -> bool:
    """Whether what a role's label gives is a list that ends with a name and the line's
    full stop ("Jane Doe, Senior Fellow, and John Smith."): its people, no one's sentence."""
    if not rest.endswith(".") or len(rest) > 300:
        return False
    last = rest[:-1].rpartition(",")[2].strip()
    return len(names_only(_ROSTER_AND.sub("", last, count=1))) == 1


def _labelled_names(rest: str) -> bool:
    """Whether what a role's label gives goes on with further labels, each part opening
    with a name and saying no sentence ("Ann Lee. Panelists: Jane Doe and John Smith."),
    not a transcript's or a bio's ("Ann Lee. She is a fellow. Speakers: …")."""
    parts = labelled_parts(rest[:1000], None)
    if len(parts) < 2:
        return False
    for _, part in parts:
        text = part.rstrip(" .")
        names = read_names(text[:150])
        if (not names or names[0].start or _SENTENCE_GOES_ON.search(text)) and not (
                has_han(text)):
            return False
    return True


# Inside a part of a role's line, where a sentence would end and another begin
_SENTENCE_GOES_ON = re.compile(r"[!?]|\.\s+\S")


# A transcript's turn: who speaks (a role or a name), a colon, what they say.
_TURN = re.compile(r"([^:：]{1,40}?) *[:：] *(\S.*)")


class _Turn(NamedTuple):
    speaker: str  # as a key
    said: bool  # something other than people (`_introduced`)
    named_says: bool  # a person named as the speaker says a sentence


def _turn(par: str) -> _Turn | None:
    """A line shaped as a transcript's turn ("Moderator: Welcome all", "Li Bin: Thank you
    for having me.", "主持人：欢迎大家"); None for any other line ("Date: …")."""
    turn = _TURN.fullmatch(par) if len(par) <= 3000 else None
    if turn is None:
        return None
    label, said = turn.groups()
    role = ROLE_HEADING.fullmatch(label) or pages_zh.ROLE_WORD.fullmatch(pages_zh.fold(label))
    named = names_only(label)
    if not (role or named or pages_zh.NAME.fullmatch(label)):
        return None
    if len(named) == 1 and a_bio_of(said, named[0]):  # "Bo Chen: He is a professor …"
        return None
    return _Turn(pages_zh.fold(label).casefold(), not _introduced(said),
                 not role and _a_sentence(said))


# What may follow a name a label gives: nothing, or their title after a comma or in brackets.
_AFTER_NAME = re.compile(r" *(?:$|[,，、(（])")


def _introduced(said: str) -> bool:
    """What a label gives is a person: their names ("Ann Lee, Bo Chen"), or one with their
    title ("Ann Lee, Senior Fellow, Carnegie Endowment", "赵通，卡内基高级研究员。"), as a
    programme's labels do; not something said."""
    if names_only(said) or pages_zh.NAME.fullmatch(said):
        return True
    names = read_names(said[:60])
    if names and names[0].start == 0 and _AFTER_NAME.match(said, names[0].end):
        return True
    zh = pages_zh.NAME.match(said)
    return bool(zh and _AFTER_NAME.match(said, zh.end()))


def _a_sentence(said: str) -> bool:
    """A sentence said ("Thank you for having me.", "谢谢主持人。"): not names, a person's
    title ("Professor, Tsinghua University.") or a date."""
    names = read_names(said[:60])
    return (bool(_PROSE_END.search(said) or _ZH_SENTENCE.search(said))
            and not (names and names[0].start == 0) and (has_han(said) or not title_case(said))
            and not dated(said))


def dialogue_lines(paras: list[str]) -> set[int]:
    """The lines of a transcript in the page: a run of turns where a speaker comes back
    after another's turn to say something other than names, or a person named as the
    speaker says a sentence. Their labels name no one ("Moderator: Welcome All" is the
    moderator speaking), unlike a run of role labels ("Moderator: Tong Zhao" over
    "Speakers: Li Bin", and a second session's "Moderator: Ann Lee")."""
    found: set[int] = set()
    run: list[tuple[int, _Turn]] = []
    for i, par in enumerate([*paras, ""]):
        turn = _turn(par)
        if turn is not None:
            run.append((i, turn))
            continue
        if len(run) > 1 and _a_dialogue([turn for _, turn in run]):
            found.update(j for j, _ in run)
        run = []
    return found


def _a_dialogue(turns: list[_Turn]) -> bool:
    return ((_comes_back([turn.speaker for turn in turns]) and any(turn.said for turn in turns))
            or any(turn.named_says for turn in turns))


def _comes_back(speakers: list[str]) -> bool:
    """Whether a speaker speaks again after another has (in time linear in the turns)."""
    before_last: set[str] = set()
    for k in range(2, len(speakers)):
        before_last.add(speakers[k - 2])
        if speakers[k] != speakers[k - 1] and speakers[k] in before_last:
            return True
    return False


def _unbulleted(line: str) -> str:
    bullet = BULLET.match(line)
    return line[bullet.end():] if bullet else line


# A takeaway heading's paragraphs: Chinese prose, each with a sentence's end (a short line
# without one is the next heading, a caption or a signature).
_MAX_HEADED_PARAGRAPHS = 20
# The editors' note closing a recap ("This summary was prepared by the Center and has not
# been reviewed by the speakers.", "（本文由中心整理，未经发言人审阅。）"): the page's, not
# the last takeaway's. A paragraph wholly in brackets, or one saying who wrote the page up.
_EDITORS_NOTE = re.compile(
    r"[(（][^()（）]*[)）]"
    r"|(?:this|the +following) +(?:\w+ +){0,2}(?:summary|recap|report|readout|transcript) +"
    r"(?:was|has +been|is) +(?:prepared|written|compiled|edited)\b.*"
    r"|.{0,200}?\b(?:has|have) +not +been +reviewed +by +the +(?:speakers|participants|panelists)"
    r"\b.*|(?:本文|以上内容|本纪要)[^。]{0,40}(?:整理|编辑|撰写).*|.{0,200}?未经.{0,20}审[阅核定].*",
    re.I | re.S)


def _zh_prose(par: str) -> bool:
    return has_han(par) and not BULLET.match(par) and bool(_ZH_SENTENCE.search(par))


def _en_prose(par: str) -> bool:
    return (len(par) > 20 and not has_han(par) and not BULLET.match(par)
            and bool(_PROSE_END.search(par)))


_PROSE_END = re.compile(r"[.!?][\"”’')]*$")


def _paragraphs(text: str) -> list[tuple[str, str]]:
    """(normalised, verbatim) for every non-empty line."""
    lines = unicodedata.normalize("NFC", text).splitlines()
    pairs = ((" ".join(_EDGE_JOINERS.sub("", line.translate(_CLEANUP)).split()), line.strip())
             for line in lines)
    return [(norm, raw) for norm, raw in pairs if norm]


# --- reading a page --------------------------------------------------------------------

class _Reader(HeaderReading, NoticeReading):
    """Walks the paragraphs once and places each; what fits nowhere goes to ``skipped``."""

    def __init__(self, paragraphs: list[tuple[str, str]], *, titled: bool = False) -> None:
        self.paras = [norm for norm, _ in paragraphs]  # what the rules read
        self.raw = [raw for _, raw in paragraphs]  # what the page imports
        self.header: dict[str, str] = {}  # title, date_text, time, location
        self.titled = titled  # the first line is the title, whatever it looks like
        self.language: str | None = None
        self.translation: str | None = None
        self.registration_closed = self.off_the_record = self.past = False
        self.ahead = False  # the description says the event is to come
        self.description: list[str] = []
        self.access_notes: dict[str, None] = {}  # an ordered set
        self.takeaways: list[Takeaway] = []
        self.skipped: list[Text] = []
        self.people: dict[str, Entry] = {}  # by every key of the name (name_keys)
        self.order: list[Entry | None] = []  # the people, each once, as met (None: merged)
        self.by_word: dict[str, dict[Entry, None]] = {}  # by _key of first and last name
        self.header_open = True  # header lines only open a page (or its other language version)
        self.intro_over = False  # after takeaways or bios, prose no longer describes the event
        self.notes_after_intro = False  # notices followed the intro: bios may start
        self.last_bio: tuple[Entry, bool] | None = None  # previous paragraph's (owner, kept)
        self.versions: set[bool] = set()  # has_han of the prose seen: a bilingual page has both
        self.later_version = False  # reading the second language version of the page
        self.first_zh: bool | None = None  # whether the first version is the Chinese one
        self.repeated_header: set[str] = set()  # header fields the later version repeated
        self.later_when: list[str] = []  # the later version's date and time lines
        self.when_again_asked = False  # `_when_again`
        self.section_role: str | None = None  # under a "主持人" or "嘉宾" heading
        self.guests = False  # under "嘉宾简介": names over their bios
        self.people_headed = False  # a heading of people has been read
        self.dated_at = -1  # the index of the "日期：…" line that gave the date
        self.bare_place: str | None = None  # the venue a short line under the date gave
        self.labelled: set[str] = set()  # header fields a "Date:" or "时间：" line gave
        self.headed_at = -1  # the index of the last section heading
        self.listed_at = -1  # the index of the last line of bare names under a heading
        # Under an English heading of people ("Speakers", "Moderator") until a line that
        # is none of them: the role it gives, and whether to its first person only.
        self.people_section = False
        self.heading_role: str | None = None
        self.heading_once = False
        self.takeaways_headed = False  # under "Discussion Highlights", "Key Takeaways", "要点"
        self.takeaway_at: int | None = None  # the index of the last takeaway's last paragraph
        self.dialogue = dialogue_lines(self.paras)  # a transcript's lines: no one's labels
        # A page that gives each line in both languages, one after the other: its date's
        # or venue's line in one is followed by the same in the other ("时间：…" over
        # "Time: …"). Only there do two lines naming people say the same (`_in_both`).
        self.line_by_line = any(
            a is not None and b is not None and a[0] == b[0] and a[1] != b[1]
            for a, b in itertools.pairwise(map(field_kind, self.paras)))
        self.met: list[Entry] | None = None
        # the index of the last line of a role's label and its people, in order
        self.labelled_line: tuple[int, list[Entry]] | None = None

    def read(self) -> Page:
        i = 0
        while i < len(self.paras):
            i = self._take(i)
        return self._page()

    def _take(self, i: int) -> int:
        """Place paragraph i (and any it pulls in); return the index of the next one."""
        par = self.paras[i]
        last, self.last_bio = self.last_bio, None
        if _DISCLAIMER.search(par) or posted(par):
            return i + 1
        spoken = i in self.dialogue  # a transcript's turn: its label names no one
        role_line = not spoken and _role_line(par)
        if role_line:  # the people: what follows heads no highlight
            self.takeaways_headed = False
        zh = has_han(par)
        if i == 0 and self.titled and not _SECTION.fullmatch(par):  # not "Event Details"
            self._version(i)
            self.header["title"] = par
            return 1
        after = None if spoken else self._in_both(i, role_line, lambda: self._labelled_people(
            i, role_line) or (self._zh_person_line(i) if zh else (
                self._headed_people(i) if self.people_section
                else i + 1 if self._listed_person(i) else self._person_line(i))))
        if after is None and (self._zh_bio(i) if zh else self._bio(i, last)):
            after = i + 1
        if after is not None:
            self.header_open = False
            return after
        if not _role_label(par):  # (a field's line of either language is no version)
            self._version(i)
        if not (last and _CONTINUATION.match(par)):  # a line that is none of its people
            self._end_people_section()
        if (self._notice(par) or self._headed(i) or (zh and self._zh_field(i))
                or self._field(i) or (self.header_open and self._header(self._detail(par)))):
            return i + 1
        self.header_open = self.header_open and self._subtitle(i)
        if BULLET.match(par) and (after := self._takeaway(i)):
            return after
        if self.takeaways_headed and not zh and (after := self._headed_en_takeaway(i)):
            return after
        if last and _CONTINUATION.match(par):
            self._give_bio(last[0], self.raw[i], last)
        elif self._roster(par):
            pass
        elif self.intro_over:
            self._skip(par)
        else:
            self.description.append(self.raw[i])
            self.past = self.past or bool(PAST.search(par))
            self.ahead = self.ahead or says_ahead(par)
            for name, role, leads in narration(par) if not spoken else ():
                self._person(name, role, leads)
            if zh and not spoken:
                self.past = self.past or bool(pages_zh.PAST.search(pages_zh.fold(par)))
                self._zh_narration(par)
        return i + 1

    def _in_both(self, i: int, role_line: bool, read: Callable[[], int | None]) -> int | None:
        """`read` the people of line i; and a bilingual page that gives each line in both
        languages (`line_by_line`) names the same people again on the next line, in the
        other script ("主持人：赵通" over "Moderator: Tong Zhao"): each of them is one
        person, named in both ("赵通 (Tong Zhao)"), whose bios in either language are
        theirs. Elsewhere two such lines may name two people."""
        self.met = []
        try:
            after = read()
        finally:
            met, self.met = self.met, None
        if after is None or not (self.line_by_line and role_line and _role_label(self.paras[i])):
            return after
        before, self.labelled_line = self.labelled_line, (i, met)
        if before is not None and before[0] == i - 1 and len(before[1]) == len(met):
            pairs = list(zip(before[1], met, strict=True))
            # (a role not given is a speaker's, as the page's people are read in the end)
            if all(a is not b and (a.role or "speaker") == (b.role or "speaker")
                   and has_han(a.name) != has_han(b.name)
                   and not PAIRED.fullmatch(a.name) and not PAIRED.fullmatch(b.name)
                   for a, b in pairs):
                for a, b in pairs:
                    chinese, latin = (a, b) if has_han(a.name) else (b, a)
                    self._person(f"{chinese.name} ({latin.name})")
        return after

    def _labelled_people(self, i: int, role_line: bool) -> int | None:
        """"Moderator: Tong Zhao", "Speakers: Li Bin and Tong Zhao": the role's label heads
        the names after it as the line "Moderator" over them would (a title line and a bio
        under a single name are that person's), and the line is no description. Not a
        transcript's line ("Moderator: What about…?", "Moderator: Li Bin, do you…?"), nor
        a roster of names and titles ("Speakers: Name, title; Name, title"): the index of
        the next paragraph, else None. `role_line`: whether `_role_line` takes line i."""
        par = self.paras[i]
        label = ROLE_LABEL_LINE.match(par) if role_line else None
        if label is None or label.end() == len(par):  # "Speakers:" alone: a heading
            return None
        word = label.group(1).lower()
        text = par[label.end():]
        if has_han(text):  # "Speaker: 李彬": names as a Chinese label gives them
            return self._zh_labelled(i, label.end(), heading_role(word))
        if len(labelled_parts(text[:1000], None)) > 1:
            # "Moderator: Ann Lee, Director; Speakers: Jane Doe, John Smith": each label's
            # people, in its role, with their titles, as a Chinese line's are; not a
            # line that says more ("Moderator: Ann Lee. She is …; Speakers: …")
            if not _labelled_names(text):
                return None
            found = False
            for role, chunks in self._line_people(text, heading_role(word)):
                found = self._role_people(chunks, role) or found
            return i + 1 if found else None
        if ";" in par:  # "Speakers: Name, title; Name, title": a roster, in the label's role
            return i + 1 if self._roster(text, heading_role(word) or "speaker") else None
        state = self.people_section, self.heading_role, self.heading_once
        self.people_section = True
        self.heading_role = heading_role(word)
        self.heading_once = word == word.rstrip("s")
        if self._titled_people(i, label.end()):
            return i + 1
        after = self._headed_people(i, label.end())
        if after is None:
            self.people_section, self.heading_role, self.heading_once = state
            if self._one_labelled(text, heading_role(word)):
                return i + 1
        return after

    def _one_labelled(self, text: str, role: str | None) -> bool:
        """What a role's label gives (`text`) when it is one person and what is said of
        them beside the name and nothing else: their title in lower case ("Zhang Hongyu,
        assistant professor at the University of North Carolina"), a remark ("Ann Lee
        (TBC)", "Ann Lee, online") or a place alone ("Ann Lee (Tsinghua University)"):
        that person, in the label's role, with the title if any. Not an organisation
        ("Carnegie China"), nor a line that says more. Whether it was so read."""
        named = self._zh_name(text)
        if named is None or has_han(named.name) or not self._a_name(named):
            return False
        title = ""
        if named.aside:  # "(TBC)", "(Senior Fellow)", "(Tsinghua University)"
            title = self._name_title(named.aside) or self._affiliation(named.aside)
            if not (title or self._aside(named.aside)):
                return False
        rest = named.rest.strip()
        if rest:  # (an organisation alone is where they work: their title)
            phrase = rest[1:].strip().removesuffix(".") if rest[:1] == "," else ""
            said = (self._name_title(phrase) or self._own_title(rest)
                    or self._affiliation(phrase))
            if not (said or (phrase and self._aside(phrase))):
                return False
            title = said or title
        entry = self._person(named.name, named.role or role)
        entry.title = entry.title or title
        return True

    def _titled_people(self, i: int, start: int) -> bool:
        """A role's line naming several people each followed by their title ("Speakers:
        Jane Doe, Senior Fellow, John Smith, Professor", "Panelists: Jane Doe (Senior
        Fellow, Carnegie), John Smith"): each person, with their own title, as a Chinese
        role's line names them (`_item_people`). Not a line of names alone, nor one person
        however long their title ("Moderator: Ann Lee, Director, Carnegie China"), which
        are read as the heading's lines are (`_headed_people`). Whether it was so read."""
        text = self.paras[i][start:]
        if len(names_only(text)) > 1:
            return False
        read = self._line_people(text, self.heading_role)
        if sum(len(names) for _, chunks in read for names, _ in chunks) < 2:
            return False
        for role, chunks in read:
            self._role_people(chunks, role)
        self.listed_at, self.people_headed = i, True
        if self.heading_once:
            self.heading_role, self.heading_once = None, False
        return True

    def _headed_people(self, i: int, start: int = 0) -> int | None:
        """Under a heading of people ("Discussants" on the line above, or as the line's
        label from `start`), the names the line gives, bulleted or not ("• Li Bin" is a
        list's item as "Li Bin" is): one with a title or a bio of theirs
        is read as a name line is; several ("Ann Lee, Bo Chen, and Mary Major"), or one
        with nothing of theirs under it ("Li Bin" over "Tong Zhao"), are each a person in
        the heading's role; a name alone on its line under a bare heading only beside
        another such line. Not an organisation ("Carnegie China") nor prose: the index of
        the next paragraph, else None."""
        labelled = start > 0
        if not labelled and self._roster(self.paras[i], self.heading_role or "speaker"):
            # "Ann Lee, Economist; Bo Chen, lawyer": a roster's people, each with their
            # title, as a roster's line gives them anywhere
            if self.heading_once:
                self.heading_role, self.heading_once = None, False
            self.people_headed = True
            return i + 1
        # "• Tong Zhao": a list's item of names; "• Jane Doe (Moderator)": of one, in a role
        bullet = BULLET.match(self.paras[i], start)
        if bullet and (names_only(item := self.paras[i][bullet.end():]) or name_in_role(item)):
            start = bullet.end()
        names = names_only(self.paras[i][start:])
        if len(names) < 2:  # one name: read as its line under the heading is
            after = i + 1 if self._listed_person(i, start) else self._person_line(i, start)
            if after is not None:
                self.people_headed = True
                return after
        if not names or (len(names) == 1 and not labelled and not self._among_names(i)
                         and not self._list_goes_on(i)):
            return None  # a lone name-like line under a heading: no one's card
        for name in names:  # several, or one with nothing of theirs under it
            self._person(name, self.heading_role)
        self.listed_at = i
        if self.heading_once:
            self.heading_role, self.heading_once = None, False
        self.people_headed = True
        return i + 1

    def _among_names(self, i: int) -> bool:
        """Whether a line beside line i names people and nothing else: "Li Bin" over
        "Tong Zhao" under "Speakers" is a list of them."""
        return any(0 <= j < len(self.paras) and (names_only(line := _unbulleted(self.paras[j]))
                                                 or name_in_role(line))
                   for j in (i - 1, i + 1))

    def _list_goes_on(self, i: int) -> bool:
        """Whether line i is right under a heading of people that is itself right under
        a line of bare names ("Moderator" / "Ann Lee and Bo Chen" / "Speakers" / "Li
        Bin"): the page lists its people so, and a lone name is the list's next. (After a
        card's bio or title, or another section, a bare name under a heading is a link.)"""
        return self.headed_at == i - 1 and self.listed_at == i - 2

    def _end_people_section(self) -> None:
        self.people_section, self.heading_role, self.heading_once = False, None, False

    def _version(self, i: int) -> None:
        """A bilingual page repeats itself in the other language: its prose describes again.
        (A line of digits, such as a time, is in neither language.) The other language's
        version opens with more than one line in it, its title over its own date or prose:
        one line alone ("北京" under an English page's date, "Beijing" or "Online" under a
        Chinese page's) is what it reads as, a venue or a line of the description."""
        zh = _tongue(self.paras[i])
        if zh is None or (zh and self.header_open and date_alone(self.paras[i])):
            return  # ("2026年12月1日" in a header is either page's date, as digits are)
        if not self.versions and _both_tongues(self.paras[i]):
            # "Nuclear Futures | 亚洲核未来": the page's first line (its title) in both
            # languages opens both; the line under it in either is no other version
            self.versions |= {True, False}
            return
        if self.versions and zh not in self.versions:
            if self._next_tongue(i) is not zh:
                return  # a stray line in the other language
            self.later_version, self.intro_over, self.header_open = True, False, True
            self.section_role, self.guests, self.people_headed = None, False, False
            self._end_people_section()
        if not self.versions:
            self.first_zh = zh
        self.versions.add(zh)

    def _next_tongue(self, i: int) -> bool | None:
        """The language of the first line after line i in one (a line of digits is in
        neither, a role's label line is either page's), within a few lines; None if none."""
        for par in self.paras[i + 1:i + 1 + _TONGUE_LOOKAHEAD]:
            zh = None if _role_label(par) else _tongue(par)
            if zh is not None:
                return zh
        return None


    def _headed(self, i: int) -> bool:
        if self._heading(i):
            self.headed_at = i
            return True
        return False

    def _heading(self, i: int) -> bool:
        """A short section heading ("Discussion Highlights", "Speakers", "要点"): dropped."""
        par = self.paras[i]
        if len(par) > 60 or par[-1] in ".!?。！？" or BULLET.match(par):
            return False
        read = pages_zh.fold(par)
        role = pages_zh.ROLE_WORD.fullmatch(read.rstrip(":： "))
        if role:  # "主持人" over the name lines it heads
            self.section_role = pages_zh.role_of(role.group())
            self.guests, self.people_headed = False, True
            return True
        english = ROLE_HEADING.fullmatch(par.rstrip(":： "))
        if english:  # "Moderator" over the name lines it heads; "Speakers" gives no role
            word = english.group(1).lower()
            given, once = heading_role(word), word == word.rstrip("s")
            above = read_names(self.paras[i - 1]) if i and given and once else []
            if above and above[0].start == 0 and above[0].end == len(self.paras[i - 1]):
                given = None  # under a lone name: a card's label, or a list's next heading?
            self.people_section = self.people_headed = True
            self.heading_role, self.heading_once = given, once
            return True
        # (a page's first line is its title, even over its first bullet: "…纪要" over "一、…";
        # a labelled line of when or where is its field, over a bulleted one: "时间：…" over
        # "• 地点：…")
        before_bullet = (0 < i < len(self.paras) - 1 and BULLET.match(self.paras[i + 1])
                         and field_kind(par) is None)
        guests = pages_zh.GUESTS_HEADING.fullmatch(read)
        if before_bullet or guests or _SECTION.fullmatch(par) or pages_zh.SECTION.fullmatch(read):
            self.section_role = None
            self.takeaways_headed = bool(_TAKEAWAYS_HEADING.fullmatch(par)
                                         or pages_zh.TAKEAWAYS_HEADING.fullmatch(read))
            self.guests = bool(guests)  # "嘉宾简介"
            self.people_headed = self.people_headed or self.guests
            return True
        return False


    def _takeaway(self, i: int) -> int:
        """A bulleted takeaway at paragraph i: the index of the paragraph after it, else 0."""
        par, raw = self.paras[i], self.raw[i]
        bullet = BULLET.match(par)
        assert bullet is not None  # only called for a paragraph BULLET matched
        start = bullet.end()
        if start == len(par):  # "一、" alone on its line, over the heading's line
            return self._headed_takeaway(i, start)
        m = _TAKEAWAY.fullmatch(par, start)
        if m:
            # The text is cut from the verbatim line at its first colon, the same colon.
            heading, text = m.group(1).strip(), COLON.split(raw, 1)[1].strip()
        elif has_han(par):  # "一、标题。文字": the first sentence heads the item
            end = _ZH_SENTENCE.search(par, start, start + 61)
            cut = _ZH_SENTENCE.search(raw)  # the same sentence end: no bullet holds one
            if not end or not cut:
                return self._headed_takeaway(i, start) or self._bare_takeaway(i, start)
            heading, text = par[start:end.start()].strip(), raw[cut.end():].strip()
        else:
            return self._bare_takeaway(i, start)
        if _CLOCK_START.match(par, start):
            return 0  # "• 9:00 AM: Registration" is an agenda's line, not a takeaway
        if not heading or not text:  # "一、双方应保持对话。": one sentence, no heading
            return self._bare_takeaway(i, start)
        self._add_takeaway(Takeaway(heading, text), i)
        return i + 1

    def _bare_takeaway(self, i: int, start: int) -> int:
        """A bullet with no heading of its own ("• Both sides should keep talking.") in a
        list of takeaways: right after another takeaway, or under a heading of them in a
        page that tells of the event afterwards. Elsewhere it is a line of the description
        (an announcement's "• Registration is required."). The index after it, else 0."""
        par = self.paras[i]
        listed = ((self.takeaway_at is not None and self.takeaway_at == i - 1)
                  or self.takeaways_headed) and self._told_after()
        if not listed or _CLOCK_START.match(par, start):
            return 0
        bullet = BULLET.match(self.raw[i])  # the text as the page wrote it, after its bullet
        text = (self.raw[i][bullet.end():] if bullet else par[start:]).strip()
        if not text:
            return 0
        self._add_takeaway(Takeaway("", text), i)
        return i + 1

    def _add_takeaway(self, takeaway: Takeaway, last: int) -> None:
        """A takeaway read, whose last paragraph is at index `last`: a heading that shows
        nothing (a Hangul filler, a braille blank) is none, and a text that shows nothing
        is no takeaway (Discord would show an empty line, or an empty bold one)."""
        self.intro_over = True
        self.takeaway_at = last
        if shows_something(takeaway.text):
            self.takeaways.append(takeaway if shows_something(takeaway.heading)
                                  else Takeaway("", takeaway.text))
        else:
            self._skip(self.paras[last])

    def _skip(self, par: str) -> None:
        """Say that paragraph `par` was imported nowhere (its opening, quoted, up to a
        whole character: not half a flag or a joined emoji)."""
        excerpt = par if len(par) <= 60 else f"{par[:whole_character_end(par, 60)]}…"
        self.skipped.append(Text(N_('skipped paragraph: "{text}"'), text=excerpt))

    def _headed_takeaway(self, i: int, start: int) -> int:
        """"一、中美关系的现状" alone on its line, over the paragraphs of prose it heads: in a
        recap, a takeaway (an announcement numbers its sections so too, "一、会议背景").
        A page saved from the web may put the number in an element of its own: "一、" alone
        over "中美关系的现状" is read as the two on one line."""
        par, at = self.paras[i], i
        if start == len(par) and at + 1 < len(self.paras) and not BULLET.match(self.paras[at + 1]):
            at += 1
            par += self.paras[at]
        heading = par[start:].strip(" ：:")
        if (not heading or not has_han(par) or len(par) > 60 or _ZH_SENTENCE.search(par)
                or not self._told_after()):
            return 0
        return self._over_paragraphs(at, heading, _zh_prose)

    def _headed_en_takeaway(self, i: int) -> int:
        """Under "Discussion Highlights" in a recap, a short line with no sentence's end
        ("U.S. Policy Ambiguities") over the paragraphs of prose it heads: a takeaway."""
        par = self.paras[i]
        if _SITE_SECTION.match(par):
            self.takeaways_headed = False
            return 0
        if (len(par) > 100 or par[-1] in ".!?;:," or _CLOCK_START.match(par)
                or not self._told_after()):
            return 0
        return self._over_paragraphs(i, par.rstrip(), _en_prose)

    def _over_paragraphs(self, i: int, heading: str, prose: Callable[[str], bool]) -> int:
        """The takeaway headed at paragraph i, of the paragraphs of prose right after it:
        the index of the paragraph after them, or 0 if there are none."""
        after, texts = i + 1, list[str]()
        while (after < len(self.paras) and len(texts) < _MAX_HEADED_PARAGRAPHS
               and prose(self.paras[after]) and not _EDITORS_NOTE.fullmatch(self.paras[after])):
            texts.append(self.raw[after])
            after += 1
        if not texts:
            return 0
        self._add_takeaway(Takeaway(heading, "\n\n".join(texts)), after - 1)
        return after

    def _told_after(self) -> bool:
        """Whether what was read so far says the page tells of the event afterwards: its
        title, or prose in the past where none says the event is still ahead."""
        return ((self.past and not self.ahead)
                or without_kicker(self.header.get("title"))[1])

    def _roster(self, par: str, role: str = "speaker") -> bool:
        """"Name, title; Name, title; Name, title": everyone listed speaks (`role`: what a
        label or heading over them gives; an item's own label comes first)."""
        if ";" not in par or len(par) > 3000:
            return False
        opening = _ROSTER_START.match(par)
        items = par[opening.end() if opening else 0:].rstrip(" .").split(";")
        found = []
        for item in (item.strip() for item in items):
            conjunction = _ROSTER_AND.match(item)
            item = item[conjunction.end():] if conjunction else item
            spans = read_names(item[:150])
            if not spans or spans[0].start != 0:
                return False
            rest = item[spans[0].end:]
            label = LABEL.match(rest)
            if rest and not label and not AFFILIATION.match(rest):
                return False
            own = label.group(1).lower() if label else None
            found.append((item, spans[0].name,
                          (LABEL_ROLES.get(own, own) if own else None) or role))
        if len(found) < 2:
            return False
        for item, name, role in found:  # each with their title, as a role's line gives it
            chunks = self._item_people(item, whole=True)
            if chunks and chunks[0][0][0].name == name:
                self._role_people(chunks, role)
            else:
                self._person(name, role)
        return True


    def _page(self) -> Page:
        self._join_initialled()
        entries = [e for e in self.order if e is not None]
        # A bilingual page's later version (its header repeated) names its people again
        # in its own script; names it does not pair with the first version's ("赵通" under
        # "Tong Zhao"), no more than the first version's people it names no other way, may
        # be any of those: the list is the first version's, and those names stay in their
        # version's text. A name in the first version's script is someone new.
        unpaired = [e for e in entries if e.first_in_later and not PAIRED.fullmatch(e.name)
                    and has_han(e.name) != self.first_zh]
        if unpaired and self.repeated_header and len(unpaired) <= sum(
                not e.first_in_later and not e.in_both for e in entries):
            entries = [e for e in entries if e not in unpaired]
        # A real page names a few dozen people and takeaways; more is a list or a paste
        # gone wrong, whose rows the import would write and every reader page through.
        for kept, limit, message in (
                (entries, MAX_PEOPLE, N_("people after the first {limit:,} were not "
                                         "kept ({count:,} more)")),
                (self.takeaways, MAX_TAKEAWAYS, N_("takeaways after the first {limit:,} were "
                                                   "not kept ({count:,} more)"))):
            if len(kept) > limit:
                self.skipped.append(Text(message, count=len(kept) - limit, limit=limit))
                del kept[limit:]
        # A host who leads the discussion ("X will host a discussion with Y") counts as the
        # moderator only if no one is named moderator. A chair never does.
        if not any(e.role == "moderator" for e in entries):
            leader = next((e for e in entries if e.leads), None)
            if leader:
                leader.role = "moderator"
        location = self._location()  # first: the line under the date may be the title
        title, told_after = without_kicker(self.header.get("title"))
        return Page(
            kind="recap" if self.takeaways or self.past or told_after else "announcement",
            title=title,
            date_text=self._zoned(self._date_line()),
            location=location,
            description="\n\n".join(self.description),
            registration_closed=self.registration_closed,
            off_the_record=self.off_the_record,
            access_notes=tuple(self.access_notes),
            language=self.language,
            translation=self.translation,
            people=tuple(Person(e.name, e.role or "speaker", "\n\n".join(e.bio) or e.title)
                         for e in entries),
            takeaways=tuple(self.takeaways),
            skipped=tuple(self.skipped),
        )
