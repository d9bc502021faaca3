"""The command tree: one error handler for every slash command, and the reply helper.

Domain errors and failed checks become a short ephemeral message; anything
unexpected is logged with the command, user and guild, and the member is told
something went wrong without a traceback.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import discord
from discord import app_commands

from bot.adapters.discord_limit import LIMITED_WAIT, retry_after
from bot.errors import HostShort, InvalidValue, UserError
from bot.i18n import N_, Language, Text, language
from bot.logs import error_line, one_line
from bot.models import storable_text
from bot.option_values import check_option_values, offers_autocomplete
from bot.recent import Allowance
from bot.render import CONTENT, clip, safe
from bot.times import timestamp

if TYPE_CHECKING:
    from bot.app import EventBot

log = logging.getLogger(__name__)
T = TypeVar("T")

USER_ERRORS = (UserError,)
# A command as the member's client knows it, which the bot no longer has (or not with
# those options): the commands changed since the client loaded them.
STALE_COMMAND = (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)
# Discord's error codes for an interaction it no longer takes answers to: the first
# response came after its 3 s, or a follow-up after its token's 15 minutes.
FORGOTTEN = (10062, 50027)  # Unknown interaction, Invalid webhook token
UNKNOWN_MESSAGE = 10008
# Discord's "Interaction has already been acknowledged": a first response the interaction
# already has. Ours, when its answer was lost (a 500 or a timeout after Discord acted on
# it) and discord.py's retry met the first one.
ACKNOWLEDGED = 40060
# Discord's codes for a message (or a thread's title) that the server's AutoMod blocked: a
# keyword or spam rule, or its harmful-links filter. The same message would be blocked
# again: not retried, and no fault of Discord's nor of the bot.
AUTOMOD_BLOCKED = (200000, 200001, 240000)
NO_MENTIONS = discord.AllowedMentions.none()
# A notice's text carries page and moderator text (a title, a venue), which may hold a web
# address: sent with this, Discord draws no preview card of the address's site (its title
# and picture under the bot's words) in the channel or in members' DMs. The link still works.
NO_PREVIEWS = True
ANSWERABLE = (2, 3, 4, 5)  # interaction types that take an answer: command, component,
# autocomplete (choices, not a message) and modal
# The kinds of value an option takes, as a refused value's reply names them (Discord's
# option type names, which are English).
OPTION_KINDS = {"string": N_("string"), "integer": N_("integer"), "boolean": N_("boolean"),
                "user": N_("user"), "channel": N_("channel"), "role": N_("role"),
                "mentionable": N_("mentionable"), "number": N_("number"),
                "attachment": N_("attachment")}


# Discord waits 3 s for an interaction's first response, then forgets the interaction
# ("Unknown interaction") though what it asked for may be done. An answer not ready
# DEFER_AFTER seconds in (the database held by another process, say) is deferred first.
# The 3 s run from when Discord made the interaction (its id's time), so the time it took
# to arrive counts too; but by at most DEFER_AFTER - SOONEST_DEFER, so that a clock ahead
# of Discord's cannot make every answer a deferral and a follow-up, twice the requests.
DEFER_AFTER = 2.0
SOONEST_DEFER = 0.5
# Discord's time for an interaction's first response (then "Unknown interaction").
FIRST_RESPONSE_WITHIN = 3.0
# A command's `extras`: its answer is for the whole channel (deferred publicly), or its
# first response is a form (which cannot follow a deferral).
_PUBLIC_REPLY, _OPENS_FORM = "eventbot:public_reply", "eventbot:opens_form"
PUBLIC_REPLY = {_PUBLIC_REPLY: True}
OPENS_FORM = {_OPENS_FORM: True}
# A member's public answers in one channel, at most, in a window of as many seconds: a
# modified client sending a command as fast as it is answered would otherwise post
# thousands of replies for everyone (slowmode does not hold slash commands). Past it
# the answers are the member's alone, until the window ends.
PUBLIC_REPLIES, PUBLIC_WINDOW = 6, 60.0
# Key in an interaction's `extras`: False when its command's public answer is the
# member's alone (PUBLIC_REPLIES spent).
_PRIVATE_NOW = "eventbot:private_now"
# Keys in `extras`: the timer, a deferral on its way, a deferral's placeholder not yet
# answered (whether it is ephemeral), a deferral sent whose fate is unknown (whether it
# was ephemeral), and a first response Discord has that discord.py took for failed (a
# 40060 said so): what follows it is a follow-up, as after any first response.
_DEADLINE, _DEFERRING, _PLACEHOLDER, _DEFER_SENT, _HEARD_LATE = (
    "eventbot:deadline", "eventbot:deferring", "eventbot:placeholder", "eventbot:defer_sent",
    "eventbot:heard_late")
# Key in `extras`: when the interaction reached the bot, by time.monotonic() (`arrived`).
_ARRIVED = "eventbot:arrived"


def answer_in_time(interaction: discord.Interaction, *, public: bool = False) -> None:
    """Defer the interaction if its first response has not begun DEFER_AFTER seconds after
    Discord made it: the member sees "thinking…", and the answer arrives when ready."""
    interaction.extras[_DEADLINE] = asyncio.get_running_loop().call_later(
        defer_in(interaction), _defer_late, interaction, public)


def defer_in(interaction: discord.Interaction) -> float:
    """Seconds from now until the interaction is DEFER_AFTER seconds old by its id (our
    clock against Discord's), kept between SOONEST_DEFER and DEFER_AFTER. The id's
    milliseconds are read as a number: `created_at` and `utcnow()` build two datetimes
    on every interaction."""
    made_ms = (interaction.id >> 22) + discord.utils.DISCORD_EPOCH
    age = time.time() - made_ms / 1000
    return min(DEFER_AFTER, max(SOONEST_DEFER, DEFER_AFTER - age))


def arrived(interaction: discord.Interaction) -> None:
    """Note when the interaction reached the bot (our monotonic clock), for `made_ago`."""
    interaction.extras.setdefault(_ARRIVED, time.monotonic())


def made_ago(interaction: discord.Interaction) -> float:
    """Seconds since Discord made the interaction, from which its token's 15 minutes run:
    by its id against our clock, but, once it is seen to arrive (`arrived`), at least the
    time since then (a clock behind Discord's) and at most FIRST_RESPONSE_WITHIN more (a
    clock ahead of Discord's: an interaction answered at all arrived within that)."""
    made_ms = (interaction.id >> 22) + discord.utils.DISCORD_EPOCH
    by_id = time.time() - made_ms / 1000
    arrived_at = interaction.extras.get(_ARRIVED)
    if arrived_at is None:
        return max(by_id, 0.0)
    here = time.monotonic() - arrived_at
    return min(max(by_id, here), here + FIRST_RESPONSE_WITHIN)


async def before_deadline(interaction: discord.Interaction, work: Awaitable[T]) -> T:
    """`work`, given up with TimeoutError when a deferral's timer would fire (`defer_in`:
    DEFER_AFTER seconds after Discord made the interaction, SOONEST_DEFER from now at the
    soonest, against a clock ahead of Discord's): for a first response that cannot follow
    a deferral (autocomplete's choices, a form), which comes within Discord's 3 s or not at
    all. A read queued behind a write that waits for another process's lock would otherwise
    answer a dozen seconds late."""
    async with asyncio.timeout(defer_in(interaction)):
        return await work


def _defer_late(interaction: discord.Interaction, public: bool) -> None:
    if not interaction.response.is_done():
        interaction.extras[_DEFERRING] = asyncio.ensure_future(_defer_now(interaction, public))


async def _defer_now(interaction: discord.Interaction, public: bool) -> None:
    try:
        await _defer_as(interaction, ephemeral=not public)
    except Exception as exc:  # too late, or no network: the answer will find out
        log.warning("could not defer interaction %s: %r", interaction.id, exc)


async def _defer_as(interaction: discord.Interaction, *, ephemeral: bool) -> None:
    interaction.extras[_DEFER_SENT] = ephemeral  # (Discord may act on it, unheard)
    try:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    except discord.HTTPException as exc:
        if not _heard_late(interaction, exc, "its deferral (the answer fills it)"):
            raise
    interaction.extras[_PLACEHOLDER] = ephemeral


def _heard_late(interaction: discord.Interaction, refused: discord.HTTPException,
                what: str) -> bool:
    """Whether Discord refused a first response as already acknowledged (40060): one of
    ours, `what`, went through while discord.py saw it fail, and its retry, or the answer
    after it, met it. The interaction then has its first response (what follows is a
    follow-up); said once."""
    if refused.code != ACKNOWLEDGED:
        return False
    interaction.extras[_HEARD_LATE] = True
    log.warning("interaction %s: %s went through unheard, so what followed was refused as "
                "already acknowledged (40060)", interaction.id, what)
    return True


async def acknowledge_click(interaction: discord.Interaction) -> None:
    """Acknowledge a click whose message is edited afterwards (a deferred update), as
    `response.defer()`; a retry refused as already acknowledged (40060: the first try went
    through, unheard) counts as done, and the edit still follows."""
    try:
        await interaction.response.defer()
    except discord.HTTPException as exc:
        if not _heard_late(interaction, exc, "its acknowledgement"):
            raise


def acknowledged(interaction: discord.Interaction) -> bool:
    """Whether the interaction has its first response: as discord.py counts them, or one
    Discord acted on that discord.py took for failed (a 40060 told us)."""
    return interaction.response.is_done() or _HEARD_LATE in interaction.extras


async def _first_response_ready(interaction: discord.Interaction) -> None:
    """Before a first response: no deferral from now on, and one under way is done."""
    deadline = interaction.extras.pop(_DEADLINE, None)
    if deadline is not None:
        deadline.cancel()
    deferring = interaction.extras.pop(_DEFERRING, None)
    if deferring is not None:
        await deferring


async def defer(interaction: discord.Interaction, *, ephemeral: bool = True) -> None:
    """Acknowledge now and answer later ("thinking…"), unless a late deferral came first."""
    await _first_response_ready(interaction)
    if not acknowledged(interaction):
        await _defer_as(interaction,
                        ephemeral=ephemeral or interaction.extras.get(_PRIVATE_NOW, False))


async def respond(interaction: discord.Interaction, content: str | None = None, *,
                  ephemeral: bool = False, **kwargs: Any) -> None:
    """Reply; after a deferral, fill its placeholder; after an answer, follow up."""
    await _first_response_ready(interaction)
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    if content is not None:
        content = clip(content, CONTENT)
    ephemeral = ephemeral or interaction.extras.get(_PRIVATE_NOW, False)
    if not acknowledged(interaction):
        try:
            await interaction.response.send_message(content, ephemeral=ephemeral, **kwargs)
            return
        except discord.HTTPException as exc:
            # Refused as acknowledged: the answer's own retry, its first try heard by
            # Discord, or a deferral that failed as far as discord.py knows went through
            # (the member sees "thinking…", which the answer fills).
            deferred = interaction.extras.get(_DEFER_SENT)
            if not _heard_late(interaction, exc, "its answer" if deferred is None
                               else "its deferral (the answer fills it)"):
                raise
            if deferred is None:
                return
            interaction.extras[_PLACEHOLDER] = deferred
            for file in _files_of(kwargs):
                file.reset()  # the refused answer read them
    placeholder = interaction.extras.get(_PLACEHOLDER)
    if placeholder == ephemeral and await _filled(interaction, content, kwargs):
        return
    if interaction.extras.get(_PLACEHOLDER) is not None:
        await _clear_placeholder(interaction)
    kwargs["content"] = content  # None sends none
    await interaction.followup.send(ephemeral=ephemeral, **kwargs)


def _files_of(send: dict[str, Any]) -> list[discord.File]:
    return list(send.get("files") or ([send["file"]] if send.get("file") is not None else []))


async def _filled(interaction: discord.Interaction, content: str | None,
                  send: dict[str, Any]) -> bool:
    """Fill the deferral's "thinking…" with the answer (Edit Original Interaction Response;
    a follow-up does the same only by a rule Discord has deprecated). False when a
    moderator deleted the (public) placeholder: the answer is then a message of its own."""
    edit = _edit_of(content, send)
    if not await _placeholder_edited(interaction, **edit):
        for file in edit.get("attachments", ()):
            file.reset()  # the refused edit read it: the follow-up sends it whole
        return False
    del interaction.extras[_PLACEHOLDER]
    return True


async def _clear_placeholder(interaction: discord.Interaction) -> None:
    """A deferral's answer of the other visibility is a message of its own (an error after
    a public deferral would be posted for all): the placeholder goes, filled then deleted.
    Until it is filled, any answer (the error of a failed one too) takes this way."""
    if await _placeholder_edited(interaction, content="…"):
        del interaction.extras[_PLACEHOLDER]
        await interaction.delete_original_response()


async def _placeholder_edited(interaction: discord.Interaction, **edit: Any) -> bool:
    """Edit the deferral's placeholder; False, and it is forgotten, if it is gone (a
    moderator deleted it)."""
    try:
        await interaction.edit_original_response(**edit)
    except discord.NotFound as gone:
        if gone.code != UNKNOWN_MESSAGE:
            raise
        del interaction.extras[_PLACEHOLDER]
        return False
    return True


def _edit_of(content: str | None, send: dict[str, Any]) -> dict[str, Any]:
    """A send's arguments as an edit of the message takes them: its files are its
    attachments."""
    edit = {key: value for key, value in send.items() if key not in ("file", "files")}
    files = _files_of(send)
    if files:
        edit["attachments"] = files
    return {**edit, "content": content}


def error_message(error: BaseException, lang: Language) -> str | None:
    """The member-facing text for an expected error in `lang`, or None for a bug."""
    if isinstance(error, app_commands.AppCommandError) and isinstance(error.__cause__,
                                                                      USER_ERRORS):
        return _sentence(error.__cause__.text, lang)
    if isinstance(error, (app_commands.CommandInvokeError, app_commands.TransformerError)):
        if isinstance(error, app_commands.TransformerError):
            kind = error.type.name
            # A channel or role refused is named by its id: its name is what the
            # interaction's `resolved` data says, which may be another server's.
            value = getattr(error.value, "id", error.value)
            return lang._("That value for **{option}** isn't valid: {value}",
                          option=lang._(OPTION_KINDS[kind]) if kind in OPTION_KINDS else kind,
                          value=safe(str(value)))
        error = error.__cause__ or error
    if isinstance(error, USER_ERRORS):
        return _sentence(error.text, lang)
    if isinstance(error, STALE_COMMAND):
        return lang._("This command has changed since your Discord app loaded it: reload "
                      "Discord (Ctrl+R, or restart the app) and try again.")
    if isinstance(error, app_commands.NoPrivateMessage):
        return lang._("This command only works inside a server.")
    if isinstance(error, app_commands.MissingPermissions):
        return lang._("You need the **Manage Events** permission to do that.")
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(error.missing_permissions)
        return lang._("I'm missing a permission for that here: {permissions}.",
                      permissions=missing)
    if isinstance(error, app_commands.CommandOnCooldown):
        return lang._("Slow down a little: try again in {seconds} s.",
                      seconds=f"{error.retry_after:.0f}")
    if isinstance(error, Unreadable):
        return lang._("Discord sent this in a form I couldn't read, so nothing was done; "
                      "try again.")
    if isinstance(error, app_commands.CheckFailure):
        return lang._("You can't use this command here.")
    return None


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the member what went wrong, in their language; log what they cannot fix.
    Never raises, whatever the interaction lacks (a malformed one may have no user,
    command, locale or response)."""
    if forgotten(error):  # answering again would only be refused again
        log.warning("interaction %s was answered too late: Discord no longer knows it",
                    getattr(interaction, "id", "?"))
        return
    if (refused := refused_answer(error)) is not None:  # so would an error reply
        log.warning("interaction %s: Discord refused its answer (%s)",
                    getattr(interaction, "id", "?"), one_line_of(refused))
        return
    try:
        lang = member_language(interaction)
    except Exception:  # an unreadable interaction: its locale cannot be trusted either
        lang = language()
    message = error_message(error, lang)
    if message is None and (blocked := blocked_by_automod(error)) is not None:
        # Not the bot's fault nor Discord's: the member is told so, privately (a private
        # message is one AutoMod lets through), in words of the bot's own, none of the page's.
        log.warning("%s (user %s) in guild %s, channel %s: the server's AutoMod blocked a "
                    "message of the answer (%s); the member is told so privately",
                    _command_of(interaction),
                    getattr(getattr(interaction, "user", None), "id", None),
                    getattr(interaction, "guild_id", None),
                    getattr(interaction, "channel_id", None), one_line_of(blocked))
        message = lang._("This server's AutoMod blocked what I was about to post, so it "
                         "isn't shown; its rules are under Server Settings > AutoMod.")
    if message is None and (failed := discord_failed(error)) is not None:
        # Discord's trouble, not a defect here: discord.py answers 500, 502 and 504 with
        # tries of its own, and only then (or at once, for a 503) raises it. What was asked
        # may have been done or not (a 5xx may come after Discord acted).
        log.warning("%s (user %s) in guild %s: Discord failed a call (%s); the member is "
                    "told to try again", _command_of(interaction),
                    getattr(getattr(interaction, "user", None), "id", None),
                    getattr(interaction, "guild_id", None), one_line_of(failed))
        message = lang._("Discord failed a request of mine just now (an error on its side); "
                         "check whether this was done, then try again in a moment.")
    if isinstance(error, STALE_COMMAND):  # the member's client, or the bot's last sync
        log.warning("interaction %s names a command this bot does not have as sent: %s",
                    getattr(interaction, "id", "?"), error)
    if message is None and (short := shortage_of(error)) is not None:
        shortages = getattr(getattr(getattr(interaction, "client", None), "tree", None),
                            "shortages", None)
        (shortages if isinstance(shortages, Shortages) else Shortages()).note(
            short, _command_of(interaction))
        message = _sentence(HostShort().text, lang)
    if message is None and (limited := discord_limited(error)) is not None:
        # A 429 discord.py did not wait out: five in a row (a limit shared with others),
        # or Cloudflare's ban of the bot's address after too many invalid requests, which
        # it raises at once. Not a defect here (that call was not made; steps before it may
        # have been): the member is told when Discord says to try again (its Retry-After;
        # a minute when it says nothing).
        wait = retry_after(limited)
        again = datetime.now(UTC) + timedelta(seconds=LIMITED_WAIT if wait is None else wait)
        log.warning("%s (user %s) in guild %s: Discord rate-limited a call past discord.py's "
                    "own waits (HTTP 429, Retry-After %s: %s); the member is told to try "
                    "again then", _command_of(interaction),
                    getattr(getattr(interaction, "user", None), "id", None),
                    getattr(interaction, "guild_id", None),
                    "none" if wait is None else f"{wait} s", one_line(limited.text, 200))
        message = lang._("Discord is limiting my requests right now; check whether this was "
                         "done, then try again {when}.", when=timestamp(again, "R"))
    if message is None and (lost := discord_unreachable(error)) is not None:
        # The connection to Discord failed (reset, or closed before its answer): the
        # network's trouble or Discord's, not a defect here, and discord.py does not try
        # again. As after a 5xx, what was asked may have been done or not.
        log.warning("%s (user %s) in guild %s: could not reach Discord (%s); the member is "
                    "told to try again", _command_of(interaction),
                    getattr(getattr(interaction, "user", None), "id", None),
                    getattr(interaction, "guild_id", None),
                    error_line(lost))
        message = lang._("I couldn't reach Discord just now (the connection failed); check "
                         "whether this was done, then try again in a moment.")
    if message is None:
        log.error("unexpected error in %s (user %s, guild %s)", _command_of(interaction),
                  getattr(getattr(interaction, "user", None), "id", None),
                  getattr(interaction, "guild_id", None), exc_info=error)
        message = lang._("Something went wrong on my side; the moderators can find it in the "
                         "bot's log.")
    try:
        if interaction.type is discord.InteractionType.autocomplete:
            # Discord takes only choices in answer to an autocomplete: offer none.
            if not interaction.response.is_done():
                await interaction.response.autocomplete([])
            return
        await respond(interaction, f"⚠️ {message}", ephemeral=True)
    except Exception as exc:  # Discord refused it, or there is nothing to answer
        log.warning("could not deliver an error reply for interaction %s: %r",
                    getattr(interaction, "id", "?"), exc)


# What a request failed for when the host ran short: Python's own error for memory, the
# errno of a descriptor refused (the process's limit, the system's), and the thread the
# interpreter could not start (each takes its stack out of the address space).
SHORT_OF = {errno.EMFILE: "open files", errno.ENFILE: "open files", errno.ENOMEM: "memory"}


def shortage_of(error: BaseException) -> tuple[str, BaseException] | None:
    """What the host ran short of ("memory", "open files" or "threads") and the error that
    says so, if `error` or what it wraps (its cause, a command's original error) is the
    host's limit. An error raised while handling a shortage is not one: a defect of the
    handler, told and logged as a defect."""
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, MemoryError):
            return "memory", seen
        if isinstance(seen, OSError) and seen.errno in SHORT_OF:
            return SHORT_OF[seen.errno], seen
        if isinstance(seen, RuntimeError) and "can't start new thread" in str(seen):
            return "threads", seen
        seen = seen.__cause__ or getattr(seen, "original", None)
    return None


class Shortages:
    """The host running short (`shortage_of`) as the log says it: one line, with no
    traceback, when it begins, and again only after QUIET seconds without it, with how
    many requests it failed meanwhile. A burst under `ulimit -n 256` logged a traceback
    for every request it failed (1,858 lines for 300 joins)."""

    QUIET = 60.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: dict[str, float] = {}  # shortage -> when it last failed a request
        self._unsaid: dict[str, int] = {}  # shortage -> requests failed since it was said

    def note(self, shortage: tuple[str, BaseException], command: str) -> None:
        short, error = shortage
        now = self._clock()
        last = self._last.get(short)
        self._last[short] = now
        if last is not None and now - last < self.QUIET:
            self._unsaid[short] = self._unsaid.get(short, 0) + 1
            return
        before = self._unsaid.pop(short, 0)
        log.warning("the machine is short of %s: %s failed (%s)%s; raise the process's "
                    "limit (ulimit, the service's Limit* settings) or free some, and this "
                    "is said again after %.0f s without it", short, command,
                    " ".join(f"{type(error).__name__}: {error}".split())[:200].rstrip(": "),
                    f"; {before} more request(s) failed for it meanwhile" if before else "",
                    self.QUIET)


def refused_answer(error: BaseException) -> discord.HTTPException | None:
    """The refusal of an answer to the interaction that `error` is (or wraps), if it is
    one no other answer would get past: a 403 to a response or follow-up (the token's
    routes), or 40060, a first response the interaction already has (then the member has
    ours, or a deferral, which the answer already tried to fill)."""
    return next((seen for seen in _wrapped(error) if isinstance(seen, discord.HTTPException)
                 and (seen.code == ACKNOWLEDGED or (seen.status == 403 and _answer_route(seen)))),
                None)


def _answer_route(error: discord.HTTPException) -> bool:
    """Whether the call Discord refused answered an interaction (by its token)."""
    path = getattr(getattr(getattr(error, "response", None), "url", None), "path", "")
    return "/interactions/" in str(path) or "/webhooks/" in str(path)


def one_line_of(error: discord.HTTPException) -> str:
    """Discord's code and message, as discord.py words them, on one line."""
    return " ".join(str(error).split())


def blocked_by_automod(error: BaseException) -> discord.HTTPException | None:
    """Discord's refusal that `error` is (or wraps) of a message the server's AutoMod
    blocked (see AUTOMOD_BLOCKED), if it is one."""
    return next((seen for seen in _wrapped(error) if isinstance(seen, discord.HTTPException)
                 and seen.code in AUTOMOD_BLOCKED), None)


def discord_failed(error: BaseException) -> discord.DiscordServerError | None:
    """Discord's own failure (a 5xx) that `error` is (or wraps), if it is one."""
    return next((seen for seen in _wrapped(error)
                 if isinstance(seen, discord.DiscordServerError)), None)


def discord_limited(error: BaseException) -> discord.HTTPException | None:
    """The 429 that `error` is (or wraps) and reached the bot (see `report_error`), if it
    is one."""
    return next((seen for seen in _wrapped(error)
                 if isinstance(seen, discord.HTTPException) and seen.status == 429), None)


def discord_unreachable(error: BaseException) -> aiohttp.ClientConnectionError | None:
    """The failed connection to Discord (reset, closed before its answer, not made) that
    `error` is (or wraps), if it is one; one the host's limits failed (`shortage_of`) is
    the host's, not the network's."""
    return next((seen for seen in _wrapped(error)
                 if isinstance(seen, aiohttp.ClientConnectionError)), None)


def forgotten(error: BaseException) -> bool:
    """Whether `error`, or what it wraps, is Discord saying it no longer takes answers to
    the interaction (see FORGOTTEN)."""
    return any(isinstance(seen, discord.HTTPException) and seen.code in FORGOTTEN
               for seen in _wrapped(error))


def _wrapped(error: BaseException) -> Iterator[BaseException]:
    """`error` and what it wraps: a command's error wraps the one it raised, and so on."""
    seen: BaseException | None = error
    for _ in range(5):
        if seen is None:
            return
        yield seen
        seen = seen.__cause__ or getattr(seen, "original", None)


def _command_of(interaction: discord.Interaction) -> str:
    try:
        if interaction.command is not None:
            return interaction.command.qualified_name
        data: Any = interaction.data or {}
        return str(data.get("custom_id", "?"))
    except Exception:
        return "?"


# Answers a click (button or menu) or a form's submission; registered by custom-id prefix
# (see guard_interactions). Called as the interaction arrives, it returns the answer to
# send, or None (a live view answers it).
ClickHandler = Callable[[discord.Interaction[Any]], Coroutine[Any, Any, None] | None]
COMPONENT, MODAL_SUBMIT = 3, 5  # the interaction types of a click and a form's submission
ANSWER_TASK = "eventbot-click-answer"  # the task of such an answer


def guard_interactions(client: discord.Client, clicks: dict[str, ClickHandler],
                       seen: Callable[[Any], None] | None = None,
                       guess_locale: Callable[[Any], str | None] | None = None) -> None:
    """Keep a malformed INTERACTION_CREATE from killing the client, and hand clicks and
    form submissions whose custom id starts with a prefix of `clicks` to its handler
    (besides discord.py's views, which have just been handed them).

    discord.py reads the payload inside the gateway's receive loop; an exception there
    (a member without `roles`, say) leaves `connect` and ends the process. Real Discord
    does not send such payloads, but one bad packet must not take the bot down: log it,
    answer it with the error line where its id and token allow, and carry on.

    The click handlers are looked up here rather than by an `on_interaction` listener,
    for which discord.py would start a task on every interaction, `/rsvp join` included;
    `seen` is told of every interaction's payload the same way (the member's locale).
    A payload without `locale` is read in the one `guess_locale` gives (discord.py would take
    en-US); `seen` still gets the payload as sent, so no guess is recorded as theirs.
    """
    state = client._connection
    parse = state.parsers["INTERACTION_CREATE"]
    replies: set[asyncio.Task[None]] = set()  # referenced until done

    def guarded(data: Any) -> None:
        read = data
        try:
            storable_typing(data)
            if (guess_locale is not None and isinstance(data, dict)
                    and not isinstance(data.get("locale"), str)
                    and (guess := guess_locale(data)) is not None):
                read = {**data, "locale": guess}
            parse(read)
        except Exception as exc:
            iid = data.get("id", "?") if isinstance(data, dict) else "?"
            log.warning("ignored a malformed interaction %s: %s", clip(str(iid), 30),
                        clip(repr(exc), 200))
            keep(_answer_unreadable(state, data))
            return
        if seen is not None:
            seen(data)
        if clicks and data.get("type") in (COMPONENT, MODAL_SUBMIT):
            custom_id = str(data.get("data", {}).get("custom_id", ""))
            for prefix, handler in clicks.items():
                if custom_id.startswith(prefix):
                    answer = handler(discord.Interaction(data=read, state=state))
                    if answer is not None:
                        keep(answer)

    def keep(work: Coroutine[Any, Any, None]) -> None:
        # named as an interaction's task: a stop lets it finish (`app.finish_interactions`)
        task = asyncio.get_running_loop().create_task(work, name=ANSWER_TASK)
        replies.add(task)
        task.add_done_callback(replies.discard)

    state.parsers["INTERACTION_CREATE"] = guarded


_NAME_KEYS = ("nick", "global_name", "username")


def storable_typing(data: Any) -> None:
    """In an interaction's payload, what a member typed (options, form fields) and their
    names, as every store can hold them: a NUL dropped, a lone surrogate as U+FFFD. Left
    as they came, a name with a NUL failed every join committed with it, other servers'
    too."""
    if not isinstance(data, dict):
        return
    if isinstance(typed := data.get("data"), dict):
        _storable_fields(typed)
    member = data.get("member")
    for holder in (member, member.get("user") if isinstance(member, dict) else None,
                   data.get("user")):
        if isinstance(holder, dict):
            for key in _NAME_KEYS:
                if isinstance(name := holder.get(key), str):
                    holder[key] = storable_text(name)


def _storable_fields(node: dict[str, Any]) -> None:
    """An option, a form's field or a select: its "value" or "values", and what it holds
    ("options", "components", "component")."""
    if isinstance(value := node.get("value"), str):
        node["value"] = storable_text(value)
    for key in ("options", "components", "values"):
        if isinstance(children := node.get(key), list):
            for index, child in enumerate(children):
                if isinstance(child, dict):
                    _storable_fields(child)
                elif isinstance(child, str):
                    children[index] = storable_text(child)
    if isinstance(child := node.get("component"), dict):
        _storable_fields(child)


class Unreadable(app_commands.CheckFailure):
    """An interaction whose payload discord.py could not read: nothing was done, and the
    member is not told they may not use the command, which need not be so."""


async def _answer_unreadable(state: Any, data: Any) -> None:
    """Answer an interaction discord.py could not read, from its id and token alone."""
    try:
        if data.get("type") not in ANSWERABLE:
            return  # a ping takes no answer
        bare = {key: data[key] for key in ("id", "type", "token", "application_id")}
        payload: Any = {**bare, "version": 1, "attachment_size_limit": 0}
        if isinstance(data.get("locale"), str):  # answered in the member's language
            payload["locale"] = data["locale"]
        interaction = discord.Interaction(data=payload, state=state)
    except Exception:
        return  # no id or token: nothing can be answered
    await report_error(interaction, Unreadable())


class EventTree(app_commands.CommandTree["EventBot"]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (member, channel) -> the public answers given there lately (PUBLIC_REPLIES)
        self.public_replies: Allowance[tuple[int, int | None]] = Allowance(
            PUBLIC_REPLIES, PUBLIC_WINDOW)
        self.shortages = Shortages()  # the host running short, as the log says it
        # The last interaction's data and the command it names, with its options
        self._looked_up: tuple[Any, Any] | None = None

    def _get_app_command_options(self, data: Any) -> Any:
        """discord.py's walk to the command an interaction's data names, once per
        interaction: `interaction.command`, which `interaction_check` reads, and the tree's
        own call of the command each walked it."""
        last = self._looked_up
        if last is not None and last[0] is data:
            return last[1]
        found = super()._get_app_command_options(data)
        self._looked_up = (data, found)
        return found

    async def _call(self, interaction: discord.Interaction[EventBot]) -> None:
        """discord.py reads a command's options (and its type) here, in the tree's own
        task, after `guard_interactions`: an error in that reading is no AppCommandError,
        and discord.py's invoker drops it (no answer, or a deferral never filled, and
        "Task exception was never retrieved"). It is a payload the bot could not read."""
        try:
            await super()._call(interaction)
        except app_commands.AppCommandError:
            raise
        except Exception as exc:
            log.warning("ignored a malformed interaction %s: %s", interaction.id,
                        clip(repr(exc), 200))
            # its command is unreadable too: the error's dispatch must not read it again
            interaction._cs_command = None  # type: ignore[attr-defined]
            raise Unreadable("discord.py could not read the command's data") from exc

    async def interaction_check(self, interaction: discord.Interaction[EventBot]) -> bool:
        arrived(interaction)  # its token's time, for a question it asks (bot.adapters.held)
        command = interaction.command
        extras = command.extras if command is not None else {}
        public = bool(extras.get(_PUBLIC_REPLY))
        if public and interaction.type is discord.InteractionType.application_command and not (
                self.public_replies.take((interaction.user.id, interaction.channel_id))):
            public = False
            interaction.extras[_PRIVATE_NOW] = True
        if interaction.type is discord.InteractionType.application_command and not (
                extras.get(_OPENS_FORM)):
            answer_in_time(interaction, public=public)
        require_user(interaction)
        if (interaction.type is discord.InteractionType.autocomplete
                and not offers_autocomplete(interaction)):
            # Focused on no option, or on one without autocomplete (a stale or modified
            # client): discord.py would log a traceback and send nothing.
            raise Unreadable("an autocomplete for an option that has none")
        if (interaction.guild_id is not None and interaction.is_user_integration()
                and not interaction.is_guild_integration()):
            # A member's own install of the app, in a server that has not installed it:
            # the server's events, settings and RSVPs are not theirs to set up or change.
            # (An interaction that names no installation at all is the server's own.)
            raise app_commands.CheckFailure("used through a user install, not the server's")
        if interaction.type is discord.InteractionType.application_command:
            try:  # what a modified client may send though Discord's picker offers no such thing
                check_option_values(interaction)
            except InvalidValue as refused:
                raise app_commands.AppCommandError("an option value it did not register") \
                    from refused
        # First use in a server with no events: give it the sample event before answering.
        if interaction.guild_id is not None:
            try:
                await interaction.client.ensure_events(interaction.guild_id)
            except Exception as exc:  # discord.py reports only its own errors to on_error
                raise app_commands.AppCommandError("setting up this server failed") from exc
        return True

    async def on_error(self, interaction: discord.Interaction,
                       error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)


def member_language(interaction: discord.Interaction) -> Language:
    """The language of the member's Discord client, for what only they see (ephemeral
    replies); English when the bot does not speak it."""
    return language(interaction.locale)


def answered_privately(interaction: discord.Interaction) -> bool:
    """Whether the command's public answer is the member's alone now (PUBLIC_REPLIES spent
    in the channel): only they read it."""
    return bool(interaction.extras.get(_PRIVATE_NOW, False))


def has_user(interaction: discord.Interaction) -> bool:
    """Whether the interaction says who used it: a member in a server, a user in DMs."""
    kind = discord.User if interaction.guild_id is None else discord.Member
    return isinstance(interaction.user, kind)


def require_user(interaction: discord.Interaction) -> None:
    """Raise Unreadable unless the interaction says who used it (`has_user`), as Discord's
    always do: nothing is done for nobody."""
    if not has_user(interaction):
        raise Unreadable("the interaction names no member")


def _begins_with_own_words(template: str, reason: Text) -> bool:
    """Whether a sentence begins with the bot's words (its template's, or a translated
    field's, such as "the start"), not with page text or an option's name."""
    if not template.startswith("{"):
        return True
    leading = template[1:].split("}", 1)[0].split("!", 1)[0].split(":", 1)[0]
    return isinstance(reason.fields.get(leading), Text)


def _sentence(reason: Text, lang: Language) -> str:
    """An error's reason in `lang` as a sentence: the language's full stop, and a capital
    first letter where the sentence begins with the bot's own words; one that begins with
    a field (an option's name, a title such as "iPad day") keeps it as written."""
    text = lang.text(reason, safe)
    if not lang.code.startswith("zh") and _begins_with_own_words(
            lang.translated(reason.message), reason):
        text = text[:1].upper() + text[1:]
    return lang.ended(text)
