"""A local Discord-compatible server: the end-to-end tests and the sandbox run the bot on it.

The tests start :class:`FakeDiscord` in their own event loop, run the *real* bot as a
subprocess pointed at it (``discord.http.Route.BASE`` = :attr:`FakeDiscord.api_base`,
``DiscordWebSocket.DEFAULT_GATEWAY`` = :attr:`FakeDiscord.gateway_url`), inject
interactions through the gateway and observe what the bot does over REST. Everything
goes through discord.py's own HTTP, gateway, command-tree and view code.

What it emulates
    * REST (``/api/v10``): login (``/users/@me``, ``/oauth2/applications/@me``),
      ``/gateway[/bot]``, application-command sync (global and per guild, stable ids),
      interaction callbacks (types 4-9, JSON or multipart, ``?with_response=1`` answers),
      the interaction webhook (``@original``, follow-ups), channel messages (send, edit,
      delete, fetch, history), DMs (``/users/@me/channels``), guilds, members, roles,
      role grants and scheduled events. File uploads become attachments served from
      ``/attachments/...`` on this server, so ``Attachment.read()`` works.
    * Discord's behaviours that bots trip over: the 3 s deadline for the first
      response (late callbacks get ``10062 Unknown interaction``), an interaction can be
      acknowledged only once (``40060``), the first follow-up after a deferral *becomes*
      the original response, ephemeral messages are not channel messages, channel
      permission overwrites (``50013 Missing Permissions``), blocked DMs (``50007``),
      mention parsing according to ``allowed_mentions`` (``mentions`` and
      ``mention_everyone`` say who would have been pinged), follow-up tokens that expire
      after 15 minutes (``401 50027 Invalid Webhook Token``).
    * Discord's documented payload limits (bot/localdiscord_limits.py), on by default:
      message content, embeds (each text, 25 fields, 10 embeds, 6,000 characters in
      total), components, autocomplete choices, modals, application commands on sync
      (names, descriptions, options, choices, localizations, 4,000 characters), scheduled
      events and 25 MB uploads. Over a limit: 400 ``50035 Invalid Form Body`` with
      Discord's nested ``errors`` naming the field, and nothing changes.
    * Rate limits (bot/localdiscord_ratelimits.py), on by default with Discord's sizes:
      the global 50 requests/s (interaction callbacks and follow-ups exempt), message
      sends 5 per 5 s per channel, and conservative guesses for role grants (per guild)
      and DM opens; ``X-RateLimit-*`` headers on limited routes and Discord's 429 (with
      ``Via``), which discord.py reads and waits out. ``RateLimits().scaled(f)`` keeps
      the sizes and shortens the windows: the end-to-end fixture (tests/e2e/conftest.py)
      runs with windows a tenth as long, because the suite posts far more than a bot would.
    * Gateway: HELLO, heartbeat ACKs, IDENTIFY -> READY + one GUILD_CREATE per guild
      (complete member lists, so no chunking is needed; op 8 is answered anyway),
      RESUME -> RESUMED, invalid sessions, sequence numbers. Changes made by the tests
      after the bot connected reach it as GUILD_CREATE (guild joined), CHANNEL_CREATE,
      CHANNEL_UPDATE (overwrites), GUILD_ROLE_CREATE, and, if it asked for the intents,
      GUILD_MEMBER_ADD/UPDATE and GUILD_SCHEDULED_EVENT_*, in order with the interactions
      sent after them.
      Plain-text JSON frames, no compression.
    * Fault injection: :meth:`FakeDiscord.fail` answers matching requests with an error
      or a 429 (with the ``Via`` header discord.py requires before it retries), and
      :meth:`FakeDiscord.drop_gateway` closes the websocket (resumable or not); the
      ``mutate`` argument of ``slash`` and ``click`` sends a payload Discord would not.

What it does not emulate
    Buckets of routes other than those above, sharding, voice, threads,
    reactions, presences, MESSAGE_CREATE echoes of the bot's own messages, replay of
    missed events on RESUME, role hierarchy, ``default_member_permissions`` (commands
    are usable by everyone, as if server admins opened them up, so the bot's own
    checks are what gets tested), and payload validation beyond what is listed above.
    Only one bot connection (one shard) at a time. Every interval (response deadline,
    token lifetime, heartbeat, bucket windows) is a constructor argument, so tests can
    shorten them.

Ids are snowflakes. Every REST call is recorded in :attr:`FakeDiscord.requests`; calls to
routes this server does not know are answered with 404 and recorded with ``route=None``
(see :meth:`FakeDiscord.unknown_requests`). :meth:`FakeDiscord.slash`, ``autocomplete``,
``click`` and ``submit_modal`` return a :class:`Reply` (see there for what it holds after
a deferral). :class:`BotProcess` runs a bot with its output captured;
:meth:`FakeDiscord.spawn_bot` starts one with the right environment.

Typical use::

    async with FakeDiscord() as fake:
        guild = fake.add_guild()
        alice = fake.add_member(guild, "alice")
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"])
        await fake.wait_ready(process=bot)
        reply = await fake.slash(guild, alice, "rsvp join", event="42")
        assert reply.ephemeral and "confirmed" in reply.content
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aiohttp import WSMsgType, web

from bot import localdiscord_limits as limits
from bot.localdiscord_ratelimits import DISCORD_RATE_LIMITS, RateLimiter, RateLimits

__all__ = [
    "Attachment",
    "BotProcess",
    "Channel",
    "FakeDiscord",
    "Guild",
    "Member",
    "MessageRecord",
    "Recorded",
    "Reply",
    "Role",
    "User",
]

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_EVENTS = 1 << 33
ALL_PERMISSIONS = (1 << 53) - 1
# @everyone: add reactions, view, send, embed links, attach files, read history, use commands
EVERYONE_PERMISSIONS = sum(1 << bit for bit in (6, 10, 11, 14, 15, 16, 31))

EPHEMERAL = 1 << 6  # message flag
LOADING = 1 << 7  # message flag of a deferred ("is thinking...") response

# Interaction types and the callback types each one accepts.
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
_VALID_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}

# Gateway intents that gate the optional events this server sends.
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_SCHEDULED_EVENTS = 1 << 16

# Request storage: the parsed JSON (or payload_json) body and the uploaded files by index.
BODY = web.RequestKey("body", Any)
FILES = web.RequestKey("files", dict)

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _id(obj: Any) -> int:
    """Accept a model object (anything with ``.id``), an int or a numeric string."""
    return int(getattr(obj, "id", obj))


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py does not parse "application/json; charset=...".
    return web.Response(
        body=_dumps(data).encode(), status=status, headers=headers, content_type="application/json"
    )


class _RateLimited(Exception):
    """A full bucket: answered with Discord's 429 body (and the bucket's headers)."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.body = body


class ApiError(Exception):
    """Raised by a route handler; turned into Discord's JSON error body."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}" + (f" {errors}" if errors else ""))
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def response(self) -> web.Response:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return _json(body, self.status)


# --------------------------------------------------------------------------- the world


@dataclass(eq=False)
class User:
    id: int
    name: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": None if self.bot else self.name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(eq=False)
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    bot_id: int | None = None  # set for the bot's managed role

    def payload(self) -> dict[str, Any]:
        data = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.bot_id is not None,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class Channel:
    """A guild text channel, or a DM channel (``guild is None``, ``recipient`` set)."""

    id: int
    name: str
    guild: Guild | None = field(default=None, repr=False)
    position: int = 0
    overwrites: list[dict[str, Any]] = field(default_factory=list, repr=False)
    recipient: User | None = None

    def payload(self) -> dict[str, Any]:
        if self.guild is None:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": 1,
                "last_message_id": None,
                "recipients": [self.recipient.payload()],
                "flags": 0,
            }
        return {
            "id": str(self.id),
            "type": 0,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": self.overwrites,
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild = field(repr=False)
    roles: list[Role] = field(default_factory=list)
    joined_at: str = field(default_factory=_now, repr=False)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.name

    def payload(self) -> dict[str, Any]:
        return {
            "user": self.user.payload(),
            "roles": [str(r.id) for r in self.roles],
            "joined_at": self.joined_at,
            "nick": None,
            "avatar": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int = field(repr=False)
    # all keyed by id; roles include @everyone (id == guild id)
    roles: dict[int, Role] = field(default_factory=dict, repr=False)
    channels: dict[int, Channel] = field(default_factory=dict, repr=False)
    members: dict[int, Member] = field(default_factory=dict, repr=False)
    scheduled_events: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)
    system_channel: Channel | None = field(default=None, repr=False)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    @property
    def owner(self) -> Member:
        return self.members[self.owner_id]

    def channel(self, name: str) -> Channel:
        """The channel called ``name`` (e.g. ``"general"``, ``"announcements"``)."""
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise KeyError(f"guild {self.name!r} has no channel {name!r}")

    def role(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"guild {self.name!r} has no role {name!r}")


@dataclass(frozen=True)
class Attachment:
    """A file given as the value of an attachment option of a slash command."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


