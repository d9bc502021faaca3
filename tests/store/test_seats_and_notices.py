"""Store tests: free seats go to the waitlist whatever order the changes come in, and the
capacity notice is written once per fill, with a cool-down against churn."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import discord
import pytest

from bot.adapters import announcement_edits, notice_lanes
from bot.clock import WallClock
from bot.errors import Conflict, DatabaseBusy
from bot.models import (
    CancelledPayload,
    ChangedDmPayload,
    ChangedPayload,
    ChangedTo,
    DeletedEvent,
    DeletedPayload,
    NoticeKind,
    PromotedPayload,
    RefreshPayload,
    RemovedPayload,
)
from bot.registration import (
    ARCHIVED,
    CAPACITY_NOTICE_COOLDOWN,
    CancelOutcome,
    JoinOutcome,
    Status,
)
from bot.storage import EventDraft, EventEdit, Store, utcnow
from bot.storage.postgres import store as postgres_store
from bot.storage.sqlite import session as sqlite_session
from cogs.announcements import Announcements
from tests.conftest import (
    BotMember,
    a_bot,
    archived_holding_rsvps,
    attendees_of,
    english_servers,
    execute_sql,
    joins_held,
    make_page,
    rsvp_of,
    writes_held,
)


class Clock:
    """The store's "now", moved by the test."""

    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(store_opener, tmp_path, clock):
    async with await store_opener(tmp_path / "test.sqlite3", clock=clock) as opened:
        yield opened


def arrived(guild_id: int) -> SimpleNamespace:
    """A bot's guild that Discord has given it (`discord.Guild`, as far as the deliverer
    asks), with a text channel the bot may post in (none other the gateway has shown)."""
    return with_a_channel(SimpleNamespace(id=guild_id, unavailable=False, me=None,
                                          get_channel_or_thread=lambda channel_id: None))


def with_a_channel(guild: SimpleNamespace) -> SimpleNamespace:
    """`guild` with a text channel the bot may post in: its channel notices are not held
    for want of one (`NoticeLanes._held_back`)."""
    guild.text_channels = [SimpleNamespace(guild=guild, permissions_for=lambda member:
                                           discord.Permissions.all())]
    return guild


def postable(guild_id: int) -> SimpleNamespace:
    """`arrived`, with every channel the bot is asked about known and open to it, as the
    gateway shows it."""
    guild = arrived(guild_id)
    guild.me = SimpleNamespace(id=99)
    channel = SimpleNamespace(guild=guild,
                              permissions_for=lambda member: discord.Permissions.all())
    guild.get_channel_or_thread = lambda channel_id: channel
    return guild


def editing_announcements(store: Store, message: type,
                          guild: Callable[[int], SimpleNamespace] = arrived) -> Announcements:
    """The deliverer of a bot in its server (`guild`, as the gateway shows it), in English,
    whose announcement messages are instances of `message` (their `edit` is what Discord
    does with an edit)."""
    return Announcements(a_bot(  # type: ignore[arg-type]
        store=store, languages=english_servers(),
        is_ready=lambda: True, get_guild=guild,
        get_partial_messageable=lambda channel_id: SimpleNamespace(
            get_partial_message=lambda message_id: message())))


class NotEditable:
    """An announcement message Discord will not let the bot edit (its channel's
    permissions took the right away)."""

    async def edit(self, **_: object) -> None:
        import discord

        raise discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"),
                                {"code": 50013, "message": "Missing Permissions"})


async def new_event(store: Store, capacity: int, starts_at=None, slug: str = "talk"):
    event, _ = await store.run(store.events.save_event,
        1, EventDraft(slug=slug, title=f"Event {slug}", capacity=capacity, starts_at=starts_at),
        [("page text", make_page())])
    return event


async def kinds(store: Store) -> list[str]:
    notices = await store.run(store.notices.claim_notices)
    for notice in notices:
        await store.run(store.notices.ack_notice, notice.id)
    return [n.kind for n in notices]


async def test_a_step_ahead_of_the_wall_clock_still_tells_and_seats_members(store_opener,
                                                                         tmp_path, clock):
    """An event two hours away, one seat held and two members waiting. The host's wall
    clock steps a day ahead, not yet trusted (`bot.clock`): by it the event is over, by the
    trusted clock it is not. A moderator's removal tells the member and seats the next one,
    more seats seat the last, archiving it is refused, and deleting it tells both it is
    cancelled. Before, the store judged all four by the stepped clock: nobody was told or
    seated, it could be archived without a word, and its deletion told no one."""
    trusted = Clock()
    async with await store_opener(tmp_path / "stepped.sqlite3", clock=clock,
                                  trusted=trusted) as stepped:
        event = await new_event(stepped, capacity=1, starts_at=clock.now + timedelta(hours=2))
        for user in (1, 2, 3):
            await stepped.join(1, event.id, user, f"m{user}")
        await kinds(stepped)
        clock.advance(timedelta(days=1))
        with pytest.raises(Conflict, match="hasn't taken place yet"):
            await stepped.run(stepped.events.set_archived, 1, event.id, True)
        removed = await stepped.run(stepped.registrations.cancel, 1, event.id, 1, removed=True)
        assert removed.promotions.promoted == (2,)
        promotions = await stepped.run(stepped.registrations.set_capacity, 1, event.id, 2)
        assert promotions.promoted == (3,)
        assert await kinds(stepped) == [NoticeKind.REMOVED, NoticeKind.PROMOTED,
                                        NoticeKind.PROMOTED]
        deletion = await stepped.run(stepped.events.delete_event, 1, event.id)
        assert not deletion.taken_place
        assert await kinds(stepped) == [NoticeKind.DELETED, NoticeKind.CANCELLED,
                                        NoticeKind.CANCELLED]


async def test_an_archived_events_seats_are_refused_where_they_change(store, clock):
    """The commands refuse an archived event as they read it; one archived right after
    that read, or a page imported again with a capacity, is refused in the transaction
    that would change its seats: nobody is promoted, no notice goes out."""
    event = await new_event(store, capacity=1)
    for user in (1, 2):
        await store.join(1, event.id, user, f"m{user}")
    await archived_holding_rsvps(store, event.id)
    await kinds(store)
    for change, args in ((store.registrations.set_capacity, (3,)),
                         (store.registrations.close_registration, (None,)),
                         (store.registrations.open_registration, ())):
        with pytest.raises(Conflict, match="archived"):
            await store.run(change, 1, event.id, *args)
    with pytest.raises(Conflict, match="archived"):
        await store.run(store.events.save_event, 1, EventDraft(
            slug="talk", title="Event talk", capacity=3), [("page text", make_page())])
    # a member's cancel that read the event before it was archived keeps their RSVP
    for user in (1, 2):
        cancelled = await store.run(store.registrations.cancel, 1, event.id, user)
        assert cancelled.outcome is CancelOutcome.ARCHIVED
    assert (await rsvp_of(store, event.id, 1)).status is Status.CONFIRMED
    assert (await rsvp_of(store, event.id, 2)).status is Status.WAITLISTED
    archived = await store.run(store.events.get_event, 1, event.id)
    assert (archived.capacity, archived.confirmed, archived.waitlisted) == (1, 1, 1)
    assert await kinds(store) == []
    # the same page again, with its capacity unchanged, is no change of seats
    await store.run(store.events.save_event, 1, EventDraft(
        slug="talk", title="Event talk", capacity=1), [("page text", make_page())])


async def test_an_event_to_come_holding_rsvps_is_not_archived(store, clock):
    """Archiving tells no one: an event to come (or without a date) that holds RSVPs is
    refused with nothing changed (cancelling it is a deletion, which tells each member).
    One with nobody to leave without a word, or one that has taken place, is archived;
    bringing one back, or archiving one already archived, is as before."""
    soon = clock.now + timedelta(hours=1)
    undated = await new_event(store, capacity=1, slug="undated")
    held = await new_event(store, capacity=1, starts_at=soon, slug="held")
    empty = await new_event(store, capacity=1, starts_at=soon, slug="empty")
    await store.join(1, undated.id, 1, "seated")
    for user in (1, 2):
        await store.join(1, held.id, user, f"m{user}")
    await kinds(store)
    before = await execute_sql(store, "SELECT * FROM events ORDER BY id")
    for event in (undated, held):
        with pytest.raises(Conflict, match="hasn't taken place") as refused:
            await store.run(store.events.set_archived, 1, event.id, True)
        assert "/manage delete" in str(refused.value) and "/manage close" in str(refused.value)
    assert await execute_sql(store, "SELECT * FROM events ORDER BY id") == before
    assert await kinds(store) == []
    assert await store.run(store.events.set_archived, 1, empty.id, True) is False
    clock.advance(timedelta(hours=1))  # it begins, and has no end: it has taken place
    assert await store.run(store.events.set_archived, 1, held.id, True) is False
    with pytest.raises(Conflict, match="hasn't taken place"):  # no date: never over
        await store.run(store.events.set_archived, 1, undated.id, True)
    assert await store.run(store.events.set_archived, 1, held.id, False) is True
    await archived_holding_rsvps(store, undated.id)  # as an earlier bot archived it
    assert await store.run(store.events.set_archived, 1, undated.id, True) is True
    assert await store.run(store.events.set_archived, 1, undated.id, False) is True
    assert [(r.user_id, r.status) for r in await attendees_of(store, held.id)] == [
        (1, Status.CONFIRMED), (2, Status.WAITLISTED)]


async def test_an_event_brought_back_gives_the_waitlist_the_seats_freed_meanwhile(store,
                                                                                   clock):
    """A seat freed while the event was archived (the no-show removed once it had taken
    place, then a later date given) stays kept from the waitlist until the event is back;
    then it is given, as after every change that can leave a seat free with members
    waiting. Archived, it was not; back, it was kept free."""
    starts = clock.now + timedelta(hours=1)
    event = await new_event(store, capacity=1, starts_at=starts)
    await store.join(1, event.id, 1, "m1")
    await store.join(1, event.id, 2, "m2")
    clock.advance(timedelta(hours=2))  # taken place: removing the no-show promotes nobody
    await store.run(store.registrations.cancel, 1, event.id, 1, removed=True)
    assert await store.run(store.events.set_archived, 1, event.id, True) is False
    found = await store.run(store.events.get_event, 1, event.id)
    await store.run(store.events.edit_event, 1, event.id, dataclasses.replace(
        EventEdit.of(found), starts_at=starts + timedelta(days=7)))
    await kinds(store)
    archived = await store.run(store.events.get_event, 1, event.id)
    assert (archived.confirmed, archived.waitlisted) == (0, 1)
    assert await store.run(store.events.set_archived, 1, event.id, False) is True
    back = await store.run(store.events.get_event, 1, event.id)
    assert (back.capacity, back.confirmed, back.waitlisted) == (1, 1, 0)
    assert (await rsvp_of(store, event.id, 2)).status is Status.CONFIRMED
    assert "promoted" in await kinds(store)


async def test_a_join_racing_an_archive_never_leaves_an_archived_event_to_come_held(
        store, clock):
    """The archive's check and the archive are one transaction, and a join takes the same
    event row (or SQLite's write lock): held up together, whichever goes first, either
    the join lands and the archive is refused, or the archive lands and the join is
    refused; never an event to come archived with an RSVP nobody was told about."""
    outcomes = set()
    for round_ in range(4):
        event = await new_event(store, capacity=5, slug=f"race-{round_}",
                                starts_at=clock.now + timedelta(days=1))
        async with joins_held(store, event.id):
            first, second = (store.join(1, event.id, 7, "racer"),
                             store.run(store.events.set_archived, 1, event.id, True))
            if round_ % 2:
                first, second = second, first
            started = [asyncio.ensure_future(first)]
            await asyncio.sleep(0.1)
            started.append(asyncio.ensure_future(second))
            await asyncio.sleep(0.1)
        results = await asyncio.gather(*started, return_exceptions=True)
        joined, archived = results if round_ % 2 == 0 else results[::-1]
        now = await store.run(store.events.get_event, 1, event.id)
        if isinstance(archived, Conflict):
            assert joined.result.outcome is JoinOutcome.CONFIRMED
            assert not now.archived and now.confirmed == 1
            outcomes.add("join first")
        else:
            assert archived is False, archived
            assert joined.result.reason == ARCHIVED
            assert now.archived and (now.confirmed, now.waitlisted) == (0, 0)
            outcomes.add("archive first")
        held = await rsvp_of(store, event.id, 7)
        assert (held is None) if now.archived else held.status is Status.CONFIRMED
    assert outcomes


