"""How notices reach Discord, through the real bot process, with Discord's own rate limits:
a notice Discord refuses for good is tried once and dropped with one warning, and DMs to
members do not hold up other servers' channel notices."""

from __future__ import annotations

import asyncio
import re
import sqlite3

import pytest

from bot.render import CAPACITY_REACHED
from sandbox import Attachment, FakeDiscord, Guild, Member
from sandbox.ratelimits import DISCORD_RATE_LIMITS, EXEMPT_FROM_GLOBAL
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, delete_event, import_page, until

pytestmark = pytest.mark.asyncio(loop_scope="module")
# Discord's own windows: one DM channel opened a second, as Discord lets a bot.
RATE_LIMITS = DISCORD_RATE_LIMITS


async def eventually(check, *, timeout: float = 15.0, what: str = "it") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, f"{what} did not happen"
        await asyncio.sleep(0.05)


async def import_in(fake: FakeDiscord, guild: Guild, moderator: Member, title: str,
                    capacity: int) -> int:
    reply = await import_page(fake, guild, moderator, title=title, capacity=capacity,
                              page=Attachment("announcement.txt",
                                              title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT,
                                              "text/plain"))
    match = re.search(r"\(event (\d+)\)", reply.content or "")
    assert match, reply
    return int(match[1])


def log_since(world, start: int) -> str:
    return world.bot.output()[start:]


async def test_a_capacity_notice_discord_refuses_is_tried_once_and_dropped_with_a_warning(
        world, fake):
    title = "Refused Notice Hall"
    event_id = await world.import_event(title, capacity=1)
    channels = "|".join(str(c.id) for c in world.guild.channels.values())
    # Discord refuses the post for good (what it answers a message over its limits).
    fake.fail("POST", rf"^/channels/({channels})/messages$", status=400, code=50035,
              message="Invalid Form Body")
    first, log_start = len(fake.requests), len(world.bot.output())
    reply = await fake.slash(world.guild, world.member("filler"), "rsvp join",
                             event=str(event_id))
    assert "confirmed" in reply.content, reply
    await eventually(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                             (event_id,)), what="the notice dropped")
    posts = [r for r in fake.requests[first:]
             if r.method == "POST" and re.search(rf"^/channels/({channels})/messages$", r.path)]
    assert [r.status for r in posts] == [400], posts
    assert not [m for c in world.guild.channels.values() for m in fake.messages(c)
                if f"**{title}**" in m["content"] and CAPACITY_REACHED in m["content"]]
    out = log_since(world, log_start)
    warnings = [line for line in out.splitlines() if "refused the capacity notice" in line]
    assert len(warnings) == 1, out
    assert f"event {event_id}" in warnings[0] and "50035" in warnings[0], warnings
    assert "Invalid Form Body" in warnings[0] and "WARNING" in warnings[0], warnings
    assert "Traceback" not in out, out


async def test_a_notice_met_by_a_401_is_kept_for_a_good_token(world, fake):
    """A 401 says the bot's token was refused (reset or revoked), not the notice: it stays
    in the outbox, to be delivered once a process with a good token claims it."""
    event_id = await world.import_event("Unauthorized Notice Hall", capacity=1)
    channels = "|".join(str(c.id) for c in world.guild.channels.values())
    fake.fail("POST", rf"^/channels/({channels})/messages$", status=401, code=0,
              message="401: Unauthorized")
    first = len(fake.requests)
    reply = await fake.slash(world.guild, world.member("unauthorized filler"), "rsvp join",
                             event=str(event_id))
    assert "confirmed" in reply.content, reply
    await eventually(lambda: any(r.status == 401 for r in fake.requests[first:]),
                     what="the refused post")
    await asyncio.sleep(1.0)  # the deliverer's answer to it
    assert world.query("SELECT count(*) FROM outbox WHERE event_id = ? AND kind = 'capacity'",
                       (event_id,)) == [(1,)]


