"""What an officer asks the dashboard for: months, commune, channel, and the target to judge by."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from bot.i18n import _
from bot.reports.labels import target_text
from storage import stats
from storage.access import Scope
from storage.stats import months_from, shift_month

__all__ = ["months_from", "shift_month", "target_text"]

MONTH_SPAN = 6  # months shown by default, ending with the current one
CHANNELS = ("telegram", "zalo", "web", "console", "demo")


@dataclass(frozen=True)
class Query:
    """What the viewer asked for: a span of Vietnam months, optionally a commune and a channel."""

    first: str
    last: str
    commune: str | None = None
    channel: str | None = None
    target: float = stats.DEFAULT_TARGET  # the dashboard passes settings.satisfaction_target

    @property
    def start(self) -> datetime:
        return stats.month_range(self.first)[0]

    @property
    def end(self) -> datetime:
        return stats.month_range(self.last)[1]

    @property
    def months(self) -> list[str]:
        return months_from(self.first, self.last)

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


def parse_query(params: Mapping[str, str], now: datetime, target: float) -> Query:
    """Query from URL parameters; ValueError naming the bad one."""
    last = params.get("to") or stats.month_of(now)
    first = params.get("from") or shift_month(last, -(MONTH_SPAN - 1))
    for month in (first, last):
        stats.month_range(month)  # raises ValueError for a malformed month
        if not stats.valid_month(month):
            raise ValueError(
                _("Choose a month between {first} and {last}.").format(
                    first=stats.FIRST_YEAR, last=stats.LAST_YEAR
                )
            )
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
