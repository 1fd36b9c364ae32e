"""Issue 17, done when: after /xoadulieu nothing in the database points at the person.

A citizen on Telegram (webhook) and one on Zalo each write a question with their phone number
and erase their data, through the real app and the fake platforms. Then every row of every
table is dumped and searched for their platform ids, their name, their phone number in any
format, and any unkeyed hash of their ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import OutreachEvent
from storage.redaction import PHONE
from tests.support.fake_zalo import event
from tests.support.platforms import Platforms, platforms

TELEGRAM_ID = 7390012345
ZALO_ID = "5512093384476612001"
NAME = "Nguyễn Văn An"
QUESTION = "Tôi tên Nguyễn Văn An, SĐT {phone}, hỏi về sổ hộ khẩu giấy cũ còn dùng không ạ"
PHONES = {"telegram": "0912 345 678", "zalo": "+84 987.654.321"}


class Both:
    """Two citizens, one on each platform, talking to one app."""

    def __init__(self, app: Platforms) -> None:
        self.app, self.tg, self.zalo = app, app.tg, app.zalo
        self.engine = app.engine
        self.msg = 0

    async def telegram(self, update: dict) -> None:
        assert await self.app.telegram(update) == 200

    async def telegram_says(self, text: str) -> list:
        before = len(self.tg.calls_to("sendMessage"))
        await self.telegram(self.tg.message(TELEGRAM_ID, text, first_name=NAME))
        return (await self.tg.wait_for("sendMessage", before + 1))[before:]

    async def zalo_says(self, text: str) -> list[dict]:
        self.msg += 1
        payload = event("user_send_text", text=text, msg_id=f"zmsg{self.msg}", user=ZALO_ID)
        before = len(self.zalo.delivered())
        assert await self.app.zalo_event(payload) == 200
        await self.zalo.wait_for(before + 1)
        return self.zalo.delivered()[before:]


@pytest_asyncio.fixture
async def both(database_url: str) -> AsyncIterator[Both]:
    async with platforms(database_url) as app:
        yield Both(app)


async def dump(engine: AsyncEngine) -> str:
    """Every row of every table in the database (not only the ones the models know)."""
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        rows = []
        for table in tables:
            result = await conn.execute(text(f'SELECT * FROM "{table}"'))
            rows += [f"{table}: {tuple(row)}" for row in result]
    return "\n".join(rows)


def unkeyed_hashes(value: str) -> list[str]:
    """Hashes anyone could compute from an id without the secret (12-hex-digit heads)."""
    found = []
    for algorithm in ("md5", "sha1", "sha224", "sha256", "sha512", "blake2b"):
        for form in (value, f"telegram:{value}", f"zalo:{value}"):
            found.append(hashlib.new(algorithm, form.encode()).hexdigest()[:12])
    return found


async def test_after_erasure_no_platform_id_phone_number_or_unkeyed_hash_is_left(
    both: Both,
) -> None:
    await both.telegram_says("/start")
    await both.telegram_says(QUESTION.format(phone=PHONES["telegram"]))
    await both.zalo_says("/start")
    await both.zalo_says(QUESTION.format(phone=PHONES["zalo"]))

    # Before erasure: the questions are kept for content gaps, already without the phone.
    async with both.engine.connect() as conn:
        gaps = (
            await conn.scalars(
                select(OutreachEvent.detail).where(OutreachEvent.detail.is_not(None))
            )
        ).all()
    assert len([g for g in gaps if PHONE in g]) == 2, gaps
    # Only the conversation state (working memory, to hand the question to an officer) holds
    # what was typed; nothing kept for figures does.
    before = "\n".join(
        line
        for line in (await dump(both.engine)).splitlines()
        if not line.startswith("conversation_states:")
    )
    for phone in PHONES.values():
        core = re.sub(r"\D", "", phone)[-9:]
        assert core not in re.sub(r"\D", "", before), f"{phone} kept before erasure"

    [confirm] = await both.telegram_says("/xoadulieu")
    assert "Còn lại" in confirm.text and "Sẽ xoá" in confirm.text
    yes = next(b["callback_data"] for b in confirm.buttons if "Xoá" in b["text"])
    sent = len(both.tg.calls_to("sendMessage"))
    await both.telegram(both.tg.callback(TELEGRAM_ID, yes, first_name=NAME))
    [erased] = (await both.tg.wait_for("sendMessage", sent + 1))[sent:]
    assert "Đã xoá" in erased.text

    [ask] = await both.zalo_says("/xoadulieu")
    buttons = ask["attachment"]["payload"]["buttons"]
    yes_payload = next(b["payload"] for b in buttons if "Xoá" in b["title"])
    [done] = await both.zalo_says(yes_payload)
    assert "Đã xoá" in done["text"]

    everything = await dump(both.engine)
    assert "interactions" in everything and "outreach_events" in everything
    digits = re.sub(r"\D", "", everything)
    for phone in PHONES.values():
        core = re.sub(r"\D", "", phone)[-9:]
        assert core not in digits, f"phone number {phone} left in the database"
    for platform_id in (str(TELEGRAM_ID), ZALO_ID):
        assert platform_id not in everything
        assert platform_id not in digits
        for head in unkeyed_hashes(platform_id):
            assert head not in everything, "a hash computable without the secret"
    for word in ("Nguyễn", "Nguyen Van An", "nguyen van an", "ho khau giay cu"):
        assert word not in everything
