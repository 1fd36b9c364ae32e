"""Which instance sends: on PostgreSQL the holder of an advisory lock; on SQLite, the one process.

Why a leader rather than every instance claiming rows with SKIP LOCKED: the limit that matters
is per bot token (Telegram counts 30 messages/s for the bot, not per process), so the rate must
hold for all instances together. With one sender the rate is a local pacer, exact and free;
a shared token bucket would cost a database round trip per message and still drift. One
process sends 1,000 messages/s (see docs/BENCHMARKS.md), well above Telegram's default limit.

Leadership is checked, never assumed. The lock is held by a dedicated connection: when the
process dies, PostgreSQL drops the connection and the lock with it, and another instance takes
over within one poll. A leader verifies that it still holds the lock on a live connection
before every cycle and every batch, and hears at once when that connection closes. Each
takeover starts a new epoch (storage/fencing.py) and every write of the sender is fenced by
it, so a leader that lost its lock without knowing it yet changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import db, fencing
from storage.fencing import Fence

logger = logging.getLogger(__name__)

LOCK_KEY = 0x64766362  # "dvcb": the advisory lock id of the broadcast sender
TAKEOVER_LOCK_TIMEOUT = "2s"  # a takeover waits this long for the old epoch's writes

_HELD = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0"
    " AND objid = :k AND objsubid = 1 AND pid = pg_backend_pid() AND granted)"
)


class Leadership:
    """The sender's lock and its fence; `on_lost` runs the moment the lock's connection dies."""

    def __init__(self, engine: AsyncEngine, instance: str) -> None:
        self.engine = engine
        self.instance = instance
        self.postgres = engine.dialect.name == "postgresql"
        self.fence: Fence | None = None
        self.on_lost: Callable[[], None] = lambda: None
        self._conn: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        """Believed held (cheap, no round trip): workers look at it before every send."""
        return self.fence is not None

    async def acquire(self, now: datetime) -> Fence | None:
        """This instance's fence when it holds the lock (verified), else None. Taking the
        lock starts a new epoch: the caller must then give back the old epochs' rows."""
        if self.fence is not None and await self.verify():
            return self.fence
        if not self.postgres:
            async with db.session_factory(self.engine)() as session, session.begin():
                self.fence = await fencing.take_over(session, self.instance, now)
            return self.fence
        conn = await self.engine.connect()
        try:
            got = bool(
                (
                    await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY})
                ).scalar()
            )
            await conn.commit()
            if got:
                await conn.execute(text(f"SET LOCAL lock_timeout = '{TAKEOVER_LOCK_TIMEOUT}'"))
                fence = await fencing.take_over(conn, self.instance, now)
                await conn.commit()
        except Exception:
            await _drop(conn)
            raise
        if not got:
            await conn.close()
            return None
        self._conn = conn
        self.fence = fence
        await self._listen(conn)
        logger.info("this instance sends broadcasts now (epoch %d)", fence.epoch)
        return fence

    async def _listen(self, conn: AsyncConnection) -> None:
        """Hear at once when the lock's connection closes (asyncpg's termination listener)."""
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        if hasattr(driver, "add_termination_listener"):
            driver.add_termination_listener(lambda _conn: self._lost("its connection closed"))

    def lose(self, why: str) -> None:
        """Stop believing this instance leads (its writes were fenced, or the lock went)."""
        self._lost(why)

    def _lost(self, why: str) -> None:
        if self.fence is not None:
            logger.warning("lost the broadcast sender lock: %s", why)
            self.fence = None
            self.on_lost()

    async def verify(self) -> bool:
        """Still the sender? Checks on the lock's own connection that the lock is held and
        the epoch is ours; when not, lets go of everything at once."""
        if self.fence is None:
            await self.release()
            return False
        if not self.postgres:
            return True
        conn = self._conn
        try:
            assert conn is not None
            held = bool((await conn.execute(_HELD, {"k": LOCK_KEY})).scalar())
            current = (
                await conn.execute(
                    text("SELECT epoch FROM sender_leader WHERE id = :id"), {"id": fencing.ROW}
                )
            ).scalar()
            await conn.commit()
        except Exception as error:
            self._lost(f"{type(error).__name__}: {error}")
            await self.release()
            return False
        if not held or self.fence is None or current != self.fence.epoch:
            self._lost("not held" if not held else f"epoch {current} is another's")
            await self.release()
            return False
        return True

    async def release(self) -> None:
        """Let go of the lock (on a clean stop, or after losing it)."""
        self.fence = None
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                # The connection goes back to the pool, so unlock explicitly.
                await conn.execute(text("SELECT pg_advisory_unlock_all()"))
                await conn.commit()
                await conn.close()
            except Exception:
                logger.debug("unlocking failed; dropping the connection", exc_info=True)
                await _drop(conn)


async def _drop(conn: AsyncConnection) -> None:
    """Close a connection that may be broken without returning it to the pool."""
    try:
        await conn.invalidate()
        await conn.close()
    except Exception:
        logger.debug("closing a broken connection failed", exc_info=True)
