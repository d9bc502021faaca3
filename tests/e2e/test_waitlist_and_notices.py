"""The waitlist keeps its order whatever order the changes come in, and the capacity
notice is posted promptly and once per fill, through the real bot process."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.render import CAPACITY_REACHED
from sandbox import Attachment
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page, sent_as, until, until_past

pytestmark = pytest.mark.asyncio(loop_scope="module")


def capacity_notices(world, title: str) -> list[dict]:
    return [m for m in world.fake.messages(world.guild.channel("announcements"))
            if f"**{title}**" in m["content"] and CAPACITY_REACHED in m["content"]]


async def test_a_newcomer_after_a_date_change_does_not_jump_the_waitlist(world, fake):
    title = "Rescheduled Roundtable"
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    event_id = await world.import_event(title, capacity=2, starts_at=starts.isoformat())
    event = str(event_id)
    a, b, c, d = (world.member(name) for name in ("ra", "rb", "rc", "rd"))
    for member, expected in ((a, "confirmed"), (b, "confirmed"),
                             (c, "waitlisted (position 1)"), (d, "waitlisted (position 2)")):
        reply = await fake.slash(world.guild, member, "rsvp join", event=event)
        assert expected in reply.content, reply
    await asyncio.sleep(until_past(starts, 1.1))

    # The event has started: a moderator removes a no-show; nobody is promoted, and the
    # reply does not say otherwise.
    removed = await fake.slash(world.guild, world.moderator, "manage remove", event=event,
                               member=a)
    assert removed.content == f"Removed <@{a.id}>'s seat for **{title}**.", removed
    # A moderator moves the start a week later: the free seat goes to the waitlist.
    moved = await import_page(fake, world.guild, world.moderator, event=event,
        page=Attachment("announcement.txt", OPEN_ANNOUNCEMENT, "text/plain"),
        starts_at=(starts + timedelta(days=7)).isoformat())
    assert "Added the announcement" in moved.content, moved
    status = await fake.slash(world.guild, c, "rsvp status", event=event)
    assert "confirmed" in status.content, status
    dm = await fake.wait_message(fake.dm_channel(c), lambda m: title in m["content"])
    assert "now confirmed" in dm["content"]

    newcomer = await fake.slash(world.guild, world.member("re"), "rsvp join", event=event)
    assert "waitlisted (position 2)" in newcomer.content, newcomer
    status = await fake.slash(world.guild, d, "rsvp status", event=event)
    assert "waitlisted (position 1)" in status.content, status
    assert world.query(
        "SELECT capacity, confirmed_count, waitlist_count FROM events WHERE id = ?",
        (event_id,)) == [(2, 2, 2)]


async def test_cancelling_with_a_waitlist_says_the_seat_went_to_it(world, fake):
    title = "Handed-on Seminar"
    event = str(await world.import_event(title, capacity=1))
    first, second = world.member("hand1"), world.member("hand2")
    await fake.slash(world.guild, first, "rsvp join", event=event)
    await fake.slash(world.guild, second, "rsvp join", event=event)
    cancelled = await fake.slash(world.guild, first, "rsvp cancel", event=event)
    assert cancelled.content == (f"Your seat for **{title}** is cancelled; it has gone to the "
                                 "next member on the waitlist."), cancelled


async def test_a_promotion_dm_held_up_by_discord_skips_a_seat_taken_anew_since(world, fake):
    """Discord holds the bot's DMs back; meanwhile a member promoted from the waitlist
    gives the seat up and joins again, confirmed at once (the reply says so): the late
    promotion DM is about a seat they no longer hold, and is not sent. The other member
    promoted still hears of their seat."""
    title = "Late Letter Lecture"
    event_id = await world.import_event(title, capacity=2)
    event = str(event_id)
    a, b, x, u = (world.member(name) for name in ("lla", "llb", "llx", "llu"))
    for member in (a, b, x, u):
        await fake.slash(world.guild, member, "rsvp join", event=event)
    # No DM of the module's earlier tests is left to meet the 429 meant for these
    await until(lambda: not world.query("SELECT 1 FROM outbox"), 15, "earlier notices sent")
    fake.fail("POST", r"^/users/@me/channels$", status=429, retry_after=3.0)  # x's DM waits
    await fake.slash(world.guild, a, "rsvp cancel", event=event)  # x promoted
    await fake.slash(world.guild, b, "rsvp cancel", event=event)  # u promoted
    await until(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ? AND claimed_at"
                                        " IS NULL", (event_id,)), 15, "u's notice under way")
    cancelled = await fake.slash(world.guild, u, "rsvp cancel", event=event)
    assert "cancelled" in cancelled.content, cancelled
    rejoined = await fake.slash(world.guild, u, "rsvp join", event=event)
    assert "confirmed" in rejoined.content and "waitlist" not in rejoined.content, rejoined
    await fake.wait_message(fake.dm_channel(x), lambda m: title in m["content"], timeout=15)
    await until(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?", (event_id,)),
                15, "u's late notice sent or dropped")
    assert [m for m in fake.messages(fake.dm_channel(u)) if title in m["content"]] == []


async def test_a_seat_freed_for_a_member_who_left_the_server_goes_to_the_next(world, fake):
    """A waitlisted member leaves the server; when a seat frees up they are first in line,
    but cannot come as a member, nor hear of the seat: it goes to the next on the
    waitlist, who hears of it, and the member who left holds nothing."""
    title = "Departed Member Dialogue"
    event_id = await world.import_event(title, capacity=1)
    event = str(event_id)
    holder, gone, next_up = (world.member(name) for name in ("dmd1", "dmd2", "dmd3"))
    for member in (holder, gone, next_up):
        await fake.slash(world.guild, member, "rsvp join", event=event)
    fake.remove_member(world.guild, gone)
    cancelled = await fake.slash(world.guild, holder, "rsvp cancel", event=event)
    assert "gone to the next member on the waitlist" in cancelled.content, cancelled
    dm = await fake.wait_message(fake.dm_channel(next_up), lambda m: title in m["content"],
                                 timeout=15)
    assert "now confirmed" in dm["content"], dm
    status = await fake.slash(world.guild, next_up, "rsvp status", event=event)
    assert "confirmed" in status.content, status
    assert world.query("SELECT user_id, status FROM rsvps WHERE event_id = ?",
                       (event_id,)) == [(next_up.id, "confirmed")]
    assert world.query("SELECT confirmed_count, waitlist_count FROM events WHERE id = ?",
                       (event_id,)) == [(1, 0)]
    assert [m for m in fake.messages(fake.dm_channel(gone)) if title in m["content"]] == []


async def test_a_change_dm_held_up_by_discord_skips_a_member_who_cancelled_since(world, fake):
    """Discord holds the bot's DMs back after a venue change; meanwhile a member cancels:
    the late DM telling them their registration stays as it was is not sent. The member
    still registered hears of the change."""
    title = "Moved Hall Forum"
    event = str(await world.import_event(title, capacity=3))
    leaver, stayer = world.member("mhf leaver"), world.member("mhf stayer")
    for member in (leaver, stayer):
        await fake.slash(world.guild, member, "rsvp join", event=event)
    fake.fail("POST", r"^/users/@me/channels$", status=429, retry_after=3.0)  # leaver's DM
    form = await fake.slash(world.guild, world.moderator, "manage edit", event=event)
    await fake.submit_modal(form, {"venue": "New Hall"})
    await asyncio.sleep(0.5)
    assert "cancelled" in (await fake.slash(world.guild, leaver, "rsvp cancel",
                                            event=event)).content
    await fake.wait_message(fake.dm_channel(stayer), lambda m: title in m["content"],
                            timeout=15)
    await asyncio.sleep(0.5)  # the leaver's DM came before the stayer's: sent (or not) by now
    assert [m["content"] for m in fake.dms(leaver) if title in m["content"]] == []


async def test_quick_edits_held_up_by_discord_are_told_once_as_the_last_left_them(
        world, fake):
    """Discord holds the bot's first channel message and first DM back while a moderator
    sets the venue three times: the first change, already on its way, names the venue it
    set; the two after it, not yet sent, are told once, naming the last venue, in the
    channel and to the member, instead of one message per quick edit."""
    title = "Venue Dance"
    event = str(await world.import_event(title, capacity=3))
    member = world.member("venue dancer")
    await fake.slash(world.guild, member, "rsvp join", event=event)
    channel = world.guild.channel("announcements")
    fake.fail("POST", rf"^/channels/{channel.id}/messages$", status=429, retry_after=2.0)
    fake.fail("POST", r"^/users/@me/channels$", status=429, retry_after=2.0)
    for venue in ["Room A", "Room B", "Room C"]:
        form = await fake.slash(world.guild, world.moderator, "manage edit", event=event)
        await fake.submit_modal(form, {"venue": venue})

    def named(messages: list[dict]) -> list[str]:
        return [m["content"].split(" now takes place at ")[1].split(".")[0]
                for m in messages if f"**{title}**" in m["content"]]

    await fake.wait_message(channel, lambda m: f"**{title}**" in m["content"]
                            and "Room C" in m["content"], timeout=15)
    await fake.wait_message(fake.dm_channel(member), lambda m: "Room C" in m["content"],
                            timeout=15)
    await asyncio.sleep(1.0)  # anything sent twice has been by now
    assert named(fake.messages(channel)) == ["Room A", "Room C"]
    assert named(fake.dms(member)) == ["Room A", "Room C"]


async def test_churn_on_a_full_event_posts_one_capacity_notice(world, fake):
    title = "Churned Workshop"
    event = str(await world.import_event(title, capacity=2))
    first, second = world.member("churn1"), world.member("churn2")
    await fake.slash(world.guild, first, "rsvp join", event=event)
    await fake.slash(world.guild, second, "rsvp join", event=event)
    await fake.wait_message(world.guild.channel("announcements"),
                            lambda m: f"**{title}**" in m["content"]
                            and CAPACITY_REACHED in m["content"])
    for _ in range(5):
        assert "cancelled" in (await fake.slash(world.guild, second, "rsvp cancel",
                                                event=event)).content
        assert "confirmed" in (await fake.slash(world.guild, second, "rsvp join",
                                                event=event)).content
    await asyncio.sleep(1.0)
    assert len(capacity_notices(world, title)) == 1


async def test_a_reopening_that_finds_the_seats_cut_to_full_says_so_once(world, fake):
    """Filled and announced, then two seats freed, closed, cut to the one seat held and
    reopened: the event is full again, and the channel hears it in the reopening's notice,
    with no "now closed" after its "open again". Closed while full and reopened, it hears
    that it is open for the waitlist, and nothing more."""
    title = "Shrunk Colloquium"
    event = str(await world.import_event(title, capacity=3))
    a, b, c = (world.member(name) for name in ("shr1", "shr2", "shr3"))
    for member in (a, b, c):
        await fake.slash(world.guild, member, "rsvp join", event=event)
    await fake.wait_message(world.guild.channel("announcements"),
                            lambda m: f"**{title}**" in m["content"]
                            and CAPACITY_REACHED in m["content"])
    for member in (b, c):
        assert "cancelled" in (await fake.slash(world.guild, member, "rsvp cancel",
                                                event=event)).content
    moderator = world.moderator
    await fake.slash(world.guild, moderator, "manage close", event=event)
    cut = await fake.slash(world.guild, moderator, "manage capacity", seats=1, event=event)
    assert "now has 1 seat" in cut.content, cut
    opened = await fake.slash(world.guild, moderator, "manage open", event=event)
    assert "is open" in opened.content, opened
    channel = world.guild.channel("announcements")

    def reopened_full(m) -> bool:
        return m["content"] == (f"Registration for **{title}** is open again. All seats are "
                                "taken: members who join now go on the waitlist.")

    await fake.wait_message(channel, reopened_full)

    # closed while full, reopened: open for the waitlist, as the channel is told again
    await fake.slash(world.guild, moderator, "manage close", event=event)
    await fake.slash(world.guild, moderator, "manage open", event=event)
    await fake.wait_message(channel, lambda m: len(
        [n for n in fake.messages(channel) if reopened_full(n)]) == 2)
    await asyncio.sleep(1.0)
    assert len(capacity_notices(world, title)) == 1


async def test_a_reopening_whose_promotions_fill_the_event_posts_one_notice(world, fake):
    """Seats added while registration is closed, then /manage open: the waitlist takes
    them and the event is full. The one reopening is one post, "open again. All seats are
    taken", with no "now closed" after it."""
    title = "Reopened Full Forum"
    event = str(await world.import_event(title, capacity=1))
    channel = world.guild.channel("announcements")
    for name in ("reo1", "reo2"):  # one seated, one waitlisted
        await fake.slash(world.guild, world.member(name), "rsvp join", event=event)
    moderator = world.moderator
    await fake.slash(world.guild, moderator, "manage close", event=event)
    await fake.wait_message(channel, lambda m: f"**{title}** has been closed" in m["content"])
    raised = await fake.slash(world.guild, moderator, "manage capacity", seats=2, event=event)
    assert "now has 2 seats" in raised.content, raised
    opened = await fake.slash(world.guild, moderator, "manage open", event=event)
    assert "1 member moved from the waitlist" in opened.content, opened
    await fake.wait_message(channel, lambda m: f"**{title}** is open again" in m["content"])
    await asyncio.sleep(1.5)  # any other notice of the reopening is posted by now
    said = [m["content"] for m in fake.messages(channel) if f"**{title}**" in m["content"]]
    after = said[next(i for i, text in enumerate(said) if "open again" in text):]
    assert after == [f"Registration for **{title}** is open again. All seats are taken: "
                     "members who join now go on the waitlist."], after


