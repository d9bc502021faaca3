"""Shards: which one a guild is on (Discord's rule), and the shards one process runs.

A process that runs only some shards has only their guilds (their channels, their
interactions), so it does the background work of those guilds alone.
"""

from __future__ import annotations

from dataclasses import dataclass


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's rule: the shard whose gateway session carries the guild."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class Shards:
    """Shards `ids` of `count`: the part of the guilds one process runs."""

    count: int
    ids: tuple[int, ...]

    def runs(self, guild_id: int) -> bool:
        return shard_of(guild_id, self.count) in self.ids
