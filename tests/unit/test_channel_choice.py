"""The announcement channel rule: the chosen channel, else the server's announcements
channel, else the system channel, else the first text channel in the server's order; only
one the bot may post embeds in."""

from dataclasses import dataclass

from bot.flows.channels import choose_announce_channel


@dataclass(frozen=True)
class Channel:
    id: int
    position: int
    postable: bool = True
    name: str = "chat"


def may_post(channel: Channel) -> bool:
    return channel.postable


GENERAL, NEWS, RANDOM = Channel(30, 0), Channel(20, 1), Channel(10, 1)
TEXT = [RANDOM, NEWS, GENERAL]
ANNOUNCEMENTS = Channel(40, 5, name="announcements")


def test_the_chosen_channel_comes_first():
    assert choose_announce_channel(NEWS, GENERAL, [*TEXT, ANNOUNCEMENTS], may_post) is NEWS


def test_without_a_chosen_channel_the_servers_announcements_channel():
    """Before the system channel (where Discord welcomes members, often #general): what
    the server named for its announcements, one named just "announcements" first."""
    assert choose_announce_channel(None, GENERAL, [*TEXT, ANNOUNCEMENTS], may_post) is (
        ANNOUNCEMENTS)
    decorated = Channel(50, 2, name="📢-Event-Announcements")
    assert choose_announce_channel(None, GENERAL, [*TEXT, decorated, ANNOUNCEMENTS],
                                   may_post) is ANNOUNCEMENTS
    assert choose_announce_channel(None, GENERAL, [*TEXT, decorated], may_post) is decorated
    chinese = Channel(60, 3, name="活动公告")
    assert choose_announce_channel(None, GENERAL, [*TEXT, chinese], may_post) is chinese
    for name in ("announce-bot-test", "news", "general"):  # not named for announcements
        other = Channel(70, 0, name=name)
        assert choose_announce_channel(None, GENERAL, [*TEXT, other], may_post) is GENERAL


def test_an_announcements_channel_the_bot_cannot_post_in_is_passed_over():
    closed = Channel(40, 5, False, name="announcements")
    assert choose_announce_channel(None, GENERAL, [*TEXT, closed], may_post) is GENERAL


def test_without_a_chosen_or_announcements_channel_the_system_channel():
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
