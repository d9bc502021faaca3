"""Settings: one frozen object, built once at start from the environment and `.env`.

A missing or malformed value raises `ConfigError` naming the variable, so the
process can exit with one clear line instead of a traceback.
"""

from __future__ import annotations

import difflib
import io
import ipaddress
import logging
import math
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import overload
from urllib.parse import parse_qs, unquote, urlparse, urlsplit

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from bot.models import is_discord_id

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FETCH_TIMEOUT = 10.0  # seconds for a whole page fetch, redirects included
# Seconds an import preview's buttons work, from the command (a click does not extend
# them): inside the 15 minutes an interaction's token lives, so the preview can still be
# edited when they stop.
IMPORT_PREVIEW_TIMEOUT = 14 * 60.0
# Seconds the Delete and Keep buttons of a /manage delete question work: the same bound.
DELETE_QUESTION_TIMEOUT = 14 * 60.0
# Seconds `python -m bot sync` waits for Discord in all, login included: aiohttp's own
# bound is five minutes of silence.
SYNC_TIMEOUT = 60.0
# Seconds after the machine boots in which a step of its clock ahead is its clock being
# set, trusted at once (`bot.clock`): NTP setting a host without a battery-backed clock.
CLOCK_BOOT_SETTLING = 15 * 60.0
# The least cap of the wait between attempts to reach Discord: below it, an outage meant
# thousands of attempts (and warnings) a second.
MIN_RECONNECT_DELAY = 0.1
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# The bundled events ship beside the code, so the default does not depend on the folder the
# command is run from (`eventbot events` from anywhere must not fail over a sample folder).
BUNDLED_EVENTS_DIR = Path(__file__).resolve().parent.parent / "data" / "events"
SANDBOX_DATABASE = "data/sandbox.sqlite3"  # the sandbox's own, apart from the bot's


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


# PostgreSQL's client's own password variable, which asyncpg reads from the environment when
# DATABASE_URL has none: not a setting of the bot, but a secret the log must not show.
PG_PASSWORD = "PGPASSWORD"
# The settings that hold, or may hold, a credential: the token, and the URLs that may carry
# a password (the database's, and a gateway's behind a proxy).
CREDENTIALS = ("DISCORD_TOKEN", "DATABASE_URL", "DISCORD_GATEWAY_URL")


@dataclass(frozen=True, slots=True)
class Settings:
    # The token and DATABASE_URL (which may hold a password) are left out of the settings'
    # repr, which a traceback or a debugging line may show: `database_label` names the
    # database without its password.
    discord_token: str | None = field(repr=False)
    database_path: Path
    events_dir: Path
    log_level: str
    discord_api_base: str
    discord_gateway_url: str
    sync_guild_id: int | None
    reconnect_max_delay: float = 60.0  # seconds; the cap of the backoff when Discord is away
    # Requests a second Discord lets the bot make in all (its global limit: 50, unless
    # Discord granted the bot more); the bot keeps a tenth under it (bot.adapters.global_pace)
    global_rate_limit: float = 50.0
    fetch_timeout: float = FETCH_TIMEOUT
    # Non-public addresses that page fetches may reach all the same (an intranet, tests).
    fetch_allowed_networks: tuple[Network, ...] = ()
    guild_retention_days: float = 30.0  # a server's data is kept this long after the bot leaves
    default_guild_id: int | None = None  # where `python -m bot import` puts events by default
    import_preview_timeout: float = IMPORT_PREVIEW_TIMEOUT
    delete_question_timeout: float = DELETE_QUESTION_TIMEOUT
    sync_timeout: float = SYNC_TIMEOUT
    clock_boot_settling: float = CLOCK_BOOT_SETTLING  # 0: no step trusted at boot
    ready_file: Path | None = None  # written once the bot is connected and ready
    # Sharding: how many shards the deployment has, and which of them this process runs
    # (None: all). Both None: one unsharded connection.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    # A postgresql:// URL: the store is that PostgreSQL database, not the SQLite file.
    database_url: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        # The fields the dataclass would show, the gateway's URL without its password (a
        # proxy may want one; DISCORD_API_BASE is refused with one)
        shown = ", ".join(f"{f.name}={self._shown(f.name)!r}" for f in fields(self) if f.repr)
        return f"{type(self).__name__}({shown})"

    def _shown(self, name: str) -> object:
        value = getattr(self, name)
        return without_credentials(value) if name == "discord_gateway_url" else value

    @property
    def database(self) -> str | Path:
        """Where the store is, for `open_store`: DATABASE_URL if set, else DATABASE_PATH."""
        return self.database_url or self.database_path

    @property
    def database_label(self) -> str:
        """The database for messages and logs (a URL without its password)."""
        from bot.storage import safe_url

        return str(self.database_path) if self.database_url is None else safe_url(
            self.database_url)

    @property
    def secrets(self) -> tuple[str, ...]:
        """What the log must never show: the bot's token, the passwords of the gateway
        and of the database (as written in DISCORD_GATEWAY_URL and DATABASE_URL, and as
        they read, or in PGPASSWORD, which PostgreSQL's client takes when the URL has none)."""
        found = [self.discord_token, *url_passwords(self.discord_gateway_url)]
        if self.database_url is not None:
            found += [os.environ.get(PG_PASSWORD), *url_passwords(self.database_url, query=True)]
        return tuple(dict.fromkeys(secret for secret in found if secret))

    @property
    def log_level_number(self) -> int:
        return logging.getLevelName(self.log_level)


