"""What every interaction costs the bot beyond its own handler: `/rsvp join` is the hot
path, so no cog may listen to every interaction (discord.py starts a task per listener
on each one)."""

from __future__ import annotations

import pytest

from bot.app import EXTENSIONS, EventBot
from bot.config import load_settings
from bot.storage import open_store


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