async def test_a_notice_whose_connection_drops_is_tried_again_before_the_events_next(
        world, fake):
    """The connection carrying the capacity notice's post closes without an answer (a
    reset, a proxy dropping it): as after Discord's 5xx, the notice is tried again, said
    in one warning line and not as a defect, and the event's next notice (registration
    open again) waits for it, so that the channel does not say last that the seats ran
    out."""
    title = "Dropped Notice Hall"
    event_id = await world.import_event(title, capacity=1)
    channel = world.guild.channel("announcements")
    posts = rf"^/channels/{channel.id}/messages$"
    fake.fail("POST", posts, disconnect=True)
    first, log_start = len(fake.requests), len(world.bot.output())
    joined = await fake.slash(world.guild, world.member("dropped filler"), "rsvp join",
                              event=str(event_id))
    assert "confirmed" in joined.content, joined
    await until(lambda: any(r.status == 444 for r in fake.requests[first:]),
                what="the dropped post")
    raised = await fake.slash(world.guild, world.moderator, "manage capacity", seats=2,
                              event=str(event_id))
    assert "2 seats" in raised.content, raised

    def said() -> list[str]:
        return [m["content"] for m in fake.messages(channel) if f"**{title}**" in m["content"]]

    await asyncio.sleep(1.5)  # the open notice would be posted by now, were it not held
    assert said() == [], said()
    out = log_since(world, log_start)
    assert "Traceback" not in out and " ERROR " not in out, out
    warnings = [line for line in out.splitlines() if "could not reach Discord" in line]
    assert len(warnings) == 1 and "capacity notice" in warnings[0], out
    assert f"event {event_id}" in warnings[0] and "WARNING" in warnings[0], warnings
    world.expire_claims(event_id)  # its claim expired: tried again, then the next
    await eventually(lambda: len(said()) == 2, timeout=20, what="both notices posted")
    assert CAPACITY_REACHED in said()[0] and CAPACITY_REACHED not in said()[1], said()


async def test_notices_met_by_a_ban_of_the_bots_address_wait_for_it_and_all_go_out(
        world, fake):
    """Discord's edge bans the bot's address (a 429 without Discord's headers, which
    discord.py does not wait out) as a deleted event's members are DMed: the DMs under way
    meet it once each, and then no notice is tried again until its Retry-After has passed,
    as each call made into a ban lengthens it (where each was tried again at every claim's
    expiry, a minute apart, all day); once it lifts, every member gets their DM, once."""
    event_id = await world.import_event("Banned Notices Hall", capacity=20)
    members = [world.member(f"banned notice {n}") for n in range(6)]
    for member in members:
        reply = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        assert "confirmed" in reply.content, reply
    await eventually(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                             (event_id,)), what="the join notices done")
    fake.fail("POST", r"^/users/@me/channels$", status=429, edge_ban=True, retry_after=20,
              count=1000)
    first = len(fake.requests)

    def opens() -> list[int]:
        return [r.status for r in fake.requests[first:] if r.path == "/users/@me/channels"]

    loop = asyncio.get_running_loop()
    await delete_event(world, world.moderator, event_id)
    await eventually(lambda: opens(), what="the first DM tried")
    banned_at = loop.time()
    await eventually(lambda: len(opens()) >= len(members), what="each DM under way tried")
    await asyncio.sleep(0.5)
    tried = len(opens())
    assert tried <= len(members), opens()
    world.expire_claims(event_id)  # a minute on: the claims expire, within the ban's 20 s
    await asyncio.sleep(6.0)  # the lanes' next look at the outbox (every 5 s)
    assert len(opens()) == tried, f"{len(opens()) - tried} more DM channels opened in the ban"
    fake.clear_faults()  # the ban lifts, and its 20 s are over
    await asyncio.sleep(max(0.0, banned_at + 21.0 - loop.time()))
    world.expire_claims(event_id)
    await eventually(lambda: all(fake.dms(m) for m in members), timeout=20,
                     what="every member DMed once the ban is over")
    await asyncio.sleep(1.0)
    assert [len(fake.dms(m)) for m in members] == [1] * len(members)


async def test_a_promotion_dm_discord_refuses_to_open_is_tried_once_and_dropped(world, fake):
    title = "Refused DM Hall"
    event_id = await world.import_event(title, capacity=1)
    holder, waiting = world.member("holder"), world.member("waiting")
    for member, expected in ((holder, "confirmed"), (waiting, "waitlisted")):
        reply = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        assert expected in reply.content, reply
    await eventually(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                             (event_id,)), what="the capacity notice posted")
    # Opening the DM channel is refused for good (not 403: their DMs are not just closed).
    fake.fail("POST", r"^/users/@me/channels$", status=400, code=50035,
              message="Invalid Form Body")
    first, log_start = len(fake.requests), len(world.bot.output())
    reply = await fake.slash(world.guild, holder, "rsvp cancel", event=str(event_id))
    assert "cancelled" in reply.content, reply
    await eventually(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                             (event_id,)), what="the DM notice dropped")
    opens = [r.status for r in fake.requests[first:]
             if r.method == "POST" and r.path == "/users/@me/channels"]
    assert opens == [400], opens
    assert fake.dms(waiting) == []
    out = log_since(world, log_start)
    warnings = [line for line in out.splitlines() if "refused the promoted notice" in line]
    assert len(warnings) == 1 and f"event {event_id}" in warnings[0], out
    assert "Traceback" not in out, out


