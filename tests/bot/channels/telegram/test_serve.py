"""`dvcbot serve` as operators run it, against a Bot API server on loopback, in both modes;
and the `dvcbot telegram` commands that manage the webhook."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from tests.bot.channels.telegram.conftest import SECRET, TOKEN
from tests.support.fake_telegram import FakeTelegram
from tests.support.process import dvcbot_env, free_port


@asynccontextmanager
async def dvcbot(
    args: list[str], workdir: Path, **env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run `python -m bot ARGS` while this test's event loop keeps the fake server going."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=workdir,
        env=dvcbot_env(workdir, **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def run(args: list[str], workdir: Path, **env: str) -> tuple[int, str, str]:
    async with dvcbot(args, workdir, **env) as proc:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def stop(proc: asyncio.subprocess.Process) -> tuple[str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    return out.decode(), err.decode()


async def test_serve_answers_start_with_the_menu_over_long_polling(tmp_path: Path) -> None:
    async with FakeTelegram(TOKEN) as tg:
        env = {"DVCBOT_TELEGRAM_TOKEN": TOKEN, "DVCBOT_TELEGRAM_API_URL": tg.base_url}
        env["DVCBOT_WEB_PORT"] = str(free_port())
        env["DVCBOT_LOG_LEVEL"] = "DEBUG"
        tg.queue_update(tg.message(42, "/start"))  # waits at the fake until the bot polls
        tg.queue_update(tg.message(42, "số CCCD của tôi là 001099012345"))
        async with dvcbot(["serve"], tmp_path, **env) as proc:
            menu, _answer = await tg.wait_for("sendMessage", 2, timeout=60)
            out, err = await stop(proc)
    assert proc.returncode == 0, err
    assert "Xin chào" in menu.text
    assert menu.buttons
    assert tg.calls_to("deleteWebhook"), "polling starts by removing any webhook"
    assert "Telegram" in out
    assert "Traceback" not in err
    assert TOKEN not in out + err, "the token is never printed or logged, even at DEBUG"
    assert "001099012345" not in out + err, "nor what people write"


async def test_serve_answers_start_with_the_menu_through_the_webhook(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    async with FakeTelegram(TOKEN) as tg:
        env = {
            "DVCBOT_TELEGRAM_TOKEN": TOKEN,
            "DVCBOT_TELEGRAM_API_URL": tg.base_url,
            "DVCBOT_TELEGRAM_MODE": "webhook",
            "DVCBOT_TELEGRAM_WEBHOOK_URL": url,
            "DVCBOT_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "DVCBOT_WEB_PORT": str(port),
        }
        async with dvcbot(["serve"], tmp_path, **env) as proc:
            await tg.wait_for("setWebhook", timeout=60)
            await wait_for_health(port)
            assert await tg.deliver({"update_id": 1, **tg.message(42, "/start")}) == 200
            [menu] = await tg.wait_for("sendMessage", timeout=30)
            out, err = await stop(proc)
    assert proc.returncode == 0, err
    assert "Xin chào" in menu.text and menu.buttons
    assert tg.calls_to("getUpdates") == []
    assert "/telegram/webhook" in out
    assert SECRET not in out + err and TOKEN not in out + err


async def test_webhook_mode_without_its_settings_names_the_missing_variables(
    tmp_path: Path,
) -> None:
    code, _out, err = await run(
        ["serve"], tmp_path, DVCBOT_TELEGRAM_TOKEN=TOKEN, DVCBOT_TELEGRAM_MODE="webhook"
    )
    assert code == 2
    assert "DVCBOT_TELEGRAM_WEBHOOK_URL" in err and "DVCBOT_TELEGRAM_WEBHOOK_SECRET" in err
    assert "Traceback" not in err


async def test_telegram_commands_set_show_and_delete_the_webhook(tmp_path: Path) -> None:
    async with FakeTelegram(TOKEN) as tg:
        env = {
            "DVCBOT_TELEGRAM_TOKEN": TOKEN,
            "DVCBOT_TELEGRAM_API_URL": tg.base_url,
            "DVCBOT_TELEGRAM_WEBHOOK_URL": "https://bot.example.vn/telegram/webhook",
            "DVCBOT_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "DVCBOT_UI_LANG": "en",
        }
        code, out, err = await run(["telegram", "set-webhook"], tmp_path, **env)
        assert code == 0, err
        assert tg.webhook["url"] == "https://bot.example.vn/telegram/webhook"
        assert tg.webhook["secret_token"] == SECRET

        code, out, err = await run(["telegram", "info"], tmp_path, **env)
        assert code == 0, err
        assert "@dvc_test_bot" in out
        assert "https://bot.example.vn/telegram/webhook" in out

        code, out, err = await run(["telegram", "delete-webhook"], tmp_path, **env)
        assert code == 0, err
        assert tg.webhook == {}

        tg.fail_next("getWebhookInfo", 500)
        code, out, err = await run(["telegram", "info"], tmp_path, **env)
        assert code == 1
        assert "Internal Server Error" in err and "Traceback" not in err

        env["DVCBOT_TELEGRAM_TOKEN"] = "999:wrong"
        code, out, err = await run(["telegram", "info"], tmp_path, **env)
        assert code == 1
        assert "Telegram refused DVCBOT_TELEGRAM_TOKEN" in err
        assert "999:wrong" not in out + err


async def test_telegram_commands_without_a_token_exit_2(tmp_path: Path) -> None:
    code, _out, err = await run(["telegram", "info"], tmp_path)
    assert code == 2
    assert "DVCBOT_TELEGRAM_TOKEN" in err


async def wait_for_health(port: int) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("dvcbot serve never became healthy")


async def test_serve_with_a_token_telegram_refuses_stops_with_a_clear_message(
    tmp_path: Path,
) -> None:
    async with FakeTelegram(TOKEN) as tg:
        code, _out, err = await run(
            ["serve"],
            tmp_path,
            DVCBOT_TELEGRAM_TOKEN="999:wrong",
            DVCBOT_TELEGRAM_API_URL=tg.base_url,
            DVCBOT_WEB_PORT=str(free_port()),
            DVCBOT_UI_LANG="en",
        )
    assert code == 1
    assert "Telegram refused DVCBOT_TELEGRAM_TOKEN" in err
    assert "Traceback" not in err
    assert "999:wrong" not in err
