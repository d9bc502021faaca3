"""How the sandbox console shows what the bot sends: Discord's markdown, timestamps and
mentions as a person reads them, embeds with a bar on the left, files, numbered buttons.

What a message holds is text from pages and members (a bio a web page gave, a file's
rows): each piece is `shown`, its escape sequences and bidi controls marked rather than
sent to the terminal; the console's own bold is added after."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from bot.logs import shown

PREVIEW_LINES = 6  # first lines shown of an attached .csv, .ics or .txt

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_INLINE = re.compile(
    r"\\(?P<escaped>[!-/:-@\[-`{-~])"  # \* \_ \# ...: markdown shown literally
    r"|(?P<bold>\*\*)"
    r"|<t:(?P<unix>-?\d{1,13})(?::(?P<style>[tTdDfFR]))?>"
    r"|<(?P<kind>#|@!?|@&)(?P<id>\d{1,20})>")


def relative_time(seconds: float) -> str:
    """Discord's relative timestamp: "in 3 days", "2 hours ago", "in a few seconds"."""
    span = abs(seconds)
    minutes, hours, days = span / 60, span / 3600, span / 86400
    if span < 45:
        text = "a few seconds"
    elif span < 90:
        text = "a minute"
    elif minutes < 45:
        text = f"{round(minutes)} minutes"
    elif minutes < 90:
        text = "an hour"
    elif hours < 22:
        text = f"{round(hours)} hours"
    elif hours < 36:
        text = "a day"
    elif days < 26:
        text = f"{round(days)} days"
    elif days < 45:
        text = "a month"
    elif days < 320:
        text = f"{round(days / 30.44)} months"
    elif days < 548:
        text = "a year"
    else:
        text = f"{round(days / 365.25)} years"
    return f"in {text}" if seconds >= 0 else f"{text} ago"


def format_timestamp(unix: int, style: str = "f", *, tz: tzinfo | None = None,
                     now: float | None = None) -> str:
    """A Discord timestamp `<t:unix:style>` as its English client shows it, in `tz`
    (default: this computer's timezone)."""
    if style == "R":
        return relative_time(unix - (time.time() if now is None else now))
    when = datetime.fromtimestamp(unix, tz) if tz is not None else datetime.fromtimestamp(
        unix).astimezone()
    clock = f"{(when.hour - 1) % 12 + 1}:{when.minute:02d}"
    ampm = "AM" if when.hour < 12 else "PM"
    date = f"{_MONTHS[when.month - 1]} {when.day}, {when.year}"
    return {
        "t": f"{clock} {ampm}",
        "T": f"{clock}:{when.second:02d} {ampm}",
        "d": f"{when.month:02d}/{when.day:02d}/{when.year}",
        "D": date,
        "F": f"{_DAYS[when.weekday()]}, {date} {clock} {ampm}",
    }.get(style, f"{date} {clock} {ampm}")


@dataclass
class Style:
    """How the console shows text: names for mentions, bold on a terminal, its width."""

    bold: tuple[str, str] = ("", "")
    width: int = 100
    tz: tzinfo | None = None
    now: float | None = None
    channel_name: Callable[[int], str | None] = lambda _id: None
    user_name: Callable[[int], str | None] = lambda _id: None
    role_name: Callable[[int], str | None] = lambda _id: None


def render_text(text: str, style: Style | None = None) -> str:
    """Discord message text as a person reads it: timestamps as dates, mentions as names,
    escaped markdown unescaped, `**bold**` without its asterisks (bold on a terminal)."""
    style = style or Style()
    bold = False

    def replace(match: re.Match[str]) -> str:
        nonlocal bold
        if match["escaped"] is not None:
            return match["escaped"]
        if match["bold"] is not None:
            bold = not bold
            return style.bold[0] if bold else style.bold[1]
        if match["unix"] is not None:
            try:
                return format_timestamp(int(match["unix"]), match["style"] or "f",
                                        tz=style.tz, now=style.now)
            except (OverflowError, OSError, ValueError):
                return match[0]
        target = int(match["id"])
        if match["kind"] == "#":
            name = style.channel_name(target)
            return f"#{name}" if name else "#unknown-channel"
        name = style.role_name(target) if match["kind"] == "@&" else style.user_name(target)
        return f"@{name}" if name else "@unknown"

    rendered = _INLINE.sub(replace, shown(text, lines=True))
    return rendered + (style.bold[1] if bold else "")


