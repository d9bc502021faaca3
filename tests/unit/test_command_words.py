"""The slash commands in every shipped language: each name and description translated,
every localised name within Discord's rules and unique among its siblings, and the sync
hash following the translations."""

from __future__ import annotations

import re

import discord
import pytest
import regex
from babel.messages.pofile import read_po

from bot import command_words
from bot.app import EventBot, command_hash
from bot.command_words import CommandTranslator, bot_command_messages
from bot.config import load_settings
from bot.i18n import LOCALES_DIR, SHIPPED, SOURCE, catalog_path, commands_named
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


# A slash command a sentence names ("/manage edit", "/管理 编辑"): a slash after no letter,
# digit, slash, colon or dot (not a path, a date or an address), then the names, each up to
# a space, a quote, a bracket or punctuation.
_WORD = r"[^/\s`'\"“”‘’「」『』，。；：、（）()\[\]!?！？,.;:*~|<>]+"
MENTION = re.compile(rf"(?<![\w/:.])/({_WORD}(?: {_WORD})*)")


def runnable(payloads: list[dict], code: str) -> dict[str, dict]:
    """The slash commands as a client in `code` lists them: each name, its sub-commands and
    groups by their shown names (an empty dict: the command runs by that name)."""
    def level(items: list[dict]) -> dict[str, dict]:
        return {shown(item, "name", code): level(
            [o for o in item.get("options") or [] if o.get("type") in (1, 2)])
            for item in items}
    return level([p for p in payloads if p.get("type", 1) == 1])


def named_commands(text: str, commands: dict[str, dict]) -> list[str]:
    """Each command `text` names, as the names it gives ("/manage edit"), or, where those
    are not a command the client lists, a "?" and what it gives ("?/manage eddit")."""
    found = []
    for mention in MENTION.finditer(text):
        words, names, level = mention[1].split(" "), [], commands
        for word in words:
            if not level:  # a runnable command's name ends here; the sentence goes on
                break
            if word not in level:
                names.append(word)
                level = {"?": {}}  # no such command
                break
            names.append(word)
            level = level[word]
        found.append(("" if not level else "?") + "/" + " ".join(names))
    return found


def catalog_texts(code: str) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(domain, ids, translations) of each sentence in `code`'s catalogs (the source's:
    the templates' ids), names of commands and options left out: they are no sentences."""
    texts = []
    for domain in ("messages", "commands"):
        path = (LOCALES_DIR / f"{domain}.pot" if code == SOURCE
                else catalog_path(code, domain))
        with path.open("rb") as f:
            catalog = read_po(f, locale=None if code == SOURCE else code.replace("-", "_"))
        for message in catalog:
            if not message.id or message.context == "name":
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            texts.append((domain, ids, ids if code == SOURCE else strings))
    return texts


@pytest.mark.parametrize("code", SHIPPED)
async def test_every_command_a_sentence_names_is_one_the_readers_client_lists(bot, code):
    """A reply or description naming a command ("run /manage edit again") names it as the
    reader's client lists it ("/管理 编辑"), whether the translation gives the English name
    (which the bot shows localized) or the localized one; and names the commands its
    English names, no other: a misspelt or stale name, in any catalog, fails here."""
    items = await payloads(bot)
    source, commands = runnable(items, SOURCE), runnable(items, code)
    localized = dict(zip(named_paths(source), named_paths(commands), strict=True))
    wrong, seen = [], set()
    for domain, ids, strings in catalog_texts(code):
        said = [named_commands(text, source) for text in ids]
        for text in strings:
            shown_text = commands_named(code, text)
            names = named_commands(shown_text, commands)
            seen.update(names)
            expected = [[localized.get(name, name) for name in each] for each in said]
            if any(name.startswith("?") for name in names) or sorted(names) not in [
                    sorted(each) for each in expected]:
                wrong.append((domain, ids[0], shown_text, names, expected[-1]))
    assert wrong == [], "\n".join(map(str, wrong))
    # the check saw the commands the replies name most (it passes vacuously on none)
    assert {localized["/manage edit"], localized["/event list"], localized["/rsvp cancel"],
            localized["/manage announce"]} <= seen, seen


def named_paths(commands: dict[str, dict], prefix: str = "/") -> list[str]:
    """Every command path of the tree, in the tree's order ("/manage edit")."""
    paths = []
    for name, subs in commands.items():
        paths += named_paths(subs, f"{prefix}{name} ") if subs else [f"{prefix}{name}"]
    return paths
