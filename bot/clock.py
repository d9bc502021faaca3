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

A process started during such a step (a deploy, a crash, an operator restarting the bot
because its clock looks wrong) would otherwise take its first look as sound: it resumes
from the look an earlier process on the same boot of the machine kept in the database
(`kept_in`, `resume`), whose steady clock it shares, and so knows the step for what it is.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
# How fast NTP may slew a clock (`STEP_TOLERANCE`): what a clock in pace may have gained
# since a look kept long ago.
MAX_SLEW = 0.0005
# Seconds of the steady clock within which a look kept by an earlier process is resumed
# from: past them, a slew could account for more than STEP_TOLERANCE.
KEPT_FOR = STEP_TOLERANCE / MAX_SLEW
# The boots whose looks the database keeps (`kept_in`): the latest, by their looks' times.
KEPT_BOOTS = 8
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def _boot_id() -> str | None:
    """What names this boot of the machine (Linux's boot id), which its steady clock counts
    from; None where there is none to read."""
    try:
        return _BOOT_ID.read_text().strip() or None
    except OSError:
        return None


def _steady() -> float:
    """Seconds on a clock the wall clock's steps do not move: the boot-time clock where
    there is one (seconds since the machine booted, its sleeps included), else the
    monotonic one."""
    return time.monotonic() if _BOOTTIME is None else time.clock_gettime(_BOOTTIME)


class WallClock:
    def __init__(self, wall: Callable[[], float] = time.time,
                 steady: Callable[[], float] = _steady,
                 confirm_after: float = CONFIRM_AFTER,
                 settling: float = 0.0,
                 boot: Callable[[], str | None] = _boot_id) -> None:
        self._wall, self._steady, self.confirm_after = wall, steady, confirm_after
        self._boot = boot()  # the boot the steady clock counts from (None: unknown)
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

    def kept_in(self, stored: str | None) -> str | None:
        """What the database keeps for later processes (`resume`): the looks `stored` there
        with this boot's replaced by a look taken now (the last sound one, and when a step
        ahead was first seen, if one waits), the latest KEPT_BOOTS boots' alone. None
        where the boot is unknown."""
        if self._boot is None:
            return None
        self.trusted()
        (wall, steady), since = self._sound, self._ahead_since
        looks = _looks(stored)
        looks[self._boot] = {"wall": wall, "steady": steady, "ahead_since": since}
        latest = sorted(looks.items(), key=lambda item: -item[1]["wall"])[:KEPT_BOOTS]
        return json.dumps(dict(latest), sort_keys=True)

    def resume(self, stored: str | None) -> None:
        """Start from the look an earlier process on this boot kept (`kept_in`), if the
        wall clock has stepped ahead of it by more than the time that passed: that step is
        then not trusted either until kept for `confirm_after` (counted from when the
        earlier process first saw it). A look from another boot, or kept more than
        KEPT_FOR ago, says nothing: the first look stands."""
        look = _looks(stored).get(self._boot) if self._boot is not None else None
        if look is None:
            return
        wall, steady = self._wall(), self._steady()
        passed = steady - look["steady"]
        if not 0 <= passed <= KEPT_FOR or steady < self._settling:
            return
        ahead = wall - (look["wall"] + passed)
        if ahead <= STEP_TOLERANCE + passed * MAX_SLEW:
            return
        since = look["ahead_since"]
        self._sound = (look["wall"], look["steady"])
        self._ahead_since = since if since is not None and look["steady"] <= since <= steady \
            else steady
        log.warning("the wall clock is %.0f s ahead of the time that passed since an earlier "
                    "process of this boot looked; nothing it makes due is deleted until it "
                    "keeps that step for %.0f s", ahead,
                    max(self._ahead_since + self.confirm_after - steady, 0.0))

    def untrusted_for(self) -> float | None:
        """Seconds until a step forward now not trusted will be (None: none is waiting)."""
        if self._ahead_since is None:
            return None
        return max(self._ahead_since + self.confirm_after - self._steady(), 0.0)


def _looks(stored: str | None) -> dict[str, dict[str, Any]]:
    """The looks kept by boot (`WallClock.kept_in`); what cannot be read is left out."""
    try:
        read = json.loads(stored) if stored else {}
    except ValueError:
        return {}
    looks: dict[str, dict[str, Any]] = {}
    for boot, look in read.items() if isinstance(read, dict) else ():
        try:
            since = look.get("ahead_since")
            looks[boot] = {"wall": float(look["wall"]), "steady": float(look["steady"]),
                           "ahead_since": None if since is None else float(since)}
        except (AttributeError, KeyError, TypeError, ValueError):
            continue
    return looks


def wall_clock_for(settings: Settings) -> WallClock:
    """The wall clock of a bot process: one for its store (opened with `trusted=` its
    `trusted`) and the bot, so that both judge a step alike."""
    return WallClock(settling=settings.clock_boot_settling)
