"""Messages the bot creates, edits and deletes: content, embeds, components, files and
mentions as Discord parses them."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from sandbox.interactions import APPLICATION_COMMAND, _Interaction
from sandbox.models import EPHEMERAL, LOADING, Channel, Member, MessageRecord, _now
from sandbox.plumbing import ApiError

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


class Messages:
    """The message store shared by channel sends, interaction responses and follow-ups."""

    def _new_message(
        self,
        channel: Channel,
        payload: Mapping[str, Any],
        files: Mapping[int, tuple[str, bytes]],
        *,
        flags: int = 0,
        interaction: _Interaction | None = None,
    ) -> MessageRecord:
        mid = self._snowflake()
        data: dict[str, Any] = {
            "id": str(mid),
            "type": 0,
            "channel_id": str(channel.id),
            "author": self.bot_user.payload(),
            "content": "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "flags": flags,
        }
        if channel.guild is not None:
            data["guild_id"] = str(channel.guild.id)
        if interaction is not None:
            user = (
                interaction.actor.user
                if isinstance(interaction.actor, Member)
                else interaction.actor
            )
            data.update(
                type=20 if interaction.type == APPLICATION_COMMAND else 0,
                webhook_id=str(self.app_id),
                application_id=str(self.app_id),
                interaction_metadata={
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "user": user.payload(),
                    "authorizing_integration_owners": {},
                },
            )
        self._apply(data, payload, files)
        record = MessageRecord(data, channel.id, time.monotonic())
        self._messages[mid] = record
        if not flags & EPHEMERAL:
            self._channel_messages.setdefault(channel.id, {})[mid] = record
            self._waiters.notify(("channel", channel.id))
        return record

    def _edit(
        self,
        record: MessageRecord,
        payload: Mapping[str, Any],
        files: Mapping[int, tuple[str, bytes]],
    ) -> None:
        if record.deleted is not None:
            raise ApiError(404, 10008, "Unknown Message")
        self._apply(record.data, payload, files)
        record.data["edited_timestamp"] = _now()
        record.edits.append(time.monotonic())
        self._waiters.notify(("channel", record.channel_id))

    def _fill_deferred(
        self, st: _Interaction, payload: Mapping[str, Any], files: Mapping[int, tuple[str, bytes]]
    ) -> None:
        """The first follow-up (or @original edit) after a deferral replaces the placeholder."""
        assert st.original is not None
        data = st.original.data
        self._apply(data, {k: v for k, v in payload.items() if k != "flags"}, files)
        data["flags"] &= ~LOADING
        st.loading = False
        self._waiters.notify(("channel", st.original.channel_id))

    def _apply(
        self,
        data: dict[str, Any],
        payload: Mapping[str, Any],
        files: Mapping[int, tuple[str, bytes]],
    ) -> None:
        """Apply a create/edit payload (content, embeds, components, flags, attachments)."""
        for key in ("content", "embeds", "components"):
            if key in payload:
                data[key] = payload[key] or ("" if key == "content" else [])
        if "flags" in payload and payload["flags"] is not None:
            data["flags"] = (data["flags"] & (EPHEMERAL | LOADING)) | (payload["flags"] & ~LOADING)
        if "attachments" in payload or files:
            data["attachments"] = self._attachments(
                data["attachments"], payload.get("attachments"), files
            )
        if "content" in payload or "allowed_mentions" in payload:
            self._mentions(data, payload.get("allowed_mentions"))

    def _attachments(
        self,
        current: list[dict[str, Any]],
        spec: list[dict[str, Any]] | None,
        files: Mapping[int, tuple[str, bytes]],
    ) -> list[dict[str, Any]]:
        """Kept attachments are referenced by id, new uploads by their files[n] index."""
        if spec is None:
            return current + [self._store_file(name, blob) for name, blob in files.values()]
        existing = {a["id"]: a for a in current}
        result = []
        for item in spec:
            if str(item["id"]) in existing:
                result.append(existing[str(item["id"])])
                continue
            try:
                name, blob = files[int(item["id"])]
            except (KeyError, ValueError):
                raise ApiError(
                    400, 50035, f"Invalid Form Body: no file for attachment {item!r}"
                ) from None
            result.append(
                self._store_file(
                    item.get("filename") or name, blob, description=item.get("description")
                )
            )
        return result

    def _store_file(
        self,
        filename: str,
        blob: bytes,
        content_type: str = "application/octet-stream",
        description: str | None = None,
    ) -> dict[str, Any]:
        aid = self._snowflake()
        self._files[aid] = (filename, blob, content_type)
        url = f"{self.base_url}/attachments/{aid}/{quote(filename)}"
        return {
            "id": str(aid),
            "filename": filename,
            "description": description,
            "size": len(blob),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    def _mentions(self, data: dict[str, Any], allowed: Mapping[str, Any] | None) -> None:
        """Who the message pings, per Discord's allowed_mentions rules (default: everyone)."""
        content = data["content"] or ""
        if "@" not in content:
            data.update(mention_everyone=False, mentions=[], mention_roles=[])
            return
        # null lists are allowed: they name nothing
        parse = ["users", "roles", "everyone"] if allowed is None else allowed.get("parse") or []
        users = {str(u) for u in (allowed or {}).get("users") or []}
        roles = {str(r) for r in (allowed or {}).get("roles") or []}
        data["mention_everyone"] = "everyone" in parse and (
            "@everyone" in content or "@here" in content
        )
        data["mentions"] = [
            self.users[int(uid)].payload()
            for uid in dict.fromkeys(_USER_MENTION.findall(content))
            if int(uid) in self.users and ("users" in parse or uid in users)
        ]
        data["mention_roles"] = [
            rid
            for rid in dict.fromkeys(_ROLE_MENTION.findall(content))
            if "roles" in parse or rid in roles
        ]

    def _delete(self, record: MessageRecord) -> None:
        record.deleted = time.monotonic()
        self._channel_messages.get(record.channel_id, {}).pop(int(record.data["id"]), None)
        self._waiters.notify(("channel", record.channel_id))

    # ------------------------------------------------------------------ REST: channels and messages
