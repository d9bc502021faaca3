"""Views and forms held in memory only (a preview, a question, a pager, a form), and the
answer to a click or submission on one this process no longer holds.

Their custom ids are `eventbot:<kind>:<part>:<key>`. A view answers them until it
expires or is done, and never after a restart; Discord goes on showing its buttons (and a
form its member still has open), and an interaction no view takes would get no answer:
the member would see "The application did not respond". The kind's prefix finds its
`Held` (`EventBot.clicks`), which tells the member, in their language, that it expired.

A view's time is counted in real time too. discord.py times a view out on the monotonic
clock, which stands still while the host sleeps (a laptop's night, a paused VM): woken
hours later, a 14-minute preview would still import. So a view is also over once its time
has passed on the wall clock, and the stricter of the two clocks decides (a wall clock
set back must not keep one alive either).

A view that edits its message through an interaction's token once its time is over (a
question, a preview, a pager: `TokenView`) lives by that token: its time runs from when the
interaction was made, and a click that gives it no newer token does not start it again.
"""

from __future__ import annotations

import contextlib
import inspect
import secrets
import time
import weakref
from collections.abc import Callable, Coroutine, Hashable
from typing import Any

import discord

from bot.app import Interaction
from bot.errors import Unavailable
from bot.i18n import Language
from bot.tree import acknowledge_click, arrived, made_ago, member_language, report_error, respond

View = discord.ui.View | discord.ui.Modal


ANSWERED_GRACE = 30.0  # seconds past a view's timeout its key is known (its expiry edit)
# A moderator's live previews (questions, forms) of one kind: enough for a few pages looked
# at before one is imported, and no more than a few per moderator however many they ask.
PER_MODERATOR = 5


class Deadline:
    """A moment `seconds` from now on both clocks: the monotonic one (a wall clock set
    back cannot put it off) and the wall clock (which goes on while the host sleeps)."""

    __slots__ = ("monotonic", "wall")

    def __init__(self, seconds: float) -> None:
        self.monotonic = time.monotonic() + seconds
        self.wall = time.time() + seconds

    def passed(self) -> bool:
        return time.monotonic() >= self.monotonic or time.time() >= self.wall

    def left(self) -> float:
        """Seconds until it, by the stricter clock (negative once passed)."""
        return min(self.monotonic - time.monotonic(), self.wall - time.time())


def token_deadline(made: Interaction, seconds: float) -> Deadline:
    """`seconds` after Discord made the interaction `made`, as its token's life is counted."""
    return Deadline(seconds - made_ago(made))


# A token view's timeout once its time is over: discord.py starts no timer for a timeout
# of 0 (none), so one shown late still times out, at once.
AT_ONCE = 0.001
# discord.py's own `timeout` property, whose setter moves a running timer's end
_VIEW_TIMEOUT: property = inspect.getattr_static(discord.ui.View, "timeout")


class TokenView(discord.ui.View):
    """A view whose expiry (`on_timeout`) edits its message through the token of an earlier
    interaction (the command that showed it, or the click that last turned its page): it
    must time out while that token still works, within `timeout` of when that interaction
    was made (`ends`), not `timeout` after its last click.

    discord.py starts a view's time again at every click it takes; a click that brings no
    newer token to edit with (refused as "database busy", which keeps the buttons for a
    retry) then carried the expiry past the token's 15 minutes: the edit was refused (401,
    50027 Invalid Webhook Token, which Discord counts toward its limit of invalid
    requests), the buttons stayed, and a click on them met a message Discord had let go
    of. So its `timeout` is what is left until `ends`: each time discord.py starts it again
    (once shown, at each click) it lands on the same end, until `expire_with` moves it."""

    def __init__(self, made: Interaction | None, *, timeout: float) -> None:
        self.lifetime = timeout
        # (None: the interaction comes later, `expire_with`; until then from now)
        self.ends = Deadline(timeout) if made is None else token_deadline(made, timeout)
        super().__init__(timeout=timeout)

    @property
    def timeout(self) -> float | None:
        return max(self.ends.left(), AT_ONCE)

    @timeout.setter
    def timeout(self, value: float | None) -> None:
        # (discord.py's __init__ keeps its own copy; a timeout set later is one from now)
        self.ends = Deadline(value or 0.0)
        _VIEW_TIMEOUT.__set__(self, self.timeout)

    def expire_with(self, made: Interaction) -> None:
        """From now on the message is edited through `made`'s token (a click's, which
        turned the page): the view's time runs from when `made` was made."""
        self.ends = token_deadline(made, self.lifetime)
        _VIEW_TIMEOUT.__set__(self, self.timeout)  # discord.py's timer, if running, follows


