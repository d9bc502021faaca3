"""The moderators told of posts their server's AutoMod blocked (bot.adapters.automod_refusals):
how many posts a burst of blocked events makes, and what a blocked notice to them does."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace

import discord
import pytest

from bot.adapters import automod_refusals
from bot.adapters.automod_refusals import NAMED_MOST, TOLD_MOST, AutoModRefusals
from bot.i18n import language

GUILD = 5


def blocked() -> discord.HTTPException:
    return discord.HTTPException(SimpleNamespace(status=400, reason="Bad Request"),
                                 {"code": 200000, "message": "Message was blocked by "
                                  "automatic moderation"})


class Channel:
    """The announcements channel: its posts, each held until `go` is set; every post
    blocked by the server's AutoMod if `refuses`."""

    id = 77

    def __init__(self, *, refuses: bool = False) -> None:
        self.refuses = refuses
        self.posts: list[tuple[str, object]] = []
        self.go = asyncio.Event()

    async def send(self, text: str, *, allowed_mentions: object) -> None:
        self.posts.append((text, allowed_mentions))
        await self.go.wait()
        if self.refuses:
            raise blocked()


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch):
    def make(channel: Channel, locale: str = "en-US") -> AutoModRefusals:
        async def announce_channel(bot: object, guild_id: int) -> Channel:
            assert guild_id == GUILD
            return channel

        async def for_guild(guild_id: int, bot: object):
            return language(locale)

        monkeypatch.setattr(automod_refusals, "announce_channel", announce_channel)
        return AutoModRefusals(SimpleNamespace(  # type: ignore[arg-type]
            languages=SimpleNamespace(for_guild=for_guild)))

    return make


async def settled(refusals: AutoModRefusals, channel: Channel) -> None:
    channel.go.set()
    while refusals.tasks():
        await asyncio.gather(*refusals.tasks())


async def test_events_blocked_while_the_moderators_are_told_are_named_in_one_post(told):
    """A rule blocking every announcement blocks fifty refreshes after a start: the
    moderators get a post naming the first, and one naming the 49 blocked meanwhile, not
    fifty posts; in the server's language, pinging nobody."""
    channel = Channel()
    refusals = told(channel, "zh-CN")
    refusals.blocked(GUILD, 77, 1, "T", "announcement refresh", blocked())
    while not channel.posts:
        await asyncio.sleep(0)
    for event_id in range(2, 51):
        refusals.blocked(GUILD, 77, event_id, "T", "announcement refresh", blocked())
    refusals.blocked(GUILD, 77, 7, "T", "capacity notice", blocked())  # told already
    await settled(refusals, channel)
    assert [text for text, _ in channel.posts] == [
        "这个服务器的 AutoMod 拦下了我关于活动 1 的消息，成员看不到；它的规则在 服务器设置 > "
        "AutoMod 中。",
        f"这个服务器的 AutoMod 拦下了我关于活动 {'、'.join(map(str, range(2, 51)))} 的消息，"
        "成员看不到；它的规则在 服务器设置 > AutoMod 中。"]
    assert all(mentions.to_dict() == discord.AllowedMentions.none().to_dict()  # type: ignore[attr-defined]
               for _, mentions in channel.posts)
    for event_id in range(51, 51 + TOLD_MOST):  # a trickle, each after the last was told
        refusals.blocked(GUILD, 77, event_id, "T", "recap notice", blocked())
        await settled(refusals, channel)
    assert len(channel.posts) == TOLD_MOST, channel.posts  # at most, in a day


async def test_a_notice_to_the_moderators_that_automod_blocked_is_not_tried_again(told, caplog):
    """The server's rule blocks the bot's words too: each event blocked later would only
    have its notice blocked again."""
    channel = Channel(refuses=True)
    refusals = told(channel)
    for event_id in (1, 2, 3):
        refusals.blocked(GUILD, 77, event_id, "T", "announcement refresh", blocked())
        await settled(refusals, channel)
    assert [text for text, _ in channel.posts] == [
        "This server's AutoMod blocked one of my posts about event 1, so members don't see "
        "it; its rules are under Server Settings > AutoMod."]
    assert sum("could not tell the moderators" in r.getMessage() for r in caplog.records) == 1


async def test_a_post_to_the_moderators_names_at_most_so_many_events(told):
    """A server of thousands of events, all blocked at once: each post stays within
    Discord's 2,000 characters, the events past the first NAMED_MOST named in the next."""
    channel = Channel()
    refusals = told(channel)
    first = 10**19  # ids as long as Discord's
    for event_id in range(first, first + 2 * NAMED_MOST + 10):
        refusals.blocked(GUILD, 77, event_id, "T", "announcement refresh", blocked())
    await settled(refusals, channel)
    named = [len(re.findall(r"\d{20}", text)) for text, _ in channel.posts]
    assert named == [NAMED_MOST, NAMED_MOST, 10]
    assert max(len(text) for text, _ in channel.posts) <= 2000
