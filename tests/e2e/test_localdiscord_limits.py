"""The local server refuses what Discord refuses: payload limits and rules, over HTTP.

Each case sends a request at the limit (accepted) and one past it (400, code 50035, with
Discord's nested ``errors`` naming the field), or a request breaking one of Discord's
rules and the variant that keeps it (an empty message: 400 50006; a role the bot may not
give: 403 50013). Interactions are created on the server side without a bot, so the
callbacks and follow-ups can be sent directly.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
import pytest

from sandbox import FakeDiscord, Guild, Member, Role
from sandbox.interactions import _Interaction
from sandbox.models import ADMINISTRATOR, CREATE_EVENTS, MANAGE_EVENTS, MANAGE_ROLES
from tests.e2e.conftest import until
from tests.e2e.raw_http import call

MAX_LENGTH = "BASE_TYPE_MAX_LENGTH"
BAD_LENGTH = "BASE_TYPE_BAD_LENGTH"


@pytest.fixture
async def fake():
    async with FakeDiscord(rate_limits=None) as server:
        yield server


@pytest.fixture
async def dpy(fake: FakeDiscord, monkeypatch):
    """discord.py's HTTP client, logged in to the local server."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    client = discord.http.HTTPClient(asyncio.get_running_loop())
    await client.static_login(fake.token)
    yield client
    await client.close()


async def send(client: discord.http.HTTPClient, channel_id: int, **fields: Any) -> Any:
    """Send a message as discord.py builds it from ``fields`` (content, view, ...)."""
    with discord.http.handle_message_parameters(**fields) as params:
        return await client.send_message(channel_id, params=params)


def error_at(body: dict[str, Any], *path: str | int) -> list[str]:
    """The error codes at a field path of an Invalid Form Body answer."""
    assert body["code"] == 50035 and body["message"] == "Invalid Form Body", body
    node = body["errors"]
    for key in path:
        node = node[str(key)]
    return [e["code"] for e in node["_errors"]]


async def refused(http, method: str, path: str, body: Any, *at: str | int) -> list[str]:
    status, answer = await call(http, method, path, body)
    assert status == 400, answer
    return error_at(answer, *at)


async def accepted(http, method: str, path: str, body: Any) -> Any:
    status, answer = await call(http, method, path, body)
    assert status in (200, 204), answer
    return answer


def channel_path(fake: FakeDiscord) -> str:
    channel = fake.add_guild().system_channel
    return f"/channels/{channel.id}/messages"


def interaction(fake: FakeDiscord, itype: int = 2, *, responded: int | None = None,
                message_id: int | None = None) -> _Interaction:
    """An interaction the bot has just received (or answered with ``responded``)."""
    guild = fake.add_guild()
    member = fake.add_member(guild)
    st = _Interaction(fake._snowflake(), itype, "test", guild, member, guild.system_channel)
    st.message_id, st.response_type = message_id, responded
    fake._interactions[st.token] = st
    return st


def embed(**texts: Any) -> dict[str, Any]:
    return {"type": "rich", **texts}


# --------------------------------------------------------------------------- messages


async def test_message_content_is_at_most_2000_characters(fake, http):
    path = channel_path(fake)
    await accepted(http, "POST", path, {"content": "x" * 2000})
    assert await refused(http, "POST", path, {"content": "x" * 2001}, "content") == [MAX_LENGTH]
    assert len(fake.requests) == 2 and [r.status for r in fake.requests] == [200, 400]


@pytest.mark.parametrize(("field", "limit"), [
    ("title", 256), ("description", 4096), ("footer.text", 2048), ("author.name", 256),
])
async def test_embed_texts_have_their_limits(fake, http, field, limit):
    path = channel_path(fake)

    def with_text(n: int) -> dict[str, Any]:
        parent, _, child = field.partition(".")
        return embed(**{parent: {child: "y" * n} if child else "y" * n})

    await accepted(http, "POST", path, {"embeds": [with_text(limit)]})
    codes = await refused(http, "POST", path, {"embeds": [with_text(limit + 1)]},
                          "embeds", 0, *field.split("."))
    assert codes == [MAX_LENGTH]


async def test_embed_fields_count_name_and_value(fake, http):
    path = channel_path(fake)
    fine = [{"name": "n" * 256, "value": "v" * 1024}] + [{"name": "n", "value": "v"}] * 24
    await accepted(http, "POST", path, {"embeds": [embed(fields=fine)]})
    too_many = fine[1:] * 2
    assert await refused(http, "POST", path, {"embeds": [embed(fields=too_many[:26])]},
                         "embeds", 0, "fields") == [MAX_LENGTH]
    long = [{"name": "n" * 257, "value": "v" * 1025}]
    status, body = await call(http, "POST", path, {"embeds": [embed(fields=long)]})
    assert status == 400
    assert error_at(body, "embeds", 0, "fields", 0, "name") == [MAX_LENGTH]
    assert error_at(body, "embeds", 0, "fields", 0, "value") == [MAX_LENGTH]


async def test_all_embeds_of_a_message_share_6000_characters(fake, http):
    path = channel_path(fake)
    # 4,000 + 2,000: at the limit, spread over two embeds, a field and a footer
    at_limit = [embed(title="t" * 100, description="d" * 3900),
                embed(fields=[{"name": "n" * 100, "value": "v" * 900}],
                      footer={"text": "f" * 1000})]
    await accepted(http, "POST", path, {"embeds": at_limit})
    over = [*at_limit[:1], embed(fields=at_limit[1]["fields"], footer={"text": "f" * 1000},
                                 author={"name": "a"})]
    assert await refused(http, "POST", path, {"embeds": over}, "embeds") == [
        "MAX_EMBED_SIZE_EXCEEDED"]
    await accepted(http, "POST", path, {"embeds": [embed(title="t")] * 10})
    assert await refused(http, "POST", path, {"embeds": [embed(title="t")] * 11},
                         "embeds") == [MAX_LENGTH]


def button(custom_id: str = "b", label: str = "go") -> dict[str, Any]:
    return {"type": 2, "style": 1, "custom_id": custom_id, "label": label}


def row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


async def test_components_rows_buttons_ids_labels_and_options(fake, http):
    path = channel_path(fake)
    full = [row(*(button(f"{r}-{b}" + "i" * 90, "l" * 80) for b in range(5))) for r in range(5)]
    full[0]["components"][0]["custom_id"] = "c" * 100
    await accepted(http, "POST", path, {"components": full})

    assert await refused(http, "POST", path, {"components": [row(button())] * 6},
                         "components") == [MAX_LENGTH]
    assert await refused(http, "POST", path, {"components": [row(*[button()] * 6)]},
                         "components", 0, "components") == [BAD_LENGTH]
    assert await refused(http, "POST", path, {"components": [row(button("c" * 101))]},
                         "components", 0, "components", 0, "custom_id") == [BAD_LENGTH]
    assert await refused(http, "POST", path, {"components": [row(button(label="l" * 81))]},
                         "components", 0, "components", 0, "label") == [MAX_LENGTH]

    def select(n: int) -> dict[str, Any]:
        options = [{"label": f"o{i}", "value": str(i)} for i in range(n)]
        return row({"type": 3, "custom_id": "s", "options": options})

    await accepted(http, "POST", path, {"components": [select(25)]})
    assert await refused(http, "POST", path, {"components": [select(26)]},
                         "components", 0, "components", 0, "options") == [BAD_LENGTH]


@pytest.mark.parametrize(("allowed", "at", "code"), [
    ({"parse": ["users", "here"]}, ("parse", 1), "BASE_TYPE_CHOICES"),
    ({"parse": ["users", "users"]}, ("parse", 1), "SET_TYPE_ALREADY_CONTAINS_VALUE"),
    ({"parse": ["users"], "users": ["1"]}, (), "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE"),
    ({"parse": ["roles"], "roles": ["1"]}, (), "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE"),
    ({"users": [str(i) for i in range(1, 102)]}, ("users",), MAX_LENGTH),
    ({"roles": [str(i) for i in range(1, 102)]}, ("roles",), MAX_LENGTH),
    ({"users": ["1", "2", "1"]}, ("users", 2), "SET_TYPE_ALREADY_CONTAINS_VALUE"),
])
async def test_allowed_mentions_follow_discords_rules(fake, http, allowed, at, code):
    path = channel_path(fake)
    assert await refused(http, "POST", path, {"content": "<@1>", "allowed_mentions": allowed},
                         "allowed_mentions", *at) == [code]


@pytest.mark.parametrize("ids", [["not-an-id"], ["01"], ["-1"], [str(2**64)], [1.5]])
async def test_allowed_mentions_name_users_and_roles_by_snowflake(fake, http, ids):
    """OpenAPI MessageAllowedMentionsRequest: users and roles hold snowflakes (a decimal
    string ^(0|[1-9][0-9]*)$; discord.py sends integers, which Discord takes too)."""
    path = channel_path(fake)
    for key in ("users", "roles"):
        assert await refused(http, "POST", path, {"content": "x", "allowed_mentions": {
            key: ids}}, "allowed_mentions", key, 0) == ["NUMBER_TYPE_COERCE"]
    await accepted(http, "POST", path, {"content": "x", "allowed_mentions": {
        "users": ["1", 2, None], "roles": [str(2**64 - 1)]}})


async def test_allowed_mentions_discord_accepts(fake, http):
    path = channel_path(fake)
    hundred = [str(i) for i in range(1, 101)]
    for allowed in ({"parse": []}, {"parse": ["users", "roles", "everyone"]},
                    {"parse": ["users", "roles"], "users": []},  # an empty list is no list
                    {"parse": ["everyone"], "users": hundred, "roles": hundred},
                    {"parse": ["users"], "roles": ["1"]}, {"parse": None, "users": None}):
        await accepted(http, "POST", path, {"content": "<@1>", "allowed_mentions": allowed})


async def test_allowed_mentions_are_checked_in_edits_and_interaction_responses(fake, http):
    path = channel_path(fake)
    both = {"parse": ["users"], "users": ["1"]}
    message = await accepted(http, "POST", path, {"content": "x"})
    assert await refused(http, "PATCH", f"{path}/{message['id']}", {"allowed_mentions": both},
                         "allowed_mentions") == ["MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE"]
    st = interaction(fake)
    callback = f"/interactions/{st.id}/{st.token}/callback"
    assert await refused(http, "POST", callback, {"type": 4, "data": {
        "content": "x", "allowed_mentions": both}}, "data", "allowed_mentions") == [
        "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE"]


