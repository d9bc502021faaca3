"""Members leaving the server and coming back, and the bot removed from it and invited
back, while they hold RSVPs: through the real bot process."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import delete_event, until
from tests.e2e.test_guild_changes import announced_then_hidden
from tests.e2e.test_reminders_roles_schedules import reminders_to, role_the_bot_may_give

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_confirmed_member_back_in_the_server_gets_the_role_again_on_joining(
        world, fake):
    """A confirmed member leaves the server (their seat stays theirs) and comes back:
    Discord gives a member who comes back none of their roles, so they are without the
    event's attendee role (and the channel it opens to them). Pressing Join again, as a
    member who finds it missing does, gives it back; the reply still says they are
    confirmed, and nobody else's role is asked for again."""
    guild = world.guild
    role = await role_the_bot_may_give(world, fake, "Attendee Back Again")
    event_id = await world.import_event("Homecoming Dialogue", capacity=3)
    await fake.slash(guild, guild.owner, "manage role", role=role, event=str(event_id))
    member, other = world.member("homecomer"), world.member("stayer")
    for m in (member, other):
        joined = await fake.slash(guild, m, "rsvp join", event=str(event_id))
        assert "confirmed" in joined.content, joined
    await until(lambda: role in member.roles and role in other.roles, what="the roles given")

    fake.remove_member(guild, member)
    back = fake.add_member(guild, user=member.user)
    assert role not in back.roles  # as on Discord: a member who comes back has no roles
    first = len(fake.requests)
    again = await fake.slash(guild, back, "rsvp join", event=str(event_id))
    assert again.ephemeral and "already confirmed" in again.content, again
    await until(lambda: role in back.roles, what="the role given again")
    grants = [r.path for r in fake.requests[first:] if r.method == "PUT" and "/roles/" in r.path]
    assert grants == [f"/guilds/{guild.id}/members/{back.id}/roles/{role.id}"], grants
    assert world.query("SELECT user_id, status FROM rsvps WHERE event_id = ? ORDER BY seq",
                       (event_id,)) == [(member.id, "confirmed"), (other.id, "confirmed")]

    # Joining again with the role there asks Discord nothing.
    first = len(fake.requests)
    again = await fake.slash(guild, back, "rsvp join", event=str(event_id))
    assert "already confirmed" in again.content, again
    assert not [r for r in fake.requests[first:] if "/roles/" in r.path]


async def test_a_member_promoted_while_the_bot_is_out_of_the_server_hears_once_it_is_back(
        world, fake):
    """The bot is removed from the server, whose members still use its commands: a seat
    freed meanwhile goes to the first on the waitlist, but the bot can neither ask Discord
    whether they are still a member nor DM them. The DM waits for the bot to be invited
    back (as the channel's notices do) instead of being dropped at once, and then tells
    them of their seat."""
    guild, title = world.guild, "Absent Host Seminar"
    event_id = await world.import_event(title, capacity=1)
    holder, waiting = world.member("aho holder"), world.member("aho waiting")
    for member in (holder, waiting):
        await fake.slash(guild, member, "rsvp join", event=str(event_id))
    await bot_removed(world, fake, guild)
    cancelled = await fake.slash(guild, holder, "rsvp cancel", event=str(event_id))
    assert "gone to the next member on the waitlist" in cancelled.content, cancelled
    await asyncio.sleep(2.0)
    assert [m for m in fake.dms(waiting) if title in m["content"]] == []
    # (the seats' notice of the joins before the kick may be held for the server too)
    assert ("promoted",) in world.query("SELECT kind FROM outbox WHERE event_id = ?",
                                        (event_id,))

    fake.rejoin(guild)
    world.expire_claims(event_id)  # handed out again at once, not after its claim's minute
    dm = await fake.wait_message(fake.dm_channel(waiting), lambda m: title in m["content"],
                                 timeout=15)
    assert "now confirmed" in dm["content"], dm
    await until(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                        (event_id,)), what="the notice done with")
    assert len([m for m in fake.dms(waiting) if title in m["content"]]) == 1


async def test_an_event_deleted_while_its_channel_is_hidden_from_the_bot_shows_cancelled_after(
        world, fake):
    """View Channel is taken from the bot in an announcement's channel (a moderator tidying
    permissions), and meanwhile the event is deleted: Discord refuses the edit that shows it
    cancelled. Once the channel is given back, the announcement says it was cancelled, its
    buttons disabled, rather than showing the seats of an event that no longer exists with
    a live Join button for good; and while it stays hidden, the bot does not ask Discord
    again and again."""
    title = "Vanished Venue Forum"
    event_id, channel, message, bot_member, first = await announced_then_hidden(
        world, fake, title, "vanished-news", capacity=5)

    def edits() -> list[int]:
        return announcement_edits(fake, channel, message, first)

    await delete_event(world, world.moderator, event_id)
    await until(lambda: edits() == [403], what="the refused edit")
    world.expire_claims(event_id)  # handed out again, as after its claim's minute
    await asyncio.sleep(5.5)  # past the lanes' poll
    assert edits() == [403]  # hidden still: not asked again

    fake.set_overwrite(channel, bot_member)  # given back
    world.expire_claims(event_id)
    await until(lambda: edits() == [403, 200], timeout=15,
                what="the announcement shown cancelled")
    [shown] = fake.messages(channel)
    assert f"Cancelled: {title}" in str(shown["embeds"]), shown["embeds"]
    assert all(c.get("disabled") for row in shown["components"] for c in row["components"])
    await until(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                        (event_id,)), what="the notice done with")


