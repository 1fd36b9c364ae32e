"""Survey definitions as loaded from content/vi/surveys, and the rules for walking through one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

SKIPPED = None  # the stored answer of a skipped optional question


class QuestionType(StrEnum):
    SINGLE = "single"  # one option, by button
    MULTIPLE = "multiple"  # several options, ticked one by one, then "Xong"
    TEXT = "text"  # free text
    PROCEDURE = "procedure"  # which procedure: searched by name, or skipped


@dataclass(frozen=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True)
class Condition:
    """Ask a question only when an earlier answer includes one of these options."""

    question: str
    any_of: frozenset[str]


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    text: str
    options: tuple[Option, ...] = ()
    optional: bool = False
    when: Condition | None = None
    satisfied: frozenset[str] = frozenset()  # set on the rating question only

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Survey:
    """A satisfaction survey: ordered questions, exactly one of them the rating."""

    id: str
    version: str
    title: str
    intro: str
    thanks: str
    questions: tuple[Question, ...]
    default: bool = False
    path: str = ""

    @property
    def rating(self) -> Question:
        return next(q for q in self.questions if q.satisfied)

    def is_satisfied(self, answers: Mapping[str, Any]) -> bool:
        return answers.get(self.rating.id) in self.rating.satisfied

    def applies(self, question: Question, answers: Mapping[str, Any]) -> bool:
        if question.when is None:
            return True
        given = answers.get(question.when.question)
        chosen = set(given) if isinstance(given, list) else {given}
        return bool(chosen & question.when.any_of)

    def next_index(self, answers: Mapping[str, Any]) -> int | None:
        """The first question still to ask, or None when the survey is done."""
        for index, question in enumerate(self.questions):
            if question.id not in answers and self.applies(question, answers):
                return index
        return None

    def progress(self, index: int, answers: Mapping[str, Any]) -> tuple[int, int]:
        """(number of this question, questions in total) counting only those that apply."""
        applicable = [i for i, q in enumerate(self.questions) if self.applies(q, answers)]
        number = max(1, sum(1 for i in applicable if i <= index))
        return number, max(number, len(applicable))


@dataclass(frozen=True)
class Surveys:
    """Every survey by id; `default` is the one /danhgia starts."""

    by_id: Mapping[str, Survey]
    default: str

    def get(self, survey_id: str | None) -> Survey | None:
        return self.by_id.get(survey_id or self.default)
