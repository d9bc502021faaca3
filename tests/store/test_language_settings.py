"""The server's chosen language and members' last seen client languages, on real SQLite
files."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.languages import MemberLocales, ServerLanguages, forget_member_locales
from bot.app import EventBot
from bot.config import load_settings
from bot.models import LocalePrune, SeenLocale
from bot.storage import EventDraft
from cogs.retention import Retention
from tests.conftest import make_page, new_event, rsvp_of

NOW = datetime(2030, 5, 1, 18, 0, tzinfo=UTC)


async def test_a_servers_language_is_unset_until_chosen_and_kept_per_server(store):
    assert await store.run(store.settings.language, 1) is None
    await store.run(store.settings.set_timezone, 1, "Asia/Shanghai")
    assert await store.run(store.settings.language, 1) is None  # other settings: still unset
    await store.run(store.settings.set_language, 1, "zh-CN")
    await store.run(store.settings.set_language, 2, "en-GB")
    assert await store.run(store.settings.language, 1) == "zh-CN"
    assert await store.run(store.settings.language, 2) == "en-GB"
    assert await store.run(store.settings.timezone, 1) == "Asia/Shanghai"  # left as it was
    await store.run(store.settings.set_language, 1, None)
    assert await store.run(store.settings.language, 1) is None


async def test_a_servers_discord_language_is_told_changed_since_last_seen_unless_chosen(store):
    """`ServerLanguages.seen`, at each GUILD_CREATE and GUILD_UPDATE: the language the
    bot's posts were in, when the server's Discord language changed since the bot (this
    process, or one before it) last saw it; not when a choice of `/manage language`
    stands over it, nor between two locales the bot speaks alike."""
    assert await ServerLanguages(store).seen(1, "en-US") is None  # first sight: recorded
    assert await store.run(store.settings.discord_locale, 1) == "en-US"
    restarted = ServerLanguages(store)
    assert await restarted.seen(1, "en-US") is None
    shown = await restarted.seen(1, "zh-CN")
    assert shown is not None and shown.code == "en-US"
    assert await restarted.seen(1, "zh-CN") is None  # told once
    was = await ServerLanguages(store).seen(1, "zh-TW")  # changed while stopped
    assert was is not None and was.code == "zh-CN"
    assert await ServerLanguages(store).seen(1, "ja") is not None  # to English
    assert await ServerLanguages(store).seen(1, "fr") is None  # English again
    await store.run(store.settings.set_language, 1, "zh-TW")
    assert await ServerLanguages(store).seen(1, "zh-CN") is None  # the choice stands
    assert await store.run(store.settings.discord_locale, 1) == "zh-CN"  # seen all the same
    assert await store.run(store.settings.discord_locale, 2) is None
    assert await store.run(store.settings.language, 1) == "zh-TW"


async def test_the_servers_the_bot_is_in_are_kept_until_it_leaves_them(store):
    """A server is recorded once the bot is set up in it (its settings row): the bot can
    then tell, when connected again, which servers removed it while it was away."""
    assert await store.run(store.settings.guilds_kept) == []
    await store.run(store.settings.set_language, 5, "zh-CN")  # a row of its own
    await store.run(store.settings.guilds_present, [3, 4, 3])
    assert await store.run(store.settings.guilds_kept) == [3, 4, 5]
    await store.run(store.settings.set_guild_left, 4, NOW)
    assert await store.run(store.settings.guilds_kept) == [3, 5]
    await store.run(store.settings.guilds_present, [4])  # invited back
    assert await store.run(store.settings.guilds_kept) == [3, 4, 5]
    assert await store.run(store.settings.guilds_left) == []
    assert await store.run(store.settings.language, 5) == "zh-CN"  # nothing else changed


async def test_a_use_of_a_server_the_bot_left_keeps_its_data(store):
    """A server that removed the bot's user but still uses its commands (removing the
    user keeps them) is in use, recorded as `guilds_present` records a server the bot is
    in: its data is not deleted when the retention is over. A server with no record (its
    data deleted before) gets one, for the retention task to find it gone again."""
    await new_event(store, guild_id=3)
    await store.run(store.settings.guilds_present, [3])
    await store.run(store.settings.set_guild_left, 3, NOW)
    await store.run(store.settings.guilds_present, [3])  # a command there
    await store.run(store.settings.guilds_present, [7])
    assert await store.run(store.settings.guilds_left) == []
    assert not await store.run(store.settings.purge_guild, 3, NOW + timedelta(days=1))
    assert await store.run(store.events.has_events, 3)
    assert await store.run(store.settings.guilds_kept) == [3, 7]


async def test_a_purged_server_forgets_its_language(store):
    await new_event(store, guild_id=3)
    await store.run(store.settings.set_language, 3, "zh-TW")
    await store.run(store.settings.set_guild_left, 3, NOW)
    assert await store.run(store.settings.purge_guild, 3, NOW + timedelta(days=1))
    assert await store.run(store.settings.language, 3) is None


async def test_a_purged_servers_event_ids_are_never_given_again(store):
    """Old buttons, and the positions a process keeps per event id, must not reach a new
    event through a purged one's id."""
    await new_event(store, guild_id=1, slug="kept")
    purged = await new_event(store, guild_id=3, capacity=1)  # the highest id
    for user in range(1, 41):
        await store.join(3, purged.id, user, "m")
    assert (await rsvp_of(store, purged.id, 40, guild_id=3)).position == 39
    await store.run(store.settings.set_guild_left, 3, NOW)
    assert await store.run(store.settings.purge_guild, 3, NOW + timedelta(days=1))
    new = await new_event(store, guild_id=1, capacity=1, slug="new")
    assert new.id > purged.id
    for user in range(100, 106):
        await store.join(1, new.id, user, "m")
    assert [(await rsvp_of(store, new.id, user)).position for user in range(101, 106)] == [
        1, 2, 3, 4, 5]


