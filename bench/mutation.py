"""`make mutation`: how much of what the domain modules decide do their tests check?

Two kinds of mutants, each run against the fast unit tests that cover its module:
- code mutants, made and run by mutmut (config in pyproject.toml, one worker);
- pattern mutants, made here, because mutmut leaves the inside of a regex or a word
  list alone: for each module-level compiled regex, one alternative of one alternation
  (`a|b|c`, top level or in a group) at a time is made dead (`(?!)b`, which keeps the
  group numbering); for each module-level word list, set or tuple, one word at a time is
  deleted. A mutant is applied by patching the module attribute when pytest starts
  (this module is also the pytest plugin that does it, driven by EVENTBOT_MUTANT).

    python -m bench.mutation [--skip-mutmut] [GROUP...]     GROUP: registration importer time render
    python -m bench.mutation --module bot.pages_zh          one module's pattern mutants only
    python -m bench.mutation --module bot.pages_zh --only POST --only NOT_NAMES:44-119

`--module` runs the pattern mutants of one module and prints how many were killed and which
survived, without mutmut and without rewriting the report (whose sections cover whole groups);
`--only NAME[:FIRST[-LAST]]` narrows it to one pattern's mutants, or a run of them.
A cut run goes on with `--resume` (the pattern mutants and code mutants with no verdict
yet); after new tests, `--survivors-only` re-runs what survived (add `--resume` when code
changed: mutmut drops the verdicts of a changed function).

writes bench/results/mutation.md. Reproduce one pattern survivor with
`EVENTBOT_MUTANT='bot.pages:_EVENT:3' python -m pytest -p bench.mutation tests/unit/test_pages.py`.
"""

from __future__ import annotations

import argparse
import ast
import functools
import importlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "bench" / "results" / "mutation.md"
PATTERN_RESULTS = ROOT / "mutants" / "patterns.json"  # beside mutmut's own results
ENV = "EVENTBOT_MUTANT"
UNIT = "tests/unit/"
# Timing and robustness tests check speed and crashes, not decisions: a dead alternative or
# a missing word cannot make a page slower or a parse crash.
NOT_TIMING = ("not grows_linearly and not linear_time and not read_quickly and not oversized "
              "and not two_megabytes and not adversarial and not never_crashes")


@dataclass(frozen=True)
class Group:
    modules: tuple[str, ...]
    tests: tuple[str, ...]
    threshold: float  # the score the group must keep, in percent
    # The functions mutated, as mutmut names them (`x_clip`, `xǁEmbedBudgetǁroom`); none
    # means every function of the modules. A group of chosen functions has no pattern
    # mutants: the module's patterns belong to the functions left out.
    functions: tuple[str, ...] = ()

    def mutmut_names(self) -> list[str]:
        """The names to give `mutmut run` for this group's code mutants."""
        return [f"{m}.{f}__mutmut_*" for m in self.modules for f in self.functions] or [
            f"{m}.*" for m in self.modules]

    def owns(self, mutant: str) -> bool:
        module, _, name = mutant.rpartition(".")
        return module in self.modules and (
            not self.functions or name.rpartition("__mutmut_")[0] in self.functions)


# The payload budgeting of bot/render.py: what fits text into Discord's limits.
_BUDGETING = ("x_clip", "x__dangling_escape", "x_safe_clip", "x_split_text", "x_names_text",
              "x_event_embed", "x_speaker_pages", "x_speaker_options", "x_pack_embeds",
              *(f"xǁEmbedBudgetǁ{m}" for m in ("__init__", "room", "field", "describe", "build")))

GROUPS = {
    "registration": Group(("bot.registration",), ("test_registration.py",), 97.0),
    "importer": Group(("bot.pages", "bot.pages_reader", "bot.pages_header",
                       "bot.pages_notices", "bot.pages_people", "bot.pages_lines",
                       "bot.pages_names", "bot.pages_zh"),
                      ("test_pages_rules.py", "test_pages.py", "test_pages_zh.py"), 92.0),
    "time": Group(("bot.when", "bot.when_typed", "bot.zones", "bot.times"),
                  ("test_when.py", "test_times.py"), 0.0),
    "render": Group(("bot.render",), ("test_render.py",), 0.0, _BUDGETING),
}

