"""Starting and stopping the real bot process: no network at start, SIGTERM and SIGINT.

Each test prints one `figures:` line (run with `-s` to see them).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
import time

import pytest

from sandbox import BotProcess, FakeDiscord
from tests.conftest import ROOT
from tests.e2e.conftest import ended_in_one_line
from tests.e2e.test_reliability import (
    announce,
    check_counters,
    db_rsvps,
    integrity,
    join_id,
    outcome,
)

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
            assert await bot.stop(signum=signal.SIGTERM) == 0, bot.output()
        assert "Traceback" not in bot.output(), bot.output()
        print(f"figures: {tried} attempts while unreachable, connected "
              f"{connected_after:.2f} s after Discord came back")
    finally:
        bot.kill()


async def start_refused(fake: FakeDiscord, tmp_path, **settings: str) -> str:
    """`python -m bot run` with these settings, which Discord refuses at start: it exits 2
    within 30 s, without a traceback; the line it ended with."""
    env = {**fake.bot_env(), **settings, "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
           "EVENTS_DIR": str(ROOT / "data/events"), "PYTHONPATH": str(ROOT)}
    bot = BotProcess([sys.executable, "-m", "bot", "run"], env, cwd=str(tmp_path)).start()
    try:
        return await ended_in_one_line(bot)
    finally:
        bot.kill()


async def test_a_refused_token_is_still_one_line_and_exit_2_not_retried(tmp_path):
    async with FakeDiscord() as fake:
        assert await start_refused(fake, tmp_path, DISCORD_TOKEN="not-the-bot-token") == (
            "eventbot: Discord refused DISCORD_TOKEN; copy the token again from the Bot "
            "page of your application")


def not_the_api(fake: FakeDiscord) -> str:
    """DISCORD_API_BASE as an operator may mistype it: the right host without the API's
    path (/api/v10), where every request answers 404."""
    return fake.bot_env()["DISCORD_API_BASE"].removesuffix("/api/v10")


def not_the_api_line(base: str) -> str:
    return (f"eventbot: DISCORD_API_BASE={base!r} did not answer as Discord's API does (HTTP "
            "404 Not Found to the bot's login): check it; Discord's own is "
            "https://discord.com/api/v10")


async def test_an_api_base_that_is_not_discord_s_api_is_one_line_and_exit_2(tmp_path):
    """It was a traceback of discord.NotFound, with the page the server sent, exit 1."""
    async with FakeDiscord() as fake:
        base = not_the_api(fake)
        assert await start_refused(fake, tmp_path, DISCORD_API_BASE=base) == (
            not_the_api_line(base))
        status, out, err = await sync({**fake.bot_env(), "DISCORD_API_BASE": base}, tmp_path)
        assert (status, out, err) == (2, "", not_the_api_line(base))


async def test_an_api_base_answering_a_web_page_is_one_line_and_exit_2(tmp_path):
    """A web server that answers every path with its page (a web app, a captive portal):
    discord.py took the page for the bot's user and failed on it, a TypeError traceback."""
    from aiohttp import web

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html><body>Welcome</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    port = closed_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        base = f"http://127.0.0.1:{port}/api/v10"
        status, out, err = await sync({"DISCORD_TOKEN": "fake-bot-token",
                                       "DISCORD_API_BASE": base}, tmp_path)
        assert (status, out) == (2, ""), err
        assert err == (f"eventbot: DISCORD_API_BASE={base!r} did not answer as Discord's API "
                       "does (no bot user in its answer to the bot's login): check it; "
                       "Discord's own is https://discord.com/api/v10")
    finally:
        await runner.cleanup()


async def test_a_start_syncing_to_a_server_the_bot_is_not_in_is_one_line_and_exit_2(tmp_path):
    # SYNC_GUILD_ID names a server the bot is not in (or one it was invited to without the
    # applications.commands scope): Discord answers 403 Missing Access. A setting to fix,
    # said as `python -m bot sync --guild` says it, not a traceback.
    async with FakeDiscord() as fake:
        fake.add_guild("Forum")
        assert await start_refused(fake, tmp_path, SYNC_GUILD_ID="1234567890") == (
            "eventbot: SYNC_GUILD_ID: Discord refused the commands for server 1234567890 "
            "(Missing Access): the bot is not in that server, or was invited without the "
            "applications.commands scope")
        assert fake.sync_count() == 0


