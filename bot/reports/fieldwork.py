"""Field work and broadcasts as tables: team sessions, referrals and broadcast outcomes."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _
from bot.reports.figures import breakdowns
from bot.reports.labels import (
    Names,
    broadcast_label,
    commune_name,
    communes_of,
    key_label,
    natural,
    province_name,
    state_label,
)
from bot.reports.query import Query
from bot.reports.tables import Column, Table
from storage import reach, stats
from storage.access import Scope


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
    session: AsyncSession, scope: Scope, query: Query, by: str, names: Names
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
    for key in sorted(keys, key=lambda k: (k is None, natural(key_label(by, k, names)))):
        row = by_key.get(key)
        values: dict[str, Any] = {
            "key": key or "",
            "label": key_label(by, key, names),
            "sessions": row.sessions if row else 0,
            "referrals": referred.get(key, 0),
        }
        values.update({name: (row.figures[name] if row else 0) for name in labels})
        table_rows.append(values)
    columns = (
        Column(key="label", label=breakdowns()[by]),
        Column(key="sessions", label=_("field sessions"), kind="int"),
        *(Column(label, "int", key=name) for name, label in labels.items()),
        Column(key="referrals", label=_("referrals"), kind="int"),
    )
    return Table(
        _("Team field work, by {breakdown}").format(breakdown=breakdowns()[by]),
        columns,
        table_rows,
        note=note,
        name=f"field_sessions_by_{by}",
    )


async def broadcasts_table(
    session: AsyncSession, scope: Scope, query: Query, names: Names
) -> Table:
    found = await reach.broadcasts(
        session, start=query.start, end=query.end, filters=scope.filters(query.commune)
    )
    rows = []
    for b in found:
        s = b.states
        place = (
            names.teams.get(str(b.team_id), str(b.team_id))
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
                "what": broadcast_label(b.kind, b.ref, names),
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
        Column(key="id", label=_("no."), kind="int"),
        Column(key="created", label=_("created"), kind="date"),
        Column(key="state", label=_("state")),
        Column(key="what", label=_("message")),
        Column(key="audience", label=_("audience")),
        Column(key="total", label=_("recipients"), kind="int"),
        Column(key="sent", label=_("sent"), kind="int"),
        Column(key="waiting", label=_("waiting"), kind="int"),
        Column(key="failed", label=_("failed"), kind="int"),
        Column(key="unreachable", label=_("blocked or out of window"), kind="int"),
        Column(key="opted_out", label=_("unsubscribed"), kind="int"),
        Column(key="rate", label=_("delivered"), kind="percent"),
    )
    return Table(_("Broadcasts"), columns, rows, name="broadcasts")