async def test_an_archive_that_waited_for_the_event_is_decided_when_it_gets_it(
        store, clock):
    """Held up until after the event took place, an archive of an event holding RSVPs is
    tidying up, as if it had come a moment later."""
    event = await new_event(store, capacity=1, starts_at=clock.now + timedelta(minutes=30))
    await store.join(1, event.id, 1, "seated")
    async with joins_held(store, event.id):
        archiving = asyncio.ensure_future(
            store.run(store.events.set_archived, 1, event.id, True))
        await asyncio.sleep(0.2)
        clock.advance(timedelta(days=2))  # the event took place while it waited
    assert await archiving is False
    assert (await store.run(store.events.get_event, 1, event.id)).archived


async def test_a_later_start_gives_the_seat_freed_after_the_start_to_the_waitlist(store, clock):
    starts = clock.now + timedelta(hours=1)
    event = await new_event(store, capacity=2, starts_at=starts)
    for user in (1, 2, 3, 4):
        await store.join(1, event.id, user, f"m{user}")
    clock.advance(timedelta(hours=2))  # the start has passed: a moderator removes a no-show
    removed = await store.run(store.registrations.cancel, 1, event.id, 1, removed=True)
    assert removed.promotions.promoted == ()
    await kinds(store)
    moved, _ = await store.run(store.events.save_event,
        1, EventDraft(slug="talk", title="Event talk", starts_at=starts + timedelta(days=7)),
        [("page text", make_page())])
    assert (moved.confirmed, moved.waitlisted) == (2, 1)
    assert (await rsvp_of(store, event.id, 3)).status is Status.CONFIRMED
    assert "promoted" in await kinds(store)
    newcomer = (await store.join(1, event.id, 5, "m5")).result
    assert (newcomer.outcome, newcomer.position) == (JoinOutcome.WAITLISTED, 2)
    assert (await rsvp_of(store, event.id, 4)).position == 1


async def seats_freed_outside_the_rules(store: Store, clock: Clock, capacity: int,
                                       members: int, cancelled: int):
    """An event of `capacity` seats joined by members 1..`members`, where members
    1..`cancelled` are removed by a moderator once it has taken place (promoting nobody,
    telling nobody); then its start
    moves without the rules seeing it (say, a tool editing the file), leaving free seats
    with members waiting. Its notices so far are taken."""
    event = await new_event(store, capacity=capacity, starts_at=clock.now + timedelta(hours=1))
    for user in range(1, members + 1):
        await store.join(1, event.id, user, f"m{user}")
    clock.advance(timedelta(hours=2))
    for user in range(1, cancelled + 1):
        await store.run(store.registrations.cancel, 1, event.id, user, removed=True)
    await kinds(store)
    await execute_sql(store, "UPDATE events SET starts_at = starts_at + 86400 WHERE id = ?",
                      event.id)
    return event


async def test_a_join_gives_free_seats_to_the_waitlist_before_the_newcomer(store, clock):
    # The next joins must still not pass the waitlist.
    event = await seats_freed_outside_the_rules(store, clock, capacity=3, members=6,
                                                cancelled=2)
    # One burst, so one batch: a newcomer, a waitlisted member who is promoted by it, and
    # one who stays waitlisted.
    newcomer, promoted, waiting = [joined.result for joined in await asyncio.gather(
        store.join(1, event.id, 7, "m7"), store.join(1, event.id, 4, "m4"),
        store.join(1, event.id, 6, "m6"))]
    assert newcomer.promoted == (4, 5)
    assert (newcomer.outcome, newcomer.position, newcomer.filled) == (
        JoinOutcome.WAITLISTED, 2, True)
    assert promoted.outcome is JoinOutcome.ALREADY_CONFIRMED
    assert (waiting.outcome, waiting.position) == (JoinOutcome.ALREADY_WAITLISTED, 1)
    saved = await store.run(store.events.get_event, 1, event.id)
    assert (saved.confirmed, saved.waitlisted) == (3, 2)
    attendees = await attendees_of(store, event.id)
    assert [(r.user_id, r.status, r.position) for r in attendees] == [
        (3, Status.CONFIRMED, None), (4, Status.CONFIRMED, None), (5, Status.CONFIRMED, None),
        (6, Status.WAITLISTED, 1), (7, Status.WAITLISTED, 2)]
    assert sorted(await kinds(store)) == ["capacity", "promoted", "promoted"]


async def test_the_head_of_the_waitlist_asking_first_in_a_burst_hears_of_their_seat(
        store, clock):
    # a seat free, three waiting
    event = await seats_freed_outside_the_rules(store, clock, capacity=2, members=5,
                                                cancelled=1)
    head, second, newcomer = [joined.result for joined in await asyncio.gather(
        store.join(1, event.id, 3, "m3"), store.join(1, event.id, 4, "m4"),
        store.join(1, event.id, 6, "m6"))]
    assert (head.outcome, head.promoted) == (JoinOutcome.CONFIRMED, (3,))
    assert (second.outcome, second.position) == (JoinOutcome.ALREADY_WAITLISTED, 1)
    assert (newcomer.outcome, newcomer.position) == (JoinOutcome.WAITLISTED, 3)
    assert [(r.user_id, r.status, r.position)
            for r in await attendees_of(store, event.id)] == [
        (2, Status.CONFIRMED, None), (3, Status.CONFIRMED, None),
        (4, Status.WAITLISTED, 1), (5, Status.WAITLISTED, 2), (6, Status.WAITLISTED, 3)]
    assert "promoted" not in await kinds(store)  # 3 was told in the reply: no DM as well


async def test_repeat_joins_in_a_burst_hear_their_places_as_of_their_turn(store, clock):
    """Members already waiting who press Join again in one burst, among newcomers, a join
    that promotes the head of the waitlist and joins of another event, each hear the
    place they hold at their turn: behind the members promoted before them, not behind
    those promoted at another event."""
    # seats 3, 4 .. 9 waiting; 1 and 2 removed once it has taken place: two seats free
    event = await seats_freed_outside_the_rules(store, clock, capacity=3, members=9,
                                                cancelled=2)
    other = await new_event(store, capacity=1, slug="other")
    for user in range(101, 111):  # 101 seated, 102 .. 110 waiting
        await store.join(1, other.id, user, f"m{user}")
    await kinds(store)
    burst = [(other, 108), (event, 7), (event, 4), (event, 9), (event, 20), (event, 6),
             (event, 7), (other, 103), (other, 200), (event, 20), (event, 8), (event, 5)]
    answers = [joined.result for joined in await asyncio.gather(
        *(store.join(1, joined.id, user, f"m{user}") for joined, user in burst))]
    waiting, confirmed = JoinOutcome.ALREADY_WAITLISTED, JoinOutcome.ALREADY_CONFIRMED
    assert [(a.outcome, a.position, a.promoted) for a in answers] == [
        (waiting, 7, ()),
        (waiting, 2, (4, 5)),  # 4 and 5 take the free seats: 7 is then second
        (confirmed, None, ()),
        (waiting, 4, ()),
        (JoinOutcome.WAITLISTED, 5, ()),
        (waiting, 1, ()),
        (waiting, 2, ()),
        (waiting, 2, ()),
        (JoinOutcome.WAITLISTED, 10, ()),
        (waiting, 5, ()),
        (waiting, 3, ()),
        (confirmed, None, ())]
    assert [(r.user_id, r.position) for r in await attendees_of(store, event.id)
            if r.status is Status.WAITLISTED] == [
        (6, 1), (7, 2), (8, 3), (9, 4), (20, 5)]
    assert [(await rsvp_of(store, other.id, user)).position for user in (103, 108, 200)] == [
        2, 7, 10]
    assert sorted(await kinds(store)) == ["capacity", "promoted", "promoted"]


async def test_a_capacity_raise_tells_each_promoted_member_once_in_waitlist_order(store):
    """Each member a capacity raise seats gets one DM naming their RSVP, queued in the
    order they waited in; an edit then tells the channel and then every member, seated
    first, and a deletion the channel and then each of them likewise."""
    event = await new_event(store, capacity=2)
    order = [7, 3, 50, 11, *range(60, 100)]  # 2 seated, 42 waiting
    for user in order:
        await store.join(1, event.id, user, f"m{user}")
    await store.join(1, event.id, 3, "m3")  # asking again changes nothing
    await kinds(store)
    seqs = {user: (await rsvp_of(store, event.id, user)).seq for user in order}
    promotions = await store.run(store.registrations.set_capacity, 1, event.id, 30)
    assert promotions.promoted == tuple(order[2:30])
    notices = await store.run(store.notices.claim_notices, 1000)
    assert [(n.kind, n.payload) for n in notices if n.kind == "promoted"] == [
        ("promoted", PromotedPayload(user, seqs[user])) for user in order[2:30]]
    assert [n.id for n in notices] == sorted(n.id for n in notices)
    for notice in notices:
        await store.run(store.notices.ack_notice, notice.id)
    edit = EventEdit(title="Event talk", starts_at=None, ends_at=None, all_day=False,
                     venue="Hall D", link=None)
    await store.run(store.events.edit_event, 1, event.id, edit)
    changed = await store.run(store.notices.claim_notices, 1000)
    to = ChangedTo(None, None, False, "Hall D", "Event talk")
    assert [(n.kind, n.payload) for n in changed] == [
        ("changed", ChangedPayload(False, True, to)),
        *(("changed_dm", ChangedDmPayload(user, False, True, seq=seqs[user], to=to))
          for user in order)]
    await store.run(store.events.delete_event, 1, event.id)
    deleted = await store.run(store.notices.claim_notices, 1000)
    assert [(n.kind, n.payload) for n in deleted] == [
        ("deleted", DeletedPayload("Event talk", (), None)),
        *(("cancelled", CancelledPayload(user, "Event talk")) for user in order)]


async def test_a_deletion_names_the_title_a_rename_had_not_reached_a_member_with(store):
    """The event is renamed, then deleted before the rename's DM reached some members (one
    DM claimed and being sent, one not yet claimed): their cancellation DMs carry the title
    they knew it by; a member whose DM was delivered (acknowledged) hears the new title."""
    event = await new_event(store, capacity=5)
    for user in (1, 2, 3):
        await store.join(1, event.id, user, f"m{user}")
    await kinds(store)
    edit = EventEdit(title="Renamed talk", starts_at=None, ends_at=None, all_day=False,
                     venue=None, link=None)
    await store.run(store.events.edit_event, 1, event.id, edit)
    claimed = await store.run(store.notices.claim_notices, 2)  # the channel's and member 1's
    assert [(n.kind, getattr(n.payload, "user_id", None)) for n in claimed] == [
        ("changed", None), ("changed_dm", 1)]
    delivered = await store.run(store.notices.claim_notices, 1)  # member 2's, delivered
    await store.run(store.notices.ack_notice, delivered[0].id)
    await store.run(store.events.delete_event, 1, event.id)
    deleted = await store.run(store.notices.claim_notices, 1000)
    assert [(n.kind, n.payload) for n in deleted] == [
        ("deleted", DeletedPayload("Renamed talk", (), None)),
        ("cancelled", CancelledPayload(1, "Renamed talk", known_as="Event talk")),
        ("cancelled", CancelledPayload(2, "Renamed talk")),
        ("cancelled", CancelledPayload(3, "Renamed talk", known_as="Event talk"))]


