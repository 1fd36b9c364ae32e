"""Shared fixtures: each test gets a fresh migrated database on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import BUNDLED_CONTENT
from bot.content import load_or_raise
from bot.core import Core
from bot.search import SearchIndex, build_index
from handlers.content import Content
from handlers.registry import ROUTERS
from handlers.routing import button_actions
from storage import db
from tests.support.databases import PostgresFactory, SqliteFactory, postgres_url_or_skip
from tests.support.talk import Talk

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def content() -> Content:
    return load_or_raise(BUNDLED_CONTENT, known_actions=button_actions(ROUTERS))


@pytest.fixture(scope="session")
def sqlite_factory(tmp_path_factory: pytest.TempPathFactory) -> SqliteFactory:
    factory = SqliteFactory(tmp_path_factory.mktemp("sqlite"))
    factory.prepare()
    return factory


@pytest.fixture(scope="session")
def postgres_factory() -> Iterator[PostgresFactory]:
    factory = PostgresFactory(postgres_url_or_skip())
    factory.prepare()
    yield factory
    factory.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture
async def database_url(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh, migrated database URL on the parametrised backend."""
    if backend == "sqlite":
        factory: SqliteFactory | PostgresFactory = request.getfixturevalue("sqlite_factory")
    else:
        factory = request.getfixturevalue("postgres_factory")
    url = await factory.new()
    yield url
    if isinstance(factory, PostgresFactory):
        await factory.drop(url)


@pytest_asyncio.fixture
async def sessions(database_url: str) -> AsyncIterator[db.SessionFactory]:
    engine = db.create_engine(database_url)
    yield db.session_factory(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def search_index(content: Content) -> SearchIndex:
    return build_index(content)


@pytest.fixture
def core(sessions: db.SessionFactory, content: Content, search_index: SearchIndex) -> Core:
    services = {"secret": "test-secret", "search": search_index}
    return Core(sessions, content, settings={}, services=services)


@pytest.fixture
def talk(core: Core) -> Talk:
    """Talk to the real core as one citizen on the console channel."""
    return Talk(core)