async def recorded(store, user_ids) -> dict[int, str]:
    return {user_id: seen.locale for user_id, seen in
            (await store.run(store.settings.member_locales, user_ids)).items()}


def at(when: datetime, **locales: str) -> dict[int, SeenLocale]:
    """{user id: SeenLocale} from keyword arguments u10="zh-CN"."""
    return {int(name[1:]): SeenLocale(locale, when) for name, locale in locales.items()}


async def test_member_locales_are_written_only_when_they_change(store):
    assert await recorded(store, [10, 11]) == {}
    record = store.settings.record_member_locales
    assert await store.run(record, at(NOW, u10="zh-CN", u11="en-US")) == 2
    # The same locales again write nothing; a changed one writes its row alone.
    later = NOW + timedelta(seconds=5)
    assert await store.run(record, at(later, u10="zh-CN", u11="en-US")) == 0
    assert await store.run(record, at(later, u10="zh-TW", u11="en-US")) == 1
    assert await recorded(store, [10, 11, 12]) == {10: "zh-TW", 11: "en-US"}
    assert (await store.run(store.settings.member_locales, [10]))[10].seen_at == later
    assert await store.run(record, {}) == 0
    # One seen before the record (another process, writing late) never replaces it.
    assert await store.run(record, at(NOW, u10="en-GB")) == 0
    assert await recorded(store, [10]) == {10: "zh-TW"}


async def test_two_processes_recording_the_same_members_at_once_both_finish(store_opener,
                                                                              tmp_path):
    """Each process writes the members it saw in its own order: on PostgreSQL the row
    locks must not deadlock them (the loser's batch was lost)."""
    path = tmp_path / "shared.sqlite3"
    async with await store_opener(path) as one, await store_opener(path) as two:
        users = list(range(10**17, 10**17 + 3000))
        first = {u: SeenLocale("zh-CN", NOW) for u in users}
        second = {u: SeenLocale("en-GB", NOW + timedelta(seconds=1)) for u in reversed(users)}
        results = await asyncio.gather(
            one.run(one.settings.record_member_locales, first),
            two.run(two.settings.record_member_locales, second), return_exceptions=True)
        assert not [r for r in results if isinstance(r, BaseException)], results
        assert set((await recorded(one, users[:5])).values()) == {"en-GB"}