async def test_a_removal_tells_the_member_removed_and_a_cancel_tells_nobody(store):
    """A moderator's removal queues the removed member's DM with the promotion it causes,
    in one transaction; the member's own cancel queues only the promotion, and removing
    someone with no RSVP queues nothing."""
    event = await new_event(store, capacity=1)
    for user in (1, 2, 3):
        await store.join(1, event.id, user, f"m{user}")
    await kinds(store)
    seq_2 = (await rsvp_of(store, event.id, 2)).seq
    removed = await store.run(store.registrations.cancel, 1, event.id, 1, removed=True)
    assert removed.outcome is CancelOutcome.CANCELLED and removed.promotions.promoted == (2,)
    notices = await store.run(store.notices.claim_notices, 100)
    assert [(n.kind, n.payload) for n in notices] == [
        ("removed", RemovedPayload(1)), ("promoted", PromotedPayload(2, seq_2))]
    for notice in notices:
        await store.run(store.notices.ack_notice, notice.id)
    cancelled = await store.run(store.registrations.cancel, 1, event.id, 2)
    assert cancelled.promotions.promoted == (3,)
    assert await kinds(store) == ["promoted"]
    nobody = await store.run(store.registrations.cancel, 1, event.id, 1, removed=True)
    assert nobody.outcome is CancelOutcome.NOT_REGISTERED
    assert await kinds(store) == []
    assert await rsvp_of(store, event.id, 1) is None


async def test_a_removal_after_the_event_took_place_tells_nobody(store, clock):
    """Once the event has taken place, a moderator removing a member's RSVP (tidying the
    list of a no-show) changes nobody's plans: no DM is written, as a cancel then promotes
    nobody; on either backend."""
    event = await new_event(store, capacity=1, starts_at=clock.now + timedelta(hours=1))
    for user in (1, 2):
        await store.join(1, event.id, user, f"m{user}")
    await kinds(store)
    clock.advance(timedelta(hours=1))  # it begins, and has no end: it has taken place
    seated = await store.run(store.registrations.cancel, 1, event.id, 1, removed=True)
    assert seated.outcome is CancelOutcome.CANCELLED and seated.promotions.promoted == ()
    waiting = await store.run(store.registrations.cancel, 1, event.id, 2, removed=True)
    assert waiting.outcome is CancelOutcome.LEFT_WAITLIST
    assert await kinds(store) == []
    assert await rsvp_of(store, event.id, 1) is None


async def test_a_change_to_an_event_over_by_its_new_date_tells_nobody(store, clock):
    """A moderator correcting the record of an event that has taken place (its venue, its
    real times from the recap) changes nobody's plans: no notice for the channel, no DM,
    and a change notice still unsent goes too; moved back to the future, it is news again.
    An archived event's changes tell nobody either; on either backend."""
    starts = clock.now + timedelta(hours=1)
    event = await new_event(store, capacity=1, starts_at=starts)
    for user in (1, 2):
        await store.join(1, event.id, user, f"m{user}")
    await kinds(store)
    edit = EventEdit(title="Event talk", starts_at=starts, ends_at=None, all_day=False,
                     venue="Hall A", link=None)
    await store.run(store.events.edit_event, 1, event.id, edit)  # unsent when it ends
    clock.advance(timedelta(hours=2))
    for change in (dataclasses.replace(edit, venue="Hall B"),
                   dataclasses.replace(edit, starts_at=starts - timedelta(minutes=30))):
        await store.run(store.events.edit_event, 1, event.id, change)
        assert await kinds(store) == []
    later = dataclasses.replace(edit, starts_at=clock.now + timedelta(days=7))
    await store.run(store.events.edit_event, 1, event.id, later)
    assert await kinds(store) == ["changed", "changed_dm", "changed_dm"]
    clock.advance(timedelta(days=8))
    await store.run(store.events.set_archived, 1, event.id, True)
    await store.run(store.events.edit_event, 1, event.id,
                    dataclasses.replace(later, starts_at=clock.now + timedelta(days=7)))
    assert await kinds(store) == []


async def test_deleting_an_event_that_has_taken_place_writes_no_cancellation_dms(
        store, clock):
    """Deleted after it took place, an event was not cancelled: the deletion writes its
    own notice (marked so) and none of the "cancelled" DMs, on either backend."""
    event = await new_event(store, capacity=1, starts_at=clock.now + timedelta(hours=1))
    for user in (1, 2):
        await store.join(1, event.id, user, f"m{user}")
    await kinds(store)
    clock.advance(timedelta(hours=1))  # it begins, and has no end: it has taken place
    deletion = await store.run(store.events.delete_event, 1, event.id)
    assert (deletion.confirmed, deletion.waitlisted, deletion.taken_place) == (1, 1, True)
    deleted = await store.run(store.notices.claim_notices, 1000)
    assert [(n.kind, n.payload) for n in deleted] == [
        ("deleted", DeletedPayload("Event talk", (), None, taken_place=True))]


async def test_a_deletion_that_waited_for_the_event_is_decided_when_it_gets_it(
        store, clock):
    """Held up until after the event took place (another process's write), a deletion
    cancels nobody's plans: it is remembered as taken place and writes no "cancelled"
    DMs, as if it had come a moment later."""
    event = await new_event(store, capacity=1, starts_at=clock.now + timedelta(minutes=30))
    for user in (1, 2):
        await store.join(1, event.id, user, f"m{user}")
    await kinds(store)
    async with joins_held(store, event.id):
        deleting = asyncio.ensure_future(store.run(store.events.delete_event, 1, event.id))
        await asyncio.sleep(0.2)
        clock.advance(timedelta(days=2))  # the event took place while it waited
    assert (await deleting).taken_place
    assert await kinds(store) == ["deleted"]
    assert await store.run(store.events.deleted_event, 1, event.id) == DeletedEvent(
        "Event talk", taken_place=True)


async def test_a_zone_where_the_day_is_not_over_gives_its_free_seats_to_the_waitlist(
        store, clock):
    await store.run(store.settings.set_timezone, 1, "Pacific/Kiritimati")  # UTC+14
    day = (clock.now + timedelta(days=2)).replace(hour=0, minute=0, second=0)
    event, _ = await store.run(store.events.save_event, 1, EventDraft(
        slug="day", title="Whole Day", capacity=2, starts_at=day, all_day=True),
        [("page text", make_page())])
    for user in range(1, 6):
        await store.join(1, event.id, user, f"m{user}")
    clock.now = day + timedelta(hours=12)  # over in Kiritimati, not yet in Pago Pago
    await store.run(store.registrations.set_capacity, 1, event.id, 4)  # over: nobody moves
    await kinds(store)
    await store.run(store.settings.set_timezone, 1, "Pacific/Pago_Pago")  # UTC-11
    moved = await store.run(store.events.get_event, 1, event.id)
    assert (moved.confirmed, moved.waitlisted) == (4, 1)
    assert [(r.user_id, r.status) for r in await attendees_of(store, event.id)] == [
        (1, Status.CONFIRMED), (2, Status.CONFIRMED), (3, Status.CONFIRMED),
        (4, Status.CONFIRMED), (5, Status.WAITLISTED)]
    assert sorted(await kinds(store)) == ["capacity", "promoted", "promoted"]


async def test_a_join_that_waited_for_the_database_is_decided_when_it_gets_it(
        store, clock):
    event = await new_event(store, capacity=5, starts_at=clock.now + timedelta(minutes=30))
    async with joins_held(store, event.id):
        join = asyncio.ensure_future(store.join(1, event.id, 7, "late"))
        await asyncio.sleep(0.2)
        clock.advance(timedelta(days=2))  # the event took place while it waited
    assert (await join).result.outcome is JoinOutcome.TAKEN_PLACE
    assert await rsvp_of(store, event.id, 7) is None


@pytest.mark.parametrize("change", ["cancel", "capacity", "reopen", "import"])
async def test_a_seat_change_that_waited_for_the_event_is_decided_when_it_gets_it(
        store, clock, change):
    """Held up until after the event took place, a cancel or a capacity raise (typed, or
    from a page imported again) gives the waitlist no seat (nobody is told of a seat at
    an event that is over), and a reopening is refused."""
    event = await new_event(store, capacity=1, starts_at=clock.now + timedelta(minutes=30))
    await store.join(1, event.id, 1, "seated")
    await store.join(1, event.id, 2, "waiting")
    if change == "reopen":
        await store.run(store.registrations.close_registration, 1, event.id, None)
    await kinds(store)
    registrations = store.registrations
    call = {"cancel": (registrations.cancel, 1, event.id, 1),
            "capacity": (registrations.set_capacity, 1, event.id, 2),
            "reopen": (registrations.open_registration, 1, event.id),
            "import": (store.events.save_event, 1, EventDraft(
                slug="talk", title="Event talk", capacity=2, starts_at=event.starts_at),
                [("page text", make_page())])}[change]
    async with joins_held(store, event.id):
        waiting = asyncio.ensure_future(store.run(*call))
        await asyncio.sleep(0.2)
        clock.advance(timedelta(days=2))  # the event took place while it waited
    if change == "reopen":
        with pytest.raises(Conflict, match="already taken place"):
            await waiting
    else:
        await waiting
    assert (await rsvp_of(store, event.id, 2)).status is Status.WAITLISTED
    assert "promoted" not in await kinds(store)


async def test_an_edit_that_waited_for_the_event_decides_its_seats_when_it_gets_it(
        store, clock):
    """A seat freed after the start (nobody promoted then) goes to the waitlist when an
    edit moves the event to a later day, unless that day too has passed by the time the
    edit gets the event."""
    event = await new_event(store, capacity=1, starts_at=clock.now + timedelta(minutes=30))
    await store.join(1, event.id, 1, "seated")
    await store.join(1, event.id, 2, "waiting")
    clock.advance(timedelta(hours=1))  # it has started: a cancel promotes nobody
    await store.run(store.registrations.cancel, 1, event.id, 1)
    await kinds(store)
    later = EventEdit(title="Event talk", starts_at=clock.now + timedelta(days=1), ends_at=None,
                      all_day=False, venue=None, link=None)
    async with joins_held(store, event.id):
        editing = asyncio.ensure_future(store.run(store.events.edit_event, 1, event.id, later))
        await asyncio.sleep(0.2)
        clock.advance(timedelta(days=2))  # the new day passed too while it waited
    await editing
    assert (await rsvp_of(store, event.id, 2)).status is Status.WAITLISTED
    assert "promoted" not in await kinds(store)


async def test_churn_on_a_full_event_writes_one_capacity_notice_per_cool_down(store, clock):
    event = await new_event(store, capacity=2)
    await store.join(1, event.id, 1, "m1")
    assert (await store.join(1, event.id, 2, "m2")).result.filled
    assert await kinds(store) == ["capacity"]
    for _ in range(5):  # cancel and join again: full again each time, but no news
        clock.advance(timedelta(seconds=30))
        await store.run(store.registrations.cancel, 1, event.id, 2)
        assert (await store.join(1, event.id, 2, "m2")).result.filled
    assert await kinds(store) == []
    # A moderator reopening starts afresh: the next fill is news.
    await store.run(store.registrations.close_registration, 1, event.id, None)
    await store.run(store.registrations.open_registration, 1, event.id)
    await store.run(store.registrations.cancel, 1, event.id, 2)
    await store.join(1, event.id, 2, "m2")
    assert await kinds(store) == ["closed", "opened", "capacity"]
    # So is a fill after the cool-down.
    clock.advance(CAPACITY_NOTICE_COOLDOWN - timedelta(seconds=1))
    await store.run(store.registrations.cancel, 1, event.id, 2)
    await store.join(1, event.id, 2, "m2")
    assert await kinds(store) == []
    clock.advance(timedelta(seconds=1))
    await store.run(store.registrations.cancel, 1, event.id, 2)
    await store.join(1, event.id, 2, "m2")
    assert await kinds(store) == ["capacity"]


async def test_the_cool_down_covers_fills_by_capacity_changes_too(store, clock):
    event = await new_event(store, capacity=2)
    await store.join(1, event.id, 1, "m1")
    await store.join(1, event.id, 2, "m2")
    assert await kinds(store) == ["capacity"]
    await store.run(store.registrations.cancel, 1, event.id, 2)
    await store.run(store.registrations.set_capacity,
                    1, event.id, 1)  # lowering to the confirmed count fills it
    assert await kinds(store) == []


