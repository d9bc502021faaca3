"""HTTP plumbing of the local Discord: the /api/v10 middleware (recording, auth, faults,
rate limits, upload sizes), the route table, request bodies, lookups and Discord's JSON
errors."""

from __future__ import annotations

import asyncio
import json
import re
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from sandbox import limits
from sandbox.interactions import _Interaction
from sandbox.models import VIEW_CHANNEL, Channel, Guild, Member, Recorded
from sandbox.sparse import thinned

API_PREFIX = "/api/v10"
AUTOMOD_BLOCKED = 200000  # Discord's JSON error code: "Message was blocked by automatic moderation"

# Request storage: the parsed JSON (or payload_json) body and the uploaded files by index.
BODY = web.RequestKey("body", Any)
FILES = web.RequestKey("files", dict)

_as_text = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_escaped = json.JSONEncoder(separators=(",", ":")).encode
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _dumps(data: Any) -> str:
    # A lone surrogate (a member's broken name) has no UTF-8: JSON carries it escaped.
    text = _as_text(data)
    return _escaped(data) if not text.isascii() and _LONE_SURROGATE.search(text) else text


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py does not parse "application/json; charset=...".
    return web.Response(
        body=_dumps(data).encode(), status=status, headers=headers, content_type="application/json"
    )


def edge_ban(retry_after: float) -> web.Response:
    """Discord's edge (Cloudflare) answering an address it restricted: 429 with an HTML
    page, ``Retry-After`` and none of Discord's ``Via`` header or JSON body (discord.py
    raises it at once instead of waiting it out)."""
    return web.Response(status=429, content_type="text/html",
                        text="<html><body>Error 1015: You are being rate limited"
                        "</body></html>", headers={"Retry-After": str(max(1, round(retry_after)))})


class _RateLimited(Exception):
    """A full bucket: answered with Discord's 429 body (and the bucket's headers)."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.body = body


class ApiError(Exception):
    """Raised by a route handler; turned into Discord's JSON error body."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}" + (f" {errors}" if errors else ""))
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def response(self) -> web.Response:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return _json(body, self.status)


