"""Deliveries repository: the sender's queue, one delivery per recipient; never commits.

A delivery moves pending → claimed (taken by the sender, not yet sent) → in_flight (the send
is under way) → sent | failed | blocked | outside_window | opted_out | cancelled. Only a row
left in_flight by a crash can have reached the person without being recorded, so a restart
re-sends at most those.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.dialects import sqlite as _sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import Contact, Delivery


class DState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    IN_FLIGHT = "in_flight"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    OUTSIDE_WINDOW = "outside_window"
    OPTED_OUT = "opted_out"
    CANCELLED = "cancelled"


OPEN = (DState.PENDING, DState.CLAIMED, DState.IN_FLIGHT)


@dataclass(frozen=True)
class Claimed:
    """A delivery the sender took, with what it needs to send and to check eligibility."""

    id: int
    broadcast_id: int
    contact_id: int
    channel: str
    chat_id: str
    subscribed: bool
    unreachable: bool
    last_seen_at: datetime
    attempts: int


async def claim(
    session: AsyncSession,
    *,
    instance: str,
    channel: str,
    broadcast_ids: Sequence[int],
    limit: int,
    now: datetime,
) -> list[Claimed]:
    """Take up to `limit` due pending deliveries; rows locked by another sender are skipped."""
    rows = await due(session, channel=channel, broadcast_ids=broadcast_ids, limit=limit, now=now)
    if not rows:
        return []
    taken = set(
        await session.scalars(
            update(Delivery)
            .where(Delivery.id.in_([r[0] for r in rows]), Delivery.state == DState.PENDING.value)
            .values(state=DState.CLAIMED.value, claimed_by=instance, claimed_at=now)
            .returning(Delivery.id)
        )
    )
    claimed, orphans = _taken(rows, taken)
    if orphans:
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(orphans))
            .values(state=DState.CANCELLED.value, error="contact deleted")
        )
    return claimed


async def due(
    session: AsyncSession,
    *,
    channel: str,
    broadcast_ids: Sequence[int],
    limit: int,
    now: datetime,
) -> list[Any]:
    """The first `limit` due pending deliveries with what sending needs (for `claim`)."""
    if not broadcast_ids or limit <= 0:
        return []
    pick = (
        select(
            Delivery.id,
            Delivery.broadcast_id,
            Delivery.contact_id,
            Delivery.channel,
            Contact.chat_id,
            Contact.subscribed,
            Contact.unreachable_at,
            Contact.last_seen_at,
            Delivery.attempts,
        )
        .outerjoin(Contact, Contact.id == Delivery.contact_id)
        .where(
            Delivery.state == DState.PENDING.value,
            Delivery.channel == channel,
            Delivery.broadcast_id.in_(broadcast_ids),
            Delivery.next_attempt_at <= now,
        )
        .order_by(Delivery.broadcast_id, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Delivery)
    )
    return list((await session.execute(pick)).all())


def _taken(rows: Sequence[Any], taken: set[int]) -> tuple[list[Claimed], list[int]]:
    """The rows this sender took, and those among them whose contact was deleted (no one
    to send to: contact_id set to NULL)."""
    claimed = [
        Claimed(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6] is not None, r[7], r[8])
        for r in rows
        if r[0] in taken and r[2] is not None
    ]
    orphans = [r[0] for r in rows if r[0] in taken and r[2] is None]
    return claimed, orphans


async def finish(
    session: AsyncSession,
    delivery_id: int,
    state: DState,
    *,
    now: datetime,
    error: str | None = None,
) -> None:
    values: dict[str, Any] = {"state": state.value, "error": error[:200] if error else None}
    if state is DState.SENT:
        values["sent_at"] = now
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.state.in_([s.value for s in OPEN]))
        .values(**values)
    )


# The sender's hot path runs these once per message: built once, IN lists bound at execution.
_RECORD_SENT = (
    update(Delivery)
    .where(
        Delivery.id.in_(bindparam("ids", expanding=True)),
        Delivery.state == DState.IN_FLIGHT.value,
    )
    .values(state=DState.SENT.value, sent_at=bindparam("now"), error=None)
)
_MARK_IN_FLIGHT = (
    update(Delivery)
    .where(
        Delivery.id.in_(bindparam("ids", expanding=True)),
        Delivery.state == DState.CLAIMED.value,
    )
    .values(
        state=DState.IN_FLIGHT.value, attempts=Delivery.attempts + 1, claimed_at=bindparam("now")
    )
    .returning(Delivery.id)
)


async def sent_and_next(
    conn: AsyncConnection, sent_ids: Sequence[int], next_ids: Sequence[int], now: datetime
) -> set[int]:
    """The sender's hot path, inside one transaction: record `sent_ids` as sent and mark
    `next_ids` in flight. Returns the ids that were marked (the others were cancelled)."""
    if sent_ids:
        await conn.execute(_RECORD_SENT, {"ids": list(sent_ids), "now": now})
    if not next_ids:
        return set()
    result = await conn.execute(_MARK_IN_FLIGHT, {"ids": list(next_ids), "now": now})
    return set(result.scalars())


# The same two statements for SQLite's own driver, which the sender calls without a thread
# hop (bot/broadcast/recorder.py). `+state` keeps SQLite's planner on the primary key: with
# no statistics it would otherwise walk every row in that state through the state index.
_SQLITE_DIALECT = _sqlite.dialect()
_SQLITE_STAMP = Delivery.__table__.c.sent_at.type.dialect_impl(_SQLITE_DIALECT).bind_processor(
    _SQLITE_DIALECT
)


def _stamp(now: datetime) -> Any:
    """A datetime stored exactly as SQLAlchemy stores it on SQLite."""
    return _SQLITE_STAMP(now) if _SQLITE_STAMP else now


_SQLITE_RECORD_SENT = (
    "UPDATE deliveries SET state = 'sent', sent_at = ?, error = NULL"
    " WHERE id IN ({ids}) AND +state = 'in_flight'"
)
_SQLITE_MARK_IN_FLIGHT = (
    "UPDATE deliveries SET state = 'in_flight', attempts = attempts + 1, claimed_at = ?"
    " WHERE id IN ({ids}) AND +state = 'claimed' RETURNING id"
)


_SQLITE_CLAIM = (
    "UPDATE deliveries SET state = 'claimed', claimed_by = ?, claimed_at = ?"
    " WHERE id IN ({ids}) AND +state = 'pending' RETURNING id"
)
_SQLITE_ORPHANS = (
    "UPDATE deliveries SET state = 'cancelled', error = 'contact deleted' WHERE id IN ({ids})"
)


def _marks(count: int) -> str:
    return ",".join("?" * count)


def take_sqlite(
    conn: sqlite3.Connection, rows: Sequence[Any], *, instance: str, now: datetime
) -> list[Claimed]:
    """The second half of `claim` (rows from `due`) on a plain sqlite3 connection, inside
    the caller's transaction: a single short write, with nothing fetched while it holds
    SQLite's lock."""
    if not rows:
        return []
    sql = _SQLITE_CLAIM.format(ids=_marks(len(rows)))
    taken = {r[0] for r in conn.execute(sql, (instance, _stamp(now), *(r[0] for r in rows)))}
    claimed, orphans = _taken(rows, taken)
    if orphans:
        conn.execute(_SQLITE_ORPHANS.format(ids=_marks(len(orphans))), orphans)
    return claimed


