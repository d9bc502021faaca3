"""The real bot through Discord's gateway realities mid-work: Discord asking for a
reconnect (op 7), invalidating the session (op 9, resumable or not), and an interaction
reaching the bot late while it reconnects. Nothing is answered twice, nothing Discord
delivers is lost, and the log holds no traceback."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.test_reliability import (
    announce,
    exactly_one_capacity_notice,
    join_id,
    reconcile,
    write_lock_taken,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


def no_traceback(world) -> None:
    output = world.bot.output()
    assert "Traceback" not in output, output[-4000:]
    assert world.fake.server_errors == []


async def test_op_7_and_op_9_mid_burst_lose_and_double_nothing(world):
    fake = world.fake
    title = "Reconnected Forum"
    event_id = await world.import_event(title, capacity=40)
    message = await announce(world, event_id, title)
    members = [world.member(f"reconnected{i}") for i in range(150)]
    identified, resumed = fake.identify_count, fake.resume_count
    tasks, asks = [], []
    for wave in range(10):
        tasks += [asyncio.ensure_future(fake.click(world.guild, m, message, join_id(event_id)))
                  for m in members[wave * 15:(wave + 1) * 15]]
        if wave == 2:
            asks.append(asyncio.ensure_future(fake.request_reconnect()))
        if wave == 5:
            await asks[-1]
            asks.append(asyncio.ensure_future(fake.invalidate_session(resumable=True)))
        if wave == 8:
            await asks[-1]
            asks.append(asyncio.ensure_future(fake.invalidate_session(resumable=False)))
        await asyncio.sleep(0.05)
    await asyncio.gather(*asks)
    replies = await asyncio.gather(*tasks, return_exceptions=True)
    assert (fake.resume_count, fake.identify_count) == (resumed + 2, identified + 1)
    figures = await reconcile(world, event_id, members, replies)
    assert figures["confirmed"] == 40
    await exactly_one_capacity_notice(world, title)
    answered = [r for r in fake.requests if r.route and r.route.endswith("/callback")
                and r.status < 300]
    ids = [r.path.split("/")[2] for r in answered]
    assert len(ids) == len(set(ids)), "an interaction was answered twice"
    no_traceback(world)
    print(f"figures: op7/op9 {figures} replayed={fake.replayed_count}")


@pytest.mark.parametrize("how", ["op 7", "op 9 resumable", "op 9 new session"])
async def test_a_moderators_edit_form_survives_a_reconnect_between_open_and_submit(world, how):
    fake = world.fake
    event_id = await world.import_event(f"Form Across {how}", capacity=5)
    form = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    assert form.modal is not None, form
    if how == "op 7":
        await fake.request_reconnect()
    else:
        await fake.invalidate_session(resumable=how == "op 9 resumable")
    [title_input] = [c["custom_id"] for row in form.modal["components"]
                     for c in row.get("components", [row.get("component", {})])
                     if "title" in c.get("custom_id", "")][:1] or [None]
    assert title_input is not None, form.modal
    done = await fake.submit_modal(form, {title_input: f"Renamed Across {how}"})
    assert done.ephemeral and "Updated" in done.content, done.content
    assert world.query("SELECT title FROM events WHERE id = ?", (event_id,)) == [
        (f"Renamed Across {how}",)]
    no_traceback(world)


@pytest.mark.parametrize("how", ["op 7", "op 9 new session"])
async def test_an_announcement_posted_across_a_reconnect_is_posted_once(world, how):
    fake = world.fake
    title = f"Announced Across {how}"
    event_id = await world.import_event(title, capacity=5)
    channel = world.guild.channel("announcements")
    asked = asyncio.ensure_future(fake.slash(world.guild, world.moderator, "manage announce",
                                             event=str(event_id), channel=channel))
    await asyncio.sleep(0)
    if how == "op 7":
        await fake.request_reconnect()
    else:
        await fake.invalidate_session(resumable=False)
    try:
        posted = await asked
        assert "Posted" in posted.content, posted
    except TimeoutError as lost:  # made while the session was gone: Discord loses it too
        assert how == "op 9 new session" and "new one" in str(lost), lost
        posted = await fake.slash(world.guild, world.moderator, "manage announce",
                                  event=str(event_id), channel=channel)
    await asyncio.sleep(1.0)
    mine = [m for m in fake.messages(channel)
            if any(e.get("title") == title for e in m["embeds"])]
    assert len(mine) == 1, mine
    no_traceback(world)


async def test_an_interaction_arriving_late_while_the_bot_resumes_is_deferred_in_time(world):
    """Discord made the interaction, then, 1.9 s on, the bot's socket dropped: it reaches
    the bot after the RESUME, 2 s into its 3 s, while the database is busy. The bot defers it in
    the time left, then answers."""
    fake = world.fake
    event_id = await world.import_event("Late Through Resume", 10)
    member = world.member("late through resume")
    holder = write_lock_taken(world)
    fake.gateway_lag = 2.0
    try:
        asyncio.get_running_loop().call_later(3.5, holder.execute, "COMMIT")
        asked = asyncio.ensure_future(fake.slash(world.guild, member, "rsvp join",
                                                 event=str(event_id), timeout=15))
        await asyncio.sleep(1.9)  # on its way when the socket drops
        resumed = fake.resume_count
        await fake.drop_gateway(resumable=True)
        joined = await asked
        assert fake.resume_count == resumed + 1
    finally:
        fake.gateway_lag = 0.0
        holder.close()
    assert (joined.type, joined.ephemeral) == (5, True), joined
    assert "confirmed" in joined.content, joined
    no_traceback(world)
