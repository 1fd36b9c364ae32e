"""The dvcbot command as operators and scripts use it: chat through a pipe, help, bad settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.process import run_dvcbot


def test_piped_chat_prints_the_menu_then_the_first_entry(tmp_path: Path) -> None:
    result = run_dvcbot(["chat"], tmp_path, stdin="/start\n1\n")
    assert result.returncode == 0, result.stderr
    menu, _, rest = result.stdout.partition("\n\n")
    assert "Xin chào" in menu
    assert "[1] 🔐 Đăng nhập Cổng Dịch vụ công" in menu
    assert "Đăng nhập Cổng Dịch vụ công quốc gia" in rest
    assert "Bước 1/" in rest
    assert "INFO" not in result.stdout, "logs go to stderr, never stdout"


def test_chat_state_persists_between_runs_for_the_same_user(tmp_path: Path) -> None:
    run_dvcbot(["chat", "--user", "an"], tmp_path, stdin="/start\n")
    result = run_dvcbot(["chat", "--user", "an"], tmp_path, stdin="2\n")
    assert "VNeID mức 2" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["serve"],
        ["chat"],
        ["db"],
        ["db", "upgrade"],
        ["content"],
        ["content", "check"],
        ["telegram"],
        ["telegram", "set-webhook"],
        ["roles", "grant"],
        ["report"],
    ],
)
def test_every_command_explains_itself(tmp_path: Path, args: list[str]) -> None:
    result = run_dvcbot([*args, "--help"], tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("cách dùng: dvcbot")  # argparse's own words translated too
    for english in ("usage:", "options:", "show this help message", "positional arguments"):
        assert english not in result.stdout
    assert len(result.stdout.splitlines()) <= 40, "help fits one screen"
    if args:  # every subcommand says what it does, above its options
        assert result.stdout.split("\n\n")[1].strip()[:1].isupper()
    english = run_dvcbot([*args, "--help"], tmp_path, DVCBOT_UI_LANG="en")
    assert english.stdout.startswith("usage: dvcbot") and "tuỳ chọn" not in english.stdout


def test_argparse_errors_speak_vietnamese(tmp_path: Path) -> None:
    result = run_dvcbot(["report", "--format", "pdf", "--month", "2026-12"], tmp_path)
    assert result.returncode == 2
    assert "lỗi: tham số --format: lựa chọn không hợp lệ: 'pdf'" in result.stderr


def test_bad_settings_name_every_bad_variable_and_exit_2(tmp_path: Path) -> None:
    result = run_dvcbot(
        ["chat"],
        tmp_path,
        stdin="/start\n",
        DVCBOT_WEB_PORT="tám nghìn",
        DVCBOT_LOG_LEVEL="loud",
        DVCBOT_DATABASE_URL="mysql://x",
        DVCBOT_CONTENT_DIR=str(tmp_path / "nowhere"),
    )
    assert result.returncode == 2
    for name in (
        "DVCBOT_WEB_PORT",
        "DVCBOT_LOG_LEVEL",
        "DVCBOT_DATABASE_URL",
        "DVCBOT_CONTENT_DIR",
    ):
        assert name in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = run_dvcbot(["db", "upgrade"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "dvcbot.db").exists()
