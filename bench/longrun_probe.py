"""Run `python -m bot run` with a probe: on SIGUSR1 the process writes, to the file named
by LONGRUN_PROBE, the size of every container reachable from the bot's own objects
(bot/, cogs/), the sizes of the module-level caches, and its asyncio tasks by name.
Used by bench/longrun.py to see what grows while the bot runs for a long time."""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import os
import runpy
import signal
import sys
import tracemalloc
import weakref

CONTAINERS = (dict, set, list, collections.deque, weakref.WeakValueDictionary,
              weakref.WeakKeyDictionary, weakref.WeakSet, frozenset, tuple)


def ours(obj: object) -> bool:
    module = type(obj).__module__ or ""
    return module.split(".")[0] in ("bot", "cogs")


def walk(obj: object, path: str, out: dict[str, int], seen: set[int], depth: int) -> None:
    if id(obj) in seen or depth > 6:
        return
    seen.add(id(obj))
    try:
        attrs = vars(obj)
    except TypeError:
        attrs = {name: getattr(obj, name) for name in getattr(type(obj), "__slots__", ())
                 if hasattr(obj, name)}
    for name, value in attrs.items():
        where = f"{path}.{name}"
        if isinstance(value, CONTAINERS) and not isinstance(value, tuple):
            out[where] = len(value)
            if isinstance(value, dict):
                for item in list(value.values())[:3]:
                    if ours(item):
                        walk(item, where + "[]", out, seen, depth + 1)
        elif ours(value) or isinstance(value, __import__("discord").ext.commands.Cog):
            walk(value, where, out, seen, depth + 1)


def probe(*_: object) -> None:
    from bot.app import EventBot
    out: dict[str, int] = {}
    bots = [o for o in BOTS if isinstance(o, EventBot)]
    seen: set[int] = set()
    for bot in bots:
        walk(bot, "bot", out, seen, 0)
        for name, cog in bot.cogs.items():
            walk(cog, f"cog[{name}]", out, seen, 0)
        state = bot._connection
        out["discord.view_store.views"] = len(state._view_store._views)
        out["discord.view_store.synced"] = len(state._view_store._synced_message_views)
        out["discord.messages"] = len(state._messages or ())
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] not in ("bot", "cogs"):
            continue
        for attr, value in list(vars(module).items()):
            info = getattr(value, "cache_info", None)
            if callable(info) and getattr(value, "__module__", None) == name:
                out[f"{name}.{attr}()"] = info().currsize
            elif isinstance(value, (dict, set, list)) and not attr.startswith("__"):
                out[f"{name}.{attr}"] = len(value)
    try:
        tasks = asyncio.all_tasks(asyncio.get_running_loop())
    except RuntimeError:
        tasks = set()
    names = collections.Counter(t.get_name().rstrip("0123456789") for t in tasks)
    out["asyncio.tasks"] = len(tasks)
    for name, count in names.items():
        out[f"asyncio.task:{name}"] = count
    out["gc.objects"] = len(gc.get_objects())
    if tracemalloc.is_tracing():  # PYTHONTRACEMALLOC=1: what Python itself holds
        out["python.heap_kb"] = tracemalloc.get_traced_memory()[0] // 1024
    target = os.environ["LONGRUN_PROBE"]
    with open(target + ".tmp", "w") as f:
        json.dump(out, f)
    os.replace(target + ".tmp", target)


BOTS: weakref.WeakSet[object] = weakref.WeakSet()


def _remember_bots() -> None:
    # gc.get_objects() does not list what the bot froze at start-up (gc.freeze)
    from bot.app import EventBot
    init = EventBot.__init__

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        BOTS.add(self)
        init(self, *args, **kwargs)

    EventBot.__init__ = __init__  # type: ignore[method-assign]


_remember_bots()
signal.signal(signal.SIGUSR1, probe)
sys.argv = ["bot", "run"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
