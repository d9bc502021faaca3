"""Whole memberships kept on the event loop (`bot.storage.sqlite.members`): `/rsvp status`
answered from memory once many members of an event ask between two commits, and never
an answer the database no longer holds."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import pytest

from bot.errors import DatabaseUnreadable
from bot.models import EventSummary, SeenLocale
from bot.registration import JoinOutcome, Status
from bot.storage import open_store
from bot.storage.sqlite import members as members_module
from bot.storage.sqlite import session as sqlite_session
from bot.storage.sqlite import store as sqlite_store
from bot.storage.sqlite.members import (
    LOAD_AFTER,
    MOST_LOAD_AFTER,
    ROWS_PER_ANSWER,
    Ledger,
    Membership,
    Memberships,
    commit_counter,
)
from tests.conftest import new_event
from tests.store.test_damage import DAMAGED, READ_AGAIN, beside_the_bot, damage_unseen, said

pytestmark = pytest.mark.sqlite_only  # the wal-index and the event loop's connection


def mark(counter: int, salt: int = 0) -> bytes:
    """A wal-index header with the commit counter `counter` (and other bytes by `salt`)."""
    header = bytearray(48)
    struct.pack_into("=I", header, 8, counter)
    struct.pack_into("=I", header, 32, salt)
    return bytes(header)


def membership(at: bytes, users: range, event_id: int = 1) -> Membership:
    kept = Membership(commit_counter(at), 1, EventSummary(event_id, "Talk", None), 0)
    kept.extend((user, user, 1_700_000_000 + user, f"m{user}".encode()) for user in users)
    return kept


async def members_of(store, event_id: int, users) -> list:
    return [(await store.run(store.registrations.member_rsvp, 1, event_id, user))
            for user in users]


async def fill(store, capacity: int, count: int, name: str = "Member {}"):
    event = await new_event(store, capacity=capacity)
    for user in range(1, count + 1):
        await store.join(1, event.id, user, name.format(user))
    return event


async def ask_until_kept(store, event_id: int, users) -> None:
    """Members ask, one after another, until the event's membership is read whole (a
    load dropped before it paid raises the bar for the next: not in these tests)."""
    store._members.thresholds.clear()
    for user in users:
        await store.run(store.registrations.member_rsvp, 1, event_id, user)
        if store._members_read is not None:
            await store._members_read
            break
    assert event_id in store._members.kept


async def another_commits_as_it_begins(store, other: sqlite3.Connection, statement: str,
                                      fn, *args) -> bool:
    """Run `fn` on the database thread while `other`, another connection, commits
    `statement` just as `fn`'s write transaction begins: whether it did."""
    began: list[str] = []

    def commit_first(sql: str) -> None:
        if sql == "BEGIN IMMEDIATE" and not began:
            began.append(sql)
            other.execute(statement)

    conn = store._repos.session.conn  # the database thread's
    await store._thread.call(lambda: conn.set_trace_callback(commit_first))
    try:
        await store.run(fn, *args)
    finally:
        await store._thread.call(lambda: conn.set_trace_callback(None))
    return bool(began)


def test_a_member_is_found_by_id_with_their_seq_time_and_name():
    kept = membership(mark(1), range(10, 20, 2))
    kept.extend([(30, -7, 5, "李彬 🎉".encode())])
    assert kept.find(12) == (12, 1_700_000_012, "m12")
    assert kept.find(30) == (-7, 5, "李彬 🎉")
    assert [kept.find(user) for user in (9, 11, 21, 31)] == [None] * 4
    assert len(kept) == 6


