"""Statistics service: satisfaction rates with Wilson intervals, the outreach funnel, content gaps.

Every function takes a half-open period [start, end) of timezone-aware datetimes and optional
breakdown keys (`by`) and equality filters, both among KEYS. Months are Vietnam months
(Asia/Ho_Chi_Minh, UTC+7 all year): `month_range("2026-11")` gives the period of one month.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.events import EventKind
from storage.models import OutreachEvent, SurveyResponse

KEYS = ("commune", "province", "procedure", "channel", "team", "month")
DEFAULT_TARGET = 0.95  # satisfaction target of the plans (Hà Tĩnh 2025; DESIGN.md)
Z95 = 1.959964  # two-sided 95% normal quantile
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")  # Vietnam has no daylight saving
Status = Literal["ok", "at_risk", "below", "no_data"]

# Funnel depth of an outreach event: how far along a person who produced it got.
ENGAGED_KINDS = (
    EventKind.GUIDE_STARTED,
    EventKind.SEARCH_UNANSWERED,
    EventKind.SURVEY_STARTED,
)
GUIDED_KINDS = (EventKind.GUIDE_COMPLETED, EventKind.PROCEDURE_VIEWED, EventKind.SEARCH_ANSWERED)
SATISFIED_DETAIL = "satisfied"  # detail of a SURVEY_COMPLETED event whose answer was satisfied


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion; (0, 1) when there is no data."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes}/{n}")
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # Rounding can push the bounds a hair past the data (e.g. 1.0000000000000002).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class Rate:
    """A satisfaction rate with its count and 95% Wilson interval, judged against a target."""

    responses: int
    satisfied: int
    rate: float | None
    low: float | None
    high: float | None
    status: Status

    @classmethod
    def of(cls, satisfied: int, responses: int, target: float, z: float = Z95) -> Rate:
        """Judged on the interval: 'below' only when even its upper bound misses the target."""
        if responses == 0:
            return cls(0, 0, None, None, None, "no_data")
        low, high = wilson(satisfied, responses, z)
        status: Status = "below" if high < target else "ok" if low >= target else "at_risk"
        return cls(responses, satisfied, satisfied / responses, low, high, status)


@dataclass(frozen=True)
class RateRow:
    keys: dict[str, str | None]
    rate: Rate


@dataclass(frozen=True)
class FunnelRow:
    """People at each stage; each stage counts those who got at least that far (monotone)."""

    keys: dict[str, str | None]
    reached: int
    engaged: int
    guided: int
    surveyed: int
    satisfied: int


@dataclass(frozen=True)
class Gap:
    """A question people asked that found no answer: a content gap."""

    query: str
    count: int
    first_seen: datetime
    last_seen: datetime


# Months people may ask figures for; anything else is a typo (9999-12) or a probe.
FIRST_YEAR, LAST_YEAR = 2000, 2100
# What month_range computes at all: a little wider, for trends that reach back from 2000-01.
_EARLIEST_YEAR, _LATEST_YEAR = FIRST_YEAR - 10, LAST_YEAR + 10


def valid_month(month: str) -> bool:
    """'2026-11' -> True; a malformed month or one outside FIRST_YEAR..LAST_YEAR -> False."""
    try:
        first = datetime.strptime(month, "%Y-%m")
    except ValueError:
        return False
    return FIRST_YEAR <= first.year <= LAST_YEAR


def month_range(month: str) -> tuple[datetime, datetime]:
    """'2026-11' -> [1 Nov 00:00, 1 Dec 00:00) Vietnam time, as UTC datetimes."""
    try:
        first = datetime.strptime(month, "%Y-%m").replace(tzinfo=VN_TZ)
    except ValueError:
        raise ValueError(f"month must look like 2026-11, got {month!r}") from None
    if not _EARLIEST_YEAR <= first.year <= _LATEST_YEAR:
        raise ValueError(f"month must be between {FIRST_YEAR} and {LAST_YEAR}, got {month!r}")
    following = (first + timedelta(days=32)).replace(day=1)
    return first.astimezone(UTC), following.astimezone(UTC)


def month_of(moment: datetime) -> str:
    """The Vietnam month ('2026-11') a timezone-aware moment falls in."""
    return moment.astimezone(VN_TZ).strftime("%Y-%m")


def shift_month(month: str, delta: int) -> str:
    """'2026-11' moved by `delta` months: shift_month('2026-11', 2) == '2027-01'."""
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_from(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included ('YYYY-MM' strings)."""
    out, month = [], first
    while month <= last:
        out.append(month)
        month = shift_month(month, 1)
    return out


