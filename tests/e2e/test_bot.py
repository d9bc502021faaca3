"""The real bot process, driven through discord.py by the local Discord-compatible server.

Every test here goes the way a member or moderator goes: a slash command, an
autocomplete, a button click, and checks what the bot answered and posted.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
import zipfile

import pytest

from bot.render import CAPACITY_REACHED
from sandbox import Attachment
from tests.conftest import ANNOUNCEMENT, RECAP
from tests.e2e.conftest import import_page

pytestmark = pytest.mark.asyncio(loop_scope="module")

SAMPLE_TITLE = "U.S.-China Missile Defense Disputes"


def text_of(reply_or_message) -> str:
    """Content and embed text together, for assertions on what a person reads."""
    message = reply_or_message if isinstance(reply_or_message, dict) else reply_or_message.message
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def assert_no_pings(fake):
    """Every message the bot sent carried allowed_mentions that ping nobody."""
    for request in fake.requests:
        body = request.json
        if request.message is None or not isinstance(body, dict):
            continue
        data = body.get("data", body) if request.route.endswith("/callback") else body
        assert data.get("allowed_mentions", {}).get("parse") == [], request


async def test_first_start_synced_the_commands_and_seeded_the_sample_event(world, fake):
    commands = {c["name"]: c for c in fake.commands()}
    assert set(commands) == {"event", "rsvp", "manage"}
    subcommands = {c["name"] for c in commands["manage"]["options"]}
    assert subcommands == {"import", "close", "open", "capacity", "announce", "channel",
                           "attendees", "reminders", "role", "scheduled-events", "edit",
                           "timezone", "delete", "archive", "language", "remove"}
    assert int(commands["manage"]["default_member_permissions"]) == 1 << 33
    assert fake.sync_count() == 1
    reply = await fake.slash(world.guild, world.member("newcomer"), "event info",
                             event=sample_event(world))
    text = text_of(reply)
    assert SAMPLE_TITLE in text
    assert "Tong Zhao" in text and "Closed" in text
    assert "In Chinese, with simultaneous English translation" in text


def sample_event(world) -> str:
    """The bundled sample event's id in the test server."""
    [(event_id,)] = world.query("SELECT id FROM events WHERE guild_id = ? AND is_sample",
                                (world.guild.id,))
    return str(event_id)


async def test_event_list_speakers_speaker_and_takeaways(world, fake):
    member = world.member("reader")
    sample = sample_event(world)  # named: other tests' events may come sooner
    listing = await fake.slash(world.guild, member, "event list")
    assert SAMPLE_TITLE in text_of(listing)
    speakers = await fake.slash(world.guild, member, "event speakers", event=sample)
    shown = text_of(speakers) + "".join(text_of(m) for m in speakers.followups)
    for name in ("Tong Zhao (赵通)", "Li Bin (李彬)", "Fan Jishe (樊吉社)",
                 "Duan Zhanyuan (段占元)", "Zhang Hongyu"):
        assert f"**{name}**" in shown
    assert ("Duan Zhanyuan is a member of the China Arms Control and Disarmament Association."
            in shown)
    one = await fake.slash(world.guild, member, "event speaker", event=sample, name="li bin")
    assert "senior fellow" in text_of(one)
    # The Chinese page pairs the names: a member may type either script.
    for typed in ("李彬", " 李彬 ", "Li Bin (李彬)", "李彬（Li Bin）"):
        by_chinese = await fake.slash(world.guild, member, "event speaker", event=sample,
                                      name=typed)
        assert "**Li Bin (李彬)**" in text_of(by_chinese)
        assert "senior fellow" in text_of(by_chinese)
    # ... in traditional characters too, as members in Taiwan or Hong Kong type them
    by_traditional = await fake.slash(world.guild, member, "event speaker", event=sample,
                                      name="趙通")
    assert "**Tong Zhao (赵通)**" in text_of(by_traditional)
    chosen = await fake.autocomplete(world.guild, member, "event speaker", focused="name",
                                     event=sample, name="趙")
    assert [c["value"] for c in chosen] == ["Tong Zhao (赵通)"]
    for typed in ("樊", "ｆａｎ", "樊吉社（Fan Jishe）", "Fan Jishe(樊吉社)"):
        chosen = await fake.autocomplete(world.guild, member, "event speaker", focused="name",
                                         event=sample, name=typed)
        assert [c["value"] for c in chosen] == ["Fan Jishe (樊吉社)"], typed
    missing = await fake.slash(world.guild, member, "event speaker", event=sample,
                               name="Nobody Here")
    assert missing.ephemeral and "Nobody called" in missing.content
    takeaways = await fake.slash(world.guild, member, "event takeaways", event=sample)
    text = text_of(takeaways)
    assert text.index("U.S.-China Security Relations") < text.index("Uncertain Future")


