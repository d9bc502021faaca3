"""The console: reads lines, runs them against the local Discord, prints what the bot
shows (help, as NAME, click, show, channel, dms, log, and what the bot posts by itself)."""

from __future__ import annotations

import asyncio
import copy
import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import Any

from bot.logs import shown
from sandbox import BotProcess, FakeDiscord, Guild, Member, Reply, User
from sandbox.console import world
from sandbox.console.parsing import LineError, parse_slash
from sandbox.console.render import Style, buttons_of, menus_of, render_message
from sandbox.console.slash import OPTION_TYPES, SlashCommands
from sandbox.limits import LOCALES
from sandbox.models import EPHEMERAL

ALIASES = {"member": "you", "mod": "moderator"}
MODERATOR_FLAG = "--moderator"
SETTLE = 0.25  # seconds of quiet after a command before the console prompts again
MAX_SETTLE = 3.0
MAX_SAID = 300  # characters of a refusal shown
GONE = "that button is no longer on the message (it was answered, or it expired)"

HELP = """\
Slash commands are typed as in Discord: /command sub-command name:value ...
  Quote a value that has spaces or a word followed by ':' (title:"Spring Forum").
  A file option takes a path on this computer (page:path/to/page.txt).
Console:
  ?event [text]      the events the bot offers for the event option, with their ids
  ?name [text]       the same for any option with choices (e.g. speaker names)
  ?role, ?member     the server's roles, and its people with their roles
  as NAME            type as NAME: "you" (as member), "moderator" (Manage Events and
                     Manage Roles), or anyone else, who joins the server as a member the
                     first time (as NAME --moderator: joins as a moderator)
  locale [CODE]      the Discord client language of whoever is typing (locale zh-CN:
                     the bot answers them in Chinese); without CODE, shows it
  click N            press button N of the last message shown with buttons
  choose N           pick option N of its menu (the ▾ line)
  submit NAME:VALUE  send the form the bot opened (as /manage edit does), with the
                     fields named changed and the others as shown
  show [N]           the whole of file N (1) of the last message shown with files
                     (messages show only the first 6 lines of a .csv, .ics or .txt)
  channel [N]        the last N (5) messages the bot posted in the server's channels
                     (their buttons can be clicked, also after a restart)
  dms                the DMs the bot sent to whoever is typing
  log [N]            the last N (20) lines of the bot's log
  help               this help; quit (or Ctrl-D) leaves and stops the bot"""


class BotStopped(Exception):
    """The bot process exited while the console was running."""


