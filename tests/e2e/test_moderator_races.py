"""Moderators racing members, and each other, through the real bot: whatever order the
steps land in, the seats, the waitlist and their counters stay exact, each promotion is
DMed once, and a step on an event another moderator changed says what happened."""

from __future__ import annotations

import asyncio
import random

import pytest

from sandbox import Attachment
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_button, import_page

pytestmark = pytest.mark.asyncio(loop_scope="module")


def consistent(world, event_id: int) -> tuple[int, int, int]:
    """The event's (capacity, confirmed, waitlisted), checked against its rows: counters
    equal to rows, no seat past the capacity, waitlist positions unique."""
    [(capacity, confirmed, waitlisted, is_open)] = world.query(
        "SELECT capacity, confirmed_count, waitlist_count, registration_open FROM events"
        " WHERE id = ?", (event_id,))
    rows = dict(world.query("SELECT status, count(*) FROM rsvps WHERE event_id = ?"
                            " GROUP BY status", (event_id,)))
    assert (rows.get("confirmed", 0), rows.get("waitlisted", 0)) == (confirmed, waitlisted)
    assert confirmed <= capacity
    if waitlisted:  # nobody waits while a seat is free
        assert confirmed == capacity, (capacity, confirmed, waitlisted, is_open)
    seqs = [s for (s,) in world.query("SELECT seq FROM rsvps WHERE event_id = ?", (event_id,))]
    assert len(seqs) == len(set(seqs))
    return capacity, confirmed, waitlisted


async def announced(world, fake, title: str, capacity: int, page: bytes | None = None):
    event_id = await world.import_event(title, capacity=capacity, page=page,
                                        starts_at="2031-05-06T18:00:00+00:00")
    channel = world.guild.channel("announcements")
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id), channel=channel)
    assert "Posted" in posted.content, posted.content
    message = await fake.wait_message(
        channel, lambda m: any(e.get("title") == title for e in m["embeds"]))
    return event_id, message


