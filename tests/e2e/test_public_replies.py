"""Public answers in a channel: a member whose client sends a command as fast as it is
answered (slowmode does not hold slash commands) posts a few for everyone, then reads the
rest alone."""

from __future__ import annotations

import pytest

from bot.tree import PUBLIC_REPLIES
from tests.e2e.test_bot import text_of

pytestmark = pytest.mark.asyncio(loop_scope="module")


def sample_event(world) -> str:
    [(event_id,)] = world.query("SELECT id FROM events WHERE guild_id = ? AND is_sample",
                                (world.guild.id,))
    return str(event_id)


async def test_a_member_asking_again_and_again_reads_the_answers_past_a_few_alone(world, fake):
    guild, event = world.guild, sample_event(world)
    flooder = world.member("asks-again-and-again")
    commands = ["event info", "event takeaways"]
    replies = [await fake.slash(guild, flooder, commands[n % 2], event=event)
               for n in range(PUBLIC_REPLIES + 3)]
    assert [r.ephemeral for r in replies] == [False] * PUBLIC_REPLIES + [True] * 3
    assert all(r.message.get("embeds") for r in replies)  # each still answered, whole
    # the window is the member's in that channel: others, and the member elsewhere, post
    other = await fake.slash(guild, world.member("asks-once"), "event info", event=event)
    side = guild.channel("announcements")
    elsewhere = await fake.slash(guild, flooder, "event info", event=event, in_channel=side)
    assert not other.ephemeral and not elsewhere.ephemeral


@pytest.mark.parametrize(("command", "options", "chinese"), [
    ("event ask", {"question": "who is the moderator"}, "主持人"),
    ("event info", {}, "报名"),
])
async def test_an_answer_past_the_few_public_ones_is_in_the_members_language(
        world, fake, command, options, chinese):
    """In an English server, a zh-CN member's public answers are in English, for the
    channel; the ones past PUBLIC_REPLIES, which only they read, are in their language,
    as every reply only a member reads is."""
    event = sample_event(world)
    member = world.member(f"zh {command}", locale="zh-CN")
    replies = [await fake.slash(world.guild, member, command, event=event, **options)
               for _ in range(PUBLIC_REPLIES + 1)]
    *public, private = replies
    assert not any(r.ephemeral for r in public) and private.ephemeral
    assert chinese not in text_of(public[0])
    assert chinese in text_of(private), text_of(private)
