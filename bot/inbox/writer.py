"""Group commit: every update stored (and every handled row deleted) while the previous
transaction was committing goes into the next one, so load costs few commits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from storage import inbox
from storage.clock import Clock, SystemClock
from storage.db import SessionFactory
from storage.inbox import NewItem

logger = logging.getLogger(__name__)

MAX_BATCH = 500  # rows per INSERT: well under SQLite's bound-parameter limit


class GroupWriter:
    """One task writes; callers wait for the transaction holding their rows to commit."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        on_stored: Callable[[list[tuple[str, str]]], None] = lambda _chats: None,
        clock: Clock | None = None,
    ) -> None:
        self.sessions = sessions
        self.on_stored = on_stored
        self.clock = clock or SystemClock()
        self._inserts: list[tuple[NewItem, asyncio.Future[bool]]] = []
        self._deletes: list[tuple[int, asyncio.Future[bool]]] = []
        self._progress: dict[int, tuple[int, asyncio.Future[bool]]] = {}
        self._work = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.commits = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="inbox-writer")

    async def close(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        self._closing = True
        self._work.set()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def store(self, items: Sequence[NewItem]) -> list[bool]:
        """Store `items` durably; for each, True when new, False when already in the inbox.
        Raises when the database refused the batch (nothing may be acknowledged then)."""
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in items]
        self._inserts.extend(zip(items, futures, strict=True))
        self._work.set()
        return list(await asyncio.gather(*futures))

    async def remove(self, item_id: int) -> None:
        """Delete a handled row (durably, before its chat's next row is taken)."""
        future = asyncio.get_running_loop().create_future()
        self._deletes.append((item_id, future))
        self._work.set()
        await future

    async def progress(self, item_id: int, sent: int) -> None:
        """Record that the first `sent` replies of a handled row went out."""
        future = asyncio.get_running_loop().create_future()
        self._progress[item_id] = (sent, future)
        self._work.set()
        await future

    async def _run(self) -> None:
        while True:
            await self._work.wait()
            self._work.clear()
            while self._inserts or self._deletes or self._progress:
                inserts, self._inserts = self._inserts[:MAX_BATCH], self._inserts[MAX_BATCH:]
                deletes, self._deletes = self._deletes, []
                progress, self._progress = self._progress, {}
                await self._write(inserts, deletes, progress)
            if self._closing:
                return

    async def _write(
        self,
        inserts: list[tuple[NewItem, asyncio.Future[bool]]],
        deletes: list[tuple[int, asyncio.Future[bool]]],
        progress: dict[int, tuple[int, asyncio.Future[bool]]],
    ) -> None:
        try:
            async with self.sessions() as session, session.begin():
                new = await inbox.store(session, [item for item, _ in inserts], self.clock.now())
                await inbox.remove(session, [item_id for item_id, _ in deletes])
                for item_id, (sent, _) in progress.items():
                    await inbox.mark_sent(session, item_id, sent)
            self.commits += 1
        except Exception as error:
            logger.exception("inbox write of %d update(s) failed", len(inserts))
            for _, future in [*inserts, *deletes, *progress.values()]:
                if not future.done():
                    future.set_exception(error)
            return
        for index, (_, future) in enumerate(inserts):
            if not future.done():
                future.set_result(index in new)
        for _, future in [*deletes, *progress.values()]:
            if not future.done():
                future.set_result(True)
        if new:
            self.on_stored([(inserts[i][0].channel, inserts[i][0].chat_key) for i in sorted(new)])
