"""Every slash command with the values Discord's own client sends for its options, through
the real bot process: none of them is refused as a value the option did not register,
in whichever language the member's client is, whatever channel kind an option names
among those it takes, and at the bounds the options registered."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.i18n import language
from sandbox import Attachment
from sandbox.models import GUILD_ANNOUNCEMENT
from tests.e2e.conftest import OPEN_ANNOUNCEMENT
from tests.e2e.test_bot import sample_event

pytestmark = pytest.mark.asyncio(loop_scope="module")

BUG = "Something went wrong"
LOCALES = ["en-US", "zh-CN", "zh-TW"]


def refusals(locale: str) -> list[str]:
    """The fixed words of each refusal of an option's value, as `locale` reads it: the
    longest run of each sentence between its fields."""
    source = Path(__file__).parents[2] / "bot/option_values.py"
    ids = [node.args[0].value for node in ast.walk(ast.parse(source.read_text()))
           if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "N_"]
    assert len(ids) >= 10
    lang = language(locale)
    return [max(re.split(r"\{[^}]*\}", lang.translated(i)), key=len).strip() for i in ids]


def cases(world) -> list[tuple[str, dict]]:
    """Each command once, with what a member picks or types in Discord's client."""
    guild, fake = world.guild, world.fake
    event = sample_event(world)
    if not hasattr(world, "_accepted"):
        world._accepted = (fake.add_channel(guild, "news-feed", type=GUILD_ANNOUNCEMENT),
                           fake.add_role(guild, "Attendees"), world.member("guest"))
    news, role, guest = world._accepted
    general = guild.channel("general")
    everyone = next(r for r in guild.roles.values() if r.name == "@everyone")
    thumbs = "👍🏽" * 150  # 300 characters, each emoji with its skin tone
    return [
        ("event info", {"event": event}),
        ("event info", {"event": "the typed words of a title"}),
        ("event info", {}),
        ("event list", {"past": True}),
        ("event list", {"past": False}),
        ("event speakers", {"event": event}),
        ("event speaker", {"name": "Ada", "event": event}),
        ("event ask", {"question": thumbs, "event": event}),
        ("event ask", {"question": "?"}),
        ("event calendar", {"event": event}),
        ("event takeaways", {"event": event}),
        ("rsvp join", {"event": event}),
        ("rsvp status", {"event": event}),
        ("rsvp cancel", {"event": event}),
        ("rsvp mine", {}),
        ("manage import", {"page": Attachment("p.txt", b"Talk\n\n" + OPEN_ANNOUNCEMENT,
                                              "text/plain"),
                           "title": "t" * 200, "starts_at": "2030-06-01 18:00",
                           "ends_at": "2030-06-01 20:00", "capacity": 100_000,
                           "venue": "v" * 200}),
        ("manage import", {"url": "https://example.invalid/" + "x" * 1976, "capacity": 1}),
        ("manage edit", {"event": event}),
        ("manage timezone", {"zone": "Asia/Shanghai"}),
        ("manage timezone", {"zone": "UTC"}),
        ("manage language", {"language": "zh-TW"}),
        ("manage language", {"language": "en-US"}),
        ("manage close", {"event": event, "reason": "r" * 200}),
        ("manage open", {"event": event}),
        ("manage capacity", {"seats": 100_000, "event": event}),
        ("manage capacity", {"seats": 1, "event": event}),
        ("manage remove", {"member": guest, "event": event}),
        ("manage announce", {"event": event, "channel": news}),
        ("manage channel", {"channel": news}),
        ("manage channel", {"channel": general}),
        ("manage attendees", {"event": event}),
        ("manage reminders", {"minutes": "60, 1440"}),
        ("manage role", {"role": role, "event": event}),
        ("manage role", {"role": everyone, "event": event}),
        ("manage role", {"clear": True, "event": event}),
        ("manage scheduled-events", {"state": "off"}),
        ("manage scheduled-events", {"state": "on"}),
        ("manage archive", {"event": event, "undo": False}),
        ("manage delete", {"event": event}),
    ]


@pytest.mark.parametrize("locale", LOCALES)
async def test_what_the_client_sends_is_no_refused_value(world, fake, locale):
    moderator = world.member(f"mod {locale}", locale=locale, manage_events=True)
    words = refusals(locale)
    for command, options in cases(world):
        reply = await fake.slash(world.guild, moderator, command, options=options)
        said = "\n".join([reply.content or "", *(f.get("content") or ""
                                                  for f in reply.followups)])
        assert BUG not in said, (command, said)
        assert not [w for w in words if w in said], (command, options, said)


async def test_the_bot_logged_no_error_in_any_of_it(world):
    out = world.bot.output()
    assert "Traceback" not in out and " ERROR " not in out, out[-3000:]
