"""Notices repository: messages to one chat waiting to go out, claimed by exactly one instance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Notice

PENDING, CLAIMED, SENT, FAILED = "pending", "claimed", "sent", "failed"
CLAIM_TIMEOUT = timedelta(minutes=2)  # a claim older than this was lost with its instance


def add(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    message: dict[str, Any],
    now: datetime,
    ticket_id: int | None = None,
    contact_id: int | None = None,
) -> Notice:
    notice = Notice(
        ticket_id=ticket_id,
        contact_id=contact_id,
        channel=channel,
        chat_id=chat_id,
        message=message,
        state=PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(notice)
    return notice


async def claim(
    session: AsyncSession, channels: list[str], instance: str, *, now: datetime, limit: int = 50
) -> list[Notice]:
    """Take up to `limit` due notices for `channels`; a conditional UPDATE per row, so two
    instances never both take one. Claims left by a dead instance are taken again."""
    if not channels:
        return []
    candidates = list(
        await session.scalars(
            select(Notice.id)
            .where(
                Notice.channel.in_(channels),
                (
                    (Notice.state == PENDING) & (Notice.next_attempt_at <= now)
                    | (Notice.state == CLAIMED) & (Notice.next_attempt_at <= now - CLAIM_TIMEOUT)
                ),
            )
            .order_by(Notice.id)
            .limit(limit)
        )
    )
    taken: list[int] = []
    for notice_id in candidates:
        result = await session.execute(
            update(Notice)
            .where(
                Notice.id == notice_id,
                (Notice.state == PENDING)
                | (Notice.state == CLAIMED) & (Notice.next_attempt_at <= now - CLAIM_TIMEOUT),
            )
            .values(state=CLAIMED, claimed_by=instance, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0):
            taken.append(notice_id)
    if not taken:
        return []
    rows = await session.scalars(
        select(Notice)
        .where(Notice.id.in_(taken))
        .order_by(Notice.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def finish(
    session: AsyncSession,
    notice_id: int,
    *,
    sent: bool,
    now: datetime,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """Record the outcome: sent, failed for good, or back to pending until `retry_at`."""
    values: dict[str, Any] = {"error": error[:200] if error else None}
    if sent:
        values.update(state=SENT, sent_at=now)
    elif retry_at is not None:
        values.update(state=PENDING, next_attempt_at=retry_at, attempts=Notice.attempts + 1)
    else:
        values.update(state=FAILED, attempts=Notice.attempts + 1)
    await session.execute(
        update(Notice)
        .where(Notice.id == notice_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def of_ticket(session: AsyncSession, ticket_id: int) -> list[Notice]:
    rows = await session.scalars(
        select(Notice).where(Notice.ticket_id == ticket_id).order_by(Notice.id)
    )
    return list(rows)


async def take_for_chat(
    session: AsyncSession, channel: str, chat_id: str, *, now: datetime
) -> list[Notice]:
    """Notices waiting for a chat that cannot be written to first (web chat, console): its
    page or next line collects them, once."""
    rows = list(
        await session.scalars(
            select(Notice)
            .where(Notice.channel == channel, Notice.chat_id == chat_id, Notice.state == PENDING)
            .order_by(Notice.id)
        )
    )
    taken: list[Notice] = []
    for row in rows:
        result = await session.execute(
            update(Notice)
            .where(Notice.id == row.id, Notice.state == PENDING)
            .values(state=SENT, sent_at=now, claimed_by="pickup")
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0):
            taken.append(row)
    return taken
