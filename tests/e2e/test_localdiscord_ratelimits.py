"""The local server rate-limits like Discord, and discord.py copes with it.

Raw HTTP shows what the server answers (headers, 429 bodies); discord.py's own HTTP
client (discord/http.py, the code the bot runs) shows that it reads those answers: it
spaces its sends by the headers, and waits out the 429s it still meets.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import discord.http
import pytest

from sandbox import FakeDiscord
from sandbox.interactions import _Interaction
from sandbox.models import VIEW_CHANNEL
from sandbox.ratelimits import DISCORD_RATE_LIMITS, Bucket, InvalidRequests, RateLimits

FAST = DISCORD_RATE_LIMITS.scaled(0.1)  # Discord's sizes, windows a tenth as long
PROBE_BOT = [sys.executable, str(Path(__file__).resolve().parent / "probe_bot.py")]


@pytest.fixture
async def fake():
    async with FakeDiscord(rate_limits=FAST) as server:
        yield server


async def send(http: aiohttp.ClientSession, method: str, path: str,
               body: Any = None) -> tuple[int, dict[str, str], Any]:
    async with http.request(method, path.lstrip("/"), json=body) as resp:
        data = await resp.json() if resp.status != 204 else None
        return resp.status, dict(resp.headers), data


@pytest.fixture
async def dpy(fake: FakeDiscord, monkeypatch):
    """discord.py's HTTP client, logged in to the local server (a second one on call)."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    clients = []

    async def login() -> discord.http.HTTPClient:
        client = discord.http.HTTPClient(asyncio.get_running_loop())
        clients.append(client)
        await client.static_login(fake.token)
        return client

    yield login
    for client in clients:
        await client.close()


async def post_all(client: discord.http.HTTPClient, channel_id: int, texts: list[str]) -> None:
    async def one(text: str) -> None:
        with discord.http.handle_message_parameters(content=text) as params:
            await client.send_message(channel_id, params=params)

    await asyncio.gather(*(one(t) for t in texts))


def sends(fake: FakeDiscord) -> list[int]:
    return [r.status for r in fake.requests if r.route == "/channels/{channel_id}/messages"]


# ------------------------------------------------------------------ what the server answers


async def test_a_burst_to_one_channel_gets_5_then_429s(fake, http):
    channel = fake.add_guild().system_channel
    path = f"/channels/{channel.id}/messages"
    answers = await asyncio.gather(*(send(http, "POST", path, {"content": f"m{i}"})
                                     for i in range(12)))
    statuses = [status for status, _, _ in answers]
    assert sorted(statuses) == [200] * 5 + [429] * 7
    assert len(fake.messages(channel)) == 5

    ok = [headers for status, headers, _ in answers if status == 200]
    assert sorted(h["X-RateLimit-Remaining"] for h in ok) == ["0", "1", "2", "3", "4"]
    for headers in ok:
        assert headers["X-RateLimit-Limit"] == "5"
        assert 0 < float(headers["X-RateLimit-Reset-After"]) <= 0.5
        assert float(headers["X-RateLimit-Reset"]) > time.time()
    assert len({h["X-RateLimit-Bucket"] for h in ok}) == 1

    _, headers, body = next(a for a in answers if a[0] == 429)
    assert body["message"] == "You are being rate limited." and body["global"] is False
    assert isinstance(body["retry_after"], float) and 0 < body["retry_after"] <= 0.5
    assert headers["Via"] and headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Scope"] == "user" and headers["Retry-After"] == "1"

    other = fake.add_channel(channel.guild, "other")  # buckets are per channel
    assert (await send(http, "POST", f"/channels/{other.id}/messages", {"content": "x"}))[0] == 200
    await asyncio.sleep(body["retry_after"])
    assert (await send(http, "POST", path, {"content": "after"}))[0] == 200


