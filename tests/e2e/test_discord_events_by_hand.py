"""Discord events a moderator changes by hand in Discord's client (starts, ends, edits),
and what the bot's later edits and announcements do with them. Through the real bot
process."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import OPEN_ANNOUNCEMENT, edited, until
from tests.e2e.test_reminders_roles_schedules import (
    announced_on_discord,
    discord_events_of,
    listed,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_discord_event_started_early_by_hand_follows_its_event_put_off(world, fake):
    """A moderator started the Discord event in Discord's client a week before the event
    (Discord then keeps its start), and the event is then put off by a week: the Discord
    event is replaced by one at the new time, rather than left going on at the old one
    with Discord's refusal quoted at this edit and at every announce after it."""
    guild = world.guild
    title = "Started Early By Hand Forum"
    event_id, made = await announced_on_discord(world, fake, title)
    fake.edit_scheduled_event(guild, made["id"], status=2)  # "Start Event", by hand
    text = await edited(world, event_id, {"start": "2037-09-08 18:00",
                                          "end": "2037-09-08 20:00"})
    assert "refused" not in text, text
    assert text.endswith("Its Discord event had begun, and Discord cannot move one that "
                         "has: it is replaced by one at the new time."), text
    [remade] = listed(fake, guild, title)
    assert remade["id"] != made["id"] and remade["status"] == 1, remade
    assert discord_events_of(world, fake, event_id) == [remade]
    assert datetime.fromisoformat(remade["scheduled_start_time"]) == datetime(
        2037, 9, 8, 18, 0, tzinfo=UTC)
    again = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert again.content.endswith("The Discord event is updated."), again.content
    assert listed(fake, guild, title) == [remade]


async def test_one_started_early_by_hand_follows_an_import_on_the_command_line(
        world, fake, tmp_path):
    """The same through `python -m bot import`, which the running bot follows from the
    database: the event's folder imported again with a start a week later replaces the
    Discord event a moderator started early by hand with one at the new time."""
    guild, title = world.guild, "Command Line Started Early Forum"
    folder = tmp_path / "command-line-started-early"
    folder.mkdir()
    (folder / "announcement.txt").write_bytes(title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT)

    async def import_starting(start: str) -> None:
        (folder / "event.toml").write_text(
            f'title = "{title}"\ncapacity = 5\nstarts_at = "{start}"\n'
            'pages = ["announcement.txt"]\n')
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "import", str(folder), "--guild", str(guild.id),
            env={**os.environ, **world.env}, cwd=str(world.cwd),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await cli.communicate()
        assert cli.returncode == 0, output.decode()

    await import_starting("2037-10-01T18:00:00+00:00")
    [(event_id,)] = world.query("SELECT id FROM events WHERE slug = ?",
                                ("command-line-started-early",))
    posted = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert "It is also in the server's Discord events." in posted.content, posted.content
    [made] = discord_events_of(world, fake, event_id)
    fake.edit_scheduled_event(guild, made["id"], status=2)  # "Start Event", by hand
    await import_starting("2037-10-08T18:00:00+00:00")
    week_later = datetime(2037, 10, 8, 18, 0, tzinfo=UTC)
    await until(lambda: [e for e in listed(fake, guild, title)
                         if datetime.fromisoformat(e["scheduled_start_time"]) == week_later],
                timeout=15, what="a Discord event at the new time")
    [remade] = listed(fake, guild, title)
    assert remade["id"] != made["id"] and remade["status"] == 1, remade
    await until(lambda: discord_events_of(world, fake, event_id) == [remade],
                what="the new Discord event recorded")


async def test_the_bot_logged_no_unexpected_error(world):
    output = world.bot.output()
    assert "Traceback" not in output and "ERROR" not in output, output[-3000:]
