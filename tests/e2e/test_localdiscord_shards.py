"""The local server speaks shards as Discord does (sandbox/gateway.py): `GET /gateway/bot`
recommends its shard count, IDENTIFY must name a valid shard, and each shard's session
gets only its own guilds, their events and their interactions.

These tests talk the gateway protocol directly over a websocket, so every frame the
server sends is seen; tests/e2e/test_shards.py runs the real bot on several shards.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from sandbox import FakeDiscord, Guild

PING = {"id": "1", "name": "ping", "description": "answers pong", "type": 1, "options": []}


def guild_on(fake: FakeDiscord, shard: int, n: int = 0) -> Guild:
    """A guild whose id puts it on ``shard`` (the id's timestamp bits decide)."""
    base = 1_000_000 + n * fake.shard_count
    return fake.add_guild(f"shard {shard} guild {n}", guild_id=(base + shard) << 22)


class Session:
    """A hand-written gateway client: IDENTIFY, then every frame kept in order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    async def next_event(self, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), timeout)
            if msg.type is not aiohttp.WSMsgType.TEXT:
                raise ConnectionError(f"closed with {self.ws.close_code}")
            frame = json.loads(msg.data)
            if frame["op"] == 0:
                self.frames.append(frame)
                return frame

    async def events_until_quiet(self, quiet: float = 0.3) -> list[str]:
        seen = []
        while True:
            try:
                seen.append((await self.next_event(quiet))["t"])
            except TimeoutError:
                return seen

    def guild_ids(self, event: str) -> list[int]:
        return [int(f["d"]["id"]) for f in self.frames if f["t"] == event]


async def identify(http: aiohttp.ClientSession, fake: FakeDiscord, shard: Any) -> Session:
    ws = await http.ws_connect(fake.gateway_url)
    hello = await ws.receive_json()
    assert hello["op"] == 10
    d: dict[str, Any] = {"token": fake.token, "intents": 1, "properties": {}}
    if shard is not ...:
        d["shard"] = shard
    await ws.send_json({"op": 2, "d": d})
    return Session(ws)


async def close_code(http: aiohttp.ClientSession, fake: FakeDiscord, shard: Any) -> int | None:
    session = await identify(http, fake, shard)
    msg = await asyncio.wait_for(session.ws.receive(), 5)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), msg
    return session.ws.close_code


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


async def test_gateway_bot_recommends_the_configured_shard_count(http):
    for count in (1, 3):
        async with FakeDiscord(shard_count=count) as fake:
            async with http.get(fake.api_base + "/gateway/bot",
                                headers={"Authorization": f"Bot {fake.token}"}) as resp:
                body = await resp.json()
            assert (body["shards"], body["url"]) == (count, fake.gateway_url)
            assert body["session_start_limit"]["max_concurrency"] >= 1


@pytest.mark.parametrize(("shard", "code"), [
    (..., 4011),  # no shard named, but the bot has two shards' worth of guilds
    ([2, 2], 4010),  # shard id out of range
    ([-1, 2], 4010),
    ([0, 3], 4010),  # another count than the deployment's
    ([0], 4010),  # malformed
    ("0,2", 4010),
    ([0.0, 2], 4010),
])
async def test_identify_with_a_wrong_shard_is_refused(http, shard, code):
    async with FakeDiscord(shard_count=2) as fake:
        guild_on(fake, 0)
        assert await close_code(http, fake, shard) == code
        assert fake.refused_identifies == [(shard if shard is not ... else None, code)]
        assert fake.identify_count == 0


async def test_a_shard_over_the_guild_limit_must_shard_further(http):
    async with FakeDiscord(max_guilds_per_shard=2) as fake:
        for n in range(3):
            guild_on(fake, 0, n)
        assert await close_code(http, fake, [0, 1]) == 4011
        assert await close_code(http, fake, ...) == 4011


async def test_each_shard_gets_only_its_guilds_their_events_and_interactions(http):
    async with FakeDiscord(shard_count=2) as fake:
        guilds = {shard: [guild_on(fake, shard, n) for n in range(3)] for shard in (0, 1)}
        assert [fake.shard_of(g.id) for g in guilds[1]] == [1, 1, 1]
        fake.register_commands([PING])
        sessions = {shard: await identify(http, fake, [shard, 2]) for shard in (0, 1)}
        for shard, session in sessions.items():
            ready = await session.next_event()
            assert ready["t"] == "READY" and ready["d"]["shard"] == [shard, 2]
            assert [int(g["id"]) for g in ready["d"]["guilds"]] == [g.id for g in guilds[shard]]
            assert await session.events_until_quiet() == ["GUILD_CREATE"] * 3
            assert session.guild_ids("GUILD_CREATE") == [g.id for g in guilds[shard]]
        await fake.wait_ready()

        # A guild joined later, and a channel created in it, reach only its shard.
        late = guild_on(fake, 1, 3)
        assert await sessions[1].events_until_quiet() == ["GUILD_CREATE"]
        fake.add_channel(late, "later")
        assert await sessions[1].events_until_quiet() == ["CHANNEL_CREATE"]
        assert await sessions[0].events_until_quiet() == []

        # A member's command goes to the session of its guild's shard; a DM to shard 0.
        for guild, shard in ((guilds[0][1], 0), (late, 1), (None, 0)):
            member = fake.add_member(guild or guilds[1][0])
            asking = asyncio.ensure_future(
                fake.slash(guild, member, "ping") if guild else fake.slash_dm(member, "ping"))
            frame = await sessions[shard].next_event()
            assert frame["t"] == "INTERACTION_CREATE"
            assert frame["d"].get("guild_id") == (str(guild.id) if guild else None)
            d = frame["d"]
            async with http.post(
                    f"{fake.api_base}/interactions/{d['id']}/{d['token']}/callback",
                    json={"type": 4, "data": {"content": "pong"}},
                    headers={"Authorization": f"Bot {fake.token}"}) as resp:
                assert resp.status in (200, 204), await resp.text()
            assert (await asking).content == "pong"
            assert await sessions[1 - shard].events_until_quiet(0.1) == []
        assert fake.server_errors == []


MEMBERS, PRESENCES, MESSAGE_CONTENT = 1 << 1, 1 << 8, 1 << 15


async def test_privileged_intents_not_enabled_in_the_portal_close_with_4014(http):
    """As Discord: an application has no privileged intents until they are switched on in
    the developer portal, and an IDENTIFY asking for one it lacks is closed with 4014
    (Disallowed intent(s)), which discord.py raises as PrivilegedIntentsRequired."""
    async with FakeDiscord() as fake:
        fake.add_guild("Forum")
        for asked in (MEMBERS, PRESENCES, MESSAGE_CONTENT, 1 | MEMBERS):
            ws = await http.ws_connect(fake.gateway_url)
            assert (await ws.receive_json())["op"] == 10
            await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": asked,
                                               "properties": {}}})
            msg = await asyncio.wait_for(ws.receive(), 5)
            assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), msg
            assert ws.close_code == 4014
            await ws.close()
        assert fake.identify_count == 0
        session = await identify(http, fake, ...)  # intents 1: guilds, not privileged
        assert (await session.next_event())["t"] == "READY"
        await session.ws.close()
    async with FakeDiscord(privileged_intents=MEMBERS) as fake:  # switched on for members
        ws = await http.ws_connect(fake.gateway_url)
        assert (await ws.receive_json())["op"] == 10
        await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 1 | MEMBERS,
                                           "properties": {}}})
        assert (await Session(ws).next_event())["t"] == "READY"
        await ws.close()


async def test_discord_py_asking_for_members_without_them_enabled_is_refused(monkeypatch):
    """What a bot asking for the members intent meets on a first start: the eventbot asks
    for none (every test of the real bot runs against a server that has none switched on)."""
    import discord
    import yarl

    async with FakeDiscord() as fake:
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                            yarl.URL(fake.gateway_url))
        client = discord.Client(intents=discord.Intents.default() | discord.Intents(
            members=True))
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(client.start(fake.token), 15)
        await client.close()
