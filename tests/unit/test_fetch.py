"""Fetching pages: the limits, each refusal one clear line, against a real local server."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import time
import zlib

import pytest
from aiohttp.abc import AbstractResolver

from bot.config import ConfigError, load_settings
from bot.fetch import MAX_FETCH_BYTES, FetchError, FetchPolicy, check_url, fetch_page
from bot.i18n import language
from tests.conftest import ROOT
from tests.pageserver import HUGE, WEB_PAGES, PageServer

LOCAL = FetchPolicy(timeout=5, allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
FORUM = (WEB_PAGES / "forum_cards.html").read_bytes()


@pytest.fixture(scope="module")
def server():
    with PageServer() as running:
        running.add("/event.html", FORUM)
        running.add("/plain.txt", "Plain Forum\n\nJane Doe is a fellow.", "text/plain")
        running.add("/latin1.html", "<p>Zoë Café</p>".encode("latin-1"),
                    "text/html; charset=iso-8859-1")
        running.add("/report.pdf", b"%PDF-1.7\n...", "application/pdf")
        running.add("/odd-charset.html", b"<p>Hi</p>", "text/html; charset=x-no-such-charset")
        yield running


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert message and "\n" not in message
    return message


async def test_fetches_an_allowed_local_page(server):
    fetched = await fetch_page(server.url("/event.html"), LOCAL)
    assert (fetched.body, fetched.content_type) == (FORUM, "text/html")
    assert fetched.url == server.url("/event.html")


async def test_the_charset_comes_from_the_header(server):
    fetched = await fetch_page(server.url("/latin1.html"), LOCAL)
    assert fetched.charset == "iso-8859-1"


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/event.html",
                                 "http://[::1]:{port}/event.html",
                                 "http://[::ffff:127.0.0.1]:{port}/event.html",
                                 "http://0.0.0.0:{port}/event.html",
                                 "http://169.254.169.254/latest/meta-data/",
                                 "http://localhost:{port}/event.html"])
async def test_non_public_addresses_are_refused_without_the_setting(server, url):
    with pytest.raises(FetchError) as error:
        await fetch_page(url.format(port=server.port), FetchPolicy(timeout=5))
    assert "not a public internet address" in one_line(error)


async def test_a_host_name_is_checked_by_what_it_resolves_to(server):
    # "localhost" goes through the resolver; allowed, it is fetched from the checked address.
    loopback = FetchPolicy(timeout=5, allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),
                                                        ipaddress.ip_network("::1/128")))
    fetched = await fetch_page(f"http://localhost:{server.port}/event.html", loopback)
    assert fetched.body == FORUM


class NameServer(AbstractResolver):
    """Answers every name with one address, as a hostile name server may."""

    def __init__(self, address: str) -> None:
        self.address = address

    async def resolve(self, host, port=0, family=socket.AF_INET):
        return [{"hostname": host, "host": self.address, "port": port,
                 "family": socket.AF_INET, "proto": 0, "flags": 0}]

    async def close(self) -> None:
        pass


async def test_a_public_name_that_resolves_to_a_private_address_is_refused(server):
    # The check runs on what the connector is about to connect to, not on an earlier
    # look-up, so a name that answers differently the second time (rebinding) gains nothing.
    with pytest.raises(FetchError) as error:
        await fetch_page(f"http://events.example:{server.port}/event.html", LOCAL,
                         resolver=NameServer("127.0.0.2"))
    assert "events.example (127.0.0.2) is not a public internet address" in one_line(error)
    fetched = await fetch_page(f"http://events.example:{server.port}/event.html", LOCAL,
                               resolver=NameServer("127.0.0.1"))  # allowed: connected to it
    assert fetched.body == FORUM


async def test_a_redirect_to_a_private_address_is_refused(server):
    with PageServer("127.0.0.2") as private:
        private.add("/secret.html", "<p>Internal Person is a fellow.</p>")
        server.redirect_to = private.url("/secret.html")
        with pytest.raises(FetchError) as error:
            await fetch_page(server.url("/elsewhere"), LOCAL)
        assert "127.0.0.2 is not a public internet address" in one_line(error)
        # ... while the same page is reachable where it is allowed: the refusal is the rule.
        both = FetchPolicy(timeout=5, allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),))
        assert b"Internal Person" in (await fetch_page(server.url("/elsewhere"), both)).body


async def test_a_redirect_to_a_host_no_resolver_takes_is_refused(server):
    server.redirect_to = "https://" + "a" * 70 + ".example.org/event"
    with pytest.raises(FetchError) as error:
        await fetch_page(server.url("/elsewhere"), LOCAL)
    assert "redirects to an address I can't read" in one_line(error)


async def test_too_many_redirects(server):
    with pytest.raises(FetchError) as error:
        await fetch_page(server.url("/loop/0"), LOCAL)
    assert "redirects more than 5 times" in one_line(error)


async def test_a_50_mb_body_is_refused_at_2_mb_without_reading_it_all(server):
    server.sent = 0
    with pytest.raises(FetchError) as error:
        await fetch_page(server.url("/huge"), LOCAL)
    assert "too large" in one_line(error) and "2 MB" in one_line(error)
    await asyncio.sleep(0.2)
    assert MAX_FETCH_BYTES < server.sent < HUGE // 4  # the rest was never sent (~6 MB was)


async def test_a_declared_length_over_2_mb_is_refused_before_reading(server):
    started = time.monotonic()
    with pytest.raises(FetchError) as error:
        await fetch_page(server.url("/huge-declared"), LOCAL)
    assert f"{HUGE:,} bytes" in one_line(error)
    assert time.monotonic() - started < 3  # it did not wait for the body


async def test_other_content_types_are_refused(server):
    with pytest.raises(FetchError) as error:
        await fetch_page(server.url("/report.pdf"), LOCAL)
    assert "application/pdf, not a web page" in one_line(error)


async def test_a_slow_page_is_cut_off_at_the_timeout(server):
    started = time.monotonic()
    with pytest.raises(FetchError) as error:
        await fetch_page(server.url("/slow"), FetchPolicy(1, LOCAL.allowed_networks))
    assert "did not arrive within 1 seconds" in one_line(error)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1", "::1", "::", "fe80::1%eth0",
    "fc00::1", "ff02::1", "2001:db8::1", "::ffff:10.0.0.1", "2002:7f00:1::1",
    "2001:0:4136:e378:8000:63bf:80ff:fffe", "64:ff9b::7f00:1", "::127.0.0.1"])
def test_every_non_public_range_is_refused(address):
    with pytest.raises(FetchError, match="not a public internet address"):
        FetchPolicy().check_address("h", address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946",
                                     "2002:5db8:d822::1", "64:ff9b::5db8:d822"])
def test_public_addresses_pass(address):
    FetchPolicy().check_address("h", address)


@pytest.mark.parametrize(("name", "value"), [("FETCH_TIMEOUT", "0"), ("FETCH_TIMEOUT", "ten"),
                                             ("FETCH_TIMEOUT", "nan"),
                                             ("FETCH_ALLOWED_NETWORKS", "10.0.0.0/8, intranet")])
def test_bad_fetch_settings_name_their_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({"EVENTS_DIR": str(ROOT / "data" / "events"), name: value}, env_file=None)


def test_the_default_timeout_is_10_seconds():
    settings = load_settings({"EVENTS_DIR": str(ROOT / "data" / "events")}, env_file=None)
    assert FetchPolicy.from_settings(settings) == FetchPolicy(10.0, ())


async def test_a_servers_long_or_odd_reason_phrase_is_cut_to_a_short_line(server):
    """The refusal quotes the server's reason phrase ("HTTP 404 Not Found"): one of 4,000
    characters filled the moderator's reply up to Discord's 2,000."""
    for path, reason in (("/long-reason", b"Not Found " * 400),
                         ("/odd-reason", b"Gone\tfor\x0bgood")):
        server.add_raw(path, b"HTTP/1.1 404 %s\r\nContent-Length: 0\r\n\r\n" % reason)
        with pytest.raises(FetchError) as error:
            await fetch_page(server.url(path), LOCAL)
        said = one_line(error)
        assert said.startswith("The page answered HTTP 404 "), said
        assert len(said) < 120 and "\t" not in said and "\x0b" not in said, said


def compressed_answer(encoding: bytes, body: bytes) -> bytes:
    """An answer of a compressed page without a Content-Length: it ends where the server
    closes the connection, as a dynamic page's often does."""
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Encoding: %s\r\nConnection: close\r\n\r\n%s" % (encoding, body))


