"""Members at an event under way mean that one when they name none: /event info,
/rsvp join and /rsvp status take it before the next to come, and the `[event]` option's
autocomplete offers it first. Through the real bot process and the local Discord."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

HOUR = timedelta(hours=1)


async def test_commands_naming_no_event_take_the_one_under_way(world, fake):
    now = datetime.now(UTC).replace(microsecond=0)
    # Begun without an end: over as it begins (over_at is its start), never under way.
    bare = await world.import_event("Begun Without End", capacity=10,
                                    starts_at=(now - HOUR / 2).isoformat())
    under_way = await world.import_event("Talk Under Way", capacity=10,
                                         starts_at=(now - HOUR).isoformat(),
                                         ends_at=(now + 2 * HOUR).isoformat())
    upcoming = await world.import_event("Talk To Come", capacity=10,
                                        starts_at=(now + 3 * HOUR).isoformat(),
                                        ends_at=(now + 4 * HOUR).isoformat())
    member = world.member("attendee at the talk")

    info = await fake.slash(world.guild, member, "event info")
    assert info.message["embeds"][0]["title"].startswith("Talk Under Way"), info.message

    choices = await fake.autocomplete(world.guild, member, "event info", focused="event")
    assert choices[0]["value"] == str(under_way), choices
    assert choices[1]["value"] == str(upcoming), choices
    assert str(bare) not in [c["value"] for c in choices[:2]]

    joined = await fake.slash(world.guild, member, "rsvp join")
    assert "Talk Under Way" in (joined.content or ""), joined.content
    assert world.query("SELECT event_id FROM rsvps WHERE user_id = ?",
                       (member.id,)) == [(under_way,)]
    status = await fake.slash(world.guild, member, "rsvp status")
    assert "Talk Under Way" in (status.content or ""), status.content
