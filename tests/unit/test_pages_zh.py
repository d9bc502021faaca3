"""Chinese and bilingual event pages (bot/pages.py with bot/pages_zh.py): the synthetic
pages in tests/unit/pages/ and each variation of GUIDE.md §5 on its own."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import InvalidValue
from bot.i18n import language
from bot.pages import MAX_PAGE_BYTES, Page, Person, Takeaway, decode_page, parse_page
from bot.when import read_page_when
from tests.conftest import ANNOUNCEMENT, SAMPLE_DIR
from tests.traditional import traditional

PAGES = Path(__file__).parent / "pages"
ZH_ANNOUNCEMENT = (PAGES / "zh_announcement.txt").read_text(encoding="utf-8")
# The same page as Taiwan writes it: traditional characters, 報導, 同步口譯, 與談人.
ZH_TW_ANNOUNCEMENT = (PAGES / "zh_tw_announcement.txt").read_text(encoding="utf-8")
ZH_RECAP = (PAGES / "zh_recap.txt").read_text(encoding="utf-8")
BILINGUAL = (PAGES / "bilingual.txt").read_text(encoding="utf-8")
INTRO = "随着大国竞争加剧，传统的核军控框架面临前所未有的压力。\n\n"


def roles(page: Page) -> dict[str, str]:
    return {p.name: p.role for p in page.people}


def bios(page: Page) -> dict[str, str]:
    return {p.name: p.bio for p in page.people}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- the synthetic pages ---------------------------------------------------------------


def test_chinese_announcement():
    page = parse_page(ZH_ANNOUNCEMENT)
    assert page.kind == "announcement"
    assert page.title == "核军控的未来：大国竞争时代的战略稳定"
    assert page.date_text == "2026年12月1日（星期二） 下午6点"  # the time line joins the date
    assert page.location == "北京"
    assert page.registration_closed and page.off_the_record
    assert (page.language, page.translation) == ("Chinese", "English")
    assert page.description == (
        "随着大国竞争加剧，传统的核军控框架面临前所未有的压力。本次研讨会将邀请中外学者，"
        "探讨新技术对战略稳定的影响，以及中美两国如何在分歧中管控风险。")
    assert page.people == (
        Person("赵通", "moderator",
               "赵通是卡内基—清华全球政策中心研究员，主要研究核军控与战略稳定。"),
        Person("陈思远", "speaker",
               "陈思远现任清华大学战略与安全研究中心主任。\n\n他曾在外交部军控司工作多年。"),
        Person("李彬", "speaker", "李彬是清华大学国际关系学系教授。"),
        Person("王海燕", "speaker", "王海燕，中国社会科学院美国研究所研究员，长期关注美国核政策。"),
        # their titles after their names on the role's line
        Person("刘明轩", "discussant", "中国人民大学国际关系学院副教授"),
        Person("Jane Doe", "discussant", "卡内基国际和平研究院高级研究员"),
    )
    assert page.moderator == "赵通"
    assert page.takeaways == () and page.access_notes == () and page.skipped == ()


def test_a_page_in_traditional_characters_reads_as_its_simplified_twin():
    page, twin = parse_page(ZH_TW_ANNOUNCEMENT), parse_page(ZH_ANNOUNCEMENT)
    # What the page says, as written
    assert page.title == "核軍控的未來：大國競爭時代的戰略穩定"
    assert page.date_text == "2026年12月1日（星期二） 下午6點至8點"  # the time line joins the date
    assert page.location == "北京"
    assert page.description.startswith("隨著大國競爭加劇，傳統的核軍控框架")
    assert [(p.name, p.role) for p in page.people] == [
        ("趙通", "moderator"), ("陳思遠", "speaker"), ("李彬", "speaker"), ("王海燕", "speaker"),
        ("劉明軒", "discussant"), ("Jane Doe", "discussant")]
    assert bios(page)["陳思遠"] == (
        "陳思遠現任清華大學戰略與安全研究中心主任。\n\n他曾在外交部軍控司工作多年。")
    # ... and what it means, as its simplified twin
    assert (page.kind, page.registration_closed, page.off_the_record, page.language,
            page.translation, page.access_notes, page.takeaways, page.skipped) == (
        twin.kind, twin.registration_closed, twin.off_the_record, twin.language,
        twin.translation, twin.access_notes, twin.takeaways, twin.skipped)
    assert page.registration_closed and page.off_the_record and page.language == "Chinese"
    assert [p.role for p in page.people] == [p.role for p in twin.people]


def test_a_skipped_paragraph_is_named_in_the_readers_language():
    [skipped] = parse_page(ZH_ANNOUNCEMENT + "\n会后提供茶点，欢迎交流。").skipped
    assert str(skipped) == 'skipped paragraph: "会后提供茶点，欢迎交流。"'  # the CLI's English
    assert language("zh-CN").text(skipped) == "段落：“会后提供茶点，欢迎交流。”"
    assert language("zh-TW").text(skipped) == "段落：「会后提供茶点，欢迎交流。」"


# --- the page's own furniture: its breadcrumb, photo captions and links to other articles


FURNITURE = [
    "当前位置：首页 > 新闻动态 > 正文",
    "您的位置：首页 » 中心动态 » 活动预告",
    "您现在的位置：学术活动 > 讲座",
    "首页 > 新闻动态 > 核军控的未来",
    "首页>中心动态",
    "图为研讨会现场",
    "上图为与会专家合影。",
    "（摄影：张三）",
    "(摄影/张三 李四)",
    "图片来源：新华社",
    "（供稿：李彬　审核：赵通）",
    "责任编辑：王芳",
    "研讨会现场",
    "与会嘉宾合影留念",
    "上一篇：中心举办第五届青年学者论坛",
    "下一篇：没有了",
    "上一篇：中心举办青年学者论坛 下一篇：张伟教授应邀出席国际会议",
]
# Each other wording of a credit, a breadcrumb, a link to another article or a caption, once
# each
CREDITS = [
    "图片提供：清华大学战略与安全研究中心", "（拍摄：张三）", "图源：新华社", "图文：王芳",
    "文/图：王芳", "撰稿：李彬", "责编：王芳", "编辑：王芳", "审核：赵通", "校对：张三",
    "所在位置：首页 > 学术活动", "当前位置：网站首页",
    "上一篇文章：中心举办青年学者论坛", "下一条新闻：没有了",
    # a photo's caption naming the scene
    "讲座现场", "活动现场", "会议现场", "论坛现场", "对话现场", "座谈现场", "年会现场",
    "开幕式现场", "与会专家留影", "活动剪影",
]


@pytest.mark.parametrize("line", CREDITS)
def test_each_wording_of_a_credit_breadcrumb_link_or_caption_is_no_part_of_the_event(line):
    text = ZH_ANNOUNCEMENT
    for script in (str, traditional):
        page = parse_page(with_line(script(text), script(line), 6))
        assert page.to_dict() == parse_page(script(text)).to_dict()


def with_line(text: str, line: str, at: int) -> str:
    lines = text.split("\n")
    return "\n".join([*lines[:at], "", line, "", *lines[at:]])


@pytest.mark.parametrize("script", [str, traditional], ids=["simplified", "traditional"])
@pytest.mark.parametrize("at", [1, 6, -1], ids=["under the title", "in the intro", "at the end"])
@pytest.mark.parametrize("line", FURNITURE)
def test_the_pages_own_furniture_is_no_part_of_the_event(line, at, script):
    """A news site's breadcrumb, a photo's caption or credits, the links to the previous and
    next articles: the page reads as it does without them, wherever they stand (not in the
    description, not among the skipped lines)."""
    text = script(ZH_ANNOUNCEMENT)
    page = parse_page(with_line(text, script(line), at if at >= 0 else len(text.split("\n"))))
    assert page.to_dict() == parse_page(text).to_dict()


@pytest.mark.parametrize("script", [str, traditional], ids=["simplified", "traditional"])
@pytest.mark.parametrize("line", [
    "论坛议程已发布在中心网站首页，欢迎查阅。",  # 首页 in a sentence
    "首页上的报名链接将于11月20日关闭。",
    "上一篇文章中我们介绍了本系列讲座的缘起。",  # 上一篇 in prose
    "图为主题的展览同期开放。本次研讨会还将发布年度报告，欢迎各界人士参加。",
    "图为研讨会现场。本次研讨会由清华大学战略与安全研究中心主办，来自多所高校的学者参加。",
    "摄影爱好者也可报名参加会后的参观活动。",
    "欢迎各位莅临现场",  # a short line ending 现场 that shows no scene of the event
])
def test_prose_that_mentions_the_furniture_words_stays_the_events(line, script):
    """A sentence that mentions 首页 or 上一篇, or opens "图为…" and goes on to tell of the
    event, is the page's prose: it stays in the description."""
    text = script(ZH_ANNOUNCEMENT)
    page = parse_page(with_line(text, script(line), 6))
    assert script(line) in page.description.split("\n\n")


@pytest.mark.parametrize("script", [str, traditional], ids=["simplified", "traditional"])
def test_a_venue_line_ending_in_xianchang_is_the_events_place(script):
    page = parse_page(script("核军控的未来\n2026年12月1日 下午6点\n线下现场\n\n" + INTRO))
    assert page.location == script("线下现场")


@pytest.mark.parametrize("line", FURNITURE[:5])
def test_a_pasted_page_opening_with_its_breadcrumb_is_titled_by_the_line_after(line):
    """Copied from the top of the article, the breadcrumb comes first: the page's title is
    still its title line, not the breadcrumb."""
    page = parse_page(f"{line}\n\n{ZH_ANNOUNCEMENT}")
    assert page.title == "核军控的未来：大国竞争时代的战略稳定"
    assert page.to_dict() == parse_page(ZH_ANNOUNCEMENT).to_dict()


def test_a_short_caption_as_a_pasted_pages_first_line_is_its_title():
    page = parse_page("研讨会现场\n2026年12月1日 下午6点\n北京\n\n" + INTRO)
    assert page.title == "研讨会现场"


def test_chinese_recap():
    page = parse_page(ZH_RECAP)
    assert page.kind == "recap"
    assert (page.title, page.date_text, page.location) == (
        "新技术与核风险", "2026年11月20日 下午6:30", "线上")
    assert page.off_the_record and not page.registration_closed
    assert roles(page) == {"赵通": "moderator", "李彬": "speaker"}  # "由赵通主持"
    assert bios(page)["李彬"] == "李彬是清华大学国际关系学系教授，长期从事核军控研究。"
    assert page.takeaways == (
        Takeaway("技术竞争", "与会专家认为，新技术正在改变攻防平衡，可能削弱危机稳定性。"),
        Takeaway("沟通机制", "专家建议中美恢复并加强军事沟通渠道。"),
        Takeaway("军控需要新思路", "传统的数量限制难以涵盖新技术带来的风险。"),
        Takeaway("危机管控", "中美应就降低误判风险开展对话。"),
        Takeaway("透明度", "有限的信息交流有助于建立信任。"),
    )
    assert page.description.startswith("2026年11月20日，卡内基—清华全球政策中心举办了")
    assert page.skipped == ()


