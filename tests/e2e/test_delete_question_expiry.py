"""The moderator's Delete / Keep question of `/manage delete`, left unanswered until it
expires, through the real bot: its buttons go, it says nothing was deleted, and a late
click (a client still showing the buttons) is told the question expired, deleting
nothing. The question's time is set short through its setting, as an operator would."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUESTION_SECONDS = 3
BOT_ENV = {"DELETE_QUESTION_TIMEOUT": str(QUESTION_SECONDS)}
QUESTION_EXPIRED = "This question has expired; run /manage delete again."


@pytest.mark.parametrize("button", ["go", "keep"])
async def test_an_expired_delete_question_loses_its_buttons_and_a_late_click_deletes_nothing(
        world, fake, button):
    title = f"Unanswered Forum {button}"
    event_id = await world.import_event(title, capacity=5,
                                        starts_at="2031-05-06T18:00:00+00:00")
    member = world.member(f"attendee {button}")
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    before = world.dump()
    started = time.monotonic()
    asked = await fake.slash(world.guild, world.moderator, "manage delete", event=str(event_id))
    assert asked.ephemeral and len(asked.custom_ids()) == 2, asked
    clicked_id = next(c for c in asked.custom_ids() if f":{button}:" in c)
    await asked.wait(lambda r: not r.custom_ids(), timeout=QUESTION_SECONDS + 10)
    expired_after = time.monotonic() - started
    assert QUESTION_SECONDS - 0.5 < expired_after < QUESTION_SECONDS + 3, expired_after
    assert asked.content == f"Nothing was deleted: **{title}** is kept (the question expired)."

    late = await fake.click(world.guild, world.moderator, asked.message, clicked_id,
                            forged=True)  # the moderator's client still shows the button
    assert late.content == QUESTION_EXPIRED and late.ephemeral and not late.custom_ids(), late
    assert world.dump() == before  # the event and its RSVP are still there
    assert world.query("SELECT count(*) FROM events WHERE id = ?", (event_id,)) == [(1,)]
