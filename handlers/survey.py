"""The satisfaction survey: started by /danhgia, `rate` buttons, guides and QR-code deep links.

Answers are written to the response row as they come, so a person can leave and continue later;
the flow's position is derived from the stored answers (handlers/survey_progress.py), and every
button names the response and question it answers, so presses that no longer fit (double taps,
re-deliveries, buttons of an earlier survey) change nothing. See survey.mmd for the steps.
"""

from __future__ import annotations

import re

from handlers import places
from handlers import survey_view as view
from handlers.context import Context
from handlers.menu import wants_back
from handlers.payload import parse
from handlers.procedures import catalog_of
from handlers.questionnaire import SKIPPED, QuestionType, Survey
from handlers.routing import Router
from handlers.survey_procedures import find_procedures
from handlers.survey_progress import (
    FLOW,
    Step,
    advance,
    begin,
    catalogue,
    create,
    resumable,
)
from handlers.text import label_key
from handlers.types import Incoming, Reply
from storage import surveys
from storage.models import SurveyResponse
from storage.redaction import redact

router = Router("survey")
PROCEDURE_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,31}$")
MAX_TEXT_ANSWER = 1000
SKIP_WORDS = {"bo qua", "khong", "ko", "k", "skip"}


def start_code(commune_code: str, procedure_code: str | None = None) -> str:
    """The deep-link code for a QR code at a commune's desk: `ks_<commune>[_<procedure>]`.

    Telegram start codes allow only A-Z a-z 0-9 _ -, so the dots of procedure codes become '-'.
    """
    code = f"ks_{commune_code}"
    return f"{code}_{procedure_code.replace('.', '-')}" if procedure_code else code


# --- starting ---------------------------------------------------------------------------


@router.command("danhgia")
async def start_by_command(msg: Incoming, ctx: Context) -> list[Reply]:
    """/danhgia [survey id]"""
    return await begin(ctx, survey_id=msg.args.split(" ", 1)[0] or None, source="command")


@router.button("rate")
async def start_by_button(msg: Incoming, ctx: Context) -> list[Reply]:
    """`rate` or `rate:<procedure code>` (procedure cards, guides, the menu)."""
    code = parse(msg.payload or "").arg(0)
    procedure = code if PROCEDURE_CODE.match(code) else None
    return await begin(ctx, procedure=procedure, source="button")


@router.deep_link("ks")
async def start_by_link(msg: Incoming, ctx: Context) -> list[Reply]:
    """`/start ks_<commune code>[_<procedure code with '-' for '.'>]` from a QR code."""
    parts = msg.args.split("_", 2)
    commune = places.commune_from_link(parts[1]) if len(parts) > 1 else None
    procedure = parts[2].replace("-", ".") if len(parts) > 2 else ""
    if not PROCEDURE_CODE.match(procedure) or procedure not in catalog_of(ctx).procedures:
        procedure = ""  # a mistyped or forged code must not become a row of the breakdown
    # The source names only what was recognised, so forged codes are not stored either.
    source = start_code(commune.code, procedure or None) if commune else "ks"
    return await begin(ctx, procedure=procedure or None, commune=commune, source=source)


# --- answering --------------------------------------------------------------------------


@router.button(view.ACTION)
async def press_answer(msg: Incoming, ctx: Context) -> list[Reply]:
    payload = parse(msg.payload or "")
    try:
        rid = int(payload.arg(0))
    except ValueError:
        return [view.note(ctx, "survey.stale")]
    response = await surveys.get(ctx.session, rid)
    if response is None or response.contact_id != ctx.contact.id:
        return [view.note(ctx, "survey.stale")]
    if response.status == surveys.COMPLETE:
        return [view.note(ctx, "survey.already_done")]
    latest = await surveys.latest_open(ctx.session, ctx.contact.id)
    found = catalogue(ctx)
    survey = found.by_id.get(response.survey_id) if found else None
    if latest is None or latest.id != rid or survey is None or not resumable(ctx, response):
        return [view.note(ctx, "survey.stale")]
    what = payload.arg(1)
    if what == view.CONTINUE:
        return await advance(ctx, survey, response)
    if what == view.RESTART:
        return await _restart(ctx, survey, rid)
    answers = dict(response.answers or {})
    index = survey.next_index(answers)
    if not what.isdigit() or index is None or int(what) != index:
        # Answered already (a double tap) or an earlier question: show where they are.
        return await advance(ctx, survey, response, intro=ctx.t("survey.already_answered"))
    if ctx.conversation.flow != FLOW:
        ctx.conversation.start(FLOW, Step.ANSWER, rid=rid, picked=[])
    return await _apply(ctx, survey, response, index, payload.arg(2), payload.arg(3))


async def _restart(ctx: Context, survey: Survey, rid: int) -> list[Reply]:
    data = ctx.conversation.data
    if (
        ctx.conversation.flow != FLOW
        or ctx.conversation.step != Step.CHOOSE
        or data.get("rid") != rid
    ):
        return [view.note(ctx, "survey.stale")]
    wanted = dict(data.get("wanted") or {})
    found = catalogue(ctx)
    chosen = found.get(wanted.get("survey")) if found else None
    return await create(ctx, chosen or survey, wanted)


