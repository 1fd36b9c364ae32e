"""Helpers every subcommand uses: settings or exit 2, logging, running a coroutine."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from bot import logs
from bot.config import Settings, settings_or_exit

T = TypeVar("T")


def setup(**overrides: object) -> Settings:
    """Read settings (exit 2 naming every bad variable) and configure logging."""
    settings = settings_or_exit(**overrides)
    logs.configure(settings.log_level)
    return settings


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)
