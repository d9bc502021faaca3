"""The command line: `python -m bot COMMAND` (also installed as `eventbot`).

Every failure is one line on stderr and a non-zero exit: 2 for a problem the
user can fix (a setting, a file, an argument, a server that cannot be reached: Discord
for `sync`, the PostgreSQL database), 1 for anything unexpected. `run` alone keeps
trying to reach Discord, as a bot meant to stay up.
"""

from __future__ import annotations

# Ctrl-C while Python imports the bot is held until the imports are done, then ends the
# command as quietly as one later (`main`): see `bot.interrupts`.
try:
    from bot.interrupts import hold_ctrl_c, take_ctrl_c

    hold_ctrl_c()
    import argparse
    import asyncio
    import contextlib
    import io
    import json
    import logging
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import tempfile
    import threading
    from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
    from dataclasses import dataclass, field, replace
    from datetime import UTC, datetime
    from pathlib import Path
    from typing import TYPE_CHECKING, Any, NoReturn, Protocol

    from bot.characters import clipped, without_invisible
    from bot.clock import wall_clock_for
    from bot.config import (
        ENV_FILE,
        SANDBOX_DATABASE,
        SEPARATORS,
        ConfigError,
        Settings,
        exposed_env_file,
        load_settings,
        without_credentials,
    )
    from bot.descriptors import gateways_of, raise_soft_limit, say_limit
    from bot.errors import (
        DatabaseUnreadable,
        DatabaseUnwritable,
        EventNotFound,
        InvalidValue,
        UserError,
    )
    from bot.logs import configure_logging, one_line, shown, shown_json
    from bot.models import Rsvp, is_discord_id, storable_text
    from bot.progress import (
        OUTPUT_CLOSED,
        data_in_utf8,
        escape_what_output_cannot_encode,
        terminal_progress,
    )
    from bot.storage import open_store

    take_ctrl_c()
except KeyboardInterrupt:
    raise SystemExit(130) from None

# What reads pages (the page reader, aiohttp for URLs) and what renders for Discord are
# imported by the commands that use them: --help, a listing or a backup starts without
# them. A Ctrl-C while they load is `main`'s, as quiet as one later.
if TYPE_CHECKING:
    from bot.catalog import PageSource
    from bot.storage.protocol import Store

log = logging.getLogger("bot")


class UsageError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


class OutputError(Exception):
    """What a command prints could not be written (a full disk, an output open only for
    reading); printed as one line, exit status 2."""


@contextlib.contextmanager
def writing_output() -> Iterator[None]:
    """Writes to stdout within, their failure an OutputError: the OSError named no file
    ("eventbot: No space left on device", of what?). A reader that stopped reading (`|
    head`) stays a BrokenPipeError, which `main` ends quietly."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write the output ({exc.strerror or exc}): send it to a "
                          "terminal, a pipe or a file that can be written") from None


def say(text: str, end: str = "\n") -> None:
    """Print `text` on stdout, as every command's result is (`writing_output`)."""
    with writing_output():
        print(text, end=end)


