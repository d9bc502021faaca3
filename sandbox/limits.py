"""Discord's documented payload limits, as the local server (sandbox/) enforces them.

Each ``*_errors`` function takes a request body and returns Discord's nested error object
for an ``Invalid Form Body`` answer (HTTP 400, code 50035): the path of every offending
field, with ``_errors`` at its leaf::

    {"embeds": {"0": {"description": {"_errors": [
        {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 4096 or fewer in length."}]}}}}

An empty dict means the body is within the limits. :func:`is_empty` (with :func:`edited`
for an edit) says whether a message has nothing to show, which Discord refuses with
``50006``. Pure functions, no I/O, so the server stays small and the rules are testable
on their own.

Error codes: where Discord's answer to a rule has been seen
(``URL_TYPE_INVALID_SCHEME``, ``COMPONENT_CUSTOM_ID_DUPLICATED``,
``SELECT_COMPONENT_OPTION_VALUE_DUPLICATED``, ``MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE``,
``APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID``,
``GUILD_SCHEDULED_EVENT_SCHEDULE_PAST``, ``NUMBER_TYPE_MIN``/``MAX`` ...), it is used as
seen; for the rest (a link button without a url, a button with neither label nor emoji,
min above max, options fewer than ``max_values``, ``autocomplete`` with ``choices``, flags
a new message may not set, a modal with no input, an external event with a channel, a
premium button's other fields or another button's ``sku_id``, content beside
``IS_COMPONENTS_V2``, a reply to an unknown message) the code is Discord's nearest generic
one or a descriptive name, and only the status, ``50035`` and the field's path are sure.

Types: a field Discord types (per its documentation and OpenAPI spec) is refused when
it carries another JSON type, with Discord's generic codes (``BASE_TYPE_STRING``,
``NUMBER_TYPE_COERCE``, ``BASE_TYPE_BOOLEAN``, ``LIST_TYPE_CONVERT``,
``DICT_TYPE_CONVERT``); an enum outside its values with ``BASE_TYPE_CHOICES``. The
stand-in takes no numeric string for an integer, which Discord may coerce: the bot
sends each field as its documented type.

Application-command size: Discord counts names, descriptions and choice values of a
command, its options (sub-commands and groups included) and choices, at most 4,000
characters; where a field has localizations, only its longest version (default or any
locale) counts, as Discord's documentation says.

Command names: Python's ``re`` has no ``\\p{...}``; :func:`valid_command_name` checks
``^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`` with ``unicodedata`` (letters and
numbers by category, Devanagari and Thai by their Unicode blocks, which carry their
combining marks) and rejects any character that has a lower-case form other than itself.
Discord's documentation has allowed an apostrophe too since January 2025; the project's
rules (GUIDE §6) do not, and the bot is held to them, so the stand-in refuses ``'``.
Localized names (``name_localizations``, keyed by Discord's locale codes) follow the same
rules, and an option's name in a locale must differ from every other option's name of the
command, default or in that locale (Discord's documented rule for localized options).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

Errors = dict[str, Any]
Path = tuple[str | int, ...]

CONTENT = 2000
NONCE = 25  # a message's nonce: an integer or a string of at most 25 characters
EMBEDS = 10
EMBED_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER_TEXT = 2048
AUTHOR_NAME = 256
EMBED_URL = 2048
BUTTON_URL = 512
ATTACHMENTS = 10  # files of a message, listed in `attachments` or not
STICKERS = 3  # sticker_ids of a message
EMOJI_NAME = 32  # a component's emoji: its name (required, even beside an id)
ACTION_ROWS = 5
V2_COMPONENTS = 40  # every component of an IS_COMPONENTS_V2 message, nested ones included
ROW_BUTTONS = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
SELECT_OPTIONS = 25
SELECT_OPTION_TEXT = 100
SELECT_PLACEHOLDER = 150
SELECT_VALUES = 25  # most min_values / max_values of a select
TEXT_INPUT_LENGTH = 4000  # most min_length / max_length of a text input
MODAL_TITLE = 45
TEXT_INPUT_LABEL = 45  # a text input's label, or a label component's text
LABEL_DESCRIPTION = 100  # a label component's description
TEXT_INPUT_VALUE = 4000
TEXT_INPUT_PLACEHOLDER = 100
CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100
STRING_OPTION_LENGTH = 6000  # most min_length / max_length of a string option
COMMAND_NAME = 32
COMMAND_DESCRIPTION = 100
COMMAND_OPTIONS = 25
COMMAND_SIZE = 4000
CHAT_INPUT_COMMANDS = 100
CONTEXT_MENU_COMMANDS = 5  # per type (user, message)
MENTION_IDS = 100  # most users / roles an allowed_mentions names
HISTORY = 100  # most messages one page of a channel's history holds (and the least, 1)
EVENT_NAME = 100
EVENT_DESCRIPTION = 1000
EVENT_LOCATION = 100
# Discord's limit of scheduled events a server has that are still to come or going on
# (SCHEDULED or ACTIVE): the next create answers 400, code 30038.
UNFINISHED_EVENTS = 100

ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT, LABEL = 1, 2, 3, 4, 18
SELECTS = {3, 5, 6, 7, 8}
LINK_BUTTON, PREMIUM_BUTTON = 5, 6  # button styles; 1-4 carry a custom_id
WEB = ("http", "https")
MEDIA = ("http", "https", "attachment")  # an embed's image or icon may be an uploaded file
BUTTON_SCHEMES = ("http", "https", "discord")  # discord:// opens a place in the client
TEXT_INPUT_STYLES = (1, 2)  # short, paragraph
MENTION_TYPES = ("roles", "users", "everyone")  # what allowed_mentions.parse may name
IS_COMPONENTS_V2 = 1 << 15  # message flag: top-level layout components instead of rows
SUPPRESS_EMBEDS, EPHEMERAL = 1 << 2, 1 << 6
SUPPRESS_NOTIFICATIONS, IS_VOICE_MESSAGE = 1 << 12, 1 << 13
# The flags a new message may carry: Discord's documentation lists them per route (a
# channel message or DM; an interaction's response or follow-up may also be ephemeral).
# Discord ignores other changes of flags in an edit, so only creates are checked.
CREATE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_VOICE_MESSAGE | IS_COMPONENTS_V2
RESPONSE_FLAGS = CREATE_FLAGS | EPHEMERAL
COLOR = 0xFFFFFF  # most an embed's color (RGB)
BUTTON_STYLES = (1, 2, 3, 4, 5, 6)  # primary, secondary, success, danger, link, premium
TEXT_DISPLAY, FILE_UPLOAD = 10, 19
# What a modal holds at its top level, and what a label in a modal may wrap.
MODAL_TOP = (1, TEXT_DISPLAY, 18)  # an action row (of a text input), text, a label
MODAL_INPUTS = frozenset((4, 3, 5, 6, 7, 8, FILE_UPLOAD, 21, 22, 23))
STRING = 3  # application command option type
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
OPTION_TYPES = tuple(range(1, 12))  # sub-command, group, string, ..., number, attachment
# What options an option holds (OpenAPI ApplicationCommandSubcommandOption and
# ...SubcommandGroupOption): a sub-command plain options only, a group sub-commands only.
NESTED_OPTION_TYPES = {SUB_COMMAND: OPTION_TYPES[2:], SUB_COMMAND_GROUP: (SUB_COMMAND,)}
# Where a command is offered (InteractionContextType: guild, bot DM, private channel) and
# by which install (ApplicationIntegrationType: guild, user); each list has 1 or more.
CONTEXTS, INTEGRATION_TYPES = (0, 1, 2), (0, 1)
STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3  # scheduled event entity types
GUILD_ONLY = 2  # the one privacy level of a scheduled event
# Scheduled event statuses, and the changes Discord takes: once COMPLETED or CANCELED an
# event can no longer be updated at all (400, code 180000).
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
FINISHED = frozenset((COMPLETED, CANCELED))
STATUS_CHANGES = {SCHEDULED: frozenset((ACTIVE, CANCELED)), ACTIVE: frozenset((COMPLETED,))}

LOCALES = frozenset((
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
    "th", "zh-CN", "ja", "zh-TW", "ko",
))


class _Collector:
    """Builds the nested error object, one leaf per offending field."""

    def __init__(self, prefix: Path = ()) -> None:
        self.errors: Errors = {}
        self.prefix = prefix

    def add(self, path: Path, code: str, message: str) -> None:
        node = self.errors
        for key in (*self.prefix, *path):
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def length(self, path: Path, value: Any, hi: int, lo: int = 0) -> None:
        """A string (or list) must be ``lo``..``hi`` long; ``None`` passes (checked elsewhere)."""
        if value is None or not isinstance(value, str | list):
            return
        if lo <= len(value) <= hi:
            return
        if lo == 0:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {hi} or fewer in length.")
        else:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {lo} and {hi} in length.")

    def required(self, path: Path) -> None:
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def typed(self, path: Path, value: Any, kind: str) -> bool:
        """A field present (not ``None``) must be of its JSON type: ``"string"``,
        ``"integer"`` (no boolean), ``"number"``, ``"boolean"``, ``"array"`` or
        ``"object"``. Returns whether it is absent or of that type."""
        if value is None or _is(value, kind):
            return True
        code, message = _TYPE_ERRORS[kind]
        self.add(path, code, message.format(value=_shown(value)))
        return False

    def choice(self, path: Path, value: Any, allowed: Sequence[int]) -> None:
        """An integer enum field: absent, or one of ``allowed`` (not a boolean)."""
        if value is None or not self.typed(path, value, "integer"):
            return
        if value not in allowed:
            self.add(path, "BASE_TYPE_CHOICES", f"Value must be one of {set(allowed)}.")

    def number(self, path: Path, value: Any, lo: int, hi: int) -> int | None:
        """An integer must be ``lo``..``hi``; other values pass (checked elsewhere).
        Returns the integer if it is within its bounds, else None."""
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        if value < lo:
            self.add(path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {lo}.")
        elif value > hi:
            self.add(path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {hi}.")
        else:
            return value
        return None


# Discord's answers to a field of the wrong JSON type, by the type the field takes.
_TYPE_ERRORS = {
    "string": ("BASE_TYPE_STRING", 'Could not interpret "{value}" as string.'),
    "integer": ("NUMBER_TYPE_COERCE", 'Value "{value}" is not int.'),
    "number": ("NUMBER_TYPE_COERCE", 'Value "{value}" is not a number.'),
    "boolean": ("BASE_TYPE_BOOLEAN", "Must be either true or false."),
    "array": ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"),
    "object": ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"),
}


def _is(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    return isinstance(value, Mapping)


def _shown(value: Any) -> str:
    """A wrong value as an error message quotes it: short, on one line."""
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."


def _typed(out: _Collector, at: Path, obj: Mapping[str, Any],
           fields: Mapping[str, str]) -> None:
    """Each of ``fields`` (name: JSON type) that ``obj`` carries is of its type."""
    for key, kind in fields.items():
        out.typed((*at, key), obj.get(key), kind)


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# --------------------------------------------------------------------------- messages


MESSAGE_FIELDS = {"content": "string", "tts": "boolean", "flags": "integer",
                  "embeds": "array", "components": "array", "attachments": "array",
                  "allowed_mentions": "object", "sticker_ids": "array",
                  "enforce_nonce": "boolean", "message_reference": "object"}


def message_errors(payload: Mapping[str, Any] | None, prefix: Path = (), flags: int = 0,
                   settable: int | None = None, files: int = 0) -> Errors:
    """A message create or edit (channel message, interaction response, follow-up, DM);
    ``flags`` are an edited message's current flags; ``settable`` the flags a create may
    set (None for an edit); ``files`` the number of files the request uploads."""
    out = _Collector(prefix)
    if payload is not None and not isinstance(payload, Mapping):
        out.typed((), payload, "object")
        return out.errors
    payload = _dict(payload)
    _typed(out, (), payload, MESSAGE_FIELDS)
    wanted = payload.get("flags")
    if settable is not None and _is(wanted, "integer") and wanted & ~settable:
        out.add(("flags",), "MESSAGE_FLAGS_INVALID",
                f"Only the flags {settable} may be set on a new message here.")
    out.length(("content",), payload.get("content"), CONTENT)
    embeds = _items(payload.get("embeds"))
    out.length(("embeds",), embeds, EMBEDS)
    total = 0
    for i, embed in enumerate(embeds):
        if out.typed(("embeds", i), embed, "object"):
            total += _embed(out, ("embeds", i), _dict(embed))
    if total > EMBED_TOTAL:
        out.add(("embeds",), "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {EMBED_TOTAL}")
    v2 = bool((_int(payload.get("flags"), 0) | flags) & IS_COMPONENTS_V2)
    if v2:
        _v2_only_components(out, payload)
    _components(out, _items(payload.get("components")), rows_only=not v2)
    out.length(("attachments",), payload.get("attachments"), ATTACHMENTS)
    if payload.get("attachments") is None and files > ATTACHMENTS:
        # Discord makes the list of the files a request leaves unlisted, and holds it to
        # the same 10 (OpenAPI MessageCreateRequest attachments maxItems 10).
        out.add(("attachments",), "BASE_TYPE_MAX_LENGTH",
                f"Must be {ATTACHMENTS} or fewer in length.")
    out.length(("sticker_ids",), payload.get("sticker_ids"), STICKERS)
    reference = payload.get("message_reference")
    if isinstance(reference, Mapping):
        _reference(out, ("message_reference",), reference)
    _allowed_mentions(out, _dict(payload.get("allowed_mentions")))
    nonce = payload.get("nonce")
    if nonce is not None and not (isinstance(nonce, int | str) and len(str(nonce)) <= NONCE):
        out.add(("nonce",), "BASE_TYPE_MAX_LENGTH", f"Must be {NONCE} or fewer in length.")
    return out.errors


# Fields a components v2 message may not carry: "When the flag IS_COMPONENTS_V2 is set,
# the message can only contain components. Providing content, embeds, sticker_ids, poll,
# or shared_client_theme will fail with a 400" (message.mdx, Create Message).
V2_LEGACY_FIELDS = ("content", "embeds", "sticker_ids", "poll", "shared_client_theme")


def history_errors(query: Mapping[str, str]) -> Errors:
    """The query of ``GET /channels/{id}/messages``: ``limit`` "Max number of messages to
    return (1-100)" (message.mdx, Get Channel Messages; OpenAPI minimum 1, maximum 100);
    ``before``, ``after`` and ``around`` are snowflakes."""
    out = _Collector()
    limit = query.get("limit")
    if limit is not None:
        if limit.isascii() and limit.lstrip("-").isdigit():
            out.number(("limit",), int(limit), 1, HISTORY)
        else:
            out.typed(("limit",), limit, "integer")
    for key in ("before", "after", "around"):
        _snowflake(out, (key,), query.get(key))
    return out.errors


def _reference(out: _Collector, at: Path, reference: Mapping[str, Any]) -> None:
    """A reply's reference (OpenAPI MessageReferenceRequest): the message_id it requires
    and the other ids are snowflakes. Whether that message exists the server checks
    (``reference_errors``)."""
    _typed(out, at, reference, {"fail_if_not_exists": "boolean"})
    if reference.get("message_id") is None:
        out.required((*at, "message_id"))
    for key in ("message_id", "channel_id", "guild_id"):
        _snowflake(out, (*at, key), reference.get(key))


def reference_errors(reference: Any, exists: bool) -> Errors:
    """A reply to a message that does not exist (``exists`` False) is refused unless the
    reference says ``fail_if_not_exists: false`` (then it is sent as a plain message):
    message.mdx, Message Reference: fail_if_not_exists "whether to error if the
    referenced message doesn't exist instead of sending as a normal (non-reply) message,
    default true"."""
    out = _Collector()
    if (isinstance(reference, Mapping) and not exists
            and reference.get("fail_if_not_exists") is not False):
        out.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
    return out.errors


