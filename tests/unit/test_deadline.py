"""Discord's 3 s for a first response: an answer not ready in time is deferred, and the
answer then follows the deferral, never races it."""

from __future__ import annotations

import asyncio

import pytest

from bot import tree


class Response:
    def __init__(self, calls: list) -> None:
        self.calls, self.done = calls, False

    def is_done(self) -> bool:
        return self.done

    async def defer(self, *, ephemeral: bool, thinking: bool) -> None:
        self.calls.append(("defer", ephemeral))
        await asyncio.sleep(0.05)  # on its way to Discord
        self.done = True

    async def send_message(self, content, *, ephemeral: bool, **_) -> None:
        assert not self.done, "a second first response"
        self.calls.append(("send", content, ephemeral))
        self.done = True


class Followup:
    def __init__(self, calls: list) -> None:
        self.calls = calls

    async def send(self, *, content, ephemeral: bool, **_) -> None:
        self.calls.append(("follow-up", content, ephemeral))


class Interaction:
    id = 1

    def __init__(self) -> None:
        self.calls: list = []
        self.extras: dict = {}
        self.response, self.followup = Response(self.calls), Followup(self.calls)


@pytest.fixture(autouse=True)
def quick_deadline(monkeypatch):
    monkeypatch.setattr(tree, "DEFER_AFTER", 0.02)


async def test_an_answer_ready_in_time_is_sent_as_the_response():
    interaction = Interaction()
    tree.answer_in_time(interaction)
    await tree.respond(interaction, "done", ephemeral=True)
    await asyncio.sleep(0.05)  # past the deadline: nothing more
    assert interaction.calls == [("send", "done", True)]


@pytest.mark.parametrize("public", [False, True])
async def test_a_late_answer_follows_its_deferral(public):
    interaction = Interaction()
    tree.answer_in_time(interaction, public=public)
    await asyncio.sleep(0.03)  # deferred, and the deferral still on its way
    await tree.respond(interaction, "done", ephemeral=not public)
    assert interaction.calls == [("defer", not public), ("follow-up", "done", not public)]


async def test_a_command_that_defers_itself_after_the_deadline_defers_once():
    interaction = Interaction()
    tree.answer_in_time(interaction)
    await asyncio.sleep(0.03)
    await tree.defer(interaction)
    await tree.respond(interaction, "imported", ephemeral=True)
    assert interaction.calls == [("defer", True), ("follow-up", "imported", True)]
