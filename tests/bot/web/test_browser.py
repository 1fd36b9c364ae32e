"""In a real headless Chromium: the officer's Done-when flow and a citizen's web chat."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot import i18n
from bot.reports.labels import communes_of
from storage import dashboard, db, stats
from storage.models import utcnow
from tests.support.databases import blocking, in_ci
from tests.support.officers import PROVINCE, person
from tests.support.process import REPO, free_port, run_dvcbot, start_dvcbot

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = REPO / "test-output"
COMMUNE = communes_of(PROVINCE)[0][0]  # the first demo commune


@dataclass
class Served:
    base: str
    url: str
    workdir: Path
    port: int


# Module scope: one browser for these few tests. Sync Playwright runs an event loop of its own
# while the browser is open, so it must be closed before other (async) test modules run.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if in_ci():
            pytest.fail("Chromium is missing at /usr/bin/chromium under CI=true")
        pytest.skip("Chromium not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def _wait(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                json.loads(response.read())
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Served]:
    """`dvcbot demo seed && dvcbot serve`, with a provincial officer, as the README says."""
    workdir = tmp_path_factory.mktemp("served")
    url = f"sqlite+aiosqlite:///{workdir / 'dvcbot.db'}"
    seeded = run_dvcbot(
        ["demo", "seed", "--months", "3", "--communes", "4", "--random-seed", "11"], workdir
    )
    assert seeded.returncode == 0, seeded.stderr

    async def officers() -> None:
        engine = db.create_engine(url)
        await person(db.session_factory(engine), "prov-officer", "officer", province=PROVINCE)
        await engine.dispose()

    blocking(officers)
    port = free_port()
    proc: subprocess.Popen[str] = start_dvcbot(["serve"], workdir, DVCBOT_WEB_PORT=str(port))
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        yield Served(f"http://127.0.0.1:{port}", url, workdir, port)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def rate_in_db(url: str, filters: dict[str, str]) -> stats.Rate:
    start, end = stats.month_range(stats.month_of(utcnow()))

    async def query() -> stats.Rate:
        engine = db.create_engine(url)
        async with db.session_factory(engine)() as session:
            rows = await stats.satisfaction(session, start=start, end=end, filters=filters)
        await engine.dispose()
        return rows[0].rate

    found: list[stats.Rate] = []
    blocking(lambda: _collect(query(), found))
    return found[0]


async def _collect(coro: Any, into: list[Any]) -> None:
    into.append(await coro)


def test_an_officer_signs_in_reads_the_kpi_filters_and_downloads_the_report(
    browser: Any, served: Served
) -> None:
    made = run_dvcbot(
        ["dashboard", "link", "--channel", "console", "--user", "prov-officer"],
        served.workdir,
        DVCBOT_WEB_PORT=str(served.port),
    )
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip()
    assert link.startswith(f"{served.base}/dashboard/login?t=")

    context = browser.new_context(accept_downloads=True, locale="vi-VN")
    outside: list[str] = []
    context.on(
        "request",
        lambda r: None if r.url.startswith(("data:", served.base)) else outside.append(r.url),
    )
    page = context.new_page()
    page.goto(link)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{served.base}/dashboard")

    province = rate_in_db(served.url, {"province": PROVINCE})
    assert province.responses > 0
    kpi = page.locator("#kpi-satisfaction")
    assert kpi.locator(".big").inner_text() == i18n.percent(province.rate or 0)
    assert (
        f"{i18n.percent(province.low or 0)} – {i18n.percent(province.high or 0)}"
        in kpi.inner_text()
    )
    assert f"{i18n.number(province.responses)} phiếu" in kpi.inner_text()
    assert "Mục tiêu: 95%" in kpi.inner_text()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "dashboard-overview.png"), full_page=True)

    page.select_option("select[name=commune]", COMMUNE)
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url(f"**commune={COMMUNE}**")
    commune = rate_in_db(served.url, {"province": PROVINCE, "commune": COMMUNE})
    assert page.locator("#kpi-satisfaction .big").inner_text() == i18n.percent(commune.rate or 0)

    with page.expect_download() as download:
        page.get_by_role("link", name="Báo cáo tháng (XLSX)").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    overall = book.worksheets[0]
    month = stats.month_of(utcnow())
    first = stats.shift_month(month, -5)  # the dashboard shows six months unless told otherwise
    # The workbook follows the filters: each of the six months, then the period in total.
    assert [row[0] for row in _values(overall)[1:7]] == stats.months_from(first, month)
    assert str(overall.cell(8, 1).value).startswith("tổng ")
    [(_month, responses, satisfied, rate)] = [
        row[:4] for row in _values(overall) if row[0] == month
    ]
    assert (responses, satisfied) == (commune.responses, commune.satisfied)
    assert rate == pytest.approx(commune.rate) and overall.cell(7, 4).number_format == "0.0%"
    assert any(name.endswith(" xã-phường") for name in book.sheetnames)  # a sheet per breakdown
    [procedures] = [book[n] for n in book.sheetnames if n.endswith(" thủ tục")]
    named = {row[0]: row[1] for row in _values(procedures)[1:]}
    assert named.get("1.000656") == "Đăng ký khai tử", named  # names beside codes
    cells = [str(v) for sheet in book.worksheets for row in _values(sheet) for v in row if v]
    assert not any("+00:00" in v for v in cells), "times are Vietnam time, not UTC ISO"
    cli = run_dvcbot(
        [
            "report",
            "--format",
            "xlsx",
            "--from",
            first,
            "--month",
            month,
            "--province",
            PROVINCE,
            "--commune",
            COMMUNE,
            "-o",
            "cli.xlsx",
        ],
        served.workdir,
    )
    assert cli.returncode == 0, cli.stderr
    same = load_workbook(served.workdir / "cli.xlsx")
    assert same.sheetnames == book.sheetnames  # `dvcbot report` writes the same workbook
    for name in book.sheetnames[:-1]:  # the last sheet, definitions, names when it was made
        assert _values(same[name]) == _values(book[name]), name
    assert outside == [], "the dashboard loaded something from another site"

    again = browser.new_page()
    again.goto(link)
    again.get_by_role("button", name="Đăng nhập").click()
    assert "đã được dùng hoặc đã hết hạn" in again.locator("main").inner_text()
    again.close()
    context.close()


def _signed_in(browser: Any, served: Served, **context: Any) -> Any:
    """A page signed in as the provincial officer, in a new browser context."""
    made = run_dvcbot(
        ["dashboard", "link", "--channel", "console", "--user", "prov-officer"],
        served.workdir,
        DVCBOT_WEB_PORT=str(served.port),
    )
    assert made.returncode == 0, made.stderr
    page = browser.new_context(locale="vi-VN", **context).new_page()
    page.goto(made.stdout.strip())
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{served.base}/dashboard")
    return page


# Every table's box: the page never scrolls sideways, and no table spills out of its box.
OVERFLOW = """() => {
  const over = (e) => e.scrollWidth > e.clientWidth + 1;
  return {
    page: document.documentElement.scrollWidth,
    spilling: [...document.querySelectorAll("figure.table")].filter(over).map((e) => e.id),
    scrolling: [...document.querySelectorAll("figure.table .scroll")].filter(over)
      .map((e) => e.closest("figure").id),
    tables: document.querySelectorAll("figure.table").length,
  };
}"""
PAGES = ("", "/satisfaction", "/outreach", "/gaps", "/broadcasts")


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_every_dashboard_page_shows_every_table_on_a_laptop_and_a_phone(
    browser: Any, served: Served, width: int, height: int
) -> None:
    page = _signed_in(browser, served, viewport={"width": width, "height": height})
    for path in PAGES:
        page.goto(f"{served.base}/dashboard{path}")
        found = page.evaluate(OVERFLOW)
        assert found["tables"] > 0, path
        assert found["page"] <= width, f"{path} scrolls sideways at {width}px"
        assert found["spilling"] == [], f"{path}: tables cut off at {width}px"
        if width >= 1366:  # a laptop shows every column without scrolling
            assert found["scrolling"] == [], f"{path}: tables scroll at {width}px"
        # The seeded figures are demo data, and every page says so.
        assert "Dữ liệu mẫu" in page.locator("#demo-banner").inner_text(), path
        page.screenshot(path=str(OUTPUT / f"dashboard{path.replace('/', '-')}-{width}.png"))
    page.context.close()


def test_procedures_and_broadcasts_show_their_names(browser: Any, served: Served) -> None:
    page = _signed_in(browser, served)
    page.goto(f"{served.base}/dashboard/satisfaction")
    procedures = page.locator("#satisfaction_by_procedure tbody").inner_text()
    assert "Đăng ký khai tử" in procedures and "1.000656" in procedures  # name, code beside
    teams = page.locator("#satisfaction_by_team tbody tr td:first-child").all_inner_texts()
    numbers = [int(t.rsplit(" ", 1)[-1]) for t in teams if t.rsplit(" ", 1)[-1].isdigit()]
    assert numbers == sorted(numbers)
    page.goto(f"{served.base}/dashboard/broadcasts")
    broadcasts = page.locator("#broadcasts tbody").inner_text()
    assert "vneid-muc-2" not in broadcasts and "hướng dẫn: " in broadcasts
    page.context.close()


def test_an_expired_link_is_refused(browser: Any, served: Served) -> None:
    async def old_link() -> str:
        engine = db.create_engine(served.url)
        async with db.session_factory(engine)() as session, session.begin():
            from storage.contacts import get

            officer = await get(session, "console", "prov-officer")
            assert officer is not None
            link = await dashboard.issue_link(
                session,
                officer.id,
                secret=await _secret(session),
                base_url=served.base,
                now=utcnow() - timedelta(minutes=11),
            )
        await engine.dispose()
        return link

    links: list[str] = []
    blocking(lambda: _collect(old_link(), links))
    page = browser.new_page()
    page.goto(links[0])
    assert "không hợp lệ hoặc đã hết hạn" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Đăng nhập").count() == 0
    page.goto(f"{served.base}/dashboard")
    assert "Vui lòng đăng nhập" in page.locator("main").inner_text()
    page.close()


def _values(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


async def _secret(session: Any) -> str:
    from storage import app_state

    return await app_state.get_or_create_secret(session)


def test_a_citizen_chats_in_the_browser_from_the_menu_to_a_guide(
    browser: Any, served: Served
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{served.base}/")
    assert page.url == f"{served.base}/chat"
    page.get_by_role("button", name="Tài khoản VNeID mức 2").click()
    last = page.locator("#log li.msg.bot").last
    last.get_by_text("Bước 1/").wait_for()
    last.get_by_role("button", name="Tiếp ▶").click()
    page.locator("#log li.msg.bot").last.get_by_text("Bước 2/").wait_for()
    page.get_by_placeholder("Gõ câu hỏi của bạn…").fill("menu")
    page.get_by_role("button", name="Gửi").click()
    page.locator("#log li.msg.bot").last.get_by_text("Xin chào").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits a phone
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "webchat.png"), full_page=True)
    context.close()


def test_a_team_member_on_the_web_chat_hands_out_a_referral_link_and_qr_code(
    browser: Any, served: Served
) -> None:
    made = run_dvcbot(
        ["teams", "create", "--province", PROVINCE, "--commune", COMMUNE, "--name", "Tổ Web"],
        served.workdir,
        DVCBOT_WEB_PORT=str(served.port),
    )
    assert made.returncode == 0, made.stderr
    [invite] = [w for w in made.stdout.split() if w.startswith(f"{served.base}/chat?start=join_")]

    member = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = member.new_page()
    page.goto(invite)  # the page presses its Start button by itself
    page.locator("#log li.msg.bot").last.get_by_text("Chào mừng bạn tham gia Tổ Web").wait_for()
    page.get_by_placeholder("Gõ câu hỏi của bạn…").fill("/gioithieu")
    page.get_by_role("button", name="Gửi").click()
    qr = page.locator("#log li.msg.bot img").last
    qr.wait_for()
    assert qr.get_attribute("src").startswith("data:image/png;base64,")
    text = page.locator("#log").inner_text()
    [link] = [w for w in text.split() if w.startswith(f"{served.base}/chat?ref=")]

    citizen = browser.new_context(locale="vi-VN").new_page()
    citizen.goto(link)
    citizen.locator("#log li.msg.bot").last.get_by_text("Tổ Web giới thiệu").wait_for()
    assert citizen.url == f"{served.base}/chat"  # the code is not left in the address bar
    page.get_by_placeholder("Gõ câu hỏi của bạn…").fill("/gioithieu")
    page.get_by_role("button", name="Gửi").click()
    page.locator("#log li.msg.bot").last.wait_for()
    page.get_by_text("Số người dân bạn đã giới thiệu: 1.").last.wait_for()
    citizen.context.close()
    member.close()
