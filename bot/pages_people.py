"""The page reader's people: who a line names, whose bio a paragraph is, and one entry per
person however often and in whichever script the page names them (`PeopleReading`,
mixed into `bot.pages_reader`'s reader, which walks the page and holds the state). Apart
from the reader because names, titles and bios are rules of their own, beside the
header, notices and takeaways. Pure, as `bot.pages` is."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot import pages_zh
from bot.pages_lines import BULLET, title_case
from bot.pages_names import (
    LABEL,
    LABEL_ROLES,
    LABEL_WORDS,
    ORGANISATION_ENDS,
    PAIRED,
    key,
    name_keys,
    opening,
    read_names,
    without_initials,
    words,
)

# A heading over the people it lists: the role it gives them ("Speakers" gives none of its
# own, so what the page's prose says of each still counts).
ROLE_HEADING = re.compile(
    r"(?:(?:the|our|event|featured|meet +the|keynote) +)?(moderators?|hosts?|chairs?|"
    r"discussants?|commentators?|respondents?|speakers?|panell?ists?|presenters?|featuring|participants)",
    re.I)
# "Speaker: Li Bin", "Moderators: …": a role's label over the names it gives.
ROLE_LABEL_LINE = re.compile(rf"{ROLE_HEADING.pattern} *[:：] *", re.I)
# The roles the words of a heading or a label give (singular; "Speakers" gives none)
HEADING_ROLES = {"moderator": "moderator", "host": "host", "chair": "chair",
                 "discussant": "discussant", "commentator": "discussant",
                 "respondent": "discussant"}
# A further role's label on a role's line, in either language, after a separator or a
# space: "Moderator: Ann Lee; Speakers: Jane Doe", "Chair: Ann Lee. Panelists: …",
# "Moderator: Ann Lee | Speakers: …", "主持人：赵通；嘉宾：李彬", "Moderator: 赵通；嘉宾：李彬",
# "主持人：赵通。Speakers: …".
_NEXT_LABEL = re.compile(rf"{pages_zh.NEXT_LABEL.pattern}|(?<![^\s;；|,，.。])"
                         rf"{ROLE_HEADING.pattern} *[:：] *", re.I)
# What parts a role's line before its next label: "Ann Lee | ", "Ann Lee. ", "赵通；", "赵通。"
_BEFORE_A_LABEL = " |/·.。;；,，、"


def heading_role(word: str) -> str | None:
    """The role an English heading's or label's word gives: "Moderators" a moderator,
    "Speakers" none of its own."""
    return HEADING_ROLES.get(word.lower().rstrip("s"))


def labelled_parts(text: str, role: str | None) -> list[tuple[str | None, str]]:
    """What a role's line gives after its label, in the parts each further label opens
    (English or Chinese), each with its label's role and without the separator before
    the next: "赵通；嘉宾：李彬" -> (role, "赵通"), ("speaker", "李彬"); "Ann Lee. Speakers:
    Jane Doe" -> (role, "Ann Lee"), (None, "Jane Doe")."""
    parts, begin = [], 0
    for label in _NEXT_LABEL.finditer(pages_zh.fold(text)):
        parts.append((role, text[begin:label.start()].rstrip(_BEFORE_A_LABEL)))
        english, word = label.group(1), pages_zh.ROLE_WORD.match(label.group())
        role = (heading_role(english) if english
                else pages_zh.role_of(word.group()) if word else role)
        begin = label.end()
    # "…, and John Smith.": the line's full stop is no name's, one label's line or several
    parts.append((role, text[begin:].rstrip().removesuffix(".")))
    return parts
# A line that is only a role, between a card's name and its bio: that person's.
_ROLE_LABEL = re.compile(LABEL_WORDS, re.I)
# Under a heading of people, a line of a name and an affiliation is a person without a bio:
# "Tong Zhao, Fellow, Carnegie Endowment" (not "Capitol Hill, where ...").
_LISTED = re.compile(r" *, +[A-Z]")
_BIO_VERB = re.compile(
    r",? +(?:is|was|serves|served|has|had|holds|held|joined|leads|led|directs|directed|heads|"
    r"headed|teaches|taught|works|worked|specializes|focuses|founded|chairs|brings|currently|"
    r"previously|also)\b|, +(?:a|an|the) ")
