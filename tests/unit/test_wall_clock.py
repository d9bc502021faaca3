"""The wall clock as trusted for what cannot be undone (`bot.clock`): a step forward is
not believed until kept, a step back is taken at once, a slow drift is no step."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.clock import KEPT_BOOTS, KEPT_FOR, STEP_TOLERANCE, WallClock

START = 1_900_000_000.0  # a wall-clock moment, in Unix seconds
DAY = 86400.0


class Host:
    """A wall clock the test steps, and a steady clock it only lets run."""

    def __init__(self) -> None:
        self.wall, self.steady = START, 500.0

    def run(self, seconds: float) -> None:
        self.wall += seconds
        self.steady += seconds

    def clock(self, confirm_after: float = 3600.0, settling: float = 0.0,
              boot: str | None = "boot-1") -> WallClock:
        return WallClock(lambda: self.wall, lambda: self.steady, confirm_after, settling,
                         boot=lambda: boot)


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


def test_a_process_started_during_a_step_forward_does_not_trust_it_either():
    """The first process keeps its look; the clock steps two days ahead, and a second
    process starts on the same boot: it goes by the time that passed, and trusts the step
    once kept for the wait counted from when the first process saw it."""
    host = Host()
    first = host.clock()
    kept = first.kept_in(None)
    host.run(120)
    host.wall += 2 * DAY
    assert first.trusted() == at(START + 120)  # the first process sees the step
    kept = first.kept_in(kept)
    host.run(600)
    second = host.clock()
    second.resume(kept)
    assert second.trusted() == at(START + 720)
    assert second.untrusted_for() == 3000.0
    host.run(3000)
    assert second.trusted() == at(host.wall)  # kept for the wait: trusted
    assert second.untrusted_for() is None


def test_a_process_started_after_a_step_the_earlier_one_never_saw_waits_for_it():
    host = Host()
    kept = host.clock().kept_in(None)
    host.run(300)  # stopped, and the clock stepped while no process ran
    host.wall += 3 * DAY
    second = host.clock()
    second.resume(kept)
    assert second.trusted() == at(START + 300)
    assert second.untrusted_for() == 3600.0
    host.wall -= 3 * DAY  # set right: nothing left of it
    assert second.trusted() == at(host.wall) == at(START + 300)


def test_a_look_kept_on_another_boot_or_long_ago_or_in_pace_leaves_the_first_look():
    host = Host()
    kept = host.clock().kept_in(None)
    host.run(60)
    host.wall += DAY
    other_boot = host.clock(boot="boot-2")
    other_boot.resume(kept)
    assert other_boot.trusted() == at(host.wall)  # another boot's steady clock says nothing
    unknown = host.clock(boot=None)
    unknown.resume(kept)
    assert unknown.trusted() == at(host.wall)
    assert unknown.kept_in(kept) is None
    host.run(KEPT_FOR)  # a slew since could account for more than a step
    long_ago = host.clock()
    long_ago.resume(kept)
    assert long_ago.trusted() == at(host.wall)
    host = Host()
    kept = host.clock().kept_in(None)
    host.run(10 * DAY)
    host.wall += STEP_TOLERANCE  # NTP's slew over those days, no step
    in_pace = host.clock()
    in_pace.resume(kept)
    assert in_pace.trusted() == at(host.wall)


def test_the_looks_kept_are_the_latest_boots_and_what_cannot_be_read_is_left_out():
    host = Host()
    kept = None
    for boot in range(KEPT_BOOTS + 3):
        host.run(60)
        kept = host.clock(boot=f"boot-{boot}").kept_in(kept)
    looks = json.loads(kept)
    assert sorted(looks) == sorted(f"boot-{b}" for b in range(3, KEPT_BOOTS + 3))
    for stored in ("not json", "[1, 2]", '{"boot-1": {"wall": "x"}}', '{"boot-1": 3}'):
        clock = host.clock()
        clock.resume(stored)
        assert clock.trusted() == at(host.wall)
        assert list(json.loads(clock.kept_in(stored))) == ["boot-1"]
