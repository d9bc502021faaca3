"""The database failing under the running bot (`python -m bot run` against the local
Discord): members are told so privately and nothing is half-written, the log says it in
one line, and the bot carries on once the cause is gone, without a restart.

The disk fills through the bot process's file-size limit (RLIMIT_FSIZE, set from here with
`prlimit`, as the same user; Python ignores the SIGXFSZ it brings): a write past the limit
fails as on a full disk, which SQLite reports as SQLITE_FULL.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sqlite3
import time

import pytest

from bot.storage.sqlite.session import BUSY_TIMEOUT_MS
from sandbox import Attachment
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_button

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


async def test_a_write_ahead_log_deleted_under_the_bot_loses_no_rsvp_to_a_kill(world):
    """Someone "cleans up" the data folder, deleting the database's `-wal` file: SQLite
    would go on committing to the deleted log, and the bot killed then lost every RSVP
    since its last checkpoint, those confirmed before the deletion too. The log is moved
    into the database file when the deletion is seen, joins from then on are refused (the
    log says why, once), reads still answered, and after a kill all is there."""
    fake = world.fake
    event_id = await world.import_event("Log Deleted Live", 10)
    kept = world.member("kept before")
    reply = await fake.slash(world.guild, kept, "rsvp join", event=str(event_id))
    assert "You're confirmed for" in reply.content
    wal = f"{world.db_path.resolve()}-wal"
    os.unlink(wal)
    late = world.member("late after")
    for _ in range(2):
        reply = await fake.slash(world.guild, late, "rsvp join", event=str(event_id))
        assert reply.ephemeral and reply.content == GONE, reply.content
    status = await fake.slash(world.guild, kept, "rsvp status", event=str(event_id))
    assert "You're confirmed" in status.content, status.content
    output = world.bot.output()
    assert "Traceback" not in output
    said = [line for line in output.splitlines() if "write-ahead log" in line]
    assert len(said) == 1 and wal in said[0], said
    await world.restart_bot(kill=True)
    assert confirmed_in_db(world, event_id) == {kept.user.id}
    reply = await fake.slash(world.guild, late, "rsvp join", event=str(event_id))
    assert "You're confirmed for" in reply.content, reply.content
    assert confirmed_in_db(world, event_id) == {kept.user.id, late.user.id}
    assert counts(world, event_id) == (2, 2)


BUSY = "⚠️ The database is busy right now; try again in a moment."
BUSY_ZH = "⚠️ 数据库正忙；请稍后再试。"


async def test_a_delete_or_import_refused_as_busy_keeps_its_buttons_for_a_retry(world):
    """Another process holds the write lock past the bot's wait while a moderator presses
    Delete on /manage delete's question, and another Import on a preview: each is told
    privately, in their language, that the database is busy; nothing changed, and the
    question and the preview keep their buttons, which work once the lock is released
    (they used to be dead: Delete was only acknowledged, Import gone)."""
    fake = world.fake
    event_id = await world.import_event("Deleted Through A Lock", 10)
    member = world.member("seat holder")
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    deleter = world.member("zh moderator", manage_events=True, locale="zh-CN")
    asked = await fake.slash(world.guild, deleter, "manage delete", event=str(event_id))
    confirm = asked.custom_ids()[0]
    page = b"Imported Through A Lock\n\n" + OPEN_ANNOUNCEMENT
    preview = await fake.slash(world.guild, world.moderator, "manage import", capacity=5,
                               page=Attachment("a.txt", page, "text/plain"),
                               title="Imported Through A Lock")
    joiners = [world.member(f"joins through a lock {n}") for n in range(3)]
    before = world.dump()
    holder = sqlite3.connect(world.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        asked_at = time.monotonic()
        deleting, importing, *joins = await asyncio.gather(
            fake.click(world.guild, deleter, asked.message, confirm),
            fake.click(world.guild, world.moderator, preview.message, import_button(preview)),
            *(fake.slash(world.guild, joiner, "rsvp join", event=str(event_id), timeout=30)
              for joiner in joiners))
        twice = await fake.click(world.guild, deleter, asked.message, confirm)
        refusals, answered_in = [], []
        for click in (deleting, importing):
            refusals.append(await click.followup(timeout=30))
            answered_in.append(time.monotonic() - asked_at)
    finally:
        holder.execute("COMMIT")
        holder.close()
    # Each is answered within the bot's wait for the lock of its asking, though they queue
    # on the database connection behind the first join: not after the waits of those
    # ahead and then a whole wait of its own, nor a wait for each step (Delete reads,
    # then writes).
    print(f"figures: refused as busy after {answered_in[0]:.1f} s and {answered_in[1]:.1f} s")
    assert max(answered_in) < BUSY_TIMEOUT_MS / 1000 + 2, answered_in
    assert [(join.content, join.ephemeral) for join in joins] == [(BUSY, True)] * 3
    assert [(r["content"], bool(r["flags"] & 64)) for r in refusals] == [
        (BUSY_ZH, True), (BUSY, True)]
    assert twice.type == 6 and twice.followups == []  # a double click: acknowledged only
    assert world.dump() == before
    assert fake.message_record(asked.message).data["components"] == asked.message["components"]
    assert import_button(preview) is not None

    done = await fake.click(world.guild, deleter, asked.message, confirm)
    await done.wait(lambda r: not r.custom_ids())
    assert done.content.startswith("已删除 **Deleted Through A Lock**"), done.content
    assert world.query("SELECT count(*) FROM events WHERE id = ?", (event_id,)) == [(0,)]
    imported = await fake.click(world.guild, world.moderator, preview.message,
                                import_button(preview))
    await imported.wait(lambda r: not r.custom_ids())
    assert "Created **Imported Through A Lock**" in imported.content, imported.content
    assert [f["content"] for f in (deleting.followups + importing.followups)] == [BUSY_ZH, BUSY]
    assert world.query("SELECT count(*) FROM events WHERE title = ?",
                       ("Imported Through A Lock",)) == [(1,)]
    output = world.bot.output()
    assert "Traceback" not in output and "unexpected error" not in output
    # Five requests refused as busy: the operator reads it once, and once that it ended.
    said = [line for line in output.splitlines() if "stayed locked" in line]
    assert len(said) == 1 and str(world.db_path) in said[0], said
    assert sum("no longer locked" in line for line in output.splitlines()) == 1
