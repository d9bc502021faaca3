"""The announcement channel rule: the chosen channel, else the system channel, else the
first text channel in the server's order; only one the bot may post embeds in."""

from dataclasses import dataclass

from bot.flows.channels import choose_announce_channel


@dataclass(frozen=True)
class Channel:
    id: int
    position: int
    postable: bool = True


def may_post(channel: Channel) -> bool:
    return channel.postable


GENERAL, NEWS, RANDOM = Channel(30, 0), Channel(20, 1), Channel(10, 1)
TEXT = [RANDOM, NEWS, GENERAL]


def test_the_chosen_channel_comes_first():
    assert choose_announce_channel(NEWS, GENERAL, TEXT, may_post) is NEWS


def test_without_a_chosen_channel_the_system_channel():
    assert choose_announce_channel(None, NEWS, TEXT, may_post) is NEWS


def test_then_the_first_text_channel_by_position_then_id():
    assert choose_announce_channel(None, None, TEXT, may_post) is GENERAL
    assert choose_announce_channel(None, None, [NEWS, RANDOM], may_post) is RANDOM


def test_channels_the_bot_cannot_post_in_are_skipped():
    closed_news, closed_general = Channel(20, 1, False), Channel(30, 0, False)
    assert choose_announce_channel(closed_news, closed_general, [closed_general, RANDOM],
                                   may_post) is RANDOM


def test_nowhere_to_post():
    assert choose_announce_channel(None, None, [], may_post) is None
    assert choose_announce_channel(None, None, [Channel(1, 0, False)], may_post) is None
