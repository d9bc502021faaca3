"""`log_in`: what a failed login says, and when it blames DISCORD_API_BASE."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest

from bot.app import log_in
from bot.config import load_settings


class SyncRefused:
    """A client whose login reaches Discord (its user is known) and whose setup_hook's
    command sync is then refused, as Discord answers a payload it will not take."""

    def __init__(self) -> None:
        self.user: object | None = None

    async def login(self, token: str) -> None:
        self.user = object()  # static_login answered: this is Discord's API
        response = SimpleNamespace(status=400, reason="Bad Request")
        raise discord.HTTPException(response, {"code": 50035, "message": "Invalid Form Body"})


async def test_an_http_error_after_the_login_answered_is_not_blamed_on_the_api_base():
    """Syncing the commands (setup_hook, inside `login`) refused with a 400 was reported
    as DISCORD_API_BASE not being Discord's API, Discord's reason dropped."""
    settings = load_settings({"DISCORD_TOKEN": "fake-bot-token-1234"}, env_file=None)
    with pytest.raises(discord.HTTPException, match="Invalid Form Body"):
        await log_in(SyncRefused(), settings)  # type: ignore[arg-type]
