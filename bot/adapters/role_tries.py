"""When an attendee role Discord refused is tried again: the waits after refusals in a row.

A refusal counts against Discord's limit of invalid requests, so each role (to give for
an event, or to take back) waits before its next try, longer after each refusal in a
row. Kept apart from `bot.adapters.attendee_roles`, which decides which calls to make:
these are the waits alone, pure (no Discord, no database), and one rule for all of them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable
from typing import TypeVar

# A role Discord would not let the bot give, or take back when its event ended, is tried
# again after this long, doubled on each refusal in a row up to TAKE_BACK_MAX: a refusal
# counts against Discord's limit of invalid requests, and joins come many a second (the
# record of a take-back stays until every member is done).
TAKE_BACK_FIRST, TAKE_BACK_MAX = 10.0, 3600.0


# A role's tries: (time.monotonic() of its next try, the wait before it), by the event
# (its current role) or by (event, earlier role).
Key = TypeVar("Key", bound=Hashable)
Tries = dict[Key, tuple[float, float]]


def waiting(tries: Tries[Key], key: Key) -> bool:
    """Whether the role was refused lately and its wait is not over."""
    return tries.get(key, (0.0, 0.0))[0] > time.monotonic()


def refused_again(tries: Tries[Key], key: Key) -> float:
    """Note one more refusal in a row for the role; the seconds until its next try."""
    _, waited = tries.get(key, (0.0, TAKE_BACK_FIRST / 2))
    wait = min(max(waited * 2, TAKE_BACK_FIRST), TAKE_BACK_MAX)
    tries[key] = (time.monotonic() + wait, wait)
    return wait


def paused(tries: Tries[Key], key: Key, until: float = math.inf) -> None:
    """No try for the role until `try_now` (the bot is out of the server), or the
    `time.monotonic()` moment `until`; the refusal after that waits as after a first one."""
    tries[key] = (until, TAKE_BACK_FIRST / 2)


def try_now(tries: Tries[Key], key: Key) -> None:
    """The role's next try is now, and a refusal then counts as a first one."""
    tries[key] = (0.0, TAKE_BACK_FIRST / 2)
