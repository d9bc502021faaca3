"""`/event speakers` for a big panel: one ephemeral message whose pages turn, through the bot."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from sandbox import Attachment
from tests.conftest import ANNOUNCEMENT, ROOT, a_long_panel
from tests.e2e.conftest import delete_event, import_page
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
    # a turned page is escaped as the first one is: no markdown, and no ping
    assert "\\*\\*bold\\*\\*" in embed["description"]
    assert "@\u200beveryone" in embed["description"] and "@everyone" not in embed["description"]
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
    assert reply.ephemeral
    # Nobody else's Discord shows the pages (nor did the local Discord send such a click)...
    with pytest.raises(LookupError, match="ephemeral"):
        await fake.click(world.guild, world.member("other"), reply.message,
                         button(reply.message, "Next")["custom_id"])
    # ...and a modified client that sends one is told the pages are not theirs.
    other = await fake.click(world.guild, world.member("other"), reply.message,
                             button(reply.message, "Next")["custom_id"], forged=True)
    assert other.ephemeral and "belong to whoever asked" in other.content
    assert reply.message["embeds"][0]["description"] == shown


async def test_pages_turned_after_an_edit_show_the_bios_as_they_are_now(world, fake):
    event_id = await world.import_event("Third Computing Panel", capacity=50,
                                        page=panel_page())
    reader = world.member("later reader")
    reply = await fake.slash(world.guild, reader, "event speakers", event=str(event_id))
    turned = await fake.click(world.guild, reader, reply.message,
                              button(reply.message, "Next")["custom_id"])
    assert turned.message["embeds"][0]["description"].startswith("**Alan Lovelace**")

    # The page again without its moderator, and with the bios rewritten: every page
    # after the first moves up one, and the next one is still Grace Lovelace's.
    rewritten = panel_page().replace(b"is a researcher.", b"is a historian.").replace(
        b"Ada Lovelace will moderate a discussion with", b"A discussion with").replace(
        b"Ada Lovelace\n\nAda Lovelace is a historian.", b"")
    done = await import_page(fake, world.guild, world.moderator, event=str(event_id),
                             page=Attachment("announcement.txt", rewritten, "text/plain"))
    assert f"(event {event_id})" in done.content, done.content
    following = await fake.click(world.guild, reader, turned.message,
                                 button(turned.message, "Next")["custom_id"])
    [embed] = following.message["embeds"]
    assert embed["description"].startswith(
        "**Grace Lovelace** · Speaker\nGrace Lovelace is a historian."), embed["description"][:80]
    assert "Ada Lovelace" not in [o["label"] for o in menu(following.message)["options"]]
    assert_fits(following.message)

    asked = await fake.slash(world.guild, world.moderator, "manage delete", event=str(event_id))
    confirm, _ = asked.custom_ids()
    await fake.click(world.guild, world.moderator, asked.message, confirm)
    for _ in range(100):
        if world.query("SELECT count(*) FROM events WHERE id = ?", (event_id,)) == [(0,)]:
            break
        await asyncio.sleep(0.1)
    gone = await fake.click(world.guild, reader, following.message,
                            button(following.message, "Next")["custom_id"])
    assert gone.type == 7 and gone.message["embeds"] == [] and not gone.custom_ids()
    assert gone.message["content"] == (
        "**Third Computing Panel** was cancelled; these pages are gone.")


async def test_pages_turned_after_a_past_event_was_deleted_do_not_say_it_was_cancelled(
        world, fake):
    """An event that took place, then deleted to tidy it away: nobody was told it was
    cancelled, and its announcement says it took place; a reader turning its speakers'
    pages hears the same, not that it was cancelled."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    event_id = await world.import_event("Bygone Computing Panel", capacity=50,
                                        page=panel_page(), starts_at=starts.isoformat())
    reader = world.member("bygone reader")
    reply = await fake.slash(world.guild, reader, "event speakers", event=str(event_id))
    await asyncio.sleep(max(0.0, (starts - datetime.now(UTC)).total_seconds() + 0.5))
    await delete_event(world, world.moderator, event_id)
    gone = await fake.click(world.guild, reader, reply.message,
                            button(reply.message, "Next")["custom_id"])
    assert gone.type == 7 and gone.message["embeds"] == [] and not gone.custom_ids()
    assert gone.message["content"] == (
        "**Bygone Computing Panel** took place and was deleted; these pages are gone.")


