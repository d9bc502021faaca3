"""The commands and their refusals in the member's language, through the real bot process
and the local Discord: a Chinese client reads Chinese, an English one the English."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime

import pytest

from sandbox import Attachment
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_button

pytestmark = pytest.mark.asyncio(loop_scope="module")

HAN = re.compile(r"[\u4e00-\u9fff]")


async def test_a_bad_event_reference_is_refused_in_the_members_language(world, fake):
    english = world.member("reader", locale="en-US")
    simplified = world.member("读者", locale="zh-CN")
    traditional = world.member("讀者", locale="zh-TW")
    replies = {}
    for member in (english, simplified, traditional):
        replies[member.user.locale] = await fake.slash(world.guild, member, "rsvp join",
                                                       event="No Such Talk")
    assert all(r.ephemeral and r.content.startswith("⚠️") for r in replies.values()), replies
    assert replies["en-US"].content.startswith(
        "⚠️ No event in this server matches 'No Such Talk'"), replies["en-US"]
    assert not HAN.search(replies["en-US"].content)
    assert replies["zh-CN"].content.startswith("⚠️ 本服务器没有与 'No Such Talk' 匹配的活动")
    assert replies["zh-TW"].content.startswith("⚠️ 本伺服器沒有與 'No Such Talk' 相符的活動")
    # The member's text is a field: kept as typed, escaped as before, in every language.
    assert replies["zh-CN"].content.endswith("。")


async def test_a_moderator_only_command_is_refused_in_the_members_language(world, fake):
    english = world.member("guest", locale="en-GB")
    chinese = world.member("访客", locale="zh-CN")
    en = await fake.slash(world.guild, english, "manage close")
    zh = await fake.slash(world.guild, chinese, "manage close")
    assert en.ephemeral and zh.ephemeral
    assert en.content == "⚠️ You need the **Manage Events** permission to do that."
    assert zh.content == "⚠️ 你需要 **管理活动** 权限才能这样做。"


async def test_a_domain_refusal_with_fields_is_translated_then_filled(world, fake):
    moderator_zh = world.member("主持", locale="zh-CN", manage_events=True)
    event_id = await world.import_event("Language Test Talk", capacity=3)
    first = await fake.slash(world.guild, moderator_zh, "manage close", event=str(event_id))
    assert not first.content.startswith("⚠️"), first
    again = await fake.slash(world.guild, moderator_zh, "manage close", event=str(event_id))
    assert again.content == "⚠️ 报名已经截止。"
    english = await fake.slash(world.guild, world.moderator, "manage close",
                               event=str(event_id))
    assert english.content == "⚠️ Registration is already closed."
    # an option a refusal names is named as the reader's client shows it
    for member, said in ((moderator_zh, "⚠️ 请指定要授予的身份组，或使用 清除 选项停止授予。"),
                         (world.member("主持人", locale="zh-TW", manage_events=True),
                          "⚠️ 請指定要授予的身分組，或使用 清除 選項停止授予。")):
        refused = await fake.slash(world.guild, member, "manage role", event=str(event_id))
        assert refused.content == said, refused.content


async def test_the_synced_commands_carry_their_chinese_names_and_descriptions(world, fake):
    commands = {c["name"]: c for c in fake.commands()}
    rsvp = commands["rsvp"]
    assert rsvp["name_localizations"] == {"zh-CN": "报名", "zh-TW": "報名"}
    assert rsvp["description_localizations"]["zh-CN"] == "预订、取消或查看你在活动中的座位"
    join = next(o for o in rsvp["options"] if o["name"] == "join")
    assert join["name_localizations"]["zh-TW"] == "加入"
    [event] = join["options"]
    assert (event["name"], event["name_localizations"]["zh-CN"]) == ("event", "活动")
    assert "en-US" not in rsvp["name_localizations"]  # English reads the names as written
    # An option named alike in two commands reads as its own meaning: a speaker's name, a zone.
    event_commands = {o["name"]: o for o in commands["event"]["options"]}
    manage = {o["name"]: o for o in commands["manage"]["options"]}
    [speaker_name, _] = event_commands["speaker"]["options"]
    [zone] = manage["timezone"]["options"]
    assert (speaker_name["name"], speaker_name["name_localizations"]["zh-CN"]) == ("name", "姓名")
    assert (zone["name"], zone["name_localizations"]) == ("zone", {"zh-CN": "时区",
                                                                   "zh-TW": "時區"})
    # a description naming a command names it as the member's client lists it
    [state] = manage["scheduled-events"]["options"]
    assert state["description_localizations"]["zh-CN"].startswith("开启：/管理 发布 会创建")
    assert state["description_localizations"]["zh-TW"].startswith("開啟：/管理 發布 會建立")


async def test_a_moderators_replies_and_preview_are_in_their_language(world, fake):
    zh_tw = world.member("版主", locale="zh-TW", manage_events=True)
    event_id = await world.import_event("Reply Language Talk", capacity=3)
    closed = await fake.slash(world.guild, zh_tw, "manage close", event=str(event_id))
    assert closed.content == "**Reply Language Talk** 的報名已關閉。"
    seats = await fake.slash(world.guild, zh_tw, "manage capacity", event=str(event_id), seats=5)
    assert seats.content.startswith("**Reply Language Talk** 現在有 5 個座位。"), seats
    english = await fake.slash(world.guild, world.moderator, "manage capacity",
                               event=str(event_id), seats=1)
    assert english.content.startswith("**Reply Language Talk** now has 1 seat."), english
    page = Attachment("talk.txt", b"Preview Language Talk\n\n" + OPEN_ANNOUNCEMENT, "text/plain")
    preview = await fake.slash(world.guild, zh_tw, "manage import", page=page)
    assert preview.ephemeral
    assert preview.content.startswith("公告預覽；按下「匯入」之前不會儲存任何內容。"), preview
    labels = [c["label"] for row in preview.message["components"] for c in row["components"]]
    assert labels == ["匯入", "取消"]
    done = await fake.click(world.guild, zh_tw, preview.message, import_button(preview))
    done = await done.wait(lambda r: not r.custom_ids() or bool(r.followups), 10)
    assert "已建立 **Preview Language Talk**（活動 " in (done.content or ""), done


async def test_an_archived_events_refusal_is_in_the_members_language(world, fake):
    event_id = await world.import_event("Archived Language Talk", capacity=3)
    archived = await fake.slash(world.guild, world.moderator, "manage archive",
                                event=str(event_id))
    assert archived.content.startswith("Archived **Archived Language Talk**"), archived
    zh = await fake.slash(world.guild, world.member("成员", locale="zh-CN"), "rsvp join",
                          event=str(event_id))
    en = await fake.slash(world.guild, world.member("member", locale="en-US"), "rsvp join",
                          event=str(event_id))
    assert zh.content == "**Archived Language Talk** 已归档：不再接受报名。"
    assert en.content == "**Archived Language Talk** is archived: it no longer takes RSVPs."


async def test_a_moderator_reads_the_bots_time_notes_and_refusals_in_their_language(world, fake):
    zh_cn = world.member("时间版主", locale="zh-CN", manage_events=True)
    no_year = Attachment("no-year.txt", b"No Year Language Talk\nFri. Oct 28, 6 PM\n\n"
                         + OPEN_ANNOUNCEMENT, "text/plain")
    preview = await fake.slash(world.guild, zh_cn, "manage import", page=no_year, capacity=5)
    note = ("注意：页面上的日期 'Oct 28' 没有年份，所以我没有设置开始时间；请用 /管理 编辑 "
            "设置。")
    assert note in preview.content, preview.content
    assert "时间：未找到日期（请提供 开始时间:，或稍后用 /管理 编辑 设置）" in preview.content
    assert "\n标记：不公开报道、使用" in preview.content  # the language's own list separator
    assert "Zhanyuan、Zhang Hongyu\n" in preview.content and ", " not in preview.content
    done = await fake.click(world.guild, zh_cn, preview.message, import_button(preview))
    done = await done.wait(lambda r: not r.custom_ids() or bool(r.followups), 10)
    assert note in (done.content or ""), done
    event_id = int(re.search(r"（活动 (\d+)）", done.content)[1])
    nobody = await fake.slash(world.guild, zh_cn, "event speaker", name="Nobody",
                              event=str(event_id))
    assert nobody.content.startswith("⚠️") and "、" in nobody.content, nobody.content
    assert ", " not in nobody.content
    names = await fake.autocomplete(world.guild, zh_cn, "event speaker", focused="name",
                                    name="Zhang Hong", event=str(event_id))
    assert [c["name"] for c in names] == ["Zhang Hongyu（评议人）"], names

    # No start yet: announced, and the Discord event it could not make is said in Chinese.
    posted = await fake.slash(world.guild, zh_cn, "manage announce", event=str(event_id))
    assert ("未创建 Discord 活动：活动还没有开始时间（请用 `/管理 编辑` 设置）。"
            in posted.content), posted.content

    # A typed time out of range names the option as the member's client shows it.
    far = await fake.slash(world.guild, zh_cn, "manage import", page=no_year,
                           starts_at="3000-01-01 10:00")
    assert far.content == ("⚠️ 开始时间 '3000-01-01 10:00' 不在 2000 年到 2100 年之间；请输入例如 "
                           '“周五下午6点”、“12月1日 18:00”或“2026-12-01 18:00”。'), far
    neither = await fake.slash(world.guild, zh_cn, "manage import")
    assert neither.content == ("⚠️ 请以文件（页面:，.txt 或 .html 文件）或网址（网址:）二选一的方式"
                               "提供页面。"), neither

    bad_url = await fake.slash(world.guild, zh_cn, "manage import", url="ftp://example.com/talk")
    assert bad_url.content == "⚠️ 请提供以 http:// 或 https:// 开头的页面网址。", bad_url

    # A far start saved by a bot from before the check: the refusal is one Chinese sentence.
    far_start = int(datetime(9999, 12, 31, 23, 0, tzinfo=UTC).timestamp())
    conn = sqlite3.connect(world.db_path)
    with conn:
        conn.execute("UPDATE events SET starts_at = ? WHERE id = ?", (far_start, event_id))
    conn.close()
    refused = await fake.slash(world.guild, zh_cn, "manage announce", event=str(event_id))
    assert refused.content == ("⚠️ No Year Language Talk 无法发布：其开始时间不在 2000 年到 2100 "
                               "年之间；请用 /管理 编辑 设置其他开始时间。"), refused.content
    english = await fake.slash(world.guild, world.moderator, "manage announce",
                               event=str(event_id))
    assert english.content == ("⚠️ No Year Language Talk can't be announced: its start is not "
                               "between the years 2000 and 2100; set another start with "
                               "/manage edit."), english.content


async def test_a_delete_questions_buttons_speak_the_moderators_language(world, fake):
    zh_cn = world.member("删除者", locale="zh-CN", manage_events=True)
    event_id = await world.import_event("Button Language Talk", capacity=3)
    asked = await fake.slash(world.guild, zh_cn, "manage delete", event=str(event_id))
    labels = [c["label"] for row in asked.message["components"] for c in row["components"]]
    assert labels == ["删除", "保留"]
    english = await fake.slash(world.guild, world.moderator, "manage delete",
                               event=str(event_id))
    assert [c["label"] for row in english.message["components"]
            for c in row["components"]] == ["Delete", "Keep it"]
