"""Keys remembered for a while: what matters only within a time window (a notice given
lately, a role deleted lately) and would otherwise stay for as long as the bot runs, one
entry per key ever seen."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K]):
    """The keys noted less than `keep` seconds ago (by `clock`, time.monotonic by
    default). Each `note` forgets those older than that, so what is kept is at most the
    notes made within one window (a key noted again is queued again); between notes
    nothing is added."""

    __slots__ = ("_clock", "_noted", "_order", "keep")

    def __init__(self, keep: float, clock: Callable[[], float] = time.monotonic) -> None:
        if not keep > 0:
            raise ValueError(f"a window of {keep} s keeps nothing")
        self.keep = keep
        self._clock = clock
        self._noted: dict[K, float] = {}  # key -> when last noted
        self._order: deque[tuple[float, K]] = deque()  # (when, key) of each note, in order

    def note(self, key: K) -> None:
        now = self._clock()
        self._noted[key] = now
        self._order.append((now, key))
        _forget_before(self._order, self._noted, now - self.keep, lambda kept: kept)

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

    __slots__ = ("_clock", "_order", "_used", "most", "window")

    def __init__(self, most: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if most < 1 or not window > 0:
            raise ValueError(f"{most} uses in {window} s allow nothing")
        self.most, self.window = most, window
        self._clock = clock
        self._used: dict[K, tuple[float, int]] = {}  # key -> (its window's start, uses)
        self._order: deque[tuple[float, K]] = deque()  # (start, key) of each window, in order

    def take(self, key: K) -> bool:
        """Use the key once: whether it still had a use left in its window."""
        now = self._clock()
        used = self._used
        _forget_before(self._order, used, now - self.window, lambda kept: kept[0])
        began, count = used.get(key, (now, 0))
        if count == 0:
            self._order.append((now, key))
        elif count >= self.most:
            return False
        used[key] = (began, count + 1)
        return True

    def __len__(self) -> int:
        return len(self._used)


def _forget_before(order: deque[tuple[float, K]], kept: dict[K, V], moment: float,
                   when: Callable[[V], float]) -> None:
    """Drop from `kept` the keys whose time (`when` of what is kept) is `moment` or before,
    by `order`, their (time, key) in the order they were set. A queue, not the dict's own
    order: taking the oldest of a dict that loses keys at its front walks the slots they
    left, ever longer until it is resized (18 µs a use at 24,000 keys a minute)."""
    while order and order[0][0] <= moment:
        then, key = order.popleft()
        value = kept.get(key)
        if value is not None and when(value) == then:  # not set again since
            del kept[key]
