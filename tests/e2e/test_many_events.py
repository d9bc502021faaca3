"""A server with many events, through the real bot process and the local Discord: what
the `[event]` option offers and takes when many titles hold what a member types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_event_whose_id_is_typed_is_offered_whatever_titles_hold_it(world, fake):
    """`/event list` shows each event's id: a member typing one is offered that event,
    even when more than a list's worth of titles (a number in each) come before it."""
    now = datetime.now(UTC).replace(microsecond=0)
    old = await world.import_event("Old Forum", capacity=5,
                                   starts_at=(now - timedelta(days=30)).isoformat())
    for n in range(26):  # to come, so listed before the past one, each holding its id
        await world.import_event(f"Panel {old}, part {n}", capacity=5,
                                 starts_at=(now + timedelta(days=3, minutes=n)).isoformat())
    member = world.member("typist")
    choices = await fake.autocomplete(world.guild, member, "event info", focused="event",
                                      event=str(old))
    values = [choice["value"] for choice in choices]
    assert len(values) == 25 and str(old) in values, choices
    # the rest are the first titles holding it, in the list's order
    assert [choice["name"].split(" (")[0] for choice in choices if choice["value"] != str(old)
            ] == [f"Panel {old}, part {n}" for n in range(24)]