def say_records(text: str) -> None:
    """`say` data that ends its own records (the CSV's CRLF, RFC 4180) as it is: a stdout
    that turns each "\n" into the system's line end (Windows') made them "\r\r\n", a lone
    CR that spreadsheets read as an empty row after each member."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(newline="")
    say(text, end="")


ADD_TOKEN = ("copy .env.example to .env and put your bot's token there (README: 'Run it in "
             "your server')")
NO_TOKEN = f"DISCORD_TOKEN is not set: {ADD_TOKEN}"


def no_token() -> str:
    """NO_TOKEN, naming the folder `.env` is read from when it is not the bot's own: a bot
    started from another folder (`eventbot run` from the home folder, a service without
    its working directory) was told to make the .env it has, beside the code."""
    if os.path.lexists(ENV_FILE) or os.path.lexists(".env.example"):  # the bot's folder
        return NO_TOKEN
    try:
        here = os.getcwd()
    except OSError:  # the folder was deleted under the shell
        here = "the folder it was started in"
    return (f"DISCORD_TOKEN is not set, and there is no .env in {here}, where the bot reads "
            "it (the folder it is started in): start it in the folder of your .env, or "
            + ADD_TOKEN)


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.catalog import read_bundled

    # The bundled events are checked here, so a broken folder stops the start in one line;
    # each server gets them when the bot joins it (EventBot.ensure_events).
    bundled = read_bundled(settings.events_dir)
    # A burst of answers to Discord takes a descriptor each.
    say_limit(raise_soft_limit(), gateways_of(settings))
    # The claim comes before the database is opened: a refused start leaves it as the
    # running bot has it (a newer version's start would otherwise upgrade it under it).
    wall_clock = wall_clock_for(settings)
    earlier = earlier_bot_running(settings)  # looked at before this process's own claim
    async with running_alone_on(settings) as claim, \
            await open_database(settings, earlier, trusted=wall_clock.trusted) as store:
        log.info("database %s ready; %d bundled event(s) for new servers",
                 settings.database_label, len(bundled))
        if claim.unguarded:
            log.warning("%s", claim.unguarded)
        if settings.discord_token:
            from bot.app import run_bot

            if not claim.taken.is_set():
                await run_bot(settings, store, until=claim.taken, wall_clock=wall_clock)
            if claim.taken.is_set():  # another process took it while it was lost
                raise UsageError(ALREADY_RUNNING.format(database=settings.database_label))
            return 0
    if not (sys.stdin is not None and sys.stdin.isatty()):
        raise UsageError(no_token())
    # A person at a terminal without a token yet: let them try the bot right here.
    print(f"{no_token()}. Meanwhile, here is the bot in a sandbox: a local stand-in for "
          "Discord (README: 'Try it without Discord').", file=sys.stderr, flush=True)
    return open_sandbox(["--database", SANDBOX_DATABASE])


ALREADY_RUNNING = ("a bot process with this DISCORD_TOKEN is already running on {database}: "
                   "stop it first (two would both answer every command), or give each "
                   "process its own SHARD_IDS")


@dataclass
class Claim:
    """A start's claim on its token's shards (`running_alone_on`): why it holds none, if
    so, and set once another process has taken it (PostgreSQL: while this one's
    connection was lost), when this one must stop."""

    unguarded: str | None = None
    taken: asyncio.Event = field(default_factory=asyncio.Event)


@contextlib.asynccontextmanager
async def running_alone_on(settings: Settings) -> AsyncIterator[Claim]:
    """The start's claim on its token's shards in the database, on SQLite a lock file
    beside it (`storage.sqlite.running`), on PostgreSQL advisory locks the server holds
    (`storage.postgres.running`): a second `run` of them is refused in one line."""
    from bot.config import MAX_SHARDS

    if not settings.discord_token:
        yield Claim()
        return
    if settings.database_url is not None:
        from bot.storage.postgres import running as postgres

        try:
            async with postgres.running_alone(settings.database_url, settings.discord_token,
                                              settings.shard_ids) as held:
                yield Claim(taken=held.taken)
        except postgres.AlreadyRunning:
            raise UsageError(ALREADY_RUNNING.format(database=settings.database_label)
                             ) from None
        return
    from bot.storage.sqlite.migrations import SCHEMA_VERSION
    from bot.storage.sqlite.running import AlreadyRunning, running_alone

    try:
        with running_alone(settings.database_path, settings.discord_token,
                           settings.shard_count or MAX_SHARDS, settings.shard_ids,
                           schema=SCHEMA_VERSION) as unguarded:
            yield Claim(unguarded)
    except AlreadyRunning:
        raise UsageError(ALREADY_RUNNING.format(database=settings.database_path)) from None


def earlier_bot_running(settings: Settings) -> str | None:
    """Why this version must not open (and so upgrade) the SQLite database: a bot of an
    earlier version runs on it (`storage.sqlite.running.earlier_bot_running`), which would
    go on with a schema it does not know, and refuse to start again. Looked at before this
    process takes a claim of its own on the database (looking drops it)."""
    if settings.database_url is not None:  # PostgreSQL's bots go on beside a newer one's
        return None
    from bot.storage.sqlite.running import earlier_bot_running as schema_of_earlier_bot

    version = schema_of_earlier_bot(settings.database_path)
    return None if version is None else (
        f"a bot of an earlier version is running on {settings.database_path} (schema "
        f"version {version}): stop it before this version upgrades the database it uses, "
        "or run this command with its version")


async def open_database(settings: Settings, earlier: str | None, *,
                        trusted: Callable[[], datetime] | None = None) -> Store:
    """The store of the settings' database, upgraded to this version's schema, unless a bot
    of an earlier version runs on it (`earlier`, from `earlier_bot_running`)."""
    if earlier:
        raise UsageError(earlier)
    return await open_store(settings.database, trusted=trusted)


async def cmd_sandbox(settings: Settings, args: argparse.Namespace) -> int:
    return open_sandbox(["--database", args.database, *(["--fresh"] if args.fresh else [])])


def open_sandbox(arguments: list[str]) -> int:
    """Become `python -m sandbox` (the sandbox is its own package, which the bot does not
    import): the same process, so a signal or the exit status is the sandbox's own."""
    command = [sys.executable, "-m", "sandbox", *arguments]
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:  # a closed one, which the sandbox refuses in one line
            stream.flush()
    if os.name == "posix":
        # Ctrl-C stays held across the exec, while the new interpreter starts, until the
        # sandbox has imported what it needs (`sandbox/__main__.py`, `bot.interrupts`).
        hold_ctrl_c()
        try:
            os.execv(sys.executable, command)
        finally:  # reached only when the exec failed
            take_ctrl_c()
    return subprocess.call(command)


