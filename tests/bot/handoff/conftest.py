"""Fixtures shared with the Telegram adapter tests: the fake Bot API server."""

from tests.bot.channels.telegram.conftest import tg  # noqa: F401