def test_a_membership_holds_across_the_commits_of_this_process_it_knows_and_no_other():
    kept = Memberships()
    kept.loaded(1, membership(mark(5), range(1, 4)))
    assert kept.at(1, mark(5, salt=1)) is not None  # a checkpoint moved the header: no commit
    kept.joined(mark(5), [(1, 9, (4, 0, "new")), (2, 9, (1, 0, "elsewhere"))])  # commit 6
    kept.ledger.add(mark(6))  # commit 7: the database thread's, of something else
    found = kept.at(1, mark(7))
    assert found is not None and found.find(9) == (4, 0, "new") and found.counter == 7
    assert kept.at(1, mark(9)) is None  # commit 8 is nobody's known
    kept.ledger.add(mark(7))  # the database thread's, entered after the header moved
    assert kept.at(1, mark(9)) is None  # 9 still unknown
    kept.ledger.add(mark(8))
    assert kept.at(1, mark(9)) is not None
    kept.joined(mark(9), None)  # a join that promoted: what is kept goes
    assert kept.kept == {}


def test_the_ledger_remembers_the_latest_commits_and_wraps_with_the_counter(monkeypatch):
    monkeypatch.setattr(members_module, "LEDGER", 3)
    ledger = Ledger()
    for before in (0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFF):  # commits 0xFFFFFFFE, 0xFFFFFFFF, 0
        ledger.add(mark(before))
    assert ledger.covers(0xFFFFFFFD, 0)
    assert not ledger.covers(0xFFFFFFFD, 1)
    ledger.add(mark(0))  # commit 1; the oldest makes room
    assert not ledger.covers(0xFFFFFFFD, 1)
    assert ledger.covers(0xFFFFFFFE, 1)
    monkeypatch.setattr(members_module, "SINCE_AT_MOST", 2)
    assert not ledger.covers(0xFFFFFFFE, 1)  # too many to look up


def test_members_added_beside_the_sorted_ones_are_bounded(monkeypatch):
    monkeypatch.setattr(members_module, "ADDED_AT_MOST", 2)
    kept = Memberships()
    kept.loaded(1, membership(mark(1), range(1, 4)))
    for n, user in enumerate((10, 11, 12), start=1):
        kept.joined(mark(n), [(1, user, (user, 0, "m"))])
    assert 1 not in kept.kept  # read again, sorted, when members ask again


@pytest.mark.parametrize(("joins", "kept"), [(2, True), (3, False)])
def test_a_read_overlapped_by_more_joins_than_are_set_aside_is_not_kept(
        monkeypatch, joins, kept):
    monkeypatch.setattr(members_module, "SET_ASIDE_AT_MOST", 2)
    memberships = Memberships()
    for _ in range(LOAD_AFTER):
        asked = memberships.missed(1, mark(5))
    assert asked and memberships.loading == 1
    read = membership(mark(5), range(10, 20))
    for n in range(joins):  # commits 6, 7 (and 8), each the join of a new member
        memberships.joined(mark(5 + n), [(1, 30 + n, (30 + n, 0, "m"))])
    assert memberships.caught_up(read, 5 + joins) is kept
    assert len(read) == (10 + joins if kept else 10)


def test_a_load_is_asked_for_once_enough_members_miss_between_two_commits():
    kept = Memberships()
    assert not any(kept.missed(1, mark(1)) for _ in range(LOAD_AFTER - 1))
    assert not kept.missed(1, mark(2))  # a commit: counted afresh
    assert not any(kept.missed(1, mark(2)) for _ in range(LOAD_AFTER - 2))
    assert kept.missed(1, mark(2)) and kept.loading == 1
    assert not kept.missed(2, mark(2))  # one load at a time
    kept.loaded(1, None)
    assert kept.loading is None


def test_loads_that_do_not_pay_are_asked_for_less_and_less_often():
    kept = Memberships()
    needed = []
    for commit in range(14):
        at = mark(commit)
        assert kept.at(1, at) is None  # the database changed since the last was read
        misses = 1
        while not kept.missed(1, at):
            misses += 1
        needed.append(misses)
        kept.loaded(1, membership(at, range(1, ROWS_PER_ANSWER * 10 + 1)))  # drops the last
        for _ in range(9):  # fewer answers than the rows read are worth
            assert kept.at(1, at) is not None
    # each load dropped unpaid raises the bar for the next (the first had none before it)
    assert needed == [LOAD_AFTER, LOAD_AFTER] + [
        min(LOAD_AFTER << n, MOST_LOAD_AFTER) for n in range(1, 13)]
    assert needed[-1] == MOST_LOAD_AFTER
    kept.loaded(1, membership(mark(99), range(1, ROWS_PER_ANSWER + 1)))
    assert kept.at(1, mark(99)) is not None  # one answer pays for it
    kept.loaded(1, membership(mark(100), range(1, 3)))
    assert 1 not in kept.thresholds
    kept.clear()
    assert kept.thresholds == {} and not any(kept.missed(1, mark(100))
                                             for _ in range(LOAD_AFTER - 1))


