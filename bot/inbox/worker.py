"""The inbox worker: takes each chat's rows oldest first, whatever instance stored them, runs
the channel's handler in the core's transaction, and sends the replies it stored.

Per-chat order across instances (PostgreSQL): a session-level advisory lock per chat
(`pg_try_advisory_lock(LOCK_SPACE, hash(channel, chat))`) held on one pinned connection while
this instance works through the chat's rows, handling and sending. Why not `SELECT … FOR UPDATE
SKIP LOCKED` on rows: the unit that must not run twice at once is the chat, not a row. A row
lock would make another instance skip the locked oldest row and take the chat's second row
(out of order), and it ends with the transaction, so it could not also cover sending the
replies after the core's commit. The advisory lock covers the chat's rows that have not
arrived yet, needs no row to exist, and is freed by PostgreSQL when the instance dies (its
connection closes), so a crashed instance never blocks a chat. Instances try it without
waiting: a chat busy elsewhere is skipped, and the instance holding it takes the chat's new
rows itself before letting go.

On SQLite (one instance, one writer) the same code runs without the lock: this process's own
bookkeeping (one task per chat) keeps a chat's rows in order. So that two processes on one file
(tests do it) still never handle one row twice, the handling transaction starts as SQLite's
writer (its reads are then current and the other process waits), and a row whose replies are
being sent is leased for a minute; at start the one instance takes over the leases of the dead.

Waking: the writer wakes the worker the moment this instance stores an update (no latency);
rows stored by other instances are found by polling every `poll` seconds. Polling, not
LISTEN/NOTIFY: another instance's rows matter only in the moment a chat changes hands (the
holder drains the chat's rows, whoever stored them), the poll is one indexed query on a table
of a few rows, and it needs no dedicated connection to keep alive and re-listen on.

Crash safety: a row is deleted only after its replies were sent, and each reply sent is
counted on the row before the next goes. A kill -9 after the core's commit leaves the row
`answered` with its replies, and the ones not yet counted are sent on restart: at most the one
message being sent at the kill is sent again (Telegram and Zalo have no idempotency key, so no
design can promise less without losing replies instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.inbox import replies as stored_replies
from bot.inbox.writer import GroupWriter
from handlers.types import Reply
from storage import inbox
from storage.clock import Clock, SystemClock
from storage.db import SessionFactory
from storage.models import InboxItem

logger = logging.getLogger(__name__)

COUNTS_EVERY = 5.0  # seconds between refreshes of the row counts /healthz shows
# SQLite has no per-chat lock: a row whose replies are being sent is left alone this long by
# other workers (two processes on one SQLite file happen in tests, not in production).
SENDING_LEASE = timedelta(seconds=60)


class ChannelHandler(Protocol):
    """What a channel gives the worker: turn a stored update into replies, and send them."""

    async def handle(self, session: AsyncSession, item: InboxItem) -> list[Reply]:
        """Handle the stored update inside `session`'s transaction; raise to retry later."""

    async def send(self, chat_key: str, replies: list[Reply]) -> None:
        """Send the replies to the chat (never raises for the platform's refusals)."""

    def failure_reply(self) -> list[Reply]:
        """What the person is told when their message is set aside."""


@dataclass
class WorkerSettings:
    max_attempts: int = 5
    retry_seconds: float = 1.0
    poll_seconds: float = 0.25
    concurrency: int = 8


@dataclass
class Counts:
    handled: int = 0
    retried: int = 0
    set_aside: int = 0
    resent: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)


