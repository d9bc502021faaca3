"""The gateway: HELLO, heartbeats, IDENTIFY -> READY + GUILD_CREATE, RESUME (the events the
bot missed replayed, then RESUMED), Reconnect (op 7) and Invalid Session (op 9) at any time,
member chunks, and the events the tests cause, in order; one session per shard.

Sharding as Discord does it: a guild belongs to shard ``(guild_id >> 22) % shard_count``;
IDENTIFY names its shard as ``[shard_id, shard_count]`` and that session gets only its
shard's guilds, their events and their interactions (DMs go to shard 0). A shard field
that is malformed, out of range or of another count than this server's closes the socket
with 4010 (Invalid shard); a session that would hold more than ``max_guilds_per_shard``
guilds, or none named while the server has several shards, with 4011 (Sharding required).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from sandbox.models import Guild
from sandbox.plumbing import _dumps
from sandbox.sparse import thinned, without_fields

INVALID_SHARD, SHARDING_REQUIRED = 4010, 4011
RECONNECT, INVALID_SESSION = 7, 9
# The dispatched events a session keeps for a RESUME to replay (Discord keeps a session's
# recent events for a while; an older sequence number is refused with an invalid session).
REPLAY_BUFFER = 10_000
DISALLOWED_INTENTS = 4014
# Privileged intents: members, presences, message content.
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)


@dataclass(slots=True)
class _Outgoing:
    """An event on its way to the bot (`Gateway._queue`)."""

    event: str
    data: Any  # or a callable building it as it is sent
    after: Callable[[], None] | None
    due: float  # when it reaches the bot: time.monotonic()
    # A `Gateway.dispatch` waiting for it to be sent (True), or lost with its session (False)
    sent: asyncio.Future[bool] | None = None
    lost_with_session: bool = False


class _Shard:
    """One shard's gateway session: its socket, sequence, the guilds it has been sent and
    the events queued for it."""

    def __init__(self, shard_id: int) -> None:
        self.id = shard_id
        self.ws: web.WebSocketResponse | None = None
        self.live = asyncio.Event()  # a session is established on self.ws
        self.session_id: str | None = None
        self.resumable = True
        self.seq = 0
        self.delivered: set[int] = set()  # guild ids sent in this session
        # (seq, frame) of this session's dispatched events, for a RESUME to replay
        self.sent: deque[tuple[int, str]] = deque(maxlen=REPLAY_BUFFER)
        self.identified_at = -1.0  # time.monotonic() of the last IDENTIFY
        self.outbox: deque[_Outgoing] = deque()
        self.flusher: asyncio.Task[None] | None = None
        self.last_due = 0.0  # when the last event sent was due at the bot (in order)


class Gateway:
    """One session per shard (one shard unless ``shard_count`` says otherwise); events
    queued from synchronous code."""

    # A close code (and reason) Discord answers every IDENTIFY with, when set: 4012
    # (Invalid API version), 4013 (Invalid intent(s)), 4014 (Disallowed intent(s)), ...
    close_identify_with: tuple[int, bytes] | None = None

    def shard_of(self, guild_id: int | None) -> int:
        """The shard whose session gets this guild's events (DMs: shard 0)."""
        return 0 if guild_id is None else (guild_id >> 22) % self.shard_count

    def _session(self, guild_id: int | None) -> _Shard:
        return self._shards[self.shard_of(guild_id)]

    @property
    def _live(self) -> asyncio.Event:
        """Shard 0's session is established (the only one unless sharded)."""
        return self._shards[0].live

    def _connected(self, shards: range | list[int] | None = None) -> bool:
        return all(self._shards[s].live.is_set() for s in shards or range(self.shard_count))

    def _delivered_all(self) -> bool:
        """Every guild has been sent to its shard's session."""
        return all(gid in self._session(gid).delivered for gid in self.guilds
                   if gid not in self._outages)

    async def dispatch(self, event: str, data: dict[str, Any], timeout: float = 10.0, *,
                       shard: int | None = None, lost_with_session: bool = False) -> bool:
        """Send any gateway event to the bot (waits for a live session): to ``shard``, else
        to the shard of the guild the payload names (``guild_id``, or ``id`` for GUILD_*
        events), else shard 0. Returns whether it was sent.

        ``lost_with_session``: an event made while the shard's session was down is lost
        when the bot comes back with a new session (IDENTIFY) rather than resuming it, as
        on Discord, which replays missed events only on RESUME: an interaction made while
        the bot's process was down never reaches the next one.
        """
        if shard is None:
            gid = data.get("guild_id") or (data.get("id") if event.startswith("GUILD_") else None)
            shard = self.shard_of(int(gid) if gid is not None else None)
        session = self._shards[shard]
        if not session.live.is_set():
            down = session.session_id  # None: the bot has not connected yet
            await self._wait("gateway", lambda: session.live.is_set() or None, timeout,
                             f"a gateway session of shard {shard}")
            if lost_with_session and down is not None and session.session_id != down:
                return False
        if self.latency is not None:  # on its way, behind the events made before it
            sent = asyncio.get_running_loop().create_future()
            self._queue(session, event, data, sent=sent, lost_with_session=lost_with_session)
            return await sent
        if session.outbox:
            await self._flush(session)
        assert session.ws is not None
        await self._send(session, session.ws, event, data)
        return True

    def _due(self, session: _Shard) -> float:
        """When an event made now reaches the bot: at once, or after its way there
        (FakeDiscord.set_latency), never before one made earlier."""
        now = time.monotonic()
        if self.latency is None:
            return now
        session.last_due = max(session.last_due, now + self.latency.event_way())
        return session.last_due

    @staticmethod
    async def _on_its_way(due: float) -> None:
        if (left := due - time.monotonic()) > 0:
            await asyncio.sleep(left)

    async def _send(self, session: _Shard, ws: web.WebSocketResponse, event: str,
                    data: Any) -> None:
        session.seq += 1
        if self.omitted_fields or self.nulled_fields:
            data = thinned(data, self.omitted_fields, self.nulled_fields)
        if paths := self.omitted_paths.get(event):
            data = without_fields(data, paths)
        frame = _dumps({"op": 0, "t": event, "s": session.seq, "d": data})
        session.sent.append((session.seq, frame))
        # The bot's end may just have died: a RESUME replays the event, as on Discord; a
        # new session (IDENTIFY) never gets it.
        with contextlib.suppress(ConnectionResetError):
            await ws.send_str(frame)

    def _dispatch_if(self, intent: int, guild: Guild, event: str, data: dict[str, Any]) -> None:
        """Send ``event`` soon if the bot has ``guild`` and asked for ``intent`` (0: always).

        Guilds the bot does not have yet get these changes in their GUILD_CREATE instead.
        """
        session = self._session(guild.id)
        if guild.id in session.delivered and (intent == 0 or (self.intents or 0) & intent):
            self._queue(session, event, data)

    def _queue(self, session: _Shard, event: str, data: Any,
               after: Callable[[], None] | None = None, *,
               sent: asyncio.Future[bool] | None = None,
               lost_with_session: bool = False) -> None:
        """Send an event from synchronous code, in order with everything sent later.

        ``data`` may be a callable, to build the payload when it is sent. ``sent``: a
        `dispatch` at a distance, told when it is sent (or lost with its session).
        """
        session.outbox.append(_Outgoing(event, data, after, self._due(session), sent,
                                        lost_with_session))
        if session.flusher is None or session.flusher.done():
            session.flusher = asyncio.get_running_loop().create_task(self._flush(session))

    async def _flush(self, session: _Shard) -> None:
        while session.outbox:
            if not session.live.is_set():
                await session.live.wait()  # IDENTIFY may have emptied the outbox meanwhile
                continue
            entry = session.outbox[0]
            await self._on_its_way(entry.due)
            if not session.live.is_set() or not session.outbox or session.outbox[0] is not entry:
                continue  # the socket lost, emptied by an IDENTIFY, or sent by another
                # flush, meanwhile
            session.outbox.popleft()
            data = entry.data
            await self._send(session, session.ws, entry.event, data() if callable(data) else data)  # type: ignore[arg-type]
            if entry.after is not None:
                entry.after()
            if entry.sent is not None and not entry.sent.done():
                entry.sent.set_result(True)

    def _delivered_guild(self, session: _Shard, guild: Guild) -> None:
        session.delivered.add(guild.id)
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
            for session in self._shards:
                if session.ws is ws:
                    session.ws = None
                    session.live.clear()
        return ws

    def _shard_refusal(self, shard: Any) -> tuple[int, bytes] | None:
        """Why Discord would refuse this IDENTIFY's ``shard`` field, if it would."""
        if shard is None:
            if self.shard_count > 1:
                return SHARDING_REQUIRED, b"Sharding required."
            shard_id, count = 0, 1
        elif (isinstance(shard, list) and len(shard) == 2
              and all(type(n) is int for n in shard)):
            shard_id, count = shard
            if count != self.shard_count or not 0 <= shard_id < count:
                return INVALID_SHARD, b"Invalid shard."
        else:
            return INVALID_SHARD, b"Invalid shard."
        held = sum(1 for gid in self.guilds if self.shard_of(gid) == shard_id)
        if held > self.max_guilds_per_shard:
            return SHARDING_REQUIRED, b"Sharding required."
        return None

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        if self.close_identify_with is not None:
            self.refused_identifies.append((d.get("shard"), self.close_identify_with[0]))
            await ws.close(code=self.close_identify_with[0], message=self.close_identify_with[1])
            return
        if d.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        asked = d.get("intents")
        if isinstance(asked, int) and asked & PRIVILEGED_INTENTS & ~self.privileged_intents:
            # Discord's answer to an intent not switched on in the developer portal
            await ws.close(code=DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
            return
        if (refusal := self._shard_refusal(d.get("shard"))) is not None:
            self.refused_identifies.append((d.get("shard"), refusal[0]))
            await ws.close(code=refusal[0], message=refusal[1])
            return
        session = self._shards[d["shard"][0] if d.get("shard") else 0]
        self.identify_count += 1
        session.identified_at = time.monotonic()
        self.intents = d.get("intents")
        session.ws, session.session_id, session.seq, session.resumable = (
            ws, secrets.token_hex(16), 0, True)
        session.delivered.clear()
        session.sent.clear()
        # READY and GUILD_CREATE carry the whole current state; an event dispatched at a
        # distance, still on its way, reaches the new session unless lost with the old one
        kept = [e for e in session.outbox if e.sent is not None and not e.lost_with_session]
        for entry in session.outbox:
            if entry.sent is not None and entry.lost_with_session and not entry.sent.done():
                entry.sent.set_result(False)
        session.outbox.clear()
        session.outbox.extend(kept)
        mine = [g for g in self.guilds.values() if self.shard_of(g.id) == session.id]
        ready = {
            "v": 10,
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in mine],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        if d.get("shard"):
            ready["shard"] = [session.id, self.shard_count]
        await self._send(session, ws, "READY", ready)
        # A guild in an outage is listed unavailable in READY, and sent when it ends.
        while pending := [g for g in self.guilds.values()
                          if self.shard_of(g.id) == session.id and g.id not in session.delivered
                          and g.id not in self._outages]:
            for guild in pending:
                await self._send(session, ws, "GUILD_CREATE", self._guild_payload(guild, full=True))
                self._delivered_guild(session, guild)
        session.live.set()
        self._waiters.notify("gateway")

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        """As Discord: the events of the session after the bot's ``seq`` are sent again, in
        order, then RESUMED; a session that cannot be resumed (invalidated, unknown, or a
        ``seq`` it no longer holds the events after) answers op 9 ``false``."""
        session = next((s for s in self._shards if s.session_id == d.get("session_id")), None)
        seq = d.get("seq")
        if (session is not None and session.resumable and d.get("token") == self.token
                and type(seq) is int and 0 <= seq <= session.seq
                and (seq >= session.seq or not session.sent or session.sent[0][0] <= seq + 1)):
            self.resume_count += 1
            session.ws = ws
            for sent_seq, frame in list(session.sent):
                if sent_seq > seq:
                    self.replayed_count += 1
                    with contextlib.suppress(ConnectionResetError):
                        await ws.send_str(frame)
            await self._send(session, ws, "RESUMED", {})
            session.live.set()
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
        session = next((s for s in self._shards if s.ws is ws), self._session(int(d["guild_id"])))
        await self._send(session, ws, "GUILD_MEMBERS_CHUNK", chunk)

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
                channels=[c.payload() for c in guild.channels.values() if not c.is_thread],
                members=[m.payload() for m in guild.members.values()],
                member_count=len(guild.members),  # == members sent, so no chunking
                large=False,
                unavailable=False,
                joined_at=guild.members[self.bot_user.id].joined_at,
                # the active threads (Discord lists no archived ones here)
                threads=[c.payload() for c in guild.channels.values()
                         if c.is_thread and not c.archived],
                presences=[],
                voice_states=[],
                stage_instances=[],
                guild_scheduled_events=list(guild.scheduled_events.values()),
                soundboard_sounds=[],
            )
        return data

    async def drop_gateway(self, *, resumable: bool = True, timeout: float = 10.0,
                           shard: int = 0) -> None:
        """Close ``shard``'s websocket (code 4000) and wait until it is back.

        ``resumable=True``: the bot RESUMEs; the events sent into the closed socket after
        the last one it got are replayed, then RESUMED, then those made while it was away.
        ``resumable=False``: its RESUME is refused with an invalid session (op 9), so it
        IDENTIFYs again and gets READY and every GUILD_CREATE again; interactions made
        while it was away are lost (``dispatch``'s ``lost_with_session``).
        """
        await self._cut(shard, resumable, lambda ws: ws.close(
            code=4000, message=b"dropped by FakeDiscord"), timeout, "the bot to reconnect")

    async def request_reconnect(self, *, timeout: float = 10.0, shard: int = 0) -> None:
        """Discord asks ``shard``'s session to reconnect (op 7 Reconnect, as before it moves
        the session elsewhere): nothing more is sent on that socket; the bot is to close it
        and RESUME, and gets what it missed replayed. Waits until it has resumed."""
        await self._cut(shard, True, lambda ws: ws.send_str(_dumps(
            {"op": RECONNECT, "d": None, "s": None, "t": None})), timeout,
            "the bot to resume after a Reconnect (op 7)")

    async def invalidate_session(self, *, resumable: bool, timeout: float = 10.0,
                                 shard: int = 0) -> None:
        """Discord invalidates ``shard``'s session (op 9 Invalid Session, ``d`` =
        ``resumable``): nothing more is sent on that socket. ``True``: the bot may RESUME
        it, and gets what it missed replayed. ``False``: the session is gone; a RESUME of it
        is refused, the bot IDENTIFYs and gets READY and every GUILD_CREATE again, and
        interactions made meanwhile are lost. Waits until it is back."""
        await self._cut(shard, resumable, lambda ws: ws.send_str(_dumps(
            {"op": INVALID_SESSION, "d": resumable, "s": None, "t": None})), timeout,
            "the bot to come back after an Invalid Session (op 9)")

    async def _cut(self, shard: int, resumable: bool,
                   cut: Callable[[web.WebSocketResponse], Awaitable[Any]], timeout: float,
                   what: str) -> None:
        """Take ``shard``'s session off its websocket, ``cut`` that (nothing more is sent on
        it), and wait until the bot is back: RESUMEd if ``resumable``, else IDENTIFYed anew."""
        session = self._shards[shard]
        ws = session.ws
        if ws is None:
            raise RuntimeError(f"the bot is not connected on shard {shard}")
        identified, resumed = self.identify_count, self.resume_count
        session.resumable = resumable
        session.ws = None
        session.live.clear()
        await cut(ws)

        def back() -> bool | None:
            if not session.live.is_set():
                return None
            if resumable:
                return self.resume_count > resumed or None
            return self.identify_count > identified or None

        await self._wait("gateway", back, timeout, what)
