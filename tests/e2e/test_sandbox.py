"""`python -m bot sandbox` as a person uses it: commands typed on stdin, the console's output
read back. It runs the real bot against the local Discord-compatible server."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import OPEN_ANNOUNCEMENT
from tests.terminal import terminal_signals

SAMPLE_TITLE = "U.S.-China Missile Defense Disputes"


SPRING = "event:\"Spring Forum\""
# Spring Forum starts a month from now at 17:00 UTC, typed as 18:00 at UTC+1: a fixed date
# would be in the past one day, and the event closed to joins.
START = (datetime.now(UTC) + timedelta(days=30)).replace(hour=17, minute=0, second=0,
                                                         microsecond=0)
STARTS_AT = f"starts_at:{START + timedelta(hours=1):%Y-%m-%dT%H:%M}+01:00"
BEHIND = "Can't keep up"  # discord.py's warning when a heartbeat's ACK comes late
HEARTBEAT = "0.5"  # seconds, instead of the sandbox's 5


def sandbox_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env.update(PYTHONPATH=str(ROOT), DATABASE_PATH=str(tmp / "bot.sqlite3"),
               EVENTS_DIR=str(ROOT / "data" / "events"), TZ="UTC", COLUMNS="100",
               SANDBOX_HEARTBEAT_INTERVAL=HEARTBEAT)
    return env


def run_sandbox(tmp: Path, lines: list[str], *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--database", str(tmp / "sandbox.sqlite3"),
         *extra], input="\n".join(lines) + "\n", cwd=tmp, env=sandbox_env(tmp),
        capture_output=True, text=True, timeout=60)


def read_until(proc: subprocess.Popen, end: bytes, timeout: float = 30) -> bytes:
    output = b""
    deadline = time.monotonic() + timeout
    while not output.endswith(end) and time.monotonic() < deadline:
        if select.select([proc.stdout], [], [], 0.1)[0]:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            output += chunk
    return output


def bot_pid(output: str) -> int:
    return int(re.search(r"the real bot \(pid (\d+)\)", output)[1])


def assert_gone(pid: int) -> None:
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def after(output: str, prompt_line: str) -> str:
    """What the console printed for one typed line (up to the next prompt)."""
    start = output.index(prompt_line) + len(prompt_line)
    following = re.search(r"^[a-z0-9_.]+> ", output[start:], re.MULTILINE)
    return output[start: start + following.start() if following else None]


@pytest.fixture(scope="module")
def tmp(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("sandbox")
    (tmp / "spring.txt").write_bytes(OPEN_ANNOUNCEMENT)
    return tmp


@pytest.fixture(scope="module")
def session(tmp) -> subprocess.CompletedProcess:
    return run_sandbox(tmp, [
        "/event info",
        "/rsvp join",
        "as moderator",
        "/manage import page:spring.txt title:\"Spring Forum\" capacity:1 " + STARTS_AT,
        "click 1",  # Import, on the preview
        "?event spring",
        "/manage announce event:\"Spring Forum\"",
        "as member",
        "click 1",
        "as moderator",
        "/rsvp join event:\"Spring Forum\"",
        "as member",
        "click 2",
        "as moderator",
        "dms",
        "/manage attendees event:\"Spring Forum\"",
        "/manage capacity seats:many",
        "/nonsense",
        "quit",
    ])


def test_a_session_ends_cleanly_and_stops_the_bot(session):
    assert session.returncode == 0, session.stderr
    assert session.stdout.rstrip().endswith("Stopped the bot.")
    assert_gone(bot_pid(session.stdout))


def test_members_read_the_sample_event_and_its_closed_registration(session):
    info = after(session.stdout, "you> /event info\n")
    assert f"│ {SAMPLE_TITLE}" in info
    assert "│ Registration: Closed" in info
    joined = after(session.stdout, "you> /rsvp join\n")
    assert "EventBot (only you can see this)" in joined and "registration is closed" in joined


def test_a_moderator_imports_a_page_and_announces_it_with_buttons(session):
    out = session.stdout
    preview = after(out, STARTS_AT + "\n")
    assert "Import will create a new event, Spring Forum." in preview
    assert preview.rstrip().endswith("[1 Import] [2 Cancel]")
    imported = after(out, "moderator> click 1\n")
    event_id = re.search(r"Created Spring Forum \(event (\d+)\)", imported)[1]
    when = f"{START:%A}, {START:%B} {START.day}, {START.year} 5:00 PM"
    assert f"│ When: {when} (" in imported  # in TZ=UTC
    assert "│ Registration: Open: 1 of 1 seat left" in imported
    assert f"event:{event_id}  Spring Forum ({START:%Y-%m-%d})" in after(out,
                                                                       "> ?event spring\n")
    announced = after(out, "> /manage announce event:\"Spring Forum\"\n")
    assert "Posted Spring Forum in #announcements." in announced
    assert "#announcements · EventBot" in announced
    assert announced.rstrip().endswith("[1 Join] [2 Cancel my RSVP]")


def test_buttons_notices_the_waitlist_and_a_dm(session):
    out = session.stdout
    joined = after(out, "you> click 1\n")
    assert "You're confirmed for Spring Forum." in joined
    assert "Registration is now closed, as the number of RSVPs has reached venue capacity." in (
        joined + after(out, "moderator> /rsvp join event:\"Spring Forum\"\n"))
    assert "waitlisted (position 1)" in after(out, "moderator> /rsvp join event:\"Spring Forum\"\n")
    cancelled = after(out, "you> click 2\n")
    assert "cancelled" in cancelled
    assert "(EventBot sent moderator a DM: type as moderator, then dms, to read it)" in cancelled
    dms = after(out, "moderator> dms\n")
    assert "DM from EventBot" in dms and "now confirmed for Spring Forum" in dms


def test_the_attendees_csv_is_shown_with_its_first_lines(session):
    attendees = after(session.stdout, "moderator> /manage attendees event:\"Spring Forum\"\n")
    assert "1 confirmed, 0 waitlisted for Spring Forum." in attendees
    assert re.search(r"📎 spring-forum-attendees\.csv \(\d+ bytes\)", attendees)
    assert "   user_id,name,status,position,joined_at" in attendees
    assert re.search(r"   100000000000000003,moderator,confirmed,,", attendees)


def test_bad_lines_get_one_line_and_the_console_goes_on(session):
    out = session.stdout
    assert after(out, "moderator> /manage capacity seats:many\n") == (
        "  ! seats: 'many' is not a whole number\n")
    assert after(out, "moderator> /nonsense\n") == (
        "  ! unknown command /nonsense; the bot has /event, /manage, /rsvp (help lists them)\n")
    assert "moderator> quit" in out


def test_the_next_start_keeps_the_sandbox_and_fresh_starts_over(session, tmp):
    again = run_sandbox(tmp, ["as moderator", "/rsvp status event:\"Spring Forum\""])
    assert again.returncode == 0, again.stderr
    assert "You're confirmed for Spring Forum." in again.stdout
    assert "(as you left it)" in again.stdout
    fresh = run_sandbox(tmp, ["?event spring", "?event"], "--fresh")
    assert fresh.returncode == 0, fresh.stderr
    assert "(as you left it)" not in fresh.stdout
    assert "(no choices for event:spring)" in fresh.stdout
    assert f"  {SAMPLE_TITLE}" in fresh.stdout
    assert_gone(bot_pid(fresh.stdout))


def test_locale_makes_the_bot_answer_the_typing_member_in_their_language(tmp_path):
    done = run_sandbox(tmp_path, ["locale", "locale zh-CN", "/rsvp join event:\"No Such Talk\"",
                                  "locale xx", "as moderator", "/rsvp join event:\"No Such Talk\"",
                                  "quit"])
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert after(out, "you> locale\n") == "  you's Discord is in en-US\n"
    assert after(out, "you> locale zh-CN\n") == "  you's Discord is in zh-CN\n"
    assert "⚠️ 本服务器没有与 'No Such Talk' 匹配的活动" in after(
        out, "you> /rsvp join event:\"No Such Talk\"\n")
    assert after(out, "you> locale xx\n") == (
        "  ! 'xx' is not a Discord locale; e.g. en-US, en-GB, zh-CN or zh-TW\n")
    assert "⚠️ No event in this server matches 'No Such Talk'" in after(
        out, "moderator> /rsvp join event:\"No Such Talk\"\n")


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_a_kill_while_waiting_for_input_stops_the_bot(tmp_path, signum, status):
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--database", str(tmp_path / "s.sqlite3")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=tmp_path, env=sandbox_env(tmp_path), preexec_fn=terminal_signals)
    try:
        output = read_until(proc, b"you> ")
        pid = bot_pid(output.decode())
        proc.send_signal(signum)
        proc.wait(timeout=15)  # stdin stays open: the console is still waiting for a line
        out, err = proc.stdout.read(), proc.stderr.read()
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == status, err
    assert b"Traceback" not in err and b"Fatal" not in err
    assert (output + out).decode().rstrip().endswith("Stopped the bot.")
    assert_gone(pid)


def held_ctrl_c() -> None:
    """In the child before it runs Python: Ctrl-C blocked, as the bot's command line
    holds it while it imports, and as `python -m bot sandbox` passes it on to the
    sandbox across its exec."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
