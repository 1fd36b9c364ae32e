"""The issue's 'done when', end to end through real processes and the fake Telegram server.

An admin creates a team with the CLI, a member joins through the invite link, 200 citizens start
the bot through the member's referral link, and the member's /phatsong broadcast of the VNeID
guide reaches each of the 200 exactly once without ever exceeding 30 messages a second.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from tests.bot.broadcast.test_processes import stop
from tests.support.fake_telegram import FakeTelegram
from tests.support.process import free_port, run_dvcbot, start_dvcbot

MEMBER = 77
CITIZENS = range(50_000, 50_200)
GUIDE_TITLE = "Tài khoản định danh điện tử VNeID mức 2"


async def test_a_team_member_reaches_200_referred_citizens_exactly_once_within_the_rate(
    tmp_path: Path,
) -> None:
    async with FakeTelegram() as tg:
        env = {
            "DVCBOT_TELEGRAM_TOKEN": tg.token,
            "DVCBOT_TELEGRAM_API_URL": tg.base_url,
            "DVCBOT_TELEGRAM_USERNAME": tg.bot_username,
            "DVCBOT_BROADCAST_QUIET_HOURS": "",
            "DVCBOT_LOG_LEVEL": "WARNING",
        }
        created = run_dvcbot(
            [
                "teams",
                "create",
                "--province",
                "42",
                "--commune",
                "18562",
                "--name",
                "Tổ CNS xã Thạch Hà",
            ],
            tmp_path,
            **env,
        )
        assert created.returncode == 0, created.stderr
        invite = re.search(r"https://t\.me/dvc_test_bot\?start=(join_\S+)", created.stdout)
        assert invite, created.stdout

        server = start_dvcbot(["serve"], tmp_path, DVCBOT_WEB_PORT=str(free_port()), **env)
        try:
            tg.queue_update(tg.message(MEMBER, f"/start {invite.group(1)}"))
            await tg.wait_for("sendMessage", where=lambda c: "Chào mừng" in c.text, timeout=60)
            tg.queue_update(tg.message(MEMBER, "/gioithieu"))
            link = await tg.wait_for("sendMessage", where=lambda c: "start=ref_" in c.text)
            ref = re.search(r"start=(ref_\S+)", link[0].text)
            assert ref

            for chat in CITIZENS:
                tg.queue_update(tg.message(chat, f"/start {ref.group(1)}"))
            await tg.wait_for(
                "sendMessage",
                count=200,
                timeout=120,
                where=lambda c: "được Tổ CNS xã Thạch Hà giới thiệu" in c.text,
            )

            # Telegram's 30 messages/s per bot, enforced. (The preview's three messages to the
            # author are one reply, which private chats allow in a burst.)
            tg.rate_limit(per_second=30)
            tg.queue_update(tg.message(MEMBER, "/phatsong"))
            await tg.wait_for("sendMessage", where=lambda c: "bạn muốn gửi gì" in c.text)
            tg.queue_update(tg.callback(MEMBER, "cast:what:guide"))
            await tg.wait_for("sendMessage", where=lambda c: "Chọn hướng dẫn" in c.text)
            tg.queue_update(tg.callback(MEMBER, "cast:guide:vneid-muc-2"))
            await tg.wait_for(
                "sendMessage",
                where=lambda c: any("tổ đã giới thiệu (200)" in b["text"] for b in c.buttons),
            )
            tg.queue_update(tg.callback(MEMBER, "cast:aud:team"))
            await tg.wait_for("sendMessage", where=lambda c: "Gửi khi nào" in c.text)
            tg.queue_update(tg.callback(MEMBER, "cast:now"))
            await tg.wait_for("sendMessage", where=lambda c: "Gửi ngay tới 200 người" in c.text)
            tg.queue_update(tg.callback(MEMBER, "cast:send"))
            guides = await tg.wait_for(
                "sendMessage",
                count=200,
                timeout=120,
                where=lambda c: c.chat_id != str(MEMBER) and GUIDE_TITLE in c.text,
            )
            await tg.wait_for(
                "sendMessage", where=lambda c: "200/200 người đã nhận" in c.text, timeout=30
            )
        finally:
            stop(server)

    received = Counter(
        c.chat_id
        for c in tg.calls_to("sendMessage")
        if c.status == 200 and GUIDE_TITLE in c.text and c.chat_id != str(MEMBER)
    )
    assert received == {str(chat): 1 for chat in CITIZENS}
    rejected = [(c.method, c.chat_id) for c in tg.calls if c.status == 429]
    assert rejected == [], "never over 30 messages a second"
    times = sorted(c.at for c in guides)
    assert all(b - a >= 1.0 for a, b in zip(times, times[30:], strict=False)), "≤ 30 in any second"
