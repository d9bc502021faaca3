"""Reminders, attendee roles and Discord scheduled events, through the real bot process.

The module's tests share one bot and one server, and run in order: the reminder
offsets set in the first tests stay for the later ones (events there have no start,
or one far away, so they get no reminders in the meantime).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.catalog import MAX_LINK, MAX_TITLE
from bot.render import without_bidi_controls
from sandbox import Attachment, Guild, Member
from sandbox.models import ADMINISTRATOR
from tests.conftest import ROOT
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, edited, import_page, until_past

pytestmark = pytest.mark.asyncio(loop_scope="module")

MANAGE_ROLES = 1 << 28
MANAGE_EVENTS = 1 << 33
CREATE_EVENTS = 1 << 44  # Discord's newer permission: create events, manage one's own


async def eventually(predicate, timeout: float = 5.0, what: str = "the condition"):
    """Poll (the fake changes in this loop as the bot calls it) until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def reminders_to(fake, member, title: str) -> list[dict]:
    return [m for m in fake.dms(member) if title in m["content"] and "Reminder" in m["content"]]


def bot_role(world):
    return next(r for r in world.guild.roles.values() if r.bot_id is not None)


async def move_role(world, role, position: int) -> None:
    """What an admin dragging a role in Server Settings > Roles does: Discord tells the bot."""
    role.position = position
    await world.fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(world.guild.id),
                                                    "role": role.payload()})


async def set_permissions(world, role, permissions: int) -> None:
    """What an admin changing a role's permissions does: Discord tells the bot."""
    role.permissions = permissions
    await world.fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(world.guild.id),
                                                    "role": role.payload()})


async def role_the_bot_may_give(world, fake, name: str):
    """A new role, below the bot's: each test its own, whatever the tests before it did."""
    role = fake.add_role(world.guild, name)
    if bot_role(world).position <= role.position:
        await move_role(world, bot_role(world), role.position + 1)
    return role


async def scheduled_events_on(world, fake) -> None:
    """Discord events turned on for the server (the default, which a test may change)."""
    await fake.slash(world.guild, world.moderator, "manage scheduled-events", state="on")


async def announced_on_discord(world, fake, title: str,
                               starts_at: str = "2037-09-01T18:00:00+00:00"
                               ) -> tuple[int, dict]:
    """An event of 5 seats starting at `starts_at`, announced with Discord events on: its
    id and the Discord event the announce made."""
    await scheduled_events_on(world, fake)
    event_id = await world.import_event(title, capacity=5, starts_at=starts_at)
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id))
    assert "Discord events" in posted.content, posted.content
    [created] = [e for e in fake.scheduled_events(world.guild) if e["name"] == title]
    return event_id, created


async def given_on_joining(world, fake, role, event_id: int, name: str):
    """`/manage role` gives the event `role`; a new member joins and gets it."""
    member = world.member(name)
    await fake.slash(world.guild, world.guild.owner, "manage role", role=role,
                     event=str(event_id))
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    await eventually(lambda: role in member.roles, what="the role on joining")
    return member


def refuse_taking(fake, world, member, role) -> int:
    """Discord refuses the next removal of `role` from `member` (the bot's permission was
    taken away meanwhile); returns how many requests the server had had by then."""
    route = rf"^/guilds/{world.guild.id}/members/{member.id}/roles/{role.id}$"
    fake.fail("DELETE", route, status=403, code=50013, message="Missing Permissions")
    return len(fake.requests)


async def joins_and_is_refused(world, fake, member, role, event_id: int) -> None:
    """`member` joins, and Discord refuses to give them `role` (the bot's permission was
    taken away meanwhile): the event's grants wait 10 s before the next try."""
    guild = world.guild
    fake.fail("PUT", rf"^/guilds/{guild.id}/members/{member.id}/roles/{role.id}$",
              status=403, code=50013, message="Missing Permissions")
    first_request = len(fake.requests)
    await fake.slash(guild, member, "rsvp join", event=str(event_id))
    await eventually(lambda: any(r.method == "PUT" and r.status == 403
                                 for r in fake.requests[first_request:]),
                     what="the refused grant")


# -- reminders ------------------------------------------------------------------------


def reminder_minutes(world) -> list[tuple]:
    return world.query("SELECT reminder_minutes FROM guild_settings WHERE guild_id = ?",
                       (world.guild.id,))


async def test_manage_reminders_refuses_bad_offsets_with_a_clear_error(world, fake):
    before = reminder_minutes(world)
    for given, words in [("abc", "not a whole number of minutes"),
                         ("10081", "from 1 to 10,080"),
                         ("60,-5", "not a whole number of minutes"),
                         ("1.5", "not a whole number of minutes"),
                         ("1,2,3,4,5,6", "at most 5 reminders"),
                         (",", "give the minutes"),
                         # thousands grouped, or 1 and 440 minutes? (it was taken for these)
                         ("1,440", "could be 1440 minutes or two reminders")]:
        reply = await fake.slash(world.guild, world.moderator, "manage reminders", minutes=given)
        assert reply.ephemeral and words in reply.content.casefold(), (given, reply.content)
    assert reminder_minutes(world) == before  # nothing refused was stored
    outsider = await fake.slash(world.guild, world.member("no perms"), "manage reminders",
                                minutes="5")
    assert outsider.ephemeral and "Manage Events" in outsider.content
    ok = await fake.slash(world.guild, world.moderator, "manage reminders", minutes="60, 1440")
    assert ok.ephemeral and "1 day and 1 hour" in ok.content
    off = await fake.slash(world.guild, world.moderator, "manage reminders", minutes="off")
    assert "off" in off.content
    assert reminder_minutes(world) == [("",)]


async def test_minutes_pasted_with_invisible_characters_are_the_minutes_they_show(world, fake):
    """"60" pasted with a zero-width space, a byte-order mark or direction marks (text
    copied from a web page or a chat) was refused as "'60' is not a whole number of
    minutes": the moderator sees no difference. "off" so pasted was refused too."""
    try:
        for given, stored in [("60\u200b", "60"), ("\ufeff1440, 60", "1440,60"),
                              ("\u202a1440\u202c,\u200e60", "1440,60"), ("off\u2060", "")]:
            reply = await fake.slash(world.guild, world.moderator, "manage reminders",
                                     minutes=given)
            assert not reply.content.startswith("⚠️"), (given, reply.content)
            assert reminder_minutes(world) == [(stored,)], given
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="off")


@pytest.mark.parametrize(("locale", "one", "two"), [
    ("en-US", "a DM 1 day 1 hour before", "2 DMs before each event starts: 1 day and 1 hour"),
    ("zh-CN", "开始前 1 天 1 小时 收到私信", "收到 2 条私信提醒：分别在开始前 1 天和 1 小时"),
])
async def test_two_reminders_do_not_read_as_one_reminder_of_their_sum(world, fake, locale,
                                                                      one, two):
    """"1440,60" (two DMs, a day and an hour before) was confirmed as "a DM 1 day and 1
    hour before each event starts", as "1500" (one DM 25 hours before) was as "a DM 1 day
    1 hour before": read alike, though one sends two DMs and the other one."""
    moderator = world.member(locale=locale, manage_events=True)
    try:
        single = await fake.slash(world.guild, moderator, "manage reminders", minutes="1500")
        assert one in single.content, single.content
        double = await fake.slash(world.guild, moderator, "manage reminders", minutes="1440,60")
        assert two in double.content, double.content
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="off")


async def test_an_all_day_events_reminder_shows_its_date_as_event_info_does(world, fake):
    """A clock time for an all-day event would show midnight in the server's zone: the
    evening before for a reader further west."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="2880")
    try:
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0,
                                                                   second=0, microsecond=0)
        title = "All Day Fair"
        event_id = await world.import_event(title, capacity=5,
                                            starts_at=tomorrow.strftime("%Y-%m-%d"))
        member = world.member("fair goer")
        await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        info = await fake.slash(world.guild, member, "event info", event=str(event_id))
        date = f"{tomorrow:%A, %B} {tomorrow.day}, {tomorrow.year}"  # as en-US writes it
        assert date in str(info.embeds[0]), info.embeds[0]
        dm = await fake.wait_message(fake.dm_channel(member),
                                     lambda m: title in m["content"], timeout=15)
        assert "Reminder" in dm["content"] and f"starts {date}" in dm["content"], dm["content"]
        assert ":F>" not in dm["content"]
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")


async def test_a_confirmed_member_is_reminded_once_even_across_a_restart(world, fake):
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=65)
    title = "Reminder Roundtable"
    event_id = await world.import_event(title, capacity=2, starts_at=starts.isoformat())
    closed, reminded, waiting = (world.member(n) for n in ("closed dms", "reminded", "waiting"))
    fake.block_dms(closed)
    for member in (closed, reminded, waiting):  # the blocked member is reminded first
        await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    assert world.query("SELECT user_id, status FROM rsvps WHERE event_id = ? ORDER BY seq",
                       (event_id,)) == [(closed.id, "confirmed"), (reminded.id, "confirmed"),
                                        (waiting.id, "waitlisted")]
    if time.time() < starts.timestamp() - 61:  # due 60 s before the start: not yet
        assert reminders_to(fake, reminded, title) == []

    dm = await fake.wait_message(fake.dm_channel(reminded),
                                 lambda m: title in m["content"], timeout=15)
    assert f"<t:{int(starts.timestamp())}:F>" in dm["content"]
    assert f"<t:{int(starts.timestamp())}:R>" in dm["content"]
    assert "Reminder" in dm["content"] and "@" not in dm["content"]
    assert dm["flags"] & 1 << 2  # SUPPRESS_EMBEDS: a venue's web address makes no preview
    await eventually(lambda: "does not accept DMs" in world.bot.output(), what="the skip log")
    await asyncio.sleep(1.0)
    assert len(reminders_to(fake, reminded, title)) == 1
    assert world.query("SELECT user_id, minutes FROM reminders_sent WHERE event_id = ?"
                       " ORDER BY user_id", (event_id,)) == sorted([(closed.id, 1),
                                                                    (reminded.id, 1)])
    await world.restart_bot()
    await asyncio.sleep(1.5)  # the new process's scheduler has run its first round
    assert len(reminders_to(fake, reminded, title)) == 1
    assert reminders_to(fake, waiting, title) == []
    assert fake.dms(closed) == []


async def test_a_reminder_held_up_by_discord_skips_a_member_who_cancelled_since(world, fake):
    """Discord holds the bot's DMs back as two members' reminders come due; meanwhile the
    first gives their seat up: the late reminder, which says they are confirmed, is not
    sent to them. The member still confirmed is reminded."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="60")
    try:
        title = "Held Reminder Talk"
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
        event = str(await world.import_event(title, capacity=3, starts_at=starts.isoformat()))
        leaver, stayer = world.member("held leaver"), world.member("held stayer")
        fake.fail("POST", r"^/users/@me/channels$", status=429, retry_after=3.0)  # leaver's
        for member in (leaver, stayer):  # the leaver's DM first
            assert "confirmed" in (await fake.slash(world.guild, member, "rsvp join",
                                                    event=event)).content
        await eventually(lambda: world.query(
            "SELECT user_id FROM reminders_sent WHERE event_id = ?", (int(event),))
            == [(leaver.id,)], what="the leaver's reminder claimed, its DM held up")
        assert "cancelled" in (await fake.slash(world.guild, leaver, "rsvp cancel",
                                                event=event)).content
        await fake.wait_message(fake.dm_channel(stayer), lambda m: title in m["content"],
                                timeout=15)
        await asyncio.sleep(0.5)  # the leaver's reminder came before the stayer's
        assert reminders_to(fake, leaver, title) == []
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")


