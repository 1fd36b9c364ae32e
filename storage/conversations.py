"""Conversation state repository: the flow, step and offered buttons of each contact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationState


async def load(session: AsyncSession, contact_id: int) -> ConversationState:
    """The contact's state row, created empty (not yet flushed) when there is none."""
    state = await session.get(ConversationState, contact_id)
    if state is None:
        state = ConversationState(contact_id=contact_id, data={}, offered=[])
        session.add(state)
    return state


def save(
    state: ConversationState,
    *,
    flow: str | None,
    step: str | None,
    data: dict[str, Any],
    offered: list[Any] | None,
    topic: str | None = None,
    topic_at: datetime | None = None,
    language: str | None = None,
) -> None:
    """Write the state back; `offered=None` keeps the buttons offered before."""
    if (state.flow, state.step, state.data) != (flow, step, data):
        state.flow, state.step, state.data = flow, step, dict(data)
    if (state.topic, state.topic_at, state.language) != (topic, topic_at, language):
        state.topic, state.topic_at, state.language = topic, topic_at, language
    if offered is not None and list(state.offered or []) != offered:
        state.offered = list(offered)
