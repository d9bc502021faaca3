"""A database damaged under the running bot, then put right while it runs (the file's
content restored from a copy in place): the log says once that reads are refused, and
once that they are answered again; damaged again after that, it says so again."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.errors import DatabaseUnreadable
from bot.registration import JoinOutcome
from bot.storage import open_store
from tests.conftest import joins_held, new_event
from tests.store.test_store import nothing_else_ready, until

pytestmark = pytest.mark.sqlite_only

DAMAGED = "is damaged"
READ_AGAIN = "can be read again"


def root_page(path: Path, name: str) -> tuple[int, int]:
    """(offset, size) of the root page of table or index `name` in the file at `path`."""
    conn = sqlite3.connect(path)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        [(root,)] = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                                 (name,)).fetchall()
    finally:
        conn.close()
    assert root > 1
    return (root - 1) * page_size, page_size


def beside_the_bot(path: Path, *statements: str) -> None:
    """Another process's connection (a command run beside the bot) runs `statements`,
    then moves the write-ahead log into the database file: the store sees a commit, and
    reads the file's pages afresh."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        conn.close()


def overwrite(path: Path, name: str, data: bytes | None = None) -> bytes:
    """Write `data` (garbage, by default: as a failing disk or a bad copy leaves it) over
    the root page of `name`, in place, and return what it held."""
    held = damage_unseen(path, name, data)
    beside_the_bot(path, "INSERT OR REPLACE INTO meta (key, value) VALUES ('touched', 1)")
    return held


def said(caplog, words: str) -> int:
    return sum(words in record.getMessage() for record in caplog.records)


async def test_reads_refused_for_damage_are_said_answered_again_once_it_is_undone(
        tmp_path, caplog):
    """The waitlist's index is damaged: a waitlisted member's place cannot be read, the
    rest can. Its page put back as it was (the disk reads it right again, or the file is
    put back under the bot), the place is read again; the log says each once, and the
    damage again when it comes back."""
    path = tmp_path / "bot.sqlite3"
    async with await open_store(path) as store:
        # One event per time the damage comes (a waitlist read is kept: it is not read
        # from the file again while nobody leaves it)
        events = [await new_event(store, capacity=1, slug=slug) for slug in ("one", "two")]
        for event in events:
            for user in range(1, 4):
                await store.join(1, event.id, user, f"member {user}")
    caplog.set_level(logging.WARNING)
    async with await open_store(path) as store:
        for past, event in enumerate(events):
            good = overwrite(path, "rsvps_queue")
            for _ in range(3):  # however many tries: said once
                with pytest.raises(DatabaseUnreadable):
                    await store.run(store.registrations.member_rsvp, 1, event.id, 3)
                # Reads of what is not damaged are answered meanwhile: no end of it.
                _, first = await store.run(store.registrations.member_rsvp, 1, event.id, 1)
                assert first is not None and first.status == "confirmed"
            assert (said(caplog, DAMAGED), said(caplog, READ_AGAIN)) == (past + 1, past)
            overwrite(path, "rsvps_queue", good)
            for _ in range(3):  # answered, and said once
                _, third = await store.run(store.registrations.member_rsvp, 1, event.id, 3)
                assert third is not None and third.position == 2
            assert (said(caplog, DAMAGED), said(caplog, READ_AGAIN)) == (past + 1, past + 1)
    again = [r.getMessage() for r in caplog.records if READ_AGAIN in r.getMessage()]
    assert all(str(path) in message for message in again), again


