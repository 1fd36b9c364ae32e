"""Broadcasts repository: creating, listing and cancelling broadcasts, their progress and results.

A broadcast moves scheduled → sending → done | cancelled; its deliveries, one per recipient,
are the sender's queue (storage/deliveries.py). Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import roles
from storage.deliveries import OPEN, DState
from storage.events import EventKind
from storage.models import Broadcast, Contact, Delivery, OutreachEvent, utcnow

# Channels that can message a person first; console and web chat cannot.
PROACTIVE_CHANNELS = ("telegram", "zalo")


class State(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Audience(StrEnum):
    COMMUNE = "commune"  # subscribers of a commune
    TEAM = "team"  # people the team referred
    PROVINCE = "province"  # officers and admins only


@dataclass(frozen=True)
class Target:
    audience: Audience
    province_code: str | None = None
    commune_code: str | None = None
    team_id: int | None = None


@dataclass
class Stats:
    total: int = 0
    states: dict[str, int] = field(default_factory=dict)
    opened_guide: int = 0
    took_survey: int = 0

    def get(self, state: DState) -> int:
        return self.states.get(state.value, 0)

    @property
    def done(self) -> int:
        return self.total - sum(self.get(s) for s in OPEN)


def recipients(target: Target) -> Any:
    """SELECT of (contact id, channel) who would receive a broadcast to `target` now."""
    query = select(Contact.id, Contact.channel).where(
        Contact.subscribed.is_(True),
        Contact.unreachable_at.is_(None),
        Contact.channel.in_(PROACTIVE_CHANNELS),
    )
    if target.audience is Audience.COMMUNE:
        query = query.where(Contact.commune_code == target.commune_code)
    elif target.audience is Audience.TEAM:
        query = query.where(Contact.team_id == target.team_id, Contact.referred_by_id.is_not(None))
    else:
        query = query.where(Contact.province_code == target.province_code)
    return query


async def count_recipients(session: AsyncSession, target: Target) -> int:
    sub = recipients(target).subquery()
    return int(await session.scalar(select(func.count()).select_from(sub)) or 0)


async def create(
    session: AsyncSession,
    *,
    kind: str,
    ref: str | None,
    message: dict[str, Any],
    target: Target,
    author_id: int | None,
    author_label: str,
    send_at: datetime,
    quiet_hours: bool = True,
    now: datetime | None = None,
) -> Broadcast:
    """Store the broadcast and one pending delivery per recipient (INSERT … SELECT)."""
    now = now or utcnow()
    broadcast = Broadcast(
        state=State.SCHEDULED.value,
        kind=kind,
        ref=ref,
        message=message,
        audience=target.audience.value,
        province_code=target.province_code,
        commune_code=target.commune_code,
        team_id=target.team_id,
        author_id=author_id,
        author_label=author_label,
        send_at=send_at,
        quiet_hours=quiet_hours,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    sub = recipients(target).subquery()
    await session.execute(
        insert(Delivery).from_select(
            ["broadcast_id", "contact_id", "channel", "state", "attempts", "next_attempt_at"],
            select(
                literal(broadcast.id),
                sub.c.id,
                sub.c.channel,
                literal(DState.PENDING.value),
                literal(0),
                literal(send_at, type_=Delivery.__table__.c.next_attempt_at.type),
            ),
        )
    )
    broadcast.total = int(
        await session.scalar(
            select(func.count(Delivery.id)).where(Delivery.broadcast_id == broadcast.id)
        )
        or 0
    )
    await roles.audit(
        session,
        author_label,
        "broadcast.create",
        f"broadcast:{broadcast.id}",
        {"audience": target.audience.value, "total": broadcast.total, "kind": kind},
    )
    return broadcast


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


async def recent(session: AsyncSession, limit: int = 20) -> list[Broadcast]:
    rows = await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit))
    return list(rows)


async def cancel(session: AsyncSession, broadcast_id: int, *, actor: str) -> bool:
    """Stop a broadcast: nothing still pending or claimed will be sent."""
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
    if broadcast is None or broadcast.state in (State.DONE, State.CANCELLED):
        return False
    broadcast.state = State.CANCELLED.value
    broadcast.finished_at = utcnow()
    await session.execute(
        update(Delivery)
        .where(
            Delivery.broadcast_id == broadcast_id,
            Delivery.state.in_([DState.PENDING.value, DState.CLAIMED.value]),
        )
        .values(state=DState.CANCELLED.value)
    )
    await roles.audit(session, actor, "broadcast.cancel", f"broadcast:{broadcast_id}")
    return True


async def start_due(session: AsyncSession, now: datetime, *, quiet: bool) -> list[int]:
    """Scheduled broadcasts whose time has come become `sending` (quiet ones wait if `quiet`)."""
    query = select(Broadcast).where(
        Broadcast.state == State.SCHEDULED.value, Broadcast.send_at <= now
    )
    if quiet:
        query = query.where(Broadcast.quiet_hours.is_(False))
    started = []
    for broadcast in await session.scalars(query):
        broadcast.state, broadcast.started_at = State.SENDING.value, now
        started.append(broadcast.id)
    return started


async def sending(session: AsyncSession) -> list[Broadcast]:
    rows = await session.scalars(
        select(Broadcast).where(Broadcast.state == State.SENDING.value).order_by(Broadcast.id)
    )
    return list(rows)


async def complete_finished(session: AsyncSession, now: datetime) -> list[int]:
    """Sending broadcasts with no open delivery left become done; returns their ids."""
    finished = []
    for broadcast in await sending(session):
        still_open = await session.scalar(
            select(func.count(Delivery.id)).where(
                Delivery.broadcast_id == broadcast.id,
                Delivery.state.in_([s.value for s in OPEN]),
            )
        )
        if not still_open:
            broadcast.state, broadcast.finished_at = State.DONE.value, now
            finished.append(broadcast.id)
    return finished


async def settled(session: AsyncSession, broadcast_id: int) -> int:
    """How many of the broadcast's deliveries reached a final state (a cheap progress count)."""
    total = await session.scalar(
        select(func.count(Delivery.id)).where(
            Delivery.broadcast_id == broadcast_id,
            Delivery.state.not_in([s.value for s in OPEN]),
        )
    )
    return int(total or 0)


async def stats(session: AsyncSession, broadcast_id: int) -> Stats:
    """Counts per delivery state, and recipients who then opened the guide or took a survey."""
    result = Stats()
    rows = await session.execute(
        select(Delivery.state, func.count(Delivery.id))
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.state)
    )
    result.states = {state: int(n) for state, n in rows}
    result.total = sum(result.states.values())
    broadcast = await session.get(Broadcast, broadcast_id)
    after = and_(
        OutreachEvent.contact_id == Delivery.contact_id,
        OutreachEvent.created_at >= Delivery.sent_at,
    )
    engaged = (
        select(func.count(func.distinct(Delivery.contact_id)))
        .join(OutreachEvent, after)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.state == DState.SENT.value)
    )
    if broadcast is not None and broadcast.kind == "guide" and broadcast.ref:
        result.opened_guide = int(
            await session.scalar(
                engaged.where(
                    OutreachEvent.kind == EventKind.GUIDE_STARTED.value,
                    OutreachEvent.ref == broadcast.ref,
                )
            )
            or 0
        )
    result.took_survey = int(
        await session.scalar(
            engaged.where(
                OutreachEvent.kind.in_(
                    [EventKind.SURVEY_STARTED.value, EventKind.SURVEY_COMPLETED.value]
                )
            )
        )
        or 0
    )
    return result
