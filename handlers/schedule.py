"""Broadcast times in Vietnam time: quiet hours and the times a team member types."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from storage.clock import VIETNAM

TIME_TYPED = re.compile(
    r"^\s*(\d{1,2})[:hg](\d{2})?\s*(?:(?:ngày\s*)?(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?)?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QuietHours:
    """A daily window, in Vietnam time, when no broadcast is sent (e.g. 21:00–07:00)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str | None) -> QuietHours | None:
        if not text or not text.strip():
            return None
        first, second = text.strip().split("-", 1)
        return cls(_hhmm(first), _hhmm(second))

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(VIETNAM).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_open(self, moment: datetime) -> datetime:
        """`moment` itself when outside the window, else the window's end (in UTC)."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(VIETNAM)
        end = datetime.combine(local.date(), self.end, VIETNAM)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)

    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def _hhmm(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours) % 24, int(minutes))


def parse_time(text: str, now: datetime) -> datetime | None:
    """'20:30', '8h', '8:00 30/11' or '08:00 30/11/2026' in Vietnam time → UTC; a bare time
    already past today means tomorrow. None when it is not a time or is in the past."""
    match = TIME_TYPED.match(text)
    if not match:
        return None
    hour, minute, day, month, year = match.groups()
    local_now = now.astimezone(VIETNAM)
    try:
        clock = time(int(hour), int(minute or 0))
        if day:
            full_year = int(year) + 2000 if year and len(year) == 2 else int(year or local_now.year)
            when = datetime.combine(date(full_year, int(month), int(day)), clock, VIETNAM)
        else:
            when = datetime.combine(local_now.date(), clock, VIETNAM)
            if when <= local_now:
                when += timedelta(days=1)
    except ValueError:
        return None
    if when <= local_now:
        return None
    return when.astimezone(UTC)


def local_label(moment: datetime) -> str:
    """A moment as a Vietnamese reader writes it: 08:00 30/11/2026 (Vietnam time)."""
    return f"{moment.astimezone(VIETNAM):%H:%M %d/%m/%Y}"
