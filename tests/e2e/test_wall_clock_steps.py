"""The host's wall clock stepped while the bot runs (NTP stepping a clock that ran wrong,
a virtual machine resumed, an operator fixing the date), through the real bot process:
libfaketime moves the process's wall clock (not its monotonic one) as a file says.

A step forward that is then taken back deletes no data and gives up no notice: what it
would make due is not acted on until the clock has kept the step for a while
(`bot.clock`). What members are shown and do (an event shown over, a join refused as
taken place) follows the wall clock as it is, and is put right within seconds of the
clock: a step ahead is most often the clock set right, and the time that passed, kept
for hours after it, would show events over in the hours it skipped as open to joins."""

from __future__ import annotations

import asyncio
import atexit
import functools
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.notice_lanes import POLL_INTERVAL
from bot.render import CAPACITY_REACHED
from sandbox import Attachment
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, delete_event, edited, import_page
from tests.e2e.conftest import until as until_within
from tests.e2e.test_guild_changes import (
    a_member_refused_the_role,
    a_role_the_bot_will_be_refused,
    told_of,
)
from tests.e2e.test_lifecycle import announced, buttons, registration_shown, settled
from tests.e2e.test_reminders_roles_schedules import (
    announced_on_discord,
    discord_events_of,
    move_role,
    reminders_to,
    role_the_bot_may_give,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

# What a step's effect is waited for, at most, unless a test says otherwise: the bot's
# looks at the clock (the retention's, the announcements' 5 s) come in their own time.
until = functools.partial(until_within, timeout=15.0)

# Debian's libfaketime package (apt-get install faketime), in its architecture's folder
FAKETIME = next(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"), None)
if FAKETIME is None:
    pytest.skip("libfaketime is not installed (apt-get install faketime)",
                allow_module_level=True)

# The offset of the bot's wall clock from the real one, read at every look at it; its
# folder is made when the module is collected (by each test worker), and goes at exit.
CLOCK_FILE = Path(tempfile.mkdtemp(prefix="eventbot-clock-")) / "offset"
atexit.register(shutil.rmtree, CLOCK_FILE.parent, ignore_errors=True)
CLOCK_FILE.write_text("+0\n")

BOT_ENV = {"GUILD_DATA_RETENTION_DAYS": "1", "CLOCK_BOOT_SETTLING": "0",
           "LD_PRELOAD": str(FAKETIME), "FAKETIME_TIMESTAMP_FILE": str(CLOCK_FILE),
           "FAKETIME_NO_CACHE": "1", "DONT_FAKE_MONOTONIC": "1"}


def step_clock(offset: str) -> None:
    """Set the bot's wall clock to the real one plus `offset` ("+2d", "-3h", "+0")."""
    CLOCK_FILE.write_text(offset + "\n")



def has_data(world, guild_id: int) -> bool:
    return bool(world.query("SELECT 1 FROM events WHERE guild_id = ?", (guild_id,)))


def left(world, guild_id: int) -> bool:
    return bool(world.query("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                            " AND left_at IS NOT NULL", (guild_id,)))


async def leave(world, fake, name: str) -> int:
    """A server with the sample events that then removes the bot; returns its id. The bot
    records when it left, and its retention task looks at every server left."""
    guild = fake.add_guild(name)
    await fake.wait_ready(process=world.bot)
    await until(lambda: has_data(world, guild.id), what=f"{name}'s sample events")
    fake.remove_bot(guild)
    await until(lambda: left(world, guild.id), what=f"{name} recorded as left")
    return guild.id


async def test_a_step_forward_past_the_retention_then_back_deletes_no_server_s_data(
        world, fake):
    """A server removed the bot a moment ago; its data is kept a day. The wall clock steps
    two days ahead, and the retention task looks (another server removes the bot): it
    deletes nothing yet, nor once the clock is set right again. Before, it deleted the
    first server's data at that look, for good, though no day had passed."""
    await world.past_on_ready()
    departed = await leave(world, fake, "Departed Club")
    try:
        step_clock("+2d")
        second = await leave(world, fake, "Second Club")  # the retention task looks again
        # Its departure is stamped by the clock as it is: should the step be the clock set
        # right, its retention starts no earlier than it left (late, not early, otherwise).
        [(left_at,)] = world.query("SELECT left_at FROM guild_settings WHERE guild_id = ?",
                                   (second,))
        assert left_at >= (datetime.now(UTC) + timedelta(days=2, minutes=-5)).timestamp()
        await until(lambda: "wall clock" in world.bot.output()
                    or not has_data(world, departed), what="the retention's look")
        await asyncio.sleep(0.5)
        assert has_data(world, departed), world.bot.describe()
        assert "deleted the data of guild" not in world.bot.output()

        step_clock("+0")
        await leave(world, fake, "Third Club")
        await asyncio.sleep(1.0)
        assert has_data(world, departed), world.bot.describe()
        assert "deleted the data of guild" not in world.bot.output()
    finally:
        step_clock("+0")


def capacity_notices(fake, channel, title: str) -> list[dict]:
    return [m for m in fake.messages(channel)
            if f"**{title}**" in m["content"] and CAPACITY_REACHED in m["content"]]


async def test_a_step_forward_past_a_day_gives_up_no_notice_held_for_a_server_away(
        world, fake):
    """Discord fails an event's capacity notice (a 503), then loses its server (an outage):
    the notice waits for the server. The wall clock steps two days ahead meanwhile, and is
    set right again before the server comes back: the notice is posted then, once. Before,
    the next look at it, two days after it was written by that clock, gave it up."""
    guild = fake.add_guild("Away Club")
    await fake.wait_ready(process=world.bot)
    await until(lambda: has_data(world, guild.id), what="the server's set-up")
    title = "Stepped Lecture"
    moderator = fake.add_member(guild, "away moderator", manage_events=True)
    page = Attachment("p.txt", title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT, "text/plain")
    reply = await import_page(fake, guild, moderator, page=page, title=title, capacity=1)
    event_id = int(reply.content.split("(event ", 1)[1].split(")", 1)[0])
    channel = guild.channel("announcements")
    fake.fail("POST", rf"^/channels/{channel.id}/messages$", status=503,
              message="Service Unavailable")
    joined = await fake.slash(guild, fake.add_member(guild, "away filler"), "rsvp join",
                              event=str(event_id))
    assert "confirmed" in joined.content, joined
    await until(lambda: "Discord failed the capacity notice" in world.bot.output(),
                what="the failed post")

    fake.outage(guild)
    try:
        steps = world.bot.output().count("wall clock stepped")
        step_clock("+2d")
        world.expire_claims(event_id)  # handed out again at the deliverer's next look
        await until(lambda: world.bot.output().count("wall clock stepped") > steps
                    or "the server is still away" in world.bot.output(),
                    what="the held notice looked at again")
        await asyncio.sleep(POLL_INTERVAL + 1.0)  # and once more
        assert world.query("SELECT count(*) FROM outbox WHERE event_id = ?"
                           " AND kind = 'capacity'", (event_id,)) == [(1,)], world.bot.describe()
        assert "the server is still away" not in world.bot.output()
    finally:
        step_clock("+0")
        fake.end_outage(guild)
    await fake.wait_message(channel, lambda m: f"**{title}**" in m["content"]
                            and CAPACITY_REACHED in m["content"], timeout=15)
    await asyncio.sleep(1.0)
    assert len(capacity_notices(fake, channel, title)) == 1


async def test_a_step_forward_past_a_day_drops_no_role_notice_held_for_a_server_away(
        world, fake):
    """Discord refuses the bot an event's attendee role while it keeps the server
    unavailable: the moderators' notice waits for the server. The wall clock steps two days
    ahead, and the server arrives before it is set right: the moderators are told. Before,
    the notice, two days old by that clock, was dropped as stale."""
    guild, title = world.guild, "Refused Across A Step"
    refused = await a_role_the_bot_will_be_refused(world, fake, title, "Stepped Attendee")
    fake.outage(guild)
    try:
        await world.restart_bot()
        await a_member_refused_the_role(world, fake, refused, "refused across a step")
        await until(lambda: world.query("SELECT 1 FROM held_role_notices WHERE guild_id = ?",
                                        (guild.id,)), what="the notice held for the server")
        step_clock("+2d")
    finally:
        fake.end_outage(guild)
    try:
        await until(lambda: told_of(fake, guild, refused.attendee), timeout=10,
                    what="the moderators told once the server arrived")
    finally:
        step_clock("+0")
    await move_role(world, refused.mine, refused.kept_at)


def in_hours(hours: float) -> str:
    return (datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)).isoformat()


async def wake_the_scheduler(world, fake, name: str) -> None:
    """A member joins an event far off: the reminder scheduler, which also takes attendee
    roles back at their events' end, runs a round at once."""
    far = await world.import_event(f"{name} Far Off", capacity=5,
                                   starts_at="2037-09-01T18:00:00+00:00")
    joined = await fake.slash(world.guild, world.member(name), "rsvp join", event=str(far))
    assert "confirmed" in joined.content, joined


async def confirmed_three_days_ahead(world, fake, title: str, name: str) -> tuple[int, object]:
    """An event three days away (its day-before reminder due in two days), and a member
    called `name` confirmed for it."""
    event_id = await world.import_event(title, capacity=5, starts_at=in_hours(72))
    member = world.member(name)
    joined = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content, joined
    return event_id, member


async def no_reminder_within_3_s(fake, member, title: str) -> None:
    with pytest.raises(AssertionError):  # (a reminder sent would end the wait)
        await until(lambda: reminders_to(fake, member, title), timeout=3.0)


async def none_sent_once_set_right(world, fake, member, title: str, event_id: int,
                                   waker: str) -> None:
    """The clock set right, the scheduler looks: still no reminder, none recorded sent."""
    await wake_the_scheduler(world, fake, waker)
    await asyncio.sleep(1.0)
    assert reminders_to(fake, member, title) == [], world.bot.describe()
    assert world.query("SELECT count(*) FROM reminders_sent WHERE event_id = ?",
                       (event_id,)) == [(0,)]


async def test_a_step_forward_past_an_events_end_then_back_takes_no_attendee_role(
        world, fake):
    """A member holds the attendee role of an event two hours away. The wall clock steps a
    day ahead, and the scheduler looks (another member joins another event), then the
    clock is set right: the member keeps the role, and the event still gives it out.
    Before, that look took the role back from everyone and the event stopped giving it,
    for good, though the event was still to come."""
    guild, title = world.guild, "Role Across A Step"
    attendee = await role_the_bot_may_give(world, fake, "Attendee Across A Step")
    event_id = await world.import_event(title, capacity=5, starts_at=in_hours(2))
    member = world.member("role keeper")
    await fake.slash(guild, guild.owner, "manage role", role=attendee, event=str(event_id))
    await fake.slash(guild, member, "rsvp join", event=str(event_id))
    await until(lambda: attendee in member.roles, what="the role on joining")
    try:
        step_clock("+1d")
        await wake_the_scheduler(world, fake, "role waker")
        with pytest.raises(AssertionError):  # (the role taken back would end the wait)
            await until(lambda: attendee not in member.roles, timeout=3.0)
    finally:
        step_clock("+0")
    await wake_the_scheduler(world, fake, "second role waker")
    await asyncio.sleep(1.0)
    assert attendee in member.roles, world.bot.describe()
    assert world.query("SELECT attendee_role_id FROM events WHERE id = ?",
                       (event_id,)) == [(attendee.id,)]
    assert "took role" not in world.bot.output()


async def test_a_step_forward_past_a_reminder_then_back_sends_it_no_earlier(world, fake):
    """A member is confirmed for an event three days away: the day-before reminder is due
    in two days. The wall clock steps 50 hours ahead, the scheduler looks, and the clock is
    set right: no reminder has gone out, and none is recorded as sent (it goes at its
    time). Before, it went out at that look, two days early, and never at its time."""
    title = "Reminder Across A Step"
    event_id, member = await confirmed_three_days_ahead(world, fake, title,
                                                        "reminded across a step")
    try:
        step_clock("+50h")
        await wake_the_scheduler(world, fake, "reminder waker")
        await no_reminder_within_3_s(fake, member, title)
    finally:
        step_clock("+0")
    await none_sent_once_set_right(world, fake, member, title, event_id,
                                   "second reminder waker")


async def test_an_announcement_shown_over_by_a_step_forward_is_open_again_once_set_right(
        world, fake):
    """An announced event two hours away; the wall clock steps a day ahead, and a change of
    its seats has its announcement refreshed: it shows the event over, Join disabled, as
    does /event info, and a member's join is refused as the announcement says. Once the
    clock is set right both show it open again, and the member's join is taken. Before,
    both stayed shown over, the Join button disabled, until something else changed the
    event. (Members' actions follow the wall clock as it is, as what they are shown does:
    see the module.)"""
    guild, title = world.guild, "Announced Across A Step"
    event_id = await world.import_event(title, capacity=5, starts_at=in_hours(2))
    channel = guild.channel("announcements")
    message = await announced(world, event_id)
    assert not buttons(message)["join"].get("disabled")
    reader = world.member("reader across a step")
    try:
        step_clock("+1d")
        changed = await fake.slash(guild, world.moderator, "manage capacity", seats=6,
                                   event=str(event_id))
        assert "6" in changed.content, changed
        await settled(fake, channel, message["id"],
                      lambda m: buttons(m)["join"].get("disabled"))
        info = await fake.slash(guild, reader, "event info", event=str(event_id))
        assert registration_shown(info.message) == "Over: this event has taken place"
        refused = await fake.slash(guild, reader, "rsvp join", event=str(event_id))
        assert "this event has already taken place" in refused.content, refused
    finally:
        step_clock("+0")
    shown = await settled(fake, channel, message["id"],
                          lambda m: not buttons(m)["join"].get("disabled"), timeout=15)
    assert registration_shown(shown) == "Open: 6 of 6 seats left", shown
    info = await fake.slash(guild, reader, "event info", event=str(event_id))
    assert registration_shown(info.message) == "Open: 6 of 6 seats left", info
    joined = await fake.slash(guild, reader, "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content, joined


async def test_an_edit_during_a_step_forward_ends_no_discord_event_early(world, fake):
    """An event two hours away has its Discord event. The wall clock steps a day ahead,
    and a moderator renames the event and moves it an hour later: its Discord event takes
    both, still to come. Before, the bot took the event as over by that clock and ended
    its Discord event (for good: Discord takes no change to an ended one)."""
    title = "Discord Event Across A Step"
    event_id, created = await announced_on_discord(world, fake, title, in_hours(2))
    later = datetime.fromisoformat(in_hours(3)).replace(second=0)  # as typed: to the minute
    try:
        step_clock("+1d")
        text = await edited(world, event_id, {"title": f"{title} (renamed)",
                                              "start": later.strftime("%Y-%m-%d %H:%M")})
    finally:
        step_clock("+0")
    assert "The Discord event is updated." in text, text
    [kept] = discord_events_of(world, fake, event_id)
    assert kept["id"] == created["id"] and kept["status"] == 1, kept  # SCHEDULED
    assert kept["name"] == f"{title} (renamed)"
    assert datetime.fromisoformat(kept["scheduled_start_time"]) == later


async def test_a_removal_dm_held_up_then_sent_during_a_step_forward_is_sent(world, fake):
    """A moderator removes a member's RSVP to an event a day and two hours away; Discord
    fails the DM telling them (a 503). The wall clock steps two days ahead before it is
    tried again: the member is told all the same. Before, the event looked over by that
    clock, and the DM was dropped as no news any more, for good, though the event was still
    to come."""
    guild, title = world.guild, "Removed Across A Step"
    # More than a day away, so that no reminder is due to the member when they join (a
    # member confirmed after an offset passed is reminded at once): its DM channel, opened
    # about as the removal's is, would take the fault meant for the removal's.
    event_id = await world.import_event(title, capacity=5, starts_at=in_hours(26))
    member = world.member("removed across a step")
    joined = await fake.slash(guild, member, "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content, joined
    # Another member's removal from an event far off, during the step, wakes the
    # deliverer at once (a DM of its own), where its next look would be seconds away.
    far = await world.import_event(f"{title} Far Off", capacity=5,
                                   starts_at="2037-09-01T18:00:00+00:00")
    waker = world.member("removal waker")
    joined = await fake.slash(guild, waker, "rsvp join", event=str(far))
    assert "confirmed" in joined.content, joined
    # The member's DM channel alone: the bot may be opening others' meanwhile (the
    # reminders of members of the module's earlier events, say).
    fake.fail("POST", r"^/users/@me/channels$", status=503, message="Service Unavailable",
              body={"recipient_id": member.id})
    failed = world.bot.output().count("Discord failed the removed notice")
    removed = await fake.slash(guild, world.moderator, "manage remove", member=member,
                               event=str(event_id))
    assert "Removed" in removed.content, removed
    try:
        await until(lambda: world.bot.output().count("Discord failed the removed notice")
                    > failed, what="the failed DM")
    except AssertionError:  # what the bot did meanwhile, and the DMs the member has
        raise AssertionError((world.bot.describe(), fake.dms(member))) from None

    def pending() -> bool:
        return bool(world.query("SELECT 1 FROM outbox WHERE event_id = ? AND kind = ?",
                                (event_id, "removed")))

    try:
        step_clock("+2d")
        world.expire_claims(event_id)  # handed out again at the deliverer's next look
        await fake.slash(guild, world.moderator, "manage remove", member=waker,
                         event=str(far))
        await until(lambda: not pending(), what="the DM tried again")
    finally:
        step_clock("+0")
    assert [m for m in fake.dms(member) if "removed your RSVP" in m["content"]
            and title in m["content"]], world.bot.describe()


async def test_a_removal_and_a_deletion_during_a_step_forward_tell_the_members(world, fake):
    """An event two hours away: one member holds its one seat, another waits. The wall
    clock steps a day ahead, and a moderator removes the first member, then deletes the
    event: the first is told of the removal, the second of the seat it gave them, then of
    the cancellation. Before, the store took the event as over by that clock, and nobody
    was told anything, for good, though the event was still to come."""
    guild, title = world.guild, "Deleted Across A Step"
    event_id = await world.import_event(title, capacity=1, starts_at=in_hours(2))
    seated, waiting = world.member("seated across a step"), world.member("waiting across a step")
    for member, status in ((seated, "confirmed"), (waiting, "waitlisted")):
        joined = await fake.slash(guild, member, "rsvp join", event=str(event_id))
        assert status in joined.content, joined
    try:
        step_clock("+1d")
        await fake.slash(guild, world.moderator, "manage remove", member=seated,
                         event=str(event_id))
        await until(lambda: any("a seat freed up" in m["content"] for m in fake.dms(waiting)),
                    what="the seat given to the waiting member")
        await delete_event(world, world.moderator, event_id)
        await until(lambda: any("has been cancelled" in m["content"]
                                for m in fake.dms(waiting)), what="the cancellation")
    finally:
        step_clock("+0")
    assert [m for m in fake.dms(seated) if "removed your RSVP" in m["content"]
            and title in m["content"]], world.bot.describe()


async def test_a_restart_during_a_step_forward_sends_no_reminder_early(world, fake):
    """A member is confirmed for an event three days away. The wall clock steps 50 hours
    ahead, and the bot is restarted meanwhile (a deploy, a crash, an operator who saw the
    clock wrong): the new process, on the same machine, sends no reminder two days early
    either, nor records one as sent; once the clock is set right, the reminder waits for
    its time. Before, the new process took its first look at the clock as sound, and the
    day-before reminder went out at once, never at its time."""
    title = "Reminder Across A Restart"
    event_id, member = await confirmed_three_days_ahead(world, fake, title,
                                                        "reminded across a restart")
    try:
        step_clock("+50h")
        await wake_the_scheduler(world, fake, "restart step waker")
        await world.restart_bot()
        await wake_the_scheduler(world, fake, "restarted step waker")
        await no_reminder_within_3_s(fake, member, title)
        assert world.query("SELECT count(*) FROM reminders_sent WHERE event_id = ?",
                           (event_id,)) == [(0,)]
    finally:
        step_clock("+0")
    await none_sent_once_set_right(world, fake, member, title, event_id,
                                   "restart set right waker")
