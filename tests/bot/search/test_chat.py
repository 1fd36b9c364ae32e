"""`dvcbot chat` through a pipe answers questions typed without accents (the runtime's search)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.process import run_dvcbot


def test_piped_questions_get_the_procedure_and_the_guide(tmp_path: Path) -> None:
    result = run_dvcbot(["chat"], tmp_path, stdin="dang ky tam tru\nvneid muc 2\n")
    assert result.returncode == 0, result.stderr
    residence, guide = result.stdout.split("Tài khoản định danh điện tử VNeID mức 2\n\n", 1)
    assert "📄 Đăng ký tạm trú" in residence
    assert "Cách nộp trực tuyến" in residence
    assert "Cách nộp hồ sơ trực tuyến" in residence  # the button to the step-by-step guide
    assert "Bước 1/" in guide


def test_the_search_command_shows_ranked_answers_and_flags_unanswered(tmp_path: Path) -> None:
    found = run_dvcbot(["search", "--explain", "dooi", "gplx"], tmp_path, DVCBOT_UI_LANG="en")
    assert found.returncode == 0, found.stderr
    assert "  dooi→doi\n  gplx | giay phep lai xe\n" in found.stdout
    assert "1. proc:3.000347  score " in found.stdout
    assert re.search(r"1\. proc:3\.000347  score [\d.]+  confidence (\d+)%", found.stdout)
    missing = run_dvcbot(["search", "nuôi rồng"], tmp_path, DVCBOT_UI_LANG="en")
    assert missing.returncode == 1
    assert "No answer above the confidence threshold (40%)." in missing.stdout