async def test_callback_answers_carry_a_resource_only_for_a_message_sent_or_edited(fake, http):
    # Discord's InteractionCallbackResponse: a resource (with its message) for types 4 and
    # 7 alone; a deferral's placeholder is no resource, and no id is ever null.
    for rtype, body in ((4, {"type": 4, "data": {"content": "x"}}), (5, {"type": 5}),
                        (8, {"type": 8, "data": {"choices": []}})):
        st = interaction(fake, 4 if rtype == 8 else 2)
        answer = await accepted(
            http, "POST", f"/interactions/{st.id}/{st.token}/callback?with_response=true", body)
        assert None not in answer["interaction"].values()
        if rtype == 4:
            assert answer["resource"] == {"type": 4, "message": answer["resource"]["message"]}
            assert answer["interaction"]["response_message_id"] == answer["resource"][
                "message"]["id"]
        else:
            assert "resource" not in answer
    assert answer["interaction"]["response_message_loading"] is False


async def test_a_callback_is_answered_204_unless_its_answer_is_asked_for(fake, http):
    # Discord: `with_response` "to include an interaction callback response as the
    # response instead of a 204"; the message is made all the same.
    for query in ("", "?with_response=false"):
        st = interaction(fake)
        status, answer = await call(http, "POST", f"/interactions/{st.id}/{st.token}/callback"
                                    f"{query}", {"type": 4, "data": {"content": "x"}})
        assert (status, answer) == (204, None)
        assert st.original is not None and st.original.data["content"] == "x"


async def test_allowed_mentions_are_checked_as_discord_py_sends_them(fake, dpy):
    channel = fake.add_guild().system_channel
    many = discord.AllowedMentions(users=[discord.Object(i) for i in range(1, 102)])
    with pytest.raises(discord.HTTPException) as refusal:
        await send(dpy, channel.id, content="x", allowed_mentions=many)
    assert refusal.value.status == 400 and refusal.value.code == 50035
    await send(dpy, channel.id, content="x", allowed_mentions=discord.AllowedMentions.none())
    await send(dpy, channel.id, content="x", allowed_mentions=discord.AllowedMentions(
        everyone=False, users=[discord.Object(1)], roles=True))
    assert len(fake.messages(channel.id)) == 2


async def test_a_message_has_at_most_3_stickers(fake, http):
    """message.mdx, Create Message: sticker_ids "IDs of up to 3 stickers"."""
    path = channel_path(fake)
    assert await refused(http, "POST", path, {"content": "x", "sticker_ids": [
        "1", "2", "3", "4"]}, "sticker_ids") == [MAX_LENGTH]
    await accepted(http, "POST", path, {"content": "x", "sticker_ids": ["1", "2", "3"]})


