"""Who may see which figures: an officer their commune or province, an admin everything."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage import roles
from storage.models import Contact
from storage.roles import RoleName


@dataclass(frozen=True)
class Scope:
    """The part of the country a viewer's figures are limited to (None, None: everything)."""

    role: str
    province: str | None = None
    commune: str | None = None

    @property
    def everything(self) -> bool:
        return self.province is None and self.commune is None

    def filters(self, commune: str | None = None) -> dict[str, str]:
        """Statistics filters for this scope, narrowed to `commune` if asked.

        A province-wide viewer asking for a commune gets both filters, so a commune of
        another province simply has no rows; a commune viewer always gets their own commune.
        """
        out: dict[str, str] = {}
        if self.province:
            out["province"] = self.province
        if self.commune:
            out["commune"] = self.commune
        elif commune:
            out["commune"] = commune
        return out


async def officer_scope(session: AsyncSession, contact_id: int) -> Scope | None:
    """The dashboard scope of a contact: admins see all, officers their place; else None.

    An officer role without any place gives no access rather than the whole country.
    """
    if await roles.has(session, contact_id, RoleName.ADMIN):
        return Scope(RoleName.ADMIN)
    officer = await roles.has(session, contact_id, RoleName.OFFICER)
    if officer is None or (officer.province_code is None and officer.commune_code is None):
        return None
    return Scope(RoleName.OFFICER, officer.province_code, officer.commune_code)


async def figures_scope(session: AsyncSession, contact: Contact) -> Scope | None:
    """What /thongke may show: the officer scope, or a team member's own commune."""
    scope = await officer_scope(session, contact.id)
    if scope is not None:
        return scope
    member = await roles.has(session, contact.id, RoleName.MEMBER)
    if member is None:
        return None
    commune = member.commune_code or contact.commune_code
    if commune is None:
        return None
    return Scope(RoleName.MEMBER, member.province_code or contact.province_code, commune)
