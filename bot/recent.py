"""Keys remembered for a while: what matters only within a time window (a notice given
lately, a role deleted lately) and would otherwise stay for as long as the bot runs, one
entry per key ever seen."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class Recent(Generic[K]):
    """The keys noted less than `keep` seconds ago (by `clock`, time.monotonic by
    default). Each `note` forgets those older than that, so the keys kept are at most
    those noted within one window; between notes nothing is added."""

    __slots__ = ("_clock", "_noted", "keep")

    def __init__(self, keep: float, clock: Callable[[], float] = time.monotonic) -> None:
        if not keep > 0:
            raise ValueError(f"a window of {keep} s keeps nothing")
        self.keep = keep
        self._clock = clock
        self._noted: dict[K, float] = {}  # key -> when noted, the oldest first

    def note(self, key: K) -> None:
        now = self._clock()
        noted = self._noted
        noted.pop(key, None)  # to the end: their order stays that of their times
        noted[key] = now
        while True:  # the oldest first: a step per key forgotten, then one more
            old = next(iter(noted))
            if now - noted[old] < self.keep:
                return
            del noted[old]

    def __contains__(self, key: object) -> bool:
        when = self._noted.get(key)  # type: ignore[arg-type]
        return when is not None and self._clock() - when < self.keep

    def discard(self, key: K) -> None:
        self._noted.pop(key, None)

    def __len__(self) -> int:
        return len(self._noted)


class Allowance(Generic[K]):
    """At most `most` uses a key in a window of `window` seconds (by `clock`), the window
    beginning at the key's first use after its last one ended. Each `take` forgets the
    keys whose window has ended, so those kept are at most the keys used within one
    window."""

    __slots__ = ("_clock", "_used", "most", "window")

    def __init__(self, most: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if most < 1 or not window > 0:
            raise ValueError(f"{most} uses in {window} s allow nothing")
        self.most, self.window = most, window
        self._clock = clock
        self._used: dict[K, tuple[float, int]] = {}  # key -> (its window's start, uses)

    def take(self, key: K) -> bool:
        """Use the key once: whether it still had a use left in its window."""
        now = self._clock()
        used = self._used
        began, count = used.get(key, (now, 0))
        if now - began >= self.window:
            began, count = now, 0
        if count == 0:
            used.pop(key, None)  # to the end: their order stays that of their windows
        while used:  # the windows begun first end first
            old = next(iter(used))
            if now - used[old][0] < self.window:
                break
            del used[old]
        if count >= self.most:
            return False
        used[key] = (began, count + 1)
        return True

    def __len__(self) -> int:
        return len(self._used)