async def test_global_limit_spares_interaction_callbacks():
    limits = RateLimits(global_=Bucket(5, 10.0))
    async with FakeDiscord(rate_limits=limits) as fake:
        guild = fake.add_guild()
        member = fake.add_member(guild)
        headers = {"Authorization": f"Bot {fake.token}"}
        async with aiohttp.ClientSession(fake.api_base + "/", headers=headers) as http:
            statuses = [(await send(http, "GET", "/users/@me"))[0] for _ in range(5)]
            status, headers, body = await send(http, "GET", f"/guilds/{guild.id}")
            assert (statuses, status) == ([200] * 5, 429)
            assert body["global"] is True and headers["X-RateLimit-Global"] == "true"
            assert headers["X-RateLimit-Scope"] == "global" and headers["Via"]
            # counted apart from the other 429s, for a test to read
            assert (fake.rate_limiter.refused, fake.rate_limiter.refused_global) == (1, 1)

            st = _Interaction(fake._snowflake(), 2, "test", guild, member, guild.system_channel)
            fake._interactions[st.token] = st
            status, _, _ = await send(http, "POST", f"/interactions/{st.id}/{st.token}/callback",
                                      {"type": 4, "data": {"content": "still answered"}})
            assert status == 204  # (no `with_response`: no body)
            status, _, _ = await send(http, "POST", f"/webhooks/{fake.app_id}/{st.token}?wait=1",
                                      {"content": "follow-up"})
            assert status == 200
            assert fake.rate_limiter.refused_global == 1


async def test_role_changes_and_dm_opens_have_their_own_buckets():
    limits = RateLimits(roles=Bucket(2, 10.0), dm_open=Bucket(1, 10.0))
    async with FakeDiscord(rate_limits=limits) as fake:
        guild, second = fake.add_guild(), fake.add_guild()
        role, other_role = fake.add_role(guild, "Attendee"), fake.add_role(second, "Attendee")
        role.position = other_role.position = 0  # below the bot's role: it may give them
        member, other = fake.add_member(guild), fake.add_member(second)
        headers = {"Authorization": f"Bot {fake.token}"}
        async with aiohttp.ClientSession(fake.api_base + "/", headers=headers) as http:
            grant = f"/guilds/{guild.id}/members/{member.id}/roles/{role.id}"
            statuses = [(await send(http, method, grant))[0] for method in ("PUT", "DELETE", "PUT")]
            assert statuses == [204, 204, 429]
            elsewhere = f"/guilds/{second.id}/members/{other.id}/roles/{other_role.id}"
            assert (await send(http, "PUT", elsewhere))[0] == 204  # per guild

            opens = [(await send(http, "POST", "/users/@me/channels",
                                 {"recipient_id": str(m.id)}))[0] for m in (member, other)]
            assert opens == [200, 429]


async def test_message_edits_have_a_bucket_per_channel_apart_from_sends(fake, http):
    channel = fake.add_guild().system_channel
    path = f"/channels/{channel.id}/messages"
    _, _, message = await send(http, "POST", path, {"content": "v0"})
    edit = f"{path}/{message['id']}"
    answers = [await send(http, "PATCH", edit, {"content": f"v{i}"}) for i in range(1, 7)]
    assert [status for status, _, _ in answers] == [200] * 5 + [429]
    assert [h["X-RateLimit-Remaining"] for _, h, _ in answers[:5]] == ["4", "3", "2", "1", "0"]
    assert {h["X-RateLimit-Limit"] for _, h, _ in answers} == {"5"}
    _, headers, body = answers[-1]
    assert body["global"] is False and headers["Via"] and 0 < body["retry_after"] <= 0.5
    assert fake.messages(channel)[0]["content"] == "v5"

    _, sent, _ = await send(http, "POST", path, {"content": "a send"})  # its own bucket
    assert sent["X-RateLimit-Bucket"] != headers["X-RateLimit-Bucket"]
    other = fake.add_channel(channel.guild, "other")
    _, _, elsewhere = await send(http, "POST", f"/channels/{other.id}/messages", {"content": "x"})
    status, _, _ = await send(http, "PATCH", f"/channels/{other.id}/messages/{elsewhere['id']}",
                              {"content": "y"})
    assert status == 200  # per channel
    await asyncio.sleep(body["retry_after"])
    assert (await send(http, "PATCH", edit, {"content": "after"}))[0] == 200


