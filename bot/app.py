"""The Discord client: a `commands.Bot` given its settings and store (an
`AutoShardedBot` when SHARD_COUNT is set); cogs load in setup_hook."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import itertools
import json
import logging
import math
import os
import random
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.adapters.callback_answers import accept_bodiless_callback_answers
from bot.adapters.discord_limit import DiscordLimit
from bot.adapters.dm_channels import DmChannels
from bot.adapters.global_pace import pace_for, pace_session
from bot.adapters.languages import MemberLocales, ServerLanguages
from bot.adapters.missing_routes import (
    APPLICATION_INFO,
    COMMAND_SYNC,
    missing_said,
    route_missing,
    route_offered,
    say_missing,
)
from bot.adapters.my_timeout import TimeoutEnds
from bot.adapters.refused_discord_events import RefusedDiscordEvents
from bot.catalog import EventFolder, read_bundled, save_samples
from bot.clock import WallClock, wall_clock_for
from bot.command_words import CommandTranslator
from bot.config import DISCORD_API_BASE, ConfigError, Settings
from bot.descriptors import discord_connections, gateways_of, soft_limit
from bot.errors import NotAllowed, Unavailable
from bot.flows.events import KeptTitles
from bot.i18n import Text
from bot.locks import KeyedLocks
from bot.offload import off_loop
from bot.shards import Shards
from bot.signals import GuildLeft, GuildsPresent, RegistrationChanged, Signals
from bot.storage import Store
from bot.tasks import stop_task
from bot.tree import ANSWER_TASK, ClickHandler, EventTree, guard_interactions

log = logging.getLogger(__name__)
# The bot joins no voice channel: discord.py's warnings that voice's packages are missing
# would only put two alarming lines above every start and every `sync`.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False

EXTENSIONS = ("cogs.events", "cogs.rsvp", "cogs.manage", "cogs.announcements", "cogs.reminders",
              "cogs.retention")
SYNC_HASH_KEY = "commands_hash"
# The meta key of the wall clock's looks kept for later processes (`WallClock.kept_in`), and
# how often a running process keeps its own: a step ahead is known for one against any look
# kept before it, however old (within `clock.KEPT_FOR`).
CLOCK_KEY = "wall_clock"
CLOCK_KEPT_EVERY = 300.0
# Servers given the sample events in one database call at start: enough that they share
# a commit, few enough (about 50 ms here) that a command's database call waiting behind
# one batch still answers well within Discord's 3 s.
SET_UP_BATCH = 20
# What a failed attempt to reach Discord raises: no network, no DNS, refused, timed out, 5xx.
UNREACHABLE = (OSError, aiohttp.ClientError, asyncio.TimeoutError, discord.DiscordServerError)
# discord.py's names for the tasks that handle an interaction (commands, autocomplete,
# buttons), and the bot's own for clicks no view takes, so a shutdown can let those in
# flight finish.
INTERACTION_TASKS = ("CommandTree-invoker", "discord-ui-view-dispatch-",
                     "discord-ui-dynamic-item-", ANSWER_TASK)
STOP_AGAIN_AFTER = 0.5  # seconds after which a stop cancels the gateway's task again
FINISH_TIMEOUT = 3.0  # seconds interactions in flight get at shutdown: Discord's own deadline
# The commands' sync at READY (`_sync_at_ready`) is tried this many times in all while Discord
# fails it (5xx past discord.py's own retries, or no answer), waiting twice as long before
# each try (from 1 s, capped by RECONNECT_MAX_DELAY): a passing 502 does not leave the
# commands unsynced until the next start, and a Discord down for longer is not pressed.
SYNC_AT_READY_TRIES = 5
# Gateway close codes for a shard Discord will not accept: out of range, or too few shards.
# The gateway's close codes after which Discord documents not to reconnect, each said in
# one line (4004, a token reset in the portal while the bot runs: `TOKEN_REFUSED`).
GATEWAY_REFUSALS = {
    4010: "Discord refused SHARD_IDS/SHARD_COUNT as an invalid shard",
    4011: "Discord requires more shards: raise SHARD_COUNT (at most 2,500 servers a shard)",
    4012: "Discord refused the gateway version this discord.py speaks: update discord.py "
          "(pip install -U discord.py)",
    4013: "Discord refused the gateway intents the bot asked for as invalid: update "
          "discord.py (pip install -U discord.py)",
    4014: "Discord refused a privileged intent the bot asked for: switch it on in the Bot "
          "page of your application, in the developer portal",
}


# The gateway's close code for a token it does not take: one reset in the developer portal
# after the login, while the bot runs, shows at its next IDENTIFY.
AUTHENTICATION_FAILED = 4004
TOKEN_REFUSED = ("Discord refused DISCORD_TOKEN; copy the token again from the Bot page of "
                 "your application")


def point_at(settings: Settings) -> None:
    """Send REST and gateway traffic where the settings say: Discord by default, or a
    rate-limit proxy, gateway proxy or local test server."""
    discord.http.Route.BASE = settings.discord_api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
    accept_bodiless_callback_answers()


class EventBot(commands.Bot):
    def __init__(self, settings: Settings, store: Store, *,
                 wall_clock: WallClock | None = None, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # guild and channel state; no message content, no members
        super().__init__(command_prefix=commands.when_mentioned, intents=intents,
                         tree_cls=EventTree, help_command=None,
                         # A server's own install only: its data is the server's, which a
                         # member's own install of the app must not set up or change.
                         allowed_installs=app_commands.AppInstallationType(guild=True,
                                                                           user=False),
                         allowed_mentions=discord.AllowedMentions.none(), **options)
        # under Discord's global limit of requests by itself, not by its 429s
        self.pace = pace_for(settings)
        self.dm_channels = DmChannels(self)  # opened one at a time
        # A 429 that reached the bot (a ban of its address): background calls wait it out
        self.discord_limit = DiscordLimit()
        self.settings = settings
        self.store = store
        # Handlers of clicks and form submissions by custom-id prefix, for those no view of
        # this process takes (bot.adapters.held).
        self.clicks: dict[str, ClickHandler] = {}
        # Who speaks which language: members' client locales (for DMs), servers' choices.
        self.member_locales = MemberLocales(
            store, retention=settings.guild_retention_days * 86400)
        self.languages = ServerLanguages(store)
        # The `[event]` option's events of each server, kept between keystrokes.
        self.event_titles = KeptTitles(store)
        guard_interactions(self, self.clicks, self.member_locales.seen_payload,
                           self.member_locales.locale_guess(self))
        # What the cogs tell each other (registration changes, reminders, roles, leaving a
        # guild): plain callbacks, not dispatched events, since a join is the hot path and a
        # dispatch would start a task per listener for work that takes microseconds.
        self.signals = Signals()
        # The wall clock as far as it is trusted to delete what it says is old enough: the
        # store's too, when the caller gave it that one (`cmd_run`).
        self.wall_clock = wall_clock or wall_clock_for(settings)
        # A moderator's step on an event's Discord side (its announcement, its Discord
        # event), one at a time per event: two at once would both find none and post two.
        self.event_steps = KeyedLocks()
        # Discord events refused for want of Manage Events, made once a moderator gives it
        self.refused_discord_events = RefusedDiscordEvents(store)
        # The ends of the bot's timeouts, which Discord does not send
        self.timeout_ends = TimeoutEnds(self)
        self._seeded: set[int] = set()
        # Servers this process has recorded as in use (`ensure_events`) since it last found
        # them left (`left_guild`)
        self._in_use: set[int] = set()
        self._bundled: list[EventFolder] | None = None  # the sample events, parsed once
        self._to_set_up: dict[int, None] = {}  # guild ids, in arrival order
        self._set_up_wake = asyncio.Event()
        self._set_up_task: asyncio.Task[None] | None = None
        # The server did not answer the application's information at login: its id comes
        # with READY, and the commands are synced then, once (`_sync_at_ready`)
        self.application_unknown = False
        self._sync_at_ready_task: asyncio.Task[None] | None = None
        self._clock_task: asyncio.Task[None] | None = None  # `_keep_clock`
        self._closing = False

    @property
    def own_shards(self) -> Shards | None:
        """The shards this process runs, when it runs only some of them (else None: it has
        every guild)."""
        count, ids = self.settings.shard_count, self.settings.shard_ids
        return None if count is None or ids is None else Shards(count, ids)

    def runs_guild(self, guild_id: int) -> bool:
        """Whether this process runs the shard of `guild_id`: background work for a guild
        (notices, role expiry, announcement refreshes) is done by that process alone."""
        return self.own_shards is None or self.own_shards.runs(guild_id)

    def registration_changed(self, guild_id: int, event_id: int) -> None:
        """Emit `RegistrationChanged`; the flows take this as their change callback."""
        self.signals.emit(RegistrationChanged(guild_id, event_id))

    async def application_info(self) -> discord.AppInfo:
        """The application, as discord.py asks at every login. A server that does not offer
        the route (404, no error code) is said once; the application's id is then left to
        READY, which names it (`setup_hook`, `on_ready`)."""
        try:
            info = await super().application_info()
        except discord.NotFound as exc:
            if not route_missing(exc) or self.user is None:
                raise
            say_missing(log, APPLICATION_INFO,
                        "its id is taken from the gateway's READY", exc)
            self.application_unknown = True
            return own_application(self._connection, self.user)
        self.application_unknown = False  # (a login tried again may find the route)
        route_offered(APPLICATION_INFO)
        return info

    async def setup_hook(self) -> None:
        pace_session(self.http, self.pace)  # (the session is made at each login)
        if self._clock_task is None:  # before anything goes by the clock (the cogs' tasks)
            await self._resume_clock()
            self._clock_task = asyncio.create_task(self._keep_clock(), name="clock-keeper")
        if self._set_up_task is None:  # setup_hook runs again when a login is retried
            self._set_up_task = asyncio.create_task(self._set_up_queued_guilds(),
                                                    name="guild-set-up")
        self.member_locales.start()
        await self.load_commands()
        if self.application_unknown:
            # Not the bot user's id, which discord.py's login took for it: an application
            # made before 2016 has another. READY says which, and the commands sync then.
            self._connection.application_id = None
        else:
            await self.sync_if_changed()
        # What start-up built (modules, catalogs, commands, the sample pages) lives as long
        # as the process: set it aside, so the collector's full passes, which otherwise
        # walk all of it every few thousand interactions, only walk what came after.
        gc.collect()
        gc.freeze()

    async def _resume_clock(self) -> None:
        """Started while the wall clock is stepped ahead of the time that passed since an
        earlier process of this machine's boot looked at it: that step is not trusted here
        either (`WallClock.resume`)."""
        try:
            self.wall_clock.resume(await self.store.run(self.store.settings.get_meta,
                                                        CLOCK_KEY))
        except Exception:  # the first look stands, as without a kept one
            log.exception("could not read the wall clock's look kept by an earlier process")

    async def _keep_clock(self) -> None:
        """Keep the wall clock's last sound look in the database every CLOCK_KEPT_EVERY
        seconds, for the processes started after this one (`_resume_clock`)."""
        store = self.store
        while True:
            try:
                kept = self.wall_clock.kept_in(await store.run(store.settings.get_meta,
                                                               CLOCK_KEY))
                if kept is None:  # a machine without a boot id: nothing to resume from
                    return
                await store.run(store.settings.set_meta, CLOCK_KEY, kept)
            except Exception as exc:
                log.warning("could not keep the wall clock's look in the database (%s); "
                            "trying again in %.0f s", exc, CLOCK_KEPT_EVERY)
            await asyncio.sleep(CLOCK_KEPT_EVERY)

    async def load_commands(self) -> None:
        """The cogs, and the translator that gives their commands each shipped language's
        names and descriptions when the tree is synced."""
        await self.tree.set_translator(CommandTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)

    async def sync_if_changed(self) -> None:
        """Sync the command tree only when its payload changed since the last sync:
        Discord rate-limits syncs, and a start needs none when nothing changed."""
        guild = discord.Object(self.settings.sync_guild_id) if self.settings.sync_guild_id else None
        digest = await command_hash(self.tree)
        key = f"{SYNC_HASH_KEY}:{guild.id if guild else 'global'}"
        if await self.store.run(self.store.settings.get_meta, key) == digest:
            log.info("slash commands unchanged since the last sync; not syncing")
            return
        try:
            await sync_tree(self.tree, guild)
        except (discord.Forbidden, discord.NotFound) as exc:
            if route_missing(exc):
                # The commands synced before stay, and answer; the next start tries again.
                say_missing(log, COMMAND_SYNC, "those synced before stay as they "
                            "were", exc)
                return
            if guild is None:
                raise
            # A setting to fix, as `python -m bot sync --guild` says it: one line, exit 2.
            refused = Text(REFUSED_GUILD, guild_id=guild.id, reason=exc.text or exc.status)
            raise ConfigError(f"SYNC_GUILD_ID: {refused}") from None
        route_offered(COMMAND_SYNC)
        await self.store.run(self.store.settings.set_meta, key, digest)

    async def ensure_events(self, guild_id: int) -> None:
        """At a server's first command or RSVP button in this process (or since the bot
        left it): it is in use, so not to be deleted as left, and given the bundled sample
        events if it has none."""
        if guild_id not in self._in_use:
            # Noted before the write, not after: a mark as left made meanwhile (the
            # retention task's look) is then forgotten here too (`left_guild`), and the
            # next use clears it, instead of standing while members use the server.
            self._in_use.add(guild_id)
            try:
                # Kept, and not left, whether or not the bot's user is in it (a server that
                # removed the user keeps the commands and buttons): recorded even after its
                # data was deleted, so that the retention task, finding the user gone, marks
                # it again and what this use gives it goes once unused.
                await self.store.run(self.store.settings.guilds_present, [guild_id])
            except BaseException:
                self._in_use.discard(guild_id)
                raise
        if guild_id not in self._seeded:
            await self._give_samples([guild_id])

    async def _give_samples(self, guild_ids: Sequence[int]) -> None:
        """The sample events for those of these servers that have none, in one database
        call (which checks for events in its transaction, so a server whose member asks
        while its batch is being saved is not given them twice)."""
        wanted = [guild_id for guild_id in guild_ids if guild_id not in self._seeded]
        if not wanted:
            return
        if self._bundled is None:
            self._bundled = await off_loop(read_bundled, self.settings.events_dir)
        given = await save_samples(self.store, wanted, self._bundled)
        self._seeded.update(wanted)
        if given:
            log.info("imported %d bundled event(s) into %d server(s)", len(self._bundled),
                     len(given))

    async def on_guild_available(self, guild: discord.Guild) -> None:
        self.set_up_later(guild.id)
        self.timeout_ends.seen(guild)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.set_up_later(guild.id)
        self.timeout_ends.seen(guild)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if self.user is not None and after.id == self.user.id:  # (its own, whatever intents)
            self.timeout_ends.seen(after.guild)

    def set_up_later(self, guild_id: int) -> None:
        """Queue a guild's set-up for the background task. Thousands of guilds arrive at
        start: doing each at once would queue all their database work ahead of the first
        member's command, so they are done SET_UP_BATCH at a time instead (one bounded
        database call each), and a guild whose member uses a command is set up then,
        ahead of the queue (`EventTree.interaction_check`)."""
        self._to_set_up[guild_id] = None
        self._set_up_wake.set()

    async def set_up_guilds(self, guild_ids: Sequence[int]) -> None:
        # A re-invite within the retention period finds everything as it was.
        await self.store.run(self.store.settings.guilds_present, guild_ids)
        self.signals.emit(GuildsPresent(tuple(guild_ids)))
        await self._give_samples(guild_ids)

    async def _set_up_queued_guilds(self) -> None:
        """SET_UP_BATCH guilds at a time, in arrival order: at most one batch's database
        call is ever ahead of a command's."""
        while True:
            await self._set_up_wake.wait()
            self._set_up_wake.clear()
            started, done = time.monotonic(), 0
            while self._to_set_up:
                batch = list(itertools.islice(self._to_set_up, SET_UP_BATCH))
                for guild_id in batch:
                    del self._to_set_up[guild_id]
                try:
                    await self.set_up_guilds(batch)
                    done += len(batch)
                except Exception:
                    log.exception("setting up %d server(s) failed; each is set up again when "
                                  "one of its members uses a command", len(batch))
            log.info("set up %d server(s) in %.1f s", done, time.monotonic() - started)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        # Nothing new starts once the bot closes. discord.py's own wait for READY's guilds
        # (2 s after the last) is not cancelled by its close: a stop soon after connecting
        # ended before it, which then dispatched `ready` to a client with no loop left.
        if not self._closing:
            super().dispatch(event_name, *args, **kwargs)

    async def close(self) -> None:
        self._closing = True
        for task in (self._set_up_task, self._sync_at_ready_task, self._clock_task):
            if task is not None and not task.done():
                await stop_task(task)
        await super().close()
        self.timeout_ends.stop()
        await self.member_locales.stop()  # the locales seen last are written too
        await self.refused_discord_events.stop()

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.left_guild(guild.id)

    async def left_guild(self, guild_id: int) -> None:
        """Removed from the server (kicked, or the server deleted): its data is kept for
        the retention period, then deleted (`cogs.retention`). Stamped by the wall clock as
        it is, not as trusted (`bot.clock`): during a step of it ahead that is the clock set
        right, the time that passed is behind the true time, and would start the retention
        early, deleting before its time; by the clock as it is, a wrong step only starts it
        late."""
        await self.store.run(self.store.settings.set_guild_left, guild_id, discord.utils.utcnow())
        self._seeded.discard(guild_id)  # after a purge, a re-invite gets the samples again
        self._in_use.discard(guild_id)  # its next use says again that it is in use
        self.languages.forget(guild_id)  # ... and the server's own language
        self.timeout_ends.forget(guild_id)
        log.info("left guild %s; its data is kept for %g days", guild_id,
                 self.settings.guild_retention_days)
        self.signals.emit(GuildLeft(guild_id))

    async def on_ready(self) -> None:
        log.info("connected as %s (%s) to %d server(s)", self.user, getattr(self.user, "id", "?"),
                 len(self.guilds))
        if self.application_unknown and self._sync_at_ready_task is None:
            # Once a process (a shard's READY again, or a resumed session, syncs nothing
            # more), in its own task: READY's handling and the ready file do not wait on it.
            self._sync_at_ready_task = asyncio.create_task(self._sync_at_ready(),
                                                           name="command-sync-at-ready")
        if self.settings.ready_file is not None:
            await asyncio.to_thread(tell_ready, self.settings.ready_file)

    async def _sync_at_ready(self) -> None:
        """`sync_if_changed`, for a bot whose application READY named: tried again with
        capped, jittered backoff while Discord fails it (SYNC_AT_READY_TRIES in all), and
        one warning line if it never takes it; a refusal is said at once, not tried again."""
        delay = min(1.0, self.settings.reconnect_max_delay)
        for tried in range(1, SYNC_AT_READY_TRIES + 1):
            try:
                await self.sync_if_changed()
                return
            except ConfigError as exc:  # SYNC_GUILD_ID refused: said, as a start says it
                log.error("%s", exc)
                return
            except UNREACHABLE as exc:  # (before HTTPException: a 5xx is one)
                reason = (f"HTTP {exc.status}: {exc.text or exc.status}"
                          if isinstance(exc, discord.HTTPException)
                          else " ".join(str(exc).split()) or type(exc).__name__)
                if tried == SYNC_AT_READY_TRIES:
                    log.warning("could not sync the slash commands: Discord failed %d tries "
                                "(%s); those synced before stay as they were until the next "
                                "start", tried, reason)
                    return
                wait = random.uniform(delay / 2, delay)
                log.info("syncing the slash commands failed (%s); trying again in %.1f s",
                         reason, wait)
                await asyncio.sleep(wait)
                delay = min(delay * 2, self.settings.reconnect_max_delay)
            except discord.HTTPException as exc:
                log.warning("could not sync the slash commands (HTTP %s: %s); those synced "
                            "before stay as they were", exc.status, exc.text or exc.status)
                return
            except Exception:
                log.exception("could not sync the slash commands; those synced before stay "
                              "as they were")
                return


