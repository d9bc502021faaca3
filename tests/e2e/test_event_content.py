"""`/event ask`, `/event calendar` and recaps without bullets, through the real bot."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from sandbox import Attachment
from tests.conftest import ROOT
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page
from tests.e2e.test_bot import text_of

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_ask_answers_from_the_pages_with_sources(world, fake):
    reply = await fake.slash(world.guild, world.member("curious"), "event ask",
                             question="Who teaches at the University of North Carolina?")
    text = text_of(reply)
    assert "Bio of Zhang Hongyu · U.S.-China Missile Defense Disputes" in text
    assert "**North**" in text and "**Carolina**" in text
    nothing = await fake.slash(world.guild, world.member(), "event ask",
                               question="quantum gardening recipes")
    assert "Nothing in this server's event pages matches" in text_of(nothing)
    empty = await fake.slash(world.guild, world.member(), "event ask", question="??")
    assert empty.ephemeral and "a few words" in empty.content


async def test_ask_covers_a_freshly_imported_event_only_in_its_guild(world, fake):
    page = (b"A workshop on lighthouse keeping.\n\nGrace Hopper will moderate a discussion "
            b"with Alan Turing.\n\nAlan Turing is a lighthouse keeper in Cornwall.\n")
    event_id = await world.import_event("Lighthouse Workshop", capacity=5, page=page)
    reply = await fake.slash(world.guild, world.member(), "event ask",
                             question="lighthouse keeper Cornwall", event=str(event_id))
    assert "Bio of Alan Turing · Lighthouse Workshop" in text_of(reply)
    other = fake.add_guild("Other Server")
    stranger = fake.add_member(other, "stranger")
    await fake.wait_ready(process=world.bot)
    elsewhere = await fake.slash(other, stranger, "event ask", question="Cornwall lighthouse")
    assert "Nothing in this server's event pages matches" in text_of(elsewhere)


async def test_calendar_file_for_an_event_with_a_start(world, fake):
    event_id = await world.import_event("Calendar Talk", capacity=5,
                                        starts_at="2026-12-01T18:00+01:00")
    reply = await fake.slash(world.guild, world.member(), "event calendar", event=str(event_id))
    assert reply.ephemeral
    [(filename, data)] = reply.files
    assert filename.endswith(".ics")
    [entry] = Calendar.from_ical(data).walk("VEVENT")
    assert entry.decoded("dtstart").isoformat() == "2026-12-01T17:00:00+00:00"
    assert str(entry["summary"]) == "Calendar Talk"
    # After a move the same entry comes with a later SEQUENCE, which calendars take as
    # an update of the copy they kept rather than ignoring it as known.
    form = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    await fake.submit_modal(form, {"start": "2026-12-02 18:00"})
    again = await fake.slash(world.guild, world.member(), "event calendar", event=str(event_id))
    [moved] = Calendar.from_ical(again.files[0][1]).walk("VEVENT")
    assert moved["uid"] == entry["uid"] and moved["sequence"] > entry["sequence"]
    assert moved.decoded("dtstart").date().isoformat() == "2026-12-02"
    undated = await fake.slash(world.guild, world.member(), "event calendar",
                               event="U.S.-China Missile Defense Disputes")
    assert undated.ephemeral and "no start time" in undated.content
    # An event described in English and Chinese: the member's language first.
    bilingual = await world.import_event("Bilingual Calendar", capacity=5,
                                         starts_at="2031-12-01 18:00")
    chinese = (ROOT / "data/events/missile-defense-china/announcement.zh.txt").read_bytes()
    await import_page(fake, world.guild, world.moderator, event=str(bilingual),
                      page=Attachment("zh.txt", chinese, "text/plain"))
    for locale, first_is_han in (("en-US", False), ("zh-CN", True)):
        reply = await fake.slash(world.guild, world.member(f"cal {locale}", locale=locale),
                                 "event calendar", event=str(bilingual))
        [entry] = Calendar.from_ical(reply.files[0][1]).walk("VEVENT")
        description = str(entry["description"])
        assert ("\u4e00" <= description[0] <= "\u9fff") is first_is_han, description[:60]
    # a refusal that begins with a title shows it as written, not capitalised
    lower = await world.import_event("iPad day", capacity=5)
    refused = await fake.slash(world.guild, world.member(), "event calendar", event=str(lower))
    assert refused.content.startswith("⚠️ iPad day has no start time yet"), refused.content


async def test_a_recap_without_bullets_shows_its_summary_as_takeaways(world, fake):
    event_id = await world.import_event("Plain Recap Event", capacity=5)
    recap = (b"The panel discussed coastal resilience. Speakers explored funding models "
             b"and agreed that local partnerships matter most.\n\nThis event was off the record.\n")
    reply = await import_page(fake, world.guild, world.moderator,
                             page=Attachment("recap.txt", recap, "text/plain"),
                             event=str(event_id))
    assert "Added the recap" in reply.content
    takeaways = await fake.slash(world.guild, world.member(), "event takeaways",
                                 event=str(event_id))
    text = text_of(takeaways)
    assert "local partnerships matter most" in text
    assert "published after the event" not in text


async def test_event_info_points_to_a_recap_without_bullets_rather_than_awaiting_it(world, fake):
    """A recap without bullets is out, and `/event takeaways` shows its summary; but
    `/event info` still said its takeaways were "Published after the event.", as if
    there were nothing to read yet. It now points to them."""
    event_id = await world.import_event("Summary Recap Event", capacity=5)
    recap = (b"The panel discussed river pilots. Speakers explored training models "
             b"and agreed that apprenticeships matter most.\n\nThis event was off the record.\n")
    await import_page(fake, world.guild, world.moderator,
                      page=Attachment("recap.txt", recap, "text/plain"), event=str(event_id))
    info = await fake.slash(world.guild, world.member("summary reader"), "event info",
                            event=str(event_id))
    [embed] = info.message["embeds"]
    assert {"name": "Takeaways", "value": "The recap's summary: `/event takeaways`",
            "inline": False} in embed["fields"], embed


async def test_a_recaps_bullets_without_headings_are_its_takeaways(world, fake):
    event_id = await world.import_event("Bulleted Recap Event", capacity=5)
    recap = ("Dialogue Recap\n\nOn March 12, 2027, the Center hosted a dialogue on ports.\n\n"
             "Key Takeaways\n\n• Funding: Ports need federal money.\n"
             "• Both sides should establish a regular dialogue on dredging.\n"
             "• 双方应建立常态化的对话机制。\n")
    reply = await import_page(fake, world.guild, world.moderator, page=Attachment(
        "recap.txt", recap.encode(), "text/plain"), event=str(event_id))
    assert "3 takeaways" in reply.content, reply.content
    takeaways = text_of(await fake.slash(world.guild, world.member(), "event takeaways",
                                         event=str(event_id)))
    assert ("**Funding**\nPorts need federal money.\n\nBoth sides should establish a regular "
            "dialogue on dredging.\n\n双方应建立常态化的对话机制。") in takeaways, takeaways
    assert "****" not in takeaways
    found = text_of(await fake.slash(world.guild, world.member(), "event ask",
                                     question="dialogue on dredging", event=str(event_id)))
    assert "Takeaways · Bulleted Recap Event" in found, found


async def test_a_page_giving_each_line_in_both_languages_lists_each_speaker_once(world, fake):
    event_id = await world.import_event("Line by Line Dialogue", capacity=5)
    page = ("中美战略稳定对话\nU.S.-China Strategic Stability Dialogue\n\n"
            "时间：2027年3月12日（星期五）下午2:00-4:00\nTime: Friday, March 12, 2027, 2:00-4:00 PM"
            "\n\n主持人：赵通\nModerator: Tong Zhao\n主讲人：李彬、吴日强\n"
            "Speakers: Li Bin, Wu Riqiang\n\n赵通\n赵通是核政策项目研究员。\n"
            "Tong Zhao is a fellow in the Nuclear Policy Program.\n")
    reply = await import_page(fake, world.guild, world.moderator, page=Attachment(
        "page.txt", page.encode(), "text/plain"), event=str(event_id))
    assert "3 people" in reply.content, reply.content
    speakers = await fake.slash(world.guild, world.member(), "event speakers",
                                event=str(event_id))
    shown = text_of(speakers) + "".join(text_of(m) for m in speakers.followups)
    for name in ("赵通 (Tong Zhao)", "李彬 (Li Bin)", "吴日强 (Wu Riqiang)"):
        assert shown.count(f"**{name}**") == 1, shown
    assert "**Tong Zhao**" not in shown and "**Li Bin**" not in shown
    for typed in ("Tong Zhao", "赵通"):
        one = text_of(await fake.slash(world.guild, world.member(), "event speaker",
                                       event=str(event_id), name=typed))
        assert "赵通是核政策项目研究员。" in one and "Nuclear Policy Program" in one, one
    # the date line again in English is read as the date, not shown in the description
    info = text_of(await fake.slash(world.guild, world.member(), "event info",
                                    event=str(event_id)))
    assert "Time: Friday" not in info and "<t:" in info, info


async def test_a_recaps_headed_paragraphs_are_its_takeaways_in_either_language(world, fake):
    event_id = await world.import_event("Headed Recap Event", capacity=5)
    for name, recap in (
            ("recap.txt", "Ann Lee moderated a discussion on ports.\n\nKey Takeaways\n\n"
                          "Port Funding\nThe speakers agreed that ports need federal money.\n"),
            ("recap_zh.txt", "港口研讨会纪要\n\n一、港口资金\n与会者认为，港口需要更多资金。\n")):
        reply = await import_page(fake, world.guild, world.moderator, page=Attachment(
            name, recap.encode(), "text/plain"), event=str(event_id))
        assert "1 takeaways" in reply.content or "1 takeaway" in reply.content, reply.content
        takeaways = await fake.slash(world.guild, world.member(), "event takeaways",
                                     event=str(event_id))
        heading = "Port Funding" if name == "recap.txt" else "港口资金"
        assert f"**{heading}**" in text_of(takeaways), text_of(takeaways)


async def test_a_calendar_file_over_the_upload_limit_is_cut_to_fit(world, fake):
    """Discord refuses an upload over the interaction's `attachment_size_limit` (413,
    40005): the member got "Something went wrong on my side" and no file. The description
    is cut where the file fits; the entry is otherwise whole."""
    page = OPEN_ANNOUNCEMENT.replace(b"\n\n", b"\n\n" + b"A long description. " * 300
                                     + b"\n\n", 1)
    event_id = await world.import_event("Calendar Limits", capacity=5, page=page,
                                        starts_at="2031-12-01 18:00")
    member = world.member("calendar limit")
    whole = await fake.slash(world.guild, member, "event calendar", event=str(event_id))
    [(_, data)] = whole.files
    assert len(data) > 4_000, len(data)
    limit = fake.attachment_size_limit
    try:
        fake.attachment_size_limit = 4_000
        cut = await fake.slash(world.guild, member, "event calendar", event=str(event_id))
    finally:
        fake.attachment_size_limit = limit
    assert cut.ephemeral
    [(_, small)] = cut.files
    assert 3_000 < len(small) <= 4_000
    [entry] = Calendar.from_ical(small).walk("VEVENT")
    assert str(entry["summary"]) == "Calendar Limits" and "…" in str(entry["description"])


async def test_takeaways_too_long_for_five_messages_come_whole_in_a_file(world, fake):
    """A recap's takeaways past what five messages hold were cut, with a line saying how
    many parts were left out and no way to read them. The last message now says the
    whole text is in a file and carries it, in `/event takeaways` and in the recap's
    notice; the file fits the upload limit Discord says."""
    event_id = await world.import_event("Long Recap Event", capacity=5)
    bullets = "".join(f"• Point {n}: marker-{n:02d} " + "words of the takeaway " * 180 + "\n"
                      for n in range(1, 41))  # 40 takeaways of about 4,000 characters
    recap = f"Long Recap\n\nThe panel met.\n\nKey Takeaways\n\n{bullets}"
    reply = await import_page(fake, world.guild, world.moderator, page=Attachment(
        "recap.txt", recap.encode(), "text/plain"), event=str(event_id))
    assert "40 takeaways" in reply.content, reply.content
    channel = world.guild.channel("announcements")
    notice = await fake.wait_message(channel, lambda m: any(
        "-takeaways.txt" in (e.get("description") or "") for e in m["embeds"]))
    member = world.member("long reader")
    takeaways = await fake.slash(world.guild, member, "event takeaways", event=str(event_id))
    last = await takeaways.followup(4)
    for message in (last, notice):
        note = message["embeds"][-1]["description"]
        assert "left out here" in note and "long-recap-event-takeaways.txt" in note, note
        [(name, data)] = fake.files_of(message)
        assert name == "long-recap-event-takeaways.txt"
        text = data.decode("utf-8")
        assert text.startswith("Key takeaways: Long Recap Event\n\nPoint 1\nmarker-01 ")
        assert all(f"\nPoint {n}\nmarker-{n:02d} " in text for n in range(1, 41))
        assert "\\" not in text  # the page's words, not Markdown escapes
    assert [fake.files_of(m) for m in takeaways.followups[:3]] == [[], [], []]
    assert takeaways.files == []
    limit = fake.attachment_size_limit
    try:
        fake.attachment_size_limit = 20_000
        cut = await fake.slash(world.guild, member, "event takeaways", event=str(event_id))
        [(_, small)] = fake.files_of(await cut.followup(4))
    finally:
        fake.attachment_size_limit = limit
    assert 19_000 < len(small) <= 20_000 and small.decode("utf-8").endswith("…")


async def test_a_description_cut_for_event_info_leaves_no_link_cut_short(world, fake):
    """A Chinese page (no spaces to cut at) whose registration link, on a line of its own,
    runs across the 2,500 characters of the description `/event info` shows: the cut
    comes before the link. It came inside it, and Discord made a link of what was left,
    "https://example.org/events/2037/05/missil…", which leads to no page."""
    url = "https://example.org/events/2037/05/missile-defense?register=discord"
    page = ("中美导弹防御论坛\n\n" + ("中美两国专家将讨论导弹防御问题，" * 200)[:2420]
            + f"。\n\n请于五月一日前通过以下链接报名，名额有限，先到先得，额满即止：{url}"
            "\n\n会议以中文进行，提供英文同声传译。\n\n主持人：赵通\n")
    event_id = await world.import_event("Link Cut Forum", capacity=5, page=page.encode())
    reply = await fake.slash(world.guild, world.member("link reader"), "event info",
                             event=str(event_id))
    shown = reply.message["embeds"][0]["description"]
    assert shown.endswith("…") and "两国专家" in shown, shown[-80:]
    assert "https" not in shown or url in shown, shown[-80:]


async def test_a_chinese_description_cut_for_event_info_ends_at_its_punctuation(world, fake):
    """A Chinese description longer than `/event info` shows is cut after a clause's "，"
    or "。" near the limit, as a speaker's bio is split across pages, not mid-word: it
    ended "…核政策项目研…", 研究员 (researcher) halved."""
    clause = "赵通是卡内基国际和平研究院核政策项目研究员，常驻北京的卡内基—清华全球政策中心。"
    page = "中美导弹防御论坛\n\n" + clause * 100 + "\n\n主持人：赵通\n"
    event_id = await world.import_event("Clause Cut Forum", capacity=5, page=page.encode())
    reply = await fake.slash(world.guild, world.member("clause reader"), "event info",
                             event=str(event_id))
    shown = reply.message["embeds"][0]["description"]
    assert len(shown) > 2000 and shown.endswith(("，…", "。…")), shown[-20:]


@pytest.mark.parametrize("preferred", ["zh-TW", "zh-CN", "en-GB"])
async def test_a_bilingual_recaps_takeaways_come_in_the_readers_language_first(
        world, fake, preferred):
    """A bilingual recap gives its takeaways in English, then in Chinese. A Chinese
    server read the English ones first (and, in a long recap, the Chinese ones only in
    the file after five messages), though an event described in both languages shows
    the reader's version first."""
    guild = fake.add_guild(f"Bilingual Takeaways {preferred}", preferred_locale=preferred)
    moderator = fake.add_member(guild, f"recap mod {preferred}", manage_events=True)
    await fake.wait_ready(process=world.bot)
    page = (ROOT / "tests" / "unit" / "pages" / "bilingual.txt").read_bytes()
    reply = await import_page(fake, guild, moderator, capacity=5, page=Attachment(
        "recap.txt", page, "text/plain"))
    event_id = reply.content.split("(event ")[1].split(")")[0]
    shown = await fake.slash(guild, fake.add_member(guild, f"reader {preferred}",
                                                    locale=preferred),
                             "event takeaways", event=event_id)
    description = shown.message["embeds"][0]["description"]
    first, second = ("**核查**", "**Verification**") if preferred.startswith("zh") else (
        "**Verification**", "**核查**")
    assert description.startswith(first) and second in description, description


