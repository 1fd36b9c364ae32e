"""The officers' figures as tables, built on the statistics service and limited to a scope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.places import commune_name, communes_of, province_name
from bot.dashboard.tables import Column, Table
from bot.i18n import _, percent
from bot.reports import monthly
from storage import reach, stats
from storage.access import Scope
from storage.models import Team

TARGET = 0.95  # satisfaction target (Hà Tĩnh 2025 plan; DESIGN.md)
MONTH_SPAN = 6  # months shown by default, ending with the current one
CHANNELS = ("telegram", "zalo", "web", "console", "demo")


def scope_label(scope: Scope, commune: str | None = None) -> str:
    """The place figures cover: a commune, a province or all places (reports say which)."""
    if scope.commune or commune:
        return commune_name(scope.commune or commune)
    if scope.province:
        return province_name(scope.province)
    return _("all places")


def status_label(status: str) -> str:
    """The words for a rate's status; the monthly report says them the same way."""
    return monthly.status_text(status)


def shift_month(month: str, delta: int) -> str:
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Query:
    """What the viewer asked for: a span of Vietnam months, optionally a commune and a channel."""

    first: str
    last: str
    commune: str | None = None
    channel: str | None = None
    target: float = TARGET

    @property
    def start(self) -> datetime:
        return stats.month_range(self.first)[0]

    @property
    def end(self) -> datetime:
        return stats.month_range(self.last)[1]

    @property
    def months(self) -> list[str]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = shift_month(month, 1)
        return out

    def month_only(self, month: str) -> Query:
        return replace(self, first=month, last=month)

    def filters(self, scope: Scope) -> dict[str, str]:
        out = scope.filters(self.commune)
        if self.channel:
            out["channel"] = self.channel
        return out

    def params(self) -> dict[str, str]:
        out = {"from": self.first, "to": self.last}
        if self.commune:
            out["commune"] = self.commune
        if self.channel:
            out["channel"] = self.channel
        return out


def parse_query(params: Mapping[str, str], now: datetime, target: float = TARGET) -> Query:
    """Query from URL parameters; ValueError naming the bad one."""
    last = params.get("to") or stats.month_of(now)
    first = params.get("from") or shift_month(last, -(MONTH_SPAN - 1))
    for month in (first, last):
        stats.month_range(month)  # raises ValueError for a malformed month
    if first > last:
        raise ValueError(_("The first month comes after the last one."))
    if shift_month(first, 35) < last:
        raise ValueError(_("Choose at most 36 months."))
    commune = params.get("commune") or None
    if commune is not None and not (commune.isdigit() and len(commune) <= 16):
        raise ValueError(_("Unknown commune code."))
    channel = params.get("channel") or None
    if channel is not None and channel not in CHANNELS:
        raise ValueError(_("Unknown channel."))
    return Query(first, last, commune, channel, target)


def target_text(target: float) -> str:
    """0.95 -> '95%', 0.925 -> '92,5%' (Vietnamese decimal comma)."""
    return percent(target, digits=0 if round(target * 100, 6).is_integer() else 1)


