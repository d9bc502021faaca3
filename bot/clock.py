"""The wall clock, watched against the steady one, for decisions that cannot be undone.

The host's wall clock can step: NTP setting right a clock that ran wrong, a virtual
machine resumed hours later, an operator fixing the date. Most of what the bot does by
the wall clock follows it either way (a reminder is due at a moment on it). Deleting
something because the clock says it is old enough does not: a clock stepped days ahead,
and set right minutes later, would have deleted for good what was not due. So such a
decision reads `WallClock.trusted`: the wall clock while it keeps pace with the steady
clock (the boot-time clock, which counts a sleep of the machine, where the monotonic one
stands still), and, after a step forward, the time the steady clock says has passed
since the last sound look, until the wall clock has kept the step for `CONFIRM_AFTER`.
A step back is taken at once: by an earlier clock, less is due, and nothing waits
longer than the step itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

# Seconds the wall clock may gain on the steady one between two looks before it counts as
# a step (NTP slews a clock by 0.5 ms a second at most: 1.8 s an hour).
STEP_TOLERANCE = 60.0
# Seconds a step forward is kept before it is trusted: long enough for NTP or an operator
# to set right a clock that jumped wrongly, short beside any retention period.
CONFIRM_AFTER = 6 * 3600.0
_BOOTTIME = getattr(time, "CLOCK_BOOTTIME", None)


def _steady() -> float:
    """Seconds on a clock the wall clock's steps do not move: the boot-time clock where
    there is one (seconds since the machine booted, its sleeps included), else the
    monotonic one."""
    return time.monotonic() if _BOOTTIME is None else time.clock_gettime(_BOOTTIME)


class WallClock:
    def __init__(self, wall: Callable[[], float] = time.time,
                 steady: Callable[[], float] = _steady,
                 confirm_after: float = CONFIRM_AFTER,
                 settling: float = 0.0) -> None:
        self._wall, self._steady, self.confirm_after = wall, steady, confirm_after
        # Seconds after the machine booted in which a step forward is its clock being set,
        # trusted at once: a host without a battery-backed clock (a Raspberry Pi) starts
        # from the time it last saved, and NTP sets it right minutes later, the bot running
        # (`CLOCK_BOOT_SETTLING`; only where the steady clock counts from the boot).
        self._settling = settling if _BOOTTIME is not None else 0.0
        self._sound = (wall(), steady())  # the last look that found the clock in pace
        self._ahead_since: float | None = None  # steady time a step forward was first seen

    def trusted(self) -> datetime:
        """Now, for a decision that cannot be undone (see the module). The SQLite store's
        thread asks too: a look is two reads and an assignment, so two at once at worst say
        a step twice."""
        wall, steady = self._wall(), self._steady()
        sound_wall, sound_steady = self._sound
        expected = sound_wall + (steady - sound_steady)
        # In pace, stepped back, or set as the machine boots: taken as it is
        if wall - expected <= STEP_TOLERANCE or steady < self._settling:
            if self._ahead_since is not None:
                log.info("the wall clock is back in pace with the time that passed")
            self._sound, self._ahead_since = (wall, steady), None
            return datetime.fromtimestamp(wall, UTC)
        if self._ahead_since is None:
            self._ahead_since = steady
            log.warning("the wall clock stepped %.0f s ahead of the time that passed; nothing"
                        " it makes due is deleted until it keeps that step for %.0f s",
                        wall - expected, self.confirm_after)
        elif steady - self._ahead_since >= self.confirm_after:
            log.info("the wall clock kept its step ahead for %.0f s; trusted from now",
                     steady - self._ahead_since)
            self._sound, self._ahead_since = (wall, steady), None
            return datetime.fromtimestamp(wall, UTC)
        return datetime.fromtimestamp(expected, UTC)

    def untrusted_for(self) -> float | None:
        """Seconds until a step forward now not trusted will be (None: none is waiting)."""
        if self._ahead_since is None:
            return None
        return max(self._ahead_since + self.confirm_after - self._steady(), 0.0)


def wall_clock_for(settings: Settings) -> WallClock:
    """The wall clock of a bot process: one for its store (opened with `trusted=` its
    `trusted`) and the bot, so that both judge a step alike."""
    return WallClock(settling=settings.clock_boot_settling)