# The settings' file, read from the folder the bot is started in.
ENV_FILE = ".env"
# Its size at most: python-dotenv's reading takes time in the square of it (2.8 MB: 18 s
# before a command began), and settings fill a few kilobytes (.env.example: 5.5 KB).
ENV_FILE_MAX_BYTES = 64 * 1024


def load_settings(
    environ: Mapping[str, str] | None = None,
    env_file: str | os.PathLike[str] | None = ENV_FILE,
) -> Settings:
    """Build settings from `environ` (default: the process environment) over `.env`.

    Real environment variables win over the file, as with python-dotenv's default.
    """
    values: dict[str, str] = {}
    lines: dict[str, int] = {}  # the line of .env that sets each name
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in _env_file(env_file, lines).items() if v is not None})
    elif env_file is not None and Path(env_file).exists():
        # A folder (what `docker run -v ./.env:/app/.env` makes where the host has no
        # .env) or a pipe: skipped, the bot ran on its defaults, a second database.
        what = "a folder" if Path(env_file).is_dir() else "not a regular file"
        raise ConfigError(f"{os.fspath(env_file)} is {what}, not a settings file: remove it, "
                          "or make it a copy of .env.example")
    elif env_file is not None and os.path.islink(env_file):
        # A link to settings kept elsewhere (a secret mounted there) that are missing:
        # skipped, the bot ran on its defaults, as for a folder.
        raise ConfigError(f"{os.fspath(env_file)} is a link to {os.readlink(env_file)}, which "
                          "is not there: restore that file, or make it a copy of "
                          ".env.example")
    values.update(os.environ if environ is None else environ)
    read: set[str] = set()  # the names of the settings, as `get` reads them

    @overload
    def get(name: str) -> str | None: ...
    @overload
    def get(name: str, default: str) -> str: ...
    def get(name: str, default: str | None = None) -> str | None:
        read.add(name)
        value = values.get(name, "").strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            # .env's quotes are taken off as it is read; these came from the environment,
            # where nothing takes them off. Not shown: a token or a password may be inside.
            raise ConfigError(f"{name} is written in quotes, which here are part of its value "
                              "(docker run --env-file keeps them): write it without quotes")
        return value or default

    shard_count, shard_ids = _shards(get("SHARD_COUNT"), get("SHARD_IDS"))
    settings = Settings(
        discord_token=_token(get("DISCORD_TOKEN")),
        database_path=_file_path("DATABASE_PATH",
                                 get("DATABASE_PATH", "data/eventbot.sqlite3")),
        events_dir=(_existing_dir("EVENTS_DIR", events) if (events := get("EVENTS_DIR"))
                    else BUNDLED_EVENTS_DIR),
        log_level=_log_level(get("LOG_LEVEL", "INFO")),
        discord_api_base=_url("DISCORD_API_BASE",
                              get("DISCORD_API_BASE", DISCORD_API_BASE),
                              ("http", "https"), credentials=False).rstrip("/"),
        discord_gateway_url=_url("DISCORD_GATEWAY_URL",
                                 get("DISCORD_GATEWAY_URL", DISCORD_GATEWAY_URL),
                                 ("ws", "wss")),
        sync_guild_id=_snowflake("SYNC_GUILD_ID", get("SYNC_GUILD_ID")),
        reconnect_max_delay=_seconds("RECONNECT_MAX_DELAY", get("RECONNECT_MAX_DELAY"), 60,
                                     maximum=3600, minimum=MIN_RECONNECT_DELAY),
        global_rate_limit=_rate("GLOBAL_RATE_LIMIT", get("GLOBAL_RATE_LIMIT")),
        fetch_timeout=_seconds("FETCH_TIMEOUT", get("FETCH_TIMEOUT"), FETCH_TIMEOUT),
        fetch_allowed_networks=_networks("FETCH_ALLOWED_NETWORKS",
                                         get("FETCH_ALLOWED_NETWORKS")),
        guild_retention_days=_days("GUILD_DATA_RETENTION_DAYS",
                                   get("GUILD_DATA_RETENTION_DAYS", "30")),
        default_guild_id=_snowflake("DEFAULT_GUILD_ID", get("DEFAULT_GUILD_ID")),
        import_preview_timeout=_seconds("IMPORT_PREVIEW_TIMEOUT", get("IMPORT_PREVIEW_TIMEOUT"),
                                        IMPORT_PREVIEW_TIMEOUT, maximum=IMPORT_PREVIEW_TIMEOUT),
        delete_question_timeout=_seconds("DELETE_QUESTION_TIMEOUT",
                                         get("DELETE_QUESTION_TIMEOUT"),
                                         DELETE_QUESTION_TIMEOUT,
                                         maximum=DELETE_QUESTION_TIMEOUT),
        sync_timeout=_seconds("SYNC_TIMEOUT", get("SYNC_TIMEOUT"), SYNC_TIMEOUT),
        clock_boot_settling=0.0 if _zero(get("CLOCK_BOOT_SETTLING")) else _seconds(
            "CLOCK_BOOT_SETTLING", get("CLOCK_BOOT_SETTLING"), CLOCK_BOOT_SETTLING,
            maximum=3600),
        ready_file=_ready_file(get("READY_FILE")),
        shard_count=shard_count,
        shard_ids=shard_ids,
        database_url=_database_url(get("DATABASE_URL")),
    )
    if env_file is not None:
        _misspelt(env_file, lines, read)
    return settings


