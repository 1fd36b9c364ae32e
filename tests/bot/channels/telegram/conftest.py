"""Fixtures: the fake Bot API server and dvcbot's web app running against it, over real sockets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.config import Settings
from bot.runtime import Runtime
from bot.web.app import create_app
from bot.web.keys import RUNTIME
from tests.support.fake_telegram import FakeTelegram
from tests.support.process import free_port

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "telegram"
SECRET = "s3cret-Token_for-tests"
TOKEN = "123:abc"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as server:
        yield server


@dataclass
class Dvcbot:
    """dvcbot's web app serving on a real port, with Telegram pointed at the fake server."""

    app: web.Application
    server: TestServer
    port: int
    path: str = "/telegram/webhook"

    @property
    def runtime(self) -> Runtime:
        return self.app[RUNTIME]

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def post(
        self, body: bytes | str | dict[str, Any], *, secret: str | None = SECRET
    ) -> tuple[int, str]:
        """POST to the webhook route like Telegram does (or like an attacker would)."""
        data = json.dumps(body) if isinstance(body, dict) else body
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook_url, data=data, headers=headers) as response,
        ):
            return response.status, await response.text()


def settings_for(database_url: str, tg: FakeTelegram, **extra: Any) -> Settings:
    return Settings(
        database_url=database_url,
        telegram_token=TOKEN,
        telegram_api_url=tg.base_url,
        **extra,
    )


async def serve(settings: Settings, port: int) -> tuple[web.Application, TestServer]:
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    return app, server


@pytest_asyncio.fixture
async def polling(database_url: str, tg: FakeTelegram) -> AsyncIterator[Dvcbot]:
    """dvcbot with Telegram in long-polling mode."""
    port = free_port()
    app, server = await serve(settings_for(database_url, tg), port)
    yield Dvcbot(app, server, port)
    await server.close()


@pytest_asyncio.fixture
async def webhook(database_url: str, tg: FakeTelegram) -> AsyncIterator[Dvcbot]:
    """dvcbot with Telegram in webhook mode; the fake delivers queued updates to it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    settings = settings_for(
        database_url,
        tg,
        telegram_mode="webhook",
        telegram_webhook_url=url,
        telegram_webhook_secret=SECRET,
    )
    app, server = await serve(settings, port)
    yield Dvcbot(app, server, port)
    await server.close()
