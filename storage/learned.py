"""Learned items repository: officers' question → answer links and draft FAQ, and the version
counter every instance compares to know when to rebuild its search index."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import app_state
from storage.models import KeyValue, LearnedItem
from storage.redaction import redact

PHRASING, FAQ_DRAFT = "phrasing", "faq_draft"
VERSION_KEY = "learned_version"


async def version(session: AsyncSession) -> int:
    value = await session.scalar(select(KeyValue.value).where(KeyValue.key == VERSION_KEY))
    return int((value or {}).get("v", 0))


async def bump(session: AsyncSession) -> int:
    """Raise the version (row-locked, so two officers saving at once both count)."""
    current = await app_state.lock(session, VERSION_KEY, {"v": 0})
    new = int(current.get("v", 0)) + 1
    await app_state.put(session, VERSION_KEY, {"v": new})
    return new


async def find(session: AsyncSession, kind: str, normalised: str) -> LearnedItem | None:
    return await session.scalar(
        select(LearnedItem).where(LearnedItem.kind == kind, LearnedItem.normalised == normalised)
    )


async def save(
    session: AsyncSession,
    kind: str,
    question: str,
    normalised: str,
    *,
    by: str,
    now: datetime,
    ref: str | None = None,
    answer: str | None = None,
    ticket_id: int | None = None,
) -> LearnedItem:
    """Add or replace the item for this (kind, normalised question). The citizen's question
    is kept for good, so it is kept redacted (no phone number or name: storage.redaction)."""
    question, normalised = redact(question), redact(normalised)
    item = await find(session, kind, normalised)
    if item is None:
        item = LearnedItem(kind=kind, normalised=normalised, created_at=now)
        session.add(item)
    item.question, item.ref, item.answer = question, ref, answer
    item.ticket_id, item.created_by = ticket_id, by
    await session.flush()
    return item


async def phrasings(session: AsyncSession) -> dict[str, list[str]]:
    """Reference (`guide:ID`, `faq:ID`, `proc:CODE`) → the questions linked to it."""
    rows = await session.execute(
        select(LearnedItem.ref, LearnedItem.question)
        .where(LearnedItem.kind == PHRASING, LearnedItem.ref.is_not(None))
        .order_by(LearnedItem.id)
    )
    out: defaultdict[str, list[str]] = defaultdict(list)
    for ref, question in rows:
        out[str(ref)].append(question)
    return dict(out)


async def all_of(session: AsyncSession, kind: str) -> list[LearnedItem]:
    rows = await session.scalars(
        select(LearnedItem).where(LearnedItem.kind == kind).order_by(LearnedItem.id)
    )
    return list(rows)