class ShardedEventBot(EventBot, commands.AutoShardedBot):
    """The bot on the shards SHARD_COUNT and SHARD_IDS name (discord.py's AutoShardedBot:
    one gateway connection per shard, one process)."""

    def __init__(self, settings: Settings, store: Store, *,
                 wall_clock: WallClock | None = None) -> None:
        super().__init__(settings, store, wall_clock=wall_clock,
                         shard_count=settings.shard_count,
                         shard_ids=list(settings.shard_ids) if settings.shard_ids else None)
        forget_shard_guilds_at_ready(self._connection)


def forget_shard_guilds_at_ready(state: Any) -> None:
    """Make a shard's READY replace the shard's guilds in discord.py's cache, as the
    unsharded client's READY replaces all of them. A new session's READY lists the guilds
    as they are now, with no GUILD_DELETE for one that removed the bot meanwhile; the
    sharded client keeps what it had and only adds what READY lists, so such a guild stayed
    cached for good, and the bot took itself to be there (`Retention.note_guilds_gone`)
    while Discord refused it everything."""
    parse_ready = state.parsers["READY"]  # the gateway reads this same dict

    def parse(data: Any) -> None:
        shard_id = data["shard"][0]
        for guild in [g for g in state._guilds.values() if g.shard_id == shard_id]:
            state._remove_guild(guild)
        parse_ready(data)

    state.parsers["READY"] = parse


