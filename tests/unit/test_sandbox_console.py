"""The sandbox console without a bot: reading typed lines, rendering what the bot sends."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from bot import render
from bot.config import load_settings
from bot.i18n import language
from sandbox import Attachment, FakeDiscord
from sandbox.console import world
from sandbox.console.app import SandboxError, heartbeat_interval
from sandbox.console.commands import Console
from sandbox.console.parsing import LineError, SlashLine, parse_slash
from sandbox.console.render import (
    Style,
    format_timestamp,
    relative_time,
    render_message,
    render_text,
)
from sandbox.console.terminal import pipe_reader, terminal_reader
from tests.conftest import ROOT
from tests.unit.test_render import event

DEC_1_17H_UTC = int(datetime(2026, 12, 1, 17, 0, tzinfo=UTC).timestamp())

EN = language("en-US")


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(("line", "words", "options"), [
    ("/event info", ("event", "info"), {}),
    ("  /Event  Info  ", ("event", "info"), {}),
    ("/rsvp join event:3", ("rsvp", "join"), {"event": "3"}),
    ('/manage import page:path/to/page.txt title:"Spring Forum" capacity:40',
     ("manage", "import"), {"page": "path/to/page.txt", "title": "Spring Forum",
                            "capacity": "40"}),
    ("/manage import page:a.txt title:'Said \"hi\"'", ("manage", "import"),
     {"page": "a.txt", "title": 'Said "hi"'}),
    ("/manage close reason:the room moved event:Spring Forum", ("manage", "close"),
     {"reason": "the room moved", "event": "Spring Forum"}),
    ("/manage import page:p.txt starts_at:2026-12-01T18:00+01:00", ("manage", "import"),
     {"page": "p.txt", "starts_at": "2026-12-01T18:00+01:00"}),
    ("/manage import page:C:\\pages\\a.txt", ("manage", "import"), {"page": "C:\\pages\\a.txt"}),
    ('/manage close reason:""', ("manage", "close"), {"reason": ""}),
])
def test_parse_slash(line, words, options):
    assert parse_slash(line) == SlashLine(words, options)


def test_with_the_commands_option_names_other_words_with_a_colon_stay_in_the_value():
    line = "/manage close event:Spring reason:the room: moved"
    assert parse_slash(line).options == {"event": "Spring", "reason": "the", "room": "moved"}
    assert parse_slash(line, ["event", "reason"]).options == {
        "event": "Spring", "reason": "the room: moved"}


@pytest.mark.parametrize("line", ["/event ask question:who speaks evnt:2",
                                  "/manage close event:Spring reasn:the room moved",
                                  "/manage close reason:moved Event:Spring resaon:x"])
def test_a_mistyped_option_name_is_refused_not_read_into_the_value_before_it(line):
    with pytest.raises(LineError, match=r"^(evnt|reasn|resaon): is not an option here; did "
                                        r"you mean (event|reason):\?"):
        parse_slash(line, ["question", "event", "reason"])
    quoted = '/event ask question:"who speaks evnt:2" event:3'
    assert parse_slash(quoted, ["question", "event"]).options == {
        "question": "who speaks evnt:2", "event": "3"}


@pytest.mark.parametrize(("line", "value"), [
    ("/manage close reason:For two reasons: the room is shut", "For two reasons: the room is shut"),
    ("/manage close reason:Upcoming events: moved", "Upcoming events: moved"),
    ("/manage close reason:see events:", "see events:"),
])
def test_prose_with_a_colon_after_a_word_like_an_option_name_stays_in_the_value(line, value):
    assert parse_slash(line, ["event", "reason"]).options == {"reason": value}


@pytest.mark.parametrize(("line", "message"), [
    ("event info", "starts with /"),
    ("/", "type a command after the /"),
    ("/ event:3", "type a command after the /"),
    ('/manage import title:"Spring Forum', 'the " is never closed'),
    ('/manage import title:"Spring"Forum', "put a space after the closing"),
    ("/rsvp join event:", "event: nothing follows the colon"),
    ("/rsvp join event:3 event:4", "event is given twice"),
])
def test_bad_lines_are_one_friendly_sentence(line, message):
    with pytest.raises(LineError, match=message) as caught:
        parse_slash(line)
    assert "\n" not in str(caught.value)


# --------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize(("style", "shown"), [
    ("F", "Tuesday, December 1, 2026 5:00 PM"),
    ("f", "December 1, 2026 5:00 PM"),
    ("D", "December 1, 2026"),
    ("d", "12/01/2026"),
    ("t", "5:00 PM"),
    ("T", "5:00:00 PM"),
])
def test_discord_timestamps_read_as_dates(style, shown):
    assert format_timestamp(DEC_1_17H_UTC, style, tz=UTC) == shown


def test_timestamps_are_shown_in_the_readers_timezone():
    tokyo = timezone(timedelta(hours=9))
    assert format_timestamp(DEC_1_17H_UTC, "F", tz=tokyo) == "Wednesday, December 2, 2026 2:00 AM"
    assert format_timestamp(DEC_1_17H_UTC - 17 * 3600, "t", tz=UTC) == "12:00 AM"
    assert format_timestamp(DEC_1_17H_UTC - 5 * 3600, "t", tz=UTC) == "12:00 PM"


@pytest.mark.parametrize(("seconds", "shown"), [
    (3 * 86400, "in 3 days"), (-2 * 3600, "2 hours ago"), (10, "in a few seconds"),
    (-60, "a minute ago"), (20 * 60, "in 20 minutes"), (30 * 3600, "in a day"),
    (60 * 86400, "in 2 months"), (-400 * 86400, "a year ago"), (3 * 365 * 86400, "in 3 years"),
])
def test_relative_time(seconds, shown):
    assert relative_time(seconds) == shown


def test_render_text_unescapes_markdown_and_renders_timestamps_and_mentions():
    style = Style(tz=UTC, now=DEC_1_17H_UTC - 3 * 86400,
                  channel_name={5: "announcements"}.get, user_name={6: "you"}.get)
    text = (rf"**Tiny \*Talk\*** <t:{DEC_1_17H_UTC}:F> (<t:{DEC_1_17H_UTC}:R>) in <#5> "
            r"for <@6>, starts\_at \\ <t:99999999999999:F>")
    assert render_text(text, style) == (
        "Tiny *Talk* Tuesday, December 1, 2026 5:00 PM (in 3 days) in #announcements for "
        "@you, starts_at \\ <t:99999999999999:F>")
    bold = Style(bold=("<b>", "</b>"))
    assert render_text("You're confirmed for **Spring Forum**.", bold) == (
        "You're confirmed for <b>Spring Forum</b>.")
    assert render_text("an **unclosed bold", bold) == "an <b>unclosed bold</b>"


def test_chinese_text_wraps_at_the_terminals_width_counting_wide_characters_twice():
    from sandbox.console.render import cells

    text = "报名人数已达到场地容量，报名现已截止。" * 6 + " https://example.com/" + "a" * 60
    lines = render_message({"content": text, "embeds": [], "components": []}, [],
                           Style(tz=UTC, width=40))
    assert len(lines) > 5 and all(cells(line) <= 40 for line in lines[:-1]), lines
    assert lines[-1] == "https://example.com/" + "a" * 60  # a word is never broken
    assert "".join(lines[:-1]) == "报名人数已达到场地容量，报名现已截止。" * 6


def test_render_message_shows_embeds_fields_footer_files_and_numbered_buttons():
    embed = render.event_embed(EN, event(title="Missile *Defense*")).to_dict()
    csv = "user_id,name,status\n" + "".join(f"{i},m{i},confirmed\n" for i in range(10))
    message = {"content": "1 confirmed for **Missile Defense**.", "embeds": [embed],
               "components": [{"type": 1, "components": [
                   {"type": 2, "label": "Join", "custom_id": "j"},
                   {"type": 2, "label": "Cancel my RSVP", "custom_id": "c", "disabled": True}]}]}
    lines = render_message(message, [("talk.csv", csv.encode())], Style(tz=UTC))
    text = "\n".join(lines)
    assert lines[0] == "1 confirmed for Missile Defense."
    assert "│ Missile *Defense*" in lines
    assert "│ When: Tuesday, December 1, 2037 5:00 PM (" in text
    assert "│ Registration: Open: 48 of 60 seats left" in lines
    assert "│ Notes: In Chinese, with simultaneous English translation" in lines
    assert "│   Off the record" in lines  # the field's second line, under its name
    assert "│ — Event 7" in lines
    assert f"📎 talk.csv ({len(csv)} bytes)" in lines
    assert "   user_id,name,status" in lines
    assert "   … 5 more lines (show 1 prints them all)" in lines
    assert lines[-1] == "[1 Join] [2 Cancel my RSVP (disabled)]"
    takeaways = "Key takeaways: Talk\n\nTrade\nBoth sides spoke.\n" + "more\n" * 9
    shown = render_message({"content": ""}, [("talk-takeaways.txt", takeaways.encode())],
                           Style(tz=UTC))
    assert shown[-8:] == [f"📎 talk-takeaways.txt ({len(takeaways)} bytes)",
                          "   Key takeaways: Talk", "   ", "   Trade", "   Both sides spoke.",
                          "   more", "   more",
                          "   … 7 more lines (show 1 prints them all)"]
    assert all(len(line) <= 100 for line in lines)


def test_a_messages_files_buttons_and_menus_are_shown_with_their_controls_marked():
    """Besides a message's text, its files' names and first rows (a member's name in the
    attendees CSV), its buttons' labels and its menu's options reach the terminal: their
    escape sequences marked, the console's own bold kept."""
    evil = "Eve\x1b]52;c;eA==\x07\u202e"
    message = {"content": f"**{evil}**", "components": [
        {"type": 1, "components": [{"type": 2, "label": evil, "custom_id": "j"}]},
        {"type": 1, "components": [{"type": 3, "custom_id": "m", "placeholder": evil,
                                    "options": [{"label": evil, "value": "1"}]}]}]}
    csv = f"user_id,name\r\n1,{evil}\r\n".encode()
    lines = render_message(message, [(f"{evil}.csv", csv)],
                           Style(bold=("\x1b[1m", "\x1b[22m")))
    marked = "Eve\ufffd]52;c;eA==\ufffd\ufffd"
    assert lines == [f"\x1b[1m{marked}\x1b[22m", f"📎 {marked}.csv ({len(csv)} bytes)",
                     "   user_id,name", f"   1,{marked}", f"[1 {marked}]",
                     f"▾ {marked}: (1 {marked})"]


