"""Tests of the local Discord-compatible server (sandbox/) with real discord.py bots.

Two bots run as subprocesses against it: the benchmark floor bot (bench/floor_bot.py)
and probe_bot.py, which does what the event bot does (deferrals, embeds, files, channel
posts, DMs, autocomplete, persistent buttons, modals, attachments). Each test starts its
own server and bot; a bot's output is printed at teardown, so pytest shows it on failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox import Attachment, BotProcess, FakeDiscord, Guild, Member
from sandbox.models import (
    MANAGE_EVENTS,
    READ_MESSAGE_HISTORY,
    USE_APPLICATION_COMMANDS,
    VIEW_CHANNEL,
)

HERE = Path(__file__).resolve().parent
FLOOR_BOT = [sys.executable, str(HERE.parent.parent / "bench" / "floor_bot.py")]
PROBE_BOT = [sys.executable, str(HERE / "probe_bot.py")]


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
def guild(fake: FakeDiscord) -> Guild:
    return fake.add_guild()


@pytest.fixture
def member(fake: FakeDiscord, guild: Guild) -> Member:
    return fake.add_member(guild, "alice")


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, cmd: list[str], env: dict[str, str] | None = None):
    """A ready bot process; stopped (and its output printed) however the test ends."""
    bot = fake.spawn_bot(cmd, env)
    try:
        await fake.wait_ready(process=bot)
        yield bot
    finally:
        await bot.stop()
        print(bot.output())  # pytest shows teardown output of failed tests
    assert fake.unknown_requests() == [], "the bot called routes the server does not know"
    assert fake.server_errors == []


@pytest.fixture
async def floor(fake: FakeDiscord, guild: Guild):
    async with running(fake, FLOOR_BOT, {"FLOOR_GUILD_ID": str(guild.id)}) as bot:
        yield bot


@pytest.fixture
async def probe(fake: FakeDiscord, guild: Guild, member: Member):
    async with running(fake, PROBE_BOT) as bot:
        yield bot


def callbacks(fake: FakeDiscord) -> list:
    return [r for r in fake.requests if r.route and r.route.endswith("/callback")]


# --------------------------------------------------------------------------- the floor bot


async def test_floor_bot_syncs_to_its_guild_and_confirms(fake, guild, member, floor):
    assert (fake.sync_count(guild), fake.sync_count()) == (1, 0)
    [rsvp] = fake.commands(guild)
    [join] = rsvp["options"]
    assert (rsvp["name"], join["name"], join["type"]) == ("rsvp", "join", 1)
    assert [(o["name"], o["type"], o.get("required")) for o in join["options"]] == [
        ("event", 3, False)
    ]

    reply = await fake.slash(guild, member, "rsvp join")
    assert (reply.type, reply.content, reply.ephemeral) == (4, "confirmed", True)
    reply = await fake.slash(guild, member, "rsvp join", event="Alpha")
    assert reply.content == "confirmed"
    assert fake.messages(guild.system_channel) == []  # ephemeral replies are not in the channel


async def test_floor_bot_answers_50_concurrent_interactions(fake, guild, member, floor):
    members = [fake.add_member(guild) for _ in range(50)]
    replies = await asyncio.gather(
        *(fake.slash(guild, m, "rsvp join", event=str(i)) for i, m in enumerate(members))
    )
    assert {(r.content, r.ephemeral) for r in replies} == {("confirmed", True)}
    assert len({r.interaction_id for r in replies}) == 50
    assert [r.status for r in callbacks(fake)] == [200] * 50


# --------------------------------------------------------------------------- the server on its own


async def test_command_lookup_errors_name_what_exists(fake, guild, member, probe):
    with pytest.raises(LookupError, match="no slash command 'nope'"):
        await fake.slash(guild, member, "nope")
    with pytest.raises(LookupError, match="is a group"):
        await fake.slash(guild, member, "probe nested")
    with pytest.raises(LookupError, match=r"has no options \['colour'\]"):
        await fake.slash(guild, member, "probe pick", event="x", colour="red")
    with pytest.raises(ValueError, match="required option 'event'"):
        await fake.slash(guild, member, "probe pick")


async def test_no_response_times_out_with_a_clear_error():
    async with FakeDiscord(response_deadline=0.2) as fake:
        guild = fake.add_guild()
        member = fake.add_member(guild)
        floor = fake.spawn_bot(FLOOR_BOT, {"FLOOR_GUILD_ID": str(guild.id)})
        try:
            await fake.wait_ready(process=floor)
            floor.proc.send_signal(signal.SIGSTOP)  #: the bot is connected but cannot answer
            started = time.monotonic()
            with pytest.raises(TimeoutError, match="did not respond"):
                await fake.slash(guild, member, "rsvp join")
            assert time.monotonic() - started < 2
        finally:
            floor.kill()


async def test_a_dead_bot_fails_waits_at_once_with_its_output(fake):
    crashing = fake.spawn_bot([sys.executable, "-c", "print('boom'); raise SystemExit(3)"])
    with pytest.raises(RuntimeError, match=r"(?s)exit code 3.*boom"):
        await fake.wait_ready(timeout=10)
    crashing.kill()


# --------------------------------------------------------------------------- interactions


async def test_defer_then_follow_ups(fake, guild, member, probe):
    reply = await fake.slash(guild, member, "probe defer")
    assert (reply.type, reply.content, reply.ephemeral) == (5, "deferred done", True)
    assert reply.followups[0] is reply.message  # the first follow-up filled the deferral
    second = await reply.followup(2)
    assert second["content"] == "second followup" and second["id"] != reply.message["id"]


async def test_embed_file_and_nested_group(fake, guild, member, probe):
    reply = await fake.slash(guild, member, "probe embed")
    await reply.wait(lambda r: r.content == "edited")  # edited through callback.resource
    assert len(fake.message_record(reply.message).edits) == 1
    [embed] = reply.embeds
    assert (embed["title"], embed["fields"]) == (
        "Probe",
        [{"name": "field", "value": "value", "inline": False}],
    )

    reply = await fake.slash(guild, member, "probe file")
    assert (reply.content, reply.files) == ("here", [("hello.txt", b"hello file")])
    assert callbacks(fake)[-1].files == [("hello.txt", b"hello file")]  # sent as multipart

    reply = await fake.slash(guild, member, "probe nested double", n=21)
    assert reply.content == "42"


async def test_autocomplete_then_pick(fake, guild, member, probe):
    choices = await fake.autocomplete(guild, member, "probe pick", focused="event", event="ta")
    assert [c["value"] for c in choices] == ["Beta workshop", "Gamma talk"]
    reply = await fake.slash(guild, member, "probe pick", event=choices[0]["value"])
    assert reply.content == "picked Beta workshop"


async def test_attachment_option_is_downloadable(fake, guild, member, probe):
    page = Attachment("page.txt", "Ünïcode page".encode(), "text/plain")
    reply = await fake.slash(guild, member, "probe read", page=page)
    assert reply.content == "page.txt: Ünïcode page"


async def test_modal_round_trip(fake, guild, member, probe):
    opened = await fake.slash(guild, member, "probe modal")
    assert opened.type == 9 and opened.modal["title"] == "A question"
    submitted = await fake.submit_modal(opened, {"answer": "forty-two"})
    assert submitted.content == "answer: forty-two"
    # Answered, the form closed in the member's client: it is not submitted again.
    with pytest.raises(LookupError, match="closed"):
        await fake.submit_modal(opened, {"answer": "forty-three"})
    assert len(callbacks(fake)) == 2


async def test_a_form_and_a_click_carry_the_member_as_they_are_when_sent(
        fake, guild, member, probe):
    """As on Discord, an interaction's `member` (its `roles`, and `permissions`: "total
    permissions of the member in the channel") is the member as they are when it is made:
    a form opened by a member with Manage Events is submitted without it once their role
    is taken away or no longer allows it, while they are timed out (Discord leaves them
    only View Channel and Read Message History), or once they left and came back without
    it. The
    server used to submit a form as the member it was opened by, roles and all; an
    interaction from a member who left, or from who they were before they came back, is
    not one Discord sends."""
    stewards = fake.add_role(guild, "Stewards", MANAGE_EVENTS)
    sent: list[dict] = []

    def permissions() -> int:
        return int(sent[-1]["member"]["permissions"])

    fake.set_roles(member, [stewards])
    opened = await fake.slash(guild, member, "probe modal", mutate=sent.append)
    assert permissions() & MANAGE_EVENTS and sent[-1]["member"]["roles"] == [str(stewards.id)]
    fake.set_roles(member, [])
    await fake.submit_modal(opened, {"answer": "a"}, mutate=sent.append)
    assert not permissions() & MANAGE_EVENTS and sent[-1]["member"]["roles"] == []

    fake.set_roles(member, [stewards])
    opened = await fake.slash(guild, member, "probe modal")
    fake.set_role_permissions(guild, stewards, 0)
    await fake.submit_modal(opened, {"answer": "b"}, mutate=sent.append)
    assert not permissions() & MANAGE_EVENTS and sent[-1]["member"]["roles"] == [str(stewards.id)]

    fake.set_role_permissions(guild, stewards, MANAGE_EVENTS)
    opened = await fake.slash(guild, member, "probe modal")
    until = datetime.now(UTC) + timedelta(minutes=5)
    fake.time_out(member, until)  # "lose all permissions except VIEW_CHANNEL and READ_..."
    await fake.submit_modal(opened, {"answer": "t"}, mutate=sent.append)
    assert permissions() == VIEW_CHANNEL | READ_MESSAGE_HISTORY
    assert datetime.fromisoformat(sent[-1]["member"]["communication_disabled_until"]) == until
    fake.time_out(member, None)

    opened = await fake.slash(guild, member, "probe modal")
    fake.remove_member(guild, member)
    back = fake.add_member(guild, user=member.user)  # came back, without the role
    submitted = await fake.submit_modal(opened, {"answer": "c"}, mutate=sent.append)
    assert submitted.content == "answer: c"
    assert not permissions() & MANAGE_EVENTS and sent[-1]["member"]["roles"] == []
    with pytest.raises(ValueError, match=r"not a member of guild .* now"):
        await fake.slash(guild, member, "probe where")  # who they were before
    opened = await fake.slash(guild, back, "probe modal")
    fake.remove_member(guild, back)
    with pytest.raises(ValueError, match="left"):
        await fake.submit_modal(opened, {"answer": "d"})
    with pytest.raises(ValueError, match=r"not a member of guild .* now"):
        await fake.slash(guild, back, "probe where")  # one who left sends nothing there
    # A member the server never listed is one Discord does not send with the guild (a large
    # guild without the members intent): their interactions come all the same.
    unlisted = Member(fake.add_user("unlisted"), guild)
    assert (await fake.slash(guild, unlisted, "probe where")).content == f"guild {guild.name}"


async def test_no_commands_for_a_member_without_use_application_commands(fake, guild, member,
                                                                         probe):
    """Discord offers the app's commands (and their autocomplete) only to a member with Use
    Application Commands in the channel: none while they are timed out (they keep View
    Channel and Read Message History alone), none where an overwrite denies it; the
    server's owner is exempt from a timeout, and the commands come back once it is lifted
    or the overwrite goes."""
    general = guild.channel("general")
    fake.time_out(member, datetime.now(UTC) + timedelta(minutes=5))
    for channel in (None, general):
        with pytest.raises(ValueError, match="may not use application commands"):
            await fake.slash(guild, member, "probe where", in_channel=channel)
    owner = guild.owner
    fake.time_out(owner, datetime.now(UTC) + timedelta(minutes=5))
    assert (await fake.slash(guild, owner, "probe where")).content == f"guild {guild.name}"
    fake.time_out(member, None)
    assert (await fake.slash(guild, member, "probe where")).content == f"guild {guild.name}"

    fake.set_overwrite(general, member, deny=USE_APPLICATION_COMMANDS)
    with pytest.raises(ValueError, match="may not use application commands"):
        await fake.slash(guild, member, "probe where", in_channel=general)
    with pytest.raises(ValueError, match="may not use application commands"):
        await fake.autocomplete(guild, member, "probe pick", focused="event", event="a",
                                in_channel=general)
    fake.set_overwrite(general, member)
    assert (await fake.slash(guild, member, "probe where", in_channel=general)).content == (
        f"guild {guild.name}")


async def test_nothing_from_a_channel_hidden_from_the_member(fake, guild, member, probe):
    """A channel whose overwrite denies a member View Channel is not in their client: no
    command comes from it, nor a click on a message there; a role allowed to see it, or
    the overwrite gone, brings it back."""
    staff = fake.add_channel(guild, "staff")
    button_holder = fake.add_member(guild, "poster")
    reply = await fake.slash(guild, button_holder, "probe post", channel=staff, text="staff")
    posted = await fake.wait_message(staff)
    assert reply.content == f"posted {posted['id']}"
    fake.set_overwrite(staff, guild.everyone, deny=VIEW_CHANNEL)
    with pytest.raises(ValueError, match="cannot see"):
        await fake.slash(guild, member, "probe where", in_channel=staff)
    with pytest.raises(ValueError, match="cannot see"):
        await fake.click(guild, member, posted, "eventbot:rsvp:join:42")
    stewards = fake.add_role(guild, "Staff")
    fake.set_roles(member, [stewards])
    fake.set_overwrite(staff, stewards, allow=VIEW_CHANNEL)
    assert (await fake.slash(guild, member, "probe where", in_channel=staff)).content == (
        f"guild {guild.name}")
    joined = await fake.click(guild, member, posted, "eventbot:rsvp:join:42")
    assert joined.content == "joined 42"


async def test_dm_command_and_guild_joined_later(fake, guild, member, probe):
    assert (await fake.slash_dm(member, "probe where")).content == "dm"
    second = fake.add_guild("Second Guild")
    bob = fake.add_member(second, "bob")
    await fake.wait_ready()  # the bot got GUILD_CREATE for the new guild
    assert (await fake.slash(second, bob, "probe where")).content == "guild Second Guild"


async def test_user_install_is_offered_only_where_the_app_allows_it(fake, guild, member, probe):
    """A member's own install of the app reaches a server that has not installed it only
    with commands whose installation contexts include user installs (a command that names
    none has the app's, as set on its Installation page); the interaction then names the
    member alone as its authorizing owner."""
    elsewhere = fake.add_guild("Without the app")
    bob = fake.add_member(elsewhere, "bob")
    fake.remove_bot(elsewhere)
    with pytest.raises(LookupError, match="not offered to user installs"):
        await fake.slash(elsewhere, bob, "probe where", user_install=True)
    fake.installation_contexts = (0, 1)
    sent: list[dict] = []
    reply = await fake.slash(elsewhere, bob, "probe where", user_install=True,
                             mutate=sent.append)
    assert reply.content.startswith("guild")
    assert sent[0]["authorizing_integration_owners"] == {"1": str(bob.id)}
    assert sent[0]["guild_id"] == str(elsewhere.id) and sent[0]["context"] == 0
    # a server that installed the app names it
    await fake.slash(guild, member, "probe where", mutate=sent.append)
    assert sent[1]["authorizing_integration_owners"] == {"0": str(guild.id)}


# --------------------------------------------------------------------------- messages


async def test_channel_post_edit_and_persistent_buttons(fake, guild, member, probe):
    channel = guild.channel("announcements")
    text = f"@everyone <@{member.id}> doors open"
    reply = await fake.slash(guild, member, "probe post", channel=channel, text=text)
    posted = await fake.wait_message(channel)
    assert reply.content == f"posted {posted['id']}"
    assert posted["content"] == f"{text} (edited)" and len(fake.message_record(posted).edits) == 1
    assert (posted["mention_everyone"], posted["mentions"]) == (False, [])  # nobody pinged
    sent = [r.message for r in fake.requests if r.message is not None]
    assert len(sent) == 3 and all(m["allowed_mentions"]["parse"] == [] for m in sent)

    joined = await fake.click(guild, member, posted, "eventbot:rsvp:join:42")
    assert (joined.type, joined.content, joined.ephemeral) == (4, "joined 42", True)
    left = await fake.click(guild, member, posted, "eventbot:rsvp:leave:42")
    assert left.type == 7 and fake.messages(channel)[-1]["content"] == "left 42"

    await probe.stop()  # buttons on old messages keep working after a restart
    restarted = fake.spawn_bot(PROBE_BOT)
    try:
        await fake.wait_ready(process=restarted)
        again = await fake.click(guild, member, posted, "eventbot:rsvp:join:42")
        assert again.content == "joined 42"
    finally:
        await restarted.stop()


async def test_channel_overwrite_forbids_posting(fake, guild, member, probe):
    closed = fake.add_channel(guild, "closed", bot_can_send=False)  # CHANNEL_CREATE to the bot
    reply = await fake.slash(guild, member, "probe post", channel=closed, text="hi")
    assert reply.content == "cannot post there (50013)"
    assert fake.messages(closed) == []
    assert [r.status for r in fake.requests if r.path == f"/channels/{closed.id}/messages"] == [403]


async def test_dms_and_blocked_dms(fake, guild, member, probe):
    assert (await fake.slash(guild, member, "probe dm")).content == "dm sent"
    assert [m["content"] for m in fake.dms(member)] == ["hello from probe"]
    fake.block_dms(member)
    assert (await fake.slash(guild, member, "probe dm")).content == "dm blocked (50007)"
    assert len(fake.dms(member)) == 1


# --------------------------------------------------------------------------- faults


async def test_rate_limit_is_retried_by_discord_py(fake, guild, member, probe):
    fake.fail("POST", r"^/channels/\d+/messages$", status=429, retry_after=0.3)
    channel = guild.channel("announcements")
    started = time.monotonic()
    reply = await fake.slash(guild, member, "probe post", channel=channel, text="after 429")
    assert time.monotonic() - started >= 0.3
    posted = await fake.wait_message(channel)
    assert reply.content == f"posted {posted['id']}"
    sends = [r for r in fake.requests if r.route == "/channels/{channel_id}/messages"]
    assert [r.status for r in sends] == [429, 200]


@pytest.mark.parametrize("resumable", [True, False])
async def test_gateway_drop_then_reconnect(fake, guild, member, probe, resumable):
    await fake.drop_gateway(resumable=resumable)
    assert (fake.identify_count, fake.resume_count) == ((1, 1) if resumable else (2, 0))
    reply = await fake.slash(guild, member, "probe nested double", n=4)
    assert reply.content == "8"
    assert ("on_resumed fired" in probe.output()) == resumable


@pytest.mark.parametrize("resumable", [True, False])
async def test_an_interaction_made_while_the_bot_is_away_reaches_only_a_resumed_session(
        fake, guild, member, probe, resumable):
    # Discord replays missed events on RESUME only: a member who uses a command while
    # the bot's session is down gets an answer when it resumes, and a failure when the
    # bot comes back with a new session (a restarted process).
    drop = asyncio.ensure_future(fake.drop_gateway(resumable=resumable))
    await asyncio.sleep(0)  # the socket is closed; the bot is reconnecting
    assert not fake._connected()
    asked = fake.slash(guild, member, "probe nested double", n=4)
    if resumable:
        assert (await asked).content == "8"
    else:
        with pytest.raises(TimeoutError, match="came back with a new one"):
            await asked
    await drop
    assert (await fake.slash(guild, member, "probe nested double", n=5)).content == "10"


async def test_bot_process_helper_captures_output_and_stops():
    script = "import time; print('up', flush=True); time.sleep(60)"
    async with BotProcess([sys.executable, "-c", script]) as proc:
        for _ in range(100):
            if "up" in proc.output():
                break
            await asyncio.sleep(0.02)
        assert proc.running and proc.output() == "up\n"
    assert not proc.running and proc.returncode is not None
    assert proc.output().startswith("up\n")  # kept after the log file is gone
