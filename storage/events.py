"""Outreach events repository: structured facts for the reach → engage → guide → survey funnel."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, OutreachEvent, utcnow


class EventKind(StrEnum):
    FIRST_CONTACT = "first_contact"
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    GUIDE_STARTED = "guide_started"
    GUIDE_COMPLETED = "guide_completed"
    PROCEDURE_VIEWED = "procedure_viewed"
    SEARCH_ANSWERED = "search_answered"
    SEARCH_UNANSWERED = "search_unanswered"
    SURVEY_STARTED = "survey_started"
    SURVEY_COMPLETED = "survey_completed"


async def record(
    session: AsyncSession,
    kind: EventKind | str,
    contact: Contact | None,
    *,
    channel: str | None = None,
    ref: str | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> OutreachEvent:
    """Record an event, attributed to the contact's place and team as they are now."""
    event = OutreachEvent(
        kind=str(kind),
        contact_id=contact.id if contact else None,
        channel=channel or (contact.channel if contact else "unknown"),
        province_code=contact.province_code if contact else None,
        commune_code=contact.commune_code if contact else None,
        team_id=contact.team_id if contact else None,
        ref=ref[:200] if ref else None,
        detail=detail,
        created_at=at or utcnow(),
    )
    session.add(event)  # written with the message's other rows when the transaction commits
    return event


async def recorded(
    session: AsyncSession, kind: EventKind | str, contact: Contact, ref: str
) -> bool:
    """True when this contact already has an event of `kind` with `ref` (idempotent records)."""
    found = await session.scalar(
        select(OutreachEvent.id)
        .where(
            OutreachEvent.kind == str(kind),
            OutreachEvent.contact_id == contact.id,
            OutreachEvent.ref == ref,
        )
        .limit(1)
    )
    return found is not None
