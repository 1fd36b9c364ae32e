"""Deployment state kept in the database: the generated secret, channel tokens and the like."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
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


async def remove(session: AsyncSession, key: str) -> None:
    row = await session.get(KeyValue, key)
    if row is not None:
        await session.delete(row)
        await session.flush()
