"""A server's data deleted once the bot has been out of it for the retention period
(`cogs.retention`), through the real bot process: nothing the bot kept in memory for that
server, or for its events, outlives the data and acts on what the server does later."""

from __future__ import annotations

import pytest

from sandbox import Attachment
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_page, until

pytestmark = pytest.mark.asyncio(loop_scope="module")

# A server's data is deleted about 4 s after the bot leaves it.
BOT_ENV = {"GUILD_DATA_RETENTION_DAYS": "0.00005"}



async def imported(fake, guild, member, title: str) -> int:
    page = Attachment("p.txt", title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT, "text/plain")
    reply = await import_page(fake, guild, member, page=page, title=title, capacity=5)
    assert "(event " in (reply.content or ""), reply
    return int(reply.content.split("(event ", 1)[1].split(")", 1)[0])


async def test_a_role_of_a_deleted_server_s_event_is_not_kept_on_members_for_its_sake(
        world, fake):
    """An event gave a member its attendee role; the bot was removed and the server's data
    deleted. Invited back, the server gives the same role out for a new event: a member
    who cancels loses it. Else the bot still counted them as holding it for the deleted
    event (kept in memory until that event's end, read from a database that no longer
    has it), and left it on them for that event's sake."""
    guild = fake.add_guild("Purged Club")
    owner = guild.owner
    await fake.wait_ready(process=world.bot)
    await world.past_on_ready()
    role = fake.add_role(guild, "Club Attendee")
    bot_role = next(r for r in guild.roles.values() if r.bot_id is not None)
    bot_role.position = role.position + 1
    await fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id),
                                              "role": bot_role.payload()})
    member = fake.add_member(guild, "club member")

    first = await imported(fake, guild, owner, "Club Night Before")
    set_role = await fake.slash(guild, owner, "manage role", role=role, event=str(first))
    assert f"<@&{role.id}>" in set_role.content, set_role
    joined = await fake.slash(guild, member, "rsvp join", event=str(first))
    assert "confirmed" in joined.content, joined
    await until(lambda: role in member.roles, what="the role for the first event")

    fake.remove_bot(guild)
    await until(lambda: not world.query("SELECT 1 FROM events WHERE guild_id = ?",
                                        (guild.id,))
                and not world.query("SELECT 1 FROM guild_settings WHERE guild_id = ?",
                                    (guild.id,)),
                timeout=30.0, what="the server's data deleted")
    assert role in member.roles  # (out of the server, the bot could not take it back)

    fake.rejoin(guild)
    await fake.wait_ready(process=world.bot)
    # Discord gave the bot a new role, at the bottom of the list: dragged up again
    bot_role = next(r for r in guild.roles.values() if r.bot_id is not None)
    bot_role.position = role.position + 1
    await fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id),
                                              "role": bot_role.payload()})
    second = await imported(fake, guild, owner, "Club Night After")
    assert second > first
    set_role = await fake.slash(guild, owner, "manage role", role=role, event=str(second))
    assert f"<@&{role.id}>" in set_role.content, set_role
    joined = await fake.slash(guild, member, "rsvp join", event=str(second))
    assert "confirmed" in joined.content, joined
    grants = f"/guilds/{guild.id}/members/{member.id}/roles/{role.id}"
    await until(lambda: any(r.method == "PUT" and r.path == grants for r in fake.requests),
                what="the role given for the second event")

    cancelled = await fake.slash(guild, member, "rsvp cancel", event=str(second))
    assert cancelled.ephemeral, cancelled
    await until(lambda: role not in member.roles, what="the role taken back at the cancel")