async def test_dms_to_a_deleted_events_members_do_not_hold_up_another_servers_notice(
        world, fake):
    guild = world.guild
    doomed = await world.import_event("Doomed Big Talk", capacity=100)
    # More members than Discord opens DM channels for in one window (5): their DMs take
    # three windows, the capacity notice none of them.
    members = [world.member(f"dbt{i}") for i in range(14)]
    for member in members:
        reply = await fake.slash(guild, member, "rsvp join", event=str(doomed))
        assert "confirmed" in reply.content, reply
    other = fake.add_guild("Other Club")
    moderator = fake.add_member(other, "oc mod", manage_events=True)
    await fake.wait_ready(process=world.bot)  # the bot has the new server
    small = await import_in(fake, other, moderator, "Other Small Talk", capacity=1)

    first = len(fake.requests)
    asked = await fake.slash(guild, world.moderator, "manage delete", event=str(doomed))
    confirm, _ = asked.custom_ids()
    clicked = await fake.click(guild, world.moderator, asked.message, confirm)
    await clicked.wait(lambda r: "Deleted" in (r.content or ""))
    # A "cancelled" DM to each of the members: about one a second, as Discord lets a
    # bot open DM channels. Meanwhile the other server's event fills.
    await eventually(lambda: any(fake.dms(m) for m in members), what="the first DM")
    reply = await fake.slash(other, fake.add_member(other, "oc filler"), "rsvp join",
                             event=str(small))
    assert "confirmed" in reply.content, reply

    def notices() -> list[dict]:
        return [m for c in other.channels.values() for m in fake.messages(c)
                if "**Other Small Talk**" in m["content"] and CAPACITY_REACHED in m["content"]]

    await eventually(lambda: notices(), timeout=90, what="the other server's capacity notice")
    # Every member gets their DM, once; the capacity notice did not wait for them all.
    await eventually(lambda: all(fake.dms(m) for m in members), timeout=120,
                     what="every cancelled DM")
    assert all(len(fake.dms(m)) == 1 for m in members)
    [notice] = notices()
    posted = fake.message_record(notice).created
    dms_before = sum(fake.message_record(fake.dms(m)[0]).created < posted for m in members)
    opened = [r.status for r in fake.requests[first:]
              if r.method == "POST" and r.path == "/users/@me/channels"]
    print(f"the other server's capacity notice came after {dms_before} of {len(members)} DMs; "
          f"DM channels opened: {opened.count(200)}, refused with a 429: {opened.count(429)}")
    # The members' DMs go side by side, at Discord's pace for opening DM channels.
    assert opened.count(429) == 0, opened
    assert dms_before < len(members) // 2, (
        f"the capacity notice came after {dms_before} of the {len(members)} DMs")


async def test_dms_discord_fails_to_one_member_do_not_hold_up_anothers_promotion(world, fake):
    """Discord fails the DMs to one member (502, which discord.py itself tries again five
    times, for 25 s): another member's "you have a seat" DM goes out meanwhile, not after;
    the first member's DM once Discord takes it."""
    event_id = await world.import_event("Failing DM Hall", capacity=2)
    holders = [world.member(f"fdh holder {i}") for i in (1, 2)]
    stuck, other = world.member("fdh stuck"), world.member("fdh other")
    for member, expected in ((holders[0], "confirmed"), (holders[1], "confirmed"),
                             (stuck, "waitlisted"), (other, "waitlisted")):
        reply = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        assert expected in reply.content, reply
    await until(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                        (event_id,)), what="the capacity notice posted")
    stuck_dms = rf"^/channels/{fake.dm_channel(stuck).id}/messages$"
    fake.fail("POST", stuck_dms, status=502, count=5)
    loop = asyncio.get_running_loop()
    for holder in holders:  # the stuck member's seat first, then the other's
        reply = await fake.slash(world.guild, holder, "rsvp cancel", event=str(event_id))
        assert "cancelled" in reply.content, reply
        if holder is holders[0]:  # once the stuck member's DM is being tried, a DM the
            await until(lambda: any(  # outbox cannot read (damaged) waits among the rest
                r.status == 502 and re.match(stuck_dms, r.path) for r in fake.requests),
                what="the stuck member's DM tried")
            with sqlite3.connect(world.db_path) as conn:
                conn.execute("INSERT INTO outbox (guild_id, event_id, kind, payload,"
                             " created_at) VALUES (?, ?, 'cancelled', 'not json {', 0)",
                             (world.guild.id, event_id))
    cancelled = loop.time()
    await until(lambda: fake.dms(other), timeout=60, what="the other member's promotion DM")
    delay = loop.time() - cancelled
    failing = bool(fake._faults)
    print(f"the other member's promotion DM came {delay:.1f} s after the cancellations "
          f"(the stuck member's DM still failing: {failing})")
    assert failing and delay < 10, f"the other member's DM waited {delay:.1f} s"
    fake.clear_faults()  # discord.py's next try goes through
    await until(lambda: fake.dms(stuck), timeout=30, what="the stuck member's promotion DM")
    assert len(fake.dms(stuck)) == len(fake.dms(other)) == 1
    with sqlite3.connect(world.db_path) as conn:  # (skipped by the deliverer, not sent)
        assert conn.execute("DELETE FROM outbox WHERE event_id = ? AND payload = 'not json {'",
                            (event_id,)).rowcount == 1


