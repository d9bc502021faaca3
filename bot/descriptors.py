"""The process's file descriptors: each connection to Discord takes one, beside the
database's files, the gateway's sockets, a page being fetched and a backup.

Discord's answers to interactions go out on connections of their own, one per answer in
flight (a burst of 300 joins held 317 descriptors), and discord.py opens as many as it
is asked for. Past the process's limit (`ulimit -n`, systemd's `LimitNOFILE`) every
open fails with EMFILE: members' answers were lost (a seat confirmed, the member shown
"did not respond") and the log took a traceback per request (1,858 lines for a burst of
300 joins under a limit of 256). So the bot raises its soft limit to the hard one at
start, as systemd advises any program that does not use select(), and keeps its
connections to Discord to a share of what is left, so that a burst waits its turn for
one instead of failing."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

try:
    import resource
except ImportError:  # Windows: no such limit to raise
    resource = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

# Descriptors kept for all but Discord's REST connections (the database's files and
# folders, the log, a page fetched, a backup, SQLite's temporary files, modules imported
# on first use) where the limit is large; where it is small, half of it.
RESERVED = 256
# Below this many descriptors a burst of commands queues for connections to Discord: said
# at start, for the operator to raise the limit.
ENOUGH = 1024
# Connections to Discord for requests at the least, whatever the limit, beside one for
# each shard's gateway, which holds its own as long as it runs.
FEWEST_CONNECTIONS = 8


def raise_soft_limit() -> int | None:
    """Raise the process's soft limit on open descriptors to its hard limit; the soft
    limit then (None where there is no such limit)."""
    if resource is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):  # a limit the kernel caps lower (nr_open): keep it
            pass
    return soft_limit()


def soft_limit() -> int | None:
    """The process's limit on open descriptors now (None: none)."""
    if resource is None:
        return None
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return None if soft == resource.RLIM_INFINITY else soft


def discord_connections(limit: int | None, gateways: int = 1) -> int:
    """Connections to Discord open at once, at most, under a limit of `limit` descriptors
    (None: no limit; 0 is aiohttp's "no limit" too), for a process whose shards hold
    `gateways` of them: all but RESERVED of the descriptors, or half of a small limit;
    FEWEST_CONNECTIONS for requests at the least."""
    if limit is None:
        return 0  # aiohttp's "no limit"
    return max(gateways + FEWEST_CONNECTIONS, limit // 2, limit - RESERVED)


def gateways_of(settings: Settings) -> int:
    """The gateway connections of a process: one for each of its shards."""
    return len(settings.shard_ids or ()) or settings.shard_count or 1


def say_limit(limit: int | None, gateways: int = 1) -> None:
    """A warning at start when the limit leaves a burst of commands waiting for
    connections."""
    if limit is not None and limit < ENOUGH:
        log.warning("this process may open only %d files and connections at once (ulimit -n, "
                    "systemd's LimitNOFILE): answers to Discord wait for one of %d "
                    "connections in a burst of commands; raise the limit to %d or more",
                    limit, discord_connections(limit, gateways), ENOUGH)