# Who an unknown name opening a paragraph is: "Fan Jishe is a researcher", not "Xi Jinping
# is expected to visit".
_NEW_BIO = re.compile(
    r",? +(?:(?:is|was) +(?:a|an|the|also|currently|now|formerly|one)|serves|served|holds|leads|"
    r"led|directs|directed|heads|headed|teaches|taught|works|worked|specializes|focuses)\b|"
    r", +(?:a|an|the) ")
# ...unless what it says is that they are the event's contact, not one of its people.
_CONTACT = re.compile(r",? +(?:is|serves +as) +(?:the|our|this +event's) +(?:\w+ +){0,2}?"
                      r"(?:contact|coordinator|organi[sz]er|point +of +contact)\b", re.I)
_WILL = re.compile(r",? +will\b")
_PRONOUN_BIO = re.compile(r"(?:He|She|They) +(?:(?:is|was|are|were) +(?:a|an|the|also|"
                          r"currently|now|formerly)|has +(?:been|served|worked|led)|serves|"
                          r"served|leads|led|works|worked|teaches|taught)\b")
# Words that may open a title before the post it names ("Senior Fellow", "former Deputy
# Secretary of State"), and the words a post is followed by
_TITLE_MODIFIERS = words("former Former Senior Deputy Vice Assistant Associate Executive "
                         "Managing Visiting Distinguished Nonresident Acting Chief Principal "
                         "Founding Lead Adjunct Emeritus")
_AFTER_A_POST = words("of at for and to in on - – —")
_POST_NAMED_BY = 3  # words at most: "David M. Rubenstein Fellow"
# After a post so named, what goes on with the post ("… Ambassador to China"), not a talk's
# title ("China's Defense Minister and the PLA Purges", "The Next Party Secretary of …")
_AFTER_A_NAMED_POST = words("of at for to in - – —")
_NOT_NAMING = words("The A An")
AFFILIATION = re.compile(r" *[,(|–—-]")  # "Jane Doe, Senior Fellow" on the name line
_COLON = re.compile(r" *[:：] *")
_NAME_AND_TITLE = re.compile(r" *(?:[,:|–—]|-(?= )) *")  # "• Jane Doe: Senior Fellow"
_BRACKETED_TITLE = re.compile(r" *[(（]([^()（）]+)[)）]")
_AFFILIATED = re.compile(r",| (?:of|at) ")  # a post and where it is held
# A listed person's own role beside their title: after the name ("Jane Doe (Moderator),
# Senior Fellow"; not "Jane Doe, Chair of the Board", a post), or closing the line
_ROLE_AFTER_NAME = re.compile(rf" *[(,] *{LABEL_WORDS}s? *\)?(?= *,)", re.I)
_ROLE_LAST = re.compile(rf" *[(,] *{LABEL_WORDS}s? *\)? *$", re.I)
# A line of a person's title and affiliation under their name line, "Senior Fellow,
# Carnegie Endowment", "Professor of Physics at Tsinghua University": the job it must
# name (an institution alone, "Communications Department, Carnegie Endowment", says whom
# to ask, not who speaks).
_JOB_TITLE = re.compile(
    r"\b(?:fellow|director|professor|president|chair(?:man|woman)?|minister|secretary|"
    r"ambassador|editor|scholar|researcher|analyst|founder|ceo|dean|lecturer|officer|"
    r"advis[eo]r|correspondent|journalist|columnist|economist|member|partner|manager|"
    r"coordinator|representative|envoy|head|chief|deputy|commissioner|governor|"
    r"senator|author|reporter|commander|admiral|colonel|judge|mayor|consul|"
    r"spokes(?:person|man|woman))\b", re.I)
