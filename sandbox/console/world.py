"""The sandbox's server, "Sandbox": who is in it, its roles, and keeping it across runs.

A fresh sandbox has #general and #announcements, two people ("you", and "moderator" with
Manage Events and Manage Roles) and two roles the bot may give ("Attendee", "Speaker", below its own
role). People typed as with `as NAME` join it on the fly. The whole server, with the
messages and DMs the bot posted (and their buttons), is saved beside the sandbox
database after every console line and on the way out, and restored before the bot
connects on the next start: a button posted before a restart still works after it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

from sandbox import FakeDiscord, Guild, Member, User

# Fixed ids (in 2015, long before any id the local server hands out): the sandbox
# database's events, settings and RSVPs stay with this server and these people.
GUILD_ID = 100_000_000_000_000_001
MEMBER_ID = 100_000_000_000_000_002
MODERATOR_ID = 100_000_000_000_000_003

GIVABLE_ROLES = ("Attendee", "Speaker")  # below the bot's role: /manage role can give them
MANAGER_ROLE = "Event Manager"  # what the local server calls the Manage Events role
MANAGE_ROLES = 1 << 28
PERSON_NAME = re.compile(r"[a-z0-9_.]{2,32}")  # Discord's characters for usernames


def is_person_name(name: str) -> bool:
    """Discord's rule for usernames: those characters, no "..", and none of the names
    Discord keeps for itself (everyone, here, or one with "discord" in it)."""
    return bool(PERSON_NAME.fullmatch(name)) and ".." not in name and "discord" not in name and (
        name not in ("everyone", "here"))


class WorldError(Exception):
    """The saved server cannot be loaded; one line."""


def state_path(database: Path) -> Path:
    """Where the server is kept: beside the database (data/sandbox.state.json)."""
    return database.with_suffix(".state.json")


def claim(database: Path) -> None:
    """Mark `database`, about to be made, as the sandbox's own (`app.sandbox_made`): a
    saved server that names it and holds nothing yet, which `load_world` takes for none.
    A sandbox stopped before it first saves its server (Ctrl-C in its first second) leaves
    a database --fresh may delete. Made at once or not at all: of two sandboxes started
    together on names that share it, one claims it (`kept_for` tells the other)."""
    with (contextlib.suppress(FileExistsError),
          state_path(database).open("x", encoding="utf-8") as file):
        file.write(json.dumps({"database": database.name}))


def kept_for(database: Path) -> str | None:
    """The file name of the database whose server is saved beside `database`, as the
    saved server says; None if none is, or it does not say (saved before it did).
    `sandbox.sqlite3`, `sandbox.db` and `sandbox` would all keep theirs in
    `sandbox.state.json`: only one may."""
    try:
        saved = json.loads(state_path(database).read_bytes() or b"{}")
    except (OSError, ValueError, RecursionError):  # load_world tells what is wrong
        return None
    name = saved.get("database") if isinstance(saved, dict) else None
    return name if isinstance(name, str) else None


def forget(database: Path) -> None:
    """Delete the server saved beside `database` (--fresh); WorldError if it cannot be."""
    state = state_path(database)
    try:
        state.unlink(missing_ok=True)
    except OSError as exc:  # a folder in its place, say
        raise WorldError(f"{state}: cannot remove the saved sandbox ({exc.strerror})") from None


def new_world(fake: FakeDiscord) -> Guild:
    """A fresh Sandbox server with its two people and its roles."""
    guild = fake.add_guild("Sandbox", guild_id=GUILD_ID)
    for name in GIVABLE_ROLES:
        fake.add_role(guild, name)
    # as on a real server, the bot's role is put above the roles it is meant to give
    mine = next(r for r in guild.roles.values() if r.bot_id == fake.bot_user.id)
    for position, role in enumerate((*(guild.role(n) for n in GIVABLE_ROLES), mine), start=1):
        role.position = position
    _pinned(fake, guild, "you", MEMBER_ID)
    _pinned(fake, guild, "moderator", MODERATOR_ID, manage_events=True)  # role on top
    guild.role(MANAGER_ROLE).permissions |= MANAGE_ROLES  # to give roles, as /manage role asks
    return guild


def _pinned(fake: FakeDiscord, guild: Guild, name: str, user_id: int, **kwargs: Any) -> Member:
    user = User(user_id, name)
    fake.users[user_id] = user
    return fake.add_member(guild, user=user, **kwargs)


def load_world(fake: FakeDiscord, path: Path) -> Guild | None:
    """The server saved at `path` restored into `fake`; None if nothing was saved."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise WorldError(f"{path}: cannot read the saved sandbox ({exc.strerror})") from None
    try:
        saved = json.loads(data.decode("utf-8")) if data else {}
        if isinstance(saved, dict) and saved.keys() <= {"database"}:
            return None  # `claim`ed by a sandbox stopped before it saved its server
        fake.restore_state(saved)
    except (ValueError, RecursionError, OverflowError) as exc:  # not UTF-8, bad JSON,
        # nested too deep, Infinity where a number goes, or StateError
        raise WorldError(f"{path}: cannot load the saved sandbox ({str(exc).splitlines()[0]}); "
                         "--fresh starts over") from None
    guild = fake.guilds.get(GUILD_ID)
    if guild is None:
        raise WorldError(f"{path}: the saved sandbox has no Sandbox server; --fresh starts over")
    with contextlib.suppress(KeyError):  # saved before its moderators could give roles
        guild.role(MANAGER_ROLE).permissions |= MANAGE_ROLES
    return guild


def save_world(fake: FakeDiscord, path: Path, database: str | None = None) -> None:
    """Write the server to `path` whole: a new file moved over the old one; it names
    the file name of its `database`, if given (`kept_for`)."""
    temporary = path.with_name(path.name + ".tmp")
    state = fake.export_state()
    if database is not None:
        state["database"] = database
    try:
        temporary.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def people(fake: FakeDiscord, guild: Guild) -> dict[str, Member]:
    """The people one can type as: every member but the bot and the server's owner."""
    found = {m.name: m for m in guild.members.values()
             if m.id not in (fake.bot_user.id, fake.owner.id)}
    return dict(sorted(found.items(), key=lambda item: item[1].id))


def is_manager(member: Member) -> bool:
    return any(role.name == MANAGER_ROLE for role in member.roles)