class Console(SlashCommands):
    """Reads lines, runs them against the local Discord, prints what the bot shows."""

    def __init__(self, fake: FakeDiscord, guild: Guild, people: dict[str, Member],
                 bot: BotProcess, *, interactive: bool = False,
                 save: Callable[[], None] = lambda: None) -> None:
        self.fake, self.guild, self.people, self.bot = fake, guild, people, bot
        self.interactive, self.save = interactive, save
        self.persona = "you"
        # The last message shown with buttons or a menu: the message (the local Discord's
        # own, which the bot's edits change), how it was shown (its header, and its
        # components as they were then: the numbers typed refer to those).
        self.buttons: tuple[dict[str, Any], str, list[Any]] | None = None
        self.files: list[tuple[str, bytes]] = []  # of the last message shown with files
        # Who alone could see the message they are on (a reply "only you can see", a DM):
        # nobody else can press its buttons or open its files, as in Discord.
        self.buttons_seen_by: str | None = None
        self.files_seen_by: str | None = None
        self.form: Reply | None = None  # the form the bot opened last, not yet sent
        self.form_seen_by: str | None = None
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
        """A line (or lines) of the console's own, which may quote what the bot sent, a
        file's rows or the bot's output: `shown`, as a message's text is."""
        print(shown(text, lines=True), flush=True)

    def show(self, header: str, message: dict[str, Any]) -> None:
        self.say("  " + header + (" (edited)" if message.get("edited_timestamp") else ""))
        files = self.fake.files_of(message) if message.get("attachments") else []
        for line in render_message(message, files, self.style):  # shown, in bold
            print("  " + line, flush=True)
        private = bool(message.get("flags", 0) & EPHEMERAL) or not message.get("guild_id")
        if files:
            self.files, self.files_seen_by = files, self.persona if private else None
        if buttons_of(message) or menus_of(message):
            self.buttons = (message, header,
                            copy.deepcopy(message.get("components") or []))
            self.buttons_seen_by = self.persona if private else None

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
                said = str(exc)  # it may quote what was typed: a line, not a page
                self.say(f"  ! {said if len(said) <= MAX_SAID else said[:MAX_SAID - 1] + '…'}")
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
        if (line.startswith("/") or line.lower().startswith(("click", "choose"))) and (
                self.form_seen_by == self.persona):
            self.form = None  # in Discord, a form is closed before anything else is used
        if line.startswith("/"):
            await self.slash(line)
        elif line.startswith("?"):
            await self.complete(line[1:])
        else:
            # any space ends the word: a Chinese input method's is U+3000 ("as　alice")
            word, rest = [*line.split(maxsplit=1), ""][:2]
            word, rest = word.lower(), rest.strip()
            if word in ("quit", "exit", "q"):
                return False
            if word == "help":
                self.help()
            elif word == "as":
                self.switch(rest)
            elif word == "locale":
                self.locale(rest)
            elif word == "click":
                await self.click(rest)
            elif word == "choose":
                await self.choose(rest)
            elif word == "submit":
                await self.submit(rest)
            elif word == "show":
                self.show_file(rest)
            elif word == "channel":
                self.channel(_count(rest, 5, "messages"))
            elif word == "dms":
                self.dms()
            elif word == "log":
                for row in self.bot.output().splitlines()[-_count(rest, 20, "lines"):]:
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
        for _, schema in sorted(self._leaves().items()):
            usage = " ".join(
                (f"{self.shown(p)}:<{OPTION_TYPES.get(p['type'], 'value')}>"
                 if p.get("required") else f"[{self.shown(p)}:]")
                for p in schema.get("options", []))
            who = "  (Manage Events)" if schema.get("_moderators") else ""
            self.say(f"  /{' '.join(schema['_shown'])} {usage}".rstrip() + who)
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
            if not world.is_person_name(name):
                raise LineError(f"{name!r} can't be a name here: 2 to 32 letters, digits, _ "
                                "or . (as alice), as Discord allows (not everyone, here, ..)")
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
        role = ("with Manage Events and Manage Roles" if world.is_manager(member)
                else "a member")
        self.say(f"  {name}{joined} now types ({role})")

    def locale(self, code: str) -> None:
        """Show or set the client language the typing member's interactions carry."""
        user = self.member.user
        if code:
            known = {locale.casefold(): locale for locale in LOCALES}
            if code.casefold() not in known:
                raise LineError(f"{code[:40]!r} is not a Discord locale; e.g. en-US, en-GB, "
                                "zh-CN or zh-TW")
            user.locale = known[code.casefold()]
        self.say(f"  {self.persona}'s Discord is in {user.locale}")

    async def click(self, arg: str) -> None:
        if self.buttons is None:
            raise LineError("no message with buttons shown yet (as moderator: /manage announce)")
        self._check_seen_by(self.buttons_seen_by, "its buttons")
        message = self._as_shown()
        buttons = buttons_of(message)
        if not 1 <= (picked := _number(arg)) <= len(buttons):
            raise LineError(f"click which button? 1 to {len(buttons)}, e.g. click 1")
        button = buttons[picked - 1]
        if button.get("url"):
            raise LineError(f"that button is a link to {button['url']}")
        if button.get("disabled"):
            raise LineError("that button is disabled")
        await self._press(message, button["custom_id"])

    async def choose(self, arg: str) -> None:
        """Pick an option of the select menu (the speakers' "Jump to a person")."""
        if self.buttons is not None:
            self._check_seen_by(self.buttons_seen_by, "its menu")
        menus = menus_of(self._as_shown()) if self.buttons is not None else []
        if not menus:
            raise LineError("no message with a menu shown yet (/event speakers has one when "
                            "the bios take several pages)")
        options = menus[0].get("options") or []
        if not 1 <= (picked := _number(arg)) <= len(options):
            raise LineError(f"choose which option? 1 to {len(options)}, e.g. choose 1")
        if menus[0].get("disabled"):
            raise LineError("that menu is disabled")
        await self._press(self.buttons[0], menus[0]["custom_id"],
                          [options[picked - 1]["value"]])

    def _as_shown(self) -> dict[str, Any]:
        """The message whose buttons and menu `click` and `choose` use, if it is still as it
        was shown. A member's Discord shows a message as the bot last edited it: if the bot
        has since changed its buttons (disabled them, relabelled them, taken them off) it is
        shown again as it is now, to be clicked by those numbers; if the bot deleted it,
        it is gone, as in Discord. LineError either way."""
        assert self.buttons is not None
        message, header, components = self.buttons
        try:
            gone = self.fake.message_record(message).deleted is not None
        except KeyError:  # not one the local Discord keeps: nothing to compare it with
            gone = False
        if gone:
            self.buttons = None
            raise LineError("the bot has deleted that message: its buttons are gone with it")
        if (message.get("components") or []) != components:
            if not (buttons_of(message) or menus_of(message)):
                raise LineError(GONE)
            self.show(header, message)
            raise LineError("the bot changed that message's buttons since it was shown: here "
                            "it is as it is now; click by these numbers")
        return message

    async def _press(self, message: dict[str, Any], custom_id: str,
                     values: list[str] | None = None) -> None:
        """Use a button or (with `values`) a menu of `message`, and show the answer."""
        guild = self.guild if message.get("guild_id") else None
        actor: Member | User = self.member if guild else self.member.user
        try:
            reply = await self._call(self.fake.click(guild, actor, message, custom_id,
                                                     values=values))
        except LineError as exc:
            if "has no component" not in str(exc):
                raise
            raise LineError(GONE) from None
        await self.show_reply(reply)

    def show_form(self, reply: Reply) -> None:
        """A form the bot opened: its fields as Discord shows them, to `submit`."""
        assert reply.modal is not None
        self.form, self.form_seen_by = reply, self.persona
        self.say(f"  EventBot opened a form: {reply.modal.get('title', '')}")
        for field in form_fields(reply.modal):
            shown = field.get("value") or ""
            hint = f" (e.g. {field['placeholder']})" if field.get("placeholder") else ""
            self.say(f"    {field['custom_id']}: {shown!r}  {field.get('label', '')}{hint}")
        self.say("  (submit NAME:VALUE ... sends it; the fields not named stay as shown, "
                 'NAME:"" empties a field)')

    async def submit(self, text: str) -> None:
        if self.form is None:
            raise LineError("no form open (as moderator: /manage edit)")
        self._check_seen_by(self.form_seen_by, "its form")
        assert self.form.modal is not None
        fields = {field["custom_id"]: field for field in form_fields(self.form.modal)}
        typed = parse_slash("/submit " + text, list(fields))
        if typed.words != ("submit",):  # "submit venue Hall B": a colon forgotten
            raise LineError("give each field as name:value, e.g. submit "
                            + " ".join(f"{f}:…" for f in list(fields)[:2]))
        values = typed.options
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise LineError(f"the form has no field {unknown[0]}: (it has "
                            + ", ".join(f"{f}:" for f in fields) + ")")
        for name, field in fields.items():  # what Discord's client would not send
            value = values.get(name, field.get("value") or "")
            if field.get("required", True) and not value:
                raise LineError(f"{name}: the form needs it")
            shortest, longest = field.get("min_length", 0), field.get("max_length", 4000)
            if value and not shortest <= len(value) <= longest:
                raise LineError(f"{name}: {shortest} to {longest:,} characters")
        form, self.form = self.form, None  # a form is sent once, as in Discord
        await self.show_reply(await self._call(self.fake.submit_modal(form, values)))

    def _check_seen_by(self, who: str | None, what: str) -> None:
        if who is not None and who != self.persona:
            raise LineError(f"only {who} could see that message and {what}; type as {who} "
                            "first")

    def show_file(self, arg: str) -> None:
        if not self.files:
            raise LineError("no message with a file shown yet (as moderator: /manage "
                            "attendees)")
        self._check_seen_by(self.files_seen_by, "its files")
        picked = _number(arg) if arg else 1
        if not 1 <= picked <= len(self.files):
            raise LineError(f"show which file? 1 to {len(self.files)}, e.g. show 1")
        name, data = self.files[picked - 1]
        self.say(f"  📎 {name} ({len(data):,} bytes)")
        if b"\0" in data:
            self.say("  (not text: nothing to show)")
            return
        for row in data.decode("utf-8-sig", "replace").splitlines():
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
            self.show_form(reply)
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



def form_fields(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """A form's text inputs, in a row each (or a label's component), in order."""
    fields = []
    for row in modal.get("components", []):
        inner = row.get("components") or [row.get("component") or {}]
        fields += [c for c in inner if c.get("type") == 4]
    return fields


def _count(arg: str, default: int, what: str) -> int:
    if not arg:
        return default
    if (count := _number(arg)) < 1:
        raise LineError(f"{arg!r} is not a number of {what}")
    return count


def _number(arg: str) -> int:
    """A count or a place in a list as typed: ASCII digits, at most 9 of them (Python's
    int() refuses past 4,300 digits, and takes other scripts' digits); -1 for anything
    else, which no list has."""
    if not (arg.isascii() and arg.isdigit()) or len(arg) > 9:
        return -1
    return int(arg)
