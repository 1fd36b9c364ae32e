"""What a handler receives besides the message: content, storage session, contact and state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handlers.content import Content
from storage.db import DbSession
from storage.models import Contact


@dataclass
class Conversation:
    """Where a person is in a multi-step flow; persisted per contact by the core."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # outside any flow: the last item shown (a follow-up's subject) and the language written
    topic: str | None = None
    topic_at: datetime | None = None
    language: str | None = None

    def start(self, flow: str, step: str, **data: Any) -> None:
        self.flow, self.step, self.data = flow, step, dict(data)

    def goto(self, step: str, **data: Any) -> None:
        self.step = step
        self.data.update(data)

    def end(self) -> None:
        self.flow, self.step, self.data = None, None, {}

    def snapshot(self) -> tuple[str | None, str | None, dict[str, Any]]:
        return self.flow, self.step, dict(self.data)


@dataclass
class Context:
    """Per-message context built by the core. Repositories take `session`; never commit it."""

    content: Content
    session: DbSession
    contact: Contact
    conversation: Conversation
    now: datetime
    settings: Mapping[str, Any] = field(default_factory=dict)
    services: Mapping[str, Any] = field(default_factory=dict)

    def t(self, key: str, /, **values: Any) -> str:
        """A citizen-facing text from content/vi/messages.yaml."""
        return self.content.messages(key, **values)
