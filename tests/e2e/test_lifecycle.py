"""An event's life and a server's, through the real bot process: deleting (after a
confirmation) and archiving events, the list and a member's own RSVPs, the Join button
across full, closed and reopened, the sample's mark, and a server the bot leaves."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from sandbox import Attachment
from tests.conftest import ANNOUNCEMENT
from tests.e2e.conftest import (
    OPEN_ANNOUNCEMENT,
    delete_event,
    edited,
    import_button,
    import_page,
    until,
    until_past,
)
from tests.e2e.test_bot import SAMPLE_TITLE, text_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

RETENTION_SECONDS = 4.0
BOT_ENV = {"GUILD_DATA_RETENTION_DAYS": str(RETENTION_SECONDS / 86400)}


def buttons(message: dict) -> dict[str, dict]:
    """The message's buttons by action ("join", "cancel")."""
    found = {}
    for row in message.get("components", []):
        for component in row.get("components", []):
            if component.get("custom_id", "").startswith("eventbot:rsvp:"):
                found[component["custom_id"].split(":")[2]] = component
    return found


async def announced(world, event_id: int) -> dict:
    channel = world.guild.channel("announcements")
    reply = await world.fake.slash(world.guild, world.moderator, "manage announce",
                                   event=str(event_id), channel=channel)
    assert "Posted" in reply.content, reply
    [row] = world.query("SELECT message_id FROM announcement_messages WHERE event_id = ?",
                        (event_id,))
    return await world.fake.wait_message(channel, lambda m: int(m["id"]) == row[0])


async def settled(fake, channel, message_id, check, timeout: float = 10.0) -> dict:
    return await fake.wait_message(channel, lambda m: m["id"] == message_id and check(m),
                                   timeout=timeout)


async def ending_soon(world, title: str, capacity: int, page: bytes | None = None,
                     seconds: float = 6.0) -> tuple[int, datetime]:
    """An event under way that ends `seconds` from now, and that end: members may join it
    until then, and once it is over it may be archived with their RSVPs."""
    ends = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds)
    event_id = await world.import_event(title, capacity=capacity, page=page,
                                        starts_at=(ends - timedelta(hours=1)).isoformat(),
                                        ends_at=ends.isoformat())
    return event_id, ends


async def archived_holding_a_seat_and_a_place(world, fake, title: str, who: str,
                                              page: bytes | None = None):
    """An event of one seat that a member fills and another waits for, archived by the
    moderator once it is over: its id and the two members."""
    event_id, ends = await ending_soon(world, title, capacity=1, page=page)
    seated, waiting = world.member(f"{who} seat"), world.member(f"{who} wait")
    for member, status in ((seated, "confirmed"), (waiting, "waitlisted")):
        joined = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        assert status in joined.content, joined.content
    await asyncio.sleep(until_past(ends, 0.5))  # archived once over: it holds its RSVPs
    archived = await fake.slash(world.guild, world.moderator, "manage archive",
                                event=str(event_id))
    assert archived.content.startswith(f"Archived **{title}**"), archived.content
    return event_id, seated, waiting


# -- /manage delete ---------------------------------------------------------------------


async def test_delete_asks_first_and_keep_leaves_everything(world, fake):
    event_id = await world.import_event("Kept Forum", capacity=1)
    first, second = world.member("kept one"), world.member("kept two")
    for member in (first, second):
        await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    before = world.query("SELECT * FROM rsvps WHERE event_id = ? ORDER BY seq", (event_id,))

    asked = await fake.slash(world.guild, world.moderator, "manage delete", event=str(event_id))
    assert asked.ephemeral
    assert ("Delete **Kept Forum**?" in asked.content and "1 confirmed RSVP and 1 waitlisted "
            "RSVP" in asked.content), asked.content
    confirm, keep = asked.custom_ids()
    other = world.member("other moderator", manage_events=True)
    with pytest.raises(LookupError, match="ephemeral"):  # the question is the asker's alone
        await fake.click(world.guild, other, asked.message, confirm)
    refused = await fake.click(world.guild, other, asked.message, confirm, forged=True)
    assert refused.ephemeral and "Only the moderator who asked" in refused.content

    kept = await fake.click(world.guild, world.moderator, asked.message, keep)
    assert "Nothing was deleted" in kept.content and not kept.components
    assert world.query("SELECT title FROM events WHERE id = ?", (event_id,)) == [("Kept Forum",)]
    assert world.query("SELECT * FROM rsvps WHERE event_id = ? ORDER BY seq",
                       (event_id,)) == before


async def test_confirming_a_second_question_for_a_deleted_event_says_it_is_gone(world, fake):
    event_id = await world.import_event("Twice Asked Forum", capacity=3)
    first = await fake.slash(world.guild, world.moderator, "manage delete", event=str(event_id))
    second = await fake.slash(world.guild, world.moderator, "manage delete", event=str(event_id))
    for asked, said in ((first, "Deleted **Twice Asked Forum**"),
                        (second, "**Twice Asked Forum** was already deleted.")):
        confirm, _ = asked.custom_ids()
        clicked = await fake.click(world.guild, world.moderator, asked.message, confirm)
        done = await clicked.wait(lambda r, said=said: said in (r.content or ""))
        assert not done.components
    assert world.query("SELECT count(*) FROM events WHERE id = ?", (event_id,)) == [(0,)]