class Held:
    """The live views (or forms) of one kind, by the key their custom ids end with.

    Held weakly: discord.py holds a view while it answers, and one it has let go (expired
    or stopped) needs no entry here. Its key alone is kept until shortly after the view
    times out, to tell a click on a view that has just answered (a double click) from one
    on a view this process never held (a restart); a view that timed out unanswered
    forgets it at once."""

    def __init__(self, prefix: str, expired: Callable[[Language], str]) -> None:
        self.prefix = prefix
        self.expired = expired  # what a member who used a dead one is told
        self._views: weakref.WeakValueDictionary[str, View] = (
            weakref.WeakValueDictionary())
        self._known: dict[str, Deadline] = {}  # key -> until when, in the order held
        # a live view -> when its time is over, in real time
        self._ends: weakref.WeakKeyDictionary[View, Deadline] = weakref.WeakKeyDictionary()
        # An owner's live views by slot, and each view's key and order of holding: a few
        # views per owner at most (`hold`)
        self._owned: weakref.WeakValueDictionary[tuple[Hashable, int], View] = (
            weakref.WeakValueDictionary())
        self._key_of: weakref.WeakKeyDictionary[View, tuple[str, int]] = (
            weakref.WeakKeyDictionary())
        self._held_count = 0
        self._weights: weakref.WeakKeyDictionary[View, int] = weakref.WeakKeyDictionary()
        # the server each weighed view was opened in (`_make_room`)
        self._weighed_in: weakref.WeakKeyDictionary[View, int | None] = (
            weakref.WeakKeyDictionary())

    def held_weight(self) -> int:
        """The weights (`hold`) of the views still live: those neither answered nor over."""
        return sum(weight for view, weight in list(self._weights.items())
                   if not view.is_finished() and not self._time_over(view))

    def _time_over(self, view: View) -> bool:
        end = view.ends if isinstance(view, TokenView) else self._ends.get(view)
        return end is not None and end.passed()

    def hold(self, view: View, guild_id: int | None, owner: Hashable | None = None,
             per_owner: int = 1, weight: int = 0, most: int | None = None,
             most_weight: int | None = None) -> str:
        """A new key for `view`, opened in the server `guild_id` (None: a DM), for its
        custom ids (see `custom_id`). The view then takes an interaction only while its
        time lasts by both clocks (see `answer_stale`), and only from that server: its
        callbacks act on that server's event (a form's, a question's), whichever server
        a crafted custom id is sent from (or a DM). One from elsewhere is told, there,
        what one sent to a view this process does not hold is told; nothing of the
        view's is shown, and the view is left as it was where it was opened.

        An `owner` (a member) holds `per_owner` live views of the kind at most: past
        that, their oldest is let go, and a click on it is told it expired. Without that,
        each command held one more view for its whole timeout, so one member sending the
        command again and again grew the views held (8 KB each, and a timer task in
        discord.py) without bound; with it, they are at most `per_owner` per member who
        used it within a timeout. Its `weight` (what it holds in memory) counts in
        `held_weight` while it is live. With `most`, the views of the kind held are `most`
        at most, of every owner: past that, the oldest is let go as an owner's is. With
        `most_weight`, their weights together are that at most (`_make_room`)."""
        key = secrets.token_hex(8)
        while most is not None and len(self._views) >= most:
            self._let_go(*next(iter(self._views.items())))  # (the first held)
        if owner is not None:
            self._owned[(owner, self._free_slot(owner, per_owner))] = view
            self._held_count += 1
            self._key_of[view] = (key, self._held_count)
        if most_weight is not None:
            self._make_room(guild_id, weight, most_weight)
        if weight:
            self._weights[view] = weight
            self._weighed_in[view] = guild_id
        self._views[key] = view
        while self._known and next(iter(self._known.values())).passed():
            del self._known[next(iter(self._known))]  # views of a kind share one timeout
        self._known[key] = Deadline((view.timeout or 0.0) + ANSWERED_GRACE)
        if view.timeout and not isinstance(view, TokenView):  # (a TokenView: its `ends`)
            self._ends[view] = Deadline(view.timeout)
        checked = view.interaction_check

        async def interaction_check(interaction: Interaction) -> bool:
            # discord.py runs a callback only if this says yes: a view whose time was over
            # as the interaction arrived has been let go, and `answer_stale` answered it.
            arrived(interaction)  # (a click whose token a TokenView then edits through)
            if self._views.get(key) is not view:
                return False
            if interaction.guild_id != guild_id:
                with contextlib.suppress(discord.HTTPException):
                    await respond(interaction, self.expired(member_language(interaction)),
                                  ephemeral=True)
                return False
            if not await checked(interaction):
                return False
            if view.timeout and view in self._ends:  # as discord.py: a use restarts its time
                # (not a TokenView's, which a click does not give a newer token to edit with)
                self._ends[view] = Deadline(view.timeout)
            return True

        view.interaction_check = interaction_check  # type: ignore[method-assign,assignment]
        timed_out = view.on_timeout

        async def on_timeout() -> None:
            # Not answered: a late click (a client still showing the buttons) is told it
            # expired, not taken for a double click and only acknowledged.
            self._known.pop(key, None)
            await timed_out()

        view.on_timeout = on_timeout  # type: ignore[method-assign]
        return key

    def _make_room(self, guild_id: int | None, weight: int, most_weight: int) -> None:
        """Let go of live views until `weight` more, opened in `guild_id`, weighs
        `most_weight` at most with them: each time the oldest of the server whose views
        weigh most, counting the new one. Servers leaving many large previews unanswered
        (one attacker's own) so let go of their own, not of other servers' previews, and
        no server is refused for what others hold."""
        while self.held_weight() + weight > most_weight:
            oldest: dict[int | None, tuple[str, View]] = {}
            weighs: dict[int | None, int] = {guild_id: weight}
            for key, view in list(self._views.items()):  # in the order held
                if (held := self._weights.get(view)) and not view.is_finished() \
                        and not self._time_over(view):
                    server = self._weighed_in.get(view)
                    oldest.setdefault(server, (key, view))
                    weighs[server] = weighs.get(server, 0) + held
            if not oldest:
                return
            heaviest = max(oldest, key=lambda server: weighs[server])
            self._let_go(*oldest[heaviest])

    def _free_slot(self, owner: Hashable, per_owner: int) -> int:
        """A slot of `owner`'s without a live view, their oldest view's let go if none."""
        live: list[tuple[int, int, View]] = []  # (order of holding, slot, view)
        for slot in range(per_owner):
            earlier = self._owned.get((owner, slot))
            if earlier is None or earlier.is_finished():
                return slot
            live.append((self._key_of[earlier][1], slot, earlier))
        _, slot, oldest = min(live, key=lambda held: held[0])
        self._let_go(self._key_of[oldest][0], oldest)
        return slot

    def _over(self, key: str, view: View) -> bool:
        """Whether the live `view`'s time is over by either clock; if so, it is let go."""
        if not self._time_over(view):
            return False
        self._let_go(key, view)
        return True

    def _let_go(self, key: str | None, view: View) -> None:
        """The live `view` takes no more interactions; a click on it is told it expired,
        not taken for a double click and only acknowledged."""
        if key is not None:
            self._views.pop(key, None)
            self._known.pop(key, None)
        self._ends.pop(view, None)
        view.stop()  # discord.py lets go of it (and of its timer) too

    def custom_id(self, key: str, part: str) -> str:
        return f"{self.prefix}{part}:{key}"

    def answer_stale(self, interaction: Interaction
                     ) -> Coroutine[Any, Any, None] | None:
        """The answer to an interaction on one of this kind that no live view takes, or
        None. Called as the interaction arrives, right after discord.py handed it to a
        view or not, so that the two agree: a view that stops as it answers (Delete, say)
        must not be answered twice. A view whose time is over by either clock (the host
        slept) is let go here, and answered as one that expired.

        A live view discord.py does not hold yet is handed the interaction here: discord.py
        holds a view once it has read Discord's answer to the message that shows it, and
        on a slow or busy host that comes a second or more after Discord shows the
        buttons; a click quicker than that (Import, as the preview appeared) reached no
        view, and went unanswered ("This interaction failed"), without a line in the log."""
        data: Any = interaction.data or {}
        key = str(data.get("custom_id", "")).rsplit(":", 1)[-1]
        view = self._views.get(key)
        if view is not None and not view.is_finished() and not self._over(key, view):
            return None if view.is_dispatching() else _handed_to(view, interaction)
        known = self._known.get(key)
        if (known is not None and not known.passed()
                and interaction.type is discord.InteractionType.component):
            # A click on a view that has answered (Delete pressed twice, a client that
            # still shows the buttons): acknowledged, the message left to that answer.
            return _acknowledge(interaction)
        return self._say_expired(interaction)

    async def _say_expired(self, interaction: Interaction) -> None:
        text = self.expired(member_language(interaction))
        with contextlib.suppress(discord.HTTPException):
            if interaction.type is discord.InteractionType.component:
                # The message loses its dead components and says why.
                await interaction.response.edit_message(content=text, view=None)
            else:  # a form's submission: its member alone is told
                await respond(interaction, text, ephemeral=True)


