"""A server with many events, through the real bot process and the local Discord: what
the `[event]` option offers and takes when many titles hold what a member types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import OPEN_ANNOUNCEMENT, delete_event

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_event_whose_id_is_typed_is_offered_whatever_titles_hold_it(world, fake):
    """`/event list` shows each event's id: a member typing one is offered that event,
    even when more than a list's worth of titles (a number in each) come before it."""
    now = datetime.now(UTC).replace(microsecond=0)
    old = await world.import_event("Old Forum", capacity=5,
                                   starts_at=(now - timedelta(days=30)).isoformat())
    for n in range(26):  # to come, so listed before the past one, each holding its id
        await world.import_event(f"Panel {old}, part {n}", capacity=5,
                                 starts_at=(now + timedelta(days=3, minutes=n)).isoformat())
    member = world.member("typist")
    choices = await fake.autocomplete(world.guild, member, "event info", focused="event",
                                      event=str(old))
    values = [choice["value"] for choice in choices]
    assert len(values) == 25 and str(old) in values, choices
    # the rest are the first titles holding it, in the list's order
    assert [choice["name"].split(" (")[0] for choice in choices if choice["value"] != str(old)
            ] == [f"Panel {old}, part {n}" for n in range(24)]


async def test_an_event_is_found_by_the_number_its_choice_names_it_by(world, fake):
    """Choices that would read the same name each event "#id", the number a member then
    types, in the option or by hand."""
    day = (datetime.now(UTC) + timedelta(days=5)).replace(hour=18, minute=0, microsecond=0)
    twins = [await world.import_event("Twin Talk", capacity=5, page=(
        f"Twin Talk\n\nSession {n}.\n\n".encode() + OPEN_ANNOUNCEMENT),
        starts_at=day.isoformat()) for n in range(2)]
    member = world.member("reader")
    offered = await fake.autocomplete(world.guild, member, "event info", focused="event",
                                      event="twin")
    second = next(choice["name"] for choice in offered if choice["value"] == str(twins[1]))
    assert second.endswith(f" #{twins[1]}"), offered
    for typed in (f"#{twins[1]}", f"＃{twins[1]}"):  # as a Chinese keyboard types it too
        choices = await fake.autocomplete(world.guild, member, "event info", focused="event",
                                          event=typed)
        assert [choice["value"] for choice in choices] == [str(twins[1])], (typed, choices)
        shown = await fake.slash(world.guild, member, "event info", event=typed)
        assert shown.embeds and "Session 1" in str(shown.embeds[0]), (typed, shown)


async def test_letters_with_a_stroke_are_found_as_a_plain_keyboard_types_them(world, fake):
    """Ł, ø, đ, ħ carry no accent Unicode takes off: a member typing "lodz" or "soren"
    finds "Łódź" and "Søren" as "zurich" finds "Zürich", in titles and in names."""
    day = datetime.now(UTC) + timedelta(days=9)
    page = ("A forum on the Baltic.\n\nSøren Østergård will moderate a discussion with "
            "Đorđe Đukić and Łucja Wałęsa.\n").encode()
    event = await world.import_event("Łódź Forum on Øresund Security", capacity=5,
                                     page=page, starts_at=day.isoformat())
    member = world.member("plain keyboard")
    for typed in ("lodz forum", "oresund", "LODZ"):
        choices = await fake.autocomplete(world.guild, member, "event info", focused="event",
                                          event=typed)
        assert [choice["value"] for choice in choices] == [str(event)], (typed, choices)
    shown = await fake.slash(world.guild, member, "event info",
                             event="Lodz Forum on Oresund Security")
    assert shown.embeds and "Łódź" in shown.embeds[0]["title"], shown
    for typed, name in (("soren", "Søren Østergård"), ("dorde dukic", "Đorđe Đukić"),
                        ("lucja walesa", "Łucja Wałęsa")):
        names = await fake.autocomplete(world.guild, member, "event speaker", focused="name",
                                        name=typed, event=str(event))
        assert [choice["value"] for choice in names] == [name], (typed, names)


async def test_a_deleted_events_id_says_it_was_deleted(world, fake):
    """An id picked before its event was deleted (the choice still on the member's screen,
    an old `/event list`) is answered as its buttons are: the event is gone, by its title,
    not "no event matches" as for a number no event ever had."""
    now = datetime.now(UTC).replace(microsecond=0)
    to_come = await world.import_event("Harbour Talk", capacity=5,
                                       starts_at=(now + timedelta(days=4)).isoformat())
    held = await world.import_event("Quay Lecture", capacity=5,
                                    starts_at=(now - timedelta(days=4)).isoformat())
    member = world.member("late picker")
    for event_id in (to_come, held):
        await delete_event(world, world.moderator, event_id)
    cancelled = await fake.slash(world.guild, member, "rsvp join", event=str(to_come))
    assert "Harbour Talk" in cancelled.content and "cancelled" in cancelled.content, cancelled
    over = await fake.slash(world.guild, member, "event info", event=f"#{held}")
    assert "Quay Lecture" in over.content and "took place" in over.content, over
    never = await fake.slash(world.guild, member, "event info", event="987654321")
    assert "No event in this server matches '987654321'" in never.content, never


async def test_letters_written_as_one_are_found_as_typed_in_two(world, fake):
    """Æ, Œ and Þ are two letters a plain keyboard types apart: "aero", "coeur" and "thor"
    find "Ærø", "Cœur" and "Þór"."""
    day = datetime.now(UTC) + timedelta(days=11)
    event = await world.import_event("Cœur de l'Europe: Ærø and Þórshöfn", capacity=5,
                                     starts_at=day.isoformat())
    member = world.member("two letters")
    for typed in ("coeur de", "aero and", "thorshofn"):
        choices = await fake.autocomplete(world.guild, member, "event info", focused="event",
                                          event=typed)
        assert [choice["value"] for choice in choices] == [str(event)], (typed, choices)


async def test_the_past_ones_are_listed_when_asked_for_beside_more_events_to_come(world, fake):
    """`/event list past:True` in a server with more events to come than a list shows still
    shows the past ones (the list kept them out before: they come after the events to
    come, and the 25 shown were all to come), up to half the list, most recent first."""
    now = datetime.now(UTC).replace(microsecond=0)
    bygone = await world.import_event("Bygone Summit", capacity=5,
                                      starts_at=(now - timedelta(days=1)).isoformat())
    for n in range(26):
        await world.import_event(f"Coming Talk {n}", capacity=5,
                                 starts_at=(now + timedelta(days=2, minutes=n)).isoformat())
    member = world.member("historian")
    listed = (await fake.slash(world.guild, member, "event list", past=True)).embeds[0]
    lines = listed["description"].splitlines()
    assert any("Bygone Summit" in line and str(bygone) in line for line in lines), lines
    assert sum("Coming Talk" in line for line in lines) >= 12, lines
    assert "more" in lines[-1], lines  # the rest counted
    to_come = (await fake.slash(world.guild, member, "event list")).embeds[0]
    assert "Bygone Summit" not in to_come["description"]
