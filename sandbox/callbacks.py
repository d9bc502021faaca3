"""REST routes of application commands and interactions: command sync, the interaction
callback, follow-ups and the interaction webhook's messages."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from sandbox import limits
from sandbox.interactions import _VALID_CALLBACKS
from sandbox.models import EPHEMERAL, LOADING
from sandbox.plumbing import BODY, FILES, ApiError, _json


class InteractionRoutes:
    """Command sync and the answers to interactions (the deadline, one acknowledgement,
    deferrals)."""

    def _scope(self, request: web.Request) -> int | None:
        if request.match_info["app_id"] != str(self.app_id):
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" not in request.match_info:
            return None
        guild_id = self._param(request, "guild_id", 50001, "Guild")
        if guild_id not in self.guilds:  # Discord's answer for a server the app is not in
            raise ApiError(403, 50001, "Missing Access")
        return guild_id

    async def _get_commands(self, request: web.Request) -> web.Response:
        return _json(self._commands.get(self._scope(request), []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        self._check_limits(limits.commands_errors(request[BODY] or []))
        synced = []
        for cmd in request[BODY] or []:
            key = (scope, cmd.get("type", 1), cmd["name"])
            cid = self._command_ids.setdefault(key, self._snowflake())  # stable across syncs
            synced.append(
                {
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    **cmd,
                    "id": str(cid),
                    "application_id": str(self.app_id),
                    "type": cmd.get("type", 1),
                    "version": str(self._snowflake()),
                    **({"guild_id": str(scope)} if scope is not None else {}),
                }
            )
        self._commands[scope] = synced
        self._sync_counts[scope] = self._sync_counts.get(scope, 0) + 1
        return _json(synced)

    # ------------------------------------------------------------------ REST: interactions

    async def _callback(self, request: web.Request) -> web.Response:
        st = self._interactions.get(request.match_info["token"])
        if st is None or request.match_info["interaction_id"] != str(st.id) or st.expired:
            raise ApiError(404, 10062, "Unknown interaction")
        if st.response_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if (
            self.response_deadline is not None
            and time.monotonic() - st.created > self.response_deadline
        ):
            st.expired = True
            if not st.acked.done():
                st.acked.set_result(None)
            raise ApiError(404, 10062, "Unknown interaction")
        body, files = request[BODY] or {}, request[FILES]
        rtype, data = body.get("type"), body.get("data") or {}
        if rtype not in _VALID_CALLBACKS.get(st.type, ()):
            raise ApiError(
                400,
                50035,
                f"Invalid Form Body: callback type {rtype} for interaction type {st.type}",
            )
        if rtype in (6, 7) and st.message_id is None:
            raise ApiError(400, 50035, "Invalid Form Body: no message to update")
        if rtype == 4:
            self._check_limits(limits.message_errors(
                data, ("data",), settable=limits.RESPONSE_FLAGS, files=len(files)))
            self._check_not_empty(data, len(files))
        elif rtype == 7:
            clicked = self._messages.get(st.message_id)  # type: ignore[arg-type]
            flags = clicked.data["flags"] if clicked is not None else 0
            self._check_limits(limits.message_errors(data, ("data",), flags,
                                                     files=len(files)))
            if clicked is not None:
                self._check_not_empty(limits.edited(clicked.data, data, len(files)))
        elif rtype == 8:
            self._check_limits(limits.autocomplete_errors(data, ("data",), st.option_type))
        elif rtype == 9:
            self._check_limits(limits.modal_errors(data, ("data",)))

        if rtype == 4:
            st.original = self._new_message(
                st.channel, data, files, flags=data.get("flags") or 0, interaction=st
            )
        elif rtype == 5:
            flags = ((data.get("flags") or 0) & EPHEMERAL) | LOADING
            st.original = self._new_message(st.channel, {}, {}, flags=flags, interaction=st)
            st.loading = True
        elif rtype in (6, 7):
            st.original = self._messages.get(st.message_id)  # type: ignore[arg-type]
            if st.original is None:
                raise ApiError(404, 10008, "Unknown Message")
            if rtype == 7:
                self._edit(st.original, data, files)
        elif rtype == 8:
            st.choices = data.get("choices", [])
        else:
            st.modal = data
        st.response_type = rtype
        st.responded = time.monotonic()
        st.acked.set_result(None)
        self._waiters.notify(("interaction", st.id))

        # Discord answers the callback object only when asked (`with_response`), else 204.
        asked = request.query.get("with_response") in ("1", "true", "True")
        if not (self.callback_bodies and asked):
            return web.Response(status=204)
        message = st.original.data if st.original is not None and rtype != 6 else None
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(st.id),
                "type": st.type,
                "response_message_loading": rtype == 5,
                "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
            }
        }
        if message is not None:  # (a snowflake or absent: Discord's spec allows no null)
            answer["interaction"]["response_message_id"] = message["id"]
        if rtype in (4, 7):
            # As Discord's spec answers: a resource only for a callback that sent or edited
            # a message, with that message; none for a deferral's "thinking…" placeholder.
            answer["resource"] = {"type": rtype, "message": message}
        return _json(answer)

    async def _followup(self, request: web.Request) -> web.StreamResponse:
        st = self._interaction(request)
        body, files = request[BODY] or {}, request[FILES]
        self._check_limits(limits.message_errors(
            body, settable=limits.RESPONSE_FLAGS, files=len(files)))
        self._check_not_empty(body, len(files))
        if not ((st.original.data["flags"] if st.loading and st.original is not None
                 else body.get("flags") or 0) & EPHEMERAL):  # what others would see
            self._check_automod(st.guild, body)
        if st.loading:
            self._fill_deferred(st, body, files)
            assert st.original is not None
            record = st.original
        else:
            flags = body.get("flags") or 0
            record = self._new_message(st.channel, body, files, flags=flags, interaction=st)
        st.followups.append(record.data)
        self._waiters.notify(("interaction", st.id))
        if request.query.get("wait") in ("1", "true", "True"):
            return _json(record.data)
        return web.Response(status=204)

    async def _webhook_message(self, request: web.Request) -> web.StreamResponse:
        st = self._interaction(request)
        mid = request.match_info["message_id"]
        if mid == "@original":
            record = st.original
        else:
            record = self._messages.get(int(mid)) if mid.isascii() and mid.isdigit() else None
            if record is not None and not any(f is record.data for f in st.followups):
                record = None
        if record is None or record.deleted is not None:
            raise ApiError(404, 10008, "Unknown Message")
        if request.method == "GET":
            return _json(record.data)
        if request.method == "DELETE":
            self._delete(record)
            return web.Response(status=204)
        self._check_limits(limits.message_errors(
            request[BODY], flags=record.data["flags"], files=len(request[FILES])))
        # an edit of the deferral's placeholder creates the response: it must not be empty
        self._check_not_empty(limits.edited(record.data, request[BODY], len(request[FILES])))
        if not record.data["flags"] & EPHEMERAL:  # what others would see
            self._check_automod(st.guild, request[BODY])
        if st.loading and record is st.original:
            self._fill_deferred(st, request[BODY] or {}, request[FILES])
        else:
            self._edit(record, request[BODY] or {}, request[FILES])
        self._waiters.notify(("interaction", st.id))
        return _json(record.data)