async def test_autocomplete_lists_every_event_with_its_id(world, fake):
    event_id = await world.import_event("Autocomplete Forum", capacity=5)
    await fake.slash(world.guild, world.moderator, "manage close", event=str(event_id))
    choices = await fake.autocomplete(world.guild, world.member(), "event info", focused="event")
    by_value = {c["value"]: c["name"] for c in choices}
    assert "Autocomplete Forum" in by_value[str(event_id)]  # closed events included
    assert any(SAMPLE_TITLE in name for name in by_value.values())
    narrowed = await fake.autocomplete(world.guild, world.member(), "rsvp join", focused="event",
                                       event="autocomp")
    assert [c["value"] for c in narrowed] == [str(event_id)]
    names = await fake.autocomplete(world.guild, world.member(), "event speaker",
                                    focused="name", event=str(event_id), name="zha")
    assert {c["value"] for c in names} == {"Tong Zhao", "Zhang Hongyu", "Duan Zhanyuan"}


async def test_autocomplete_shows_at_once_what_another_process_changed(world, fake):
    """The option's events are kept between keystrokes; a rename, an archiving or a
    deletion made by another process (SQL on the file here) shows at the next one."""
    event_id = await world.import_event("Kept Forum", capacity=5)

    async def offered(typed: str = "") -> dict[str, str]:
        choices = await fake.autocomplete(world.guild, world.member(), "event info",
                                          focused="event", event=typed)
        return {c["value"]: c["name"] for c in choices}

    assert "Kept Forum" in (await offered("kept"))[str(event_id)]
    for change, typed, shown in (
            ("UPDATE events SET title = 'Moved Forum' WHERE id = ?", "moved", True),
            ("UPDATE events SET archived = 1 WHERE id = ?", "moved", False),
            ("UPDATE events SET archived = 0 WHERE id = ?", "moved", True),
            ("DELETE FROM events WHERE id = ?", "moved", False)):
        conn = sqlite3.connect(world.db_path)
        with conn:
            conn.execute(change, (event_id,))
        conn.close()
        assert (str(event_id) in await offered(typed)) is shown, change
    assert await offered("kept") == {}


@pytest.mark.parametrize("title", ["\u202e\u2066", "\u3164", "\u200b\u034f"])
async def test_an_event_titled_in_what_shows_nothing_leaves_autocomplete_working(world, fake,
                                                                                 title):
    """A title of nothing a reader sees (direction marks pasted from a right-to-left
    text, a Hangul filler), as a database from before such titles were refused may hold,
    shows as nothing in a choice: Discord refuses a whole autocomplete answer over one
    empty name, so every event would vanish from the [event] option; the choice names the
    event by its id instead."""
    event_id = await world.import_event(f"Talk {ord(title[0]):x}", capacity=5)
    conn = sqlite3.connect(world.db_path)
    with conn:
        conn.execute("UPDATE events SET title = ? WHERE id = ?", (title, event_id))
    conn.close()
    choices = await fake.autocomplete(world.guild, world.member(), "event info", focused="event")
    by_value = {c["value"]: c["name"] for c in choices}
    assert by_value[str(event_id)] == f"#{event_id}"
    assert any(SAMPLE_TITLE in name for name in by_value.values())