class InboxWorker:
    """One per instance: a task per chat being worked, at most `concurrency` at once."""

    def __init__(
        self,
        engine: AsyncEngine,
        sessions: SessionFactory,
        writer: GroupWriter,
        *,
        settings: WorkerSettings | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.writer = writer
        self.settings = settings or WorkerSettings()
        self.clock = clock or SystemClock()
        self.postgres = engine.dialect.name == "postgresql"
        self.handlers: dict[str, ChannelHandler] = {}
        self.counts = Counts()
        self.wake = asyncio.Event()
        self._active: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._hints: dict[tuple[str, str], None] = {}  # chats to work next, in order
        self._again: set[tuple[str, str]] = set()
        self._rescan = False
        self.stored: dict[str, int] = {}  # rows per state, refreshed every COUNTS_EVERY
        self._counted_at = 0.0

    # -- lifecycle ---------------------------------------------------------------------------

    def register(self, channel: str, handler: ChannelHandler) -> None:
        """Start handling `channel`'s rows (rows left from before a restart come first)."""
        self.handlers[channel] = handler
        self.wake.set()

    async def unregister(self, channel: str, grace: float = 10.0) -> None:
        """Stop taking `channel`'s rows after working off what is due for up to `grace` seconds
        (what is left stays stored, for the next start or another instance)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self._settle([channel])
        self.handlers.pop(channel, None)
        running = [t for (ch, _), t in self._active.items() if ch == channel]
        if running:
            _done, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="inbox-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for task in list(self._active.values()):
            task.cancel()
        await asyncio.gather(*self._active.values(), return_exceptions=True)

    async def drain(self, within: float = 30.0) -> None:
        """Wait until nothing due is left for the registered channels (tests, benchmarks)."""
        async with asyncio.timeout(within):
            await self._settle(list(self.handlers))

    async def _settle(self, channels: list[str]) -> None:
        while True:
            self._rescan = True
            self.wake.set()
            await asyncio.sleep(0.02)
            running = [t for (ch, _), t in self._active.items() if ch in channels]
            if running:
                await asyncio.wait(running)
                continue
            async with self.sessions() as session:
                due = await inbox.ready_chats(session, channels, self.clock.now(), 1)
            if not due:
                return

    # -- scheduling --------------------------------------------------------------------------

    def stored_for(self, chats: list[tuple[str, str]]) -> None:
        """This instance stored rows for these chats: work them now, with no scan."""
        for chat in chats:
            if chat in self._active:
                self._again.add(chat)  # its task may be past its last look: go again after
            else:
                self._hints[chat] = None
        self.wake.set()

    async def _run(self) -> None:
        if not self.postgres:
            async with self.sessions() as session, session.begin():
                await inbox.adopt_answered(session, self.clock.now())
        loop = asyncio.get_running_loop()
        next_scan = 0.0  # at once: rows left from before a restart come first
        while True:
            self.wake.clear()
            try:
                if loop.time() >= next_scan or self._rescan:
                    self._rescan = False
                    next_scan = loop.time() + self.settings.poll_seconds
                    await self._scan()
                self._start_hinted()
            except Exception:
                logger.exception("inbox scan failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), max(0.0, next_scan - loop.time()))

    async def _count(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._counted_at < COUNTS_EVERY:
            return
        self._counted_at = loop.time()
        async with self.sessions() as session:
            self.stored = await inbox.counts(session)

    async def _scan(self) -> None:
        """Chats with rows due (stored by any instance, or due for a retry) join the queue."""
        await self._count()
        if not self.handlers:
            return
        async with self.sessions() as session:
            chats = await inbox.ready_chats(
                session, list(self.handlers), self.clock.now(), 4 * self.settings.concurrency
            )
        for chat in chats:
            if chat not in self._active:
                self._hints[chat] = None

    def _start_hinted(self) -> None:
        while self._hints and len(self._active) < self.settings.concurrency:
            chat = next(iter(self._hints))
            del self._hints[chat]
            if chat in self._active or chat[0] not in self.handlers:
                continue
            task = asyncio.create_task(self._work_chat(*chat), name=f"inbox-{chat[0]}")
            self._active[chat] = task
            task.add_done_callback(functools.partial(self._finished, chat))

    def _finished(self, chat: tuple[str, str], _task: asyncio.Task[None]) -> None:
        self._active.pop(chat, None)
        if chat in self._again:
            self._again.discard(chat)
            self._hints[chat] = None
        self.wake.set()  # room for another chat

    # -- one chat ----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _lease(self, channel: str, chat: str) -> AsyncIterator[Callable[[], Any] | None]:
        """Sessions for working the chat, or None when another instance holds it."""
        if not self.postgres:
            yield self.sessions
            return
        conn = await self.engine.connect()
        try:
            got = await inbox.try_lock_chat(conn, channel, chat)
            await conn.commit()  # the lock is the session's; the chat's transactions follow
            if not got:
                yield None
                return
            try:
                yield lambda: AsyncSession(bind=conn, expire_on_commit=False)
            finally:
                with contextlib.suppress(Exception):
                    await inbox.unlock_chat(conn, channel, chat)
                    await conn.commit()
        finally:
            await conn.close()

    async def _work_chat(self, channel: str, chat: str) -> None:
        try:
            async with self._lease(channel, chat) as sessions:
                if sessions is None:
                    return  # another instance is working this chat
                while channel in self.handlers and await self._step(sessions, channel, chat):
                    self._again.discard((channel, chat))
        except Exception:
            logger.exception("inbox worker failed on a %s chat", channel)

    async def _step(self, sessions: Callable[[], Any], channel: str, chat: str) -> bool:
        """Do the chat's oldest row; False when there is nothing (due) left after it.

        Reading two rows tells whether another one waits. On SQLite every row is stored by
        this process, whose writer flags the chat (`_again`) when one arrives meanwhile, so no
        extra look is needed; on PostgreSQL another instance may have stored one: look again.
        """
        handler = self.handlers[channel]
        item_id: int | None = None
        handled = False
        try:
            async with sessions() as session, session.begin():
                if not self.postgres:
                    await inbox.begin_as_writer(session)
                rows = await inbox.oldest(session, channel, chat, limit=2)
                if not rows or rows[0].next_attempt_at > self.clock.now():
                    return False
                item = rows[0]
                more = len(rows) > 1 or self.postgres
                item_id, sent, encoded = item.id, item.sent, item.replies
                if item.state == inbox.PENDING:
                    replies = await handler.handle(session, item)
                    encoded = stored_replies.encode(replies) if replies else None
                    if encoded is None:
                        await session.delete(item)
                    else:
                        lease = timedelta(0) if self.postgres else SENDING_LEASE
                        inbox.answered(item, encoded, self.clock.now() + lease)
                    handled = True
                else:
                    self.counts.resent += 1
                    logger.info("sending the stored replies of an update handled before a restart")
        except Exception as error:
            if item_id is None:
                raise
            await self._failed(sessions, handler, item_id, error)
            return True
        if handled:
            self._handled(channel)
        if encoded is not None:
            await self._send(handler, chat, item_id, stored_replies.decode(encoded), sent)
        return more or (channel, chat) in self._again

    def _handled(self, channel: str) -> None:
        self.counts.handled += 1
        self.counts.by_channel[channel] = self.counts.by_channel.get(channel, 0) + 1

    async def _send(
        self, handler: ChannelHandler, chat: str, item_id: int, replies: list[Reply], sent: int
    ) -> None:
        for index in range(sent, len(replies)):
            await handler.send(chat, replies[index : index + 1])
            if index + 1 < len(replies):  # a crash now repeats none of the messages sent
                await self.writer.progress(item_id, index + 1)
        await self.writer.remove(item_id)

    async def _failed(
        self, sessions: Callable[[], Any], handler: ChannelHandler, item_id: int, error: Exception
    ) -> None:
        if isinstance(error, IntegrityError):
            logger.info("inbox row %s hit a unique key (a duplicate); trying again", item_id)
        else:
            logger.exception("inbox row %s failed", item_id, exc_info=error)
        async with sessions() as session, session.begin():
            item = await session.get(InboxItem, item_id)
            chat = item.chat_key if item is not None else None
            aside = await inbox.failed_try(
                session,
                item_id,
                f"{type(error).__name__}: {error}",
                self.clock.now(),
                max_attempts=self.settings.max_attempts,
                first_retry=self.settings.retry_seconds,
            )
        if not aside:
            self.counts.retried += 1
            return
        self.counts.set_aside += 1
        self._counted_at = 0.0  # show it in /healthz at the next scan
        logger.error("inbox row %s set aside after %d tries", item_id, self.settings.max_attempts)
        if chat is not None:
            with contextlib.suppress(Exception):
                await handler.send(chat, handler.failure_reply())

    def health(self) -> dict[str, Any]:
        counts = self.counts
        return {
            "handled": counts.handled,
            "retried": counts.retried,
            "set_aside": counts.set_aside,
            "resent_after_restart": counts.resent,
            "working_chats": len(self._active),
            "waiting": self.stored.get(inbox.PENDING, 0) + self.stored.get(inbox.ANSWERED, 0),
            "failed": self.stored.get(inbox.FAILED, 0),  # set aside: `dvcbot inbox list`
        }
