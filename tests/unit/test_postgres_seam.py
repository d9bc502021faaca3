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
