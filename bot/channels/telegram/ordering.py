"""Concurrent update processing that keeps each chat's updates in the order they arrived."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import BaseUpdateProcessor


class PerChatOrder(BaseUpdateProcessor):
    """Many chats at once, one update at a time per chat (FIFO, as asyncio.Lock is fair).

    PTB starts one task per update in arrival order; each task takes its chat's lock before
    running, so two messages from one person are answered in order while others proceed.
    """

    def __init__(
        self, key: Callable[[object], int | None], max_concurrent_updates: int = 512
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._key = key
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        async with lock:
            await coroutine

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""
