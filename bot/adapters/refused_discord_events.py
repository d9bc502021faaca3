"""Discord events refused for want of the permission, made once a moderator gives it.

Without Manage Events (or Create Events) the bot cannot create or update an event's Discord
event; the moderator's reply says so and asks them to turn it on for the bot's role. Discord
tells the bot of that change (GUILD_ROLE_UPDATE, under the guilds intent it has; a role
given to the bot, GUILD_MEMBER_UPDATE of its own member, sent whatever its intents), and the
events refused in that server are then made or brought up to date at once
(`cogs.manage`), not at their next announce or edit, which may never come. A change that
still leaves the bot without the permission asks Discord nothing; one while it has it
makes what is still waiting (one whose step failed, noted again). Kept in memory, one
entry per event refused: a restart forgets them (`/manage announce` then makes it).
"""

from __future__ import annotations

import discord

from bot.adapters.role_changes import allowed_by, may_schedule, my_roles


class RefusedDiscordEvents:
    """The events whose Discord event was refused for want of the permission, by server."""

    def __init__(self) -> None:
        # server -> event -> whether its Discord event is to be made (an announce), where
        # otherwise only the one it has is to be updated
        self._waiting: dict[int, dict[int, bool]] = {}

    def refused(self, guild_id: int, event_id: int, *, create: bool) -> None:
        waiting = self._waiting.setdefault(guild_id, {})
        waiting[event_id] = waiting.get(event_id, False) or create

    def settled(self, guild_id: int, event_id: int) -> None:
        """The event's Discord event was tried with the permission: nothing waits for it."""
        waiting = self._waiting.get(guild_id)
        if waiting is not None and waiting.pop(event_id, None) is not None and not waiting:
            del self._waiting[guild_id]

    def granted(self, guild: discord.Guild) -> list[tuple[int, bool]]:
        """After a change of the bot's roles or of a role of its: the events refused in
        `guild` (each with whether to create its Discord event), if the bot may now make
        Discord events there; they are no longer waiting. None otherwise."""
        if guild.id not in self._waiting or not may_schedule(allowed_by(my_roles(guild))):
            return []
        return list(self._waiting.pop(guild.id).items())

    def forget_guild(self, guild_id: int) -> None:
        """The bot left the server: nothing of it waits."""
        self._waiting.pop(guild_id, None)
