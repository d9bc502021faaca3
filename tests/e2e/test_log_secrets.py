"""What the bot's log shows at LOG_LEVEL=DEBUG, where discord.py writes the URLs it calls
and the gateway events it receives: never the bot's token, nor an interaction's token
(a credential to answer as the bot for 15 minutes)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

BOT_ENV = {"LOG_LEVEL": "DEBUG"}


async def test_the_debug_log_shows_no_token(world, fake):
    since = len(world.bot.output())
    event_id = await world.import_event("Token Forum", capacity=5)
    joined = await fake.slash(world.guild, world.member(), "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content, joined
    log = world.bot.output()[since:]
    # the log is the debug one: it names the calls discord.py makes to answer interactions
    assert "/interactions/" in log and "WebSocket Event" in log, log[-2000:]
    tokens = [joined._state.token, fake.token]
    assert all(len(token) >= 10 for token in tokens)
    for token in tokens:
        assert token not in world.bot.output(), token
