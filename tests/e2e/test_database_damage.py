"""A database damaged or failing on reads under the running bot (`python -m bot run`
against the local Discord): members are told so privately, the log says it in one line
naming the file and what to do, with no traceback per interaction.

The damage is made as a disk or a bad copy makes it: the pages of one table overwritten
with garbage (not the file's header, so the bot starts), while the bot is stopped.
"""

from __future__ import annotations

import sqlite3

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

UNREADABLE = ("⚠️ The bot can't read its database right now; the moderators can find why "
              "in its log.")


def damage_table(path, table: str) -> None:
    """Overwrite every page of `table` (its b-tree's root and the pages under it, as
    `dbstat` lists them) with garbage, leaving the rest of the file as it was."""
    conn = sqlite3.connect(path)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        [(root,)] = conn.execute("SELECT rootpage FROM sqlite_master WHERE type = 'table'"
                                 " AND name = ?", (table,)).fetchall()
    finally:
        conn.close()
    assert root > 1
    with open(path, "r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(bytes([0xA5]) * page_size)


async def test_a_damaged_table_is_a_private_one_line_refusal(world):
    fake = world.fake
    event_id = await world.import_event("Damaged Later", 10)
    member = world.member("reader")
    reply = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    assert "You're confirmed for" in reply.content
    await world.bot.stop()  # its last connection closing moves the write-ahead log in
    damage_table(world.db_path, "rsvps")
    world.start_bot()
    await fake.wait_ready(process=world.bot)
    for asker in (member, world.member("another reader"), member):
        status = await fake.slash(world.guild, asker, "rsvp status", event=str(event_id))
        assert status.ephemeral and status.content == UNREADABLE, status.content
    joined = await fake.slash(world.guild, world.member("joiner"), "rsvp join",
                              event=str(event_id))
    assert joined.ephemeral and joined.content == UNREADABLE, joined.content
    output = world.bot.output()
    print(output[-3000:])
    assert "Traceback" not in output and "unexpected error" not in output
    said = [line for line in output.splitlines() if "damaged" in line]
    assert len(said) == 1 and str(world.db_path) in said[0], said


async def test_autocomplete_on_a_damaged_database_offers_no_choices_in_time(world):
    """The events' table damaged: typing an `[event]` option (or a speaker's name) gets an
    answer with no choices, at every key, rather than none (the member's client would say
    the options failed to load); the log says nothing per key, only the damage once."""
    fake = world.fake
    event_id = await world.import_event("Damaged Listing", 10)
    await world.bot.stop()
    damage_table(world.db_path, "events")
    world.start_bot()
    await fake.wait_ready(process=world.bot)
    typer = world.member("damaged typer", locale="zh-CN")
    for typed in ("D", "Dam", ""):
        assert await fake.autocomplete(world.guild, typer, "rsvp join", focused="event",
                                       event=typed) == []
        assert await fake.autocomplete(world.guild, world.moderator, "manage delete",
                                       focused="event", event=typed) == []
        assert await fake.autocomplete(world.guild, typer, "event speaker", focused="name",
                                       event=str(event_id), name=typed) == []
    output = world.bot.output()
    assert "Traceback" not in output and "autocomplete" not in output, output[-3000:]
    said = [line for line in output.splitlines() if "is damaged" in line]
    assert len(said) == 1 and str(world.db_path) in said[0], said
