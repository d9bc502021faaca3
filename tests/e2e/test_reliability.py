"""Reliability of the real bot process under load, crashes, Discord faults and hostile input.

Everything goes through `python -m bot run` driven by the local Discord-compatible server
(`sandbox/`): button clicks and slash commands in, REST calls out, and the
SQLite file checked directly. Each test prints one `figures:` line (run with `-s` to see them).

The module shares one bot process (the `world` fixture of `conftest.py`). Test order matters
a little: the byte-for-byte permission test runs first, while nothing else writes in the
background, and the crash test runs last since it leaves a notice claimed by a dead process
(re-delivered only after the claim expires, 60 s later).
"""

from __future__ import annotations

import asyncio
import collections
import copy
import csv
import io
import itertools
import json
import re
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from bot.pages import MAX_PAGE_BYTES, decode_page, parse_page
from bot.render import CAPACITY_REACHED
from bot.storage import EventDraft, open_store
from bot.storage.sqlite.migrations import MIGRATIONS, SCHEMA_VERSION
from bot.storage.sqlite.session import EVENTS_WITH_TEXTS
from sandbox import Attachment, FakeDiscord
from sandbox.interactions import APPLICATION_COMMAND
from tests.conftest import ROOT, attendees_of
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page, sent_as

pytestmark = pytest.mark.asyncio(loop_scope="module")

CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
WAITLISTED = re.compile(r"waitlisted \(position (\d+)\)")
ZWSP = "\u200b"


# --------------------------------------------------------------------------- helpers


def join_id(event_id: int) -> str:
    return f"eventbot:rsvp:join:{event_id}"


def outcome(content: str | None) -> tuple[str, int | None] | None:
    """("confirmed", None) or ("waitlisted", position) as a reply tells it, else None."""
    content = content or ""
    if match := WAITLISTED.search(content):
        return "waitlisted", int(match[1])
    if "You're confirmed for" in content or "You're already confirmed for" in content:
        return "confirmed", None
    return None


