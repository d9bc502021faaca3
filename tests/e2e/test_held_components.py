"""Forms, questions and pagers the bot holds in memory only, through the real bot: each
answers its own submissions and clicks, and one the bot no longer holds (it was answered,
or the bot restarted) says it expired."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.held import PER_MODERATOR
from sandbox import Attachment
from sandbox.models import MANAGE_EVENTS
from tests.conftest import RECAP
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, delete_event, import_button

pytestmark = pytest.mark.asyncio(loop_scope="module")


def venue_of(world, event_id: int) -> str | None:
    return world.query("SELECT venue FROM events WHERE id = ?", (event_id,))[0][0]


async def test_two_moderators_editing_one_event_each_get_their_own_answer(world, fake):
    event_id = await world.import_event("Twice Edited Forum", capacity=5, venue="Hall 1",
                                        starts_at="2031-05-06T18:00:00+00:00")
    other = world.member("second moderator", manage_events=True)
    first = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    second = await fake.slash(world.guild, other, "manage edit", event=str(event_id))

    # The later form first, then the earlier: each submission is read by its own form.
    done = await fake.submit_modal(second, {"venue": "Room B"})
    assert done.ephemeral and "Updated **Twice Edited Forum**" in done.content, done.content
    assert "Where: Room B" in done.content and venue_of(world, event_id) == "Room B"
    done = await fake.submit_modal(first, {"venue": "Room A"})
    assert done.ephemeral and "Updated **Twice Edited Forum**" in done.content, done.content
    assert "Where: Room A" in done.content and venue_of(world, event_id) == "Room A"
    ids = first.modal["custom_id"], second.modal["custom_id"]
    assert ids[0] != ids[1] and all(i.startswith("eventbot:edit:") and len(i) <= 100
                                    for i in ids), ids


async def test_a_form_opened_before_another_moderators_edit_keeps_what_it_did_not_touch(
        world, fake):
    """A fixes the title in a form opened before B moved the event and its venue: B's
    start and venue stay (the form used to write back what it showed), and members hear
    of B's move once, not of a move back."""
    event_id = await world.import_event("Stale Form Forum", capacity=5, venue="Hall 1",
                                        starts_at="2031-05-06T18:00:00+00:00")
    member = world.member("stale form reader")
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    other = world.member("stale form moderator", manage_events=True)
    form_a = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    form_b = await fake.slash(world.guild, other, "manage edit", event=str(event_id))
    moved = await fake.submit_modal(form_b, {"start": "2031-06-10 18:00", "venue": "Room 2"})
    assert "Where: Room 2" in moved.content, moved.content
    fixed = await fake.submit_modal(form_a, {"title": "Stale Form Forum (typo fixed)"})
    assert "Where: Room 2" in fixed.content, fixed.content
    june_10 = int(datetime(2031, 6, 10, 18, tzinfo=UTC).timestamp())
    assert world.query("SELECT title, starts_at, venue FROM events WHERE id = ?",
                       (event_id,)) == [("Stale Form Forum (typo fixed)", june_10, "Room 2")]
    await asyncio.sleep(1.5)  # the change DMs are delivered within this
    dms = [dm["content"] for dm in fake.dms(member)]
    may_6 = int(datetime(2031, 5, 6, 18, tzinfo=UTC).timestamp())
    assert sum(f"<t:{june_10}:F>" in dm for dm in dms) == 1, dms  # B's move, once
    assert not any(f"<t:{may_6}:F>" in dm for dm in dms), dms  # and no move back
    assert sum("is now called **Stale Form Forum (typo fixed)**" in dm for dm in dms) == 1


# -- after a restart, or once a view has gone: told so, never left unanswered -----------

PAGES_EXPIRED = "These pages have expired; run /event speakers again."
QUESTION_EXPIRED = "This question has expired; run /manage delete again."
FORM_EXPIRED = "This form has expired, so your edit was not saved; run /manage edit again."
FORM_EXPIRED_ZH = "这个表单已过期，你的修改没有保存；请重新运行 /管理 编辑。"


