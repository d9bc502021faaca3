"""`/event speakers`' pager takes its dead buttons away with a token that still works."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from bot.adapters.held import Held
from bot.i18n import language
from bot.models import Event
from bot.pages import Person
from cogs.events import PAGER_PREFIX, pages_expired, speakers_reply


class Asked:
    """The parts of an interaction the pager uses: who, its response, its token's edits,
    and a store that has `event` as it is."""

    def __init__(self, user_id: int, event: Event | None = None) -> None:
        self.user = SimpleNamespace(id=user_id)
        self.client = SimpleNamespace(store=SimpleNamespace(
            run=self._run, events=SimpleNamespace(get_event=lambda guild_id, event_id: event)))
        self.response = SimpleNamespace(edit_message=self._answered)
        self.edits: list[dict] = []

    async def _answered(self, **_: object) -> None:
        pass

    @staticmethod
    async def _run(read, *args):
        return read(*args)

    async def edit_original_response(self, **fields: object) -> None:
        self.edits.append(fields)


def panel(people: int) -> Event:
    return Event(
        id=1, guild_id=1, slug="panel", title="Panel", venue=None, link=None,
        starts_at=datetime(2030, 5, 1, 18, tzinfo=UTC), ends_at=None, capacity=10, confirmed=0,
        waitlisted=0, registration_open=True, closed_reason=None, description="About.",
        recap_summary="", language=None, translation=None, off_the_record=False,
        access_notes=(), has_recap=False, people=tuple(
            Person(f"Speaker {n}", "speaker", "A bio. " * 200) for n in range(people)),
        takeaways=(), all_day=False, archived=False)


async def test_the_pager_times_out_through_the_last_click_whose_token_still_lives():
    # Each click restarts the pager's 14 minutes, while the command's token dies 15
    # minutes after the command: the last click's token is the one still alive.
    event = panel(12)
    _, pager = speakers_reply(language("en-US"), event, 7, Held(PAGER_PREFIX, pages_expired))
    assert pager is not None and len(pager.pages) > 2
    command, first, second = Asked(7), Asked(7, event), Asked(7, event)
    pager.latest = command
    await pager.on_next(first)
    await pager.on_next(second)
    await pager.on_timeout()
    assert (command.edits, first.edits, second.edits) == ([], [], [{"view": None}])