# How like a setting's name a name in .env is to be taken for it misspelt: DATABSE_PATH
# (0.96), LOG_LEVLE (0.89) are; another program's DATABASE_USER (0.88 to DATABASE_URL),
# in a .env that docker compose reads too, is not.
MISSPELT = 0.885


def _misspelt(env_file: str | os.PathLike[str], lines: Mapping[str, int],
              read: set[str]) -> None:
    """Refuse a name in .env that is a setting's misspelt, or in other letters' case: the
    bot would go on without that setting (a DATABSE_PATH, the default database)."""
    for name, line in lines.items():
        if name in read:
            continue
        meant = difflib.get_close_matches(name.upper(), read, n=1, cutoff=MISSPELT)
        if meant:
            raise ConfigError(f"{os.fspath(env_file)}: line {line} sets {name}, which is no "
                              f"setting of the bot: did you mean {meant[0]}?")


def _env_file(path: str | os.PathLike[str],
              lines: dict[str, int] | None = None) -> dict[str, str | None]:
    """The settings in `.env`, which must be readable UTF-8 text of ENV_FILE_MAX_BYTES at
    most, each line of it a setting, a comment or blank. python-dotenv skips a line it
    cannot read with a warning and goes on without that setting: a DATABASE_PATH with its
    closing quote missing put an import into the default database."""
    name = os.fspath(path)
    try:
        with open(path, "rb") as file:
            data = file.read(ENV_FILE_MAX_BYTES + 1)
        if len(data) > ENV_FILE_MAX_BYTES:
            raise ConfigError(f"{name} is larger than {ENV_FILE_MAX_BYTES // 1024} KB, more "
                              "than settings fill: is it the right file?")
        # its line ends read as a file opened as text reads them: "\r\n" and "\r" as "\n"
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:  # Latin-1, or PowerShell's UTF-16 from `echo > .env`
        raise ConfigError(f"{name} is not UTF-8 text (byte {exc.start + 1} is not "
                          "UTF-8): save it as UTF-8") from None
    except OSError as exc:  # not readable to the bot (another user's, 0600)
        raise ConfigError(f"{name} cannot be read ({exc.strerror}): make it "
                          "readable to the bot, or move it away") from None
    bindings = list(parse_stream(io.StringIO(text)))
    unread = next((b.original.line for b in bindings if b.error), None)
    if lines is not None:  # (the first, should a name be set twice)
        for binding in reversed(bindings):
            if binding.key is not None:
                lines[binding.key] = binding.original.line
    if unread is not None:
        raise ConfigError(f"{name}: line {unread} cannot be read as a setting (a quote left "
                          "open?): write it as NAME=value")
    return dict(dotenv_values(stream=io.StringIO(text)))


