"""Group commit for the sender's hot path: many workers' outcomes, one transaction at a time.

Each worker hands over "this one was sent, mark that one in flight" and waits; one writer task
collects every request waiting at that moment and applies them in a single transaction. SQLite
allows one writer at a time (concurrent writers would sleep in its busy handler), and on
PostgreSQL it saves a commit per message; a message is still recorded within one commit of the
platform's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.types import utcnow
from storage import broadcasts

Request = tuple[int | None, int | None, "asyncio.Future[bool]"]


@dataclass
class Recorder:
    engine: AsyncEngine
    max_batch: int = 500
    _queue: asyncio.Queue[Request] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None

    async def advance(self, sent_id: int | None, next_id: int | None) -> bool:
        """Record `sent_id` as sent and mark `next_id` in flight; True when it was marked."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="broadcast-recorder")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((sent_id, next_id, future))
        return await future

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < self.max_batch:
                batch.append(self._queue.get_nowait())
            try:
                async with self.engine.begin() as conn:
                    marked = await broadcasts.sent_and_next(
                        conn,
                        [s for s, _, _ in batch if s is not None],
                        [n for _, n, _ in batch if n is not None],
                        utcnow(),
                    )
            except Exception as error:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for _, next_id, future in batch:
                if not future.done():
                    future.set_result(next_id is not None and next_id in marked)
