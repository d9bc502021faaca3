"""The bot speaks the reader's language, through the real bot process: replies only a
member sees follow their Discord client, what the whole server reads follows the server's
language (its preferred locale, or the one `/manage language` chose), and English members
read the settled English texts."""

from __future__ import annotations

import re
import sqlite3

import pytest

from bot.i18n import NAMES
from bot.render import CAPACITY_REACHED
from sandbox import Attachment, FakeDiscord, Guild, Member
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page

pytestmark = pytest.mark.asyncio(loop_scope="module")



async def chinese_server(world, name: str, preferred: str = "zh-CN") -> tuple[Guild, Member]:
    guild = world.fake.add_guild(name, preferred_locale=preferred)
    moderator = world.fake.add_member(guild, f"{name} mod", manage_events=True)
    await world.fake.wait_ready(process=world.bot)
    return guild, moderator


async def new_event(fake: FakeDiscord, guild: Guild, moderator: Member, title: str,
                    capacity: int) -> str:
    reply = await import_page(fake, guild, moderator, page=Attachment(
        "a.txt", title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT, "text/plain"),
        title=title, capacity=capacity)
    match = re.search(r"\(event (\d+)\)", reply.content or "")
    assert match, reply
    return match[1]


def capacity_notices(fake: FakeDiscord, guild: Guild, title: str) -> list[str]:
    return [m["content"] for m in fake.messages(guild.channel("announcements"))
            if f"**{title}**" in m["content"]]


async def test_a_chinese_member_in_a_chinese_server_reads_chinese(world, fake):
    guild, moderator = await chinese_server(world, "智库")
    title = "Deterrence Forum"
    event = await new_event(fake, guild, moderator, title, capacity=1)
    first, second = (fake.add_member(guild, name, locale="zh-CN") for name in ("李彬", "赵通"))

    info = await fake.slash(guild, first, "event info", event=event)
    assert not info.ephemeral
    fields = {f["name"]: f["value"] for f in info.embeds[0]["fields"]}
    assert fields["报名"] == "开放报名：共 1 个座位，剩余 1 个", fields
    assert info.embeds[0]["title"] == title  # the page's words stay as written

    joined = await fake.slash(guild, first, "rsvp join", event=event)
    assert joined.ephemeral and joined.content == f"你已确认报名 **{title}**。到时见！", joined
    waiting = await fake.slash(guild, second, "rsvp join", event=event)
    assert waiting.content == (f"座位已满：你已进入 **{title}** 的候补名单（第 1 位）。"
                               "有空位时会私信通知你。"), waiting
    status = await fake.slash(guild, second, "rsvp status", event=event)
    assert status.content == f"你在 **{title}** 的候补名单中（第 1 位）。", status

    # The capacity notice, for everyone, is in the server's language.
    notice = await fake.wait_message(guild.channel("announcements"),
                                     lambda m: f"**{title}**" in m["content"])
    assert "报名人数已达到场地容量，报名现已截止。" in notice["content"], notice

    # A refusal is in Chinese too, with the moderator's reason as they wrote it.
    await fake.slash(guild, moderator, "manage close", event=event, reason="room moved")
    refused = await fake.slash(guild, fake.add_member(guild, "王", locale="zh-CN"),
                               "rsvp join", event=event)
    assert refused.ephemeral and refused.content == (
        f"你无法报名 **{title}**：报名已截止：room moved。"), refused


async def test_a_page_that_says_registration_has_closed_says_why_in_the_readers_language(
        world, fake):
    """The reason saved with an event whose page said registration had closed is the
    bot's own: a Chinese reader read it in English inside a Chinese sentence."""
    guild, moderator = await chinese_server(world, "闭馆")
    title = "Closed Forum"
    reply = await import_page(fake, guild, moderator, page=Attachment(
        "a.txt", title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT + "\n\n报名已截止。".encode(),
        "text/plain"), title=title, capacity=5)
    event = re.search(r"\(event (\d+)\)", reply.content)[1]
    refused = await fake.slash(guild, fake.add_member(guild, "李", locale="zh-CN"),
                               "rsvp join", event=event)
    assert refused.content == (f"你无法报名 **{title}**：报名已截止：活动页面显示报名已截止。"), (
        refused.content)
    info = await fake.slash(guild, moderator, "event info", event=event)
    fields = {f["name"]: f["value"] for f in info.embeds[0]["fields"]}
    assert fields["报名"] == "已截止：活动页面显示报名已截止", fields
    english = await fake.slash(guild, fake.add_member(guild, "Ann"), "rsvp join", event=event)
    assert english.content.endswith(
        "registration is closed: the event page says registration has closed."), english


