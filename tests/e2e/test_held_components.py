"""Forms, questions and pagers the bot holds in memory only, through the real bot: each
answers its own submissions and clicks."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")


def venue_of(world, event_id: int) -> str | None:
    return world.query("SELECT venue FROM events WHERE id = ?", (event_id,))[0][0]


async def test_two_moderators_editing_one_event_each_get_their_own_answer(world, fake):
    event_id = await world.import_event("Twice Edited Forum", capacity=5, venue="Hall 1",
                                        starts_at="2031-05-06T18:00:00+00:00")
    other = world.member("second moderator", manage_events=True)
    first = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    second = await fake.slash(world.guild, other, "manage edit", event=str(event_id))

    # The later form first, then the earlier: each submission is read by its own form.
    done = await fake.submit_modal(second, {"venue": "Room B"})
    assert done.ephemeral and "Updated **Twice Edited Forum**" in done.content, done.content
    assert "Where: Room B" in done.content and venue_of(world, event_id) == "Room B"
    done = await fake.submit_modal(first, {"venue": "Room A"})
    assert done.ephemeral and "Updated **Twice Edited Forum**" in done.content, done.content
    assert "Where: Room A" in done.content and venue_of(world, event_id) == "Room A"
    ids = first.modal["custom_id"], second.modal["custom_id"]
    assert ids[0] != ids[1] and all(i.startswith("eventbot:edit:") and len(i) <= 100
                                    for i in ids), ids
