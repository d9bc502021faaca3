"""The local server keeps a gateway session as Discord does (sandbox/gateway.py): a RESUME
replays, in order, the events after the sequence number the client names, then RESUMED;
a sequence it cannot replay from, or a session it invalidated, answers op 9 ``false``; and
Discord may ask for a reconnect (op 7) or invalidate the session (op 9) at any time.

The first tests talk the protocol over a raw websocket, so that every frame is seen; the
last run discord.py (tests/e2e/probe_bot.py) through op 7 and op 9."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox import FakeDiscord
from tests.e2e.test_localdiscord_shards import Session, identify

PROBE_BOT = [sys.executable, str(Path(__file__).resolve().parent / "probe_bot.py")]


async def resume(http: aiohttp.ClientSession, fake: FakeDiscord, session_id: str,
                 seq: Any) -> Session:
    ws = await http.ws_connect(fake.gateway_url)
    assert (await ws.receive_json())["op"] == 10
    await ws.send_json({"op": 6, "d": {"token": fake.token, "session_id": session_id,
                                       "seq": seq}})
    return Session(ws)


async def next_frame(session: Session) -> dict[str, Any]:
    return await asyncio.wait_for(session.ws.receive_json(), 5)


async def identified(http: aiohttp.ClientSession, fake: FakeDiscord
                     ) -> tuple[Session, str, int]:
    """A session IDENTIFYed and past READY and its GUILD_CREATEs: it, its id and the
    sequence number of its last event."""
    first = await identify(http, fake, ...)
    await first.events_until_quiet()
    return first, first.frames[0]["d"]["session_id"], first.frames[-1]["s"]


async def gone(fake: FakeDiscord) -> None:
    """The server has seen the client's socket close."""
    for _ in range(100):
        if not fake._connected():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the server still holds the session's socket")


async def test_a_resume_replays_in_order_what_came_after_its_sequence_then_resumed():
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        guild = fake.add_guild()
        first = await identify(http, fake, ...)
        assert await first.events_until_quiet() == ["READY", "GUILD_CREATE"]
        session_id = first.frames[0]["d"]["session_id"]
        fake.add_role(guild, "seen")
        fake.add_role(guild, "missed")
        seen, missed = await first.next_event(), await first.next_event()
        assert [f["d"]["role"]["name"] for f in (seen, missed)] == ["seen", "missed"]
        await first.ws.close()  # as if "missed" never reached the client
        await gone(fake)
        fake.add_role(guild, "made while away")

        back = await resume(http, fake, session_id, seen["s"])
        replayed = await next_frame(back)
        assert replayed == missed  # the same event, with its own sequence number
        resumed = await next_frame(back)
        assert (resumed["t"], resumed["s"]) == ("RESUMED", missed["s"] + 1)
        after = await next_frame(back)
        assert (after["t"], after["d"]["role"]["name"], after["s"]) == (
            "GUILD_ROLE_CREATE", "made while away", missed["s"] + 2)
        assert fake.resume_count == 1 and fake.replayed_count == 1
        await back.ws.close()


@pytest.mark.parametrize("seq", ["ahead", None, "text"])
async def test_a_resume_from_a_sequence_the_session_never_had_is_an_invalid_session(seq):
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        fake.add_guild()
        first, session_id, last = await identified(http, fake)
        await first.ws.close()
        await gone(fake)
        back = await resume(http, fake, session_id,
                            {"ahead": last + 5, "text": str(last)}.get(seq, seq))
        assert await next_frame(back) == {"op": 9, "d": False, "s": None, "t": None}
        assert fake.resume_count == 0
        await back.ws.close()


@pytest.mark.parametrize("resumable", [True, False])
async def test_an_invalid_session_sent_mid_session_says_whether_it_may_be_resumed(resumable):
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        fake.add_guild()
        first, session_id, last = await identified(http, fake)
        invalidated = asyncio.ensure_future(
            fake.invalidate_session(resumable=resumable, timeout=5))
        assert await next_frame(first) == {"op": 9, "d": resumable, "s": None, "t": None}
        await first.ws.close()
        back = await resume(http, fake, session_id, last)
        if resumable:
            assert (await next_frame(back))["t"] == "RESUMED"
            await invalidated
        else:  # gone: only a new IDENTIFY comes back
            assert await next_frame(back) == {"op": 9, "d": False, "s": None, "t": None}
            invalidated.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await invalidated
        await back.ws.close()