async def test_a_member_promoted_in_the_reminder_window_hears_of_the_seat_first(world, fake):
    """A seat frees half an hour before the start: the member promoted to it is due their
    reminder at once, and the DM telling them of the seat goes out at once too. Discord
    holds that DM up for a while (a rate limit on asking whether they are still in the
    server): the reminder, which speaks of their seat, waits for it."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="60")
    try:
        title = "Promoted Seat Panel"
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
        event = str(await world.import_event(title, capacity=1, starts_at=starts.isoformat()))
        holder, waiter = world.member("seat holder"), world.member("seat waiter")
        for member in (holder, waiter):
            await fake.slash(world.guild, member, "rsvp join", event=event)
        await fake.wait_message(fake.dm_channel(holder), lambda m: title in m["content"],
                                timeout=15)
        fake.fail("GET", rf"^/guilds/{world.guild.id}/members/{waiter.id}$", status=429,
                  retry_after=2.0)
        assert "cancelled" in (await fake.slash(world.guild, holder, "rsvp cancel",
                                                event=event)).content
        await eventually(lambda: len(reminders_to(fake, waiter, title)) == 1, timeout=15,
                         what="the promoted member's reminder")
        told = [m["content"] for m in fake.dms(waiter) if title in m["content"]]
        assert len(told) == 2 and "a seat freed up" in told[0], told
        await asyncio.sleep(0.5)
        assert len(reminders_to(fake, waiter, title)) == 1
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")


async def test_a_reminder_held_up_by_discord_past_the_start_is_not_sent(world, fake):
    """A member confirmed just before an event begins is due its reminder at once, but
    Discord holds the bot's DMs back until the event has begun: a reminder still unsent
    when the event starts is skipped, not sent saying it "starts 2 seconds ago"."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="60")
    try:
        title = "Just Begun Talk"
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)
        event = str(await world.import_event(title, capacity=3, starts_at=starts.isoformat()))
        member = world.member("just too late")
        fake.fail("POST", r"^/users/@me/channels$", status=429,
                  retry_after=until_past(starts, 1.5))
        assert "confirmed" in (await fake.slash(world.guild, member, "rsvp join",
                                                event=event)).content
        await eventually(lambda: f"user {member.id}" in world.bot.output(), timeout=15,
                         what="the reminder's turn")
        await asyncio.sleep(0.5)
        assert datetime.now(UTC) > starts
        assert reminders_to(fake, member, title) == []
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")


async def held_reminder_then_moved(world, fake, title: str, name: str, moved_by: timedelta,
                                   starts_in: timedelta = timedelta(minutes=30)):
    """A member's reminder comes due at once (the event starts in `starts_in`, less than
    an offset away), Discord holds the bot's DMs back, and meanwhile a moderator moves the
    event by `moved_by` (importing its page again with the new start). Returns the member
    and the old and new starts."""
    starts = datetime.now(UTC).replace(microsecond=0) + starts_in
    event = str(await world.import_event(title, capacity=3, starts_at=starts.isoformat()))
    member = world.member(name)
    fake.fail("POST", r"^/users/@me/channels$", status=429, retry_after=4.0)
    assert "confirmed" in (await fake.slash(world.guild, member, "rsvp join",
                                            event=event)).content
    await eventually(lambda: world.query(
        "SELECT count(*) FROM reminders_sent WHERE event_id = ?", (int(event),)) == [(1,)],
        what="the reminder claimed")
    moved = starts + moved_by
    assert int(event) == await world.import_event(title, capacity=3,
                                                  starts_at=moved.isoformat())
    return member, starts, moved


async def test_a_reminder_held_up_while_its_event_moved_shows_the_new_time(world, fake):
    """The event moves a quarter of an hour later while its reminder is held up: the
    reminder, still due at the new start, says when the event is now, not when it was."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="60")
    try:
        title = "Moved Fireside Talk"
        member, starts, moved = await held_reminder_then_moved(
            world, fake, title, "moved reminded", timedelta(minutes=15))
        await eventually(lambda: reminders_to(fake, member, title) != [], timeout=15,
                         what="the reminder")
        [dm] = reminders_to(fake, member, title)
        assert f"<t:{int(moved.timestamp())}:F>" in dm["content"], dm["content"]
        assert f"<t:{int(starts.timestamp())}" not in dm["content"], dm["content"]
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")


async def test_a_reminder_held_up_while_its_event_moved_far_off_waits_for_the_new_time(
        world, fake):
    """The event moves days later while its reminder is held up: an hour-before reminder
    now, days ahead, is not sent (it comes due again at the new start)."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="60")
    try:
        title = "Postponed Fireside Talk"
        member, _, _ = await held_reminder_then_moved(world, fake, title, "postponed reminded",
                                                      timedelta(days=2))
        await eventually(lambda: any(said in world.bot.output() for said in (
            f"user {member.id}'s reminder", f"reminded user {member.id} ")),
            timeout=15, what="the reminder's turn")
        await asyncio.sleep(0.5)
        assert reminders_to(fake, member, title) == []
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")


async def the_one_reminder(fake, member, title: str, starts: datetime) -> None:
    """The member gets one reminder of the event, showing its start `starts`, and no
    second one in the seconds after it."""
    await eventually(lambda: reminders_to(fake, member, title) != [], timeout=15,
                     what="the reminder")
    await asyncio.sleep(3)  # a second reminder, if any, is claimed and sent by now
    [dm] = reminders_to(fake, member, title)
    assert f"<t:{int(starts.timestamp())}:F>" in dm["content"], dm["content"]


async def test_a_reminder_held_up_while_its_event_moved_nearer_is_sent_once(world, fake):
    """Reminders two hours and one hour before; the member joins 90 minutes ahead, so the
    two-hour one is due at once, and Discord holds it up while the event is brought
    forward to half an hour away, where the hour-before one is due too: one reminder,
    at the new time, not one for each."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="120,60")
    try:
        title = "Brought Forward Fireside Talk"
        member, _, moved = await held_reminder_then_moved(
            world, fake, title, "brought forward", -timedelta(hours=1),
            starts_in=timedelta(minutes=90))
        await the_one_reminder(fake, member, title, moved)
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")


async def test_a_reminder_held_up_while_its_event_moved_and_back_is_sent_once(world, fake):
    """The event is brought forward and then put back at its start while its reminder is
    held up: the member hears once, not once from the held reminder and again from the
    move having made the hour-before reminder due anew."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="60")
    try:
        title = "Moved And Back Fireside Talk"
        member, starts, _ = await held_reminder_then_moved(
            world, fake, title, "moved back reminded", -timedelta(minutes=20))
        await world.import_event(title, capacity=3, starts_at=starts.isoformat())
        await the_one_reminder(fake, member, title, starts)
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")


# -- attendee roles --------------------------------------------------------------------


async def test_manage_role_explains_what_to_change_when_it_cannot_give_the_role(world, fake):
    event_id = await world.import_event("Role Checks", capacity=5)
    high = fake.add_role(world.guild, "High")
    assert high.position > bot_role(world).position  # the fake puts new roles on top
    cases = [(high, "at or above my highest role"),
             (world.guild.everyone, "everyone can't be an attendee role"),
             (bot_role(world), "managed by an integration")]
    for role, words in cases:
        reply = await fake.slash(world.guild, world.guild.owner, "manage role", role=role,
                                 event=str(event_id))
        assert reply.ephemeral and words in reply.content, (role.name, reply.content)
        if role is high:
            assert "drag my role above" in reply.content
    mine = bot_role(world)
    await set_permissions(world, mine, mine.permissions & ~MANAGE_ROLES)
    try:
        reply = await fake.slash(world.guild, world.guild.owner, "manage role", role=high,
                                 event=str(event_id))
    finally:
        await set_permissions(world, mine, mine.permissions | MANAGE_ROLES)
    assert reply.ephemeral and "Manage Roles" in reply.content
    missing = await fake.slash(world.guild, world.guild.owner, "manage role", event=str(event_id))
    assert "Name the role to give" in missing.content
    assert world.query("SELECT attendee_role_id FROM events WHERE id = ?",
                       (event_id,)) == [(None,)]


async def test_manage_role_hands_out_no_role_its_moderator_could_not_give(world, fake):
    """Whoever RSVPs gets the attendee role: Manage Events alone must not let a moderator
    have the bot give out roles (Administrator to themselves, say). As on Discord, it takes
    Manage Roles and a role below the moderator's own highest; and a role carrying
    moderator permissions is refused to everyone, the server's owner too."""
    guild = world.guild
    event_id = await world.import_event("Role Powers", capacity=5)
    plain = fake.add_role(guild, "Plain Attendee")
    admins = fake.add_role(guild, "Admins", 1 << 3)  # Administrator
    organisers = fake.add_role(guild, "Organisers", MANAGE_EVENTS)
    pingers = fake.add_role(guild, "Pingers", 1 << 17)  # Mention @everyone
    staff = fake.add_role(guild, "Staff", MANAGE_EVENTS | MANAGE_ROLES)
    above = fake.add_role(guild, "Above Staff")
    await move_role(world, bot_role(world), above.position + 1)

    async def set_role(who, role):
        return await fake.slash(guild, who, "manage role", role=role, event=str(event_id))

    refused = await set_role(world.moderator, plain)  # Manage Events only
    assert refused.ephemeral and refused.content == (
        "⚠️ Giving **Plain Attendee** to members takes the **Manage Roles** permission, "
        "which you don't have; ask someone who has it to set the role."), refused.content
    for role in (admins, organisers, pingers):
        refused = await set_role(guild.owner, role)
        assert refused.ephemeral and "moderator permissions" in refused.content, role.name
    lead = world.member("lead")
    lead.roles.append(staff)
    refused = await set_role(lead, above)
    assert refused.ephemeral and "above your highest role" in refused.content, refused.content
    odd = fake.add_role(guild, "Event_Team *VIP*")  # a name with markdown, shown as written
    refused = await set_role(world.moderator, odd)
    assert refused.content.startswith("⚠️ Giving **Event\\_Team \\*VIP\\*** to members")

    assert world.query("SELECT attendee_role_id FROM events WHERE id = ?",
                       (event_id,)) == [(None,)]

    # Giving roles is a server-wide power: a channel's overwrite (where the bit of Manage
    # Roles means Manage Permissions) neither gives it to the bot nor takes it away.
    general, me = guild.channel("general"), guild.members[fake.bot_user.id]
    fake.set_overwrite(general, me, deny=MANAGE_ROLES)
    try:
        accepted = await set_role(lead, plain)
        assert "⚠️" not in accepted.content, accepted.content
    finally:
        fake.set_overwrite(general, me)
    mine = bot_role(world)
    await set_permissions(world, mine, mine.permissions & ~MANAGE_ROLES)
    fake.set_overwrite(general, me, allow=MANAGE_ROLES)
    try:
        refused = await set_role(lead, plain)
    finally:
        fake.set_overwrite(general, me)
        await set_permissions(world, mine, mine.permissions | MANAGE_ROLES)
    assert refused.ephemeral and "I need the **Manage Roles** permission" in refused.content
    accepted = await set_role(lead, plain)
    assert accepted.ephemeral and "get" in accepted.content, accepted.content
    joiner = world.member("powerless")
    await fake.slash(guild, joiner, "rsvp join", event=str(event_id))
    await eventually(lambda: plain in joiner.roles, what="the plain role on joining")
    assert world.moderator.roles == [guild.role("Event Manager")]


async def test_confirmed_members_get_the_role_and_lose_it_when_they_cancel(world, fake):
    guild = world.guild
    attendee = fake.add_role(guild, "Attendee")
    above = fake.add_role(guild, "Moderators")
    # An admin drags the bot's role between the two.
    await move_role(world, bot_role(world), attendee.position + 1)
    await move_role(world, above, attendee.position + 2)
    refused = await fake.slash(guild, world.guild.owner, "manage role", role=above)
    assert refused.ephemeral and "at or above my highest role" in refused.content

    event_id = await world.import_event("Role Workshop", capacity=2)
    early, joiner, waiter = (world.member(n) for n in ("early", "joiner", "waiter"))
    await fake.slash(guild, early, "rsvp join", event=str(event_id))
    accepted = await fake.slash(guild, world.guild.owner, "manage role", role=attendee,
                                event=str(event_id))
    assert accepted.ephemeral and "get" in accepted.content and "(1 so far)" in accepted.content
    await eventually(lambda: attendee in early.roles, what="the role for an earlier member")

    await fake.slash(guild, joiner, "rsvp join", event=str(event_id))
    await eventually(lambda: attendee in joiner.roles, what="the role on joining")
    route = f"/guilds/{guild.id}/members/{joiner.id}/roles/{attendee.id}"
    assert any(r.method == "PUT" and r.path.endswith(route) for r in fake.requests)
    waiting = await fake.slash(guild, waiter, "rsvp join", event=str(event_id))
    assert "waitlisted" in waiting.content

    await fake.slash(guild, joiner, "rsvp cancel", event=str(event_id))
    await eventually(lambda: attendee not in joiner.roles, what="the role gone on cancelling")
    await eventually(lambda: attendee in waiter.roles, what="the role on promotion")
    assert any(r.method == "DELETE" and r.path.endswith(route) for r in fake.requests)
    assert attendee in early.roles

    # Promoted by a capacity change; Discord refuses the second grant, which is only logged.
    later, unlucky = world.member("later"), world.member("unlucky")
    for member in (later, unlucky):
        await fake.slash(guild, member, "rsvp join", event=str(event_id))
    fake.fail("PUT", rf"/members/{unlucky.id}/roles/", status=403, code=50013,
              message="Missing Permissions")
    raised = await fake.slash(guild, world.moderator, "manage capacity", seats=4,
                              event=str(event_id))
    assert "2 members moved from the waitlist" in raised.content
    await eventually(lambda: attendee in later.roles, what="the role on a capacity promotion")
    await eventually(lambda: "not allowed to give role" in world.bot.output(),
                     what="the refused grant logged")
    assert attendee not in unlucky.roles
    status = await fake.slash(guild, unlucky, "rsvp status", event=str(event_id))
    assert "confirmed" in status.content

    cleared = await fake.slash(guild, world.guild.owner, "manage role", clear=True,
                               event=str(event_id))
    assert cleared.ephemeral and "no role" in cleared.content
    await eventually(lambda: not any(attendee in m.roles for m in (early, waiter, later)),
                     what="the role gone from everyone after clear")