async def test_reopening_a_full_event_says_newcomers_join_the_waitlist(world, fake):
    """Closed while full and reopened: the channel hears it is open for the waitlist, not
    that it is open with "0 of 1 seat left"."""
    title = "Zero Seat Forum"
    event = str(await world.import_event(title, capacity=1))
    for name in ("zero1", "zero2"):
        await fake.slash(world.guild, world.member(name), "rsvp join", event=event)
    await fake.slash(world.guild, world.moderator, "manage close", event=event)
    await fake.slash(world.guild, world.moderator, "manage open", event=event)
    opened = await fake.wait_message(world.guild.channel("announcements"),
                                     lambda m: f"**{title}**" in m["content"]
                                     and "open again" in m["content"])
    said = opened["content"]
    assert said == (f"Registration for **{title}** is open again. All seats are taken: members "
                    "who join now go on the waitlist."), said


async def fill_and_time_the_notice(world, title: str, seats: int = 40) -> float:
    """Fill an event with simultaneous joins; seconds from the filling join's reply to the
    capacity notice in the channel."""
    fake = world.fake
    event_id = await world.import_event(title, capacity=seats)
    replied: dict[int, float] = {}

    async def join(member) -> None:
        reply = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        replied[member.id] = time.monotonic()
        assert "confirmed" in reply.content, reply

    await asyncio.gather(*(join(world.member(f"{title}{i}")) for i in range(seats)))
    [(filler,)] = world.query(
        "SELECT user_id FROM rsvps WHERE event_id = ? ORDER BY seq DESC LIMIT 1", (event_id,))
    notice = await fake.wait_message(world.guild.channel("announcements"),
                                     lambda m: f"**{title}**" in m["content"]
                                     and CAPACITY_REACHED in m["content"])
    return fake.message_record(notice).created - replied[filler]