def write_lock_taken(world) -> sqlite3.Connection:
    """A connection of another process holding the bot's database's write lock until it
    commits (reads go on)."""
    holder = sqlite3.connect(world.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def text_of(message: dict) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts += [embed.get("title") or "", embed.get("description") or "",
                  (embed.get("footer") or {}).get("text") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def db_rsvps(world, event_id: int) -> dict[int, tuple[str, int | None]]:
    """user -> ("confirmed", None) or ("waitlisted", position by seq), from the database."""
    rows = world.query("SELECT user_id, status FROM rsvps WHERE event_id = ?"
                       " ORDER BY status = 'waitlisted', seq", (event_id,))
    result, position = {}, 0
    for user_id, status in rows:
        if status == "waitlisted":
            position += 1
            result[user_id] = ("waitlisted", position)
        else:
            result[user_id] = ("confirmed", None)
    return result


def check_counters(world, event_id: int) -> tuple[int, int]:
    """The event's counters equal its rows, seats are within capacity, seqs are unique."""
    [(capacity, confirmed, waitlisted, next_seq)] = world.query(
        "SELECT capacity, confirmed_count, waitlist_count, next_seq FROM events WHERE id = ?",
        (event_id,))
    rows = dict(world.query("SELECT status, count(*) FROM rsvps WHERE event_id = ?"
                            " GROUP BY status", (event_id,)))
    assert (rows.get("confirmed", 0), rows.get("waitlisted", 0)) == (confirmed, waitlisted)
    assert confirmed <= capacity
    [(distinct, total, top)] = world.query(
        "SELECT count(DISTINCT seq), count(*), max(seq) FROM rsvps WHERE event_id = ?",
        (event_id,))
    assert distinct == total and (top or 0) < next_seq
    return confirmed, waitlisted


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def content_tables(world) -> dict[str, list[tuple]]:
    """The tables a /manage or /rsvp command may change (not the outbox or announcement
    digests, which background delivery updates on its own)."""
    return {table: world.query(f"SELECT * FROM {table} ORDER BY 1, 2")
            for table in ("events", "pages", "people", "takeaways", "rsvps", "guild_settings")}


def assert_nobody_pinged(fake) -> int:
    """Every message-creating request, and every edit that sets content, allowed no
    mentions; and no message the bot posted in a guild channel mentions anyone. (An edit
    that only replaces embeds, like the announcement refresh, sends no allowed_mentions:
    discord.py adds them only with content, and embeds never ping.) Returns how many
    requests were checked."""
    checked = 0
    for request in fake.requests:
        if request.message is None:
            continue
        body = request.json
        callback = request.route.endswith("/callback")
        data = body.get("data", body) if callback else body
        creates = body.get("type") == 4 if callback else request.method == "POST"
        if creates or "content" in data:
            assert data.get("allowed_mentions", {}).get("parse") == [], request
            checked += 1
    for guild in fake.guilds.values():
        for channel in guild.channels.values():
            for message in fake.messages(channel):
                assert message["mention_everyone"] is False, message
                assert message["mentions"] == [] and message["mention_roles"] == [], message
    return checked


async def announce(world, event_id: int, title: str) -> dict:
    """Post the event with its Join button in #announcements; the message as the fake has it."""
    channel = world.guild.channel("announcements")
    posted = await world.fake.slash(world.guild, world.moderator, "manage announce",
                                    event=str(event_id), channel=channel)
    assert posted.ephemeral and "Posted" in posted.content, posted
    return await world.fake.wait_message(
        channel, lambda m: any(e.get("title") == title for e in m["embeds"]))


def capacity_notices(world, title: str) -> list[dict]:
    return [m for m in world.fake.messages(world.guild.channel("announcements"))
            if f"**{title}**" in m["content"] and CAPACITY_REACHED in m["content"]]


async def exactly_one_capacity_notice(world, title: str, settle: float = 1.0) -> None:
    await world.fake.wait_message(
        world.guild.channel("announcements"),
        lambda m: f"**{title}**" in m["content"] and CAPACITY_REACHED in m["content"])
    await asyncio.sleep(settle)
    assert len(capacity_notices(world, title)) == 1


# A second OS process on the same database file, joining through bot.storage.open_store (the
# code path the bot's joins take). It prints "ready", waits for a line on stdin, then
# joins `count` users from `first` in waves of `wave`, printing [user, outcome, position].
JOINER = r"""
import asyncio, json, sys
from bot.storage import open_store

async def main(path, guild_id, event_id, first, count, wave, pause):
    async with await open_store(path) as store:
        print("ready", flush=True)
        sys.stdin.readline()
        for start in range(first, first + count, wave):
            users = range(start, min(start + wave, first + count))
            results = await asyncio.gather(*(
                store.join(guild_id, event_id, u, f"process member {u}") for u in users))
            for user, (_, result) in zip(users, results):
                print(json.dumps([user, result.outcome.value, result.position]), flush=True)
            await asyncio.sleep(pause)

a = sys.argv[1:]
asyncio.run(main(a[0], int(a[1]), int(a[2]), int(a[3]), int(a[4]), int(a[5]), float(a[6])))
"""


class Joiner:
    """The JOINER script as a subprocess: `await start()`, `go()`, `await results()`."""

    def __init__(self, world, event_id: int, first: int, count: int, *, wave: int = 25,
                 pause: float = 0.01) -> None:
        self.args = [str(world.db_path), str(world.guild.id), str(event_id), str(first),
                     str(count), str(wave), str(pause)]
        self.env = {**world.bot.env}
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> Joiner:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", JOINER, *self.args, cwd=ROOT, env=self.env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        line = await asyncio.wait_for(self.proc.stdout.readline(), 30)
        assert line == b"ready\n", (line, await self.proc.stderr.read())
        return self

    def go(self) -> None:
        self.proc.stdin.write(b"go\n")

    async def results(self) -> dict[int, tuple[str, int | None]]:
        out, err = await asyncio.wait_for(self.proc.communicate(), 60)
        assert self.proc.returncode == 0, err.decode()
        results = {}
        for line in out.decode().splitlines():
            user, kind, position = json.loads(line)
            results[user] = (kind, position)
        return results


async def click_all(world, message: dict, event_id: int, members) -> list:
    return await asyncio.gather(*(
        world.fake.click(world.guild, m, message, join_id(event_id)) for m in members),
        return_exceptions=True)


async def reconcile(world, event_id: int, members, replies,
                    elsewhere: dict[int, tuple[str, int | None]] | None = None
                    ) -> dict[str, int]:
    """Every member's RSVP is where the bot said it is. A member whose reply was lost or
    said nothing useful asks `/rsvp status`, which must tell the database's truth; then
    the database holds exactly the members whose join was committed (plus those another
    process joined, `elsewhere`): nobody lost, nobody doubled. Returns the figures."""
    db = db_rsvps(world, event_id)
    told: dict[int, tuple[str, int | None]] = dict(elsewhere or {})
    failed = []
    for member, reply in zip(members, replies, strict=True):
        said = None if isinstance(reply, BaseException) else outcome(reply.content)
        if said is None:
            failed.append(member)
        else:
            assert reply.ephemeral
            told[member.id] = said
    lost = [user for user, said in told.items() if db.get(user) != said]
    statuses = await asyncio.gather(*(
        world.fake.slash(world.guild, m, "rsvp status", event=str(event_id)) for m in failed))
    for member, status in zip(failed, statuses, strict=True):
        assert status.ephemeral
        said = outcome(status.content)
        if said is None:
            assert "not registered" in status.content, status
            assert member.id not in db
        else:
            assert db.get(member.id) == said, (member, status.content, db.get(member.id))
            told[member.id] = said
    assert lost == []
    assert set(db) == set(told), "the database holds someone nobody was told about"
    confirmed, waitlisted = check_counters(world, event_id)
    return {"members": len(members), "confirmed": confirmed, "waitlisted": waitlisted,
            "replies_failed": len(failed),
            "failed_but_committed": sum(m.id in db for m in failed), "lost": len(lost)}


# --------------------------------------------------------------------------- 5. permissions


MANAGE_COMMANDS = ("import", "close", "open", "capacity", "announce", "channel", "attendees",
                   "reminders", "role", "scheduled-events", "delete", "archive", "edit",
                   "timezone", "language", "remove")


def manage_attempts(world, event_id: int, holder) -> list[tuple[str, dict]]:
    """Every /manage subcommand with options it could act on: `holder` holds an RSVP to
    the event."""
    options = {
        "import": {"page": Attachment("p.txt", OPEN_ANNOUNCEMENT, "text/plain"),
                   "title": "Sneaky", "capacity": 5},
        "close": {"event": str(event_id), "reason": "no"},
        "open": {"event": str(event_id)},
        "capacity": {"seats": 1, "event": str(event_id)},
        "announce": {"event": str(event_id)},
        "channel": {"channel": world.guild.channel("announcements")},
        "attendees": {"event": str(event_id)},
        "reminders": {"minutes": "off"},
        "role": {"role": world.guild.role("Event Manager"), "event": str(event_id)},
        "scheduled-events": {"state": "off"},
        "delete": {"event": str(event_id)},
        "archive": {"event": str(event_id)},
        "edit": {"event": str(event_id)},
        "timezone": {"zone": "Europe/Paris"},
        "language": {"language": "zh-CN"},
        "remove": {"member": holder, "event": str(event_id)},
    }
    assert set(options) == set(MANAGE_COMMANDS)
    return [(f"manage {name}", options[name]) for name in MANAGE_COMMANDS]


async def test_every_manage_command_is_refused_without_the_permission_or_in_a_dm(world):
    """A member without Manage Events, and anyone in a DM, is refused every /manage
    subcommand and the database is unchanged: every row of every table, compared as SQL
    before and after (the members' client languages, which any interaction may record,
    left out)."""
    fake = world.fake
    synced = {c["name"] for c in next(c for c in fake.commands() if c["name"] == "manage")
              ["options"]}
    assert synced == set(MANAGE_COMMANDS)  # a new subcommand must be added here
    event_id = await world.import_event("Guarded Council", capacity=3)
    member = world.member("insider")
    assert "confirmed" in (await fake.slash(world.guild, member, "rsvp join",
                                            event=str(event_id))).content
    await announce(world, event_id, "Guarded Council")
    await asyncio.sleep(0.3)  # let the join's announcement refresh finish
    before = world.dump()
    notices = world.guild.channel("announcements")
    posted = len(fake.messages(notices))
    outsider = world.member("outsider")
    refused = 0
    for command, options in manage_attempts(world, event_id, member):
        reply = await fake.slash(world.guild, outsider, command, options=options)
        assert reply.ephemeral and "Manage Events" in reply.content, (command, reply)
        assert not reply.files and not reply.embeds
        refused += 1
    # Discord never shows guild-only commands in DMs (contexts=[0], dm_permission=False), so
    # the fake refuses to build such an interaction at all:
    for command, options in manage_attempts(world, event_id, member):
        with pytest.raises(LookupError, match="not usable in DMs"):
            await fake.slash_dm(world.moderator, command, options=options)
    # ...and if one arrived anyway (an old client, a changed integration setting), the bot
    # must refuse it too: build it with the fake's own helpers, then send it from the DM,
    # as the moderator (who has Manage Events in the server).
    dm = fake.dm_channel(world.moderator)
    for command, options in manage_attempts(world, event_id, member):
        data = fake._command_data(world.guild, world.moderator, dm, command, options)
        reply = await fake._interact(APPLICATION_COMMAND, f"/{command} (forged DM)", None,
                                     world.moderator.user, dm, data, 10.0)
        assert reply.ephemeral and "only works inside a server" in reply.content, reply
        refused += 1
    assert len(fake.messages(notices)) == posted  # nothing announced or noticed
    assert world.dump() == before
    print(f"figures: permissions refused={refused} database_rows_unchanged={len(before)}")


# --------------------------------------------------------------------------- 1. load


async def test_1000_members_press_join_at_once_on_100_seats(world):
    fake = world.fake
    event_id = await world.import_event("Load Hall", capacity=100)
    message = await announce(world, event_id, "Load Hall")
    members = [world.member(f"load{i}") for i in range(1000)]
    started = time.monotonic()
    replies = await click_all(world, message, event_id, members)
    elapsed = time.monotonic() - started
    errors = [r for r in replies if isinstance(r, BaseException)]
    assert errors == []
    said = {m.id: outcome(r.content) for m, r in zip(members, replies, strict=True)}
    assert all(r.ephemeral for r in replies) and None not in said.values()
    confirmed = [u for u, s in said.items() if s[0] == "confirmed"]
    positions = sorted(s[1] for s in said.values() if s[0] == "waitlisted")
    assert len(confirmed) == 100 and positions == list(range(1, 901))
    db = db_rsvps(world, event_id)
    assert db == said  # same members, same status, same waitlist position
    # The positions follow the order of commit (seq), and every seat went before the waitlist.
    rows = world.query("SELECT user_id, status FROM rsvps WHERE event_id = ? ORDER BY seq",
                       (event_id,))
    assert [status for _, status in rows] == ["confirmed"] * 100 + ["waitlisted"] * 900
    assert [said[u][1] for u, _ in rows[100:]] == list(range(1, 901))
    assert check_counters(world, event_id) == (100, 900)
    await exactly_one_capacity_notice(world, "Load Hall")
    await fake.wait_message(world.guild.channel("announcements"), lambda m: m["id"] == message[
        "id"] and "all 100 seats are taken" in text_of(m) and "(900 waiting)" in text_of(m))
    print(f"figures: load members=1000 seats=100 confirmed=100 waitlisted=900 lost=0 "
          f"replies=1000 burst_seconds={elapsed:.2f}")


async def test_1000_joins_from_the_bot_and_a_second_process_on_one_file(world):
    """Two processes share the database: the bot handles 500 members' Join clicks while a
    second OS process joins 500 more at the same time, on the same event and file.

    The second process is not a second `python -m bot run`: the fake serves one bot
    connection per server, and two fake servers cannot hold guilds with the same id (events
    are scoped per guild), so the second process runs `Store.join` (bot.storage; the code path
    of the bot's own joins) directly, printing each result as a reply."""
    event_id = await world.import_event("Shared Hall", capacity=100)
    message = await announce(world, event_id, "Shared Hall")
    members = [world.member(f"shared{i}") for i in range(500)]
    # The process spreads its joins over about a second (waves of 10 every 20 ms), so they
    # land before, during and after the bot's burst.
    joiner = await Joiner(world, event_id, first=9_000_000_000, count=500, wave=10,
                          pause=0.02).start()
    joiner.go()
    await asyncio.sleep(0.05)
    clicks = asyncio.ensure_future(click_all(world, message, event_id, members))
    replies, from_process = await asyncio.gather(clicks, joiner.results())
    assert [r for r in replies if isinstance(r, BaseException)] == []
    said = {m.id: outcome(r.content) for m, r in zip(members, replies, strict=True)}
    said.update(from_process)
    assert len(said) == 1000 and None not in said.values()
    db = db_rsvps(world, event_id)
    assert db == said
    assert sorted(p for s, p in said.values() if s == "waitlisted") == list(range(1, 901))
    rows = world.query("SELECT user_id, status FROM rsvps WHERE event_id = ? ORDER BY seq",
                       (event_id,))
    assert [status for _, status in rows] == ["confirmed"] * 100 + ["waitlisted"] * 900
    assert [said[u][1] for u, _ in rows[100:]] == list(range(1, 901))
    assert check_counters(world, event_id) == (100, 900)
    # The two processes' commits interleave (else this tested nothing concurrent).
    sources = [u in from_process for u, _ in rows]
    switches = sum(a != b for a, b in itertools.pairwise(sources))
    assert switches >= 2, switches
    await exactly_one_capacity_notice(world, "Shared Hall")
    assert world.query("SELECT count(*) FROM outbox WHERE event_id = ?", (event_id,)) == [(0,)]
    print(f"figures: two-process members=1000 (bot 500, process 500) seats=100 confirmed=100 "
          f"waitlisted=900 lost=0 interleavings={switches} "
          f"last_seat_taken_by={'process' if rows[99][0] in from_process else 'bot'}")


# --------------------------------------------------------------------------- 3. Discord faults


async def test_rest_faults_on_replies_and_notices_lose_and_double_nothing(world):
    fake = world.fake
    notices = world.guild.channel("announcements")
    announcements = world.guild.channel("announcements")
    event_id = await world.import_event("Faulty Forum", capacity=60)
    message = await announce(world, event_id, "Faulty Forum")
    first_request = len(fake.requests)
    # Phase 1: 500s and 429s on the replies, the capacity notice and the announcement edits;
    # discord.py retries each within Discord's 3 s deadline.
    fake.fail("POST", CALLBACK, status=500, count=25)
    fake.fail("POST", CALLBACK, status=429, retry_after=0.3, count=25)
    fake.fail("POST", rf"^/channels/{notices.id}/messages$", status=429, retry_after=0.5)
    fake.fail("POST", rf"^/channels/{notices.id}/messages$", status=500)
    fake.fail("PATCH", rf"^/channels/{announcements.id}/messages/\d+$", status=429,
              retry_after=0.2, count=2)
    members = [world.member(f"faulty{i}") for i in range(200)]
    replies = await click_all(world, message, event_id, members)
    # Phase 2: four replies fail twice with 500: discord.py's retries (after 1 s, then 3 s)
    # miss the deadline, so these members never see an answer, yet their joins committed.
    fake.fail("POST", CALLBACK, status=500, count=8)
    unlucky = [world.member(f"unlucky{i}") for i in range(4)]
    unlucky_replies = await click_all(world, message, event_id, unlucky)
    assert all(isinstance(r, TimeoutError) for r in unlucky_replies), unlucky_replies
    await asyncio.sleep(1.0)  # the bot's late attempts (at 4 s) are refused with 10062
    figures = await reconcile(world, event_id, members + unlucky, replies + unlucky_replies)
    assert figures["failed_but_committed"] >= 4
    assert (figures["confirmed"], figures["waitlisted"]) == (60, 144)
    await exactly_one_capacity_notice(world, "Faulty Forum")
    await fake.wait_message(announcements, lambda m: m["id"] == message["id"]
                            and "(144 waiting)" in text_of(m))
    assert not fake._faults, "every injected fault was hit"
    errors = collections.Counter(r.status for r in fake.requests[first_request:]
                                 if r.status >= 400)
    assert errors[500] == 25 + 1 + 8 and errors[429] == 25 + 1 + 2, errors
    print(f"figures: rest-faults {figures} error_responses={dict(errors)} (injected 500s and "
          f"429s, plus Discord's own 10062 for the replies that missed the deadline)")


async def test_gateway_drops_mid_burst_lose_and_double_nothing(world):
    fake = world.fake
    event_id = await world.import_event("Dropped Forum", capacity=50)
    message = await announce(world, event_id, "Dropped Forum")
    members = [world.member(f"dropped{i}") for i in range(200)]
    identified, resumed = fake.identify_count, fake.resume_count
    tasks = []
    drops = []
    for wave in range(10):
        tasks += [asyncio.ensure_future(fake.click(world.guild, m, message, join_id(event_id)))
                  for m in members[wave * 20:(wave + 1) * 20]]
        if wave == 3:
            drops.append(asyncio.ensure_future(fake.drop_gateway(resumable=True)))
        if wave == 7:
            await drops[0]
            drops.append(asyncio.ensure_future(fake.drop_gateway(resumable=False)))
        await asyncio.sleep(0.05)
    await asyncio.gather(*drops)
    replies = await asyncio.gather(*tasks, return_exceptions=True)
    assert fake.resume_count == resumed + 1 and fake.identify_count == identified + 1
    figures = await reconcile(world, event_id, members, replies)
    assert figures["confirmed"] == 50
    await exactly_one_capacity_notice(world, "Dropped Forum")
    print(f"figures: gateway-drops {figures} drops=2 (resumed, re-identified)")


# --------------------------------------------------------------------------- 4. hostile input


async def test_hostile_attachments_get_a_clear_ephemeral_error_and_change_nothing(world):
    fake = world.fake
    before = content_tables(world)
    huge = (b"A long page about regional security. " * 60_000)[:MAX_PAGE_BYTES + 1]
    cases = [
        (Attachment("huge.txt", huge, "text/plain"), f"{MAX_PAGE_BYTES:,} bytes"),
        (Attachment("empty.txt", b"", "text/plain"), "empty"),
        (Attachment("blank.txt", b" \n\t\n  ", "text/plain"), "empty"),
        (Attachment("dots.txt", b"... --- !!! 123 456", "text/plain"), "no readable text"),
        (Attachment("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
                    "image/png"), "This is an image"),
        # read through its byte-order mark, and found to say nothing of an event
        (Attachment("utf16.txt", "A page about security.".encode("utf-16"), "text/plain"),
         "doesn't look like an event page"),
        (Attachment("controls.txt", bytes(range(1, 32)) * 20 + b"abc", "text/plain"), "binary"),
        (Attachment("latin1.txt", "Café résumé, a talk in Zürich".encode("latin-1")), "UTF-8"),
        (Attachment("broken.txt", b"Valid start \xff\xfe\xfd then garbage"), "UTF-8"),
    ]
    for attachment, words in cases:
        reply = await import_page(fake, world.guild, world.moderator,
                                 options={"page": attachment, "title": "Should Not Exist"})
        assert reply.ephemeral and words in reply.content, (attachment.filename, reply)
        assert reply.content.startswith("⚠️") and not reply.embeds
    assert content_tables(world) == before
    print(f"figures: hostile-attachments refused={len(cases)} events_created=0")


async def test_a_large_page_is_read_apart_and_imported_as_it_reads(world):
    """A page of 300 KB is read in a process of its own (`bot.offload.off_process`), so
    that its reading leaves the interpreter's lock to the event loop: what is imported is
    what the page reader reads in it, people and text alike."""
    fake = world.fake
    page = ("Deterrence in the Pacific\n\nAda Lovelace will moderate a discussion with "
            "Bo Chen on deterrence.\n\n"
            + "A paragraph on regional security, deterrence and what they cost. " * 4_700
            + "\n\nAda Lovelace\n\nAda Lovelace is Director of Studies.\n\n"
            "Bo Chen\n\nBo Chen is a fellow in the Asia Program.\n").encode()
    assert 300_000 < len(page) < MAX_PAGE_BYTES
    imported = await import_page(fake, world.guild, world.moderator, title="Large Page Forum",
                                 capacity=5, timeout=30,
                                 page=Attachment("large.txt", page, "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", imported.content)[1])
    text = decode_page(page)
    assert world.query("SELECT body FROM pages WHERE event_id = ?", (event_id,)) == [(text,)]
    people = world.query("SELECT name, role, bio FROM people WHERE event_id = ?"
                         " ORDER BY position", (event_id,))
    assert people == [(p.name, p.role, p.bio) for p in parse_page(text).people]
    assert [name for name, _, _ in people] == ["Ada Lovelace", "Bo Chen"]
    speakers = await fake.slash(world.guild, world.member("reader"), "event speakers",
                                event=str(event_id))
    assert "Bo Chen" in text_of(speakers.message)


async def test_hostile_text_is_stored_literally_shown_safely_and_pings_nobody(world):
    fake = world.fake
    victim = world.member("victim")
    role = fake.add_role(world.guild, "Staff")
    pings = (f"@everyone @here <@{victim.id}> <@!{victim.id}> <@&{role.id}> <@123> <@&456>")
    page = (
        f"Join us {pings}! **bold** ||spoiler|| `code` [link](https://evil.example) "
        "''; DROP TABLE rsvps; --\n\n"
        "Robert Tables will moderate a discussion with Ada O'Neil on missile defense "
        f"\u202eevil\u202c {pings}.\n\n"
        "Robert Tables\n\n"
        f"Robert Tables is a fellow {pings}. **Bold** __under__ ~~strike~~ `tick` > quote. "
        "Robert'); DROP TABLE rsvps;-- SELECT * FROM events; \u202eevil\u202c "
        "zero\u200dwidth joiner and \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627.\n\n"
        "Ada O'Neil\n\n"
        f"Ada O'Neil is a professor; ' OR 1=1 -- is her favourite string. {pings}\n")
    # Titles, reasons and member names are kept as typed; page text goes through the
    # importer, which drops only the invisible U+200B, U+2060, U+FEFF and U+00AD and the
    # direction controls (by design, bot/pages_reader.py), so the stored people are
    # compared with what parse_page reads.
    title = f"@everyone <@&{role.id}> **Loud** \u202eevil\u202c z\u200bw ''; DROP TABLE events;--"
    imported = await import_page(fake, world.guild, world.moderator, title=title,
                                capacity=1, page=Attachment("p.txt", page.encode(), "text/plain"))
    event_id = int(re.search(r"\(event (\d+)\)", imported.content)[1])
    loud = world.member(f"@everyone <@{victim.id}> **me**\u202e\u200b'); DROP TABLE rsvps;--")
    second = world.member("second")
    reason = f"@here <@&{role.id}> **now** \u200d''; DELETE FROM events;--"
    replies = [
        imported,
        await fake.slash(world.guild, loud, "rsvp join", event=str(event_id)),
        await fake.slash(world.guild, second, "rsvp join", event=str(event_id)),
        await fake.slash(world.guild, world.moderator, "manage close", event=str(event_id),
                         reason=reason),
        await fake.slash(world.guild, world.member("late"), "rsvp join", event=str(event_id)),
        await fake.slash(world.guild, loud, "event info", event=str(event_id)),
        await fake.slash(world.guild, loud, "event speakers", event=str(event_id)),
        await fake.slash(world.guild, loud, "event speaker", event=str(event_id),
                         name=f"@everyone <@{victim.id}> **Nobody**"),
        await fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id)),
        await fake.slash(world.guild, world.moderator, "manage attendees", event=str(event_id)),
    ]
    assert "confirmed" in replies[1].content and "waitlisted (position 1)" in replies[2].content
    assert "registration is closed" in replies[4].content and replies[4].ephemeral
    assert replies[7].ephemeral and "Nobody called" in replies[7].content
    notices = world.guild.channel("announcements")
    await fake.wait_message(notices, lambda m: CAPACITY_REACHED in m["content"]
                            and "Loud" in m["content"])
    await fake.wait_message(notices, lambda m: "closed by a moderator" in m["content"]
                            and "DELETE FROM events" in m["content"])
    # Stored literally: what was imported, typed and chosen, byte for byte.
    text = decode_page(page.encode())
    assert world.query("SELECT body FROM pages WHERE event_id = ?", (event_id,)) == [(text,)]
    people = world.query("SELECT name, role, bio FROM people WHERE event_id = ?"
                         " ORDER BY position", (event_id,))
    assert people == [(p.name, p.role, p.bio) for p in parse_page(text).people]
    bio = people[0][2]
    for raw in (pings, "**Bold**", "'); DROP TABLE rsvps;--", "\u202eevil\u202c",
                "zero\u200dwidth", "\u05e9\u05dc\u05d5\u05dd"):
        assert raw in bio, raw
    assert world.query("SELECT title, closed_reason FROM events WHERE id = ?",
                       (event_id,)) == [(title, reason)]
    assert world.query("SELECT display_name FROM rsvps WHERE event_id = ? AND user_id = ?",
                       (event_id, loud.id)) == [(loud.name,)]
    [(_, data)] = replies[9].files
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    # kept, and defused for spreadsheets: its start, and the part after each semicolon (a
    # cell of its own where a spreadsheet splits cells at semicolons)
    assert rows[0]["name"] == "'" + loud.name.replace(";--", ";'--")
    assert world.query("SELECT count(*) FROM rsvps WHERE event_id = ?", (event_id,)) == [(2,)]
    # Shown safely: every mention and the markdown escaped wherever the bot wrote them.
    shown = [r.message for r in replies] + [m for r in replies for m in r.followups]
    shown += [m for m in fake.messages(notices) if "Loud" in text_of(m)]
    assert len(shown) >= 12
    for message in shown:
        seen = text_of(message)
        assert "@everyone" not in seen and "@here" not in seen, seen
        assert f"<@{victim.id}>" not in seen and f"<@!{victim.id}>" not in seen, seen
        assert f"<@&{role.id}>" not in seen, seen
        assert "**Loud**" not in seen and "**Bold**" not in seen, seen
    assert sum(f"@{ZWSP}everyone" in text_of(m) for m in shown) >= 5  # shown, escaped
    assert "\\*\\*Bold\\*\\*" in text_of(replies[6].message)
    checked = assert_nobody_pinged(fake)
    print(f"figures: hostile-text messages_checked_for_escaping={len(shown)} "
          f"requests_checked_for_allowed_mentions={checked} pings=0")


