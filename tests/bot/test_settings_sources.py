"""Where settings come from in a deployment: secrets from files, image defaults that a .env
overrides, real environment variables over both, and the CLI's language from the same settings."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from bot import config
from bot.config import DEFAULTS_FILE, Settings, load_settings
from tests.support.fake_telegram import FakeTelegram
from tests.support.process import free_port, run_dvcbot, start_dvcbot

TOKEN = "987654321:AAH-never-printed_Secret0"


async def test_a_token_file_is_used_and_the_token_never_appears_in_the_output(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "telegram_token"
    secret.write_text(TOKEN + "\n", encoding="utf-8")  # editors and `echo` add a newline
    async with FakeTelegram(token=TOKEN) as tg:  # answers 401 to any other token
        proc = start_dvcbot(
            ["serve", "--upgrade"],
            tmp_path,
            DVCBOT_TELEGRAM_TOKEN_FILE=str(secret),
            DVCBOT_TELEGRAM_API_URL=tg.base_url,
            DVCBOT_WEB_PORT=str(free_port()),
            DVCBOT_LOG_LEVEL="DEBUG",
        )
        try:
            await tg.wait_for("getUpdates", timeout=60)
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.to_thread(proc.communicate, timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert tg.calls and all(call.status == 200 for call in tg.calls_to("getMe"))
    assert "Telegram" in out  # the channel was active
    for part in (TOKEN, TOKEN.split(":")[1]):
        assert part not in out and part not in err


def test_a_missing_secret_file_is_named_with_exit_status_2(tmp_path: Path) -> None:
    result = run_dvcbot(
        ["healthcheck"], tmp_path, DVCBOT_TELEGRAM_TOKEN_FILE=str(tmp_path / "absent")
    )
    assert result.returncode == 2
    assert "DVCBOT_TELEGRAM_TOKEN_FILE" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def image_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The image's defaults file, a working directory for .env, and no DVCBOT_ variables."""
    assert Settings.model_config["env_file"] == (DEFAULTS_FILE, ".env")  # the real order
    defaults = tmp_path / "defaults.env"
    monkeypatch.setitem(Settings.model_config, "env_file", (defaults, ".env"))
    monkeypatch.setattr(config, "DEFAULTS_FILE", defaults)
    work = tmp_path / "app"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in list(os.environ):
        if name.startswith("DVCBOT_"):
            monkeypatch.delenv(name)
    return defaults


def test_env_beats_dotenv_which_beats_the_image_defaults(
    image_defaults: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image_defaults.write_text(
        "DVCBOT_WEB_HOST=0.0.0.0\nDVCBOT_WEB_PORT=8080\n"
        "DVCBOT_DATABASE_URL=sqlite+aiosqlite:////data/dvcbot.db\n"
        "DVCBOT_PUBLIC_URL=https://defaults.example\n",
        encoding="utf-8",
    )
    Path(".env").write_text(
        "DVCBOT_WEB_PORT=9091\n"
        "DVCBOT_DATABASE_URL=postgresql+asyncpg://dvcbot@db/dvcbot\n"
        "DVCBOT_PUBLIC_URL=https://dotenv.example\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DVCBOT_PUBLIC_URL", "https://env.example")
    settings = load_settings()
    assert settings.web_host == "0.0.0.0"  # only in the defaults
    assert settings.web_port == 9091  # .env over the defaults
    assert settings.database_url == "postgresql+asyncpg://dvcbot@db/dvcbot"
    assert settings.public_url == "https://env.example"  # the environment over both


def test_a_secret_file_named_in_dotenv_beats_a_token_written_in_the_defaults(
    image_defaults: Path, tmp_path: Path
) -> None:
    image_defaults.write_text("DVCBOT_TELEGRAM_TOKEN=1:from-defaults\n", encoding="utf-8")
    secret = tmp_path / "token"
    secret.write_text("2:from-file", encoding="utf-8")
    Path(".env").write_text(f"DVCBOT_TELEGRAM_TOKEN_FILE={secret}\n", encoding="utf-8")
    token = load_settings().telegram_token
    assert token is not None and token.get_secret_value() == "2:from-file"
    assert "2:from-file" not in repr(load_settings())


def test_the_cli_speaks_the_language_of_dotenv_unless_the_environment_says_otherwise(
    tmp_path: Path,
) -> None:
    english = "run the bot: web app and every configured channel"
    assert english not in run_dvcbot(["--help"], tmp_path).stdout  # Vietnamese by default
    (tmp_path / ".env").write_text("DVCBOT_UI_LANG=en\n", encoding="utf-8")
    assert english in run_dvcbot(["--help"], tmp_path).stdout
    assert english not in run_dvcbot(["--help"], tmp_path, DVCBOT_UI_LANG="vi").stdout


def test_the_database_password_file_is_shared_with_the_postgres_container(
    image_defaults: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = tmp_path / "postgres_password"
    password.write_text("s3cret/with:odd@chars\n", encoding="utf-8")
    monkeypatch.setenv("DVCBOT_DATABASE_URL", "postgresql+asyncpg://dvcbot@db:5432/dvcbot")
    monkeypatch.setenv("DVCBOT_DATABASE_PASSWORD_FILE", str(password))
    from sqlalchemy.engine import make_url

    url = make_url(load_settings().database_url)
    assert (url.username, url.password, url.host, url.database) == (
        "dvcbot",
        "s3cret/with:odd@chars",
        "db",
        "dvcbot",
    )
    # A password written in the URL itself is kept as it is.
    monkeypatch.setenv("DVCBOT_DATABASE_URL", "postgresql+asyncpg://dvcbot:inline@db/dvcbot")
    assert make_url(load_settings().database_url).password == "inline"