async def test_scheduled_event_creates_and_edits_have_buckets_per_guild():
    limits = RateLimits(event_creates=Bucket(2, 10.0), event_edits=Bucket(2, 10.0))
    async with FakeDiscord(rate_limits=limits) as fake:
        guild, second = fake.add_guild(), fake.add_guild()
        start = datetime.now(UTC) + timedelta(days=1)
        event = {"name": "Talk", "privacy_level": 2, "entity_type": 3,
                 "entity_metadata": {"location": "Room 1"},
                 "scheduled_start_time": start.isoformat(),
                 "scheduled_end_time": (start + timedelta(hours=1)).isoformat()}
        headers = {"Authorization": f"Bot {fake.token}"}
        async with aiohttp.ClientSession(fake.api_base + "/", headers=headers) as http:
            path = f"/guilds/{guild.id}/scheduled-events"
            creates = [await send(http, "POST", path, event) for _ in range(3)]
            assert [status for status, _, _ in creates] == [200, 200, 429]
            assert creates[0][1]["X-RateLimit-Limit"] == "2"
            assert (await send(http, "POST", f"/guilds/{second.id}/scheduled-events",
                               event))[0] == 200  # per guild
            one = f"{path}/{creates[0][2]['id']}"
            edits = [(await send(http, "PATCH", one, {"name": f"Talk {i}"}))[0]
                     for i in range(3)]
            assert edits == [200, 200, 429]  # not counted with the creates


# --------------------------------------------------------------------------- discord.py copes


async def test_discord_py_spaces_its_sends_by_the_headers(fake, dpy):
    """One client alone never meets a 429 on one bucket: it reads Remaining and Reset-After."""
    channel = fake.add_guild().system_channel
    client = await dpy()
    started = time.monotonic()
    await post_all(client, channel.id, [f"m{i}" for i in range(12)])
    elapsed = time.monotonic() - started
    assert len(fake.messages(channel)) == 12
    assert sends(fake) == [200] * 12
    assert elapsed >= 2 * FAST.messages.per  # 12 sends need three 0.5 s windows


async def test_a_burst_of_12_from_two_clients_meets_429s_and_all_are_delivered(fake, dpy):
    """Two processes of one bot (or the bot and its CLI) share a channel's bucket."""
    channel = fake.add_guild().system_channel
    first, second = await dpy(), await dpy()
    await asyncio.gather(post_all(first, channel.id, [f"a{i}" for i in range(6)]),
                         post_all(second, channel.id, [f"b{i}" for i in range(6)]))
    assert sorted(m["content"] for m in fake.messages(channel)) == sorted(
        [f"a{i}" for i in range(6)] + [f"b{i}" for i in range(6)])
    assert sends(fake).count(200) == 12
    assert sends(fake).count(429) >= 1  # served, and waited out by discord.py
    assert fake.rate_limiter.refused == sends(fake).count(429)


# --------------------------------------------------------------------------- deadlines


async def test_follow_up_tokens_expire_after_their_lifetime():
    async with FakeDiscord(token_lifetime=0.3, rate_limits=None) as fake:
        guild = fake.add_guild()
        member = fake.add_member(guild)
        st = _Interaction(fake._snowflake(), 2, "test", guild, member, guild.system_channel)
        fake._interactions[st.token] = st
        headers = {"Authorization": f"Bot {fake.token}"}
        hook = f"/webhooks/{fake.app_id}/{st.token}"
        async with aiohttp.ClientSession(fake.api_base + "/", headers=headers) as http:
            status, _, _ = await send(http, "POST", f"/interactions/{st.id}/{st.token}/callback",
                                      {"type": 5, "data": {}})
            assert status == 204
            assert (await send(http, "POST", f"{hook}?wait=1", {"content": "in time"}))[0] == 200
            await asyncio.sleep(0.35)
            status, _, body = await send(http, "POST", f"{hook}?wait=1", {"content": "late"})
            assert (status, body) == (401, {"message": "Invalid Webhook Token", "code": 50027})
            status, _, body = await send(http, "PATCH", f"{hook}/messages/@original",
                                         {"content": "late edit"})
            assert (status, body["code"]) == (401, 50027)
        assert st.token not in fake._interactions  # forgotten: memory stays bounded
        assert [m["content"] for m in st.followups] == ["in time"]


