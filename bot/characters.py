"""Where text may be cut: never inside a character drawn from several code points. Pure,
for the page importer and the bot's replies alike (`bot.render.clip`, `bot.catalog`)."""

from __future__ import annotations

import unicodedata

# What joins the code point before it into one drawn character: combining marks (Mn, Me,
# Mc), the zero-width joiner and what follows it, variation selectors, skin tones, and the
# tags of a subdivision's flag.
_JOINERS = frozenset(("\u200d", *map(chr, (*range(0xFE00, 0xFE10), *range(0x1F3FB, 0x1F400),
                                            *range(0xE0020, 0xE0080), *range(0xE0100, 0xE01F0)))))
_JOINED_AT_MOST = 32  # code points stepped back over to find a character's start
_REGIONAL = range(0x1F1E6, 0x1F200)  # a flag is two regional indicators


def clipped(text: str, most: int) -> str:
    """`text`, cut to `most` characters with an ellipsis if longer; never inside a
    character drawn from several (a joined emoji, a flag, an accent)."""
    if len(text) <= most:
        return text
    return text[:whole_character_end(text, most - 1)].rstrip() + "…"


def whole_character_end(text: str, end: int) -> int:
    """`end`, or where the character drawn across it begins: `text[:end]` splits no
    flag, accent or joined emoji. A run of joining marks longer than _JOINED_AT_MOST (no
    character a reader sees) is cut anyway, so the cost stays bounded."""
    start = end
    while start > 0 and end - start < _JOINED_AT_MOST and (
            text[start] in _JOINERS or text[start - 1] == "\u200d"
            or unicodedata.category(text[start]) in ("Mn", "Me", "Mc")):
        start -= 1
    if end - start >= _JOINED_AT_MOST:
        return end
    if ord(text[start]) in _REGIONAL:  # the second of a pair when an odd run is before it
        before = start  # (a run of flags is read whole: at most `end`, the limit)
        while before > 0 and ord(text[before - 1]) in _REGIONAL:
            before -= 1
        start -= (start - before) % 2
    return start


def without_invisible(text: str) -> str:
    """`text` without the characters that draw nothing (Unicode's format characters: a
    zero-width space, a byte-order mark, a word joiner, direction marks), which text copied
    from a web page or a chat carries: a value typed is read as the member sees it."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


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