def rate_columns(target: float) -> tuple[Column, ...]:
    return (
        Column("responses", _("responses"), "int"),
        Column("satisfied", _("satisfied"), "int"),
        Column("rate", _("satisfaction rate"), "percent"),
        Column("low", _("95% interval, low"), "percent"),
        Column("high", _("95% interval, high"), "percent"),
        Column("status", _("against the target ({target})").format(target=target_text(target))),
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


async def team_names(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(select(Team.id, Team.name))
    return {str(team_id): name for team_id, name in rows.all()}


def key_label(key: str, value: str | None, teams: Mapping[str, str]) -> str:
    if value is None:
        return _("unknown")
    if key == "commune":
        return commune_name(value)
    if key == "province":
        return province_name(value)
    if key == "team":
        return teams.get(value, value)
    if key == "month":
        return month_label(value)
    return value


def month_label(month: str) -> str:
    """'2026-11' -> '11/2026', as Vietnamese reports write months."""
    return f"{month[5:]}/{month[:4]}"


def breakdowns() -> dict[str, str]:
    return {
        "month": _("month"),
        "commune": _("commune"),
        "procedure": _("procedure"),
        "channel": _("channel"),
        "team": _("team"),
    }


async def satisfaction_table(
    session: AsyncSession, scope: Scope, query: Query, by: str, teams: Mapping[str, str]
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
    else:
        keys = list(found)
    table_rows = []
    for key in keys:
        values = {"key": key or "", "label": key_label(by, key, teams)}
        values.update(rate_values(found[key]))
        table_rows.append(values)
    columns = (Column("label", breakdowns()[by]), *rate_columns(query.target))
    if by in ("commune", "team", "procedure"):
        columns = (Column("key", _("code")), *columns)
    return Table(
        f"satisfaction_by_{by}",
        _("Satisfaction by {breakdown}").format(breakdown=breakdowns()[by]),
        columns,
        table_rows,
    )


async def satisfaction_tables(session: AsyncSession, scope: Scope, query: Query) -> list[Table]:
    teams = await team_names(session)
    return [
        await satisfaction_table(session, scope, query, by, teams)
        for by in ("month", "commune", "procedure", "channel", "team")
    ]


async def overall_rate(session: AsyncSession, scope: Scope, query: Query) -> stats.Rate:
    rows = await stats.satisfaction(
        session, start=query.start, end=query.end, target=query.target, filters=query.filters(scope)
    )
    return rows[0].rate


def targets_table(rate: stats.Rate, month: str, target: float = TARGET) -> Table:
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
            "source": _("dvcbot surveys, {month}").format(month=month),
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
        Column("figure", _("figure")),
        Column("definition", _("definition")),
        Column("target", _("target")),
        *rate_columns(target),
        Column("source", _("source")),
    )
    return Table("targets", _("Targets of the plans"), columns, rows)


def funnel_columns() -> tuple[Column, ...]:
    return (
        Column("reached", _("reached"), "int"),
        Column("engaged", _("engaged"), "int"),
        Column("guided", _("guided"), "int"),
        Column("surveyed", _("surveyed"), "int"),
        Column("satisfied", _("satisfied"), "int"),
    )


async def funnel_table(
    session: AsyncSession, scope: Scope, query: Query, by: str, teams: Mapping[str, str]
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
            "label": key_label(by, row.keys.get(by), teams) if by else _("all"),
            "reached": row.reached,
            "engaged": row.engaged,
            "guided": row.guided,
            "surveyed": row.surveyed,
            "satisfied": row.satisfied,
        }
        table_rows.append(values)
    label = breakdowns().get(by, _("all"))
    return Table(
        f"funnel_by_{by}" if by else "funnel",
        _("People reached, by {breakdown}").format(breakdown=label) if by else _("Funnel"),
        (Column("label", label), *funnel_columns()),
        table_rows,
        note=_(
            "People counted once at the furthest step: reached (wrote to the bot), engaged "
            "(opened a guide or asked), guided (finished a guide or found an answer), surveyed, "
            "satisfied."
        ),
    )


async def gaps_table(session: AsyncSession, scope: Scope, query: Query, limit: int = 50) -> Table:
    gaps = await stats.unanswered(
        session, start=query.start, end=query.end, limit=limit, filters=query.filters(scope)
    )
    rows = [
        {"query": g.query, "count": g.count, "first_seen": g.first_seen, "last_seen": g.last_seen}
        for g in gaps
    ]
    columns = (
        Column("query", _("question (normalised)")),
        Column("count", _("times asked"), "int"),
        Column("first_seen", _("first asked"), "date"),
        Column("last_seen", _("last asked"), "date"),
    )
    return Table(
        "content_gaps",
        _("Questions with no answer"),
        columns,
        rows,
        note=_("What content to write next: the most asked questions the bot could not answer."),
    )


def _communes_in_scope(scope: Scope, query: Query) -> list[str] | None:
    if scope.commune or query.commune:
        wanted = scope.commune or query.commune
        if scope.province and wanted not in {c for c, _ in communes_of(scope.province)}:
            return []
        return [wanted] if wanted else []
    if scope.province:
        return [code for code, _ in communes_of(scope.province)]
    return None


def _days(query: Query) -> tuple[date, date]:
    return query.start.astimezone(stats.VN_TZ).date(), query.end.astimezone(stats.VN_TZ).date()


def session_figure_labels() -> dict[str, str]:
    return {
        "households": _("households visited"),
        "vneid_installs": _("VNeID installed"),
        "level2": _("VNeID level 2"),
        "portal_logins": _("portal logins"),
        "dossiers_online": _("dossiers filed online"),
    }


async def sessions_table(
    session: AsyncSession, scope: Scope, query: Query, by: str, teams: Mapping[str, str]
) -> Table:
    """Team field sessions (logged with /ghinhan) and referrals, per commune or team."""
    if query.channel:
        note = _("Field sessions are not tied to a channel: the channel filter is not applied.")
    else:
        note = _(
            "Field sessions logged by team members with /ghinhan; referrals: people who "
            "first came through a member's link or QR code."
        )
    first, last = _days(query)
    rows = await reach.sessions(
        session, start=first, end=last, by=by, communes=_communes_in_scope(scope, query)
    )
    referred = await reach.referrals(
        session, start=query.start, end=query.end, by=by, filters=query.filters(scope)
    )
    labels = session_figure_labels()
    table_rows: list[dict[str, Any]] = []
    keys = {row.key for row in rows} | set(referred)
    by_key = {row.key: row for row in rows}
    for key in sorted(keys, key=lambda k: (k is None, k or "")):
        row = by_key.get(key)
        values: dict[str, Any] = {
            "key": key or "",
            "label": key_label(by, key, teams),
            "sessions": row.sessions if row else 0,
            "referrals": referred.get(key, 0),
        }
        values.update({name: (row.figures[name] if row else 0) for name in labels})
        table_rows.append(values)
    columns = (
        Column("label", breakdowns()[by]),
        Column("sessions", _("field sessions"), "int"),
        *(Column(name, label, "int") for name, label in labels.items()),
        Column("referrals", _("referrals"), "int"),
    )
    return Table(
        f"field_sessions_by_{by}",
        _("Team field work, by {breakdown}").format(breakdown=breakdowns()[by]),
        columns,
        table_rows,
        note=note,
    )


def state_label(state: str) -> str:
    return {
        "scheduled": _("scheduled"),
        "sending": _("sending"),
        "done": _("done"),
        "cancelled": _("cancelled"),
    }.get(state, state)


async def broadcasts_table(session: AsyncSession, scope: Scope, query: Query) -> Table:
    found = await reach.broadcasts(
        session, start=query.start, end=query.end, filters=scope.filters(query.commune)
    )
    teams = await team_names(session)
    rows = []
    for b in found:
        s = b.states
        place = (
            teams.get(str(b.team_id), str(b.team_id))
            if b.team_id
            else commune_name(b.commune_code)
            if b.commune_code
            else province_name(b.province_code)
        )
        rows.append(
            {
                "id": b.id,
                "created": b.created_at,
                "state": state_label(b.state),
                "what": f"{b.kind}: {b.ref}" if b.ref else b.kind,
                "audience": place,
                "total": b.total,
                "sent": s.get("sent", 0),
                "waiting": sum(s.get(k, 0) for k in ("pending", "claimed", "in_flight")),
                "failed": s.get("failed", 0),
                "unreachable": s.get("blocked", 0) + s.get("outside_window", 0),
                "opted_out": s.get("opted_out", 0),
                "rate": (s.get("sent", 0) / b.total) if b.total else None,
            }
        )
    columns = (
        Column("id", _("no."), "int"),
        Column("created", _("created"), "date"),
        Column("state", _("state")),
        Column("what", _("message")),
        Column("audience", _("audience")),
        Column("total", _("recipients"), "int"),
        Column("sent", _("sent"), "int"),
        Column("waiting", _("waiting"), "int"),
        Column("failed", _("failed"), "int"),
        Column("unreachable", _("blocked or out of window"), "int"),
        Column("opted_out", _("unsubscribed"), "int"),
        Column("rate", _("delivered"), "percent"),
    )
    return Table("broadcasts", _("Broadcasts"), columns, rows)
