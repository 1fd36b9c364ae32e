"""Dashboard access: one-time links, sessions, role scope and audit, over real HTTP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from storage import db, roles
from storage.models import AuditEntry, DashboardLink, DashboardSession, utcnow
from tests.support.officers import (
    COMMUNE_A,
    COMMUNE_B,
    PROVINCE,
    answers,
    link_for,
    person,
)
from tests.support.web import web_client

SECRET = "dashboard-test-secret"
PAGES = [
    "/dashboard",
    "/dashboard/satisfaction",
    "/dashboard/outreach",
    "/dashboard/gaps",
    "/dashboard/broadcasts",
    "/dashboard/export/broadcasts.csv",
    "/dashboard/export/field_sessions_by_team.csv",
    "/dashboard/export/report.xlsx",
    "/dashboard/export/satisfaction_by_commune.csv",
]


@pytest_asyncio.fixture
async def client(database_url: str) -> AsyncIterator[TestClient]:
    async with web_client(database_url, secret=SECRET) as client:
        yield client


@pytest_asyncio.fixture
async def sessions(database_url: str) -> AsyncIterator[db.SessionFactory]:
    engine = db.create_engine(database_url)
    yield db.session_factory(engine)
    await engine.dispose()


async def sign_in(client: TestClient, sessions: db.SessionFactory, contact_id: int) -> str:
    link = await link_for(sessions, contact_id, SECRET)
    token = link.split("t=", 1)[1]
    page = await client.get(f"/dashboard/login?t={token}")
    assert page.status == 200
    response = await client.post("/dashboard/login", data={"t": token}, allow_redirects=False)
    assert response.status == 303, await response.text()
    return token


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_refuses_a_browser_without_a_session(
    client: TestClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status == 401
    assert "/dashboard" in await response.text()


async def test_an_officer_signs_in_once_with_a_link_and_sees_their_commune(
    client: TestClient, sessions: db.SessionFactory
) -> None:
    officer = await person(sessions, "off-a", "officer", province=PROVINCE, commune=COMMUNE_A)
    await answers(sessions, commune=COMMUNE_A, satisfied=19, unsatisfied=1)
    await answers(sessions, commune=COMMUNE_B, satisfied=3, unsatisfied=7)
    token = await sign_in(client, sessions, officer)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/dashboard"))
    assert "dvcbot_dashboard" in cookie
    raw = [h for h in client.session.cookie_jar]
    assert raw and raw[0]["httponly"] and raw[0]["samesite"] == "Strict"
    html = await (await client.get("/dashboard")).text()
    assert "95,0%" in html  # 19 of 20 in their commune, never mixed with the other's 3 of 10
    assert "20 phiếu, 19 phiếu hài lòng" in html
    other = await (await client.get(f"/dashboard?commune={COMMUNE_B}")).text()
    assert "95,0%" in other and "30,0%" not in other
    # the same link a second time is refused
    again = await client.post("/dashboard/login", data={"t": token}, allow_redirects=False)
    assert again.status == 403


async def test_a_provincial_officer_sees_the_province_and_not_another(
    client: TestClient, sessions: db.SessionFactory
) -> None:
    officer = await person(sessions, "off-p", "officer", province=PROVINCE)
    await answers(sessions, commune=COMMUNE_A, satisfied=19, unsatisfied=1)
    await answers(sessions, commune=COMMUNE_B, satisfied=3, unsatisfied=7)
    await answers(sessions, commune="00070", province="01", satisfied=0, unsatisfied=50)
    await sign_in(client, sessions, officer)
    html = await (await client.get("/dashboard")).text()
    assert "73,3%" in html  # 22 of 30 in province 42; Hà Nội's 50 answers stay out
    body = await (await client.get("/dashboard/export/satisfaction_by_commune.csv")).text()
    assert COMMUNE_A in body and COMMUNE_B in body and "00070" not in body
    outside = await (await client.get("/dashboard?commune=00070")).text()
    assert "Tháng này chưa có phiếu đánh giá nào." in outside


async def test_expired_or_tampered_links_are_refused(
    client: TestClient, sessions: db.SessionFactory
) -> None:
    officer = await person(sessions, "off-x", "officer", province=PROVINCE, commune=COMMUNE_A)
    link = await link_for(sessions, officer, SECRET)
    token = link.split("t=", 1)[1]
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert (await client.get(f"/dashboard/login?t={tampered}")).status == 403
    assert (await client.post("/dashboard/login", data={"t": tampered})).status == 403
    async with sessions() as session, session.begin():
        await session.execute(
            update(DashboardLink).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    refused = await client.post("/dashboard/login", data={"t": token}, allow_redirects=False)
    assert refused.status == 403


async def test_citizens_and_members_get_no_dashboard(
    client: TestClient, sessions: db.SessionFactory
) -> None:
    for user, role in (("citizen", None), ("member", "member")):
        contact = await person(sessions, user, role, province=PROVINCE, commune=COMMUNE_A)
        token = (await link_for(sessions, contact, SECRET)).split("t=", 1)[1]
        response = await client.post("/dashboard/login", data={"t": token})
        assert response.status == 403


async def test_a_revoked_officer_loses_access_at_once(
    client: TestClient, sessions: db.SessionFactory
) -> None:
    officer = await person(sessions, "off-r", "officer", province=PROVINCE, commune=COMMUNE_A)
    await sign_in(client, sessions, officer)
    assert (await client.get("/dashboard")).status == 200
    async with sessions() as session, session.begin():
        await roles.revoke(session, officer, "officer", actor="test")
    for path in PAGES:
        assert (await client.get(path)).status == 403


async def test_an_idle_session_ends_and_logout_needs_the_form_token(
    client: TestClient, sessions: db.SessionFactory
) -> None:
    officer = await person(sessions, "off-i", "officer", province=PROVINCE, commune=COMMUNE_A)
    await sign_in(client, sessions, officer)
    html = await (await client.get("/dashboard")).text()
    assert (await client.post("/dashboard/logout", data={"csrf": "forged"})).status == 403
    assert (await client.get("/dashboard")).status == 200
    assert (await client.post("/dashboard/logout", data={"csrf": csrf_of(html)})).status == 200
    assert (await client.get("/dashboard")).status == 401
    await sign_in(client, sessions, officer)
    async with sessions() as session, session.begin():
        await session.execute(
            update(DashboardSession)
            .where(DashboardSession.ended_at.is_(None))
            .values(last_seen_at=utcnow() - timedelta(hours=2))
        )
    assert (await client.get("/dashboard")).status == 401


async def test_logins_and_exports_are_audited_without_personal_data(
    client: TestClient, sessions: db.SessionFactory
) -> None:
    officer = await person(sessions, "off-audit", "officer", province=PROVINCE, commune=COMMUNE_A)
    await sign_in(client, sessions, officer)
    assert (await client.get("/dashboard/export/report.xlsx")).status == 200
    csv = await client.get("/dashboard/export/satisfaction_by_month.csv")
    assert csv.status == 200 and csv.headers["Content-Disposition"].startswith("attachment")
    assert (await client.get("/dashboard/export/nonexistent.csv")).status == 404
    async with sessions() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    actions = [e.action for e in entries if e.actor == f"contact:{officer}"]
    assert "dashboard.login" in actions
    assert actions.count("dashboard.export") == 2
    assert all("off-audit" not in str(e.detail) + e.actor + str(e.target) for e in entries)


async def test_bad_filters_get_a_clear_error(
    client: TestClient, sessions: db.SessionFactory
) -> None:
    officer = await person(sessions, "off-f", "admin")
    await sign_in(client, sessions, officer)
    for query in ("from=2026-13", "to=nonsense", "from=2026-05&to=2026-01", "channel=fax"):
        response = await client.get(f"/dashboard?{query}")
        assert response.status == 400, query


def test_link_points_at_the_login_page() -> None:
    assert urlsplit("http://x/dashboard/login?t=a.b.c").path == "/dashboard/login"
