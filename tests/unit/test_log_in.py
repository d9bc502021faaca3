"""`log_in`: what a failed login says, and when it blames DISCORD_API_BASE."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

try:
    import resource
except ImportError:
    resource = None  # type: ignore[assignment]

import discord
import pytest

from bot.app import log_in
from bot.config import load_settings


class SyncRefused:
    """A client whose login reaches Discord (its user is known) and whose setup_hook's
    command sync is then refused, as Discord answers a payload it will not take."""

    def __init__(self) -> None:
        self.user: object | None = None
        self.http = SimpleNamespace(connector=discord.utils.MISSING)

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


class LoggedIn:
    """A client whose login succeeds, noting how many connections to Discord its HTTP
    client may open at once."""

    def __init__(self) -> None:
        self.user: object | None = None
        self.http = SimpleNamespace(connector=discord.utils.MISSING)
        self.connections: int | None = None

    async def login(self, token: str) -> None:
        self.connections = self.http.connector.limit


@pytest.mark.parametrize("descriptors, shards", [(64, None), (256, None), (64, 16)])
async def test_connections_to_discord_leave_descriptors_for_the_rest(
        monkeypatch, descriptors, shards):
    """discord.py opened a connection per request in flight, however many: a burst of 300
    joins under `ulimit -n 256` left 60 members unanswered (EMFILE), with a traceback
    each in the log. Now they wait for one of fewer connections than the process may
    open descriptors, the shards' gateways among them."""
    monkeypatch.setattr("bot.app.soft_limit", lambda: descriptors)
    env = {"DISCORD_TOKEN": "fake-bot-token-1234"}
    if shards:
        env["SHARD_COUNT"] = str(shards)
    client = LoggedIn()
    await log_in(client, load_settings(env, env_file=None))  # type: ignore[arg-type]
    try:
        assert client.connections is not None
        assert (shards or 1) + 8 <= client.connections <= descriptors // 2
    finally:
        await client.http.connector.close()


@pytest.mark.skipif(resource is None, reason="no descriptor limit (Windows)")
def test_the_start_raises_the_soft_descriptor_limit_to_the_hard_one():
    """The soft limit is 1,024 where systemd or a shell sets it, the hard one far more:
    raised, as systemd advises a program that does not use select()."""
    hard = min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 4096)
    script = ("import resource; from bot.descriptors import raise_soft_limit; "
              "print(raise_soft_limit(), resource.getrlimit(resource.RLIMIT_NOFILE)[0])")
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard)))
    assert ran.stdout.split() == [str(hard), str(hard)]
