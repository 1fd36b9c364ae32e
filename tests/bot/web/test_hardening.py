"""Hardening of the web endpoints (issue 17): what a probe found answered 500, 400 or 200
now answers as a careful service would, and officers never see a citizen's phone number."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from storage import db
from storage.models import Contact
from storage.redaction import NAME, PHONE
from tests.bot.web.test_dashboard_access import SECRET, sign_in
from tests.support.officers import person
from tests.support.platforms import WEBHOOK_SECRET, platforms
from tests.support.web import csrf_from, web_client

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # the routes are under test
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PORTAL = "https://dichvucong.hatinh.gov.vn"


async def contacts(database_url: str) -> int:
    engine = db.create_engine(database_url)
    async with db.session_factory(engine)() as session:
        found = int(await session.scalar(select(func.count()).select_from(Contact)) or 0)
    await engine.dispose()
    return found


@pytest.mark.parametrize("path", ["/chat", "/dashboard/login"])
async def test_a_form_body_that_is_not_utf8_gets_400(database_url: str, path: str) -> None:
    async with web_client(database_url) as client:
        await client.get("/chat")
        response = await client.post(path, data=b"text=\xff\xfe&t=\xc3\x28", headers=FORM)
        assert response.status == 400


async def test_invented_visitor_cookies_are_not_visitors(database_url: str) -> None:
    async with web_client(database_url) as client:
        token = csrf_from(await (await client.get("/chat")).text())
        client.session.cookie_jar.clear()
        client.session.cookie_jar.update_cookies({"dvcbot_visitor": "A" * 32})
        response = await client.post(
            "/chat/api", json={"text": "menu"}, headers={"X-CSRF-Token": token}
        )
        assert response.status == 403
    assert await contacts(database_url) == 0


async def test_new_visitors_and_messages_are_limited_per_address(database_url: str) -> None:
    async with web_client(
        database_url,
        webchat_new_visitors_per_minute=3,
        webchat_messages_per_address_per_minute=5,
    ) as client:
        pages = []
        for _ in range(5):
            client.session.cookie_jar.clear()
            pages.append(await client.get("/chat"))
        assert [p.status for p in pages] == [200, 200, 200, 429, 429]
        assert "nhanh quá" in await pages[-1].text()
        assert "dvcbot_visitor" not in pages[-1].cookies
        token = csrf_from(await pages[2].text())  # the last visitor that got a cookie
        client.session.cookie_jar.update_cookies(pages[2].cookies)
        statuses = []
        for _ in range(7):
            answer = await client.post(
                "/chat/api", json={"text": "menu"}, headers={"X-CSRF-Token": token}
            )
            statuses.append(answer.status)
        assert statuses == [200] * 5 + [429] * 2
    assert await contacts(database_url) == 1


async def test_forwarded_addresses_count_only_behind_a_trusted_proxy(database_url: str) -> None:
    async def visitors(client: TestClient, addresses: list[str]) -> list[int]:
        statuses = []
        for address in addresses:
            client.session.cookie_jar.clear()
            page = await client.get("/chat", headers={"X-Forwarded-For": f"{address}, 127.0.0.1"})
            statuses.append(page.status)
        return statuses

    two_each = ["203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.2"]
    async with web_client(
        database_url, webchat_new_visitors_per_minute=2, trusted_proxies="127.0.0.1/32"
    ) as client:
        assert await visitors(client, two_each) == [200, 200, 200, 200]
        assert await visitors(client, ["203.0.113.1"]) == [429]
    async with web_client(database_url, webchat_new_visitors_per_minute=2) as client:
        # Not configured: a forged header changes nothing, the peer address counts.
        assert await visitors(client, two_each) == [200, 200, 429, 429]


async def test_an_origin_with_another_scheme_is_another_site(database_url: str) -> None:
    async with web_client(database_url) as client:
        token = csrf_from(await (await client.get("/chat")).text())
        host = client.make_url("/").host
        port = client.make_url("/").port
        headers = {"X-CSRF-Token": token, "Origin": f"https://{host}:{port}"}
        refused = await client.post("/chat/api", json={"text": "menu"}, headers=headers)
        assert refused.status == 403
        headers["Origin"] = f"http://{host}:{port}"
        allowed = await client.post("/chat/api", json={"text": "menu"}, headers=headers)
        assert allowed.status == 200


async def test_security_headers_let_only_the_portal_frame_the_chat(database_url: str) -> None:
    async with web_client(database_url, webchat_frame_ancestors=PORTAL) as client:
        chat = await client.get("/chat")
        policy = chat.headers["Content-Security-Policy"]
        assert f"frame-ancestors 'self' {PORTAL}" in policy
        assert "script-src" not in policy or "'unsafe-inline'" not in policy
        login = await client.get("/dashboard/login?t=forged")
        assert login.status == 403
        assert "frame-ancestors 'none'" in login.headers["Content-Security-Policy"]
        assert login.headers["X-Frame-Options"] == "DENY"
        for response in (chat, login, await client.get("/healthz")):
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "same-origin"


async def test_far_future_months_are_refused_with_400(
    database_url: str, sessions: db.SessionFactory
) -> None:
    admin = await person(sessions, "admin-1", "admin")
    async with web_client(database_url, secret=SECRET) as client:
        await sign_in(client, sessions, admin)
        for query in ("to=9999-12", "from=1000-01&to=1000-02", "to=2101-01"):
            response = await client.get(f"/dashboard?{query}")
            assert response.status == 400, query
            assert "2000" in await response.text()
        assert (await client.get("/dashboard?to=2026-11")).status == 200


async def test_content_gaps_show_a_mark_for_personal_data_and_the_day_only(
    database_url: str, sessions: db.SessionFactory
) -> None:
    admin = await person(sessions, "admin-1", "admin")
    question = "Tôi tên Nguyễn Văn An, SĐT 0912 345 678, hỏi về con mèo xanh biết bay"
    async with web_client(database_url, secret=SECRET) as client:
        token = csrf_from(await (await client.get("/chat")).text())
        answer = await client.post(
            "/chat/api", json={"text": question}, headers={"X-CSRF-Token": token}
        )
        assert answer.status == 200
        await sign_in(client, sessions, admin)
        page = await (await client.get("/dashboard/gaps")).text()
        exported = await (await client.get("/dashboard/export/content_gaps.csv")).text()
        workbook = openpyxl.load_workbook(
            io.BytesIO(await (await client.get("/dashboard/export/report.xlsx")).read())
        )
    cells = [
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]
    rows = list(csv.reader(io.StringIO(exported)))
    gap = next(row for row in rows if "meo xanh" in row[0])
    assert PHONE in gap[0] and NAME in gap[0]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", gap[2]) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", gap[3])
    assert any(PHONE in cell and "meo xanh" in cell for cell in cells)
    assert "[SĐT]" in page or "[SĐT]" in page.replace("&#91;", "[")
    for shown in (page, exported, "\n".join(cells)):
        assert "0912" not in shown and "345 678" not in shown and "nguyen van an" not in shown


async def test_a_telegram_webhook_body_over_the_limit_gets_413(database_url: str) -> None:
    async with platforms(database_url) as app:
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        huge = b'{"update_id": 1, "message": {"text": "' + b"x" * 10_000_000 + b'"}}'
        status, _ = await app.post("/telegram/webhook", huge, headers)
        assert status == 413
        status, _ = await app.post("/telegram/webhook", b"x" * 10_000_000, {})
        assert status == 403, "without the secret the body is not read at all"
        assert await app.telegram(app.tg.message(42, "/start")) == 200
