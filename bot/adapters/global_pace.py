"""The bot's own pace under Discord's global rate limit.

Discord lets a bot make 50 requests a second in all (its global limit; interaction
callbacks and interaction follow-ups, on the interaction's token, do not count). discord.py
keeps each route's bucket, but of the global limit it only waits out a 429 once Discord
has answered one; a burst of notices (the DM lane delivers 25 members' DMs side by side,
each a member lookup, a DM channel opened, a message sent) ran the bot flat against the
limit, with a global 429 every second. Each 429 counts toward Discord's limit of invalid
requests (10,000 in 10 minutes bans the bot's address for an hour), so the bot keeps under
the global limit itself: no more than `PACE` requests go out in any rolling window in
which Discord allows 50, the rest wait their turn, first come first served.

The pace is taken as each request leaves (`PacedSession`, in place of discord.py's
session): after discord.py's own wait for the route's bucket, so a request held there
does not spend its place early, and for each of discord.py's retries too. Interaction
routes pass without waiting: a member's reply never waits for notices, and pays a
microsecond for the check (aiohttp's request trace, which would do the same, cost every
request 16 µs, interactions' answers included).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import aiohttp
import discord
import yarl

from bot.config import Settings

DISCORD_GLOBAL_LIMIT = 50  # requests a second Discord lets a bot make (its global limit)
# Requests sent at most in any rolling window in which Discord allows DISCORD_GLOBAL_LIMIT:
# a tenth under it, since Discord counts requests as they reach it, not as they leave here
# (a connection that holds some up and lets them through together bunches them), and the
# 429 of a request over it counts toward Discord's limit of invalid requests.
PACE = 45


def counts_globally(api_path: str) -> bool:
    """Whether a request to `api_path` (after the API's base, e.g. "/users/@me/channels")
    counts toward the global limit: all but an interaction's callback and the webhook
    routes on an interaction's (or a webhook's own) token, which Discord does not count."""
    parts = api_path.split("/")
    if len(parts) > 1 and parts[1] == "interactions":
        return False
    return not (len(parts) > 3 and parts[1] == "webhooks" and parts[3])


class GlobalPace:
    """At most `PACE` requests in any rolling `window` seconds; the rest wait in turn."""

    def __init__(self, per_second: float) -> None:
        # Discord's 50 a second, or the limit it granted this bot: the window in which it
        # allows 50 (for the stand-in of Discord with shortened windows, as short as its)
        self.window = DISCORD_GLOBAL_LIMIT / per_second
        self._sent: deque[float] = deque(maxlen=PACE)  # when the last PACE requests left
        self._turn = asyncio.Lock()  # FIFO: each waiter in turn, none overtaking

    async def wait(self) -> None:
        """Wait until one more request keeps within the pace, and count it as sent."""
        async with self._turn:
            now = time.monotonic()
            # the window's first request out of it: when the window holds PACE, then
            free_at = self._sent[0] + self.window if len(self._sent) == PACE else now
            if free_at > now:
                await asyncio.sleep(free_at - now)
            # (counted from then at the earliest, should the loop's timer wake it a hair early)
            self._sent.append(max(time.monotonic(), free_at))

    @staticmethod
    def counts(url: str | yarl.URL) -> bool:
        """Whether a request to `url` counts toward the global limit: one to Discord's API
        (discord.py's `Route.BASE`), but for the interaction routes."""
        text = str(url)
        base = discord.http.Route.BASE
        return (text.startswith(base) and text[len(base):len(base) + 1] == "/"
                and counts_globally(text[len(base):].partition("?")[0]))


class PacedSession:
    """The bot's aiohttp session (discord.py's, which its interactions use too), each
    request to Discord's API taken at the pace (`GlobalPace.before`) as it leaves: inside
    discord.py's wait for the route's bucket, so a request held there does not spend its
    place early, and for each of its retries too. The rest is the session's own."""

    def __init__(self, session: aiohttp.ClientSession, pace: GlobalPace) -> None:
        self._session = session
        self._pace = pace

    def request(self, method: str, url: str | yarl.URL, **options: Any
                ) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        """The session's own request, but for one that counts toward the global limit
        (`GlobalPace.counts`), whose turn is waited for first: a member's answer goes
        out as the session sends it, without a wrapper around each of its steps."""
        if not self._pace.counts(url):
            return self._session.request(method, url, **options)
        return _PacedRequest(self._pace, lambda: self._session.request(method, url,
                                                                        **options))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class _PacedRequest:
    """`async with session.request(...)`, its turn waited for first."""

    def __init__(self, pace: GlobalPace,
                 start: Callable[[], AbstractAsyncContextManager[aiohttp.ClientResponse]]
                 ) -> None:
        self._pace = pace
        self._start = start
        self._request: AbstractAsyncContextManager[aiohttp.ClientResponse] | None = None

    async def __aenter__(self) -> aiohttp.ClientResponse:
        await self._pace.wait()
        self._request = self._start()
        return await self._request.__aenter__()

    async def __aexit__(self, *exc: Any) -> bool | None:
        assert self._request is not None
        return await self._request.__aexit__(*exc)


def pace_session(http: discord.http.HTTPClient, pace: GlobalPace) -> None:
    """Take `http`'s requests at `pace` from now on (its session is made at login)."""
    session = http._HTTPClient__session  # type: ignore[attr-defined]  # discord.py's own
    if not isinstance(session, PacedSession):
        http._HTTPClient__session = PacedSession(session, pace)  # type: ignore[attr-defined]


def pace_for(settings: Settings) -> GlobalPace:
    """The pace of this process: the bot's global limit (GLOBAL_RATE_LIMIT), or its share
    of it when the process runs only some of the shards (SHARD_IDS), the others running
    in other processes that make requests under the same limit."""
    share = 1.0
    if settings.shard_count is not None and settings.shard_ids is not None:
        share = len(settings.shard_ids) / settings.shard_count
    return GlobalPace(settings.global_rate_limit * share)