def panel_page(title: str) -> bytes:
    """Three long bios: more than one page of /event speakers."""
    names = ("Alan Smith", "Bob Jones", "Carl Wu")
    bio = " He studies deterrence and arms control in depth." * 60
    return "\n\n".join([title, "A discussion of deterrence.",
                        f"{names[0]} will moderate a discussion with {names[1]} and {names[2]}.",
                        *(f"{name}\n\n{name} is a fellow.{bio}" for name in names)]).encode()


def content_of(fake, message: dict) -> str:
    """The message's content as it is now (edits included)."""
    return fake.message_record(message).data["content"]


async def answers_to(fake, reply) -> list[int]:
    """The classes of the statuses of the bot's first responses to the interaction of
    `reply` (2: accepted, 200 or 204), once any second one would have come."""
    await asyncio.sleep(0.3)
    return [r.status // 100 for r in fake.requests
            if r.path.startswith(f"/interactions/{reply.interaction_id}/")]


async def test_a_live_pager_question_and_form_answer_each_interaction_once(world, fake):
    event_id = await world.import_event("Live Panel", capacity=5, page=panel_page("Live Panel"),
                                        starts_at="2031-05-06T18:00:00+00:00")
    form = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    done = await fake.submit_modal(form, {"venue": "Room 9"})
    assert "Where: Room 9" in done.content and await answers_to(fake, done) == [2]

    shown = await fake.slash(world.guild, world.moderator, "event speakers", event=str(event_id))
    previous, following, jump = shown.custom_ids()
    assert all(c.startswith("eventbot:speakers:") for c in (previous, following, jump))
    turned = await fake.click(world.guild, world.moderator, shown.message, following)
    assert turned.type == 7 and turned.embeds[0]["footer"]["text"].startswith("Page 2 of")
    assert await answers_to(fake, turned) == [2]

    asked = await fake.slash(world.guild, world.moderator, "manage delete", event=str(event_id))
    confirm, keep = asked.custom_ids()
    assert confirm.startswith("eventbot:delete:") and keep.startswith("eventbot:delete:")
    kept = await fake.click(world.guild, world.moderator, asked.message, keep)
    assert "Nothing was deleted" in kept.content and not kept.custom_ids()
    assert await answers_to(fake, kept) == [2]
    # A Delete sent after the question was answered (a client still showing it):
    # acknowledged, and the answer stays.
    late = await fake.click(world.guild, world.moderator, asked.message, confirm, forged=True)
    assert late.type == 6 and await answers_to(fake, late) == [2]
    assert content_of(fake, asked.message).startswith("Nothing was deleted")
    assert world.query("SELECT count(*) FROM events WHERE id = ?", (event_id,)) == [(1,)]




async def test_a_double_click_leaves_the_message_to_the_first_clicks_answer(world, fake):
    """Delete pressed twice, 50 ms apart: the event is deleted, and the question says so,
    not that it expired (the second click is only acknowledged)."""
    event_id = await world.import_event("Doomed Forum", capacity=5,
                                        starts_at="2031-05-06T18:00:00+00:00")
    asked = await fake.slash(world.guild, world.moderator, "manage delete", event=str(event_id))
    confirm, _ = asked.custom_ids()

    async def click():
        return await fake.click(world.guild, world.moderator, asked.message, confirm,
                                forged=True)  # the member's client still shows the button

    first = asyncio.create_task(click())
    await asyncio.sleep(0.05)
    second = await click()
    await first
    await asyncio.sleep(0.5)
    assert second.type == 6  # acknowledged, nothing changed by it
    assert content_of(fake, asked.message).startswith("Deleted **Doomed Forum**")
    assert world.query("SELECT count(*) FROM events WHERE id = ?", (event_id,)) == [(0,)]


async def test_a_double_click_on_import_leaves_the_preview_to_what_import_did(world, fake):
    page = Attachment("quick.txt", b"Quick Forum\n\nDecember 1, 2031\n\nJane Doe will speak."
                      b"\n\nJane Doe\n\nJane Doe is a fellow.", "text/plain")
    preview = await fake.slash(world.guild, world.moderator, "manage import", page=page)
    button = import_button(preview)

    async def click():
        return await fake.click(world.guild, world.moderator, preview.message, button,
                                forged=True)

    first = asyncio.create_task(click())
    await asyncio.sleep(0.05)
    await click()
    await first
    await asyncio.sleep(1.0)
    assert content_of(fake, preview.message).startswith("Created **Quick Forum**")
    assert len(world.query("SELECT id FROM events WHERE title = 'Quick Forum'")) == 1


