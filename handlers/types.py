"""Neutral message types shared by every channel adapter and every handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from storage.clock import utcnow

MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit; the same payload serves every channel


class Kind(StrEnum):
    """What sort of input a person sent; recorded on every interaction."""

    COMMAND = "command"
    BUTTON = "button"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message or button press from a person, whatever the channel."""

    channel: str
    user_key: str
    chat_id: str
    text: str = ""
    payload: str | None = None
    display_name: str | None = None
    locale: str | None = None
    message_id: str | None = None
    timestamp: datetime = field(default_factory=utcnow)
    # The bot's message this one answers (a Telegram reply): its platform id and its text.
    reply_to: str | None = None
    quoted: str | None = None

    @property
    def kind(self) -> Kind:
        if self.payload is not None:
            return Kind.BUTTON
        if self.text.startswith("/"):
            return Kind.COMMAND
        return Kind.TEXT

    @property
    def command(self) -> str | None:
        """`/start@dvcbot abc` -> `start`; None when the text is not a command."""
        if not self.text.startswith("/"):
            return None
        head = self.text[1:].split(maxsplit=1)[0] if len(self.text) > 1 else ""
        return head.split("@", 1)[0].lower() or None

    @property
    def args(self) -> str:
        """The text after the command word, stripped."""
        parts = self.text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


@dataclass(frozen=True, slots=True)
class Button:
    """A button: pressing it sends `payload` back, or opens `url`."""

    label: str
    payload: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.payload is None) == (self.url is None):
            raise ValueError("a button has exactly one of payload or url")
        if self.payload is not None and len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload over {MAX_PAYLOAD_BYTES} bytes: {self.payload!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    """An image or a document sent with a reply."""

    filename: str
    data: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send. `text` is plain text: adapters escape and format it.

    `topic` names what was shown (for example `guide:vneid-muc-2:1`) and is recorded on
    the interaction; it is never sent. `numbered=False` when the person is asked to type a
    number, so typing one does not press a button of this reply.
    """

    text: str = ""
    buttons: tuple[Button, ...] = ()
    image: Attachment | None = None
    document: Attachment | None = None
    topic: str | None = None
    numbered: bool = True