async def _apply(
    ctx: Context, survey: Survey, response: SurveyResponse, index: int, choice: str, mark: str
) -> list[Reply]:
    question = survey.questions[index]
    picked = [p for p in ctx.conversation.data.get("picked", []) if question.option(p)]
    if choice == view.BACK:
        return _back(ctx, survey, response, index)
    if choice == view.SKIP and question.optional:
        surveys.set_answer(response, question.id, SKIPPED, ctx.now)
    elif question.type is QuestionType.SINGLE and choice.isdigit():
        if int(choice) >= len(question.options):
            return [view.note(ctx, "survey.stale")]
        surveys.set_answer(response, question.id, question.options[int(choice)].id, ctx.now)
    elif question.type is QuestionType.MULTIPLE and (choice == view.DONE or choice[:1] == "t"):
        if mark != view.mask_of(question, picked):  # a double tap on a tick: ignore it
            return _show(ctx, survey, response, index, picked, "survey.already_answered")
        if choice == view.DONE:
            surveys.set_answer(response, question.id, picked, ctx.now)
        else:
            number = int(choice[1:]) if choice[1:].isdigit() else len(question.options)
            if number >= len(question.options):
                return [view.note(ctx, "survey.stale")]
            option = question.options[number]
            if option.id in picked:
                picked = [p for p in picked if p != option.id]
            else:
                picked = [*picked, option.id]
            ctx.conversation.goto(Step.ANSWER, picked=picked)
            return _show(ctx, survey, response, index, picked)
    elif question.type is QuestionType.PROCEDURE and choice.startswith("="):
        code = choice[1:]
        if not PROCEDURE_CODE.match(code):
            return [view.note(ctx, "survey.stale")]
        surveys.set_answer(response, question.id, code, ctx.now)
        response.procedure_code = code
    else:
        return _show(ctx, survey, response, index, picked, "survey.use_buttons")
    return await advance(ctx, survey, response)


def _back(ctx: Context, survey: Survey, response: SurveyResponse, index: int) -> list[Reply]:
    """Reopen the question answered before `index`: its answer is dropped, to be given again."""
    answers = dict(response.answers or {})
    previous = view.previous_index(survey, answers, index)
    if previous is None:
        return _show(ctx, survey, response, index, [], "survey.no_previous")
    question = survey.questions[previous]
    old = answers.get(question.id)
    surveys.drop_answer(response, question.id, ctx.now)
    if question.type is QuestionType.PROCEDURE:
        response.procedure_code = None
    picked = [p for p in old if isinstance(p, str)] if isinstance(old, list) else []
    if ctx.conversation.flow == FLOW:
        ctx.conversation.goto(Step.ANSWER, picked=picked)
    else:
        ctx.conversation.start(FLOW, Step.ANSWER, rid=response.id, picked=picked)
    return _show(ctx, survey, response, previous, picked, "survey.back_intro")


def _show(
    ctx: Context,
    survey: Survey,
    response: SurveyResponse,
    index: int,
    picked: list[str],
    intro_key: str | None = None,
) -> list[Reply]:
    intro = ctx.t(intro_key) if intro_key else None
    answers = dict(response.answers or {})
    return [view.question_reply(ctx, survey, response.id, index, answers, picked, intro)]


@router.flow(FLOW)
async def typed_answer(msg: Incoming, ctx: Context) -> list[Reply]:
    """Typed text during a survey: a text answer, a procedure name, or an option's label."""
    rid = ctx.conversation.data.get("rid")
    response = await surveys.get(ctx.session, int(rid)) if isinstance(rid, int) else None
    found = catalogue(ctx)
    survey = found.by_id.get(response.survey_id) if found and response else None
    if response is None or survey is None or response.status == surveys.COMPLETE:
        ctx.conversation.end()
        return [view.note(ctx, "survey.nothing_open")]
    if ctx.conversation.step == Step.CHOOSE:
        return [view.resume_or_restart(ctx, response.id, survey.title)]
    answers = dict(response.answers or {})
    index = survey.next_index(answers)
    if index is None:
        return await advance(ctx, survey, response)
    question = survey.questions[index]
    text = msg.text.strip()
    if not text:
        return _show(ctx, survey, response, index, [], "survey.empty")
    if wants_back(ctx, text):
        return _back(ctx, survey, response, index)
    if question.optional and label_key(text) in SKIP_WORDS:
        surveys.set_answer(response, question.id, SKIPPED, ctx.now)
        return await advance(ctx, survey, response)
    if question.type is QuestionType.TEXT:
        # Kept redacted: people write names and phone numbers in comments.
        surveys.set_answer(response, question.id, redact(text)[:MAX_TEXT_ANSWER], ctx.now)
        return await advance(ctx, survey, response)
    if question.type is QuestionType.PROCEDURE:
        hits = find_procedures(ctx, text)
        return [view.procedure_choices(ctx, response.id, index, hits)]
    if question.type is QuestionType.SINGLE:
        typed = label_key(text)
        for i, option in enumerate(question.options):
            if typed in (label_key(option.label), option.id):
                return await _apply(ctx, survey, response, index, str(i), "")
    picked = list(ctx.conversation.data.get("picked", []))
    return _show(ctx, survey, response, index, picked, "survey.use_buttons")
