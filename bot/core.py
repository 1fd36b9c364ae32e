"""The core: one transaction per message, routed to handlers, replies returned after commit."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from handlers.content import Content
from handlers.context import Context, Conversation
from handlers.dialogue import remember_topic
from handlers.privacy import with_first_contact_notice
from handlers.registry import FALLBACK, ROUTERS
from handlers.routing import Handler, Router, dispatch
from handlers.text import clean, label_key, plain
from handlers.types import Incoming, Kind, Reply
from storage import app_state, contacts, conversations, events, interactions
from storage.clock import SYSTEM_CLOCK, Clock
from storage.db import SessionFactory
from storage.events import EventKind
from storage.pseudonym import bounded_id, message_key

logger = logging.getLogger(__name__)

MAX_TEXT = 4000  # longer input is cut; nobody types a question that long
MAX_NAME = 200  # contacts.display_name; Telegram's own names stop at 129 characters
MAX_LOCALE = 16


class Core:
    """Turns an Incoming into Replies; every channel adapter calls `handle`."""

    def __init__(
        self,
        sessions: SessionFactory,
        content: Content,
        *,
        routers: Sequence[Router] = ROUTERS,
        fallback: Handler = FALLBACK,
        settings: Mapping[str, Any] | None = None,
        services: dict[str, Any] | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.content = content
        self.routers = routers
        self.fallback = fallback
        self.settings = dict(settings or {})
        # Shared, not copied: parts started later (channels) add services the handlers can use.
        self.services: dict[str, Any] = services if services is not None else {}
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def _lock(self, msg: Incoming) -> asyncio.Lock:
        key = (msg.channel, msg.user_key)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def secret(self) -> str:
        """The deployment secret (from the runtime, or the database's when run without one)."""
        secret = self.services.get("secret")
        if not secret:
            async with self.sessions() as session, session.begin():
                secret = await app_state.get_or_create_secret(session)
            self.services["secret"] = secret
        return str(secret)

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Handle one message; a duplicate platform message id yields no replies."""
        msg = sanitised(msg, await self.secret())
        async with self._lock(msg):
            try:
                async with self.sessions() as session, session.begin():
                    return await self._handle(session, msg)
            except IntegrityError:
                if msg.message_id is not None:
                    logger.info("duplicate message %s on %s ignored", msg.message_id, msg.channel)
                    return []
                logger.exception("storage conflict handling a %s message", msg.channel)
            except Exception:
                logger.exception(
                    "failed to handle a %s message (id %s)", msg.channel, msg.message_id
                )
        return [Reply(text=self.content.messages("core.error"), topic="error")]

    async def handle_in(self, session: Any, msg: Incoming) -> list[Reply]:
        """Handle one message inside the caller's transaction (the inbox worker's, which marks
        the stored update handled in it). Errors propagate: the caller rolls back and retries."""
        secret = self.services.get("secret")
        if not secret:  # read in the caller's transaction: a second session could wait on it
            secret = self.services["secret"] = await app_state.get_or_create_secret(session)
        msg = sanitised(msg, str(secret))
        async with self._lock(msg):
            replies = await self._handle(session, msg)
            await session.flush()  # a duplicate message id fails here, inside the lock
            return replies

    async def _handle(self, session: Any, msg: Incoming) -> list[Reply]:
        now = self.clock.now()
        # One round trip for the usual case: a known person writing a new message.
        found, state, seen = await contacts.find_for_message(
            session, msg.channel, msg.user_key, msg.message_id
        )
        if seen or (
            found is None
            and msg.message_id is not None
            and await interactions.seen(session, msg.channel, msg.message_id)
        ):
            logger.info("duplicate message %s on %s ignored", msg.message_id, msg.channel)
            return []
        if found is not None:
            contact, created = found, False
            contacts.touch(contact, msg.chat_id, display_name=msg.display_name, seen_at=now)
        else:
            contact, created = await contacts.get_or_create(
                session,
                msg.channel,
                msg.user_key,
                msg.chat_id,
                display_name=msg.display_name,
                locale=msg.locale,
                seen_at=now,
            )
        if created:
            ref = start_code(msg)
            await events.record(session, EventKind.FIRST_CONTACT, contact, ref=ref, at=now)
        if state is None:
            state = await conversations.load(session, contact.id)
        msg = press_offered_button(msg, list(state.offered or []))
        conversation = Conversation(
            state.flow,
            state.step,
            dict(state.data or {}),
            topic=state.topic,
            topic_at=state.topic_at,
            language=state.language,
        )
        ctx = Context(
            content=self.content,
            session=session,
            contact=contact,
            conversation=conversation,
            now=now,
            settings=self.settings,
            services=self.services,
        )
        route, replies = await dispatch(self.routers, msg, ctx, self.fallback)
        remember_topic(conversation, replies, now)
        if created:
            replies = with_first_contact_notice(ctx, replies)
        erased = contacts.is_erased(contact)  # /xoadulieu: nothing may point at them again
        await interactions.record(
            session,
            contact_id=None if erased else contact.id,
            channel=msg.channel,
            platform_message_id=msg.message_id,
            kind=msg.kind.value,
            handler=f"{route.router}.{route.handler}",
            shown=",".join(r.topic for r in replies if r.topic) or None,
            at=now,
        )
        if not erased:
            flow, step, data = conversation.snapshot()
            conversations.save(
                state,
                flow=flow,
                step=step,
                data=data,
                offered=offered_buttons(replies),
                topic=conversation.topic,
                topic_at=conversation.topic_at,
                language=conversation.language,
            )
        return replies


def sanitised(msg: Incoming, secret: str) -> Incoming:
    """Every platform field made storable and bounded before it reaches storage: no lone
    surrogates or NUL, names and ids cut to their columns, and the platform's message id
    replaced by a keyed hash (it is kept only to handle a message once)."""
    locale = plain(msg.locale or "")[:MAX_LOCALE]
    return dataclasses.replace(
        msg,
        text=clean(msg.text)[:MAX_TEXT],
        payload=plain(msg.payload) if msg.payload is not None else None,
        user_key=bounded_id(secret, plain(msg.user_key)),
        chat_id=bounded_id(secret, plain(msg.chat_id)),
        display_name=clean(msg.display_name or "")[:MAX_NAME] or None,
        locale=locale or None,
        message_id=(
            message_key(secret, msg.channel, msg.message_id) if msg.message_id is not None else None
        ),
    )


def start_code(msg: Incoming) -> str | None:
    """The deep-link code a person arrived with: `/start <code>`, or the web chat's start
    button (`start:<code>`)."""
    if msg.command == "start" and msg.args:
        return msg.args
    if msg.payload and msg.payload.startswith("start:"):
        return msg.payload.split(":", 1)[1] or None
    return None


def offered_buttons(replies: Sequence[Reply]) -> list[dict[str, Any]]:
    """What typing a button's number or label presses (payload '' for links). Numbers run in
    one count through every numbered reply of the answer, as the channels render them
    (`bot.channels.render.first_numbers`); when the last reply with buttons asks for a typed
    number (`numbered=False`), its buttons are pressed by label only."""
    last = next((r for r in reversed(replies) if r.buttons), None)
    if last is None:
        return []
    if not last.numbered:
        return [
            {"payload": b.payload or "", "label": b.label, "numbered": False} for b in last.buttons
        ]
    return [
        {"payload": b.payload or "", "label": b.label, "numbered": True}
        for reply in replies
        if reply.buttons and reply.numbered
        for b in reply.buttons
    ]


def _offered(entry: Any) -> dict[str, Any]:
    """One stored offered button; rows saved before labels were kept hold the payload alone."""
    if isinstance(entry, dict):
        return entry
    return {"payload": str(entry or ""), "label": "", "numbered": True}


def press_offered_button(msg: Incoming, offered: list[Any]) -> Incoming:
    """Typed text that names an offered button, by its number or its label, is that button's
    press, in every step: '1' or 'bỏ qua' under [1] Bỏ qua skips, it is not an answer."""
    if msg.kind is not Kind.TEXT or not msg.text or not offered:
        return msg
    buttons = [_offered(entry) for entry in offered]
    text = msg.text.strip()
    if text.isdigit() and len(text) <= 2:
        index = int(text) - 1
        if 0 <= index < len(buttons) and buttons[index]["numbered"] and buttons[index]["payload"]:
            return dataclasses.replace(msg, payload=buttons[index]["payload"], text="")
        return msg
    typed = label_key(text)
    for button in buttons:
        if typed and button["payload"] and label_key(str(button["label"])) == typed:
            return dataclasses.replace(msg, payload=button["payload"], text="")
    return msg
