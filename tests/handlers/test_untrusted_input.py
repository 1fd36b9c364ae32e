"""Crafted input to the chat (issue 17): far-future months and forged QR codes change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.content import Content
from storage import db
from storage.models import SurveyResponse
from tests.handlers.test_figures import talk_as
from tests.support.officers import person
from tests.support.talk import Talk


@pytest.mark.parametrize("month", ["9999-12", "12/9999", "0001-01", "2101-01", "1999-12"])
async def test_thongke_answers_the_usage_for_a_month_out_of_range(
    sessions: db.SessionFactory, content: Content, month: str
) -> None:
    await person(sessions, "admin", "admin")
    talk = talk_as(sessions, content, "admin")
    [reply] = await talk.say(f"/thongke {month}")
    assert "Cách dùng" in reply.text
    assert reply.topic != "error"


@pytest.mark.parametrize(
    ("link", "procedure", "source"),
    [
        ("ks__", None, "ks"),
        ("ks_18562_", None, "ks_18562"),
        ("ks_18562_99999999999999999999999-1-2-3", None, "ks_18562"),
        ("ks_18562_9-999999", None, "ks_18562"),  # well-formed, not in the catalogue
        ("ks_99999999_1-001612", "1.001612", "ks"),  # unknown commune dropped
        ("ks_18562_1-001612", "1.001612", "ks_18562_1-001612"),
    ],
)
async def test_a_survey_qr_link_keeps_only_known_codes(
    talk: Talk, sessions: db.SessionFactory, link: str, procedure: str | None, source: str
) -> None:
    await talk.say(f"/start {link}")
    assert "Câu 1/" in talk.text()
    async with sessions() as session:
        [response] = (await session.scalars(select(SurveyResponse))).all()
    assert response.procedure_code == procedure
    assert response.source == source