async def test_show_prints_a_files_rows_with_their_controls_marked(console, capsys):
    console.files = [("a.csv", "user_id,name\n1,Eve\x1b[2J\u2066x\n".encode())]
    await console.handle("show")
    assert capsys.readouterr().out.splitlines()[1:] == [
        "   user_id,name", "   1,Eve\ufffd[2J\ufffdx"]


# --------------------------------------------------------------------------- the console


SCHEMA = [
    {"name": "rsvp", "type": 1, "options": [
        {"name": "join", "type": 1, "options": [
            {"name": "event", "type": 3, "autocomplete": True}]}]},
    {"name": "manage", "type": 1, "default_member_permissions": str(1 << 33), "options": [
        {"name": "capacity", "type": 1, "options": [
            {"name": "seats", "type": 4, "required": True, "min_value": 1, "max_value": 500},
            {"name": "event", "type": 3, "autocomplete": True}]},
        {"name": "import", "type": 1, "options": [
            {"name": "page", "type": 11, "required": True}]},
        {"name": "announce", "type": 1, "options": [{"name": "channel", "type": 7}]},
        {"name": "role", "type": 1, "options": [{"name": "role", "type": 8}]},
        {"name": "scheduled-events", "type": 1, "options": [
            {"name": "state", "type": 3, "required": True, "choices": [
                {"name": "on", "value": "on"}, {"name": "off", "value": "off"}]}]}]},
]