async def test_delete_removes_it_all_dms_each_member_once_and_disables_its_buttons(
        world, fake):
    guild = world.guild
    starts = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0).isoformat()
    event_id = await world.import_event("Doomed Forum", capacity=2, starts_at=starts)
    message = await announced(world, event_id)
    assert world.query("SELECT scheduled_event_id FROM events WHERE id = ?",
                       (event_id,)) != [(None,)]
    members = [world.member(f"doomed {n}") for n in range(4)]
    fake.block_dms(members[3])  # DMs closed: skipped, the others still get theirs
    for member in members:
        await fake.slash(guild, member, "rsvp join", event=str(event_id))

    assert world.query("SELECT count(*) FROM passages WHERE event_id = ?",
                       (event_id,)) != [(0,)]
    asked = await fake.slash(guild, world.moderator, "manage delete", event=str(event_id))
    assert "2 confirmed RSVPs and 2 waitlisted RSVPs" in asked.content
    confirm, _ = asked.custom_ids()
    clicked = await fake.click(guild, world.moderator, asked.message, confirm)
    # The click is acknowledged at once; the question is edited once the event is deleted.
    done = await clicked.wait(lambda r: "Deleted" in (r.content or ""))
    assert "Deleted **Doomed Forum**" in done.content and "4 members" in done.content, done
    assert not done.components

    for table in ("events WHERE id", "rsvps WHERE event_id", "pages WHERE event_id",
                  "people WHERE event_id", "announcement_messages WHERE event_id",
                  "passages WHERE event_id"):
        assert world.query(f"SELECT count(*) FROM {table} = ?", (event_id,)) == [(0,)], table

    for member in members[:3]:
        await fake.wait_message(fake.dm_channel(member), lambda m: "Doomed Forum" in text_of(m))
    channel = guild.channel("announcements")
    ended = await settled(fake, channel, message["id"], lambda m: all(
        b.get("disabled") for b in buttons(m).values()))
    assert "Cancelled: Doomed Forum" in text_of(ended)
    assert not [e for e in fake.scheduled_events(guild) if e["name"] == "Doomed Forum"]
    await asyncio.sleep(1.0)  # any second DM would have come by now
    for member in members[:3]:
        [dm] = fake.dms(member)
        assert "has been cancelled by the organizers" in dm["content"]  # en-US spelling
    assert fake.dms(members[3]) == []
    assert world.query("SELECT count(*) FROM outbox WHERE event_id = ?", (event_id,)) == [(0,)]

    # Discord sends no click of a disabled button; a modified client's still gets a kind
    # answer.
    for action in ("join", "cancel"):
        reply = await fake.click(guild, members[0], message, f"eventbot:rsvp:{action}:{event_id}",
                                 forged=True)
        assert reply.ephemeral and "This event was cancelled" in reply.content, reply
    # Its id is never given to another event, whose buttons the old ones would be.
    assert await world.import_event("Next Forum", capacity=5) > event_id


async def test_a_form_or_preview_answered_after_its_event_was_deleted_names_it(world, fake):
    """One moderator opens the edit form, or an import preview that would update the
    event, and another deletes the event meanwhile: the answer names the event they were
    looking at and says nothing was saved, not that some event number does not exist."""
    guild = world.guild
    title = "Meanwhile Deleted Forum"
    page = Attachment("meanwhile.txt", title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT,
                      "text/plain")
    event_id = await world.import_event(title, capacity=2, page=page.data)
    form = await fake.slash(guild, world.moderator, "manage edit", event=str(event_id))
    preview = await fake.slash(guild, world.moderator, "manage import", page=page)
    assert f"Import will update **{title}** (event {event_id})" in preview.content, preview
    await delete_event(world, world.moderator, event_id)

    submitted = await fake.submit_modal(form, {"venue": "Hall M"})
    clicked = await fake.click(guild, world.moderator, preview.message,
                               import_button(preview))
    imported = await clicked.wait(lambda r: bool(r.followups))
    for said in (submitted.content, imported.followups[-1]["content"]):
        assert f"**{title}** was deleted" in said and "nothing was saved" in said, (
            submitted.content, imported.followups)
    assert world.query("SELECT count(*) FROM events WHERE title = ?", (title,)) == [(0,)]


async def test_a_command_naming_a_deleted_event_says_it_was_cancelled(world, fake):
    """A member picked the event from the `[event]` choices (its id) just before a
    moderator deleted it, or a moderator acts on it from a stale list: the command says
    the event was cancelled, as its announcement's buttons do, not that nothing matches
    a number. Another server's members hear nothing of it."""
    guild = world.guild
    event_id = await world.import_event("Cancelled Choice Forum", capacity=2)
    member = world.member("stale chooser")
    await delete_event(world, world.moderator, event_id)
    replies = [await fake.slash(guild, member, "rsvp join", event=str(event_id)),
               await fake.slash(guild, member, "event info", event=str(event_id)),
               await fake.slash(guild, world.moderator, "manage capacity", seats=5,
                                event=str(event_id))]
    for reply in replies:
        assert reply.ephemeral and f"Event {event_id} (Cancelled Choice Forum) was cancelled" in (
            reply.content), reply.content
    other = fake.add_guild("Elsewhere Cancelled")
    stranger = fake.add_member(other, "elsewhere member")
    reply = await fake.slash(other, stranger, "rsvp join", event=str(event_id))
    assert "No event in this server matches" in reply.content, reply.content
    assert world.query("SELECT count(*) FROM events WHERE title = ?",
                       ("Cancelled Choice Forum",)) == [(0,)]


async def test_deleting_an_event_that_has_taken_place_tells_nobody_it_was_cancelled(
        world, fake):
    """A moderator tidies away an event after it took place: its members, who came, get
    no "cancelled, sorry" DM, and its announcement says it took place, not that it was
    cancelled. The question and the reply say so."""
    guild = world.guild
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    event_id = await world.import_event("Bygone Forum", capacity=1,
                                        starts_at=starts.isoformat())
    message = await announced(world, event_id)
    came, waited = world.member("bygone came"), world.member("bygone waited")
    for member in (came, waited):
        await fake.slash(guild, member, "rsvp join", event=str(event_id))
    await asyncio.sleep(until_past(starts, 1.0))

    asked = await fake.slash(guild, world.moderator, "manage delete", event=str(event_id))
    assert "It has taken place, so its members get no DM" in asked.content, asked
    confirm, _ = asked.custom_ids()
    clicked = await fake.click(guild, world.moderator, asked.message, confirm)
    done = await clicked.wait(lambda r: "Deleted" in (r.content or ""))
    assert "It had taken place, so its members get no DM" in done.content, done

    channel = guild.channel("announcements")
    ended = await settled(fake, channel, message["id"], lambda m: all(
        b.get("disabled") for b in buttons(m).values()))
    assert "Over: this event has taken place" in text_of(ended), ended
    assert "Cancelled" not in text_of(ended), ended
    await asyncio.sleep(1.0)  # a DM queued with the deletion would have come by now
    for member in (came, waited):
        assert [dm["content"] for dm in fake.dms(member) if "cancelled" in dm["content"]] == []
    assert world.query("SELECT count(*) FROM outbox WHERE event_id = ?", (event_id,)) == [(0,)]