def _v2_only_components(out: _Collector, payload: Mapping[str, Any]) -> None:
    """A message with IS_COMPONENTS_V2 (set now or before an edit) shows its components
    alone; an empty value (``""``, ``[]``, ``null``) clears a field and passes."""
    for key in V2_LEGACY_FIELDS:
        if payload.get(key):
            out.add((key,), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    f"The '{key}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2")


def _allowed_mentions(out: _Collector, allowed: Mapping[str, Any]) -> None:
    """``parse`` names only roles, users and everyone; ``users`` and ``roles`` hold at
    most 100 ids; each list names a thing once. A type in ``parse`` together with a
    non-empty list of its ids is refused: Discord will not guess which one is meant."""
    at: Path = ("allowed_mentions",)
    _typed(out, at, allowed, {"parse": "array", "users": "array", "roles": "array",
                              "replied_user": "boolean"})
    parse = _items(allowed.get("parse"))
    for i, kind in enumerate(parse):
        if kind not in MENTION_TYPES:
            out.add((*at, "parse", i), "BASE_TYPE_CHOICES",
                    f"Value must be one of {MENTION_TYPES}.")
    _distinct(out, (*at, "parse"), parse)
    for key in ("users", "roles"):
        ids = _items(allowed.get(key))
        out.length((*at, key), ids, MENTION_IDS)
        for i, item in enumerate(ids):  # (null items name nothing: Discord's spec allows them)
            _snowflake(out, (*at, key, i), item)
        _distinct(out, (*at, key), [str(x) for x in ids])
        if key in parse and ids:
            out.add(at, "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{key}"] and {key}: [ids...] are mutually exclusive.')


