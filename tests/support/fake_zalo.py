"""A local fake of the Zalo OA Open API and its OAuth endpoint, speaking Zalo's wire format.

It answers customer-service messages, uploads and token refreshes on 127.0.0.1, records every
request, can be told to answer any error code, and enforces what real Zalo enforces: the access
token header, single-use refresh tokens, the `secret_key` header, text and button limits.
Also here: signing webhook events exactly as Zalo does, and the recorded event payloads.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zalo"
APP_ID = "360846524940903967"  # the app id in the recorded events
APP_SECRET = "fake-app-secret"
OA_SECRET = "fake-oa-secret"
USER_ID = "246845883529197922"  # the person in the recorded events
OA_ID = "388613280878808645"
OA_NAME = "Trung tâm Phục vụ hành chính công (thử nghiệm)"
TEXT_LIMIT = 2000
MAX_BUTTONS = 5


def sign(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """`X-ZEvent-Signature` as Zalo computes it: mac=sha256(app id + body + timestamp + key)."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
    return "mac=" + digest.hexdigest()


def now_ms() -> str:
    return str(int(time.time() * 1000))


def event(name: str, **changes: Any) -> dict[str, Any]:
    """A recorded event payload from tests/fixtures/zalo, stamped now, with `changes` applied.

    `text=` and `msg_id=` go into `message`; `user=` replaces the sender (or follower) id.
    """
    payload: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    payload["timestamp"] = changes.pop("timestamp", now_ms())
    message = payload.get("message")
    if "text" in changes:
        message["text"] = changes.pop("text")
    if "msg_id" in changes:
        message["msg_id"] = changes.pop("msg_id")
    if "user" in changes:
        party = "follower" if "follower" in payload else "sender"
        payload[party]["id"] = changes.pop("user")
    payload.update(changes)
    return payload