SCIENTIST = "👩\u200d🔬"  # one emoji a reader sees: woman, zero-width joiner, microscope


def chinese_page(bio: str) -> bytes:
    return ("中美导弹防御争议\n\n中美两国专家将讨论导弹防御问题。\n\n"
            "主持人：赵通（Tong Zhao）\n主讲人：李彬（Li Bin）\n\n"
            f"赵通（Tong Zhao）\n\n{bio}\n\n李彬（Li Bin）\n\n李彬是高级研究员。\n").encode()


def next_button(message: dict) -> str:
    return next(c["custom_id"] for row in message["components"] for c in row["components"]
                if c.get("label") == "Next")


async def two_speaker_pages(world, fake, title: str, bio: str) -> tuple[str, str]:
    """The descriptions of the first two pages of `/event speakers` for a page whose
    moderator has `bio`, the second with its "(continued)" line taken off."""
    event_id = await world.import_event(title, capacity=5, page=chinese_page(bio))
    reader = world.member(f"reader {title}")
    first = await fake.slash(world.guild, reader, "event speakers", event=str(event_id),
                             timeout=3.0)
    one = first.message["embeds"][0]["description"]
    turned = await fake.click(world.guild, reader, first.message, next_button(first.message))
    two = turned.message["embeds"][0]["description"]
    head, _, body = two.partition("\n")
    assert "(continued)" in head, two[:80]
    return one, body


async def test_a_bio_split_across_speaker_pages_keeps_each_emoji_whole(world, fake):
    """A bio with no space to break at (Chinese prose, emoji) is cut where a page is full,
    but before a character drawn from several, never inside it: page 1 ended with 👩 and
    its joiner, page 2 opened with a lone 🔬."""
    one, two = await two_speaker_pages(world, fake, "Emoji Bio Panel",
                                       "赵通是研究员" + SCIENTIST * 3000)
    for shown in (one, two):
        assert shown.count("👩") == shown.count("\u200d") == shown.count("🔬"), (
            repr(one[-4:]), repr(two[:4]))


async def test_a_chinese_bio_split_across_speaker_pages_breaks_at_its_punctuation(world, fake):
    """Chinese has no spaces: a bio goes on to the next page after a clause's "，" or
    "。", not mid-word (page 1 ended "…研究院核政" and page 2 opened "策项目…": 政策,
    policy, halved)."""
    clause = "赵通是卡内基国际和平研究院核政策项目研究员，常驻北京的卡内基—清华全球政策中心。"
    one, two = await two_speaker_pages(world, fake, "Chinese Bio Panel", clause * 150)
    assert one.endswith(("，", "。")), repr(one[-12:])
    assert two.startswith(("赵通是", "常驻北京")), repr(two[:12])


# Direction marks before a name, and embeddings or isolates around it (with their end).
@pytest.mark.parametrize(("before", "after"), [("\u200f", ""), ("\u200e", ""),
                                               ("\u202b", "\u202c"), ("\u2067", "\u2069")])
async def test_a_speaker_whose_name_carries_a_direction_mark_is_listed(world, fake, before,
                                                                       after):
    """A page copied from a right-to-left site (or a word processor) carries invisible
    direction marks and embeddings around its names. The person is read as any other:
    a name line "<RLM>Li Bin" and its bio were skipped as paragraphs not understood, and
    Li Bin was missing from `/event speakers`, though the moderator's line names him."""
    text = ANNOUNCEMENT.read_text(encoding="utf-8").replace("Li Bin", f"{before}Li Bin{after}")
    event_id = await world.import_event(f"Marked Names {ord(before):x}", capacity=5,
                                        page=text.encode())
    shown = await fake.slash(world.guild, world.member(f"reader {ord(before):x}"),
                             "event speakers", event=str(event_id), timeout=3.0)
    description = shown.message["embeds"][0]["description"]
    assert "**Li Bin** · Speaker\n" in description, description
    assert "Li Bin is a senior fellow" in description, description
    assert world.query("SELECT name FROM people WHERE event_id = ? AND role = 'speaker'",
                       (event_id,)) == [("Li Bin",)]


FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


# A joiner or separator left at a name's edge, as a page copied from a word processor or
# a site's editor may carry it: it joins nothing, and shows nothing.
@pytest.mark.parametrize(("before", "after"), [("", "\u200d"), ("\u200d", ""), ("", "\u200c"),
                                               ("\u2063", "")])
async def test_a_speaker_whose_name_carries_a_stray_joiner_is_listed(world, fake, before,
                                                                     after):
    """A name line "Li Bin<ZWJ>" was no name: it and its bio were skipped as paragraphs not
    understood, and Li Bin was missing from `/event speakers`. A joiner between two
    characters (an emoji's, in the page's title) joins them still."""
    title = f"Joined Names {FAMILY} {ord(before or after):x}"
    text = ANNOUNCEMENT.read_text(encoding="utf-8").replace("Li Bin", f"{before}Li Bin{after}")
    reply = await import_page(fake, world.guild, world.moderator, capacity=5, page=Attachment(
        "joined.txt", f"{title}\n\n{text}".encode(), "text/plain"))
    event_id = int(reply.content.split("(event ")[1].split(")")[0])
    assert world.query("SELECT title FROM events WHERE id = ?", (event_id,)) == [(title,)]
    shown = await fake.slash(world.guild, world.member(f"joined reader {ord(before or after)}"),
                             "event speakers", event=str(event_id), timeout=3.0)
    assert "**Li Bin** · Speaker\n" in shown.message["embeds"][0]["description"]
    assert world.query("SELECT name FROM people WHERE event_id = ? AND role = 'speaker'",
                       (event_id,)) == [("Li Bin",)]


async def test_a_name_not_found_at_a_big_conference_counts_the_people_it_cannot_list(world, fake):
    """`/event speaker` with a name nobody has lists the people there are. At a conference
    of eighty the list ran past a message's 2,000 characters and was cut off mid-name
    with "…": the last people were dropped without a word. It now names those that fit
    and counts the rest, pointing to `/event speakers`, which shows them all."""
    names, page = a_long_panel(8)
    event_id = await world.import_event("Eighty Voices", capacity=100, page=page)
    missing = await fake.slash(world.guild, world.member("conference reader"), "event speaker",
                               event=str(event_id), name="Nobody Here")
    assert missing.ephemeral and "Nobody called" in missing.content, missing.content
    shown = [name for name in names if name in missing.content]
    assert len(shown) < len(names)  # more than a message holds
    assert missing.content.endswith(
        f"…and {len(names) - len(shown)} more: /event speakers."), missing.content[-120:]


ZH_PANEL = ROOT / "tests" / "unit" / "pages" / "zh_announcement.txt"


async def test_a_chinese_guest_named_with_a_title_after_the_name_is_one_person(world, fake):
    """Chinese pages write a title after the name with no space: "嘉宾：李彬教授、王海燕博士".
    "李彬教授" was read as a four-character name, so the panel showed 李彬 twice (the
    role line's "李彬教授" and the bio's "李彬"), and "王海燕博士", too long for a name, was
    dropped from the role line. Each is the person the bio section names, once."""
    text = ZH_PANEL.read_text(encoding="utf-8").replace("嘉宾：李彬、王海燕",
                                                        "嘉宾：李彬教授、王海燕博士")
    event_id = await world.import_event("核军控教授", capacity=5, page=text.encode())
    shown = await fake.slash(world.guild, world.member("titled reader"), "event speakers",
                             event=str(event_id), timeout=3.0)
    description = shown.message["embeds"][0]["description"]
    assert "教授**" not in description and "博士**" not in description, description
    assert world.query("SELECT name FROM people WHERE event_id = ? AND name IN"
                       " ('李彬', '王海燕', '李彬教授', '王海燕博士') ORDER BY name",
                       (event_id,)) == [("李彬",), ("王海燕",)]