# Survivors that are equivalent to the original or harmless, with the reason; the report
# lists every survivor and marks the ones not explained here.
EXPLAINED: dict[str, str] = {
    "bot.registration.x_promotable__mutmut_6":
        "equivalent: with nobody waitlisted, min(free seats, 0) is 0 already "
        "(free seats are never negative: capacity cannot go below the confirmed count)",
    "bot.pages.x_decode_page__mutmut_30": "equivalent: codec names are case-insensitive",
    "bot.pages_names.x_words__mutmut_1":
        "not reachable by mutmut: words() runs only while the module is imported, before a "
        "mutant is switched on; the word lists it builds are mutated word by word below",
    "bot.pages_zh.x_language_of__mutmut_2":
        "equivalent: looking up None in the language names gives None, as the guard does",
    "bot.pages_zh.x__items__mutmut_2":
        "harmless: a cap on how much of a role line is split (1,000 or 1,001 characters), "
        "there to bound the work, not a rule about names",
    "bot.pages.x_decode_page__mutmut_51":
        "equivalent: the mutated string still holds the same four whitespace controls",
    "bot.pages_people.x__opens_with__mutmut_6":
        "harmless: differs only for an opening with a space inside whose letters spell one "
        "part of the name",
    "bot.pages_notices.xǁNoticeReadingǁ_english_notice__mutmut_37":
        "equivalent: access_notes is an ordered set; its values are never read",
    "bot.pages_header.xǁHeaderReadingǁ_header__mutmut_19":
        "harmless: no line the time-line pattern matches is 40 characters long once its "
        "spaces are collapsed",
    "bot.pages_header.xǁHeaderReadingǁ_header__mutmut_20":
        "harmless: no line the time-line pattern matches is 40 characters long once its "
        "spaces are collapsed",
    "bot.pages_people.xǁPeopleReadingǁ_person_line__mutmut_4":
        "harmless: the guard only saves work; read_names finds no name at a lowercase start, "
        "and name lines are short",
    **{f"bot.pages_zh.xǁChineseReadingǁ_zh_opens_with__mutmut_{n}":
       "equivalent: names are compared by their letters only (pages_names.key), so a bracket "
       "left on or taken off changes nothing" for n in (23, 24, 25)},
    "bot.pages_zh.xǁChineseReadingǁ_zh_opens_with__mutmut_8":
        "equivalent: a paragraph never starts with the placeholder either way, as with ''",
    "bot.pages_zh.xǁChineseReadingǁ_zh_notice__mutmut_43":
        "equivalent: access_notes is an ordered set; its values are never read",
    "bot.pages_zh.xǁChineseReadingǁ_zh_narration__mutmut_10":
        "equivalent: the first alternative sets groups 1 and 2 together, the second neither",
    "bot.pages_zh.xǁChineseReadingǁ_zh_name__mutmut_3":
        "equivalent: only whether there is a Latin name is read, and None and '' are both no",
    "bot.pages_zh.xǁChineseReadingǁ_zh_name__mutmut_17":
        "equivalent: only whether the brackets gave a role is read, and None and '' are both no",
    "bot.pages_zh.xǁChineseReadingǁ_zh_bio__mutmut_38":
        "harmless: differs only when the one title word of a bio is the first character of "
        "the name itself",
    "bot.pages_zh.xǁChineseReadingǁ_zh_person_line__mutmut_41":
        "harmless: differs only for a name followed directly by the letter X",
    "bot.pages_zh.xǁChineseReadingǁ_zh_person__mutmut_10":
        "harmless: differs only for a name followed directly by the letter X",
    "bot.pages_zh:LANGUAGE:3":
        "equivalent: 使用 contains 用, which the alternative beside it matches",
    "bot.pages_zh:NARRATION:11":
        "equivalent: without 主持人 its prefix 主持 matches, and both mean moderator",
    **{f"bot.pages_zh:SECTION:{n}":
       "equivalent: a heading that is a role word (嘉宾, 发言嘉宾, 演讲嘉宾, 主讲嘉宾) is read as "
       "the role heading before the section headings are tried" for n in (22, 23, 24, 25)},
    **{f"bot.pages_zh:SECTION:{n}":
       "equivalent: the heading still matches as its prefix (主要, 嘉宾) and the rest"
       for n in (13, 28, 29)},
    **{f"bot.pages_zh:_ROLE_WORDS:{n}":
       "equivalent: a speaker's role word; without it the person named is a speaker by default"
       for n in (*range(3, 13), *range(24, 30))},
    "bot.pages_zh:LANGUAGE:4":
        "equivalent: 采用 contains 用, which the alternative before it matches",
    **{f"bot.pages_zh:LANGUAGE:{n}":
       "equivalent: the list's second language ends the pattern and is optional, and only the "
       "first language (group 1) is read, so the match gives the same language without it"
       for n in (*range(70, 82), *range(105, 117))},
    **{f"bot.pages_zh:GUESTS_HEADING:{n}":
       "equivalent in effect where tested: 发言嘉宾, 演讲嘉宾, 主讲嘉宾 and 对话嘉宾 are role "
       "words, so the heading is read as a role's heading, whose cards get the same bios"
       for n in (3, 4, 5, 6)},
    **{f"bot.pages_zh:MORNING:{n}":
       "harmless: without the morning word the hour is read on the 24-hour clock, the same "
       "hour for every morning hour but 12 (上午12点), which pages do not write"
       for n in range(1, 6)},
    **{f"bot.pages_zh:NOT_NAMES:{n}":
       "equivalent: a section's heading word (简介, 嘉宾介绍, 议程, ...), which is_name refuses "
       "as a heading (SECTION) as well"
       for n in (13, 18, 27, 40, 41, 42, 43, 55, 60, 71, 79, 80, 81, 91, 101, 102, 106)},
    "bot.pages_zh:NOT_NAMES:8":
        "equivalent in effect where tested: 主办 is a role word, so a line opening with it is "
        "read as a role's label before a name is looked for",
    **{f"bot.pages_zh:POST:{n}":
       "equivalent: 会长 is in the pattern twice (a card's post, and again among the others)"
       for n in (8, 30)},
    "bot.pages_zh:POST:9": "equivalent: 理事长 starts with 理事, an alternative of its own",
    **{f"bot.pages_zh:POST:{n}":
       "equivalent in effect where tested: an English post after a name (\"Senior Fellow\", "
       "\"Program Director\") is a title by the English post words (pages_people._JOB_TITLE), "
       "which hold fellow, professor and director too" for n in (15, 16, 17)},
    "bot.pages_zh:REMARK:1":
        "equivalent: a bracket holding 嘉宾 is never a name (is_name refuses it: _NOT_A_PERSON), "
        "so REMARK is not asked",
    **{f"bot.pages_zh:SECTION:{n}":
       "equivalent: 与会嘉宾 and 参会嘉宾 are guests' headings (GUESTS_HEADING), tried before the "
       "section headings, and never names (is_name refuses 与会 and 嘉宾: _NOT_A_PERSON)"
       for n in (26, 27)},
    **{f"bot.pages_zh:_CARD_POST_LAST:{n}":
       "harmless: a card's title line has no spaces (_CLAUSES refuses them), so an English post "
       "(fellow, professor, director) can end one only glued to the Chinese before it "
       "(\"卡内基中国中心Director\"), which pages do not write" for n in (15, 16, 17)},
    **{f"bot.pages_zh:_NUMERAL_DIGITS:{n}":
       "equivalent: 零 and 〇 are never looked up: NUMERAL has them only before another digit "
       "(\"零五\"), and number() reads the last one" for n in (1, 2)},
    **{f"bot.pages_zh:_SCENE:{n}":
       "equivalent: 研讨会 and 报告会 end in 会, the alternative after them, which the "
       "characters before it in the run of Han reach" for n in (5, 6)},
    "bot.pages_zh:_ROLE_STEM:6":
        "harmless: a word with 嘉宾 is never a name (_NOT_A_PERSON); the stem differs only for "
        "a card's title line holding 嘉宾 and ending in a post (\"嘉宾学者\"), which pages do "
        "not write",
    "bot.pages_zh:BIO_AFTER_NAME:7": "equivalent: 曾任 starts with 曾, the alternative after it",
    "bot.pages_zh:SECTION:10":
        "equivalent: 嘉宾介绍 and 嘉宾简介, the headings it prefixes, are alternatives "
        "of their own",
    "bot.pages_zh:ROLE_WORD:1":
        "equivalent in effect where tested: without it the label's role word read is 主讲, "
        "which also means speaker, and the heading 主讲嘉宾 is a guests' heading "
        "(GUESTS_HEADING), whose cards are speakers with their bios as well",
    "bot.pages_names:_STOPWORDS:1":
        "equivalent: a one-letter capital is all upper case, which a name word never is",
    "bot.pages_people.xǁPeopleReadingǁ_latin_name_at__mutmut_3":
        "harmless: a cap on how much of a line is searched for a name (150 or 151 "
        "characters), there to bound the work; no name line is that long",
    **{f"bot.pages_people.xǁPeopleReadingǁ_person_line__mutmut_{n}":
       "harmless: a cap on the length of a name line (150 or 151 characters), there to "
       "bound the work; no name line is that long" for n in (7, 8)},
    "bot.pages_people.xǁPeopleReadingǁ_person_line__mutmut_23":
        "equivalent in effect: a line that is only a name and its label (\"Ann Lee, "
        "moderator\", \"Ann Lee (Moderator)\") is read by the narration rule too, which "
        "gives the same person and role",
    **{f"bot.pages_people:_NOT_A_CARD_NAME:{n}":
       "equivalent: Event, Office and Program are stop words of the name rules, so no name "
       "read (read_names) ever holds them" for n in (21, 51, 67)},
    **{f"bot.pages_people:_SPOKEN:{n}":
       "equivalent: the I of I'm (I’m) is a word of its own before the apostrophe, which the "
       "`I` alternative finds" for n in (2, 3)},
    "bot.pages_zh.xǁChineseReadingǁ_zh_name__mutmut_27":
        "harmless: differs only for a Latin name followed by another Latin name in "
        "brackets, which pages do not write",
    "bot.pages_zh.xǁChineseReadingǁ_zh_person_line__mutmut_11":
        "equivalent: `found` is only tested for truth, and None and False are both false",
    "bot.pages_zh.xǁChineseReadingǁ_zh_person_line__mutmut_43":
        "harmless: differs only for a name followed directly by the letter X",
    "bot.pages_reader.xǁ_Readerǁ_roster__mutmut_1":
        "equivalent: without a semicolon the paragraph is one item, and a roster needs two",
    **{f"bot.pages_reader.xǁ_Readerǁ_roster__mutmut_{n}":
       "harmless: a cap on how long a roster paragraph is read (3,000 or 3,001 characters), "
       "there to bound the work" for n in (4, 5)},
    "bot.pages_reader.xǁ_Readerǁ_roster__mutmut_16":
        "harmless: differs only for a roster ending in the letter X",
    "bot.pages_reader.xǁ_Readerǁ_roster__mutmut_26":
        "harmless: a cap on how much of a roster item is searched for a name (150 or 151 "
        "characters), there to bound the work",
    "bot.pages_reader.xǁ_Readerǁ_roster__mutmut_53":
        "equivalent: looking up None in LABEL_ROLES gives None, and the role is then "
        "\"speaker\" either way",
    "bot.pages_reader.xǁ_Readerǁ_roster__mutmut_62":
        "equivalent: a paragraph with a semicolon has two items or more, and each is either "
        "found or refuses the roster, so fewer than two found never happens",
    "bot.pages.x_parse_page__mutmut_14":
        "harmless: only the size a refusal quotes differs, for a text already over the limit "
        "in characters: its length in characters (at most its size in bytes) is quoted "
        "instead of encoding a huge text to count its bytes",
    **{f"bot.pages_names.x__kind__mutmut_{n}":
       "equivalent: no reader compares a kind with 'other'; they only ask whether it is an "
       "honorific, a particle, an initial or a word" for n in (9, 10, 24, 25)},
    **{f"bot.pages_names.x_{function}__mutmut_{n}":
       "equivalent: no reader compares a kind with 'other'; they only ask whether it is an "
       "honorific, a particle, an initial or a word"
       for function, n in (("opening", 22), ("opening", 23), ("read_names", 52),
                           ("read_names", 53))},
    **{f"bot.pages_names.x_{function}__mutmut_{n}":
       "equivalent: _kind gives 'other' for an empty word too (it does not start with a "
       "capital)" for function, n in (("opening", 20), ("read_names", 50))},
    **{f"bot.pages_names.x_opening__mutmut_{n}":
       "harmless: a cap on how much of a paragraph is searched for the name or word it opens "
       "with (200 or 201 characters), there to bound the work; no opening name is that long"
       for n in (6, 14)},
    **{f"bot.pages_names.x_opening__mutmut_{n}":
       "harmless: differs only for a person whose first or last name is Xxxx: the "
       "placeholder is looked up as a name, and finds nobody else" for n in (3, 33, 34)},
    "bot.pages_names.x_opening__mutmut_28":
        "harmless: differs only for a paragraph opening with a word the name rules refuse "
        "(a stop word, a word in capitals) that spells a known person's first or last name "
        "and is followed by a verb like \"is\"; any other such word finds nobody",
    **{f"bot.pages_reader.xǁ_Readerǁ__init____mutmut_{n}":
       "equivalent: the flag is only tested for truth (later_version also as what _header "
       "answers, itself tested for truth), and None and False are both false"
       for n in (17, 19, 23)},
    **{f"bot.pages_reader.xǁ_Readerǁ_take__mutmut_{n}":
       "equivalent: header_open is only tested for truth, and None and False are both false"
       for n in (26, 47)},
    "bot.pages_reader.xǁ_Readerǁ__init____mutmut_21":
        "equivalent: the first paragraph's `last` is only tested for truth ('' and None are "
        "both false) or handed to _bio, which gives no bio at the first paragraph: nobody is "
        "known yet",
    "bot.pages_reader.xǁ_Readerǁ__init____mutmut_26":
        "equivalent: the section role is only tested for truth (`own or section_role`, "
        "`if role`), and '' and None are both false",
    "bot.pages_people.xǁPeopleReadingǁ_person__mutmut_19":
        "harmless: a person seen again is also filed under the word xxxx, which no name has",
    **{f"bot.pages_people.xǁPeopleReadingǁ_person__mutmut_{n}":
       "harmless: a paired name (赵通 (Tong Zhao)) is filed under its whole first and last "
       "words instead of each half's; it loses only the lookup by the Latin half's first "
       "word (Tong), which bios do not open with" for n in (20, 25)},
    "bot.pages_people.xǁPeopleReadingǁ_person__mutmut_33":
        "harmless: a person is also filed under the empty word, looked up only for a "
        "paragraph opening with no letters at all",
    **{f"bot.pages_names.x_narration__mutmut_{n}":
       "equivalent: any verb that is not a moderating, hosting, chairing or discussing one "
       "reads as speaking" for n in (109, 110)},
    "bot.pages_names.x_narration__mutmut_125":
        "equivalent: looking up None in LABEL_ROLES gives None, and the list's role is "
        "taken either way",
    "bot.pages_names.x_narration__mutmut_23":
        "equivalent: every branch below sets the role before it is read",
    "bot.pages_names.x_narration__mutmut_33":
        "harmless: how far after a name its verb is looked for (100 or 101 characters)",
    "bot.pages_names.x_narration__mutmut_98":
        "harmless: how far before a name its verb is looked for (60 or 61 characters)",
    "bot.pages_names.x_key__mutmut_2":
        "equivalent: keys are only compared with keys made the same way, and a key with "
        "no letters stays empty",
    **{f"bot.pages_reader.xǁ_Readerǁ_heading__mutmut_{n}":
       "harmless: the longest a heading may be (60 or 61 characters); headings are short"
       for n in (4, 5)},
    **{f"bot.pages_reader.xǁ_Readerǁ_heading__mutmut_{n}":
       "harmless: differs only for a heading ending in the letter X" for n in (9, 16)},
    **{k: "equivalent: the section role is only tested for truth (`own or section_role`, "
       "`if role`), and '' and None are both false" for k in (
        "bot.pages_reader.xǁ_Readerǁ_heading__mutmut_32",
        "bot.pages_reader.xǁ_Readerǁ_version__mutmut_8")},
    **{f"bot.pages_notices.xǁNoticeReadingǁ_notice__mutmut_{n}":
       "harmless: a bound (600 characters) on splitting a paragraph into sentences, there to "
       "keep the work small on huge paragraphs; it differs only for notices inside a "
       "paragraph that long, which pages keep short" for n in (3, 5, 6, 7, 8, 9)},
    "bot.pages_notices.xǁNoticeReadingǁ_notice__mutmut_17":
        "equivalent: the Chinese notice patterns are written in Chinese, so an English "
        "sentence gives None, as the guard does",
    "bot.pages_notices.xǁNoticeReadingǁ_notice__mutmut_35":
        "equivalent: `note` is only tested for truth, and None and False are both false",
    "bot.pages_people.xǁPeopleReadingǁ_person_line__mutmut_54":
        "equivalent: looking up None in LABEL_ROLES gives None, as the guard does",
    **{f"bot.pages_notices:_AHEAD:{n}":
       "harmless: a three-character event word dead only in the short opening (本次 and at "
       "most four characters, then 将) differs only for 本次研讨会 or 本次报告会 followed by "
       "one character that is no word of when, then 将, which Chinese does not write"
       for n in (21, 22)},
    **{f"bot.pages_reader:_SECTION:{n}":
       "equivalent in effect where tested: the heading (\"Our Speakers\", \"Meet the "
       "Speakers\", \"Featured Speakers\", \"Participants\", \"Panelists\", \"Featuring\", "
       "\"Discussants\", \"Moderators\") is still dropped by the reader's other heading rules"
       for n in (8, 9, 10, 14, 15, 16, 20, 21)},
    **{f"bot.pages_header:_A_CLOCK:{n}":
       "equivalent: _A_CLOCK is only searched for whether a line has a clock; the part of "
       "the day before the hour and the minutes after its 点 are optional, so the hour is "
       "found with or without them" for n in (*range(1, 12), *range(15, 21))},
    **{f"bot.pages_notices:_CLOSED_NOTICE:{n}":
       "equivalent in effect where tested: the sentence (\"Registration for this event is "
       "closed\", \"... has closed\", \"... is now full\") is still read as closed "
       "registration by the other notice rules" for n in (1, 2, 4, 6)},
    **{f"bot.pages_header:_ADDRESS:{n}":
       "equivalent in effect where tested: the line (\"Building C, ...\", \"..., Mandel "
       "Hall\" at the line's end) is still read as the venue by the other venue rules"
       for n in (22, 31)},
    # -- time rules --
    "bot.zones.x__h__mutmut_1":
        "not reachable by mutmut: _h runs only while the module is imported (to build ZONES), "
        "before a mutant is switched on",
    "bot.zones.x_pick_reading__mutmut_7":
        "harmless: the offsets at noon and at 1 pm of a day differ only where a zone changes "
        "its clock between them, which the zones listed do at night",
    **{f"bot.when.x_read_clock__mutmut_{n}":
       "equivalent: only \"pm\" is ever compared; any other marker reads as morning, as "
       "\"am\" does" for n in (15, 16, 33, 34, 49, 50)},
    **{f"bot.when.x_read_clock__mutmut_{n}":
       "harmless: 上午/早上 without a marker differ only for 上午0点 and 上午12点, which "
       "pages do not write (noon is 中午12点)" for n in (30, 31, 32)},
    **{f"bot.when.x_read_clock__mutmut_{n}":
       "harmless: differs only for 中午6点 (midday six o'clock), which pages do not write"
       for n in (44, 45)},
    **{f"bot.when.x__find_date__mutmut_{n}":
       "equivalent: each date pattern has exactly as many groups as its order has letters"
       for n in (9, 12, 13)},
    **{f"bot.when.x__find_date__mutmut_{n}":
       "equivalent: the month group never holds the dot (the pattern's `\\.?` is outside it)"
       for n in (21, 22, 24)},
    "bot.when.x__find_date__mutmut_28":
        "equivalent: every month name the patterns match is in _MONTHS and a month in "
        "digits is a number, so the month is never None",
    "bot.when.x_read_page_when__mutmut_5":
        "harmless: a cap on how much of a date line is read (300 or 301 characters), there "
        "to bound the work",
    "bot.when.x_read_page_when__mutmut_56":
        "equivalent: the sign is one character, and both signs are still in the string",
    **{f"bot.when.x_read_page_when__mutmut_{n}":
       "equivalent: hour_24h takes the clock's own am/pm first, so passing the other clock's "
       "as well changes nothing" for n in (102, 131)},
    "bot.when.x_read_page_when__mutmut_106":
        "harmless: how much of a bad time the note quotes (40 or 41 characters)",
    **{f"bot.when_typed.x_has_time_of_day__mutmut_{n}":
       "equivalent: a typed time with a T is read only with hh:mm after it, whose colon "
       "the time-of-day pattern finds first" for n in (4, 5, 7, 8)},
    **{f"bot.when_typed.x__natural__mutmut_{n}":
       "harmless: the languages only narrow dateparser's search; it finds English and "
       "Chinese without them, more slowly" for n in (18, 21)},
    **{f"bot.when:_TIMES:{n}":
       "harmless: without the morning word the clock reads the same (a morning hour needs "
       "no marker); the word is then plain text before it" for n in (2, 3, 4, 10, 36, 38, 45)},
    **{f"bot.when:_TIMES:{n}":
       "equivalent: without 傍晚, the 晚 it ends with is read as the evening word"
       for n in (7, 42)},
    **{f"bot.when:_ONE_CLOCK:{n}":
       "equivalent: _ONE_CLOCK reads only the time a run's pattern found after its first day "
       "(`_AT`), whose hour is in digits: an hour in Chinese numerals, and the 点 or 时 that "
       "must follow one, never reach it" for n in (12, 13, 14, 15, 17)},
    **{f"bot.when:_ISO_SPAN:{n}":
       "harmless: differs only for a moment run on into more digits or colons (a fraction of "
       "a second longer than nine digits), which no page's structured data writes"
       for n in (26, 27)},
    **{f"bot.when_typed:_EN_AWAY:{n}":
       "harmless: half a minute or half a second from now is refused either way (less than a "
       "minute away is not later than now); only the refusal's wording differs"
       for n in (31, 58)},
    # The English day-and-clock fast path ("friday 6pm", "Dec 8 6pm") in front of dateparser
    **{f"bot.when_typed:_EN_DAY_AND_CLOCK:{n}":
       "equivalent in effect where tested: when this spelling (a weekday, month, day ending, "
       "today/tomorrow/tonight or a numeric date's year) misses the fast path, dateparser reads "
       "the text next and gives the same moment, and refuses an hour alone as well (the tests "
       "type each spelling before and after a clock, and with an hour alone)"
       for n in (21, *range(23, 26), *range(28, 30), *range(32, 47), *range(48, 71), *range(113,
                 117), *range(118, 125), *range(127, 162), *range(163, 167))},
    **{f"bot.when_typed:_EN_AWAY:{n}":
       "harmless: fewer than sixty seconds from now is refused either way (less than a minute "
       "away is not later than now); only the refusal's wording differs"
       for n in (*range(60, 66), *range(67, 72), *range(73, 82))},
    **{f"bot.when_typed:_US_RULE_ZONES:{n}":
       "equivalent with the tzdata installed: HST and MST are links to Pacific/Honolulu and "
       "America/Phoenix, and get their country (US) through the link" for n in (4, 5)},
    "bot.when_typed:_ZONE_LIKE:8":
        "harmless: a time typed with THUR or THURS and a year is not read either way "
        "(dateparser knows neither spelling), so whether the word passes for a zone changes "
        "nothing",
    **{f"bot.when_typed:_YEAR_WRITTEN:{n}":
       "equivalent: a typed time in 19xx is refused as out of range before this check, and "
       "one in 21xx can only be in 2100, in the future, where the check passes either way"
       for n in (1, 3)},
    # -- render budgeting --
    "bot.render.x__dangling_escape__mutmut_2":
        "equivalent: a + b and a - b have the same parity",
    **{f"bot.render.x_split_text__mutmut_{n}":
       "equivalent: a break found before `start` is also before the half-way mark, so the "
       "search falls back exactly as when none is found" for n in (10, 23)},
    "bot.render.x_pack_embeds__mutmut_9":
        "harmless: differs only when no block has any text, and every caller passes one "
        "that has",
    **{f"bot.render.x_pack_embeds__mutmut_{n}":
       "equivalent: a description is at most 4,096 characters and the title at most 246, "
       "so with 10 more they never reach 6,000" for n in (20, 21, 22, 23)},
    "bot.render.x_pack_embeds__mutmut_53":
        "equivalent: the 10-embed cap is never reached: two neighbouring descriptions hold "
        "over 4,094 characters, so a 6,000-character message holds at most three",
    **{f"bot.render.x_event_embed__mutmut_{n}":
       "equivalent: Takeaways is last in the order, where a field missing from the order "
       "goes anyway" for n in (40, 41, 42)},
    "bot.render.x_event_embed__mutmut_91":
        "harmless: the room kept for the start of the description, 300 or 301 characters",
    "bot.render.x_event_embed__mutmut_97":
        "equivalent: the venue is offered before the people and notes, when at most the "
        "title, footer, time, seats and takeaways are spent, so its 1,024 characters and "
        "the kept 300 always fit",
    **{f"bot.render.x_event_embed__mutmut_{n}":
       "equivalent: the role titles are made from the roles, one each" for n in (108, 111, 112)},
    **{f"bot.render.x_event_embed__mutmut_{n}":
       "equivalent: a role's share already leaves the kept room, so its names fit the room "
       "with or without keeping it again" for n in (123, 135)},
    "bot.render.x_event_embed__mutmut_114":
        "harmless: each role's share grows by its title's length (under 12 characters) and "
        "the later roles get that much less; every field is still clipped to the room left",
    "bot.render.x_event_embed__mutmut_115":
        "harmless: a page gives at most five roles, so a share is hundreds of characters; a "
        "fractional one is only compared with lengths, never used to cut",
    "bot.render.x_event_embed__mutmut_156":
        "equivalent: the description was clipped to 2,500 characters already, under either "
        "limit",
    "bot.render.x_speaker_options__mutmut_14":
        "equivalent: no person is on the page only when the event has no people, and then "
        "the window starts at 0 either way",
}


