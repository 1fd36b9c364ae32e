"""Teams repository: teams, invite codes, membership and referral attribution; never commits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import roles
from storage.events import EventKind
from storage.models import Contact, InviteCode, OutreachEvent, Role, Team, utcnow
from storage.roles import RoleName

INVITE_DAYS = 14
INVITE_USES = 30
REFERRAL_BYTES = 6  # 8 url-safe characters: unguessable enough, short enough for a QR code


class JoinResult(StrEnum):
    JOINED = "joined"
    ALREADY = "already"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"


@dataclass(frozen=True)
class Joined:
    result: JoinResult
    team: Team | None = None


async def create(
    session: AsyncSession, *, name: str, province_code: str, commune_code: str, actor: str
) -> Team:
    team = Team(name=name, province_code=province_code, commune_code=commune_code)
    session.add(team)
    await session.flush()
    await roles.audit(
        session,
        actor,
        "team.create",
        f"team:{team.id}",
        {"province": province_code, "commune": commune_code},
    )
    return team


async def get(session: AsyncSession, team_id: int) -> Team | None:
    return await session.get(Team, team_id)


async def all_teams(session: AsyncSession) -> list[Team]:
    return list(await session.scalars(select(Team).order_by(Team.id)))


async def in_commune(session: AsyncSession, commune_code: str) -> list[Team]:
    rows = await session.scalars(select(Team).where(Team.commune_code == commune_code))
    return list(rows)


async def new_invite(
    session: AsyncSession,
    team: Team,
    *,
    actor: str,
    days: int = INVITE_DAYS,
    max_uses: int = INVITE_USES,
    now: datetime | None = None,
) -> InviteCode:
    """A random invite code for `team` that expires after `days` and `max_uses` joins."""
    now = now or utcnow()
    invite = InviteCode(
        code=secrets.token_urlsafe(12),
        team_id=team.id,
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=days),
        max_uses=max_uses,
        uses=0,
    )
    session.add(invite)
    await roles.audit(
        session, actor, "invite.create", f"team:{team.id}", {"days": days, "max_uses": max_uses}
    )
    await session.flush()
    return invite


async def join(session: AsyncSession, contact: Contact, code: str, now: datetime) -> Joined:
    """Redeem an invite: the contact becomes a member of its team (audited)."""
    invite = await session.get(InviteCode, code)
    if invite is None:
        return Joined(JoinResult.UNKNOWN)
    team = await session.get(Team, invite.team_id)
    if team is None:
        return Joined(JoinResult.UNKNOWN)
    member = await roles.has(session, contact.id, RoleName.MEMBER)
    if member is not None and contact.team_id == team.id:
        return Joined(JoinResult.ALREADY, team)
    if invite.expires_at <= now:
        return Joined(JoinResult.EXPIRED, team)
    # Conditional increment: two people racing for the last use cannot both get it.
    claimed = await session.execute(
        update(InviteCode)
        .where(InviteCode.code == code, InviteCode.uses < InviteCode.max_uses)
        .values(uses=InviteCode.uses + 1)
    )
    if not getattr(claimed, "rowcount", 0):
        return Joined(JoinResult.USED_UP, team)
    await add_member(session, contact, team, actor=f"invite:{code[:4]}…")
    return Joined(JoinResult.JOINED, team)


async def add_member(session: AsyncSession, contact: Contact, team: Team, *, actor: str) -> None:
    contact.team_id = team.id
    contact.province_code = contact.province_code or team.province_code
    contact.commune_code = contact.commune_code or team.commune_code
    await roles.grant(
        session,
        contact.id,
        RoleName.MEMBER,
        actor=actor,
        province_code=team.province_code,
        commune_code=team.commune_code,
    )
    await roles.audit(session, actor, "team.join", f"contact:{contact.id}", {"team": team.id})


async def members(session: AsyncSession, team_id: int) -> list[Contact]:
    rows = await session.scalars(
        select(Contact)
        .join(Role, Role.contact_id == Contact.id)
        .where(Role.role == RoleName.MEMBER.value, Contact.team_id == team_id)
        .order_by(Contact.id)
    )
    return list(rows)


async def referral_code(session: AsyncSession, member: Contact) -> str:
    """The member's personal referral code, created on first use."""
    if not member.referral_code:
        member.referral_code = secrets.token_urlsafe(REFERRAL_BYTES)
        await session.flush()
    return member.referral_code


async def referrer(session: AsyncSession, code: str) -> Contact | None:
    """The team member whose referral code this is."""
    return await session.scalar(
        select(Contact)
        .join(Role, Role.contact_id == Contact.id)
        .where(Contact.referral_code == code, Role.role == RoleName.MEMBER.value)
    )


async def attribute(session: AsyncSession, citizen: Contact, member: Contact) -> bool:
    """Credit a citizen to the member who referred them (the first referral wins)."""
    if citizen.id == member.id or citizen.referred_by_id is not None:
        return False
    citizen.referred_by_id = member.id
    if citizen.team_id is None:
        citizen.team_id = member.team_id
    team = await session.get(Team, member.team_id) if member.team_id else None
    if team is not None:
        citizen.province_code = citizen.province_code or team.province_code
        citizen.commune_code = citizen.commune_code or team.commune_code
    # The first-contact event was recorded before we knew the team: credit it too.
    await session.execute(
        update(OutreachEvent)
        .where(
            OutreachEvent.contact_id == citizen.id,
            OutreachEvent.kind == EventKind.FIRST_CONTACT.value,
            OutreachEvent.team_id.is_(None),
        )
        .values(
            team_id=citizen.team_id,
            province_code=citizen.province_code,
            commune_code=citizen.commune_code,
        )
    )
    return True


async def referred_count(
    session: AsyncSession,
    *,
    member_id: int | None = None,
    team_id: int | None = None,
    since: datetime | None = None,
) -> int:
    query = select(func.count(Contact.id)).where(Contact.referred_by_id.is_not(None))
    if member_id is not None:
        query = query.where(Contact.referred_by_id == member_id)
    if team_id is not None:
        query = query.where(Contact.team_id == team_id)
    if since is not None:
        query = query.where(Contact.created_at >= since)
    return int(await session.scalar(query) or 0)


async def names(session: AsyncSession) -> dict[str, str]:
    """Every team's name by its id (as text, the way figures key teams)."""
    rows = await session.execute(select(Team.id, Team.name))
    return {str(team_id): name for team_id, name in rows.all()}