def test_bilingual_page_keeps_both_versions_and_pairs_the_names():
    page = parse_page(BILINGUAL)
    assert page.kind == "recap"
    assert page.people == (
        Person("赵通 (Tong Zhao)", "moderator",
               "Tong Zhao is a fellow at the Carnegie–Tsinghua Center for Global Policy."),
        Person("李彬 (Li Bin)", "speaker", "Li Bin is a professor at Tsinghua University."),
        Person("Jane Doe", "speaker", "Jane Doe is a senior fellow at Carnegie."),
    )
    assert page.takeaways == (
        Takeaway("Verification", "The panelists said verification remains the hardest problem."),
        Takeaway("核查", "与会专家认为，核查仍是最难解决的问题。"),
    )
    assert page.description == (
        "Experts examined what comes after the expiry of New START and what it means for China."
        "\n\nTong Zhao moderated a discussion with Li Bin and Jane Doe.\n\n"
        "与会专家探讨了《新削减战略武器条约》到期后的核军控前景及其对中国的影响。")
    # The Chinese version's header repeats the English one: it is neither header nor prose.
    assert (page.title, page.date_text, page.location) == (
        "Nuclear Arms Control after New START", "Tuesday, December 1, 2026", "Beijing")
    assert page.off_the_record and (page.language, page.translation) == ("Chinese", "English")
    assert page.skipped == ()


def test_bilingual_page_in_the_other_order():
    english, _, chinese = BILINGUAL.partition("《新削减战略武器条约》之后的核军控")
    page = parse_page("《新削减战略武器条约》之后的核军控" + chinese + "\n" + english)
    assert [(p.name, p.role) for p in page.people] == [
        ("赵通 (Tong Zhao)", "moderator"), ("李彬 (Li Bin)", "speaker"), ("Jane Doe", "speaker")]
    assert bios(page)["赵通 (Tong Zhao)"] == "赵通是卡内基—清华全球政策中心研究员。"
    assert [t.heading for t in page.takeaways] == ["核查", "Verification"]
    assert page.title == "《新削减战略武器条约》之后的核军控"
    assert "Tong Zhao moderated" in page.description and "与会专家探讨了" in page.description


UNPAIRED = BILINGUAL.replace("赵通 (Tong Zhao)", "赵通").replace("李彬（Li Bin）", "李彬")


def test_a_bilingual_pages_people_are_one_list_where_its_versions_name_them_unpaired():
    """The Chinese version names 赵通 and 李彬 without their English names: the people are
    the English version's, each once; the Chinese names stay in their version's text."""
    page = parse_page(UNPAIRED)
    assert [(p.name, p.role) for p in page.people] == [
        ("Tong Zhao", "moderator"), ("Li Bin", "speaker"), ("Jane Doe", "speaker")]
    assert bios(page)["Tong Zhao"].startswith("Tong Zhao is a fellow")
    assert page.moderator == "Tong Zhao"
    # ...and the other way round, the Chinese version first
    english, _, chinese = UNPAIRED.partition("《新削减战略武器条约》之后的核军控")
    page = parse_page("《新削减战略武器条约》之后的核军控" + chinese + "\n" + english)
    assert [(p.name, p.role) for p in page.people] == [
        ("赵通", "moderator"), ("李彬", "speaker"), ("Jane Doe", "speaker")]


def test_a_bilingual_pages_later_version_adds_someone_named_in_the_first_versions_script():
    page = parse_page(UNPAIRED.replace("主讲人：李彬、Jane Doe", "主讲人：李彬、Jane Doe、Ann Lee"))
    assert [p.name for p in page.people] == ["Tong Zhao", "Li Bin", "Jane Doe", "Ann Lee"]


LINE_BY_LINE = [
    ("主持人：赵通", "Moderator: Tong Zhao"),
    ("主讲人：李彬、吴日强", "Speakers: Li Bin, Wu Riqiang"),
]


def line_by_line(chinese_first: bool, pairs: list[tuple[str, str]] = LINE_BY_LINE) -> str:
    people = "\n".join(f"{zh}\n{en}" if chinese_first else f"{en}\n{zh}" for zh, en in pairs)
    return ("中美战略稳定对话\nU.S.-China Strategic Stability Dialogue\n\n"
            "时间：2027年3月12日（星期五）下午2:00-4:00\nTime: Friday, March 12, 2027, "
            "2:00-4:00 PM\n地点：清华科技园科技大厦B座\nVenue: Tsinghua Science Park, "
            f"Building B\n\n{people}\n\n"
            "赵通\n赵通是卡内基国际和平研究院核政策项目研究员。\n"
            "Tong Zhao is a fellow in the Nuclear Policy Program at the Carnegie Endowment.\n\n"
            "李彬\n李彬是清华大学国际关系学系教授。\n"
            "Li Bin is a professor at Tsinghua University.\n")


@pytest.mark.parametrize("chinese_first", [True, False])
def test_a_page_giving_each_line_in_both_languages_names_each_person_once(chinese_first):
    """"主持人：赵通" with "Moderator: Tong Zhao" on the next line is one moderator, named
    in both scripts, whose bio in either language is theirs: not two moderators."""
    page = parse_page(line_by_line(chinese_first))
    assert [(p.name, p.role) for p in page.people] == [
        ("赵通 (Tong Zhao)", "moderator"), ("李彬 (Li Bin)", "speaker"),
        ("吴日强 (Wu Riqiang)", "speaker")]
    assert bios(page)["赵通 (Tong Zhao)"] == (
        "赵通是卡内基国际和平研究院核政策项目研究员。\n\n"
        "Tong Zhao is a fellow in the Nuclear Policy Program at the Carnegie Endowment.")
    assert bios(page)["李彬 (Li Bin)"].endswith("Li Bin is a professor at Tsinghua University.")
    # its date and venue lines in the other language say them again: read, not described
    assert read_page_when(page.date_text, "UTC").starts_at == datetime(2027, 3, 12, 14,
                                                                        tzinfo=UTC)
    assert "March 12" not in page.description and "3月12日" not in page.description
    assert "Tsinghua Science Park" not in page.description
    assert page.moderator == "赵通 (Tong Zhao)"
    assert page.date_text == "2027年3月12日（星期五）下午2:00-4:00" and page.skipped == ()


def test_two_lines_naming_people_in_either_language_on_another_page_are_two_people():
    """Without the page's date or venue given in both languages, line by line, a line of
    people in one language over one in the other may name others: nobody is paired."""
    page = parse_page("中美对话\n\n时间：2026年12月1日 下午2:00-4:00\n地点：清华科技园\n\n"
                      "主持人：赵通\nModerator: Jane Doe\n\n专家将讨论战略稳定问题。")
    assert [(p.name, p.role) for p in page.people] == [("赵通", "moderator"),
                                                       ("Jane Doe", "moderator")]


@pytest.mark.parametrize("pairs", [
    [("主持人：赵通", "Moderator: Tong Zhao, Li Bin")],  # not as many people
    [("主持人：赵通", "Speaker: Tong Zhao")],  # not the same role
    [("主持人：赵通", "主讲人：李彬")],  # the same script
])
def test_lines_in_both_languages_that_name_other_people_pair_nobody(pairs):
    page = parse_page(line_by_line(True, pairs))
    assert not any("(" in p.name for p in page.people), page.people


@pytest.mark.parametrize(("text", "venue"), [
    ("Nuclear Arms Control\nTuesday, December 1, 2026\n北京\n\nExperts will discuss New START.",
     "北京"),
    ("Nuclear Arms Control\nTuesday, December 1, 2026\n线上\n\nExperts will discuss New START.",
     "线上"),
    ("核军控\n2026年12月1日（星期二）\nBeijing\n\n与会专家将探讨核军控前景。", "Beijing"),
    ("核军控\n2026年12月1日（星期二）\nOnline\n\n与会专家将探讨核军控前景。", "Online")])
def test_one_line_in_the_other_language_under_the_date_is_the_venue(text, venue):
    """A single line in the other language under a page's date opens no version of the
    page in that language (whose repeated title would be dropped): it is the venue."""
    page = parse_page(text)
    assert (page.location, page.skipped) == (venue, ())
    assert page.description in ("Experts will discuss New START.", "与会专家将探讨核军控前景。")


@pytest.mark.parametrize("date", ["2026年12月1日", "2026年12月1日（星期二）", "12月1日"])
def test_a_chinese_date_line_on_an_english_page_joins_the_time_under_it(date):
    """A date written in Chinese over an English page's time line is that page's date, as
    the English date line would be, not a Chinese version of the page whose time line
    repeats the date's."""
    english = "December 1, 2026\n6:00 PM - 8:00 PM\nNuclear Futures\n\nExperts will examine."
    page, twin = parse_page(english.replace("December 1, 2026", date)), parse_page(english)
    assert page.date_text == f"{date} 6:00 PM - 8:00 PM"
    assert (page.title, page.location, page.description, page.skipped) == (
        twin.title, twin.location, twin.description, twin.skipped)
    if "2026" in date:  # (a day without its year is left for the organiser to set)
        ends = read_page_when(page.date_text, "UTC").ends_at
        assert ends == datetime(2026, 12, 1, 20, tzinfo=UTC)


def test_one_line_in_the_other_language_in_the_description_is_kept():
    """A lone Chinese line among an English page's prose is a line of its description, and
    the English line after it is no repeated header of a Chinese version."""
    page = parse_page("Nuclear Arms Control\nTuesday, December 1, 2026\nBeijing\n\n"
                      "Experts will discuss New START.\n\n欢迎参加！\n\nNuclear Arms Control\n\n"
                      "Li Bin will speak.")
    assert page.description.split("\n\n") == [
        "Experts will discuss New START.", "欢迎参加！", "Nuclear Arms Control",
        "Li Bin will speak."]


def test_a_person_named_in_each_script_before_the_page_pairs_the_names_is_one_person():
    """The seed announcement, then its Chinese version: "赵通将主持" names 赵通 before the
    paired "赵通（Tong Zhao）" line joins that name to the English version's Tong Zhao."""
    page = parse_page(ANNOUNCEMENT.read_text(encoding="utf-8") + "\n\n"
                      + (SAMPLE_DIR / "announcement.zh.txt").read_text(encoding="utf-8"))
    assert [(p.name, p.role) for p in page.people] == [
        ("赵通 (Tong Zhao)", "moderator"), ("李彬 (Li Bin)", "speaker"),
        ("樊吉社 (Fan Jishe)", "discussant"), ("段占元 (Duan Zhanyuan)", "discussant"),
        ("Zhang Hongyu", "discussant")]
    assert bios(page)["赵通 (Tong Zhao)"].startswith("Tong Zhao is a fellow")  # the first bio


@pytest.mark.parametrize(("text", "bio"), [
    ("Tong Zhao will moderate.\n\n本次活动由赵通主持。\n\n主持人：赵通（Tong Zhao）", ""),
    ("本次活动由赵通主持。\n\nTong Zhao will moderate.\n\n赵通（Tong Zhao）\n\n赵通是研究员。",
     "赵通是研究员。"),
    ("Tong Zhao will moderate.\n\n本次活动由赵通主持。\n\nTong Zhao（赵通）\n\n"
     "Tong Zhao is a fellow.", "Tong Zhao is a fellow."),
])
def test_a_paired_name_joins_the_two_people_it_names(text, bio):
    assert parse_page(text).people == (Person("赵通 (Tong Zhao)", "moderator", bio),)


def test_unpaired_names_in_two_scripts_stay_two_people():
    page = parse_page("Tong Zhao will moderate.\n\n本次活动由赵通主持。")
    assert roles(page) == {"Tong Zhao": "moderator", "赵通": "moderator"}


# --- people ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["主持人：赵通", "主持人:赵通", "主持人 赵通", "主持人：赵通，卡内基—清华全球政策中心研究员",
     "主持人 赵通 卡内基—清华全球政策中心研究员", "赵通（主持人）", "赵通(主持人)"],
)
def test_moderator_forms(line):
    page = parse_page(INTRO + line)
    assert roles(page) == {"赵通": "moderator"}
    assert page.description == INTRO.strip()


