"""/manage import shows a preview first; Import saves, Cancel and expiry save nothing."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from bot.adapters.held import PER_MODERATOR
from sandbox import Attachment
from tests.conftest import ANNOUNCEMENT, RECAP, ROOT
from tests.e2e.conftest import (
    OPEN_ANNOUNCEMENT,
    World,
    delete_event,
    event_id_in,
    import_button,
    import_page,
    until,
)
from tests.pageserver import WEB_PAGES, PageServer

pytestmark = pytest.mark.asyncio(loop_scope="module")

PREVIEW_SECONDS = 4
BOT_ENV = {"IMPORT_PREVIEW_TIMEOUT": str(PREVIEW_SECONDS),
           "FETCH_ALLOWED_NETWORKS": "127.0.0.1/32", "FETCH_TIMEOUT": "10"}
CANCEL_BUTTON = "eventbot:import:cancel:"
EXPIRED = "This preview has expired; run /manage import again."
# An announcement as Taiwan writes it: traditional characters, 報導, 同步口譯, 與談人.
ZH_TW_ANNOUNCEMENT = ROOT / "tests" / "unit" / "pages" / "zh_tw_announcement.txt"
ZH_ANNOUNCEMENT = ROOT / "tests" / "unit" / "pages" / "zh_announcement.txt"


def page(title: str, source: bytes = OPEN_ANNOUNCEMENT) -> Attachment:
    return Attachment("announcement.txt", title.encode() + b"\n\n" + source, "text/plain")


async def preview_of(world: World, **options):
    reply = await world.fake.slash(world.guild, world.moderator, "manage import", **options)
    assert reply.ephemeral and import_button(reply), reply
    return reply


def cancel_button(reply) -> str:
    return next(c for c in reply.custom_ids() if c.startswith(CANCEL_BUTTON))


def people_of(world, event_id: int) -> list[tuple[str, str]]:
    """The event's people as stored, (name, role) in the page's order."""
    return world.query("SELECT name, role FROM people WHERE event_id = ? ORDER BY position",
                       (event_id,))


async def test_the_preview_shows_the_page_and_import_creates_the_event(world, fake):
    await fake.slash(world.guild, world.moderator, "event list")  # the server has its sample
    before = world.dump()
    preview = await preview_of(world, page=page("Preview Forum", ANNOUNCEMENT.read_bytes()),
                               capacity=30, starts_at="2026-12-01 18:00", venue="Room 4")
    text = preview.content
    assert "Import will create a new event, **Preview Forum**." in text
    assert "- Moderator: Tong Zhao" in text and "Li Bin" in text and "Zhang Hongyu" in text
    assert "registration closed, off the record, in Chinese with English translation" in text
    assert "Takeaways: 0" in text and "When: <t:" in text and "Where: Room 4" in text
    assert world.dump() == before  # a preview writes nothing

    done = await fake.click(world.guild, world.moderator, preview.message,
                            import_button(preview))
    await done.wait(lambda r: not r.custom_ids())
    assert done.message["id"] == preview.message["id"]  # the preview became the reply
    event_id = int(re.search(r"Created \*\*Preview Forum\*\* \(event (\d+)\)",
                             done.content)[1])
    assert done.embeds and done.embeds[0]["title"] == "Preview Forum"
    assert world.query("SELECT title, capacity FROM events WHERE id = ?", (event_id,)) == [
        ("Preview Forum", 30)]


async def test_a_chinese_host_line_on_an_english_page_is_its_host_in_the_preview(world,
                                                                                 fake):
    """"主办：赵通" under an English page's date is its host, as "Host: Tong Zhao" is."""
    text = ("Host Forum\nJune 1, 2036, 6:00 PM UTC\nSingapore\n主办：赵通\n\n".encode()
            + OPEN_ANNOUNCEMENT)
    preview = await preview_of(world, page=Attachment("host.txt", text, "text/plain"))
    assert "- Host: 赵通" in preview.content.splitlines(), preview.content


