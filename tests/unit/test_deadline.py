"""Discord's 3 s for a first response: an answer not ready in time is deferred, and the
answer then follows the deferral, never races it."""

from __future__ import annotations

import asyncio
import errno
import io
import sqlite3
from datetime import timedelta
from types import SimpleNamespace

import aiohttp
import discord
import pytest
from discord import app_commands

from bot import tree
from bot.errors import NotFound
from bot.i18n import N_, language
from bot.recent import Allowance


class Response:
    def __init__(self, calls: list) -> None:
        self.calls, self.done = calls, False

    def is_done(self) -> bool:
        return self.done

    async def defer(self, *, ephemeral: bool, thinking: bool) -> None:
        self.calls.append(("defer", ephemeral))
        await asyncio.sleep(0.05)  # on its way to Discord
        self.done = True

    async def send_message(self, content, *, ephemeral: bool, **_) -> None:
        assert not self.done, "a second first response"
        self.calls.append(("send", content, ephemeral))
        self.done = True


class Followup:
    def __init__(self, calls: list) -> None:
        self.calls = calls

    async def send(self, *, content, ephemeral: bool, **_) -> None:
        self.calls.append(("follow-up", content, ephemeral))


class Interaction:
    def __init__(self) -> None:
        self.id = discord.utils.time_snowflake(discord.utils.utcnow())  # made just now
        self.calls: list = []
        self.extras: dict = {}
        self.data: dict = {}  # no options sent
        self.response, self.followup = Response(self.calls), Followup(self.calls)
        self.failures: list[Exception] = []  # what the next edits of @original raise
        self.user, self.channel_id = SimpleNamespace(id=1), 2  # a member, in a channel

    async def edit_original_response(self, *, content, **_) -> None:
        if self.failures:
            raise self.failures.pop()
        self.calls.append(("fill", content))

    async def delete_original_response(self) -> None:
        self.calls.append(("delete",))

    def is_user_integration(self) -> bool:  # the server's own install, as most are
        return False


@pytest.fixture(autouse=True)
def quick_deadline(monkeypatch):
    monkeypatch.setattr(tree, "DEFER_AFTER", 0.02)


@pytest.mark.parametrize(("age", "wait"), [
    (0.0, 2.0),  # arrived at once
    (1.2, 0.8),  # 1.2 s on the way: the 2 s count from when Discord made it
    (1.9, 0.5), (30.0, 0.5),  # long on the way, or our clock ahead: never sooner than 0.5 s
    (-5.0, 2.0),  # our clock behind Discord's: never later than 2 s
])
def test_the_deferral_counts_from_when_discord_made_the_interaction(monkeypatch, age, wait):
    monkeypatch.setattr(tree, "DEFER_AFTER", 2.0)
    made = SimpleNamespace(id=discord.utils.time_snowflake(
        discord.utils.utcnow() - timedelta(seconds=age)))
    assert tree.defer_in(made) == pytest.approx(wait, abs=0.05)


async def test_an_answer_ready_in_time_is_sent_as_the_response():
    interaction = Interaction()
    tree.answer_in_time(interaction)
    await tree.respond(interaction, "done", ephemeral=True)
    await asyncio.sleep(0.05)  # past the deadline: nothing more
    assert interaction.calls == [("send", "done", True)]


@pytest.mark.parametrize("public", [False, True])
async def test_a_late_answer_follows_its_deferral(public):
    interaction = Interaction()
    tree.answer_in_time(interaction, public=public)
    await asyncio.sleep(0.03)  # deferred, and the deferral still on its way
    await tree.respond(interaction, "done", ephemeral=not public)
    # the answer fills the placeholder (Edit Original Interaction Response), no follow-up
    assert interaction.calls == [("defer", not public), ("fill", "done")]
    await tree.respond(interaction, "and more", ephemeral=not public)
    assert interaction.calls[2:] == [("follow-up", "and more", not public)]


async def test_a_command_that_defers_itself_after_the_deadline_defers_once():
    interaction = Interaction()
    tree.answer_in_time(interaction)
    await asyncio.sleep(0.03)
    await tree.defer(interaction)
    await tree.respond(interaction, "imported", ephemeral=True)
    assert interaction.calls == [("defer", True), ("fill", "imported")]


async def test_a_deferral_seen_by_all_keeps_a_private_answer_private():
    interaction = Interaction()
    tree.answer_in_time(interaction, public=True)
    await asyncio.sleep(0.03)
    await tree.respond(interaction, "⚠️ no such event", ephemeral=True)
    assert interaction.calls == [("defer", False), ("fill", "…"), ("delete",),
                     ("follow-up", "⚠️ no such event", True)]