async def test_the_role_is_taken_back_when_the_event_starts(world, fake):
    guild = world.guild
    attendee = await role_the_bot_may_give(world, fake, "Attendee at short notice")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=6)
    event_id = await world.import_event("Short Notice", capacity=5, starts_at=starts.isoformat())
    member = world.member("brief attendee")
    await fake.slash(guild, world.guild.owner, "manage role", role=attendee, event=str(event_id))
    await fake.slash(guild, member, "rsvp join", event=str(event_id))
    await eventually(lambda: attendee in member.roles, what="the role on joining")
    await eventually(lambda: attendee not in member.roles, timeout=10,
                     what="the role taken back at the start (the event gives no end)")
    await eventually(lambda: world.query("SELECT attendee_role_id FROM events WHERE id = ?",
                                         (event_id,)) == [(None,)],
                     what="the event no longer giving out the role (written after the call)")
    assert time.time() >= starts.timestamp()


async def test_a_role_given_to_an_event_with_members_is_taken_back_at_its_start(world, fake):
    """`/manage role` on an event its members joined before: nothing else wakes the
    scheduler, asleep with nothing due, and the role still goes at the event's start,
    not up to a minute later, when the scheduler next looks of its own accord."""
    guild = world.guild
    attendee = await role_the_bot_may_give(world, fake, "Attendee of a quiet scheduler")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=10)
    event_id = await world.import_event("Quiet Scheduler", capacity=5,
                                        starts_at=starts.isoformat())
    member = world.member("early quiet attendee")
    await fake.slash(guild, member, "rsvp join", event=str(event_id))
    await asyncio.sleep(3)  # the join's round is over: the scheduler sleeps, nothing due
    await fake.slash(guild, world.guild.owner, "manage role", role=attendee, event=str(event_id))
    await eventually(lambda: attendee in member.roles, what="the role for the early member")
    await eventually(lambda: attendee not in member.roles,
                     timeout=starts.timestamp() - time.time() + 5,
                     what="the role taken back at the start")


async def test_a_role_is_taken_back_at_its_events_start_during_a_burst_of_reminders(
        world, fake):
    """Reminders of a big event fall due together, and Discord lets the bot open about a
    DM channel a second: the burst lasts minutes. An event ending meanwhile has its
    attendee role taken back at its end, not once the last reminder of the burst is out."""
    guild = world.guild
    await fake.slash(guild, world.moderator, "manage reminders", minutes="60")
    try:
        attendee = await role_the_bot_may_give(world, fake, "Attendee amid a burst")
        ending = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=12)
        short = await world.import_event("Ends Amid Reminders", capacity=5,
                                         starts_at=ending.isoformat())
        holder = world.member("holder amid a burst")
        await fake.slash(guild, world.guild.owner, "manage role", role=attendee,
                         event=str(short))
        await fake.slash(guild, holder, "rsvp join", event=str(short))
        await eventually(lambda: attendee in holder.roles, what="the role on joining")
        await fake.wait_message(fake.dm_channel(holder),  # its own reminder, due at once
                                lambda m: "Ends Amid Reminders" in m["content"], timeout=15)

        title = "Big Burst Forum"
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
        big = str(await world.import_event(title, capacity=30, starts_at=starts.isoformat()))
        crowd = [world.member(f"burst member {n}") for n in range(20)]
        fake.hold("POST", r"^/users/@me/channels$", 1.0, count=len(crowd))  # a second each
        for member in crowd:
            await fake.slash(guild, member, "rsvp join", event=big)

        await eventually(lambda: attendee not in holder.roles,
                         timeout=ending.timestamp() - time.time() + 3,
                         what="the role taken back at the event's start")
        reminded = sum(1 for member in crowd if reminders_to(fake, member, title))
        assert reminded < len(crowd)  # the burst goes on
        await eventually(lambda: all(reminders_to(fake, member, title) for member in crowd),
                         timeout=40, what="every member of the burst reminded")
    finally:
        await fake.slash(guild, world.moderator, "manage reminders", minutes="1")


async def test_a_role_discord_refuses_to_take_back_is_taken_back_on_a_later_try(world, fake):
    attendee = await role_the_bot_may_give(world, fake, "Attendee who is hard to unseat")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=6)
    event_id = await world.import_event("Stubborn Role Talk", capacity=5,
                                        starts_at=starts.isoformat())
    member = await given_on_joining(world, fake, attendee, event_id, "stubborn attendee")
    # At the start the bot may not take it back:
    first_request = refuse_taking(fake, world, member, attendee)

    def take_backs() -> list[int]:
        return [r.status for r in fake.requests[first_request:] if r.method == "DELETE"]

    await eventually(take_backs, timeout=10, what="the take-back at the start")
    assert take_backs() == [403] and attendee in member.roles
    assert world.query("SELECT attendee_role_id FROM events WHERE id = ?",
                       (event_id,)) == [(attendee.id,)]  # the event still owes it
    # The next try, once the permission is back, takes it.
    await eventually(lambda: attendee not in member.roles, timeout=20,
                     what="the role taken back on a later try")
    await eventually(lambda: world.query("SELECT attendee_role_id FROM events WHERE id = ?",
                                         (event_id,)) == [(None,)],
                     what="the event no longer giving out the role (written after the call)")


async def test_a_role_discord_refuses_to_give_is_not_asked_for_on_every_join(world, fake):
    """A refused grant counts against Discord's limit of invalid requests, and members join
    many a second: after a refusal the role waits (10 s, then longer) before it is asked
    for again, and then goes to everyone confirmed meanwhile without another join."""
    guild = world.guild
    attendee = await role_the_bot_may_give(world, fake, "Attendee kept waiting")
    event_id = await world.import_event("Refused Role Talk", capacity=20)
    await fake.slash(guild, world.guild.owner, "manage role", role=attendee, event=str(event_id))
    members = [world.member(f"patient attendee {n}") for n in range(5)]
    fake.fail("PUT", rf"^/guilds/{guild.id}/members/\d+/roles/{attendee.id}$", status=403,
              code=50013, message="Missing Permissions")
    first_request = len(fake.requests)

    def grants() -> list[int]:
        return [r.status for r in fake.requests[first_request:]
                if r.method == "PUT" and r.path.endswith(f"/roles/{attendee.id}")]

    await fake.slash(guild, members[0], "rsvp join", event=str(event_id))
    await eventually(grants, what="the refused grant")
    refused_at = time.monotonic()
    for member in members[1:]:
        await fake.slash(guild, member, "rsvp join", event=str(event_id))
        await asyncio.sleep(0.3)
    assert grants() == [403]  # four joins since, and no try
    await eventually(lambda: all(attendee in m.roles for m in members), timeout=20,
                     what="the role for everyone once the wait is over")
    assert grants() == [403, *[204] * 5] and time.monotonic() - refused_at >= 9


# -- Discord scheduled events -----------------------------------------------------------


async def test_announce_creates_the_discord_event_and_a_reimport_updates_it(world, fake):
    guild = world.guild
    await scheduled_events_on(world, fake)
    starts = "2037-03-04T18:00:00+01:00"
    event_id = await world.import_event("Scheduled Forum", capacity=10, starts_at=starts)
    before = len(fake.scheduled_events(guild))
    posted = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert "Posted" in posted.content and "Discord events" in posted.content
    [created] = [e for e in fake.scheduled_events(guild) if e["name"] == "Scheduled Forum"]
    assert datetime.fromisoformat(created["scheduled_start_time"]) == datetime.fromisoformat(
        starts)
    assert datetime.fromisoformat(created["scheduled_end_time"]) == datetime.fromisoformat(
        starts) + timedelta(hours=2)  # no end given: two hours
    assert created["entity_metadata"] == {"location": "Discord"}  # no venue given
    assert (created["entity_type"], created["privacy_level"]) == (3, 2)
    assert 0 < len(created["description"]) <= 1000
    assert world.query("SELECT scheduled_event_id FROM events WHERE id = ?",
                       (event_id,)) == [(int(created["id"]),)]

    reply = await import_page(fake, guild, world.moderator,
                             page=Attachment("announcement.txt", OPEN_ANNOUNCEMENT, "text/plain"),
                             event=str(event_id), title="Scheduled Forum, Revised",
                             starts_at="2037-03-05T19:30:00+01:00")
    assert "Discord event is updated" in reply.content
    assert len(fake.scheduled_events(guild)) == before + 1  # the same one, updated
    updated = fake.scheduled_events(guild)[-1]
    assert updated["id"] == created["id"] and updated["name"] == "Scheduled Forum, Revised"
    assert datetime.fromisoformat(updated["scheduled_start_time"]) == datetime(
        2037, 3, 5, 18, 30, tzinfo=UTC)
    again = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert "Discord event is updated" in again.content
    assert len(fake.scheduled_events(guild)) == before + 1


async def test_an_edit_into_the_past_removes_its_discord_event_and_says_the_role_goes(
        world, fake):
    """A start typed into the past (a year wrong, say): Discord takes no start in the
    past, so its Discord event, which would stay at the old time, is removed; and the
    reply says that the attendee role is taken back, and how to give it again."""
    guild = world.guild
    await scheduled_events_on(world, fake)
    attendee = await role_the_bot_may_give(world, fake, "Past Typo Attendee")
    event_id = await world.import_event("Past Typo Forum", capacity=5,
                                        starts_at="2037-05-06T18:00:00+00:00")
    member = world.member("past typo attendee")
    await fake.slash(guild, world.guild.owner, "manage role", role=attendee, event=str(event_id))
    await fake.slash(guild, member, "rsvp join", event=str(event_id))
    await eventually(lambda: attendee in member.roles, what="the role on joining")
    posted = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert "Discord events" in posted.content, posted.content
    [created] = [e for e in fake.scheduled_events(guild) if e["name"] == "Past Typo Forum"]
    form = await fake.slash(guild, world.moderator, "manage edit", event=str(event_id))
    done = await fake.submit_modal(form, {"start": "2021-05-06 18:00"})
    assert done.ephemeral and "Updated **Past Typo Forum**" in done.content, done.content
    assert ("Its Discord event is removed: Discord only takes events to come. Once the date "
            "is right, /manage announce makes a new one." in done.content), done.content
    assert ("It is now over, so its attendee role is taken back from everyone; if the date "
            "is a mistake, set it right, then give the role again with /manage role."
            in done.content), done.content
    assert [e for e in fake.scheduled_events(guild) if e["id"] == created["id"]] == []
    assert world.query("SELECT scheduled_event_id FROM events WHERE id = ?",
                       (event_id,)) == [(None,)]
    await eventually(lambda: attendee not in member.roles, what="the role taken back")