def test_the_members_kept_stay_within_their_bound(monkeypatch):
    monkeypatch.setattr(members_module, "KEPT_MEMBERS", 10)
    kept = Memberships()
    kept.loaded(1, membership(mark(1), range(4)))
    kept.loaded(2, membership(mark(1), range(4)))
    kept.loaded(3, membership(mark(1), range(4)))  # the oldest makes room
    assert list(kept.kept) == [2, 3]
    kept.loaded(4, membership(mark(1), range(11)))  # more than are kept: none
    assert 4 not in kept.kept


def test_members_who_joined_since_and_empty_memberships_count_within_the_bound(
        monkeypatch):
    """The bound holds for members joined since a membership was read, and for events
    of no members (each membership costs what a member does, at least)."""
    monkeypatch.setattr(members_module, "KEPT_MEMBERS", 10)
    kept = Memberships()
    kept.loaded(1, membership(mark(1), range(4)))
    kept.loaded(2, membership(mark(1), range(4)))
    for n, user in enumerate(range(10, 16), start=1):
        kept.joined(mark(n), [(2, user, (user, 0, "m"))])
    assert list(kept.kept) == [2]  # the oldest made room
    assert kept.kept[2].find(15) == (15, 0, "m")
    for event_id in range(3, 40):  # events nobody has joined
        kept.loaded(event_id, membership(mark(7), range(0)))
    assert len(kept.kept) <= 10 and kept.total == sum(max(len(m), 1) for m in kept.kept.values())


async def test_an_event_many_members_ask_about_is_answered_from_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_store, "CHUNK", 16)  # several calls on the database thread
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here, await open_store(path) as fresh:
        event = await fill(here, capacity=30, count=70, name="成员 {} 🎉")
        fresh._members = Memberships()  # the other store reads every answer from the file
        await ask_until_kept(here, event.id, range(1, 80))
        statements: list[str] = []
        here._loop_repos.session.conn.set_trace_callback(statements.append)
        asked = range(0, 75)  # members, waitlisted ones, and some who are none
        answers = await members_of(here, event.id, asked)
        assert not any("JOIN rsvps" in sql for sql in statements)
        assert answers == await members_of(fresh, event.id, asked)
        assert [rsvp.position for _, rsvp in answers[31:71]] == list(range(1, 41))
        assert answers[0][1] is None and answers[74][1] is None
        assert answers[5][1].name == "成员 5 🎉" and answers[5][1].status is Status.CONFIRMED