async def test_the_capacity_notice_follows_the_filling_join_within_a_second(world):
    latency = await fill_and_time_the_notice(world, "Prompt Lecture")
    print(f"capacity notice latency {latency:.3f} s")
    assert latency < 2.0, f"the capacity notice came {latency:.2f} s after the filling join"


async def test_a_fill_right_after_a_restart_is_noticed_within_a_second(world):
    # Interactions are answered from the first GUILD_CREATE on; on_ready comes seconds later
    # (on Discord, after every guild has arrived). The notice does not wait for it.
    await world.restart_bot()
    latency = await fill_and_time_the_notice(world, "Early Lecture")
    print(f"capacity notice latency after a restart {latency:.3f} s")
    assert latency < 1.0, f"the capacity notice came {latency:.2f} s after the filling join"


async def test_closing_an_event_that_has_taken_place_is_refused_as_reopening_it_is(world, fake):
    """Once an event has taken place nobody can join it: a moderator's close changes
    nothing, so it is refused (as `/manage open` is) and the channel hears nothing. Both
    say the event is over: "Registration is already open" told the moderator members
    could still join."""
    title = "Finished Panel"
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    event = str(await world.import_event(title, capacity=2, starts_at=starts.isoformat()))
    await fake.slash(world.guild, world.member("fin1"), "rsvp join", event=event)
    await asyncio.sleep(until_past(starts, 1.0))

    closed = await fake.slash(world.guild, world.moderator, "manage close", event=event,
                              reason="it is over")
    assert closed.content == "⚠️ This event has already taken place.", closed
    opened = await fake.slash(world.guild, world.moderator, "manage open", event=event)
    assert opened.content == "⚠️ This event has already taken place.", opened
    await asyncio.sleep(1.0)  # a notice written by the close would be posted by now
    assert [m["content"] for m in fake.messages(world.guild.channel("announcements"))
            if f"**{title}**" in m["content"]] == []
    assert world.query("SELECT registration_open FROM events WHERE id = ?",
                       (int(event),)) == [(1,)]