async def test_rsvp_join_status_cancel_and_the_waitlist(world, fake):
    event_id = await world.import_event("Small Seminar", capacity=1)
    first, second = world.member("first"), world.member("second")
    joined = await fake.slash(world.guild, first, "rsvp join", event=str(event_id))
    assert joined.ephemeral and "confirmed" in joined.content
    again = await fake.slash(world.guild, first, "rsvp join", event=str(event_id))
    assert "already confirmed" in again.content
    waiting = await fake.slash(world.guild, second, "rsvp join", event=str(event_id))
    assert "waitlisted (position 1)" in waiting.content
    status = await fake.slash(world.guild, second, "rsvp status", event=str(event_id))
    assert status.ephemeral and "waitlisted (position 1)" in status.content
    cancelled = await fake.slash(world.guild, first, "rsvp cancel", event=str(event_id))
    assert cancelled.ephemeral and "cancelled" in cancelled.content
    status = await fake.slash(world.guild, second, "rsvp status", event=str(event_id))
    assert "confirmed" in status.content
    dm = await fake.wait_message(fake.dm_channel(second), lambda m: "Small Seminar" in m["content"])
    assert "now confirmed" in dm["content"]
    gone = await fake.slash(world.guild, first, "rsvp status", event=str(event_id))
    assert "not registered" in gone.content


async def test_capacity_announcement_is_posted_exactly_once(world, fake):
    channel = world.guild.channel("announcements")
    event_id = await world.import_event("Packed Panel", capacity=3)
    members = [world.member(f"packed{i}") for i in range(8)]
    replies = await asyncio.gather(*(fake.slash(world.guild, m, "rsvp join", event=str(event_id))
                                     for m in members))
    assert sum("confirmed" in r.content for r in replies) == 3
    assert sum("waitlisted" in r.content for r in replies) == 5
    notice = await fake.wait_message(channel, lambda m: "Packed Panel" in m["content"]
                                     and CAPACITY_REACHED in m["content"])
    assert "@" not in notice["content"].replace("\\@", "")
    await asyncio.sleep(1.0)
    posted = [m for m in fake.messages(channel)
              if "Packed Panel" in m["content"] and CAPACITY_REACHED in m["content"]]
    assert len(posted) == 1


async def test_moderator_close_open_and_capacity(world, fake):
    channel = world.guild.channel("announcements")
    event_id = await world.import_event("Moderated Talk", capacity=1)
    a, b, c = world.member("a"), world.member("b"), world.member("c")
    await fake.slash(world.guild, a, "rsvp join", event=str(event_id))
    await fake.slash(world.guild, b, "rsvp join", event=str(event_id))
    closed = await fake.slash(world.guild, world.moderator, "manage close", event=str(event_id),
                              reason="the room moved")
    assert closed.ephemeral and "closed" in closed.content
    await fake.wait_message(channel, lambda m: "Moderated Talk" in m["content"]
                            and "closed by a moderator" in m["content"])
    refused = await fake.slash(world.guild, c, "rsvp join", event=str(event_id))
    assert refused.ephemeral and "registration is closed: the room moved" in refused.content
    lower = await fake.slash(world.guild, world.moderator, "manage capacity", seats=1,
                             event=str(event_id))
    assert "1 seat" in lower.content
    reopened = await fake.slash(world.guild, world.moderator, "manage open", event=str(event_id))
    assert "open" in reopened.content
    await fake.wait_message(channel, lambda m: "Moderated Talk" in m["content"]
                            and "open again" in m["content"])
    raised = await fake.slash(world.guild, world.moderator, "manage capacity", seats=3,
                              event=str(event_id))
    assert "1 member moved from the waitlist" in raised.content
    status = await fake.slash(world.guild, b, "rsvp status", event=str(event_id))
    assert "confirmed" in status.content
    too_low = await fake.slash(world.guild, world.moderator, "manage capacity", seats=1,
                               event=str(event_id))
    assert too_low.ephemeral and "cannot go below" in too_low.content