SNOWFLAKE = re.compile(r"0|[1-9][0-9]*")  # OpenAPI SnowflakeType: ^(0|[1-9][0-9]*)$


def _snowflake(out: _Collector, at: Path, value: Any) -> None:
    """An id: a decimal string of a 64-bit number (Discord takes an integer too, as
    discord.py sends them); ``None`` passes."""
    if value is None:
        return
    text = str(value) if _is(value, "integer") else value if isinstance(value, str) else ""
    if not (SNOWFLAKE.fullmatch(text) and int(text) < 2**64):
        out.add(at, "NUMBER_TYPE_COERCE", f'Value "{_shown(value)}" is not snowflake.')


def _distinct(out: _Collector, at: Path, items: list[Any]) -> None:
    for i, item in enumerate(items):
        if item in items[:i]:
            out.add((*at, i), "SET_TYPE_ALREADY_CONTAINS_VALUE",
                    "The set already contains this value")


def is_empty(message: Mapping[str, Any] | None, files: int = 0) -> bool:
    """Whether a message create (or a message as an edit leaves it) has nothing to show:
    no content, embeds, components, files or attachments, stickers or poll. Discord
    refuses it with 400 ``50006 Cannot send an empty message``."""
    message = _dict(message)
    return not (files or message.get("content") or any(
        _items(message.get(key)) for key in ("embeds", "components", "attachments",
                                            "sticker_ids"))
        or message.get("poll"))


