"""Property: random bytes and random Unicode (lone surrogates, NUL, RTL marks, 10 kB) sent to
every public endpoint and in every platform field never give a 5xx, an error reply or an
error in the log — on SQLite and on PostgreSQL.

Hypothesis drives the examples from a worker thread; each example runs on the app's own event
loop (`run_coroutine_threadsafe`), so the real server, fakes and database are used throughout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.fake_zalo import event
from tests.support.platforms import Platforms, platforms
from tests.support.web import csrf_from

EXAMPLES = 25  # per endpoint; enough to hit every odd character class, still a few seconds
ERROR_REPLY = "trục trặc"  # core.error: "... gặp trục trặc ..."

SPECIAL = ["\ud800", "\udfff", "\x00", "\u202e", "\u200f", "\ufeff", "\u0301", "\n", "'", "<"]
any_char = st.characters(exclude_categories=())  # every code point, surrogates included
chunk = st.one_of(
    st.text(alphabet=any_char, max_size=30),
    st.sampled_from(SPECIAL),
    st.builds(lambda c, n: c * n, any_char, st.integers(1000, 10_000)),  # up to 10 kB
)
wild_text = st.lists(chunk, max_size=4).map("".join)
wild_bytes = st.binary(max_size=3000)
wild_id = st.one_of(wild_text, st.integers(-(2**63), 2**63).map(str))
ZALO_EVENTS = ["user_send_text", "user_click_button", "follow", "unfollow", "user_send_image"]


class Errors(logging.Handler):
    """Every ERROR record logged while the test runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def drive(loop: asyncio.AbstractEventLoop) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    def run(coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)

    return run


async def web_visitor(app: Platforms) -> tuple[dict[str, str], str]:
    """A fresh visitor: its cookie and CSRF token, as a browser has them after GET /chat."""
    async with aiohttp.ClientSession() as session, session.get(f"{app.url}/chat") as page:
        html = await page.text()
        return {"Cookie": f"dvcbot_visitor={page.cookies['dvcbot_visitor'].value}"}, csrf_from(html)


async def test_no_endpoint_or_platform_field_fails_on_any_input(database_url: str) -> None:
    errors = Errors()
    logging.getLogger().addHandler(errors)
    statuses: list[tuple[str, int]] = []
    try:
        async with platforms(
            database_url,
            webchat_messages_per_minute=600,
            webchat_messages_per_address_per_minute=100_000,
            webchat_new_visitors_per_minute=10_000,
        ) as app:
            loop = asyncio.get_running_loop()
            cookie, token = await web_visitor(app)
            await asyncio.to_thread(examples, app, drive(loop), cookie, token, statuses)
            await app.idle()
    finally:
        logging.getLogger().removeHandler(errors)
    server_errors = [(what, status) for what, status in statuses if status >= 500]
    assert not server_errors, server_errors[:5]
    assert not errors.records, [r.getMessage() for r in errors.records[:5]]
    replies = [call.text for call in app.tg.sent()] + app.zalo.texts()
    assert not [text for text in replies if ERROR_REPLY in text]
    assert len(statuses) > 8 * EXAMPLES // 2, "the examples ran"


def examples(
    app: Platforms,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    cookie: dict[str, str],
    token: str,
    statuses: list[tuple[str, int]],
) -> None:
    """Every endpoint and platform field, each its own property (run in a worker thread)."""
    common = settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )

    def post(what: str, path: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        status, _ = run(app.post(path, body, headers))
        statuses.append((what, status))

    def get(what: str, path: str, headers: dict[str, str] | None = None) -> None:
        async def fetch() -> int:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{app.url}{path}", headers=headers or {}) as answer,
            ):
                await answer.read()
                return answer.status

        statuses.append((what, run(fetch())))

    @common
    @given(body=wild_bytes, form=st.booleans())
    def raw_bodies(body: bytes, form: bool) -> None:
        kind = "application/x-www-form-urlencoded" if form else "application/json"
        for path in ("/chat", "/chat/api", "/dashboard/login", "/telegram/webhook"):
            post(path, path, body, {"Content-Type": kind, **cookie, "X-CSRF-Token": token})
        post("zalo raw", "/zalo/webhook", body, {"Content-Type": "application/json"})

    @common
    @given(query=wild_text, cookie_value=wild_text)
    def queries(query: str, cookie_value: str) -> None:
        safe = re.sub(r"[\ud800-\udfff]", "", query)
        q = quote(safe.encode("utf-8"))[:600]  # longer request lines are aiohttp's to refuse
        ascii_cookie = "".join(c for c in cookie_value if 33 <= ord(c) < 127 and c not in ";,")
        for path in (
            f"/chat?x={q}",
            f"/dashboard?to={q}&from={q}&commune={q}",
            f"/dashboard/login?t={q}",
            f"/dashboard/export/{q[:50] or 'x'}.csv",
            f"/healthz?{q}",
        ):
            get(path.split("?")[0], path, {"Cookie": f"dvcbot_visitor={ascii_cookie[:100]}"})

    @common
    @given(text=wild_text, payload=st.one_of(st.none(), wild_text), client_id=wild_text)
    def web_chat(text: str, payload: str | None, client_id: str) -> None:
        body = {"text": text, "id": client_id}
        if payload is not None:
            body = {"payload": payload}
        raw = json.dumps(body).encode()
        post("/chat/api json", "/chat/api", raw, {**cookie, "X-CSRF-Token": token})
        form = f"csrf={token}&text=" + re.sub(r"[\ud800-\udfff]", "", text)[:3000]
        headers = {"Content-Type": "application/x-www-form-urlencoded", **cookie}
        post("/chat form", "/chat", form.encode("utf-8"), headers)

    @common
    @given(
        user=st.integers(1, 2**52),
        first=wild_text,
        last=st.one_of(st.none(), wild_text),
        username=st.one_of(st.none(), wild_text),
        language=st.one_of(st.none(), wild_text),
        text=wild_text,
        data=wild_text,
    )
    def telegram_fields(
        user: int,
        first: str,
        last: str | None,
        username: str | None,
        language: str | None,
        text: str,
        data: str,
    ) -> None:
        person = {"last_name": last, "username": username, "language_code": language}
        message = app.tg.message(user, text or ".", first_name=first or "x")
        message["message"]["from"].update(person)
        callback = app.tg.callback(user, data[:64] or "x", first_name=first or "x")
        callback["callback_query"]["from"].update(person)
        for update in (message, callback):
            statuses.append(("telegram update", run(app.telegram(update))))

    @common
    @given(sender=wild_id, msg_id=wild_id, text=wild_text, name=st.sampled_from(ZALO_EVENTS))
    def zalo_fields(sender: str, msg_id: str, text: str, name: str) -> None:
        payload = event(
            "user_send_text" if name not in ("follow", "unfollow") else name,
            user=sender or "0",
        )
        payload["event_name"] = name
        if "message" in payload:
            payload["message"].update({"text": text, "msg_id": msg_id})
        statuses.append(("zalo event", run(app.zalo_event(payload))))

    for prop in (raw_bodies, queries, web_chat, telegram_fields, zalo_fields):
        prop()