async def test_an_english_member_in_a_chinese_server_reads_english_replies(world, fake):
    guild, moderator = await chinese_server(world, "研究所")
    title = "Arms Control Seminar"
    event = await new_event(fake, guild, moderator, title, capacity=1)
    english, other = fake.add_member(guild, "ann"), fake.add_member(guild, "bob")

    joined = await fake.slash(guild, english, "rsvp join", event=event)
    assert joined.content == f"You're confirmed for **{title}**. See you there!", joined
    waiting = await fake.slash(guild, other, "rsvp join", event=event)
    assert "waitlisted (position 1)" in waiting.content, waiting
    status = await fake.slash(guild, english, "rsvp status", event=event)
    assert status.content == f"You're confirmed for **{title}**.", status
    mine = await fake.slash(guild, english, "rsvp mine")
    assert mine.ephemeral and "· confirmed" in mine.content, mine
    # What the whole server sees stays in the server's language, whoever asked.
    info = await fake.slash(guild, english, "event info", event=event)
    assert "报名" in {f["name"] for f in info.embeds[0]["fields"]}, info.embeds


async def test_english_members_read_the_settled_english_texts(world, fake):
    title = "Settled Words Talk"
    event = str(await world.import_event(title, capacity=1))
    first, second, third = (world.member(name) for name in ("en1", "en2", "en3"))
    assert "confirmed" in (await fake.slash(world.guild, first, "rsvp join", event=event)).content
    waiting = await fake.slash(world.guild, second, "rsvp join", event=event)
    assert "waitlisted (position 1)" in waiting.content, waiting
    status = await fake.slash(world.guild, third, "rsvp status", event=event)
    assert status.content == f"You're not registered for **{title}**.", status
    notice = await fake.wait_message(world.guild.channel("announcements"),
                                     lambda m: f"**{title}**" in m["content"])
    assert notice["content"] == (f"**{title}**\n{CAPACITY_REACHED} Members who join now go "
                                 "on the waitlist."), notice


@pytest.mark.parametrize(("preferred", "why"), [
    ("en-GB", "the server's language in Discord"),
    ("zh-TW", "the server's language in Discord"),
    ("fr", "as the bot does not speak the server's language in Discord"),
    ("pt-BR", "as the bot does not speak the server's language in Discord"),
])
async def test_the_language_setting_says_whether_it_is_the_servers_or_the_fallback(
        world, fake, preferred, why):
    guild, moderator = await chinese_server(world, f"Setting {preferred}", preferred=preferred)
    shown = await fake.slash(guild, moderator, "manage language")
    name = NAMES[preferred] if preferred in NAMES else NAMES["en-US"]
    assert shown.ephemeral and shown.content == (
        f"The bot's posts in this server are in **{name}**, {why}; choose another with "
        "`/manage language`."), shown


