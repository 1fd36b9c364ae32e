"""Signed Zalo events reach the core and answers come back as customer-service messages;
anything forged, stale, malformed or oversized is refused without a trace."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest

from bot.inbox.plugin import INBOX
from storage.models import Contact, InboxItem, Interaction
from tests.bot.channels.zalo.conftest import ZaloApp
from tests.support.fake_zalo import APP_ID, OA_SECRET, USER_ID, encode, event, sign, signed


def buttons(message: dict) -> list[dict]:
    return message.get("attachment", {}).get("payload", {}).get("buttons", [])


async def test_a_signed_text_gets_the_menu_with_zalo_buttons(zalo: ZaloApp) -> None:
    sent = await zalo.say("xin chào")
    assert len(sent) == 1
    request = zalo.fake.messages[-1]
    assert request.path == "/v3.0/oa/message/cs"
    assert request.headers["access_token"] == zalo.fake.access_token
    assert request.body["recipient"] == {"user_id": USER_ID}
    message = sent[0]
    assert "dvcbot" in message["text"]
    titles = [b["title"] for b in buttons(message)]
    assert "🪪 Tài khoản VNeID mức 2" in titles
    vneid = buttons(message)[titles.index("🪪 Tài khoản VNeID mức 2")]
    assert vneid == {
        "title": "🪪 Tài khoản VNeID mức 2",
        "type": "oa.query.hide",
        "payload": "#guide:vneid-muc-2",
    }


async def test_pressing_a_zalo_button_opens_the_guide_and_walks_its_steps(zalo: ZaloApp) -> None:
    await zalo.say("menu")
    [step1] = await zalo.say("#guide:vneid-muc-2")  # a query button sends its payload as text
    assert "VNeID mức 2" in step1["text"]
    assert "Bước 1/" in step1["text"]
    payloads = [b["payload"] for b in buttons(step1)]
    assert "#guide:vneid-muc-2:2" in payloads
    [step2] = await zalo.say("#guide:vneid-muc-2:2")
    assert "Bước 2/" in step2["text"]
    async with zalo.runtime.sessions() as session:
        rows = (await session.execute(Interaction.__table__.select())).all()
    assert [r.kind for r in rows] == ["text", "button", "button"]


async def test_typing_a_number_presses_that_button(zalo: ZaloApp) -> None:
    await zalo.say("menu")
    [reply] = await zalo.say("2")
    assert "VNeID" in reply["text"]


async def test_typed_text_that_only_looks_like_a_payload_stays_text(zalo: ZaloApp) -> None:
    [reply] = await zalo.say("#hashtag")
    assert "chỉ giúp được" in reply["text"]


async def test_a_redelivered_message_is_answered_once(zalo: ZaloApp) -> None:
    payload = event("user_send_text", text="menu", msg_id="same-id")
    assert len(await zalo.deliver(payload)) == 1
    payload = event("user_send_text", text="menu", msg_id="same-id")  # Zalo's retry
    assert await zalo.deliver(payload) == []
    assert await zalo.count(Interaction) == 1


async def test_following_the_oa_greets_and_subscribes(zalo: ZaloApp) -> None:
    [greeting] = await zalo.deliver(event("follow"))
    assert "dvcbot" in greeting["text"]
    assert buttons(greeting)
    contact = await zalo.contact()
    assert contact is not None and contact.subscribed
    assert await zalo.deliver(event("unfollow")) == []
    contact = await zalo.contact()
    assert contact is not None and not contact.subscribed
    payload = event("follow")
    assert len(await zalo.deliver(payload)) == 1
    zalo.service.webhook.recent = type(zalo.service.webhook.recent)()  # another instance
    assert await zalo.deliver(payload) == []  # the same follow event again: no second greeting
    contact = await zalo.contact()
    assert contact is not None and contact.subscribed


@pytest.mark.parametrize(
    "name",
    [
        "user_send_image",
        "user_send_sticker",
        "user_send_location",
        "user_send_file",
        "user_send_audio",
    ],
)
async def test_media_gets_a_polite_answer_that_the_bot_reads_text(zalo: ZaloApp, name: str) -> None:
    [reply] = await zalo.deliver(event(name))
    assert "chỉ đọc được tin nhắn chữ" in reply["text"]
    assert [b["payload"] for b in buttons(reply)] == ["#menu"]


async def test_an_image_with_a_caption_is_answered_as_text(zalo: ZaloApp) -> None:
    [reply] = await zalo.deliver(event("user_send_image", text="menu"))
    assert "dvcbot" in reply["text"]


@pytest.mark.parametrize(
    "name", ["user_seen_message", "user_received_message", "oa_send_text", "user_submit_info"]
)
async def test_receipts_echoes_and_unknown_events_are_acknowledged_quietly(
    zalo: ZaloApp, name: str
) -> None:
    assert await zalo.deliver(event(name)) == []
    assert await zalo.count(Contact) == 0


async def assert_untouched(zalo: ZaloApp) -> None:
    await zalo.drain()
    assert await zalo.count(InboxItem) == 0
    assert zalo.fake.messages == []
    assert await zalo.count(Contact) == 0
    assert await zalo.count(Interaction) == 0


async def test_a_forged_signature_is_refused(zalo: ZaloApp) -> None:
    response = await zalo.post(event("user_send_text", text="menu"), secret="not-the-secret")
    assert response.status == 401
    await assert_untouched(zalo)


async def test_a_missing_signature_is_refused(zalo: ZaloApp) -> None:
    body = encode(event("user_send_text", text="menu"))
    response = await zalo.client.post("/zalo/webhook", data=body)
    assert response.status == 401
    await assert_untouched(zalo)


async def test_a_tampered_body_is_refused(zalo: ZaloApp) -> None:
    body, headers = signed(event("user_send_text", text="menu"))
    body = body.replace(b"menu", b"help")
    response = await zalo.client.post("/zalo/webhook", data=body, headers=headers)
    assert response.status == 401
    await assert_untouched(zalo)


async def test_a_replayed_old_event_is_refused(
    zalo: ZaloApp, caplog: pytest.LogCaptureFixture
) -> None:
    old = str(int((time.time() - 3600) * 1000))
    response = await zalo.post(event("user_send_text", text="menu", timestamp=old))
    assert response.status == 401
    assert "timestamp" in caplog.text
    await assert_untouched(zalo)


async def test_signed_malformed_json_is_a_bad_request(zalo: ZaloApp) -> None:
    stamp = str(int(time.time() * 1000))
    body = b'{"app_id":"' + APP_ID.encode() + b'","timestamp":"' + stamp.encode() + b'","event'
    headers = {"X-ZEvent-Signature": sign(APP_ID, body, stamp, OA_SECRET)}
    response = await zalo.client.post("/zalo/webhook", data=body, headers=headers)
    assert response.status == 400
    await assert_untouched(zalo)


async def test_signed_json_that_is_no_event_is_a_bad_request(zalo: ZaloApp) -> None:
    stamp = str(int(time.time() * 1000))
    body = json.dumps({"timestamp": stamp, "hello": "world"}).encode()
    headers = {"X-ZEvent-Signature": sign(APP_ID, body, stamp, OA_SECRET)}
    response = await zalo.client.post("/zalo/webhook", data=body, headers=headers)
    assert response.status == 400
    await assert_untouched(zalo)


async def test_a_huge_body_is_refused_unread(zalo: ZaloApp) -> None:
    response = await zalo.post(event("user_send_text", text="a" * 200_000))
    assert response.status == 413
    await assert_untouched(zalo)


async def test_healthz_shows_the_zalo_channel(zalo: ZaloApp) -> None:
    await zalo.post(event("user_send_text", text="menu"), secret="forged")
    await zalo.say("menu")
    health = await (await zalo.client.get("/healthz")).json()
    assert "zalo" in health["channels"]
    assert health["zalo"]["status"] == "ok"
    assert health["zalo"]["webhook"] == {
        "accepted": 1,
        "rejected": 1,
        "duplicates": 0,
    }


async def test_events_are_acknowledged_before_they_are_handled(zalo: ZaloApp) -> None:
    zalo.fake.gate = asyncio.Event()  # Zalo's API hangs
    response = await zalo.post(event("user_send_text", text="menu"))
    assert response.status == 200
    assert zalo.fake.delivered() == []
    assert await zalo.count(InboxItem) == 1  # stored before the 200: a crash now loses nothing
    zalo.fake.gate.set()
    await zalo.drain()
    assert len(zalo.fake.delivered()) == 1


async def test_shutdown_finishes_events_in_progress(zalo: ZaloApp) -> None:
    gate = zalo.fake.gate = asyncio.Event()
    await zalo.post(event("user_send_text", text="menu"))
    asyncio.get_running_loop().call_later(0.2, gate.set)
    await zalo.client.close()  # runs the app's cleanup, which waits for the event
    assert len(zalo.fake.delivered()) == 1


async def test_an_event_unfinished_at_shutdown_stays_in_the_inbox(zalo: ZaloApp) -> None:
    gate = zalo.fake.gate = asyncio.Event()
    await zalo.post(event("user_send_text", text="menu"))
    await asyncio.sleep(0.3)  # handled, its reply held up by Zalo's API
    await zalo.app[INBOX].worker.unregister("zalo", grace=0.05)
    assert zalo.fake.delivered() == []
    assert await zalo.count(InboxItem) == 1  # its reply is sent after the restart
    gate.set()


async def test_a_huge_body_without_a_length_is_cut_off(zalo: ZaloApp) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(80):
            yield b" " * 1024

    response = await zalo.client.post(
        "/zalo/webhook", data=chunks(), headers={"X-ZEvent-Signature": "mac=00"}
    )
    assert response.status == 413
    await assert_untouched(zalo)


async def test_an_event_without_a_message_id_holding_a_lone_surrogate_is_answered(
    zalo: ZaloApp,
) -> None:
    # No msg_id: the event is de-duplicated by a hash of its body, which UTF-8 cannot carry
    # as typed (a forged "\ud800" escape); it is stored and answered all the same.
    sent = await zalo.deliver(event("user_send_text", text="xin chào \ud800", msg_id=""))
    assert len(sent) == 1 and "dvcbot" in sent[0]["text"]