async def sync(env: dict[str, str], tmp_path, *args: str) -> tuple[int, str, str]:
    """`python -m bot sync` as a user runs it, logging only warnings: its exit status,
    stdout and the line it printed on stderr to say what went wrong, if any."""
    env = {**env, "LOG_LEVEL": "WARNING", "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
           "EVENTS_DIR": str(ROOT / "data/events"), "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sync", *args, env=env, cwd=str(tmp_path),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None and "Traceback" not in err.decode(), err.decode()
    said = err.decode().splitlines()  # nothing above it: no warnings about voice either
    assert len(said) <= 1, said
    return proc.returncode, out.decode(), "".join(said)


async def test_sync_registers_the_commands_where_asked_and_nowhere_else(tmp_path):
    async with FakeDiscord() as fake:
        guild = fake.add_guild("Forum")
        status, out, err = await sync(fake.bot_env(), tmp_path, "--guild", str(guild.id))
        assert (status, err) == (0, ""), err
        count = len(fake.commands(guild))
        assert count > 0 and out == f"synced {count} commands to guild {guild.id}\n"
        assert (fake.sync_count(guild), fake.sync_count()) == (1, 0)
        status, out, err = await sync(fake.bot_env(), tmp_path)
        assert out == f"synced {count} commands to all servers (global)\n", err
        assert (fake.sync_count(guild), fake.sync_count()) == (1, 1)


async def test_sync_to_a_server_the_bot_is_not_in_is_one_line_and_exit_2(tmp_path):
    async with FakeDiscord() as fake:
        fake.add_guild("Forum")
        status, out, err = await sync(fake.bot_env(), tmp_path, "--guild", "1234567890")
        assert (status, out) == (2, ""), err
        assert err == ("eventbot: Discord refused the commands for server 1234567890 (Missing "
                       "Access): the bot is not in that server, or was invited without the "
                       "applications.commands scope")
        for given in ("0", "-5", str(2**64)):  # refused before Discord is asked
            status, out, err = await sync(fake.bot_env(), tmp_path, "--guild", given)
            assert (status, out) == (2, ""), err
            assert err == (f"eventbot: --guild {given} is not a server id (a positive whole "
                           "number; in Discord, right-click the server and Copy Server ID)")
        assert fake.sync_count() == 0


async def test_sync_against_a_server_without_its_routes_is_one_line_and_exit_2(tmp_path):
    """A server that does not offer the command sync, or the application's information
    (which names the application the commands go to): one line, nothing synced."""
    for lacked, said in ((("PUT", r"^/applications/\d+/commands$"),
                          "does not offer syncing slash commands (HTTP 404: 404: Not Found)"),
                         (("GET", r"^/oauth2/applications/@me$"),
                          "does not offer the application's information, which syncing the "
                          "commands needs (HTTP 404: 404: Not Found)")):
        async with FakeDiscord() as fake:
            fake.add_guild("Forum")
            fake.lack(*lacked)
            status, out, err = await sync(fake.bot_env(), tmp_path)
            assert (status, out) == (2, ""), err
            assert err == f"eventbot: {fake.api_base} {said}; nothing was synced", err
            assert fake.sync_count() == 0


async def test_sync_with_a_refused_token_is_one_line_and_exit_2(tmp_path):
    async with FakeDiscord() as fake:
        status, out, err = await sync({**fake.bot_env(), "DISCORD_TOKEN": "not-the-bot-token"},
                                      tmp_path)
        assert (status, out) == (2, ""), err
        assert err == ("eventbot: Discord refused DISCORD_TOKEN; copy the token again from "
                       "the Bot page of your application")


async def test_sync_while_discord_cannot_be_reached_is_one_line_and_exit_2(tmp_path):
    """`run` keeps trying (it is meant to stay up); `sync`, a one-shot command, says once
    what it could not reach, as it does for a database server that is down."""
    address = f"http://127.0.0.1:{closed_port()}/api/v10"
    status, out, err = await sync({"DISCORD_TOKEN": "fake-bot-token",
                                   "DISCORD_API_BASE": address}, tmp_path)
    assert (status, out) == (2, ""), err
    assert err.startswith(f"eventbot: Discord could not be reached at {address} (")


async def test_sync_when_discord_never_answers_is_one_line_after_sync_timeout(tmp_path):
    """An address that takes the request and never answers (a proxy stuck upstream): the
    command gives up after SYNC_TIMEOUT, where it waited aiohttp's five minutes in silence."""
    async with FakeDiscord() as fake:
        fake.add_guild("Forum")
        fake.hold("PUT", r"^/applications/\d+/commands$", 120)
        started = time.monotonic()
        status, out, err = await sync({**fake.bot_env(), "SYNC_TIMEOUT": "1.5"}, tmp_path)
        assert (status, out) == (2, ""), err
        assert err == (f"eventbot: Discord did not answer at {fake.api_base} within 1.5 s "
                       "(SYNC_TIMEOUT); the commands may not have been synced: try again")
        assert time.monotonic() - started < 60


async def test_sync_limited_for_longer_than_it_waits_is_one_line_with_the_wait(tmp_path):
    """Discord limits how often commands are registered (a 429 on the sync): a wait of
    minutes is said, with nothing synced, rather than slept through in silence."""
    async with FakeDiscord() as fake:
        fake.add_guild("Forum")
        fake.fail("PUT", r"^/applications/\d+/commands$", status=429, retry_after=5400)
        status, out, err = await sync(fake.bot_env(), tmp_path)
        assert (status, out) == (2, ""), err
        assert err == ("eventbot: Discord limits how often commands are synced: try again in "
                       "90 min; nothing was synced")
        assert fake.sync_count() == 0


async def test_sync_a_short_limit_is_waited_through(tmp_path):
    async with FakeDiscord() as fake:
        fake.add_guild("Forum")
        fake.fail("PUT", r"^/applications/\d+/commands$", status=429, retry_after=0.5)
        status, out, err = await sync(fake.bot_env(), tmp_path)
        assert status == 0, err  # discord.py's warning says it waits
        assert err.endswith(" responded with 429. Retrying in 0.50 seconds."), err
        assert out.startswith("synced ") and fake.sync_count() == 1


async def test_sync_that_discord_fails_is_one_line_and_exit_2(tmp_path):
    async with FakeDiscord() as fake:
        fake.add_guild("Forum")
        fake.fail("PUT", r"^/applications/\d+/commands$", status=503,
                  message="upstream connect error")
        status, out, err = await sync(fake.bot_env(), tmp_path)
        assert (status, out) == (2, ""), err
        assert err == (f"eventbot: Discord at {fake.api_base} failed the sync (HTTP 503: "
                       "upstream connect error); nothing was synced: try again later")
        assert fake.sync_count() == 0


async def test_the_bot_writes_its_ready_file_once_it_is_ready_not_when_it_connects(tmp_path):
    """READY_FILE is how a supervisor (the sandbox) learns that notices and DMs go out:
    discord.py is ready only a moment (2 s) after the last GUILD_CREATE."""
    ready = tmp_path / "ready"
    ready.write_text("12345\n")  # left by the last run, which stopped (or crashed)
    async with FakeDiscord() as fake:
        fake.add_guild()
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"], {
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "READY_FILE": str(ready),
            "EVENTS_DIR": str(ROOT / "data/events"), "PYTHONPATH": str(ROOT)},
            cwd=str(tmp_path))
        await fake.wait_ready(process=bot)
        # The last run's file is gone at the start: it said that process was ready, and a
        # supervisor waiting for the file took this one for ready before it connected.
        assert not ready.exists()
        await until(ready.exists, 15, "the ready file", bot)
        assert ready.read_text() == f"{bot.pid}\n"
        assert await bot.stop() == 0, bot.output()
        assert not ready.exists()  # stopped: no longer ready


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=["SIGTERM", "SIGINT", "SIGHUP"])
async def test_a_signal_mid_burst_stops_cleanly_losing_nothing_acknowledged(world, signum):
    """A burst of joins, with the capacity notice claimed but held up by a 429 from
    Discord; the signal arrives while joins are being committed and answered. The bot exits
    0 within 5 s; every member told "confirmed" or "waitlisted" is so in the database; the
    undelivered notice is claimable again at once (a restarted bot sends it, once). SIGHUP
    is the terminal the bot was started from closing (an SSH session ending): it killed the
    bot on the spot, its claims left to expire."""
    fake = world.fake
    notices = world.guild.channel("announcements")  # where the capacity notice goes
    title = f"Shutdown Forum {signum.name}"
    event_id = await world.import_event(title, capacity=30)
    message = await announce(world, event_id, title)
    fake.fail("POST", rf"^/channels/{notices.id}/messages$", status=429, retry_after=30)
    members = [world.member(f"{signum.name.lower()}{i}") for i in range(300)]
    tasks: list[asyncio.Future] = []

    def notice_claimed() -> bool:
        return bool(world.query("SELECT 1 FROM outbox WHERE event_id = ? AND kind = "
                                "'capacity' AND claimed_at IS NOT NULL", (event_id,)))

    # Waves of 10 clicks every 20 ms until the event is full and its notice claimed...
    deadline = time.monotonic() + 15
    while not notice_claimed():
        assert time.monotonic() < deadline, "the event did not fill or its notice was unclaimed"
        if len(tasks) < 50:
            tasks += [asyncio.ensure_future(fake.click(world.guild, m, message,
                                                       join_id(event_id)))
                      for m in members[len(tasks):len(tasks) + 10]]
        await asyncio.sleep(0.02)
    # ...and its post answered with the 429 in this process (claimed is not yet posted: a
    # 429 left for the next process would hold its post up 30 s)...
    posts = f"/channels/{notices.id}/messages"
    await until(lambda: any(r.method == "POST" and r.path == posts and r.status == 429
                            for r in fake.requests), 10, "the notice's 429", world.bot)
    # ...then the rest in waves of 5 every 10 ms, and the signal as soon as the first of
    # them is committed, while the others are still arriving, committing and being answered.
    burst = {m.id for m in members[len(tasks):]}

    async def send_the_rest() -> None:
        while len(tasks) < len(members):
            tasks.extend(asyncio.ensure_future(fake.click(world.guild, m, message,
                                                          join_id(event_id)))
                         for m in members[len(tasks):len(tasks) + 5])
            await asyncio.sleep(0.01)

    sender = asyncio.ensure_future(send_the_rest())
    deadline = time.monotonic() + 10
    while not burst & set(db_rsvps(world, event_id)):
        assert time.monotonic() < deadline, "the burst was never committed"
        await asyncio.sleep(0.002)
    bot = world.bot
    signalled = time.monotonic()
    code = await bot.stop(timeout=5.0, signum=signum)
    stopped_in = time.monotonic() - signalled
    assert code == 0, bot.output()
    assert stopped_in < 5.0
    assert "Traceback" not in bot.output(), bot.output()
    print(*bot.output().splitlines()[-6:], sep="\n")
    await sender
    replies = await asyncio.gather(*tasks, return_exceptions=True)
    # Nothing acknowledged is lost: each reply's outcome is what the database holds.
    db = db_rsvps(world, event_id)
    told = {m.id: outcome(r.content) for m, r in zip(members, replies, strict=True)
            if not isinstance(r, BaseException) and outcome(r.content)}
    assert {user: db.get(user) for user in told} == told
    assert len(told) > 30  # some were confirmed, some waitlisted, before the signal
    check_counters(world, event_id)
    assert integrity(world.db_path) == "ok"
    # The notice held up by the 429 is still there, claimed by nobody.
    assert world.query("SELECT count(*) FROM outbox WHERE claimed_at IS NOT NULL") == [(0,)]
    assert world.query("SELECT count(*) FROM outbox WHERE event_id = ? AND kind = 'capacity'",
                       (event_id,)) == [(1,)]
    # A new process delivers it at once, not after the 60 s a dead process's claim lasts.
    world.start_bot()
    await fake.wait_ready(process=world.bot)
    await fake.wait_message(notices, lambda m: f"**{title}**" in m["content"], timeout=10)
    unanswered = sum(isinstance(r, BaseException) for r in replies)
    print(f"figures: {signum.name}: exit {code} after {stopped_in:.2f} s; "
          f"{len(told)} of {len(members)} told their outcome, {unanswered} unanswered, "
          f"{len(db)} in the database")