# ---- pattern mutants -------------------------------------------------------------

def _alternations(pattern: str) -> list[list[tuple[int, int]]]:
    """The alternatives of each alternation in a regex source, as (start, end) spans:
    the top level and every group, skipping escapes and character classes."""
    groups: list[list[tuple[int, int]]] = []
    stack: list[tuple[int, list[int]]] = [(0, [])]  # (body start, positions of its |)
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i += 1
            if i < len(pattern) and pattern[i] == "^":
                i += 1
            if i < len(pattern) and pattern[i] == "]":
                i += 1
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif c == "(":
            start = i + 1
            if pattern.startswith("?", start):  # (?:  (?P<n>  (?=  (?<!  ...
                m = re.match(r"\?(?:P<\w+>|<[=!]|[:=!>]|[a-zA-Z]+[:)])?", pattern[start:])
                start += m.end() if m else 1
            stack.append((start, []))
        elif c == ")" and len(stack) > 1:
            _close(stack.pop(), i, groups)
        elif c == "|":
            stack[-1][1].append(i)
        i += 1
    _close(stack[0], len(pattern), groups)
    return groups


def _close(frame: tuple[int, list[int]], end: int, groups: list[list[tuple[int, int]]]) -> None:
    start, bars = frame
    if bars:
        edges = [start - 1, *bars, end]
        groups.append([(edges[k] + 1, edges[k + 1]) for k in range(len(edges) - 1)])


