"""How a survey question looks: its text, progress and buttons, with payloads that name their state.

Every survey button carries the response id and the question index it answers
(`sv:<response>:<question>:<choice>`), and a multiple-choice tick also the current selection
(`...:t<option>:<mask>`), so a double tap, a re-delivered press or a button from an earlier
survey is recognised as stale and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from handlers.context import Context
from handlers.menu import menu_button
from handlers.payload import pack
from handlers.questionnaire import Question, QuestionType, Survey
from handlers.text import short_labels
from handlers.types import Button, Reply

ACTION = "sv"
SKIP = "skip"
DONE = "done"
CONTINUE = "go"
BACK = "back"
MAX_LABEL = 60  # characters of a procedure name on a button
RESTART = "new"


def mask_of(question: Question, picked: Sequence[str]) -> str:
    """The selection of a multiple-choice question as a short hex bitmask."""
    bits = sum(1 << i for i, o in enumerate(question.options) if o.id in picked)
    return format(bits, "x")


def question_reply(
    ctx: Context,
    survey: Survey,
    response_id: int,
    index: int,
    answers: dict[str, object],
    picked: Sequence[str] = (),
    intro: str | None = None,
) -> Reply:
    question = survey.questions[index]
    number, total = survey.progress(index, answers)
    text = ctx.t("survey.question", number=number, total=total, text=question.text)
    if intro:
        text = f"{intro}\n\n{text}"
    buttons: list[Button] = []
    if question.type is QuestionType.SINGLE:
        buttons = [
            Button(o.label, payload=pack(ACTION, response_id, index, i))
            for i, o in enumerate(question.options)
        ]
    elif question.type is QuestionType.MULTIPLE:
        mask = mask_of(question, picked)
        for i, option in enumerate(question.options):
            mark = "✅ " if option.id in picked else ""
            buttons.append(
                Button(mark + option.label, payload=pack(ACTION, response_id, index, f"t{i}", mask))
            )
        buttons.append(
            Button(
                ctx.t("survey.done_button"), payload=pack(ACTION, response_id, index, DONE, mask)
            )
        )
        if not picked:
            text = f"{text}\n{ctx.t('survey.pick_many')}"
    if question.optional:
        buttons.append(
            Button(ctx.t("survey.skip_button"), payload=pack(ACTION, response_id, index, SKIP))
        )
    if previous_index(survey, answers, index) is not None:
        buttons.append(
            Button(ctx.t("survey.back_button"), payload=pack(ACTION, response_id, index, BACK))
        )
    return Reply(
        text=text,
        buttons=tuple(buttons),
        topic=f"survey:{survey.id}:{question.id}",
    )


def previous_index(survey: Survey, answers: Mapping[str, Any], index: int) -> int | None:
    """The question answered just before `index` (the one "◀ Câu trước" reopens), if any."""
    found = [i for i, q in enumerate(survey.questions[:index]) if q.id in answers]
    return found[-1] if found else None


def procedure_choices(
    ctx: Context, response_id: int, index: int, found: Sequence[tuple[str, str]]
) -> Reply:
    """Procedures matching what the person typed, as buttons; plus skip."""
    labels = short_labels([name for _code, name in found], MAX_LABEL)
    buttons = [
        Button(label, payload=pack(ACTION, response_id, index, "=" + code))
        for (code, _name), label in zip(found, labels, strict=True)
    ]
    buttons.append(
        Button(ctx.t("survey.skip_button"), payload=pack(ACTION, response_id, index, SKIP))
    )
    text = ctx.t("survey.procedure_pick") if found else ctx.t("survey.procedure_none")
    return Reply(text=text, buttons=tuple(buttons), topic="survey:procedure-search")


def resume_or_restart(ctx: Context, response_id: int, title: str) -> Reply:
    return Reply(
        text=ctx.t("survey.unfinished", title=title),
        buttons=(
            Button(ctx.t("survey.continue_button"), payload=pack(ACTION, response_id, CONTINUE)),
            Button(ctx.t("survey.restart_button"), payload=pack(ACTION, response_id, RESTART)),
        ),
        topic="survey:unfinished",
    )


def thanks(ctx: Context, survey: Survey) -> Reply:
    return Reply(
        text=survey.thanks,
        buttons=(menu_button(ctx),),
        topic=f"survey:{survey.id}:done",
    )


def note(ctx: Context, key: str) -> Reply:
    """A short notice with the menu button (stale presses, finished surveys)."""
    return Reply(
        text=ctx.t(key),
        buttons=(menu_button(ctx),),
        topic="survey:note",
    )
