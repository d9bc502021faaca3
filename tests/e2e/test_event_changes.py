"""A moderator's changes to an event members already hold RSVPs to, through the real bot
process: what the members, the channel and the announcement hear of them."""

from __future__ import annotations

import asyncio
import re

import pytest

from sandbox import Attachment
from tests.e2e.conftest import (
    OPEN_ANNOUNCEMENT,
    delete_event,
    edit_form,
    edited,
    import_page,
    until,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def announced_with_two_members(world, fake, title: str, who: str, **options):
    """The announcements channel set, an event of one seat announced, and a member
    confirmed and one waitlisted: (channel, event id, the two members)."""
    channel = world.guild.channel("announcements")
    await fake.slash(world.guild, world.moderator, "manage channel", channel=channel)
    event_id = await world.import_event(title, 1, starts_at="2037-05-06 18:00", **options)
    members = world.member(f"{who} confirmed"), world.member(f"{who} waiting")
    for member in members:
        await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    await fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id))
    return channel, event_id, members


def change_notices(fake, channel, title: str) -> list[str]:
    return [m["content"] for m in fake.messages(channel)
            if "📅" in (m["content"] or "") and title in m["content"]]


async def test_a_rename_is_told_to_the_channel_and_each_member_once(world, fake):
    """Members registered for "Spring Forum" hear, as of a new start or venue, that it is
    now called something else, by both names: a DM naming only a title they never saw
    would not tell them it is their event. Its announcement and Discord event follow."""
    old, new = "Spring Security Forum", "Autumn Arms Control Forum"
    channel, event_id, members = await announced_with_two_members(world, fake, old, "rename")
    reply = await edited(world, event_id, {"title": new})
    assert "DM its 2 registered members" in reply, reply
    await until(lambda: change_notices(fake, channel, new), what="the channel's notice")
    [notice] = change_notices(fake, channel, new)
    assert old in notice, notice
    for member in members:
        await until(lambda m=member: [d for d in fake.dms(m) if new in d["content"]],
                    what="the member's DM")
    await asyncio.sleep(1.0)  # time for a second notice or DM, were one due
    assert len(change_notices(fake, channel, new)) == 1
    for member in members:
        [dm] = [d["content"] for d in fake.dms(member) if "changed" in d["content"]]
        assert old in dm and new in dm and "@" not in dm, dm
    await until(lambda: any(e.get("title") == new for m in fake.messages(channel)
                            for e in m["embeds"]), what="the announcement to show the name")
    await until(lambda: [e for e in fake.scheduled_events(world.guild) if e["name"] == new],
                what="the Discord event renamed")


async def test_a_rename_with_a_new_start_names_the_old_title_too(world, fake):
    old, new = "Harbour Talk", "Harbour Lecture"
    channel, event_id, members = await announced_with_two_members(world, fake, old, "both")
    await edited(world, event_id, {"title": new, "start": "2037-05-07 18:00"})
    await until(lambda: change_notices(fake, channel, new), what="the channel's notice")
    [notice] = change_notices(fake, channel, new)
    assert old in notice and "<t:" in notice, notice
    for member in members:
        await until(lambda m=member: [d for d in fake.dms(m) if new in d["content"]],
                    what="the member's DM")
        [dm] = [d["content"] for d in fake.dms(member) if "changed" in d["content"]]
        assert old in dm and "<t:" in dm, dm