@pytest.mark.parametrize(("encoding", "compress"), [(b"gzip", gzip.compress),
                                                    (b"deflate", zlib.compress)])
async def test_a_compressed_page_cut_short_is_refused_not_read_as_whole(
        server, encoding, compress):
    """A gzip page whose connection dropped halfway looks ended to aiohttp: half the
    speakers were imported as the whole event. Its compressed stream has an end (and
    gzip a checksum) that says it is incomplete."""
    html = b"<h1>Forum</h1>" + b"".join(b"<p>Speaker %d is a fellow.</p>" % n
                                        for n in range(2000))
    whole = compress(html)
    server.add_raw(f"/whole-{encoding.decode()}", compressed_answer(encoding, whole))
    fetched = await fetch_page(server.url(f"/whole-{encoding.decode()}"), LOCAL)
    assert fetched.body == html
    for cut in (len(whole) // 2, len(whole) - 4):  # halfway; only the checksum missing
        server.add_raw(f"/cut-{cut}", compressed_answer(encoding, whole[:cut]))
        with pytest.raises(FetchError) as error:
            await fetch_page(server.url(f"/cut-{cut}"), LOCAL)
        assert "arrived incomplete or damaged" in one_line(error)


async def test_a_deflate_page_whose_first_byte_comes_alone_is_read(server):
    """Whether a deflate body has zlib's wrapper is told by its first two bytes: the first
    arriving alone must not make the wrapped stream read as a raw one (and refused)."""
    html = b"<h1>Forum</h1><p>Jane Doe is a fellow.</p>"
    body = zlib.compress(html)
    answer = compressed_answer(b"deflate", b"")
    server.add_pieces("/trickled", [answer, body[:1], body[1:]])
    assert (await fetch_page(server.url("/trickled"), LOCAL)).body == html


async def test_a_compressed_bot_check_is_still_recognised(server):
    page = b"<html><head><title>Just a moment...</title></head><body></body></html>"
    server.add_raw("/checked", compressed_answer(b"gzip", gzip.compress(page)).replace(
        b"200 OK", b"503 Service Unavailable"))
    with pytest.raises(FetchError) as error:
        await fetch_page(server.url("/checked"), LOCAL)
    assert "a check for robots instead of the page (HTTP 503)" in one_line(error)


async def test_a_gzip_bomb_is_cut_at_2_mb(server):
    server.add_raw("/bomb", compressed_answer(b"gzip", gzip.compress(b" " * 200_000_000)))
    with pytest.raises(FetchError) as error:
        await fetch_page(server.url("/bomb"), LOCAL)
    assert "too large" in one_line(error) and "2 MB" in one_line(error)


async def test_http_errors_and_unreachable_servers(server):
    with pytest.raises(FetchError) as error:
        await fetch_page(server.url("/missing.html"), LOCAL)
    assert "HTTP 404" in one_line(error)
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(FetchError) as error:
        await fetch_page(f"http://127.0.0.1:{port}/", LOCAL)
    assert "did not accept the connection" in one_line(error)


@pytest.mark.parametrize(("url", "words"), [
    ("ftp://example.org/page.html", "http:// or https://"),
    ("file:///etc/passwd", "http:// or https://"),
    ("https://user:secret@example.org/", "user name or password"),
    ("example.org/page", "http:// or https://"),
    ("https://" + "a" * 3000 + ".org/", "longer than"),
    ("https://example.org/" + "北" * 700, "once its letters outside English"),
    ("https://" + "a" * 64 + ".example.org/event", "not a URL I can read"),
    ("http://events..example.org/", "not a URL I can read"),
])
def test_urls_that_are_refused_before_any_request(url, words):
    with pytest.raises(FetchError) as error:
        check_url(url)
    assert words in one_line(error)


@pytest.mark.parametrize(("url", "simplified"), [
    ("ftp://example.com/talk", "请提供以 http:// 或 https:// 开头的页面网址。"),
    ("https://user:secret@example.com/", "该网址包含用户名或密码；请改为提供公开页面的网址。"),
    ("https://example.com/" + "a" * 3000, "网址超过 2,000 个字符。"),
])
def test_a_refused_url_is_a_marked_sentence_translated_where_shown(url, simplified):
    with pytest.raises(FetchError) as refused:
        check_url(url)
    assert language("zh-CN").text(refused.value.text) == simplified
    assert language("en-GB").text(refused.value.text) == str(refused.value)


async def test_a_pages_meta_refresh_is_looked_for_off_the_event_loop(server, monkeypatch):
    """A head of 256 KB of nothing but tags takes a quarter of a second to scan for its
    <meta> refresh, at each redirect followed: the scan runs on a worker thread, not on the
    event loop, which answers every other member meanwhile."""
    import threading

    import bot.fetch
    scanned_on = []
    real = bot.fetch.meta_refresh

    def recorded(body: bytes, declared: str | None = None) -> str | None:
        scanned_on.append(threading.current_thread())
        return real(body, declared)

    monkeypatch.setattr(bot.fetch, "meta_refresh", recorded)
    server.add("/moved-here.html", b'<html><head><meta http-equiv="refresh" '
               b'content="0; url=/event.html"></head></html>')
    fetched = await fetch_page(server.url("/moved-here.html"), LOCAL)
    assert fetched.body == FORUM and str(fetched.final_url) == server.url("/event.html")
    assert len(scanned_on) == 2  # the moved page's, then the page it moved to
    assert threading.main_thread() not in scanned_on


async def test_a_moved_pages_refresh_header_is_followed_as_its_meta_refresh_is(server):
    """A moved page may say where to in its Refresh header ("Refresh: 0; url=/new", as PHP
    sites send it) rather than in a <meta>: a browser goes there, and the import read the
    empty page it left, refused as having no text."""
    for path, refresh in (("/moved-by-header", b"0; url=/event.html"),
                          ("/moved-by-header-late", b"2;URL='/event.html'")):
        server.add_raw(path, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nRefresh: %s\r\n"
                             b"Content-Length: 0\r\n\r\n" % refresh)
        fetched = await fetch_page(server.url(path), LOCAL)
        assert fetched.body == FORUM and fetched.final_url == server.url("/event.html")
    server.add_raw("/reloads", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nRefresh: 300"
                               b"\r\nContent-Length: 9\r\n\r\n<p>Hi</p>")  # news reloading
    assert (await fetch_page(server.url("/reloads"), LOCAL)).body == b"<p>Hi</p>"


async def test_page_hosts_whose_lookups_hang_leave_the_bots_own_lookups_free(monkeypatch):
    """A host name whose name servers never answer holds the thread that looks it up until
    the system's resolver gives up, long after the fetch was refused as late. Page hosts
    were looked up on the event loop's default executor, which also looks up Discord's own
    hosts (discord.py's connections, its gateway's on a reconnect): a moderator importing a
    few such URLs left the bot unable to reach Discord until those lookups ended. They
    now wait among themselves, and the bot's own lookups go through at once."""
    import threading

    released = threading.Event()
    hanging = threading.Semaphore(0)
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".stalled.example"):
            hanging.release()
            released.wait(60)  # a name server that never answers
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    loop = asyncio.get_running_loop()
    try:
        # more lookups than the default executor ever has threads (32 at most)
        fetches = [fetch_page(f"http://event{n}.stalled.example/talk", FetchPolicy(0.5))
                   for n in range(40)]
        for refused in await asyncio.gather(*fetches, return_exceptions=True):
            assert isinstance(refused, FetchError), refused
            assert "did not arrive within 0.5 seconds" in str(refused)
        assert hanging.acquire(timeout=10)  # lookups are still hanging
        # a lookup such as discord.py makes for discord.com, through the default executor
        found = await asyncio.wait_for(loop.getaddrinfo("localhost", 443), timeout=20)
        assert found
    finally:
        released.set()
