"""The monthly report officers send upward: every table for a period and scope, plus its key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.dashboard import figures
from bot.dashboard.places import commune_name, province_name
from bot.i18n import _
from bot.reports.tables import Table
from storage.access import Scope


def scope_label(scope: Scope) -> str:
    if scope.commune:
        return commune_name(scope.commune)
    if scope.province:
        return province_name(scope.province)
    return _("all places")


async def report_tables(session: AsyncSession, scope: Scope, query: figures.Query) -> list[Table]:
    teams = await figures.team_names(session)
    last = query.month_only(query.last)
    rate = await figures.overall_rate(session, scope, last)
    tables = [figures.targets_table(rate, query.last)]
    tables += await figures.satisfaction_tables(session, scope, query)
    tables.append(await figures.funnel_table(session, scope, query, "commune", teams))
    tables.append(await figures.funnel_table(session, scope, query, "team", teams))
    tables.append(await figures.gaps_table(session, scope, query))
    return tables


def about(scope: Scope, query: figures.Query, generated: datetime) -> list[tuple[str, str]]:
    """The first sheet: what the report covers and what each figure means."""
    rows = [
        (_("Report"), _("dvcbot monthly report")),
        (
            _("Period"),
            _("{first} to {last} (Vietnam time)").format(first=query.first, last=query.last),
        ),
        (_("Scope"), scope_label(scope)),
        (_("Commune filter"), commune_name(query.commune) if query.commune else _("none")),
        (_("Channel filter"), query.channel or _("none")),
        (_("Generated"), i18n.moment(generated)),
        (
            _("satisfaction rate"),
            _(
                "Satisfied responses (the two top answers) / all complete responses; each person "
                "counts once per procedure. Target ≥ 95%."
            ),
        ),
        (
            _("95% interval"),
            _(
                "Wilson score interval. 'Below target' means even the upper bound is under 95%; "
                "'at risk' means the interval contains 95%; few responses give a wide interval."
            ),
        ),
        (
            _("Funnel"),
            _(
                "People counted once at the furthest step: reached (wrote to the bot), engaged "
                "(opened a guide or asked), guided (finished a guide or found an answer), "
                "surveyed, satisfied."
            ),
        ),
        (
            _("Questions with no answer"),
            _("Questions the bot found no answer for, grouped by normalised text."),
        ),
        (
            _("Privacy"),
            _("Aggregates only: no names, chat ids or phone numbers appear in this report."),
        ),
    ]
    return rows


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def workbook(
    session: AsyncSession, scope: Scope, query: figures.Query, generated: datetime
) -> bytes:
    """The monthly report as an XLSX file (the dashboard's download and `dvcbot report`)."""
    from bot.reports import writer

    tables = await report_tables(session, scope, query)
    return writer.xlsx_bytes(
        tables, about=about(scope, query, generated), about_title=_("Definitions and period")
    )