async def test_a_capacity_raise_on_a_full_event_reopens_it_once(store, clock):
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "m1")
    assert await kinds(store) == ["capacity"]
    await store.run(store.registrations.set_capacity,
                    1, event.id, 2)  # a seat is free again: as /manage open says
    assert await kinds(store) == ["opened"]
    await store.run(store.registrations.set_capacity,
                    1, event.id, 3)  # it was not full: nothing to tell
    assert await kinds(store) == []
    for user in (2, 3, 4, 5):  # fills it (news again after the reopening), then waits
        await store.join(1, event.id, user, f"m{user}")
    assert await kinds(store) == ["capacity"]
    await store.run(store.registrations.set_capacity,
                    1, event.id, 5)  # the waitlist takes every new seat: still full
    assert await kinds(store) == ["promoted", "promoted"]


async def test_a_capacity_raise_after_a_cancel_still_tells_the_channel_told_it_was_full(
        store, clock):
    """The channel heard the event was full; a cancel freed a seat (no news: churn), then
    a moderator added seats: members reading the channel would still take it for closed."""
    event = await new_event(store, capacity=2)
    await store.join(1, event.id, 1, "m1")
    await store.join(1, event.id, 2, "m2")
    assert await kinds(store) == ["capacity"]
    await store.run(store.registrations.cancel, 1, event.id, 2)
    assert await kinds(store) == []
    await store.run(store.registrations.set_capacity, 1, event.id, 4)
    assert await kinds(store) == ["opened"]
    for user in (2, 3, 4):  # a fill after it is news again
        await store.join(1, event.id, user, f"m{user}")
    assert await kinds(store) == ["capacity"]


async def test_seats_turned_up_and_down_unheard_leave_one_notice_at_most(store, clock):
    """A seat added to a full event and taken away again, over and over before any notice
    went out: each undoes the notice before it, so the outbox never holds more than one
    of them, and what is left tells the channel the event as it is."""
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "m1")
    assert await kinds(store) == ["capacity"]  # heard: full
    for _ in range(50):
        await store.run(store.registrations.set_capacity, 1, event.id, 2)  # open again
        await store.run(store.registrations.set_capacity, 1, event.id, 1)  # full again
    assert await kinds(store) == []  # the channel heard it was full, and it is
    for _ in range(50):
        await store.run(store.registrations.set_capacity, 1, event.id, 1)
        await store.run(store.registrations.set_capacity, 1, event.id, 2)
    assert await kinds(store) == ["opened"]  # it is open again: said once
    await store.run(store.registrations.set_capacity, 1, event.id, 1)
    assert await kinds(store) == ["capacity"]  # heard: open, so a fill is news
    await store.run(store.registrations.set_capacity, 1, event.id, 2)
    await store.join(1, event.id, 2, "m2")  # a member's join, not a cut, fills it
    await store.run(store.registrations.set_capacity, 1, event.id, 3)
    assert await kinds(store) == ["opened"]  # the fill unheard, only the last news stays


async def test_seats_added_while_a_moderator_has_closed_registration_open_nothing(
        store, clock):
    """Closed by a moderator, an event stays closed when seats are added: the channel
    hears it is open again only when a moderator opens it."""
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "m1")
    await store.run(store.registrations.close_registration, 1, event.id, None)
    assert await kinds(store) == ["capacity", "closed"]
    await store.run(store.registrations.set_capacity, 1, event.id, 3)
    assert await kinds(store) == []
    await store.run(store.registrations.open_registration, 1, event.id)
    assert await kinds(store) == ["opened"]


@pytest.mark.parametrize("full_when_closed", [False, True])
async def test_a_reopening_that_finds_the_seats_cut_to_full_says_so_once(
        store, clock, full_when_closed):
    """The channel heard of a fill long ago, then of seats freed by cancels; a moderator
    closes, cuts the seats to the confirmed count and reopens: full, which is news, told by
    the reopening's notice ("all seats are taken"), not by a capacity notice after it
    ("now closed"). Closed while full, the channel knows it is."""
    event = await new_event(store, capacity=5)
    for user in range(1, 6):
        await store.join(1, event.id, user, f"m{user}")
    assert await kinds(store) == ["capacity"]
    clock.advance(timedelta(hours=1))
    if not full_when_closed:
        for user in (4, 5):
            await store.run(store.registrations.cancel, 1, event.id, user)
    await store.run(store.registrations.close_registration, 1, event.id, None)
    await store.run(store.registrations.set_capacity, 1, event.id, 5 - 2 * (not full_when_closed))
    await store.run(store.registrations.open_registration, 1, event.id)
    assert await kinds(store) == ["closed", "opened"]
    await store.run(store.registrations.cancel, 1, event.id, 1)
    await store.join(1, event.id, 9, "m9")
    # Filled by the reopening, the fill was told: churn right after is no news. Full when
    # closed, the reopening filled nothing, and a fill after it is news.
    assert await kinds(store) == ([] if not full_when_closed else ["capacity"])


async def test_a_recap_is_announced_when_it_reaches_an_existing_event_and_only_once(store):
    recap = make_page("recap", takeaways=(("Trade", "Tariffs rose."),))
    # Created together with its recap (the sample in a new server, a folder import): no news.
    await store.run(store.events.save_event, 1, EventDraft(slug="both", title="Both", capacity=5),
                           [("announcement", make_page()), ("the recap", recap)])
    assert await kinds(store) == []
    event = await new_event(store, capacity=5, slug="later")
    await kinds(store)
    await store.run(store.events.add_page, 1, event.id, "the recap of later", recap)
    assert await kinds(store) == ["recap"]
    await store.run(store.events.add_page,
                    1, event.id, "the recap of later", recap)  # the same text again
    assert await kinds(store) == []
    await store.run(store.events.add_page, 1, event.id, "the corrected recap of later", recap)
    assert await kinds(store) == []  # told already: a typo fixed is no news
    bare = make_page("recap")
    await store.run(store.events.add_page, 1, event.id, "later's recap, its takeaways gone",
                    bare)
    await store.run(store.events.add_page, 1, event.id, "later's recap, takeaways back", recap)
    assert await kinds(store) == []  # the channel heard of them before they were taken out
    other = await new_event(store, capacity=5, slug="bare first")
    await store.run(store.events.add_page, 1, other.id, "other's recap, no takeaways", bare)
    await store.run(store.events.add_page, 1, other.id, "other's recap, takeaways", recap)
    assert await kinds(store) == ["recap"]  # its first takeaways


async def test_an_import_into_an_announced_event_asks_for_its_announcements_edit(store):
    """Whoever imports (the bot, or `python -m bot import` in a process of its own), the
    process posting the event's announcements hears to edit them; none for an event not
    announced."""
    event = await new_event(store, capacity=5, slug="announced")
    quiet = await new_event(store, capacity=5, slug="quiet")
    await store.run(store.notices.add_announcement_message, event.id, 77, 88, "digest")
    await kinds(store)
    for slug in ("announced", "quiet"):
        await store.run(store.events.save_event, 1, EventDraft(slug=slug, title="Renamed",
                                                               capacity=7),
                        [("page text", make_page())])
    notices = await store.run(store.notices.claim_notices)
    for notice in notices:
        await store.run(store.notices.ack_notice, notice.id)
    # (each rename is told in the channel too, as a new start or venue is)
    assert [(n.kind, n.event_id) for n in notices if n.kind != "changed"] == [
        ("refresh", event.id)]
    recap = make_page("recap", takeaways=(("Trade", "Tariffs rose."),))
    await store.run(store.events.add_page, 1, quiet.id, "the recap of quiet", recap)
    assert await kinds(store) == ["recap"]
    await store.run(store.events.add_page, 1, event.id, "the recap of announced", recap)
    assert await kinds(store) == ["recap", "refresh"]


async def test_an_import_into_an_event_with_a_role_or_a_discord_event_asks_to_follow(store):
    """An event with an attendee role and no announcement: an import that seats members
    from its waitlist (a larger capacity, from the command line say) asks the process
    serving the server to look at the role, as a change made in Discord does, so that
    those seated get it."""
    event = await new_event(store, capacity=1, slug="with-role")
    await store.run(store.reminders.set_attendee_role, 1, event.id, 555)
    await store.join(1, event.id, 1, "confirmed")
    await store.join(1, event.id, 2, "waitlisted")
    await kinds(store)
    await store.run(store.events.save_event, 1, EventDraft(slug="with-role", title="Talk",
                                                           capacity=2),
                    [("page text", make_page())])
    assert "refresh" in await kinds(store)
    # and one with nothing but its Discord event: it follows the import
    listed = await new_event(store, capacity=1, slug="listed")
    await store.run(store.reminders.set_scheduled_event_id, 1, listed.id, 4242)
    await kinds(store)
    await store.run(store.events.save_event, 1, EventDraft(slug="listed", title="Talk",
                                                           capacity=2),
                    [("other page text", make_page())])
    assert "refresh" in await kinds(store)


def following_discord(store: Store, asked: list[tuple],
                      starts: dict[int, str] | None = None) -> Announcements:
    """The announcements cog of a bot in guild 1 with Manage Events, whose refresh notices
    have Discord events follow: what it asks of Discord's Discord events goes into
    `asked` (("edit", id, fields), ("delete", id), ("create", fields)); one it creates
    gets the id 5151; it hears of registration changes as ("changed", guild, event).
    Discord says a Discord event starts as `starts` has it (by id, ISO 8601; an edit
    moves it there), and of one it does not hold, nothing (a server error)."""
    import discord

    from bot.i18n import language
    from bot.locks import KeyedLocks

    starts = {} if starts is None else starts

    async def get_scheduled_event(guild_id, scheduled_event_id, **_):
        if scheduled_event_id not in starts:
            raise discord.HTTPException(SimpleNamespace(status=500, reason="?"), "")
        return {"id": str(scheduled_event_id), "status": 1,
                "scheduled_start_time": starts[scheduled_event_id]}

    async def edit_scheduled_event(guild_id, scheduled_event_id, **fields):
        asked.append(("edit", scheduled_event_id, fields))
        if "scheduled_start_time" in fields:
            starts[scheduled_event_id] = fields["scheduled_start_time"]

    async def delete_scheduled_event(guild_id, scheduled_event_id, **fields):
        asked.append(("delete", scheduled_event_id))

    async def create_scheduled_event(**fields):
        asked.append(("create", fields))
        return SimpleNamespace(id=5151, **fields)

    async def fetch_scheduled_events(**_):
        return []

    async def for_guild(guild_id, client):
        return language("en")

    role = SimpleNamespace(id=1, permissions=discord.Permissions(manage_events=True))
    server = SimpleNamespace(id=1, me=BotMember(id=99, roles=[role]),
                             create_scheduled_event=create_scheduled_event,
                             fetch_scheduled_events=fetch_scheduled_events)
    return Announcements(a_bot(
        store=store, event_steps=KeyedLocks(), user=SimpleNamespace(id=99),
        refused_discord_events=SimpleNamespace(settled=lambda guild_id, event_id: None),
        registration_changed=lambda guild_id, event_id: asked.append(
            ("changed", guild_id, event_id)),
        get_guild=lambda guild_id: server if guild_id == 1 else None,
        http=SimpleNamespace(edit_scheduled_event=edit_scheduled_event,
                             delete_scheduled_event=delete_scheduled_event,
                             get_scheduled_event=get_scheduled_event),
        languages=SimpleNamespace(for_guild=for_guild)))


async def imported_elsewhere(store: Store, event_id: int, slug: str, **draft) -> list[tuple]:
    """The event, listed in the server's Discord events as 4242, imported again as the
    command line does (`draft`'s fields typed), and its refresh notice delivered by the
    running bot: what the bot asked of Discord."""
    await store.run(store.reminders.set_scheduled_event_id, 1, event_id, 4242)
    await kinds(store)
    await store.run(store.events.save_event, 1, EventDraft(slug=slug, **draft),
                    [("page text", make_page())])
    [refresh] = [n for n in await store.run(store.notices.claim_notices)
                 if n.kind.value == "refresh"]
    asked: list[tuple] = []
    assert await following_discord(store, asked).sender.deliver(refresh) is True
    return asked