@pytest.mark.parametrize(
    ("word", "role"),
    [("主讲人", "speaker"), ("演讲人", "speaker"), ("嘉宾", "speaker"), ("评议人", "discussant"),
     ("点评人", "discussant")],
)
def test_role_words(word, role):
    page = parse_page(f"{INTRO}{word}：李彬、樊吉社；Jane Doe，卡内基国际和平研究院高级研究员")
    assert roles(page) == {"李彬": role, "樊吉社": role, "Jane Doe": role}


def test_two_names_joined_by_and():
    page = parse_page(INTRO + "嘉宾：李彬和樊吉社\n\n评议人：李和平")  # 和 may be in a name too
    assert roles(page) == {"李彬": "speaker", "樊吉社": "speaker", "李和平": "discussant"}


@pytest.mark.parametrize(
    ("lines", "people"),
    [
        ("主持人：赵\u3000通\n主讲人：李\u3000彬", {"赵通": "moderator", "李彬": "speaker"}),
        ("主讲人：李\u3000彬、樊吉社", {"李彬": "speaker", "樊吉社": "speaker"}),
        ("主持人\n赵\u3000通\n赵通是研究员。", {"赵通": "moderator"}),  # a name line too
    ],
)
def test_a_two_character_name_padded_with_a_full_width_space_is_one_name(lines, people):
    page = parse_page(INTRO + lines)
    assert roles(page) == people
    assert page.description == INTRO.strip()


@pytest.mark.parametrize(
    ("line", "people"),
    [
        ("主讲人 李彬 樊吉社", {"李彬": "speaker", "樊吉社": "speaker"}),
        ("评议人 李\u3000彬 樊吉社 段占元；Jane Doe",
         {"李彬": "discussant", "樊吉社": "discussant", "段占元": "discussant",
          "Jane Doe": "discussant"}),
        # what follows a name after a space is otherwise their title
        ("主讲人 李彬 所长", {"李彬": "speaker"}),
        ("主讲人 李彬 清华大学", {"李彬": "speaker"}),
    ],
)
def test_names_a_role_line_parts_with_spaces_are_each_a_person(line, people):
    assert roles(parse_page(INTRO + line)) == people


@pytest.mark.parametrize(
    ("page_text", "people"),
    [
        ("Speaker: 李彬", {"李彬": "speaker"}),
        ("Moderator: 赵通\n\nSpeakers: 李彬、樊吉社",
         {"赵通": "moderator", "李彬": "speaker", "樊吉社": "speaker"}),
        ("Discussant: 刘明轩，中国人民大学副教授", {"刘明轩": "discussant"}),
        # the same page's lines with Chinese labels, and English names: read alike
        ("主持人：赵通\n\n主讲人：李彬、樊吉社",
         {"赵通": "moderator", "李彬": "speaker", "樊吉社": "speaker"}),
        ("Moderator: Tong Zhao\n\nSpeakers: Li Bin", {"Tong Zhao": "moderator",
                                                      "Li Bin": "speaker"}),
    ],
)
def test_an_english_role_label_gives_chinese_names_as_a_chinese_label_does(page_text, people):
    """A bilingual site's "Speaker: 李彬" is a role's label over a name, as "主讲人：李彬"
    and "Speaker: Li Bin" are: the person, not a line of the description."""
    page = parse_page("Nuclear Risk in Asia\nDecember 1, 2026\nBeijing\n\n"
                      "A discussion of nuclear risk.\n\n" + page_text)
    assert roles(page) == people
    assert page.description == "A discussion of nuclear risk."


@pytest.mark.parametrize(
    ("text", "people"),
    [
        ("樊吉社、段占元将进行评议。", {"樊吉社": "discussant", "段占元": "discussant"}),
        ("会议由赵通主持，樊吉社与段占元担任评议人。",
         {"赵通": "moderator", "樊吉社": "discussant", "段占元": "discussant"}),
        ("李彬将主讲，李和平、樊吉社及段占元将分别进行点评。",  # 和 may be in a name too
         {"李彬": "speaker", "李和平": "discussant", "樊吉社": "discussant",
          "段占元": "discussant"}),
        # a role line that narrates its people's role: the narrated one is theirs
        ("嘉宾：樊吉社、段占元将进行评议。", {"樊吉社": "discussant", "段占元": "discussant"}),
        ("此外、樊吉社与段占元将进行评议。", {"樊吉社": "discussant", "段占元": "discussant"}),
        ("随后，中美两国与会专家将进行点评。", {}),  # no names, though they look like some
        # who gives remarks speaks, the name without the 将 after it
        ("邱勇将致辞。", {"邱勇": "speaker"}),
        ("届时，邱勇将致辞，赵通将主持。", {"邱勇": "speaker", "赵通": "moderator"}),
        ("由邱勇致开幕辞。", {"邱勇": "speaker"}),
        ("会议开始前，杨斌将致欢迎辞。", {"杨斌": "speaker"}),
        ("会议最后，由王立新致闭幕辞。", {"王立新": "speaker"}),
        ("领导致辞。", {}), ("校长致辞。", {}),  # a post, no one's name
    ],
)
def test_several_people_narrated_in_one_role(text, people):
    for script in (str, traditional):
        page = parse_page(script(INTRO + text))
        assert roles(page) == {script(name): role for name, role in people.items()}


def test_role_heading_over_name_lines():
    page = parse_page(INTRO + "主持人\n\n赵通\n\n赵通是研究员。\n\n嘉宾\n\n李彬\n\n李彬是教授。")
    assert roles(page) == {"赵通": "moderator", "李彬": "speaker"}
    assert bios(page) == {"赵通": "赵通是研究员。", "李彬": "李彬是教授。"}


def test_name_line_with_a_title_line_before_the_bio():
    page = parse_page(INTRO + "评议人：樊吉社\n\n樊吉社\n中国社会科学院美国研究所\n"
                      "樊吉社是中国社会科学院美国研究所研究员。")
    assert page.people == (
        Person("樊吉社", "discussant", "樊吉社是中国社会科学院美国研究所研究员。"),)
    assert page.skipped == ()


ROLE_WORDS = [
    ("主持人", "moderator"), ("主持", "moderator"), ("主讲人", "speaker"), ("主讲嘉宾", "speaker"),
    ("主讲", "speaker"), ("演讲人", "speaker"), ("讲者", "speaker"), ("主讲者", "speaker"),
    ("演讲嘉宾", "speaker"), ("发言人", "speaker"), ("发言嘉宾", "speaker"),
    ("对话嘉宾", "speaker"), ("嘉宾", "speaker"), ("评议人", "discussant"),
    ("评议嘉宾", "discussant"), ("点评人", "discussant"), ("点评嘉宾", "discussant"),
    ("评论人", "discussant"), ("与谈人", "discussant"), ("主办", "host"), ("主办人", "host"),
    ("主办方", "host"), ("主办单位", "host"), ("致辞", "speaker"), ("致辞人", "speaker"),
    ("致辞嘉宾", "speaker"), ("开幕致辞", "speaker"), ("欢迎致辞", "speaker"),
    ("闭幕致辞", "speaker"),
]


@pytest.mark.parametrize(("word", "role"), ROLE_WORDS)
@pytest.mark.parametrize("script", [str, traditional], ids=["simplified", "traditional"])
def test_each_role_word_heads_its_peoples_cards_and_labels_their_line(word, role, script):
    """"主讲者" over a card ("李彬", then his bio), or "主讲者：李彬，清华大学教授": the person
    is in the word's role, and the heading or label is no part of the description."""
    bio = "李彬是清华大学国际关系学系教授。"
    for text, title in ((f"{word}\n\n李彬\n\n{bio}", bio),
                        (f"{word}：李彬，清华大学教授", "清华大学教授")):
        page = parse_page(script(INTRO + text))
        assert [(p.name, p.role, p.bio) for p in page.people] == [
            (script("李彬"), role, script(title))]
        assert page.description == script(INTRO).strip()


def test_bio_without_a_name_line_names_a_new_person_only_if_it_says_who_they_are():
    page = parse_page(INTRO + "主持人：赵通\n\n本次活动不对外公开。\n\n"
                      "赵通是卡内基—清华全球政策中心研究员。\n\n"
                      "王海燕是中国社会科学院美国研究所研究员。")
    assert bios(page) == {"赵通": "赵通是卡内基—清华全球政策中心研究员。",
                          "王海燕": "王海燕是中国社会科学院美国研究所研究员。"}


@pytest.mark.parametrize(
    "text",
    [
        "中美关系\n\n" + INTRO,  # a four-character title line
        INTRO + "要点\n\n" + "嘉宾介绍",  # section headings
        INTRO + "美国是中国最重要的对话伙伴之一，双方专家都认为需要加强沟通。",  # a country
        INTRO + "近年来，中美两国专家对导弹防御问题高度关注。",
        INTRO + "主持人：待定",  # a placeholder, not a name
        INTRO + "嘉宾：清华大学、北京大学",  # institutions
    ],
)
def test_words_that_are_not_names(text):
    assert parse_page(text).people == ()


def test_paired_name_joins_the_english_one_in_either_order():
    page = parse_page("Tong Zhao will moderate a discussion with Li Bin.\n\n"
                      "主持人：赵通 (Tong Zhao)\n\n赵通是研究员。")
    assert page.people[0] == Person("赵通 (Tong Zhao)", "moderator", "赵通是研究员。")
    assert len(page.people) == 2
    page = parse_page("主持人：Tong Zhao（赵通）\n\nZhao is a fellow at Carnegie.")
    assert page.people == (
        Person("赵通 (Tong Zhao)", "moderator", "Zhao is a fellow at Carnegie."),)


# --- notices, dates, takeaways -------------------------------------------------------------


@pytest.mark.parametrize(
    ("notice", "expected"),
    [
        ("报名已截止。", {"registration_closed": True, "off_the_record": False}),
        ("名额已满。", {"registration_closed": True}),
        ("本次活动不对外公开。", {"off_the_record": True, "registration_closed": False}),
        ("本次活动不公开报道。", {"off_the_record": True}),
        ("本次活动以中文进行。", {"language": "Chinese", "translation": None}),
        ("本次活动以中文进行，提供英文翻译。", {"language": "Chinese", "translation": "English"}),
        ("本次活动以英文进行，提供中文同声传译。",
         {"language": "English", "translation": "Chinese"}),
        ("现场提供同声传译。", {"translation": "English", "language": None}),
        ("提供英文同声传译", {"translation": "English"}),
        ("本次活动不对外公开，以中文进行，提供英文同声传译。",
         {"off_the_record": True, "language": "Chinese", "translation": "English"}),
        ("报名已截止。本次活动不公开报道。", {"registration_closed": True, "off_the_record": True}),
        ("本次活动不对媒体开放。", {"access_notes": ("本次活动不对媒体开放。",)}),
    ],
)
def test_chinese_notices(notice, expected):
    for text in (INTRO + notice, notice + "\n\n" + INTRO):  # before or after the summary
        page = parse_page(text)
        assert page.description == INTRO.strip()
        for name, value in expected.items():
            assert getattr(page, name) == value, name


@pytest.mark.parametrize(
    "notice",
    ["本次活动以中文进行，不提供翻译。", "本次活动以中文进行，不提供同声传译。",
     "本次活动以中文进行，无翻译。", "本次活动以中文进行，现场没有设置英文同声传译。"],
)
def test_a_note_that_there_is_no_translation_names_none(notice):
    for text in (INTRO + notice, notice + "\n\n" + INTRO, INTRO + traditional(notice)):
        page = parse_page(text)
        assert (page.language, page.translation) == ("Chinese", None)
        assert page.description == INTRO.strip()
    page = parse_page(INTRO + "不提供翻译。")  # a notice even when it is all the page says
    assert (page.translation, page.description) == (None, INTRO.strip())


