"""The database's record of who still owes an attendee role back, written as it changes.

`bot.adapters.attendee_roles` takes roles back member by member; each change to who owes
one back is recorded here, in order, by one writer half a second behind, so that a
start goes on taking them back. Kept apart because it is the one part of the roles that
writes to the database on its own schedule: the gathering of changes, their merging
into fewer statements, the retries after a failure and the wait at a stop.
"""

from __future__ import annotations

import asyncio
import itertools
import logging

from bot.app import EventBot
from bot.models import OwedChange

log = logging.getLogger(__name__)

# Seconds a stop waits for the database (the reminders claimed given back, the roles
# recorded): past the SQLite busy timeout (10 s), by which a call that has begun has
# failed or finished.
GIVE_BACK_WAIT = 15.0
SAVE_RETRY = 5.0  # seconds before recording the roles owed back again, after a failure
# Seconds the changes to the roles owed back gather before they are written, together:
# members are taken back one call at a time, and each must not cost a transaction.
SAVE_DELAY = 0.5


class OwedRolesRecord:
    """Changes to who owes a role back, on their way to the database: `record` each,
    `flush` at a stop."""

    def __init__(self, bot: EventBot) -> None:
        self.bot = bot
        # Changes to the roles owed not yet in the database, in order, and the task
        # recording them: what the next start reads back to go on taking the roles back.
        self._owed_changes: list[OwedChange] = []
        self._saver: asyncio.Task[None] | None = None

    def record(self, change: OwedChange) -> None:
        """Record a change to who owes a role back in the database, after those before it
        (`_save_owed`)."""
        self._owed_changes.append(change)
        if self._saver is None or self._saver.done():
            self._saver = asyncio.create_task(self._save_owed(), name="roles-owed-recorded")

    async def _save_owed(self) -> None:
        store = self.bot.store
        while self._owed_changes:
            await asyncio.sleep(SAVE_DELAY)
            changes, self._owed_changes = self._owed_changes, []
            try:
                await store.run(store.reminders.change_owed_roles, coalesced(changes))
            except Exception:
                log.exception("could not record the attendee roles owed back; trying again "
                              "in %g s", SAVE_RETRY)
                self._owed_changes[:0] = changes
                await asyncio.sleep(SAVE_RETRY)

    async def flush(self) -> None:
        """At a stop: let the changes to the roles owed back reach the database."""
        saver = self._saver
        if saver is None or saver.done():
            return
        try:
            async with asyncio.timeout(GIVE_BACK_WAIT):
                await asyncio.shield(saver)
        except TimeoutError:
            saver.cancel()
            log.warning("gave up after %g s waiting to record the attendee roles owed back "
                        "(the database is held elsewhere); the latest changes may be lost",
                        GIVE_BACK_WAIT)


def coalesced(changes: list[OwedChange]) -> list[OwedChange]:
    """`changes` with each run of the same change to the same event's role made one (the
    members taken back one by one, say): the same result, in fewer statements."""
    merged = []
    for _, run in itertools.groupby(
            changes, key=lambda c: (c.owed, c.event_id, c.role_id, c.user_ids is None)):
        alike = list(run)
        if alike[0].user_ids is None:  # every member: once says all that a run says
            merged.append(alike[0])
        else:
            merged.append(alike[0]._replace(
                user_ids=tuple(user for change in alike for user in change.user_ids or ())))
    return merged
