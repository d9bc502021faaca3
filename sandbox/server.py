"""The local Discord-compatible server: :class:`FakeDiscord` composes the concerns (the
world, REST routes, the gateway, injected interactions, observations, faults) and owns
their shared state and the server's lifecycle. See the package docstring."""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from sandbox.callbacks import InteractionRoutes
from sandbox.faults import Faults, _Fault, _Hold
from sandbox.gateway import Gateway, _Shard
from sandbox.interactions import CLIENT_LAG, Interactions, _Interaction
from sandbox.messages import Messages
from sandbox.models import Channel, Guild, MessageRecord, Recorded, User
from sandbox.observe import Observations, _Waiters
from sandbox.options import CommandOptions
from sandbox.plumbing import API_PREFIX, HttpPlumbing
from sandbox.process import BotProcess
from sandbox.ratelimits import (
    DISCORD_RATE_LIMITS,
    INVALID_REQUESTS,
    InvalidRequests,
    RateLimiter,
    RateLimits,
)
from sandbox.rest import RestRoutes
from sandbox.state import WorldState

DISCORD_EPOCH_MS = 1_420_070_400_000
# The most bytes a file may have in a server without boosts (reference.mdx, Uploading
# Files: "The default limit is 10 MiB for all users"; 25 MiB until January 2025).
DEFAULT_UPLOAD_LIMIT = 10 * 1024**2