async def test_joining_news_held_up_by_discord_until_the_event_took_place_is_not_posted(
        world, fake):
    """The channel's news of joining, written in the last seconds before the event (its
    seats ran out, then more were added), is held up by Discord until it has taken place:
    "members who join now go on the waitlist" and "open again: 1 of 2 seats left" are
    untrue then, for nobody can join, and are not posted."""
    title = "Closing Bell Forum"
    channel = world.guild.channel("announcements")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=6)
    event = str(await world.import_event(title, capacity=1, starts_at=starts.isoformat()))
    fake.fail("POST", rf"^/channels/{channel.id}/messages$", status=503,
              message="Service Unavailable")
    joined = await fake.slash(world.guild, world.member("bell seated"), "rsvp join", event=event)
    assert "confirmed" in joined.content, joined
    raised = await fake.slash(world.guild, world.moderator, "manage capacity", seats=2,
                              event=event)
    assert "2 seats" in raised.content, raised
    assert datetime.now(UTC) < starts  # both written before the event
    assert world.query("SELECT kind FROM outbox WHERE event_id = ? ORDER BY id",
                       (int(event),)) == [("capacity",), ("opened",)]
    await asyncio.sleep(until_past(starts, 1.0))

    world.expire_claims(int(event))  # Discord answers again: tried again after the event
    deadline = time.monotonic() + 15
    while world.query("SELECT count(*) FROM outbox WHERE event_id = ?", (int(event),)) != [(0,)]:
        assert time.monotonic() < deadline, "the notices were not done with"
        await asyncio.sleep(0.1)
    assert [m["content"] for m in fake.messages(channel) if f"**{title}**" in m["content"]
            ] == []


