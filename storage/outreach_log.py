"""Outreach log repository: field sessions team members record, and their monthly totals."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, OutreachSession, utcnow

EDITABLE_FOR = timedelta(hours=24)
# The figures a session records, in the order the /ghinhan flow asks for them.
FIGURES = ("households", "vneid_installs", "level2", "portal_logins", "dossiers_online")


@dataclass(frozen=True)
class Totals:
    sessions: int = 0
    households: int = 0
    vneid_installs: int = 0
    level2: int = 0
    portal_logins: int = 0
    dossiers_online: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


async def save(
    session: AsyncSession,
    member: Contact,
    *,
    day: date,
    place: str,
    figures: dict[str, int],
    note: str | None,
    session_id: int | None = None,
    now: datetime | None = None,
) -> OutreachSession | None:
    """Create a session, or update `session_id` if it is the member's and still editable."""
    now = now or utcnow()
    if session_id is not None:
        row = await editable(session, member, session_id, now)
        if row is None:
            return None
    else:
        row = OutreachSession(
            contact_id=member.id,
            team_id=member.team_id,
            commune_code=member.commune_code,
            created_at=now,
        )
        session.add(row)
    row.day, row.place, row.note, row.updated_at = day, place[:200], note, now
    for name in FIGURES:
        setattr(row, name, int(figures.get(name, 0)))
    await session.flush()
    return row


async def editable(
    session: AsyncSession, member: Contact, session_id: int, now: datetime
) -> OutreachSession | None:
    row = await session.get(OutreachSession, session_id)
    if row is None or row.contact_id != member.id or now - row.created_at > EDITABLE_FOR:
        return None
    return row


async def latest_editable(
    session: AsyncSession, member: Contact, now: datetime
) -> OutreachSession | None:
    return await session.scalar(
        select(OutreachSession)
        .where(
            OutreachSession.contact_id == member.id,
            OutreachSession.created_at > now - EDITABLE_FOR,
        )
        .order_by(OutreachSession.created_at.desc(), OutreachSession.id.desc())
        .limit(1)
    )


async def totals(
    session: AsyncSession,
    *,
    start: date,
    end: date,
    member_id: int | None = None,
    team_id: int | None = None,
) -> Totals:
    """Sums over sessions with start <= day < end, for one member or one team."""
    query = select(
        func.count(OutreachSession.id),
        *(func.coalesce(func.sum(getattr(OutreachSession, n)), 0) for n in FIGURES),
    ).where(OutreachSession.day >= start, OutreachSession.day < end)
    if member_id is not None:
        query = query.where(OutreachSession.contact_id == member_id)
    if team_id is not None:
        query = query.where(OutreachSession.team_id == team_id)
    row = (await session.execute(query)).one()
    return Totals(*(int(v or 0) for v in row))


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end