async def test_pages_questions_and_forms_from_before_a_restart_say_they_expired(world, fake):
    event_id = await world.import_event("Restarted Panel", capacity=5,
                                        page=panel_page("Restarted Panel"),
                                        starts_at="2031-05-06T18:00:00+00:00")
    chinese = world.member("中文版主", manage_events=True, locale="zh-CN")
    shown = await fake.slash(world.guild, world.moderator, "event speakers", event=str(event_id))
    asked = await fake.slash(world.guild, world.moderator, "manage delete", event=str(event_id))
    form = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    form_zh = await fake.slash(world.guild, chinese, "manage edit", event=str(event_id))
    page_one = shown.embeds[0]
    before = world.dump()
    await world.restart_bot()

    turned = await fake.click(world.guild, world.moderator, shown.message, shown.custom_ids()[1])
    assert turned.type == 7 and turned.content == PAGES_EXPIRED and not turned.custom_ids()
    assert turned.embeds == [page_one]  # the page shown stays readable
    confirm, _ = asked.custom_ids()
    clicked = await fake.click(world.guild, world.moderator, asked.message, confirm)
    assert clicked.content == QUESTION_EXPIRED and not clicked.custom_ids()
    submitted = await fake.submit_modal(form, {"venue": "Room 2"})
    assert submitted.ephemeral and submitted.content == FORM_EXPIRED
    submitted = await fake.submit_modal(form_zh, {"venue": "Room 3"})
    assert submitted.ephemeral and submitted.content == FORM_EXPIRED_ZH
    for reply in (turned, clicked, submitted):
        assert await answers_to(fake, reply) == [2]
    assert world.dump() == before  # nothing deleted, nothing edited


async def test_an_update_previewed_before_its_event_was_deleted_does_not_bring_it_back(
        world, fake):
    """The preview says Import updates the event that has the page; another moderator
    deletes that event meanwhile (its members told it was cancelled). Import refuses, as
    the preview promised no new event: it used to make the cancelled event anew, open to
    RSVPs, under a new id."""
    title = "Phoenix Forum"
    page = Attachment("phoenix.txt", title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT,
                      "text/plain")
    event_id = await world.import_event(title, capacity=5, page=page.data)
    member = world.member("phoenix reader")
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    preview = await fake.slash(world.guild, world.moderator, "manage import", page=page)
    assert (f"Import will update **{title}** (event {event_id}), not create a second event"
            in preview.content), preview.content
    await delete_event(world, world.member("phoenix moderator", manage_events=True), event_id)
    before = world.dump()
    done = await fake.click(world.guild, world.moderator, preview.message,
                            import_button(preview))
    error = await done.followup()
    assert error["content"] == f"⚠️ **{title}** was deleted meanwhile, so nothing was saved.", (
        error)
    await done.wait(lambda r: not r.custom_ids())  # the preview's buttons are gone
    assert world.dump() == before
    assert world.query("SELECT count(*) FROM events WHERE title = ?", (title,)) == [(0,)]


async def test_a_page_previewed_before_another_moderator_renamed_its_event_keeps_the_name(
        world, fake):
    """A recap previewed into an event, then the event renamed by another moderator, then
    Import: the new name stays, as the venue changed with it does (Import used to write back
    the title its preview showed). So it does for the recap imported again on its own, which
    updates the event that has it."""
    event_id = await world.import_event("Old Name Forum", capacity=5, venue="Hall 1",
                                        starts_at="2031-05-06T18:00:00+00:00")
    recap = Attachment("recap.txt", RECAP.read_bytes().replace(b"North Korea", b"the North"),
                       "text/plain")
    other = world.member("renaming moderator", manage_events=True)

    async def rename(title: str, venue: str) -> None:
        form = await fake.slash(world.guild, other, "manage edit", event=str(event_id))
        done = await fake.submit_modal(form, {"title": title, "venue": venue})
        assert f"Updated **{title}**" in done.content, done.content

    for options, name, venue in (({"event": str(event_id)}, "New Name Forum", "Hall 2"),
                                 ({}, "Newer Name Forum", "Hall 3")):
        preview = await fake.slash(world.guild, world.moderator, "manage import", page=recap,
                                   **options)
        assert f"(event {event_id})" in preview.content, preview.content
        await rename(name, venue)
        done = await fake.click(world.guild, world.moderator, preview.message,
                                import_button(preview))
        await done.wait(lambda r: not r.custom_ids())
        assert f"**{name}** (event {event_id})" in done.content, done.content
        assert world.query("SELECT title, venue FROM events WHERE id = ?",
                           (event_id,)) == [(name, venue)]


