"""Page importer: the text of a think-tank event page -> a structured ``Page``.

Pure: no I/O, no Discord, stdlib only. Announcement and recap pages come in many
variations (GUIDE.md §5); the importer keeps what it can place and lists the rest
in ``Page.skipped`` instead of failing.

Reading rules:
- every non-empty line is a paragraph, so blank lines and single newlines separate alike;
- the page is read on a normalised copy of each paragraph (whitespace runs, non-breaking
  spaces included, become one space; invisible characters are dropped), but the text it
  imports (description, bios, takeaways) is the page's own, verbatim but for the line's
  outer whitespace;
- a page is a recap if it has takeaway bullets or past-tense narration/notices.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

MAX_PAGE_BYTES = 1_000_000
ROLES = ("moderator", "speaker", "discussant", "host", "chair")


class PageError(ValueError):
    """The one error the importer raises; its message is one friendly line for end users."""


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
    skipped: tuple[str, ...]

    @property
    def moderator(self) -> str | None:
        return next((p.name for p in self.people if p.role == "moderator"), None)

    def to_dict(self) -> dict:
        data = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        return data | {"moderator": self.moderator}


def decode_page(data: bytes) -> str:
    """Bytes of an uploaded file -> text, or PageError with a reason the user can act on."""
    data = bytes(data)
    if not data:
        raise PageError("The file is empty.")
    if len(data) > MAX_PAGE_BYTES:
        raise PageError(f"The file is too large ({len(data):,} bytes; the limit is 1 MB).")
    if b"\0" in data:
        raise PageError("The file looks binary, not like a text page.")
    try:
        text = data.decode("utf-8-sig")  # -sig strips a leading BOM
    except UnicodeDecodeError as exc:
        raise PageError(f"The file is not valid UTF-8 (bad byte at position {exc.start}); "
                        "save it as UTF-8 text and try again.") from None
    controls = sum(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f" for ch in text)
    if controls * 10 > len(text):  # a real page has essentially none
        raise PageError("The file looks binary, not like a text page.")
    if not any(ch.isalpha() for ch in text):
        raise PageError("The file has no readable text." if text.strip() else "The file is empty.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_page(text: str) -> Page:
    """Page text -> Page. Raises only PageError, and only when there is nothing to import."""
    if not isinstance(text, str):
        raise PageError("The page is not text.")
    if not text.strip():
        raise PageError("The page is empty.")
    size = len(text) if len(text) > MAX_PAGE_BYTES else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_PAGE_BYTES:
        raise PageError(f"The page is too large ({size:,} bytes; the limit is 1 MB).")
    if not any(ch.isalpha() for ch in text):
        raise PageError("The page has no readable text.")
    return _Reader(_paragraphs(text)).read()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- names ---------------------------------------------------------------------------
# A name is 2-5 capitalised words or initials, maybe with lowercase particles inside
# ("Maria de la Cruz"); honorifics before it are dropped. There is no list of names:
# the stop words only keep sentence openers, job titles, places and institutions out.

_HONORIFICS = _words("Amb. Ambassador Dr. Dr H.E. HE Prof. Professor Mr. Mr Mrs. Mrs Ms. Ms "
                     "Sen. Senator Rep. Gen. General Adm. Admiral Col. Colonel Lt. Gov. Governor "
                     "Hon. Honorable Excellency Rev. Sir Dame")
_STOPWORDS = _words(
    "A An The This That These Those It Its They Their He She His Her We Our You In On At As By "
    "For From Of To With While When Whereas Given After Before During Since Although However But "
    "And Or If Then Also Both Each Today Now What How Why Who Where Join Please Register Speakers "
    "Moderator Discussion Event Panel Panelists Participants Featuring Highlights Key About "
    "Senior Fellow Director Deputy President Vice Chairman Chair Minister Secretary Former Chief "
    "Executive Editor Associate Assistant Nonresident Visiting Scholar Head Founder United States "
    "Republic Kingdom Union Nations North South East West Middle International Peace Endowment "
    "Institute Center Centre Council Foundation Program University Academy Association Forum")
_PARTICLES = _words("de del della der den di da das dos du van von bin binti ibn al el la le zu")
_OPENERS = "([{\"“‘'«"
_CLOSERS = ",;:!?)]}\"”’'».…"
_TOKEN = re.compile(r"\S+")
_INITIALS = re.compile(r"(?:[^\W\d_]\.){1,3}")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass(slots=True)
class _Span:
    start: int  # honorifics included
    end: int
    name: str  # honorifics dropped


def _kind(word: str) -> str:
    if word in _HONORIFICS:
        return "honorific"
    if word in _PARTICLES:
        return "particle"
    if not word[:1].isupper():
        return "other"
    if _INITIALS.fullmatch(word):
        return "initial"
    is_word = not word.isupper() and word not in _STOPWORDS and _NAME_WORD.fullmatch(word)
    return "word" if is_word else "other"


def _trim(token: str) -> tuple[str, bool]:
    """The token without trailing punctuation, and whether a name may go on after it."""
    if token in _HONORIFICS or _INITIALS.fullmatch(token):
        return token, True
    if token.endswith(("’s", "'s")):
        return token[:-2], False
    trimmed = token.rstrip(_CLOSERS)
    return trimmed, trimmed == token


def _names(text: str) -> list[_Span]:
    """Every run of words in text that looks like a person's name, in order."""
    spans: list[_Span] = []
    run: list[tuple[int, str, str]] = []  # (start, word, kind)
    honorific_at: int | None = None

    def close() -> None:
        nonlocal run, honorific_at
        while run and run[-1][2] != "word":  # a name ends with a word, not an initial
            run.pop()
        if 2 <= sum(kind != "particle" for *_, kind in run) <= 5:
            start = run[0][0] if honorific_at is None else honorific_at
            spans.append(_Span(start, run[-1][0] + len(run[-1][1]), " ".join(w for _, w, _ in run)))
        run, honorific_at = [], None

    for m in _TOKEN.finditer(text):
        core = m.group().lstrip(_OPENERS)
        if core != m.group():  # "(Moderator)" or a quote starts something new
            close()
        start = m.end() - len(core)
        core, goes_on = _trim(core)
        kind = _kind(core) if core else "other"
        if kind == "honorific":
            if run:
                close()
            honorific_at = start if honorific_at is None else honorific_at
        elif kind in ("word", "initial") or (kind == "particle" and run):
            run.append((start, core, kind))
        else:
            close()
        if not goes_on:
            close()
    close()
    return spans


