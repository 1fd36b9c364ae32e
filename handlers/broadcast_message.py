"""What a broadcast sends: a guide, a procedure card or a short text, as one stored Reply.

The message is built once, when the broadcast is created, and stored; the preview the author
confirms and what every recipient receives are the same stored message.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from handlers.content import Content
from handlers.payload import SEPARATOR, pack
from handlers.types import MAX_PAYLOAD_BYTES, Button, Reply

MAX_OWN_TEXT = 1000  # a broadcast is a nudge, not an article


class Kind(StrEnum):
    GUIDE = "guide"
    PROCEDURE = "procedure"
    TEXT = "text"


def procedures(content: Content) -> Mapping[str, Any]:
    """The procedure catalogue, when the catalogue content part is installed."""
    catalog = content.extra.get("catalog")
    found = getattr(catalog, "procedures", None)
    return found if isinstance(found, Mapping) else {}


def build(content: Content, kind: Kind, ref: str, sender: str) -> Reply | None:
    """The message recipients get, or None when `ref` names nothing that exists."""
    t = content.messages
    if kind is Kind.GUIDE:
        guide = content.guides.get(ref)
        if guide is None:
            return None
        text = t("broadcast.message_guide", title=guide.title, summary=guide.summary, who=sender)
        button = Button(t("broadcast.open_guide"), payload=pack("guide", guide.id, 1))
        return Reply(text=text, buttons=(button,), topic=f"broadcast:guide:{guide.id}")
    if kind is Kind.PROCEDURE:
        procedure = procedures(content).get(ref)
        if procedure is None or not _packable("proc", ref):
            return None
        text = t("broadcast.message_procedure", name=procedure.name, who=sender)
        button = Button(t("broadcast.open_procedure"), payload=pack("proc", ref))
        return Reply(text=text, buttons=(button,), topic=f"broadcast:proc:{ref}")
    text = ref.strip()
    if not text or len(text) > MAX_OWN_TEXT:
        return None
    menu = Button(t("common.menu"), payload="menu")
    return Reply(text=t("broadcast.message_text", text=text, who=sender), buttons=(menu,))


def _packable(action: str, ref: str) -> bool:
    return SEPARATOR not in ref and len(f"{action}:{ref}".encode()) <= MAX_PAYLOAD_BYTES


def to_dict(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "buttons": [{"label": b.label, "payload": b.payload, "url": b.url} for b in reply.buttons],
        "topic": reply.topic,
    }


def from_dict(data: Mapping[str, Any]) -> Reply:
    buttons = tuple(
        Button(b["label"], payload=b.get("payload"), url=b.get("url"))
        for b in data.get("buttons", [])
    )
    return Reply(text=str(data.get("text", "")), buttons=buttons, topic=data.get("topic"))
