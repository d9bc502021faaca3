"""The bot in every kind of channel Discord has, through the real bot process: members use
its commands and buttons from threads (public, private, announcement), forum posts, the
text chat of voice and stage channels and announcement channels; moderators may name only
text or announcement channels for its posts, and a channel of another kind gets one clear
line and changes nothing."""

from __future__ import annotations

import asyncio
import re

import pytest

from sandbox import Attachment, Channel
from sandbox.models import (
    GUILD_ANNOUNCEMENT,
    GUILD_CATEGORY,
    GUILD_FORUM,
    GUILD_STAGE_VOICE,
    GUILD_VOICE,
    MANAGE_THREADS,
)
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page
from tests.e2e.test_bot import sample_event, text_of
from tests.e2e.test_speaker_pages import button, panel_page

pytestmark = pytest.mark.asyncio(loop_scope="module")

BUG = "Something went wrong"


def places(world) -> dict[str, Channel]:
    """One channel of each kind members chat in, made once per module."""
    fake, guild = world.fake, world.guild
    if not hasattr(world, "_kinds"):
        general = guild.channel("general")
        news = fake.add_channel(guild, "news", type=GUILD_ANNOUNCEMENT)
        forum = fake.add_channel(guild, "questions", type=GUILD_FORUM)
        world._kinds = {
            "public thread": fake.add_thread(general, "chat about the panel"),
            "private thread": fake.add_thread(general, "organisers", private=True),
            "announcement thread": fake.add_thread(news, "follow-up"),
            "forum post": fake.add_thread(forum, "Is there a livestream?"),
            "voice chat": fake.add_channel(guild, "Lounge", type=GUILD_VOICE),
            "stage chat": fake.add_channel(guild, "Town Hall", type=GUILD_STAGE_VOICE),
            "announcement channel": news,
        }
    return world._kinds


KINDS = ["public thread", "private thread", "announcement thread", "forum post",
         "voice chat", "stage chat", "announcement channel"]


@pytest.mark.parametrize("kind", KINDS)
async def test_every_member_command_works_from(world, fake, kind):
    where = places(world)[kind]
    event_id = str(await world.import_event(f"Panel seen from {kind}", capacity=3,
                                            page=f"Panel seen from {kind}\n\n".encode()
                                            + panel_page()))
    member = world.member(f"reader in {kind}")

    async def use(command: str, **options) -> str:
        reply = await fake.slash(world.guild, member, command, in_channel=where, **options)
        shown = text_of(reply) + "".join(text_of(m) for m in reply.followups)
        assert shown.strip() and BUG not in shown, (command, shown)
        return shown

    assert "Panel seen from" in await use("event list")
    assert "Panel seen from" in await use("event info", event=event_id)
    assert "Ada Lovelace" in await use("event speaker", event=event_id, name="ada")
    await use("event ask", event=sample_event(world), question="who is the moderator")
    await use("event calendar", event=sample_event(world))
    await use("event takeaways", event=sample_event(world))
    assert "confirmed" in await use("rsvp join", event=event_id)
    assert "confirmed" in await use("rsvp status", event=event_id)
    assert "Panel seen from" in await use("rsvp mine")
    assert "cancel" in (await use("rsvp cancel", event=event_id)).lower()
    assert not world.query("SELECT 1 FROM rsvps WHERE event_id = ? AND user_id = ?",
                           (int(event_id), member.id))
    # the speakers' pages turn with their buttons in the same channel
    pages = await fake.slash(world.guild, member, "event speakers", event=event_id,
                             in_channel=where)
    turned = await fake.click(world.guild, member, pages.message,
                              button(pages.message, "Next")["custom_id"])
    assert turned.type == 7 and "Page 2 of" in turned.message["embeds"][0]["footer"]["text"]


async def test_announcements_in_an_announcement_channel_take_clicks(world, fake):
    news = places(world)["announcement channel"]
    set_to = await fake.slash(world.guild, world.moderator, "manage channel", channel=news)
    assert set_to.ephemeral and "Announcements will go to" in set_to.content
    event_id = await world.import_event("News Hall", capacity=2)
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id), in_channel=places(world)["voice chat"])
    assert posted.ephemeral and "Posted" in posted.content
    message = await fake.wait_message(news, lambda m: any(
        e.get("title") == "News Hall" for e in m["embeds"]))
    member = world.member("news reader")
    joined = await fake.click(world.guild, member, message, f"eventbot:rsvp:join:{event_id}")
    assert joined.ephemeral and "confirmed" in joined.content
    await fake.wait_message(news, lambda m: m["id"] == message["id"]
                            and "1 of 2 seats left" in text_of(m))
    # back to the usual channel, for the rest of the module
    await fake.slash(world.guild, world.moderator, "manage channel",
                     channel=world.guild.channel("announcements"))


