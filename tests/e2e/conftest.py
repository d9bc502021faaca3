"""Fixtures that run the real bot process (`python -m bot run`) against the local server."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from bot.models import CLAIM_SECONDS
from sandbox import Attachment, BotProcess, FakeDiscord, Guild, Member, Reply
from sandbox.ratelimits import DISCORD_RATE_LIMITS
from tests.conftest import ANNOUNCEMENT, ROOT

# The seed announcement without its "registration is closed" line: an open event.
OPEN_ANNOUNCEMENT = "\n".join(
    line for line in ANNOUNCEMENT.read_text(encoding="utf-8").splitlines()
    if "Registration is now closed" not in line).encode()


IMPORT_BUTTON = "eventbot:import:go:"


def import_button(preview: Reply) -> str | None:
    """The custom id of the Import button on a /manage import preview, if it has one."""
    return next((c for c in preview.custom_ids() if c.startswith(IMPORT_BUTTON)), None)


def sent_as(name: str, value):
    """A slash command's `mutate`: what a modified client could send, `value` for the
    sub-command's option `name`, whatever the command line gave it."""
    def swap(payload: dict) -> None:
        option = next(o for o in payload["data"]["options"][0]["options"] if o["name"] == name)
        option["value"] = value
    return swap


def field_as(custom_id: str, value) -> callable:
    """A form submission's `mutate`: what a modified client could send, the field
    `custom_id` with `value`, whatever the form's bounds."""
    def swap(payload: dict) -> None:
        for row in payload["data"]["components"]:
            for field in row.get("components") or [row.get("component")]:
                if field and field.get("custom_id") == custom_id:
                    field["value"] = value
    return swap


def event_id_in(reply) -> int:
    """The id of the event an import's reply names ("... (event 12) ...")."""
    found = re.search(r"\(event (\d+)\)", reply.content or "")
    assert found, reply
    return int(found[1])


async def import_page(fake: FakeDiscord, guild: Guild, member: Member, /, *,
                      timeout: float = 10.0, **options) -> Reply:
    """/manage import, then Import on its preview, as a moderator does. Returns the reply
    to the click, once the preview has become the import's reply; or, when the command was
    refused before any preview, that refusal."""
    preview = await fake.slash(guild, member, "manage import", timeout=timeout, **options)
    button = import_button(preview)
    if button is None:
        return preview
    done = await fake.click(guild, member, preview.message, button, timeout=timeout)
    return await done.wait(lambda r: not r.custom_ids() or bool(r.followups), timeout)


async def delete_event(world: World, moderator: Member, event_id: int) -> None:
    """/manage delete, answered Delete, as a moderator does; returns once the question says
    so and the deletion's notices have been delivered (and left the outbox)."""
    asked = await world.fake.slash(world.guild, moderator, "manage delete", event=str(event_id))
    clicked = await world.fake.click(world.guild, moderator, asked.message,
                                     asked.custom_ids()[0])
    await clicked.wait(lambda r: "Deleted" in (r.content or ""))  # the question, edited
    for _ in range(100):
        if world.query("SELECT count(*) FROM outbox") == [(0,)]:
            break
        await asyncio.sleep(0.05)


async def edit_form(world: World, event_id: int, values: dict[str, str],
                    moderator: Member | None = None) -> Reply:
    """`/manage edit`'s form, opened by a moderator and submitted with `values`: the reply."""
    form = await world.fake.slash(world.guild, moderator or world.moderator, "manage edit",
                                  event=str(event_id))
    return await world.fake.submit_modal(form, values)


async def edited(world: World, event_id: int, values: dict[str, str],
                 moderator: Member | None = None) -> str:
    """`edit_form`, which the bot takes: its reply's text."""
    done = await edit_form(world, event_id, values, moderator)
    assert done.ephemeral and "Updated" in done.content, done.content
    return done.content


async def ended_in_one_line(bot: BotProcess, timeout: float = 30) -> str:
    """The bot ends by itself within `timeout` s, exit 2, without a traceback, as a start
    refused or a stop for a problem the operator fixes does: the line it ended with."""
    assert await bot.exited(timeout) == 2, bot.output()
    assert "Traceback" not in bot.output(), bot.output()
    return bot.output().splitlines()[-1]


