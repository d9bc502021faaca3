"""An event web page's structured data: the schema.org Event its JSON-LD describes.

Pure: no I/O, no Discord. Event sites put their event in a
`<script type="application/ld+json">` block for search engines, with its times as ISO 8601
moments ("startDate": "2026-06-05T10:00:00+08:00") and its place by name. The visible
text often gives a time without its zone ("10:00 AM"), which would be read in the server's
zone; the structured start says its offset. What it adds to the page read from the
visible text (`completing`):
- a start with its offset is the page's date line, whatever the text says, if it reads as
  one (a placeholder "1970-01-01T00:00:00Z" does not), with the text's end if it gives none
  (the text's own line is kept as `Page.text_date`: the importer notes another day there);
- a start without one, or a date alone, only where the text gives no date line; one
  that reads as no date at all ("TBA") is left out, and the moderator told (`skipped`);
- the place's name (else its address) only where the text names no venue;
- its status, where it is cancelled (registration is then closed: no member should take a
  seat) or postponed (`Page.event_status`, which the importer tells the moderator).

Bounded: at most 20 blocks of at most 200,000 characters each are parsed, and the walk
for the Event looks at no more than 5,000 values, iteratively.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import json
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import lxml.html

from bot.i18n import N_, Text
from bot.models import storable_text
from bot.page_model import Page
from bot.when import When, iso_span, read_page_when
from bot.zones import MAX_UTC_OFFSET

MAX_BLOCKS = 20
MAX_BLOCK_CHARS = 200_000
MAX_VALUES = 5_000
MAX_LISTED = 500  # values looked at for the events a block lists
MAX_MOMENT = 40  # "2026-06-05T10:00:00.123456789+08:00" and room to spare
MAX_PLACE = 300


@dataclass(frozen=True, slots=True)
class SchemaEvent:
    starts: str | None = None  # ISO 8601, as the page gives it
    ends: str | None = None
    place: str | None = None
    name: str | None = None  # the event's name
    # A listing's: how many events the page lists, none of them the page's own
    listed: int = 0
    status: str | None = None  # `_status`: "cancelled", "postponed" or None

    @property
    def date_line(self) -> str | None:
        """The start and end as one line `bot.when.read_page_when` reads."""
        if self.starts is None:
            return None
        return f"{self.starts} – {self.ends}" if self.ends else self.starts

    def exact(self) -> When | None:
        """The start (and end) as the date line's reading takes them, when the start is a
        moment with its offset, right wherever the server is: not one it would read in the
        server's zone ("2031-12-01 18:00:00 -05:00"), nor one out of the years
        ("1970-01-01T00:00:00Z", a CMS's start for an event whose date is not filled in)."""
        line = self.date_line
        when = iso_span(line) if line is not None else None
        return when if when is not None and when.starts_at is not None else None

    def completing(self, page: Page) -> Page:
        """`page` (read from the visible text) with what this adds to it."""
        date_text, location = page.date_text, page.location
        exact = self.exact()
        if exact is not None:
            date_text = self._ended_as(exact, date_text)
        elif self.date_line is not None and date_text is None:
            date_text = self.date_line
        skipped = page.skipped
        if date_text == self.date_line and date_text is not None and not _reads(date_text):
            skipped += (Text(N_("the start in the page's structured data, {written!r}, is no "
                                "date I can read: set it with /manage edit"),
                             written=date_text),)
            date_text = page.date_text
        if self.place and not (location and location.strip()):
            location = self.place
        closed = page.registration_closed or self.status == "cancelled"
        if ((date_text, location, skipped, closed, self.status)
                == (page.date_text, page.location, page.skipped, page.registration_closed,
                    None)):
            return page
        # the text's own line, kept for the importer to say when it gives another day
        text_date = page.date_text if exact is not None and date_text != page.date_text else None
        return dataclasses.replace(page, date_text=date_text, location=location,
                                   text_date=text_date, skipped=skipped,
                                   registration_closed=closed, event_status=self.status)

    def _ended_as(self, exact: When, text_line: str | None) -> str | None:
        """The date line of an exact start; where it gives no end, with the end the visible
        text's line gives ("6:00 PM – 8:00 PM"), as long after this start as after the
        text's own, when that is this start but for the zone the text leaves out."""
        line = self.date_line
        if self.ends is not None or text_line is None or exact.starts_at is None:
            return line
        text = read_page_when(text_line, "UTC")
        if (text.all_day or text.starts_at is None or text.ends_at is None
                or abs(text.starts_at - exact.starts_at) > MAX_UTC_OFFSET):
            return line
        ends = exact.starts_at + (text.ends_at - text.starts_at)
        return f"{line} – {ends.isoformat()}"


# A JSON escape of a surrogate: half of a character, or a lone half (`schema_event`)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def schema_event(doc: lxml.html.HtmlElement, title: str | None = None) -> SchemaEvent:
    """The first schema.org Event in the page's JSON-LD blocks; an empty one if none. A
    page that lists several events (its blocks' top-level Events, or an ItemList's) is
    about the one named as the page is (`title`); if none is, it is a listing (`listed`)."""
    blocks = (script for script in doc.iter("script")
              if (script.get("type") or "").strip().lower() == "application/ld+json")
    first: dict | None = None
    listed: list[dict] = []
    for script in itertools.islice(blocks, MAX_BLOCKS):
        body = script.text or ""
        if len(body) > MAX_BLOCK_CHARS:
            continue
        try:
            # strict=False: a line break or tab a template wrote as is into a string (a
            # description) must not cost the block's start, with its zone, and its place
            data = json.loads(body, strict=False)
            if _SURROGATE_ESCAPE.search(body):
                # JSON may escape half a character ("\udc00"), which no store can hold:
                # read again with each such half as U+FFFD, as the page's text has it.
                data = json.loads(storable_text(json.dumps(data, ensure_ascii=False)))
        except (ValueError, RecursionError):  # not JSON, or nested past Python's stack
            continue
        first = first or _first_event(data)
        listed += _listed_events(data)
    events = {_event_key(event): event for event in listed}
    if len(events) > 1:
        first = next((event for (name, _), event in events.items()
                      if name and title and _same_name(name, title)), None)
        if first is None:
            return SchemaEvent(listed=len(events))
    if first is None:
        return SchemaEvent()
    return SchemaEvent(_moment(first.get("startDate")), _moment(first.get("endDate")),
                       _place(first.get("location")), _name(first),
                       status=_status(first.get("eventStatus")))


# schema.org's EventStatusType, as "https://schema.org/EventCancelled", "EventCancelled" or
# "schema:EventCancelled"; EventScheduled and EventRescheduled (whose startDate is the new
# one) need no word from the importer, nor EventMovedOnline (its location says so).
_STATUSES = {"eventcancelled": "cancelled", "eventpostponed": "postponed"}


def _status(value: object) -> str | None:
    if isinstance(value, dict):  # {"@id": "https://schema.org/EventCancelled"}
        value = value.get("@id")
    if not isinstance(value, str) or len(value) > MAX_MOMENT * 2:
        return None
    return _STATUSES.get(re.split(r"[/:#]", value.strip())[-1].casefold())


def _is_event(value: dict) -> bool:
    return any(kind.endswith("Event") and kind not in _PUBLICATIONS
               for kind in _types(value.get("@type")))


def _listed_events(data: object) -> list[dict]:
    """The Events a block gives side by side: itself, its list's items, its "@graph"'s, an
    ItemList's elements (not the sub-events nested in an Event)."""
    queue: list[object] = list(data[:MAX_LISTED]) if isinstance(data, list) else [data]
    found: list[dict] = []
    for at in itertools.count():  # the queue grows as it is read, to MAX_LISTED values
        if at >= min(len(queue), MAX_LISTED):
            return found
        item = queue[at]
        if not isinstance(item, dict):
            continue
        if _is_event(item):
            found.append(item)
            continue
        graph = item.get("@graph")
        if isinstance(graph, list):
            queue += graph[:MAX_LISTED]
        elements = item.get("itemListElement")
        if "ItemList" in _types(item.get("@type")) and isinstance(elements, list):
            queue += [element.get("item", element) if isinstance(element, dict) else element
                      for element in elements[:MAX_LISTED]]
    return found


def _event_key(event: dict) -> tuple[str, str | None]:
    """What tells one listed Event from another: its name's words and its start's moment.
    A page's own Event given twice (by an SEO plugin and by the events one), its start
    written in another offset or without seconds, is one event, not a listing of two."""
    name, start = _name(event), _moment(event.get("startDate"))
    if start is not None:
        try:
            moment = datetime.fromisoformat(start)
            start = (moment.astimezone(UTC) if moment.tzinfo else moment).isoformat()
        except (ValueError, OverflowError):  # not ISO 8601; a year 1 an hour east of UTC
            pass
    return _name_key(name or ""), start


def _name(event: dict) -> str | None:
    name = event.get("name")
    return _text(name) if isinstance(name, str) else None


def _same_name(name: str, title: str) -> bool:
    """Whether an Event's name is the page's title, or one holds the other ("Arctic Forum"
    and "Arctic Forum 2026"), word for word: the heading's curly quotes and dashes are
    often the JSON-LD's straight ones ("China’s" and "China's", " – " and " - ")."""
    a, b = _name_key(name), _name_key(title)
    return bool(a) and (a == b or (min(len(a), len(b)) >= 4 and (a in b or b in a)))


_NAME_WORD = re.compile(r"\w+")


def _name_key(text: str) -> str:
    return " ".join(_NAME_WORD.findall(text.casefold()))


def _first_event(data: object) -> dict | None:
    """Breadth first, so a page's own Event comes before one nested in it (a sub-event)."""
    queue: deque[object] = deque([data])
    for _ in range(MAX_VALUES):
        if not queue:
            return None
        value = queue.popleft()
        if isinstance(value, dict):
            if _is_event(value):
                return value
            queue.extend(value.values())
        elif isinstance(value, list):
            queue.extend(value)
    return None


# When a video or a broadcast of it is published (a VideoObject's "publication"): not the
# event itself, though a recap's embedded recording gives one.
_PUBLICATIONS = frozenset(("PublicationEvent", "BroadcastEvent", "OnDemandEvent"))


def _types(value: object) -> Iterable[str]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return (kind for kind in value[:20] if isinstance(kind, str))
    return ()


def _moment(value: object) -> str | None:
    if isinstance(value, list) and value:  # a few sites give a list of one
        value = value[0]
    if not isinstance(value, str):
        return None
    value = value.strip()
    return _extended(value) if 0 < len(value) <= MAX_MOMENT else None


_ISO_BASIC = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2}(?:[.,]\d{1,9})?)?"
                        r"(Z|[+\-]\d{2}(?:\d{2})?)?)?", re.IGNORECASE)


