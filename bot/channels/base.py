"""What every channel offers the rest of the app: proactive sending with a classified result."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

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


class Channel(Protocol):
    """A channel the broadcast sender and other proactive features can send through."""

    name: str

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> DeliveryResult:
        """Send replies to one chat and say what happened; never raises for platform errors."""
        ...


class SendWatcher(Protocol):
    """Something that keeps a platform's rate (the broadcast pacer) and must count the
    channel's other messages, which share the same limit."""

    def seed(self, answered_ago: list[float], in_flight: int) -> None:
        """Count messages answered that many seconds ago, or still on their way."""
        ...

    async def outside(self) -> Callable[[bool], None]:
        """Wait until a message may leave, and count it; the returned function is called once
        its answer came (True) or it was not sent after all (False)."""
        ...


@runtime_checkable
class Watched(Protocol):
    """A channel whose replies to incoming messages count towards the pacer's window."""

    def watch(self, watcher: SendWatcher) -> None:
        """Count the channel's other messages in `watcher` from now on."""
        ...
