"""The real web app on a local test server, for HTTP-level tests."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestClient, TestServer

from bot.config import load_settings
from bot.web.app import create_app


@asynccontextmanager
async def web_client(database_url: str, **settings: object) -> AsyncIterator[TestClient]:
    app = create_app(load_settings(database_url=database_url, **settings))
    async with TestClient(TestServer(app)) as client:
        yield client


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf" value="([^"]+)"', html
    )
    assert found, "no CSRF token on the page"
    return found.group(1)
