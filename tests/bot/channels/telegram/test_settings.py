"""DVCBOT_TELEGRAM_* settings that Telegram's own limits constrain."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings


def test_a_broadcast_rate_above_30_a_second_needs_paid_broadcasts() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(telegram_rate=100)
    assert "DVCBOT_TELEGRAM_PAID_BROADCAST=true" in str(caught.value)
    assert load_settings(telegram_rate=100, telegram_paid_broadcast=True).telegram_rate == 100
    assert load_settings(telegram_rate=30).telegram_paid_broadcast is False


def test_not_even_paid_broadcasts_go_above_1000_a_second() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(telegram_rate=1500, telegram_paid_broadcast=True)
    assert "DVCBOT_TELEGRAM_RATE" in str(caught.value)