async def test_an_import_from_elsewhere_reaches_the_roles_and_the_discord_event(store):
    """An import on the command line (a process without Discord) renamed and moved an
    announced event listed in the server's Discord events, and seated a waiting member:
    the bot delivering its refresh tells everything that follows the event's
    registrations (its announcements, its attendee role), as a change made in Discord
    does, and its Discord event takes the new name and time."""
    start, later = datetime(2037, 5, 1, 18, tzinfo=UTC), datetime(2037, 6, 1, 18, tzinfo=UTC)
    event = await new_event(store, capacity=1, starts_at=start, slug="elsewhere")
    await store.run(store.notices.add_announcement_message, event.id, 77, 88, "digest")
    await store.join(1, event.id, 1, "confirmed")
    await store.join(1, event.id, 2, "waitlisted")
    [changed, (what, scheduled, fields)] = await imported_elsewhere(
        store, event.id, "elsewhere", title="Renamed Elsewhere", capacity=2, starts_at=later)
    assert changed == ("changed", 1, event.id)
    assert (what, scheduled, fields["name"]) == ("edit", 4242, "Renamed Elsewhere"), fields
    assert datetime.fromisoformat(fields["scheduled_start_time"]) == later, fields


async def test_an_import_from_elsewhere_into_the_past_removes_the_discord_event(store):
    """The command line moves an event to come into the past (a date typed wrong): its
    Discord event, which Discord cannot move there, is deleted and forgotten, as after
    /manage import or /manage edit, not left listed at the old time."""
    now = utcnow().replace(microsecond=0)
    event = await new_event(store, capacity=1, starts_at=now + timedelta(days=30))
    asked = await imported_elsewhere(store, event.id, "talk", title="Event talk",
                                     starts_at=now - timedelta(days=1))
    assert asked[1:] == [("delete", 4242)], asked
    assert await store.run(store.reminders.scheduled_event_id, 1, event.id) is None


async def test_an_import_from_elsewhere_putting_off_a_begun_event_replaces_its_discord_event(
        store):
    """The command line puts off an event begun an hour ago (its Discord event has begun,
    and Discord moves none that has): the Discord event is replaced by one at the new
    time, as after /manage import or /manage edit, not left with the start it began at."""
    now = utcnow().replace(microsecond=0)
    event = await new_event(store, capacity=1, starts_at=now - timedelta(hours=1))
    later = now + timedelta(days=7)
    asked = await imported_elsewhere(store, event.id, "talk", title="Event talk",
                                     starts_at=later)
    assert [step[0] for step in asked[1:]] == ["delete", "create"], asked
    assert asked[1] == ("delete", 4242)
    fields = asked[2][1]
    assert fields["start_time"] == later and fields["name"] == "Event talk", fields
    assert await store.run(store.reminders.scheduled_event_id, 1, event.id) == 5151


async def test_imports_elsewhere_whose_notices_come_one_after_another_move_it_once(store):
    """Two imports on the command line, the first notice claimed before the second was
    written (so not folded into it): the event moved into the past by mistake, then back
    to come. The first notice has the Discord event follow the event as it is by then;
    the second, naming the start in the past it moved from, deleted it and made a new
    one, losing the members interested in it. It moves from where the Discord event is."""
    now = utcnow().replace(microsecond=0)
    event = await new_event(store, capacity=1, starts_at=now + timedelta(days=30))
    await store.run(store.reminders.set_scheduled_event_id, 1, event.id, 4242)
    await kinds(store)
    starts = {4242: (now + timedelta(days=30)).isoformat()}
    notices = []
    for starts_at in (now - timedelta(days=1), now + timedelta(days=9)):
        await store.run(store.events.save_event, 1, EventDraft(
            slug="talk", title="Event talk", starts_at=starts_at), [("page text", make_page())])
        notices += [n for n in await store.run(store.notices.claim_notices)
                    if isinstance(n.payload, RefreshPayload)]
    asked: list[tuple] = []
    cog = following_discord(store, asked, starts)
    for notice in notices:
        assert await cog.sender.deliver(notice) is True
    assert [step[0] for step in asked if step[0] != "changed"] == ["edit", "edit"], asked
    assert await store.run(store.reminders.scheduled_event_id, 1, event.id) == 4242
    assert datetime.fromisoformat(starts[4242]) == now + timedelta(days=9)


async def test_a_refresh_notice_names_the_start_the_imports_not_yet_delivered_moved_from(
        store):
    """The refresh notice of an import that moved the event names the start moment it
    moved from; imports not yet delivered fold into one notice naming the first start
    (the Discord event was last at it); the bot's own import, which has the Discord
    event follow itself, names none but an earlier import's."""
    now = utcnow().replace(microsecond=0)
    first = now + timedelta(days=30)
    event = await new_event(store, capacity=1, starts_at=first)
    await store.run(store.reminders.set_scheduled_event_id, 1, event.id, 4242)
    await kinds(store)

    async def import_again(starts_at: datetime, **options) -> None:
        await store.run(store.events.save_event, 1, EventDraft(
            slug="talk", title="Event talk", starts_at=starts_at), [("page text", make_page())],
            **options)

    async def refreshes() -> list[RefreshPayload]:
        return [n.payload for n in await store.run(store.notices.claim_notices)
                if isinstance(n.payload, RefreshPayload)]

    await import_again(first)
    assert await refreshes() == [RefreshPayload()]
    await import_again(now - timedelta(days=1))
    await import_again(now + timedelta(days=9))
    assert await refreshes() == [RefreshPayload(first)]
    await import_again(now + timedelta(days=10), followed=True)
    assert await refreshes() == [RefreshPayload()]
    await import_again(now + timedelta(days=11))
    await import_again(now + timedelta(days=8), followed=True)
    assert await refreshes() == [RefreshPayload(now + timedelta(days=10))]


async def test_an_import_that_moves_an_event_tells_its_channel_and_members(store):
    """A page imported again with a typed start or venue moves the event as an edit does:
    one channel notice, one DM per member registered; the same import again, none."""
    start = datetime(2031, 3, 4, 18, tzinfo=UTC)
    event = await new_event(store, capacity=1, starts_at=start)
    await store.join(1, event.id, 1, "confirmed")
    await store.join(1, event.id, 2, "waitlisted")
    await kinds(store)

    async def import_again(**typed) -> list[str]:
        await store.run(store.events.save_event, 1, EventDraft(
            slug="talk", title="Event talk", capacity=1, **typed), [("page text", make_page())])
        return sorted(await kinds(store))

    assert await import_again() == []
    moved = {"starts_at": start + timedelta(days=7), "venue": "Hall C"}
    assert await import_again(**moved) == ["changed", "changed_dm", "changed_dm"]
    assert await import_again(**moved) == []


async def test_a_change_dm_names_the_rsvp_it_is_about(store):
    """Each member's change DM carries their RSVP's arrival number, by which a late one
    skips a member who cancelled (or cancelled and joined anew) since."""
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "confirmed")
    await store.join(1, event.id, 2, "waitlisted")
    await kinds(store)
    edit = EventEdit(title="Event talk", starts_at=None, ends_at=None, all_day=False,
                     venue="Hall D", link=None)
    await store.run(store.events.edit_event, 1, event.id, edit)
    dms = {n.payload.user_id: n.payload.seq for n in await store.run(
        store.notices.claim_notices) if n.kind == "changed_dm"}  # type: ignore[union-attr]
    seqs = {user_id: (await rsvp_of(store, event.id, user_id)).seq for user_id in (1, 2)}
    assert dms == seqs and None not in dms.values()


async def test_change_notices_carry_what_the_change_set(store):
    """An edit's notices carry the start, end and venue it set, and a page imported again
    that moves the event likewise: delivered after later changes, each names its own."""
    event = await new_event(store, capacity=3)
    await store.join(1, event.id, 1, "m1")
    await kinds(store)
    start = datetime(2031, 3, 4, 18, tzinfo=UTC)
    edit = EventEdit(title="Event talk", starts_at=start, ends_at=start + timedelta(hours=2),
                     all_day=False, venue="Hall D", link=None)
    await store.run(store.events.edit_event, 1, event.id, edit)
    to = ChangedTo(start, start + timedelta(hours=2), False, "Hall D", "Event talk")
    assert [(n.kind, n.payload.to) for n in await store.run(  # type: ignore[union-attr]
        store.notices.claim_notices)] == [("changed", to), ("changed_dm", to)]
    await store.run(store.events.save_event, 1, EventDraft(
        slug="talk", title="Event talk", capacity=3, venue="Hall E"), [("text", make_page())])
    moved = [n.payload for n in await store.run(store.notices.claim_notices)
             if n.kind in ("changed", "changed_dm")]
    assert [p.to.venue for p in moved] == ["Hall E", "Hall E"]  # type: ignore[union-attr]


async def test_a_deleted_event_is_remembered_as_taken_place_or_cancelled(store, clock):
    """A click on a button its announcement kept hears what the deletion told the others:
    on either backend, the deleted event is kept with whether it had taken place."""
    past = await new_event(store, 5, slug="past", starts_at=clock.now + timedelta(hours=1))
    future = await new_event(store, 5, slug="future", starts_at=clock.now + timedelta(days=2))
    clock.advance(timedelta(hours=1))
    for event in (past, future):
        await store.run(store.events.delete_event, 1, event.id)
    assert await store.run(store.events.deleted_event, 1, past.id) == DeletedEvent(
        "Event past", taken_place=True)
    assert await store.run(store.events.deleted_event, 1, future.id) == DeletedEvent(
        "Event future", taken_place=False)


async def test_quick_changes_tell_each_member_once_of_them_all(store):
    """A new start, then a new venue before the first change's notices went out: the
    channel and each member get one notice naming both, as the second change left the
    event. A member already sent the first (its DM claimed) hears of the second alone;
    one who cancelled and joined anew since hears of the second alone, once."""
    event = await new_event(store, capacity=5)
    for user in (1, 2, 3):
        await store.join(1, event.id, user, f"m{user}")
    await kinds(store)
    start = datetime(2031, 3, 4, 18, tzinfo=UTC)

    async def edit(venue: str | None, starts_at: datetime) -> None:
        await store.run(store.events.edit_event, 1, event.id, EventEdit(
            title="Event talk", starts_at=starts_at, ends_at=None, all_day=False,
            venue=venue, link=None))

    await edit(None, start)
    sent = [n for n in await store.run(store.notices.claim_notices, 1,
                                       kinds=[NoticeKind.CHANGED_DM])]
    assert [n.payload.user_id for n in sent] == [1]  # type: ignore[union-attr]
    first_seq = (await rsvp_of(store, event.id, 3)).seq
    await store.run(store.registrations.cancel, 1, event.id, 3)
    await store.join(1, event.id, 3, "m3 again")
    seqs = {user: (await rsvp_of(store, event.id, user)).seq for user in (1, 2, 3)}
    await edit("Hall D", start + timedelta(days=1))
    to = ChangedTo(start + timedelta(days=1), None, False, "Hall D", "Event talk")
    notices = await store.run(store.notices.claim_notices, 100)
    assert [(n.kind, n.payload) for n in notices] == [
        ("changed_dm", ChangedDmPayload(3, True, False, seq=first_seq,
                                        to=ChangedTo(start, None, False, None, "Event talk"))),
        ("changed", ChangedPayload(True, True, to)),
        ("changed_dm", ChangedDmPayload(1, True, True, seq=seqs[1], to=to)),
        ("changed_dm", ChangedDmPayload(2, True, True, seq=seqs[2], to=to)),
        ("changed_dm", ChangedDmPayload(3, True, True, seq=seqs[3], to=to))]


async def test_acknowledging_a_notice_of_a_deleted_event_never_takes_a_newer_one(store):
    """A capacity notice is out for delivery when its event is deleted: the deletion drops
    it and writes the event's own notices. The late acknowledgement of the capacity notice
    must not remove the new ones (a notice's id is never given again)."""
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "m1")
    [capacity] = await store.run(store.notices.claim_notices)
    assert capacity.kind == "capacity"
    await store.run(store.events.delete_event, 1, event.id)
    await store.run(store.notices.ack_notice, capacity.id)  # delivered: the event was gone
    left = await store.run(store.notices.claim_notices)
    assert {n.kind for n in left} == {"deleted", "cancelled"}, left
    assert capacity.id not in {n.id for n in left}