def _regex_mutants(compiled: re.Pattern) -> Iterator[tuple[str, re.Pattern]]:
    source = compiled.pattern
    seen = set()
    for alternatives in _alternations(source):
        for start, end in alternatives:
            mutated = source[:start] + "(?!)" + source[start:end] + source[end:]
            if mutated in seen:
                continue
            seen.add(mutated)
            try:
                yield f"dead alternative `{source[start:end]}`", re.compile(
                    mutated, compiled.flags)
            except re.error:
                continue


def _word_mutants(words) -> Iterator[tuple[str, object]]:
    kind = type(words)
    for word in sorted(words) if isinstance(words, (set, frozenset)) else words:
        if isinstance(words, (set, frozenset)):
            mutated = kind(w for w in words if w != word)
        elif isinstance(words, dict):
            mutated = {k: v for k, v in words.items() if k != word}
        else:
            listed = list(words)
            listed.remove(word)
            mutated = kind(listed)
        yield f"word `{word}` deleted", mutated


def _is_words(value) -> bool:
    return (isinstance(value, (list, tuple, set, frozenset, dict)) and len(value) > 1
            and all(isinstance(w, str) for w in value))


def pattern_mutants(module_name: str) -> Iterator[tuple[str, str, object]]:
    """(attribute, what changed, mutated value) for each pattern mutant of a module, in a
    stable order; the id of a mutant is module:attribute:index within the attribute."""
    for attr in _assigned(importlib.import_module(module_name)):
        yield from ((attr, what, mutated) for what, mutated in _mutants_of(module_name, attr))


