"""`POST /zalo/webhook`: raw body read within a bound, signature and age checked, the event
stored in the durable inbox, then a 200 (a few milliseconds: Zalo retries, then disables,
webhooks that answer slowly). The inbox worker handles it; a crash after the 200 loses nothing."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import OrderedDict
from typing import Any

from aiohttp import web

from bot.channels.zalo import signature
from bot.channels.zalo.events import CHANNEL, Event, EventKind, MalformedEvent, parse_event
from bot.inbox.writer import GroupWriter
from storage.inbox import NewItem

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # Zalo events are a few hundred bytes; anything this big is not one
RECENT = 10_000  # event ids remembered to drop Zalo's redeliveries before they reach the core


class RecentIds:
    """A bounded set of ids stored lately: a redelivery after its row was handled and deleted
    is dropped here (the inbox's unique key drops it while the row waits)."""

    def __init__(self, size: int = RECENT) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: str) -> bool:
        return key in self._ids

    def add(self, key: str) -> bool:
        """True when `key` is new."""
        if key in self._ids:
            self._ids.move_to_end(key)
            return False
        self._ids[key] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


class ZaloWebhook:
    """The webhook view: verifies an event and stores it before acknowledging it."""

    def __init__(self, writer: GroupWriter, *, app_id: str, secret: str, max_age: float) -> None:
        self.writer = writer
        self.app_id = app_id
        self._secret = secret
        self.max_age = max_age
        self.recent = RecentIds()
        self.counts = {"accepted": 0, "rejected": 0, "duplicates": 0}

    async def __call__(self, request: web.Request) -> web.Response:
        body = await read_bounded(request, MAX_BODY)
        if body is None:
            return self._refuse(request, 413, f"body over {MAX_BODY} bytes")
        try:
            decoded: Any = json.loads(body)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            timestamp = str(decoded.get("timestamp", ""))
        else:
            timestamp = signature.timestamp_in(body) or ""
        header = request.headers.get("X-ZEvent-Signature")
        if not timestamp.isdigit() or not signature.valid(
            header, self.app_id, body, timestamp, self._secret
        ):
            return self._refuse(request, 401, "bad or missing signature")
        age = time.time() - int(timestamp) / 1000
        if abs(age) > self.max_age:
            return self._refuse(request, 401, f"timestamp {age:.0f} s off (replay?)")
        if decoded is None:
            return self._refuse(request, 400, "signed body is not JSON")
        try:
            event = parse_event(decoded)
        except MalformedEvent as exc:
            return self._refuse(request, 400, str(exc))
        if decoded.get("app_id") not in (None, self.app_id):
            return self._refuse(request, 401, "event for another app")
        self.counts["accepted"] += 1
        try:
            await self._store(event, decoded)
        except Exception:
            logger.exception("Zalo event %s not stored; Zalo is asked to send it again", event.name)
            return web.json_response({"ok": False, "error": "not stored; retry"}, status=500)
        return web.json_response({"ok": True})

    def _refuse(self, request: web.Request, status: int, reason: str) -> web.Response:
        self.counts["rejected"] += 1
        logger.warning("Zalo webhook refused (%d) from %s: %s", status, request.remote, reason)
        return web.json_response({"ok": False, "error": reason}, status=status)

    async def _store(self, event: Event, decoded: dict[str, Any]) -> None:
        if event.kind is EventKind.QUIET:
            return
        if event.kind is EventKind.UNKNOWN or event.user_id is None:
            logger.info("Zalo event %s acknowledged and ignored", event.name)
            return
        raw = json.dumps(decoded, ensure_ascii=False)
        # surrogatepass: a forged body's lone surrogates have no UTF-8 form, but a hash all the same
        body = raw.encode("utf-8", "surrogatepass")
        key = event.dedup_id or "body:" + hashlib.sha256(body).hexdigest()[:40]
        if key in self.recent:
            new = False
        else:
            [new] = await self.writer.store([NewItem(CHANNEL, key, event.user_id, raw)])
            self.recent.add(key)
        if not new:
            self.counts["duplicates"] += 1
            logger.info("Zalo event %s delivered again; ignored", event.name)

    def health(self) -> dict[str, Any]:
        return dict(self.counts)


async def read_bounded(request: web.Request, limit: int) -> bytes | None:
    """The raw body, or None when it is (or claims to be) longer than `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