async def test_the_capacity_notice_follows_the_language_a_moderator_chooses(world, fake):
    guild, moderator = await chinese_server(world, "Switch Server", preferred="en-US")
    member = fake.add_member(guild, "switcher", locale="zh-CN")
    shown = await fake.slash(guild, moderator, "manage language")
    assert shown.ephemeral and NAMES["en-US"] in shown.content, shown

    before = "Before Switch Talk"
    event = await new_event(fake, guild, moderator, before, capacity=1)
    announced = await fake.slash(guild, moderator, "manage announce", event=event,
                                 channel=guild.channel("announcements"))
    assert "Posted" in announced.content, announced
    await fake.slash(guild, member, "rsvp join", event=event)
    notice = await fake.wait_message(guild.channel("announcements"),
                                     lambda m: f"**{before}**" in m["content"])
    assert CAPACITY_REACHED in notice["content"], notice

    def fields(message: dict) -> dict[str, str]:
        return {f["name"]: f["value"] for embed in message["embeds"]
                for f in embed.get("fields", [])}

    # The announcement shows the join (in English) before the language changes.
    await fake.wait_message(guild.channel("announcements"),
                            lambda m: fields(m).get("Registration", "").startswith("Full"))

    chosen = await fake.slash(guild, moderator, "manage language", language="zh-CN")
    assert chosen.ephemeral and NAMES["zh-CN"] in chosen.content, chosen
    # The announcement already posted is shown again in the server's new language.
    await fake.wait_message(guild.channel("announcements"), lambda m: "报名" in fields(m))
    after = "After Switch Talk"
    await fake.slash(guild, member, "rsvp join",
                     event=await new_event(fake, guild, moderator, after, capacity=1))
    notice = await fake.wait_message(guild.channel("announcements"),
                                     lambda m: f"**{after}**" in m["content"])
    assert "报名人数已达到场地容量" in notice["content"], notice
    assert CAPACITY_REACHED not in notice["content"]
    shown = await fake.slash(guild, moderator, "manage language")
    assert NAMES["zh-CN"] in shown.content and "/manage language" in shown.content, shown
    # Only moderators choose it.
    refused = await fake.slash(guild, member, "manage language", language="en-GB")
    # (the refusal is the member's own: in their client's Chinese)
    assert refused.ephemeral and "管理活动" in refused.content, refused
    assert world.query("SELECT language FROM guild_settings WHERE guild_id = ?",
                       (guild.id,)) == [("zh-CN",)]


@pytest.mark.parametrize(("preferred", "posts_in"), [("zh-TW", "zh-TW"), ("fr", "en-US")])
async def test_a_moderator_can_go_back_to_the_servers_language_in_discord(
        world, fake, preferred, posts_in):
    """A choice made with `/manage language` could be changed but never undone: the
    server's language in Discord no longer counted."""
    guild, moderator = await chinese_server(world, f"Undo {preferred}", preferred=preferred)
    event = await new_event(fake, guild, moderator, f"Undo Talk {preferred}", capacity=5)
    chosen = await fake.slash(guild, moderator, "manage language", language="en-GB")
    assert NAMES["en-GB"] in chosen.content, chosen

    undone = await fake.slash(guild, moderator, "manage language", language="discord")
    assert undone.ephemeral and undone.content.startswith(
        "The bot's posts in this server now follow the server's language in Discord: "
        f"**{NAMES[posts_in]}**."), undone
    assert ("posts in English" in undone.content) is (posts_in != preferred)
    assert world.query("SELECT language FROM guild_settings WHERE guild_id = ?",
                       (guild.id,)) == [(None,)]
    shown = await fake.slash(guild, moderator, "manage language")
    assert "the server's language in Discord" in shown.content, shown
    info = await fake.slash(guild, fake.add_member(guild, f"reader {preferred}"), "event info",
                            event=event)
    names = {f["name"] for embed in info.embeds for f in embed.get("fields", [])}
    assert ("報名" in names) is (posts_in == "zh-TW"), names


async def test_a_dm_outside_an_interaction_is_in_the_members_last_language(world, fake):
    title = "Promotion Forum"
    event = str(await world.import_event(title, capacity=1))
    seated, waiting = world.member("seated"), world.member("等候", locale="zh-TW")
    await fake.slash(world.guild, seated, "rsvp join", event=event)
    queued = await fake.slash(world.guild, waiting, "rsvp join", event=event)
    assert "候補名單" in queued.content, queued
    # After a restart the bot has not seen them since: their locale comes from the store.
    await world.restart_bot()
    assert world.query("SELECT locale FROM member_locales WHERE user_id = ?",
                       (waiting.id,)) == [("zh-TW",)]
    await fake.slash(world.guild, seated, "rsvp cancel", event=event)
    dm = await fake.wait_message(fake.dm_channel(waiting), lambda m: title in m["content"])
    assert dm["content"].startswith("好消息"), dm


async def test_a_dm_to_a_member_whose_language_was_never_recorded_is_in_the_servers(
        world, fake):
    """A member who joined before the bot recorded members' languages (a database of an
    earlier version), or whose record was lost, got their promotion DM in English in a
    Chinese server: the bot fell back to its source language, not to the server's."""
    guild, moderator = await chinese_server(world, "候补席")
    title = "Unrecorded Forum"
    event = await new_event(fake, guild, moderator, title, capacity=1)
    seated = fake.add_member(guild, "seated2")
    waiting = fake.add_member(guild, "候补", locale="zh-CN")
    await fake.slash(guild, seated, "rsvp join", event=event)
    await fake.slash(guild, waiting, "rsvp join", event=event)
    await world.bot.stop()  # (writes the languages it saw)
    conn = sqlite3.connect(world.db_path)
    with conn:
        conn.execute("DELETE FROM member_locales WHERE user_id = ?", (waiting.id,))
    conn.close()
    world.start_bot()
    await fake.wait_ready(process=world.bot)
    await fake.slash(guild, seated, "rsvp cancel", event=event)
    dm = await fake.wait_message(fake.dm_channel(waiting), lambda m: title in m["content"])
    assert dm["content"].startswith("好消息"), dm