# Each way to say there is none ("无", "未提供", "不安排"), each language named and each
# word for the translation: a sentence that also names the service offered ("提供",
# "同声", "同传"), so that without the "none" it would say there is one.
NO_TRANSLATION_NOTES = [
    "无同声传译", "未提供翻译", "没有提供翻译", "不设英文同传", "不设置同声传译",
    "不配备同声传译", "未配有同声传译", "不安排同声传译", "不提供中文翻译", "不提供汉语翻译",
    "不提供英语翻译", "不提供日文翻译", "不提供韩文翻译", "不提供俄文翻译", "不提供法文翻译",
    "不提供德文翻译", "不提供西班牙文翻译", "不提供阿拉伯文翻译", "不提供同步口译",
    "不提供交替传译", "不提供口译", "不提供同传",
]


@pytest.mark.parametrize("none", NO_TRANSLATION_NOTES)
def test_each_wording_of_no_translation_names_none(none):
    for script in (str, traditional):
        page = parse_page(script(f"{INTRO}本次活动以中文进行，{none}。"))
        assert (page.language, page.translation) == ("Chinese", None)
        assert page.description == script(INTRO).strip()


@pytest.mark.parametrize(
    ("notice", "language", "translation"),
    [
        ("活动全程使用中文，现场配有英文同传。", "Chinese", "English"),
        ("会议语言：中文（提供英文同声传译）", "Chinese", "English"),
        ("工作语言为英语。", "English", None),
        ("现场配有英文同传。", None, "English"),
        ("现场配备英文翻译。", None, "English"),
        ("现场设英文同传。", None, "English"),
        # bilingual: the first language named, as "held in English and Chinese" gives English
        ("本次活动采用中英双语进行。", "Chinese", None),
        ("本次活动以英文和中文进行。", "English", None),
    ],
)
def test_more_wordings_of_the_language_notes(notice, language, translation):
    for text in (INTRO + notice, notice + "\n\n" + INTRO, INTRO + traditional(notice)):
        page = parse_page(text)
        assert (page.language, page.translation) == (language, translation)
        assert page.description == INTRO.strip()


@pytest.mark.parametrize(("notices", "expected"), [
    ("本次活动以中文进行，提供英文同声传译。报名已截止。",
     {"language": "Chinese", "translation": "English", "registration_closed": True}),
    ("活动不对外公开。", {"off_the_record": True}),
    ("本次活动仅限受邀嘉宾参加。", {"access_notes": ()}),  # the paragraph says it already
])
def test_notices_in_a_paragraph_of_prose_count_and_the_paragraph_stays_whole(notices, expected):
    paragraph = "中美两国专家将讨论核军控的前景，欢迎各界人士关注。" + notices
    for text in (paragraph, traditional(paragraph)):
        page = parse_page(text)
        assert page.description == text
        for name, value in expected.items():
            assert getattr(page, name) == value, name


@pytest.mark.parametrize("paragraph", [
    "赵通长期从事核军控研究，曾以英文进行多场讲座。他的研究涉及导弹防御。",
    "李彬是清华大学教授。他曾多次参与不对外公开的中美二轨对话活动。",
    "本中心自2010年起举办讲座。去年的活动报名开放仅两天名额已满。今年我们将继续邀请专家。",
    "我们感谢各位的支持，2027年暑期研修班报名已截止。中美两国专家将讨论核军控。",
    "评议人王芳曾任外交部翻译司副司长。她曾长期为国家领导人的外事活动提供同声传译。",
    "本中心的讲座系列始于2015年。早期的活动全程使用英文，近年来逐渐改为中英双语。",
    "专家将讨论核军控的前景。该对话不对外公开。伊朗的部分核活动不对外公开，引发担忧。",
])
def test_sentences_of_prose_about_something_else_are_no_notices(paragraph):
    """Bios and histories name languages, closed registrations and closed-door meetings
    of other events: in a paragraph of prose only a sentence about this one counts."""
    page = parse_page(INTRO + paragraph)
    assert (page.language, page.translation, page.registration_closed,
            page.off_the_record) == (None, None, False, False)
    assert page.description == INTRO + paragraph


def test_a_language_used_in_the_summary_is_no_notice():
    summary = "越来越多的美国学者使用中文发表论文。"
    page = parse_page(INTRO + summary)
    assert page.language is None and page.description == INTRO + summary


def test_summary_sentences_that_mention_translation_are_not_notices():
    summary = "两国学者在翻译和解读对方文件时常常出现分歧。"
    page = parse_page(INTRO + summary)
    assert page.translation is None and page.description == INTRO + summary


@pytest.mark.parametrize(
    ("header", "date_text"),
    [
        ("2026年12月1日", "2026年12月1日"),
        ("2026年12月1日 18:00", "2026年12月1日 18:00"),
        ("2026年12月1日\n18:00–20:00", "2026年12月1日 18:00–20:00"),
        ("2026年12月1日\n下午6点", "2026年12月1日 下午6点"),
        ("2026年12月1日\n下午三点", "2026年12月1日 下午三点"),
        ("2026年12月1日\n下午三点至五点半", "2026年12月1日 下午三点至五点半"),
        ("2026年12月1日（星期二）\n下午6:30", "2026年12月1日（星期二） 下午6:30"),
        ("时间：2026年12月1日 下午6:30", "2026年12月1日 下午6:30"),
        ("2026年12月1号 18:00-20:00", "2026年12月1号 18:00-20:00"),  # 号 for 日
        ("2026年12月1號\n下午6點", "2026年12月1號 下午6點"),
        ("12月1号（星期二）", "12月1号（星期二）"),
    ],
)
def test_chinese_dates_and_times(header, date_text):
    page = parse_page(f"核军控的未来\n{header}\n\n{INTRO}")
    assert page.title == "核军控的未来"
    assert page.date_text == date_text
    assert page.description == INTRO.strip()


def test_a_traditional_date_under_a_subtitle_keeps_the_date_and_the_place():
    page = parse_page("中美核關係展望\n第三屆中美戰略對話\n2026年12月1號 下午6點\n北京\n\n"
                      f"{INTRO}")
    assert (page.title, page.date_text, page.location) == (
        "中美核關係展望", "2026年12月1號 下午6點", "北京")
    labelled = parse_page("Nuclear Futures\n\nDate: December 1, 2026\n\nTime: 下午6點\n\n"
                          "Location: Hall A\n\nExperts will examine how missile defense "
                          "shapes deterrence.")
    assert (labelled.date_text, labelled.location) == ("December 1, 2026 下午6點", "Hall A")


@pytest.mark.parametrize(
    "item",
    [
        "• 沟通机制：专家建议加强沟通。",
        "• 沟通机制:专家建议加强沟通。",
        "一、沟通机制：专家建议加强沟通。",
        "1. 沟通机制：专家建议加强沟通。",
        "1、沟通机制：专家建议加强沟通。",
        "（一）沟通机制：专家建议加强沟通。",
        "一、沟通机制。专家建议加强沟通。",  # no colon: the first sentence heads it
    ],
)
def test_chinese_takeaway_forms(item):
    page = parse_page(f"{INTRO}主要观点\n\n{item}")
    assert page.takeaways == (Takeaway("沟通机制", "专家建议加强沟通。"),)
    assert page.kind == "recap" and page.skipped == ()


HEADED_RECAP = """中美关系展望研讨会{kind}

2026年6月5日，卡内基—清华全球政策中心举办研讨会，讨论中美关系的前景。

一、中美关系的现状
与会者认为，中美关系正处于关键时期。

双方需要加强沟通。

二、气候合作的空间
与会专家指出，气候变化是双方可以合作的领域。

（整理：张三）
"""


@pytest.mark.parametrize("kind", ["纪要", "综述", "实录", "速递", "侧记", "会议回顾",
                                  "活动回顾", "论坛回顾", "讲座回顾", "成功举办", "顺利举行",
                                  "圆满落幕"])
def test_a_recaps_numbered_headings_over_paragraphs_are_its_takeaways(kind):
    takeaways = [("中美关系的现状", "与会者认为，中美关系正处于关键时期。\n\n双方需要加强沟通。"),
                 ("气候合作的空间", "与会专家指出，气候变化是双方可以合作的领域。")]
    for script in (str, traditional):
        page = parse_page(script(HEADED_RECAP.format(kind=kind)))
        assert page.kind == "recap"
        assert [(t.heading, t.text) for t in page.takeaways] == [
            (script(heading), script(text)) for heading, text in takeaways]
        assert [str(s) for s in page.skipped] == [script('skipped paragraph: "（整理：张三）"')]


def test_an_announcements_numbered_sections_are_not_takeaways():
    """"一、会议背景" over a paragraph, in a page that tells of the event ahead: its
    description, as the same page without numbers."""
    page = parse_page(HEADED_RECAP.format(kind="").replace("举办研讨会", "将举办研讨会"))
    assert page.kind == "announcement" and page.takeaways == ()
    assert "与会者认为，中美关系正处于关键时期。" in page.description


def test_a_recaps_numbered_heading_ending_in_a_colon_is_its_takeaways_heading():
    page = parse_page(HEADED_RECAP.format(kind="纪要").replace("一、中美关系的现状\n",
                                                                "一、中美关系的现状：\n"))
    assert [t.heading for t in page.takeaways] == ["中美关系的现状", "气候合作的空间"]


def test_an_announcement_of_a_talk_looking_back_keeps_its_numbered_sections():
    """A title ending in "回顾" names the talk's subject ("四十五年回顾"); "会议回顾",
    "活动回顾" name the page as the event's record."""
    page = parse_page(HEADED_RECAP.format(kind="").replace("研讨会\n", "四十五年回顾\n", 1)
                      .replace("举办研讨会", "将举办研讨会"))
    assert page.title == "中美关系展望四十五年回顾"
    assert page.kind == "announcement" and page.takeaways == ()


def test_an_announcements_numbered_sections_stay_its_description_though_it_recalls_the_past():
    """"举办了多场研讨会" tells of earlier events; "本次研讨会将……" says this one is ahead."""
    text = HEADED_RECAP.format(kind="").replace(
        "2026年6月5日，卡内基—清华全球政策中心举办研讨会，讨论中美关系的前景。",
        "卡内基—清华全球政策中心举办了多场研讨会。本次研讨会将讨论中美关系的前景。")
    for script in (str, traditional):
        page = parse_page(script(text))
        assert page.takeaways == ()
        assert script("一、中美关系的现状\n\n与会者认为") in page.description


_ZH_EVENT_WORDS = ["讲座", "活动", "会议", "论坛", "研讨会", "报告会", "对话", "座谈", "座谈会"]


@pytest.mark.parametrize("ahead", [
    *(f"本次{word}将讨论中美关系的前景。" for word in _ZH_EVENT_WORDS),
    *(f"此次中美关系{word}将讨论中美关系的前景。" for word in _ZH_EVENT_WORDS),
    *(f"本次研讨会{where}将讨论中美关系的前景。" for where in ("期间", "上", "中")),
    *(f"本次研讨会{word}将讨论中美关系的前景。" for word in (
        "预计", "计划", "拟", "届时", "主要", "重点", "预定", "特别", "首次", "同时", "也", "还",
        "亦", "仍", "均", "都"))])
def test_each_way_a_chinese_page_says_its_event_is_ahead_keeps_its_sections(ahead):
    text = HEADED_RECAP.format(kind="").replace(
        "2026年6月5日，卡内基—清华全球政策中心举办研讨会，讨论中美关系的前景。",
        f"卡内基—清华全球政策中心举办了多场研讨会。{ahead}")
    page = parse_page(text)
    assert page.takeaways == ()
    assert "一、中美关系的现状\n\n与会者认为" in page.description


