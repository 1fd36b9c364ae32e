"""Outreach-log, referral and broadcast aggregates for the officers' figures (scope-filtered).

Filters are those of `storage.stats` restricted to place: `province` and `commune` codes.
Outreach sessions carry only a commune, so callers limit them with the list of communes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Broadcast, Contact, Delivery, OutreachSession
from storage.outreach_log import FIGURES

BY = ("commune", "team")


@dataclass(frozen=True)
class SessionRow:
    key: str | None
    sessions: int
    figures: dict[str, int]


async def sessions(
    session: AsyncSession,
    *,
    start: date,
    end: date,
    by: str,
    communes: Sequence[str] | None = None,
) -> list[SessionRow]:
    """Logged field sessions with start <= day < end and their summed figures, per commune/team.

    `communes` limits them to those communes (None: everywhere).
    """
    if by not in BY:
        raise ValueError(f"breakdown must be one of {BY}")
    column = OutreachSession.commune_code if by == "commune" else OutreachSession.team_id
    query = select(
        column,
        func.count(OutreachSession.id),
        *(func.coalesce(func.sum(getattr(OutreachSession, name)), 0) for name in FIGURES),
    ).where(OutreachSession.day >= start, OutreachSession.day < end)
    if communes is not None:
        query = query.where(OutreachSession.commune_code.in_(list(communes)))
    rows = (await session.execute(query.group_by(column).order_by(column))).all()
    return [
        SessionRow(
            None if row[0] is None else str(row[0]),
            int(row[1]),
            {name: int(value or 0) for name, value in zip(FIGURES, row[2:], strict=True)},
        )
        for row in rows
    ]


async def referrals(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    by: str,
    filters: Mapping[str, str] | None = None,
) -> dict[str | None, int]:
    """People who first came through a team member's link or QR code, per commune/team."""
    if by not in BY:
        raise ValueError(f"breakdown must be one of {BY}")
    column = Contact.commune_code if by == "commune" else Contact.team_id
    query = select(column, func.count(Contact.id)).where(
        Contact.referred_by_id.is_not(None), Contact.created_at >= start, Contact.created_at < end
    )
    filters = filters or {}
    if "commune" in filters:
        query = query.where(Contact.commune_code == filters["commune"])
    if "province" in filters:
        query = query.where(Contact.province_code == filters["province"])
    rows = (await session.execute(query.group_by(column))).all()
    return {None if key is None else str(key): int(n) for key, n in rows}


@dataclass(frozen=True)
class BroadcastRow:
    id: int
    created_at: datetime
    state: str
    kind: str
    ref: str | None
    audience: str
    province_code: str | None
    commune_code: str | None
    team_id: int | None
    total: int
    states: dict[str, int]


async def broadcasts(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    filters: Mapping[str, str] | None = None,
    limit: int = 100,
) -> list[BroadcastRow]:
    """Broadcasts created in the period within the place, newest first, with delivery counts."""
    query = select(Broadcast).where(Broadcast.created_at >= start, Broadcast.created_at < end)
    filters = filters or {}
    if "province" in filters:
        query = query.where(Broadcast.province_code == filters["province"])
    if "commune" in filters:
        # A commune sees its own broadcasts; province-wide ones are the province's to report.
        query = query.where(Broadcast.commune_code == filters["commune"])
    found = list(await session.scalars(query.order_by(Broadcast.created_at.desc()).limit(limit)))
    counts: dict[int, dict[str, int]] = {b.id: {} for b in found}
    if found:
        rows = await session.execute(
            select(Delivery.broadcast_id, Delivery.state, func.count(Delivery.id))
            .where(Delivery.broadcast_id.in_(list(counts)))
            .group_by(Delivery.broadcast_id, Delivery.state)
        )
        for broadcast_id, state, n in rows:
            counts[broadcast_id][state] = int(n)
    out = []
    for b in found:
        states: dict[str, Any] = counts[b.id]
        out.append(
            BroadcastRow(
                b.id,
                b.created_at,
                b.state,
                b.kind,
                b.ref,
                b.audience,
                b.province_code,
                b.commune_code,
                b.team_id,
                sum(states.values()),
                states,
            )
        )
    return out
