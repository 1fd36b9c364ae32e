"""`dvcbot serve` with DVCBOT_ZALO_* pointing at a Zalo on loopback: signed events are answered
as customer-service messages, wrongly signed ones refused with 401."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from tests.support.fake_zalo import (
    APP_ID,
    APP_SECRET,
    OA_SECRET,
    USER_ID,
    FakeZalo,
    event,
    signed,
)
from tests.support.process import free_port, start_dvcbot


@asynccontextmanager
async def serving(tmp_path: Path, fake: FakeZalo) -> AsyncIterator[str]:
    """A `dvcbot serve` process configured for the fake Zalo; yields its base URL."""
    port = free_port()
    proc = start_dvcbot(
        ["serve"],
        tmp_path,
        DVCBOT_WEB_PORT=str(port),
        DVCBOT_ZALO_APP_ID=APP_ID,
        DVCBOT_ZALO_APP_SECRET=APP_SECRET,
        DVCBOT_ZALO_OA_SECRET=OA_SECRET,
        DVCBOT_ZALO_ACCESS_TOKEN=fake.access_token,
        DVCBOT_ZALO_REFRESH_TOKEN=fake.refresh_token,
        DVCBOT_ZALO_API_URL=fake.url,
        DVCBOT_ZALO_OAUTH_URL=fake.url,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_until_healthy(base, proc)
        yield base
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.to_thread(proc.communicate, timeout=30)
        assert proc.returncode == 0, err
        assert "Zalo Official Account" in out
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            await asyncio.to_thread(proc.communicate)


async def wait_until_healthy(base: str, proc: subprocess.Popen[str]) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if proc.poll() is not None:
                raise AssertionError(proc.communicate()[1])
            try:
                async with http.get(base + "/healthz") as response:
                    health = await response.json()
                    assert health["zalo"]["status"] == "ok", health
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise AssertionError("dvcbot serve did not start")


async def post(base: str, payload: dict, secret: str = OA_SECRET) -> int:
    body, headers = signed(payload, secret)
    async with (
        aiohttp.ClientSession() as http,
        http.post(base + "/zalo/webhook", data=body, headers=headers) as response,
    ):
        return response.status


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    server = FakeZalo()
    await server.start()
    yield server
    await server.close()


async def test_serve_answers_zalo_messages_and_refuses_forged_ones(
    tmp_path: Path, fake: FakeZalo
) -> None:
    async with serving(tmp_path, fake) as base:
        assert await post(base, event("user_send_text", text="menu"), "forged") == 401
        assert await post(base, event("user_send_text", text="menu", msg_id="m1")) == 200
        [menu] = await fake.wait_for(1)
        labels = [b["title"] for b in menu["attachment"]["payload"]["buttons"]]
        assert "🪪 Tài khoản VNeID mức 2" in labels
        press = event("user_send_text", text="#guide:vneid-muc-2", msg_id="m2")
        assert await post(base, press) == 200
        guide = (await fake.wait_for(2))[1]
        assert "VNeID mức 2" in guide["text"]
        assert fake.messages[-1].body["recipient"] == {"user_id": USER_ID}
    assert len(fake.messages) == 2  # the forged event caused nothing


async def test_serve_sends_the_vneid_guide_for_dang_ky_vneid(
    tmp_path: Path, fake: FakeZalo
) -> None:
    async with serving(tmp_path, fake) as base:
        assert await post(base, event("user_send_text", text="dang ky vneid")) == 200
        [reply] = await fake.wait_for(1)
        assert "VNeID" in reply["text"]
