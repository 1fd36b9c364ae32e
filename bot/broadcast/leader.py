"""Which instance sends: on PostgreSQL the holder of an advisory lock; on SQLite, the one process.

Why a leader rather than every instance claiming rows with SKIP LOCKED: the limit that matters
is per bot token (Telegram counts 30 messages/s for the bot, not per process), so the rate must
hold for all instances together. With one sender the rate is a local pacer, exact and free;
a shared token bucket would cost a database round trip per message and still drift. One
process sends 1,000 messages/s (see docs/BENCHMARKS.md), well above Telegram's default limit.
Claims still use `FOR UPDATE SKIP LOCKED` and conditional state changes, so even two senders
overlapping during a failover could never take the same delivery.

The lock is held by a dedicated connection: when the process dies, PostgreSQL drops the
connection and the lock with it, and another instance takes over within one poll.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)

LOCK_KEY = 0x64766362  # "dvcb": the advisory lock id of the broadcast sender


class Leadership:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        """True when this instance is (now) the sender."""
        if not self.postgres:
            return True
        if self._conn is not None:
            return True
        conn = await self.engine.connect()
        try:
            got = bool(
                (
                    await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY})
                ).scalar()
            )
            await conn.commit()
        except Exception:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def alive(self) -> bool:
        """Still the sender? False when the lock's connection broke."""
        if not self.postgres:
            return True
        if self._conn is None:
            return False
        try:
            await self._conn.execute(text("SELECT 1"))
            await self._conn.commit()
            return True
        except Exception:
            logger.warning("lost the broadcast sender lock", exc_info=True)
            await self.release()
            return False

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                # The connection goes back to the pool, so unlock explicitly.
                await conn.execute(text("SELECT pg_advisory_unlock_all()"))
                await conn.commit()
                await conn.close()
            except Exception:
                logger.debug("unlocking failed; dropping the connection", exc_info=True)
                await conn.invalidate()
                await conn.close()
