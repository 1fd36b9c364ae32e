"""Replies as JSON: what a handled inbox row keeps until its replies are sent."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from handlers.types import Attachment, Button, Reply


def _attachment(value: Attachment | None) -> dict[str, str] | None:
    if value is None:
        return None
    data = base64.b64encode(value.data).decode("ascii")
    return {"filename": value.filename, "data": data, "mime_type": value.mime_type}


def _from_attachment(value: dict[str, str] | None) -> Attachment | None:
    if value is None:
        return None
    return Attachment(value["filename"], base64.b64decode(value["data"]), value["mime_type"])


def encode(replies: Sequence[Reply]) -> str:
    return json.dumps(
        [
            {
                "text": r.text,
                "buttons": [[b.label, b.payload, b.url] for b in r.buttons],
                "image": _attachment(r.image),
                "document": _attachment(r.document),
                "topic": r.topic,
                "numbered": r.numbered,
            }
            for r in replies
        ],
        ensure_ascii=False,
    )


def decode(stored: str) -> list[Reply]:
    items: list[dict[str, Any]] = json.loads(stored)
    return [
        Reply(
            text=item["text"],
            buttons=tuple(Button(label, payload, url) for label, payload, url in item["buttons"]),
            image=_from_attachment(item["image"]),
            document=_from_attachment(item["document"]),
            topic=item["topic"],
            numbered=item["numbered"],
        )
        for item in items
    ]