async def test_a_server_that_cannot_be_set_up_is_an_error_the_member_hears_of(monkeypatch):
    """discord.py hands only its own errors to the tree's error handler: a database error
    while giving a new server its sample event must become one, not a silent failure."""
    async def ensure_events(guild_id):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(tree, "has_user", lambda interaction: True)
    interaction = Interaction()
    interaction.type, interaction.command, interaction.guild_id = (
        discord.InteractionType.application_command, None, 5)
    interaction.client = SimpleNamespace(ensure_events=ensure_events)
    with pytest.raises(app_commands.AppCommandError) as raised:
        await tree.EventTree.interaction_check(None, interaction)  # type: ignore[arg-type]
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
    await tree._first_response_ready(interaction)  # the deadline's timer, stopped


def test_a_members_error_behind_a_discord_error_is_told_as_it_is():
    cause = NotFound(N_("no event here"))
    try:
        raise app_commands.AppCommandError("setting up this server failed") from cause
    except app_commands.AppCommandError as error:
        assert tree.error_message(error, language("en-US")) == "No event here."


@pytest.mark.parametrize("kind", [discord.InteractionType.application_command,
                                  discord.InteractionType.autocomplete])
async def test_an_interaction_discord_has_forgotten_is_not_answered_again(kind):
    """Too late is too late: a second answer would only earn a second refusal, and each
    counts against Discord's limit of invalid requests."""
    gone = discord.NotFound(SimpleNamespace(status=404, reason="Not Found"),
                            {"code": 10062, "message": "Unknown interaction"})
    interaction = Interaction()
    interaction.type = kind
    command = SimpleNamespace(name="join", qualified_name="rsvp join")
    await tree.report_error(interaction, app_commands.CommandInvokeError(command, gone))
    assert interaction.calls == []
    assert tree.forgotten(gone) and not tree.forgotten(ValueError("other"))


async def test_a_private_answer_whose_placeholder_could_not_go_never_fills_it():
    """Filling the public placeholder failed (Discord had a hiccup): the error reply that
    follows must not fill it instead, for all to see."""
    interaction = Interaction()
    interaction.failures.append(discord.HTTPException(
        SimpleNamespace(status=503, reason="Service Unavailable"), "try again"))
    tree.answer_in_time(interaction, public=True)
    await asyncio.sleep(0.03)
    with pytest.raises(discord.HTTPException):
        await tree.respond(interaction, "No events to come.", ephemeral=True)
    await tree.respond(interaction, "⚠️ Something went wrong.", ephemeral=True)
    assert interaction.calls == [("defer", False), ("fill", "…"), ("delete",),
                     ("follow-up", "⚠️ Something went wrong.", True)]


UNKNOWN_MESSAGE = discord.NotFound(SimpleNamespace(status=404, reason="Not Found"),
                                   {"code": 10008, "message": "Unknown Message"})


@pytest.mark.parametrize("private", [False, True], ids=["public answer", "private answer"])
async def test_a_placeholder_a_moderator_deleted_leaves_the_answer_a_message_of_its_own(
        private):
    """The public "thinking…" was deleted before the answer came: whatever its visibility,
    the answer is still delivered, as a follow-up."""
    interaction = Interaction()
    interaction.failures.append(UNKNOWN_MESSAGE)
    tree.answer_in_time(interaction, public=True)
    await asyncio.sleep(0.03)
    await tree.respond(interaction, "done", ephemeral=private)
    assert interaction.calls == [("defer", False), ("follow-up", "done", private)]


async def test_a_file_for_a_deleted_placeholder_goes_whole_in_the_follow_up():
    interaction = Interaction()
    sent: list[bytes] = []

    async def edit(**kwargs) -> None:
        kwargs["attachments"][0].fp.read()  # the upload read it, then Discord refused
        raise UNKNOWN_MESSAGE

    async def send(*, file, **_) -> None:
        sent.append(file.fp.read())

    interaction.edit_original_response = edit
    interaction.followup.send = send
    tree.answer_in_time(interaction, public=True)
    await asyncio.sleep(0.03)
    await tree.respond(interaction, "here", file=discord.File(io.BytesIO(b"BEGIN:VCALENDAR"),
                                                              filename="talk.ics"))
    assert sent == [b"BEGIN:VCALENDAR"]


