"""`python -m bot import URL` with pages as real organisers' sites serve them: moved pages,
bot checks, pages built by JavaScript, calendars and listings. Each ends in an event or one
line saying what is wrong and what to do, with nothing written."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.pageserver import WEB_PAGES, PageServer
from tests.unit.test_cli_web import ALLOW_LOCAL, cli  # noqa: F401  (the fixture)

CARDS = (WEB_PAGES / "forum_cards.html").read_bytes()


@pytest.fixture(scope="module")
def server():
    with PageServer() as running:
        running.add("/real", CARDS)
        yield running


def refresh_page(content: str, body: str = "<p>Redirecting...</p>") -> str:
    return (f'<html><head><meta http-equiv="refresh" content="{content}">'
            f"<title>Redirecting</title></head><body>{body}</body></html>")


def imported_urls(db) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [url for (url,) in conn.execute("SELECT url FROM pages")]
    finally:
        conn.close()


@pytest.mark.parametrize("content", ["0; url=/real", "0;URL='/real'", "3, url=real"])
def test_a_moved_page_s_meta_refresh_is_followed(cli, server, content):  # noqa: F811
    url = server.add("/moved", refresh_page(content))
    out = cli("import", url, "--guild", "7", **ALLOW_LOCAL).stdout
    assert out.startswith("created event 1 'arctic-shipping-and-security-forum' (4 people")
    assert imported_urls(cli.db) == [url]  # remembered by the address the moderator gave


def test_a_meta_refresh_loop_is_a_redirect_loop(cli, server):  # noqa: F811
    server.add("/ping", refresh_page("0; url=/pong"))
    url = server.add("/pong", refresh_page("0; url=/ping"))
    proc = cli("import", url, "--guild", "7", status=2, **ALLOW_LOCAL)
    assert proc.stderr == f"eventbot: {url}: The page redirects more than 5 times.\n"
    assert not cli.db.exists()


@pytest.mark.parametrize("content", ["390", "600; url=/real", "0; url=javascript:void(0)"])
def test_a_refresh_that_is_no_move_is_not_followed(cli, server, content):  # noqa: F811
    """A bot check reloads itself; a news page reloads in minutes: the page read is this one."""
    url = server.add("/stays", refresh_page(content, "<h1>Arctic Talk</h1><p>Speaker: Jane "
                                                     "Doe, a fellow.</p>"))
    out = cli("import", url, "--guild", "7", **ALLOW_LOCAL).stdout
    assert out.startswith("created event 1 'arctic-talk' (1 people")


CHALLENGE = (b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
             b'<meta http-equiv="refresh" content="390"></head><body><h1>Checking your '
             b"browser before accessing example.org.</h1><p>This process is automatic.</p>"
             b"<noscript>Please enable Cookies and reload the page.</noscript></body></html>")
BLOCKED = (b"<html><head><title>Attention Required! | Cloudflare</title></head><body><h1>"
           b"Sorry, you have been blocked</h1><p>Cloudflare Ray ID: 7c1f</p></body></html>")


def answer(status: str, body: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in ("Content-Type: text/html; charset=UTF-8",
                                         f"Content-Length: {len(body)}", *headers))
    return f"HTTP/1.1 {status}\r\n{head}\r\n".encode() + body


@pytest.mark.parametrize(("status", "body", "headers"), [
    ("503 Service Unavailable", CHALLENGE, ("Server: cloudflare",)),
    ("403 Forbidden", CHALLENGE, ()),
    ("403 Forbidden", BLOCKED, ()),
    ("403 Forbidden", b"<p>x</p>", ("cf-mitigated: challenge",)),
    ("429 Too Many Requests", CHALLENGE, ("Retry-After: 30",)),
])
def test_a_bot_check_says_to_import_the_page_s_text(cli, server, status, body, headers):  # noqa: F811
    url = server.add_raw("/checked", answer(status, body, *headers))
    proc = cli("import", url, "--guild", "7", status=2, **ALLOW_LOCAL)
    code = status.split()[0]
    assert proc.stderr == (f"eventbot: {url}: The site showed a check for robots instead of "
                           f"the page (HTTP {code}), which only a browser can pass; open the "
                           "page in your browser, copy its text into a .txt file and import "
                           "that file.\n")
    assert not cli.db.exists()


@pytest.mark.parametrize(("body", "headers"), [
    (CHALLENGE, ()),  # a challenge some sites serve as a page, with 200
    (BLOCKED, ()),
    (b"<html><head><title>Event</title></head><body><p>Checking.</p></body></html>",
     ("cf-mitigated: challenge",)),
])
def test_a_bot_check_served_as_a_page_is_no_event(cli, server, body, headers):  # noqa: F811
    url = server.add_raw("/checked-ok", answer("200 OK", body, *headers))
    proc = cli("import", url, "--guild", "7", status=2, **ALLOW_LOCAL)
    assert proc.stderr == (f"eventbot: {url}: The site showed a check for robots instead of "
                           "the page, which only a browser can pass; open the page in your "
                           "browser, copy its text into a .txt file and import that file.\n")
    assert not cli.db.exists()


@pytest.mark.parametrize(("retry_after", "wait"), [
    ("120", "wait 2 min"), ("61", "wait 2 min"), ("5", "wait 1 min"), ("", "wait a few minutes"),
    ("soon", "wait a few minutes"), ("99999999", "wait a few minutes"),
    ("Wed, 21 Oct 2015 07:28:00 GMT", "wait a few minutes"),  # passed already
])
def test_too_many_requests_says_when_to_try_again(cli, server, retry_after, wait):  # noqa: F811
    url = server.add_raw("/busy", answer("429 Too Many Requests", b"Too Many Requests",
                                         f"Retry-After: {retry_after}"))
    proc = cli("import", url, "--guild", "7", status=2, **ALLOW_LOCAL)
    assert proc.stderr == (f"eventbot: {url}: The site is turning away requests for now (HTTP "
                           f"429 Too Many Requests); {wait} and try again.\n")


def test_an_ordinary_forbidden_page_is_still_named_by_its_status(cli, server):  # noqa: F811
    url = server.add_raw("/forbidden", answer("403 Forbidden", b"<p>Members only.</p>"))
    proc = cli("import", url, "--guild", "7", status=2, **ALLOW_LOCAL)
    assert proc.stderr == f"eventbot: {url}: The page answered HTTP 403 Forbidden.\n"


JS_SAYS = ("The page fills in its text with JavaScript, which I don't run, so it shows me "
           "nothing; open the page in your browser, copy its text into a .txt file and import "
           "that file.")


@pytest.mark.parametrize("page", [
    # an app's shell: a title, a root for the app, its scripts, a <noscript> line
    '<!doctype html><html><head><meta charset=utf-8><title>Events</title><script '
    'src="/static/js/main.3f2a.js" defer></script></head><body><noscript>You need to enable '
    'JavaScript to run this app.</noscript><div id="root"></div><script>window.__DATA__={}'
    '</script></body></html>',
    '<html><head><script type="module" src="/app.js"></script></head><body><div id="app">'
    "</div></body></html>",
    '<html><head><script>window.location.href="/real";</script></head><body></body></html>',
])
def test_a_page_built_by_javascript_says_to_import_its_text(cli, server, page):  # noqa: F811
    url = server.add("/app", page)
    for command in ("parse", "import"):
        proc = cli(command, url, *(("--guild", "7") if command == "import" else ()),
                   status=2, **ALLOW_LOCAL)
        assert proc.stderr == f"eventbot: {url}: {JS_SAYS}\n"
    assert not cli.db.exists()


def test_an_app_s_shell_with_its_event_in_json_ld_is_imported(cli, server):  # noqa: F811
    url = server.add("/app-with-data", (
        '<html><head><title>Arctic Talk</title><script src="/app.js"></script><script '
        'type="application/ld+json">{"@type": "Event", "name": "Arctic Talk", "startDate": '
        '"2031-06-04T10:00:00-04:00", "location": {"@type": "Place", "name": "Main Hall"}}'
        '</script></head><body><div id="root"></div></body></html>'))
    out = cli("import", url, "--guild", "7", **ALLOW_LOCAL).stdout
    assert out.startswith("created event 1 'arctic-talk'")


ICS = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Think Tank//Events//EN\r\nBEGIN:VEVENT\r\n"
       b"SUMMARY:Arctic Security Forum\r\nDTSTART:20310604T140000Z\r\nLOCATION:Main Hall\r\n"
       b"END:VEVENT\r\nEND:VCALENDAR\r\n")
ICS_SAYS = ("This is a calendar file (iCalendar, .ics), not an event's page; import the event's "
            "web page instead, or its text in a .txt file.")


@pytest.mark.parametrize("content_type", ["text/plain; charset=utf-8", "text/plain"])
def test_a_calendar_file_served_as_text_is_not_made_an_event(cli, server, content_type):  # noqa: F811
    url = server.add("/event.ics", ICS, content_type)
    proc = cli("import", url, "--guild", "7", status=2, **ALLOW_LOCAL)
    assert proc.stderr == f"eventbot: {url}: {ICS_SAYS}\n"
    assert not cli.db.exists()


def test_a_calendar_file_given_by_name_is_not_made_an_event(cli, tmp_path):  # noqa: F811
    (tmp_path / "event.ics").write_bytes(b"\xef\xbb\xbf" + ICS)
    proc = cli("import", str(tmp_path / "event.ics"), "--guild", "7", status=2)
    assert proc.stderr.endswith(f"{ICS_SAYS}\n") and proc.stderr.count("\n") == 1
    assert not cli.db.exists()


def test_a_calendar_served_as_one_says_what_it_is(cli, server):  # noqa: F811
    url = server.add("/cal.ics", ICS, "text/calendar; charset=utf-8")
    proc = cli("import", url, "--guild", "7", status=2, **ALLOW_LOCAL)
    assert proc.stderr == (f"eventbot: {url}: The page is text/calendar, not a web page "
                           "(text/html) or text (text/plain).\n")


def ld_event(name: str, start: str, place: str) -> dict:
    return {"@type": "Event", "name": name, "startDate": start,
            "location": {"@type": "Place", "name": place}}


LISTED = [ld_event("Arctic Security Forum", "2031-06-04T10:00:00-04:00", "Carnegie Hall"),
          ld_event("Nuclear Talks", "2031-07-10T14:00:00-04:00", "Main Hall"),
          ld_event("Trade Panel", "2031-08-01T09:00:00-04:00", "Room 3")]


def ld_page(title: str, data: object, body: str = "") -> str:
    return (f"<html><head><title>{title}</title><script type=application/ld+json>"
            f"{json.dumps(data)}</script></head><body><main>{body}</main></body></html>")


LINKS = ("<h1>Upcoming events</h1><ul><li><a href=/a>Arctic Security Forum</a> June 4</li>"
         "<li><a href=/b>Nuclear Talks</a> July 10</li><li><a href=/c>Trade Panel</a> Aug 1</li>"
         "</ul>")


@pytest.mark.parametrize("data", [
    LISTED,
    {"@context": "https://schema.org", "@graph": LISTED},
    {"@type": "ItemList", "itemListElement": [
        {"@type": "ListItem", "position": n, "item": event} for n, event in enumerate(LISTED)]},
])
def test_a_listing_of_events_is_not_made_one_event(cli, server, data):  # noqa: F811
    url = server.add("/events", ld_page("Upcoming events | Think Tank", data, LINKS))
    proc = cli("import", url, "--guild", "7", status=2, **ALLOW_LOCAL)
    assert proc.stderr == (f"eventbot: {url}: This page lists 3 events, not one; import each "
                           "event's own page (its link on this page).\n")
    assert not cli.db.exists()


def test_a_page_with_its_own_event_among_others_takes_its_own(cli, server):  # noqa: F811
    """An event's page whose JSON-LD lists related events too: the one named as the page."""
    url = server.add("/nuclear", ld_page("Nuclear Talks | Think Tank", LISTED,
                                         "<h1>Nuclear Talks</h1><p>Speaker: Jane Doe, a "
                                         "fellow.</p>"))
    page = json.loads(cli("parse", "--json", url, **ALLOW_LOCAL).stdout)
    assert (page["title"], page["date_text"], page["location"]) == (
        "Nuclear Talks", "2031-07-10T14:00:00-04:00", "Main Hall")
    out = cli("import", url, "--guild", "7", **ALLOW_LOCAL).stdout
    assert out.startswith("created event 1 'nuclear-talks' (1 people")


