"""The calls to Discord that give one member a role or take it back, and what each answer
means for the caller (`bot.adapters.attendee_roles` decides which calls to make): done,
failed and worth trying again, or pointless to go on with the role's other members.

Kept apart so that every reading of Discord's answers is in one place: a refusal tells the
moderators (`bot.adapters.role_notices`), a server without the route says so once, and
10011 Unknown Role (the role deleted) is passed to the owner, which stops giving it out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiohttp
import discord

from bot.adapters.missing_routes import MEMBER_ROLES, route_missing, route_offered, say_missing
from bot.adapters.role_changes import timed_out_until
from bot.adapters.role_notices import RoleNotices
from bot.adapters.roles import gives_moderator_powers
from bot.app import EventBot, out_of_server
from bot.logs import error_line

log = logging.getLogger(__name__)

UNKNOWN_ROLE = 10011  # Discord's error code: the role was deleted


def refuses_every_call(exc: discord.HTTPException) -> bool:
    """A 429 that reached the bot (discord.py waits out Discord's own, with its Via header:
    this is Cloudflare's ban of the bot's address, which each call made into lengthens) or a
    401 (the token reset or revoked): the next member's call would be refused as well."""
    return exc.status in (401, 429)


class RoleCalls:
    """One role given to or taken from one member, Discord's answer read. `role_gone`
    (guild id, role id) is awaited when Discord says the role was deleted."""

    def __init__(self, bot: EventBot, notices: RoleNotices,
                 role_gone: Callable[[int, int], Awaitable[None]]) -> None:
        self.bot = bot
        self.notices = notices
        self._role_gone = role_gone

    def _timed_out(self, guild_id: int, role_id: int) -> bool:
        """Whether the bot is timed out in the server: Discord refuses it every role then,
        each refusal counting toward its limit of invalid requests. Its roles are given
        and taken back when the timeout is lifted or runs out (`AttendeeRoles.role_updated`,
        `bot.adapters.my_timeout`)."""
        until = timed_out_until(self.bot.get_guild(guild_id))
        if until is not None:
            log.warning("not giving or taking back role %s in guild %s: the bot is timed out "
                        "there until %s", role_id, guild_id, until.isoformat())
        return until is not None

    async def grant(self, guild_id: int, event_id: int, user_id: int, role_id: int
                    ) -> bool | None:
        """Give the role. True: the member counts as holding it (or has left the server);
        False: failed (a server error: maybe given), to retry after a wait (or at the next
        start, after a stop); None: not given, and pointless to go on."""
        if out_of_server(self.bot, guild_id) or self._timed_out(guild_id, role_id):
            return None  # known already: not asked
        guild = self.bot.get_guild(guild_id)
        role = guild.get_role(role_id) if guild is not None else None
        if role is not None and gives_moderator_powers(role):
            # Given moderator permissions since it was picked (`/manage role` refuses such
            # a role): not handed to whoever RSVPs; the moderators are told, and the members
            # get it once the permissions are taken off (`AttendeeRoles.role_updated`).
            log.warning("not giving role %s in guild %s: it carries moderator permissions "
                        "now (confirmed for event %s)", role_id, guild_id, event_id)
            self.notices.refused(guild_id, event_id, role_id, giving=True)
            return None
        try:
            await self._made(role_id, self.bot.http.add_role(guild_id, user_id, role_id,
                                                             reason="confirmed for an event"))
            return True
        except discord.Forbidden:
            self._forbidden(guild_id, event_id, role_id, giving=True,
                            why=f"confirmed for event {event_id}")
            return None
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_ROLE:
                await self._role_gone(guild_id, role_id)
                return None
            if route_missing(exc):  # not a member gone: the server gives no roles
                self._unoffered(guild_id, event_id, role_id, exc, giving=True)
                return None
            log.info("user %s is no longer in guild %s; no role for them", user_id, guild_id)
            return True
        except discord.HTTPException as exc:
            if refuses_every_call(exc):
                self._held_off(guild_id, role_id, exc, giving=True)
                return None
            self._failed(guild_id, role_id, user_id, exc, giving=True)
            return False
        except aiohttp.ClientConnectionError as exc:  # (reset, or closed before the answer)
            self._failed(guild_id, role_id, user_id, exc, giving=True)
            return False

    async def remove(self, guild_id: int, event_id: int, user_id: int, role_id: int,
                     why: str) -> bool | None:
        """Take the role back. True: done (or nothing to take); False: failed, to retry;
        None: failed, and pointless to go on with other members."""
        if out_of_server(self.bot, guild_id) or self._timed_out(guild_id, role_id):
            return None  # known already: not asked
        try:
            await self._made(role_id, self.bot.http.remove_role(guild_id, user_id, role_id,
                                                                reason=why))
            return True
        except discord.Forbidden:
            self._forbidden(guild_id, event_id, role_id, giving=False, why=why)
            return None
        except discord.NotFound as exc:
            if route_missing(exc):  # not a member gone: the server takes no roles back
                self._unoffered(guild_id, event_id, role_id, exc, giving=False)
                return None
            if exc.code == UNKNOWN_ROLE:  # deleted: nobody has it, nor is asked for it again
                await self._role_gone(guild_id, role_id)
            return True  # (else the member left: nobody has it there)
        except discord.HTTPException as exc:
            if refuses_every_call(exc):
                self._held_off(guild_id, role_id, exc, giving=False)
                return None
            self._failed(guild_id, role_id, user_id, exc, giving=False)
            return False
        except aiohttp.ClientConnectionError as exc:  # (reset, or closed before the answer)
            self._failed(guild_id, role_id, user_id, exc, giving=False)
            return False

    async def _made(self, role_id: int, call: Awaitable[object]) -> None:
        """Make the call; once Discord took it, the role works (again): a refusal is news,
        and the server offers the route."""
        await call
        self.notices.went_through(role_id)
        route_offered(MEMBER_ROLES)

    def _forbidden(self, guild_id: int, event_id: int, role_id: int, *, giving: bool,
                   why: str) -> None:
        """Discord's 403 to giving (or taking back) a role: the bot was removed from the
        server meanwhile (the role waits for its return), else it may not manage the role,
        which only the moderators can fix (they are told)."""
        if out_of_server(self.bot, guild_id):
            log.info("not in guild %s: role %s waits for the bot to be invited back to be %s "
                     "(%s)", guild_id, role_id, "given" if giving else "taken back", why)
            return
        log.warning("not allowed to %s role %s in guild %s (I need Manage Roles and a role "
                    "above it; %s)", "give" if giving else "remove", role_id, guild_id, why)
        self.notices.refused(guild_id, event_id, role_id, giving=giving)

    @staticmethod
    def _failed(guild_id: int, role_id: int, user_id: int,
                exc: discord.HTTPException | aiohttp.ClientConnectionError, *,
                giving: bool) -> None:
        """Discord failed the call (a 5xx, once discord.py's own tries are over), or the
        connection to it failed: the member may have the role or not; asked again after a
        wait (`False`). Discord's trouble or the network's, not a defect: one line, no
        traceback."""
        if isinstance(exc, discord.HTTPException):
            failed = f"Discord failed %s role %s %s user %s in guild %s (HTTP {exc.status}: %s)"
            said = exc.text or exc.response.reason
        else:
            failed = "could not reach Discord for %s role %s %s user %s in guild %s (%s)"
            said = error_line(exc)
        log.warning(failed + "; asked again after a wait", "giving" if giving else
                    "taking back", role_id, "to" if giving else "from", user_id, guild_id,
                    said)

    @staticmethod
    def _held_off(guild_id: int, role_id: int, exc: discord.HTTPException, *,
                  giving: bool) -> None:
        """Discord refuses every call for now (`refuses_every_call`): the role's other
        members are not asked either (None: the caller stops, and tries again after a
        wait); nothing the moderators can fix."""
        log.warning("Discord refused %s role %s in guild %s (%s %s): it refuses every call "
                    "for now; the role's other members wait too", "giving" if giving
                    else "taking back", role_id, guild_id, exc.status, exc.response.reason)

    def _unoffered(self, guild_id: int, event_id: int, role_id: int,
                   exc: discord.HTTPException, *, giving: bool) -> None:
        """A role given or taken back on a server without that route: said once in the
        log and to the moderators; nothing more to try with other members (None)."""
        say_missing(log, MEMBER_ROLES, "attendee roles are skipped", exc)
        self.notices.refused(guild_id, event_id, role_id, giving=giving, unoffered=True)
