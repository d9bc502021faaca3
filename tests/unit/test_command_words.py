"""The slash commands in every shipped language: each name and description translated,
every localised name within Discord's rules and unique among its siblings, and the sync
hash following the translations."""

from __future__ import annotations

import discord
import pytest
import regex
from babel.messages.pofile import read_po

from bot import command_words
from bot.app import EventBot, command_hash
from bot.command_words import CommandTranslator, bot_command_messages
from bot.config import load_settings
from bot.i18n import SHIPPED, SOURCE, catalog_path
from bot.storage import open_store

TRANSLATED = [code for code in SHIPPED if code != SOURCE]
# Discord's rule for command, group and option names as GUIDE §6 gives it, without the
# apostrophe Discord's documentation now allows (choice names are free text).
NAME = regex.compile(r"^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$")
DESCRIPTION, CHOICE_NAME = 100, 100


@pytest.fixture
async def bot(tmp_path):
    settings = load_settings({"DATABASE_PATH": str(tmp_path / "bot.sqlite3")}, env_file=None)
    store = await open_store(settings.database_path)
    client = EventBot(settings, store)
    await client.load_commands()
    yield client
    await client.close()
    await store.close()


async def payloads(bot) -> list[dict]:
    tree = bot.tree
    return [await c.get_translated_payload(tree, tree.translator) for c in tree.get_commands()]


def shown(item: dict, key: str, code: str) -> str:
    """What a member whose client speaks `code` reads: the localisation, else the source."""
    return (item.get(f"{key}_localizations") or {}).get(code, item[key])


def walk(items: list[dict]):
    """Every command, group and option, with its siblings."""
    for item in items:
        yield item, items
        yield from walk(item.get("options") or [])


async def test_the_catalogs_know_the_tree_and_nothing_else():
    said = await bot_command_messages()
    assert {("name", "join"), ("name", "event"), (None, "Number of seats")} <= said
    for code in TRANSLATED:
        with catalog_path(code, "commands").open("rb") as f:
            catalog = read_po(f, locale=code.replace("-", "_"))
        held = {(m.context, m.id) for m in catalog if m.id}
        assert held == said, f"run `make messages` ({code}): {held ^ said}"
        untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
        assert not untranslated, f"untranslated in {code}: {untranslated}"


@pytest.mark.parametrize("code", TRANSLATED)
async def test_every_localised_name_obeys_discords_rules_and_is_unique(bot, code):
    wrong, clashes = [], []
    for item, siblings in walk(await payloads(bot)):
        name = shown(item, "name", code)
        if not NAME.match(name) or name.lower() != name:
            wrong.append(name)
        if not 1 <= len(shown(item, "description", code)) <= DESCRIPTION:
            wrong.append(shown(item, "description", code))
        for choice in item.get("choices") or []:
            if not 1 <= len(shown(choice, "name", code)) <= CHOICE_NAME:
                wrong.append(shown(choice, "name", code))
        if [shown(s, "name", code) for s in siblings].count(name) > 1:
            clashes.append(name)
    assert not wrong, f"{code}: {wrong}"
    assert not clashes, f"{code}: names shared by siblings: {clashes}"


@pytest.mark.parametrize("code", ["zh-CN", "zh-TW"])
async def test_chinese_clients_see_every_command_in_chinese(bot, code):
    han = regex.compile(r"\p{Han}")
    missing = [item["name"] for item, _ in walk(await payloads(bot))
               if not han.search(shown(item, "name", code))
               or not han.search(shown(item, "description", code))]
    assert not missing, missing
    rsvp = next(c for c in await payloads(bot) if c["name"] == "rsvp")
    assert rsvp["name_localizations"][code] in ("报名", "報名")


async def test_english_clients_read_the_source_and_other_languages_nothing_extra(bot):
    for item, _ in walk(await payloads(bot)):
        for key in ("name_localizations", "description_localizations"):
            assert set(item.get(key) or {}) <= {"zh-CN", "zh-TW", "en-GB"}
            assert "en-US" not in (item.get(key) or {})


async def test_the_sync_hash_follows_the_translations(bot, monkeypatch):
    before = await command_hash(bot.tree)
    assert await command_hash(bot.tree) == before  # nothing changed: no sync

    class Changed(CommandTranslator):
        async def translate(self, string, locale, context):
            text = await super().translate(string, locale, context)
            return "报到" if text == "报名" else text
    await bot.tree.set_translator(Changed())
    assert await command_hash(bot.tree) != before  # one name changed: synced again
    await bot.tree.set_translator(CommandTranslator())
    assert await command_hash(bot.tree) == before


async def test_the_translator_leaves_unshipped_and_source_languages_alone():
    translator = CommandTranslator()
    context = discord.app_commands.TranslationContext(
        location=discord.app_commands.TranslationContextLocation.command_name, data=None)
    join = discord.app_commands.locale_str("join")
    assert await translator.translate(join, discord.Locale.chinese, context) == "加入"
    assert await translator.translate(join, discord.Locale.american_english, context) is None
    assert await translator.translate(join, discord.Locale.french, context) is None
    assert await translator.translate(join, discord.Locale.british_english, context) is None
    assert command_words.DOMAIN == "commands"