async def test_after_the_event_members_hear_it_took_place_not_a_waitlist_place(world, fake):
    """Once an event has taken place a waitlist place is no place in a queue: `/rsvp
    status` says the event took place and what the member held, and asking to join again
    says it took place, for the member who had a seat and the one who waited alike."""
    title = "Bygone Waitlist Talk"
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    event = str(await world.import_event(title, capacity=1, starts_at=starts.isoformat()))
    seated, waiting = world.member("bygone seated"), world.member("bygone waiting")
    await fake.slash(world.guild, seated, "rsvp join", event=event)
    before = await fake.slash(world.guild, waiting, "rsvp join", event=event)
    assert "waitlist" in before.content, before
    assert "position 1" in (await fake.slash(world.guild, waiting, "rsvp status",
                                             event=event)).content
    await asyncio.sleep(until_past(starts, 1.0))

    status = await fake.slash(world.guild, waiting, "rsvp status", event=event)
    assert status.content == f"**{title}** has taken place; you were on its waitlist.", status
    status = await fake.slash(world.guild, seated, "rsvp status", event=event)
    assert status.content == f"**{title}** has taken place; you had a seat.", status
    for member in (seated, waiting):
        again = await fake.slash(world.guild, member, "rsvp join", event=event)
        assert again.content == (f"You can't join **{title}**: this event has already taken "
                                 "place."), again


async def test_a_promotion_dm_held_up_by_discord_until_the_event_took_place_is_not_sent(
        world, fake):
    """A seat frees up just before the event and goes to the waitlist, but Discord holds
    the bot's DMs back until the event has taken place: "Good news: … use `/rsvp cancel`
    if you can no longer come" is no news then, and is not sent."""
    # no reminders: a reminder's DM would meet Discord's hold first, not the promotion's
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="off")
    try:
        title = "Last Minute Seat Talk"
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
        event = str(await world.import_event(title, capacity=1, starts_at=starts.isoformat()))
        seated, waiting = world.member("lms seated"), world.member("lms waiting")
        for member in (seated, waiting):
            await fake.slash(world.guild, member, "rsvp join", event=event)
        fake.fail("POST", r"^/users/@me/channels$", status=429,
                  retry_after=until_past(starts, 1.5))
        cancelled = await fake.slash(world.guild, seated, "rsvp cancel", event=event)
        assert "gone to the next member" in cancelled.content, cancelled
        await asyncio.sleep(until_past(starts, 3.0))
        assert world.query("SELECT count(*) FROM outbox WHERE event_id = ?",
                           (int(event),)) == [(0,)]  # delivered (or not) by now
        assert [m for m in fake.dms(waiting) if title in m["content"]] == []
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1440,60")


async def test_a_member_who_left_keeps_a_seat_learnt_of_only_after_the_event(world, fake):
    """A seat goes to a waitlisted member who has left the server, but Discord holds the
    bot's question about them until the event has taken place: nobody can use the seat
    any more, so the RSVP stays as the event left it (the attendee list is its record)."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="off")
    try:
        title = "After Hours Absentee Talk"
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
        event_id = await world.import_event(title, capacity=1, starts_at=starts.isoformat())
        event = str(event_id)
        seated, waiting = world.member("aha seated"), world.member("aha waiting")
        for member in (seated, waiting):
            await fake.slash(world.guild, member, "rsvp join", event=event)
        fake.remove_member(world.guild, waiting)
        fake.fail("GET", r"^/guilds/\d+/members/\d+$", status=429,
                  retry_after=until_past(starts, 1.5))
        cancelled = await fake.slash(world.guild, seated, "rsvp cancel", event=event)
        assert "gone to the next member" in cancelled.content, cancelled
        await asyncio.sleep(until_past(starts, 3.0))
        assert world.query("SELECT count(*) FROM outbox WHERE event_id = ?",
                           (event_id,)) == [(0,)]  # delivered (or not) by now
        assert world.query("SELECT user_id, status FROM rsvps WHERE event_id = ?",
                           (event_id,)) == [(waiting.id, "confirmed")]
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1440,60")


async def test_a_moderator_removes_a_members_rsvp_and_the_seat_goes_on(world, fake):
    """/manage remove: the member's seat goes to the first on the waitlist, who hears of
    it; the member removed gets a DM saying so; removing a waitlisted member takes their
    place, and the replies say what happened."""
    title = "Removal Review Round"
    event_id = await world.import_event(title, capacity=1)
    event = str(event_id)
    seated, waiting, last = (world.member(name) for name in ("rrr1", "rrr2", "rrr3"))
    for member in (seated, waiting, last):
        await fake.slash(world.guild, member, "rsvp join", event=event)

    removed = await fake.slash(world.guild, world.moderator, "manage remove", member=seated,
                               event=event)
    assert removed.content == (f"Removed <@{seated.id}>'s seat for **{title}**; it has gone "
                               "to the next member on the waitlist, who gets a DM."), removed
    assert removed.ephemeral, removed
    dm = await fake.wait_message(fake.dm_channel(seated), lambda m: title in m["content"],
                                 timeout=15)
    assert dm["content"] == (f"A moderator has removed your RSVP for **{title}**. If you "
                             "think that's a mistake, ask the server's moderators.\n"
                             f"-# From the server **{world.guild.name}**"), dm
    promoted = await fake.wait_message(fake.dm_channel(waiting),
                                       lambda m: title in m["content"], timeout=15)
    assert "now confirmed" in promoted["content"], promoted
    status = await fake.slash(world.guild, seated, "rsvp status", event=event)
    assert "not registered" in status.content, status

    off_the_list = await fake.slash(world.guild, world.moderator, "manage remove", member=last,
                                    event=event)
    assert off_the_list.content == (f"Removed <@{last.id}> from the waitlist for "
                                    f"**{title}**."), off_the_list
    again = await fake.slash(world.guild, world.moderator, "manage remove", member=last,
                             event=event)
    assert again.content == (f"<@{last.id}> isn't registered for **{title}**, so there was "
                             "nothing to remove."), again
    assert world.query("SELECT user_id, status FROM rsvps WHERE event_id = ?",
                       (event_id,)) == [(waiting.id, "confirmed")]
    assert world.query("SELECT confirmed_count, waitlist_count FROM events WHERE id = ?",
                       (event_id,)) == [(1, 0)]
    await fake.wait_message(fake.dm_channel(last), lambda m: title in m["content"], timeout=15)
    assert len([m for m in fake.dms(last) if title in m["content"]]) == 1  # one removal, one DM


async def test_only_moderators_remove_rsvps(world, fake):
    event = str(await world.import_event("Guarded Gathering", capacity=2))
    holder, other = world.member("gg1"), world.member("gg2")
    await fake.slash(world.guild, holder, "rsvp join", event=event)
    refused = await fake.slash(world.guild, other, "manage remove", member=holder, event=event)
    assert refused.ephemeral and "Manage Events" in refused.content, refused
    status = await fake.slash(world.guild, holder, "rsvp status", event=event)
    assert "confirmed" in status.content, status


async def test_a_removal_dm_held_up_by_discord_until_the_event_took_place_is_not_sent(
        world, fake):
    """A moderator removes a member's RSVP just before the event, but Discord holds the
    bot's DMs back until it has taken place: the removal changes nobody's plans then, and
    its DM is not sent (as one made after the event writes none)."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="off")
    try:
        title = "Last Minute Removal Talk"
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
        event = str(await world.import_event(title, capacity=1, starts_at=starts.isoformat()))
        seated = world.member("lmr seated")
        await fake.slash(world.guild, seated, "rsvp join", event=event)
        fake.fail("POST", r"^/users/@me/channels$", status=429,
                  retry_after=until_past(starts, 1.5))
        removed = await fake.slash(world.guild, world.moderator, "manage remove",
                                   member=seated, event=event)
        assert removed.content == f"Removed <@{seated.id}>'s seat for **{title}**.", removed
        await asyncio.sleep(until_past(starts, 3.0))
        assert world.query("SELECT count(*) FROM outbox WHERE event_id = ?",
                           (int(event),)) == [(0,)]  # delivered (or not) by now
        assert [m for m in fake.dms(seated) if title in m["content"]] == []
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1440,60")


