"""One real dvcbot app with Telegram (webhook mode), Zalo and the web chat, wired to the local
fake platforms, as a province runs it; helpers post exactly what each platform would."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.inbox.plugin import INBOX
from bot.web.app import create_app
from bot.web.keys import RUNTIME
from tests.bot.channels.zalo.conftest import zalo_settings
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo, signed
from tests.support.process import free_port

TOKEN = "123:abc"
WEBHOOK_SECRET = "platforms-webhook-secret"


class Platforms:
    """The app under test and the two fakes; `url` is where the app listens."""

    def __init__(self, server: TestServer, tg: FakeTelegram, zalo: FakeZalo) -> None:
        self.server, self.tg, self.zalo = server, tg, zalo
        self.url = f"http://127.0.0.1:{server.port}"
        self._ids = itertools.count(1)

    @property
    def engine(self) -> AsyncEngine:
        return self.server.app[RUNTIME].engine

    async def post(
        self, path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.url}{path}", data=body, headers=headers or {}) as answer,
        ):
            return answer.status, await answer.text()

    async def telegram(self, update: dict[str, Any] | bytes) -> int:
        """POST an update (given an update_id when it has none) as Telegram does."""
        if isinstance(update, dict):
            update = json.dumps({"update_id": 10_000 + next(self._ids), **update}).encode()
        headers = {
            "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
            "Content-Type": "application/json",
        }
        status, _text = await self.post("/telegram/webhook", update, headers)
        return status

    async def zalo_event(self, payload: dict[str, Any]) -> int:
        """POST a correctly signed Zalo event and wait until it is handled."""
        body, headers = signed(payload)
        status, _text = await self.post("/zalo/webhook", body, headers)
        await self.idle()
        return status

    async def idle(self) -> None:
        """Wait until every stored update (the durable inbox) has been handled and answered."""
        await self.server.app[INBOX].worker.drain()


@asynccontextmanager
async def platforms(database_url: str, **settings: Any) -> AsyncIterator[Platforms]:
    async with FakeTelegram(TOKEN) as tg:
        zalo = FakeZalo()
        await zalo.start()
        port = free_port()
        config = zalo_settings(
            database_url,
            zalo,
            telegram_token=TOKEN,
            telegram_api_url=tg.base_url,
            telegram_mode="webhook",
            telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
            telegram_webhook_secret=WEBHOOK_SECRET,
            **settings,
        )
        server = TestServer(create_app(config), host="127.0.0.1", port=port)
        await server.start_server()
        try:
            yield Platforms(server, tg, zalo)
        finally:
            await server.close()
            await zalo.close()
