"""Interaction callbacks: answered 204 with no body, and the message an answer returns.

discord.py posts every interaction callback with ``?with_response=1`` and builds an
InteractionCallbackResponse from the answer's JSON. Discord answers so; a server that does
not honour the parameter (as Discord before it, or a stand-in of Discord) answers 204 with
no body, which discord.py would read as text and fail on *after* the member got the answer:
the bot would then take a delivered reply for a failed one. The bot reads nothing from that
body, so an empty answer is taken as the bare acknowledgement it is.

Discord's answer holds the message the response made (`resource.message`), which
discord.py builds into a whole `InteractionMessage`, author, embeds, components and all, on
every reply: about a twentieth of the bot's work for a `/rsvp join`. Nothing reads it (the
bot edits and deletes its responses through `@original`), so it is left out before
discord.py sees the answer; the message's id stays (`response_message_id`), which is what a
view sent with the response is stored under.
"""

from __future__ import annotations

from typing import Any

from discord.webhook import async_ as webhook_async

_PLAIN = webhook_async.AsyncWebhookAdapter.create_interaction_response


async def _create_interaction_response(self: webhook_async.AsyncWebhookAdapter,
                                       interaction_id: int, token: str,
                                       **kwargs: Any) -> Any:
    data: Any = await _PLAIN(self, interaction_id, token, **kwargs)
    if isinstance(data, dict):
        resource = data.get("resource")
        if isinstance(resource, dict) and "message" in resource:
            data["resource"] = {key: value for key, value in resource.items()
                                if key != "message"}
        return data
    # 204 (or any answer without JSON): acknowledged, nothing said about what was made
    return {"interaction": {"id": str(interaction_id)}}


def accept_bodiless_callback_answers() -> None:
    """Have discord.py take a callback answered without a body as acknowledged (idempotent)."""
    webhook_async.AsyncWebhookAdapter.create_interaction_response = (  # type: ignore[method-assign]
        _create_interaction_response)
