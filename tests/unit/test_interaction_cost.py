"""What every interaction costs the bot beyond its own handler: `/rsvp join` is the hot
path, so no cog may listen to every interaction (discord.py starts a task per listener
on each one)."""

from __future__ import annotations

import dataclasses
import gc
import tracemalloc

import pytest

from bot.app import EXTENSIONS, EventBot
from bot.config import load_settings
from bot.i18n import language
from bot.storage import open_store
from cogs.events import (
    RENDERED,
    RENDERED_TEXT,
    RenderedOnce,
    info_embed,
    speakers_pages,
    takeaways_pages,
)
from tests.unit.test_render import event


@pytest.fixture
async def bot(tmp_path):
    settings = load_settings({"DATABASE_PATH": str(tmp_path / "bot.sqlite3")}, env_file=None)
    store = await open_store(settings.database_path)
    client = EventBot(settings, store)
    for extension in EXTENSIONS:
        await client.load_extension(extension)
    yield client
    for extension in EXTENSIONS:
        await client.unload_extension(extension)
    await client.close()
    await store.close()


async def test_no_cog_listens_to_every_interaction(bot):
    assert not bot.extra_events.get("on_interaction")



def test_a_reply_is_rendered_once_per_language_and_state_of_an_event():
    rendered = []

    def render(lang, shown):
        rendered.append((lang.code, shown.confirmed))
        return object()

    reply = RenderedOnce(render)
    english, chinese = language("en-US"), language("zh-CN")
    first = reply(english, event())
    assert reply(english, event()) is first  # an equal event, another object
    assert reply(english, event(confirmed=13)) is not first
    assert reply(english, event(confirmed=13)) is reply(english, event(confirmed=13))
    reply(chinese, event(confirmed=13))
    assert reply(english, dataclasses.replace(event(), title="Renamed")) is not first
    assert rendered == [("en-US", 12), ("en-US", 13), ("zh-CN", 13), ("en-US", 12)]


def test_a_reply_without_the_seat_counts_is_not_rendered_again_when_only_they_change():
    rendered = []

    def render(lang, shown):
        rendered.append(shown.title)
        return object()

    reply = RenderedOnce(render, shows_seats=False)
    english = language("en-US")
    first = reply(english, event())
    joined = dataclasses.replace(event(), confirmed=13, waitlisted=2)
    assert reply(english, joined) is first
    assert reply(english, joined) is first
    assert reply(english, dataclasses.replace(joined, title="Renamed")) is not first
    assert reply(english, dataclasses.replace(joined, people=())) is not first
    assert rendered == ["Missile Defense", "Renamed", "Missile Defense"]


@pytest.mark.parametrize("reply", [speakers_pages, takeaways_pages])
def test_a_join_does_not_render_speakers_or_takeaways_again(reply):
    """They show no seat counts; a large event's content costs milliseconds to render."""
    english = language("en-US")
    first = reply(english, event())
    assert reply(english, dataclasses.replace(event(), confirmed=99, waitlisted=7)) is first


def test_a_join_renders_the_event_info_again():
    english = language("en-US")
    first = info_embed(english, event())
    assert info_embed(english, dataclasses.replace(event(), confirmed=99)) is not first


def callback_params(**data):
    from discord.http import MultipartParameters

    return MultipartParameters(payload={"type": 4, "data": data}, multipart=None, files=None)