async def test_a_page_imported_again_keeps_the_title_a_moderator_gave_its_event(world, fake):
    """The moderator renamed the event by hand (and moved it to another hall); the same
    page imported again, to take its speakers' new bios, keeps that title as it keeps the
    hall: nothing about the event changed, so its member hears nothing. The preview says
    the page gives another title, which the `title` option takes."""
    page = Attachment("harbour.txt", b"Page Given Forum\n\nDecember 15, 2037, 6:00 PM - "
                      b"8:00 PM EST\nHall P\n\n" + OPEN_ANNOUNCEMENT, "text/plain")
    made = await import_page(fake, world.guild, world.moderator, page=page, capacity=3)
    event_id = int(re.search(r"\(event (\d+)\)", made.content)[1])
    member = world.member("re-import member")
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    await edited(world, event_id, {"title": "Hand Given Forum", "venue": "Hall Q"})
    await until(lambda: [d for d in fake.dms(member) if "Hall Q" in d["content"]],
                what="the member told of the edit")
    preview = await fake.slash(world.guild, world.moderator, "manage import", page=page)
    assert "Title: **Hand Given Forum**" in preview.content, preview.content
    assert "the page now gives the title Page Given Forum" in preview.content, preview.content
    again = await import_page(fake, world.guild, world.moderator, page=page)
    assert f"so I updated **Hand Given Forum** (event {event_id})" in again.content, again
    assert world.query("SELECT title, venue FROM events WHERE id = ?", (event_id,)) == [
        ("Hand Given Forum", "Hall Q")]
    await asyncio.sleep(1.0)  # time for a DM, were one due
    assert len([d for d in fake.dms(member) if "changed" in d["content"]]) == 1
    typed = await import_page(fake, world.guild, world.moderator, page=page,
                              title="Page Given Forum")
    assert f"so I updated **Page Given Forum** (event {event_id})" in typed.content, typed


async def test_a_form_sent_as_shown_changes_nothing_and_says_so(world, fake):
    """The edit form sent back as it was shown, or with a field typed anew to what it
    holds, writes nothing: the moderator is told nothing changed, and nobody else hears of
    it, neither the channel, nor the members, nor the Discord event."""
    _, event_id, members = await announced_with_two_members(
        world, fake, "Unchanged Form Forum", "unchanged")
    await until(lambda: [e for e in fake.scheduled_events(world.guild)
                         if e["name"] == "Unchanged Form Forum"], what="the Discord event")
    stored = world.query("SELECT title, starts_at, ends_at, venue, link, updated_at"
                         " FROM events WHERE id = ?", (event_id,))
    calls = -1
    while calls != len(fake.requests):  # the announcement's refreshes after the joins
        calls = len(fake.requests)
        await asyncio.sleep(1.5)
    for values in ({}, {"title": "Unchanged Form Forum"}):
        reply = await edit_form(world, event_id, values)
        assert reply.ephemeral and reply.content.startswith(
            "Nothing changed: **Unchanged Form Forum** (event "), reply.content
    await asyncio.sleep(1.0)  # time for a notice, a DM or an edit, were one due
    assert world.query("SELECT title, starts_at, ends_at, venue, link, updated_at"
                       " FROM events WHERE id = ?", (event_id,)) == stored
    assert world.query("SELECT count(*) FROM outbox WHERE event_id = ?", (event_id,)) == [(0,)]
    # the only calls since are the two forms and their answers
    assert [r.path for r in fake.requests[calls:] if r.method in ("PATCH", "POST")
            and "/interactions/" not in r.path and "/webhooks/" not in r.path] == []
    for member in members:
        assert not [d for d in fake.dms(member) if "changed" in d["content"]]


async def test_a_member_who_had_not_heard_of_a_rename_is_told_of_the_cancellation_by_both(
        world, fake):
    """A moderator renames the event, then deletes it before the rename's DM reached a
    member (Discord kept the bot waiting on that member's DM channel): the rename's DM
    goes with the event, so the cancellation names the title the member knew too, not
    only one they never heard of."""
    event_id = await world.import_event("Spring Policy Forum", 3, starts_at="2037-05-06 18:00")
    member = world.member("unaware of the rename")
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    await asyncio.sleep(1.0)  # the join's own work is done
    fake.fail("POST", r"^/users/@me/channels$", status=429, retry_after=3, count=1,
              body={"recipient_id": member.user.id})
    await edited(world, event_id, {"title": "Autumn Policy Forum"})
    await delete_event(world, world.moderator, event_id)
    await until(lambda: [d for d in fake.dms(member) if "cancelled" in d["content"]],
                timeout=15, what="the cancellation DM")
    await asyncio.sleep(1.0)  # a second DM, were one due
    [dm] = [d["content"] for d in fake.dms(member)]
    assert "**Autumn Policy Forum**" in dm and "**Spring Policy Forum**" in dm, dm


async def test_the_bot_logged_no_unexpected_error(world):
    output = world.bot.output()
    assert "Traceback" not in output and "ERROR" not in output, output[-3000:]
