"""Which event an `[event]` value means, who may run /manage, and what odd ids and
malformed interactions get: all through the real bot process and the local Discord."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest

from sandbox import Attachment
from sandbox.models import MANAGE_EVENTS
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, edit_form, import_page, until
from tests.e2e.test_reminders_roles_schedules import role_the_bot_may_give

pytestmark = pytest.mark.asyncio(loop_scope="module")

NO_MATCH = "No event in this server matches"
REFUSED = "You need the **Manage Events** permission"


def refused(reply) -> bool:
    return bool(reply.ephemeral and reply.content and reply.content.startswith("⚠️"))


def unreadable(reply) -> bool:
    """The answer to an interaction the bot could not read: not "you can't use this"."""
    return refused(reply) and reply.content == (
        "⚠️ Discord sent this in a form I couldn't read, so nothing was done; try again.")


BACKGROUND = ('INSERT INTO "outbox"', 'INSERT INTO "announcement_messages"')


def content(world) -> list[str]:
    """The database as SQL, without what background delivery rewrites on its own (the
    outbox, and the digests of announcements it refreshes a few seconds after a change)."""
    return [line for line in world.dump() if not line.startswith(BACKGROUND)]


async def settled(world) -> list[str]:
    """`content` once background work after an import has finished: the baseline to compare
    with after refused commands."""
    previous = content(world)
    for _ in range(40):
        await asyncio.sleep(0.25)
        current = content(world)
        if current == previous:
            return current
        previous = current
    raise AssertionError("the database kept changing")


def new_log(world, since: int) -> str:
    return world.bot.output()[since:]


async def import_into(fake, guild, moderator, title: str, capacity: int = 10) -> int:
    """A new event in `guild`; each its own page, since a page imported again updates the
    event that already has it."""
    page = title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT
    reply = await import_page(fake, guild, moderator, title=title, capacity=capacity,
                             page=Attachment("announcement.txt", page, "text/plain"))
    assert reply.content and "(event " in reply.content, reply
    return int(reply.content.split("(event ", 1)[1].split(")", 1)[0])


async def another_server(world, fake, name: str):
    """A second server with its moderator and a member, once the bot has it."""
    guild = fake.add_guild(name)
    moderator = fake.add_member(guild, f"{name.lower()} moderator", manage_events=True)
    member = fake.add_member(guild, f"{name.lower()} member")
    await fake.wait_ready(process=world.bot)
    return guild, moderator, member


async def test_another_servers_id_or_a_number_in_a_title_picks_no_event(world, fake):
    alpha_id = await world.import_event("Alpha Forum", capacity=10)
    bravo, bravo_mod, bravo_member = await another_server(world, fake, "Bravo")
    hall_id = await import_into(fake, bravo, bravo_mod, f"Bravo Town Hall {alpha_id}")
    summit_id = await import_into(fake, bravo, bravo_mod, "Bravo Summit 2026")
    assert len({alpha_id, hall_id, summit_id}) == 3
    since = len(world.bot.output())
    before = await settled(world)

    page = Attachment("recap.txt", OPEN_ANNOUNCEMENT, "text/plain")
    attempts = [
        await fake.slash(bravo, bravo_member, "rsvp join", event=str(alpha_id)),
        await fake.slash(bravo, bravo_mod, "manage close", event=str(alpha_id)),
        await fake.slash(bravo, bravo_mod, "manage capacity", seats=1, event=str(alpha_id)),
        await import_page(fake, bravo, bravo_mod, page=page, event=str(alpha_id)),
        # refused for the event first, before the page (here missing) is looked at
        await fake.slash(bravo, bravo_mod, "manage import", event=str(alpha_id)),
        await fake.slash(bravo, bravo_member, "event info", event=str(alpha_id)),
        await fake.slash(bravo, bravo_member, "rsvp status", event=str(alpha_id)),
        # A number that only occurs in a title (a year) is not a title either.
        await fake.slash(bravo, bravo_member, "rsvp join", event="2026"),
        await fake.slash(bravo, bravo_mod, "manage close", event="Town Hall"),
        await fake.slash(bravo, bravo_member, "rsvp status", event="Bravo"),
    ]
    for reply in attempts:
        assert refused(reply) and NO_MATCH in reply.content, reply
    await asyncio.sleep(0.2)
    assert content(world) == before
    assert "Traceback" not in new_log(world, since)

    # Exact titles (any case, spacing) and slugs name their event; ids of this server too.
    [(slug,)] = world.query("SELECT slug FROM events WHERE id = ?", (hall_id,))
    joined = await fake.slash(bravo, bravo_member, "rsvp join",
                              event=f"  bravo TOWN  hall {alpha_id} ")
    assert "confirmed" in joined.content and f"Bravo Town Hall {alpha_id}" in joined.content
    status = await fake.slash(bravo, bravo_member, "rsvp status", event=slug)
    assert f"Bravo Town Hall {alpha_id}" in status.content and "confirmed" in status.content
    closed = await fake.slash(bravo, bravo_mod, "manage close", event=str(summit_id))
    assert "Bravo Summit 2026" in closed.content and not refused(closed)
    assert world.query("SELECT user_id FROM rsvps WHERE event_id = ?", (hall_id,)) == [
        (bravo_member.id,)]
    assert world.query("SELECT count(*) FROM rsvps WHERE event_id = ?", (alpha_id,)) == [(0,)]


async def test_a_title_made_of_another_servers_id_names_this_servers_event(world, fake):
    alpha_id = await world.import_event("Alpha Numbers", capacity=10)
    charlie, charlie_mod, charlie_member = await another_server(world, fake, "Charlie")
    numbered_id = await import_into(fake, charlie, charlie_mod, str(alpha_id))
    assert numbered_id != alpha_id
    # The id read finds nothing in this server, so the exact title is looked for next.
    joined = await fake.slash(charlie, charlie_member, "rsvp join", event=str(alpha_id))
    assert "confirmed" in joined.content and f"**{alpha_id}**" in joined.content, joined
    status = await fake.slash(charlie, charlie_member, "rsvp status", event=str(alpha_id))
    assert "confirmed" in status.content and f"**{alpha_id}**" in status.content, status
    info = await fake.slash(charlie, charlie_member, "event info", event=str(alpha_id))
    assert info.embeds and info.embeds[0]["title"] == str(alpha_id), info
    assert world.query("SELECT event_id FROM rsvps WHERE user_id = ?",
                       (charlie_member.id,)) == [(numbered_id,)]


async def test_a_mistyped_event_lists_close_titles_and_pings_nobody(world, fake):
    await world.import_event("Arctic Security Dialogue", capacity=10)
    member = world.member("typo")
    reply = await fake.slash(world.guild, member, "event info", event="Arctik Securty Dialog")
    assert refused(reply) and NO_MATCH in reply.content
    assert "Arctic Security Dialogue" in reply.content
    hostile = "@everyone <@&123456789012345678> **" + "[" * 3000
    reply = await fake.slash(world.guild, member, "rsvp join", event=hostile)
    assert refused(reply) and NO_MATCH in reply.content
    assert "@everyone" not in reply.content and "<@&123456789012345678>" not in reply.content
    assert len(reply.content) < 400
    assert reply.message["mention_everyone"] is False and reply.message["mentions"] == []
    # Autocomplete still finds events by part of their title, and sends the id.
    choices = await fake.autocomplete(world.guild, member, "rsvp join", focused="event",
                                      event="arctic")
    assert [c["name"] for c in choices] == ["Arctic Security Dialogue"]
    chosen = await fake.slash(world.guild, member, "rsvp join", event=choices[0]["value"])
    assert "confirmed" in chosen.content


async def test_a_title_is_found_in_either_chinese_script(world, fake):
    """Members in Taiwan or Hong Kong type traditional characters (導彈防禦) for a title
    the page writes in simplified ones (导弹防御), and full-width letters count as plain."""
    event_id = await world.import_event("导弹防御论坛 ２０３１", capacity=10)
    member = world.member("traditional typist")
    choices = await fake.autocomplete(world.guild, member, "rsvp join", focused="event",
                                      event="導彈防禦")
    assert [c["value"] for c in choices] == [str(event_id)]
    info = await fake.slash(world.guild, member, "event info", event="導彈防禦論壇 2031")
    assert info.embeds and info.embeds[0]["title"] == "导弹防御论坛 ２０３１", info
    typo = await fake.slash(world.guild, member, "event info", event="導彈防禦論談 2031")
    assert refused(typo) and "导弹防御论坛 ２０３１" in typo.content  # did you mean
    # A twin written the other way: its exact title names it, and a title that could be
    # either names neither (the refusal lists both).
    twin_id = await world.import_event("導彈防禦論壇 2031", capacity=10)
    for typed, wanted in (("導彈防禦論壇 2031", twin_id), ("导弹防御论坛 ２０３１", event_id)):
        joined = await fake.slash(world.guild, member, "rsvp join", event=typed)
        assert "confirmed" in joined.content, joined.content
        assert world.query("SELECT count(*) FROM rsvps WHERE event_id = ? AND user_id = ?",
                           (wanted, member.id)) == [(1,)]
    either = await fake.slash(world.guild, member, "event info", event="导弹防御论坛 2031")
    assert refused(either) and "導彈防禦論壇 2031" in either.content, either.content


async def test_odd_ids_are_unknown_events_not_errors(world, fake):
    event_id = await world.import_event("Odd Id Forum", capacity=10)
    member = world.member("odd")
    channel = world.guild.channel("announcements")
    await fake.slash(world.guild, world.moderator, "manage announce", event=str(event_id),
                     channel=channel)
    message = await fake.wait_message(channel, lambda m: any(
        e.get("title") == "Odd Id Forum" for e in m["embeds"]))
    await asyncio.sleep(0.2)
    since = len(world.bot.output())
    before = await settled(world)
    for ref in ("99999999999999999999", "9223372036854775808", "²", "٣", "-1", "1e3",
                "0x10", "1" * 200):
        for command in ("rsvp join", "event info", "manage close"):
            who = world.moderator if command.startswith("manage") else member
            reply = await fake.slash(world.guild, who, command, event=ref)
            assert refused(reply) and NO_MATCH in reply.content, (ref, command, reply)
    # A button whose id is longer than any event id still answers, in a line.
    for big in ("99999999999999999999", "9223372036854775808"):
        reply = await fake.click(world.guild, member, message, f"eventbot:rsvp:join:{big}",
                                 forged=True)
        assert refused(reply) and f"no event {big} in this server" in reply.content, reply
    await asyncio.sleep(0.2)
    assert content(world) == before
    log = new_log(world, since)
    assert "Traceback" not in log and "unexpected error" not in log, log[-3000:]


async def test_an_event_named_with_invisible_characters_is_the_event_it_shows(world, fake):
    """A title or id pasted with a zero-width space, a byte-order mark or direction marks
    was refused as "No event in this server matches 'Pasted Forum'; did you mean “Pasted
    Forum”?": the member sees no difference. A title saved with one is named without it."""
    event_id = await world.import_event("Pasted Forum", capacity=10)
    marked_id = await world.import_event("Marked\u200b Forum", capacity=10)
    member = world.member("paster")
    for ref, named in (("Pasted Forum\u200b", event_id), ("\ufeffPasted Forum", event_id),
                       (f"{event_id}\u200b", event_id), (f"\u202a{event_id}\u202c", event_id),
                       (f"#\u2060{event_id}", event_id), ("Marked Forum", marked_id),
                       ("Marked\u200b Forum\u200e", marked_id)):
        reply = await fake.slash(world.guild, member, "rsvp status", event=ref)
        assert not refused(reply), (ref, reply.content)
        title = world.query("SELECT title FROM events WHERE id = ?", (named,))[0][0]
        assert f"**{title}**" in reply.content, (ref, reply.content)


