"""/thongke (figures in the chat, with a chart) and /dashboard (a one-time dashboard link)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from babel.numbers import format_decimal, format_percent

from handlers import places, ticket_figures
from handlers.context import Context
from handlers.routing import Router
from handlers.types import Attachment, Incoming, Reply
from storage import dashboard, stats
from storage.access import Scope, figures_scope, officer_scope

router = Router("figures")

TREND_MONTHS = 6
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$|^(\d{1,2})/(\d{4})$")
CODE = re.compile(r"^\d{1,16}$")
WORST = 5
GAPS = 5


def target(ctx: Context) -> float:
    return float(ctx.settings.get("satisfaction_target") or stats.DEFAULT_TARGET)


def commune_name(code: str | None) -> str:
    found = places.commune(code) if code else None
    return found.name if found else (code or "?")


def scope_name(ctx: Context, scope: Scope, commune: str | None) -> str:
    if commune or scope.commune:
        return commune_name(commune or scope.commune)
    found = places.province(scope.province) if scope.province else None
    return found.name if found else (scope.province or ctx.t("figures.everywhere"))


def pct(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%", locale="vi_VN")


def num(value: int) -> str:
    return format_decimal(value, locale="vi_VN")


def parse_args(text: str) -> tuple[str | None, str | None, bool]:
    """(month 'YYYY-MM', commune code, ok) from '/thongke 2026-11 18115' (either order)."""
    month = commune = None
    for word in text.split():
        if found := MONTH.match(word):
            year, number = (found[1], found[2]) if found[1] else (found[4], found[3])
            month = f"{int(year):04d}-{int(number):02d}"
            if not 1 <= int(number) <= 12 or not stats.valid_month(month):
                return None, None, False
        elif CODE.match(word):
            commune = word
        else:
            return None, None, False
    return month, commune, True


@router.command("thongke")
async def show_figures(msg: Incoming, ctx: Context) -> list[Reply]:
    """/thongke [YYYY-MM] [commune]: the month's satisfaction, weak communes, reach and gaps."""
    scope = await figures_scope(ctx.session, ctx.contact)
    if scope is None:
        return [Reply(text=ctx.t("figures.not_allowed"), topic="figures:refused")]
    month, commune, ok = parse_args(msg.args)
    if not ok:
        return [Reply(text=ctx.t("figures.usage"), topic="figures:usage")]
    if commune and scope.commune and commune != scope.commune:
        return [Reply(text=ctx.t("figures.other_commune"), topic="figures:refused")]
    month = month or stats.month_of(ctx.now)
    start, end = stats.month_range(month)
    filters = scope.filters(commune)
    rows = await stats.satisfaction(
        ctx.session, start=start, end=end, target=target(ctx), filters=filters
    )
    overall = rows[0].rate
    lines = [
        ctx.t(
            "figures.title",
            month=month[5:] + "/" + month[:4],
            place=scope_name(ctx, scope, commune),
        )
    ]
    if overall.rate is None:
        lines.append(ctx.t("figures.no_answers"))
    else:
        lines.append(
            ctx.t(
                "figures.satisfaction",
                rate=pct(overall.rate),
                low=pct(overall.low),
                high=pct(overall.high),
                n=num(overall.responses),
                target=pct(target(ctx)),
                verdict=ctx.t(f"figures.status_{overall.status}"),
            )
        )
    if not (commune or scope.commune):
        lines.extend(await weak_communes(ctx, start, end, filters))
    lines.extend(await reach(ctx, start, end, filters))
    lines.extend(await ticket_figures.chat_lines(ctx, scope, start, end, commune))
    gaps = await stats.unanswered(ctx.session, start=start, end=end, limit=GAPS, filters=filters)
    if gaps:
        lines.append(ctx.t("figures.gaps_title"))
        lines.extend(f"• {g.query} ({num(g.count)})" for g in gaps)
    image = await chart(ctx, month, start, end, filters)
    return [Reply(text="\n".join(lines), image=image, topic=f"figures:{month}")]


async def weak_communes(
    ctx: Context, start: datetime, end: datetime, filters: dict[str, str]
) -> list[str]:
    rows = await stats.satisfaction(
        ctx.session, start=start, end=end, by=("commune",), target=target(ctx), filters=filters
    )
    weak = [r for r in rows if r.rate.status in ("below", "at_risk")]
    weak.sort(key=lambda r: (r.rate.status != "below", r.rate.high or 0.0, r.rate.rate or 0.0))
    if not weak:
        return [ctx.t("figures.no_weak")] if rows else []
    out = [ctx.t("figures.weak_title")]
    for row in weak[:WORST]:
        out.append(
            ctx.t(
                "figures.weak_line",
                commune=commune_name(row.keys["commune"]),
                rate=pct(row.rate.rate),
                low=pct(row.rate.low),
                high=pct(row.rate.high),
                n=num(row.rate.responses),
                verdict=ctx.t(f"figures.status_{row.rate.status}"),
            )
        )
    return out


async def reach(ctx: Context, start: datetime, end: datetime, filters: dict[str, str]) -> list[str]:
    row = (await stats.funnel(ctx.session, start=start, end=end, filters=filters))[0]
    return [
        ctx.t(
            "figures.funnel",
            reached=num(row.reached),
            engaged=num(row.engaged),
            guided=num(row.guided),
            surveyed=num(row.surveyed),
            satisfied=num(row.satisfied),
        )
    ]


async def chart(
    ctx: Context, month: str, start: datetime, end: datetime, filters: dict[str, str]
) -> Attachment | None:
    render = ctx.services.get("charts")
    if render is None:
        return None
    months = [stats.shift_month(month, -back) for back in range(TREND_MONTHS - 1, -1, -1)]
    first, _ = stats.month_range(months[0])
    rows = await stats.satisfaction(
        ctx.session, start=first, end=end, by=("month",), target=target(ctx), filters=filters
    )
    found = {r.keys["month"]: r.rate for r in rows}
    rates = [found.get(m, stats.Rate.of(0, 0, target(ctx))) for m in months]
    weeks, reached = [], []
    week_start = start
    while week_start < end:
        week_end = min(week_start + timedelta(days=7), end)
        row = (await stats.funnel(ctx.session, start=week_start, end=week_end, filters=filters))[0]
        local = week_start.astimezone(stats.VN_TZ)
        weeks.append(f"{local.day:02d}/{local.month:02d}")
        reached.append(row.reached)
        week_start = week_end
    data = render(
        "figures",
        months=months,
        rates=rates,
        target=target(ctx),
        weeks=weeks,
        reached=reached,
        titles=(
            ctx.t("figures.chart_satisfaction"),
            ctx.t("figures.chart_target"),
            ctx.t("figures.chart_reach"),
        ),
    )
    return Attachment(f"thongke-{month}.png", data, "image/png")


@router.command("dashboard", "bangdieukhien")
async def dashboard_link(msg: Incoming, ctx: Context) -> list[Reply]:
    """/dashboard: a one-time sign-in link to the web dashboard, for officers and admins."""
    scope: Scope | None = await officer_scope(ctx.session, ctx.contact.id)
    if scope is None:
        return [Reply(text=ctx.t("figures.not_officer"), topic="dashboard:refused")]
    url = await dashboard.issue_link(
        ctx.session,
        ctx.contact.id,
        secret=str(ctx.services["secret"]),
        base_url=str(ctx.services.get("base_url") or "http://127.0.0.1:8080"),
        now=ctx.now,
    )
    return [Reply(text=ctx.t("figures.dashboard_link", url=url), topic="dashboard:link")]