async def test_a_member_without_manage_events_is_refused_and_nothing_changes(world, fake):
    event_id = await world.import_event("Guarded Event", capacity=10)
    before = world.dump()
    outsider = world.member("outsider")
    attempts = [
        ("manage close", {"event": str(event_id)}),
        ("manage open", {"event": str(event_id)}),
        ("manage capacity", {"seats": 1, "event": str(event_id)}),
        ("manage announce", {"event": str(event_id)}),
        ("manage channel", {"channel": world.guild.channel("announcements")}),
        ("manage attendees", {"event": str(event_id)}),
        ("manage import", {"page": Attachment("p.txt", OPEN_PAGE, "text/plain")}),
    ]
    for command, options in attempts:
        reply = await fake.slash(world.guild, outsider, command, options=options)
        assert reply.ephemeral and "Manage Events" in reply.content, (command, reply)
        assert not reply.files
    assert world.dump() == before


async def test_a_title_s_bidirectional_override_does_not_turn_the_bot_s_words_around(
        world, fake):
    event_id = await world.import_event("Spring \u202eTalk\u2066", capacity=5)
    member = world.member("reader")
    joined = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    assert "You're confirmed for **Spring Talk**." in joined.content, joined.content
    info = text_of(await fake.slash(world.guild, member, "event info", event=str(event_id)))
    assert "Spring Talk" in info and not {"\u202e", "\u2066"} & set(info), info


async def test_attendees_csv(world, fake):
    event_id = await world.import_event("Counted Event", capacity=1)
    m1, m2 = world.member("=cmd|evil"), world.member("赵通")
    await fake.slash(world.guild, m1, "rsvp join", event=str(event_id))
    await fake.slash(world.guild, m2, "rsvp join", event=str(event_id))
    reply = await fake.slash(world.guild, world.moderator, "manage attendees", event=str(event_id))
    assert reply.ephemeral
    [(filename, data)] = reply.files
    assert filename.endswith(".csv")
    assert data.startswith(b"\xef\xbb\xbf")  # so that Excel reads UTF-8, the Chinese too
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == ["user_id", "name", "status", "position", "joined_at"]
    assert [(r["user_id"], r["status"], r["position"]) for r in rows] == [
        (str(m1.id), "confirmed", ""), (str(m2.id), "waitlisted", "1")]
    assert (rows[0]["name"], rows[1]["name"]) == ("'=cmd|evil", "赵通")


async def test_attendees_csv_defuses_formulas_behind_spaces_and_in_full_width(world, fake):
    # Spreadsheets trim a cell's leading spaces, and read the full-width ＝ ＋ － ＠ as
    # their ASCII forms, before deciding it is a formula.
    event_id = await world.import_event("Formula Names", capacity=10)
    names = [" =1+1", "\u3000+SUM(A1)", "\u00a0-2+3", "＝HYPERLINK(\"x\")", "＋1", "－1",
             "＠SUM(A1)", "Plain - Name", "a=b"]
    for name in names:
        joined = await fake.slash(world.guild, world.member(name), "rsvp join",
                                  event=str(event_id))
        assert "You're confirmed" in joined.content, joined.content
    reply = await fake.slash(world.guild, world.moderator, "manage attendees", event=str(event_id))
    [(_, data)] = reply.files
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == [
        *("'" + name for name in names[:7]), "Plain - Name", "a=b"]


async def test_names_and_typed_text_no_store_can_hold_are_kept_as_text(world, fake):
    # A NUL (PostgreSQL's text takes none) and a lone surrogate (no UTF encodes one) in a
    # member's name or typed text: each stored without them, and the others' joins stand.
    event_id = await world.import_event("Odd Names", capacity=5)
    members = [world.member("bo\x00b"), world.member("bad\ud800"), world.member("Plain")]
    for member in members:
        joined = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
        assert "You're confirmed" in joined.content, joined.content
    reply = await fake.slash(world.guild, world.moderator, "manage attendees", event=str(event_id))
    [(_, data)] = reply.files
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["bob", "bad\ufffd", "Plain"]
    await fake.slash(world.guild, world.moderator, "manage close", event=str(event_id),
                     reason="venue\x00 full\udc00")
    refused = await fake.slash(world.guild, world.member("Late"), "rsvp join",
                               event=str(event_id))
    assert "venue full\ufffd" in refused.content, refused.content