async def test_joins_here_keep_it_and_every_other_commit_is_seen_at_once(tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here, await open_store(path) as there:
        event = await fill(here, capacity=5, count=LOAD_AFTER + 10)
        await ask_until_kept(here, event.id, range(1, LOAD_AFTER + 11))
        statements: list[str] = []
        here._loop_repos.session.conn.set_trace_callback(statements.append)

        # this process's joins, on the event loop's connection: kept, and seen at once
        for user in (500, 501):
            await here.join(1, event.id, user, "late")
        statements.clear()
        _, late = await here.run(here.registrations.member_rsvp, 1, event.id, 501)
        assert (late.status, late.position, late.name) == (
            Status.WAITLISTED, LOAD_AFTER + 7, "late")
        # (the waitlist kept for positions reads the seqs newer than it holds)
        assert not any("JOIN rsvps" in sql for sql in statements)
        assert event.id in here._members.kept

        # another connection's commit: the member who left has no RSVP at once, and
        # the one promoted a seat
        await there.run(there.registrations.cancel, 1, event.id, 1)
        left, promoted = await members_of(here, event.id, (1, 6))
        assert left[1] is None and promoted[1].status is Status.CONFIRMED
        assert here._members.at(event.id, here._commits.mark()) is None

        # another connection's commit followed by a join here, before anyone asks: the
        # join is not the only commit since the membership was read
        await ask_until_kept(here, event.id, range(2, LOAD_AFTER + 11))
        await there.run(there.registrations.cancel, 1, event.id, 4)
        await here.join(1, event.id, 502, "later")
        assert (await members_of(here, event.id, [4]))[0][1] is None

        # the store's own database thread, and SQL in another OS process
        await ask_until_kept(here, event.id, range(2, LOAD_AFTER + 11))
        await here.run(here.registrations.cancel, 1, event.id, 2)
        assert (await members_of(here, event.id, [2]))[0][1] is None
        await ask_until_kept(here, event.id, range(3, LOAD_AFTER + 11))
        await asyncio.to_thread(subprocess.run, [
            sys.executable, "-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1],"
            " isolation_level=None).execute(\"UPDATE rsvps SET display_name = 'renamed'"
            " WHERE user_id = 3\")", str(path)], check=True)
        assert (await members_of(here, event.id, [3]))[0][1].name == "renamed"


async def test_more_joins_between_two_asks_than_are_looked_up_keep_it(tmp_path, monkeypatch):
    monkeypatch.setattr(members_module, "SINCE_AT_MOST", 2)
    async with await open_store(tmp_path / "db.sqlite3") as store:
        event = await fill(store, capacity=5, count=LOAD_AFTER + 10)
        await ask_until_kept(store, event.id, range(1, LOAD_AFTER + 11))
        for user in range(600, 610):  # ten commits
            await store.join(1, event.id, user, "late")
        statements: list[str] = []
        store._loop_repos.session.conn.set_trace_callback(statements.append)
        answers = await members_of(store, event.id, [1, 600, 609])
        assert not any("JOIN rsvps" in sql for sql in statements)
        assert [rsvp.position for _, rsvp in answers] == [None, LOAD_AFTER + 6, LOAD_AFTER + 15]


async def test_a_join_finds_who_has_joined_already_in_the_membership_kept(tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here:
        event = await fill(here, capacity=5, count=LOAD_AFTER + 10)
        await ask_until_kept(here, event.id, range(1, LOAD_AFTER + 11))
        statements: list[str] = []
        here._loop_repos.session.conn.set_trace_callback(statements.append)
        joined = [(await here.join(1, event.id, user, "again")).result
                  for user in (2, 9, 700)]  # a seat, a waitlist place, nobody yet
        assert [(r.outcome, r.position) for r in joined] == [
            (JoinOutcome.ALREADY_CONFIRMED, None), (JoinOutcome.ALREADY_WAITLISTED, 4),
            (JoinOutcome.WAITLISTED, LOAD_AFTER + 6)]
        assert not any("SELECT status, seq FROM rsvps WHERE event_id" in sql
                       for sql in statements)

        # another process took member 3's RSVP: the membership is not the table now
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("DELETE FROM rsvps WHERE user_id = 3")
        other.close()
        statements.clear()
        again = (await here.join(1, event.id, 3, "back")).result
        assert again.outcome is JoinOutcome.WAITLISTED
        assert any("SELECT status, seq FROM rsvps WHERE event_id" in sql for sql in statements)


async def test_what_joins_keep_of_their_event_outlasts_the_bots_writes_of_other_things(
        tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here:
        event = await new_event(here, capacity=3)
        await here.join(1, event.id, 1, "m")
        statements: list[str] = []
        here._loop_repos.session.conn.set_trace_callback(statements.append)
        seen = SeenLocale("zh-CN", datetime.now(UTC))
        await here.run(here.settings.record_member_locales, {1: seen})  # a commit
        await here.join(1, event.id, 2, "m")
        assert not any("FROM events WHERE id IN" in sql for sql in statements)

        # another connection's commit, as the bot writes something else: read again
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        began = await another_commits_as_it_begins(
            here, other, "UPDATE events SET capacity = 2",
            here.settings.record_member_locales, {2: seen})
        other.close()
        statements.clear()
        third = (await here.join(1, event.id, 3, "m")).result
        assert began and any("FROM events WHERE id IN" in sql for sql in statements)
        assert (third.outcome, third.position) == (JoinOutcome.WAITLISTED, 1)


async def test_the_bots_writes_of_other_things_keep_it_and_anothers_meanwhile_do_not(
        tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here:
        event = await fill(here, capacity=50, count=LOAD_AFTER + 10)
        await ask_until_kept(here, event.id, range(1, LOAD_AFTER + 11))
        seen = SeenLocale("zh-CN", datetime.now(UTC))
        await here.run(here.settings.record_member_locales, {5: seen})  # a commit
        statements: list[str] = []
        here._loop_repos.session.conn.set_trace_callback(statements.append)
        assert (await members_of(here, event.id, [5]))[0][1].status is Status.CONFIRMED
        assert not any("JOIN rsvps" in sql for sql in statements)

        # another connection commits as such a write begins: not to be taken for it
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        began = await another_commits_as_it_begins(
            here, other, "DELETE FROM rsvps WHERE user_id = 7",
            here.settings.record_member_locales, {6: seen})
        assert began and (await members_of(here, event.id, [7]))[0][1] is None

        # such a write that changed nothing commits nothing: the next commit is another's
        await ask_until_kept(here, event.id, range(8, LOAD_AFTER + 11))
        await here.run(here.settings.record_member_locales, {6: seen})  # as it is
        other.execute("DELETE FROM rsvps WHERE user_id = 8")
        other.close()
        assert (await members_of(here, event.id, [8]))[0][1] is None


@pytest.mark.parametrize("before_it_looks", [False, True])
async def test_a_write_that_leaves_every_row_as_it_was_is_not_taken_for_a_commit(
        tmp_path, before_it_looks):
    """A row updated to what it held counts as changed, yet SQLite writes no page for it
    and the commit moves no counter: the next commit, another's, is not the bot's, whether
    it comes after the write or between its COMMIT and its look at the header."""
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here:
        event = await fill(here, capacity=50, count=LOAD_AFTER + 10)
        seen = SeenLocale("zh-CN", datetime.now(UTC))
        await here.run(here.settings.record_member_locales, {5: seen})
        await ask_until_kept(here, event.id, range(1, LOAD_AFTER + 11))
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

        def another_commits() -> None:
            other.execute("DELETE FROM rsvps WHERE user_id = 9")

        if before_it_looks:
            looks = commit_before_it_looks(here._repos.session, another_commits)
        # the sight refreshed as it is: one row "changed", nothing written
        assert await here.run(here.settings.record_member_locales, {5: seen}, -1.0) == 1
        if before_it_looks:
            assert len(looks) == 2
        else:
            another_commits()
        other.close()
        assert (await members_of(here, event.id, [9]))[0][1] is None


def commit_before_it_looks(session, commit) -> list[int]:
    """Make `commit` run right after the database thread's next COMMIT, before the
    transaction reads the header to learn the counter its commit took (its second look);
    the list returned counts the looks."""
    header = session.header
    looks: list[int] = []

    def look() -> bytes | None:
        looks.append(1)
        if len(looks) == 2:
            commit()
        return header()

    session.header = look
    return looks


async def test_the_bots_write_is_its_own_though_a_join_here_commits_before_it_looks(
        tmp_path):
    """While members join a busy event, the event loop's joins commit right after the
    database thread's writes (a member's locale): each is still entered by the counter it
    took, and the membership kept holds across both."""
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here:
        event = await fill(here, capacity=LOAD_AFTER + 5, count=LOAD_AFTER + 2)
        await ask_until_kept(here, event.id, range(1, LOAD_AFTER + 3))
        committed, joined = threading.Event(), threading.Event()

        def join_here_meanwhile() -> None:  # on the database thread, its COMMIT done
            committed.set()
            assert joined.wait(10)

        looks = commit_before_it_looks(here._repos.session, join_here_meanwhile)
        seen = SeenLocale("zh-CN", datetime.now(UTC))
        writing = asyncio.ensure_future(
            here.run(here.settings.record_member_locales, {5: seen}))
        assert await asyncio.to_thread(committed.wait, 10)
        await here.join(1, event.id, 900, "late")  # on the event loop's connection
        joined.set()
        await writing
        assert len(looks) == 2
        statements: list[str] = []
        here._loop_repos.session.conn.set_trace_callback(statements.append)
        answers = await members_of(here, event.id, [5, 900])
        assert not any("JOIN rsvps" in sql for sql in statements)
        assert [(rsvp.status, rsvp.name) for _, rsvp in answers] == [
            (Status.CONFIRMED, "Member 5"), (Status.CONFIRMED, "late")]


async def test_a_write_whose_stamp_fails_is_undone_whole_and_the_next_goes_on(
        tmp_path, monkeypatch):
    async with await open_store(tmp_path / "db.sqlite3") as store:
        seen = SeenLocale("zh-CN", datetime.now(UTC))
        monkeypatch.setattr(sqlite_session, "COMMIT_STAMP", "INSERT INTO no_such_table VALUES (1)")
        with pytest.raises(sqlite3.OperationalError):
            await store.run(store.settings.record_member_locales, {5: seen})
        monkeypatch.undo()
        assert await store.run(store.settings.member_locales, [5]) == {}
        await store.run(store.settings.record_member_locales, {6: seen})
        assert (await store.run(store.settings.member_locales, [6]))[6].locale == "zh-CN"


async def test_a_write_whose_stamp_the_file_refuses_is_still_made(tmp_path):
    """The stamp's page is damaged: the bot's write of its own rows is still made (in no
    ledger: what is kept of memberships is read again), and the connection is ready for
    the next."""
    path = tmp_path / "db.sqlite3"
    async with await open_store(path) as store:
        event = await fill(store, capacity=50, count=LOAD_AFTER + 10)
        await ask_until_kept(store, event.id, range(1, LOAD_AFTER + 11))
        beside_the_bot(path, "INSERT OR REPLACE INTO meta (key, value) VALUES ('other', 1)")
        good = damage_unseen(path, "meta")
        seen = SeenLocale("zh-CN", datetime.now(UTC))
        await store.run(store.settings.record_member_locales, {7: seen})
        assert not await store._thread.call(lambda: store._repos.session.conn.in_transaction)
        assert (await store.run(store.settings.member_locales, [7]))[7].locale == "zh-CN"
        damage_unseen(path, "meta", good)  # mended, and read afresh after another's commit
        beside_the_bot(path, "INSERT OR REPLACE INTO meta (key, value) VALUES ('other', 2)")
        await store.run(store.settings.record_member_locales, {8: seen})
        assert await store.run(store.settings.get_meta, "commit_stamp") is not None
        assert (await members_of(store, event.id, [7]))[0][1].status is Status.CONFIRMED


async def test_a_membership_read_while_members_join_here_is_kept_with_them(
        tmp_path, monkeypatch):
    """Members keep joining a busy event while its membership is read, chunk by chunk:
    their joins on the event loop, and one the database thread commits (the database was
    busy for the loop's), are added to what was read, each once, whether or not a chunk
    read after it held them too."""
    monkeypatch.setattr(sqlite_store, "CHUNK", 8)
    async with await open_store(tmp_path / "db.sqlite3") as here:
        event = await new_event(here, capacity=LOAD_AFTER + 100)
        users = range(100, 100 + 2 * (LOAD_AFTER + 20), 2)
        for user in users:
            await here.join(1, event.id, user, f"Member {user}")
        registrations = here._repos.registrations
        read_members = registrations.read_members
        first_read, joined = threading.Event(), threading.Event()

        def joins_after_the_first_chunk(membership, event_id, count):
            if len(membership.users) == count:
                first_read.set()
                assert joined.wait(10)
            return read_members(membership, event_id, count)

        monkeypatch.setattr(registrations, "read_members", joins_after_the_first_chunk)
        for user in users[:LOAD_AFTER]:
            await here.run(here.registrations.member_rsvp, 1, event.id, user)
        reading = here._members_read
        assert reading is not None and await asyncio.to_thread(first_read.wait, 10)
        # among the members read already (5, 101) and among those still to be (151, 5000)
        for user in (5, 101, 151, 5000):
            await here.join(1, event.id, user, f"Late {user}")
        joined.set()
        await reading
        # a join on the database thread, once the read is kept
        await here._join_on_thread([(1, event.id, 6000, "Later")], time.monotonic())
        statements: list[str] = []
        here._loop_repos.session.conn.set_trace_callback(statements.append)
        kept = here._members.kept[event.id]
        answers = await members_of(here, event.id, [5, 101, 151, 5000, 6000, 100, 7])
        assert not any("JOIN rsvps" in sql for sql in statements)
        assert len(kept) == LOAD_AFTER + 25
        assert [rsvp and (rsvp.status, rsvp.name) for _, rsvp in answers] == [
            (Status.CONFIRMED, "Late 5"), (Status.CONFIRMED, "Late 101"),
            (Status.CONFIRMED, "Late 151"), (Status.CONFIRMED, "Late 5000"),
            (Status.CONFIRMED, "Later"), (Status.CONFIRMED, "Member 100"), None]


async def test_a_join_undone_before_the_read_began_is_not_added_back(tmp_path, monkeypatch):
    """A join on the event loop commits after the read was asked for but before it began,
    and another connection deletes that RSVP before it began too: the chunks rightly lack
    the member, who is not added back from the joins set aside."""
    monkeypatch.setattr(sqlite_store, "CHUNK", 4)
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here:
        event = await fill(here, capacity=LOAD_AFTER + 50, count=LOAD_AFTER + 10)
        other = sqlite3.connect(path, isolation_level=None)

        async def join_then_undone() -> None:
            await here.join(1, event.id, 9000, "late")
            other.execute("DELETE FROM rsvps WHERE user_id = 9000")

        for user in range(1, LOAD_AFTER):  # one short of a read
            await here.run(here.registrations.member_rsvp, 1, event.id, user)
        joining = asyncio.ensure_future(join_then_undone())
        await asyncio.sleep(0)  # its join is asked for, in the turn the read is
        await here.run(here.registrations.member_rsvp, 1, event.id, LOAD_AFTER)
        reading = here._members_read
        assert reading is not None
        await joining
        await reading
        other.close()
        assert event.id in here._members.kept
        assert (await members_of(here, event.id, [9000]))[0][1] is None


async def test_a_join_the_thread_committed_before_the_read_began_is_not_added_back(
        tmp_path, monkeypatch):
    """A join committed on the database thread and undone by another connection, both
    before the read began, reaches the event loop only after: not added back either."""
    monkeypatch.setattr(sqlite_store, "CHUNK", 4)
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here:
        event = await fill(here, capacity=LOAD_AFTER + 50, count=LOAD_AFTER + 10)
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        registrations = here._repos.registrations
        join_batch = registrations.join_batch
        undone = threading.Event()

        def join_then_undone(batch):  # on the database thread
            results = join_batch(batch)
            other.execute("DELETE FROM rsvps WHERE user_id = 9001")
            undone.set()
            return results

        monkeypatch.setattr(registrations, "join_batch", join_then_undone)
        joining = asyncio.ensure_future(
            here._join_on_thread([(1, event.id, 9001, "late")], time.monotonic()))
        await asyncio.sleep(0)  # handed to the database thread
        assert undone.wait(10)  # the event loop held here: the join is not learnt yet
        for user in range(1, LOAD_AFTER + 1):
            await here.run(here.registrations.member_rsvp, 1, event.id, user)
        reading = here._members_read
        assert reading is not None and not joining.done()
        await joining
        await reading
        other.close()
        assert event.id in here._members.kept
        assert (await members_of(here, event.id, [9001]))[0][1] is None


async def test_a_membership_read_while_someone_commits_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_store, "CHUNK", 8)
    path = tmp_path / "shared.sqlite3"
    async with await open_store(path) as here:
        event = await fill(here, capacity=50, count=LOAD_AFTER + 20)
        registrations = here._repos.registrations
        read_members = registrations.read_members
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

        def commit_between_chunks(membership, event_id, count):
            if len(membership.users) == count:  # after the first chunk
                other.execute("DELETE FROM rsvps WHERE user_id = 1")
            return read_members(membership, event_id, count)

        monkeypatch.setattr(registrations, "read_members", commit_between_chunks)
        for user in range(2, LOAD_AFTER + 2):
            await here.run(here.registrations.member_rsvp, 1, event.id, user)
        await here._members_read
        other.close()
        assert event.id not in here._members.kept
        assert (await members_of(here, event.id, [1]))[0][1] is None


async def test_an_event_with_more_members_than_are_kept_is_read_as_before(
        store, monkeypatch):
    monkeypatch.setattr(sqlite_store, "KEPT_MEMBERS", LOAD_AFTER)
    event = await fill(store, capacity=50, count=LOAD_AFTER + 1)
    answers = await members_of(store, event.id, range(1, LOAD_AFTER + 2))
    if store._members_read is not None:
        await store._members_read
    assert store._members.kept == {} and all(rsvp is not None for _, rsvp in answers)


async def test_closing_the_store_while_a_membership_is_read_stops_the_read(
        tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_store, "CHUNK", 1)
    store = await open_store(tmp_path / "db.sqlite3")
    event = await fill(store, capacity=500, count=LOAD_AFTER + 200)
    for user in range(1, LOAD_AFTER + 1):
        await store.run(store.registrations.member_rsvp, 1, event.id, user)
    reading = store._members_read
    assert reading is not None and not reading.done()
    await store.close()
    assert reading.done() and store._members.kept == {}


async def test_a_membership_read_across_a_refused_read_is_not_kept(
        tmp_path, monkeypatch, caplog):
    """A read refused for damage makes both connections forget what they read, and what
    the store keeps of it: a membership whose chunks were read from pages kept from
    before, and which ends after that, is no more the file's than they are. Kept, it
    would answer a member the file refuses, and the log say the file reads again."""
    monkeypatch.setattr(sqlite_store, "CHUNK", LOAD_AFTER)  # two calls on the thread
    path = tmp_path / "bot.sqlite3"
    caplog.set_level(logging.WARNING)
    async with await open_store(path) as store:
        event = await fill(store, capacity=500, count=LOAD_AFTER + 30)
        beside_the_bot(path)  # every page in the file, each connection to read it afresh
        registrations = store._repos.registrations
        read_members = registrations.read_members
        last_chunk, refused = threading.Event(), threading.Event()

        def held_before_the_last(membership, event_id, count):
            if membership.users:
                last_chunk.set()
                refused.wait(10)
            return read_members(membership, event_id, count)

        monkeypatch.setattr(registrations, "read_members", held_before_the_last)
        store._members.thresholds.clear()
        for user in range(1, LOAD_AFTER + 1):
            await store.run(store.registrations.member_rsvp, 1, event.id, user)
        reading = store._members_read
        assert reading is not None
        await asyncio.to_thread(last_chunk.wait, 10)
        damage_unseen(path, "people")  # read by nobody yet
        damage_unseen(path, "rsvps")
        with pytest.raises(DatabaseUnreadable):  # both connections forget their pages
            await store.run(store.events.get_event, 1, event.id)
        with pytest.raises(DatabaseUnreadable):
            await store.run(store.registrations.member_rsvp, 1, event.id, 1)
        refused.set()
        await reading
        assert event.id not in store._members.kept
        with pytest.raises(DatabaseUnreadable):
            await store.run(store.registrations.member_rsvp, 1, event.id, 1)
        assert (said(caplog, DAMAGED), said(caplog, READ_AGAIN)) == (1, 0)