GONE, HERE = 110, 5  # waitlisted members who left the server, and who are still in it
MEMBER = "/guilds/{guild_id}/members/{user_id}"


def busiest_second(requests: list) -> int:
    """The most requests the server received within any one second."""
    times = sorted(r.time for r in requests)
    start, most = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_a_burst_of_promotions_stays_under_discords_global_limit(world, fake):
    """A moderator frees seats for a long waitlist at once, most of whom have left the
    server: the bot asks Discord about each promoted member (404 Unknown Member for those
    gone, whose seats it passes on) and DMs the rest, well over a hundred requests that
    it sends side by side. It keeps them under Discord's global limit of 50 a second
    itself: Discord answers none with a global 429 (each one counts toward the limit of
    invalid requests, past which Discord bans the bot's address), and every DM goes out."""
    title = "Global Pace Hall"
    event_id = await world.import_event(title, capacity=1)
    holder = world.member("gph holder")
    gone = [world.member(f"gph gone {i}") for i in range(GONE)]
    here = [world.member(f"gph here {i}") for i in range(HERE)]
    for member in (holder, *gone, *here):
        reply = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        assert ("confirmed" if member is holder else "waitlisted") in reply.content, reply
    await until(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                        (event_id,)), what="the capacity notice posted")
    for member in gone:
        fake.remove_member(world.guild, member)

    first, refused = len(fake.requests), fake.rate_limiter.refused_global
    loop = asyncio.get_running_loop()
    started = loop.time()
    raised = await fake.slash(world.guild, world.moderator, "manage capacity",
                              seats=1 + GONE + HERE, event=str(event_id))
    assert f"{GONE + HERE} members moved from the waitlist" in raised.content, raised
    # Meanwhile a member's command is answered at once: replies do not wait for the pace.
    asked = loop.time()
    status = await fake.slash(world.guild, here[0], "rsvp status", event=str(event_id))
    answered = loop.time() - asked
    assert "confirmed" in status.content and answered < 0.5, (status, answered)
    await until(lambda: all(fake.dms(m) for m in here) and not world.query(
        "SELECT 1 FROM outbox WHERE event_id = ?", (event_id,)), timeout=30,
        what="every promotion handled")
    took = loop.time() - started
    counted = [r for r in fake.requests[first:] if not r.path.startswith(EXEMPT_FROM_GLOBAL)]
    lookups = [r.status for r in counted if r.method == "GET" and r.route == MEMBER]
    global_429s = fake.rate_limiter.refused_global - refused
    print(f"figures: global-limited requests={len(counted)} in {took:.2f} s, busiest second="
          f"{busiest_second(counted)}, member lookups 404={lookups.count(404)} "
          f"200={lookups.count(200)}, global 429s={global_429s}, a member's reply meanwhile "
          f"in {answered:.3f} s")
    assert lookups.count(404) >= GONE
    assert global_429s == 0
    assert all(len(fake.dms(m)) == 1 for m in here)
    assert not any(fake.dms(m) for m in gone)
    assert sorted(world.query("SELECT user_id FROM rsvps WHERE event_id = ? AND status = "
                              "'confirmed'", (event_id,))) == sorted(
        (m.id,) for m in (holder, *here))


