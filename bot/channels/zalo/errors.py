"""Zalo OA error codes (answered with HTTP 200 and `error` < 0) and what each means for sending."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """What to do after an API error."""

    REFRESH = "refresh"  # the access token is invalid or expired: refresh once, retry once
    OUTSIDE_WINDOW = "outside_window"  # no interaction in 7 days: mark the contact, never retry
    UNREACHABLE = "unreachable"  # blocked, unfollowed or locked account: mark the contact
    RATE_LIMITED = "rate_limited"  # back off, then retry
    PERMANENT = "permanent"  # bad request or setup problem: log with the code, do not retry


# From developers.zalo.me OA "Phụ lục / Mã lỗi" (see docs/zalo.md for the sources).
OUTCOMES: dict[int, Outcome] = {
    -32: Outcome.RATE_LIMITED,  # the app or OA reached its call limit (4,000 per minute)
    -211: Outcome.RATE_LIMITED,  # out of quota
    -218: Outcome.RATE_LIMITED,  # out of receive quota for this user
    -216: Outcome.REFRESH,  # access token invalid
    -220: Outcome.REFRESH,  # access token expired or removed
    -230: Outcome.OUTSIDE_WINDOW,  # the user has not interacted with the OA in 7 days
    -232: Outcome.OUTSIDE_WINDOW,  # the user's last interaction has expired
    -213: Outcome.UNREACHABLE,  # the user has not followed (or unfollowed) the OA
    -227: Outcome.UNREACHABLE,  # the user's account is locked or inactive for 45 days
    -244: Outcome.UNREACHABLE,  # the user blocked messages of this kind from the OA
}

MEANINGS: dict[int, str] = {
    -32: "rate limit reached",
    -201: "invalid parameter",
    -204: "OA disabled",
    -205: "OA not found",
    -209: "app not activated",
    -211: "out of quota",
    -212: "API not registered for this app",
    -213: "user has not followed the OA",
    -216: "access token invalid",
    -218: "out of quota for this user",
    -220: "access token expired or removed",
    -223: "permission missing",
    -227: "user account locked or inactive",
    -230: "no interaction in the last 7 days",
    -232: "last interaction expired",
    -244: "user blocked this kind of message",
    -320: "paid message: no Zalo Cloud Account linked",
    -321: "paid message: Zalo Cloud Account balance empty",
}


def outcome(code: int) -> Outcome:
    return OUTCOMES.get(code, Outcome.PERMANENT)


class ZaloError(Exception):
    """Base of the client's errors."""


class ZaloApiError(ZaloError):
    """Zalo answered with an error code (usually with HTTP 200)."""

    def __init__(self, code: int, message: str = "") -> None:
        self.code = code
        self.message = message
        meaning = MEANINGS.get(code, "unknown error")
        super().__init__(f"Zalo error {code} ({meaning}): {message}")

    @property
    def outcome(self) -> Outcome:
        return outcome(self.code)


class ZaloTransportError(ZaloError):
    """The request did not get a usable answer: network trouble, timeout, HTTP 5xx, not JSON."""


class ZaloAuthError(ZaloError):
    """The OAuth endpoint refused to refresh the tokens; `permanent` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        self.permanent = permanent
        super().__init__(message)
