"""Deployment state kept in the database: the generated secret, channel tokens and the like."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import KeyValue, utcnow

SECRET_KEY = "secret"


async def get(session: AsyncSession, key: str) -> dict[str, Any] | None:
    row = await session.get(KeyValue, key)
    return dict(row.value) if row else None


async def put(session: AsyncSession, key: str, value: dict[str, Any]) -> None:
    row = await session.get(KeyValue, key)
    if row is None:
        session.add(KeyValue(key=key, value=value, updated_at=utcnow()))
    else:
        row.value = value
        row.updated_at = utcnow()
    await session.flush()


async def get_or_create_secret(session: AsyncSession) -> str:
    """The deployment secret, generated once and shared by every instance on this database."""
    insert = insert_for(session)
    await session.execute(
        insert(KeyValue)
        .values(key=SECRET_KEY, value={"value": secrets.token_urlsafe(32)}, updated_at=utcnow())
        .on_conflict_do_nothing()
    )
    value = await session.scalar(select(KeyValue.value).where(KeyValue.key == SECRET_KEY))
    assert value is not None
    return str(value["value"])


async def lock(session: AsyncSession, key: str, default: dict[str, Any]) -> dict[str, Any]:
    """Lock the row `key` until the transaction ends (creating it from `default`) and read it.

    PostgreSQL locks the row (SELECT ... FOR UPDATE), so other instances wait for the commit;
    SQLite takes its database write lock with a no-op UPDATE, which serialises processes too.
    """
    insert = insert_for(session)
    await session.execute(
        insert(KeyValue)
        .values(key=key, value=default, updated_at=utcnow())
        .on_conflict_do_nothing()
    )
    query = select(KeyValue.value).where(KeyValue.key == key)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    else:
        await session.execute(
            update(KeyValue).where(KeyValue.key == key).values(updated_at=KeyValue.updated_at)
        )
    value = await session.scalar(query.execution_options(populate_existing=True))
    return dict(value or {})


async def remove(session: AsyncSession, key: str) -> None:
    row = await session.get(KeyValue, key)
    if row is not None:
        await session.delete(row)
        await session.flush()
