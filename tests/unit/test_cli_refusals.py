"""`python -m bot` refusing, in one line, what would otherwise write to the wrong place
(a path that names a folder, a `.env` that is no file, an error with nowhere to go but
the command's output), and taking what it refused wrongly (a long file name)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_DIR
from tests.terminal import terminal_signals

GUILD = "123456789012345678"


@pytest.fixture
def cli(tmp_path):
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DISCORD_", "DEFAULT_", "DATABASE_"))}
    base.update(PYTHONPATH=str(ROOT), DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
                EVENTS_DIR=str(ROOT / "data" / "events"))

    def run(*args: str, env: dict[str, str | None] | None = None, **options
            ) -> subprocess.CompletedProcess:
        given = {k: v for k, v in (base | (env or {})).items() if v is not None}
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=given,
                              stdin=subprocess.DEVNULL, text=True, timeout=60,
                              **({"capture_output": True} | options))

    run.db = tmp_path / "bot.sqlite3"
    return run


def imported(cli) -> None:
    proc = cli("import", str(SAMPLE_DIR), "--guild", GUILD)
    assert proc.returncode == 0, proc.stderr


def refused_in_one_line(proc) -> bool:
    return (proc.returncode == 2 and proc.stderr.startswith("eventbot: ")
            and proc.stderr.count("\n") == 1)


def test_a_backup_target_ending_in_a_slash_is_not_written_as_a_file(cli, tmp_path):
    """pathlib drops the slash: `backup newdir/` wrote a file "newdir" and said it had
    backed up to "newdir/"."""
    imported(cli)
    proc = cli("backup", "newdir/")
    assert refused_in_one_line(proc), proc.stderr
    assert "names a folder" in proc.stderr
    assert not (tmp_path / "newdir").exists()


def test_a_database_path_ending_in_a_slash_is_not_made_as_a_file(cli, tmp_path):
    proc = cli("import", str(SAMPLE_DIR), "--guild", GUILD, env={"DATABASE_PATH": "dbfolder/"})
    assert refused_in_one_line(proc), proc.stderr
    assert "DATABASE_PATH='dbfolder/' names a folder" in proc.stderr
    assert not (tmp_path / "dbfolder").exists()


@pytest.mark.parametrize("kind", ["folder", "pipe"])
def test_an_env_that_is_not_a_file_is_refused_in_one_line(cli, tmp_path, kind):
    """A `.env` folder (what `docker run -v ./.env:/app/.env` makes where the host has no
    .env) or a pipe was skipped without a word: the import went into a second database,
    data/eventbot.sqlite3, and `run` said to copy .env.example to .env."""
    if kind == "folder":
        (tmp_path / ".env").mkdir()
    else:
        os.mkfifo(tmp_path / ".env")
    proc = cli("import", str(SAMPLE_DIR), "--guild", GUILD, env={"DATABASE_PATH": None})
    assert refused_in_one_line(proc), proc.stderr
    assert ".env is" in proc.stderr and "not a settings file" in proc.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("command", [["import", str(SAMPLE_DIR), "--guild", GUILD], ["run"]])
def test_an_env_linked_to_a_file_that_is_not_there_is_refused_in_one_line(cli, tmp_path,
                                                                          command):
    """`.env` a link to the deployment's settings (`ln -s /etc/eventbot/env .env`, a
    secret mounted there) whose target is missing was skipped without a word: the bot
    made and used a second database, data/eventbot.sqlite3, and `run` said to copy
    .env.example to .env, which is there."""
    (tmp_path / ".env").symlink_to(tmp_path / "secrets" / "eventbot.env")
    proc = cli(*command, env={"DATABASE_PATH": None})
    assert refused_in_one_line(proc), proc.stderr
    assert proc.stderr == (f"eventbot: .env is a link to {tmp_path / 'secrets' / 'eventbot.env'}"
                           ", which is not there: restore that file, or make it a copy of "
                           ".env.example\n")
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(("written", "meant"), [("DATABSE_PATH", "DATABASE_PATH"),
                                               ("database_path", "DATABASE_PATH"),
                                               ("DEFAULT_GUILD_IDS", "DEFAULT_GUILD_ID")])
def test_a_setting_misspelt_in_env_is_refused_naming_the_one_meant(cli, tmp_path, written,
                                                                   meant):
    """A name in .env the bot does not read was skipped without a word: DATABSE_PATH put
    the import into a second database, data/eventbot.sqlite3, the bot's own left as it
    was."""
    value = "mine.sqlite3" if meant == "DATABASE_PATH" else GUILD
    (tmp_path / ".env").write_text(f"# the bot's settings\n{written}={value}\n")
    proc = cli("import", str(SAMPLE_DIR), "--guild", GUILD,
               env={"DATABASE_PATH": None, "DEFAULT_GUILD_ID": None})
    assert refused_in_one_line(proc), proc.stderr
    assert proc.stderr == (f"eventbot: .env: line 2 sets {written}, which is no setting of "
                           f"the bot: did you mean {meant}?\n")
    assert not (tmp_path / "data").exists() and not (tmp_path / "mine.sqlite3").exists()


def test_another_program_s_settings_in_env_are_left_alone(cli, tmp_path):
    """A .env shared with docker compose holds its database's settings too."""
    (tmp_path / ".env").write_text("POSTGRES_PASSWORD=s3cret\nDATABASE_USER=eventbot\n"
                                   "COMPOSE_PROJECT_NAME=events\nDATABASE_PATH=mine.sqlite3\n")
    proc = cli("import", str(SAMPLE_DIR), "--guild", GUILD, env={"DATABASE_PATH": None})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "mine.sqlite3").exists()


