"""What members see agrees with what the bot holds, after any sequence of registration
steps: seeded random runs of joins and cancels (commands and the announcement's buttons)
and a moderator's capacity changes, closings, reopenings, removals and moves, through the
real bot process. After each step the channel's notices and the members' DMs are exactly
those the step's real changes call for, in order; every few steps, and at the end, the
announcement, `/event info`, `/rsvp status` and `/rsvp mine` show the registrations held.

`EVENTBOT_VISIBLE_SEEDS` (say "1-40") and `EVENTBOT_VISIBLE_STEPS` run it longer; with
`EVENTBOT_VISIBLE_EVERY=1` every step's announcement is checked too.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.render import CAPACITY_REACHED
from sandbox import Member

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _seeds() -> list[int]:
    spec = os.environ.get("EVENTBOT_VISIBLE_SEEDS", "1-3")
    first, _, last = spec.partition("-")
    return list(range(int(first), int(last or first) + 1))


STEPS = int(os.environ.get("EVENTBOT_VISIBLE_STEPS", "30"))
LOOK_EVERY = int(os.environ.get("EVENTBOT_VISIBLE_EVERY", "10"))
SETTLE = 20.0  # seconds at most for the bot's edits and notices to go out


@dataclass
class Model:
    """The registrations the steps should leave, and what each step should tell."""

    title: str
    capacity: int
    confirmed: list[int] = field(default_factory=list)
    waitlist: list[int] = field(default_factory=list)
    open: bool = True
    reason: str | None = None
    # a capacity notice stands (until a reopening, or a closing with seats free)
    noticed: bool = False
    notices: list[str] = field(default_factory=list)  # the step's channel notices, in order
    dms: dict[int, list[str]] = field(default_factory=dict)  # the step's DMs, by member

    @property
    def full(self) -> bool:
        return self.open and len(self.confirmed) >= self.capacity

    def status(self, user: int) -> str | None:
        if user in self.confirmed:
            return "confirmed"
        if user in self.waitlist:
            return f"waitlisted (position {self.waitlist.index(user) + 1})"
        return None

    def dm(self, user: int, kind: str) -> None:
        self.dms.setdefault(user, []).append(kind)

    def promote(self) -> list[int]:
        if not self.open:
            return []
        count = max(min(self.capacity - len(self.confirmed), len(self.waitlist)), 0)
        promoted, self.waitlist = self.waitlist[:count], self.waitlist[count:]
        self.confirmed += promoted
        for user in promoted:
            self.dm(user, "promoted")
        return promoted

    def filled(self) -> None:
        if not self.noticed:
            self.noticed = True
            self.notices.append("capacity")

    # -- steps: each returns what its reply should say (a fragment) -----------------------

    def join(self, user: int) -> str:
        if user in self.confirmed:
            return "already confirmed"
        if user in self.waitlist:
            return f"already waitlisted (position {self.waitlist.index(user) + 1})"
        if not self.open:
            return "registration is closed"
        was_full = self.full
        if len(self.confirmed) < self.capacity and not self.waitlist:
            self.confirmed.append(user)
            if not was_full and self.full:
                self.filled()
            return "You're confirmed"
        self.waitlist.append(user)
        return f"waitlisted (position {len(self.waitlist)})"

    def cancel(self, user: int, removed: bool = False) -> str:
        if user in self.waitlist:
            self.waitlist.remove(user)
            if removed:
                self.dm(user, "removed")
            return "from the waitlist" if removed else "left the waitlist"
        if user not in self.confirmed:
            return "isn't registered" if removed else "not registered"
        was_full = self.full
        self.confirmed.remove(user)
        if removed:
            self.dm(user, "removed")
        promoted = self.promote()
        if not was_full and self.full:
            self.filled()
        return "gone to the next member" if promoted else ("seat for" if removed
                                                           else "is cancelled.")

    def set_capacity(self, seats: int) -> str:
        if seats < len(self.confirmed):
            return "⚠️"
        was_full, added = self.full, seats > self.capacity
        self.capacity = seats
        self.promote()
        if added and self.open and not self.full and self.noticed:
            self.noticed = False
            self.notices.append("opened")
        if not was_full and self.full:
            self.filled()
        return f"now has {seats} seat"

    def close(self, reason: str | None) -> str:
        if not self.open:
            return "⚠️"
        if not self.full:
            self.noticed = False
        self.open, self.reason = False, reason
        self.notices.append("closed")
        return "closed"

    def reopen(self) -> str:
        if self.open:
            return "⚠️"
        self.open, self.reason = True, None
        announced, self.noticed = self.noticed, False
        self.notices.append("opened")
        promoted = self.promote()
        if self.full and (promoted or not announced):
            self.filled()
        return "is open"

    def move(self) -> None:
        self.notices.append("changed")
        for user in self.confirmed + self.waitlist:
            self.dm(user, "changed")

    # -- what members should see ---------------------------------------------------------

    def registration_field(self) -> str:
        if not self.open:
            return f"Closed: {self.reason}" if self.reason else "Closed"
        if self.full:
            if self.capacity == 1:
                return ("Full: the only seat is taken; joining puts you on the waitlist "
                        f"({len(self.waitlist)} waiting)")
            return (f"Full: all {self.capacity} seats are taken; joining puts you on the "
                    f"waitlist ({len(self.waitlist)} waiting)")
        left = self.capacity - len(self.confirmed)
        return f"Open: {left} of {self.capacity} seat{'s' if self.capacity != 1 else ''} left"

    def buttons(self) -> tuple[str, bool]:
        """The Join button's label and whether it is disabled."""
        return ("Join waitlist" if self.full else "Join"), not self.open

    def opened_text(self) -> str:
        title = f"**{self.title}**"
        if self.full:
            return (f"Registration for {title} is open again. All seats are taken: members "
                    "who join now go on the waitlist.")
        left = self.capacity - len(self.confirmed)
        seats = "seat" if self.capacity == 1 else "seats"
        return f"Registration for {title} is open again: {left} of {self.capacity} {seats} left."


