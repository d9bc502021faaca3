"""`/event speakers` for a big panel: one ephemeral message whose pages turn, through the bot."""

from __future__ import annotations

import pytest

from tests.limits import problems

pytestmark = pytest.mark.asyncio(loop_scope="module")

FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Radia", "Ken"]
NAMES = [f"{first} {last}" for last in ("Lovelace", "Turing", "Hopper") for first in FIRST]
# Markdown and mentions to escape: a bio of about 3,000 characters grows when shown.
BIO = "**bold** claims, _cursive_ notes, [links](https://x.org) and @everyone pings. " * 40


def panel_page() -> bytes:
    lines = ["A long panel on the history of computing.",
             f"{NAMES[0]} will moderate a discussion with {', '.join(NAMES[1:-1])} and "
             f"{NAMES[-1]}."]
    for name in NAMES:
        lines += [name, f"{name} is a researcher. {BIO}"]
    return "\n\n".join(lines).encode()


def button(message: dict, label: str) -> dict:
    return next(c for row in message["components"] for c in row["components"]
                if c.get("label") == label)


def menu(message: dict) -> dict:
    return next(c for row in message["components"] for c in row["components"] if c["type"] == 3)


def assert_fits(message: dict) -> None:
    found = problems(message["content"], message["embeds"], message["components"])
    assert not found, found


async def test_thirty_long_bios_page_in_one_message(world, fake):
    event_id = await world.import_event("Computing History Panel", capacity=50,
                                        page=panel_page())
    reader = world.member("reader")
    sent_before = len(fake.requests)
    reply = await fake.slash(world.guild, reader, "event speakers", event=str(event_id))
    assert reply.ephemeral
    message = reply.message
    assert_fits(message)
    [embed] = message["embeds"]
    pages = int(embed["footer"]["text"].rsplit(" ", 1)[1])
    assert embed["footer"]["text"] == f"Page 1 of {pages}" and pages >= 30
    assert embed["description"].startswith("**Ada Lovelace** · Moderator\nAda Lovelace is")
    assert "\\*\\*bold\\*\\*" in embed["description"]
    assert button(message, "Previous")["disabled"] and not button(message, "Next")["disabled"]
    options = menu(message)["options"]
    assert len(options) == 25 and options[0]["label"] == "Ada Lovelace"

    turned = await fake.click(world.guild, reader, message, button(message, "Next")["custom_id"])
    assert turned.type == 7 and turned.message["id"] == message["id"]  # edited in place
    [embed] = turned.message["embeds"]
    assert embed["footer"]["text"] == f"Page 2 of {pages}"
    assert embed["description"].startswith("**Alan Lovelace** · Speaker")
    assert not button(turned.message, "Previous")["disabled"]
    assert_fits(turned.message)

    # Jump to someone in the menu; its window of 25 then centres on them.
    value = next(o["value"] for o in menu(turned.message)["options"]
                 if o["label"] == "Ada Hopper")
    jumped = await fake.click(world.guild, reader, turned.message,
                              menu(turned.message)["custom_id"], values=[value])
    assert jumped.message["id"] == message["id"]
    assert jumped.message["embeds"][0]["description"].startswith("**Ada Hopper** · Speaker")
    options = menu(jumped.message)["options"]
    assert [o["label"] for o in options if o.get("default")] == ["Ada Hopper"]
    assert options[-1]["label"] == "Ken Hopper"  # the last person is now in reach
    value = options[-1]["value"]
    last = await fake.click(world.guild, reader, jumped.message,
                            menu(jumped.message)["custom_id"], values=[value])
    [embed] = last.message["embeds"]
    assert embed["description"].startswith("**Ken Hopper** · Speaker")
    assert embed["footer"]["text"] == f"Page {pages} of {pages}"
    assert button(last.message, "Next")["disabled"]
    assert_fits(last.message)
    # One message all along: no follow-ups, only interaction callbacks (the first response
    # and the three edits), checked last so that late follow-ups would have arrived.
    assert reply.followups == []
    assert [r.route for r in fake.requests[sent_before:] if r.message is not None] == [
        "/interactions/{interaction_id}/{token}/callback"] * 4


async def test_only_the_member_who_asked_turns_the_pages(world, fake):
    event_id = await world.import_event("Second Computing Panel", capacity=50,
                                        page=panel_page())
    owner = world.member("owner")
    reply = await fake.slash(world.guild, owner, "event speakers", event=str(event_id))
    shown = reply.message["embeds"][0]["description"]
    other = await fake.click(world.guild, world.member("other"), reply.message,
                             button(reply.message, "Next")["custom_id"])
    assert other.ephemeral and "belong to whoever asked" in other.content
    assert reply.message["embeds"][0]["description"] == shown