async def test_a_title_whose_emoji_holds_a_joiner_names_the_first_of_its_events(world, fake):
    """An emoji drawn from several (👩‍💻: a joiner between them) in a series' title, typed
    whole into `[event]`: the first event of that title, as any title typed names it. The
    joiner was taken out of what was typed but not out of the titles, so no title matched,
    and of several alike none was named."""
    title = "Coding night 👩‍💻"
    first, second = [await world.import_event(title, capacity=10, page=(
        f"{title}\n\nSession {n}.\n\n".encode() + OPEN_ANNOUNCEMENT)) for n in (1, 2)]
    assert first != second
    shown = await fake.slash(world.guild, world.member("coder"), "event info", event=title)
    assert shown.embeds and "Session 1." in str(shown.embeds[0]), shown


async def test_manage_events_from_one_channels_overwrite_is_not_enough(world, fake):
    guild = world.guild
    event_id = await world.import_event("Overwrite Forum", capacity=10)
    general = guild.channel("general")
    by_member = world.member("channel manager")
    fake.set_overwrite(general, by_member, allow=MANAGE_EVENTS)
    helpers = fake.add_role(guild, "Channel Helpers")
    by_role = world.member("channel helper")
    by_role.roles.append(helpers)
    fake.set_overwrite(general, helpers, allow=MANAGE_EVENTS)
    attendee = fake.add_role(guild, "Overwrite Attendee")
    holder = world.member("overwrite holder")
    assert "confirmed" in (await fake.slash(guild, holder, "rsvp join",
                                            event=str(event_id))).content
    page = Attachment("p.txt", OPEN_ANNOUNCEMENT, "text/plain")
    attempts = [
        ("manage import", {"page": page, "title": "Sneaky Import"}),
        ("manage import", {"page": page, "event": str(event_id)}),
        ("manage close", {"event": str(event_id)}),
        ("manage open", {"event": str(event_id)}),
        ("manage capacity", {"seats": 1, "event": str(event_id)}),
        ("manage announce", {"event": str(event_id)}),
        ("manage channel", {"channel": guild.channel("announcements")}),
        ("manage attendees", {"event": str(event_id)}),
        ("manage reminders", {"minutes": "off"}),
        ("manage role", {"role": attendee, "event": str(event_id)}),
        ("manage scheduled-events", {"state": "off"}),
        ("manage delete", {"event": str(event_id)}),
        ("manage archive", {"event": str(event_id)}),
        ("manage edit", {"event": str(event_id)}),
        ("manage timezone", {"zone": "Europe/Paris"}),
        ("manage language", {"language": "zh-CN"}),
        ("manage remove", {"member": holder, "event": str(event_id)}),
    ]
    synced = {o["name"] for o in next(c for c in fake.commands() if c["name"] == "manage")
              ["options"]}
    assert synced == {command.split()[1] for command, _ in attempts}
    before = await settled(world)
    messages = len(fake.messages(general)) + len(fake.messages(guild.channel("announcements")))
    for who in (by_member, by_role):
        # The interaction says Manage Events in #general, as Discord would...
        assert fake.permissions(who, general) & MANAGE_EVENTS
        assert not fake.permissions(who) & MANAGE_EVENTS
        for command, options in attempts:
            reply = await fake.slash(guild, who, command, in_channel=general, options=options)
            # ...but managing events is a server-wide power.
            assert refused(reply) and REFUSED in reply.content, (who, command, reply)
            assert not reply.files
    await asyncio.sleep(0.2)
    assert content(world) == before
    assert len(fake.messages(general)) + len(
        fake.messages(guild.channel("announcements"))) == messages

    # Manage Events from a role (server-wide) works in any channel.
    organiser = world.member("organiser")
    organiser.roles.append(fake.add_role(guild, "Organisers", MANAGE_EVENTS))
    closed = await fake.slash(guild, organiser, "manage close", in_channel=general,
                              event=str(event_id))
    assert not refused(closed) and "closed" in closed.content
    reopened = await fake.slash(guild, world.moderator, "manage open",
                                in_channel=guild.channel("announcements"), event=str(event_id))
    assert not refused(reopened) and "open" in reopened.content