def notice_kind(content: str) -> str:
    if CAPACITY_REACHED in content:
        return "capacity"
    if "is open again" in content:
        return "opened"
    if "has been closed by a moderator" in content:
        return "closed"
    if content.startswith("📅 Change:"):
        return "changed"
    return f"other: {content}"


def dm_kind(content: str) -> str:
    if content.startswith("Good news: a seat freed up"):
        return "promoted"
    if content.startswith("A moderator has removed your RSVP"):
        return "removed"
    if content.startswith("📅 An event you registered for changed"):
        return "changed"
    return f"other: {content}"


def join_button(message: dict) -> dict:
    return next(c for row in message["components"] for c in row["components"]
                if c.get("custom_id", "").startswith("eventbot:rsvp:join:"))


def registration_shown(embed: dict) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"] == "Registration")


class Run:
    def __init__(self, world, seed: int) -> None:
        self.world, self.fake, self.guild = world, world.fake, world.guild
        self.rng = random.Random(seed)
        self.seed = seed
        self.channel = world.guild.channel("announcements")
        self.log: list[str] = []

    async def start(self) -> None:
        world = self.world
        self.model = Model(f"Visible State {self.seed}", self.rng.choice([2, 3]))
        self.starts = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=30)
        self.event_id = await world.import_event(self.model.title, self.model.capacity,
                                                 starts_at=self.starts.isoformat())
        self.event = str(self.event_id)
        self.members: list[Member] = [world.member(f"vs{self.seed} m{i}") for i in range(4)]
        reply = await self.fake.slash(self.guild, world.moderator, "manage announce",
                                      event=self.event, channel=self.channel)
        assert "Posted" in reply.content, reply
        [(self.message_id,)] = world.query(
            "SELECT message_id FROM announcement_messages WHERE event_id = ?", (self.event_id,))
        await self.settled()
        self.seen_notices = len(self.channel_notices())
        self.seen_dms = {m.id: len(self.member_dms(m)) for m in self.members}

    def where(self) -> str:
        return f"seed {self.seed}, steps:\n  " + "\n  ".join(self.log)

    def channel_notices(self) -> list[dict]:
        return [m for m in self.fake.messages(self.channel)
                if f"**{self.model.title}**" in (m.get("content") or "")]

    def member_dms(self, member: Member) -> list[dict]:
        return [m for m in self.fake.dms(member) if f"**{self.model.title}**" in m["content"]]

    def announcement(self) -> dict:
        return next(m for m in self.fake.messages(self.channel)
                    if int(m["id"]) == self.message_id)

    def member_step(self, member, kind: str, message: dict | None = None):
        """`/rsvp join` or `/rsvp cancel` ("join", "cancel"), or the announcement's button
        for it ("click join", "click cancel", on `message` as last read): the interaction,
        to await."""
        action = kind.split()[-1]
        if kind.startswith("click"):
            return self.fake.click(self.guild, member, message or self.announcement(),
                                   f"eventbot:rsvp:{action}:{self.event}")
        return self.fake.slash(self.guild, member, f"rsvp {action}", event=self.event)

    async def settled(self) -> None:
        """Until the step's notices have left the outbox (delivered)."""
        deadline = asyncio.get_running_loop().time() + SETTLE
        while self.world.query("SELECT count(*) FROM outbox WHERE event_id = ?",
                               (self.event_id,)) != [(0,)]:
            assert asyncio.get_running_loop().time() < deadline, (
                "notices still undelivered\n" + self.where())
            await asyncio.sleep(0.02)

    async def step(self) -> None:
        model, rng, fake, guild = self.model, self.rng, self.fake, self.guild
        moderator = self.world.moderator
        member = rng.choice(self.members)
        model.notices, model.dms = [], {}
        kind = rng.choices(["join", "click join", "cancel", "click cancel", "capacity",
                            "close", "open", "remove", "move"],
                           [4, 3, 3, 2, 2, 1, 1, 1, 1])[0]
        name = member.name
        if kind == "click join" and join_button(self.announcement()).get("disabled"):
            kind = "join"  # a member cannot click a disabled button
        if kind in ("join", "click join", "cancel", "click cancel"):
            joins = kind.endswith("join")
            expected = model.join(member.id) if joins else model.cancel(member.id)
            reply = await self.member_step(member, kind)
        elif kind == "capacity":
            seats = rng.randint(1, 4)
            name = str(seats)
            expected = model.set_capacity(seats)
            reply = await fake.slash(guild, moderator, "manage capacity", seats=seats,
                                     event=self.event)
        elif kind == "close":
            reason = rng.choice([None, "room change"])
            name = str(reason)
            expected = model.close(reason)
            options = {"reason": reason} if reason else {}
            reply = await fake.slash(guild, moderator, "manage close", event=self.event,
                                     **options)
        elif kind == "open":
            name = ""
            expected = model.reopen()
            reply = await fake.slash(guild, moderator, "manage open", event=self.event)
        elif kind == "remove":
            expected = model.cancel(member.id, removed=True)
            reply = await fake.slash(guild, moderator, "manage remove", member=member,
                                     event=self.event)
        else:
            self.starts += timedelta(days=1)
            name = self.starts.strftime("%Y-%m-%d %H:%M")
            model.move()
            form = await fake.slash(guild, moderator, "manage edit", event=self.event)
            reply = await fake.submit_modal(form, {"start": name})
            expected = "Updated **"
        self.log.append(f"{kind} {name}: {reply.content!r}")
        if expected == "⚠️":
            assert (reply.content or "").startswith("⚠️"), self.where()
        else:
            assert expected in (reply.content or ""), (expected, self.where())
        await self.settled()
        self.check_told()

    def check_told(self) -> None:
        model = self.model
        notices = self.channel_notices()
        new = notices[self.seen_notices:]
        self.seen_notices = len(notices)
        assert [notice_kind(m["content"]) for m in new] == model.notices, (
            [m["content"] for m in new], model.notices, self.where())
        for message in new:
            if notice_kind(message["content"]) == "opened":
                assert message["content"] == model.opened_text(), (
                    message["content"], self.where())
        for member in self.members:
            dms = self.member_dms(member)
            got = [dm_kind(m["content"]) for m in dms[self.seen_dms[member.id]:]]
            self.seen_dms[member.id] = len(dms)
            assert got == model.dms.get(member.id, []), (member.id, got, self.where())

    async def look(self) -> None:
        """The announcement (once its edits settle), /event info and the members' own
        answers show the registrations the model holds."""
        model, fake, guild = self.model, self.fake, self.guild
        want = model.registration_field()
        label, disabled = model.buttons()

        def shows(message: dict) -> bool:
            if int(message["id"]) != self.message_id:
                return False
            button = join_button(message)
            return (registration_shown(message["embeds"][0]) == want
                    and button["label"] == label and bool(button.get("disabled")) == disabled)

        try:
            await fake.wait_message(self.channel, shows, timeout=SETTLE)
        except Exception:
            message = self.announcement()
            raise AssertionError((registration_shown(message["embeds"][0]),
                                  join_button(message), want, label, disabled,
                                  self.where())) from None
        assert self.world.query(
            "SELECT capacity, confirmed_count, waitlist_count, registration_open FROM events"
            " WHERE id = ?", (self.event_id,)) == [
                (model.capacity, len(model.confirmed), len(model.waitlist), int(model.open))
            ], self.where()
        info = await fake.slash(guild, self.members[0], "event info", event=self.event)
        assert registration_shown(info.message["embeds"][0]) == want, self.where()
        for member in self.members:
            status = await fake.slash(guild, member, "rsvp status", event=self.event)
            held = model.status(member.id)
            if held is None:
                assert "You're not registered" in status.content, (status.content, self.where())
            else:
                assert f"You're {held} for" in status.content, (status.content, self.where())
            mine = await fake.slash(guild, member, "rsvp mine")
            line = next((line for line in mine.content.splitlines()
                         if f"`{self.event}`" in line), None)
            if held is None:
                assert line is None, (mine.content, self.where())
            else:
                assert line is not None and line.endswith(held), (mine.content, self.where())


