"""Proactive sending through TelegramChannel: every outcome classified, blocks remembered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.channels.base import DeliveryStatus
from bot.channels.telegram.channel import TelegramChannel
from handlers.types import Attachment, Button, Reply
from storage import contacts
from storage.models import Contact
from tests.bot.channels.telegram.conftest import Dvcbot
from tests.support.fake_telegram import FakeTelegram

GUIDE = Reply(text="Hướng dẫn mới <VNeID> & bạn", buttons=(Button("Xem", payload="menu"),))


def channel(bot: Dvcbot) -> TelegramChannel:
    found = bot.runtime.channels["telegram"]
    assert isinstance(found, TelegramChannel)
    return found


async def test_a_sent_message_is_escaped_html_with_its_keyboard(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    result = await channel(webhook).send("42", [GUIDE])
    assert result.ok
    [call] = tg.sent()
    assert call.params["text"] == "Hướng dẫn mới &lt;VNeID&gt; &amp; bạn"
    assert call.buttons == [{"text": "Xem", "callback_data": "menu"}]


async def test_one_message_to_many_chats_reaches_each_with_its_own_chat_id(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    listed = Reply(text="Nút trong danh sách", buttons=[Button("Xem", payload="menu")])  # type: ignore[arg-type]
    for chat in ("41", "42", "43"):
        assert (await channel(webhook).send(chat, [GUIDE])).ok
    assert (await channel(webhook).send("44", [listed])).ok  # not hashable: still sent
    calls = tg.sent()
    assert [c.chat_id for c in calls] == ["41", "42", "43", "44"]
    assert {c.params["text"] for c in calls[:3]} == {"Hướng dẫn mới &lt;VNeID&gt; &amp; bạn"}
    assert calls[3].buttons == [{"text": "Xem", "callback_data": "menu"}]


async def test_a_broadcast_goes_on_the_wire_as_ptb_sends_the_same_message(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    # Broadcasts are encoded once for all their recipients (telegram/prepared.py); each
    # recipient must get exactly what PTB's own call sends, keyboard and all.
    long = Reply(text="Dòng một\n" * 700 + "& hết", buttons=GUIDE.buttons)  # two messages
    for reply in (GUIDE, long):
        assert (await channel(webhook).reply("41", [reply])).ok
        assert (await channel(webhook).send("42", [reply])).ok
        assert (await channel(webhook).send("-1001", [reply])).ok
    calls = tg.sent()
    by_ptb = [c.params for c in calls if c.chat_id == "41"]
    for chat in ("42", "-1001"):
        ours = [{**c.params, "chat_id": "41"} for c in calls if c.chat_id == chat]
        assert ours == by_ptb
    assert len(by_ptb) == 3


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        ({"status": 403}, DeliveryStatus.BLOCKED),
        ({"status": 400}, DeliveryStatus.FAILED_PERMANENT),
        ({"status": 500}, DeliveryStatus.FAILED_TRANSIENT),
        ({"status": "drop"}, DeliveryStatus.FAILED_TRANSIENT),
    ],
)
async def test_each_failure_is_classified(
    webhook: Dvcbot, tg: FakeTelegram, failure: dict[str, object], status: DeliveryStatus
) -> None:
    tg.fail_next("sendMessage", failure["status"])  # type: ignore[arg-type]
    result = await channel(webhook).send("42", [GUIDE])
    assert result.status is status
    assert len(tg.calls_to("sendMessage")) == 1, "a proactive send is tried once"


async def test_a_429_is_reported_with_retry_after_not_retried(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    tg.fail_next("sendMessage", 429, retry_after=2)
    result = await channel(webhook).send("42", [GUIDE])
    assert result.status is DeliveryStatus.RATE_LIMITED
    assert result.retry_after == 2
    assert len(tg.calls_to("sendMessage")) == 1


async def test_the_enforced_flood_limit_is_reported_as_rate_limited(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    tg.rate_limit(per_chat_per_second=1, retry_after=1)
    first = await channel(webhook).send("42", [GUIDE])
    second = await channel(webhook).send("42", [GUIDE])
    assert first.ok
    assert second.status is DeliveryStatus.RATE_LIMITED
    assert tg.rejected == 1


async def test_a_blocked_person_is_marked_unreachable(webhook: Dvcbot, tg: FakeTelegram) -> None:
    async with webhook.runtime.sessions() as session, session.begin():
        await contacts.get_or_create(session, "telegram", "42", "42")
        await contacts.get_or_create(session, "zalo", "42", "42")
    tg.block(42)
    result = await channel(webhook).send("42", [GUIDE])
    assert result.status is DeliveryStatus.BLOCKED
    async with webhook.runtime.sessions() as session:
        people = {c.channel: c for c in (await session.scalars(select(Contact))).all()}
    assert people["telegram"].unreachable_at is not None
    assert people["zalo"].unreachable_at is None


async def test_images_and_documents_are_uploaded(webhook: Dvcbot, tg: FakeTelegram) -> None:
    image = Attachment("qr.png", b"\x89PNG...", "image/png")
    report = Attachment("bao-cao.csv", "xã,số\n".encode(), "text/csv")
    result = await channel(webhook).send(
        "42", [Reply(text="Mã QR của tổ", image=image), Reply(document=report)]
    )
    assert result.ok
    photo, document = tg.sent()
    assert photo.method == "sendPhoto"
    assert photo.files["photo"].data == image.data
    assert photo.params["caption"] == "Mã QR của tổ"
    assert document.files["document"].filename == "bao-cao.csv"
    assert document.files["document"].data == report.data


async def test_a_picture_sent_to_many_chats_is_uploaded_to_each(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    poster = Reply(text="Áp phích VNeID", image=Attachment("vneid.png", b"\x89PNG-1", "image/png"))
    for chat in ("51", "52"):
        assert (await channel(webhook).send(chat, [poster])).ok
    first, second = tg.sent()
    assert (first.chat_id, second.chat_id) == ("51", "52")
    assert first.files["photo"].data == second.files["photo"].data == b"\x89PNG-1"
    assert second.params["caption"] == "Áp phích VNeID"


async def test_per_chat_command_menus_for_people_with_roles(
    webhook: Dvcbot, tg: FakeTelegram
) -> None:
    set_commands = webhook.runtime.services["telegram_set_commands"]
    assert await set_commands("42", [("to", "Việc của tổ công nghệ số")])
    commands = tg.commands["chat:42/"]
    assert [c["command"] for c in commands] == ["start", "menu", "help", "hoicanbo", "huy", "to"]
    assert await set_commands("42", [])
    assert "chat:42/" not in tg.commands
    with pytest.raises(ValueError):
        await set_commands("42", [("Bad Command", "x")])
