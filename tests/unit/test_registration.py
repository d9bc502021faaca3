from datetime import UTC, datetime, timedelta

import pytest

from bot import registration as rules
from bot.errors import Conflict, InvalidValue
from bot.registration import (
    CancelOutcome,
    Existing,
    JoinOutcome,
    Seats,
    Status,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def seats(capacity=3, confirmed=0, waitlisted=0, open_=True, ends_at=None):
    return Seats(capacity, confirmed, waitlisted, open_, None, ends_at)


def test_joins_confirm_until_full_then_waitlist_in_order():
    s = seats(capacity=2)
    first, second, third, fourth = (rules.join(s, None, NOW) for _ in range(4))
    assert [r.outcome for r in (first, second)] == [JoinOutcome.CONFIRMED] * 2
    assert (first.filled, second.filled) == (False, True)
    assert (third.outcome, third.position, third.filled) == (JoinOutcome.WAITLISTED, 1, False)
    assert fourth.position == 2
    assert (s.confirmed, s.waitlisted) == (2, 2)


def test_joining_twice_returns_the_existing_status_and_changes_nothing():
    s = seats(capacity=1, confirmed=1, waitlisted=3)
    assert rules.join(s, Existing(Status.CONFIRMED), NOW).outcome is JoinOutcome.ALREADY_CONFIRMED
    again = rules.join(s, Existing(Status.WAITLISTED, 2), NOW)
    assert (again.outcome, again.position, again.status) == (
        JoinOutcome.ALREADY_WAITLISTED, 2, Status.WAITLISTED)
    assert (s.confirmed, s.waitlisted) == (1, 3)


def test_a_waitlisted_member_asking_again_hears_of_the_free_seats_given_first():
    # Free seats and members waiting: a state a change made outside the rules can leave.
    s = seats(capacity=4, confirmed=2, waitlisted=3)
    waitlist = [11, 12, 13]
    head = rules.join(s, Existing(Status.WAITLISTED, 1), NOW, waitlist)
    assert (head.outcome, head.promoted, head.filled) == (
        JoinOutcome.CONFIRMED, (11, 12), True)
    assert (s.confirmed, s.waitlisted, waitlist) == (4, 1, [13])
    s = seats(capacity=3, confirmed=2, waitlisted=3)
    last = rules.join(s, Existing(Status.WAITLISTED, 3), NOW, [11, 12, 13])
    assert (last.outcome, last.position, last.promoted, last.filled) == (
        JoinOutcome.ALREADY_WAITLISTED, 2, (11,), True)


def test_closed_registration_refuses_everyone_even_the_waitlist():
    s = seats(capacity=1, confirmed=1, open_=False)
    s.closed_reason = "venue change"
    result = rules.join(s, None, NOW)
    assert result.outcome is JoinOutcome.CLOSED
    assert result.reason == "registration is closed: venue change"
    assert result.status is None
    assert s.waitlisted == 0


def test_an_event_that_has_taken_place_refuses_joins():
    s = seats(ends_at=NOW - timedelta(minutes=1))
    result = rules.join(s, None, NOW)
    assert result.outcome is JoinOutcome.TAKEN_PLACE
    assert s.confirmed == 0


def test_asking_again_after_the_event_hears_it_has_taken_place_not_a_waitlist_place():
    """A waitlist place in an event that has taken place is no news, nor is a seat: a
    member who joins again hears the event is over, whatever they held."""
    s = seats(capacity=1, confirmed=1, waitlisted=1, ends_at=NOW - timedelta(minutes=1))
    for existing in (Existing(Status.WAITLISTED, 1), Existing(Status.CONFIRMED)):
        result = rules.join(s, existing, NOW)
        assert (result.outcome, result.reason, result.position) == (
            JoinOutcome.TAKEN_PLACE, "this event has already taken place", None)
    assert (s.confirmed, s.waitlisted) == (1, 1)


def test_cancel_frees_the_seat_for_the_first_waitlisted_member():
    s = seats(capacity=2, confirmed=2, waitlisted=2)
    waitlist = [11, 12]
    result = rules.cancel(s, Existing(Status.CONFIRMED), waitlist, NOW)
    assert result.outcome is CancelOutcome.CANCELLED
    assert result.promotions.promoted == (11,)
    assert result.promotions.filled is False  # the seat never became free to the public
    assert (s.confirmed, s.waitlisted, waitlist) == (2, 1, [12])


def test_cancel_without_a_waitlist_frees_a_seat_and_the_next_join_fills_again():
    s = seats(capacity=1, confirmed=1)
    assert rules.cancel(s, Existing(Status.CONFIRMED), [], NOW).promotions.promoted == ()
    assert not s.full
    assert rules.join(s, None, NOW).filled is True


def test_leaving_the_waitlist_and_cancelling_nothing():
    s = seats(capacity=1, confirmed=1, waitlisted=1)
    assert rules.cancel(s, Existing(Status.WAITLISTED, 1), [], NOW).outcome is (
        CancelOutcome.LEFT_WAITLIST)
    assert s.waitlisted == 0
    assert rules.cancel(s, None, [], NOW).outcome is CancelOutcome.NOT_REGISTERED


def test_raising_capacity_promotes_from_the_waitlist():
    s = seats(capacity=2, confirmed=2, waitlisted=3)
    waitlist = [1, 2, 3]
    promotions = rules.set_capacity(s, 4, waitlist, NOW)
    assert promotions.promoted == (1, 2)
    assert promotions.filled is False  # it was full before and is full again
    assert (s.capacity, s.confirmed, s.waitlisted) == (4, 4, 1)


def test_raising_capacity_past_the_waitlist_leaves_seats_for_new_joins():
    s = seats(capacity=2, confirmed=2, waitlisted=1)
    promotions = rules.set_capacity(s, 5, [7], NOW)
    assert promotions.promoted == (7,)
    assert s.seats_left == 2
    assert rules.join(s, None, NOW).filled is False
    assert rules.join(s, None, NOW).filled is True


def test_lowering_capacity_below_confirmed_is_refused_and_nobody_is_evicted():
    s = seats(capacity=5, confirmed=4)
    with pytest.raises(Conflict, match="4 members are already confirmed"):
        rules.set_capacity(s, 3, [], NOW)
    assert (s.capacity, s.confirmed) == (5, 4)


def test_lowering_capacity_to_the_confirmed_count_fills_the_event():
    s = seats(capacity=5, confirmed=4)
    assert rules.set_capacity(s, 4, [], NOW).filled is True


@pytest.mark.parametrize("capacity", [0, -1, rules.MAX_CAPACITY + 1])
def test_absurd_capacity_is_refused(capacity):
    with pytest.raises(InvalidValue, match="from 1 to 100,000"):
        rules.set_capacity(seats(), capacity, [], NOW)


@pytest.mark.parametrize("value", [1, rules.MAX_CAPACITY])
def test_capacity_boundaries_are_accepted(value):
    assert rules.check_capacity(value) == value


@pytest.mark.parametrize("value", [0, rules.MAX_CAPACITY + 1, True, False, 2.0, "10", None])
def test_capacity_outside_the_range_or_not_a_whole_number_is_refused(value):
    with pytest.raises(InvalidValue, match="whole number of seats from 1 to 100,000"):
        rules.check_capacity(value)


def test_close_then_reopen_promotes_the_waitlist_into_free_seats():
    s = seats(capacity=3, confirmed=1, waitlisted=3)
    rules.close(s, "moderator decision", NOW)
    with pytest.raises(Conflict, match="already closed"):
        rules.close(s, None, NOW)
    waitlist = [5, 6, 7]
    promotions = rules.reopen(s, waitlist, NOW)
    assert promotions.promoted == (5, 6)
    assert promotions.filled is True
    assert s.registration_open and s.closed_reason is None
    with pytest.raises(Conflict, match="already open"):
        rules.reopen(s, [], NOW)


def test_promotion_waits_while_registration_is_closed():
    s = seats(capacity=1, confirmed=1, waitlisted=1, open_=False)
    result = rules.cancel(s, Existing(Status.CONFIRMED), [9], NOW)
    assert result.promotions.promoted == ()
    assert (s.confirmed, s.waitlisted) == (0, 1)


def test_reopening_after_the_event_is_refused():
    s = seats(open_=False, ends_at=NOW - timedelta(hours=1))
    with pytest.raises(Conflict, match="already taken place"):
        rules.reopen(s, [], NOW)


def test_reopening_an_event_that_was_already_full_is_not_a_new_fill():
    s = seats(capacity=2, confirmed=2, waitlisted=1, open_=False)
    s.capacity_noticed_at = NOW - timedelta(days=1)  # its fill was announced before closing
    promotions = rules.reopen(s, [9], NOW)
    assert promotions.promoted == () and promotions.filled is False
    assert s.full


def test_reopening_an_event_whose_fill_was_never_announced_fills_it():
    # Its seats were cut to the confirmed count while it was closed: no notice then.
    s = seats(capacity=10, confirmed=8, open_=False)
    assert rules.set_capacity(s, 8, [], NOW).filled is False
    assert rules.reopen(s, [], NOW).filled is True


@pytest.mark.parametrize("cut_while_closed", [False, True])
def test_a_reopening_that_fills_the_event_posts_no_capacity_notice_after_its_own(
        cut_while_closed):
    # The reopening's notice says every seat is taken; "now closed" after it would
    # contradict it. The fill counts as told, so churn within the cool-down stays quiet.
    s = seats(capacity=3, confirmed=1 if not cut_while_closed else 3, waitlisted=2,
              open_=False)
    waitlist = [] if cut_while_closed else [5, 6]
    assert rules.reopen(s, waitlist, NOW).filled is True
    assert s.full
    assert rules.announce_fill(s, NOW) is False
    assert rules.announce_fill(s, NOW + rules.CAPACITY_NOTICE_COOLDOWN) is True


def test_closing_an_event_with_free_seats_forgets_its_last_fill():
    # Full and announced, then seats freed by cancels: the notice is stale. Cut to full
    # while closed, the reopening is a new fill; closed while full, it is not.
    freed = seats(capacity=5, confirmed=3)
    freed.capacity_noticed_at = NOW - timedelta(hours=1)
    rules.close(freed, None, NOW)
    assert freed.capacity_noticed_at is None
    rules.set_capacity(freed, 3, [], NOW)
    assert rules.reopen(freed, [], NOW).filled is True
    full = seats(capacity=3, confirmed=3)
    full.capacity_noticed_at = NOW - timedelta(hours=1)
    rules.close(full, None, NOW)
    assert full.capacity_noticed_at == NOW - timedelta(hours=1)
    assert rules.reopen(full, [], NOW).filled is False


def test_seats_changed_after_the_event_are_no_news():
    over = NOW - timedelta(hours=1)
    cut = seats(capacity=5, confirmed=3, ends_at=over)
    assert rules.set_capacity(cut, 3, [], NOW).filled is False
    full = seats(capacity=2, confirmed=2, ends_at=over)
    full.capacity_noticed_at = over - timedelta(days=1)
    rules.set_capacity(full, 5, [], NOW)
    assert rules.freed_seats(2, full, NOW) is False
    before = seats(capacity=2, confirmed=2)
    before.capacity_noticed_at = NOW - timedelta(days=1)
    rules.set_capacity(before, 5, [], NOW)
    assert rules.freed_seats(2, before, NOW) is True


def test_a_join_with_free_seats_and_a_waitlist_promotes_the_waitlist_first():
    # A cancel after the start promoted nobody, and the event has been moved since.
    s = seats(capacity=2, confirmed=1, waitlisted=2)
    waitlist = [11, 12]
    result = rules.join(s, None, NOW, waitlist)
    assert result.promoted == (11,)
    assert (result.outcome, result.position) == (JoinOutcome.WAITLISTED, 2)
    assert result.filled is True  # the promotion took the last seat
    assert (s.confirmed, s.waitlisted, waitlist) == (2, 2, [12])


def test_a_join_confirms_after_the_whole_waitlist_got_seats():
    s = seats(capacity=4, confirmed=1, waitlisted=2)
    result = rules.join(s, None, NOW, [11, 12])
    assert (result.outcome, result.promoted, result.filled) == (
        JoinOutcome.CONFIRMED, (11, 12), True)
    assert (s.confirmed, s.waitlisted) == (4, 0)


def test_a_newcomer_never_takes_a_free_seat_while_anyone_is_waitlisted():
    # Without the waitlist's ids the seat cannot be given to it; it is not given away either.
    s = seats(capacity=2, confirmed=1, waitlisted=1)
    result = rules.join(s, None, NOW)
    assert (result.outcome, result.position, result.promoted) == (
        JoinOutcome.WAITLISTED, 2, ())
    assert (s.confirmed, s.waitlisted) == (1, 2)


def test_moving_an_event_that_took_place_to_a_later_date_promotes_into_free_seats():
    started = NOW - timedelta(minutes=5)
    s = seats(capacity=2, confirmed=2, waitlisted=2, ends_at=started)
    removed = rules.cancel(s, Existing(Status.CONFIRMED), [11, 12], NOW, removed=True)
    assert removed.promotions.promoted == ()  # it had taken place
    assert rules.promotable(s, NOW) == 0
    s.over_at = NOW + timedelta(days=7)  # a moderator moved it a week later
    assert rules.promotable(s, NOW) == 1
    waitlist = [11, 12]
    promotions = rules.fill_free_seats(s, waitlist, NOW)
    assert (promotions.promoted, promotions.filled) == ((11,), True)
    assert (s.confirmed, s.waitlisted, waitlist) == (2, 1, [12])
    newcomer = rules.join(s, None, NOW, waitlist)
    assert (newcomer.outcome, newcomer.position) == (JoinOutcome.WAITLISTED, 2)


def test_the_capacity_notice_is_announced_once_per_cool_down_or_reopening():
    s = seats(capacity=1, confirmed=1)
    assert rules.announce_fill(s, NOW) is True
    assert s.capacity_noticed_at == NOW
    assert rules.announce_fill(s, NOW + rules.CAPACITY_NOTICE_COOLDOWN / 2) is False
    assert rules.announce_fill(s, NOW + rules.CAPACITY_NOTICE_COOLDOWN) is True
    rules.close(s, None, NOW)
    rules.reopen(s, [], NOW)
    assert s.capacity_noticed_at is None
    assert rules.announce_fill(s, NOW + rules.CAPACITY_NOTICE_COOLDOWN) is True


# The rules at their edges: each test below pins one decision the rules make.

def test_an_event_is_taken_place_from_the_exact_end_instant():
    s = seats(ends_at=NOW)
    result = rules.join(s, None, NOW)
    assert (result.outcome, result.reason) == (
        JoinOutcome.TAKEN_PLACE, "this event has already taken place")
    assert rules.join(seats(ends_at=NOW + timedelta(microseconds=1)), None, NOW).outcome is (
        JoinOutcome.CONFIRMED)


def test_a_closed_event_is_not_full_even_with_every_seat_taken():
    # "Full" sends later joins to the waitlist; a closed event sends them nowhere.
    assert seats(capacity=1, confirmed=1, open_=False).full is False
    assert seats(capacity=1, confirmed=1).full is True


def test_cancelling_on_an_event_that_was_never_full_does_not_report_a_fill():
    s = seats(capacity=3, confirmed=2)
    assert rules.cancel(s, Existing(Status.CONFIRMED), [], NOW).promotions.filled is False


def test_a_cancel_whose_promotions_take_the_last_seat_fills_the_event():
    # Two members waited while a cancel after the start promoted nobody; the event moved.
    s = seats(capacity=3, confirmed=2, waitlisted=2, ends_at=NOW + timedelta(days=1))
    waitlist = [11, 12]
    result = rules.cancel(s, Existing(Status.CONFIRMED), waitlist, NOW)
    assert (result.promotions.promoted, result.promotions.filled) == ((11, 12), True)
    assert (s.confirmed, s.waitlisted, waitlist) == (3, 0, [])


def test_a_removal_after_the_event_ended_promotes_nobody():
    s = seats(capacity=1, confirmed=1, waitlisted=1, ends_at=NOW)
    waitlist = [11]
    result = rules.cancel(s, Existing(Status.CONFIRMED), waitlist, NOW, removed=True)
    assert (result.outcome, result.promotions.promoted) == (CancelOutcome.CANCELLED, ())
    assert (s.confirmed, s.waitlisted, waitlist) == (0, 1, [11])


def test_raising_the_capacity_of_an_event_that_was_never_full_reports_no_fill():
    s = seats(capacity=3, confirmed=1)
    assert rules.set_capacity(s, 5, [], NOW) == rules.Promotions((), filled=False)


def test_raising_capacity_after_the_event_ended_promotes_nobody():
    s = seats(capacity=1, confirmed=1, waitlisted=1, ends_at=NOW - timedelta(hours=1))
    waitlist = [11]
    assert rules.set_capacity(s, 2, waitlist, NOW).promoted == ()
    assert (s.capacity, s.confirmed, s.waitlisted, waitlist) == (2, 1, 1, [11])


def test_raising_capacity_before_the_end_promotes_into_the_new_seats():
    s = seats(capacity=1, confirmed=1, waitlisted=1, ends_at=NOW + timedelta(hours=1))
    assert rules.set_capacity(s, 2, [11], NOW) == rules.Promotions((11,), filled=False)


@pytest.mark.parametrize("capacity", [1, rules.MAX_CAPACITY])
def test_capacity_from_one_seat_to_the_maximum_is_accepted(capacity):
    s = seats(capacity=5)
    rules.set_capacity(s, capacity, [], NOW)
    assert s.capacity == capacity


def test_the_refusal_to_evict_says_how_many_are_confirmed_and_what_to_do():
    s = seats(capacity=5, confirmed=2)
    with pytest.raises(Conflict) as refused:
        rules.set_capacity(s, 1, [], NOW)
    assert str(refused.value) == (
        "2 members are already confirmed; capacity cannot go below that "
        "(ask members to cancel first, nobody is removed silently)")
    assert s.capacity == 5


def test_fill_free_seats_reports_a_fill_only_when_it_takes_the_last_seat():
    assert rules.fill_free_seats(seats(capacity=2, confirmed=2), [], NOW).filled is False
    assert rules.fill_free_seats(seats(capacity=3, confirmed=1), [], NOW).filled is False
    s = seats(capacity=3, confirmed=1, waitlisted=1)
    assert rules.fill_free_seats(s, [11], NOW) == rules.Promotions((11,), filled=False)


def test_closing_keeps_its_reason_for_the_members_it_refuses():
    s = seats()
    rules.close(s, "venue change", NOW)
    assert s.registration_open is False
    assert rules.join(s, None, NOW).reason == "registration is closed: venue change"
    with pytest.raises(Conflict) as again:
        rules.close(s, None, NOW)
    assert str(again.value) == "registration is already closed"


def test_closing_without_a_reason_says_only_that_registration_is_closed():
    s = seats()
    rules.close(s, None, NOW)
    assert rules.join(s, None, NOW).reason == "registration is closed"


def test_reopening_refusals_say_why():
    with pytest.raises(Conflict) as already_open:
        rules.reopen(seats(), [], NOW)
    assert str(already_open.value) == "registration is already open"
    with pytest.raises(Conflict) as ended:
        rules.reopen(seats(open_=False, ends_at=NOW), [], NOW)
    assert str(ended.value) == "this event has already taken place"


def test_reopening_before_the_end_promotes_and_a_partial_promotion_is_no_fill():
    s = seats(capacity=5, confirmed=1, waitlisted=2, open_=False, ends_at=NOW + timedelta(days=1))
    assert rules.reopen(s, [11, 12], NOW) == rules.Promotions((11, 12), filled=False)
    assert s.seats_left == 2


def test_nobody_is_promotable_without_a_waitlist():
    assert rules.promotable(seats(capacity=3, confirmed=1), NOW) == 0
    assert rules.promotable(seats(capacity=3, confirmed=1, waitlisted=5), NOW) == 2


def test_an_archived_events_seats_refuse_every_change_and_promote_nobody():
    archived = seats(capacity=3, confirmed=1, waitlisted=2)
    assert rules.promotable(archived, NOW) == 2
    archived.archived = True
    assert rules.promotable(archived, NOW) == 0
    for change in (lambda: rules.set_capacity(archived, 5, [7, 8], NOW),
                   lambda: rules.close(archived, None, NOW),
                   lambda: rules.reopen(archived, [7, 8], NOW)):
        with pytest.raises(Conflict, match="archived"):
            change()
    assert (archived.capacity, archived.confirmed, archived.registration_open) == (3, 1, True)
    for status in (Status.CONFIRMED, Status.WAITLISTED):
        kept = rules.cancel(archived, Existing(status), [7, 8], NOW)
        assert kept.outcome is rules.CancelOutcome.ARCHIVED and not kept.promotions.promoted
    assert (archived.confirmed, archived.waitlisted) == (1, 2)


def test_a_members_rsvp_stays_once_the_event_has_taken_place_but_a_moderator_removes_it():
    for status in (Status.CONFIRMED, Status.WAITLISTED):
        s = seats(capacity=1, confirmed=1, waitlisted=1, ends_at=NOW)
        kept = rules.cancel(s, Existing(status), [9], NOW)
        assert kept.outcome is CancelOutcome.OVER and not kept.made
        assert (s.confirmed, s.waitlisted) == (1, 1)
        removed = rules.cancel(s, Existing(status), [9], NOW, removed=True)
        assert removed.made and removed.promotions.promoted == ()  # no seat after the event
    s = seats(capacity=1, confirmed=1, ends_at=NOW + timedelta(seconds=1))
    assert rules.cancel(s, Existing(Status.CONFIRMED), [], NOW).outcome is (
        CancelOutcome.CANCELLED)


def test_closing_is_refused_once_the_event_has_taken_place_as_reopening_is():
    s = seats(capacity=3, confirmed=1, ends_at=NOW)
    with pytest.raises(Conflict, match="already taken place"):
        rules.close(s, None, NOW)
    assert s.registration_open
    rules.close(s, None, NOW - timedelta(seconds=1))  # a moment before, it may be closed
    assert not s.registration_open
