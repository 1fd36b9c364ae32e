"""Dashboard pages: field work and broadcasts in scope, sorting, Vietnamese strings, banner."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp.test_utils import TestClient
from babel.messages.extract import extract_from_dir

from bot import i18n
from bot.config import load_settings
from bot.web.app import active_plugins
from storage import db
from storage.models import Broadcast, Delivery, OutreachEvent, OutreachSession, Team, utcnow
from storage.stats import VN_TZ
from tests.bot.web.test_dashboard_access import SECRET, sign_in
from tests.support.officers import COMMUNE_A, COMMUNE_B, PROVINCE, answers, person
from tests.support.web import web_client

TEMPLATES = i18n.LOCALE_DIR.parent / "web" / "templates"


@pytest_asyncio.fixture
async def client(database_url: str) -> AsyncIterator[TestClient]:
    async with web_client(database_url, secret=SECRET) as client:
        yield client


async def _field_work(sessions: db.SessionFactory) -> None:
    now = utcnow()
    today = now.astimezone(VN_TZ).date()
    async with sessions() as session, session.begin():
        teams = [
            Team(name=f"Tổ {c}", province_code=PROVINCE, commune_code=c, created_at=now)
            for c in (COMMUNE_A, COMMUNE_B)
        ]
        session.add_all(teams)
        await session.flush()
        for team, households in zip(teams, (12, 30), strict=True):
            session.add(
                OutreachSession(
                    team_id=team.id,
                    commune_code=team.commune_code,
                    day=today,
                    place="nhà văn hoá",
                    households=households,
                    vneid_installs=3,
                    level2=2,
                    portal_logins=1,
                    dossiers_online=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            broadcast = Broadcast(
                state="done",
                kind="guide",
                ref="vneid-muc-2",
                message={},
                audience="commune",
                province_code=PROVINCE,
                commune_code=team.commune_code,
                author_label="test",
                send_at=now,
                total=2,
                created_at=now,
            )
            session.add(broadcast)
            await session.flush()
            for state in ("sent", "blocked"):
                session.add(
                    Delivery(
                        broadcast_id=broadcast.id,
                        contact_id=None,
                        channel="telegram",
                        state=state,
                        next_attempt_at=now,
                    )
                )


def _csv(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


async def test_a_commune_officer_sees_only_their_communes_field_work_and_broadcasts(
    client: TestClient, sessions: db.SessionFactory
) -> None:
    officer = await person(sessions, "off-c", "officer", province=PROVINCE, commune=COMMUNE_A)
    await _field_work(sessions)
    await sign_in(client, sessions, officer)
    page = await client.get("/dashboard/outreach")
    assert page.status == 200
    rows = _csv(await (await client.get("/dashboard/export/field_sessions_by_commune.csv")).text())
    assert [(r["xã/phường"], r["số hộ đã đến"]) for r in rows] == [("Phường Sông Trí", "12")]
    sent = _csv(await (await client.get("/dashboard/export/broadcasts.csv")).text())
    assert len(sent) == 1 and sent[0]["đã gửi"] == "1" and sent[0]["tỷ lệ gửi được"] == "50.0%"
    html = await (await client.get("/dashboard/broadcasts")).text()
    assert "Phường Sông Trí" in html and "Phường Hải Ninh" not in html


async def test_tables_sort_by_a_column_and_flag_communes_below_target(
    client: TestClient, sessions: db.SessionFactory
) -> None:
    officer = await person(sessions, "off-s", "officer", province=PROVINCE)
    await answers(sessions, commune=COMMUNE_A, satisfied=200, unsatisfied=0)
    await answers(sessions, commune=COMMUNE_B, satisfied=5, unsatisfied=15)
    await sign_in(client, sessions, officer)
    html = await (
        await client.get("/dashboard/satisfaction?sort=satisfaction_by_commune.rate&desc=0")
    ).text()
    table = html[html.index('id="satisfaction_by_commune"') :]
    assert table.index("Phường Hải Ninh") < table.index("Phường Sông Trí")
    assert 'class="status-below"' in table and 'class="status-ok"' in table
    assert "<img" in html and "data:image/svg+xml;base64," in html  # chart beside the table
    # the overview shows the targets dvcbot cannot measure as "no data", not as a number
    overview = await (await client.get("/dashboard")).text()
    assert overview.count("chưa có số liệu") >= 3
    assert "tỷ lệ hồ sơ trực tuyến toàn trình" in overview


async def test_a_province_with_its_own_target_is_judged_against_it(
    database_url: str, sessions: db.SessionFactory
) -> None:
    officer = await person(sessions, "off-t", "officer", province=PROVINCE)
    await answers(sessions, commune=COMMUNE_A, satisfied=980, unsatisfied=20)
    async with web_client(database_url, secret=SECRET, satisfaction_target=0.9) as client:
        await sign_in(client, sessions, officer)
        html = await (await client.get("/dashboard/satisfaction")).text()
        overview = await (await client.get("/dashboard")).text()
    assert "so với mục tiêu (90%)" in html and "95%)" not in html
    table = html[html.index('id="satisfaction_by_commune"') :]
    assert 'class="status-ok"' in table  # 98% with 1,000 answers clears 90% (not just 95%)
    assert "≥ 90%" in overview and "≥ 95%" not in overview


def test_every_dashboard_and_chat_template_string_is_translated() -> None:
    catalog = i18n.translations("vi")
    found = [
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(TEMPLATES),
            method_map=[("**.html", "jinja2")],
            options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        )
    ]
    assert len(found) > 20
    assert [m for m in found if isinstance(m, str) and catalog.gettext(m) == m] == []


def test_the_serve_banner_names_the_web_chat_and_dashboard_addresses() -> None:
    settings = load_settings(web_port=8123)
    lines = [p.describe(settings) for p in active_plugins(settings) if p.describe]
    assert any(line.endswith("http://127.0.0.1:8123/chat") for line in lines)
    assert any("http://127.0.0.1:8123/dashboard" in line for line in lines)


async def test_content_gaps_list_unanswered_questions_and_neutralise_formulas_in_csv(
    client: TestClient, sessions: db.SessionFactory
) -> None:
    officer = await person(sessions, "off-g", "officer", province=PROVINCE, commune=COMMUNE_A)
    async with sessions() as session, session.begin():
        for detail, commune in (
            ("=cmd|' /c calc'!A1", COMMUNE_A),
            ("doi bang lai", COMMUNE_A),
            ("doi bang lai", COMMUNE_A),
            ("o xa khac", COMMUNE_B),
        ):
            session.add(
                OutreachEvent(
                    kind="search_unanswered",
                    channel="telegram",
                    province_code=PROVINCE,
                    commune_code=commune,
                    detail=detail,
                    created_at=utcnow(),
                )
            )
    await sign_in(client, sessions, officer)
    html = await (await client.get("/dashboard/gaps")).text()
    assert html.index("doi bang lai") < html.index("=cmd")  # most asked first
    assert "o xa khac" not in html  # another commune's question
    rows = _csv(await (await client.get("/dashboard/export/content_gaps.csv")).text())
    assert [(r["câu hỏi (đã chuẩn hoá)"], r["số lần hỏi"]) for r in rows] == [
        ("doi bang lai", "2"),
        ("'=cmd|' /c calc'!A1", "1"),
    ]