async def test_a_second_run_on_the_same_database_and_token_is_refused_in_one_line(tmp_path):
    """`make run` twice (a terminal forgotten, or systemd's bot and one started by hand):
    Discord gives every interaction to both sessions of one token, so both would answer
    each command and button, one of them failing. The second stops at once, exit 2, in one
    line, and the first goes on answering; another token (another application) on the same
    file is no second run."""
    database = tmp_path / "data" / "bot.sqlite3"
    env = {"DATABASE_PATH": str(database), "EVENTS_DIR": str(ROOT / "data/events"),
           "PYTHONPATH": str(ROOT)}
    async with FakeDiscord() as fake, FakeDiscord(token="another-bot-token") as other:
        guild = fake.add_guild("Forum")
        member = fake.add_member(guild, "member")
        first = fake.spawn_bot([sys.executable, "-m", "bot", "run"], env, cwd=str(tmp_path))
        await fake.wait_ready(process=first)
        identified = fake.identify_count
        second = BotProcess([sys.executable, "-m", "bot", "run"], {**fake.bot_env(), **env},
                            cwd=str(tmp_path)).start()
        try:
            assert await ended_in_one_line(second, 20) == (
                f"eventbot: a bot process with this DISCORD_TOKEN is already running on "
                f"{database}: stop it first (two would both answer every command), or give "
                "each process its own SHARD_IDS")
        finally:
            second.kill()
        assert fake.identify_count == identified  # it never connected
        reply = await fake.slash(guild, member, "event list")
        assert "Missile Defense" in (reply.content or "") + str(reply.embeds), reply

        # Another application's bot on the same file meanwhile gets its own interactions.
        elsewhere = other.add_guild("Elsewhere")
        other.register_commands(fake.commands())  # synced by the first, as the file says
        bot = other.spawn_bot([sys.executable, "-m", "bot", "run"], env, cwd=str(tmp_path))
        await other.wait_ready(process=bot)
        reply = await other.slash(elsewhere, other.add_member(elsewhere, "member"),
                                  "event list")
        assert "Missile Defense" in (reply.content or "") + str(reply.embeds), reply
        assert await bot.stop() == 0, bot.output()
        # The first one's stop frees its token for the next start.
        assert await first.stop() == 0, first.output()
        again = fake.spawn_bot([sys.executable, "-m", "bot", "run"], env, cwd=str(tmp_path))
        await fake.wait_ready(process=again)
        reply = await fake.slash(guild, member, "event list")
        assert "Missile Defense" in (reply.content or "") + str(reply.embeds), reply
        assert await again.stop() == 0, again.output()


async def test_a_token_reset_while_the_bot_runs_is_one_line_and_exit_2(tmp_path):
    """The token reset in the developer portal (it leaked, say) while the bot runs: its
    next IDENTIFY is closed with 4004 Authentication failed. It was a traceback of
    discord.ConnectionClosed, exit 1; it is the line a refused token at start gives."""
    async with FakeDiscord() as fake:
        fake.add_guild("Forum")
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"], {
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "EVENTS_DIR": str(ROOT / "data/events"), "PYTHONPATH": str(ROOT)},
            cwd=str(tmp_path))
        await fake.wait_ready(process=bot)
        fake.token = "the-reset-token"
        with contextlib.suppress(Exception):  # it does not come back
            await fake.drop_gateway(resumable=False, timeout=10)
        assert await ended_in_one_line(bot, 20) == (
            "eventbot: Discord refused DISCORD_TOKEN; copy the token again from the Bot "
            "page of your application")
