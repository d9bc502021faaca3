"""Fetching an event page from a URL, within limits that make any URL safe to try.

A moderator's URL is fetched by the bot's own machine, so it must not reach what only
that machine can reach (its loopback, the private network, cloud metadata at
169.254.169.254). Rules, each refusal a `FetchError` of one line:
- http or https only, without a user name or password in the URL;
- every address is checked, on every hop: a host name is resolved by the connector's
  own resolver (`_CheckedResolver`), which refuses the host if any of its addresses is
  loopback, private, link-local, multicast, unspecified or reserved (anything not
  `is_global`), unless it is in `FETCH_ALLOWED_NETWORKS`; the connector then connects
  only to the addresses checked, so a name that resolves differently a second time (DNS
  rebinding) gains nothing. An address written in the URL is checked the same way;
- redirects are followed here, at most 5, each new URL checked as the first; a page's
  <meta http-equiv="refresh"> (or its HTTP Refresh header) to another address within 10
  seconds (a moved page's) is one of them, as a browser follows it;
- a site's bot check (HTTP 403, 429 or 503 with a challenge page) or its HTTP 429 says
  what the moderator can do: import the page's text, or try again when Retry-After says;
- the whole fetch takes at most `FETCH_TIMEOUT` seconds (10 by default);
- the body is at most 2 MB: a larger Content-Length is refused before reading, and a
  streamed body is refused as soon as it passes 2 MB (after decompression);
- a gzip or deflate body must end as its format ends: one cut short (a dropped connection
  that had no Content-Length) is refused as incomplete, not imported as half a page;
- only text/html (or XHTML) and text/plain; the charset comes from the Content-Type header, else
  from the page's <meta> (`bot.webpage.decode_html`), else the page must be UTF-8. An
  unknown charset is refused; bytes invalid in a known one become U+FFFD, as in a browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import ipaddress
import math
import re
import socket
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.characters import without_invisible
from bot.config import FETCH_TIMEOUT, Network, Settings
from bot.errors import InvalidValue
from bot.i18n import N_, Text
from bot.offload import off_loop, off_loop_waiting
from bot.webpage import BOT_CHECK, meta_refresh, refresh_address

MAX_FETCH_BYTES = 2_000_000
MAX_REDIRECTS = 5
MAX_URL_LENGTH = 2000
MAX_REASON = 60  # characters of a server's reason phrase quoted in a refusal
CONTENT_TYPES = ("text/html", "text/plain")
# XHTML served as XML (older Drupal and CMS themes) is a web page all the same
_HTML_TYPES = ("application/xhtml+xml",)
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "eventbot (imports one event page at a moderator's request)"


class FetchError(InvalidValue):
    """A URL that was not fetched; the message is one line saying why."""


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    timeout: float = FETCH_TIMEOUT
    allowed_networks: tuple[Network, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(settings.fetch_timeout, settings.fetch_allowed_networks)

    def check_address(self, host: str, address: str) -> None:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # no IPv6 zone
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if any(ip in network for network in self.allowed_networks):
            return
        if not all(a.is_global and not a.is_multicast for a in (ip, *_embedded_ipv4(ip))):
            where = host if host == str(ip) else f"{host} ({ip})"
            raise FetchError(N_("{where} is not a public internet address, so I won't fetch "
                                "pages from it."), where=where)


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address
                   ) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (6to4, Teredo, NAT64, "::a.b.c.d"),
    which Python counts as global whatever they embed (2002:7f00:1:: is 127.0.0.1)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = [ip.sixtofour] if ip.sixtofour else []
    found += list(ip.teredo or ())
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # as asked for: the page is remembered by it
    final_url: str  # after redirects
    content_type: str  # "text/html" or "text/plain"
    charset: str | None  # from the Content-Type header
    body: bytes


def typed_url(value: str) -> str:
    """An address as typed or pasted, without the space around it and the angle brackets
    of a link as Discord keeps it from unfurling ("<https://…>"), nor the invisible
    characters around it that a copy from a web page or a chat carries (a zero-width space,
    a direction mark: `without_invisible`). One inside it stays: no address is that."""
    text = _trimmed(value)
    if text.startswith("<") and text.endswith(">"):
        text = _trimmed(text[1:-1])
    return text


def _trimmed(text: str) -> str:
    """`text` without the spaces and invisible characters at its ends."""
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or not without_invisible(text[start])):
        start += 1
    while end > start and (text[end - 1].isspace() or not without_invisible(text[end - 1])):
        end -= 1
    return text[start:end]


def check_url(url: str | URL) -> URL:
    """A URL the bot may try to fetch, or FetchError saying what is wrong with it."""
    text = typed_url(str(url))
    if len(text) > MAX_URL_LENGTH:
        raise FetchError(N_("The URL is longer than {most:,} characters."), most=MAX_URL_LENGTH)
    try:
        parsed = URL(text)
    except ValueError:
        raise FetchError(N_("That is not a URL I can read.")) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(N_("Give the page's web address starting with http:// or https://."))
    try:  # what resolving it would do: a name part empty or over 63 characters
        (parsed.raw_host or "").encode("idna")
    except UnicodeError:
        raise FetchError(N_("That is not a URL I can read.")) from None
    if parsed.user is not None or parsed.password is not None:
        raise FetchError(N_("The URL has a user name or password in it; give a public page's "
                            "address instead."))
    if len(str(parsed)) > MAX_URL_LENGTH:  # as sent and kept: "北" is written "%E5%8C%97"
        raise FetchError(N_("The URL is longer than {most:,} characters once its letters "
                            "outside English are written out for the web; give a shorter "
                            "address for the page."), most=MAX_URL_LENGTH)
    return parsed.with_fragment(None)


class _PageHostResolver(AbstractResolver):
    """aiohttp's threaded resolver, on threads of its own (`off_loop_waiting`): a name whose
    name servers never answer holds its thread long after the fetch was refused as late,
    and must not hold those discord.py looks up Discord's hosts on."""

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        infos = await off_loop_waiting(socket.getaddrinfo, host, port, family,
                                       socket.SOCK_STREAM, 0, socket.AI_ADDRCONFIG)
        found: list[ResolveResult] = []
        for kind, _, proto, _, address in infos:
            if kind == socket.AF_INET6:
                if len(address) < 3:  # IPv6 not supported by this Python
                    continue
                if address[3]:  # a link-local address's zone, written out (no lookup)
                    numeric = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV
                    shown, _port = socket.getnameinfo(address[:4], numeric)
                    found.append(ResolveResult(hostname=host, host=shown, port=int(_port),
                                               family=kind, proto=proto,
                                               flags=socket.AI_NUMERICHOST
                                               | socket.AI_NUMERICSERV))
                    continue
            found.append(ResolveResult(hostname=host, host=str(address[0]), port=int(address[1]),
                                       family=kind, proto=proto,
                                       flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV))
        if not found:
            raise OSError(None, "DNS lookup failed")
        return found

    async def close(self) -> None:
        pass


