"""Officers' answers for chats the bot cannot write to first: the web page and the console
collect them (the page by polling or on its next load, the console at the next line)."""

from __future__ import annotations

from datetime import datetime

from handlers.broadcast_message import from_dict
from handlers.types import Reply
from storage import notices
from storage.db import SessionFactory


async def pending_replies(
    sessions: SessionFactory, channel: str, chat_id: str, *, now: datetime
) -> list[Reply]:
    async with sessions() as session, session.begin():
        rows = await notices.take_for_chat(session, channel, chat_id, now=now)
        return [from_dict(row.message) for row in rows]
