"""DVCBOT_PROVINCE names the deploying province by its code; a wrong value stops the program."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from tests.support.process import run_dvcbot


def test_the_province_is_unset_by_default_and_read_as_its_code() -> None:
    assert Settings(_env_file=None).province is None
    assert Settings(_env_file=None, province="42").province == "42"
    assert Settings(_env_file=None, province="1").province == "01"
    assert Settings(_env_file=None, province=" ").province is None


def test_a_code_that_is_no_province_is_refused() -> None:
    with pytest.raises(ValidationError, match="province code"):
        Settings(_env_file=None, province="99")


def test_the_check_command_validates_the_deployed_overlay(tmp_path: Path) -> None:
    result = run_dvcbot(
        ["content", "check", "--date", "2026-12-05"], tmp_path, DVCBOT_PROVINCE="42"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    bad = run_dvcbot(["content", "check"], tmp_path, DVCBOT_PROVINCE="99")
    assert bad.returncode == 2 and "DVCBOT_PROVINCE" in bad.stderr
