"""`python -m bot sandbox`: try the real bot in a terminal, without Discord.

It starts the local Discord-compatible server (`bot/localdiscord.py`) with one server,
"Sandbox", in it (bot/sandbox_world.py: a member called "you", a moderator with Manage
Events, roles the bot may give, and anyone typed as with `as NAME`). The real bot
(`python -m bot run`) runs against it as a subprocess, with its own database, and a
console lets a person type slash commands as any of them, press buttons and read what
the bot answers, rendered as text the way Discord would show it.

The server, its people and the bot's messages are kept beside the sandbox database, so
what was imported, reserved or posted is still there the next time (`--fresh` starts
over).
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import os
import re
import shutil
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import sandbox_world as world
from bot.config import Settings
from bot.localdiscord import Attachment, BotProcess, FakeDiscord, Guild, Member, Reply, User
from bot.sandbox_render import Style, buttons_of, render_message

ROOT = Path(__file__).resolve().parent.parent  # where `bot` and `cogs` are importable from

READY_LOG = "bot.app: connected as "  # logged by EventBot.on_ready
ALIASES = {"member": "you", "mod": "moderator"}
MODERATOR_FLAG = "--moderator"
# discord.py warns "Can't keep up" when a heartbeat's ACK seems over 10 s late, and it may
# time an ACK that arrives before it noted the send from the previous send (a local
# server answers at once): a beat under 10 s keeps that false alarm out of the log.
HEARTBEAT_INTERVAL = 5.0
SETTLE = 0.25  # seconds of quiet after a command before the console prompts again
MAX_SETTLE = 3.0
CONSOLE_WORDS = ("as ", "click ", "channel", "dms", "help", "log", "quit", "show ", "?event ",
                 "?role", "?member")
EPHEMERAL = 1 << 6  # message flag
OPTION_TYPES = {3: "text", 4: "whole number", 5: "true/false", 6: "member", 7: "channel",
                8: "role", 9: "member or role", 10: "number", 11: "file"}

HELP = """\
Slash commands are typed as in Discord: /command sub-command name:value ...
  Quote a value that has spaces or a word followed by ':' (title:"Spring Forum").
  A file option takes a path on this computer (page:path/to/page.txt).
