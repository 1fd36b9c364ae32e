"""The broadcast sender's fencing token: an epoch that goes up at every takeover; never commits.

Leadership is an advisory lock (bot/broadcast/leader.py), but a process can lose its lock
without knowing it at once (its connection was cut). So every sender write begins with
`check`: the epoch row is read with a shared lock, and a write from an older epoch raises
`Fenced` and changes nothing. `take_over` updates that row, so it waits for writes of the
old epoch that are under way and every later one sees the new epoch.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import SenderLeader

ROW = 1


class Fenced(Exception):
    """This sender's epoch is no longer the current one: another instance took over."""


@dataclass(frozen=True)
class Fence:
    """Who may change a claimed delivery: this sender instance, in this epoch."""

    instance: str
    epoch: int


async def take_over(session: AsyncSession | AsyncConnection, instance: str, now: datetime) -> Fence:
    """Start a new epoch for `instance` (the caller holds the leader's lock)."""
    bind = session if isinstance(session, AsyncConnection) else session.get_bind()
    insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(SenderLeader).values(id=ROW, epoch=0, in_flight=0).on_conflict_do_nothing()
    )
    epoch = await session.scalar(
        update(SenderLeader)
        .where(SenderLeader.id == ROW)
        .values(epoch=SenderLeader.epoch + 1, instance=instance, since=now, updated_at=now)
        .returning(SenderLeader.epoch)
    )
    assert epoch is not None
    return Fence(instance, int(epoch))


_CURRENT = select(SenderLeader.epoch).where(SenderLeader.id == ROW)


async def check(session: AsyncSession | AsyncConnection, fence: Fence) -> None:
    """Raise `Fenced` unless `fence` is the current epoch; on PostgreSQL the row stays
    share-locked until the transaction ends, so no takeover lands in between."""
    current = await session.scalar(_CURRENT.with_for_update(read=True))
    if current != fence.epoch:
        raise Fenced(f"epoch {fence.epoch} is over (now {current})")


def check_sqlite(conn: sqlite3.Connection, fence: Fence) -> None:
    """`check` on a plain sqlite3 connection (inside its write transaction)."""
    row = conn.execute("SELECT epoch FROM sender_leader WHERE id = ?", (ROW,)).fetchone()
    if row is None or row[0] != fence.epoch:
        raise Fenced(f"epoch {fence.epoch} is over (now {row[0] if row else None})")


async def report(
    session: AsyncSession, fence: Fence, *, in_flight: int, round_trip_ms: int | None, now: datetime
) -> None:
    """What the sender keeps in flight now (for `dvcbot broadcast show`)."""
    await session.execute(
        update(SenderLeader)
        .where(SenderLeader.id == ROW, SenderLeader.epoch == fence.epoch)
        .values(in_flight=in_flight, round_trip_ms=round_trip_ms, updated_at=now)
    )


async def current(session: AsyncSession) -> SenderLeader | None:
    return await session.get(SenderLeader, ROW)