def test_the_replies_kept_of_large_events_are_bounded_by_what_the_events_hold():
    """A reply is kept with its event (RENDERED of them), which holds the event's whole
    text: 128 events of pages near the 2 MB limit, each read once, kept 246 MB for
    /event info alone. Kept replies' events hold RENDERED_TEXT characters at most; a
    small server's events are all kept, and an event read again is not rendered again."""
    lang, rendered = language("en-US"), []
    kept = RenderedOnce(lambda _, shown: rendered.append(shown.id) or shown.id)
    text = " deterrence" * 180_000  # two million characters
    gc.collect()
    tracemalloc.start()
    try:
        for n in range(1, RENDERED + 1):
            kept(lang, event(id=n, description=f"{n}{text}"))
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held < RENDERED_TEXT + 2_000_000  # (ASCII: a byte a character)
    last = event(id=RENDERED, description=f"{RENDERED}{text}")
    assert kept(lang, last) == RENDERED and rendered.count(RENDERED) == 1
    small = RenderedOnce(lambda _, shown: rendered.append(shown.id) or shown.id)
    events = [event(id=n) for n in range(1, RENDERED + 1)]
    rendered.clear()
    for _ in range(2):
        for shown in events:
            small(lang, shown)
    assert rendered == list(range(1, RENDERED + 1))


async def test_the_message_a_callback_answer_returns_is_not_built(monkeypatch):
    """Discord's answer to a reply with a view holds the message made, which discord.py
    would build into an InteractionMessage nothing reads: left out, the message's id
    (which the view is stored under) kept."""
    from types import SimpleNamespace

    import discord

    from bot.adapters import callback_answers

    answer = {"interaction": {"id": "5", "type": 2, "response_message_id": "77",
                              "response_message_ephemeral": True},
              "resource": {"type": 4, "message": {"id": "77", "content": "You're in."}}}

    async def discord_answers(self, interaction_id, token, **kwargs):
        return answer

    monkeypatch.setattr(callback_answers, "_PLAIN", discord_answers)
    data = await callback_answers._create_interaction_response(
        None, 5, "token", params=callback_params(content="Join?", components=[{"type": 1}]))
    assert data["resource"] == {"type": 4}
    parent = SimpleNamespace(channel=None)
    response = discord.InteractionCallbackResponse(
        data=data, parent=parent, state=None,  # type: ignore[arg-type]
        type=discord.InteractionResponseType.channel_message)
    assert response.resource is None
    assert response.message_id == 77 and response.is_ephemeral()
    assert response.type is discord.InteractionResponseType.channel_message


async def test_a_reply_without_a_view_asks_discord_for_no_answer(monkeypatch):
    """Nothing of the answer is read for a reply without components: it is posted without
    `with_response`, which Discord answers 204, and taken as acknowledged."""
    from discord.webhook.async_ import AsyncWebhookAdapter

    from bot.adapters import callback_answers

    posted = []

    async def request(route, **kwargs):
        posted.append((route.method, route.path, kwargs))
        return ""  # 204: discord.py reads no JSON

    adapter = AsyncWebhookAdapter()
    monkeypatch.setattr(adapter, "request", request)
    data = await callback_answers._create_interaction_response(
        adapter, 5, "token", session=None, params=callback_params(content="You're in."))
    assert data == {"interaction": {"id": "5"}}
    [(method, path, sent)] = posted
    assert (method, path) == ("POST", "/interactions/{webhook_id}/{webhook_token}/callback")
    assert "params" not in sent and sent["payload"]["data"] == {"content": "You're in."}


async def test_the_command_an_interaction_names_is_walked_to_once(bot, monkeypatch):
    """`interaction.command` (read by the tree's check) and the tree's call of the command
    each look it up by the interaction's data: the walk is done once."""
    from discord import app_commands

    walks = []
    walk = app_commands.CommandTree._get_app_command_options

    def counted(self, data):
        walks.append(data["name"])
        return walk(self, data)

    monkeypatch.setattr(app_commands.CommandTree, "_get_app_command_options", counted)
    data = {"id": "1", "name": "rsvp", "type": 1,
            "options": [{"type": 1, "name": "status", "options": []}]}
    command, options = bot.tree._get_app_command_options(data)
    assert command.qualified_name == "rsvp status" and options == []
    assert bot.tree._get_app_command_options(data) == (command, options)
    assert walks == ["rsvp"]
    again = {**data}  # another interaction's data: walked again
    assert bot.tree._get_app_command_options(again)[0] is command and walks == ["rsvp", "rsvp"]