async def test_a_moderator_removing_their_own_rsvp_gets_no_dm_about_it(world, fake):
    title = "Own Seat Outing"
    event = str(await world.import_event(title, capacity=1))
    await fake.slash(world.guild, world.moderator, "rsvp join", event=event)
    removed = await fake.slash(world.guild, world.moderator, "manage remove",
                               member=world.moderator, event=event)
    assert removed.content == f"Removed <@{world.moderator.id}>'s seat for **{title}**.", removed
    other = world.member("oso other")
    await fake.slash(world.guild, other, "rsvp join", event=event)
    await fake.slash(world.guild, world.moderator, "manage remove", member=other, event=event)
    await fake.wait_message(fake.dm_channel(other), lambda m: title in m["content"], timeout=15)
    assert [m for m in fake.dms(world.moderator) if title in m["content"]] == []


async def test_the_channels_notices_through_churn_and_a_reopening_within_the_cool_down(
        world, fake):
    """Within the capacity notice's cool-down: a fill is announced; cancel-and-join churn,
    with or without a waitlist behind it, says nothing more; more seats (the channel hears
    it is open again) then a join taking the last is news, and is announced again. The
    channel's notices about the event, in order, are exactly those."""
    title = "Churn And Seats Forum"
    event = str(await world.import_event(title, capacity=2))
    channel = world.guild.channel("announcements")
    since = len(fake.messages(channel))
    a, b, c, d = (world.member(f"cs{i}") for i in range(4))

    async def slash(member, command: str, expected: str) -> None:
        reply = await fake.slash(world.guild, member, command, event=event)
        assert expected in reply.content, reply

    def notices() -> list[str]:
        return [m["content"] for m in fake.messages(channel)[since:]
                if f"**{title}**" in m["content"]]

    await slash(a, "rsvp join", "confirmed")
    await slash(b, "rsvp join", "confirmed")  # full
    await fake.wait_message(channel, lambda m: len(notices()) == 1)
    for _ in range(3):  # churn with nobody waiting: the seat freed, then taken again
        await slash(b, "rsvp cancel", "cancelled")
        await slash(b, "rsvp join", "confirmed")
    await slash(c, "rsvp join", "waitlist")
    for member in (a, b):  # churn with a waitlist: each cancel promotes, it stays full
        await slash(member, "rsvp cancel", "cancelled")
        await slash(member, "rsvp join", "waitlist")
    await asyncio.sleep(1.0)  # a notice sent for any of that has arrived by now
    full = f"**{title}**\n{CAPACITY_REACHED} Members who join now go on the waitlist."
    assert notices() == [full]

    more = await fake.slash(world.guild, world.moderator, "manage capacity", seats=4,
                            event=event)  # the waitlisted one gets a seat, one stays free
    assert "now has 4 seats" in more.content, more
    await fake.wait_message(channel, lambda m: len(notices()) == 2)
    await slash(d, "rsvp join", "confirmed")  # the last seat: full again, which is news
    await fake.wait_message(channel, lambda m: len(notices()) == 3, timeout=10)
    await asyncio.sleep(1.0)
    assert notices() == [
        full, f"Registration for **{title}** is open again: 1 of 4 seats left.", full]


