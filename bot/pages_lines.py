"""Shapes of a page's lines that the reader's parts share (`bot.pages_reader` for the
header, notices and takeaways, `bot.pages_people` for names, titles and bios): a bullet
opening a line, and a title's capitals. Apart so that both read them from one place.
Pure, as `bot.pages` is."""

from __future__ import annotations

import re

from bot import pages_zh

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
