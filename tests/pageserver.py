"""A small web server on 127.0.0.x for the page-fetching tests, on its own thread.

It runs beside the code under test (in the test process, the CLI or the bot process
fetch from it), serves event pages and the hostile answers the fetcher must refuse, and
counts what it sent so a test can check that a body was not read to its end.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from pathlib import Path

from aiohttp import web

WEB_PAGES = Path(__file__).resolve().parent / "unit" / "web"
HUGE = 50_000_000  # bytes the "huge" answers would send


class PageServer:
    def __init__(self, host: str = "127.0.0.1", redirect_to: str | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.tls = tls  # serve https with this context
        self.redirect_to = redirect_to  # where /elsewhere redirects (another server's URL)
        self.port = 0
        self.sent = 0  # bytes of streamed bodies written so far
        self.pages: dict[str, tuple[bytes, str]] = {}  # path -> (body, content type)
        self.raw: dict[str, bytes] = {}  # path -> the whole answer, sent as is, then hang up
        self.pieces: dict[str, list[bytes]] = {}  # path -> an answer sent piece by piece
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}{path}"

    def add(self, path: str, body: bytes | str, content_type: str = "text/html") -> str:
        self.pages[path] = (body.encode() if isinstance(body, str) else body, content_type)
        return self.url(path)

    def add_raw(self, path: str, answer: bytes) -> str:
        """An answer no web server would send (a broken status line, a bad header, a body
        cut short): these bytes, then the connection closed."""
        self.raw[path] = answer
        return self.url(path)

    def add_pieces(self, path: str, pieces: list[bytes]) -> str:
        """An answer written a piece at a time, a pause between pieces (each arrives on
        its own), then the connection closed."""
        self.pieces[path] = pieces
        return self.url(path)

    def __enter__(self) -> PageServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/huge", self._huge)
        app.router.add_get("/huge-declared", self._huge_declared)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/late/{seconds}/{path:.*}", self._late)
        app.router.add_get("/loop/{n}", self._loop_redirect)
        app.router.add_get("/elsewhere", self._elsewhere)
        app.router.add_get("/{path:.*}", self._page)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5,
                                      handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0, ssl_context=self.tls)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _page(self, request: web.Request) -> web.StreamResponse:
        if request.path in self.raw and request.transport is not None:
            request.transport.write(self.raw[request.path])
            request.transport.close()
            return web.StreamResponse()  # never sent: the connection is closed
        if request.path in self.pieces and request.transport is not None:
            for piece in self.pieces[request.path]:
                request.transport.write(piece)
                await asyncio.sleep(0.05)
            request.transport.close()
            return web.StreamResponse()  # never sent: the connection is closed
        found = self.pages.get(request.path)
        if found is None:
            return web.Response(status=404, text="no such page")
        body, content_type = found
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        """50 MB of HTML, streamed without a Content-Length."""
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        chunk = b"<p>" + b"x" * 65_530 + b"</p>"
        try:
            while self.sent < HUGE:
                await response.write(chunk)
                self.sent += len(chunk)
        except (ConnectionError, RuntimeError):
            pass  # the client hung up, as it should
        return response

    async def _huge_declared(self, request: web.Request) -> web.StreamResponse:
        """A Content-Length of 50 MB; the body is never sent."""
        response = web.StreamResponse(headers={"Content-Type": "text/html",
                                               "Content-Length": str(HUGE)})
        await response.prepare(request)
        await asyncio.sleep(30)
        return response

    async def _late(self, request: web.Request) -> web.Response:
        """A page of this server, sent after the given seconds."""
        await asyncio.sleep(float(request.match_info["seconds"]))
        found = self.pages.get("/" + request.match_info["path"])
        if found is None:
            return web.Response(status=404, text="no such page")
        return web.Response(body=found[0], headers={"Content-Type": found[1]})

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(20)
        return web.Response(text="<p>too late</p>", content_type="text/html")

    async def _loop_redirect(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        raise web.HTTPFound(f"/loop/{n + 1}")

    async def _elsewhere(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(self.redirect_to)
