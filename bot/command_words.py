"""The slash commands in the member's language: names and descriptions of commands,
groups, options and choices, translated by discord.py's `app_commands.Translator` into
each command's `name_localizations` and `description_localizations` when the tree syncs.

They live in their own catalog domain, `commands` (bot/locales/<ll_CC>/LC_MESSAGES/
commands.po): names have Discord's rules (1-32 characters, lower-case, no spaces), so a
name is told apart from a sentence by its context (`msgctxt "name"` or `"choice"`), and a
translated name may differ from the same word in a reply. discord.py wraps every name and
description in `locale_str`, so the ids are collected by walking the tree with a
translator that only records (`python -m bot.command_words`, run by `make messages`,
writes bot/locales/commands.pot).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n import LOCALES_DIR, SHIPPED, SOURCE, commands_named, language

DOMAIN = "commands"
POT = LOCALES_DIR / f"{DOMAIN}.pot"
# Names follow Discord's name rules; choice names are free text of up to 100 characters.
CONTEXTS = {Where.command_name: "name", Where.group_name: "name", Where.parameter_name: "name",
            Where.choice_name: "choice"}


def option_name(locale: object, name: str) -> str:
    """An option's name as a client in `locale` shows it, for a reply that names it."""
    return language(locale).option_name(name)


class CommandTranslator(app_commands.Translator):
    """Each shipped language's catalog; None (Discord shows the source) for the source
    language, for languages the bot does not ship, and where the translation is the
    source text itself (en-GB mostly), which keeps the synced payload small. A description
    naming a command names it as the client lists it ("/管理 发布"), as replies do."""

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        if locale.value == SOURCE or locale.value not in SHIPPED:
            return None
        translations = language(locale.value, DOMAIN).translations
        where = CONTEXTS.get(context.location)
        text = (translations.pgettext(where, string.message) if where
                else translations.gettext(string.message))
        return commands_named(locale.value, text) if text != string.message else None


class _Recorder(app_commands.Translator):
    def __init__(self) -> None:
        self.seen: set[tuple[str | None, str]] = set()

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        self.seen.add((CONTEXTS.get(context.location), string.message))
        return None


async def command_messages(tree: app_commands.CommandTree) -> set[tuple[str | None, str]]:
    """(context, id) of every name and description the tree sends to Discord."""
    recorder = _Recorder()
    for command in tree.get_commands():
        await command.get_translated_payload(tree, recorder)
    return recorder.seen


async def bot_command_messages() -> set[tuple[str | None, str]]:
    """`command_messages` of the bot's tree with every cog loaded, without logging in (a
    throwaway database: loading a cog touches no data)."""
    from bot.app import EXTENSIONS, EventBot
    from bot.config import load_settings
    from bot.storage import open_store

    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings({"DATABASE_PATH": str(Path(folder) / "bot.sqlite3")},
                                 env_file=None)
        store = await open_store(settings.database_path)
        client = EventBot(settings, store)
        try:
            for extension in EXTENSIONS:
                await client.load_extension(extension)
            return await command_messages(client.tree)
        finally:
            await client.close()
            await store.close()


def write_pot(messages: set[tuple[str | None, str]], path: Path = POT) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(project="eventbot", domain=DOMAIN)
    for context, message in messages:
        catalog.add(message, context=context)
    with path.open("wb") as f:
        write_po(f, catalog, sort_output=True, omit_header=False)


async def _main() -> None:
    write_pot(await bot_command_messages())
    print(f"wrote {POT}", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(_main())
