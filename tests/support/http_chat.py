"""Talk to a running dvcbot over plain HTTP (a subprocess or a container), as a browser would."""

from __future__ import annotations

import http.cookiejar
import json
import time
import urllib.request

from tests.support.web import csrf_from


def wait_for_health(base_url: str, timeout: float = 60.0) -> dict[str, object]:
    """/healthz's JSON once it answers 200; raises the last error after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=3) as response:
                return dict(json.loads(response.read()))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def post_chat_message(base_url: str, text: str) -> list[dict[str, object]]:
    """Open /chat (cookie and CSRF token), then POST one message to /chat/api; its replies."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(f"{base_url}/chat", timeout=10) as page:
        token = csrf_from(page.read().decode())
    request = urllib.request.Request(
        f"{base_url}/chat/api",
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json", "X-CSRF-Token": token},
        method="POST",
    )
    with opener.open(request, timeout=20) as response:
        assert response.status == 200
        return list(json.loads(response.read())["replies"])
