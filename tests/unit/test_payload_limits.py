"""Every message the bot would send fits Discord's limits, for events up to every input limit.

Sizes are drawn separately from the text that fills them (a short pattern of markdown,
mentions and plain words, repeated to the size), so examples reach the limits fast.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import render
from bot import render_answers as answers
from bot import render_replies as replies
from bot.adapters.held import Held
from bot.adapters.manage_forms import EDIT_PREFIX, EditModal, form_expired
from bot.catalog import MAX_TITLE
from bot.i18n import SHIPPED, Language, language
from bot.models import Event, Rsvp
from bot.pages import Person, Takeaway
from bot.questions import Intent
from bot.registration import (
    CancelOutcome,
    CancelResult,
    JoinOutcome,
    JoinResult,
    Promotions,
    Status,
)
from bot.reminders import reminder_dm, scheduled_event_fields
from bot.storage import MATCH_END, MATCH_START, EventListing, MyRsvp, Passage
from cogs.events import PAGER_PREFIX, pages_expired, speakers_reply
from tests.limits import assert_fits, problems, scheduled_event_problems

LANGUAGES = [language(code) for code in SHIPPED]  # every language the bot speaks

START = datetime(2037, 12, 1, 17, 0, tzinfo=UTC)  # a Tuesday, as 2026-12-01; to come
TOKENS = ["**bold**", "_it_", "~~s~~", "||spoiler||", "`code`", "> quote", "# head", "[a](b)",
          "[[", "](", "@everyone", "@here", "<@123>", "<@&5>", "\\", "*", "_", "word", "Zoë",
          "东京", " ", " ", "\n", "\n\n", "🙂", "x" * 40]
PERSON_TEXT_MAX = 4000  # a bio: longer than one embed description once escaped
DESCRIPTION_MAX = 12_000


def text(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    """Markdown-heavy text from `min_size` to `max_size` characters, often at the maximum."""
    sizes = st.one_of(st.just(max_size), st.integers(min_size, max_size))
    pattern = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6).map("".join)
    return st.builds(lambda unit, size: ((unit * (size // len(unit) + 1))[:size]).strip()
                     or "x" * min_size, pattern, sizes)


def links() -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.just("javascript:alert(1)"), st.just("ftp://x.org/a"),
                     st.integers(0, 2100).map(lambda n: "https://example.org/" + "a" * n))


@st.composite
def events(draw) -> Event:
    count = draw(st.one_of(st.just(200), st.integers(0, 200)))
    name, bio = draw(text(120, 1)), draw(text(PERSON_TEXT_MAX))
    roles = draw(st.lists(st.sampled_from([*render.ROLE_TITLES, "panelist"]), min_size=1,
                          max_size=6))
    # Limits hold page by page, so full bios at both ends of the list are enough; the
    # people between keep the list long (names, the menu) at a fraction of the cost.
    people = tuple(Person(f"{name} {i}"[-120:], roles[i % len(roles)],
                          bio if i < 2 or i == count - 1 else bio[:60 + i])
                   for i in range(count))
    heading, body = draw(text(300, 1)), draw(text(2500))
    many = draw(st.integers(0, 50))
    takeaways = tuple(Takeaway(heading, body if i < 3 or i >= many - 2 else body[:40 + i])
                      for i in range(many))
    capacity = draw(st.integers(1, 100_000))
    confirmed = draw(st.integers(0, capacity))
    return Event(
        id=draw(st.integers(1, 2**53)), guild_id=1, slug="e", title=draw(text(MAX_TITLE, 1)),
        venue=draw(st.one_of(st.none(), text(3000))), link=draw(links()),
        starts_at=draw(st.one_of(st.none(), st.just(START))),
        ends_at=draw(st.one_of(st.none(), st.just(START + timedelta(hours=2)))),
        capacity=capacity, confirmed=confirmed,
        waitlisted=draw(st.integers(0, 100_000)) if confirmed == capacity else 0,
        registration_open=draw(st.booleans()),
        closed_reason=draw(st.one_of(st.none(), text(1000))),
        description=draw(text(DESCRIPTION_MAX)), recap_summary=draw(text(5000)),
        language=draw(st.one_of(st.none(), text(200))),
        translation=draw(st.one_of(st.none(), text(200))), off_the_record=draw(st.booleans()),
        access_notes=tuple(draw(st.lists(text(1500), max_size=5))),
        has_recap=draw(st.booleans()), people=people, takeaways=takeaways,
        all_day=draw(st.booleans()), archived=draw(st.booleans()),
        is_sample=draw(st.booleans()))


def fits_each(messages: list[list[discord.Embed]]) -> None:
    assert messages
    for embeds in messages:
        assert_fits(embeds=embeds)


def check_event(lang: Language, event: Event) -> None:
    # /event info, /manage announce (and every edit), the import reply
    embed = render.event_embed(lang, event)
    assert_fits("x" * 1900, [embed])
    assert embed.title and any(f.name == lang._("Registration") for f in embed.fields)
    if event.starts_at is not None:
        assert any(f.name == lang._("When") for f in embed.fields)
    # /manage edit: its form, filled in with the event as it is
    form = EditModal(event, "Asia/Shanghai", Held(EDIT_PREFIX, form_expired), lang,
                     moderator=1).to_dict()
    assert len(form["title"]) <= 45 and len(form["custom_id"]) <= 100
    assert_fits(components=form["components"])
    # /event speakers: one message, its pages turned by buttons and a menu
    first, pager = speakers_reply(lang, event, 1, Held(PAGER_PREFIX, pages_expired))
    assert_fits(embeds=[first])
    if pager is not None:
        for page in {0, len(pager.pages) // 2, len(pager.pages) - 1}:
            pager.page = page
            pager.refresh()
            assert_fits(embeds=[pager.embed], components=pager.to_components())
        for page in pager.pages:
            assert_fits(embeds=[page.embed])
    # /event speaker, /event takeaways and the recap notice
    for person in event.people[:1] + event.people[-1:]:
        fits_each(render.speaker_embed(lang, event, person))
    fits_each(render.takeaways_messages(lang, event).messages)
    # notices, DMs and replies
    texts = [replies.capacity_notice(lang, event),
             replies.closed_notice(lang, event, event.closed_reason),
             replies.opened_notice(lang, event), replies.recap_notice(lang, event),
             replies.promoted_dm(lang, event), replies.calendar_reply(lang, event)]
    if event.starts_at is not None:
        texts.append(reminder_dm(lang, event.id, event.title, event.starts_at, event.venue))
        assert not scheduled_event_problems(scheduled_event_fields(event, lang))
    joined = datetime(2026, 11, 1, tzinfo=UTC)
    texts += [replies.join_reply(lang, event.title, JoinResult(outcome, 3, event.closed_reason,
                                                               note=event.closed_reason))
              for outcome in JoinOutcome]
    texts += [replies.cancel_reply(lang, event.title, CancelResult(outcome, Promotions((1, 2))))
              for outcome in CancelOutcome]
    texts += [replies.status_reply(lang, event.title, rsvp) for rsvp in
              (None, Rsvp(1, "a", Status.WAITLISTED, 9, joined),
               Rsvp(1, "a", Status.CONFIRMED, None, joined))]
    for content in texts:
        assert_fits(content)
    # /event ask and /event list
    excerpt = f"{event.description[:600]}{MATCH_START}word{MATCH_END}"
    passages = [Passage(event.id, event.title, source, event.description, excerpt)
                for source in ("page", "recap", f"bio:{event.people[0].name}" if event.people
                               else "takeaway:" + "h" * 300)]
    question = event.description[:300] or "?"
    assert_fits(embeds=[answers.answer_embed(lang, question, passages)])
    assert_fits(embeds=[answers.answer_embed(lang, question, passages, event, list(Intent))])
    listings = [EventListing(i, event.title, event.starts_at, i % 3, bool(i % 2), i % 5 == 0,
                             i % 7 == 0) for i in range(300)]
    for past in (False, True):
        assert_fits(embeds=[replies.events_list_embed(lang, listings, past=past)])
    mine = [MyRsvp(i, event.title, event.starts_at, Status.WAITLISTED if i else Status.CONFIRMED,
                   i or None) for i in range(300)]
    assert_fits(replies.my_rsvps_text(lang, mine))
    assert_fits(replies.cancelled_dm(lang, event.title),
                [replies.cancelled_embed(lang, event.title)])
    assert_fits(replies.deletion_question(lang, event.title, 10**6, 10**6))


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(events(), st.sampled_from(LANGUAGES))
def test_every_message_fits_discords_limits(event, lang):
    check_event(lang, event)


def test_the_limit_checker_catches_each_kind_of_overflow():
    """The checker itself can fail: one payload over each limit."""
    big = discord.Embed(title="t" * 257, description="d" * 4097, url="javascript:x")
    for _ in range(26):
        big.add_field(name="n" * 257, value="v" * 1025)
    big.set_footer(text="f" * 2049)
    big.set_author(name="a" * 257)
    found = " | ".join(problems("c" * 2001, [big] * 11, [
        {"type": 1, "components": [{"type": 2, "label": "l" * 81, "custom_id": "i" * 101}] * 6},
        {"type": 1, "components": [{"type": 3, "custom_id": "s", "options": [
            {"label": "o" * 101, "value": "v"}] * 26}]}] * 6 + [
        {"type": 1, "components": [{"type": 4, "custom_id": "t", "label": "l" * 46,
                                    "max_length": 10, "value": "v" * 11}]}]))
    for words in ("content of 2001", "11 embeds", "embeds total", "embed title",
                  "embed description", "26 fields", "field name", "value of 1025", "footer",
                  "author name",
                  "embed url", "13 action rows", "6 buttons", "custom_id", "button label",
                  "26 options", "select option label", "values repeat",
                  "text input label", "text input value of 11 characters (limit 10)"):
        assert words in found, words