async def test_out_of_range_options_and_unknown_ids_are_refused_and_change_nothing(world):
    fake = world.fake
    event_id = await world.import_event("Range Forum", capacity=10)
    member = world.member("ranger")
    assert "confirmed" in (await fake.slash(world.guild, member, "rsvp join",
                                            event=str(event_id))).content
    await asyncio.sleep(0.2)
    other = fake.add_guild("Other Server")
    stranger = fake.add_member(other, "stranger")
    await fake.wait_ready(process=world.bot)
    await fake.slash(other, stranger, "event list")  # the new server gets its sample event
    await asyncio.sleep(0.2)
    before = content_tables(world)
    refusals = []
    # app_commands.Range makes Discord refuse these (the stand-in too); a modified client
    # may send them anyway, and the bot's own validation answers.
    for seats in (0, -5, 10**9):
        refusals.append(await fake.slash(world.guild, world.moderator, "manage capacity",
                                         seats=5, event=str(event_id),
                                         mutate=sent_as("seats", seats)))
        for target in ({}, {"event": str(event_id)}):
            refusals.append(await import_page(fake, world.guild, world.moderator,
                options={"page": Attachment("p.txt", OPEN_ANNOUNCEMENT, "text/plain"),
                         "title": "Out Of Range", "capacity": 5, **target},
                mutate=sent_as("capacity", seats)))
    for reply in refusals:
        assert reply.ephemeral and reply.content.startswith("⚠️"), reply
        assert "from 1 to 100,000" in reply.content, reply
    # Unknown events: an id that does not exist, an id from another server, a button whose
    # event is gone; and a speaker who does not exist.
    unknown = [
        await fake.slash(world.guild, member, "rsvp join", event="987654321"),
        await fake.slash(world.guild, member, "rsvp cancel", event="987654321"),
        await fake.slash(world.guild, member, "event info", event="987654321"),
        await fake.slash(world.guild, world.moderator, "manage close", event="987654321"),
        await fake.slash(other, stranger, "rsvp join", event=str(event_id)),
        await fake.slash(other, stranger, "rsvp status", event=str(event_id)),
    ]
    for reply in unknown:
        assert reply.ephemeral and "No event in this server matches" in reply.content, reply
    message = await announce(world, event_id, "Range Forum")
    for guild, who, channel in ((world.guild, member, world.guild.channel("general")),
                                (other, stranger, other.channel("general"))):
        forged = copy.deepcopy(message)
        forged["id"] = str(fake._snowflake())
        forged["channel_id"], forged["guild_id"] = str(channel.id), str(guild.id)
        gone = 987654321 if guild is world.guild else event_id
        for row in forged["components"]:
            for button in row["components"]:
                button["custom_id"] = button["custom_id"].rsplit(":", 1)[0] + f":{gone}"
        reply = await fake.click(guild, who, forged, join_id(gone))
        assert reply.ephemeral and f"no event {gone} in this server" in reply.content, reply
        unknown.append(reply)
    speaker = await fake.slash(world.guild, member, "event speaker", event=str(event_id),
                               name="Nobody Atall")
    assert speaker.ephemeral and "Nobody called 'Nobody Atall'" in speaker.content
    await asyncio.sleep(0.2)
    after = content_tables(world)
    assert after["rsvps"] == before["rsvps"] and after["events"] == before["events"]
    assert after == before
    print(f"figures: out-of-range refused={len(refusals)} unknown-ids refused={len(unknown)} "
          f"unknown-speaker refused=1 changed=0")