async def test_an_import_moving_an_event_into_the_past_removes_its_discord_event(world, fake):
    """A start typed with an import (a recap's date, say) moves the event into the past as
    an edit does: its Discord event, which Discord cannot move there, is removed rather
    than left listed at the old time as an event to come."""
    guild = world.guild
    event_id, created = await announced_on_discord(world, fake, "Past Import Forum",
                                                   "2037-07-08T18:00:00+00:00")
    reply = await import_page(fake, guild, world.moderator, event=str(event_id),
                              page=Attachment("recap.txt", OPEN_ANNOUNCEMENT, "text/plain"),
                              starts_at="2021-07-08T18:00:00+00:00")
    assert "Past Import Forum" in reply.content, reply.content
    assert ("Its Discord event is removed: Discord only takes events to come. Once the date "
            "is right, /manage announce makes a new one." in reply.content), reply.content
    assert [e for e in fake.scheduled_events(guild) if e["id"] == created["id"]] == []
    assert world.query("SELECT scheduled_event_id FROM events WHERE id = ?",
                       (event_id,)) == [(None,)]


DISCORD_EVENT = r"^/guilds/\d+/scheduled-events/\d+$"


async def test_a_start_moved_to_moments_away_removes_its_discord_event_without_an_error(
        world, fake):
    """A start moved to two seconds from now, whose update of the Discord event waits out
    a rate limit on the way: Discord would take that start as in the past by then (400),
    and the Discord event would keep its old time. It is removed, as for a start in the
    past, with no refusal in the moderator's reply."""
    guild = world.guild
    event_id, created = await announced_on_discord(world, fake, "Moments Away Forum",
                                                   "2037-10-01T18:00:00+00:00")
    form = await fake.slash(guild, world.moderator, "manage edit", event=str(event_id))
    fake.fail("PATCH", DISCORD_EVENT, status=429, retry_after=3.0)
    try:
        soon = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
        done = await fake.submit_modal(form, {"start": soon.isoformat()}, timeout=20)
    finally:
        fake.clear_faults()
    assert "Updated **Moments Away Forum**" in done.content, done.content
    assert "refused" not in done.content, done.content
    assert "Its Discord event is removed" in done.content, done.content
    assert [e for e in fake.scheduled_events(guild) if e["id"] == created["id"]] == []
    assert world.query("SELECT scheduled_event_id FROM events WHERE id = ?",
                       (event_id,)) == [(None,)]


async def test_an_event_moved_later_once_its_discord_event_began_gets_one_at_the_new_time(
        world, fake):
    """The event began an hour ago, and Discord began its Discord event (ACTIVE), whose
    start Discord no longer moves; the event is then put off to another day. Its Discord
    event is replaced by one at the new time, not refused and left saying the old one."""
    guild = world.guild
    event_id, created = await announced_on_discord(world, fake, "Put Off Forum",
                                                   "2037-11-01T18:00:00+00:00")
    began = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    conn = sqlite3.connect(world.db_path, timeout=10)
    with conn:  # an hour ago, as time passing would leave it
        conn.execute("UPDATE events SET starts_at = ? WHERE id = ?",
                     (int(began.timestamp()), event_id))
    conn.close()
    created.update(scheduled_start_time=began.isoformat(), status=2,
                   scheduled_end_time=(began + timedelta(hours=2)).isoformat())
    form = await fake.slash(guild, world.moderator, "manage edit", event=str(event_id))
    done = await fake.submit_modal(form, {"start": "2037-12-01T18:00:00+00:00"})
    assert "Updated **Put Off Forum**" in done.content, done.content
    assert "refused" not in done.content, done.content
    assert ("Its Discord event had begun, and Discord cannot move one that has: it is "
            "replaced by one at the new time." in done.content), done.content
    [made] = [e for e in fake.scheduled_events(guild) if e["name"] == "Put Off Forum"]
    assert made["id"] != created["id"] and made["status"] == 1
    assert datetime.fromisoformat(made["scheduled_start_time"]) == datetime(
        2037, 12, 1, 18, tzinfo=UTC)
    assert world.query("SELECT scheduled_event_id FROM events WHERE id = ?",
                       (event_id,)) == [(int(made["id"]),)]


async def test_no_discord_event_without_a_start_permission_or_when_turned_off(world, fake):
    guild = world.guild
    count = len(fake.scheduled_events(guild))
    undated = await world.import_event("Undated Talk", capacity=5)
    reply = await fake.slash(guild, world.moderator, "manage announce", event=str(undated))
    assert "Posted" in reply.content and "no start time" in reply.content

    dated = await world.import_event("Permissionless Talk", capacity=5,
                                     starts_at="2037-06-01T18:00:00+02:00")
    mine = bot_role(world)
    saved = mine.permissions
    await set_permissions(world, mine, saved & ~(MANAGE_EVENTS | CREATE_EVENTS))
    try:
        reply = await fake.slash(guild, world.moderator, "manage announce", event=str(dated))
    finally:
        await set_permissions(world, mine, saved)
    assert "Posted" in reply.content and "Manage Events" in reply.content
    assert "couldn't create the Discord event" in reply.content
    # made once the permission is given back, as the reply says
    await eventually(lambda: len(fake.scheduled_events(guild)) == count + 1,
                     what="the Discord event made once permitted")
    count += 1

    off = await fake.slash(guild, world.moderator, "manage scheduled-events", state="off")
    assert off.ephemeral and "no longer" in off.content
    later = await world.import_event("Turned Off Talk", capacity=5,
                                     starts_at="2037-06-02T18:00:00+02:00")
    reply = await fake.slash(guild, world.moderator, "manage announce", event=str(later))
    assert "Posted" in reply.content and "Discord event" not in reply.content
    assert len(fake.scheduled_events(guild)) == count
    assert world.query("SELECT scheduled_events FROM guild_settings WHERE guild_id = ?",
                       (guild.id,)) == [(0,)]


async def test_discord_events_made_before_they_were_turned_off_follow_their_events(
        world, fake):
    """Turned off, /manage announce makes no new Discord event; those already made stay
    listed, so they keep showing the event as it is: moved by an edit, moved into the past
    (removed), as a deletion removes them."""
    guild = world.guild
    try:
        event_id, created = await announced_on_discord(world, fake, "Kept Listed Forum",
                                                       "2037-08-09T18:00:00+00:00")
        await fake.slash(guild, world.moderator, "manage scheduled-events", state="off")

        form = await fake.slash(guild, world.moderator, "manage edit", event=str(event_id))
        done = await fake.submit_modal(form, {"start": "2037-08-10 19:00"})
        assert "Discord event is updated" in done.content, done.content
        [moved] = [e for e in fake.scheduled_events(guild) if e["id"] == created["id"]]
        assert datetime.fromisoformat(moved["scheduled_start_time"]) == datetime(
            2037, 8, 10, 19, 0, tzinfo=UTC)

        form = await fake.slash(guild, world.moderator, "manage edit", event=str(event_id))
        done = await fake.submit_modal(form, {"start": "2021-08-10 19:00"})
        assert "Its Discord event is removed" in done.content, done.content
        assert [e for e in fake.scheduled_events(guild) if e["id"] == created["id"]] == []
    finally:
        await scheduled_events_on(world, fake)


# -- Discord events changed outside the bot (moderators in Discord's UI, or Discord) ----


def discord_events_of(world, fake, event_id: int) -> list[dict]:
    """The Discord event the bot records for `event_id` (none, or one)."""
    [(recorded,)] = world.query("SELECT scheduled_event_id FROM events WHERE id = ?",
                                (event_id,))
    return [e for e in fake.scheduled_events(world.guild) if int(e["id"]) == recorded]


def listed(fake, guild, name: str) -> list[dict]:
    """The Discord events named `name` that members see as to come or going on."""
    return [e for e in fake.scheduled_events(guild)
            if e["name"] == name and e["status"] in (1, 2)]


def scheduled_event_calls(fake, since: int) -> list:
    return [r for r in fake.requests[since:] if "/scheduled-events" in r.path]


async def test_a_discord_event_deleted_in_discords_ui_is_forgotten_once(world, fake):
    """A moderator deleted the Discord event under the server's Events: an edit of the
    event (new time, venue) says once that it is gone and how to make a new one, makes
    none itself, and asks Discord nothing more; a deletion of the event then asks Discord
    nothing; /manage announce made meanwhile makes exactly one new one."""
    guild = world.guild
    event_id, _ = await announced_on_discord(world, fake, "Deleted In UI Forum")
    [made] = discord_events_of(world, fake, event_id)
    fake.delete_scheduled_event(guild, made["id"])
    text = await edited(world, event_id, {"start": "2037-09-02 18:00",
                                                "venue": "Room 12"})
    assert ("Its Discord event was deleted, ended or cancelled on Discord; /manage announce "
            "makes a new one." in text), text
    assert world.query("SELECT scheduled_event_id FROM events WHERE id = ?",
                       (event_id,)) == [(None,)]
    assert listed(fake, guild, "Deleted In UI Forum") == []
    since = len(fake.requests)
    text = await edited(world, event_id, {"venue": "Room 13"})
    assert "Discord event" not in text, text
    assert scheduled_event_calls(fake, since) == []
    again = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert "It is also in the server's Discord events." in again.content, again.content
    [remade] = listed(fake, guild, "Deleted In UI Forum")
    assert remade["entity_metadata"] == {"location": "Room 13"}
    assert discord_events_of(world, fake, event_id) == [remade]


async def test_a_discord_event_renamed_in_discords_ui_follows_the_next_edit(world, fake):
    """A moderator renamed and re-timed the Discord event in Discord's UI: the next edit
    of the event puts the event's own name, time and venue back on that same one."""
    guild = world.guild
    event_id, _ = await announced_on_discord(world, fake, "Renamed In UI Forum")
    [made] = discord_events_of(world, fake, event_id)
    fake.edit_scheduled_event(guild, made["id"], name="Something else",
                              scheduled_start_time="2038-01-01T10:00:00+00:00",
                              scheduled_end_time="2038-01-01T11:00:00+00:00")
    text = await edited(world, event_id, {"venue": "Hall B"})
    assert "The Discord event is updated." in text, text
    [kept] = discord_events_of(world, fake, event_id)
    assert kept["id"] == made["id"] and kept["name"] == "Renamed In UI Forum"
    assert datetime.fromisoformat(kept["scheduled_start_time"]) == datetime(
        2037, 9, 1, 18, 0, tzinfo=UTC)
    assert kept["entity_metadata"] == {"location": "Hall B"}
    assert len([e for e in fake.scheduled_events(guild)
                if e["name"] == "Renamed In UI Forum"]) == 1


async def test_a_discord_events_name_and_place_obey_no_bidi_control(world, fake):
    """A title or venue holding a right-to-left override (U+202E) showed its Discord event's
    name or place reversed in Discord's list ("Sneaky Forum" as "muroF ykaenS"), as the
    bot's messages never show it: the controls are left out there too."""
    await scheduled_events_on(world, fake)
    event_id = await world.import_event("\u202eSneaky Forum", capacity=5,
                                        starts_at="2037-09-01T18:00:00+00:00",
                                        venue="Hall \u2067B\u2069")
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id))
    assert "Discord events" in posted.content, posted.content
    [made] = discord_events_of(world, fake, event_id)
    assert made["name"] == "Sneaky Forum", made["name"]
    assert made["entity_metadata"] == {"location": "Hall B"}, made["entity_metadata"]


async def test_a_discord_events_description_keeps_the_events_link_whole(world, fake):
    """The event's page describes it at length, as most pages do (the sample's description
    alone is over Discord's 1,000 characters); a moderator gives it its web page's link
    with `/manage edit` and announces it. The Discord event shows the link, whole: the
    description was cut to 1,000 after the link was added, which left the link out (or,
    past a description with few spaces, cut it in half, a link to no page)."""
    await scheduled_events_on(world, fake)
    event_id = await world.import_event("Linked Forum", capacity=5,
                                        starts_at="2037-09-02T18:00:00+00:00")
    link = "https://example.org/events/2037/09/linked-forum?" + "x" * 300
    await edited(world, event_id, {"link": link})
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id))
    assert "Discord events" in posted.content, posted.content
    [made] = discord_events_of(world, fake, event_id)
    description = made["description"]
    assert len(description) <= 1000 and description.endswith(f"\n\n{link}"), description
    assert description.startswith("Given the difficulty"), description


