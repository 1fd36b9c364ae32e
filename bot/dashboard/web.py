"""Dashboard pages and downloads; every view runs behind `officers_only` and in its scope."""

from __future__ import annotations

import base64
import re
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.config import Settings
from bot.dashboard import charts, figures
from bot.dashboard.auth import VIEWER, Viewer, login, login_page, logout, officers_only, refused
from bot.dashboard.places import commune_name, communes_of, province_name
from bot.i18n import _
from bot.reports import monthly, writer
from bot.reports.tables import Table, find
from bot.web import templating
from bot.web.keys import RUNTIME
from bot.web.plugins import Plugin
from storage import roles
from storage.models import utcnow

PAGES = ("overview", "satisfaction", "outreach", "gaps")
SORT = re.compile(r"^[a-z_]{1,40}$")


def nav() -> list[tuple[str, str]]:
    return [
        ("dashboard", _("Overview")),
        ("dashboard_satisfaction", _("Satisfaction")),
        ("dashboard_outreach", _("Outreach")),
        ("dashboard_gaps", _("Content gaps")),
    ]


def svg_data(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def sorted_tables(request: web.Request, tables: list[Table]) -> list[Table]:
    """Apply ?sort=<table>.<column>[&desc=1] to the named table."""
    wanted = request.query.get("sort", "")
    table_name, _sep, column = wanted.partition(".")
    if not (SORT.match(table_name or "-") and SORT.match(column or "-")):
        return tables
    descending = request.query.get("desc") == "1"
    return [t.sorted_by(column, descending) if t.name == table_name else t for t in tables]


def place_choices(viewer: Viewer) -> list[tuple[str, str]]:
    if viewer.scope.commune:
        return [(viewer.scope.commune, commune_name(viewer.scope.commune))]
    if viewer.scope.province:
        return communes_of(viewer.scope.province)
    return []


async def _page(request: web.Request, template: str, build: Any, page: str) -> web.StreamResponse:
    viewer: Viewer = request[VIEWER]
    try:
        query = figures.parse_query(request.query, utcnow())
    except ValueError as error:
        return refused(request, str(error), 400)
    runtime = request.app[RUNTIME]
    async with runtime.sessions() as session:
        context = await build(session, viewer, query)
    tables = sorted_tables(request, context.get("tables", []))
    context.update(
        tables=tables,
        viewer=viewer,
        query=query,
        params=query.params(),
        page=page,
        nav=nav(),
        scope_label=monthly.scope_label(viewer.scope),
        province_label=province_name(viewer.scope.province) if viewer.scope.province else "",
        communes=place_choices(viewer),
        channels=figures.CHANNELS,
        sort=request.query.get("sort", ""),
        desc=request.query.get("desc") == "1",
    )
    return aiohttp_jinja2.render_template(template, request, context)


async def _overview(session: Any, viewer: Viewer, query: figures.Query) -> dict[str, Any]:
    month = query.month_only(query.last)
    rate = await figures.overall_rate(session, viewer.scope, month)
    trend = await figures.satisfaction_table(session, viewer.scope, query, "month", {})
    funnel = await figures.funnel_table(session, viewer.scope, month, "", {})
    return {
        "rate": rate,
        "month": query.last,
        "target": figures.TARGET,
        "tables": [figures.targets_table(rate, query.last), trend, funnel],
        "chart": svg_data(trend_chart(trend, query)),
    }


def trend_chart(trend: Table, query: figures.Query) -> bytes:
    from storage.stats import Rate

    rates = [
        Rate(r["responses"], r["satisfied"], r["rate"], r["low"], r["high"], r["_status"])
        for r in trend.rows
    ]
    return charts.satisfaction_trend(
        query.months,
        rates,
        target=figures.TARGET,
        title=_("Satisfaction by month, with 95% interval"),
        target_label=_("target 95%"),
    )


async def _satisfaction(session: Any, viewer: Viewer, query: figures.Query) -> dict[str, Any]:
    tables = await figures.satisfaction_tables(session, viewer.scope, query)
    return {"tables": tables, "chart": svg_data(trend_chart(tables[0], query))}


async def _outreach(session: Any, viewer: Viewer, query: figures.Query) -> dict[str, Any]:
    teams = await figures.team_names(session)
    total = await figures.funnel_table(session, viewer.scope, query, "", teams)
    by_commune = await figures.funnel_table(session, viewer.scope, query, "commune", teams)
    by_team = await figures.funnel_table(session, viewer.scope, query, "team", teams)
    steps = [c for c in total.columns if c.kind == "int"]
    values = [int(total.rows[0][c.key]) if total.rows else 0 for c in steps]
    chart = charts.bars([c.label for c in steps], values, title=_("Funnel"))
    return {"tables": [total, by_commune, by_team], "chart": svg_data(chart)}


async def _gaps(session: Any, viewer: Viewer, query: figures.Query) -> dict[str, Any]:
    return {"tables": [await figures.gaps_table(session, viewer.scope, query)]}


@officers_only
async def overview(request: web.Request) -> web.StreamResponse:
    return await _page(request, "dashboard/overview.html", _overview, "dashboard")


@officers_only
async def satisfaction(request: web.Request) -> web.StreamResponse:
    return await _page(request, "dashboard/tables.html", _satisfaction, "dashboard_satisfaction")


@officers_only
async def outreach(request: web.Request) -> web.StreamResponse:
    return await _page(request, "dashboard/tables.html", _outreach, "dashboard_outreach")


@officers_only
async def gaps(request: web.Request) -> web.StreamResponse:
    return await _page(request, "dashboard/tables.html", _gaps, "dashboard_gaps")


async def _audit_export(request: web.Request, what: str, query: figures.Query) -> None:
    viewer: Viewer = request[VIEWER]
    async with request.app[RUNTIME].sessions() as session, session.begin():
        await roles.audit(
            session,
            viewer.actor,
            "dashboard.export",
            what,
            {
                "period": [query.first, query.last],
                "commune": query.commune,
                "channel": query.channel,
                "scope": monthly.scope_label(viewer.scope),
            },
        )


def _download(body: bytes, filename: str, content_type: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@officers_only
async def export_csv(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/export/<table>.csv: any dashboard table, in the viewer's scope."""
    viewer: Viewer = request[VIEWER]
    try:
        query = figures.parse_query(request.query, utcnow())
    except ValueError as error:
        return refused(request, str(error), 400)
    name = request.match_info["name"]
    async with request.app[RUNTIME].sessions() as session:
        tables = await monthly.report_tables(session, viewer.scope, query)
        if find(tables, "funnel") is None:
            tables.append(await figures.funnel_table(session, viewer.scope, query, "", {}))
    table = find(tables, name)
    if table is None:
        raise web.HTTPNotFound()
    await _audit_export(request, f"csv:{name}", query)
    filename = f"dvcbot-{name}-{query.first}-{query.last}.csv"
    return _download(writer.csv_bytes(table), filename, "text/csv")


@officers_only
async def export_xlsx(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/export/report.xlsx: the monthly report, same file as `dvcbot report`."""
    viewer: Viewer = request[VIEWER]
    try:
        query = figures.parse_query(request.query, utcnow())
    except ValueError as error:
        return refused(request, str(error), 400)
    async with request.app[RUNTIME].sessions() as session:
        body = await monthly.workbook(session, viewer.scope, query, utcnow())
    await _audit_export(request, "xlsx:report", query)
    filename = f"dvcbot-report-{query.first}-{query.last}.xlsx"
    return _download(body, filename, monthly.XLSX_TYPE)


def setup(app: web.Application, settings: Settings) -> None:
    templating.setup(app, settings)
    app.router.add_get("/dashboard/login", login_page, name="dashboard_login")
    app.router.add_post("/dashboard/login", login, name="dashboard_login_post")
    app.router.add_post("/dashboard/logout", officers_only(logout), name="dashboard_logout")
    app.router.add_get("/dashboard", overview, name="dashboard")
    app.router.add_get("/dashboard/satisfaction", satisfaction, name="dashboard_satisfaction")
    app.router.add_get("/dashboard/outreach", outreach, name="dashboard_outreach")
    app.router.add_get("/dashboard/gaps", gaps, name="dashboard_gaps")
    app.router.add_get("/dashboard/export/report.xlsx", export_xlsx, name="dashboard_xlsx")
    app.router.add_get(r"/dashboard/export/{name:[a-z_]+}.csv", export_csv, name="dashboard_csv")


def describe(settings: Settings) -> str:
    return _(
        "dashboard: {url}/dashboard (sign in with /dashboard in the bot or `dvcbot dashboard link`)"
    ).format(url=settings.base_url)


def plugin() -> Plugin:
    return Plugin("dashboard", enabled=lambda settings: True, setup=setup, describe=describe)
