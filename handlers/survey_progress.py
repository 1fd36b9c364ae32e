"""Where a person is in a survey and what comes next: start, continue, ask the place, finish.

The position is derived from the answers stored on the response row, so a person can leave and
continue later on any instance; the routes that call this live in handlers/survey.py.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from handlers import location, places
from handlers import survey_view as view
from handlers.context import Context
from handlers.questionnaire import QuestionType, Survey, Surveys
from handlers.survey_procedures import procedure_name
from handlers.types import Reply
from storage import events, surveys
from storage.events import EventKind
from storage.models import SurveyResponse

FLOW = "survey"
LOCATION_MARK = "_location"  # answers key: the place was asked during this response
RESUME_WITHIN = timedelta(days=7)  # an older unfinished response is not offered again


class Step(StrEnum):
    CHOOSE = "choose"  # an unfinished survey exists: continue it or start again
    ANSWER = "answer"  # a question is on screen


def catalogue(ctx: Context) -> Surveys | None:
    found = ctx.content.extra.get("surveys")
    return found if isinstance(found, Surveys) and found.by_id else None


async def begin(
    ctx: Context,
    *,
    survey_id: str | None = None,
    procedure: str | None = None,
    commune: places.Place | None = None,
    source: str,
) -> list[Reply]:
    found = catalogue(ctx)
    survey = found.get(survey_id) if found else None
    if survey is None:
        return [view.note(ctx, "survey.unavailable")]
    wanted = {
        "survey": survey.id,
        "procedure": procedure,
        "commune": commune.code if commune else None,
        "source": source,
    }
    open_response = await surveys.latest_open(ctx.session, ctx.contact.id)
    if open_response is not None and resumable(ctx, open_response):
        ctx.conversation.start(FLOW, Step.CHOOSE, rid=open_response.id, wanted=wanted)
        title = found.by_id[open_response.survey_id].title if found else survey.title
        return [view.resume_or_restart(ctx, open_response.id, title)]
    return await create(ctx, survey, wanted)


def resumable(ctx: Context, response: SurveyResponse) -> bool:
    found = catalogue(ctx)
    survey = found.by_id.get(response.survey_id) if found else None
    return (
        survey is not None
        and survey.version == response.survey_version
        and response.updated_at >= ctx.now - RESUME_WITHIN
    )


async def create(ctx: Context, survey: Survey, wanted: dict[str, Any]) -> list[Reply]:
    commune = places.commune(wanted.get("commune"))
    response = await surveys.start(
        ctx.session,
        ctx.contact,
        survey_id=survey.id,
        survey_version=survey.version,
        procedure_code=wanted.get("procedure"),
        commune_code=commune.code if commune else None,
        province_code=commune.province_code if commune else None,
        source=wanted.get("source"),
        at=ctx.now,
    )
    if response.procedure_code:
        # The procedure is known (a card's button or the QR code): do not ask it again.
        for question in survey.questions:
            if question.type is QuestionType.PROCEDURE:
                surveys.set_answer(response, question.id, response.procedure_code, ctx.now)
    await events.record(
        ctx.session, EventKind.SURVEY_STARTED, ctx.contact, ref=survey.id, at=ctx.now
    )
    intro = survey.intro
    name = procedure_name(ctx, response.procedure_code)
    if name:
        intro = f"{intro}\n{ctx.t('survey.about_procedure', procedure=name)}"
    return await advance(ctx, survey, response, intro=intro)


async def resume(ctx: Context, intro: str | None = None) -> list[Reply]:
    """Continue the person's unfinished survey (after the place question, for instance)."""
    response = await surveys.latest_open(ctx.session, ctx.contact.id)
    found = catalogue(ctx)
    survey = found.by_id.get(response.survey_id) if found and response else None
    if response is None or survey is None or not resumable(ctx, response):
        ctx.conversation.end()
        return [view.note(ctx, "survey.nothing_open")]
    return await advance(ctx, survey, response, intro=intro)


async def advance(
    ctx: Context, survey: Survey, response: SurveyResponse, *, intro: str | None = None
) -> list[Reply]:
    """Show the next question, ask for the place once, or finish."""
    answers = dict(response.answers or {})
    if response.commune_code is None and ctx.contact.commune_code:
        response.commune_code = ctx.contact.commune_code
        response.province_code = ctx.contact.province_code
    rating_given = survey.rating.id in answers
    if rating_given and response.commune_code is None and LOCATION_MARK not in answers:
        surveys.set_answer(response, LOCATION_MARK, "asked", ctx.now)
        return location.ask_province(ctx, then=FLOW, intro=ctx.t("survey.ask_place"))
    index = survey.next_index(answers)
    if index is None:
        return await finish(ctx, survey, response)
    ctx.conversation.start(FLOW, Step.ANSWER, rid=response.id, picked=[])
    return [view.question_reply(ctx, survey, response.id, index, answers, intro=intro)]


async def finish(ctx: Context, survey: Survey, response: SurveyResponse) -> list[Reply]:
    satisfied = survey.is_satisfied(response.answers or {})
    days = ctx.settings.get("survey_repeat_days", 30)
    finished = await surveys.complete(
        ctx.session,
        response,
        satisfied=satisfied,
        repeat_period=timedelta(days=int(days)),
        at=ctx.now,
    )
    if finished:
        await events.record(
            ctx.session,
            EventKind.SURVEY_COMPLETED,
            ctx.contact,
            ref=survey.id,
            detail="satisfied" if satisfied else "unsatisfied",
            at=ctx.now,
        )
    ctx.conversation.end()
    return [view.thanks(ctx, survey)]
