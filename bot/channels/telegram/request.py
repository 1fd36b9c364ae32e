"""PTB's networking on aiohttp: the same Bot API wire format as PTB's httpx backend, at a third
of the CPU per call (see docs/BENCHMARKS.md), over the HTTP library the web app already runs on.

python-telegram-bot lets an application bring its own `BaseRequest`; this one sends exactly what
`HTTPXRequest` sends (form-encoded parameters, multipart when files are uploaded, PTB's
User-Agent) and maps failures to the same PTB errors: `TimedOut` and `NetworkError`.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

FORM = {"Content-Type": "application/x-www-form-urlencoded"}  # as aiohttp labels a form


class AiohttpRequest(BaseRequest):
    """One aiohttp session per request object, opened by `initialize` and closed by `shutdown`.

    Timeouts follow PTB's defaults (5 s to connect, read and write; 1 s to wait for a pooled
    connection; 20 s to upload a file). aiohttp has no write timeout of its own: an upload is
    bounded instead by a total time of connect + write + read.
    """

    def __init__(
        self,
        *,
        pool_size: int = 1,
        connect_timeout: float = 5.0,
        read_timeout: float = 5.0,
        write_timeout: float = 5.0,
        pool_timeout: float = 1.0,
        media_write_timeout: float = 20.0,
    ) -> None:
        self.pool_size = pool_size
        self._connect = connect_timeout
        self._read = read_timeout
        self._write = write_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._timeout = aiohttp.ClientTimeout(  # the defaults' timeout, built once
            connect=_sum(pool_timeout, connect_timeout),
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )

    @property
    def read_timeout(self) -> float:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        files = request_data is not None and request_data.contains_files
        uploads = request_data.multipart_data if request_data is not None and files else {}
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        write = (
            (self._media_write if uploads else self._write)
            if isinstance(write_timeout, DefaultValue)
            else write_timeout
        )
        timeout = aiohttp.ClientTimeout(
            total=_sum(connect, pool, write, read) if uploads else None,
            connect=_sum(pool, connect),
            sock_connect=connect,
            sock_read=read,
        )
        data: Any = None
        if request_data is not None:
            data = _multipart(request_data, uploads) if uploads else request_data.json_parameters
        return await self._exchange(method, url, data, timeout)

    async def post_form(self, url: str, body: bytes) -> None:
        """POST a form-encoded `body` (what `do_request` sends for a call without files,
        encoded by the caller: a broadcast's message once for all its recipients) with the
        default timeouts. A 2xx answer is a success and its body (the sent Message) is not
        read; any other raises the PTB error that `post` would raise (the answer is read by
        PTB's own `BaseRequest.post`)."""
        try:
            code, payload = await self._exchange("POST", url, body, self._timeout, FORM)
        except TelegramError:
            raise
        except Exception as exc:  # as BaseRequest's wrapper treats do_request's failures
            raise NetworkError(f"Unknown error in HTTP implementation: {exc!r}") from exc
        if not 200 <= code <= 299:
            await _Answered(code, payload).post(url)
            raise NetworkError(f"Unexpected answer ({code})")  # `post` raised for any error

    async def _exchange(
        self,
        method: str,
        url: str,
        data: Any,
        limits: aiohttp.ClientTimeout,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        try:
            async with self._session.request(
                method, url, data=data, timeout=limits, headers=headers
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts are asyncio's TimeoutError
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error


class _Answered(BaseRequest):
    """An answer already received, read the way PTB reads every answer (`BaseRequest.post`:
    the result of a 2xx, else RetryAfter, Forbidden, BadRequest... from status and body)."""

    def __init__(self, code: int, payload: bytes) -> None:
        self._answer = code, payload

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        return self._answer


def _sum(*parts: float | None) -> float | None:
    """A combined timeout; None (no limit) when any part has none."""
    return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)


def _multipart(request_data: RequestData, uploads: dict[str, Any]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in uploads.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form