def _key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalpha())


def _opening(par: str) -> tuple[str, str]:
    """The name, or else the single capitalised word, a paragraph opens with; and the rest."""
    if not par[:1].isupper():  # cheap exit for most paragraphs
        return "", par
    spans = _names(par[:200])
    if spans and spans[0].start == 0:
        return spans[0].name, par[spans[0].end:]
    for m in _TOKEN.finditer(par[:200]):
        word = _trim(m.group())[0]
        kind = _kind(word) if word else "other"
        if kind != "honorific":
            return (word, par[m.start() + len(word):]) if kind == "word" else ("", par)
    return "", par


# --- roles in the narration ------------------------------------------------------------

_ROLE_HINT = re.compile(
    r"moderat|host|chair|discuss|comment|respond|analy|debat|spe[ae]k|spoke|present|deliver|"
    r"gave|give|offer|join|explor|examin|talk|featur|remark|conversation|dialogue|panel|interview",
    re.I)
_POSSESSIVE = r"(?:[\w-]+['’]s +)?"  # "with Carnegie’s Li Bin"
_LIST_GAP = re.compile(rf"(?:,? *(?:and|&) +|, *){_POSSESSIVE}")
_LABEL = re.compile(r" *(?:, *|\( *|[–—-] *|: *)"
                    r"(moderator|host|chair|discussant|speaker|panelist|presenter)s?\b *\)?", re.I)
_LABEL_ROLES = {"panelist": "speaker", "presenter": "speaker"}
_AFTER_VERB = re.compile(
    r"(?:, *who)? *(?:(?:will|would|shall|to|also|then|both|each|jointly|later|is|are|was|were|be)"
    r" +){0,3}(?:co-)?(moderat|host|chair|discuss|comment|respond|analy[sz]|debat|spe[ae]k|spoke|"
    r"present|deliver|give|gave|offer|join|explor|examin|talk)\w*"
    r"( +(?:a|an|the) +(?:[\w-]+ +)?(?:discussion|conversation|dialogue|debate|panel|roundtable))?",
    re.I)
