"""Pages built to be slow to show or to search must not stall the bot for anyone."""

from __future__ import annotations

import asyncio
import re

import pytest

from sandbox import Attachment
from tests.e2e.conftest import import_page
from tests.e2e.test_bot import text_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

BRACKETS = "[" * 7_500 + "](" * 3_750  # 15 KB: discord.py's escape_markdown never finished


def page(description: str) -> bytes:
    return (f"{description}\n\nGrace Hopper will moderate a discussion with Alan Turing.\n\n"
            "Alan Turing is a lighthouse keeper in Cornwall.\n").encode()


async def test_a_page_with_a_long_run_of_link_brackets_is_shown_while_others_join(world, fake):
    event_id = await world.import_event("Bracket Talk", capacity=50,
                                        page=page(f"A talk about brackets.\n\n{BRACKETS}"))
    [(stored,)] = world.query("SELECT description FROM event_texts WHERE event_id = ?",
                              (event_id,))
    assert BRACKETS in stored
    info, join = await asyncio.gather(
        fake.slash(world.guild, world.member("reader"), "event info", event=str(event_id),
                   timeout=3.0),
        fake.slash(world.guild, world.member("joiner"), "rsvp join", event=str(event_id),
                   timeout=3.0))
    shown = info.embeds[0]["description"]
    assert shown.startswith("A talk about brackets.") and "\\[\\[" in shown
    assert len(shown) <= 2500
    assert "confirmed" in join.content
    again = await fake.slash(world.guild, world.member("later"), "rsvp join",
                             event=str(event_id), timeout=3.0)
    assert "confirmed" in again.content


async def test_asking_about_a_1_mb_page_answers_while_others_join(world, fake):
    paragraph = "missile defense cooperation " * 35_500  # 1 MB, the most a page may be
    event_id = await world.import_event("Huge Page", capacity=50,
                                        page=page(f"{paragraph}\n\nThe keepers of Cornwall."))
    ask, join = await asyncio.gather(
        fake.slash(world.guild, world.member("asker"), "event ask",
                   question="missile defense cooperation", event=str(event_id), timeout=3.0),
        fake.slash(world.guild, world.member("joiner"), "rsvp join", event=str(event_id),
                   timeout=3.0))
    assert "**missile**" in text_of(ask) and "Event page · Huge Page" in text_of(ask)
    assert "confirmed" in join.content
    cornwall = await fake.slash(world.guild, world.member(), "event ask",
                                question="keepers of Cornwall", event=str(event_id))
    assert "**Cornwall**" in text_of(cornwall)


# Discord's message formats (https://discord.com/developers/docs/reference#message-formatting):
# each shows as something other than its text, a live time, a link to a channel or a
# command, a server's emoji, none of them the page's to make.
FORMATS = ("<t:0:R>", "</rsvp join:123456789012345678>", "<#123456789012345678>",
           "<:party:123456789012345678>", "<a:party:123456789012345678>", "<id:customize>")


async def test_a_pages_message_formats_show_as_written(world, fake):
    title = "Formats " + " ".join(FORMATS)
    event_id = await world.import_event(
        title, capacity=5, page=page(f"{title}\n\nSee {' and '.join(FORMATS)} there."))
    info = await fake.slash(world.guild, world.member("reader"), "event info",
                            event=str(event_id))
    join = await fake.slash(world.guild, world.member("joiner"), "rsvp join",
                            event=str(event_id))
    shown = {"title": info.embeds[0]["title"], "description": info.embeds[0]["description"],
             "reply": join.content}
    for where, text in shown.items():
        for written in FORMATS:
            assert "\\" + written in text, (where, written, text)
        assert "<" not in text.replace("\\<", ""), (where, text)


SURROGATE_PAGE = (
    b'<html><head><title>Lighthouse Talk</title><script type="application/ld+json">'
    b'{"@type": "Event", "name": "Lighthouse Talk", "startDate": "2031-12-01T18:00:00+00:00",'
    b' "location": {"@type": "Place", "name": "Hall \\udc00 A"}}</script></head><body>'
    b"<h1>Lighthouse Talk</h1><p>A talk on lighthouses.</p>"
    b"<p>Grace Hopper will moderate a discussion with Alan Turing.</p><p>Alan Turing</p>"
    b"<p>Alan Turing is a lighthouse keeper in Cornwall.</p></body></html>")


async def test_a_lone_surrogate_in_a_pages_structured_data_does_not_break_the_import(
        world, fake):
    """JSON-LD may escape half a character ("Hall \\udc00 A"): it is read as U+FFFD, as
    the page's text has one. It was kept as a lone surrogate, shown in the preview, and
    Import answered "Something went wrong on my side" (no store can hold one)."""
    reply = await import_page(fake, world.guild, world.moderator,
                              page=Attachment("lighthouse.html", SURROGATE_PAGE, "text/html"))
    shown = [reply.content or "", *(m.get("content") or "" for m in reply.followups)]
    assert not any("went wrong" in text for text in shown), shown
    found = re.search(r"\(event (\d+)\)", "\n".join(shown))
    assert found, shown
    info = await fake.slash(world.guild, world.member("surrogate reader"), "event info",
                            event=found[1])
    assert not any("\ud800" <= ch <= "\udfff" for ch in str(info.message)), info.message
    assert "Hall \ufffd A" in str(info.message), info.message
