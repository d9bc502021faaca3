from pathlib import Path

import pytest

from bot.config import DISCORD_API_BASE, ConfigError, load_settings
from bot.storage import safe_url
from tests.conftest import ROOT

EVENTS = str(ROOT / "data" / "events")


def settings(**env):
    return load_settings({"EVENTS_DIR": EVENTS, **env}, env_file=None)


def test_defaults():
    s = settings()
    assert s.discord_token is None
    assert s.database_path == Path("data/eventbot.sqlite3")
    assert s.log_level == "INFO"
    assert s.discord_api_base == DISCORD_API_BASE
    assert s.discord_gateway_url.startswith("wss://")
    assert s.sync_guild_id is None
    assert s.reconnect_max_delay == 60
    assert s.guild_retention_days == 30
    assert s.global_rate_limit == 50  # Discord's global limit


def test_values_from_the_environment():
    s = settings(DISCORD_TOKEN="abc.def.ghijkl", LOG_LEVEL="debug", SYNC_GUILD_ID="42",
                 DISCORD_API_BASE="http://127.0.0.1:9000/api/v10/",
                 DISCORD_GATEWAY_URL="ws://127.0.0.1:9000/")
    assert (s.discord_token, s.log_level, s.sync_guild_id) == ("abc.def.ghijkl", "DEBUG", 42)
    assert s.discord_api_base == "http://127.0.0.1:9000/api/v10"


def test_the_environment_wins_over_the_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=ERROR\nDATABASE_PATH=from-file.sqlite3\n")
    s = load_settings({"EVENTS_DIR": EVENTS, "LOG_LEVEL": "WARNING"}, env_file=env_file)
    assert (s.log_level, s.database_path) == ("WARNING", Path("from-file.sqlite3"))


@pytest.mark.parametrize(("name", "value"), [
    ("LOG_LEVEL", "LOUD"),
    ("DISCORD_API_BASE", "discord.com/api"),
    ("DISCORD_GATEWAY_URL", "https://gateway.discord.gg"),
    ("DISCORD_API_BASE", "http://[::1"),  # urlsplit raises ValueError
    ("DISCORD_GATEWAY_URL", "ws://[::1"),
    ("DISCORD_API_BASE", "http://127.0.0.1:99999/api"),
    ("DISCORD_API_BASE", "http://host:abc/api"),
    ("DISCORD_API_BASE", "http://exa mple.com/api"),
    ("DISCORD_GATEWAY_URL", "ws://:9000/"),
    ("DISCORD_API_BASE", "http://127.0.0.1:9000/api/v10?v=10"),  # the routes go after it
    ("DISCORD_API_BASE", "https://discord.com/api/v10#"),
    ("SYNC_GUILD_ID", "guild"),
    ("SYNC_GUILD_ID", "²"),  # str.isdigit() says yes; int() says no
    ("SYNC_GUILD_ID", "٣٤"),
    ("SYNC_GUILD_ID", str(2**64 - 1)),  # beyond what the database keeps (signed 64 bits)
    ("DEFAULT_GUILD_ID", str(2**63)),
    ("EVENTS_DIR", "/no/such/folder"),
    ("DISCORD_TOKEN", "has spaces in it"),
    ("DISCORD_TOKEN", "abcdefghij\nklmnop"),  # was a ValueError from aiohttp's headers
    ("DISCORD_TOKEN", "abcdefghij\tklmnop"),
    ("DISCORD_TOKEN", "tökenabcdefghij"),  # a token is ASCII: a character mistyped or pasted
    ("RECONNECT_MAX_DELAY", "soon"),
    ("RECONNECT_MAX_DELAY", "0"),
    ("RECONNECT_MAX_DELAY", "0.000001"),  # thousands of logins a second while Discord is away
    ("GUILD_DATA_RETENTION_DAYS", "a month"),
    ("GLOBAL_RATE_LIMIT", "0"),
    ("GLOBAL_RATE_LIMIT", "fifty"),
    ("GLOBAL_RATE_LIMIT", "nan"),
    ("GLOBAL_RATE_LIMIT", "1e9"),
    ("CLOCK_BOOT_SETTLING", "-5"),
    ("CLOCK_BOOT_SETTLING", "a while"),
    ("GUILD_DATA_RETENTION_DAYS", "0"),
    ("DATABASE_URL", "mysql://db.example/eventbot"),
    ("DATABASE_URL", "db.example:5432/eventbot"),
    ("DATABASE_URL", "postgresql://db.example:port/eventbot"),
    ("SHARD_COUNT", "0"),
    ("SHARD_COUNT", "two"),
    ("SHARD_COUNT", "²"),
    ("SHARD_COUNT", "-1"),
    ("SHARD_COUNT", "100000"),
    ("SHARD_IDS", "0"),  # without SHARD_COUNT
    ("READY_FILE", "."),  # a folder: the file was never written (the supervisor waited on)
    ("READY_FILE", "/"),
    ("DATABASE_PATH", "~no-such-user-here/bot.sqlite3"),
])
def test_a_bad_value_names_its_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        settings(**{name: value})


