"""The bot's own words in the reader's language: gettext catalogs kept with Babel.

Message ids are the English text (so English needs no catalog and reads exactly as the
source); each other shipped language has `bot/locales/<ll_CC>/LC_MESSAGES/<domain>.po`,
compiled in memory the first time it is used, so there is no build step to forget.
Sentences are whole messages with named fields (`"You're confirmed for {title}."`),
never pieces glued together, because word order differs between languages; counts go
through `ngettext`, whose plural rule comes from the catalog (Chinese has one form).

`make messages` extracts the ids from bot/ and cogs/ (Babel's default keywords: `_`,
`ngettext`, `pgettext`, and the marker `N_`) and updates every catalog;
tests/unit/test_i18n.py fails when an id lacks a translation in a shipped language or a
translation drops a field.

Only the bot's words are translated: page text, names, bios and takeaways are passed in
as fields and shown as imported.
"""

from __future__ import annotations

import functools
import gettext
import io
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).parent / "locales"
# Discord's locale codes of the languages the bot speaks; the first is the source.
SOURCE = "en-US"
SHIPPED = ("en-US", "en-GB", "zh-CN", "zh-TW")
# What ends a sentence, in either script: a text ending with one needs no full stop added.
SENTENCE_ENDS = (".", "!", "?", "。", "！", "？")
# Human names, for choices and settings replies: each in its own language.
NAMES = {"en-US": "English (US)", "en-GB": "English (UK)", "zh-CN": "中文（简体）",
         "zh-TW": "中文（繁體）"}


def shipped(locale: object) -> str:
    """The shipped language for a Discord locale (`discord.Locale` or its code), English
    for any other or none."""
    code = str(getattr(locale, "value", locale) or "")
    return code if code in SHIPPED else SOURCE


def catalog_path(locale: str, domain: str = "messages") -> Path:
    return LOCALES_DIR / locale.replace("-", "_") / "LC_MESSAGES" / f"{domain}.po"


@dataclass(frozen=True, eq=False)
class Language:
    """One language's catalog: `lang._("Hello {name}", name=...)`."""

    code: str
    translations: gettext.NullTranslations

    def _(self, message: str, /, **fields: object) -> str:
        return _fill(self.translated(message), fields)

    def ngettext(self, singular: str, plural: str, n: int, /, **fields: object) -> str:
        return _fill(commands_named(self.code, self.translations.ngettext(singular, plural, n)),
                     fields)

    def pgettext(self, context: str, message: str, /, **fields: object) -> str:
        return _fill(commands_named(self.code, self.translations.pgettext(context, message)),
                     fields)

    def text(self, text: Text, /, escape: Callable[[str], str] | None = None) -> str:
        """A message marked with `N_` where it was written, in this language; fields that
        are themselves `Text` are translated too. With `escape`, each field's value is
        passed through it once filled in (`{typed!r}` quoted first), except `Markup` and
        translated `Text`: the message's own markdown stays, the text it quotes is shown
        as written."""
        fields = {key: self.text(value, escape) if isinstance(value, Text) else
                  self.option_name(value) if isinstance(value, OptionName) else
                  self.translated(", ").join(value) if isinstance(value, Listed) else value
                  for key, value in text.fields.items()}
        message = self.translated(text.message)
        if escape is None or not fields:  # no field: the message is the bot's own words
            return _fill(message, fields)
        kept = {key for key, value in text.fields.items()
                if isinstance(value, (Text, Markup, OptionName))}
        parts = []
        for literal, name, spec, conversion in _FORMATTER.parse(message):
            parts.append(literal)
            if name is not None:
                value = _FORMATTER.get_field(name, (), fields)[0]
                value = (quoted(value) if conversion == "r" and isinstance(value, str)
                         else _FORMATTER.convert_field(value, conversion))
                filled = format(value, spec or "")
                parts.append(filled if name in kept else escape(filled))
        return "".join(parts)

    def ended(self, text: str) -> str:
        """`text` as a whole sentence: the language's full stop after it, unless it ends
        with a stop of its own (text it quotes last, such as a moderator's reason typed
        as a sentence: "closed: The room moved.")."""
        if text.endswith(SENTENCE_ENDS):
            return text
        return text + ("。" if self.code.startswith("zh") else ".")

    def sentences(self, *parts: str) -> str:
        """Whole sentences one after the other: a space between them, none in Chinese, whose
        full stop (。) ends a sentence by itself."""
        return ("" if self.code.startswith("zh") else " ").join(part for part in parts if part)

    def translated(self, message: str) -> str:
        """`message` (an `N_` id) in this language, its fields not filled in."""
        return commands_named(self.code, self.translations.gettext(message))

    def option_name(self, name: str) -> str:
        """A slash command option's name as a client in this language shows it, for a
        sentence that tells the reader what to type."""
        return language(self.code, "commands").translations.pgettext("name", name)

    def __repr__(self) -> str:
        return f"Language({self.code!r})"


