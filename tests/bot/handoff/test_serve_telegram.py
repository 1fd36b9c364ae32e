"""The issue's 'done when' on `dvcbot serve` with the fake Bot API: a citizen asks an officer,
an admin granted with the CLI is notified, replies to the notification, the citizen gets the
answer, and closing the ticket sends the rating question."""

from __future__ import annotations

from pathlib import Path

from tests.bot.broadcast.test_processes import stop
from tests.support.fake_telegram import FakeTelegram
from tests.support.process import free_port, run_dvcbot, start_dvcbot

ADMIN = 900
CITIZEN = 901
QUESTION = "Con tôi sinh ở nước ngoài thì đăng ký khai sinh ở đâu?"
ANSWER = "Bạn đăng ký tại UBND xã nơi cư trú, mang giấy chứng sinh nước ngoài đã hợp pháp hoá."


async def test_a_citizen_question_is_answered_by_an_admin_replying_on_telegram(
    tmp_path: Path,
) -> None:
    async with FakeTelegram() as tg:
        env = {
            "DVCBOT_TELEGRAM_TOKEN": tg.token,
            "DVCBOT_TELEGRAM_API_URL": tg.base_url,
            "DVCBOT_TELEGRAM_USERNAME": tg.bot_username,
            "DVCBOT_LOG_LEVEL": "WARNING",
        }
        server = start_dvcbot(["serve"], tmp_path, DVCBOT_WEB_PORT=str(free_port()), **env)
        try:
            tg.queue_update(tg.message(ADMIN, "/start"))
            await tg.wait_for("sendMessage", where=lambda c: c.chat_id == str(ADMIN), timeout=60)
            grant = ["roles", "grant", "--channel", "telegram", "--user", str(ADMIN)]
            granted = run_dvcbot([*grant, "--role", "admin"], tmp_path, **env)
            assert granted.returncode == 0, granted.stderr

            tg.queue_update(tg.message(CITIZEN, "/hoicanbo"))
            await tg.wait_for("sendMessage", where=lambda c: "muốn hỏi cán bộ" in c.text)
            tg.queue_update(tg.message(CITIZEN, QUESTION))
            await tg.wait_for("sendMessage", where=lambda c: "xã/phường nào" in c.text)
            tg.queue_update(tg.callback(CITIZEN, "ask:c:-"))
            confirmed = await tg.wait_for("sendMessage", where=lambda c: "Mã yêu cầu" in c.text)
            code = confirmed[0].text.split("#", 1)[1][:6]

            notified = await tg.wait_for(
                "sendMessage", where=lambda c: c.chat_id == str(ADMIN) and QUESTION in c.text
            )
            assert f"#{code}" in notified[0].text
            labels = [b["text"] for b in notified[0].buttons]
            assert any("Nhận xử lý" in label for label in labels)

            tg.queue_update(tg.message(ADMIN, ANSWER, reply_to=notified[0]))
            await tg.wait_for(
                "sendMessage", where=lambda c: c.chat_id == str(CITIZEN) and ANSWER in c.text
            )
            sent = await tg.wait_for(
                "sendMessage", where=lambda c: c.chat_id == str(ADMIN) and "Đã gửi" in c.text
            )
            close = [b for b in sent[0].buttons if "Đóng" in b["text"]]
            tg.queue_update(tg.callback(ADMIN, close[0]["callback_data"]))
            rating = await tg.wait_for(
                "sendMessage",
                where=lambda c: c.chat_id == str(CITIZEN) and "hỗ trợ yêu cầu" in c.text,
            )
            assert [b["text"] for b in rating[0].buttons] == [
                "😊 Hài lòng",
                "😐 Bình thường",
                "🙁 Chưa hài lòng",
            ]
        finally:
            stop(server)
        notifications = [
            c for c in tg.calls_to("sendMessage") if c.chat_id == str(ADMIN) and QUESTION in c.text
        ]
        assert len(notifications) == 1
