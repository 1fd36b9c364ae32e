"""Fresh migrated databases for tests: a SQLite file or a PostgreSQL database per test."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from storage import db

PG_ENV = "DVCBOT_TEST_DATABASE_URL"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def postgres_url_or_skip() -> str:
    """The PostgreSQL URL for tests; a skip on a plain machine, a failure under CI=true."""
    url = os.environ.get(PG_ENV)
    if not url:
        if in_ci():
            pytest.fail(f"{PG_ENV} is not set under CI=true: PostgreSQL tests are required")
        pytest.skip(f"{PG_ENV} not set; PostgreSQL tests skipped")
    return url


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url)
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def blocking(fn: Callable[[], Awaitable[object]]) -> None:
    """Run async set-up from sync (session) fixtures, even when a loop is already running."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(fn())).result()  # type: ignore[arg-type]


class PostgresFactory:
    """Makes per-test databases as copies of one migrated template database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.template = f"dvcbot_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(self.url))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def prepare(self) -> None:
        blocking(lambda: self._admin(f'CREATE DATABASE "{self.template}"'))
        db.upgrade_sync(make_url(self.url).set(database=self.template).render_as_string(False))

    async def new(self, migrated: bool = True) -> str:
        name = f"dvcbot_t_{uuid.uuid4().hex[:12]}"
        template = f' TEMPLATE "{self.template}"' if migrated else ""
        await self._admin(f'CREATE DATABASE "{name}"{template}')
        self.created.append(name)
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    async def drop(self, url: str) -> None:
        name = make_url(url).database
        await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        async def drop_all() -> None:
            for name in [*self.created, self.template]:
                await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        blocking(drop_all)


class SqliteFactory:
    """Makes per-test SQLite files as copies of one migrated template file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template = folder / "template.db"

    def prepare(self) -> None:
        db.upgrade_sync(self.url_for(self.template))

    @staticmethod
    def url_for(path: Path) -> str:
        return f"sqlite+aiosqlite:///{path}"

    async def new(self, migrated: bool = True) -> str:
        path = self.folder / f"t_{uuid.uuid4().hex[:12]}.db"
        if migrated:
            shutil.copyfile(self.template, path)
        return self.url_for(path)
