"""The bot's pace under Discord's global limit (bot.adapters.global_pace): at most PACE
requests in any rolling window, the rest in the order they came, interaction routes
never waiting."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import discord
import pytest

from bot.adapters.global_pace import PACE, GlobalPace, PacedSession, counts_globally, pace_for
from bot.config import load_settings
from tests.conftest import ROOT
from tests.pageserver import PageServer


@pytest.mark.parametrize("path, counted", [
    ("/users/@me/channels", True),
    ("/guilds/1/members/2", True),
    ("/channels/1/messages", True),
    ("/webhooks/1", True),  # a webhook read with the bot's token
    ("/interactions/1/tok/callback", False),
    ("/webhooks/1/tok", False),  # an interaction's follow-up
    ("/webhooks/1/tok/messages/@original", False),
])
def test_interaction_routes_are_not_counted(path, counted):
    assert counts_globally(path) is counted


async def test_no_more_than_the_pace_in_any_window_and_in_order():
    pace = GlobalPace(50 / 0.2)  # Discord's 50 a window, the window 0.2 s
    assert pace.window == pytest.approx(0.2)
    sent: list[tuple[int, float]] = []

    async def one(i: int) -> None:
        await pace.wait()
        sent.append((i, time.monotonic()))

    tasks = []
    started = time.monotonic()  # (before the first window's requests, sent in this loop)
    for i in range(3 * PACE):
        tasks.append(asyncio.create_task(one(i)))
        await asyncio.sleep(0)  # each starts waiting before the next
    await asyncio.gather(*tasks)
    assert [i for i, _ in sent] == list(range(3 * PACE))  # first come, first served
    times = [t for _, t in sent]
    # (read here after each wait: a waiter woken right at its window's end is read at once,
    # the one a window before it perhaps later than its turn began, should the busy machine
    # have run another process between; a pace that let them bunch would give about 0)
    assert all(later - earlier >= 0.2 - 0.01
               for earlier, later in zip(times, times[PACE:], strict=False))
    assert 0.4 <= time.monotonic() - started < 2.0  # two windows' wait (a busy machine aside)


def test_a_process_with_some_shards_takes_their_share():
    env = {"EVENTS_DIR": str(ROOT / "data" / "events"), "GLOBAL_RATE_LIMIT": "100"}
    assert pace_for(load_settings(env, env_file=None)).window == pytest.approx(0.5)
    shards = load_settings({**env, "SHARD_COUNT": "4", "SHARD_IDS": "0"}, env_file=None)
    assert pace_for(shards).window == pytest.approx(2.0)  # a quarter of the limit


async def test_the_session_paces_api_requests_and_lets_interaction_answers_through(
        monkeypatch):
    """(What the server answers does not matter here: when each request leaves does.)"""
    with PageServer() as server:
        base = server.url("/api/v10")
        monkeypatch.setattr(discord.http.Route, "BASE", base)
        pace = GlobalPace(50 / 0.5)
        async with aiohttp.ClientSession() as plain:
            session = PacedSession(plain, pace)
            first = time.monotonic()
            for _ in range(PACE):  # the window's requests, at once
                async with session.request("GET", f"{base}/users/@me"):
                    pass
            begun = time.monotonic()
            async with session.request("POST", f"{base}/interactions/1/tok/callback"):
                pass
            async with session.request("POST", f"{base}/webhooks/1/tok?wait=1"):
                pass
            async with session.request("GET", server.url("/not-the-api")):
                pass  # not Discord's API
            assert time.monotonic() - begun < 0.4  # none of these waits for the window
            async with session.request("GET", f"{base}/users/@me"):  # one more waits
                pass
            assert time.monotonic() >= first + 0.5
            assert not session.closed  # the rest is the session's own
