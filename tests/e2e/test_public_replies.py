"""Public answers in a channel: a member whose client sends a command as fast as it is
answered (slowmode does not hold slash commands) posts a few for everyone, then reads the
rest alone."""

from __future__ import annotations

import pytest

from bot.tree import PUBLIC_REPLIES

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