async def test_a_join_refused_in_a_batch_and_answered_alone_says_the_file_reads_again(
        tmp_path, caplog):
    """Joins asked for together while the file was busy are decided together on the
    database thread, and refused together when what they read is damaged. Once it is put
    right, any one of those members joining again alone is answered, and the log says so:
    each member's own join is what was refused, not the batch they happened to be in."""
    path = tmp_path / "bot.sqlite3"
    caplog.set_level(logging.WARNING)
    async with await open_store(path) as store:
        event = await new_event(store, capacity=5)
        await store.join(1, event.id, 1, "member 1")
        beside_the_bot(path)  # every page in the file: the damage is what is read
        good = overwrite(path, "rsvps")
        async with joins_held(store, event.id):
            await nothing_else_ready()
            joins = [asyncio.ensure_future(store.join(1, event.id, user, f"member {user}"))
                     for user in (2, 3)]
            await until(store._joins._thread_writing, "handed to the thread")
        for join in joins:
            with pytest.raises(DatabaseUnreadable):
                await join
        assert (said(caplog, DAMAGED), said(caplog, READ_AGAIN)) == (1, 0)
        overwrite(path, "rsvps", good)
        joined = await store.join(1, event.id, 2, "member 2")
        assert joined.result.outcome is JoinOutcome.CONFIRMED
        assert (said(caplog, DAMAGED), said(caplog, READ_AGAIN)) == (1, 1)


def damage_unseen(path: Path, name: str, data: bytes | None = None) -> bytes:
    """Write `data` (garbage by default, as a failing disk or a bad copy leaves it) over
    the root page of `name` in place, and return what it held: no connection commits, so
    none is told to read the page again."""
    offset, size = root_page(path, name)
    with open(path, "r+b") as file:
        file.seek(offset)
        held = file.read(size)
        file.seek(offset)
        file.write(bytes([0xA5]) * size if data is None else data)
    return held


def file_reads(path: Path) -> bool:
    """Whether a connection of its own reads a member's RSVP from the file."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("SELECT display_name FROM rsvps WHERE user_id = 1").fetchall()
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
    return True


async def join_on_the_thread(store, event_id: int) -> object:
    """Member 1 joins through the database thread (the file is busy for the event loop's
    connection): the join, or what refused it."""
    async with joins_held(store, event_id):
        await nothing_else_ready()
        joining = asyncio.ensure_future(store.join(1, event_id, 1, "member 1"))
        await until(store._joins._thread_writing, "handed to the thread")
    return (await asyncio.gather(joining, return_exceptions=True))[0]


async def join_on_the_loop(store, event_id: int) -> object:
    """Member 1 joins alone, on the event loop's connection: the join, or what refused it."""
    await nothing_else_ready()
    return (await asyncio.gather(store.join(1, event_id, 1, "member 1"),
                                 return_exceptions=True))[0]


@pytest.mark.parametrize("refused_on, answered_on", [
    (join_on_the_thread, join_on_the_loop), (join_on_the_loop, join_on_the_thread)])
async def test_a_join_answered_from_pages_read_before_the_damage_is_no_sign_it_is_undone(
        tmp_path, caplog, refused_on, answered_on):
    """Each of the store's two connections keeps the pages it has read while no other
    commits, and damage written under the bot commits nothing: the connection that read
    the page before would answer a join the other was refused from them, the file unread,
    and the log say it reads again. The file is what answers: that join is refused too,
    and answered, said once, when the page is put right in place."""
    path = tmp_path / "bot.sqlite3"
    caplog.set_level(logging.WARNING)
    async with await open_store(path) as store:
        event = await new_event(store, capacity=5)
        await store.join(1, event.id, 1, "member 1")
        beside_the_bot(path)  # every page in the file, each connection to read it afresh
        before = await answered_on(store, event.id)  # that connection reads the page
        assert before.result.outcome is JoinOutcome.ALREADY_CONFIRMED
        good = damage_unseen(path, "rsvps")
        assert isinstance(await refused_on(store, event.id), DatabaseUnreadable)
        assert isinstance(await answered_on(store, event.id), DatabaseUnreadable)
        assert not file_reads(path)
        assert (said(caplog, DAMAGED), said(caplog, READ_AGAIN)) == (1, 0)
        damage_unseen(path, "rsvps", good)
        assert file_reads(path)
        again = await answered_on(store, event.id)
        assert again.result.outcome is JoinOutcome.ALREADY_CONFIRMED
        assert (said(caplog, DAMAGED), said(caplog, READ_AGAIN)) == (1, 1)
