"""Deliveries repository: the sender's queue, one delivery per recipient; never commits.

A delivery moves pending → claimed (taken by the sender, not yet sent) → in_flight (the send
is under way) → sent | failed | blocked | outside_window | opted_out | cancelled. Only a row
left in_flight by a crash can have reached the person without being recorded, so a restart
re-sends at most those. Every change the sender makes to a claimed row is conditional on its
fence (the instance and leadership epoch that claimed it, storage/fencing.py), so a sender
that lost its leadership changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage import fencing
from storage.fencing import Fence
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
    fence: Fence,
    *,
    channel: str,
    broadcast_ids: Sequence[int],
    limit: int,
    now: datetime,
) -> list[Claimed]:
    """Take up to `limit` due pending deliveries; rows locked by another sender are skipped."""
    await fencing.check(session, fence)
    rows = await due(session, channel=channel, broadcast_ids=broadcast_ids, limit=limit, now=now)
    if not rows:
        return []
    taken = set(
        await session.scalars(
            update(Delivery)
            .where(Delivery.id.in_([r[0] for r in rows]), Delivery.state == DState.PENDING.value)
            .values(
                state=DState.CLAIMED.value,
                claimed_by=fence.instance,
                claim_epoch=fence.epoch,
                claimed_at=now,
            )
            .returning(Delivery.id)
        )
    )
    claimed, orphans = taken_rows(rows, taken)
    if orphans:
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(orphans), *_held(fence))
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


def taken_rows(rows: Sequence[Any], taken: set[int]) -> tuple[list[Claimed], list[int]]:
    """The rows this sender took, and those among them whose contact was deleted (no one
    to send to: contact_id set to NULL)."""
    claimed = [
        Claimed(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6] is not None, r[7], r[8])
        for r in rows
        if r[0] in taken and r[2] is not None
    ]
    orphans = [r[0] for r in rows if r[0] in taken and r[2] is None]
    return claimed, orphans


def _held(fence: Fence) -> list[Any]:
    """The rows `fence` claimed: the only ones its sender may change."""
    return [Delivery.claimed_by == fence.instance, Delivery.claim_epoch == fence.epoch]


async def finish(
    session: AsyncSession,
    fence: Fence,
    delivery_id: int,
    state: DState,
    *,
    now: datetime,
    error: str | None = None,
) -> None:
    values: dict[str, Any] = {"state": state.value, "error": error[:200] if error else None}
    if state is DState.SENT:
        values["sent_at"] = now
    await fencing.check(session, fence)
    await session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id, Delivery.state.in_([s.value for s in OPEN]), *_held(fence)
        )
        .values(**values)
    )


# The sender's hot path runs these once per message: built once, IN lists bound at execution.
_RECORD_SENT = (
    update(Delivery)
    .where(
        Delivery.id.in_(bindparam("ids", expanding=True)),
        Delivery.state == DState.IN_FLIGHT.value,
        Delivery.claimed_by == bindparam("instance"),
        Delivery.claim_epoch == bindparam("epoch"),
    )
    .values(state=DState.SENT.value, sent_at=bindparam("now"), error=None)
)
_MARK_IN_FLIGHT = (
    update(Delivery)
    .where(
        Delivery.id.in_(bindparam("ids", expanding=True)),
        Delivery.state == DState.CLAIMED.value,
        Delivery.claimed_by == bindparam("instance"),
        Delivery.claim_epoch == bindparam("epoch"),
    )
    .values(
        state=DState.IN_FLIGHT.value, attempts=Delivery.attempts + 1, claimed_at=bindparam("now")
    )
    .returning(Delivery.id)
)


async def sent_and_next(
    conn: AsyncConnection,
    fence: Fence,
    sent_ids: Sequence[int],
    next_ids: Sequence[int],
    now: datetime,
) -> set[int]:
    """The sender's hot path, inside one transaction: record `sent_ids` as sent and mark
    `next_ids` in flight. Returns the ids that were marked (the others were cancelled)."""
    await fencing.check(conn, fence)
    who = {"instance": fence.instance, "epoch": fence.epoch, "now": now}
    if sent_ids:
        await conn.execute(_RECORD_SENT, {"ids": list(sent_ids), **who})
    if not next_ids:
        return set()
    result = await conn.execute(_MARK_IN_FLIGHT, {"ids": list(next_ids), **who})
    return set(result.scalars())


async def retry_at(
    session: AsyncSession,
    fence: Fence,
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
    await fencing.check(session, fence)
    await session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id, Delivery.state.in_([s.value for s in OPEN]), *_held(fence)
        )
        .values(**values)
    )


async def release(
    session: AsyncSession,
    fence: Fence,
    delivery_ids: Sequence[int],
    when: datetime,
    *,
    unsent_in_flight: bool = False,
) -> None:
    """Claimed but not sent (the chat got a message less than a second ago, or the sender is
    stopping): back to pending, to be tried at `when`. With `unsent_in_flight`, rows marked
    in flight whose message was never sent (the sender stopped first) go back too."""
    states = [DState.CLAIMED.value] + ([DState.IN_FLIGHT.value] if unsent_in_flight else [])
    await fencing.check(session, fence)
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(delivery_ids), Delivery.state.in_(states), *_held(fence))
        .values(state=DState.PENDING.value, next_attempt_at=when, claimed_by=None)
    )


async def recover(
    session: AsyncSession, fence: Fence, *, own: bool, resend_after: datetime | None = None
) -> dict[str, int]:
    """Give back deliveries left claimed or in flight: claimed ones were never sent; in_flight
    ones may have been, and are the only ones a restart can send twice. Those wait until
    `resend_after`, so a chat that got its message just before the crash does not get the
    repeat within the same second.

    With `own`, only `fence`'s rows (after a failed cycle of this leader); otherwise those of
    every earlier epoch (a takeover: the fence guarantees their senders can no longer write).
    Raises `Fenced` when `fence` is not the current epoch."""
    await fencing.check(session, fence)
    counts = {}
    for state in (DState.CLAIMED, DState.IN_FLIGHT):
        where = [Delivery.state == state.value]
        if own:
            where += _held(fence)
        else:
            where.append(func.coalesce(Delivery.claim_epoch, -1) != fence.epoch)
        values: dict[str, Any] = {"state": DState.PENDING.value, "claimed_by": None}
        if state is DState.IN_FLIGHT and resend_after is not None:
            values["next_attempt_at"] = resend_after
        result = await session.execute(update(Delivery).where(*where).values(**values))
        counts[state.value] = int(getattr(result, "rowcount", 0) or 0)
    return counts


async def recent_sends(
    session: AsyncSession, channel: str, since: datetime
) -> tuple[list[datetime], int]:
    """For a new leader's pacer: when the channel's messages recorded since `since` were
    sent, and how many are in flight now (their arrival at the platform is unknown)."""
    times = await session.scalars(
        select(Delivery.sent_at).where(
            Delivery.channel == channel,
            Delivery.state == DState.SENT.value,
            Delivery.sent_at >= since,
        )
    )
    in_flight = await session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.channel == channel, Delivery.state == DState.IN_FLIGHT.value)
    )
    return [t for t in times if t is not None], int(in_flight or 0)