def own_application(state: Any, user: discord.ClientUser) -> discord.AppInfo:
    """The application as far as the bot user tells it: its id is the user's, the user its
    owner, nothing else known."""
    owner: Any = {"id": str(user.id), "username": user.name,
                  "discriminator": user.discriminator, "avatar": None, "global_name": None}
    return discord.AppInfo(state, {
        "id": str(user.id), "name": user.name, "description": "", "icon": None,
        "bot_public": False, "bot_require_code_grant": False, "owner": owner,
        "verify_key": "", "flags": 0, "summary": ""})


def out_of_server(bot: EventBot, guild_id: int) -> bool:
    """Whether the bot is out of the server (removed from it): ready, and Discord has not
    given it the guild. Discord refuses it everything there (403 Missing Access) until it is
    invited back, and each refusal counts against its limit of invalid requests."""
    return bot.is_ready() and bot.get_guild(guild_id) is None


def not_arrived(bot: EventBot, guild_id: int) -> bool:
    """Whether Discord has not given the bot the guild (yet, or again): still on its way
    at start, listed as unavailable (an outage, also at start), or the bot is out of it.
    discord.py then knows none of its channels, roles or language."""
    guild = bot.get_guild(guild_id)
    return guild is None or guild.unavailable


def make_bot(settings: Settings, store: Store, wall_clock: WallClock | None = None
             ) -> EventBot:
    """A sharded bot when SHARD_COUNT is set, else the plain one."""
    kind = ShardedEventBot if settings.shard_count is not None else EventBot
    return kind(settings, store, wall_clock=wall_clock)


