"""The `data` of slash command and autocomplete interactions, typed by the synced schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.limits import STRING_OPTION_LENGTH
from sandbox.models import ALL_PERMISSIONS, Attachment, Channel, Guild, Member, Role, User, _id


class CommandOptions:
    """Turns a command line and Python values into what a Discord client would send."""

    def _command_data(
        self,
        guild: Guild | None,
        actor: Member | User,
        channel: Channel,
        command: str,
        values: Mapping[str, Any],
        focused: str | None = None,
        *,
        user_install: bool = False,
    ) -> dict[str, Any]:
        """``data`` of an APPLICATION_COMMAND / AUTOCOMPLETE interaction, from the synced schema.
        ``user_install``: used through a member's own install of the app, which Discord
        offers only for global commands whose installation contexts include 1 (user)."""
        words = command.split()
        schema = None
        scope: int | None = None
        for scope in ([guild.id] if guild is not None else []) + [None]:
            schema = next(
                (
                    c
                    for c in self._commands.get(scope, ())
                    if c["name"] == words[0] and c.get("type", 1) == 1
                ),
                None,
            )
            if schema is not None:
                break
        if schema is None:
            synced = {s: [c["name"] for c in cmds] for s, cmds in self._commands.items()}
            raise LookupError(
                f"no slash command {words[0]!r} synced for this guild or globally; synced: {synced}"
            )
        if guild is None and (
            scope is not None
            or schema.get("dm_permission") is False
            or 1 not in (schema.get("contexts") or [1])
        ):
            raise LookupError(f"/{command} is not usable in DMs (guild-only or guild-synced)")
        if guild is not None and 0 not in (schema.get("contexts") or [0]):
            raise LookupError(f"/{command} is not usable in guilds (contexts={schema['contexts']})")
        installs = schema.get("integration_types") or self.installation_contexts
        if user_install and (scope is not None or 1 not in installs):
            raise LookupError(f"/{command} is not offered to user installs "
                              f"(integration_types={installs}, guild-synced: {scope is not None})")

        data: dict[str, Any] = {"id": schema["id"], "name": schema["name"], "type": 1}
        if scope is not None:
            data["guild_id"] = str(scope)
        container = data
        for word in words[1:]:
            sub = next(
                (o for o in schema.get("options", ()) if o["name"] == word and o["type"] in (1, 2)),
                None,
            )
            if sub is None:
                raise LookupError(
                    f"/{command}: {schema['name']!r} has no sub-command or group {word!r}"
                )
            option: dict[str, Any] = {"type": sub["type"], "name": word}
            container["options"] = [option]
            container, schema = option, sub
        params = schema.get("options", [])
        if any(p["type"] in (1, 2) for p in params):
            subs = [p["name"] for p in params]
            raise LookupError(f"/{command} is a group; name one of its sub-commands: {subs}")

        by_name = {p["name"]: p for p in params}
        unknown = set(values) - by_name.keys()
        if unknown:
            raise LookupError(
                f"/{command} has no options {sorted(unknown)}; it has {sorted(by_name)}"
            )
        resolved: dict[str, dict[str, Any]] = {}
        options = []
        for param in params:
            name = param["name"]
            if name == focused:
                if not param.get("autocomplete"):  # Discord completes no other option
                    raise LookupError(f"/{command}: option {name!r} has no autocomplete")
                value = values.get(name, "")
                options.append(
                    {"type": param["type"], "name": name, "value": str(value), "focused": True}
                )
            elif name in values:
                value = self._option_value(param, values[name], resolved, guild, actor, channel)
                options.append({"type": param["type"], "name": name, "value": value})
            elif param.get("required") and focused is None:
                raise ValueError(f"/{command}: required option {name!r} is missing")
        if focused is not None and focused not in by_name:
            raise LookupError(f"/{command} has no option {focused!r}")
        container["options"] = options
        if resolved:
            data["resolved"] = resolved
        return data

    def _option_value(
        self,
        param: dict[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        guild: Guild | None,
        actor: Member | User,
        channel: Channel,
    ) -> Any:
        kind, name = param["type"], param["name"]
        if kind == 3:
            value = str(value)
        elif kind == 4:
            value = int(value)
        elif kind == 5:
            value = bool(value)
        elif kind == 10:
            value = float(value)
        elif kind == 7:
            target = value if isinstance(value, Channel) else self._channels[_id(value)]
            kinds = param.get("channel_types")
            if kinds and target.type not in kinds:
                # Discord's picker offers only the option's channel types, and Discord
                # refuses any other channel sent for it.
                raise ValueError(f"option {name!r} takes channels of types {kinds}, "
                                 f"not {target.name!r} (type {target.type})")
            perms = (
                self.permissions(actor, target) if isinstance(actor, Member) else ALL_PERMISSIONS
            )
            resolved.setdefault("channels", {})[str(target.id)] = {
                **target.payload(),
                "permissions": str(perms),
            }
            return str(target.id)
        elif kind in (6, 8, 9):
            if isinstance(value, Role):
                resolved.setdefault("roles", {})[str(value.id)] = value.payload()
                return str(value.id)
            user = value.user if isinstance(value, Member) else self.users[_id(value)]
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            target = guild.members.get(user.id) if guild is not None else None
            if target is not None:
                member = target.payload()
                del member["user"]
                member["permissions"] = str(self.permissions(target, channel))
                resolved.setdefault("members", {})[str(user.id)] = member
            return str(user.id)
        elif kind == 11:
            if not isinstance(value, Attachment):
                raise TypeError(f"option {name!r} takes an Attachment, not {value!r}")
            attachment = self._store_file(value.filename, value.data, value.content_type)
            resolved.setdefault("attachments", {})[attachment["id"]] = attachment
            return attachment["id"]
        choices = param.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(
                f"option {name!r}: {value!r} is not one of {[c['value'] for c in choices]}"
            )
        # Discord's client takes no value outside the option's bounds, and Discord refuses
        # one sent anyway: a number outside min_value..max_value, a string outside
        # min_length..max_length (at most 6,000 characters in any case).
        if kind == 3:
            least, most = param.get("min_length", 0), param.get("max_length", STRING_OPTION_LENGTH)
            if not least <= len(value) <= most:
                raise ValueError(f"option {name!r} takes {least} to {most} characters, "
                                 f"not {len(value)}")
        elif kind in (4, 10):
            least, most = param.get("min_value"), param.get("max_value")
            if (least is not None and value < least) or (most is not None and value > most):
                raise ValueError(f"option {name!r} takes {least} to {most}, not {value}")
        return value
