"""An event's content merged from its slots (one page of each kind and language): what
each slot's pages gave, kept as JSON beside its page, which page an import replaces, and
the order they are merged in. An edited page imported again replaces what it said; pages
imported once each merge as they did when they came."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
import unicodedata
from functools import reduce
from pathlib import Path

import pytest

from bot.content import (
    EventContent,
    PageContent,
    Slot,
    filled_slots,
    merged_content,
    new_recaps,
    newly_closed,
    people_matching,
    person_called,
    rebuilt_content,
    replaces_other_pages,
)
from bot.page_model import Person
from bot.pages import parse_page
from bot.pages_names import _SIMPLIFIED, key, search_text, with_other_script
from bot.pages_zh import HAN
from tests.traditional import TRADITIONAL

PAGES = Path(__file__).parent / "pages"
ANNOUNCEMENT = """\
Arms Control After New START
December 1, 2031, 6:00 PM
Carnegie Endowment, Washington

Experts discuss arms control after the treaty expires.

Moderator: Ada Lovelace
Speakers: Alan Turing, Grace Hopper

Ada Lovelace is a senior fellow.
Alan Turing works on verification.
Grace Hopper directs the nuclear policy program.
"""
EDITED = ANNOUNCEMENT.replace("Speakers: Alan Turing, Grace Hopper", "Speaker: Alan Turing"
                              ).replace("Grace Hopper directs the nuclear policy program.\n",
                                        "").replace("works on verification",
                                                    "leads the verification project"
                                                    ).replace("the treaty", "New START")


def part(text: str) -> PageContent:
    return PageContent.of(parse_page(text), text,
                          hashlib.sha256(text.encode()).hexdigest())


def sample(name: str) -> PageContent:
    return part((PAGES / name).read_text())


def imported(*imports: list[PageContent]) -> EventContent:
    """The content after each import in turn, as the stores keep and merge it."""
    slots: dict[tuple[str, str], Slot | None] = {}
    for pages in imports:
        slots |= filled_slots(slots, pages)
    return merged_content(slot for slot in slots.values() if slot is not None)


def one_by_one(*pages: PageContent) -> EventContent:
    """Each page merged into the content as it came (the rule before slots were kept)."""
    return reduce(EventContent.merged_with, pages, EventContent())


def test_what_a_slots_pages_give_is_kept_whole_as_json():
    pages = tuple(sample(name) for name in ("seed_announcement.txt", "seed_recap.txt",
                                            "zh_announcement.txt", "bilingual.txt"))
    assert all(page.people or page.takeaways for page in pages)
    assert Slot.from_json(Slot(2, 5, pages).to_json()) == Slot(2, 5, pages)
    odd = PageContent("recap", "zh", 'say "hi"\n', True, ("a\\b",), "Chinese", None, (), (),
                      "h")
    assert Slot.from_json(Slot(1, 1, (odd,)).to_json()) == Slot(1, 1, (odd,))
    # takeaways an earlier page gave, which the slot's page no longer has
    assert Slot.from_json(Slot(1, 2, (odd,), True).to_json()) == Slot(1, 2, (odd,), True)
    assert Slot(1, 2, (odd,), True).told and not Slot(1, 1, (odd,)).told


def test_whether_a_page_said_registration_has_closed_is_kept_and_unknown_before_it_was():
    closed = PageContent("announcement", "en", "Closed.", text_hash="h",
                         registration_closed=True)
    assert Slot.from_json(Slot(1, 1, (closed,)).to_json()) == Slot(1, 1, (closed,))
    # as a slot was written before the flag was kept: not known either way
    before = '{"first":1,"last":1,"pages":[["announcement","en","",false,[],null,null,[],[],"h"]]}'
    assert Slot.from_json(before).pages[0].registration_closed is None


def test_registration_closes_on_a_page_only_where_no_page_said_so_or_may_have():
    said_open = PageContent("announcement", "en", text_hash="a", registration_closed=False)
    closing = PageContent("announcement", "en", text_hash="b", registration_closed=True)
    zh_closing = dataclasses.replace(closing, lang="zh", text_hash="c")
    assert newly_closed({("announcement", "en"): Slot(1, 1, (said_open,))}, [closing])
    assert newly_closed({("announcement", "en"): Slot(1, 1, (said_open,))}, [zh_closing])
    assert not newly_closed({("announcement", "en"): Slot(1, 1, (said_open,))}, [said_open])
    assert not newly_closed({("announcement", "en"): Slot(1, 1, (closing,))}, [closing])
    assert not newly_closed({("announcement", "en"): Slot(1, 1, (closing,))}, [zh_closing])
    unknown = dataclasses.replace(said_open, registration_closed=None)
    assert not newly_closed({("announcement", "en"): Slot(1, 1, (unknown,))}, [closing])
    assert not newly_closed({("announcement", "en"): None}, [closing])


@pytest.mark.parametrize("stored", [None, "", "null", "{}", "[1, 2]", '{"pages": []}',
                                    '{"first": 1, "last": 1, "pages": []}', "not json",
                                    '{"first": 1, "last": 1, "pages": [["recap"]]}',
                                    '[["a","en","",0,[],null,null,[],[]]]'])
def test_a_value_this_code_did_not_write_reads_as_none(stored):
    assert Slot.from_json(stored) is None


def test_pages_imported_once_each_merge_as_they_did_when_they_came():
    pages = [sample(name) for name in ("seed_announcement.txt", "zh_announcement.txt",
                                       "seed_recap.txt", "zh_recap.txt", "bilingual.txt")]
    # announcements first, in either order, then the recaps, in either order
    for announcements, recaps in itertools.product(itertools.permutations(pages[:2]),
                                                   itertools.permutations(pages[2:4])):
        order = announcements + recaps
        assert imported(*([page] for page in order)) == one_by_one(*order)
    chinese = sample("zh_announcement.txt")
    bilingual = part(ANNOUNCEMENT + "\n专家们将探讨新削减战略武器条约到期后的军控前景。\n")
    assert (bilingual.kind, bilingual.lang) == ("announcement", "en")  # mostly English
    # a bilingual page after a Chinese one: its English stays (fixed orders lost it)
    kept = imported([chinese], [bilingual])
    assert kept == one_by_one(chinese, bilingual) and "Experts discuss" in kept.description
    assert imported(pages[:2]) == one_by_one(*pages[:2])  # one import of two pages


def test_of_two_recaps_the_last_imported_gives_the_summary_and_takeaways():
    english, chinese = sample("seed_recap.txt"), sample("zh_recap.txt")
    assert english.takeaways and chinese.takeaways and english.takeaways != chinese.takeaways
    announcement = sample("seed_announcement.txt")
    for first, last in ((english, chinese), (chinese, english)):
        assert imported([first], [last]).takeaways == last.takeaways
        assert imported([first, last]).takeaways == last.takeaways  # one import, in order
        # the announcement imported again moves neither recap
        assert imported([first, last], [announcement]).takeaways == last.takeaways
    edited = part((PAGES / "seed_recap.txt").read_text().replace("Missile", "Missile Defense"))
    assert edited.takeaways != english.takeaways
    assert imported([english], [chinese], [edited]).recap_summary == edited.description


def test_an_edited_page_replaces_what_it_said():
    chinese = sample("zh_announcement.txt")
    before = imported([part(ANNOUNCEMENT)], [chinese])
    assert [p.name for p in before.people][:3] == ["Ada Lovelace", "Alan Turing",
                                                   "Grace Hopper"]
    after = imported([part(ANNOUNCEMENT)], [chinese], [part(EDITED)])
    names = [p.name for p in after.people]
    assert "Grace Hopper" not in names and names[:2] == ["Ada Lovelace", "Alan Turing"]
    assert "leads the verification project" in after.people[1].bio
    # the description: the edited English one, then the Chinese, not both English ones
    assert after.description == f"{part(EDITED).description}\n\n{chinese.description}"
    # merged page by page (the old rule) the speaker gone stayed, the English came twice
    piecemeal = one_by_one(part(ANNOUNCEMENT), chinese, part(EDITED))
    assert "Grace Hopper" in [p.name for p in piecemeal.people]
    assert piecemeal.description.count("Experts discuss") == 2


SPEAKERS = ("The Speakers\n\nModerator: Katherine Johnson\n"
            "Speakers: Mary Jackson, Dorothy Vaughan\n\nKatherine Johnson is a mathematician.\n")


def test_a_folders_two_pages_of_one_slot_stay_together_until_one_is_edited():
    announcement, speakers = part(ANNOUNCEMENT), part(SPEAKERS)
    assert (announcement.kind, announcement.lang) == (speakers.kind, speakers.lang)
    both = {"Ada Lovelace", "Grace Hopper", "Katherine Johnson", "Mary Jackson"}
    assert both <= {p.name for p in imported([announcement, speakers]).people}
    # one of them again, unchanged: it takes its own place, the other stays
    again = imported([announcement, speakers], [speakers])
    assert both <= {p.name for p in again.people}
    # an edited page takes the slot's place: what both said goes, and the preview says so
    slot = filled_slots({}, [announcement, speakers])[("announcement", "en")]
    assert not replaces_other_pages(slot, None, speakers.text_hash)
    assert replaces_other_pages(slot, None, part(EDITED).text_hash)
    edited = imported([announcement, speakers], [part(EDITED)])
    assert not {"Grace Hopper", "Katherine Johnson"} & {p.name for p in edited.people}
    # a slot from before slots were kept: its page's hash is all that is known
    assert not replaces_other_pages(None, "h", "h") and replaces_other_pages(None, "h", "i")


def test_a_slot_from_before_slots_were_kept_leaves_the_merge_as_it_was():
    slot = filled_slots({}, [part(ANNOUNCEMENT)])[("announcement", "en")]
    assert rebuilt_content([slot]) == merged_content([slot])
    assert rebuilt_content([slot, None]) is None


def test_a_recap_is_news_only_when_it_brings_the_event_its_first_takeaways():
    recap, other = sample("seed_recap.txt"), sample("zh_recap.txt")
    assert recap.takeaways and other.takeaways
    told = filled_slots({}, [recap])[("recap", recap.lang)]
    # held with takeaways: neither the other language's recap nor an edited text is news
    assert new_recaps([told], [other, part(ANNOUNCEMENT)]) == [False, False]
    assert new_recaps([], [recap, other]) == [True, False]  # two in one import: one notice
    assert new_recaps([None], [recap]) == [False]  # a slot from before slots were kept
    bare = dataclasses.replace(recap, takeaways=())
    untold = filled_slots({}, [bare])[("recap", bare.lang)]
    assert new_recaps([untold], [bare, recap]) == [False, True]


def names(content: EventContent) -> list[str]:
    return [person.name for person in content.people]


ZH_ANNOUNCEMENT = """\
新削减战略武器条约之后的军控