class _CheckedResolver(AbstractResolver):
    """Resolves like the default resolver, and refuses a host with any non-public address."""

    def __init__(self, policy: FetchPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner or _PageHostResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            self._policy.check_address(host, result["host"])
        return results

    async def close(self) -> None:
        await self._inner.close()


async def fetch_page(url: str, policy: FetchPolicy,
                     resolver: AbstractResolver | None = None) -> Fetched:
    """GET the page at `url` within the rules above; FetchError for every refusal."""
    target = check_url(url)
    connector = aiohttp.TCPConnector(resolver=_CheckedResolver(policy, resolver),
                                     use_dns_cache=False, force_close=True)
    session = aiohttp.ClientSession(
        connector=connector, trust_env=False,  # no proxy from the environment
        timeout=aiohttp.ClientTimeout(total=policy.timeout),
        auto_decompress=False,  # `_body`: aiohttp takes a gzip body cut short as whole
        headers={"User-Agent": USER_AGENT,
                 "Accept": "text/html, application/xhtml+xml, text/plain;q=0.9",
                 "Accept-Encoding": "gzip, deflate"})
    try:
        async with session, asyncio.timeout(policy.timeout):
            for _ in range(MAX_REDIRECTS + 1):
                _check_literal_host(target, policy)  # an address in the URL skips DNS
                async with session.get(target, allow_redirects=False) as response:
                    if response.status in REDIRECTS:
                        target = _redirect_target(response)
                        continue
                    fetched = await _read(url, target, response)
                    header = response.headers.get("Refresh", "")
                moved = _moved_to(_header_refresh(header), target) or await _refreshed_to(
                    fetched, target)
                if moved is None:
                    return fetched
                target = moved  # a moved page's refresh: a redirect, as a browser has it
            raise FetchError(N_("The page redirects more than {most} times."), most=MAX_REDIRECTS)
    except TimeoutError:
        raise FetchError(N_("The page did not arrive within {seconds} seconds."),
                         seconds=f"{policy.timeout:g}") from None
    except aiohttp.ClientError as exc:
        raise FetchError(N_("I couldn't fetch the page ({reason})."),
                         reason=failure_reason(exc)) from None


def _check_literal_host(url: URL, policy: FetchPolicy) -> None:
    try:
        ipaddress.ip_address(url.host or "")
    except ValueError:
        return  # a name: the resolver checks what it resolves to
    policy.check_address(url.host or "", url.host or "")


def _redirect_target(response: aiohttp.ClientResponse) -> URL:
    location = response.headers.get("Location")
    if not location:
        raise FetchError(N_("The page answered HTTP {status} without saying where to."),
                         status=response.status)
    return _joined(response.url, location)


async def _refreshed_to(fetched: Fetched, target: URL) -> URL | None:
    """Where a web page's <meta> refresh moves it to: another http(s) address, else None
    (a refresh to itself, or to "javascript:", leaves the page as it is). Looked for off
    the event loop: a head of 256 KB of nothing but tags takes a quarter of a second to
    scan, at each of the redirects followed."""
    refresh = (await off_loop(meta_refresh, fetched.body, fetched.charset)
               if fetched.content_type == "text/html" else None)
    return _moved_to(refresh, target)


def _header_refresh(header: str) -> str | None:
    """Where an HTTP Refresh header ("0; url=/real", as PHP sites move a page) sends a
    browser, as a <meta> refresh does: the header's bytes, read as UTF-8."""
    address = refresh_address(header[:MAX_URL_LENGTH * 2].encode("utf-8", "surrogateescape"))
    return address.decode("utf-8", "replace") if address else None


def _moved_to(refresh: str | None, target: URL) -> URL | None:
    """A refresh's address from `target`: another http(s) address, else None."""
    try:
        moved = None if refresh is None else _joined(target, refresh)
    except FetchError:
        return None
    return None if moved == target else moved


def _joined(base: URL, location: str) -> URL:
    """Where a redirect's address leads from `base`, checked as the first URL."""
    try:
        return check_url(base.join(URL(location)))
    except ValueError:
        raise FetchError(N_("The page redirects to an address I can't read.")) from None


def _shown_reason(reason: str) -> str:
    """A server's reason phrase as the refusal quotes it: its words one space apart (no tab
    or control character), cut to MAX_REASON characters ("Network Authentication Required",
    the longest standard one, has 31): a server may send kilobytes there."""
    words = "".join(ch if ch.isprintable() else " " for ch in reason[:MAX_REASON * 2]).split()
    shown = " ".join(words)
    return shown if len(shown) <= MAX_REASON else shown[:MAX_REASON - 1].rstrip() + "…"


async def _read(url: str, target: URL, response: aiohttp.ClientResponse) -> Fetched:
    await _refuse_turned_away(response)
    if response.status != 200:
        reason = _shown_reason(response.reason or "")
        if reason:
            raise FetchError(N_("The page answered HTTP {status} {reason}."),
                             status=response.status, reason=reason)
        raise FetchError(N_("The page answered HTTP {status}."), status=response.status)
    # aiohttp calls an answer without a Content-Type application/octet-stream
    stated = response.headers.get("Content-Type", "").strip()
    content_type = response.content_type.lower() if stated else ""
    if content_type in _HTML_TYPES:
        content_type = "text/html"
    if content_type not in CONTENT_TYPES:
        if not content_type:
            raise FetchError(N_("The page is of no stated type, not a web page (text/html) or "
                                "text (text/plain)."))
        raise FetchError(N_("The page is {content_type}, not a web page (text/html) or text "
                            "(text/plain)."), content_type=content_type)
    mb = MAX_FETCH_BYTES // 1_000_000
    if response.content_length is not None and response.content_length > MAX_FETCH_BYTES:
        raise FetchError(N_("The page is too large ({size:,} bytes; the limit is {mb} MB)."),
                         size=response.content_length, mb=mb)
    chunks, size = [], 0
    async for chunk in _body(response, MAX_FETCH_BYTES + 1):
        size += len(chunk)
        if size > MAX_FETCH_BYTES:
            raise FetchError(N_("The page is too large (over {size:,} bytes; the limit is {mb} "
                                "MB)."), size=MAX_FETCH_BYTES, mb=mb)
        chunks.append(chunk)
    return Fetched(url, str(target), content_type, response.charset, b"".join(chunks))


# What a site's bot check (Cloudflare's, Incapsula's, a CAPTCHA) answers in place of the
# page, with HTTP 403, 429 or 503: words of its page, or Cloudflare's header.
_BOT_CHECK = re.compile(rb"just a moment\.\.\.|attention required!|checking your browser|"
                        rb"cf-browser-verification|/cdn-cgi/challenge-platform/|"
                        rb"_incapsula_resource|ddos protection by|captcha", re.I)
_BOT_CHECK_STATUSES = (403, 429, 503)
BOT_CHECK_BYTES = 64 * 1024  # of the error page read for those words
MAX_RETRY_AFTER = 24 * 3600


async def _refuse_turned_away(response: aiohttp.ClientResponse) -> None:
    """FetchError saying what to do when the site turned the bot away: a bot check, which
    only a browser passes (the moderator can import the page's text instead), or too many
    requests for now (HTTP 429: when to try again, from its Retry-After)."""
    challenged = response.headers.get("cf-mitigated", "").strip().lower() == "challenge"
    if response.status == 200:  # a challenge some sites serve as a page (its title: `webpage`)
        if challenged:
            raise FetchError(BOT_CHECK)
        return
    if response.status not in _BOT_CHECK_STATUSES:
        return
    if challenged or _BOT_CHECK.search(await _opening(response)):
        raise FetchError(N_("The site showed a check for robots instead of the page (HTTP "
                            "{status}), which only a browser can pass; open the page in your "
                            "browser, copy its text into a .txt file and import that file."),
                         status=response.status)
    if response.status == 429:
        seconds = retry_after_seconds(response.headers.get("Retry-After", ""))
        if seconds is None:
            raise FetchError(N_("The site is turning away requests for now (HTTP 429 Too Many "
                                "Requests); wait a few minutes and try again."))
        raise FetchError(N_("The site is turning away requests for now (HTTP 429 Too Many "
                            "Requests); wait {minutes} min and try again."),
                         minutes=max(1, -(-seconds // 60)))


async def _opening(response: aiohttp.ClientResponse) -> bytes:
    """The first BOT_CHECK_BYTES of an error page (less if it breaks off)."""
    data = b""
    with contextlib.suppress(aiohttp.ClientPayloadError):
        async for chunk in _body(response, BOT_CHECK_BYTES, whole=False):
            data += chunk
            if len(data) >= BOT_CHECK_BYTES:
                break
    return data


_GZIP = ("gzip", "x-gzip")


async def _body(response: aiohttp.ClientResponse, most: int, *,
                whole: bool = True) -> AsyncIterator[bytes]:
    """The body's bytes as sent, decompressed (gzip, deflate), at most `most` of them
    (a bomb is cut there, not inflated whole). Decompressed here, not by aiohttp, which
    takes a gzip stream that breaks off (a dropped close-delimited answer, a truncated
    cached copy) as the whole page: half its people would be saved as the event.
    ClientPayloadError for a compressed body that does not end as its format ends
    (unless `whole` is False: the opening of a page is all that is wanted)."""
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in (*_GZIP, "deflate"):  # identity; an unknown one is passed on as is
        if encoding in ("br", "zstd"):  # not asked for, and not read here
            raise aiohttp.ClientResponseError(response.request_info, response.history,
                                              status=response.status,
                                              message=f"{encoding} not asked for")
        async for chunk in response.content.iter_chunked(64 * 1024):
            yield chunk
        return
    inflater: zlib._Decompress | None = None
    given, opening = 0, b""
    async for chunk in response.content.iter_chunked(64 * 1024):
        if inflater is None and len(opening + chunk) < 2:  # deflate's wrapper is told
            opening += chunk  # by two bytes, which may come one at a time
            continue
        chunk, opening = opening + chunk, b""
        while chunk:
            if inflater is None:
                inflater = zlib.decompressobj(_wbits(encoding, chunk))
            try:
                out = inflater.decompress(chunk, most - given)
            except zlib.error:
                raise aiohttp.ClientPayloadError("damaged compressed body") from None
            given += len(out)
            if out:
                yield out
            if given >= most:
                return
            # a gzip body may hold several members, one after the other
            chunk = inflater.unused_data if inflater.eof else b""
            if inflater.eof and chunk:
                inflater = None
    cut_short = opening or (inflater is not None and not inflater.eof)
    if whole and cut_short:  # (an empty body is not)
        raise aiohttp.ClientPayloadError("compressed body cut short")


def _wbits(encoding: str, opening: bytes) -> int:
    """zlib's window bits for a body's first bytes: gzip's header; for deflate the zlib
    wrapper HTTP names, or the raw stream some servers send under that name."""
    if encoding in _GZIP:
        return 16 + zlib.MAX_WBITS
    wrapped = len(opening) >= 2 and opening[0] & 0x0F == 8 and (
        (opening[0] << 8 | opening[1]) % 31 == 0)
    return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS


def retry_after_seconds(value: str) -> int | None:
    """Retry-After's seconds from now: a number of seconds, or an HTTP date (None: none
    readable, or past a day)."""
    value = value.strip()[:100]
    if value.isascii() and value.isdigit():
        seconds = int(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = math.ceil((when - datetime.now(UTC)).total_seconds())
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER else None


def failure_reason(exc: aiohttp.ClientError) -> Text:
    """Why a request failed, a phrase translated where it is shown: a page's fetch, or an
    upload's download from Discord's file host. One plain phrase per kind of failure: the
    server's own bytes and aiohttp's wording (several lines, with a caret) stay out."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return Text(N_("no such host"))
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return Text(N_("the server's certificate is not trusted"))
    if isinstance(exc, aiohttp.ClientSSLError):
        return Text(N_("a secure connection to the server could not be set up"))
    if isinstance(exc, aiohttp.ClientConnectorError):
        return Text(N_("the server did not accept the connection"))
    if isinstance(exc, aiohttp.InvalidURL):
        return Text(N_("the address is not valid"))
    if isinstance(exc, aiohttp.ClientResponseError):
        return Text(N_("the server's answer was malformed"))
    if isinstance(exc, aiohttp.ClientPayloadError):
        return Text(N_("the page arrived incomplete or damaged"))
    if isinstance(exc, aiohttp.ClientConnectionError):  # reset, or closed before answering
        return Text(N_("the connection was dropped"))
    return Text(N_("the connection failed"))
