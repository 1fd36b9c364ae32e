"""Zalo OA webhook events: their names, and their translation into the core's `Incoming`."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from handlers.payload import parse
from handlers.text import plain
from handlers.types import Incoming

CHANNEL = "zalo"

MEDIA_EVENTS = frozenset(
    {
        "user_send_image",
        "user_send_gif",
        "user_send_sticker",
        "user_send_file",
        "user_send_audio",
        "user_send_video",
        "user_send_location",
        "user_send_link",
        "user_send_business_card",
    }
)
# Delivery receipts and echoes of what the OA (or its staff in OA Manager) sent.
QUIET_EVENTS = frozenset({"user_received_message", "user_seen_message"})


class EventKind(StrEnum):
    TEXT = "text"  # a message for the core (text, or a query button's payload)
    MEDIA = "media"  # something the bot cannot read: answer politely
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    QUIET = "quiet"  # receipts and echoes: acknowledge, nothing to do
    UNKNOWN = "unknown"  # acknowledged and logged


class MalformedEvent(ValueError):
    """A signed body that is not a Zalo event at all (answered 400)."""


@dataclass(frozen=True)
class Event:
    name: str
    kind: EventKind
    user_id: str | None
    message_id: str | None
    text: str
    timestamp: datetime
    raw_timestamp: str

    @property
    def dedup_id(self) -> str | None:
        """The id the core de-duplicates on: Zalo's msg_id, or for follows the event itself.
        The core stores only a keyed hash of it (storage.pseudonym.message_key)."""
        if self.message_id:
            return self.message_id
        if self.kind in (EventKind.FOLLOW, EventKind.UNFOLLOW) and self.user_id:
            return f"{self.name}:{self.user_id}:{self.raw_timestamp}"
        return None


def parse_event(body: object) -> Event:
    """Read a decoded webhook body; raises MalformedEvent when it is no event at all."""
    if not isinstance(body, Mapping) or not isinstance(body.get("event_name"), str):
        raise MalformedEvent("not an object with an event_name")
    name = str(body["event_name"])
    raw_timestamp = plain(str(body.get("timestamp", "")))[:32]
    message = body.get("message") if isinstance(body.get("message"), Mapping) else {}
    assert isinstance(message, Mapping)
    text = message.get("text")
    if name in ("follow", "unfollow"):
        kind = EventKind.FOLLOW if name == "follow" else EventKind.UNFOLLOW
        user_id = _id(body.get("follower"))
    elif name in ("user_send_text", "user_click_button"):
        kind, user_id = EventKind.TEXT, _id(body.get("sender"))
    elif name in MEDIA_EVENTS:
        user_id = _id(body.get("sender"))
        # A caption is something the person wrote: the core answers it.
        kind = EventKind.TEXT if isinstance(text, str) and text.strip() else EventKind.MEDIA
    elif name in QUIET_EVENTS or name.startswith("oa_send_"):
        kind, user_id = EventKind.QUIET, None
    else:
        kind, user_id = EventKind.UNKNOWN, None
    msg_id = message.get("msg_id")
    return Event(
        name=name,
        kind=kind,
        user_id=user_id,
        message_id=plain(str(msg_id)) or None if msg_id else None,
        text=text if isinstance(text, str) else "",
        timestamp=event_time(raw_timestamp),
        raw_timestamp=raw_timestamp,
    )


def _id(party: Any) -> str | None:
    """A sender or follower id, without what no database stores (NUL, lone surrogates)."""
    if isinstance(party, Mapping) and party.get("id"):
        return plain(str(party["id"])) or None
    return None


def event_time(raw: str) -> datetime:
    """Zalo timestamps are epoch milliseconds as a string; now when absent or unreadable."""
    try:
        return datetime.fromtimestamp(int(raw) / 1000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(UTC)


def button_payload(text: str, prefix: str, known_actions: Collection[str]) -> str | None:
    """The payload of a query button we rendered, when `text` is one; None for typed text.

    Query buttons send their payload back as the person's text, so a button press is text that
    starts with the prefix and names an action some router handles.
    """
    if not text.startswith(prefix):
        return None
    payload = text[len(prefix) :].strip()
    if not payload or any(ch.isspace() for ch in payload):
        return None
    return payload if parse(payload).action in known_actions else None


def to_incoming(event: Event, prefix: str, known_actions: Collection[str]) -> Incoming:
    """The core's view of a text event (or of a button press arriving as text)."""
    assert event.user_id is not None
    payload = button_payload(event.text, prefix, known_actions)
    return Incoming(
        channel=CHANNEL,
        user_key=event.user_id,
        chat_id=event.user_id,
        text="" if payload is not None else event.text,
        payload=payload,
        locale="vi",
        message_id=event.dedup_id,
        timestamp=event.timestamp,
    )
