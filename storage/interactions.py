"""Interactions repository: one row per handled message, unique per platform message id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Interaction


async def seen(session: AsyncSession, channel: str, platform_message_id: str) -> bool:
    """True when this platform message was handled already."""
    found = await session.scalar(
        select(Interaction.id).where(
            Interaction.channel == channel,
            Interaction.platform_message_id == platform_message_id,
        )
    )
    return found is not None


async def record(
    session: AsyncSession,
    *,
    contact_id: int | None,
    channel: str,
    platform_message_id: str | None,
    kind: str,
    handler: str,
    shown: str | None,
    at: datetime,
) -> Interaction:
    row = Interaction(
        contact_id=contact_id,
        channel=channel,
        platform_message_id=platform_message_id,
        kind=kind,
        handler=handler[:100],
        shown=shown[:300] if shown else None,
        created_at=at,
    )
    session.add(row)  # flushed at commit: a duplicate message id fails there, as it would here
    return row


async def count(session: AsyncSession, contact_id: int | None = None) -> int:
    query = select(func.count(Interaction.id))
    if contact_id is not None:
        query = query.where(Interaction.contact_id == contact_id)
    return int(await session.scalar(query) or 0)
