"""Erasing a person (Nghị định 13/2023/NĐ-CP): personal data goes, anonymous figures stay."""

from __future__ import annotations

from collections.abc import Mapping, Set

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import contacts
from storage.models import (
    Contact,
    ConversationState,
    OutreachEvent,
    OutreachSession,
    SurveyResponse,
)

# Events whose `detail` is what the person typed (redacted and folded): erased with them.
TYPED_EVENT_KINDS = ("search_answered", "search_unanswered")


async def erase_contact(
    session: AsyncSession,
    contact: Contact,
    *,
    typed_answers: Mapping[str, Set[str]] | None = None,
) -> None:
    """Delete the contact row (platform ids, chat id, name, place, state, roles) and every
    text the person typed: their questions kept for content gaps, their free survey answers
    (survey id -> question ids in `typed_answers`) and the notes of sessions they logged.

    Interactions, outreach events and survey responses stay, detached (contact_id NULL), so
    published figures do not change: only counts remain. The person's events keep one opaque
    negative `subject` so per-person funnel counts stay put.
    """
    person = contact.id
    # Not -contact.id: SQLite may give a later contact the same id. Event ids are never
    # reused (events are never deleted), so minus the person's first event id is unique.
    first_event = await session.scalar(
        select(func.min(OutreachEvent.id)).where(OutreachEvent.contact_id == person)
    )
    if first_event is not None:
        await session.execute(
            update(OutreachEvent)
            .where(OutreachEvent.contact_id == person)
            .values(subject=-first_event)
            .execution_options(synchronize_session=False)
        )
    await session.execute(
        update(OutreachEvent)
        .where(
            OutreachEvent.contact_id == person,
            OutreachEvent.kind.in_(TYPED_EVENT_KINDS),
            OutreachEvent.detail.is_not(None),
        )
        .values(detail=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(OutreachSession)
        .where(OutreachSession.contact_id == person, OutreachSession.note.is_not(None))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    if typed_answers:
        responses = await session.scalars(
            select(SurveyResponse).where(SurveyResponse.contact_id == person)
        )
        for response in responses:
            typed = typed_answers.get(response.survey_id, set())
            if typed & set(response.answers or {}):
                response.answers = {
                    k: v for k, v in (response.answers or {}).items() if k not in typed
                }
    state = await session.get(ConversationState, person)
    if state is not None:
        await session.delete(state)
        await session.flush()  # before the contact, or the database cascade gets there first
    await contacts.delete(session, contact)