@pytest.mark.parametrize(("shown", "named"), [
    ("China’s Arctic Talks", "China's Arctic Talks"),  # a typographic apostrophe
    ("Arctic Talks – Routes and Rules", "Arctic Talks - Routes and Rules"),  # an en dash
    ("Arctic Talks — Routes and Rules", "Arctic Talks: Routes and Rules"),
])
def test_its_own_event_is_found_when_the_page_punctuates_its_name_otherwise(
        cli, server, shown, named):  # noqa: F811
    """The page's heading sets its name with curly quotes and dashes, its JSON-LD with the
    straight ones the CMS stores: no event was named as the page, and the page was refused
    as a listing of events."""
    events = [ld_event(named, "2031-07-10T14:00:00-04:00", "Main Hall"), *LISTED[::2]]
    url = server.add("/own-" + str(len(named)), ld_page(
        f"{shown} | Think Tank", events, f"<h1>{shown}</h1><p>Speaker: Jane Doe, a fellow.</p>"))
    page = json.loads(cli("parse", "--json", url, **ALLOW_LOCAL).stdout)
    assert (page["title"], page["date_text"], page["location"]) == (
        shown, "2031-07-10T14:00:00-04:00", "Main Hall")


def test_the_same_event_given_twice_is_one_event(cli, server):  # noqa: F811
    url = server.add("/twice", ld_page("Forum", [LISTED[0], LISTED[0]], "<p>Jane Doe speaks.</p>"))
    out = cli("import", url, "--guild", "7", **ALLOW_LOCAL).stdout
    assert out.startswith("created event 1 'arctic-security-forum'")


