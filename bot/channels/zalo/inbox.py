"""What happens with each stored Zalo event: text to the core, follows, media answers.

The durable inbox calls `handle` inside the transaction that marks the event handled, one
event at a time per person, in the order they arrived."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.events import CHANNEL, Event, EventKind, parse_event, to_incoming
from bot.core import Core
from handlers.types import Button, Incoming, Reply
from storage import contacts, events
from storage.events import EventKind as OutreachKind
from storage.models import InboxItem

logger = logging.getLogger(__name__)


class ZaloEventHandler:
    """The inbox's Zalo part: a stored event in, replies out (sent by the worker)."""

    def __init__(
        self,
        core: Core,
        channel: ZaloChannel,
        *,
        payload_prefix: str,
        known_actions: Collection[str],
    ) -> None:
        self.core = core
        self.channel = channel
        self.payload_prefix = payload_prefix
        self.known_actions = frozenset(known_actions)

    async def handle(self, session: AsyncSession, item: InboxItem) -> list[Reply]:
        assert item.payload is not None
        event = parse_event(json.loads(item.payload))
        if event.user_id is None:
            return []
        if event.kind is EventKind.TEXT:
            incoming = to_incoming(event, self.payload_prefix, self.known_actions)
            return await self.core.handle_in(session, incoming)
        if event.kind is EventKind.FOLLOW:
            return await self._follow(session, event)
        if event.kind is EventKind.UNFOLLOW:
            await self._subscription(session, event, subscribed=False)
        elif event.kind is EventKind.MEDIA:
            return await self._media(session, event)
        return []

    async def send(self, chat_key: str, replies: list[Reply]) -> None:
        await self.channel.reply(chat_key, replies)

    def failure_reply(self) -> list[Reply]:
        return [Reply(text=self.core.content.messages("core.error"), topic="error")]

    async def _follow(self, session: AsyncSession, event: Event) -> list[Reply]:
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
        replies = await self.core.handle_in(session, greeting)
        if replies:  # none: the same follow event again
            await self._subscription(session, event, subscribed=True)
        return replies

    async def _subscription(self, session: AsyncSession, event: Event, *, subscribed: bool) -> None:
        assert event.user_id is not None
        kind = OutreachKind.SUBSCRIBED if subscribed else OutreachKind.UNSUBSCRIBED
        ref = f"zalo:{event.raw_timestamp}"
        contact = await contacts.get(session, CHANNEL, event.user_id)
        if contact is None or await events.recorded(session, kind, contact, ref):
            return
        contact.subscribed = subscribed
        await events.record(session, kind, contact, ref=ref, at=event.timestamp)
        logger.info("Zalo %s recorded", event.name)

    async def _media(self, session: AsyncSession, event: Event) -> list[Reply]:
        """Something the bot cannot read: say so kindly; it still counts as an interaction."""
        assert event.user_id is not None
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
        return [reply]