# --------------------------------------------------------------------------- 6. data safety


async def test_backup_while_the_bot_runs_and_rsvps_flow(world, tmp_path):
    event_id = await world.import_event("Backup Forum", capacity=150)
    message = await announce(world, event_id, "Backup Forum")
    backup_path = tmp_path / "copy.sqlite3"
    backup: asyncio.subprocess.Process | None = None
    committed_before: set[int] = set()
    members, replies = [], []
    joined_at_start = 0
    while backup is None or backup.returncode is None:  # waves of 20 until the backup is done
        assert len(members) < 5000, "the backup never finished"
        wave = [world.member(f"backup{len(members) + i}") for i in range(20)]
        members += wave
        replies += await click_all(world, message, event_id, wave)
        if backup is None and len(members) >= 100:
            committed_before = {u for (u,) in world.query(
                "SELECT user_id FROM rsvps WHERE event_id = ?", (event_id,))}
            joined_at_start = len(members)
            backup = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "backup", str(backup_path), cwd=world.cwd,
                env=world.bot.env, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE)
        await asyncio.sleep(0.02)
    out, err = await asyncio.wait_for(backup.communicate(), 60)
    assert backup.returncode == 0, err.decode()
    assert "backed up" in out.decode()
    during = len(members) - joined_at_start
    assert during > 0, "no RSVP flowed while the backup ran"
    assert integrity(backup_path) == "ok"
    conn = sqlite3.connect(backup_path)
    try:
        copied = {u for (u,) in conn.execute(
            "SELECT user_id FROM rsvps WHERE event_id = ?", (event_id,))}
        [(confirmed, waitlisted)] = conn.execute(
            "SELECT confirmed_count, waitlist_count FROM events WHERE id = ?", (event_id,))
        rows = dict(conn.execute("SELECT status, count(*) FROM rsvps WHERE event_id = ?"
                                 " GROUP BY status", (event_id,)))
    finally:
        conn.close()
    assert committed_before and committed_before <= copied
    assert (rows.get("confirmed", 0), rows.get("waitlisted", 0)) == (confirmed, waitlisted)
    figures = await reconcile(world, event_id, members, replies)
    assert copied <= set(db_rsvps(world, event_id))
    print(f"figures: backup rsvps_before_backup={len(committed_before)} in_copy={len(copied)} "
          f"joined_while_backup_ran={during} {figures}")