# Where a title after a name would go on as a sentence: it is no title. An initial's
# full stop ends none ("Maurice R. Greenberg Chair", "Former U.S. Ambassador").
_SENTENCE_INSIDE = re.compile(r"[。！？；;!?]|(?<!\b[A-Z])\.\s")
# Words of the lines that open a card's shape without being anyone's name: headings and
# organisations ("Media Inquiries", "Opening Remarks", "Rockefeller Brothers Fund").
_NOT_A_CARD_NAME = ORGANISATION_ENDS | words(
    "Inquiries Inquiry Contact Contacts Remarks Address Keynote Events Event Organizations "
    "Organisations Partners Partner Sponsors Sponsor Fund Trust Group Media Press Venue "
    "Location Agenda Session Reception Welcome Opening Closing Upcoming Related Program "
    "Programme Registration Schedule Overview Coverage Resources Publications More Us "
    "Learn Read Follow Share Subscribe Sign Up Stay Informed Involved Support Donate Watch "
    "Live Newsletter Signup Board Trustees Staff Team Office Offices Information Locations "
    "Experts Expert Organization Organisation Credit Photo Video Recording Podcast News "
    "Research Topics Regions Careers Search Menu Home Privacy Terms Cookies Stiftung") | (
    _MEDIA := words("Post Times Journal Tribune Herald Gazette Magazine Chronicle Daily "
                    "Weekly Monthly Reuters Bloomberg Xinhua Broadcasting Television Radio"))


# What a role's line may say after a name that is neither a name nor a title, going on to
# the next person: a remark ("线上", "online", "(TBC)"), or a place alone ("清华大学",
# "Carnegie Endowment"), an institution's word among its capitalised words.
_REMARK = re.compile(r"(?:线上|线下|在线|视频|远程|现场|连线)+(?:参会|出席|发言|参与|连线)?|待定|"
                     r"待确认|确认中|拟邀|特邀|受邀|online|virtual(?:ly)?|remote(?:ly)?|"
                     r"in[- ]person|by +video|via +video|tb[cda]|to +be +(?:confirmed|announced)",
                     re.I)
_PLACE_WORDS = ORGANISATION_ENDS | words(
    "University Institute Institution Center Centre Council Foundation Endowment Academy "
    "Association Forum School College Committee Commission Ministry Department Agency "
    "Office Society Program Programme Initiative Project Network Fund Trust Group "
    "Corporation Company Bank Embassy Government Parliament Congress Senate") | _MEDIA


# What a title phrase of a roster's item never holds (`_own_title`): a sentence's end,
# another field, a list; nor opens with: a clause, a verb, a conjunction
_PHRASE_BREAK = re.compile(r"[。！？；;!?:：|]|\.\s")
_NO_TITLE_OPENS = words("who whom whose which that will would shall can may is was are were "
                        "has have had to and or but also then both each via by from with")


def names_only(text: str) -> list[str]:
    """The people a line lists and nothing else ("Li Bin", "Li Bin and Tong Zhao", "Ann
    Lee, Bo Chen, and Mary Major"), else none; an organisation ("Carnegie China") is no
    one, as on a card's name line."""
    spans, at = read_names(text[:300]), 0
    for span in spans:
        if not (_NAME_LIST_GAP.fullmatch(text, at, span.start) if at else span.start == 0):
            return []
        if not _NOT_A_CARD_NAME.isdisjoint(span.name.split()):
            return []
        at = span.end
    return [span.name for span in spans] if spans and at == len(text.rstrip(" .")) else []


_NAME_LIST_GAP = re.compile(r" *(?:,|,? *(?:and|&)) +")


def name_in_role(text: str) -> bool:
    """A line of one person and their role's label alone ("Jane Doe (Moderator)", "Jane
    Doe, moderator"): a list's item, as a name alone is."""
    spans = read_names(text[:150])
    if not spans or spans[0].start != 0 or not _NOT_A_CARD_NAME.isdisjoint(
            spans[0].name.split()):
        return False
    label = LABEL.match(text, spans[0].end)
    return label is not None and label.end() == len(text.rstrip(" ."))


# What a bio says of its person, never a turn of dialogue: the speaker, or whom it
# addresses ("I", "you", "we"), or a question or an exclamation.
_SPOKEN = re.compile(r"\b(?:I|I'm|I’m|me|my|we|We|our|Our|us|you|You|your|Your)\b|[?!]")