async def test_a_delete_whose_acknowledgement_went_through_unheard_still_deletes(world, fake):
    """Delete clicked; Discord acts on the click's acknowledgement but answers 500, and
    discord.py's retry is refused as already acknowledged (40060). The click counts as
    acknowledged: the event is deleted and the question says so, with one warning line in
    the log and no traceback."""
    event_id = await world.import_event("Unheard Click Forum", capacity=5,
                                        starts_at="2031-05-06T18:00:00+00:00")
    asked = await fake.slash(world.guild, world.moderator, "manage delete", event=str(event_id))
    confirm, _ = asked.custom_ids()
    since = len(world.bot.output())
    fake.fail("POST", r"^/interactions/\d+/[^/]+/callback$", status=500, carried_out=True)
    await fake.click(world.guild, world.moderator, asked.message, confirm, timeout=15)
    await asked.wait(lambda r: r.content.startswith("Deleted **Unheard Click Forum**"),
                     timeout=15)
    assert world.query("SELECT count(*) FROM events WHERE id = ?", (event_id,)) == [(0,)]
    log = world.bot.output()[since:]
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    assert len([line for line in log.splitlines() if "40060" in line]) == 1, log[-3000:]


async def test_two_forms_submitted_at_once_keep_both_moderators_changes(world, fake):
    """A moves the venue and B renames the event, both in forms opened before either
    submitted; A's answer to Discord is slow (its deferral held back 1 s), and B submits
    meanwhile. Both changes stay: A's form used to read the event before that wait and
    write it back after, B's title with it."""
    event_id = await world.import_event("Racing Forms Forum", capacity=5, venue="Hall 1",
                                        starts_at="2031-05-06T18:00:00+00:00")
    other = world.member("racing form moderator", manage_events=True)
    form_a = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    form_b = await fake.slash(world.guild, other, "manage edit", event=str(event_id))
    fake.hold("POST", r"^/interactions/\d+/[^/]+/callback$", 1.0)
    moved = asyncio.create_task(fake.submit_modal(form_a, {"venue": "Room 7"}))
    await asyncio.sleep(0.3)  # A's submission read, its deferral on its way
    renamed = await fake.submit_modal(form_b, {"title": "Racing Forms Forum (renamed)"})
    assert "Updated **Racing Forms Forum (renamed)**" in renamed.content, renamed.content
    moved_reply = await moved
    await moved_reply.wait(lambda r: "Updated" in (r.content or ""))
    assert "Racing Forms Forum (renamed)" in moved_reply.content, moved_reply.content
    assert world.query("SELECT title, venue FROM events WHERE id = ?", (event_id,)) == [
        ("Racing Forms Forum (renamed)", "Room 7")]


async def test_a_moderator_asking_again_and_again_holds_a_few_live_questions(world, fake):
    """Each `/manage delete` holds its question (and each `/manage edit` its form, each
    `/manage import` its preview) for its whole timeout: a moderator asking a hundred
    times must not hold a hundred. They hold the last five; an earlier one's Delete is
    told the question expired and deletes nothing, and another moderator's are their own."""
    event_id = await world.import_event("Asked Again Forum", capacity=5,
                                        starts_at="2031-05-06T18:00:00+00:00")
    other = world.member("another moderator", manage_events=True)
    theirs = await fake.slash(world.guild, other, "manage delete", event=str(event_id))
    asked = [await fake.slash(world.guild, world.moderator, "manage delete",
                              event=str(event_id)) for _ in range(PER_MODERATOR + 1)]
    first = await fake.click(world.guild, world.moderator, asked[0].message,
                             asked[0].custom_ids()[0])
    assert first.content == QUESTION_EXPIRED and not first.custom_ids(), first
    assert world.query("SELECT count(*) FROM events WHERE id = ?", (event_id,)) == [(1,)]
    kept = await fake.click(world.guild, other, theirs.message, theirs.custom_ids()[1])
    assert kept.content.startswith("Nothing was deleted"), kept  # the other's still lives
    await fake.click(world.guild, world.moderator, asked[1].message, asked[1].custom_ids()[0])
    await asked[1].wait(lambda r: r.content.startswith("Deleted **Asked Again Forum**"))
    assert world.query("SELECT count(*) FROM events WHERE id = ?", (event_id,)) == [(0,)]