@pytest.mark.parametrize("name", ["DATABASE_PATH", "DISCORD_TOKEN", "DATABASE_URL",
                                  "EVENTS_DIR", "READY_FILE", "LOG_LEVEL"])
@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_value_in_quotes_is_refused_without_showing_it(name, quote):
    """Quotes around a value are part of it where a value comes from the environment as
    such (`docker run --env-file` keeps them; .env's own quotes are taken off): a quoted
    DATABASE_PATH made a folder named '"data' and started on an empty database beside the
    real one, a quoted token was refused by Discord as a wrong token."""
    value = {"DATABASE_URL": "postgresql://bot:s3cret@db.example/events",
             "DISCORD_TOKEN": "s3cret.token.value", "EVENTS_DIR": EVENTS,
             "LOG_LEVEL": "INFO"}.get(name, "data/eventbot.sqlite3")
    with pytest.raises(ConfigError) as refused:
        settings(**{name: f"{quote}{value}{quote}"})
    assert str(refused.value) == (
        f"{name} is written in quotes, which here are part of its value (docker run "
        "--env-file keeps them): write it without quotes")
    assert "s3cret" not in str(refused.value)


def test_quotes_in_the_env_file_are_taken_off(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_PATH=\"data/quoted.sqlite3\"\nLOG_LEVEL='ERROR'\n")
    s = load_settings({"EVENTS_DIR": EVENTS}, env_file=env_file)
    assert (s.database_path, s.log_level) == (Path("data/quoted.sqlite3"), "ERROR")


def test_the_env_file_s_line_ends_are_read_as_a_text_file_s(tmp_path):
    """Windows' and old Macs' line ends, inside a value written over two lines too."""
    from bot.config import _env_file

    env_file = tmp_path / ".env"
    env_file.write_bytes(b'NOTE="two\r\nlines"\r\nOLD="a\rb"\rLOG_LEVEL=ERROR\r\n')
    assert _env_file(env_file) == {"NOTE": "two\nlines", "OLD": "a\nb", "LOG_LEVEL": "ERROR"}


def test_a_path_beginning_with_a_tilde_is_in_the_home_folder(tmp_path, monkeypatch):
    """As a shell reads it (and the sandbox already did): DATABASE_PATH=~/bot.sqlite3 made a
    folder named '~' in the working folder, holding a new, empty database."""
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "events").mkdir()
    s = load_settings({"DATABASE_PATH": "~/bot.sqlite3", "EVENTS_DIR": "~/events",
                       "READY_FILE": "~/ready"}, env_file=None)
    assert (s.database_path, s.events_dir, s.ready_file) == (
        tmp_path / "bot.sqlite3", tmp_path / "events", tmp_path / "ready")



def test_a_tilde_without_a_home_folder_says_to_set_home(monkeypatch):
    """A service with HOME unset, run as a user id the system's user list does not name (a
    container's --user 10001): ~/bot.sqlite3 was refused as the home folder of "a user who
    does not exist here", where the user is the one running the bot."""
    import pwd

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: (_ for _ in ()).throw(KeyError(uid)))
    with pytest.raises(ConfigError) as refused:
        settings(DATABASE_PATH="~/bot.sqlite3")
    assert str(refused.value) == (
        "DATABASE_PATH='~/bot.sqlite3' begins with ~, the home folder, but HOME is not set "
        "and this user has no home folder in the system's list of users: set HOME, or "
        "write the path without ~")

def test_database_url_chooses_postgresql_and_is_shown_without_its_password():
    assert settings().database == Path("data/eventbot.sqlite3")
    s = settings(DATABASE_URL="postgresql://bot:s3cret@db.example:5433/events")
    assert s.database == "postgresql://bot:s3cret@db.example:5433/events"
    assert s.database_label == "postgresql://db.example:5433/events"
    # A URL whose address cannot be read may hold its password anywhere: none of it shows.
    assert safe_url("postgresql://bot:s3/cret@db.example/events") == (
        "postgresql://(a malformed address)")


def test_the_settings_as_printed_or_logged_show_no_token_or_password():
    token = "MTA5ODc2NTQzMjEwOTg3NjU0.GabcDe.s3cretTokenPart_xyz"
    s = settings(DISCORD_TOKEN=token, DATABASE_URL="postgresql://bot:s3cret@db.example/ev")
    for shown in (repr(s), str(s), f"{s!r}"):
        assert "s3cret" not in shown and "Gabc" not in shown, shown
        assert "Settings(" in shown and "log_level='INFO'" in shown
    assert s.discord_token == token  # kept, only not shown


