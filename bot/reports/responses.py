"""One row per completed response, for officers who analyse further: pseudonymous ids only.

The respondent is a keyed hash of the contact (storage.pseudonym) or "(erased)"; typed answers
(free text) are left out, since people write names and phone numbers in them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _
from bot.reports.writers import Column, Table
from handlers.questionnaire import QuestionType, Surveys
from storage import stats, surveys
from storage.models import SurveyResponse
from storage.pseudonym import pseudonym

PURPOSE = "survey-export"


def _answers(response: SurveyResponse, catalogue: Surveys | None) -> str:
    survey = catalogue.by_id.get(response.survey_id) if catalogue else None
    if survey is None:
        return ""
    parts = []
    for question in survey.questions:
        if question.type is QuestionType.TEXT or question.id not in (response.answers or {}):
            continue
        value: Any = response.answers[question.id]
        if value is None:
            continue
        shown = "+".join(value) if isinstance(value, list) else str(value)
        parts.append(f"{question.id}={shown}")
    return "; ".join(parts)


async def responses_table(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    secret: str,
    catalogue: Surveys | None,
    filters: Mapping[str, str] | None = None,
) -> Table:
    """One row per completed response; `filters` (province, commune, channel) limit the rows."""
    wanted = {
        key: value
        for key, value in (filters or {}).items()
        if key in ("province", "commune", "channel")
    }
    columns = (
        Column(_("respondent")),
        Column(_("survey")),
        Column(_("version")),
        Column(_("completed (Vietnam time)")),
        Column(_("channel")),
        Column(_("province")),
        Column(_("commune")),
        Column(_("procedure")),
        Column(_("team")),
        Column(_("satisfied")),
        Column(_("counted")),
        Column(_("answers")),
    )
    rows = []
    for response in await surveys.completed_between(session, start, end):
        place = {
            "province": response.province_code,
            "commune": response.commune_code,
            "channel": response.channel,
        }
        if any(place[key] != value for key, value in wanted.items()):
            continue
        who = (
            pseudonym(secret, response.contact_id, PURPOSE)
            if response.contact_id is not None
            else _("(erased)")
        )
        finished = response.completed_at.astimezone(stats.VN_TZ) if response.completed_at else None
        rows.append(
            (
                who,
                response.survey_id,
                response.survey_version,
                finished.strftime("%Y-%m-%d %H:%M") if finished else None,
                response.channel,
                response.province_code,
                response.commune_code,
                response.procedure_code,
                str(response.team_id) if response.team_id is not None else None,
                _("yes") if response.satisfied else _("no"),
                _("yes") if response.counted else _("no"),
                _answers(response, catalogue),
            )
        )
    return Table(_("Responses"), columns, rows)