@pytest.mark.parametrize("hostile", ["zh-CN\x00", "\x00", "x" * 10_000, "zh-CN; DROP"])
async def test_a_locale_no_discord_client_sends_costs_no_other_member_their_language(
        store, hostile):
    """A modified client's locale (a NUL, which PostgreSQL's text refuses) is not recorded:
    it failed the write of the whole batch, and the members seen with it got their DMs
    (a promotion, reminders) in English until they came back."""
    locales = MemberLocales(store)
    locales.seen_payload({"locale": hostile, "member": {"user": {"id": "1"}}})
    locales.seen_payload({"locale": "zh-TW", "member": {"user": {"id": "2"}}})
    await locales.flush()
    fresh = MemberLocales(store)  # another process, or after a restart: what is recorded
    assert await fresh.locale_of(2) == "zh-TW"
    assert await fresh.locale_of(1) is None


async def test_member_locales_are_read_for_many_members_at_once(store):
    seen = {user_id: "zh-CN" if user_id % 2 else "en-GB" for user_id in range(1, 1201)}
    assert await store.run(store.settings.record_member_locales,
                           {u: SeenLocale(locale, NOW) for u, locale in seen.items()}) == 1200
    assert await recorded(store, list(range(1, 1202))) == seen


async def test_the_locales_a_process_remembers_are_bounded_and_none_is_lost(store):
    from bot.adapters.languages import MemberLocales

    locales = MemberLocales(store, remembered=3)
    for user_id in range(100, 110):
        locales.seen(user_id, "zh-CN" if user_id % 2 else "en-GB")
        assert len(locales._last) <= 3
    await locales.flush()
    written = await recorded(store, list(range(100, 110)))
    assert written == {u: "zh-CN" if u % 2 else "en-GB" for u in range(100, 110)}
    # one forgotten by this process is read back from the database
    assert 100 not in locales._last and await locales.locale_of(100) == "en-GB"
    locales.seen(100, "zh-TW")  # and a change is still written
    await locales.flush()
    assert await recorded(store, [100]) == {100: "zh-TW"}


async def test_a_member_seen_since_by_another_process_gets_dms_in_that_language(store):
    """Two processes (shards) note one member's locale each; a DM reads the newer of what
    this process saw and what is recorded."""
    from bot.adapters.languages import MemberLocales

    now = [NOW.timestamp()]
    here, there = (MemberLocales(store, clock=lambda: now[0]) for _ in range(2))
    here.seen(7, "zh-CN")
    await here.flush()
    now[0] += 10
    there.seen(7, "en-US")  # the member switched their Discord, seen by the other process
    assert await here.locale_of(7) == "zh-CN"  # not recorded yet: this process's own
    await there.flush()
    assert await here.locale_of(7) == "en-US"
    now[0] += 10
    here.seen(7, "zh-CN")  # back to Chinese, seen here: a change again, written
    await here.flush()
    assert await here.locale_of(7) == "zh-CN" and await there.locale_of(7) == "zh-CN"
    # Seen by this process after the record without a DM read in between: the DM reads
    # it, and the record catches up for the other process.
    now[0] += 10
    there.seen(7, "en-GB")
    await there.flush()
    now[0] += 10
    here.seen(7, "zh-CN")  # this process's memory says zh-CN already: nothing to write
    assert await here.locale_of(7) == "zh-CN"
    await here.flush()
    assert await there.locale_of(7) == "zh-CN"


async def test_a_member_back_in_an_earlier_language_is_recorded_again_within_a_minute(store):
    """Seen by one process in English, by another in Chinese, then by the first in English
    again: nothing changed for the first, yet the record must follow, for the second's DMs."""
    from bot.adapters.languages import REWRITE_AFTER, MemberLocales

    now = [NOW.timestamp()]
    here, there = (MemberLocales(store, clock=lambda: now[0]) for _ in range(2))
    here.seen(7, "en-US")
    await here.flush()
    now[0] += 10
    there.seen(7, "zh-CN")
    await there.flush()
    now[0] += 10
    here.seen(7, "en-US")  # written again only once REWRITE_AFTER has passed
    await here.flush()
    assert await there.locale_of(7) == "zh-CN"
    now[0] += REWRITE_AFTER
    here.seen(7, "en-US")
    await here.flush()
    assert await there.locale_of(7) == "en-US"
    # and a rewrite of what is recorded already changes nothing
    now[0] += REWRITE_AFTER
    here.seen(7, "en-US")
    assert await store.run(store.settings.record_member_locales, here._pending) == 0


