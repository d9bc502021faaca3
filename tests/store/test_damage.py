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
    offset, size = root_page(path, name)
    with open(path, "r+b") as file:
        file.seek(offset)
        held = file.read(size)
        file.seek(offset)
        file.write(bytes([0xA5]) * size if data is None else data)
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