def test_a_ready_file_in_a_folder_that_is_not_there_is_refused_at_the_start(cli, tmp_path):
    """The bot started, connected and answered, and its ready file was never written (a
    warning in the log): the supervisor waiting on it waited for ever, as for a READY_FILE
    that names a folder, which is refused."""
    ready = tmp_path / "run" / "eventbot" / "ready"
    proc = cli("run", env={"DISCORD_TOKEN": "abcdefghijklmnopqrstu.vwx",
                           "DISCORD_API_BASE": "http://127.0.0.1:1/api/v10",
                           "READY_FILE": str(ready)})
    assert refused_in_one_line(proc), proc.stderr
    assert proc.stderr == (f"eventbot: READY_FILE={str(ready)!r} is in a folder that is not "
                           f"there ({ready.parent}): make the folder, or name a file in one\n")
    assert not cli.db.exists()


def test_an_error_with_stderr_closed_does_not_go_into_the_output(cli, tmp_path):
    """With stderr closed (a daemon, `2>&-`), the error line went to stdout: into the CSV
    a script reads as data."""
    imported(cli)
    proc = cli("rsvps", "no-such-event", "--csv", capture_output=False,
               stdout=subprocess.PIPE, preexec_fn=lambda: os.close(2))
    assert proc.returncode == 2
    assert proc.stdout == ""


@pytest.mark.parametrize("command", ["events", "migrate-db"])
def test_a_postgresql_server_that_never_answers_is_named_with_a_reason(cli, command):
    """A server that takes the connection and never answers (a firewall that drops, a
    hung server): the line gave an empty reason, "()"."""
    imported(cli)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"postgresql://eventbot@127.0.0.1:{silent.getsockname()[1]}/eventbot"
        proc = (cli("events", env={"DATABASE_URL": url}) if command == "events"
                else cli("migrate-db", "--to", url))
    assert refused_in_one_line(proc), proc.stderr
    assert "(no answer in time)" in proc.stderr and "()" not in proc.stderr


def test_the_csv_keeps_its_own_record_ends_where_stdout_translates_line_ends(tmp_path,
                                                                             monkeypatch):
    """Records end in CRLF (RFC 4180). A stdout that turns "\\n" into CRLF, as Windows'
    does (simulated here), made each end "\\r\\r\\n": an empty row after each member."""
    import io

    from bot.__main__ import main
    from bot.render_replies import attendees_csv

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("EVENTS_DIR", str(ROOT / "data" / "events"))
    assert main(["import", str(SAMPLE_DIR), "--guild", GUILD]) == 0
    raw = io.BytesIO()
    windows = io.TextIOWrapper(raw, encoding="utf-8", newline="\r\n")
    monkeypatch.setattr(sys, "stdout", windows)
    assert main(["rsvps", "1", "--csv"]) == 0
    windows.flush()
    assert raw.getvalue() == attendees_csv([]).encode()
    assert raw.getvalue().endswith(b"\r\n") and b"\r\r\n" not in raw.getvalue()