def message_texts(message: Mapping[str, Any]) -> list[str]:
    """The text a message shows that AutoMod reads: its content and its embeds' words."""
    said = [message["content"]] if isinstance(message.get("content"), str) else []
    for embed in _items(message.get("embeds")):
        embed = _dict(embed)
        said += [embed.get("title"), embed.get("description"),
                 _dict(embed.get("footer")).get("text"), _dict(embed.get("author")).get("name")]
        for field in _items(embed.get("fields")):
            said += [_dict(field).get("name"), _dict(field).get("value")]
    return [text for text in said if isinstance(text, str)]


def edited(current: Mapping[str, Any], edit: Mapping[str, Any] | None,
           files: int = 0) -> dict[str, Any]:
    """What a message looks like after an edit, for :func:`is_empty`: the fields the edit
    names replace the current ones (``null`` empties them); new files are added to the
    attachments, or, when the edit lists ``attachments``, are among those it lists."""
    edit = _dict(edit)
    after = {key: edit[key] if key in edit else current.get(key)
             for key in ("content", "embeds", "components", "attachments")}
    if "attachments" not in edit:
        after["attachments"] = [*_items(current.get("attachments")), *([None] * files)]
    return after


def _embed(out: _Collector, at: Path, embed: Mapping[str, Any]) -> int:
    """Check one embed; return the characters it counts towards the message's 6,000."""
    _typed(out, at, embed, EMBED_FIELDS_TYPES)
    for part, fields in EMBED_PARTS.items():
        if out.typed((*at, part), embed.get(part), "object"):
            _typed(out, (*at, part), _dict(embed.get(part)), fields)
            for key in EMBED_PART_REQUIRED.get(part, ()):
                if part in embed and embed[part] is not None and _dict(embed[part]).get(
                        key) is None:
                    out.required((*at, part, key))
    out.number((*at, "color"), embed.get("color"), 0, COLOR)
    stamp = embed.get("timestamp")
    if isinstance(stamp, str) and not _iso8601(stamp):
        out.add((*at, "timestamp"), "DATE_TYPE_PARSE",
                f"Could not parse {_shown(stamp)}. Should be ISO8601.")
    texts = [(("title",), embed.get("title"), EMBED_TITLE),
             (("description",), embed.get("description"), EMBED_DESCRIPTION),
             (("footer", "text"), _dict(embed.get("footer")).get("text"), FOOTER_TEXT),
             (("author", "name"), _dict(embed.get("author")).get("name"), AUTHOR_NAME)]
    fields = _items(embed.get("fields"))
    out.length((*at, "fields"), fields, EMBED_FIELDS)
    for j, fld in enumerate(fields):
        if out.typed((*at, "fields", j), fld, "object"):
            _typed(out, (*at, "fields", j), fld, {"name": "string", "value": "string",
                                                  "inline": "boolean"})
        fld = _dict(fld)
        texts.append(((*("fields", j), "name"), fld.get("name"), FIELD_NAME))
        texts.append(((*("fields", j), "value"), fld.get("value"), FIELD_VALUE))
    size = 0
    for path, text, limit in texts:
        if isinstance(text, str):
            out.length((*at, *path), text, limit)
            size += len(text)
    for j, fld in enumerate(fields):
        for key in ("name", "value"):
            if not _dict(fld).get(key):
                out.required((*at, "fields", j, key))
    links: list[tuple[Path, Any, tuple[str, ...]]] = [(("url",), embed.get("url"), WEB)]
    for parent, key, schemes in (("author", "url", WEB), ("author", "icon_url", MEDIA),
                                 ("footer", "icon_url", MEDIA), ("image", "url", MEDIA),
                                 ("thumbnail", "url", MEDIA)):
        links.append(((parent, key), _dict(embed.get(parent)).get(key), schemes))
    for path, url, schemes in links:
        _url(out, (*at, *path), url, EMBED_URL, schemes)
    return size


EMBED_FIELDS_TYPES = {"title": "string", "description": "string", "url": "string",
                      "timestamp": "string", "color": "integer", "type": "string",
                      "fields": "array"}
# An embed's parts (objects) and the types of their fields; the fields a part must carry.
EMBED_PARTS = {
    "footer": {"text": "string", "icon_url": "string"},
    "author": {"name": "string", "url": "string", "icon_url": "string"},
    "image": {"url": "string"},
    "thumbnail": {"url": "string"},
    "provider": {"name": "string", "url": "string"},
    "video": {"url": "string"},
}
EMBED_PART_REQUIRED = {"footer": ("text",), "author": ("name",), "image": ("url",),
                       "thumbnail": ("url",)}


def _url(out: _Collector, at: Path, url: Any, limit: int = EMBED_URL,
         schemes: tuple[str, ...] = WEB) -> None:
    """A link: a well-formed URL of at most ``limit`` characters in one of ``schemes``
    (an embed's links: 2,048; its and its author's link http(s), its images and icons
    also ``attachment://``). Discord names the scheme it refuses (the whole text when
    there is no ``scheme:``)."""
    if not isinstance(url, str):
        return
    out.length(at, url, limit)
    scheme, colon, _ = url.partition(":")
    if not colon or not scheme or not scheme.isascii() or not scheme.replace(
            "+", "").replace("-", "").replace(".", "").isalnum():
        scheme = url
    if scheme.lower() not in schemes:
        out.add(at, "URL_TYPE_INVALID_SCHEME", f'Scheme "{scheme}" is not supported. '
                f"Scheme must be one of {schemes}.")
        return
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    if not host or any(c.isspace() or unicodedata.category(c) == "Cc" for c in url):
        out.add(at, "URL_TYPE_INVALID_URL", "Not a well formed URL.")


def _count(components: list[Any]) -> int:
    """Components and every component nested in them (rows, sections, containers)."""
    return sum(1 + _count([child for _, child in _children(comp, ())]) for comp in components)


def _children(comp: Any, at: Path) -> list[tuple[Path, Any]]:
    """(path, component) of each component directly in `comp`: a row's, a section's or a
    container's `components`, a label's `component`, a section's `accessory`."""
    comp = _dict(comp)
    found = [((*at, "components", j), child)
             for j, child in enumerate(_items(comp.get("components")))]
    return found + [((*at, key), comp[key]) for key in ("component", "accessory")
                    if comp.get(key)]