async def test_a_reconnect_request_is_op_7_and_waits_for_the_resume():
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        guild = fake.add_guild()
        first, session_id, last = await identified(http, fake)
        asked = asyncio.ensure_future(fake.request_reconnect(timeout=5))
        assert await next_frame(first) == {"op": 7, "d": None, "s": None, "t": None}
        fake.add_role(guild, "after op 7")  # not on the socket Discord asked to leave
        await first.ws.close()
        back = await resume(http, fake, session_id, last)
        assert (await next_frame(back))["t"] == "RESUMED"
        await asyncio.wait_for(asked, 5)
        assert (await next_frame(back))["d"]["role"]["name"] == "after op 7"
        await back.ws.close()


@pytest.mark.parametrize("how", ["op 7", "op 9 resumable", "op 9 new session"])
async def test_discord_py_comes_back_from_op_7_and_op_9_and_answers(how):
    async with FakeDiscord() as fake:
        guild = fake.add_guild()
        member = fake.add_member(guild, "alice")
        bot = fake.spawn_bot(PROBE_BOT)
        try:
            await fake.wait_ready(process=bot)
            if how == "op 7":
                await fake.request_reconnect()
            else:
                await fake.invalidate_session(resumable=how == "op 9 resumable")
            expected = (1, 1) if how != "op 9 new session" else (2, 0)
            assert (fake.identify_count, fake.resume_count) == expected
            reply = await fake.slash(guild, member, "probe nested double", n=4)
            assert reply.content == "8"
            assert ("on_resumed fired" in bot.output()) == (how != "op 9 new session")
        finally:
            await bot.stop()
        assert "Traceback" not in bot.output(), bot.output()
        assert fake.server_errors == []


async def test_at_a_distance_events_come_late_in_order_and_may_overtake_the_answer():
    """Discord at a distance (FakeDiscord.set_latency): an event reaches the client its way
    after Discord made it, never before one made earlier; and an event a call caused may
    come before the call's answer."""
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        guild = fake.add_guild()
        ws = await http.ws_connect(fake.gateway_url)
        assert (await ws.receive_json())["op"] == 10
        await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 1 | 1 << 16,
                                           "properties": {}}})
        session = Session(ws)
        assert await session.events_until_quiet() == ["READY", "GUILD_CREATE"]
        loop = asyncio.get_running_loop()
        fake.set_latency(gateway=(0.1, 0.3), seed=7)
        made = loop.time()
        for n in range(5):
            fake.add_role(guild, f"role {n}")
        names = [(await session.next_event())["d"]["role"]["name"] for _ in range(5)]
        assert names == [f"role {n}" for n in range(5)] and loop.time() - made >= 0.1

        fake.set_latency(http=(0.8, 0.8), gateway=(0.05, 0.05))  # 0.4 s each way
        start = datetime.now(UTC) + timedelta(days=1)
        body = {"name": "far", "privacy_level": 2, "entity_type": 3,
                "entity_metadata": {"location": "Hall"},
                "scheduled_start_time": start.isoformat(),
                "scheduled_end_time": (start + timedelta(hours=1)).isoformat()}
        answer = asyncio.ensure_future(http.post(
            f"{fake.api_base}/guilds/{guild.id}/scheduled-events", json=body,
            headers={"Authorization": f"Bot {fake.token}"}))
        event = await session.next_event()
        assert event["t"] == "GUILD_SCHEDULED_EVENT_CREATE" and not answer.done()
        async with await answer as resp:
            assert resp.status == 200 and (await resp.json())["id"] == event["d"]["id"]
        await ws.close()


async def test_at_a_distance_dispatched_events_keep_their_order_through_a_lost_socket():
    """Events dispatched at a distance (interactions, each from a task of its own) reached
    the client out of order: one drawing a shorter way than the one before slept until
    the same moment, and whichever timer fired first went first. And one still on its way
    as the socket dropped was sent into no socket (AttributeError on None). Now they come
    in the order made, and those on their way as the socket went wait for the RESUME."""
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        guild = fake.add_guild()
        first, session_id, _ = await identified(http, fake)
        fake.set_latency(gateway=(0.05, 0.2), seed=3)
        data = [{"guild_id": str(guild.id), "n": n} for n in range(30)]
        made = [asyncio.ensure_future(fake.dispatch("TYPING_START", d)) for d in data]
        seen = [await first.next_event() for _ in range(20)]
        assert [f["d"]["n"] for f in seen] == list(range(20))
        await first.ws.close()  # the other ten still on their way
        await gone(fake)
        back = await resume(http, fake, session_id, seen[-1]["s"])
        frames = [await next_frame(back) for _ in range(11)]  # (those sent into the
        # closing socket are replayed before RESUMED, the rest come after it)
        assert sorted(f["s"] for f in frames) == [f["s"] for f in frames]
        assert [f["t"] for f in frames].count("RESUMED") == 1
        assert [f["d"]["n"] for f in frames if f["t"] != "RESUMED"] == list(range(20, 30))
        assert await asyncio.gather(*made) == [True] * 30
        assert fake.server_errors == []
        await back.ws.close()