async def until(check, timeout: float = 10.0, what: str = "") -> None:
    """Wait for `check()` to hold, looking every 50 ms, `timeout` seconds at most."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def until_past(moment: datetime, slack: float) -> float:
    """Seconds from now until `slack` seconds past `moment` (none once that is behind)."""
    return max((moment - datetime.now(UTC)).total_seconds() + slack, 0)


@dataclass
class World:
    """The local Discord, one server in it, its people, and the bot process."""

    fake: FakeDiscord
    guild: Guild
    moderator: Member
    members: list[Member]
    db_path: Path
    env: dict[str, str]
    cwd: Path
    bot: BotProcess

    def start_bot(self) -> BotProcess:
        self.bot = self.fake.spawn_bot([sys.executable, "-m", "bot", "run"], self.env,
                                       cwd=str(self.cwd))
        return self.bot

    async def restart_bot(self, *, kill: bool = False) -> None:
        if kill:
            self.bot.kill()
        else:
            await self.bot.stop()
        self.start_bot()
        await self.fake.wait_ready(process=self.bot)

    def member(self, name: str | None = None, **kwargs) -> Member:
        return self.fake.add_member(self.guild, name, **kwargs)

    async def import_event(self, title: str, capacity: int, page: bytes | None = None,
                           **options) -> int:
        """Create an event through /manage import and its preview's Import button, as a
        moderator does; returns its id.

        Without a page, the event gets the open announcement headed by its title: each
        event its own page, since importing a page again updates the event that has it.
        """
        page = page if page is not None else title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT
        reply = await import_page(
            self.fake, self.guild, self.moderator,
            page=Attachment("announcement.txt", page, "text/plain"),
            title=title, capacity=capacity, **options)
        match = re.search(r"\(event (\d+)\)", reply.content or "")
        assert match, reply
        return int(match[1])

    def expire_claims(self, event_id: int) -> None:
        """The event's claimed notices as if claimed CLAIM_SECONDS ago: handed out again at
        the deliverer's next look, as once their claims expire, without the wait."""
        conn = sqlite3.connect(self.db_path, timeout=10)
        try:
            with conn:
                conn.execute("UPDATE outbox SET claimed_at = claimed_at - ? WHERE event_id = ?"
                             " AND claimed_at IS NOT NULL", (CLAIM_SECONDS, event_id))
        finally:
            conn.close()

    def query(self, sql: str, params=()) -> list[tuple]:
        conn = sqlite3.connect(self.db_path)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    async def samples_given(self, timeout: float = 15.0) -> None:
        """Wait for the bot's set-up of the server after it is ready (in the background):
        the bundled sample event saved, so a test's first look at the database sees what
        its later ones do, whichever test of the module runs first."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.query("SELECT 1 FROM events WHERE guild_id = ?", (self.guild.id,)):
            assert asyncio.get_running_loop().time() < deadline, "no sample event was given"
            await asyncio.sleep(0.02)

    async def past_on_ready(self, timeout: float = 10.0) -> None:
        """Wait for the bot's on_ready, which discord.py dispatches about 2 s after the
        last GUILD_CREATE: until then the bot cannot tell a server it was removed from
        (`out_of_server`), and after it refreshes every announcement once. A module's first
        test may start before it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while "connected as" not in self.bot.output():
            assert asyncio.get_running_loop().time() < deadline, self.bot.describe()
            await asyncio.sleep(0.05)

    def dump(self) -> list[str]:
        """The whole database as SQL, to compare before and after a refused command; the
        members' client languages, which every interaction may record, are left out, with
        the commit stamp their writes leave (`bot.storage.sqlite.session.COMMIT_STAMP`), and
        the wall clock's look a running bot keeps (`bot.app.CLOCK_KEY`)."""
        conn = sqlite3.connect(self.db_path)
        try:
            return [line for line in conn.iterdump()
                    if not line.startswith(('INSERT INTO "member_locales"',
                                            """INSERT INTO "meta" VALUES('commit_stamp',""",
                                            """INSERT INTO "meta" VALUES('wall_clock',"""))]
        finally:
            conn.close()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def world(tmp_path_factory, request):
    """One local Discord and one bot process for a whole test module.

    Discord's limits and bucket sizes are on, with the rate-limit windows shortened to a
    tenth (5 sends per 0.5 s per channel): the modules post far more to one channel than
    the bot would in real use, and a full 5 s wait would only slow the suite down. A module
    may set its own `RATE_LIMITS` and add settings for the bot in `BOT_ENV`.
    """
    tmp = tmp_path_factory.mktemp("bot")
    rate_limits = getattr(request.module, "RATE_LIMITS", DISCORD_RATE_LIMITS.scaled(0.1))
    async with FakeDiscord(rate_limits=rate_limits) as fake:
        guild = fake.add_guild("Think Tank")
        moderator = fake.add_member(guild, "moderator", manage_events=True)
        env = {"DATABASE_PATH": str(tmp / "bot.sqlite3"), "EVENTS_DIR": str(ROOT / "data/events"),
               "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT),
               # the global limit the server enforces, in requests a second: with its
               # windows shortened, the bot's pace under it is as much quicker
               "GLOBAL_RATE_LIMIT": str(rate_limits.global_.limit / rate_limits.global_.per),
               **getattr(request.module, "BOT_ENV", {})}  # a module's own settings
        w = World(fake, guild, moderator, [], tmp / "bot.sqlite3", env, tmp, None)
        w.start_bot()
        try:
            await fake.wait_ready(process=w.bot)
            if w.env["EVENTS_DIR"] == str(ROOT / "data/events"):
                await w.samples_given()
            yield w
        finally:
            w.bot.kill()


@pytest.fixture
def fake(world) -> FakeDiscord:
    return world.fake


@pytest.fixture
async def http(fake: FakeDiscord):
    """Raw HTTP to the local server with the bot's token: what it answers (a module's own
    `fake` fixture gives it a server without a bot process)."""
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(fake.api_base + "/", headers=headers) as session:
        yield session


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)