@pytest.mark.parametrize("seed", _seeds())
async def test_what_members_see_follows_random_registration_steps(world, seed):
    run = Run(world, seed)
    await run.start()
    for number in range(1, STEPS + 1):
        await run.step()
        if number % LOOK_EVERY == 0 or number == STEPS:
            await run.look()


@pytest.mark.parametrize("seed", _seeds())
async def test_what_members_see_follows_the_store_after_simultaneous_steps(world, seed):
    """Several members' joins and cancels at once, and now and then a moderator's step
    among them: whatever order they land in, once the bot's edits settle the announcement
    and the members' answers show the registrations stored, no seat is left free with
    members waiting, and the channel never hears the same news twice in a row."""
    run = Run(world, 1000 + seed)
    await run.start()
    fake, guild, rng, moderator = run.fake, run.guild, run.rng, world.moderator
    for _ in range(STEPS // 3):
        calls = []
        for member in rng.sample(run.members, rng.randint(2, 4)):
            kind = rng.choice(["join", "cancel", "click join", "click cancel"])
            message = run.announcement()
            if kind == "click join" and join_button(message).get("disabled"):
                kind = "join"
            calls.append(run.member_step(member, kind, message))
        step = rng.choice([None, None, "capacity", "close", "open"])
        if step == "capacity":
            calls.append(fake.slash(guild, moderator, "manage capacity",
                                    seats=rng.randint(1, 4), event=run.event))
        elif step is not None:
            calls.append(fake.slash(guild, moderator, f"manage {step}", event=run.event))
        await asyncio.gather(*calls)
        await run.settled()
    [(capacity, is_open, reason)] = world.query(
        "SELECT capacity, registration_open, closed_reason FROM events WHERE id = ?",
        (run.event_id,))
    stored = Model(run.model.title, capacity, open=bool(is_open), reason=reason)
    for user_id, status in world.query("SELECT user_id, status FROM rsvps WHERE event_id = ?"
                                       " ORDER BY seq", (run.event_id,)):
        (stored.confirmed if status == "confirmed" else stored.waitlist).append(user_id)
    assert not (stored.open and stored.waitlist and len(stored.confirmed) < capacity), stored
    run.model = stored
    await run.look()
    kinds = [notice_kind(m["content"]) for m in run.channel_notices()]
    assert all(not (a == b and a in ("capacity", "closed", "opened"))
               for a, b in itertools.pairwise(kinds)), kinds
