"""The PostgreSQL repositories are typed as the storage protocols through a cast: these
checks make sure the cast hides no drift between them."""

from __future__ import annotations

import inspect

import pytest

from bot.storage import protocol
from bot.storage.postgres import migrations as pg_migrations
from bot.storage.postgres.events import PostgresEvents
from bot.storage.postgres.migrate import PostgresMigrator
from bot.storage.postgres.outbox import PostgresOutbox
from bot.storage.postgres.registrations import PostgresRegistrations
from bot.storage.postgres.reminders import PostgresReminders
from bot.storage.postgres.search import PostgresSearch
from bot.storage.postgres.settings import PostgresSettings
from bot.storage.sqlite import migrations as sqlite_migrations

IMPLEMENTATIONS = [
    (protocol.Events, PostgresEvents), (protocol.Search, PostgresSearch),
    (protocol.Registrations, PostgresRegistrations), (protocol.Notices, PostgresOutbox),
    (protocol.GuildSettings, PostgresSettings), (protocol.Reminders, PostgresReminders),
    (protocol.Schema, PostgresMigrator),
]


def protocol_methods(proto: type) -> list[str]:
    return [name for name, value in vars(proto).items()
            if inspect.isfunction(value) and not name.startswith("_")]


def shape(fn) -> list[tuple[str, inspect._ParameterKind, object]]:
    """Each parameter's name, kind and default (annotations differ: async vs sync)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize(("proto", "implementation"), IMPLEMENTATIONS,
                         ids=[p.__name__ for p, _ in IMPLEMENTATIONS])
def test_each_protocol_method_has_an_async_twin_with_the_same_parameters(proto,
                                                                         implementation):
    methods = protocol_methods(proto)
    assert methods
    for name in methods:
        mine = getattr(implementation, name, None)
        assert mine is not None, f"{implementation.__name__} lacks {name}"
        assert inspect.iscoroutinefunction(mine), f"{implementation.__name__}.{name}"
        assert shape(mine) == shape(getattr(proto, name)), f"{implementation.__name__}.{name}"


def test_both_backends_reach_the_same_schema_version():
    assert pg_migrations.SCHEMA_VERSION == sqlite_migrations.SCHEMA_VERSION


def test_migrate_db_copies_every_table_and_column_sqlite_has():
    """A table or column added to SQLite's schema and left out of `copy.TABLES` would be
    lost by `migrate-db` without a word. Left out on purpose: the search index, which the
    copy rebuilds, `outbox.claim_token`, which SQLite leaves empty, the servers' events
    versions, which the target's triggers count as the events are copied in, and the events
    of a purge under way, whose rows are not copied."""
    import sqlite3

    from bot.storage.postgres.copy import TABLES

    db = sqlite3.connect(":memory:")
    for script in sqlite_migrations.MIGRATIONS:
        db.executescript(script)
    schema = {table: {column for _, column, *_ in db.execute(f"PRAGMA table_info({table})")}
              for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                         " AND name NOT LIKE 'passages%'"
                                         " AND name != 'sqlite_sequence'")}
    copied = {table: set(columns) for table, columns, _ in TABLES}
    schema["outbox"].discard("claim_token")
    # an event's long texts, beside its row in SQLite, are in it in PostgreSQL
    schema["events"] |= schema.pop("event_texts") - {"event_id"}
    del schema["event_versions"]
    del schema["purged_events"]
    assert copied == schema
