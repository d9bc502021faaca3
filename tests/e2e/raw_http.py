"""Raw HTTP to the local server, for tests of what it answers (the `http` fixture of
conftest.py is a session with the bot's token)."""

from __future__ import annotations

from typing import Any

import aiohttp


async def call(http: aiohttp.ClientSession, method: str, path: str,
               body: Any = None) -> tuple[int, Any]:
    """The status and the JSON body (None when empty) of one request."""
    async with http.request(method, path.lstrip("/"), json=body) as resp:
        empty = resp.status == 204 or resp.content_length == 0
        return resp.status, (None if empty else await resp.json())
