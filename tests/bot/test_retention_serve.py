"""`dvcbot serve` deletes typed texts past DVCBOT_TEXT_RETENTION_DAYS as soon as it starts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.config import Settings
from bot.web.app import create_app
from storage import db
from storage.clock import SYSTEM_CLOCK
from storage.models import OutreachEvent


@pytest.mark.parametrize("backend", ["sqlite"])  # the schedule, not storage, is under test
async def test_serve_expires_old_questions_and_keeps_recent_ones(database_url: str) -> None:
    engine = db.create_engine(database_url)
    sessions = db.session_factory(engine)
    now = SYSTEM_CLOCK.now()  # the app runs on the system clock: ages relative to it
    async with sessions() as session, session.begin():
        for age, detail in ((31, "hoi cu"), (29, "hoi moi")):
            session.add(
                OutreachEvent(
                    kind="search_unanswered",
                    channel="web",
                    detail=detail,
                    created_at=now - timedelta(days=age),
                )
            )
    server = TestServer(create_app(Settings(database_url=database_url, text_retention_days=30)))
    await server.start_server()
    try:
        for _ in range(100):
            async with sessions() as session:
                left = (await session.scalars(select(OutreachEvent.detail))).all()
            if None in left:
                break
            await asyncio.sleep(0.05)
        assert sorted(left, key=str) == [None, "hoi moi"]
    finally:
        await server.close()
        await engine.dispose()