@pytest.mark.parametrize("outcome", [
    *(f"本次{word}决定下一轮对话将于明年举行。" for word in _ZH_EVENT_WORDS),
    *(f"本次{word}双方将继续加强合作。" for word in _ZH_EVENT_WORDS)])
def test_a_recap_of_any_kind_of_event_deciding_what_comes_later_is_a_recap(outcome):
    text = HEADED_RECAP.format(kind="").replace(
        "2026年6月5日，卡内基—清华全球政策中心举办研讨会，讨论中美关系的前景。",
        f"2026年6月5日，卡内基—清华全球政策中心举办了研讨会，讨论中美关系的前景。{outcome}")
    page = parse_page(text)
    assert page.kind == "recap" and page.takeaways != ()


@pytest.mark.parametrize("outcome", ["本次会议决定下一轮对话将于明年举行。",
                                     "本次会议决定将于明年举办第二届研讨会。",
                                     "本次研讨会商定下一次会议将在北京举行。",
                                     "本次会议各方同意将于明年继续对话。",
                                     "本次会议宣布将设立联合工作组。",
                                     "本次会议上双方将继续加强合作。"])
def test_a_recap_telling_what_the_meeting_decided_for_later_keeps_its_numbered_takeaways(
        outcome):
    """"本次会议决定下一轮对话将……" tells what the past meeting decided, not that it is
    still ahead: the recap's numbered headings stay its takeaways."""
    text = HEADED_RECAP.format(kind="").replace(
        "2026年6月5日，卡内基—清华全球政策中心举办研讨会，讨论中美关系的前景。",
        f"2026年6月5日，卡内基—清华全球政策中心举办了研讨会，讨论中美关系的前景。{outcome}")
    for script in (str, traditional):
        page = parse_page(script(text))
        assert page.kind == "recap"
        assert [t.heading for t in page.takeaways] == [script("中美关系的现状"),
                                                       script("气候合作的空间")]


@pytest.mark.parametrize("ahead", ["本次研讨会将讨论中美关系的前景。",
                                   "本次中美关系研讨会将讨论中美关系的前景。",
                                   "本次中美战略对话研讨会将讨论中美关系的前景。",
                                   "本次研讨会也将讨论中美关系的前景。",
                                   "本次研讨会还将讨论中美关系的前景。",
                                   "本次会议期间将讨论中美关系的前景。",
                                   "本次沙龙将讨论中美关系的前景。",
                                   "本次会议预计将于6月5日举行。",
                                   "本次会议计划将讨论中美关系的前景。",
                                   "本次活动届时将讨论中美关系的前景。",
                                   "本次研讨会主要将讨论中美关系的前景。",
                                   *(f"{ahead}讨论中美关系的前景。" for ahead in (
                                       "此次研讨会将", "本次圆桌会议将", "本次国际研讨会将",
                                       "本次中美关系研讨会将", "本次中美关系座谈会将"))])
def test_an_announcement_saying_this_event_will_keeps_its_sections_as_description(ahead):
    text = HEADED_RECAP.format(kind="").replace(
        "2026年6月5日，卡内基—清华全球政策中心举办研讨会，讨论中美关系的前景。",
        f"卡内基—清华全球政策中心举办了多场研讨会。{ahead}")
    for script in (str, traditional):
        page = parse_page(script(text))
        assert page.takeaways == ()
        assert script("一、中美关系的现状\n\n与会者认为") in page.description


def test_a_numbered_item_after_a_headed_one_in_a_chinese_recap_is_a_takeaway_of_its_own():
    page = parse_page(HEADED_RECAP.format(kind="纪要").replace(
        "二、气候合作的空间\n与会专家指出", "二、气候合作的空间：与会专家指出"))
    assert [(t.heading, t.text) for t in page.takeaways] == [
        ("中美关系的现状", "与会者认为，中美关系正处于关键时期。\n\n双方需要加强沟通。"),
        ("气候合作的空间", "与会专家指出，气候变化是双方可以合作的领域。")]


@pytest.mark.parametrize(("length", "heads"), [(60, True), (61, False)])
def test_a_numbered_line_of_sixty_characters_at_most_heads_a_chinese_recaps_takeaway(
        length, heads):
    """"一、" and a long line with no sentence's end: up to sixty characters a heading, longer
    a line of the recap's prose that lost its full stop."""
    words = ("中美两国在导弹防御、核军控与太空安全等问题上的分歧、共识"
             "以及未来开展务实合作的空间和可能路径与政策建议")
    line = ("一、" + words * 2)[:length]
    page = parse_page(HEADED_RECAP.format(kind="纪要").replace("一、中美关系的现状", line))
    headings = [t.heading for t in page.takeaways]
    assert headings == ([line[2:], "气候合作的空间"] if heads else ["气候合作的空间"])


@pytest.mark.parametrize("first", ["• 核查：与会者讨论了核查问题。\n", ""])
@pytest.mark.parametrize("heading", ["主要观点", "会议要点"])
def test_a_chinese_recaps_bullets_of_one_sentence_under_its_takeaways_are_takeaways(
        first, heading):
    """A bullet of one sentence has no heading of its own; under "主要观点", or after a
    headed takeaway, it is a takeaway all the same, not dropped or left in the description."""
    page = parse_page(f"会议纪要｜中美对话\n\n2027年3月12日，中心举办对话。赵通主持会议。\n\n"
                      f"{heading}\n\n{first}• 双方应建立常态化的对话机制。\n"
                      "• 与会者详细讨论了危机管控问题。\n")
    bare = [("", "双方应建立常态化的对话机制。"), ("", "与会者详细讨论了危机管控问题。")]
    headed = [("核查", "与会者讨论了核查问题。")] if first else []
    assert [(t.heading, t.text) for t in page.takeaways] == headed + bare
    assert page.kind == "recap" and page.skipped == ()
    assert page.description == "2027年3月12日，中心举办对话。赵通主持会议。"


def test_a_number_alone_on_its_line_heads_no_takeaway_in_a_chinese_recap():
    """"（一）" with no heading after it: the prose under it stays the recap's own, not a
    takeaway without a heading."""
    page = parse_page(HEADED_RECAP.format(kind="纪要").replace("一、中美关系的现状", "（一）"))
    assert [t.heading for t in page.takeaways] == ["气候合作的空间"]
    assert page.description.endswith("与会者认为，中美关系正处于关键时期。\n\n双方需要加强沟通。")


@pytest.mark.parametrize("number", ["一、", "（一）"])
def test_a_number_alone_over_its_heading_heads_a_chinese_recaps_takeaway(number):
    """A page saved from the web puts the number in an element of its own: "一、" on one
    line, "中美关系的现状" on the next, is read as "一、中美关系的现状" on one line is."""
    for script in (str, traditional):
        page = parse_page(script(HEADED_RECAP.format(kind="纪要").replace(
            "一、中美关系的现状\n", f"{number}\n中美关系的现状\n")))
        assert [(t.heading, t.text) for t in page.takeaways] == [
            (script("中美关系的现状"),
             script("与会者认为，中美关系正处于关键时期。\n\n双方需要加强沟通。")),
            (script("气候合作的空间"), script("与会专家指出，气候变化是双方可以合作的领域。"))]
        assert page.description == script("2026年6月5日，卡内基—清华全球政策中心举办研讨会，"
                                           "讨论中美关系的前景。")


def test_an_english_line_after_a_chinese_takeaways_prose_is_not_its_text():
    """A recap giving each paragraph in English too keeps the Chinese takeaway's text
    Chinese, even where the English line ends with a full-width stop."""
    page = parse_page(HEADED_RECAP.format(kind="纪要").replace(
        "双方需要加强沟通。\n", "双方需要加强沟通。\nBoth sides need to talk more。\n"))
    assert page.takeaways[0] == Takeaway("中美关系的现状",
                                         "与会者认为，中美关系正处于关键时期。\n\n双方需要加强沟通。")


# --- size ----------------------------------------------------------------------------------


def test_pages_up_to_two_megabytes_are_accepted():
    assert MAX_PAGE_BYTES == 2_000_000
    han = "中" * (2_000_000 // 3)  # three bytes each in UTF-8
    assert decode_page(han.encode()) == han
    assert parse_page(han).kind == "announcement"
    with pytest.raises(InvalidValue, match=r"too large .* the limit is 2 MB"):
        decode_page(b"a" * 2_000_001)
    with pytest.raises(InvalidValue, match="limit is 2 MB"):
        parse_page(han + "中")


@pytest.mark.parametrize("remark", ["线上", "視頻", "待确认", "女士", "哈佛", "兰德公司", "清華"])
def test_a_remark_in_brackets_after_a_foreign_name_is_no_chinese_name(remark):
    # "（哈佛）" is where they come from; "（线上）" that they speak online: not their names
    page = parse_page(f"{INTRO}主讲人：Alan Turing（{remark}）、图灵（Alan Kay）")
    assert roles(page) == {"Alan Turing": "speaker", "图灵 (Alan Kay)": "speaker"}


@pytest.mark.parametrize("remark", [
    "特邀嘉宾", "视频发言", "線上參會", "远程连线",
    # each word of a remark, with words of no remark beside it
    "线上参与", "线下参与", "在线参与", "电话连线", "视频讲话", "远程参与", "现场参与", "书面发言",
    "全程参会", "亲自出席", "行程待定", "已确认", "特邀主讲", "拟邀请", "受邀主讲", "开幕致辞",
    "主旨演讲", "英语翻译", "英语同传", "斯通女士", "斯通先生", "斯通博士", "斯通教授",
    "副研究员", "访问学者", "核能专家",
])
def test_a_remark_of_several_words_after_a_foreign_name_is_no_chinese_name(remark):
    page = parse_page(f"{INTRO}主讲人：Eve Stone（{remark}）")
    assert roles(page) == {"Eve Stone": "speaker"}


@pytest.mark.parametrize("text", [
    "与会代表将进行点评。", "各位嘉宾将进行演讲。", "获奖者将进行演讲。", "周三下午将进行演讲。",
    "本周四将进行主讲。", "中国代表和美国代表将进行评议。",
    "特邀嘉宾将进行演讲。", "优秀学员将进行演讲。", "小组组长将进行点评。", "各位老师将进行点评。",
    "与会人士将进行点评。", "最后，全体学生将进行演讲。", "中美双方将分别致辞。",
    "周三晚上将进行演讲。", "星期三将进行演讲。", "礼拜三将进行主讲。",
    "主持人\n赵　通\n\n议　程\n致　辞\n茶　歇",  # an agenda padded as names are
])
@pytest.mark.parametrize("script", [str, traditional])
def test_groups_times_and_agenda_items_are_nobody(text, script):
    people = parse_page(script("中美安全对话\n\n" + text)).people
    assert [p.name for p in people] in ([], [script("赵通")])


@pytest.mark.parametrize("script", [str, traditional])
def test_a_name_that_reads_like_a_day_of_the_week_colloquially_is_a_name(script):
    page = parse_page(script("中美安全对话\n\n主持人：周天\n主讲人：李彬"))
    assert [(p.name, p.role) for p in page.people] == [(script("周天"), "moderator"),
                                                       (script("李彬"), "speaker")]




@pytest.mark.parametrize(
    ("line", "people"),
    [
        # an English label, a name, a full-width comma and a Chinese title
        ("Discussant: Jane Doe，卡内基研究员", [("Jane Doe", "discussant", "卡内基研究员")]),
        ("Moderator: 赵通，卡内基国际和平研究院高级研究员",
         [("赵通", "moderator", "卡内基国际和平研究院高级研究员")]),
        ("主持人：Jane Doe, Senior Fellow", [("Jane Doe", "moderator", "Senior Fellow")]),
        ("主持人：赵通，卡内基研究员。", [("赵通", "moderator", "卡内基研究员")]),
        ("Discussant: 刘明轩，中国人民大学副教授",
         [("刘明轩", "discussant", "中国人民大学副教授")]),
        ("评议人：刘明轩，副教授；Jane Doe, Senior Fellow, Carnegie Endowment",
         [("刘明轩", "discussant", "副教授"),
          ("Jane Doe", "discussant", "Senior Fellow, Carnegie Endowment")]),
        ("主持人：王立新（清华大学战略与安全研究中心副主任）",
         [("王立新", "moderator", "清华大学战略与安全研究中心副主任")]),
        ("主讲人 李彬 所长", [("李彬", "speaker", "所长")]),
        # names only, or what is no post, gives no title
        ("嘉宾：李彬，樊吉社", [("李彬", "speaker", ""), ("樊吉社", "speaker", "")]),
        ("主讲人 李彬 清华大学", [("李彬", "speaker", "清华大学")]),  # where they work
        ("主讲人：Ada Lovelace（线上）", [("Ada Lovelace", "speaker", "")]),
    ],
)
@pytest.mark.parametrize("script", [str, traditional], ids=["simplified", "traditional"])
def test_a_role_labels_person_keeps_the_title_after_their_name(line, people, script):
    """"Discussant: Jane Doe，卡内基研究员": the title after the name (a comma of either
    width, a space, or brackets) is theirs, shown where their bio would be, in whichever
    script the label, the name and the title are written."""
    page = parse_page(script(INTRO + line))
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        (script(name), role, script(title)) for name, role, title in people]
    assert page.description == script(INTRO).strip() and page.skipped == ()