async def test_a_moderator_turning_the_seats_up_and_down_queues_no_backlog_of_notices(
        world, fake):
    """A moderator (or a script of theirs) adding a seat to a full event and taking it
    away again, over and over: each step is news only if the channel heard the one before.
    A notice not yet sent and its undoing are dropped together, so the outbox holds at most
    one such notice of the event, however fast the steps come (every one was queued, and
    then posted one by one at the channel's rate limit); the channel's notices alternate
    and the last tells the event as it is."""
    title = "Seats Up And Down Forum"
    event = str(await world.import_event(title, capacity=2))
    channel = world.guild.channel("announcements")
    since = len(fake.messages(channel))
    for member in (world.member("ud1"), world.member("ud2")):
        assert "confirmed" in (await fake.slash(world.guild, member, "rsvp join",
                                                event=event)).content

    def notices() -> list[str]:
        return [m["content"] for m in fake.messages(channel)[since:]
                if f"**{title}**" in m["content"]]

    await fake.wait_message(channel, lambda m: len(notices()) == 1)
    most_queued = 0
    for _ in range(30):
        for seats in (3, 2):  # open again, then full again
            reply = await fake.slash(world.guild, world.moderator, "manage capacity",
                                     seats=seats, event=event)
            assert f"now has {seats} seats" in reply.content, reply
            queued = world.query("SELECT count(*) FROM outbox WHERE event_id = ?",
                                 (int(event),))[0][0]
            most_queued = max(most_queued, queued)
    assert most_queued <= 2
    for _ in range(100):
        if world.query("SELECT count(*) FROM outbox WHERE event_id = ?", (int(event),)) \
                == [(0,)]:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    posted = notices()
    kinds = ["full" if CAPACITY_REACHED in text else "open" for text in posted]
    assert all(a != b for a, b in itertools.pairwise(kinds)), kinds
    assert kinds[-1] == "full", posted
    assert len(posted) < 30, len(posted)


async def test_a_waitlist_place_past_a_thousand_is_written_as_every_count_is(world, fake):
    """A long waitlist: the 1,000th in line reads their place with its thousands separated
    when they join, ask again and check, as `/rsvp mine` and every count write it."""
    title = "Crowded Keynote"
    event = str(await world.import_event(title, capacity=1))
    members = [world.member(f"crowd{i}") for i in range(1001)]
    await fake.slash(world.guild, members[0], "rsvp join", event=event)
    replies = await asyncio.gather(*(fake.slash(world.guild, m, "rsvp join", event=event)
                                     for m in members[1:-1]))
    assert all("waitlisted" in r.content for r in replies)
    last = members[-1]
    joined = await fake.slash(world.guild, last, "rsvp join", event=event)
    assert "waitlisted (position 1,000)" in joined.content, joined
    again = await fake.slash(world.guild, last, "rsvp join", event=event)
    assert "already waitlisted (position 1,000)" in again.content, again
    status = await fake.slash(world.guild, last, "rsvp status", event=event)
    assert "waitlisted (position 1,000)" in status.content, status
    mine = await fake.slash(world.guild, last, "rsvp mine")
    assert "waitlisted (position 1,000)" in mine.content, mine


@pytest.mark.parametrize(("reason", "locale", "refused"), [
    ("The room moved.", "en-US", "You can't join **{title}**: registration is closed: The room "
                                 "moved."),
    ("Is it full?", "en-GB", "You can't join **{title}**: registration is closed: Is it full?"),
    ("the room moved", "en-US", "You can't join **{title}**: registration is closed: the room "
                                "moved."),
    ("场地变更。", "zh-CN", "你无法报名 **{title}**：报名已截止：场地变更。"),
])
async def test_a_closing_reason_typed_with_its_full_stop_ends_the_refusal_once(
        world, fake, reason, locale, refused):
    """A moderator's reason, typed as a sentence with its own full stop (or question mark),
    ends the refusal a member joining meets: no second stop after it."""
    title = f"Closed With Reason {len(reason)} {locale}"
    event = str(await world.import_event(title, capacity=5))
    await fake.slash(world.guild, world.moderator, "manage close", event=event, reason=reason)
    member = world.member(f"late {title}", locale=locale)
    reply = await fake.slash(world.guild, member, "rsvp join", event=event)
    assert reply.content == refused.format(title=title), reply