V1_TABLES = {  # every table of schema version 1 and its columns, as version 1 made them
    "events": "id, guild_id, slug, title, venue, link, starts_at, ends_at, capacity,"
              " registration_open, closed_reason, confirmed_count, waitlist_count, next_seq,"
              " description, recap_summary, language, translation, off_the_record,"
              " access_notes, created_at, updated_at",
    "pages": "event_id, kind, body, imported_at",
    "people": "event_id, position, name, role, bio",
    "takeaways": "event_id, position, heading, text",
    "rsvps": "event_id, user_id, display_name, status, seq, joined_at",
    "guild_settings": "guild_id, announce_channel_id",
    "announcement_messages": "message_id, channel_id, event_id, rendered",
    "outbox": "id, guild_id, event_id, kind, payload, created_at, claimed_at",
    "meta": "key, value",
}


def v1_rows(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Version 1's rows as they read now: an event's texts beside it since version 37."""
    split = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'event_texts'").fetchone()
    return {table: conn.execute(
        f"SELECT {columns} FROM {EVENTS_WITH_TEXTS if split and table == 'events' else table}"
        " ORDER BY 1, 2").fetchall() for table, columns in V1_TABLES.items()}


async def test_an_answer_held_up_past_discords_3_s_is_deferred_and_still_arrives(world):
    """Another process holds the database's write lock for 4 s. A member's cancel waits
    for it, and so does the first command in a server the bot just joined (its sample
    event is written first). Each is deferred within Discord's 3 s, publicly for a public
    answer, and answered once the lock is free; nothing is lost."""
    fake = world.fake
    event_id = await world.import_event("Held Up", 10)
    member, clicker = world.member("patient member"), world.member("patient clicker")
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    announcement = await announce(world, event_id, "Held Up")
    holder = write_lock_taken(world)
    started = time.monotonic()
    try:
        newcomers = fake.add_guild("Newcomers")
        asker, mistaken = (fake.add_member(newcomers, name) for name in ("asker", "mistaken"))
        asyncio.get_running_loop().call_later(4.0, holder.execute, "COMMIT")
        cancel, info, click, typo = await asyncio.gather(
            fake.slash(world.guild, member, "rsvp cancel", event=str(event_id), timeout=15),
            fake.slash(newcomers, asker, "event info", timeout=15),
            fake.click(world.guild, clicker, announcement, f"eventbot:rsvp:join:{event_id}",
                       timeout=15),
            fake.slash(newcomers, mistaken, "event info", event="no such talk", timeout=15))
        waited = time.monotonic() - started
    finally:
        await asyncio.sleep(max(0.0, 4.2 - (time.monotonic() - started)))
        holder.close()
    print(f"figures: answered after {waited:.1f} s, deferred first")
    assert waited > 3.5
    assert (cancel.type, cancel.ephemeral) == (5, True)
    assert "is cancelled" in cancel.content
    assert (info.type, info.ephemeral) == (5, False) and info.embeds
    assert (click.type, click.ephemeral) == (5, True) and "confirmed" in click.content
    # A refusal stays the member's own, though /event info was deferred for all to see.
    await typo.wait(lambda r: r.followups)
    [refusal] = typo.followups
    assert refusal["flags"] & 64 and "No event in this server matches" in refusal["content"]
    assert not [m for channel in newcomers.channels.values() for m in fake.messages(channel)
                if m.get("interaction_metadata", {}).get("user", {}).get("id") == str(
                    mistaken.user.id)]  # the placeholder is gone, the refusal never public
    assert world.query("SELECT user_id FROM rsvps WHERE event_id = ?", (event_id,)) == [
        (clicker.user.id,)]


async def test_the_time_an_interaction_took_to_arrive_counts_against_its_3_s(world):
    """Discord's 3 s run from when it made the interaction: one that spent 1.5 s on its way
    to the bot is deferred 0.5 s after it arrives, not 2 s (which would be 3.5 s in)."""
    fake = world.fake
    event_id = await world.import_event("Slow Gateway", 10)
    member = world.member("lagging member")
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    holder = write_lock_taken(world)
    fake.gateway_lag = 1.5
    try:
        asyncio.get_running_loop().call_later(3.0, holder.execute, "COMMIT")
        cancel = await fake.slash(world.guild, member, "rsvp cancel", event=str(event_id),
                                  timeout=15)
    finally:
        fake.gateway_lag = 0.0
        holder.close()
    assert (cancel.type, cancel.ephemeral) == (5, True)  # deferred in time, then answered
    assert "is cancelled" in cancel.content
    assert world.query("SELECT user_id FROM rsvps WHERE event_id = ?", (event_id,)) == []


async def test_a_lock_held_past_the_bots_wait_gets_a_busy_answer_and_changes_nothing(world):
    """Another process keeps the database's write lock past the bot's 10 s wait (a tool's
    transaction left open): the member's cancel is deferred, then told the database is
    busy, privately; their seat is untouched, and the same cancel goes through after."""
    fake = world.fake
    event_id = await world.import_event("Locked Out", 10)
    member = world.member("locked-out member")
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    holder = write_lock_taken(world)
    try:
        refused = await fake.slash(world.guild, member, "rsvp cancel", event=str(event_id),
                                   timeout=20)
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert (refused.type, refused.ephemeral) == (5, True)
    assert refused.content == "⚠️ The database is busy right now; try again in a moment."
    assert world.query("SELECT user_id FROM rsvps WHERE event_id = ?", (event_id,)) == [
        (member.user.id,)]
    again = await fake.slash(world.guild, member, "rsvp cancel", event=str(event_id))
    assert "is cancelled" in again.content
    assert world.query("SELECT user_id FROM rsvps WHERE event_id = ?", (event_id,)) == []


async def test_answers_that_cannot_be_deferred_come_in_time_behind_a_waiting_write(world):
    """Another process holds the write lock and one of the bot's writes waits for it on the
    database thread. Autocomplete's choices and a form cannot follow a deferral: they come
    within Discord's 3 s (no choices; the form's refusal as busy) instead of after the
    write's 10 s wait, when Discord would refuse them (10062)."""
    fake = world.fake
    event_id = await world.import_event("Queued Behind A Write", 5)
    member = world.member("typing member")
    holder = write_lock_taken(world)
    try:
        waiting = asyncio.create_task(fake.slash(
            world.guild, world.moderator, "manage capacity", event=str(event_id), seats=6,
            timeout=20))
        await asyncio.sleep(0.5)  # its write is queued on the database thread
        started = time.monotonic()
        choices = await fake.autocomplete(world.guild, member, "rsvp join", focused="event",
                                          event="Queued")
        assert choices == [] and time.monotonic() - started < 3
        for typed in ("Q", "Que"):  # a member typing on: each answered in time
            await fake.autocomplete(world.guild, member, "event speaker", focused="name",
                                    event=str(event_id), name=typed)
        form = await fake.slash(world.guild, world.moderator, "manage edit",
                                event=str(event_id))
        assert (form.modal, form.ephemeral) == (None, True)
        assert form.content == "⚠️ The database is busy right now; try again in a moment."
        assert not waiting.done()
    finally:
        holder.execute("COMMIT")
        holder.close()
    await waiting
    choices = await fake.autocomplete(world.guild, member, "rsvp join", focused="event",
                                      event="Queued")
    assert [c["value"] for c in choices] == [str(event_id)]
    form = await fake.slash(world.guild, world.moderator, "manage edit", event=str(event_id))
    assert form.modal is not None


