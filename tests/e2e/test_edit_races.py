"""Two moderators' /manage edit forms for one event, through the real bot process: the
second submitted never writes back what its form showed over the first one's change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

CALLBACK = r"^/interactions/\d+/[^/]+/callback$"


def saved(world, event_id: int) -> tuple:
    [row] = world.query("SELECT title, venue, starts_at FROM events WHERE id = ?", (event_id,))
    return row


async def test_a_form_opened_before_another_moderators_edit_keeps_that_edit(world, fake):
    """Both forms opened on the event as it was; the first renames it, the second, sent
    after, changes only the venue: the rename stays, and the second's reply shows it."""
    event_id = await world.import_event("Two Forms Forum", capacity=5, venue="Hall A",
                                        starts_at="2037-11-01T18:00:00+00:00")
    other = world.member("renaming moderator", manage_events=True)
    first = await fake.slash(world.guild, other, "manage edit", event=str(event_id))
    second = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    renamed = await fake.submit_modal(first, {"title": "Two Forms Forum, Renamed"})
    assert renamed.ephemeral and "Updated **Two Forms Forum, Renamed**" in renamed.content
    moved = await fake.submit_modal(second, {"venue": "Hall B"})
    assert moved.ephemeral, moved
    assert "Updated **Two Forms Forum, Renamed**" in moved.content, moved.content
    assert "Where: Hall B" in moved.content, moved.content
    assert saved(world, event_id)[:2] == ("Two Forms Forum, Renamed", "Hall B")


async def test_an_edit_saved_while_anothers_submission_is_being_read_is_not_written_over(
        world, fake):
    """The second moderator's submission has read the event when Discord holds its
    acknowledgement; meanwhile the first moderator's edit is saved. The second's save,
    made from what it read, is refused by the store, read again and saved on the event as
    it is now: the first one's new title and start stay, with the second's venue."""
    event_id = await world.import_event("Raced Forms Forum", capacity=5, venue="Hall A",
                                        starts_at="2037-11-02T18:00:00+00:00")
    other = world.member("racing moderator", manage_events=True)
    first = await fake.slash(world.guild, other, "manage edit", event=str(event_id))
    second = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    fake.hold("POST", CALLBACK, 1.5)  # the second submission's deferral, answered late
    since = len(fake.requests)
    moving = asyncio.create_task(fake.submit_modal(second, {"venue": "Hall C"}, timeout=15))
    while not any(r.method == "POST" and "/callback" in r.path
                  for r in fake.requests[since:]):
        await asyncio.sleep(0.02)  # the second has read the event and is acknowledging
    renamed = await fake.submit_modal(first, {"title": "Raced Forms Forum, Renamed",
                                              "start": "2037-11-09 18:00"})
    assert "Updated **Raced Forms Forum, Renamed**" in renamed.content, renamed.content
    assert saved(world, event_id)[:2] == ("Raced Forms Forum, Renamed", "Hall A")
    moved = await moving
    assert moved.ephemeral, moved
    assert "Updated **Raced Forms Forum, Renamed**" in moved.content, moved.content
    assert "Where: Hall C" in moved.content, moved.content
    title, venue, starts_at = saved(world, event_id)
    assert (title, venue) == ("Raced Forms Forum, Renamed", "Hall C")
    assert datetime.fromtimestamp(starts_at, UTC) == datetime(2037, 11, 9, 18, tzinfo=UTC)


async def test_the_bot_logged_no_unexpected_error(world):
    output = world.bot.output()
    assert "Traceback" not in output and "ERROR" not in output, output[-3000:]
