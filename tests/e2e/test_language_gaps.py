"""What members and moderators type in their own language and script, through the real bot
process and the local Discord: each found as the same thing typed the way the bot's
examples and English readers type it."""

from __future__ import annotations

import pytest

from sandbox import Attachment
from tests.e2e.conftest import OPEN_ANNOUNCEMENT
from tests.e2e.test_bot import sample_event, text_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


async def test_an_event_id_typed_in_full_width_digits_names_the_event(world, fake):
    """A Chinese keyboard in full-width mode types "１２" for 12: autocomplete offers the
    event for it, so the same text sent as typed must name it too, not be refused."""
    member = world.member("全角", locale="zh-CN")
    event_id = await world.import_event("Full Width Id Talk", capacity=5)
    typed = str(event_id).translate(FULL_WIDTH_DIGITS)
    offered = await fake.autocomplete(world.guild, member, "event info", focused="event",
                                      event=typed)
    assert [c["value"] for c in offered] == [str(event_id)], offered
    info = await fake.slash(world.guild, member, "event info", event=typed)
    assert not (info.content or "").startswith("⚠️"), info.content
    assert info.embeds and info.embeds[0]["title"] == "Full Width Id Talk", info


@pytest.mark.parametrize("question", ["满了吗", "額滿了嗎", "还有空位吗", "還有位子嗎"])
async def test_a_chinese_question_whether_the_event_is_full_is_answered_with_its_seats(
        world, fake, question):
    """"is it full" gets the event's registration line; the same question in Chinese (满了,
    額滿 as Taiwan writes a full house, 空位, 位子) got no fact at all: a refusal to ask
    with words about the event, or "nothing in the pages matches"."""
    member = world.member(locale="zh-TW")
    event_id = str(await world.import_event(f"Seats Question Talk {question}", capacity=5))
    english = await fake.slash(world.guild, member, "event ask", question="is it full",
                               event=event_id)
    assert "5 of 5 seats left" in text_of(english), text_of(english)
    asked = await fake.slash(world.guild, member, "event ask", question=question,
                             event=event_id)
    assert "5 of 5 seats left" in text_of(asked), text_of(asked)


async def test_a_taiwanese_page_dated_in_the_minguo_calendar_gives_its_start(world, fake):
    """Taiwan writes years in the Minguo (民國) calendar: 民國115年 is 2026. The preview
    told the moderator the page gave no year for its date, and left the start unset."""
    moderator = world.member("匯入者", locale="zh-TW", manage_events=True)
    page = ("國防論壇\n\n時間：民國115年12月8日（二）下午2:00-4:00\n地點：台北\n\n".encode()
            + OPEN_ANNOUNCEMENT)
    preview = await fake.slash(world.guild, moderator, "manage import",
                               page=Attachment("roc.txt", page, "text/plain"))
    assert preview.content.startswith("公告預覽"), preview.content
    assert "沒有年份" not in preview.content, preview.content  # it gives one: 民國115年
    assert "未找到日期" not in preview.content, preview.content
    assert "\n時間：<t:" in preview.content, preview.content  # 2026-12-08, 14:00 to 16:00


@pytest.mark.parametrize("typed", ["明日下午3点", "明日晚上8點"])
async def test_a_start_typed_with_mingri_is_read_as_tomorrow(world, fake, typed):
    """明日 is how written Chinese (and many a notice) says tomorrow, as 明天 is: "明天下午3点"
    was read, "明日下午3点" refused as no time at all."""
    moderator = world.member(locale="zh-CN", manage_events=True)
    preview = await fake.slash(world.guild, moderator, "manage import", page=Attachment(
        "a.txt", b"Mingri Talk\n\n" + OPEN_ANNOUNCEMENT, "text/plain"), starts_at=typed)
    assert not preview.content.startswith("⚠️"), preview.content
    assert "<t:" in preview.content, preview.content


