"""Retention: typed texts kept for figures are deleted once they are older than the period.

What people type is kept only as long as officers need it to see what is missing
(DVCBOT_TEXT_RETENTION_DAYS, 90 days by default); the counts stay. Spent dashboard sign-in
links and sessions go after the same period (the audit log keeps the logins). `expire_typed_texts`
runs periodically in `dvcbot serve` and on demand with `dvcbot privacy expire`.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import app_state
from storage.models import (
    DashboardLink,
    DashboardSession,
    OutreachEvent,
    OutreachSession,
    SurveyResponse,
)
from storage.privacy import TYPED_EVENT_KINDS

WATERMARK_KEY = "retention"  # app_state: up to when survey answers were already expired


@dataclass(frozen=True)
class Expired:
    """How many texts one run deleted."""

    questions: int
    survey_answers: int
    notes: int
    sign_ins: int = 0  # dashboard links and sessions

    @property
    def total(self) -> int:
        return self.questions + self.survey_answers + self.notes + self.sign_ins


async def expire_typed_texts(
    session: AsyncSession,
    *,
    now: datetime,
    days: int,
    typed_answers: Mapping[str, Set[str]] | None = None,
) -> Expired:
    """Delete the typed texts older than `days` before `now`: questions kept for content gaps,
    free survey answers (survey id -> question ids in `typed_answers`), outreach notes."""
    cutoff = now - timedelta(days=days)
    questions = await session.execute(
        update(OutreachEvent)
        .where(
            OutreachEvent.kind.in_(TYPED_EVENT_KINDS),
            OutreachEvent.created_at < cutoff,
            OutreachEvent.detail.is_not(None),
        )
        .values(detail=None)
        .execution_options(synchronize_session=False)
    )
    notes = await session.execute(
        update(OutreachSession)
        .where(OutreachSession.created_at < cutoff, OutreachSession.note.is_not(None))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    answers = await _expire_survey_answers(session, cutoff, typed_answers or {})
    links = await session.execute(delete(DashboardLink).where(DashboardLink.expires_at < cutoff))
    sessions = await session.execute(
        delete(DashboardSession).where(DashboardSession.last_seen_at < cutoff)
    )
    return Expired(
        questions=int(questions.rowcount or 0),  # type: ignore[attr-defined]
        survey_answers=answers,
        notes=int(notes.rowcount or 0),  # type: ignore[attr-defined]
        sign_ins=int(links.rowcount or 0) + int(sessions.rowcount or 0),  # type: ignore[attr-defined]
    )


async def _expire_survey_answers(
    session: AsyncSession, cutoff: datetime, typed: Mapping[str, Set[str]]
) -> int:
    """Free answers of responses last changed before `cutoff`; each run reads only the
    responses that crossed the cutoff since the last run (a watermark in app_state)."""
    typed = {survey: ids for survey, ids in typed.items() if ids}
    if not typed:
        return 0
    state = await app_state.lock(session, WATERMARK_KEY, {})
    since = state.get("survey_answers_before")
    query = select(SurveyResponse).where(
        SurveyResponse.updated_at < cutoff, SurveyResponse.survey_id.in_(list(typed))
    )
    if since:
        query = query.where(SurveyResponse.updated_at >= datetime.fromisoformat(since))
    removed = 0
    for response in await session.scalars(query):
        drop = typed[response.survey_id] & set(response.answers or {})
        if drop:
            response.answers = {k: v for k, v in response.answers.items() if k not in drop}
            removed += len(drop)
    await app_state.put(
        session, WATERMARK_KEY, {**state, "survey_answers_before": cutoff.isoformat()}
    )
    return removed
