"""Discord's documented limits (API v10), checked on what the bot would send.

`problems` takes a message as discord.py hands it to Discord: its content, embeds
(`discord.Embed` or their `to_dict()`) and components (`View.to_components()` or the
raw dicts), and lists every limit it breaks; an empty list means Discord accepts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import discord

CONTENT = 2000
EMBEDS = 10
EMBED_TOTAL = 6000
EMBED_TEXT = {"title": 256, "description": 4096}
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR_NAME = 256
URL = 2048
ACTION_ROWS = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
SELECT_OPTIONS = 25
OPTION_TEXT = 100  # label, value, description
TEXT_INPUT_LABEL = 45
TEXT_INPUT_PLACEHOLDER = 100
TEXT_INPUT_VALUE = 4000  # and no more than the input's own max_length
SCHEDULED_NAME = (1, 100)
SCHEDULED_DESCRIPTION = 1000
SCHEDULED_LOCATION = 100


def embed_dict(embed: discord.Embed | Mapping[str, Any]) -> Mapping[str, Any]:
    return embed.to_dict() if isinstance(embed, discord.Embed) else embed


def embed_size(embed: discord.Embed | Mapping[str, Any]) -> int:
    """What Discord counts towards the 6,000 characters of a message's embeds."""
    data = embed_dict(embed)
    return (len(data.get("title") or "") + len(data.get("description") or "")
            + sum(len(f["name"]) + len(f["value"]) for f in data.get("fields", []))
            + len((data.get("footer") or {}).get("text") or "")
            + len((data.get("author") or {}).get("name") or ""))


def embed_problems(embed: discord.Embed | Mapping[str, Any]) -> list[str]:
    data = embed_dict(embed)
    found = [f"embed {key} is {len(data[key])} characters (limit {limit})"
             for key, limit in EMBED_TEXT.items() if len(data.get(key) or "") > limit]
    fields = data.get("fields", [])
    if len(fields) > FIELDS:
        found.append(f"{len(fields)} fields (limit {FIELDS})")
    for field in fields:
        if not field["name"] or not field["value"]:
            found.append(f"field {field['name']!r} has an empty name or value")
        if len(field["name"]) > FIELD_NAME:
            found.append(f"field name of {len(field['name'])} characters (limit {FIELD_NAME})")
        if len(field["value"]) > FIELD_VALUE:
            found.append(f"field {field['name'][:30]!r} value of {len(field['value'])} "
                         f"characters (limit {FIELD_VALUE})")
    footer = (data.get("footer") or {}).get("text") or ""
    if len(footer) > FOOTER:
        found.append(f"footer of {len(footer)} characters (limit {FOOTER})")
    author = (data.get("author") or {}).get("name") or ""
    if len(author) > AUTHOR_NAME:
        found.append(f"author name of {len(author)} characters (limit {AUTHOR_NAME})")
    if (url := data.get("url")) is not None and not (
            len(url) <= URL and url.startswith(("http://", "https://"))):
        found.append(f"embed url {url[:40]!r} is not an http(s) URL of at most {URL} characters")
    return found


def component_problems(components: Iterable[Mapping[str, Any]]) -> list[str]:
    rows = list(components)
    found = [f"{len(rows)} action rows (limit {ACTION_ROWS})"] if len(rows) > ACTION_ROWS else []
    for row in rows:
        children = row.get("components", [])
        buttons = [c for c in children if c["type"] == 2]
        if len(buttons) > BUTTONS_PER_ROW:
            found.append(f"{len(buttons)} buttons in a row (limit {BUTTONS_PER_ROW})")
        if any(c["type"] != 2 for c in children) and len(children) > 1:
            found.append("a select menu must be alone in its row")
        for item in children:
            found += _item_problems(item)
    return found


def _item_problems(item: Mapping[str, Any]) -> list[str]:
    found = []
    if len(item.get("custom_id") or "") > CUSTOM_ID:
        found.append(f"custom_id of {len(item['custom_id'])} characters (limit {CUSTOM_ID})")
    if len(item.get("label") or "") > BUTTON_LABEL:
        found.append(f"button label of {len(item['label'])} characters (limit {BUTTON_LABEL})")
    if item["type"] == 4:  # a modal's text input
        found += _text_input_problems(item)
    options = item.get("options", [])
    if item["type"] == 3 and not 1 <= len(options) <= SELECT_OPTIONS:
        found.append(f"select menu with {len(options)} options (1 to {SELECT_OPTIONS})")
    for option in options:
        for key in ("label", "value", "description"):
            if not 0 < len(option.get(key) or "x") <= OPTION_TEXT:
                found.append(f"select option {key} of {len(option.get(key) or '')} "
                             f"characters (1 to {OPTION_TEXT})")
    if len({o["value"] for o in options}) != len(options):
        found.append("select option values repeat")
    return found


def _text_input_problems(item: Mapping[str, Any]) -> list[str]:
    found = []
    if not 0 < len(item.get("label") or "") <= TEXT_INPUT_LABEL:
        found.append(f"text input label of {len(item.get('label') or '')} characters "
                     f"(1 to {TEXT_INPUT_LABEL})")
    if len(item.get("placeholder") or "") > TEXT_INPUT_PLACEHOLDER:
        found.append(f"text input placeholder of {len(item['placeholder'])} characters "
                     f"(limit {TEXT_INPUT_PLACEHOLDER})")
    most = min(item.get("max_length") or TEXT_INPUT_VALUE, TEXT_INPUT_VALUE)
    if len(item.get("value") or "") > most:
        found.append(f"text input value of {len(item['value'])} characters (limit {most})")
    return found


def problems(content: str | None = None,
             embeds: Sequence[discord.Embed | Mapping[str, Any]] = (),
             components: Iterable[Mapping[str, Any]] = ()) -> list[str]:
    """Every Discord limit one message breaks."""
    found = []
    if content is not None and len(content) > CONTENT:
        found.append(f"content of {len(content)} characters (limit {CONTENT})")
    if len(embeds) > EMBEDS:
        found.append(f"{len(embeds)} embeds (limit {EMBEDS})")
    total = sum(embed_size(e) for e in embeds)
    if total > EMBED_TOTAL:
        found.append(f"embeds total {total} characters (limit {EMBED_TOTAL})")
    for embed in embeds:
        found += embed_problems(embed)
    return found + component_problems(components)


def scheduled_event_problems(fields: Mapping[str, Any]) -> list[str]:
    found = []
    low, high = SCHEDULED_NAME
    if not low <= len(fields["name"]) <= high:
        found.append(f"scheduled event name of {len(fields['name'])} characters ({low}–{high})")
    if len(fields.get("description") or "") > SCHEDULED_DESCRIPTION:
        found.append(f"scheduled event description over {SCHEDULED_DESCRIPTION}")
    location = (fields.get("entity_metadata") or {}).get("location") or ""
    if len(location) > SCHEDULED_LOCATION:
        found.append(f"scheduled event location over {SCHEDULED_LOCATION}")
    return found


def assert_fits(content: str | None = None,
                embeds: Sequence[discord.Embed | Mapping[str, Any]] = (),
                components: Iterable[Mapping[str, Any]] = ()) -> None:
    found = problems(content, embeds, components)
    assert not found, "; ".join(found)