主持人：阿达（Ada Lovelace）
主讲人：图灵（Alan Turing）、Grace Hopper

阿达是高级研究员。
"""


def test_a_name_the_other_languages_page_pairs_gains_its_other_half():
    english, chinese = part(ANNOUNCEMENT), part(ZH_ANNOUNCEMENT)
    assert names(one_by_one(english)) == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    # the first page's name comes first, its bio is kept, nobody is added twice
    merged = imported([english], [chinese])
    assert names(merged) == ["Ada Lovelace (阿达)", "Alan Turing (图灵)", "Grace Hopper"]
    assert merged.people[0].bio == "Ada Lovelace is a senior fellow."
    assert names(imported([chinese], [english])) == [
        "阿达 (Ada Lovelace)", "图灵 (Alan Turing)", "Grace Hopper"]
    # a remark or a short institution name in brackets is no name
    remarks = part(ZH_ANNOUNCEMENT.replace("阿达（Ada Lovelace）", "Ada Lovelace（线上）")
                   .replace("图灵（Alan Turing）", "Alan Turing（哈佛）")
                   .replace("阿达是高级研究员。", "Ada Lovelace是高级研究员。"))
    assert names(imported([english], [remarks])) == names(one_by_one(english))
    # the English recap names them as the announcement did: nothing changes again
    recap = dataclasses.replace(english, kind="recap", text_hash="recap")
    assert names(imported([english], [chinese], [recap])) == names(merged)


@pytest.mark.parametrize(("name", "elsewhere", "kept"), [
    ("Li Bin", "李彬 (Li Bin)", "Li Bin (李彬)"),
    ("李彬", "李彬 (Li Bin)", "李彬 (Li Bin)"),
    ("Li Bin", "Li Bin", "Li Bin"),  # not paired there: nothing to add
    ("Li Bin (李彬)", "李彬 (Li Bin)", "Li Bin (李彬)"),  # paired here already
    ("Li Bin", "李斌 (Bin Li)", "Li Bin"),  # neither half is this name
    ("Li (Bin", "李彬 (Li (Bin)", "Li (Bin"),  # brackets of its own: left alone
    ("Li Bin", "李彬 (Li Bin) (again)", "Li Bin"),  # three parts, not a pair
])
def test_a_name_gains_only_the_half_it_lacks_of_a_pair(name, elsewhere, kept):
    assert with_other_script(name, elsewhere) == kept


def test_a_page_pairing_two_names_the_event_has_apart_makes_them_one_person():
    english, chinese = part(ANNOUNCEMENT), part(ZH_ANNOUNCEMENT.replace(
        "阿达（Ada Lovelace）", "阿达").replace("图灵（Alan Turing）", "图灵"))
    apart = imported([chinese], [english])
    assert names(apart) == ["阿达", "图灵", "Grace Hopper", "Ada Lovelace", "Alan Turing"]
    # a recap (a page of its own slot) pairs them
    pairing = dataclasses.replace(part(ANNOUNCEMENT.replace(
        "Moderator: Ada Lovelace", "主持人：阿达（Ada Lovelace）")), kind="recap")
    merged = imported([chinese], [english], [pairing])
    assert names(merged) == ["阿达 (Ada Lovelace)", "图灵", "Grace Hopper", "Alan Turing"]
    # the first page's role and bio
    assert (merged.people[0].role, merged.people[0].bio) == ("moderator", "阿达是高级研究员。")
    assert merged == one_by_one(chinese, english, pairing)


def test_people_are_joined_only_under_a_name_answering_to_each_of_them():
    # "Eve Stone (特邀嘉宾)" is paired already: a page's "Bob Smith (特邀嘉宾)" shares only the
    # remark with her, and joining them would lose Bob Smith's name.
    eve_bob = EventContent(people=(Person("Eve Stone (特邀嘉宾)", "speaker", "E."),
                                   Person("Bob Smith", "speaker", "B.")))
    page = PageContent("recap", "zh", people=(Person("Bob Smith (特邀嘉宾)", "speaker", ""),))
    assert eve_bob.merged_with(page).people == eve_bob.people
    # A chain of pairs, each page's keys apart: whoever is joined stays findable.
    chain = EventContent(people=(Person("Tong Zhao", "moderator", "A"),
                                 Person("Li Bin (LB)", "speaker", "B"),
                                 Person("李彬 (Lee)", "speaker", "C")))
    page = PageContent("recap", "zh", people=(Person("李彬 (Li Bin)", "speaker", ""),
                                              Person("Tong Zhao (LB)", "speaker", ""),
                                              Person("Lee", "speaker", "")))
    merged = chain.merged_with(page)
    for name in ("Tong Zhao", "Li Bin", "LB", "李彬", "Lee"):
        assert person_called(merged.people, name) is not None, name
    # "Tong Zhao (TZ)" would lose TZ as one with "赵通 (Tong Zhao)": both stay, and the page's
    # "TZ" is the one it names
    apart = EventContent(people=(Person("赵通", "moderator", "A."),
                                 Person("Tong Zhao (TZ)", "speaker", "B.")))
    page = PageContent("recap", "en", people=(Person("赵通 (Tong Zhao)", "moderator", ""),
                                              Person("TZ", "speaker", "")))
    assert apart.merged_with(page).people == apart.people


def test_full_width_letters_are_the_same_name():
    # a Chinese page may keep a foreign name in full-width letters
    chinese = part("新削减战略武器条约之后的军控\n\n主讲人：图灵（Ａｌａｎ Ｔｕｒｉｎｇ）\n")
    assert names(imported([part(ANNOUNCEMENT)], [chinese]))[1] == "Alan Turing (图灵)"
    kept = [Person("Ｇｒａｃｅ Ｈｏｐｐｅｒ", "speaker", "")]
    assert person_called(kept, "Ｇｒａｃｅ Ｈｏｐｐｅｒ") == kept[0]
    assert person_called(kept, "grace hopper") == kept[0]
    assert person_called(kept, "hopp") == kept[0]  # a part, as an autocomplete value cut


def test_a_name_in_traditional_characters_is_the_same_name():
    """Members in Taiwan or Hong Kong type, and their pages write, traditional characters
    (趙 for 赵, 張 for 张): one person whichever script names them."""
    chinese = imported([part(ZH_ANNOUNCEMENT)])
    recap = PageContent("recap", "zh", people=(Person("阿達", "moderator", ""),
                                               Person("圖靈", "speaker", "")))
    assert names(chinese.merged_with(recap)) == names(chinese)
    people = [Person("Tong Zhao (赵通)", "moderator", ""), Person("張宏宇", "speaker", "")]
    assert [person_called(people, typed) for typed in ("趙通", "Tong Zhao（趙通）", "趙",
                                                       "张宏宇", "張宏宇", "张")] == [
        people[0], people[0], people[0], people[1], people[1], people[1]]
    assert [p.name for p in people_matching(people, "趙")] == ["Tong Zhao (赵通)"]
    assert [p.name for p in people_matching(people, "张宏")] == ["張宏宇"]
    # Taiwan's and Hong Kong's forms: 恆 is 恒, 錫 is 锡, 峯 is 峰, 眾 and 衆 are 众
    assert [key(name) for name in ("李恆", "游錫堃", "林峯", "眾", "衆", "衞奕信", "衛奕信")] == [
        "李恒", "游锡堃", "林峰", "众", "众", "卫奕信", "卫奕信"]


def test_a_person_without_a_bio_takes_the_one_another_page_gives():
    held = EventContent(people=(Person("赵通", "moderator", ""),
                                Person("Ada Lovelace", "speaker", "Ada is a fellow.")))
    recap = PageContent("recap", "zh", people=(Person("趙通", "moderator", "趙通是研究員。"),
                                               Person("Ada Lovelace", "speaker", "Ada 是研究员。")))
    assert [(p.name, p.bio) for p in held.merged_with(recap).people] == [
        ("赵通", "趙通是研究員。"), ("Ada Lovelace", "Ada is a fellow.")]


def test_names_fold_as_an_independent_table_of_the_two_scripts_has_them():
    """tests/traditional.py is typed by hand for the importer's tests; every pair of it
    is one name, except 於, which OpenCC keeps in simplified text: a surname of its own
    beside 于, as 乾 is beside 干, and 昇 and 甯 are names beside 升 and 宁."""
    apart = {simplified for simplified, written in TRADITIONAL.items()
             if key(simplified) != key(written)}
    assert apart == {"于"}
    assert [key(a) != key(b) for a, b in (("於立", "于立"), ("乾", "干"), ("王昇", "王升"),
                                            ("甯立", "宁立"))] == [True] * 4
    assert all(key(key(ch)) == key(ch) for ch in map(chr, range(0x4E00, 0xA000)))
    assert min(_SIMPLIFIED) >= 0x3000  # `folded` looks up nothing below (Latin runs)


def test_letters_with_a_stroke_fold_to_the_plain_letter_in_either_case():
    """Ł, Ø, Đ, Ħ, Ŧ and a dotless ı keep their mark through Unicode's decomposition:
    each is the letter a plain keyboard types, upper case too (folded after `casefold`);
    Æ, Œ and Þ are the two letters it types for them."""
    assert [key(written) for written in ("Łódź", "ŁÓDŹ", "Søren", "ØRESUND", "Đukić",
                                         "ĐUKIĆ", "Ħamrun", "Ŧrst", "Iğdır", "Ærø", "CŒUR",
                                         "Þórshöfn")] == [
        "lodz", "lodz", "soren", "oresund", "dukic", "dukic", "hamrun", "trst", "igdir",
        "aero", "coeur", "thorshofn"]


def test_search_text_folds_in_place_and_within_the_han_text_it_splits():
    """The search index and `/event ask`'s excerpts fold Chinese in place: each character
    stays one character, Han text stays Han text, and folding again changes nothing."""
    every = "".join(chr(c) for c in range(0x2E80, 0x30000) if not 0xD800 <= c < 0xE000)
    searched = search_text(every)
    assert len(searched) == len(every) and search_text(searched) == searched
    han = re.compile(f"[{HAN}]")
    assert all(han.fullmatch(after) for before, after in zip(every, searched, strict=True)
               if before != after)
    text = "Ｌｉ Ｂｉｎ 說：「導彈防禦」 café"
    assert search_text(text) == "Ｌｉ Ｂｉｎ 说：「导弹防御」 café"
    # forms OpenCC may keep fold too (a page and a question fold alike), radicals and
    # compatibility forms as their character; one whose form lies beyond Han text stays
    assert search_text("終於瞭解乾杯甚麽 ⾼\uf900 陳暐") == "终于瞭解干杯甚么 高岂 陈暐"
    assert search_text("苧麻") == search_text("苎麻") == "苎麻"  # OpenCC's usual choice
    # Hong Kong's and Taiwan's own forms fold with the standard traditional one
    assert search_text("衞敍枱粧糭") == search_text("衛敘檯妝粽") == "卫叙台妆粽"
    # the two supplement radicals NFKC maps, and the supplementary compatibility block
    assert search_text("\u2e9f\u2ef3\u2f00 \U0002f800") == "母龟一 丽"


def test_the_autocomplete_offers_whom_a_name_being_typed_may_be():
    people = [Person("Li Bingwen", "speaker", ""), Person("Li Bin (李彬)", "speaker", ""),
              Person("Tong Zhao (赵通)", "moderator", "")]
    offered = {typed: [p.name for p in people_matching(people, typed)] for typed in (
        "", "li bin", "李彬（Li Bin）", "ｚｈａｏ", "赵通 (Tong Zhao)", "nobody")}
    assert offered == {"": [p.name for p in people],
                       "li bin": ["Li Bingwen", "Li Bin (李彬)"],
                       "李彬（Li Bin）": ["Li Bin (李彬)"], "ｚｈａｏ": ["Tong Zhao (赵通)"],
                       "赵通 (Tong Zhao)": ["Tong Zhao (赵通)"], "nobody": []}


def test_a_person_is_found_by_the_whole_name_either_half_or_a_part():
    people = [Person("Li Bingwen", "speaker", ""), Person("Li Bin (李彬)", "speaker", ""),
              Person("Tong Zhao (赵通)", "moderator", "")]
    called = {typed: person_called(people, typed) for typed in (
        "li bin", "LI  BIN", "李彬", "Li Bin (李彬)", "赵", "Zhao", "li bingwen", "Nobody", "  ",
        "李彬（Li Bin）", "Li Bin(李彬)", "Ｌｉ Ｂｉｎ", "Tong Zhao （赵通）")}
    assert {typed: p and p.name for typed, p in called.items()} == {
        "li bin": "Li Bin (李彬)",  # either half whole before a longer name holding it
        "LI  BIN": "Li Bin (李彬)", "李彬": "Li Bin (李彬)", "Li Bin (李彬)": "Li Bin (李彬)",
        # the pair in the other order, full-width as a Chinese keyboard types it
        "李彬（Li Bin）": "Li Bin (李彬)", "Li Bin(李彬)": "Li Bin (李彬)",
        "Ｌｉ Ｂｉｎ": "Li Bin (李彬)", "Tong Zhao （赵通）": "Tong Zhao (赵通)",
        "赵": "Tong Zhao (赵通)", "Zhao": "Tong Zhao (赵通)", "li bingwen": "Li Bingwen",
        "Nobody": None, "  ": None}
    decomposed = unicodedata.normalize("NFD", "José Ramos")
    assert person_called([Person("José Ramos", "speaker", "")], decomposed) is not None
