"""Dashboard pages and downloads; every view runs behind `officers_only` and in its scope."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Awaitable
from typing import Any, Protocol

import aiohttp_jinja2
from aiohttp import web

from bot.config import Settings
from bot.dashboard.auth import VIEWER, Viewer, login, login_page, logout, officers_only, refused
from bot.handoff import figures as handoff_figures
from bot.i18n import _
from bot.reports import fieldwork, figures, monthly, writers
from bot.reports import query as queries
from bot.reports.labels import (
    Names,
    commune_name,
    communes_of,
    month_label,
    period_label,
    province_name,
    scope_label,
)
from bot.reports.responses import responses_table
from bot.reports.tables import Table, find
from bot.web import templating
from bot.web.keys import RUNTIME
from bot.web.plugins import Plugin
from storage import demo, roles, stats, teams

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SORT = re.compile(r"^[a-z_]{1,40}$")


class Builder(Protocol):
    """What fills a page: the template's context; its chart only when `charts` (the CSV
    downloads build every page for its tables alone)."""

    def __call__(
        self, session: Any, viewer: Viewer, query: queries.Query, names: Names, *, charts: bool
    ) -> Awaitable[dict[str, Any]]: ...


def nav() -> list[tuple[str, str]]:
    return [
        ("dashboard", _("Overview")),
        ("dashboard_satisfaction", _("Satisfaction")),
        ("dashboard_outreach", _("Outreach")),
        ("dashboard_gaps", _("Content gaps")),
        ("dashboard_broadcasts", _("Broadcasts")),
        ("dashboard_hoidap", _("Questions to officers")),  # bot/dashboard/inbox.py
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


async def _page(
    request: web.Request, template: str, build: Builder, page: str
) -> web.StreamResponse:
    viewer: Viewer = request[VIEWER]
    runtime = request.app[RUNTIME]
    try:
        query = parse(request)
    except ValueError as error:
        return refused(request, str(error), 400)
    async with runtime.sessions() as session:
        names = await names_of(request, session)
        context = await build(session, viewer, query, names, charts=True)
        demo_shown = await demo.present(session)
    tables = sorted_tables(request, context.get("tables", []))
    context.update(
        tables=tables,
        viewer=viewer,
        query=query,
        params=query.params(),
        page=page,
        nav=nav(),
        scope_label=scope_label(viewer.scope),
        province_label=province_name(viewer.scope.province) if viewer.scope.province else "",
        communes=place_choices(viewer),
        channels=queries.CHANNELS,
        sort=request.query.get("sort", ""),
        desc=request.query.get("desc") == "1",
        demo=demo_shown,
        period_label=period_label(query.first, query.last),
    )
    return aiohttp_jinja2.render_template(template, request, context)


async def names_of(request: web.Request, session: Any) -> Names:
    """What codes stand for on the pages: teams, procedures and guides by name."""
    return Names.of(request.app[RUNTIME].content, await teams.names(session))


async def _overview(
    session: Any, viewer: Viewer, query: queries.Query, names: Names, *, charts: bool
) -> dict[str, Any]:
    month = query.month_only(query.last)
    rate = await figures.overall_rate(session, viewer.scope, month)
    trend = await figures.satisfaction_table(session, viewer.scope, query, "month", names)
    funnel = await figures.funnel_table(session, viewer.scope, month, "", names)
    return {
        "rate": rate,
        "month_label": month_label(query.last),
        "target": query.target,
        "tables": [figures.targets_table(rate, query.last, query.target), trend, funnel],
        "chart": svg_data(trend_chart(trend, query)) if charts else None,
    }


def trend_chart(trend: Table, query: queries.Query) -> bytes:
    from bot.reports import charts  # matplotlib loads with the first chart, not at start-up

    rates = [
        stats.Rate(r["responses"], r["satisfied"], r["rate"], r["low"], r["high"], r["_status"])
        for r in trend.rows
    ]
    return charts.satisfaction_trend(
        query.months,
        rates,
        target=query.target,
        title=_("Satisfaction by month, with 95% interval"),
        target_label=_("target {target}").format(target=queries.target_text(query.target)),
    )


async def _satisfaction(
    session: Any, viewer: Viewer, query: queries.Query, names: Names, *, charts: bool
) -> dict[str, Any]:
    tables = await figures.satisfaction_tables(session, viewer.scope, query, names)
    return {"tables": tables, "chart": svg_data(trend_chart(tables[0], query)) if charts else None}


def funnel_chart(total: Table) -> bytes:
    from bot.reports import charts  # matplotlib loads with the first chart, not at start-up

    steps = [c for c in total.columns if c.kind == "int"]
    values = [int(total.rows[0][c.key]) if total.rows else 0 for c in steps]
    return charts.bars([c.label for c in steps], values, title=_("Funnel"))


async def _outreach(
    session: Any, viewer: Viewer, query: queries.Query, names: Names, *, charts: bool
) -> dict[str, Any]:
    total = await figures.funnel_table(session, viewer.scope, query, "", names)
    by_commune = await figures.funnel_table(session, viewer.scope, query, "commune", names)
    by_team = await figures.funnel_table(session, viewer.scope, query, "team", names)
    work = [
        await fieldwork.sessions_table(session, viewer.scope, query, by, names)
        for by in ("commune", "team")
    ]
    return {
        "tables": [total, by_commune, by_team, *work],
        "chart": svg_data(funnel_chart(total)) if charts else None,
    }


async def _broadcasts(
    session: Any, viewer: Viewer, query: queries.Query, names: Names, *, charts: bool
) -> dict[str, Any]:
    return {"tables": [await fieldwork.broadcasts_table(session, viewer.scope, query, names)]}


async def _gaps(
    session: Any, viewer: Viewer, query: queries.Query, names: Names, *, charts: bool
) -> dict[str, Any]:
    return {"tables": [await figures.gaps_table(session, viewer.scope, query)]}


# The pages: address, template, what fills it, and the route name (which `nav` uses).
PAGES: tuple[tuple[str, str, Builder, str], ...] = (
    ("/dashboard", "dashboard/overview.html", _overview, "dashboard"),
    ("/dashboard/satisfaction", "dashboard/tables.html", _satisfaction, "dashboard_satisfaction"),
    ("/dashboard/outreach", "dashboard/tables.html", _outreach, "dashboard_outreach"),
    ("/dashboard/gaps", "dashboard/tables.html", _gaps, "dashboard_gaps"),
    ("/dashboard/broadcasts", "dashboard/tables.html", _broadcasts, "dashboard_broadcasts"),
    (
        "/dashboard/hoidap/so-lieu",
        "dashboard/tables.html",
        handoff_figures.build,
        "dashboard_hoidap_figures",
    ),
)


def page_view(template: str, build: Builder, name: str) -> Any:
    async def view(request: web.Request) -> web.StreamResponse:
        return await _page(request, template, build, name)

    return officers_only(view)


async def _audit_export(request: web.Request, what: str, query: queries.Query) -> None:
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
                "scope": scope_label(viewer.scope),
            },
        )


def _download(body: bytes, filename: str, content_type: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def parse(request: web.Request) -> queries.Query:
    target = request.app[RUNTIME].settings.satisfaction_target
    return queries.parse_query(request.query, request.app[RUNTIME].clock.now(), target)


async def page_tables(
    session: Any, viewer: Viewer, query: queries.Query, names: Names
) -> list[Table]:
    """Every table any dashboard page shows, for the CSV downloads."""
    out: list[Table] = []
    for _path, _template, build, _name in PAGES:
        built = await build(session, viewer, query, names, charts=False)
        for table in built.get("tables", []):
            if find(out, table.name) is None:
                out.append(table)
    return out


@officers_only
async def export_csv(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/export/<table>.csv: any dashboard table, in the viewer's scope."""
    viewer: Viewer = request[VIEWER]
    try:
        query = parse(request)
    except ValueError as error:
        return refused(request, str(error), 400)
    name = request.match_info["name"]
    async with request.app[RUNTIME].sessions() as session:
        names = await names_of(request, session)
        table = find(await page_tables(session, viewer, query, names), name)
    if table is None:
        raise web.HTTPNotFound()
    await _audit_export(request, f"csv:{name}", query)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a BOM, so spreadsheet programs read the Vietnamese right
    writers.write_csv(table, buffer)
    filename = f"dvcbot-{name}-{query.first}-{query.last}.csv"
    return _download(buffer.getvalue().encode(), filename, "text/csv")