# What every command and component receives: `interaction.client` is this bot, typed.
Interaction = discord.Interaction[EventBot]


def tell_ready(path: Path) -> None:
    """Tell whoever supervises the process that the bot is ready (READY_FILE): from now on
    it answers commands and sends notices and DMs, until the file is removed at its stop.
    Written beside it and renamed into place, so a supervisor that sees the file never
    reads it half-written. A failure is logged, not fatal."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(f"{os.getpid()}\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        log.warning("cannot write READY_FILE %s (%s)", path, exc.strerror)


def forget_ready(path: Path) -> None:
    """Remove READY_FILE: at the start, one left by the last run (which a supervisor would
    take for this process being ready), and at the stop. A failure is logged, not fatal."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot remove READY_FILE %s (%s)", path, exc.strerror)


async def command_hash(tree: app_commands.CommandTree) -> str:
    """A digest of the command definitions as they would be sent to Discord, their
    localisations included (a changed translation is synced)."""
    translator = tree.translator
    payload = [await command.get_translated_payload(tree, translator) if translator
               else command.to_dict(tree) for command in tree.get_commands()]
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


# Discord's 403 (Missing Access) or 404 for a server's commands, at a sync or a start.
REFUSED_GUILD = ("Discord refused the commands for server {guild_id} ({reason}): the bot is not "
                 "in that server, or was invited without the applications.commands scope")


