"""All the SQLite repositories of one connection, wired to each other."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime

from bot.storage.sqlite.content import SqliteContent
from bot.storage.sqlite.events import SqliteEvents
from bot.storage.sqlite.migrate import Migrator
from bot.storage.sqlite.outbox import SqliteOutbox
from bot.storage.sqlite.registrations import SqliteRegistrations
from bot.storage.sqlite.reminders import SqliteReminders
from bot.storage.sqlite.search import SqliteSearch
from bot.storage.sqlite.session import Session, utcnow
from bot.storage.sqlite.settings import SqliteSettings


class SqliteRepositories:
    """Use from one thread at a time: the connection's (see `SqliteStore.run`)."""

    def __init__(self, conn: sqlite3.Connection, clock: Callable[[], datetime] = utcnow,
                 trusted: Callable[[], datetime] | None = None) -> None:
        self.session = Session(conn, clock, trusted)
        self.notices = SqliteOutbox(self.session)
        self.search = SqliteSearch(self.session)
        self.registrations = SqliteRegistrations(self.session, self.notices)
        self.content = SqliteContent(self.session, self.notices, self.search)
        self.settings = SqliteSettings(self.session, self.search, self.registrations)
        self.events = SqliteEvents(self.session, self.registrations, self.notices, self.search,
                                   self.content, self.settings)
        self.reminders = SqliteReminders(self.session, self.registrations)
        self.schema = Migrator(self.session)

    def forget(self) -> None:
        """Drop what this connection keeps of what it read (SQLite's pages, the copies of
        waitlists and of joins' events), so that what it reads next is read from the file."""
        self.session.forget()
        self.registrations.forget()

    def migrate(self, stopping: threading.Event | None = None) -> None:
        """Bring the schema up to date (`Migrator.migrate`; `stopping` ends a wait)."""
        self.schema.migrate(self.content, self.search, self.settings, stopping)