@pytest.mark.parametrize(
    ("line", "people"),
    [
        # a post after each name: the next name is the next person, not the title's
        ("主持人：王立新（清华大学副主任），李彬 所长",
         [("王立新", "moderator", "清华大学副主任"), ("李彬", "moderator", "所长")]),
        ("嘉宾：李彬，副教授，樊吉社，研究员",
         [("李彬", "speaker", "副教授"), ("樊吉社", "speaker", "研究员")]),
        ("嘉宾：王立新，清华大学副主任，李彬，北京大学教授",
         [("王立新", "speaker", "清华大学副主任"), ("李彬", "speaker", "北京大学教授")]),
        ("嘉宾：李彬 所长，樊吉社 研究员",
         [("李彬", "speaker", "所长"), ("樊吉社", "speaker", "研究员")]),
        ("嘉宾：李彬（所长），樊吉社（研究员）",
         [("李彬", "speaker", "所长"), ("樊吉社", "speaker", "研究员")]),
        # a title of two posts, parted by 、 as a list of names is, in brackets or not
        ("主讲人：傅莹，清华大学战略与安全研究中心主任、外交部原副部长",
         [("傅莹", "speaker", "清华大学战略与安全研究中心主任、外交部原副部长")]),
        ("嘉宾：傅莹，清华大学教授、外交部原副部长；李彬",
         [("傅莹", "speaker", "清华大学教授、外交部原副部长"), ("李彬", "speaker", "")]),
        ("嘉宾：王立新（清华大学副主任、外交部顾问），李彬",
         [("王立新", "speaker", "清华大学副主任、外交部顾问"), ("李彬", "speaker", "")]),
        ("嘉宾：李彬，清华大学教授、樊吉社，研究员",
         [("李彬", "speaker", "清华大学教授"), ("樊吉社", "speaker", "研究员")]),
        # ...or after institutions' 、, the post they all give, one person's
        ("嘉宾：李彬，清华大学、北京大学教授", [("李彬", "speaker", "清华大学、北京大学教授")]),
        ("嘉宾：李彬，清华大学、北京大学教授；王海燕",
         [("李彬", "speaker", "清华大学、北京大学教授"), ("王海燕", "speaker", "")]),
        # a title for some of them only
        ("嘉宾：李彬，清华大学教授，樊吉社",
         [("李彬", "speaker", "清华大学教授"), ("樊吉社", "speaker", "")]),
        ("主持人：Jane Doe, Senior Fellow, 李彬, 教授",
         [("Jane Doe", "moderator", "Senior Fellow"), ("李彬", "moderator", "教授")]),
        # an institution alone after a name is where they work, a remark no title, and the
        # list goes on
        ("嘉宾：李彬，清华大学，樊吉社",
         [("李彬", "speaker", "清华大学"), ("樊吉社", "speaker", "")]),
        ("嘉宾：李彬，线上，樊吉社", [("李彬", "speaker", ""), ("樊吉社", "speaker", "")]),
        # ...parted by spaces as well as by commas
        ("嘉宾：李彬 清华大学 王海燕 北京大学",
         [("李彬", "speaker", "清华大学"), ("王海燕", "speaker", "北京大学")]),
        # ...each with their title, a space before the next name
        ("嘉宾：李彬 清华大学教授 王海燕 北京大学副教授",
         [("李彬", "speaker", "清华大学教授"), ("王海燕", "speaker", "北京大学副教授")]),
        ("主讲人 李彬 所长 王海燕 研究员",
         [("李彬", "speaker", "所长"), ("王海燕", "speaker", "研究员")]),
        ("嘉宾：李彬 线上 王海燕", [("李彬", "speaker", ""), ("王海燕", "speaker", "")]),
        ("嘉宾：李彬，清华大学，教授，樊吉社（视频连线）",
         [("李彬", "speaker", "清华大学，教授"), ("樊吉社", "speaker", "")]),
        # another role's label inside the line gives the names after it that role
        ("主持人：赵通，卡内基研究员；嘉宾：李彬",
         [("赵通", "moderator", "卡内基研究员"), ("李彬", "speaker", "")]),
        ("主持人 赵通，评议人：李彬、樊吉社",
         [("赵通", "moderator", ""), ("李彬", "discussant", ""), ("樊吉社", "discussant", "")]),
        # ...or after the full stop that ends the first role's sentence
        ("主讲人：李彬，清华大学教授。评议人：王海燕，北京大学副教授。",
         [("李彬", "speaker", "清华大学教授"), ("王海燕", "discussant", "北京大学副教授")]),
        ("主持人：赵通。Speakers: Jane Doe",
         [("赵通", "moderator", ""), ("Jane Doe", "speaker", "")]),
        # a sentence after the title is no part of it, and narrates its own role
        ("主持人：赵通，卡内基国际和平研究院高级研究员，李彬将进行评议。",
         [("李彬", "discussant", ""), ("赵通", "moderator", "卡内基国际和平研究院高级研究员")]),
    ],
)
@pytest.mark.parametrize("script", [str, traditional], ids=["simplified", "traditional"])
def test_each_person_of_a_role_line_keeps_their_own_title(line, people, script):
    """"嘉宾：李彬，副教授，樊吉社，研究员": a role's line names people each followed by
    their title; a post is the title of the person before it, a name the next person, so
    nobody is lost, read as a post, or written into another's title."""
    page = parse_page(script(INTRO + line))
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        (script(name), role, script(title)) for name, role, title in people]
    assert page.description == script(INTRO).strip() and page.skipped == ()


@pytest.mark.parametrize("title", [
    "清华大学国际关系研究院院长", "卡内基国际和平研究院访问学者", "中国前驻美国大使",
    "中国军控与裁军协会会长", "中信集团董事长", "全球安全论坛主席", "外交部军控司司长",
    "中国国际金融公司总裁", "北京大学国际关系学院讲师", "联合国核不扩散问题专家",
    "联合国裁军咨询委员会成员", "外交部政策咨询委员会顾问", "《世界知识》杂志主编",
    "《环球时报》资深编辑", "新华社驻华盛顿记者", "凤凰卫视新闻总监", "中国核工业集团项目经理",
    "中国军控与裁军协会秘书长", "中国国际问题研究基金会理事", "中国常驻联合国代表",
])
@pytest.mark.parametrize("script", [str, traditional], ids=["simplified", "traditional"])
def test_each_post_after_a_name_on_a_role_line_is_their_title(title, script):
    """"主持人：王立新，中国前驻美国大使": a phrase after the name that names a post is
    their title, whatever the post."""
    page = parse_page(script(f"{INTRO}主持人：王立新，{title}"))
    assert [(p.name, p.role, p.bio) for p in page.people] == [
        (script("王立新"), "moderator", script(title))]
    assert page.description == script(INTRO).strip()


@pytest.mark.parametrize(("line", "people"), [
    ("致辞：邱勇，清华大学校长", [("邱勇", "清华大学校长")]),
    ("开幕致辞：邱勇，清华大学副校长", [("邱勇", "清华大学副校长")]),
    ("欢迎致辞：邱勇", [("邱勇", "")]),
    ("闭幕致辞 邱勇", [("邱勇", "")]),
    ("主持人：赵通；致辞：邱勇，清华大学校长", [("赵通", ""), ("邱勇", "清华大学校长")]),
    # no person's name: the line stays in the description
    ("致辞：清华大学", []), ("致辞：待定", []), ("致辞：学生代表", []),
])
@pytest.mark.parametrize("script", [str, traditional], ids=["simplified", "traditional"])
def test_who_gives_remarks_is_a_speaker(line, people, script):
    """"致辞：邱勇，清华大学校长" (opening remarks): the person giving remarks is the
    event's speaker, with their title, as "Welcome remarks by Jane Doe" makes her; a line
    naming nobody stays in the description."""
    page = parse_page(script(INTRO + line))
    assert [(p.name, p.bio) for p in page.people] == [
        (script(name), script(title)) for name, title in people]
    assert [p.role for p in page.people if p.name != script("赵通")] == [
        "speaker" for name, _ in people if name != "赵通"]
    assert (script(line) in page.description) == (not people)


def test_remarks_by_an_english_page_give_the_same_role():
    """The role a Chinese 致辞 line gives is the one English remarks give."""
    english = parse_page(INTRO + "Welcome remarks by Jane Doe.")
    chinese = parse_page(INTRO + "欢迎致辞：邱勇")
    assert [p.role for p in english.people] == [p.role for p in chinese.people] == ["speaker"]


@pytest.mark.parametrize("title", ["Nuclear Futures in Asia | 亚洲核未来",
                                   "亚洲核未来 / Nuclear Futures in Asia",
                                   "Nuclear Futures in Asia｜亚洲核未来"])
def test_a_title_in_both_languages_opens_no_other_version_at_the_next_line(title):
    """A title given in both languages on one line is the page's in both: the English date
    and venue under it are the page's, not the start of its English version."""
    page = parse_page(f"{title}\nThursday, June 4, 2026, 2:00 PM - 4:00 PM\nBeijing\n\n"
                      "Experts discuss the future of nuclear arms control in Asia.\n\n"
                      "专家讨论亚洲核军控的未来。\n\nModerator: Tong Zhao\n")
    assert (page.title, page.location) == (title, "Beijing")
    assert page.description == ("Experts discuss the future of nuclear arms control in Asia."
                                "\n\n专家讨论亚洲核军控的未来。")


# --- one case per word of the Chinese rules --------------------------------------------------

PROSE = "中美两国专家将讨论核军控的前景，欢迎各界人士关注。"


