"""The command line, run as a user runs it: `python -m bot ...` in a fresh folder."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import quopri
import re
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import catalog
from bot.config import load_settings
from bot.progress import data_in_utf8
from bot.storage.sqlite.migrations import SCHEMA_VERSION
from tests.conftest import ANNOUNCEMENT, RECAP, ROOT, SAMPLE_DIR, sqlite_before
from tests.terminal import run_in_terminal

SEED_PEOPLE = [("Tong Zhao", "moderator"), ("Li Bin", "speaker"), ("Fan Jishe", "discussant"),
               ("Duan Zhanyuan", "discussant"), ("Zhang Hongyu", "discussant")]
SEED_TAKEAWAYS = ["U.S.-China Security Relations", "U.S. Policy Ambiguities",
                  "Respective Defense Capabilities", "Recommendations for China",
                  "Uncertain Future"]


@pytest.fixture
def cli(tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEFAULT_"))}
    base.update(PYTHONPATH=str(ROOT), DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
               EVENTS_DIR=str(ROOT / "data" / "events"))

    def run(*args: str, check_status: int | None = 0, database: str | None = None,
            wrap: tuple[str, ...] = (), env: dict[str, str | None] | None = None
            ) -> subprocess.CompletedProcess:
        # No terminal on stdin, as in CI: `run` without a token would open the sandbox.
        # A setting given as None is left out of the environment (.env then gives it).
        extra = (env or {}) | ({} if database is None else {"DATABASE_PATH": database})
        given = {k: v for k, v in (base | extra).items() if v is not None}
        proc = subprocess.run([*wrap, sys.executable, "-m", "bot", *args], cwd=tmp_path,
                              env=given,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=60)
        if check_status is not None:
            assert proc.returncode == check_status, proc.stderr
        return proc

    run.db = tmp_path / "bot.sqlite3"
    run.env = base
    return run


def made_database(cli) -> None:
    """An empty database where DATABASE_PATH says: `run` makes it before it finds no token."""
    cli("run", check_status=2)


def no_events(cli) -> bool:
    """Nothing imported: no database at all, or one without events."""
    return not cli.db.exists() or cli("events").stdout.startswith("no events yet")


def test_run_without_a_token_explains_and_prepares_an_empty_database(cli, tmp_path):
    proc = cli("run", check_status=2)
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("eventbot: DISCORD_TOKEN is not set")
    # started elsewhere than the folder of its .env: where it looked for one
    assert f"there is no .env in {tmp_path}, where the bot reads it" in lines[-1]
    heading = lines[-1].split("(README: '")[1].split("'")[0]  # the section it points at
    assert f"\n## {heading}\n" in (ROOT / "README.md").read_text()
    assert len([line for line in lines if line.startswith("eventbot:")]) == 1
    # a new database is one line in the log, not one for each step of the schema's history
    assert sum("creating the database's tables" in line for line in lines) == 1
    assert not [line for line in lines if "migrating database" in line]
    # The sample event goes to each server the bot joins, not to a server no one has.
    conn = sqlite3.connect(cli.db)
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    conn.close()
    cli("run", check_status=2)


def test_run_refuses_a_broken_bundled_event_in_one_line(cli, tmp_path):
    folder = tmp_path / "bundled" / "broken"
    folder.mkdir(parents=True)
    (folder / "event.toml").write_text('title = "X"\ncapacity = 0\npages = ["a.txt"]\n')
    proc = cli("run", check_status=None, database=None, env={"EVENTS_DIR": str(folder.parent)})
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "capacity must be a whole number" in proc.stderr


@pytest.mark.parametrize(("args", "said"), [
    (("frob",), "eventbot: argument command: invalid choice: 'frob'"),
    (("rsvps",), "eventbot rsvps: the following arguments are required: EVENT"),
    (("import", "x", "--guild", "abc"),
     "eventbot import: argument --guild: 'abc' is not a whole number"),
])
def test_a_mistyped_command_line_is_one_line_and_exit_2(cli, args, said):
    proc = cli(*args, check_status=2)
    assert proc.stderr.startswith(said) and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.rstrip().endswith("--help)") and proc.stdout == ""


# What only the commands that read pages (the reader, its dates, aiohttp for URLs) and the
# bot itself (Discord's library) load: a third of a second of each other command's start.
NOT_FOR_LIGHT_COMMANDS = ("bot.pages", "bot.pages_reader", "bot.when", "bot.catalog",
                          "bot.fetch", "aiohttp", "discord")


def test_help_listings_and_copies_load_no_page_reader_web_client_or_discord(cli):
    """The commands run one after another in one interpreter (one start instead of six),
    each saying which of those modules are loaded by then: the first to name one loaded it."""
    cli.db.touch()  # an empty file, which the first command makes the bot's database
    script = f"""
import sys
from bot.__main__ import main
for argv in (["--help"], ["events", "--help"], ["events"], ["rsvps", "1"],
             ["backup", "copy.sqlite3"], ["migrate-db", "--to", "sqlite://x"]):
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    loaded = [name for name in {NOT_FOR_LIGHT_COMMANDS!r} if name in sys.modules]
    print(" ".join(argv), status, loaded, file=sys.stderr)
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=cli.db.parent, env=cli.env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    said = [line for line in proc.stderr.splitlines() if not line.startswith("eventbot:")]
    assert said == ["--help 0 []", "events --help 0 []", "events 0 []", "rsvps 1 2 []",
                    "backup copy.sqlite3 0 []", "migrate-db --to sqlite://x 2 []"], proc.stderr


def test_commands_work_from_any_folder_with_the_bundled_events_by_default(cli):
    """Without EVENTS_DIR, the bundled events are those beside the code, wherever the
    command is run from (here a fresh folder with no data/ of its own)."""
    env = {k: v for k, v in cli.env.items() if k != "EVENTS_DIR"}
    made_database(cli)
    proc = subprocess.run([sys.executable, "-m", "bot", "events"], cwd=cli.db.parent, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert proc.stdout.startswith("no events yet")
    settings = load_settings({}, env_file=None)
    assert settings.events_dir == ROOT / "data" / "events"
    assert catalog.event_folders(settings.events_dir) == [SAMPLE_DIR]


def test_parse_json_reads_the_seed_pages(cli):
    out = cli("parse", str(ANNOUNCEMENT), str(RECAP), "--json").stdout
    announcement, recap = (json.loads(line) for line in out.splitlines())
    assert announcement["kind"] == "announcement"
    assert announcement["moderator"] == "Tong Zhao"
    assert [(p["name"], p["role"]) for p in announcement["people"]] == SEED_PEOPLE
    text = ANNOUNCEMENT.read_text(encoding="utf-8")
    for person in announcement["people"]:
        assert person["bio"].startswith(person["name"])
        assert person["bio"] in text  # verbatim, non-breaking spaces included
    assert announcement["off_the_record"] is True
    assert announcement["language"] == "Chinese"
    assert announcement["translation"] == "English"
    assert announcement["registration_closed"] is True
    assert recap["kind"] == "recap"
    assert [t["heading"] for t in recap["takeaways"]] == SEED_TAKEAWAYS
    recap_text = " ".join(RECAP.read_text(encoding="utf-8").split())
    for takeaway in recap["takeaways"]:
        assert " ".join(takeaway["text"].split()) in recap_text
        assert len(takeaway["text"]) > 400


def test_parse_shows_the_title_date_and_venue_and_each_person_once(cli, tmp_path):
    """What an operator checks before importing: the title, the date line and the venue
    the importer read, then each person once (the moderator was listed twice, as the
    page's moderator and again among its people, as if the page named two)."""
    page = tmp_path / "event.txt"
    page.write_text("Nuclear Arms Control\nTuesday, December 1, 2026, 6:00 PM EST\n"
                    "Carnegie Endowment, Washington, DC\n\n"
                    "Tong Zhao will moderate a discussion with Li Bin.\n\n"
                    "Tong Zhao\n\nTong Zhao is a fellow.\n\n"
                    "Li Bin\n\nLi Bin is a senior fellow.\n", encoding="utf-8")
    lines = cli("parse", str(page)).stdout.splitlines()
    assert lines[:4] == [f"{page}: announcement", "  title: Nuclear Arms Control",
                         "  date: Tuesday, December 1, 2026, 6:00 PM EST",
                         "  venue: Carnegie Endowment, Washington, DC"], lines
    assert [line for line in lines if "Tong Zhao" in line] == ["  moderator: Tong Zhao"]
    assert "  speaker: Li Bin" in lines
    seed = cli("parse", str(ANNOUNCEMENT)).stdout.splitlines()
    roles = ("moderator", "speaker", "discussant")
    assert [line for line in seed if line.split(":")[0].strip() in roles] == [
        f"  {role}: {name}" for name, role in SEED_PEOPLE]


def test_parse_shows_each_takeaway_by_its_heading_or_else_its_text(cli, tmp_path):
    page = tmp_path / "recap.txt"
    page.write_text("Dialogue Recap\n\nThe Center hosted a dialogue.\n\nKey Takeaways\n\n"
                    "• Funding: Ports need federal money.\n• Both sides should establish a "
                    "regular dialogue mechanism on the dredging of their shared ports.\n",
                    encoding="utf-8")
    lines = cli("parse", str(page)).stdout.splitlines()
    assert [line for line in lines if line.startswith("  takeaway:")] == [
        "  takeaway: Funding",
        "  takeaway: Both sides should establish a regular dialogue mechanism on…"]


def test_parse_shows_a_takeaways_text_cut_between_whole_characters(cli, tmp_path):
    """A takeaway with no heading is shown by its opening, cut before the character that
    would not fit whole: cut at 59 code points, a run of flags ended with half of one (a
    lone regional indicator, shown as a letter in a box)."""
    flags = "\U0001f1e8\U0001f1f3" * 40
    page = tmp_path / "recap.txt"
    page.write_text("Dialogue Recap\n\nThe Center hosted a dialogue.\n\nKey Takeaways\n\n"
                    f"• Funding: Ports need federal money.\n• Flags {flags} flew.\n",
                    encoding="utf-8")
    lines = cli("parse", str(page)).stdout.splitlines()
    [shown] = [line for line in lines if line.startswith("  takeaway: Flags ")]
    kept = shown.removeprefix("  takeaway: Flags ").removesuffix("…")
    assert shown.endswith("…") and kept == flags[:len(kept)] and len(kept) % 2 == 0, ascii(
        kept[-3:])


def test_parse_keeps_a_venue_written_in_the_other_language(cli, tmp_path):
    """"北京" under an English page's date is its venue, not the title of a Chinese version."""
    page = tmp_path / "event.txt"
    page.write_text("Nuclear Arms Control\nTuesday, December 1, 2026\n北京\n\n"
                    "Experts will discuss New START.\n", encoding="utf-8")
    parsed = json.loads(cli("parse", str(page), "--json").stdout)
    assert (parsed["title"], parsed["location"]) == ("Nuclear Arms Control", "北京")


def test_parse_refuses_a_binary_file_in_one_line(cli, tmp_path):
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    proc = cli("parse", str(tmp_path / "photo.txt"), check_status=2)
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("eventbot: ")
    assert cli("parse", str(tmp_path / "missing.txt"), check_status=2).stderr.count("\n") == 1


def single_file_web_page(html: str) -> bytes:
    """A page as Chrome and Edge save it as "Webpage, Single File" (.mhtml): MIME headers,
    then each part of the page, the HTML in quoted-printable."""
    body = quopri.encodestring(html.encode()).decode()
    return (f"From: <Saved by Blink>\nSnapshot-Content-Location: https://example.org/e/1\n"
            "Subject: Missile Defense Disputes - Example\n"
            "Date: Mon, 7 Dec 2026 21:00:00 -0000\nMIME-Version: 1.0\n"
            'Content-Type: multipart/related;\n\ttype="text/html";\n'
            '\tboundary="----MultipartBoundary--x----"\n\n'
            "------MultipartBoundary--x----\nContent-Type: text/html\n"
            "Content-Transfer-Encoding: quoted-printable\n"
            f"Content-Location: https://example.org/e/1\n\n{body}\n"
            "------MultipartBoundary--x------\n").replace("\n", "\r\n").encode()


@pytest.mark.parametrize("name", ["talk.mhtml", "talk.mht"])
def test_a_web_page_saved_as_a_single_file_is_refused_as_what_it_is(cli, tmp_path, name):
    """Read as a text page, a page saved as "Webpage, Single File" made an event named
    "From: <Saved by Blink>" on the day it was saved (its MIME header's Date), its text
    in quoted-printable ("=3D", lines cut with "="). It is refused, saying what to save."""
    lines = ANNOUNCEMENT.read_text().splitlines()
    page = single_file_web_page("<!DOCTYPE html><html><head><meta charset=utf-8><title>"
                                "Missile Defense</title></head><body>"
                                + "".join(f'<p class="x">{line}</p>' for line in lines)
                                + "</body></html>")
    (tmp_path / name).write_bytes(page)
    said = ('This is a web page saved as a single file (.mhtml or .mht); save it from the '
            'browser again as "Webpage, HTML only" (a .html file) and import that.')
    proc = cli("parse", str(tmp_path / name), check_status=2)
    assert proc.stderr == f"eventbot: {tmp_path / name}: {said}\n"
    folder = tmp_path / "forum"
    folder.mkdir()
    (folder / name).write_bytes(page)
    (folder / "event.toml").write_text(f'title = "X"\ncapacity = 3\npages = ["{name}"]\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == f"eventbot: {folder / 'event.toml'}: page {name}: {said}\n"
    assert no_events(cli)


# A bounded memory, so that a command that would read all of a huge or endless file fails
# (MemoryError) within a second instead of growing until the machine kills it.
SMALL_MEMORY = ("sh", "-c", 'ulimit -v 400000 && exec "$@"', "sh")  # 400 MB
TOO_LARGE = "The page is too large (over 2,000,000 bytes; the limit is 2 MB)."
NOT_A_FILE = ("This is not a regular file but a pipe, a device or a socket; give a page "
              "saved as a file.")


@pytest.mark.parametrize("name", ["sparse.txt", "sparse.html"])
def test_parse_refuses_a_huge_file_without_reading_it_all(cli, tmp_path, name):
    with (tmp_path / name).open("wb") as sparse:  # 1.5 GB that take no disk space
        sparse.truncate(1_500_000_000)
    proc = cli("parse", str(tmp_path / name), check_status=2, wrap=SMALL_MEMORY)
    assert proc.stderr == f"eventbot: {tmp_path / name}: {TOO_LARGE}\n"


@pytest.mark.parametrize("command", [("parse",), ("import", "--guild", "1")])
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_pipe_or_a_device_is_refused_at_once(cli, tmp_path, command, kind):
    """A FIFO no one writes to would hold the open for ever, /dev/zero the read."""
    page = tmp_path / "page.txt"
    if kind == "fifo":
        os.mkfifo(page)
    else:
        page.symlink_to("/dev/zero")
    proc = cli(command[0], str(page), *command[1:], check_status=2, wrap=SMALL_MEMORY)
    assert proc.stderr == f"eventbot: {page}: {NOT_A_FILE}\n"
    assert not cli.db.exists()


@pytest.mark.parametrize("page", ["/dev/zero", "fifo.txt"])
def test_import_refuses_a_page_of_an_event_folder_that_is_no_file(cli, tmp_path, page):
    folder = tmp_path / "endless"
    folder.mkdir()
    os.mkfifo(folder / "fifo.txt")
    (folder / "event.toml").write_text(f'title = "X"\ncapacity = 3\npages = ["{page}"]\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2, wrap=SMALL_MEMORY)
    assert proc.stderr == f"eventbot: {folder / 'event.toml'}: page {page}: {NOT_A_FILE}\n"
    assert proc.stdout == "" and no_events(cli)


def test_a_folder_given_as_a_page_is_called_a_folder(cli, tmp_path):
    """It was called "a pipe, a device or a socket", which sent the user looking for one."""
    (tmp_path / "pages").mkdir()
    folder_line = "This is a folder, not a page; give a page saved as a file."
    proc = cli("parse", str(tmp_path / "pages"), check_status=2)
    assert proc.stderr == f"eventbot: {tmp_path / 'pages'}: {folder_line}\n"
    event = tmp_path / "events" / "forum"
    (event / "pages").mkdir(parents=True)
    (event / "event.toml").write_text('title = "X"\ncapacity = 3\npages = ["pages"]\n')
    proc = cli("import", str(tmp_path / "events"), "--guild", "1", check_status=2)
    assert proc.stderr == f"eventbot: {event / 'event.toml'}: page pages: {folder_line}\n"


def test_an_event_toml_that_is_a_pipe_is_refused_at_once(cli, tmp_path):
    folder = tmp_path / "events" / "forum"
    folder.mkdir(parents=True)
    toml = folder / "event.toml"
    os.mkfifo(toml)
    proc = cli("import", str(tmp_path / "events"), "--guild", "1", check_status=2)
    assert proc.stderr == f"eventbot: {toml}: {NOT_A_FILE}\n"


@pytest.mark.parametrize("spec", ["huge", "nested"])
def test_import_refuses_an_event_toml_too_large_or_deep_in_one_line(cli, tmp_path, spec):
    folder = tmp_path / "odd"
    folder.mkdir()
    toml = folder / "event.toml"
    if spec == "huge":  # a 1 GB sparse file is read no further than the limit
        with toml.open("wb") as file:
            file.write(b'title = "X"\ncapacity = 3\n# ')
            file.truncate(1_000_000_000)
    else:
        toml.write_text("pages = " + "[" * 5_000 + "]" * 5_000 + "\n")
    proc = cli("import", str(folder), "--guild", "1", check_status=2, wrap=SMALL_MEMORY)
    assert proc.stderr == f"eventbot: {toml}: " + (
        "not valid TOML (nested too deeply)\n" if spec == "nested" else
        "too large (over 64,000 bytes; an event.toml holds a few settings)\n")
    assert proc.stdout == "" and no_events(cli)


def test_import_events_and_rsvps(cli, tmp_path):
    folder = tmp_path / "events" / "spring-forum"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "event.toml").write_text(
        'title = "Spring Forum"\ncapacity = 40\nstarts_at = "2026-12-01T18:00:00+01:00"\n'
        'pages = ["announcement.txt", "recap.txt"]\n')
    out = cli("import", str(folder), "--guild", "123").stdout
    assert out.startswith("created event 1 'spring-forum' (5 people, 5 takeaways)")
    assert cli("import", str(folder), "--guild", "123").stdout.startswith("updated event 1")
    listing = cli("events").stdout
    assert "spring-forum" in listing and "0/40 confirmed" in listing and "\t123\t" in listing
    proc = cli("rsvps", "spring-forum", "--csv")
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert rows == [["user_id", "name", "status", "position", "joined_at"]]


def test_events_says_which_events_are_over_or_archived_as_event_list_does(cli, tmp_path):
    """An event that has taken place or is archived takes no RSVPs: `events` says so, as
    `/event list` and the announcement's buttons do, not "open"."""
    for slug, starts, ends in (("done", "2001-03-01T18:00:00+00:00", None),
                               ("ended", "2001-03-02T18:00:00+00:00", "2001-03-02T20:00:00+00:00"),
                               ("coming", "2099-03-01T18:00:00+00:00", None),
                               ("hidden", "2099-04-01T18:00:00+00:00", None)):
        folder = tmp_path / "events" / slug
        shutil.copytree(SAMPLE_DIR, folder)
        end = f'ends_at = "{ends}"\n' if ends else ""
        (folder / "event.toml").write_text(
            f'title = "{slug}"\ncapacity = 5\nstarts_at = "{starts}"\n{end}'
            'pages = ["announcement.txt"]\n')
    cli("import", str(tmp_path / "events"), "--guild", "123")
    with sqlite3.connect(cli.db) as db:
        db.execute("UPDATE events SET registration_open = 1")
        db.execute("UPDATE events SET archived = 1 WHERE slug = 'hidden'")
    rows = [line.split("\t") for line in cli("events").stdout.splitlines()]
    states = {row[2]: row[3].rsplit(", ", 1)[1] for row in rows}
    assert states == {"done": "over", "ended": "over", "coming": "open", "hidden": "archived"}


def test_events_leaves_out_an_event_deleted_while_it_lists_them(cli):
    """A moderator deletes an event (`/manage delete`) while `events` lists them, after it
    read which events there are: the event is no longer there, and the listing goes on
    without it, not ending halfway in an error that blames the event's id."""
    cli("import", str(SAMPLE_DIR), "--guild", "123")
    count = 3000  # each a line: far more than a pipe holds
    with sqlite3.connect(cli.db) as db:
        db.execute("WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n"
                   f" WHERE i < {count}) INSERT INTO events (id, guild_id, slug, title, capacity,"
                   " created_at, updated_at) SELECT i, 123, 'event-' || i, 'Event ' || i, 5, 0, 0"
                   " FROM n")
    env = {k: v for k, v in cli.env.items() if v is not None}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "events"], cwd=cli.db.parent,
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        # Until the 100th line is read, the listing waits for the pipe, which holds some
        # hundreds of lines: it is far from the last event, and has read which there are.
        first = [proc.stdout.readline() for _ in range(100)]
        with sqlite3.connect(cli.db) as db:
            db.execute("DELETE FROM events WHERE id = ?", (count,))
        rest = proc.stdout.read()  # (after what `readline` read ahead of it)
        errors = proc.stderr.read()
        proc.wait(timeout=60)
    finally:
        proc.kill()
    assert (proc.returncode, errors) == (0, "")
    ids = [int(line.split("\t")[0]) for line in [*first, *rest.splitlines()]]
    assert ids == list(range(1, count))


def test_listings_show_titles_and_names_without_their_control_characters(cli, tmp_path):
    """`events` and `rsvps` print titles (a moderator types them in Discord, or in an
    event.toml) and members' names at the operator's terminal: an escape sequence in one
    (set the window's title, clear the screen, recolour) must not reach it as such, nor a
    tab or line break make the name two columns or two rows."""
    folder = tmp_path / "events" / "evil"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "event.toml").write_text(
        'title = "Talk \\u001b]0;owned\\u0007\\u001b[2J\\u009b31m end"\ncapacity = 5\n'
        'pages = ["announcement.txt"]\n')
    cli("import", str(folder), "--guild", "123")
    with sqlite3.connect(cli.db) as db:
        db.execute("INSERT INTO rsvps VALUES (1, 42, ?, 'confirmed', 1, 0)",
                   ("Eve\x1b[2J\tmallory\nx",))
    events, rsvps = cli("events").stdout, cli("rsvps", "1").stdout
    for out in (events, rsvps):
        assert not [c for c in out if unicodedata.category(c) == "Cc" and c not in "\t\n"]
    [event_row] = [line.split("\t") for line in events.splitlines()]
    assert event_row[-1] == "Talk \ufffd]0;owned\ufffd\ufffd[2J\ufffd31m end"
    [rsvp_row] = [line.split("\t") for line in rsvps.splitlines()]
    assert rsvp_row[-1] == "Eve\ufffd[2J\ufffdmallory\ufffdx" and len(rsvp_row) == 4


