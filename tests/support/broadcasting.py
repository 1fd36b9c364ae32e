"""Broadcast test support: the real TelegramChannel against the fake Bot API, people, a sender."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.broadcast.config import SenderConfig
from bot.broadcast.sender import Sender
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.service import build_application
from bot.config import load_settings
from handlers import broadcast_message
from handlers.broadcast_message import Kind
from handlers.content import Content
from storage import broadcasts, db
from storage.broadcasts import Audience, Target
from storage.models import Contact, utcnow
from tests.support.fake_telegram import FakeTelegram

COMMUNE = "18562"
PROVINCE = "42"


@asynccontextmanager
async def telegram_channel(
    tg: FakeTelegram,
    sessions: db.SessionFactory,
    content: Content,
    rate: float = 30,
    *,
    paid: bool = False,
) -> AsyncIterator[TelegramChannel]:
    """The production TelegramChannel (PTB on aiohttp) pointed at the fake server."""
    settings = load_settings(
        telegram_token=tg.token,
        telegram_api_url=tg.base_url,
        telegram_rate=rate,
        telegram_paid_broadcast=paid,
        telegram_max_rate=0,  # the sender under test does the pacing
    )
    application = build_application(settings, webhook=True)
    await application.bot.initialize()
    try:
        yield TelegramChannel(application.bot, sessions, content, paid_broadcast=paid)
    finally:
        await application.bot.shutdown()


async def add_people(
    sessions: db.SessionFactory,
    count: int,
    *,
    commune: str = COMMUNE,
    province: str = PROVINCE,
    channel: str = "telegram",
    first_chat: int = 1000,
    **fields: Any,
) -> list[int]:
    """`count` subscribed contacts in `commune`; chat ids first_chat, first_chat+1, ..."""
    now = utcnow()
    rows = [
        Contact(
            channel=channel,
            platform_user_id=str(first_chat + i),
            chat_id=str(first_chat + i),
            province_code=province,
            commune_code=commune,
            subscribed=True,
            created_at=now,
            last_seen_at=now,
            **fields,
        )
        for i in range(count)
    ]
    async with sessions() as session, session.begin():
        session.add_all(rows)
    return [r.id for r in rows]


async def create_broadcast(
    sessions: db.SessionFactory,
    content: Content,
    *,
    guide: str = "vneid-muc-2",
    target: Target | None = None,
    author_id: int | None = None,
    send_at: datetime | None = None,
) -> int:
    """A guide broadcast to COMMUNE, due at `send_at` (default: now)."""
    message = broadcast_message.build(content, Kind.GUIDE, guide, "Tổ CNS xã Thạch Hà")
    assert message is not None
    async with sessions() as session, session.begin():
        created = await broadcasts.create(
            session,
            kind="guide",
            ref=guide,
            message=broadcast_message.to_dict(message),
            target=target or Target(Audience.COMMUNE, commune_code=COMMUNE),
            author_id=author_id,
            author_label="test",
            send_at=send_at or utcnow(),
        )
    return created.id


def make_sender(
    engine: AsyncEngine,
    channels: dict[str, Any],
    content: Content,
    *,
    instance: str | None = None,
    **config: Any,
) -> Sender:
    settings: dict[str, Any] = {
        "rates": {"telegram": 200.0, "zalo": 60.0},
        "quiet": None,
        "retry_seconds": 0.05,
        "poll_seconds": 0.05,
        "chat_interval": 1.0,
        "zalo_window": timedelta(days=7),
    }
    settings.update(config)
    return Sender(engine, channels, content, SenderConfig(**settings), instance=instance)


async def drain(sender: Sender, rounds: int = 2000) -> None:
    """Run sender cycles until no broadcast is scheduled or sending."""
    try:
        for _ in range(rounds):
            await sender.step()
            async with sender.sessions() as session:
                recent = await broadcasts.recent(session, 100)
            if not [b for b in recent if b.state in ("scheduled", "sending")]:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("broadcasts did not finish")
    finally:
        await sender.leadership.release()


def sent_chats(tg: FakeTelegram) -> list[str]:
    return [c.chat_id or "" for c in tg.calls_to("sendMessage") if c.status == 200]
