"""Sending to Telegram: replies to incoming messages (retried) and proactive sends (classified)."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import logging
import re
import time
import warnings
from collections.abc import Sequence
from typing import Any

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot.channels.base import DeliveryResult, DeliveryStatus, SendWatcher
from bot.channels.shared_rate import SharedRate
from bot.channels.telegram.limits import NO_RETRY
from bot.channels.telegram.prepared import Prepared, prepare
from bot.channels.telegram.render import Outgoing, render_all
from bot.channels.telegram.request import AiohttpRequest
from handlers.content import Content
from handlers.types import Reply
from storage import contacts
from storage.db import SessionFactory

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
NETWORK_RETRIES = (0.5, 1.5, 4.0)  # backoff before each retry of a reply after a network error
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
RENDERED_KEPT = 32  # broadcast messages whose rendering is kept (each goes to many chats)
# Replies remembered for a broadcast pacer that starts later: Telegram's window is a second,
# so two cover it.
ANSWERED_KEPT_SECONDS = 2.0

# Messages go out through Bot.do_api_request, which hands back Telegram's answer as it came:
# nothing here reads the sent Message, and parsing it is about a third of PTB's work per call
# (docs/BENCHMARKS.md). PTB warns when do_api_request names a method it also wraps; here that
# is deliberate.
warnings.filterwarnings(
    "ignore",
    message=r"Please use 'Bot\.send(Message|Photo|Document)' instead of 'Bot\.do_api_request",
    category=PTBUserWarning,
)


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def classify(error: TelegramError) -> DeliveryResult:
    """What a Bot API error means for whoever sent the message."""
    text = str(error)
    if isinstance(error, Forbidden):
        return DeliveryResult(DeliveryStatus.BLOCKED, error=text)
    if isinstance(error, RetryAfter):
        return DeliveryResult(DeliveryStatus.RATE_LIMITED, retry_after=retry_seconds(error))
    if isinstance(error, ChatMigrated | BadRequest | InvalidToken):
        return DeliveryResult(DeliveryStatus.FAILED_PERMANENT, error=text)
    if isinstance(error, Conflict | NetworkError):  # TimedOut is a NetworkError
        return DeliveryResult(DeliveryStatus.FAILED_TRANSIENT, error=text)
    return DeliveryResult(DeliveryStatus.FAILED_PERMANENT, error=text)


class TelegramChannel:
    """The Telegram side of `Channel`: send replies, learn who blocked the bot, set menus."""

    name = CHANNEL

    def __init__(
        self,
        bot: ExtBot[int],  # rate_limit_args: retries (AIORateLimiter)
        sessions: SessionFactory,
        content: Content,
        *,
        paid_broadcast: bool = False,
        reply_rate: SharedRate | None = None,
    ) -> None:
        self.bot = bot
        # Replies of every instance together keep the bot's limit (PostgreSQL; None: the
        # per-process limiter alone, as with one process on SQLite).
        self.reply_rate = reply_rate
        self.sessions = sessions
        self.content = content
        # Proactive sends go as paid broadcasts: up to 1,000/s instead of 30/s, for Stars.
        self.proactive = {"allow_paid_broadcast": True} if paid_broadcast else {}
        self._rendered: dict[tuple[Reply, ...], list[Outgoing | Prepared]] = {}
        # The broadcast pacer: replies share Telegram's 30 messages/s with the broadcasts.
        # Until there is one, the last seconds' replies are remembered for it.
        self._watcher: SendWatcher | None = None
        self._answered: collections.deque[float] = collections.deque()  # monotonic times
        self._replying = 0

    def watch(self, watcher: SendWatcher) -> None:
        """Count every reply in `watcher`'s window from now on (instead of an earlier one's),
        and the replies of the last second or still on their way."""
        now = time.monotonic()
        watcher.seed(
            [now - t for t in self._answered if now - t < ANSWERED_KEPT_SECONDS], self._replying
        )
        self._watcher = watcher

    async def _call(self, call: Outgoing, *, rate_limit_retries: int | None, **extra: Any) -> None:
        """One Bot API call; raises PTB's TelegramError subclasses as the typed methods do."""
        await self.bot.do_api_request(
            call.method, api_kwargs={**call.params, **extra}, rate_limit_args=rate_limit_retries
        )

    async def _counted_call(self, call: Outgoing) -> None:
        """A reply's call, sent when the broadcast pacers' window has room and counted in it;
        whatever the outcome, it reached Telegram (if at all) before the answer or error."""
        watcher = self._watcher
        answered = await watcher.outside() if watcher is not None else None
        self._replying += 1
        try:
            await self._call(call, rate_limit_retries=None)
        finally:
            self._replying -= 1
            now = time.monotonic()
            self._answered.append(now)
            while self._answered and self._answered[0] < now - ANSWERED_KEPT_SECONDS:
                self._answered.popleft()
            if answered is not None:
                answered(True)

    def _broadcast_calls(self, replies: Sequence[Reply]) -> list[Outgoing | Prepared]:
        """The calls that show `replies` to any chat (chat_id left to the caller): rendered
        once for all the recipients of a broadcast, and encoded once when the bot's
        networking is ours (bot/channels/telegram/prepared.py)."""
        key = tuple(replies)
        try:
            calls = self._rendered.get(key)
        except TypeError:  # a reply built with a list somewhere: render it every time
            return list(render_all("", replies))
        if calls is None:
            if len(self._rendered) >= RENDERED_KEPT:
                self._rendered.clear()
            calls = self._rendered[key] = self._encoded(render_all("", replies))
        return calls

    def _encoded(self, calls: list[Outgoing]) -> list[Outgoing | Prepared]:
        if not isinstance(self.bot.request, AiohttpRequest):
            return list(calls)
        base = self.bot.base_url
        return [prepare(base, call, self.proactive) or call for call in calls]

    async def _post(self, call: Prepared, chat_id: str) -> None:
        """One prepared call through the bot's networking; raises PTB's TelegramError
        subclasses as `_call` does. A free-rate message goes through the bot's rate limiter
        like `_call` with NO_RETRY (it shares the bot's 30/s with replies); a paid broadcast
        does not: Telegram counts those apart, and the sender's pacer holds their rate."""
        request = self.bot.request
        assert isinstance(request, AiohttpRequest)  # `_encoded` prepares calls only then
        form = call.form(chat_id)
        limiter = self.bot.rate_limiter
        if limiter is None or self.proactive:
            await request.post_form(call.url, form)
            return

        async def post() -> bool:
            await request.post_form(call.url, form)
            return True

        await limiter.process_request(post, (), {}, call.method, {"chat_id": chat_id}, NO_RETRY)

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> DeliveryResult:
        """Proactive send (broadcasts): one attempt, the outcome classified, never raises.

        A 429 is neither retried nor waited out here: the caller gets RATE_LIMITED with
        `retry_after` and decides (the broadcast sender pauses its pacer). A block marks the
        contact unreachable. With paid broadcasts on, each message allows Telegram to charge for it.
        """
        try:
            for call in self._broadcast_calls(replies):
                if isinstance(call, Prepared):
                    await self._post(call, chat_id)
                else:
                    await self._call(
                        call, rate_limit_retries=NO_RETRY, chat_id=chat_id, **self.proactive
                    )
        except TelegramError as error:
            result = classify(error)
            if result.status is DeliveryStatus.BLOCKED:
                await self.set_reachable(chat_id, False)
            logger.info("telegram send failed: %s", result.status)
            return result
        return DeliveryResult(DeliveryStatus.SENT)

    async def reply(self, chat_id: str, replies: Sequence[Reply]) -> DeliveryResult:
        """Answer an incoming message: 429 waits and retries (rate limiter), network errors
        retry with backoff; a block marks the contact unreachable."""
        for call in render_all(chat_id, replies):
            if self.reply_rate is not None:
                await self.reply_rate.take()
            for attempt, pause in enumerate((*NETWORK_RETRIES, None)):
                try:
                    await self._counted_call(call)
                    break
                except TelegramError as error:
                    result = classify(error)
                    if result.status is DeliveryStatus.FAILED_TRANSIENT and pause is not None:
                        logger.warning(
                            "telegram %s failed (try %d), retrying", call.method, attempt + 1
                        )
                        await asyncio.sleep(pause)
                        continue
                    if result.status is DeliveryStatus.BLOCKED:
                        await self.set_reachable(chat_id, False)
                    logger.warning("telegram %s failed: %s", call.method, result.status)
                    return result
        return DeliveryResult(DeliveryStatus.SENT)

    async def set_reachable(self, chat_id: str, reachable: bool) -> None:
        """Record that this chat blocked the bot (or came back)."""
        async with self.sessions() as session, session.begin():
            changed = await contacts.set_reachable_by_chat(session, CHANNEL, chat_id, reachable)
        if changed:
            logger.info("telegram contact marked %s", "reachable" if reachable else "unreachable")

    # ---- command menus ---------------------------------------------------------------------

    def citizen_commands(self) -> list[BotCommand]:
        """The menu every private chat sees, in Vietnamese, from content/vi/messages.yaml."""
        messages = self.content.messages
        return [
            BotCommand("start", messages("telegram.command_start")),
            BotCommand("menu", messages("telegram.command_menu")),
            BotCommand("help", messages("telegram.command_help")),
            BotCommand("hoicanbo", messages("telegram.command_hoicanbo")),
            BotCommand("huy", messages("telegram.command_huy")),
        ]

    async def set_default_commands(self) -> None:
        await self.bot.set_my_commands(self.citizen_commands())

    async def set_commands(self, chat_id: str, extra: Sequence[tuple[str, str]] = ()) -> bool:
        """Show this chat the citizen commands plus `extra` (command, description) pairs,
        e.g. the commands of a team member or officer; no `extra` restores the default menu.
        Returns False (logged) when Telegram refused."""
        scope = BotCommandScopeChat(int(chat_id))
        try:
            if not extra:
                await self.bot.delete_my_commands(scope=scope)
                return True
            commands = self.citizen_commands()
            known = {c.command for c in commands}
            for command, description in extra:
                if not COMMAND_NAME.fullmatch(command) or not 1 <= len(description) <= 256:
                    raise ValueError(f"bad Telegram command {command!r}")
                if command not in known:
                    commands.append(BotCommand(command, description))
                    known.add(command)
            await self.bot.set_my_commands(commands[:100], scope=scope)
            return True
        except TelegramError as error:
            logger.warning("could not set a chat's commands: %s", classify(error).status)
            return False