async def sync_tree(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> int:
    if guild is not None:
        tree.copy_global_to(guild=guild)
    synced = await tree.sync(guild=guild)
    log.info("synced %d slash commands to %s", len(synced), f"guild {guild.id}" if guild
             else "all servers")
    return len(synced)


# The signals that stop the bot cleanly: a supervisor's SIGTERM, Ctrl-C, and the terminal it
# was started from closing (SIGHUP, an SSH session ending), which otherwise killed it on
# the spot. Windows has no SIGHUP.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP")
                     if hasattr(signal, name))


def stop_signals() -> tuple[signal.Signals, ...]:
    """STOP_SIGNALS, but for SIGHUP when the bot was started to ignore it (`nohup python
    -m bot run &`, a supervisor that ignores it for its children): then the terminal
    closing must leave the bot running, as it always did."""
    hangup = getattr(signal, "SIGHUP", None)
    ignored = hangup is not None and signal.getsignal(hangup) is signal.SIG_IGN
    return tuple(s for s in STOP_SIGNALS if not (ignored and s == hangup))


async def run_bot(settings: Settings, store: Store, until: asyncio.Event | None = None,
                  wall_clock: WallClock | None = None) -> None:
    """Run until a stop signal (STOP_SIGNALS), or `until` is set (the claim on the token
    taken by another process), then stop cleanly: take no new interactions, let those in
    flight be answered, and close the gateway (the caller closes the store, which commits
    the joins still pending and gives back undelivered notices)."""
    point_at(settings)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = stop_signals()
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    if settings.ready_file is not None:  # the last run's, which no longer holds
        await asyncio.to_thread(forget_ready, settings.ready_file)
    try:
        async with make_bot(settings, store, wall_clock) as client:
            running = asyncio.create_task(_log_in_and_connect(client, settings))
            stopping = [asyncio.create_task(event.wait())
                        for event in (stop, *([until] if until is not None else []))]
            await asyncio.wait((running, *stopping), return_when=asyncio.FIRST_COMPLETED)
            for waiting in stopping:
                waiting.cancel()
            if running.done():
                running.result()  # a refused token (ConfigError) or an unexpected error
                return
            log.info("stopping: taking no new interactions, finishing those in flight")
            # stops reading the gateway; the socket closes with the client. Cancelled again
            # while it goes on: discord.py's connect loses a cancellation that comes as the
            # gateway's handshake completes (its `asyncio.wait_for`, on Python 3.11).
            await stop_task(running, again_after=STOP_AGAIN_AFTER)
            await finish_interactions()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
        if settings.ready_file is not None:  # stopped: no longer ready
            await asyncio.to_thread(forget_ready, settings.ready_file)
    log.info("stopped")


