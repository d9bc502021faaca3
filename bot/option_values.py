"""A slash command's option values against what the command registered for them.

Discord's client offers only what an option registered (its kind, choices, channel types,
bounds), and Discord refuses anything else; but a modified client or another service that
speaks Discord's API may send it anyway, and discord.py passes most of it through: a
string for a number of seats, a value outside the choices, a voice channel for one that
takes text channels. Each becomes one line naming the option and what it takes, before
the command runs.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from typing import Any

import discord
from discord import app_commands
from discord.enums import AppCommandOptionType as Kind
from discord.enums import ChannelType

from bot.errors import InvalidValue
from bot.i18n import N_, OptionName
from bot.render import clip

# Discord's own limits on a string option's value, and on what a quoted value shows.
STRING_MOST = 6000
SHOWN = 100
SUB_COMMANDS = (1, 2)  # a sub-command or a group: its options are the command's
POSTABLE = {ChannelType.text, ChannelType.news}
# Where the resolved objects of each kind are, and what to pick when one is not there.
RESOLVED = {
    Kind.user: (("users",), N_("the {option} option takes a member of this server: pick one "
                               "from the list")),
    Kind.mentionable: (("users", "roles"), N_("the {option} option takes a member or a role "
                                              "of this server: pick one from the list")),
    Kind.role: (("roles",), N_("the {option} option takes a role of this server: pick one "
                               "from the list")),
    Kind.channel: (("channels",), N_("the {option} option takes a channel of this server: "
                                     "pick one from the list")),
    Kind.attachment: (("attachments",), N_("the {option} option takes a file: attach one")),
}


def check_option_values(interaction: discord.Interaction) -> None:
    """Raise InvalidValue for the first option whose value the command did not register:
    of another kind, outside its choices or bounds, or a channel of another type."""
    command = interaction.command
    data: Any = interaction.data
    if not isinstance(command, app_commands.Command) or not isinstance(data, dict):
        return
    options = _own_options(data)
    if options is None:
        return
    params = _parameters(command)
    resolved = data.get("resolved")
    resolved = resolved if isinstance(resolved, dict) else {}
    for option in options:
        if not isinstance(option, dict) or option.get("focused"):
            continue
        param = params.get(str(option.get("name")))
        if param is not None and "value" in option:
            _check(param, option["value"], resolved)


def offers_autocomplete(interaction: discord.Interaction) -> bool:
    """Whether an autocomplete's focused option is one of the command's with autocomplete
    (not none focused, nor one without: a stale or modified client's)."""
    command = interaction.command
    if not isinstance(command, app_commands.Command):
        return True  # discord.py says what is missing (a stale command)
    data: Any = interaction.data
    options = _own_options(data) if isinstance(data, dict) else None
    focused = next((o.get("name") for o in options or () if isinstance(o, dict)
                    and o.get("focused")), None)
    param = _parameters(command).get(str(focused)) if focused is not None else None
    return param is not None and bool(param.autocomplete)


def _own_options(data: dict[str, Any]) -> list[Any] | None:
    """The options of the command an interaction's data names, within its sub-command
    and group; None when they are not a list."""
    options = data.get("options")
    while (isinstance(options, list) and len(options) == 1 and isinstance(options[0], dict)
           and options[0].get("type") in SUB_COMMANDS):
        options = options[0].get("options")
    return options if isinstance(options, list) else None


# Each command's parameters by the name Discord sends: discord.py builds a new wrapper of
# each at every `Command.parameters`, and every command a member runs is checked.
_PARAMETERS: weakref.WeakKeyDictionary[app_commands.Command[Any, ..., Any],
                                       dict[str, app_commands.Parameter]] = (
    weakref.WeakKeyDictionary())


def _parameters(command: app_commands.Command[Any, ..., Any]
                ) -> dict[str, app_commands.Parameter]:
    params = _PARAMETERS.get(command)
    if params is None:
        params = _PARAMETERS[command] = {param.display_name: param
                                         for param in command.parameters}
    return params


def _check(param: app_commands.Parameter, value: Any, resolved: Mapping[str, Any]) -> None:
    option = OptionName(param.display_name)
    kind = param.type
    if kind in RESOLVED:
        _check_resolved(param, option, value, resolved)
        return
    if kind is Kind.string:
        if not isinstance(value, str):
            raise InvalidValue(N_("the {option} option takes text"), option=option)
        least = int(param.min_value or 0)
        most = int(param.max_value if param.max_value is not None else STRING_MOST)
        if len(value) > most:
            raise InvalidValue(N_("the {option} option takes at most {most:,} characters"),
                               option=option, most=most)
        if len(value) < least:
            raise (InvalidValue(N_("the {option} option can't be empty"), option=option)
                   if least <= 1 else
                   InvalidValue(N_("the {option} option takes at least {least:,} characters"),
                                option=option, least=least))
    elif kind is Kind.boolean:
        if not isinstance(value, bool):
            raise InvalidValue(N_("the {option} option takes True or False"), option=option)
    elif kind in (Kind.integer, Kind.number):
        whole = kind is Kind.integer
        if (isinstance(value, bool) or not isinstance(value, int if whole else (int, float))
                or not math.isfinite(value)):
            raise InvalidValue(N_("the {option} option takes a whole number") if whole else
                               N_("the {option} option takes a number"), option=option)
        _check_bounds(option, value, param.min_value, param.max_value)
    if param.choices and value not in [choice.value for choice in param.choices]:
        raise InvalidValue(N_("{value!r} isn't one of the choices for the {option} option: "
                              "pick one from the list"),
                           value=clip(str(value), SHOWN), option=option)


def _check_bounds(option: OptionName, value: float, least: float | None,
                  most: float | None) -> None:
    if (least is None or value >= least) and (most is None or value <= most):
        return
    if least is not None and most is not None:
        raise InvalidValue(N_("the {option} option takes a number from {least:,} to {most:,}"),
                           option=option, least=least, most=most)
    if least is not None:
        raise InvalidValue(N_("the {option} option takes a number of at least {least:,}"),
                           option=option, least=least)
    raise InvalidValue(N_("the {option} option takes a number of at most {most:,}"),
                       option=option, most=most)


def _check_resolved(param: app_commands.Parameter, option: OptionName, value: Any,
                    resolved: Mapping[str, Any]) -> None:
    """A user, role, channel or attachment: one Discord resolved for the interaction, and a
    channel of a type the option registered."""
    places, missing = RESOLVED[param.type]
    found = None
    if isinstance(value, str):
        found = next((held[value] for place in places
                      if isinstance(held := resolved.get(place), dict) and value in held), None)
    if not isinstance(found, dict):
        raise InvalidValue(missing, option=option)
    if param.type is not Kind.channel or not param.channel_types:
        return
    allowed = {kind.value for kind in param.channel_types}
    if found.get("type") in allowed:
        return
    name = clip(str(found.get("name") or ""), SHOWN)
    if set(param.channel_types) == POSTABLE:
        raise InvalidValue(N_("**{channel}** isn't a text or announcement channel: pick a text "
                              "or announcement channel for the {option} option"),
                           channel=name, option=option)
    raise InvalidValue(N_("**{channel}** isn't a kind of channel the {option} option takes: "
                          "pick one from the list"), channel=name, option=option)