async def outbox_empty(world, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while world.query("SELECT count(*) FROM outbox") != [(0,)]:
        assert asyncio.get_running_loop().time() < deadline, "notices left undelivered"
        await asyncio.sleep(0.1)


async def test_moderators_change_seats_while_fifty_members_join_and_cancel(world, fake):
    event_id, message = await announced(world, fake, "Churn Forum", 20)
    members = [world.member(f"churner{i}") for i in range(50)]
    other = world.member("churn moderator", manage_events=True)
    rng = random.Random(4)

    async def member_steps(m):
        said = []
        for step in ("join", "cancel", "join") if rng.random() < 0.5 else ("join",):
            # (forged: a click may come while the close has Join disabled, as from a
            # client that has not yet shown the edit)
            r = await fake.click(world.guild, m, message, f"eventbot:rsvp:{step}:{event_id}",
                                 forged=True)
            said.append(r.content)
            await asyncio.sleep(rng.random() * 0.05)
        return said

    async def moderator_steps():
        out = []
        for who, cmd, opts in ((world.moderator, "manage capacity", {"seats": 5}),
                               (other, "manage close", {}),
                               (world.moderator, "manage capacity", {"seats": 30}),
                               (other, "manage open", {}),
                               (world.moderator, "manage capacity", {"seats": 8})):
            out.append((await fake.slash(world.guild, who, cmd, event=str(event_id),
                                         **opts)).content)
            await asyncio.sleep(0.05)
        return out

    said, *_ = await asyncio.gather(moderator_steps(), *(member_steps(m) for m in members))
    for line in said:  # done, or refused in one line: never half-done
        assert line.startswith(("**Churn Forum** now has", "Registration for **Churn Forum**",
                                "⚠️")) and "went wrong" not in line, line
    await outbox_empty(world)
    consistent(world, event_id)
    for m in members:
        assert len([d for d in fake.dms(m) if "Good news" in d["content"]]) <= 1


async def test_capacity_changes_while_the_waitlist_promotes_dm_each_once_in_order(world,
                                                                                   fake):
    event_id, message = await announced(world, fake, "Promotion Race Forum", 5)
    members = [world.member(f"queued{i}") for i in range(20)]
    for m in members:  # one at a time: the waitlist's order is the members' order
        await fake.click(world.guild, m, message, f"eventbot:rsvp:join:{event_id}")
    other = world.member("promotion moderator", manage_events=True)
    steps = [fake.click(world.guild, m, message, f"eventbot:rsvp:cancel:{event_id}")
             for m in members[:4]]
    steps += [fake.slash(world.guild, world.moderator, "manage capacity", event=str(event_id),
                         seats=9),
              fake.slash(world.guild, other, "manage capacity", event=str(event_id), seats=11),
              fake.slash(world.guild, world.moderator, "manage capacity", event=str(event_id),
                         seats=7)]
    await asyncio.gather(*steps)
    await outbox_empty(world)
    consistent(world, event_id)
    seated = {uid for (uid,) in world.query(
        "SELECT user_id FROM rsvps WHERE event_id = ? AND status = 'confirmed'", (event_id,))}
    promoted = [m for m in members[5:] if m.id in seated]
    assert promoted == members[5:5 + len(promoted)]  # in the waitlist's order
    for m in members[5:]:
        dms = [d["content"] for d in fake.dms(m)]
        assert len(dms) == (1 if m.id in seated else 0), dms


async def test_a_delete_racing_fifty_joins_and_a_second_delete(world, fake):
    """50 Join clicks while one moderator confirms a deletion another moderator was also
    asked about: each member told they have an RSVP gets one cancellation DM, those told
    it was cancelled none; no RSVP row is left; the second Delete says it was already
    deleted; a click on the announcement afterwards says the event was cancelled."""
    title = "Doomed Race Forum"
    event_id, message = await announced(world, fake, title, 10)
    members = [world.member(f"doomed{i}") for i in range(50)]
    other = world.member("deleting moderator", manage_events=True)
    ask_a = await fake.slash(world.guild, world.moderator, "manage delete", event=str(event_id))
    ask_b = await fake.slash(world.guild, other, "manage delete", event=str(event_id))

    async def join(m, pause: float):
        await asyncio.sleep(pause)
        return await fake.click(world.guild, m, message, f"eventbot:rsvp:join:{event_id}",
                                forged=True)

    async def delete():
        await asyncio.sleep(0.05)
        done = await fake.click(world.guild, world.moderator, ask_a.message,
                                ask_a.custom_ids()[0])
        return await done.wait(lambda r: "Deleted" in (r.content or ""))

    done, *replies = await asyncio.gather(delete(), *(join(m, i * 0.004)
                                                      for i, m in enumerate(members)))
    held = [m for m, r in zip(members, replies, strict=True) if "cancelled" not in r.content]
    assert f"{len(held)} members with an RSVP" in done.content or (
        not held and "Nobody had an RSVP" in done.content), done.content
    late = await fake.click(world.guild, other, ask_b.message, ask_b.custom_ids()[0])
    late = await late.wait(lambda r: not r.custom_ids())
    assert late.content == f"**{title}** was already deleted.", late.content
    after = await join(members[0], 0)
    assert after.ephemeral and after.content == (
        f"This event was cancelled: **{title}** no longer takes RSVPs."), after.content
    assert world.query("SELECT count(*) FROM rsvps WHERE event_id = ?", (event_id,)) == [(0,)]
    await outbox_empty(world)
    for m in members:
        dms = fake.dms(m)
        assert len(dms) == (m in held), (m.name, dms)
        assert all("has been cancelled" in d["content"] for d in dms)


async def test_import_clicked_after_another_moderator_imported_the_page(world, fake):
    title = "Twice Imported Forum"
    page = Attachment("twice.txt", title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT, "text/plain")
    other = world.member("importing moderator", manage_events=True)
    preview_a = await fake.slash(world.guild, world.moderator, "manage import", page=page)
    preview_b = await fake.slash(world.guild, other, "manage import", page=page)
    done_a = await fake.click(world.guild, world.moderator, preview_a.message,
                              import_button(preview_a))
    done_a = await done_a.wait(lambda r: not r.custom_ids())
    assert done_a.content.startswith(f"Created **{title}**"), done_a.content
    done_b = await fake.click(world.guild, other, preview_b.message, import_button(preview_b))
    done_b = await done_b.wait(lambda r: not r.custom_ids())
    assert done_b.content.startswith(
        f"This page was already imported here, so I updated **{title}**"), done_b.content
    assert len(world.query("SELECT id FROM events WHERE title = ?", (title,))) == 1


async def test_a_reimport_changing_the_seats_while_members_join_and_cancel(world, fake):
    title = "Reimport Race Forum"
    page = title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT
    event_id, message = await announced(world, fake, title, 20, page=page)
    members = [world.member(f"reimporter{i}") for i in range(50)]
    rng = random.Random(7)

    async def member_steps(m):
        said = []
        for step in ("join", "cancel", "join") if rng.random() < 0.5 else ("join",):
            said.append((await fake.click(world.guild, m, message,
                                          f"eventbot:rsvp:{step}:{event_id}")).content)
        return said

    async def reimports():
        out = []
        for seats in (4, 40, 12):
            reply = await import_page(fake, world.guild, world.moderator,
                                      page=Attachment("announcement.txt", page, "text/plain"),
                                      capacity=seats)
            out.append(reply.followups[0]["content"] if reply.followups else reply.content)
        return out

    said, *_ = await asyncio.gather(reimports(), *(member_steps(m) for m in members))
    for line in said:  # updated, or refused in one line with nothing written
        assert line.startswith(f"This page was already imported here, so I updated **{title}**"
                               ) or ("⚠️" in line and "capacity cannot go below" in line), line
    await outbox_empty(world)
    consistent(world, event_id)
    for m in members:
        promotions = [d for d in fake.dms(m) if "Good news" in d["content"]]
        assert len(promotions) <= 1, (m.name, promotions)
