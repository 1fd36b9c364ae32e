"""The officers' figures as tables, built on the statistics service and limited to a scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _
from bot.reports.labels import (
    Names,
    key_label,
    key_title,
    month_label,
    natural,
    status_text,
    target_text,
)
from bot.reports.query import Query
from bot.reports.tables import Column, Table
from storage import stats
from storage.access import Scope
from storage.clock import vietnam_date


def status_label(status: str) -> str:
    """The words for a rate's status; the monthly report says them the same way."""
    return status_text(status)


def rate_columns(target: float) -> tuple[Column, ...]:
    return (
        Column(key="responses", label=_("responses"), kind="int"),
        Column(key="satisfied", label=_("satisfied"), kind="int"),
        Column(key="rate", label=_("satisfaction rate"), kind="percent"),
        Column(key="low", label=_("95% interval, low"), kind="percent"),
        Column(key="high", label=_("95% interval, high"), kind="percent"),
        Column(
            key="status",
            label=_("against the target ({target})").format(target=target_text(target)),
        ),
    )


def rate_values(rate: stats.Rate) -> dict[str, Any]:
    return {
        "responses": rate.responses,
        "satisfied": rate.satisfied,
        "rate": rate.rate,
        "low": rate.low,
        "high": rate.high,
        "status": status_label(rate.status),
        "_status": rate.status,
    }


def breakdowns() -> dict[str, str]:
    return {key: key_title(key) for key in ("month", "commune", "procedure", "channel", "team")}


async def satisfaction_table(
    session: AsyncSession, scope: Scope, query: Query, by: str, names: Names
) -> Table:
    rows = await stats.satisfaction(
        session,
        start=query.start,
        end=query.end,
        by=(by,),
        target=query.target,
        filters=query.filters(scope),
    )
    found = {row.keys[by]: row.rate for row in rows}
    if by == "month":  # every month of the span, "no data" where nobody answered
        keys: Sequence[str | None] = query.months
        found = {m: found.get(m, stats.Rate.of(0, 0, query.target)) for m in query.months}
    else:  # by name, numbers in names in their natural order ("Tổ 2" before "Tổ 10")
        keys = sorted(found, key=lambda k: (k is None, natural(key_label(by, k, names))))
    table_rows = []
    for key in keys:
        values = {"key": key or "", "label": key_label(by, key, names)}
        values.update(rate_values(found[key]))
        table_rows.append(values)
    columns = (Column(key="label", label=breakdowns()[by]), *rate_columns(query.target))
    if by in ("commune", "team", "procedure"):
        columns = (Column(key="key", label=_("code")), *columns)
    return Table(
        _("Satisfaction by {breakdown}").format(breakdown=breakdowns()[by]),
        columns,
        table_rows,
        name=f"satisfaction_by_{by}",
    )


async def satisfaction_tables(
    session: AsyncSession, scope: Scope, query: Query, names: Names
) -> list[Table]:
    return [
        await satisfaction_table(session, scope, query, by, names)
        for by in ("month", "commune", "procedure", "channel", "team")
    ]


async def overall_rate(session: AsyncSession, scope: Scope, query: Query) -> stats.Rate:
    rows = await stats.satisfaction(
        session, start=query.start, end=query.end, target=query.target, filters=query.filters(scope)
    )
    return rows[0].rate


def targets_table(rate: stats.Rate, month: str, target: float) -> Table:
    """Every figure the plans judge officers by; dvcbot measures only the first."""
    not_measured = _(
        "not measured by dvcbot: it comes from the one-stop system and the national portal"
    )
    rows: list[dict[str, Any]] = [
        {
            "figure": _("satisfaction rate"),
            "definition": _("satisfied responses (the two top answers) / all responses"),
            "target": f"≥ {target_text(target)}",
            **rate_values(rate),
            "source": _("dvcbot surveys, {month}").format(month=month_label(month)),
        }
    ]
    for figure, definition, goal in (
        (
            _("full-process online rate"),
            _("full-process online dossiers / all dossiers"),
            _("≥ 70% overall; > 95% of eligible"),
        ),
        (_("online payment rate"), _("online payments / payment transactions"), "≥ 70%"),
        (
            _("digital signature adoption"),
            _("adults with a digital signature / adults"),
            "≥ 60%",
        ),
    ):
        rows.append(
            {
                "figure": figure,
                "definition": definition,
                "target": goal,
                "status": status_label("no_data"),
                "_status": "no_data",
                "source": not_measured,
            }
        )
    columns = (
        Column(key="figure", label=_("figure")),
        Column(key="definition", label=_("definition")),
        Column(key="target", label=_("target")),
        *rate_columns(target),
        Column(key="source", label=_("source")),
    )
    return Table(_("Targets of the plans"), columns, rows, name="targets")


def funnel_columns() -> tuple[Column, ...]:
    return (
        Column(key="reached", label=_("reached"), kind="int"),
        Column(key="engaged", label=_("engaged"), kind="int"),
        Column(key="guided", label=_("guided"), kind="int"),
        Column(key="surveyed", label=_("surveyed"), kind="int"),
        Column(key="satisfied", label=_("satisfied"), kind="int"),
    )


async def funnel_table(
    session: AsyncSession, scope: Scope, query: Query, by: str, names: Names
) -> Table:
    rows = await stats.funnel(
        session,
        start=query.start,
        end=query.end,
        by=(by,) if by else (),
        filters=query.filters(scope),
    )
    table_rows = []
    for row in rows:
        values: dict[str, Any] = {
            "key": row.keys.get(by) or "" if by else "",
            "label": key_label(by, row.keys.get(by), names) if by else _("all"),
            "reached": row.reached,
            "engaged": row.engaged,
            "guided": row.guided,
            "surveyed": row.surveyed,
            "satisfied": row.satisfied,
        }
        table_rows.append(values)
    if by:
        table_rows.sort(key=lambda r: (r["key"] == "", natural(r["label"])))
    label = breakdowns().get(by, _("all"))
    return Table(
        _("People reached, by {breakdown}").format(breakdown=label) if by else _("Funnel"),
        (Column(label, key="label"), *funnel_columns()),
        table_rows,
        note=_(
            "People counted once at the furthest step: reached (wrote to the bot), engaged "
            "(opened a guide or asked), guided (finished a guide or found an answer), surveyed, "
            "satisfied."
        ),
        name=f"funnel_by_{by}" if by else "funnel",
    )


async def gaps_table(session: AsyncSession, scope: Scope, query: Query, limit: int = 50) -> Table:
    gaps = await stats.unanswered(
        session, start=query.start, end=query.end, limit=limit, filters=query.filters(scope)
    )
    # To the day (Vietnam time): the minute a one-off question was asked could name its author.
    rows = [
        {
            "query": g.query,
            "count": g.count,
            "first_seen": vietnam_date(g.first_seen),
            "last_seen": vietnam_date(g.last_seen),
        }
        for g in gaps
    ]
    columns = (
        Column(key="query", label=_("question (normalised)")),
        Column(key="count", label=_("times asked"), kind="int"),
        Column(key="first_seen", label=_("first asked"), kind="date"),
        Column(key="last_seen", label=_("last asked"), kind="date"),
    )
    return Table(
        _("Questions with no answer"),
        columns,
        rows,
        note=_("What content to write next: the most asked questions the bot could not answer."),
        name="content_gaps",
    )
