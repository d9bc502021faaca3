"""A process that runs some shards claims only the notices of their guilds."""

from __future__ import annotations

from bot.shards import Shards, shard_of
from tests.conftest import new_event

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
