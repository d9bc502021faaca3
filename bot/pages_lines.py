"""Shapes of a page's lines that the reader's parts share (`bot.pages_reader` for the
header, notices and takeaways, `bot.pages_people` for names, titles and bios): a bullet
opening a line, and a title's capitals. Apart so that both read them from one place.
Pure, as `bot.pages` is."""

from __future__ import annotations

import re
import unicodedata

from bot import pages_zh

# Letters drawn blank: the Hangul fillers and the braille blank, and the marks Unicode says
# are drawn as nothing (Default_Ignorable_Code_Point, beyond the format characters): the
# combining grapheme joiner, Khmer's inherent vowels, Mongolian and other variation
# selectors. With the format characters (zero-width spaces and joiners, direction marks) a
# text of nothing else shows nothing.
_BLANK_LETTERS = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5"
    + "".join(map(chr, (*range(0x180B, 0x1810), *range(0xFE00, 0xFE10),
                        *range(0xE0100, 0xE01F0)))))


def shows_something(text: str) -> bool:
    """Whether `text` has a character a reader sees: not only spaces, format characters
    and blank letters (a title of a Hangul filler alone is an empty line in every list)."""
    return any(not ch.isspace() and ch not in _BLANK_LETTERS
               and unicodedata.category(ch) not in ("Cf", "Cc") for ch in text)


# A bullet, dash or number opening a list item: "• ", "- ", "1. ", "一、".
BULLET = re.compile(rf"[•▪●◦·‣] *|[-*–—] +|(?:{pages_zh.NUMBERED}|\d{{1,2}}\.(?!\d)) *")
LONG_WORD = re.compile(r"[A-Za-z]{4,}")
COLON = re.compile(r"[:：]")  # either script's
# Words of four letters or more a title leaves in lower case.
_SMALL_WORDS = frozenset({
    "with", "from", "into", "over", "upon", "than", "that", "this", "about", "after", "before",
    "between", "under", "among", "through", "during", "without", "within", "against",
    "across", "toward", "towards", "onto"})


def title_case(line: str) -> bool:
    """A title's capitals ("China's Nuclear Posture and the U.S."), not a sentence's ("Join
    us for a talk with Acme Inc.")."""
    return all(word[0].isupper() or word.lower() in _SMALL_WORDS
               for word in LONG_WORD.findall(line))
