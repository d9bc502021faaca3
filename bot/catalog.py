"""Events on disk: `<events_dir>/<slug>/event.toml` beside the event's page files.

    title = "U.S.-China Missile Defense Disputes"
    starts_at = "2026-12-01T18:00:00+01:00"   # optional, ISO 8601 with an offset
    ends_at = "2026-12-01T20:00:00+01:00"     # optional
    # Without them, the page's own date line ("December 1, 2026, 6:00 PM - 8:00 PM EST")
    # and place line give the event's start, end and venue; these values win over it.
    venue = "Carnegie Endowment, Washington, DC"  # optional
    link = "https://example.org/events/..."       # optional
    capacity = 60
    pages = ["announcement.txt", "recap.txt"]
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import functools
import hashlib
import ipaddress
import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from bot.characters import clipped, shows_something
from bot.content import slot_of
from bot.errors import EventNotFound, InvalidValue, ItemRefused
from bot.fetch import FetchPolicy, check_url, fetch_page, typed_url
from bot.i18n import N_, Text
from bot.models import Event, EventDraft
from bot.offload import off_loop, off_process
from bot.page_files import page_from_bytes
from bot.pages import MAX_PAGE_BYTES, Page, unicode_bom
from bot.progress import SILENT, Progress
from bot.registration import check_capacity
from bot.storage import Store
from bot.times import calendar_problem
from bot.webpage import MAX_HTML_BYTES, is_html_name
from bot.when import When, read_page_when
from bot.zones import real_offset, server_zone

EVENT_FILE = "event.toml"
MAX_EVENT_FILE = 64_000  # bytes: a title, times, a venue, a link and the pages' names
DATETIME_EXAMPLE = "2026-12-01T18:00+01:00"
MAX_TITLE = 200


MAX_LINK = 500


# A link as a well-formed URL has it, the embed's URL it becomes: no spaces, controls or
# invisible format characters (a zero-width space in the host), a numeric port, and a host
# of letters, digits and hyphens once IDNA-encoded (underscores too, but in the top-level
# name), or an IP address.
_LINK_TEXT = re.compile(r"[^\s\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]+")
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?"
_HOST_NAME = re.compile(rf"(?:{_LABEL}\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.?", re.I)


def _host_ok(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    return bool(_HOST_NAME.fullmatch(host.encode("idna").decode("ascii")))


def validate_link(value: str | None) -> str | None:
    """An event's link: an http(s) address, or None for none. Read as a typed address is
    (`typed_url`): without the spaces and invisible characters a paste leaves around it."""
    link = typed_url(value or "")
    if not link:
        return None
    try:
        parts = urlsplit(link) if len(link) <= MAX_LINK and _LINK_TEXT.fullmatch(link) else None
        host = parts.hostname if parts is not None else None
        if parts is not None:
            _ = parts.port  # raises ValueError for a port that is no number, or too large
        if host and not _host_ok(host):
            host = None
    except ValueError:  # "http://[::1", a port that is no number, a name part over 63
        parts = host = None
    if parts is None or not host or parts.scheme.lower() not in ("http", "https"):
        raise InvalidValue(N_("the link must be a web address starting with https:// (at most "
                              "{most} characters), e.g. https://example.org/events/talk"),
                           most=MAX_LINK)
    return link


@dataclass(frozen=True, slots=True)
class PageFacts:
    """When and where the pages say the event is, and what the moderator should hear."""

    when: When
    venue: str | None
    notes: tuple[Text, ...]  # translated where shown


def page_facts(pages: list[Page] | tuple[Page, ...], zone: str | None) -> PageFacts:
    """The first page that gives a date (the announcement before the recap) sets the times;
    the first that names a place sets the venue."""
    ordered = sorted(pages, key=lambda p: p.kind != "announcement")
    when, notes = When(), []
    for page in ordered:
        read = read_page_when(page.date_text, zone)
        notes += [note for note in (read.note, read.end_note) if note]
        if read.starts_at is not None:
            when = read
            other = _other_day(page.text_date, read, zone)
            if other is not None:
                notes.append(other)
            break
    notes += [_STATUS_NOTES[status] for status in dict.fromkeys(
        page.event_status for page in ordered if page.event_status in _STATUS_NOTES)]
    venue = next((p.location.strip() for p in ordered if p.location and p.location.strip()),
                 None)
    # (a venue past MAX_TITLE, from a page's structured data, is cut as a long title is)
    return PageFacts(when, clipped(venue, MAX_TITLE) if venue else None, tuple(notes))


MAX_QUOTED_DATE = 100
# What a page's structured data says has become of the event (`Page.event_status`)
_STATUS_NOTES = {
    "cancelled": Text(N_("the page's structured data says the event is cancelled, so "
                         "registration is closed; if it will not take place, /manage delete "
                         "removes it and tells its members")),
    "postponed": Text(N_("the page's structured data says the event is postponed: its date "
                         "may change, so check it, and set the new one with /manage edit "
                         "when it is known")),
}


def _other_day(text_date: str | None, read: When, zone: str | None) -> Text | None:
    """What the moderator should hear when a page's visible text gives another day than the
    structured data that set its date (a JSON-LD start left stale by a reschedule): the
    structured start stands, and the text's date is quoted for the moderator to check.
    The days are compared in the server's zone, as an event's day is (a date alone is its
    own day); on the same day, a time the text gives with its zone is compared too. A text
    without a date, or with the same day at a time of no zone, says nothing."""
    text = read_page_when(text_date, zone)
    if text.starts_at is None or read.starts_at is None:
        return None
    written = clipped(" ".join((text_date or "").split()), MAX_QUOTED_DATE)
    if _day(text, zone) != _day(read, zone):
        return Text(N_("the page's text gives the date {written!r}, another day than the "
                       "start in its structured data, which I used; check which is right, "
                       "and fix it with /manage edit if need be"), written=written)
    if (text.zone is not None and not (text.all_day or read.all_day)
            and text.starts_at != read.starts_at):
        # The text named its zone ("6:00 PM EST"), so its time is not one read in the
        # server's: structured data a site wrote its local time into as UTC disagrees.
        return Text(N_("the page's text gives the time {written!r}, another time than the "
                       "start in its structured data, which I used; check which is right, "
                       "and fix it with /manage edit if need be"), written=written)
    return None


def _day(when: When, zone: str | None) -> date:
    assert when.starts_at is not None
    if when.all_day:
        return when.starts_at.date()
    return when.starts_at.astimezone(server_zone(zone)).date()


@dataclass(frozen=True, slots=True)
class EventFolder:
    draft: EventDraft
    pages: tuple[tuple[str, Page], ...]  # (text, parsed page)


@dataclass(frozen=True, slots=True)
class PageSource:
    """One page to import: its text, what the importer read in it, where it came from."""

    text: str
    page: Page
    name: str  # the file name or the URL, for a title when the page has none
    url: str | None = None  # set when fetched: re-importing the URL updates its event


@dataclass(frozen=True, slots=True)
class ImportReport:
    event: Event
    created: bool
    skipped: tuple[str, ...]  # what the importer could not place, per page (in English)
    notes: tuple[Text, ...] = ()  # how the page's date was read, where there was a choice


def parse_datetime(value: str, name: str = "starts_at") -> datetime:
    """ISO 8601 with an offset or `Z`; a naive time is refused, since its zone is unknowable."""
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        pass
    else:  # an offset added to it reads as a time ("2026-12-01+01:00" is a naive 1 a.m.)
        raise _date_alone(name, repr(value))
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValue(f"{name} {value!r} is not a date and time; "
                           f"use ISO 8601 with an offset, e.g. {DATETIME_EXAMPLE}") from None
    return checked_datetime(parsed, name, value)


def _date_alone(name: str, shown: str) -> InvalidValue:
    return InvalidValue(f"{name} {shown} is a date without a time; give its time too, with an "
                        f"offset, e.g. {DATETIME_EXAMPLE}")


def checked_datetime(value: datetime, name: str, written: str | None = None) -> datetime:
    """The one gate for an event's times, however they came in (an option, event.toml)."""
    shown = repr(written) if written is not None else value.isoformat()
    if value.tzinfo is None:
        raise InvalidValue(f"{name} {shown} has no timezone; add an offset, "
                           f"e.g. {DATETIME_EXAMPLE}")
    if not real_offset(value.utcoffset() or timedelta(0)):
        raise InvalidValue(f"{name} {shown} has an offset from UTC no place has (they run "
                           f"from -12:00 to +14:00); e.g. {DATETIME_EXAMPLE}")
    problem = calendar_problem(value)
    if problem is not None:
        raise InvalidValue(f"{name} {shown} {problem}; e.g. {DATETIME_EXAMPLE}")
    return value