@pytest.mark.parametrize("command", [["bot", "sandbox"], ["sandbox"]], ids=["bot", "sandbox"])
def test_ctrl_c_while_python_is_still_importing_ends_quietly(tmp_path, command):
    """A second of imports comes before the console. Ctrl-C in it is held until they are
    done, then ends the command as quietly as at the prompt: raised inside an import it
    printed a traceback, and inside one of importlib's callbacks it was lost. Sent here
    before the child has run a line of Python, it is held for all of that time."""
    proc = subprocess.Popen(
        [sys.executable, "-m", *command, "--database", str(tmp_path / "s.sqlite3")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=tmp_path, env=sandbox_env(tmp_path), preexec_fn=held_ctrl_c)
    try:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == 130, err
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err, err
    assert b"Starting the bot" not in out  # it ended before the sandbox began


# --------------------------------------------------------------------------- people, roles, files


@pytest.fixture(scope="module")
def crowd_tmp(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("crowd")
    (tmp / "spring.txt").write_bytes(OPEN_ANNOUNCEMENT)
    return tmp


@pytest.fixture(scope="module")
def crowd(crowd_tmp) -> subprocess.CompletedProcess:
    """Members made on the fly queue for the one seat of an event that gives a role."""
    return run_sandbox(crowd_tmp, [
        "as moderator",
        "/manage import page:spring.txt title:\"Spring Forum\" capacity:1 " + STARTS_AT,
        "click 1",  # Import, on the preview
        "?role",
        "/manage role role:Attendee " + SPRING,
        "/manage announce " + SPRING,
        "as alice", "/rsvp join " + SPRING,
        "as bob", "/rsvp join " + SPRING,
        "as carol", "/rsvp join " + SPRING,
        "as alice", "/rsvp cancel " + SPRING,
        "as bob", "dms",
        *(line for who in ("dave", "erin", "member", "frank") for line in (f"as {who}",
                                                                  "/rsvp join " + SPRING)),
        "as moderator", "/manage attendees " + SPRING, "show 1", "?member",
        "log 400",
        "quit",
    ])


def test_members_made_on_the_fly_wait_for_the_seat_and_get_it_by_dm(crowd):
    out = crowd.stdout
    assert crowd.returncode == 0, crowd.stderr
    assert "alice joined the server and now types (a member)" in after(out, "moderator> as alice\n")
    assert "You're confirmed for Spring Forum." in after(out, f"alice> /rsvp join {SPRING}\n")
    assert "waitlisted (position 1)" in after(out, f"bob> /rsvp join {SPRING}\n")
    assert "waitlisted (position 2)" in after(out, f"carol> /rsvp join {SPRING}\n")
    cancelled = after(out, f"alice> /rsvp cancel {SPRING}\n")
    assert "(EventBot sent bob a DM: type as bob, then dms, to read it)" in cancelled
    assert out.count("bob joined the server") == 1 and "  bob now types (a member)" in out
    dms = after(out, "bob> dms\n")
    assert "DM from EventBot" in dms and "now confirmed for Spring Forum" in dms


def test_the_sandbox_has_roles_the_bot_can_give(crowd):
    out = crowd.stdout
    assert after(out, "moderator> ?role\n").splitlines() == [
        "  role:\"Event Manager\"  (at or above the bot's role: it cannot give it)",
        "  role:Speaker", "  role:Attendee"]
    given = after(out, f"moderator> /manage role role:Attendee {SPRING}\n")
    assert "Confirmed members of Spring Forum get @Attendee" in given
    members = after(out, "moderator> ?member\n").splitlines()
    assert "  member:bob  (Attendee)" in members  # the one confirmed member
    assert "  member:alice" in members and "  member:carol" in members
    assert "Traceback" not in after(out, "moderator> log 400\n")


def test_show_prints_the_whole_attendees_csv(crowd):
    out = crowd.stdout
    listed = after(out, f"moderator> /manage attendees {SPRING}\n")
    assert "   … 1 more line (show 1 prints them all)" in listed
    shown = after(out, "moderator> show 1\n").splitlines()
    assert re.fullmatch(r"  📎 spring-forum-attendees\.csv \(\d+ bytes\)", shown[0])
    rows = [row.strip() for row in shown[1:]]
    assert rows[0] == "user_id,name,status,position,joined_at"
    assert [row.split(",")[1:4] for row in rows[1:]] == [
        ["bob", "confirmed", ""], ["carol", "waitlisted", "1"], ["dave", "waitlisted", "2"],
        ["erin", "waitlisted", "3"], ["you", "waitlisted", "4"], ["frank", "waitlisted", "5"]]
    assert len(shown) == 8


def test_no_heartbeat_warnings_while_the_console_waits(crowd_tmp, crowd):
    """The console waits for a line without stopping the local server, which answers the
    bot's heartbeats (every 0.5 s here): an idle session logs no warning; and the restart
    keeps the server: the people, and the announcement whose button still works."""
    assert BEHIND not in crowd.stdout + crowd.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--database",
         str(crowd_tmp / "sandbox.sqlite3")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, cwd=crowd_tmp, env=sandbox_env(crowd_tmp))
    try:
        started = read_until(proc, b"you> ")
        time.sleep(3)  # idle: six heartbeats
        out, err = proc.communicate(b"log 400\nas bob\nas grace\nchannel\nclick 1\nquit\n",
                                    timeout=60)
    finally:
        proc.kill()
    output = (started + out).decode()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert "#announcements (as you left it)." in output
    assert BEHIND not in output + err.decode()
    assert "bob now types (a member)" in after(output, "you> as bob\n")
    assert "grace joined the server" in after(output, "bob> as grace\n")
    posted = after(output, "grace> channel\n")
    # "Join", or "Join waitlist" once the refresh after the restart has caught up.
    assert "│ Spring Forum" in posted and re.search(r"\[1 Join( waitlist)?\] \[2 Cancel my RSVP\]",
                                                    posted)
    assert "waitlisted (position 6)" in after(output, "grace> click 1\n")


def test_the_readmes_sandbox_session_runs_as_the_readme_shows_it(tmp_path):
    """The transcript under "Try it without Discord", typed into a fresh sandbox: every
    line the README shows the console answer is in what it answers (spaces aside)."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Try it without Discord"):]
    transcript = section[section.index("```text\n") + 8:section.index("\n```")]
    typed, shown = [], []
    for line in transcript.splitlines():
        prompt = re.match(r"^[a-z]+> (.*)$", line)
        if prompt:
            typed.append(prompt[1])
            shown.append([])
        else:
            shown[-1].append(line.strip())
    proc = run_sandbox(tmp_path, [*typed, "quit"], "--fresh")
    said = " ".join(proc.stdout.split())
    for command, answer in zip(typed, shown, strict=True):
        expected = " ".join(" ".join(answer).split())
        assert expected in said, (command, expected, proc.stdout[-3000:])


def test_a_private_replys_buttons_are_its_readers_and_a_spent_button_says_so(tmp_path):
    """A reply only the moderator could see: another member cannot press its buttons, as
    in Discord; pressed again once answered, a button that is gone says so."""
    (tmp_path / "gone.txt").write_bytes(OPEN_ANNOUNCEMENT)
    out = run_sandbox(tmp_path, [
        "as moderator",
        "/manage import page:gone.txt title:\"Gone Forum\" capacity:3 " + STARTS_AT,
        "as member",
        "click 1",
        "as moderator",
        "click 2",  # Cancel
        "click 1",
        "quit",
    ]).stdout
    assert after(out, "you> click 1\n") == (
        "  ! only moderator could see that message and its buttons; type as moderator first\n")
    assert after(out, "moderator> click 1\n") == (
        "  ! that button is no longer on the message (it was answered, or it expired)\n")


def test_a_pages_escape_sequences_reach_the_terminal_marked_not_obeyed(tmp_path):
    """A page imported from the web keeps a bio's text as it was, and /event speakers
    shows it: the console printed its escape sequences as they came, which cleared the
    screen, made a hidden link, wrote the clipboard (OSC 52) and backspaced over text
    at the terminal of whoever tried the bot on the page."""
    bio = ("Li Bin is a fellow \x1b]0;owned\x07\x1b[2J\x9b31mred \x1b]8;;http://x/\x07link"
           "\x1b]8;;\x07 \x1b]52;c;eA==\x07 ab\x08\x08XY at the Carnegie Endowment.")
    (tmp_path / "bio.txt").write_text(
        f"Bio Forum\n\n{START:%A, %B %-d, %Y}, 6:00 PM\n\nTong Zhao will moderate a "
        f"discussion with Li Bin on their research.\n\nLi Bin\n\n{bio}\n", encoding="utf-8")
    out = run_sandbox(tmp_path, ["as moderator", "/manage import page:bio.txt", "click 1",
                                 "/event speakers event:2", "quit"], "--fresh").stdout
    speakers = after(out, "moderator> /event speakers event:2\n")
    assert [c for c in out if unicodedata.category(c) == "Cc" and c != "\n"] == [], speakers
    said = " ".join(line.removeprefix("  │ ") for line in speakers.splitlines())
    assert ("Li Bin is a fellow \ufffd]0;owned\ufffd\ufffd[2J\ufffd31mred \ufffd]8;;http://x/"
            "\ufffdlink\ufffd]8;;\ufffd \ufffd]52;c;eA==\ufffd ab\ufffd\ufffdXY at the "
            "Carnegie Endowment.") in said, speakers


def test_a_question_mark_lists_an_options_fixed_choices_as_the_help_says(tmp_path):
    """`help` says `?name` lists the choices of any option with choices: an option whose
    choices are fixed (Discord's client lists them as a menu) was "no command offers
    choices", although the command refuses any value but those."""
    out = run_sandbox(tmp_path, ["as moderator", "?state", "?language 中文",
                                 "?language zh-t", "?speaker", "quit"], "--fresh").stdout
    assert after(out, "moderator> ?state\n") == "  state:on  on\n  state:off  off\n"
    assert after(out, "moderator> ?language 中文\n") == (
        "  language:zh-CN  中文（简体）\n  language:zh-TW  中文（繁體）\n")
    assert after(out, "moderator> ?language zh-t\n") == "  language:zh-TW  中文（繁體）\n"
    assert "no command offers choices for speaker" in after(out, "moderator> ?speaker\n")


def test_a_question_mark_takes_an_option_named_as_the_typers_client_shows_it(tmp_path):
    """In a zh-CN client the help lists `/管理 语言 [语言:]` and the console takes
    `语言:zh-TW`, but `?语言` and `?活动` were "no command offers choices": only the
    registered names were looked up."""
    out = run_sandbox(tmp_path, ["as moderator", "locale zh-CN", "?活动", "?语言 zh-t",
                                 "quit"], "--fresh").stdout
    assert after(out, "moderator> ?活动\n") == f"  活动:1  {SAMPLE_TITLE}\n"
    assert after(out, "moderator> ?语言 zh-t\n") == "  语言:zh-TW  中文（繁體）\n"


def test_a_moderator_fills_in_the_edit_form_with_submit(tmp_path):
    """/manage edit opens a form (a Discord modal): the console shows its fields and
    `submit` sends it, as the form's Submit does."""
    out = run_sandbox(tmp_path, [
        "as moderator",
        "/manage edit event:1",
        "submit nowhere:x",
        "submit venue Hall B",
        "submit title:\"\"",
        "submit venue:\"Hall B, Tsinghua\" start:2037-06-01 18:00",
        "submit venue:again",
        "/manage edit event:1",
        "/event info event:1",
        "submit venue:closed",
        "quit",
    ], "--fresh").stdout
    form = after(out, "moderator> /manage edit event:1\n")
    assert "EventBot opened a form:" in form and "    venue: " in form, form
    assert after(out, "moderator> submit nowhere:x\n").startswith(
        "  ! the form has no field nowhere: (it has title:, start:, end:, venue:, link:)")
    # what Discord's client would not send: the form stays open for a corrected submit
    assert after(out, "moderator> submit venue Hall B\n") == (
        "  ! give each field as name:value, e.g. submit title:… start:…\n")
    assert after(out, 'moderator> submit title:""\n') == "  ! title: the form needs it\n"
    assert "Updated" in after(out, 'moderator> submit venue:"Hall B, Tsinghua" start:2037-06-01 '
                                   "18:00\n")
    assert after(out, "moderator> submit venue:again\n") == (
        "  ! no form open (as moderator: /manage edit)\n")  # a form is sent once
    assert "Hall B, Tsinghua" in after(out, "moderator> /event info event:1\n")
    # a form left open while the moderator ran another command was closed, as in Discord
    assert after(out, "moderator> submit venue:closed\n") == (
        "  ! no form open (as moderator: /manage edit)\n")


def test_a_value_left_out_after_its_colon_gets_a_hint_that_fits(tmp_path):
    """`/manage language language:` was told "e.g. language:3", no language; `submit
    venue:` to empty the venue (the form says "Venue (empty: none)") was told "e.g.
    venue:3", and nothing said how a field is emptied."""
    out = run_sandbox(tmp_path, ["as moderator", "/manage language language:",
                                 "/manage edit event:1", "submit venue:", 'submit venue:""',
                                 "quit"], "--fresh").stdout
    assert after(out, "moderator> /manage language language:\n") == (
        "  ! language: nothing follows the colon: type its value there\n")
    assert 'NAME:"" empties a field' in after(out, "moderator> /manage edit event:1\n")
    assert after(out, "moderator> submit venue:\n") == (
        "  ! venue: nothing follows the colon: type its value there\n")
    assert "EventBot" in after(out, 'moderator> submit venue:""\n')


def test_output_to_a_reader_that_stops_reading_is_no_traceback(tmp_path):
    """`... | head`: the console ends quietly, as a shell's command ended by SIGPIPE, and
    stops the bot."""
    proc = subprocess.run(
        f"{sys.executable} -m sandbox --database sb.sqlite3 | head -c 40", shell=True,
        input="help\n?event\n/event info event:1\nchannel\nquit\n", cwd=tmp_path,
        env=sandbox_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert len(proc.stdout) == 40


def test_a_sandbox_started_with_stdin_closed_ends_as_at_the_end_of_input(tmp_path):
    """`python -m sandbox <&-` (a service or a script that closes stdin): Python has no
    sys.stdin then; the console ends as at the end of its input and stops the bot."""
    proc = subprocess.run(
        f"exec {sys.executable} -m sandbox --database sb.sqlite3 <&-", shell=True,
        cwd=tmp_path, env=sandbox_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout.rstrip().endswith("Stopped the bot.")
    assert_gone(bot_pid(proc.stdout))


def test_the_sandbox_keeps_to_its_own_database_whatever_the_deployment_sets(tmp_path):
    """A `.env` (or environment) made for the real bot, with its PostgreSQL database and
    its shards: the sandbox's bot still runs on the sandbox's own SQLite file, unsharded,
    and never touches that database (here one nobody could reach)."""
    env = {**sandbox_env(tmp_path), "DATABASE_URL": "postgresql://bot:secret@127.0.0.1:1/prod",
           "SHARD_COUNT": "2", "SHARD_IDS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "sandbox", "--database", str(tmp_path / "sb.sqlite3")],
        input="?event\nquit\n", cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert f"  event:1  {SAMPLE_TITLE}" in after(proc.stdout, "you> ?event\n")
    assert (tmp_path / "sb.sqlite3").is_file()


def test_the_speakers_menu_is_shown_and_choose_jumps_to_a_person(tmp_path):
    """/event speakers over several pages carries, as in Discord, a "Jump to a person"
    menu under Previous/Next: the console shows it and `choose N` picks person N."""
    names = ["Ada Stone", "Ben Marsh", "Cleo Park", "Dev Patel", "Eva Lind", "Finn Roe"]
    bios = "\n\n".join(f"{name}\n{name} is a fellow who studies arms control. "
                       + "She has written widely on deterrence and diplomacy. " * 18
                       for name in names)
    (tmp_path / "panel.txt").write_text(
        "Panel on Deterrence\n\nDecember 15, 2036, 6:00 PM - 8:00 PM EST\n\nAda Stone will "
        f"moderate a discussion with {', '.join(names[1:])}.\n\n{bios}\n")
    out = run_sandbox(tmp_path, [
        "as moderator",
        "/manage import page:panel.txt",
        "click 1",
        "/event speakers event:\"Panel on Deterrence\"",
        "choose 6",
        "choose 9",
        "quit",
    ], "--fresh").stdout
    pages = after(out, "moderator> /event speakers event:\"Panel on Deterrence\"\n")
    assert "│ — Page 1 of 2" in pages
    assert "▾ Jump to a person: (1 Ada Stone) (2 Ben Marsh)" in " ".join(pages.split())
    jumped = after(out, "moderator> choose 6\n")
    assert "EventBot updated the message" in jumped and "│ — Page 2 of 2" in jumped
    assert "│ Finn Roe · Speaker" in jumped
    assert after(out, "moderator> choose 9\n") == (
        "  ! choose which option? 1 to 6, e.g. choose 1\n")
