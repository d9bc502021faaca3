"""Option values a command did not register, through the real bot process: Discord's client
offers only an option's kind, choices and bounds, and Discord refuses anything else; a
modified client may send them anyway. Each gets one line naming the option and what it
takes, and changes nothing."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import sent_as
from tests.e2e.test_bot import sample_event
from tests.e2e.test_held_components import panel_page

pytestmark = pytest.mark.asyncio(loop_scope="module")

BUG = "Something went wrong"


SEATS = "⚠️ The seats option takes a number from 1 to 100,000."
# command, the options it is sent with, the option changed, its value, the reply
CASES = [
    ("manage language", {"language": "en-GB"}, "language", "xx",
     "⚠️ 'xx' isn't one of the choices for the language option: pick one from the list."),
    ("manage scheduled-events", {"state": "on"}, "state", "maybe",
     "⚠️ 'maybe' isn't one of the choices for the state option: pick one from the list."),
    ("manage capacity", {"seats": 5}, "seats", 0, SEATS),
    ("manage capacity", {"seats": 5}, "seats", 10**12, SEATS),
    ("manage capacity", {"seats": 5}, "seats", "lots",
     "⚠️ The seats option takes a whole number."),
    ("manage capacity", {"seats": 5}, "seats", 5.5, "⚠️ The seats option takes a whole number."),
    ("manage capacity", {"seats": 5}, "seats", True, "⚠️ The seats option takes a whole number."),
    ("manage timezone", {"zone": "Europe/Paris"}, "zone", 12, "⚠️ The zone option takes text."),
    ("manage timezone", {"zone": "Europe/Paris"}, "zone", "Europe/Paris" * 9,
     "⚠️ The zone option takes at most 100 characters."),
    ("manage reminders", {"minutes": "60"}, "minutes", "1," * 3000,
     "⚠️ The minutes option takes at most 100 characters."),
    ("manage close", {"reason": "r"}, "reason", "y" * 201,
     "⚠️ The reason option takes at most 200 characters."),
    ("manage import", {"url": "https://example.com"}, "url", "",
     "⚠️ The url option can't be empty."),
    ("manage import", {"url": "https://example.com", "capacity": 3}, "capacity", -3,
     "⚠️ The capacity option takes a number from 1 to 100,000."),
    ("manage import", {"url": "https://example.com"}, "title", "t" * 201,
     "⚠️ The title option takes at most 200 characters."),
    ("manage role", {}, "clear", "yes", "⚠️ The clear option takes True or False."),
    ("manage role", {"role": "@everyone"}, "role", "123",
     "⚠️ The role option takes a role of this server: pick one from the list."),
    ("manage remove", {"member": "someone"}, "member", "123",
     "⚠️ The member option takes a member of this server: pick one from the list."),
    ("event ask", {"question": "who"}, "question", "why " * 1500,
     "⚠️ The question option takes at most 300 characters."),
    ("event list", {"past": True}, "past", "yes", "⚠️ The past option takes True or False."),
]


def sent_with(world, command: str, options: dict, name: str) -> dict:
    """A case's options as the command line gives them: the role, member and event it
    names found in the server, and the option to be changed given a value to change."""
    options = dict(options)
    if "role" in options:
        options["role"] = next(r for r in world.guild.roles.values() if r.name == "@everyone")
    if "member" in options:
        options["member"] = world.member(options["member"])
    if command in ("manage capacity", "manage close", "manage role", "manage remove"):
        options["event"] = sample_event(world)
    if name not in options:
        options[name] = False
    return options


@pytest.mark.parametrize(("command", "options", "name", "value", "says"), CASES,
                         ids=[f"{c[0]} {c[2]}={str(c[3])[:12]!r}" for c in CASES])
async def test_a_value_the_option_did_not_register(world, fake, command, options, name, value,
                                                   says):
    options = sent_with(world, command, options, name)
    actor = world.member("asker") if command.startswith("event") else world.moderator
    before = world.dump()
    reply = await fake.slash(world.guild, actor, command, options=options,
                             mutate=sent_as(name, value))
    assert reply.ephemeral and reply.content == says, reply.content
    assert world.dump() == before


async def test_the_local_discord_refuses_values_outside_an_options_bounds(world, fake):
    """As Discord does: its client offers no such value, and its API refuses one."""
    event = sample_event(world)
    for seats in (0, 100_001):
        with pytest.raises(ValueError, match="'seats' takes 1 to 100000"):
            await fake.slash(world.guild, world.moderator, "manage capacity", seats=seats,
                             event=event)
    with pytest.raises(ValueError, match="'question' takes 1 to 300 characters, not 301"):
        await fake.slash(world.guild, world.member("asker"), "event ask", question="w" * 301)
    with pytest.raises(ValueError, match="'title' takes 1 to 200 characters, not 201"):
        await fake.slash(world.guild, world.moderator, "manage import",
                         url="https://example.com", title="t" * 201)
    # and takes the values at the bounds
    reply = await fake.slash(world.guild, world.moderator, "manage capacity", seats=100_000,
                             event=event)
    assert "100,000 seats" in reply.content, reply.content


async def test_the_local_discord_refuses_form_fields_outside_their_lengths(world, fake):
    """As Discord does: its client sends no text input past its max_length, nor a required
    one empty, and its API refuses one sent anyway. The local Discord sent both on to the
    bot. Refused, the form stays open and takes a value within its bounds."""
    event_id = await world.import_event("Form Bounds Forum", 5,
                                        starts_at="2037-05-06T18:00:00+00:00")
    form = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    before = world.dump()
    with pytest.raises(ValueError, match="'title' takes 1 to 200 characters, not 201"):
        await fake.submit_modal(form, {"title": "t" * 201})
    with pytest.raises(ValueError, match="'start' takes 1 to 100 characters, not 0"):
        await fake.submit_modal(form, {"start": ""})
    assert world.dump() == before
    done = await fake.submit_modal(form, {"title": "T" * 200, "venue": ""})  # venue: optional
    assert done.ephemeral and "Updated" in done.content, done.content


async def test_the_local_discord_refuses_a_menu_choice_the_menu_does_not_offer(world, fake):
    """As Discord does: its client picks only a menu's own options, between its
    min_values and max_values, and its API refuses anything else. The local Discord sent
    any values on to the bot (none at all, or a value no option has)."""
    event_id = await world.import_event("Menu Bounds Panel", 5,
                                        page=panel_page("Menu Bounds Panel"))
    member = world.member("menu chooser")
    shown = await fake.slash(world.guild, member, "event speakers", event=str(event_id))
    menu = next(c for row in shown.message["components"] for c in row["components"]
                if c["type"] == 3)
    offered = [option["value"] for option in menu["options"]]
    for values in ([], ["not a person"], [offered[0], offered[0]]):
        with pytest.raises(ValueError, match="not what the menu offers"):
            await fake.click(world.guild, member, shown.message, menu["custom_id"],
                             values=values)
    jumped = await fake.click(world.guild, member, shown.message, menu["custom_id"],
                              values=[offered[-1]])
    assert jumped.message["embeds"][0]["description"].startswith("**Carl Wu**"), jumped


async def test_the_bot_logged_no_error_in_any_of_it(world):
    out = world.bot.output()
    assert "Traceback" not in out and " ERROR " not in out, out[-3000:]


# The refusals as a member whose client speaks Taiwan's Chinese reads them: the option named
# as that client lists it, every word the bot's own in zh-TW.
ZH_TW_CASES = [
    ("manage capacity", {"seats": 5}, "seats", 0, "⚠️ 座位數 選項需要 1 到 100,000 之間的數字。"),
    ("manage capacity", {"seats": 5}, "seats", "lots", "⚠️ 座位數 選項需要一個整數。"),
    ("manage language", {"language": "en-GB"}, "language", "xx",
     "⚠️ 'xx' 不是 語言 選項的可選值之一：請從清單中選擇一個。"),
    ("manage timezone", {"zone": "Europe/Paris"}, "zone", 12, "⚠️ 時區 選項需要文字。"),
    ("manage close", {"reason": "r"}, "reason", "y" * 201, "⚠️ 原因 選項最多接受 200 個字元。"),
    ("manage import", {"url": "https://example.com"}, "url", "", "⚠️ 網址 選項不能為空。"),
    ("manage role", {}, "clear", "yes", "⚠️ 清除 選項只接受 True 或 False。"),
    ("manage remove", {"member": "someone"}, "member", "123",
     "⚠️ 成員 選項需要本伺服器的一名成員：請從清單中選擇一位。"),
]
# What may show in Latin letters in a zh-TW refusal: the value the member sent, quoted, and
# the values a boolean option takes, which the client shows as they are.
NOT_WORDS = re.compile(r"'[^']*'|True|False")


@pytest.mark.parametrize(("command", "options", "name", "value", "says"), ZH_TW_CASES,
                         ids=[f"{c[0]} {c[2]}={str(c[3])[:12]!r}" for c in ZH_TW_CASES])
async def test_a_refused_value_is_said_in_the_members_language(world, fake, command, options,
                                                                name, value, says):
    options = sent_with(world, command, options, name)
    moderator = world.member("版主", manage_events=True, locale="zh-TW")
    before = world.dump()
    reply = await fake.slash(world.guild, moderator, command, options=options,
                             mutate=sent_as(name, value))
    assert reply.ephemeral and reply.content == says, reply.content
    assert not re.search(r"[A-Za-z]", NOT_WORDS.sub("", reply.content)), reply.content
    assert world.dump() == before
