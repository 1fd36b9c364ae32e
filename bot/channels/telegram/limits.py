"""PTB's AIORateLimiter, plus single-attempt requests whose 429 goes back to the caller."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

NO_RETRY = -1  # as `rate_limit_args`: try once, raise RetryAfter (PTB drops a falsy 0)
JSON = bool | dict[str, Any] | list[dict[str, Any]]


class _Deferred(Exception):
    """Carries a RetryAfter past AIORateLimiter's retry loop."""

    def __init__(self, error: RetryAfter) -> None:
        super().__init__(str(error))
        self.error = error


class RateLimiter(AIORateLimiter):
    """AIORateLimiter (30 messages/s overall, 20/min per group, 429 retried `max_retries`
    times while every request pauses). With `rate_limit_args=NO_RETRY` a request is still
    throttled but tried once: proactive senders (broadcasts) schedule their own retries."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        if rate_limit_args != NO_RETRY:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

        async def once(*call_args: Any, **call_kwargs: Any) -> JSON:
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter as error:
                raise _Deferred(error) from error

        try:
            return await super().process_request(once, args, kwargs, endpoint, data, None)
        except _Deferred as deferred:
            raise deferred.error from None
