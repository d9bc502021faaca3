"""`python -m bot import URL` with pages as real organisers' sites serve them: moved pages,
bot checks, pages built by JavaScript, calendars and listings. Each ends in an event or one
line saying what is wrong and what to do, with nothing written."""

from __future__ import annotations

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