async def cmd_reset_sync_state(settings: Settings, args: argparse.Namespace) -> int:
    """Forget which commands were synced, so that the next start syncs them again (after
    pointing the bot at another Discord, such as the sandbox's local one)."""
    from bot.app import SYNC_HASH_KEY

    # A database that is not there has nothing to forget (a bot starting on it syncs), and
    # a mistyped DATABASE_PATH made one, leaving the bot's own as it was.
    require_database(settings, "the bot's database")
    scopes = ["global", *([str(settings.sync_guild_id)] if settings.sync_guild_id else [])]
    async with await open_database(settings, earlier_bot_running(settings)) as store:
        for scope in scopes:
            # an empty hash matches no command set
            await store.run(store.settings.set_meta, f"{SYNC_HASH_KEY}:{scope}", "")
    say(f"the next start syncs the slash commands ({', '.join(scopes)})")
    return 0


async def cmd_sync(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.discord_token:
        raise UsageError("DISCORD_TOKEN is not set: sync needs the bot's token")
    from bot.app import sync_commands

    if args.guild is not None:
        check_server_id("--guild", args.guild)
    async with await open_database(settings, earlier_bot_running(settings)) as store:
        count = await sync_commands(settings, store, args.guild)
    where = f"guild {args.guild}" if args.guild else "all servers (global)"
    say(f"synced {count} commands to {where}")
    return 0


async def read_source(name: str, settings: Settings | None) -> PageSource:
    """A page file (.txt, .html) or a page's URL -> PageSource; UsageError if it can't be."""
    from bot.catalog import is_url, read_page_bytes
    from bot.fetch import FetchPolicy
    from bot.flows import importing

    try:
        if is_url(name):
            policy = FetchPolicy.from_settings(settings or load_settings())
            return await importing.read_source(name, policy=policy)
        return await importing.read_source(name, await asyncio.to_thread(read_page_bytes,
                                                                         Path(name)))
    except OSError as exc:
        raise UsageError(f"{source_named(name)}: cannot read it ({exc.strerror})") from None
    except InvalidValue as exc:
        raise UsageError(f"{source_named(name)}: {exc}") from None


def source_named(name: str) -> str:
    """A page's file name or URL as a message shows it: a URL's user name and password
    hidden (refused, and not to be printed back to a shared terminal or a CI log)."""
    from urllib.parse import urlsplit

    from bot.catalog import is_url
    from bot.fetch import typed_url

    if not is_url(name):
        return name
    try:
        parts = urlsplit(typed_url(name))
        _ = parts.port  # raises for a port that is no number ...
    except ValueError:  # ... which may be a password cut short by a '/', '?' or '#' in it
        return without_credentials(name)  # ("https://editor:pass/word@host"): unreadable
    credentials = parts.username is not None or parts.password is not None
    return without_credentials(name) if credentials else name


def cmd_parse(settings: Settings | None, args: argparse.Namespace) -> int:
    """What the importer reads of pages. Their text is anyone's on the web: each field is
    printed `shown` (and the JSON with `shown_json`), its controls not reaching the
    terminal."""
    results = [(name, asyncio.run(read_source(name, settings)).page) for name in args.files]
    if args.json:
        data_in_utf8()
        for name, page in results:
            say(shown_json(json.dumps({"file": name, **page.to_dict()}, ensure_ascii=False)))
        return 0
    for name, page in results:
        say(f"{shown(name)}: {page.kind}")
        # What the importer read of the event, then its people (the moderator among them).
        for label, value in (("title", page.title), ("date", page.date_text),
                             ("venue", page.location)):
            say(f"  {label}: {shown(value) if value else '-'}")
        for person in page.people:
            say(f"  {person.role}: {shown(person.name)}")
        for takeaway in page.takeaways:
            # (one with no heading of its own by the start of its text)
            opening = clipped(takeaway.text, 60)  # (never inside a flag or joined emoji)
            say(f"  takeaway: {shown(takeaway.heading or opening)}")
        notes = [n for n, on in (("off the record", page.off_the_record),
                                 ("registration closed", page.registration_closed)) if on]
        if page.language:
            notes.append(f"in {page.language}"
                         + (f" with {page.translation} translation" if page.translation else ""))
        say(f"  notes: {shown(', '.join(notes)) or '-'}")
        for line in page.skipped:
            say(f"  skipped: {shown(str(line))}")
    return 0


NO_GUILD = ("say which server the events are for: --guild ID (the server's id: in "
            "Discord, right-click the server and Copy Server ID), or set DEFAULT_GUILD_ID")


def import_guild(settings: Settings, given: int | None) -> int:
    """The server an import goes to: --guild, else DEFAULT_GUILD_ID. Never a made-up one:
    events in a guild id no server has would be invisible to everyone."""
    guild_id = given if given is not None else settings.default_guild_id
    if guild_id is None:
        raise UsageError(NO_GUILD)
    check_server_id("--guild", guild_id)
    return guild_id


def check_server_id(option: str, guild_id: int) -> None:
    if not is_discord_id(guild_id):
        raise UsageError(f"{option} {guild_id} is not a server id (a positive whole number; "
                         "in Discord, right-click the server and Copy Server ID)")


def names_a_page(path: Path) -> bool:
    """Anything there but a folder is one page to import (a pipe is then refused as not a
    file, rather than searched for event folders)."""
    return path.exists() and not path.is_dir()


async def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.catalog import EVENT_FILE, event_folders, import_folders, import_page, is_url
    from bot.flows import importing

    guild_id = import_guild(settings, args.guild)
    path = Path(args.path)
    if (path.name == EVENT_FILE and not is_url(args.path)
            and await asyncio.to_thread(path.is_file)):  # an event folder's settings, named
        path = path.parent  # for it (as a shell completes the name): not a page
    if is_url(args.path) or await asyncio.to_thread(names_a_page, path):
        # One page: a new event, or the event that already has it.
        source = await read_source(args.path, settings)
        try:
            importing.check_page(source)
        except InvalidValue as exc:
            raise UsageError(f"{source_named(args.path)}: {exc}") from None
        async with await open_database(settings, earlier_bot_running(settings)) as store:
            reports = [await import_page(store, guild_id, source)]
    else:
        if not await asyncio.to_thread(path.exists):
            raise UsageError(f"{args.path}: no such file or folder")
        folders = event_folders(path)
        if not folders:
            raise UsageError(f"{args.path}: no event.toml here or in its sub-folders")
        async with await open_database(settings, earlier_bot_running(settings)) as store:
            with terminal_progress(f"importing {len(folders)} event folder(s)") as progress:
                reports = await import_folders(store, guild_id, folders, progress=progress)
    try:
        for report in reports:
            verb = "created" if report.created else "updated"
            say(f"{verb} event {report.event.id} {report.event.slug!r} "
                f"({len(report.event.people)} people, {len(report.event.takeaways)} takeaways)")
            for line in report.skipped:  # the pages' own lines, among others
                say(f"  skipped {shown(line)}")
            for note in report.notes:  # English on the command line
                say(f"  note: {shown(str(note))}")
        with writing_output():  # a file's output fails only as it is flushed
            sys.stdout.flush()
    except OutputError as exc:  # after the commit: the import is done, whatever the output
        saved = (f"event {reports[0].event.id} {reports[0].event.slug!r} was "
                 f"{'created' if reports[0].created else 'updated'}, but its" if len(reports) == 1
                 else f"{len(reports)} events were saved, but their")
        raise OutputError(f"{saved} report could not be written: {exc}") from None
    return 0


def require_database(settings: Settings, which: str) -> None:
    """For the commands that only read the database: a DATABASE_PATH that names no file is
    a typo, and opening it would make an empty database (and its folders) to read."""
    if settings.database_url is None and not settings.database_path.is_file():
        path = settings.database_path
        missing = ("is a folder" if path.is_dir() else "is not a file" if path.exists()
                   else "does not exist")
        raise UsageError(f"{settings.database_path} {missing}: set DATABASE_PATH to {which}")


async def cmd_events(settings: Settings, args: argparse.Namespace) -> int:
    require_database(settings, "the bot's database")
    async with await open_database(settings, earlier_bot_running(settings)) as store:
        rows = await store.run(store.events.all_events)
        now = datetime.now(UTC)
        for guild_id, event_id, slug, title in rows:
            try:
                event = await store.run(store.events.get_event, guild_id, event_id)
            except EventNotFound:  # deleted (/manage delete) since the list was read
                continue
            # as /event list says it: an archived event or one over takes no RSVPs, open
            # or not
            state = ("archived" if event.archived else "over" if event.is_over(now)
                     else "open" if event.registration_open else "closed")
            say(f"{event_id}\t{guild_id}\t{slug}\t{event.confirmed}/{event.capacity} "
                f"confirmed, {event.waitlisted} waitlisted, {state}\t{shown(title)}")
        if not rows:
            say("no events yet: python -m bot import PATH --guild ID")
    return 0


async def cmd_rsvps(settings: Settings, args: argparse.Namespace) -> int:
    require_database(settings, "the bot's database")
    at_terminal = sys.stdout.isatty()  # read there, as the listing is: names `shown`
    # The list is read whole, as of one moment (`Store.attendees`), into memory, or past
    # LISTED_IN_MEMORY into a temporary file, and only then written out: a reader slower
    # than the read (a pager) never keeps it open, nor does a read that fails midway
    # leave half a list.
    with tempfile.SpooledTemporaryFile(LISTED_IN_MEMORY, "w+", encoding="utf-8",
                                       newline="") as listed:
        async with await open_database(settings, earlier_bot_running(settings)) as store:
            _, event_id = await store.run(store.events.find_event, args.event)
            async with contextlib.aclosing(store.attendees(event_id)) as chunks:
                async for rsvps in chunks:
                    listed.write(rsvps_listed(rsvps, csv=args.csv, at_terminal=at_terminal))
        empty = listed.tell() == 0
        listed.seek(0)
        if args.csv:
            from bot.render_replies import attendees_csv

            data_in_utf8()
            say_records(attendees_csv(()))
        elif empty:
            say(f"no RSVPs yet for event {event_id}")
        while text := listed.read(LISTED_IN_MEMORY):
            if args.csv:
                say_records(text)
            else:
                say(text, end="")
    return 0


LISTED_IN_MEMORY = 1 << 20  # characters of `rsvps`' output held in memory at most


def rsvps_listed(rsvps: list[Rsvp], *, csv: bool, at_terminal: bool) -> str:
    """`rsvps`' lines for these RSVPs: CSV records, or the listing's. Names read at a
    terminal are `shown`, in the CSV as in the listing."""
    if csv:
        from bot.render_replies import attendees_csv

        if at_terminal:
            rsvps = [replace(r, name=shown(r.name)) for r in rsvps]
        return attendees_csv(rsvps, header=False)
    return "".join(f"{r.user_id}\t{r.status.value + (f' #{r.position}' if r.position else '')}"
                   f"\t{r.joined_at.isoformat()}\t{shown(r.name)}\n" for r in rsvps)


async def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    if settings.database_url is not None:  # refused before the store opens: it upgrades
        from bot.storage import POSTGRES_BACKUP

        raise UsageError(POSTGRES_BACKUP)
    if not args.path:  # SQLite would take "" for a temporary database and write nothing
        raise UsageError("backup needs the name of the file to write")
    if args.path.endswith(SEPARATORS):  # pathlib would drop it, and write a file
        raise UsageError(f"{args.path} names a folder; name the file to write, e.g. "
                         f"{args.path}eventbot-backup.sqlite3")
    _refuse_existing(args.path)
    if _is_part_of(Path(args.path), settings.database_path):
        # SQLite deletes or rewrites these files: the backup would be lost, or damage
        # the database of a running bot
        raise UsageError(f"{args.path} is one of the database's own files; choose another "
                         "name")
    require_database(settings, "the database to back up")
    from bot.storage.sqlite.files import BackupStopped, backup_as_is

    # as it is: not upgraded to this version's schema first, as opening the store would
    stop = threading.Event()
    # The signals heard before the copy begins: its file may appear before the thread
    # that writes it lets this one go on, and a SIGTERM then killed the backup on the spot.
    with stopped_by_signals() as signalled:
        copying = asyncio.get_running_loop().run_in_executor(
            None, backup_as_is, settings.database_path, Path(args.path), stop)
        try:
            await asyncio.shield(copying)
        except asyncio.CancelledError:  # Ctrl-C, or a signal of `signalled`
            stop.set()  # the copy ends within milliseconds, and is removed
            with contextlib.suppress(BackupStopped):
                await copying
                # whole before it heard the stop: the backup is made, and said so
                say(f"backed up {settings.database_label} to {args.path}")
                return 0
            if signalled:
                raise Stopped(signalled[0]) from None
            raise
    say(f"backed up {settings.database_label} to {args.path}")
    return 0


class Stopped(Exception):
    """A command stopped by a signal (`stopped_by_signals`) once it cleaned up: the exit
    status is a shell's for the signal, 128 and its number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[list[int]]:
    """Within, a supervisor's SIGTERM, or the terminal closing (SIGHUP, unless ignored as
    under nohup), cancels the running task as Ctrl-C does, for it to clean up (the list
    yielded names the signal) instead of the process being killed with its work half
    done. POSIX only: elsewhere, nothing changes."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received: list[int] = []
    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    signals = [getattr(signal, name) for name in names
               if signal.getsignal(getattr(signal, name)) is not signal.SIG_IGN]

    def stop(signum: int) -> None:
        if not received and task is not None:
            received.append(signum)
            task.cancel()

    added = []
    try:
        for signum in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop, signum)
                added.append(signum)
        yield received
    finally:
        for signum in added:
            loop.remove_signal_handler(signum)