def token_of(settings: Settings) -> str:
    if not settings.discord_token:  # the commands that log in check this first
        raise ConfigError("DISCORD_TOKEN is not set")
    return settings.discord_token


async def _log_in_and_connect(client: EventBot, settings: Settings) -> None:
    await log_in(client, settings)
    try:
        await client.connect()  # reconnects by itself after a drop
    except discord.PrivilegedIntentsRequired:  # discord.py's name for a 4014
        raise ConfigError(GATEWAY_REFUSALS[4014]) from None
    except discord.ConnectionClosed as exc:
        if exc.code in GATEWAY_REFUSALS:
            raise ConfigError(GATEWAY_REFUSALS[exc.code]) from None
        if exc.code == AUTHENTICATION_FAILED:  # the token reset in the portal meanwhile
            raise ConfigError(TOKEN_REFUSED) from None
        raise


async def log_in(client: EventBot, settings: Settings, *, keep_trying: bool = True) -> None:
    """`client.login`, tried again with capped, jittered exponential backoff while Discord
    cannot be reached (discord.py retries only once connected); one warning per attempt.
    A one-shot command (`sync`) passes keep_trying=False: the first attempt that cannot
    reach Discord raises Unavailable saying so, for the person who ran it to act on."""
    delay = min(1.0, settings.reconnect_max_delay)
    while True:
        if client.http.connector is discord.utils.MISSING:
            # discord.py's own opens as many connections as there are requests in flight,
            # each a descriptor: past the process's limit, answers were lost to EMFILE.
            client.http.connector = aiohttp.TCPConnector(
                limit=discord_connections(soft_limit(), gateways_of(settings)))
        try:
            await client.login(token_of(settings))
            return
        except discord.LoginFailure:
            raise ConfigError(TOKEN_REFUSED) from None
        except UNREACHABLE as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            unreachable = f"Discord could not be reached at {settings.discord_api_base} ({reason})"
            if not keep_trying:
                raise Unavailable(f"{unreachable}; check the network and DISCORD_API_BASE, "
                                  "then try again") from None
            wait = random.uniform(delay / 2, delay)  # jitter: restarted bots spread out
            log.warning("%s; trying again in %.1f s", unreachable, wait)
        except discord.HTTPException as exc:  # 5xx is above: Discord there, but down
            if client.user is not None:  # the login answered: Discord's (setup_hook's sync)
                raise
            # A 404 or the like to the login: whatever is there is not Discord's API (a
            # proxy's address without /api/v10); trying again would not change that.
            raise not_the_api(settings, f"HTTP {exc.status} {exc.response.reason} to the "
                              "bot's login") from None
        except (TypeError, KeyError):
            if client.user is not None:  # logged in: the error is the bot's own (setup_hook)
                raise
            # A 200 whose body is no user (a web app's page for every path): discord.py
            # read it as the bot's user, and failed on it.
            raise not_the_api(settings, "no bot user in its answer to the bot's login"
                              ) from None
        # Start the next attempt afresh: a new HTTP session (the failed one is closed with
        # its connector) and no extensions left loaded by a setup_hook that got halfway.
        await client.http.close()
        client.http.connector = discord.utils.MISSING
        for extension in tuple(client.extensions):
            await client.unload_extension(extension)
        await asyncio.sleep(wait)
        delay = min(delay * 2, settings.reconnect_max_delay)


