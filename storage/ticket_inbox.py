"""Ticket queries for officers: who to notify, the inbox lists, and the handoff figures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.access import Scope
from storage.models import Contact, Interaction, Role, Ticket
from storage.roles import RoleName
from storage.tickets import LIVE, State

FOLDERS = ("open", "mine", "waiting", "closed", "all")


async def officers_covering(
    session: AsyncSession, province: str | None, commune: str | None
) -> list[Contact]:
    """Admins, and officers whose place covers the commune (no commune: provincial ones)."""
    officer = Role.role == RoleName.OFFICER
    place = and_(officer, Role.commune_code.is_(None), Role.province_code.is_not(None))
    if province is not None:
        place = and_(place, Role.province_code == province)
    covering = [Role.role == RoleName.ADMIN, place]
    if commune is not None:
        covering.append(and_(officer, Role.commune_code == commune))
    rows = await session.scalars(
        select(Contact)
        .join(Role, Role.contact_id == Contact.id)
        .where(or_(*covering), Contact.unreachable_at.is_(None))
        .order_by(Contact.id)
        .distinct()
    )
    return list(rows)


def scoped(query: Select[Any], scope: Scope) -> Select[Any]:
    if scope.everything:
        return query
    if scope.commune:
        return query.where(Ticket.commune_code == scope.commune)
    return query.where(or_(Ticket.province_code == scope.province, Ticket.province_code.is_(None)))


async def listing(
    session: AsyncSession,
    scope: Scope,
    viewer_id: int,
    folder: str,
    *,
    commune: str | None = None,
    older_than: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Ticket], int]:
    """One folder of the inbox, oldest waiting first, and how many it holds."""
    query = scoped(select(Ticket), scope)
    if folder == "open":
        query = query.where(
            Ticket.state.in_([State.OPEN, State.TAKEN]), Ticket.assignee_id.is_(None)
        )
    elif folder == "mine":
        query = query.where(
            Ticket.assignee_id == viewer_id, Ticket.state.in_([str(s) for s in LIVE])
        )
    elif folder == "waiting":
        query = query.where(Ticket.state == State.ANSWERED)
    elif folder == "closed":
        query = query.where(Ticket.state == State.CLOSED)
    if commune:
        query = query.where(Ticket.commune_code == commune)
    if older_than is not None:
        query = query.where(Ticket.opened_at <= older_than)
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    order = Ticket.closed_at.desc() if folder == "closed" else Ticket.opened_at
    rows = await session.scalars(query.order_by(order, Ticket.id).limit(limit).offset(offset))
    return [row for row in rows if isinstance(row, Ticket)], total


async def in_period(
    session: AsyncSession, scope: Scope, start: datetime, end: datetime, commune: str | None = None
) -> list[Ticket]:
    """Tickets opened in [start, end) in scope, for the figures."""
    query = scoped(select(Ticket), scope).where(Ticket.opened_at >= start, Ticket.opened_at < end)
    if commune:
        query = query.where(Ticket.commune_code == commune)
    return list(await session.scalars(query))


async def bot_before(
    session: AsyncSession, contact_id: int, before: datetime, *, limit: int = 10
) -> list[tuple[datetime, str, str | None]]:
    """What the person did with the bot before the ticket: (time, handler, what was shown)."""
    rows = await session.execute(
        select(Interaction.created_at, Interaction.handler, Interaction.shown)
        .where(Interaction.contact_id == contact_id, Interaction.created_at <= before)
        .order_by(Interaction.created_at.desc(), Interaction.id.desc())
        .limit(limit)
    )
    return [(at, handler, shown) for at, handler, shown in reversed(list(rows))]
