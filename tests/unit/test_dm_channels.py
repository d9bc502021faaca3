"""Members' DM channels are opened one at a time (bot.adapters.dm_channels), whoever asks:
at most one open waits in discord.py's bucket for the route."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from bot.adapters.dm_channels import DmChannels


async def test_opens_asked_for_side_by_side_go_one_at_a_time():
    in_flight, most, order = 0, 0, []

    async def start_private_message(user_id: int) -> dict:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)  # Discord answering
        in_flight -= 1
        order.append(user_id)
        return {"id": str(1000 + user_id), "last_message_id": None}

    async def create_dm(user: object) -> SimpleNamespace:
        return SimpleNamespace(id=int((await start_private_message(user.id))["id"]))

    bot = SimpleNamespace(http=SimpleNamespace(start_private_message=start_private_message),
                          create_dm=create_dm)
    channels = DmChannels(bot)  # type: ignore[arg-type]
    opened = await asyncio.gather(*(channels.opened(n) for n in range(5)),
                                  *(channels.channel(n) for n in range(5, 10)))
    assert most == 1 and order == list(range(10))  # one at a time, in the order asked
    assert [o["id"] for o in opened[:5]] == [str(1000 + n) for n in range(5)]
    assert [c.id for c in opened[5:]] == [1000 + n for n in range(5, 10)]