def N_(message: str) -> str:
    """The marker for a message id written where no language is known yet (an error's
    reason in a domain module): `make messages` extracts it, and it is translated where
    it is shown, e.g. `UserError(N_("no event {ref} here"), ref=ref)`."""
    return message


class Text:
    """A marked message and its fields, translated where it is shown (`Language.text`);
    `str()` gives the English, for the CLI and the logs."""

    __slots__ = ("fields", "message")

    def __init__(self, message: str, /, **fields: Any) -> None:
        self.message = message
        self.fields = fields

    def __str__(self) -> str:
        return _fill(self.message, {key: str(value) if isinstance(value, Text) else
                                    ", ".join(value) if isinstance(value, Listed) else value
                                    for key, value in self.fields.items()})

    def __repr__(self) -> str:
        return f"Text({self.message!r}, **{self.fields!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Text) and (self.message, self.fields)
                == (other.message, other.fields))

    __hash__ = None  # type: ignore[assignment]  # fields may be unhashable


class OptionName(str):
    """A field naming a slash command option (`undo` of /manage archive): `Language.text`
    shows it as the reader's client does."""

    __slots__ = ()


class Listed(tuple[str, ...]):
    """A field listing several names: `Language.text` joins them with the reader's
    separator (", " in English, "、" in Chinese)."""

    __slots__ = ()


class Markup(str):
    """A field's value already written in Discord's markdown (a mention, a name made bold
    and escaped by the caller): `Language.text` keeps it as it is."""

    __slots__ = ()


_FORMATTER = string.Formatter()
# The C0 and C1 control characters: escape sequences, the bell, tabs and line breaks.
CONTROL_CODES = (*range(0x20), *range(0x7F, 0xA0))
# Control characters in a quoted value: shown as Python writes them ("\\n"), on one line.
_CONTROL_NAMES = {code: repr(chr(code))[1:-1] for code in CONTROL_CODES}


def quoted(text: str) -> str:
    """What a member typed, quoted in a reply (`{typed!r}`) as Python's repr quotes it, but
    for its backslashes: repr doubles each one, and the reader would see them twice."""
    quote = '"' if "'" in text and '"' not in text else "'"
    return f"{quote}{text.translate(_CONTROL_NAMES)}{quote}"
# A slash command the bot's own words name: "/manage archive", "/event list".
_COMMAND = re.compile(r"(?<![\w/])/(event|rsvp|manage)(?![\w-])(?: ([a-z][a-z-]*)(?![\w-]))?")


@functools.lru_cache(maxsize=4096)
def commands_named(code: str, template: str) -> str:
    """A translated message with the commands it names as a client in `code` shows them
    ("/管理 归档"): a Chinese client lists the localized names, not the English ones."""
    if code == SOURCE or "/" not in template:
        return template
    names = language(code, "commands").translations

    def named(command: re.Match[str]) -> str:
        return "/" + " ".join(names.pgettext("name", word) for word in command.groups() if word)

    return _COMMAND.sub(named, template)


def _fill(text: str, fields: dict[str, object]) -> str:
    # Only the template is parsed: braces inside a field's value (a page's text) are kept.
    return text.format(**fields) if fields else text


def language(locale: object = SOURCE, domain: str = "messages") -> Language:
    """The catalog for a Discord locale (see `shipped`), loaded once. `domain`: "messages",
    what the bot says, or "commands", the slash commands' names and descriptions as the
    member's client shows them (bot/command_words.py).

    Kept by the shipped language, not by the locale as given: a payload's locale may be
    any value (one Discord does not list, or a list, which cannot be a key), and each
    different one would otherwise be kept for good."""
    return _language(shipped(locale), domain)


@functools.cache
def _language(code: str, domain: str) -> Language:
    if code == SOURCE:
        return Language(code, gettext.NullTranslations())
    return Language(code, compile_catalog(catalog_path(code, domain), code))


def compile_catalog(po: Path, locale: str) -> gettext.GNUTranslations:
    """A .po file as gettext translations, compiled in memory (fuzzy entries are left
    out, as msgfmt does; the plural rule is the language's)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f, locale=locale.replace("-", "_"))
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)
