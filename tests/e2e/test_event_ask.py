"""`/event ask` on the questions new members ask first, through the real bot and the
bundled sample event (English pages and a Chinese announcement)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import a_long_panel
from tests.e2e.conftest import OPEN_ANNOUNCEMENT
from tests.e2e.test_bot import sample_event, text_of
from tests.store.test_ask import TRADITIONAL_PAGE

pytestmark = pytest.mark.asyncio(loop_scope="module")

BUNDLED = "U.S.-China Missile Defense Disputes"


async def ask(world, question: str, **options) -> tuple[str, dict]:
    # the bundled event unless told: the default event is another once a later test's
    # event comes sooner
    options.setdefault("event", sample_event(world))
    reply = await world.fake.slash(world.guild, world.member(), "event ask",
                                   question=question, **options)
    assert not reply.ephemeral, reply.content
    [embed] = reply.message["embeds"]
    return text_of(reply), embed


@pytest.mark.parametrize(("question", "line"), [
    ("who is the moderator", "Moderator: Tong Zhao"),
    ("when is it", "When: no date set yet"),
    ("is it off the record", "Off the record: yes — "),
    ("what language", "Language: held in Chinese, with English translation"),
    ("translation?", "Language: held in Chinese, with English translation"),
    ("谁主持", "Moderator: Tong Zhao (赵通)"),
    ("主講人是誰", "Speaker: Li Bin (李彬)"),  # as Taiwan and Hong Kong write it
    ("什麼時間？", "When: no date set yet"),
    # the words the bot's own zh-TW replies use (與談人, 同步口譯, 不公開報導)
    ("與談人是誰？", "Speaker: Li Bin (李彬) · Discussants: Fan Jishe (樊吉社)"),
    ("有同步口譯嗎？", "Language: held in Chinese, with English translation"),
    ("可以報導嗎？", "Off the record: yes — "),
    # the Chinese page pairs each name: the English one gains its Chinese half
    ("who is speaking", "Speaker: Li Bin (李彬) · Discussants: Fan Jishe (樊吉社), "
                        "Duan Zhanyuan (段占元), Zhang Hongyu"),
    ("can I still register", "Registration: closed"),
])
async def test_questions_about_the_event_are_answered_from_its_fields(world, question, line):
    _, embed = await ask(world, question)
    [title, answer, *_] = embed["description"].splitlines()
    assert title == f"**{BUNDLED}**"
    assert answer.startswith(line)


async def test_several_facts_in_one_question_come_first_in_order(world):
    _, embed = await ask(world, "who is the moderator and when")
    lines = embed["description"].splitlines()
    assert lines[1:3] == ["Moderator: Tong Zhao (赵通)", "When: no date set yet"]
    # the passages about moderating follow the facts, each with its source
    assert embed["fields"] and all(BUNDLED in f["name"] for f in embed["fields"])
    assert "**moderate" in embed["fields"][0]["value"]


@pytest.mark.parametrize("question", ["导弹防御", "導彈防禦"])  # either script
async def test_a_chinese_question_finds_the_chinese_page(world, question):
    text, embed = await ask(world, question)
    [first, *_] = embed["fields"]
    assert first["name"] == f"Event page · {BUNDLED}"
    assert "**导弹防御**" in first["value"]
    assert "Nothing in this server" not in text


async def test_a_simplified_question_finds_a_page_in_traditional_characters(world):
    event_id = await world.import_event("Cross-Strait Dialogue", capacity=5,
                                        page=TRADITIONAL_PAGE.encode())
    _, embed = await ask(world, "导弹防御", event=str(event_id))
    [first] = embed["fields"]
    assert first["name"] == "Event page · Cross-Strait Dialogue"
    assert "**導彈防禦**" in first["value"]  # the page's words, as it writes them


async def test_a_question_about_a_topic_finds_the_takeaway_on_it(world):
    text, _ = await ask(world, "what did Li Bin say about ambiguity")
    assert f"Takeaway: U.S. Policy Ambiguities · {BUNDLED}" in text
    assert "**Ambiguities**" in text


async def test_facts_of_the_named_event_with_a_date_and_open_seats(world):
    event_id = await world.import_event("Harbour Talk", capacity=5,
                                        starts_at="2037-12-01T18:00+01:00")
    _, embed = await ask(world, "when is it, and are seats left?", event=str(event_id))
    start = int(datetime.fromisoformat("2037-12-01T18:00+01:00").timestamp())
    lines = embed["description"].splitlines()
    assert lines[0] == "**Harbour Talk**"
    assert lines[1].startswith(f"When: <t:{start}:F>")
    assert lines[2] == "Registration: open, 5 of 5 seats left"


async def test_a_question_with_nothing_to_search_or_answer_is_still_refused(world):
    reply = await world.fake.slash(world.guild, world.member(), "event ask", question="?? it")
    assert reply.ephemeral and "a few words" in reply.content


async def test_a_word_matched_inside_a_web_address_leaves_the_address_whole(world):
    """The search matches the words of an address too ("lighthouse" in .../lighthouse_papers):
    bold markers put into the address would make it a link to another address, with
    asterisks in it. The address stays as written; the word is marked elsewhere."""
    link = "https://example.org/lighthouse_papers/li-bin"
    page = b"Lighthouse Talk\n\n" + OPEN_ANNOUNCEMENT.replace(
        b"International Peace.\n",
        f"International Peace. His lighthouse papers are at {link}.\n".encode(), 1)
    event_id = await world.import_event("Lighthouse Talk", capacity=5, page=page)
    _, embed = await ask(world, "lighthouse papers", event=str(event_id))
    [first, *_] = embed["fields"]
    assert first["name"] == "Bio of Li Bin · Lighthouse Talk"
    assert f" {link}." in first["value"], first["value"]
    assert "His **lighthouse** **papers** are at" in first["value"]


async def test_a_panel_too_long_for_its_line_names_the_rest_and_where_to_find_them(world):
    """Asked who speaks at a panel of forty, the answer's line ran out of room: it ended
    in "…" mid-list, and the last speakers were dropped without a word. It now names
    those that fit and counts the rest, pointing to `/event speakers`, as `/event info`
    does."""
    names, page = a_long_panel(4)
    event_id = await world.import_event("Forty Voices", capacity=50, page=page)
    _, embed = await ask(world, "who is speaking", event=str(event_id))
    [_, answer, *_] = embed["description"].splitlines()
    shown = [name for name in names[1:] if name in answer]
    assert len(shown) < len(names) - 1, answer  # more than the line holds
    assert answer.endswith(f"…and {len(names) - 1 - len(shown)} more: /event speakers"), \
        answer[-120:]
