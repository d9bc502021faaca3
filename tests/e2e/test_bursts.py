"""Bursts of 1,000 under Discord's rate limits, through the real bot process.

The local server applies Discord's bucket sizes (sandbox/ratelimits.py) with
every window a hundredth as long (`SCALE`), so a burst that would keep a bucket busy
for a quarter of an hour on Discord takes seconds here, and still meets the same number
of full buckets and 429s. Each burst must end with nothing dropped or doubled, and
every interaction answered within Discord's 3 s although the bot's REST calls queue
behind full buckets.

Each test prints one `figures:` line (run with `pytest -s`): the measured duration,
the requests per bucket, the 429s served, and how long the same requests take on
Discord, computed from the counts and `DISCORD_RATE_LIMITS` (see `discord_seconds`).
The tests share one bot; the reminder burst runs last, since it sets the server's
reminder offset (the other events have no start, so they get no reminders).
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import math
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.render import CAPACITY_REACHED
from sandbox import Attachment, FakeDiscord, Recorded
from sandbox.ratelimits import DISCORD_RATE_LIMITS, EXEMPT_FROM_GLOBAL, ROUTE_BUCKETS
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page
from tests.e2e.test_reliability import db_rsvps

pytestmark = pytest.mark.asyncio(loop_scope="module")

SCALE = 0.01  # rate-limit windows a hundredth of Discord's: role grants 10 per 0.1 s
RATE_LIMITS = DISCORD_RATE_LIMITS.scaled(SCALE)  # conftest's world runs with these
BURST = 1000
WAITLISTED = re.compile(r"waitlisted \(position (\d+)\)")
MESSAGES = "/channels/{channel_id}/messages"
MESSAGE = "/channels/{channel_id}/messages/{message_id}"
ROLE = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"
DM_OPEN = "/users/@me/channels"


# --------------------------------------------------------------------------- helpers


async def eventually(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def outcome(content: str | None) -> tuple[str, int | None] | None:
    content = content or ""
    if match := WAITLISTED.search(content):
        return "waitlisted", int(match[1])
    if "You're confirmed for" in content:
        return "confirmed", None
    return None


def told(members, replies) -> dict[int, tuple[str, int | None]]:
    """What each member's reply said; every reply must have come, in time and ephemeral."""
    errors = [r for r in replies if isinstance(r, BaseException)]
    assert errors == [], errors[:3]
    said = {m.id: outcome(r.content) for m, r in zip(members, replies, strict=True)}
    assert None not in said.values() and all(r.ephemeral for r in replies)
    return said


def counters(world, event_id: int) -> tuple[int, int]:
    [(confirmed, waitlisted)] = world.query(
        "SELECT confirmed_count, waitlist_count FROM events WHERE id = ?", (event_id,))
    return confirmed, waitlisted


async def join_all(world, event_id: int, members) -> dict[int, tuple[str, int | None]]:
    """Every member runs /rsvp join at once."""
    replies = await asyncio.gather(*(
        world.fake.slash(world.guild, m, "rsvp join", event=str(event_id)) for m in members),
        return_exceptions=True)
    return told(members, replies)


def assert_seated_in_order(world, event_id: int, said, seats: int, total: int) -> None:
    assert db_rsvps(world, event_id) == said
    assert sorted(p for s, p in said.values() if s == "waitlisted") == list(
        range(1, total - seats + 1))
    assert counters(world, event_id) == (seats, total - seats)


def since(fake: FakeDiscord, start: int) -> list[Recorded]:
    return fake.requests[start:]


def kind_of(request: Recorded, guild_channels: set[int]) -> str | None:
    """Which bucket a request of the bot's falls in, by its route (None: none of these)."""
    if request.route == ROLE:
        return "role changes"
    if request.route == DM_OPEN and request.method == "POST":
        return "DM opens"
    if request.route == MESSAGES and request.method == "POST":
        channel = int(request.path.split("/")[2])
        return "channel sends" if channel in guild_channels else "DM sends"
    if request.route == MESSAGE and request.method == "PATCH":
        return "message edits"
    return None


