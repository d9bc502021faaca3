"""/manage import from a URL or an .html file, through the real bot process."""

from __future__ import annotations

import codecs

import pytest

from sandbox import Attachment
from sandbox.ratelimits import DISCORD_RATE_LIMITS
from tests.e2e.conftest import World, event_id_in, import_button, import_page
from tests.pageserver import WEB_PAGES, PageServer

pytestmark = pytest.mark.asyncio(loop_scope="module")

FORUM = "Arctic Shipping and Security Forum"


# conftest's world, with Discord's own rate-limit windows and a bot that may fetch pages
# from 127.0.0.1 (only).
RATE_LIMITS = DISCORD_RATE_LIMITS
BOT_ENV = {"FETCH_ALLOWED_NETWORKS": "127.0.0.1/32", "FETCH_TIMEOUT": "2"}


@pytest.fixture(scope="module")
def server():
    with PageServer() as running:
        running.add("/event.html", (WEB_PAGES / "forum_cards.html").read_bytes())
        running.add("/report.pdf", b"%PDF-1.7\n", "application/pdf")
        running.add_raw("/bad-status", b"\x00\x01garbage\r\n\r\n")
        running.add("/gbk.html", GBK_PAGE)  # text/html, no charset
        for name in ("sidebar_details.html", "zh_news_recap.html", "recap_byline.html"):
            running.add(f"/{name}", (WEB_PAGES / name).read_bytes())
        yield running


GBK_PAGE = "<h1>中美气候合作前景</h1><p>北京</p><p>主持人：赵通</p>".encode("gbk")


def people_of(world: World, event_id: int) -> list[tuple[str, str]]:
    return world.query("SELECT name, role FROM people WHERE event_id = ? ORDER BY position",
                       (event_id,))


FORUM_PEOPLE = [("Maria de la Cruz", "moderator"), ("Henrik Olsen", "speaker"),
                ("Aiko Tanaka", "speaker"), ("Samuel Okafor", "discussant")]


async def test_import_from_a_url_and_again_updates_the_same_event(world, fake, server):
    url = server.url("/event.html")
    reply = await import_page(fake, world.guild, world.moderator, url=url)
    assert reply.ephemeral and reply.content.startswith(f"Created **{FORUM}**"), reply
    event_id = event_id_in(reply)
    assert people_of(world, event_id) == FORUM_PEOPLE  # none from the sidebar
    assert world.query("SELECT url FROM pages WHERE event_id = ?", (event_id,)) == [(url,)]
    again = await import_page(fake, world.guild, world.moderator, url=url)
    assert "already imported here" in again.content and event_id_in(again) == event_id


async def test_a_url_pasted_with_invisible_characters_around_it_is_the_page_it_shows(
        world, fake, server):
    """An address copied with a zero-width space or a direction mark before or after it
    was refused as "Give the page's web address starting with http:// or https://", or
    fetched with the mark as part of its path: the moderator sees no difference."""
    url = server.url("/event.html")
    for pasted in (f"\u200b{url}", f"\u202a{url}\u202c", f"{url}\ufeff"):
        reply = await import_page(fake, world.guild, world.moderator, url=pasted)
        assert not reply.content.startswith("⚠️"), (pasted, reply.content)
        assert world.query("SELECT url FROM pages WHERE event_id = ?",
                           (event_id_in(reply),)) == [(url,)], pasted


async def test_import_an_html_attachment(world, fake):
    page = Attachment("recap.html", (WEB_PAGES / "forum_recap.html").read_bytes(), "text/html")
    reply = await import_page(fake, world.guild, world.moderator, page=page,
                             title="Arctic Recap")
    assert reply.ephemeral and "Arctic Recap" in reply.content, reply
    event_id = event_id_in(reply)
    assert people_of(world, event_id) == FORUM_PEOPLE[:3]
    takeaways = world.query("SELECT heading FROM takeaways WHERE event_id = ?", (event_id,))
    assert takeaways == [("Search and Rescue",), ("Law of the Sea",), ("Military Balance",)]


LONG_TITLE = ("Book Launch: " + "Deterrence, Missile Defense and Strategic Stability, " * 4
              + "with the Authors in Conversation on China and the U.S.")


async def test_a_web_pages_own_title_is_its_title_however_long_or_it_ends(world, fake,
                                                                          server):
    """A page's <h1> past the 150 characters a text page's title line may have, and ending
    "U.S.": the event is named by it (cut to the bot's 200), and keeps its date and venue."""
    html = (f"<html><head><title>{LONG_TITLE} - Example Institute</title></head><body><main>"
            f"<h1>{LONG_TITLE}</h1><p>December 1, 2031, 6:00 PM - 8:00 PM EST</p>"
            "<p>Washington, DC</p><h2>Speakers</h2><div><h4>Jane Doe</h4>"
            "<p>Jane Doe is a senior fellow at the institute.</p></div></main></body></html>")
    server.add("/long-title.html", html.encode())
    reply = await import_page(fake, world.guild, world.moderator,
                              url=server.url("/long-title.html"))
    assert reply.ephemeral and "(event " in reply.content, reply
    [(title, starts_at, venue)] = world.query(
        "SELECT title, starts_at, venue FROM events WHERE id = ?", (event_id_in(reply),))
    assert len(LONG_TITLE) > 200 and title == LONG_TITLE[:199].rstrip() + "…"
    assert starts_at == 1953932400  # 2031-12-01 23:00 UTC
    assert venue == "Washington, DC"