async def cmd_migrate_db(settings: Settings, args: argparse.Namespace) -> int:
    """Copy the SQLite database (DATABASE_PATH) into the PostgreSQL database at --to."""
    from bot.storage import is_postgres_url, safe_url
    from bot.storage.postgres.copy import copy_sqlite
    from bot.storage.postgres.store import PostgresStore

    if not is_postgres_url(args.to):
        raise UsageError("--to must be a postgresql:// URL (the database to copy into)")
    if not settings.database_path.is_file():
        raise UsageError(f"{settings.database_path} does not exist: set DATABASE_PATH to "
                         "the SQLite database to copy")
    from bot.storage.sqlite.running import held_by_a_bot

    if held_by_a_bot(settings.database_path):
        raise UsageError(f"a bot is running on {settings.database_path}: stop it, then copy "
                         "the database, so that nothing it writes meanwhile is left behind")
    # The target reached first, and changed only once the source opens: a --to that cannot
    # be used (a server down, a typo) leaves the source as it was, which the bot that made
    # it still opens, and a source refused (damaged, newer) leaves the target as it was.
    await PostgresStore.reach(args.to, given_as="--to")
    async with await open_store(settings.database_path):
        pass  # brings the source up to this bot's schema
    async with await PostgresStore.open(args.to, given_as="--to") as target:
        with terminal_progress(f"copying into {safe_url(args.to)}") as progress:
            counts = await copy_sqlite(settings.database_path, target, progress)
    say(f"copied {settings.database_path} into {safe_url(args.to)}: "
        + ", ".join(f"{n} {table}" for table, n in counts.items())
        + "; every row checked")
    return 0


