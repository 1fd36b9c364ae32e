"""`dvcbot serve` starts, reports health, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from pathlib import Path

from tests.support.process import free_port, start_dvcbot


def wait_for(url: str, timeout: float = 30.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.loads(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_answers_healthz_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = start_dvcbot(["serve"], tmp_path, DVCBOT_WEB_PORT=str(port))
    try:
        health = wait_for(f"http://127.0.0.1:{port}/healthz")
        assert health["status"] == "ok"
        assert health["database"] == "ok"
        assert isinstance(health["content_version"], str) and health["content_version"]
        assert health["search"]["documents"] > 100  # guides, FAQ and procedures indexed
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}" in out
    # What is on, what is off and how to turn it on; no Telegram pace while Telegram is off.
    assert f"Đang bật: trò chuyện trên web: http://127.0.0.1:{port}/chat" in out
    assert "Đang tắt: Telegram. Để bật, đặt DVCBOT_TELEGRAM_TOKEN" in out
    assert "Đang tắt: Zalo Official Account. Để bật, đặt DVCBOT_ZALO_APP_ID" in out
    assert "Telegram 30" not in out and "cả hai đang tắt" in out
    assert "Traceback" not in err