def encode(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, as Zalo sends it (lone surrogates, which UTF-8 cannot carry, as
    JSON escapes: what a forged body would hold)."""
    try:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:
        return json.dumps(payload, separators=(",", ":")).encode()


def signed(
    payload: dict[str, Any], secret: str = OA_SECRET, app_id: str = APP_ID
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a webhook request Zalo would send for `payload`."""
    body = encode(payload)
    headers = {
        "Content-Type": "application/json",
        "X-ZEvent-Signature": sign(app_id, body, str(payload["timestamp"]), secret),
    }
    return body, headers


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any
    answer: dict[str, Any] = field(default_factory=dict)


class FakeZalo:
    """Start with `await fake.start()`; `fake.url` serves both the API and OAuth paths."""

    def __init__(self, *, app_id: str = APP_ID, app_secret: str = APP_SECRET) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self._serial = itertools.count(1)
        self.access_token = "access-0"
        self.refresh_token = "refresh-0"
        self.expired: set[str] = set()  # access tokens that answer -220
        self.refresh_tokens: set[str] = {self.refresh_token}  # each usable once
        self.messages: list[Recorded] = []  # successful and refused cs calls
        self.uploads: list[Recorded] = []
        self.refreshes: list[Recorded] = []
        self.errors: deque[tuple[int, str]] = deque()
        self.refresh_delay = 0.0
        self.gate: asyncio.Event | None = None  # when set up, message calls wait for it
        self.oauth_status = 200
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._arrived = asyncio.Event()
        self._refresh_arrived = asyncio.Event()

    # -- control ---------------------------------------------------------------------------

    def fail_next(self, code: int, message: str = "error", times: int = 1) -> None:
        """The next `times` message or upload calls answer `code` (HTTP 200, Zalo style)."""
        self.errors.extend([(code, message)] * times)

    def expire_access_token(self) -> None:
        """The current access token stops working (-220) and no new one is issued yet."""
        self.expired.add(self.access_token)

    def delivered(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """The `message` objects accepted, optionally only those to `user_id`."""
        return [
            r.body["message"]
            for r in self.messages
            if r.answer.get("error") == 0
            and (user_id is None or r.body["recipient"]["user_id"] == user_id)
        ]

    def texts(self, user_id: str | None = None) -> list[str]:
        return [m.get("text", "") for m in self.delivered(user_id)]

    async def wait_for(self, count: int, within: float = 10.0) -> list[dict[str, Any]]:
        """Wait until at least `count` messages were accepted (for another process's sends)."""
        try:
            async with asyncio.timeout(within):
                while len(self.delivered()) < count:
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError:
            raise AssertionError(f"{len(self.delivered())} of {count} messages arrived") from None
        return self.delivered()

    async def wait_for_refreshes(self, count: int, within: float = 10.0) -> None:
        """Wait until at least `count` refresh calls arrived (answered or not)."""
        async with asyncio.timeout(within):
            while len(self.refreshes) < count:
                self._refresh_arrived.clear()
                await self._refresh_arrived.wait()

    # -- server ----------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._message)
        app.router.add_post("/v3.0/oa/message/transaction", self._message)
        app.router.add_post("/v2.0/oa/upload/image", self._upload)
        app.router.add_post("/v2.0/oa/upload/file", self._upload)
        app.router.add_post("/v4/oa/access_token", self._token)
        app.router.add_get("/v2.0/oa/getoa", self._oa)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _token_error(self, token: str | None) -> dict[str, Any] | None:
        if token in self.expired:
            return {"error": -220, "message": "Access token is expired"}
        if token != self.access_token:
            return {"error": -216, "message": "Access token is invalid"}
        if self.errors:
            code, message = self.errors.popleft()
            return {"error": code, "message": message}
        return None

    async def _message(self, request: web.Request) -> web.Response:
        if self.gate is not None:
            await self.gate.wait()
        body = await request.json()
        record = Recorded(request.path, dict(request.headers), body)
        self.messages.append(record)
        answer = self._token_error(request.headers.get("access_token")) or self._check(body)
        if answer is None:
            answer = {
                "data": {
                    "message_id": f"oa-msg-{next(self._serial)}",
                    "user_id": body["recipient"]["user_id"],
                    "sent_time": now_ms(),
                },
                "error": 0,
                "message": "Success",
            }
        record.answer = answer
        self._arrived.set()
        return web.json_response(answer)

    @staticmethod
    def _check(body: dict[str, Any]) -> dict[str, Any] | None:
        """Zalo's own validation: -201 for what it would refuse."""
        user = body.get("recipient", {}).get("user_id")
        message = body.get("message")
        if not user or not isinstance(message, dict):
            return {"error": -201, "message": "recipient.user_id and message are required"}
        text = message.get("text")
        attachment = message.get("attachment")
        if not text and not attachment:
            return {"error": -201, "message": "message is empty"}
        if text is not None and len(text) > TEXT_LIMIT:
            return {"error": -201, "message": "text is longer than 2000 characters"}
        buttons = (attachment or {}).get("payload", {}).get("buttons")
        if buttons is not None:
            if len(buttons) > MAX_BUTTONS:
                return {"error": -201, "message": "too many buttons"}
            for button in buttons:
                if button.get("type") not in (
                    "oa.open.url",
                    "oa.query.show",
                    "oa.query.hide",
                    "oa.open.sms",
                    "oa.open.phone",
                ) or not button.get("title"):
                    return {"error": -201, "message": "bad button"}
        return None

    async def _oa(self, request: web.Request) -> web.Response:
        answer = self._token_error(request.headers.get("access_token")) or {
            "data": {
                "oa_id": OA_ID,
                "name": OA_NAME,
                "description": "Hướng dẫn dịch vụ công trực tuyến",
                "is_verified": True,
                "num_follower": 1234,
            },
            "error": 0,
            "message": "Success",
        }
        return web.json_response(answer)

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        data = getattr(upload, "file", None)
        record = Recorded(
            request.path,
            dict(request.headers),
            {
                "filename": getattr(upload, "filename", None),
                "content_type": getattr(upload, "content_type", None),
                "size": len(data.read()) if data else 0,
            },
        )
        self.uploads.append(record)
        answer = self._token_error(request.headers.get("access_token"))
        if answer is None and data is None:
            answer = {"error": -201, "message": "file is required"}
        if answer is None:
            key = "attachment_id" if request.path.endswith("image") else "token"
            answer = {
                "data": {key: f"{key}-{next(self._serial)}"},
                "error": 0,
                "message": "Success",
            }
        record.answer = answer
        return web.json_response(answer)

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        record = Recorded(request.path, dict(request.headers), form)
        self.refreshes.append(record)
        self._refresh_arrived.set()
        if self.oauth_status != 200:
            return web.Response(status=self.oauth_status, text="Service Unavailable")
        refused = {"error_name": "Invalid parameter", "error": -14014}
        if request.headers.get("secret_key") != self.app_secret:
            record.answer = {**refused, "error_description": "Invalid secret key"}
        elif form.get("app_id") != self.app_id or form.get("grant_type") != "refresh_token":
            record.answer = {**refused, "error_description": "Invalid app id or grant type"}
        elif form.get("refresh_token") not in self.refresh_tokens:
            record.answer = {**refused, "error_description": "Invalid refresh token"}
        if record.answer:
            return web.json_response(record.answer)
        self.refresh_tokens.discard(str(form["refresh_token"]))  # single use, at once
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        serial = next(self._serial)
        self.expired.add(self.access_token)
        self.access_token, self.refresh_token = f"access-{serial}", f"refresh-{serial}"
        self.refresh_tokens.add(self.refresh_token)
        record.answer = {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": "90000",
        }
        return web.json_response(copy.deepcopy(record.answer))
