"""The choices the `[event]` option's autocomplete offers: within Discord's 100
characters a name, whatever the title, with the date and the id that tell events apart."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.adapters.event_option import choice_name
from bot.models import EventListing


def test_a_long_title_is_cut_so_that_its_choice_fits_with_its_date_and_id():
    """Discord refuses a whole autocomplete answer if one choice's name passes 100."""
    listing = EventListing(123456, "A" * 200, datetime(2037, 5, 6, 18, tzinfo=UTC),
                           seats_left=5, registration_open=True, archived=False, over=False)
    shanghai = ZoneInfo("Asia/Shanghai")  # 02:00 the next day there
    assert choice_name(listing, shanghai) == "A" * 86 + "… (2037-05-07)"
    assert choice_name(listing, shanghai, with_id=True) == "A" * 78 + "… (2037-05-07) #123456"
    assert all(len(choice_name(listing, shanghai, with_id=w)) == 100 for w in (False, True))


def test_a_title_that_shows_nothing_is_named_by_its_id():
    """Direction marks alone show as nothing, and Discord refuses an empty choice name."""
    undated = EventListing(77, "\u202e \u2066", None, seats_left=5, registration_open=True,
                           archived=False, over=False)
    assert choice_name(undated, UTC) == "#77"
    dated = dataclasses.replace(undated, starts_at=datetime(2037, 5, 6, 18, tzinfo=UTC))
    assert choice_name(dated, UTC) == "(2037-05-06) #77"