@pytest.mark.parametrize("typed", ["大後天下午3點", "三天後晚上8點", "下個月8號下午3點"])
async def test_a_start_typed_in_days_from_now_or_next_months_day_is_read(world, fake, typed):
    """"大后天" (in three days), "三天后" (three days on) and "下个月8号" (the 8th of next
    month) were refused as no time at all."""
    moderator = world.member(locale="zh-TW", manage_events=True)
    preview = await fake.slash(world.guild, moderator, "manage import", page=Attachment(
        "a.txt", b"Days On Talk\n\n" + OPEN_ANNOUNCEMENT, "text/plain"), starts_at=typed)
    assert not preview.content.startswith("⚠️"), preview.content
    assert "<t:" in preview.content, preview.content


ACCENTED_PAGE = """Café Diplomacy Forum

José Ramírez will moderate a discussion with Zoë Müller and James O’Neill on arms control.

José Ramírez
José Ramírez is a senior fellow at the institute.

Zoë Müller
Zoë Müller is a researcher in Berlin.

James O’Neill
James O’Neill is a former diplomat.

Registration is open.
""".encode()


async def test_accented_and_curly_quoted_names_are_found_as_a_plain_keyboard_types_them(
        world, fake):
    """Pages write "José Ramírez", "Zoë Müller" and "O’Neill" (a curly apostrophe); members
    type "Jose Ramirez", "Zoe" and "O'Neill". The bot folds width, case and script (趙通
    finds 赵通), but not accents or apostrophes: each found nobody."""
    member = world.member("keyboard")
    event_id = str(await world.import_event("Café Diplomacy Forum", capacity=5,
                                            page=ACCENTED_PAGE))
    for typed, person in (("Jose", "José Ramírez"), ("Zoe Muller", "Zoë Müller"),
                          ("O'Neill", "James O’Neill")):
        offered = await fake.autocomplete(world.guild, member, "event speaker",
                                          focused="name", name=typed, event=event_id)
        assert [c["value"] for c in offered] == [person], (typed, offered)
    bio = await fake.slash(world.guild, member, "event speaker", name="Jose Ramirez",
                           event=event_id)
    assert not (bio.content or "").startswith("⚠️"), bio.content
    events = await fake.autocomplete(world.guild, member, "rsvp join", focused="event",
                                     event="Cafe Diplomacy")
    assert [c["value"] for c in events] == [event_id], events


async def test_a_pinyin_name_typed_family_name_first_finds_the_person(world, fake):
    """Pinyin puts the family name first or last: the sample page's "Tong Zhao (赵通)" is
    "Zhao Tong" to a Chinese reader, and that found nobody, nor did "Bin Li"."""
    member = world.member("family name first")
    sample = sample_event(world)
    for typed, person in (("Zhao Tong", "Tong Zhao (赵通)"), ("bin li", "Li Bin (李彬)")):
        offered = await fake.autocomplete(world.guild, member, "event speaker",
                                          focused="name", name=typed, event=sample)
        assert [c["value"] for c in offered] == [person], (typed, offered)
        bio = await fake.slash(world.guild, member, "event speaker", name=typed,
                               event=sample)
        assert f"**{person}**" in text_of(bio), text_of(bio)


@pytest.mark.parametrize(("typed", "zone"), [("台北", "Asia/Taipei"), ("北京", "Asia/Shanghai"),
                                             ("上海", "Asia/Shanghai"), ("香港", "Asia/Hong_Kong"),
                                             ("柏林", "Europe/Berlin"),
                                             ("雪梨", "Australia/Sydney"),
                                             ("溫哥華", "America/Vancouver"),
                                             ("廣州", "Asia/Shanghai"), ("德里", "Asia/Kolkata")])