async def test_a_server_marked_as_left_during_its_first_command_is_kept_by_the_next(
        store, tmp_path):
    """The retention task may find a server gone (the bot's user removed) while a member's
    first command of the process is still setting it up: the next command says again that
    it is in use. Else it stayed marked as left for as long as the process ran, and was
    deleted a retention period later under members using it every day."""
    bot = EventBot(load_settings({"DATABASE_PATH": str(tmp_path / "unused.sqlite3")},
                                 env_file=None), store)
    retention = Retention(bot)
    await store.run(store.settings.guilds_present, [3])
    await store.run(store.settings.set_guild_left, 3, NOW)
    real_run = store.run

    async def looks_meanwhile(fn, *args, **kwargs):
        if fn == store.events.save_samples:  # the first command is giving the samples
            await retention.note_guilds_gone()  # the bot is in no server: 3 is gone
        return await real_run(fn, *args, **kwargs)

    store.run = looks_meanwhile  # type: ignore[method-assign]
    try:
        await bot.ensure_events(3)
    finally:
        del store.run
    assert [g.guild_id for g in await store.run(store.settings.guilds_left)] == [3]
    await bot.ensure_events(3)  # the next command, any time later
    assert await store.run(store.settings.guilds_left) == []
    await bot.close()


async def test_the_languages_of_members_with_nothing_to_be_told_are_forgotten(store):
    """A member's client language is kept for the DMs about their RSVPs: once they hold
    none, in any server, and none waits to be sent them, it is forgotten a retention
    period after it was recorded; the next interaction records it again. Else every member
    who ever pressed a button stayed in the table for as long as the bot ran."""
    old, recent = NOW - timedelta(days=40), NOW - timedelta(days=2)
    event = await new_event(store, guild_id=1)
    elsewhere = await new_event(store, guild_id=2, slug="other")
    doomed = await new_event(store, guild_id=1, slug="doomed")
    for user in (1, 2, 3):
        await store.join(1, event.id, user, "m")
    await store.join(2, elsewhere.id, 4, "m")
    await store.join(1, doomed.id, 5, "m")
    await store.run(store.registrations.cancel, 1, event.id, 3)  # holds nothing now
    await store.run(store.events.delete_event, 1, doomed.id)  # 5's DM not yet sent
    await store.run(store.settings.record_member_locales,
                    at(old, u1="zh-CN", u3="en-GB", u4="zh-TW", u5="zh-CN", u6="en-GB"))
    await store.run(store.settings.record_member_locales, at(recent, u7="zh-TW"))
    forgotten = await forget_member_locales(store, NOW - timedelta(days=30), NOW)
    assert forgotten == 2
    assert await recorded(store, range(1, 8)) == {1: "zh-CN", 4: "zh-TW", 5: "zh-CN",
                                                   7: "zh-TW"}
    # Member 5's cancellation DM is delivered: nothing more to tell them.
    for notice in await store.run(store.notices.claim_notices):
        await store.run(store.notices.ack_notice, notice.id)
    assert await forget_member_locales(store, NOW - timedelta(days=30), NOW) == 1
    assert await recorded(store, range(1, 8)) == {1: "zh-CN", 4: "zh-TW", 7: "zh-TW"}


async def test_an_rsvp_of_an_event_over_keeps_no_language(store):
    """An event over sends its members nothing more (no reminder, no promotion): holding
    one of its RSVPs keeps no language, where one of an event ahead, or of an event with
    no start yet, does. Else nearly every member who ever joined an event stayed."""
    def dated(slug: str, starts_at: datetime | None) -> EventDraft:
        return EventDraft(slug=slug, title=f"Event {slug}", capacity=5, starts_at=starts_at)

    events = {}
    for slug, starts_at in (("past", NOW - timedelta(days=10)),
                            ("ahead", NOW + timedelta(days=10)), ("undated", None)):
        events[slug], _ = await store.run(store.events.save_event, 1, dated(slug, starts_at),
                                          [("page text", make_page())])
    for user, slug in ((8, "past"), (9, "ahead"), (10, "undated")):
        await store.join(1, events[slug].id, user, "m")
    await store.run(store.settings.record_member_locales,
                    at(NOW - timedelta(days=40), u8="zh-CN", u9="zh-TW", u10="en-GB"))
    assert await forget_member_locales(store, NOW - timedelta(days=30), NOW) == 1
    assert await recorded(store, [8, 9, 10]) == {9: "zh-TW", 10: "en-GB"}


