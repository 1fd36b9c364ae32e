"""Survey responses repository: start, answer, complete (idempotently) and count once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact, SurveyResponse, utcnow

COMPLETE = "complete"
INCOMPLETE = "incomplete"


async def start(
    session: AsyncSession,
    contact: Contact,
    *,
    survey_id: str,
    survey_version: str,
    channel: str | None = None,
    procedure_code: str | None = None,
    commune_code: str | None = None,
    province_code: str | None = None,
    source: str | None = None,
    at: datetime | None = None,
) -> SurveyResponse:
    """A new, incomplete response, attributed to the given place or the contact's place and team."""
    now = at or utcnow()
    response = SurveyResponse(
        survey_id=survey_id,
        survey_version=survey_version,
        contact_id=contact.id,
        channel=channel or contact.channel,
        province_code=province_code or contact.province_code,
        commune_code=commune_code or contact.commune_code,
        procedure_code=procedure_code,
        team_id=contact.team_id,
        source=source[:64] if source else None,
        answers={},
        status=INCOMPLETE,
        counted=False,
        started_at=now,
        updated_at=now,
    )
    session.add(response)
    await session.flush()
    return response


async def get(session: AsyncSession, response_id: int) -> SurveyResponse | None:
    return await session.get(SurveyResponse, response_id)


async def latest_open(session: AsyncSession, contact_id: int) -> SurveyResponse | None:
    """The person's most recent unfinished response, to continue where they left off."""
    return await session.scalar(
        select(SurveyResponse)
        .where(SurveyResponse.contact_id == contact_id, SurveyResponse.status == INCOMPLETE)
        .order_by(SurveyResponse.started_at.desc(), SurveyResponse.id.desc())
        .limit(1)
    )


def set_answer(response: SurveyResponse, question: str, value: Any, at: datetime) -> None:
    """Record (or replace) one answer; a new dict so the JSON column sees the change."""
    response.answers = {**(response.answers or {}), question: value}
    response.updated_at = at


def drop_answer(response: SurveyResponse, question: str, at: datetime) -> None:
    answers = dict(response.answers or {})
    answers.pop(question, None)
    response.answers = answers
    response.updated_at = at


async def complete(
    session: AsyncSession,
    response: SurveyResponse,
    *,
    satisfied: bool,
    repeat_period: timedelta,
    at: datetime | None = None,
) -> bool:
    """Finish a response; False (and no change) when it was finished already.

    The status flips in one conditional UPDATE, so two instances finishing the same response
    at once (a double tap served twice) finish it once. Then the person's earlier counted
    answer for the same procedure (or for no procedure) completed within `repeat_period`
    stops counting: the latest answer is the one that counts.
    """
    if response.status == COMPLETE:
        return False
    now = at or utcnow()
    await session.flush()  # answers given in this message first
    flipped = await session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.id == response.id, SurveyResponse.status == INCOMPLETE)
        .values(
            status=COMPLETE, satisfied=satisfied, completed_at=now, updated_at=now, counted=True
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(response)
    if getattr(flipped, "rowcount", 0) != 1:
        return False
    if response.contact_id is not None and repeat_period > timedelta(0):
        same_procedure = (
            SurveyResponse.procedure_code.is_(None)
            if response.procedure_code is None
            else SurveyResponse.procedure_code == response.procedure_code
        )
        await session.execute(
            update(SurveyResponse)
            .where(
                SurveyResponse.contact_id == response.contact_id,
                SurveyResponse.id != response.id,
                SurveyResponse.counted.is_(True),
                same_procedure,
                SurveyResponse.completed_at >= now - repeat_period,
                SurveyResponse.completed_at <= now,
            )
            .values(counted=False)
            .execution_options(synchronize_session=False)
        )
    return True


async def completed_between(
    session: AsyncSession, start: datetime, end: datetime
) -> list[SurveyResponse]:
    """Complete responses finished in [start, end), oldest first (for per-response exports)."""
    result = await session.scalars(
        select(SurveyResponse)
        .where(
            SurveyResponse.status == COMPLETE,
            SurveyResponse.completed_at >= start,
            SurveyResponse.completed_at < end,
        )
        .order_by(SurveyResponse.completed_at, SurveyResponse.id)
    )
    return list(result.all())
