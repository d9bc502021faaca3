"""A backup restored: the operator stops the bot, puts a copy taken with `python -m bot
backup` in place of the database (as the README says) and starts `python -m bot run` again,
on a database older than what Discord shows."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.i18n import NAMES
from sandbox.models import READ_MESSAGE_HISTORY
from tests.e2e.conftest import until

pytestmark = pytest.mark.asyncio(loop_scope="module")

NO_LONGER_HAD = ("This announcement is of an event the bot no longer has (its database "
                 "was restored from an older copy); nothing was changed.")


def backup(world, target: Path) -> None:
    """`python -m bot backup PATH`, as the operator runs it beside the running bot."""
    done = subprocess.run([sys.executable, "-m", "bot", "backup", str(target)],
                          env={**os.environ, **world.env}, cwd=str(world.cwd),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


async def restore(world, copy: Path) -> None:
    """The README's restore: stop the bot, remove the database's -wal and -shm files, put
    the copy in its place, start the bot."""
    await world.bot.stop()
    for suffix in ("-wal", "-shm"):
        world.db_path.with_name(world.db_path.name + suffix).unlink(missing_ok=True)
    shutil.copy(copy, world.db_path)
    world.start_bot()
    await world.fake.wait_ready(process=world.bot)


def announcement_of(world, title: str) -> dict:
    [message] = [m for c in world.guild.channels.values() for m in world.fake.messages(c)
                 if (m.get("embeds") or [{}])[0].get("title") == title]
    return message


def confirmed(world, event_id: int) -> set[int]:
    return {user for (user,) in world.query(
        "SELECT user_id FROM rsvps WHERE event_id = ? AND status = 'confirmed'", (event_id,))}


async def test_buttons_of_an_event_the_restore_lost_reach_no_event_that_took_its_id(
        world, fake, tmp_path):
    """An event made and announced after the backup is not in the restored database, and
    the next event made takes its id: the lost event's announcement, still in the channel,
    would join (or cancel) members of that new event, which they never chose. Its buttons
    change nothing, the member is told why, and the log names the message to delete."""
    guild, moderator = world.guild, world.moderator
    copy = tmp_path / "before.sqlite3"
    backup(world, copy)
    lost = await world.import_event("Lost Forum", 5, starts_at="2037-09-02T18:00:00+00:00")
    posted = await fake.slash(guild, moderator, "manage announce", event=str(lost))
    assert "Posted" in posted.content, posted.content
    old = announcement_of(world, "Lost Forum")
    await restore(world, copy)
    await asyncio.sleep(3.5)  # a restore takes longer; the bot allows 2 s between clocks
    new = await world.import_event("New Forum", 5, starts_at="2037-09-03T18:00:00+00:00")
    assert new == lost  # the id the restore gave back
    seated = world.member("seated")
    await fake.slash(guild, seated, "rsvp join", event=str(new))
    clicker = world.member("clicker")
    join = await fake.click(guild, clicker, old, f"eventbot:rsvp:join:{lost}")
    cancel = await fake.click(guild, seated, old, f"eventbot:rsvp:cancel:{lost}")
    for reply in (join, cancel):
        assert reply.ephemeral and reply.content == NO_LONGER_HAD, reply.content
    assert confirmed(world, new) == {seated.id}
    # The announcement of the event the database has works as before.
    await fake.slash(guild, moderator, "manage announce", event=str(new))
    current = announcement_of(world, "New Forum")
    joined = await fake.click(guild, clicker, current, f"eventbot:rsvp:join:{new}")
    assert "You're confirmed for **New Forum**" in joined.content, joined.content
    assert confirmed(world, new) == {seated.id, clicker.id}
    output = world.bot.output()
    said = [line for line in output.splitlines() if "older than its event" in line]
    assert len(said) == 1 and old["id"] in said[0] and "WARNING" in said[0], said
    assert "Traceback" not in output


def reminders_to(fake, member, title: str) -> list[dict]:
    return [m for m in fake.dms(member) if title in m["content"] and "Reminder" in m["content"]]


async def test_a_reminder_sent_after_the_copy_is_not_sent_again_after_the_restore(
        world, fake, tmp_path):
    """The copy was taken before a member's reminder went out: the restored database holds
    no record of it (`reminders_sent` is older), so the offset is due again. The member's
    DMs show that it went out, and they are not reminded twice."""
    await fake.slash(world.guild, world.moderator, "manage reminders", minutes="1")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=66)
    title = "Reminded Before The Restore"
    event_id = await world.import_event(title, 5, starts_at=starts.isoformat())
    member = world.member("reminded once")
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    copy = tmp_path / "before-reminder.sqlite3"
    backup(world, copy)
    assert world.query("SELECT count(*) FROM reminders_sent WHERE event_id = ?",
                       (event_id,)) == [(0,)]
    await fake.wait_message(fake.dm_channel(member), lambda m: title in m["content"],
                            timeout=30)
    await restore(world, copy)
    await asyncio.sleep(3.0)  # the new process's scheduler has run its rounds
    assert len(reminders_to(fake, member, title)) == 1, fake.dms(member)
    assert datetime.now(UTC) < starts  # all of it inside the reminder's window
    output = world.bot.output()
    said = [line for line in output.splitlines() if "already reminded" in line]
    assert len(said) == 1 and f"event {event_id}" in said[0] and "WARNING" in said[0], said
    assert "Traceback" not in output


async def test_notices_sent_after_the_copy_are_not_sent_again_after_the_restore(
        world, fake, tmp_path):
    """The copy was taken while the bot posted two notices, before it recorded them sent:
    "registration is now closed" in the channel, and a member's promotion DM. The restored
    outbox holds both again, and once their claims are past (and Discord no longer
    remembers their nonces: a restore takes minutes) they would go out a second time. The
    channel and the DMs show they went out, and neither is sent again."""
    guild, title = world.guild, "Delivered Before The Restore"
    event_id = await world.import_event(title, 1)
    first, second = world.member("seated first"), world.member("promoted after")
    dm = fake.dm_channel(second)

    def closed_notices() -> list[dict]:
        return [m for c in guild.channels.values() for m in fake.messages(c)
                if title in (m["content"] or "") and "reached venue capacity" in m["content"]]

    def promotions() -> list[dict]:
        return [m for m in fake.dms(second) if title in m["content"]
                and "you're now confirmed" in m["content"]]

    def outbox() -> list[tuple]:
        return world.query("SELECT kind FROM outbox WHERE event_id = ? ORDER BY id",
                           (event_id,))

    # Discord posts each, and its answer is held while the copy is taken.
    fake.hold("POST", r"^/channels/\d+/messages$", 4.0)
    await fake.slash(guild, first, "rsvp join", event=str(event_id))
    await until(closed_notices, what="the closed notice posted")
    waitlisted = await fake.slash(guild, second, "rsvp join", event=str(event_id))
    assert "waitlist" in waitlisted.content, waitlisted.content
    fake.hold("POST", rf"^/channels/{dm.id}/messages$", 4.0)
    await fake.slash(guild, first, "rsvp cancel", event=str(event_id))
    await until(promotions, what="the promotion DM posted")
    copy = tmp_path / "before-acks.sqlite3"
    backup(world, copy)
    await until(lambda: outbox() == [], timeout=15, what="the notices acknowledged")
    await restore(world, copy)
    assert outbox() == [("capacity",), ("promoted",)]
    fake.nonces_forgotten()
    world.expire_claims(event_id)  # handed out again at the deliverer's next look
    await until(lambda: outbox() == [], timeout=20, what="the restored notices done with")
    await asyncio.sleep(1.0)
    assert (len(closed_notices()), len(promotions())) == (1, 1), fake.dms(second)
    output = world.bot.output()
    said = [line for line in output.splitlines() if "was already sent" in line]
    assert len(said) == 2 and all("WARNING" in line and f"event {event_id}" in line
                                  for line in said), said
    assert "Traceback" not in output


async def test_notices_sent_before_the_restore_are_found_in_the_language_they_went_out_in(
        world, fake, tmp_path):
    """As above, but after the restore the server's language is changed to Chinese and the
    promoted member's Discord is in Chinese: the notices, looked for in Chinese, were not
    found in the English they went out in, and each was sent again."""
    guild, title = world.guild, "Delivered Before The Language Changed"
    event_id = await world.import_event(title, 1)
    first, second = world.member("seated 1st"), world.member("promoted 2nd")
    dm = fake.dm_channel(second)

    def channel_notices() -> list[dict]:
        return [m for c in guild.channels.values() for m in fake.messages(c)
                if title in (m["content"] or "")]

    def promotions() -> list[dict]:
        return [m for m in fake.dms(second) if title in m["content"]]

    def outbox() -> list[tuple]:
        return world.query("SELECT kind FROM outbox WHERE event_id = ? ORDER BY id",
                           (event_id,))

    fake.hold("POST", r"^/channels/\d+/messages$", 4.0)
    await fake.slash(guild, first, "rsvp join", event=str(event_id))
    await until(channel_notices, what="the capacity notice posted")
    await fake.slash(guild, second, "rsvp join", event=str(event_id))
    fake.hold("POST", rf"^/channels/{dm.id}/messages$", 4.0)
    await fake.slash(guild, first, "rsvp cancel", event=str(event_id))
    await until(promotions, what="the promotion DM posted")
    [noticed] = [m["content"] for m in channel_notices()]
    [promoted] = [m["content"] for m in promotions()]
    assert "you're now confirmed" in promoted, promoted
    copy = tmp_path / "before-the-switch.sqlite3"
    backup(world, copy)
    await until(lambda: outbox() == [], timeout=15, what="the notices acknowledged")
    await restore(world, copy)
    assert outbox() == [("capacity",), ("promoted",)]
    chosen = await fake.slash(guild, world.moderator, "manage language", language="zh-TW")
    assert NAMES["zh-TW"] in chosen.content, chosen.content
    try:
        second.user.locale = "zh-TW"
        status = await fake.slash(guild, second, "rsvp status", event=str(event_id))
        assert "已確認" in status.content, status.content
        fake.nonces_forgotten()
        world.expire_claims(event_id)
        await until(lambda: outbox() == [], timeout=20, what="the restored notices done with")
        await asyncio.sleep(1.0)
    finally:  # the server's posts in English again, as the other tests read them
        await fake.slash(guild, world.moderator, "manage language", language="en-US")
    assert [m["content"] for m in channel_notices()] == [noticed], channel_notices()
    assert [m["content"] for m in promotions()] == [promoted], promotions()
    assert "Traceback" not in world.bot.output()


async def test_a_notice_is_sent_once_where_the_bot_cannot_read_the_channel_back(world, fake):
    """The bot lacks Read Message History in the server's channels, without which Discord
    lists none of their messages (an empty list, not an error). A notice written before a
    restart, which Discord failed, and a message of the bot's since: the bot cannot tell
    from the channel whether it went out, so it posts it (once, not never), and says it
    could not look, rather than taking the empty list for "not sent"."""
    guild, title = world.guild, "Unreadable Channel Notice"
    bot_member = guild.members[fake.bot_user.id]
    channels = [c for c in guild.channels.values() if c.type == 0]
    event_id = await world.import_event(title, 1)

    def closed_notices() -> list[dict]:
        return [m for c in channels for m in fake.messages(c)
                if title in (m["content"] or "") and "reached venue capacity" in m["content"]]

    for channel in channels:
        fake.set_overwrite(channel, bot_member, deny=READ_MESSAGE_HISTORY)
    try:
        fake.fail("POST", r"^/channels/\d+/messages$", status=503)  # not retried by discord.py
        await fake.slash(guild, world.member("seated"), "rsvp join", event=str(event_id))
        await until(lambda: "Discord failed the capacity notice" in world.bot.output(),
                    what="the notice failed")
        posted = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
        assert "Posted" in posted.content, posted.content  # a message since the notice
        await world.bot.stop()
        # The database keeps whole seconds: a notice of the second the new process starts
        # in is not taken for one written before it (the bot's own notices of its first
        # second cost no look), so the restart comes in a later second.
        await asyncio.sleep(1.05)
        world.start_bot()
        await fake.wait_ready(process=world.bot)
        world.expire_claims(event_id)
        await until(lambda: world.query("SELECT count(*) FROM outbox WHERE event_id = ?",
                                        (event_id,)) == [(0,)], timeout=20,
                    what="the notice done with")
        assert len(closed_notices()) == 1, closed_notices()
        output = world.bot.output()
        said = [line for line in output.splitlines() if "Read Message History" in line]
        assert len(said) == 1 and "WARNING" in said[0] and f"event {event_id}" in said[0], said
        assert "Traceback" not in output
    finally:
        for channel in channels:
            fake.set_overwrite(channel, bot_member)