async def test_a_chinese_moderator_finds_their_timezone_by_its_place(world, fake, typed, zone):
    """/manage timezone's list is of IANA names in English: a moderator typing their city
    in Chinese was offered nothing; 柏林 was offered Europe/Paris (CET's home) alone, and
    温哥华, 悉尼, 广州 nothing. The place typed whole comes first ("德里" is also in 马德里)."""
    moderator = world.member(locale="zh-TW", manage_events=True)
    offered = await fake.autocomplete(world.guild, moderator, "manage timezone",
                                      focused="zone", zone=typed)
    assert [c["value"] for c in offered][:1] == [zone], offered


async def test_a_zone_the_bot_reads_in_typed_times_is_taken_by_manage_timezone(world, fake):
    """"北京时间" and "台北時間" are read as zones in a typed time or a page ("晚上8点 北京时间"),
    but /manage timezone refused them as "not a timezone I know"."""
    moderator = world.member(locale="zh-CN", manage_events=True)
    try:
        for typed, zone in (("北京时间", "Asia/Shanghai"), ("台北時間", "Asia/Taipei"),
                            ("柏林", "Europe/Berlin"), ("墨爾本", "Australia/Melbourne")):
            set_to = await fake.slash(world.guild, moderator, "manage timezone", zone=typed)
            assert not set_to.content.startswith("⚠️"), set_to.content
            assert f"**{zone}**" in set_to.content, set_to.content
    finally:
        await fake.slash(world.guild, world.moderator, "manage timezone", zone="UTC")


async def test_the_zones_on_an_offset_are_listed_with_the_readers_separator(world, fake):
    """The refusal of an offset several places are on listed them "Asia/Colombo,
    Asia/Kolkata" inside a Chinese sentence, where the same catalog lists its own example
    zones with 、."""
    moderator = world.member(locale="zh-CN", manage_events=True)
    refused = await fake.slash(world.guild, moderator, "manage timezone", zone="UTC+5:30")
    assert refused.content.startswith("⚠️ UTC+5:30"), refused.content
    assert "Asia/Colombo、Asia/Kolkata" in refused.content, refused.content


INITIALLED_PAGE = b"""A talk on arms control verification.

William J. Perry will moderate a discussion with Rose E. Gottemoeller.

William J. Perry

William J. Perry is a former secretary of defense.

Rose E. Gottemoeller

Rose E. Gottemoeller is a former deputy secretary general.

Registration is open.
"""


async def test_a_name_typed_without_its_middle_initial_finds_the_person(world, fake):
    """A page writes "William J. Perry"; a member (and the other page of a bilingual
    event) writes "William Perry". The speaker's lookup found nobody and the autocomplete
    offered nobody, though the importer already counts the two as one person."""
    member = world.member("no initials")
    event_id = str(await world.import_event("Verification Talk", capacity=5,
                                            page=INITIALLED_PAGE))
    for typed, person in (("William Perry", "William J. Perry"),
                          ("rose gottemoeller", "Rose E. Gottemoeller")):
        offered = await fake.autocomplete(world.guild, member, "event speaker",
                                          focused="name", name=typed, event=event_id)
        assert [c["value"] for c in offered] == [person], (typed, offered)
        bio = await fake.slash(world.guild, member, "event speaker", name=typed,
                               event=event_id)
        assert f"**{person}**" in text_of(bio), text_of(bio)


async def test_a_name_typed_with_a_title_finds_the_person(world, fake):
    """Members write the titles the pages write: "Dr. Li Bin", "prof li bin", "李彬教授".
    The importer keeps names without them ("Li Bin (李彬)"), and a name typed with one
    found nobody, in the lookup and in the autocomplete."""
    member = world.member("titled")
    sample = sample_event(world)
    for typed in ("Dr. Li Bin", "prof li bin", "Professor Li Bin", "李彬教授", "李彬 教授"):
        offered = await fake.autocomplete(world.guild, member, "event speaker",
                                          focused="name", name=typed, event=sample)
        assert [c["value"] for c in offered] == ["Li Bin (李彬)"], (typed, offered)
        bio = await fake.slash(world.guild, member, "event speaker", name=typed,
                               event=sample)
        assert "**Li Bin (李彬)**" in text_of(bio), text_of(bio)