Console:
  ?event [text]      the events the bot offers for the event option, with their ids
  ?name [text]       the same for any option with choices (e.g. speaker names)
  ?role, ?member     the server's roles, and its people with their roles
  as NAME            type as NAME: "you" (as member), "moderator" (Manage Events), or
                     anyone else, who joins the server as a member the first time
                     (as NAME --moderator: joins with Manage Events)
  click N            press button N of the last message shown with buttons
  show [N]           the whole of file N (1) of the last message shown with files
                     (messages show only the first 6 lines of a .csv or .ics)
  channel [N]        the last N (5) messages the bot posted in the server's channels
                     (their buttons can be clicked, also after a restart)
  dms                the DMs the bot sent to whoever is typing
  log [N]            the last N (20) lines of the bot's log
  help               this help; quit (or Ctrl-D) leaves and stops the bot"""


class SandboxError(Exception):
    """The sandbox cannot start (e.g. a database it may not use); one line, exit status 2."""


class LineError(Exception):
    """A console line that cannot be run; shown as one line, and the console goes on."""


# --------------------------------------------------------------------------- parsing

_NAME = r"[A-Za-z_][\w-]*"
_OPTION_AT = re.compile(rf"({_NAME}):")
_NEXT_OPTION = re.compile(rf"\s({_NAME}):")


@dataclass(frozen=True)
class SlashLine:
    """A typed slash command: its words ("rsvp", "join") and its options as typed."""

    words: tuple[str, ...]
    options: dict[str, str] = field(default_factory=dict)


def parse_slash(line: str, names: Collection[str] | None = None) -> SlashLine:
    """`/manage import page:a.txt title:"Spring Forum" capacity:40` -> words and options.

    A value runs to the next ` name:` (so `reason:the room moved` works unquoted), or is
    quoted with " or '. Given the command's option `names`, only those end a value
    (`reason:note: bring ID` is one option). Options are kept as typed; `Console` types
    them by the schema.
    """
    text = line.strip()
    if not text.startswith("/"):
        raise LineError("a slash command starts with /, e.g. /event info")
    text = text[1:]
    first = re.search(rf"(?:^|\s){_NAME}:", text)
    head = text if first is None else text[: first.start()]
    words = tuple(word.lower() for word in head.split())
    if not words:
        raise LineError("type a command after the /, e.g. /event info (help lists them all)")
    options: dict[str, str] = {}
    pos = len(text) if first is None else first.start()
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        match = _OPTION_AT.match(text, pos)
        if match is None:
            raise LineError(f"expected name:value at {text[pos:]!r}")
        name, pos = match[1].lower(), match.end()
        if pos < len(text) and text[pos] in "\"'":
            quote = text[pos]
            end = text.find(quote, pos + 1)
            if end < 0:
                raise LineError(f"{name}: the {quote} is never closed")
            value, pos = text[pos + 1 : end], end + 1
            if pos < len(text) and not text[pos].isspace():
                raise LineError(f"{name}: put a space after the closing {quote}")
        else:
            nxt = _NEXT_OPTION.search(text, pos)
            while nxt is not None and names is not None and nxt[1].lower() not in names:
                nxt = _NEXT_OPTION.search(text, nxt.end())
            end = len(text) if nxt is None else nxt.start()
            value, pos = text[pos:end].strip(), end
            if not value:
                raise LineError(f"{name}: give it a value, e.g. {name}:3")
        if name in options:
            raise LineError(f"{name} is given twice")
        options[name] = value
    return SlashLine(words, options)


# --------------------------------------------------------------------------- the console


class BotStopped(Exception):
    """The bot process exited while the console was running."""


class Console:
    """Reads lines, runs them against the local Discord, prints what the bot shows."""

    def __init__(self, fake: FakeDiscord, guild: Guild, people: dict[str, Member],
                 bot: BotProcess, *, interactive: bool = False,
                 save: Callable[[], None] = lambda: None) -> None:
        self.fake, self.guild, self.people, self.bot = fake, guild, people, bot
        self.interactive, self.save = interactive, save
        self.persona = "you"
        self.buttons: tuple[dict[str, Any], list[dict[str, Any]]] | None = None
        self.files: list[tuple[str, bytes]] = []  # of the last message shown with files
        self.seen: set[str] = set()  # ids of channel messages and DMs already accounted for
        colour = interactive and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        self.style = Style(
            bold=("\x1b[1m", "\x1b[22m") if colour else ("", ""),
            width=min(shutil.get_terminal_size((100, 24)).columns, 100) - 2,
            channel_name=lambda cid: getattr(guild.channels.get(cid), "name", None),
            user_name=lambda uid: getattr(fake.users.get(uid), "name", None),
            role_name=lambda rid: getattr(guild.roles.get(rid), "name", None))
        self._mark_seen()

    @property
    def member(self) -> Member:
        return self.people[self.persona]

    @property
    def prompt(self) -> str:
        return f"{self.persona}> "

    def say(self, text: str = "") -> None:
        print(text, flush=True)

    def show(self, header: str, message: dict[str, Any]) -> None:
        self.say("  " + header + (" (edited)" if message.get("edited_timestamp") else ""))
        files = self.fake.files_of(message) if message.get("attachments") else []
        for line in render_message(message, files, self.style):
            self.say("  " + line)
        if files:
            self.files = files
        if buttons_of(message):
            self.buttons = (message, buttons_of(message))

    # -- the loop ----------------------------------------------------------------

    async def run(self, read: Callable[[str], Any]) -> int:
        """Until quit or end of input; `read(prompt)` awaits the next line (None at EOF)."""
        while True:
            line = await read(self.prompt)
            if line is None:
                self.say()
                return 0
            if not self.interactive:
                self.say(line)  # piped input: keep a readable transcript
            try:
                if not await self.handle(line):
                    return 0
            except LineError as exc:
                self.say(f"  ! {exc}")
            finally:
                self.save()
            if not self.bot.running:
                raise BotStopped(self.bot.describe(tail=1500))

    async def handle(self, line: str) -> bool:
        """Run one line; False to leave."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        self.show_news()
        if line.startswith("/"):
            await self.slash(line)
        elif line.startswith("?"):
            await self.complete(line[1:])
        else:
            word, _, rest = line.partition(" ")
            word, rest = word.lower(), rest.strip()
            if word in ("quit", "exit", "q"):
                return False
            if word == "help":
                self.help()
            elif word == "as":
                self.switch(rest)
            elif word == "click":
                await self.click(rest)
            elif word == "show":
                self.show_file(rest)
            elif word == "channel":
                self.channel(_count(rest, 5))
            elif word == "dms":
                self.dms()
            elif word == "log":
                for row in self.bot.output().splitlines()[-_count(rest, 20):]:
                    self.say("  " + row)
            else:
                raise LineError(f"unknown command {word!r}: type help, or a slash command "
                                "such as /event info")
        self.show_news()
        return True

    # -- console commands ----------------------------------------------------------

    def help(self) -> None:
        self.say(HELP)
        self.say("Slash commands:")
        for name, schema in sorted(self._leaves().items()):
            usage = " ".join(
                (f"{p['name']}:<{OPTION_TYPES.get(p['type'], 'value')}>" if p.get("required")
                 else f"[{p['name']}:]") for p in schema.get("options", []))
            who = "  (Manage Events)" if schema.get("_moderators") else ""
            self.say(f"  /{name} {usage}".rstrip() + who)
            if schema.get("description"):
                self.say(f"      {schema['description']}")

    def switch(self, text: str) -> None:
        words = text.lower().split()
        flagged = MODERATOR_FLAG in words
        names = [w for w in words if w != MODERATOR_FLAG]
        if len(names) != 1:
            raise LineError("as whom? as member (you), as moderator, or as a new name "
                            "(as alice)")
        name = ALIASES.get(names[0], names[0])
        member = self.people.get(name)
        if member is None:
            if not world.PERSON_NAME.fullmatch(name):
                raise LineError(f"{name!r} can't be a name here: 2 to 32 letters, digits, _ "
                                "or . (as alice)")
            if any(user.name.lower() == name for user in self.fake.users.values()):
                raise LineError(f"{name!r} is taken (the bot or the server's owner)")
            member = self.fake.add_member(self.guild, name, manage_events=flagged or
                                          name == "moderator")
            self.people[name] = member
            joined = " joined the server and"
        elif flagged and not world.is_manager(member):
            raise LineError(f"{name} is already here without Manage Events; a new name "
                            f"with {MODERATOR_FLAG} makes a moderator")
        else:
            joined = ""
        self.persona = name
        role = "with Manage Events" if world.is_manager(member) else "a member"
        self.say(f"  {name}{joined} now types ({role})")

    async def click(self, arg: str) -> None:
        if self.buttons is None:
            raise LineError("no message with buttons shown yet (as moderator: /manage announce)")
        message, buttons = self.buttons
        if not arg.isdigit() or not 1 <= int(arg) <= len(buttons):
            raise LineError(f"click which button? 1 to {len(buttons)}, e.g. click 1")
        button = buttons[int(arg) - 1]
        if button.get("url"):
            raise LineError(f"that button is a link to {button['url']}")
        if button.get("disabled"):
            raise LineError("that button is disabled")
        guild = self.guild if message.get("guild_id") else None
        actor: Member | User = self.member if guild else self.member.user
        reply = await self._call(self.fake.click(guild, actor, message, button["custom_id"]))
        await self.show_reply(reply)

    def show_file(self, arg: str) -> None:
        if not self.files:
            raise LineError("no message with a file shown yet (as moderator: /manage "
                            "attendees)")
        if arg and (not arg.isdigit() or not 1 <= int(arg) <= len(self.files)):
            raise LineError(f"show which file? 1 to {len(self.files)}, e.g. show 1")
        name, data = self.files[int(arg or 1) - 1]
        self.say(f"  📎 {name} ({len(data):,} bytes)")
        if b"\0" in data:
            self.say("  (not text: nothing to show)")
            return
        for row in data.decode("utf-8", "replace").splitlines():
            self.say("   " + row)

    def channel(self, count: int) -> None:
        posted = [(int(m["id"]), channel.name, m) for channel in self.guild.channels.values()
                  for m in self.fake.messages(channel)]
        if not posted:
            self.say("  (the bot has not posted in the server's channels yet)")
        for _, name, message in sorted(posted, key=lambda p: p[0])[-count:]:
            self.show(f"#{name} · EventBot{self._answering(message)}", message)
            self.seen.add(message["id"])

    def dms(self) -> None:
        messages = self.fake.dms(self.member)
        if not messages:
            self.say(f"  (the bot has sent {self.persona} no DMs)")
        for message in messages[-10:]:
            self.show("DM from EventBot", message)
            self.seen.add(message["id"])

    # -- slash commands and autocomplete ----------------------------------------

    def _leaves(self) -> dict[str, dict[str, Any]]:
        """Every runnable command ("rsvp join") with its schema (options, description)."""
        commands: dict[str, dict[str, Any]] = {}
        for command in [*self.fake.commands(), *self.fake.commands(self.guild)]:
            if command.get("type", 1) != 1:
                continue
            moderators = command.get("default_member_permissions") not in (None, "0")
            stack = [((command["name"],), command)]
            while stack:
                words, node = stack.pop()
                subs = [o for o in node.get("options", []) if o["type"] in (1, 2)]
                if not subs:
                    commands[" ".join(words)] = {**node, "_moderators": moderators}
                stack += [((*words, s["name"]), s) for s in subs]
        return commands

    def _leaf(self, words: Sequence[str]) -> tuple[str, dict[str, Any]]:
        leaves = self._leaves()
        if not leaves:
            raise LineError("the bot has not registered its commands yet; try again in a moment")
        for size in range(len(words), 0, -1):
            name = " ".join(words[:size])
            if name in leaves:
                if size < len(words):
                    options = " ".join(f"{p['name']}:" for p in leaves[name].get("options", []))
                    raise LineError(f"/{name} takes options as name:value"
                                    + (f" ({options})" if options else " (it has none)"))
                return name, leaves[name]
        prefix = " ".join(words) + " "
        subs = sorted({n[len(prefix):].split()[0] for n in leaves if n.startswith(prefix)})
        if subs:
            raise LineError(f"/{' '.join(words)} needs one of: {', '.join(subs)}")
        tops = sorted({n.split()[0] for n in leaves})
        if words[0] in tops:
            subs = sorted(n.split()[1] for n in leaves if n.split()[0] == words[0])
            raise LineError(f"/{words[0]} has no {words[1]!r}; it has: {', '.join(subs)}")
        raise LineError(f"unknown command /{words[0]}; the bot has "
                        + ", ".join(f"/{t}" for t in tops) + " (help lists them)")

    def typed_options(self, name: str, schema: dict[str, Any],
                      raw: dict[str, str]) -> dict[str, Any]:
        """The options as the Discord client would send them, typed by the command's schema."""
        params = {p["name"]: p for p in schema.get("options", [])}
        unknown = sorted(set(raw) - params.keys())
        if unknown:
            known = ", ".join(f"{p}:" for p in params) or "none"
            raise LineError(f"/{name} has no option {unknown[0]}: (it has {known})")
        missing = [p for p, param in params.items() if param.get("required") and p not in raw]
        if missing:
            raise LineError(f"/{name} needs {missing[0]}:"
                            f"<{OPTION_TYPES.get(params[missing[0]]['type'], 'value')}>")
        return {key: self._value(params[key], value) for key, value in raw.items()}

    def _value(self, param: dict[str, Any], value: str) -> Any:
        name, kind = param["name"], param["type"]
        if kind in (4, 10):
            try:
                number: float = int(value) if kind == 4 else float(value)
            except ValueError:
                raise LineError(f"{name}: {value!r} is not a "
                                f"{OPTION_TYPES[kind]}") from None
            low, high = param.get("min_value"), param.get("max_value")
            if (low is not None and number < low) or (high is not None and number > high):
                raise LineError(f"{name} must be between {low} and {high}")
            return number
        if kind == 5:
            flag = value.lower()
            if flag not in ("true", "false", "yes", "no"):
                raise LineError(f"{name}: true or false")
            return flag in ("true", "yes")
        if kind == 7:
            wanted = value.lstrip("#")
            for channel in self.guild.channels.values():
                if wanted in (channel.name, str(channel.id)):
                    return channel
            names = ", ".join(f"#{c.name}" for c in self.guild.channels.values())
            raise LineError(f"{name}: no channel {value!r} here ({names})")
        if kind in (6, 8, 9):  # a member, a role, or either: as Discord's picker offers them
            wanted = value.lstrip("@")
            if kind != 6:
                for role in self.guild.roles.values():
                    if wanted in (role.name, str(role.id)):
                        return role
            if kind != 8:
                for member in self.guild.members.values():
                    if wanted in (member.name, str(member.id)):
                        return member
            if kind == 8:
                raise LineError(f"{name}: no role {value!r} in this server (?role lists them)")
            raise LineError(f"{name}: nobody called {value!r} in this server")
        if kind == 11:
            path = Path(value).expanduser()
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise LineError(f"{name}: cannot read {value} ({exc.strerror})") from None
            kind_guess = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return Attachment(path.name, data, kind_guess)
        choices = param.get("choices")
        if choices and value not in [str(c["value"]) for c in choices]:
            raise LineError(f"{name}: one of " + ", ".join(str(c["value"]) for c in choices))
        return value

    async def slash(self, text: str) -> None:
        name, schema = self._leaf(parse_slash(text).words)
        line = parse_slash(text, [p["name"] for p in schema.get("options", [])])
        options = self.typed_options(name, schema, line.options)
        reply = await self._call(self.fake.slash(self.guild, self.member, name, options=options))
        await self.show_reply(reply)

    async def complete(self, text: str) -> None:
        option, _, typed = text.strip().partition(" ")
        option = option.rstrip(":").lower() or "event"
        if option in ("role", "member"):
            found = (self.role_names if option == "role" else self.member_names)(typed.strip())
            if not found:
                self.say(f"  (no {option} called {typed.strip()}…)")
            for value, note in found:
                self.say(f"  {option}:{value}" + (f"  {note}" if note else ""))
            return
        command = self._autocompleting(option)
        if command is None:
            raise LineError(f"no command offers choices for {option}: (try ?event or ?name)")
        choices = await self.choices(command, option, typed.strip())
        if not choices:
            self.say(f"  (no choices for {option}:{typed.strip()})")
        for choice in choices:
            self.say(f"  {option}:{choice['value']}  {choice['name']}")

    def _autocompleting(self, option: str) -> str | None:
        """The command to ask for `option`'s choices: one that everybody can use first."""
        found = [(schema.get("_moderators", False), name) for name, schema in
                 self._leaves().items() if any(p["name"] == option and p.get("autocomplete")
                                               for p in schema.get("options", []))]
        return min(found)[1] if found else None

    def role_names(self, typed: str = "") -> list[tuple[str, str]]:
        """(value as typed, a note) for each role one could name, top role first."""
        mine = max((r.position for r in self.guild.roles.values()
                    if r.bot_id == self.fake.bot_user.id), default=0)
        return [(_quoted(role.name), "" if role.position < mine else
                 "(at or above the bot's role: it cannot give it)")
                for role in sorted(self.guild.roles.values(), key=lambda r: -r.position)
                if role.id != self.guild.id and role.bot_id is None
                and role.name.lower().startswith(typed.lower())]

    def member_names(self, typed: str = "") -> list[tuple[str, str]]:
        """(name, their roles) for each person one could name."""
        return [(name, f"({', '.join(r.name for r in member.roles)})" if member.roles else "")
                for name, member in self.people.items() if name.startswith(typed.lower())]

    async def choices(self, command: str, option: str, typed: str) -> list[dict[str, Any]]:
        return await self._call(self.fake.autocomplete(
            self.guild, self.member, command, focused=option, options={option: typed}))

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except TimeoutError as exc:
            raise LineError(f"the bot did not answer in time ({str(exc).splitlines()[0]})"
                            ) from None
        except (LookupError, ValueError, TypeError) as exc:
            raise LineError(str(exc).splitlines()[0]) from None
        except RuntimeError as exc:
            if not self.bot.running:
                raise BotStopped(self.bot.describe(tail=1500)) from None
            raise LineError(str(exc).splitlines()[0]) from None

    async def show_reply(self, reply: Reply) -> None:
        await self.settle(reply)
        if reply.modal is not None:
            self.say(f"  (the bot opened a form, {reply.modal.get('title')!r}: forms are not "
                     "supported in the sandbox)")
            return
        message = reply.message
        if message is None:
            self.say("  (the bot answered nothing visible)")
            return
        private = " (only you can see this)" if reply.ephemeral else ""
        if reply.type in (6, 7):
            self.show("EventBot updated the message", message)
        else:
            self.show(f"EventBot{private}", message)
        self.seen.add(message["id"])
        for followup in reply.followups:
            if followup is not message:
                private = " (only you can see this)" if followup["flags"] & EPHEMERAL else ""
                self.show(f"EventBot{private}", followup)
                self.seen.add(followup["id"])

    # -- what the bot does by itself -----------------------------------------------

    def _posted(self) -> list[tuple[str, dict[str, Any]]]:
        """(where, message) for every channel message and DM, oldest first."""
        found = [(f"#{channel.name}", m) for channel in self.guild.channels.values()
                 for m in self.fake.messages(channel)]
        for who, member in self.people.items():
            found += [(f"DM:{who}", m) for m in self.fake.dms(member)]
        return sorted(found, key=lambda item: int(item[1]["id"]))

    def _mark_seen(self) -> None:
        self.seen.update(m["id"] for _, m in self._posted())

    def _answering(self, message: dict[str, Any]) -> str:
        meta = message.get("interaction_metadata")
        return f", answering {meta['user']['username']}" if meta else ""

    def show_news(self) -> None:
        """Messages the bot posted by itself since the last look: notices, announcements,
        DMs (DMs to the other person are only mentioned)."""
        for where, message in self._posted():
            if message["id"] in self.seen:
                continue
            self.seen.add(message["id"])
            if message.get("interaction_metadata"):
                continue  # a public reply, shown as the reply
            if where == f"DM:{self.persona}":
                self.show("DM from EventBot", message)
            elif where.startswith("DM:"):
                other = where[3:]
                persona = "member" if other == "you" else other
                self.say(f"  (EventBot sent {other} a DM: type as {persona}, then dms, to "
                         "read it)")
            else:
                self.show(f"{where} · EventBot", message)

    async def settle(self, reply: Reply | None = None) -> None:
        """Wait until the bot has been quiet for a moment (follow-ups, notices, DMs)."""

        def state() -> tuple[int, ...]:
            followups = (len(reply.followups),) if reply is not None else ()
            return (*followups, len(self._posted()))

        deadline = time.monotonic() + MAX_SETTLE
        before = state()
        while time.monotonic() < deadline:
            await asyncio.sleep(SETTLE)
            now = state()
            if now == before:
                return
            before = now