def sent_and_next_sqlite(
    conn: sqlite3.Connection, sent_ids: Sequence[int], next_ids: Sequence[int], now: datetime
) -> set[int]:
    """`sent_and_next` on a plain sqlite3 connection, inside the caller's transaction."""
    stamp = _stamp(now)
    if sent_ids:
        conn.execute(_SQLITE_RECORD_SENT.format(ids=_marks(len(sent_ids))), (stamp, *sent_ids))
    if not next_ids:
        return set()
    sql = _SQLITE_MARK_IN_FLIGHT.format(ids=_marks(len(next_ids)))
    return {row[0] for row in conn.execute(sql, (stamp, *next_ids))}


async def retry_at(
    session: AsyncSession,
    delivery_id: int,
    when: datetime,
    *,
    error: str | None,
    count_attempt: bool = True,
) -> None:
    """Back to pending, to be sent again at `when` (a 429 does not count as an attempt)."""
    values: dict[str, Any] = {
        "state": DState.PENDING.value,
        "next_attempt_at": when,
        "claimed_by": None,
        "error": error[:200] if error else None,
    }
    if not count_attempt:
        values["attempts"] = Delivery.attempts - 1
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.state.in_([s.value for s in OPEN]))
        .values(**values)
    )


async def release(session: AsyncSession, delivery_ids: Sequence[int], when: datetime) -> None:
    """Claimed but not sent (the chat got a message less than a second ago, or the sender is
    stopping): back to pending, to be tried at `when`."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(delivery_ids), Delivery.state == DState.CLAIMED.value)
        .values(state=DState.PENDING.value, next_attempt_at=when, claimed_by=None)
    )


async def recover(
    session: AsyncSession, *, keep: str | None = None, resend_after: datetime | None = None
) -> dict[str, int]:
    """Give back deliveries a dead sender held: claimed ones were never sent; in_flight ones
    may have been, and are the only ones a restart can send twice. Those wait until
    `resend_after`, so a chat that got its message just before the crash does not get the
    repeat within the same second."""
    counts = {}
    for state in (DState.CLAIMED, DState.IN_FLIGHT):
        where = [Delivery.state == state.value]
        if keep is not None:
            where.append(Delivery.claimed_by != keep)
        values: dict[str, Any] = {"state": DState.PENDING.value, "claimed_by": None}
        if state is DState.IN_FLIGHT and resend_after is not None:
            values["next_attempt_at"] = resend_after
        result = await session.execute(update(Delivery).where(and_(*where)).values(**values))
        counts[state.value] = int(getattr(result, "rowcount", 0) or 0)
    return counts