# --------------------------------------------------------------------------- records


@dataclass(slots=True, eq=False)
class Recorded:
    """One REST call the bot made."""

    method: str
    path: str  # after /api/v10, e.g. "/channels/123/messages"
    query: dict[str, str]
    json: Any  # parsed JSON body, or the payload_json part of a multipart body
    files: list[tuple[str, bytes]]  # uploaded files of a multipart body, in index order
    route: str | None  # matched route, e.g. "/channels/{channel_id}/messages"; None if unknown
    status: int = 0
    time: float = field(default_factory=time.monotonic)

    @property
    def message(self) -> dict[str, Any] | None:
        """The message-shaped part of the body if this call creates or edits a message."""
        if self.route is None or not isinstance(self.json, dict):
            return None
        if self.route.endswith("/callback"):
            return self.json.get("data") if self.json.get("type") in (4, 7) else None
        if self.method in ("POST", "PATCH") and (
            self.route.startswith("/webhooks/")
            or self.route.startswith("/channels/{channel_id}/messages")
        ):
            return self.json
        return None


@dataclass(slots=True, eq=False)
class MessageRecord:
    """A message the bot created, with its current state in ``data``."""

    data: dict[str, Any]
    channel_id: int
    created: float  # time.monotonic()
    edits: list[float] = field(default_factory=list)  # time.monotonic() of each edit
    deleted: float | None = None


class _Interaction:
    """Server-side state of one interaction the tests injected."""

    __slots__ = (
        "acked",
        "actor",
        "channel",
        "choices",
        "created",
        "expired",
        "followups",
        "guild",
        "id",
        "label",
        "loading",
        "message_id",
        "modal",
        "original",
        "response_type",
        "token",
        "type",
    )

    def __init__(
        self, iid: int, itype: int, label: str, guild: Guild | None, actor: Any, channel: Channel
    ):
        self.id = iid
        self.token = f"{iid}.{secrets.token_urlsafe(16)}"
        self.type = itype
        self.label = label  # for error messages: "/rsvp join", "click eventbot:..."
        self.guild = guild
        self.actor = actor  # Member in a guild, User in a DM
        self.channel = channel
        self.message_id: int | None = None  # the message a component / modal belongs to
        self.created = time.monotonic()
        self.acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.response_type: int | None = None
        self.expired = False
        self.original: MessageRecord | None = None
        self.loading = False  # deferred (type 5) and not yet filled
        self.followups: list[dict[str, Any]] = []
        self.choices: list[dict[str, Any]] | None = None
        self.modal: dict[str, Any] | None = None


class Reply:
    """What the bot answered to one interaction.

    ``message`` is the interaction's response message, and ``content``, ``embeds``,
    ``components``, ``ephemeral`` and ``files`` read from it:

    * type 4: the message the bot sent;
    * type 5 (deferred): the placeholder, filled by the first follow-up or by an edit of
      ``@original`` (as on Discord, where that follow-up *is* the original response).
      :meth:`FakeDiscord.slash` and friends return only once it is filled;
    * types 6 and 7 (component interactions): the message the component is on, as
      updated by the bot;
    * types 8 (autocomplete) and 9 (modal): ``message`` is None; see ``choices`` and
      ``modal``.

    The dicts are live: later edits by the bot show up in them. ``followups`` lists every
    follow-up (including the one that filled a deferral), in order.
    """

    def __init__(self, fake: FakeDiscord, state: _Interaction) -> None:
        self._fake = fake
        self._state = state

    def __repr__(self) -> str:
        return (
            f"<Reply {self._state.label!r} type={self.type} content={self.content!r} "
            f"ephemeral={self.ephemeral} followups={len(self.followups)}>"
        )

    @property
    def interaction_id(self) -> int:
        return self._state.id

    @property
    def type(self) -> int:
        """The callback type (4 message, 5 deferred, 6 deferred update, 7 update, 8, 9)."""
        assert self._state.response_type is not None
        return self._state.response_type

    @property
    def deferred(self) -> bool:
        return self.type in (5, 6)

    @property
    def message(self) -> dict[str, Any] | None:
        return None if self._state.original is None else self._state.original.data

    @property
    def content(self) -> str | None:
        return None if self.message is None else self.message["content"]

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return [] if self.message is None else self.message["embeds"]

    @property
    def components(self) -> list[dict[str, Any]]:
        return [] if self.message is None else self.message["components"]

    @property
    def ephemeral(self) -> bool:
        return self.message is not None and bool(self.message["flags"] & EPHEMERAL)

    @property
    def files(self) -> list[tuple[str, bytes]]:
        return [] if self.message is None else self._fake.files_of(self.message)

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """Autocomplete choices (type 8)."""
        return self._state.choices

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened (type 9): ``{"custom_id", "title", "components"}``."""
        return self._state.modal

    @property
    def followups(self) -> list[dict[str, Any]]:
        return self._state.followups

    def custom_ids(self) -> list[str]:
        """The custom ids of the components on the response message."""
        return [c["custom_id"] for c in _walk_components(self.components) if "custom_id" in c]

    async def wait(self, predicate: Callable[[Reply], bool], timeout: float = 10.0) -> Reply:
        """Wait until ``predicate(self)`` holds, re-checked whenever the bot edits or
        follows up on this interaction, e.g. ``await reply.wait(lambda r: "done" in r.content)``."""
        st = self._state
        await self._fake._wait(
            ("interaction", st.id),
            lambda: predicate(self) or None,
            timeout,
            f"{st.label}: {predicate}",
        )
        return self

    async def followup(self, n: int = 1, timeout: float = 10.0) -> dict[str, Any]:
        """Wait until the bot has sent at least ``n`` follow-ups; return the ``n``-th (1-based)."""
        st = self._state
        await self._fake._wait(
            ("interaction", st.id),
            lambda: len(st.followups) >= n or None,
            timeout,
            f"{st.label}: follow-up #{n} (have {len(st.followups)})",
        )
        return st.followups[n - 1]


def _walk_components(components: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Every component, depth first, through action rows, containers, sections and labels."""
    for comp in components:
        yield comp
        yield from _walk_components(comp.get("components", ()))
        for key in ("accessory", "component"):
            if key in comp:
                yield from _walk_components([comp[key]])


class _Waiters:
    """Futures keyed by what they wait on; ``notify(key)`` wakes only that key's waiters."""

    def __init__(self) -> None:
        self._futures: dict[Any, list[asyncio.Future[None]]] = {}

    def notify(self, key: Any) -> None:
        for fut in self._futures.pop(key, ()):
            if not fut.done():
                fut.set_result(None)

    def future(self, key: Any) -> asyncio.Future[None]:
        fut = asyncio.get_running_loop().create_future()
        self._futures.setdefault(key, []).append(fut)
        return fut


# --------------------------------------------------------------------------- bot process


