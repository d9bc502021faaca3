"""The local server refuses what Discord refuses: the types and values of fields, over HTTP.

Where test_localdiscord_limits.py holds lengths and counts, this file holds the rest of a
body's form: each field of its JSON type (a string, an integer, a boolean, an array, an
object), enum fields among their values (a button's style, an event's privacy level),
the flags a new message may carry, an embed's color and timestamp, where a component may
sit, and an autocomplete choice valued as its option. Each case sends a body that breaks
one rule (400, code 50035, with the errors tree at the field) and the variant that keeps
it (accepted).
"""

from __future__ import annotations

from typing import Any

import pytest

from sandbox import FakeDiscord
from sandbox.interactions import _focused_type
from tests.e2e.raw_http import call
from tests.e2e.test_localdiscord_limits import (
    accepted,
    button,
    channel_path,
    embed,
    error_at,
    event,
    interaction,
    refused,
    row,
)

REQUIRED, CHOICES = "BASE_TYPE_REQUIRED", "BASE_TYPE_CHOICES"
NOT_STRING, NOT_INT, NOT_BOOL = "BASE_TYPE_STRING", "NUMBER_TYPE_COERCE", "BASE_TYPE_BOOLEAN"
NOT_LIST, NOT_DICT = "LIST_TYPE_CONVERT", "DICT_TYPE_CONVERT"
WRONG_PLACE = "COMPONENT_TYPE_INVALID"


@pytest.fixture
async def fake():
    async with FakeDiscord(rate_limits=None) as server:
        yield server


def callback(fake: FakeDiscord, itype: int = 2, option_type: int | None = None) -> str:
    st = interaction(fake, itype)
    st.option_type = option_type
    return f"/interactions/{st.id}/{st.token}/callback"


# --------------------------------------------------------------------------- messages


@pytest.mark.parametrize(("body", "at", "code"), [
    ({"content": 5}, ("content",), NOT_STRING),
    ({"content": "x", "tts": "yes"}, ("tts",), NOT_BOOL),
    ({"content": "x", "flags": "4"}, ("flags",), NOT_INT),
    ({"content": "x", "embeds": {"title": "t"}}, ("embeds",), NOT_LIST),
    ({"content": "x", "embeds": ["t"]}, ("embeds", 0), NOT_DICT),
    ({"content": "x", "components": {}}, ("components",), NOT_LIST),
    ({"content": "x", "allowed_mentions": ["users"]}, ("allowed_mentions",), NOT_DICT),
    ({"content": "x", "allowed_mentions": {"parse": "users"}}, ("allowed_mentions", "parse"),
     NOT_LIST),
    ({"content": "x", "allowed_mentions": {"replied_user": 1}},
     ("allowed_mentions", "replied_user"), NOT_BOOL),
])
async def test_a_messages_fields_are_of_their_types(fake, http, body, at, code):
    path = channel_path(fake)
    assert await refused(http, "POST", path, body, *at) == [code]
    assert fake.requests[-1].status == 400


async def test_a_body_that_is_no_object_is_refused(fake, http):
    status, answer = await call(http, "POST", channel_path(fake), ["content"])
    assert status == 400 and answer["code"] == 50035
    assert [e["code"] for e in answer["errors"]["_errors"]] == [NOT_DICT]


@pytest.mark.parametrize(("fields", "at", "code"), [
    ({"fields": [{"name": "n", "value": 5}]}, ("fields", 0, "value"), NOT_STRING),
    ({"fields": [{"name": ["n"], "value": "v"}]}, ("fields", 0, "name"), NOT_STRING),
    ({"fields": [{"name": "n", "value": "v", "inline": "true"}]}, ("fields", 0, "inline"),
     NOT_BOOL),
    ({"fields": ["n: v"]}, ("fields", 0), NOT_DICT),
    ({"title": 7}, ("title",), NOT_STRING),
    ({"description": {"text": "d"}}, ("description",), NOT_STRING),
    ({"color": -1}, ("color",), "NUMBER_TYPE_MIN"),
    ({"color": 16777216}, ("color",), "NUMBER_TYPE_MAX"),
    ({"color": "#ff0000"}, ("color",), NOT_INT),
    ({"color": 1.5}, ("color",), NOT_INT),
    ({"timestamp": "tomorrow at noon"}, ("timestamp",), "DATE_TYPE_PARSE"),
    ({"timestamp": 1700000000}, ("timestamp",), NOT_STRING),
    ({"footer": "f"}, ("footer",), NOT_DICT),
    ({"footer": {"icon_url": "https://example.com/i.png"}}, ("footer", "text"), REQUIRED),
    ({"author": {"name": 3}}, ("author", "name"), NOT_STRING),
    ({"image": {}}, ("image", "url"), REQUIRED),
    ({"thumbnail": {"url": None}}, ("thumbnail", "url"), REQUIRED),
])
async def test_an_embeds_fields_are_of_their_types_and_ranges(fake, http, fields, at, code):
    path = channel_path(fake)
    assert await refused(http, "POST", path, {"embeds": [embed(**{"description": "d", **fields})]},
                         "embeds", 0, *at) == [code]