FAMILY, FLAG = "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466", "\U0001f1e8\U0001f1f3"


@pytest.mark.parametrize(("path", "drawn"), [("/families.html", FAMILY), ("/flags.html", FLAG)])
async def test_a_long_web_title_is_cut_between_whole_characters(world, fake, server, path,
                                                                drawn):
    """A page's <h1> of emoji past the bot's 200 characters: each drawn from several code
    points (a family joined by zero-width joiners, a flag of two regional indicators).
    The event's title is cut before the first that does not fit whole, never inside one:
    cut at 199 code points, it ended with half a family (two women, a dangling joiner) or
    half a flag (a lone letter C in a box)."""
    heading = "Forum " + drawn * (250 // len(drawn))
    html = (f"<html><head><title>x</title></head><body><main><h1>{heading}</h1>"
            "<p>December 1, 2031, 6:00 PM - 8:00 PM EST</p><p>Washington, DC</p>"
            "<h2>Speakers</h2><div><h4>Jane Doe</h4>"
            "<p>Jane Doe is a senior fellow at the institute.</p></div></main></body></html>")
    server.add(path, html.encode())
    reply = await import_page(fake, world.guild, world.moderator, url=server.url(path))
    assert reply.ephemeral and "(event " in reply.content, reply
    [(title,)] = world.query("SELECT title FROM events WHERE id = ?", (event_id_in(reply),))
    kept = title.removesuffix("…")
    assert len(title) <= 200 and kept != title, title
    assert kept.startswith("Forum ") and kept[len("Forum "):] == drawn * (
        (len(kept) - len("Forum ")) // len(drawn)), ascii(title[-12:])


def dated_page(date: str, venue: str) -> str:
    return (f"<html><head><title>Grain Corridors</title></head><body><main>"
            f"<h1>Grain Corridors</h1><p>{date}, 6:00 PM - 8:00 PM EST</p><p>{venue}</p>"
            "<h2>Speakers</h2><div><h4>Jane Doe</h4>"
            "<p>Jane Doe is a senior fellow at the institute.</p></div></main></body></html>")


async def test_a_page_that_moved_its_date_and_venue_says_so_in_the_preview(world, fake,
                                                                           server):
    """The organisers' page now gives another date and venue: the event keeps its own
    (a moderator may have corrected them), and the preview says what the page gives and
    how to take it."""
    server.add("/corridors.html", dated_page("December 1, 2031", "Washington, DC"))
    url = server.url("/corridors.html")
    first = await import_page(fake, world.guild, world.moderator, url=url)
    event_id = event_id_in(first)
    same = await fake.slash(world.guild, world.moderator, "manage import", url=url)
    assert "Note: the page now gives" not in same.content
    server.add("/corridors.html", dated_page("December 8, 2031", "New York, NY"))
    moved = await fake.slash(world.guild, world.moderator, "manage import", url=url)
    december_8 = 1954537200  # 2031-12-08 23:00 UTC
    assert (f"Note: the page now gives <t:{december_8}:F>" in moved.content
            and "the event keeps its own date. To take the page's, use /manage edit, or "
                "import with starts_at: and ends_at:." in moved.content), moved.content
    assert ("Note: the page now gives the venue New York, NY; the event keeps its own."
            in moved.content), moved.content
    assert world.query("SELECT starts_at, venue FROM events WHERE id = ?", (event_id,)) == [
        (1953932400, "Washington, DC")]


HIGH_NORTH = ('<html><head><meta property="og:title" content="Arctic Shipping Forum: Security '
              'in the High North"><title>Arctic Shipping Forum - Institute</title></head><body>'
              '<main><p class="kicker">Event</p><h1>Arctic Shipping Forum</h1>'
              "<h2>Cooperation at Sea</h2><p>December 1, 2031, 6:00 PM - 8:00 PM EST</p>"
              "<p>Washington, DC</p><p>Maria Cruz will moderate a discussion with Henrik "
              "Olsen.</p></main></body></html>")


async def test_headings_between_a_pages_title_and_its_date_keep_the_date_and_venue(
        world, fake, server):
    """An og:title the <h1> differs from, a kicker over the <h1> and an <h2> subtitle under
    it (GUIDE.md §5): the date and venue under them are the event's, and the subtitle
    describes it."""
    server.add("/high-north.html", HIGH_NORTH)
    reply = await import_page(fake, world.guild, world.moderator,
                              url=server.url("/high-north.html"))
    assert "When: <t:1953932400:F>" in reply.content, reply.content  # 2031-12-01 23:00 UTC
    assert "Where: Washington, DC" in reply.content, reply.content
    [(title, starts_at, venue, description)] = world.query(
        "SELECT title, starts_at, venue, description FROM events JOIN event_texts"
        " ON event_id = id WHERE id = ?",
        (event_id_in(reply),))
    assert (title, starts_at, venue) == ("Arctic Shipping Forum: Security in the High North",
                                         1953932400, "Washington, DC")
    assert description.startswith("Cooperation at Sea\n\nMaria Cruz will moderate")


def structured_page(visible_date: str, data: str) -> str:
    return ('<html><head><title>Grain Corridors</title><script type="application/ld+json">'
            f"{data}</script></head><body><main><h1>Grain Corridors</h1><p>{visible_date}</p>"
            "<p>Jane Doe will moderate a discussion with John Roe.</p></main></body></html>")


GRAIN_EVENT = ('{"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, '
               '{"@type": ["EducationEvent"], "name": "Grain Corridors", '
               '"startDate": "2031-12-01T18:00:00-05:00", "endDate": "2031-12-01T20:00-05:00",'
               ' "location": {"@type": "Place", "name": "Carnegie Endowment, Washington, DC", '
               '"address": {"@type": "PostalAddress", "addressLocality": "Washington"}}}]}')


async def test_a_pages_structured_event_gives_the_time_its_text_leaves_without_a_zone(
        world, fake, server):
    """The visible line says 6:00 PM with no zone; the page's JSON-LD Event says its offset
    (and the venue the text leaves out): the event starts at the page's 6 PM, not the
    server's."""
    server.add("/structured.html", structured_page("Monday, December 1, 2031, 6:00 PM",
                                                   GRAIN_EVENT))
    reply = await import_page(fake, world.guild, world.moderator,
                              url=server.url("/structured.html"))
    assert "When: <t:1953932400:F>" in reply.content, reply.content  # 2031-12-01 23:00 UTC
    assert "Where: Carnegie Endowment, Washington, DC" in reply.content, reply.content
    assert world.query("SELECT starts_at, ends_at, venue FROM events WHERE id = ?",
                       (event_id_in(reply),)) == [(1953932400, 1953939600,
                                                   "Carnegie Endowment, Washington, DC")]


async def test_a_structured_venue_past_200_characters_is_cut_between_whole_characters(
        world, fake, server):
    """A JSON-LD place named at length, in flags: the venue is cut to the bot's 200
    characters before the first flag that would not fit whole, with an ellipsis, as a long
    title is. It was cut at 200 code points with nothing to say so, a lone regional
    indicator (a letter in a box) at its end."""
    place = "Hall " + FLAG * 120
    data = GRAIN_EVENT.replace('"Grain Corridors"', '"Flag Hall Forum"').replace(
        '"Carnegie Endowment, Washington, DC"', f'"{place}"')
    page = structured_page("Monday, December 1, 2031, 6:00 PM", data)
    server.add("/flag-hall.html", page.replace("Grain Corridors<", "Flag Hall Forum<"))
    reply = await import_page(fake, world.guild, world.moderator,
                              url=server.url("/flag-hall.html"))
    [(venue,)] = world.query("SELECT venue FROM events WHERE id = ?", (event_id_in(reply),))
    kept = venue.removesuffix("…")
    assert len(venue) <= 200 and kept != venue, ascii(venue[-4:])
    assert kept.startswith("Hall ") and kept[5:] == FLAG * ((len(kept) - 5) // 2), ascii(
        venue[-4:])


@pytest.mark.parametrize("status", ["https://schema.org/EventCancelled", "EventCancelled",
                                    "schema:EventCancelled"])
async def test_a_page_whose_structured_data_says_cancelled_closes_registration(
        world, fake, server, status):
    """"eventStatus": EventCancelled: the moderator is told, and no member takes a seat in
    an event the organisers have called off."""
    title = f"Called Off {len(status)}"
    data = GRAIN_EVENT.replace('"Grain Corridors"', f'"{title}"').replace(
        '"name"', f'"eventStatus": "{status}", "name"', 1)
    path = f"/called-off-{len(status)}.html"
    server.add(path, structured_page("Monday, December 1, 2031, 6:00 PM", data).replace(
        "Grain Corridors<", f"{title}<"))
    reply = await import_page(fake, world.guild, world.moderator, url=server.url(path))
    assert "structured data says the event is cancelled" in reply.content, reply.content
    assert "/manage delete" in reply.content
    event_id = event_id_in(reply)
    assert world.query("SELECT registration_open FROM events WHERE id = ?",
                       (event_id,)) == [(0,)]
    joined = await fake.slash(world.guild, world.member(), "rsvp join", event=str(event_id))
    assert "closed" in joined.content.lower() and joined.ephemeral
    assert world.query("SELECT COUNT(*) FROM rsvps WHERE event_id = ?", (event_id,)) == [(0,)]


async def test_a_page_whose_structured_data_says_postponed_tells_the_moderator(
        world, fake, server):
    data = GRAIN_EVENT.replace('"Grain Corridors"', '"Put Off Forum"').replace(
        '"name"', '"eventStatus": "https://schema.org/EventPostponed", "name"', 1)
    server.add("/put-off.html", structured_page("Monday, December 1, 2031, 6:00 PM", data)
               .replace("Grain Corridors<", "Put Off Forum<"))
    reply = await import_page(fake, world.guild, world.moderator, url=server.url("/put-off.html"))
    assert "structured data says the event is postponed" in reply.content, reply.content
    assert world.query("SELECT registration_open FROM events WHERE id = ?",
                       (event_id_in(reply),)) == [(1,)]


async def test_a_structured_end_day_after_the_start_ends_the_event_with_that_day(
        world, fake, server):
    """JSON-LD "endDate": "2031-12-03" for a start on December 1 at 6 PM (-05:00): the
    event runs to the end of December 3 there, as the text's "December 1 - 3, 2031,
    6:00 PM" would; the end is stored, not dropped."""
    data = GRAIN_EVENT.replace('"2031-12-01T20:00-05:00"', '"2031-12-03"').replace(
        '"Grain Corridors"', '"Grain Corridors Week"')
    server.add("/week.html", structured_page("December 1 - 3, 2031", data))
    reply = await import_page(fake, world.guild, world.moderator, url=server.url("/week.html"))
    # 2031-12-01 23:00 UTC to 2031-12-04 05:00 UTC
    assert world.query("SELECT starts_at, ends_at FROM events WHERE id = ?",
                       (event_id_in(reply),)) == [(1953932400, 1954126800)]


async def test_a_page_whose_text_gives_another_day_than_its_json_ld_says_so_in_the_preview(
        world, fake, server):
    """A reschedule the organisers wrote on the page but not in its JSON-LD: the
    structured start (which says its offset) is the event's, and the preview quotes the
    text's date and asks the moderator to check which is right; the import keeps the
    structured start."""
    line = "Rescheduled to Tuesday, December 2, 2031, 6:00 PM"
    server.add("/rescheduled.html", structured_page(line, GRAIN_EVENT))
    preview = await fake.slash(world.guild, world.moderator, "manage import",
                               url=server.url("/rescheduled.html"))
    assert preview.ephemeral and "When: <t:1953932400:F>" in preview.content, preview.content
    assert (f"Note: the page's text gives the date '{line}', another day than the start in "
            "its structured data, which I used; check which is right, and fix it with "
            "/manage edit if need be" in preview.content), preview.content
    button = import_button(preview)
    assert button is not None, preview.content
    done = await fake.click(world.guild, world.moderator, preview.message, button)
    reply = await done.wait(lambda r: not r.custom_ids() or bool(r.followups))
    assert world.query("SELECT starts_at FROM events WHERE id = ?",
                       (event_id_in(reply),)) == [(1953932400,)]  # 2031-12-01 23:00 UTC


ZH_PAGE = ("<h1>中美气候合作前景</h1><p>2026年12月5日 下午3点至5点</p><p>北京</p>"
           "<p>主持人：赵通</p><h3>赵通</h3><p>赵通是卡内基国际和平研究院研究员。</p>")


async def test_pages_in_any_encoding_a_browser_reads_are_imported(world, fake, server):
    """A <meta charset> left in a comment, or a "charset=" in a page's description, is not
    the page's charset; a UTF-16 text file with its byte-order mark is text, uploaded or
    fetched."""
    server.add("/commented.html", ('<!-- <meta charset="gb2312"> --><html><head>'
                                   '<meta name="description" content="charset=big5 or not">'
                                   f'<meta charset="utf-8"></head><body><main>{ZH_PAGE}'
                                   "</main></body></html>").encode())
    text = "中美关系研讨会\r\n\r\n2026年12月5日 下午3点\r\n\r\n北京\r\n\r\n主持人：赵通\r\n"
    utf_16 = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    server.add("/talk.txt", utf_16, "text/plain")
    for options in ({"url": server.url("/commented.html")}, {"url": server.url("/talk.txt")},
                    {"page": Attachment("talk.txt", utf_16, "text/plain")}):
        reply = await import_page(fake, world.guild, world.moderator, **options)
        assert reply.ephemeral and "(event " in reply.content, (options, reply.content)
        [(title, venue)] = world.query("SELECT title, venue FROM events WHERE id = ?",
                                       (event_id_in(reply),))
        assert venue == "北京" and title in ("中美气候合作前景", "中美关系研讨会"), options
        assert people_of(world, event_id_in(reply)) == [("赵通", "moderator")]


async def test_refused_urls_and_bad_options_write_nothing(world, fake, server):
    before = world.dump()
    page = Attachment("p.html", (WEB_PAGES / "forum_cards.html").read_bytes(), "text/html")
    cases = [
        ({"url": f"http://127.0.0.2:{server.port}/event.html"},
         "127.0.0.2 is not a public internet address"),
        ({"url": f"http://[::1]:{server.port}/event.html"}, "::1 is not a public internet"),
        ({"url": server.url("/report.pdf")}, "application/pdf, not a web page"),
        ({"url": server.url("/bad-status")}, "(the server's answer was malformed)."),
        ({"url": server.url("/gbk.html")}, "does not say its character set"),
        ({"page": Attachment("zh.html", GBK_PAGE, "text/html")}, "does not say its character"),
        ({"url": "ftp://example.org/event.html"}, "starting with http:// or https://"),
        ({"url": "https://" + "a" * 70 + ".example.org/event"}, "not a URL I can read"),
        # 700 characters typed, 6,300 as sent (and kept, where PostgreSQL's index took 2,704)
        ({"url": server.url("/" + "北" * 700)}, "once its letters outside English"),
        ({}, "either as a file"),
        ({"url": server.url("/event.html"), "page": page}, "either as a file"),
    ]
    for options, words in cases:
        reply = await import_page(fake, world.guild, world.moderator, options=options)
        assert reply.ephemeral and reply.content.startswith("⚠️"), (options, reply)
        assert words in reply.content and "\n" not in reply.content, (options, reply)
    assert world.dump() == before


def panel_page(speakers: list[tuple[str, str]]) -> str:
    cards = "".join(f"<div><h4>{name}</h4><p>{bio}</p></div>" for name, bio in speakers)
    return ("<html><head><title>Sea Lanes</title></head><body><main><h1>Sea Lanes</h1>"
            "<p>December 1, 2031, 6:00 PM - 8:00 PM EST</p><p>Washington, DC</p>"
            f"<h2>Speakers</h2>{cards}</main></body></html>")


async def test_an_edited_page_imported_again_shows_its_new_speakers(world, fake, server):
    """The organisers rewrote a bio and a speaker dropped out: after the page is imported
    again, /event speakers shows what it says now, not the first version's speakers."""
    jane = ("Jane Doe", "Jane Doe is a senior fellow at the institute.")
    john = ("John Roe", "John Roe is a visiting scholar.")
    server.add("/sea-lanes.html", panel_page([jane, john]))
    url = server.url("/sea-lanes.html")
    event_id = event_id_in(await import_page(fake, world.guild, world.moderator, url=url))
    member = world.member("sea-lanes reader")
    before = await fake.slash(world.guild, member, "event speakers", event=str(event_id))
    assert "John Roe" in str(before.embeds)
    server.add("/sea-lanes.html", panel_page(
        [(jane[0], "Jane Doe directs the institute's maritime program.")]))
    again = await import_page(fake, world.guild, world.moderator, url=url)
    assert event_id_in(again) == event_id, again.content
    after = await fake.slash(world.guild, member, "event speakers", event=str(event_id))
    shown = str(after.embeds)
    assert "directs the institute's maritime program" in shown
    assert "John Roe" not in shown and "senior fellow" not in shown


async def test_the_preview_of_pages_in_organisers_layouts_shows_what_they_say(world, fake,
                                                                              server):
    """A sidebar of labelled details, a Chinese news item of a seminar held, a recap with a
    byline: the preview gives each one's time, place, people and takeaways, nothing of its
    buttons, and no date from its byline."""
    sidebar = await fake.slash(world.guild, world.moderator, "manage import",
                               url=server.url("/sidebar_details.html"))
    assert "When: <t:1778767200:F> (<t:1778767200:R>) – <t:1778771700:t>" in sidebar.content
    assert ("Where: Carnegie Endowment for International Peace, 1779 Massachusetts Avenue NW, "
            "Washington, DC") in sidebar.content  # 2026-05-14 10:00-11:15 EDT
    assert "Register" not in sidebar.content
    zh = await fake.slash(world.guild, world.moderator, "manage import",
                          url=server.url("/zh_news_recap.html"))
    assert zh.content.startswith("Preview of the recap"), zh.content
    assert "When: <t:1776520800:F>" in zh.content  # 14:00 in the server's zone (UTC)
    assert "Where: 清华大学明理楼报告厅" in zh.content and "Takeaways: 3" in zh.content
    byline = await fake.slash(world.guild, world.moderator, "manage import",
                              url=server.url("/recap_byline.html"))
    assert "When: no date found" in byline.content and "Takeaways: 3" in byline.content
    assert "- Speakers: Robert Kessler, Mei-Ling Hsu" in byline.content


async def test_pages_as_sites_serve_them_import_or_say_what_to_do(world, fake, server):
    """A moved page's <meta> refresh is followed; a bot check and an app's shell of a page
    each say, in one ephemeral line, to import the page's text, and write nothing."""
    server.add("/polar-talk.html", "<html><body><main><h1>Polar Talk</h1><p>December 2, "
               "2031, 6:00 PM EST</p><p>Speaker: Ines Moreau, a fellow.</p></main></body></html>")
    moved = server.add("/moved.html", '<html><head><meta http-equiv="refresh" content="0; '
                       'url=/polar-talk.html"></head><body></body></html>')
    reply = await import_page(fake, world.guild, world.moderator, url=moved)
    assert reply.ephemeral and reply.content.startswith("Created **Polar Talk**"), reply
    assert people_of(world, event_id_in(reply)) == [("Ines Moreau", "speaker")]
    challenge = b"<html><head><title>Just a moment...</title></head><body></body></html>"
    checked = server.add_raw("/checked", b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
                             b"text/html\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(challenge), challenge))
    shell = server.add("/app", '<html><head><title>Events</title><script src="/app.js">'
                       '</script></head><body><div id="root"></div></body></html>')
    before = world.dump()
    for url, words in ((checked, "a check for robots instead of the page (HTTP 503)"),
                       (shell, "fills in its text with JavaScript")):
        reply = await import_page(fake, world.guild, world.moderator, url=url)
        assert reply.ephemeral and reply.content.startswith("⚠️"), reply
        assert words in reply.content and "copy its text into a .txt file" in reply.content
        assert "\n" not in reply.content, reply
    assert world.dump() == before


async def test_a_gbk_pages_refresh_to_a_chinese_address_is_followed_there(world, fake, server):
    """A GBK page's <meta> refresh to "/讲座.html" was read as UTF-8: the address became
    rows of U+FFFD, and the import was refused as a page not found. It is read in the
    page's charset, as its server or its <meta> names it, as a browser reads it."""
    server.add("/讲座.html", "<html><head><meta charset=utf-8><title>港口讲座</title></head>"
               "<body><main><h1>港口讲座</h1><p>2031年12月5日 下午3点</p><p>地点：北京</p>"
               "<p>主持人：赵通</p></main></body></html>")
    refresh = '<html><head>{meta}<meta http-equiv="refresh" content="0; url=/讲座.html">' \
              "</head><body></body></html>"
    for path, body, content_type in (
            ("/moved-gbk-meta.html", refresh.format(meta='<meta charset="gbk">'), "text/html"),
            ("/moved-gbk-header.html", refresh.format(meta=""), "text/html; charset=gbk")):
        server.add(path, body.encode("gbk"), content_type)
        preview = await fake.slash(world.guild, world.moderator, "manage import",
                                   url=server.url(path))
        assert not preview.content.startswith("⚠️"), (path, preview.content)
        assert "港口讲座" in preview.content, (path, preview.content)


async def test_a_recap_fetched_again_keeps_the_title_of_the_event_it_recaps(world, fake,
                                                                            server):
    """A recap added to an event with `event:` leaves the event's title; the same recap's
    URL imported again (to take the site's corrections) updates that event, and renamed it
    after the recap's headline, announcement, Discord event and autocomplete with it."""
    announcement = (b"Deterrence in the Taiwan Strait Roundtable\n\n"
                    b"October 27, 2036, 10:00 AM - 12:00 PM HST\n\nHonolulu\n\n"
                    b"Helen Carver will moderate a discussion with Robert Kessler and "
                    b"Mei-Ling Hsu.\n")
    made = await import_page(fake, world.guild, world.moderator,
                             page=Attachment("announcement.txt", announcement, "text/plain"))
    event_id = event_id_in(made)
    title = "Deterrence in the Taiwan Strait Roundtable"
    recap = server.url("/recap_byline.html")
    added = await import_page(fake, world.guild, world.moderator, url=recap,
                              event=str(event_id))
    assert event_id_in(added) == event_id, added.content
    assert world.query("SELECT title FROM events WHERE id = ?", (event_id,)) == [(title,)]
    again = await import_page(fake, world.guild, world.moderator, url=recap)
    assert event_id_in(again) == event_id, again.content  # updated, not a second event
    assert world.query("SELECT title FROM events WHERE id = ?", (event_id,)) == [(title,)]


ZH_BODY = ("<p>2026-12-05 15:00</p><p>地点：北京大学国际关系学院</p><p>主持人：赵通</p>"
           "<p>主讲人：李彬</p><h3>赵通</h3><p>赵通是卡内基国际和平研究院研究员。</p>")
# 12 KB of inline script, as a real page's head has (analytics, a menu's code)
INLINE_SCRIPT = "<script>" + "var a=1;" * 1_500 + "</script>"
GBK_SCRIPTED = (f"<html><head><title>中美气候合作前景</title>{INLINE_SCRIPT}</head><body><main>"
                f"<h1>中美气候合作前景</h1>{ZH_BODY}</main></body></html>").encode("gbk")
UNDECLARED = "does not say its character set and is not UTF-8"


async def test_a_gbk_page_naming_no_charset_is_refused_however_much_script_it_has(
        world, fake, server):
    """A page in GBK that names no charset is refused (README: "a web page that names no
    charset ... and is not UTF-8"), as the short GBK_PAGE is. With 12 KB of inline script
    in its head, its bytes invalid in UTF-8 were under 1% of the page, so it was read as
    UTF-8: the preview offered to create **�����������ǰ��** at "Where: �ص㣺������...",
    with no people, and Import saved that."""
    server.add("/gbk-scripted.html", GBK_SCRIPTED)  # text/html, no charset anywhere
    before = world.dump()
    reply = await fake.slash(world.guild, world.moderator, "manage import",
                             url=server.url("/gbk-scripted.html"))
    assert "\ufffd" not in (reply.content or ""), reply.content
    assert reply.content.startswith("⚠️") and UNDECLARED in reply.content, reply.content
    assert world.dump() == before


async def test_a_gbk_page_its_server_calls_utf_8_is_not_imported_as_replacement_characters(
        world, fake, server):
    """A Chinese site's server sends "charset=utf-8" for a page saved in GBK (a template's
    default): read as UTF-8, every Chinese character is U+FFFD, and the preview offered to
    create **�����������ǰ��** (venue "�ص㣺...", no people), which Import saved. The bot
    refuses an undeclared page for the same rows of U+FFFD; a wrongly declared one should
    be refused too, in one line, with nothing saved."""
    body = GBK_SCRIPTED.replace(INLINE_SCRIPT.encode(), b"")
    server.add("/gbk-said-utf-8.html", body, "text/html; charset=utf-8")
    before = world.dump()
    reply = await fake.slash(world.guild, world.moderator, "manage import",
                             url=server.url("/gbk-said-utf-8.html"))
    assert "\ufffd" not in (reply.content or ""), reply.content
    assert reply.content.startswith("⚠️") and "\n" not in reply.content, reply.content
    assert world.dump() == before


ZH_BODY_BIG5 = ("<p>2026-12-05 15:00</p><p>地點：國立臺灣大學社會科學院</p><p>主持人：趙通</p>"
                "<p>主講人：李彬</p>")


@pytest.mark.parametrize(("codec", "header", "title", "body", "venue"), [
    ("gbk", "iso-8859-1", "中美气候合作前景", ZH_BODY, "北京大学国际关系学院"),
    ("big5", "iso-8859-1", "中美氣候合作前景", ZH_BODY_BIG5, "國立臺灣大學社會科學院"),
    ("gbk", "windows-1252", "中美气候合作前景", ZH_BODY, "北京大学国际关系学院"),
    ("gbk", "utf-8", "中美气候合作前景", ZH_BODY, "北京大学国际关系学院"),
    ("gbk", "big5", "中美气候合作前景", ZH_BODY, "北京大学国际关系学院")])
async def test_a_page_whose_meta_names_its_chinese_charset_is_read_in_it_over_its_servers(
        world, fake, server, codec, header, title, body, venue):
    """A Chinese site's server sends its default charset (Apache's ISO-8859-1) for a page
    whose own <meta> says GBK or Big5: every byte is a letter in ISO-8859-1, so the
    preview offered to create **ÖÐÃÀÆø...** ("Ö÷³ÖÈË£ºÕÔÍ¨" for 主持人：赵通), and Import
    saved it. The page's bytes are valid text in the charset its <meta> names, and
    not in (or, for a single-byte charset, not shown by) its server's: it is read in its
    <meta>'s."""
    page = (f'<html><head><meta charset="{codec}"><title>{title}</title></head><body><main>'
            f"<h1>{title}</h1>{body}</main></body></html>")
    path = f"/{codec}-said-{header}.html"
    server.add(path, page.encode(codec), f"text/html; charset={header}")
    preview = await fake.slash(world.guild, world.moderator, "manage import",
                               url=server.url(path))
    assert not preview.content.startswith("⚠️"), preview.content
    assert title in preview.content and venue in preview.content, preview.content


async def test_a_text_page_naming_no_charset_is_read_as_an_html_page_naming_none_is(
        world, fake, server):
    """A text/plain page naming no charset was read as an uploaded file is: in GBK, it was
    refused with "The file is not valid UTF-8 (bad byte at position 0); save it as UTF-8
    text", about a file the moderator never had; with one stray windows-1252 quote, a
    page an HTML page would have been read from was refused. Both are read now as an HTML
    page naming no charset is."""
    text = "Harbour Talk\n\n主持人：赵通\n地点：北京\n"
    server.add("/gbk.txt", text.encode("gbk"), "text/plain")
    before = world.dump()
    refused = await fake.slash(world.guild, world.moderator, "manage import",
                               url=server.url("/gbk.txt"))
    assert refused.content.startswith("⚠️") and "\n" not in refused.content, refused.content
    assert "does not say its character set" in refused.content, refused.content
    assert "file is not valid UTF-8" not in refused.content, refused.content
    assert world.dump() == before
    stray = (text + "It\x92s open to all.\n" + "Tong Zhao is a fellow. " * 20).encode(
        "utf-8").replace(b"\xc2\x92", b"\x92")  # one windows-1252 quote in UTF-8 text
    server.add("/stray.txt", stray, "text/plain")
    preview = await fake.slash(world.guild, world.moderator, "manage import",
                               url=server.url("/stray.txt"))
    assert not preview.content.startswith("⚠️"), preview.content
    assert "Harbour Talk" in preview.content, preview.content


async def test_a_name_annotated_with_ruby_is_read_as_the_page_shows_it(world, fake, server):
    """Pinyin over a name (<ruby>赵<rt>zhào</rt>通<rt>tōng</rt></ruby>) shows 主持人：赵通
    with the reading above it; the annotation was read into the line as text
    ("主持人：赵zhào通tōng"), so the preview said "People: none found"."""
    server.add("/ruby.html", (
        "<html><head><meta charset=utf-8><title>中美关系讲座</title></head><body><main>"
        "<h1>中美关系讲座</h1><p>2026年12月5日 下午3点</p><p>地点：北京</p>"
        "<p>主持人：<ruby>赵<rt>zhào</rt>通<rt>tōng</rt></ruby></p></main></body></html>"))
    preview = await fake.slash(world.guild, world.moderator, "manage import",
                               url=server.url("/ruby.html"))
    assert "- Moderator: 赵通" in preview.content, preview.content
    assert "zhào" not in preview.content, preview.content


POLAR = (b"<!DOCTYPE html>\n<html>\n<head>\n<title>Polar Talk</title>\n</head>\n<body>\n"
         b"<h1>Polar Talk</h1>\n<p>December 2, 2031, 6:00 PM EST</p>\n"
         b"<p>Speaker: Ines Moreau, a fellow.</p>\n</body>\n</html>\n")


async def test_a_page_sent_without_a_content_type_is_said_to_have_none(world, fake, server):
    """A server that sends no Content-Type: the refusal says the page has no stated type,
    as bot.fetch means to; aiohttp gives such an answer the type application/octet-stream,
    so the moderator read "The page is application/octet-stream", a type the page never
    had."""
    url = server.add_raw("/untyped", b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(POLAR), POLAR))
    reply = await fake.slash(world.guild, world.moderator, "manage import", url=url)
    assert reply.content.startswith("⚠️"), reply.content
    assert "octet-stream" not in reply.content, reply.content
    assert "of no stated type" in reply.content, reply.content


async def test_a_web_page_its_server_calls_text_plain_is_not_imported_as_its_markup(
        world, fake, server):
    """A site (or a misconfigured server) sends an HTML page as text/plain: it was read as
    a text page, markup and all, and the preview offered to create an event titled
    **<!DOCTYPE html>**, the tags in its text. The page should be read as the web page it
    is (its title "Polar Talk"), or refused in one line."""
    url = server.add("/polar-plain", POLAR, "text/plain; charset=utf-8")
    reply = await fake.slash(world.guild, world.moderator, "manage import", url=url)
    assert "DOCTYPE" not in reply.content and "<h1>" not in reply.content, reply.content
    assert ("Title: **Polar Talk**" in reply.content
            or (reply.content.startswith("⚠️") and "\n" not in reply.content)), reply.content


async def test_a_url_written_in_angle_brackets_is_read_as_its_address(world, fake, server):
    """Discord members write a link as <https://...> to keep it from unfurling, and paste
    it so: it was refused with "Give the page's web address starting with http:// or
    https://", which it does."""
    url = server.add("/polar.html", POLAR)
    reply = await fake.slash(world.guild, world.moderator, "manage import", url=f"<{url}>")
    assert "starting with http://" not in reply.content, reply.content
    assert "Title: **Polar Talk**" in reply.content, reply.content


UNTITLED = ("<html><body><main><p>December {day}, 2031, 6:00 PM EST</p><p>Washington, DC</p>"
            "<p>Speaker: Ines Moreau, a fellow.</p></main></body></html>")


async def test_a_page_without_a_title_is_named_after_its_address_as_a_browser_shows_it(
        world, fake, server):
    """A page with no title of its own is named after the last part of its address. That
    part was taken as sent on the wire: a page at "/讲座预告.html" made an event called
    "%E8%Ae%B2%E5%Ba%A7%E9%A2%84%E5%91%8A" (its escapes even title-cased), one at
    "/Arctic Forum.html" "Arctic%20Forum"; and an escaped control character ("%07", "%1B") went
    into the title as it is."""
    for day, (path, title) in enumerate((("/讲座预告.html", "讲座预告"),
                                         ("/Arctic Forum.html", "Arctic Forum"),
                                         ("/polar%07talk%1B.html", "Polar Talk")), start=3):
        url = server.add(path.replace("%07", "\x07").replace("%1B", "\x1b"),
                         UNTITLED.format(day=day))
        reply = await import_page(fake, world.guild, world.moderator,
                                  url=url if "%" not in path else server.url(path))
        assert reply.ephemeral and f"Created **{title}**" in reply.content, (path, reply)
        [(stored,)] = world.query("SELECT title FROM events WHERE id = ?",
                                  (event_id_in(reply),))
        assert stored == title


# What sites and moderators give for a page that is no page: the first bytes each such file
# opens with, then a little of what follows (a PDF's objects, an image's binary data).
PDF = (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Title (Arctic Forum) /CreationDate "
       b"(D:20311201180000Z) >>\nendobj\n2 0 obj\n<< /Length 48 >>\nstream\nBT /F1 12 Tf "
       b"(December 1, 2031, 6:00 PM) Tj ET\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
       b"%%EOF\n")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
DOCX = b"PK\x03\x04\x14\x00\x06\x00\x08\x00[Content_Types].xml" + bytes(range(256)) * 8


async def test_a_pdf_image_or_document_given_as_a_page_is_named_for_what_it_is(world, fake,
                                                                              server):
    """A PDF, an image or a Word document served as text/html or text/plain (a site's
    wrong Content-Type), or uploaded as the page: each was refused as text in the wrong
    character set ("save it as UTF-8 and import that", "bad byte at position 11"), or
    as a file that "looks binary", advice that does not fit a PDF flyer. The refusal now
    says what the file is and what to do, in one line, and nothing is saved."""
    before = world.dump()
    cases = [
        ({"url": server.add("/flyer", PDF, "text/html")}, "This is a PDF document"),
        ({"url": server.add("/flyer-2", PDF, "text/plain; charset=iso-8859-1")},
         "This is a PDF document"),
        ({"page": Attachment("flyer.pdf", PDF, "application/pdf")}, "This is a PDF document"),
        ({"page": Attachment("flyer.html", PDF, "text/html")}, "This is a PDF document"),
        ({"url": server.add("/poster", PNG, "text/html; charset=utf-8")}, "This is an image"),
        ({"page": Attachment("poster.jpg", JPEG, "image/jpeg")}, "This is an image"),
        ({"url": server.add("/programme", DOCX, "text/plain")}, "This is a Word"),
        ({"page": Attachment("programme.docx", DOCX, "application/octet-stream")},
         "This is a Word"),
    ]
    for options, words in cases:
        reply = await import_page(fake, world.guild, world.moderator, **options)
        assert reply.ephemeral and reply.content.startswith("⚠️"), (options, reply)
        assert words in reply.content and "\n" not in reply.content, (options, reply.content)
        assert "copy its text into a .txt file" in reply.content, (options, reply.content)
    assert world.dump() == before