@pytest.mark.parametrize("finish", ["completed", "cancelled"])
async def test_a_discord_event_finished_on_discord_is_forgotten_once(world, fake, finish):
    """Discord ended the Discord event (an external one ends at its scheduled end), or a
    moderator cancelled it in Discord's UI: Discord takes no update of it any more (400,
    180000). Editing the event (its end, its start) says once that it is gone, as for a
    deleted one, rather than repeating Discord's refusal at every edit; /manage announce
    then lists it again with one new Discord event, not refused for good."""
    guild = world.guild
    title = f"Finished On Discord Forum ({finish})"
    event_id, _ = await announced_on_discord(world, fake, title)
    [made] = discord_events_of(world, fake, event_id)
    if finish == "completed":
        fake.edit_scheduled_event(guild, made["id"], status=2)  # begun at its start
        fake.edit_scheduled_event(guild, made["id"], status=3)  # and ended at its end
    else:
        fake.edit_scheduled_event(guild, made["id"], status=4)
    text = await edited(world, event_id, {"end": "2037-09-01 22:00"})
    assert ("Its Discord event was deleted, ended or cancelled on Discord; /manage announce "
            "makes a new one." in text), text
    assert "refused" not in text, text
    since = len(fake.requests)
    text = await edited(world, event_id, {"start": "2037-09-03 18:00",
                                                "end": "2037-09-03 20:00"})
    assert "Discord event" not in text, text
    assert scheduled_event_calls(fake, since) == []
    assert listed(fake, guild, title) == []
    again = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert "It is also in the server's Discord events." in again.content, again.content
    [remade] = listed(fake, guild, title)
    assert remade["id"] != made["id"] and discord_events_of(world, fake, event_id) == [remade]
    assert datetime.fromisoformat(remade["scheduled_start_time"]) == datetime(
        2037, 9, 3, 18, 0, tzinfo=UTC)
    again = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert "The Discord event is updated." in again.content, again.content
    assert listed(fake, guild, title) == [remade]


async def ended_on_discord(world, fake, title: str) -> tuple[int, dict]:
    """An announced event whose Discord event Discord has started and then ended (as it
    ends an external event at its end): the event's id, and the Discord event."""
    event_id, _ = await announced_on_discord(world, fake, title)
    [made] = discord_events_of(world, fake, event_id)
    fake.edit_scheduled_event(world.guild, made["id"], status=2)
    fake.edit_scheduled_event(world.guild, made["id"], status=3)
    return event_id, made


async def test_a_discord_event_ended_on_discord_is_made_again_by_announce(world, fake):
    """Announcing again an event whose Discord event Discord has ended makes a new one
    at once (turned off and on again meanwhile), rather than answering Discord's refusal
    to update a finished event every time."""
    guild = world.guild
    title = "Ended Then Announced Forum"
    event_id, _ = await ended_on_discord(world, fake, title)
    try:
        await fake.slash(guild, world.moderator, "manage scheduled-events", state="off")
        off = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
        assert off.content.endswith(" Its Discord event was deleted, ended or cancelled on "
                                    "Discord."), off.content
        assert listed(fake, guild, title) == []
    finally:
        await scheduled_events_on(world, fake)
    on = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert "It is also in the server's Discord events." in on.content, on.content
    [remade] = listed(fake, guild, title)
    assert discord_events_of(world, fake, event_id) == [remade]


async def test_a_finished_discord_event_goes_with_its_deleted_event(world, fake):
    """The event is deleted after Discord ended its Discord event: the deletion tidies the
    finished one away (Discord lets it be deleted), with nothing said about it."""
    guild = world.guild
    title = "Ended Then Deleted Forum"
    event_id, made = await ended_on_discord(world, fake, title)
    asked = await fake.slash(guild, world.moderator, "manage delete", event=str(event_id))
    confirm, _ = asked.custom_ids()
    clicked = await fake.click(guild, world.moderator, asked.message, confirm)
    done = await clicked.wait(lambda r: "Deleted" in (r.content or ""))
    assert "Discord event" not in done.content, done.content
    await eventually(lambda: all(e["id"] != made["id"] for e in fake.scheduled_events(guild)),
                     what="the finished Discord event deleted with its event")


async def test_a_reminder_discord_failed_before_its_dm_is_sent_once_it_answers(world, fake):
    """Discord fails to open the member's DM channel (503): nothing was sent, so the
    reminder is given back and sent once Discord answers, where it was dropped for good
    as though it might have gone out."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="60")
    try:
        title = "Unopened DM Seminar"
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
        event = str(await world.import_event(title, capacity=5, starts_at=starts.isoformat()))
        member = world.member("unopened dm")
        fake.fail("POST", r"^/users/@me/channels$", status=503, body={"recipient_id": member.id},
                  message="upstream connect error")
        first = len(fake.requests)
        assert "confirmed" in (await fake.slash(world.guild, member, "rsvp join",
                                                event=event)).content
        dm = await fake.wait_message(fake.dm_channel(member), lambda m: title in m["content"],
                                     timeout=15)
        assert "Reminder" in dm["content"]
        opens = [r.status for r in fake.requests[first:]
                 if r.method == "POST" and r.path == "/users/@me/channels"]
        assert opens[:2] == [503, 200], opens
        await asyncio.sleep(1.0)
        assert len(reminders_to(fake, member, title)) == 1
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")


async def test_reminders_due_in_a_ban_of_the_bots_address_wait_and_are_all_sent(world, fake):
    """Discord's edge bans the bot's address (a 429 without Discord's headers, which
    discord.py does not wait out) as eight reminders come due: the bot stops at the first
    refused call, as each call made into a ban lengthens it, and sends all eight once it
    lifts, where it made one call per member and dropped every reminder."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="off")
    try:
        title = "Banned Reminder Summit"
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
        event_id = await world.import_event(title, capacity=20, starts_at=starts.isoformat())
        members = [world.member(f"banned reminded {n}") for n in range(8)]
        for member in members:  # reminders off: none due while they join
            await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        fake.fail("POST", r"^/users/@me/channels$", status=429, edge_ban=True, retry_after=3,
                  count=1000)
        first = len(fake.requests)
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="60")
        await asyncio.sleep(2.5)  # all eight due at once, within the ban's 3 s
        banned = [r for r in fake.requests[first:] if r.path == "/users/@me/channels"]
        assert [r.status for r in banned] == [429], [r.status for r in banned]
        fake.clear_faults()  # the ban lifts
        await eventually(lambda: all(reminders_to(fake, m, title) for m in members),
                         timeout=20, what="every member reminded after the ban")
        await asyncio.sleep(1.0)
        assert [len(reminders_to(fake, m, title)) for m in members] == [1] * 8
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")


async def test_a_reminder_whose_dm_a_ban_refuses_is_sent_after_the_ban(world, fake):
    """Discord's edge bans the bot's address between opening a member's DM channel and
    sending the reminder (a 429 without Discord's headers, which discord.py does not wait
    out): a 429 says the DM was not sent, so the reminder is given back and sent once the
    ban lifts, where it was dropped as one that may have gone out."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="off")
    try:
        title = "Banned Send Summit"
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
        event_id = await world.import_event(title, capacity=20, starts_at=starts.isoformat())
        member = world.member("banned send reminded")
        await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        sends = rf"^/channels/{fake.dm_channel(member).id}/messages$"
        fake.fail("POST", sends, status=429, edge_ban=True, retry_after=2)
        first = len(fake.requests)
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="60")
        await eventually(lambda: reminders_to(fake, member, title), timeout=20,
                         what="the reminder sent after the ban")
        await asyncio.sleep(1.0)
        assert len(reminders_to(fake, member, title)) == 1
        tried = [r.status for r in fake.requests[first:]
                 if r.method == "POST" and re.search(sends, r.path)]
        assert tried == [429, 200], tried
    finally:
        fake.clear_faults()
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")


async def test_role_grants_stop_at_a_ban_of_the_bots_address_and_are_made_after_it(world,
                                                                                   fake):
    """`/manage role` over 25 confirmed members meets a ban of the bot's address (a 429
    without Discord's headers) at its first grant: the others are not asked into the ban,
    where each was (and logged with a traceback), and all are given once it lifts."""
    guild = world.guild
    event_id = await world.import_event("Banned Grants Forum", capacity=40)
    members = [world.member(f"banned grant {n}") for n in range(25)]
    for member in members:
        await fake.slash(guild, member, "rsvp join", event=str(event_id))
    role = await role_the_bot_may_give(world, fake, "Banned Attendee")
    route = rf"^/guilds/{guild.id}/members/\d+/roles/{role.id}$"
    fake.fail("PUT", route, status=429, edge_ban=True, count=1000)
    first = len(fake.requests)
    try:
        reply = await fake.slash(guild, guild.owner, "manage role", role=role,
                                 event=str(event_id))
        assert reply.ephemeral, reply
        await eventually(lambda: "it refuses every call for now" in world.bot.output(),
                         what="the ban logged")
        await asyncio.sleep(1.0)
        puts = [r for r in fake.requests[first:] if r.method == "PUT" and "/roles/" in r.path]
        assert len(puts) == 1, f"{len(puts)} role grants sent into the ban"
    finally:
        fake.clear_faults()
    await eventually(lambda: all(role in m.roles for m in members),
                     timeout=30, what="every member given the role after the ban")


async def test_a_member_who_left_the_server_is_not_reminded_to_use_its_commands(world, fake):
    """A confirmed member leaves the server while Discord holds their reminder's DM channel
    up (they still share another server with the bot, so the DM would go through): the
    reminder, which says "You're confirmed; use /rsvp cancel", is not sent to them, as a
    promotion's DM is not. The member still there is reminded."""
    other_guild = fake.add_guild("Other Place")
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="60")
    try:
        title = "Departed Reminder Forum"
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
        event = str(await world.import_event(title, capacity=5, starts_at=starts.isoformat()))
        leaver, stayer = world.member("reminder leaver"), world.member("reminder stayer")
        fake.add_member(other_guild, user=leaver.user)
        fake.fail("POST", r"^/users/@me/channels$", status=429, retry_after=2.0,
                  body={"recipient_id": leaver.id})
        for member in (leaver, stayer):
            assert "confirmed" in (await fake.slash(world.guild, member, "rsvp join",
                                                    event=event)).content
        fake.remove_member(world.guild, leaver)  # while the DM channel is held up
        await fake.wait_message(fake.dm_channel(stayer), lambda m: title in m["content"],
                                timeout=15)
        await eventually(lambda: f"user {leaver.id} left guild" in world.bot.output(),
                         what="the skip logged")
        assert reminders_to(fake, leaver, title) == []
    finally:
        await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")


async def test_the_bot_logged_no_unexpected_error(world):
    output = world.bot.output()
    assert "Traceback" not in output and "ERROR" not in output, output[-3000:]


async def test_a_deleted_events_role_is_taken_back(world, fake):
    guild = world.guild
    attendee = fake.add_role(guild, "Called-off attendee")
    await move_role(world, bot_role(world), attendee.position + 1)
    event_id = await world.import_event("Called Off", capacity=5)
    member = await given_on_joining(world, fake, attendee, event_id, "called-off attendee")
    asked = await fake.slash(guild, world.moderator, "manage delete", event=str(event_id))
    confirm, _ = asked.custom_ids()
    clicked = await fake.click(guild, world.moderator, asked.message, confirm)
    await clicked.wait(lambda r: "Deleted" in (r.content or ""))
    await eventually(lambda: attendee not in member.roles, what="the role taken back")


async def test_deleting_an_event_whose_discord_event_the_bot_cannot_delete_says_so(
        world, fake):
    """The bot's role lost Manage Events after the Discord event was made: deleting the
    event cannot delete it, and the moderator is told to, in the reply."""
    guild = world.guild
    event_id, _ = await announced_on_discord(world, fake, "Orphaned Schedule")
    mine = bot_role(world)
    saved = mine.permissions
    await set_permissions(world, mine, saved & ~(MANAGE_EVENTS | CREATE_EVENTS))
    try:
        asked = await fake.slash(guild, world.moderator, "manage delete", event=str(event_id))
        confirm, _ = asked.custom_ids()
        clicked = await fake.click(guild, world.moderator, asked.message, confirm)
        done = await clicked.wait(lambda r: "Deleted" in (r.content or ""))
    finally:
        await set_permissions(world, mine, saved)
    assert done.content == ("Deleted **Orphaned Schedule**. Nobody had an RSVP. Its Discord "
                            "event stays listed: I need the **Manage Events** (or **Create "
                            "Events**) permission to delete it, so delete it by hand under "
                            "the server's Events."), done


DELETE_DISCORD_EVENT = ("DELETE", r"^/guilds/\d+/scheduled-events/\d+$")


