"""The console's slash commands: the synced schema as a person types against it, options
typed as the Discord client would send them, and autocomplete."""

from __future__ import annotations

import errno
import mimetypes
import os
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sandbox import Attachment, Channel, Member, Role
from sandbox.console.parsing import LineError, parse_slash

_Named = TypeVar("_Named", Channel, Role, Member)
_WHOLE = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
OPTION_TYPES = {3: "text", 4: "whole number", 5: "true/false", 6: "member", 7: "channel",
                8: "role", 9: "member or role", 10: "number", 11: "file"}


class SlashCommands:
    """Console's part that runs slash commands and asks the bot for choices."""

    def _leaves(self) -> dict[str, dict[str, Any]]:
        """Every runnable command ("rsvp join") with its schema (options, description), and
        under "_shown" its words as the typer's client shows them ("管理 名额" in zh-CN)."""
        commands: dict[str, dict[str, Any]] = {}
        for command in [*self.fake.commands(), *self.fake.commands(self.guild)]:
            if command.get("type", 1) != 1:
                continue
            moderators = command.get("default_member_permissions") not in (None, "0")
            stack = [((command["name"],), (self.shown(command),), command)]
            while stack:
                words, shown, node = stack.pop()
                subs = [o for o in node.get("options", []) if o["type"] in (1, 2)]
                if not subs:
                    commands[" ".join(words)] = {**node, "_moderators": moderators,
                                                 "_shown": shown}
                stack += [((*words, s["name"]), (*shown, self.shown(s)), s) for s in subs]
        return commands

    def shown(self, node: dict[str, Any]) -> str:
        """A command's or option's name as the typer's client shows it."""
        return self._local_name(node) or node["name"]

    def _local_name(self, node: dict[str, Any]) -> str | None:
        """A command's or option's name in the typer's client language, if it has one."""
        local = (node.get("name_localizations") or {}).get(self.member.user.locale)
        return local if local and local != node["name"] else None

    def _registered_words(self, words: Sequence[str]) -> tuple[str, ...]:
        """The typed command's words with its localized names turned into the registered
        ones: ("管理", "归档") -> ("manage", "archive")."""
        found: list[str] = []
        level = [c for c in [*self.fake.commands(), *self.fake.commands(self.guild)]
                 if c.get("type", 1) == 1]
        for word in words:
            node = next((n for n in level if word in (n["name"], self._local_name(n))), None)
            if node is None:
                return (*found, *words[len(found):])
            found.append(node["name"])
            level = [o for o in node.get("options", []) if o["type"] in (1, 2)]
        return tuple(found)

    def _leaf(self, words: Sequence[str]) -> tuple[str, dict[str, Any]]:
        leaves = self._leaves()
        if not leaves:
            raise LineError("the bot has not registered its commands yet; try again in a moment")
        for size in range(len(words), 0, -1):
            name = " ".join(words[:size])
            if name in leaves:
                if size < len(words):
                    options = " ".join(f"{self.shown(p)}:"
                                       for p in leaves[name].get("options", []))
                    raise LineError(f"/{' '.join(leaves[name]['_shown'])} takes options as "
                                    "name:value"
                                    + (f" ({options})" if options else " (it has none)"))
                return name, leaves[name]

        def named_at(depth: int, under: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
            """The shown words of `under` (registered words), and the sorted shown names
            of the commands or groups at `depth` below them."""
            paths = [(n.split(), leaf["_shown"]) for n, leaf in leaves.items()
                     if n.split()[:depth] == list(under)]
            return (tuple(paths[0][1][:depth]) if paths else tuple(under),
                    sorted({shown[depth] for _, shown in paths}))

        shown, subs = named_at(len(words), words)
        if subs:
            raise LineError(f"/{' '.join(shown)} needs one of: {', '.join(subs)}")
        shown, subs = named_at(1, words[:1])
        if subs:
            raise LineError(f"/{shown[0]} has no {words[1]!r}; it has: {', '.join(subs)}")
        tops = named_at(0, ())[1]
        raise LineError(f"unknown command /{words[0]}; the bot has "
                        + ", ".join(f"/{t}" for t in tops) + " (help lists them)")

    def typed_options(self, name: str, schema: dict[str, Any],
                      raw: dict[str, str]) -> dict[str, Any]:
        """The options as the Discord client would send them, typed by the command's schema."""
        params = {p["name"]: p for p in schema.get("options", [])}
        command = " ".join(schema.get("_shown", (name,)))
        unknown = sorted(set(raw) - params.keys())
        if unknown:
            known = ", ".join(f"{self.shown(p)}:" for p in params.values()) or "none"
            raise LineError(f"/{command} has no option {unknown[0]}: (it has {known})")
        missing = [p for p, param in params.items() if param.get("required") and p not in raw]
        if missing:
            param = params[missing[0]]
            raise LineError(f"/{command} needs {self.shown(param)}:"
                            f"<{OPTION_TYPES.get(param['type'], 'value')}>")
        return {key: self._value(params[key], value) for key, value in raw.items()}

    def _value(self, param: dict[str, Any], value: str) -> Any:
        name, kind = self.shown(param), param["type"]
        if kind in (4, 10):
            # as Discord's client reads a number: ASCII digits, a minus, a decimal point;
            # not what Python's int() and float() also take ("5_0" for 50, "٣" for 3,
            # "nan", "inf"), which it would not send
            if not (_WHOLE if kind == 4 else _DECIMAL).fullmatch(value) or len(value) > 30:
                raise LineError(f"{name}: {value[:40]!r} is not a {OPTION_TYPES[kind]}")
            number: float = int(value) if kind == 4 else float(value)
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
            found = _picked(value.lstrip("#"), self.guild.channels.values())
            if found is not None:
                return found
            names = ", ".join(f"#{c.name}" for c in self.guild.channels.values())
            raise LineError(f"{name}: no channel {value!r} here ({names})")
        if kind in (6, 8, 9):  # a member, a role, or either: as Discord's picker offers them
            wanted = value.lstrip("@")
            if kind != 6 and (role := _picked(wanted, self.guild.roles.values())) is not None:
                return role
            if kind != 8 and (member := _picked(wanted, self.guild.members.values())) is not None:
                return member
            if kind == 8:
                raise LineError(f"{name}: no role {value!r} in this server (?role lists them)")
            raise LineError(f"{name}: nobody called {value!r} in this server")
        if kind == 11:
            limit = self.fake.attachment_size_limit  # what Discord's client uploads at most
            try:
                path = Path(value).expanduser()
                data = _read_upload(path, limit + 1)  # no further: /dev/zero has no end
            except OSError as exc:
                raise LineError(f"{name}: cannot read {value} ({exc.strerror})") from None
            except (ValueError, RuntimeError):  # a NUL in it; "~nosuchuser/..."
                raise LineError(f"{name}: no file can be named {value!r}") from None
            if len(data) > limit:
                raise LineError(f"{name}: {path.name} is larger than Discord uploads "
                                f"({limit:,} bytes at most)")
            kind_guess = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return Attachment(path.name, data, kind_guess)
        if kind == 3:  # Discord's client sends no text outside the option's lengths
            shortest, longest = param.get("min_length", 0), param.get("max_length", 6000)
            if not shortest <= len(value) <= longest:
                raise LineError(f"{name}: {shortest} to {longest:,} characters (you typed "
                                f"{len(value):,})")
        choices = param.get("choices")
        if choices and value not in [str(c["value"]) for c in choices]:
            raise LineError(f"{name}: one of " + ", ".join(str(c["value"]) for c in choices))
        return value

    async def slash(self, text: str) -> None:
        name, schema = self._leaf(self._registered_words(parse_slash(text).words))
        params = schema.get("options", [])
        # As a Discord client in the typer's language, the localized names work too
        # ("/管理 归档 撤销:True" is "/manage archive undo:True" in a zh-CN client).
        local = {local: p["name"] for p in params if (local := self._local_name(p))}
        line = parse_slash(text, [p["name"] for p in params] + list(local))
        named = [local.get(key, key) for key in line.options]
        if twice := next((option for option in named if named.count(option) > 1), None):
            # (by its name and its localized one: the one typed later would win, unsaid)
            raise LineError(f"{twice} is given twice")
        raw = {local.get(key, key): value for key, value in line.options.items()}
        options = self.typed_options(name, schema, raw)
        reply = await self._call(self.fake.slash(self.guild, self.member, name, options=options))
        await self.show_reply(reply)

    async def complete(self, text: str) -> None:
        option, _, typed = text.strip().partition(" ")
        option = option.rstrip(":").lower() or "event"
        if option in ("role", "member"):
            found = (self.role_names if option == "role" else self.member_names)(typed.strip())
            if not found:  # "…": a role or member whose name begins so
                self.say(f"  (no {option} called {_cut(typed.strip()).rstrip('…')}…)")
            for value, note in found:
                self.say(f"  {option}:{value}" + (f"  {note}" if note else ""))
            return
        fixed = self._fixed(option)
        found = None if fixed is not None else self._autocompleting(option)
        if fixed is None and found is None:
            raise LineError(f"no command offers choices for {option}: (try ?event or ?name)")
        choices = (fixed_choices(fixed, typed.strip()) if fixed is not None
                   else await self.choices(*found, typed.strip()))
        if not choices:
            self.say(f"  (no choices for {option}:{_cut(typed.strip())})")
        for choice in choices:
            self.say(f"  {option}:{choice['value']}  {choice['name']}")

    def _named(self, param: dict[str, Any], option: str) -> bool:
        """Whether `option` names `param`, as registered or as the typer's client shows it."""
        return option in (param["name"], self._local_name(param))

    def _fixed(self, option: str) -> dict[str, Any] | None:
        """The first command option called `option` whose choices are fixed (a Discord
        client lists them as a menu), if any command has one."""
        return next((p for schema in self._leaves().values()
                     for p in schema.get("options", [])
                     if self._named(p, option) and p.get("choices")), None)

    def _autocompleting(self, option: str) -> tuple[str, str] | None:
        """The command to ask for `option`'s choices (one that everybody can use first),
        and the option's registered name."""
        found = [(schema.get("_moderators", False), name, p["name"])
                 for name, schema in self._leaves().items() for p in schema.get("options", [])
                 if self._named(p, option) and p.get("autocomplete")]
        return min(found)[1:] if found else None

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


def fixed_choices(param: dict[str, Any], typed: str) -> list[dict[str, Any]]:
    """An option's fixed choices that match what was typed, as Discord's client narrows
    its menu: the typed text within a choice's name or at the start of its value."""
    wanted = typed.casefold()
    return [c for c in param.get("choices", [])
            if wanted in c["name"].casefold() or str(c["value"]).casefold().startswith(wanted)]


def _picked(wanted: str, among: Iterable[_Named]) -> _Named | None:
    """The channel, role or member named `wanted` (or with that id), as Discord's picker
    finds it whatever the case typed ("attendee" for the role Attendee); of several that
    differ only by case, the one typed exactly, or none."""
    candidates = list(among)
    exact = next((c for c in candidates if wanted in (c.name, str(c.id))), None)
    if exact is not None:
        return exact
    folded = [c for c in candidates if c.name.casefold() == wanted.casefold()]
    return folded[0] if len(folded) == 1 else None


def _cut(typed: str, most: int = 80) -> str:
    """What was typed, quoted back in a line: a word typed by mistake may be a page long."""
    return typed if len(typed) <= most else typed[:most - 1] + "…"


def _quoted(value: str) -> str:
    return f'"{value}"' if " " in value else value


def _read_upload(path: Path, most: int) -> bytes:
    """At most `most` bytes of the file a member "uploads": a file, or a device that
    answers at once (/dev/zero). A pipe or a terminal would hold the console, and the
    local Discord on its loop, until something wrote to it: refused as no file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISREG(mode) or (stat.S_ISCHR(mode) and not os.isatty(fd))):
            raise OSError(errno.EINVAL, "not a file")
        os.set_blocking(fd, True)
        with os.fdopen(os.dup(fd), "rb") as file:
            return file.read(most)
    finally:
        os.close(fd)