def tally(world, requests: list[Recorded]) -> tuple[dict[str, int], dict[str, int]]:
    """Requests served per bucket, and 429s per bucket (plus every other route's)."""
    channels = set(world.guild.channels)
    served, refused = collections.Counter(), collections.Counter()
    for request in requests:
        kind = kind_of(request, channels) or "other"
        (refused if request.status == 429 else served)[kind] += 1
    return dict(served), dict(refused)


def _major(route: str, path: str, param: str | None) -> str:
    if param is None:
        return ""
    pattern = re.escape(route).replace(re.escape("{" + param + "}"), "(?P<major>[^/]+)")
    pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", pattern)
    return re.fullmatch(pattern, path)["major"]


def discord_seconds(requests: list[Recorded]) -> float:
    """How long Discord takes to serve these requests, at the least: for every bucket of
    DISCORD_RATE_LIMITS (per its major parameter), n requests need ceil(n / limit) - 1
    full windows after the first, and the global limit counts every request but the
    interaction ones. The role and DM-open sizes are guesses (Discord doesn't publish
    them); latency and the time the bot takes are left out."""
    limits = DISCORD_RATE_LIMITS
    per_bucket: collections.Counter[tuple[str, str]] = collections.Counter()
    global_count = 0
    for r in requests:
        if r.status == 429 or r.route is None:
            continue
        if not r.route.startswith(EXEMPT_FROM_GLOBAL):
            global_count += 1
        if (named := ROUTE_BUCKETS.get((r.method, r.route))) is not None:
            name, param = named
            per_bucket[name, _major(r.route, r.path, param)] += 1
    waits = [(math.ceil(n / getattr(limits, name).limit) - 1) * getattr(limits, name).per
             for (name, _), n in per_bucket.items()]
    waits.append((math.ceil(global_count / limits.global_.limit) - 1) * limits.global_.per
                 if global_count else 0.0)
    return max(waits)


def minutes(seconds: float) -> str:
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.1f}min"


def bot_role(world):
    return next(r for r in world.guild.roles.values() if r.bot_id is not None)


async def place_bot_role_above(world, role) -> None:
    """What an admin dragging the bot's role above `role` does: Discord tells the bot."""
    mine = bot_role(world)
    mine.position = role.position + 1
    await world.fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(world.guild.id),
                                                    "role": mine.payload()})


# --------------------------------------------------------------------------- 1. roles


async def test_1000_confirmations_each_get_the_attendee_role_once(world, fake):
    """1,000 seats taken at once on an event with an attendee role: the grants queue behind
    the role bucket (10 per 10 s on Discord) in one background task, off the interactions'
    path, and each confirmed member gets the role exactly once; the waitlist gets none."""
    guild = world.guild
    attendee = fake.add_role(guild, "Burst Attendee")
    await place_bot_role_above(world, attendee)
    event_id = await world.import_event("Role Burst", capacity=BURST)
    accepted = await fake.slash(guild, world.guild.owner, "manage role", role=attendee,
                                event=str(event_id))
    assert accepted.ephemeral and "(0 so far)" in accepted.content, accepted.content
    members = [world.member(f"role{i}") for i in range(BURST + 50)]
    first, refused_before = len(fake.requests), fake.rate_limiter.refused

    started = time.monotonic()
    said = await join_all(world, event_id, members)
    answered = time.monotonic() - started
    assert_seated_in_order(world, event_id, said, BURST, len(members))
    confirmed = [m for m in members if said[m.id][0] == "confirmed"]
    waiting = [m for m in members if said[m.id][0] == "waitlisted"]
    await eventually(lambda: all(attendee in m.roles for m in confirmed), timeout=90,
                     what="the role on every confirmed member")
    granted = time.monotonic() - started
    await asyncio.sleep(1.0)  # anything doubled or late would come now

    assert all(m.roles.count(attendee) == 1 for m in confirmed)
    assert not any(attendee in m.roles for m in waiting)
    requests = since(fake, first)
    grants = [r for r in requests if r.route == ROLE and r.status == 204]
    assert len(grants) == BURST and all(r.method == "PUT" for r in grants)
    assert {int(r.path.split("/")[4]) for r in grants} == {m.id for m in confirmed}
    served, refused = tally(world, requests)
    assert served.get("role changes") == BURST
    on_discord = discord_seconds(requests)
    assert on_discord >= (BURST / 10 - 1) * 10  # the role bucket sets the pace
    # counts are written as every other count is, with their thousands separated
    listed = await fake.slash(guild, world.moderator, "manage attendees", event=str(event_id))
    assert listed.content.startswith("1,000 confirmed, 50 waitlisted"), listed.content
    print(f"figures: roles members={len(members)} confirmed={BURST} waitlisted={len(waiting)} "
          f"role_grants={len(grants)} doubled=0 missing=0 all_answered_seconds={answered:.2f} "
          f"all_granted_seconds={granted:.2f} (windows x{SCALE}) served={served} "
          f"429s={refused} (limiter: {fake.rate_limiter.refused - refused_before}) "
          f"buckets_floor_here={on_discord * SCALE:.2f}s on_discord>={minutes(on_discord)}")