@pytest.mark.parametrize(("status", "code", "said", "stays"), [
    (403, 50013, "Its Discord event stays listed: I need the **Manage Events** (or **Create "
     "Events**) permission to delete it, so delete it by hand under the server's Events.",
     True),
    (503, 0, "Its Discord event stays listed for now: Discord failed to delete it (503: "
     "injected by FakeDiscord); I'll try again, and if it is still listed tomorrow, delete "
     "it by hand under the server's Events.", False),
], ids=["forbidden", "unavailable"])
async def test_a_discord_event_discord_will_not_delete_is_told_to_the_moderator(
        world, fake, status, code, said, stays):
    """The bot's role shows Manage Events, but Discord refuses to delete the Discord event
    (a 403, or a 503 that discord.py does not retry): the moderator's reply says it stays
    listed and what to do. After a 503 the deletion's notice tries again, and it goes."""
    guild = world.guild
    title = f"Undeletable Schedule {status}"
    event_id, _ = await announced_on_discord(world, fake, title)
    fake.fail(*DELETE_DISCORD_EVENT, status=status, code=code, count=1000 if stays else 1)
    try:
        asked = await fake.slash(guild, world.moderator, "manage delete", event=str(event_id))
        confirm, _ = asked.custom_ids()
        clicked = await fake.click(guild, world.moderator, asked.message, confirm)
        done = await clicked.wait(lambda r: "Deleted" in (r.content or ""))
        assert done.content == f"Deleted **{title}**. Nobody had an RSVP. {said}", done
        if stays:
            await asyncio.sleep(1)  # the deletion's notice tried too
            assert [e for e in fake.scheduled_events(guild) if e["name"] == title]
    finally:
        fake.clear_faults()
    if not stays:
        await eventually(lambda: not [e for e in fake.scheduled_events(guild)
                                      if e["name"] == title],
                         what="the Discord event deleted by the deletion's notice")


async def test_archiving_an_event_takes_its_discord_event_off_the_servers_events(world, fake):
    """Archived, an event is hidden and refuses RSVPs: its Discord event, still to come,
    is deleted rather than left inviting members to it. Brought back, it has none until
    /manage announce makes one."""
    guild, title = world.guild, "Archived Ahead Forum"
    event_id, _ = await announced_on_discord(world, fake, title)
    archived = await fake.slash(guild, world.moderator, "manage archive", event=str(event_id))
    assert archived.ephemeral and archived.content.startswith(f"Archived **{title}**"), archived
    assert "Discord event" not in archived.content, archived  # nothing stays listed
    assert listed(fake, guild, title) == []
    joined = await fake.slash(guild, world.member("archived comer"), "rsvp join",
                              event=str(event_id))
    assert "archived" in joined.content, joined
    back = await fake.slash(guild, world.moderator, "manage archive", event=str(event_id),
                            undo=True)
    assert "is back" in back.content, back
    assert listed(fake, guild, title) == []
    again = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert "It is also in the server's Discord events." in again.content, again
    assert len(listed(fake, guild, title)) == 1


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_archiving_an_event_whose_discord_event_the_bot_cannot_delete_says_so(
        world, fake, locale):
    """The reply says the Discord event stays listed, one sentence after the other: in
    Chinese without a space after the 。 that ends the first."""
    guild, title = world.guild, f"Archived Unpermitted Forum {locale}"
    event_id, _ = await announced_on_discord(world, fake, title)
    moderator = (world.moderator if locale == "en-US" else
                 world.member("归档版主", locale=locale, manage_events=True))
    mine = bot_role(world)
    saved = mine.permissions
    await set_permissions(world, mine, saved & ~(MANAGE_EVENTS | CREATE_EVENTS))
    try:
        archived = await fake.slash(guild, moderator, "manage archive", event=str(event_id))
    finally:
        await set_permissions(world, mine, saved)
    if locale == "en-US":
        assert archived.content.endswith(
            "buttons are disabled. Undo with `/manage archive undo:True`. Its Discord event "
            "stays listed: I need the **Manage Events** (or **Create Events**) permission to "
            "delete it, so delete it by hand under the server's Events."), archived
    else:
        assert archived.content.startswith("已归档") and "**管理活动**" in \
            archived.content and "。 " not in archived.content, archived.content
    assert len(listed(fake, guild, title)) == 1


async def test_archiving_an_event_over_leaves_its_discord_event_to_discord(world, fake):
    """Discord ends an event's Discord event at its end by itself: archiving the event
    once it is over asks Discord nothing."""
    title = "Archived After Forum"
    event_id, _ = await announced_on_discord(world, fake, title)
    # The event's hours as if they had passed (Discord takes no start less than a minute
    # ahead, so the test cannot wait for them)
    now = int(time.time())
    conn = sqlite3.connect(world.db_path)
    with conn:
        conn.execute("UPDATE events SET starts_at = ?, ends_at = ? WHERE id = ?",
                     (now - 7200, now - 3600, event_id))
    conn.close()
    since = len(fake.requests)
    archived = await fake.slash(world.guild, world.moderator, "manage archive",
                                event=str(event_id))
    assert archived.content.startswith(f"Archived **{title}**"), archived
    assert scheduled_event_calls(fake, since) == []


async def test_a_channels_overwrite_does_not_hide_that_the_discord_event_stays(world, fake):
    """The bot's role lost its event permissions, but the channel the moderator deletes in
    grants the bot Manage Events: Discord deletes an external event by the bot's
    server-level permissions alone, so the moderator is still told to delete it by hand."""
    guild = world.guild
    event_id, _ = await announced_on_discord(world, fake, "Overwritten Schedule")
    mine = bot_role(world)
    saved = mine.permissions
    await set_permissions(world, mine, saved & ~(MANAGE_EVENTS | CREATE_EVENTS))
    room = fake.add_channel(guild, "event-planning")
    fake.set_overwrite(room, mine, allow=MANAGE_EVENTS | CREATE_EVENTS)
    try:
        asked = await fake.slash(guild, world.moderator, "manage delete", in_channel=room,
                                 event=str(event_id))
        confirm, _ = asked.custom_ids()
        clicked = await fake.click(guild, world.moderator, asked.message, confirm)
        done = await clicked.wait(lambda r: "Deleted" in (r.content or ""))
        assert done.content.endswith("so delete it by hand under the server's Events."), done
    finally:
        await set_permissions(world, mine, saved)


async def test_a_deleted_events_role_is_taken_back_at_once_while_its_grants_wait(
        world, fake):
    """Discord refuses the role to a member who joins, so grants wait 10 s; the event is
    deleted meanwhile: its holder loses the role at once, not after the wait."""
    guild = world.guild
    attendee = fake.add_role(guild, "Attendee of a talk called off during a pause")
    await move_role(world, bot_role(world), attendee.position + 1)
    event_id = await world.import_event("Called Off During A Pause", capacity=5)
    holder = await given_on_joining(world, fake, attendee, event_id, "holder during a pause")
    await joins_and_is_refused(world, fake, world.member("refused during a pause"),
                               attendee, event_id)
    asked = await fake.slash(guild, world.moderator, "manage delete", event=str(event_id))
    confirm, _ = asked.custom_ids()
    clicked = await fake.click(guild, world.moderator, asked.message, confirm)
    await clicked.wait(lambda r: "Deleted" in (r.content or ""))
    await eventually(lambda: attendee not in holder.roles, timeout=4,
                     what="the role taken back during the wait")


async def test_a_role_still_owed_back_at_a_restart_is_taken_back_after_it(world, fake):
    """The event's role changes while Discord refuses to take the old one back, and the
    bot stops before its next try: the next start takes the old role back."""
    guild = world.guild
    old = fake.add_role(guild, "Attendee before the restart")
    new = fake.add_role(guild, "Attendee after the restart")
    await move_role(world, bot_role(world), max(old.position, new.position) + 1)
    event_id = await world.import_event("Role Across Restarts", capacity=5)
    member = await given_on_joining(world, fake, old, event_id, "attendee across restarts")
    first_request = refuse_taking(fake, world, member, old)
    await fake.slash(guild, world.guild.owner, "manage role", role=new, event=str(event_id))
    await eventually(lambda: new in member.roles, what="the new role")
    await eventually(lambda: any(r.method == "DELETE" for r in fake.requests[first_request:]),
                     what="the refused take-back")
    assert old in member.roles
    await world.restart_bot()  # before its next try, 10 s after the refusal
    await eventually(lambda: old not in member.roles, timeout=8,
                     what="the old role taken back after the restart")
    assert new in member.roles


async def test_a_grant_refused_before_a_restart_is_made_after_it(world, fake):
    """Discord refuses the role to a member who joins, and the bot stops during the pause
    before its next try: the next start gives it."""
    guild = world.guild
    attendee = fake.add_role(guild, "Attendee across a pause")
    await move_role(world, bot_role(world), attendee.position + 1)
    event_id = await world.import_event("Grant Across Restarts", capacity=5)
    await fake.slash(guild, world.guild.owner, "manage role", role=attendee, event=str(event_id))
    member = world.member("refused before the restart")
    await joins_and_is_refused(world, fake, member, attendee, event_id)
    await world.restart_bot()  # during the pause: the next try would be 10 s after
    await eventually(lambda: attendee in member.roles, timeout=8,
                     what="the role given after the restart")


async def test_grants_a_restart_cut_short_are_made_after_it(world, fake):
    """Ten members join; Discord asks the bot to wait half a minute before the sixth
    grant (a rate limit), and the bot restarts meanwhile. The next start gives the role
    to the five it had not given it to, and to nobody a second time."""
    guild = world.guild
    attendee = fake.add_role(guild, "Attendee of a busy talk")
    await move_role(world, bot_role(world), attendee.position + 1)
    event_id = await world.import_event("Busy Talk", capacity=20)
    await fake.slash(guild, world.guild.owner, "manage role", role=attendee, event=str(event_id))
    members = [world.member(f"busy attendee {n}") for n in range(10)]
    held_up = rf"^/guilds/{guild.id}/members/{members[5].id}/roles/{attendee.id}$"
    fake.fail("PUT", held_up, status=429, retry_after=30.0)
    first_request = len(fake.requests)
    for member in members:
        await fake.slash(guild, member, "rsvp join", event=str(event_id))

    def grants(status: int) -> list[str]:
        return [r.path for r in fake.requests[first_request:]
                if r.method == "PUT" and r.path.endswith(f"/roles/{attendee.id}")
                and r.status == status]

    await eventually(lambda: grants(429), what="the grant told to wait")
    assert len(grants(204)) == 5
    await world.restart_bot()
    await eventually(lambda: all(attendee in m.roles for m in members),
                     what="the role for everyone after the restart")
    assert sorted(grants(204)) == sorted(
        f"/guilds/{guild.id}/members/{m.id}/roles/{attendee.id}" for m in members)


def han_first(text: str) -> bool:
    return "\u4e00" <= text[:1] <= "\u9fff"


async def bilingual_discord_event(fake, world, preferred: str, moderator_name: str,
                                  **member) -> tuple[Guild, Member, dict]:
    """A new server with an event imported from the bundled English and Chinese pages,
    each without its line saying registration has closed (an open event), and announced:
    the server, its moderator and the event's Discord event as made."""
    guild = fake.add_guild(f"{moderator_name}'s server", preferred_locale=preferred)
    moderator = fake.add_member(guild, moderator_name, manage_events=True, **member)
    await fake.wait_ready(process=world.bot)
    sample = ROOT / "data/events/missile-defense-china"
    english = await import_page(fake, guild, moderator, page=Attachment(
        "en.txt", b"Missile Talk\n\n" + OPEN_ANNOUNCEMENT, "text/plain"),
        title="Missile Talk", capacity=60, starts_at="2031-06-01 18:00")
    event = re.search(r"(?:event|活动) (\d+)", english.content)[1]
    chinese = (sample / "announcement.zh.txt").read_text(encoding="utf-8")
    await import_page(fake, guild, moderator, event=event, page=Attachment("zh.txt", "\n".join(
        line for line in chinese.splitlines() if "报名已截止" not in line).encode(),
        "text/plain"))
    announced = await fake.slash(guild, moderator, "manage announce", event=event)
    assert "Discord" in announced.content, announced.content
    await eventually(lambda: fake.scheduled_events(guild), what="the Discord event")
    [made] = fake.scheduled_events(guild)
    assert len(made["description"]) <= 1000
    return guild, moderator, made


