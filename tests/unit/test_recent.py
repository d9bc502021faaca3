"""`Recent`: the keys noted within a time window, the rest forgotten, so that one entry
per key ever seen (a role refused, a role deleted: one per event, for months) is not
kept for as long as the bot runs."""

from __future__ import annotations

import pytest

from bot.adapters.attendee_roles import GONE_FOR
from bot.adapters.role_notices import TELL_AGAIN
from bot.recent import Allowance, Recent
from bot.tree import PUBLIC_REPLIES, PUBLIC_WINDOW


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("keep", [TELL_AGAIN, GONE_FOR])
def test_many_distinct_keys_over_months_keep_one_windows_worth(keep):
    clock = Clock()
    recent: Recent[int] = Recent(keep, clock)
    per_window = 50
    largest = 0
    for key in range(90 * per_window):  # months of windows, a new key each time
        recent.note(key)
        assert key in recent
        largest = max(largest, len(recent))
        clock.now += keep / per_window
    assert largest == per_window
    assert 0 not in recent and len(recent) == per_window


def test_a_key_is_kept_for_the_window_from_its_latest_note():
    clock = Clock()
    recent: Recent[str] = Recent(10.0, clock)
    recent.note("refused")
    clock.now += 9.9
    assert "refused" in recent
    recent.note("refused")  # noted again: its window starts again
    clock.now += 9.9
    assert "refused" in recent
    clock.now += 0.1
    assert "refused" not in recent  # past the window: news again
    recent.note("other")
    assert len(recent) == 1 and "refused" not in recent


def test_a_key_discarded_is_news_at_once():
    recent: Recent[int] = Recent(60.0, Clock())
    recent.note(7)
    recent.discard(7)
    recent.discard(8)  # never noted: nothing to do
    assert 7 not in recent and len(recent) == 0


def test_a_window_that_keeps_nothing_is_refused():
    with pytest.raises(ValueError, match="keeps nothing"):
        Recent(0.0)


def test_an_allowance_gives_so_many_uses_a_window_and_then_none_until_it_ends():
    clock = Clock()
    allowance: Allowance[str] = Allowance(PUBLIC_REPLIES, PUBLIC_WINDOW, clock)
    assert [allowance.take("member") for _ in range(PUBLIC_REPLIES + 2)] == (
        [True] * PUBLIC_REPLIES + [False, False])
    assert allowance.take("another")
    clock.now += PUBLIC_WINDOW - 0.1
    assert not allowance.take("member")
    clock.now += 0.1  # the window began at the first use
    assert all(allowance.take("member") for _ in range(PUBLIC_REPLIES))


def test_an_allowance_keeps_the_keys_of_one_window_at_most():
    clock = Clock()
    allowance: Allowance[int] = Allowance(2, 60.0, clock)
    largest = 0
    for key in range(5_000):  # a new member a second, each asking twice
        assert allowance.take(key) and allowance.take(key)
        largest = max(largest, len(allowance))
        clock.now += 1.0
    assert largest == 60
