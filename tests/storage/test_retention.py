"""Retention: typed texts go after DVCBOT_TEXT_RETENTION_DAYS; the counts stay."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from storage import contacts
from storage.models import (
    DashboardLink,
    DashboardSession,
    OutreachEvent,
    OutreachSession,
    SurveyResponse,
)
from storage.retention import expire_typed_texts

NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)
TYPED = {"satisfaction": {"comment"}}


async def _seed(sessions, at: datetime, label: str) -> None:
    async with sessions() as session, session.begin():
        session.add_all(
            [
                OutreachEvent(
                    kind="search_unanswered", channel="zalo", detail=f"hoi {label}", created_at=at
                ),
                OutreachEvent(
                    kind="search_answered", channel="zalo", detail=f"xem {label}", created_at=at
                ),
                OutreachEvent(
                    kind="survey_completed", channel="zalo", detail="satisfied", created_at=at
                ),
                OutreachSession(
                    commune_code="18754",
                    day=date(2026, 1, 1),
                    place="Thôn 3",
                    note=f"ghi chú {label}",
                    created_at=at,
                    updated_at=at,
                ),
                SurveyResponse(
                    survey_id="satisfaction",
                    survey_version="1",
                    channel="zalo",
                    answers={"q1": "5", "comment": f"góp ý {label}"},
                    status="complete",
                    satisfied=True,
                    counted=True,
                    started_at=at,
                    updated_at=at,
                    completed_at=at,
                ),
            ]
        )


async def _texts(sessions) -> dict[str, list]:
    async with sessions() as session:
        return {
            "questions": sorted(
                (
                    await session.scalars(
                        select(OutreachEvent.detail).where(
                            OutreachEvent.kind.like("search%"), OutreachEvent.detail.is_not(None)
                        )
                    )
                ).all()
            ),
            "notes": sorted(
                (
                    await session.scalars(
                        select(OutreachSession.note).where(OutreachSession.note.is_not(None))
                    )
                ).all()
            ),
            "comments": sorted(
                a.get("comment")
                for a in (await session.scalars(select(SurveyResponse.answers))).all()
                if a.get("comment")
            ),
            "counts": [
                await session.scalar(select(func.count()).select_from(OutreachEvent)),
                await session.scalar(select(func.count()).select_from(SurveyResponse)),
                await session.scalar(
                    select(func.count()).where(OutreachEvent.detail == "satisfied")
                ),
            ],
        }


async def expire(sessions, now: datetime, days: int = 90):
    async with sessions() as session, session.begin():
        return await expire_typed_texts(session, now=now, days=days, typed_answers=TYPED)


async def test_texts_older_than_the_period_are_deleted_and_the_counts_stay(sessions) -> None:
    await _seed(sessions, NOW - timedelta(days=91), "cu")
    await _seed(sessions, NOW - timedelta(days=89), "moi")
    expired = await expire(sessions, NOW)
    assert (expired.questions, expired.survey_answers, expired.notes) == (2, 1, 1)
    texts = await _texts(sessions)
    assert texts["questions"] == ["hoi moi", "xem moi"]
    assert texts["notes"] == ["ghi chú moi"]
    assert texts["comments"] == ["góp ý moi"]
    assert texts["counts"] == [6, 2, 2], "every event, response and satisfied answer stays"
    async with sessions() as session:
        answers = (await session.scalars(select(SurveyResponse.answers))).all()
    assert all(a["q1"] == "5" for a in answers), "chosen answers are figures: kept"

    assert (await expire(sessions, NOW)).total == 0, "a second run finds nothing"
    later = await expire(sessions, NOW + timedelta(days=2))
    assert (later.questions, later.survey_answers, later.notes) == (2, 1, 1)
    assert await _texts(sessions) == {
        "questions": [],
        "notes": [],
        "comments": [],
        "counts": [6, 2, 2],
    }


async def test_the_period_is_the_configured_number_of_days(sessions) -> None:
    await _seed(sessions, NOW - timedelta(days=8), "tuan truoc")
    assert (await expire(sessions, NOW, days=10)).total == 0
    assert (await expire(sessions, NOW, days=7)).total == 4


async def test_spent_dashboard_links_and_old_sessions_go_after_the_period(sessions) -> None:
    async with sessions() as session, session.begin():
        officer, _ = await contacts.get_or_create(session, "telegram", "1", "1")
        for age, name in ((100, "old"), (1, "new")):
            at = NOW - timedelta(days=age)
            session.add(
                DashboardLink(
                    token_hash=f"link-{name}",
                    contact_id=officer.id,
                    created_at=at,
                    expires_at=at + timedelta(minutes=10),
                )
            )
            session.add(
                DashboardSession(
                    token_hash=f"session-{name}",
                    contact_id=officer.id,
                    csrf="x",
                    created_at=at,
                    last_seen_at=at,
                )
            )
    expired = await expire(sessions, NOW)
    assert expired.sign_ins == 2
    async with sessions() as session:
        left = [
            *(await session.scalars(select(DashboardLink.token_hash))).all(),
            *(await session.scalars(select(DashboardSession.token_hash))).all(),
        ]
    assert sorted(left) == ["link-new", "session-new"]
