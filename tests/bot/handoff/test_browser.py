"""In headless Chromium against `dvcbot serve`: a citizen in /chat opens a ticket, an officer
answers in the dashboard inbox, the answer appears in the citizen's open page; the officer links
the question to a guide and a new citizen asking the same question gets that guide."""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage import db
from tests.bot.web.test_browser import ARGS, CHROMIUM, _wait
from tests.support.databases import blocking, in_ci
from tests.support.officers import PROVINCE, person
from tests.support.process import free_port, run_dvcbot, start_dvcbot

pytestmark = pytest.mark.browser

QUESTION = "Bà tôi không biết chữ thì nhờ ai làm thủ tục trên mạng giúp được không?"
ANSWER = "Bà có thể nhờ Tổ công nghệ số cộng đồng ở thôn hỗ trợ, hoặc ra bộ phận một cửa của xã."


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


def ask(page: Any, text: str) -> None:
    page.get_by_placeholder("Gõ câu hỏi của bạn…").fill(text)
    page.get_by_role("button", name="Gửi").click()


def test_a_citizen_ticket_is_answered_in_the_inbox_and_the_bot_learns_the_question(
    browser: Any, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'dvcbot.db'}"
    assert run_dvcbot(["db", "upgrade"], tmp_path).returncode == 0

    async def officer() -> None:
        engine = db.create_engine(url)
        await person(db.session_factory(engine), "prov-officer", "officer", province=PROVINCE)
        await engine.dispose()

    blocking(officer)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc: subprocess.Popen[str] = start_dvcbot(["serve"], tmp_path, DVCBOT_WEB_PORT=str(port))
    try:
        _wait(f"{base}/healthz")
        citizen = browser.new_context(locale="vi-VN").new_page()
        citizen.goto(f"{base}/chat")
        ask(citizen, f"/hoicanbo {QUESTION}")
        citizen.locator("#log li.msg.bot").last.get_by_role("button", name="Bỏ qua").click()
        confirmed = citizen.locator("#log li.msg.bot").last
        confirmed.get_by_text("Mã yêu cầu").wait_for()
        code = re.search(r"#([A-Z2-9]{6})", confirmed.inner_text()).group(1)

        link = run_dvcbot(
            ["dashboard", "link", "--channel", "console", "--user", "prov-officer"],
            tmp_path,
            DVCBOT_WEB_PORT=str(port),
        )
        assert link.returncode == 0, link.stderr
        officer_page = browser.new_context(locale="vi-VN").new_page()
        officer_page.goto(link.stdout.strip())
        officer_page.get_by_role("button", name="Đăng nhập").click()
        officer_page.wait_for_url(f"{base}/dashboard")
        officer_page.get_by_role("link", name="Hỏi cán bộ").click()
        officer_page.get_by_role("link", name=f"#{code}").click()
        officer_page.get_by_text(QUESTION).wait_for()
        officer_page.locator("form.reply textarea").fill(ANSWER)
        officer_page.get_by_role("button", name="Gửi cho người dân").click()
        officer_page.get_by_text("Đã gửi câu trả lời").wait_for()

        # The citizen's page, left open, shows the answer by itself (it asks every few seconds).
        citizen.locator("#log li.msg.bot").last.get_by_text(ANSWER).wait_for(timeout=15_000)

        officer_page.locator("input[name=ref]").fill("guide:noi-ho-tro")
        officer_page.get_by_role("button", name="Liên kết").click()
        officer_page.get_by_text("Từ nay bot trả lời câu hỏi này bằng guide:noi-ho-tro").wait_for()

        newcomer = browser.new_context(locale="vi-VN").new_page()
        newcomer.goto(f"{base}/chat")
        ask(newcomer, QUESTION)
        answer = newcomer.locator("#log li.msg.bot").nth(1)
        answer.wait_for()
        assert answer.inner_text().count("Cần người giúp? Hỏi ở đâu") >= 1
        assert "chưa hiểu" not in answer.inner_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