def exposed_env_file(env_file: str | os.PathLike[str] = ENV_FILE) -> str | None:
    """A warning when `env_file` holds the bot's token or a database password and every
    user of the machine may read it (`cp .env.example .env` under the usual umask makes it
    0644), else None. A group's read is left alone: sharing it is the operator's choice."""
    path = Path(env_file)
    if os.name != "posix":  # Windows shows every file as readable to all (0o666)
        return None
    try:
        if not path.stat().st_mode & stat.S_IROTH:
            return None
        values = _env_file(path)
    except (OSError, ConfigError):  # not readable: load_settings says so
        return None
    held = [name for name in CREDENTIALS
            if (value := (values.get(name) or "").strip())
            and (name == "DISCORD_TOKEN" or _holds_password(value))]
    if not held:
        return None
    return (f"{os.fspath(path)} holds {' and '.join(held)} and every user of this machine "
            f"may read it: chmod 600 {os.fspath(path)}")


def _holds_password(url: str) -> bool:
    try:
        urlsplit(url)
    except ValueError:  # malformed: a password may be anywhere in it
        return True
    return bool(url_passwords(url, query=True))


def _token(value: str | None) -> str | None:
    """A bot token: printable ASCII without spaces (it goes into an HTTP header, where a
    line break inside was an error from aiohttp, and anything else a token never holds).
    The header's "Bot " (or another scheme) written before it is named: the rest may well
    be the token, and "does not look like a token" sent people to copy it again."""
    scheme, space, rest = (value or "").partition(" ")
    if space and scheme.lower() in ("bot", "bearer") and rest.strip():
        adds = "it" if scheme.lower() == "bot" else "'Bot '"
        raise ConfigError(f"DISCORD_TOKEN begins with '{scheme} ': write the token alone, "
                          f"without it (the bot adds {adds})")
    if value is not None and (len(value) < 10 or not (value.isascii() and value.isprintable())
                              or any(ch.isspace() for ch in value)):
        raise ConfigError("DISCORD_TOKEN does not look like a bot token (copy it from the "
                          "Bot page of your application in the Discord developer portal)")
    return value


# What ends a path that names a folder ("backups/"): pathlib drops it, and a file of the
# name without it would be written.
SEPARATORS = tuple(sep for sep in (os.sep, os.altsep) if sep)