def test_the_secrets_the_log_hides_are_the_token_and_the_database_password(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "from-env")  # asyncpg's, where the URL has none
    assert settings(DATABASE_URL="postgresql://bot@db.example/ev").secrets == ("from-env",)
    monkeypatch.delenv("PGPASSWORD")
    s = settings(DISCORD_TOKEN="MTA5ODc2NTQz.Gab.cd_ef",
                 DATABASE_URL="postgresql://bot:p%40ss@db.example/ev?password=other")
    assert s.secrets == ("MTA5ODc2NTQz.Gab.cd_ef", "p%40ss", "p@ss", "other")
    assert settings().secrets == ()


def test_env_example_documents_every_setting():
    import re

    source = (ROOT / "bot" / "config.py").read_text()
    read = set(re.findall(r'get\("([A-Z_]+)"', source))
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert read == documented
    settings(**{k: v for k, v in re.findall(r"^([A-Z_]+)=(.*)$", example, re.MULTILINE)
                if k not in ("EVENTS_DIR",)})


def test_shard_settings():
    assert (settings().shard_count, settings().shard_ids) == (None, None)
    s = settings(SHARD_COUNT="4", SHARD_IDS=" 1, 3 ")
    assert (s.shard_count, s.shard_ids) == (4, (1, 3))
    assert (settings(SHARD_COUNT="2").shard_count, settings(SHARD_COUNT="2").shard_ids) == (2, None)


@pytest.mark.parametrize("ids", ["2", "0,2", "a", "0,,1", "-1", "0,0", "1;0", "١"])
def test_bad_shard_ids_name_their_variable(ids):
    with pytest.raises(ConfigError, match="SHARD_IDS"):
        settings(SHARD_COUNT="2", SHARD_IDS=ids)


def test_a_password_in_the_gateway_url_is_not_shown_and_the_log_hides_it():
    """A gateway proxy reached with a user and password (wss://user:pass@host/): the
    settings as printed show neither, and the log hides the password, as written and as
    it reads."""
    s = settings(DISCORD_GATEWAY_URL="wss://bot:g4te%40pw@gw.example/")
    assert s.discord_gateway_url == "wss://bot:g4te%40pw@gw.example/"  # kept, only not shown
    assert "g4te" not in repr(s) and "gw.example" in repr(s), repr(s)
    assert s.secrets == ("g4te%40pw", "g4te@pw")


@pytest.mark.parametrize("value", [
    "https://user:s3cr3tpw@proxy.example/api/v10",
    "https://user:s3cr3tpw@proxy.example/api/v10?v=10",  # refused for its query too
    "https://user:s3cr3t/pw@proxy.example/api",  # a slash in it: no port, no host to read
    "https://user:s3cr3tpw@proxy example/api",
])
def test_an_api_base_with_a_password_is_refused_without_showing_it(value):
    """discord.py signs every REST call with the bot's token (an Authorization header),
    which aiohttp refuses to send beside credentials in the URL: such a DISCORD_API_BASE
    could never work, and is refused in one line that shows no password."""
    with pytest.raises(ConfigError) as refused:
        settings(DISCORD_API_BASE=value)
    line = str(refused.value)
    assert "DISCORD_API_BASE" in line and "s3cr3t" not in line and "\n" not in line, line


@pytest.mark.parametrize("value", ["ws://u:g4tewaypw@127.0.0.1:9000/#x",
                                   "ws://u:g4tewaypw@[::1/", "http://u:g4tewaypw@host/"])
def test_a_malformed_gateway_url_with_a_password_is_refused_without_showing_it(value):
    with pytest.raises(ConfigError) as refused:
        settings(DISCORD_GATEWAY_URL=value)
    assert "DISCORD_GATEWAY_URL" in str(refused.value)
    assert "g4tewaypw" not in str(refused.value), refused.value


def test_an_api_base_with_an_at_sign_in_its_path_is_no_password():
    """Only the address's own user and password are refused: a path may hold an "@"."""
    value = "http://127.0.0.1:9000/proxy@eu/api/v10"
    assert settings(DISCORD_API_BASE=value).discord_api_base == value


def test_the_clock_s_boot_settling_is_seconds_or_none():
    assert settings().clock_boot_settling == 900.0
    assert settings(CLOCK_BOOT_SETTLING="120").clock_boot_settling == 120.0
    assert settings(CLOCK_BOOT_SETTLING="0").clock_boot_settling == 0.0
    # .env.example: "0: no step is believed at once", however the 0 is written
    assert settings(CLOCK_BOOT_SETTLING="0.0").clock_boot_settling == 0.0


def test_the_sync_timeout_is_seconds_up_to_five_minutes():
    assert settings().sync_timeout == 60.0
    assert settings(SYNC_TIMEOUT="1.5").sync_timeout == 1.5
    for value in ("0", "301", "soon", "nan"):
        with pytest.raises(ConfigError, match="SYNC_TIMEOUT"):
            settings(SYNC_TIMEOUT=value)
