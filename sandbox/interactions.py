"""Interactions the tests inject (slash commands, autocomplete, clicks, modals) and the
:class:`Reply` that holds what the bot answered."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sandbox.limits import TEXT_INPUT_LENGTH
from sandbox.models import (
    DM,
    EPHEMERAL,
    EVERYONE_PERMISSIONS,
    MESSAGE_TYPES,
    USE_APPLICATION_COMMANDS,
    VIEW_CHANNEL,
    Channel,
    Guild,
    Member,
    MessageRecord,
    User,
)

if TYPE_CHECKING:
    from sandbox.server import FakeDiscord

# Interaction types and the callback types each one accepts.
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# A member clicks a message, or submits a form, only once their client shows it: some time
# after Discord made it, and after Discord answered the bot's request that made it. Here the
# test sees the bot's answer as soon as this server has it, before the bot has read the
# reply to its request; discord.py only then takes clicks for the message's view, and a
# click delivered earlier would reach no view. So a click on a message (or a form) that
# changed less than CLIENT_LAG ago reaches the bot CLIENT_LAG later, as a member's would.
CLIENT_LAG = 0.1


async def _shown_since(moment: float, lag: float) -> None:
    """`lag` seconds' wait if `moment` (time.monotonic()) is less than `lag` ago: each click
    alike, so that two clicks in quick succession keep their spacing and order."""
    if time.monotonic() - moment < lag:
        await asyncio.sleep(lag)


_VALID_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}


class _Interaction:
    """Server-side state of one interaction the tests injected."""

    __slots__ = (
        "acked",
        "actor",
        "channel",
        "choices",
        "created",
        "expired",
        "followups",
        "guild",
        "id",
        "label",
        "loading",
        "message_id",
        "modal",
        "modal_closed",
        "option_type",
        "original",
        "responded",
        "response_type",
        "token",
        "type",
    )

    def __init__(
        self, iid: int, itype: int, label: str, guild: Guild | None, actor: Any, channel: Channel
    ):
        self.id = iid
        self.token = f"{iid}.{secrets.token_urlsafe(16)}"
        self.type = itype
        self.label = label  # for error messages: "/rsvp join", "click eventbot:..."
        self.guild = guild
        self.actor = actor  # Member in a guild, User in a DM
        self.channel = channel
        self.message_id: int | None = None  # the message a component / modal belongs to
        self.created = time.monotonic()
        self.acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.response_type: int | None = None
        self.responded = 0.0  # time.monotonic() of the first response
        self.expired = False
        self.original: MessageRecord | None = None
        self.option_type: int | None = None  # of the option an autocomplete is for
        self.loading = False  # deferred (type 5) and not yet filled
        self.followups: list[dict[str, Any]] = []
        self.choices: list[dict[str, Any]] | None = None
        self.modal: dict[str, Any] | None = None
        self.modal_closed = False  # the modal's submission was answered: the form is gone


class Reply:
    """What the bot answered to one interaction.

    ``message`` is the interaction's response message, and ``content``, ``embeds``,
    ``components``, ``ephemeral`` and ``files`` read from it:

    * type 4: the message the bot sent;
    * type 5 (deferred): the placeholder, filled by the first follow-up or by an edit of
      ``@original`` (as on Discord, where that follow-up *is* the original response).
      :meth:`FakeDiscord.slash` and friends return only once it is filled;
    * types 6 and 7 (component interactions): the message the component is on, as
      updated by the bot;
    * types 8 (autocomplete) and 9 (modal): ``message`` is None; see ``choices`` and
      ``modal``.

    The dicts are live: later edits by the bot show up in them. ``followups`` lists every
    follow-up (including the one that filled a deferral), in order.
    """

    def __init__(self, fake: FakeDiscord, state: _Interaction) -> None:
        self._fake = fake
        self._state = state

    def __repr__(self) -> str:
        return (
            f"<Reply {self._state.label!r} type={self.type} content={self.content!r} "
            f"ephemeral={self.ephemeral} followups={len(self.followups)}>"
        )

    @property
    def interaction_id(self) -> int:
        return self._state.id

    @property
    def type(self) -> int:
        """The callback type (4 message, 5 deferred, 6 deferred update, 7 update, 8, 9)."""
        assert self._state.response_type is not None
        return self._state.response_type

    @property
    def deferred(self) -> bool:
        return self.type in (5, 6)

    @property
    def message(self) -> dict[str, Any] | None:
        return None if self._state.original is None else self._state.original.data

    @property
    def content(self) -> str | None:
        return None if self.message is None else self.message["content"]

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return [] if self.message is None else self.message["embeds"]

    @property
    def components(self) -> list[dict[str, Any]]:
        return [] if self.message is None else self.message["components"]

    @property
    def ephemeral(self) -> bool:
        return self.message is not None and bool(self.message["flags"] & EPHEMERAL)

    @property
    def files(self) -> list[tuple[str, bytes]]:
        return [] if self.message is None else self._fake.files_of(self.message)

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """Autocomplete choices (type 8)."""
        return self._state.choices

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened (type 9): ``{"custom_id", "title", "components"}``."""
        return self._state.modal

    @property
    def followups(self) -> list[dict[str, Any]]:
        return self._state.followups

    def custom_ids(self) -> list[str]:
        """The custom ids of the components on the response message."""
        return [c["custom_id"] for c in _walk_components(self.components) if "custom_id" in c]

    async def wait(self, predicate: Callable[[Reply], bool], timeout: float = 10.0) -> Reply:
        """Wait until ``predicate(self)`` holds, re-checked whenever the bot edits or
        follows up on this interaction, e.g. ``await reply.wait(lambda r: "done" in r.content)``."""
        st = self._state
        await self._fake._wait(
            ("interaction", st.id),
            lambda: predicate(self) or None,
            timeout,
            f"{st.label}: {predicate}",
        )
        return self

    async def followup(self, n: int = 1, timeout: float = 10.0) -> dict[str, Any]:
        """Wait until the bot has sent at least ``n`` follow-ups; return the ``n``-th (1-based)."""
        st = self._state
        await self._fake._wait(
            ("interaction", st.id),
            lambda: len(st.followups) >= n or None,
            timeout,
            f"{st.label}: follow-up #{n} (have {len(st.followups)})",
        )
        return st.followups[n - 1]


