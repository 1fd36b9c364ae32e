"""Async engine, session factory and schema migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

logger = logging.getLogger(__name__)

DbSession = AsyncSession
SessionFactory = async_sessionmaker[AsyncSession]
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; on SQLite with foreign keys, WAL and a busy timeout on every connection."""
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # Operators (and bench/instances.py) see in pg_stat_activity which process holds what.
    kwargs.setdefault(
        "connect_args", {"server_settings": {"application_name": f"dvcbot:{os.getpid()}"}}
    )
    return create_async_engine(url, **kwargs)


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT construct, which offers ON CONFLICT on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert
    return sqlite_insert


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> bool:
    """True when the database answers a trivial query."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        logger.warning("database ping failed", exc_info=True)
        return False


def alembic_config(url: str, secret: str | None = None) -> Config:
    """Alembic's config; `secret` (DVCBOT_SECRET, when set) keys the hashes migrations write,
    otherwise they use the secret kept in the database (storage.app_state)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if secret:
        config.attributes["secret"] = secret
    return config


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if is_sqlite(url) and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _in_own_thread(fn: Callable[[], None]) -> None:
    """Alembic's env.py runs asyncio.run(); give it a thread with no running loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(fn).result()


def upgrade_sync(url: str, revision: str = "head", *, secret: str | None = None) -> None:
    _ensure_sqlite_dir(url)
    _in_own_thread(lambda: command.upgrade(alembic_config(url, secret), revision))


def downgrade_sync(url: str, revision: str) -> None:
    _in_own_thread(lambda: command.downgrade(alembic_config(url), revision))


async def upgrade(url: str, revision: str = "head", *, secret: str | None = None) -> None:
    """Apply migrations; Alembic runs its own event loop, so it gets a thread of its own."""
    await asyncio.to_thread(lambda: upgrade_sync(url, revision, secret=secret))


async def downgrade(url: str, revision: str) -> None:
    await asyncio.to_thread(downgrade_sync, url, revision)