async def test_a_schema_v1_database_opens_with_the_current_bot_without_loss(tmp_path):
    """A database made by the first schema (MIGRATIONS[0], user_version 1), holding a row in
    every table, opened by today's Store and then served by today's bot: every v1 row is
    still there, unchanged, and the bot reads them. Opening it runs every migration added
    since, so this keeps checking upgrades from v1 as migrations are added."""
    async with FakeDiscord() as fake:
        guild = fake.add_guild("Old Server")
        confirmed, waiting = fake.add_member(guild, "old timer"), fake.add_member(guild, "patient")
        announcements = guild.channel("announcements")
        path = tmp_path / "v1.sqlite3"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(MIGRATIONS[0])
        conn.execute("PRAGMA user_version = 1")
        now = int(time.time())
        conn.executescript(f"""
            INSERT INTO events (id, guild_id, slug, title, venue, capacity, confirmed_count,
                waitlist_count, next_seq, description, language, access_notes, created_at,
                updated_at, starts_at)
            VALUES (7, {guild.id}, 'old-talk', 'An Old Talk', 'Room 1', 1, 1, 1, 3,
                'Made before any migration.', 'French', '["Bring ID"]', {now}, {now},
                {now + 86400});
            INSERT INTO pages VALUES (7, 'announcement', 'An Old Talk page', {now});
            INSERT INTO people VALUES (7, 0, 'Ada Lovelace', 'moderator', 'Ada is a fellow.');
            INSERT INTO takeaways VALUES (7, 0, 'First', 'It went well.');
            INSERT INTO rsvps VALUES (7, {confirmed.id}, 'old timer', 'confirmed', 1, {now});
            INSERT INTO rsvps VALUES (7, {waiting.id}, 'patient', 'waitlisted', 2, {now});
            INSERT INTO guild_settings VALUES ({guild.id}, {announcements.id});
            INSERT INTO announcement_messages VALUES (99, 98, 7, 'digest');
            INSERT INTO outbox (id, guild_id, event_id, kind, payload, created_at)
                VALUES (1, {guild.id}, 7, 'capacity', '{{}}', {now});
            INSERT INTO meta VALUES ('note', 'kept');
        """)
        original = v1_rows(conn)
        conn.close()
        assert all(original.values())
        # The current store opens it (running any newer migrations) and keeps every row.
        async with await open_store(path) as store:
            assert await store.run(store.schema.schema_version) == SCHEMA_VERSION
            event = await store.run(store.events.get_event, guild.id, 7)
            assert (event.title, event.capacity, event.confirmed, event.waitlisted) == (
                "An Old Talk", 1, 1, 1)
            assert [a.user_id for a in await attendees_of(store, 7)] == [confirmed.id, waiting.id]
            # A later save keeps the RSVPs (what an import after the upgrade does).
            await store.run(store.events.save_event,
                            guild.id, EventDraft(slug="old-talk", title="An Old Talk"),
                                   [])
        conn = sqlite3.connect(path)
        reopened = v1_rows(conn)
        conn.close()
        assert reopened["events"][0][:-1] == original["events"][0][:-1]  # not updated_at
        # ...and asks for its announcement to be edited to match, a notice of its own
        *kept_notices, (_, _, _, kind, _, _, _) = reopened["outbox"]
        assert kind == "refresh" and kept_notices == original["outbox"]
        assert {t: r for t, r in reopened.items() if t not in ("events", "outbox")} == {
            t: r for t, r in original.items() if t not in ("events", "outbox")}
        # ...and the bot runs on it: it reads the old RSVPs and settings, and delivers the
        # notice that was pending in the old outbox, once, in the channel set back then.
        env = {"DATABASE_PATH": str(path), "EVENTS_DIR": str(ROOT / "data/events"),
               "PYTHONPATH": str(ROOT)}
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"], env, cwd=str(tmp_path))
        try:
            await fake.wait_ready(process=bot)
            status = await fake.slash(guild, confirmed, "rsvp status", event="7")
            assert "You're confirmed for **An Old Talk**" in status.content
            status = await fake.slash(guild, waiting, "rsvp status", event="7")
            assert "waitlisted (position 1)" in status.content
            info = await fake.slash(guild, waiting, "event info")
            assert "An Old Talk" in text_of(info.message) and "Ada Lovelace" in text_of(
                info.message)
            await fake.wait_message(announcements, lambda m: CAPACITY_REACHED in m["content"])
            await asyncio.sleep(0.5)
            assert len(fake.messages(announcements)) == 1
        finally:
            await bot.stop()
        assert integrity(path) == "ok"
        conn = sqlite3.connect(path)
        final = v1_rows(conn)
        conn.close()
        # (The bot adds rows of its own: the bundled sample event, its command-sync hash.
        # It forgets the announcement message that no longer exists on Discord, and the
        # delivered notice leaves the outbox.)
        for table in ("pages", "people", "takeaways", "rsvps", "guild_settings", "meta"):
            assert set(original[table]) <= set(final[table]), table
        assert [r[:-1] for r in final["events"] if r[0] == 7] == [original["events"][0][:-1]]
        assert final["outbox"] == [] and final["announcement_messages"] == []
    print(f"figures: schema v1 -> v{SCHEMA_VERSION}: tables={len(V1_TABLES)} rows_kept="
          f"{sum(map(len, original.values()))}")