def test_a_page_without_a_title_imported_again_keeps_its_events_title(cli):
    """The recap opens with prose: imported alone into the event that has it, it does not
    rename the event after its file ("Recap")."""
    cli("import", str(SAMPLE_DIR), "--guild", "123")
    title = "U.S.-China Missile Defense Disputes"
    assert cli("events").stdout.rstrip("\n").endswith(f"\t{title}")
    assert cli("import", str(RECAP), "--guild", "123").stdout.startswith("updated event 1")
    assert cli("events").stdout.rstrip("\n").endswith(f"\t{title}")


def test_listing_commands_run_while_another_process_holds_the_write_lock(cli):
    """They only read: a long write elsewhere (the bot's backup, a migration, an sqlite3
    shell) must not make them wait for it and then fail."""
    cli("import", str(ANNOUNCEMENT), "--guild", "123")
    writer = sqlite3.connect(cli.db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        assert "\t123\t" in cli("events").stdout
        assert cli("rsvps", "1", "--csv").stdout.startswith("user_id,name,status")
    finally:
        writer.close()


def test_an_import_that_waits_out_a_locked_database_says_so_in_one_line(cli):
    made_database(cli)
    writer = sqlite3.connect(cli.db, isolation_level=None)
    try:
        writer.execute("BEGIN EXCLUSIVE")
        proc = cli("import", str(ANNOUNCEMENT), "--guild", "123", check_status=2)
    finally:
        writer.close()
    assert proc.stderr == "eventbot: the database is busy right now; try again in a moment\n"


def test_two_folders_of_one_slug_are_refused_not_merged_into_one_event(cli, tmp_path):
    """"Spring Forum" and "spring-forum" are both the slug spring-forum: the second folder
    updated the event the first had just made (its title, pages and capacity lost), and the
    import said "created" then "updated" the one event as if all was well."""
    for name, title in (("Spring Forum", "Spring"), ("spring-forum", "Autumn")):
        folder = tmp_path / "events" / name
        shutil.copytree(SAMPLE_DIR, folder)
        (folder / "event.toml").write_text(f'title = "{title}"\ncapacity = 5\n'
                                           'pages = ["announcement.txt"]\n')
    proc = cli("import", str(tmp_path / "events"), "--guild", "5", check_status=2)
    first, second = (tmp_path / "events" / n for n in ("Spring Forum", "spring-forum"))
    assert proc.stderr == (f"eventbot: {second}: the same event as {first} (both are "
                           "'spring-forum'); rename one of the folders\n"), proc.stderr
    assert proc.stdout == "" and no_events(cli)
    # as bundled events, which each new server gets: refused at start, in the same line
    proc = cli("run", check_status=2, env={"EVENTS_DIR": str(tmp_path / "events")})
    assert proc.stderr.splitlines()[-1] == f"eventbot: {second}: the same event as {first} " \
                                           "(both are 'spring-forum'); rename one of the folders"


@pytest.mark.parametrize("command", [("events",), ("rsvps", "1"), ("backup", "copy.sqlite3"),
                                     ("reset-sync-state",)])
def test_reading_a_database_that_is_not_there_makes_none(cli, tmp_path, command):
    """Nor does forgetting what was synced: `reset-sync-state` with a mistyped
    DATABASE_PATH made an empty database there (and its folder), said the next start
    would sync, and left the bot's own database as it was."""
    typo = tmp_path / "dta" / "bot.sqlite3"
    proc = cli(*command, database=str(typo), check_status=2)
    assert proc.stderr.splitlines() == [
        f"eventbot: {typo} does not exist: set DATABASE_PATH to the "
        + ("database to back up" if command[0] == "backup" else "bot's database")]
    assert sorted(tmp_path.iterdir()) == []
    proc = cli(*command, database=str(tmp_path), check_status=2)  # a folder is no database
    assert proc.stderr.splitlines()[0].startswith(f"eventbot: {tmp_path} is a folder: ")


def test_rsvps_names_one_event_or_refuses_a_slug_several_servers_share(cli, tmp_path):
    """Slugs are one per server: the same page imported for two servers has one slug. An
    id names one event, and wins over a slug that reads like it."""
    for guild in ("123", "456"):
        cli("import", str(ANNOUNCEMENT), "--guild", guild)
    slug = cli("events").stdout.split("\t")[2]
    proc = cli("rsvps", slug, check_status=2)
    assert proc.stderr == (f"eventbot: '{slug}' is the slug of events 1, 2 (in different "
                           "servers); give the event's id instead\n")
    assert cli("rsvps", "2").stdout == "no RSVPs yet for event 2\n"
    assert cli("rsvps", " 2\n").stdout == "no RSVPs yet for event 2\n"  # pasted
    folder = tmp_path / "1"  # an event whose slug is "1", in a third server
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "event.toml").write_text('title = "One"\ncapacity = 5\n'
                                       'pages = ["announcement.txt"]\n')
    cli("import", str(folder), "--guild", "789")
    assert cli("rsvps", "1", check_status=0).returncode == 0


def test_rsvps_takes_an_id_or_slug_pasted_with_invisible_characters(cli):
    """An id or slug copied from a web page or a chat with a zero-width space or a
    direction mark was refused as "no event has the id or slug '2'" (the mark unseen), as
    the [event] option of the slash commands no longer is."""
    cli("import", str(ANNOUNCEMENT), "--guild", "123")
    slug = cli("events").stdout.split("\t")[2]
    for pasted in ("1\u200b", "\u202a1\u202c", f"\ufeff{slug}", f"{slug}\u2060"):
        assert cli("rsvps", pasted).stdout == "no RSVPs yet for event 1\n", pasted


def event_rows(cli, event_id: int) -> list[tuple]:
    """All the database holds of one event: its row, its pages, people and takeaways."""
    with contextlib.closing(sqlite3.connect(cli.db)) as db:
        return [row for table in ("events", "pages", "people", "takeaways")
                for row in db.execute(f"SELECT * FROM {table} WHERE"
                                      f" {'id' if table == 'events' else 'event_id'} = ?",
                                      (event_id,))]


