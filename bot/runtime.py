"""The running parts every entry point shares: settings, database, content, core and channels."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.base import Channel
from bot.config import Settings
from bot.content import load_or_raise
from bot.core import Core
from bot.search import build_index
from handlers.content import Content
from handlers.registry import ROUTERS
from handlers.routing import button_actions
from storage import app_state, db
from storage.clock import SYSTEM_CLOCK, Clock

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: db.SessionFactory
    content: Content
    core: Core
    secret: str
    channels: dict[str, Channel] = field(default_factory=dict)
    services: dict[str, Any] = field(default_factory=dict)
    clock: Clock = SYSTEM_CLOCK


def load_content(settings: Settings, clock: Clock = SYSTEM_CLOCK) -> Content:
    return load_or_raise(
        settings.content_dir,
        known_actions=button_actions(ROUTERS),
        clock=clock,
        province=settings.province,
    )


def handler_settings(settings: Settings) -> dict[str, Any]:
    """The settings handlers may read: everything but secrets, plus where the web app is and
    which channels run (for the links handlers hand out)."""
    found = {
        name: value
        for name, value in settings.model_dump().items()
        if "secret" not in name and "token" not in name
    }
    found.update(
        base_url=settings.base_url,
        telegram_enabled=settings.telegram_token is not None,
        zalo_enabled=settings.zalo_enabled,
    )
    return found


def render_chart(kind: str, **values: Any) -> bytes:
    """Charts for handlers; matplotlib loads on first use, not with every CLI command."""
    from bot.reports import charts

    return charts.render(kind, **values)


@asynccontextmanager
async def open_runtime(
    settings: Settings, *, migrate: bool | None = None, clock: Clock = SYSTEM_CLOCK
) -> AsyncIterator[Runtime]:
    """Open the database (migrating SQLite automatically), load content, build the core."""
    url = settings.database_url
    if migrate if migrate is not None else db.is_sqlite(url):
        await db.upgrade(url, secret=settings.secret_value)
    content = load_content(settings, clock)
    engine = db.create_engine(url)
    try:
        sessions = db.session_factory(engine)
        if settings.secret is not None:
            secret = settings.secret.get_secret_value()
        else:
            async with sessions() as session, session.begin():
                secret = await app_state.get_or_create_secret(session)
        search = build_index(content)
        services: dict[str, Any] = {
            "secret": secret,
            "search": search,
            "base_url": settings.base_url,  # for links handlers hand out (/dashboard)
            "charts": render_chart,  # /thongke's picture
        }
        services.setdefault("health", {})["search"] = lambda: {"documents": search.size}
        core = Core(
            sessions, content, settings=handler_settings(settings), services=services, clock=clock
        )
        yield Runtime(
            settings, engine, sessions, content, core, secret, services=services, clock=clock
        )
    finally:
        await engine.dispose()
