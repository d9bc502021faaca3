"""Discord limiting the bot past discord.py's own waits: a 429 that reached it, which is
Cloudflare's ban of the bot's address after too many invalid requests (discord.py raises
it at once, having no Discord headers to wait by) or Discord's own 429s five times in a
row. Each call made into a ban lengthens it, and its 429 counts toward the same limit of
invalid requests: the bot's background work (notices, announcement refreshes) makes no
call until the 429's Retry-After has passed, and tries again after it. (Reminders and
role grants keep waits of their own, `cogs.reminders` and `bot.adapters.role_tries`.)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import discord

from bot.fetch import retry_after_seconds
from bot.logs import one_line

log = logging.getLogger(__name__)

# Seconds to wait after a 429 that gives no Retry-After: Discord's rate-limit windows are
# seconds to a minute.
LIMITED_WAIT = 60.0


def retry_after(refused: discord.HTTPException) -> int | None:
    """The seconds Discord's answer (a 429) says to wait (`retry_after_seconds`); None when
    it says nothing readable."""
    return retry_after_seconds(refused.response.headers.get("Retry-After", ""))


class DiscordLimit:
    """Until when the background work makes no call to Discord (`holds`), as the last 429
    that reached the bot said (`note`)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until = 0.0  # by `clock`

    def holds(self) -> bool:
        """Whether a 429's Retry-After is still running."""
        return self._clock() < self._until

    def note(self, refused: discord.HTTPException, what: str) -> None:
        """A 429 reached the bot (`refused`; any other status is not noted) while it made
        `what` ("a notice", ...): no background call until its Retry-After has passed (a
        minute when it gives none); the log says so once it begins."""
        if refused.status != 429:
            return
        wait = retry_after(refused)
        now = self._clock()
        until = now + (LIMITED_WAIT if wait is None else wait)
        if until <= self._until:
            return
        if now >= self._until:
            log.warning("Discord rate-limited %s past discord.py's own waits (Retry-After %s:"
                        " %s); notices and announcement refreshes wait %.0f s", what,
                        "none" if wait is None else f"{wait} s",
                        one_line(refused.text or "no message", 200), until - now)
        self._until = until