def not_the_api(settings: Settings, answer: str) -> ConfigError:
    """DISCORD_API_BASE answered the login, but not as Discord's API does."""
    return ConfigError(f"DISCORD_API_BASE={settings.discord_api_base!r} did not answer as "
                       f"Discord's API does ({answer}): check it; Discord's own is "
                       f"{DISCORD_API_BASE}")


async def finish_interactions() -> None:
    """Wait up to FINISH_TIMEOUT for the interactions being handled to be answered, then
    stop those left, and wait up to FINISH_TIMEOUT more for them to end. Left to the close,
    they were cut off under it (their answer's connection closed, then the store): an
    error and its traceback each. A join not yet made is then not made
    (`joins.still_wanted`)."""
    tasks = [t for t in asyncio.all_tasks() if t.get_name().startswith(INTERACTION_TASKS)]
    if not tasks:
        return
    _, unfinished = await asyncio.wait(tasks, timeout=FINISH_TIMEOUT)
    log.info("finished %d interaction(s) in flight; %d did not finish in time%s",
             len(tasks) - len(unfinished), len(unfinished), " and were stopped" * bool(unfinished))
    if unfinished:
        for task in unfinished:
            task.cancel()
        await asyncio.wait(unfinished, timeout=FINISH_TIMEOUT)