async def test_a_placeholder_edit_refused_otherwise_is_not_taken_for_a_deleted_one():
    interaction = Interaction()
    interaction.failures.append(discord.NotFound(SimpleNamespace(status=404, reason="x"),
                                                 {"code": 10015, "message": "Unknown Webhook"}))
    tree.answer_in_time(interaction, public=True)
    await asyncio.sleep(0.03)
    with pytest.raises(discord.NotFound):
        await tree.respond(interaction, "done")
    await tree.respond(interaction, "done")  # the error path's try fills it
    assert interaction.calls == [("defer", False), ("fill", "done")]


def test_a_follow_up_past_the_tokens_life_is_forgotten_too():
    expired = discord.HTTPException(SimpleNamespace(status=401, reason="Unauthorized"),
                                    {"code": 50027, "message": "Invalid Webhook Token"})
    assert tree.forgotten(app_commands.AppCommandError("late")) is False
    error = app_commands.AppCommandError("late")
    error.__cause__ = expired
    assert tree.forgotten(error)


async def test_an_answer_still_on_its_way_at_the_deadline_is_not_deferred_too():
    """The timer stops when the answer starts: a deferral after it would be a second
    first response, which Discord refuses."""
    interaction = Interaction()

    async def slow_send(content, *, ephemeral: bool, **_) -> None:
        interaction.calls.append(("send", content, ephemeral))
        await asyncio.sleep(0.05)  # past the deadline, the request still on its way
        interaction.response.done = True

    interaction.response.send_message = slow_send
    tree.answer_in_time(interaction)
    await tree.respond(interaction, "done", ephemeral=True)
    await asyncio.sleep(0.05)
    assert interaction.calls == [("send", "done", True)]


async def test_every_way_an_answer_goes_out_pings_nobody_and_fits_a_message():
    """The response, a follow-up and a filled placeholder each turn mentions off (a title
    may say @everyone), and text longer than a message is cut to fit."""
    sent: list = []

    async def send_message(content, *, ephemeral: bool, **kwargs) -> None:
        sent.append((len(content), kwargs["allowed_mentions"]))
        first.response.done = True

    async def follow_up(*, content, ephemeral: bool, **kwargs) -> None:
        sent.append((len(content), kwargs["allowed_mentions"]))

    async def fill(*, content, **kwargs) -> None:
        sent.append((len(content), kwargs["allowed_mentions"]))

    first, late = Interaction(), Interaction()
    first.response.send_message, first.followup.send = send_message, follow_up
    await tree.respond(first, "@everyone " + "x" * 2500)
    await tree.respond(first, "@everyone again")
    late.edit_original_response = fill
    tree.answer_in_time(late)
    await asyncio.sleep(0.03)  # deferred
    await tree.respond(late, "@everyone filled", ephemeral=True)
    assert sent == [(2000, tree.NO_MENTIONS), (15, tree.NO_MENTIONS),
                    (16, tree.NO_MENTIONS)]


@pytest.mark.parametrize(("extras", "deferred", "public_left"), [
    (tree.OPENS_FORM, [], 1),  # a form cannot follow a deferral: none
    (tree.PUBLIC_REPLY, [("defer", False)], 1),  # an answer for the channel, deferred so
    (tree.PUBLIC_REPLY, [("defer", True)], 0),  # the member's public answers spent: theirs
    ({}, [("defer", True)], 1),  # the rest: privately
])
async def test_the_deadline_defers_each_command_as_its_answer_will_go(
        monkeypatch, extras, deferred, public_left):
    monkeypatch.setattr(tree, "has_user", lambda interaction: True)
    interaction = Interaction()
    interaction.type, interaction.command, interaction.guild_id = (
        discord.InteractionType.application_command, SimpleNamespace(extras=extras), None)
    checks = SimpleNamespace(public_replies=Allowance(1, 60.0))  # the tree's own state
    if not public_left:
        checks.public_replies.take((interaction.user.id, interaction.channel_id))
    assert await tree.EventTree.interaction_check(checks, interaction)  # type: ignore[arg-type]
    await asyncio.sleep(0.03)  # past the deadline
    assert [call for call in interaction.calls if call[0] == "defer"] == deferred
    await tree._first_response_ready(interaction)