async def test_an_embed_discord_accepts(fake, http):
    path = channel_path(fake)
    for fields in ({"color": 0}, {"color": 16777215}, {"color": None},
                   {"timestamp": "2030-01-01T18:00:00+00:00"},
                   {"timestamp": "2030-01-01T18:00:00.123000Z"},
                   {"fields": [{"name": "n", "value": "v", "inline": True}]},
                   {"footer": {"text": "f"}, "author": {"name": "a"},
                    "image": {"url": "https://example.com/i.png"}}):
        await accepted(http, "POST", path, {"embeds": [embed(description="d", **fields)]})


@pytest.mark.parametrize("flag", [1 << 0, 1 << 1, 1 << 3, 1 << 5, 1 << 6, 1 << 7, 1 << 8])
async def test_a_channel_message_sets_only_the_flags_discord_lets_it(fake, http, flag):
    """A new channel message may suppress embeds or notifications, be a voice message or a
    components v2 one; nothing else (ephemeral is for an interaction's answers)."""
    path = channel_path(fake)
    assert await refused(http, "POST", path, {"content": "x", "flags": flag},
                         "flags") == ["MESSAGE_FLAGS_INVALID"]
    assert await refused(http, "POST", path, {"content": "x", "flags": flag | 4},
                         "flags") == ["MESSAGE_FLAGS_INVALID"]


async def test_the_flags_a_new_message_may_carry(fake, http):
    path = channel_path(fake)
    for flags in (0, 4, 4096, 4 | 4096):
        await accepted(http, "POST", path, {"content": "x", "flags": flags})
    # an interaction's response and follow-up may also be ephemeral, never "loading"
    await accepted(http, "POST", callback(fake), {"type": 4, "data": {
        "content": "x", "flags": 64 | 4096}})
    assert await refused(http, "POST", callback(fake), {"type": 4, "data": {
        "content": "x", "flags": 128}}, "data", "flags") == ["MESSAGE_FLAGS_INVALID"]
    st = interaction(fake)
    await accepted(http, "POST", f"/interactions/{st.id}/{st.token}/callback", {"type": 5})
    webhook = f"/webhooks/{fake.app_id}/{st.token}"
    await accepted(http, "POST", f"{webhook}?wait=1", {"content": "x", "flags": 64})
    assert await refused(http, "POST", f"{webhook}?wait=1", {"content": "x", "flags": 2},
                         "flags") == ["MESSAGE_FLAGS_INVALID"]


# --------------------------------------------------------------------------- components


@pytest.mark.parametrize(("component", "at", "code"), [
    ({**button(), "style": 0}, ("style",), CHOICES),
    ({**button(), "style": 7}, ("style",), CHOICES),
    ({**button(), "style": "1"}, ("style",), NOT_INT),
    ({**button(), "style": True}, ("style",), NOT_INT),
    ({"type": 2, "custom_id": "b", "label": "go"}, ("style",), REQUIRED),
    ({**button(), "custom_id": 5}, ("custom_id",), NOT_STRING),
    ({**button(), "label": 5}, ("label",), NOT_STRING),
    ({**button(), "disabled": "no"}, ("disabled",), NOT_BOOL),
    ({**button(), "emoji": "🎉"}, ("emoji",), NOT_DICT),
    ({"style": 1, "custom_id": "b", "label": "go"}, ("type",), REQUIRED),
    ({**button(), "type": "2"}, ("type",), NOT_INT),
    ({"type": 3, "custom_id": "s", "options": [{"label": "a", "value": 1}]},
     ("options", 0, "value"), NOT_STRING),
    ({"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "a",
                                                 "default": "yes"}]},
     ("options", 0, "default"), NOT_BOOL),
    ({"type": 3, "custom_id": "s", "max_values": "2",
      "options": [{"label": "a", "value": "a"}, {"label": "b", "value": "b"}]},
     ("max_values",), NOT_INT),
])
async def test_a_components_fields_are_of_their_types_and_values(fake, http, component, at,
                                                                 code):
    path = channel_path(fake)
    assert await refused(http, "POST", path, {"components": [row(component)]},
                         "components", 0, "components", 0, *at) == [code]


