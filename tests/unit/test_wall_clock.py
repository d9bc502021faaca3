"""The wall clock as trusted for what cannot be undone (`bot.clock`): a step forward is
not believed until kept, a step back is taken at once, a slow drift is no step."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import STEP_TOLERANCE, WallClock

START = 1_900_000_000.0  # a wall-clock moment, in Unix seconds
DAY = 86400.0


class Host:
    """A wall clock the test steps, and a steady clock it only lets run."""

    def __init__(self) -> None:
        self.wall, self.steady = START, 500.0

    def run(self, seconds: float) -> None:
        self.wall += seconds
        self.steady += seconds

    def clock(self, confirm_after: float = 3600.0, settling: float = 0.0) -> WallClock:
        return WallClock(lambda: self.wall, lambda: self.steady, confirm_after, settling)


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_in_pace_it_is_the_wall_clock():
    host = Host()
    clock = host.clock()
    host.run(10 * DAY)
    host.wall += STEP_TOLERANCE / 2  # NTP's slew over those days
    assert clock.trusted() == at(host.wall)
    assert clock.untrusted_for() is None


def test_a_step_forward_is_not_trusted_until_kept_and_a_correction_forgets_it():
    host = Host()
    clock = host.clock()
    host.run(60)
    host.wall += 2 * DAY  # stepped two days ahead
    assert clock.trusted() == at(START + 60)  # the time that passed
    assert clock.untrusted_for() == 3600.0
    host.run(600)
    assert clock.trusted() == at(START + 660)
    assert clock.untrusted_for() == 3000.0
    host.wall -= 2 * DAY  # set right
    assert clock.trusted() == at(START + 660) == at(host.wall)
    assert clock.untrusted_for() is None
    host.run(3600)  # nothing left of the step
    assert clock.trusted() == at(host.wall)


def test_a_step_forward_kept_is_trusted_after_the_wait():
    host = Host()
    clock = host.clock()
    host.wall += 5 * 3600  # a machine resumed hours later, its clock set
    assert clock.trusted() == at(START)
    host.run(3599)
    assert clock.trusted() == at(START + 3599)
    host.run(1)
    assert clock.trusted() == at(host.wall)
    assert clock.untrusted_for() is None
    host.run(60)
    assert clock.trusted() == at(host.wall)  # and in pace from there


def test_a_step_back_is_taken_at_once():
    host = Host()
    clock = host.clock()
    host.run(60)
    host.wall -= 3 * 3600
    assert clock.trusted() == at(host.wall)
    assert clock.untrusted_for() is None
    host.run(60)
    assert clock.trusted() == at(host.wall)


def test_a_step_forward_as_the_machine_boots_is_its_clock_being_set():
    # A host without a battery-backed clock boots at the time it last saved, the bot
    # starts, and NTP sets the clock hours ahead a few minutes later: that is trusted at
    # once (reminders and roles' ends follow it), where a step later on is not.
    host = Host()  # booted 500 s ago
    clock = host.clock(settling=900.0)
    host.run(60)
    host.wall += 3 * 3600.0
    assert clock.trusted() == at(host.wall) and clock.untrusted_for() is None
    host.run(600)  # 1,160 s after the boot
    host.wall += 2 * DAY
    assert clock.trusted() == at(host.wall - 2 * DAY)
