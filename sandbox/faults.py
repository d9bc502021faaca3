"""Fault injection: answer chosen REST calls with an error or a 429."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web

from sandbox.plumbing import _json


@dataclass(slots=True)
class _Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float | None
    code: int
    message: str | None



@dataclass(slots=True)
class _Hold:
    method: str
    pattern: re.Pattern[str]
    seconds: float
    remaining: int


class Faults:
    """FakeDiscord.fail and .hold, and the middleware's checks for them."""

    def hold(self, method: str, path_regex: str, seconds: float, *, count: int = 1) -> None:
        """Carry out the next ``count`` calls matching ``method`` and ``path_regex`` (as in
        `fail`), then keep each answer back ``seconds``: Discord has acted, the network is
        slow. A bot stopped meanwhile never hears that its message was posted."""
        self._holds.append(_Hold(method.upper(), re.compile(path_regex), seconds, count))

    def _held_for(self, method: str, path: str) -> float:
        for hold in self._holds:
            if hold.method in ("*", method) and hold.pattern.search(path):
                hold.remaining -= 1
                if hold.remaining <= 0:
                    self._holds.remove(hold)
                return hold.seconds
        return 0.0

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