async def test_intervals_are_parameters():
    async with (FakeDiscord(heartbeat_interval=0.5) as fake, aiohttp.ClientSession() as session,
                session.ws_connect(fake.gateway_url) as ws):
        hello = json.loads((await ws.receive()).data)
    assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 500
    defaults = FakeDiscord()
    assert (defaults.response_deadline, defaults.token_lifetime) == (3.0, 900.0)
    assert defaults.rate_limiter is not None
    assert defaults.rate_limiter.limits.messages == Bucket(5, 5.0)
    assert defaults.rate_limiter.limits.message_edits == Bucket(5, 5.0)
    assert defaults.rate_limiter.limits.global_ == Bucket(50, 1.0)


# --------------------------------------------------------------------------- a real bot process


async def test_a_bot_bursting_12_sends_into_a_busy_channel_delivers_all(fake, http):
    """The channel's bucket is already spent by someone else with the bot's token (another
    process of the bot, its CLI): the bot meets 429s, waits them out, and posts all 12."""
    guild = fake.add_guild()
    member = fake.add_member(guild, "alice")
    channel = guild.channel("announcements")
    bot = fake.spawn_bot(PROBE_BOT)
    try:
        await fake.wait_ready(process=bot)
        for i in range(5):
            assert (await send(http, "POST", f"/channels/{channel.id}/messages",
                               {"content": f"other {i}"}))[0] == 200
        reply = await fake.slash(guild, member, "probe burst", channel=channel, n=12)
        assert reply.content == "sent 12"
    finally:
        await bot.stop()
    burst = [m["content"] for m in fake.messages(channel) if m["content"].startswith("burst")]
    assert sorted(burst) == sorted(f"burst {i}" for i in range(12))
    assert sends(fake).count(429) >= 1 and sends(fake).count(200) == 17
    assert "We are being rate limited" in bot.output()  # discord.py saw the 429 and waited


async def test_an_address_of_too_many_invalid_requests_is_shut_out_for_a_while():
    """rate-limits.mdx, Invalid Request Limit: an address whose requests were answered 401,
    403 or 429 10,000 times in 10 minutes is restricted (429s of a shared bucket do not
    count); then every request, a valid one too, meets the edge's 429 (HTML, no ``Via``:
    discord.py raises it at once). Ten here, to keep the test short."""
    default = FakeDiscord().invalid_requests
    assert default is not None and default.limit == 10_000
    async with FakeDiscord(rate_limits=None, invalid_request_limit=10) as fake:
        guild = fake.add_guild()
        hidden = fake.add_channel(guild, "staff")
        fake.set_overwrite(hidden, guild.members[fake.bot_user.id], deny=VIEW_CHANNEL)
        async with aiohttp.ClientSession(fake.api_base + "/") as anonymous:
            for _ in range(5):
                status, _, _ = await send(anonymous, "GET", "/users/@me")
                assert status == 401
        headers = {"Authorization": f"Bot {fake.token}"}
        async with aiohttp.ClientSession(fake.api_base + "/", headers=headers) as http:
            for _ in range(20):  # answered otherwise: not counted
                assert (await send(http, "GET", "/channels/1/messages"))[0] == 404
                assert (await send(http, "GET", "/users/@me"))[0] == 200
            for _ in range(5):
                status, _, _ = await send(http, "GET", f"/channels/{hidden.id}")
                assert status == 403
            async with http.get("users/@me") as resp:
                assert resp.status == 429 and "Via" not in resp.headers
                assert resp.content_type == "text/html"
                assert int(resp.headers["Retry-After"]) == 3600
    clock = [0.0]
    invalid = InvalidRequests(limit=3, window=600, ban=60, clock=lambda: clock[0])
    for status, scope in ((429, "shared"), (404, None), (403, None), (401, None)):
        invalid.answered("a", status, scope)
    clock[0] = 601.0  # the first two counted are out of the window
    invalid.answered("a", 429, "user")
    invalid.answered("b", 429, "global")
    assert invalid.restricted("a") is None and invalid.restricted("b") is None
    invalid.answered("a", 403)
    invalid.answered("a", 401)
    assert invalid.restricted("a") == 60 and invalid.restricted("b") is None
    clock[0] += 60
    assert invalid.restricted("a") is None
