"""Synthetic demo figures so a new deployment shows a living dashboard; removable exactly.

Everything it creates is marked: contacts, survey responses, outreach events and deliveries on
the channel "demo"; the demo teams and broadcasts are listed under the app_state key "demo"
(their field sessions and deliveries go with them). `clear` deletes exactly those.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import app_state, stats, surveys
from storage.events import EventKind
from storage.models import (
    Broadcast,
    Contact,
    Delivery,
    OutreachEvent,
    OutreachSession,
    SurveyResponse,
    Team,
)
from storage.stats import shift_month

CHANNEL = "demo"
STATE_KEY = "demo"
PROVINCE = "42"  # Hà Tĩnh, whose 2025 plan sets the 95% satisfaction target
PROCEDURES = ("1.001193", "1.000656", "1.004222", "2.000908", "1.001612", "3.000722")
QUESTIONS = (
    "cap lai giay khai sinh ban sao",
    "doi bang lai xe online",
    "quen mat khau vneid",
    "dang ky ket hon can giay to gi",
    "le phi cap can cuoc",
    "tra cuu ho so da nop",
    "xac nhan tinh trang hon nhan",
)


class DemoError(Exception):
    """Seeding would mix demo figures with real ones (`count` real answers), or seed twice."""

    PRESENT = "present"
    REAL_ANSWERS = "real_answers"

    def __init__(self, reason: str, count: int = 0) -> None:
        super().__init__(reason)
        self.reason, self.count = reason, count


@dataclass(frozen=True)
class Seeded:
    communes: int
    months: int
    contacts: int
    responses: int
    events: int
    sessions: int = 0
    broadcasts: int = 0


async def present(session: AsyncSession) -> bool:
    return await app_state.get(session, STATE_KEY) is not None


async def seed(
    session: AsyncSession,
    *,
    places: Sequence[tuple[str, str]],
    months: int,
    now: datetime,
    rng: random.Random,
) -> Seeded:
    """Fill months × communes of PROVINCE (`places`: code and name of each) with plausible
    contacts, outreach events and survey answers."""
    if await present(session):
        raise DemoError(DemoError.PRESENT)
    real = await session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.channel != CHANNEL, SurveyResponse.status == surveys.COMPLETE)
    )
    if real:  # people who only chatted are fine: demo figures mix only with survey answers
        raise DemoError(DemoError.REAL_ANSWERS, real)
    teams = []
    for code, name in places:
        team = Team(
            name=f"Demo · Tổ CNSCĐ {name}",
            province_code=PROVINCE,
            commune_code=code,
            created_at=now,
        )
        session.add(team)
        teams.append(team)
    await session.flush()
    await app_state.put(
        session, STATE_KEY, {"teams": [t.id for t in teams], "seeded_at": now.isoformat()}
    )
    last = stats.month_of(now)
    contacts = responses = events = field = 0
    broadcast_ids: list[int] = []
    for (code, _name), team in zip(places, teams, strict=True):
        quality = rng.uniform(0.86, 0.995)  # each commune's own level of satisfaction
        size = rng.choice((8, 25, 40, 60))  # some communes get few answers: wide intervals
        for back in range(months):
            month = shift_month(last, -back)
            start, end = stats.month_range(month)
            end = min(end, now)
            if end <= start:
                continue
            people = max(3, int(rng.gauss(size, size / 4)))
            rows: list[dict[str, Any]] = [
                {
                    "channel": CHANNEL,
                    "platform_user_id": f"demo-{code}-{month}-{i}",
                    "chat_id": f"demo-{code}-{month}-{i}",
                    "province_code": PROVINCE,
                    "commune_code": code,
                    "team_id": team.id,
                    "subscribed": True,
                    "created_at": _moment(rng, start, end),
                    "last_seen_at": end - timedelta(seconds=1),
                }
                for i in range(people)
            ]
            ids = list(await session.scalars(insert(Contact).returning(Contact.id), rows))
            contacts += len(ids)
            event_rows: list[dict[str, Any]] = []
            response_rows: list[dict[str, Any]] = []
            for contact_id, row in zip(ids, rows, strict=True):
                at: datetime = row["created_at"]
                base = {
                    "contact_id": contact_id,
                    "channel": CHANNEL,
                    "province_code": PROVINCE,
                    "commune_code": code,
                    "team_id": team.id,
                }
                kinds = [EventKind.FIRST_CONTACT]
                if rng.random() < 0.8:
                    kinds.append(EventKind.GUIDE_STARTED)
                    if rng.random() < 0.7:
                        kinds.append(EventKind.GUIDE_COMPLETED)
                if rng.random() < 0.15:
                    event_rows.append(
                        {
                            **base,
                            "kind": EventKind.SEARCH_UNANSWERED,
                            "detail": rng.choice(QUESTIONS),
                            "created_at": at,
                        }
                    )
                for kind in kinds:
                    event_rows.append(
                        {**base, "kind": kind, "ref": "vneid-muc-2", "created_at": at}
                    )
                if rng.random() < 0.6:
                    satisfied = rng.random() < quality
                    done = min(
                        at + timedelta(minutes=rng.randint(2, 600)), end - timedelta(seconds=1)
                    )
                    event_rows.append({**base, "kind": EventKind.SURVEY_STARTED, "created_at": at})
                    event_rows.append(
                        {
                            **base,
                            "kind": EventKind.SURVEY_COMPLETED,
                            "created_at": done,
                            "detail": stats.SATISFIED_DETAIL if satisfied else None,
                        }
                    )
                    response_rows.append(
                        {
                            "survey_id": "demo",
                            "survey_version": "1",
                            "contact_id": contact_id,
                            "channel": CHANNEL,
                            "province_code": PROVINCE,
                            "commune_code": code,
                            "procedure_code": rng.choice(PROCEDURES),
                            "team_id": team.id,
                            "source": CHANNEL,
                            "answers": {"demo": True},
                            "status": "complete",
                            "satisfied": satisfied,
                            "counted": True,
                            "started_at": at,
                            "updated_at": done,
                            "completed_at": done,
                        }
                    )
            if event_rows:
                await session.execute(insert(OutreachEvent), event_rows)
            if response_rows:
                await session.execute(insert(SurveyResponse), response_rows)
            events += len(event_rows)
            responses += len(response_rows)
            field += await _field_sessions(session, rng, team, code, start, end, now)
            broadcast_ids.append(await _broadcast(session, rng, team, code, ids, start, end))
    await app_state.put(
        session,
        STATE_KEY,
        {"teams": [t.id for t in teams], "broadcasts": broadcast_ids, "seeded_at": now.isoformat()},
    )
    return Seeded(len(places), months, contacts, responses, events, field, len(broadcast_ids))


async def _field_sessions(
    session: AsyncSession,
    rng: random.Random,
    team: Team,
    commune: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> int:
    count = rng.randint(1, 5)
    rows = []
    for _ in range(count):
        day = _moment(rng, start, end).astimezone(stats.VN_TZ).date()
        households = rng.randint(5, 40)
        installs = rng.randint(0, households)
        rows.append(
            {
                "contact_id": None,
                "team_id": team.id,
                "commune_code": commune,
                "day": day,
                "place": "Demo · nhà văn hoá thôn",
                "households": households,
                "vneid_installs": installs,
                "level2": rng.randint(0, installs),
                "portal_logins": rng.randint(0, installs),
                "dossiers_online": rng.randint(0, 5),
                "note": "demo",
                "created_at": now,
                "updated_at": now,
            }
        )
    await session.execute(insert(OutreachSession), rows)
    return count


async def _broadcast(
    session: AsyncSession,
    rng: random.Random,
    team: Team,
    commune: str,
    contact_ids: list[int],
    start: datetime,
    end: datetime,
) -> int:
    """A finished broadcast to the month's demo people, with plausible delivery outcomes."""
    at = _moment(rng, start, end)
    broadcast = Broadcast(
        state="done",
        kind="guide",
        ref="vneid-muc-2",
        message={"text": "demo"},
        audience="commune",
        province_code=PROVINCE,
        commune_code=commune,
        team_id=None,
        author_id=None,
        author_label="demo",
        send_at=at,
        quiet_hours=True,
        total=len(contact_ids),
        created_at=at,
        started_at=at,
        finished_at=at,
    )
    session.add(broadcast)
    await session.flush()
    outcomes = ("sent",) * 17 + ("blocked", "failed", "opted_out")
    await session.execute(
        insert(Delivery),
        [
            {
                "broadcast_id": broadcast.id,
                "contact_id": contact_id,
                "channel": CHANNEL,
                "state": rng.choice(outcomes),
                "attempts": 1,
                "next_attempt_at": at,
                "sent_at": at,
            }
            for contact_id in contact_ids
        ],
    )
    return broadcast.id


async def clear(session: AsyncSession) -> int:
    """Delete exactly what `seed` made; the number of demo contacts removed."""
    state = await app_state.get(session, STATE_KEY) or {}
    team_ids = [int(t) for t in state.get("teams", [])]
    broadcast_ids = [int(b) for b in state.get("broadcasts", [])]
    if broadcast_ids:
        await session.execute(delete(Broadcast).where(Broadcast.id.in_(broadcast_ids)))
    await session.execute(delete(Delivery).where(Delivery.channel == CHANNEL))
    if team_ids:
        await session.execute(delete(OutreachSession).where(OutreachSession.team_id.in_(team_ids)))
    await session.execute(delete(SurveyResponse).where(SurveyResponse.channel == CHANNEL))
    await session.execute(delete(OutreachEvent).where(OutreachEvent.channel == CHANNEL))
    result = await session.execute(delete(Contact).where(Contact.channel == CHANNEL))
    if team_ids:
        await session.execute(delete(Team).where(Team.id.in_(team_ids)))
    await app_state.remove(session, STATE_KEY)
    return int(getattr(result, "rowcount", 0) or 0)


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.uniform(0, max(1.0, (end - start).total_seconds() - 3600)))
