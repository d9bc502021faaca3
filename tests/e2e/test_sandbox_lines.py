"""`python -m sandbox` as a person meets it: what is typed (or piped) gets one line and
the console goes on, with no traceback."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox import FakeDiscord
from sandbox.console import world
from sandbox.models import SEND_MESSAGES
from tests.e2e.test_sandbox import SAMPLE_TITLE, after, read_until, run_sandbox, sandbox_env


@pytest.mark.parametrize("line", ["/manage import page:a\0b.txt",
                                  "/manage import page:~nosuchuser_zz9/a.txt",
                                  "channel " + "9" * 5000],
                         ids=["nul-in-path", "unknown-tilde-user", "5000-digit-count"])
def test_a_bad_line_is_one_line_and_the_console_goes_on(tmp_path, line):
    """`/manage import page:` with a NUL in the path (ValueError from open()) or an unknown
    ~user (RuntimeError from expanduser()), `channel N` with N of 5000 digits (ValueError
    from int()): the sandbox ended in a traceback."""
    proc = run_sandbox(tmp_path, ["as moderator", line, "/event info", "quit"], "--fresh")
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr[-3000:]
    echoed = line.replace("\0", "\ufffd")  # the transcript marks the NUL
    assert after(proc.stdout, f"moderator> {echoed}\n").startswith("  ! ")
    assert SAMPLE_TITLE in after(proc.stdout, "moderator> /event info\n")


@pytest.mark.parametrize("asked", ["?event", "?member", "?role"])
def test_a_question_mark_with_a_huge_word_is_answered_in_a_line(tmp_path, asked):
    """`?event`, `?member` or `?role` with 10,000 characters typed after it, and nothing
    matching: "(no choices for event:xxx…)" quoted the whole word back, 10,000 characters
    that filled the screen, where a refusal quoting what was typed shows a line of it."""
    line = f"{asked} " + "x" * 10_000
    proc = run_sandbox(tmp_path, [line, "/event info", "quit"], "--fresh")
    assert proc.returncode == 0, proc.stderr[-3000:]
    said = after(proc.stdout, f"you> {line}\n").splitlines()
    assert len(said) == 1 and len(said[0]) <= 310 and said[0].endswith("…)"), said[0][:400]
    assert SAMPLE_TITLE in after(proc.stdout, "you> /event info\n")


def test_a_console_word_followed_by_a_chinese_input_methods_space_is_read(tmp_path):
    """A Chinese input method types the full-width space U+3000 (as `/活动　详情` has it,
    which is read as typed). After a console word it made the word unknown: `as　alice`
    was "unknown command 'as\u3000alice'", as if the console had no `as`."""
    proc = run_sandbox(tmp_path, ["as\u3000alice", "locale\u3000zh-CN", "quit"], "--fresh")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert after(proc.stdout, "you> as\u3000alice\n") == (
        "  alice joined the server and now types (a member)\n")
    assert after(proc.stdout, "alice> locale\u3000zh-CN\n") == "  alice's Discord is in zh-CN\n"


def test_a_line_that_is_not_utf8_at_a_terminal_is_one_line_and_the_console_goes_on(tmp_path):
    """At a terminal (UTF-8 locale) a line with a byte that is not UTF-8 (a Latin-1 "é"
    pasted) made input() raise UnicodeDecodeError, which the reader takes for the end of
    the input: the sandbox quit, and the lines typed after it were never read."""
    leader, follower = pty.openpty()
    # stdin as in an en_US.UTF-8 (not C.UTF-8) locale: UTF-8, strict; this machine has
    # no such locale, so it is set as Python would set it there
    env = {**sandbox_env(tmp_path), "PYTHONIOENCODING": "utf-8:strict"}
    env.pop("PYTHONUTF8", None)
    try:
        os.write(leader, b"/event info event:caf\xe9\n/event info\nquit\n")
        proc = subprocess.run([sys.executable, "-m", "sandbox", "--database",
                               str(tmp_path / "s.sqlite3")], cwd=tmp_path, env=env,
                              stdin=follower, capture_output=True, timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert SAMPLE_TITLE in out, out[-2000:]  # the line after the bad one was run


def _saved_sandbox(database: Path) -> Path:
    """A saved server as the sandbox keeps it, with a member timed out (the moderator: a
    timed-out member can use no command, and "you" asks for /event info), a channel's
    permission overwrite and a Discord event in it (as /manage announce makes one)."""
    fake = FakeDiscord()
    guild = world.new_world(fake)
    fake.set_overwrite(guild.channel("announcements"), guild.everyone, deny=SEND_MESSAGES)
    state = fake.export_state()
    member = next(m for m in state["guilds"][0]["members"]
                  if m["user_id"] == str(world.MODERATOR_ID))
    member["timed_out_until"] = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    start = datetime.now(UTC) + timedelta(days=30)
    state["guilds"][0]["scheduled_events"] = [{
        "id": "200000000000000001", "guild_id": str(world.GUILD_ID), "channel_id": None,
        "creator_id": str(fake.bot_user.id), "creator": fake.bot_user.payload(),
        "name": "Spring Forum", "description": None, "privacy_level": 2, "entity_type": 3,
        "entity_id": None, "entity_metadata": {"location": "Hall B"}, "image": None,
        "scheduled_start_time": start.isoformat(),
        "scheduled_end_time": (start + timedelta(hours=2)).isoformat(),
        "user_count": 0, "recurrence_rule": None, "status": 1}]
    path = world.state_path(database)
    path.write_text(json.dumps(state), encoding="utf-8")
    return path


def _you(state: dict) -> dict:
    return next(u for u in state["users"] if u["id"] == str(world.MEMBER_ID))


def _your_membership(state: dict) -> dict:
    return next(m for m in state["guilds"][0]["members"] if m["user_id"] == str(world.MEMBER_ID))


HAND_EDITS = {
    "as-saved": lambda s: None,
    "joined-at-null": lambda s: _your_membership(s).update(joined_at=None),
    "timeout-not-a-time": lambda s: _your_membership(s).update(timed_out_until="tomorrow"),
    "overwrite-id-not-an-id": lambda s: s["guilds"][0]["channels"][1]["overwrites"][0].update(
        id="everyone"),
    "event-start-not-a-time": lambda s: s["guilds"][0]["scheduled_events"][0].update(
        scheduled_start_time="next Friday"),
    "bot-flag-a-word": lambda s: _you(s).update(bot="no"),
    "locale-not-discords": lambda s: _you(s).update(locale="Chinese"),
}


@pytest.mark.parametrize("edit", list(HAND_EDITS))
def test_a_hand_edited_saved_server_discord_could_not_hold_is_one_line(tmp_path, edit):
    """A saved server edited by hand with a value Discord never sends (a member's join
    time null, a timeout of "tomorrow", an overwrite for "everyone" instead of an id, a
    Discord event starting "next Friday", a bot flag "no", a locale "Chinese") was
    loaded as it stood: the local Discord sent it to the bot, which ended in a traceback
    as it read the server (or the flag and the locale were taken as no Discord sends
    them: "no" made "you" a bot). It is refused in one line, and kept as it was."""
    database = tmp_path / "sandbox.sqlite3"
    path = _saved_sandbox(database)
    state = json.loads(path.read_text(encoding="utf-8"))
    HAND_EDITS[edit](state)
    path.write_text(json.dumps(state), encoding="utf-8")
    saved = path.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "sandbox", "--database", str(database)],
                          input="/event info\nquit\n", cwd=tmp_path, env=sandbox_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    if edit == "as-saved":  # the server as the sandbox saved it starts, as you left it
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "(as you left it)" in proc.stdout and SAMPLE_TITLE in proc.stdout
        return
    assert proc.returncode == 2, (proc.stdout[-2000:], proc.stderr[-3000:])
    told = proc.stderr.strip().splitlines()
    assert len(told) == 1 and "cannot load the saved sandbox" in told[0], proc.stderr[-3000:]
    assert path.read_bytes() == saved


def test_a_database_whose_saved_server_would_be_another_sandboxs_is_refused(tmp_path):
    """`sandbox.sqlite3` and `sandbox.db` keep their servers in the same file,
    `sandbox.state.json`. A second sandbox on `--database sandbox.db` (to try something
    beside the first) loaded the first one's server and saved its own over it, at once if
    both ran; with --fresh it deleted it: the first sandbox's people and its posted
    buttons were gone on its next start. The second is refused in one line instead."""
    first = run_sandbox(tmp_path, ["as alice", "quit"])
    assert first.returncode == 0, first.stderr[-3000:]
    state = tmp_path / "sandbox.state.json"
    saved = state.read_bytes()
    for extra in ((), ("--fresh",)):
        second = subprocess.run(
            [sys.executable, "-m", "sandbox", "--database", str(tmp_path / "sandbox.db"),
             *extra], input="as bob\nquit\n", cwd=tmp_path, env=sandbox_env(tmp_path),
            capture_output=True, text=True, timeout=120)
        assert second.returncode == 2, (extra, second.stdout[-2000:], second.stderr[-2000:])
        told = second.stderr.strip().splitlines()
        assert len(told) == 1 and "sandbox.state.json" in told[0], second.stderr[-2000:]
        assert state.read_bytes() == saved
    again = run_sandbox(tmp_path, ["?member", "quit"])
    assert "member:alice" in after(again.stdout, "you> ?member\n"), again.stdout[-2000:]


def test_a_server_saved_by_a_newer_sandbox_is_said_so_not_called_no_saved_server(tmp_path):
    """A server saved by a newer sandbox (a later format version; run after going back
    to an older checkout) was called "not a saved local Discord (version 1)", as if the
    file were something else, and --fresh was the only way out offered: it deletes it."""
    database = tmp_path / "sandbox.sqlite3"
    path = _saved_sandbox(database)
    state = json.loads(path.read_text(encoding="utf-8"))
    state["version"] += 1
    path.write_text(json.dumps(state), encoding="utf-8")
    saved = path.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "sandbox", "--database", str(database)],
                          input="quit\n", cwd=tmp_path, env=sandbox_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr[-3000:]
    told = proc.stderr.strip().splitlines()
    assert len(told) == 1 and "newer sandbox" in told[0], told
    assert "not a saved local Discord" not in told[0]
    assert path.read_bytes() == saved


def _typed(proc: subprocess.Popen, line: str, prompt: bytes = b"moderator> ") -> str:
    """Type `line` into the running console; what it printed for it, up to the next
    prompt."""
    proc.stdin.write(line.encode() + b"\n")
    proc.stdin.flush()
    return read_until(proc, prompt).decode("utf-8", "replace")


def test_click_on_a_message_the_bot_has_since_edited_uses_its_buttons_as_they_are_now(
        tmp_path):
    """`click N` pressed button N of the message as the console had shown it, even after
    the bot had edited the message: archiving an event disables its announcement's
    buttons a moment later, yet `click 1` on the announcement shown before still pressed
    Join, which no member's Discord could (it shows the button disabled), and the bot
    answered as if it had been. The console now shows the message as it is now and says
    so, and the click is not sent."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--database", str(tmp_path / "s.sqlite3")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=tmp_path, env=sandbox_env(tmp_path))
    state = tmp_path / "s.state.json"

    def join_disabled() -> bool:
        messages = json.loads(state.read_text(encoding="utf-8"))["messages"]
        return any(c.get("label") == "Join" and c.get("disabled")
                   for m in messages for row in m["data"].get("components") or ()
                   for c in row.get("components") or ())

    try:
        read_until(proc, b"you> ")
        for line in ("as moderator", "/manage open event:1"):
            _typed(proc, line)
        assert "[1 Join] [2 Cancel my RSVP]" in _typed(proc, "/manage announce event:1")
        assert "Archived" in _typed(proc, "/manage archive event:1")
        deadline = time.monotonic() + 30
        while not join_disabled() and time.monotonic() < deadline:
            _typed(proc, "locale")  # waiting a moment, as a person would, looking at nothing
        assert join_disabled(), "the announcement's buttons were never disabled"
        clicked = _typed(proc, "click 1")
        _typed(proc, "quit", b"Stopped the bot.\n")
    finally:
        proc.kill()
        proc.communicate()
    assert "is archived: it no longer takes RSVPs" not in clicked, clicked  # never asked
    assert "[1 Join (disabled)] [2 Cancel my RSVP (disabled)]" in clicked, clicked
    assert clicked.splitlines()[-2].startswith("  ! the bot changed that message"), clicked
