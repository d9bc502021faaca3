"""A page's bytes (an uploaded file, a fetched page, a file of an event's folder) -> the
text the importer reads, and the page it reads there.

Apart from the catalog, which imports the fetcher and its HTTP client: a page too large
to read on a thread of the bot is read in a process of its own (`bot.offload.off_process`),
which imports only this and what it reads with.
"""

from __future__ import annotations

import re

from bot.errors import InvalidValue
from bot.i18n import N_
from bot.pages import Page, decode_page, parse_page, unicode_bom
from bot.webpage import (
    charset_codec,
    check_not_garbled,
    decode_html,
    decode_undeclared,
    html_to_text,
    is_html_document,
    is_html_name,
    utf_8_over,
)


def page_from_bytes(name: str, data: bytes, *, html: bool | None = None,
                    charset: str | None = None, fetched: bool = False) -> tuple[str, Page]:
    """A page file's (or a fetched page's) bytes -> the text the importer reads, and the
    page it reads there.

    HTML (`.html`/`.htm`, or `html=True`, or a file that is an HTML document whatever
    its name or type says) is turned into text by `bot.webpage`, and its own title
    (og:title, <h1>, <title>) is the page's title however it reads; anything else must be
    UTF-8 text, unless `charset` (a fetched page's) says otherwise. A `fetched` page
    whose server names no charset is read as an HTML page naming none is: a file to save
    as UTF-8 is no advice for a web address. A file that opens as a PDF, an image or an
    office document does (`check_not_a_document`) is refused as what it is, whatever its
    name or its server's Content-Type says.
    """
    check_not_a_document(data)
    if (html if html is not None else is_html_name(name)) or is_html_document(data):
        web = html_to_text(decode_html(data, charset))
        check_not_garbled(web.text, data, charset)
        return web.text, web.schema.completing(parse_page(web.text, titled=web.title is not None))
    if charset and unicode_bom(data) is None:
        decoded = bytes(data).decode(utf_8_over(charset_codec(charset), bytes(data)), "replace")
        check_not_garbled(decoded, data, charset)
        data = decoded.encode("utf-8")
    elif fetched and unicode_bom(data) is None and data:
        data = decode_undeclared(bytes(data)).encode("utf-8")
    text = decode_page(data)
    if text[:200].lstrip().upper().startswith("BEGIN:VCALENDAR"):  # a calendar's lines, not
        # a page's text: read as one, it made an event named "BEGIN:VCALENDAR"
        raise InvalidValue(N_("This is a calendar file (iCalendar, .ics), not an event's page; "
                              "import the event's web page instead, or its text in a .txt "
                              "file."))
    return text, parse_page(text)


# How the files a moderator may give for an event's page open, whatever their name or
# their server's Content-Type says (the signatures WHATWG's MIME sniffing reads). None of
# them can open a text or web page: each begins with bytes or words no page begins with.
_PDF = (b"%PDF-",)
_IMAGES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00",
           b"MM\x00*", b"\x00\x00\x01\x00")
_DOCUMENTS = (b"PK\x03\x04",  # .docx, .xlsx, .pptx, .odt, .zip
              b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # .doc, .xls, .ppt
              b"{\\rtf", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07")


def check_not_a_document(data: bytes) -> None:
    """InvalidValue naming what the bytes are, when they are a PDF, an image, a web page
    saved as one file or an office document (or an archive): read as a page's text, each
    was refused as text in the wrong character set (or read as garbage), advice that does
    not fit a PDF flyer."""
    head = bytes(data[:16])
    if head.startswith(_PDF):
        raise InvalidValue(N_("This is a PDF document, not a web page or a text file; open "
                              "it, copy its text into a .txt file and import that file."))
    if head.startswith(_IMAGES) or (head.startswith(b"RIFF") and head[8:12] == b"WEBP"):
        raise InvalidValue(N_("This is an image, not a web page or a text file; copy its text "
                              "into a .txt file (type it out if need be) and import that "
                              "file."))
    if _is_single_file_web_page(data):
        raise InvalidValue(N_("This is a web page saved as a single file (.mhtml or .mht); "
                              "save it from the browser again as \"Webpage, HTML only\" (a "
                              ".html file) and import that."))
    if head.startswith(_DOCUMENTS):
        raise InvalidValue(N_("This is a Word or other office document, or an archive, not a "
                              "web page or a text file; open it, copy its text into a .txt "
                              "file and import that file."))


# A web page saved as one file (.mhtml, .mht: Chrome's and Edge's "Webpage, Single File",
# Internet Explorer's "Web Archive"): a mail's MIME headers, the page's HTML and images
# after them, encoded. Read as text, its first header was the title ("From: <Saved by
# Blink>") and its Date the event's, and the HTML came in quoted-printable.
_MIME_HEADER = re.compile(rb"[A-Za-z][A-Za-z0-9-]*:")
_MULTIPART = re.compile(rb"^content-type:\s*multipart/related", re.I | re.M)


def _is_single_file_web_page(data: bytes) -> bool:
    headers = re.split(rb"\r?\n\r?\n", bytes(data[:8192]), maxsplit=1)[0]
    return bool(_MIME_HEADER.match(headers) and _MULTIPART.search(headers))