def validate_title(value: object) -> str:
    title = " ".join(str(value).split()) if isinstance(value, str) else ""
    if not shows_something(title):
        raise InvalidValue(N_("title must be some text"))
    if len(title) > MAX_TITLE:
        raise InvalidValue(N_("title is longer than {most} characters"), most=MAX_TITLE)
    return title


def validate_venue(value: str | None) -> str | None:
    """A venue as every other way of setting one keeps it: one line, MAX_TITLE at most."""
    venue = " ".join(value.split()) if value else ""
    if len(venue) > MAX_TITLE:
        raise InvalidValue(N_("venue is longer than {most} characters"), most=MAX_TITLE)
    return venue if shows_something(venue) else None


def slugify(text: str) -> str:
    """A name's ASCII letters and digits, joined by dashes. A name with none (北极论坛) gets
    "event-" and a digest of itself: folders are imported again by their slug, so two
    such folders must not share one."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-")
    if slug:
        return slug
    digest = hashlib.sha256(text.strip().encode()).hexdigest()[:10]
    return f"event-{digest}" if text.strip() else "event"


def read_event_folder(folder: Path) -> EventFolder:
    """Read and parse one event folder; raises InvalidValue naming the file and the problem."""
    spec_path = folder / EVENT_FILE
    try:
        with open_regular_file(spec_path) as file:  # and no further than the limit
            data = file.read(MAX_EVENT_FILE + 1)
        if len(data) > MAX_EVENT_FILE:
            raise InvalidValue(f"too large (over {MAX_EVENT_FILE:,} bytes; an event.toml "
                               "holds a few settings)")
        # UTF-8, unless a byte-order mark says otherwise (as for a page: Windows editors
        # save UTF-8 with one, and "Unicode" as UTF-16 with one)
        codec, mark = unicode_bom(data) or ("utf-8", 0)
        spec = tomllib.loads(data[mark:].decode(codec))
    except OSError as exc:
        raise InvalidValue(f"{spec_path}: cannot read it ({exc.strerror})") from None
    except InvalidValue as exc:  # too large, or not a file
        raise InvalidValue(f"{spec_path}: {exc}") from None
    except UnicodeDecodeError as exc:  # "ANSI": GBK, Big5 or Windows-1252, as Notepad saves
        line = data[mark:mark + exc.start].count("\n".encode(codec)) + 1
        raise InvalidValue(f"{spec_path}: not {codec[:6].upper()} text (line {line}); save it "
                           "as UTF-8 and try again") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidValue(f"{spec_path}: not valid TOML ({exc}){_curly_quotes(data, exc)}"
                           ) from None
    except RecursionError:  # tomllib recurses into nested arrays and tables
        raise InvalidValue(f"{spec_path}: not valid TOML (nested too deeply)") from None
    try:
        _check_keys(spec)
        draft = EventDraft(
            slug=slugify(folder.name),
            title=validate_title(spec.get("title")),
            capacity=check_capacity(spec.get("capacity")),
            venue=validate_venue(_optional_text(spec, "venue")),
            link=validate_link(_optional_text(spec, "link")),
            starts_at=_optional_datetime(spec, "starts_at"),
            ends_at=_optional_datetime(spec, "ends_at"),
        )
        if draft.starts_at and draft.ends_at and draft.ends_at <= draft.starts_at:
            raise InvalidValue("ends_at must come after starts_at")
        files = spec.get("pages")
        if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
            raise InvalidValue('pages must list the page files, e.g. pages = ["announcement.txt"]')
        if named := next((name for name in files if "\0" in name), None):  # valid TOML
            raise InvalidValue(f"page {named!r} holds a NUL character, which no file name can "
                               "hold")
        _check_page_list(files)
        pages = tuple(_read_page(folder, name) for name in files)
        _check_one_page_a_slot(files, pages)
    except InvalidValue as exc:
        raise InvalidValue(f"{spec_path}: {exc}") from None
    return EventFolder(draft, pages)


# An event keeps one page of each kind and language (`_check_one_page_a_slot`).
MAX_PAGES = 4


def _check_page_list(files: list[str]) -> None:
    """The list, before any page is read (a large one takes seconds): a web address, a
    page listed twice, or more pages than an event keeps, however long the list, is
    refused at once."""
    seen = set()
    for name in files:
        if is_url(name):  # as `import` takes one
            raise InvalidValue(f"page {name} is a web address, but pages are files of the "
                               "folder; save the page there as .html and list that file")
        if (path := os.path.normpath(name)) in seen:
            raise InvalidValue(f"page {name} is listed twice")
        seen.add(path)
    if len(files) > MAX_PAGES:
        raise InvalidValue(f"pages lists {len(files)} files, but an event keeps {MAX_PAGES} "
                           "pages at most (an announcement and a recap, in English and in "
                           "Chinese)")


# What TextEdit (as it starts) and word processors make of the quotes typed: TOML takes
# none of them for a string's.
_CURLY_QUOTES = "\u201c\u201d\u201e\u2018\u2019\u201a"


def _curly_quotes(data: bytes, error: tomllib.TOMLDecodeError) -> str:
    """A hint for a TOML error on a line holding a curly quote, which looks right."""
    at = re.search(r"at line (\d+)", str(error))
    codec, mark = unicode_bom(data) or ("utf-8", 0)
    lines = data[mark:].decode(codec).split("\n")  # as TOML counts them
    line = lines[int(at[1]) - 1] if at and int(at[1]) <= len(lines) else ""
    if any(quote in line for quote in _CURLY_QUOTES):
        return "; write its quotes straight (\"), not curly as an editor may make them"
    return ""


def _check_one_page_a_slot(files: list[str], pages: tuple[tuple[str, Page], ...]) -> None:
    """An event keeps one page of each kind and language (`bot.content.filled_slots`): of
    two in a folder only one text would be kept, and what the other said would be lost at
    the next import. Refused, naming both."""
    seen: dict[tuple[str, str], str] = {}
    for name, (body, page) in zip(files, pages, strict=True):
        slot = slot_of(page.kind, body)
        if slot in seen:
            language = "Chinese" if slot[1] == "zh" else "English"
            raise InvalidValue(f"pages {seen[slot]} and {name} are both the event's {slot[0]} "
                               f"in {language}; an event keeps one page of each kind and "
                               "language, so list one of them")
        seen[slot] = name


def event_folders(path: Path) -> list[Path]:
    """`path` if it is an event folder, else the event folders under it, in name order; not
    the hidden ones (".git", ".Trash", a ".backup" copy), as a file manager hides them.
    A folder whose event.toml was saved under another name is refused, naming it: passed
    over, its event would be missing from an import that said nothing of it."""
    if (path / EVENT_FILE).is_file():
        return [path]
    found = sorted(p.parent for p in path.glob(f"*/{EVENT_FILE}")
                   if not p.parent.name.startswith("."))
    _check_no_misnamed_event_file(path)
    events = set(found)
    for folder in _entries(path):
        if folder not in events and not folder.name.startswith(".") and folder.is_dir():
            _check_no_misnamed_event_file(folder)
    return found


# What an editor makes of "event.toml": Notepad saves it as "event.toml.txt", TextEdit
# as "event.toml.rtf" (and Explorer and Finder hide that end), and a file from Windows
# or a Mac may differ in case, which those systems do not tell apart.
_ADDED_ENDS = ("", ".txt", ".rtf")


def _check_no_misnamed_event_file(folder: Path) -> None:
    for file in _entries(folder):
        name = file.name.strip().casefold()
        if any(name == EVENT_FILE + end for end in _ADDED_ENDS) and file.name != EVENT_FILE:
            raise InvalidValue(f"{file}: an event's settings must be in a file named "
                               f"{EVENT_FILE}; rename this one (a file manager may hide the "
                               "end of its name)")


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:  # a folder it may not read is passed over, as the search for events does
        return []


async def import_folders(store: Store, guild_id: int, folders: list[Path], *,
                         sample: bool = False, progress: Progress = SILENT
                         ) -> list[ImportReport]:
    """Every folder is read and checked, then all are saved in one transaction: one bad
    folder, or a stop midway, writes nothing. `sample` marks the events created as the
    bundled samples. `progress` counts a step a folder read, and one for the saving."""
    progress.begin(len(folders) + 1)
    checked = []
    for parsed in each_event_folder(folders, progress):
        checked.append(parsed)
        await asyncio.sleep(0)  # a stop (Ctrl-C) is taken between two folders, not after all
    zone = await store.run(store.settings.timezone, guild_id)
    drafted = [drafted_in(parsed, zone) for parsed in checked]
    try:
        saved = await store.run(store.events.save_events, guild_id, [
            (draft, parsed.pages) for (draft, _), parsed in zip(drafted, checked, strict=True)],
            sample=sample)
    except ItemRefused as exc:
        raise InvalidValue(f"{folders[exc.index]}: {exc}") from None
    progress.advance()
    return [ImportReport(event, created, tuple(f"{page.kind}: {line}" for _, page in parsed.pages
                                               for line in page.skipped), facts.notes)
            for (event, created), parsed, (_, facts) in zip(saved, checked, drafted, strict=True)]


def drafted_in(parsed: EventFolder, zone: str) -> tuple[EventDraft, PageFacts]:
    """A folder's draft with what its pages say, their dates read in the server's `zone`."""
    facts = page_facts([page for _, page in parsed.pages], zone)
    return replace(parsed.draft, page_when=facts.when, page_venue=facts.venue), facts


async def save_samples(store: Store, guild_ids: Sequence[int],
                       checked: Sequence[EventFolder]) -> list[int]:
    """Give each of these servers that has no events yet the sample events (read once,
    `read_bundled`), in ONE database call; returns the servers given them. Drafted once
    per timezone, not once per server."""
    @functools.cache
    def samples_in(zone: str) -> list[tuple[EventDraft, tuple[tuple[str, Page], ...]]]:
        return [(drafted_in(parsed, zone)[0], parsed.pages) for parsed in checked]
    return await store.run(store.events.save_samples, guild_ids, samples_in)


def read_bundled(events_dir: Path) -> list[EventFolder]:
    """The bundled sample events, read and parsed: once per process, not once per server."""
    return read_event_folders(event_folders(events_dir))


def read_event_folders(folders: Sequence[Path], progress: Progress = SILENT
                       ) -> list[EventFolder]:
    """Read and check these folders (a step of `progress` each): `each_event_folder`."""
    return list(each_event_folder(folders, progress))


def each_event_folder(folders: Sequence[Path], progress: Progress = SILENT
                      ) -> Iterator[EventFolder]:
    """These folders read and checked, one at a time (a step of `progress` each). A folder
    is its event by its slug, so two folders of one slug ("Spring Forum" and
    "spring-forum") would be saved as one event, the second overwriting the first:
    refused, naming both."""
    seen: dict[str, Path] = {}
    for folder in folders:
        parsed = read_event_folder(folder)
        slug = parsed.draft.slug
        if slug in seen:
            raise InvalidValue(f"{folder}: the same event as {seen[slug]} (both are "
                               f"{slug!r}); rename one of the folders")
        seen[slug] = folder
        progress.advance()
        yield parsed


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,15}://")


def is_url(value: str) -> bool:
    """Is this an address ("https://...", or "ftp://...", to be refused as one), not a path?"""
    return bool(_SCHEME.match(typed_url(value)))


def page_size_limit(name: str) -> int:
    """The most bytes a page file of this name may have (an HTML page, or a text one)."""
    return MAX_HTML_BYTES if is_html_name(name) else MAX_PAGE_BYTES


def open_regular_file(path: Path) -> BinaryIO:
    """`path` opened to read, if it is a regular file; else InvalidValue. A pipe or a device
    may never end, or never begin: a FIFO that no one writes to would block even the open,
    which O_NONBLOCK keeps from waiting (it changes nothing for a regular file)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):  # opens as well as a file does, then reads as nothing
            raise InvalidValue(N_("This is a folder, not a page; give a page saved as a "
                                  "file."))
        if not stat.S_ISREG(mode):
            raise InvalidValue(N_("This is not a regular file but a pipe, a device or a "
                                  "socket; give a page saved as a file."))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_page_bytes(path: Path) -> bytes:
    """A page file's bytes, read no further than one byte past its limit: a huge file is
    refused as too large without filling the memory. Only a regular file is read."""
    limit = page_size_limit(path.name)
    with open_regular_file(path) as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise InvalidValue(N_("The page is too large (over {size:,} bytes; the limit is {mb} "
                              "MB)."), size=limit, mb=limit // 1_000_000)
    return data


# A page of more bytes than this is read in a process of its own (`off_process`, about 0.3 s
# to start), a smaller one on a thread of the bot: its pure Python shares the interpreter's
# lock with the event loop (`bot.offload`), and a page of role lines took 0.6 s to read at
# this size, 12 s at 2 MB, where the bot answered members at an eighth of its pace.
READ_APART_BYTES = 100_000


async def read_page_bytes_off_loop(name: str, data: bytes, *, html: bool | None = None,
                                   charset: str | None = None, fetched: bool = False
                                   ) -> tuple[str, Page]:
    """`page_from_bytes`, off the event loop: on a thread, or for a large page in a
    process of its own."""
    off = off_process if len(data) > READ_APART_BYTES else off_loop
    return await off(page_from_bytes, name, data, html=html, charset=charset, fetched=fetched)


async def read_page_file(name: str, data: bytes) -> PageSource:
    """An uploaded .txt or .html page -> PageSource (parsed off the event loop)."""
    return PageSource(*await read_page_bytes_off_loop(name, data), name)


async def read_page_url(url: str, policy: FetchPolicy) -> PageSource:
    """Fetch the page at `url` (bot.fetch's rules) -> PageSource; InvalidValue if refused."""
    fetched = await fetch_page(url, policy)
    text, page = await read_page_bytes_off_loop(
        fetched.final_url, fetched.body, html=fetched.content_type == "text/html",
        charset=fetched.charset, fetched=True)
    return PageSource(text, page, fetched.final_url, str(check_url(url)))


async def import_page(store: Store, guild_id: int, source: PageSource, *,
                      title: str | None = None, capacity: int | None = None,
                      starts_at: datetime | None = None, all_day: bool = False,
                      ends_at: datetime | None = None, venue: str | None = None,
                      facts: PageFacts | None = None,
                      updates: int | None = None, followed: bool = False) -> ImportReport:
    """A new event from one page, unless the guild already has this page (or its URL):
    then that event is updated, so a retry after a lost reply does not make a second.
    The times and venue given here win over what the page says (`facts`, read in the
    server's timezone when not given). `updates`: the event a preview said this import
    updates, which makes no new event; `followed`: the caller has its Discord event follow
    a moved start itself (both `Events.save_event`)."""
    kept = None
    if not title:  # an event it updates keeps its own title (`import_title`)
        found = await store.run(store.events.imported_event_id, guild_id, source.text,
                                source.url)
        found = updates if found is None else found  # the event it will update, if any
        if found is not None:
            with contextlib.suppress(EventNotFound):  # deleted since: a new event, named anew
                kept = (await store.summary(guild_id, found)).title
    name = import_title(source, title, kept)
    if facts is None:
        facts = page_facts([source.page], await store.run(store.settings.timezone, guild_id))
    draft = EventDraft(slug=slugify(name), title=name,
                       capacity=None if capacity is None else check_capacity(capacity),
                       starts_at=starts_at, all_day=all_day, ends_at=ends_at, venue=venue,
                       page_when=facts.when, page_venue=facts.venue)
    event, created = await store.run(store.events.save_event,
                                     guild_id, draft, [(source.text, source.page)],
                                            new=True, url=source.url, updates=updates,
                                            followed=followed)
    return ImportReport(event, created, tuple(f"{source.page.kind}: {line}"
                                              for line in source.page.skipped), facts.notes)


def import_title(source: PageSource, title: str | None = None, kept: str | None = None
                 ) -> str:
    """The title an imported page gets: the one given, else the title of the event it
    updates (`kept`: as its date and venue, an event's title once set changes only when
    the moderator says so, who may have corrected it; and a page without a title line
    does not rename it after its file, nor a recap after its headline, "Event Recap:
    ..."), else the page's, else its name's."""
    return validate_title(title or kept or page_title(source) or title_from_name(source.name))


def keeps_event_title(source: PageSource) -> bool:
    """Whether the event a page updates keeps its own title: a recap's, or a page's with
    no title of its own."""
    return source.page.kind == "recap" or not page_title(source)


def page_title(source: PageSource) -> str:
    """The page's own title on one line, cut to MAX_TITLE (a page's is not the moderator's
    to shorten); empty for a page without one, or with one that shows nothing (a direction
    mark alone, as a page copied from a right-to-left site may begin)."""
    found = " ".join((source.page.title or "").split())
    return clipped(found, MAX_TITLE) if shows_something(found) else ""


NOT_AN_EVENT_PAGE = N_("I found no speakers, no date, no venue or registration notice and no "
                        "takeaways in this page, so it doesn't look like an event page")


def page_problem(page: Page) -> str | None:
    """Why this page is not worth importing as an event, or None: a page with no sign of
    an event (random words, a system file) would make an empty event nobody can use. The
    one rule for `/manage import` and `python -m bot import`."""
    if (page.people or page.date_text or page.location or page.registration_closed
            or page.takeaways or page.kind == "recap" or page.off_the_record
            or page.language):
        return None  # a recap that tells in prose, or a notice about the event, counts
    return NOT_AN_EVENT_PAGE


def title_from_name(name: str) -> str:
    """"arctic-forum.html" or "https://example.org/events/arctic-forum" -> "Arctic Forum".
    A URL's name is read as a browser shows it, its escapes undone ("/%E8%AE%B2%E5%BA%A7"
    is "讲座", "Arctic%20Forum" "Arctic Forum"), a control character it escapes a space."""
    stem = name.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    if is_url(name):
        stem = "".join(ch if ch.isprintable() else " "
                       for ch in unquote(stem.split("#", 1)[0], errors="replace"))
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    # (a long slug is cut as a long page title is: the moderator typed neither)
    return clipped(" ".join(stem.replace("_", " ").replace("-", " ").split()).title(),
                   MAX_TITLE) or "Untitled event"


def _read_page(folder: Path, name: str) -> tuple[str, Page]:
    """The page event.toml lists as `name`, which its messages show as written there (its
    last part alone may be another file of the folder)."""
    path = folder / name
    try:
        body, page = page_from_bytes(path.name, read_page_bytes(path))
    except OSError as exc:
        other = _named_otherwise(folder, name) if isinstance(exc, FileNotFoundError) else None
        found = f"; the folder has {other}" if other else ""
        raise InvalidValue(f"cannot read page {name} ({exc.strerror}{found})") from None
    except InvalidValue as exc:
        raise InvalidValue(f"page {name}: {exc}") from None
    if problem := page_problem(page):  # as for a page imported alone
        raise InvalidValue(f"page {name}: {problem}")
    return body, page


def _named_otherwise(folder: Path, name: str) -> str | None:
    """The page `name` names in `folder` as Windows or macOS would read it, when this
    system reads no file there: Windows takes a backslash for a slash, both take
    "Announcement.txt" for "announcement.txt", and macOS keeps "é" as "e" and an accent,
    so a folder made there may name its files so."""
    if "\\" in name and (folder / name.replace("\\", "/")).is_file():
        return name.replace("\\", "/")

    def key(text: str) -> str:
        return unicodedata.normalize("NFC", text).casefold()
    path = folder / name
    return next((str(Path(name).parent / file.name) for file in _entries(path.parent)
                 if key(file.name) == key(path.name)), None)


EVENT_KEYS = ("title", "starts_at", "ends_at", "venue", "link", "capacity", "pages")


def _check_keys(spec: dict) -> None:
    """A key the bot does not read is a mistake (`venu`, `start_at`), not something to
    ignore: the event would be made without what the file meant to give it."""
    for key in spec:
        if key not in EVENT_KEYS:
            close = difflib.get_close_matches(key, EVENT_KEYS, n=1, cutoff=0.7)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InvalidValue(f"unknown setting {key!r}{hint}; an event.toml has "
                               f"{', '.join(EVENT_KEYS[:-1])} and {EVENT_KEYS[-1]}")


def _optional_text(spec: dict, key: str) -> str | None:
    value = spec.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidValue(f"{key} must be text")
    return value or None


def _optional_datetime(spec: dict, key: str) -> datetime | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, datetime):  # TOML's own datetime type
        return checked_datetime(value, key)
    if isinstance(value, date):  # and its date
        raise _date_alone(key, value.isoformat())
    if not isinstance(value, str):
        raise InvalidValue(f"{key} must be a date and time such as {DATETIME_EXAMPLE}")
    return parse_datetime(value, key)
