"""Settings read once from the environment (prefix DVCBOT_) and an optional .env file."""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.i18n import _
from storage.stats import DEFAULT_TARGET

BUNDLED_CONTENT = Path(__file__).resolve().parent.parent / "content" / "vi"
ENV_PREFIX = "DVCBOT_"
TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d{1,5})?/?")
# Telegram's broadcast limits (Bot API FAQ; allow_paid_broadcast in the send* methods).
FREE_RATE = 30
PAID_RATE = 1000
# Defaults of a packaged deployment (the Docker image writes this file); a .env in the working
# directory and real environment variables override it, in that order.
DEFAULTS_FILE = Path("/etc/dvcbot/defaults.env")
# Docker and Kubernetes secrets: a file per setting, named like the variable in lower case.
SECRETS_DIR = Path("/run/secrets")


class Settings(BaseSettings):
    """Every setting of dvcbot; nobody else reads os.environ."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=(DEFAULTS_FILE, ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        secrets_dir=SECRETS_DIR if SECRETS_DIR.is_dir() else None,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # A secret named by DVCBOT_X_FILE ranks with the environment, above .env files.
        return (
            init_settings,
            env_settings,
            SecretFilesSource(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )

    database_url: str = "sqlite+aiosqlite:///./dvcbot.db"
    # The PostgreSQL password, kept out of the URL: DVCBOT_DATABASE_PASSWORD_FILE can name the
    # same secret file the database container reads (compose.yaml).
    database_password: SecretStr | None = None
    # `dvcbot serve --upgrade`: how long to keep trying a database that is not up yet
    database_wait_seconds: int = Field(default=60, ge=0, le=3600)
    content_dir: Path = BUNDLED_CONTENT
    # The deploying province's code ("42" Hà Tĩnh): its overlay content/vi/provinces/<code>/ is
    # loaded over the national content, and its benefits apply to people with no place set.
    province: str | None = None
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    public_url: str | None = None
    secret: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    ui_lang: Literal["vi", "en"] = "vi"
    # Search (free-text answers): the share of a question an item must match to be given as
    # the answer; below it the bot offers the closest topics and records a content gap.
    search_min_confidence: float = Field(default=0.4, ge=0.0, le=1.0)

    # Web chat and officer dashboard (bot/channels/webchat.py, bot/dashboard/)
    webchat_messages_per_minute: int = Field(default=20, ge=1, le=600)  # per visitor
    # Per client address too (a visitor can drop its cookie), and new visitors per address: a
    # commune office behind one address stays well inside both.
    webchat_messages_per_address_per_minute: int = Field(default=120, ge=1, le=100_000)
    webchat_new_visitors_per_minute: int = Field(default=10, ge=1, le=10_000)
    # Behind a reverse proxy: its addresses or networks (comma-separated, e.g. 10.0.0.0/8),
    # whose X-Forwarded-For is then believed. Empty: the connecting address is the client.
    trusted_proxies: str = ""
    # Origins allowed to embed the web chat in an iframe (the provincial portal), separated by
    # spaces or commas, e.g. https://dichvucong.hatinh.gov.vn. The dashboard is never framed.
    webchat_frame_ancestors: str = ""
    dashboard_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)

    # Surveys and statistics: the target the satisfaction rate is judged against, and the
    # period within which a person's repeated answers for one procedure count once (the latest).
    satisfaction_target: float = Field(default=DEFAULT_TARGET, gt=0, le=1)
    survey_repeat_days: int = Field(default=30, ge=0, le=366)
    # Privacy (docs/privacy.md): typed texts kept for figures (content-gap questions, free
    # survey answers, outreach notes) are deleted after this many days; the counts stay.
    text_retention_days: int = Field(default=90, ge=1, le=3650)

    # Zalo Official Account channel (bot/channels/zalo). Enabled when the app id, both secrets
    # and the first token pair are set; the tokens then rotate and live in the database.
    zalo_app_id: str | None = None
    zalo_app_secret: SecretStr | None = None
    zalo_oa_secret: SecretStr | None = None
    # Which key signs webhook events (disputed; Zalo's docs say the OA secret key).
    zalo_signature_key: Literal["oa_secret", "app_secret"] = "oa_secret"
    zalo_access_token: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    zalo_api_url: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_webhook_max_age: int = Field(default=900, ge=10, le=86400)
    zalo_button_type: Literal["oa.query.hide", "oa.query.show"] = "oa.query.hide"
    zalo_max_buttons: int = Field(default=5, ge=0, le=10)
    zalo_payload_prefix: str = Field(default="#", max_length=4)
    zalo_proactive_window_hours: int = Field(default=168, ge=1, le=168)

    # Telegram channel (bot/channels/telegram): enabled when a token is set.
    telegram_token: SecretStr | None = None
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_username: str | None = None
    telegram_max_rate: float = Field(default=30, ge=0)  # messages/s overall; 0 = no limit

    # Durable inbox (bot/inbox): every Telegram/Zalo update is stored before it is acknowledged.
    inbox_max_attempts: int = Field(default=5, ge=1, le=50)  # then the update is set aside
    inbox_retry_seconds: float = Field(default=1.0, gt=0, le=600)  # doubles each try
    # How often an instance looks for rows other instances stored (its own wake it at once).
    inbox_poll_seconds: float = Field(default=0.25, gt=0, le=60)
    inbox_concurrency: int = Field(default=8, ge=1, le=64)  # chats worked at once per instance

    # Community teams, referrals and broadcasts (bot/broadcast, handlers/teams.py).
    # Invite and referral links use telegram_username (above) to build t.me links.
    zalo_oa_link: str | None = None  # e.g. https://zalo.me/<OA id>, shown by /gioithieu
    telegram_rate: float = Field(default=30.0, gt=0, le=PAID_RATE)  # broadcast messages per second
    # Above FREE_RATE Telegram needs allow_paid_broadcast on each message (0.1 Star apiece).
    telegram_paid_broadcast: bool = False
    zalo_rate: float = Field(default=60.0, gt=0, le=1000)  # Zalo OA API: 4,000 calls a minute
    broadcast_quiet_hours: str = "21:00-07:00"  # Vietnam time; "" sends at any hour
    broadcast_max_attempts: int = Field(default=5, ge=1, le=20)
    broadcast_retry_seconds: float = Field(default=5.0, gt=0, le=3600)  # doubles each retry
    # Most messages sent at once per channel (the sender keeps rate × round trip in flight,
    # which is also the most a crash can make it repeat); unset: enough for the channel's
    # rate at 300 ms round trips (12 at 30/s, 375 at 1,000/s).
    broadcast_max_in_flight: int | None = Field(default=None, ge=1, le=2000)
    # Hỏi cán bộ (tickets): officers' working hours in Vietnam time and ISO weekdays (1 = Monday),
    # abuse limits, and how long closed tickets keep their texts.
    handoff_hours: str = Field(default="07:30-17:00", pattern=r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$")
    handoff_days: str = Field(default="1-5", pattern=r"^[1-7](-[1-7])?(,[1-7](-[1-7])?)*$")
    handoff_max_per_day: int = Field(default=5, ge=1, le=100)
    handoff_max_text: int = Field(default=1000, ge=100, le=4000)
    ticket_retention_days: int = Field(default=180, ge=1, le=3650)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in value.replace(",", " ").split():
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"not an address or network (CIDR): {item!r}") from None
        return value

    @field_validator("webchat_frame_ancestors")
    @classmethod
    def _origins(cls, value: str) -> str:
        for item in value.replace(",", " ").split():
            if not ORIGIN.fullmatch(item):
                raise ValueError(f"write origins like https://portal.example.gov.vn, not {item!r}")
        return value

    @property
    def secret_value(self) -> str | None:
        """DVCBOT_SECRET when set (migrations key their hashes with it), else None."""
        return self.secret.get_secret_value() if self.secret is not None else None

    @property
    def frame_ancestors(self) -> list[str]:
        return [item.rstrip("/") for item in self.webchat_frame_ancestors.replace(",", " ").split()]

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB")
        return value

    @field_validator("broadcast_quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        if value.strip() and not re.fullmatch(r"\d{1,2}:\d{2}-\d{1,2}:\d{2}", value.strip()):
            raise ValueError("write it as HH:MM-HH:MM, for example 21:00-07:00, or leave it empty")
        return value.strip()

    @field_validator("province", mode="before")
    @classmethod
    def _province_code(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        from handlers import places  # the 34 provinces since 1/7/2025

        place = places.province(str(value).strip())
        if place is None:
            raise ValueError("use a province code of the 34 provinces, e.g. 42 for Hà Tĩnh")
        return place.code

    @field_validator("content_dir")
    @classmethod
    def _content_exists(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"no such folder: {value}")
        return value

    @field_validator("telegram_api_url", "telegram_webhook_url")
    @classmethod
    def _telegram_http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http:// for a local server)")
        return value.rstrip("/") if value else value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TELEGRAM_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("use 1 to 256 characters from A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _password_into_url(self) -> Settings:
        if self.database_password is not None and self.database_url.startswith("postgresql"):
            from sqlalchemy.engine import make_url

            url = make_url(self.database_url)
            if url.password is None:
                secret = self.database_password.get_secret_value()
                self.database_url = url.set(password=secret).render_as_string(hide_password=False)
        return self

    @model_validator(mode="after")
    def _telegram_webhook_complete(self) -> Settings:
        if self.telegram_token is not None and self.telegram_mode == "webhook":
            missing = [
                f"{ENV_PREFIX}TELEGRAM_{name.upper()}"
                for name in ("webhook_url", "webhook_secret")
                if getattr(self, f"telegram_{name}") is None
            ]
            if missing:
                raise ValueError("webhook mode needs " + " and ".join(missing))
        return self

    @model_validator(mode="after")
    def _telegram_rate_allowed(self) -> Settings:
        if self.telegram_rate > FREE_RATE and not self.telegram_paid_broadcast:
            raise ValueError(
                f"{ENV_PREFIX}TELEGRAM_RATE above {FREE_RATE} messages/s needs "
                f"{ENV_PREFIX}TELEGRAM_PAID_BROADCAST=true (Telegram charges 0.1 Star a message)"
            )
        return self

    @property
    def telegram_file_url(self) -> str:
        """Where files named by getFile are downloaded: `.../bot` becomes `.../file/bot`."""
        api = self.telegram_api_url
        return api[: -len("/bot")] + "/file/bot" if api.endswith("/bot") else api + "/file"

    @field_validator("zalo_api_url", "zalo_oauth_url")
    @classmethod
    def _zalo_http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("use an http(s):// address")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _zalo_complete(self) -> Settings:
        needed = {
            "zalo_app_id": self.zalo_app_id,
            "zalo_app_secret": self.zalo_app_secret,
            "zalo_access_token": self.zalo_access_token,
            "zalo_refresh_token": self.zalo_refresh_token,
        }
        if self.zalo_signature_key == "oa_secret":
            needed["zalo_oa_secret"] = self.zalo_oa_secret
        given = [name for name, value in needed.items() if value]
        missing = [name for name, value in needed.items() if not value]
        if given and missing:
            names = ", ".join(ENV_PREFIX + name.upper() for name in missing)
            raise ValueError(f"Zalo is partly configured; also set {names}")
        return self

    @property
    def zalo_enabled(self) -> bool:
        return bool(self.zalo_app_id and self.zalo_refresh_token)

    @property
    def base_url(self) -> str:
        """Where people reach the web app; used in links the bot hands out."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.web_host}:{self.web_port}"