async def test_every_button_style_discord_has(fake, http):
    path = channel_path(fake)
    for style in (1, 2, 3, 4):
        await accepted(http, "POST", path, {"components": [row({**button(), "style": style})]})
    await accepted(http, "POST", path, {"components": [row(
        {"type": 2, "style": 5, "label": "go", "url": "https://example.com"})]})
    await accepted(http, "POST", path, {"components": [row(
        {"type": 2, "style": 6, "sku_id": "1"})]})


async def test_a_row_is_a_row_of_components(fake, http):
    path = channel_path(fake)
    assert await refused(http, "POST", path, {"components": [{"type": 1, "components": {}}]},
                         "components", 0, "components") == [NOT_LIST]
    assert await refused(http, "POST", path, {"components": [row("button")]},
                         "components", 0, "components", 0) == [NOT_DICT]
    assert await refused(http, "POST", path, {"components": [{"components": [button()]}]},
                         "components", 0, "type") == [REQUIRED]


# --------------------------------------------------------------------------- modals


def modal(*components: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"type": 9, "data": {"custom_id": "m", "title": "Ask", "components": list(components),
                                **fields}}


TEXT_INPUT = {"type": 4, "custom_id": "q", "style": 1, "label": "Question"}
TEXT = {"type": 10, "content": "Ask the speakers anything."}


async def test_a_modal_takes_an_answer(fake, http):
    """A modal of text alone has nothing to submit; Discord wants an input in it."""
    assert await refused(http, "POST", callback(fake), modal(TEXT),
                         "data", "components") == ["MODAL_INPUT_REQUIRED"]
    await accepted(http, "POST", callback(fake), modal(TEXT, row(TEXT_INPUT)))
    await accepted(http, "POST", callback(fake), modal(
        TEXT, {"type": 18, "label": "Question", "component": {**TEXT_INPUT, "label": None}}))


@pytest.mark.parametrize(("components", "at", "code"), [
    ([row(button())], ("components", 0, "components", 0), WRONG_PLACE),
    ([button()], ("components", 0), WRONG_PLACE),
    ([{"type": 18, "label": "Go", "component": button()}], ("components", 0, "component"),
     WRONG_PLACE),
    ([{"type": 18, "label": "Go"}], ("components", 0, "component"), REQUIRED),
    ([row({**TEXT_INPUT, "style": 3})], ("components", 0, "components", 0, "style"), CHOICES),
    ([row({**TEXT_INPUT, "required": "yes"})], ("components", 0, "components", 0, "required"),
     NOT_BOOL),
    ([row({**TEXT_INPUT, "value": 12})], ("components", 0, "components", 0, "value"),
     NOT_STRING),
])
async def test_a_modal_holds_inputs_where_discord_takes_them(fake, http, components, at, code):
    answer = modal(*components)
    if not any(c.get("type") == 4 for c in answer["data"]["components"][0].get(
            "components", [])):
        answer["data"]["components"].append(row(TEXT_INPUT))
    assert await refused(http, "POST", callback(fake), answer, "data", *at) == [code]


async def test_a_modals_custom_id_and_title_are_strings(fake, http):
    status, body = await call(http, "POST", callback(fake), modal(
        row(TEXT_INPUT), custom_id=5, title=["Ask"]))
    assert status == 400
    assert NOT_STRING in error_at(body, "data", "custom_id")
    assert NOT_STRING in error_at(body, "data", "title")
    assert await refused(http, "POST", callback(fake), modal(row(TEXT_INPUT), custom_id="m" * 101),
                         "data", "custom_id") == ["BASE_TYPE_BAD_LENGTH"]


# --------------------------------------------------------------------------- autocomplete


def choices(*values: Any) -> dict[str, Any]:
    return {"type": 8, "data": {"choices": [{"name": f"c{i}", "value": v}
                                            for i, v in enumerate(values)]}}