def a_bio_of(said: str, name: str) -> bool:
    """Whether what a name's label gives ("Bo Chen: He is a professor at Tsinghua.") is
    one third-person sentence about that person: their bio, not their turn of dialogue
    ("Li Bin: Thank you for having me.")."""
    if len(said) > 600 or not said.endswith(".") or _SPOKEN.search(said):
        return False
    lead, rest = opening(said)
    return bool(_PRONOUN_BIO.match(said)) or (
        bool(lead) and bool(_BIO_VERB.match(rest)) and _opens_with(said, name))


def _opens_with_a_post(title: str) -> bool:
    """Whether a title line names the post first, capitalised as titles are: "Senior Fellow,
    Carnegie", "Chief of Staff", "Member of the Board", "Former U.S. Ambassador to China",
    "Mike Mansfield Fellow"; not "Chief venue", "Head office" or "home of every senator",
    which say what a place is, nor a remark of a recap's ("Head of state summits lower the
    risk"), whose words are not capitalised."""
    if not title_case(title.removeprefix("former ")):
        return False
    tokens = title.split()
    naming = 0  # words before the post naming its country or patron ("U.S.", "Mike Mansfield")
    for n, token in enumerate(tokens):
        word = token.rstrip(",;")
        after = tokens[n + 1] if n + 1 < len(tokens) else ""
        if word[:1].isupper() and _JOB_TITLE.fullmatch(word) and (
                word != token or not after or after[:1] == "("
                or after in (_AFTER_A_NAMED_POST if naming else _AFTER_A_POST)
                or (after[:1].isupper() and not naming)):  # not "U.S. Trade Representative Tariffs"
            return True
        if word != token:
            return False
        if word not in _TITLE_MODIFIERS:
            naming += 1
            if (naming > _POST_NAMED_BY or not word[:1].isupper() or word in _NOT_NAMING
                    or word.endswith(("'s", "’s"))):
                return False
    return False


def _opens_with(par: str, name: str) -> bool:
    """Does the paragraph open with this full name, or with its surname and a verb like "is"?
    Not to say what they will do: "Tong Zhao will moderate a discussion with Li Bin" tells
    of the event, no bio."""
    lead, rest = opening(par)
    if _WILL.match(rest):
        return False
    parts = name.split()
    surname = " " not in lead and key(lead) in (key(parts[0]), key(parts[-1]))
    return key(lead) == key(name) or (surname and bool(_BIO_VERB.match(rest)))


def _about(par: str, name: str) -> bool:
    """A bio that opens otherwise, under its name line: a sentence naming the person early
    ("A senior fellow at Acme, Doe focuses on Asia."), or opening with "He is", "She was"."""
    if not par.endswith((".", "。")) or len(par) < 30 or BULLET.match(par):
        return False
    head, surname = par[:200], name.split()[-1]
    at = head.find(surname)
    while at != -1:  # the surname as a word, then what a bio says next: "Doe focuses on"
        end = at + len(surname)
        if (not at or not (head[at - 1].isalnum() or head[at - 1] == "-")) and (
                _BIO_VERB.match(head, end)):
            return True
        at = head.find(surname, end)
    return bool(_PRONOUN_BIO.match(par))


@dataclass(slots=True, eq=False)  # one person: equal only to itself, hashed by identity
class Entry:
    name: str
    place: int  # its index in the reader's `order`
    role: str | None = None
    bio: list[str] = field(default_factory=list)  # its paragraphs
    leads: bool = False  # a host who leads the discussion
    title: str = ""  # a line of their title and affiliation: their bio when none is found
    keys: set[str] = field(default_factory=set)  # what finds it in `people`
    words: set[str] = field(default_factory=set)  # and in `by_word`
    first_in_later: bool = False  # first named by a bilingual page's later version
    in_both: bool = False  # named by the first version and again by the later one