class StubDiscord(FakeDiscord):
    """The local server's world, not started: slash commands are recorded, not sent."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = []

    def commands(self, guild=None):
        return [] if guild else SCHEMA

    async def slash(self, guild, member, name, options):
        self.calls.append((name, options))
        raise LookupError("stop here\nsecond line")


@pytest.fixture
def console():
    fake = StubDiscord()
    guild = world.new_world(fake)
    return Console(fake, guild, world.people(fake, guild), SimpleNamespace(running=True))


@pytest.mark.parametrize(("line", "message"), [
    ("/nonsense", "unknown command /nonsense; the bot has /manage, /rsvp"),
    ("/manage", "/manage needs one of: announce, capacity, import"),
    ("/manage delete", "/manage has no 'delete'; it has: announce, capacity, import"),
    ("/rsvp join 3", r"/rsvp join takes options as name:value \(event:\)"),
    ("/rsvp join evnt:3", r"/rsvp join has no option evnt: \(it has event:\)"),
    ("/manage capacity event:3", "/manage capacity needs seats:<whole number>"),
    ("/manage capacity seats:many", "seats: 'many' is not a whole number"),
    ("/manage capacity seats:0", "seats must be between 1 and 500"),
    ("/manage announce channel:#nowhere", "no channel '#nowhere' here"),
    ("/manage import page:/no/such/page.txt", "cannot read /no/such/page.txt"),
    ("frobnicate", "unknown command 'frobnicate': type help"),
    ("as", "as whom?"),
    ("as alice bob", "as whom?"),
    ("as Al!ce", "'al!ce' can't be a name here: 2 to 32 letters"),
    ("as everyone", "'everyone' can't be a name here"),  # Discord keeps these names
    ("as here", "'here' can't be a name here"),
    ("as discord.fan", "'discord.fan' can't be a name here"),
    ("as a..b", "'a..b' can't be a name here"),
    ("as eventbot", "'eventbot' is taken"),
    ("as you --moderator", "you is already here without Manage Events"),
    ("show 1", "no message with a file shown yet"),
    ("/manage role role:you", r"role: no role 'you' in this server \(\?role lists them\)"),
    ("/manage role role:Nobody", "role: no role 'Nobody'"),
    ("click 1", "no message with buttons shown yet"),
    ("locale klingon", "'klingon' is not a Discord locale; e.g. en-US, en-GB, zh-CN or zh-TW"),
    ("locale zh", "'zh' is not a Discord locale"),
    ("?speaker", "no command offers choices for speaker"),
    ("/rsvp join event:3", "^stop here$"),  # the local server's own errors: first line only
    ("/rsvp join event:3 evnt:4", "^evnt: is not an option here; did you mean event:"),
])
async def test_a_bad_line_is_one_friendly_line(console, line, message):
    with pytest.raises(LineError, match=message) as caught:
        await console.handle(line)
    assert "\n" not in str(caught.value)


async def test_options_are_typed_by_the_commands_schema(console, tmp_path):
    page = tmp_path / "spring.txt"
    page.write_text("A talk.\n")
    for line in ("/manage capacity seats:40 event:Spring Forum", f"/manage import page:{page}",
                 "/manage announce channel:#announcements"):
        with pytest.raises(LineError):
            await console.handle(line)
    (_, capacity), (_, imported), (_, announce) = console.fake.calls
    assert capacity == {"seats": 40, "event": "Spring Forum"}
    assert imported == {"page": Attachment("spring.txt", b"A talk.\n", "text/plain")}
    assert announce["channel"].name == "announcements"


async def test_a_client_in_chinese_types_the_localized_names_as_discord_takes_them(console,
                                                                                 capsys):
    """The bot names commands and options as a Chinese client shows them; typed so, they
    work, as they do in Discord, and so do the registered names."""
    def named(name: str, zh: str, **rest):
        return {"name": name, "name_localizations": {"zh-CN": zh}, **rest}

    schema = [named("manage", "管理", type=1, options=[named("capacity", "名额", type=1, options=[
        named("seats", "座位数", type=4, required=True, min_value=1, max_value=500),
        named("event", "活动", type=3)])])]
    console.fake.commands = lambda guild=None: [] if guild else schema
    await console.handle("locale zh-CN")
    for line, sent in (("/管理 名额 座位数:40 活动:春季论坛", {"seats": 40, "event": "春季论坛"}),
                       ("/manage capacity seats:3", {"seats": 3}),
                       ("/管理 capacity 座位数:5 event:7", {"seats": 5, "event": "7"})):
        with pytest.raises(LineError, match="stop here"):
            await console.handle(line)
        assert console.fake.calls[-1] == ("manage capacity", sent)
    # what is refused is named as that client shows it
    for line, said in (("/管理", "/管理 needs one of: 名额"),
                       ("/管理 删除", "/管理 has no '删除'; it has: 名额"),
                       ("/管理 名额 40",
                        r"/管理 名额 takes options as name:value \(座位数: 活动:\)"),
                       ("/管理 名额", "/管理 名额 needs 座位数:<whole number>"),
                       ("/管理 名额 座位数:0", "座位数 must be between 1 and 500"),
                       ("/manage capacity x:1", r"/管理 名额 has no option x: \(it has 座位数:, "
                                                r"活动:\)")):
        with pytest.raises(LineError, match=f"^{said}"):
            await console.handle(line)
    console.help()
    assert "/管理 名额 座位数:<whole number> [活动:]" in capsys.readouterr().out
    await console.handle("locale en-US")  # another client shows, and takes, English only
    with pytest.raises(LineError, match="unknown command /管理"):
        await console.handle("/管理 名额 座位数:40")
    with pytest.raises(LineError, match=r"^/manage has no 'delete'; it has: capacity"):
        await console.handle("/manage delete")


async def test_values_discord_s_client_would_not_send_are_refused_in_one_line(console,
                                                                              tmp_path):
    schema = [{"name": "manage", "type": 1, "options": [
        {"name": "close", "type": 1, "options": [
            {"name": "reason", "type": 3, "min_length": 1, "max_length": 10}]},
        {"name": "import", "type": 1, "options": [{"name": "page", "type": 11}]}]}]
    console.fake.commands = lambda guild=None: [] if guild else schema
    console.fake.attachment_size_limit = 1_000
    (tmp_path / "big.txt").write_bytes(b"x" * 1_001)
    for line, said in (("/manage close reason:" + "x" * 11, "reason: 1 to 10 characters "
                        r"\(you typed 11\)"),
                       ('/manage close reason:""', r"reason: 1 to 10 characters \(you typed 0\)"),
                       (f"/manage import page:{tmp_path / 'big.txt'}",
                        r"page: big.txt is larger than Discord uploads \(1,000 bytes at most\)"),
                       ("/manage import page:/dev/zero", "page: zero is larger than Discord")):
        with pytest.raises(LineError, match=said):
            await console.handle(line)
    assert console.fake.calls == []  # nothing reached the bot


async def test_a_refusal_quoting_a_huge_line_shows_a_line_of_it(console, capsys):
    lines = iter(["x" * 100_000, "/" + "y" * 100_000, None])

    async def read(prompt: str) -> str | None:
        return next(lines)

    console.interactive = True  # no transcript of the typed lines
    assert await console.run(read) == 0
    said = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ! ")]
    assert len(said) == 2 and all(len(line) <= 4 + 300 and line.endswith("…") for line in said)


def test_tab_offers_the_options_not_given_yet_and_every_console_word(console):
    from sandbox.console.terminal import candidates

    def complete(line: str) -> list[str]:
        return candidates(console, line, line.split(" ")[-1], {}, lambda *_: [])

    assert complete("/manage capacity ") == ["seats:", "event:"]
    assert complete("/manage capacity event:3 ") == ["seats:"]  # not event: again
    assert complete("/manage capacity seats:4 event:3 ") == []
    assert complete("lo") == ["locale ", "log"]
    assert complete("su") == ["submit "]


def test_tab_offers_an_options_fixed_choices_as_discords_menu_does(console):
    """An option with fixed choices (Discord's client lists them itself, asking the bot
    nothing): Tab offered nothing, so its values had to be guessed."""
    from sandbox.console.terminal import candidates

    def complete(line: str) -> list[str]:
        def ask(*_: str) -> list[dict[str, str]]:
            raise AssertionError("fixed choices are not the bot's to give")
        return candidates(console, line, line.split(" ")[-1], {}, ask)

    assert complete("/manage scheduled-events state:") == ["state:on ", "state:off "]
    assert complete("/manage scheduled-events state:of") == ["state:off "]
    assert complete("/manage scheduled-events state:maybe") == []


def test_tab_completes_a_value_begun_with_its_quote_as_discord_would_the_text(console):
    """The help says to quote a value with spaces (event:"Spring Forum"): Tab after the
    opening quote asks the bot for what follows it, not for a quote, as Discord's
    client sends no quote."""
    from sandbox.console.terminal import candidates

    asked = []

    def ask(command: str, option: str, typed: str) -> list[dict[str, str]]:
        asked.append(typed)
        return [{"name": "Spring Forum", "value": "7"}] if typed == "Spr" else []

    line = '/rsvp join event:"Spr'
    assert candidates(console, line, line.split(" ")[-1], {}, ask) == ["event:7 "]
    assert asked == ["Spr"]
    line = "/manage role role:'Att"
    assert candidates(console, line, line.split(" ")[-1], {}, ask) == ["role:Attendee "]


def test_tab_offers_commands_and_options_as_the_typers_client_names_them(console,
                                                                        monkeypatch):
    """In a zh-CN client the help lists `/管理 名额 座位数:` and the console takes it, but
    Tab offered only the registered names, and nothing at all after a localized word
    (`/管理 ` offered no sub-command, `/管理 名额 ` no option)."""
    from sandbox.console.terminal import candidates

    zh = {"manage": "管理", "capacity": "名额", "seats": "座位数", "event": "活动",
          "scheduled-events": "服务器活动", "state": "状态"}

    def localized(node):
        node = {**node, "options": [localized(o) for o in node.get("options", [])]}
        if node["name"] in zh:
            node["name_localizations"] = {"zh-CN": zh[node["name"]]}
        return node

    schema = [localized(command) for command in SCHEMA]
    monkeypatch.setattr(console.fake, "commands", lambda guild=None: [] if guild else schema)
    console.member.user.locale = "zh-CN"
    asked = []

    def complete(line: str) -> list[str]:
        def ask(command: str, option: str, typed: str) -> list[dict[str, str]]:
            asked.append((command, option, typed))
            return [{"name": "Spring Forum", "value": "7"}]
        return candidates(console, line, line.split(" ")[-1], {}, ask)

    assert complete("/管") == ["/管理 "]
    assert complete("/man") == ["/管理 "]  # the registered name finds it too
    assert complete("/管理 名") == ["名额 "]
    assert complete("/管理 名额 ") == ["座位数:", "活动:"]
    assert complete("/管理 名额 活动:3 ") == ["座位数:"]
    assert complete("/管理 名额 活动:Spr") == ["活动:7 "]
    assert asked == [("manage capacity", "event", "Spr")]
    assert complete("/管理 服务器活动 状态:of") == ["状态:off "]


async def test_as_switches_who_types(console, capsys):
    assert console.prompt == "you> "
    assert await console.handle("as moderator")
    assert console.prompt == "moderator> "
    await console.handle("as member")
    assert console.prompt == "you> "
    assert not await console.handle("quit")


async def test_locale_shows_and_switches_the_typing_members_language(console, capsys):
    await console.handle("locale")
    assert capsys.readouterr().out == "  you's Discord is in en-US\n"
    await console.handle("locale zh-cn")
    assert console.member.user.locale == "zh-CN"
    await console.handle("as moderator")
    await console.handle("locale")
    await console.handle("as member")
    await console.handle("locale")
    out = capsys.readouterr().out
    assert "you's Discord is in zh-CN" in out and "moderator's Discord is in en-US" in out
    with pytest.raises(LineError):
        await console.handle("locale xx-YY")
    assert console.member.user.locale == "zh-CN"  # a bad value changes nothing


async def test_as_a_new_name_joins_the_server_once(console, capsys):
    before = set(console.guild.members)
    await console.handle("as Alice")
    alice = console.member
    assert console.prompt == "alice> " and alice.name == "alice"
    assert set(console.guild.members) - before == {alice.id}
    assert not world.is_manager(alice)
    await console.handle("as member")
    await console.handle("as alice")
    assert console.member is alice and len(console.guild.members) == len(before) + 1
    await console.handle("as dana --moderator")
    assert world.is_manager(console.member)
    out = capsys.readouterr().out
    assert "alice joined the server and now types (a member)" in out
    assert "  alice now types (a member)" in out
    assert "dana joined the server and now types (with Manage Events and Manage Roles)" in out
    await console.handle("?member")
    assert capsys.readouterr().out.splitlines() == [
        "  member:you", "  member:moderator  (Event Manager)", "  member:alice",
        "  member:dana  (Event Manager)"]


async def test_role_options_take_the_servers_roles_below_the_bots_own(console, capsys):
    with pytest.raises(LineError):
        await console.handle("/manage role role:Attendee")
    assert console.fake.calls[-1][1]["role"] is console.guild.role("Attendee")
    await console.handle("?role")
    assert capsys.readouterr().out.splitlines() == [
        "  role:\"Event Manager\"  (at or above the bot's role: it cannot give it)",
        "  role:Speaker", "  role:Attendee"]


async def test_show_prints_a_whole_file_of_the_last_message_with_files(console, capsys):
    rows = [f"{i},m{i},confirmed" for i in range(10)]
    csv = "\n".join(rows).encode()
    console.files = [("a.csv", csv), ("b.bin", b"\0\1")]
    await console.handle("show")
    assert capsys.readouterr().out.splitlines() == [
        f"  📎 a.csv ({len(csv)} bytes)", *(f"   {row}" for row in rows)]
    await console.handle("show 2")
    assert "(not text: nothing to show)" in capsys.readouterr().out
    with pytest.raises(LineError, match=r"show which file\? 1 to 2"):
        await console.handle("show 3")


@pytest.mark.parametrize("reader", [pipe_reader, terminal_reader])
async def test_waiting_for_a_line_leaves_the_event_loop_free(reader, monkeypatch):
    """The local server runs in the console's event loop and answers the bot's heartbeats
    while the console waits for the next line."""
    out, into = os.pipe()
    monkeypatch.setattr(sys, "stdin", os.fdopen(out, "r"))
    # The line is typed once the loop has run 20 times while the read waits: counted, not
    # timed (a timer's line could come before a loaded machine started the read). A read
    # that blocked the loop gets it from the timer, without those turns.
    late = threading.Timer(5, os.write, (into, b"hello\n"))
    late.start()
    try:
        line = asyncio.ensure_future(reader(asyncio.get_running_loop())("> "))
        ticks = 0
        while not line.done():
            await asyncio.sleep(0.01)
            ticks += 1
            if ticks == 20:
                os.write(into, b"hello\n")
        assert await line == "hello"
        assert ticks >= 20
    finally:
        late.cancel()
        # The end of the input, always: a reader's thread left waiting on it held the
        # file's lock, and putting stdin back (closing this file) then waited for ever.
        os.close(into)


# --------------------------------------------------------------------------- the command line


def cli_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env.update(PYTHONPATH=str(ROOT), DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
               EVENTS_DIR=str(ROOT / "data" / "events"))
    return env


def test_run_without_a_token_starts_the_sandbox_on_a_terminal_only(tmp_path):
    leader, follower = pty.openpty()
    try:
        os.write(leader, b"/event info\nquit\n")  # typed ahead; read once the console is up
        on_terminal = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path,
                                     env=cli_env(tmp_path), stdin=follower, capture_output=True,
                                     text=True, timeout=90)
    finally:
        os.close(leader)
        os.close(follower)
    piped = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path,
                           env=cli_env(tmp_path), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
    assert piped.returncode == 2
    told = piped.stderr.strip().splitlines()
    assert told[-1].startswith("eventbot: DISCORD_TOKEN is not set") and "sandbox" not in told[-1]
    assert on_terminal.returncode == 0, on_terminal.stderr[-2000:]
    assert "here is the bot in a sandbox" in on_terminal.stderr
    assert "U.S.-China Missile Defense Disputes" in on_terminal.stdout
    assert (tmp_path / "data" / "sandbox.sqlite3").exists()


def test_a_terminal_without_chinese_gets_the_sandbox_s_chinese_escaped(tmp_path):
    """The sandbox on a Latin-1 terminal (or output redirected on Windows, in cp1252) ended
    in a UnicodeEncodeError at its first line (its own "…"), before the console began."""
    proc = subprocess.run([sys.executable, "-m", "sandbox", "--database",
                           str(tmp_path / "s.sqlite3")], cwd=tmp_path,
                          env=cli_env(tmp_path) | {"PYTHONIOENCODING": "latin-1"},
                          input="locale zh-CN\n/event info\nquit\n", capture_output=True,
                          text=True, encoding="latin-1", timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "\\u" in proc.stdout  # the Chinese reply, escaped


def test_the_sandbox_refuses_the_bots_own_database(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bot", "sandbox", "--fresh", "--database",
                           str(tmp_path / "bot.sqlite3")], cwd=tmp_path, env=cli_env(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"eventbot: {tmp_path / 'bot.sqlite3'} is the bot's own database (DATABASE_PATH); the "
        "sandbox needs its own: pick another --database"]
    assert not (tmp_path / "bot.sqlite3").exists()


@pytest.mark.parametrize(("given", "damaged"), [("", False), ("folder", False),
                                                ("damaged.sqlite3", True)])
def test_a_sandbox_database_it_cannot_use_says_what_to_do(tmp_path, given, damaged):
    (tmp_path / "folder").mkdir()
    (tmp_path / "damaged.sqlite3").write_bytes(b"not a database, " * 200)
    (tmp_path / "damaged.state.json").write_text("{}")  # the sandbox's own, damaged
    proc = subprocess.run([sys.executable, "-m", "bot", "sandbox", "--database", given],
                          cwd=tmp_path, env=cli_env(tmp_path), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    if damaged:  # the bot's own words, and the sandbox's way out
        assert line.endswith("; --fresh starts over with a new one"), line
    else:  # not the bot's DATABASE_PATH advice
        assert line == f"eventbot: {(tmp_path / given).resolve()} is a folder; give --database " \
                       "a file name, e.g. data/sandbox.sqlite3", line


@pytest.mark.parametrize("command", [["bot", "sandbox"], ["sandbox"]])
def test_a_sandbox_database_ending_in_a_slash_is_not_made_as_a_file(tmp_path, command):
    """pathlib drops the slash: `--database sandboxes/mine/` made a database file named
    "mine" where a folder was meant, as DATABASE_PATH and a backup's name are refused."""
    proc = subprocess.run([sys.executable, "-m", *command, "--database", "sandboxes/mine/"],
                          cwd=tmp_path, env=cli_env(tmp_path), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines() == [
        "eventbot: sandboxes/mine/ names a folder; give --database a file name in it, e.g. "
        "sandboxes/mine/sandbox.sqlite3"]
    assert not (tmp_path / "sandboxes").exists()


@pytest.mark.parametrize("fresh", [[], ["--fresh"]])
def test_a_device_or_pipe_as_the_sandbox_database_is_refused_and_never_deleted(tmp_path,
                                                                              fresh):
    """The line for such a --database advised --fresh, and --fresh deleted whatever was
    there: run as root on /dev/null, the system's own device."""
    os.mkfifo(tmp_path / "pipe")
    proc = subprocess.run([sys.executable, "-m", "bot", "sandbox", "--database", "pipe",
                           *fresh], cwd=tmp_path, env=cli_env(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines() == [
        f"eventbot: {tmp_path / 'pipe'} is a device or a pipe, not a file; give --database a "
        "file name, e.g. data/sandbox.sqlite3"]
    assert (tmp_path / "pipe").is_fifo()


@pytest.mark.parametrize("given", ["somefile/s.sqlite3", "somefile/deeper/s.sqlite3"])
def test_a_file_in_the_way_of_the_sandbox_database_s_folder_is_named(tmp_path, given):
    """The lock beside the database is made first: its folder's failure named the lock
    and said only "File exists"."""
    (tmp_path / "somefile").write_text("not a folder")
    proc = subprocess.run([sys.executable, "-m", "bot", "sandbox", "--database", given],
                          cwd=tmp_path, env=cli_env(tmp_path), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"eventbot: cannot create {(tmp_path / given).resolve()}: {tmp_path / 'somefile'} is a "
        "file, not a folder; move it away or give --database another place"]


@pytest.mark.parametrize("status", [130, -2])
def test_ctrl_c_while_the_database_is_prepared_is_the_users_stop(tmp_path, monkeypatch,
                                                                   status):
    """Ctrl-C reaches the step that prepares the database too; it used to be reported as
    a database the sandbox 'cannot use (exit status 130)'."""
    from sandbox.console import app

    monkeypatch.setattr(app.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(
        a, status, "", ""))
    (tmp_path / "s.sqlite3").touch()  # one there: a new one has no sync to forget
    with pytest.raises(KeyboardInterrupt):
        app.prepare_database(load_settings({}, env_file=None), tmp_path / "s.sqlite3",
                             fresh=False)


def test_a_second_sandbox_on_the_same_database_is_refused_and_deletes_nothing(tmp_path):
    """The first sandbox holds <database>.lock while it runs (here the test holds it): a
    second one would save its server over the first's, and --fresh delete the database."""
    import fcntl

    database = tmp_path / "s.sqlite3"
    database.write_bytes(b"kept")
    (tmp_path / "s.state.json").write_text("{}")  # the first sandbox's server
    with open(f"{database}.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        proc = subprocess.run([sys.executable, "-m", "bot", "sandbox", "--fresh", "--database",
                               str(database)], cwd=tmp_path, env=cli_env(tmp_path),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"eventbot: another sandbox is running on {database}; quit it first, or give this one "
        "another --database"]
    assert database.read_bytes() == b"kept"


@pytest.mark.parametrize("kind", ["notes", "a backup of the bot's database"])
def test_fresh_deletes_no_file_the_sandbox_did_not_make(tmp_path, kind):
    """--fresh deleted whatever file --database named (run as root on /etc/passwd, it put
    a sandbox database in its place), and the refusal of a file that is no database
    advised --fresh."""
    target = tmp_path / "precious.sqlite3"
    if kind == "notes":
        target.write_text("my notes, not a database\n")
    else:
        sqlite3.connect(target).executescript("CREATE TABLE events (id INTEGER PRIMARY KEY);"
                                              "INSERT INTO events VALUES (1);")
    before = target.read_bytes()
    command = [sys.executable, "-m", "bot", "sandbox", "--database", str(target)]
    proc = subprocess.run([*command, "--fresh"], cwd=tmp_path, env=cli_env(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines() == [
        f"eventbot: {target} holds something the sandbox did not make (its saved server, "
        "precious.state.json, is not beside it); --fresh deletes only a sandbox's own "
        "database: give --database another file"]
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious.sqlite3"]  # no lock left
    (tmp_path / "precious.state.json").mkdir()  # no saved server, but a folder of its name
    proc = subprocess.run([*command, "--fresh"], cwd=tmp_path, env=cli_env(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "did not make" in proc.stderr, proc.stderr
    assert target.read_bytes() == before
    (tmp_path / "precious.state.json").rmdir()
    if kind == "notes":
        proc = subprocess.run(command, cwd=tmp_path, env=cli_env(tmp_path),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 2
        assert "--fresh" not in proc.stderr, proc.stderr
        assert target.read_bytes() == before


def test_a_damaged_saved_server_is_one_line_and_fresh_starts_over(tmp_path):
    (tmp_path / "s.state.json").write_text("{not json")
    command = [sys.executable, "-m", "bot", "sandbox", "--database", str(tmp_path / "s.sqlite3")]
    proc = subprocess.run(command, cwd=tmp_path, env=cli_env(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"eventbot: {tmp_path / 's.state.json'}: cannot load the saved sandbox (Expecting "
        "property name enclosed in double quotes: line 1 column 2 (char 1)); --fresh starts over"]
    assert (tmp_path / "s.state.json").read_text() == "{not json"  # kept for a look
    fresh = subprocess.run([*command, "--fresh"], cwd=tmp_path, env=cli_env(tmp_path),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert json.loads((tmp_path / "s.state.json").read_text())["version"] == 1


@pytest.mark.parametrize(("saved", "said"), [
    (b"\x80\x81 binary", "'utf-8' codec can't decode byte 0x80 in position 0"),
    ("{}".encode("utf-16"), "'utf-8' codec can't decode byte 0xff in position 0"),
    (b"[" * 100_000, "maximum recursion depth exceeded"),
    (b'{"version": 1, "users": [{"id": Infinity, "name": "x", "bot": false}]}',
     "cannot convert float infinity to integer"),
])
def test_a_saved_server_of_any_bytes_is_one_line(tmp_path, saved, said):
    (tmp_path / "s.state.json").write_bytes(saved)
    command = [sys.executable, "-m", "bot", "sandbox", "--database", str(tmp_path / "s.sqlite3")]
    proc = subprocess.run(command, cwd=tmp_path, env=cli_env(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr[-2000:]
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith(f"eventbot: {tmp_path / 's.state.json'}: cannot load the saved "
                           f"sandbox ({said}") and line.endswith("; --fresh starts over"), line


def test_fresh_with_a_folder_where_the_saved_server_goes_is_one_line(tmp_path):
    (tmp_path / "s.state.json").mkdir()
    proc = subprocess.run([sys.executable, "-m", "bot", "sandbox", "--database",
                           str(tmp_path / "s.sqlite3"), "--fresh"], cwd=tmp_path,
                          env=cli_env(tmp_path), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"eventbot: {tmp_path / 's.state.json'}: cannot remove the saved sandbox (Is a "
        "directory)"]


def test_the_heartbeat_stays_under_discord_pys_warning_threshold(monkeypatch):
    """discord.py warns "Can't keep up" when an ACK seems over 10 s late, and times an ACK
    that beats its own note of the send from the send before: with a local server, one
    interval. Measured: an idle sandbox beating every 10.5 s logged "10.5s behind"."""
    monkeypatch.delenv("SANDBOX_HEARTBEAT_INTERVAL", raising=False)
    assert heartbeat_interval() < 10
    monkeypatch.setenv("SANDBOX_HEARTBEAT_INTERVAL", "0.5")
    assert heartbeat_interval() == 0.5
    for bad in ("soon", "0", "3600"):
        monkeypatch.setenv("SANDBOX_HEARTBEAT_INTERVAL", bad)
        with pytest.raises(SandboxError, match=r"give seconds between 0\.1 and 60"):
            heartbeat_interval()


@pytest.mark.parametrize("arg", ["²", "٣", "x", "0"])
def test_a_count_of_lines_is_ascii_digits_only(arg):
    from sandbox.console.commands import _count

    with pytest.raises(LineError, match="is not a number of messages"):
        _count(arg, 5, "messages")


def test_render_message_shows_a_select_menu_with_numbered_options():
    message = {"components": [{"type": 1, "components": [
        {"type": 3, "custom_id": "m", "placeholder": "Jump to a person", "options": [
            {"label": "Tong Zhao", "value": "0"}, {"label": "Li Bin", "value": "1"}]}]}]}
    assert render_message(message) == ["▾ Jump to a person: (1 Tong Zhao) (2 Li Bin)"]


def test_fresh_takes_the_database_of_a_sandbox_stopped_before_it_saved_its_server(tmp_path):
    """A sandbox stopped in its first second (Ctrl-C once its database was made, before its
    server was first saved) left a database --fresh refused as not the sandbox's own."""
    database = tmp_path / "s.sqlite3"
    command = [sys.executable, "-m", "bot", "sandbox", "--database", str(database)]
    for extra in (["--fresh"], []):  # without --fresh, the empty saved server is a new one
        for made in tmp_path.glob("s.*"):
            made.unlink()
        stopped = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
            from pathlib import Path
            from bot.config import load_settings
            from sandbox.console.app import sandbox_database
            sandbox_database(load_settings(), Path({str(database)!r}), fresh=False)
            """)], cwd=ROOT, env=cli_env(tmp_path), capture_output=True, text=True,
            timeout=60)
        assert stopped.returncode == 0, stopped.stderr[-2000:]
        # its bot made the database as it started (without a token, then stopped)
        started = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path,
                                 env=cli_env(tmp_path) | {"DATABASE_PATH": str(database)},
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                 timeout=60)
        assert started.returncode == 2, started.stderr[-2000:]
        assert database.stat().st_size > 0  # a database, and its saved server empty:
        # nothing but the name of the database it is kept for
        assert json.loads((tmp_path / "s.state.json").read_text()) == {"database": "s.sqlite3"}
        proc = subprocess.run([*command, *extra], cwd=tmp_path, env=cli_env(tmp_path),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert json.loads((tmp_path / "s.state.json").read_text())["version"] == 1


@pytest.mark.parametrize("seats", ["5_0", "٣", "１２", "1_000", " 4 2", "nan", "1e3", "+-3",
                                   "9" * 5000])
async def test_a_whole_number_is_typed_as_discords_client_reads_one(console, seats):
    """Python's int() reads "5_0" as 50, "٣" (an Arabic-Indic three) as 3 and full-width
    "１２" as 12: `/manage capacity seats:5_0` set 50 seats, which no Discord client would
    send for what was typed. Only ASCII digits (with a minus) are a whole number."""
    with pytest.raises(LineError, match=r"^seats: '.*' is not a whole number$"):
        await console.handle(f'/manage capacity seats:"{seats}"')
    assert console.fake.calls == []  # nothing reached the bot


async def test_a_role_channel_or_member_is_picked_whatever_the_case_typed(console):
    """`/manage role role:attendee` was refused ("no role 'attendee'"), and so were
    `channel:#Announcements` and `member:Moderator`, though the role is Attendee and
    Discord's picker finds them whatever the case typed. Of two that differ only by case,
    the one typed exactly is taken, and with neither typed exactly, none."""
    console.fake.add_role(console.guild, "attendee")  # beside Attendee
    console.fake.add_role(console.guild, "Guest")
    for line in ("/manage role role:GUEST", "/manage role role:attendee",
                 "/manage role role:Attendee", "/manage announce channel:#Announcements"):
        with pytest.raises(LineError, match="stop here"):
            await console.handle(line)
    picked = [options for _, options in console.fake.calls]
    assert [p["role"].name for p in picked[:3]] == ["Guest", "attendee", "Attendee"]
    assert picked[3]["channel"] is console.guild.channel("announcements")
    with pytest.raises(LineError, match="no role 'ATTENDEE'"):
        await console.handle("/manage role role:ATTENDEE")