async def test_a_page_in_traditional_characters_is_read_whole(world, fake):
    moderator = world.member("版主", manage_events=True, locale="zh-TW")
    page = Attachment("zh_tw.txt", ZH_TW_ANNOUNCEMENT.read_bytes(), "text/plain")
    preview = await fake.slash(world.guild, moderator, "manage import", page=page)
    assert preview.ephemeral and import_button(preview), preview
    starts, ends = 1796148000, 1796155200  # 2026-12-01 18:00 and 20:00 in the server's UTC
    lines = preview.content.splitlines()
    for line in (f"時間：<t:{starts}:F>（<t:{starts}:R>） – <t:{ends}:t>", "地點：北京",
                 "- 主持人：趙通", "- 主講人：陳思遠、李彬、王海燕", "- 與談人：劉明軒、Jane Doe"):
        assert line in lines, preview.content
    # Its notes, and the languages named in the moderator's language
    assert "標記：報名已截止、不公開報導、使用中文，提供英文翻譯" in lines, preview.content

    done = await fake.click(world.guild, moderator, preview.message, import_button(preview))
    await done.wait(lambda r: not r.custom_ids())
    event_id = int(re.search(r"（活動 (\d+)）", done.content)[1])
    assert world.query("SELECT venue, starts_at, ends_at, registration_open, off_the_record, "
                       "language, translation FROM events WHERE id = ?", (event_id,)) == [
        ("北京", starts, ends, 0, 1, "Chinese", "English")]
    assert people_of(world, event_id) == [
        ("趙通", "moderator"), ("陳思遠", "speaker"), ("李彬", "speaker"), ("王海燕", "speaker"),
        ("劉明軒", "discussant"), ("Jane Doe", "discussant")]


async def test_each_person_a_role_line_names_is_imported_with_their_own_title(world, fake):
    """"评议人：刘明轩，副教授，Jane Doe，卡内基……研究员": both discussants are imported,
    each with their title, and neither's name ends up in the other's."""
    moderator = world.member("管理员", manage_events=True, locale="zh-CN")
    text = ZH_ANNOUNCEMENT.read_text(encoding="utf-8").replace(
        "评议人：刘明轩，中国人民大学国际关系学院副教授；Jane Doe，",
        "评议人：刘明轩，中国人民大学国际关系学院副教授，Jane Doe，")
    page = Attachment("zh.txt", text.encode(), "text/plain")
    preview = await fake.slash(world.guild, moderator, "manage import", page=page)
    assert "- 评议人：刘明轩、Jane Doe" in preview.content.splitlines(), preview.content
    done = await fake.click(world.guild, moderator, preview.message, import_button(preview))
    await done.wait(lambda r: not r.custom_ids())
    event_id = int(re.search(r"（活动 (\d+)）", done.content)[1])
    assert world.query("SELECT name, bio FROM people WHERE event_id = ? AND role = ? "
                       "ORDER BY position", (event_id, "discussant")) == [
        ("刘明轩", "中国人民大学国际关系学院副教授"),
        ("Jane Doe", "卡内基国际和平研究院高级研究员")]


# Names written in Chinese from another language, their parts between middle dots, as
# mainland (U+00B7), Taiwanese (‧) and Japanese (・) fonts give the dot
DOTTED_NAMES_PAGE = """软实力与中美关系

时间：2031年6月5日（星期四）下午3:00-5:00
地点：清华大学主楼报告厅

主持人：赵通
主讲人：约瑟夫·奈（Joseph Nye）、亨利‧基辛格
评议人：玛丽亚・德拉克鲁斯

约瑟夫·奈
约瑟夫·奈是哈佛大学肯尼迪政府学院荣休教授，“软实力”概念的提出者。
"""