async def test_forgetting_languages_reads_about_the_old_records_alone(store, monkeypatch):
    """The members to keep are looked up from the records old enough to forget, not read
    from every RSVP: the prune's steps (each reading a few rows) grow with those records,
    not with the RSVPs of events ahead, which a busy bot has millions of; and a member with
    many RSVPs of events over is looked at a few of them a step, not all in one."""
    from bot.storage.sqlite import settings as sqlite_settings
    from tests.conftest import execute_sql

    monkeypatch.setattr(sqlite_settings, "PRUNE_READ_ROWS", 3)  # rows one step reads
    ahead = await new_event(store, capacity=1000)
    await execute_sql(  # 300 RSVPs of an event not over, of members 1001-1300
        store, "WITH RECURSIVE n (k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 300)"
        " INSERT INTO rsvps (event_id, user_id, display_name, status, seq, joined_at)"
        f" SELECT {ahead.id}, 1000 + k, 'm', 'waitlisted', k, 0 FROM n")
    await store.run(store.settings.record_member_locales,
                    at(NOW - timedelta(days=2), u1002="zh-CN", u1003="en-GB"))

    async def prune_steps() -> tuple[LocalePrune, list[str]]:
        prune, steps = LocalePrune(NOW - timedelta(days=30), NOW), []
        while not prune.done:
            steps.append(prune.step)
            prune = await store.run(store.settings.forget_member_locales, prune)
        return prune, steps

    prune, steps = await prune_steps()  # nothing old enough: next to nothing to read
    assert prune.forgotten == 0 and len(steps) <= 2
    over = [(await store.run(store.events.save_event, 1, EventDraft(
        slug=f"over{n}", title="Over", capacity=5, starts_at=NOW - timedelta(days=10)),
        [("page text", make_page())]))[0] for n in range(6)]
    for event in over:  # member 7 holds six RSVPs, all of events over
        await execute_sql(store, "INSERT INTO rsvps (event_id, user_id, display_name, status,"
                          f" seq, joined_at) VALUES ({event.id}, 7, 'm', 'confirmed', 1, 0)")
    await store.run(store.settings.record_member_locales,
                    at(NOW - timedelta(days=40), u1001="zh-TW", u7="zh-CN", u8="en-GB"))
    prune, steps = await prune_steps()
    assert prune.forgotten == 2
    assert await recorded(store, [1001, 1002, 1003, 7, 8]) == {
        1001: "zh-TW", 1002: "zh-CN", 1003: "en-GB"}
    # SQLite: the old records, then their members' RSVPs (a step for each here: member 7's
    # are read a few a step, not in one), the outbox, the delete; a look at the records
    # after them: about a dozen steps, where reading every RSVP took over a hundred.
    assert len(steps) <= 15
    if getattr(store, "_pool", None) is None:
        assert steps.count("rsvps") >= 6


@pytest.mark.parametrize("written", ["before its batch", "after its batch"])
async def test_a_join_while_languages_are_forgotten_keeps_its_members_language(store, written):
    """Languages are forgotten in short steps (the members to forget looked up, then deletes
    in batches), so that no join waits on them: a member with an old record who joins
    between two batches, after being found to hold nothing, is not held up, and keeps their
    language, whether the sight of their join is written before the batch that deletes
    theirs (it refreshes the record's age) or after it (it writes the record again)."""
    retention = timedelta(days=30)
    event = await new_event(store, capacity=10_000)
    old = NOW - timedelta(days=40)
    await store.run(store.settings.record_member_locales,
                    {user: SeenLocale("en-GB", old) for user in range(1, 3001)})
    joiner = 2999  # in a late batch
    locales = MemberLocales(store, clock=lambda: NOW.timestamp(),
                            retention=retention.total_seconds())
    prune = LocalePrune(NOW - retention, NOW)
    # under way: a batch forgotten, the joiner found to hold nothing and still to forget
    while not prune.done and not (prune.forgotten and joiner in prune.candidates):
        prune = await store.run(store.settings.forget_member_locales, prune)
    assert not prune.done
    assert await recorded(store, [joiner]) == {joiner: "en-GB"}  # not yet looked at
    locales.seen(joiner, "en-GB")  # the interaction of the join, as the bot notes it
    started = time.monotonic()
    joined = await store.join(1, event.id, joiner, "late joiner")
    assert time.monotonic() - started < 1.0 and joined.result.status is not None
    if written == "before its batch":
        await locales.flush()
    while not prune.done:
        prune = await store.run(store.settings.forget_member_locales, prune)
    await locales.flush()
    # (written after its batch, it was forgotten a moment, then written again)
    assert prune.forgotten == (2999 if written == "before its batch" else 3000)
    assert await recorded(store, [joiner - 1, joiner, joiner + 1]) == {joiner: "en-GB"}


