"""The retention's deletions by the wall clock as trusted (`bot.clock`): a step forward of
the host's clock deletes nothing it made due until the clock has kept it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.app import EventBot
from bot.clock import WallClock
from bot.config import load_settings
from bot.errors import DatabaseBusy
from cogs.retention import CHECK_INTERVAL, Retention
from tests.conftest import new_event

DAY = 86400.0
CONFIRM = 3600.0


async def test_a_server_s_data_waits_for_a_step_ahead_to_be_kept_before_it_is_deleted(
        store, tmp_path):
    """Left a moment ago, kept a day: the clock steps two days ahead. The retention looks
    and deletes nothing, and says to look again once the step would be trusted; kept that
    long, the step is trusted and the data deleted. Before, it was deleted at the first
    look, and a clock set right minutes later could not bring it back."""
    wall, steady = [datetime.now(UTC).timestamp()], [100.0]
    bot = EventBot(load_settings({"DATABASE_PATH": str(tmp_path / "unused.sqlite3"),
                                  "GUILD_DATA_RETENTION_DAYS": "1"}, env_file=None), store)
    bot.wall_clock = WallClock(lambda: wall[0], lambda: steady[0], CONFIRM)
    retention = Retention(bot)
    event = await new_event(store, guild_id=3)
    await store.run(store.settings.set_guild_left, 3, datetime.fromtimestamp(wall[0], UTC))
    try:
        wall[0] += 2 * DAY
        assert await retention.purge_due() == CONFIRM
        assert await store.run(store.events.get_event, 3, event.id)
        wall[0] += CONFIRM / 2
        steady[0] += CONFIRM / 2
        assert await retention.purge_due() == CONFIRM / 2
        assert await store.run(store.settings.guilds_left)  # still kept
        wall[0] += CONFIRM / 2
        steady[0] += CONFIRM / 2
        await retention.purge_due()
        assert await store.run(store.settings.guilds_left) == []
        assert not (await store.run(store.events.event_titles, 3)).titles
    finally:
        await bot.close()


async def test_a_busy_database_is_a_warning_said_once_and_a_defect_an_error(
        store, tmp_path, caplog):
    """A look that meets a known state of the database (busy, here) says so as a warning,
    once while it lasts, and looks again after CHECK_INTERVAL; a defect is an error with
    its traceback. Before, each busy look logged an error with a traceback."""
    bot = EventBot(load_settings({"DATABASE_PATH": str(tmp_path / "unused.sqlite3")},
                                 env_file=None), store)
    retention = Retention(bot)
    failure: list[Exception] = [DatabaseBusy()]

    async def failing() -> None:
        raise failure[0]

    retention.note_guilds_gone = failing  # type: ignore[method-assign]
    try:
        with caplog.at_level(logging.WARNING, logger="cogs.retention"):
            assert await retention.look() == CHECK_INTERVAL
            assert await retention.look() == CHECK_INTERVAL
            failure[0] = RuntimeError("a defect")
            assert await retention.look() == CHECK_INTERVAL
        assert [(r.levelno, r.exc_info is not None) for r in caplog.records] == [
            (logging.WARNING, True), (logging.ERROR, True)]
    finally:
        await bot.close()