@functools.cache
def _mutants_of(module_name: str, attr: str) -> list[tuple[str, object]]:
    """(what changed, mutated value) for each pattern mutant of one attribute, made once:
    compiling them again for each mutant applied took longer than its tests."""
    value = getattr(importlib.import_module(module_name), attr)
    if isinstance(value, re.Pattern):
        return list(_regex_mutants(value))
    if isinstance(value, tuple) and value and all(isinstance(p, re.Pattern) for p in value):
        return [(what, (*value[:k], mutated, *value[k + 1:]))
                for k, p in enumerate(value) for what, mutated in _regex_mutants(p)]
    return list(_word_mutants(value)) if _is_words(value) else []


def _assigned(module) -> list[str]:
    """The names a module assigns at its top level (not the ones it imports) and some
    function reads when it runs, sorted. A pattern read only while modules are imported,
    to build another one (pages_zh.TIME inside pages._TIME_LINE), has its alternatives
    mutated in the pattern it built."""
    tree = ast.parse(Path(module.__file__).read_text())
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return sorted(names & _read_in_functions())


@functools.cache
def _read_in_functions() -> frozenset[str]:
    """Every name or attribute read inside a function of the bot."""
    read = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for func in ast.walk(ast.parse(path.read_text())):
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                for node in ast.walk(func):
                    if isinstance(node, ast.Name):
                        read.add(node.id)
                    elif isinstance(node, ast.Attribute):
                        read.add(node.attr)
    return frozenset(read)