@pytest.mark.parametrize("again", [
    {"startDate": "2031-06-04T14:00:00+00:00"},  # the same moment, in UTC
    {"startDate": "2031-06-04T10:00-04:00"},  # without its seconds
    {"name": "ARCTIC  SECURITY FORUM"},
])
def test_the_same_event_written_twice_otherwise_is_one_event(cli, server, again):  # noqa: F811
    """Two plugins (an SEO one and the events one) each give the page's Event in JSON-LD,
    writing its start or name their own way: the page was refused as a listing of two
    events."""
    url = server.add("/twice-" + "-".join(map(str, again.values())).replace(":", ""),
                     ld_page("Event", [LISTED[0], LISTED[0] | again], "<p>Jane Doe speaks.</p>"))
    out = cli("import", url, "--guild", "7", **ALLOW_LOCAL).stdout
    assert out.startswith("created event 1 'arctic-security-forum'")


def test_a_page_titled_by_its_section_takes_its_json_ld_event_s_name(cli, server):  # noqa: F811
    url = server.add("/e/123", ld_page("Event", LISTED[1], "<p>Speaker: Jane Doe, a fellow.</p>"))
    out = cli("import", url, "--guild", "7", **ALLOW_LOCAL).stdout
    assert out.startswith("created event 1 'nuclear-talks' (1 people")
