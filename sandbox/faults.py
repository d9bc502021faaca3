"""Fault injection: answer chosen REST calls with an error or a 429."""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from sandbox.plumbing import _json, edge_ban


@dataclass(slots=True)
class _Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float | None
    code: int
    message: str | None
    carried_out: bool = False
    body: Mapping[str, Any] | None = None  # fields the call's JSON body must hold (`fail`)
    edge_ban: bool = False  # answered as Cloudflare's ban, before Discord (`fail`)
    disconnect: bool = False  # the connection closed instead of an answer (`fail`)


@dataclass(slots=True)
class _Hold:
    method: str
    pattern: re.Pattern[str]
    seconds: float
    remaining: int


@dataclass(slots=True)
class Latency:
    """How far away Discord is: each REST call's round trip, each gateway event's way to the
    bot, and a share of calls answered seconds late (see `Faults.set_latency`)."""

    http: tuple[float, float] = (0.0, 0.0)  # round trip, seconds: half each way
    gateway: tuple[float, float] = (0.0, 0.0)  # an event's way to the bot, seconds
    slow_share: float = 0.0  # of the calls, those answered `slow` seconds late
    slow: tuple[float, float] = (2.0, 5.0)
    rng: random.Random = field(default_factory=random.Random)

    def way(self) -> float:
        """One way of a call's round trip."""
        return self.rng.uniform(*self.http) / 2

    def answer_way(self) -> float:
        """The way back of a call's answer: now and then seconds (Discord slow to answer)."""
        if self.slow_share and self.rng.random() < self.slow_share:
            return self.rng.uniform(*self.slow)
        return self.way()

    def event_way(self) -> float:
        return self.rng.uniform(*self.gateway)


# The status a call answered by closing its connection is recorded with (`fail`'s
# ``disconnect``): nginx's "closed without a response"; nothing reaches the caller.
DISCONNECTED = 444

_Rule = TypeVar("_Rule", _Fault, _Hold)


def _holds_fields(body: Any, fields: Mapping[str, Any] | None) -> bool:
    """Whether a call's JSON `body` holds each of `fields` (None: any body does), compared
    as text: Discord takes a snowflake as a number or a string, and discord.py sends some as
    one, some as the other."""
    return fields is None or (isinstance(body, dict) and all(
        name in body and str(body[name]) == str(value) for name, value in fields.items()))


def _take(rules: list[_Rule], method: str, path: str, body: Any = None) -> _Rule | None:
    """The first of `rules` the call matches, counted down (and gone after its last)."""
    for rule in rules:
        if (rule.method in ("*", method) and rule.pattern.search(path)
                and _holds_fields(body, getattr(rule, "body", None))):
            rule.remaining -= 1
            if rule.remaining <= 0:
                rules.remove(rule)
            return rule
    return None


