"""Discord's rate limits, as the local server (sandbox/) applies them.

Fixed windows per bucket and major parameter (channel, guild), reported the way Discord
reports them, so discord.py's own rate limiter (discord/http.py) reads them and waits:
``X-RateLimit-Limit``, ``-Remaining``, ``-Reset`` (epoch seconds), ``-Reset-After``
(seconds) and ``-Bucket`` on every response of a limited route; over a limit, 429 with
``{"message": "You are being rate limited.", "retry_after": s, "global": bool}``, a
``Retry-After`` header, ``X-RateLimit-Scope`` and the ``Via`` header without which
discord.py takes a 429 for a Cloudflare ban and gives up.

Sizes: Discord documents the global limit (50 requests per second per bot; interaction
callbacks and interaction-token webhooks are exempt) and about 5 message sends per 5 s
per channel; its staff have said the message limit holds for edits as well (edits of a
channel's messages here have a bucket of their own, of the same size). It does not
publish the sizes of the role-grant, DM-open and scheduled-event buckets; the defaults
here are conservative guesses. Every size and window is a field of :class:`RateLimits`,
so tests can shorten the windows.

Invalid requests (:class:`InvalidRequests`): an address whose requests were answered 401,
403 or 429 10,000 times in 10 minutes is shut out for a while, as Discord's edge does.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import deque
from dataclasses import dataclass, field, fields, replace


@dataclass(frozen=True, slots=True)
class Bucket:
    limit: int  # requests per window
    per: float  # window, seconds


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Bucket sizes; the defaults are Discord's (or conservative where it publishes none)."""

    global_: Bucket = Bucket(50, 1.0)  # per bot, all routes but interaction ones
    messages: Bucket = Bucket(5, 5.0)  # POST /channels/{id}/messages, per channel (DMs too)
    message_edits: Bucket = Bucket(5, 5.0)  # PATCH /channels/{id}/messages/{id}, per channel
    roles: Bucket = Bucket(10, 10.0)  # PUT/DELETE member roles, per guild
    dm_open: Bucket = Bucket(5, 5.0)  # POST /users/@me/channels
    event_creates: Bucket = Bucket(10, 10.0)  # POST scheduled events, per guild
    event_edits: Bucket = Bucket(10, 10.0)  # PATCH scheduled events, per guild

    def scaled(self, factor: float) -> RateLimits:
        """The same sizes with every window multiplied by ``factor`` (e.g. 0.1 for tests)."""
        return replace(self, **{
            f.name: Bucket(getattr(self, f.name).limit, getattr(self, f.name).per * factor)
            for f in fields(self)
        })


DISCORD_RATE_LIMITS = RateLimits()

# (method, route) -> (bucket name in RateLimits, match_info key of the major parameter)
ROUTE_BUCKETS: dict[tuple[str, str], tuple[str, str | None]] = {
    ("POST", "/channels/{channel_id}/messages"): ("messages", "channel_id"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): ("message_edits", "channel_id"),
    ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"): ("roles", "guild_id"),
    ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"): ("roles", "guild_id"),
    ("POST", "/users/@me/channels"): ("dm_open", None),
    ("POST", "/guilds/{guild_id}/scheduled-events"): ("event_creates", "guild_id"),
    ("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}"): ("event_edits", "guild_id"),
}

EXEMPT_FROM_GLOBAL = ("/interactions/", "/webhooks/")


@dataclass(slots=True)
class _Window:
    started: float
    used: int = 0


@dataclass(slots=True)
class Verdict:
    """What the limiter decided about one request."""

    headers: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None  # set when refused
    is_global: bool = False

    def body(self) -> dict[str, object]:
        retry_after = math.ceil((self.retry_after or 0.0) * 1000) / 1000
        return {"message": "You are being rate limited.", "retry_after": retry_after,
                "global": self.is_global}