def vn_month(session: AsyncSession, column: Any) -> ColumnElement[str]:
    """SQL for the Vietnam month ('YYYY-MM') of a UTC timestamp column, per dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Ho_Chi_Minh", column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+7 hours")


def _columns(session: AsyncSession, model: Any, keys: Sequence[str]) -> dict[str, Any]:
    """The SQL expression behind each breakdown key for `model`."""
    mapping: dict[str, Any] = {
        "commune": model.commune_code,
        "province": model.province_code,
        "channel": model.channel,
        "team": model.team_id,
        "month": vn_month(
            session, model.completed_at if model is SurveyResponse else model.created_at
        ),
    }
    if model is SurveyResponse:
        mapping["procedure"] = model.procedure_code
    for key in keys:
        if key not in KEYS:
            raise ValueError(f"unknown breakdown {key!r}; use one of {', '.join(KEYS)}")
        if key not in mapping:
            raise ValueError(f"breakdown {key!r} does not apply here")
    return {key: mapping[key] for key in keys}


def _where(
    session: AsyncSession, model: Any, filters: Mapping[str, str] | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for key, column in _columns(session, model, list(filters or {})).items():
        value = (filters or {})[key]
        if key == "team":
            conditions.append(column == int(value))
        else:
            conditions.append(column == value)
    return conditions


def _key_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _order(keys: dict[str, str | None]) -> tuple[tuple[bool, str], ...]:
    return tuple((v is None, v or "") for v in keys.values())


async def satisfaction(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    by: Sequence[str] = (),
    target: float = DEFAULT_TARGET,
    filters: Mapping[str, str] | None = None,
) -> list[RateRow]:
    """Counted, complete responses completed in [start, end), per group of `by`.

    With no `by` there is always exactly one row (status 'no_data' when nothing was answered).
    A month, as breakdown or filter, becomes a range on `completed_at` (one query per month),
    so the covering index serves it instead of a per-row time-zone conversion.
    """
    _columns(session, SurveyResponse, [*by, *(filters or {})])  # reject unknown keys early
    wanted = dict(filters or {})
    month = wanted.pop("month", None)
    if month is not None:
        first, last = month_range(month)
        start, end = max(start, first), min(end, last)
    if "month" not in by:
        counts = await _rate_counts(session, start, end, by, wanted) if start < end else []
        found = [RateRow(keys, Rate.of(s, n, target)) for keys, n, s in counts]
    else:
        others = [key for key in by if key != "month"]
        found = []
        for name, (first, last) in months_between(start, end):
            for keys, n, s in await _rate_counts(session, first, last, others, wanted):
                labelled = {**keys, "month": name}
                ordered = {key: labelled[key] for key in by}
                found.append(RateRow(ordered, Rate.of(s, n, target)))
    if not by and not found:
        found.append(RateRow({}, Rate.of(0, 0, target)))
    return sorted(found, key=lambda r: _order(r.keys))


def months_between(start: datetime, end: datetime) -> list[tuple[str, tuple[datetime, datetime]]]:
    """The Vietnam months overlapping [start, end), each clipped to it."""
    out: list[tuple[str, tuple[datetime, datetime]]] = []
    if start >= end:
        return out
    name = month_of(start)
    while True:
        first, last = month_range(name)
        out.append((name, (max(start, first), min(end, last))))
        if last >= end:
            return out
        name = month_of(last)


async def _rate_counts(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    by: Sequence[str],
    filters: Mapping[str, str],
) -> list[tuple[dict[str, str | None], int, int]]:
    """(group keys, responses, satisfied) for each non-empty group."""
    groups = _columns(session, SurveyResponse, by)
    labelled = [column.label(f"k_{key}") for key, column in groups.items()]
    query = (
        select(
            *labelled,
            func.count().label("n"),
            func.sum(case((SurveyResponse.satisfied.is_(True), 1), else_=0)).label("s"),
        )
        .where(
            SurveyResponse.counted.is_(True),
            SurveyResponse.completed_at >= start,
            SurveyResponse.completed_at < end,
            *_where(session, SurveyResponse, filters),
        )
        .group_by(*labelled)
    )
    counts = []
    for row in (await session.execute(query)).all():
        n, s = int(row.n or 0), int(row.s or 0)
        if n:
            counts.append(({key: _key_text(row[i]) for i, key in enumerate(groups)}, n, s))
    return counts


async def funnel(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    by: Sequence[str] = (),
    filters: Mapping[str, str] | None = None,
) -> list[FunnelRow]:
    """People reached → engaged → guided → surveyed → satisfied, from outreach events.

    A person is counted once per group, at the furthest stage any of their events in the period
    reached; they are attributed to the commune, province, channel and team their events carry.
    Detached events (the person erased their data) still count, through `subject`.
    """
    event = OutreachEvent
    groups = _columns(session, event, by)
    person = func.coalesce(event.contact_id, event.subject)
    depth = case(
        (
            (event.kind == EventKind.SURVEY_COMPLETED) & (event.detail == SATISFIED_DETAIL),
            5,
        ),
        (event.kind == EventKind.SURVEY_COMPLETED, 4),
        (event.kind.in_([str(k) for k in GUIDED_KINDS]), 3),
        (event.kind.in_([str(k) for k in ENGAGED_KINDS]), 2),
        else_=1,
    )
    month = groups.get("month")
    per_person = [
        (column if key == "month" else func.max(column)).label(f"k_{key}")
        for key, column in groups.items()
    ]
    inner = (
        select(person.label("person"), *per_person, func.max(depth).label("depth"))
        .where(
            event.created_at >= start,
            event.created_at < end,
            person.is_not(None),
            *_where(session, event, filters),
        )
        .group_by(person, *([month] if month is not None else []))
        .subquery()
    )
    keys = [inner.c[f"k_{key}"] for key in groups]
    stages = [func.sum(case((inner.c.depth >= level, 1), else_=0)) for level in range(1, 6)]
    query = select(*keys, *stages).group_by(*keys)
    rows: list[FunnelRow] = []
    for row in (await session.execute(query)).all():
        counts = [int(v or 0) for v in row[len(keys) :]]
        if not groups and counts[0] == 0:
            continue
        key_values = {key: _key_text(row[i]) for i, key in enumerate(groups)}
        rows.append(FunnelRow(key_values, *counts))
    if not groups and not rows:
        rows.append(FunnelRow({}, 0, 0, 0, 0, 0))
    return sorted(rows, key=lambda r: _order(r.keys))


async def unanswered(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    limit: int = 20,
    filters: Mapping[str, str] | None = None,
) -> list[Gap]:
    """The most asked questions that found no answer (normalised text), most frequent first."""
    event = OutreachEvent
    query = (
        select(
            event.detail,
            func.count().label("n"),
            func.min(event.created_at).label("first"),
            func.max(event.created_at).label("last"),
        )
        .where(
            event.kind == EventKind.SEARCH_UNANSWERED,
            event.created_at >= start,
            event.created_at < end,
            event.detail.is_not(None),
            *_where(session, event, filters),
        )
        .group_by(event.detail)
        .order_by(func.count().desc(), func.max(event.created_at).desc(), event.detail)
        .limit(limit)
    )
    result = await session.execute(query)
    return [Gap(str(row.detail), int(row.n), _aware(row.first), _aware(row.last)) for row in result]


def _aware(value: Any) -> datetime:
    """Aggregates bypass the column type; SQLite hands back text or naive datetimes."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