class BotProcess:
    """A bot running as a subprocess, its stdout and stderr captured to a temporary file.

    ``start()`` launches it; ``await stop()`` sends SIGINT (or the signal given; the bot
    stops cleanly on SIGINT and SIGTERM) and kills it if it has not exited within
    ``timeout``; ``kill()``
    is the synchronous last resort for ``finally`` blocks. ``output()`` is everything the
    bot printed, also after it stopped.
    """

    def __init__(
        self, cmd: Sequence[str], env: Mapping[str, str] | None = None, *, cwd: str | None = None
    ) -> None:
        self.cmd = list(cmd)
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.started: float | None = None  # time.monotonic() of start()
        self.stopped = False  # set by stop()/kill(): an exit is expected from then on
        self._log_path: str | None = None
        self._final_output: str | None = None

    def start(self) -> BotProcess:
        fd, self._log_path = tempfile.mkstemp(prefix="bot-", suffix=".log")
        self.started = time.monotonic()
        with os.fdopen(fd, "wb") as log:
            self.proc = subprocess.Popen(
                self.cmd, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    @property
    def returncode(self) -> int | None:
        """None while running (or before ``start()``)."""
        return None if self.proc is None else self.proc.poll()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        """What the bot printed so far, without colour codes (discord.py colours its logs
        when it thinks it runs in Docker)."""
        if self._final_output is not None:
            return self._final_output
        if self._log_path is None:
            return ""
        with open(self._log_path, "rb") as log:
            return _ANSI_COLOUR.sub("", log.read().decode("utf-8", "replace"))

    async def stop(self, timeout: float = 5.0, signum: int = signal.SIGINT) -> int | None:
        """Signal the bot, wait up to ``timeout`` s, then kill it. Returns the exit code."""
        self.stopped = True
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(signum)
            deadline = time.monotonic() + timeout
            while self.proc.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        self.kill()
        return self.returncode

    def kill(self) -> None:
        """Kill the bot if it is still running (by its own pid) and keep its output."""
        self.stopped = True
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._log_path is not None and self._final_output is None:
            self._final_output = self.output()
            with contextlib.suppress(OSError):
                os.unlink(self._log_path)

    async def __aenter__(self) -> BotProcess:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def describe(self, tail: int = 4000) -> str:
        status = f"bot {self.cmd!r} (pid {self.pid}, exit code {self.returncode})"
        return f"{status}; output:\n{self.output()[-tail:]}"


# --------------------------------------------------------------------------- the server


@dataclass(slots=True)
class _Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float | None
    code: int
    message: str | None


class FakeDiscord:
    """The server, the simulated world and the test-side API. See the module docstring."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        response_deadline: float | None = 3.0,
        token_lifetime: float = 15 * 60,
        heartbeat_interval: float = 41.25,
        limits: bool = True,
        rate_limits: RateLimits | None = DISCORD_RATE_LIMITS,
        attachment_size_limit: int = 25 * 1024**2,
        record_requests: bool = True,
        port: int = 0,
    ) -> None:
        """
        ``response_deadline``: seconds the bot has for its first response (Discord: 3);
        None disables it. ``token_lifetime``: seconds an interaction token works for
        follow-ups (Discord: 15 minutes); then it answers 401 ``50027 Invalid Webhook
        Token`` and the interaction is forgotten. ``heartbeat_interval``: seconds, sent in
        HELLO (Discord: about 41.25).
        ``limits``: refuse payloads over Discord's limits (bot/localdiscord_limits.py) with
        400 ``50035 Invalid Form Body``, and uploads over ``attachment_size_limit`` bytes
        with 413 ``40005``. ``rate_limits``: bucket sizes and windows
        (bot/localdiscord_ratelimits.py; ``RateLimits().scaled(0.1)`` keeps the sizes and
        shortens the windows); None turns rate limiting off.
        ``record_requests=False`` saves memory in long benchmarks (then only calls to
        unknown routes are recorded). ``port``: where to listen on 127.0.0.1 (0: any free
        port).
        """
        self.token = token
        self.response_deadline = response_deadline
        self.token_lifetime = token_lifetime
        self.heartbeat_interval = heartbeat_interval
        self.enforce_limits = limits
        self.rate_limiter = RateLimiter(rate_limits) if rate_limits is not None else None
        self.attachment_size_limit = attachment_size_limit
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
        self.intents: int | None = None  # as sent in the last IDENTIFY
        self.server_errors: list[str] = []  # tracebacks of bugs in this server

        self._listen_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._waiters = _Waiters()
        self._faults: list[_Fault] = []
        self._processes: list[BotProcess] = []
        self._outbox: deque[tuple[str, Any, Callable[[], None] | None]] = deque()
        self._flusher: asyncio.Task[None] | None = None
        # application commands: scope (None = global, else guild id) -> synced list
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._sync_counts: dict[int | None, int] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        # messages and files
        self._messages: dict[int, MessageRecord] = {}
        self._channel_messages: dict[int, dict[int, MessageRecord]] = {}
        self._channels: dict[int, Channel] = {}
        self._dm_channels: dict[int, Channel] = {}  # user id -> DM channel
        self._blocked_dms: set[int] = set()
        self._files: dict[int, tuple[str, bytes, str]] = {}  # attachment id -> (name, data, type)
        self._interactions: dict[str, _Interaction] = {}  # token -> state
        # gateway
        self._ws: web.WebSocketResponse | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._live = asyncio.Event()  # a session is established on self._ws
        self._session_id: str | None = None
        self._resumable = True
        self._seq = 0
        self._delivered: set[int] = set()  # guild ids sent in this session
        self._identified_at = -1.0  # time.monotonic() of the last IDENTIFY

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
        if self._flusher is not None:
            self._flusher.cancel()
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

    def add_user(self, name: str | None = None) -> User:
        """A user who is in no guild yet (for DMs); :meth:`add_member` creates users too."""
        user = User(self._snowflake(), name or f"user{len(self.users)}")
        self.users[user.id] = user
        return user

    def add_guild(self, name: str = "Test Guild", *, system_channel: bool = True,
                  guild_id: int | None = None) -> Guild:
        """A guild with #general (the system channel) and #announcements, the bot and the owner.

        The bot's role has every permission except Administrator (so channel overwrites
        apply to it). If the bot is already connected, it receives GUILD_CREATE (it joins).
        A fixed `guild_id` lets two servers hold the same guild (two bot processes sharing
        one database) or keep it across runs (the sandbox).
        """
        guild = Guild(guild_id or self._snowflake(), name, owner_id=self.owner.id)
        guild.roles[guild.id] = Role(guild.id, "@everyone", EVERYONE_PERMISSIONS)
        bot_role = Role(self._snowflake(), self.bot_user.name, ALL_PERMISSIONS & ~ADMINISTRATOR, 1)
        bot_role.bot_id = self.bot_user.id
        guild.roles[bot_role.id] = bot_role
        self.guilds[guild.id] = guild
        general = self.add_channel(guild, "general")
        self.add_channel(guild, "announcements")
        if system_channel:
            guild.system_channel = general
        guild.members[self.owner.id] = Member(self.owner, guild)
        guild.members[self.bot_user.id] = Member(self.bot_user, guild, [bot_role])
        if self._live.is_set():
            self._queue(
                "GUILD_CREATE",
                lambda: self._guild_payload(guild, full=True),
                lambda: self._delivered_guild(guild),
            )
        return guild

    def add_member(
        self,
        guild: Guild,
        name: str | None = None,
        *,
        user: User | None = None,
        manage_events: bool = False,
        admin: bool = False,
    ) -> Member:
        """A member (a new user unless ``user`` is given), optionally with the role
        "Event Manager" (Manage Events) or "Admin" (Administrator)."""
        user = user or self.add_user(name)
        roles = []
        if manage_events:
            roles.append(self._named_role(guild, "Event Manager", MANAGE_EVENTS))
        if admin:
            roles.append(self._named_role(guild, "Admin", ADMINISTRATOR))
        member = Member(user, guild, roles)
        guild.members[user.id] = member
        self._dispatch_if(
            INTENT_GUILD_MEMBERS,
            guild,
            "GUILD_MEMBER_ADD",
            {**member.payload(), "guild_id": str(guild.id)},
        )
        return member

    def add_role(self, guild: Guild, name: str, permissions: int = 0) -> Role:
        return self._named_role(guild, name, permissions)

    def _named_role(self, guild: Guild, name: str, permissions: int) -> Role:
        with contextlib.suppress(KeyError):
            return guild.role(name)
        role = Role(self._snowflake(), name, permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        self._dispatch_if(
            0, guild, "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.payload()}
        )
        return role

    def add_channel(self, guild: Guild, name: str, *, bot_can_send: bool = True) -> Channel:
        """A text channel; ``bot_can_send=False`` adds an overwrite denying the bot Send Messages
        (it still sees the channel; sending fails with 403 50013 Missing Permissions)."""
        channel = Channel(self._snowflake(), name, guild, position=len(guild.channels))
        if not bot_can_send:
            channel.overwrites.append(
                {"id": str(self.bot_user.id), "type": 1, "allow": "0", "deny": str(SEND_MESSAGES)}
            )
        guild.channels[channel.id] = channel
        self._channels[channel.id] = channel
        self._dispatch_if(0, guild, "CHANNEL_CREATE", channel.payload())
        return channel

    def set_overwrite(
        self, channel: Channel, target: Member | Role, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Give ``target`` (a member or a role) a permission overwrite on ``channel``, replacing
        its previous one; the bot gets CHANNEL_UPDATE. Interactions in the channel then carry
        the member's permissions with it, as Discord computes them."""
        assert channel.guild is not None, "DM channels have no overwrites"
        kind = 1 if isinstance(target, Member) else 0
        channel.overwrites[:] = [o for o in channel.overwrites if int(o["id"]) != target.id]
        channel.overwrites.append(
            {"id": str(target.id), "type": kind, "allow": str(allow), "deny": str(deny)}
        )
        self._dispatch_if(0, channel.guild, "CHANNEL_UPDATE", channel.payload())

    def dm_channel(self, user: User | Member | int) -> Channel:
        """The DM channel between the bot and ``user`` (created on first use)."""
        user_obj = self.users[_id(user)]
        channel = self._dm_channels.get(user_obj.id)
        if channel is None:
            channel = Channel(self._snowflake(), "", recipient=user_obj)
            self._dm_channels[user_obj.id] = channel
            self._channels[channel.id] = channel
        return channel

    def block_dms(self, user: User | Member | int) -> None:
        """The bot's DMs to ``user`` fail with 403 50007 Cannot send messages to this user."""
        self._blocked_dms.add(_id(user))

    def unblock_dms(self, user: User | Member | int) -> None:
        self._blocked_dms.discard(_id(user))

    def permissions(self, member: Member, channel: Channel | None = None) -> int:
        """``member``'s permission bits in its guild or, with overwrites, in ``channel``."""
        guild = member.guild
        if member.id == guild.owner_id:
            return ALL_PERMISSIONS
        perms = guild.everyone.permissions
        for role in member.roles:
            perms |= role.permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        if channel is None or not channel.overwrites:
            return perms
        # @everyone overwrite, then all role overwrites combined, then the member's own
        overwrites = {int(o["id"]): (int(o["allow"]), int(o["deny"])) for o in channel.overwrites}
        allow, deny = overwrites.get(guild.id, (0, 0))
        perms = (perms & ~deny) | allow
        allow = deny = 0
        for role in member.roles:
            role_allow, role_deny = overwrites.get(role.id, (0, 0))
            allow, deny = allow | role_allow, deny | role_deny
        perms = (perms & ~deny) | allow
        allow, deny = overwrites.get(member.id, (0, 0))
        return (perms & ~deny) | allow

    def export_state(self) -> dict[str, Any]:
        """The world (guilds, users, the bot's messages, files and DM channels) as JSON
        types, for :meth:`restore_state` in a later server (bot/localdiscord_state.py)."""
        from bot.localdiscord_state import export_state

        return export_state(self)

    def restore_state(self, state: Any) -> None:
        """Load a world saved by :meth:`export_state`, keeping its ids; call it after
        ``start()`` and before a bot connects. ``StateError`` (a ValueError) if it is not
        one."""
        from bot.localdiscord_state import restore_state

        restore_state(self, state)

    # ------------------------------------------------------------------ observing the bot

    def commands(self, guild: Guild | int | None = None) -> list[dict[str, Any]]:
        """The application commands the bot last synced, globally or to ``guild``."""
        return list(self._commands.get(None if guild is None else _id(guild), []))

    def register_commands(self, commands: list[dict[str, Any]],
                          guild: Guild | int | None = None) -> None:
        """Give the application commands it already has, as another process of the same
        application synced them (a bot sharing its database with that process syncs none)."""
        self._commands[None if guild is None else _id(guild)] = copy.deepcopy(commands)

    def sync_count(self, guild: Guild | int | None = None) -> int:
        """How many times the bot PUT its commands, globally or to ``guild``."""
        return self._sync_counts.get(None if guild is None else _id(guild), 0)

    def messages(self, channel: Channel | int) -> list[dict[str, Any]]:
        """Current state of the messages in ``channel``, oldest first, without deleted ones.

        Channel messages are what the bot posted with ``channel.send`` plus its
        non-ephemeral interaction responses and follow-ups (those have ``interaction_metadata``).
        """
        return [r.data for r in self._channel_messages.get(_id(channel), {}).values()]

    def dms(self, user: User | Member | int) -> list[dict[str, Any]]:
        """Messages the bot sent to ``user`` in DMs."""
        channel = self._dm_channels.get(_id(user))
        return [] if channel is None else self.messages(channel)

    def message_record(self, message: dict[str, Any] | int) -> MessageRecord:
        """Creation time, edit times and deletion time of a message (by dict or id)."""
        mid = int(message["id"]) if isinstance(message, dict) else int(message)
        return self._messages[mid]

    def files_of(self, message: dict[str, Any]) -> list[tuple[str, bytes]]:
        """The (filename, bytes) of a message's attachments."""
        return [(a["filename"], self._files[int(a["id"])][1]) for a in message["attachments"]]

    def scheduled_events(self, guild: Guild | int) -> list[dict[str, Any]]:
        return list(self.guilds[_id(guild)].scheduled_events.values())

    def unknown_requests(self) -> list[Recorded]:
        """REST calls to routes this server does not implement (answered with 404)."""
        return [r for r in self.requests if r.route is None]

    async def wait_message(
        self,
        channel: Channel | int,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """The newest message in ``channel`` (already there or yet to come, in its current
        state) for which ``predicate`` is true."""
        cid = _id(channel)

        def check() -> dict[str, Any] | None:
            for record in reversed(self._channel_messages.get(cid, {}).values()):
                if predicate is None or predicate(record.data):
                    return record.data
            return None

        return await self._wait(("channel", cid), check, timeout, f"a message in channel {cid}")

    async def wait_ready(self, timeout: float = 30.0, *, process: BotProcess | None = None) -> None:
        """Until the bot has IDENTIFYed and received GUILD_CREATE for every guild.

        With ``process``: the session must have been IDENTIFYed after that process
        started (so a restarted bot is not mistaken for its predecessor), and the wait
        fails at once, with the output, if the process exits.
        """
        if process is not None and process not in self._processes:
            self._processes.append(process)
        since = -1.0 if process is None or process.started is None else process.started

        def ready() -> bool | None:
            return (
                self._live.is_set()
                and self._identified_at >= since
                and self.guilds.keys() <= self._delivered
            ) or None

        await self._wait("gateway", ready, timeout, "the bot to connect and receive its guilds")

    async def _wait(self, key: Any, check: Callable[[], Any], timeout: float, what: str) -> Any:
        """Wait until ``check()`` returns a value other than None, re-checking whenever
        ``key`` is notified; fail early if a bot process died."""
        deadline = time.monotonic() + timeout
        while (result := check()) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout} s waiting for {what}{self._bot_status()}"
                )
            for proc in self._processes:
                if proc.returncode is not None and not proc.stopped:
                    raise RuntimeError(f"while waiting for {what}: {proc.describe()}")
            fut = self._waiters.future(key)
            with contextlib.suppress(TimeoutError):
                # re-check dead processes at least every 0.5 s
                await asyncio.wait_for(fut, min(remaining, 0.5))
        return result

    def _bot_status(self) -> str:
        """What may explain a timeout: dead bots and errors in this server."""
        dead = [p for p in self._processes if p.returncode is not None and not p.stopped]
        errors = [f"\nFakeDiscord error:\n{tb}" for tb in self.server_errors[-1:]]
        return "".join(f"\n{p.describe()}" for p in dead) + "".join(errors)

    # ------------------------------------------------------------------ fault injection

    def fail(
        self,
        method: str,
        path_regex: str,
        *,
        status: int = 500,
        count: int = 1,
        retry_after: float | None = None,
        code: int = 0,
        message: str | None = None,
    ) -> None:
        """Answer the next ``count`` calls matching ``method`` ("*" for any) and
        ``path_regex`` (``re.search`` on the path after /api/v10, e.g.
        ``r"^/channels/\\d+/messages$"``) with ``status``.

        A 429 carries the ``Via`` header and ``{"message", "retry_after", "global": false}``
        (``retry_after`` defaults to 0.05 s), which discord.py sleeps through and retries.
        Note that discord.py also retries 500/502/504 itself, after 1 s, 3 s, ...
        """
        self._faults.append(
            _Fault(
                method.upper(), re.compile(path_regex), status, count, retry_after, code, message
            )
        )

    def _injected_fault(self, method: str, path: str) -> web.Response | None:
        for fault in self._faults:
            if fault.method in ("*", method) and fault.pattern.search(path):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                if fault.status == 429:
                    retry_after = 0.05 if fault.retry_after is None else fault.retry_after
                    body = {
                        "message": "You are being rate limited.",
                        "retry_after": retry_after,
                        "global": False,
                    }
                    headers = {"Via": "1.1 google", "Retry-After": str(max(1, round(retry_after)))}
                    return _json(body, 429, headers)
                body = {
                    "message": fault.message or f"{fault.status}: injected by FakeDiscord",
                    "code": fault.code,
                }
                return _json(body, fault.status)
        return None

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

    # ------------------------------------------------------------------ injecting interactions

    async def slash(
        self,
        guild: Guild,
        member: Member,
        command: str,
        /,
        *,
        in_channel: Channel | None = None,
        options: Mapping[str, Any] | None = None,
        timeout: float = 10.0,
        mutate: Callable[[dict[str, Any]], None] | None = None,
        **kw_options: Any,
    ) -> Reply:
        """Invoke ``/command`` (e.g. ``"rsvp join"``) as ``member`` in ``in_channel``
        (default: the guild's system channel) and return the bot's reply.

        ``mutate`` may change the INTERACTION_CREATE payload in place before it is sent,
        to deliver what Discord would not (a member without ``roles``, junk fields).

        Options are typed by the synced schema: str, int, float, bool, a :class:`Channel`,
        :class:`Member`/:class:`User`, :class:`Role` or :class:`Attachment`. Pass them as
        keywords, or in ``options`` when a name clashes with this method's parameters.
        Waits up to ``response_deadline`` for the first response and, after a deferral,
        up to ``timeout`` for it to be filled.
        """
        channel = in_channel or self._default_channel(guild)
        data = self._command_data(
            guild, member, channel, command, {**(options or {}), **kw_options}
        )
        return await self._interact(
            APPLICATION_COMMAND, f"/{command}", guild, member, channel, data, timeout,
            mutate=mutate,
        )

    @staticmethod
    def _default_channel(guild: Guild) -> Channel:
        return guild.system_channel or next(iter(guild.channels.values()))

    async def slash_dm(
        self,
        user: User | Member,
        command: str,
        /,
        *,
        options: Mapping[str, Any] | None = None,
        timeout: float = 10.0,
        **kw_options: Any,
    ) -> Reply:
        """Like :meth:`slash`, from the DM between ``user`` and the bot (global commands only)."""
        user = user.user if isinstance(user, Member) else user
        channel = self.dm_channel(user)
        data = self._command_data(None, user, channel, command, {**(options or {}), **kw_options})
        return await self._interact(
            APPLICATION_COMMAND, f"/{command} (DM)", None, user, channel, data, timeout
        )

    async def autocomplete(
        self,
        guild: Guild | None,
        member: Member | User,
        command: str,
        /,
        *,
        focused: str,
        in_channel: Channel | None = None,
        options: Mapping[str, Any] | None = None,
        **kw_options: Any,
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while ``member`` types option ``focused`` (its value,
        as typed so far, is the option's value, default ""). ``guild=None`` for a DM."""
        if guild is None:
            member = member.user if isinstance(member, Member) else member
            channel = self.dm_channel(member)
        else:
            channel = in_channel or self._default_channel(guild)
        values = {**(options or {}), **kw_options}
        data = self._command_data(guild, member, channel, command, values, focused=focused)
        reply = await self._interact(
            AUTOCOMPLETE, f"/{command} ({focused}...)", guild, member, channel, data, 10.0
        )
        assert reply.choices is not None
        return reply.choices

    async def click(
        self,
        guild: Guild | None,
        member: Member | User,
        message: dict[str, Any],
        custom_id: str,
        /,
        *,
        values: Sequence[str] | None = None,
        timeout: float = 10.0,
        forged: bool = False,
        mutate: Callable[[dict[str, Any]], None] | None = None,
    ) -> Reply:
        """Click the button (or choose ``values`` in the select menu) ``custom_id`` on a
        message the bot posted. ``guild=None`` for a message in a DM.

        ``forged=True`` sends ``custom_id`` as a button of the message even if the message
        has no such component (what a modified client could send: the interaction's copy of
        the message gets the button); ``mutate`` changes the payload as for :meth:`slash`."""
        record = self._messages.get(int(message["id"]))
        current = record.data if record is not None else message
        component = next(
            (c for c in _walk_components(current["components"]) if c.get("custom_id") == custom_id),
            None,
        )
        if component is None and forged:
            component = {"type": 2, "style": 1, "label": "forged", "custom_id": custom_id}
            current = {**current, "components": [
                *current["components"], {"type": 1, "components": [component]}]}
        if component is None:
            ids = [
                c["custom_id"] for c in _walk_components(current["components"]) if "custom_id" in c
            ]
            raise LookupError(
                f"message {current['id']} has no component {custom_id!r}; it has {ids}"
            )
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] != 2:
            data["values"] = list(values or [])
        channel = self._channels[int(current["channel_id"])]
        return await self._interact(
            MESSAGE_COMPONENT,
            f"click {custom_id}",
            guild,
            member,
            channel,
            data,
            timeout,
            message=current,
            mutate=mutate,
        )

    async def submit_modal(
        self, reply: Reply, values: Mapping[str, str | Sequence[str]], /, *, timeout: float = 10.0
    ) -> Reply:
        """Submit the modal the bot opened in ``reply``, as the same user, with
        ``values`` by custom id (text inputs take str, selects a list of str)."""
        modal, st = reply.modal, reply._state
        if modal is None:
            raise ValueError(f"{reply!r} did not open a modal")
        unknown = set(values) - {c.get("custom_id") for c in _walk_components(modal["components"])}
        if unknown:
            raise LookupError(f"modal {modal['custom_id']!r} has no inputs {sorted(unknown)}")

        def answer(comp: dict[str, Any]) -> dict[str, Any]:
            cid = comp.get("custom_id")
            if comp["type"] == 4:  # text input
                return {
                    "type": 4,
                    "custom_id": cid,
                    "value": values.get(cid, comp.get("value") or ""),
                }
            return {"type": comp["type"], "custom_id": cid, "values": list(values.get(cid, []))}

        components = []
        for comp in modal["components"]:
            if comp["type"] == 1:
                components.append(
                    {"type": 1, "components": [answer(c) for c in comp["components"]]}
                )
            elif comp["type"] == 18:
                components.append({"type": 18, "component": answer(comp["component"])})
        data = {"custom_id": modal["custom_id"], "components": components}
        message = None if st.message_id is None else self._messages[st.message_id].data
        return await self._interact(
            MODAL_SUBMIT,
            f"modal {modal['custom_id']}",
            st.guild,
            st.actor,
            st.channel,
            data,
            timeout,
            message,
        )

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

    def _command_data(
        self,
        guild: Guild | None,
        actor: Member | User,
        channel: Channel,
        command: str,
        values: Mapping[str, Any],
        focused: str | None = None,
    ) -> dict[str, Any]:
        """``data`` of an APPLICATION_COMMAND / AUTOCOMPLETE interaction, from the synced schema."""
        words = command.split()
        schema = None
        scope: int | None = None
        for scope in ([guild.id] if guild is not None else []) + [None]:
            schema = next(
                (
                    c
                    for c in self._commands.get(scope, ())
                    if c["name"] == words[0] and c.get("type", 1) == 1
                ),
                None,
            )
            if schema is not None:
                break
        if schema is None:
            synced = {s: [c["name"] for c in cmds] for s, cmds in self._commands.items()}
            raise LookupError(
                f"no slash command {words[0]!r} synced for this guild or globally; synced: {synced}"
            )
        if guild is None and (
            scope is not None
            or schema.get("dm_permission") is False
            or 1 not in (schema.get("contexts") or [1])
        ):
            raise LookupError(f"/{command} is not usable in DMs (guild-only or guild-synced)")
        if guild is not None and 0 not in (schema.get("contexts") or [0]):
            raise LookupError(f"/{command} is not usable in guilds (contexts={schema['contexts']})")

        data: dict[str, Any] = {"id": schema["id"], "name": schema["name"], "type": 1}
        if scope is not None:
            data["guild_id"] = str(scope)
        container = data
        for word in words[1:]:
            sub = next(
                (o for o in schema.get("options", ()) if o["name"] == word and o["type"] in (1, 2)),
                None,
            )
            if sub is None:
                raise LookupError(
                    f"/{command}: {schema['name']!r} has no sub-command or group {word!r}"
                )
            option: dict[str, Any] = {"type": sub["type"], "name": word}
            container["options"] = [option]
            container, schema = option, sub
        params = schema.get("options", [])
        if any(p["type"] in (1, 2) for p in params):
            subs = [p["name"] for p in params]
            raise LookupError(f"/{command} is a group; name one of its sub-commands: {subs}")

        by_name = {p["name"]: p for p in params}
        unknown = set(values) - by_name.keys()
        if unknown:
            raise LookupError(
                f"/{command} has no options {sorted(unknown)}; it has {sorted(by_name)}"
            )
        resolved: dict[str, dict[str, Any]] = {}
        options = []
        for param in params:
            name = param["name"]
            if name == focused:
                value = values.get(name, "")
                options.append(
                    {"type": param["type"], "name": name, "value": str(value), "focused": True}
                )
            elif name in values:
                value = self._option_value(param, values[name], resolved, guild, actor, channel)
                options.append({"type": param["type"], "name": name, "value": value})
            elif param.get("required") and focused is None:
                raise ValueError(f"/{command}: required option {name!r} is missing")
        if focused is not None and focused not in by_name:
            raise LookupError(f"/{command} has no option {focused!r}")
        container["options"] = options
        if resolved:
            data["resolved"] = resolved
        return data

    def _option_value(
        self,
        param: dict[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        guild: Guild | None,
        actor: Member | User,
        channel: Channel,
    ) -> Any:
        kind, name = param["type"], param["name"]
        if kind == 3:
            value = str(value)
        elif kind == 4:
            value = int(value)
        elif kind == 5:
            value = bool(value)
        elif kind == 10:
            value = float(value)
        elif kind == 7:
            target = value if isinstance(value, Channel) else self._channels[_id(value)]
            perms = (
                self.permissions(actor, target) if isinstance(actor, Member) else ALL_PERMISSIONS
            )
            resolved.setdefault("channels", {})[str(target.id)] = {
                **target.payload(),
                "permissions": str(perms),
            }
            return str(target.id)
        elif kind in (6, 8, 9):
            if isinstance(value, Role):
                resolved.setdefault("roles", {})[str(value.id)] = value.payload()
                return str(value.id)
            user = value.user if isinstance(value, Member) else self.users[_id(value)]
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            target = guild.members.get(user.id) if guild is not None else None
            if target is not None:
                member = target.payload()
                del member["user"]
                member["permissions"] = str(self.permissions(target, channel))
                resolved.setdefault("members", {})[str(user.id)] = member
            return str(user.id)
        elif kind == 11:
            if not isinstance(value, Attachment):
                raise TypeError(f"option {name!r} takes an Attachment, not {value!r}")
            attachment = self._store_file(value.filename, value.data, value.content_type)
            resolved.setdefault("attachments", {})[attachment["id"]] = attachment
            return attachment["id"]
        choices = param.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(
                f"option {name!r}: {value!r} is not one of {[c['value'] for c in choices]}"
            )
        return value

    async def _interact(
        self,
        itype: int,
        label: str,
        guild: Guild | None,
        actor: Member | User,
        channel: Channel,
        data: dict[str, Any],
        timeout: float,
        message: dict[str, Any] | None = None,
        *,
        mutate: Callable[[dict[str, Any]], None] | None = None,
    ) -> Reply:
        """Build INTERACTION_CREATE, send it, await the callback (and a deferral's fill)."""
        if guild is not None and (not isinstance(actor, Member) or actor.guild is not guild):
            raise ValueError(f"{actor!r} is not a member of guild {guild.name!r}")
        st = _Interaction(self._snowflake(), itype, label, guild, actor, channel)
        payload: dict[str, Any] = {
            "id": str(st.id),
            "application_id": str(self.app_id),
            "type": itype,
            "token": st.token,
            "version": 1,
            "attachment_size_limit": self.attachment_size_limit,
            "data": data,
            "channel_id": str(channel.id),
            "channel": channel.payload(),
            "locale": "en-US",
            "entitlements": [],
        }
        if guild is not None:
            assert isinstance(actor, Member)
            member = actor.payload()
            member["permissions"] = str(self.permissions(actor, channel))
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=member,
                app_permissions=str(self.permissions(guild.members[self.bot_user.id], channel)),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            user = actor.user if isinstance(actor, Member) else actor
            payload.update(
                user=user.payload(),
                app_permissions=str(EVERYONE_PERMISSIONS),
                authorizing_integration_owners={"0": str(user.id)},
                context=1,
            )
        if message is not None:
            payload["message"] = message
            st.message_id = int(message["id"])
        if mutate is not None:
            mutate(payload)

        self._forget_expired()
        self._interactions[st.token] = st
        await self.dispatch("INTERACTION_CREATE", payload)

        wait = self.response_deadline + 0.5 if self.response_deadline is not None else timeout
        await asyncio.wait([st.acked], timeout=wait)
        if not st.acked.done():
            raise TimeoutError(
                f"{label}: the bot did not respond within {wait:.1f} s "
                f"(Discord would show 'The application did not respond'){self._bot_status()}"
            )
        if st.expired:
            raise TimeoutError(
                f"{label}: the bot responded after the {self.response_deadline} s deadline"
            )
        if st.loading:
            await self._wait(
                ("interaction", st.id),
                lambda: (not st.loading) or None,
                timeout,
                f"{label}: the deferred response to be filled (follow-up or edit of @original)",
            )
        return Reply(self, st)

    def _forget_expired(self) -> None:
        """Drop interactions whose tokens expired (oldest first: the dict keeps creation order)."""
        created_before = time.monotonic() - self.token_lifetime
        while self._interactions:
            oldest = next(iter(self._interactions.values()))
            if oldest.created > created_before:
                break
            self._forget(oldest)

    def _forget(self, st: _Interaction) -> None:
        """Drop an expired interaction and its ephemeral messages (memory bound for benchmarks)."""
        del self._interactions[st.token]
        for msg in [st.original.data if st.original else None, *st.followups]:
            if msg is not None and msg["flags"] & EPHEMERAL:
                self._messages.pop(int(msg["id"]), None)

    # ------------------------------------------------------------------ messages

    def _new_message(
        self,
        channel: Channel,
        payload: Mapping[str, Any],
        files: Mapping[int, tuple[str, bytes]],
        *,
        flags: int = 0,
        interaction: _Interaction | None = None,
    ) -> MessageRecord:
        mid = self._snowflake()
        data: dict[str, Any] = {
            "id": str(mid),
            "type": 0,
            "channel_id": str(channel.id),
            "author": self.bot_user.payload(),
            "content": "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "flags": flags,
        }
        if channel.guild is not None:
            data["guild_id"] = str(channel.guild.id)
        if interaction is not None:
            user = (
                interaction.actor.user
                if isinstance(interaction.actor, Member)
                else interaction.actor
            )
            data.update(
                type=20 if interaction.type == APPLICATION_COMMAND else 0,
                webhook_id=str(self.app_id),
                application_id=str(self.app_id),
                interaction_metadata={
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "user": user.payload(),
                    "authorizing_integration_owners": {},
                },
            )
        self._apply(data, payload, files)
        record = MessageRecord(data, channel.id, time.monotonic())
        self._messages[mid] = record
        if not flags & EPHEMERAL:
            self._channel_messages.setdefault(channel.id, {})[mid] = record
            self._waiters.notify(("channel", channel.id))
        return record

    def _edit(
        self,
        record: MessageRecord,
        payload: Mapping[str, Any],
        files: Mapping[int, tuple[str, bytes]],
    ) -> None:
        if record.deleted is not None:
            raise ApiError(404, 10008, "Unknown Message")
        self._apply(record.data, payload, files)
        record.data["edited_timestamp"] = _now()
        record.edits.append(time.monotonic())
        self._waiters.notify(("channel", record.channel_id))

    def _fill_deferred(
        self, st: _Interaction, payload: Mapping[str, Any], files: Mapping[int, tuple[str, bytes]]
    ) -> None:
        """The first follow-up (or @original edit) after a deferral replaces the placeholder."""
        assert st.original is not None
        data = st.original.data
        self._apply(data, {k: v for k, v in payload.items() if k != "flags"}, files)
        data["flags"] &= ~LOADING
        st.loading = False
        self._waiters.notify(("channel", st.original.channel_id))

    def _apply(
        self,
        data: dict[str, Any],
        payload: Mapping[str, Any],
        files: Mapping[int, tuple[str, bytes]],
    ) -> None:
        """Apply a create/edit payload (content, embeds, components, flags, attachments)."""
        for key in ("content", "embeds", "components"):
            if key in payload:
                data[key] = payload[key] or ("" if key == "content" else [])
        if "flags" in payload and payload["flags"] is not None:
            data["flags"] = (data["flags"] & (EPHEMERAL | LOADING)) | (payload["flags"] & ~LOADING)
        if "attachments" in payload or files:
            data["attachments"] = self._attachments(
                data["attachments"], payload.get("attachments"), files
            )
        if "content" in payload or "allowed_mentions" in payload:
            self._mentions(data, payload.get("allowed_mentions"))

    def _attachments(
        self,
        current: list[dict[str, Any]],
        spec: list[dict[str, Any]] | None,
        files: Mapping[int, tuple[str, bytes]],
    ) -> list[dict[str, Any]]:
        """Kept attachments are referenced by id, new uploads by their files[n] index."""
        if spec is None:
            return current + [self._store_file(name, blob) for name, blob in files.values()]
        existing = {a["id"]: a for a in current}
        result = []
        for item in spec:
            if str(item["id"]) in existing:
                result.append(existing[str(item["id"])])
                continue
            try:
                name, blob = files[int(item["id"])]
            except (KeyError, ValueError):
                raise ApiError(
                    400, 50035, f"Invalid Form Body: no file for attachment {item!r}"
                ) from None
            result.append(
                self._store_file(
                    item.get("filename") or name, blob, description=item.get("description")
                )
            )
        return result

    def _store_file(
        self,
        filename: str,
        blob: bytes,
        content_type: str = "application/octet-stream",
        description: str | None = None,
    ) -> dict[str, Any]:
        aid = self._snowflake()
        self._files[aid] = (filename, blob, content_type)
        url = f"{self.base_url}/attachments/{aid}/{quote(filename)}"
        return {
            "id": str(aid),
            "filename": filename,
            "description": description,
            "size": len(blob),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    def _mentions(self, data: dict[str, Any], allowed: Mapping[str, Any] | None) -> None:
        """Who the message pings, per Discord's allowed_mentions rules (default: everyone)."""
        content = data["content"] or ""
        if "@" not in content:
            data.update(mention_everyone=False, mentions=[], mention_roles=[])
            return
        parse = ["users", "roles", "everyone"] if allowed is None else allowed.get("parse", [])
        users = {str(u) for u in (allowed or {}).get("users", [])}
        roles = {str(r) for r in (allowed or {}).get("roles", [])}
        data["mention_everyone"] = "everyone" in parse and (
            "@everyone" in content or "@here" in content
        )
        data["mentions"] = [
            self.users[int(uid)].payload()
            for uid in dict.fromkeys(_USER_MENTION.findall(content))
            if int(uid) in self.users and ("users" in parse or uid in users)
        ]
        data["mention_roles"] = [
            rid
            for rid in dict.fromkeys(_ROLE_MENTION.findall(content))
            if "roles" in parse or rid in roles
        ]

    # ------------------------------------------------------------------ gateway

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
            "preferred_locale": "en-US",
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

    # ------------------------------------------------------------------ HTTP plumbing

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            try:
                return await handler(request)  # gateway and attachment downloads
            except web.HTTPNotFound:
                return _json({"message": "404: Not Found", "code": 0}, 404)
        path = request.path[len(API_PREFIX) :]
        resource = request.match_info.route.resource
        route = None if resource is None else resource.canonical[len(API_PREFIX) :]
        try:
            body, files = await self._read_body(request)
        except ValueError:
            return ApiError(400, 50109, "The request body contains invalid JSON.").response()
        record = Recorded(
            request.method, path, dict(request.query), body, list(files.values()), route
        )
        if self.record_requests or route is None:
            self.requests.append(record)
        request[BODY], request[FILES] = body, files
        response = self._injected_fault(request.method, path) if self._faults else None
        if response is None:
            rate_headers: Mapping[str, str] = {}
            try:
                if route is None:
                    raise ApiError(404, 0, "404: Not Found")
                if not route.startswith(("/interactions/", "/webhooks/")) and (
                    request.headers.get("Authorization") != f"Bot {self.token}"
                ):
                    raise ApiError(401, 0, "401: Unauthorized")
                if self.rate_limiter is not None:
                    verdict = self.rate_limiter.check(
                        request.method, route, dict(request.match_info)
                    )
                    rate_headers = verdict.headers
                    if verdict.retry_after is not None:
                        raise _RateLimited(verdict.body())
                if self.enforce_limits and limits.files_too_large(
                    list(files.values()), self.attachment_size_limit
                ):
                    raise ApiError(413, 40005, "Request entity too large")
                response = await handler(request)
            except _RateLimited as exc:
                response = _json(exc.body, 429)
            except ApiError as exc:
                response = exc.response()
            except Exception as exc:  # a bug here: say so, and fail fast (discord.py retries 5xx)
                self.server_errors.append(traceback.format_exc())
                response = _json({"message": f"FakeDiscord error: {exc!r}", "code": 0}, 400)
            response.headers.update(rate_headers)
        record.status = response.status
        return response

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, dict[int, tuple[str, bytes]]]:
        files: dict[int, tuple[str, bytes]] = {}
        if not request.body_exists:
            return None, files
        if request.content_type.startswith("multipart/"):
            payload = None
            async for part in await request.multipart():
                name = part.name or ""  # type: ignore[union-attr]
                if name == "payload_json":
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                elif name.startswith("files["):
                    files[int(name[6:-1])] = (part.filename or name, bytes(await part.read()))  # type: ignore[union-attr]
            return payload, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), files

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        a = API_PREFIX
        routes: list[tuple[str, str, Callable[[web.Request], Any]]] = [
            ("GET", "/users/@me", self._get_me),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway),
            ("GET", "/applications/{app_id}/commands", self._get_commands),
            ("PUT", "/applications/{app_id}/commands", self._put_commands),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback),
            ("POST", "/webhooks/{app_id}/{token}", self._followup),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message),
            ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message),
            ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("GET", "/channels/{channel_id}/messages", self._history),
            ("POST", "/channels/{channel_id}/messages", self._send_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._channel_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._channel_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._channel_message),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self._get_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member),
            ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self._member_role),
            ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self._member_role),
            ("GET", "/guilds/{guild_id}/scheduled-events", self._list_events),
            ("POST", "/guilds/{guild_id}/scheduled-events", self._create_event),
            ("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", self._event),
            ("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", self._event),
            ("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", self._event),
        ]
        for method, path, handler in routes:
            router.add_route(method, a + path, handler)
        router.add_get("/", self._gateway)
        router.add_get("/attachments/{attachment_id}/{filename}", self._download)

    # ------------------------------------------------------------------ REST: lookups

    @staticmethod
    def _param(request: web.Request, name: str, code: int, what: str) -> int:
        try:
            return int(request.match_info[name])
        except ValueError:
            raise ApiError(404, code, f"Unknown {what}") from None

    def _guild(self, request: web.Request) -> Guild:
        guild = self.guilds.get(self._param(request, "guild_id", 10004, "Guild"))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    def _channel(self, request: web.Request) -> Channel:
        channel = self._channels.get(self._param(request, "channel_id", 10003, "Channel"))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    def _member(self, guild: Guild, request: web.Request) -> Member:
        member = guild.members.get(self._param(request, "user_id", 10007, "Member"))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return member

    def _interaction(self, request: web.Request) -> _Interaction:
        """The interaction behind a follow-up webhook; its token works for ``token_lifetime``."""
        if request.match_info["app_id"] != str(self.app_id):
            raise ApiError(404, 10015, "Unknown Webhook")
        st = self._interactions.get(request.match_info["token"])
        if st is not None and time.monotonic() - st.created > self.token_lifetime:
            self._forget(st)
            st = None
        if st is None:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        if st.response_type is None:
            raise ApiError(404, 10015, "Unknown Webhook")
        return st

    def _check_limits(self, errors: dict[str, Any]) -> None:
        """Refuse a body over Discord's limits, naming each offending field as Discord does."""
        if errors and self.enforce_limits:
            raise ApiError(400, 50035, "Invalid Form Body", errors)

    # ------------------------------------------------------------------ REST: users, app, gateway

    async def _get_me(self, request: web.Request) -> web.Response:
        return _json(
            {
                **self.bot_user.payload(),
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
                "locale": "en-US",
            }
        )

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self.users.get(self._param(request, "user_id", 10013, "User"))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return _json(user.payload())

    async def _get_application(self, request: web.Request) -> web.Response:
        return _json(
            {
                "id": str(self.app_id),
                "name": self.bot_user.name,
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.owner.payload(),
                "verify_key": "0" * 64,
                "team": None,
                "flags": 0,
                "bot": self.bot_user.payload(),
                "approximate_guild_count": len(self.guilds),
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _create_dm(self, request: web.Request) -> web.Response:
        user_id = int((request[BODY] or {}).get("recipient_id", 0))
        if user_id not in self.users:
            raise ApiError(400, 50033, "Invalid Recipient(s)")
        return _json(self.dm_channel(user_id).payload())

    # ------------------------------------------------------------------ REST: application commands

    def _scope(self, request: web.Request) -> int | None:
        if request.match_info["app_id"] != str(self.app_id):
            raise ApiError(403, 50001, "Missing Access")
        return self._guild(request).id if "guild_id" in request.match_info else None

    async def _get_commands(self, request: web.Request) -> web.Response:
        return _json(self._commands.get(self._scope(request), []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        self._check_limits(limits.commands_errors(request[BODY] or []))
        synced = []
        for cmd in request[BODY] or []:
            key = (scope, cmd.get("type", 1), cmd["name"])
            cid = self._command_ids.setdefault(key, self._snowflake())  # stable across syncs
            synced.append(
                {
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    **cmd,
                    "id": str(cid),
                    "application_id": str(self.app_id),
                    "type": cmd.get("type", 1),
                    "version": str(self._snowflake()),
                    **({"guild_id": str(scope)} if scope is not None else {}),
                }
            )
        self._commands[scope] = synced
        self._sync_counts[scope] = self._sync_counts.get(scope, 0) + 1
        return _json(synced)

    # ------------------------------------------------------------------ REST: interactions

    async def _callback(self, request: web.Request) -> web.Response:
        st = self._interactions.get(request.match_info["token"])
        if st is None or request.match_info["interaction_id"] != str(st.id) or st.expired:
            raise ApiError(404, 10062, "Unknown interaction")
        if st.response_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if (
            self.response_deadline is not None
            and time.monotonic() - st.created > self.response_deadline
        ):
            st.expired = True
            if not st.acked.done():
                st.acked.set_result(None)
            raise ApiError(404, 10062, "Unknown interaction")
        body, files = request[BODY] or {}, request[FILES]
        rtype, data = body.get("type"), body.get("data") or {}
        if rtype not in _VALID_CALLBACKS.get(st.type, ()):
            raise ApiError(
                400,
                50035,
                f"Invalid Form Body: callback type {rtype} for interaction type {st.type}",
            )
        if rtype in (6, 7) and st.message_id is None:
            raise ApiError(400, 50035, "Invalid Form Body: no message to update")
        if rtype in (4, 7):
            self._check_limits(limits.message_errors(data, ("data",)))
        elif rtype == 8:
            self._check_limits(limits.autocomplete_errors(data, ("data",)))
        elif rtype == 9:
            self._check_limits(limits.modal_errors(data, ("data",)))

        if rtype == 4:
            st.original = self._new_message(
                st.channel, data, files, flags=data.get("flags") or 0, interaction=st
            )
        elif rtype == 5:
            flags = ((data.get("flags") or 0) & EPHEMERAL) | LOADING
            st.original = self._new_message(st.channel, {}, {}, flags=flags, interaction=st)
            st.loading = True
        elif rtype in (6, 7):
            st.original = self._messages.get(st.message_id)  # type: ignore[arg-type]
            if st.original is None:
                raise ApiError(404, 10008, "Unknown Message")
            if rtype == 7:
                self._edit(st.original, data, files)
        elif rtype == 8:
            st.choices = data.get("choices", [])
        else:
            st.modal = data
        st.response_type = rtype
        st.acked.set_result(None)
        self._waiters.notify(("interaction", st.id))

        message = st.original.data if st.original is not None and rtype != 6 else None
        resource: dict[str, Any] = {"type": rtype}
        if message is not None:
            resource["message"] = message
        return _json(
            {
                "interaction": {
                    "id": str(st.id),
                    "type": st.type,
                    "response_message_id": message["id"] if message else None,
                    "response_message_loading": rtype == 5,
                    "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
                },
                "resource": resource,
            }
        )

    async def _followup(self, request: web.Request) -> web.StreamResponse:
        st = self._interaction(request)
        body, files = request[BODY] or {}, request[FILES]
        self._check_limits(limits.message_errors(body))
        if st.loading:
            self._fill_deferred(st, body, files)
            assert st.original is not None
            record = st.original
        else:
            flags = body.get("flags") or 0
            record = self._new_message(st.channel, body, files, flags=flags, interaction=st)
        st.followups.append(record.data)
        self._waiters.notify(("interaction", st.id))
        if request.query.get("wait") in ("1", "true", "True"):
            return _json(record.data)
        return web.Response(status=204)

    async def _webhook_message(self, request: web.Request) -> web.StreamResponse:
        st = self._interaction(request)
        mid = request.match_info["message_id"]
        if mid == "@original":
            record = st.original
        else:
            record = self._messages.get(int(mid)) if mid.isdigit() else None
            if record is not None and not any(f is record.data for f in st.followups):
                record = None
        if record is None or record.deleted is not None:
            raise ApiError(404, 10008, "Unknown Message")
        if request.method == "GET":
            return _json(record.data)
        if request.method == "DELETE":
            self._delete(record)
            return web.Response(status=204)
        self._check_limits(limits.message_errors(request[BODY]))
        if st.loading and record is st.original:
            self._fill_deferred(st, request[BODY] or {}, request[FILES])
        else:
            self._edit(record, request[BODY] or {}, request[FILES])
        self._waiters.notify(("interaction", st.id))
        return _json(record.data)

    def _delete(self, record: MessageRecord) -> None:
        record.deleted = time.monotonic()
        self._channel_messages.get(record.channel_id, {}).pop(int(record.data["id"]), None)
        self._waiters.notify(("channel", record.channel_id))

    # ------------------------------------------------------------------ REST: channels and messages

    async def _get_channel(self, request: web.Request) -> web.Response:
        return _json(self._channel(request).payload())

    def _check_can_send(self, channel: Channel) -> None:
        if channel.guild is None:
            assert channel.recipient is not None
            if channel.recipient.id in self._blocked_dms:
                raise ApiError(403, 50007, "Cannot send messages to this user")
            return
        perms = self.permissions(channel.guild.members[self.bot_user.id], channel)
        if not perms & VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if not perms & SEND_MESSAGES:
            raise ApiError(403, 50013, "Missing Permissions")

    async def _send_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        body = request[BODY] or {}
        self._check_limits(limits.message_errors(body))
        self._check_can_send(channel)
        record = self._new_message(
            channel, body, request[FILES], flags=(body.get("flags") or 0) & ~EPHEMERAL
        )
        return _json(record.data)

    async def _channel_message(self, request: web.Request) -> web.StreamResponse:
        channel = self._channel(request)
        mid = self._param(request, "message_id", 10008, "Message")
        record = self._channel_messages.get(channel.id, {}).get(mid)
        if record is None:
            raise ApiError(404, 10008, "Unknown Message")
        if request.method == "GET":
            return _json(record.data)
        if request.method == "DELETE":
            self._delete(record)
            return web.Response(status=204)
        self._check_limits(limits.message_errors(request[BODY]))
        self._edit(record, request[BODY] or {}, request[FILES])
        return _json(record.data)

    async def _history(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        limit = int(request.query.get("limit", 50))
        before = int(request.query.get("before", 1 << 63))
        after = int(request.query.get("after", 0))
        ids = [m for m in self._channel_messages.get(channel.id, {}) if after < m < before]
        ids = ids[:limit] if "after" in request.query else ids[-limit:]
        return _json([self._messages[m].data for m in reversed(ids)])

    async def _download(self, request: web.Request) -> web.Response:
        try:
            _, blob, content_type = self._files[int(request.match_info["attachment_id"])]
        except (KeyError, ValueError):
            raise web.HTTPNotFound() from None
        return web.Response(body=blob, content_type=content_type)

    # ------------------------------------------------------------------ REST: guilds

    async def _get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        data = self._guild_payload(guild, full=False)
        if request.query.get("with_counts") in ("1", "true", "True"):
            data.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
        return _json(data)

    async def _get_guild_channels(self, request: web.Request) -> web.Response:
        return _json([c.payload() for c in self._guild(request).channels.values()])

    async def _get_roles(self, request: web.Request) -> web.Response:
        return _json([r.payload() for r in self._guild(request).roles.values()])

    async def _get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return _json(self._member(guild, request).payload())

    async def _member_role(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        member = self._member(guild, request)
        role = guild.roles.get(self._param(request, "role_id", 10011, "Role"))
        if role is None or role.id == guild.id:
            raise ApiError(404, 10011, "Unknown Role")
        if request.method == "PUT" and role not in member.roles:
            member.roles.append(role)
        elif request.method == "DELETE" and role in member.roles:
            member.roles.remove(role)
        self._dispatch_if(
            INTENT_GUILD_MEMBERS,
            guild,
            "GUILD_MEMBER_UPDATE",
            {**member.payload(), "guild_id": str(guild.id)},
        )
        return web.Response(status=204)

    # ------------------------------------------------------------------ REST: scheduled events

    _EVENT_FIELDS = (
        "channel_id",
        "entity_metadata",
        "name",
        "privacy_level",
        "scheduled_start_time",
        "scheduled_end_time",
        "description",
        "entity_type",
        "status",
        "image",
    )

    async def _list_events(self, request: web.Request) -> web.Response:
        return _json(list(self._guild(request).scheduled_events.values()))

    async def _create_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        body = request[BODY] or {}
        self._check_limits(limits.event_errors(body))
        eid = self._snowflake()
        event = {
            "id": str(eid),
            "guild_id": str(guild.id),
            "channel_id": None,
            "creator_id": str(self.bot_user.id),
            "creator": self.bot_user.payload(),
            "description": None,
            "scheduled_end_time": None,
            "entity_id": None,
            "entity_metadata": None,
            "image": None,
            "user_count": 0,
            "recurrence_rule": None,
            **{k: body[k] for k in self._EVENT_FIELDS if k in body},
            "status": 1,
        }
        guild.scheduled_events[eid] = event
        self._dispatch_if(
            INTENT_GUILD_SCHEDULED_EVENTS, guild, "GUILD_SCHEDULED_EVENT_CREATE", event
        )
        return _json(event)

    async def _event(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild(request)
        eid = self._param(request, "event_id", 10070, "Guild Scheduled Event")
        event = guild.scheduled_events.get(eid)
        if event is None:
            raise ApiError(404, 10070, "Unknown Guild Scheduled Event")
        if request.method == "DELETE":
            del guild.scheduled_events[eid]
            self._dispatch_if(
                INTENT_GUILD_SCHEDULED_EVENTS, guild, "GUILD_SCHEDULED_EVENT_DELETE", event
            )
            return web.Response(status=204)
        if request.method == "PATCH":
            body = request[BODY] or {}
            self._check_limits(limits.event_errors(body, event))
            event.update({k: body[k] for k in self._EVENT_FIELDS if k in body})
            self._dispatch_if(
                INTENT_GUILD_SCHEDULED_EVENTS, guild, "GUILD_SCHEDULED_EVENT_UPDATE", event
            )
        return _json(event)
