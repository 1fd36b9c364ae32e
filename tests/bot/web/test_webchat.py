"""A citizen talks to dvcbot in the browser's web chat (HTTP level; the browser test is apart)."""

from __future__ import annotations

from sqlalchemy import func, select

from storage import db
from storage.models import Contact, Interaction
from tests.support.web import csrf_from, web_client


async def test_home_redirects_to_the_chat_page_which_opens_with_the_menu(database_url: str) -> None:
    async with web_client(database_url) as client:
        response = await client.get("/", allow_redirects=False)
        assert response.status == 302 and response.headers["Location"] == "/chat"
        page = await client.get("/chat")
        html = await page.text()
        assert page.status == 200
        assert "Đăng nhập Cổng Dịch vụ công" in html
        assert 'value="guide:dang-nhap-cong-dvc"' in html
        cookie = page.cookies["dvcbot_visitor"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax"


async def test_json_endpoint_answers_a_button_and_stores_only_a_pseudonym(
    database_url: str,
) -> None:
    async with web_client(database_url) as client:
        token = csrf_from(await (await client.get("/chat")).text())
        visitor = client.session.cookie_jar.filter_cookies(client.make_url("/"))[
            "dvcbot_visitor"
        ].value
        response = await client.post(
            "/chat/api", json={"payload": "guide:vneid-muc-2"}, headers={"X-CSRF-Token": token}
        )
        body = await response.json()
        assert response.status == 200
        first = body["replies"][0]
        assert "Bước 1/" in first["text"]
        assert any(b.get("payload") == "guide:vneid-muc-2:2" for b in first["buttons"])
    engine = db.create_engine(database_url)
    async with db.session_factory(engine)() as session:
        contact = await session.scalar(select(Contact))
        assert contact is not None and contact.channel == "web"
        assert visitor not in contact.platform_user_id
        assert await session.scalar(select(func.count()).select_from(Interaction)) == 1
    await engine.dispose()


async def test_posts_without_token_or_from_another_site_are_refused(database_url: str) -> None:
    async with web_client(database_url) as client:
        token = csrf_from(await (await client.get("/chat")).text())
        no_token = await client.post("/chat/api", json={"text": "menu"})
        assert no_token.status == 403
        cross = await client.post(
            "/chat/api",
            json={"text": "menu"},
            headers={"X-CSRF-Token": token, "Origin": "https://evil.example"},
        )
        assert cross.status == 403
        form = await client.post("/chat", data={"text": "menu", "csrf": "wrong"})
        assert form.status == 403
        assert "cookie" in await form.text()


async def test_the_form_works_without_javascript(database_url: str) -> None:
    async with web_client(database_url) as client:
        token = csrf_from(await (await client.get("/chat")).text())
        page = await client.post("/chat", data={"text": "xin chào", "csrf": token})
        html = await page.text()
        assert page.status == 200
        assert "xin chào" in html and "Đăng nhập Cổng Dịch vụ công" in html
        page = await client.post("/chat", data={"payload": "guide:vneid-muc-2", "csrf": token})
        assert "Bước 1/" in await page.text()


async def test_text_is_escaped_and_links_are_clickable(database_url: str) -> None:
    async with web_client(database_url) as client:
        token = csrf_from(await (await client.get("/chat")).text())
        page = await client.post("/chat", data={"text": "<script>alert(1)</script>", "csrf": token})
        html = await page.text()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;" in html


async def test_a_visitor_who_sends_too_fast_is_asked_politely_to_wait(database_url: str) -> None:
    async with web_client(database_url, webchat_messages_per_minute=3) as client:
        token = csrf_from(await (await client.get("/chat")).text())
        statuses = []
        for _ in range(4):
            response = await client.post(
                "/chat/api", json={"text": "menu"}, headers={"X-CSRF-Token": token}
            )
            statuses.append(response.status)
        assert statuses == [200, 200, 200, 429]
        body = await response.json()
        assert "đợi" in body["replies"][0]["text"]


def test_links_in_text_become_anchors_and_everything_else_is_escaped() -> None:
    from bot.web.templating import linkify

    html = str(linkify("Vào https://dichvucong.gov.vn/p/home. <b>x</b> & y"))
    assert '<a href="https://dichvucong.gov.vn/p/home"' in html
    assert html.endswith(". &lt;b&gt;x&lt;/b&gt; &amp; y")
