"""`dvcbot content check` validates surveys with file:line problems."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import BUNDLED_CONTENT
from bot.content import load_content
from handlers.questionnaire import Surveys
from handlers.registry import ROUTERS
from handlers.routing import button_actions

ACTIONS = button_actions(ROUTERS)

BROKEN = """id: hong
version: "1"
title: "Hỏng"
intro: "x"
thanks: "y"
questions:
  - id: overall
    type: single
    text: "Hài lòng không?"
    options:
      - {id: co, label: "Có"}
      - {id: khong, label: "Không"}
    satisfied: [co, tuyet-voi]
  - id: why
    type: text
    text: "Vì sao?"
    when: {overall: maybe}
  - id: odd
    type: slider
    text: "?"
"""


def test_the_bundled_surveys_load_with_a_default_and_a_3_level_variant() -> None:
    # On any day: the surveys load with no problem at all, and the rest of the content with no
    # error but the dated ones (a statement past its valid_until is an error of `content check`
    # from that day on, tested with its own clock in test_content_statements.py).
    content, problems = load_content(BUNDLED_CONTENT, known_actions=ACTIONS)
    lasting = [p for p in problems if p.severity == "error" and not p.expiry]
    assert lasting + [p for p in problems if "surveys/" in p.path] == []
    surveys = content.extra["surveys"]
    assert isinstance(surveys, Surveys)
    assert surveys.default == "hai-long"
    assert len(surveys.by_id["hai-long"].rating.options) == 5
    assert len(surveys.by_id["hai-long-3-muc"].rating.options) == 3


def test_a_broken_survey_is_reported_with_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "vi"
    shutil.copytree(BUNDLED_CONTENT, root)
    (root / "surveys" / "hong.yaml").write_text(BROKEN, encoding="utf-8")
    _, problems = load_content(root, known_actions=ACTIONS)
    text = [str(p).split("/vi/", 1)[-1] for p in problems]
    assert (
        "surveys/hong.yaml:7: question 'overall': 'satisfied' names unknown option 'tuyet-voi'"
        in text
    )
    assert (
        "surveys/hong.yaml:14: question 'why': 'when' must name an earlier choice question" in text
    )
    assert any(t.startswith("surveys/hong.yaml:18: question 'odd': type must be") for t in text)
