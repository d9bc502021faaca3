"""A moderator's question (`/manage delete`) and preview (`/manage import`) expire within
their time from the command that asked, through the real bot, however late a click refused
as "database busy" comes: that click keeps the buttons for a retry, but it gives the bot no
newer token, and the expiry edits the message through the command's, which Discord honours
for 15 minutes from the command.

discord.py starts a view's time again at each click it takes, and so did the bot's own
record of it: a busy click at minute 13 carried the expiry to minute 27, where its edit was
refused (401, 50027 Invalid Webhook Token, counted by Discord toward its limit of invalid
requests), the buttons stayed, and a Delete clicked after that logged an unexpected error
and told the moderator "Something went wrong".

Scaled: Discord's 15 minutes of a token are TOKEN_SECONDS here, the bot's 14 minutes of a
question or preview QUESTION_SECONDS (their settings, as an operator would set them), and
the busy click comes BUSY_CLICK_AT seconds in, so that a time started again by it would
outlive the token."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time

import pytest

from sandbox import Attachment
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, import_button

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOKEN_SECONDS = 22.0
QUESTION_SECONDS = 19.0
BUSY_CLICK_AT = 5.0  # then refused after the bot's 10 s wait for the lock: before the end
BOT_ENV = {"DELETE_QUESTION_TIMEOUT": str(QUESTION_SECONDS),
           "IMPORT_PREVIEW_TIMEOUT": str(QUESTION_SECONDS)}

BUSY = "⚠️ The database is busy right now; try again in a moment."
QUESTION_EXPIRED = "This question has expired; run /manage delete again."
PREVIEW_EXPIRED = "This preview has expired; run /manage import again."


async def test_a_click_refused_as_busy_does_not_carry_the_expiry_past_the_token(world):
    fake = world.fake
    assert BUSY_CLICK_AT + QUESTION_SECONDS > TOKEN_SECONDS + 1  # the old way: past it
    title = "Kept Through A Lock"
    event_id = await world.import_event(title, 10)
    fake.token_lifetime = TOKEN_SECONDS  # from here on, every interaction's token
    first_request = len(fake.requests)
    before = world.dump()

    asked_at = time.monotonic()
    asked = await fake.slash(world.guild, world.moderator, "manage delete",
                             event=str(event_id))
    delete = next(c for c in asked.custom_ids() if ":go:" in c)
    previewed_at = time.monotonic()
    page = b"Never Imported Talk\n\n" + OPEN_ANNOUNCEMENT
    preview = await fake.slash(world.guild, world.moderator, "manage import", capacity=5,
                               page=Attachment("a.txt", page, "text/plain"),
                               title="Never Imported Talk")
    go = import_button(preview)
    assert go is not None and len(asked.custom_ids()) == 2, (asked, preview)

    # Another process holds the write lock as Delete and Import are clicked: each is
    # refused as busy, and keeps its buttons for a retry.
    await asyncio.sleep(max(0.0, asked_at + BUSY_CLICK_AT - time.monotonic()))
    holder = sqlite3.connect(world.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        deleting, importing = await asyncio.gather(
            fake.click(world.guild, world.moderator, asked.message, delete),
            fake.click(world.guild, world.moderator, preview.message, go))
        refusals = [await click.followup(timeout=30) for click in (deleting, importing)]
    finally:
        holder.execute("COMMIT")
        holder.close()
    refused_at = time.monotonic() - asked_at
    assert [r["content"] for r in refusals] == [BUSY, BUSY], refusals
    assert refused_at < QUESTION_SECONDS - 1, f"refused {refused_at:.1f} s in: too late"
    assert asked.custom_ids() and import_button(preview) is not None  # kept for a retry

    # Each still expires at its time from its command, through that command's live token.
    for reply, started, said in (
            (asked, asked_at, f"Nothing was deleted: **{title}** is kept (the question "
                              "expired)."),
            (preview, previewed_at, PREVIEW_EXPIRED)):
        await reply.wait(lambda r: not r.custom_ids(),
                         timeout=max(0.5, started + QUESTION_SECONDS + 2 - time.monotonic()))
        expired_after = time.monotonic() - started
        assert expired_after < QUESTION_SECONDS + 2, expired_after
        assert reply.content == said, reply

    # A click after that (a client still showing the buttons) is told it expired.
    late_delete = await fake.click(world.guild, world.moderator, asked.message, delete,
                                   forged=True)
    late_import = await fake.click(world.guild, world.moderator, preview.message, go,
                                   forged=True)
    assert time.monotonic() - asked_at < TOKEN_SECONDS  # (while the question's token lives)
    assert (late_delete.content, late_import.content) == (QUESTION_EXPIRED, PREVIEW_EXPIRED)
    assert not late_delete.custom_ids() and not late_import.custom_ids()

    # Past where a time started again by the busy click would have ended: nothing more was
    # sent through a dead token, and nothing was refused.
    await asyncio.sleep(max(0.0, asked_at + BUSY_CLICK_AT + QUESTION_SECONDS + 2
                            - time.monotonic()))
    refused = [(r.method, r.path, r.status) for r in fake.requests[first_request:]
               if r.status >= 400]
    assert refused == [], refused
    assert world.dump() == before  # nothing deleted, nothing imported
    assert world.query("SELECT count(*) FROM events WHERE id = ?", (event_id,)) == [(1,)]
    output = world.bot.output()
    assert "unexpected error" not in output and "Traceback" not in output, output[-3000:]
    assert not re.search(r"\bERROR\b", output), output[-3000:]
