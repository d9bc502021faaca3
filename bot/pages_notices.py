"""What a page says of the event itself, sentence by sentence: registration closed or
full, off the record or under the Chatham House Rule, its language and translation, other
access notes; and whether its prose tells of the event ahead or afterwards. Mixed into
`bot.pages_reader`'s reader, which holds the state. Pure, as `bot.pages` is."""

from __future__ import annotations

import re

from bot import pages_zh
from bot.pages_names import words
from bot.pages_zh import has_han

_SENTENCE_END = re.compile(r"(?<=[.!?]) +(?=[\"“‘']?[A-Z])")
# "Held under the Chatham House Rule", "Chatham House rules apply": what is said may be used,
# its speaker not named. Off the record to a member asking, and the sentence is kept to say
# which rule. The event placed under it ("is held under", "will be under", "Held under" or
# "Under" opening the sentence); not "a paper about the Chatham House Rule", nor "why talks
# held under the Chatham House Rule succeed", a topic.
_NAMED_RULE = re.compile(
    r"(?:^\W*(?:(?:held|conducted) +)?|\b(?:is|are|was|were|be|being) +(?:(?:held|conducted|"
    r"run|hosted|convened) +)?)under +(?:the +)?Chatham +House +rules?\b|"
    r"\bChatham +House +rules? +(?:will +)?appl(?:y|ies)\b", re.I)
_OFF_RECORD = re.compile(rf"\boff[ -]the[ -]record\b|{_NAMED_RULE.pattern}", re.I)
_REGISTRATION = re.compile(r"\b(?:registration|RSVPs?|register)\b", re.I)
_CLOSED = re.compile(r"\bclosed\b", re.I)
# Wordings of the registration notice that say so wherever they stand in a sentence ("Due
# to high demand, registration is closed."), so a lead-in does not hide them.
_CLOSED_NOTICE = re.compile(
    r"\bregistration +(?:for +(?:this|the) +\w+ +)?(?:is|has) +(?:now +)?(?:closed|full)\b|"
    r"\bno +longer +(?:accepting|taking) +(?:registrations?|RSVPs?)"
    r"(?= *(?:[.!]|$|at +this\b|for +(?:this|the) +(?:event|discussion|panel|session|"
    r"conversation|webinar|briefing|seminar|meeting)\b))", re.I)
_CAPACITY = re.compile(
    r"\b(?:reached|at|over) +(?:\w+ +){0,2}capacity\b|\bis +(?:now +)?full\b|\bsold +out\b", re.I)
_ACCESS = re.compile(r"\b(?:not +)?(?:open|closed) +to\b|\bby +invitation\b|\binvitation[ -]only\b|"
                     r"\bon +the +record\b|\bbe +(?:live[ -]?streamed|webcast|recorded)\b", re.I)
_LANGUAGE = (re.compile(r"\b(?:be|is|was|held|conducted|delivered|place|record +and) +in +(\w+)"),)
# Verbs that say how an event is given: a sentence with one and a language ("It will be
# held in Chinese, with English interpretation.") is a notice whatever its subject.
_HELD_IN = (re.compile(r"\b(?:will +be|is|are) +(?:held|conducted|delivered) +in +"
                       r"(Chinese|English|Japanese|Spanish|Russian|Arabic|Portuguese|Italian|"
                       r"French|German|Korean|Mandarin)(?= *(?:[,.;(]|$|with\b))"),)
# Notes other than "off the record" must be about the event, so summaries and bios that
# mention "registration" or "open to" are not mistaken for them.
_NOTICE_START = re.compile(
    r"(?:registration|rsvp|please|simultaneous|translation|interpretation)\b", re.I)
_EVENT_WORDS = (r"(?:event|discussion|session|conversation|panel|meeting|webinar|briefing|"
                r"seminar|roundtable|dialogue|conference)")
_EVENT = re.compile(rf"\b{_EVENT_WORDS}\b", re.I)
# Words of when or how between the event's word and 将: "本次会议预计将……", "本次活动届时
# 将……", "本次研讨会主要将……", "本次会议期间也将……". Only these: another word there is
# another subject or a decision ("本次会议上双方将……", "本次会议决定将……"), told of the
# future after the meeting.
_ZH_BEFORE_WILL = "预计|计划|拟|届时|主要|重点|预定|特别|首次|同时|也|还|亦|仍|均|都"
# The page's event, ahead: "this discussion will ...", "本次研讨会将……", "本次中美关系研讨会
# 将……" (a name before its event's word), "本次会议期间也将……". A page that says so is no
# recap, whatever else it recalls in the past ("Carnegie hosted the first in 1993"). The
# first event's word after 本次 is the sentence's subject: in "本次会议决定下一轮对话将……"
# the meeting is over, and what will be is the next round.
_ZH_NOT_EVENT = rf"(?:(?!{pages_zh.EVENT_SUBJECT.pattern})\w)"
_AHEAD = re.compile(rf"\b(?:this|the) +{_EVENT_WORDS} +will\b|(?:本次|此次)(?:"
                    rf"{_ZH_NOT_EVENT}{{0,4}}?|{_ZH_NOT_EVENT}{{0,8}}?"
                    rf"(?:{pages_zh.EVENT_SUBJECT.pattern})+(?:期间|上|中)?"
                    rf"(?:{_ZH_BEFORE_WILL}){{0,2}})将",
                    re.I)
