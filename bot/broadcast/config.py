"""The sender's settings, and what it counts: shared by the parts of the broadcast engine."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from handlers.schedule import QuietHours

STAFF_HEADROOM = 1.25  # workers beyond rate × time per message: round trips vary
DEFAULT_ROUND_TRIP = 0.3  # seconds: the default in-flight limit reaches the rate at this


def in_flight_limit(rate: float, configured: int | None) -> int:
    """DVCBOT_BROADCAST_MAX_IN_FLIGHT, or by default enough for `rate` at 300 ms a message
    (12 at Telegram's 30/s, 375 at 1,000/s)."""
    if configured is not None:
        return configured
    return max(1, math.ceil(rate * DEFAULT_ROUND_TRIP * STAFF_HEADROOM))


@dataclass
class SenderConfig:
    rates: dict[str, float]
    quiet: QuietHours | None = None
    max_attempts: int = 5
    retry_seconds: float = 5.0
    max_in_flight: int | None = None  # per channel; None: enough for 300 ms round trips
    zalo_window: timedelta = timedelta(days=7)
    chat_interval: float = 1.0
    poll_seconds: float = 1.0
    progress_steps: int = 4  # tell the author at 25 %, 50 %, 75 % and the end
    batch_seconds: float = 0.5  # claim this many seconds of sending at a time
    report_seconds: float = 2.0  # how often authors' progress is checked while sending


@dataclass
class Counters:
    """What this process did, for /healthz and the benchmark."""

    sent: int = 0
    rate_limited: int = 0
    failed: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    send_seconds: float = 0.0  # time spent waiting for the platform
    record_seconds: float = 0.0  # time spent recording outcomes