# --------------------------------------------------------------------------- 2. crash


async def test_a_notice_posted_just_before_a_crash_is_not_posted_again(world):
    """The capacity notice is posted, and the process dies before Discord's answer
    arrives, so before it can acknowledge the notice: once the claim expires (a minute,
    made to have passed), the restarted bot delivers it again, with the same nonce, and
    Discord returns the message already posted instead of posting a second one."""
    fake, notices = world.fake, world.guild.channel("announcements")
    event_id = await world.import_event("Nonce Forum", capacity=1)
    fake.hold("POST", rf"^/channels/{notices.id}/messages$", 5.0)
    joined = await fake.slash(world.guild, world.member("nonce1"), "rsvp join",
                              event=str(event_id))
    assert "confirmed" in joined.content, joined
    await exactly_one_capacity_notice(world, "Nonce Forum", settle=0.2)
    world.bot.kill()  # posted; its answer, and so its acknowledgement, still held back
    assert world.query("SELECT count(*) FROM outbox WHERE event_id = ? AND kind = 'capacity'",
                       (event_id,)) == [(1,)]
    world.expire_claims(event_id)
    world.start_bot()
    await fake.wait_ready(process=world.bot)
    deadline = time.monotonic() + 100
    while world.query("SELECT count(*) FROM outbox WHERE event_id = ?", (event_id,)) != [(0,)]:
        assert time.monotonic() < deadline, "the notice was never delivered again"
        await asyncio.sleep(0.5)
    assert len(capacity_notices(world, "Nonce Forum")) == 1


