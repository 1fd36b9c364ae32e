"""Sending to Zalo: every error code Zalo answers leads to the right delivery result and the
contact is marked when the person is out of reach; proactive sends respect the window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.channels.base import DeliveryStatus
from bot.channels.zalo.channel import Backoff
from handlers.types import Attachment, Button, Reply, utcnow
from storage.models import Contact
from tests.bot.channels.zalo.conftest import ZaloApp
from tests.support.fake_zalo import USER_ID

NEWS = Reply(
    text="Tin mới: hướng dẫn nộp hồ sơ trực tuyến", buttons=(Button("Xem", payload="menu"),)
)


async def test_the_seven_day_window_error_marks_the_contact_and_is_not_retried(
    zalo: ZaloApp,
) -> None:
    await zalo.say("menu")
    zalo.fake.fail_next(-230, "User has not interacted with the OA in the last 7 days")
    assert await zalo.say("menu") == []
    contact = await zalo.contact()
    assert contact is not None and contact.outside_window_at is not None
    calls = len(zalo.fake.messages)
    result = await zalo.runtime.channels["zalo"].send(USER_ID, [NEWS])
    assert result.status is DeliveryStatus.OUTSIDE_WINDOW
    assert len(zalo.fake.messages) == calls  # never retried
    assert len(await zalo.say("menu")) == 1  # writing again opens the window
    contact = await zalo.contact()
    assert contact is not None and contact.outside_window_at is None


@pytest.mark.parametrize("code", [-213, -227, -244])
async def test_a_blocked_or_unfollowed_person_becomes_unreachable(zalo: ZaloApp, code: int) -> None:
    await zalo.say("menu")
    zalo.fake.fail_next(code)
    result = await zalo.runtime.channels["zalo"].send(USER_ID, [NEWS])
    assert result.status is DeliveryStatus.BLOCKED
    contact = await zalo.contact()
    assert contact is not None and contact.unreachable_at is not None
    calls = len(zalo.fake.messages)
    again = await zalo.runtime.channels["zalo"].send(USER_ID, [NEWS])
    assert again.status is DeliveryStatus.BLOCKED
    assert len(zalo.fake.messages) == calls


async def test_a_rate_limited_reply_waits_and_is_delivered(zalo: ZaloApp) -> None:
    zalo.service.channel.backoff = Backoff(first=0.01, longest=0.05)
    zalo.fake.fail_next(-32, "Your application reached limit call api", times=2)
    [reply] = await zalo.say("menu")
    assert "dvcbot" in reply["text"]
    assert [m.answer["error"] for m in zalo.fake.messages] == [-32, -32, 0]


async def test_a_rate_limited_broadcast_message_is_handed_back_with_a_delay(
    zalo: ZaloApp,
) -> None:
    zalo.service.channel.backoff = Backoff(first=30, longest=60)
    await zalo.say("menu")
    zalo.fake.fail_next(-32)
    result = await zalo.runtime.channels["zalo"].send(USER_ID, [NEWS])
    assert result.status is DeliveryStatus.RATE_LIMITED
    assert result.retry_after == 30
    calls = len(zalo.fake.messages)
    later = await zalo.runtime.channels["zalo"].send(USER_ID, [NEWS])  # still backing off
    assert later.status is DeliveryStatus.RATE_LIMITED and later.retry_after is not None
    assert len(zalo.fake.messages) == calls


@pytest.mark.parametrize("code", [-201, -223, -321])
async def test_other_errors_fail_permanently_with_their_code_logged(
    zalo: ZaloApp, code: int, caplog: pytest.LogCaptureFixture
) -> None:
    zalo.fake.fail_next(code)
    result = await zalo.runtime.channels["zalo"].send("someone", [NEWS])
    assert result.status is DeliveryStatus.FAILED_PERMANENT
    assert str(code) in (result.error or "")
    assert str(code) in caplog.text


async def test_an_unreachable_zalo_is_a_transient_failure(zalo: ZaloApp) -> None:
    await zalo.fake.close()
    result = await zalo.runtime.channels["zalo"].send("someone", [NEWS])
    assert result.status is DeliveryStatus.FAILED_TRANSIENT


async def test_a_proactive_message_reaches_a_recent_contact(zalo: ZaloApp) -> None:
    await zalo.say("menu")
    result = await zalo.runtime.channels["zalo"].send(USER_ID, [NEWS])
    assert result.ok
    message = zalo.fake.delivered(USER_ID)[-1]
    assert message["text"] == NEWS.text
    assert message["attachment"]["payload"]["buttons"][0]["payload"] == "#menu"


async def test_a_contact_silent_for_over_a_week_is_not_messaged(zalo: ZaloApp) -> None:
    await zalo.say("menu")
    async with zalo.runtime.sessions() as session, session.begin():
        await session.execute(update(Contact).values(last_seen_at=utcnow() - timedelta(days=8)))
    calls = len(zalo.fake.messages)
    result = await zalo.runtime.channels["zalo"].send(USER_ID, [NEWS])
    assert result.status is DeliveryStatus.OUTSIDE_WINDOW
    assert len(zalo.fake.messages) == calls
    contact = await zalo.contact()
    assert contact is not None and contact.outside_window_at is not None


async def test_images_and_documents_are_uploaded_then_sent(zalo: ZaloApp) -> None:
    png = Attachment("qr.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
    pdf = Attachment("to-khai.pdf", b"%PDF-1.4 test", "application/pdf")
    result = await zalo.runtime.channels["zalo"].send(
        "someone", [Reply(text="Mã QR của bạn", image=png, document=pdf)]
    )
    assert result.ok
    image_upload, file_upload = zalo.fake.uploads
    assert image_upload.path == "/v2.0/oa/upload/image"
    assert image_upload.body == {"filename": "qr.png", "content_type": "image/png", "size": 108}
    assert file_upload.path == "/v2.0/oa/upload/file"
    image, document, text = zalo.fake.delivered()
    element = image["attachment"]["payload"]["elements"][0]
    assert element == {
        "media_type": "image",
        "attachment_id": image_upload.answer["data"]["attachment_id"],
    }
    assert document["attachment"] == {
        "type": "file",
        "payload": {"token": file_upload.answer["data"]["token"]},
    }
    assert text == {"text": "Mã QR của bạn"}


async def test_a_refused_attachment_does_not_stop_the_text(zalo: ZaloApp) -> None:
    zalo.fake.fail_next(-201, "file type not supported")
    doc = Attachment("bang.xlsx", b"PK..", "application/vnd.ms-excel")
    result = await zalo.runtime.channels["zalo"].send(
        "someone", [Reply(text="Bảng lệ phí", document=doc)]
    )
    assert result.ok
    assert zalo.fake.texts() == ["Bảng lệ phí"]