async def test_attendees_too_large_for_an_upload_are_zipped_or_refused(world, fake):
    # Discord refuses an upload over the interaction's attachment_size_limit (413, 40005).
    event_id = await world.import_event("Crowded Event", capacity=30)
    for n in range(40):
        await fake.slash(world.guild, world.member(f"crowd member {n:02}"), "rsvp join",
                         event=str(event_id))
    full = await fake.slash(world.guild, world.moderator, "manage attendees",
                            event=str(event_id))
    [(_, csv_data)] = full.files
    assert len(csv_data) > 2_000
    limit = fake.attachment_size_limit
    try:
        fake.attachment_size_limit = 2_000
        zipped = await fake.slash(world.guild, world.moderator, "manage attendees",
                                  event=str(event_id))
        [(filename, data)] = zipped.files
        assert filename.endswith("-attendees.zip") and len(data) <= 2_000
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            [inner] = archive.namelist()
            assert inner.endswith("-attendees.csv") and archive.read(inner) == csv_data
        fake.attachment_size_limit = 300
        refused = await fake.slash(world.guild, world.moderator, "manage attendees",
                                   event=str(event_id))
    finally:
        fake.attachment_size_limit = limit
    assert refused.ephemeral and not refused.files
    assert "too large to upload" in refused.content and "--csv" in refused.content


async def test_recap_import_attaches_and_announces_the_takeaways(world, fake):
    event_id = await world.import_event("Recapped Event", capacity=10)
    channel = world.guild.channel("announcements")
    reply = await import_page(fake, world.guild, world.moderator,
                             page=Attachment("recap.txt", RECAP.read_bytes(), "text/plain"),
                             event=str(event_id))
    assert "Added the recap" in reply.content
    await fake.wait_message(channel, lambda m: "recap of **Recapped Event**" in m["content"])
    await fake.wait_message(channel, lambda m: any(
        "Uncertain Future" in (e.get("description") or "") for e in m["embeds"]))
    takeaways = await fake.slash(world.guild, world.member(), "event takeaways",
                                 event=str(event_id))
    assert "Respective Defense Capabilities" in text_of(takeaways)

    # The recap corrected and imported again: its takeaways were told, so no second notice.
    corrected = RECAP.read_text(encoding="utf-8").replace("Uncertain Future",
                                                          "Uncertain Futures")
    again = await import_page(fake, world.guild, world.moderator,
                              page=Attachment("recap.txt", corrected.encode(), "text/plain"),
                              event=str(event_id))
    assert "recap" in again.content.lower(), again.content
    # Imported without its bullets, then with them again: the channel heard of its
    # takeaways already, so still no second notice.
    plain = (b"The panel discussed missile defense. Speakers explored arms control "
             b"and agreed that dialogue matters most.\n\nThis event was off the record.\n")
    for page in (plain, corrected.encode()):
        again = await import_page(fake, world.guild, world.moderator,
                                  page=Attachment("recap.txt", page, "text/plain"),
                                  event=str(event_id))
        assert "recap" in again.content.lower(), again.content
    closed = await fake.slash(world.guild, world.moderator, "manage close",
                              event=str(event_id))
    assert "closed" in closed.content.lower(), closed.content
    await fake.wait_message(channel, lambda m: "closed by a moderator" in m["content"])
    told = [m for m in fake.messages(channel) if "recap of **Recapped Event**" in m["content"]]
    assert len(told) == 1, [m["content"] for m in fake.messages(channel)]
    takeaways = await fake.slash(world.guild, world.member(), "event takeaways",
                                 event=str(event_id))
    assert "Uncertain Futures" in text_of(takeaways)  # the correction was taken