async def test_a_timed_out_bot_says_so_rather_than_ask_for_permissions_it_has(world, fake):
    """A moderator's timeout of the bot (or AutoMod's, for a word in a title) leaves it
    only View Channel and Read Message History, as any member: announcing or choosing the
    announcements channel then says the bot is timed out and until when, in one private
    line in the moderator's language, not to give it permissions it already has, and
    nothing is posted or saved. Once the timeout is lifted, the same command posts."""
    guild = world.guild
    event_id = await world.import_event("Timed Out Bot Forum", capacity=5)
    announcements, general = guild.channel("announcements"), guild.channel("general")
    bot_member = guild.members[fake.bot_user.id]
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    said = f"<t:{int(until.timestamp())}:f>"
    before = await settled(world)
    posts = len(fake.messages(announcements)) + len(fake.messages(general))
    fake.time_out(bot_member, until)
    try:
        await asyncio.sleep(0.3)  # (the bot hears of it: GUILD_MEMBER_UPDATE)
        chinese = world.member("timeout moderator (zh-CN)", locale="zh-CN", manage_events=True)
        for who, command, options in (
                (world.moderator, "manage announce", {"event": str(event_id)}),
                (world.moderator, "manage announce", {"event": str(event_id),
                                                      "channel": general}),
                (world.moderator, "manage channel", {"channel": general}),
                (chinese, "manage announce", {"event": str(event_id)})):
            reply = await fake.slash(guild, who, command, options=options)
            assert refused(reply) and "\n" not in reply.content, (command, reply)
            assert said in reply.content and "View Channel" not in reply.content, (
                command, reply.content)
            if who is chinese:
                assert "被禁言至" in reply.content, reply.content
            else:
                assert "timed out" in reply.content, reply.content
        await asyncio.sleep(0.2)
        assert content(world) == before
        assert len(fake.messages(announcements)) + len(fake.messages(general)) == posts
    finally:
        fake.time_out(bot_member, None)
    await asyncio.sleep(0.3)
    posted = await fake.slash(guild, world.moderator, "manage announce", event=str(event_id))
    assert "Posted" in posted.content, posted


