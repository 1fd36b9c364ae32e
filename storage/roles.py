"""Roles and audit repository: who may do what, and the log of every change."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Contact, Role, utcnow


class RoleName(StrEnum):
    MEMBER = "member"
    OFFICER = "officer"
    ADMIN = "admin"


async def of(session: AsyncSession, contact_id: int) -> list[Role]:
    rows = await session.scalars(select(Role).where(Role.contact_id == contact_id))
    return list(rows)


async def holders(session: AsyncSession) -> list[tuple[Role, Contact]]:
    """Everyone with a role, with the contact holding it, by role then contact id."""
    rows = await session.execute(
        select(Role, Contact)
        .join(Contact, Contact.id == Role.contact_id)
        .order_by(Role.role, Contact.id)
    )
    return list(rows.tuples())


async def has(session: AsyncSession, contact_id: int, *names: RoleName | str) -> Role | None:
    """The first of the contact's roles among `names`, or None."""
    return await session.scalar(
        select(Role).where(Role.contact_id == contact_id, Role.role.in_([str(n) for n in names]))
    )


async def grant(
    session: AsyncSession,
    contact_id: int,
    role: RoleName | str,
    *,
    actor: str,
    province_code: str | None = None,
    commune_code: str | None = None,
) -> Role:
    found = await has(session, contact_id, role)
    if found is None:
        found = Role(contact_id=contact_id, role=str(role), granted_at=utcnow())
        session.add(found)
    found.province_code, found.commune_code = province_code, commune_code
    await audit(
        session,
        actor,
        "role.grant",
        f"contact:{contact_id}",
        {"role": str(role), "province": province_code, "commune": commune_code},
    )
    await session.flush()
    return found


async def revoke(
    session: AsyncSession, contact_id: int, role: RoleName | str, *, actor: str
) -> bool:
    result = await session.execute(
        delete(Role).where(Role.contact_id == contact_id, Role.role == str(role))
    )
    removed = bool(getattr(result, "rowcount", 0))
    if removed:
        await audit(session, actor, "role.revoke", f"contact:{contact_id}", {"role": str(role)})
    return removed


async def audit(
    session: AsyncSession,
    actor: str,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append to the audit log (never contains names or platform ids; use contact:<id>)."""
    session.add(
        AuditEntry(actor=actor, action=action, target=target, detail=detail or {}, at=utcnow())
    )