async def test_a_moderator_who_lost_manage_events_since_asking_is_refused_at_the_click(
        world, fake):
    """A question, preview or form acts when it is answered, with the authority the
    answerer has then (each interaction carries the member as they are): a moderator whose
    role was taken away, or whose role no longer allows Manage Events, since they asked is
    refused in one private line, and nothing is deleted, imported or edited; so is one
    timed out (Discord leaves them only View Channel and Read Message History). Given it
    back, the same question still works."""
    stewards = fake.add_role(world.guild, "Stewards", MANAGE_EVENTS)
    steward = world.member("steward")
    fake.set_roles(steward, [stewards])
    event_id = await world.import_event("Lost Authority Forum", capacity=5,
                                        starts_at="2031-05-06T18:00:00+00:00")
    refusal = "⚠️ You need the **Manage Events** permission to do that."
    asked = await fake.slash(world.guild, steward, "manage delete", event=str(event_id))
    preview = await fake.slash(world.guild, steward, "manage import", page=Attachment(
        "lost.txt", b"Lost Authority Talk\n\n" + OPEN_ANNOUNCEMENT, "text/plain"))
    form = await fake.slash(world.guild, steward, "manage edit", event=str(event_id))
    before = world.dump()

    fake.set_role_permissions(world.guild, stewards, 0)  # the role no longer allows it
    refused = await fake.click(world.guild, steward, asked.message, asked.custom_ids()[0])
    assert refused.ephemeral and refused.content == refusal, refused
    fake.set_role_permissions(world.guild, stewards, MANAGE_EVENTS)
    fake.set_roles(steward, [])  # the role taken away
    refused = await fake.click(world.guild, steward, preview.message, import_button(preview))
    assert refused.ephemeral and refused.content == refusal, refused
    refused = await fake.submit_modal(form, {"venue": "Taken Hall"})
    assert refused.ephemeral and refused.content == refusal, refused
    assert world.dump() == before

    fake.set_roles(steward, [stewards])  # given back, but timed out meanwhile
    fake.time_out(steward, datetime.now(UTC) + timedelta(minutes=5))
    refused = await fake.click(world.guild, steward, asked.message, asked.custom_ids()[0])
    assert refused.ephemeral and refused.content == refusal, refused
    assert world.dump() == before

    fake.time_out(steward, None)  # the timeout lifted: the question still works
    await fake.click(world.guild, steward, asked.message, asked.custom_ids()[0])
    await asked.wait(lambda r: r.content.startswith("Deleted **Lost Authority Forum**"))
    assert world.query("SELECT count(*) FROM events WHERE id = ?", (event_id,)) == [(0,)]


async def test_a_join_under_a_moderator_s_announcement_seats_whoever_clicks(world, fake):
    """The announcement's buttons act for the member who clicks, not for the moderator
    whose command posted it."""
    event_id = await world.import_event("Clicker's Seat Forum", capacity=5)
    channel = world.guild.channel("announcements")
    await fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id),
                     channel=channel)
    message = await fake.wait_message(channel, lambda m: any(
        e.get("title") == "Clicker's Seat Forum" for e in m["embeds"]))
    member = world.member("clicking member")
    joined = await fake.click(world.guild, member, message, f"eventbot:rsvp:join:{event_id}")
    assert joined.ephemeral and "confirmed" in joined.content, joined
    assert world.query("SELECT user_id FROM rsvps WHERE event_id = ?",
                       (event_id,)) == [(member.id,)]
