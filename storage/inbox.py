"""Inbox repository: inbound updates stored before they are acknowledged, handled per chat."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.db import insert_for
from storage.models import InboxItem

PENDING, ANSWERED, FAILED = "pending", "answered", "failed"
LIVE = (PENDING, ANSWERED)  # rows a worker still has to do something with
LOCK_SPACE = 0x696E6278  # "inbx": the first key of every per-chat advisory lock


@dataclass(frozen=True)
class NewItem:
    """An update as received: what the platform calls it, whose chat it is, its raw body."""

    channel: str
    update_key: str
    chat_key: str
    payload: str


KEY_LENGTH = 160  # the columns' size
UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


def storable_key(key: str) -> str:
    """A platform id as the key columns can hold it: no lone surrogate or NUL (neither database
    takes them), and an over-long id cut to a prefix plus a digest of the whole (the row lives
    until handled, seconds; the core keys ids with the deployment secret before keeping them)."""
    key = UNSTORABLE.sub("\ufffd", key)
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"{key[: KEY_LENGTH - 33]}~{digest}"


def storable_payload(raw: str) -> str:
    """The raw JSON body with every lone surrogate or NUL written as its JSON escape: stored as
    valid UTF-8, read back by json.loads as the very same string (the core then cleans it)."""
    return UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)


async def store(session: AsyncSession, items: Sequence[NewItem], now: datetime) -> set[int]:
    """Insert `items` in one statement; a (channel, update_key) already stored is skipped.
    Returns the indexes of `items` that were new."""
    first: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        first.setdefault((item.channel, storable_key(item.update_key)), index)
    if not first:
        return set()
    rows = [
        {
            "channel": items[i].channel,
            "update_key": storable_key(items[i].update_key),
            "chat_key": storable_key(items[i].chat_key),
            "payload": storable_payload(items[i].payload),
            "state": PENDING,
            "attempts": 0,
            "sent": 0,
            "received_at": now,
            "next_attempt_at": now,
        }
        for i in first.values()
    ]
    insert = insert_for(session)
    statement = (
        insert(InboxItem)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["channel", "update_key"])
        .returning(InboxItem.channel, InboxItem.update_key)
    )
    stored = (await session.execute(statement)).all()
    return {first[(channel, key)] for channel, key in stored}


async def ready_chats(
    session: AsyncSession, channels: Sequence[str], now: datetime, limit: int
) -> list[tuple[str, str]]:
    """Chats with something due, the longest waiting first."""
    query = (
        select(InboxItem.channel, InboxItem.chat_key)
        .where(
            InboxItem.state.in_(LIVE),
            InboxItem.channel.in_(channels),
            InboxItem.next_attempt_at <= now,
        )
        .group_by(InboxItem.channel, InboxItem.chat_key)
        .order_by(func.min(InboxItem.id))
        .limit(limit)
    )
    return [(channel, chat) for channel, chat in (await session.execute(query)).all()]


async def oldest(
    session: AsyncSession, channel: str, chat_key: str, limit: int = 1
) -> list[InboxItem]:
    """The chat's next rows: the oldest not set aside (whatever instance stored them)."""
    return list(
        await session.scalars(
            select(InboxItem)
            .where(
                InboxItem.channel == channel,
                InboxItem.chat_key == chat_key,
                InboxItem.state.in_(LIVE),
            )
            .order_by(InboxItem.id)
            .limit(limit)
        )
    )


def answered(item: InboxItem, replies: str, sending_until: datetime) -> None:
    """Handled: the replies wait to be sent; the raw update (personal data) is dropped.
    Until `sending_until` no other worker takes the row (its handler is sending them)."""
    item.state = ANSWERED
    item.replies = replies
    item.payload = None
    item.error = None
    item.next_attempt_at = sending_until


async def begin_as_writer(session: AsyncSession) -> None:
    """SQLite: make the transaction the database's writer now (a write that changes nothing),
    so what it reads next is current and other processes' transactions wait for it."""
    await session.execute(update(InboxItem).where(InboxItem.id == -1).values(attempts=0))


async def adopt_answered(session: AsyncSession, now: datetime) -> int:
    """At start on SQLite (one instance): replies a dead process was sending are due now."""
    result = await session.execute(
        update(InboxItem).where(InboxItem.state == ANSWERED).values(next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def mark_sent(session: AsyncSession, item_id: int, sent: int) -> None:
    """The first `sent` replies of a handled row went out (not sent again after a crash)."""
    await session.execute(update(InboxItem).where(InboxItem.id == item_id).values(sent=sent))


async def remove(session: AsyncSession, ids: Sequence[int]) -> None:
    if ids:
        await session.execute(delete(InboxItem).where(InboxItem.id.in_(ids)))


async def failed_try(
    session: AsyncSession,
    item_id: int,
    error: str,
    now: datetime,
    *,
    max_attempts: int,
    first_retry: float,
) -> bool:
    """Count one failed try; after `max_attempts` the row is set aside. True when set aside."""
    item = await session.get(InboxItem, item_id)
    if item is None or item.state != PENDING:
        return False
    item.attempts += 1
    item.error = error[:300]
    if item.attempts >= max_attempts:
        item.state = FAILED
        return True
    item.next_attempt_at = now + timedelta(seconds=first_retry * 2 ** (item.attempts - 1))
    return False


async def set_aside(session: AsyncSession, limit: int = 100) -> list[InboxItem]:
    return list(
        await session.scalars(
            select(InboxItem).where(InboxItem.state == FAILED).order_by(InboxItem.id).limit(limit)
        )
    )


async def retry(session: AsyncSession, now: datetime, ids: Sequence[int] | None = None) -> int:
    """Put set-aside rows (all, or these ids) back in line; their chat takes them first."""
    query = update(InboxItem).where(InboxItem.state == FAILED)
    if ids is not None:
        query = query.where(InboxItem.id.in_(ids))
    values: dict[str, Any] = {"state": PENDING, "attempts": 0, "next_attempt_at": now}
    result = await session.execute(query.values(**values))
    return int(getattr(result, "rowcount", 0) or 0)


async def discard(session: AsyncSession, ids: Sequence[int]) -> int:
    """Delete set-aside rows for good (their raw updates with them)."""
    result = await session.execute(
        delete(InboxItem).where(InboxItem.state == FAILED, InboxItem.id.in_(ids))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def counts(session: AsyncSession) -> dict[str, int]:
    """Rows per state ({"pending": 3, "failed": 1}); handled rows are gone."""
    rows = await session.execute(
        select(InboxItem.state, func.count(InboxItem.id)).group_by(InboxItem.state)
    )
    return {state: int(n) for state, n in rows.all()}


def lock_key(channel: str, chat_key: str) -> int:
    """A chat's second advisory-lock key: 32 bits of a hash (a collision only makes two chats
    wait for each other)."""
    digest = hashlib.blake2b(f"{channel}\0{chat_key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


async def try_lock_chat(conn: AsyncConnection, channel: str, chat_key: str) -> bool:
    """PostgreSQL: take the chat's session-level advisory lock on `conn`, without waiting
    (it outlives the caller's transaction: held until `unlock_chat` or the connection closes)."""
    got = await conn.scalar(
        text("SELECT pg_try_advisory_lock(:space, :key)"),
        {"space": LOCK_SPACE, "key": lock_key(channel, chat_key)},
    )
    return bool(got)


async def unlock_chat(conn: AsyncConnection, channel: str, chat_key: str) -> None:
    await conn.execute(
        text("SELECT pg_advisory_unlock(:space, :key)"),
        {"space": LOCK_SPACE, "key": lock_key(channel, chat_key)},
    )