async def test_a_notice_that_cannot_be_read_does_not_stop_languages_being_forgotten(store):
    """The outbox may hold a notice whose payload is no JSON (written by hand, or damaged):
    the deliverer skips it, and it stays. Forgetting languages reads every notice for the
    member it names; such a row names nobody, and must not make every hourly look fail (a
    traceback an hour, and every language kept for good)."""
    from tests.conftest import execute_sql

    event = await new_event(store)
    await execute_sql(store, "INSERT INTO outbox (guild_id, event_id, kind, payload,"
                      " created_at) VALUES (1, ?, 'cancelled', 'not json {', 0)", event.id)
    await execute_sql(store, "INSERT INTO outbox (guild_id, event_id, kind, payload,"
                      " created_at) VALUES (1, ?, 'removed', '{\"user_id\": \"x\"}', 0)",
                      event.id)
    await execute_sql(store, "INSERT INTO outbox (guild_id, event_id, kind, payload,"
                      " created_at) VALUES (1, ?, 'removed', '{\"user_id\": 2}', 0)", event.id)
    await store.run(store.settings.record_member_locales,
                    at(NOW - timedelta(days=40), u1="zh-CN", u2="zh-TW"))
    assert await forget_member_locales(store, NOW - timedelta(days=30), NOW) == 1
    assert await recorded(store, [1, 2]) == {2: "zh-TW"}  # 2's DM still waits


async def test_the_outbox_is_read_once_a_look_and_what_is_written_to_it_after(store, monkeypatch):
    """Each batch of members to forget checks the notices that name them; the outbox is
    read whole for the first batch and from its newest notice read for the next (a notice's
    id is never given again), not again for each batch: a long outbox (a big event's DMs
    going out) read again for each of hundreds of batches. A member named by a notice
    written after the first read keeps their language all the same (SQLite, whose batches
    read the outbox after their RSVPs; PostgreSQL reads both at once, in one step)."""
    from bot.storage.sqlite import settings as sqlite_settings
    from tests.conftest import execute_sql

    monkeypatch.setattr(sqlite_settings, "PRUNE_READ_ROWS", 3)
    monkeypatch.setattr(sqlite_settings, "PRUNE_WRITE_ROWS", 1)  # a batch a member
    event = await new_event(store)
    for n in range(20):  # DMs waiting, for members with no record
        await execute_sql(store, "INSERT INTO outbox (guild_id, event_id, kind, payload,"
                          f" created_at) VALUES (1, ?, 'removed', '{{\"user_id\": {500 + n}}}',"
                          " 0)", event.id)
    await store.run(store.settings.record_member_locales, at(
        NOW - timedelta(days=40), **{f"u{user}": "zh-CN" for user in range(1, 11)}))
    prune, steps = LocalePrune(NOW - timedelta(days=30), NOW), []
    while not prune.done:
        if prune.forgotten == 1 and "named" not in steps:  # a DM to member 9 written now
            steps.append("named")
            await execute_sql(store, "INSERT INTO outbox (guild_id, event_id, kind, payload,"
                              " created_at) VALUES (1, ?, 'removed', '{\"user_id\": 9}', 0)",
                              event.id)
        steps.append(prune.step)
        prune = await store.run(store.settings.forget_member_locales, prune)
    if getattr(store, "_pool", None) is None:
        assert prune.forgotten == 9
        assert await recorded(store, range(1, 11)) == {9: "zh-CN"}
        # its steps: 7 to read the 20 notices first, then one for each batch
        assert steps.count("notices") <= 7 + 10
    else:
        assert prune.forgotten == 10
