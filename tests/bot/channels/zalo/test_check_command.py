"""`dvcbot zalo check` tells an operator, before going live, whether Zalo accepts the tokens."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from tests.support.fake_zalo import APP_ID, APP_SECRET, OA_ID, OA_NAME, OA_SECRET, FakeZalo
from tests.support.process import run_dvcbot


async def check(tmp_path: Path, fake: FakeZalo, **extra: str) -> subprocess.CompletedProcess[str]:
    settings = {
        "DVCBOT_ZALO_APP_ID": APP_ID,
        "DVCBOT_ZALO_APP_SECRET": APP_SECRET,
        "DVCBOT_ZALO_OA_SECRET": OA_SECRET,
        "DVCBOT_ZALO_ACCESS_TOKEN": "access-0",
        "DVCBOT_ZALO_REFRESH_TOKEN": "refresh-0",
        "DVCBOT_ZALO_API_URL": fake.url,
        "DVCBOT_ZALO_OAUTH_URL": fake.url,
        "DVCBOT_UI_LANG": "en",
        "DVCBOT_PUBLIC_URL": "https://dvc.example.vn",
        **extra,
    }
    return await asyncio.to_thread(run_dvcbot, ["zalo", "check"], tmp_path, **settings)


async def test_check_shows_the_oa_and_the_webhook_address_refreshing_once(
    tmp_path: Path, fake: FakeZalo
) -> None:
    fake.expire_access_token()
    result = await check(tmp_path, fake)
    assert result.returncode == 0, result.stderr
    assert f"{OA_NAME} (id {OA_ID})" in result.stdout
    assert "https://dvc.example.vn/zalo/webhook" in result.stdout
    assert "valid until" in result.stdout
    assert len(fake.refreshes) == 1
    again = await check(tmp_path, fake)  # the rotated pair was saved: no second refresh
    assert again.returncode == 0, again.stderr
    assert len(fake.refreshes) == 1


async def test_check_fails_clearly_when_zalo_refuses(tmp_path: Path, fake: FakeZalo) -> None:
    fake.refresh_tokens.clear()
    fake.expire_access_token()
    result = await check(tmp_path, fake)
    assert result.returncode == 1
    assert "Invalid refresh token" in result.stderr
    assert "Traceback" not in result.stderr
    assert "refresh-0" not in result.stderr + result.stdout  # tokens never printed


async def test_check_without_zalo_settings_exits_2(tmp_path: Path) -> None:
    result = await asyncio.to_thread(run_dvcbot, ["zalo", "check"], tmp_path, DVCBOT_UI_LANG="en")
    assert result.returncode == 2
    assert "DVCBOT_ZALO_" in result.stderr
