"""One outgoing rate for all instances on PostgreSQL: replies to citizens from every process
together stay within the bot's limit (storage/rate_slots.py; its cost in docs/BENCHMARKS.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import rate_slots

logger = logging.getLogger(__name__)

HEADROOM = 0.9  # slots under the bot's limit: a busy machine wakes its senders unevenly


class SharedRate:
    """`await take()` before each message: it waits for this message's slot of the shared
    rate. When the database cannot be reached the message goes anyway (an answer matters
    more than the pace; the platform's 429 and the per-process limiter still apply)."""

    def __init__(self, engine: AsyncEngine, name: str, rate: float) -> None:
        self.engine = engine
        self.name = name
        self.interval = 1.0 / (rate * HEADROOM)
        self.burst = 0.0  # no bursts: any second holds at most the rate
        self._conn: AsyncConnection | None = None
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        try:
            slot, now = await self.take_slot()
        except Exception:
            logger.warning("shared rate %s unavailable; sending unpaced", self.name, exc_info=True)
            return
        if slot > now:
            await asyncio.sleep(slot - now)

    async def take_slot(self) -> tuple[float, float]:
        """Reserve the next slot: (slot, now), in the database's clock. One statement in
        autocommit on a connection of its own: one round trip, the row locked only for it."""
        async with self._lock:
            try:
                if self._conn is None:
                    conn = await self.engine.connect()
                    self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                return await rate_slots.reserve(self._conn, self.name, self.interval, self.burst)
            except Exception:
                if self._conn is not None:
                    conn, self._conn = self._conn, None
                    with contextlib.suppress(Exception):
                        await conn.invalidate()
                raise

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()


def shared_rate(engine: AsyncEngine, name: str, rate: float) -> SharedRate | None:
    """A rate shared through the database, where several instances can run (PostgreSQL)."""
    if rate <= 0 or engine.dialect.name != "postgresql":
        return None
    return SharedRate(engine, name, rate)