def announcement_edits(fake, channel, message: dict, first: int) -> list[int]:
    """The statuses Discord answered the edits of the announcement `message` with, from
    request number `first` on."""
    return [r.status for r in fake.requests[first:]
            if r.method == "PATCH" and r.path == f"/channels/{channel.id}/messages/"
            f"{message['id']}"]


async def test_a_deleted_events_announcement_in_a_hidden_channel_then_deleted_is_not_waited_on(
        world, fake):
    """View Channel is taken from the bot in an announcement's channel, the event is
    deleted (Discord refuses the edit that shows it cancelled, and the notice waits for the
    channel), and then a moderator deletes the channel itself: the announcement went with
    it, and nothing is left to show cancelled. The notice is done with at its next try,
    rather than waiting a day for a channel that no longer exists and then being given up
    as if the bot were still kept from it."""
    event_id, channel, message, _, first = await announced_then_hidden(
        world, fake, "Vanished Channel Forum", "vanishing-news", capacity=5)

    def edits() -> list[int]:
        return announcement_edits(fake, channel, message, first)

    await delete_event(world, world.moderator, event_id)
    await until(lambda: edits() == [403], what="the refused edit")

    fake.delete_channel(channel)
    await asyncio.sleep(0.5)  # CHANNEL_DELETE reaches the bot
    world.expire_claims(event_id)  # handed out again, as after its claim's minute
    await until(lambda: not world.query("SELECT 1 FROM outbox WHERE event_id = ?",
                                        (event_id,)), timeout=15, what="the notice done with")
    assert edits() in ([403], [403, 404]), edits()  # at most Discord's 10003, once


async def bot_removed(world, fake, guild) -> None:
    """The bot removed from `guild`, and the removal recorded (the server left)."""
    fake.remove_bot(guild)
    await until(lambda: world.query("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                                    " AND left_at IS NOT NULL", (guild.id,)), what="the kick")


async def reminded(fake, member, title: str) -> None:
    """The member's reminder DM of the event `title` comes."""
    dm = await fake.wait_message(fake.dm_channel(member), lambda m: title in m["content"],
                                 timeout=15)
    assert "Reminder" in dm["content"], dm


async def test_a_reminder_due_while_the_bot_is_out_of_the_server_is_sent_once_it_is_back(
        world, fake):
    """The bot is removed from the server, whose members still use its commands: a member
    who joins meanwhile has a reminder come due. Discord lets the bot DM only those it
    shares a server with, so the DM would be refused (50007) and the reminder, sent at
    most once, lost for good. It waits for the bot to be invited back instead, as the
    promotion DMs do, and is sent then, before the event begins."""
    guild, title = world.guild, "Reminded After Return"
    await fake.slash(guild, world.moderator, "manage reminders", minutes="1")
    try:
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=75)
        event_id = await world.import_event(title, capacity=5, starts_at=starts.isoformat())
        await world.past_on_ready()  # (its look for servers left is behind)
        await bot_removed(world, fake, guild)
        member = world.member("returnee reader")
        joined = await fake.slash(guild, member, "rsvp join", event=str(event_id))
        assert "confirmed" in joined.content, joined
        # past the moment the reminder came due (60 s before the start), and a round more
        await asyncio.sleep(max(starts.timestamp() - 60 - datetime.now(UTC).timestamp(), 0)
                            + 3.0)
        assert reminders_to(fake, member, title) == []
    finally:
        if guild.id not in fake.guilds:
            fake.rejoin(guild)
    await reminded(fake, member, title)
    await asyncio.sleep(1.0)
    assert len(reminders_to(fake, member, title)) == 1
    await fake.slash(guild, world.moderator, "manage reminders", minutes="off")


async def test_a_reminder_that_came_due_while_the_bot_was_out_goes_out_as_it_is_back(
        world, fake):
    """A confirmed member's reminder comes due while the bot is out of the server (nobody
    uses the bot there meanwhile, so the server stays recorded as left, and its reminders
    are not taken up). The bot is invited back, a minute before the event begins: the
    reminder goes out then, not at the scheduler's next look up to a minute later, when
    the event may have begun and the reminder is skipped."""
    guild, title = world.guild, "Reminded As Invited Back"
    await fake.slash(guild, world.moderator, "manage reminders", minutes="1")
    try:
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=70)
        event_id = await world.import_event(title, capacity=5, starts_at=starts.isoformat())
        await world.past_on_ready()
        member = world.member("kept waiting reader")
        joined = await fake.slash(guild, member, "rsvp join", event=str(event_id))
        assert "confirmed" in joined.content, joined
        await bot_removed(world, fake, guild)
        await asyncio.sleep(max(starts.timestamp() - 60 - datetime.now(UTC).timestamp(), 0)
                            + 2.0)  # past the moment the reminder came due
        assert reminders_to(fake, member, title) == []
    finally:
        if guild.id not in fake.guilds:
            fake.rejoin(guild)
    await reminded(fake, member, title)
    await fake.slash(guild, world.moderator, "manage reminders", minutes="off")
