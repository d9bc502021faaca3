"""What the tests read and wait for: synced commands, messages, DMs, files, the gateway."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections.abc import Callable, Sequence
from typing import Any

from sandbox.models import Channel, Guild, Member, MessageRecord, Recorded, User, _id
from sandbox.process import BotProcess


class _Waiters:
    """Futures keyed by what they wait on; ``notify(key)`` wakes only that key's waiters."""

    def __init__(self) -> None:
        self._futures: dict[Any, list[asyncio.Future[None]]] = {}

    def notify(self, key: Any) -> None:
        for fut in self._futures.pop(key, ()):
            if not fut.done():
                fut.set_result(None)

    def future(self, key: Any) -> asyncio.Future[None]:
        fut = asyncio.get_running_loop().create_future()
        self._futures.setdefault(key, []).append(fut)
        return fut



class Observations:
    """Reading what the bot did, and waiting for it (the tests' side)."""

    def commands(self, guild: Guild | int | None = None) -> list[dict[str, Any]]:
        """The application commands the bot last synced, globally or to ``guild``."""
        return list(self._commands.get(None if guild is None else _id(guild), []))

    def register_commands(self, commands: list[dict[str, Any]],
                          guild: Guild | int | None = None) -> None:
        """Give the application commands it already has, as another process of the same
        application synced them (a bot sharing its database with that process syncs none)."""
        self._commands[None if guild is None else _id(guild)] = copy.deepcopy(commands)

    def sync_count(self, guild: Guild | int | None = None) -> int:
        """How many times the bot PUT its commands, globally or to ``guild``."""
        return self._sync_counts.get(None if guild is None else _id(guild), 0)

    def messages(self, channel: Channel | int) -> list[dict[str, Any]]:
        """Current state of the messages in ``channel``, oldest first, without deleted ones.

        Channel messages are what the bot posted with ``channel.send`` plus its
        non-ephemeral interaction responses and follow-ups (those have ``interaction_metadata``).
        """
        return [r.data for r in self._channel_messages.get(_id(channel), {}).values()]

    def dms(self, user: User | Member | int) -> list[dict[str, Any]]:
        """Messages the bot sent to ``user`` in DMs."""
        channel = self._dm_channels.get(_id(user))
        return [] if channel is None else self.messages(channel)

    def message_record(self, message: dict[str, Any] | int) -> MessageRecord:
        """Creation time, edit times and deletion time of a message (by dict or id)."""
        mid = int(message["id"]) if isinstance(message, dict) else int(message)
        return self._messages[mid]

    def files_of(self, message: dict[str, Any]) -> list[tuple[str, bytes]]:
        """The (filename, bytes) of a message's attachments."""
        return [(a["filename"], self._files[int(a["id"])][1]) for a in message["attachments"]]

    def scheduled_events(self, guild: Guild | int) -> list[dict[str, Any]]:
        return list(self.guilds[_id(guild)].scheduled_events.values())

    def unknown_requests(self) -> list[Recorded]:
        """REST calls to routes this server does not implement (answered with 404)."""
        return [r for r in self.requests if r.route is None]

    async def wait_message(
        self,
        channel: Channel | int,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """The newest message in ``channel`` (already there or yet to come, in its current
        state) for which ``predicate`` is true."""
        cid = _id(channel)

        def check() -> dict[str, Any] | None:
            for record in reversed(self._channel_messages.get(cid, {}).values()):
                if predicate is None or predicate(record.data):
                    return record.data
            return None

        return await self._wait(("channel", cid), check, timeout, f"a message in channel {cid}")

    async def wait_ready(self, timeout: float = 30.0, *, process: BotProcess | None = None,
                         shards: Sequence[int] | None = None) -> None:
        """Until the bot has IDENTIFYed ``shards`` (default: every shard) and received
        GUILD_CREATE for every guild of them (but those in an outage, which it will not
        receive until the outage ends).

        With ``process``: those sessions must have been IDENTIFYed after that process
        started (so a restarted bot is not mistaken for its predecessor), and the wait
        fails at once, with the output, if the process exits.
        """
        if process is not None and process not in self._processes:
            self._processes.append(process)
        since = -1.0 if process is None or process.started is None else process.started
        sessions = [self._shards[s] for s in (range(self.shard_count) if shards is None
                                              else shards)]

        def ready() -> bool | None:
            return all(
                s.live.is_set() and s.identified_at >= since
                and all(gid in s.delivered for gid in self.guilds
                        if self.shard_of(gid) == s.id and gid not in self._outages)
                for s in sessions
            ) or None

        await self._wait("gateway", ready, timeout, "the bot to connect and receive its guilds")

    async def _wait(self, key: Any, check: Callable[[], Any], timeout: float, what: str) -> Any:
        """Wait until ``check()`` returns a value other than None, re-checking whenever
        ``key`` is notified; fail early if a bot process died."""
        deadline = time.monotonic() + timeout
        while (result := check()) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout} s waiting for {what}{self._bot_status()}"
                )
            for proc in self._processes:
                if proc.returncode is not None and not proc.stopped:
                    raise RuntimeError(f"while waiting for {what}: {proc.describe()}")
            fut = self._waiters.future(key)
            with contextlib.suppress(TimeoutError):
                # re-check dead processes at least every 0.5 s
                await asyncio.wait_for(fut, min(remaining, 0.5))
        return result

    def _bot_status(self) -> str:
        """What may explain a timeout: dead bots and errors in this server."""
        dead = [p for p in self._processes if p.returncode is not None and not p.stopped]
        errors = [f"\nFakeDiscord error:\n{tb}" for tb in self.server_errors[-1:]]
        return "".join(f"\n{p.describe()}" for p in dead) + "".join(errors)
