"""Interactions a modified client crafts, through the real bot process and the local
Discord: payloads discord.py reads only after the guard (a slash command's options, its
type), autocompletes for an option that has none, menu choices and form fields of a kind
the bot never offered, and button ids of the bot's own prefix outside its template. Each
gets one short private line (or, for an autocomplete, no choices), changes nothing, and
leaves no traceback in the log: none of it is a bug of the bot's."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.conftest import field_as
from tests.e2e.test_held_components import panel_page
from tests.e2e.test_resolution_and_permissions import content, refused, settled, unreadable

pytestmark = pytest.mark.asyncio(loop_scope="module")

BUG = "Something went wrong"


def clean(log: str) -> None:
    """Nothing a member sent is logged as the bot's own error."""
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]


# -- slash commands whose payload discord.py reads after the guard --------------------

def option_without_value(payload: dict) -> None:
    for option in payload["data"]["options"][0]["options"]:
        option.pop("value")


def options_not_objects(payload: dict) -> None:
    payload["data"]["options"][0]["options"] = ["event"]


def unknown_command_type(payload: dict) -> None:
    payload["data"]["type"] = 99


@pytest.mark.parametrize("mutate", [option_without_value, options_not_objects,
                                    unknown_command_type])
async def test_a_command_payload_read_after_the_guard_is_answered_in_a_line(world, fake,
                                                                           mutate):
    """discord.py reads a command's options (and its type) in the tree's own task, after
    the guard of INTERACTION_CREATE: an error there went nowhere ("Task exception was
    never retrieved"), so the member got no answer at all, or a "thinking…" deferral that
    nothing ever filled."""
    event_id = await world.import_event(f"Crafted Forum {mutate.__name__}", capacity=5)
    member = world.member()
    await asyncio.sleep(0.2)
    before = await settled(world)
    since = len(world.bot.output())
    reply = await fake.slash(world.guild, member, "rsvp join", event=str(event_id),
                             mutate=mutate, timeout=5)
    assert unreadable(reply), reply
    await asyncio.sleep(0.2)
    assert content(world) == before
    clean(world.bot.output()[since:])
    assert world.bot.running


# -- autocomplete for an option that has none -----------------------------------------

def nothing_focused(payload: dict) -> None:
    for option in payload["data"]["options"][0]["options"]:
        option.pop("focused", None)


def seats_focused(payload: dict) -> None:
    """Focus moved to `seats`, which Discord never completes, with its text as typed."""
    for option in payload["data"]["options"][0]["options"]:
        option.pop("focused", None)
        if option["name"] == "seats":
            option.update(focused=True, value=str(option["value"]))


async def test_an_autocomplete_for_an_option_without_one_is_offered_nothing(world, fake):
    """Focused on `seats` (no autocomplete), or on no option at all, as only a modified
    client sends: no choices, rather than no answer (the member's client says loading the
    options failed) and a traceback logged as an error."""
    since = len(world.bot.output())
    assert await fake.autocomplete(world.guild, world.moderator, "manage capacity",
                                   focused="event", event="", seats=5,
                                   mutate=seats_focused) == []
    assert await fake.autocomplete(world.guild, world.moderator, "manage capacity",
                                   focused="event", event="", mutate=nothing_focused) == []
    await asyncio.sleep(0.2)
    clean(world.bot.output()[since:])


def from_a_dm(fake, member):
    """An autocomplete's `mutate`: sent from the member's DM with the bot."""
    def move(payload: dict) -> None:
        user = payload.pop("member")["user"]
        for key in ("guild_id", "guild", "guild_locale"):
            payload.pop(key, None)
        channel = fake.dm_channel(member.user).payload()
        payload.update(user=user, channel=channel, channel_id=channel["id"], context=1)
        payload["data"].pop("guild_id", None)
    return move


async def test_a_speaker_name_autocomplete_from_a_dm_is_offered_nothing(world, fake):
    """`[event]` offers nothing outside a server; the speaker's name did not answer at all
    (NoPrivateMessage escaped its autocomplete), with a traceback in the log."""
    member = world.member("dm typer")
    since = len(world.bot.output())
    assert await fake.autocomplete(world.guild, member, "event speaker", focused="name",
                                   name="a", mutate=from_a_dm(fake, member)) == []
    await asyncio.sleep(0.2)
    clean(world.bot.output()[since:])


# -- a menu choice and form fields of a kind the bot never offered --------------------