# --------------------------------------------------------------------------- 2. announced event


async def test_1000_join_clicks_on_an_announced_event_keep_its_message_exact(world, fake):
    """1,000 Join clicks at once under an announcement: every click answered, the seats
    and the waitlist exact, one capacity notice, and the announcement's count ends equal
    to the database after at most one edit per 2 s."""
    title, seats = "Click Burst", 100
    event_id = await world.import_event(title, capacity=seats)
    channel = world.guild.channel("announcements")
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id), channel=channel)
    assert "Posted" in posted.content, posted.content
    message = await fake.wait_message(
        channel, lambda m: any(e.get("title") == title for e in m["embeds"]))
    record = fake.message_record(message)
    members = [world.member(f"click{i}") for i in range(BURST)]
    await asyncio.sleep(2.5)  # the editor's pause after the announcement's own refresh
    first, refused_before, edits_before = len(fake.requests), fake.rate_limiter.refused, len(
        record.edits)

    started = time.monotonic()
    replies = await asyncio.gather(*(
        fake.click(world.guild, m, message, f"eventbot:rsvp:join:{event_id}") for m in members),
        return_exceptions=True)
    answered = time.monotonic() - started
    said = told(members, replies)
    assert_seated_in_order(world, event_id, said, seats, BURST)
    rows = world.query("SELECT status FROM rsvps WHERE event_id = ? ORDER BY seq", (event_id,))
    assert [s for (s,) in rows] == ["confirmed"] * seats + ["waitlisted"] * (BURST - seats)

    confirmed, waitlisted = counters(world, event_id)
    final = (f"all {confirmed} seats are taken", f"({waitlisted} waiting)")

    def shows_final(m: dict) -> bool:
        text = " ".join(str(e) for e in m["embeds"])
        return m["id"] == message["id"] and all(part in text for part in final)

    await fake.wait_message(channel, shows_final, timeout=10)
    settled = time.monotonic() - started
    await asyncio.sleep(3.0)  # past the editor's next turn: no further edit may come
    assert shows_final(record.data)
    channel_posts = fake.messages(world.guild.channel("announcements"))
    notices = [m for m in channel_posts
               if f"**{title}**" in m["content"] and CAPACITY_REACHED in m["content"]]
    assert len(notices) == 1
    edits = record.edits[edits_before:]
    gaps = [b - a for a, b in itertools.pairwise(edits)]
    assert edits and all(gap >= 1.9 for gap in gaps), gaps
    assert len(edits) <= settled / 2 + 2, (len(edits), settled)
    requests = since(fake, first)
    served, refused = tally(world, requests)
    assert served.get("channel sends") == 1  # the capacity notice
    on_discord = discord_seconds(requests)
    print(f"figures: announced-burst clicks={BURST} seats={seats} confirmed={confirmed} "
          f"waitlisted={waitlisted} lost=0 capacity_notices={len(notices)} "
          f"announcement_edits={len(edits)} all_answered_seconds={answered:.2f} "
          f"final_count_shown_seconds={settled:.2f} (windows x{SCALE}) served={served} "
          f"429s={refused} (limiter: {fake.rate_limiter.refused - refused_before}) "
          f"on_discord_rest>={minutes(on_discord)} (the edits follow the clicks, at most one "
          f"per 2 s)")