async def test_a_timed_out_bot_setting_an_attendee_role_says_it_is_timed_out(world, fake):
    """/manage role while the bot is timed out: Discord lets a timed-out member give no
    roles, whatever Manage Roles its roles carry, so the moderator is told that, and until
    when, not to turn on Manage Roles for the bot's role; no role is set. Lifted, it is."""
    guild = world.guild
    event_id = await world.import_event("Timed Out Role Forum", capacity=5,
                                        starts_at="2031-05-06T18:00:00+00:00")
    attendees = await role_the_bot_may_give(world, fake, "Timed Out Forum Attendee")
    owner = guild.owner  # (who may give any role)
    bot_member = guild.members[fake.bot_user.id]
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    fake.time_out(bot_member, until)
    try:
        await asyncio.sleep(0.3)
        reply = await fake.slash(guild, owner, "manage role", role=attendees,
                                 event=str(event_id))
        assert refused(reply) and "\n" not in reply.content, reply
        assert f"<t:{int(until.timestamp())}:f>" in reply.content, reply.content
        assert "timed out" in reply.content and "Manage Roles" not in reply.content, (
            reply.content)
        assert world.query("SELECT attendee_role_id FROM events WHERE id = ?",
                           (event_id,)) == [(None,)]
    finally:
        fake.time_out(bot_member, None)
    await asyncio.sleep(0.3)
    reply = await fake.slash(guild, owner, "manage role", role=attendees, event=str(event_id))
    assert not refused(reply) and "get <@&" in reply.content, reply


