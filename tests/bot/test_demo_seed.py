"""`dvcbot demo seed` next to real data: fine after people only chatted, refused with exact
steps (in Vietnamese) once real survey answers exist."""

from __future__ import annotations

import random

import pytest

from bot.commands.demo import refusal
from bot.core import Core
from bot.reports.labels import communes_of
from storage import demo
from storage.clock import FixedClock
from tests.support.talk import Talk

# Demo months end at a fixed day, never the day the suite runs.
SEED_AT = FixedClock().now()


async def seed(core: Core) -> demo.Seeded:
    async with core.sessions() as session, session.begin():
        return await demo.seed(
            session,
            places=communes_of(demo.PROVINCE)[:2],
            months=1,
            now=SEED_AT,
            rng=random.Random(3),
        )


async def test_demo_data_goes_in_beside_people_who_only_chatted(core: Core, talk: Talk) -> None:
    await talk.say("/start")
    await talk.say("/danhgia")  # started, never finished: not an answer that figures count
    seeded = await seed(core)
    assert seeded.responses > 0
    with pytest.raises(demo.DemoError) as twice:
        await seed(core)
    assert "dvcbot demo clear" in refusal(twice.value)


async def test_real_survey_answers_refuse_it_and_say_exactly_what_to_do(
    core: Core, talk: Talk
) -> None:
    await talk.say("/danhgia")
    await talk.press_label("Rất hài lòng")
    for _step in range(8):  # every other question skipped, as test_report_done_when does
        if "Cảm ơn bạn đã đánh giá" in talk.text():
            break
        await talk.press_label("Bỏ qua")
    assert "Cảm ơn bạn đã đánh giá" in talk.text()
    with pytest.raises(demo.DemoError) as refused:
        await seed(core)
    text = refusal(refused.value)
    assert "1 phiếu khảo sát thật" in text
    assert "export DVCBOT_DATABASE_URL=sqlite+aiosqlite:///./dvcbot-demo.db" in text
    assert "dvcbot demo seed && dvcbot serve" in text
    assert "database already" not in text and "would mix" not in text  # one language