@pytest.mark.parametrize("kind", ["forum post", "public thread", "voice chat"])
async def test_moderator_steps_work_from(world, fake, kind):
    """Import with its preview's button, the edit form, seats, closing and opening, the
    attendees file, announcing and deleting with its question's button, all used from
    a thread, a forum post or a voice channel's chat."""
    where = places(world)[kind]
    mod = world.moderator
    title = f"Steps from {kind}"
    done = await import_page(fake, world.guild, mod, in_channel=where, title=title,
                             capacity=4, page=Attachment("a.txt", title.encode() + b"\n\n"
                                                         + OPEN_ANNOUNCEMENT, "text/plain"))
    match = re.search(r"\(event (\d+)\)", done.content or "")
    assert match, done
    event_id = match[1]

    async def use(command: str, **options) -> str:
        reply = await fake.slash(world.guild, mod, command, in_channel=where, **options)
        assert reply.content is not None and BUG not in reply.content, (command, reply)
        return reply.content

    assert "6" in await use("manage capacity", event=event_id, seats=6)
    await use("manage close", event=event_id)
    await use("manage open", event=event_id)
    files = (await fake.slash(world.guild, mod, "manage attendees", event=event_id,
                              in_channel=where)).files
    assert files and files[0][0].endswith(".csv"), files
    form = await fake.slash(world.guild, mod, "manage edit", event=event_id, in_channel=where)
    moved = await fake.submit_modal(form, {"venue": "Hall 3"})
    assert "Hall 3" in moved.content and BUG not in moved.content, moved.content
    assert "Posted" in await use("manage announce", event=event_id)
    asked = await fake.slash(world.guild, mod, "manage delete", event=event_id,
                             in_channel=where)
    clicked = await fake.click(world.guild, mod, asked.message, asked.custom_ids()[0])
    await clicked.wait(lambda r: "Deleted" in (r.content or ""))
    assert not world.query("SELECT 1 FROM events WHERE id = ?", (int(event_id),))
    for _ in range(200):  # the deletion's notices delivered, as the next test expects
        if world.query("SELECT count(*) FROM outbox") == [(0,)]:
            break
        await asyncio.sleep(0.05)
    assert world.query("SELECT count(*) FROM outbox") == [(0,)]


def not_for_posts(world) -> dict[str, Channel]:
    fake, guild = world.fake, world.guild
    if not hasattr(world, "_not_for_posts"):
        general = guild.channel("general")
        category = fake.add_channel(guild, "Events", type=GUILD_CATEGORY)
        world._not_for_posts = {
            "thread": places(world)["public thread"],
            "forum": fake.add_channel(guild, "ideas", type=GUILD_FORUM),
            "voice channel": places(world)["voice chat"],
            "category": category,
            "archived thread": fake.add_thread(general, "old news", archived=True,
                                               locked=True),
        }
    return world._not_for_posts


@pytest.mark.parametrize("kind", ["thread", "forum", "voice channel", "category",
                                  "archived thread"])
@pytest.mark.parametrize("command", ["manage channel", "manage announce"])
async def test_a_channel_of_another_kind_for_posts(world, fake, kind, command):
    """Discord offers text and announcement channels alone for these options (the
    command's channel types); a client that sends another kind anyway gets one line."""
    target = not_for_posts(world)[kind]
    options = {"channel": target}
    if command == "manage announce":
        options["event"] = sample_event(world)
    with pytest.raises(ValueError, match="takes channels of types"):
        await fake.slash(world.guild, world.moderator, command, **options)

    before, sent = world.dump(), len(fake.requests)
    reply = await fake.slash(world.guild, world.moderator, command,
                             options={**options, "channel": world.guild.channel("general")},
                             mutate=wrong_channel(target))
    assert reply.ephemeral and "\n" not in reply.content.strip(), reply.content
    assert reply.content.strip() == (
        f"⚠️ **{target.name}** isn't a text or announcement channel: pick a text or "
        "announcement channel for the channel option."), reply.content
    assert world.dump() == before
    assert not [r for r in fake.requests[sent:] if r.route == "/channels/{channel_id}/messages"]


def wrong_channel(target: Channel):
    """What a modified client could send: `target` as the channel option's value, whatever
    channel the command line named."""
    def swap(payload: dict) -> None:
        option = next(o for o in payload["data"]["options"][0]["options"]
                      if o["name"] == "channel")
        option["value"] = str(target.id)
        payload["data"]["resolved"]["channels"] = {
            str(target.id): {**target.payload(), "permissions": str(2**53 - 1)}}
    return swap


@pytest.mark.parametrize(("locale", "says"), [
    ("zh-CN", "⚠️ **Lounge** 不是文字频道或公告频道：请为 频道 选项选择一个文字频道或公告频道。"),
    ("zh-TW", "⚠️ **Lounge** 不是文字頻道或公告頻道：請為 頻道 選項選擇一個文字頻道或公告頻道。"),
    ("en-GB", "⚠️ **Lounge** isn't a text or announcement channel: pick a text or announcement "
              "channel for the channel option."),
])
async def test_a_channel_of_another_kind_in_the_moderators_language(world, fake, locale, says):
    moderator = world.member(f"moderator ({locale})", locale=locale, manage_events=True)
    before = world.dump()
    reply = await fake.slash(world.guild, moderator, "manage channel",
                             channel=world.guild.channel("general"),
                             mutate=wrong_channel(not_for_posts(world)["voice channel"]))
    assert reply.ephemeral and reply.content == says, reply.content
    assert world.dump() == before


async def test_commands_from_threads_the_bot_has_not_been_told_of(world, fake):
    """A private thread in a channel where the bot may not manage threads (Discord never
    sends it THREAD_CREATE): the interaction's own copy of the channel is all the bot knows
    of it. (An archived thread takes no commands: Discord opens it again first.)"""
    hidden_parent = fake.add_channel(world.guild, "staff")
    fake.set_overwrite(hidden_parent, world.guild.members[fake.bot_user.id],
                       deny=MANAGE_THREADS)
    private = fake.add_thread(hidden_parent, "planning", private=True)
    member = world.member("late reader")
    for command, options in (("event list", {}),
                             ("event info", {"event": sample_event(world)}),
                             ("rsvp mine", {})):
        reply = await fake.slash(world.guild, member, command, in_channel=private, **options)
        assert text_of(reply).strip() and BUG not in text_of(reply), (private, reply)


async def test_the_bot_logged_no_error_in_any_of_it(world):
    out = world.bot.output()
    assert "Traceback" not in out and " ERROR " not in out, out[-3000:]