async def listed_as_a_discord_event(world, fake, title: str):
    """An event `title`, announced, so listed in the server's Discord events: its id, and
    a reading of the places its Discord events give, as they are when read."""
    event_id = await world.import_event(title, capacity=5,
                                        starts_at="2031-05-06T18:00:00+00:00")
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id))
    assert "Discord events" in posted.content, posted

    def locations() -> list[str]:
        return [e["entity_metadata"]["location"] for e in fake.scheduled_events(world.guild)
                if e.get("name") == title]

    return event_id, locations


async def test_a_discord_event_a_timeout_of_the_bot_held_back_follows_once_it_is_lifted(
        world, fake):
    """An edit while the bot is timed out: Discord refuses it its Discord events as it
    does any member's, so the moderator is told the bot is timed out and until when, not
    to turn on Manage Events for its role (which it has), and the Discord event is brought
    up to date once a moderator lifts the timeout, as the reply promises, not at the next
    change of the bot's roles."""
    guild = world.guild
    event_id, locations = await listed_as_a_discord_event(world, fake, "Timed Out Listing Forum")
    assert len(locations()) == 1
    bot_member = guild.members[fake.bot_user.id]
    ends = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    fake.time_out(bot_member, ends)
    try:
        await asyncio.sleep(0.3)
        edited = await edit_form(world, event_id, {"venue": "Timeout Hall"})
        assert edited.ephemeral and "Timeout Hall" in edited.content, edited
        assert f"<t:{int(ends.timestamp())}:f>" in edited.content, edited.content
        assert "timed out" in edited.content and "for my role" not in edited.content, (
            edited.content)
        assert locations()[0] != "Timeout Hall"
    finally:
        fake.time_out(bot_member, None)
    await until(lambda: locations() == ["Timeout Hall"],
                what="the Discord event brought up to date")


