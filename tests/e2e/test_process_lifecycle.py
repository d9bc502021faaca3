"""Starting and stopping the real bot process: no network at start, a refused token.

Each test prints one `figures:` line (run with `-s` to see them).
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time

import pytest

from bot.localdiscord import BotProcess, FakeDiscord
from tests.conftest import ROOT

pytestmark = pytest.mark.asyncio(loop_scope="module")


def closed_port() -> int:
    """A local port where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def until(condition, timeout: float, what: str, bot: BotProcess) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert bot.running, f"the bot exited while waiting for {what}:\n{bot.output()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{bot.output()}"
        await asyncio.sleep(0.05)


async def test_no_network_at_start_says_so_in_one_line_and_connects_once_discord_is_back(
        tmp_path):
    port = closed_port()
    address = f"http://127.0.0.1:{port}/api/v10"
    env = {"DISCORD_TOKEN": "fake-bot-token", "DISCORD_API_BASE": address,
           "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/", "RECONNECT_MAX_DELAY": "0.4",
           "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
           "EVENTS_DIR": str(ROOT / "data/events"), "LOG_LEVEL": "INFO",
           "PYTHONPATH": str(ROOT)}
    bot = BotProcess([sys.executable, "-m", "bot", "run"], env, cwd=str(tmp_path)).start()
    try:
        unreachable = f"Discord could not be reached at {address} ("

        def attempts() -> list[str]:
            return [line for line in bot.output().splitlines() if unreachable in line]

        await until(lambda: len(attempts()) >= 4, 30, "four attempts to reach Discord", bot)
        output = bot.output()
        assert "Traceback" not in output and "ClientConnector" not in output, output
        assert all("trying again in" in line for line in attempts())
        # Discord comes back on that address: the bot logs in, connects and answers.
        async with FakeDiscord(port=port) as fake:
            guild = fake.add_guild("Back Online")
            member = fake.add_member(guild, "member")
            started = time.monotonic()
            await fake.wait_ready(process=bot)
            connected_after = time.monotonic() - started
            reply = await fake.slash(guild, member, "event list")
            assert "Missile Defense" in (reply.content or "") + str(reply.embeds), reply
            tried = len(attempts())
            await bot.stop()
        assert "Traceback" not in bot.output(), bot.output()
        print(f"figures: {tried} attempts while unreachable, connected "
              f"{connected_after:.2f} s after Discord came back")
    finally:
        bot.kill()


async def test_a_refused_token_is_still_one_line_and_exit_2_not_retried(tmp_path):
    async with FakeDiscord() as fake:
        env = {**fake.bot_env(), "DISCORD_TOKEN": "not-the-bot-token",
               "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
               "EVENTS_DIR": str(ROOT / "data/events"), "PYTHONPATH": str(ROOT)}
        bot = BotProcess([sys.executable, "-m", "bot", "run"], env, cwd=str(tmp_path)).start()
        try:
            deadline = time.monotonic() + 30
            while bot.running and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert bot.returncode == 2, bot.output()
            assert bot.output().splitlines()[-1] == (
                "eventbot: Discord refused DISCORD_TOKEN; copy the token again from the Bot "
                "page of your application")
            assert "Traceback" not in bot.output()
        finally:
            bot.kill()