_BEFORE = re.compile(  # what the text just before a name (list) says they do
    r"\b(?:(moderat|host|chair)(?:ed +by|(?:or)? *:)|(discussants? *:|comments +(?:by|from))|"
    r"(?:discussion|conversation|dialogue|debate|panel|talk|interview|chat) +with|featuring|"
    r"features?|featured|joined +by|remarks +(?:by|from)|presentations? +by|speakers? *:|"
    rf"panelists? *:) *{_POSSESSIVE}$", re.I)


def _verb_role(verb: str) -> str:
    verb = verb.lower()
    for stem, role in (("moderat", "moderator"), ("host", "host"), ("chair", "chair")):
        if verb.startswith(stem):
            return role
    discusses = verb.startswith(("discuss", "comment", "respond", "analy", "debat"))
    return "discussant" if discusses else "speaker"


def _narration(par: str) -> list[tuple[str, str, bool]]:
    """(name, role, leads the discussion) for each person the paragraph gives a role."""
    if not _ROLE_HINT.search(par):
        return []
    groups: list[list[_Span]] = []  # "A, B, and C will discuss": a list shares its verb
    for span in _names(par):
        if groups and _LIST_GAP.fullmatch(par, groups[-1][-1].end, span.start):
            groups[-1].append(span)
        else:
            groups.append([span])
    found = []
    for group in groups:
        role, leads = None, False
        verb = _AFTER_VERB.match(par[group[-1].end:group[-1].end + 100])
        if verb:
            role = _verb_role(verb.group(1))
            leads = role == "host" and verb.group(2) is not None  # "host a discussion with Y"
        else:
            before = _BEFORE.search(par[max(0, group[0].start - 60):group[0].start])
            role = before and _verb_role(before.group(1) or before.group(2) or "speak")
        for span in group:
            label = _LABEL.match(par, span.end)  # "Jane Doe (moderator)" beats the list's role
            own = label and label.group(1).lower()
            if own or role:
                found.append((span.name, _LABEL_ROLES.get(own, own) or role, leads and not own))
    return found


# --- notices, header, takeaways, bios ------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?]) +(?=[\"“‘']?[A-Z])")
_OFF_RECORD = re.compile(r"\boff[ -]the[ -]record\b", re.I)
_REGISTRATION = re.compile(r"\b(?:registration|RSVPs?|register)\b", re.I)
_CLOSED = re.compile(r"\bclosed\b", re.I)
_CAPACITY = re.compile(
    r"\b(?:reached|at|over) +(?:\w+ +){0,2}capacity\b|\bis +(?:now +)?full\b|\bsold +out\b", re.I)
_ACCESS = re.compile(r"\b(?:not +)?(?:open|closed) +to\b|\bby +invitation\b|\binvitation[ -]only\b|"
                     r"\bon +the +record\b|\bbe +(?:live[ -]?streamed|webcast|recorded)\b", re.I)
_LANGUAGE = (re.compile(r"\b(?:be|is|was|held|conducted|delivered|place) +in +(\w+)"),)
# Notes other than "off the record" must be about the event, so summaries and bios that
# mention "registration" or "open to" are not mistaken for them.
_NOTICE_START = re.compile(
    r"(?:registration|rsvp|please|simultaneous|translation|interpretation)\b", re.I)
_EVENT = re.compile(r"\b(?:event|discussion|session|conversation|panel|meeting|webinar|briefing|"
                    r"seminar|roundtable|dialogue|conference)\b", re.I)
_TRANSLATION = (
    re.compile(r"\b(\w+) +(?:translation|interpretation)\b", re.I),
    re.compile(r"\b(?:translation|interpretation|translated|interpreted) +(?:\w+ +){0,3}?"
               r"in(?:to)? +(\w+)", re.I),
)
# Besides these, a capitalised word ending in -ese/-ish/-ian/-ic reads as a language.
_LANGUAGES = _words("French German Mandarin Korean Hindi Urdu Farsi Hebrew Dutch Thai Greek Malay")
# "was moderated by", "Zhao moderated", "they explored" (but not "will be moderated").
_PAST = re.compile(
    r"\b(?:was|were) +(?:(?:also|then) +)?"
    r"(?:moderated|hosted|chaired|held|off[ -]the[ -]record|in +[A-Z])|"
    r"(?:(?<![\w'’-])[A-ZÀ-Þ][\w'’-]*|\b(?:they|panelists|speakers|participants|discussants))"
    r" +(?:also +)?(?:moderated|discussed|explored|examined|analy[sz]ed|debated|spoke|presented|"
    r"hosted|chaired)\b")