def _file_path(name: str, value: str) -> Path:
    """A path that names a file: one ending in a separator names a folder (one that is
    there is refused as the folder it is, where the file is opened)."""
    path = _path(name, value)
    if value.endswith(SEPARATORS) and not path.is_dir():
        raise ConfigError(f"{name}={value!r} names a folder; name a file in it, e.g. "
                          f"{value}eventbot.sqlite3")
    return path


def _path(name: str, value: str) -> Path:
    """A path as a shell reads it: "~" or "~user" at its start is that home folder (a
    folder named "~" in the working folder is a trap: `rm -rf ~` to remove it)."""
    if "\0" in value:  # the system refuses it in every file name, with a ValueError
        raise ConfigError(f"{name} holds a NUL character, which no file name can hold")
    try:
        return Path(value).expanduser()
    except RuntimeError:  # "~nosuchuser/...", or "~/..." with neither HOME nor a home
        if value == "~" or value.startswith(("~/", "~" + os.sep)):
            raise ConfigError(f"{name}={value!r} begins with ~, the home folder, but HOME is "
                              "not set and this user has no home folder in the system's "
                              "list of users: set HOME, or write the path without ~"
                              ) from None
        raise ConfigError(f"{name}={value!r} begins with the home folder of a user who does "
                          "not exist here") from None


def _existing_dir(name: str, value: str) -> Path:
    path = _path(name, value)
    if not path.is_dir():
        raise ConfigError(f"{name}={value!r} is not a directory")
    return path


def _ready_file(value: str | None) -> Path | None:
    """A file the bot may write once ready; a folder there would never become one."""
    if value is None:
        return None
    path = _path("READY_FILE", value)
    if path.is_dir():
        raise ConfigError(f"READY_FILE={value!r} is a folder; name a file, e.g. "
                          f"{path / 'eventbot.ready'}")
    if not path.parent.is_dir():  # nor would a file in a folder that is not there
        raise ConfigError(f"READY_FILE={value!r} is in a folder that is not there "
                          f"({path.parent}): make the folder, or name a file in one")
    return path


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL={value!r} must be one of {', '.join(LOG_LEVELS)}")
    return level


def without_credentials(url: str) -> str:
    """`url` as messages and the settings' repr show it: whatever may be a user and a
    password (from "://" to the last "@") hidden, even where the URL cannot be read."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    return f"{scheme}://(hidden)@{rest.rpartition('@')[2]}"


def url_passwords(url: str, *, query: bool = False) -> list[str]:
    """The password in `url`, as written and as it reads (the log hides both); with
    `query`, also one given as its `password` parameter, as PostgreSQL's client takes it."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return []
    found = [password, unquote(password)] if password else []
    return found + parse_qs(parts.query).get("password", []) if query else found


def _url(name: str, value: str, schemes: tuple[str, ...], *, credentials: bool = True) -> str:
    """A URL the bot can connect to: its scheme one of `schemes`, a host, a port that is a
    number in range (and, not `credentials`, no user or password); refused here in one
    line, which shows no password, rather than retried for ever at connect."""
    shown = without_credentials(value)
    try:
        parsed = urlsplit(value)
        _ = parsed.port  # raises ValueError for a port that is no number, or too large
        readable = parsed.scheme in schemes and bool(parsed.hostname)
        signed_in = parsed.username is not None or parsed.password is not None
    except ValueError:  # also "http://[::1"
        readable = signed_in = False
    if not readable or any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ConfigError(f"{name}={shown!r} must be a {' or '.join(schemes)} URL")
    if not credentials and signed_in:
        # discord.py signs every call with the bot's token (an Authorization header), and
        # aiohttp will not send that beside a user and password in the URL: every call
        # would fail, the login first.
        raise ConfigError(f"{name}={shown!r} must not hold a user or password: the bot's "
                          "token is what Discord's API takes")
    if "?" in value or "#" in value:  # the bot adds the path of each request after it
        raise ConfigError(f"{name}={shown!r} must be a {' or '.join(schemes)} URL without "
                          "a query (?) or a fragment (#)")
    return value


