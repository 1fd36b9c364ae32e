"""`ZaloClient`: a thin async client of the Zalo OA Open API v3 and its OAuth v4 token endpoint."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter

from bot.channels.zalo.errors import ZaloApiError, ZaloAuthError, ZaloTransportError
from handlers.types import Attachment

logger = logging.getLogger(__name__)

CS_PATH = "/v3.0/oa/message/cs"
OA_PATH = "/v2.0/oa/getoa"
UPLOAD_PATHS = {"image": "/v2.0/oa/upload/image", "file": "/v2.0/oa/upload/file"}
TOKEN_PATH = "/v4/oa/access_token"
REQUESTS_PER_MINUTE = 3600  # Zalo allows 4,000 per minute per app; keep a margin
TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)


@dataclass(frozen=True)
class TokenGrant:
    """A fresh token pair from the OAuth endpoint; `expires_in` in seconds."""

    access_token: str
    refresh_token: str
    expires_in: int


class ZaloClient:
    """Calls Zalo with the shared `aiohttp.ClientSession`; base URLs are injectable for tests.

    Every method raises `ZaloApiError` for an error code Zalo answers (often with HTTP 200),
    `ZaloTransportError` when no usable answer came back, `ZaloAuthError` from `refresh`.
    """

    def __init__(
        self,
        http: aiohttp.ClientSession,
        *,
        app_id: str,
        app_secret: str,
        api_url: str = "https://openapi.zalo.me",
        oauth_url: str = "https://oauth.zaloapp.com",
        limiter: AsyncLimiter | None = None,
    ) -> None:
        self.http = http
        self.app_id = app_id
        self._app_secret = app_secret
        self.api_url = api_url.rstrip("/")
        self.oauth_url = oauth_url.rstrip("/")
        self.limiter = limiter or AsyncLimiter(REQUESTS_PER_MINUTE, 60)

    async def send_message(
        self, access_token: str, user_id: str, message: dict[str, Any]
    ) -> dict[str, Any]:
        """Send one customer-service message; returns Zalo's `data` (with `message_id`)."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        return await self._call(
            "POST",
            self.api_url + CS_PATH,
            headers={"access_token": access_token},
            json=body,
        )

    async def oa_info(self, access_token: str) -> dict[str, Any]:
        """The OA the token belongs to (`oa_id`, `name`, ...): a harmless call to check setup."""
        return await self._call(
            "GET", self.api_url + OA_PATH, headers={"access_token": access_token}
        )

    async def upload(self, access_token: str, kind: str, attachment: Attachment) -> str:
        """Upload an image (→ attachment_id) or a file (→ token) for a later message."""
        form = aiohttp.FormData()
        form.add_field(
            "file", attachment.data, filename=attachment.filename, content_type=attachment.mime_type
        )
        url = self.api_url + UPLOAD_PATHS[kind]
        data = await self._call("POST", url, headers={"access_token": access_token}, data=form)
        handle = data.get("attachment_id") if kind == "image" else data.get("token")
        if not handle:
            raise ZaloTransportError(f"upload answered without an id: {sorted(data)}")
        return str(handle)

    async def refresh(self, refresh_token: str) -> TokenGrant:
        """Trade the single-use refresh token for a new pair (OAuth v4, `secret_key` header)."""
        form = {
            "refresh_token": refresh_token,
            "app_id": self.app_id,
            "grant_type": "refresh_token",
        }
        try:
            async with (
                self.limiter,
                self.http.post(
                    self.oauth_url + TOKEN_PATH,
                    data=form,
                    headers={"secret_key": self._app_secret},
                    timeout=TIMEOUT,
                ) as response,
            ):
                status = response.status
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ZaloAuthError(f"token endpoint unreachable: {exc!r}", permanent=False) from exc
        if status >= 500:
            raise ZaloAuthError(f"token endpoint answered HTTP {status}", permanent=False)
        try:
            body = json.loads(raw)
        except ValueError:
            message = f"token endpoint answered HTTP {status}, not JSON"
            raise ZaloAuthError(message, permanent=False) from None
        if not isinstance(body, dict) or not (
            body.get("access_token") and body.get("refresh_token")
        ):
            detail = body if isinstance(body, dict) else {}
            code = detail.get("error", "?")
            reason = detail.get("error_description") or detail.get("error_name") or "no tokens"
            raise ZaloAuthError(f"{reason} (error {code})", permanent=True)
        try:
            expires_in = int(body.get("expires_in") or 90000)  # a string in Zalo's answers
        except (TypeError, ValueError):
            expires_in = 90000
        return TokenGrant(str(body["access_token"]), str(body["refresh_token"]), expires_in)

    async def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with (
                self.limiter,
                self.http.request(method, url, timeout=TIMEOUT, **kwargs) as response,
            ):
                status = response.status
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ZaloTransportError(f"{method} {_path(url)} failed: {exc!r}") from exc
        try:
            body = json.loads(raw)
        except ValueError:
            raise ZaloTransportError(f"{method} {_path(url)}: HTTP {status}, not JSON") from None
        if not isinstance(body, dict):
            raise ZaloTransportError(f"{method} {_path(url)}: HTTP {status}, unexpected body")
        code = body.get("error", 0)
        if isinstance(code, int) and code != 0:
            raise ZaloApiError(code, str(body.get("message", "")))
        if status >= 500:
            raise ZaloTransportError(f"{method} {_path(url)}: HTTP {status}")
        if status >= 400:
            raise ZaloApiError(0, f"HTTP {status}")
        data = body.get("data")
        return data if isinstance(data, dict) else {}


def _path(url: str) -> str:
    """The URL without host, for logs."""
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1]