async def _handed_to(view: View, interaction: Interaction) -> None:
    """`interaction` answered by the live `view`, as discord.py hands it to a view it
    holds: a form's submission to the form, a click to the view's component it names."""
    data: Any = interaction.data or {}
    if isinstance(view, discord.ui.Modal):
        resolved: Any = data.get("resolved") or {}
        await view._dispatch_submit(interaction, data.get("components") or [], resolved)
        return
    custom_id = data.get("custom_id")
    item = next((item for item in view.walk_children()
                 if getattr(item, "custom_id", None) == custom_id), None)
    task = view._dispatch_item(item, interaction) if item is not None else None
    if task is not None:
        await task


async def _acknowledge(interaction: Interaction) -> None:
    with contextlib.suppress(discord.HTTPException):
        await interaction.response.defer()  # a click's: the message stays as it is


class HeldQuestion(TokenView):
    """A moderator's question answered by one click (Import or Cancel, Delete or Keep),
    held in `asked`'s ephemeral reply. A click while another's answer is under way (a
    double click, Cancel pressed during an Import) is only acknowledged (`begin_answer`);
    a refusal by the database (busy, its disk full: nothing was done) leaves the question
    live, so the same button works once the database does; any other failure, or one after
    the answer was done (`stop`ped), ends it and takes its buttons away. At its timeout
    the question says it expired (`expired_text`), unless an answer is under way, which
    edits the question itself. That edit goes through `asked`'s token, so the question's
    `timeout` runs from when `asked` was made, whatever clicks come (`TokenView`): keep it
    within Discord's 15 minutes."""

    def __init__(self, asked: Interaction, *, timeout: float) -> None:
        super().__init__(asked, timeout=timeout)
        self.asked = asked
        self.answering = False  # an answer under way

    async def begin_answer(self, interaction: Interaction) -> bool:
        """Whether this click answers the question: not while another click's is under
        way, and then it is only acknowledged."""
        if self.answering:
            await acknowledge_click(interaction)
            return False
        self.answering = True
        return True

    def expired_text(self) -> str:
        raise NotImplementedError

    async def on_timeout(self) -> None:
        if self.answering:
            return
        with contextlib.suppress(discord.HTTPException):
            await self.asked.edit_original_response(content=self.expired_text(), view=None)

    async def on_error(self, interaction: Interaction, error: Exception,
                       item: discord.ui.Item[Any]) -> None:
        self.answering = False
        if self.is_finished() or not isinstance(error, Unavailable):
            self.stop()
            with contextlib.suppress(discord.HTTPException):
                await self.asked.edit_original_response(view=None)
        await report_error(interaction, error)
