"""What happens with each verified Zalo event: text to the core, follows, media answers."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Collection

from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.events import CHANNEL, Event, EventKind, to_incoming
from bot.core import Core
from handlers.types import Button, Incoming, Reply
from storage import contacts, events
from storage.db import SessionFactory
from storage.events import EventKind as OutreachKind

logger = logging.getLogger(__name__)


class Inbox:
    """Handles events one person at a time, in the order they arrived."""

    def __init__(
        self,
        core: Core,
        sessions: SessionFactory,
        channel: ZaloChannel,
        *,
        payload_prefix: str,
        known_actions: Collection[str],
    ) -> None:
        self.core = core
        self.sessions = sessions
        self.channel = channel
        self.payload_prefix = payload_prefix
        self.known_actions = frozenset(known_actions)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, user_id: str) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[user_id] = lock
        return lock

    async def handle(self, event: Event) -> None:
        if event.user_id is None:
            return
        async with self._lock(event.user_id):
            if event.kind is EventKind.TEXT:
                incoming = to_incoming(event, self.payload_prefix, self.known_actions)
                await self._answer(incoming)
            elif event.kind is EventKind.FOLLOW:
                await self._follow(event)
            elif event.kind is EventKind.UNFOLLOW:
                await self._unfollow(event)
            elif event.kind is EventKind.MEDIA:
                await self._media(event)

    async def _answer(self, incoming: Incoming) -> None:
        replies = await self.core.handle(incoming)
        if replies:
            await self.channel.reply(incoming.chat_id, replies)

    async def _follow(self, event: Event) -> None:
        """Greet through the core (as /start), then subscribe the contact."""
        assert event.user_id is not None
        greeting = Incoming(
            channel=CHANNEL,
            user_key=event.user_id,
            chat_id=event.user_id,
            text="/start",
            locale="vi",
            message_id=event.dedup_id,
            timestamp=event.timestamp,
        )
        replies = await self.core.handle(greeting)
        if not replies:
            return  # the same follow event again
        await self._subscription(event, subscribed=True)
        await self.channel.reply(event.user_id, replies)

    async def _unfollow(self, event: Event) -> None:
        await self._subscription(event, subscribed=False)

    async def _subscription(self, event: Event, *, subscribed: bool) -> None:
        assert event.user_id is not None
        kind = OutreachKind.SUBSCRIBED if subscribed else OutreachKind.UNSUBSCRIBED
        ref = f"zalo:{event.raw_timestamp}"
        async with self.sessions() as session, session.begin():
            contact = await contacts.get(session, CHANNEL, event.user_id)
            if contact is None or await events.recorded(session, kind, contact, ref):
                return
            contact.subscribed = subscribed
            await events.record(session, kind, contact, ref=ref, at=event.timestamp)
        logger.info("Zalo %s recorded", event.name)

    async def _media(self, event: Event) -> None:
        """Something the bot cannot read: say so kindly; it still counts as an interaction."""
        assert event.user_id is not None
        async with self.sessions() as session, session.begin():
            if await contacts.get(session, CHANNEL, event.user_id) is not None:
                await contacts.get_or_create(
                    session, CHANNEL, event.user_id, event.user_id, seen_at=event.timestamp
                )
        messages = self.core.content.messages
        reply = Reply(
            text=messages("zalo.media_unsupported"),
            buttons=(Button(messages("common.menu"), payload="menu"),),
            topic="zalo:media",
        )
        await self.channel.reply(event.user_id, [reply])