async def test_a_reply_to_an_unknown_message_is_refused_unless_it_may_go_plain(fake, http):
    """message.mdx, Message Reference: fail_if_not_exists (default true) "whether to error
    if the referenced message doesn't exist instead of sending as a normal (non-reply)
    message"; message_id is a required snowflake."""
    path = channel_path(fake)
    made = await accepted(http, "POST", path, {"content": "first"})
    await accepted(http, "POST", path, {"content": "re", "message_reference": {
        "message_id": made["id"]}})
    gone = await accepted(http, "POST", path, {"content": "gone soon"})
    await accepted(http, "DELETE", f"{path}/{gone['id']}", None)
    for unknown in ("12345", gone["id"]):
        assert await refused(http, "POST", path, {"content": "x", "message_reference": {
            "message_id": unknown}}, "message_reference") == [
            "MESSAGE_REFERENCE_UNKNOWN_MESSAGE"]
    elsewhere = fake.add_guild().system_channel
    assert await refused(http, "POST", path, {"content": "x", "message_reference": {
        "message_id": made["id"], "channel_id": str(elsewhere.id)}}, "message_reference") == [
        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE"]
    await accepted(http, "POST", path, {"content": "plain", "message_reference": {
        "message_id": "12345", "fail_if_not_exists": False}})
    assert await refused(http, "POST", path, {"content": "x", "message_reference": {}},
                         "message_reference", "message_id") == ["BASE_TYPE_REQUIRED"]


@pytest.mark.parametrize(("query", "at", "code"), [
    ("limit=0", "limit", "NUMBER_TYPE_MIN"),
    ("limit=101", "limit", "NUMBER_TYPE_MAX"),
    ("limit=500", "limit", "NUMBER_TYPE_MAX"),
    ("limit=many", "limit", "NUMBER_TYPE_COERCE"),
    ("before=yesterday", "before", "NUMBER_TYPE_COERCE"),
])
async def test_a_page_of_history_holds_1_to_100_messages(fake, http, query, at, code):
    """message.mdx, Get Channel Messages: limit "Max number of messages to return
    (1-100)"; before, after and around are message ids."""
    path = channel_path(fake)
    await accepted(http, "POST", path, {"content": "x"})
    status, answer = await call(http, "GET", f"{path}?{query}")
    assert status == 400 and error_at(answer, at) == [code], answer
    for fine in ("limit=1", "limit=100", "after=0"):
        assert len(await accepted(http, "GET", f"{path}?{fine}", None)) == 1


async def test_edits_and_dms_are_checked_too(fake, http):
    path = channel_path(fake)
    message = await accepted(http, "POST", path, {"content": "short"})
    assert await refused(http, "PATCH", f"{path}/{message['id']}", {"content": "x" * 2001},
                         "content") == [MAX_LENGTH]
    assert fake.messages(int(message["channel_id"]))[0]["content"] == "short"  # unchanged

    user = fake.add_user("dm-me")
    dm = await accepted(http, "POST", "/users/@me/channels", {"recipient_id": str(user.id)})
    assert await refused(http, "POST", f"/channels/{dm['id']}/messages",
                         {"embeds": [embed(description="d" * 4097)]},
                         "embeds", 0, "description") == [MAX_LENGTH]
    assert fake.dms(user) == []


EMPTY = {"message": "Cannot send an empty message", "code": 50006}


async def test_a_message_needs_something_to_show(fake, http):
    path = channel_path(fake)
    for body in ({}, {"content": ""}, {"content": None, "embeds": [], "components": []}):
        assert await call(http, "POST", path, body) == (400, EMPTY), body
    assert fake.messages(int(path.split("/")[2])) == []
    await accepted(http, "POST", path, {"embeds": [embed(title="t")]})
    await accepted(http, "POST", path, {"components": [row(button())]})
    message = await accepted(http, "POST", path, {"content": "x"})

    # an edit may not leave the message empty; it may swap content for an embed
    one = f"{path}/{message['id']}"
    assert await call(http, "PATCH", one, {"content": ""}) == (400, EMPTY)
    assert await call(http, "PATCH", one, {"content": None, "attachments": []}) == (400, EMPTY)
    await accepted(http, "PATCH", one, {"content": None, "embeds": [embed(title="t")]})
    await accepted(http, "PATCH", one, {"allowed_mentions": {"parse": []}})


async def test_a_file_alone_is_a_message():
    async with FakeDiscord(rate_limits=None) as fake:
        path = fake.api_base + channel_path(fake)
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("payload_json", "{}")
        form.add_field("files[0]", b"x,y\n", filename="rsvps.csv")
        async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"}) as s, \
                s.post(path, data=form) as resp:
            assert resp.status == 200


async def test_responses_and_follow_ups_are_not_empty_either(fake, http):
    st = interaction(fake)
    callback = f"/interactions/{st.id}/{st.token}/callback"
    assert await call(http, "POST", callback, {"type": 4, "data": {}}) == (400, EMPTY)
    assert st.response_type is None
    await accepted(http, "POST", callback, {"type": 5, "data": {}})  # a deferral may be
    hook = f"/webhooks/{fake.app_id}/{st.token}"
    assert await call(http, "POST", f"{hook}?wait=1", {"content": ""}) == (400, EMPTY)
    assert await call(http, "PATCH", f"{hook}/messages/@original", {"content": ""}) == (
        400, EMPTY)
    assert st.loading
    await accepted(http, "PATCH", f"{hook}/messages/@original", {"content": "done"})

    clicked = interaction(fake, 3, message_id=int(st.original.data["id"]))
    update = f"/interactions/{clicked.id}/{clicked.token}/callback"
    assert await call(http, "POST", update, {"type": 7, "data": {"content": None}}) == (
        400, EMPTY)
    await accepted(http, "POST", update, {"type": 7, "data": {"content": "updated"}})


AUTOMOD = {"message": "Message was blocked by automatic moderation", "code": 200000}


async def test_a_servers_automod_blocks_messages_with_its_words(fake, http):
    """Posts and edits in its channels, by content or by an embed's text, whole words in
    any case; follow-ups and answer edits that others would see; not another server's, an
    ephemeral one or a first response (Discord documents no refusal there)."""
    st = interaction(fake)
    fake.automod(st.guild, "forbidden words")
    path = f"/channels/{st.guild.system_channel.id}/messages"
    before = len(fake.messages(st.guild.system_channel))
    assert await call(http, "POST", path, {"content": "Some FORBIDDEN words here"}) == (
        400, AUTOMOD)
    assert await call(http, "POST", path, {"embeds": [embed(
        title="t", fields=[{"name": "n", "value": "the forbidden words"}])]}) == (400, AUTOMOD)
    assert await call(http, "POST", path, {"embeds": [embed(
        footer={"text": "the forbidden words"})]}) == (400, AUTOMOD)
    posted = await accepted(http, "POST", path, {"content": "unforbidden wordsmith"})
    assert await call(http, "PATCH", f"{path}/{posted['id']}",
                      {"embeds": [embed(description="Forbidden Words")]}) == (400, AUTOMOD)
    assert len(fake.messages(st.guild.system_channel)) == before + 1  # the unblocked one
    await accepted(http, "POST", channel_path(fake), {"content": "forbidden words"})

    hook = f"/webhooks/{fake.app_id}/{st.token}"
    await accepted(http, "POST", f"/interactions/{st.id}/{st.token}/callback",
                   {"type": 4, "data": {"content": "forbidden words"}})
    assert await call(http, "PATCH", f"{hook}/messages/@original",
                      {"content": "still forbidden words"}) == (400, AUTOMOD)
    assert await call(http, "POST", f"{hook}?wait=1", {"content": "forbidden words"}) == (
        400, AUTOMOD)
    await accepted(http, "POST", f"{hook}?wait=1", {"content": "forbidden words",
                                                     "flags": 64})
    fake.automod(st.guild)  # the rule removed
    await accepted(http, "POST", path, {"content": "forbidden words"})


@pytest.mark.parametrize(("url", "code"), [
    ("javascript:alert(1)", "URL_TYPE_INVALID_SCHEME"),
    ("ftp://example.org/talk", "URL_TYPE_INVALID_SCHEME"),
    ("not a url", "URL_TYPE_INVALID_SCHEME"),
    ("https://", "URL_TYPE_INVALID_URL"),
    ("https://example.org/a talk", "URL_TYPE_INVALID_URL"),
    ("https://example.org/" + "a" * 2030, MAX_LENGTH),
])
async def test_an_embed_links_to_a_web_address(fake, http, url, code):
    path = channel_path(fake)
    assert await refused(http, "POST", path, {"embeds": [embed(title="t", url=url)]},
                         "embeds", 0, "url") == [code]
    for fine in ("https://example.org/events/talk?x=1", "HTTP://example.org",
                 "https://example.org/" + "a" * 2028):
        await accepted(http, "POST", path, {"embeds": [embed(title="t", url=fine)]})


@pytest.mark.parametrize("field", [
    "author.url", "author.icon_url", "footer.icon_url", "image.url", "thumbnail.url"])
async def test_an_embeds_images_icons_and_author_link_are_web_addresses(fake, http, field):
    path = channel_path(fake)
    parent, child = field.split(".")

    def linking(url: str) -> dict[str, Any]:
        texts = {"author": {"name": "a"}, "footer": {"text": "f"}}
        return {"embeds": [embed(title="t", **{parent: {**texts.get(parent, {}), child: url}})]}

    for bad, code in [("javascript:alert(1)", "URL_TYPE_INVALID_SCHEME"),
                      ("data:image/png;base64,AAAA", "URL_TYPE_INVALID_SCHEME"),
                      ("https://", "URL_TYPE_INVALID_URL"),
                      ("https://example.org/" + "a" * 2029, MAX_LENGTH)]:
        assert await refused(http, "POST", path, linking(bad), "embeds", 0, parent, child) == [
            code], bad
    await accepted(http, "POST", path, linking("https://example.org/" + "a" * 2028))
    # an uploaded file may be an image or an icon, never the author's link
    if field == "author.url":
        assert await refused(http, "POST", path, linking("attachment://logo.png"),
                             "embeds", 0, parent, child) == ["URL_TYPE_INVALID_SCHEME"]
    else:
        await accepted(http, "POST", path, linking("attachment://logo.png"))


async def test_a_custom_id_is_used_once_per_message(fake, http):
    path = channel_path(fake)
    options = [{"label": "o", "value": "o"}]
    twice = [row(button("a"), button("b")), row({"type": 3, "custom_id": "a",
                                                 "options": options})]
    status, body = await call(http, "POST", path, {"components": twice})
    assert status == 400
    assert error_at(body, "components", 1, "components", 0, "custom_id") == [
        "COMPONENT_CUSTOM_ID_DUPLICATED"]
    assert "0" not in body["errors"]["components"]  # the first use is fine
    await accepted(http, "POST", path, {"components": [row(button("a"), button("b")),
                                                       row(button("c"))]})


async def test_buttons_carry_a_custom_id_or_else_a_url(fake, http):
    path = channel_path(fake)
    link = {"type": 2, "style": 5, "label": "Page", "url": "https://example.org"}
    at = ("components", 0, "components", 0)
    assert await refused(http, "POST", path, {"components": [row({**link, "custom_id": "x"})]},
                         *at, "custom_id") == [
        "BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE"]
    no_url = {k: v for k, v in link.items() if k != "url"}
    assert await refused(http, "POST", path, {"components": [row(no_url)]}, *at, "url") == [
        "BASE_TYPE_REQUIRED"]
    no_id = {"type": 2, "style": 1, "label": "Join"}
    assert await refused(http, "POST", path, {"components": [row(no_id)]}, *at,
                         "custom_id") == ["BUTTON_COMPONENT_CUSTOM_ID_REQUIRED"]
    await accepted(http, "POST", path, {"components": [row(link, button("join"))]})
    with_url = {**button("join"), "url": "https://example.org"}
    assert await refused(http, "POST", path, {"components": [row(with_url)]}, *at, "url") == [
        "BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE"]


@pytest.mark.parametrize(("url", "code"), [
    ("javascript:alert(1)", "URL_TYPE_INVALID_SCHEME"),
    ("ftp://example.org/talk", "URL_TYPE_INVALID_SCHEME"),
    ("example.org/talk", "URL_TYPE_INVALID_SCHEME"),
    ("https://", "URL_TYPE_INVALID_URL"),
    ("https://example.org/" + "a" * 493, MAX_LENGTH),  # 513 characters
])
async def test_a_link_buttons_url_is_a_web_or_discord_address_of_512(fake, http, url, code):
    path = channel_path(fake)
    link = {"type": 2, "style": 5, "label": "Page"}
    assert await refused(http, "POST", path, {"components": [row({**link, "url": url})]},
                         "components", 0, "components", 0, "url") == [code]
    for fine in ("https://example.org/" + "a" * 492, "http://example.org",
                 "discord://-/channels/1/2"):
        await accepted(http, "POST", path, {"components": [row({**link, "url": fine})]})


async def test_a_premium_button_carries_a_sku_and_nothing_else(fake, http):
    """components reference, Button: "Premium buttons must contain a sku_id, and cannot
    have a custom_id, label, url, or emoji"; other buttons cannot have a sku_id."""
    path = channel_path(fake)
    at = ("components", 0, "components", 0)
    premium = {"type": 2, "style": 6, "sku_id": "1379220459203072050"}
    await accepted(http, "POST", path, {"components": [row(premium)]})
    assert await refused(http, "POST", path, {"components": [row({"type": 2, "style": 6})]},
                         *at, "sku_id") == ["BASE_TYPE_REQUIRED"]
    for key, value in (("custom_id", "p"), ("label", "Buy"), ("url", "https://example.org"),
                       ("emoji", {"name": "🎉"})):
        assert await refused(http, "POST", path, {"components": [row({
            **premium, key: value})]}, *at, key) == ["BUTTON_COMPONENT_PREMIUM_FIELD_INVALID"]
    assert await refused(http, "POST", path, {"components": [row({
        **button(), "sku_id": "1"})]}, *at, "sku_id") == ["BUTTON_COMPONENT_SKU_ID_INVALID"]


@pytest.mark.parametrize(("emoji", "code"), [
    ({}, "BASE_TYPE_REQUIRED"),
    ({"id": "123"}, "BASE_TYPE_REQUIRED"),
    ({"name": "x" * 33}, MAX_LENGTH),
])
async def test_a_components_emoji_has_a_name_of_32(fake, http, emoji, code):
    """OpenAPI ComponentEmojiForRequest: name required, at most 32 characters (a custom
    emoji's too, beside its id); on a button and on a select's option alike."""
    path = channel_path(fake)
    with_emoji = {**button(), "emoji": emoji}
    assert await refused(http, "POST", path, {"components": [row(with_emoji)]},
                         "components", 0, "components", 0, "emoji", "name") == [code]
    select = {"type": 3, "custom_id": "s", "options": [
        {"label": "a", "value": "a", "emoji": emoji}]}
    assert await refused(http, "POST", path, {"components": [row(select)]}, "components", 0,
                         "components", 0, "options", 0, "emoji", "name") == [code]
    for fine in ({"name": "🎉"}, {"name": "x" * 32, "id": "123"}):
        await accepted(http, "POST", path, {"components": [row({**button(), "emoji": fine})]})


async def test_a_button_shows_a_label_or_an_emoji(fake, http):
    path = channel_path(fake)
    blank = {"type": 2, "style": 1, "custom_id": "b"}
    link = {"type": 2, "style": 5, "url": "https://example.org"}
    for body in (blank, {**blank, "label": ""}, link):
        assert await refused(http, "POST", path, {"components": [row(body)]},
                             "components", 0, "components", 0) == [
            "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED"], body
    await accepted(http, "POST", path, {"components": [row({**blank, "emoji": {"name": "🎉"}})]})
    await accepted(http, "POST", path, {"components": [row({**link, "label": "Page"})]})


async def test_buttons_are_checked_as_discord_py_sends_them(fake, dpy):
    client = dpy
    channel = fake.add_guild().system_channel
    blank = discord.ui.View()
    blank.add_item(discord.ui.Button(custom_id="b"))
    with pytest.raises(discord.HTTPException) as refusal:
        await send(client, channel.id, content="x", view=blank)
    assert refusal.value.status == 400 and refusal.value.code == 50035
    far = discord.ui.View()
    far.add_item(discord.ui.Button(label="Page", url="https://example.org/" + "a" * 493))
    with pytest.raises(discord.HTTPException):
        await send(client, channel.id, content="x", view=far)
    fine = discord.ui.View()
    fine.add_item(discord.ui.Button(custom_id="b", emoji="🎉"))
    fine.add_item(discord.ui.Button(label="Page", url="https://example.org"))
    await send(client, channel.id, content="x", view=fine)
    assert len(fake.messages(channel.id)) == 1


async def test_components_sit_in_action_rows_unless_the_message_is_v2(fake, http):
    path = channel_path(fake)
    assert await refused(http, "POST", path, {"content": "x", "components": [button()]},
                         "components", 0) == ["COMPONENT_TYPE_INVALID"]
    text_input = {"type": 4, "custom_id": "t", "style": 1, "label": "l"}
    assert await refused(http, "POST", path, {"components": [row(text_input)]},
                         "components", 0, "components", 0) == ["COMPONENT_TYPE_INVALID"]
    await accepted(http, "POST", path, {"content": "x", "components": [row(button())]})
    await accepted(http, "POST", path, {"flags": 1 << 15, "components": [
        {"type": 10, "content": "A layout"}, row(button())]})
    # v2: forty components in all, nested ones counted, rather than five rows
    texts = [{"type": 10, "content": f"line {i}"} for i in range(8)]
    await accepted(http, "POST", path, {"flags": 1 << 15, "components": texts})
    container = {"type": 17, "components": [{"type": 10, "content": f"l{i}"} for i in range(40)]}
    assert await refused(http, "POST", path, {"flags": 1 << 15, "components": [container]},
                         "components") == ["BASE_TYPE_MAX_LENGTH"]


@pytest.mark.parametrize("legacy", [
    {"content": "x"}, {"embeds": [{"title": "t"}]}, {"sticker_ids": ["1"]},
    {"poll": {"question": {"text": "q"}, "answers": [{"poll_media": {"text": "a"}}]}},
])
async def test_a_components_v2_message_shows_its_components_alone(fake, http, legacy):
    """message.mdx, Create Message: "When the flag IS_COMPONENTS_V2 is set, the message can
    only contain components. Providing content, embeds, sticker_ids, poll, or
    shared_client_theme will fail with a 400"; so in an edit of such a message."""
    path = channel_path(fake)
    text = {"type": 10, "content": "hi"}
    made = await accepted(http, "POST", path, {"flags": 1 << 15, "components": [text]})
    await accepted(http, "POST", path, {"flags": 1 << 15, "components": [text], "content": "",
                                        "embeds": []})  # empty: nothing legacy to show
    (key,) = legacy
    code = "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2"
    assert await refused(http, "POST", path, {"flags": 1 << 15, "components": [text], **legacy},
                         key) == [code]
    assert await refused(http, "PATCH", f"{path}/{made['id']}", legacy, key) == [code]


async def test_a_select_offers_at_least_max_values_options(fake, http):
    path = channel_path(fake)

    def select(n: int, **values: int) -> dict[str, Any]:
        options = [{"label": f"o{i}", "value": str(i)} for i in range(n)]
        return {"components": [row({"type": 3, "custom_id": "s", "options": options,
                                    **values})]}

    at = ("components", 0, "components", 0)
    assert await refused(http, "POST", path, select(2, max_values=3), *at, "options") == [
        BAD_LENGTH]
    assert await refused(http, "POST", path, select(5, min_values=3, max_values=2), *at,
                         "min_values") == ["NUMBER_TYPE_MAX"]
    assert await refused(http, "POST", path, select(5, min_values=2), *at,  # max_values 1
                         "min_values") == ["NUMBER_TYPE_MAX"]
    assert await refused(http, "POST", path, select(25, max_values=26), *at,
                         "max_values") == ["NUMBER_TYPE_MAX"]
    await accepted(http, "POST", path, select(3, min_values=0, max_values=3))
    await accepted(http, "POST", path, select(1))
    user_select = {"components": [row({"type": 5, "custom_id": "u", "min_values": 2,
                                       "max_values": 10})]}
    await accepted(http, "POST", path, user_select)  # no options to count


async def test_a_selects_option_values_are_distinct(fake, http):
    path = channel_path(fake)

    def select(*values: str) -> dict[str, Any]:
        options = [{"label": f"o{i}", "value": v} for i, v in enumerate(values)]
        return {"components": [row({"type": 3, "custom_id": "s", "options": options})]}

    status, body = await call(http, "POST", path, select("a", "b", "a"))
    assert status == 400
    assert error_at(body, "components", 0, "components", 0, "options", 2) == [
        "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED"]
    assert "0" not in body["errors"]["components"]["0"]["components"]["0"]["options"]
    await accepted(http, "POST", path, select("a", "b", "c"))
    # the same value in two different selects is fine
    two = {"components": [*select("a")["components"], row({
        "type": 3, "custom_id": "t", "options": [{"label": "o", "value": "a"}]})]}
    await accepted(http, "POST", path, two)


async def test_a_message_carries_at_most_10_files_listed_or_not(fake, http):
    """OpenAPI MessageCreateRequest attachments maxItems 10: a message carries at most ten
    files, whether or not the request lists them in `attachments`."""
    path = channel_path(fake)

    async def upload(count: int, listed: bool) -> tuple[int, Any]:
        payload: dict[str, Any] = {"content": "x"}
        if listed:
            payload["attachments"] = [{"id": i} for i in range(count)]
        form = aiohttp.FormData()
        form.add_field("payload_json", json.dumps(payload), content_type="application/json")
        for i in range(count):
            form.add_field(f"files[{i}]", b"abc", filename=f"f{i}.txt")
        async with http.post(path.lstrip("/"), data=form) as resp:
            return resp.status, await resp.json()

    for listed in (False, True):
        status, answer = await upload(11, listed)
        assert status == 400 and error_at(answer, "attachments") == [MAX_LENGTH], answer
        status, answer = await upload(10, listed)
        assert status == 200 and len(answer["attachments"]) == 10, answer


async def test_the_default_upload_limit_is_discords_10_mib():
    """reference.mdx, Uploading Files: "The default limit is 10 MiB for all users" (a server
    without boosts); interactions tell the bot the size the uploads are held to."""
    limit = 10 * 1024**2
    async with FakeDiscord(rate_limits=None, response_deadline=None) as fake:
        assert fake.attachment_size_limit == limit
        guild = fake.add_guild()
        path = f"{fake.api_base}/channels/{guild.system_channel.id}/messages"
        headers = {"Authorization": f"Bot {fake.token}"}
        async with aiohttp.ClientSession(headers=headers) as session:
            for size, status in ((limit, 200), (limit + 1, 413)):
                form = aiohttp.FormData()
                form.add_field("payload_json", '{"content": "file"}',
                               content_type="application/json")
                form.add_field("files[0]", b"x" * size, filename="big.bin")
                async with session.post(path, data=form) as resp:
                    assert resp.status == status
        told: list[int] = []

        async def dispatch(event: str, data: dict[str, Any], **_: Any) -> bool:
            told.append(data["attachment_size_limit"])
            return False  # no bot here: the interaction reaches no one

        fake.dispatch = dispatch  # type: ignore[method-assign]
        fake.register_commands([{"id": "1", "name": "ping", "description": "ping", "type": 1}])
        with pytest.raises(TimeoutError):
            await fake.slash(guild, fake.add_member(guild), "ping")
        assert told == [limit]


async def test_uploads_over_the_attachment_limit_get_413():
    async with FakeDiscord(attachment_size_limit=1000, rate_limits=None) as fake:
        assert FakeDiscord().attachment_size_limit == 10 * 1024**2  # Discord's 10 MiB
        path = fake.api_base + channel_path(fake)
        headers = {"Authorization": f"Bot {fake.token}"}
        async with aiohttp.ClientSession(headers=headers) as session:
            for size, status in ((1000, 200), (1001, 413)):
                form = aiohttp.FormData(quote_fields=False)
                form.add_field("payload_json", '{"content": "file"}')
                form.add_field("files[0]", b"x" * size, filename="big.bin")
                async with session.post(path, data=form) as resp:
                    assert resp.status == status
                    if status == 413:
                        assert (await resp.json())["code"] == 40005


# --------------------------------------------------------------------------- interactions


async def test_interaction_responses_are_checked_under_data(fake, http):
    st = interaction(fake)
    callback = f"/interactions/{st.id}/{st.token}/callback"
    assert await refused(http, "POST", callback,
                         {"type": 4, "data": {"content": "x" * 2001}},
                         "data", "content") == [MAX_LENGTH]
    assert st.response_type is None  # a refused response acknowledges nothing
    await accepted(http, "POST", callback, {"type": 4, "data": {"content": "x" * 2000}})

    clicked = interaction(fake, 3, message_id=int(st.original.data["id"]))
    update = f"/interactions/{clicked.id}/{clicked.token}/callback"
    assert await refused(http, "POST", update,
                         {"type": 7, "data": {"components": [row(button())] * 6}},
                         "data", "components") == [MAX_LENGTH]


async def test_autocomplete_has_at_most_25_choices_of_100(fake, http):
    def answer(choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {"type": 8, "data": {"choices": choices}}

    def callback() -> str:
        st = interaction(fake, 4)
        return f"/interactions/{st.id}/{st.token}/callback"

    at_limit = [{"name": "n" * 100, "value": "v" * 100}] * 25
    await accepted(http, "POST", callback(), answer(at_limit))
    assert await refused(http, "POST", callback(), answer(at_limit + at_limit[:1]),
                         "data", "choices") == [MAX_LENGTH]
    status, body = await call(http, "POST", callback(),
                              answer([{"name": "", "value": "v" * 101}, {"name": "n" * 101,
                                                                        "value": 3}]))
    assert status == 400
    assert error_at(body, "data", "choices", 0, "name") == [BAD_LENGTH]
    assert error_at(body, "data", "choices", 0, "value") == [MAX_LENGTH]
    assert error_at(body, "data", "choices", 1, "name") == [BAD_LENGTH]


async def test_modal_title_and_inputs(fake, http):
    def modal(title: str, label: str) -> dict[str, Any]:
        text_input = {"type": 4, "custom_id": "answer", "style": 1, "label": label}
        return {"type": 9, "data": {"custom_id": "m", "title": title,
                                    "components": [row(text_input)]}}

    st = interaction(fake)
    path = f"/interactions/{st.id}/{st.token}/callback"
    status, body = await call(http, "POST", path, modal("t" * 46, "l" * 46))
    assert status == 400
    assert error_at(body, "data", "title") == [BAD_LENGTH]
    assert error_at(body, "data", "components", 0, "components", 0, "label") == [BAD_LENGTH]
    await accepted(http, "POST", path, modal("t" * 45, "l" * 45))


async def test_a_label_components_text_and_description(fake, http):
    """A label component (type 18) around an input: its text 1-45, its description 100."""
    def labelled(label: str, description: str) -> dict[str, Any]:
        return modal_of({"type": 18, "label": label, "description": description,
                         "component": text_input()})

    st = interaction(fake)
    path = f"/interactions/{st.id}/{st.token}/callback"
    status, body = await call(http, "POST", path, labelled("l" * 46, "d" * 101))
    assert status == 400
    assert error_at(body, "data", "components", 0, "label") == [BAD_LENGTH]
    assert error_at(body, "data", "components", 0, "description") == [MAX_LENGTH]
    assert await refused(http, "POST", path, labelled("", "d"), "data", "components", 0,
                         "label") == [BAD_LENGTH]
    await accepted(http, "POST", path, labelled("l" * 45, "d" * 100))


@pytest.mark.parametrize("kind", [3, 5, 6, 7, 8])
async def test_a_modals_select_sits_in_a_label_not_in_a_row(fake, http, kind):
    """components reference, String Select (and the user, role, mentionable and channel
    selects): "They must be placed inside an Action Row in messages and a Label in
    modals"."""
    select: dict[str, Any] = {"type": kind, "custom_id": "s"}
    if kind == 3:
        select["options"] = [{"label": "a", "value": "a"}]
    st = interaction(fake)
    path = f"/interactions/{st.id}/{st.token}/callback"
    assert await refused(http, "POST", path, modal_of(row(select)),
                         "data", "components", 0, "components", 0) == ["COMPONENT_TYPE_INVALID"]
    await accepted(http, "POST", path, modal_of({"type": 18, "label": "Pick",
                                                 "component": select}))


async def test_a_pre_filled_value_fits_its_inputs_max_length(fake, http):
    def modal(value: str) -> dict[str, Any]:
        text_input = {"type": 4, "custom_id": "venue", "style": 1, "label": "Venue",
                      "max_length": 200, "value": value}
        return {"type": 9, "data": {"custom_id": "m", "title": "Edit",
                                    "components": [row(text_input)]}}

    st = interaction(fake)
    path = f"/interactions/{st.id}/{st.token}/callback"
    status, body = await call(http, "POST", path, modal("v" * 201))
    assert status == 400
    assert error_at(body, "data", "components", 0, "components", 0, "value") == [MAX_LENGTH]
    await accepted(http, "POST", path, modal("v" * 200))


def text_input(custom_id: str = "answer", **fields: Any) -> dict[str, Any]:
    return {"type": 4, "custom_id": custom_id, "style": 1, "label": "Answer", **fields}


def modal_of(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 9, "data": {"custom_id": "m", "title": "Edit",
                                "components": list(components)}}


@pytest.mark.parametrize(("fields", "where", "code"), [
    ({"max_length": 4001}, "max_length", "NUMBER_TYPE_MAX"),
    ({"max_length": 0}, "max_length", "NUMBER_TYPE_MIN"),
    ({"min_length": 4001, "max_length": 4000}, "min_length", "NUMBER_TYPE_MAX"),
    ({"min_length": 11, "max_length": 10}, "min_length", "NUMBER_TYPE_MAX"),
    ({"min_length": -1}, "min_length", "NUMBER_TYPE_MIN"),
    ({"style": 3}, "style", "BASE_TYPE_CHOICES"),
    ({"style": None}, "style", "BASE_TYPE_REQUIRED"),
])
async def test_a_text_inputs_style_and_lengths(fake, http, fields, where, code):
    def callback() -> str:
        st = interaction(fake)
        return f"/interactions/{st.id}/{st.token}/callback"

    assert await refused(http, "POST", callback(), modal_of(row(text_input(**fields))),
                         "data", "components", 0, "components", 0, where) == [code]
    labelled = {"type": 18, "label": "Answer", "component": text_input(**fields)}
    assert await refused(http, "POST", callback(), modal_of(labelled),
                         "data", "components", 0, "component", where) == [code]
    fine = text_input(style=2, min_length=10, max_length=4000)
    await accepted(http, "POST", callback(), modal_of(row(fine)))


async def test_a_custom_id_is_used_once_per_modal(fake, http):
    st = interaction(fake)
    path = f"/interactions/{st.id}/{st.token}/callback"
    labelled = {"type": 18, "label": "Again", "component": text_input("answer")}
    assert await refused(http, "POST", path, modal_of(row(text_input("answer")), labelled),
                         "data", "components", 1, "component", "custom_id") == [
        "COMPONENT_CUSTOM_ID_DUPLICATED"]
    await accepted(http, "POST", path, modal_of(row(text_input("answer")),
                                                row(text_input("venue"))))


async def test_follow_ups_and_their_edits_are_checked(fake, http):
    st = interaction(fake)
    await accepted(http, "POST", f"/interactions/{st.id}/{st.token}/callback",
                   {"type": 5, "data": {}})
    hook = f"/webhooks/{fake.app_id}/{st.token}"
    assert await refused(http, "POST", f"{hook}?wait=1", {"content": "x" * 2001},
                         "content") == [MAX_LENGTH]
    assert st.loading  # the deferral is still waiting for a valid fill
    await accepted(http, "PATCH", f"{hook}/messages/@original", {"content": "ok"})
    assert await refused(http, "PATCH", f"{hook}/messages/@original",
                         {"embeds": [embed(title="t" * 257)]}, "embeds", 0, "title") == [
        MAX_LENGTH]


# --------------------------------------------------------------------------- application commands


def command(name: str = "event", description: str = "Events", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": description, "type": 1, **extra}


def option(name: str = "event", description: str = "Which", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": description, "type": 3, **extra}


async def test_command_names_follow_discords_pattern(fake, http):
    path = f"/applications/{fake.app_id}/commands"
    good = ["event", "rsvp-join", "a_b", "x" * 32, "événement", "पंजीकरण", "ลงทะเบียน", "日程", "v2"]
    await accepted(http, "PUT", path, [command(n) for n in good])
    for bad, code in [("Event", "APPLICATION_COMMAND_INVALID_NAME"),
                      ("rsvp join", "APPLICATION_COMMAND_INVALID_NAME"),
                      ("x" * 33, "APPLICATION_COMMAND_INVALID_NAME"),
                      ("ÉVÉNEMENT", "APPLICATION_COMMAND_INVALID_NAME"),
                      ("emoji🎉", "APPLICATION_COMMAND_INVALID_NAME"),
                      ("rsvp's", "APPLICATION_COMMAND_INVALID_NAME")]:  # GUIDE §6
        assert await refused(http, "PUT", path, [command(bad)], 0, "name") == [code], bad
    assert await refused(http, "PUT", path, [command(options=[option("Bad")])],
                         0, "options", 0, "name") == ["APPLICATION_COMMAND_INVALID_NAME"]
    # context-menu commands may have spaces and capitals, and no description
    await accepted(http, "PUT", path, [{"name": "Show Events", "type": 2, "description": ""}])
    assert [c["name"] for c in fake.commands()] == ["Show Events"]


async def test_command_descriptions_options_and_choices(fake, http):
    path = f"/applications/{fake.app_id}/commands"
    choices = [{"name": "c" * 100, "value": f"v{i}"} for i in range(25)]
    options = [option(f"o{i}", "d") for i in range(24)] + [option("pick", "p", choices=choices)]
    at_limit = command("big", "d" * 100, options=options)
    await accepted(http, "PUT", path, [at_limit])

    assert await refused(http, "PUT", path, [command(description="d" * 101)],
                         0, "description") == [BAD_LENGTH]
    assert await refused(http, "PUT", path, [command(description="")],
                         0, "description") == [BAD_LENGTH]
    assert await refused(http, "PUT", path, [command(options=[*options, option("x")])],
                         0, "options") == [MAX_LENGTH]
    assert await refused(http, "PUT", path,
                         [command(options=[option(choices=choices + choices[:1])])],
                         0, "options", 0, "choices") == [MAX_LENGTH]
    assert await refused(http, "PUT", path,
                         [command(options=[option(choices=[{"name": "n" * 101, "value": "v"}])])],
                         0, "options", 0, "choices", 0, "name") == [BAD_LENGTH]
    assert await refused(http, "PUT", path,
                         [command(options=[option(choices=[{"name": "n", "value": "v" * 101}])])],
                         0, "options", 0, "choices", 0, "value") == [MAX_LENGTH]
    assert await refused(http, "PUT", path, [command(), command()], 1, "name") == [
        "APPLICATION_COMMANDS_DUPLICATE_NAME"]
    assert fake.commands()[0]["name"] == "big"  # the refused syncs changed nothing


async def test_localizations_follow_the_same_rules(fake, http):
    path = f"/applications/{fake.app_id}/commands"
    localized = command(name_localizations={"de": "veranstaltung", "zh-CN": "活动"},
                        description_localizations={"fr": "Événements"})
    await accepted(http, "PUT", path, [localized])
    assert await refused(http, "PUT", path, [command(name_localizations={"de": "Veranstaltung"})],
                         0, "name_localizations", "de") == ["APPLICATION_COMMAND_INVALID_NAME"]
    assert await refused(http, "PUT", path,
                         [command(description_localizations={"fr": "d" * 101})],
                         0, "description_localizations", "fr") == [BAD_LENGTH]
    assert await refused(http, "PUT", path, [command(name_localizations={"en": "event"})],
                         0, "name_localizations", "en") == ["BASE_TYPE_CHOICES"]


async def test_option_and_choice_localizations_follow_the_same_rules(fake, http):
    path = f"/applications/{fake.app_id}/commands"
    pick = option("pick", "p", name_localizations={"zh-CN": "选择", "fr": "l-option"},
                  description_localizations={"zh-TW": "選擇"},
                  choices=[{"name": "On", "value": "on", "name_localizations": {"zh-CN": "开启"}}])
    await accepted(http, "PUT", path, [command(options=[pick], name_localizations=None)])
    for localizations, code in [({"zh-CN": "Pick"}, "APPLICATION_COMMAND_INVALID_NAME"),
                                ({"zh-CN": "选 择"}, "APPLICATION_COMMAND_INVALID_NAME"),
                                ({"zh-CN": "选" * 33}, "APPLICATION_COMMAND_INVALID_NAME"),
                                ({"zh-CN": ""}, "APPLICATION_COMMAND_INVALID_NAME"),
                                ({"fr": "l'option"}, "APPLICATION_COMMAND_INVALID_NAME"),
                                ({"zh": "选择"}, "BASE_TYPE_CHOICES")]:
        bad = option("pick", "p", name_localizations=localizations)
        key = next(iter(localizations))
        assert await refused(http, "PUT", path, [command(options=[bad])],
                             0, "options", 0, "name_localizations", key) == [code], localizations
    for localizations, code in [({"zh-TW": ""}, BAD_LENGTH), ({"zh-TW": "選" * 101}, BAD_LENGTH),
                                ({"xx": "選擇"}, "BASE_TYPE_CHOICES")]:
        bad = option("pick", "p", description_localizations=localizations)
        key = next(iter(localizations))
        assert await refused(http, "PUT", path, [command(options=[bad])], 0, "options", 0,
                             "description_localizations", key) == [code], localizations
    for name, code in [("", BAD_LENGTH), ("开" * 101, BAD_LENGTH)]:
        bad = option("pick", "p", choices=[{"name": "On", "value": "on",
                                            "name_localizations": {"zh-CN": name}}])
        assert await refused(http, "PUT", path, [command(options=[bad])], 0, "options", 0,
                             "choices", 0, "name_localizations", "zh-CN") == [code]
    assert fake.commands()[0]["options"][0]["name_localizations"]["fr"] == "l-option"


async def test_sibling_options_have_distinct_names_in_every_locale(fake, http):
    path = f"/applications/{fake.app_id}/commands"
    two = [option("event", name_localizations={"zh-CN": "活动"}),
           option("venue", name_localizations={"zh-CN": "地点", "zh-TW": "活動"})]
    await accepted(http, "PUT", path, [command(options=two)])  # other locales may share
    same_locale = [two[0], option("venue", name_localizations={"zh-CN": "活动"})]
    assert await refused(http, "PUT", path, [command(options=same_locale)], 0, "options", 1,
                         "name_localizations", "zh-CN") == [
        "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME"]
    a_default = [two[0], option("venue", name_localizations={"zh-CN": "event"})]
    assert await refused(http, "PUT", path, [command(options=a_default)], 0, "options", 1,
                         "name_localizations", "zh-CN") == [
        "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME"]
    assert await refused(http, "PUT", path, [command(options=[option(), option()])],
                         0, "options", 1, "name") == ["APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME"]
    assert [o["name"] for o in fake.commands()[0]["options"]] == ["event", "venue"]


async def test_a_command_has_at_most_4000_characters(fake, http):
    """Names, descriptions and choice values count, the longest localization of each."""
    path = f"/applications/{fake.app_id}/commands"

    def sized(last_choice_name: int, localized: bool = True) -> dict[str, Any]:
        choices = [{"name": "c" * 100, "value": "v" * 100}] * 6 + [
            {"name": "c" * last_choice_name, "value": "v" * 100}]  # 1,200 + 100 + n
        options = [option(f"o{i:02}", "d" * 100) for i in range(25)]  # 25 x 103 = 2,575
        options[0]["choices"] = choices
        localizations = {"de": "l" * 100, "fr": "short"} if localized else {}
        # 3 + 100 (the German description, not the 1-character default)
        return command("big", "d", options=options, description_localizations=localizations)

    await accepted(http, "PUT", path, [sized(22)])  # 3 + 100 + 2,575 + 1,300 + 22 = 4,000
    assert await refused(http, "PUT", path, [sized(23)], 0) == ["APPLICATION_COMMAND_TOO_LARGE"]
    await accepted(http, "PUT", path, [sized(23, localized=False)])  # 99 fewer


async def test_required_options_come_first(fake, http):
    path = f"/applications/{fake.app_id}/commands"
    late = [option("venue", required=False), option("event", required=True)]
    assert await refused(http, "PUT", path, [command(options=late)], 0, "options", 1) == [
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"]
    sub = {"type": 1, "name": "join", "description": "Join", "options": late}
    assert await refused(http, "PUT", path, [command(options=[sub])],
                         0, "options", 0, "options", 1) == [
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"]
    first = [option("event", required=True), option("venue"), option("note", required=False)]
    await accepted(http, "PUT", path, [command(options=first)])
    subs = [{**sub, "options": first}, {**sub, "name": "leave", "options": first}]
    await accepted(http, "PUT", path, [command(options=subs)])  # sub-commands are no options


SUB = {"type": 1, "name": "join", "description": "Join"}
GROUP = {"type": 2, "name": "rsvp", "description": "RSVP"}


@pytest.mark.parametrize(("options", "at", "code"), [
    ([{**option(), "type": 99}], (0, "type"), "BASE_TYPE_CHOICES"),
    ([{"name": "event", "description": "Which"}], (0, "type"), "BASE_TYPE_REQUIRED"),
    ([{**SUB, "options": [{**SUB, "name": "leave"}]}], (0, "options", 0, "type"),
     "BASE_TYPE_CHOICES"),
    ([{**SUB, "options": [GROUP]}], (0, "options", 0, "type"), "BASE_TYPE_CHOICES"),
    ([{**GROUP, "options": [{**GROUP, "name": "inner", "options": [SUB]}]}],
     (0, "options", 0, "type"), "BASE_TYPE_CHOICES"),
    ([{**GROUP, "options": [option()]}], (0, "options", 0, "type"), "BASE_TYPE_CHOICES"),
])
async def test_options_nest_as_discord_allows(fake, http, options, at, code):
    """OpenAPI: an option's type (required) is ApplicationCommandOptionType, 1-11; a
    sub-command holds plain options only, a group sub-commands only."""
    path = f"/applications/{fake.app_id}/commands"
    assert await refused(http, "PUT", path, [command(options=options)], 0, "options",
                         *at) == [code]
    nested = {**GROUP, "options": [{**SUB, "options": [option()]}]}
    await accepted(http, "PUT", path, [command(options=[nested, {**SUB, "name": "leave"}])])


@pytest.mark.parametrize(("field", "values"), [
    ("contexts", [0, 1, 2]), ("integration_types", [0, 1])])
async def test_contexts_and_integration_types_list_their_values(fake, http, field, values):
    """OpenAPI ApplicationCommandCreateRequest: contexts (InteractionContextType 0-2) and
    integration_types (ApplicationIntegrationType 0-1) are null or lists of at least one
    value, each once."""
    path = f"/applications/{fake.app_id}/commands"
    assert await refused(http, "PUT", path, [command(**{field: [9]})], 0, field, 0) == [
        "BASE_TYPE_CHOICES"]
    assert await refused(http, "PUT", path, [command(**{field: []})], 0, field) == [BAD_LENGTH]
    assert await refused(http, "PUT", path, [command(**{field: [0, 0]})], 0, field, 1) == [
        "SET_TYPE_ALREADY_CONTAINS_VALUE"]
    for fine in (values, values[:1], None):
        await accepted(http, "PUT", path, [command(**{field: fine})])


async def test_autocomplete_and_choices_exclude_each_other(fake, http):
    path = f"/applications/{fake.app_id}/commands"
    choices = [{"name": "On", "value": "on"}]
    assert await refused(http, "PUT", path,
                         [command(options=[option(autocomplete=True, choices=choices)])],
                         0, "options", 0, "autocomplete") == [
        "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES"]
    await accepted(http, "PUT", path, [command(options=[option(autocomplete=True),
                                                        option("mode", choices=choices)])])


@pytest.mark.parametrize(("bounds", "where", "code"), [
    ({"min_length": 6001}, "min_length", "NUMBER_TYPE_MAX"),
    ({"min_length": -1}, "min_length", "NUMBER_TYPE_MIN"),
    ({"max_length": 6001}, "max_length", "NUMBER_TYPE_MAX"),
    ({"max_length": 0}, "max_length", "NUMBER_TYPE_MIN"),
])
async def test_a_string_options_length_bounds(fake, http, bounds, where, code):
    path = f"/applications/{fake.app_id}/commands"
    assert await refused(http, "PUT", path, [command(options=[option(**bounds)])],
                         0, "options", 0, where) == [code]
    await accepted(http, "PUT", path, [command(options=[option(min_length=0, max_length=6000),
                                                        option("note", max_length=1)])])


# --------------------------------------------------------------------------- scheduled events


def event(**fields: Any) -> dict[str, Any]:
    return {"name": "Talk", "privacy_level": 2, "entity_type": 3,
            "scheduled_start_time": "2030-01-01T18:00:00+00:00",
            "scheduled_end_time": "2030-01-01T20:00:00+00:00",
            "entity_metadata": {"location": "Room 1"}, **fields}


async def test_scheduled_event_limits_on_create_and_edit(fake, http):
    guild = fake.add_guild()
    path = f"/guilds/{guild.id}/scheduled-events"
    created = await accepted(http, "POST", path, event(
        name="n" * 100, description="d" * 1000, entity_metadata={"location": "l" * 100}))
    assert await refused(http, "POST", path, event(name="n" * 101), "name") == [BAD_LENGTH]
    assert await refused(http, "POST", path, event(description="d" * 1001),
                         "description") == [MAX_LENGTH]
    assert await refused(http, "POST", path, event(entity_metadata={"location": "l" * 101}),
                         "entity_metadata", "location") == [BAD_LENGTH]
    assert await refused(http, "POST", path, event(scheduled_end_time=None),
                         "scheduled_end_time") == ["BASE_TYPE_REQUIRED"]
    assert await refused(http, "POST", path,
                         event(scheduled_end_time="2030-01-01T17:00:00+00:00"),
                         "scheduled_end_time") == ["GUILD_SCHEDULED_EVENT_END_BEFORE_START"]

    one = f"{path}/{created['id']}"
    assert await refused(http, "PATCH", one, {"name": "n" * 101}, "name") == [BAD_LENGTH]
    assert await refused(http, "PATCH", one, {"scheduled_start_time": "2030-01-01T21:00:00Z"},
                         "scheduled_end_time") == ["GUILD_SCHEDULED_EVENT_END_BEFORE_START"]
    await accepted(http, "PATCH", one, {"description": "shorter"})
    assert fake.scheduled_events(guild)[0]["name"] == "n" * 100


async def test_a_server_has_at_most_100_scheduled_events_to_come_or_going_on(fake, http):
    """Discord: the 101st scheduled event of a server that has 100 still to come or going
    on is refused (400, code 30038) and not made; one ended, cancelled or deleted makes
    room for another."""
    guild = fake.add_guild()
    path = f"/guilds/{guild.id}/scheduled-events"
    made = [await accepted(http, "POST", path, event(name=f"Talk {n}")) for n in range(100)]
    assert await call(http, "POST", path, event(name="One too many")) == (400, {
        "message": "Maximum number of uncompleted guild scheduled events reached (100)",
        "code": 30038})
    assert len(fake.scheduled_events(guild)) == 100
    fake.edit_scheduled_event(guild, made[0]["id"], status=2)  # going on: still counts
    assert (await call(http, "POST", path, event(name="Still too many")))[0] == 400
    fake.edit_scheduled_event(guild, made[0]["id"], status=3)  # ended
    await accepted(http, "POST", path, event(name="In the ended one's place"))
    assert (await call(http, "POST", path, event(name="Full again")))[0] == 400
    fake.edit_scheduled_event(guild, made[1]["id"], status=4)  # cancelled
    await accepted(http, "POST", path, event(name="In the cancelled one's place"))
    fake.delete_scheduled_event(guild, made[2]["id"])
    await accepted(http, "POST", path, event(name="In the deleted one's place"))
    assert (await call(http, "POST", path, event(name="Full once more")))[0] == 400
    assert len([e for e in fake.scheduled_events(guild) if e["status"] in (1, 2)]) == 100


async def test_a_scheduled_event_starts_in_the_future(fake, http):
    guild = fake.add_guild()
    path = f"/guilds/{guild.id}/scheduled-events"
    now = datetime.now(UTC)
    past = event(scheduled_start_time=(now - timedelta(minutes=1)).isoformat(),
                 scheduled_end_time=(now + timedelta(hours=1)).isoformat())
    assert await refused(http, "POST", path, past, "scheduled_start_time") == [
        "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST"]
    soon = event(scheduled_start_time=(now + timedelta(minutes=1)).isoformat(),
                 scheduled_end_time=(now + timedelta(hours=1)).isoformat())
    created = await accepted(http, "POST", path, soon)
    one = f"{path}/{created['id']}"
    assert await refused(http, "PATCH", one, {"scheduled_start_time": past[
        "scheduled_start_time"]}, "scheduled_start_time") == [
        "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST"]
    await accepted(http, "PATCH", one, {"name": "Renamed"})  # a start it does not send
    assert fake.scheduled_events(guild)[0]["scheduled_start_time"] == soon[
        "scheduled_start_time"]


@pytest.mark.parametrize("start", ["2020-01-01T00:00:00", "2020-01-01"])
async def test_a_time_without_an_offset_is_held_to_the_same_rules(fake, http, start):
    """guild-scheduled-event.mdx: scheduled_start_time an ISO8601 timestamp, none in the
    past. A time without an offset (a date alone too) is read as UTC, and checked as any
    other: a start in 2020 is in the past, an end before the start refused."""
    guild = fake.add_guild()
    path = f"/guilds/{guild.id}/scheduled-events"
    assert await refused(http, "POST", path, event(
        scheduled_start_time=start, scheduled_end_time="2020-01-02T00:00:00"),
        "scheduled_start_time") == ["GUILD_SCHEDULED_EVENT_SCHEDULE_PAST"]
    assert await refused(http, "POST", path, event(
        scheduled_start_time="2030-01-02T00:00:00", scheduled_end_time="2030-01-01"),
        "scheduled_end_time") == ["GUILD_SCHEDULED_EVENT_END_BEFORE_START"]
    await accepted(http, "POST", path, event(scheduled_start_time="2030-01-01T18:00:00",
                                             scheduled_end_time="2030-01-01T20:00:00+00:00"))


@pytest.mark.parametrize("field", ["name", "scheduled_start_time", "privacy_level"])
async def test_an_edit_cannot_clear_what_an_event_needs(fake, http, field):
    """OpenAPI ExternalScheduledEventPatchRequestPartial: name, scheduled_start_time and
    privacy_level are not nullable."""
    guild = fake.add_guild()
    path = f"/guilds/{guild.id}/scheduled-events"
    made = await accepted(http, "POST", path, event())
    assert await refused(http, "PATCH", f"{path}/{made['id']}", {field: None}, field) == [
        "BASE_TYPE_REQUIRED"]
    assert fake.scheduled_events(guild)[0][field] == made[field]
    await accepted(http, "PATCH", f"{path}/{made['id']}", {"description": None})


async def test_an_active_scheduled_events_start_cannot_be_moved(fake, http):
    """Discord: an event going on (ACTIVE) has begun, so its start is not changed, not
    even into the future (400, 50035); its other fields are."""
    guild = fake.add_guild()
    path = f"/guilds/{guild.id}/scheduled-events"
    now = datetime.now(UTC)
    created = await accepted(http, "POST", path, event(
        scheduled_start_time=(now + timedelta(minutes=1)).isoformat(),
        scheduled_end_time=(now + timedelta(hours=1)).isoformat()))
    one = f"{path}/{created['id']}"
    await accepted(http, "PATCH", one, {"status": 2})  # started by hand
    later = (now + timedelta(days=1)).isoformat()
    assert await refused(http, "PATCH", one, {"scheduled_start_time": later},
                         "scheduled_start_time") == ["GUILD_SCHEDULED_EVENT_ACTIVE_START_TIME"]
    await accepted(http, "PATCH", one, {"name": "Renamed while on"})
    [kept] = fake.scheduled_events(guild)
    assert (kept["scheduled_start_time"], kept["status"]) == (
        created["scheduled_start_time"], 2)


async def test_a_moderators_edit_in_discords_client_keeps_discords_rules(fake, http):
    """A moderator's edit in Discord's own client (`FakeDiscord.edit_scheduled_event`) goes
    through the same rules as the bot's: a start moved on an event going on, a start in
    the past, a name over 100 characters or an end before the start is refused
    (ValueError) and the event left as it was, so no test sets up an event Discord could
    never hold."""
    guild = fake.add_guild()
    path = f"/guilds/{guild.id}/scheduled-events"
    made = await accepted(http, "POST", path, event())
    now = datetime.now(UTC)
    for fields in ({"name": "n" * 101},
                   {"scheduled_start_time": (now - timedelta(hours=1)).isoformat()},
                   {"scheduled_end_time": "2030-01-01T17:00:00+00:00"}):
        with pytest.raises(ValueError):
            fake.edit_scheduled_event(guild, made["id"], **fields)
    fake.edit_scheduled_event(guild, made["id"], status=2)  # "Start Event", by hand
    with pytest.raises(ValueError):
        fake.edit_scheduled_event(guild, made["id"],
                                  scheduled_start_time="2030-02-01T18:00:00+00:00",
                                  scheduled_end_time="2030-02-01T20:00:00+00:00")
    [kept] = fake.scheduled_events(guild)
    assert {key: kept[key] for key in made if key != "status"} == {
        key: made[key] for key in made if key != "status"}
    fake.edit_scheduled_event(guild, made["id"], name="Renamed while on")
    assert fake.scheduled_events(guild)[0]["name"] == "Renamed while on"


async def test_scheduled_events_take_the_bots_server_level_event_permissions(fake, http):
    """Discord: Create Events makes an external event and edits or deletes the bot's own,
    Manage Events any; both by the bot's roles, never by a channel's overwrite."""
    guild = fake.add_guild()
    mine = next(r for r in guild.roles.values() if r.bot_id == fake.bot_user.id)
    path = f"/guilds/{guild.id}/scheduled-events"
    created = await accepted(http, "POST", path, event())
    one = f"{path}/{created['id']}"
    mine.permissions &= ~(MANAGE_EVENTS | CREATE_EVENTS)
    fake.set_overwrite(guild.system_channel, mine, allow=MANAGE_EVENTS | CREATE_EVENTS)
    assert await call(http, "POST", path, event()) == (403, MISSING_PERMISSIONS)
    assert await call(http, "PATCH", one, {"name": "Renamed"}) == (403, MISSING_PERMISSIONS)
    assert await call(http, "DELETE", one) == (403, MISSING_PERMISSIONS)
    guild.scheduled_events[int(created["id"])]["creator_id"] = "1"  # someone else's event
    mine.permissions |= CREATE_EVENTS
    assert await call(http, "PATCH", one, {"name": "Renamed"}) == (403, MISSING_PERMISSIONS)
    own = await accepted(http, "POST", path, event())
    await accepted(http, "PATCH", f"{path}/{own['id']}", {"name": "Renamed"})
    await accepted(http, "DELETE", f"{path}/{own['id']}", None)
    mine.permissions |= MANAGE_EVENTS
    await accepted(http, "DELETE", one, None)
    assert fake.scheduled_events(guild) == []


FINISHED_EVENT = {"message": "Cannot update a finished event", "code": 180000}


async def test_a_scheduled_events_status_moves_only_as_discord_allows(fake, http):
    """Discord: SCHEDULED -> ACTIVE or CANCELED, ACTIVE -> COMPLETED; a COMPLETED or
    CANCELED event takes no update at all (400, 180000), though it may be deleted."""
    guild = fake.add_guild()
    path = f"/guilds/{guild.id}/scheduled-events"
    ended = await accepted(http, "POST", path, event())
    cancelled = await accepted(http, "POST", path, event())
    assert await refused(http, "PATCH", f"{path}/{ended['id']}", {"status": 3},
                         "status") == ["GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION"]
    for one, steps in ((ended, (2, 3)), (cancelled, (4,))):
        one_path = f"{path}/{one['id']}"
        for status in steps:
            await accepted(http, "PATCH", one_path, {"status": status})
        assert await call(http, "PATCH", one_path, {"name": "Renamed"}) == (400, FINISHED_EVENT)
        assert await call(http, "PATCH", one_path, {"status": 2}) == (400, FINISHED_EVENT)
        assert guild.scheduled_events[int(one["id"])]["name"] == "Talk"
        await accepted(http, "DELETE", one_path, None)
    active = await accepted(http, "POST", path, event())
    await accepted(http, "PATCH", f"{path}/{active['id']}", {"status": 2})
    for status in (1, 4):
        assert await refused(http, "PATCH", f"{path}/{active['id']}", {"status": status},
                             "status") == ["GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION"]
    with pytest.raises(ValueError):  # nor in Discord's own UI
        fake.edit_scheduled_event(guild, active["id"], status=4)


async def test_discord_begins_and_ends_an_external_event_by_itself(fake, http):
    """An external event is ACTIVE from its scheduled start and COMPLETED at its
    scheduled end, whatever anyone does: then an edit is refused as Discord refuses it."""
    guild = fake.add_guild()
    path = f"/guilds/{guild.id}/scheduled-events"
    created = await accepted(http, "POST", path, event())
    stored = guild.scheduled_events[int(created["id"])]
    now = datetime.now(UTC)
    stored["scheduled_start_time"] = (now - timedelta(hours=1)).isoformat()  # time has passed
    assert (await accepted(http, "GET", f"{path}/{created['id']}", None))["status"] == 2
    stored["scheduled_end_time"] = (now - timedelta(minutes=1)).isoformat()
    assert [e["status"] for e in await accepted(http, "GET", path, None)] == [3]
    assert await call(http, "PATCH", f"{path}/{created['id']}", {
        "scheduled_end_time": (now + timedelta(hours=1)).isoformat()}) == (400, FINISHED_EVENT)


# --------------------------------------------------------------------------- role grants


def grant_path(guild: Guild, member: Member, role: Role) -> str:
    return f"/guilds/{guild.id}/members/{member.id}/roles/{role.id}"


MISSING_PERMISSIONS = {"message": "Missing Permissions", "code": 50013}


async def test_the_bot_gives_only_roles_below_its_own(fake, http):
    guild = fake.add_guild()
    member = fake.add_member(guild)
    mine = next(r for r in guild.roles.values() if r.bot_id == fake.bot_user.id)
    below, above = fake.add_role(guild, "Attendee"), fake.add_role(guild, "Moderators")
    below.position, mine.position, above.position = 1, 2, 3
    level = fake.add_role(guild, "Level")
    level.position = mine.position
    for role in (above, level, mine):  # above it, at its height, and its own managed role
        for method in ("PUT", "DELETE"):
            assert await call(http, method, grant_path(guild, member, role)) == (
                403, MISSING_PERMISSIONS), (role.name, method)
    assert member.roles == []
    for method in ("PUT", "DELETE"):
        assert (await call(http, method, grant_path(guild, member, below)))[0] == 204
    status, body = await call(http, "PUT", grant_path(guild, member, guild.everyone))
    assert (status, body["code"]) == (404, 10011)


async def test_the_bot_needs_manage_roles_at_server_level(fake, http):
    guild = fake.add_guild()
    member = fake.add_member(guild)
    mine = next(r for r in guild.roles.values() if r.bot_id == fake.bot_user.id)
    attendee = fake.add_role(guild, "Attendee")
    attendee.position, mine.position = 1, 2
    mine.permissions &= ~MANAGE_ROLES
    # a channel overwrite granting it does not count: granting roles is server-wide
    fake.set_overwrite(guild.system_channel, mine, allow=MANAGE_ROLES)
    assert await call(http, "PUT", grant_path(guild, member, attendee)) == (
        403, MISSING_PERMISSIONS)
    admin = fake.add_role(guild, "Bots", ADMINISTRATOR)
    admin.position = 0  # administrator implies Manage Roles; the height stays its own role's
    guild.members[fake.bot_user.id].roles.append(admin)
    assert (await call(http, "PUT", grant_path(guild, member, attendee)))[0] == 204
    assert attendee in member.roles


async def test_a_server_owner_bot_gives_any_unmanaged_role(fake, http):
    guild = fake.add_guild()
    member = fake.add_member(guild)
    mine = next(r for r in guild.roles.values() if r.bot_id == fake.bot_user.id)
    high = fake.add_role(guild, "High")
    guild.owner_id = fake.bot_user.id
    mine.permissions = 0
    assert (await call(http, "PUT", grant_path(guild, member, high)))[0] == 204
    assert await call(http, "PUT", grant_path(guild, member, mine)) == (
        403, MISSING_PERMISSIONS)


async def test_limits_can_be_turned_off():
    async with FakeDiscord(limits=False, rate_limits=None) as fake:
        headers = {"Authorization": f"Bot {fake.token}"}
        async with aiohttp.ClientSession(fake.api_base + "/", headers=headers) as http:
            await accepted(http, "POST", channel_path(fake), {"content": "x" * 2001})


async def test_a_nonce_enforced_twice_returns_the_first_message(fake, http):
    """Discord: with enforce_nonce, a nonce sent again within a few minutes returns the
    message it made instead of making another; without it, or with another nonce, it
    makes one. A nonce is at most 25 characters."""
    path = channel_path(fake)
    first = await accepted(http, "POST", path, {"content": "a", "nonce": "n1",
                                                "enforce_nonce": True})
    again = await accepted(http, "POST", path, {"content": "a", "nonce": "n1",
                                                "enforce_nonce": True})
    other = await accepted(http, "POST", path, {"content": "a", "nonce": "n2",
                                                "enforce_nonce": True})
    loose = await accepted(http, "POST", path, {"content": "a", "nonce": "n1"})
    assert again["id"] == first["id"] and len({first["id"], other["id"], loose["id"]}) == 3
    assert await refused(http, "POST", path, {"content": "a", "nonce": "n" * 26}, "nonce") == [
        MAX_LENGTH]


async def test_a_held_call_is_carried_out_and_answered_late(fake, http):
    path = channel_path(fake)
    fake.hold("POST", r"/messages$", 0.5)
    started = asyncio.get_running_loop().time()
    task = asyncio.ensure_future(accepted(http, "POST", path, {"content": "held"}))
    await asyncio.sleep(0.2)
    assert not task.done() and [m["content"] for m in fake.messages(int(path.split("/")[2]))
                                ] == ["held"]  # posted, not yet answered
    await task
    assert asyncio.get_running_loop().time() - started >= 0.5


async def test_a_dropped_call_closes_its_connection_done_or_not(fake, http):
    """`fail(disconnect=True)`: no answer, the connection closed (aiohttp's
    ServerDisconnectedError for the caller); with `carried_out`, after the call was done."""
    path = channel_path(fake)
    channel = int(path.split("/")[2])
    fake.fail("POST", r"/messages$", disconnect=True)
    fake.fail("POST", r"/messages$", disconnect=True, carried_out=True)
    for content in ("dropped", "done, then dropped"):
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await call(http, "POST", path, {"content": content})
    assert [m["content"] for m in fake.messages(channel)] == ["done, then dropped"]
    assert [r.status for r in fake.requests if r.path == path][-2:] == [444, 444]
    await accepted(http, "POST", path, {"content": "answered"})  # a new connection


async def test_a_fault_on_a_body_field_meets_only_the_calls_that_carry_it(fake, http):
    """`fail(body=...)` answers only the calls whose JSON body holds the fields (a snowflake
    as a number or a string alike): one member's DM channel failed to open while another's,
    opened meanwhile (a reminder's, say), opens."""
    guild = fake.add_guild()
    member, other = fake.add_member(guild, "failed"), fake.add_member(guild, "passing")
    fake.fail("POST", r"^/users/@me/channels$", status=503, body={"recipient_id": member.id})
    await accepted(http, "POST", "/users/@me/channels", {"recipient_id": str(other.id)})
    assert (await call(http, "POST", "/users/@me/channels",
                       {"recipient_id": str(member.id)}))[0] == 503
    await accepted(http, "POST", "/users/@me/channels", {"recipient_id": member.id})  # once


async def test_at_a_distance_a_call_is_carried_out_halfway_and_answered_after_its_round_trip(
        fake, http):
    path = channel_path(fake)
    channel = int(path.split("/")[2])
    loop = asyncio.get_running_loop()
    fake.set_latency(http=(0.4, 0.4), seed=1)  # 0.2 s each way
    try:
        started = loop.time()
        task = asyncio.ensure_future(accepted(http, "POST", path, {"content": "far"}))
        await until(lambda: fake.messages(channel), 5, "the post")
        posted = loop.time() - started
        assert not task.done()
        await task
        answered = loop.time() - started
        assert 0.2 <= posted < answered and answered >= 0.4
        fake.set_latency(slow_share=1.0, slow=(0.5, 0.5))  # every answer held back 0.5 s
        started = loop.time()
        await accepted(http, "POST", path, {"content": "slow"})
        assert loop.time() - started >= 0.5
    finally:  # (the module's other tests share this Discord)
        fake.set_latency()
    assert fake.latency is None


async def test_a_member_who_left_is_unknown_and_out_of_reach_of_dms(fake, http):
    """As on Discord: a member who left the server is an Unknown Member there, and a bot
    can DM only users it shares a server with."""
    guild = fake.add_guild()
    member = fake.add_member(guild, "leaver")
    path = f"/guilds/{guild.id}/members/{member.id}"
    assert (await call(http, "GET", path))[0] == 200
    dm = await accepted(http, "POST", "/users/@me/channels", {"recipient_id": str(member.id)})
    await accepted(http, "POST", f"/channels/{dm['id']}/messages", {"content": "hello"})
    fake.remove_member(guild, member)
    assert await call(http, "GET", path) == (404, {"message": "Unknown Member", "code": 10007})
    assert await call(http, "POST", f"/channels/{dm['id']}/messages", {"content": "hi"}) == (
        403, {"message": "Cannot send messages to this user", "code": 50007})
    assert [m["content"] for m in fake.dms(member)] == ["hello"]


async def test_a_channel_says_which_message_it_ends_with(fake, http):
    """As on Discord: a DM channel opened (and any channel read) carries `last_message_id`,
    the id of its latest message, None while it has none; a bot reads it to tell whether
    it wrote there since some moment without reading the history."""
    guild = fake.add_guild()
    member = fake.add_member(guild, "written to")
    dm = await accepted(http, "POST", "/users/@me/channels", {"recipient_id": str(member.id)})
    assert dm["last_message_id"] is None
    first = await accepted(http, "POST", f"/channels/{dm['id']}/messages", {"content": "one"})
    second = await accepted(http, "POST", f"/channels/{dm['id']}/messages", {"content": "two"})
    again = await accepted(http, "POST", "/users/@me/channels", {"recipient_id": str(member.id)})
    assert again["id"] == dm["id"] and again["last_message_id"] == second["id"] != first["id"]
    read = await accepted(http, "GET", f"/channels/{dm['id']}", None)
    assert read["last_message_id"] == second["id"]
    text = guild.system_channel
    said = await accepted(http, "POST", f"/channels/{text.id}/messages", {"content": "hi"})
    read = await accepted(http, "GET", f"/channels/{text.id}", None)
    assert read["last_message_id"] == said["id"]


async def test_a_disabled_component_takes_no_click(fake, http):
    """Discord's client greys out a disabled button or select and sends no interaction
    for it; only a modified client (``forged``) could."""
    guild = fake.add_guild()
    member = fake.add_member(guild, "clicker")
    row = {"type": 1, "components": [
        {"type": 2, "style": 1, "label": "Join", "custom_id": "join", "disabled": True}]}
    menu = {"type": 1, "components": [
        {"type": 3, "custom_id": "pick", "disabled": True,
         "options": [{"label": "One", "value": "1"}]}]}
    posted = await accepted(http, "POST", f"/channels/{guild.system_channel.id}/messages",
                            {"content": "greyed", "components": [row, menu]})
    with pytest.raises(LookupError, match="'join' is disabled"):
        await fake.click(guild, member, posted, "join")
    with pytest.raises(LookupError, match="'pick' is disabled"):
        await fake.click(guild, member, posted, "pick", values=["1"])
    assert not [r for r in fake.requests if r.route and "interaction" in r.route]


async def test_only_an_option_with_autocomplete_is_completed(fake):
    """Discord asks the app for choices only while a member types an option synced with
    ``autocomplete: true``; typing any other option sends nothing."""
    guild = fake.add_guild()
    member = fake.add_member(guild, "typist")
    sent: list[dict[str, Any]] = []

    async def dispatch(event: str, data: dict[str, Any], **_: Any) -> bool:
        sent.append(data)
        return False  # no bot here: the interaction reaches no one

    fake.dispatch = dispatch  # type: ignore[method-assign]
    fake.register_commands([{"id": "1", "name": "find", "description": "find", "type": 1,
                             "options": [
                                 {"type": 3, "name": "event", "description": "event",
                                  "autocomplete": True},
                                 {"type": 3, "name": "note", "description": "note"}]}])
    with pytest.raises(LookupError, match="'note' has no autocomplete"):
        await fake.autocomplete(guild, member, "find", focused="note", note="x")
    assert sent == []
    fake.response_deadline = 0.1  # (nobody answers the one Discord does send)
    with pytest.raises(TimeoutError):
        await fake.autocomplete(guild, member, "find", focused="event", event="x")
    [typed] = sent
    assert typed["type"] == 4 and typed["data"]["options"][0]["focused"]