class Faults:
    """FakeDiscord.fail and .hold, and the middleware's checks for them."""

    latency: Latency | None = None

    def set_latency(
        self,
        http: tuple[float, float] = (0.0, 0.0),
        gateway: tuple[float, float] = (0.0, 0.0),
        *,
        slow_share: float = 0.0,
        slow: tuple[float, float] = (2.0, 5.0),
        seed: int | None = None,
    ) -> None:
        """Put Discord at a distance, as it is (tens to hundreds of milliseconds away, with
        jitter): each REST call's round trip takes a time drawn from ``http`` (seconds, low
        and high), half on its way here, before Discord checks or acts on it (its rate
        limits, an interaction's 3 s), and half on the answer's way back; each gateway event
        reaches the bot a time drawn from ``gateway`` after Discord made it, in order. So an
        event a call causes (GUILD_SCHEDULED_EVENT_CREATE, GUILD_MEMBER_UPDATE, ...) may reach
        the bot before or after the call's answer. ``slow_share`` of the calls (e.g. 0.1)
        are answered a time drawn from ``slow`` late instead, after Discord acted on them.
        ``seed`` makes the draws repeatable. No arguments: no distance again."""
        far = any(http) or any(gateway) or slow_share
        self.latency = (
            Latency(http, gateway, slow_share, slow, random.Random(seed)) if far else None
        )

    def hold(self, method: str, path_regex: str, seconds: float, *, count: int = 1) -> None:
        """Carry out the next ``count`` calls matching ``method`` and ``path_regex`` (as in
        `fail`), then keep each answer back ``seconds``: Discord has acted, the network is
        slow. A bot stopped meanwhile never hears that its message was posted."""
        self._holds.append(_Hold(method.upper(), re.compile(path_regex), seconds, count))

    def _held_for(self, method: str, path: str) -> float:
        hold = _take(self._holds, method, path)
        return 0.0 if hold is None else hold.seconds

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
        carried_out: bool = False,
        body: Mapping[str, Any] | None = None,
        edge_ban: bool = False,
        disconnect: bool = False,
    ) -> None:
        """Answer the next ``count`` calls matching ``method`` ("*" for any) and
        ``path_regex`` (``re.search`` on the path after /api/v10, e.g.
        ``r"^/channels/\\d+/messages$"``) with ``status``.

        ``body``: only calls whose JSON body (a multipart call's ``payload_json``) holds
        each of these fields with its value, compared as text (a snowflake as a number or a
        string alike), e.g. ``body={"recipient_id": member.id}`` on
        ``r"^/users/@me/channels$"``: opening that one member's DM channel, where the bot
        may be opening others' (reminders, other notices) meanwhile. The others pass.

        A 429 carries the ``Via`` header and ``{"message", "retry_after", "global": false}``
        (``retry_after`` defaults to 0.05 s), which discord.py sleeps through and retries.
        Note that discord.py also retries 500/502/504 itself, after 1 s, 3 s, ...

        ``carried_out``: the call is carried out first, then answered with ``status``, as
        Discord's 500 (failed while handling it) and 504 (did not answer in time) may be:
        a client that sends it again has it done twice, unless it made it idempotent.

        ``edge_ban``: a 429 as Discord's edge (Cloudflare) answers an address it banned for
        too many invalid requests: an HTML page, without Discord's ``Via`` header or JSON
        body, and ``Retry-After`` ``retry_after`` (default 3600) seconds. discord.py raises
        it at once (``HTTPException``); each call made into a ban lengthens it.

        ``disconnect``: no answer at all, the connection closed instead (a reset, a proxy or
        load balancer dropping it), before the call is carried out or, with
        ``carried_out``, after; ``status`` is then not used. discord.py retries only
        resets reported with Windows' and BSD's errno, so the caller meets aiohttp's error.
        """
        if edge_ban and status != 429:
            raise ValueError("an edge ban is a 429")
        if edge_ban and disconnect:
            raise ValueError("an edge ban is an answer")
        self._faults.append(
            _Fault(
                method.upper(), re.compile(path_regex), status, count, retry_after, code, message,
                carried_out, body, edge_ban, disconnect,
            )
        )

    def lack(self, method: str, path_regex: str) -> None:
        """From now on, answer every call matching ``method`` and ``path_regex`` (as in
        `fail`) as a server that does not implement the route: 404 ``{"message": "404: Not
        Found", "code": 0}``, nothing done. Discord's own answer to an unknown route; a
        less complete stand-in of Discord may answer a documented one so."""
        self.fail(method, path_regex, status=404, count=sys.maxsize, message="404: Not Found")

    def clear_faults(self) -> None:
        """Answer every route again as Discord does: drop the faults, lacks and holds still
        waiting."""
        self._faults.clear()
        self._holds.clear()

    def _injected_fault(self, method: str, path: str, body: Any = None) -> _Fault | None:
        """The fault this call meets, if any (counted down); `body` is its JSON body."""
        return _take(self._faults, method, path, body)

    @staticmethod
    def _fault_response(fault: _Fault, request: web.Request) -> web.Response:
        if fault.disconnect:
            if request.transport is not None:
                request.transport.abort()
            # never sent: recorded as nginx's 444, "closed without a response"
            return web.Response(status=DISCONNECTED)
        if fault.edge_ban:
            return edge_ban(3600 if fault.retry_after is None else fault.retry_after)
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