def as_user(user: str) -> Callable[..., subprocess.CompletedProcess]:
    """`python -m bot` as `user`, with settings (root only, and an interpreter that user may
    run); the test is skipped where there is none."""
    runuser = shutil.which("runuser")
    if os.geteuid() != 0 or runuser is None:
        pytest.skip("needs root and runuser to act as two users")
    import pwd  # POSIX's

    try:
        pwd.getpwnam(user)
    except KeyError:
        pytest.skip(f"no user {user} here")
    paths = os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]])
    prefix = [runuser, "-u", user, "--", "env", f"PYTHONPATH={paths}"]
    # this one, else the system's (this one may be in root's home, closed to others)
    for python in (sys.executable, shutil.which("python3.11", path=os.defpath)):
        if python and subprocess.run([*prefix, python, "-c", "import bot.__main__"],
                                     capture_output=True).returncode == 0:
            break
    else:
        pytest.skip(f"no Python here that {user} can run the bot with")

    def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *(f"{k}={v}" for k, v in env.items()), str(python),
                               "-m", "bot", *args], capture_output=True, text=True,
                              timeout=60, cwd="/")
    return run


def test_a_backup_by_a_user_who_cannot_write_the_database_leaves_the_bot_able_to_start():
    """Run by a user who may read the stopped bot's database and write its folder (a
    group's backup job), SQLite made the database's -wal and -shm as that user's and left
    them: the bot's next start was refused, its -wal read-only to it."""
    bot_user, other = as_user("daemon"), as_user("nobody")
    folder = Path(tempfile.mkdtemp(prefix="eventbot-users-"))
    try:
        folder.chmod(0o777)  # the backup's and the database's folder, open to both
        database = folder / "bot.sqlite3"
        env = {"DATABASE_PATH": str(database), "EVENTS_DIR": str(ROOT / "data" / "events")}
        made = bot_user(env, "import", str(SAMPLE_DIR), "--guild", GUILD)
        assert made.returncode == 0, made.stderr
        database.chmod(0o644)  # readable by every user, written by the bot's alone
        proc = other(env, "backup", str(folder / "b.db"))
        assert refused_in_one_line(proc), proc.stderr
        assert proc.stderr == (
            f"eventbot: {database} cannot be written by this user, and the bot is not "
            "running on it: SQLite would make its -wal and -shm files as this user's, which "
            "the bot could not write; back it up as the bot's user (daemon), or while the "
            "bot runs\n")
        assert [p.name for p in folder.iterdir()] == ["bot.sqlite3"]  # no -wal, no -shm
        events = bot_user(env, "events")
        assert events.returncode == 0, events.stderr
    finally:
        shutil.rmtree(folder)


def test_a_backup_into_a_long_but_valid_file_name_is_made(cli, tmp_path):
    """Not refused: a name of 238 bytes got "File name too long", of the copy's name."""
    imported(cli)
    name = "b" * 230 + ".sqlite3"
    proc = cli("backup", name)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / name).stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def backing_up(cli, tmp_path, name: str) -> tuple[subprocess.Popen, float]:
    """`backup NAME` started, with the signals as at a terminal (`terminal_signals`),
    and the moment its copy appeared."""
    import time

    proc = subprocess.Popen([sys.executable, "-m", "bot", "backup", name],
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT),
                                               "DATABASE_PATH": str(cli.db)},
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=terminal_signals)
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(f".{name}.*.partial")):  # the copy under way
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.001)
    return proc, time.monotonic()


@pytest.mark.parametrize(("stop", "status"), [("SIGINT", 130), ("SIGTERM", 143),
                                              ("SIGHUP", 129)])
def test_a_backup_stopped_midway_leaves_no_copy_and_stops_at_once(cli, tmp_path, stop,
                                                                  status):
    """A supervisor's SIGTERM (or the terminal closing) killed a backup on the spot, and
    its copy stayed, as big as the database, until a later backup into the same name
    removed it; Ctrl-C waited for the whole copy, then kept it as a backup after all."""
    import signal
    import sqlite3
    import time

    imported(cli)
    with sqlite3.connect(cli.db) as db:  # large enough that copying it takes a while
        db.execute("CREATE TABLE ballast (b BLOB)")
        db.executemany("INSERT INTO ballast VALUES (zeroblob(100000))", [()] * 4000)
    proc, began = backing_up(cli, tmp_path, "whole.sqlite3")
    assert proc.wait(timeout=60) == 0
    whole = time.monotonic() - began  # copying and checking the whole database
    (tmp_path / "whole.sqlite3").unlink()

    proc, _ = backing_up(cli, tmp_path, "copy.sqlite3")
    proc.send_signal(getattr(signal, stop))
    sent = time.monotonic()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert time.monotonic() - sent < whole / 2  # it stopped copying
    assert (out, err) == ("", "")
    assert [p.name for p in tmp_path.iterdir() if "copy" in p.name] == []  # whole or not
