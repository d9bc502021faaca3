"""Interaction callbacks: what the bot asks Discord to answer, and reads of the answer.

discord.py posts every interaction callback with ``?with_response=1`` and builds an
InteractionCallbackResponse from the answer's JSON. Discord answers so; a server that does
not honour the parameter (as Discord before it, or a stand-in of Discord) answers 204 with
no body, which discord.py would read as text and fail on *after* the member got the answer:
the bot would then take a delivered reply for a failed one. The bot reads nothing from that
body, so an empty answer is taken as the bare acknowledgement it is.

The answer's one use is the id of the message made, under which discord.py stores a view
sent with the response (`response_message_id`). A response without components has no view
to store, so its callback is posted without ``with_response`` and Discord answers 204: the
bot neither reads the message back as JSON nor builds it. Where the answer is asked for,
the message it holds (`resource.message`), which discord.py would build into a whole
`InteractionMessage`, author, embeds, components and all (a twentieth of the bot's work
for a `/rsvp join`), is left out before discord.py sees it: nothing reads it, as the bot
edits and deletes its responses through `@original`.
"""

from __future__ import annotations

from typing import Any

from discord.http import MultipartParameters, Route
from discord.webhook import async_ as webhook_async

_PLAIN = webhook_async.AsyncWebhookAdapter.create_interaction_response


async def _create_interaction_response(self: webhook_async.AsyncWebhookAdapter,
                                       interaction_id: int, token: str, *,
                                       params: MultipartParameters, **kwargs: Any) -> Any:
    data: Any
    if _view_sent(params):
        data = await _PLAIN(self, interaction_id, token, params=params, **kwargs)
    else:
        data = await self.request(
            Route("POST", "/interactions/{webhook_id}/{webhook_token}/callback",
                  webhook_id=interaction_id, webhook_token=token),
            payload=params.payload, **kwargs)
    if isinstance(data, dict):
        resource = data.get("resource")
        if isinstance(resource, dict) and "message" in resource:
            data["resource"] = {key: value for key, value in resource.items()
                                if key != "message"}
        return data
    # 204 (or any answer without JSON): acknowledged, nothing said about what was made
    return {"interaction": {"id": str(interaction_id)}}


def _view_sent(params: MultipartParameters) -> bool:
    """Whether the callback may carry components, for a view stored under its message's
    id (files: its payload is in the multipart form, not looked into)."""
    payload = params.payload
    if params.files or not isinstance(payload, dict):
        return True
    data = payload.get("data")
    return isinstance(data, dict) and bool(data.get("components"))


def accept_bodiless_callback_answers() -> None:
    """Have discord.py take a callback answered without a body as acknowledged (idempotent)."""
    webhook_async.AsyncWebhookAdapter.create_interaction_response = (  # type: ignore[method-assign]
        _create_interaction_response)
