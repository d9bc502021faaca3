"""One server never sees or touches another's: a role or channel of another server named
in a crafted option, and a form or question opened in one server answered from another
(or from a DM), through the real bot process and the local Discord."""

from __future__ import annotations

import asyncio
import re

import pytest

from sandbox import Attachment
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_button, import_page
from tests.e2e.test_reminders_roles_schedules import bot_role, move_role
from tests.e2e.test_resolution_and_permissions import import_into, refused

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def two_servers(world, fake, name: str):
    """A second server whose moderator also moderates the test's server (one user, a
    member of both): what they do in one must not reach the other."""
    other = fake.add_guild(name)
    there = fake.add_member(other, f"{name.lower()} moderator", manage_events=True)
    here = fake.add_member(world.guild, user=there.user, manage_events=True)
    await fake.wait_ready(process=world.bot)
    return other, there, here


def option_swapped(name: str, kind: str, target) -> callable:
    """A slash command's `mutate`: option `name` names `target` (a role or channel of
    another server), in the option and in `resolved`, as a modified client could send."""
    def swap(payload: dict) -> None:
        options = payload["data"]["options"][0]["options"]
        option = next(o for o in options if o["name"] == name)
        option["value"] = str(target.id)
        entry = target.payload()
        if kind == "channels":
            entry["permissions"] = str((1 << 41) - 1)
        payload["data"]["resolved"][kind] = {str(target.id): entry}
    return swap


def title_of(world, event_id: int) -> str:
    [(title,)] = world.query("SELECT title FROM events WHERE id = ?", (event_id,))
    return title


async def test_a_role_of_another_server_is_refused_as_an_attendee_role(world, fake):
    event_id = await world.import_event("Isolation Roles", capacity=5)
    other, _, _ = await two_servers(world, fake, "Roleland")
    theirs = fake.add_role(other, "Roleland Attendee")
    ours = fake.add_role(world.guild, "Isolation Attendee")
    await move_role(world, bot_role(world),
                    max(r.position for r in world.guild.roles.values()) + 1)
    reply = await fake.slash(world.guild, world.guild.owner, "manage role", role=ours,
                             event=str(event_id), mutate=option_swapped("role", "roles", theirs))
    assert refused(reply), reply.content
    assert "Roleland" not in reply.content and str(theirs.id) in reply.content
    assert world.query("SELECT attendee_role_id FROM events WHERE id = ?",
                       (event_id,)) == [(None,)]
    # this server's own role is taken as before
    taken = await fake.slash(world.guild, world.guild.owner, "manage role", role=ours,
                             event=str(event_id))
    assert not refused(taken), taken.content
    assert world.query("SELECT attendee_role_id FROM events WHERE id = ?",
                       (event_id,)) == [(ours.id,)]


async def test_a_channel_of_another_server_is_refused_and_nothing_is_posted_there(world, fake):
    event_id = await world.import_event("Isolation Channels", capacity=5)
    other, _, _ = await two_servers(world, fake, "Channelland")
    theirs = fake.add_channel(other, "their-news")
    ours = world.guild.channel("general")
    before = world.query("SELECT * FROM guild_settings WHERE guild_id = ?", (world.guild.id,))
    for command, options in (("manage channel", {}), ("manage announce",
                                                      {"event": str(event_id)})):
        reply = await fake.slash(world.guild, world.moderator, command, channel=ours,
                                 mutate=option_swapped("channel", "channels", theirs), **options)
        assert refused(reply), (command, reply.content)
        assert "their-news" not in reply.content and str(theirs.id) in reply.content
    await asyncio.sleep(0.3)
    assert fake.messages(theirs) == []
    assert world.query("SELECT * FROM guild_settings WHERE guild_id = ?",
                       (world.guild.id,)) == before


async def test_an_edit_form_opened_in_one_server_edits_nothing_from_another(world, fake):
    other, there, here = await two_servers(world, fake, "Formland")
    theirs = await import_into(fake, other, there, "Formland Forum")
    form = await fake.slash(other, there, "manage edit", event=str(theirs))
    assert form.modal is not None, form
    for elsewhere in (here, world.moderator, there.user):  # same user here, another, a DM
        reply = await fake.submit_modal(form, {"title": "Taken Over"}, elsewhere=elsewhere)
        assert reply.ephemeral and "Taken Over" not in (reply.content or ""), reply
        assert "Formland" not in (reply.content or ""), reply.content
        assert title_of(world, theirs) == "Formland Forum"
    # the form still works where it was opened
    done = await fake.submit_modal(form, {"title": "Formland Forum Renamed"})
    assert "Updated" in done.content, done.content
    assert title_of(world, theirs) == "Formland Forum Renamed"


def moved_to(guild, fake) -> callable:
    """A click's `mutate`: sent from `guild`'s channel, as a modified client could."""
    channel = guild.system_channel or next(iter(guild.channels.values()))

    def move(payload: dict) -> None:
        payload["channel_id"] = str(channel.id)
        payload["channel"] = channel.payload()
    return move