def labels(message: dict) -> list[str]:
    return [c["label"] for row in message["components"] for c in row["components"]]


async def test_an_announcements_buttons_are_in_the_servers_language_in_every_state(world,
                                                                                  fake):
    """The embed was in the server's language and its buttons in English, posted, full,
    and cancelled alike."""
    guild, moderator = await chinese_server(world, "按鈕", preferred="zh-TW")
    channel = guild.channel("announcements")
    event = await new_event(fake, guild, moderator, "Button Forum", capacity=1)
    await fake.slash(guild, moderator, "manage announce", event=event, channel=channel)
    posted = await fake.wait_message(channel, lambda m: bool(m["embeds"]))
    assert labels(posted) == ["加入", "取消我的報名"], labels(posted)
    await fake.slash(guild, fake.add_member(guild, "陳", locale="zh-TW"), "rsvp join",
                     event=event)
    full = await fake.wait_message(channel, lambda m: m["id"] == posted["id"]
                                   and labels(m)[0] != "加入")
    assert labels(full) == ["加入候補名單", "取消我的報名"], labels(full)
    asked = await fake.slash(guild, moderator, "manage delete", event=event)
    confirm, _ = asked.custom_ids()
    await fake.click(guild, moderator, asked.message, confirm)
    ended = await fake.wait_message(channel, lambda m: m["id"] == posted["id"] and all(
        c.get("disabled") for row in m["components"] for c in row["components"]))
    assert labels(ended) == ["加入", "取消我的報名"], labels(ended)


async def test_chinese_replies_join_sentences_and_durations_as_chinese_is_written(world,
                                                                                  fake):
    """No space after 。 between two sentences, and "1 天和 1 小时" with its numbers set
    apart as the rest of the catalog sets them."""
    guild, importer = await chinese_server(world, "间距")
    moderator = fake.add_member(guild, "主持", manage_events=True, locale="zh-CN")
    event = await new_event(fake, guild, importer, "Spacing Forum", capacity=1)
    for name in ("甲", "乙"):
        await fake.slash(guild, fake.add_member(guild, name, locale="zh-CN"), "rsvp join",
                         event=event)
    raised = await fake.slash(guild, moderator, "manage capacity", seats=2, event=event)
    assert raised.content == ("**Spacing Forum** 现在有 2 个座位。"
                              "1 名成员从候补名单转为正式座位。"), raised.content
    # typed on a Chinese keyboard: a full-width comma
    reminders = await fake.slash(guild, moderator, "manage reminders", minutes="1440，60")
    assert "开始前 1 天和 1 小时（" in reminders.content, reminders.content


@pytest.mark.parametrize(("locale", "clock"), [
    ("en-US", r"\d{1,2}:\d{2}\s[AP]M"),  # 6:05 PM
    ("en-GB", r"\d{2}:\d{2}"),  # 18:05
    ("zh-TW", r"[\u4e00-\u9fff]{2}\d{1,2}:\d{2}"),  # 下午6:05, 凌晨2:05
])
async def test_the_time_a_new_timezone_shows_is_written_as_the_moderators_language_writes_it(
        world, fake, locale, clock):
    """/manage timezone tells the time it is there now, to check the zone by: it was on the
    24-hour clock in every language ("it is 18:05 there now"), which an American reads
    as 6:05 PM and a Taiwanese as 下午6:05."""
    moderator = world.member(locale=locale, manage_events=True)
    try:
        set_to = await fake.slash(world.guild, moderator, "manage timezone", zone="Asia/Tokyo")
        said = re.search(r"(?:it is|現在是) (.+?) ?(?:there now|）)", set_to.content or "")
        assert said and re.fullmatch(clock, said[1]), set_to.content
    finally:
        await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC")
