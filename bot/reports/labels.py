"""The words every figure is shown with: names of places, teams, procedures and guides, statuses.

The dashboard, `dvcbot report`, the XLSX and the chat label a value the same way because they
all ask this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.i18n import _, percent
from handlers import places
from handlers.content import Content
from storage.access import Scope

_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Names:
    """What codes and ids stand for: teams by id, procedures by code, guides by id."""

    teams: Mapping[str, str] = field(default_factory=dict)
    procedures: Mapping[str, str] = field(default_factory=dict)
    guides: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, content: Content | None, teams: Mapping[str, str]) -> Names:
        """Names from the loaded content (catalogue, guides) and the teams in storage."""
        if content is None:
            return cls(teams=dict(teams))
        catalog = getattr(content.extra.get("catalog"), "procedures", None)
        procedures = (
            {code: p.name for code, p in catalog.items()} if isinstance(catalog, Mapping) else {}
        )
        guides = {guide_id: guide.title for guide_id, guide in content.guides.items()}
        return cls(teams=dict(teams), procedures=procedures, guides=guides)


def natural(value: Any) -> tuple[Any, ...]:
    """A sort key where 'Tổ 2' comes before 'Tổ 10' (numbers inside text compare as numbers)."""
    if not isinstance(value, str):
        return (0, value)
    parts = _DIGITS.split(value.casefold())
    return (1, *((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p))


def province_name(code: str | None) -> str:
    found = places.province(code) if code else None
    return found.name if found else (code or "—")


def commune_name(code: str | None) -> str:
    found = places.commune(code) if code else None
    return found.name if found else (code or "—")


def communes_of(province: str) -> list[tuple[str, str]]:
    """(code, name) of every commune of a province, in alphabetical order, for filter menus."""
    return [(c.code, c.name) for c in places.communes_of(province)]


def scope_label(scope: Scope, commune: str | None = None) -> str:
    """The place figures cover: a commune, a province or all places (reports say which)."""
    if scope.commune or commune:
        return commune_name(scope.commune or commune)
    if scope.province:
        return province_name(scope.province)
    return _("all places")


def month_label(month: str) -> str:
    """'2026-11' -> '11/2026', as Vietnamese reports write months."""
    return f"{month[5:]}/{month[:4]}"


def period_label(first: str, last: str) -> str:
    """'07/2026 – 12/2026', or one month alone."""
    if first == last:
        return month_label(first)
    return f"{month_label(first)} – {month_label(last)}"


def target_text(target: float) -> str:
    """0.95 -> '95%', 0.925 -> '92,5%' (Vietnamese decimal comma)."""
    return percent(target, digits=0 if round(target * 100, 6).is_integer() else 1)


def status_text(status: str) -> str:
    """The words for a rate's status, judged on its interval."""
    return {
        "ok": _("meets target"),
        "at_risk": _("at risk"),
        "below": _("below target"),
        "no_data": _("no data"),
    }[status]


def key_title(key: str) -> str:
    """A breakdown's name: 'commune' -> 'xã/phường'."""
    return {
        "commune": _("commune"),
        "province": _("province"),
        "procedure": _("procedure"),
        "channel": _("channel"),
        "team": _("team"),
        "month": _("month"),
    }[key]


def key_label(key: str, value: str | None, names: Names) -> str:
    """What a breakdown value stands for: a commune's, team's or procedure's name."""
    if value is None or value == "":
        return _("unknown")
    if key == "commune":
        return commune_name(value)
    if key == "province":
        return province_name(value)
    if key == "team":
        return names.teams.get(value, value)
    if key == "procedure":
        return names.procedures.get(value, value)
    if key == "month":
        return month_label(value)
    return value


def broadcast_label(kind: str, ref: str | None, names: Names) -> str:
    """What a broadcast sent, by its title: 'Hướng dẫn: Làm VNeID mức 2', never an internal id."""
    if kind == "guide":
        return _("guide: {title}").format(title=names.guides.get(ref or "", ref or "—"))
    if kind == "procedure":
        name = names.procedures.get(ref or "")
        title = f"{name} ({ref})" if name else (ref or "—")
        return _("procedure: {title}").format(title=title)
    if kind == "text":
        text = " ".join((ref or "").split())
        short = text if len(text) <= 80 else text[:79].rsplit(" ", 1)[0] + "…"
        return _("message: “{text}”").format(text=short)
    return f"{kind}: {ref}" if ref else kind


def state_label(state: str) -> str:
    return {
        "scheduled": _("scheduled"),
        "sending": _("sending"),
        "done": _("done"),
        "cancelled": _("cancelled"),
    }.get(state, state)