def _quoted(value: str) -> str:
    return f'"{value}"' if " " in value else value


def _count(arg: str, default: int) -> int:
    if not arg:
        return default
    if not arg.isdigit() or int(arg) == 0:
        raise LineError(f"{arg!r} is not a number of lines")
    return int(arg)


# --------------------------------------------------------------------------- input


def _terminal_reader(loop: asyncio.AbstractEventLoop) -> Callable[[str], Any]:
    """`await read(prompt)`: a line typed on the terminal (None at EOF), read with input()
    (so readline edits it) on a daemon thread: the event loop keeps serving the bot, and
    Ctrl-C or quitting never waits for the thread."""

    def read(prompt: str) -> asyncio.Future[str | None]:
        future: asyncio.Future[str | None] = loop.create_future()

        def deliver(value: str | None) -> None:
            if not future.done():
                future.set_result(value)

        def work() -> None:
            try:
                value: str | None = input(prompt)
            except (EOFError, OSError, ValueError):
                value = None
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(deliver, value)

        threading.Thread(target=work, name="sandbox-input", daemon=True).start()
        return future

    return read


def _pipe_reader(loop: asyncio.AbstractEventLoop) -> Callable[[str], Any]:
    """`await read(prompt)` for piped or redirected input: a daemon thread reads the raw
    file descriptor (no buffered-reader lock that would stop the interpreter from exiting
    while the thread waits) and queues the lines; None at EOF."""
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    fd = sys.stdin.fileno()

    def put(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(lines.put_nowait, line)

    def work() -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            *complete, pending = (pending + chunk).split(b"\n")
            for line in complete:
                put(line.decode("utf-8", "replace").rstrip("\r"))
        if pending:
            put(pending.decode("utf-8", "replace").rstrip("\r"))
        put(None)

    threading.Thread(target=work, name="sandbox-input", daemon=True).start()

    async def read(prompt: str) -> str | None:
        print(prompt, end="", flush=True)
        return await lines.get()

    return read


def _enable_tab_completion(console: Console, loop: asyncio.AbstractEventLoop) -> None:
    """Tab completes commands, options and (asking the bot) event and speaker names."""
    try:
        import readline
    except ImportError:
        return
    labels: dict[str, str] = {}  # "event:3" -> "Spring Forum", shown beside the matches

    def candidates(line: str, word: str) -> list[str]:
        """What may replace `word`, the word before the cursor; `line` ends with it."""
        before = line[: len(line) - len(word)].split()
        leaves = console._leaves()
        if not before:
            if word.startswith("/"):
                return sorted({f"/{n.split()[0]} " for n in leaves
                               if f"/{n}".startswith(word)})
            return [w for w in CONSOLE_WORDS if w.startswith(word)]
        if before[0] == "as":
            return [f"{p} " for p in dict.fromkeys(["member", *console.people])
                    if p.startswith(word)]
        if not before[0].startswith("/"):
            return []
        path = [before[0][1:].lower()]
        for typed in before[1:]:
            if ":" in typed:
                break
            path.append(typed.lower())
        name = " ".join(path)
        if name not in leaves:
            return sorted({f"{n[len(name) + 1:].split()[0]} " for n in leaves
                           if n.startswith(name + " ") and n[len(name) + 1:].startswith(word)})
        params = leaves[name].get("options", [])
        option, colon, typed_value = word.partition(":")
        if not colon:
            return [f"{p['name']}:" for p in params if p["name"].startswith(word)]
        param = next((p for p in params if p["name"] == option), {})
        if param.get("type") in (6, 8, 9):  # the server's roles and people, as Discord lists
            typed_value = typed_value.lstrip('"')
            found = [*(console.role_names(typed_value) if param["type"] != 6 else []),
                     *(console.member_names(typed_value) if param["type"] != 8 else [])]
            labels.clear()
            labels.update({f"{option}:{value}": note for value, note in found if note})
            return [f"{option}:{value} " for value, _ in found]
        if not param.get("autocomplete"):
            return []
        choices = asyncio.run_coroutine_threadsafe(
            console.choices(name, option, typed_value), loop).result(timeout=5)
        labels.clear()
        labels.update({f"{option}:{c['value']}": c["name"] for c in choices})
        return [f"{option}:{c['value']} " for c in choices]

    matches: list[str] = []

    def complete(word: str, state: int) -> str | None:
        if state == 0:
            matches.clear()
            with contextlib.suppress(Exception):
                line = readline.get_line_buffer()[: readline.get_endidx()]
                matches.extend(candidates(line, word))
        return matches[state] if state < len(matches) else None

    def display(substitution: str, found: Sequence[str], longest: int) -> None:
        print()
        for match in found:
            label = labels.get(match.strip())
            print(f"  {match.strip()}" + (f"  {label}" if label else ""))
        print(console.prompt + readline.get_line_buffer(), end="", flush=True)

    readline.set_completer_delims(" \t\n")
    readline.set_completer(complete)
    readline.set_completion_display_matches_hook(display)
    readline.parse_and_bind("tab: complete")


# --------------------------------------------------------------------------- start


def prepare_database(path: Path, *, fresh: bool) -> None:
    """Delete it if `fresh`, and make the bot sync its commands to the new local server
    (it skips syncing when the commands are unchanged since the last sync it recorded)."""
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{path}{suffix}").unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10)
    try:
        with conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if "meta" in tables:
                conn.execute("DELETE FROM meta WHERE key LIKE 'commands_hash:%'")
    finally:
        conn.close()


def sandbox_database(settings: Settings, database: Path, *, fresh: bool) -> Path:
    """The database's absolute path, prepared; never the bot's own database."""
    database = database.expanduser().resolve()
    if database == settings.database_path.expanduser().resolve():
        raise SandboxError(f"{database} is the bot's own database (DATABASE_PATH); the "
                           "sandbox needs its own: pick another --database")
    try:
        prepare_database(database, fresh=fresh)
    except (OSError, sqlite3.Error) as exc:
        raise SandboxError(f"{database}: cannot use it as the sandbox database ({exc})") from None
    return database


def heartbeat_interval() -> float:
    """Seconds between the bot's heartbeats: SANDBOX_HEARTBEAT_INTERVAL, or 5."""
    text = os.environ.get("SANDBOX_HEARTBEAT_INTERVAL", "").strip()
    if not text:
        return HEARTBEAT_INTERVAL
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0.1 <= seconds <= 60:
        raise SandboxError(f"SANDBOX_HEARTBEAT_INTERVAL={text!r}: give seconds between 0.1 "
                           "and 60")
    return seconds


async def run_sandbox(settings: Settings, database: Path, *, fresh: bool = False) -> int:
    """Start the local Discord and the bot, run the console, always stop the bot."""
    interval = heartbeat_interval()
    database = sandbox_database(settings, database, fresh=fresh)
    state = world.state_path(database)
    if fresh:
        with contextlib.suppress(FileNotFoundError):
            state.unlink()
    signals = _stop_on_signals(asyncio.get_running_loop())
    try:
        return await _sandbox(settings, database, state, interval)
    except asyncio.CancelledError:
        if signals:  # SIGTERM or SIGHUP; Ctrl-C goes on as KeyboardInterrupt (asyncio.run)
            return 128 + signals[0]
        raise


async def _sandbox(settings: Settings, database: Path, state: Path, interval: float) -> int:
    interactive = sys.stdin is not None and sys.stdin.isatty()
    started = time.monotonic()
    print(f"Starting the bot on a local stand-in for Discord (database {database}) …",
          flush=True)
    async with FakeDiscord(heartbeat_interval=interval) as fake:
        try:
            guild = world.load_world(fake, state)
        except world.WorldError as exc:
            raise SandboxError(str(exc)) from None
        kept = guild is not None
        guild = guild or world.new_world(fake)
        save = _saver(fake, state)
        save()
        env = {"DATABASE_PATH": str(database), "EVENTS_DIR": str(settings.events_dir.resolve()),
               "LOG_LEVEL": "INFO", "SYNC_GUILD_ID": "",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                           os.environ.get("PYTHONPATH")]))}
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"], env)
        saved_tty = _save_tty() if interactive else None
        try:
            try:
                await fake.wait_ready(process=bot)
            except (RuntimeError, TimeoutError) as exc:
                print(f"eventbot: the bot did not start: {str(exc).splitlines()[0]}\n"
                      f"{bot.output()[-1500:]}", file=sys.stderr)
                return 1
            await _until_started(bot)
            console = Console(fake, guild, world.people(fake, guild), bot,
                              interactive=interactive, save=save)
            loop = asyncio.get_running_loop()
            if interactive:
                _enable_tab_completion(console, loop)
            print(f"Ready in {time.monotonic() - started:.1f} s: the real bot (pid {bot.pid}) "
                  "in a server called Sandbox, with #general and #announcements"
                  + (" (as you left it)" if kept else "") + ".\n"
                  "You are \"you\", a member; \"as moderator\" switches to a moderator, "
                  "\"as alice\" to a new member.\n"
                  "Try /event info, ?event for the event ids, help for everything, quit to "
                  "leave.", flush=True)
            read = _terminal_reader(loop) if interactive else _pipe_reader(loop)
            return await console.run(read)
        except BotStopped as exc:
            print(f"eventbot: the bot stopped unexpectedly: {exc}", file=sys.stderr)
            return 1
        except asyncio.CancelledError:
            print(flush=True)  # end the prompt's line
            raise
        finally:
            await _stop(bot)
            save()
            _restore_tty(saved_tty)
            print("Stopped the bot.", flush=True)