async def test_a_pinyin_name_in_the_other_order_on_the_other_page_is_one_person(world, fake):
    """Chinese hosts' English pages often write a name family name first ("Zhao Tong"),
    while the Chinese page pairs it as "赵通（Tong Zhao）". The event had two moderators,
    "Zhao Tong" and "赵通 (Tong Zhao)", one person listed twice."""
    english = (ROOT / "data" / "events" / "missile-defense-china" / "announcement.txt"
               ).read_text(encoding="utf-8").replace("Tong Zhao", "Zhao Tong")
    event_id = await world.import_event("Family Name First", capacity=5,
                                        page=english.encode())
    chinese = (ROOT / "data" / "events" / "missile-defense-china" / "announcement.zh.txt"
               ).read_bytes()
    await import_page(fake, world.guild, world.moderator, event=str(event_id),
                      page=Attachment("announcement.zh.txt", chinese, "text/plain"))
    assert world.query("SELECT name FROM people WHERE event_id = ? AND role = 'moderator'",
                       (event_id,)) == [("Zhao Tong (赵通)",)]
    shown = await fake.slash(world.guild, world.member("pinyin reader"), "event speaker",
                             name="赵通", event=str(event_id))
    assert "**Zhao Tong (赵通)**" in text_of(shown), text_of(shown)