# -- /manage archive --------------------------------------------------------------------


async def test_archive_hides_the_event_refuses_joins_and_undo_brings_it_back(world, fake):
    """An event to come that nobody has RSVPed to may be archived (nobody to leave without
    a word); brought back, it takes RSVPs as before."""
    guild = world.guild
    event_id = await world.import_event("Archived Forum", capacity=5)
    message = await announced(world, event_id)
    member = world.member("archive reader")

    reply = await fake.slash(guild, world.moderator, "manage archive", event=str(event_id))
    assert "Archived **Archived Forum**" in reply.content
    listing = await fake.slash(guild, member, "event list")
    assert "Archived Forum" not in text_of(listing)
    assert "Archived Forum" in text_of(await fake.slash(guild, member, "event list", past=True))
    choices = await fake.autocomplete(guild, member, "rsvp join", focused="event",
                                      event="Archived")
    assert choices == []
    choices = await fake.autocomplete(guild, world.moderator, "manage archive",
                                      focused="event", event="Archived")
    assert str(event_id) in [c["value"] for c in choices]  # (other tests archive theirs)
    refused = await fake.slash(guild, world.member("latecomer"), "rsvp join",
                               event=str(event_id))
    assert "is archived" in refused.content
    channel = guild.channel("announcements")
    shown = await settled(fake, channel, message["id"], lambda m: all(
        b.get("disabled") for b in buttons(m).values()))
    assert "Archived" in text_of(shown)
    # (disabled: only a modified client sends the click)
    clicked = await fake.click(guild, member, shown, f"eventbot:rsvp:join:{event_id}",
                               forged=True)
    assert clicked.ephemeral and "is archived" in clicked.content

    back = await fake.slash(guild, world.moderator, "manage archive", event=str(event_id),
                            undo=True)
    assert "is back" in back.content
    assert "Archived Forum" in text_of(await fake.slash(guild, member, "event list"))
    await settled(fake, channel, message["id"], lambda m: not any(
        b.get("disabled") for b in buttons(m).values()))
    joined = await fake.slash(guild, member, "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content, joined.content
    assert world.query("SELECT count(*) FROM rsvps WHERE event_id = ?", (event_id,)) == [(1,)]


ARCHIVE_REFUSED = ("⚠️ This event hasn't taken place yet and members hold RSVPs to it, and "
                   "archiving tells no one: to cancel it, use /manage delete (each member is "
                   "told); to stop new RSVPs, use /manage close; or archive it once it has "
                   "taken place.")


async def test_an_event_to_come_holding_rsvps_is_not_archived(world, fake):
    """Archiving tells no one: an event still to come that members hold RSVPs to (a seat,
    a waitlist place) would be cancelled without a word. It is refused in one ephemeral
    line saying what to do instead, in the moderator's language, and nothing changes:
    listed, buttons enabled, no DM. Once it has taken place, the same archive is done."""
    guild = world.guild
    event_id, ends = await ending_soon(world, "Coming Forum", capacity=1, seconds=8)
    message = await announced(world, event_id)
    seated, waiting = world.member("coming seat"), world.member("coming wait")
    for member, status in ((seated, "confirmed"), (waiting, "waitlisted")):
        joined = await fake.slash(guild, member, "rsvp join", event=str(event_id))
        assert status in joined.content, joined.content
    for _ in range(100):  # the full house's notice is delivered, and leaves the outbox
        if world.query("SELECT count(*) FROM outbox WHERE event_id = ?", (event_id,)) == [(0,)]:
            break
        await asyncio.sleep(0.1)
    before, dms = world.dump(), [len(fake.dms(m)) for m in (seated, waiting)]
    refused = await fake.slash(guild, world.moderator, "manage archive", event=str(event_id))
    assert refused.ephemeral and refused.content == ARCHIVE_REFUSED, refused.content
    zh = world.member("归档版主", locale="zh-CN", manage_events=True)
    refused = await fake.slash(guild, zh, "manage archive", event=str(event_id))
    assert refused.ephemeral and refused.content == (
        "⚠️ 这个活动还没有举行，且有成员已报名，而归档不会通知任何人：要取消活动，请用 "
        "/管理 删除（每位成员都会收到通知）；要停止接受新报名，请用 /管理 关闭报名；"
        "或者等活动举行过后再归档。"), refused.content
    await asyncio.sleep(0.5)  # a refresh or a DM would have gone out by now
    assert world.dump() == before
    assert [len(fake.dms(m)) for m in (seated, waiting)] == dms
    assert "Coming Forum" in text_of(await fake.slash(guild, seated, "event list"))
    [shown] = [m for m in fake.messages(guild.channel("announcements"))
               if m["id"] == message["id"]]
    assert not buttons(shown)["cancel"].get("disabled")

    await asyncio.sleep(until_past(ends, 0.5))
    done = await fake.slash(guild, world.moderator, "manage archive", event=str(event_id))
    assert done.content.startswith("Archived **Coming Forum**"), done.content
    assert world.query("SELECT user_id, status FROM rsvps WHERE event_id = ? ORDER BY seq",
                       (event_id,)) == [(seated.id, "confirmed"), (waiting.id, "waitlisted")]


async def test_an_archived_events_rsvps_stay_whichever_way_a_member_cancels(world, fake):
    """Its Cancel button is disabled, and `/rsvp cancel` refuses too: a cancel would give
    the seat to the waitlist, with a "Good news" DM, for an event that takes no RSVPs."""
    guild = world.guild
    event_id, seated, waiting = await archived_holding_a_seat_and_a_place(
        world, fake, "Archived Seats", "archived")
    refused = await fake.slash(guild, seated, "rsvp cancel", event=str(event_id))
    assert refused.ephemeral
    assert refused.content == "**Archived Seats** is archived: it no longer takes RSVPs."
    await asyncio.sleep(1)  # a promotion's DM would have gone out by now
    assert world.query("SELECT user_id, status FROM rsvps WHERE event_id = ? ORDER BY seq",
                       (event_id,)) == [(seated.id, "confirmed"), (waiting.id, "waitlisted")]
    assert fake.dms(waiting) == []


async def test_an_archived_events_seats_and_registration_stay_as_they_are(world, fake):
    """Capacity, close and open refuse an archived event: a raise used to give the seat
    to the waitlist, with a "Good news" DM, and post "open again" for an event that
    takes no RSVPs. Announcing it is refused too: it posted the event, and made a
    Discord event for it, while /event list hides it."""
    guild = world.guild
    page = b"Archived Hall\n\n" + OPEN_ANNOUNCEMENT
    event_id, _, waiting = await archived_holding_a_seat_and_a_place(
        world, fake, "Archived Hall", "archived hall", page=page)
    for _ in range(100):  # the full house's notice is delivered, and leaves the outbox
        if world.query("SELECT count(*) FROM outbox WHERE event_id = ?", (event_id,)) == [(0,)]:
            break
        await asyncio.sleep(0.1)
    before = world.dump()
    refusal = ("⚠️ This event is archived; bring it back first with /manage archive undo:True.")
    for command, options in (("manage capacity", {"seats": 3}), ("manage close", {}),
                             ("manage open", {}), ("manage announce", {})):
        refused = await fake.slash(guild, world.moderator, command, event=str(event_id),
                                   **options)
        assert refused.ephemeral and refused.content == refusal, (command, refused.content)
    # The page imported again with a capacity: the seats are checked where they are
    # changed, so this path (and a capacity change racing the archive) is refused too.
    preview = await fake.slash(guild, world.moderator, "manage import", event=str(event_id),
                               capacity=3, page=Attachment("hall.txt", page, "text/plain"))
    done = await fake.click(guild, world.moderator, preview.message, import_button(preview))
    refused = await done.followup()
    assert refused["content"] == refusal, refused["content"]
    await asyncio.sleep(1)  # a promotion's DM, a notice, would have gone out by now
    assert world.dump() == before and fake.dms(waiting) == []


async def test_an_event_brought_back_gives_its_free_seat_to_the_waitlist(world, fake):
    """A seat freed while the event was archived (a no-show removed once it had taken
    place, then a later date) went to nobody: unarchived, it stayed free with a member
    waiting, until some other change came."""
    title = "Brought Back Forum"
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    event_id = await world.import_event(title, capacity=1, starts_at=starts.isoformat())
    event = str(event_id)
    seated, waiting = world.member("bb seated"), world.member("bb waiting")
    assert "confirmed" in (await fake.slash(world.guild, seated, "rsvp join",
                                            event=event)).content
    assert "waitlisted (position 1)" in (await fake.slash(world.guild, waiting, "rsvp join",
                                                          event=event)).content
    await asyncio.sleep(until_past(starts, 1.1))
    # Taken place: the no-show is removed (nobody is promoted now), the event archived;
    # then its date is found wrong, moved a week on, and the event brought back.
    removed = await fake.slash(world.guild, world.moderator, "manage remove", event=event,
                               member=seated)
    assert "Removed" in removed.content, removed.content
    archived = await fake.slash(world.guild, world.moderator, "manage archive", event=event)
    assert "Archived" in archived.content, archived.content
    await edited(world, event_id, {"start": (starts + timedelta(days=7)).strftime(
        "%Y-%m-%d %H:%M")})
    assert world.query("SELECT confirmed_count, waitlist_count FROM events WHERE id = ?",
                       (event_id,)) == [(0, 1)]
    back = await fake.slash(world.guild, world.moderator, "manage archive", event=event,
                            undo=True)
    assert "is back" in back.content, back.content
    assert world.query("SELECT confirmed_count, waitlist_count FROM events WHERE id = ?",
                       (event_id,)) == [(1, 0)]
    status = await fake.slash(world.guild, waiting, "rsvp status", event=event)
    assert "confirmed" in status.content, status.content
    await until(lambda: any("Good news" in d["content"] for d in fake.dms(waiting)),
                what="the promoted member's DM")
    await asyncio.sleep(0.5)  # and one only
    assert len([d for d in fake.dms(waiting) if "Good news" in d["content"]]) == 1


def registration_shown(message: dict) -> str:
    return next(f["value"] for f in message["embeds"][0]["fields"]
                if f["name"] == "Registration")


async def test_an_announcement_and_event_info_say_when_the_event_is_over(world, fake):
    """Nothing changes in the database when an event ends: its announcement is refreshed
    then all the same (Join and Cancel disabled, no seats offered), and /event info,
    rendered once while it was open, says it is over. A member's RSVP then stays as it
    was, the record of who was to come; a moderator can still remove one (a no-show)."""
    guild = world.guild
    ends = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    event_id = await world.import_event("Short Talk", capacity=3,
                                        starts_at=(ends - timedelta(hours=1)).isoformat(),
                                        ends_at=ends.isoformat())
    message = await announced(world, event_id)
    assert registration_shown(message) == "Open: 3 of 3 seats left"
    member = world.member("short talk reader")
    no_show = world.member("short talk no-show")
    info = await fake.slash(guild, member, "event info", event=str(event_id))
    assert registration_shown(info.message) == "Open: 3 of 3 seats left"
    for attendee in (member, no_show):
        await fake.slash(guild, attendee, "rsvp join", event=str(event_id))
    channel = guild.channel("announcements")
    over = await settled(fake, channel, message["id"],
                         lambda m: buttons(m)["join"].get("disabled"), timeout=15)
    assert datetime.now(UTC) >= ends
    assert registration_shown(over) == "Over: this event has taken place"
    assert buttons(over)["cancel"].get("disabled")
    info = await fake.slash(guild, member, "event info", event=str(event_id))
    assert registration_shown(info.message) == "Over: this event has taken place"
    kept = await fake.slash(guild, member, "rsvp cancel", event=str(event_id))
    assert kept.ephemeral and text_of(kept) == (
        "**Short Talk** has taken place, so your RSVP stays as it was: it is the record of "
        "who was to come.")
    removed = await fake.slash(guild, world.moderator, "manage remove",
                               event=str(event_id), member=no_show)
    assert text_of(removed).startswith("Removed <@"), text_of(removed)
    listed = await fake.slash(guild, world.moderator, "manage attendees", event=str(event_id))
    reply = await listed.wait(lambda r: bool(r.files), 10)
    [(_, data)] = reply.files
    assert [row.split(",")[1] for row in data.decode().splitlines()[1:]] == [
        "short talk reader"]
    assert fake.dms(no_show) == []  # nobody's plans change once it has taken place


async def test_the_attendee_list_and_its_counts_agree_while_members_join(world, fake):
    """The counts in the reply are those of the list it sends, not of the event as read
    before the list (joins land in between)."""
    guild = world.guild
    event_id = await world.import_event("Busy Forum", capacity=60)
    members = [world.member(f"busy {n}") for n in range(90)]
    for _ in range(2):
        joins = [fake.slash(guild, members.pop(), "rsvp join", event=str(event_id))
                 for _ in range(45)]
        asked = fake.slash(guild, world.moderator, "manage attendees", event=str(event_id))
        replies = await asyncio.gather(*joins[:20], asked, *joins[20:])
        reply = await replies[20].wait(lambda r: bool(r.files), 10)
        [(_, data)] = reply.files
        statuses = [row.split(",")[2] for row in data.decode().splitlines()[1:]]
        confirmed, waitlisted = statuses.count("confirmed"), statuses.count("waitlisted")
        assert reply.content.startswith(
            f"{confirmed} confirmed, {waitlisted} waitlisted for **Busy Forum**."), (
            reply.content, confirmed, waitlisted)


# -- /event list and /rsvp mine ---------------------------------------------------------


async def test_event_list_shows_dates_seats_and_state_soonest_first(world, fake):
    guild = fake.add_guild("Listing Server")
    moderator = fake.add_member(guild, "list mod", manage_events=True)
    await fake.wait_ready(process=world.bot)
    now = datetime.now(UTC).replace(microsecond=0)
    later, sooner, past = (now + timedelta(days=9), now + timedelta(days=3),
                           now - timedelta(days=3))

    async def make(title, capacity, when=None):
        options = {"starts_at": when.isoformat()} if when else {}
        reply = await import_page(fake, guild, moderator, page=Attachment(
            "a.txt", title.encode() + b"\n\n" + ANNOUNCEMENT.read_bytes(), "text/plain"),
            title=title, capacity=capacity, **options)
        return int(re.search(r"\(event (\d+)\)", reply.content)[1])

    later_id = await make("Later Talk", 3, later)
    sooner_id = await make("Sooner Talk", 1, sooner)
    await make("Undated Talk", 1)
    await make("Past Talk", 5, past)
    await fake.slash(guild, moderator, "manage open", event=str(later_id))
    await fake.slash(guild, moderator, "manage open", event=str(sooner_id))
    await fake.slash(guild, fake.add_member(guild, "taker"), "rsvp join", event=str(sooner_id))

    text = text_of(await fake.slash(guild, moderator, "event list"))
    lines = [line for line in text.splitlines() if "Talk" in line]
    assert [re.search(r"\*\*(.+?)\*\*", line)[1] for line in lines] == [
        "Sooner Talk", "Later Talk", "Undated Talk"]
    assert f"<t:{int(sooner.timestamp())}:f>" in lines[0] and "full" in lines[0]
    assert f"<t:{int(later.timestamp())}:f>" in lines[1] and "3 seats left · open" in lines[1]
    assert "no date yet" in lines[-1] and "closed" in lines[-1]
    assert "Past Talk" not in text and "past:True" in text
    with_past = text_of(await fake.slash(guild, moderator, "event list", past=True))
    assert "Past Talk" in with_past and "over" in with_past


async def test_a_long_list_stays_within_discords_limits(world, fake):
    guild = fake.add_guild("Busy Server")
    moderator = fake.add_member(guild, "busy mod", manage_events=True)
    await fake.wait_ready(process=world.bot)
    first = await fake.slash(guild, moderator, "event list")  # its sample, if any
    before = len(re.findall(r"^`\d+` ", "\n".join(e["description"] for e in first.embeds),
                            re.MULTILINE))
    for n in range(27):
        await import_page(fake, guild, moderator, page=Attachment(
            "a.txt", f"Talk {n} {'x' * 150}".encode() + b"\n\n" + ANNOUNCEMENT.read_bytes(),
            "text/plain"), title=f"Talk {n} " + "y" * 150, capacity=1)
    reply = await fake.slash(guild, moderator, "event list")
    [embed] = reply.embeds
    assert len(embed["description"]) <= 4096
    shown = re.findall(r"^`\d+` ", embed["description"], re.MULTILINE)
    assert 0 < len(shown) <= 25
    # the rest are counted: every event to come is shown or counted, once
    more = re.search(r"…and (\d+) more", embed["description"])
    assert more and len(shown) + int(more[1]) == before + 27, (before, len(shown), more[0])


async def test_rsvp_mine_lists_my_rsvps_soonest_first_with_positions(world, fake):
    guild = world.guild
    soon = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    first = await world.import_event("Mine Later", capacity=5,
                                     starts_at=(soon + timedelta(days=5)).isoformat())
    second = await world.import_event("Mine Sooner", capacity=1, starts_at=soon.isoformat())
    me, other = world.member("mine"), world.member("mine other")
    assert "no RSVPs" in (await fake.slash(guild, me, "rsvp mine")).content
    await fake.slash(guild, other, "rsvp join", event=str(second))
    await fake.slash(guild, me, "rsvp join", event=str(first))
    await fake.slash(guild, me, "rsvp join", event=str(second))
    reply = await fake.slash(guild, me, "rsvp mine")
    assert reply.ephemeral
    lines = reply.content.splitlines()[1:]
    assert len(lines) == 2
    assert "Mine Sooner" in lines[0] and "waitlisted (position 1)" in lines[0]
    assert f"<t:{int(soon.timestamp())}:f>" in lines[0]
    assert "Mine Later" in lines[1] and "confirmed" in lines[1]


# -- the Join button and reopening -------------------------------------------------------


async def test_join_button_follows_full_closed_and_reopened(world, fake):
    guild = world.guild
    channel = guild.channel("announcements")
    event_id = await world.import_event("Button States", capacity=1)
    message = await announced(world, event_id)
    assert buttons(message)["join"]["label"] == "Join"
    assert not buttons(message)["join"].get("disabled")

    await fake.slash(guild, world.member("seat taker"), "rsvp join", event=str(event_id))
    full = await settled(fake, channel, message["id"],
                         lambda m: buttons(m)["join"]["label"] == "Join waitlist")
    assert not buttons(full)["join"].get("disabled")
    waiting = await fake.click(guild, world.member("waiter"), full,
                               f"eventbot:rsvp:join:{event_id}")
    assert "waitlisted (position 1)" in waiting.content

    await fake.slash(guild, world.moderator, "manage close", event=str(event_id))
    closed = await settled(fake, channel, message["id"],
                           lambda m: buttons(m)["join"].get("disabled"))
    assert not buttons(closed)["cancel"].get("disabled")

    await fake.slash(guild, world.moderator, "manage open", event=str(event_id))
    reopened = await settled(fake, channel, message["id"],
                             lambda m: not buttons(m)["join"].get("disabled"))
    assert buttons(reopened)["join"]["label"] == "Join waitlist"


async def test_a_capacity_raise_on_a_full_event_posts_the_reopening_once(world, fake):
    guild = world.guild
    channel = guild.channel("announcements")
    await fake.slash(guild, world.moderator, "manage channel", channel=channel)
    event_id = await world.import_event("Raised Forum", capacity=1)
    await fake.slash(guild, world.member("raised one"), "rsvp join", event=str(event_id))
    await fake.wait_message(channel, lambda m: "Raised Forum" in text_of(m)
                            and "venue capacity" in text_of(m))
    reply = await fake.slash(guild, world.moderator, "manage capacity", seats=3,
                             event=str(event_id))
    assert "now has 3 seats" in reply.content
    await fake.wait_message(channel, lambda m: "Registration for **Raised Forum** is open "
                            "again: 2 of 3 seats left." in text_of(m))
    await fake.slash(guild, world.moderator, "manage capacity", seats=4, event=str(event_id))
    await asyncio.sleep(1.0)
    notices = [m for m in fake.messages(channel)
               if "Raised Forum" in text_of(m) and "open again" in text_of(m)]
    assert len(notices) == 1


async def test_an_import_on_the_command_line_edits_the_running_bots_announcement(
        world, fake, tmp_path):
    """`python -m bot import FOLDER` runs in a process of its own, without Discord: the
    bot serving the server edits the event's announcement to match (a notice in the
    database they share)."""
    folder = tmp_path / "command-line-talk"
    folder.mkdir()
    (folder / "announcement.txt").write_bytes(b"Command Line Talk\n\n" + OPEN_ANNOUNCEMENT)

    async def import_with(capacity: int) -> None:
        (folder / "event.toml").write_text(f'title = "Command Line Talk"\ncapacity = {capacity}'
                                           '\npages = ["announcement.txt"]\n')
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "import", str(folder), "--guild", str(world.guild.id),
            env={**os.environ, **world.env}, cwd=str(world.cwd),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await cli.communicate()
        assert cli.returncode == 0, output.decode()

    await import_with(5)
    [(event_id,)] = world.query("SELECT id FROM events WHERE slug = 'command-line-talk'")
    message = await announced(world, event_id)
    assert "5 of 5 seats left" in text_of(message)
    await asyncio.sleep(3.0)  # past the edits posting it begins (2 s apart at most)
    await import_with(9)
    await settled(fake, world.guild.channel("announcements"), message["id"],
                  lambda m: "9 of 9 seats left" in text_of(m), timeout=15)


# -- the sample event and a server the bot leaves ----------------------------------------


async def test_the_sample_event_says_it_is_a_sample(world, fake):
    [(sample_id,)] = world.query("SELECT id FROM events WHERE guild_id = ? AND is_sample",
                                 (world.guild.id,))
    reply = await fake.slash(world.guild, world.member("sample reader"), "event info",
                             event=str(sample_id))
    [embed] = reply.embeds
    assert SAMPLE_TITLE in embed["title"]
    assert "This is a sample event bundled with the bot" in embed["footer"]["text"]
    assert "/manage delete" in embed["footer"]["text"]
    imported = await world.import_event("Not A Sample", capacity=3)
    assert world.query("SELECT is_sample FROM events WHERE id = ?", (imported,)) == [(0,)]
    reply = await fake.slash(world.guild, world.moderator, "event info", event=str(imported))
    assert "sample" not in reply.embeds[0]["footer"]["text"]


async def test_a_timezone_change_that_ends_an_all_day_event_refreshes_its_announcement(
        world, fake):
    """An all-day event runs midnight to midnight in the server's zone: moved to a zone
    where its day is over, its announcement says so at once, and back, offers Join again.
    (The day is picked so that it is over at UTC+14 and not at UTC-11, now.)"""
    guild, channel = world.guild, world.guild.channel("announcements")
    day = (datetime.now(UTC) - timedelta(hours=10)).date()
    try:
        await fake.slash(guild, world.moderator, "manage timezone", zone="Pacific/Pago_Pago")
        event_id = await world.import_event("Island Day", capacity=5,
                                            starts_at=day.isoformat())
        message = await announced(world, event_id)
        assert not buttons(message)["join"].get("disabled"), message
        await fake.slash(guild, world.moderator, "manage timezone", zone="Pacific/Kiritimati")
        over = await settled(fake, channel, message["id"],
                             lambda m: buttons(m)["join"].get("disabled"))
        assert registration_shown(over) == "Over: this event has taken place"
        await fake.slash(guild, world.moderator, "manage timezone", zone="Pacific/Pago_Pago")
        await settled(fake, channel, message["id"],
                      lambda m: not buttons(m)["join"].get("disabled"))
    finally:
        await fake.slash(guild, world.moderator, "manage timezone", zone="UTC")


async def test_a_server_left_keeps_its_data_until_the_retention_ends(world, fake):
    guild = fake.add_guild("Leaving Server")
    member = fake.add_member(guild, "stayer")
    await fake.wait_ready(process=world.bot)
    await fake.slash(guild, member, "event info")
    [(event_id,)] = world.query("SELECT id FROM events WHERE guild_id = ?", (guild.id,))
    moderator = fake.add_member(guild, "leaving mod", manage_events=True)
    await fake.slash(guild, moderator, "manage open", event=str(event_id))
    joined = await fake.slash(guild, member, "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content
    others = world.query("SELECT count(*) FROM events WHERE guild_id != ?", (guild.id,))

    async def until(check, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.1)

    # Removed, then invited back within the retention: everything as it was.
    await fake.dispatch("GUILD_DELETE", {"id": str(guild.id)})
    await until(lambda: world.query("SELECT left_at FROM guild_settings WHERE guild_id = ?"
                                    " AND left_at IS NOT NULL", (guild.id,)))
    back = fake._guild_payload(guild, full=True)
    del back["unavailable"]  # a join, not an outage ending
    await fake.dispatch("GUILD_CREATE", back)
    await until(lambda: world.query("SELECT left_at FROM guild_settings WHERE guild_id = ?"
                                    " AND left_at IS NULL", (guild.id,)))
    await asyncio.sleep(RETENTION_SECONDS + 1.5)
    assert world.query("SELECT count(*) FROM rsvps WHERE event_id = ?", (event_id,)) == [(1,)]
    reply = await fake.slash(guild, member, "rsvp status", event=str(event_id))
    assert "confirmed" in reply.content

    # Removed for good: deleted once the retention is over, and only this server's data.
    await fake.slash(guild, moderator, "manage language", language="zh-CN")
    await fake.dispatch("GUILD_DELETE", {"id": str(guild.id)})
    await until(lambda: world.query("SELECT left_at FROM guild_settings WHERE guild_id = ?"
                                    " AND left_at IS NOT NULL", (guild.id,)))
    assert world.query("SELECT count(*) FROM events WHERE guild_id = ?", (guild.id,)) == [(1,)]
    assert world.query("SELECT count(*) FROM passages WHERE event_id = ?",
                       (event_id,)) != [(0,)]
    await until(lambda: world.query("SELECT count(*) FROM events WHERE guild_id = ?",
                                    (guild.id,)) == [(0,)], timeout=RETENTION_SECONDS + 10)
    # what hangs on the events goes in steps after them (`purge_leftovers`)
    await until(lambda: world.query("SELECT count(*) FROM rsvps WHERE event_id = ?",
                                    (event_id,)) == [(0,)]
                and world.query("SELECT count(*) FROM passages WHERE event_id = ?",
                                (event_id,)) == [(0,)])
    assert world.query("SELECT count(*) FROM guild_settings WHERE guild_id = ?",
                       (guild.id,)) == [(0,)]
    assert world.query("SELECT count(*) FROM events WHERE guild_id != ?", (guild.id,)) >= others
    # Invited back after that: a new server to the bot, its language chosen afresh.
    await fake.dispatch("GUILD_CREATE", back)
    info = await fake.slash(guild, member, "event info")
    assert "Registration" in [field["name"] for field in info.embeds[0]["fields"]]


async def test_a_server_that_removed_the_bot_while_it_was_away_is_left_once_it_is_back(
        world, fake):
    """Discord sends no GUILD_DELETE for a server that removed the bot while it was
    offline: once connected again, the bot finds it gone, its members are reminded of
    nothing, and its data is deleted after the retention, as for a kick seen live."""
    gone = fake.add_guild("Gone While Away")
    member = fake.add_member(gone, "away member")
    await fake.wait_ready(process=world.bot)
    await fake.slash(gone, member, "event info")  # set up: given the sample event
    assert world.query("SELECT left_at FROM guild_settings WHERE guild_id = ?",
                       (gone.id,)) == [(None,)]
    await world.bot.stop()
    del fake.guilds[gone.id]
    world.start_bot()
    await fake.wait_ready(process=world.bot)
    deadline = time.monotonic() + RETENTION_SECONDS + 10
    while world.query("SELECT count(*) FROM events WHERE guild_id = ?", (gone.id,)) != [(0,)]:
        assert time.monotonic() < deadline, world.query(
            "SELECT left_at FROM guild_settings WHERE guild_id = ?", (gone.id,))
        await asyncio.sleep(0.1)
    assert world.query("SELECT count(*) FROM guild_settings WHERE guild_id = ?",
                       (gone.id,)) == [(0,)]
    # the servers still there are not taken for gone
    assert world.query("SELECT left_at FROM guild_settings WHERE guild_id = ?",
                       (world.guild.id,)) == [(None,)]




async def kicked_then_used(world, fake, kept, event_id: int, use) -> None:
    """The bot's user removed from `kept` (its data kept for the retention), then most of a
    retention period later `use()` there: the data outlives the retention counted from the
    kick, and goes once unused for a whole retention period after the use."""
    def events_kept() -> bool:
        return world.query("SELECT id FROM events WHERE guild_id = ?",
                           (kept.id,)) == [(event_id,)]

    await fake.dispatch("GUILD_DELETE", {"id": str(kept.id)})
    deadline = time.monotonic() + 10
    while not world.query("SELECT 1 FROM guild_settings WHERE guild_id = ?"
                          " AND left_at IS NOT NULL", (kept.id,)):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    del fake.guilds[kept.id]  # the bot's user is gone; its commands and messages stay
    await asyncio.sleep(RETENTION_SECONDS * 0.7)
    await use()
    used_at = time.monotonic()
    await asyncio.sleep(RETENTION_SECONDS * 0.7)  # past the retention counted from the kick
    assert events_kept()
    while events_kept():  # ... and deleted once unused for a whole retention period
        assert time.monotonic() < used_at + RETENTION_SECONDS + 10
        await asyncio.sleep(0.1)
    assert time.monotonic() >= used_at + RETENTION_SECONDS


async def test_a_server_that_removed_the_bot_but_uses_its_commands_keeps_its_data(world, fake):
    """Removing the bot's user from a server keeps its commands: a command there after
    the bot left says the server is still in use, and its data is deleted only once a
    whole retention period has passed without one."""
    kept = fake.add_guild("Commands Kept")
    member = fake.add_member(kept, "commands user")
    await fake.wait_ready(process=world.bot)
    await fake.slash(kept, member, "event info")  # set up: given the sample event
    [(event_id,)] = world.query("SELECT id FROM events WHERE guild_id = ?", (kept.id,))

    async def command() -> None:
        info = await fake.slash(kept, member, "event info", event=str(event_id))
        assert info.embeds, info

    await kicked_then_used(world, fake, kept, event_id, command)


async def test_a_server_that_removed_the_bot_but_clicks_its_buttons_keeps_its_data(world, fake):
    """Removing the bot's user keeps its announcements, and their Join and Cancel buttons
    keep working: members who RSVP with them use the server as much as with a command, so
    its data is not deleted a retention period after the kick under them."""
    kept = fake.add_guild("Buttons Kept")
    owner = kept.members[fake.owner.id]
    member = fake.add_member(kept, "buttons user")
    await fake.wait_ready(process=world.bot)
    await fake.slash(kept, owner, "event info")  # set up: given the sample event
    [(event_id,)] = world.query("SELECT id FROM events WHERE guild_id = ?", (kept.id,))
    channel = kept.channel("announcements")
    reply = await fake.slash(kept, owner, "manage announce", event=str(event_id),
                             channel=channel)
    assert "Posted" in reply.content, reply
    [(message_id,)] = world.query("SELECT message_id FROM announcement_messages"
                                  " WHERE event_id = ?", (event_id,))
    shown = await fake.wait_message(channel, lambda m: int(m["id"]) == message_id)

    # a button a member can press (the sample event's Join is disabled while it is closed)
    usable = [b["custom_id"] for b in buttons(shown).values() if not b.get("disabled")]
    assert usable, shown

    async def click() -> None:
        clicked = await fake.click(kept, member, shown, usable[0])
        assert clicked.ephemeral and clicked.content, clicked

    await kicked_then_used(world, fake, kept, event_id, click)


async def test_a_button_left_on_an_event_deleted_after_it_took_place_says_it_took_place(
        world, fake):
    """The bot lost the announcement's channel before the event took place, so neither
    its end nor its deletion afterwards could disable the buttons: a member's click then
    hears that it took place, as the deletion told everyone else, not that it was
    cancelled."""
    guild = world.guild
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    event_id = await world.import_event("Bygone Buttons", capacity=5,
                                        starts_at=starts.isoformat())
    message = await announced(world, event_id)
    came = world.member("bygone clicker")
    await fake.slash(guild, came, "rsvp join", event=str(event_id))
    await asyncio.sleep(1.0)  # the join's refresh of the announcement is done
    channel = guild.channel("announcements")
    fake.fail("PATCH", rf"/channels/{channel.id}/messages/{message['id']}$", status=403,
              code=50001, message="Missing Access", count=100)
    await asyncio.sleep(until_past(starts, 1.0))

    asked = await fake.slash(guild, world.moderator, "manage delete", event=str(event_id))
    confirm, _ = asked.custom_ids()
    clicked = await fake.click(guild, world.moderator, asked.message, confirm)
    done = await clicked.wait(lambda r: "Deleted" in (r.content or ""))
    assert "It had taken place" in done.content, done
    await asyncio.sleep(1.0)  # the announcement's edit was tried, and refused
    assert not any(b.get("disabled") for b in buttons(message).values())

    for action in ("join", "cancel"):
        reply = await fake.click(guild, came, message, f"eventbot:rsvp:{action}:{event_id}")
        assert "cancelled" not in reply.content.lower(), reply
        assert "taken place" in reply.content, reply
    named = await fake.slash(guild, came, "event info", event=str(event_id))
    assert f"Event {event_id} (Bygone Buttons) took place and has been deleted" in (
        named.content), named


async def test_a_server_used_after_its_data_was_deleted_is_deleted_again_once_unused(
        world, fake):
    """A member's command in a server the bot left, after its data was deleted, gives it
    the sample event again: that server, which the bot is not in, is deleted again after
    a whole retention period without a command, not kept forever."""
    gone = fake.add_guild("Used After Its Purge")
    member = fake.add_member(gone, "late user")
    await fake.wait_ready(process=world.bot)
    await fake.slash(gone, member, "event info")  # set up: given the sample event

    def events() -> int:
        return world.query("SELECT count(*) FROM events WHERE guild_id = ?", (gone.id,))[0][0]

    await fake.dispatch("GUILD_DELETE", {"id": str(gone.id)})
    deadline = time.monotonic() + RETENTION_SECONDS + 10
    while events():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    del fake.guilds[gone.id]  # the bot's user is gone; the commands stay
    info = await fake.slash(gone, member, "event info")
    assert info.embeds, info
    assert events() == 1  # the sample, given again
    used_at = time.monotonic()
    # The retention task's next look (hourly, or when the bot leaves a server) finds it
    # gone: here, the bot is removed from another server.
    other = fake.add_guild("Left To Wake Retention")
    await fake.wait_ready(process=world.bot)
    await fake.slash(other, fake.add_member(other, "waker"), "event info")
    await fake.dispatch("GUILD_DELETE", {"id": str(other.id)})
    while events():
        assert time.monotonic() < used_at + RETENTION_SECONDS + 10, world.query(
            "SELECT left_at FROM guild_settings WHERE guild_id = ?", (gone.id,))
        await asyncio.sleep(0.1)
    # kept a retention period from the look after the use (stored to the whole second)
    assert time.monotonic() >= used_at + RETENTION_SECONDS - 1.0


async def test_the_language_of_a_member_with_no_rsvp_left_is_forgotten(world, fake):
    """A member's client language is kept for the DMs about their RSVPs (reminders,
    promotions): once they hold none, it goes a retention period after it was recorded,
    else every member who ever pressed a button stayed in the database for good. A member
    still registered keeps theirs, and one who comes back is recorded again."""
    event_id = await world.import_event("Forgetful Forum", 10)
    leaver = world.member("leaver", locale="zh-CN")
    stayer = world.member("stayer of languages", locale="en-GB")
    for member in (leaver, stayer):
        await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    await fake.slash(world.guild, leaver, "rsvp cancel", event=str(event_id))

    def locale(member):
        return world.query("SELECT locale FROM member_locales WHERE user_id = ?",
                           (member.user.id,))

    async def until(check, timeout):
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.1)

    await until(lambda: locale(leaver) and locale(stayer), 10)  # written in batches
    await until(lambda: not locale(leaver), RETENTION_SECONDS + 10)
    assert locale(stayer) == [("en-GB",)]
    await fake.slash(world.guild, leaver, "rsvp join", event=str(event_id))
    await until(lambda: locale(leaver) == [("zh-CN",)], 10)  # within a batch's interval