async def test_a_notice_held_before_ready_past_its_claim_is_held_once(store):
    # Before on_ready, a channel notice of a guild not yet arrived is held; if the bot is
    # not ready within a claim's life, the notice is claimed again: it must not be posted
    # twice once the bot is ready.
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "m")  # fills it: one capacity notice
    bot = a_bot(store=store, own_shards=None, is_ready=lambda: False,
                          get_guild=lambda guild_id: None)
    cog = Announcements(bot)
    await cog.lanes.deliver_pending()
    await execute_sql(store, "UPDATE outbox SET claimed_at = claimed_at - 3600")  # stale
    await cog.lanes.deliver_pending()
    assert [n.kind.value for n, _ in cog.lanes._held.values()] == ["capacity"]


async def test_a_notice_posted_while_the_database_stays_busy_is_posted_once(
        store_opener, tmp_path, monkeypatch):
    """The capacity post went out, then its acknowledgement found the database held past
    the bot's wait: the deliverer finishes it once the database is free, without posting
    it again when its claim runs out."""
    monkeypatch.setattr(sqlite_session, "BUSY_TIMEOUT_MS", 300)
    monkeypatch.setattr(postgres_store, "WAIT_FOR_LOCKS", {"lock_timeout": "300ms"})
    async with await store_opener(tmp_path / "busy.sqlite3") as store, \
            contextlib.AsyncExitStack() as held:
        event = await new_event(store, capacity=1)
        await store.join(1, event.id, 1, "m")  # fills it: one capacity notice
        posted: list[str] = []

        async def deliver(notice) -> bool:
            posted.append(notice.kind.value)
            await held.enter_async_context(writes_held(store))  # a tool's transaction
            return True

        cog = Announcements(a_bot(store=store, own_shards=None,
                                            is_ready=lambda: True, get_guild=arrived))
        cog.sender.deliver = deliver  # type: ignore[method-assign]
        with pytest.raises(DatabaseBusy):
            await cog.lanes.deliver_pending()
        await held.aclose()
        await execute_sql(store, "UPDATE outbox SET claimed_at = claimed_at - 3600")  # stale
        await cog.lanes.deliver_pending()
        assert posted == ["capacity"]
        assert await store.run(store.notices.claim_notices) == []


async def test_a_claim_refused_returns_once_the_notices_handed_out_are_done(
        store_opener, tmp_path, monkeypatch):
    """The database refused a claim while a notice claimed before it was being posted:
    `deliver_pending` raises once that post is done with and acknowledged, not while it
    goes on behind its caller's back."""
    async with await store_opener(tmp_path / "refused.sqlite3") as store:
        event = await new_event(store, capacity=1)
        await store.join(1, event.id, 1, "m")  # fills it: one capacity notice
        handed_out = False
        posted: list[str] = []

        async def deliver(notice) -> bool:
            for _ in range(20):  # the post's round trips to Discord
                await asyncio.sleep(0)
            posted.append(notice.kind.value)
            return True

        real_run = store.run

        async def run(fn, *args, **kwargs):
            nonlocal handed_out
            claim = fn == store.notices.claim_notices
            if claim and handed_out:
                await asyncio.sleep(0)  # (waiting on the database meanwhile)
                raise DatabaseBusy()
            result = await real_run(fn, *args, **kwargs)
            handed_out = handed_out or (claim and bool(result))
            return result

        monkeypatch.setattr(store, "run", run)
        cog = Announcements(a_bot(store=store, own_shards=None,
                                  is_ready=lambda: True, get_guild=arrived))
        cog.sender.deliver = deliver  # type: ignore[method-assign]
        with pytest.raises(DatabaseBusy):
            await cog.lanes.deliver_pending()
        assert posted == ["capacity"]
        assert not cog.lanes.tasks()
        monkeypatch.setattr(store, "run", real_run)
        assert await store.run(store.notices.claim_notices, stale_after=0) == []


async def promotion_due(store):
    """An event whose one seat went from member 1 to member 2, and the claimed notice of
    member 2's promotion DM."""
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "a")
    await store.join(1, event.id, 2, "b")  # waitlisted
    await store.run(store.registrations.cancel, 1, event.id, 1)  # b gets the seat: a DM due
    [promoted] = [n for n in await store.run(store.notices.claim_notices)
                  if n.kind.value == "promoted"]
    return event, promoted


async def test_a_seat_given_up_before_its_promotion_dm_goes_out_gets_no_dm(store):
    # The DM is delivered late (Discord was away meanwhile): it must not tell a member who
    # has since cancelled that they are confirmed.
    event, promoted = await promotion_due(store)
    sent: list[int] = []

    async def dm(notice, user_id: int, lang, said_in, *, still=None) -> None:
        if still is None or await still():  # checked once Discord opened the DM channel
            sent.append(user_id)

    async def locale_of(user_id: int) -> None:
        return None

    async def get_member(guild_id: int, user_id: int) -> dict:  # still in the server
        return {"user": {"id": str(user_id)}}

    cog = Announcements(a_bot(store=store, is_ready=lambda: True, get_guild=arrived,
                              member_locales=SimpleNamespace(locale_of=locale_of),
                              languages=english_servers(),
                              http=SimpleNamespace(get_member=get_member)))
    cog.sender._dm = dm  # type: ignore[method-assign]
    await store.run(store.registrations.cancel, 1, event.id, 2)
    assert await cog.sender.deliver(promoted) is True and sent == []


async def test_a_promotion_met_by_the_bot_out_of_its_server_logs_what_happened(store, caplog,
                                                                               clock):
    """The bot was removed from the server before a promotion's DM went out, and before the
    gateway said so: Discord refuses to say whether the member is still there (403 Missing
    Access). The log says so, not that the bot may not post in a channel, which it never
    tried; the DM waits for the bot to be invited back, and is given up after a day."""
    import discord

    event, promoted = await promotion_due(store)
    sent: list[int] = []

    async def dm(notice, user_id: int, lang, said_in, *, still=None) -> None:
        sent.append(user_id)

    async def get_member(guild_id: int, user_id: int) -> dict:
        raise discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"),
                                {"code": 50001, "message": "Missing Access"})

    cog = Announcements(a_bot(store=store, is_ready=lambda: True, get_guild=arrived,
                              http=SimpleNamespace(get_member=get_member)))
    cog.sender._dm = dm  # type: ignore[method-assign]
    with caplog.at_level("INFO", logger="bot.adapters.notice_sender"):
        assert await cog.sender.deliver(promoted) is False  # it waits
    said = [r.getMessage() for r in caplog.records if r.name == "bot.adapters.notice_sender"]
    assert len(said) == 1 and sent == [], said
    assert "post" not in said[0] and "user 2" in said[0] and "50001" in said[0], said
    assert "guild 1" in said[0] and f"event {event.id}" in said[0], said
    caplog.clear()
    cog.sender.bot.wall_clock = WallClock(wall=lambda: (clock.now + timedelta(days=2))
                                          .timestamp())
    with caplog.at_level("INFO", logger="bot.adapters.notice_sender"):
        assert await cog.sender.deliver(promoted) is True  # a day on: given up
    said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(said) == 1 and "giving up" in said[0] and sent == [], said


async def test_changes_to_an_event_never_announced_read_and_render_nothing(store):
    """The announcement editor runs after every change of seats; an event that has no
    announcement message costs it one lookup, not a read of the event and an embed."""
    event = await new_event(store, capacity=5)
    asked: list[str] = []

    class Watched:
        def __getattr__(self, name):
            return getattr(store, name)

        async def run(self, fn, *args, **kwargs):
            asked.append(fn.__name__)
            return await store.run(fn, *args, **kwargs)

    cog = Announcements(a_bot(store=Watched()))
    await store.join(1, event.id, 1, "m")
    assert await cog.edits._refresh(1, event.id) is True
    assert asked == ["announcement_messages"]


async def test_a_restart_refreshes_the_announcements_a_few_events_at_a_time(store):
    """After a restart every announced event is refreshed (its seat count may have moved
    while the bot was away). All of a big server's announced events at once queued their
    reads on the one database thread ahead of every member's command: 900 of them held a
    command a third of a second, growing with their number. Here 40 announced events are
    refreshed, all of them, with no more database calls in flight at once than
    REFRESH_AT_ONCE."""
    from bot.i18n import language

    edited: list[int] = []
    in_flight = most = 0

    class Watched:
        def __getattr__(self, name):
            return getattr(store, name)

        async def run(self, fn, *args, **kwargs):
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            try:
                return await store.run(fn, *args, **kwargs)
            finally:
                in_flight -= 1

    class Message:
        def __init__(self, message_id: int) -> None:
            self.message_id = message_id

        async def edit(self, **_: object) -> None:
            edited.append(self.message_id)

    async def for_guild(guild_id: int, client: object):
        return language("en-US")

    for n in range(40):
        event = await new_event(store, capacity=5, slug=f"talk-{n}")
        await store.run(store.notices.add_announcement_message, event.id, 10, 1000 + n)
    cog = Announcements(a_bot(  # type: ignore[arg-type]
        store=Watched(), languages=SimpleNamespace(for_guild=for_guild),
        is_ready=lambda: True, get_guild=arrived, runs_guild=lambda guild_id: True,
        get_partial_messageable=lambda channel_id: SimpleNamespace(
            get_partial_message=Message)))
    try:
        await cog.edits.refresh_all()
        for _ in range(200):  # (done by its return, since it waits for each event's edit)
            if len(edited) == 40:
                break
            await asyncio.sleep(0.01)
        assert sorted(edited) == [1000 + n for n in range(40)]
        assert most <= announcement_edits.REFRESH_AT_ONCE, most
    finally:
        editors = cog.edits.tasks()  # (each waits out EDIT_INTERVAL after its edit)
        for task in editors:
            task.cancel()
        cog.edits.cancel_timers()
        await asyncio.gather(*editors, return_exceptions=True)


async def test_the_refresh_after_a_restart_waits_out_a_database_that_is_away(store, caplog,
                                                                            monkeypatch):
    """The refresh after a start, and after an invitation back, is the only one the
    announcements get until their event changes. With the database away at that moment,
    its lookup failed once and was dropped with an error and a traceback: the
    announcements kept showing the seats of before. Now it is tried again until the
    database answers, with one warning while it is away."""
    monkeypatch.setattr(announcement_edits, "RETRY_FIRST", 0.0)
    event = await new_event(store, capacity=5)
    await store.run(store.notices.add_announcement_message, event.id, 10, 1000)
    away = 3
    edited: list[int] = []

    class Away:
        def __getattr__(self, name):
            return getattr(store, name)

        async def run(self, fn, *args, **kwargs):
            nonlocal away
            if fn.__name__ == "events_with_announcements" and away:
                away -= 1
                raise DatabaseBusy
            return await store.run(fn, *args, **kwargs)

    cog = Announcements(a_bot(store=Away(), is_ready=lambda: True, get_guild=arrived,
                              runs_guild=lambda guild_id: True))

    async def refresh(guild_id: int, event_id: int) -> bool:
        edited.append(event_id)
        return True

    monkeypatch.setattr(cog.edits, "_refresh", refresh)
    try:
        with caplog.at_level(logging.WARNING, logger=announcement_edits.__name__):
            await cog.edits.refresh_all()
            away = 2
            await cog.edits.invited_back(1)
            for _ in range(200):
                if len(edited) == 2:
                    break
                await asyncio.sleep(0.01)
        assert edited == [event.id, event.id]
        assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING"]
    finally:
        editors = cog.edits.tasks()
        for task in editors:
            task.cancel()
        await asyncio.gather(*editors, return_exceptions=True)


