"""Which pages are refused as "not an event page" before an import: one rule, pure."""

from __future__ import annotations

import pytest

from bot.catalog import NOT_AN_EVENT_PAGE, page_problem
from bot.pages import parse_page
from tests.conftest import ANNOUNCEMENT, RECAP, ROOT

PAGES = ROOT / "tests" / "unit"  # the importer's test pages

PASSWD = ("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
          "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n")


@pytest.mark.parametrize("text", [
    "apples, pears and plums\n\nmore words, nothing else",
    PASSWD,
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n\nSed do eiusmod tempor.",
])
def test_a_page_with_no_sign_of_an_event_is_refused(text):
    assert page_problem(parse_page(text)) == NOT_AN_EVENT_PAGE


@pytest.mark.parametrize("text", [
    ANNOUNCEMENT.read_text(encoding="utf-8"),
    RECAP.read_text(encoding="utf-8"),
    *(path.read_text(encoding="utf-8") for path in sorted(PAGES.glob("*/*.txt"))),
    "Talk\n\nDecember 15, 2026, 6:00 PM - 8:00 PM EST",  # a date alone
    "Talk\n\nRegistration is now closed.",
    # a recap told in prose, with no bullets
    "The panel discussed coastal resilience. Speakers explored funding models.\n\n"
    "This event was off the record.\n",
])
def test_a_page_with_any_sign_of_an_event_is_accepted(text):
    assert page_problem(parse_page(text)) is None