async def test_a_question_asked_in_one_server_is_not_answered_from_another(world, fake):
    other, there, here = await two_servers(world, fake, "Askland")
    theirs = await import_into(fake, other, there, "Askland Summit")
    asked = await fake.slash(other, there, "manage delete", event=str(theirs))
    delete = next(c for c in asked.custom_ids() if ":go:" in c)
    clicked = await fake.click(world.guild, here, asked.message, delete,
                               mutate=moved_to(world.guild, fake))
    assert "Askland" not in (clicked.content or ""), clicked.content
    assert "deleted" not in (clicked.content or "").lower(), clicked.content
    assert clicked.ephemeral, clicked
    await asyncio.sleep(0.2)
    assert title_of(world, theirs) == "Askland Summit"
    # the question is left as it was where it was asked, and answers there
    done = await fake.click(other, there, asked.message, delete)
    done = await done.wait(lambda r: "Deleted" in (r.content or ""))
    assert "Deleted **Askland Summit**" in done.content, done.content

    # An import preview from there, imported here: nothing is saved in either server.
    counts = world.query("SELECT guild_id, count(*) FROM events GROUP BY guild_id")
    page = b"Askland Recap\n\n" + OPEN_ANNOUNCEMENT
    preview = await fake.slash(other, there, "manage import", title="Askland Recap",
                               page=Attachment("recap.txt", page, "text/plain"))
    button = import_button(preview)
    assert button is not None, preview
    clicked = await fake.click(world.guild, here, preview.message, button,
                               mutate=moved_to(world.guild, fake))
    await asyncio.sleep(0.3)
    assert "Askland" not in (clicked.content or ""), clicked.content
    assert world.query("SELECT guild_id, count(*) FROM events GROUP BY guild_id") == counts
    # where it was asked, it answers as before
    done = await fake.click(other, there, preview.message, button)
    done = await done.wait(lambda r: not r.custom_ids() or bool(r.followups))
    assert "Created **Askland Recap**" in (done.content or ""), done.content


async def test_autocomplete_here_never_offers_another_servers_events(world, fake):
    other, there, here = await two_servers(world, fake, "Listland")
    theirs = await import_into(fake, other, there, "Listland Secret Gala")
    archived = await import_into(fake, other, there, "Listland Hidden Archive")
    await fake.slash(other, there, "manage archive", event=str(archived))
    for command in ("event info", "rsvp join", "manage delete", "manage archive",
                    "manage attendees"):
        for typed in ("", "Listland", str(theirs), str(archived), "Secret"):
            who = here if command.startswith("manage") else world.moderator
            choices = await fake.autocomplete(world.guild, who, command, focused="event",
                                              event=typed)
            shown = " ".join(c["name"] + " " + str(c["value"]) for c in choices)
            assert "Listland" not in shown, (command, typed, shown)
            assert str(theirs) not in [str(c["value"]) for c in choices]
            assert str(archived) not in [str(c["value"]) for c in choices]


async def test_dms_about_events_of_one_title_in_two_servers_say_which_server(world, fake):
    """A member of two servers, each with its own "Twin Town Hall": a DM about one of them
    names its server, so the member knows which seat it is about, and where to run the
    `/rsvp cancel` it suggests."""
    other, there, _ = await two_servers(world, fake, "Southbank Society")
    title = "Twin Town Hall"
    here_id = await world.import_event(title, capacity=1)
    imported = await import_page(fake, other, there, title=title, capacity=1, page=Attachment(
        "announcement.txt", title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT, "text/plain"))
    there_id = int(re.search(r"\(event (\d+)\)", imported.content)[1])
    member, holder = world.member("twin reader"), world.member("twin holder")
    member_there = fake.add_member(other, user=member.user)
    # here: promoted from the waitlist when the seat's holder cancels
    await fake.slash(world.guild, holder, "rsvp join", event=str(here_id))
    waiting = await fake.slash(world.guild, member, "rsvp join", event=str(here_id))
    assert "waitlisted (position 1)" in waiting.content, waiting
    await fake.slash(world.guild, holder, "rsvp cancel", event=str(here_id))
    promoted = await fake.wait_message(fake.dm_channel(member),
                                       lambda m: "now confirmed" in m["content"], timeout=15)
    assert world.guild.name in promoted["content"], promoted
    assert other.name not in promoted["content"], promoted
    # there: the seat removed by that server's moderator
    joined = await fake.slash(other, member_there, "rsvp join", event=str(there_id))
    assert "confirmed" in joined.content, joined
    await fake.slash(other, there, "manage remove", event=str(there_id), member=member_there)
    removed = await fake.wait_message(fake.dm_channel(member),
                                      lambda m: "removed your RSVP" in m["content"], timeout=15)
    assert other.name in removed["content"], removed
    assert world.guild.name not in removed["content"], removed