async def test_a_closing_reason_that_shows_nothing_is_no_reason(world, fake):
    """A reason of only invisible characters or spacing (a zero-width space, a line break,
    which a modified client sends; a Hangul filler, drawn blank) was kept and shown as
    one: "registration is closed: ." and "Closed: " with nothing after it, or a refusal
    over two lines. A reason spread over
    lines is shown on one."""
    event = str(await world.import_event("Blank Reason Forum", capacity=5))
    member = world.member("blank reason reader")
    for reason, shown in (("\u200b", ""), ("\u202e\u2060", ""), ("\n", ""), ("\u3164", ""),
                          ("room\nmoved", ": room moved")):
        await fake.slash(world.guild, world.moderator, "manage close", event=event,
                         reason="r", mutate=sent_as("reason", reason))
        reply = await fake.slash(world.guild, member, "rsvp join", event=event)
        assert reply.content == ("You can't join **Blank Reason Forum**: registration is "
                                 f"closed{shown}."), (reason, reply.content)
        told = "has been closed by a moderator" + (shown or ".")
        await fake.wait_message(world.guild.channel("announcements"), lambda m, told=told:
                                "**Blank Reason Forum**" in m["content"]
                                and m["content"].endswith(told))
        await fake.slash(world.guild, world.moderator, "manage open", event=event)


SUPPRESS_EMBEDS = 1 << 2  # Discord draws no preview of the links in the message's text


async def test_a_web_address_in_a_notice_makes_no_preview(world, fake):
    """A venue (or a title) is page or moderator text, and may be a web address. Posted
    in the channel's notice and in the members' DMs, the address made Discord draw its
    site's own preview card under the bot's words: the title and the picture that site
    chooses, in every registered member's DMs. The link still works as a link; the notices
    now ask Discord for no preview."""
    title = "Linked Seminar"
    event = str(await world.import_event(title, capacity=3))
    member = world.member("link follower")
    await fake.slash(world.guild, member, "rsvp join", event=event)
    venue = "Online: https://meet.example.org/seminar"
    form = await fake.slash(world.guild, world.moderator, "manage edit", event=event)
    await fake.submit_modal(form, {"venue": venue})
    posted = await fake.wait_message(world.guild.channel("announcements"), lambda m: (
        f"**{title}**" in m["content"] and venue in m["content"]), timeout=15)
    dm = await fake.wait_message(fake.dm_channel(member), lambda m: venue in m["content"],
                                 timeout=15)
    for message in (posted, dm):
        assert message["flags"] & SUPPRESS_EMBEDS, message


def command_in(text: str) -> tuple[str, dict[str, str]]:
    """The `/rsvp …` command a DM tells its reader to run, as they would type it: its
    name, and its options as `name:value`."""
    typed = re.search(r"`/(rsvp [a-z]+)((?: [a-z_]+:[^` ]+)*)`", text)
    assert typed, text
    options = dict(option.split(":", 1) for option in typed[2].split())
    return typed[1], options


async def test_the_cancel_a_promotion_dm_suggests_gives_up_that_seat_and_no_other(world, fake):
    """A member holds a seat at the server's next event and is promoted to one at a later
    event: the DM about the later one tells them how to give it up. Run as written, it
    gives up that seat, not the one at the event a command naming none means."""
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    first = await world.import_event("Nearest Colloquium", capacity=5,
                                     starts_at=soon.isoformat())
    later = await world.import_event("Later Colloquium", capacity=1,
                                     starts_at=(soon + timedelta(days=2)).isoformat())
    member, holder = world.member("two seats"), world.member("later holder")
    await fake.slash(world.guild, member, "rsvp join", event=str(first))
    await fake.slash(world.guild, holder, "rsvp join", event=str(later))
    waiting = await fake.slash(world.guild, member, "rsvp join", event=str(later))
    assert "waitlisted (position 1)" in waiting.content, waiting
    # (the event a command naming none means is the nearest, where the member has a seat)
    default = await fake.slash(world.guild, member, "rsvp status")
    assert "confirmed for **Nearest Colloquium**" in default.content, default
    await fake.slash(world.guild, holder, "rsvp cancel", event=str(later))
    dm = await fake.wait_message(fake.dm_channel(member),
                                 lambda m: "now confirmed" in m["content"], timeout=15)
    command, options = command_in(dm["content"])
    assert command == "rsvp cancel", dm
    cancelled = await fake.slash(world.guild, member, command, **options)
    assert "Later Colloquium" in cancelled.content, cancelled
    assert world.query("SELECT event_id, status FROM rsvps WHERE user_id = ? ORDER BY event_id",
                       (member.id,)) == [(first, "confirmed")]
