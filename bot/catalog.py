"""Events on disk: `<events_dir>/<slug>/event.toml` beside the event's page files.

    title = "U.S.-China Missile Defense Disputes"
    starts_at = "2026-12-01T18:00:00+01:00"   # optional, ISO 8601 with an offset
    ends_at = "2026-12-01T20:00:00+01:00"     # optional
    venue = "Carnegie Endowment, Washington, DC"  # optional
    link = "https://example.org/events/..."       # optional
    capacity = 60
    pages = ["announcement.txt", "recap.txt"]
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.models import Event
from bot.pages import Page, PageError, decode_page, parse_page
from bot.registration import MAX_CAPACITY
from bot.store import EventDraft, Store
from bot.times import calendar_problem

EVENT_FILE = "event.toml"
DATETIME_EXAMPLE = "2026-12-01T18:00+01:00"
MAX_TITLE = 200


class CatalogError(ValueError):
    """An event folder or an import option is malformed; the message says which and why."""


@dataclass(frozen=True, slots=True)
class EventFolder:
    draft: EventDraft
    pages: tuple[tuple[str, Page], ...]  # (text, parsed page)


@dataclass(frozen=True, slots=True)
class ImportReport:
    event: Event
    created: bool
    skipped: tuple[str, ...]  # what the importer could not place, per page


def parse_datetime(value: str, name: str = "starts_at") -> datetime:
    """ISO 8601 with an offset or `Z`; a naive time is refused, since its zone is unknowable."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CatalogError(f"{name} {value!r} is not a date and time; "
                           f"use ISO 8601 with an offset, e.g. {DATETIME_EXAMPLE}") from None
    return checked_datetime(parsed, name, value)


def checked_datetime(value: datetime, name: str, written: str | None = None) -> datetime:
    """The one gate for an event's times, however they came in (an option, event.toml)."""
    shown = repr(written) if written is not None else value.isoformat()
    if value.tzinfo is None:
        raise CatalogError(f"{name} {shown} has no timezone; add an offset, "
                           f"e.g. {DATETIME_EXAMPLE}")
    problem = calendar_problem(value)
    if problem is not None:
        raise CatalogError(f"{name} {shown} {problem}; e.g. {DATETIME_EXAMPLE}")
    return value


def validate_capacity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CAPACITY:
        raise CatalogError(f"capacity must be a whole number of seats from 1 to {MAX_CAPACITY:,}")
    return value


def validate_title(value: object) -> str:
    title = " ".join(str(value).split()) if isinstance(value, str) else ""
    if not title:
        raise CatalogError("title must be some text")
    if len(title) > MAX_TITLE:
        raise CatalogError(f"title is longer than {MAX_TITLE} characters")
    return title


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "event"


def read_event_folder(folder: Path) -> EventFolder:
    """Read and parse one event folder; raises CatalogError naming the file and the problem."""
    spec_path = folder / EVENT_FILE
    try:
        spec = tomllib.loads(spec_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{spec_path}: cannot read it ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{spec_path}: not valid TOML ({exc})") from None
    try:
        draft = EventDraft(
            slug=slugify(folder.name),
            title=validate_title(spec.get("title")),
            capacity=validate_capacity(spec.get("capacity")),
            venue=_optional_text(spec, "venue"),
            link=_optional_text(spec, "link"),
            starts_at=_optional_datetime(spec, "starts_at"),
            ends_at=_optional_datetime(spec, "ends_at"),
        )
        files = spec.get("pages")
        if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
            raise CatalogError('pages must list the page files, e.g. pages = ["announcement.txt"]')
        pages = tuple(_read_page(folder / name) for name in files)
    except CatalogError as exc:
        raise CatalogError(f"{spec_path}: {exc}") from None
    return EventFolder(draft, pages)


def event_folders(path: Path) -> list[Path]:
    """`path` if it is an event folder, else the event folders under it, in name order."""
    if (path / EVENT_FILE).is_file():
        return [path]
    return sorted(p.parent for p in path.glob(f"*/{EVENT_FILE}"))


async def import_folders(store: Store, guild_id: int, folders: list[Path], *,
                         sample: bool = False) -> list[ImportReport]:
    """Every folder is read and checked before any is saved: one bad folder writes nothing.
    `sample` marks the events created as the bundled samples."""
    checked = [read_event_folder(folder) for folder in folders]
    return [await _save_folder(store, guild_id, parsed, sample) for parsed in checked]


async def _save_folder(store: Store, guild_id: int, parsed: EventFolder,
                       sample: bool = False) -> ImportReport:
    event, created = await store.save_event(guild_id, parsed.draft, parsed.pages, sample=sample)
    skipped = tuple(f"{page.kind}: {line}" for _, page in parsed.pages for line in page.skipped)
    return ImportReport(event, created, skipped)


async def import_bundled(store: Store, guild_id: int, events_dir: Path) -> list[ImportReport]:
    """Import every event folder into the guild (the first-run sample events)."""
    return await import_folders(store, guild_id, event_folders(events_dir), sample=True)


def _read_page(path: Path) -> tuple[str, Page]:
    try:
        text = decode_page(path.read_bytes())
        return text, parse_page(text)
    except OSError as exc:
        raise CatalogError(f"cannot read page {path.name} ({exc.strerror})") from None
    except PageError as exc:
        raise CatalogError(f"page {path.name}: {exc}") from None


def _optional_text(spec: dict, key: str) -> str | None:
    value = spec.get(key)
    if value is not None and not isinstance(value, str):
        raise CatalogError(f"{key} must be text")
    return value or None


def _optional_datetime(spec: dict, key: str) -> datetime | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, datetime):  # TOML's own datetime type
        return checked_datetime(value, key)
    if not isinstance(value, str):
        raise CatalogError(f"{key} must be a date and time such as {DATETIME_EXAMPLE}")
    return parse_datetime(value, key)