class RateLimiter:
    """Counts requests in fixed windows; refused requests do not use up the window."""

    def __init__(self, limits: RateLimits, clock=time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._windows: dict[tuple[str, str], _Window] = {}
        self.refused = 0  # 429s served
        # of them, those of the global limit: a bot that paces itself under it gets none
        self.refused_global = 0

    def check(self, method: str, route: str, major: dict[str, str]) -> Verdict:
        """Count the request, or refuse it (``Verdict.retry_after`` set) if a bucket is full."""
        named = ROUTE_BUCKETS.get((method, route))
        bucket, key = None, ""
        if named is not None:
            name, param = named
            bucket = getattr(self.limits, name)
            key = f"{name}:{major.get(param, '') if param else ''}"
        counts_globally = not route.startswith(EXEMPT_FROM_GLOBAL)
        verdict = Verdict()
        if bucket is not None and (wait := self._wait(key, bucket)) is not None:
            verdict.retry_after = wait
            verdict.headers["X-RateLimit-Scope"] = "user"
        elif counts_globally and (wait := self._wait("global", self.limits.global_)) is not None:
            verdict.retry_after, verdict.is_global = wait, True
            verdict.headers.update({"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"})
        else:
            if counts_globally:
                self._use("global", self.limits.global_)
            if bucket is not None:
                self._use(key, bucket)
        if bucket is not None and not verdict.is_global:
            verdict.headers.update(self._headers(named[0], key, bucket))  # type: ignore[index]
        if verdict.retry_after is not None:
            self.refused += 1
            self.refused_global += verdict.is_global
            verdict.headers["Retry-After"] = str(math.ceil(verdict.retry_after))
            verdict.headers["Via"] = "1.1 google"
        return verdict

    def _window(self, key: str, bucket: Bucket) -> _Window:
        now = self._clock()
        window = self._windows.get(key)
        if window is None or now - window.started >= bucket.per:
            window = self._windows[key] = _Window(now)
        return window

    def _wait(self, key: str, bucket: Bucket) -> float | None:
        """Seconds until the window resets if it is full, else None."""
        window = self._window(key, bucket)
        if window.used < bucket.limit:
            return None
        return max(0.0, window.started + bucket.per - self._clock())

    def _use(self, key: str, bucket: Bucket) -> None:
        self._window(key, bucket).used += 1

    def _headers(self, name: str, key: str, bucket: Bucket) -> dict[str, str]:
        window = self._window(key, bucket)
        # rounded up: a client that waits exactly this long must find the window reset
        reset_after = math.ceil(max(0.0, window.started + bucket.per - self._clock()) * 1000) / 1000
        return {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(max(0, bucket.limit - window.used)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(name.encode()).hexdigest()[:16],
        }


# rate-limits.mdx, Invalid Request Limit: "IP addresses that make too many invalid HTTP
# requests are automatically and temporarily restricted from accessing the Discord API.
# Currently, this limit is 10,000 per 10 minutes. An invalid request is one that results
# in 401, 403, or 429 statuses"; "429 errors returned with X-RateLimit-Scope: shared are
# not counted". How long the restriction lasts Discord does not say: an hour here, what
# its edge's Retry-After has said.
INVALID_REQUESTS = 10_000
INVALID_WINDOW = 600.0
INVALID_STATUSES = frozenset((401, 403, 429))
INVALID_BAN = 3600.0


class InvalidRequests:
    """Counts each address's invalid requests over the last ``window`` seconds and, at
    ``limit``, restricts the address for ``ban`` seconds (every request then answered as
    Discord's edge answers it, see `plumbing.edge_ban`)."""

    def __init__(self, limit: int = INVALID_REQUESTS, window: float = INVALID_WINDOW,
                 ban: float = INVALID_BAN, clock=time.monotonic) -> None:
        self.limit, self.window, self.ban = limit, window, ban
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._until: dict[str, float] = {}  # address -> end of its restriction

    def restricted(self, address: str) -> float | None:
        """Seconds left of the address's restriction, or None when it has none."""
        until = self._until.get(address)
        if until is None:
            return None
        left = until - self._clock()
        if left > 0:
            return left
        del self._until[address]
        return None

    def answered(self, address: str, status: int, scope: str | None = None) -> None:
        """Count one answer to the address (only 401, 403 and 429 not of a shared bucket)."""
        if status not in INVALID_STATUSES or (status == 429 and scope == "shared"):
            return
        now = self._clock()
        seen = self._seen.setdefault(address, deque())
        seen.append(now)
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            seen.clear()
            self._until[address] = now + self.ban
