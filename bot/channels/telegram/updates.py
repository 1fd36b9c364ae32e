"""The one handler: a Telegram Update becomes an Incoming for the core, its replies go back."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, ChatMember, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.channels.telegram.channel import CHANNEL, TelegramChannel
from bot.core import Core
from handlers.types import Incoming, Reply
from storage import contacts
from storage.inbox import NewItem
from storage.models import InboxItem

logger = logging.getLogger(__name__)

START_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


def command_text(message: Message, bot_username: str | None) -> str:
    """The message text, with `/start@bot code` normalised and a bad start code dropped."""
    text = message.text or message.caption or ""
    if not text.startswith("/"):
        return text
    head, _, rest = text.partition(" ")
    name, _, addressee = head.partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return ""  # a command for another bot in a group
    if name.lower() == "/start":
        code = rest.strip()
        if code and not START_CODE.fullmatch(code):
            logger.info("telegram start code ignored: not [A-Za-z0-9_-]{1,64}")
            return "/start"
        return f"/start {code}" if code else "/start"
    return f"{name} {rest}".strip()


def message_id(update: Update) -> str:
    """A stable id per update, the same on every redelivery (update ids may restart)."""
    if update.callback_query is not None:
        return f"c{update.callback_query.id}"
    if update.message is not None:
        return f"m{update.message.chat_id}:{update.message.message_id}"
    if update.edited_message is not None:
        edited = update.edited_message
        stamp = int(edited.edit_date.timestamp()) if edited.edit_date else 0
        return f"e{edited.chat_id}:{edited.message_id}:{stamp}"
    return f"u{update.update_id}"


def to_incoming(update: Update, bot_username: str | None = None) -> Incoming | None:
    """The Incoming for a message or button press, or None when the core has nothing to do."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    common: dict[str, Any] = dict(
        channel=CHANNEL,
        user_key=str(user.id),
        chat_id=str(chat.id),
        display_name=user.full_name or None,
        locale=user.language_code,
        message_id=message_id(update),
    )
    query = update.callback_query
    if query is not None:
        if not query.data:
            return None
        return Incoming(payload=query.data, **common)
    message = update.message or update.edited_message
    if message is None:
        return None
    text = command_text(message, bot_username)
    if chat.type != ChatType.PRIVATE and not text.startswith("/"):
        return None  # in groups only commands are for the bot
    quoted = message.reply_to_message
    if quoted is not None and quoted.from_user is not None and quoted.from_user.is_bot:
        common.update(reply_to=str(quoted.message_id), quoted=quoted.text or quoted.caption)
    return Incoming(text=text, timestamp=message.date, **common)


class UpdateHandler:
    """The inbox's Telegram part: a stored update in, the core's replies out (sent later)."""

    def __init__(self, core: Core, channel: TelegramChannel) -> None:
        self.core = core
        self.channel = channel
        self.bot_username: str | None = None
        self._answering: set[asyncio.Task[None]] = set()

    async def handle(self, session: AsyncSession, item: InboxItem) -> list[Reply]:
        """Runs in the inbox row's transaction: the core's interaction commits with it."""
        assert item.payload is not None
        update = Update.de_json(json.loads(item.payload), self.channel.bot)
        if update.my_chat_member is not None:
            await self.membership(session, update)
            return []
        if update.callback_query is not None:
            # Outside the transaction's time: the button stops spinning whatever happens next.
            task = asyncio.create_task(self.answer(update.callback_query))
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)
        incoming = to_incoming(update, self.bot_username)
        if incoming is None:
            logger.debug("telegram update %s has nothing for the core", update.update_id)
            return []
        return await self.core.handle_in(session, incoming)

    async def send(self, chat_key: str, replies: list[Reply]) -> None:
        await self.channel.reply(chat_key, replies)

    def failure_reply(self) -> list[Reply]:
        return [Reply(text=self.core.content.messages("core.error"), topic="error")]

    async def answer(self, query: CallbackQuery) -> None:
        """Every button press is answered at once, so the button stops spinning."""
        try:
            await query.answer()
        except TelegramError as error:
            logger.info("callback query not answered: %s", error)

    async def membership(self, session: AsyncSession, update: Update) -> None:
        """A person blocked the bot (kicked) or unblocked it (member) in their private chat."""
        change = update.my_chat_member
        assert change is not None
        if change.chat.type != ChatType.PRIVATE:
            return
        status = change.new_chat_member.status
        if status in (ChatMember.BANNED, ChatMember.LEFT, ChatMember.MEMBER):
            reachable = status == ChatMember.MEMBER
            chat = str(change.chat.id)
            if await contacts.set_reachable_by_chat(session, CHANNEL, chat, reachable):
                logger.info(
                    "telegram contact marked %s", "reachable" if reachable else "unreachable"
                )


def inbox_item(update: Update, raw: str) -> NewItem:
    """The inbox row for an update: keyed by the stable message id (a redelivery, even under a
    new update id, is stored once), queued behind the earlier updates of its chat."""
    chat = chat_key(update)
    return NewItem(
        channel=CHANNEL,
        update_key=message_id(update),
        chat_key=str(chat) if chat is not None else f"u{update.update_id}",
        payload=raw,
    )


def chat_key(update: object) -> int | None:
    """What to serialise on: the chat (or the person, for updates without a chat)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None
