"""Migrations: upgrade from empty, downgrade a step, upgrade again; models match migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage import db
from storage.models import Base


async def _tables(url: str) -> set[str]:
    engine = db.create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def _diff(url: str) -> list[object]:
    engine = db.create_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata
            )
        )
    await engine.dispose()
    return diff


async def test_upgrade_downgrade_upgrade_from_empty(backend: str, request) -> None:
    factory = request.getfixturevalue(
        "sqlite_factory" if backend == "sqlite" else "postgres_factory"
    )
    url = await factory.new(migrated=False)
    await db.upgrade(url)
    full = await _tables(url)
    assert set(Base.metadata.tables) <= full
    await db.downgrade(url, "-1")
    await db.upgrade(url)
    assert await _tables(url) == full
    await db.downgrade(url, "base")
    assert await _tables(url) == set()
    await db.upgrade(url)
    assert await _diff(url) == [], "models and migrations disagree"
    if backend == "postgres":
        await factory.drop(url)