async def test_a_discord_event_held_back_follows_when_the_bot_s_timeout_runs_out(world, fake):
    """Discord sends nothing when a timeout runs out by itself (only when one is set or
    lifted): the Discord event an edit could not update while the bot was timed out is
    brought up to date at the timeout's end all the same, not left for a restart."""
    guild = world.guild
    event_id, locations = await listed_as_a_discord_event(world, fake, "Timeout Runs Out Forum")
    bot_member = guild.members[fake.bot_user.id]
    fake.time_out(bot_member, datetime.now(UTC) + timedelta(seconds=4))
    await asyncio.sleep(0.3)
    edited = await edit_form(world, event_id, {"venue": "Ran Out Hall"})
    assert "timed out" in edited.content, edited.content  # (it was, as the edit was made)
    assert locations() != ["Ran Out Hall"]
    await until(lambda: locations() == ["Ran Out Hall"], timeout=30,
                what="the Discord event brought up to date at the timeout's end")
    assert not bot_member.timed_out


async def test_attendee_roles_wait_out_the_bot_s_timeout_without_refused_calls(world, fake):
    """While the bot is timed out Discord refuses it every role, and each refusal counts
    toward its limit of invalid requests: a member confirmed meanwhile is not asked for
    (the log says why), and gets the role once a moderator lifts the timeout."""
    guild = world.guild
    event_id = await world.import_event("Timed Out Roles Forum", capacity=5,
                                        starts_at="2031-05-06T18:00:00+00:00")
    attendees = await role_the_bot_may_give(world, fake, "Timed Out Roles Attendee")
    accepted = await fake.slash(guild, guild.owner, "manage role", role=attendees,
                                event=str(event_id))
    assert not refused(accepted), accepted
    bot_member = guild.members[fake.bot_user.id]
    joiner = world.member("timed out joiner")
    route = f"/guilds/{guild.id}/members/{joiner.id}/roles/{attendees.id}"
    since = len(world.bot.output())
    fake.time_out(bot_member, datetime.now(UTC) + timedelta(minutes=10))
    try:
        await asyncio.sleep(0.3)
        joined = await fake.slash(guild, joiner, "rsvp join", event=str(event_id))
        assert "confirmed" in joined.content, joined
        await until(lambda: "timed out" in new_log(world, since) or any(
            r.path.endswith(route) for r in fake.requests), what="the sync after the join")
        assert not [r for r in fake.requests if r.path.endswith(route)]
        assert attendees not in joiner.roles
    finally:
        fake.time_out(bot_member, None)
    await until(lambda: attendees in joiner.roles, timeout=30,
                what="the role once the timeout is lifted")


def drop_member_roles(payload: dict) -> None:
    del payload["member"]["roles"]


def user_instead_of_member(payload: dict) -> None:
    payload["user"] = payload.pop("member")["user"]


def junk(payload: dict) -> None:
    payload.update(member={"user": "nobody", "roles": 5}, channel=[1, 2], data={"x": None},
                   guild={"id": "not a number"}, extra={"deep": [{}] * 3})


def renamed_subcommand(payload: dict) -> None:
    payload["data"]["options"][0]["name"] = "joinx"


def renamed_command(payload: dict) -> None:
    payload["data"]["name"] = "rsvp-old"


@pytest.mark.parametrize("mutate", [renamed_subcommand, renamed_command])
async def test_a_command_the_members_client_knows_from_before_says_to_reload(world, fake,
                                                                              mutate):
    """A client that loaded the commands before they changed (a sync since) sends names
    the bot no longer has: the member is told to reload Discord, privately, and the
    log has a warning, not an error's traceback."""
    event_id = await world.import_event(f"Stale Forum {mutate.__name__}", capacity=5)
    since = len(world.bot.output())
    reply = await fake.slash(world.guild, world.member(), "rsvp join", event=str(event_id),
                             mutate=mutate)
    assert reply.ephemeral and reply.content == (
        "⚠️ This command has changed since your Discord app loaded it: reload Discord "
        "(Ctrl+R, or restart the app) and try again."), reply
    assert world.query("SELECT count(*) FROM rsvps WHERE event_id = ?", (event_id,)) == [(0,)]
    log = new_log(world, since)
    assert "Traceback" not in log and "names a command this bot does not have" in log, log