# What a recap reports the meeting agreed will come ("The meeting agreed that the dialogue
# will continue"): said of the future after the event, so no sign that it is ahead.
_REPORTED_AHEAD = re.compile(
    r"\b(?:agreed|decided|announced|concluded|resolved|pledged|promised|hoped|expected|"
    r"predicted|proposed|suggested|recommended|noted|said|stated|confirmed|stressed|"
    r"emphasi[sz]ed|argued|believed|insisted|warned)(?: +that)? +(?:this|the) +"
    rf"{_EVENT_WORDS} +will\b", re.I)
_TRANSLATION = (
    re.compile(r"\b(\w+) +(?:translation|interpretation)\b", re.I),
    re.compile(r"\b(?:translation|interpretation|translated|interpreted) +(?:\w+ +){0,3}?"
               r"in(?:to)? +(\w+)", re.I),
)
# Besides these, a capitalised word ending in -ese/-ish/-ian/-ic reads as a language.
_LANGUAGES = words("French German Mandarin Korean Hindi Urdu Farsi Hebrew Dutch Thai Greek Malay")
# "was moderated by", "Zhao moderated", "they explored" (but not "will be moderated").
PAST = re.compile(
    r"\b(?:was|were) +(?:(?:also|then) +)?"
    r"(?:moderated|hosted|chaired|held|off[ -]the[ -]record|in +[A-Z])|"
    r"(?:(?<![\w'’-])[A-ZÀ-Þ][\w'’-]*|\b(?:they|panelists|speakers|participants|discussants))"
    r" +(?:also +)?(?:moderated|discussed|explored|examined|analy[sz]ed|debated|spoke|presented|"
    r"hosted|chaired)\b")


def says_ahead(par: str) -> bool:
    """Whether a paragraph of the description says the page's event is still to come."""
    return bool(_AHEAD.search(_REPORTED_AHEAD.sub("", pages_zh.fold(par))))


def _is_language(word: str) -> bool:
    return word[0].isupper() and (
        word in _LANGUAGES or word.endswith(("ese", "ish", "ian", "ic")))


def _language(sentence: str, patterns: tuple[re.Pattern[str], ...]) -> str | None:
    found = (m.group(1) for p in patterns for m in p.finditer(sentence))
    return next((word for word in found if _is_language(word)), None)


def _is_notice(sentence: str) -> bool:
    if len(sentence) > 300:
        return False
    if _OFF_RECORD.search(sentence) or _CLOSED_NOTICE.search(sentence) or _language(
            sentence, _HELD_IN):
        return True
    if not (_NOTICE_START.match(sentence) or _EVENT.search(sentence)):
        return False
    markers = (_REGISTRATION, _CAPACITY, _ACCESS)
    return any(p.search(sentence) for p in markers) or bool(
        _language(sentence, _LANGUAGE) or _language(sentence, _TRANSLATION))


class NoticeReading(pages_zh.ChineseReading):
    """The reader's notices (`_notice`), English ones here and Chinese ones in
    `pages_zh.ChineseReading`. Mixed into ``_Reader``, which holds the state declared
    here."""

    registration_closed: bool
    off_the_record: bool
    past: bool
    language: str | None
    translation: str | None
    access_notes: dict[str, None]
    description: list[str]
    notes_after_intro: bool

    def _notice(self, par: str) -> bool:
        """Registration, off-the-record, language and other access notes, any mix per sentence."""
        sentences = _SENTENCE_END.split(par) if len(par) <= 600 else [par]
        if len(par) <= 600 and has_han(par):
            sentences = [t for s in sentences for t in pages_zh.SENTENCE_END.split(s) if t.strip()]
        notes, prose = [], False
        for s in sentences:
            zh = pages_zh.notice(s) if has_han(s) else None
            if zh is None and (has_han(s) or not _is_notice(s)):
                prose = True
            else:
                notes.append((s, zh))
        if prose:
            # "This event is off the record. Lunch follows the talk.": the paragraph stays
            # whole where prose goes, and what its sentences say about the event still counts.
            for s, zh in notes:
                if zh is None and (_NOTICE_START.match(s) or _EVENT.search(s)):
                    self._english_notice(s, note=False)
                elif zh is not None and pages_zh.ABOUT_EVENT.search(pages_zh.fold(s.strip())):
                    self._zh_notice(s, zh, note=False)
            return False
        for s, zh in notes:
            if zh is not None:
                self._zh_notice(s, zh)
            else:
                self._english_notice(s, note=True)
        self.notes_after_intro = self.notes_after_intro or bool(self.description)
        return True

    def _english_notice(self, s: str, note: bool) -> None:
        """One notice sentence; `note`: keep it among the access notes if it is one."""
        closed = bool(_CAPACITY.search(s) or _CLOSED_NOTICE.search(s)
                      or (_REGISTRATION.search(s) and _CLOSED.search(s)))
        self.registration_closed = self.registration_closed or closed
        self.off_the_record = self.off_the_record or bool(_OFF_RECORD.search(s))
        self.language = self.language or _language(s, _LANGUAGE)
        self.translation = self.translation or _language(s, _TRANSLATION)
        self.past = self.past or bool(PAST.search(s))
        other_note = (_ACCESS.search(s) or _NAMED_RULE.search(s)
                      or (_REGISTRATION.search(s) and not closed))
        if note and other_note:
            self.access_notes[s] = None
