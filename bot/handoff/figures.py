"""Hỏi cán bộ figures as a dashboard table (page, CSV) and a sheet of the monthly XLSX."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.i18n import _
from bot.reports.labels import commune_name
from bot.reports.tables import Column, Table
from handlers.ticket_figures import Summary, period
from storage.access import Scope
from storage.db import DbSession

# The working hours the figures judge "within one working day" by; set when the app is built.
WORKING_SETTINGS: dict[str, Any] = {}


def _row(month: str, commune: str | None, s: Summary) -> dict[str, Any]:
    return {
        "month": month,
        "commune": commune_name(commune) if commune else _("no commune given"),
        "opened": s.opened,
        "answered": s.answered,
        "median_hours": None if s.median_hours is None else round(s.median_hours, 1),
        "within_day": s.within_day,
        "rated": s.rated,
        "satisfied": s.satisfaction,
    }


async def handoff_table(
    session: DbSession,
    scope: Scope,
    start: datetime,
    end: datetime,
    commune: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Table:
    total, groups = await period(session, scope, start, end, settings or WORKING_SETTINGS, commune)
    rows = [_row(month, place, s) for (month, place), s in groups.items()]
    if len(rows) > 1:
        rows.append(_row(_("all"), None, total) | {"commune": _("total")})
    columns = (
        Column(key="month", label=_("month")),
        Column(key="commune", label=_("commune")),
        Column(key="opened", label=_("tickets opened"), kind="int"),
        Column(key="answered", label=_("answered"), kind="int"),
        Column(key="median_hours", label=_("median hours to first answer")),
        Column(key="within_day", label=_("answered within 1 working day"), kind="percent"),
        Column(key="rated", label=_("ratings"), kind="int"),
        Column(key="satisfied", label=_("direct support satisfied"), kind="percent"),
    )
    return Table(
        _("Questions to officers (hỗ trợ trực tiếp)"),
        columns,
        rows,
        note=_(
            "Ratings of officers' help are counted here only, not in the survey satisfaction rate."
        ),
        name="handoff",
    )


async def build(
    session: Any, viewer: Any, query: Any, names: Any, *, charts: bool
) -> dict[str, Any]:
    """The dashboard page (a `bot.dashboard.web.PAGES` builder)."""
    table = await handoff_table(
        session, viewer.scope, query.start, query.end, query.commune or viewer.scope.commune
    )
    return {"tables": [table]}