async def test_sigkill_mid_burst_loses_no_confirmed_seat_and_delivers_the_notice_once(world):
    """SIGKILL while joins are committing and replies are on their way. Beforehand the
    notices channel is rate-limited (one 429 asking for 30 s) so the capacity notice is
    committed but not delivered when the process dies: the restarted bot must deliver it,
    once. While the bot is down a second process adds waitlisted members, so the
    announcement's seat count is stale until the restarted bot corrects it."""
    fake = world.fake
    notices = world.guild.channel("announcements")
    event_id = await world.import_event("Crash Forum", capacity=40)
    message = await announce(world, event_id, "Crash Forum")
    blocker = await world.import_event("Blocker Forum", capacity=5)
    fake.fail("POST", rf"^/channels/{notices.id}/messages$", status=429, retry_after=30)
    closed = await fake.slash(world.guild, world.moderator, "manage close", event=str(blocker))
    assert "closed" in closed.content
    await fake._wait("fault", lambda: any(r.status == 429 and r.path.endswith(
        f"/channels/{notices.id}/messages") for r in fake.requests) or None, 10,
        "the notice delivery to hit the 429")
    members = [world.member(f"crash{i}") for i in range(200)]
    tasks: list[asyncio.Future] = []

    def confirmed_replies() -> int:
        return sum(t.done() and not t.exception() and outcome(t.result().content) == (
            "confirmed", None) for t in tasks)

    # Waves of 10 clicks every 20 ms, until the event is full, its capacity notice
    # committed and 30 members told "confirmed" (on a loaded machine the answers may come
    # after the fiftieth click: then no more clicks, only the wait for them)...
    deadline = time.monotonic() + 30
    while not (confirmed_replies() >= 30 and world.query(
            "SELECT 1 FROM outbox WHERE event_id = ? AND kind = 'capacity'", (event_id,))):
        assert time.monotonic() < deadline, "the event did not fill"
        if len(tasks) < 50:  # enough for its 40 seats
            tasks += [asyncio.ensure_future(fake.click(world.guild, m, message,
                                                       join_id(event_id)))
                      for m in members[len(tasks):len(tasks) + 10]]
        await asyncio.sleep(0.02)
    # ...then 80 at once, and SIGKILL as soon as the first of them is committed, while the
    # rest are being committed and answered.
    burst = {m.id for m in members[len(tasks):len(tasks) + 80]}
    tasks += [asyncio.ensure_future(fake.click(world.guild, m, message, join_id(event_id)))
              for m in members[len(tasks):len(tasks) + 80]]
    deadline = time.monotonic() + 10
    while not burst & {u for (u,) in world.query(
            "SELECT user_id FROM rsvps WHERE event_id = ?", (event_id,))}:
        assert time.monotonic() < deadline, "the burst was never committed"
        await asyncio.sleep(0.002)
    world.bot.kill()
    killed_pid = world.bot.pid
    sent_before_kill = len(tasks)
    committed_at_kill = len(db_rsvps(world, event_id))
    assert world.query("SELECT claimed_at FROM outbox WHERE event_id = ? AND kind = "
                       "'capacity'", (event_id,)) == [(None,)]
    assert capacity_notices(world, "Crash Forum") == []
    shown_at_kill = text_of(fake.message_record(message).data)
    assert integrity(world.db_path) == "ok"
    # While the bot is down, another process sharing the file adds five members.
    joiner = await Joiner(world, event_id, first=8_000_000_000, count=5, wave=5).start()
    joiner.go()
    offline = await joiner.results()
    assert all(kind == "waitlisted" for kind, _ in offline.values())
    world.start_bot()
    await fake.wait_ready(process=world.bot)
    assert world.bot.pid != killed_pid
    assert integrity(world.db_path) == "ok"
    replies = await asyncio.gather(*tasks, return_exceptions=True)  # answered or timed out
    answered = sum(not isinstance(r, BaseException) for r in replies)
    assert answered < sent_before_kill < len(members), "the burst was over before the kill"
    # Before anything else happens to the event, the restarted bot corrects the stale seat
    # count and delivers the notice the dead process had committed, once.
    confirmed, waitlisted = check_counters(world, event_id)
    assert confirmed == 40
    expected = f"all 40 seats are taken; joining puts you on the waitlist ({waitlisted} waiting)"
    assert expected not in shown_at_kill, "the announcement was not stale; nothing to fix"
    await fake.wait_message(world.guild.channel("announcements"), lambda m: m["id"] == message[
        "id"] and expected in text_of(m), timeout=10)
    await exactly_one_capacity_notice(world, "Crash Forum", settle=1.5)
    assert world.query("SELECT count(*) FROM outbox WHERE event_id = ?", (event_id,)) == [(0,)]
    # The rest of the burst reaches the new process.
    replies += await click_all(world, message, event_id, members[len(replies):])
    told = {m.id: outcome(r.content) for m, r in zip(members, replies, strict=True)
            if not isinstance(r, BaseException)}
    db = db_rsvps(world, event_id)
    confirmed_told = [u for u, s in told.items() if s and s[0] == "confirmed"]
    assert len(confirmed_told) >= 30
    assert all(db.get(u) == ("confirmed", None) for u in confirmed_told)
    assert all(db.get(u) == s for u, s in told.items() if s)  # waitlist positions too
    assert check_counters(world, event_id)[0] == 40
    assert len(capacity_notices(world, "Crash Forum")) == 1
    # The bot still answers, and the member whose reply died with the process learns the truth.
    figures = await reconcile(world, event_id, members, replies, offline)
    checked = assert_nobody_pinged(fake)
    print(f"figures: crash {figures} clicks_before_kill={sent_before_kill} "
          f"answered_by_killed_process={answered} "
          f"committed_at_kill={committed_at_kill} joined_while_down={len(offline)} "
          f"told_confirmed={len(confirmed_told)} capacity_notices=1 "
          f"requests_checked_for_allowed_mentions={checked}")


async def test_a_deferral_that_went_through_unheard_is_still_filled_with_the_answer(world):
    """The database is held up, so a member's cancel is deferred; Discord acts on the
    deferral but answers 500, and discord.py's retry is refused with 40060 ("already
    acknowledged"). The member's "thinking…" is still filled with the answer, and the log
    says so in one warning line, without a traceback."""
    fake = world.fake
    event_id = await world.import_event("Unheard Deferral", 10)
    member = world.member("unheard member")
    await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    since = len(world.bot.output())
    holder = write_lock_taken(world)
    fake.fail("POST", r"^/interactions/\d+/[^/]+/callback$", status=500, carried_out=True)
    started = time.monotonic()
    try:
        asyncio.get_running_loop().call_later(4.5, holder.execute, "COMMIT")
        cancel = await fake.slash(world.guild, member, "rsvp cancel", event=str(event_id),
                                  timeout=20)
    finally:
        await asyncio.sleep(max(0.0, 4.7 - (time.monotonic() - started)))
        holder.close()
    assert (cancel.type, cancel.ephemeral) == (5, True), cancel
    assert "is cancelled" in cancel.content, cancel
    assert world.query("SELECT user_id FROM rsvps WHERE event_id = ?", (event_id,)) == []
    log = world.bot.output()[since:]
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    assert len([line for line in log.splitlines() if "40060" in line
                or "already acknowledged" in line]) == 1, log[-3000:]


async def test_a_first_response_refused_with_403_is_one_warning_line(world):
    """Discord refuses the first response to a member's join (403 Missing Access): every
    answer to the interaction would be refused the same way. The join is kept, and the
    log says so in one warning line, without a traceback or a second refused answer."""
    fake = world.fake
    event_id = await world.import_event("Refused Answer", 10)
    member = world.member("unanswered member")
    since = len(world.bot.output())
    fake.fail("POST", r"^/interactions/\d+/[^/]+/callback$", status=403, code=50001,
              message="Missing Access")
    with pytest.raises(TimeoutError, match="did not respond"):
        await fake.slash(world.guild, member, "rsvp join", event=str(event_id), timeout=5)
    assert world.query("SELECT user_id FROM rsvps WHERE event_id = ?", (event_id,)) == [
        (member.user.id,)]
    log = world.bot.output()[since:]
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    assert len([line for line in log.splitlines() if "50001" in line
                or "403" in line]) == 1, log[-3000:]


def long_recap() -> bytes:
    """A recap whose takeaways take two messages of embeds (over 6,000 characters)."""
    sections = []
    for heading, subject in (("Port Funding", "ports"), ("Coastal Rail", "rail lines"),
                             ("Fishing Rights", "fisheries")):
        sentences = [f"Speaker {n} argued that {subject} need steady money in year {n}."
                     for n in range(1, 40)]
        sections.append(f"{heading}\n{' '.join(sentences)}\n")
    return ("Ann Lee moderated a discussion on the coast.\n\nKey Takeaways\n\n"
            + "\n".join(sections)).encode()


async def test_an_answer_that_went_through_unheard_is_followed_by_the_rest_of_it(world):
    """/event takeaways answers in two messages. Discord acts on the first but answers
    500, and discord.py's retry is refused with 40060 ("already acknowledged"): the first
    message is the member's answer, and the second still follows it, not refused the same
    way and dropped."""
    fake = world.fake
    event_id = await world.import_event("Unheard Long Recap", 10)
    done = await import_page(fake, world.guild, world.moderator, event=str(event_id),
                             page=Attachment("recap.txt", long_recap(), "text/plain"))
    assert "3 takeaways" in done.content, done.content
    member = world.member("unheard reader")
    whole = await fake.slash(world.guild, member, "event takeaways", event=str(event_id))
    await whole.followup(1)  # two messages in all
    since = len(world.bot.output())
    fake.fail("POST", CALLBACK, status=500, carried_out=True)
    reply = await fake.slash(world.guild, member, "event takeaways", event=str(event_id),
                             timeout=15)
    second = await reply.followup(1, timeout=10)
    assert text_of(reply.message) == text_of(whole.message)
    assert text_of(second) == text_of(whole.followups[0]) and len(whole.followups) == 1
    assert len(reply.followups) == 1, reply
    log = world.bot.output()[since:]
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    assert len([line for line in log.splitlines() if "40060" in line]) == 1, log[-3000:]