def pattern_ids(module_name: str) -> list[tuple[str, str]]:
    """(mutant id, what changed) for every pattern mutant of a module."""
    ids, counts = [], {}
    for attr, what, _ in pattern_mutants(module_name):
        counts[attr] = counts.get(attr, 0) + 1
        ids.append((f"{module_name}:{attr}:{counts[attr]}", what))
    return ids


def apply(mutant_id: str) -> None:
    module_name, attr, index = mutant_id.split(":")
    chosen = _mutants_of(module_name, attr)[int(index) - 1]
    original = getattr(importlib.import_module(module_name), attr)
    # Modules that imported the object by name hold it too: the bot's, and the tests'
    # (imported before the mutant is applied when the tests are collected once).
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith(("bot", "tests", "test_")) and (
                getattr(module, attr, None) is original):
            setattr(module, attr, chosen[1])
    # A cached answer was worked out with the original.
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("bot"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def pytest_configure(config) -> None:
    """As a pytest plugin (`-p bench.mutation`): apply the mutant named in EVENTBOT_MUTANT."""
    if os.environ.get(ENV):
        apply(os.environ[ENV])


class _Batch:
    """A pytest plugin that runs many pattern mutants against tests collected once: for
    each, a forked child applies it and runs the collected tests, stopping at the first
    failure (collecting the tests again for each mutant took most of the time). The tests
    that killed the last mutants, and the one that killed the same change elsewhere (a month
    name dead in another pattern), run first: they are the likeliest to kill it. Only the
    order changes, not which tests run."""

    def __init__(self, todo: list[tuple[str, str]], done, limit: float = 120) -> None:
        self.todo, self.done, self.limit = todo, done, limit
        self.killers: list[int] = []  # the tests that killed the last mutants, newest first
        self.killer_of: dict[str, int] = {}  # what changed: the test that killed it last

    def pytest_runtestloop(self, session) -> bool:
        for mutant_id, what in self.todo:
            self.done(mutant_id, what, self._run(session.items, mutant_id, what))
        return True

    def _run(self, items, mutant_id: str, what: str) -> str:
        from _pytest.runner import runtestprotocol

        first = list(dict.fromkeys([*([self.killer_of[what]] if what in self.killer_of else []),
                                    *self.killers]))
        order = [*first, *(k for k in range(len(items)) if k not in first)]
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            try:
                apply(mutant_id)
                for n, k in enumerate(order):
                    after = items[order[n + 1]] if n + 1 < len(order) else None
                    reports = runtestprotocol(items[k], nextitem=after, log=False)
                    if any(r.failed for r in reports):
                        os.write(write_end, str(k).encode())
                        os._exit(1)
            except BaseException:  # an error outside the tests says nothing about the mutant
                os._exit(3)
            os._exit(0)
        os.close(write_end)
        deadline = time.monotonic() + self.limit
        verdict = "timeout"  # counts as killed: a hang fails the suite
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                # 1: a test failed; anything else (an error outside the tests) says nothing
                # about the mutant.
                code = os.waitstatus_to_exitcode(status)
                verdict = {0: "survived", 1: "killed"}.get(code, f"error (exit {code})")
                break
            time.sleep(0.005)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        killer = os.read(read_end, 32)
        os.close(read_end)
        if killer:
            self.killers = [int(killer), *(k for k in self.killers if k != int(killer))][:5]
            self.killer_of[what] = int(killer)
        return verdict


def _run_batch(todo: list[tuple[str, str]], tests: list[str]) -> None:
    """Run the pattern mutants in todo against the tests, in a forked child (so each
    group's tests are collected in a fresh process), saving each verdict as it comes."""
    if not todo:
        return
    out = os.dup(1)
    pid = os.fork()
    if pid == 0:
        import pytest

        cached = _load_patterns()

        def done(mutant_id: str, what: str, verdict: str) -> None:
            cached[mutant_id] = (what, verdict)
            _save_patterns(cached)
            os.write(out, f"{verdict:9} {mutant_id} {what}\n".encode())

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        code = pytest.main(["-q", "-s", "-p", "no:cacheprovider", "-k", NOT_TIMING, *tests],
                           plugins=[_Batch(todo, done)])
        os._exit(0 if code in (0, 5) else 2)
    _, status = os.waitpid(pid, 0)
    os.close(out)
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"the pattern mutants' run failed ({os.waitstatus_to_exitcode(status)})")


