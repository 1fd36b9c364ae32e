"""The satisfaction and outreach report of a month or a span of months, as tables for any writer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _, day, moment
from bot.reports.labels import (
    Names,
    key_label,
    key_title,
    period_label,
    status_text,
    target_text,
)
from bot.reports.query import months_from
from bot.reports.writers import Column, Table
from storage import stats, teams
from storage.clock import vietnam_date

DEFAULT_BREAKDOWNS = ("commune",)
# The workbook officers send upward (dashboard download and `dvcbot report --format xlsx`).
WORKBOOK_BREAKDOWNS = (("commune",), ("procedure",), ("channel",), ("team",))


def rate_columns() -> tuple[Column, ...]:
    return (
        Column(_("responses"), "int"),
        Column(_("satisfied"), "int"),
        Column(_("rate"), "percent"),
        Column(_("95% low"), "percent"),
        Column(_("95% high"), "percent"),
        Column(_("status")),
    )


def parse_breakdowns(text: str) -> list[tuple[str, ...]]:
    """'commune,procedure+month' -> [('commune',), ('procedure', 'month')]; checks the keys."""
    breakdowns = []
    for part in text.split(","):
        keys = tuple(k.strip() for k in part.split("+") if k.strip())
        for key in keys:
            if key not in stats.KEYS:
                raise ValueError(
                    _("unknown breakdown {key}; use {keys}").format(
                        key=key, keys=", ".join(stats.KEYS)
                    )
                )
        if keys:
            breakdowns.append(keys)
    return breakdowns


@dataclass(frozen=True)
class MonthlyReport:
    """The figures of a span of Vietnam months (`first` to `last`; one month when equal)."""

    first: str
    last: str
    target: float
    generated_at: datetime
    overall: stats.RateRow
    months: list[tuple[str, stats.Rate]]
    breakdowns: list[tuple[tuple[str, ...], list[stats.RateRow]]]
    funnel: list[stats.FunnelRow]
    gaps: list[stats.Gap]
    names: Names
    scope: str = ""  # the place the report is limited to ("" for everything)
    demo: bool = False  # the figures include demo data (`dvcbot demo seed`)

    @property
    def month(self) -> str:
        """The period as reports write it: '12/2026' or '07/2026 – 12/2026'."""
        return period_label(self.first, self.last)


async def build(
    session: AsyncSession,
    month: str,
    *,
    target: float,
    breakdowns: Sequence[tuple[str, ...]] = (DEFAULT_BREAKDOWNS,),
    now: datetime,
    filters: Mapping[str, str] | None = None,
    scope: str = "",
    first: str | None = None,
    names: Names | None = None,
    demo: bool = False,
) -> MonthlyReport:
    """The report of `first` (default: `month` alone) to `month`. `filters` limit every figure
    (an officer's commune or province); `scope` names it; `names` name procedures and guides."""
    first = first or month
    start, end = stats.month_range(first)[0], stats.month_range(month)[1]
    period: dict[str, Any] = {"start": start, "end": end, "filters": filters}
    overall = (await stats.satisfaction(session, target=target, **period))[0]
    by_month = {
        row.keys["month"]: row.rate
        for row in await stats.satisfaction(session, by=("month",), target=target, **period)
    }
    months = [
        (m, by_month.get(m) or stats.Rate.of(0, 0, target)) for m in months_from(first, month)
    ]
    tables = [
        (keys, await stats.satisfaction(session, by=keys, target=target, **period))
        for keys in breakdowns
    ]
    funnel = await stats.funnel(session, by=["commune"], **period)
    gaps = await stats.unanswered(session, limit=50, **period)
    if names is None:
        names = Names(teams=await teams.names(session))
    return MonthlyReport(
        first, month, target, now, overall, months, tables, funnel, gaps, names, scope, demo
    )


def _name(report: MonthlyReport, key: str, value: str | None) -> str:
    return key_label(key, value, report.names)


def _rate_cells(rate: stats.Rate) -> tuple[Any, ...]:
    return (
        rate.responses,
        rate.satisfied,
        rate.rate,
        rate.low,
        rate.high,
        status_text(rate.status),
    )


def breakdown_table(
    report: MonthlyReport, keys: tuple[str, ...], rows: list[stats.RateRow]
) -> Table:
    """One sheet: a code and a name column per key, then the rate columns."""
    columns: list[Column] = []
    for key in keys:
        columns += [Column(key_title(key)), Column(_("name"))]
    body = []
    for row in rows:
        cells: list[Any] = []
        for key in keys:
            cells += [row.keys[key], _name(report, key, row.keys[key])]
        body.append((*cells, *_rate_cells(row.rate)))
    title = _("Satisfaction by {keys}").format(keys=" + ".join(key_title(k) for k in keys))
    return Table(title, (*columns, *rate_columns()), body)


def long_table(report: MonthlyReport) -> Table:
    """Every breakdown in one table (for CSV): breakdown, group code, group name, the rate."""
    columns = (Column(_("month")), Column(_("breakdown")), Column(_("group")), Column(_("name")))
    body: list[tuple[Any, ...]] = [
        (report.month, _("total"), None, None, *_rate_cells(report.overall.rate))
    ]
    for keys, rows in report.breakdowns:
        for row in rows:
            group = " · ".join(row.keys[k] or "" for k in keys)
            name = " · ".join(_name(report, k, row.keys[k]) for k in keys)
            breakdown = " + ".join(key_title(k) for k in keys)
            body.append((report.month, breakdown, group, name, *_rate_cells(row.rate)))
    return Table(
        _("Satisfaction {month}").format(month=report.month), (*columns, *rate_columns()), body
    )


def funnel_table(report: MonthlyReport) -> Table:
    columns = (
        Column(_("commune")),
        Column(_("name")),
        Column(_("reached"), "int"),
        Column(_("engaged"), "int"),
        Column(_("guided"), "int"),
        Column(_("surveyed"), "int"),
        Column(_("satisfied"), "int"),
    )
    body = [
        (
            r.keys["commune"],
            _name(report, "commune", r.keys["commune"]),
            r.reached,
            r.engaged,
            r.guided,
            r.surveyed,
            r.satisfied,
        )
        for r in report.funnel
    ]
    return Table(_("Outreach funnel"), columns, body)


def gaps_table(report: MonthlyReport) -> Table:
    columns = (
        Column(_("question")),
        Column(_("times"), "int"),
        Column(_("first")),
        Column(_("last")),
    )
    body = [
        (
            g.query,
            g.count,
            day(vietnam_date(g.first_seen)),  # to the day, as the dashboard: a minute could
            day(vietnam_date(g.last_seen)),  # name who asked a one-off question
        )
        for g in report.gaps
    ]
    return Table(_("Unanswered questions"), columns, body)


def definitions_table(report: MonthlyReport) -> Table:
    rows = [
        (_("period"), _("{month}, Vietnam time (UTC+7)").format(month=report.month)),
        (
            _("responses"),
            _(
                "completed survey responses; a person's repeated answers for one "
                "procedure within the repeat period count once (the latest); unfinished "
                "responses are excluded"
            ),
        ),
        (
            _("satisfied"),
            _("responses whose rating is one of the survey's satisfied answers (the top two)"),
        ),
        (_("rate"), _("satisfied / responses")),
        (_("95% low"), _("lower bound of the 95% Wilson score interval")),
        (_("95% high"), _("upper bound of the 95% Wilson score interval")),
        (
            _("status"),
            _(
                "below target: the whole interval is under the target; at risk: the "
                "interval contains the target; meets target: the whole interval is at "
                "or above it"
            ),
        ),
        (_("target"), target_text(report.target)),
        (
            _("funnel"),
            _(
                "people per stage, each counted at the furthest stage reached in the "
                "month: reached (any contact), engaged (opened a guide, searched, "
                "started a survey), guided (finished a guide, viewed a procedure, got "
                "an answer), surveyed, satisfied"
            ),
        ),
        (_("generated"), _("{moment} (Vietnam time)").format(moment=moment(report.generated_at))),
        (_("scope"), report.scope or _("all places")),
        (_("privacy"), _("aggregates only; no names or platform ids")),
        *(
            [(_("demo data"), _("these figures include synthetic demo data (dvcbot demo seed)"))]
            if report.demo
            else []
        ),
        (
            _("respondent"),
            _("a pseudonymous id: a keyed hash of the person, meaningless without the secret"),
        ),
    ]
    return Table(_("Definitions"), (Column(_("term")), Column(_("meaning"))), rows)


def workbook_tables(report: MonthlyReport) -> list[Table]:
    """The XLSX sheets: overall, a sheet per breakdown, funnel, gaps, definitions."""
    rows = [(month, *_rate_cells(rate)) for month, rate in report.months]
    if len(rows) > 1:  # several months: each, then the whole period
        rows.append(
            (_("total {period}").format(period=report.month), *_rate_cells(report.overall.rate))
        )
    overall = Table(_("Overall"), (Column(_("month")), *rate_columns()), rows)
    return [
        overall,
        *(breakdown_table(report, keys, rows) for keys, rows in report.breakdowns),
        funnel_table(report),
        gaps_table(report),
        definitions_table(report),
    ]


def as_json(report: MonthlyReport) -> dict[str, Any]:
    def rate(r: stats.Rate) -> dict[str, Any]:
        return {
            "responses": r.responses,
            "satisfied": r.satisfied,
            "rate": r.rate,
            "low": r.low,
            "high": r.high,
            "status": r.status,
        }

    return {
        "month": report.last,
        "first_month": report.first,
        "target": report.target,
        "generated_at": report.generated_at,
        "overall": rate(report.overall.rate),
        "breakdowns": [
            {"by": list(keys), "rows": [{"keys": row.keys, **rate(row.rate)} for row in rows]}
            for keys, rows in report.breakdowns
        ],
        "funnel": [
            {
                "keys": r.keys,
                "reached": r.reached,
                "engaged": r.engaged,
                "guided": r.guided,
                "surveyed": r.surveyed,
                "satisfied": r.satisfied,
            }
            for r in report.funnel
        ],
        "unanswered": [
            {
                "query": g.query,
                "count": g.count,
                "first_seen": g.first_seen,
                "last_seen": g.last_seen,
            }
            for g in report.gaps
        ],
    }