class PeopleReading:
    """The reader's people: who a line names, whose bio a paragraph is, and one entry per
    person however often and in whichever script the page names them. Mixed into
    ``_Reader``, which holds the state declared here."""

    paras: list[str]
    raw: list[str]
    people: dict[str, Entry]
    order: list[Entry | None]
    by_word: dict[str, dict[Entry, None]]
    section_role: str | None
    guests: bool
    heading_role: str | None
    heading_once: bool
    intro_over: bool
    people_section: bool
    last_bio: tuple[Entry, bool] | None
    notes_after_intro: bool
    later_version: bool
    header: dict[str, str]
    header_open: bool
    met: list[Entry] | None  # the people one line names, in order, while it is read

    def _person_line(self, i: int, start: int = 0) -> int | None:
        """A line with a name alone (maybe "Name, moderator") that a bio follows: next index.
        `start`: where the name opens, after a role's label ("Speaker: Li Bin")."""
        line = self.paras[i][start:]
        spans = read_names(line[:150]) if line[:1].isupper() else []
        if not spans or spans[0].start != 0:
            return None
        colon = _COLON.match(line, spans[0].end)
        if colon and a_bio_of(line[colon.end():], spans[0].name):
            # "Bo Chen: He is a professor at Tsinghua University.": their bio
            role = self.heading_role
            if self.heading_once:
                self.heading_role, self.heading_once = None, False
            entry = self._person(spans[0].name, role)
            self._give_bio(entry, _COLON.split(self.raw[i], 1)[-1].strip(), None)
            return i + 1
        if len(line) > 150:
            return None
        name, rest = spans[0].name, line[spans[0].end:]
        label = LABEL.match(rest)
        alone = not rest or bool(label and label.end() == len(rest))
        if not alone and not AFFILIATION.match(rest):
            return None
        bio_at = self._bio_index(i, name)
        title_at = self._card_title(i) if bio_at is None and alone else None
        titled = title_at is not None and _NOT_A_CARD_NAME.isdisjoint(name.split())
        # "Tong Zhao" over "Tong Zhao will moderate a discussion with Li Bin.": the line
        # heads what the page goes on to say of them, which is the event's, not their bio
        # (unless the page has no title yet: a talk may be named for a person)
        heads = (bio_at is None and not rest and not titled
                 and ("title" in self.header or not self.header_open)
                 and _NOT_A_CARD_NAME.isdisjoint(name.split()) and self._told_of(i + 1, name))
        # (a name-like line opening the page, over "Speakers: Jane Doe and John Smith", is
        # its title: "Nuclear Futures")
        listed = (not rest and bio_at is None and self._beside_a_label(i)
                  and ("title" in self.header or not self.header_open))
        if bio_at is None and not ((alone and (label or self._find(name) or titled or heads
                                               or listed))
                                   or (self.people_section and _LISTED.match(rest))):
            return None
        own = label.group(1).lower() if label else None
        between = (_ROLE_LABEL.fullmatch(self.paras[i + 1])
                   if bio_at == i + 2 or (titled and title_at == i + 2) else None)
        if between:  # a card's "Moderator" line between the name and the bio
            own = between.group(1).lower()
        role = (LABEL_ROLES.get(own, own) if own else None) or self.heading_role
        if self.heading_once:  # "Moderator" heads one person, "Moderators" all of a list
            self.heading_role, self.heading_once = None, False
        entry = self._person(name, role)
        if titled and title_at is not None:
            entry.title = entry.title or self.raw[title_at]
            return title_at + 1
        if heads:  # the prose under it still describes the event
            return i + 1
        if bio_at is None:
            # "Ann Lee, Washington Post": where they work is all the line says of them
            entry.title = entry.title or self._affiliation(rest)
            # A list under "Speakers" leaves the prose after it describing the event.
            self.intro_over = self.intro_over or not self.people_section
            return i + 1
        self.intro_over = True
        self._give_bio(entry, self.raw[bio_at], None)
        return bio_at + 1

    def _beside_a_label(self, i: int) -> bool:
        """Whether line i, a name alone, is beside a role's label over names ("Ann Lee"
        over "Moderator: Tong Zhao"): a programme's line of its people, as the label's is."""
        if not names_only(self.paras[i]):
            return False
        for j in (i - 1, i + 1):
            label = ROLE_LABEL_LINE.match(self.paras[j]) if 0 <= j < len(self.paras) else None
            if label and names_only(self.paras[j][label.end():]):
                return True
        return False

    def _told_of(self, j: int, name: str) -> bool:
        """Whether paragraph j opens with this full name: "Tong Zhao will moderate …"."""
        if j >= len(self.paras):
            return False
        lead = opening(self.paras[j])[0]
        return " " in lead and key(lead) == key(name)

    def _card_title(self, i: int) -> int | None:
        """Under a heading of people, the line of a card's title under its name line i
        ("Tong Zhao" over "Senior Fellow, Carnegie Endowment"), or under the card's role
        there ("Moderator"), when the card has no bio: the title line is all the page says
        of them. Its index, else None."""
        if not self.people_section:
            return None
        role_line = i + 1 < len(self.paras) and _ROLE_LABEL.fullmatch(self.paras[i + 1])
        at = i + 2 if role_line else i + 1
        if (at < len(self.paras) and self._title_line(self.paras[at])
                and not ROLE_LABEL_LINE.match(self.paras[at])):
            return at
        return None

    def _listed_person(self, i: int, start: int = 0) -> bool:
        """Under a heading of people, a line "Jane Doe, Senior Fellow, Carnegie" (or "•
        Jane Doe: Senior Fellow", as web pages list speakers): the person, with the rest as
        their title, when it names their post first. `start`: as `_person_line`'s."""
        if not self.people_section:
            return False
        par = self.paras[i][start:]
        bullet = BULLET.match(par)
        item = par[bullet.end():] if bullet else par
        spans = read_names(item) if len(item) <= 200 else []
        if not spans or spans[0].start != 0 or not _NOT_A_CARD_NAME.isdisjoint(
                spans[0].name.split()):
            return False
        # their own role, after the name ("Jane Doe (Moderator), Senior Fellow") or after
        # the title ("Jane Doe, Senior Fellow, Carnegie (Moderator)")
        label = _ROLE_AFTER_NAME.match(item, spans[0].end)
        after_name = spans[0].end if label is None else label.end()
        if label is None and (label := _ROLE_LAST.search(item, after_name)) is not None:
            item = item[:label.start()]
        parted = _NAME_AND_TITLE.match(item, after_name)
        title = item[parted.end():] if parted else ""
        bracketed = _BRACKETED_TITLE.fullmatch(item, after_name)
        if bracketed:  # "Jane Doe (Senior Fellow, Carnegie)"; not "(Session Chair)" or
            # "(Chair of the Session)", a role
            title = bracketed.group(1) if (_AFFILIATED.search(bracketed.group(1))
                                           and not ROLE_HEADING.match(bracketed.group(1))) else ""
        if not (self._title_line(title) and _opens_with_a_post(title)):
            return False
        own = label.group(1).lower() if label else None
        role = (LABEL_ROLES.get(own, own) if own else None) or self.heading_role
        if self.heading_once:
            self.heading_role, self.heading_once = None, False
        entry = self._person(spans[0].name, role)
        entry.title = entry.title or title
        return True

    _labelled_parts = staticmethod(labelled_parts)  # (for the shared item reader,
    _names_alone = staticmethod(names_only)  # pages_zh.ChineseReading's)

    @staticmethod
    def _title_line(line: str) -> bool:
        """A person's title and affiliation on a line of their own (no sentence, no field
        such as "Venue: …", no name opening it, no list's bullet): "Director, China Program,
        Stimson Center"."""
        if (len(line) > 150 or line.endswith(".") or ":" in line or BULLET.match(line)
                or not _JOB_TITLE.search(line)):
            return False
        spans = read_names(line)
        # a post named for someone ("David M. Rubenstein Fellow") is no name line
        return not spans or spans[0].start > 0 or bool(
            _JOB_TITLE.match(line[spans[0].end:].lstrip()))

    @staticmethod
    def _organisation(name: str, rest: str = "") -> bool:
        """Whether a name read as a person's is an organisation's ("Carnegie China",
        "Rockefeller Brothers Fund"), as on a card's name line, or opens one (`rest`: what
        follows it, " University" of "Johns Hopkins University")."""
        after = rest[:40].split(maxsplit=1)
        return not _NOT_A_CARD_NAME.isdisjoint(name.split()) or bool(
            after and after[0].rstrip(",.;") in _PLACE_WORDS)

    @staticmethod
    def _names_a_post(name: str, rest: str) -> bool:
        """Whether a name in Latin letters is a post's patron, the post following it
        (`rest`: " Chair in Asia Studies" of "Penner Family", " Fellow" of "David M.
        Rubenstein"): part of a title, nobody's name."""
        after = rest[:40].split(maxsplit=1)
        return bool(after) and not pages_zh.has_han(name) and after[0][:1].isupper() and (
            _JOB_TITLE.fullmatch(after[0].rstrip(",.;")) is not None)

    @staticmethod
    def _aside(text: str) -> bool:
        """Whether a segment of a role's line after a person is a remark or a place alone
        (`_REMARK`, `_PLACE_WORDS`; "清华大学"): neither a name nor a title, and no
        sentence, so the next name on the line is the next person."""
        text = text.strip(" （）()")
        read = pages_zh.fold(text)
        if not read or len(read) > 60 or _SENTENCE_INSIDE.search(read):
            return False
        if _REMARK.fullmatch(read):
            return True
        if pages_zh.has_han(read):
            return pages_zh.institution(read)
        return title_case(read) and not _PLACE_WORDS.isdisjoint(read.split())

    @classmethod
    def _affiliation(cls, text: str) -> str:
        """What follows a person's name when it is an organisation alone ("Washington
        Post", "Reuters", "清华大学"), no remark ("online", "线上"): where they work, their
        title when nothing else is said of them. Else ""."""
        place = text.strip(" ，,：:").removesuffix("。").removesuffix(".").strip()
        if not place or place[:1] in "（(" or not cls._aside(place):
            return ""
        return "" if _REMARK.fullmatch(pages_zh.fold(place)) else place

    @staticmethod
    def _name_title(text: str) -> str:
        """What follows a name on a role's line, when it is their title: one phrase naming
        a post ("Senior Fellow, Carnegie Endowment", "卡内基研究员", "副教授。"), not a
        sentence, a remark ("线上"), a place alone ("清华大学") or another role's label.
        The title, without a closing full stop; else ""."""
        title = text.strip().removesuffix("。").removesuffix(".").strip()
        read = pages_zh.fold(title)
        if (not title or len(title) > 150 or _SENTENCE_INSIDE.search(title)
                or ROLE_LABEL_LINE.match(title) or pages_zh.ROLE_LINE.match(read)):
            return ""
        return title if _JOB_TITLE.search(title) or pages_zh.POST.search(read) else ""

    def _own_title(self, rest: str) -> str:
        """What follows the one name of a person's own item, a roster's between semicolons
        (`rest`: ", lawyer"), when it is their title though it names no post on the list
        (`_name_title`'s): a short phrase in lower case ("lawyer", "independent journalist",
        "professor of law"), a common noun's, not a place or an organisation's proper
        name ("Beijing", "Carnegie China"), a remark ("online"), a role's label
        ("moderator"), another name, nor what goes on as a clause ("who will moderate")
        or a sentence. Else ""."""
        if rest[:1] not in ("，", ","):
            return ""
        phrase = rest[1:].strip().removesuffix("。").removesuffix(".").strip()
        first = phrase.split(maxsplit=1)[0] if phrase else ""
        if (not first[:1].islower() or len(phrase) > 80 or _PHRASE_BREAK.search(phrase)
                or first in _NO_TITLE_OPENS or ROLE_HEADING.fullmatch(phrase)
                or read_names(phrase[:150]) or self._aside(phrase)):
            return ""
        return phrase

    def _bio_index(self, i: int, name: str) -> int | None:
        # The bio is the next paragraph, or the one after a title/affiliation line.
        for j in (i + 1, i + 2):
            if j >= len(self.paras) or ROLE_LABEL_LINE.match(self.paras[j]):
                return None  # (another role's label: its people, no title line of theirs)
            if _opens_with(self.paras[j], name) or (j == i + 1 and _about(self.paras[j], name)):
                return j
            if len(self.paras[j]) > 200 or self.paras[j].endswith("."):
                return None
        return None

    def _bio(self, i: int, last: tuple[Entry, bool] | None) -> bool:
        """A paragraph opening with a person's name (or known surname) and a verb like "is"."""
        lead, rest = opening(self.paras[i])
        if not lead or not _BIO_VERB.match(rest):
            return False
        entry = self._find(lead)
        if entry is None:
            if (" " not in lead or not (self.people or self.notes_after_intro)
                    or not _NEW_BIO.match(rest) or _CONTACT.match(rest)):
                return False
            entry = self._person(lead)
        self._give_bio(entry, self.raw[i], last)
        return True

    def _give_bio(self, entry: Entry, par: str, last: tuple[Entry, bool] | None) -> None:
        # The first bio wins (a second speakers section repeats people); a paragraph right
        # after a kept bio continues it.
        kept = not entry.bio or (last is not None and last[0] is entry and last[1])
        if kept:
            entry.bio.append(par)
        self.last_bio = (entry, kept)
        self.intro_over = True

    def _person(self, name: str, role: str | None = None, leads: bool = False) -> Entry:
        keys = name_keys(name)
        # A paired name may join two people the page named before, one in each script.
        found = sorted({self.people[k] for k in keys if k in self.people}, key=lambda e: e.place)
        for other in found[1:]:
            self._merge(found[0], other)
        entry = found[0] if found else None
        if entry is not None and self.later_version and not entry.first_in_later:
            entry.in_both = True  # (a bilingual page's later version names them again)
        if entry is None:
            entry = Entry(name, len(self.order), first_in_later=self.later_version)
            self.order.append(entry)
        elif PAIRED.fullmatch(name) and not PAIRED.fullmatch(entry.name):
            entry.name = name  # the page pairs the two scripts: the paired name says more
        else:
            name = ""
        paired = PAIRED.fullmatch(name)
        for part in filter(None, paired.groups() if paired else (name,)):
            for word in {key(part.split()[0]), key(part.split()[-1])} - {""}:
                # a set in its order: a page of thousands sharing a surname stays linear
                self.by_word.setdefault(word, {})[entry] = None
                entry.words.add(word)
        for each in keys:  # "赵通 (Tong Zhao)" joins "Tong Zhao" and is found by both
            self.people[each] = entry
            entry.keys.add(each)
        if role and entry.role is None:  # the first role stated wins
            entry.role, entry.leads = role, leads
        if self.met is not None:
            self.met.append(entry)
        return entry

    def _merge(self, entry: Entry, other: Entry) -> None:
        """`other`, met after `entry`, is the same person: one entry, with the first role
        and bio of either."""
        if entry.role is None:
            entry.role, entry.leads = other.role, other.leads
        entry.bio = entry.bio or other.bio
        entry.title = entry.title or other.title
        for each in other.keys:
            self.people[each] = entry
        for word in other.words:
            owners = self.by_word[word]
            del owners[other]
            owners[entry] = None
        entry.keys |= other.keys
        entry.words |= other.words
        self.order[other.place] = None

    def _join_initialled(self) -> None:
        """One person for "William Perry" and the page's "William J. Perry" (one entry,
        the fuller name), when the page names only one such person: "John Smith" beside
        "John A. Smith" and "John B. Smith" could be either, and stays apart, as do two
        that each have a bio or title of their own (two cards: two people)."""
        initialled: dict[str, list[Entry]] = {}
        for entry in self.order:
            if entry is not None and (short := without_initials(entry.name)):
                initialled.setdefault(key(short), []).append(entry)
        for entry in list(self.order):
            fuller = initialled.get(key(entry.name)) if entry is not None else None
            if (entry is None or fuller is None or len(fuller) != 1 or "(" in entry.name
                    or ((entry.bio or entry.title) and (fuller[0].bio or fuller[0].title))):
                continue
            first, other = sorted((entry, fuller[0]), key=lambda e: e.place)
            self._merge(first, other)
            first.name = fuller[0].name

    def _find(self, name: str) -> Entry | None:
        """The known person a full name, or an unambiguous lone surname, refers to."""
        if " " in name:
            return self.people.get(key(name))
        found = self.by_word.get(key(name), {})
        return next(iter(found)) if len(found) == 1 else None

    def _known(self, name: str) -> Entry | None:
        return next((self.people[k] for k in name_keys(name) if k in self.people), None)

    def _latin_name_at(self, text: str) -> tuple[str, int] | None:
        """The Latin-script name text opens with, and where it ends."""
        spans = read_names(text[:150])
        return (spans[0].name, spans[0].end) if spans and spans[0].start == 0 else None

    def _latin_opens_with(self, par: str, name: str) -> bool:
        return _opens_with(par, name)