def test_an_event_imported_again_for_one_server_leaves_the_other_servers_twin(cli, tmp_path):
    """The same event folder, and the same page, imported for two servers are two events:
    imported again for one server, each updates that server's event, never the other's."""
    folder = tmp_path / "events" / "twin-forum"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "event.toml").write_text('title = "Twin Forum"\ncapacity = 40\n'
                                       'pages = ["announcement.txt"]\n')
    assert cli("import", str(folder), "--guild", "123").stdout.startswith("created event 1 ")
    assert cli("import", str(folder), "--guild", "456").stdout.startswith("created event 2 ")
    theirs = event_rows(cli, 2)
    (folder / "event.toml").write_text('title = "Twin Forum Moved"\ncapacity = 30\n'
                                       'pages = ["announcement.txt", "recap.txt"]\n')
    assert cli("import", str(folder), "--guild", "123").stdout.startswith("updated event 1 ")
    assert event_rows(cli, 2) == theirs
    listing = {row.split("\t")[0]: row.split("\t") for row in cli("events").stdout.splitlines()}
    assert listing["1"][1:3] == ["123", "twin-forum"] and listing["1"][-1] == "Twin Forum Moved"
    assert listing["2"][1:3] == ["456", "twin-forum"] and listing["2"][-1] == "Twin Forum"
    assert "0/30 confirmed" in listing["1"][3] and "0/40 confirmed" in listing["2"][3]
    # one page alone, which one server has in its event: there it updates the event; the
    # other server, whose event lacks it, gets an event of its own
    ours = event_rows(cli, 1)
    assert cli("import", str(RECAP), "--guild", "456").stdout.startswith("created event 3 ")
    assert event_rows(cli, 1) == ours and event_rows(cli, 2) == theirs
    assert cli("import", str(RECAP), "--guild", "123").stdout.startswith("updated event 1 ")
    assert cli("import", str(RECAP), "--guild", "456").stdout.startswith("updated event 3 ")
    assert event_rows(cli, 2) == theirs
    # a server that has neither gets its own event, not another server's
    assert cli("import", str(folder), "--guild", "789").stdout.startswith("created event 4 ")
    assert cli("rsvps", "twin-forum", check_status=2).stderr == (
        "eventbot: 'twin-forum' is the slug of events 1, 2, 4 (in different servers); give "
        "the event's id instead\n")


def test_event_folders_named_in_chinese_are_two_events_each_imported_again_in_place(
        cli, tmp_path):
    for name, title in (("北极论坛", "Arctic Forum"), ("导弹防御", "Missile Defense")):
        folder = tmp_path / "zh" / name
        shutil.copytree(SAMPLE_DIR, folder)
        (folder / "event.toml").write_text(f'title = "{title}"\ncapacity = 5\n'
                                           'pages = ["announcement.txt"]\n')
    first = cli("import", str(tmp_path / "zh"), "--guild", "5").stdout
    assert first.count("created event") == 2 and "updated" not in first, first
    again = cli("import", str(tmp_path / "zh"), "--guild", "5").stdout
    assert again.count("updated event") == 2 and "created" not in again, again
    titles = sorted(line.split("\t")[-1] for line in cli("events").stdout.splitlines())
    assert titles == ["Arctic Forum", "Missile Defense"]


@pytest.mark.parametrize("command", [("events",), ("rsvps", "1"),
                                     ("parse", str(ROOT / "tests/unit/pages/zh_announcement.txt"))])
def test_output_the_terminal_cannot_encode_is_escaped_not_a_traceback(cli, tmp_path, command):
    """A terminal or a file in an encoding without Chinese (Latin-1, Windows' cp1252 for a
    redirected output): a Chinese title or name ended the listing in a UnicodeEncodeError."""
    folder = tmp_path / "zh" / "forum"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "event.toml").write_text('title = "北极论坛"\ncapacity = 5\n'
                                       'pages = ["announcement.txt"]\n')
    cli("import", str(folder), "--guild", "5")
    conn = sqlite3.connect(cli.db)
    conn.execute("INSERT INTO rsvps VALUES (1, 42, '李彬', 'confirmed', 1, 0)")
    conn.execute("UPDATE people SET name = '赵通' WHERE position = 0")
    conn.commit()
    conn.close()
    proc = cli(*command, env={"PYTHONIOENCODING": "latin-1"})
    assert proc.stderr == ""
    assert "\\u" in proc.stdout, proc.stdout


@pytest.mark.parametrize(("second", "pages", "kind"), [
    ("announcement-v2.txt", '["announcement.txt", "announcement-v2.txt"]',
     "announcement in English"),
    ("recap-draft.txt", '["announcement.txt", "recap.txt", "recap-draft.txt"]',
     "recap in English"),
])
def test_a_folder_of_two_pages_of_one_kind_and_language_is_refused_naming_both(
        cli, tmp_path, second, pages, kind):
    """An event keeps one page of each kind and language: of two, only one page's text
    would be kept while both gave the content, so a re-import or an edit of the other
    would lose what it said. The folder is refused, in one line, and nothing is written."""
    good = tmp_path / "events" / "good"
    shutil.copytree(SAMPLE_DIR, good)
    folder = tmp_path / "events" / "twice"
    shutil.copytree(SAMPLE_DIR, folder)
    first = second.split("-")[0] + ".txt"
    (folder / second).write_text((folder / first).read_text() + "\nUpdated.\n")
    (folder / "event.toml").write_text(f'title = "Twice"\ncapacity = 5\npages = {pages}\n')
    proc = cli("import", str(tmp_path / "events"), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {folder / 'event.toml'}: pages {first} and {second} "
                           f"are both the event's {kind}; an event keeps one page of each "
                           "kind and language, so list one of them\n"), proc.stderr
    assert proc.stdout == "" and no_events(cli)


def test_a_page_listed_twice_in_a_folder_is_refused(cli, tmp_path):
    folder = tmp_path / "events" / "twice"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "event.toml").write_text('title = "Twice"\ncapacity = 5\n'
                                       'pages = ["announcement.txt", "announcement.txt"]\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {folder / 'event.toml'}: page announcement.txt is "
                           "listed twice\n"), proc.stderr
    assert no_events(cli)


