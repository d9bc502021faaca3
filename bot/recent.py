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
