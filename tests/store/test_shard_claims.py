"""A process that runs some shards claims only the notices and reminders of their guilds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.models import EventDraft
from bot.shards import Shards, shard_of
from tests.conftest import make_page, new_event

# Guild ids whose shard of 3 is their index: Discord's rule looks at the id's top bits.
GUILDS = [(1_000_000 + 3 + n) << 22 for n in range(3)]


async def test_claims_are_limited_to_the_processs_shards(store):
    assert [shard_of(g, 3) for g in GUILDS] == [1, 2, 0]
    for n, guild_id in enumerate(GUILDS):
        event = await new_event(store, guild_id=guild_id, capacity=1, slug=f"talk{n}")
        await store.join(guild_id, event.id, 100 + n, "m")  # fills it: a capacity notice

    mine = await store.run(store.notices.claim_notices, shards=Shards(3, (0, 2)))
    assert sorted(n.guild_id for n in mine) == sorted([GUILDS[1], GUILDS[2]])
    assert await store.run(store.notices.claim_notices, shards=Shards(3, (0, 2))) == []
    [theirs] = await store.run(store.notices.claim_notices, shards=Shards(3, (1,)))
    assert theirs.guild_id == GUILDS[0]
    # A claim of a process that died is handed out again, to a process of that shard only.
    assert await store.run(store.notices.claim_notices, stale_after=-1,
                           shards=Shards(3, (0,))) == [n for n in mine if n.guild_id == GUILDS[2]]
    assert len(await store.run(store.notices.claim_notices, stale_after=-1)) == 3  # unsharded


async def test_reminders_are_claimed_by_the_process_of_their_guilds_shard(store):
    """Only the process that runs a guild knows whether the bot is in it, and so whether
    a reminder's DM can go now (Discord refuses a DM to a member the bot shares no server
    with) or must wait for the bot to be invited back: it alone claims the reminders."""
    starts = datetime(2030, 5, 1, 18, 0, tzinfo=UTC)
    for n, guild_id in enumerate(GUILDS):
        event, _ = await store.run(store.events.save_event, guild_id, EventDraft(
            slug=f"talk{n}", title=f"Talk {n}", capacity=5, starts_at=starts),
            [("page", make_page())])
        await store.join(guild_id, event.id, 100 + n, "m")
    now = starts - timedelta(minutes=30)  # the hour-before reminder is due

    assert await store.run(store.reminders.next_due, now, (), Shards(3, (2,))) <= now  # due
    mine = await store.run(store.reminders.claim_reminders, now, shards=Shards(3, (0, 2)))
    assert sorted(d.guild_id for d in mine) == sorted([GUILDS[1], GUILDS[2]])
    # Nothing of these shards left: the process waits for what comes next, not for the
    # other shard's reminder (which would have it wake in a loop).
    assert await store.run(store.reminders.claim_reminders, now, shards=Shards(3, (0, 2))) == []
    later = await store.run(store.reminders.next_due, now, (), Shards(3, (0, 2)))
    assert later is None or later > now
    [theirs] = await store.run(store.reminders.claim_reminders, now, shards=Shards(3, (1,)))
    assert theirs.guild_id == GUILDS[0]