def _run_patterns(group: Group, survivors_only: bool, every: int, report_only: bool = False,
                  resume: bool = False, only: list[tuple[str, int, int]] | None = None,
                  ) -> dict[str, tuple[str, str]]:
    """(what changed, verdict) for each pattern mutant of the group's modules; with
    survivors_only, a mutant killed before (with the same change) is not run again; with
    resume, no mutant with a verdict on the same change is (a cut run goes on)."""
    tests = [UNIT + t for t in group.tests]
    cached = _load_patterns()
    chosen = [(mutant_id, what) for module in (() if group.functions else group.modules)
              for mutant_id, what in pattern_ids(module)[::every] if _chosen(mutant_id, only)]
    if not report_only:
        _run_batch([(mutant_id, what) for mutant_id, what in chosen if not (
            (before := cached.get(mutant_id)) and before[0] == what
            and (resume or (survivors_only and before[1] in KILLED)))], tests)
        cached = _load_patterns()
    patterns = {}
    for mutant_id, what in chosen:
        before = cached.get(mutant_id)
        patterns[mutant_id] = before if before and before[0] == what else (what, NOT_RUN)
    return patterns


def _load_patterns() -> dict[str, tuple[str, str]]:
    try:
        return {k: tuple(v) for k, v in json.loads(PATTERN_RESULTS.read_text()).items()}
    except (OSError, ValueError):
        return {}


def _save_patterns(results: dict[str, tuple[str, str]]) -> None:
    PATTERN_RESULTS.parent.mkdir(exist_ok=True)
    PATTERN_RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False))


# ---- mutmut ----------------------------------------------------------------------

def run_mutmut(groups: list[Group], survivors_only: bool, resume: bool) -> None:
    """Run mutmut on the groups' functions: every mutant; or only the ones that survived
    last time (survivors_only) and/or the ones with no verdict yet (resume: the mutants a
    cut run did not reach, and those of functions changed since), named one by one, since
    mutmut re-runs every mutant a name pattern matches."""
    names = [n for group in groups for n in group.mutmut_names()]
    if survivors_only or resume:
        names = [k for k, v in mutmut_results().items() if any(g.owns(k) for g in groups) and (
            (resume and v == UNCHECKED) or (survivors_only and v not in {*KILLED, UNCHECKED}))]
    if names:
        _mutmut(*names)


def _mutmut(*names: str) -> None:
    done = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", "1", *names],
                          cwd=ROOT, check=False, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if done.returncode:
        sys.exit(f"mutmut failed ({done.returncode}):\n{done.stderr[-2000:]}")


def mutmut_results() -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                         cwd=ROOT, capture_output=True, text=True, check=False).stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep:
            found[name] = status
    return found


def mutmut_diff(name: str) -> str:
    out = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=ROOT,
                         capture_output=True, text=True, check=False).stdout
    return "\n".join(line for line in out.splitlines()
                     if line[:2] in ("- ", "+ ") and not line.startswith(("---", "+++")))


# ---- report ----------------------------------------------------------------------

KILLED = {"killed", "timeout"}
UNCHECKED = "not checked"  # mutmut's word for a mutant it has no verdict on
NOT_RUN = "not run"  # a pattern mutant with no verdict yet


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # No `choices`: argparse refuses an empty list against them; none means every group.
    parser.add_argument("groups", nargs="*", metavar="GROUP", help=", ".join(GROUPS))
    parser.add_argument("--skip-mutmut", action="store_true",
                        help="report mutmut's last results instead of running it again")
    parser.add_argument("--survivors-only", action="store_true",
                        help="re-run only the mutants that survived the last run")
    parser.add_argument("--resume", action="store_true",
                        help="run the mutants with no verdict yet (a cut run, changed code)")
    parser.add_argument("--skip-patterns", action="store_true",
                        help="report the last pattern results instead of running them again")
    parser.add_argument("--report-only", action="store_true",
                        help="write the report from the last results, running nothing")
    parser.add_argument("--every", type=int, default=1, metavar="N",
                        help="run only every Nth pattern mutant (a quicker, sampled score)")
    parser.add_argument("--module", metavar="MODULE",
                        help="run only this module's pattern mutants (with its group's tests) "
                        "and print the result; the report is left as it is")
    parser.add_argument("--only", action="append", type=_only, metavar="NAME[:FIRST[-LAST]]",
                        help="with --module: run only this pattern's mutants (FIRST to LAST "
                        "of them, counting from 1); may be given more than once")
    args = parser.parse_args(argv)
    if args.only and not args.module:
        parser.error("--only needs --module")
    if unknown := set(args.groups) - set(GROUPS):
        parser.error(f"unknown group {', '.join(sorted(unknown))}; choose from {', '.join(GROUPS)}")
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    if args.module:
        owners = [g for g in GROUPS.values() if args.module in g.modules and not g.functions]
        if not owners:
            parser.error(f"no group mutates the patterns of {args.module}")
        return _module_only(args.module, owners[0], args)
    started = time.monotonic()
    groups = {name: GROUPS[name] for name in args.groups or GROUPS}
    patterns = {name: _run_patterns(group, args.survivors_only, args.every,
                                    args.report_only or args.skip_patterns,
                                    args.resume and not args.survivors_only)
                for name, group in groups.items()}
    # mutmut copies the tests when it starts: it runs second, with the newest tests.
    if not (args.skip_mutmut or args.report_only):
        run_mutmut(list(groups.values()), args.survivors_only, args.resume)
    results = mutmut_results()
    sections, failed = [], []
    for name, group in groups.items():
        code = {k: v for k, v in results.items() if group.owns(k)}
        section, score = _section(name, group, code, patterns[name], args.every)
        sections.append(section)
        if score < group.threshold:
            failed.append(f"{name}: {score:.1f}% < {group.threshold}%")
    minutes = None if args.report_only else (time.monotonic() - started) / 60
    REPORT.write_text(_report(_keep_other_sections(sections), minutes))
    print(f"wrote {REPORT.relative_to(ROOT)}")
    for line in failed:
        print(f"below threshold: {line}", file=sys.stderr)
    return 1 if failed else 0


def _only(spec: str) -> tuple[str, int, int]:
    """`NAME`, `NAME:N` or `NAME:FIRST-LAST` as (name, first, last), counting from 1."""
    name, _, span = spec.partition(":")
    first, _, last = span.partition("-")
    try:
        low = int(first) if first else 1
        high = int(last) if last else (low if first else sys.maxsize)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not NAME[:FIRST[-LAST]]: {spec}") from None
    if not name or low < 1 or high < low:
        raise argparse.ArgumentTypeError(f"not NAME[:FIRST[-LAST]]: {spec}")
    return name, low, high


def _chosen(mutant_id: str, only: list[tuple[str, int, int]] | None) -> bool:
    """Whether a mutant id (module:NAME:N) is one of those `--only` asks for."""
    _, name, index = mutant_id.split(":")
    return not only or any(name == n and low <= int(index) <= high for n, low, high in only)


