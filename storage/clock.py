"""The one clock of the product: the current UTC instant and the current date in Viet Nam.

Everything that asks "what time is it" or "what day is it" gets a `Clock` passed in (the runtime
holds one, the handlers' context carries it); tests pass a `FixedClock`. Viet Nam has no daylight
saving time, so its calendar day is UTC+7 all year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

VIETNAM = timezone(timedelta(hours=7), "ICT")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stays where a test puts it; `advance` moves it."""

    at: datetime = field(default_factory=lambda: datetime(2026, 6, 15, 3, 0, tzinfo=UTC))

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")

    def now(self) -> datetime:
        return self.at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.at = self.at + delta


SYSTEM_CLOCK: Clock = SystemClock()


def utcnow() -> datetime:
    """The system clock's instant: for defaults where no clock is passed (row timestamps)."""
    return SYSTEM_CLOCK.now()


def vietnam_now(clock: Clock) -> datetime:
    """The clock's instant in Vietnam time."""
    return clock.now().astimezone(VIETNAM)


def vietnam_today(clock: Clock) -> date:
    """The calendar date in Viet Nam (from 17:00 UTC it is already tomorrow there)."""
    return vietnam_now(clock).date()


def vietnam_date(at: datetime) -> date:
    """The Vietnam calendar date of an aware instant."""
    return at.astimezone(VIETNAM).date()