def _components(out: _Collector, top: list[Any], *, rows_only: bool,
                path: Path = ("components",), modal: bool = False) -> None:
    """A message's or a modal's components. Without the IS_COMPONENTS_V2 flag a message
    holds only action rows of buttons or selects; a custom_id is used once per message
    (or modal), wherever it is. A components v2 message holds up to 40 components in all."""
    if rows_only or modal:
        out.length(path, top, ACTION_ROWS)
    elif (count := _count(top)) > V2_COMPONENTS:
        out.add(path, "BASE_TYPE_MAX_LENGTH",
                f"Must be {V2_COMPONENTS} or fewer in length (counting nested: {count}).")
    inputs = 0  # the components of a modal that take the member's answer
    for i, row in enumerate(top):
        if not _kind(out, (*path, i), row):
            continue
        row = _dict(row)
        kind = row.get("type")
        if modal and kind not in MODAL_TOP:
            _wrong_type(out, (*path, i))
            continue
        if modal and kind == LABEL:  # its text is the input's label, as short
            _typed(out, (*path, i), row, {"label": "string", "description": "string"})
            out.length((*path, i, "label"), row.get("label") or "", TEXT_INPUT_LABEL, 1)
            out.length((*path, i, "description"), row.get("description"), LABEL_DESCRIPTION)
            inner_at = (*path, i, "component")
            if row.get("component") is None:
                out.required(inner_at)
            elif _kind(out, inner_at, row["component"]):
                if _dict(row["component"]).get("type") not in MODAL_INPUTS:
                    _wrong_type(out, inner_at)
                inputs += 1
                _component(out, inner_at, _dict(row.get("component")))
            continue
        if kind != ACTION_ROW:
            if rows_only:
                _wrong_type(out, (*path, i))
            continue  # components v2 layouts: only the custom_ids below are checked
        inner = _items(row.get("components"))
        at = (*path, i, "components")
        if out.typed(at, row.get("components"), "array"):
            out.length(at, inner, ROW_BUTTONS, 1)
        if any(_dict(c).get("type") in SELECTS for c in inner) and len(inner) > 1:
            out.add(at, "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width")
        for j, comp in enumerate(inner):
            if not _kind(out, (*at, j), comp):
                continue
            comp = _dict(comp)
            # In a modal a row holds a text input alone (the older form of a label): a
            # select "must be placed inside an Action Row in messages and a Label in
            # modals" (components reference, String Select and the other selects).
            if comp.get("type") not in ({TEXT_INPUT} if modal else {BUTTON, *SELECTS}):
                _wrong_type(out, (*at, j))
            elif modal:
                inputs += 1
            _component(out, (*at, j), comp)
    if modal and top and not inputs:
        out.add(path, "MODAL_INPUT_REQUIRED",
                "A modal needs at least one component that takes an answer")
    seen: set[str] = set()
    for at, custom_id in [found for i, comp in enumerate(top)
                          for found in _custom_ids(comp, (*path, i))]:
        if custom_id in seen:
            out.add(at, "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated")
        seen.add(custom_id)


def _kind(out: _Collector, at: Path, comp: Any) -> bool:
    """A component is an object with an integer ``type``; says whether it is one."""
    if not out.typed(at, comp, "object"):
        return False
    kind = _dict(comp).get("type")
    if kind is None:
        out.required((*at, "type"))
        return False
    return out.typed((*at, "type"), kind, "integer")


def _wrong_type(out: _Collector, at: Path) -> None:
    out.add(at, "COMPONENT_TYPE_INVALID",
            "The specified component type is invalid in this context")


def _custom_ids(comp: Any, at: Path) -> list[tuple[Path, str]]:
    """(path of the custom_id, custom_id) of a component and of every component in it,
    depth first, through rows, labels, sections and containers."""
    comp = _dict(comp)
    found = [((*at, "custom_id"), comp["custom_id"])] if isinstance(
        comp.get("custom_id"), str) else []
    for path, child in _children(comp, at):
        found += _custom_ids(child, path)
    return found


COMPONENT_FIELDS = {"custom_id": "string", "label": "string", "url": "string",
                    "disabled": "boolean", "emoji": "object", "placeholder": "string",
                    "min_values": "integer", "max_values": "integer", "options": "array",
                    "required": "boolean", "value": "string", "min_length": "integer",
                    "max_length": "integer", "sku_id": "string", "id": "integer"}
SELECT_OPTION_FIELDS = {"label": "string", "value": "string", "description": "string",
                        "default": "boolean", "emoji": "object"}