@officers_only
async def export_xlsx(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/export/report.xlsx: the report of the months the filters show (each month,
    then the period), in the viewer's scope; the workbook `dvcbot report --format xlsx` writes."""
    viewer: Viewer = request[VIEWER]
    try:
        query = parse(request)
    except ValueError as error:
        return refused(request, str(error), 400)
    async with request.app[RUNTIME].sessions() as session:
        report = await monthly.build(
            session,
            query.last,
            first=query.first,
            names=await names_of(request, session),
            demo=await demo.present(session),
            target=query.target,
            breakdowns=monthly.WORKBOOK_BREAKDOWNS,
            filters=query.filters(viewer.scope),
            scope=scope_label(viewer.scope, query.commune),
            now=request.app[RUNTIME].clock.now(),
        )
        start, end = query.start, query.end
        runtime = request.app[RUNTIME]
        rows = await responses_table(
            session,
            start=start,
            end=end,
            secret=runtime.secret,
            catalogue=runtime.content.extra.get("surveys"),
            filters=query.filters(viewer.scope),
        )
    await _audit_export(request, "xlsx:report", query)
    sheets = monthly.workbook_tables(report)
    sheets.insert(-1, rows)  # before the definitions, as `dvcbot report --format xlsx` does
    async with request.app[RUNTIME].sessions() as session:
        handoff = await handoff_figures.handoff_table(
            session, viewer.scope, start, end, query.commune
        )
    sheets.insert(-1, handoff)
    period = query.last if query.first == query.last else f"{query.first}-{query.last}"
    filename = f"dvcbot-report-{period}.xlsx"
    return _download(writers.xlsx_bytes(sheets), filename, XLSX_TYPE)


def setup(app: web.Application, settings: Settings) -> None:
    templating.setup(app, settings)
    app.router.add_get("/dashboard/login", login_page, name="dashboard_login")
    app.router.add_post("/dashboard/login", login, name="dashboard_login_post")
    app.router.add_post("/dashboard/logout", officers_only(logout), name="dashboard_logout")
    for path, template, build, name in PAGES:
        app.router.add_get(path, page_view(template, build, name), name=name)
    app.router.add_get("/dashboard/export/report.xlsx", export_xlsx, name="dashboard_xlsx")
    app.router.add_get(r"/dashboard/export/{name:[a-z_]+}.csv", export_csv, name="dashboard_csv")


def describe(settings: Settings) -> str:
    return _(
        "dashboard: {url}/dashboard (sign in with /dashboard in the bot or `dvcbot dashboard link`)"
    ).format(url=settings.base_url)


def plugin() -> Plugin:
    return Plugin("dashboard", enabled=lambda settings: True, setup=setup, describe=describe)
