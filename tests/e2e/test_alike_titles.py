"""Events whose titles read the same (written in other Unicode forms, or with an
invisible character between their letters) are told apart where members pick them: the
`[event]` option's choices. Through the real bot process and the local Discord."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import OPEN_ANNOUNCEMENT

pytestmark = pytest.mark.asyncio(loop_scope="module")


def as_read(name: str) -> str:
    """A choice's name as a member sees it: composed, without invisible characters."""
    return "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch) != "Cf")


async def test_titles_that_read_the_same_get_choices_that_do_not(world, fake):
    day = (datetime.now(UTC) + timedelta(days=3)).replace(hour=18, minute=0, microsecond=0)
    titles = ["Caf\u00e9 Forum", "Cafe\u0301 Forum",  # composed, decomposed
              "Town Hall", "Town\u200b Hall"]  # a zero-width space in the second
    ids = []
    for n, title in enumerate(titles):
        ids.append(await world.import_event(
            title, capacity=5, page=f"Alike {n}\n\n".encode() + OPEN_ANNOUNCEMENT,
            starts_at=(day + timedelta(minutes=n)).isoformat()))
    member = world.member("picker")
    for typed, pair in (("forum", ids[:2]), ("hall", ids[2:])):
        choices = await fake.autocomplete(world.guild, member, "rsvp join", focused="event",
                                          event=typed)
        offered = {int(c["value"]): c["name"] for c in choices}
        assert set(pair) <= set(offered), choices
        first, second = (as_read(offered[event_id]) for event_id in pair)
        assert first != second, choices
