"""The one handler: a Telegram Update becomes an Incoming for the core, its replies go back."""

from __future__ import annotations

import collections
import logging
import re
from typing import Any

from telegram import CallbackQuery, ChatMember, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.channels.telegram.channel import CHANNEL, TelegramChannel
from bot.core import Core
from handlers.types import Incoming

logger = logging.getLogger(__name__)

START_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


class RecentIds:
    """The last `size` update ids seen by this process, so a redelivered update is skipped."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._ids: collections.OrderedDict[int, None] = collections.OrderedDict()

    def add(self, update_id: int) -> bool:
        """True when `update_id` is new."""
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


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
    """Forwards every update to the core (in order per chat) and sends the replies back."""

    def __init__(self, core: Core, channel: TelegramChannel) -> None:
        self.core = core
        self.channel = channel
        self.recent = RecentIds()
        self.bot_username: str | None = None

    async def __call__(self, update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update):
            return
        if not self.recent.add(update.update_id):
            logger.info("telegram update %s delivered again, skipped", update.update_id)
            return
        try:
            await self.handle(update)
        except Exception:
            logger.exception("telegram update %s failed", update.update_id)

    async def handle(self, update: Update) -> None:
        if update.my_chat_member is not None:
            await self.membership(update)
            return
        if update.callback_query is not None:
            await self.answer(update.callback_query)
        incoming = to_incoming(update, self.bot_username)
        if incoming is None:
            logger.debug("telegram update %s has nothing for the core", update.update_id)
            return
        replies = await self.core.handle(incoming)
        if replies:
            await self.channel.reply(incoming.chat_id, replies)

    async def answer(self, query: CallbackQuery) -> None:
        """Every button press is answered at once, so the button stops spinning."""
        try:
            await query.answer()
        except TelegramError as error:
            logger.info("callback query not answered: %s", error)

    async def membership(self, update: Update) -> None:
        """A person blocked the bot (kicked) or unblocked it (member) in their private chat."""
        change = update.my_chat_member
        assert change is not None
        if change.chat.type != ChatType.PRIVATE:
            return
        status = change.new_chat_member.status
        if status in (ChatMember.BANNED, ChatMember.LEFT):
            await self.channel.set_reachable(str(change.chat.id), False)
        elif status == ChatMember.MEMBER:
            await self.channel.set_reachable(str(change.chat.id), True)


def chat_key(update: object) -> int | None:
    """What to serialise on: the chat (or the person, for updates without a chat)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None