@pytest.mark.parametrize(("option_type", "good", "bad", "code"), [
    (3, ["a", "b"], 5, NOT_STRING),  # a string option
    (4, [1, -2], "1", NOT_INT),  # an integer option
    (4, [2**53], 1.5, NOT_INT),
    (4, [-(2**53)], 2**53 + 1, "NUMBER_TYPE_MAX"),
    (10, [1, 2.5], "2.5", NOT_INT),  # a number option
    (10, [0.0], True, NOT_INT),
])
async def test_an_autocomplete_choice_is_valued_as_its_option(fake, http, option_type, good,
                                                              bad, code):
    await accepted(http, "POST", callback(fake, 4, option_type), choices(*good))
    assert await refused(http, "POST", callback(fake, 4, option_type), choices(*good, bad),
                         "data", "choices", len(good), "value") == [code]


async def test_an_autocomplete_choice_has_a_value_and_a_string_name(fake, http):
    status, body = await call(http, "POST", callback(fake, 4, 3), {"type": 8, "data": {
        "choices": [{"name": 5, "value": "a"}, {"name": "b"}, "c"]}})
    assert status == 400
    assert NOT_STRING in error_at(body, "data", "choices", 0, "name")
    assert error_at(body, "data", "choices", 1, "value") == [REQUIRED]
    assert error_at(body, "data", "choices", 2) == [NOT_DICT]


def test_the_option_an_autocomplete_is_for_is_found_through_sub_commands():
    typed = {"type": 4, "name": "seats", "value": "1", "focused": True}
    assert _focused_type({"options": [typed]}) == 4
    sub = {"type": 1, "name": "s", "options": [{"type": 3, "name": "x", "value": "a"}, typed]}
    assert _focused_type({"options": [{"type": 2, "name": "g", "options": [sub]}]}) == 4
    assert _focused_type({"options": [{"type": 3, "name": "x", "value": "a"}]}) is None
    assert _focused_type(None) is None


# --------------------------------------------------------------------------- scheduled events


@pytest.mark.parametrize(("fields", "at", "code"), [
    ({"privacy_level": 1}, ("privacy_level",), CHOICES),
    ({"privacy_level": "2"}, ("privacy_level",), NOT_INT),
    ({"entity_type": 4}, ("entity_type",), CHOICES),
    ({"entity_type": 3, "channel_id": "1"}, ("channel_id",),
     "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED"),
    ({"name": 12}, ("name",), NOT_STRING),
    ({"description": ["d"]}, ("description",), NOT_STRING),
    ({"entity_metadata": "Room 1"}, ("entity_metadata",), NOT_DICT),
    ({"entity_metadata": {"location": 1}}, ("entity_metadata", "location"), NOT_STRING),
    ({"entity_metadata": {}}, ("entity_metadata", "location"), REQUIRED),
    ({"scheduled_end_time": 1893520800}, ("scheduled_end_time",), NOT_STRING),
    ({"scheduled_end_time": "after the talk"}, ("scheduled_end_time",), "DATE_TYPE_PARSE"),
])
async def test_a_scheduled_events_fields_are_of_their_types_and_values(fake, http, fields, at,
                                                                       code):
    guild = fake.add_guild()
    path = f"/guilds/{guild.id}/scheduled-events"
    assert code in await refused(http, "POST", path, event(**fields), *at)
    assert fake.scheduled_events(guild) == []
    await accepted(http, "POST", path, event())


async def test_a_voice_or_stage_event_names_its_channel(fake, http):
    guild = fake.add_guild()
    path = f"/guilds/{guild.id}/scheduled-events"
    for kind in (1, 2):
        assert await refused(http, "POST", path, event(entity_type=kind, entity_metadata=None),
                             "channel_id") == [REQUIRED]


async def test_a_scheduled_events_edit_keeps_its_types_and_values(fake, http):
    guild = fake.add_guild()
    path = f"/guilds/{guild.id}/scheduled-events"
    one = f"{path}/{(await accepted(http, 'POST', path, event()))['id']}"
    assert await refused(http, "PATCH", one, {"privacy_level": 1}, "privacy_level") == [CHOICES]
    assert await refused(http, "PATCH", one, {"status": 9}, "status") == [CHOICES]
    assert await refused(http, "PATCH", one, {"channel_id": "5"},
                         "channel_id") == ["GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED"]
    assert await refused(http, "PATCH", one, {"name": None}, "name") == [REQUIRED]
    await accepted(http, "PATCH", one, {"privacy_level": 2, "name": "Talk 2"})
    assert fake.scheduled_events(guild)[0]["name"] == "Talk 2"
