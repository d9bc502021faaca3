"""Which language the bot speaks to whom.

What only one member reads (ephemeral replies, DMs) is in their Discord client's
language: the interaction's locale, or for a DM sent outside an interaction (reminders,
promotions) the locale last seen from them (the server's language when none is
recorded). What everyone reads (public replies, channel posts, announcements) is in the
server's language: the one `/manage language` chose, else the server's preferred locale
when the bot speaks it, else English.

Members' locales are recorded off the reply path: an interaction only updates a dict
(and queues a write when the locale differs from the one last seen), and a background
task writes the changes in one transaction every few seconds, so a join costs no
database trip more. A DM reads what is recorded: another process (shard) may have seen
the member since, in another language.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import Language, language
from bot.logs import RetryLog
from bot.models import LocalePrune, SeenLocale
from bot.tasks import stop_task
from bot.tree import answered_privately, member_language

if TYPE_CHECKING:
    # The store's type through the bot that holds it: adapters import no storage module.
    from bot.app import EventBot, Interaction, Store

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 5.0  # seconds between writes of the locales seen meanwhile
# Members whose last locale this process remembers; past it, it starts afresh (each one's
# next interaction writes their locale again), so a large server cannot grow it forever.
REMEMBERED_MEMBERS = 200_000
# Seconds after which a member seen again in the same locale is written again: another
# process may have recorded another locale since (the write changes nothing otherwise).
REWRITE_AFTER = 60.0
# Seconds after which the record of a member seen again in the same locale is refreshed
# (its `seen_at`), so that a member who uses the bot never looks a retention period old.
REFRESH_AFTER = 86400.0
PRUNE_PAUSE = 0.005  # seconds between the steps of forgetting languages


class MemberLocales:
    """Members' client locales, as their interactions show them, written in batches."""

    def __init__(self, store: Store, interval: float = FLUSH_INTERVAL,
                 remembered: int = REMEMBERED_MEMBERS,
                 clock: Callable[[], float] = time.time,
                 retention: float | None = None) -> None:
        self.store = store
        self.interval = interval
        self.remembered = remembered
        # The languages of members with no RSVP are forgotten a retention period
        # (`retention` seconds) after their record's `seen_at` (`forget_member_locales`),
        # in steps that rely on this: a member seen at any moment has, within a retention
        # period before it, a sight written or being written. A sight is queued at most
        # `rewrite_after` after the last one queued, and the record refreshed when at
        # least `refresh_after` older: both together must not exceed the retention period.
        half = retention / 2 if retention is not None else None
        self.rewrite_after = REWRITE_AFTER if half is None else min(REWRITE_AFTER, half)
        self.refresh_after = REFRESH_AFTER if half is None else min(REFRESH_AFTER, half)
        self.clock = clock  # seconds since the epoch; tests move it
        # user id -> the locale last seen by this process, when, and when it was last
        # queued to be written (`clock`)
        self._last: dict[int, tuple[str, float, float]] = {}
        self._pending: dict[int, SeenLocale] = {}  # seen but not yet written
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        # A known state of the database (busy, away, its disk full) said once, not per batch.
        self._failures = RetryLog(log)

    def seen_payload(self, data: Any) -> None:
        """Note the locale of a raw INTERACTION_CREATE (called for every interaction)."""
        try:
            locale = data.get("locale")
            user = (data.get("member") or {}).get("user") or data.get("user") or {}
            user_id = int(user["id"])
        except (AttributeError, KeyError, TypeError, ValueError):
            return
        if isinstance(locale, str) and _LOCALE.fullmatch(locale):
            self.seen(user_id, locale)

    def last_seen(self, user_id: int) -> str | None:
        """The locale this process last saw the member's client send, if it remembers one."""
        last = self._last.get(user_id)
        return last[0] if last is not None else None

    def locale_guess(self, client: discord.Client) -> Callable[[Any], str | None]:
        """For an INTERACTION_CREATE without `locale` (Discord documents it as optional):
        the locale to answer the member in, rather than discord.py's en-US. The one their
        client sent last, else the server's (the payload's `guild_locale`, else the
        gateway's guild); None in a DM from a member not seen before."""
        def guess(data: Any) -> str | None:
            try:
                user = (data.get("member") or {}).get("user") or data.get("user") or {}
                if (seen := self.last_seen(int(user["id"]))) is not None:
                    return seen
                if isinstance(data.get("guild_locale"), str):
                    return str(data["guild_locale"])
                guild = client.get_guild(int(data["guild_id"]))
            except (AttributeError, KeyError, TypeError, ValueError):
                return None
            return str(guild.preferred_locale) if guild is not None else None
        return guess

    def seen(self, user_id: int, locale: str) -> None:
        last, now = self._last.get(user_id), self.clock()
        if last is None or last[0] != locale or now - last[2] >= self.rewrite_after:
            if last is None and len(self._last) >= self.remembered:
                self._last.clear()
            self._pending[user_id] = SeenLocale(locale, datetime.fromtimestamp(now, UTC))
            self._wake.set()
            self._last[user_id] = (locale, now, now)
        else:
            self._last[user_id] = (locale, now, last[2])

    def forget_written(self) -> None:
        """The database may have forgotten members this process wrote: each is written
        again when next seen (what is not written yet stays pending)."""
        self._last.clear()

    async def locale_of(self, user_id: int) -> str | None:
        """The member's client locale as last seen, by this process or any other: what is
        recorded, unless this process has seen them since."""
        recorded = (await self.store.run(self.store.settings.member_locales,
                                         [user_id])).get(user_id)
        last = self._last.get(user_id)
        # Recorded to the second: within the second of the record, the record is newer.
        if recorded is None or (last is not None
                                and int(last[1]) > recorded.seen_at.timestamp()):
            if last is not None and recorded is not None and last[0] != recorded.locale:
                # seen here since another process recorded theirs: the record catches up
                self._pending[user_id] = SeenLocale(last[0], datetime.fromtimestamp(last[1], UTC))
                self._wake.set()
            return last[0] if last is not None else None
        if last is not None and last[0] != recorded.locale:
            # Seen here before the record: this process's next sight of that locale is a
            # change, and what it has not written yet, if older than the record, is void.
            self._last[user_id] = (recorded.locale, recorded.seen_at.timestamp(), last[2])
            pending = self._pending.get(user_id)
            if pending is not None and pending.seen_at < recorded.seen_at:
                del self._pending[user_id]
        return recorded.locale

    def start(self) -> None:
        if self._writer is None:
            self._writer = asyncio.create_task(self._run(), name="member-locales")

    async def stop(self) -> None:
        """Stop the writer and write what is still pending."""
        if self._writer is not None:
            await stop_task(self._writer)
            self._writer = None
        await self.flush()

    async def flush(self) -> None:
        pending, self._pending = self._pending, {}
        if not pending:
            return
        try:
            await self.store.run(self.store.settings.record_member_locales, pending,
                                 self.refresh_after)
            self._failures.succeeded()
        except asyncio.CancelledError:
            # Stopped mid-write (the write may have been rolled back): `stop` writes them,
            # with what was seen meanwhile winning.
            self._pending = {**pending, **self._pending}
            raise
        except Exception as exc:
            # Not worth retrying: the next interaction of each member records it again.
            for user_id in pending:
                self._last.pop(user_id, None)
            self._failures.failed(exc, "could not record the client languages of %d "
                                  "member(s)", len(pending))

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()
            await asyncio.sleep(self.interval)  # what arrives meanwhile goes in one batch