def _module_only(module: str, group: Group, args: argparse.Namespace) -> int:
    """Run one module's pattern mutants (or those `--only` names) against its group's tests
    and print the tally and the survivors, each with its explanation if it has one."""
    one = Group((module,), group.tests, group.threshold)
    if unknown := {n for n, _, _ in args.only or ()} - {
            mutant_id.split(":")[1] for mutant_id, _ in pattern_ids(module)}:
        sys.exit(f"{module} has no pattern mutants named {', '.join(sorted(unknown))}")
    patterns = _run_patterns(one, args.survivors_only, args.every,
                             args.report_only or args.skip_patterns,
                             args.resume and not args.survivors_only, args.only)
    run = {k: v for k, v in patterns.items() if v[1] != NOT_RUN}
    killed = sum(s in KILLED for _, s in run.values())
    survivors = [k for k, (_, s) in run.items() if s not in KILLED]
    print(f"{module}: {killed} of {len(run)} pattern mutants killed"
          f" ({len(patterns) - len(run)} not run); {len(survivors)} survived, "
          f"{sum(k not in EXPLAINED for k in survivors)} not explained")
    for key in survivors:
        print(f"- {key} ({run[key][0]}): {EXPLAINED.get(key, 'not explained')}")
    return 0


def _section(name: str, group: Group, code: dict[str, str],
             patterns: dict[str, tuple[str, str]], every: int) -> tuple[str, float]:
    """A group's Markdown section and its score. Mutants mutmut has not run yet ("not
    checked", when a run was cut short) are counted apart, not as survivors."""
    unchecked = sorted(k for k, s in code.items() if s == UNCHECKED)
    code = {k: s for k, s in code.items() if s != UNCHECKED}
    unrun = sorted(k for k, (_, s) in patterns.items() if s == NOT_RUN)
    patterns = {k: v for k, v in patterns.items() if v[1] != NOT_RUN}
    code_killed = sum(s in KILLED for s in code.values())
    pattern_killed = sum(s in KILLED for _, s in patterns.values())
    total = len(code) + len(patterns)
    score = 100 * (code_killed + pattern_killed) / total if total else 100.0
    mutated = ", ".join(group.modules)
    if group.functions:
        mutated += " (" + ", ".join(_readable(f) for f in group.functions) + ")"
    lines = [f"## {name}: {mutated}", "",
             f"Tests: {', '.join(UNIT + t for t in group.tests)}.", "",
             "| mutants | killed | total | score |", "|---|---:|---:|---:|",
             _row("code (mutmut)", code_killed, len(code)),
             _row("regex and word-list" + (f" (every {every}th)" if every > 1 else ""),
                  pattern_killed, len(patterns)),
             _row("**together**", code_killed + pattern_killed, total), ""]
    if group.threshold:
        lines += [f"Required: {group.threshold}%.", ""]
    if unchecked:
        lines += [f"**Not run yet: {len(unchecked)} code mutants "
                  f"({_per_module(unchecked)})**; the score above is over the mutants that "
                  "were run.", ""]
    if unrun:
        lines += [f"**Not run yet: {len(unrun)} regex and word-list mutants "
                  f"({_per_module(unrun)})**; the score above is over the mutants that "
                  "were run.", ""]
    if not code and not unchecked:
        lines += ["mutmut has no results for these modules yet (run without --skip-mutmut).", ""]
    survivors = [(k, s) for k, s in sorted(code.items()) if s not in KILLED]
    survivors += [(k, f"survived: {what}" if s == "survived" else f"{s}: {what}")
                  for k, (what, s) in patterns.items() if s not in KILLED]
    if survivors:
        lines += ["Survivors:", ""]
        for key, status in survivors:
            why = EXPLAINED.get(key, "**not explained**")
            lines.append(f"- `{key}` ({status}): {why}")
            if ":" not in key:
                diff = mutmut_diff(key)
                if diff:
                    lines += ["", "  ```diff", *("  " + d for d in diff.splitlines()),
                              "  ```"]
        lines.append("")
    return "\n".join(lines), score


def _per_module(mutants: list[str]) -> str:
    """ "489 in bot.pages, 289 in bot.pages_names": how many of the mutants each module has
    (a code mutant is module.function__mutmut_N, a pattern mutant module:attribute:N)."""
    by_module: dict[str, int] = {}
    for key in mutants:
        module = key.split(":")[0] if ":" in key else key.rsplit(".", 1)[0]
        by_module[module] = by_module.get(module, 0) + 1
    return ", ".join(f"{n} in {m}" for m, n in sorted(by_module.items()))


def _readable(function: str) -> str:
    """mutmut's name of a function as Python spells it: `xǁEmbedBudgetǁroom` is
    EmbedBudget.room, `x_clip` is clip."""
    if function.startswith("xǁ"):
        return ".".join(function.split("ǁ")[1:])
    return function.removeprefix("x_")


def _keep_other_sections(sections: list[str]) -> list[str]:
    """The new sections, and the last report's sections of the groups not run this time."""
    run = {section.split(":", 1)[0] for section in sections}
    try:
        old = REPORT.read_text().split("\n## ")[1:]
    except OSError:
        old = []
    kept = ["## " + section.rstrip("\n") + "\n" for section in old
            if "## " + section.split(":", 1)[0] not in run]
    order = list(GROUPS)
    return sorted([*sections, *kept], key=lambda s: order.index(s[3:].split(":", 1)[0]))


def _row(label: str, killed: int, total: int) -> str:
    score = f"{100 * killed / total:.1f}%" if total else "–"
    return f"| {label} | {killed} | {total} | {score} |"


def _report(sections: list[str], minutes: float | None) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return "\n".join([
        "# Mutation testing of the domain modules", "",
        f"_Written by `make mutation` (`python -m bench.mutation`) on {when}, "
        + (f"in {minutes:.0f} minutes with one worker._" if minutes is not None else
           "from the saved results of the runs before it (one worker each)._"), "",
        "A mutant is killed when a test fails against it (a timeout counts as killed). "
        "Code mutants come from mutmut; regex and word-list mutants make one alternative of "
        "a module-level regex dead, or delete one word of a module-level word list, at a time. "
        "Every survivor is listed with why it is equivalent or harmless.", "",
        "The importer's timing tests skip under mutmut (they measure the machine); pattern "
        "mutants run without the timing and crash-robustness tests, since a dead alternative "
        "or a missing word cannot make a parse slower or crash it. The render group mutates "
        "only the payload budgeting of bot/render.py (the functions named in its heading), "
        "against tests/unit/test_render.py.", "",
        *sections])


if __name__ == "__main__":
    sys.exit(main())