class CommandSync(EventBot):
    """The bot as `python -m bot sync` uses it. Logging in runs setup_hook, which here only
    loads the commands: no background work, and no sync but the one asked for (a start's
    own would sync globally or to SYNC_GUILD_ID, whatever --guild says)."""

    async def setup_hook(self) -> None:
        await self.load_commands()

    async def application_info(self) -> discord.AppInfo:
        """As the bot's, but a server without the route is the command's one line: no READY
        comes here to name the application the commands are synced to."""
        try:
            return await discord.Client.application_info(self)
        except discord.NotFound as exc:
            if not route_missing(exc):
                raise
            raise Unavailable(missing_said(
                self.settings.discord_api_base, f"{APPLICATION_INFO}, which syncing the "
                "commands needs", "nothing was synced", exc)) from None


# The longest 429 `python -m bot sync` sleeps through; past it, the command says when to
# try again. discord.py sleeps through any, in silence (Discord's daily limit on command
# registrations answers with hours).
SYNC_LIMIT_SLEPT = 30.0
SYNC_UNANSWERED = ("Discord did not answer at {address} within {seconds:g} s (SYNC_TIMEOUT); "
                   "the commands may not have been synced: try again")
SYNC_LIMITED = ("Discord limits how often commands are synced: try again in {wait}; nothing "
                "was synced")
SYNC_FAILED = ("Discord at {address} failed the sync (HTTP {status}: {reason}); nothing was "
               "synced: try again later")


def _wait_said(seconds: float) -> str:
    return f"{math.ceil(seconds / 60)} min" if seconds >= 60 else f"{math.ceil(seconds)} s"


def _not_the_limit_raised(record: logging.LogRecord) -> bool:
    """discord.py's warning for a 429 it raises rather than sleeps through: the sync's own
    line (SYNC_LIMITED) says it, and a one-shot command fails in one line."""
    return "erroring instead" not in str(record.msg)


async def sync_commands(settings: Settings, store: Store, guild_id: int | None) -> int:
    """`python -m bot sync`: log in over REST only, sync, and remember what was synced.
    Whatever Discord does, the command ends within SYNC_TIMEOUT with its one line."""
    point_at(settings)
    discord_http = logging.getLogger("discord.http")
    discord_http.addFilter(_not_the_limit_raised)
    async with CommandSync(settings, store) as client:
        client.http.max_ratelimit_timeout = SYNC_LIMIT_SLEPT
        guild = discord.Object(guild_id) if guild_id else None
        try:
            async with asyncio.timeout(settings.sync_timeout):
                await log_in(client, settings, keep_trying=False)
                count = await sync_tree(client.tree, guild)
        except TimeoutError:
            raise Unavailable(SYNC_UNANSWERED, address=settings.discord_api_base,
                              seconds=settings.sync_timeout) from None
        except discord.RateLimited as exc:
            raise Unavailable(SYNC_LIMITED, wait=_wait_said(exc.retry_after)) from None
        except discord.DiscordServerError as exc:
            raise Unavailable(SYNC_FAILED, address=settings.discord_api_base,
                              status=exc.status, reason=exc.text or exc.response.reason
                              ) from None
        except (discord.Forbidden, discord.NotFound) as exc:
            if route_missing(exc):
                raise Unavailable(missing_said(settings.discord_api_base, COMMAND_SYNC,
                                               "nothing was synced", exc)) from None
            if guild is None:
                raise
            raise NotAllowed(REFUSED_GUILD, guild_id=guild_id,
                             reason=exc.text or exc.status) from None
        await store.run(store.settings.set_meta, f"{SYNC_HASH_KEY}:{guild_id or 'global'}",
                        await command_hash(client.tree))
        return count