def _saver(fake: FakeDiscord, path: Path) -> Callable[[], None]:
    """`save()`: keep the server in `path`; a failure is told once and the sandbox goes on."""
    told = False

    def save() -> None:
        nonlocal told
        try:
            world.save_world(fake, path)
        except OSError as exc:
            if not told:
                print(f"eventbot: cannot keep the sandbox's server in {path} ({exc.strerror}); "
                      "it will start afresh next time", file=sys.stderr, flush=True)
            told = True

    return save


async def _stop(bot: BotProcess) -> None:
    """Stop the bot, even if a signal cancels this task meanwhile (quitting just as Ctrl-C
    or SIGTERM arrives)."""
    stopping = asyncio.ensure_future(bot.stop())
    while not stopping.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(stopping)


async def _until_started(bot: BotProcess) -> None:
    """Until the bot logs that it is ready. discord.py waits a moment for more servers
    after connecting (`guild_ready_timeout`, 2 s) before it is; commands work already,
    but notices and DMs only go out from then on. No error if that log line never comes."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            # another process's output: nothing to wait on but the file
            while READY_LOG not in bot.output() and bot.running:  # noqa: ASYNC110
                await asyncio.sleep(0.05)


def _stop_on_signals(loop: asyncio.AbstractEventLoop) -> list[int]:
    """On SIGTERM or SIGHUP (terminal closed), cancel the running task so that the bot is
    stopped on the way out; the list gets the signal's number."""
    received: list[int] = []
    task = asyncio.current_task()

    def stop(signum: int) -> None:
        received.append(signum)
        if task is not None:
            task.cancel()

    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop, signum)
    return received


def _save_tty() -> Any:
    try:
        import termios

        return termios.tcgetattr(sys.stdin.fileno())
    except (ImportError, OSError, ValueError):
        return None


def _restore_tty(saved: Any) -> None:
    if saved is None:
        return
    with contextlib.suppress(ImportError, OSError, ValueError):
        import termios

        termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)