def _component(out: _Collector, at: Path, comp: Mapping[str, Any]) -> None:
    _typed(out, at, comp, COMPONENT_FIELDS)
    out.length((*at, "custom_id"), comp.get("custom_id"), CUSTOM_ID, 1)
    kind = comp.get("type")
    if kind == BUTTON:
        if comp.get("style") is None:
            out.required((*at, "style"))
        out.choice((*at, "style"), comp.get("style"), BUTTON_STYLES)
        out.length((*at, "label"), comp.get("label"), BUTTON_LABEL)
        _button(out, at, comp)
        _emoji(out, (*at, "emoji"), comp.get("emoji"))
    elif kind in SELECTS:
        out.length((*at, "placeholder"), comp.get("placeholder"), SELECT_PLACEHOLDER)
        least = out.number((*at, "min_values"), comp.get("min_values"), 0, SELECT_VALUES)
        most = out.number((*at, "max_values"), comp.get("max_values"), 1, SELECT_VALUES)
        least, most = _int(least, 1), _int(most, 1)
        if least > most:
            out.add((*at, "min_values"), "NUMBER_TYPE_MAX",
                    f"int value should be less than or equal to {most}.")
        if kind == STRING_SELECT:
            options = _items(comp.get("options"))
            if 1 <= len(options) < most:  # every one of max_values must be choosable
                out.length((*at, "options"), options, SELECT_OPTIONS, most)
            else:
                out.length((*at, "options"), options, SELECT_OPTIONS, 1)
            values: set[Any] = set()
            for k, option in enumerate(options):
                if out.typed((*at, "options", k), option, "object"):
                    _typed(out, (*at, "options", k), option, SELECT_OPTION_FIELDS)
                option = _dict(option)
                for key in ("label", "value"):
                    out.length((*at, "options", k, key), option.get(key), SELECT_OPTION_TEXT, 1)
                out.length((*at, "options", k, "description"), option.get("description"),
                           SELECT_OPTION_TEXT)
                _emoji(out, (*at, "options", k, "emoji"), option.get("emoji"))
                # a choice is answered by its value alone: two alike could not be told apart
                value = option.get("value")
                if isinstance(value, str) and value in values:  # (a list is no value: above)
                    out.add((*at, "options", k), "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                            "The specified option value is already used")
                if isinstance(value, str):
                    values.add(value)
    elif kind == TEXT_INPUT:
        _text_input(out, at, comp)


def _button(out: _Collector, at: Path, button: Mapping[str, Any]) -> None:
    """Link buttons carry a url (http, https or discord; at most 512) and no custom_id;
    the styles 1-4 a custom_id and no url or sku_id. A premium button carries a sku_id and
    nothing of its own to show (components reference: "Premium buttons must contain a
    sku_id, and cannot have a custom_id, label, url, or emoji"). A button other than a
    premium one (which shows its SKU) needs a label or an emoji: Discord will not draw a
    blank button."""
    style = button.get("style")
    if style == PREMIUM_BUTTON:
        if button.get("sku_id") is None:
            out.required((*at, "sku_id"))
        for key in ("custom_id", "label", "url", "emoji"):
            if button.get(key) is not None:
                out.add((*at, key), "BUTTON_COMPONENT_PREMIUM_FIELD_INVALID",
                        f"A premium button cannot have a {key}")
    elif button.get("sku_id") is not None:
        out.add((*at, "sku_id"), "BUTTON_COMPONENT_SKU_ID_INVALID",
                "Only a premium button can have a sku_id")
    if style == LINK_BUTTON:
        if button.get("custom_id") is not None:
            _exclusive(out, (*at, "custom_id"))
        if not button.get("url"):
            out.required((*at, "url"))
        else:
            _url(out, (*at, "url"), button.get("url"), BUTTON_URL, BUTTON_SCHEMES)
    elif style != PREMIUM_BUTTON:
        if button.get("custom_id") is None:
            out.add((*at, "custom_id"), "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED",
                    "A custom id is required")
        if button.get("url") is not None:
            _exclusive(out, (*at, "url"))
    if style != PREMIUM_BUTTON and not button.get("label") and not button.get("emoji"):
        out.add(at, "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
                "A button needs a label or an emoji")


def _emoji(out: _Collector, at: Path, emoji: Any) -> None:
    """A component's emoji (a button's, a select option's) names itself: a unicode emoji
    by its character, a custom one by its name beside its id (OpenAPI
    ComponentEmojiForRequest: name required, at most 32 characters; id a snowflake)."""
    if not isinstance(emoji, Mapping):
        return  # absent, or not an object (refused as such)
    name = emoji.get("name")
    if name is None:
        out.required((*at, "name"))
    elif out.typed((*at, "name"), name, "string"):
        out.length((*at, "name"), name, EMOJI_NAME)
    _snowflake(out, (*at, "id"), emoji.get("id"))


def _exclusive(out: _Collector, at: Path) -> None:
    out.add(at, "BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE",
            "A custom id and url cannot both be specified")


def _text_input(out: _Collector, at: Path, comp: Mapping[str, Any]) -> None:
    style = comp.get("style")
    if style is None:
        out.required((*at, "style"))
    else:
        out.choice((*at, "style"), style, TEXT_INPUT_STYLES)
    least = out.number((*at, "min_length"), comp.get("min_length"), 0, TEXT_INPUT_LENGTH)
    most = out.number((*at, "max_length"), comp.get("max_length"), 1, TEXT_INPUT_LENGTH)
    if _int(least, 0) > _int(most, TEXT_INPUT_LENGTH):
        out.add((*at, "min_length"), "NUMBER_TYPE_MAX",
                f"int value should be less than or equal to {_int(most, TEXT_INPUT_LENGTH)}.")
    out.length((*at, "label"), comp.get("label"), TEXT_INPUT_LABEL, 1)
    # A pre-filled value longer than the input's own max_length is refused too.
    out.length((*at, "value"), comp.get("value"),
               min(_int(most, TEXT_INPUT_LENGTH), TEXT_INPUT_VALUE))
    out.length((*at, "placeholder"), comp.get("placeholder"), TEXT_INPUT_PLACEHOLDER)


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def modal_errors(data: Mapping[str, Any] | None, prefix: Path = ()) -> Errors:
    """An interaction's modal response (callback type 9)."""
    out = _Collector(prefix)
    data = _dict(data)
    _typed(out, (), data, {"title": "string", "custom_id": "string", "components": "array"})
    for key, limit in (("title", MODAL_TITLE), ("custom_id", CUSTOM_ID)):
        if not data.get(key):
            out.required((key,))
        out.length((key,), data.get(key), limit, 1)
    rows = _items(data.get("components"))
    if not rows:
        out.length(("components",), rows, ACTION_ROWS, 1)
    _components(out, rows, rows_only=False, modal=True)
    return out.errors


# --------------------------------------------------------------------------- interactions


def autocomplete_errors(data: Mapping[str, Any] | None, prefix: Path = (),
                        option_type: int | None = None) -> Errors:
    """An autocomplete answer (callback type 8): at most 25 choices, each valued as the
    option being typed (``option_type``: a string, an integer or a number option)."""
    out = _Collector(prefix)
    out.typed(("choices",), _dict(data).get("choices"), "array")
    choices = _items(_dict(data).get("choices"))
    out.length(("choices",), choices, CHOICES)
    for i, choice in enumerate(choices):
        if out.typed(("choices", i), choice, "object"):
            _choice(out, ("choices", i), _dict(choice), option_type)
    return out.errors


# A choice's value by its option's type: string, integer (a whole number within ±2**53,
# Discord's documented range), number (a double).
CHOICE_VALUE_TYPES = {STRING: "string", 4: "integer", 10: "number"}
SAFE_INTEGER = 2**53


def _choice(out: _Collector, at: Path, choice: Mapping[str, Any],
            option_type: int | None = None) -> None:
    _typed(out, at, choice, {"name": "string", "name_localizations": "object"})
    value = choice.get("value")
    if value is None:
        out.required((*at, "value"))
    elif option_type in CHOICE_VALUE_TYPES:
        kind = CHOICE_VALUE_TYPES[option_type]
        if out.typed((*at, "value"), value, kind) and kind == "integer":
            out.number((*at, "value"), value, -SAFE_INTEGER, SAFE_INTEGER)
    else:
        out.typed((*at, "value"), value, "string" if isinstance(value, str) else "number")
    out.length((*at, "name"), choice.get("name") or "", CHOICE_NAME, 1)
    out.length((*at, "value"), choice.get("value"), CHOICE_VALUE)
    for locale, name in _dict(choice.get("name_localizations")).items():
        _locale(out, (*at, "name_localizations"), locale)
        out.length((*at, "name_localizations", locale), name, CHOICE_NAME, 1)


def _locale(out: _Collector, at: Path, locale: str) -> None:
    if locale not in LOCALES:
        out.add((*at, locale), "BASE_TYPE_CHOICES",
                f"Value must be one of {sorted(LOCALES)}.")


# --------------------------------------------------------------------------- application commands


def valid_command_name(name: str) -> bool:
    """Discord's name pattern (see the module docstring), lower-case where the script has case."""
    return 1 <= len(name) <= COMMAND_NAME and all(
        (c in "-_" or unicodedata.category(c)[0] in "LN" or _deva_or_thai(c))
        and c.lower() == c
        for c in name
    )


def _deva_or_thai(c: str) -> bool:
    code = ord(c)
    return ((0x0900 <= code <= 0x097F and code not in (0x0964, 0x0965))  # dandas: Common
            or 0xA8E0 <= code <= 0xA8FF or 0x11B00 <= code <= 0x11B09
            or 0x0E01 <= code <= 0x0E3A or 0x0E40 <= code <= 0x0E5B)


def commands_errors(commands: Any) -> Errors:
    """A bulk overwrite (``PUT .../commands``): every command's names, texts, options, size."""
    out = _Collector()
    if not isinstance(commands, list):
        out.add((), "BASE_TYPE_ARRAY", "Must be an array.")
        return out.errors
    seen: set[tuple[int, str]] = set()
    per_type: dict[int, int] = {}
    for i, cmd in enumerate(commands):
        cmd = _dict(cmd)
        kind = cmd.get("type") or 1
        per_type[kind] = per_type.get(kind, 0) + 1
        _command(out, (i,), cmd, kind)
        _installs(out, (i,), cmd)
        key = (kind, str(cmd.get("name")))
        if key in seen:
            out.add((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {key[1]}")
        seen.add(key)
        if _size(cmd) > COMMAND_SIZE:
            out.add((i,), "APPLICATION_COMMAND_TOO_LARGE",
                    f"Command exceeds maximum size ({COMMAND_SIZE})")
    for kind, count in per_type.items():
        limit = CHAT_INPUT_COMMANDS if kind == 1 else CONTEXT_MENU_COMMANDS
        if count > limit:
            out.add((), "APPLICATION_COMMANDS_TOO_MANY",
                    f"Maximum number of application commands of type {kind} reached ({limit})")
    return out.errors


def _installs(out: _Collector, at: Path, cmd: Mapping[str, Any]) -> None:
    """A command's ``contexts`` and ``integration_types``: null, or lists of at least
    one of their values, each once (OpenAPI ApplicationCommandCreateRequest: minItems 1,
    uniqueItems, items InteractionContextType / ApplicationIntegrationType)."""
    for key, values in (("contexts", CONTEXTS), ("integration_types", INTEGRATION_TYPES)):
        listed = cmd.get(key)
        if not out.typed((*at, key), listed, "array") or listed is None:
            continue
        out.length((*at, key), listed, len(values), 1)
        for k, value in enumerate(listed):
            out.choice((*at, key, k), value, values)
        _distinct(out, (*at, key), listed)


def _command(out: _Collector, at: Path, cmd: Mapping[str, Any], kind: int,
             option_type: int | None = None) -> None:
    """A command (``kind`` 1 chat input, 2 user, 3 message) or, with kind 1, an option
    (of ``option_type``, which says what options it may hold)."""
    name = cmd.get("name")
    names = [((*at, "name"), name)] + [
        ((*at, "name_localizations", loc), text)
        for loc, text in _dict(cmd.get("name_localizations")).items()
    ]
    for loc in _dict(cmd.get("name_localizations")):
        _locale(out, (*at, "name_localizations"), loc)
    for path, text in names:
        if not isinstance(text, str):
            out.required(path)
        elif kind == 1 and not valid_command_name(text):
            out.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        else:
            out.length(path, text, COMMAND_NAME, 1)
    descriptions = [((*at, "description"), cmd.get("description"))] + [
        ((*at, "description_localizations", loc), text)
        for loc, text in _dict(cmd.get("description_localizations")).items()
    ]
    for loc in _dict(cmd.get("description_localizations")):
        _locale(out, (*at, "description_localizations"), loc)
    for path, text in descriptions:
        if kind == 1:
            out.length(path, text if isinstance(text, str) else "", COMMAND_DESCRIPTION, 1)
        elif text:
            out.add(path, "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                    "Context menu commands cannot have description")
    options = _items(cmd.get("options"))
    out.length((*at, "options"), options, COMMAND_OPTIONS)
    _distinct_names(out, (*at, "options"), [_dict(option) for option in options])
    optional_before = False
    nested = NESTED_OPTION_TYPES.get(option_type, OPTION_TYPES)  # (a command: any)
    for j, option in enumerate(options):
        option = _dict(option)
        if option.get("type") is None:
            out.required((*at, "options", j, "type"))
        out.choice((*at, "options", j, "type"), option.get("type"), nested)
        _command(out, (*at, "options", j), option, 1, option.get("type"))
        _option(out, (*at, "options", j), option)
        if option.get("type") not in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if option.get("required") and optional_before:
                out.add((*at, "options", j), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options")
            optional_before = optional_before or not option.get("required")


def _option(out: _Collector, at: Path, option: Mapping[str, Any]) -> None:
    """An option's choices (at most 25, never with ``autocomplete``) and, for a string
    option, its length bounds: ``min_length`` 0-6,000, ``max_length`` 1-6,000."""
    choices = _items(option.get("choices"))
    out.length((*at, "choices"), choices, CHOICES)
    for k, choice in enumerate(choices):
        _choice(out, (*at, "choices", k), _dict(choice), option.get("type"))
    if option.get("autocomplete") and choices:
        out.add((*at, "autocomplete"), "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES",
                "Autocomplete and choices are mutually exclusive")
    if option.get("type") == STRING:
        out.number((*at, "min_length"), option.get("min_length"), 0, STRING_OPTION_LENGTH)
        out.number((*at, "max_length"), option.get("max_length"), 1, STRING_OPTION_LENGTH)


def _distinct_names(out: _Collector, at: Path, options: list[Mapping[str, Any]]) -> None:
    """Sibling options have distinct names; in each locale, an option's localized name
    differs from the others' default names and from their names in that locale."""
    defaults = [option.get("name") for option in options]
    for j, name in enumerate(defaults):
        if name in defaults[:j]:
            out.add((*at, j, "name"), "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME",
                    f"Option names must be unique: {name}")
    for j, option in enumerate(options):
        for loc, name in _dict(option.get("name_localizations")).items():
            others = [d for k, d in enumerate(defaults) if k != j] + [
                _dict(other.get("name_localizations")).get(loc)
                for k, other in enumerate(options) if k != j]
            if name in others:
                out.add((*at, j, "name_localizations", loc),
                        "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME",
                        f"Option names must be unique in each locale: {name}")


def _size(cmd: Mapping[str, Any]) -> int:
    """Characters counted towards the 4,000 of a command: the longest version of each text."""
    size = _longest(cmd, "name") + _longest(cmd, "description")
    for choice in _items(cmd.get("choices")):
        choice = _dict(choice)
        size += _longest(choice, "name")
        value = choice.get("value")
        size += len(value) if isinstance(value, str) else len(str(value or ""))
    return size + sum(_size(_dict(option)) for option in _items(cmd.get("options")))


def _longest(obj: Mapping[str, Any], key: str) -> int:
    texts = [obj.get(key), *_dict(obj.get(f"{key}_localizations")).values()]
    return max((len(t) for t in texts if isinstance(t, str)), default=0)


# --------------------------------------------------------------------------- scheduled events


def event_errors(body: Mapping[str, Any] | None,
                 current: Mapping[str, Any] | None = None,
                 now: datetime | None = None) -> Errors:
    """A scheduled event create (``current`` None) or edit (``current`` = the stored event).

    A start time the request sends must not be in the past (``now``, default the clock),
    on an edit too, even when it is the event's current start; nor, for an event going on
    (ACTIVE), another than its start."""
    out = _Collector()
    body = _dict(body)
    if current is None:
        for key in ("name", "scheduled_start_time", "entity_type", "privacy_level"):
            if not body.get(key):
                out.required((key,))
    merged = {**(current or {}), **body}
    _typed(out, (), body, EVENT_FIELDS)
    out.choice(("privacy_level",), body.get("privacy_level"), (GUILD_ONLY,))
    out.choice(("entity_type",), body.get("entity_type"), (STAGE_INSTANCE, VOICE, EXTERNAL))
    statuses = (SCHEDULED, ACTIVE, COMPLETED, CANCELED)
    out.choice(("status",), body.get("status"), statuses)
    if out.typed(("entity_metadata",), body.get("entity_metadata"), "object"):
        _typed(out, ("entity_metadata",), _dict(body.get("entity_metadata")),
               {"location": "string"})
    if merged.get("entity_type") == EXTERNAL and merged.get("channel_id") is not None:
        out.add(("channel_id",), "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED",
                "An external event has no channel (channel_id must be null).")
    elif merged.get("entity_type") in (STAGE_INSTANCE, VOICE) and not merged.get("channel_id"):
        out.required(("channel_id",))
    for key in EVENT_NOT_NULL:
        if key in body and body[key] is None:
            out.required((key,))
    out.length(("name",), body.get("name"), EVENT_NAME, 1)
    out.length(("description",), body.get("description"), EVENT_DESCRIPTION)
    metadata = _dict(body.get("entity_metadata"))
    out.length(("entity_metadata", "location"), metadata.get("location"), EVENT_LOCATION, 1)
    if merged.get("entity_type") == EXTERNAL:
        if not _dict(merged.get("entity_metadata")).get("location"):
            out.required(("entity_metadata", "location"))
        if not merged.get("scheduled_end_time"):
            out.required(("scheduled_end_time",))
    start = _time(out, "scheduled_start_time", merged.get("scheduled_start_time"))
    end = _time(out, "scheduled_end_time", merged.get("scheduled_end_time"))
    if (start is not None and "scheduled_start_time" in body
            and start < (now or datetime.now(UTC))):
        out.add(("scheduled_start_time",), "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
                "Cannot schedule event in the past.")
    if (current is not None and current.get("status") == ACTIVE and start is not None
            and "scheduled_start_time" in body
            and start != _moment(current.get("scheduled_start_time"))):
        # Discord: an event going on has begun; its start is history, not to be moved
        out.add(("scheduled_start_time",), "GUILD_SCHEDULED_EVENT_ACTIVE_START_TIME",
                "Cannot change the start time of an active event.")
    if start is not None and end is not None and end <= start:
        out.add(("scheduled_end_time",), "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                "The end time must be after the start time.")
    if current is not None and body.get("status") in statuses:
        status = body["status"]
        if status != current.get("status") and status not in STATUS_CHANGES.get(
                current.get("status"), ()):
            out.add(("status",), "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                    "Invalid status transition.")
    return out.errors


# What an edit may not clear: OpenAPI ExternalScheduledEventPatchRequestPartial types
# these without null (and an event without them could not be shown or begun).
EVENT_NOT_NULL = ("name", "scheduled_start_time", "privacy_level")
EVENT_FIELDS = {"name": "string", "description": "string", "scheduled_start_time": "string",
                "scheduled_end_time": "string", "image": "string"}


def automated_status(event: Mapping[str, Any], now: datetime,
                     start_lag: timedelta = timedelta(0)) -> int:
    """The status Discord itself gives an external event by ``now``: it begins (ACTIVE) at
    its scheduled start, ``start_lag`` late (Discord's own round comes a little after it),
    and ends (COMPLETED) at its scheduled end; one that has not begun hours after its start
    is cancelled (an external one always begins, so never)."""
    status = int(event.get("status") or SCHEDULED)
    if event.get("entity_type") != EXTERNAL or status in FINISHED:
        return status
    start = _moment(event.get("scheduled_start_time"))
    end = _moment(event.get("scheduled_end_time"))
    if status == SCHEDULED and start is not None and start + start_lag <= now:
        status = ACTIVE
    if status == ACTIVE and end is not None and end <= now:
        status = COMPLETED
    return status


def _iso8601(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _moment(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return None if parsed is None else _utc(parsed)


def _utc(parsed: datetime) -> datetime:
    """An ISO 8601 time with its offset, or, without one (a date alone included), in
    UTC, the zone of every time Discord gives: so it is held to the rules (not in the
    past, the end after the start) like any other, never let through unchecked."""
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _time(out: _Collector, key: str, value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        out.add((key,), "DATE_TYPE_PARSE", f"Could not parse {value}. Should be ISO8601.")
        return None
    return _utc(parsed)


def files_too_large(files: Sequence[tuple[str, bytes]], limit: int) -> list[str]:
    """Names of uploaded files over ``limit`` bytes (Discord answers 413, code 40005)."""
    return [name for name, blob in files if len(blob) > limit]
