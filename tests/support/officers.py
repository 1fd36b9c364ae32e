"""Officers with roles and survey answers in the database, for dashboard and /thongke tests."""

from __future__ import annotations

from datetime import datetime

from storage import contacts, dashboard, roles
from storage.db import SessionFactory
from storage.models import SurveyResponse, utcnow

PROVINCE = "42"
COMMUNE_A = "18754"
COMMUNE_B = "18781"
OTHER_PROVINCE_COMMUNE = "00070"


async def person(
    sessions: SessionFactory,
    user: str,
    role: str | None = None,
    *,
    province: str | None = None,
    commune: str | None = None,
    channel: str = "console",
) -> int:
    async with sessions() as session, session.begin():
        contact, _ = await contacts.get_or_create(session, channel, user, user)
        contact.province_code, contact.commune_code = province, commune
        if role is not None:
            await roles.grant(
                session,
                contact.id,
                role,
                actor="test",
                province_code=province,
                commune_code=commune,
            )
        return contact.id


async def answers(
    sessions: SessionFactory,
    *,
    commune: str,
    satisfied: int,
    unsatisfied: int,
    at: datetime | None = None,
    province: str = PROVINCE,
    channel: str = "telegram",
    procedure: str = "1.001193",
) -> None:
    """Complete, counted survey responses (no contact: as after the person erased their data)."""
    at = at or utcnow()
    async with sessions() as session, session.begin():
        for index in range(satisfied + unsatisfied):
            session.add(
                SurveyResponse(
                    survey_id="test",
                    survey_version="1",
                    contact_id=None,
                    channel=channel,
                    province_code=province,
                    commune_code=commune,
                    procedure_code=procedure,
                    answers={},
                    status="complete",
                    satisfied=index < satisfied,
                    counted=True,
                    started_at=at,
                    updated_at=at,
                    completed_at=at,
                )
            )


async def link_for(sessions: SessionFactory, contact_id: int, secret: str, base: str = "") -> str:
    async with sessions() as session, session.begin():
        return await dashboard.issue_link(
            session, contact_id, secret=secret, base_url=base, now=utcnow()
        )