@pytest.mark.parametrize(("notice", "expected"), [
    ("会议报名已截止。", {"registration_closed": True}),
    ("讲座报名已经结束。", {"registration_closed": True}),
    ("报名已关闭。", {"registration_closed": True}),
    ("名额已满。", {"registration_closed": True}), ("座位已满。", {"registration_closed": True}),
    ("人数已满。", {"registration_closed": True}), ("停止报名。", {"registration_closed": True}),
    ("本场讲座报名已满。", {"registration_closed": True}),
    ("不公开报道。", {"off_the_record": True}), ("不对外报道。", {"off_the_record": True}),
    ("不录音。", {"off_the_record": True}), ("不录像。", {"off_the_record": True}),
    ("不录影。", {"off_the_record": True}),
    ("此次会议为闭门会议。", {"off_the_record": True}),
    ("本次研讨会将以闭门形式举行。", {"off_the_record": True}),
    ("提供英文同声传译。", {"translation": "English"}),
    ("配有英文同传。", {"translation": "English"}),
    ("现场提供英文翻译。", {"translation": "English"}),
    ("全程使用英文。", {"language": "English"}), ("以英文进行。", {"language": "English"}),
    ("将以英文举行。", {"language": "English"}),
    ("本场活动以英文进行。", {"language": "English"}),
    ("此次活动以英文开展。", {"language": "English"}),
])
def test_each_wording_of_a_notice_about_the_event_in_prose_counts(notice, expected):
    """A notice closing a paragraph of prose, the event its subject or none: what it says
    counts, and the paragraph stays whole."""
    for text in (PROSE + notice, traditional(PROSE + notice)):
        page = parse_page(INTRO + text)
        assert page.description == INTRO + text
        for name, value in expected.items():
            assert getattr(page, name) == value, name


@pytest.mark.parametrize("notice", [
    "不作公开报导。", "座谈会采取闭门形式。", "讨论会均采用闭门方式。", "对话仍闭门进行。",
    "论坛闭门召开。", "闭门研讨，谢绝旁听。", "闭门座谈，谢绝旁听。", "本场会议将闭门举行。",
    "本次活动将闭门举行。", "讲座以闭门形式举行。", "闭门会议，谢绝旁听。",
])
def test_each_wording_of_an_off_the_record_notice_on_its_own_line_counts(notice):
    for script in (str, traditional):
        page = parse_page(script(INTRO + notice))
        assert page.off_the_record and page.description == script(INTRO).strip()


@pytest.mark.parametrize("subject", ["讲座", "活动", "会议", "论坛", "研讨会", "报告会", "对话",
                                     "座谈", "座谈会"])
def test_a_sentence_about_the_event_under_a_guests_name_is_no_bio(subject):
    """Under a heading of guests, the sentence after a name line is their bio when it
    names a post, unless the event is its subject."""
    said = f"{subject}由清华大学国际关系学系主任主持。"
    page = parse_page(INTRO + f"主讲人\n\n李彬\n\n{said}")
    assert [(p.name, p.role, p.bio) for p in page.people] == [("李彬", "speaker", "")]
    assert page.description == INTRO + said


@pytest.mark.parametrize("kind", ["", "活动", "会议", "讲座", "论坛", "研讨会", "报告会", "举办"])
def test_each_kind_of_event_may_name_a_field_line(kind):
    page = parse_page(f"核军控的未来\n{kind}时间：2026年12月1日\n{kind}地点：清华大学\n\n{INTRO}")
    assert (page.title, page.date_text, page.location) == ("核军控的未来", "2026年12月1日",
                                                           "清华大学")
    assert page.description == INTRO.strip()


def test_a_field_line_may_name_the_venue_hall():
    page = parse_page(f"核军控的未来\n时间：2026年12月1日\n会场地址：清华大学\n\n{INTRO}")
    assert (page.date_text, page.location) == ("2026年12月1日", "清华大学")


@pytest.mark.parametrize("heading", [
    "嘉宾", "嘉宾简介", "嘉宾介绍", "与会嘉宾", "参会嘉宾", "发言嘉宾", "演讲嘉宾", "主讲嘉宾",
    "对话嘉宾", "主讲人简介", "主讲者简介", "讲者介绍", "演讲人介绍", "与谈人简介", "评议人介绍",
    "点评人简介", "主持人介绍",
])
def test_each_heading_of_guests_gives_the_card_under_it_its_bio(heading):
    """A card under a heading of guests: the name, then the post they hold, though the
    sentence does not open with the name."""
    bio = "清华大学国际关系学系教授，长期研究核军控。"
    for script in (str, traditional):
        page = parse_page(script(f"{INTRO}{heading}\n\n李彬\n\n{bio}"))
        assert [(p.name, p.bio) for p in page.people] == [(script("李彬"), script(bio))]
        assert page.description == script(INTRO).strip()


LANGUAGES = [("中", "Chinese"), ("汉", "Chinese"), ("英", "English"), ("日", "Japanese"),
             ("韩", "Korean"), ("俄", "Russian"), ("法", "French"), ("德", "German"),
             ("西班牙", "Spanish"), ("阿拉伯", "Arabic")]
# Each way to say what language the event is in: {} is where a language is named
LANGUAGE_NOTES = ["本次活动以{}进行。", "本次活动用{}举行。", "本次活动使用{}开展。",
                  "本次活动采用{}进行。", "活动全程{}。", "活动全程使用{}。", "会议语言：{}",
                  "工作语言为{}。", "会议语言是{}。", "活动全程用{}。", "活动全程以{}交流。",
                  "活动全程采用{}。"]


@pytest.mark.parametrize("note", LANGUAGE_NOTES)
@pytest.mark.parametrize(("chars", "language"), LANGUAGES)
def test_each_language_each_notice_names_is_the_events(note, chars, language):
    """"本次活动以英语进行": the language named, alone ("英语"), first of two ("英中双语",
    "中英文") or first of a list ("英文和中文"), is the event's."""
    others = [c for c, _ in LANGUAGES if c != chars]
    for spoken in (f"{chars}语", f"{chars}文", f"{chars}{others[0]}双语",
                   f"{chars}{others[-1]}文", f"{chars}文和{others[1]}语"):
        page = parse_page(INTRO + note.format(spoken))
        assert page.language == language, spoken
        assert page.description == INTRO.strip()


@pytest.mark.parametrize(("chars", "language"), LANGUAGES)
@pytest.mark.parametrize("note", LANGUAGE_NOTES)
def test_each_language_may_be_second_of_two(chars, language, note):
    first = "英" if chars != "英" else "中"
    for spoken in (f"{first}{chars}双语", f"{first}文和{chars}语", f"{first}文与{chars}文",
                   f"{first}文及{chars}文", f"{first}文、{chars}文"):
        page = parse_page(INTRO + note.format(spoken))
        assert page.language == dict(LANGUAGES)[first], spoken
        assert page.description == INTRO.strip()


@pytest.mark.parametrize(("written", "hour"), [
    ("下午3点", 15), ("傍晚6点", 18), ("晚上8点", 20), ("晚间8点", 20), ("晚8点", 20),
    ("下午3:30", 15), ("晚上8:00", 20), ("上午9点", 9), ("早上8点", 8), ("早8点", 8),
])
def test_each_part_of_the_day_before_an_hour_sets_its_half_of_the_day(written, hour):
    page = parse_page(f"核军控的未来\n2026年12月1日\n{written}\n\n{INTRO}")
    assert page.date_text == f"2026年12月1日 {written}"
    assert read_page_when(page.date_text, "UTC").starts_at.hour == hour


# What a role's line may give instead of a name: a placeholder ("待定", "拟邀"), a remark
# ("线上", "视频连线"), a place or a side ("北京", "中方"), an institution's short name
# ("清华", "卡内基"), a post or a role word ("教授", "主讲人"), a word opening a sentence or
# an agenda's item ("随后", "茶歇"), no person's name.
NO_NAME = [
    "上海", "与谈人", "专家", "中国", "中方", "中美", "中美关系", "主办人", "主办方", "主持",
    "主持人", "主讲人", "主讲者", "主题", "之后", "他们", "休息", "会议", "俄罗斯", "先生",
    "兰德", "其后", "其次", "北京", "北大", "午餐", "华盛顿", "博士", "卡内基", "受邀", "另外",
    "另定", "合影", "同时", "哈佛", "在线", "地点", "复旦", "外方", "女士", "学者", "届时",
    "布鲁金斯", "开幕", "待定", "待确认", "我们", "报名", "拟邀", "提问", "教授", "日期",
    "日本", "时间", "晚宴", "最后", "朝鲜", "本场", "本次", "来宾", "欢迎", "此后", "此外",
    "此次", "注意", "注意事项", "活动", "清华", "演讲人", "点评人", "然后", "特邀", "现场",
    "研究员", "确认中", "签到", "线上", "线下", "美国", "美方", "联系", "联系人", "背景",
    "致辞", "茶歇", "视频", "视频连线", "讨论", "讲者", "评议人", "说明", "贵宾", "远程",
    "连线", "闭幕", "问答", "随后", "韩国", "领导", "题目", "首先",
]


@pytest.mark.parametrize("word", NO_NAME)
def test_a_role_line_giving_a_word_that_is_no_name_names_nobody(word):
    page = parse_page(INTRO + f"主持人：{word}")
    assert page.people == ()
    assert page.description == INTRO + f"主持人：{word}"


@pytest.mark.parametrize(("written", "hour", "minute"), [
    ("下午一点", 13, 0), ("下午二点", 14, 0), ("下午两点半", 14, 30), ("下午三点一刻", 15, 15),
    ("下午四点", 16, 0), ("下午五点", 17, 0), ("晚上六点", 18, 0), ("晚上七点", 19, 0),
    ("晚上八点", 20, 0), ("晚上九点", 21, 0), ("上午十点零五分", 10, 5),
    ("上午十点〇五分", 10, 5), ("上午十一点二十五分", 11, 25),
])
def test_each_chinese_numeral_of_an_hour_or_its_minutes_is_read(written, hour, minute):
    page = parse_page(f"核军控的未来\n2026年12月1日\n{written}\n\n{INTRO}")
    assert page.date_text == f"2026年12月1日 {written}"
    starts = read_page_when(page.date_text, "UTC").starts_at
    assert (starts.hour, starts.minute) == (hour, minute)


@pytest.mark.parametrize("night", ["晚上", "晚间", "晚"])
def test_the_nights_24_oclock_is_the_midnight_ending_the_day(night):
    page = parse_page(f"核军控的未来\n2026年12月1日\n{night}24点\n\n{INTRO}")
    assert read_page_when(page.date_text, "UTC").starts_at == datetime(2026, 12, 2, tzinfo=UTC)


@pytest.mark.parametrize(("line", "start", "end"), [
    # a date in Chinese numerals, as in digits
    ("二〇二七年三月十二日下午两点", utc(2027, 3, 12, 6), None),
    ("二零二七年十二月一日", utc(2027, 12, 1), utc(2027, 12, 2)),
    ("2027年三月十二日 下午2:00-4:00", utc(2027, 3, 12, 6), utc(2027, 3, 12, 8)),
    # two days, each with its own session: over with the second's
    ("2027年3月12日（周五）下午2:00-4:00，3月13日（周六）上午9:00-12:00",
     utc(2027, 3, 12, 6), utc(2027, 3, 13, 4)),
    ("二〇二七年三月十二日（星期五）下午两点至四点，三月十三日（星期六）上午九点至十二点",
     utc(2027, 3, 12, 6), utc(2027, 3, 13, 4)),
])
@pytest.mark.parametrize("script", [str, traditional], ids=["simplified", "traditional"])
def test_a_pages_date_line_in_numerals_or_of_two_sessions_gives_the_events_times(
        script, line, start, end):
    """A moderator's import: the page's unlabelled date line is found as the date line, and
    read to the event's start and end (its weekdays being its days', with no note)."""
    text = f"核军控的未来\n{line}\n北京大学国际关系学院\n\n主持人：赵通\n\n{INTRO}"
    page = parse_page(script(text))
    assert (page.title, page.date_text, page.location, page.moderator) == (
        script("核军控的未来"), script(line), script("北京大学国际关系学院"), script("赵通"))
    when = read_page_when(page.date_text, "Asia/Shanghai")
    assert (when.starts_at, when.ends_at) == (start, end)
    assert (when.note is None) == (start is not None)


