"""The "surveys" content part: content/vi/surveys/*.yaml, checked with file:line problems."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.content import yamlfile
from bot.content.loader import PARTS, Loading, _read_yaml
from handlers.questionnaire import Condition, Option, Question, QuestionType, Survey, Surveys

SURVEY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
OPTION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,20}$")  # short: option ids travel in payloads
MAX_OPTIONS = 9  # a person types 1-9 on channels without buttons
MAX_LABEL = 40  # button labels are cut beyond this on small phones


class SurveysPart:
    """Content part "surveys": a `Surveys` in content.extra["surveys"]."""

    name = "surveys"

    def load(self, loading: Loading) -> Surveys:
        folder = loading.root / "surveys"
        found: dict[str, Survey] = {}
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            survey = _load_survey(loading, path)
            if survey is None:
                continue
            if survey.id in found:
                loading.problem(path, 1, f"duplicate survey id {survey.id!r}")
                continue
            found[survey.id] = survey
        defaults = [s for s in found.values() if s.default]
        if found and len(defaults) != 1:
            where = folder / (defaults[1].path.rsplit("/", 1)[-1] if defaults else "")
            loading.problem(
                where if defaults else folder,
                1,
                "exactly one survey needs 'default: true'"
                + (f" (found {len(defaults)})" if defaults else ""),
            )
        default = defaults[0].id if defaults else (next(iter(found)) if found else "")
        return Surveys(by_id=MappingProxyType(found), default=default)


def _load_survey(loading: Loading, path: Path) -> Survey | None:
    data = _read_yaml(loading, path)
    if data is None:
        return None
    if not isinstance(data, Mapping):
        loading.problem(path, 1, "a survey file must be a mapping")
        return None
    ok = True
    for key in ("id", "version", "title", "intro", "thanks", "questions"):
        if not data.get(key):
            loading.problem(path, yamlfile.line_of(data), f"missing field {key!r}")
            ok = False
    survey_id = str(data.get("id", ""))
    if survey_id and not SURVEY_ID.match(survey_id):
        loading.problem(path, 1, f"survey id {survey_id!r} must be lowercase a-z, 0-9, '-'")
        ok = False
    raw_questions = data.get("questions") or []
    if not isinstance(raw_questions, list):
        loading.problem(path, yamlfile.line_of(data), "'questions' must be a list")
        return None
    questions: list[Question] = []
    for raw in raw_questions:
        question = _load_question(loading, path, raw, questions)
        if question is None:
            ok = False
        else:
            questions.append(question)
    ratings = [q for q in questions if q.satisfied]
    if questions and len(ratings) != 1:
        loading.problem(
            path,
            yamlfile.line_of(data),
            f"exactly one question needs 'satisfied' (the rating); found {len(ratings)}",
        )
        ok = False
    if not ok:
        return None
    return Survey(
        id=survey_id,
        version=str(data["version"])[:32],
        title=str(data["title"]).strip(),
        intro=str(data["intro"]).strip(),
        thanks=str(data["thanks"]).strip(),
        questions=tuple(questions),
        default=bool(data.get("default", False)),
        path=loading.rel(path),
    )


def _load_question(
    loading: Loading, path: Path, raw: Any, earlier: list[Question]
) -> Question | None:
    line = yamlfile.line_of(raw)
    if not isinstance(raw, Mapping):
        loading.problem(path, line, "a question must be a mapping")
        return None
    problems_before = len(loading.problems)

    def bad(message: str) -> None:
        loading.problem(path, line, message)

    qid = str(raw.get("id", ""))
    if not OPTION_ID.match(qid):
        bad(f"question id {qid!r} must be short lowercase a-z, 0-9, '-', '_'")
    elif any(q.id == qid for q in earlier):
        bad(f"duplicate question id {qid!r}")
    try:
        qtype = QuestionType(str(raw.get("type", "")))
    except ValueError:
        bad(f"question {qid!r}: type must be one of {', '.join(t.value for t in QuestionType)}")
        return None
    if not str(raw.get("text", "")).strip():
        bad(f"question {qid!r} has no 'text'")
    options = _options(loading, path, raw, qid, qtype)
    satisfied = frozenset(str(s) for s in raw.get("satisfied") or [])
    option_ids = {o.id for o in options}
    if satisfied:
        if qtype is not QuestionType.SINGLE:
            bad(f"question {qid!r}: only a single-choice question can be the rating")
        if raw.get("optional") or raw.get("when"):
            bad(f"question {qid!r}: the rating question cannot be optional or conditional")
        for unknown in sorted(satisfied - option_ids):
            bad(f"question {qid!r}: 'satisfied' names unknown option {unknown!r}")
        if satisfied >= option_ids:
            bad(f"question {qid!r}: not every option can count as satisfied")
    when = _condition(loading, path, raw, qid, earlier)
    if len(loading.problems) != problems_before:
        return None
    return Question(
        id=qid,
        type=qtype,
        text=str(raw["text"]).strip(),
        options=options,
        optional=bool(raw.get("optional", False)),
        when=when,
        satisfied=satisfied,
    )


def _options(
    loading: Loading, path: Path, raw: Mapping[str, Any], qid: str, qtype: QuestionType
) -> tuple[Option, ...]:
    line = yamlfile.line_of(raw)
    raw_options = raw.get("options") or []
    needs = qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE)
    if not needs:
        if raw_options:
            loading.problem(path, line, f"question {qid!r}: a {qtype} question has no options")
        return ()
    if not isinstance(raw_options, list) or not 2 <= len(raw_options) <= MAX_OPTIONS:
        loading.problem(path, line, f"question {qid!r} needs 2 to {MAX_OPTIONS} options")
        return ()
    options: list[Option] = []
    for item in raw_options:
        where = yamlfile.line_of(item, line)
        if not isinstance(item, Mapping) or not item.get("id") or not item.get("label"):
            loading.problem(path, where, f"question {qid!r}: an option needs 'id' and 'label'")
            continue
        oid, label = str(item["id"]), str(item["label"]).strip()
        if not OPTION_ID.match(oid):
            loading.problem(path, where, f"option id {oid!r} must be short a-z, 0-9, '-', '_'")
        elif any(o.id == oid for o in options):
            loading.problem(path, where, f"question {qid!r}: duplicate option id {oid!r}")
        if len(label) > MAX_LABEL:
            loading.problem(path, where, f"option label over {MAX_LABEL} characters", warning=True)
        options.append(Option(oid, label))
    return tuple(options)


def _condition(
    loading: Loading, path: Path, raw: Mapping[str, Any], qid: str, earlier: list[Question]
) -> Condition | None:
    when = raw.get("when")
    if not when:
        return None
    line = yamlfile.line_of(raw)
    if not isinstance(when, Mapping) or len(when) != 1:
        loading.problem(path, line, f"question {qid!r}: 'when' names one earlier question")
        return None
    (target, wanted), *_ = when.items()
    values = frozenset(str(v) for v in (wanted if isinstance(wanted, list) else [wanted]))
    source = next((q for q in earlier if q.id == target), None)
    if source is None or source.type not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        loading.problem(
            path, line, f"question {qid!r}: 'when' must name an earlier choice question"
        )
        return None
    for unknown in sorted(values - {o.id for o in source.options}):
        loading.problem(path, line, f"question {qid!r}: {target!r} has no option {unknown!r}")
    return Condition(str(target), values)


PARTS.append(SurveysPart())
