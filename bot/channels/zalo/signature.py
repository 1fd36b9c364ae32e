"""The `X-ZEvent-Signature` check: `mac=` + sha256(app id + raw body + timestamp + secret).

A plain SHA-256 of the concatenation (not an HMAC), over the raw bytes exactly as received;
`timestamp` is the event's epoch-milliseconds string from the body. Which secret Zalo uses is
disputed (the OA secret key per Zalo's docs); DVCBOT_ZALO_SIGNATURE_KEY chooses it.
"""

from __future__ import annotations

import hashlib
import hmac
import re

PREFIX = "mac="
TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,16})"?')


def mac(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
    return digest.hexdigest()


def timestamp_in(body: bytes) -> str | None:
    """The event timestamp of a body that may not parse as JSON (so it can still be verified)."""
    found = TIMESTAMP.search(body)
    return found.group(1).decode() if found else None


def valid(header: str | None, app_id: str, body: bytes, timestamp: str, secret: str) -> bool:
    """Constant-time comparison; the header may come with or without `mac=`."""
    if not header:
        return False
    given = header.strip()
    if given.lower().startswith(PREFIX):
        given = given[len(PREFIX) :]
    expected = mac(app_id, body, timestamp, secret)
    return hmac.compare_digest(given.lower().encode(), expected.encode())
