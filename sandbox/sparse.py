"""Answers as sparse as Discord documents them: the optional fields left out, the nullable
ones null, in every answer and gateway event (`FakeDiscord.omitted_fields`,
`FakeDiscord.nulled_fields`), or given fields of given gateway events left out
(`FakeDiscord.omitted_paths`)."""

from __future__ import annotations

from typing import Any

# Fields Discord documents as optional (``field?``) in the objects the bot is given, and
# that discord.py or the bot reads: a member's nick, premium_since, pending and
# communication_disabled_until, a channel's topic and parent_id, a role's tags and
# unicode_emoji, a user's banner.
OPTIONAL_FIELDS = frozenset({"nick", "premium_since", "pending", "communication_disabled_until",
                             "topic", "parent_id", "tags", "unicode_emoji", "banner"})
# Fields Discord documents as nullable (``?type``) wherever they occur: a user's avatar and
# global_name, a member's avatar, a message's edited_timestamp, a guild's or role's icon,
# a guild's splash.
NULLABLE_FIELDS = frozenset({"avatar", "global_name", "edited_timestamp", "icon", "splash"})


def thinned(data: Any, omitted: frozenset[str], nulled: frozenset[str]) -> Any:
    """A copy of `data` without the `omitted` keys, and with the `nulled` ones null, in
    every object at any depth."""
    if isinstance(data, dict):
        return {key: None if key in nulled else thinned(value, omitted, nulled)
                for key, value in data.items() if key not in omitted}
    if isinstance(data, list):
        return [thinned(item, omitted, nulled) for item in data]
    return data


def without_fields(data: Any, paths: set[str] | frozenset[str]) -> Any:
    """A copy of a payload without the fields ``paths`` name: dotted keys, ``*`` for every
    item of a list (``"member.permissions"``, ``"channels.*.topic"``). A field Discord
    documents as optional, or sends only sometimes, left out as another server may."""
    def drop(node: Any, parts: list[str]) -> Any:
        if not parts:
            return node
        head, rest = parts[0], parts[1:]
        if head == "*" and isinstance(node, list):
            return [drop(item, rest) for item in node]
        if not isinstance(node, dict) or head not in node:
            return node
        if not rest:
            return {key: value for key, value in node.items() if key != head}
        return {**node, head: drop(node[head], rest)}

    for path in paths:
        data = drop(data, path.split("."))
    return data
