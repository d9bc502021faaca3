"""Counts in words, for every text the bot shows: "1 seat", "2 seats"."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """`count` and `word`, in the plural unless the count is one: plural(2, "seat") is
    "2 seats", plural(1, "person", "people") is "1 person". Thousands are separated."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"