_DISCLAIMER = re.compile(
    r"does not take institutional positions|views (?:expressed|represented|presented) (?:here|in)|"
    r"are (?:solely )?those of the (?:author|speaker|participant)|"
    r"do not necessarily (?:reflect|represent)", re.I)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(rf"\b{_MONTH} +\d{{1,2}}(?:st|nd|rd|th)?\b|"
                   rf"\b\d{{1,2}}(?:st|nd|rd|th)? +{_MONTH}|\b\d{{4}}-\d\d-\d\d\b")
_LOCATION = re.compile(
    r"(?:Live|Streaming|Online|Virtual|Webcast)\b.*|"
    r"[A-ZÀ-Þ][\w.’'-]*(?: +[A-ZÀ-Þ][\w.’'-]*){0,2}, +[A-ZÀ-Þ][\w.]*(?: +[A-ZÀ-Þ][\w.]*)?")
_SECTION = re.compile(
    r"(?:(?:key|main|discussion|event|panel|about|the|our|meet|featured) +)*"
    r"(?:highlights?|takeaways?|speakers?|participants?|panelists?|featuring|summary|recap|"
    r"overview|discussants?|moderators?|biographies|bios?|agenda|details) *:?", re.I)
_BULLET = re.compile(r"[•▪●◦·‣] *|[-*–—] +")
_TAKEAWAY = re.compile(r"([^:]{1,120}?): *(\S.*)")
_BIO_VERB = re.compile(
    r",? +(?:is|was|serves|served|has|had|holds|held|joined|leads|led|directs|directed|heads|"
    r"headed|teaches|taught|works|worked|specializes|focuses|founded|chairs|brings|currently|"
    r"previously|also)\b|, +(?:a|an|the) ")
_CONTINUATION = re.compile(r"(?:He|She|They|His|Her|Their|Prior|Previously|Before|Currently)\b")
_AFFILIATION = re.compile(r" *[,(|–—-]")  # "Jane Doe, Senior Fellow" on the name line
_CLEANUP = {cp: " " for cp in (*range(32), *range(127, 160))} | dict.fromkeys(
    map(ord, "\u200b\u2060\ufeff\u00ad"))  # control characters -> space; invisible ones dropped


def _is_language(word: str) -> bool:
    return word[0].isupper() and (
        word in _LANGUAGES or word.endswith(("ese", "ish", "ian", "ic")))


def _language(sentence: str, patterns: tuple[re.Pattern[str], ...]) -> str | None:
    found = (m.group(1) for p in patterns for m in p.finditer(sentence))
    return next((word for word in found if _is_language(word)), None)


def _is_notice(sentence: str) -> bool:
    if len(sentence) > 300:
        return False
    if _OFF_RECORD.search(sentence):
        return True
    if not (_NOTICE_START.match(sentence) or _EVENT.search(sentence)):
        return False
    markers = (_REGISTRATION, _CAPACITY, _ACCESS)
    return any(p.search(sentence) for p in markers) or bool(
        _language(sentence, _LANGUAGE) or _language(sentence, _TRANSLATION))


def _paragraphs(text: str) -> list[tuple[str, str]]:
    """(normalised, verbatim) for every non-empty line."""
    lines = unicodedata.normalize("NFC", text).splitlines()
    pairs = ((" ".join(line.translate(_CLEANUP).split()), line.strip()) for line in lines)
    return [(norm, raw) for norm, raw in pairs if norm]


def _opens_with(par: str, name: str) -> bool:
    """Does the paragraph open with this full name, or with its surname and a verb like "is"?"""
    lead, rest = _opening(par)
    parts = name.split()
    surname = " " not in lead and _key(lead) in (_key(parts[0]), _key(parts[-1]))
    return _key(lead) == _key(name) or (surname and bool(_BIO_VERB.match(rest)))


# --- reading a page --------------------------------------------------------------------

