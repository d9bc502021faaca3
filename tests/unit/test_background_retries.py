"""Background work that meets a known state of the database (busy, away, refusing the
bot's login) says so once while it lasts, as a warning: the store explained the state
where it began. Each retry an error of its own filled the log while PostgreSQL was away."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from bot.adapters import announcement_edits
from bot.adapters.announcement_edits import AnnouncementEdits
from bot.adapters.languages import MemberLocales
from bot.errors import DatabaseBusy


class Refusing:
    """A store that refuses every call as busy, `refusals` times, then answers `answer`."""

    def __init__(self, refusals: int, answer: object = None) -> None:
        self.refusals = refusals
        self.answer = answer
        self.settings = SimpleNamespace(record_member_locales=None)

    async def run(self, *_: object) -> object:
        if self.refusals:
            self.refusals -= 1
            raise DatabaseBusy()
        return self.answer


def levels(caplog, logger: str) -> list[int]:
    return [r.levelno for r in caplog.records if r.name == logger]


async def test_members_languages_not_written_meanwhile_are_one_warning(caplog):
    store = Refusing(3, answer=0)
    locales = MemberLocales(store)
    for user_id in range(4):
        locales.seen(user_id, "en-GB")
        await locales.flush()
    assert levels(caplog, "bot.adapters.languages") == [logging.WARNING]
    assert store.refusals == 0


async def test_an_announcement_refresh_retried_meanwhile_is_one_warning(caplog, monkeypatch):
    monkeypatch.setattr(announcement_edits, "RETRY_FIRST", 0.0)
    monkeypatch.setattr(announcement_edits, "EDIT_INTERVAL", 0.0)
    edits = AnnouncementEdits(SimpleNamespace())
    store = Refusing(3, answer=True)
    edits._refresh = lambda guild_id, event_id: store.run()  # the event's read, refused
    edits.registration_changed(1, 2)
    await edits._editors[(1, 2)]
    assert levels(caplog, "bot.adapters.announcement_edits") == [logging.WARNING]
    assert store.refusals == 0