def test_a_long_page_list_is_refused_before_any_page_is_read(cli, tmp_path):
    """Each page listed was read before the list was checked: a page of 1.8 MB, which
    takes seconds to read, listed a hundred times took many minutes to be told it was
    listed twice, and event.toml may list thousands. The list is checked first: a page
    listed twice (also as "./p.txt"), or more pages than an event keeps (an announcement
    and a recap in each of English and Chinese), is refused at once."""
    folder = tmp_path / "events" / "long"
    shutil.copytree(SAMPLE_DIR, folder)
    roles = "Speaker: Li Bin, professor at Tsinghua University\n" * 36_000
    (folder / "p.txt").write_text(ANNOUNCEMENT.read_text() + "\n" + roles)
    spec = folder / "event.toml"
    spec.write_text(f'title = "Long"\ncapacity = 5\npages = {json.dumps(["p.txt"] * 100)}\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)  # (60 s at most)
    assert proc.stderr == f"eventbot: {spec}: page p.txt is listed twice\n", proc.stderr
    spec.write_text('title = "Long"\ncapacity = 5\npages = ["p.txt", "./p.txt"]\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == f"eventbot: {spec}: page ./p.txt is listed twice\n", proc.stderr
    pages = ["p.txt", "announcement.txt", "recap.txt", "announcement.zh.txt", "x.txt"]
    spec.write_text(f'title = "Long"\ncapacity = 5\npages = {json.dumps(pages)}\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {spec}: pages lists 5 files, but an event keeps 4 "
                           "pages at most (an announcement and a recap, in English and in "
                           "Chinese)\n"), proc.stderr
    assert no_events(cli)


def test_an_event_toml_given_to_import_imports_its_folder(cli, tmp_path):
    """`import forum/event.toml`, the settings named for their folder (as a shell's
    completion gives it), read them as a page: an event named 'title = "Arctic Forum"',
    of the default capacity and none of its pages, dated by a misreading of starts_at."""
    folder = tmp_path / "events" / "forum"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "event.toml").write_text(
        'title = "Arctic Forum"\nstarts_at = "2030-12-01T18:00:00+01:00"\n'
        'venue = "Carnegie Endowment, Washington, DC"\ncapacity = 30\n'
        'pages = ["announcement.txt"]\n')
    out = cli("import", str(folder / "event.toml"), "--guild", "1").stdout
    assert out == "created event 1 'forum' (5 people, 0 takeaways)\n", out
    [listed] = cli("events").stdout.splitlines()
    assert listed.endswith("\tforum\t0/30 confirmed, 0 waitlisted, closed\tArctic Forum"), listed


def test_hidden_folders_among_event_folders_are_not_imported(cli, tmp_path):
    """A folder whose name starts with a dot (".git", ".Trash", an editor's ".backup") is
    hidden: not an event of the folder, though a copy of one may sit in it."""
    events = tmp_path / "events"
    shutil.copytree(SAMPLE_DIR, events / "forum")
    for hidden in (".backup", ".Trash"):
        shutil.copytree(SAMPLE_DIR, events / hidden)
        (events / hidden / "event.toml").write_text(
            f'title = "Old {hidden}"\ncapacity = 5\npages = ["announcement.txt"]\n')
    (events / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    out = cli("import", str(events), "--guild", "1").stdout
    assert out.splitlines()[0].startswith("created event 1 'forum'")
    assert "backup" not in out and "trash" not in out.lower()
    assert [line.split("\t")[2] for line in cli("events").stdout.splitlines()] == ["forum"]
    # named itself, a hidden event folder is imported: it was asked for
    assert cli("import", str(events / ".backup"), "--guild", "1").stdout.startswith(
        "created event 2 'backup'")


@pytest.mark.parametrize("misnamed", ["event.toml.txt", "Event.toml", "EVENT.TOML",
                                      "event.toml.rtf"])
def test_an_event_file_saved_under_another_name_is_refused_naming_it(cli, tmp_path, misnamed):
    """Notepad saves "event.toml" as "event.toml.txt" (and Explorer hides the ".txt"), and
    a file made on Windows or a Mac may be "Event.toml": its folder was passed over as no
    event folder at all, the others imported as if all were there, and that folder alone
    said "no event.toml here". It is named, and nothing is saved."""
    events = tmp_path / "events"
    shutil.copytree(SAMPLE_DIR, events / "autumn")
    shutil.copytree(SAMPLE_DIR, events / "spring")
    (events / "spring" / "event.toml").rename(events / "spring" / misnamed)
    shutil.copytree(SAMPLE_DIR, events / "shared", ignore=shutil.ignore_patterns(
        "event.toml"))  # pages shared by events, in a folder of no event: not one
    said = f"eventbot: {events / 'spring' / misnamed}: an event's settings must be in a file " \
           "named event.toml; rename this one (a file manager may hide the end of its name)\n"
    proc = cli("import", str(events), "--guild", "1", check_status=2)
    assert (proc.stderr, proc.stdout) == (said, "")
    assert no_events(cli)
    proc = cli("import", str(events / "spring"), "--guild", "1", check_status=2)
    assert (proc.stderr, proc.stdout) == (said, "")
    assert no_events(cli)


def test_a_folder_page_with_no_sign_of_an_event_is_refused_as_a_page_alone_is(cli, tmp_path):
    for name in ("good", "bad"):
        folder = tmp_path / "events" / name
        shutil.copytree(SAMPLE_DIR, folder)
        (folder / "notes.txt").write_text("apples, pears and plums\n\nmore words\n")
        page = "notes.txt" if name == "bad" else "announcement.txt"
        (folder / "event.toml").write_text(f'title = "{name}"\ncapacity = 5\n'
                                           f'pages = ["{page}"]\n')
    proc = cli("import", str(tmp_path / "events"), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {tmp_path / 'events' / 'bad' / 'event.toml'}: page "
                           "notes.txt: I found no speakers, no date, no venue or registration "
                           "notice and no takeaways in this page, so it doesn't look like an "
                           "event page\n")
    assert no_events(cli)


def test_output_to_a_closed_pipe_or_a_full_disk_is_no_traceback(cli):
    cli("import", str(ANNOUNCEMENT), "--guild", "1")
    closed = subprocess.run(f"{sys.executable} -m bot events | head -c 1", shell=True,
                            cwd=cli.db.parent, env=cli.env, capture_output=True, text=True,
                            timeout=60)
    assert closed.stderr == "" and len(closed.stdout) == 1
    full = subprocess.run(f"{sys.executable} -m bot events > /dev/full", shell=True,
                          cwd=cli.db.parent, env=cli.env, capture_output=True, text=True,
                          timeout=60)
    # the line names what could not be written: "No space left on device" said of what?
    assert full.returncode == 2 and full.stderr == (
        "eventbot: cannot write the output (No space left on device): send it to a "
        "terminal, a pipe or a file that can be written\n")
    reading = subprocess.run(f"{sys.executable} -m bot events 1< {cli.db}", shell=True,
                             cwd=cli.db.parent, env=cli.env, capture_output=True, text=True,
                             timeout=60)
    assert reading.returncode == 2 and reading.stderr.startswith(
        "eventbot: cannot write the output (Bad file descriptor)"), reading.stderr
    # An import's report fails after its commit: the line says the import was made.
    imported = subprocess.run(f"{sys.executable} -m bot import {ANNOUNCEMENT} --guild 1"
                              " > /dev/full", shell=True, cwd=cli.db.parent, env=cli.env,
                              capture_output=True, text=True, timeout=60)
    assert imported.returncode == 2 and imported.stderr.startswith(
        "eventbot: event 1 "), imported.stderr
    assert imported.stderr.endswith(" was updated, but its report could not be written: "
                                    "cannot write the output (No space left on device): send "
                                    "it to a terminal, a pipe or a file that can be written\n")
    # a folder of several events: the line counts them
    for name in ("one", "two"):
        folder = cli.db.parent / "events" / name
        shutil.copytree(SAMPLE_DIR, folder)
        toml = folder / "event.toml"
        toml.write_text(re.sub(r"(?m)^title = .*$", f'title = "Panel {name}"', toml.read_text()))
    both = subprocess.run(f"{sys.executable} -m bot import events --guild 1 > /dev/full",
                          shell=True, cwd=cli.db.parent, env=cli.env, capture_output=True,
                          text=True, timeout=60)
    assert both.returncode == 2 and both.stderr.startswith(
        "eventbot: 2 events were saved, but their report could not be written: cannot write "
        "the output (No space left on device)"), both.stderr
    listed = cli("events").stdout
    assert "Panel one" in listed and "Panel two" in listed


@pytest.mark.parametrize("asked", ["--help", "events --help"])
def test_help_that_cannot_be_written_is_one_line_not_success(cli, asked):
    """argparse drops an error writing its help: `eventbot --help > /dev/full` wrote
    nothing and ended with status 0."""
    full = subprocess.run(f"{sys.executable} -m bot {asked} > /dev/full", shell=True,
                          cwd=cli.db.parent, env=cli.env, capture_output=True, text=True,
                          timeout=60)
    assert full.returncode == 2 and full.stderr == (
        "eventbot: cannot write the output (No space left on device): send it to a "
        "terminal, a pipe or a file that can be written\n"), full.stderr
    shown = subprocess.run(f"{sys.executable} -m bot {asked} | head -c 6", shell=True,
                           cwd=cli.db.parent, env=cli.env, capture_output=True, text=True,
                           timeout=60)
    assert shown.stdout == "usage:" and shown.stderr == ""


def test_a_backup_is_of_the_database_as_it_is_not_upgraded_first(cli, tmp_path):
    """The backup an operator takes after installing a new version and before starting it
    is their way back to the old one. The command upgraded the database first, then
    copied it: both the database and the backup were of the new schema, which the old
    bot refuses ("newer than this bot's")."""
    conn = sqlite_before(cli.db, "taken_place")  # as the version before the last left it
    conn.execute("INSERT INTO events (guild_id, slug, title, capacity, created_at,"
                 " updated_at) VALUES (1, 'talk', 'Talk', 10, 0, 0)")
    conn.commit()
    old = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    before = cli.db.read_bytes()
    assert cli("backup", str(tmp_path / "copy.sqlite3")).stdout == (
        f"backed up {cli.db} to {tmp_path / 'copy.sqlite3'}\n")
    assert cli.db.read_bytes() == before
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA user_version").fetchone()[0] == old
    assert copy.execute("SELECT title FROM events").fetchall() == [("Talk",)]
    copy.close()


def test_backup_of_a_database_that_is_not_there_makes_none(cli, tmp_path):
    proc = cli("backup", str(tmp_path / "copy.sqlite3"), check_status=2)
    assert proc.stderr == (f"eventbot: {cli.db} does not exist: set DATABASE_PATH to the "
                           "database to back up\n")
    assert not cli.db.exists() and not (tmp_path / "copy.sqlite3").exists()


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_a_backup_is_never_written_into_the_database_s_own_files(cli, tmp_path, suffix):
    """SQLite deletes its -wal and -shm at the last close (the backup would be lost), and
    a running bot's database reads them."""
    cli("import", str(ANNOUNCEMENT), "--guild", "1")
    target = f"{tmp_path / '.' / cli.db.name}{suffix}"  # spelled another way, same file
    proc = cli("backup", target, check_status=2)
    assert proc.stderr == f"eventbot: {target} is one of the database's own files; choose " \
                          "another name\n"
    assert "\t1\t" in cli("events").stdout


def test_import_of_a_path_that_is_not_there_says_so(cli, tmp_path):
    proc = cli("import", str(tmp_path / "nowhere"), "--guild", "1", check_status=2)
    assert proc.stderr == f"eventbot: {tmp_path / 'nowhere'}: no such file or folder\n"


def test_migrate_db_to_a_server_that_is_down_names_the_option_given(cli):
    cli("import", str(ANNOUNCEMENT), "--guild", "1")
    proc = cli("migrate-db", "--to", "postgresql://bot:s3cret@127.0.0.1:1/events",
               check_status=2)
    assert proc.stderr.startswith("eventbot: cannot use the PostgreSQL database "
                                  "postgresql://127.0.0.1:1/events (")
    assert proc.stderr.endswith("; check --to and that the server is up\n")
    assert "s3cret" not in proc.stderr and "DATABASE_URL" not in proc.stderr


def test_migrate_db_that_cannot_reach_its_target_leaves_the_source_as_it_was(cli):
    """The source was brought up to this bot's schema before the target was tried: a
    server down left it in a form the bot that made it refuses (newer than it knows)."""
    sqlite_before(cli.db, "taken_place").close()
    before = cli.db.read_bytes()
    proc = cli("migrate-db", "--to", "postgresql://bot@127.0.0.1:1/events", check_status=2)
    assert proc.stderr.endswith("; check --to and that the server is up\n")
    assert cli.db.read_bytes() == before


@pytest.mark.parametrize("typed", ["1_0", "١٢٣", "１２３"])
def test_a_server_id_typed_with_other_digits_is_refused(cli, typed):
    """Python's int() reads "1_0" as 10 and other scripts' digits as ours: the events went
    to a server nobody named (DEFAULT_GUILD_ID refused the same id already)."""
    proc = cli("import", str(ANNOUNCEMENT), "--guild", typed, check_status=2)
    assert proc.stderr == (f"eventbot import: argument --guild: {typed!r} is not a whole "
                           "number (see eventbot import --help)\n")
    assert not cli.db.exists()


def test_import_needs_a_real_server_and_writes_nothing_without_one(cli):
    for args, words in [((), "--guild ID"), (("--guild", "0"), "--guild 0 is not a server id"),
                         (("--guild", "-5"), "is not a server id")]:
        proc = cli("import", str(ANNOUNCEMENT), *args, check_status=2)
        assert proc.stderr.count("\n") == 1 and words in proc.stderr, proc.stderr
        assert "DEFAULT_GUILD_ID" in proc.stderr or args
    assert not cli.db.exists()
    out = cli("import", str(ANNOUNCEMENT), env={"DEFAULT_GUILD_ID": "42"}).stdout
    assert out.startswith("created event 1 ")
    assert "\t42\t" in cli("events").stdout


def test_import_into_a_server_id_past_what_the_database_keeps_is_one_line(cli):
    """Ids up to 2**64 were let through, and the store then overflowed on those from
    2**63 (a signed 64-bit integer, in SQLite as in PostgreSQL): a traceback."""
    proc = cli("import", str(SAMPLE_DIR), "--guild", str(2**63), check_status=2)
    assert proc.stderr == (f"eventbot: --guild {2**63} is not a server id (a positive whole "
                           "number; in Discord, right-click the server and Copy Server ID)\n")
    assert no_events(cli)


@pytest.mark.parametrize("text", ["apples, pears and plums\n\nmore words, nothing else\n",
                                  Path("/etc/passwd").read_text() if Path("/etc/passwd").is_file()
                                  else "root:x:0:0:root:/root:/bin/bash\n"])
def test_import_refuses_a_page_with_no_sign_of_an_event(cli, tmp_path, text):
    (tmp_path / "notes.txt").write_text(text)
    proc = cli("import", str(tmp_path / "notes.txt"), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {tmp_path / 'notes.txt'}: I found no speakers, no date, "
                           "no venue or registration notice and no takeaways in this page, so "
                           "it doesn't look like an event page\n")
    assert proc.stdout == "" and not cli.db.exists()


def test_import_reports_a_malformed_event_file(cli, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "event.toml").write_text('title = "X"\ncapacity = -3\npages = ["a.txt"]\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert "capacity must be a whole number" in proc.stderr
    assert proc.stderr.count("\n") == 1
    (folder / "event.toml").write_text('title = "X"\ncapacity = 3\nstarts_at = "tomorrow"\n'
                                       'pages = ["a.txt"]\n')
    assert "ISO 8601" in cli("import", str(folder), "--guild", "1", check_status=2).stderr
    (folder / "event.toml").write_text(f'title = "X"\ncapacity = 3\nvenue = "{"v" * 201}"\n'
                                       'pages = ["a.txt"]\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert "venue is longer than 200 characters" in proc.stderr
    assert proc.stderr.count("\n") == 1
    (folder / "event.toml").write_text('title = "X"\ncapacity = 3\npages = ["a.txt"]\n'
                                       'starts_at = "2030-12-01T18:00:00Z"\n'
                                       'ends_at = "2030-12-01T17:00:00Z"\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == f"eventbot: {folder / 'event.toml'}: ends_at must come after starts_at\n"


@pytest.mark.parametrize("page", ["pages/announcement.txt", "../shared/announcement.txt"])
def test_a_page_event_toml_names_that_is_not_there_is_named_as_written(cli, tmp_path, page):
    """The line named the page by its last part alone ("cannot read page
    announcement.txt"), which the folder holds: of which file, then?"""
    folder = tmp_path / "events" / "forum"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "event.toml").write_text(f'title = "X"\ncapacity = 3\npages = ["{page}"]\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {folder / 'event.toml'}: cannot read page {page} (No "
                           "such file or directory)\n"), proc.stderr


@pytest.mark.parametrize(("line", "written"), [('starts_at = "2026-12-01"', "'2026-12-01'"),
                                              ("starts_at = 2026-12-01", "2026-12-01"),
                                              ('ends_at = "20261201"', "'20261201'")])
def test_a_date_without_a_time_in_event_toml_is_told_to_give_its_time(cli, tmp_path, line,
                                                                      written):
    """A date alone was told it "has no timezone; add an offset", which made of it
    "2026-12-01+01:00": a naive 1 a.m., refused again the same way. A date written as
    TOML's own was "must be a date and time". Both now ask for the time."""
    folder = tmp_path / "forum"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "event.toml").write_text(f'title = "X"\ncapacity = 3\n{line}\n'
                                       'pages = ["announcement.txt"]\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    key = line.split()[0]
    assert proc.stderr == (f"eventbot: {folder / 'event.toml'}: {key} {written} is a date "
                           "without a time; give its time too, with an offset, e.g. "
                           "2026-12-01T18:00+01:00\n"), proc.stderr
    assert no_events(cli)


@pytest.mark.parametrize(("listed", "on_disk"), [("Announcement.txt", "announcement.txt"),
                                               ("pages/RECAP.TXT", "pages/recap.txt"),
                                               ("caf\u00e9.txt", "cafe\u0301.txt")])
def test_a_page_named_in_other_case_or_composition_is_told_the_name_on_disk(cli, tmp_path,
                                                                           listed, on_disk):
    """A folder made on Windows or a Mac, whose systems take "Announcement.txt" for
    "announcement.txt" (and a Mac's file names keep "é" as "e" and an accent), was
    refused on the server as "No such file or directory" for a file the organiser sees
    there: the name on disk is now said beside it. Nothing is saved."""
    folder = tmp_path / "events" / "forum"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / on_disk).parent.mkdir(exist_ok=True)
    (folder / on_disk).write_text(RECAP.read_text())
    (folder / "event.toml").write_text(f'title = "X"\ncapacity = 3\npages = ["{listed}"]\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {folder / 'event.toml'}: cannot read page {listed} (No "
                           f"such file or directory; the folder has {on_disk})\n"), proc.stderr
    assert no_events(cli)


def test_a_page_named_with_windows_backslashes_is_told_to_use_slashes(cli, tmp_path):
    """Windows takes "pages\\announcement.txt" for the file in the folder pages; here it
    is one name, and the page was "No such file or directory" with no more said."""
    folder = tmp_path / "events" / "forum"
    shutil.copytree(SAMPLE_DIR, folder / "pages")
    (folder / "event.toml").write_text("title = 'X'\ncapacity = 3\n"
                                       "pages = ['pages\\announcement.txt']\n")
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {folder / 'event.toml'}: cannot read page "
                           "pages\\announcement.txt (No such file or directory; the folder "
                           "has pages/announcement.txt)\n"), proc.stderr
    assert no_events(cli)


def test_a_web_address_listed_as_a_page_says_how_to_import_it(cli, tmp_path):
    """`import` takes a page's web address, so event.toml may well list one: it was
    "cannot read page https://... (No such file or directory)", as if a file were
    missing. Nothing is fetched or saved."""
    folder = tmp_path / "events" / "forum"
    shutil.copytree(SAMPLE_DIR, folder)
    url = "https://example.org/events/talk"
    (folder / "event.toml").write_text(f'title = "X"\ncapacity = 3\n'
                                       f'pages = ["announcement.txt", "{url}"]\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {folder / 'event.toml'}: page {url} is a web address, "
                           "but pages are files of the folder; save the page there as .html "
                           "and list that file\n"), proc.stderr
    assert no_events(cli)


def test_an_end_in_event_toml_is_checked_against_the_start_the_event_gets(cli, tmp_path):
    """ends_at was checked only against starts_at in the same file: without one, an end
    with no start at all was saved, and an end two weeks before the page's start made an
    event that ended before it began (/manage import refuses both). The start it is
    checked against is the one the event ends up with: the file's, else the event's,
    else the page's."""
    folder = tmp_path / "forum"
    folder.mkdir()
    dated = "December 15, 2030, 6:00 PM - 8:00 PM EST\n\n" + ANNOUNCEMENT.read_text()
    (folder / "dated.txt").write_text(dated)
    shutil.copy(ANNOUNCEMENT, folder / "undated.txt")  # no date line
    toml = folder / "event.toml"

    def spec(page: str, *lines: str) -> None:
        toml.write_text("\n".join(['title = "X"', "capacity = 3", f'pages = ["{page}"]',
                                   *lines]) + "\n")
    spec("undated.txt", 'ends_at = "2030-12-01T17:00:00Z"')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {folder}: an end needs a start, and the event has "
                           "none yet\n"), proc.stderr
    spec("dated.txt", 'ends_at = "2030-12-01T17:00:00Z"')  # before the page's start
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {folder}: the end (2030-12-01T17:00:00+00:00) must "
                           "come after the start (2030-12-15T23:00:00+00:00)\n"), proc.stderr
    assert no_events(cli)
    spec("dated.txt", 'ends_at = "2030-12-16T01:00:00Z"')  # after it: taken
    assert cli("import", str(folder), "--guild", "1").stdout.startswith("created event 1")
    # imported again with an end before the start the event already has: refused, kept
    spec("dated.txt", 'ends_at = "2030-12-15T20:00:00Z"')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert "must come after the start (2030-12-15T23:00:00+00:00)" in proc.stderr
    conn = sqlite3.connect(cli.db)
    assert conn.execute("SELECT starts_at, ends_at FROM events").fetchall() == [
        (1923606000, 1923613200)]
    conn.close()


@pytest.mark.parametrize(("line", "said"), [
    ('venu = "Hall B"', "unknown setting 'venu' (did you mean 'venue'?)"),
    ('start_at = "2030-12-01T18:00:00Z"', "unknown setting 'start_at' (did you mean "
                                          "'starts_at'?)"),
    ("[event]", "unknown setting 'event'"),
])
def test_an_unknown_setting_in_event_toml_is_refused_not_ignored(cli, tmp_path, line, said):
    """A mistyped key was ignored: the event was made without the venue or start the file
    meant to give it, and the import said nothing."""
    folder = tmp_path / "forum"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "event.toml").write_text(f'title = "X"\ncapacity = 3\npages = ["announcement.txt"]'
                                       f"\n{line}\n")
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {folder / 'event.toml'}: {said}; an event.toml has "
                           "title, starts_at, ends_at, venue, link, capacity and pages\n")
    assert no_events(cli)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be"])