def _focused_type(data: Any) -> int | None:
    """The type of the option an autocomplete interaction's member is typing, found
    through its sub-commands and groups; None when no option is marked focused."""
    for option in (data or {}).get("options") or []:
        if not isinstance(option, dict):
            continue
        if option.get("focused"):
            return option.get("type") if isinstance(option.get("type"), int) else None
        found = _focused_type(option)
        if found is not None:
            return found
    return None


def _walk_components(components: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Every component, depth first, through action rows, containers, sections and labels."""
    for comp in components:
        yield comp
        yield from _walk_components(comp.get("components", ()))
        for key in ("accessory", "component"):
            if key in comp:
                yield from _walk_components([comp[key]])


def _check_text_input(comp: dict[str, Any], value: str | Sequence[str]) -> None:
    """ValueError for a text input's value that Discord refuses: longer than its
    max_length, shorter than its min_length, or empty where it is required."""
    required = comp.get("required", True)
    least = max(comp.get("min_length", 0), 1 if required else 0)
    most = comp.get("max_length", TEXT_INPUT_LENGTH)
    if (value or required) and not least <= len(value) <= most:
        raise ValueError(f"input {comp['custom_id']!r} takes {least} to {most} characters, "
                         f"not {len(value)}")


def _check_choice(menu: dict[str, Any], values: Sequence[str]) -> None:
    """ValueError for what a member cannot pick in a string select: a value none of its
    options has, one picked twice, or fewer than its min_values or more than its
    max_values."""
    offered = {option.get("value") for option in menu.get("options") or ()}
    least, most = menu.get("min_values", 1), menu.get("max_values", 1)
    if (not set(values) <= offered or len(set(values)) != len(values)
            or not least <= len(values) <= most):
        raise ValueError(f"menu {menu.get('custom_id')!r}: {list(values)!r} is not what the "
                         f"menu offers ({least} to {most} of its options' values)")


class Interactions:
    """The test-side API that plays a Discord client: slash, slash_dm, autocomplete, click
    and submit_modal."""

    async def slash(
        self,
        guild: Guild,
        member: Member,
        command: str,
        /,
        *,
        in_channel: Channel | None = None,
        options: Mapping[str, Any] | None = None,
        timeout: float = 10.0,
        mutate: Callable[[dict[str, Any]], None] | None = None,
        user_install: bool = False,
        **kw_options: Any,
    ) -> Reply:
        """Invoke ``/command`` (e.g. ``"rsvp join"``) as ``member`` in ``in_channel``
        (default: the guild's system channel) and return the bot's reply.

        ``user_install``: through the member's own install of the app, in a server that has
        not installed it (Discord offers only commands whose installation contexts include
        user installs): ``authorizing_integration_owners`` names the member alone.

        ``mutate`` may change the INTERACTION_CREATE payload in place before it is sent,
        to deliver what Discord would not (a member without ``roles``, junk fields).

        Options are typed by the synced schema: str, int, float, bool, a :class:`Channel`,
        :class:`Member`/:class:`User`, :class:`Role` or :class:`Attachment`. Pass them as
        keywords, or in ``options`` when a name clashes with this method's parameters.
        Waits up to ``response_deadline`` for the first response and, after a deferral,
        up to ``timeout`` for it to be filled.
        """
        channel = in_channel or self._default_channel(guild)
        data = self._command_data(
            guild, member, channel, command, {**(options or {}), **kw_options},
            user_install=user_install,
        )
        return await self._interact(
            APPLICATION_COMMAND, f"/{command}", guild, member, channel, data, timeout,
            mutate=mutate, user_install=user_install,
        )

    @staticmethod
    def _default_channel(guild: Guild) -> Channel:
        return guild.system_channel or next(iter(guild.channels.values()))

    async def slash_dm(
        self,
        user: User | Member,
        command: str,
        /,
        *,
        options: Mapping[str, Any] | None = None,
        timeout: float = 10.0,
        **kw_options: Any,
    ) -> Reply:
        """Like :meth:`slash`, from the DM between ``user`` and the bot (global commands only)."""
        user = user.user if isinstance(user, Member) else user
        channel = self.dm_channel(user)
        data = self._command_data(None, user, channel, command, {**(options or {}), **kw_options})
        return await self._interact(
            APPLICATION_COMMAND, f"/{command} (DM)", None, user, channel, data, timeout
        )

    async def autocomplete(
        self,
        guild: Guild | None,
        member: Member | User,
        command: str,
        /,
        *,
        focused: str,
        in_channel: Channel | None = None,
        options: Mapping[str, Any] | None = None,
        mutate: Callable[[dict[str, Any]], None] | None = None,
        **kw_options: Any,
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while ``member`` types option ``focused`` (its value,
        as typed so far, is the option's value, default ""). ``guild=None`` for a DM;
        ``mutate`` changes the payload as for :meth:`slash`."""
        if guild is None:
            member = member.user if isinstance(member, Member) else member
            channel = self.dm_channel(member)
        else:
            channel = in_channel or self._default_channel(guild)
        values = {**(options or {}), **kw_options}
        data = self._command_data(guild, member, channel, command, values, focused=focused)
        reply = await self._interact(
            AUTOCOMPLETE, f"/{command} ({focused}...)", guild, member, channel, data, 10.0,
            mutate=mutate,
        )
        assert reply.choices is not None
        return reply.choices

    async def click(
        self,
        guild: Guild | None,
        member: Member | User,
        message: dict[str, Any],
        custom_id: str,
        /,
        *,
        values: Sequence[str] | None = None,
        timeout: float = 10.0,
        forged: bool = False,
        mutate: Callable[[dict[str, Any]], None] | None = None,
    ) -> Reply:
        """Click the button (or choose ``values`` in the select menu) ``custom_id`` on a
        message the bot posted. ``guild=None`` for a message in a DM.

        ``forged=True`` sends ``custom_id`` as a button of the message even if the message
        has no such component or has it disabled, or from someone other than the reader of
        an ephemeral message (what a modified client could send: the interaction's copy of
        the message gets the button); ``mutate`` changes the payload as for :meth:`slash`."""
        record = self._messages.get(int(message["id"]))
        if record is not None and record.deleted is not None:
            # gone from every client, its buttons with it; forged, Discord knows it no more
            raise LookupError(f"message {message['id']}: 10008 Unknown Message (it was "
                              "deleted)")
        if record is not None:
            changed = record.edits[-1] if record.edits else record.created  # edits in order
            await _shown_since(changed, self.client_lag)
        current = record.data if record is not None else message
        reader = ((current.get("interaction_metadata") or {}).get("user") or {}).get("id")
        if current.get("flags", 0) & EPHEMERAL and reader not in (None, str(member.id)) and (
                not forged):
            # an ephemeral message is in its reader's client alone: nobody else presses it
            raise LookupError(f"message {current['id']} is ephemeral: only user {reader} "
                              "sees it and its components")
        component = next(
            (c for c in _walk_components(current["components"]) if c.get("custom_id") == custom_id),
            None,
        )
        if component is None and forged:
            component = {"type": 2, "style": 1, "label": "forged", "custom_id": custom_id}
            current = {**current, "components": [
                *current["components"], {"type": 1, "components": [component]}]}
        if component is None:
            ids = [
                c["custom_id"] for c in _walk_components(current["components"]) if "custom_id" in c
            ]
            raise LookupError(
                f"message {current['id']} has no component {custom_id!r}; it has {ids}"
            )
        if component.get("disabled") and not forged:
            # greyed out in every client: Discord sends no interaction for it
            raise LookupError(f"message {current['id']}: component {custom_id!r} is disabled")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] != 2:
            data["values"] = list(values or [])
            if component["type"] == 3:  # as Discord's client picks them; mutate to forge
                _check_choice(component, data["values"])
        channel = self._channels[int(current["channel_id"])]
        return await self._interact(
            MESSAGE_COMPONENT,
            f"click {custom_id}",
            guild,
            member,
            channel,
            data,
            timeout,
            message=current,
            mutate=mutate,
        )

    async def submit_modal(
        self, reply: Reply, values: Mapping[str, str | Sequence[str]], /, *,
        timeout: float = 10.0, elsewhere: Member | User | None = None,
        mutate: Callable[[dict[str, Any]], None] | None = None,
    ) -> Reply:
        """Submit the modal the bot opened in ``reply``, as the same user, with
        ``values`` by custom id (text inputs take str, selects a list of str); once
        answered, the modal is closed (LookupError). In a
        server, the submission carries the member as they are now (their roles and
        permissions then), as Discord's does, not as they were when the form opened;
        ``mutate`` changes the payload as for :meth:`slash`.

        ``elsewhere``: submitted as that member, in their server (a :class:`User`: in their
        DM with the bot), with the modal's custom id: what a modified client could send."""
        modal, st = reply.modal, reply._state
        if modal is None:
            raise ValueError(f"{reply!r} did not open a modal")
        if st.modal_closed and elsewhere is None:
            raise LookupError(f"modal {modal['custom_id']!r} closed when the bot answered its "
                              "submission: the member opens a new one")
        unknown = set(values) - {c.get("custom_id") for c in _walk_components(modal["components"])}
        if unknown:
            raise LookupError(f"modal {modal['custom_id']!r} has no inputs {sorted(unknown)}")
        for comp in _walk_components(modal["components"]):
            if comp["type"] == 4:  # Discord's client sends none outside its bounds, nor its API
                _check_text_input(comp, values.get(comp["custom_id"], comp.get("value") or ""))
        await _shown_since(st.responded, self.client_lag)

        def answer(comp: dict[str, Any]) -> dict[str, Any]:
            cid = comp.get("custom_id")
            if comp["type"] == 4:  # text input
                return {
                    "type": 4,
                    "custom_id": cid,
                    "value": values.get(cid, comp.get("value") or ""),
                }
            return {"type": comp["type"], "custom_id": cid, "values": list(values.get(cid, []))}

        components = []
        for comp in modal["components"]:
            if comp["type"] == 1:
                components.append(
                    {"type": 1, "components": [answer(c) for c in comp["components"]]}
                )
            elif comp["type"] == 18:
                components.append({"type": 18, "component": answer(comp["component"])})
        data = {"custom_id": modal["custom_id"], "components": components}
        if elsewhere is not None:
            guild = elsewhere.guild if isinstance(elsewhere, Member) else None
            channel = (self._default_channel(guild) if guild is not None
                       else self.dm_channel(elsewhere))
            return await self._interact(
                MODAL_SUBMIT, f"modal {modal['custom_id']} elsewhere", guild, elsewhere,
                channel, data, timeout, mutate=mutate)
        message = None if st.message_id is None else self._messages[st.message_id].data
        actor = st.actor
        if st.guild is not None:
            actor = st.guild.members.get(st.actor.id, actor)
            if st.actor.id in st.guild.gone:
                raise ValueError(f"{st.actor!r} left {st.guild.name!r} since the form opened: "
                                 f"Discord takes no submission from them there")
        answered = await self._interact(
            MODAL_SUBMIT,
            f"modal {modal['custom_id']}",
            st.guild,
            actor,
            st.channel,
            data,
            timeout,
            message,
            mutate=mutate,
        )
        # Any answer closes the form in the member's client (unanswered, it stays open
        # with an error, and may be submitted again).
        st.modal_closed = True
        return answered

    async def _interact(
        self,
        itype: int,
        label: str,
        guild: Guild | None,
        actor: Member | User,
        channel: Channel,
        data: dict[str, Any],
        timeout: float,
        message: dict[str, Any] | None = None,
        *,
        mutate: Callable[[dict[str, Any]], None] | None = None,
        user_install: bool = False,
    ) -> Reply:
        """Build INTERACTION_CREATE, send it, await the callback (and a deferral's fill).
        ``user_install``: authorized by the member's own install of the app alone (the
        server has not installed it), as Discord sends it then."""
        if guild is not None and (not isinstance(actor, Member) or actor.guild is not guild):
            raise ValueError(f"{actor!r} is not a member of guild {guild.name!r}")
        if guild is not None and (guild.members.get(actor.id, actor) is not actor
                                  or actor.id in guild.gone):
            # Discord sends an interaction with the member as they are as it is made: one
            # who left sends none, and one who came back is another member (their roles).
            raise ValueError(f"{actor!r} is not a member of guild {guild.name!r} now (they "
                             f"left, or this is who they were before they came back)")
        if channel.guild is not None and channel.guild.channels.get(channel.id) is not channel:
            raise ValueError(f"{label}: no one can use the app in {channel.name!r}: it was "
                             f"deleted (or the channel it was a thread of)")
        if channel.type not in MESSAGE_TYPES | {DM}:
            raise ValueError(f"{label}: no one can use the app in {channel.name!r} "
                             f"(type {channel.type}: a category or forum has no chat)")
        if itype in (APPLICATION_COMMAND, AUTOCOMPLETE) and channel.is_thread and channel.archived:
            # Discord: users cannot use application commands in archived threads (a message
            # sent there opens it again first, see RestRoutes._send_message)
            raise ValueError(f"{label}: no one can use the app's commands in the archived "
                             f"thread {channel.name!r}")
        if (itype in (APPLICATION_COMMAND, AUTOCOMPLETE, MESSAGE_COMPONENT)
                and isinstance(actor, Member) and not self.permissions(actor, channel)
                & VIEW_CHANNEL):
            # A channel hidden from the member (View Channel denied) is not in their client:
            # no command is used there, and no button of a message there is clicked.
            raise ValueError(f"{label}: {actor!r} cannot see {channel.name!r} (no View "
                             f"Channel there)")
        if (itype in (APPLICATION_COMMAND, AUTOCOMPLETE) and isinstance(actor, Member)
                and not self.permissions(actor, channel) & USE_APPLICATION_COMMANDS):
            # Discord offers no commands without Use Application Commands in the channel: a
            # member timed out (who keeps only View Channel and Read Message History), or one
            # an overwrite denies it.
            raise ValueError(f"{label}: {actor!r} may not use application commands in "
                             f"{channel.name!r} (timed out, or denied Use Application "
                             f"Commands there)")
        st = _Interaction(self._snowflake(), itype, label, guild, actor, channel)
        payload: dict[str, Any] = {
            "id": str(st.id),
            "application_id": str(self.app_id),
            "type": itype,
            "token": st.token,
            "version": 1,
            "attachment_size_limit": self.attachment_size_limit,
            "data": data,
            "channel_id": str(channel.id),
            "channel": channel.payload(),
            "locale": (actor.user if isinstance(actor, Member) else actor).locale,
            "entitlements": [],
        }
        if guild is not None:
            assert isinstance(actor, Member)
            member = actor.payload()
            member["permissions"] = str(self.permissions(actor, channel))
            bot_member = guild.members.get(self.bot_user.id)
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                guild_locale=guild.preferred_locale,
                member=member,
                app_permissions=str(
                    self.permissions(bot_member, channel)
                    if bot_member is not None and not user_install else EVERYONE_PERMISSIONS
                ),
                authorizing_integration_owners=(
                    {"1": str(actor.id)} if user_install else {"0": str(guild.id)}
                ),
                context=0,
            )
        else:
            user = actor.user if isinstance(actor, Member) else actor
            payload.update(
                user=user.payload(),
                app_permissions=str(EVERYONE_PERMISSIONS),
                authorizing_integration_owners={"0": str(user.id)},
                context=1,
            )
        if message is not None:
            payload["message"] = message
            st.message_id = int(message["id"])
        if mutate is not None:
            mutate(payload)
        if itype == AUTOCOMPLETE:
            st.option_type = _focused_type(payload.get("data"))

        self._forget_expired()
        self._interactions[st.token] = st
        if self.gateway_lag:  # made now (its id, its deadline), delivered later
            await asyncio.sleep(self.gateway_lag)
        if not await self.dispatch("INTERACTION_CREATE", payload, lost_with_session=True):
            self._forget(st)
            raise TimeoutError(
                f"{label}: the bot's gateway session ended before the interaction reached it, "
                f"and it came back with a new one (Discord would show 'The application did "
                f"not respond'){self._bot_status()}")

        wait = self.response_deadline + 0.5 if self.response_deadline is not None else timeout
        await asyncio.wait([st.acked], timeout=wait)
        if not st.acked.done():
            raise TimeoutError(
                f"{label}: the bot did not respond within {wait:.1f} s "
                f"(Discord would show 'The application did not respond'){self._bot_status()}"
            )
        if st.expired:
            raise TimeoutError(
                f"{label}: the bot responded after the {self.response_deadline} s deadline"
            )
        if st.loading:
            await self._wait(
                ("interaction", st.id),
                lambda: (not st.loading) or None,
                timeout,
                f"{label}: the deferred response to be filled (follow-up or edit of @original)",
            )
        return Reply(self, st)

    def _forget_expired(self) -> None:
        """Drop interactions whose tokens expired (oldest first: the dict keeps creation order)."""
        created_before = time.monotonic() - self.token_lifetime
        while self._interactions:
            oldest = next(iter(self._interactions.values()))
            if oldest.created > created_before:
                break
            self._forget(oldest)

    def _forget(self, st: _Interaction) -> None:
        """Drop an expired interaction and its ephemeral messages (memory bound for benchmarks)."""
        del self._interactions[st.token]
        for msg in [st.original.data if st.original else None, *st.followups]:
            if msg is not None and msg["flags"] & EPHEMERAL:
                self._messages.pop(int(msg["id"]), None)
