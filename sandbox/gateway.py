"""The gateway: HELLO, heartbeats, IDENTIFY -> READY + GUILD_CREATE, RESUME, member chunks,
and the events the tests cause, in order."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import traceback
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from sandbox.models import Guild
from sandbox.plumbing import _dumps


class Gateway:
    """One bot connection (one shard) at a time; events queued from synchronous code."""

    async def dispatch(self, event: str, data: dict[str, Any], timeout: float = 10.0) -> None:
        """Send any gateway event to the bot (waits for a live session)."""
        if not self._live.is_set():
            await self._wait(
                "gateway", lambda: self._live.is_set() or None, timeout, "a gateway session"
            )
        if self._outbox:
            await self._flush()
        assert self._ws is not None
        await self._send(self._ws, event, data)

    async def _send(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        self._seq += 1
        await ws.send_str(_dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    def _dispatch_if(self, intent: int, guild: Guild, event: str, data: dict[str, Any]) -> None:
        """Send ``event`` soon if the bot has ``guild`` and asked for ``intent`` (0: always).

        Guilds the bot does not have yet get these changes in their GUILD_CREATE instead.
        """
        if guild.id in self._delivered and (intent == 0 or (self.intents or 0) & intent):
            self._queue(event, data)

    def _queue(self, event: str, data: Any, after: Callable[[], None] | None = None) -> None:
        """Send an event from synchronous code, in order with everything sent later.

        ``data`` may be a callable, to build the payload when it is sent.
        """
        self._outbox.append((event, data, after))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        while self._outbox:
            if not self._live.is_set():
                await self._live.wait()  # IDENTIFY may have emptied the outbox meanwhile
                continue
            event, data, after = self._outbox.popleft()
            await self._send(self._ws, event, data() if callable(data) else data)  # type: ignore[arg-type]
            if after is not None:
                after()

    def _delivered_guild(self, guild: Guild) -> None:
        self._delivered.add(guild.id)
        self._waiters.notify("gateway")

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, compress=False)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            await ws.send_str(
                _dumps(
                    {
                        "op": 10,
                        "d": {"heartbeat_interval": round(self.heartbeat_interval * 1000)},
                        "s": None,
                        "t": None,
                    }
                )
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op, d = frame.get("op"), frame.get("d")
                if op == 1:
                    await ws.send_str('{"op":11,"d":null,"s":null,"t":null}')
                elif op == 2:
                    await self._identify(ws, d)
                elif op == 6:
                    await self._resume(ws, d)
                elif op == 8:
                    await self._request_members(ws, d)
                # op 3 (presence) and 4 (voice state) are accepted and ignored
        except Exception:
            self.server_errors.append(traceback.format_exc())
            raise
        finally:
            self._sockets.discard(ws)
            if self._ws is ws:
                self._ws = None
                self._live.clear()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        if d.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify_count += 1
        self._identified_at = time.monotonic()
        self.intents = d.get("intents")
        self._ws, self._session_id, self._seq, self._resumable = ws, secrets.token_hex(16), 0, True
        self._delivered.clear()
        self._outbox.clear()  # READY and GUILD_CREATE carry the whole current state
        ready = {
            "v": 10,
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(gid), "unavailable": True} for gid in self.guilds],
            "session_id": self._session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await self._send(ws, "READY", ready)
        while pending := [g for g in self.guilds.values() if g.id not in self._delivered]:
            for guild in pending:
                await self._send(ws, "GUILD_CREATE", self._guild_payload(guild, full=True))
                self._delivered_guild(guild)
        self._live.set()
        self._waiters.notify("gateway")

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        if (
            self._resumable
            and d.get("session_id") == self._session_id
            and d.get("token") == self.token
        ):
            self.resume_count += 1
            self._ws = ws
            await self._send(ws, "RESUMED", {})
            self._live.set()
            self._waiters.notify("gateway")
        else:
            await ws.send_str('{"op":9,"d":false,"s":null,"t":null}')

    async def _request_members(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        guild = self.guilds.get(int(d["guild_id"]))
        members = list(guild.members.values()) if guild else []
        if d.get("user_ids"):
            wanted = {int(u) for u in d["user_ids"]}
            members = [m for m in members if m.id in wanted]
        elif d.get("query"):
            members = [m for m in members if m.name.lower().startswith(d["query"].lower())]
        chunk = {
            "guild_id": d["guild_id"],
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        await self._send(ws, "GUILD_MEMBERS_CHUNK", chunk)

    def _guild_payload(self, guild: Guild, *, full: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "roles": [r.payload() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "afk_channel_id": None,
            "afk_timeout": 300,
            "system_channel_id": str(guild.system_channel.id) if guild.system_channel else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": guild.preferred_locale,
            "vanity_url_code": None,
            "application_id": None,
            "max_members": 500_000,
        }
        if full:
            data.update(
                channels=[c.payload() for c in guild.channels.values()],
                members=[m.payload() for m in guild.members.values()],
                member_count=len(guild.members),  # == members sent, so no chunking
                large=False,
                unavailable=False,
                joined_at=guild.members[self.bot_user.id].joined_at,
                threads=[],
                presences=[],
                voice_states=[],
                stage_instances=[],
                guild_scheduled_events=list(guild.scheduled_events.values()),
                soundboard_sounds=[],
            )
        return data

    async def drop_gateway(self, *, resumable: bool = True, timeout: float = 10.0) -> None:
        """Close the bot's websocket (code 4000) and wait until it is back.

        ``resumable=True``: the bot RESUMEs and gets RESUMED (missed events are not
        replayed). ``resumable=False``: its RESUME is refused with an invalid session
        (op 9), so it IDENTIFYs again and gets READY and every GUILD_CREATE again.
        """
        ws = self._ws
        if ws is None:
            raise RuntimeError("the bot is not connected")
        identified, resumed = self.identify_count, self.resume_count
        self._resumable = resumable
        self._ws = None
        self._live.clear()
        await ws.close(code=4000, message=b"dropped by FakeDiscord")

        def back() -> bool | None:
            if not self._live.is_set():
                return None
            if resumable:
                return self.resume_count > resumed or None
            return self.identify_count > identified or None

        await self._wait("gateway", back, timeout, "the bot to reconnect")