def test_an_event_toml_with_a_byte_order_mark_is_read_as_its_pages_are(cli, tmp_path,
                                                                       encoding):
    """Windows editors save UTF-8 with a byte-order mark, or UTF-16 ("Unicode") with one:
    the folder's pages were read, but its event.toml was refused as "Invalid statement
    (at line 1, column 1)" or "'utf-8' codec can't decode byte 0xff"."""
    folder = tmp_path / "forum"
    shutil.copytree(SAMPLE_DIR, folder)
    spec = 'title = "北极论坛"\r\ncapacity = 3\r\npages = ["announcement.txt"]\r\n'
    data = spec.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    (folder / "event.toml").write_bytes(data)
    out = cli("import", str(folder), "--guild", "1").stdout
    assert out.startswith("created event 1 'forum'"), out
    assert cli("events").stdout.rstrip().endswith("\t北极论坛")


@pytest.mark.parametrize("quoted", ["\u201cArctic Forum\u201d", "\u2018Arctic Forum\u2019",
                                    "\u201eArctic Forum\u201c"])
def test_an_event_toml_with_curly_quotes_says_to_write_them_straight(cli, tmp_path, quoted):
    """TextEdit (as it starts) and word processors turn the quotes typed into curly ones:
    "Invalid value (at line 1, column 9)" for a line that looks right. A curly quote
    inside a string stays the title's own."""
    folder = tmp_path / "forum"
    shutil.copytree(SAMPLE_DIR, folder)
    spec = folder / "event.toml"
    spec.write_text(f'capacity = 3\ntitle = {quoted}\npages = ["announcement.txt"]\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {spec}: not valid TOML (Invalid value (at line 2, "
                           "column 9)); write its quotes straight (\"), not curly as an editor "
                           "may make them\n"), proc.stderr
    assert no_events(cli)
    spec.write_text(f'capacity = 3\ntitle = "{quoted}"\npages = ["announcement.txt"]\n')
    cli("import", str(folder), "--guild", "1")
    assert cli("events").stdout.rstrip().endswith(f"\t{quoted}")


@pytest.mark.parametrize("encoding", ["gbk", "big5", "cp1252"])
def test_an_event_toml_in_another_encoding_names_its_line_and_what_to_save(cli, tmp_path,
                                                                           encoding):
    """Notepad on a Chinese Windows saves "ANSI", GBK or Big5: event.toml was "not valid
    TOML ('utf-8' codec can't decode byte 0xb1 in position 9: invalid start byte)", a
    message of Python's naming a byte where the line is wanted, and no way out."""
    folder = tmp_path / "forum"
    shutil.copytree(SAMPLE_DIR, folder)
    venue = {"gbk": "北京大学", "big5": "臺北大學", "cp1252": "Café Zoë"}[encoding]
    spec = f'title = "Forum"\ncapacity = 3\nvenue = "{venue}"\npages = ["announcement.txt"]\n'
    (folder / "event.toml").write_bytes(spec.encode(encoding))
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr == (f"eventbot: {folder / 'event.toml'}: not UTF-8 text (line 3); save "
                           "it as UTF-8 and try again\n"), proc.stderr
    assert no_events(cli)


def test_listings_show_names_without_their_bidi_overrides_or_line_separators(cli):
    """A right-to-left override in a member's name would show the rest of the operator's
    row reversed (the status and position before the name), and Unicode's line and
    paragraph separators break the row where a terminal or a pager honours them."""
    cli("import", str(SAMPLE_DIR), "--guild", "123")
    with sqlite3.connect(cli.db) as db:
        db.execute("INSERT INTO rsvps VALUES (1, 42, ?, 'confirmed', 1, 0)",
                   ("Eve\u202edemaretnoc\u2028x\u2029y\u2066z",))
    rows = cli("rsvps", "1").stdout.split("\n")
    assert rows[0].split("\t")[-1] == "Eve\ufffddemaretnoc\ufffdx\ufffdy\ufffdz", rows


