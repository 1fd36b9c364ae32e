"""Settings read once from the environment (prefix DVCBOT_) and an optional .env file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.i18n import _

BUNDLED_CONTENT = Path(__file__).resolve().parent.parent / "content" / "vi"
ENV_PREFIX = "DVCBOT_"


class Settings(BaseSettings):
    """Every setting of dvcbot; nobody else reads os.environ."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./dvcbot.db"
    content_dir: Path = BUNDLED_CONTENT
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    public_url: str | None = None
    secret: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    ui_lang: Literal["vi", "en"] = "vi"

    # Web chat and officer dashboard (bot/web/chat.py, bot/dashboard/)
    webchat_messages_per_minute: int = Field(default=20, ge=1, le=600)
    dashboard_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB")
        return value

    @field_validator("content_dir")
    @classmethod
    def _content_exists(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"no such folder: {value}")
        return value

    @property
    def base_url(self) -> str:
        """Where people reach the web app; used in links the bot hands out."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.web_host}:{self.web_port}"


class ConfigError(Exception):
    """One message naming every bad variable."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise ConfigError listing every bad DVCBOT_ variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            lines.append(f"  {ENV_PREFIX}{field.upper()}: {error['msg']}")
        header = _("Invalid configuration; fix these variables:")
        raise ConfigError(header + "\n" + "\n".join(lines)) from None


def settings_or_exit(**overrides: object) -> Settings:
    """For the CLI: settings, or the error on stderr and exit status 2 (no traceback)."""
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