async def test_a_placeholder_cleared_for_a_private_answer_is_not_edited_again():
    """After a public deferral, a private answer clears the placeholder (filled, then
    deleted) and follows up; a later private answer only follows up: the placeholder is
    gone, and editing it would be a request Discord refuses."""
    interaction = Interaction()
    tree.answer_in_time(interaction, public=True)
    await asyncio.sleep(0.03)  # deferred for the channel
    await tree.respond(interaction, "⚠️ no such event", ephemeral=True)
    await tree.respond(interaction, "and a note", ephemeral=True)
    assert interaction.calls == [("defer", False), ("fill", "…"), ("delete",),
                                 ("follow-up", "⚠️ no such event", True),
                                 ("follow-up", "and a note", True)]


# The host running short while a command ran: memory (a 2 MB page read under a tight
# RLIMIT_AS), descriptors (EMFILE, wrapped by aiohttp as it connects), a thread the
# interpreter could not start (its stack is address space too).
SHORTAGES = {
    "memory": MemoryError(),
    "open files": aiohttp.ClientConnectorError(
        SimpleNamespace(ssl=None, host="127.0.0.1", port=443),
        OSError(errno.EMFILE, "Too many open files")),
    "threads": RuntimeError("can't start new thread"),
}


@pytest.mark.parametrize("short", list(SHORTAGES))
async def test_the_host_running_short_is_one_private_line_and_one_log_line(
        short, caplog):
    """A MemoryError or EMFILE in a command was "Something went wrong on my side" with a
    traceback for every request it failed (1,858 log lines for a burst of 300 joins): the
    member is told the machine ran short, and the log says it once, without a traceback,
    until a minute passes without it."""
    now = [100.0]
    shortages = tree.Shortages(clock=lambda: now[0])
    command = SimpleNamespace(name="join", qualified_name="rsvp join")
    for n in range(4):
        interaction = Interaction()
        interaction.type, interaction.command, interaction.guild_id = (
            discord.InteractionType.application_command, command, 5)
        interaction.locale = discord.Locale.american_english
        interaction.client = SimpleNamespace(tree=SimpleNamespace(shortages=shortages))
        try:
            raise app_commands.CommandInvokeError(command, SHORTAGES[short])
        except app_commands.CommandInvokeError as error:
            await tree.report_error(interaction, error)
        assert interaction.calls == [("send", "⚠️ The bot's machine ran short of memory or "
                                      "open files while doing this; check whether it was "
                                      "done, then try again in a moment.", True)]
        now[0] += 61 if n == 2 else 1  # the fourth comes after a minute without it
    said = [r for r in caplog.records if r.name == "bot.tree"]
    assert [r.levelname for r in said] == ["WARNING", "WARNING"], said
    assert all(r.exc_info is None and f"short of {short}: rsvp join" in r.getMessage()
               for r in said)
    assert "2 more request(s) failed" in said[1].getMessage()


def test_an_error_raised_while_handling_a_shortage_is_a_defect_not_a_shortage():
    """Only what an error wraps counts (its cause, a command's original): a defect raised
    in a handler of MemoryError or EMFILE, chained or not, is still a defect."""
    def raised(outer: type[Exception], chained: bool) -> BaseException:
        try:
            try:
                raise OSError(errno.EMFILE, "Too many open files")
            except OSError as inner:
                if chained:
                    raise outer("wrapped") from inner
                raise outer("a defect in the handler") from None
        except Exception as error:
            return error
        raise AssertionError("unreachable")

    assert tree.shortage_of(raised(KeyError, chained=False)) is None
    try:
        raise MemoryError
    except MemoryError:
        try:
            raise ValueError("a defect in the handler")
        except ValueError as defect:
            assert tree.shortage_of(defect) is None
    short = tree.shortage_of(raised(RuntimeError, chained=True))
    assert short is not None and short[0] == "open files"


async def test_an_answer_the_servers_automod_blocked_is_told_privately_in_the_bots_words():
    """Discord's 400 200000: not "something went wrong", and none of the blocked text."""
    blocked = discord.HTTPException(SimpleNamespace(status=400, reason="Bad Request"),
                                    {"code": 200000, "message": "Message was blocked by "
                                     "automatic moderation"})
    interaction = Interaction()
    interaction.type = discord.InteractionType.application_command
    interaction.guild_id, interaction.locale = 5, discord.Locale.american_english
    command = SimpleNamespace(name="takeaways", qualified_name="event takeaways")
    await tree.report_error(interaction, app_commands.CommandInvokeError(command, blocked))
    assert interaction.calls == [("send", "⚠️ This server's AutoMod blocked what I was about "
                                  "to post, so it isn't shown; its rules are under Server "
                                  "Settings > AutoMod.", True)]