def obeyed(output: str) -> list[str]:
    """The characters of `output` a terminal obeys or reorders the line by, rather than
    shows: controls (but the line ends), line separators and bidi controls."""
    return [c for c in output if (unicodedata.category(c) == "Cc" and c != "\n")
            or c in "\u2028\u2029\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                    "\u2066\u2067\u2068\u2069"]


def test_parse_and_import_show_a_pages_text_without_its_controls(cli, tmp_path):
    """A page is anyone's text on the web: what `parse` and `import` print of it (its
    title, venue, people, lines skipped) reaches the operator's terminal, where a
    right-to-left override in the title would show it reversed and the rest of the row
    with it, and the escape sequences a bio keeps verbatim would clear the screen or
    write the clipboard. The JSON keeps them, as JSON escapes. (The page reader drops
    direction marks, embeddings, overrides and isolates: no field keeps them.)"""
    html = tmp_path / "page.html"
    html.write_text("<html><head><title>Forum &#x202e;weiver&#x2069; on arms</title></head>"
                    "<body><h1>Forum &#x202e;weiver&#x2069; on arms</h1>"
                    "<p>Tuesday, December 1, 2026, 6:00 PM EST</p>"
                    "<p>Venue: Hall &#x2066;B&#x200f;</p>"
                    "<p>Tong Zhao will moderate a discussion with Li Bin.</p>"
                    "<h3>Li Bin</h3><p>Li Bin is a senior fellow.</p>"
                    "<p>&#x202e;Stray line</p></body></html>", encoding="utf-8")
    text = tmp_path / "page.txt"
    text.write_text("Arms Forum\nTuesday, December 1, 2026, 6:00 PM EST\n\n"
                    "Tong Zhao will moderate a discussion with Li Bin.\n\n"
                    "Li Bin\n\nLi Bin is a senior fellow \x9b2J\x1b]52;c;eA==\x07 at the "
                    "Carnegie Endowment for International Peace.\n", encoding="utf-8")
    listed = cli("parse", str(html), str(text)).stdout
    assert not obeyed(listed), listed
    lines = listed.splitlines()
    assert "  title: Forum weiver on arms" in lines, lines
    assert "  venue: Hall B" in lines
    assert '  skipped: skipped paragraph: "Stray line"' in lines
    as_json = cli("parse", str(html), str(text), "--json").stdout
    assert not obeyed(as_json), as_json
    first, second = map(json.loads, as_json.splitlines())
    assert first["title"] == "Forum weiver on arms"
    bios = {person["name"]: person["bio"] for person in second["people"]}
    assert "\x9b2J\x1b]52;c;eA==\x07" in bios["Li Bin"]
    imported = cli("import", str(html), "--guild", "123").stdout
    assert not obeyed(imported), imported
    assert '  skipped announcement: skipped paragraph: "Stray line"' in (
        imported.splitlines())


def test_an_event_argument_not_in_utf8_is_an_unknown_event(cli):
    """A byte that is no UTF-8 reaches Python as a lone surrogate, which the store could not
    take: it was a traceback."""
    cli("import", str(SAMPLE_DIR), "--guild", "1")
    proc = cli("rsvps", os.fsdecode(b"spring\xff"), check_status=2)
    assert proc.stderr == ("eventbot: no event has the id or slug 'spring\ufffd'; "
                           "`python -m bot events` lists them\n")


def test_a_database_in_a_folder_not_named_in_utf8_is_used(cli, tmp_path):
    """A file name is bytes: SQLite names the database's file in them, which the bot read
    as text and refused the database ("Could not decode to UTF-8")."""
    folder = tmp_path / os.fsdecode(b"donn\xe9es")  # Latin-1, as an old system names it
    database = str(folder / "bot.sqlite3")
    assert cli("import", str(SAMPLE_DIR), "--guild", "1", database=database).stdout.startswith(
        "created event 1 ")
    assert "missile-defense-china" in cli("events", database=database).stdout


@pytest.mark.parametrize("name", [":memory:", "file:bot.sqlite3", "file::memory:",
                                  "bot#1.sqlite3", "what?.sqlite3", "100%.sqlite3"])
def test_a_database_path_is_the_file_of_that_name_whatever_the_name(cli, tmp_path, name):
    """SQLite reads some names as something else: ":memory:" as a database in memory, a
    name beginning "file:" as a URI (another file, or memory again). The bot then started
    on a database lost at exit, or one `events` could not find, and an import said
    "created" of an event gone once the command ended."""
    assert cli("import", str(SAMPLE_DIR), "--guild", "1", database=name).stdout.startswith(
        "created event 1 ")
    assert (tmp_path / name).is_file()
    assert "missile-defense-china" in cli("events", database=name).stdout
    assert sorted(p.name for p in tmp_path.iterdir() if "sqlite3" not in p.name) == [name] * (
        "sqlite3" not in name)  # nothing made under another name


@pytest.mark.parametrize("name", ["file:bot.sqlite3", "file:{dir}/bot.sqlite3",
                                  "file://{dir}/bot.sqlite3?mode=rwc"])
def test_a_file_uri_an_earlier_version_opened_as_its_database_is_not_started_afresh(
        cli, tmp_path, name):
    """Earlier versions let SQLite read DATABASE_PATH=file:bot.sqlite3 as a URI: the bot
    ran on bot.sqlite3. Read as the file's own name, it started on a new, empty database
    beside it, every server's events and RSVPs gone from sight; it says what to set."""
    name = name.format(dir=tmp_path)
    cli("import", str(SAMPLE_DIR), "--guild", "1", database="bot.sqlite3")
    done = cli("import", str(SAMPLE_DIR), "--guild", "1", database=name, check_status=2)
    name = str(Path(name))  # as a path reads it: "file:///..." is "file:/..."
    assert done.stderr == (
        f"eventbot: DATABASE_PATH={name!r} names the file {name!r}, which does not exist, "
        f"but an earlier version of the bot read it as a URI, of {tmp_path / 'bot.sqlite3'}: "
        f"set DATABASE_PATH={tmp_path / 'bot.sqlite3'}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.sqlite3"]


def test_the_root_folder_as_the_database_is_refused_in_one_line(cli):
    assert "/ is a folder, not a database file" in one_line_exit_2(cli, "/")


def test_unknown_event_and_existing_backup_target_are_clear_errors(cli, tmp_path):
    made_database(cli)
    assert cli("rsvps", "nope", check_status=2).stderr == (
        "eventbot: no event has the id or slug 'nope'; `python -m bot events` lists them\n")
    target = tmp_path / "exists.sqlite3"
    target.write_text("x")
    assert "already exists" in cli("backup", str(target), check_status=2).stderr
    cli("backup", str(tmp_path / "copy.sqlite3"))
    assert (tmp_path / "copy.sqlite3").stat().st_size > 0


@pytest.mark.parametrize("target", ["", "missing/copy.sqlite3", "somefile/copy.sqlite3"])
def test_a_backup_that_cannot_be_written_is_one_line_and_reports_no_backup(cli, tmp_path,
                                                                          target):
    cli("import", str(SAMPLE_DIR), "--guild", "1")
    (tmp_path / "somefile").write_text("not a folder")
    before = sorted(tmp_path.iterdir())
    proc = cli("backup", target, check_status=2)
    assert proc.stderr.startswith("eventbot: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stdout == ""  # no "backed up"
    assert sorted(tmp_path.iterdir()) == before


def test_a_backup_into_a_read_only_folder_is_one_line(cli, tmp_path):
    cli("import", str(SAMPLE_DIR), "--guild", "1")
    wrap = read_only(tmp_path, "true")
    proc = cli("backup", str(tmp_path / "ro" / "copy.sqlite3"), check_status=2, wrap=wrap)
    assert proc.stderr.startswith("eventbot: cannot write the backup ")
    assert proc.stderr.count("\n") == 1 and proc.stdout == ""


def test_a_backup_cut_short_leaves_no_file_behind(cli, tmp_path):
    """The disk fills up halfway (here: a limit on the size of files the process writes):
    one line, and no half-written copy that looks like a backup."""
    cli("import", str(SAMPLE_DIR), "--guild", "1")
    assert cli.db.stat().st_size > 64 * 1024
    (tmp_path / "backups").mkdir()
    # Python ignores SIGXFSZ, so a write past the limit fails (EFBIG) instead of killing it.
    wrap = ("sh", "-c", 'ulimit -f 64 && exec "$@"', "sh")  # 64 blocks: 32 or 64 KiB
    proc = cli("backup", str(tmp_path / "backups" / "copy.sqlite3"), check_status=2, wrap=wrap)
    assert proc.stderr.startswith("eventbot: cannot write the backup ")
    assert proc.stderr.count("\n") == 1 and proc.stdout == ""
    assert list((tmp_path / "backups").iterdir()) == []


def small_disk(tmp_path: Path, kind: str) -> tuple[str, ...]:
    """A command prefix under which the bot's writes to `tmp_path/disk` run out of room:
    a limit on the size of the files it writes (Python ignores SIGXFSZ, so a write past
    it fails with EFBIG), or, as root, a filesystem mounted there in a mount
    namespace of the child's own, full but for 48 KiB (ENOSPC: SQLite's "disk is full")."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if kind == "file size limit":
        return ("sh", "-c", 'ulimit -f 64 && exec "$@"', "sh")  # 64 blocks: 32 or 64 KiB
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs tmpfs {folder}"],
                           capture_output=True)
    if os.geteuid() != 0 or probe.returncode != 0:
        pytest.skip("cannot mount a small filesystem here")
    return ("unshare", "-m", "sh", "-c",
            f'mount -t tmpfs -o size=1m tmpfs {folder} && cp {tmp_path}/disk.sqlite3 '
            f'{folder}/bot.sqlite3 && head -c $(($(df --output=avail -B1 {folder} | tail -1)'
            f' - 48 * 1024)) /dev/zero > {folder}/filler && exec "$@"', "sh")


@pytest.mark.parametrize("kind", ["file size limit", "full disk"])
@pytest.mark.parametrize("command", [("import", str(SAMPLE_DIR), "--guild", "1"),
                                     ("import", str(ANNOUNCEMENT), "--guild", "1")])
def test_a_write_the_disk_has_no_room_for_is_one_line_and_saves_nothing(cli, tmp_path, kind,
                                                                        command):
    """The disk fills up as a command writes: one line saying so, exit status 2, and
    nothing of it saved (it was a traceback, exit status 1)."""
    database = tmp_path / "disk" / "bot.sqlite3"
    made = cli("run", check_status=2, database=str(tmp_path / "disk.sqlite3"))
    assert "ready" in made.stderr
    wrap = small_disk(tmp_path, kind)
    if kind == "file size limit":
        shutil.copy(tmp_path / "disk.sqlite3", database)
    proc = cli(*command, check_status=2, database=str(database), wrap=wrap)
    assert proc.stderr.splitlines() == [
        f"eventbot: {database} could not be written: its disk may be full or failing "
        f"({'database or disk is full' if kind == 'full disk' else 'disk I/O error'}); "
        "nothing of this was saved. Free some space, or set DATABASE_PATH to another disk"
    ], proc.stderr
    assert proc.stdout == ""
    if kind == "file size limit":
        assert cli("events", database=str(database)).stdout.startswith("no events yet")


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])  # an old editor; PowerShell's >
def test_an_env_file_not_in_utf8_is_one_line_naming_it(cli, tmp_path, encoding):
    (tmp_path / ".env").write_text("DISCORD_TOKEN=\nVENUE_NOTE=Café\n", encoding=encoding)
    proc = cli("events", check_status=2)  # was a traceback (UnicodeDecodeError), exit 1
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("eventbot: .env is not UTF-8 text (byte "), proc.stderr


@pytest.mark.parametrize("command", ["run", "events"])
def test_an_env_file_that_cannot_be_read_is_one_line_naming_it(cli, tmp_path, command):
    """`run` let the error reading .env through as a traceback (a start that is meant to
    stay up lets an OSError through; a setting is not one of those)."""
    (tmp_path / ".env").write_text("LOG_LEVEL=INFO\n")
    (tmp_path / ".env").chmod(0)
    proc = cli(command, check_status=2, wrap=without_write_override(tmp_path))
    assert proc.stderr.splitlines() == [
        "eventbot: .env cannot be read (Permission denied): make it readable to the bot, or "
        "move it away"], proc.stderr


def test_an_env_line_that_cannot_be_read_is_refused_not_skipped(cli, tmp_path):
    """python-dotenv skipped the line with a warning of its own, and the command went on
    without the setting: this import went into a new data/eventbot.sqlite3."""
    mine = tmp_path / "mine.sqlite3"
    (tmp_path / ".env").write_text(f'LOG_LEVEL=INFO\nDATABASE_PATH="{mine}\n')
    proc = cli("import", str(SAMPLE_DIR), "--guild", "1", check_status=2,
               env={"DATABASE_PATH": None})
    assert proc.stderr.splitlines() == [
        "eventbot: .env: line 2 cannot be read as a setting (a quote left open?): write it as "
        "NAME=value"], proc.stderr
    assert not (tmp_path / "data").exists() and not mine.exists()


def test_an_env_file_far_larger_than_settings_is_refused_at_once(cli, tmp_path):
    """Read whole by a parser whose time grows with the square of the file: 2.8 MB took 18 s
    before a command began."""
    # 3.3 MB, its 65,537th byte inside a character: said too large, not "not UTF-8"
    (tmp_path / ".env").write_text(f"NOTES={'é' * 80}\n" * 20_000, encoding="utf-8")
    proc = cli("events", check_status=2)
    assert proc.stderr.splitlines() == [
        "eventbot: .env is larger than 64 KB, more than settings fill: is it the right file?"]


@pytest.mark.parametrize("setting", ["DATABASE_PATH", "READY_FILE", "EVENTS_DIR"])
def test_a_path_setting_holding_a_nul_is_one_line(cli, tmp_path, setting):
    """A NUL in .env's value ended in a traceback (ValueError: embedded null byte)."""
    (tmp_path / ".env").write_bytes(f"{setting}=bot\0.sqlite3\n".encode())
    proc = cli("import", str(SAMPLE_DIR), "--guild", "1", check_status=2, env={setting: None})
    assert proc.stderr.splitlines() == [
        f"eventbot: {setting} holds a NUL character, which no file name can hold"]


def test_a_page_name_holding_a_nul_in_event_toml_is_one_line(cli, tmp_path):
    folder = tmp_path / "forum"
    folder.mkdir()
    shutil.copy(SAMPLE_DIR / "announcement.txt", folder)
    (folder / "event.toml").write_text('title = "Forum"\ncapacity = 10\n'
                                       'pages = ["announce\\u0000ment.txt"]\n')
    proc = cli("import", str(folder), "--guild", "1", check_status=2)
    assert proc.stderr.splitlines() == [
        f"eventbot: {folder / 'event.toml'}: page 'announce\\x00ment.txt' holds a NUL "
        "character, which no file name can hold"]
    assert no_events(cli)


@pytest.mark.parametrize("command", ["parse", "import"])
def test_a_page_url_with_a_password_is_refused_without_showing_it(cli, command):
    proc = cli(command, "https://editor:s3cr3tpw@events.example.org/forum", check_status=2,
               env={"DEFAULT_GUILD_ID": "1"})
    assert proc.stderr.splitlines() == [
        "eventbot: https://(hidden)@events.example.org/forum: The URL has a user name or "
        "password in it; give a public page's address instead."]
    for mark in "/?#":  # unencoded, it ends the host for a URL's readers: none is read
        proc = cli(command, f"https://editor:s3c{mark}r3t@events.example.org/forum",
                   check_status=2, env={"DEFAULT_GUILD_ID": "1"})
        assert proc.stderr.splitlines() == [
            "eventbot: https://(hidden)@events.example.org/forum: That is not a URL I can "
            "read."]


@pytest.mark.parametrize(("setting", "line"), [
    ({"LOG_LEVEL": "LOUD"},
     "LOG_LEVEL='LOUD' must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ({"DISCORD_API_BASE": "http://[::1"},  # once a traceback from urllib
     "DISCORD_API_BASE='http://[::1' must be a http or https URL"),
])
def test_a_bad_setting_is_one_line_naming_it(cli, tmp_path, setting, line):
    env = dict(os.environ, PYTHONPATH=str(ROOT), EVENTS_DIR=str(ROOT / "data" / "events"),
               **setting)
    proc = subprocess.run([sys.executable, "-m", "bot", "events"], cwd=tmp_path, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"eventbot: {line}"]



@pytest.mark.parametrize("command", ["sync", "run"])
def test_an_api_base_with_a_password_is_one_line_without_it(cli, command):
    """Once a traceback from aiohttp at login (it will not send the bot's token beside
    credentials in the URL), or the URL as written, password and all, in the error."""
    proc = cli(command, check_status=2, env={
        "DISCORD_TOKEN": "abcdefghijklmnop",
        "DISCORD_API_BASE": "http://user:s3cr3tpw@127.0.0.1:1/api"})
    assert proc.stderr.startswith("eventbot: DISCORD_API_BASE") and proc.stderr.count(
        "\n") == 1, proc.stderr
    assert "s3cr3tpw" not in proc.stderr + proc.stdout, proc.stderr


MALFORMED_URLS = [("postgresql://eventbot:s3cret@db:abc/eventbot", "port"),
                  ("postgresql://eventbot:s3cret@db:99999/eventbot", "port"),
                  ("postgresql://eventbot:s3cret@[::1/eventbot", "[ ]"),
                  ("postgresql://db/eventbot?password:s3cret", "malformed"),
                  # an @ or / of the password not written %40, %2F: asyncpg read the host
                  # as "x@db", the port as "s3cret/x@db"
                  ("postgresql://eventbot:s3cret@x@db/eventbot", "%40"),
                  ("postgresql://eventbot:s3cret/x@db/eventbot", "%2F")]


@pytest.mark.parametrize(("url", "problem"), MALFORMED_URLS)
@pytest.mark.parametrize("command", ["migrate-db", "events", "run"])
def test_a_malformed_postgresql_url_is_one_line_without_its_password(cli, url, problem,
                                                                     command):
    made_database(cli)  # the SQLite database migrate-db copies
    if command == "migrate-db":
        proc = cli("migrate-db", "--to", url, check_status=2)
    else:
        proc = cli(command, env={"DATABASE_URL": url}, check_status=2)
    assert proc.stderr.startswith("eventbot: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert problem in proc.stderr and "s3cret" not in proc.stderr


@pytest.mark.parametrize("options", ["sslmode=verify-full&sslrootcert={folder}/ca.pem",
                                     "sslmode=require&sslcert={folder}/bot.crt"])
def test_a_certificate_file_the_url_names_that_is_not_there_is_named(cli, tmp_path, options):
    """PostgreSQL's client reads its certificates before it connects: the line said only
    "[Errno 2] No such file or directory", of which file?"""
    folder = tmp_path / "certs"
    url = f"postgresql://bot:s3cret@127.0.0.1:1/ev?{options.format(folder=folder)}"
    proc = cli("events", env={"DATABASE_URL": url}, check_status=2)
    missing = options.format(folder=folder).partition("&")[2]
    assert proc.stderr == (f"eventbot: cannot use the PostgreSQL database "
                           f"postgresql://127.0.0.1:1/ev ({missing}: no such file); check "
                           "DATABASE_URL and that the server is up\n"), proc.stderr


def test_import_refuses_a_far_date_in_one_line_and_writes_nothing(cli, tmp_path):
    good, far = tmp_path / "events" / "a-good", tmp_path / "events" / "b-far"
    for folder, starts in ((good, "2026-12-01T18:00:00+01:00"), (far, "9999-12-31T23:00Z")):
        shutil.copytree(SAMPLE_DIR, folder)
        (folder / "event.toml").write_text(
            f'title = "Forum"\ncapacity = 40\nstarts_at = "{starts}"\n'
            'pages = ["announcement.txt"]\n')
    proc = cli("import", str(tmp_path / "events"), "--guild", "1", check_status=2)
    assert "between the years 2000 and 2100" in proc.stderr and "b-far" in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stdout == ""
    assert "a-good" not in cli("events").stdout  # the good folder waits for the bad one


# --------------------------------------------------------------------------- unusable database


def one_line_exit_2(cli, database: str | Path, *, wrap: tuple[str, ...] = ()) -> str:
    """`run` on this database file: exactly one line on stderr, exit status 2; the line."""
    proc = cli("run", check_status=2, database=str(database), wrap=wrap)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("eventbot: ") and str(database) in lines[0], lines
    return lines[0]


DAMAGED = "is not a SQLite database (or is damaged): restore it from a backup or move it away"


def test_a_file_of_random_bytes_is_refused_in_one_line(cli, tmp_path):
    bad = tmp_path / "random.sqlite3"
    bad.write_bytes(os.urandom(8192))
    assert DAMAGED in one_line_exit_2(cli, bad)
    assert bad.stat().st_size == 8192  # left as it was, for its owner to look at


@pytest.mark.parametrize("size", [1, 100, 511])
@pytest.mark.parametrize("command", [("events",), ("import", str(SAMPLE_DIR), "--guild", "1")])
def test_a_file_too_short_to_be_a_database_is_refused_and_kept(cli, tmp_path, size, command):
    """SQLite takes a file shorter than a database's first page for a new database and
    writes one over it: a stray note at DATABASE_PATH is refused and left as it was."""
    short = tmp_path / "note.sqlite3"
    short.write_bytes(b"x" * size)
    proc = cli(*command, check_status=2, database=str(short))
    assert proc.stderr.count("\n") == 1 and DAMAGED in proc.stderr, proc.stderr
    assert short.read_bytes() == b"x" * size


@pytest.mark.parametrize("keep", [0.03, 0.5, 0.95])
def test_a_truncated_database_is_refused_in_one_line(cli, tmp_path, keep):
    cli("import", str(SAMPLE_DIR), "--guild", "1")
    whole = cli.db.read_bytes()
    truncated = tmp_path / "truncated.sqlite3"
    truncated.write_bytes(whole[:int(len(whole) * keep)])
    assert DAMAGED in one_line_exit_2(cli, truncated)


def damage_inside(cli) -> None:
    """A database with events, its header and schema intact and the events table's first
    page overwritten (found by the schema, so a new table or index does not move it)."""
    cli("import", str(SAMPLE_DIR), "--guild", "1")
    conn = sqlite3.connect(cli.db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    conn.close()
    assert root > 1  # page 1 holds the header and the schema
    with cli.db.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xde\xad" * (page_size // 2))


@pytest.mark.parametrize("command", [("events",), ("import", str(SAMPLE_DIR), "--guild", "1")])
def test_a_database_damaged_inside_is_refused_in_one_line(cli, tmp_path, command):
    """Its header intact, the damage shows only when a command reads past it: that was a
    traceback, where a file damaged at its start is one line."""
    damage_inside(cli)
    proc = cli(*command, check_status=2)
    assert proc.stderr == f"eventbot: {cli.db} {DAMAGED} to start afresh\n", proc.stderr


def test_a_backup_of_a_database_damaged_inside_names_the_database_and_writes_nothing(
        cli, tmp_path):
    """Its header intact, the damage shows only as the backup copies the pages: that said
    the backup's folder could not be written, sending the operator to look at the wrong
    file."""
    damage_inside(cli)
    (tmp_path / "backups").mkdir()
    proc = cli("backup", str(tmp_path / "backups" / "copy.sqlite3"), check_status=2)
    assert proc.stderr == f"eventbot: {cli.db} {DAMAGED} to start afresh\n", proc.stderr
    assert proc.stdout == ""
    assert list((tmp_path / "backups").iterdir()) == []


@pytest.mark.parametrize("device", ["/dev/null", "fifo"])
def test_a_device_or_pipe_where_the_database_should_be_is_refused_in_one_line(cli, tmp_path,
                                                                             device):
    if device == "fifo":
        os.mkfifo(tmp_path / "fifo")
        device = str(tmp_path / "fifo")
    assert "is a device or a pipe, not a database file" in one_line_exit_2(cli, device)
    proc = cli("events", check_status=2, database=device)
    assert proc.stderr == f"eventbot: {device} is not a file: set DATABASE_PATH to the bot's " \
        "database\n"


@pytest.mark.parametrize("command", ["run", "events"])
def test_another_application_s_database_is_refused_and_left_as_it_was(cli, tmp_path, command):
    """DATABASE_PATH pointed at another program's SQLite file (its schema version 0, its
    own tables): the bot created its tables in it and turned it to WAL mode."""
    other = tmp_path / "places.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    proc = cli(command, check_status=2, database=str(other))
    assert proc.stderr.splitlines() == [
        f"eventbot: {other} is another program's database (it holds moz_places), not this "
        "bot's: set DATABASE_PATH to the bot's database, or to a new file"], proc.stderr
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["places.sqlite"]


@pytest.mark.parametrize(("dropped", "lacks"), [
    ("TABLE rsvps", "the table rsvps (and 2 more)"),  # (its two indexes went with it)
    ("TRIGGER events_revision", "the trigger events_revision")])
@pytest.mark.parametrize("command", [("run",), ("rsvps", "1")])
def test_a_database_missing_part_of_its_schema_is_refused_in_one_line(cli, tmp_path, dropped,
                                                                     lacks, command):
    """The bot's own database at this version, a table or trigger of it dropped (by hand,
    or lost to a repair): `rsvps` ended in a traceback, and the bot started on it, failing
    each command that read the table, or counting no calendar revisions."""
    cli("import", str(SAMPLE_DIR), "--guild", "1")
    with sqlite3.connect(cli.db) as db:
        db.execute(f"DROP {dropped}")
    db.close()
    before = cli.db.read_bytes()
    proc = cli(*command, check_status=2)
    assert proc.stderr.splitlines() == [
        f"eventbot: {cli.db} lacks {lacks} of the bot's schema: restore it from a backup or "
        "move it away to start afresh"], proc.stderr
    assert cli.db.read_bytes() == before


def test_a_copy_of_the_database_made_by_dump_is_the_bot_s_not_another_program_s(cli,
                                                                               tmp_path):
    """`sqlite3 bot.sqlite3 .dump | sqlite3 copy.sqlite3`, SQLite's way to repair or move a
    database, copies every table but not the schema version: the bot called the copy
    "another program's database" and would not start on it. One holding exactly this
    version's schema is this version's: its events and RSVPs are there as they were."""
    if shutil.which("sqlite3") is None:
        pytest.skip("no sqlite3 shell here")
    cli("import", str(SAMPLE_DIR), "--guild", "1")
    listed = cli("events").stdout
    copy = tmp_path / "copy.sqlite3"
    dump = subprocess.run(["sqlite3", str(cli.db), ".dump"], capture_output=True, check=True)
    subprocess.run(["sqlite3", str(copy)], input=dump.stdout, check=True)
    with contextlib.closing(sqlite3.connect(copy)) as target:
        assert target.execute("PRAGMA user_version").fetchone()[0] == 0
        indexed = target.execute("SELECT count(*) FROM passages").fetchone()[0]
    assert cli("events", database=str(copy)).stdout == listed
    with contextlib.closing(sqlite3.connect(copy)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        # (its search rows as they were, not indexed a second time)
        assert db.execute("SELECT count(*) FROM passages").fetchone()[0] == indexed > 0


def test_a_copy_made_by_dump_of_an_earlier_version_s_database_is_upgraded(cli, tmp_path):
    """The same copy of a database an earlier version made: it holds that version's schema
    exactly, so it is upgraded from there, as the database itself would be."""
    if shutil.which("sqlite3") is None:
        pytest.skip("no sqlite3 shell here")
    old = sqlite_before(cli.db, "events_by_guild_end")  # (before migration 29)
    old.execute("INSERT INTO events (id, guild_id, slug, title, capacity, created_at,"
                " updated_at) VALUES (1, 5, 'old', 'An Old Talk', 10, 0, 0)")
    old.execute("INSERT INTO rsvps VALUES (1, 7, 'Ada', 'confirmed', 1, 0)")
    old.commit()
    old.close()
    copy = tmp_path / "copy.sqlite3"
    dump = subprocess.run(["sqlite3", str(cli.db), ".dump"], capture_output=True, check=True)
    subprocess.run(["sqlite3", str(copy)], input=dump.stdout, check=True)
    listed = cli("rsvps", "1", database=str(copy)).stdout
    assert listed.split("\t")[:2] == ["7", "confirmed"], listed
    with contextlib.closing(sqlite3.connect(copy)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_folder_where_the_database_should_be_is_refused_in_one_line(cli, tmp_path):
    (tmp_path / "db.sqlite3").mkdir()
    assert "is a folder, not a database file" in one_line_exit_2(cli, tmp_path / "db.sqlite3")


@pytest.mark.parametrize("path", ["somefile/db.sqlite3", "somefile/deeper/db.sqlite3"])
def test_a_file_in_the_way_of_the_database_folder_is_refused_in_one_line(cli, tmp_path, path):
    (tmp_path / "somefile").write_text("not a folder")
    line = one_line_exit_2(cli, tmp_path / path)
    assert f"{tmp_path / 'somefile'} is a file, not a folder" in line


def test_a_database_file_name_the_system_refuses_is_not_blamed_on_its_folder(cli, tmp_path):
    """The folder is there: the line said it could not be created, and sent the operator
    to its permissions."""
    database = tmp_path / f"{'events-' * 40}.sqlite3"  # over the 255 bytes a name may have
    line = one_line_exit_2(cli, database)
    assert line == (f"eventbot: cannot create {database} (File name too long); set "
                    "DATABASE_PATH to another file"), line


def read_only(tmp_path: Path, setup: str) -> tuple[str, ...]:
    """A command prefix that runs the bot with `tmp_path/ro` read-only. Root ignores file
    permissions, so as root it is a read-only filesystem mounted there, in a mount namespace
    of the child's own (`setup` runs in it first, before the mount turns read-only)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        subprocess.run(["sh", "-c", setup], cwd=tmp_path, check=True)
        folder.chmod(0o555)
        return ()
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs tmpfs {folder}"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot mount a read-only filesystem here")
    return ("unshare", "-m", "sh", "-c",
            f'mount -t tmpfs tmpfs {folder} && {setup} && mount -o remount,ro {folder} '
            '&& exec "$@"', "sh")


@pytest.mark.parametrize("name", ["new.sqlite3", "sub/new.sqlite3"])
def test_a_database_that_cannot_be_created_is_refused_in_one_line(cli, tmp_path, name):
    wrap = read_only(tmp_path, "true")
    line = one_line_exit_2(cli, tmp_path / "ro" / name, wrap=wrap)
    assert "writable" in line


def test_an_existing_database_that_cannot_be_written_is_refused_in_one_line(cli, tmp_path):
    cli("import", str(SAMPLE_DIR), "--guild", "1")
    wrap = read_only(tmp_path, f"cp {cli.db} {tmp_path}/ro/bot.sqlite3")
    line = one_line_exit_2(cli, tmp_path / "ro" / "bot.sqlite3", wrap=wrap)
    assert "cannot be opened for writing" in line


def without_write_override(tmp_path: Path) -> tuple[str, ...]:
    """A command prefix under which file permissions hold: as root, the capabilities that
    override them dropped (else nothing, for a user they hold for already)."""
    if os.geteuid() != 0:
        return ()
    caps = "-dac_override,-dac_read_search"
    wrap = ("setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}")
    if subprocess.run([*wrap, "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot drop root's capabilities here")
    return wrap


@pytest.mark.parametrize("file", ["bot.sqlite3", "bot.sqlite3-wal"])
@pytest.mark.parametrize("command", [("run",), ("import", str(SAMPLE_DIR), "--guild", "1"),
                                     ("reset-sync-state",)])
def test_a_read_only_database_file_in_a_writable_folder_is_refused_in_one_line(
        cli, tmp_path, file, command):
    """SQLite opens such a file read-only without a word; the bot must not start on it and
    fail at the first join, nor end an import or a reset in a traceback."""
    cli("import", str(SAMPLE_DIR), "--guild", "1")
    held = sqlite3.connect(cli.db)  # open, it keeps the -wal file (as another process would)
    held.execute("SELECT 1 FROM events").fetchall()
    (tmp_path / file).chmod(0o444)
    before = cli.db.read_bytes()
    proc = cli(*command, check_status=2, wrap=without_write_override(tmp_path))
    assert proc.stderr.splitlines() == [
        f"eventbot: {tmp_path / file} cannot be opened for writing (it is read-only to the "
        "bot): make it and its folder writable, or set DATABASE_PATH to a writable place"
    ], proc.stderr
    assert cli.db.read_bytes() == before
    held.close()


def test_a_database_in_a_read_only_folder_is_refused_saying_what_to_do(cli, tmp_path):
    """SQLite reports it with an extended code (SQLITE_READONLY_DIRECTORY), which is still
    a database that cannot be written."""
    cli("import", str(SAMPLE_DIR), "--guild", "1")
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy(cli.db, folder / "bot.sqlite3")
    folder.chmod(0o555)
    line = one_line_exit_2(cli, folder / "bot.sqlite3", wrap=without_write_override(tmp_path))
    assert "cannot be opened for writing" in line and "make it and its folder writable" in line


def event_folders(parent: Path, count: int) -> Path:
    """`count` event folders (copies of the sample, each its own title) under `parent`."""
    for n in range(count):
        folder = parent / f"forum-{n}"
        shutil.copytree(SAMPLE_DIR, folder)
        (folder / "event.toml").write_text(
            f'title = "Forum {n}"\ncapacity = 40\npages = ["announcement.txt", "recap.txt"]\n')
    return parent


def test_a_folder_import_shows_its_progress_at_a_terminal(cli, tmp_path):
    folders = event_folders(tmp_path / "events", 3)
    status, shown = run_in_terminal(
        [sys.executable, "-m", "bot", "import", str(folders), "--guild", "123"], env=cli.env,
        cwd=tmp_path)
    assert status == 0, shown
    # The bar (two steps a folder: read, saved) is drawn, then the results printed.
    assert "importing 3 event folder(s)" in shown and "4/4" in shown, shown
    assert "━" in shown and "\x1b[" in shown
    assert shown.count("created event") == 3


def test_a_folder_import_into_a_pipe_prints_only_its_results(cli, tmp_path):
    proc = cli("import", str(event_folders(tmp_path / "events", 3)), "--guild", "123")
    assert proc.stderr == ""
    assert proc.stdout.splitlines() == [
        f"created event {n + 1} 'forum-{n}' (5 people, 5 takeaways)" for n in range(3)]


def readme_commands() -> dict[str, set[str]]:
    """The README's table of `python -m bot` commands: each command's words (its name, its
    options and the names of their values), as the table's first column writes them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("`python -m bot …`", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {words[0]: set(words) for words in (
        usage_words(row.split("`")[1].replace("…", "")) for row in rows)}


def usage_words(usage: str) -> list[str]:
    return [word for word in usage.replace("[", " ").replace("]", " ").split()
            if word not in ("eventbot", "-h", "...")]


def test_the_readme_s_commands_are_those_the_help_shows(cli):
    """An operator reading the README's table types what `--help` also shows: the same
    commands, options and names of their values."""
    listed = readme_commands()
    choices = cli("--help").stdout.split("{", 1)[1].split("}", 1)[0].split(",")
    assert sorted(listed) == sorted(choices)
    for command, words in listed.items():
        usage = cli(command, "--help").stdout.split("\n\n", 1)[0]
        assert set(usage_words(usage.split(":", 1)[1])) == words, (command, usage)


@pytest.mark.parametrize(("line", "said"), [
    # The token as an Authorization header shows it: the bot adds "Bot " itself.
    ("DISCORD_TOKEN=Bot MTA5ODc2NTQzMjEw.Gab.cdef", "DISCORD_TOKEN begins with 'Bot ': write "
     "the token alone, without it (the bot adds it)"),
    ("DISCORD_TOKEN=bot MTA5ODc2NTQzMjEw.Gab.cdef", "DISCORD_TOKEN begins with 'bot ': write "
     "the token alone, without it (the bot adds it)"),
    ("DISCORD_TOKEN=Bearer MTA5ODc2NTQzMjEw.Gab.cdef", "DISCORD_TOKEN begins with 'Bearer ': "
     "write the token alone, without it (the bot adds 'Bot ')"),
    # Ids pasted as Discord shows them in a message, or with Discord's "Copy ID" spaces.
    ("SYNC_GUILD_ID=<#123456789012345678>", "SYNC_GUILD_ID='<#123456789012345678>' must be "
     "a Discord id (a positive whole number)"),
])
def test_a_setting_written_as_people_copy_it_says_what_to_write(cli, line, said):
    (cli.db.parent / ".env").write_text(line + "\n", encoding="utf-8")
    proc = cli("run", check_status=2, env={"DATABASE_PATH": str(cli.db.parent / "d" / "b.db")})
    assert proc.stderr.splitlines() == [f"eventbot: {said}"], proc.stderr
    assert not (cli.db.parent / "d").exists()  # nothing made before the refusal


TOKEN = "the-bot-token"


@contextlib.contextmanager
def run_holding(cli, token: str, schema: int | None = None) -> Iterator[None]:
    """Another process holding a running bot's claim on `cli.db` for `token` (all of its
    shards) while the block runs, as `python -m bot run` holds it: a bot of the `schema`
    version (default: this one's)."""
    with holding(cli, "import time\n"
                      "from pathlib import Path\n"
                      "from bot.storage.sqlite.migrations import SCHEMA_VERSION\n"
                      "from bot.storage.sqlite.running import running_alone\n"
                      f"with running_alone(Path({str(cli.db)!r}), {token!r}, 1, None,\n"
                      f"                   schema={schema} or SCHEMA_VERSION):\n"
                      "    print('running', flush=True)\n"
                      "    time.sleep(60)\n"):
        yield


@contextlib.contextmanager
def holding(cli, program: str) -> Iterator[None]:
    """`program` run in another process, once it says it holds its claim, until the block
    ends."""
    running = subprocess.Popen([sys.executable, "-c", program], env=cli.env,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert running.stdout.readline() == "running\n"
        yield
    finally:
        running.kill()
        running.wait()


def test_a_refused_second_run_leaves_the_running_bot_s_database_as_it_was(cli, tmp_path):
    """A bot of an earlier version runs on the file, and a newer one is started beside it
    (the code pulled, then `make run` in another terminal): the newer one is refused as a
    second run of the token, and must not first upgrade the database under the running
    bot, which would go on with a schema it does not know (and refuse to start again)."""
    old = sqlite_before(cli.db, "events_by_guild_end")
    old.commit()
    version = old.execute("PRAGMA user_version").fetchone()[0]
    old.close()
    with run_holding(cli, TOKEN):
        proc = cli("run", check_status=2, env={"DISCORD_TOKEN": TOKEN})
    assert proc.stderr == (f"eventbot: a bot process with this DISCORD_TOKEN is already running "
                           f"on {cli.db}: stop it first (two would both answer every command), "
                           "or give each process its own SHARD_IDS\n")
    with sqlite3.connect(cli.db) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == version


@pytest.mark.parametrize("command", [("events",), ("rsvps", "1"), ("reset-sync-state",),
                                     ("import", str(SAMPLE_DIR), "--guild", "1"),
                                     ("run",)])
def test_no_command_upgrades_the_database_of_a_bot_of_an_earlier_version_running_on_it(
        cli, command):
    """The code pulled into another folder, and a command of the new version run on the
    running bot's database (a listing, an import, or a start as another token or shard):
    each upgraded it under the running bot, which went on with a schema it does not know
    and refused to start again. One line, exit status 2, the database as it was."""
    old = sqlite_before(cli.db, "outbox_by_kind")
    old.commit()
    version = old.execute("PRAGMA user_version").fetchone()[0]
    old.close()
    with run_holding(cli, TOKEN, schema=version):
        proc = cli(*command, check_status=2, env={"DISCORD_TOKEN": f"another-{TOKEN}"})
    assert proc.stderr.splitlines() == [
        f"eventbot: a bot of an earlier version is running on {cli.db} (schema version "
        f"{version}): stop it before this version upgrades the database it uses, or run "
        "this command with its version"], proc.stderr
    with sqlite3.connect(cli.db) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == version


def test_a_bot_of_this_version_upgrading_the_database_is_not_taken_for_an_earlier_one(cli):
    """Two shards of the new version started at once: while the first upgrades the database
    (its claim held, the schema still the old one), the second, or a command run beside
    it, is not refused as if an earlier version ran there: it opens the store, which waits
    for the upgrade (here, with no upgrade under way, makes it itself)."""
    old = sqlite_before(cli.db, "outbox_by_kind")
    old.commit()
    old.close()
    with run_holding(cli, TOKEN):  # this version's bot, its upgrade not yet committed
        proc = cli("events", env={"DISCORD_TOKEN": f"another-{TOKEN}"})
    assert "earlier version" not in proc.stderr, proc.stderr
    with sqlite3.connect(cli.db) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


@pytest.fixture
def empty_postgres(postgres_cluster):
    """The URL of a new, empty PostgreSQL database (no bot's tables yet), with a password
    in it that the server (trusting local connections) ignores and no message may show."""
    import asyncio

    import asyncpg

    name = f"cli_{os.getpid()}_{id(postgres_cluster) % 10_000}"

    async def admin(statement: str) -> None:
        conn = await asyncpg.connect(postgres_cluster.url())
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(admin(f"CREATE DATABASE {name} TEMPLATE template0"))
    try:
        yield postgres_cluster.url(name).replace("postgres@", "postgres:s3cret@")
    finally:
        asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@contextlib.contextmanager
def run_holding_postgres(cli, url: str, token: str) -> Iterator[None]:
    """Another process holding a running bot's claim on the PostgreSQL database at `url`
    for `token` (all of its shards) while the block runs, as `python -m bot run` holds it."""
    with holding(cli, "import asyncio\n"
                      "from bot.storage.postgres.running import running_alone\n"
                      "async def hold():\n"
                      f"    async with running_alone({url!r}, {token!r}, None):\n"
                      "        print('running', flush=True)\n"
                      "        await asyncio.sleep(60)\n"
                      "asyncio.run(hold())\n"):
        yield


def test_a_second_run_on_postgresql_is_refused_and_leaves_the_database_as_it_was(
        cli, empty_postgres):
    """Two `run`s of one token on one PostgreSQL database (the processes may be on two
    machines): the second is refused in the SQLite refusal's line, naming the database
    without its password, before it makes (or upgrades) any table of it."""
    import asyncio

    import asyncpg

    from bot.storage import safe_url

    async def tables() -> list[str]:
        conn = await asyncpg.connect(empty_postgres)
        try:
            return [row[0] for row in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        finally:
            await conn.close()

    env = {"DISCORD_TOKEN": TOKEN, "DATABASE_URL": empty_postgres}
    with run_holding_postgres(cli, empty_postgres, TOKEN):
        proc = cli("run", check_status=2, env=env)
    assert proc.stderr == (f"eventbot: a bot process with this DISCORD_TOKEN is already running "
                           f"on {safe_url(empty_postgres)}: stop it first (two would both "
                           "answer every command), or give each process its own SHARD_IDS\n")
    assert "s3cret" not in proc.stderr
    assert asyncio.run(tables()) == []


def test_a_postgresql_url_naming_several_hosts_reaches_the_one_that_answers(
        cli, empty_postgres):
    """PostgreSQL's client takes several hosts, tried in turn (a standby beside the
    primary): `postgresql://user@host1:5432,host2:5432/db`. Such a URL was refused as one
    whose port is no number, telling the operator to escape a password it does not hold."""
    url = empty_postgres.replace("@127.0.0.1:", "@127.0.0.1:1,127.0.0.1:")
    assert url.count(",") == 1
    made_database(cli)
    proc = cli("events", env={"DATABASE_URL": url})
    assert proc.stdout.startswith("no events yet"), proc.stderr
    copied = cli("migrate-db", "--to", url)
    assert copied.stdout.startswith(f"copied {cli.db} into postgresql://127.0.0.1:1,127.0.0.1:")
    # unreachable all: the one line names every host tried, no password
    down = cli("events", env={"DATABASE_URL": "postgresql://postgres:s3cret@127.0.0.1:1,"
                              "127.0.0.1:2/x"}, check_status=2)
    assert "postgresql://127.0.0.1:1,127.0.0.1:2/x" in down.stderr, down.stderr
    assert "s3cret" not in down.stderr and down.stderr.count("\n") == 1


@pytest.mark.parametrize(("url", "shown"), [
    # an IPv6 address without its brackets read as host "::1" port 1, or as "::1:1"
    ("postgresql://bot:s3cret@[::1]:1/ev", "postgresql://[::1]:1/ev"),
    # a Unix socket's folder, as libpq and asyncpg take it: said to be localhost (TCP)
    ("postgresql://bot:s3cret@/ev?host={folder}&port=1&password=s3cret",
     "postgresql:///ev?host={folder}&port=1"),
])
def test_a_database_that_cannot_be_reached_is_named_where_the_bot_looked(cli, tmp_path, url,
                                                                         shown):
    folder = tmp_path / "no-server-here"
    proc = cli("events", env={"DATABASE_URL": url.format(folder=folder)}, check_status=2)
    assert proc.stderr.startswith(
        f"eventbot: cannot use the PostgreSQL database {shown.format(folder=folder)} ("
    ), proc.stderr
    assert "s3cret" not in proc.stderr and proc.stderr.count("\n") == 1


def test_a_second_run_through_another_name_of_the_database_file_is_refused(cli, tmp_path):
    """DATABASE_PATH a link to the file (a service's /srv/bot/data/bot.sqlite3 linked into
    the checkout) and the same file by its own name elsewhere: one database, one token, so
    the second is refused, as SQLite itself keeps one -wal and -shm beside the target."""
    made_database(cli)
    link = tmp_path / "linked.sqlite3"
    link.symlink_to(cli.db)
    with run_holding(cli, TOKEN):
        proc = cli("run", check_status=2, database=str(link), env={"DISCORD_TOKEN": TOKEN})
    assert "is already running on" in proc.stderr, proc.stderr


def test_rsvps_csv_at_a_terminal_shows_names_without_their_controls(cli, tmp_path):
    """`rsvps --csv` printed at the operator's terminal (not redirected to a file) shows a
    member's name as the listing does: an escape sequence or a right-to-left override in
    it marked, not obeyed; written to a file, the names stay exactly as members set them."""
    cli("import", str(SAMPLE_DIR), "--guild", "123")
    name = "Eve\x1b[2J\u202emallory 李彬 👩\u200d👩\u200d👧 محمد"
    with sqlite3.connect(cli.db) as db:
        db.execute("INSERT INTO rsvps VALUES (1, 42, ?, 'confirmed', 1, 0)", (name,))
    assert name in cli("rsvps", "1", "--csv").stdout  # a file gets the name as it is
    status, shown = run_in_terminal([sys.executable, "-m", "bot", "rsvps", "1", "--csv"],
                                    env=cli.env | {"DATABASE_PATH": str(cli.db)},
                                    cwd=tmp_path)
    assert status == 0, shown
    assert "Eve\ufffd[2J\ufffdmallory 李彬 👩\u200d👩\u200d👧 محمد" in shown, shown
    assert "\x1b" not in shown and "\u202e" not in shown


@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o640, False), (0o600, False)])
def test_run_warns_when_every_user_may_read_the_passwords_in_env(cli, tmp_path, mode, warned):
    """`cp .env.example .env` makes it 0644 under the usual umask: the bot's token and the
    database's password in it, readable by every user of the machine. A start says so
    (a group the operator shares it with is their choice), and shows neither."""
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_URL=postgresql://eventbot:s3cretpw@127.0.0.1:1/eventbot\n")
    env_file.chmod(mode)
    proc = cli("run", check_status=2)
    said = [line for line in proc.stderr.splitlines() if "chmod 600" in line]
    assert len(said) == (1 if warned else 0), proc.stderr
    if warned:
        assert "WARNING" in said[0] and "DATABASE_URL" in said[0], said
    assert "s3cretpw" not in proc.stderr + proc.stdout
    assert proc.stderr.splitlines()[-1].startswith("eventbot: cannot use the PostgreSQL")


def test_csv_and_json_into_a_file_are_utf8_whatever_the_locale(cli, tmp_path):
    """CSV and JSON into a file or a pipe are data for another program, which reads them
    as UTF-8 (JSON must be: RFC 8259). In a locale of another encoding (C without UTF-8
    mode, Latin-1) the attendees' CSV had each Chinese name as a `\\u` escape and the
    JSON each Latin-1 letter as its Latin-1 byte, which no JSON parser takes."""
    cli("import", str(SAMPLE_DIR), "--guild", "5")
    conn = sqlite3.connect(cli.db)
    conn.executemany("INSERT INTO rsvps VALUES (1, ?, ?, 'confirmed', ?, 0)",
                     [(42, "李彬", 1), (43, "Zoë Müller", 2)])
    conn.commit()
    conn.close()
    page = tmp_path / "page.txt"
    page.write_text((ROOT / "tests/unit/pages/zh_announcement.txt").read_text()
                    .replace("\n北京\n", "\nCafé Zoë, 北京\n", 1))
    ascii_locale = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    rows = list(csv.reader(io.StringIO(cli("rsvps", "1", "--csv", env=ascii_locale).stdout)))
    assert [row[1] for row in rows[1:]] == ["李彬", "Zoë Müller"]
    parsed = subprocess.run([sys.executable, "-m", "bot", "parse", "--json", str(page)],
                            cwd=tmp_path, env=cli.env | ascii_locale | {
                                "PYTHONIOENCODING": "latin-1"},
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    page_read = json.loads(parsed.stdout.decode("utf-8"))
    assert page_read["title"] == "核军控的未来：大国竞争时代的战略稳定"
    assert page_read["location"] == "Café Zoë, 北京"


def test_rsvps_csv_runs_no_formula_where_a_spreadsheet_splits_cells_at_semicolons(cli):
    """Excel set to a list separator of ";" (German, French, Dutch...) splits each line
    of a CSV at every ";", quoted or not: a name "Eve;=cmd|...;" opened a cell of its
    own, a formula the name's leading quote never reached. Each cell of either reading
    is text, and a name of no formula stays as it is."""
    cli("import", str(SAMPLE_DIR), "--guild", "5")
    names = ["Eve;=cmd|' /C calc'!A0;", "Ann; +1+1", "Bo;\u3000＠SUM(A1)", "Cy;\"=1+1\";",
             "Dee; Smith-Jones", "Al;x"]
    with sqlite3.connect(cli.db) as db:
        db.executemany("INSERT INTO rsvps VALUES (1, ?, ?, 'confirmed', ?, 0)",
                       [(40 + n, name, n) for n, name in enumerate(names, 1)])
    text = cli("rsvps", "1", "--csv").stdout
    for delimiter in ",;":
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            formulas = [cell for cell in row
                        if cell and cell.lstrip(" \u3000\"")[:1] in "=+-@＝＋－＠"]
            assert not formulas, (delimiter, row)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[1] for row in rows[-2:]] == ["Dee; Smith-Jones", "Al;x"]


def test_data_in_utf8_still_escapes_what_utf8_cannot_hold(monkeypatch):
    """A file named on the command line in another encoding than the system's comes as
    lone surrogates, which `parse --json` writes in its "file". Made UTF-8 in a Latin-1
    locale, the output lost its backslash escapes (`reconfigure` with an encoding alone
    makes errors strict): a traceback where a UTF-8 locale writes the name escaped."""
    written = io.BytesIO()
    # (as `escape_what_output_cannot_encode` leaves it)
    stdout = io.TextIOWrapper(written, encoding="latin-1", errors="backslashreplace")
    monkeypatch.setattr(sys, "stdout", stdout)
    data_in_utf8()
    print(json.dumps({"file": "caf\udce9.txt", "venue": "北京"}, ensure_ascii=False))
    stdout.flush()
    assert json.loads(written.getvalue().decode("utf-8")) == {"file": "caf\udce9.txt",
                                                              "venue": "北京"}


def test_a_closed_output_is_one_line_before_any_work(cli, tmp_path):
    """A command started with its standard output closed (`>&-`, a service manager's
    closed descriptor): an import of a folder, `rsvps --csv` and `make run` at a terminal
    without a token ended in a traceback (the first before it imported anything), and the
    listings printed nothing with exit status 0."""
    closed = (sys.executable, "-c", "import os, sys; os.close(1); "
              "os.execvp(sys.argv[1], sys.argv[1:])")
    proc = cli("import", str(SAMPLE_DIR), "--guild", "5", check_status=2, wrap=closed)
    assert proc.stderr.startswith("eventbot: the output is closed"), proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    assert not cli.db.exists()
    sandbox = subprocess.run([*closed, sys.executable, "-m", "sandbox", "--database",
                              str(tmp_path / "sandbox.sqlite3")], cwd=tmp_path, env=cli.env,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=60)
    assert sandbox.returncode == 2 and sandbox.stderr.startswith(
        "eventbot: the output is closed"), sandbox.stderr


@pytest.mark.parametrize("given", ["", "  "])
def test_an_empty_path_imports_or_parses_nothing_and_says_so_in_one_line(cli, tmp_path, given):
    """`import "$FOLDER"` with the variable unset gave an empty path, which is the current
    folder: every event folder under it was imported into the server, without a word of
    what had happened. `parse ""` called it a folder."""
    shutil.copytree(SAMPLE_DIR, tmp_path / "spring-forum")  # in the folder it runs in
    for args in (("import", given, "--guild", "1"), ("parse", given),
                 ("parse", str(ANNOUNCEMENT), given)):
        proc = cli(*args, check_status=2)
        assert proc.stderr == (f"eventbot {args[0]}: argument FILE_OR_URL: is empty: give a file,"
                               f" a folder or a URL (see eventbot {args[0]} --help)\n"
                               if args[0] == "parse" else
                               "eventbot import: argument PATH_OR_URL: is empty: give a file, a "
                               "folder or a URL (see eventbot import --help)\n"), proc.stderr
        assert proc.stdout == ""
    assert no_events(cli)