def _is_part_of(path: Path, database: Path) -> bool:
    """Whether `path` names the SQLite database or one of the files SQLite keeps beside it."""
    target, base = path.resolve(), database.resolve()
    return target.parent == base.parent and target.name in {
        base.name + suffix for suffix in ("", "-wal", "-shm", "-journal")}


def _refuse_existing(path: str) -> None:
    """Refused before any work; the backup's own rename refuses it too (`_keep`)."""
    from bot.storage.sqlite.files import TARGET_EXISTS

    if os.path.lexists(path):
        raise UsageError(TARGET_EXISTS.format(target=path))


def whole_number(text: str) -> int:
    """A whole number as typed: ASCII digits, a minus before them at most. Python's int()
    also reads "1_0" as 10 and other scripts' digits ("١٢٣" as 123): a server id mistyped
    so went to another server, where DEFAULT_GUILD_ID's own check refused it."""
    digits = text.strip().removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(text)


def named(text: str) -> str:
    """A file, folder or URL as given: an empty one (a script's unset variable, `import
    "$FOLDER"`) is refused. Path("") is the current folder: `import` imported every event
    folder under it into the server, and `parse` called it a folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty: give a file, a folder or a URL")
    return text


class _Writable(Protocol):
    """Where argparse may be told to print its help (typeshed's SupportsWrite[str], which
    exists for type checkers only)."""

    def write(self, text: str, /) -> object: ...


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors in one line like every other failure (its own print the
    usage first); the sub-commands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")

    def print_help(self, file: _Writable | None = None) -> None:
        """argparse's, but a help on stdout that cannot be written is said as any output
        that cannot be (`writing_output`), status 2: argparse dropped the error, status 0."""
        if file is not None or sys.stdout is None:  # (no stdout: argparse uses stderr)
            super().print_help(file)
            return
        try:
            with writing_output():
                sys.stdout.write(self.format_help())
                sys.stdout.flush()
        except OutputError as exc:
            fail(str(exc))
            self.exit(2)
        except BrokenPipeError:  # the reader stopped reading (`| head`): nothing to say
            with contextlib.suppress(OSError):  # and no second error as Python flushes
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            self.exit(141)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="eventbot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the bot (checks the bundled events first)")
    p = sub.add_parser("sandbox", help="try the bot in this terminal, on a local stand-in "
                       "for Discord")
    p.add_argument("--database", default=SANDBOX_DATABASE, metavar="PATH",
                   help=f"the sandbox's own database (default: {SANDBOX_DATABASE})")
    p.add_argument("--fresh", action="store_true",
                   help="delete that database and the saved server first")
    sub.add_parser("reset-sync-state", help="make the next start sync the slash commands again")
    p = sub.add_parser("sync", help="register the slash commands with Discord")
    p.add_argument("--guild", type=whole_number, metavar="ID",
                   help="sync to one server only (instant)")
    p = sub.add_parser("parse", help="show what the importer reads from pages (files or URLs)")
    p.add_argument("files", nargs="+", metavar="FILE_OR_URL", type=named,
                   help=".txt or .html, or http(s)")
    p.add_argument("--json", action="store_true", help="one JSON object per page")
    p = sub.add_parser("import", help="import an event folder (or a folder of them), or one "
                       "page file or URL as an event")
    p.add_argument("path", metavar="PATH_OR_URL", type=named)
    p.add_argument("--guild", type=whole_number, metavar="ID",
                   help="the server (its id) the events are for; default: DEFAULT_GUILD_ID")
    sub.add_parser("events", help="list the events in the database")
    p = sub.add_parser("rsvps", help="list an event's RSVPs")
    # as a store can hold it (an argument not in UTF-8 comes with lone surrogates), and
    # without the spaces and invisible characters (a zero-width space) a pasted id brings
    p.add_argument("event", metavar="EVENT",
                   type=lambda ref: storable_text(without_invisible(ref).strip()),
                   help="event id or slug")
    p.add_argument("--csv", action="store_true")
    p = sub.add_parser("backup", help="copy the database consistently, even while the bot runs")
    p.add_argument("path", metavar="PATH")
    p = sub.add_parser("migrate-db", help="copy the SQLite database (DATABASE_PATH) into "
                       "PostgreSQL; running it again changes nothing")
    p.add_argument("--to", required=True, metavar="URL", help="postgresql://... to copy into")
    return parser


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "run": cmd_run, "sandbox": cmd_sandbox, "sync": cmd_sync, "import": cmd_import,
    "events": cmd_events, "rsvps": cmd_rsvps, "backup": cmd_backup,
    "reset-sync-state": cmd_reset_sync_state, "migrate-db": cmd_migrate_db,
}


def fail(error: str) -> None:
    """A failure's one line on stderr. What it quotes (a page's answer, a file's name) has
    its control characters, line breaks and bidi controls escaped, as in the log. With
    stderr closed, said nowhere (the status says it failed): print() would write it to
    stdout, into the command's output (a listing, a CSV), where a script reads data."""
    if sys.stderr is not None:
        print(f"eventbot: {one_line(error)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    escape_what_output_cannot_encode()
    args = build_parser().parse_args(argv)
    if sys.stdout is None and args.command != "run":
        # Python drops what is printed to a closed descriptor: a listing would print
        # nothing with status 0, and an import would say nothing of what it did. `run`
        # logs to stderr, and opens the sandbox (which refuses it too) only at a terminal.
        fail(OUTPUT_CLOSED)
        return 2
    try:
        if args.command == "parse":  # needs settings only to fetch a URL
            return cmd_parse(None, args)
        settings = load_settings()
        # The long-running commands log at LOG_LEVEL. One-shot ones print their results, and
        # a failure as its one line: the warning logged with it (a locked database) is for a
        # running bot's log, and would be a second line here.
        configure_logging(settings.log_level if args.command in ("run", "sync") else "ERROR",
                          settings.secrets)
        if args.command == "run" and (exposed := exposed_env_file()):
            log.warning("%s", exposed)
        status = asyncio.run(COMMANDS[args.command](settings, args))
        with writing_output():  # what is still buffered, as the command's own
            if sys.stdout is not None:
                sys.stdout.flush()
        return status
    except (DatabaseUnreadable, DatabaseUnwritable) as exc:
        # SQLite's: the file and what to do, as when it is opened; PostgreSQL's as it is.
        from bot.storage.sqlite.files import open_error

        cause = exc.__cause__
        fail(str(open_error(load_settings().database_path, cause)
                 if isinstance(cause, sqlite3.DatabaseError) else exc))
        return 2
    except (UsageError, OutputError, ConfigError, UserError) as exc:
        fail(str(exc))
        return 2
    except sqlite3.DatabaseError as exc:
        # Damage past the file's header shows only when a command reads the damaged part,
        # and a full disk only when it writes: the same line as a file refused when it is
        # opened. Any other database error is a defect, with its traceback.
        from bot.storage.sqlite.files import open_error
        from bot.storage.sqlite.session import is_damaged, is_unwritable

        if not (is_damaged(exc) or is_unwritable(exc)):
            raise

        fail(str(open_error(load_settings().database_path, exc)))
        return 2
    except KeyboardInterrupt:
        return 130
    except Stopped as exc:  # a signal, once the command cleaned up: as a shell reports it
        return 128 + exc.signum
    except BrokenPipeError:  # the reader stopped reading (`| head`): nothing to say
        with contextlib.suppress(OSError):  # and no second error as Python flushes at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a command ended by SIGPIPE
    except OSError as exc:  # a folder it may not read, an output it cannot write
        if args.command in ("run", "sandbox"):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        fail(f"{where}{exc.strerror or exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