class HttpPlumbing:
    """The aiohttp side: middleware, routes, bodies and the lookups route handlers share."""

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            try:
                return await handler(request)  # gateway and attachment downloads
            except web.HTTPNotFound:
                return _json({"message": "404: Not Found", "code": 0}, 404)
        path = request.path[len(API_PREFIX) :]
        resource = request.match_info.route.resource
        route = None if resource is None else resource.canonical[len(API_PREFIX) :]
        try:
            body, files = await self._read_body(request)
        except ValueError:
            return ApiError(400, 50109, "The request body contains invalid JSON.").response()
        latency = self.latency
        if latency is not None:  # on its way here (FakeDiscord.set_latency)
            await asyncio.sleep(latency.way())
        record = Recorded(
            request.method, path, dict(request.query), body, list(files.values()), route
        )
        if self.record_requests or route is None:
            self.requests.append(record)
        request[BODY], request[FILES] = body, files
        fault = self._injected_fault(request.method, path, body) if self._faults else None
        response = (None if fault is None or fault.carried_out
                    else self._fault_response(fault, request))
        invalid, address = self.invalid_requests, request.remote or ""
        if invalid is not None and (left := invalid.restricted(address)) is not None:
            response = edge_ban(left)  # (answered by the edge: neither counted nor done)
            invalid = None
        if response is None:
            rate_headers: Mapping[str, str] = {}
            try:
                if route is None:
                    raise ApiError(404, 0, "404: Not Found")
                if not route.startswith(("/interactions/", "/webhooks/")) and (
                    request.headers.get("Authorization") != f"Bot {self.token}"
                ):
                    raise ApiError(401, 0, "401: Unauthorized")
                if self.rate_limiter is not None:
                    verdict = self.rate_limiter.check(
                        request.method, route, dict(request.match_info)
                    )
                    rate_headers = verdict.headers
                    if verdict.retry_after is not None:
                        raise _RateLimited(verdict.body())
                if self.enforce_limits and limits.files_too_large(
                    list(files.values()), self.attachment_size_limit
                ):
                    raise ApiError(413, 40005, "Request entity too large")
                response = await handler(request)
                if fault is not None:  # done, and answered with an error (FakeDiscord.fail)
                    response = self._fault_response(fault, request)
                if self._holds and (held := self._held_for(request.method, path)):
                    await asyncio.sleep(held)  # done, and answered late (FakeDiscord.hold)
            except _RateLimited as exc:
                response = _json(exc.body, 429)
            except ApiError as exc:
                response = exc.response()
            except Exception as exc:  # a bug here: say so, and fail fast (discord.py retries 5xx)
                self.server_errors.append(traceback.format_exc())
                response = _json({"message": f"FakeDiscord error: {exc!r}", "code": 0}, 400)
            response.headers.update(rate_headers)
        record.status = response.status
        if invalid is not None:
            invalid.answered(address, response.status, response.headers.get("X-RateLimit-Scope"))
        if latency is not None:  # the answer's way back
            await asyncio.sleep(latency.answer_way())
        if ((self.omitted_fields or self.nulled_fields) and response.status < 300
                and isinstance(response, web.Response) and response.body
                and response.content_type == "application/json"):
            response.body = _dumps(thinned(json.loads(response.body), self.omitted_fields,
                                           self.nulled_fields)).encode()
        return response

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, dict[int, tuple[str, bytes]]]:
        files: dict[int, tuple[str, bytes]] = {}
        if not request.body_exists:
            return None, files
        if request.content_type.startswith("multipart/"):
            payload = None
            async for part in await request.multipart():
                name = part.name or ""  # type: ignore[union-attr]
                if name == "payload_json":
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                elif name.startswith("files["):
                    files[int(name[6:-1])] = (part.filename or name, bytes(await part.read()))  # type: ignore[union-attr]
            return payload, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), files

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        a = API_PREFIX
        routes: list[tuple[str, str, Callable[[web.Request], Any]]] = [
            ("GET", "/users/@me", self._get_me),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway),
            ("GET", "/applications/{app_id}/commands", self._get_commands),
            ("PUT", "/applications/{app_id}/commands", self._put_commands),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback),
            ("POST", "/webhooks/{app_id}/{token}", self._followup),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message),
            ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message),
            ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("GET", "/channels/{channel_id}/messages", self._history),
            ("POST", "/channels/{channel_id}/messages", self._send_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._channel_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._channel_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._channel_message),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self._get_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member),
            ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self._member_role),
            ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self._member_role),
            ("GET", "/guilds/{guild_id}/scheduled-events", self._list_events),
            ("POST", "/guilds/{guild_id}/scheduled-events", self._create_event),
            ("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", self._event),
            ("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", self._event),
            ("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", self._event),
        ]
        for method, path, handler in routes:
            router.add_route(method, a + path, handler)
        router.add_get("/", self._gateway)
        router.add_get("/attachments/{attachment_id}/{filename}", self._download)

    # ------------------------------------------------------------------ REST: lookups

    @staticmethod
    def _param(request: web.Request, name: str, code: int, what: str) -> int:
        try:
            return int(request.match_info[name])
        except ValueError:
            raise ApiError(404, code, f"Unknown {what}") from None

    def _guild(self, request: web.Request) -> Guild:
        guild_id = self._param(request, "guild_id", 10004, "Guild")
        guild = self.guilds.get(guild_id)
        if guild is None:
            if any(c.guild is not None and c.guild.id == guild_id
                   for c in self._channels.values()):
                raise ApiError(403, 50001, "Missing Access")  # a server the bot is not in
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    def _channel(self, request: web.Request) -> Channel:
        """The channel of the request, if the bot may see it: one of a server the bot is
        not in (removed from it), or one a permission overwrite hides from it, answers
        403 50001 Missing Access, as on Discord."""
        channel = self._channels.get(self._param(request, "channel_id", 10003, "Channel"))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        guild = channel.guild
        if guild is not None and (
                self.guilds.get(guild.id) is not guild
                or not self.permissions(guild.members[self.bot_user.id], channel)
                & VIEW_CHANNEL):
            raise ApiError(403, 50001, "Missing Access")
        return channel

    def _member(self, guild: Guild, request: web.Request) -> Member:
        member = guild.members.get(self._param(request, "user_id", 10007, "Member"))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return member

    def _interaction(self, request: web.Request) -> _Interaction:
        """The interaction behind a follow-up webhook; its token works for ``token_lifetime``."""
        if request.match_info["app_id"] != str(self.app_id):
            raise ApiError(404, 10015, "Unknown Webhook")
        st = self._interactions.get(request.match_info["token"])
        if st is not None and time.monotonic() - st.created > self.token_lifetime:
            self._forget(st)
            st = None
        if st is None:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        if st.response_type is None:
            raise ApiError(404, 10015, "Unknown Webhook")
        return st

    def _check_limits(self, errors: dict[str, Any]) -> None:
        """Refuse a body over Discord's limits, naming each offending field as Discord does."""
        if errors and self.enforce_limits:
            raise ApiError(400, 50035, "Invalid Form Body", errors)

    def _check_automod(self, guild: Guild | None, message: Any) -> None:
        """Refuse a message that `guild`'s AutoMod keyword rule blocks (FakeDiscord.automod),
        with Discord's status, code and message."""
        words = self._automod.get(guild.id) if guild is not None else None
        if words and isinstance(message, dict):
            said = " ".join(limits.message_texts(message)).casefold()
            if any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", said) for word in words):
                raise ApiError(400, AUTOMOD_BLOCKED, "Message was blocked by automatic moderation")

    def _check_not_empty(self, message: Any, files: int = 0) -> None:
        """Refuse a message with nothing to show: a create, or what an edit would leave
        (see :func:`limits.edited`)."""
        if self.enforce_limits and limits.is_empty(message, files):
            raise ApiError(400, 50006, "Cannot send an empty message")