async def test_posts_a_servers_automod_blocks_are_said_once_and_not_retried(world, fake):
    """Discord's 400 200000 (AutoMod blocked the message): the moderator's /manage announce
    says so in one line and records nothing; an announcement's refresh and a channel notice
    are not tried again and again, the log says which server, channel and event (the title
    clipped), and the moderators are told once, in words AutoMod lets through."""
    await world.past_on_ready()
    title = "Grapefruit Diplomacy Summit"
    event_id = await world.import_event(title, capacity=2)
    announcements = world.guild.channel("announcements")
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id))
    assert "Posted" in posted.content, posted
    fake.automod(world.guild, "grapefruit")
    try:
        first, log_start = len(fake.requests), len(world.bot.output())
        again = await fake.slash(world.guild, world.moderator, "manage announce",
                                 event=str(event_id), channel=world.guild.channel("general"))
        assert again.ephemeral and "AutoMod blocked" in again.content, again
        assert "wrong" not in again.content and "Grapefruit" not in again.content, again
        assert len(world.query("SELECT 1 FROM announcement_messages WHERE event_id = ?",
                               (event_id,))) == 1  # the first one only
        # Two joins: the announcement's refresh is blocked, then the capacity notice.
        for name in ("grapefruit fan", "second fan"):
            reply = await fake.slash(world.guild, world.member(name), "rsvp join",
                                     event=str(event_id))
            assert "confirmed" in reply.content, reply

        def told() -> list[dict]:
            return [m for m in fake.messages(announcements)
                    if f"about event {event_id}" in m["content"]]

        await eventually(lambda: told() and not world.query(
            "SELECT 1 FROM outbox WHERE event_id = ?", (event_id,)) and "announcement refresh"
            in log_since(world, log_start), what="moderators told, the refresh blocked")
        assert len(told()) == 1 and "Grapefruit" not in told()[0]["content"], told()
        out = log_since(world, log_start)
        assert "Traceback" not in out and "trying again" not in out, out
        lines = [line for line in out.splitlines() if "AutoMod" in line]
        assert any("manage announce" in line and "200000" in line for line in lines), lines
        blocked = [line for line in lines if "AutoMod of guild" in line]
        assert any("capacity notice" in line for line in blocked), lines
        assert any("announcement refresh" in line for line in blocked), lines
        assert all(f"event {event_id}" in line and str(announcements.id) in line
                   and "'Grapefruit Diplomacy Summit'" in line for line in blocked), lines
        refused = [r for r in fake.requests[first:] if r.status == 400]
        assert len(refused) == len(blocked) + 1, refused  # each blocked post tried once
    finally:
        fake.automod(world.guild)


async def test_a_refresh_automod_blocked_waits_across_restarts_for_the_events_next_change(
        world, fake):
    """An announcement's refresh AutoMod blocked waits for the event's next change, also
    across restarts of the bot (a deploy, a crash): a restarted bot, which brings every
    announcement up to date, does not try the same blocked edit again, nor tell the
    moderators of it once more each time, past their 3 posts a day. The event's next
    change is tried, and shown once AutoMod lets it through."""
    await world.past_on_ready()
    title = "Kumquat Trade Dialogue"
    event_id = await world.import_event(title, capacity=5)
    announcements = world.guild.channel("announcements")
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id))
    assert "Posted" in posted.content, posted
    [message_id] = [m for (m,) in world.query(
        "SELECT message_id FROM announcement_messages WHERE event_id = ?", (event_id,))]

    def told() -> list[dict]:
        return [m for m in fake.messages(announcements)
                if f"about event {event_id}" in m["content"]]

    def edits_refused() -> int:
        return sum(r.method == "PATCH" and r.status == 400 and str(message_id) in r.path
                   for r in fake.requests)

    fake.automod(world.guild, "kumquat")
    try:
        joined = await fake.slash(world.guild, world.member("kumquat fan"), "rsvp join",
                                  event=str(event_id))
        assert "confirmed" in joined.content, joined
        await eventually(lambda: told() and edits_refused() == 1, what="the refresh blocked")
        for _ in range(2):
            await world.restart_bot()
            await world.past_on_ready()
            await asyncio.sleep(2.0)  # its refresh of every announcement done
        assert edits_refused() == 1 and len(told()) == 1, (edits_refused(), told())
    finally:
        fake.automod(world.guild)
    joined = await fake.slash(world.guild, world.member("second kumquat fan"), "rsvp join",
                              event=str(event_id))
    assert "confirmed" in joined.content, joined
    await fake.wait_message(announcements, lambda m: int(m["id"]) == message_id
                            and "3 of 5 seats left" in str(m["embeds"]), timeout=10)