class FakeDiscord(
    WorldState, Observations, Faults, Interactions, CommandOptions, Messages, Gateway,
    HttpPlumbing, InteractionRoutes, RestRoutes,
):
    """The server, the simulated world and the test-side API. See the package docstring
    (sandbox/__init__.py)."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        response_deadline: float | None = 3.0,
        token_lifetime: float = 15 * 60,
        heartbeat_interval: float = 41.25,
        limits: bool = True,
        rate_limits: RateLimits | None = DISCORD_RATE_LIMITS,
        attachment_size_limit: int = DEFAULT_UPLOAD_LIMIT,
        invalid_request_limit: int | None = INVALID_REQUESTS,
        record_requests: bool = True,
        port: int = 0,
        shard_count: int = 1,
        max_guilds_per_shard: int = 2500,
        gateway_lag: float = 0.0,
        client_lag: float = CLIENT_LAG,
        privileged_intents: int = 0,
        event_start_lag: float = 0.0,
    ) -> None:
        """
        ``response_deadline``: seconds the bot has for its first response (Discord: 3);
        None disables it. ``token_lifetime``: seconds an interaction token works for
        follow-ups (Discord: 15 minutes); then it answers 401 ``50027 Invalid Webhook
        Token`` and the interaction is forgotten. ``heartbeat_interval``: seconds, sent in
        HELLO (Discord: about 41.25).
        ``limits``: refuse payloads over Discord's limits (sandbox/limits.py) with
        400 ``50035 Invalid Form Body``, and uploads over ``attachment_size_limit`` bytes
        (the size each interaction tells the bot, too) with 413 ``40005``.
        ``rate_limits``: bucket sizes and windows (sandbox/ratelimits.py;
        ``RateLimits().scaled(0.1)`` keeps the sizes and shortens the windows); None
        turns rate limiting off.
        ``invalid_request_limit``: requests answered 401, 403 or 429 that an address may
        make in 10 minutes before it is restricted for an hour (Discord: 10,000; every
        request then answered 429 as Discord's edge does); None: never restricted.
        ``record_requests=False`` saves memory in long benchmarks (then only calls to
        unknown routes are recorded). ``port``: where to listen on 127.0.0.1 (0: any free
        port). ``shard_count``: the shards ``GET /gateway/bot`` recommends and IDENTIFY must
        name (sandbox/gateway.py); ``max_guilds_per_shard``: more guilds than this on one
        session is refused with 4011 (Discord: 2,500). ``gateway_lag``: seconds each
        interaction spends on its way to the bot after Discord made it (its id's time): its
        response deadline counts from its making, as on Discord, so lag eats into it.
        ``client_lag``: seconds a click on a message (or a form's submission) that changed
        less than that ago spends on its way to the bot, as from a member's client
        (sandbox/interactions.py ``CLIENT_LAG``); 0 for benchmarks that time clicks on
        buttons that need no view (persistent ones).
        ``privileged_intents``: those switched on for the application in the developer
        portal (members 1 << 1, presences 1 << 8, message content 1 << 15; Discord: none
        for a new one); an IDENTIFY asking for another is closed with 4014.
        ``event_start_lag``: seconds after its scheduled start that Discord begins an
        external scheduled event (ACTIVE) by itself: Discord does so at its start, but a
        little late, and until then it is SCHEDULED, its start past (tests set it anew).
        """
        if shard_count < 1:
            raise ValueError("shard_count must be at least 1")
        self.token = token
        self.response_deadline = response_deadline
        self.gateway_lag = gateway_lag
        self.client_lag = client_lag
        self.event_start_lag = event_start_lag
        self.token_lifetime = token_lifetime
        self.heartbeat_interval = heartbeat_interval
        self.enforce_limits = limits
        self.rate_limiter = RateLimiter(rate_limits) if rate_limits is not None else None
        self.attachment_size_limit = attachment_size_limit
        self.invalid_requests = (InvalidRequests(invalid_request_limit)
                                 if invalid_request_limit is not None else None)
        self.record_requests = record_requests
        self._last_snowflake = 0
        self.app_id = self._snowflake()
        self.bot_user = User(self._snowflake(), "EventBot", bot=True)
        self.owner = User(self._snowflake(), "owner")  # owns the application and every guild
        self.users: dict[int, User] = {u.id: u for u in (self.bot_user, self.owner)}
        self.guilds: dict[int, Guild] = {}
        self.requests: list[Recorded] = []
        self.identify_count = 0
        self.resume_count = 0
        self.replayed_count = 0  # events sent again on a RESUME
        self.intents: int | None = None  # as sent in the last IDENTIFY
        self.privileged_intents = privileged_intents
        self.shard_count = shard_count
        self.max_guilds_per_shard = max_guilds_per_shard
        # (shard field, close code) of every IDENTIFY refused for its shard
        self.refused_identifies: list[tuple[Any, int]] = []
        self.server_errors: list[str] = []  # tracebacks of bugs in this server
        # The app's installation contexts, as ticked on its Installation page: 0 guild
        # install, 1 user install. A global command that names no `integration_types` is
        # offered in these (Discord: "defaults to your app's configured contexts").
        self.installation_contexts: tuple[int, ...] = (0,)
        # Whether an interaction callback asked ``?with_response=1`` is answered 200 with the
        # InteractionCallbackResponse, as Discord does; False: 204 with no body, as Discord
        # answered before it had that parameter (and as a server that ignores it may).
        self.callback_bodies = True
        # Keys left out of, and keys made null in, every object of every answer and gateway
        # event (a server answering as sparsely as Discord documents it may; see
        # sandbox.sparse for the fields documented so)
        self.omitted_fields: frozenset[str] = frozenset()
        self.nulled_fields: frozenset[str] = frozenset()
        # Gateway events sent without some fields: event name -> paths for `sparse.without_fields`
        # (e.g. {"INTERACTION_CREATE": {"channel", "guild_locale"}}), as a server that
        # leaves out what Discord documents as optional or sends only sometimes.
        self.omitted_paths: dict[str, set[str]] = {}

        self._listen_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._waiters = _Waiters()
        self._faults: list[_Fault] = []
        self._holds: list[_Hold] = []
        self._processes: list[BotProcess] = []
        # application commands: scope (None = global, else guild id) -> synced list
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._sync_counts: dict[int | None, int] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        # messages and files
        self._messages: dict[int, MessageRecord] = {}
        self._channel_messages: dict[int, dict[int, MessageRecord]] = {}
        # (channel id, nonce) -> (message id, when): the sends that asked for enforce_nonce
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self._channels: dict[int, Channel] = {}
        self._dm_channels: dict[int, Channel] = {}  # user id -> DM channel
        self._blocked_dms: set[int] = set()
        # guild id -> the words its AutoMod keyword rules block (FakeDiscord.automod)
        self._automod: dict[int, tuple[str, ...]] = {}
        self._outages: set[int] = set()  # guilds Discord has lost for now (outage)
        self._files: dict[int, tuple[str, bytes, str]] = {}  # attachment id -> (name, data, type)
        self._interactions: dict[str, _Interaction] = {}  # token -> state
        # gateway: one session per shard
        self._sockets: set[web.WebSocketResponse] = set()
        self._shards = [_Shard(shard_id) for shard_id in range(shard_count)]

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024**2)
        self._add_routes(app.router)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", self._listen_port))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        """Kill the bots started with :meth:`spawn_bot`, close the gateway, stop the server."""
        for proc in self._processes:
            proc.kill()
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"server shutting down")
        for session in self._shards:
            if session.flusher is not None:
                session.flusher.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        """For ``discord.http.Route.BASE``."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """For ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://127.0.0.1:{self._port}/"

    @property
    def bot_user_id(self) -> int:
        return self.bot_user.id

    def bot_env(self) -> dict[str, str]:
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }

    def spawn_bot(
        self, cmd: Sequence[str], env: Mapping[str, str] | None = None, *, cwd: str | None = None
    ) -> BotProcess:
        """Start a bot subprocess with :meth:`bot_env` (plus ``env``).

        The process is killed by :meth:`close`, and every wait of this server fails fast,
        with the bot's output, if it exits.
        """
        proc = BotProcess(cmd, {**self.bot_env(), **(env or {})}, cwd=cwd).start()
        self._processes.append(proc)
        return proc

    # ------------------------------------------------------------------ the world

    def _snowflake(self) -> int:
        """Unique, increasing ids with a real timestamp (``discord.utils.snowflake_time`` works)."""
        now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_snowflake = max(now, self._last_snowflake + 1)
        return self._last_snowflake