@pytest.mark.parametrize("mutate", [drop_member_roles, user_instead_of_member, junk])
async def test_a_malformed_interaction_neither_kills_the_bot_nor_goes_unanswered(world, fake,
                                                                                 mutate):
    member = world.member()
    channel = world.guild.channel("announcements")
    title = f"Malformed Forum {mutate.__name__.replace('_', ' ').title()}"
    event_id = await world.import_event(title, capacity=5)
    posted = await fake.slash(world.guild, world.moderator, "manage announce",
                              event=str(event_id), channel=channel)
    assert "Posted" in posted.content, posted
    message = await fake.wait_message(channel, lambda m: any(
        e.get("title") == title for e in m["embeds"]))
    await asyncio.sleep(0.2)
    since = len(world.bot.output())
    before = await settled(world)
    reply = await fake.slash(world.guild, member, "rsvp join", event=str(event_id),
                             mutate=mutate)
    assert unreadable(reply), reply
    clicked = await fake.click(world.guild, member, message, f"eventbot:rsvp:join:{event_id}",
                               mutate=mutate)
    assert unreadable(clicked), clicked
    # An autocomplete takes only choices: it is offered none (Discord refuses a message).
    assert await fake.autocomplete(world.guild, member, "rsvp join", focused="event",
                                   event=title[:8], mutate=mutate) == []
    await asyncio.sleep(0.2)
    assert world.bot.running
    assert content(world) == before
    # The next normal command is answered as usual.
    joined = await fake.slash(world.guild, member, "rsvp join", event=str(event_id))
    assert "confirmed" in joined.content
    log = new_log(world, since)
    assert "Traceback" not in log, log[-3000:]


# What an interaction's payload carries into the log, were it written as it came: a line
# break and a made-up record after it, a carriage return, an escape sequence that clears
# the operator's terminal, Unicode's own line breaks and a right-to-left override.
FORGED_RECORD = "2026-01-01 00:00:00,000 ERROR   bot: all data deleted"
HOSTILE = f"7\n{FORGED_RECORD}\r\x1b[2J\u2028\u2029\x85\u202eok"
RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|"
                          r"CRITICAL) ")
LOG_LINE_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def each_record_one_line(log: str) -> None:
    """Every line of the log starts a record with its time and level, or is indented (a
    traceback's); no escape sequences, bidi overrides or other line breaks in it; none
    longer than a screenful or two."""
    for line in log.split("\n"):
        assert not line or RECORD_START.match(line) or line.startswith(" "), line[:300]
        assert not line.startswith(FORGED_RECORD), line[:300]
        assert not any(ch in line for ch in ("\x1b", "\u202e", *LOG_LINE_BREAKS)), line[:300]
        assert len(line) <= 5000, line[:300]


async def test_what_an_interaction_carries_cannot_forge_or_flood_the_log(world, fake):
    since = len(world.bot.output())
    # Read nowhere (its id is no number), so the bot can only log it and go on.
    await fake.dispatch("INTERACTION_CREATE", {
        "id": HOSTILE, "application_id": str(fake.app_id), "type": 2, "token": "t",
        "version": 1, "attachment_size_limit": 0, "guild_id": str(world.guild.id),
        "data": {"name": "rsvp"}})

    def long_name(payload: dict) -> None:
        payload["data"]["name"] = HOSTILE + "x" * 1_000_000

    event_id = await world.import_event("Log Forum", capacity=5)
    reply = await fake.slash(world.guild, world.member(), "rsvp join", event=str(event_id),
                             mutate=long_name)
    assert reply.ephemeral and "reload Discord" in reply.content, reply
    for _ in range(50):
        log = new_log(world, since)
        if "ignored a malformed interaction" in log and "names a command" in log:
            break
        await asyncio.sleep(0.1)
    assert "ignored a malformed interaction" in log and "names a command" in log, log[-3000:]
    each_record_one_line(log)
    assert world.bot.running
