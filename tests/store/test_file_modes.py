"""Who else on the machine may read the database: it holds members' ids, names, RSVPs and
Discord languages, so a file the bot creates is its owner's alone (0600), whatever the
umask, and SQLite gives its -wal and -shm the same mode; a file the operator made
readable to others (a group sharing it) keeps the mode they gave it."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage import open_store
from bot.storage.sqlite.files import backup_as_is
from tests.conftest import new_event

pytestmark = pytest.mark.sqlite_only


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    """The process's umask set to `mask` for the block (the usual 022 of a login)."""
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_database_the_bot_creates_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "data" / "eventbot.sqlite3"
    with umask(0o022):
        store = await open_store(path)
        try:
            event = await new_event(store, capacity=5)
            await store.join(1, event.id, 42, "member")
            files = {p.name: oct(mode(p)) for p in path.parent.iterdir()}
        finally:
            await store.close()
        backup = tmp_path / "copy.sqlite3"
        backup_as_is(path, backup)
    # the database, its write-ahead log and its wal-index, while the store has them open
    assert files == {"eventbot.sqlite3": "0o600", "eventbot.sqlite3-wal": "0o600",
                     "eventbot.sqlite3-shm": "0o600"}, files
    assert oct(mode(backup)) == "0o600"


async def test_a_database_shared_by_its_operator_keeps_its_mode(tmp_path):
    path = tmp_path / "eventbot.sqlite3"
    with umask(0o022):
        store = await open_store(path)
        await store.close()
        os.chmod(path, 0o640)  # the operator lets a group read it
        store = await open_store(path)
        try:
            await new_event(store, capacity=5)
            assert oct(mode(path)) == "0o640"
            assert oct(mode(path.with_name(path.name + "-wal"))) == "0o640"
        finally:
            await store.close()
    assert oct(mode(path)) == "0o640"


async def test_a_database_made_through_a_link_to_no_file_yet_is_its_owners_alone(tmp_path):
    """DATABASE_PATH a symbolic link to where the database is to be (a data volume linked
    in before the first start): SQLite follows it and makes the file there, 0644 under the
    usual umask, where the bot's own creation (O_EXCL) refused the link and left it to
    SQLite."""
    (tmp_path / "volume").mkdir()
    target = tmp_path / "volume" / "eventbot.sqlite3"
    link = tmp_path / "eventbot.sqlite3"
    link.symlink_to(target)
    with umask(0o022):
        store = await open_store(link)
        try:
            await new_event(store, capacity=5)
        finally:
            await store.close()
    assert link.is_symlink() and oct(mode(target)) == "0o600"