class ConfigError(Exception):
    """One message naming every bad variable."""


def secret_fields() -> list[str]:
    """The settings that hold secrets (tokens, keys): never logged, readable from files."""
    return [
        name for name, info in Settings.model_fields.items() if "SecretStr" in str(info.annotation)
    ]


class SecretFilesSource(PydanticBaseSettingsSource):
    """`DVCBOT_TELEGRAM_TOKEN_FILE=/run/secrets/tg` reads the token from that file, so secrets
    stay out of the environment (`docker inspect`, /proc/PID/environ) and out of the logs."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything is read in __call__

    def __call__(self) -> dict[str, Any]:
        given: dict[str, str | None] = {}
        for path in (DEFAULTS_FILE, Path(".env")):
            if path.is_file():
                given.update(dotenv_values(path))
        given.update(os.environ)
        values: dict[str, Any] = {}
        problems = []
        for name in secret_fields():
            variable = f"{ENV_PREFIX}{name.upper()}_FILE"
            path_text = given.get(variable)
            if not path_text:
                continue
            try:
                values[name] = Path(path_text).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"  {variable}: {exc.__class__.__name__}: {path_text}")
        if problems:
            header = _("Invalid configuration; fix these variables:")
            raise ConfigError(header + "\n" + "\n".join(problems))
        return values


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise ConfigError listing every bad DVCBOT_ variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            name = f"{ENV_PREFIX}{field.upper()}: " if field else ""
            lines.append(f"  {name}{error['msg']}")
        header = _("Invalid configuration; fix these variables:")
        raise ConfigError(header + "\n" + "\n".join(lines)) from None


def ui_language() -> str:
    """The CLI's language: DVCBOT_UI_LANG from the environment or a .env file; Vietnamese when
    the settings cannot be read (their error is then printed in Vietnamese)."""
    try:
        return Settings().ui_lang
    except (ValidationError, ConfigError):
        lang = os.environ.get(f"{ENV_PREFIX}UI_LANG", "vi")
        return lang if lang in ("vi", "en") else "vi"


def settings_or_exit(**overrides: object) -> Settings:
    """For the CLI: settings, or the error on stderr and exit status 2 (no traceback)."""
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