async def test_a_stop_ends_the_refresh_after_an_invitation_back_waiting_for_the_database(
        monkeypatch):
    """The refresh after an invitation back waits out a database that is away; it ran in
    the gateway event's task, which the cog's stop knew nothing of: stopped, the bot went
    on trying (and, the database back, started edits after the cog had ended its own).
    Another invitation while it waits waits for it, rather than look up beside it."""
    monkeypatch.setattr(announcement_edits, "RETRY_FIRST", 3600.0)
    tried = asyncio.Event()
    lookups = 0

    class Away:  # (a store whose database stays away)
        notices = SimpleNamespace(events_with_announcements=None)

        async def run(self, fn, *args, **kwargs):
            nonlocal lookups
            lookups += 1
            tried.set()
            raise DatabaseBusy

    async def until_lookups(n: int) -> None:
        while lookups < n:
            tried.clear()
            await tried.wait()

    cog = Announcements(a_bot(store=Away(), is_ready=lambda: True, get_guild=arrived,
                              runs_guild=lambda guild_id: True,
                              signals=SimpleNamespace(unsubscribe=lambda *_: None)))
    joined = [asyncio.create_task(cog.on_guild_join(SimpleNamespace(id=1)))]
    await tried.wait()
    joined.append(asyncio.create_task(cog.on_guild_join(SimpleNamespace(id=1))))
    await asyncio.sleep(0)  # (the second invitation's turn: it would look up at once)
    await cog.cog_unload()
    ended, _ = await asyncio.wait(joined, timeout=10)
    assert ended == set(joined) and lookups == 1
    assert not cog.edits.tasks()
    # removed from the server again while it waits: its refresh ends (the next invitation
    # back looks again)
    rejoined = asyncio.create_task(cog.on_guild_join(SimpleNamespace(id=2)))
    await asyncio.wait_for(until_lookups(2), timeout=10)
    cog.edits.guild_left(2)
    ended, _ = await asyncio.wait([rejoined], timeout=10)
    assert ended == {rejoined} and not cog.edits.tasks()


async def test_the_announcement_editor_keeps_nothing_per_event_once_it_is_done(store,
                                                                                monkeypatch):
    """Every change of seats wakes the editor of that event's announcements; over months
    that is every event of every server. Once its edits are done, nothing of the event
    stays behind (no lock, no task)."""
    monkeypatch.setattr(announcement_edits, "EDIT_INTERVAL", 0.0)
    cog = Announcements(a_bot(store=store, is_ready=lambda: True, get_guild=arrived))
    for n in range(40):
        event = await new_event(store, capacity=5, slug=f"talk-{n}")
        await store.join(1, event.id, 1, "m")
        cog.edits.registration_changed(1, event.id)
    for _ in range(200):
        if not cog.edits._editors:
            break
        await asyncio.sleep(0.02)
    assert (len(cog.edits._editors), len(cog.edits._dirty), len(cog.edits._editing)) == (0, 0, 0)


async def test_a_deleted_event_leaves_no_refresh_timer_nor_refusal_behind(store):
    """An announced event that ends months ahead has a refresh timed for its end, and a
    message Discord would not let the bot edit is remembered with what it refused. Its
    deletion ends both, not the day it would have ended: events come and go for months.
    (Refused while the gateway shows the channel open to the bot, the message is no longer
    the bot's to show cancelled: the deletion's notice is done.)"""
    cog = editing_announcements(store, NotEditable, guild=postable)
    starts = datetime.now(UTC) + timedelta(days=90)
    for n in range(20):
        event = await new_event(store, capacity=5, starts_at=starts, slug=f"talk-{n}")
        await store.run(store.notices.add_announcement_message, event.id, 10, 1000 + n)
        await store.join(1, event.id, 1, "m")
        assert await cog.edits._refresh(1, event.id) is True
        await store.run(store.events.delete_event, 1, event.id)
    try:
        for notice in await store.run(store.notices.claim_notices):
            if notice.kind is NoticeKind.DELETED:
                assert await cog.sender.deliver(notice) is True
        assert (len(cog.edits._at_end), len(cog.edits._refused), len(cog.edits._blocked)
                ) == (0, 0, 0)
    finally:
        for *_, timer in cog.edits._at_end.values():
            timer.cancel()


async def test_channel_notices_go_out_while_a_dm_is_held_up_and_a_stop_ends_both_lanes(
        store, monkeypatch):
    """DMs and channel notices are delivered in lanes of their own: a DM that Discord holds
    up (its rate limit, say) holds up no channel notice, written before or after it; a
    stop ends both lanes and leaves the DM to be delivered again."""
    monkeypatch.setattr(notice_lanes, "POLL_INTERVAL", 60.0)  # woken, not polled
    first = await new_event(store, capacity=1, slug="first")
    await store.join(1, first.id, 1, "a")  # fills it: a capacity notice
    await store.join(1, first.id, 2, "b")  # waitlisted
    await store.run(store.registrations.cancel, 1, first.id, 1)  # b promoted: a DM
    second = await new_event(store, capacity=1, slug="second")
    await store.join(1, second.id, 3, "c")  # a capacity notice written after the DM
    delivered: list[tuple[str, int]] = []
    dm_begun, never = asyncio.Event(), asyncio.Event()

    async def deliver(notice) -> bool:
        if notice.kind in notice_lanes.DM_NOTICES:
            dm_begun.set()
            await never.wait()  # Discord holds the DM up
        delivered.append((notice.kind.value, notice.event_id))
        return True

    bot = a_bot(store=store, own_shards=None, is_ready=lambda: True,
                          get_guild=arrived,
                          signals=SimpleNamespace(unsubscribe=lambda *_: None))
    cog = Announcements(bot)  # type: ignore[arg-type]
    cog.sender.deliver = deliver  # type: ignore[method-assign]
    cog._deliverer = asyncio.create_task(cog.lanes.run())
    try:
        async with asyncio.timeout(10):
            await dm_begun.wait()
            while len(delivered) < 2:
                await asyncio.sleep(0.01)
        assert delivered == [("capacity", first.id), ("capacity", second.id)]
        third = await new_event(store, capacity=1, slug="third")
        await store.join(1, third.id, 4, "d")  # written while the DM is still held up
        async with asyncio.timeout(10):  # the write wakes the channel lane too
            while len(delivered) < 3:
                await asyncio.sleep(0.01)
        assert delivered[2] == ("capacity", third.id)
    finally:
        await asyncio.wait_for(cog.cog_unload(), 10)
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("announcements")]
    assert [n.kind for n in await store.run(store.notices.claim_notices, stale_after=-1)
            ] == ["promoted"]


async def test_an_announcement_shows_the_end_soon_after_the_clock_jumps_past_it(
        store, monkeypatch):
    """The refresh at an event's end is timed from the wall clock, but waited for on the
    event loop's clock, which stands still while the machine sleeps (a laptop's night, a
    paused VM) and ignores the wall clock's steps (NTP setting a clock that was behind).
    Here the wall clock read an hour early when the refresh was timed, and was then set
    right, past the end: the announcement shows "Over" with Join disabled within
    moments, not an hour later."""
    from bot.adapters.rsvp_buttons import RsvpButton

    monkeypatch.setattr(announcement_edits, "END_LOOK_AGAIN", 0.2)
    edits: list[dict] = []

    class Message:
        async def edit(self, **fields: object) -> None:
            edits.append(fields)

    cog = editing_announcements(store, Message)
    event = await new_event(store, capacity=5,
                            starts_at=datetime.now(UTC) + timedelta(seconds=1))
    await store.run(store.notices.add_announcement_message, event.id, 10, 1000)

    class HourBehind(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime.now(tz) - timedelta(hours=1)

    monkeypatch.setattr(announcement_edits, "datetime", HourBehind)
    try:
        assert await cog.edits._refresh(1, event.id) is True
        monkeypatch.setattr(announcement_edits, "datetime", datetime)  # set right
        for _ in range(100):
            if len(edits) == 2:
                break
            await asyncio.sleep(0.05)
        assert len(edits) == 2
        join = edits[-1]["view"].children[0]
        assert isinstance(join, RsvpButton) and join.item.disabled
        assert "Over: this event has taken place" in str(edits[-1]["embed"].to_dict())
    finally:
        for *_, timer in cog.edits._at_end.values():
            timer.cancel()
        for task in cog.edits._editors.values():
            task.cancel()


async def closed_then_opened(store: Store) -> None:
    """An event closed, then opened again: a closed notice, then an opened one."""
    event = await new_event(store, capacity=5)
    await store.run(store.registrations.close_registration, 1, event.id, None)
    await store.run(store.registrations.open_registration, 1, event.id)


def failing_the_close(posted: list[str]):
    """The deliverer's delivery, with Discord failing every closed notice (left claimed)
    and taking the others, whose kinds go to `posted`."""
    async def deliver(notice) -> bool:
        if notice.kind == NoticeKind.CLOSED:
            return False
        posted.append(notice.kind.value)
        return True
    return deliver


def deliverer_of_a_server_away(store: Store, deliver) -> tuple[Announcements, SimpleNamespace]:
    """A deliverer delivering with `deliver`, and its server (guild 1), which Discord lists
    as unavailable (an outage) until the test sets it available."""
    guild = with_a_channel(SimpleNamespace(id=1, unavailable=True, me=None))
    cog = Announcements(a_bot(store=store, own_shards=None, is_ready=lambda: True,
                                        get_guild=lambda guild_id: guild))
    cog.sender.deliver = deliver  # type: ignore[method-assign]
    return cog, guild


async def test_a_notice_discord_keeps_failing_holds_its_event_s_next_ones_two_claims_at_most(
        store, monkeypatch):
    """Discord fails the close's post again and again (a 5xx for hours): the reopening
    waits behind it two claims' lives from its first failure, not until the close is given
    up a day later (an event's deletion, its announcements shown cancelled, would wait as
    long)."""
    await closed_then_opened(store)
    now = [1000.0]
    monkeypatch.setattr(notice_lanes, "time", SimpleNamespace(monotonic=lambda: now[0]))
    posted: list[str] = []
    deliver = failing_the_close(posted)

    cog = Announcements(a_bot(store=store, own_shards=None,
                                        is_ready=lambda: True, get_guild=arrived))
    cog.sender.deliver = deliver  # type: ignore[method-assign]
    waited = 0
    while not posted and waited <= 10 * notice_lanes.STALLED_AT_MOST:
        await cog.lanes.deliver_pending()
        assert posted == [] or waited >= notice_lanes.STALLED_AT_MOST, waited
        # A claim's life later, and a second: claims are kept in whole seconds, and one
        # made in the second the next claim is made in would not have expired yet.
        await execute_sql(store, "UPDATE outbox SET claimed_at = claimed_at - ?",
                          notice_lanes.CLAIM_SECONDS + 1)
        now[0] += notice_lanes.CLAIM_SECONDS
        waited += notice_lanes.CLAIM_SECONDS
    assert posted == ["opened"] and waited <= notice_lanes.STALLED_AT_MOST + \
        notice_lanes.CLAIM_SECONDS, waited


async def test_a_server_s_held_notices_keep_their_order_when_discord_fails_one(store):
    """The server was away (an outage) when its event was closed and opened again: both
    notices wait for it. Back, Discord fails the close's post: the reopening waits for it,
    as it would had the server never been away, instead of leaving the channel saying
    last that registration is closed."""
    await closed_then_opened(store)
    posted: list[str] = []
    deliver = failing_the_close(posted)

    cog, guild = deliverer_of_a_server_away(store, deliver)
    await cog.lanes.deliver_pending()
    assert [n.kind.value for n, _ in cog.lanes._held.values()] == ["closed", "opened"]
    guild.unavailable = False
    await cog.on_guild_available(guild)  # type: ignore[arg-type]
    await cog.lanes.deliver_pending()
    assert posted == []
    await execute_sql(store, "UPDATE outbox SET claimed_at = claimed_at - 3600")  # stale
    posted_later: list[str] = []

    async def deliver_now(notice) -> bool:
        posted_later.append(notice.kind.value)
        return True

    cog.sender.deliver = deliver_now  # type: ignore[method-assign]
    await cog.lanes.deliver_pending()
    assert posted_later == ["closed", "opened"]


async def test_a_notice_of_a_server_away_for_days_is_given_up_a_day_after_it_was_written(
        store, clock):
    """A server Discord keeps unavailable for days: its channel notices are kept for it
    no longer than Discord's failures are retried (a day after they were written), rather
    than every minute for as long as it stays away, and posted as news days later."""
    clock.advance(-notice_lanes.GIVE_UP_AFTER - timedelta(minutes=5))
    event = await new_event(store, capacity=1)
    await store.join(1, event.id, 1, "m")  # fills it: one capacity notice, a day ago
    clock.advance(notice_lanes.GIVE_UP_AFTER + timedelta(minutes=5))
    posted: list[str] = []

    async def deliver(notice) -> bool:
        posted.append(notice.kind.value)
        return True

    cog, guild = deliverer_of_a_server_away(store, deliver)
    await cog.lanes.deliver_pending()
    assert cog.lanes._held == {}
    await execute_sql(store, "UPDATE outbox SET claimed_at = claimed_at - 3600")  # stale
    assert await store.run(store.notices.claim_notices) == []
    guild.unavailable = False
    await cog.on_guild_available(guild)  # type: ignore[arg-type]
    await cog.lanes.deliver_pending()
    assert posted == []


async def test_a_server_back_from_an_outage_hears_its_held_notices_before_new_ones(store):
    """Back from an outage, the server's held close is posted (Discord slow to take it)
    while a reopening written since is claimed: the reopening goes out after the close,
    not alongside it, so the channel does not say last that registration is closed."""
    event = await new_event(store, capacity=5)
    await store.run(store.registrations.close_registration, 1, event.id, None)
    posted: list[str] = []
    discord_answers = asyncio.Event()

    async def deliver(notice) -> bool:
        if notice.kind == NoticeKind.CLOSED:
            await discord_answers.wait()
        posted.append(notice.kind.value)
        return True

    cog, guild = deliverer_of_a_server_away(store, deliver)
    await cog.lanes.deliver_pending()
    assert [n.kind.value for n, _ in cog.lanes._held.values()] == ["closed"]
    guild.unavailable = False
    back = asyncio.create_task(cog.on_guild_available(guild))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    await store.run(store.registrations.open_registration, 1, event.id)
    delivering = asyncio.create_task(cog.lanes.deliver_pending())
    await asyncio.sleep(0.5)
    discord_answers.set()
    await asyncio.gather(back, delivering)
    await cog.lanes.deliver_pending()
    assert posted == ["closed", "opened"]


async def test_an_event_deleted_while_the_bot_is_out_of_its_server_shows_cancelled_once_back(
        store):
    """The bot is removed from the server, and an event announced there is deleted (from
    the command line, say): Discord would refuse the announcement's "cancelled" edit (403
    Missing Access). Invited back, the announcement shows the event cancelled, not a live
    Join button for an event that is gone."""
    import discord

    missing_access = discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"),
                                       {"code": 50001, "message": "Missing Access"})
    present: set[int] = set()
    shown: list[str] = []

    class Message:
        async def edit(self, *, embed, **_: object) -> None:
            if 1 not in present:
                raise missing_access
            shown.append(embed.title or "")

    cog = editing_announcements(store, Message)
    cog.bot.get_guild = lambda guild_id: arrived(guild_id) if guild_id in present else None
    cog.bot.own_shards = None
    event = await new_event(store, capacity=5)
    await store.run(store.notices.add_announcement_message, event.id, 10, 1000)
    await store.run(store.events.delete_event, 1, event.id)
    await cog.lanes._deliver_lane(cog.lanes.channel_lane)
    await execute_sql(store, "UPDATE outbox SET claimed_at = claimed_at - 3600")  # stale
    await cog.lanes._deliver_lane(cog.lanes.channel_lane)
    assert shown == []

    present.add(1)  # invited back
    await cog.on_guild_join(arrived(1))  # type: ignore[arg-type]
    await cog.lanes._deliver_lane(cog.lanes.channel_lane)
    assert len(shown) == 1 and "cancelled" in shown[0].lower(), shown
    assert await store.run(store.notices.claim_notices, kinds=frozenset({NoticeKind.DELETED})
                           ) == []
    for task in cog.edits._editors.values():
        task.cancel()