async def test_bad_import_input_gets_a_clear_ephemeral_error(world, fake):
    count = world.query("SELECT count(*) FROM events")[0][0]
    cases = [
        (Attachment("empty.txt", b""), {}, "empty"),
        (Attachment("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), {}, "an image"),
        (Attachment("latin1.txt", "Café résumé".encode("latin-1")), {}, "UTF-8"),
        (Attachment("ok.txt", OPEN_PAGE), {"starts_at": "someday maybe"}, "friday 6pm"),
        (Attachment("ok.txt", OPEN_PAGE), {"event": "no such event"}, "No event in this server"),
    ]
    for attachment, options, words in cases:
        reply = await import_page(fake, world.guild, world.moderator,
                                 options={"page": attachment, **options})
        assert reply.ephemeral and words in reply.content, (attachment.filename, reply)
    assert world.query("SELECT count(*) FROM events")[0][0] == count


async def test_hostile_text_is_shown_literally_and_pings_nobody(world, fake):
    page = ("Join us @everyone and @here, <@123456> and <@&654321>! **bold** ||spoiler||\n\n"
            "December 1, 2030, 6:00 PM - 8:00 PM EST\n\n"  # a date: an event page
            "Robert'); DROP TABLE rsvps;-- will moderate a discussion with Eve \u202eLiar.\n\n"
            "Robert'); DROP TABLE rsvps;-- is a fellow @everyone.\n").encode()
    event_id = await world.import_event("@everyone <@&1> **Loud**", capacity=2, page=page)
    member = world.member("@here")
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    info = await fake.slash(world.guild, member, "event info", event=str(event_id))
    assert "@everyone" not in text_of(info).replace("@\u200beveryone", "")
    await fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id))
    await fake.slash(world.guild, world.member(), "event speakers", event=str(event_id))
    assert world.query("SELECT count(*) FROM rsvps WHERE event_id = ?", (event_id,))[0][0] == 1
    # a second seat taken: the announcement's counts are edited
    await fake.slash(world.guild, world.member("@everyone"), "rsvp join", event=str(event_id))
    for _ in range(200):
        if any(r.method == "PATCH" and r.route.startswith("/channels/")
               for r in fake.requests):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the announcement was not edited")
    assert_no_pings(fake)
    for message in fake.messages(world.guild.channel("announcements")):
        assert message["mention_everyone"] is False and message["mentions"] == []


async def test_announce_buttons_join_and_cancel_and_the_count_stays_current(world, fake):
    channel = world.guild.channel("announcements")
    await fake.slash(world.guild, world.moderator, "manage channel", channel=channel)
    event_id = await world.import_event("Button Forum", capacity=5)
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id))
    assert posted.ephemeral and "Posted" in posted.content
    message = await fake.wait_message(channel, lambda m: any(
        e.get("title") == "Button Forum" for e in m["embeds"]))
    join_id, cancel_id = (f"eventbot:rsvp:{a}:{event_id}" for a in ("join", "cancel"))
    member = world.member("clicker")
    clicked = await fake.click(world.guild, member, message, join_id)
    assert clicked.ephemeral and "confirmed" in clicked.content
    await fake.wait_message(channel, lambda m: m["id"] == message["id"]
                            and "4 of 5 seats left" in text_of(m))
    left = await fake.click(world.guild, member, message, cancel_id)
    assert "cancelled" in left.content
    await fake.wait_message(channel, lambda m: m["id"] == message["id"]
                            and "5 of 5 seats left" in text_of(m), timeout=10)


async def test_a_server_joined_later_gets_the_sample_event_at_once(world, fake):
    guild = fake.add_guild("Late Server")
    member = fake.add_member(guild, "early bird")
    await fake.wait_ready(process=world.bot)
    reply = await fake.slash(guild, member, "event info")
    assert SAMPLE_TITLE in text_of(reply)


