"""Which SQLite errors mean "busy, try on the database thread", which waits for it."""

from __future__ import annotations

import sqlite3

import pytest

from bot.storage.sqlite.session import is_busy

SQLITE_BUSY_RECOVERY = 5 | (1 << 8)  # another connection is recovering the WAL
SQLITE_LOCKED_SHAREDCACHE = 6 | (1 << 8)
SQLITE_IOERR_SHORT_READ = 10 | (2 << 8)


def error(code: int | None) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("database error")
    if code is not None:
        exc.sqlite_errorcode = code  # as sqlite3 sets it: the extended code
    return exc


@pytest.mark.parametrize("code", [sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED,
                                  SQLITE_BUSY_RECOVERY, SQLITE_LOCKED_SHAREDCACHE])
def test_busy_and_locked_count_under_any_extended_code(code):
    assert is_busy(error(code))


@pytest.mark.parametrize("code", [None, sqlite3.SQLITE_IOERR, SQLITE_IOERR_SHORT_READ,
                                  sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_READONLY])
def test_other_errors_are_not_busy(code):
    assert not is_busy(error(code))
