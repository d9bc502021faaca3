"""The database failing under the running bot (`python -m bot run` against the local
Discord): members are told so privately and nothing is half-written, the log says it in
one line, and the bot carries on once the cause is gone, without a restart.

The disk fills through the bot process's file-size limit (RLIMIT_FSIZE, set from here with
`prlimit`, as the same user; Python ignores the SIGXFSZ it brings): a write past the limit
fails as on a full disk, which SQLite reports as SQLITE_FULL.
"""

from __future__ import annotations

import os
import resource
import sqlite3

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

UNWRITABLE = ("⚠️ The bot can't save anything right now (its disk may be full or "
              "failing); nothing was changed. Try again later.")


def confirmed_in_db(world, event_id: int) -> set[int]:
    return {user for (user,) in world.query(
        "SELECT user_id FROM rsvps WHERE event_id = ? AND status = 'confirmed'", (event_id,))}


def counts(world, event_id: int) -> tuple[int, int]:
    [(confirmed, rows)] = world.query(
        "SELECT confirmed_count, (SELECT count(*) FROM rsvps WHERE event_id = ?)"
        " FROM events WHERE id = ?", (event_id, event_id))
    return confirmed, rows


def largest_file(world) -> int:
    """The size of the larger of the bot's log and its database's write-ahead log."""
    wal = world.db_path.with_name(world.db_path.name + "-wal")
    return max(os.path.getsize(world.bot._log_path), os.path.getsize(wal))


@pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs prlimit (Linux)")
async def test_a_full_disk_is_a_private_one_line_refusal_and_the_bot_recovers(world):
    fake = world.fake
    event_id = await world.import_event("Disk Fills Up", 1000)
    pid = world.bot.pid
    largest = largest_file(world)
    soft, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    # Room for some joins and for the log to grow; the write-ahead log soon passes it.
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (largest + 64 * 1024, hard))
    acknowledged, refused = set(), []
    try:
        for n in range(600):
            member = world.member(f"filler {n}")
            reply = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
            if "You're confirmed for" in (reply.content or ""):
                acknowledged.add(member.user.id)
                continue
            refused.append((member, reply))
            if len(refused) == 5:
                break
        assert len(refused) == 5, "the disk never filled up"
        for _member, reply in refused:
            assert reply.ephemeral and reply.content == UNWRITABLE
        # Reads are still answered while nothing can be written.
        status = await fake.slash(world.guild, refused[0][0], "rsvp status",
                                  event=str(event_id))
        assert status.ephemeral and "You're confirmed" not in (status.content or "")
        # Nothing half-written: exactly the acknowledged seats, counted exactly.
        assert confirmed_in_db(world, event_id) == acknowledged
        assert counts(world, event_id) == (len(acknowledged), len(acknowledged))
    finally:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (soft, hard))
    # Space again: the same members join, without a restart.
    for member, _reply in refused:
        reply = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        assert "You're confirmed for" in reply.content, reply.content
        acknowledged.add(member.user.id)
    assert confirmed_in_db(world, event_id) == acknowledged
    assert counts(world, event_id) == (len(acknowledged), len(acknowledged))
    output = world.bot.output()
    print(f"figures: {len(acknowledged) - 5} joins before the disk filled, 5 refused")
    assert "Traceback" not in output and "unexpected error" not in output
    said = [line for line in output.splitlines() if "could not be written" in line]
    assert len(said) == 1, said
    assert sum("can be written again" in line for line in output.splitlines()) == 1


GONE = "⚠️ The bot can't save anything right now; nothing was changed. Try again later."


async def test_a_database_file_replaced_under_the_bot_takes_no_more_writes(world):
    """A backup put in place while the bot runs (the README says to stop it first): SQLite
    would go on committing to the file it has open, which nobody opens again, so every RSVP
    confirmed from then on would be lost at the next start. Writes are refused instead,
    reads still answered, and after a restart on the file put in place all is as it was."""
    fake = world.fake
    event_id = await world.import_event("Backup Restored Live", 10)
    kept = world.member("kept")
    reply = await fake.slash(world.guild, kept, "rsvp join", event=str(event_id))
    assert "You're confirmed for" in reply.content
    copy = world.db_path.with_name("copy.sqlite3")
    source, target = sqlite3.connect(world.db_path), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    os.replace(copy, world.db_path)
    late = world.member("late")
    for _ in range(2):
        reply = await fake.slash(world.guild, late, "rsvp join", event=str(event_id))
        assert reply.ephemeral and reply.content == GONE
    status = await fake.slash(world.guild, kept, "rsvp status", event=str(event_id))
    assert "You're confirmed" in status.content, status.content
    output = world.bot.output()
    assert "Traceback" not in output
    said = [line for line in output.splitlines() if "was deleted or replaced" in line]
    assert len(said) == 1 and str(world.db_path) in said[0], said
    await world.restart_bot()
    reply = await fake.slash(world.guild, late, "rsvp join", event=str(event_id))
    assert "You're confirmed for" in reply.content, reply.content
    confirmed = {kept.user.id, late.user.id}
    assert confirmed_in_db(world, event_id) == confirmed
    assert counts(world, event_id) == (2, 2)
