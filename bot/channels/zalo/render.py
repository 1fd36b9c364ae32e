"""Replies as Zalo OA customer-service messages: text pieces, query buttons, images, files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.channels.render import numbered_lines, split_text
from handlers.types import Attachment, Button, Reply

TEXT_LIMIT = 2000  # characters in one cs text message
TITLE_LIMIT = 100  # characters in a button title


@dataclass(frozen=True)
class Rendering:
    """How buttons look on Zalo (DVCBOT_ZALO_BUTTON_TYPE, _MAX_BUTTONS, _PAYLOAD_PREFIX)."""

    button_type: str = "oa.query.hide"
    max_buttons: int = 5
    payload_prefix: str = "#"


@dataclass(frozen=True)
class Part:
    """One message to send; `upload` (kind, attachment) must be uploaded first (see `media`)."""

    message: dict[str, Any]
    upload: tuple[str, Attachment] | None = None


def render(reply: Reply, rendering: Rendering, start: int | None = 1) -> list[Part]:
    """Image and document first, then the text in pieces; buttons ride on the last piece."""
    parts: list[Part] = []
    if reply.image is not None:
        parts.append(Part({}, upload=("image", reply.image)))
    if reply.document is not None:
        parts.append(Part({}, upload=("file", reply.document)))
    native = list(reply.buttons[: rendering.max_buttons])
    overflow = list(reply.buttons[rendering.max_buttons :])
    text = reply.text
    if overflow:
        lines = numbered_lines(overflow, start=(start or 1) + len(native))
        text = "\n\n".join(p for p in (text, "\n".join(lines)) if p)
    if not text.strip() and not native:
        return parts
    pieces = split_text(text, TEXT_LIMIT) if text.strip() else ["…"]
    for piece in pieces[:-1]:
        parts.append(Part({"text": piece}))
    last: dict[str, Any] = {"text": pieces[-1]}
    if native:
        buttons = [button_json(b, rendering) for b in native]
        last["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
    parts.append(Part(last))
    return parts


def button_json(button: Button, rendering: Rendering) -> dict[str, Any]:
    title = button.label
    if len(title) > TITLE_LIMIT:
        title = title[: TITLE_LIMIT - 1] + "…"
    if button.url is not None:
        return {"title": title, "type": "oa.open.url", "payload": {"url": button.url}}
    return {
        "title": title,
        "type": rendering.button_type,
        "payload": rendering.payload_prefix + (button.payload or ""),
    }


def media(kind: str, handle: str) -> dict[str, Any]:
    """The message for an uploaded image (attachment_id) or file (token)."""
    if kind == "image":
        element = {"media_type": "image", "attachment_id": handle}
        return {
            "attachment": {
                "type": "template",
                "payload": {"template_type": "media", "elements": [element]},
            }
        }
    return {"attachment": {"type": "file", "payload": {"token": handle}}}
