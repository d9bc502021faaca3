"""A local Discord-compatible server and the sandbox console: the end-to-end tests, the
benchmarks and `python -m sandbox` run the real bot on it. The bot never imports this package.

The tests start :class:`FakeDiscord` in their own event loop, run the *real* bot as a
subprocess pointed at it (``discord.http.Route.BASE`` = :attr:`FakeDiscord.api_base`,
``DiscordWebSocket.DEFAULT_GATEWAY`` = :attr:`FakeDiscord.gateway_url`), inject
interactions through the gateway and observe what the bot does over REST. Everything
goes through discord.py's own HTTP, gateway, command-tree and view code.

What it emulates
    * REST (``/api/v10``): login (``/users/@me``, ``/oauth2/applications/@me``),
      ``/gateway[/bot]``, application-command sync (global and per guild, stable ids),
      interaction callbacks (types 4-9, JSON or multipart, ``?with_response=1`` answers),
      the interaction webhook (``@original``, follow-ups), channel messages (send, edit,
      delete, fetch, history), DMs (``/users/@me/channels``), guilds, members, roles,
      role grants and scheduled events. File uploads become attachments served from
      ``/attachments/...`` on this server, so ``Attachment.read()`` works.
    * Discord's behaviours that bots trip over: the 3 s deadline for the first
      response (late callbacks get ``10062 Unknown interaction``), an interaction can be
      acknowledged only once (``40060``), the first follow-up after a deferral *becomes*
      the original response, ephemeral messages are not channel messages, channel
      permission overwrites (``50013 Missing Permissions``), role grants only with
      Manage Roles, below the bot's highest role and never of a managed role (``403
      50013``), blocked DMs (``50007``), a server that removed the bot (``remove_bot``:
      GUILD_DELETE, then ``403 50001 Missing Access`` for it and its channels, as for a
      channel hidden from the bot, its own role deleted; ``rejoin``: a new role at the
      bottom), a deleted channel, role or message
      (``delete_channel``, its threads with it, ``delete_role``, ``delete_message``:
      CHANNEL_DELETE and
      GUILD_ROLE_DELETE, then ``10003``, ``10011``, ``10008``), an outage (``outage``:
      GUILD_DELETE with ``unavailable: true``, READY listing the guild unavailable and no
      GUILD_CREATE until ``end_outage``),
      a message's embeds dropped where the bot lacks Embed Links (``403 50013`` when
      nothing else is left to show),
      mention parsing according to ``allowed_mentions`` (``mentions`` and
      ``mention_everyone`` say who would have been pinged), follow-up tokens that expire
      after 15 minutes (``401 50027 Invalid Webhook Token``), and each interaction's
      ``member`` as they are when it is made (a click or a form's submission too: their
      ``roles`` and ``permissions`` in the channel, a timeout leaving them only View
      Channel and Read Message History; ``set_roles``, ``set_role_permissions``,
      ``time_out``), never from a member who left, nothing from a channel hidden from the
      member (no View Channel), no command or autocomplete from one without Use
      Application Commands in the channel (timed out, or an overwrite), no click on a
      deleted message (``10008``), on someone else's ephemeral one or on a disabled
      component, no autocomplete of an option synced without it, no second submission
      of a form the bot answered (its answer closed it), and only what a
      member's client can send: a menu's own options, a form's text inputs within their
      lengths (``mutate`` and ``forged`` send more).
    * Discord's documented payload limits and rules (sandbox/limits.py), on by default:
      message content, embeds (each text, 25 fields, 10 embeds, 6,000 characters in
      total, http(s) links, images and icons), components (action rows of buttons and
      selects unless the message is components v2, which shows nothing else: no
      content, embeds, stickers or poll; a custom_id once per message or modal, link
      buttons with an http(s) or discord:// url of 512 and no custom_id, premium ones
      with a sku_id and nothing else, others with a custom_id and no url, a label or an
      emoji on each, an emoji's name of 32, selects' min/max values and distinct option
      values, text inputs' style and lengths, a modal's selects in labels), at most 10
      files and 3 stickers, ``allowed_mentions`` (known parse types, at most 100
      snowflakes, a type not both parsed and listed), a reply only to a message that
      exists (unless ``fail_if_not_exists`` is false), history pages of 1-100 messages,
      autocomplete choices, modals, application commands on sync (names, descriptions,
      options nested as Discord allows, choices, localizations, 4,000 characters,
      required options first, no choices with autocomplete, string length bounds,
      contexts and integration types), scheduled events (no start in the past, a time
      without offset read as UTC, no edit clearing the name, start or privacy level),
      no message edited in an archived thread or, without Manage Threads, a locked one,
      and 10 MiB uploads; and the form of what is sent: each field of
      its JSON type, enums among their values (button styles, an event's privacy level
      and entity type), the flags a new message may carry, an embed's color and
      timestamp, where a component may sit (a modal holds an input), an autocomplete
      choice valued as its option, an external event without a channel. Over a limit: 400
      ``50035 Invalid Form Body`` with Discord's nested ``errors`` naming the field, and
      nothing changes; a message with nothing to show (a create, or what an edit would
      leave): 400 ``50006 Cannot send an empty message``.
    * Rate limits (sandbox/ratelimits.py), on by default with Discord's sizes:
      the global 50 requests/s (interaction callbacks and follow-ups exempt), message
      sends and, apart, message edits 5 per 5 s per channel, and conservative guesses for
      role grants and scheduled-event creates and edits (per guild) and DM opens;
      ``X-RateLimit-*`` headers on limited routes and Discord's 429 (with
      ``Via``), which discord.py reads and waits out. ``RateLimits().scaled(f)`` keeps
      the sizes and shortens the windows: the end-to-end fixture (tests/e2e/conftest.py)
      runs with windows a tenth as long, because the suite posts far more than a bot would.
      An address whose requests were answered 401, 403 or 429 10,000 times in 10 minutes
      is shut out for an hour, answered the edge's 429 (``invalid_request_limit``).
    * Distance, off by default (``set_latency``): each REST call's round trip (half before
      Discord acts on it, half on the answer's way back), each gateway event's way to the
      bot (in order; an event a call causes may come before its answer), and a share of
      answers seconds late, drawn from ranges with jitter.
    * Gateway: HELLO, heartbeat ACKs, IDENTIFY -> READY + one GUILD_CREATE per guild
      (complete member lists, so no chunking is needed; op 8 is answered anyway),
      RESUME -> the events after the bot's sequence number replayed, then RESUMED (a
      ``seq`` the session does not hold: op 9), Reconnect (op 7,
      :meth:`FakeDiscord.request_reconnect`) and Invalid Session (op 9, resumable or
      not, :meth:`FakeDiscord.invalidate_session`) sent mid-session. Changes made by the tests
      after the bot connected reach it as GUILD_CREATE (guild joined), CHANNEL_CREATE,
      CHANNEL_UPDATE (overwrites), GUILD_ROLE_CREATE/UPDATE, and, if it asked for the
      intents,
      GUILD_MEMBER_ADD/UPDATE and GUILD_SCHEDULED_EVENT_*, in order with the interactions
      sent after them.
      Plain-text JSON frames, no compression.
    * Shards: ``FakeDiscord(shard_count=N)``; ``GET /gateway/bot`` recommends N, IDENTIFY
      must carry ``shard: [id, N]`` (else close 4010 Invalid shard, or 4011 Sharding
      required, also when a session would hold more than ``max_guilds_per_shard``
      guilds), and each shard's session gets only the guilds with
      ``(guild_id >> 22) % N`` equal to its id, their events and their interactions
      (DMs on shard 0).
    * Privileged intents: none is switched on, as for a new application, unless
      ``FakeDiscord(privileged_intents=...)`` says so; an IDENTIFY asking for another
      (members, presences, message content) is closed with 4014 Disallowed intent(s).
      A wrong token is 401 on REST and 4004 on the gateway.
    * Fault injection: :meth:`FakeDiscord.fail` answers matching requests with an error
      or a 429 (with the ``Via`` header discord.py requires before it retries), and
      :meth:`FakeDiscord.drop_gateway` closes the websocket (resumable or not),
      ``request_reconnect`` and ``invalidate_session`` ask the bot to reconnect; the
      ``mutate`` argument of ``slash`` and ``click`` sends a payload Discord would not.

What it does not emulate
    Buckets of routes other than those above, voice, threads,
    reactions, presences, MESSAGE_CREATE echoes of the bot's own messages,
    ``default_member_permissions`` (commands
    are usable by everyone, as if server admins opened them up, so the bot's own
    checks are what gets tested), and payload validation beyond what is listed above.
    One session per shard at a time (a new IDENTIFY takes the shard over). Every
    interval (response deadline, token lifetime, heartbeat, bucket windows) is a
    constructor argument, so tests can shorten them.

Ids are snowflakes. Every REST call is recorded in :attr:`FakeDiscord.requests`; calls to
routes this server does not know are answered with 404 and recorded with ``route=None``
(see :meth:`FakeDiscord.unknown_requests`). :meth:`FakeDiscord.slash`, ``autocomplete``,
``click`` and ``submit_modal`` return a :class:`Reply` (see there for what it holds after
a deferral). :class:`BotProcess` runs a bot with its output captured;
:meth:`FakeDiscord.spawn_bot` starts one with the right environment.

Typical use::

    async with FakeDiscord() as fake:
        guild = fake.add_guild()
        alice = fake.add_member(guild, "alice")
        bot = fake.spawn_bot([sys.executable, "-m", "bot", "run"])
        await fake.wait_ready(process=bot)
        reply = await fake.slash(guild, alice, "rsvp join", event="42")
        assert reply.ephemeral and "confirmed" in reply.content

Where things are
    ``server`` (:class:`FakeDiscord`, its state and lifecycle) composes ``state`` (the world
    the tests build), ``observe`` (what they read and wait for), ``interactions`` and
    ``options`` (the injected interactions and :class:`Reply`), ``messages``, ``gateway``,
    ``plumbing`` (middleware, routes), ``callbacks`` and ``rest`` (the REST routes) and
    ``faults``; ``models`` holds the data classes, ``limits`` and ``ratelimits`` Discord's
    limits, ``persistence`` saving the world, ``process`` :class:`BotProcess`, and
    ``console`` the sandbox console (``python -m sandbox``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.interactions import Reply
    from sandbox.models import (
        Attachment,
        Channel,
        Guild,
        Member,
        MessageRecord,
        Recorded,
        Role,
        User,
    )
    from sandbox.process import BotProcess
    from sandbox.server import FakeDiscord

# What the package offers, and the module each comes from: imported when first asked
# for, so that `python -m sandbox` starts with nothing imported (see its `__main__`).
_FROM = {"Reply": "interactions", "BotProcess": "process", "FakeDiscord": "server",
         **dict.fromkeys(("Attachment", "Channel", "Guild", "Member", "MessageRecord",
                          "Recorded", "Role", "User"), "models")}


def __getattr__(name: str) -> Any:
    module = _FROM.get(name)
    if module is None:
        raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
    return getattr(importlib.import_module(f"sandbox.{module}"), name)


__all__ = [
    "Attachment",
    "BotProcess",
    "Channel",
    "FakeDiscord",
    "Guild",
    "Member",
    "MessageRecord",
    "Recorded",
    "Reply",
    "Role",
    "User",
]
