"""Officers' working hours (Vietnam time, from settings): when a citizen can expect an answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta
from typing import Any

from storage.clock import VIETNAM

DEFAULT_HOURS = "07:30-17:00"
DEFAULT_DAYS = "1-5"  # ISO weekdays: Monday 1 … Sunday 7
WEEKDAYS = ("", "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def _clock(value: str) -> time:
    hours, minutes = value.strip().split(":")
    return time(int(hours), int(minutes))


def hours_of(settings: Mapping[str, Any]) -> tuple[time, time, set[int]]:
    span = str(settings.get("handoff_hours") or DEFAULT_HOURS)
    start, end = (_clock(part) for part in span.split("-"))
    days_text = str(settings.get("handoff_days") or DEFAULT_DAYS)
    days: set[int] = set()
    for part in days_text.split(","):
        first, _sep, last = part.strip().partition("-")
        days.update(range(int(first), int(last or first) + 1))
    return start, end, days


def is_open(settings: Mapping[str, Any], now: datetime) -> bool:
    start, end, days = hours_of(settings)
    local = now.astimezone(VIETNAM)
    return local.isoweekday() in days and start <= local.time() < end


def next_opening(settings: Mapping[str, Any], now: datetime) -> datetime:
    """The next time officers start work (Vietnam time), after `now`."""
    start, _end, days = hours_of(settings)
    local = now.astimezone(VIETNAM)
    for offset in range(8):
        day = (local + timedelta(days=offset)).date()
        opening = datetime.combine(day, start, tzinfo=VIETNAM)
        if opening > local and day.isoweekday() in days:
            return opening
    return local


def working_deadline(settings: Mapping[str, Any], opened: datetime) -> datetime:
    """One working day after `opened`: the same time on the next working day (counted from
    the next opening when the ticket came outside hours)."""
    start = opened if is_open(settings, opened) else next_opening(settings, opened)
    _s, _e, days = hours_of(settings)
    local = start.astimezone(VIETNAM)
    for offset in range(1, 9):
        later = local + timedelta(days=offset)
        if later.isoweekday() in days:
            return later
    return local + timedelta(days=1)


def expectation(t: Callable[..., str], settings: Mapping[str, Any], now: datetime) -> str:
    """'An officer usually answers within the working day', or when they start again."""
    start, end, _days = hours_of(settings)
    hours = f"{start:%H:%M}–{end:%H:%M}"
    if is_open(settings, now):
        return t("handoff.when_open", hours=hours)
    opening = next_opening(settings, now)
    return t(
        "handoff.when_closed",
        hours=hours,
        day=WEEKDAYS[opening.isoweekday()],
        at=f"{opening:%H:%M}",
        date=f"{opening:%d/%m}",
    )