@pytest.mark.parametrize("values", [[], ["not a person"], ["1.5"]])
async def test_a_speaker_menu_choice_it_never_offered_is_no_error(world, fake, values):
    """The pager's "Jump to a person" menu offers people's numbers; a client that sends
    none, or something else, got "Something went wrong" and an error's traceback."""
    event_id = await world.import_event(f"Menu Panel {len(values)}{values[:1]}", capacity=5,
                                        page=panel_page(f"Menu Panel {values!r}"))
    member = world.member()
    shown = await fake.slash(world.guild, member, "event speakers", event=str(event_id))
    _, following, jump = shown.custom_ids()
    [menu] = [c for row in shown.message["components"] for c in row["components"]
              if c["custom_id"] == jump]
    since = len(world.bot.output())
    reply = await fake.click(world.guild, member, shown.message, jump,
                             values=[menu["options"][0]["value"]],
                             mutate=lambda payload: payload["data"].update(values=values))
    assert BUG not in (reply.content or ""), reply.content
    assert reply.ephemeral, reply
    await asyncio.sleep(0.2)
    clean(world.bot.output()[since:])
    # the pager still turns its pages
    turned = await fake.click(world.guild, member, shown.message, following)
    assert turned.embeds and turned.embeds[0]["footer"]["text"].startswith("Page 2 of"), turned


@pytest.mark.parametrize(("field", "value"), [("start", [1]), ("end", {"at": 5}),
                                              ("venue", 5), ("link", {"a": 1})])
async def test_an_edit_form_field_that_is_not_text_is_refused_in_a_line(world, fake, field,
                                                                       value):
    event_id = await world.import_event(f"Form Forum {field}", capacity=5, venue="Hall 1",
                                        starts_at="2031-05-06T18:00:00+00:00")
    form = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    await asyncio.sleep(0.2)
    before = await settled(world)
    since = len(world.bot.output())
    reply = await fake.submit_modal(form, {}, mutate=field_as(field, value))
    assert refused(reply) and BUG not in reply.content, reply.content
    await asyncio.sleep(0.2)
    assert content(world) == before
    clean(world.bot.output()[since:])


# -- the RSVP buttons' own prefix, outside their template -----------------------------

@pytest.mark.parametrize("tail", ["join:" + "1" * 21, "join:\u0663", "join:-1", "join:",
                                  "leave:1", "join:1:2"])
async def test_a_forged_rsvp_button_id_is_answered_not_left_to_fail(world, fake, tail):
    """`eventbot:rsvp:` is the bot's: a click with such an id that the Join/Cancel
    template does not take (an id of 21 digits, an Arabic-Indic digit, a sign, another
    action) went unanswered ("This interaction failed"); the template's own docstring
    promises a forged or stale id an answer."""
    event_id = await world.import_event(f"Forged Button Forum {tail}", capacity=5)
    channel = world.guild.channel("announcements")
    await fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id),
                     channel=channel)
    message = await fake.wait_message(channel, lambda m: any(
        e.get("title") == f"Forged Button Forum {tail}" for e in m["embeds"]))
    await asyncio.sleep(0.2)
    before = await settled(world)
    reply = await fake.click(world.guild, world.member(), message, f"eventbot:rsvp:{tail}",
                             forged=True, timeout=5)
    assert reply.ephemeral and reply.content, reply
    assert content(world) == before


# -- locales Discord does not have, or that are no locale at all ----------------------

def locales_as(locale, guild_locale) -> callable:
    """A slash command's `mutate`: the member's and the server's locale as given."""
    def swap(payload: dict) -> None:
        payload["locale"], payload["guild_locale"] = locale, guild_locale
        payload["guild"]["locale"] = guild_locale
    return swap


@pytest.mark.parametrize(("locale", "guild_locale"), [
    ("zh-HK", ["zh-CN"]), ("xx-" + "y" * 500, {"zh": "CN"}), ("zh-HK", "zh-HK")])
async def test_a_locale_discord_does_not_have_is_answered_in_english(world, fake, locale,
                                                                   guild_locale):
    """A client's locale or a server's that Discord does not list ("zh-HK"), or a server's
    locale that is not a string at all: the bot answers in English. A list or an object as
    `guild_locale` made every command's reply fail ("Something went wrong", with a
    traceback logged as the bot's error), since the bot's catalogs were looked up by it."""
    event_id = await world.import_event(f"Locale Forum {len(locale)} {guild_locale!r}",
                                        capacity=5)
    member = world.member()
    since = len(world.bot.output())
    info = await fake.slash(world.guild, member, "event info", event=str(event_id),
                            mutate=locales_as(locale, guild_locale), timeout=5)
    assert info.embeds and "Registration" in {f["name"] for f in info.embeds[0]["fields"]}, info
    joined = await fake.slash(world.guild, member, "rsvp join", event=str(event_id),
                              mutate=locales_as(locale, guild_locale), timeout=5)
    assert joined.ephemeral and joined.content.startswith("You're confirmed for"), joined
    await asyncio.sleep(0.2)
    clean(world.bot.output()[since:])
