"""A local fake Telegram Bot API server speaking the real wire format, for end-to-end tests.

Real clients (python-telegram-bot, httpx, aiohttp) talk to it over a real socket on 127.0.0.1.

Stable API (other test suites rely on it; extend, do not change):

    async with FakeTelegram(token="123:abc") as tg:      # or: tg = FakeTelegram(); await tg.start()
        tg.base_url        # "http://127.0.0.1:PORT/bot" for DVCBOT_TELEGRAM_API_URL
        tg.base_url_for("A")  # the same server, each call tagged Call.via == "A"
        tg.base_file_url   # "http://127.0.0.1:PORT/file/bot"
        tg.bot_username    # "dvc_test_bot" (getMe answers with it)

        # Updates: queued for getUpdates (long polling), or POSTed to the webhook when one is set
        update_id = tg.queue_update({"message": {...}})          # update_id assigned if missing
        tg.queue_update(tg.message(42, "/start ref_abc"))    # ready-made payloads:
        tg.queue_update(tg.callback(42, "guide:vneid-muc-2"))  # message, callback, my_chat_member
        tg.queue_update(tg.my_chat_member(42, "kicked"))
        tg.queue_update(tg.message(42, "answer", reply_to=sent_call))  # a reply to a bot message
        await tg.deliver(update)   # webhook mode: POST one update now, returns the HTTP status

        # What the bot sent: every call is recorded, in order
        tg.calls                   # list[Call]; Call(method, params, files, status)
        tg.calls_to("sendMessage") # only that method
        tg.sent()                  # the send* calls that succeeded
        tg.webhook                 # {"url", "secret_token", "allowed_updates"} after setWebhook
        tg.commands                # setMyCommands by scope: {"default/": [...], "chat:42/": [...]}
        tg.listeners.append(fn)    # fn(call) runs for every answered call (benchmarks)
        await tg.wait_for("sendMessage", count=2, timeout=10, where=lambda c: ...)  # answered calls

        # Failures, answered like Telegram does (real HTTP codes, parameters.retry_after)
        tg.fail_next("sendMessage", 403)                 # "Forbidden: bot was blocked by the user"
        tg.fail_next("sendMessage", 429, retry_after=1)  # RetryAfter
        tg.fail_next("sendMessage", 400, description="Bad Request: chat not found")
        tg.fail_next("sendMessage", 500)                 # Internal Server Error
        tg.fail_next("sendMessage", "drop")              # connection closed, no answer
        tg.fail_next(None, 403, times=3)                 # None = any method; `times` repeats
        tg.block(42)               # from now on every send to chat 42 answers 403 (unblock(42))
        tg.slow("sendMessage", 0.3)   # answer the next call after 0.3 s (times=N for more)
        tg.network(rtt=0.1, jitter=0.05)  # every call: a round trip of 0.10-0.15 s, half each way

        # Enforced flood limits: calls carrying chat_id beyond the limit get 429 + retry_after
        tg.rate_limit(per_second=30, per_chat_per_second=1, retry_after=1)   # None = no limit
        tg.rate_limit(per_second=30, paid_per_second=1000)  # allow_paid_broadcast calls: own limit
        tg.rejected                # how many calls the limiter answered with 429

`params` holds the decoded request: form-encoded and multipart fields as strings, with the
JSON-encoded nested fields (reply_markup, commands, scope, allowed_updates, ...) decoded, and
JSON bodies decoded as they are. `files` maps a multipart file field to `Upload(filename,
content_type, data)`. Text sent with parse_mode=HTML is checked the way Telegram checks it
(supported and balanced tags, escaped `<` and `&`, at most 4,096 characters after parsing,
callback_data of 1–64 bytes) and answered with the same 400 errors, so rendering bugs
surface in tests.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import random
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.telegram_wire import (
    DESCRIPTIONS,
    JSON_FIELDS,
    MAX_CAPTION,
    MAX_TEXT,
    SEND_METHODS,
    Call,
    Failure,
    TelegramError,
    Upload,
    html_problem,
    utf16_len,
    visible_text,
)

__all__ = ["Call", "FakeTelegram", "Upload", "html_problem", "utf16_len", "visible_text"]


class FakeTelegram:
    """The fake Bot API server; see the module docstring for its API."""

    def __init__(
        self,
        token: str = "123:abc",
        *,
        bot_id: int = 123,
        bot_username: str = "dvc_test_bot",
        check_html: bool = True,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.check_html = check_html
        self.calls: list[Call] = []
        self.listeners: list[Callable[[Call], None]] = []
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.blocked: set[str] = set()
        self.files: dict[str, bytes] = {}  # file_path -> bytes served under base_file_url
        self.rejected = 0
        self._failures: list[Failure] = []
        self._delays: list[list[Any]] = []  # [method, seconds, times left]
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._new_update = asyncio.Condition()
        self._new_call = asyncio.Condition()
        self._poller: asyncio.Future[None] | None = None
        self._limits: tuple[float | None, float | None, int] = (None, None, 1)
        self._paid_limit: float | None = None
        self._sent_all: collections.deque[float] = collections.deque()
        self._sent_paid: collections.deque[float] = collections.deque()
        self._sent_chat: dict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque
        )
        self._deliveries: set[asyncio.Task[int]] = set()
        self._legs: tuple[float, float] = (0.0, 0.0)  # one way's delay: (shortest, longest)
        self._handling: set[asyncio.Future[web.StreamResponse]] = set()
        self._random = random.Random()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    # ---- lifecycle --------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=60 * 1024**2)
        app.router.add_post("/bot{token}/{method}", self._api)
        app.router.add_get("/bot{token}/{method}", self._api)
        app.router.add_post("/i/{via}/bot{token}/{method}", self._api)
        app.router.add_get("/i/{via}/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/bot"

    def base_url_for(self, via: str) -> str:
        """A base URL that tags each call with `via` (Call.via): one server, one limiter,
        several clients told apart (e.g. two bot instances)."""
        return f"{self.root}/i/{via}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.root}/file/bot"

    # ---- test controls ----------------------------------------------------------------------

    def queue_update(self, update: dict[str, Any]) -> int:
        """Queue an update (polling) or deliver it in the background (webhook set)."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        if self.webhook.get("url"):
            task = asyncio.get_running_loop().create_task(self.deliver(update))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)
        else:
            self.updates.append(update)
            asyncio.get_running_loop().create_task(self._notify(self._new_update))
        return int(update["update_id"])

    async def deliver(self, update: dict[str, Any]) -> int:
        """POST one update to the webhook like Telegram does; returns the HTTP status."""
        if "update_id" not in update:
            update = {**update, "update_id": next(self._update_ids)}
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        async with self._session.post(
            self.webhook["url"], data=json.dumps(update), headers=headers
        ) as response:
            await response.read()
            if response.status != 200:
                self.webhook["last_error_message"] = (
                    f"Wrong response from the webhook: {response.status}"
                )
                self.webhook["last_error_date"] = int(time.time())
            return response.status

    def fail_next(
        self,
        method: str | None,
        status: int | str,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` (None: any) with this error or "drop"."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._failures.append(Failure(method, status, retry_after, description, times))

    def slow(self, method: str | None, seconds: float, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` (None: any) only after `seconds`."""
        self._delays.append([method, seconds, times])

    def network(self, rtt: float, jitter: float = 0.0, *, seed: int | None = None) -> None:
        """Hold every call as a distant network would: its round trip is a random time in
        [rtt, rtt + jitter], made of two independent legs (each half of that range). The
        request's leg comes before the call is counted (Telegram counts a message when it
        arrives, so jitter on the way in bunches arrivals), the answer's leg after."""
        self._legs = (rtt / 2, (rtt + jitter) / 2)
        if seed is not None:
            self._random.seed(seed)

    async def _leg(self) -> None:
        shortest, longest = self._legs
        if longest > 0:
            await asyncio.sleep(self._random.uniform(shortest, longest))

    def block(self, chat_id: int | str) -> None:
        self.blocked.add(str(chat_id))

    def unblock(self, chat_id: int | str) -> None:
        self.blocked.discard(str(chat_id))

    def rate_limit(
        self,
        per_second: float | None = None,
        per_chat_per_second: float | None = None,
        retry_after: int = 1,
        paid_per_second: float | None = None,
    ) -> None:
        """Enforce flood limits on calls carrying chat_id (sliding one-second windows).

        With `paid_per_second`, calls with allow_paid_broadcast=true are held to that limit
        instead of `per_second` (Telegram: up to 1,000/s, paid in Stars); without it they
        count like any other call."""
        self._limits = (per_second, per_chat_per_second, retry_after)
        self._paid_limit = paid_per_second
        self._sent_all.clear()
        self._sent_paid.clear()
        self._sent_chat.clear()

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent(self) -> list[Call]:
        """Successful send* calls, in order."""
        return [c for c in self.calls if c.method in SEND_METHODS and c.status == 200]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 - a test helper's deadline
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until `count` calls of `method` (matching `where`) were answered; return them."""

        def matching() -> list[Call]:
            return [c for c in self.calls_to(method) if where is None or where(c)]

        async def wait() -> list[Call]:
            async with self._new_call:
                await self._new_call.wait_for(lambda: len(matching()) >= count)
            return matching()

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            seen = [c.method for c in self.calls]
            raise AssertionError(
                f"expected {count} {method} call(s); calls so far: {seen}"
            ) from None

    # ---- ready-made update payloads (shaped like real ones) ----------------------------------

    def user(self, user_id: int, first_name: str = "Lan") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "vi"}

    def message(
        self, chat_id: int, text: str, *, first_name: str = "Lan", reply_to: Call | None = None
    ) -> dict[str, Any]:
        """A private message; `reply_to` (a sent call) makes it a reply to that bot message."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "from": self.user(chat_id, first_name),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if reply_to is not None:
            message["reply_to_message"] = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": first_name},
                "from": self._me(),
                "text": visible_text(reply_to.text, reply_to.params.get("parse_mode")),
            }
        return {"message": message}

    def callback(self, chat_id: int, data: str, *, first_name: str = "Lan") -> dict[str, Any]:
        return {
            "callback_query": {
                "id": f"cbq-{next(self._message_ids)}",
                "chat_instance": f"ci-{chat_id}",
                "data": data,
                "from": self.user(chat_id, first_name),
                "message": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private", "first_name": first_name},
                    "from": self._me(),
                    "text": "…",
                },
            }
        }

    def my_chat_member(
        self, chat_id: int, status: str, *, old: str | None = None
    ) -> dict[str, Any]:
        before = old or ("member" if status == "kicked" else "kicked")
        bot = self._me()
        return {
            "my_chat_member": {
                "chat": {"id": chat_id, "type": "private", "first_name": "Lan"},
                "from": self.user(chat_id),
                "date": int(time.time()),
                "old_chat_member": {"user": bot, "status": before}
                | ({"until_date": 0} if before == "kicked" else {}),
                "new_chat_member": {"user": bot, "status": status}
                | ({"until_date": 0} if status == "kicked" else {}),
            }
        }

    # ---- the server -------------------------------------------------------------------------

    def _me(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "dvcbot",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    @staticmethod
    async def _notify(condition: asyncio.Condition) -> None:
        async with condition:
            condition.notify_all()

    async def _decode(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        params: dict[str, Any] = {}
        files: dict[str, Upload] = {}
        if request.content_type == "application/json":
            body = await request.read()
            return (json.loads(body) if body else {}), files
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                files[name] = Upload(value.filename, value.content_type, data)
            elif name in JSON_FIELDS:
                params[name] = json.loads(str(value))
            else:
                params[name] = str(value)
        for name in request.query:
            params.setdefault(name, request.query[name])
        return params, files

    async def _api(self, request: web.Request) -> web.StreamResponse:
        params, files = await self._decode(request)
        if request.match_info["method"] == "getUpdates":
            return await self._handle(request, params, files)
        # A request that was sent is handled even if its client is gone meanwhile (killed):
        # Telegram delivers a message whose request it received, whatever became of the bot.
        work = asyncio.ensure_future(self._through_network(request, params, files))
        self._handling.add(work)
        work.add_done_callback(self._handling.discard)
        return await asyncio.shield(work)

    async def _through_network(
        self, request: web.Request, params: dict[str, Any], files: dict[str, Upload]
    ) -> web.StreamResponse:
        await self._leg()  # on the way in
        response = await self._handle(request, params, files)
        await self._leg()  # on the way back
        return response

    async def _handle(
        self, request: web.Request, params: dict[str, Any], files: dict[str, Upload]
    ) -> web.StreamResponse:
        method = request.match_info["method"]
        call = Call(method, params, files, via=request.match_info.get("via"))
        for delay in self._delays:
            if delay[0] in (None, method):
                delay[2] -= 1
                if delay[2] <= 0:
                    self._delays.remove(delay)
                await asyncio.sleep(delay[1])
                break
        try:
            if request.match_info["token"] != self.token:
                raise TelegramError(401, "Unauthorized")
            self._inject_failure(method, request)
            self._check_limits(method, call)
            result = await self._answer(method, params, files)
        except _Dropped:
            call.status = 0
            await self._record(call)
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        except TelegramError as error:
            call.status = error.status
            await self._record(call)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return web.json_response(body, status=error.status)
        await self._record(call)
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        """Downloads of files named by getFile: their path's bytes, for simplicity."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        return web.Response(body=self.files.get(request.match_info["path"], b"hello"))

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        await self._notify(self._new_call)

    def _inject_failure(self, method: str, request: web.Request) -> None:
        for failure in self._failures:
            if failure.method in (None, method):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                if failure.status == "drop":
                    raise _Dropped
                status = int(failure.status)
                text = failure.description or DESCRIPTIONS.get(status, "Error")
                text = text.format(retry_after=failure.retry_after)
                raise TelegramError(status, text, failure.retry_after)

    def _check_limits(self, method: str, call: Call) -> None:
        chat = call.chat_id
        if chat is None:
            return
        if method in SEND_METHODS and chat in self.blocked:
            raise TelegramError(403, DESCRIPTIONS[403])
        per_second, per_chat, retry_after = self._limits
        now = time.monotonic()
        overall = (self._sent_all, per_second)
        if self._paid_limit is not None and _true(call.params.get("allow_paid_broadcast")):
            overall = (self._sent_paid, self._paid_limit)
        windows = [overall, (self._sent_chat[chat], per_chat)]
        for window, _limit in windows:
            while window and window[0] <= now - 1.0:
                window.popleft()
        for window, limit in windows:
            if limit is not None and len(window) >= limit:
                self.rejected += 1
                raise TelegramError(
                    429, DESCRIPTIONS[429].format(retry_after=retry_after), retry_after
                )
        for window, _limit in windows:
            window.append(now)

    async def _answer(self, method: str, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        if method == "getMe":
            return self._me()
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "setWebhook":
            self.webhook = {
                "url": params.get("url", ""),
                "secret_token": params.get("secret_token"),
                "allowed_updates": params.get("allowed_updates"),
            }
            if params.get("drop_pending_updates") == "true":
                self.updates.clear()
            return True
        if method == "deleteWebhook":
            self.webhook = {}
            if params.get("drop_pending_updates") == "true":
                self.updates.clear()
            return True
        if method == "getWebhookInfo":
            info = {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self.updates),
            }
            for key in ("allowed_updates", "last_error_message", "last_error_date"):
                if self.webhook.get(key):
                    info[key] = self.webhook[key]
            return info
        if method == "setMyCommands":
            self.commands[self._scope_key(params)] = list(params.get("commands") or [])
            return True
        if method == "getMyCommands":
            return self.commands.get(self._scope_key(params), [])
        if method == "deleteMyCommands":
            self.commands.pop(self._scope_key(params), None)
            return True
        if method in ("answerCallbackQuery", "sendChatAction", "setChatMenuButton"):
            if len(str(params.get("text") or "")) > 200:
                raise TelegramError(400, "Bad Request: MESSAGE_TOO_LONG")
            return True
        if method in SEND_METHODS or method in ("editMessageText", "editMessageReplyMarkup"):
            return self._message_result(method, params, files)
        if method == "getFile":
            return {
                "file_id": params.get("file_id"),
                "file_unique_id": "U1",
                "file_size": 5,
                "file_path": "documents/file_1.txt",
            }
        raise TelegramError(404, "Not Found")

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        key = scope.get("type", "default")
        if "chat_id" in scope:
            key += f":{scope['chat_id']}"
        if "user_id" in scope:
            key += f":{scope['user_id']}"
        return key + f"/{params.get('language_code') or ''}"

    def _message_result(
        self, method: str, params: dict[str, Any], files: dict[str, Upload]
    ) -> dict[str, Any]:
        if "chat_id" not in params:
            raise TelegramError(400, "Bad Request: chat_id is empty")
        chat_id = params["chat_id"]
        try:
            chat_number = int(chat_id)
        except (TypeError, ValueError):
            raise TelegramError(400, "Bad Request: chat not found") from None
        parse_mode = params.get("parse_mode")
        result: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_number, "type": "private" if chat_number > 0 else "supergroup"},
            "from": self._me(),
        }
        if method in ("sendMessage", "editMessageText"):
            text = str(params.get("text") or "")
            if not text.strip():
                raise TelegramError(400, "Bad Request: message text is empty")
            self._check_text(text, parse_mode, MAX_TEXT, "message is too long")
            result["text"] = visible_text(text, parse_mode)
        if "caption" in params:
            caption = str(params["caption"])
            self._check_text(caption, parse_mode, MAX_CAPTION, "message caption is too long")
            result["caption"] = visible_text(caption, parse_mode)
        if method == "sendPhoto":
            if "photo" not in files and "photo" not in params:
                raise TelegramError(400, "Bad Request: there is no photo in the request")
            result["photo"] = [
                {
                    "file_id": "PHOTO_FILE_ID",
                    "file_unique_id": "PHOTO_UNIQ",
                    "width": 90,
                    "height": 90,
                }
            ]
        if method == "sendDocument":
            upload = files.get("document")
            if upload is None and "document" not in params:
                raise TelegramError(400, "Bad Request: there is no document in the request")
            result["document"] = {
                "file_id": "DOC_FILE_ID",
                "file_unique_id": "DOC_UNIQ",
                "file_name": upload.filename if upload else "file",
            }
        markup = params.get("reply_markup")
        if markup:
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode()) <= 64:
                        raise TelegramError(400, "Bad Request: BUTTON_DATA_INVALID")
                    if not button.get("text"):
                        raise TelegramError(400, "Bad Request: text buttons are unallowed")
            result["reply_markup"] = markup
        return result

    def _check_text(self, text: str, parse_mode: str | None, limit: int, too_long: str) -> None:
        if self.check_html and parse_mode and parse_mode.upper() == "HTML":
            problem = html_problem(text)
            if problem:
                raise TelegramError(400, problem)
        if utf16_len(visible_text(text, parse_mode)) > limit:
            raise TelegramError(400, f"Bad Request: {too_long}")

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook.get("url"):
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(None)  # the older request loses, like on Telegram
        poller: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._poller = poller
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

        def ready() -> bool:
            return bool(self.updates) or poller.done()

        async def wait() -> None:
            async with self._new_update:
                await self._new_update.wait_for(ready)

        if not ready() and timeout > 0:
            waiter = asyncio.ensure_future(wait())
            try:
                await asyncio.wait({waiter, poller}, timeout=timeout, return_when="FIRST_COMPLETED")
            finally:
                waiter.cancel()
        if poller.done() and self._poller is not poller:
            raise TelegramError(
                409, DESCRIPTIONS[409] + "; make sure that only one bot instance is running"
            )
        return self.updates[:limit]


def _true(value: object) -> bool:
    """A boolean parameter as a form field ("true") or in a JSON body (true)."""
    return value is True or value == "true"


class _Dropped(Exception):
    """Close the connection without an answer (a network failure, as the client sees it)."""