@dataclass(slots=True)
class _Entry:
    name: str
    role: str | None = None
    bio: list[str] = field(default_factory=list)  # its paragraphs
    leads: bool = False  # a host who leads the discussion


class _Reader:
    """Walks the paragraphs once and places each; what fits nowhere goes to ``skipped``."""

    def __init__(self, paragraphs: list[tuple[str, str]]) -> None:
        self.paras = [norm for norm, _ in paragraphs]  # what the rules read
        self.raw = [raw for _, raw in paragraphs]  # what the page imports
        self.header: dict[str, str] = {}  # title, date_text, location
        self.language: str | None = None
        self.translation: str | None = None
        self.registration_closed = self.off_the_record = self.past = False
        self.description: list[str] = []
        self.access_notes: dict[str, None] = {}  # an ordered set
        self.takeaways: list[Takeaway] = []
        self.skipped: list[str] = []
        self.people: dict[str, _Entry] = {}  # by _key(name)
        self.by_word: dict[str, list[_Entry]] = {}  # by _key of the first and the last name
        self.header_open = True  # header lines only open a page
        self.intro_over = False  # after takeaways or bios, prose no longer describes the event
        self.notes_after_intro = False  # notices followed the intro: bios may start
        self.last_bio: tuple[_Entry, bool] | None = None  # previous paragraph's (owner, kept)

    def read(self) -> Page:
        i = 0
        while i < len(self.paras):
            i = self._take(i)
        return self._page()

    def _take(self, i: int) -> int:
        """Place paragraph i (and any it pulls in); return the index of the next one."""
        par = self.paras[i]
        last, self.last_bio = self.last_bio, None
        if _DISCLAIMER.search(par):
            return i + 1
        after = self._person_line(i)
        if after is None and self._bio(i, last):
            after = i + 1
        if after is not None:
            self.header_open = False
            return after
        if self._notice(par) or self._heading(i) or (self.header_open and self._header(par)):
            return i + 1
        self.header_open = False
        if _BULLET.match(par) and self._takeaway(i):
            return i + 1
        if last and _CONTINUATION.match(par):
            self._give_bio(last[0], self.raw[i], last)
        elif self.intro_over:
            self.skipped.append(f'skipped paragraph: "{par[:60]}{"…" if len(par) > 60 else ""}"')
        else:
            self.description.append(self.raw[i])
            self.past = self.past or bool(_PAST.search(par))
            for name, role, leads in _narration(par):
                self._person(name, role, leads)
        return i + 1

    def _notice(self, par: str) -> bool:
        """Registration, off-the-record, language and other access notes, any mix per sentence."""
        sentences = _SENTENCE_END.split(par) if len(par) <= 600 else [par]
        if not all(_is_notice(s) for s in sentences):
            return False
        for s in sentences:
            closed = bool(_CAPACITY.search(s) or (_REGISTRATION.search(s) and _CLOSED.search(s)))
            self.registration_closed = self.registration_closed or closed
            self.off_the_record = self.off_the_record or bool(_OFF_RECORD.search(s))
            self.language = self.language or _language(s, _LANGUAGE)
            self.translation = self.translation or _language(s, _TRANSLATION)
            self.past = self.past or bool(_PAST.search(s))
            other_note = _ACCESS.search(s) or (_REGISTRATION.search(s) and not closed)
            if other_note:
                self.access_notes[s] = None
        self.notes_after_intro = self.notes_after_intro or bool(self.description)
        return True

    def _heading(self, i: int) -> bool:
        """A short section heading ("Discussion Highlights", "Speakers"): dropped."""
        par = self.paras[i]
        if len(par) > 60 or par[-1] in ".!?" or _BULLET.match(par):
            return False
        before_bullet = i + 1 < len(self.paras) and _BULLET.match(self.paras[i + 1])
        return bool(before_bullet or _SECTION.fullmatch(par))

    def _header(self, par: str) -> bool:
        """Title, date and location lines; a repeated kind of line ends the header."""
        if len(par) > 150 or par.endswith(".") or _BULLET.match(par):
            return False
        if len(par) <= 80 and _DATE.search(par):
            field = "date_text"
        elif len(par) <= 60 and _LOCATION.fullmatch(par):
            field = "location"
        else:
            field = "title"
        if field in self.header:
            return False
        self.header[field] = par
        return True

    def _takeaway(self, i: int) -> bool:
        par = self.paras[i]
        m = _TAKEAWAY.fullmatch(par, _BULLET.match(par).end())
        if m:
            # The text is cut from the verbatim line at its first colon, the same colon.
            text = self.raw[i].partition(":")[2].strip()
            self.takeaways.append(Takeaway(m.group(1).strip(), text))
            self.intro_over = True
        return bool(m)

    def _person_line(self, i: int) -> int | None:
        """A line with a name alone (maybe "Name, moderator") that a bio follows: next index."""
        line = self.paras[i]
        spans = _names(line) if len(line) <= 150 and line[0].isupper() else []
        if not spans or spans[0].start != 0:
            return None
        name, rest = spans[0].name, line[spans[0].end:]
        label = _LABEL.match(rest)
        alone = not rest or bool(label and label.end() == len(rest))
        if not alone and not _AFFILIATION.match(rest):
            return None
        bio_at = self._bio_index(i, name)
        if bio_at is None and not (alone and (label or self._find(name))):
            return None
        own = label and label.group(1).lower()
        entry = self._person(name, _LABEL_ROLES.get(own, own) or None)
        self.intro_over = True
        if bio_at is None:
            return i + 1
        self._give_bio(entry, self.raw[bio_at], None)
        return bio_at + 1

    def _bio_index(self, i: int, name: str) -> int | None:
        # The bio is the next paragraph, or the one after a title/affiliation line.
        for j in (i + 1, i + 2):
            if j >= len(self.paras):
                return None
            if _opens_with(self.paras[j], name):
                return j
            if len(self.paras[j]) > 200 or self.paras[j].endswith("."):
                return None
        return None

    def _bio(self, i: int, last: tuple[_Entry, bool] | None) -> bool:
        """A paragraph opening with a person's name (or known surname) and a verb like "is"."""
        lead, rest = _opening(self.paras[i])
        if not lead or not _BIO_VERB.match(rest):
            return False
        entry = self._find(lead)
        if entry is None:
            if " " not in lead or not (self.people or self.notes_after_intro):
                return False
            entry = self._person(lead)
        self._give_bio(entry, self.raw[i], last)
        return True

    def _give_bio(self, entry: _Entry, par: str, last: tuple[_Entry, bool] | None) -> None:
        # The first bio wins (a second speakers section repeats people); a paragraph right
        # after a kept bio continues it.
        kept = not entry.bio or (last is not None and last[0] is entry and last[1])
        if kept:
            entry.bio.append(par)
        self.last_bio = (entry, kept)
        self.intro_over = True

    def _person(self, name: str, role: str | None = None, leads: bool = False) -> _Entry:
        entry = self.people.get(_key(name))
        if entry is None:
            entry = self.people[_key(name)] = _Entry(name)
            for word in {_key(name.split()[0]), _key(name.split()[-1])}:
                self.by_word.setdefault(word, []).append(entry)
        if role and entry.role is None:  # the first role stated wins
            entry.role, entry.leads = role, leads
        return entry

    def _find(self, name: str) -> _Entry | None:
        """The known person a full name, or an unambiguous lone surname, refers to."""
        if " " in name:
            return self.people.get(_key(name))
        found = self.by_word.get(_key(name), [])
        return found[0] if len(found) == 1 else None

    def _page(self) -> Page:
        entries = list(self.people.values())
        # A host who leads the discussion ("X will host a discussion with Y") counts as the
        # moderator only if no one is named moderator. A chair never does.
        if not any(e.role == "moderator" for e in entries):
            leader = next((e for e in entries if e.leads), None)
            if leader:
                leader.role = "moderator"
        return Page(
            kind="recap" if self.takeaways or self.past else "announcement",
            title=self.header.get("title"),
            date_text=self.header.get("date_text"),
            location=self.header.get("location"),
            description="\n\n".join(self.description),
            registration_closed=self.registration_closed,
            off_the_record=self.off_the_record,
            access_notes=tuple(self.access_notes),
            language=self.language,
            translation=self.translation,
            people=tuple(Person(e.name, e.role or "speaker", "\n\n".join(e.bio)) for e in entries),
            takeaways=tuple(self.takeaways),
            skipped=tuple(self.skipped),
        )
