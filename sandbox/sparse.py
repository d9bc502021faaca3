"""Answers as sparse as Discord documents them: the optional fields left out, the nullable
ones null (`FakeDiscord.omitted_fields`, `FakeDiscord.nulled_fields`)."""

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
