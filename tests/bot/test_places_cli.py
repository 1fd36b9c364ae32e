"""Operators find official codes by name, and commands refuse codes that are not official."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.process import run_dvcbot


def dvcbot(tmp_path: Path, *args: str):
    return run_dvcbot(list(args), tmp_path, DVCBOT_UI_LANG="en")


@pytest.mark.parametrize("typed", ["Cửa Nam", "phuong cua nam"])
def test_search_lists_the_official_code_with_or_without_accents(tmp_path: Path, typed) -> None:
    found = dvcbot(tmp_path, "places", "search", typed)
    assert found.returncode == 0, found.stderr
    lines = found.stdout.splitlines()
    assert "01\t00082\tPhường Cửa Nam, Thành phố Hà Nội" in lines
    assert "00073" not in found.stdout, "the pre-official code is gone"


def test_search_by_a_former_district_lists_the_communes_it_became(tmp_path: Path) -> None:
    found = dvcbot(tmp_path, "places", "search", "huyen", "Can", "Loc")
    assert found.returncode == 0, found.stderr
    assert "Huyện Can Lộc, Tỉnh Hà Tĩnh (before 1/7/2025) is now:" in found.stdout
    for line in ("42\t18406\tXã Can Lộc, Hà Tĩnh", "42\t18436\tXã Trường Lưu, Hà Tĩnh"):
        assert f"  {line}" in found.stdout.splitlines()
    nothing = dvcbot(tmp_path, "places", "search", "Không có nơi này")
    assert nothing.returncode == 1 and "No province or commune" in nothing.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["teams", "create", "--province", "999", "--commune", "123", "--name", "X"],
         "Unknown province code '999'"),
        (["teams", "create", "--province", "42", "--commune", "Thạch Hà", "--name", "X"],
         "Closest: 18562 Xã Thạch Hà, Hà Tĩnh"),
        (["teams", "create", "--province", "42", "--commune", "00082", "--name", "X"],
         "00082 is Phường Cửa Nam, Thành phố Hà Nội, not in province 42"),
        (["roles", "grant", "--channel", "console", "--user", "an", "--role", "officer",
          "--commune", "00073"], "former code of Phường Cửa Nam; its official code is 00082"),
        (["broadcast", "create", "--text", "Xin chào", "--commune", "123"],
         "Unknown commune code '123'"),
        (["report", "--month", "2026-11", "--province", "ha tinh"], "Closest: 42 Hà Tĩnh"),
    ],
)  # fmt: skip
def test_commands_refuse_codes_that_are_not_official(tmp_path: Path, args, said) -> None:
    refused = dvcbot(tmp_path, *args)
    assert refused.returncode == 2
    assert said in refused.stderr
    assert dvcbot(tmp_path, "teams", "list").stdout == "", "nothing was created"