async def forget_member_locales(store: Store, before: datetime, now: datetime) -> int:
    """Forget the client languages recorded before `before` of members who hold no RSVP
    of an event not over at `now` and whom no waiting notice names
    (`settings.forget_member_locales`), one short step per call so that other work on the
    database interleaves; returns how many."""
    prune = LocalePrune(before, now)  # all a look keeps between its steps
    while not prune.done:
        wrote = prune.step == "forget"
        prune = await store.run(store.settings.forget_member_locales, prune)
        if wrote:
            # SQLite: another process waiting for the write lock retries 1 ms, then
            # 2 ms, then 5 ms... later; without a pause it may find every retry taken
            # by the next batch, and wait far longer than any batch holds the lock.
            await asyncio.sleep(PRUNE_PAUSE)
    return prune.forgotten


class ServerLanguages:
    """Each server's language for its public posts, read once per process and kept."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._chosen: dict[int, str | None] = {}
        # Each server's language in Discord as last seen (`seen`), read once per process
        self._seen: dict[int, str | None] = {}

    async def chosen(self, guild_id: int) -> str | None:
        if guild_id not in self._chosen:
            self._chosen[guild_id] = await self.store.run(self.store.settings.language, guild_id)
        return self._chosen[guild_id]

    def forget(self, guild_id: int) -> None:
        """Read the server's choice again when next needed (the bot left it: its settings
        may be deleted before it comes back)."""
        self._chosen.pop(guild_id, None)
        self._seen.pop(guild_id, None)

    async def seen(self, guild_id: int, locale: str) -> Language | None:
        """The server's language in Discord (its preferred locale) as the gateway shows it
        now, at each GUILD_CREATE and GUILD_UPDATE. Returns the language the bot's posts
        there were in until now when they should change with it: the server's Discord
        language changed since the bot last saw it, while it was connected or away (nothing
        replays a GUILD_UPDATE to a new session or a restarted bot), no `/manage language`
        choice stands over it, and the bot speaks the two differently. None otherwise, or
        the first time the server is seen."""
        if guild_id not in self._seen:
            recorded = await self.store.run(self.store.settings.discord_locale, guild_id)
            self._seen.setdefault(guild_id, recorded)  # (a call meanwhile saw it first)
        before = self._seen[guild_id]
        if before == locale:
            return None
        self._seen[guild_id] = locale  # before any await: one call takes each change
        await self.store.run(self.store.settings.set_discord_locale, guild_id, locale)
        if before is None or await self.chosen(guild_id):
            return None
        shown = language(before)
        return shown if shown.code != language(locale).code else None

    async def choose(self, guild_id: int, code: str | None) -> None:
        await self.store.run(self.store.settings.set_language, guild_id, code)
        self._chosen[guild_id] = code

    async def language(self, guild_id: int | None, preferred: object = None) -> Language:
        """The server's language: the chosen one, else its preferred locale (when shipped;
        `language` falls back to English)."""
        chosen = await self.chosen(guild_id) if guild_id is not None else None
        return language(chosen or preferred)

    async def for_guild(self, guild_id: int, client: discord.Client) -> Language:
        """For a post made outside an interaction: the guild's preferred locale from the
        gateway's guild, when this process has it. Else (a server of another process's
        shard, whose reminders this one may send) the choice and the Discord locale as
        the database holds them, read now: the server's own process may change either
        at any time, and this one's gateway shows it neither."""
        guild = client.get_guild(guild_id)
        if guild is not None:
            return await self.language(guild_id, guild.preferred_locale)
        chosen = await self.store.run(self.store.settings.language, guild_id)
        return language(chosen or await self.store.run(self.store.settings.discord_locale,
                                                        guild_id))