async def test_names_with_middle_dots_are_people_of_the_event(world, fake):
    """"主讲人：约瑟夫·奈": a name Chinese writes from another language has its parts
    between middle dots, and every such name a page gave was left out: no speaker, no
    discussant, the bio under the name kept as the event's description, and
    `/event speaker 约瑟夫·奈` found nobody."""
    made = await import_page(fake, world.guild, world.moderator,
                             page=Attachment("nye.txt", DOTTED_NAMES_PAGE.encode(), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", made.content)[1])
    assert people_of(world, event_id) == [
        ("赵通", "moderator"), ("约瑟夫·奈 (Joseph Nye)", "speaker"), ("亨利‧基辛格", "speaker"),
        ("玛丽亚・德拉克鲁斯", "discussant")]
    one = await fake.slash(world.guild, world.member("reader"), "event speaker",
                           event=str(event_id), name="约瑟夫·奈")
    shown = (one.content or "") + "".join(e.get("description") or "" for e in one.embeds)
    assert "软实力" in shown, one


@pytest.mark.parametrize("notice", [
    "本活動已額滿，謝謝大家的支持。",  # Taiwan's usual wording: the event is full
    "本次讲座现已报满。", "报名现已截止。", "已截止报名，感谢关注。", "报名已于6月1日截止。",
    "席位已满。", "名额已经满了，敬请谅解。", "报名通道已关闭。"])
async def test_a_chinese_page_saying_it_is_full_or_closed_in_other_words_closes_it(
        world, fake, notice):
    """Chinese pages say registration has closed in more words than 报名已截止 and 名额已满:
    "已額滿" (Taiwan's), "已报满", "报名现已截止", "已截止报名", "报名已于6月1日截止", "席位已满",
    "名额已经满了", "报名通道已关闭". Each was imported with registration open, and members
    joined an event its page said was full."""
    text = (f"满员讲座\n\n时间：2036年6月5日 下午3:00-5:00\n地点：清华大学\n\n"
            f"主持人：赵通\n\n{notice}\n")
    done = await import_page(fake, world.guild, world.moderator, capacity=50,
                             page=Attachment("full.txt", text.encode(), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", done.content)[1])
    refused = await fake.slash(world.guild, world.member(), "rsvp join", event=str(event_id))
    assert ("registration is closed: the event page says registration has closed"
            in refused.content), refused.content


@pytest.mark.parametrize("notice", [
    "报名已于11月1日开通（额满为止）。", "报名已于5月1日开启！额满即止",
    "报名已于6月1日开始 名额有限 报满为止"])
async def test_a_chinese_page_saying_registration_opened_on_a_date_leaves_it_open(
        world, fake, notice):
    """"报名已于11月1日开通（额满为止）" says registration opened on a date and stays open
    until full: read as "报名已于…满", it closed registration, and members were refused."""
    text = (f"开放讲座\n\n时间：2036年6月5日 下午3:00-5:00\n地点：清华大学\n\n"
            f"主持人：赵通\n\n{notice}\n")
    done = await import_page(fake, world.guild, world.moderator, capacity=50,
                             page=Attachment("open.txt", text.encode(), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", done.content)[1])
    joined = await fake.slash(world.guild, world.member(), "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content, joined.content


async def test_role_labels_padded_with_ideographic_spaces_name_their_people(world, fake):
    """"嘉　宾：李彬、王海燕", "主　　持：赵通": a two-character role label padded to the width
    of the page's longer ones with ideographic spaces. Its people were not imported: the
    lines stayed in the description, and the preview said "People: none found"."""
    text = ("对齐讲座\n\n时间：2036年6月5日 下午3:00-5:00\n地点：清华大学\n\n"
            "主\u3000\u3000持：赵通\n嘉\u3000宾：李彬、王海燕\n评议人：刘明轩\n")
    done = await import_page(fake, world.guild, world.moderator,
                             page=Attachment("padded.txt", text.encode(), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", done.content)[1])
    assert people_of(world, event_id) == [
        ("赵通", "moderator"), ("李彬", "speaker"), ("王海燕", "speaker"),
        ("刘明轩", "discussant")]


async def test_role_labels_in_brackets_after_a_bullet_or_before_a_bar_name_their_people(
        world, fake):
    """Posts set role labels as they set the time and place's: in brackets ("【主持人】赵通"),
    after a bullet ("• 主讲人：李彬") or before a bar ("评议人｜刘明轩"). Their people were not
    imported: the bracketed and barred lines stayed in the description, and a bulleted one
    became a takeaway, "主讲人: 李彬"."""
    text = ("标签人物讲座\n\n时间：2036年6月5日 下午3:00-5:00\n地点：清华大学\n\n"
            "【主持人】赵通\n\n• 主讲人：李彬、王海燕\n\n评议人｜刘明轩\n")
    done = await import_page(fake, world.guild, world.moderator,
                             page=Attachment("labels.txt", text.encode(), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", done.content)[1])
    assert people_of(world, event_id) == [
        ("赵通", "moderator"), ("李彬", "speaker"), ("王海燕", "speaker"),
        ("刘明轩", "discussant")]
    assert world.query("SELECT COUNT(*) FROM takeaways WHERE event_id = ?", (event_id,)) == [
        (0,)]


async def test_the_lines_skipped_are_listed_in_the_moderators_language(world, fake):
    moderator = world.member("管理员", manage_events=True, locale="zh-CN")
    text = ZH_ANNOUNCEMENT.read_text(encoding="utf-8") + "\n会后提供茶点，欢迎交流。\n"
    page = Attachment("zh.txt", text.encode(), "text/plain")
    preview = await fake.slash(world.guild, moderator, "manage import", page=page)
    listed = ["无法理解，已跳过：", "- 段落：“会后提供茶点，欢迎交流。”"]
    assert preview.content.splitlines()[-2:] == listed, preview.content
    done = await fake.click(world.guild, moderator, preview.message, import_button(preview))
    await done.wait(lambda r: not r.custom_ids())
    assert done.content.splitlines()[-2:] == listed, done.content


async def test_a_skipped_paragraph_is_quoted_up_to_a_whole_character(world, fake):
    """A paragraph the importer did not understand is quoted by its opening 60
    characters: cut there, a line of flags ended with half a flag, a lone regional
    indicator (a letter in a box), before the ellipsis. It ends before the flag that
    would not fit whole."""
    flags = "\U0001f1e8\U0001f1f3" * 40
    text = ANNOUNCEMENT.read_text(encoding="utf-8") + f"\nNote {flags}\n"
    preview = await fake.slash(world.guild, world.moderator, "manage import",
                               page=Attachment("flags.txt", text.encode(), "text/plain"))
    quoted = preview.content.splitlines()[-1]
    assert quoted.startswith('- skipped paragraph: "Note ') and quoted.endswith('…"'), quoted
    shown = quoted.removeprefix('- skipped paragraph: "Note ').removesuffix('…"')
    assert shown and shown == flags[:len(shown)] and len(shown) % 2 == 0, ascii(shown[-3:])


def file_gone(payload: dict) -> None:
    """The attachment's address on Discord's file host answers 404 (the file gone)."""
    for attachment in payload["data"]["resolved"]["attachments"].values():
        for key in ("url", "proxy_url"):
            attachment[key] = attachment[key].split("/attachments/")[0] + (
                "/attachments/1/gone.txt")


async def test_a_page_that_cannot_be_downloaded_says_to_attach_it_again(world, fake):
    before = world.dump()
    since = len(world.bot.output())
    reply = await fake.slash(world.guild, world.moderator, "manage import",
                             page=page("Vanished *Forum*"), mutate=file_gone)
    assert reply.ephemeral and reply.content == (
        "⚠️ I couldn't download announcement.txt from Discord (HTTP 404); attach it again "
        "and try once more."), reply
    assert world.dump() == before
    assert "Traceback" not in world.bot.output()[since:]


async def test_cancel_writes_nothing(world, fake):
    before = world.dump()
    preview = await preview_of(world, page=page("Cancelled Forum"))
    done = await fake.click(world.guild, world.moderator, preview.message,
                            cancel_button(preview))
    assert done.content == "Import cancelled; nothing was saved." and not done.custom_ids()
    assert world.dump() == before


async def test_only_the_moderator_who_asked_can_import(world, fake):
    other = world.member("other moderator", manage_events=True)
    before = world.dump()
    preview = await preview_of(world, page=page("Someone Else's Forum"))
    # the preview is in the asker's Discord alone: a modified client's click
    refused = await fake.click(world.guild, other, preview.message, import_button(preview),
                               forged=True)
    assert refused.ephemeral and "Only the moderator who asked" in refused.content
    assert world.dump() == before
    assert import_button(preview)  # still there for the one who asked
    done = await fake.click(world.guild, world.moderator, preview.message,
                            import_button(preview))
    await done.wait(lambda r: not r.custom_ids())
    assert "Created **Someone Else's Forum**" in done.content


async def test_a_page_imported_before_is_previewed_as_an_update(world, fake):
    first = await import_page(fake, world.guild, world.moderator, page=page("Twice Forum"))
    event_id = int(re.search(r"\(event (\d+)\)", first.content)[1])
    before = world.dump()
    preview = await preview_of(world, page=page("Twice Forum"))
    assert (f"This page was already imported here: Import will update **Twice Forum** "
            f"(event {event_id})") in preview.content
    again = await fake.click(world.guild, world.moderator, preview.message,
                             import_button(preview))
    await again.wait(lambda r: not r.custom_ids())
    assert f"so I updated **Twice Forum** (event {event_id})" in again.content
    assert world.query("SELECT count(*) FROM events") == [
        (len({row[0] for row in world.query("SELECT id FROM events")}),)]
    assert before != world.dump()  # the import did save (its page's time)


async def test_seats_below_the_members_confirmed_are_refused_before_the_preview(world, fake):
    """Importing a page again with fewer seats than members hold is refused at once, with
    the reason `/manage capacity` gives, not after the moderator reads the preview and
    presses Import; nothing is written."""
    event_id = event_id_in(await import_page(fake, world.guild, world.moderator,
                                             page=page("Crowded Forum"), capacity=5))
    for _ in range(2):
        joined = await fake.slash(world.guild, world.member(), "rsvp join", event=str(event_id))
        assert "confirmed" in joined.content, joined
    before = world.dump()
    refused = await fake.slash(world.guild, world.moderator, "manage import",
                               page=page("Crowded Forum"), capacity=1)
    assert refused.ephemeral and not import_button(refused), refused
    assert "2 members are already confirmed; capacity cannot go below that" in refused.content
    assert world.dump() == before
    # as many seats as members confirmed is a preview as usual
    assert "Import will update **Crowded Forum**" in (
        await preview_of(world, page=page("Crowded Forum"), capacity=2)).content


async def test_a_page_without_a_title_imported_again_keeps_its_events_title(world, fake):
    """A recap opens with prose, not a title line: the event it updates keeps its title
    rather than being renamed after the file (once, "Recap")."""
    recap = Attachment("recap.txt", RECAP.read_bytes(), "text/plain")
    first = await import_page(fake, world.guild, world.moderator, page=recap,
                              title="Harbour Recap")
    event_id = int(re.search(r"\(event (\d+)\)", first.content)[1])
    preview = await preview_of(world, page=recap)
    assert f"Import will update **Harbour Recap** (event {event_id})" in preview.content
    again = await fake.click(world.guild, world.moderator, preview.message,
                             import_button(preview))
    await again.wait(lambda r: not r.custom_ids())
    assert f"so I updated **Harbour Recap** (event {event_id})" in again.content
    assert world.query("SELECT title FROM events WHERE id = ?", (event_id,)) == [
        ("Harbour Recap",)]


REPLACES = ("Note: the event already has an announcement in this page's language; Import "
            "puts this page in its place.")


async def test_a_page_named_into_an_event_says_which_page_it_replaces(world, fake):
    """An event keeps one announcement per language: a second one named into it takes the
    first's place, and the preview says so; a recap, or the same text again, replaces
    nothing."""
    event_id = await world.import_event("Harbour Forum", capacity=5)
    recap = Attachment("recap.txt", RECAP.read_bytes(), "text/plain")
    assert REPLACES not in (await preview_of(world, page=recap, event=str(event_id))).content
    same = page("Harbour Forum")
    assert REPLACES not in (await preview_of(world, page=same, event=str(event_id))).content
    other = await preview_of(world, page=page("Harbour Forum, the speakers"),
                             event=str(event_id))
    assert "Import will add this announcement to **Harbour Forum**" in other.content
    assert REPLACES in other.content, other.content


async def test_a_recap_for_an_event_deleted_since_its_preview_makes_no_new_event(world, fake):
    event_id = await world.import_event("Short-lived Forum", capacity=5)
    recap = Attachment("recap.txt", RECAP.read_bytes(), "text/plain")
    preview = await preview_of(world, page=recap, event=str(event_id))
    assert f"Import will add this recap to **Short-lived Forum** (event {event_id})." in (
        preview.content)
    await delete_event(world, world.moderator, event_id)
    before = world.dump()
    done = await fake.click(world.guild, world.moderator, preview.message,
                            import_button(preview))
    error = await done.followup()
    assert error["content"] == ("⚠️ **Short-lived Forum** was deleted meanwhile, so nothing "
                                "was saved.")
    await done.wait(lambda r: not r.custom_ids())  # the preview's buttons are gone
    assert world.dump() == before


async def test_a_recap_headed_with_an_events_title_names_that_event_before_import(
        world, fake):
    """A recap imported without `event` makes a new event: where the server already has
    an event of the recap's title (the one it recaps, with its members' RSVPs), the
    preview names it and the option that adds the recap to it, before a second event of
    that title is made with the takeaways the members of the first would not find."""
    event_id = await world.import_event("Harbour Recap Forum", capacity=5,
                                        starts_at="2021-06-01 18:00")
    recap = page("Harbour Recap Forum", RECAP.read_bytes())
    preview = await preview_of(world, page=recap)
    assert "Import will create a new event, **Harbour Recap Forum**." in preview.content
    assert (f"Note: this server already has an event of this title, **Harbour Recap Forum** "
            f"(event {event_id}); to add this recap to it instead, import with event: "
            f"{event_id}.") in preview.content, preview.content
    added = await import_page(fake, world.guild, world.moderator, page=recap,
                              event=str(event_id))
    assert f"Added the recap to **Harbour Recap Forum** (event {event_id})" in added.content
    assert world.query("SELECT count(*) FROM events WHERE title = ?",
                       ("Harbour Recap Forum",)) == [(1,)]

    unrelated = await preview_of(world, page=page("Some Other Recap Forum", RECAP.read_bytes()))
    assert "already has an event of this title" not in unrelated.content, unrelated.content


AHEAD = "Note: this page is a recap, but the event is still to come ("


async def test_a_recap_for_an_event_still_to_come_is_noted_before_import(world, fake):
    """A recap tells the channel the event's takeaways at once: on an event still ahead,
    its date or the page is wrong, and the preview says so before anything is told."""
    ahead = await world.import_event("Later Forum", capacity=5, starts_at="2031-06-01 18:00")
    recap = Attachment("recap.txt", RECAP.read_bytes(), "text/plain")
    preview = await preview_of(world, page=recap, event=str(ahead))
    assert AHEAD in preview.content, preview.content
    assert "starts_at" in preview.content.split(AHEAD, 1)[1]

    held = await world.import_event("Earlier Forum", capacity=5, starts_at="2021-06-01 18:00")
    assert AHEAD not in (await preview_of(world, page=recap, event=str(held))).content
    undated = await world.import_event("Undated Forum", capacity=5)
    assert AHEAD not in (await preview_of(world, page=recap, event=str(undated))).content
    # typed with the import, the start is the one the preview reads
    assert AHEAD in (await preview_of(world, page=recap, event=str(undated),
                                      starts_at="2031-06-01 18:00")).content


@pytest.mark.parametrize("words", [
    b"apples bananas cherries and a few other words\n\nmore words, nothing else",
    b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
])
async def test_a_page_with_no_sign_of_an_event_is_refused_before_the_preview(world, fake,
                                                                            words):
    before = world.dump()
    reply = await fake.slash(world.guild, world.moderator, "manage import",
                             page=Attachment("notes.txt", words, "text/plain"))
    assert reply.ephemeral and not reply.custom_ids()
    assert ("I found no speakers, no date, no venue or registration notice and no "
            "takeaways in this page, so it doesn't look like an event page") in reply.content
    assert world.dump() == before


async def test_an_expired_preview_says_so_and_writes_nothing(world, fake):
    before = world.dump()
    preview = await preview_of(world, page=page("Expired Forum"))
    button = import_button(preview)
    await preview.wait(lambda r: not r.custom_ids(), timeout=PREVIEW_SECONDS + 10)
    assert preview.content == EXPIRED
    # A client still showing the old buttons (or a click after a restart) is told so.
    late = await fake.click(world.guild, world.moderator, preview.message, button,
                            forged=True)
    await late.wait(lambda r: r.content == EXPIRED)
    assert world.dump() == before


async def test_a_slow_page_does_not_push_the_previews_expiry_later(world, fake):
    """The preview's time counts from the command: its expiry edits the command's reply,
    whose token Discord honours for 15 minutes from the command, however long the page
    took to read."""
    with PageServer() as server:
        server.add("/event.html", (WEB_PAGES / "forum_cards.html").read_bytes())
        started = time.monotonic()
        preview = await preview_of(world, url=server.url("/late/3/event.html"))
        shown = time.monotonic() - started
        await preview.wait(lambda r: not r.custom_ids(), timeout=PREVIEW_SECONDS + 10)
        expired = time.monotonic() - started
    print(f"figures: shown after {shown:.1f} s, expired after {expired:.1f} s")
    assert shown >= 3 and preview.content == EXPIRED
    assert expired < PREVIEW_SECONDS + 2  # from the page's arrival it would be 3 + 4 s


async def test_a_moderator_has_a_few_pages_read_at_once_however_many_they_send(world, fake):
    """Each import is fetched and read before its preview, on the few threads and
    processes every server's pages are read on: one moderator sending the command again
    and again (scripted, or a key held down) held a page each in memory and queued them
    all there, for every other server to wait behind. Past PER_MODERATOR being read,
    the next is refused at once in one line; a moderator's later import is read again."""
    with PageServer() as server:
        server.add("/event.html", (WEB_PAGES / "forum_cards.html").read_bytes())
        url = server.url("/late/2/event.html")
        replies = await asyncio.gather(*(
            fake.slash(world.guild, world.moderator, "manage import", url=url, timeout=20)
            for _ in range(PER_MODERATOR + 3)))
    refused = [r for r in replies if not import_button(r)]
    assert len(replies) - len(refused) == PER_MODERATOR
    assert {r.content for r in refused} == {
        f"⚠️ You already have {PER_MODERATOR} pages being read for /manage import; import "
        "this one once their previews are shown."}
    await preview_of(world, page=page("Read After Forum"))


async def test_a_preview_from_before_a_restart_says_it_expired(world, fake):
    before = world.dump()
    preview = await preview_of(world, page=page("Restarted Forum"))
    await world.restart_bot()
    late = await fake.click(world.guild, world.moderator, preview.message,
                            import_button(preview))
    await late.wait(lambda r: r.content == EXPIRED and not r.custom_ids())
    await asyncio.sleep(0.2)
    assert world.dump() == before


async def test_a_title_that_cannot_be_an_events_is_refused_before_the_page_is_read(world, fake):
    """The `title` option had no length of its own, unlike `venue`: Discord took a title
    of any length, and the bot downloaded and read the page (a slow site's, a large file)
    before it refused the title as too long; one of spaces alone was refused as late. Now
    Discord's client takes no more than an event's title can be, and a title that shows
    nothing is refused before the page is asked for: here, a page no longer there."""
    before = world.dump()
    with pytest.raises(ValueError, match="option 'title' takes 1 to 200 characters"):
        await fake.slash(world.guild, world.moderator, "manage import",
                         page=page("Long Title Forum"), title="T" * 201)
    refused = await fake.slash(world.guild, world.moderator, "manage import",
                               page=page("Blank Title Forum"), title="   ",
                               mutate=file_gone)
    assert refused.ephemeral and refused.content == "⚠️ Title must be some text.", refused
    assert world.dump() == before


async def test_a_page_edited_to_say_registration_has_closed_closes_it_once(world, fake):
    """The organisers close registration on their page, and a moderator imports the page
    again: registration closes in the server as it does for an event first imported from
    such a page, and the channel is told why. Before, the import saved the page and left
    registration open. Reopened by a moderator afterwards, it stays open when the same
    page is imported again: that news was heard already."""
    title = "Closing Forum"
    event_id = await world.import_event(title, capacity=5)
    closed_page = page(title, OPEN_ANNOUNCEMENT + b"\n\nRegistration is now closed.")
    done = await import_page(fake, world.guild, world.moderator, page=closed_page,
                             event=str(event_id))
    assert f"Added the announcement to **{title}** (event {event_id})" in done.content
    assert "registration closed." in done.content, done.content
    refused = await fake.slash(world.guild, world.member(), "rsvp join", event=str(event_id))
    assert ("registration is closed: the event page says registration has closed"
            in refused.content), refused.content
    channel = world.guild.channel("announcements")
    said = f"Registration for **{title}** is now closed, as its event page says."
    await until(lambda: any(m["content"] == said for m in fake.messages(channel)),
                what="the closing's notice posted")

    await fake.slash(world.guild, world.moderator, "manage open", event=str(event_id))
    again = await import_page(fake, world.guild, world.moderator, page=closed_page,
                              event=str(event_id))
    assert "registration open." in again.content, again.content
    joined = await fake.slash(world.guild, world.member(), "rsvp join", event=str(event_id))
    assert "You're confirmed" in joined.content, joined.content
    assert sum(m["content"] == said for m in fake.messages(channel)) == 1