def _database_url(value: str | None) -> str | None:
    if value is None:
        return None
    from bot.storage import url_problem  # the rule `migrate-db --to` follows too

    problem = url_problem(value)
    if problem:
        raise ConfigError(f"DATABASE_URL is malformed: {problem}")
    parsed = urlparse(value)
    if parsed.scheme not in ("postgresql", "postgres") or not (parsed.netloc or parsed.query):
        raise ConfigError("DATABASE_URL must be a postgresql:// URL, e.g. "
                          "postgresql://eventbot:secret@db.example:5432/eventbot "
                          "(leave it empty to use the SQLite file DATABASE_PATH)")
    return value


def _days(name: str, value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        days = -1.0
    if not 0 < days <= 3650:
        raise ConfigError(f"{name}={value!r} must be a number of days, above 0 and at most "
                          "3650 (fractions are fine)")
    return days


def _snowflake(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or not is_discord_id(int(value)):
        raise ConfigError(f"{name}={value!r} must be a Discord id (a positive whole number)")
    return int(value)


def _zero(value: str | None) -> bool:
    """Whether a number of seconds is written as none at all ("0", "0.0"): for a setting
    where 0 turns something off, which `_seconds` refuses."""
    try:
        return value is not None and float(value) == 0
    except ValueError:
        return False


def _seconds(name: str, value: str | None, default: float, maximum: float = 300,
             minimum: float = 0) -> float:
    """A number of seconds above 0 (at least `minimum`, when given) and at most `maximum`;
    `default` when unset."""
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (0 < seconds <= maximum and seconds >= minimum):
        least = f"at least {minimum:g}" if minimum else "above 0"
        raise ConfigError(f"{name}={value!r} must be a number of seconds, {least} and at "
                          f"most {maximum:g}")
    return seconds


MAX_GLOBAL_RATE = 100_000  # far beyond any limit Discord grants; catches a mistyped one


def _rate(name: str, value: str | None) -> float:
    """Requests a second: a number above 0, at most MAX_GLOBAL_RATE; Discord's 50 when unset."""
    if value is None:
        return 50.0
    try:
        rate = float(value)
    except ValueError:
        rate = math.nan
    if not 0 < rate <= MAX_GLOBAL_RATE:
        raise ConfigError(f"{name}={value!r} must be a number of requests a second, above 0 "
                          f"and at most {MAX_GLOBAL_RATE:,} (Discord's limit is 50 unless it "
                          "granted the bot more)")
    return rate


MAX_SHARDS = 10_000  # far beyond any bot's needs; catches a mistyped count


def _shards(count: str | None, ids: str | None) -> tuple[int | None, tuple[int, ...] | None]:
    """SHARD_COUNT (a whole number) and SHARD_IDS (comma-separated shards of it, e.g. "0,1";
    empty: all of them)."""
    if count is None:
        if ids is not None:
            raise ConfigError(f"SHARD_IDS={ids!r} needs SHARD_COUNT (how many shards there "
                              "are in all)")
        return None, None
    if not (count.isascii() and count.isdigit()) or not 1 <= int(count) <= MAX_SHARDS:
        raise ConfigError(f"SHARD_COUNT={count!r} must be a whole number of shards, from 1 "
                          f"to {MAX_SHARDS}")
    total = int(count)
    if ids is None:
        return total, None
    items = [item.strip() for item in ids.split(",")]
    if not all(item.isascii() and item.isdigit() and int(item) < total for item in items):
        raise ConfigError(f"SHARD_IDS={ids!r} must list shard numbers from 0 to {total - 1}, "
                          "separated by commas (e.g. 0,1)")
    shard_ids = tuple(int(item) for item in items)
    if len(set(shard_ids)) != len(shard_ids):
        raise ConfigError(f"SHARD_IDS={ids!r} names a shard twice")
    return total, shard_ids


def _networks(name: str, value: str | None) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR ranges, e.g. "127.0.0.1, 10.0.0.0/8, ::1"."""
    networks = []
    for item in (value or "").split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                raise ConfigError(f"{name}: {item.strip()!r} is not an IP address or a CIDR "
                                  "range such as 10.0.0.0/8") from None
    return tuple(networks)