def _extended(moment: str) -> str:
    """An ISO 8601 moment in its basic form ("20261201T180000+0800", as sites that also
    write iCalendar give it) in the extended form the date line's reading takes
    ("2026-12-01T18:00:00+08:00"); any other value as it is."""
    found = _ISO_BASIC.fullmatch(moment)
    if found is None:
        return moment
    year, month, day, hours, minutes, seconds, offset = found.groups()
    extended = f"{year}-{month}-{day}"
    if hours is not None:
        extended += f"T{hours}:{minutes}" + (f":{seconds.replace(',', '.')}" if seconds else "")
    if offset is not None:
        extended += offset if len(offset) != 5 else f"{offset[:3]}:{offset[3:]}"
    return extended


def _reads(line: str) -> bool:
    """Whether the date line's reading makes something of `line`: a start, or a note."""
    read = read_page_when(line, "UTC")
    return read.starts_at is not None or read.note is not None


def _place(value: object) -> str | None:
    """A Place's name, else its address (text, or a PostalAddress's parts); an online
    event's VirtualLocation names no venue."""
    if isinstance(value, list):  # places, each a name or a Place: not nested further
        value = next((v for v in value[:20] if isinstance(v, str | dict) and _place(v)), None)
    if isinstance(value, str):
        return _text(value)
    if not isinstance(value, dict) or "VirtualLocation" in _types(value.get("@type")):
        return None
    name = value.get("name")
    if isinstance(name, str) and _text(name):
        return _text(name)
    address = value.get("address")
    if isinstance(address, dict):
        parts = (address.get(key) for key in ("streetAddress", "addressLocality",
                                              "addressRegion", "addressCountry"))
        address = ", ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return _text(address) if isinstance(address, str) else None


def _text(value: str) -> str | None:
    """A name as shown: a script's JSON is not HTML, but sites write into it the names they
    store HTML-escaped ("Carnegie&#8211;Tsinghua Center &#038; Library")."""
    return " ".join(html.unescape(value).split())[:MAX_PLACE] or None