async def test_200_members_press_join_on_150_seats(world, fake):
    channel = world.guild.channel("announcements")
    event_id = await world.import_event("Big Hall", capacity=150)
    await fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id))
    message = await fake.wait_message(channel, lambda m: any(
        e.get("title") == "Big Hall" for e in m["embeds"]))
    members = [world.member(f"crowd{i}") for i in range(200)]
    replies = await asyncio.gather(*(
        fake.click(world.guild, m, message, f"eventbot:rsvp:join:{event_id}") for m in members))
    assert all(r.ephemeral and r.content for r in replies)
    assert sum("confirmed" in r.content for r in replies) == 150
    assert sum("waitlisted" in r.content for r in replies) == 50
    await fake.wait_message(channel, lambda m: "Big Hall" in m["content"]
                            and CAPACITY_REACHED in m["content"])
    await asyncio.sleep(1.0)
    assert len([m for m in fake.messages(channel)
                if "Big Hall" in m["content"] and CAPACITY_REACHED in m["content"]]) == 1
    assert world.query("SELECT status, count(*) FROM rsvps WHERE event_id = ? GROUP BY status",
                       (event_id,)) == [("confirmed", 150), ("waitlisted", 50)]
    record = fake.message_record(message)
    gaps = [b - a for a, b in zip(record.edits, record.edits[1:], strict=False)]
    assert all(gap >= 1.9 for gap in gaps), gaps


async def test_after_a_restart_old_buttons_work_and_commands_are_not_resynced(world, fake):
    channel = world.guild.channel("announcements")
    event_id = await world.import_event("Restart Forum", capacity=4)
    await fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id))
    message = await fake.wait_message(channel, lambda m: any(
        e.get("title") == "Restart Forum" for e in m["embeds"]))
    syncs = fake.sync_count()
    await world.restart_bot()
    assert fake.sync_count() == syncs
    member = world.member("after restart")
    reply = await fake.click(world.guild, member, message, f"eventbot:rsvp:join:{event_id}")
    assert "confirmed" in reply.content
    status = await fake.slash(world.guild, member, "rsvp status", event=str(event_id))
    assert "confirmed" in status.content


OPEN_PAGE = b"A discussion of regional security.\n\nAda Lovelace will moderate.\n"


async def test_a_click_whose_reply_fails_still_updates_the_announcement(world, fake):
    # After on_ready the bot refreshes every announcement once; be past that, so only the
    # click can move the count.
    await world.past_on_ready()
    channel = world.guild.channel("announcements")
    event_id = await world.import_event("Lost Reply Forum", capacity=5)
    await fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id),
                     channel=channel)
    message = await fake.wait_message(channel, lambda m: any(
        e.get("title") == "Lost Reply Forum" for e in m["embeds"]))
    fake.fail("POST", r"^/interactions/\d+/[^/]+/callback$", status=404, code=10062,
              message="Unknown interaction")
    member = world.member("unlucky")
    # The join's reply is refused as too late: Discord has forgotten the interaction, so
    # the bot does not answer again (an error notice would be refused the same way).
    with pytest.raises(TimeoutError, match="did not respond"):
        await fake.click(world.guild, member, message, f"eventbot:rsvp:join:{event_id}")
    assert "answered too late" in world.bot.output()
    await fake.wait_message(channel, lambda m: m["id"] == message["id"]
                            and "4 of 5 seats left" in text_of(m), timeout=10)
    status = await fake.slash(world.guild, member, "rsvp status", event=str(event_id))
    assert "confirmed" in status.content


async def test_a_speaker_whose_name_is_longer_than_a_choice_value_is_offered_and_found(
        world, fake):
    # Discord refuses an autocomplete answer whose choice value is over 100 characters:
    # the whole list, for every member typing.
    long_name = ("Wolfeschlegelsteinhausenbergerdorffa Hubertwolfeschlegelsteinhausen "
                 "Blainewolfeschlegelsteinhausen Xavierovich")
    page = ANNOUNCEMENT.read_bytes().replace(b"Tong Zhao", long_name.encode())
    event_id = await world.import_event("Long Names Forum", capacity=5, page=page)
    choices = await fake.autocomplete(world.guild, world.member(), "event speaker",
                                      focused="name", name="wolfe", event=str(event_id))
    assert [len(c["value"]) for c in choices] == [100]
    shown = await fake.slash(world.guild, world.member(), "event speaker",
                             name=choices[0]["value"], event=str(event_id))
    assert "fellow in the Nuclear Policy Program" in text_of(shown)
