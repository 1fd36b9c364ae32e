"""Hỏi cán bộ figures: tickets opened and answered, median time to first answer, share answered
within one working day, and the separate "hỗ trợ trực tiếp" rating; per commune and month."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.numbers import format_decimal, format_percent

from handlers.context import Context
from handlers.workhours import working_deadline
from storage import stats, ticket_inbox
from storage.access import Scope
from storage.db import DbSession
from storage.models import Ticket

SATISFIED = 3  # "Hài lòng", the top of the three levels


@dataclass(frozen=True)
class Summary:
    opened: int
    answered: int
    median_hours: float | None
    within_day: float | None  # share of answered tickets answered within one working day
    rated: int
    satisfied: int

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


def summarise(rows: Iterable[Ticket], settings: Mapping[str, Any]) -> Summary:
    rows = list(rows)
    answered = [t for t in rows if t.first_answer_at is not None]
    waits = [(t.first_answer_at - t.opened_at).total_seconds() / 3600 for t in answered]  # type: ignore[operator]
    in_day = [t for t in answered if t.first_answer_at <= working_deadline(settings, t.opened_at)]  # type: ignore[operator]
    rated = [t for t in rows if t.rating is not None]
    return Summary(
        opened=len(rows),
        answered=len(answered),
        median_hours=statistics.median(waits) if waits else None,
        within_day=len(in_day) / len(answered) if answered else None,
        rated=len(rated),
        satisfied=sum(1 for t in rated if t.rating == SATISFIED),
    )


def by_month_commune(
    rows: Iterable[Ticket], settings: Mapping[str, Any]
) -> dict[tuple[str, str | None], Summary]:
    groups: defaultdict[tuple[str, str | None], list[Ticket]] = defaultdict(list)
    for ticket in rows:
        groups[(stats.month_of(ticket.opened_at), ticket.commune_code)].append(ticket)
    return {key: summarise(group, settings) for key, group in sorted(groups.items(), key=_order)}


def _order(item: tuple[tuple[str, str | None], list[Ticket]]) -> tuple[str, str]:
    (month, commune), _rows = item
    return (month, commune or "")


async def period(
    session: DbSession,
    scope: Scope,
    start: datetime,
    end: datetime,
    settings: Mapping[str, Any],
    commune: str | None = None,
) -> tuple[Summary, dict[tuple[str, str | None], Summary]]:
    rows = await ticket_inbox.in_period(session, scope, start, end, commune)
    return summarise(rows, settings), by_month_commune(rows, settings)


async def chat_lines(
    ctx: Context, scope: Scope, start: datetime, end: datetime, commune: str | None
) -> list[str]:
    """/thongke's lines about questions to officers (none when nobody asked)."""
    if scope.role == "member":
        return []
    total, _groups = await period(ctx.session, scope, start, end, ctx.settings, commune)
    if not total.opened:
        return []

    def pct(value: float | None) -> str:
        return "—" if value is None else format_percent(value, "#,##0%", locale="vi_VN")

    hours = (
        "—"
        if total.median_hours is None
        else format_decimal(round(total.median_hours, 1), locale="vi_VN")
    )
    lines = [
        ctx.t(
            "figures.handoff",
            opened=total.opened,
            answered=total.answered,
            hours=hours,
            within=pct(total.within_day),
        )
    ]
    if total.rated:
        lines.append(
            ctx.t(
                "figures.handoff_rating",
                satisfied=total.satisfied,
                rated=total.rated,
                rate=pct(total.satisfaction),
            )
        )
    return lines