def _wrap(text: str, width: int, prefix: str = "", indent: str = "") -> list[str]:
    """Lines of at most `width`, each starting with `prefix`; lines after the first
    also get `indent` (a field's value under its name)."""
    out: list[str] = []
    for number, paragraph in enumerate(text.split("\n")):
        if not paragraph.strip():
            out.append(prefix.rstrip())
            continue
        first = indent if number else ""
        out += [prefix + piece for piece in _fill(paragraph, max(20, width - len(prefix)),
                                                   first, indent)]
    return out


# A word, or one wide character (Chinese, Japanese, Korean, full-width forms): a line may
# break between two wide characters, as those scripts break, but never inside a word.
_TOKEN = re.compile(r"\s+|[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                    r"\uff00-\uff60\uffe0-\uffe6]|[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3"
                    r"\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+")


def cells(text: str) -> int:
    """Columns `text` takes on a terminal: two for a wide character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fill(paragraph: str, width: int, first: str, indent: str) -> list[str]:
    lines, line, used, spaced, empty = [], first, cells(first), False, True
    for token in _TOKEN.findall(paragraph):
        if token.isspace():
            spaced = not empty
            continue
        piece = (" " if spaced else "") + token
        if not empty and used + cells(piece) > width:
            lines.append(line)
            line, used = indent + token, cells(indent + token)
        else:
            line, used = line + piece, used + cells(piece)
        spaced, empty = False, False
    return [*lines, line]


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The message's buttons, in reading order."""
    return _components(message, 2)


def menus_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The message's select menus of text options, in reading order."""
    return _components(message, 3)


def _components(message: dict[str, Any], kind: int) -> list[dict[str, Any]]:
    found = []

    def walk(components: Iterable[dict[str, Any]]) -> None:
        for comp in components:
            if comp.get("type") == kind:
                found.append(comp)
            walk(comp.get("components", ()))

    walk(message.get("components") or ())
    return found


def render_message(message: dict[str, Any], files: Sequence[tuple[str, bytes]] = (),
                   style: Style | None = None) -> list[str]:
    """A message as lines of text: content, embeds (a bar on the left), files, buttons."""
    style = style or Style()
    b0, b1 = style.bold
    lines: list[str] = []
    if message.get("content"):
        lines += _wrap(render_text(message["content"], style), style.width)
    for embed in message.get("embeds") or []:
        bar = "│ "
        if embed.get("author", {}).get("name"):
            lines += _wrap(render_text(embed["author"]["name"], style), style.width, bar)
        if embed.get("title"):
            lines += _wrap(b0 + render_text(embed["title"], style) + b1, style.width, bar)
        if embed.get("url"):
            lines.append(bar + shown(embed["url"]))
        if embed.get("description"):
            lines += _wrap(render_text(embed["description"], style), style.width, bar)
        for item in embed.get("fields") or []:
            name = render_text(item.get("name") or "", style)
            value = render_text(item.get("value") or "", style)
            lines += _wrap(f"{b0}{name}:{b1} {value}", style.width, bar, "  ")
        if (embed.get("footer") or {}).get("text"):
            lines += _wrap("— " + render_text(embed["footer"]["text"], style), style.width, bar)
    for number, (name, data) in enumerate(files, start=1):
        lines.append(f"📎 {shown(name)} ({len(data):,} bytes)")
        if name.lower().endswith((".csv", ".ics", ".txt")):
            text = data.decode("utf-8-sig", "replace").splitlines()
            lines += [f"   {shown(row)}" for row in text[:PREVIEW_LINES]]
            if len(text) > PREVIEW_LINES:
                more = len(text) - PREVIEW_LINES
                lines.append(f"   … {more} more line{'s' if more > 1 else ''} (show {number} "
                             "prints them all)")
    buttons = buttons_of(message)
    if buttons:
        labels = []
        for number, button in enumerate(buttons, start=1):
            label = button.get("label") or (button.get("emoji") or {}).get("name") or "?"
            note = " (disabled)" if button.get("disabled") else (" ↗" if button.get("url")
                                                                  else "")
            labels.append(f"[{number} {shown(label)}{note}]")
        lines += _wrap(" ".join(labels), style.width)
    for menu in menus_of(message):  # as Discord shows it, below the buttons, to `choose`
        choices = " ".join(f"({number} {shown(option.get('label') or '?')})"
                           for number, option in enumerate(menu.get("options") or [], start=1))
        note = " (disabled)" if menu.get("disabled") else ""
        placeholder = shown(menu.get("placeholder") or "Choose")
        lines += _wrap(f"▾ {placeholder}{note}: {choices}", style.width)
    if not lines:
        lines.append("(an empty message)")
    return lines