async def test_a_notice_held_for_a_server_whose_data_was_deleted_is_not_posted_on_return(
        store, monkeypatch):
    """The bot was removed from the server, and its close notice held for it; the
    server's data is then deleted (its retention period, shorter than a day, is over).
    Invited back later, the server hears nothing of an event the bot no longer has."""
    now = [1000.0]
    monkeypatch.setattr(notice_lanes, "time", SimpleNamespace(monotonic=lambda: now[0]))
    event = await new_event(store, capacity=5)
    await store.run(store.registrations.close_registration, 1, event.id, None)
    posted: list[str] = []
    present: set[int] = set()

    async def deliver(notice) -> bool:
        posted.append(notice.kind.value)
        return True

    cog = Announcements(a_bot(
        store=store, own_shards=None, is_ready=lambda: True,
        get_guild=lambda guild_id: arrived(guild_id) if guild_id in present else None))
    cog.sender.deliver = deliver  # type: ignore[method-assign]
    await cog.lanes.deliver_pending()
    assert [n.kind.value for n, _ in cog.lanes._held.values()] == ["closed"]
    left = utcnow() - timedelta(hours=13)
    await store.run(store.settings.set_guild_left, 1, left)
    assert await store.run(store.settings.purge_guild, 1, left + timedelta(hours=1))
    for _ in range(3):  # claims' lives go by, with nothing left to claim
        now[0] += notice_lanes.CLAIM_SECONDS
        await cog.lanes.deliver_pending()

    present.add(1)  # invited back
    await cog.lanes.deliver_pending()
    assert posted == []


async def test_a_server_left_leaves_no_refresh_timer_nor_refusal_of_its_events_behind(store):
    """A server that removes the bot keeps its events' data for the retention period, and
    then loses it without a word to the announcements: an event months from its end would
    keep its refresh timer, and a refused message its refusal, in every server that ever
    removed the bot. Leaving ends both for that server alone; the other servers' stay,
    and an invitation back times the refresh again."""
    from bot.signals import GuildLeft, Signals

    cog = editing_announcements(store, NotEditable)
    cog.bot.signals = Signals()  # as the bot tells its cogs (`EventBot.left_guild`)
    cog.bot.wait_until_ready = asyncio.Event().wait  # not ready: nothing is delivered
    await cog.cog_load()
    starts = datetime.now(UTC) + timedelta(days=90)
    events = []
    for n in range(20):
        event = await new_event(store, capacity=5, starts_at=starts, slug=f"left-{n}")
        await store.run(store.notices.add_announcement_message, event.id, 10, 2000 + n)
        await store.join(1, event.id, 1, "m")
        assert await cog.edits._refresh(1, event.id) is True
        events.append(event)
    other, _ = await store.run(store.events.save_event, 2, EventDraft(
        slug="elsewhere", title="Elsewhere", capacity=5, starts_at=starts),
        [("page text", make_page())])
    await store.run(store.notices.add_announcement_message, other.id, 11, 3000)
    assert await cog.edits._refresh(2, other.id) is True
    try:
        assert (len(cog.edits._at_end), len(cog.edits._refused)) == (21, 21)
        cog.bot.signals.emit(GuildLeft(1))
        assert list(cog.edits._at_end) == [(2, other.id)]
        assert list(cog.edits._refused) == [3000]
        assert [message_id for message_id in cog.edits._blocked] == [3000]
        assert await cog.edits._refresh(1, events[0].id) is True  # back: timed again
        assert (1, events[0].id) in cog.edits._at_end
    finally:
        await cog.cog_unload()


@pytest.mark.parametrize("fixed_by", ["a channel's overwrite", "a role's permissions"])
async def test_an_announcement_refused_while_hidden_is_edited_once_the_bot_may_post_there(
        store, monkeypatch, fixed_by):
    """Discord refuses to edit an announcement while its channel is hidden from the bot
    (View Channel taken away); a moderator gives it back (CHANNEL_UPDATE, or
    GUILD_ROLE_UPDATE): the announcement is brought up to date at once, not at its event's
    next change, which may never come. Changes that still leave the bot unable, and those
    after, ask Discord nothing: each refusal counts toward its invalid-request limit."""
    import discord

    monkeypatch.setattr(announcement_edits, "EDIT_INTERVAL", 0.0)
    may = {"post": False}
    edits: list[bool] = []

    class HiddenUntilAllowed:
        async def edit(self, **_: object) -> None:
            edits.append(may["post"])
            if not may["post"]:
                raise discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"),
                                        {"code": 50001, "message": "Missing Access"})

    channel = SimpleNamespace(permissions_for=lambda me: discord.Permissions(
        view_channel=may["post"], send_messages=True, embed_links=True))
    server = SimpleNamespace(id=1, unavailable=False, me=object(),
                             get_channel_or_thread={10: channel}.get)
    channel.guild = server  # (as a channel of discord.py's knows its server)
    cog = editing_announcements(store, HiddenUntilAllowed)
    cog.bot.get_guild = lambda guild_id: server if guild_id == 1 else None
    event = await new_event(store, capacity=5)
    await store.run(store.notices.add_announcement_message, event.id, 10, 1000)
    await store.join(1, event.id, 1, "m")
    assert await cog.edits._refresh(1, event.id) is True
    assert edits == [False]
    await store.join(1, event.id, 2, "m2")  # a new state, the channel still hidden: not
    assert await cog.edits._refresh(1, event.id) is True  # asked (it was, at each change)
    assert edits == [False]
    changed = (cog.on_guild_channel_update(None, SimpleNamespace(guild=server))
               if fixed_by == "a channel's overwrite" else
               cog.on_guild_role_update(None, SimpleNamespace(guild=server)))
    await changed  # still hidden: nothing asked
    await asyncio.sleep(0.05)
    assert edits == [False]
    may["post"] = True
    for _ in range(3):  # a burst of changes: one edit
        await cog.on_guild_role_update(None, SimpleNamespace(guild=server))
        await cog.on_guild_channel_update(None, SimpleNamespace(guild=server))
    async with asyncio.timeout(5):
        while len(edits) < 2 or cog.edits._editors:
            await asyncio.sleep(0.01)
    assert edits == [False, True] and 1000 not in cog.edits._refused
    [(_, _, shown)] = await store.run(store.notices.announcement_messages, event.id)
    assert shown is not None  # recorded as shown: no edit again for it
    await cog.on_guild_role_update(None, SimpleNamespace(guild=server))
    await asyncio.sleep(0.05)
    assert edits == [False, True] and not cog.edits._blocked


async def test_a_rename_is_told_by_both_names_and_one_undone_unheard_is_not(store):
    """A new title is news as a new start or venue is: the channel and each registered
    member hear it with the title they knew. Renamed back before those notices went out,
    nobody is told anything; a member already sent the first hears of the way back."""
    event = await new_event(store, capacity=5)
    for user in (1, 2):
        await store.join(1, event.id, user, f"m{user}")
    await kinds(store)

    async def rename(title: str) -> None:
        await store.run(store.events.edit_event, 1, event.id, EventEdit(
            title=title, starts_at=None, ends_at=None, all_day=False, venue=None, link=None))

    await rename("Event talk, renamed")
    notices = await store.run(store.notices.claim_notices, 100)
    for notice in notices:
        await store.run(store.notices.ack_notice, notice.id)
    assert [(n.kind, n.payload.renamed_from,  # type: ignore[union-attr]
             n.payload.to.title) for n in notices] == [  # type: ignore[union-attr]
        (kind, "Event talk", "Event talk, renamed")
        for kind in ("changed", "changed_dm", "changed_dm")]
    await rename("Event talk, again")
    sent = await store.run(store.notices.claim_notices, 1, kinds=[NoticeKind.CHANGED_DM])
    await store.run(store.notices.ack_notice, sent[0].id)
    await rename("Event talk, renamed")  # undone before the channel and member 2 heard
    left = await store.run(store.notices.claim_notices, 100)
    assert [(n.kind, n.payload.user_id, n.payload.renamed_from)  # type: ignore[union-attr]
            for n in left] == [("changed_dm", sent[0].payload.user_id,  # type: ignore
                                "Event talk, again")]