def test_a_title_naming_a_day_in_numerals_without_a_year_is_no_date_line():
    page = parse_page("九月十一日之后的美国\n北京大学\n\n本次讲座将讨论美国外交。")
    assert (page.title, page.date_text) == ("九月十一日之后的美国", None)


@pytest.mark.parametrize(("title", "line"), [
    ("十月七日之后的中东", "二〇二六年十二月一日 下午6点"),
    ("10月7日之后的中东", "2026年12月1日 下午6点")])
@pytest.mark.parametrize("script", [str, traditional], ids=["simplified", "traditional"])
def test_a_title_naming_a_day_in_passing_stays_the_title_over_the_date_line(script, title, line):
    """"十月七日之后的中东" names a date, as the date line under it does with its year: the
    line of prose is the title, as "Remembering June 4" is an English page's."""
    page = parse_page(script(f"{title}\n{line}\n北京\n\n{INTRO}"))
    assert (page.title, page.date_text, page.location) == (
        script(title), script(line), script("北京"))


# Where a guest works and the post they hold there, as a card writes it
CARD_POSTS = [
    "卡内基—清华全球政策中心研究员", "清华大学国际关系学系教授", "清华大学战略与安全研究中心主任",
    "清华大学国际关系研究院院长", "中国社会科学院美国研究所所长", "卡内基国际和平研究院访问学者",
    "中国前驻美国大使", "中国军控与裁军协会会长", "中国国际问题研究基金会理事长", "中信集团董事长",
    "全球安全论坛主席", "新加坡前外交部部长", "外交部军控司司长", "中国国际金融公司总裁",
]


@pytest.mark.parametrize("post", [
    *CARD_POSTS, "卡内基国际和平研究院核政策项目Senior Fellow", "哈佛大学肯尼迪政府学院Professor",
    "卡内基中国中心Director",
])
def test_each_post_opening_a_card_s_sentence_makes_it_the_guests_bio(post):
    """Under "主讲人", the sentence under a name line that opens with where they work and
    their post is their bio, though it does not open with the name."""
    bio = f"{post}，长期研究核军控与战略稳定。"
    for script in (str, traditional):
        page = parse_page(script(f"{INTRO}主讲人\n\n李彬\n\n{bio}"))
        assert [(p.name, p.role, p.bio) for p in page.people] == [
            (script("李彬"), "speaker", script(bio))]
        assert page.description == script(INTRO).strip()


@pytest.mark.parametrize("post", CARD_POSTS)
def test_each_post_ending_a_card_s_title_line_makes_it_the_guests_title(post):
    """"李彬" over "中国前驻美国大使" under a heading of guests: the line is his title, and
    the prose after it is still the event's."""
    prose = "他将与中外学者讨论新技术对战略稳定的影响。"
    for script in (str, traditional):
        page = parse_page(script(f"{INTRO}嘉宾\n\n李彬\n\n{post}\n\n{prose}"))
        assert [(p.name, p.bio) for p in page.people] == [(script("李彬"), script(post))]
        assert page.description == script(INTRO + prose)


@pytest.mark.parametrize("heading", ["评议学者", "点评学者", "与谈学者", "主讲学者", "主持学者",
                                     "特邀学者", "发言学者", "点评专家", "特邀评议学者"])
def test_a_heading_of_people_in_a_role_is_nobody(heading):
    """"评议学者" (the discussants) between two cards heads the next: no person of that
    name, and no card's title."""
    for script in (str, traditional):
        page = parse_page(script(f"{INTRO}主讲人\n\n林中斌\n\n{heading}\n\n王信贤\n\n"
                                 "政治大学东亚研究所所长"))
        assert [(p.name, p.bio) for p in page.people] == [
            (script("林中斌"), ""), (script("王信贤"), script("政治大学东亚研究所所长"))]


# A whole page whose cards sit under headings of people in a role ("评议学者")
ROLE_HEADED_CARDS = (
    "核军控的未来：大国竞争时代的战略稳定\n\n"
    "时间：2026年12月1日 下午6点\n\n地点：北京清华大学\n\n"
    "随着大国竞争加剧，传统的核军控框架面临前所未有的压力。\n\n"
    "主讲学者\n\n李彬\n\n清华大学国际关系学系教授\n\n"
    "{heading}\n\n王海燕\n\n中国社会科学院美国研究所研究员\n\n"
    "樊吉社\n\n中国社会科学院美国研究所所长\n\n"
    "报名已截止。\n")


@pytest.mark.parametrize(("heading", "role"), [
    ("评议学者", "discussant"), ("点评专家", "discussant"), ("特邀评议学者", "discussant"),
    ("与谈学者", "discussant"), ("主持学者", "moderator"), ("发言学者", "speaker")])
def test_the_people_under_a_heading_of_people_in_a_role_have_that_role(heading, role):
    """"评议学者" alone over the cards: each card under it is a person in its role (the
    discussants), with their title; the heading is no line of the event's description."""
    for script in (str, traditional):
        page = parse_page(script(ROLE_HEADED_CARDS.format(heading=heading)))
        assert [(p.name, p.role, p.bio) for p in page.people] == [
            (script("李彬"), "speaker", script("清华大学国际关系学系教授")),
            (script("王海燕"), role, script("中国社会科学院美国研究所研究员")),
            (script("樊吉社"), role, script("中国社会科学院美国研究所所长"))]
        assert page.description == script("随着大国竞争加剧，传统的核军控框架面临前所未有的压力。")
        assert page.registration_closed


# A whole page whose guests' line lists English names, the first with where she works in
# brackets, the two joined by a conjunction in either language
GUESTS_IN_ENGLISH = (
    "中美核政策对话\n\n时间：2026年12月1日 下午6点\n\n地点：北京清华大学\n\n"
    "随着大国竞争加剧，传统的核军控框架面临前所未有的压力。\n\n"
    "主持人：赵通\n\n嘉宾：Jane Doe（卡内基国际和平研究院）{joined}{second}\n\n"
    "本次对话以中文进行，提供英文同声传译。\n")


@pytest.mark.parametrize("joined", ["and ", " and ", "和", " 和 ", "及", "与", "、", "，", " & "])
@pytest.mark.parametrize("second", ["John Smith", "Rand Paul", "Brandon Lee"])
def test_english_names_joined_on_a_chinese_guests_line_are_each_a_guest(joined, second):
    """"嘉宾：Jane Doe（卡内基国际和平研究院）and John Smith": both are guests, Jane Doe with
    her affiliation, whether "and", "和", "及", "与" or "、" joins them (and a name holding
    "and", "Rand Paul", is read whole)."""
    for script in (str, traditional):
        page = parse_page(script(GUESTS_IN_ENGLISH.format(joined=joined, second=second)))
        assert [(p.name, p.role, p.bio) for p in page.people] == [
            (script("赵通"), "moderator", ""),
            ("Jane Doe", "speaker", script("卡内基国际和平研究院")),
            (second, "speaker", "")]
        assert page.description == script("随着大国竞争加剧，传统的核军控框架面临前所未有的压力。")
        assert (page.language, page.translation) == ("Chinese", "English")


# A whole page that names who gives remarks and the keynote in its prose, each after their
# title: "清华大学校长邱勇将致开幕词"
REMARKS_IN_PROSE = (
    "中美关系研讨会\n\n时间：2026年12月1日 上午9点\n\n地点：北京清华大学主楼\n\n"
    "随着大国竞争加剧，传统的核军控框架面临前所未有的压力。\n\n{sentence}\n\n"
    "主持人：赵通\n\n本次研讨会以中文进行。\n")


@pytest.mark.parametrize(("sentence", "name", "title"), [
    ("清华大学校长邱勇将致开幕词。", "邱勇", "清华大学校长"),
    ("清华大学校长邱勇将致辞。", "邱勇", "清华大学校长"),
    ("会议开始后，清华大学校长邱勇致欢迎辞。", "邱勇", "清华大学校长"),
    ("中国社会科学院美国研究所所长吴白乙将作主旨演讲。", "吴白乙", "中国社会科学院美国研究所所长"),
    ("卡内基国际和平研究院院长李彬将发表主旨演讲。", "李彬", "卡内基国际和平研究院院长"),
    ("本次研讨会由清华大学教授阎学通主持。", "阎学通", "清华大学教授"),
])
def test_who_gives_remarks_after_their_title_in_prose_is_a_speaker_with_that_title(
        sentence, name, title):
    """"清华大学校长邱勇将致开幕词": 邱勇 gives the opening remarks (a speaker, as "致辞：邱勇"
    makes him), his title is where he works and his post, and the sentence still describes
    the event."""
    for script in (str, traditional):
        page = parse_page(script(REMARKS_IN_PROSE.format(sentence=sentence)))
        role = "moderator" if sentence.endswith("主持。") else "speaker"
        assert (script(name), role, script(title)) in [(p.name, p.role, p.bio) for p in page.people]
        assert script(sentence) in page.description
        if role == "speaker":
            assert roles(page)[script("赵通")] == "moderator"


@pytest.mark.parametrize("sentence", [
    "清华大学校长将致开幕词。", "本次会议主席将致开幕词。", "与会专家学者将作主旨演讲。",
    "多位知名教授都将作主旨演讲。", "研究院院长今天将致辞。", "中方代表将致开幕词。",
    "学者们将作主旨演讲。", "他曾多次在国际会议上作主旨演讲。", "研究院院长随后致辞。",
    "各位教授也将发表主旨演讲。", "知名学者明天将作主旨演讲。",
    # how, or with whom, after the title: no name ("共同", "团长" of 代表团团长 were people)
    "由中方代表团团长致开幕词。", "会议由两位院长联合主持。", "会议由三位教授轮流主持。",
    "会议由中美两国学者共同主持。", "随后由清华大学校长亲自致辞。", "由研究院院长先后致辞。",
    "由中心主任助理主持。", "由所长本人致辞。", "会议由主任委员主持。",
    "由研究所所长分别致辞。", "学院院长本周将致辞。", "论坛由两位所长一同主持。",
    "由访问团团长致辞。", "由学院院长本人主持。",
])
def test_a_sentence_about_remarks_that_names_nobody_gives_no_person(sentence):
    for script in (str, traditional):
        page = parse_page(script(REMARKS_IN_PROSE.format(sentence=sentence)))
        assert [p.name for p in page.people] == [script("赵通")]
        assert script(sentence) in page.description


@pytest.mark.parametrize("companions", ["及夫人", "和夫人", "与夫人", "及其团队", "与其夫人",
                                        "及家属", "及随员", "和其他专家", "及多位学者"])
def test_who_comes_with_a_guest_after_her_bracket_is_nobody_s_name(companions):
    """"嘉宾：Jane Doe（前美国驻华大使）及夫人": she and her husband are invited, but 夫人
    (or 其团队, her team) is no guest's name: a card titled 夫人 would list a stranger."""
    for script in (str, traditional):
        page = parse_page(script(GUESTS_IN_ENGLISH.format(joined="", second=companions)))
        assert [(p.name, p.role) for p in page.people] == [
            (script("赵通"), "moderator"), ("Jane Doe", "speaker")]
