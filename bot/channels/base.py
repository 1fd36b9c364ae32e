"""What every channel offers the rest of the app: proactive sending with a classified result."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from handlers.types import Reply


class DeliveryStatus(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot or left: never retry
    OUTSIDE_WINDOW = "outside_window"  # the channel's messaging window is closed: never retry
    RATE_LIMITED = "rate_limited"  # retry after `retry_after` seconds
    FAILED_TRANSIENT = "failed_transient"  # network or server trouble: retry with backoff
    FAILED_PERMANENT = "failed_permanent"  # bad request, unknown chat: do not retry


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    status: DeliveryStatus
    retry_after: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is DeliveryStatus.SENT


# Told that a message other than a broadcast's (a reply) goes out now; returns what to call
# when it was answered. The broadcast sender counts these in the platform's window, which
# replies and free-rate broadcasts share (bot/broadcast/sender.py).
OtherSend = Callable[[], Callable[[], None]]


class Channel(Protocol):
    """A channel the broadcast sender and other proactive features can send through."""

    name: str

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> DeliveryResult:
        """Send replies to one chat and say what happened; never raises for platform errors."""
        ...