async def test_a_chinese_servers_discord_event_shows_a_bilingual_events_chinese_first(
        world, fake):
    """Discord keeps 1,000 characters of a scheduled event's description, which the whole
    server reads: an event described in English and Chinese shows the server's language
    first, as `/event info` does, or the Chinese is cut away."""
    _, _, made = await bilingual_discord_event(fake, world, "zh-CN", "日程版主", locale="zh-CN")
    assert han_first(made["description"]), made["description"][:80]


async def test_a_change_of_the_servers_language_reorders_its_bilingual_discord_events(
        world, fake):
    """After `/manage language`, the Discord events already made are sent again with the
    new language first."""
    guild, moderator, made = await bilingual_discord_event(fake, world, "en-US", "switcher")
    assert not han_first(made["description"]), made["description"][:60]
    chosen = await fake.slash(guild, moderator, "manage language", language="zh-CN")
    assert chosen.ephemeral
    await eventually(lambda: han_first(fake.scheduled_events(guild)[0]["description"]),
                     what="the Discord event in Chinese first")
    [now] = fake.scheduled_events(guild)
    assert now["id"] == made["id"] and len(now["description"]) <= 1000


async def test_a_deleted_events_discord_event_goes_though_discord_fails_for_a_while(world,
                                                                                    fake):
    """Five 500s on the Discord event's delete outlast discord.py's own retries (about
    16 s): the moderator's reply does not wait them out, and says the Discord event may
    still be listed (a request unanswered may have been carried out); the deletion's
    notice is delivered again once its claim expires (a minute, made to have passed), and
    the Discord event goes then; it used to stay listed for good."""
    guild = world.guild
    event_id, _ = await announced_on_discord(world, fake, "Stubborn Forum")
    fake.fail("DELETE", rf"^/guilds/{guild.id}/scheduled-events/\d+$", status=500, count=5)
    asked = await fake.slash(guild, world.moderator, "manage delete", event=str(event_id))
    confirm, _ = asked.custom_ids()
    clicked = await fake.click(guild, world.moderator, asked.message, confirm)
    done = await clicked.wait(lambda r: "Deleted" in (r.content or ""))
    assert done.content.endswith(
        "Its Discord event may still be listed: Discord did not answer my request to delete "
        "it in time; I'll make sure it goes, and if it is still listed tomorrow, delete it "
        "by hand under the server's Events."), done
    await eventually(lambda: not fake._faults, timeout=40,
                     what="discord.py's own retries of the delete to be over")
    await asyncio.sleep(0.5)  # the notice's failure recorded: left claimed
    world.expire_claims(event_id)
    await eventually(lambda: not [e for e in fake.scheduled_events(guild)
                                  if e["name"] == "Stubborn Forum"],
                     timeout=100, what="the Discord event deleted after all")
    assert not fake._faults, "every injected 500 was answered"


# -- the moderators told of a role the bot cannot give, or that was deleted ---------------


def channel_counts(fake, guild) -> dict[int, int]:
    return {channel.id: len(fake.messages(channel)) for channel in guild.channels.values()}


def posts_since(fake, guild, counts: dict[int, int], words: str) -> list[dict]:
    """The bot's channel messages since `counts` that contain `words`."""
    return [m for channel in guild.channels.values()
            for m in fake.messages(channel)[counts.get(channel.id, 0):]
            if words in (m.get("content") or "")]


def pings_nobody(fake, message: dict) -> bool:
    """Whether the message, and the request that posted it, ping no one."""
    posted = next(r for r in fake.requests
                  if r.method == "POST" and r.path.endswith(f"/{message['channel_id']}/messages")
                  and isinstance(r.json, dict) and r.json.get("content") == message["content"])
    return (posted.json.get("allowed_mentions") == {"parse": []} and not message["mentions"]
            and not message["mention_roles"] and not message["mention_everyone"])


def role_calls(fake, first: int, role) -> list[tuple[str, int]]:
    return [(r.method, r.status) for r in fake.requests[first:]
            if r.path.endswith(f"/roles/{role.id}")]


async def delete_role(world, role, *, told: bool = True) -> None:
    """What deleting a role in Server Settings > Roles does: its members lose it, and
    Discord tells the bot (`told`; else the bot missed it, say while it was away)."""
    guild = world.guild
    del guild.roles[role.id]
    for member in guild.members.values():
        if role in member.roles:
            member.roles.remove(role)
    if told:
        await world.fake.dispatch("GUILD_ROLE_DELETE", {"guild_id": str(guild.id),
                                                        "role_id": str(role.id)})


async def test_moderators_hear_once_that_the_bot_can_no_longer_give_the_role(world, fake):
    """An admin drags the bot's role below the attendee role after `/manage role`: the
    members who join go without it. The moderators read it once in the announcements
    channel, with what to change (not once per member, nor per try), and again only
    after it worked in between."""
    guild = world.guild
    attendee = fake.add_role(guild, "Attendee of a talk the bot lost hold of")
    mine = bot_role(world)
    await move_role(world, mine, attendee.position + 1)
    event_id = await world.import_event("Talk The Bot Lost Hold Of", capacity=20)
    await fake.slash(guild, guild.owner, "manage role", role=attendee, event=str(event_id))
    await move_role(world, mine, 0)
    counts, first = channel_counts(fake, guild), len(fake.requests)
    members = [world.member(f"held-off attendee {n}") for n in range(5)]
    for member in members:
        await fake.slash(guild, member, "rsvp join", event=str(event_id))

    def told() -> list[dict]:
        return posts_since(fake, guild, counts, attendee.name)

    await eventually(told, what="the moderators told")
    assert "drag my role above" in told()[0]["content"]
    assert "Talk The Bot Lost Hold Of" in told()[0]["content"]
    assert pings_nobody(fake, told()[0])
    await eventually(lambda: role_calls(fake, first, attendee).count(("PUT", 403)) >= 2,
                     timeout=20, what="the grants tried again after the wait")
    assert len(told()) == 1 and not any(attendee in m.roles for m in members)

    # Fixed, and `/manage role` again gives it to everyone; then broken again: news.
    await move_role(world, mine, attendee.position + 1)
    await fake.slash(guild, guild.owner, "manage role", role=attendee, event=str(event_id))
    await eventually(lambda: all(attendee in m.roles for m in members), what="the role given")
    await move_role(world, mine, 0)
    await fake.slash(guild, world.member("held-off again"), "rsvp join", event=str(event_id))
    await eventually(lambda: len(told()) == 2, what="the moderators told again")
    await move_role(world, mine, attendee.position + 1)


async def test_moderators_hear_once_that_the_bot_cannot_take_the_role_back(world, fake):
    """The bot's role is dragged below the attendee role before the event starts: the
    take-back at the start is refused, and the moderators read it once, however many
    members keep the role and however many tries."""
    guild = world.guild
    attendee = fake.add_role(guild, "Attendee who keeps the role")
    mine = bot_role(world)
    await move_role(world, mine, attendee.position + 1)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=6)
    event_id = await world.import_event("Talk Whose Role Stays", capacity=5,
                                        starts_at=starts.isoformat())
    await fake.slash(guild, guild.owner, "manage role", role=attendee, event=str(event_id))
    members = [world.member(f"keeper {n}") for n in range(3)]
    for member in members:
        await fake.slash(guild, member, "rsvp join", event=str(event_id))
    await eventually(lambda: all(attendee in m.roles for m in members), what="the role given")
    await move_role(world, mine, 0)
    counts, first = channel_counts(fake, guild), len(fake.requests)

    def told() -> list[dict]:
        return posts_since(fake, guild, counts, attendee.name)

    await eventually(lambda: role_calls(fake, first, attendee).count(("DELETE", 403)) >= 2,
                     timeout=25, what="the take-back at the start, and its next try")
    await eventually(told, what="the moderators told")
    assert len(told()) == 1 and "take" in told()[0]["content"]
    assert "drag my role above" in told()[0]["content"] and pings_nobody(fake, told()[0])
    assert all(attendee in m.roles for m in members)
    # Dragged back above it: taken back at once, not after the next wait (20 s by now)
    await move_role(world, mine, attendee.position + 1)
    await eventually(lambda: not any(attendee in m.roles for m in members), timeout=5,
                     what="the role taken back once the bot may")


async def holders_of_a_role_about_to_go(world, fake, name: str, title: str):
    guild = world.guild
    attendee = fake.add_role(guild, name)
    await move_role(world, bot_role(world), attendee.position + 1)
    event_id = await world.import_event(title, capacity=50)
    await fake.slash(guild, guild.owner, "manage role", role=attendee, event=str(event_id))
    members = [world.member(f"{name} holder {n}") for n in range(12)]
    for member in members:
        await fake.slash(guild, member, "rsvp join", event=str(event_id))
    await eventually(lambda: all(attendee in m.roles for m in members), timeout=15,
                     what="the role for every holder")
    return attendee, event_id, members


async def a_new_role_for_everyone(world, fake, event_id: int, members, name: str) -> None:
    """`/manage role` picks a new role, which every confirmed member gets: the bot has
    compared the event's role since everything before it."""
    guild = world.guild
    new = fake.add_role(guild, name)
    await move_role(world, bot_role(world), new.position + 1)
    await fake.slash(guild, guild.owner, "manage role", role=new, event=str(event_id))
    await eventually(lambda: all(new in m.roles for m in members), timeout=15,
                     what="the new role for everyone")


async def test_a_role_deleted_on_discord_costs_no_call_and_the_moderators_hear_once(world,
                                                                                     fake):
    """The attendee role of 12 members is deleted: the bot stops giving it out at once,
    makes no call for it (a call a holder, before), and the moderators read once that
    /manage role can set a new one."""
    guild = world.guild
    attendee, event_id, members = await holders_of_a_role_about_to_go(
        world, fake, "Attendee deleted by an admin", "Talk Whose Role Was Deleted")
    counts, first = channel_counts(fake, guild), len(fake.requests)
    await delete_role(world, attendee)

    def told() -> list[dict]:
        return posts_since(fake, guild, counts, "was deleted")

    await eventually(told, what="the moderators told")
    content = told()[0]["content"]
    assert attendee.name in content and "Talk Whose Role Was Deleted" in content
    assert "/manage role" in content and pings_nobody(fake, told()[0])
    assert world.query("SELECT attendee_role_id FROM events WHERE id = ?",
                       (event_id,)) == [(None,)]
    late = world.member("joined after the role was deleted")
    await fake.slash(guild, late, "rsvp join", event=str(event_id))
    await a_new_role_for_everyone(world, fake, event_id, [*members, late],
                                  "Attendee after the deletion")
    assert role_calls(fake, first, attendee) == [] and len(told()) == 1


async def test_a_role_discord_says_is_unknown_costs_one_call_and_the_moderators_hear(world,
                                                                                      fake):
    """The bot missed the role's deletion (it was away): the first grant meets 10011
    Unknown Role, and that is the last call for it; no removal a holder follows."""
    guild = world.guild
    attendee, event_id, members = await holders_of_a_role_about_to_go(
        world, fake, "Attendee deleted unseen", "Talk Whose Role Went Unseen")
    await delete_role(world, attendee, told=False)
    counts, first = channel_counts(fake, guild), len(fake.requests)
    late = world.member("joined after the unseen deletion")
    await fake.slash(guild, late, "rsvp join", event=str(event_id))
    await eventually(lambda: role_calls(fake, first, attendee), what="the grant")

    def told() -> list[dict]:
        return posts_since(fake, guild, counts, "was deleted")

    await eventually(told, what="the moderators told")
    assert "Talk Whose Role Went Unseen" in told()[0]["content"]
    assert "/manage role" in told()[0]["content"] and pings_nobody(fake, told()[0])
    await a_new_role_for_everyone(world, fake, event_id, [*members, late],
                                  "Attendee after the unseen deletion")
    assert role_calls(fake, first, attendee) == [("PUT", 404)] and len(told()) == 1


def begin_now(world, created: dict, event_id: int, hours_ago: float = 1.0,
              lasting: float = 3.0) -> datetime:
    """The event began `hours_ago` and lasts `lasting` hours, as time passing would leave
    it, and Discord began its Discord event (ACTIVE) at that start: the start."""
    began = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    conn = sqlite3.connect(world.db_path, timeout=10)
    with conn:
        conn.execute("UPDATE events SET starts_at = ?, ends_at = ? WHERE id = ?",
                     (int(began.timestamp()), int((began + timedelta(hours=lasting)).timestamp()),
                      event_id))
    conn.close()
    created.update(scheduled_start_time=began.isoformat(), status=2,
                   scheduled_end_time=(began + timedelta(hours=lasting)).isoformat())
    return began


