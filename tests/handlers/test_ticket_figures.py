"""Hỏi cán bộ figures: median time to the first answer and the share answered within one
working day (weekends and evenings do not count), and their line in /thongke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.ticket_figures import summarise
from handlers.workhours import expectation, working_deadline
from storage.models import Ticket
from storage.tickets import State

SETTINGS = {"handoff_hours": "07:30-17:00", "handoff_days": "1-5"}
FRIDAY_4PM = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)  # 16:00 in Vietnam
SATURDAY = datetime(2026, 3, 7, 3, 0, tzinfo=UTC)


def ticket(opened: datetime, answered_after: timedelta | None, rating: int | None = None) -> Ticket:
    return Ticket(
        code="X",
        channel="telegram",
        state=State.CLOSED,
        question="",
        opened_at=opened,
        updated_at=opened,
        first_answer_at=opened + answered_after if answered_after is not None else None,
        rating=rating,
    )


def test_one_working_day_skips_the_weekend_and_starts_at_the_next_opening() -> None:
    assert working_deadline(SETTINGS, FRIDAY_4PM) == FRIDAY_4PM + timedelta(days=3)  # Monday 16:00
    monday_opening = datetime(2026, 3, 9, 0, 30, tzinfo=UTC)  # 07:30 Vietnam
    assert working_deadline(SETTINGS, SATURDAY) == monday_opening + timedelta(days=1)


def test_summary_counts_answers_median_and_the_share_within_a_working_day() -> None:
    rows = [
        ticket(FRIDAY_4PM, timedelta(hours=1), rating=3),
        ticket(FRIDAY_4PM, timedelta(days=2, hours=20), rating=1),  # Monday noon: in time
        ticket(FRIDAY_4PM, timedelta(days=4)),  # Tuesday: late
        ticket(FRIDAY_4PM, None),
    ]
    summary = summarise(rows, SETTINGS)
    assert (summary.opened, summary.answered) == (4, 3)
    assert summary.median_hours == 68.0
    assert summary.within_day == 2 / 3
    assert (summary.rated, summary.satisfied, summary.satisfaction) == (2, 1, 0.5)


def test_outside_hours_the_citizen_is_told_when_work_starts(content) -> None:
    text = expectation(content.messages, SETTINGS, SATURDAY)
    assert "ngoài giờ làm việc" in text and "07:30 thứ Hai (09/03)" in text
