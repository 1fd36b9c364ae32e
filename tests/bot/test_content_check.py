"""`dvcbot content check` finds every problem in broken content and none in the bundled content."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from bot.config import BUNDLED_CONTENT
from bot.content.loader import load_content
from bot.content.usage import scan
from handlers.registry import ROUTERS
from handlers.routing import button_actions

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "content_broken" / "vi"
REPO = Path(__file__).resolve().parents[2]


def problems_of(root: Path, today: date = date(2026, 12, 5)) -> list[str]:
    _, problems = load_content(
        root, known_actions=button_actions(ROUTERS), usage=scan(), today=today
    )
    return [str(p) for p in problems]


def test_bundled_content_has_no_problems() -> None:
    assert [p for p in problems_of(BUNDLED_CONTENT) if ": warning:" not in p] == []


def test_every_message_key_the_code_uses_exists() -> None:
    usage = scan()
    assert "core.error" in usage and "guide.step" in usage
    assert "common.menu" in usage


def test_broken_content_reports_each_problem_with_file_and_line() -> None:
    found = "\n".join(problems_of(BROKEN))
    expected = [
        "vi/menu.yaml:5: button target 'guide:missing' points nowhere",
        "vi/menu.yaml:7: menu item: a button needs 'label' and 'target'",
        "vi/menu.yaml:8: button target 'teleport:now': no handler for 'teleport'",
        "vi/guides/good.md:2: duplicate guide id 'good'",
        "vi/guides/no-title.md:2: missing field 'title'",
        "vi/guides/no-steps.md:7: a guide needs at least one step",
        "vi/guides/bad-yaml.md:",
        "vi/guides/no-front-matter.md:1: missing YAML front matter",
        "vi/messages.yaml:1: message 'core.error' is used by the code but missing",
        "vi/messages.yaml:1: message 'guide.step' has unknown placeholder {nosuch}",
    ]
    for line in expected:
        assert line in found, f"{line!r} not reported in:\n{found}"


def test_the_cli_prints_problems_and_exits_1(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", "--dir", str(BROKEN)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "points nowhere" in result.stdout
    assert "Traceback" not in result.stderr