async def test_an_event_under_way_renamed_and_running_late_its_discord_event_follows(
        world, fake):
    """The event began an hour ago and its Discord event with it (ACTIVE, whose start
    Discord no longer moves). A moderator renames it, moves it to another room and has it
    end later (the panel runs late): the Discord event takes all of that, keeping its
    start, rather than showing the old name and ending on Discord at the old time."""
    guild = world.guild
    event_id, created = await announced_on_discord(world, fake, "Running Late Forum",
                                                   "2037-11-05T18:00:00+00:00")
    began = begin_now(world, created, event_id, hours_ago=1, lasting=2)
    later = (began + timedelta(hours=4)).replace(second=0)  # as typed: to the minute
    text = await edited(world, event_id, {"title": "Running Late Forum (extended)",
                                          "venue": "Room 2",
                                          "end": later.strftime("%Y-%m-%d %H:%M")})
    assert "The Discord event is updated." in text, text
    assert "refused" not in text, text
    [made] = [e for e in fake.scheduled_events(guild) if e["id"] == created["id"]]
    assert made["name"] == "Running Late Forum (extended)"
    assert made["entity_metadata"] == {"location": "Room 2"}
    assert datetime.fromisoformat(made["scheduled_end_time"]) == later
    assert datetime.fromisoformat(made["scheduled_start_time"]) == began
    assert made["status"] == 2


def hostile(seed: str, length: int) -> str:
    """`length` characters of text a moderator may type or a page may hold that must
    neither ping nor break anything: mentions, markdown, bidi overrides, Chinese, ZWJ
    emoji."""
    piece = (f"{seed} @everyone @here <@123456789012345678> <@&234567890123456789> "
             "**bold** _it_ `code` \u202egnp.exe\u202c 中文活动标题 👩\u200d👩\u200d👧\u200d👦 ")
    text = (piece * (length // len(piece) + 1))[:length]
    return text[:-1] + "x" if text.endswith(" ") else text


async def test_an_event_under_way_edited_to_discords_limits_with_hostile_text(world, fake):
    """The event began an hour ago (its Discord event ACTIVE). A moderator's `/manage
    edit` gives it the longest title and venue the form takes and a long link, of text full
    of mentions, markdown, bidi overrides, Chinese and ZWJ emoji, over a description longer
    than Discord keeps: Discord takes the update (name 1-100, description up to 1,000,
    location 1-100), its texts cut as a Discord event made of the same event is, its start
    kept; nobody is pinged, and the moderator is told the Discord event is updated."""
    guild = world.guild
    event_id, created = await announced_on_discord(world, fake, "Hostile Under Way Forum",
                                                   "2037-11-06T18:00:00+00:00")
    began = begin_now(world, created, event_id, hours_ago=1, lasting=3)
    conn = sqlite3.connect(world.db_path, timeout=10)
    with conn:
        conn.execute("UPDATE event_texts SET description = ? WHERE event_id = ?",
                     (hostile("Description", 1500), event_id))
    conn.close()
    title, venue = hostile("Title", MAX_TITLE), hostile("Venue", MAX_TITLE)
    assert len(title) == len(venue) == MAX_TITLE
    link = "https://example.org/" + "a" * (MAX_LINK - len("https://example.org/"))
    first = len(fake.requests)
    done = await fake.submit_modal(
        await fake.slash(guild, world.moderator, "manage edit", event=str(event_id)),
        {"title": title, "venue": venue, "link": link})
    assert done.ephemeral and "Updated" in done.content, done.content
    assert "The Discord event is updated." in done.content, done.content
    assert "refused" not in done.content, done.content
    reply = done.message
    assert reply is not None and not reply["mentions"] and not reply["mention_roles"]
    assert not reply["mention_everyone"], reply
    [update] = [r for r in fake.requests[first:] if r.method == "PATCH"
                and r.path.endswith(f"/scheduled-events/{created['id']}")]
    assert update.status == 200, (update.status, update.json)
    assert "scheduled_start_time" not in update.json
    [made] = [e for e in fake.scheduled_events(guild) if e["id"] == created["id"]]
    assert made["status"] == 2
    assert datetime.fromisoformat(made["scheduled_start_time"]) == began
    name, location = made["name"], made["entity_metadata"]["location"]
    assert 1 <= len(name) <= 100 and 1 <= len(location) <= 100, made
    assert len(made["description"]) <= 1000, len(made["description"])
    # cut as a Discord event made of the same event is, the bidi overrides left out
    shown_title, shown_venue = without_bidi_controls(title), without_bidi_controls(venue)
    assert name.endswith("…") and shown_title.startswith(name[:-1].rstrip()), name
    assert location.endswith("…") and shown_venue.startswith(location[:-1].rstrip()), location
    assert made["description"].startswith("Description @everyone"), made["description"]
    # The same texts in an event to come: the Discord event its announce makes is cut alike
    twin, _ = await announced_on_discord(world, fake, "Hostile Twin Forum",
                                         "2037-11-07T18:00:00+00:00")
    conn = sqlite3.connect(world.db_path, timeout=10)
    with conn:
        conn.execute("UPDATE events SET (title, venue, link) = (SELECT title, venue, link"
                     " FROM events WHERE id = ?) WHERE id = ?", (event_id, twin))
        conn.execute("UPDATE event_texts SET description = (SELECT description FROM"
                     " event_texts WHERE event_id = ?) WHERE event_id = ?", (event_id, twin))
    conn.close()
    again = await fake.slash(guild, world.moderator, "manage announce", event=str(twin))
    assert "Discord event" in again.content, again.content
    [made_twin] = [e for e in fake.scheduled_events(guild)
                   if e["id"] != created["id"] and e["name"] == name]
    assert (made_twin["description"], made_twin["entity_metadata"]) == (
        made["description"], made["entity_metadata"])
    for message in fake.messages(guild.channel("announcements")):
        assert not (message["mentions"] or message["mention_roles"]
                    or message["mention_everyone"]), message


async def test_an_event_under_way_ended_early_ends_its_discord_event(world, fake):
    """The event began an hour ago (its Discord event ACTIVE) and a moderator sets its end
    to now, the panel having finished early: its Discord event is ended (COMPLETED), not
    left going on until the old end."""
    guild = world.guild
    event_id, created = await announced_on_discord(world, fake, "Ended Early Forum",
                                                   "2037-11-06T18:00:00+00:00")
    began = begin_now(world, created, event_id, hours_ago=1, lasting=3)
    ended = datetime.now(UTC).replace(second=0, microsecond=0)
    text = await edited(world, event_id, {"end": ended.strftime("%Y-%m-%d %H:%M")})
    assert "Its Discord event is ended." in text, text
    assert "refused" not in text, text
    [made] = [e for e in fake.scheduled_events(guild) if e["id"] == created["id"]]
    assert made["status"] == 3
    assert datetime.fromisoformat(made["scheduled_start_time"]) == began


async def test_an_event_ended_before_discord_began_its_discord_event_is_ended(world, fake):
    """Discord begins an external event at its start, but a little late: the event began
    moments ago and its Discord event is still SCHEDULED when a moderator sets the end to
    now (it was called off at the door). Discord ends (COMPLETED) only an ACTIVE one: the
    bot begins it and ends it, rather than passing on Discord's refusal of the change and
    leaving it to show as going on until the old end."""
    guild = world.guild
    event_id, created = await announced_on_discord(world, fake, "Called At The Door Forum",
                                                   "2037-11-08T18:00:00+00:00")
    fake.event_start_lag = 3600.0
    try:
        begin_now(world, created, event_id, hours_ago=0.5, lasting=3)
        created["status"] = 1  # Discord has not yet begun it
        ended = datetime.now(UTC).replace(second=0, microsecond=0)
        text = await edited(world, event_id, {"end": ended.strftime("%Y-%m-%d %H:%M")})
    finally:
        fake.event_start_lag = 0.0
    assert "Its Discord event is ended." in text, text
    assert "refused" not in text, text
    [made] = [e for e in fake.scheduled_events(guild) if e["id"] == created["id"]]
    assert made["status"] == 3


async def test_an_event_under_ways_discord_event_gone_is_not_said_to_come_back(world, fake):
    """The event is under way and its Discord event was deleted on Discord; the bot has
    lost Manage Events. An edit (or /manage announce) cannot make a new Discord event for
    an event that has begun, permission or not: the moderator is told it is gone, not to
    grant the permission and announce again for one."""
    guild = world.guild
    event_id, created = await announced_on_discord(world, fake, "Gone While Under Way Forum",
                                                   "2037-11-09T18:00:00+00:00")
    begin_now(world, created, event_id)
    fake.delete_scheduled_event(guild, created["id"])
    mine = bot_role(world)
    saved = mine.permissions
    await set_permissions(world, mine, saved & ~(MANAGE_EVENTS | CREATE_EVENTS))
    try:
        text = await edited(world, event_id, {"venue": "Room 4"})
        again = await fake.slash(guild, world.moderator, "manage announce",
                                 event=str(event_id))
    finally:
        await set_permissions(world, mine, saved)
    assert "Its Discord event was deleted, ended or cancelled on Discord." in text, text
    assert "/manage announce" not in text and "Manage Events" not in text, text
    assert "Manage Events" not in again.content, again.content
    assert world.query("SELECT scheduled_event_id FROM events WHERE id = ?",
                       (event_id,)) == [(None,)]


async def test_an_event_under_way_whose_start_moves_within_the_past_keeps_discords_start(
        world, fake):
    """The event began an hour ago (its Discord event ACTIVE) and a moderator corrects its
    start to another moment past (it began earlier, or later, than set). Discord keeps the
    start of a Discord event that has begun, and no new one can start in the past: the
    rest is sent, and the moderator reads that its start stays, not that the Discord event
    is updated as if it showed the new start."""
    guild = world.guild
    event_id, created = await announced_on_discord(world, fake, "Corrected Start Forum",
                                                   "2037-11-10T18:00:00+00:00")
    began = begin_now(world, created, event_id, hours_ago=1, lasting=3)
    for moved in (began - timedelta(hours=1), began + timedelta(minutes=30)):
        moved = moved.replace(second=0)
        text = await edited(world, event_id, {"start": moved.strftime("%Y-%m-%d %H:%M"),
                                              "venue": f"Room {moved.minute}"})
        assert "The Discord event is updated." not in text, text
        assert "keeps the start" in text, text
        [made] = [e for e in fake.scheduled_events(guild) if e["id"] == created["id"]]
        assert datetime.fromisoformat(made["scheduled_start_time"]) == began
        assert made["entity_metadata"] == {"location": f"Room {moved.minute}"}
        assert made["status"] == 2


async def test_a_role_given_moderator_permissions_after_it_was_picked_is_given_to_nobody(
        world, fake):
    """`/manage role` refuses a role with moderator permissions; an admin adds Administrator
    to the role afterwards: members who join are not given it (everyone who RSVPs would be
    an administrator), the moderators are told why and what to do, and once the permission
    is taken off the role, the members who went without it get it."""
    guild = world.guild
    attendee = await role_the_bot_may_give(world, fake, "Attendee turned admin")
    event_id = await world.import_event("Talk Whose Role Became Admin", capacity=20)
    await fake.slash(guild, guild.owner, "manage role", role=attendee, event=str(event_id))
    early = world.member("seated before the change")
    await fake.slash(guild, early, "rsvp join", event=str(event_id))
    await eventually(lambda: attendee in early.roles, what="the role given before the change")
    counts, first = channel_counts(fake, guild), len(fake.requests)
    await set_permissions(world, attendee, ADMINISTRATOR)
    late = [world.member(f"seated after the change {n}") for n in range(3)]
    for member in late:
        await fake.slash(guild, member, "rsvp join", event=str(event_id))

    def told() -> list[dict]:
        return posts_since(fake, guild, counts, attendee.name)

    await eventually(told, what="the moderators told")
    assert "now carries moderator permissions" in told()[0]["content"], told()[0]["content"]
    assert "Talk Whose Role Became Admin" in told()[0]["content"]
    assert pings_nobody(fake, told()[0])
    await asyncio.sleep(0.5)
    assert role_calls(fake, first, attendee) == []  # Discord was not asked
    assert not any(attendee in m.roles for m in late) and len(told()) == 1
    await set_permissions(world, attendee, 0)  # taken off again
    await eventually(lambda: all(attendee in m.roles for m in late),
                     what="the role given once it carries no moderator permissions")