# A locale as Discord writes them ("da", "zh-CN", "es-419"): what a modified client sends
# instead (a NUL, which PostgreSQL's text refuses, would fail its whole batch's write) is
# not recorded.
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")


def guild_locale(interaction: discord.Interaction) -> discord.Locale | None:
    """The server's preferred locale: the interaction's `guild_locale`, which Discord
    documents as optional, else the gateway's guild (None outside a server)."""
    if interaction.guild_locale is not None or interaction.guild_id is None:
        return interaction.guild_locale
    guild = interaction.client.get_guild(interaction.guild_id)
    return guild.preferred_locale if guild is not None else None


async def server_language(interaction: Interaction) -> Language:
    """The language of what the whole server reads."""
    return await interaction.client.languages.language(interaction.guild_id,
                                                       guild_locale(interaction))


async def public_reply_language(interaction: Interaction) -> Language:
    """For a command's public reply: the server's language; once the reply is the member's
    alone (`answered_privately`), theirs, as for any reply only they read."""
    if answered_privately(interaction):
        return member_language(interaction)
    return await server_language(interaction)


async def dm_language(client: EventBot, user_id: int, guild_id: int) -> Language:
    """For a DM sent outside an interaction about an event of server `guild_id`: the
    member's client language as last seen; where none is recorded (a member who joined
    before the bot recorded languages, or whose record was lost), the server's, the best
    guess of what they read, rather than English."""
    locale = await client.member_locales.locale_of(user_id)
    if locale is None:
        return await client.languages.for_guild(guild_id, client)
    return language(locale)
