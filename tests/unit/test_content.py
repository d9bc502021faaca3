"""An event's content merged from its pages: what each page gives it, kept as JSON beside
the page, and the one order they are merged in, so an edited page imported again replaces
what it said instead of adding to it."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bot.content import EventContent, PageContent, merged_content, slot_from_json, slot_json
from bot.pages import page_language, parse_page

PAGES = Path(__file__).parent / "pages"
ANNOUNCEMENT = """\
Arms Control After New START
December 1, 2031, 6:00 PM
Carnegie Endowment, Washington

Moderator: Ada Lovelace
Speakers: Alan Turing, Grace Hopper

Ada Lovelace is a senior fellow.
Alan Turing works on verification.
Grace Hopper directs the nuclear policy program.
"""


def part(text: str) -> PageContent:
    return PageContent.of(parse_page(text), page_language(text))


def test_what_a_slots_pages_give_is_kept_whole_as_json():
    pages = [part((PAGES / name).read_text()) for name in
             ("seed_announcement.txt", "seed_recap.txt", "zh_announcement.txt", "bilingual.txt")]
    assert all(page.people or page.takeaways for page in pages)
    assert slot_from_json(slot_json(pages)) == pages
    odd = PageContent("recap", "zh", 'say "hi"\n', True, ("a\\b",), "Chinese", None, (), ())
    assert slot_from_json(slot_json([odd])) == [odd]


@pytest.mark.parametrize("stored", [None, "", "null", "{}", "[1, 2]", '[["recap"]]',
                                    "not json", '{"a": 1}',
                                    '[["a","en","",0,[],null,null,[["only a name"]],[]]]'])
def test_a_value_this_code_did_not_write_reads_as_none(stored):
    assert slot_from_json(stored) is None


def test_the_content_is_the_same_whatever_order_the_pages_came_in():
    pages = [part((PAGES / name).read_text()) for name in
             ("seed_announcement.txt", "zh_announcement.txt", "seed_recap.txt")]
    merged = {merged_content(order) for order in itertools.permutations(pages)}
    assert len(merged) == 1
    (content,) = merged
    english = content.description.index("denuclearization")
    assert english < content.description.index("大国竞争")  # English first, then Chinese
    assert content.takeaways == pages[2].takeaways


def test_of_two_recaps_the_last_imported_gives_the_summary_and_takeaways():
    english = part((PAGES / "seed_recap.txt").read_text())
    chinese = part((PAGES / "zh_recap.txt").read_text())
    assert english.takeaways and chinese.takeaways and english.takeaways != chinese.takeaways
    for first, last in ((english, chinese), (chinese, english)):
        content = merged_content([first, last])
        assert (content.takeaways, content.recap_summary) == (last.takeaways,
                                                              last.description)


def test_an_edited_page_replaces_what_it_said():
    chinese = part((PAGES / "zh_announcement.txt").read_text())
    before = merged_content([part(ANNOUNCEMENT), chinese])
    assert [p.name for p in before.people][:3] == ["Ada Lovelace", "Alan Turing",
                                                   "Grace Hopper"]
    edited = ANNOUNCEMENT.replace("Speakers: Alan Turing, Grace Hopper", "Speaker: Alan Turing"
                                  ).replace("Grace Hopper directs the nuclear policy program.\n",
                                            "").replace("works on verification",
                                                        "leads the verification project")
    after = merged_content([part(edited), chinese])  # the English page in its slot again
    names = [p.name for p in after.people]
    assert "Grace Hopper" not in names and names[:2] == ["Ada Lovelace", "Alan Turing"]
    assert "leads the verification project" in after.people[1].bio
    # the description is the edited English one and the Chinese, not both English ones
    assert after.description == f"{part(edited).description}\n\n{chinese.description}"
    # merging page by page as the imports came (the old rule) kept the speaker gone and
    # added the edited English after the first English and the Chinese
    piecemeal = EventContent().merged_with(part(ANNOUNCEMENT)).merged_with(
        chinese).merged_with(part(edited))
    assert "Grace Hopper" in [p.name for p in piecemeal.people]
    assert piecemeal.description.count("Speaker") == 2
