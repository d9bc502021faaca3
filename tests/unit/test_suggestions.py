"""The titles suggested for an `[event]` that names nothing: close ones, few, at once."""

from __future__ import annotations

import pytest

from bot.flows.events import COMPARED_CHARS, closest

TITLES = ["U.S.-China Missile Defense Disputes", "Arctic Shipping and Security Forum",
          "Nuclear Policy Dialogue", "Climate and Energy Outlook", "China and the Arctic",
          "中美导弹防御争议"]


@pytest.mark.parametrize(("typed", "suggested"), [
    ("Missle Defence", ["U.S.-China Missile Defense Disputes"]),  # typos
    ("arctic forum", ["Arctic Shipping and Security Forum"]),  # words left out
    ("Energy outlook 2030", ["Climate and Energy Outlook"]),  # a word more
    ("导弹防御", ["中美导弹防御争议"]),
    ("China", ["China and the Arctic", "U.S.-China Missile Defense Disputes"]),  # closest first
    ("Tsinghua roundtable", []),
    ("an", []),  # too short to say
])
def test_close_titles_are_suggested_the_closest_first(typed, suggested):
    assert closest(typed, TITLES) == suggested


def test_at_most_three_and_each_once():
    titles = [f"Arctic Forum {n}" for n in range(10)] + ["Arctic Forum 0"]
    assert closest("Arctic Forum", titles) == ["Arctic Forum 0", "Arctic Forum 1",
                                               "Arctic Forum 2"]


def test_a_long_title_is_compared_by_its_beginning():
    long = "Arctic Security Dialogue: " + "and more words " * 100
    assert closest("Arctik Securty Dialog", ["Unrelated", long]) == [long]
    assert closest("and more words", ["x" * COMPARED_CHARS + " and more words"]) == []