# --------------------------------------------------------------------------- 3. reminders


async def test_1000_confirmed_members_each_get_one_reminder_dm(world, fake):
    """1,000 confirmed members whose reminder falls due at once: the scheduler sends the
    DMs one after another behind the DM-open bucket (a guess of 5 per 5 s on Discord),
    and everyone gets exactly one; the waitlist gets none."""
    title = "Reminder Burst"
    reply = await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")
    assert reply.ephemeral, reply.content
    far = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    page = title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT
    event_id = await world.import_event(title, capacity=BURST, page=page,
                                        starts_at=far.isoformat())
    members = [world.member(f"remind{i}") for i in range(BURST + 20)]
    said = await join_all(world, event_id, members)
    assert_seated_in_order(world, event_id, said, BURST, len(members))
    confirmed = [m for m in members if said[m.id][0] == "confirmed"]
    waiting = [m for m in members if said[m.id][0] == "waitlisted"]
    assert world.query("SELECT count(*) FROM reminders_sent WHERE event_id = ?",
                       (event_id,)) == [(0,)]

    # Move the start to about 63 s from now: the 1-minute reminder falls due for all 2-3 s
    # later, and every DM must go out before the start.
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=63)
    first, refused_before = len(fake.requests), fake.rate_limiter.refused
    moved = await import_page(fake, world.guild, world.moderator,
                             page=Attachment("announcement.txt", page, "text/plain"),
                             event=str(event_id), starts_at=starts.isoformat())
    assert f"(event {event_id})" in moved.content, moved.content

    def reminders(member) -> list[dict]:
        return [m for m in fake.dms(member) if title in m["content"]
                and m["content"].startswith("⏰ Reminder:")]

    def told_of_the_move(member) -> list[dict]:
        return [m for m in fake.dms(member) if title in m["content"]
                and m["content"].startswith("📅 An event you registered for changed")]

    await eventually(lambda: all(reminders(m) for m in confirmed), timeout=55,
                     what="a reminder DM for every confirmed member")
    delivered = time.time() - (starts.timestamp() - 60)  # seconds after falling due
    assert time.time() < starts.timestamp()  # all before the start
    await asyncio.sleep(1.5)  # the scheduler's next round: nothing sent twice
    assert all(len(reminders(m)) == 1 for m in confirmed)
    assert not any(reminders(m) for m in waiting)
    # The import that moved the start told every member registered, once (each member's
    # DM channel, opened for it, then carries the reminder too).
    await eventually(lambda: all(told_of_the_move(m) for m in members), timeout=30,
                     what="every member told of the move")
    assert all(len(told_of_the_move(m)) == 1 for m in members)
    assert world.query("SELECT count(*) FROM reminders_sent WHERE event_id = ?",
                       (event_id,)) == [(BURST,)]
    requests = since(fake, first)
    served, refused = tally(world, requests)
    assert served.get("DM sends") == BURST + len(members)
    assert len(members) <= served.get("DM opens", 0) <= BURST + len(members)  # one a DM at most
    on_discord = discord_seconds(requests)
    assert on_discord >= (BURST / 5 - 1) * 5  # the DM-open bucket sets the pace
    print(f"figures: reminders confirmed={BURST} waitlisted={len(waiting)} reminder_dms="
          f"{sum(len(reminders(m)) for m in confirmed)} doubled=0 missing=0 "
          f"all_delivered_seconds_after_due={delivered:.2f} (windows x{SCALE}) "
          f"served={served} 429s={refused} "
          f"(limiter: {fake.rate_limiter.refused - refused_before}) "
          f"buckets_floor_here={on_discord * SCALE:.2f}s on_discord>={minutes(on_discord)}")


async def test_the_bot_logged_no_unexpected_error(world):
    output = world.bot.output()
    assert "Traceback" not in output and "ERROR" not in output, output[-3000:]
    assert world.fake.server_errors == []

